//! wait4 and waitid: reaping children, collecting their stops and continues (job
//! control), and peeking at them with WNOWAIT.

use super::limits::RUSAGE_SIZE;
use super::stop::JobReport;
use super::{ExitStatus, Pid, Proc, Process};
use crate::sched::{key, kind};
use crate::service::{err, Env};
use crate::sigqueue::{code, sig, SigInfo};
use machine::Fault;

const WNOHANG: u64 = 1;
/// WUNTRACED for wait4, WSTOPPED for waitid.
const WSTOPPED: u64 = 2;
const WEXITED: u64 = 4;
const WCONTINUED: u64 = 8;
const WNOWAIT: u64 = 0x0100_0000;
const WNOTHREAD: u64 = 0x2000_0000;
const WALL: u64 = 0x4000_0000;
const WCLONE: u64 = 0x8000_0000;

/// Offset of ru_maxrss in struct rusage.
const RU_MAXRSS: usize = 32;

/// Which children a wait call is about.
#[derive(Clone, Copy)]
enum Which {
    Any,
    Pid(Pid),
    Group(Pid),
}

/// What a wait call found out about a child.
#[derive(Clone, Copy)]
enum Event {
    Exited(ExitStatus),
    Stopped(u32),
    Continued,
}

impl Event {
    /// The wait4 status word.
    fn status(self) -> u32 {
        match self {
            Event::Exited(st) => st.wait_word(),
            Event::Stopped(s) => (s << 8) | 0x7f,
            Event::Continued => 0xffff,
        }
    }

    /// waitid's si_code and si_status.
    fn child_info(self) -> (i32, u32) {
        match self {
            Event::Exited(st) => st.child_info(),
            Event::Stopped(s) => (code::CLD_STOPPED, s),
            Event::Continued => (code::CLD_CONTINUED, sig::SIGCONT),
        }
    }
}

impl Proc {
    /// Whether `pid` has children that match, and the first of them with something to
    /// report under `options` (an exit with WEXITED, a stop with WSTOPPED, a continue
    /// with WCONTINUED).
    fn waitable(&self, pid: Pid, which: Which, options: u64) -> (bool, Option<(Pid, Event)>) {
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
        for c in &me.children {
            let Some(cp) = self.processes.get(c).filter(|cp| matches(cp)) else { continue };
            any = true;
            let event = match (cp.exit, cp.report) {
                (Some(st), _) if options & WEXITED != 0 => Some(Event::Exited(st)),
                (None, Some(JobReport::Stopped(s))) if options & WSTOPPED != 0 => Some(Event::Stopped(s)),
                (None, Some(JobReport::Continued)) if options & WCONTINUED != 0 => Some(Event::Continued),
                _ => None,
            };
            if let Some(e) = event {
                return (true, Some((*c, e)));
            }
        }
        (any, None)
    }

    /// Collects what was reported: reaps an exited child (its maxrss goes to the
    /// parent's children total), or clears a stop/continue report.
    fn collect(&mut self, parent: Pid, child: Pid, event: Event) {
        match event {
            Event::Exited(_) => {
                let gone = self.processes.remove(&child);
                let rss = gone.as_ref().map_or(0, |c| c.maxrss_kb.max(c.children_maxrss_kb));
                let cpu = gone.map_or(Default::default(), |c| c.cpu_ended.add(c.cpu_children));
                if let Some(me) = self.processes.get_mut(&parent) {
                    me.children.retain(|c| *c != child);
                    me.children_maxrss_kb = me.children_maxrss_kb.max(rss);
                    me.cpu_children = me.cpu_children.add(cpu);
                }
            }
            Event::Stopped(_) | Event::Continued => {
                if let Some(c) = self.processes.get_mut(&child) {
                    c.report = None;
                }
            }
        }
    }

    /// The rusage a wait reports for `child`: its CPU times (its own and its reaped
    /// children's) and ru_maxrss.
    fn child_rusage(&self, child: Pid) -> [u8; RUSAGE_SIZE as usize] {
        let c = self.processes.get(&child);
        let rss = c.map_or(0, |c| c.maxrss_kb);
        let cpu = c.map_or(Default::default(), |c| c.cpu_ended.add(c.cpu_children));
        rusage(cpu, rss)
    }

