//! CPU time of threads and processes, derived from the machine's instruction counts:
//! what getrusage, times, the CPU-time clocks, ITIMER_VIRTUAL/ITIMER_PROF and
//! RLIMIT_CPU read.
//!
//! A guest thread's user time is its hart's retired instructions at a nominal
//! 1 GHz (one instruction, one nanosecond); its system time is a fixed charge per
//! syscall it made (the services run as host code, which the machine does not count
//! in instructions). Both are exact and deterministic: the same program makes the
//! same counts in every run, whatever the host's load.

use super::{Pid, Proc};
use crate::sigqueue::{code, sig, SigInfo};
use machine::Machine;

/// Nanoseconds of user time per retired instruction (a nominal 1 GHz hart).
pub const NS_PER_INSTRUCTION: u64 = 1;

/// Nanoseconds of system time charged per syscall.
pub const NS_PER_SYSCALL: u64 = 1_000;

/// User and system time, in nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Times {
    pub user: u64,
    pub sys: u64,
}

impl Times {
    pub fn total(self) -> u64 {
        self.user.saturating_add(self.sys)
    }

    pub fn add(self, o: Times) -> Times {
        Times { user: self.user.saturating_add(o.user), sys: self.sys.saturating_add(o.sys) }
    }

    /// The times a hart's counters stand for.
    pub fn of_counts(instret: u64, ecalls: u64) -> Times {
        Times { user: instret.saturating_mul(NS_PER_INSTRUCTION), sys: ecalls.saturating_mul(NS_PER_SYSCALL) }
    }
}

/// A thread's clock: what it has been charged, and its hart's counters at the last
/// charge (the instructions since then are its live, not yet charged, time).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ThreadClock {
    pub charged: Times,
    pub base_instret: u64,
    pub base_ecalls: u64,
}

/// Which clock a CPU_TIME request reads (a1 of `op::CPU_TIME`).
pub mod which {
    /// The calling thread, or thread a2 of the caller's process.
    pub const THREAD: u64 = 0;
    /// The calling process, or process a2.
    pub const PROCESS: u64 = 1;
    /// The children the calling process (or a2) has reaped.
    pub const CHILDREN: u64 = 2;
}

/// The hart counters (instret, ecalls) of `tid`'s hart now.
fn counts(p: &Proc, tid: Pid, m: &Machine) -> Option<(u64, u64)> {
    let t = p.threads.get(&tid)?;
    m.hart(t.hart).map(|h| (h.counters.instret, h.counters.ecalls))
}

impl Proc {
    /// Thread `tid`'s CPU time, its live (uncharged) instructions included.
    pub fn thread_times(&self, tid: Pid, m: &Machine) -> Option<Times> {
        let t = self.threads.get(&tid)?;
        let live = counts(self, tid, m).map_or(Times::default(), |(i, e)| Times::of_counts(i.saturating_sub(t.cpu.base_instret), e.saturating_sub(t.cpu.base_ecalls)));
        Some(t.cpu.charged.add(live))
    }

    /// Process `pid`'s CPU time: its threads', live ones included, and its ended
    /// threads'.
    pub fn process_times(&self, pid: Pid, m: &Machine) -> Option<Times> {
        let p = self.processes.get(&pid)?;
        Some(p.threads.iter().filter_map(|t| self.thread_times(*t, m)).fold(p.cpu_ended, Times::add))
    }

