//! process_vm_readv and process_vm_writev: copying between the caller's memory and
//! another process's, done by mm as the spaces' memory authority through the
//! machine's checked accessors under its own identity (a page the target cannot
//! read, or write, is a fault here too), after proc has checked the caller's ptrace
//! access to the target.
//!
//! As on Linux: flags must be 0 and each iovec count at most IOV_MAX (EINVAL); the
//! transfer follows both iovec lists in order and stops at the first page either
//! side cannot reach, returning what was copied (EFAULT if nothing was).

use super::*;
use machine::GrantRights;

/// UIO_MAXIOV.
pub const IOV_MAX: u64 = 1024;

/// The two iovec counts in one argument word (the personality passes five).
pub fn pack_counts(liovcnt: u64, riovcnt: u64) -> u64 {
    liovcnt.min(u32::MAX as u64) | (riovcnt.min(u32::MAX as u64) << 32)
}

impl Mm {
    /// Reads `n` iovecs at qualified `p`: (base, len) pairs.
    pub(super) fn iovecs(env: &mut dyn Env, p: u64, n: u64) -> Option<Vec<(u64, u64)>> {
        let mut b = vec![0u8; (n * 16) as usize];
        if n > 0 {
            env.read(p, &mut b).ok()?;
        }
        Some(b.chunks(16).map(|c| (u64::from_le_bytes(c[..8].try_into().unwrap_or_default()), u64::from_le_bytes(c[8..].try_into().unwrap_or_default()))).collect())
    }

    /// process_vm_readv (`write` false) and process_vm_writev: s = (pid, local iov,
    /// packed counts, remote iov, flags).
    pub(super) fn process_vm(&mut self, env: &mut dyn Env, word: u64, pid: u32, write: bool, s: [u64; 6]) -> u64 {
        let (target, liov, riov, flags) = (s[0] as i32, s[1], s[3], s[4]);
        let (lcnt, rcnt) = (s[2] & 0xffff_ffff, s[2] >> 32);
        if flags != 0 || lcnt > IOV_MAX || rcnt > IOV_MAX {
            return err(libc::EINVAL);
        }
        let (Some(local), Some(remote)) = (Self::iovecs(env, liov, lcnt), Self::iovecs(env, riov, rcnt)) else { return err(libc::EFAULT) };
        let total = |v: &[(u64, u64)]| v.iter().try_fold(0u64, |a, (_, l)| a.checked_add(*l).filter(|s| *s <= isize::MAX as u64));
        if total(&local).is_none() || total(&remote).is_none() {
            return err(libc::EINVAL);
        }
        if target <= 0 {
            return err(libc::ESRCH);
        }
        match env.call(ServiceId::Proc, crate::proc::op::MAY_ACCESS, [word, target as u64, 0, 0, 0, 0], &[]) {
            Ok([0, _]) => {}
            Ok([e, _]) => return e,
            Err(_) => return err(libc::ESRCH),
        }
        let (Some(me), Some(them)) = (self.procs.get(&self.owner_of(pid)), self.procs.get(&self.owner_of(target as u32))) else { return err(libc::ESRCH) };
        let (mine, theirs) = (me.data, them.data);
        let (mut li, mut lo, mut ri, mut ro) = (0usize, 0u64, 0usize, 0u64);
        let mut done = 0u64;
        let mut buf = vec![0u8; PAGE_SIZE as usize];
        loop {
            // Skip exhausted (or empty) iovecs on either side.
            while li < local.len() && lo >= local[li].1 {
                (li, lo) = (li + 1, 0);
            }
            while ri < remote.len() && ro >= remote[ri].1 {
                (ri, ro) = (ri + 1, 0);
            }
            if li >= local.len() || ri >= remote.len() {
                break;
            }
            let (la, ra) = (local[li].0.wrapping_add(lo), remote[ri].0.wrapping_add(ro));
            if la >= TASK_SIZE || ra >= TASK_SIZE {
                break;
            }
            // At most to the end of the remote page: a fault there ends the transfer
            // with the pages before it copied.
            let n = (local[li].1 - lo).min(remote[ri].1 - ro).min(PAGE_SIZE - ra % PAGE_SIZE).min(PAGE_SIZE - la % PAGE_SIZE) as usize;
            let (lq, rq) = (machine::addr::qualified(mine, la), machine::addr::qualified(theirs, ra));
            // mm keeps no standing grant on process memory (`grant_authorities`): as
            // the spaces' creator it grants itself the bytes of this step, transiently
            // (revoked when this call returns), and the checked accessors do the rest.
            let me_sid = env.me();
            let (src, dst) = if write { (lq, rq) } else { (rq, lq) };
            let granted = env.grant(src, n as u64, me_sid, GrantRights::R, true).is_ok() && env.grant(dst, n as u64, me_sid, GrantRights::W, true).is_ok();
            let b = &mut buf[..n];
            let ok = granted && env.read(src, b).is_ok() && env.write(dst, b).is_ok();
            if !ok {
                break;
            }
            done += n as u64;
            lo += n as u64;
            ro += n as u64;
        }
        let wanted = total(&local).unwrap_or(0).min(total(&remote).unwrap_or(0));
        if done == 0 && wanted > 0 { err(libc::EFAULT) } else { done }
    }
}
