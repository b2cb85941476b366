//! kcmp: whether two processes (threads) share a kernel resource. grantix shares a
//! process's memory, descriptor table, file-system context, signal handlers and I/O
//! context between its threads only (and memory with a vfork child); open file
//! descriptions are the vfs's (`vfs::op::FILE_ID`).

use super::{Pid, Proc};
use crate::creds::{may_ptrace, PtraceCreds};
use crate::service::{err, is_err, Env, ServiceId};
use crate::vfs::op as vfs_op;

const KCMP_FILE: u64 = 0;
const KCMP_VM: u64 = 1;
const KCMP_FILES: u64 = 2;
const KCMP_FS: u64 = 3;
const KCMP_SIGHAND: u64 = 4;
const KCMP_IO: u64 = 5;
const KCMP_SYSVSEM: u64 = 6;
const KCMP_EPOLL_TFD: u64 = 7;

/// kcmp's answer for two identities: 0 equal, else 1 or 2 by their order.
fn order(a: u64, b: u64) -> u64 {
    match a.cmp(&b) {
        std::cmp::Ordering::Equal => 0,
        std::cmp::Ordering::Less => 1,
        std::cmp::Ordering::Greater => 2,
    }
}

impl Proc {
    /// kcmp(pid1, pid2, type, idx1, idx2) from process `me`.
    pub(super) fn kcmp(&self, env: &mut dyn Env, word: u64, me: Pid, s: [u64; 6]) -> u64 {
        let thread = |t: u64| self.threads.get(&(t as Pid)).map(|x| x.pid);
        let (Some(p1), Some(p2)) = (thread(s[0]), thread(s[1])) else { return err(libc::ESRCH) };
        let Some(mine) = self.creds(me) else { return err(libc::ESRCH) };
        for p in [p1, p2] {
            let Some(c) = self.creds(p) else { return err(libc::ESRCH) };
            if p != me && may_ptrace(mine, c, false, true, PtraceCreds::Real).is_err() {
                return err(libc::EPERM);
            }
        }
        match s[2] {
            KCMP_FILE => {
                let mut id = |p: Pid, fd: u64| env.call(ServiceId::Vfs, vfs_op::FILE_ID, [word, p as u64, fd, 0, 0, 0], &[]).map_or(err(libc::EBADF), |r| r[0]);
                let (a, b) = (id(p1, s[3]), id(p2, s[4]));
                if is_err(a) || is_err(b) {
                    return err(libc::EBADF);
                }
                order(a, b)
            }
            // A vfork child runs in its parent's DATA space.
            KCMP_VM => order(self.processes.get(&p1).map_or(0, |p| p.data as u64), self.processes.get(&p2).map_or(0, |p| p.data as u64)),
            KCMP_FILES | KCMP_FS | KCMP_SIGHAND | KCMP_IO | KCMP_SYSVSEM => order(p1 as u64, p2 as u64),
            // No epoll target lookup: epoll is the vfs's and not asked.
            KCMP_EPOLL_TFD => err(libc::EOPNOTSUPP),
            _ => err(libc::EINVAL),
        }
    }
}
