//! pidfd: a descriptor that refers to a process (pidfd_open). It is readable (POLLIN)
//! once the process has exited; proc answers pidfd_send_signal, pidfd_getfd and
//! waitid(P_PIDFD) by asking which process a pidfd names (`op::PIDFD_PID`).

use super::abi::{ev, o};
use super::{Backend, Regs, Vfs, fail, val};
use crate::service::Env;

impl Vfs {
    /// PIDFD_NEW: a close-on-exec pidfd for process `target` in `pid`'s table.
    pub(super) fn pidfd_new(&mut self, env: &mut dyn Env, pid: u32, target: u32, flags: i32) -> Regs {
        let id = self.new_file(Backend::Pidfd(target), o::RDWR | (flags & o::NONBLOCK), "anon_inode:[pidfd]".into());
        val(self.install_new(env, pid, id, true))
    }

    /// PIDFD_PID: the process pidfd `fd` of `pid` refers to; EBADF for any other fd.
    /// With `proc_dir`, an open /proc/PID directory names PID too (pidfd_send_signal's
    /// rule: pidfd_to_pid falls back to tgid_pidfd_to_pid).
    pub(super) fn pidfd_pid(&self, pid: u32, fd: i32, proc_dir: bool) -> Regs {
        let Some(f) = self.file_of(pid, fd).and_then(|id| self.files.get(&id)) else { return fail(libc::EBADF) };
        match &f.backend {
            // a1: whether the pidfd is O_NONBLOCK (waitid does not block on it).
            Backend::Pidfd(p) => Ok([*p as u64, (f.flags & o::NONBLOCK != 0) as u64]),
            Backend::Dir(_) if proc_dir => match f.path.strip_prefix("/proc/").and_then(|p| p.parse::<u32>().ok()) {
                Some(p) => val(p as u64),
                None => fail(libc::EBADF),
            },
            _ => fail(libc::EBADF),
        }
    }

    /// GETFD: a close-on-exec duplicate, in `pid`'s table, of descriptor `tfd` of
    /// process `target` (the same open file description); EBADF if it has none.
    pub(super) fn getfd(&mut self, pid: u32, target: u32, tfd: i32) -> Regs {
        match self.file_of(target, tfd) {
            Some(id) => val(self.install(pid, id, true, 0)),
            None => fail(libc::EBADF),
        }
    }

    /// Poll events of a pidfd for process `p`.
    pub(super) fn pidfd_events(&self, p: u32) -> u32 {
        if self.exited.contains(&p) { ev::IN | ev::RDNORM } else { 0 }
    }
}
