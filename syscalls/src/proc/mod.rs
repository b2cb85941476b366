//! The proc service: processes, threads, the run queue, wait, and signal bookkeeping.
//!
//! proc holds the thread authority: it creates and ends harts. Signal *delivery*
//! (building the frame on the user stack) is the personality's business; proc keeps
//! the dispositions, masks, pending queues and interval timers, and decides which
//! signal is delivered next and what it does.

pub mod action;
pub mod admin;
pub mod cloneflags;
pub mod init;
pub mod cpu;
mod dispatch;
pub mod hostexec;
pub mod credrec;
pub mod ids;
pub mod ioprio;
pub mod kcmp;
pub mod lifecycle;
mod lends;
pub mod limits;
pub mod op;
pub mod oom;
pub mod pidfd;
pub mod ptimer;
pub mod published;
pub mod queue;
pub mod robust;
pub mod rseq;
mod session;
pub mod signal;
pub mod stop;
pub mod timer;
pub mod uts;
pub mod wait;

pub use lends::hook;

use crate::creds::Creds;
use crate::sched::{key, kind, Block, Wake, WaitKey};
use crate::service::{Template, err, Env, Service, ServiceId, BLOCK};
use crate::sigqueue::{code, sig, SigInfo, SigQueue};
use crate::sysno as nr;
use machine::hart::reg;
use machine::{Context, Fault, HartId, Sid};
use std::any::Any;
use std::collections::BTreeMap;
use std::time::Instant;

pub use crate::sigqueue::{default_action, DefaultAction};

/// A process id or thread id.
pub type Pid = u32;

/// The first pid handed out (pids are deterministic, so runs are reproducible): init
/// takes it, and the first guest program gets the next one, 2.
pub const FIRST_PID: Pid = 1;

/// The pid of init: a process record proc holds itself (`init`), parent of the first
/// guest program, which adopts and reaps orphans and never runs guest code.
pub const INIT_PID: Pid = 1;

/// One signal's disposition (struct sigaction as riscv64 Linux lays it out).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SigAction {
    pub handler: u64,
    pub flags: u64,
    pub mask: u64,
}

/// SIG_DFL and SIG_IGN.
pub const SIG_DFL: u64 = 0;
pub const SIG_IGN: u64 = 1;

/// How a process ended, as wait reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    Exited(u8),
    /// Killed by a signal; `core` when its default action dumps core and the process's
    /// RLIMIT_CORE allowed it (grantix writes no core file, but reports the bit).
    Signaled { sig: u8, core: bool },
}

impl ExitStatus {
    /// The wait status word (`WEXITSTATUS`/`WTERMSIG`/`WCOREDUMP` encoding).
    pub fn wait_word(self) -> u32 {
        match self {
            ExitStatus::Exited(c) => (c as u32) << 8,
            ExitStatus::Signaled { sig, core } => sig as u32 | if core { 0x80 } else { 0 },
        }
    }

    /// The status a shell reports (128+N for a signal).
    pub fn shell_status(self) -> i32 {
        match self {
            ExitStatus::Exited(c) => c as i32,
            ExitStatus::Signaled { sig, .. } => 128 + sig as i32,
        }
    }

    /// si_code and si_status of the SIGCHLD (and waitid) that reports it.
    pub fn child_info(self) -> (i32, u32) {
        match self {
            ExitStatus::Exited(c) => (code::CLD_EXITED, c as u32),
            ExitStatus::Signaled { sig, core: false } => (code::CLD_KILLED, sig as u32),
            ExitStatus::Signaled { sig, core: true } => (code::CLD_DUMPED, sig as u32),
        }
    }
}

