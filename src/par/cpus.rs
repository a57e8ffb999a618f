//! Support for `par`: which cores this process may run on, and starting a
//! worker on a core other than the caller's. Linux only; elsewhere nothing
//! is placed.
//!
//! Placement is a hint for the scheduler, never a condition of the result:
//! any call here may fail, and then threads start where Linux puts them.

use std::thread::JoinHandle;

/// The cores this process may run on, as a bit mask (`cpu_set_t`'s layout:
/// 1,024 cores); `None` where it cannot be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Mask([u64; 16]);

impl Mask {
    fn single(cpu: usize) -> Mask {
        let mut m = Mask([0; 16]);
        m.0[cpu / 64] |= 1 << (cpu % 64);
        m
    }

    fn cpus(&self) -> impl Iterator<Item = usize> + '_ {
        (0..1024).filter(|&c| self.0[c / 64] >> (c % 64) & 1 == 1)
    }
}

/// The cores the calling thread may run on.
pub(crate) fn allowed() -> Option<Mask> {
    #[cfg(target_os = "linux")]
    {
        let mut m = Mask([0; 16]);
        // SAFETY: the kernel writes at most `size_of::<Mask>()` bytes into `m`,
        // which has the layout of `cpu_set_t` (an array of 1,024 bits).
        let r = unsafe {
            libc::sched_getaffinity(
                0,
                std::mem::size_of::<Mask>(),
                (&raw mut m).cast::<libc::cpu_set_t>(),
            )
        };
        (r == 0).then_some(m)
    }
    #[cfg(not(target_os = "linux"))]
    None
}

/// Let the calling thread run on the cores of `mask` again.
pub(crate) fn set_own(mask: Option<&Mask>) {
    #[cfg(target_os = "linux")]
    if let Some(m) = mask {
        // SAFETY: the kernel reads `size_of::<Mask>()` bytes from `m`. A
        // refusal leaves the thread where it is, which is only slower.
        unsafe {
            libc::sched_setaffinity(
                0,
                std::mem::size_of::<Mask>(),
                (&raw const *m).cast::<libc::cpu_set_t>(),
            );
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = mask;
}

/// Start each of `workers` on its own allowed core other than the caller's.
pub(crate) fn place<T>(workers: &[JoinHandle<T>], allowed: Option<&Mask>) {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::thread::JoinHandleExt;
        // SAFETY: sched_getcpu only reads which core this thread is on.
        let here = unsafe { libc::sched_getcpu() };
        let Some(allowed) = allowed else { return };
        let others: Vec<usize> = allowed
            .cpus()
            .filter(|&c| usize::try_from(here).ok() != Some(c))
            .collect();
        if here < 0 || others.is_empty() {
            return;
        }
        for (worker, &cpu) in workers.iter().zip(others.iter().cycle()) {
            let m = Mask::single(cpu);
            // SAFETY: `worker` has not been joined, so its pthread_t is
            // valid; the kernel reads `size_of::<Mask>()` bytes from `m`.
            unsafe {
                libc::pthread_setaffinity_np(
                    worker.as_pthread_t(),
                    std::mem::size_of::<Mask>(),
                    (&raw const m).cast::<libc::cpu_set_t>(),
                );
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (workers, allowed);
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::sync::Barrier;

    #[test]
    fn masks_name_the_cores_they_hold() {
        assert_eq!(Mask::single(0).cpus().collect::<Vec<_>>(), [0]);
        assert_eq!(Mask::single(1023).cpus().collect::<Vec<_>>(), [1023]);
        let mut m = Mask::single(3);
        m.0[1] = 1 << 1;
        assert_eq!(m.cpus().collect::<Vec<_>>(), [3, 65]);
    }

    /// A placed worker runs on one core other than the caller's, and
    /// `set_own` gives it every allowed core back.
    #[test]
    fn a_placed_worker_starts_elsewhere_and_is_freed() {
        let all = allowed().expect("sched_getaffinity");
        if all.cpus().count() < 2 {
            eprintln!("one allowed core: nothing to place (not a pass of the placement)");
            return;
        }
        let gate = Barrier::new(2);
        {
            // SAFETY: joined below, before `gate` and `all` go.
            let worker = unsafe {
                std::thread::Builder::new()
                    .spawn_unchecked(|| {
                        gate.wait();
                        let placed = allowed().expect("mask");
                        set_own(Some(&all));
                        (placed, allowed().expect("mask"))
                    })
                    .unwrap()
            };
            // The caller stays on its core while it places the worker.
            let here = usize::try_from(unsafe { libc::sched_getcpu() }).unwrap();
            set_own(Some(&Mask::single(here)));
            place(std::slice::from_ref(&worker), Some(&all));
            set_own(Some(&all));
            gate.wait();
            let (placed, freed) = worker.join().unwrap();
            let cores: Vec<usize> = placed.cpus().collect();
            assert_eq!(cores.len(), 1, "placed on one core: {cores:?}");
            assert_ne!(cores[0], here, "placed on the caller's core");
            assert_eq!(freed, all);
        }
    }
}
