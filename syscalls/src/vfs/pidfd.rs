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
    pub(super) fn pidfd_pid(&self, pid: u32, fd: i32) -> Regs {
        match self.file_of(pid, fd).and_then(|id| self.files.get(&id)).map(|f| &f.backend) {
            Some(Backend::Pidfd(p)) => val(*p as u64),
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
