//! ioprio_get and ioprio_set: the I/O scheduling class and level of a thread, a
//! process group's threads or a user's threads, with block/ioprio.c's checks. The
//! values are kept per thread and reported; grantix's I/O has no scheduler to obey
//! them.

use super::{Pid, Proc};
use crate::creds::cap;
use crate::service::err;
use crate::sysno as nr;

const WHO_PROCESS: u64 = 1;
const WHO_PGRP: u64 = 2;
const WHO_USER: u64 = 3;

const CLASS_SHIFT: u32 = 13;
const CLASS_NONE: u32 = 0;
const CLASS_RT: u32 = 1;
const CLASS_BE: u32 = 2;
const CLASS_IDLE: u32 = 3;

fn class(v: u32) -> u32 {
    (v >> CLASS_SHIFT) & 7
}

/// What a thread reports (get_task_ioprio): the value it set, or 0
/// (IOPRIO_DEFAULT: class NONE) if it never set one.
pub fn reported(set: Option<u32>) -> u32 {
    set.unwrap_or(0)
}

/// ioprio_best: the higher priority of two (an invalid class counts as the default).
fn best(a: u32, b: u32) -> u32 {
    let valid = |v: u32| (CLASS_RT..=CLASS_IDLE).contains(&class(v));
    let norm = |v: u32| if valid(v) { v } else { 0 };
    norm(a).min(norm(b))
}

impl Proc {
    /// The threads ioprio's (which, who) names for caller `pid`/`tid`.
    fn ioprio_targets(&self, pid: Pid, tid: Pid, which: u64, who: u64) -> Result<Vec<Pid>, i32> {
        let who = who as u32 as i32;
        let live = |p: &&super::Process| p.exit.is_none();
        // init (no threads) is one task, pid 1, whose priority stays the default.
        let tasks = |p: &super::Process| if self.is_held_init(p.pid) { vec![p.pid] } else { p.threads.clone() };
        match which {
            // A task: a thread id (0: the caller).
            WHO_PROCESS => {
                let t = if who == 0 { tid } else { who as Pid };
                if who >= 0 && self.is_held_init(t) {
                    return Ok(vec![t]);
                }
                Ok(self.threads.get(&t).filter(|_| who >= 0).map(|t| vec![t.tid]).unwrap_or_default())
            }
            WHO_PGRP => {
                let pg = if who == 0 { self.processes.get(&pid).map_or(0, |p| p.pgid) } else { who as Pid };
                Ok(self.processes.values().filter(live).filter(|p| p.pgid == pg).flat_map(tasks).collect())
            }
            WHO_USER => {
                // uid -1 is not a valid id: no task has it.
                let uid = if who == 0 { self.creds(pid).map_or(0, |c| c.uid) } else { who as u32 };
                if uid == u32::MAX {
                    return Ok(Vec::new());
                }
                Ok(self.processes.values().filter(live).filter(|p| p.creds.uid == uid).flat_map(tasks).collect())
            }
            _ => Err(libc::EINVAL),
        }
    }

    /// ioprio_get and ioprio_set; None if `op` is not one of them.
    pub(super) fn ioprio_op(&mut self, op: u64, pid: Pid, tid: Pid, s: [u64; 6]) -> Option<[u64; 2]> {
        let r = match op {
            nr::IOPRIO_GET => self.ioprio_targets(pid, tid, s[0], s[1]).and_then(|ts| {
                let mut r: Option<u32> = None;
                for t in ts {
                    let v = reported(self.threads.get(&t).and_then(|t| t.ioprio));
                    r = Some(r.map_or(v, |b| best(b, v)));
                }
                r.map(u64::from).ok_or(libc::ESRCH)
            }),
            nr::IOPRIO_SET => self.ioprio_set(pid, tid, s[0], s[1], s[2] as u32 as i32),
            _ => return None,
        };
        Some([r.unwrap_or_else(err), 0])
    }

    fn ioprio_set(&mut self, pid: Pid, tid: Pid, which: u64, who: u64, v: i32) -> Result<u64, i32> {
        let Some(me) = self.creds(pid).cloned() else { return Err(libc::ESRCH) };
        // ioprio_check_cap: the value is 16 bits; RT needs CAP_SYS_NICE or
        // CAP_SYS_ADMIN; NONE carries no level; classes past IDLE do not exist.
        if !(0..1 << 16).contains(&v) {
            return Err(libc::EINVAL);
        }
        let v = v as u32;
        match class(v) {
            CLASS_RT if !me.capable(cap::SYS_NICE) && !me.capable(cap::SYS_ADMIN) => return Err(libc::EPERM),
            CLASS_RT | CLASS_BE | CLASS_IDLE => {}
            CLASS_NONE if v & 7 != 0 => return Err(libc::EINVAL),
            CLASS_NONE => {}
            _ => return Err(libc::EINVAL),
        }
        let targets = self.ioprio_targets(pid, tid, which, who)?;
        if targets.is_empty() {
            return Err(libc::ESRCH);
        }
        for t in targets {
            // set_task_ioprio: the target's real uid must be the caller's real or
            // effective uid, or the caller has CAP_SYS_NICE.
            let owner = self.threads.get(&t).map_or(t, |th| th.pid);
            let owner = self.creds(owner).map_or(0, |c| c.uid);
            if owner != me.euid && owner != me.uid && !me.capable(cap::SYS_NICE) {
                return Err(libc::EPERM);
            }
            if let Some(th) = self.threads.get_mut(&t) {
                th.ioprio = Some(v);
            }
        }
        Ok(0)
    }
}
