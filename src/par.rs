//! Support: run the per-document pipeline on all cores, when that pays.
//!
//! Knows nothing of documents: items are indexes, weighed by the caller.

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
    let threads = if total < PARALLEL_MIN_BYTES {
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
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut mine = Vec::new();
        loop {
            let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(&k) = order.get(n) else { break mine };
            mine.push((k, f(items[k])));
        }
    };
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| std::thread::Builder::new().spawn_scoped(scope, work))
            .collect();
        let mut done = Vec::with_capacity(items.len());
        for worker in workers {
            match worker {
                Ok(handle) => done.extend(
                    handle
                        .join()
                        .unwrap_or_else(|e| std::panic::resume_unwind(e)),
                ),
                // No thread to be had: do the rest here rather than fail.
                Err(_) => done.extend(work()),
            }
        }
        done
    });
    done.sort_by_key(|(k, _)| *k);
    done.into_iter().map(|(_, r)| r).collect()
}
