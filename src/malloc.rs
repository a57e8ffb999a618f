//! Support: where the binary's memory comes from. `tune` sets the C
//! library's allocator once, before any thread starts; `arena` serves a run
//! over a small input from one huge page (the binary's global allocator).
//!
//! Only glibc is tuned; elsewhere `tune` does nothing. Neither may change
//! what a run computes, only how its heap grows.
//!
//! Why. A thread's first allocation gives it a glibc arena of its own, and
//! glibc grows such an arena by an `mprotect` call for each few pages a
//! request needs beyond its top: 60 calls on kof-collectors with two worker
//! threads, each splitting a mapping and taking the address-space lock the
//! other thread's page faults wait on. A top pad of 1 MiB makes each new
//! arena writable to 1 MiB at once (8 calls in all; `strace -f -c`). Pages
//! still become resident only when touched, so the peak RSS does not grow.
//! As glibc's own `MALLOC_TOP_PAD_` does, this also fixes the threshold
//! above which a request gets a mapping of its own at 128 KiB.

mod arena;

pub use arena::Alloc;
pub(crate) use arena::begin;

/// glibc's `M_TOP_PAD` parameter of `mallopt` (malloc.h).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const M_TOP_PAD: std::ffi::c_int = -2;

/// Extra bytes an arena is made writable for when it grows.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TOP_PAD: std::ffi::c_int = 1 << 20;

#[cfg(all(target_os = "linux", target_env = "gnu"))]
unsafe extern "C" {
    fn mallopt(param: std::ffi::c_int, value: std::ffi::c_int) -> std::ffi::c_int;
}

/// Set the top pad, unless the user set one (`MALLOC_TOP_PAD_` or
/// `GLIBC_TUNABLES`), whose choice stands.
pub(crate) fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let set = std::env::var_os("MALLOC_TOP_PAD_").is_some()
            || std::env::var_os("GLIBC_TUNABLES")
                .is_some_and(|t| t.to_string_lossy().contains("malloc.top_pad"));
        if !set {
            // SAFETY: mallopt only sets a parameter of glibc's allocator; it
            // is called before any thread of ours exists, and a refused value
            // (a return of 0) leaves the default in place.
            unsafe {
                mallopt(M_TOP_PAD, TOP_PAD);
            }
        }
    }
}
