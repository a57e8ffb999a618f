//! Support: the binary's allocator, which serves a small run from one huge page.
//!
//! It must not change what a run computes, only where its memory comes from;
//! it never holds a pointer it did not hand out and never hands out one twice.
//!
//! Why. On this project's machines a first touch of a 4 KiB page costs about
//! 2 µs (a C loop touching fresh pages: 2.0-2.9 µs each; populating them in
//! the kernel with `MADV_POPULATE_WRITE` costs the same), and routing
//! kof-collectors touches about 190 pages beyond what `--version` does, most
//! of them in glibc's `malloc` growing its heaps (`perf record -e
//! page-faults`). One transparent huge page of 2 MiB is a single fault: 200
//! of its 4 KiB pages touched in a fresh process took 70-260 µs against
//! 390-520 µs for 200 plain pages (medians of 15 runs each). So once a run
//! knows its input is small, allocations are bumped from one huge page; when
//! the page is used up, or for a large input, or where the kernel gives no
//! transparent huge pages, the C library serves them as before. Freed blocks
//! are only taken back when they are the last one handed out: a small run
//! ends before the waste matters, and the page bounds it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// One region handed out by bumping a pointer. All zero: no region.
pub(crate) struct Region {
    start: AtomicUsize,
    end: AtomicUsize,
    next: AtomicUsize,
}

impl Region {
    pub(crate) const fn empty() -> Region {
        Region {
            start: AtomicUsize::new(0),
            end: AtomicUsize::new(0),
            next: AtomicUsize::new(0),
        }
    }

    /// Hand out `[start, start + len)` from now on. Called once, before the
    /// region is shared; `start` must be non-zero.
    pub(crate) fn open(&self, start: usize, len: usize) {
        self.next.store(start, Ordering::Relaxed);
        self.end.store(start + len, Ordering::Relaxed);
        self.start.store(start, Ordering::Release);
    }

    /// Whether `p` was handed out by this region.
    pub(crate) fn owns(&self, p: *mut u8) -> bool {
        let start = self.start.load(Ordering::Acquire);
        start != 0 && (start..self.end.load(Ordering::Relaxed)).contains(&(p as usize))
    }

    /// A block for `layout`, or `None` when the region is closed or full.
    pub(crate) fn alloc(&self, layout: Layout) -> Option<*mut u8> {
        if self.start.load(Ordering::Acquire) == 0 {
            return None;
        }
        let end = self.end.load(Ordering::Relaxed);
        let mut next = self.next.load(Ordering::Relaxed);
        loop {
            let at = next.checked_add(layout.align() - 1)? & !(layout.align() - 1);
            let upto = at.checked_add(layout.size()).filter(|&u| u <= end)?;
            match self
                .next
                .compare_exchange_weak(next, upto, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return Some(at as *mut u8),
                Err(now) => next = now,
            }
        }
    }

    /// Take back the block at `p` of `size` bytes if it is the last one
    /// handed out; any other is left as it is.
    pub(crate) fn free(&self, p: *mut u8, size: usize) {
        let p = p as usize;
        let _ = self
            .next
            .compare_exchange(p + size, p, Ordering::Relaxed, Ordering::Relaxed);
    }