/// A process.
#[derive(Clone, Debug)]
pub struct Process {
    pub pid: Pid,
    pub ppid: Pid,
    pub pgid: Pid,
    pub sid: Pid,
    pub code: Sid,
    pub data: Sid,
    pub threads: Vec<Pid>,
    pub children: Vec<Pid>,
    pub exit: Option<ExitStatus>,
    pub actions: [SigAction; 65],
    /// Signals pending for the whole process.
    pub pending: SigQueue,
    /// The signal sent to the parent at exit (SIGCHLD for fork, 0 for none).
    pub exit_signal: u32,
    pub exe: String,
    pub cmdline: Vec<Vec<u8>>,
    pub umask: u32,
    /// Resource limits (soft, hard), by RLIMIT_* number.
    pub rlimits: [(u64, u64); limits::COUNT],
    /// Interval timers (ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF).
    pub itimers: timer::ITimers,
    /// Stopped by a stop signal (job control).
    pub stopped: bool,
    /// A stop or continue the parent has not collected with wait yet.
    pub report: Option<stop::JobReport>,
    /// Largest resident set, in KiB, recorded when the process ended.
    pub maxrss_kb: u64,
    /// Largest maxrss of the children it reaped (getrusage RUSAGE_CHILDREN).
    pub children_maxrss_kb: u64,
    /// Signal sent to this process when its parent ends (PR_SET_PDEATHSIG).
    pub pdeath_signal: u32,
    /// User and group ids, groups and capabilities: the first process starts with
    /// the host user's, a child with a copy of its parent's, exec applies
    /// `Creds::exec`. Kept per process (see `ids`).
    pub creds: Creds,
    /// CPU time of the threads that ended (`cpu`).
    pub cpu_ended: cpu::Times,
    /// CPU time of the children it reaped, theirs included (RUSAGE_CHILDREN, times).
    pub cpu_children: cpu::Times,
    /// The CPU second at which RLIMIT_CPU's soft limit last sent SIGXCPU.
    pub xcpu_at: Option<u64>,
    /// POSIX timers (timer_create), by id.
    pub ptimers: BTreeMap<usize, ptimer::PTimer>,
    /// The execution domain (personality(2)): kept, inherited by fork, and reported;
    /// none of its flags changes what grantix does.
    pub persona: u32,
    /// Its UTS namespace (`uts`): an index into `Proc::uts`.
    pub uts_ns: usize,
    /// oom_score_adj and whether the OOM killer chose it (`oom`).
    pub oom: oom::OomState,
}

/// State of a thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ThreadState {
    Runnable,
    Blocked(Block),
    Exited,
}

/// A thread.
#[derive(Clone, Debug)]
pub struct Thread {
    pub tid: Pid,
    pub pid: Pid,
    pub hart: HartId,
    pub state: ThreadState,
    pub sigmask: u64,
    pub pending: SigQueue,
    pub clear_child_tid: u64,
    /// (ss_sp, ss_flags, ss_size)
    pub altstack: (u64, u32, u64),
    /// Why the thread was last woken; consumed by the re-executed syscall.
    pub wake: Option<Wake>,
    /// Deadline of the syscall being retried, kept across wake-ups.
    pub deadline: Option<Instant>,
    /// Mask to restore after sigsuspend delivers a signal.
    pub saved_mask: Option<u64>,
    /// Signals rt_sigtimedwait is waiting for (they wake the thread though blocked).
    pub sigwait: u64,
    /// Keys and host fds added to the next block of the current syscall (poll).
    pub also: Block,
    /// The thread's name (prctl PR_SET_NAME, /proc/PID/task/TID/comm), NUL-padded.
    pub comm: [u8; 16],
    /// Its CPU time (`cpu`).
    pub cpu: cpu::ThreadClock,
    /// Its robust futex list head (set_robust_list; 0: none), a process address.
    pub robust_list: u64,
    /// The vfork child it waits for (0: none): until that child execs or exits the
    /// thread is blocked and no wake-up but that one resumes it.
    pub vfork: Pid,
    /// Its I/O priority as ioprio_set left it (`ioprio`; None: never set).
    pub ioprio: Option<u32>,
    /// Its restartable-sequence registration (`rseq`).
    pub rseq: Option<rseq::Rseq>,
}

/// The name a thread of a process running `exe` starts with: the file name,
/// truncated to 15 bytes (TASK_COMM_LEN).
pub fn comm_of(exe: &str) -> [u8; 16] {
    let mut c = [0u8; 16];
    let base = exe.rsplit('/').next().unwrap_or("").as_bytes();
    let n = base.len().min(15);
    c[..n].copy_from_slice(&base[..n]);
    c
}

