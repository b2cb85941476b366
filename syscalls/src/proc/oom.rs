//! The OOM policy: which process dies when guest memory runs out (the run's frame
//! limit, `--mem`), as Linux's mm/oom_kill.c chooses, and /proc/PID/oom_score_adj.
//!
//! A process's badness is its resident pages (frames its DATA space maps) plus
//! `oom_score_adj * totalpages / 1000`; the highest dies by SIGKILL (SI_KERNEL),
//! whichever process made the allocation that failed. Never chosen: init, a process
//! with oom_score_adj -1000, a vfork child (its memory is its parent's), a process that
//! has already ended. While a victim chosen earlier has not ended yet, nothing more is
//! killed (Linux aborts the selection while an OOM victim is still exiting): the
//! allocating thread waits and tries again.

use super::{Pid, Proc};
use crate::creds::cap;
use crate::service::err;
use crate::sigqueue::{code, sig, SigInfo};
use machine::frames::FrameId;
use machine::Machine;

/// OOM_SCORE_ADJ_MIN: never killed.
pub const ADJ_MIN: i64 = -1000;
/// OOM_SCORE_ADJ_MAX.
pub const ADJ_MAX: i64 = 1000;

/// A process's OOM state: Linux keeps it in the signal struct, so it is shared by
/// the threads, inherited by fork and kept across exec.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OomState {
    /// oom_score_adj.
    pub adj: i16,
    /// oom_score_adj_min: the lowest value a writer without CAP_SYS_RESOURCE may set
    /// (the last value such a capable writer set).
    pub adj_min: i16,
    /// Chosen by the OOM killer and not ended yet.
    pub victim: bool,
}

/// What `OOM_KILL` did.
pub mod outcome {
    /// A victim chosen earlier has not ended: retry the allocation after it has.
    pub const WAIT: u64 = 0;
    /// No process may be killed (every candidate is exempt).
    pub const NONE: u64 = u64::MAX;
}

/// Resident pages of DATA space `sid`: the pages that have a frame.
pub fn resident_pages(m: &Machine, sid: machine::Sid) -> u64 {
    m.mem.space(sid).map_or(0, |s| s.pages.values().filter(|e| e.frame != FrameId::NONE).count() as u64)
}

impl Proc {
    /// Whether process `pid` is a vfork child still running in its parent's memory.
    fn in_vfork(&self, pid: Pid) -> bool {
        self.vfork_waiters.contains_key(&pid)
    }

    /// Linux's oom_badness of `pid` against `total` pages; None when it may not be
    /// killed (init, ended, oom_score_adj -1000, a vfork child).
    pub fn oom_badness(&self, m: &Machine, pid: Pid, total: u64) -> Option<i64> {
        let p = self.processes.get(&pid).filter(|p| p.exit.is_none() && pid != super::INIT_PID)?;
        if p.oom.adj as i64 == ADJ_MIN || self.in_vfork(pid) {
            return None;
        }
        Some(resident_pages(m, p.data) as i64 + p.oom.adj as i64 * (total / 1000) as i64)
    }

    /// /proc/PID/oom_score: the badness scaled into [0, 2000] and by 2/3, as
    /// fs/proc/base.c prints it (0 for a process that may not be killed).
    pub fn oom_score(&self, m: &Machine, pid: Pid) -> u64 {
        let total = m.mem.guest_frame_limit().max(1) as i64;
        match self.oom_badness(m, pid, total as u64) {
            Some(b) => ((1000 + b * 1000 / total) * 2 / 3).max(0) as u64,
            None => 0,
        }
    }

    /// The OOM killer, run for an allocation that found no frame: picks the process
    /// with the highest badness (the later one on a tie, as Linux's scan in pid
    /// order does), sends it SIGKILL from the kernel, and returns its pid (or an
    /// `outcome`).
    pub fn oom_kill(&mut self, m: &Machine) -> u64 {
        if self.processes.values().any(|p| p.oom.victim && p.exit.is_none()) {
            return outcome::WAIT;
        }
        let total = m.mem.guest_frame_limit() as u64;
        let mut chosen: Option<(Pid, i64)> = None;
        for &pid in self.processes.keys() {
            if let Some(b) = self.oom_badness(m, pid, total) {
                if chosen.is_none_or(|(_, c)| b >= c) {
                    chosen = Some((pid, b));
                }
            }
        }
        let Some((victim, points)) = chosen else { return outcome::NONE };
        tracing::warn!("out of memory: killing pid {victim} (badness {points} of {total} pages)");
        if let Some(p) = self.processes.get_mut(&victim) {
            p.oom.victim = true;
        }
        self.send(victim, None, SigInfo::from(sig::SIGKILL, code::SI_KERNEL, 0));
        victim as u64
    }