    /// Resize the block at `p` from `old` to `new` bytes where it is: always
    /// for a shrink, and for a growth of the last block handed out when the
    /// region has room.
    pub(crate) fn resize(&self, p: *mut u8, old: usize, new: usize) -> bool {
        let p = p as usize;
        if new <= old {
            self.free_tail(p + new, old - new);
            return true;
        }
        let end = self.end.load(Ordering::Relaxed);
        p + new <= end
            && self
                .next
                .compare_exchange(p + old, p + new, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
    }

    fn free_tail(&self, at: usize, len: usize) {
        let _ = self
            .next
            .compare_exchange(at + len, at, Ordering::Relaxed, Ordering::Relaxed);
    }
}

/// The region the binary's allocator bumps from.
static REGION: Region = Region::empty();

/// Set by the binary that installs `Alloc`; without it `begin` does nothing,
/// so a library caller never maps a page nobody will use.
static INSTALLED: AtomicBool = AtomicBool::new(false);

/// The size of an x86-64 transparent huge page.
const HUGE: usize = 2 << 20;

/// Serve the rest of a run over `input_len` bytes from one huge page, when
/// the binary installed `Alloc`, the input is small and the kernel gives
/// transparent huge pages on request. Called before any other thread; a
/// second call does nothing (the first region's blocks must stay its own).
pub(crate) fn begin(input_len: usize) {
    if !INSTALLED.load(Ordering::Relaxed)
        || REGION.start.load(Ordering::Acquire) != 0
        || input_len > crate::SMALL_INPUT
        || !huge_pages()
    {
        return;
    }
    #[cfg(target_os = "linux")]
    {
        // SAFETY: a new private anonymous mapping, touched by no one yet;
        // twice the page so that an aligned page lies inside it.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                2 * HUGE,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return;
        }
        let start = (base as usize + HUGE - 1) & !(HUGE - 1);
        // SAFETY: `[start, start + HUGE)` lies inside the mapping made above.
        // A refusal leaves plain pages, which work as well, only slower.
        unsafe { libc::madvise(start as *mut libc::c_void, HUGE, libc::MADV_HUGEPAGE) };
        REGION.open(start, HUGE);
    }
}

/// Whether the kernel makes a huge page of 2 MiB on `madvise` request.
fn huge_pages() -> bool {
    let read = |p| std::fs::read_to_string(p).unwrap_or_default();
    cfg!(all(target_os = "linux", target_arch = "x86_64"))
        && read("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size").trim() == HUGE.to_string()
        && !read("/sys/kernel/mm/transparent_hugepage/enabled").contains("[never]")
}

/// The allocator the binary installs: `REGION` first, the C library after.
pub struct Alloc;

impl Alloc {
    /// Say that this allocator is the global one.
    pub fn installed() {
        INSTALLED.store(true, Ordering::Relaxed);
    }
}

