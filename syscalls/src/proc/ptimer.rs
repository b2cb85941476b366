//! POSIX per-process timers: timer_create, timer_settime, timer_gettime,
//! timer_getoverrun, timer_delete.
//!
//! A timer runs on a wall clock (CLOCK_REALTIME, MONOTONIC, BOOTTIME, TAI and their
//! variants: a host-time deadline the board fires between time slices, as
//! ITIMER_REAL) or on a CPU-time clock (the process's or a thread's: counted down as
//! the threads are charged, `cpu`). On expiry it queues its signal (SIGEV_SIGNAL, or
//! to one thread with SIGEV_THREAD_ID) with si_code SI_TIMER, its id and value; an
//! expiry while that signal is still queued counts an overrun in the queued siginfo
//! instead, and the count becomes timer_getoverrun's when the signal is taken.
//! SIGEV_NONE timers count down and send nothing. Timers are not inherited by fork
//! and are deleted by exec.

use super::{u64_at, Pid, Proc};
use crate::service::{err, Env};
use crate::sigqueue::{code, sig, SigInfo};
use crate::sysno as nr;
use machine::Fault;
use std::time::{Duration, Instant};

const SIGEV_SIGNAL: u32 = 0;
const SIGEV_NONE: u32 = 1;
const SIGEV_THREAD: u32 = 2;
const SIGEV_THREAD_ID: u32 = 4;
const TIMER_ABSTIME: u64 = 1;
/// Size of struct sigevent.
pub const SIGEVENT_SIZE: u64 = 64;
/// Size of struct itimerspec.
pub const ITIMERSPEC_SIZE: u64 = 32;
/// The most timers a process may have (Linux bounds them by RLIMIT_SIGPENDING).
const MAX_TIMERS: usize = 4096;
const NS: u128 = 1_000_000_000;

/// What a timer counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clock {
    /// A wall clock: `next` is when it expires.
    Wall(i32),
    /// A CPU-time clock of process `pid` (thread = None) or of a thread.
    Cpu { pid: Pid, thread: Option<Pid>, user_only: bool },
}

/// One POSIX timer.
#[derive(Clone, Copy, Debug)]
pub struct PTimer {
    pub clock: Clock,
    /// SIGEV_* and the signal, its value and (SIGEV_THREAD_ID) target thread.
    pub notify: u32,
    pub signo: u32,
    pub value: u64,
    pub thread: Pid,
    /// Wall clocks: the next expiry.
    pub next: Option<Instant>,
    /// CPU clocks: nanoseconds of CPU time left (0: disarmed).
    pub left_ns: u64,
    pub interval: Duration,
    /// timer_getoverrun: the overruns of the last signal taken.
    pub overrun_last: u32,
}

impl PTimer {
    fn armed(&self) -> bool {
        self.next.is_some() || self.left_ns > 0
    }

    /// (it_interval, it_value) in ns as timer_gettime reports them.
    fn value(&self, now: Instant) -> (u128, u128) {
        let left = match self.next {
            Some(n) => n.saturating_duration_since(now).as_nanos().max(1),
            None => self.left_ns as u128,
        };
        (self.interval.as_nanos(), left)
    }
}

fn timespec(b: &[u8], o: usize) -> Option<u128> {
    let (s, ns) = (u64_at(b, o) as i64, u64_at(b, o + 8) as i64);
    if s < 0 || !(0..NS as i64).contains(&ns) {
        return None;
    }
    Some(s as u128 * NS + ns as u128)
}

fn itimerspec(interval: u128, value: u128) -> [u8; 32] {
    let mut b = [0u8; 32];
    for (o, v) in [(0, interval), (16, value)] {
        b[o..o + 8].copy_from_slice(&((v / NS) as u64).to_le_bytes());
        b[o + 8..o + 16].copy_from_slice(&((v % NS) as u64).to_le_bytes());
    }
    b
}

