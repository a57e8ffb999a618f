//! Support: run the per-document pipeline on all cores, when that pays.
//!
//! Knows nothing of documents: items are indexes, weighed by the caller.
//!
//! The calling thread works too, beside one thread per other core, and each
//! of those starts on a core of its own (`cpus`). Why: Linux places a new
//! thread by load figures that lag, and often queues it behind a busy
//! thread on the same core while the other core idles. In a test program
//! (spawn, then 1 ms of work on each thread; 25 runs each), a second
//! spawned thread started about 1.15 ms late in 20 runs of 25 when the
//! caller only waited, one spawned thread started about 1.08 ms late in 4
//! of 25 when the caller worked beside it, and never later than 0.12 ms
//! when it was first placed on the other core. A worker is placed only for
//! its start: once it runs and sees it was placed, it lets the scheduler
//! move it again.

mod cpus;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;

/// Below this much candidate input, threads cost more than they save. A
/// real chart's collectors (57 KB in kof-collectors 1.11) are above it: in
/// one hyperfine run (300 runs each, 2 cores), two threads took 3.5-3.8 ms
/// against 3.9-4.4 ms on one thread (kof-all: 4.5-5.4 ms against 5.5-6.5
/// ms), for about 0.8 ms more CPU time. An earlier, noisier run at 1 MiB
/// had found no gain.
const PARALLEL_MIN_BYTES: usize = 32 << 10;

/// Run `f` over `items` on as many threads as the machine has (largest
/// documents first, for balance), or on this thread when the work is
/// small; results come back in `items` order.
pub(crate) fn map<R: Send>(
    items: &[usize],
    weight: impl Fn(usize) -> usize,
    f: impl Fn(usize) -> R + Sync,
) -> Vec<R> {
    let total: usize = items.iter().map(|&i| weight(i)).sum();
    // One item needs no count of the cores (a few files read under cgroups).
    let threads = if total < PARALLEL_MIN_BYTES || items.len() < 2 {
        1
    } else {
        std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(items.len())
    };
    if threads <= 1 {
        return items.iter().map(|&i| f(i)).collect();
    }
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&k| std::cmp::Reverse(weight(items[k])));
    let next = AtomicUsize::new(0);
    let placed = AtomicBool::new(false);
    let allowed = cpus::allowed();
    // `unplace`: a worker's own way back to every allowed core, once the
    // caller has placed it.
    let work = |unplace: Option<&dyn Fn()>| {
        let mut mine = Vec::new();
        let mut pinned = unplace.is_some();
        loop {
            if pinned && placed.load(Ordering::Acquire) {
                unplace.inspect(|u| u());
                pinned = false;
            }
            let n = next.fetch_add(1, Ordering::Relaxed);
            let Some(&k) = order.get(n) else { break mine };
            mine.push((k, f(items[k])));
        }
    };
    let unplace = || cpus::set_own(allowed.as_ref());
    let worker = || work(Some(&unplace));
    let mut joined = Joined(Vec::with_capacity(threads - 1));
    for _ in 1..threads {
        // SAFETY: `worker` borrows `order`, `next`, `placed`, `allowed` and
        // `f`, which live until this function returns; every thread is
        // joined before that, on success below and by `Joined`'s drop when
        // this thread unwinds, so no borrow outlives its data.
        match unsafe { std::thread::Builder::new().spawn_unchecked(worker) } {
            Ok(handle) => joined.0.push(handle),
            // No thread to be had: the caller does the rest.
            Err(_) => break,
        }
    }
    cpus::place(&joined.0, allowed.as_ref());
    placed.store(true, Ordering::Release);
    let mut done = work(None);
    // Every worker is joined before a panic goes on: unwinding from the
    // first would drop the others' handles while they still borrow.
    let mut panic = None;
    for handle in std::mem::take(&mut joined.0) {
        match handle.join() {
            Ok(theirs) => done.extend(theirs),
            Err(p) => {
                panic.get_or_insert(p);
            }
        }
    }
    if let Some(p) = panic {
        std::panic::resume_unwind(p);
    }
    done.sort_by_key(|(k, _)| *k);
    done.into_iter().map(|(_, r)| r).collect()
}

/// Threads that must end before the data they borrow: joined when dropped.
struct Joined<T>(Vec<JoinHandle<T>>);

impl<T> Drop for Joined<T> {
    fn drop(&mut self) {
        for handle in self.0.drain(..) {
            // Already unwinding or returning: a worker's panic adds nothing.
            let _ = handle.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_item_order_on_every_path() {
        let items: Vec<usize> = (0..200).collect();
        // Light items run here; heavy ones on every core.
        for unit in [1, 1 << 20] {
            let out = map(&items, |_| unit, |i| (i, i * 3));
            assert_eq!(out, items.iter().map(|&i| (i, i * 3)).collect::<Vec<_>>());
        }
        assert!(map(&[], |_| 1 << 20, |i| i).is_empty());
    }

    #[test]
    fn a_worker_panic_reaches_the_caller() {
        let items: Vec<usize> = (0..64).collect();
        let caught = std::panic::catch_unwind(|| {
            map(
                &items,
                |_| 1 << 20,
                |i| {
                    assert!(i != 40, "item 40");
                    i
                },
            )
        });
        assert!(caught.is_err());
    }

    #[test]
    fn the_callers_own_cores_are_left_as_they_were() {
        let before = cpus::allowed();
        let items: Vec<usize> = (0..64).collect();
        let out = map(&items, |_| 1 << 20, |i| i);
        assert_eq!(out, items);
        assert_eq!(cpus::allowed(), before);
    }
}