/// The proc service.
#[derive(Default)]
pub struct Proc {
    pub processes: BTreeMap<Pid, Process>,
    pub threads: BTreeMap<Pid, Thread>,
    pub by_hart: BTreeMap<HartId, Pid>,
    pub run_queue: queue::RunQueue,
    /// Blocked threads by wait key, deadline and host descriptor (`queue`).
    pub blocked: queue::BlockedIndex,
    /// Processes that may have an armed wall-clock timer (ITIMER_REAL or a POSIX timer
    /// on a wall clock): a superset, pruned as timers fire, so the board's look for
    /// due timers at every step walks these, not every process.
    pub timed: std::collections::BTreeSet<Pid>,
    /// vfork child -> the parent thread waiting for it.
    pub vfork_waiters: BTreeMap<Pid, Pid>,
    next_pid: Pid,
    /// Status of the first guest program, once it has exited: the run's exit status.
    pub first_exit: Option<ExitStatus>,
    /// The first guest program (pid 2 under the kernel-held init; 0 before it exists).
    pub first_pid: Pid,
    /// init (pid 1) is the record proc holds (`init`; not in some unit tests).
    kernel_init: bool,
    /// The slots last written for linux (`published`).
    pub published: published::Published,
    /// The UTS namespaces (`uts`); the first is everybody's at boot.
    pub uts: Vec<uts::UtsNames>,
    /// What syslog, reboot and friends keep (`admin`).
    pub admin: admin::AdminState,
    /// Processes that became host programs: their host pids (`hostexec`).
    pub host_pids: BTreeMap<Pid, i32>,
}

impl Proc {
    /// An empty process table.
    pub fn new() -> Proc {
        Proc { next_pid: FIRST_PID, ..Default::default() }
    }

    /// A fresh pid/tid.
    pub fn alloc_pid(&mut self) -> Pid {
        // Skipping ids clone3's set_tid took out of turn.
        while self.pid_in_use(self.next_pid) {
            self.next_pid += 1;
        }
        let p = self.next_pid;
        self.next_pid += 1;
        p
    }

    /// Whether `p` names a process (a zombie included) or a thread.
    pub fn pid_in_use(&self, p: Pid) -> bool {
        self.processes.contains_key(&p) || self.threads.contains_key(&p)
    }

    /// A new process's record, with what it inherits from its parent `ppid`.
    fn record(&self, pid: Pid, ppid: Pid, code: Sid, data: Sid, exe: String, cmdline: Vec<Vec<u8>>) -> Process {
        // A child of a guest process is in its parent's group and session. A child of
        // init (the first program) leads its own process group in init's session, as
        // a job a shell started: it may setpgid but not setsid (sid 0 without init).
        let guest_parent = self.processes.get(&ppid).filter(|_| ppid != INIT_PID);
        let (pgid, sid) = guest_parent.map_or_else(|| (pid, self.processes.get(&ppid).map_or(0, |p| p.sid)), |p| (p.pgid, p.sid));
        let rlimits = self.processes.get(&ppid).map_or(limits::DEFAULTS, |p| p.rlimits);
        // The first program runs as the host user, as under qemu-user (init is root);
        // any other process starts with its parent's credentials.
        let creds = guest_parent.map_or_else(Creds::of_host, |p| p.creds.clone());
        Process {
            pid,
            ppid,
            pgid,
            sid,
            code,
            data,
            threads: vec![pid],
            children: Vec::new(),
            exit: None,
            actions: [SigAction::default(); 65],
            pending: SigQueue::default(),
            exit_signal: sig::SIGCHLD,
            exe,
            cmdline,
            umask: 0o022,
            rlimits,
            itimers: timer::ITimers::default(),
            stopped: false,
            report: None,
            maxrss_kb: 0,
            children_maxrss_kb: 0,
            pdeath_signal: 0,
            creds,
            cpu_ended: cpu::Times::default(),
            cpu_children: cpu::Times::default(),
            xcpu_at: None,
            ptimers: BTreeMap::new(),
            persona: self.processes.get(&ppid).map_or(0, |p| p.persona),
            uts_ns: self.processes.get(&ppid).map_or(0, |p| p.uts_ns),
            // Inherited (copy_signal), but a child is no victim of its parent's OOM kill.
            oom: self.processes.get(&ppid).map_or_else(oom::OomState::default, |p| oom::OomState { victim: false, ..p.oom }),
        }
    }

