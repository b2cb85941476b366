//! cachestat: page-cache figures of a file range (Linux 6.5). grantix's page cache is
//! mm's (`cache`): the pages of files that are mapped. So nr_cache counts the range's
//! pages mm holds (a file no process maps has none cached here, whatever the host's
//! own cache holds); nr_dirty counts none, as mm writes shared mappings back at
//! msync, munmap, exit and exec and keeps no dirty bits; nothing is under writeback
//! or evicted. Checks in Linux's order: the descriptor (EBADF), the range (EFAULT),
//! flags (EINVAL), the result (EFAULT). hugetlbfs files would be EOPNOTSUPP: grantix
//! has none.

use super::*;

impl Mm {
    /// cachestat(fd, range, cstat, flags): `range` (16 bytes) and `cstat` (40) are
    /// qualified and lent.
    pub(super) fn cachestat(&mut self, env: &mut dyn Env, pid: u32, s: [u64; 6]) -> u64 {
        let (fd, range, out, flags) = (s[0] as u32 as i32, s[1], s[2], s[3] as u32);
        // Any open descriptor (a pipe's or a socket's cache is empty).
        let st = match self.stat(env, pid, fd) {
            Ok(st) => st,
            Err(e) => return e,
        };
        let mut r = [0u8; 16];
        if env.read(range, &mut r).is_err() {
            return err(libc::EFAULT);
        }
        if flags != 0 {
            return err(libc::EINVAL);
        }
        let off = u64::from_le_bytes(r[..8].try_into().unwrap_or_default());
        let len = u64::from_le_bytes(r[8..].try_into().unwrap_or_default());
        let first = off / PAGE_SIZE;
        let last = if len == 0 { u64::MAX } else { off.saturating_add(len - 1) / PAGE_SIZE };
        let cached = if st.mode & S_IFMT == S_IFREG { self.cache.get(st.key).map_or(0, |c| c.pages.range(first..=last).count() as u64) } else { 0 };
        let mut b = [0u8; 40];
        b[..8].copy_from_slice(&cached.to_le_bytes());
        if env.write(out, &b).is_err() {
            return err(libc::EFAULT);
        }
        0
    }
}
