//! The proc service: processes, threads, the run queue, wait, and signal bookkeeping.
//!
//! proc holds the thread authority: it creates and ends harts. Signal *delivery*
//! (building the frame on the user stack) is the personality's business; proc keeps
//! the dispositions, masks and pending sets.

use crate::sched::{kind, key, Block, Wake, WaitKey};
use crate::service::{err, Env, Lend, Service, ServiceId, BLOCK};
use crate::sysno as nr;
use machine::hart::reg;
use machine::{Context, Fault, HartId, Sid};
use std::any::Any;
use std::collections::{BTreeMap, VecDeque};
use std::time::Instant;

/// A process id or thread id.
pub type Pid = u32;

/// The first pid handed out; deterministic so runs are reproducible.
pub const FIRST_PID: Pid = 100;

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
    Signaled(u8),
}

impl ExitStatus {
    /// The wait status word (`WEXITSTATUS`/`WTERMSIG` encoding).
    pub fn wait_word(self) -> u32 {
        match self {
            ExitStatus::Exited(c) => (c as u32) << 8,
            ExitStatus::Signaled(s) => s as u32 | if s == 6 || s == 11 || s == 4 || s == 8 || s == 7 { 0x80 } else { 0 },
        }
    }

    /// The status a shell reports (128+N for a signal).
    pub fn shell_status(self) -> i32 {
        match self {
            ExitStatus::Exited(c) => c as i32,
            ExitStatus::Signaled(s) => 128 + s as i32,
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
    pub pending: u64,
    /// The signal sent to the parent at exit (SIGCHLD for fork).
    pub exit_signal: u32,
    pub exe: String,
    pub cmdline: Vec<Vec<u8>>,
    pub umask: u32,
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
    pub pending: u64,
    pub clear_child_tid: u64,
    /// (ss_sp, ss_flags, ss_size)
    pub altstack: (u64, u32, u64),
    /// Why the thread was last woken; consumed by the re-executed syscall.
    pub wake: Option<Wake>,
    /// Deadline of the syscall being retried, kept across wake-ups.
    pub deadline: Option<Instant>,
    /// Mask to restore after sigsuspend / ppoll delivers a signal.
    pub saved_mask: Option<u64>,
}

/// Operations of proc besides Linux syscall numbers (which it takes as ops too).
pub mod op {
    /// a1=hart -> a0 = pid<<32|tid, a1 = wake code (consumed).
    pub const ENTER: u64 = 0x1000;
    /// Block the caller: a2 = key (0 = none), a3 = deadline in ns from now (u64::MAX = none),
    /// a4 = host fd (or -1), a5 = poll events.
    pub const BLOCK: u64 = 0x1001;
    /// Wake every thread waiting on key a2; a0 = how many.
    pub const WAKE: u64 = 0x1002;
    /// Add a key to the caller's pending block (for poll on several objects): a2 = key.
    pub const BLOCK_ALSO: u64 = 0x1003;
    /// Record the deadline for the current syscall's retries: a2 = ns from now.
    pub const DEADLINE: u64 = 0x1004;
    /// a0 = deliverable signal for the caller (0 = none), a1 = its action handler;
    /// dequeues it. a2 = 1 to only peek.
    pub const NEXT_SIGNAL: u64 = 0x1005;
    /// Reads the action of signal a2 into (a0 = handler, a1 = flags); mask via MASK op.
    pub const ACTION: u64 = 0x1006;
    /// a0 = caller's signal mask; if a2 == 1, set it to a3.
    pub const MASK: u64 = 0x1007;
    /// Ends the process of the caller with a signal a2 (default action "terminate").
    pub const KILL_SELF: u64 = 0x1008;
    /// a0 = action mask of signal a2.
    pub const ACTION_MASK: u64 = 0x1009;
    /// (sp, flags | size<<32) of the caller's altstack.
    pub const ALTSTACK: u64 = 0x100a;
    /// Remember mask a2 to restore after the next signal delivery (sigsuspend).
    pub const SAVE_MASK: u64 = 0x100b;
    /// Take the saved mask (a0 = 1 if there was one, a1 = mask).
    pub const TAKE_SAVED_MASK: u64 = 0x100c;
    /// Wake thread a1 (a futex waiter).
    pub const WAKE_TID: u64 = 0x100d;
    /// The caller's syscall completed: forget its retry deadline.
    pub const FINISH: u64 = 0x100e;
}

/// The proc service.
#[derive(Default)]
pub struct Proc {
    pub processes: BTreeMap<Pid, Process>,
    pub threads: BTreeMap<Pid, Thread>,
    pub by_hart: BTreeMap<HartId, Pid>,
    pub run_queue: VecDeque<Pid>,
    next_pid: Pid,
    /// Status of the first process, once it has exited: the run's exit status.
    pub init_exit: Option<ExitStatus>,
    pub init_pid: Pid,
}

/// Default action of a signal: true = terminate (with or without core), false = ignore.
pub fn default_terminates(sig: u32) -> bool {
    !matches!(sig, 17 | 23 | 28 | 18 | 19 | 20 | 21 | 22 | 0)
}

fn sigbit(sig: u32) -> u64 {
    if (1..=64).contains(&sig) { 1u64 << (sig - 1) } else { 0 }
}

/// Signals that can be neither caught nor blocked.
const UNBLOCKABLE: u64 = (1 << 8) | (1 << 18); // SIGKILL(9), SIGSTOP(19)

impl Proc {
    /// An empty process table.
    pub fn new() -> Proc {
        Proc { next_pid: FIRST_PID, ..Default::default() }
    }

    /// A fresh pid/tid.
    pub fn alloc_pid(&mut self) -> Pid {
        let p = self.next_pid;
        self.next_pid += 1;
        p
    }

    /// Registers a new process with its first thread on `hart` (board use for the
    /// first process; clone for the others).
    pub fn add_process(&mut self, pid: Pid, ppid: Pid, code: Sid, data: Sid, hart: HartId, exe: String, cmdline: Vec<Vec<u8>>) {
        let (pgid, sid) = self.processes.get(&ppid).map_or((pid, pid), |p| (p.pgid, p.sid));
        self.processes.insert(
            pid,
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
                pending: 0,
                exit_signal: 17,
                exe,
                cmdline,
                umask: 0o022,
            },
        );
        if let Some(parent) = self.processes.get_mut(&ppid) {
            parent.children.push(pid);
        }
        self.add_thread(pid, pid, hart, 0);
        if self.init_pid == 0 {
            self.init_pid = pid;
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
                pending: 0,
                clear_child_tid: 0,
                altstack: (0, 2, 0),
                wake: None,
                deadline: None,
                saved_mask: None,
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

    /// Wakes every thread waiting on `k`.
    pub fn wake_key(&mut self, k: WaitKey) -> u64 {
        let mut n = 0;
        for t in self.threads.values_mut() {
            if let ThreadState::Blocked(b) = &t.state {
                if b.keys.contains(&k) {
                    t.state = ThreadState::Runnable;
                    t.wake = Some(Wake::Key);
                    self.run_queue.push_back(t.tid);
                    n += 1;
                }
            }
        }
        n
    }

    /// Wakes a thread for a reason (timeout, host readiness, signal).
    pub fn wake_thread(&mut self, tid: Pid, why: Wake) {
        if let Some(t) = self.threads.get_mut(&tid) {
            if matches!(t.state, ThreadState::Blocked(_)) {
                t.state = ThreadState::Runnable;
                t.wake = Some(why);
                self.run_queue.push_back(tid);
            }
        }
    }

    /// Signals deliverable to `tid` (pending and not blocked).
    pub fn deliverable(&self, tid: Pid) -> u64 {
        let Some(t) = self.threads.get(&tid) else { return 0 };
        let pp = self.processes.get(&t.pid).map_or(0, |p| p.pending);
        (t.pending | pp) & !(t.sigmask & !UNBLOCKABLE)
    }

    /// Queues signal `sig` for a process (thread = None) or one thread; wakes a
    /// blocked thread that can take it. Ignored signals are dropped at once.
    pub fn send(&mut self, pid: Pid, thread: Option<Pid>, sig: u32) {
        if sig == 0 {
            return;
        }
        let Some(p) = self.processes.get_mut(&pid) else { return };
        if p.exit.is_some() {
            return;
        }
        let act = p.actions[sig as usize];
        let ignored = act.handler == SIG_IGN || (act.handler == SIG_DFL && !default_terminates(sig));
        if ignored && sig != 9 && sig != 19 {
            return;
        }
        match thread {
            Some(tid) => {
                if let Some(t) = self.threads.get_mut(&tid) {
                    t.pending |= sigbit(sig);
                }
            }
            None => p.pending |= sigbit(sig),
        }
        let threads = self.processes.get(&pid).map(|p| p.threads.clone()).unwrap_or_default();
        for tid in threads {
            if thread.is_some_and(|t| t != tid) {
                continue;
            }
            if self.deliverable(tid) & sigbit(sig) != 0 {
                self.wake_thread(tid, Wake::Signal);
                if thread.is_none() {
                    break;
                }
            }
        }
    }

    /// Takes the lowest deliverable signal of `tid`.
    pub fn dequeue(&mut self, tid: Pid) -> Option<u32> {
        let d = self.deliverable(tid);
        if d == 0 {
            return None;
        }
        let sig = d.trailing_zeros() + 1;
        let bit = sigbit(sig);
        let t = self.threads.get_mut(&tid)?;
        if t.pending & bit != 0 {
            t.pending &= !bit;
        } else if let Some(p) = self.processes.get_mut(&t.pid) {
            p.pending &= !bit;
        }
        Some(sig)
    }

    /// Marks a process as ended: threads exit, children are re-parented to init, the
    /// parent gets its exit signal and waiters are woken. The caller destroys harts
    /// and spaces. Returns the harts of the process's threads.
    pub fn end_process(&mut self, pid: Pid, status: ExitStatus) -> Vec<HartId> {
        let Some(p) = self.processes.get_mut(&pid) else { return Vec::new() };
        if p.exit.is_some() {
            return Vec::new();
        }
        p.exit = Some(status);
        let threads = std::mem::take(&mut p.threads);
        let children = std::mem::take(&mut p.children);
        let (ppid, exit_signal) = (p.ppid, p.exit_signal);
        let mut harts = Vec::new();
        for tid in threads {
            if let Some(t) = self.threads.remove(&tid) {
                self.by_hart.remove(&t.hart);
                harts.push(t.hart);
            }
        }
        self.run_queue.retain(|t| self.threads.contains_key(t));
        let init = self.init_pid;
        for c in children {
            if let Some(cp) = self.processes.get_mut(&c) {
                cp.ppid = init;
            }
            if c != init {
                if let Some(ip) = self.processes.get_mut(&init) {
                    ip.children.push(c);
                }
            }
        }
        if pid == self.init_pid {
            self.init_exit = Some(status);
        }
        self.send(ppid, None, exit_signal);
        self.wake_key(key(kind::CHILD, ppid as u64));
        harts
    }

    /// Removes one thread (not the last one of its process); returns its clear_child_tid.
    pub fn end_thread(&mut self, tid: Pid) -> Option<(HartId, u64)> {
        let t = self.threads.remove(&tid)?;
        self.by_hart.remove(&t.hart);
        if let Some(p) = self.processes.get_mut(&t.pid) {
            p.threads.retain(|x| *x != tid);
        }
        self.run_queue.retain(|x| *x != tid);
        Some((t.hart, t.clear_child_tid))
    }

    /// Splits the caller word: pid << 32 | wake << 24 | tid.
    fn caller(args_caller: u64) -> (Pid, Pid) {
        ((args_caller >> 32) as Pid, (args_caller & 0xff_ffff) as Pid)
    }

    fn wait4(&mut self, env: &mut dyn Env, pid: Pid, tid: Pid, a: [u64; 6]) -> Result<[u64; 2], Fault> {
        let (want, status_ptr, options) = (a[0] as i64 as i32, a[1], a[2] as i32);
        let Some(me) = self.processes.get(&pid) else { return Ok([err(libc::ESRCH), 0]) };
        let pgid = me.pgid;
        let matches = |c: &Process| match want {
            -1 => true,
            0 => c.pgid == pgid,
            w if w > 0 => c.pid == w as Pid,
            w => c.pgid == (-w) as Pid,
        };
        let candidates: Vec<Pid> = me.children.iter().copied().filter(|c| self.processes.get(c).is_some_and(matches)).collect();
        if candidates.is_empty() {
            return Ok([err(libc::ECHILD), 0]);
        }
        if let Some(&z) = candidates.iter().find(|c| self.processes[c].exit.is_some()) {
            let status = self.processes[&z].exit.map_or(0, |s| s.wait_word());
            if status_ptr != 0 {
                env.write(status_ptr, &status.to_le_bytes())?;
            }
            self.processes.remove(&z);
            if let Some(me) = self.processes.get_mut(&pid) {
                me.children.retain(|c| *c != z);
            }
            return Ok([z as u64, 0]);
        }
        if options & libc::WNOHANG != 0 {
            return Ok([0, 0]);
        }
        let _ = tid;
        Ok([BLOCK, key(kind::CHILD, pid as u64)])
    }

    fn sigaction(&mut self, env: &mut dyn Env, pid: Pid, a: [u64; 6]) -> Result<[u64; 2], Fault> {
        let (sig, act, old) = (a[0] as u32, a[1], a[2]);
        if !(1..=64).contains(&sig) || (act != 0 && (sig == 9 || sig == 19)) {
            return Ok([err(libc::EINVAL), 0]);
        }
        let Some(p) = self.processes.get_mut(&pid) else { return Ok([err(libc::ESRCH), 0]) };
        let cur = p.actions[sig as usize];
        if old != 0 {
            // struct sigaction on riscv64: handler, flags, (no restorer), mask (8 bytes used).
            let mut b = [0u8; 24];
            b[0..8].copy_from_slice(&cur.handler.to_le_bytes());
            b[8..16].copy_from_slice(&cur.flags.to_le_bytes());
            b[16..24].copy_from_slice(&cur.mask.to_le_bytes());
            env.write(old, &b)?;
        }
        if act != 0 {
            let mut b = [0u8; 24];
            env.read(act, &mut b)?;
            let new = SigAction {
                handler: u64::from_le_bytes(b[0..8].try_into().unwrap_or_default()),
                flags: u64::from_le_bytes(b[8..16].try_into().unwrap_or_default()),
                mask: u64::from_le_bytes(b[16..24].try_into().unwrap_or_default()),
            };
            if let Some(p) = self.processes.get_mut(&pid) {
                p.actions[sig as usize] = new;
                // Setting SIG_IGN discards pending instances (POSIX).
                if new.handler == SIG_IGN {
                    p.pending &= !sigbit(sig);
                }
            }
        }
        Ok([0, 0])
    }

    fn sigprocmask(&mut self, env: &mut dyn Env, tid: Pid, a: [u64; 6]) -> Result<[u64; 2], Fault> {
        let (how, set, old, size) = (a[0] as i32, a[1], a[2], a[3]);
        if size != 8 {
            return Ok([err(libc::EINVAL), 0]);
        }
        let Some(cur) = self.threads.get(&tid).map(|t| t.sigmask) else { return Ok([err(libc::ESRCH), 0]) };
        let mut newmask = cur;
        if set != 0 {
            let mut b = [0u8; 8];
            env.read(set, &mut b)?;
            let s = u64::from_le_bytes(b);
            newmask = match how {
                libc::SIG_BLOCK => cur | s,
                libc::SIG_UNBLOCK => cur & !s,
                libc::SIG_SETMASK => s,
                _ => return Ok([err(libc::EINVAL), 0]),
            };
        }
        if old != 0 {
            env.write(old, &cur.to_le_bytes())?;
        }
        if let Some(t) = self.threads.get_mut(&tid) {
            t.sigmask = newmask & !UNBLOCKABLE;
        }
        Ok([0, 0])
    }

    fn kill(&mut self, me: Pid, target: i64, sig: u32) -> u64 {
        if sig > 64 {
            return err(libc::EINVAL);
        }
        let targets: Vec<Pid> = match target {
            t if t > 0 => vec![t as Pid],
            0 => {
                let pg = self.processes.get(&me).map_or(0, |p| p.pgid);
                self.processes.values().filter(|p| p.pgid == pg && p.exit.is_none()).map(|p| p.pid).collect()
            }
            -1 => self.processes.values().filter(|p| p.exit.is_none() && p.pid != me).map(|p| p.pid).collect(),
            t => self.processes.values().filter(|p| p.pgid == (-t) as Pid && p.exit.is_none()).map(|p| p.pid).collect(),
        };
        let live: Vec<Pid> = targets.into_iter().filter(|p| self.processes.get(p).is_some_and(|p| p.exit.is_none())).collect();
        if live.is_empty() {
            return err(libc::ESRCH);
        }
        for p in live {
            self.send(p, None, sig);
        }
        0
    }
}

impl Service for Proc {
    fn id(&self) -> ServiceId {
        ServiceId::Proc
    }

    fn as_any(&mut self) -> &mut dyn Any {
        self
    }

    fn handle(&mut self, env: &mut dyn Env, op: u64, a: [u64; 6]) -> Result<[u64; 2], Fault> {
        // a[0] of every op is the caller as pid<<32|tid; the syscall arguments follow.
        let (pid, tid) = Self::caller(a[0]);
        let s = [a[1], a[2], a[3], a[4], a[5], 0];
        if let Some(r) = crate::lifecycle::handle(self, env, op, a) {
            return Ok(r);
        }
        Ok(match op {
            op::ENTER => {
                let hart = a[0] as HartId;
                match self.by_hart.get(&hart).and_then(|t| self.threads.get_mut(t)) {
                    Some(t) => {
                        let wake = t.wake.take().map_or(0, |w| w.code());
                        [((t.pid as u64) << 32) | t.tid as u64, wake]
                    }
                    None => [err(libc::ESRCH), 0],
                }
            }
            op::BLOCK => {
                let (k, ns, fd, ev) = (a[1], a[2], a[3] as i64, a[4] as i16);
                let Some(t) = self.threads.get_mut(&tid) else { return Ok([err(libc::ESRCH), 0]) };
                if ns != u64::MAX && t.deadline.is_none() {
                    t.deadline = Some(Instant::now() + std::time::Duration::from_nanos(ns));
                }
                let mut b = match std::mem::replace(&mut t.state, ThreadState::Runnable) {
                    ThreadState::Blocked(b) => b,
                    _ => Block::default(),
                };
                if k != 0 {
                    b.keys.push(k);
                }
                if fd >= 0 {
                    b.host_fds.push((fd as i32, ev));
                }
                b.deadline = t.deadline;
                t.state = ThreadState::Blocked(b);
                self.run_queue.retain(|x| *x != tid);
                [0, 0]
            }
            op::DEADLINE => {
                if let Some(t) = self.threads.get_mut(&tid) {
                    if t.deadline.is_none() {
                        t.deadline = Some(Instant::now() + std::time::Duration::from_nanos(a[1]));
                    }
                }
                [0, 0]
            }
            op::WAKE => [self.wake_key(a[1]), 0],
            op::WAKE_TID => {
                self.wake_thread(a[1] as Pid, Wake::Key);
                [0, 0]
            }
            op::FINISH => {
                if let Some(t) = self.threads.get_mut(&tid) {
                    t.deadline = None;
                }
                [0, 0]
            }
            op::NEXT_SIGNAL => {
                let peek = a[1] == 1;
                let sig = if peek {
                    let d = self.deliverable(tid);
                    if d == 0 { None } else { Some(d.trailing_zeros() + 1) }
                } else {
                    self.dequeue(tid)
                };
                match sig {
                    Some(sig) => {
                        let h = self.processes.get(&pid).map_or(0, |p| p.actions[sig as usize].handler);
                        [sig as u64, h]
                    }
                    None => [0, 0],
                }
            }
            op::ACTION => {
                let sig = a[1] as usize;
                let act = self.processes.get(&pid).and_then(|p| p.actions.get(sig).copied()).unwrap_or_default();
                [act.handler, act.flags]
            }
            op::ACTION_MASK => {
                let sig = a[1] as usize;
                let act = self.processes.get(&pid).and_then(|p| p.actions.get(sig).copied()).unwrap_or_default();
                // SA_RESETHAND: the handler runs once, then the default comes back.
                if act.flags & 0x8000_0000 != 0 {
                    if let Some(p) = self.processes.get_mut(&pid) {
                        p.actions[sig] = SigAction::default();
                    }
                }
                [act.mask, 0]
            }
            op::MASK => {
                let Some(t) = self.threads.get_mut(&tid) else { return Ok([err(libc::ESRCH), 0]) };
                let old = t.sigmask;
                if a[1] == 1 {
                    t.sigmask = a[2] & !UNBLOCKABLE;
                }
                [old, 0]
            }
            op::SAVE_MASK => {
                if let Some(t) = self.threads.get_mut(&tid) {
                    t.saved_mask = Some(a[1]);
                }
                [0, 0]
            }
            op::TAKE_SAVED_MASK => match self.threads.get_mut(&tid).and_then(|t| t.saved_mask.take()) {
                Some(m) => [1, m],
                None => [0, 0],
            },
            op::ALTSTACK => {
                let t = self.threads.get(&tid).map_or((0, 2, 0), |t| t.altstack);
                [t.0, t.1 as u64 | (t.2 << 32)]
            }
            op::KILL_SELF => {
                self.end_process(pid, ExitStatus::Signaled(a[1] as u8));
                [0, 0]
            }
            nr::GETPID => [pid as u64, 0],
            nr::GETTID => [tid as u64, 0],
            nr::GETPPID => [self.processes.get(&pid).map_or(0, |p| p.ppid) as u64, 0],
            nr::GETPGID => {
                let who = if s[0] == 0 { pid } else { s[0] as Pid };
                match self.processes.get(&who) {
                    Some(p) => [p.pgid as u64, 0],
                    None => [err(libc::ESRCH), 0],
                }
            }
            nr::SETPGID => {
                let who = if s[0] == 0 { pid } else { s[0] as Pid };
                let pg = if s[1] == 0 { who } else { s[1] as Pid };
                match self.processes.get_mut(&who) {
                    Some(p) => {
                        p.pgid = pg;
                        [0, 0]
                    }
                    None => [err(libc::ESRCH), 0],
                }
            }
            nr::GETSID => [self.processes.get(&pid).map_or(0, |p| p.sid) as u64, 0],
            nr::SETSID => match self.processes.get_mut(&pid) {
                Some(p) if p.pgid != pid => {
                    p.sid = pid;
                    p.pgid = pid;
                    [pid as u64, 0]
                }
                _ => [err(libc::EPERM), 0],
            },
            nr::SET_TID_ADDRESS => {
                if let Some(t) = self.threads.get_mut(&tid) {
                    t.clear_child_tid = s[0];
                }
                [tid as u64, 0]
            }
            nr::GETUID | nr::GETEUID | nr::GETGID | nr::GETEGID => [0, 0],
            nr::WAIT4 => return self.wait4(env, pid, tid, s),
            nr::KILL => [self.kill(pid, s[0] as i64 as i32 as i64, s[1] as u32), 0],
            nr::TGKILL | nr::TKILL => {
                let (tgid, t, sig) = if op == nr::TGKILL { (s[0] as Pid, s[1] as Pid, s[2] as u32) } else { (0, s[0] as Pid, s[1] as u32) };
                match self.threads.get(&t) {
                    Some(th) if tgid == 0 || th.pid == tgid => {
                        let p = th.pid;
                        self.send(p, Some(t), sig);
                        [0, 0]
                    }
                    _ => [err(libc::ESRCH), 0],
                }
            }
            nr::RT_SIGACTION => return self.sigaction(env, pid, s),
            nr::RT_SIGPROCMASK => return self.sigprocmask(env, tid, s),
            nr::RT_SIGPENDING => {
                let t = self.threads.get(&tid).map_or(0, |t| t.pending);
                let p = self.processes.get(&pid).map_or(0, |p| p.pending);
                env.write(s[0], &(t | p).to_le_bytes())?;
                [0, 0]
            }
            nr::SIGALTSTACK => {
                let (new, old) = (s[0], s[1]);
                let cur = self.threads.get(&tid).map_or((0, 2, 0), |t| t.altstack);
                if old != 0 {
                    let mut b = [0u8; 24];
                    b[0..8].copy_from_slice(&cur.0.to_le_bytes());
                    b[8..12].copy_from_slice(&cur.1.to_le_bytes());
                    b[16..24].copy_from_slice(&cur.2.to_le_bytes());
                    env.write(old, &b)?;
                }
                if new != 0 {
                    let mut b = [0u8; 24];
                    env.read(new, &mut b)?;
                    let sp = u64::from_le_bytes(b[0..8].try_into().unwrap_or_default());
                    let flags = u32::from_le_bytes(b[8..12].try_into().unwrap_or_default());
                    let size = u64::from_le_bytes(b[16..24].try_into().unwrap_or_default());
                    if flags & 2 == 0 && size < 2048 {
                        return Ok([err(libc::ENOMEM), 0]);
                    }
                    if let Some(t) = self.threads.get_mut(&tid) {
                        t.altstack = if flags & 2 != 0 { (0, 2, 0) } else { (sp, 0, size) };
                    }
                }
                [0, 0]
            }
            nr::SCHED_YIELD => {
                // Move to the back of the run queue: the runner rotates after a stop.
                [0, 0]
            }
            nr::UMASK => match self.processes.get_mut(&pid) {
                Some(p) => {
                    let old = p.umask;
                    p.umask = s[0] as u32 & 0o777;
                    [old as u64, 0]
                }
                None => [err(libc::ESRCH), 0],
            },
            _ => [err(libc::ENOSYS), 0],
        })
    }
}

/// Lends needed by the proc syscalls that take pointers (for the personality).
pub fn lends(op: u64, a: &[u64; 6]) -> Vec<Lend> {
    match op {
        nr::WAIT4 if a[1] != 0 => vec![Lend::write(a[1], 4)],
        nr::RT_SIGACTION => {
            let mut v = Vec::new();
            if a[1] != 0 {
                v.push(Lend::read(a[1], 24));
            }
            if a[2] != 0 {
                v.push(Lend::write(a[2], 24));
            }
            v
        }
        nr::RT_SIGPROCMASK => {
            let mut v = Vec::new();
            if a[1] != 0 {
                v.push(Lend::read(a[1], 8));
            }
            if a[2] != 0 {
                v.push(Lend::write(a[2], 8));
            }
            v
        }
        nr::RT_SIGPENDING => vec![Lend::write(a[0], 8)],
        nr::SIGALTSTACK => {
            let mut v = Vec::new();
            if a[0] != 0 {
                v.push(Lend::read(a[0], 24));
            }
            if a[1] != 0 {
                v.push(Lend::write(a[1], 24));
            }
            v
        }
        _ => Vec::new(),
    }
}

/// Initial register context for a new thread or process.
pub fn initial_context(pc: u64, sp: u64) -> Context {
    let mut c = Context { pc, ..Context::default() };
    c.x[reg::SP] = sp;
    c
}