    /// Registers a new process with its first thread on `hart` (board use for the
    /// first program; clone for the others).
    pub fn add_process(&mut self, pid: Pid, ppid: Pid, code: Sid, data: Sid, hart: HartId, exe: String, cmdline: Vec<Vec<u8>>) {
        let record = self.record(pid, ppid, code, data, exe, cmdline);
        self.processes.insert(pid, record);
        if let Some(parent) = self.processes.get_mut(&ppid) {
            parent.children.push(pid);
        }
        self.add_thread(pid, pid, hart, 0);
        if self.first_pid == 0 {
            self.first_pid = pid;
        }
    }

    /// Registers a thread.
    pub fn add_thread(&mut self, tid: Pid, pid: Pid, hart: HartId, sigmask: u64) {
        self.threads.insert(
            tid,
            Thread {
                tid,
                pid,
                hart,
                state: ThreadState::Runnable,
                sigmask,
                pending: SigQueue::default(),
                clear_child_tid: 0,
                altstack: (0, 2, 0),
                wake: None,
                deadline: None,
                saved_mask: None,
                sigwait: 0,
                also: Block::default(),
                comm: self.processes.get(&pid).map_or([0; 16], |p| comm_of(&p.exe)),
                cpu: cpu::ThreadClock::default(),
                robust_list: 0,
                vfork: 0,
                ioprio: None,
                rseq: None,
            },
        );
        if tid != pid {
            if let Some(p) = self.processes.get_mut(&pid) {
                p.threads.push(tid);
            }
        }
        self.by_hart.insert(hart, tid);
        self.run_queue.push_back(tid);
    }

    /// The thread running on `hart`.
    pub fn thread_of(&self, hart: HartId) -> Option<&Thread> {
        self.threads.get(self.by_hart.get(&hart)?)
    }

    /// Wakes every thread waiting on `k`, in tid order (deterministic).
    pub fn wake_key(&mut self, k: WaitKey) -> u64 {
        let mut n = 0;
        for tid in self.blocked_on(k) {
            self.set_runnable(tid);
            if let Some(t) = self.threads.get_mut(&tid) {
                t.wake = Some(Wake::Key);
            }
            self.run_queue.push_back(tid);
            n += 1;
        }
        n
    }

    /// Wakes a thread for a reason (timeout, host readiness, signal); false if it was
    /// not blocked.
    pub fn wake_thread(&mut self, tid: Pid, why: Wake) -> bool {
        let Some(t) = self.threads.get_mut(&tid) else { return false };
        if !matches!(t.state, ThreadState::Blocked(_)) || t.vfork != 0 {
            return false;
        }
        t.wake = Some(why);
        self.set_runnable(tid);
        self.run_queue.push_back(tid);
        true
    }