// Each method is out of line: inlined into every allocation site by the
// release build's LTO, they made the binary 370 KB larger (5.33 to 5.70 MB)
// and the generated stream's peak RSS about 100 KiB larger (24,068-24,216
// against 23,984-24,052 KiB, six runs each), when that was 40 KiB under its
// memory target. Out of line: 31 KB larger, and 9.20 to 9.38 M instructions on
// kof-collectors.
//
// SAFETY: every block comes from `REGION` (a block no one else holds, inside
// a mapping that lives to the end of the process) or from `System`, and each
// is given back to where it came from, told apart by its address.
unsafe impl GlobalAlloc for Alloc {
    #[inline(never)]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match REGION.alloc(layout) {
            Some(p) => p,
            // SAFETY: the caller's contract for `layout` is System's.
            None => unsafe { System.alloc(layout) },
        }
    }

    #[inline(never)]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        match REGION.alloc(layout) {
            Some(p) => {
                // SAFETY: `p` is a fresh block of `layout.size()` bytes; a
                // block taken back and handed out again may hold old bytes.
                unsafe { p.write_bytes(0, layout.size()) };
                p
            }
            // SAFETY: as in `alloc`.
            None => unsafe { System.alloc_zeroed(layout) },
        }
    }

    #[inline(never)]
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        match REGION.owns(p) {
            true => REGION.free(p, layout.size()),
            // SAFETY: `p` came from System with this layout.
            false => unsafe { System.dealloc(p, layout) },
        }
    }

    #[inline(never)]
    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new: usize) -> *mut u8 {
        if !REGION.owns(p) {
            // SAFETY: `p` came from System with this layout.
            return unsafe { System.realloc(p, layout, new) };
        }
        if REGION.resize(p, layout.size(), new) {
            return p;
        }
        // SAFETY: `new` with the old alignment is a valid layout (the
        // caller's contract); the old block holds `layout.size()` bytes and
        // the new one at least that many when it grows.
        unsafe {
            let moved = self.alloc(Layout::from_size_align_unchecked(new, layout.align()));
            if !moved.is_null() {
                moved.copy_from_nonoverlapping(p, layout.size().min(new));
                REGION.free(p, layout.size());
            }
            moved
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Region;
    use std::alloc::Layout;

    /// A region over a buffer of `len` bytes that the test keeps alive.
    fn region(buf: &mut Vec<u64>) -> (Region, usize) {
        let start = buf.as_mut_ptr() as usize;
        let region = Region::empty();
        region.open(start, buf.len() * 8);
        (region, start)
    }

    fn layout(size: usize, align: usize) -> Layout {
        Layout::from_size_align(size, align).unwrap()
    }

    #[test]
    fn a_closed_region_hands_out_nothing_and_owns_nothing() {
        let region = Region::empty();
        assert_eq!(region.alloc(layout(8, 8)), None);
        let mut x = 0u8;
        assert!(!region.owns(&mut x));
    }

    #[test]
    fn blocks_are_aligned_disjoint_and_inside_until_the_region_is_full() {
        let mut buf = vec![0u64; 64];
        let (region, start) = region(&mut buf);
        let a = region.alloc(layout(3, 1)).unwrap() as usize;
        let b = region.alloc(layout(16, 16)).unwrap() as usize;
        let c = region.alloc(layout(8, 8)).unwrap() as usize;
        assert_eq!(a, start);
        assert_eq!(b % 16, 0);
        assert!(b >= a + 3 && c >= b + 16);
        assert!(region.owns(c as *mut u8) && !region.owns((start + 512) as *mut u8));
        assert_eq!(region.alloc(layout(512, 1)), None, "more than is left");
        assert!(
            region.alloc(layout(512 - (c + 8 - start), 1)).is_some(),
            "exactly what is left"
        );
        assert_eq!(region.alloc(layout(1, 1)), None);
    }

    #[test]
    fn only_the_last_block_is_taken_back() {
        let mut buf = vec![0u64; 64];
        let (region, _) = region(&mut buf);
        let a = region.alloc(layout(24, 8)).unwrap();
        let b = region.alloc(layout(24, 8)).unwrap();
        region.free(a, 24);
        assert_eq!(
            region.alloc(layout(8, 8)).map(|p| p as usize),
            Some(b as usize + 24)
        );
        let c = region.alloc(layout(40, 8)).unwrap();
        region.free(c, 40);
        assert_eq!(
            region.alloc(layout(40, 8)),
            Some(c),
            "taken back, handed out again"
        );
    }

    #[test]
    fn the_last_block_grows_in_place_and_any_block_shrinks_in_place() {
        let mut buf = vec![0u64; 64];
        let (region, start) = region(&mut buf);
        let a = region.alloc(layout(16, 8)).unwrap();
        assert!(region.resize(a, 16, 100), "the last block, with room");
        assert!(!region.resize(a, 100, 600), "no room");
        let b = region.alloc(layout(8, 8)).unwrap();
        assert_eq!(b as usize, start + 104, "after the grown block");
        assert!(!region.resize(a, 100, 101), "no longer the last block");
        assert!(region.resize(a, 100, 50), "a shrink always succeeds");
        assert!(region.resize(b, 8, 4));
        assert_eq!(
            region.alloc(layout(4, 1)).map(|p| p as usize),
            Some(start + 108)
        );
    }

    #[test]
    fn threads_bumping_at_once_get_disjoint_blocks() {
        let mut buf = vec![0u64; 4096];
        let (region, start) = region(&mut buf);
        let mut got: Vec<usize> = std::thread::scope(|s| {
            let region = &region;
            let hands: Vec<_> = (0..4)
                .map(|_| {
                    s.spawn(move || {
                        (0..2000)
                            .map_while(|_| region.alloc(layout(8, 8)).map(|p| p as usize))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            hands.into_iter().flat_map(|h| h.join().unwrap()).collect()
        });
        got.sort_unstable();
        assert_eq!(got.len(), 4096, "the region is shared out whole");
        assert!(got.iter().enumerate().all(|(i, &p)| p == start + 8 * i));
    }
}
