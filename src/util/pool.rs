/*!
The one worker pool: scoped std threads running independent blocking calls.

Work can stream in while it runs ([`stream`]: the accounts of a ListAccounts
listing go to the role-listing workers as each page arrives) or be known up
front ([`map`]: the admin APIs' per-permission-set and per-account listings).
Results keep the order the items came in; the first error stops the work not
yet started, tells the producer to stop, and is returned. A server hands its
connections to [`drain`], whose queue is bounded so that a flood is refused at
once instead of piling up.

The pool only bounds threads: every call goes through `Http::send`, whose
governor decides how many requests are in flight and whose one retry policy
handles throttling.
*/

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, TrySendError};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::thread::Scope;

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
    let run = |(i, item): (usize, T)| {
        if lock(&failure).is_some() {
            return;
        }
        match work(item) {
            Ok(r) => lock(&results).push((i, r)),
            Err(e) => {
                lock(&failure).get_or_insert(e);
            }
        }
    };
    std::thread::scope(|scope| {
        spawn_workers(scope, workers, &items, &run);
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

/// Runs `handle` on every item `produce` emits, on `workers` threads, for as
/// long as `produce` runs (a server's accept loop). At most `waiting` items
/// wait for a worker: `emit` hands an item back when the queue is full, for
/// the producer to refuse at once. Returns `produce`'s result once the
/// items already queued are handled.
pub fn drain<T: Send>(
    workers: usize,
    waiting: usize,
    produce: impl FnOnce(&mut dyn FnMut(T) -> Option<T>) -> Result<()>,
    handle: impl Fn(T) + Sync,
) -> Result<()> {
    let (queue, items) = mpsc::sync_channel::<T>(waiting);
    let items = Mutex::new(items);
    std::thread::scope(|scope| {
        spawn_workers(scope, workers, &items, &handle);
        let mut emit = |item: T| match queue.try_send(item) {
            Ok(()) => None,
            Err(TrySendError::Full(item) | TrySendError::Disconnected(item)) => Some(item),
        };
        let result = produce(&mut emit);
        drop(queue);
        result
    })
}

/// Starts `n` (at least one) workers that take items from `items` until its
/// sender is dropped, running `f` on each.
fn spawn_workers<'scope, T: Send>(
    scope: &'scope Scope<'scope, '_>,
    n: usize,
    items: &'scope Mutex<Receiver<T>>,
    f: &'scope (dyn Fn(T) + Sync),
) {
    for _ in 0..n.max(1) {
        scope.spawn(move || {
            loop {
                // A statement of its own, so the queue lock is released
                // before the work (a `while let` would hold it throughout).
                let next = lock(items).recv();
                let Ok(item) = next else { return };
                f(item);
            }
        });
    }
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
    fn drain_hands_back_what_does_not_fit_and_handles_the_rest() {
        // One worker, one place in the queue: item 1 is being handled (the
        // worker waits for `go`), item 2 waits, item 3 is handed back.
        let (started, on_start) = mpsc::channel();
        let (go, on_go) = mpsc::channel::<()>();
        let on_go = Mutex::new(on_go);
        let handled = Mutex::new(Vec::new());
        let refused = drain(
            1,
            1,
            |emit| {
                let mut refused = Vec::new();
                assert!(emit(1).is_none());
                on_start
                    .recv()
                    .map_err(|_| Error::Usage("no start".into()))?;
                assert!(emit(2).is_none());
                refused.extend(emit(3));
                go.send(()).ok();
                go.send(()).ok();
                assert_eq!(refused, [3]);
                Ok(())
            },
            |n: u32| {
                started.send(()).ok();
                let _ = lock(&on_go).recv();
                lock(&handled).push(n);
            },
        );
        assert!(refused.is_ok());
        assert_eq!(into_inner(handled), [1, 2]);
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
