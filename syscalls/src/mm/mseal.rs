//! mseal: sealing mappings against change (Linux 6.10, 64-bit only).
//!
//! A sealed VMA (`Vma::sealed`) keeps its place, size and protection for the life of
//! the process: munmap, mremap (of it, or onto it), mmap MAP_FIXED over it and brk
//! shrinking over it fail with EPERM and change nothing; mprotect, and madvise with
//! discarding advice on a sealed read-only private anonymous mapping, change the
//! mappings before the sealed one, as Linux 6.18 does VMA by VMA, then fail with EPERM. The seal is
//! inherited across fork with the VMA; exec starts a new address space without seals.
//! The checks live here; the mapping calls (`calls`) ask `sealed_in` first.

use super::*;

/// madvise advice that discards or changes what a mapping holds (is_madv_discard):
/// FREE, DONTNEED, DONTNEED_LOCKED, REMOVE, DONTFORK, WIPEONFORK, GUARD_INSTALL.
pub(super) fn discards(advice: i32) -> bool {
    matches!(advice, 8 | 4 | 24 | 9 | 10 | 18 | 102)
}

impl Mm {
    /// mseal(start, len, flags).
    pub(super) fn mseal(&mut self, pid: u32, start: u64, len_in: u64, flags: u64) -> u64 {
        if flags != 0 || !start.is_multiple_of(PAGE_SIZE) {
            return err(libc::EINVAL);
        }
        let len = len_in.wrapping_add(PAGE_SIZE - 1) & !(PAGE_SIZE - 1);
        // A length rounded up from a small negative one to zero.
        if len_in != 0 && len == 0 {
            return err(libc::EINVAL);
        }
        let Some(end) = start.checked_add(len) else { return err(libc::EINVAL) };
        if end == start {
            return 0;
        }
        let Some(pm) = self.procs.get_mut(&pid) else { return err(libc::ESRCH) };
        if pm.vmas.first_hole(start, end).is_some() {
            return err(libc::ENOMEM);
        }
        pm.vmas.update(start, end, |v| v.sealed = true);
        0
    }

    /// Whether any mapping of `pid` overlapping `[start, end)` is sealed.
    pub(super) fn sealed_in(&self, pid: u32, start: u64, end: u64) -> bool {
        self.procs.get(&pid).is_some_and(|pm| pm.vmas.overlapping(start, end).any(|v| v.sealed))
    }

    /// Where madvise `advice` over `[start, end)` meets a sealed read-only private
    /// anonymous mapping whose contents it would discard (can_madvise_modify): Linux
    /// advises the mappings before it, then fails with EPERM.
    pub(super) fn seal_stops_advice(&self, pid: u32, start: u64, end: u64, advice: i32) -> Option<u64> {
        if !discards(advice) {
            return None;
        }
        let pm = self.procs.get(&pid)?;
        pm.vmas.overlapping(start, end).find(|v| v.sealed && !v.shared && v.file().is_none() && v.prot & PROT_WRITE == 0).map(|v| v.start.max(start))
    }
}
