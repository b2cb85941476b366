//! Resource limits of a process: getrlimit, setrlimit, prlimit64. Inherited by fork
//! and kept across exec; grantix enforces RLIMIT_NOFILE (in vfs) and reports the rest.

use super::{u64_at, Pid, Proc};
use crate::service::{err, Env, ServiceId};
use crate::sysno as nr;
use machine::Fault;

/// How many RLIMIT_* resources there are.
pub const COUNT: usize = 16;

/// Size of struct rusage.
pub const RUSAGE_SIZE: u64 = 144;

/// No limit.
pub const INFINITY: u64 = u64::MAX;

/// The most file descriptors a process may ask for (Linux's fs.nr_open default).
pub const NR_OPEN: u64 = 1 << 20;

/// Limits of the first process: what a typical Linux login shell hands its children
/// (no core files, an 8 MiB stack, 1024 open files).
pub const DEFAULTS: [(u64, u64); COUNT] = {
    let mut l = [(INFINITY, INFINITY); COUNT];
    l[libc::RLIMIT_STACK as usize] = (8 << 20, INFINITY);
    l[libc::RLIMIT_CORE as usize] = (0, INFINITY);
    l[libc::RLIMIT_NPROC as usize] = (4096, 4096);
    l[libc::RLIMIT_NOFILE as usize] = (1024, NR_OPEN);
    l[libc::RLIMIT_MEMLOCK as usize] = (8 << 20, 8 << 20);
    l[libc::RLIMIT_SIGPENDING as usize] = (4096, 4096);
    l[libc::RLIMIT_MSGQUEUE as usize] = (819_200, 819_200);
    l[libc::RLIMIT_NICE as usize] = (0, 0);
    l[libc::RLIMIT_RTPRIO as usize] = (0, 0);
    l
};

impl Proc {
    /// getrlimit(res, old), setrlimit(res, new), prlimit64(pid, res, new, old).
    pub(super) fn rlimit(&mut self, env: &mut dyn Env, me: Pid, op: u64, s: [u64; 6]) -> Result<[u64; 2], Fault> {
        let (pid, res, new, old) = match op {
            nr::PRLIMIT64 => (if s[0] == 0 { me } else { s[0] as Pid }, s[1], s[2], s[3]),
            nr::GETRLIMIT => (me, s[0], 0, s[1]),
            _ => (me, s[0], s[1], 0),
        };
        if res >= COUNT as u64 {
            return Ok([err(libc::EINVAL), 0]);
        }
        let res = res as usize;
        let Some(cur) = self.processes.get(&pid).filter(|p| p.exit.is_none()).map(|p| p.rlimits[res]) else { return Ok([err(libc::ESRCH), 0]) };
        let wanted = if new != 0 {
            let mut b = [0u8; 16];
            env.read(new, &mut b)?;
            let (soft, hard) = (u64_at(&b, 0), u64_at(&b, 8));
            if soft > hard {
                return Ok([err(libc::EINVAL), 0]);
            }
            if res == libc::RLIMIT_NOFILE as usize && hard > NR_OPEN {
                return Ok([err(libc::EPERM), 0]);
            }
            Some((soft, hard))
        } else {
            None
        };
        if old != 0 {
            let mut b = [0u8; 16];
            b[..8].copy_from_slice(&cur.0.to_le_bytes());
            b[8..].copy_from_slice(&cur.1.to_le_bytes());
            env.write(old, &b)?;
        }
        if let Some(l) = wanted {
            if let Some(p) = self.processes.get_mut(&pid) {
                p.rlimits[res] = l;
            }
            if res == libc::RLIMIT_NOFILE as usize && pid == me {
                let _ = env.call(ServiceId::Vfs, crate::vfs::op::SET_LIMIT, [(me as u64) << 32, l.0, 0, 0, 0, 0], &[]);
            }
        }
        Ok([0, 0])
    }
}