impl Proc {
    /// The clock a timer of process `pid` would run on, or None (EINVAL).
    fn timer_clock(&self, pid: Pid, clock: i32) -> Option<Clock> {
        if let Some((which, id, user_only)) = crate::time::cpu_clock(clock) {
            return Some(if which == super::cpu::which::THREAD {
                let t = if id == 0 { return None } else { id as Pid };
                self.threads.get(&t).filter(|x| x.pid == pid)?;
                Clock::Cpu { pid, thread: Some(t), user_only }
            } else {
                let p = if id == 0 { pid } else { id as Pid };
                self.processes.get(&p).filter(|x| x.exit.is_none())?;
                Clock::Cpu { pid: p, thread: None, user_only }
            });
        }
        crate::time::clock_ns(clock)?;
        Some(Clock::Wall(clock))
    }

    /// The POSIX timer syscalls (`s`: their arguments, pointers lent).
    pub(super) fn ptimer(&mut self, env: &mut dyn Env, pid: Pid, tid: Pid, op: u64, s: [u64; 6]) -> Result<[u64; 2], Fault> {
        let now = crate::clock::now();
        let id = s[0] as u32 as usize;
        let e = |n: i32| Ok([err(n), 0]);
        match op {
            nr::TIMER_CREATE => {
                // A thread CPU clock of 0 means the caller.
                let clock = if s[0] as i32 == libc::CLOCK_THREAD_CPUTIME_ID { Some(Clock::Cpu { pid, thread: Some(tid), user_only: false }) } else { self.timer_clock(pid, s[0] as i32) };
                let Some(clock) = clock else { return e(libc::EINVAL) };
                let (mut notify, mut signo, mut value, mut thread) = (SIGEV_SIGNAL, sig::SIGALRM, None, 0);
                if s[1] != 0 {
                    let mut b = [0u8; SIGEVENT_SIZE as usize];
                    env.read(s[1], &mut b)?;
                    value = Some(u64_at(&b, 0));
                    signo = u32::from_le_bytes([b[8], b[9], b[10], b[11]]);
                    notify = u32::from_le_bytes([b[12], b[13], b[14], b[15]]);
                    thread = u32::from_le_bytes([b[16], b[17], b[18], b[19]]);
                    // good_sigevent: a thread of the caller's process for THREAD_ID,
                    // a valid signal for any notification that sends one.
                    match notify {
                        SIGEV_NONE => {}
                        SIGEV_SIGNAL | SIGEV_THREAD | SIGEV_THREAD_ID => {
                            if notify == SIGEV_THREAD_ID && !self.threads.get(&thread).is_some_and(|t| t.pid == pid) {
                                return e(libc::EINVAL);
                            }
                            if signo == 0 || signo > 64 {
                                return e(libc::EINVAL);
                            }
                        }
                        _ => return e(libc::EINVAL),
                    }
                }
                let Some(p) = self.processes.get_mut(&pid) else { return e(libc::ESRCH) };
                let Some(slot) = (0..MAX_TIMERS).find(|i| !p.ptimers.contains_key(i)) else { return e(libc::EAGAIN) };
                let t = PTimer { clock, notify, signo, value: value.unwrap_or(slot as u64), thread, next: None, left_ns: 0, interval: Duration::ZERO, overrun_last: 0 };
                env.write(s[2], &(slot as u32).to_le_bytes())?;
                p.ptimers.insert(slot, t);
                self.timed.insert(pid);
                Ok([0, 0])
            }
            nr::TIMER_SETTIME => {
                // sys_timer_settime's order: no new value is EINVAL, an unreadable one
                // EFAULT, then a bad timespec, then an unknown timer, EINVAL.
                if s[2] == 0 {
                    return e(libc::EINVAL);
                }
                let mut b = [0u8; ITIMERSPEC_SIZE as usize];
                env.read(s[2], &mut b)?;
                let (Some(interval), Some(value)) = (timespec(&b, 0), timespec(&b, 16)) else { return e(libc::EINVAL) };
                let Some(cur) = self.processes.get(&pid).and_then(|p| p.ptimers.get(&id)).copied() else { return e(libc::EINVAL) };
                if s[3] != 0 {
                    let (i, v) = cur.value(now);
                    env.write(s[3], &itimerspec(i, v))?;
                }
                let mut t = PTimer { next: None, left_ns: 0, interval: Duration::from_nanos(interval.min(u64::MAX as u128) as u64), overrun_last: 0, ..cur };
                if value != 0 {
                    match cur.clock {
                        Clock::Wall(c) => {
                            // An absolute time is converted to a deadline now (a later
                            // clock_settime does not move it); one past is due at once.
                            let at = crate::time::now_ns(c);
                            t.next = if s[1] & TIMER_ABSTIME != 0 && value < at {
                                // A time already past keeps how long ago it was: the
                                // periods since then are overruns of the first expiry
                                // (hrtimer_forward's count, capped at INT_MAX).
                                let late = Duration::from_nanos((at - value).min(u64::MAX as u128) as u64);
                                Some(now.checked_sub(late).unwrap_or(now))
                            } else {
                                let rel = if s[1] & TIMER_ABSTIME != 0 { value - at } else { value };
                                Some(now.checked_add(Duration::from_nanos(rel.min(u64::MAX as u128 / 4) as u64)).unwrap_or(now))
                            };
                        }
                        Clock::Cpu { pid: p, thread, user_only } => {
                            let times = match thread {
                                Some(th) => self.threads.get(&th).map(|x| x.cpu.charged).unwrap_or_default(),
                                None => self.processes.get(&p).map(|x| x.threads.iter().filter_map(|th| self.threads.get(th)).fold(x.cpu_ended, |a, th| a.add(th.cpu.charged))).unwrap_or_default(),
                            };
                            let used = if user_only { times.user } else { times.total() };
                            let rel = if s[1] & TIMER_ABSTIME != 0 { value.saturating_sub(used as u128) } else { value };
                            t.left_ns = rel.clamp(1, u64::MAX as u128) as u64;
                        }
                    }
                }
                if let Some(p) = self.processes.get_mut(&pid) {
                    p.ptimers.insert(id, t);
                    self.timed.insert(pid);
                }
                // A deadline already passed fires now, not at the next time slice.
                self.fire_timers(now);
                Ok([0, 0])
            }
            nr::TIMER_GETTIME => {
                let Some(t) = self.processes.get(&pid).and_then(|p| p.ptimers.get(&id)).copied() else { return e(libc::EINVAL) };
                let (i, v) = t.value(now);
                env.write(s[1], &itimerspec(i, v))?;
                Ok([0, 0])
            }
            nr::TIMER_GETOVERRUN => match self.processes.get(&pid).and_then(|p| p.ptimers.get(&id)) {
                Some(t) => Ok([t.overrun_last as u64, 0]),
                None => e(libc::EINVAL),
            },
            nr::TIMER_DELETE => match self.processes.get_mut(&pid).and_then(|p| p.ptimers.remove(&id)) {
                Some(_) => Ok([0, 0]),
                None => e(libc::EINVAL),
            },
            _ => e(libc::ENOSYS),
        }
    }

