//! Interval timers (setitimer, getitimer, and so alarm): ITIMER_REAL runs on host
//! time and sends SIGALRM; the board fires due timers between time slices and counts
//! the earliest one as a deadline when it waits on the host.
//!
//! ITIMER_VIRTUAL and ITIMER_PROF count down the process's CPU time (`cpu`: user
//! time, and user and system time) and fire as the threads are charged with it.

use super::{u64_at, Pid, Proc};
use crate::service::{err, Env};
use crate::sigqueue::{code, sig, SigInfo};
use crate::sysno as nr;
use machine::Fault;
use std::time::{Duration, Instant};

/// One interval timer: when it next expires and its reload interval.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ITimer {
    /// ITIMER_REAL: when it next expires.
    pub next: Option<Instant>,
    pub interval: Duration,
    /// ITIMER_VIRTUAL and ITIMER_PROF: nanoseconds of CPU time left (0: disarmed).
    pub left_ns: u64,
}

/// A process's three interval timers, by ITIMER_* number.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ITimers(pub [ITimer; 3]);

fn timeval(b: &[u8], o: usize) -> Option<Duration> {
    let (s, us) = (u64_at(b, o) as i64, u64_at(b, o + 8) as i64);
    if s < 0 || !(0..1_000_000).contains(&us) {
        return None;
    }
    Some(Duration::from_secs(s as u64) + Duration::from_micros(us as u64))
}

fn put_timeval(b: &mut [u8], o: usize, d: Duration) {
    b[o..o + 8].copy_from_slice(&d.as_secs().to_le_bytes());
    b[o + 8..o + 16].copy_from_slice(&(d.subsec_micros() as u64).to_le_bytes());
}

impl ITimer {
    /// struct itimerval as getitimer reports it (the value rounded up to a microsecond,
    /// so an armed timer never reads as disarmed).
    fn to_bytes(self, now: Instant) -> [u8; 32] {
        let mut b = [0u8; 32];
        put_timeval(&mut b, 0, self.interval);
        let left = match self.next {
            Some(n) => n.saturating_duration_since(now).as_nanos().max(1),
            None => self.left_ns as u128,
        };
        if left > 0 {
            let us = left.div_ceil(1000);
            put_timeval(&mut b, 16, Duration::from_micros(us.min(u64::MAX as u128) as u64));
        }
        b
    }
}

impl ITimers {
    /// Counts `ns` of CPU time down on CPU-time timer `which` (1: VIRTUAL, 2: PROF);
    /// true if it expired. A periodic timer reloads with its interval less the
    /// overshoot; expiries that passed within one charge are one signal, as on Linux.
    pub fn tick(&mut self, which: usize, ns: u64) -> bool {
        let t = &mut self.0[which];
        if t.left_ns == 0 || ns == 0 {
            return false;
        }
        if ns < t.left_ns {
            t.left_ns -= ns;
            return false;
        }
        let over = ns - t.left_ns;
        let iv = t.interval.as_nanos().min(u64::MAX as u128) as u64;
        t.left_ns = if iv == 0 { 0 } else { iv - over % iv };
        true
    }
}

impl Proc {
    /// setitimer(which, new, old) and getitimer(which, cur).
    pub(super) fn itimer(&mut self, env: &mut dyn Env, pid: Pid, op: u64, s: [u64; 6]) -> Result<[u64; 2], Fault> {
        let which = s[0] as usize;
        if which > 2 {
            return Ok([err(libc::EINVAL), 0]);
        }
        let now = crate::clock::now();
        let Some(cur) = self.processes.get(&pid).map(|p| p.itimers.0[which]) else { return Ok([err(libc::ESRCH), 0]) };
        if op == nr::GETITIMER {
            env.write(s[1], &cur.to_bytes(now))?;
            return Ok([0, 0]);
        }
        let new = if s[1] != 0 {
            let mut b = [0u8; 32];
            env.read(s[1], &mut b)?;
            let (Some(interval), Some(value)) = (timeval(&b, 0), timeval(&b, 16)) else { return Ok([err(libc::EINVAL), 0]) };
            if which == 0 {
                // A value too far in the future to represent never expires.
                ITimer { next: if value.is_zero() { None } else { now.checked_add(value) }, interval, left_ns: 0 }
            } else {
                ITimer { next: None, interval, left_ns: value.as_nanos().min(u64::MAX as u128) as u64 }
            }
        } else {
            ITimer::default()
        };
        if s[2] != 0 {
            env.write(s[2], &cur.to_bytes(now))?;
        }
        if let Some(p) = self.processes.get_mut(&pid) {
            p.itimers.0[which] = new;
            if which == 0 && new.next.is_some() {
                self.timed.insert(pid);
            }
        }
        Ok([0, 0])
    }

    /// Sends SIGALRM for every ITIMER_REAL due at `now`, re-arming periodic ones.
    pub fn fire_timers(&mut self, now: Instant) {
        for (pid, id) in self.due_ptimers(now) {
            self.ptimer_expired(pid, id, now, 0);
        }
        // Processes with nothing armed on a wall clock any more leave the set.
        let idle: Vec<Pid> = self.timed.iter().copied().filter(|pid| !self.processes.get(pid).is_some_and(|p| p.exit.is_none() && (p.itimers.0[0].next.is_some() || p.ptimers.values().any(|t| t.next.is_some())))).collect();
        for pid in idle {
            self.timed.remove(&pid);
        }
        let due: Vec<Pid> = self.timed_processes().filter(|p| p.itimers.0[0].next.is_some_and(|n| n <= now)).map(|p| p.pid).collect();
        for pid in due {
            if let Some(p) = self.processes.get_mut(&pid) {
                let t = &mut p.itimers.0[0];
                t.next = match (t.next, t.interval.is_zero()) {
                    (Some(n), false) => {
                        // Skip the periods that passed unseen (they count as one overrun).
                        match n.checked_add(t.interval) {
                            Some(next) if next > now => Some(next),
                            _ => now.checked_add(t.interval),
                        }
                    }
                    _ => None,
                };
            }
            self.send(pid, None, SigInfo::from(sig::SIGALRM, code::SI_KERNEL, 0));
        }
    }

    /// The earliest armed ITIMER_REAL expiry.
    pub fn next_timer(&self) -> Option<Instant> {
        self.timed_processes().filter_map(|p| p.itimers.0[0].next).chain(self.next_ptimer()).min()
    }

    /// The live processes that may have an armed wall-clock timer (`Proc::timed`).
    pub(super) fn timed_processes(&self) -> impl Iterator<Item = &super::Process> {
        self.timed.iter().filter_map(|pid| self.processes.get(pid)).filter(|p| p.exit.is_none())
    }
}
