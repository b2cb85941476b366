//! pidfd_open, pidfd_send_signal and pidfd_getfd: proc checks the process and the
//! permission; the descriptor itself is the vfs's (`vfs::pidfd`), which also says
//! which process a pidfd names (waitid's P_PIDFD asks the same).

use super::{Pid, Proc};
use crate::creds::{may_ptrace, PtraceCreds};
use crate::service::{err, is_err, Env, ServiceId};
use crate::sigqueue::{code, SigInfo};
use crate::sysno as nr;
use crate::vfs::op as vfs_op;
use machine::Fault;

const O_NONBLOCK: u64 = 0o4000;
/// pidfd_send_signal's scope flags (PIDFD_SIGNAL_THREAD, _THREAD_GROUP, _PROCESS_GROUP).
const SEND_FLAGS: u64 = 7;

/// The process pidfd `fd` of caller `word` names, or the errno (EBADF).
pub fn pidfd_target(env: &mut dyn Env, word: u64, fd: u64) -> Result<Pid, u64> {
    target_of(env, word, fd, false).map(|(p, _)| p)
}

/// The process fd `fd` names and whether the fd is O_NONBLOCK: a pidfd, or with
/// `proc_dir` also a /proc/PID directory.
pub fn target_of(env: &mut dyn Env, word: u64, fd: u64, proc_dir: bool) -> Result<(Pid, bool), u64> {
    match env.call(ServiceId::Vfs, vfs_op::PIDFD_PID, [word, fd, proc_dir as u64, 0, 0, 0], &[]) {
        Ok([p, nb]) if !is_err(p) => Ok((p as Pid, nb == 1)),
        Ok([e, _]) => Err(e),
        Err(_) => Err(err(libc::EBADF)),
    }
}

impl Proc {
    /// The pidfd syscalls; `word` is the caller word (for the vfs), `s` the arguments.
    pub(super) fn pidfd(&mut self, env: &mut dyn Env, word: u64, pid: Pid, op: u64, s: [u64; 6]) -> Result<[u64; 2], Fault> {
        let e = |n: i32| Ok([err(n), 0]);
        match op {
            nr::PIDFD_OPEN => {
                let (target, flags) = (s[0] as i32, s[1]);
                if flags & !O_NONBLOCK != 0 || target <= 0 {
                    return e(libc::EINVAL);
                }
                // A zombie may be named; a pid that is a thread but not a process may not.
                if !self.processes.contains_key(&(target as Pid)) {
                    return e(if self.threads.contains_key(&(target as Pid)) { libc::EINVAL } else { libc::ESRCH });
                }
                let r = env.call(ServiceId::Vfs, vfs_op::PIDFD_NEW, [word, target as u64, flags, 0, 0, 0], &[]);
                Ok([r.map_or(err(libc::EMFILE), |r| r[0]), 0])
            }
            nr::PIDFD_SEND_SIGNAL => {
                let (sig, uinfo, flags) = (s[1] as u32, s[2], s[3]);
                if flags & !SEND_FLAGS != 0 || (flags & SEND_FLAGS).count_ones() > 1 {
                    return e(libc::EINVAL);
                }
                // An open /proc/PID directory serves as a pidfd here (only here).
                let target = match target_of(env, word, s[0], true) {
                    Ok((t, _)) => t,
                    Err(v) => return Ok([v, 0]),
                };
                let info = if uinfo != 0 {
                    let mut b = [0u8; 128];
                    env.read(uinfo, &mut b)?;
                    let signo = i32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                    if signo != sig as i32 {
                        return e(libc::EINVAL);
                    }
                    let info = SigInfo::from_bytes(sig, &b);
                    // Only to itself may a process send what looks like the kernel's.
                    if target != pid && (info.code >= 0 || info.code == code::SI_TKILL) {
                        return e(libc::EPERM);
                    }
                    info
                } else {
                    let mut i = SigInfo::from(sig, code::SI_USER, pid);
                    i.uid = self.creds(pid).map_or(0, |c| c.uid);
                    i
                };
                if sig > 64 {
                    return e(libc::EINVAL);
                }
                match self.processes.get(&target) {
                    Some(p) if p.exit.is_none() => {}
                    // A zombie takes signals and does nothing with them.
                    Some(_) => return Ok([0, 0]),
                    None => return e(libc::ESRCH),
                }
                if let Err(x) = self.may_signal(pid, target, sig) {
                    return e(x);
                }
                if sig != 0 {
                    self.send(target, None, info);
                }
                Ok([0, 0])
            }
            nr::PIDFD_GETFD => {
                if s[2] != 0 {
                    return e(libc::EINVAL);
                }
                let target = match pidfd_target(env, word, s[0]) {
                    Ok(t) => t,
                    Err(v) => return Ok([v, 0]),
                };
                let Some(tp) = self.processes.get(&target).filter(|p| p.exit.is_none()) else { return e(libc::ESRCH) };
                if target != pid {
                    let (Some(me), tc) = (self.creds(pid), &tp.creds) else { return e(libc::ESRCH) };
                    if let Err(x) = may_ptrace(me, tc, false, true, PtraceCreds::Real) {
                        return e(x);
                    }
                }
                let r = env.call(ServiceId::Vfs, vfs_op::GETFD, [word, target as u64, s[1] as i32 as i64 as u64, 0, 0, 0], &[]);
                Ok([r.map_or(err(libc::EBADF), |r| r[0]), 0])
            }
            _ => e(libc::ENOSYS),
        }
    }
}