    /// Marks a process as ended: its threads go, its children become orphans (adopted
    /// by init), the parent gets its exit signal (or, for init, reaps it at once) and
    /// waiters are woken. The caller
    /// destroys harts and spaces. Returns the harts of the process's threads.
    pub fn end_process(&mut self, pid: Pid, status: ExitStatus) -> Vec<HartId> {
        // After reboot's command the first program, whose status is the run's, is
        // reported killed by its signal (`admin`).
        let status = match self.admin.reboot_signal {
            s if s != 0 && pid == self.first_pid => ExitStatus::Signaled { sig: s, core: false },
            _ => status,
        };
        let Some(p) = self.processes.get_mut(&pid) else { return Vec::new() };
        if p.exit.is_some() {
            return Vec::new();
        }
        p.exit = Some(status);
        p.itimers = timer::ITimers::default();
        self.host_pids.remove(&pid);
        let Some(p) = self.processes.get_mut(&pid) else { return Vec::new() };
        p.ptimers.clear();
        let threads = std::mem::take(&mut p.threads);
        let children = std::mem::take(&mut p.children);
        let (ppid, exit_signal) = (p.ppid, p.exit_signal);
        let mut harts = Vec::new();
        let mut ended = cpu::Times::default();
        for tid in threads {
            self.unindex(tid);
            if let Some(t) = self.threads.remove(&tid) {
                self.by_hart.remove(&t.hart);
                harts.push(t.hart);
                ended = ended.add(t.cpu.charged);
            }
        }
        if let Some(p) = self.processes.get_mut(&pid) {
            p.cpu_ended = p.cpu_ended.add(ended);
        }
        // Orphans go to init, which reaps them (`init`).
        self.adopt_orphans(pid, children);
        self.vfork_done(pid);
        if pid == self.first_pid {
            self.first_exit = Some(status);
        }
        let parent_alive = self.processes.get(&ppid).is_some_and(|pp| pp.exit.is_none());
        // init reaps its children as they end, so they leave no zombie (as a real
        // init's wait loop would); with no parent left, nobody could reap it either.
        if !parent_alive || self.reaped_by_init(ppid) {
            self.processes.remove(&pid);
            if let Some(pp) = self.processes.get_mut(&ppid) {
                pp.children.retain(|c| *c != pid);
            }
            return harts;
        }
        // A parent that ignores SIGCHLD (or set SA_NOCLDWAIT) leaves no zombies.
        let act = self.processes.get(&ppid).map(|pp| pp.actions[sig::SIGCHLD as usize]).unwrap_or_default();
        let autoreap = exit_signal == sig::SIGCHLD && (act.handler == SIG_IGN || act.flags & libc::SA_NOCLDWAIT as u64 != 0);
        if autoreap {
            self.processes.remove(&pid);
            if let Some(pp) = self.processes.get_mut(&ppid) {
                pp.children.retain(|c| *c != pid);
            }
        }
        if exit_signal != 0 {
            let (si_code, si_status) = status.child_info();
            let info = SigInfo { signo: exit_signal, code: si_code, pid, uid: 0, value: si_status as u64 };
            self.send(ppid, None, info);
        }
        self.wake_key(key(kind::CHILD, ppid as u64));
        harts
    }

    /// vfork child `child` exec'd or ended: the parent thread waiting for it resumes
    /// after its vfork call (no wake reason: the call is complete, not re-executed).
    pub fn vfork_done(&mut self, child: Pid) {
        let Some(tid) = self.vfork_waiters.remove(&child) else { return };
        if let Some(t) = self.threads.get_mut(&tid).filter(|t| t.vfork == child) {
            t.vfork = 0;
            t.wake = None;
            self.set_runnable(tid);
            self.run_queue.push_back(tid);
        }
    }

    /// Removes one thread (not the last one of its process); returns its clear_child_tid.
    pub fn end_thread(&mut self, tid: Pid) -> Option<(HartId, u64)> {
        self.unindex(tid);
        let t = self.threads.remove(&tid)?;
        self.by_hart.remove(&t.hart);
        if let Some(p) = self.processes.get_mut(&t.pid) {
            p.threads.retain(|x| *x != tid);
            p.cpu_ended = p.cpu_ended.add(t.cpu.charged);
            // Signals queued for the dead thread alone are lost with it, as on Linux.
        }
        Some((t.hart, t.clear_child_tid))
    }

    /// Splits the caller word: pid << 32 | wake << 24 | tid.
    fn caller(args_caller: u64) -> (Pid, Pid) {
        ((args_caller >> 32) as Pid, (args_caller & 0xff_ffff) as Pid)
    }

    /// The wake reason the caller word carries.
    fn wake_of(args_caller: u64) -> Option<Wake> {
        Wake::from_code((args_caller >> 24) & 0xff)
    }

    fn enter(&mut self, hart: HartId, interrupt: bool) -> [u64; 2] {
        let Some(t) = self.by_hart.get(&hart).and_then(|t| self.threads.get_mut(t)) else { return [err(libc::ESRCH), 0] };
        let who = ((t.pid as u64) << 32) | t.tid as u64;
        if interrupt {
            return [who, 0];
        }
        let wake = t.wake.take();
        // A fresh syscall (not the re-execution of a woken one) starts with no
        // leftovers of an earlier one.
        t.also = Block::default();
        t.sigwait = 0;
        if wake.is_none() {
            t.deadline = None;
        }
        [who, wake.map_or(0, |w| w.code())]
    }

