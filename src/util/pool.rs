/*!
The one worker pool: scoped std threads running independent blocking calls.

Work can stream in while it runs ([`stream`]: the accounts of a ListAccounts
listing go to the role-listing workers as each page arrives) or be known up
front ([`map`]: the admin APIs' per-permission-set and per-account listings).
Results keep the order the items came in; the first error stops the work not
yet started, tells the producer to stop, and is returned.

The pool only bounds threads: every call goes through `Http::send`, whose
governor decides how many requests are in flight and whose one retry policy
handles throttling.
*/

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError, mpsc};

use crate::error::{Error, Result};

/// Runs `work` on every item `produce` emits, on `workers` threads, while
/// `produce` is still producing. `produce` gets an `emit` function that
/// queues one item and returns false once an error has stopped the pool (the
/// producer should then stop). Results come back in emission order.
pub fn stream<T, R>(
    workers: usize,
    produce: impl FnOnce(&mut dyn FnMut(T) -> bool) -> Result<()>,
    work: impl Fn(T) -> Result<R> + Sync,
) -> Result<Vec<R>>
where
    T: Send,
    R: Send,
{
    let (queue, items) = mpsc::channel::<(usize, T)>();
    let items = Mutex::new(items);
    let results: Mutex<Vec<(usize, R)>> = Mutex::new(Vec::new());
    let failure: Mutex<Option<Error>> = Mutex::new(None);
    let emitted = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..workers.max(1) {
            scope.spawn(|| {
                loop {
                    // A statement of its own, so the queue lock is released
                    // before the work (a `while let` would hold it throughout).
                    let next = lock(&items).recv();
                    let Ok((i, item)) = next else { return };
                    if lock(&failure).is_some() {
                        continue;
                    }
                    match work(item) {
                        Ok(r) => lock(&results).push((i, r)),
                        Err(e) => {
                            lock(&failure).get_or_insert(e);
                        }
                    }
                }
            });
        }
        let mut emit = |item: T| {
            let i = emitted.fetch_add(1, Ordering::Relaxed);
            // The workers outlive the queue's sender, so a send cannot fail.
            let _ = queue.send((i, item));
            lock(&failure).is_none()
        };
        if let Err(e) = produce(&mut emit) {
            lock(&failure).get_or_insert(e);
        }
        drop(queue);
    });
    if let Some(e) = into_inner(failure) {
        return Err(e);
    }
    let mut results = into_inner(results);
    results.sort_by_key(|(i, _)| *i);
    Ok(results.into_iter().map(|(_, r)| r).collect())
}

/// Runs `f` over `items` on at most `workers` threads; results in input order.
pub fn map<'a, T, R>(
    items: &'a [T],
    workers: usize,
    f: impl Fn(&'a T) -> Result<R> + Sync,
) -> Result<Vec<R>>
where
    T: Sync,
    R: Send,
{
    let produce = |emit: &mut dyn FnMut(&'a T) -> bool| {
        for item in items {
            if !emit(item) {
                break;
            }
        }
        Ok(())
    };
    stream(workers.clamp(1, items.len().max(1)), produce, f)
}

/// Locks a mutex, recovering the data if a thread panicked (a panic is a bug,
/// but each result stays consistent).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn into_inner<T>(m: Mutex<T>) -> T {
    m.into_inner().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_and_bounds_threads() {
        let items: Vec<u32> = (0..50).collect();
        let running = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let out = map(&items, 4, |n| {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            std::thread::yield_now();
            running.fetch_sub(1, Ordering::SeqCst);
            Ok(n * 2)
        })
        .unwrap();
        assert_eq!(out, items.iter().map(|n| n * 2).collect::<Vec<_>>());
        assert!(peak.load(Ordering::SeqCst) <= 4);
        assert!(map(&[] as &[u32], 4, |n| Ok(*n)).unwrap().is_empty());
    }

    #[test]
    fn first_error_wins() {
        let items: Vec<u32> = (0..10).collect();
        let e = map(&items, 3, |n| {
            if *n == 5 {
                Err(Error::Usage("five".into()))
            } else {
                Ok(*n)
            }
        })
        .unwrap_err();
        assert_eq!(e.to_string(), "five");
    }

    #[test]
    fn work_starts_before_the_producer_is_done() {
        // The producer waits for the first result before emitting the second
        // item: with a pool that only started after production, this would
        // never finish.
        let (done, first_done) = mpsc::channel();
        let out = stream(
            2,
            |emit| {
                emit(1);
                first_done
                    .recv()
                    .map_err(|_| Error::Usage("no result".into()))?;
                emit(2);
                Ok(())
            },
            |n: u32| {
                let _ = done.send(());
                Ok(n * 10)
            },
        )
        .unwrap();
        assert_eq!(out, [10, 20]);
    }

    #[test]
    fn an_error_stops_the_producer() {
        // One worker takes items in order, so item 0 fails before any other
        // is looked at; from then on `emit` says stop. (Without that signal
        // this producer would never end.)
        let e = stream(
            1,
            |emit| {
                emit(0);
                while emit(1) {
                    std::thread::yield_now();
                }
                Ok(())
            },
            |n: u32| {
                if n == 0 {
                    Err(Error::Usage("zero".into()))
                } else {
                    Ok(n)
                }
            },
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "zero");
    }
}
