//! Support: lets go of a large mapped input's pages once a stage is done with them.
//!
//! It must never change a byte the program reads: it only acts on the one
//! read-only file mapping `app` registers, never on memory of the heap
//! (whose pages `MADV_DONTNEED` would zero), and a page let go is read from
//! the file again if it is touched again.
//!
//! Why. A mapped input's pages count in the process's resident size as they
//! are touched, so a run over a large input held all of it resident: the
//! split reads every byte, and the writer reads every untouched document
//! again. On the generated 20 MB stream that was 23.9-24.1 MB peak RSS
//! against a target of 1.2× the input (23,984 KiB). The split lets go of
//! each range it has walked and the writer of each piece it has written; the
//! page cache keeps the file, so a page touched again is mapped again, not
//! read from disk. Only inputs over 4 MiB are let go of: a small input's
//! pages are few, and touching them again would cost more than they weigh.

use std::sync::atomic::{AtomicUsize, Ordering};

/// The registered mapping: start and length (0: none).
static START: AtomicUsize = AtomicUsize::new(0);
static LEN: AtomicUsize = AtomicUsize::new(0);

/// Register `map`, a read-only mapping of a file that lives to the end of
/// the run, as one whose pages may be let go of. Only one is registered; a
/// small one is not.
///
/// # Safety
/// `map` must be a shared, read-only mapping of a file (or of an in-memory
/// file), so that a page let go of reads back the same bytes, and it must
/// stay mapped until the process ends.
pub(crate) unsafe fn register(map: &[u8]) {
    if map.len() > crate::SMALL_INPUT {
        LEN.store(map.len(), Ordering::Relaxed);
        START.store(map.as_ptr() as usize, Ordering::Release);
    }
}

/// Unregister `map` if it is the registered mapping: called before it is
/// unmapped, so that no later release acts on whatever is mapped there next.
pub(crate) fn unregister(map: &[u8]) {
    let _ = START.compare_exchange(
        map.as_ptr() as usize,
        0,
        Ordering::AcqRel,
        Ordering::Relaxed,
    );
}

/// The page-aligned part of `bytes` inside the registered mapping, as an
/// address range; empty when there is none.
fn pages(bytes: &[u8], start: usize, len: usize, page: usize) -> std::ops::Range<usize> {
    let (lo, hi) = (
        bytes.as_ptr() as usize,
        bytes.as_ptr() as usize + bytes.len(),
    );
    let lo = lo.max(start).next_multiple_of(page);
    let hi = (hi.min(start + len) / page) * page;
    lo..hi.max(lo)
}

/// Let go of the whole pages of `bytes` that lie in the registered
/// mapping. Anything else, and any failure, is left alone.
pub(crate) fn release(bytes: &[u8]) {
    let start = START.load(Ordering::Acquire);
    if start == 0 {
        return;
    }
    #[cfg(target_os = "linux")]
    {
        let range = pages(bytes, start, LEN.load(Ordering::Relaxed), page_size());
        if !range.is_empty() {
            // SAFETY: the range is whole pages inside the registered
            // mapping, which `register`'s caller promises is a shared
            // read-only file mapping: its pages read back the same bytes.
            unsafe {
                libc::madvise(
                    range.start as *mut libc::c_void,
                    range.len(),
                    libc::MADV_DONTNEED,
                )
            };
        }
    }
}

#[cfg(target_os = "linux")]
fn page_size() -> usize {
    // SAFETY: sysconf reads a constant of the system.
    usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap_or(4096)
}

#[cfg(test)]
mod tests {
    use super::pages;

    #[test]
    fn only_whole_pages_inside_the_mapping_are_let_go_of() {
        let buf = [0u8; 64];
        let base = buf.as_ptr() as usize;
        // A fake mapping at `start` of `len` bytes, pages of 8 bytes.
        let start = base.next_multiple_of(8);
        let off = start - base;
        let at = |lo: usize, hi: usize| pages(&buf[off + lo..off + hi], start, 48, 8);
        let rel = |r: std::ops::Range<usize>| (r.start - start, r.end - start);
        assert_eq!(rel(at(0, 48)), (0, 48));
        assert_eq!(rel(at(3, 29)), (8, 24), "partial pages are kept");
        assert!(at(3, 12).is_empty(), "no whole page");
        assert_eq!(rel(at(40, 56)), (40, 48), "clipped to the mapping");
        let outside = pages(&buf[..1], start + 64, 48, 8);
        assert!(outside.is_empty(), "outside the mapping");
    }
}