    fn block(&mut self, tid: Pid, k: u64, ns: u64, fd: i64, ev: i16) -> [u64; 2] {
        let Some(t) = self.threads.get_mut(&tid) else { return [err(libc::ESRCH), 0] };
        if ns != u64::MAX && t.deadline.is_none() {
            t.deadline = crate::clock::now().checked_add(std::time::Duration::from_nanos(ns));
        }
        let mut b = std::mem::take(&mut t.also);
        if k != 0 {
            b.keys.push(k);
        }
        if fd >= 0 {
            b.host_fds.push((fd as i32, ev));
        }
        b.deadline = t.deadline;
        self.set_blocked(tid, b);
        [0, 0]
    }
}

impl Proc {
    /// op::SCHED_TARGET: the process of thread or process `target` (0: the caller's),
    /// and whether process `me` may change its scheduling when `change`.
    fn sched_target(&self, me: Pid, target: Pid, change: bool) -> u64 {
        let owner = if target == 0 {
            Some(me)
        } else {
            // init (pid 1) has no threads but exists.
            self.threads.get(&target).map(|t| t.pid).or_else(|| self.processes.get(&target).filter(|p| p.exit.is_none()).map(|p| p.pid))
        };
        let Some(owner) = owner else { return err(libc::ESRCH) };
        if change && owner != me {
            let (Some(c), Some(t)) = (self.creds(me), self.creds(owner)) else { return err(libc::ESRCH) };
            // The owner half of setpriority's rule (same nice value: no EACCES).
            if let Err(e) = crate::creds::may_setpriority(c, t, 0, 0) {
                return err(e);
            }
        }
        owner as u64
    }
}

impl Proc {
    /// op::CAPBSET: the bounding-set, securebits and keep-caps options of prctl, with Linux's
    /// checks (cap_prctl_drop: CAP_SETPCAP before the capability's validity).
    fn capbset(&mut self, me: Pid, what: u64, arg: u64) -> u64 {
        use crate::creds::cap;
        /// SECBIT_KEEP_CAPS; every defined bit and lock (Linux's SECURE_ALL_BITS and
        /// their locks, exec bits included).
        const KEEP_CAPS: u64 = 1 << 4;
        const ALL: u64 = 0xfff;
        let Some(c) = self.processes.get_mut(&me).map(|p| &mut p.creds) else { return err(libc::ESRCH) };
        match what {
            0 if arg > cap::LAST as u64 => err(libc::EINVAL),
            0 => c.bounding.has(arg as u32) as u64,
            1 if !c.capable(cap::SETPCAP) => err(libc::EPERM),
            1 if arg > cap::LAST as u64 => err(libc::EINVAL),
            1 => {
                c.bounding = c.bounding.without(arg as u32);
                0
            }
            2 => if c.keep_caps { KEEP_CAPS } else { 0 },
            3 if arg & !ALL != 0 || !c.capable(cap::SETPCAP) => err(libc::EPERM),
            3 => {
                c.keep_caps = arg & KEEP_CAPS != 0;
                0
            }
            // PR_GET_KEEPCAPS and PR_SET_KEEPCAPS: the same bit, with no capability
            // needed (no securebit is ever locked here).
            4 => c.keep_caps as u64,
            5 if arg > 1 => err(libc::EINVAL),
            5 => {
                c.keep_caps = arg == 1;
                0
            }
            _ => err(libc::EINVAL),
        }
    }
}

/// Initial register context for a new thread or process.
pub fn initial_context(pc: u64, sp: u64) -> Context {
    let mut c = Context { pc, ..Context::default() };
    c.x[reg::SP] = sp;
    c
}

/// Reads a little-endian u64 out of a byte slice at `o` (zero if short).
pub fn u64_at(b: &[u8], o: usize) -> u64 {
    b.get(o..o.saturating_add(8)).and_then(|s| s.try_into().ok()).map_or(0, u64::from_le_bytes)
}

/// The key a thread waits on for signals (sigsuspend, sigtimedwait).
pub fn signal_key(tid: Pid) -> WaitKey {
    key(kind::SIGNAL, tid as u64)
}

/// The answer of a syscall that must wait on key `k`.
pub(crate) fn block(k: WaitKey) -> [u64; 2] {
    [BLOCK, k]
}