    /// Charges thread `tid` with what its hart ran since the last charge (`instret`
    /// and `ecalls` are the hart's counters now), then runs the process's CPU-time
    /// timers and limits: ITIMER_VIRTUAL (user time), ITIMER_PROF (user and system)
    /// and RLIMIT_CPU (SIGXCPU at the soft limit and every second after, SIGKILL at
    /// the hard one).
    pub fn charge(&mut self, tid: Pid, instret: u64, ecalls: u64) {
        let Some(t) = self.threads.get_mut(&tid) else { return };
        let d = Times::of_counts(instret.saturating_sub(t.cpu.base_instret), ecalls.saturating_sub(t.cpu.base_ecalls));
        t.cpu.base_instret = instret;
        t.cpu.base_ecalls = ecalls;
        t.cpu.charged = t.cpu.charged.add(d);
        let pid = t.pid;
        if d == Times::default() {
            return;
        }
        // One CPU runs the guest: time passes as fast as it is charged (a no-op on the
        // host clock).
        crate::clock::advance(d.total());
        self.tick_ptimers(pid, tid, d);
        let mut send = Vec::new();
        let Some(p) = self.processes.get_mut(&pid) else { return };
        if p.itimers.tick(1, d.user) {
            send.push(sig::SIGVTALRM);
        }
        if p.itimers.tick(2, d.total()) {
            send.push(sig::SIGPROF);
        }
        let (soft, hard) = p.rlimits[libc::RLIMIT_CPU as usize];
        if soft != super::limits::INFINITY || hard != super::limits::INFINITY {
            // The limits are in seconds of user and system time together.
            let ended = p.cpu_ended;
            let total = p.threads.clone().iter().filter_map(|x| self.threads.get(x)).fold(ended, |a, x| a.add(x.cpu.charged)).total() / 1_000_000_000;
            let Some(p) = self.processes.get_mut(&pid) else { return };
            if total >= hard {
                send.push(sig::SIGKILL);
            } else if total >= soft && p.xcpu_at.is_none_or(|at| total > at) {
                p.xcpu_at = Some(total);
                send.push(sig::SIGXCPU);
            }
        }
        for s in send {
            self.send(pid, None, SigInfo::from(s, code::SI_KERNEL, 0));
        }
    }

    /// Charges `tid` with its live instructions (before it ends: the runner charges
    /// after a time slice, and the thread is gone by then).
    pub fn charge_live(&mut self, tid: Pid, m: &Machine) {
        if let Some((i, e)) = counts(self, tid, m) {
            self.charge(tid, i, e);
        }
    }

    /// CPU_TIME: (user ns, system ns) of clock `w` (a `which` code) of `id` (0 = the
    /// caller's thread or process). A thread must be of the caller's process.
    pub(super) fn cpu_time(&self, m: &Machine, pid: Pid, tid: Pid, w: u64, id: u64) -> Option<Times> {
        let id = id as Pid;
        match w {
            which::THREAD => {
                let t = if id == 0 { tid } else { id };
                self.threads.get(&t).filter(|x| x.pid == pid)?;
                self.thread_times(t, m)
            }
            which::PROCESS => self.processes.get(&if id == 0 { pid } else { id }).filter(|p| p.exit.is_none()).and_then(|p| self.process_times(p.pid, m)),
            which::CHILDREN => self.processes.get(&if id == 0 { pid } else { id }).map(|p| p.cpu_children),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proc::timer::ITimer;

    fn one() -> Proc {
        let mut p = Proc::new();
        p.add_process(100, 1, 1, 2, 0, "/bin/x".into(), Vec::new());
        p
    }

    #[test]
    fn charges_are_deltas_of_the_hart_counters() {
        let mut p = one();
        p.charge(100, 1_000, 2);
        p.charge(100, 5_000, 3);
        let t = p.threads[&100].cpu.charged;
        assert_eq!(t, Times { user: 5_000 * NS_PER_INSTRUCTION, sys: 3 * NS_PER_SYSCALL });
    }

    #[test]
    fn virtual_timer_fires_on_user_time_and_reloads() {
        let mut p = one();
        p.processes.get_mut(&100).unwrap().itimers.0[1] = ITimer { left_ns: 10_000, interval: std::time::Duration::from_nanos(10_000), ..Default::default() };
        p.charge(100, 9_999, 0);
        assert_eq!(p.processes[&100].pending.set & (1 << (sig::SIGVTALRM - 1)), 0);
        p.charge(100, 10_001, 0);
        assert_ne!(p.processes[&100].pending.set & (1 << (sig::SIGVTALRM - 1)), 0);
        // Reloaded with what was left of the interval after the overshoot.
        assert_eq!(p.processes[&100].itimers.0[1].left_ns, 9_999);
    }

    #[test]
    fn rlimit_cpu_sends_sigxcpu_then_sigkill() {
        let mut p = one();
        p.processes.get_mut(&100).unwrap().rlimits[libc::RLIMIT_CPU as usize] = (1, 2);
        p.charge(100, 999_999_999, 0);
        assert_eq!(p.processes[&100].pending.set & (1 << (sig::SIGXCPU - 1)), 0);
        p.charge(100, 1_000_000_000, 0);
        assert_ne!(p.processes[&100].pending.set & (1 << (sig::SIGXCPU - 1)), 0);
        p.charge(100, 2_000_000_000, 0);
        assert_ne!(p.processes[&100].pending.set & (1 << (sig::SIGKILL - 1)), 0);
    }
}
