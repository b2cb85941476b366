//! wait4 and waitid: reaping children (and peeking at them with WNOWAIT).

use super::limits::RUSAGE_SIZE;
use super::{Pid, Proc, Process};
use crate::sched::{key, kind};
use crate::service::{err, Env};
use crate::sigqueue::{sig, SigInfo};
use machine::Fault;

const WNOHANG: u64 = 1;
const WEXITED: u64 = 4;
const WNOWAIT: u64 = 0x0100_0000;
const WCLONE: u64 = 0x8000_0000;
const WALL: u64 = 0x4000_0000;
const WNOTHREAD: u64 = 0x2000_0000;

/// Which children a wait call is about.
#[derive(Clone, Copy)]
enum Which {
    Any,
    Pid(Pid),
    Group(Pid),
}

impl Proc {
    /// The children of `pid` that match, and the first of them that has ended.
    fn waitable(&self, pid: Pid, which: Which, options: u64) -> (bool, Option<Pid>) {
        let Some(me) = self.processes.get(&pid) else { return (false, None) };
        // Without __WALL, a "clone child" (exit signal other than SIGCHLD) is waited
        // for only with __WCLONE, and an ordinary child only without it.
        let kind_ok = |c: &Process| options & WALL != 0 || ((c.exit_signal == sig::SIGCHLD) != (options & WCLONE != 0));
        let matches = |c: &Process| {
            kind_ok(c)
                && match which {
                    Which::Any => true,
                    Which::Pid(p) => c.pid == p,
                    Which::Group(g) => c.pgid == g,
                }
        };
        let mut any = false;
        let mut ended = None;
        for c in &me.children {
            if let Some(cp) = self.processes.get(c).filter(|cp| matches(cp)) {
                any = true;
                if ended.is_none() && cp.exit.is_some() {
                    ended = Some(*c);
                }
            }
        }
        (any, ended)
    }

    /// Forgets a reaped child.
    fn reap(&mut self, parent: Pid, child: Pid) {
        self.processes.remove(&child);
        if let Some(me) = self.processes.get_mut(&parent) {
            me.children.retain(|c| *c != child);
        }
    }

    /// wait4(pid, status, options, rusage).
    pub(super) fn wait4(&mut self, env: &mut dyn Env, pid: Pid, a: [u64; 6]) -> Result<[u64; 2], Fault> {
        let (want, status_ptr, options, rusage) = (a[0] as i32, a[1], a[2], a[3]);
        if options & !(WNOHANG | 2 | 8 | WCLONE | WALL | WNOTHREAD) != 0 {
            return Ok([err(libc::EINVAL), 0]);
        }
        let which = match want {
            -1 => Which::Any,
            0 => Which::Group(self.processes.get(&pid).map_or(0, |p| p.pgid)),
            w if w > 0 => Which::Pid(w as Pid),
            w => Which::Group(w.unsigned_abs()),
        };
        let (any, ended) = self.waitable(pid, which, options);
        let Some(z) = ended else {
            return Ok(if !any {
                [err(libc::ECHILD), 0]
            } else if options & WNOHANG != 0 {
                [0, 0]
            } else {
                super::block(key(kind::CHILD, pid as u64))
            });
        };
        let status = self.processes.get(&z).and_then(|p| p.exit).map_or(0, |s| s.wait_word());
        if status_ptr != 0 {
            env.write(status_ptr, &status.to_le_bytes())?;
        }
        if rusage != 0 {
            // No accounting of child CPU time: an all-zero rusage.
            env.write(rusage, &[0u8; RUSAGE_SIZE as usize])?;
        }
        self.reap(pid, z);
        Ok([z as u64, 0])
    }

    /// waitid(idtype, id, infop, options, rusage).
    pub(super) fn waitid(&mut self, env: &mut dyn Env, pid: Pid, a: [u64; 6]) -> Result<[u64; 2], Fault> {
        let (idtype, id, infop, options, rusage) = (a[0] as u32, a[1] as u32, a[2], a[3], a[4]);
        if options & !(WNOHANG | 2 | WEXITED | 8 | WNOWAIT | WCLONE | WALL | WNOTHREAD) != 0 || options & (2 | WEXITED | 8) == 0 {
            return Ok([err(libc::EINVAL), 0]);
        }
        let which = match idtype {
            0 => Which::Any,
            1 => Which::Pid(id),
            2 => Which::Group(if id == 0 { self.processes.get(&pid).map_or(0, |p| p.pgid) } else { id }),
            _ => return Ok([err(libc::EINVAL), 0]),
        };
        // Only exits are ever reported (no job control): without WEXITED nothing comes.
        let (any, ended) = self.waitable(pid, which, options);
        let ended = ended.filter(|_| options & WEXITED != 0);
        let Some(z) = ended else {
            if !any {
                return Ok([err(libc::ECHILD), 0]);
            }
            if options & WNOHANG != 0 {
                if infop != 0 {
                    // Linux clears the fields a caller tests to see that nothing was reaped.
                    env.write(infop, &[0u8; 32])?;
                }
                return Ok([0, 0]);
            }
            return Ok(super::block(key(kind::CHILD, pid as u64)));
        };
        let status = self.processes.get(&z).and_then(|p| p.exit);
        if let (Some(st), true) = (status, infop != 0) {
            let (code, value) = st.child_info();
            let info = SigInfo { signo: sig::SIGCHLD, code, pid: z, uid: 0, value: value as u64 };
            env.write(infop, &info.to_bytes())?;
        }
        if rusage != 0 {
            env.write(rusage, &[0u8; RUSAGE_SIZE as usize])?;
        }
        if options & WNOWAIT == 0 {
            self.reap(pid, z);
        }
        Ok([0, 0])
    }
}
