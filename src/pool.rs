/*!
A pool of scoped std threads for independent blocking calls (the admin APIs'
per-permission-set, per-account and per-pair listings). Results keep the input
order; the first error stops the work not yet started and is returned. The pool
only bounds threads: every call goes through `Http::send`, whose governor
decides how many requests are in flight and whose one retry policy backs off
on throttling.
*/

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::error::{Error, Result};

/// Runs `f` over `items` on at most `concurrency` threads; `progress(done,
/// total)` is called after each item.
pub fn map<T, R, F>(
    items: &[T],
    concurrency: usize,
    f: F,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Vec<R>>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> Result<R> + Sync,
{
    let total = items.len();
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..total).map(|_| None).collect());
    let failure: Mutex<Option<Error>> = Mutex::new(None);
    let workers = concurrency.clamp(1, total.max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total || lock(&failure).is_some() {
                        return;
                    }
                    match f(&items[i]) {
                        Ok(r) => lock(&results)[i] = Some(r),
                        Err(e) => {
                            lock(&failure).get_or_insert(e);
                            return;
                        }
                    }
                    progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
                }
            });
        }
    });
    if let Some(e) = into_inner(failure) {
        return Err(e);
    }
    // Without a failure every slot was filled by exactly one worker.
    Ok(into_inner(results).into_iter().flatten().collect())
}

/// Locks a mutex, recovering the data if a thread panicked (a panic is a bug,
/// but each result slot stays consistent).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn into_inner<T>(m: Mutex<T>) -> T {
    m.into_inner().unwrap_or_else(PoisonError::into_inner)
}

/// A progress callback that reports nothing.
pub fn no_progress(_: usize, _: usize) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_and_bounds_threads() {
        let items: Vec<u32> = (0..50).collect();
        let running = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let out = map(
            &items,
            4,
            |n| {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                std::thread::yield_now();
                running.fetch_sub(1, Ordering::SeqCst);
                Ok(n * 2)
            },
            &no_progress,
        )
        .unwrap();
        assert_eq!(out, items.iter().map(|n| n * 2).collect::<Vec<_>>());
        assert!(peak.load(Ordering::SeqCst) <= 4);
        assert!(
            map(&[] as &[u32], 4, |n| Ok(*n), &no_progress)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn first_error_wins() {
        let items: Vec<u32> = (0..10).collect();
        let e = map(
            &items,
            3,
            |n| {
                if *n == 5 {
                    Err(Error::Failed("five".into()))
                } else {
                    Ok(*n)
                }
            },
            &no_progress,
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "five");
    }
}
