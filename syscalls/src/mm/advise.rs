//! process_madvise: madvise over an iovec of ranges of the process a pidfd names
//! (Linux 5.10; its 6.13 rules). For the caller's own process any madvise advice is
//! allowed; for another only the non-destructive hints MADV_COLD, MADV_PAGEOUT,
//! MADV_WILLNEED and MADV_COLLAPSE (EINVAL), with ptrace read access (EACCES, as
//! mm_access answers; proc checks it) and CAP_SYS_NICE (EPERM). flags must be 0 and the iovec count at most
//! UIO_MAXIOV (EINVAL); a descriptor that is not a pidfd is EBADF, a pidfd of a process
//! that has ended ESRCH. The ranges are advised in order, stopping at the first
//! error: the result is the bytes advised, or that error when there were none.

use super::*;

const MADV_WILLNEED: i32 = 3;
const MADV_COLD: i32 = 20;
const MADV_PAGEOUT: i32 = 21;
const MADV_COLLAPSE: i32 = 25;
const CAP_SYS_NICE: u64 = 23;

impl Mm {
    /// process_madvise(pidfd, iovec, vlen, advice, flags); `word` is the caller word.
    pub(super) fn process_madvise(&mut self, env: &mut dyn Env, word: u64, pid: u32, s: [u64; 6]) -> u64 {
        let (pidfd, iov, vlen, advice, flags) = (s[0], s[1], s[2], s[3] as i32, s[4] as u32);
        if flags != 0 || vlen > vmrw::IOV_MAX {
            return err(libc::EINVAL);
        }
        let Some(ranges) = Self::iovecs(env, iov, vlen) else { return err(libc::EFAULT) };
        if ranges.iter().try_fold(0u64, |a, (_, l)| a.checked_add(*l).filter(|t| *t <= isize::MAX as u64)).is_none() {
            return err(libc::EINVAL);
        }
        let target = match crate::proc::pidfd::pidfd_target(env, word, pidfd as u32 as u64) {
            Ok(t) => t,
            Err(e) => return e,
        };
        // mm_access: no ptrace read access to the target is EACCES.
        match env.call(ServiceId::Proc, crate::proc::op::MAY_ACCESS, [word, target as u64, 0, 0, 0, 0], &[]) {
            Ok([0, _]) => {}
            Ok([e, _]) if e == err(libc::EPERM) => return err(libc::EACCES),
            Ok([e, _]) => return e,
            Err(_) => return err(libc::ESRCH),
        }
        let t = self.owner_of(target);
        if !self.procs.contains_key(&t) {
            return err(libc::ESRCH);
        }
        if t != pid {
            if !matches!(advice, MADV_COLD | MADV_PAGEOUT | MADV_WILLNEED | MADV_COLLAPSE) {
                return err(libc::EINVAL);
            }
            if !matches!(env.call(ServiceId::Proc, crate::proc::op::CAPABLE, [word, CAP_SYS_NICE, 0, 0, 0, 0], &[]), Ok([1, _])) {
                return err(libc::EPERM);
            }
        }
        let mut done = 0u64;
        for (base, len) in ranges {
            let r = self.madvise(env, t, base, len, advice);
            if is_err(r) {
                return if done > 0 { done } else { r };
            }
            done += len;
        }
        done
    }
}
