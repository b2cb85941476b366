//! proc's side of a guest process that became a host program (`vfs::hostexec`): the
//! host pid behind the guest pid, and signals sent to the guest pid forwarded there.

use super::{Pid, Proc};
use crate::sigqueue::{sig, SigInfo};

/// The caller's process now stands for host program a1 (its host pid): signals sent to
/// the process go to it from now on. a0 = 0.
pub const HOST_EXEC: u64 = 0x11c0;

impl Proc {
    /// proc's host-program ops; None if `op` is not one of them.
    pub(super) fn hostexec_op(&mut self, op: u64, pid: Pid, s: [u64; 6]) -> Option<[u64; 2]> {
        match op {
            HOST_EXEC => {
                self.host_pids.insert(pid, s[0] as i32);
                Some([0, 0])
            }
            _ => None,
        }
    }

    /// Sends `info` to the host program process `pid` stands for, if it is one: true
    /// when it was (the signal is the host program's, not queued here). A SIGCHLD
    /// about one of the process's guest children means nothing to a host program.
    pub(super) fn forward_to_host(&mut self, pid: Pid, info: &SigInfo) -> bool {
        let Some(&h) = self.host_pids.get(&pid) else { return false };
        if !(info.signo == sig::SIGCHLD && info.code > 0) {
            crate::vfs::hostexec::forward(h, info.signo);
        }
        true
    }
}
