//! remap_file_pages: the nonlinear-mapping call Linux has emulated since 3.16 by
//! mapping the file again, MAP_SHARED | MAP_FIXED at the requested page offset, over
//! the range of an existing shared file mapping (mm/mmap.c). Its checks are Linux's:
//! prot must be 0 and the range must not wrap (EINVAL), the range must lie in shared
//! mappings of one file with the same flags and no hole (EINVAL); the new mapping
//! takes the old one's protection.

use super::*;

/// MAP_NONBLOCK: the one flag remap_file_pages passes on.
const MAP_NONBLOCK: u64 = 0x1_0000;

impl Mm {
    /// remap_file_pages(start, size, prot, pgoff, flags).
    pub(super) fn remap_file_pages(&mut self, env: &mut dyn Env, pid: u32, s: [u64; 6]) -> u64 {
        let (start, size, prot, pgoff, flags) = (s[0] & !(PAGE_SIZE - 1), s[1] & !(PAGE_SIZE - 1), s[2], s[3], s[4]);
        if prot != 0 {
            return err(libc::EINVAL);
        }
        let Some(end) = start.checked_add(size).filter(|e| *e > start) else { return err(libc::EINVAL) };
        if pgoff.checked_add(size / PAGE_SIZE).is_none() || pgoff.checked_mul(PAGE_SIZE).is_none() {
            return err(libc::EINVAL);
        }
        let Some(pm) = self.procs.get(&pid) else { return err(libc::ESRCH) };
        let Some(first) = pm.vmas.find(start).cloned() else { return err(libc::EINVAL) };
        // A shared mapping of a file (a shared anonymous one has no file here to
        // remap: Linux would remap its shmem object).
        let Some(f) = first.file().cloned().filter(|_| first.shared) else { return err(libc::EINVAL) };
        // The whole range: one file's shared mappings, same flags, no hole.
        let mut at = first.end;
        for v in pm.vmas.overlapping(first.end, end) {
            let same = v.file().is_some_and(|g| g.key == f.key) && v.shared && v.prot == first.prot && v.sealed == first.sealed;
            if v.start != at || !same {
                return err(libc::EINVAL);
            }
            at = v.end;
        }
        if at < end {
            return err(libc::EINVAL);
        }
        if !self.still_same_file(env, pid, f.fd, f.key) {
            // The descriptor the mapping was made through is how mm reaches the file.
            return err(libc::EBADF);
        }
        let flags = (flags & MAP_NONBLOCK) | (MAP_SHARED | MAP_FIXED) as u64;
        let r = self.mmap(env, pid, [start, size, first.prot as u64 | (flags << 32), f.fd as u32 as u64, pgoff * PAGE_SIZE, 0]);
        if is_err(r) { r } else { 0 }
    }
}
