//! Job control: stop signals stop a whole process, SIGCONT continues it, and the
//! parent learns of both (wait with WUNTRACED / WCONTINUED, SIGCHLD with
//! CLD_STOPPED / CLD_CONTINUED).
//!
//! A stopped process keeps its threads in whatever state they were (a blocked one
//! stays blocked); the board simply does not run the runnable ones until it continues.

use super::{Pid, Proc, ThreadState};
use crate::sched::{key, kind};
use crate::sigqueue::{code, sig, SigInfo};

/// A change of a child's state that its parent has not collected with wait yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobReport {
    /// Stopped by this signal.
    Stopped(u32),
    Continued,
}

/// SA_NOCLDSTOP: the parent wants no SIGCHLD for stops and continues.
const SA_NOCLDSTOP: u64 = 1;

impl Proc {
    /// `op::THREAD_STATE` of thread `tid`.
    pub(crate) fn thread_state(&self, tid: Pid) -> u64 {
        let Some(t) = self.threads.get(&tid) else {
            // A zombie's threads are gone; its pid names it until it is reaped.
            return if self.processes.get(&tid).is_some_and(|p| p.exit.is_some()) { b'Z' as u64 } else { crate::service::err(libc::ESRCH) };
        };
        let p = self.processes.get(&t.pid);
        if p.is_none_or(|p| p.exit.is_some()) || t.state == ThreadState::Exited {
            return b'Z' as u64;
        }
        if self.is_stopped(t.pid) {
            return b'T' as u64;
        }
        match t.state {
            ThreadState::Blocked(_) => b'S' as u64,
            _ => b'R' as u64,
        }
    }

    /// Whether process `pid` is stopped.
    pub fn is_stopped(&self, pid: Pid) -> bool {
        self.processes.get(&pid).is_some_and(|p| p.stopped)
    }

    /// Stops process `pid` by signal `signo` and tells its parent.
    pub(super) fn stop_process(&mut self, pid: Pid, signo: u32) {
        let Some(p) = self.processes.get_mut(&pid) else { return };
        if p.stopped || p.exit.is_some() {
            return;
        }
        p.stopped = true;
        p.report = Some(JobReport::Stopped(signo));
        let ppid = p.ppid;
        self.notify_parent(ppid, pid, code::CLD_STOPPED, signo);
    }

    /// Continues a stopped process `pid` (a SIGCONT, or a SIGKILL that must be able to
    /// run); with `report`, the parent is told.
    pub(super) fn continue_process(&mut self, pid: Pid, report: bool) {
        let Some(p) = self.processes.get_mut(&pid) else { return };
        if !p.stopped {
            return;
        }
        p.stopped = false;
        let (ppid, threads) = (p.ppid, p.threads.clone());
        if report {
            p.report = Some(JobReport::Continued);
        }
        for tid in threads {
            if self.threads.get(&tid).is_some_and(|t| t.state == ThreadState::Runnable) && !self.run_queue.contains(tid) {
                self.run_queue.push_back(tid);
            }
        }
        if report {
            self.notify_parent(ppid, pid, code::CLD_CONTINUED, sig::SIGCONT);
        }
    }

    fn notify_parent(&mut self, ppid: Pid, pid: Pid, si_code: i32, status: u32) {
        let Some(pp) = self.processes.get(&ppid) else { return };
        if pp.actions[sig::SIGCHLD as usize].flags & SA_NOCLDSTOP == 0 {
            self.send(ppid, None, SigInfo { signo: sig::SIGCHLD, code: si_code, pid, uid: 0, value: status as u64 });
        }
        self.wake_key(key(kind::CHILD, ppid as u64));
    }
}
