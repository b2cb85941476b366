//! The clone flags: which combinations Linux refuses (copy_process's checks, shared by
//! clone and clone3), the namespaces grantix has (a UTS namespace, `uts`) and those it
//! has not (answered as a kernel built without them answers), and unshare(2).

use super::{Pid, Proc};
use crate::creds::{cap, Creds};
use crate::service::err;
use crate::sysno as nr;

pub const CLONE_VM: u64 = 0x100;
pub const CLONE_FS: u64 = 0x200;
pub const CLONE_FILES: u64 = 0x400;
pub const CLONE_SIGHAND: u64 = 0x800;
pub const CLONE_PIDFD: u64 = 0x1000;
pub const CLONE_PARENT: u64 = 0x8000;
pub const CLONE_THREAD: u64 = 0x10000;
pub const CLONE_NEWNS: u64 = 0x20000;
pub const CLONE_SYSVSEM: u64 = 0x40000;
pub const CLONE_DETACHED: u64 = 0x400000;
pub const CLONE_NEWCGROUP: u64 = 0x0200_0000;
pub const CLONE_NEWUTS: u64 = 0x0400_0000;
pub const CLONE_NEWIPC: u64 = 0x0800_0000;
pub const CLONE_NEWUSER: u64 = 0x1000_0000;
pub const CLONE_NEWPID: u64 = 0x2000_0000;
pub const CLONE_NEWNET: u64 = 0x4000_0000;
/// CLONE_NEWTIME shares its bit with the exit signal of the legacy clone: only clone3
/// and unshare can ask for it.
pub const CLONE_NEWTIME: u64 = 0x80;
/// clone3 only: reset the child's handlers to SIG_DFL; put it in a cgroup.
pub const CLONE_CLEAR_SIGHAND: u64 = 0x1_0000_0000;
pub const CLONE_INTO_CGROUP: u64 = 0x2_0000_0000;

/// The namespaces grantix does not have, with CLONE_NEWUSER (which needs no
/// capability) apart.
const ABSENT_NS: u64 = CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP;

/// copy_process's checks of clone `flags` (the exit signal already taken out, so
/// CLONE_NEWTIME may be present for clone3), for a caller with credentials `c`;
/// `init`: the caller is pid 1, which cannot have a sibling (CLONE_PARENT).
pub fn check(flags: u64, c: &Creds, init: bool, newtime: bool) -> Result<(), i32> {
    let has = |f: u64| flags & f != 0;
    if has(CLONE_NEWNS) && has(CLONE_FS) || has(CLONE_NEWUSER) && has(CLONE_FS) {
        return Err(libc::EINVAL);
    }
    if has(CLONE_THREAD) && !has(CLONE_SIGHAND) || has(CLONE_SIGHAND) && !has(CLONE_VM) {
        return Err(libc::EINVAL);
    }
    if has(CLONE_PARENT) && init {
        return Err(libc::EINVAL);
    }
    if has(CLONE_THREAD) && (has(CLONE_NEWUSER) || has(CLONE_NEWPID)) {
        return Err(libc::EINVAL);
    }
    // A pidfd names a process here (Linux 6.9 added thread pidfds; grantix's are
    // process pidfds only, as before).
    if has(CLONE_PIDFD) && (has(CLONE_DETACHED) || has(CLONE_THREAD)) {
        return Err(libc::EINVAL);
    }
    namespaces(flags | if newtime { CLONE_NEWTIME } else { 0 }, c)
}

/// The namespace part of clone or unshare: a user namespace is EINVAL (no
/// CONFIG_USER_NS); the others need CAP_SYS_ADMIN (EPERM), then the ones grantix
/// lacks are EINVAL. A UTS namespace is made by the caller of this.
fn namespaces(flags: u64, c: &Creds) -> Result<(), i32> {
    if flags & CLONE_NEWUSER != 0 {
        return Err(libc::EINVAL);
    }
    if flags & (ABSENT_NS | CLONE_NEWUTS | CLONE_NEWTIME) == 0 {
        return Ok(());
    }
    if !c.capable(cap::SYS_ADMIN) {
        return Err(libc::EPERM);
    }
    if flags & (ABSENT_NS | CLONE_NEWTIME) != 0 {
        return Err(libc::EINVAL);
    }
    Ok(())
}

impl Proc {
    /// unshare(flags); None if `op` is not unshare.
    pub(super) fn unshare_op(&mut self, op: u64, pid: Pid, s: [u64; 6]) -> Option<[u64; 2]> {
        if op != nr::UNSHARE {
            return None;
        }
        Some([self.unshare(pid, s[0] as u32 as u64).map_or_else(err, |_| 0), 0])
    }

    fn unshare(&mut self, pid: Pid, flags: u64) -> Result<(), i32> {
        // ksys_unshare: what implies what, then check_unshare_flags.
        let mut f = flags;
        if f & CLONE_NEWUSER != 0 {
            f |= CLONE_THREAD | CLONE_FS;
        }
        if f & CLONE_VM != 0 {
            f |= CLONE_SIGHAND;
        }
        if f & CLONE_SIGHAND != 0 {
            f |= CLONE_THREAD;
        }
        if f & CLONE_NEWNS != 0 {
            f |= CLONE_FS;
        }
        let known = CLONE_THREAD | CLONE_FS | CLONE_NEWNS | CLONE_SIGHAND | CLONE_VM | CLONE_FILES | CLONE_SYSVSEM | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWCGROUP | CLONE_NEWTIME;
        if f & !known != 0 {
            return Err(libc::EINVAL);
        }
        let Some(p) = self.processes.get(&pid) else { return Err(libc::ESRCH) };
        let alone = p.threads.len() <= 1;
        // Unsharing the thread group, handlers or memory is "pretend it works if
        // there is nothing to unshare": only for a single-threaded process.
        if f & (CLONE_THREAD | CLONE_SIGHAND | CLONE_VM) != 0 && !alone {
            return Err(libc::EINVAL);
        }
        // grantix keeps descriptors, working directory and umask per process: a
        // process alone has nothing shared to unshare; a thread cannot leave them.
        if f & (CLONE_FILES | CLONE_FS) != 0 && !alone {
            return Err(libc::EINVAL);
        }
        let c = p.creds.clone();
        namespaces(f, &c)?;
        if f & CLONE_NEWUTS != 0 {
            self.new_uts_ns(pid);
        }
        Ok(())
    }
}
