//! init, pid 1: a process record proc holds itself, as the kernel of a container
//! holds its namespace's init. It runs no guest code and has no threads; it is the
//! parent of the first guest program (pid 2), adopts orphans and reaps them at once,
//! and never ends.
//!
//! Why not run the first program as pid 1: programs take `getppid() == 1` to mean
//! "my parent died" (the Linux Test Project's library does), and a namespace's init
//! is special in ways a test program does not expect (signals it has no handler for
//! are ignored, it cannot be killed from inside). So the first program is an ordinary
//! process: pid 2, parent 1, leading its own process group (pgid 2) in init's session
//! (sid 1), as a job a shell started; setsid fails in it and succeeds in its children.
//!
//! What init is, as seen from a guest: uid 0 with every capability; pgid and sid 1;
//! /proc/1 with comm "init" and cmdline "/sbin/init" (the vfs's table for it); no
//! signal reaches it (Linux drops signals to a namespace's init that it has no
//! handler for, SIGKILL from inside the namespace included: kill(1, SIGKILL) returns
//! 0 and nothing happens), while kill's permission rule applies as to any root
//! process; kill(-1, ...) never includes it; no wait sees it (it is nobody's child).
//! The run ends when the first program ends, with its status (`Proc::first_exit`).

use super::{Pid, Proc, INIT_PID};
use crate::creds::Creds;
use crate::sigqueue::{code, SigInfo};

/// init's executable and command line, as /proc/1 shows them.
pub const INIT_EXE: &str = "/sbin/init";

impl Proc {
    /// Creates init (pid 1): board use, before the first program, whose parent it is.
    pub fn boot_init(&mut self) {
        if self.pid_in_use(INIT_PID) {
            return;
        }
        let mut p = self.record(INIT_PID, 0, 0, 0, INIT_EXE.into(), vec![INIT_EXE.as_bytes().to_vec()]);
        p.threads.clear();
        (p.pgid, p.sid) = (INIT_PID, INIT_PID);
        p.creds = Creds::root();
        self.processes.insert(INIT_PID, p);
        self.kernel_init = true;
        if self.next_pid <= INIT_PID {
            self.next_pid = INIT_PID + 1;
        }
    }

    /// Whether `pid` is the kernel-held init.
    pub fn is_held_init(&self, pid: Pid) -> bool {
        pid == INIT_PID && self.kernel_init
    }

    /// Whether a child of `ppid` is reaped as soon as it ends: init's children are.
    pub(super) fn reaped_by_init(&self, ppid: Pid) -> bool {
        self.is_held_init(ppid) && self.processes.get(&ppid).is_some_and(|p| p.exit.is_none())
    }

    /// The children of `dead` become init's: one already a zombie is reaped now, a live
    /// one gets parent 1 and, if it asked (PR_SET_PDEATHSIG), its parent-death signal.
    /// Without init (proc's unit tests) a zombie orphan goes at once and a live one
    /// gets parent 0.
    pub(super) fn adopt_orphans(&mut self, dead: Pid, children: Vec<Pid>) {
        let adopter = if dead != INIT_PID && self.reaped_by_init(INIT_PID) { INIT_PID } else { 0 };
        for c in children {
            let zombie = self.processes.get(&c).is_some_and(|cp| cp.exit.is_some());
            if zombie {
                self.processes.remove(&c);
                continue;
            }
            let Some(cp) = self.processes.get_mut(&c) else { continue };
            cp.ppid = adopter;
            let pdeath = cp.pdeath_signal;
            if let Some(ip) = self.processes.get_mut(&adopter) {
                ip.children.push(c);
            }
            if pdeath != 0 {
                self.send(c, None, SigInfo::from(pdeath, code::SI_USER, dead));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{ExitStatus, Proc, INIT_PID};
    use crate::sigqueue::{code, sig, SigInfo};

    /// init, the first program (2) with a child (3) that has a child (4).
    fn family() -> Proc {
        let mut p = Proc::new();
        p.boot_init();
        for (pid, ppid, hart) in [(2, 1, 0), (3, 2, 1), (4, 3, 2)] {
            assert_eq!(p.alloc_pid(), pid);
            p.add_process(pid, ppid, 1, 2, hart, "/bin/a".into(), Vec::new());
        }
        p
    }

    #[test]
    fn init_is_pid_1_and_the_first_program_a_job_in_its_session() {
        let p = family();
        let (init, first, child) = (&p.processes[&1], &p.processes[&2], &p.processes[&3]);
        assert!(init.threads.is_empty() && init.creds.uid == 0 && init.ppid == 0);
        assert_eq!((init.pgid, init.sid), (1, 1));
        assert_eq!((first.ppid, first.pgid, first.sid), (1, 2, 1));
        assert_eq!((child.ppid, child.pgid, child.sid), (2, 2, 1));
        assert_eq!(p.first_pid, 2);
        assert_eq!(init.children, vec![2]);
    }

    #[test]
    fn orphans_are_adopted_and_reaped_at_once() {
        let mut p = family();
        p.end_process(3, ExitStatus::Exited(0));
        assert_eq!(p.processes[&4].ppid, INIT_PID, "the grandchild is init's");
        assert!(p.processes[&1].children.contains(&4));
        // 3 is a zombie of 2 until 2 waits.
        assert!(p.processes[&3].exit.is_some());
        p.end_process(4, ExitStatus::Exited(0));
        assert!(!p.processes.contains_key(&4), "init reaped it");
        assert!(!p.processes[&1].children.contains(&4));
        // The first program ends: its zombie child is reaped on reparenting, and it
        // is reaped too; the run's status is kept.
        p.end_process(2, ExitStatus::Exited(7));
        assert!(!p.processes.contains_key(&3) && !p.processes.contains_key(&2));
        assert_eq!(p.first_exit, Some(ExitStatus::Exited(7)));
        assert!(p.processes[&1].exit.is_none() && p.processes[&1].children.is_empty());
    }

    #[test]
    fn no_signal_reaches_init() {
        let mut p = family();
        for s in [sig::SIGKILL, libc::SIGTERM as u32, sig::SIGSTOP, sig::SIGCHLD] {
            p.send(INIT_PID, None, SigInfo::from(s, code::SI_USER, 2));
        }
        assert_eq!(p.processes[&1].pending.set, 0);
        assert!(!p.processes[&1].stopped && p.processes[&1].exit.is_none());
    }
}