    /// wait4(pid, status, options, rusage).
    pub(super) fn wait4(&mut self, env: &mut dyn Env, pid: Pid, a: [u64; 6]) -> Result<[u64; 2], Fault> {
        let (want, status_ptr, options, rusage) = (a[0] as i32, a[1], a[2], a[3]);
        if options & !(WNOHANG | WSTOPPED | WCONTINUED | WCLONE | WALL | WNOTHREAD) != 0 {
            return Ok([err(libc::EINVAL), 0]);
        }
        let which = match want {
            // -INT_MIN names no group (Linux, since dd83c161fbcc).
            i32::MIN => return Ok([err(libc::ESRCH), 0]),
            -1 => Which::Any,
            0 => Which::Group(self.processes.get(&pid).map_or(0, |p| p.pgid)),
            w if w > 0 => Which::Pid(w as Pid),
            w => Which::Group(w.unsigned_abs()),
        };
        let (any, found) = self.waitable(pid, which, options | WEXITED);
        let Some((child, event)) = found else {
            return Ok(if !any {
                [err(libc::ECHILD), 0]
            } else if options & WNOHANG != 0 {
                [0, 0]
            } else {
                super::block(key(kind::CHILD, pid as u64))
            });
        };
        if status_ptr != 0 {
            env.write(status_ptr, &event.status().to_le_bytes())?;
        }
        if rusage != 0 {
            env.write(rusage, &self.child_rusage(child))?;
        }
        self.collect(pid, child, event);
        Ok([child as u64, 0])
    }

    /// waitid(idtype, id, infop, options, rusage).
    pub(super) fn waitid(&mut self, env: &mut dyn Env, pid: Pid, a: [u64; 6]) -> Result<[u64; 2], Fault> {
        let (idtype, id, infop, options, rusage) = (a[0] as u32, a[1] as u32, a[2], a[3], a[4]);
        let valid = WNOHANG | WSTOPPED | WEXITED | WCONTINUED | WNOWAIT | WCLONE | WALL | WNOTHREAD;
        if options & !valid != 0 || options & (WSTOPPED | WEXITED | WCONTINUED) == 0 {
            return Ok([err(libc::EINVAL), 0]);
        }
        // kernel_waitid: an O_NONBLOCK pidfd waits as WNOHANG, and finding nothing
        // is then EAGAIN (unless the caller asked for WNOHANG itself).
        let mut nonblock = false;
        let which = match idtype {
            0 => Which::Any,
            1 => Which::Pid(id),
            2 => Which::Group(if id == 0 { self.processes.get(&pid).map_or(0, |p| p.pgid) } else { id }),
            // P_PIDFD: the process a pidfd of the caller names.
            3 => match super::pidfd::target_of(env, (pid as u64) << 32, id as u64, false) {
                Ok((p, nb)) => {
                    nonblock = nb && options & WNOHANG == 0;
                    Which::Pid(p)
                }
                Err(e) => return Ok([e, 0]),
            },
            _ => return Ok([err(libc::EINVAL), 0]),
        };
        let (any, found) = self.waitable(pid, which, options);
        let Some((child, event)) = found else {
            if !any {
                return Ok([err(libc::ECHILD), 0]);
            }
            if nonblock {
                return Ok([err(libc::EAGAIN), 0]);
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
        if infop != 0 {
            let (si_code, status) = event.child_info();
            let info = SigInfo { signo: sig::SIGCHLD, code: si_code, pid: child, uid: 0, value: status as u64 };
            env.write(infop, &info.to_bytes())?;
        }
        if rusage != 0 {
            env.write(rusage, &self.child_rusage(child))?;
        }
        if options & WNOWAIT == 0 {
            self.collect(pid, child, event);
        }
        Ok([0, 0])
    }
}

/// A struct rusage with ru_utime, ru_stime and ru_maxrss filled in.
pub fn rusage(cpu: super::cpu::Times, maxrss_kb: u64) -> [u8; RUSAGE_SIZE as usize] {
    let mut ru = [0u8; RUSAGE_SIZE as usize];
    for (o, ns) in [(0, cpu.user), (16, cpu.sys)] {
        ru[o..o + 8].copy_from_slice(&(ns / 1_000_000_000).to_le_bytes());
        ru[o + 8..o + 16].copy_from_slice(&((ns % 1_000_000_000) / 1000).to_le_bytes());
    }
    ru[RU_MAXRSS..RU_MAXRSS + 8].copy_from_slice(&maxrss_kb.to_le_bytes());
    ru
}