    /// Reads (`write` None) or sets process `target`'s oom_score_adj for process
    /// `me`, with __set_oom_adj's rule: below oom_score_adj_min needs
    /// CAP_SYS_RESOURCE (EACCES), and a writer holding it sets the minimum too. The
    /// range (-1000..=1000, EINVAL) is the writer's to check, as it parses.
    pub fn oom_adj(&mut self, me: Pid, target: Pid, write: Option<i64>) -> u64 {
        let resource = self.creds(me).is_some_and(|c| c.capable(cap::SYS_RESOURCE));
        let Some(p) = self.processes.get_mut(&target).filter(|p| p.exit.is_none()) else { return err(libc::ESRCH) };
        let Some(v) = write else { return p.oom.adj as i64 as u64 };
        if !(ADJ_MIN..=ADJ_MAX).contains(&v) {
            return err(libc::EINVAL);
        }
        if v < p.oom.adj_min as i64 && !resource {
            return err(libc::EACCES);
        }
        p.oom.adj = v as i16;
        if resource {
            p.oom.adj_min = v as i16;
        }
        0
    }

    /// Whether process `me` may open `target`'s oom_score_adj for writing: the file
    /// is mode 0644 and owned by the target's effective uid, so the writer's fs uid
    /// must be that or it needs CAP_DAC_OVERRIDE (EACCES).
    pub fn oom_adj_may_write(&self, me: Pid, target: Pid) -> u64 {
        let (Some(mine), Some(theirs)) = (self.creds(me), self.processes.get(&target).filter(|p| p.exit.is_none()).map(|p| &p.creds)) else { return err(libc::ESRCH) };
        if mine.fsuid == theirs.euid || mine.capable(cap::DAC_OVERRIDE) {
            0
        } else {
            err(libc::EACCES)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use machine::memory::MemoryLimits;
    use machine::MachineConfig;
    use machine::PageRights;

    /// A machine with `frames` frames and a proc with init (pid 1) and children 2, 3
    /// whose DATA spaces have `pages[i]` touched pages.
    fn setup(frames: usize, pages: [u64; 3]) -> (Machine, Proc) {
        let mut m = Machine::new(MachineConfig { limits: MemoryLimits { frames, reserve: 0, ..MemoryLimits::default() }, ..MachineConfig::default() });
        let mut p = Proc::new();
        for (i, n) in pages.iter().enumerate() {
            let data = m.mem.create_space("t", 0).unwrap();
            m.mem.map_zero(data, 0x10000, n * 4096, PageRights::RW).unwrap();
            let pid = p.alloc_pid();
            p.add_process(pid, if pid == 1 { 0 } else { 1 }, data, data, 100 + i as u32, "t".into(), Vec::new());
        }
        (m, p)
    }

    #[test]
    fn the_biggest_dies_and_init_never() {
        let (m, mut p) = setup(10_000, [500, 40, 300]);
        assert_eq!(p.oom_kill(&m), 3, "pid 3 has the most resident pages; init is exempt");
        assert!(p.processes[&3].pending.set & (1 << (sig::SIGKILL - 1)) != 0);
        assert_eq!(p.oom_kill(&m), outcome::WAIT, "no second victim while the first lives");
    }

    #[test]
    fn oom_score_adj_weighs_and_exempts() {
        let (m, mut p) = setup(10_000, [1, 40, 300]);
        assert_eq!(p.oom_adj(1, 2, Some(1000)), 0);
        // 40 + 1000 * (10000 / 1000) beats 300.
        assert_eq!(p.oom_badness(&m, 2, 10_000), Some(10_040));
        assert_eq!(p.oom_kill(&m), 2);
        let (m, mut p) = setup(10_000, [1, 40, 300]);
        assert_eq!(p.oom_adj(1, 3, Some(-1000)), 0);
        assert_eq!(p.oom_adj(1, 2, Some(-1000)), 0);
        assert_eq!(p.oom_score(&m, 3), 0);
        assert_eq!(p.oom_kill(&m), outcome::NONE, "everyone exempt");
    }

    #[test]
    fn oom_score_is_linux_scale() {
        let (m, p) = setup(10_000, [1, 0, 3000]);
        assert_eq!(p.oom_score(&m, 2), 666, "(1000 + 0) * 2 / 3");
        assert_eq!(p.oom_score(&m, 3), (1000 + 300) * 2 / 3);
        assert_eq!(p.oom_score(&m, 1), 0, "init is unkillable");
    }

    #[test]
    fn lowering_below_the_minimum_needs_cap_sys_resource() {
        let (_m, mut p) = setup(100, [1, 1, 1]);
        p.processes.get_mut(&2).unwrap().creds.effective = crate::creds::CapSet::EMPTY;
        assert_eq!(p.oom_adj(2, 2, Some(-1)), err(libc::EACCES));
        assert_eq!(p.oom_adj(2, 2, Some(500)), 0);
        assert_eq!(p.oom_adj(2, 2, Some(0)), 0, "back down to the minimum (0) is allowed");
        assert_eq!(p.oom_adj(2, 2, Some(1001)), err(libc::EINVAL));
        assert_eq!(p.oom_adj(2, 2, None), 0);
    }
}