    /// Timer `id` of process `pid` expired: reload it, and queue its signal or count
    /// an overrun in the one still queued.
    pub(super) fn ptimer_expired(&mut self, pid: Pid, id: usize, now: Instant, overshoot_ns: u64) {
        let Some(t) = self.processes.get_mut(&pid).and_then(|p| p.ptimers.get_mut(&id)) else { return };
        let iv = t.interval.as_nanos().min(u64::MAX as u128) as u64;
        // Periods that passed unseen are overruns too.
        let mut missed = 0u64;
        match t.clock {
            Clock::Wall(_) => {
                t.next = match (t.next, iv) {
                    (Some(n), iv) if iv > 0 => {
                        let late = now.saturating_duration_since(n).as_nanos() as u64;
                        missed = late / iv;
                        n.checked_add(Duration::from_nanos(iv.saturating_mul(missed + 1)))
                    }
                    _ => None,
                };
            }
            Clock::Cpu { .. } => {
                if iv > 0 {
                    missed = overshoot_ns / iv;
                    t.left_ns = iv - overshoot_ns % iv;
                } else {
                    t.left_ns = 0;
                }
            }
        }
        let t = *t;
        if t.notify == SIGEV_NONE {
            return;
        }
        let thread = (t.notify == SIGEV_THREAD_ID).then_some(t.thread);
        let is_mine = |i: &SigInfo| i.code == code::SI_TIMER && i.signo == t.signo && i.pid == id as u32;
        let queued = match thread {
            Some(th) => self.threads.get_mut(&th).and_then(|x| x.pending.find_mut(is_mine)),
            None => self.processes.get_mut(&pid).and_then(|p| p.pending.find_mut(is_mine)),
        };
        match queued {
            Some(q) => q.uid = q.uid.saturating_add(1 + missed as u32).min(i32::MAX as u32),
            None => {
                let info = SigInfo { signo: t.signo, code: code::SI_TIMER, pid: id as u32, uid: missed.min(i32::MAX as u64) as u32, value: t.value };
                self.send(pid, thread, info);
            }
        }
    }

