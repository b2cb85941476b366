//! Process groups and sessions: getpgid, setpgid, getsid, setsid.

use super::{Pid, Proc};
use crate::service::err;
use crate::sysno as nr;

impl Proc {
    /// The process group and session calls (`s`: the arguments).
    pub(super) fn session(&mut self, op: u64, pid: Pid, s: [u64; 6]) -> [u64; 2] {
        match op {
            nr::GETPGID => {
                let who = if s[0] == 0 { pid } else { s[0] as Pid };
                match self.processes.get(&who) {
                    Some(p) if p.exit.is_none() => [p.pgid as u64, 0],
                    _ => [err(libc::ESRCH), 0],
                }
            }
            nr::SETPGID => {
                let who = if s[0] == 0 { pid } else { s[0] as Pid };
                let pg = if s[1] == 0 { who } else { s[1] as Pid };
                if (pg as i32) < 0 || (s[1] as i64) < 0 {
                    return [err(libc::EINVAL), 0];
                }
                let mine = who == pid || self.processes.get(&who).is_some_and(|p| p.ppid == pid);
                let my_sid = self.processes.get(&pid).map_or(0, |p| p.sid);
                let Some(target) = self.processes.get(&who).filter(|p| mine && p.exit.is_none()) else { return [err(libc::ESRCH), 0] };
                // Linux's other refusals: a child in another session, a session
                // leader, and a group that does not exist in the caller's session.
                let group_exists = pg == who || self.processes.values().any(|p| p.exit.is_none() && p.pgid == pg && p.sid == my_sid);
                if target.sid != my_sid || target.sid == who || !group_exists {
                    return [err(libc::EPERM), 0];
                }
                if let Some(p) = self.processes.get_mut(&who) {
                    p.pgid = pg;
                }
                [0, 0]
            }
            nr::GETSID => {
                let who = if s[0] == 0 { pid } else { s[0] as Pid };
                match self.processes.get(&who) {
                    Some(p) if p.exit.is_none() => [p.sid as u64, 0],
                    _ => [err(libc::ESRCH), 0],
                }
            }
            nr::SETSID => match self.processes.get_mut(&pid) {
                Some(p) if p.pgid != pid => {
                    p.sid = pid;
                    p.pgid = pid;
                    [pid as u64, 0]
                }
                _ => [err(libc::EPERM), 0],
            },
            _ => [err(libc::ENOSYS), 0],
        }
    }
}
