//! The system allocator tuned for the analysis of long runs.
//!
//! glibc serves blocks from 128 KiB up with their own mapping, returned to
//! the system when freed, but it raises that threshold to the size of each
//! such block freed (up to 32 MiB). Reading a long run frees a few
//! megabyte-sized buffers, so the analysis's per-metric vectors (megabytes
//! each, on several threads) then came from heaps that keep their pages:
//! peak RSS of the 1M-snapshot benchmark 122-128 MB instead of 111 MB
//! (`docs/benchmarks.md`). A fixed threshold of 1 MiB keeps big blocks
//! mapped and returned, and the many small ones on the heap.

/// Fixes glibc's mmap threshold at 1 MiB (elsewhere: nothing to do).
pub fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        const MMAP_THRESHOLD: libc::c_int = 1 << 20;
        // SAFETY: mallopt only sets a parameter of the allocator; it is
        // called before any thread starts and returns 0 when it refuses
        // the value, which leaves the default (nothing to handle).
        #[allow(unsafe_code)]
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
        }
    }
}