    /// A timer's signal was taken: its overrun count becomes timer_getoverrun's.
    pub(super) fn ptimer_taken(&mut self, pid: Pid, info: &SigInfo) {
        if info.code != code::SI_TIMER {
            return;
        }
        if let Some(t) = self.processes.get_mut(&pid).and_then(|p| p.ptimers.get_mut(&(info.pid as usize))) {
            if t.signo == info.signo {
                t.overrun_last = info.uid;
            }
        }
    }

    /// Wall-clock POSIX timers due at `now`, as (pid, id).
    pub(super) fn due_ptimers(&self, now: Instant) -> Vec<(Pid, usize)> {
        self.timed_processes().flat_map(|p| p.ptimers.iter().filter(|(_, t)| t.next.is_some_and(|n| n <= now)).map(move |(i, _)| (p.pid, *i))).collect()
    }

    /// The earliest armed wall-clock POSIX timer.
    pub(super) fn next_ptimer(&self) -> Option<Instant> {
        self.timed_processes().flat_map(|p| p.ptimers.values().filter_map(|t| t.next)).min()
    }

    /// Counts CPU time down on the CPU-clock timers of process `pid` after thread
    /// `tid` was charged `d`.
    pub(super) fn tick_ptimers(&mut self, pid: Pid, tid: Pid, d: super::cpu::Times) {
        let Some(p) = self.processes.get_mut(&pid) else { return };
        let mut due = Vec::new();
        for (id, t) in p.ptimers.iter_mut() {
            let Clock::Cpu { pid: owner, thread, user_only } = t.clock else { continue };
            if owner != pid || thread.is_some_and(|th| th != tid) || t.left_ns == 0 {
                continue;
            }
            let ns = if user_only { d.user } else { d.total() };
            if ns >= t.left_ns {
                due.push((*id, ns - t.left_ns));
                t.left_ns = 0;
            } else {
                t.left_ns -= ns;
            }
        }
        for (id, over) in due {
            self.ptimer_expired(pid, id, crate::clock::now(), over);
        }
    }

    /// Whether process `pid` has an armed timer (for tests and /proc).
    pub fn has_armed_ptimer(&self, pid: Pid) -> bool {
        self.processes.get(&pid).is_some_and(|p| p.ptimers.values().any(PTimer::armed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overruns_accumulate_in_the_queued_signal_and_are_read_when_it_is_taken() {
        let mut p = Proc::new();
        p.add_process(100, 1, 1, 2, 0, "/bin/x".into(), Vec::new());
        let t = PTimer { clock: Clock::Wall(libc::CLOCK_MONOTONIC), notify: SIGEV_SIGNAL, signo: 34, value: 42, thread: 0, next: None, left_ns: 0, interval: Duration::from_millis(5), overrun_last: 0 };
        p.processes.get_mut(&100).unwrap().ptimers.insert(0, t);
        let now = crate::clock::now();
        for _ in 0..4 {
            p.ptimer_expired(100, 0, now, 0);
        }
        let info = p.dequeue(100, u64::MAX).expect("one signal queued");
        assert_eq!((info.signo, info.code, info.pid, info.uid, info.value), (34, code::SI_TIMER, 0, 3, 42));
        assert!(p.dequeue(100, u64::MAX).is_none(), "expiries while queued are one signal");
        assert_eq!(p.processes[&100].ptimers[&0].overrun_last, 3);
    }
}
