//! Signal bookkeeping of proc: sending (kill, tgkill, sigqueue), choosing the thread
//! that takes a process-wide signal, dispositions, masks, the alternate stack,
//! sigtimedwait, and committing a delivery the personality then builds on the stack.

use super::{action, op, signal_key, u64_at, Pid, Proc, SigAction, Thread, ThreadState, SIG_DFL, SIG_IGN};
use crate::sched::Wake;
use crate::service::{err, Env};
use crate::sigqueue::{code, default_action, first_of, sig, sigbit, DefaultAction, SigInfo, STOP_SIGNALS, UNBLOCKABLE};
use crate::sysno as nr;
use machine::Fault;

/// Size of the delivery record DELIVER writes: the siginfo (128 bytes), then handler,
/// flags, the mask the frame restores, and the alternate stack (sp, size, flags), each
/// a little-endian u64.
pub const DELIVERY_SIZE: usize = 176;

const SA_NODEFER: u64 = 0x4000_0000;
const SA_RESETHAND: u64 = 0x8000_0000;
const SA_RESTART: u64 = 0x1000_0000;
const SS_ONSTACK: u32 = 1;
const SS_DISABLE: u32 = 2;
const SS_AUTODISARM: u32 = 1 << 31;
/// MINSIGSTKSZ of riscv64.
const MIN_SIGSTACK: u64 = 2048;

impl Proc {
    /// Signals deliverable to `tid` (pending and not blocked).
    pub fn deliverable(&self, tid: Pid) -> u64 {
        let Some(t) = self.threads.get(&tid) else { return 0 };
        let pp = self.processes.get(&t.pid).map_or(0, |p| p.pending.set);
        (t.pending.set | pp) & !(t.sigmask & !UNBLOCKABLE)
    }

    /// What delivering `sig` to process `pid` does now (an `action` code).
    pub fn action_of(&self, pid: Pid, signo: u32) -> u64 {
        let act = self.processes.get(&pid).and_then(|p| p.actions.get(signo as usize).copied()).unwrap_or_default();
        if signo == sig::SIGKILL {
            return action::TERMINATE;
        }
        match act.handler {
            SIG_IGN => action::IGNORE,
            SIG_DFL => match default_action(signo) {
                DefaultAction::Ignore => action::IGNORE,
                DefaultAction::Stop => action::STOP,
                DefaultAction::Terminate | DefaultAction::Core => action::TERMINATE,
            },
            _ if act.flags & SA_RESTART != 0 => action::HANDLER_RESTART,
            _ => action::HANDLER,
        }
    }

    /// Queues a signal for process `pid` (thread = None) or one of its threads, and
    /// wakes a blocked thread that can take it if no running one can. A signal whose
    /// disposition ignores it is dropped at once unless some target blocks or awaits it
    /// (it may be unblocked after a handler is installed, or taken by sigwait).
    pub fn send(&mut self, pid: Pid, thread: Option<Pid>, info: SigInfo) {
        let signo = info.signo;
        let bit = sigbit(signo);
        if bit == 0 {
            return;
        }
        let Some(p) = self.processes.get(&pid) else { return };
        // init has no handlers: Linux drops a signal for a namespace's init it has no
        // handler for (SIGKILL and SIGSTOP from inside the namespace included).
        if p.exit.is_some() || self.is_held_init(pid) {
            return;
        }
        if self.forward_to_host(pid, &info) {
            return;
        }
        // Job control acts when the signal is sent, whatever its disposition: a stop
        // signal cancels a pending SIGCONT and the reverse, SIGCONT continues a
        // stopped process, and SIGKILL must find it able to run.
        if bit & STOP_SIGNALS != 0 {
            self.discard(pid, sigbit(sig::SIGCONT));
        } else if signo == sig::SIGCONT {
            self.discard(pid, STOP_SIGNALS);
            self.continue_process(pid, true);
        } else if signo == sig::SIGKILL {
            self.continue_process(pid, false);
        }
        let Some(p) = self.processes.get(&pid) else { return };
        let targets: Vec<Pid> = match thread {
            Some(t) => vec![t],
            None => p.threads.clone(),
        };
        let held = |t: &Thread| (t.sigmask | t.sigwait) & bit != 0;
        if self.action_of(pid, signo) == action::IGNORE && !targets.iter().any(|t| self.threads.get(t).is_some_and(held)) {
            return;
        }
        // Past RLIMIT_SIGPENDING, a real-time signal from kill() loses its siginfo
        // (Linux's __send_signal): it is pending once, so an instance already queued
        // stands for it and nothing more is queued.
        if signo >= sig::SIGRTMIN && info.code == code::SI_USER && self.sigpending_full(pid) {
            let pending = match thread {
                Some(t) => self.threads.get(&t).map_or(0, |t| t.pending.set),
                None => p.pending.set,
            };
            if pending & bit != 0 {
                return;
            }
        }
        let queued = match thread {
            Some(t) => self.threads.get_mut(&t).is_some_and(|t| t.pending.push(info)),
            None => self.processes.get_mut(&pid).is_some_and(|p| p.pending.push(info)),
        };
        if !queued {
            return;
        }
        let takes = |t: &Thread| bit & UNBLOCKABLE != 0 || t.sigmask & bit == 0 || t.sigwait & bit != 0;
        let candidates: Vec<&Thread> = targets.iter().filter_map(|t| self.threads.get(t)).filter(|t| takes(t)).collect();
        // A running thread that can take it will, at its next syscall or interrupt.
        if candidates.iter().any(|t| t.state == ThreadState::Runnable) {
            return;
        }
        let chosen = candidates.iter().find(|t| matches!(t.state, ThreadState::Blocked(_))).map(|t| (t.tid, t.sigwait & bit != 0));
        if let Some((tid, awaited)) = chosen {
            // sigtimedwait takes it as its result; anything else is interrupted by it.
            self.wake_thread(tid, if awaited { Wake::Key } else { Wake::Signal });
        }
    }

    /// Takes the signal to deliver next out of `allowed`: the thread's own queue first,
    /// then the process's, as Linux's dequeue_signal.
    pub fn dequeue(&mut self, tid: Pid, allowed: u64) -> Option<SigInfo> {
        let t = self.threads.get_mut(&tid)?;
        let pid = t.pid;
        let info = match first_of(t.pending.set & allowed) {
            Some(s) => t.pending.take(s),
            None => {
                let p = self.processes.get_mut(&pid)?;
                let s = first_of(p.pending.set & allowed)?;
                p.pending.take(s)
            }
        }?;
        self.ptimer_taken(pid, &info);
        Some(info)
    }

    /// Drops pending instances of the signals in `mask` everywhere in process `pid`.
    fn discard(&mut self, pid: Pid, mask: u64) {
        let Some(p) = self.processes.get_mut(&pid) else { return };
        p.pending.discard(mask);
        for t in p.threads.clone() {
            if let Some(t) = self.threads.get_mut(&t) {
                t.pending.discard(mask);
            }
        }
    }

    /// DELIVER: dequeues the caller's next deliverable signal, dropping ignored ones,
    /// and for a handler commits the delivery (mask, SA_RESETHAND). The record goes to
    /// `buf`.
    fn deliver(&mut self, env: &mut dyn Env, pid: Pid, tid: Pid, buf: u64) -> Result<[u64; 2], Fault> {
        loop {
            let Some(t) = self.threads.get(&tid) else { return Ok([0, action::NONE]) };
            let allowed = !(t.sigmask & !UNBLOCKABLE);
            let Some(info) = self.dequeue(tid, allowed) else { return Ok([0, action::NONE]) };
            let what = self.action_of(pid, info.signo);
            if what == action::IGNORE {
                continue;
            }
            if what == action::STOP {
                self.stop_process(pid, info.signo);
                return Ok([info.signo as u64, what]);
            }
            let act = self.processes.get(&pid).and_then(|p| p.actions.get(info.signo as usize).copied()).unwrap_or_default();
            let mut rec = [0u8; DELIVERY_SIZE];
            rec[..128].copy_from_slice(&info.to_bytes());
            if what != action::TERMINATE {
                let Some(t) = self.threads.get_mut(&tid) else { return Ok([0, action::NONE]) };
                let frame_mask = t.saved_mask.take().unwrap_or(t.sigmask);
                let mut mask = t.sigmask | act.mask;
                if act.flags & SA_NODEFER == 0 {
                    mask |= sigbit(info.signo);
                }
                t.sigmask = mask & !UNBLOCKABLE;
                let (ss_sp, ss_flags, ss_size) = t.altstack;
                let words = [act.handler, act.flags, frame_mask, ss_sp, ss_size, ss_flags as u64];
                for (i, w) in words.iter().enumerate() {
                    rec[128 + i * 8..136 + i * 8].copy_from_slice(&w.to_le_bytes());
                }
                if act.flags & SA_RESETHAND != 0 {
                    // Only the handler goes back to SIG_DFL: the flags and mask stay, as
                    // Linux's signal_delivered leaves them (sigaction reads SA_SIGINFO after).
                    if let Some(p) = self.processes.get_mut(&pid) {
                        p.actions[info.signo as usize].handler = 0;
                    }
                }
            }
            env.write(buf, &rec)?;
            return Ok([info.signo as u64, what]);
        }
    }

    /// FORCE: a synchronous fault signal for the caller, with Linux's force_sig_fault
    /// rule: if the program blocks or ignores it, it gets the default action.
    fn force(&mut self, pid: Pid, tid: Pid, signo: u32, si_code: i32, addr: u64) {
        let bit = sigbit(signo);
        if bit == 0 {
            return;
        }
        let blocked = self.threads.get(&tid).is_some_and(|t| t.sigmask & bit != 0);
        if let Some(p) = self.processes.get_mut(&pid) {
            let act = &mut p.actions[signo as usize];
            if blocked || act.handler == SIG_IGN {
                *act = SigAction::default();
            }
        }
        if let Some(t) = self.threads.get_mut(&tid) {
            t.sigmask &= !bit;
            t.pending.push(SigInfo { signo, code: si_code, pid: 0, uid: 0, value: addr });
        }
    }

    fn kill(&mut self, me: Pid, target: i64, signo: u32) -> u64 {
        if signo > 64 {
            return err(libc::EINVAL);
        }
        let alive = |p: &&super::Process| p.exit.is_none();
        let targets: Vec<Pid> = match target {
            // A zombie can be signalled (to no effect) until it is reaped, as on Linux.
            // Any thread id names its process (Linux's kill_pid_info).
            t if t > 0 => self.processes.get(&(t as Pid)).map(|p| p.pid).or_else(|| self.threads.get(&(t as Pid)).map(|th| th.pid)).into_iter().collect(),
            0 => {
                let pg = self.processes.get(&me).map_or(0, |p| p.pgid);
                self.processes.values().filter(alive).filter(|p| p.pgid == pg).map(|p| p.pid).collect()
            }
            // Everyone but the caller and init (Linux: pids above 1).
            -1 => self.processes.values().filter(alive).filter(|p| p.pid != me && p.pid > super::INIT_PID).map(|p| p.pid).collect(),
            t => self.processes.values().filter(alive).filter(|p| p.pgid == t.unsigned_abs() as Pid).map(|p| p.pid).collect(),
        };
        if targets.is_empty() {
            return err(libc::ESRCH);
        }
        // Linux (kill_something_info): one process answers its own error; a group
        // succeeds if any member could be signalled, else answers the last error;
        // kill(-1) succeeds whenever there was someone to try.
        let group = target <= 0;
        let (mut sent, mut last) = (false, 0);
        for p in targets {
            match self.may_signal(me, p, signo) {
                Ok(()) => {
                    sent = true;
                    if signo != 0 {
                        self.send(p, None, self.user_info(signo, code::SI_USER, me));
                    }
                }
                Err(e) => last = err(e),
            }
        }
        match (group, sent) {
            (_, true) => 0,
            (true, false) if target == -1 => 0,
            _ => last,
        }
    }

    /// kill(2)'s permission rule (creds::may_kill) for a signal from process `me`
    /// to process `target`.
    pub fn may_signal(&self, me: Pid, target: Pid, signo: u32) -> Result<(), i32> {
        let (Some(s), Some(t)) = (self.processes.get(&me), self.processes.get(&target)) else { return Err(libc::ESRCH) };
        let kt = crate::creds::KillTarget { creds: &t.creds, same_process: me == target, same_session: s.sid == t.sid };
        crate::creds::may_kill(&s.creds, kt, signo as i32)
    }

    /// A siginfo from process `me` carrying its real uid (si_uid), as Linux fills it.
    fn user_info(&self, signo: u32, si_code: i32, me: Pid) -> SigInfo {
        let mut info = SigInfo::from(signo, si_code, me);
        info.uid = self.processes.get(&me).map_or(0, |p| p.creds.uid);
        info
    }

    /// Whether a real-time signal with `info` cannot be queued to process `pid`
    /// (Linux's __send_signal: a queued siginfo beyond RLIMIT_SIGPENDING is refused with
    /// EAGAIN unless it was sent by kill(), SI_USER). Counts the process's own queues:
    /// grantix keeps no per-user count.
    fn rt_queue_full(&self, pid: Pid, info: &SigInfo) -> bool {
        info.signo >= sig::SIGRTMIN && info.code != code::SI_USER && self.sigpending_full(pid)
    }

    /// Whether process `pid` has RLIMIT_SIGPENDING siginfos queued.
    fn sigpending_full(&self, pid: Pid) -> bool {
        let Some(p) = self.processes.get(&pid) else { return false };
        let limit = p.rlimits.get(libc::RLIMIT_SIGPENDING as usize).map_or(u64::MAX, |l| l.0);
        let queued = p.pending.queued() + p.threads.iter().filter_map(|t| self.threads.get(t)).map(|t| t.pending.queued()).sum::<usize>();
        queued as u64 >= limit
    }

    /// tkill, tgkill (tgid 0 = any process) and rt_tgsigqueueinfo.
    fn kill_thread(&mut self, me: Pid, tgid: Pid, tid: Pid, info: SigInfo) -> u64 {
        // Linux: a tid (or a given tgid) that is not positive is EINVAL, before the signal.
        if tid as i32 <= 0 || (tgid as i32) < 0 {
            return err(libc::EINVAL);
        }
        if info.signo > 64 {
            return err(libc::EINVAL);
        }
        match self.threads.get(&tid) {
            Some(th) if tgid == 0 || th.pid == tgid => {
                let p = th.pid;
                if let Err(e) = self.may_signal(me, p, info.signo) {
                    return err(e);
                }
                if info.signo != 0 && self.rt_queue_full(p, &info) {
                    return err(libc::EAGAIN);
                }
                if info.signo != 0 {
                    self.send(p, Some(tid), info);
                }
                0
            }
            _ => err(libc::ESRCH),
        }
    }

    fn sigaction(&mut self, env: &mut dyn Env, pid: Pid, a: [u64; 6]) -> Result<[u64; 2], Fault> {
        let (signo, act, old, size) = (a[0] as u32, a[1], a[2], a[3]);
        if !(1..=64).contains(&signo) || size != 8 || (act != 0 && sigbit(signo) & UNBLOCKABLE != 0) {
            return Ok([err(libc::EINVAL), 0]);
        }
        let Some(p) = self.processes.get(&pid) else { return Ok([err(libc::ESRCH), 0]) };
        let cur = p.actions[signo as usize];
        let new = if act != 0 {
            let mut b = [0u8; 24];
            env.read(act, &mut b)?;
            Some(SigAction { handler: u64_at(&b, 0), flags: u64_at(&b, 8), mask: u64_at(&b, 16) & !UNBLOCKABLE })
        } else {
            None
        };
        if old != 0 {
            // struct sigaction on riscv64: handler, flags, mask (no sa_restorer).
            let mut b = [0u8; 24];
            b[0..8].copy_from_slice(&cur.handler.to_le_bytes());
            b[8..16].copy_from_slice(&cur.flags.to_le_bytes());
            b[16..24].copy_from_slice(&cur.mask.to_le_bytes());
            env.write(old, &b)?;
        }
        if let Some(new) = new {
            if let Some(p) = self.processes.get_mut(&pid) {
                p.actions[signo as usize] = new;
            }
            // A signal that is now ignored is discarded if pending (POSIX).
            if self.action_of(pid, signo) == action::IGNORE {
                self.discard(pid, sigbit(signo));
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

    /// sigaltstack(new, old) with a[2] = the caller's sp (to tell whether it runs on
    /// the alternate stack now).
    fn sigaltstack(&mut self, env: &mut dyn Env, tid: Pid, a: [u64; 6]) -> Result<[u64; 2], Fault> {
        let (new, old, sp) = (a[0], a[1], a[2]);
        let cur = self.threads.get(&tid).map_or((0, SS_DISABLE, 0), |t| t.altstack);
        let on_it = cur.1 & SS_DISABLE == 0 && sp > cur.0 && sp <= cur.0.wrapping_add(cur.2);
        if old != 0 {
            let mut b = [0u8; 24];
            b[0..8].copy_from_slice(&cur.0.to_le_bytes());
            let flags = if on_it { SS_ONSTACK } else { cur.1 };
            b[8..12].copy_from_slice(&flags.to_le_bytes());
            b[16..24].copy_from_slice(&cur.2.to_le_bytes());
            env.write(old, &b)?;
        }
        if new != 0 {
            let mut b = [0u8; 24];
            env.read(new, &mut b)?;
            let (ss_sp, size) = (u64_at(&b, 0), u64_at(&b, 16));
            let flags = u32::from_le_bytes([b[8], b[9], b[10], b[11]]);
            if on_it {
                return Ok([err(libc::EPERM), 0]);
            }
            let mode = flags & !SS_AUTODISARM;
            if mode != 0 && mode != SS_DISABLE && mode != SS_ONSTACK {
                return Ok([err(libc::EINVAL), 0]);
            }
            if mode != SS_DISABLE && size < MIN_SIGSTACK {
                return Ok([err(libc::ENOMEM), 0]);
            }
            if let Some(t) = self.threads.get_mut(&tid) {
                t.altstack = if mode == SS_DISABLE { (0, SS_DISABLE, 0) } else { (ss_sp, flags & SS_AUTODISARM, size) };
            }
        }
        Ok([0, 0])
    }

    /// rt_sigtimedwait(set, info, timeout, sigsetsize): takes a pending signal of `set`
    /// without running its handler, or waits for one.
    fn sigtimedwait(&mut self, env: &mut dyn Env, tid: Pid, wake: Option<Wake>, a: [u64; 6]) -> Result<[u64; 2], Fault> {
        let (set_ptr, info_ptr, timeout, size) = (a[0], a[1], a[2], a[3]);
        if size != 8 {
            return Ok([err(libc::EINVAL), 0]);
        }
        let mut b = [0u8; 8];
        env.read(set_ptr, &mut b)?;
        let set = u64::from_le_bytes(b) & !UNBLOCKABLE;
        if let Some(info) = self.dequeue(tid, set) {
            if info_ptr != 0 {
                env.write(info_ptr, &info.to_bytes())?;
            }
            return Ok([info.signo as u64, 0]);
        }
        match wake {
            Some(Wake::Timeout) => return Ok([err(libc::EAGAIN), 0]),
            Some(Wake::Signal) => return Ok([err(libc::EINTR), 0]),
            _ => {}
        }
        if timeout != 0 {
            let mut t = [0u8; 16];
            env.read(timeout, &mut t)?;
            let (s, ns) = (u64_at(&t, 0) as i64, u64_at(&t, 8) as i64);
            if s < 0 || !(0..1_000_000_000).contains(&ns) {
                return Ok([err(libc::EINVAL), 0]);
            }
            let total = (s as u128 * 1_000_000_000 + ns as u128).min(u64::MAX as u128 - 1) as u64;
            if total == 0 {
                return Ok([err(libc::EAGAIN), 0]);
            }
            if let Some(t) = self.threads.get_mut(&tid) {
                if t.deadline.is_none() {
                    t.deadline = crate::clock::now().checked_add(std::time::Duration::from_nanos(total));
                }
            }
        }
        if let Some(t) = self.threads.get_mut(&tid) {
            t.sigwait = set;
        }
        Ok(super::block(signal_key(tid)))
    }

    /// rt_sigqueueinfo and rt_tgsigqueueinfo: a program may only claim a kernel-ish
    /// si_code (>= 0, or SI_TKILL) when it signals itself.
    fn sigqueueinfo(&mut self, env: &mut dyn Env, me: Pid, op: u64, s: [u64; 6]) -> Result<[u64; 2], Fault> {
        let (tgid, tid, signo, uinfo) = if op == nr::RT_SIGQUEUEINFO { (s[0] as Pid, None, s[1] as u32, s[2]) } else { (s[0] as Pid, Some(s[1] as Pid), s[2] as u32, s[3]) };
        if signo > 64 || tid.is_some_and(|t| t as i32 <= 0 || tgid as i32 <= 0) {
            return Ok([err(libc::EINVAL), 0]);
        }
        // Linux's kill_proc_info finds the process by any of its thread ids.
        let tgid = match tid {
            None if !self.processes.contains_key(&tgid) => self.threads.get(&tgid).map_or(tgid, |t| t.pid),
            _ => tgid,
        };
        let mut b = [0u8; 128];
        env.read(uinfo, &mut b)?;
        let info = SigInfo::from_bytes(signo, &b);
        if tgid != me && (info.code >= 0 || info.code == code::SI_TKILL) {
            return Ok([err(libc::EPERM), 0]);
        }
        Ok([
            match tid {
                Some(t) => self.kill_thread(me, tgid, t, info),
                None => match self.processes.get(&tgid) {
                    Some(p) if p.exit.is_none() => {
                        if let Err(e) = self.may_signal(me, tgid, signo) {
                            return Ok([err(e), 0]);
                        }
                        if signo != 0 && self.rt_queue_full(tgid, &info) {
                            return Ok([err(libc::EAGAIN), 0]);
                        }
                        if signo != 0 {
                            self.send(tgid, None, info);
                        }
                        0
                    }
                    _ => err(libc::ESRCH),
                },
            },
            0,
        ])
    }

    /// The signal ops and syscalls of proc; None if `op` is not one of them.
    pub(super) fn signal_op(&mut self, env: &mut dyn Env, op: u64, pid: Pid, tid: Pid, wake: Option<Wake>, s: [u64; 6]) -> Result<Option<[u64; 2]>, Fault> {
        Ok(Some(match op {
            op::NEXT_SIGNAL => match first_of(self.deliverable(tid)) {
                Some(signo) => [signo as u64, self.action_of(pid, signo)],
                None => [0, action::NONE],
            },
            op::DELIVER => return self.deliver(env, pid, tid, s[0]).map(Some),
            op::FORCE => {
                self.force(pid, tid, s[0] as u32, s[1] as i32, s[2]);
                [0, 0]
            }
            op::ACTION => {
                let act = self.processes.get(&pid).and_then(|p| p.actions.get(s[0] as usize).copied()).unwrap_or_default();
                [act.handler, act.flags]
            }
            op::MASK => {
                let Some(t) = self.threads.get_mut(&tid) else { return Ok(Some([err(libc::ESRCH), 0])) };
                let old = t.sigmask;
                if s[0] == 1 {
                    t.sigmask = s[1] & !UNBLOCKABLE;
                }
                [old, 0]
            }
            op::SAVE_MASK => {
                if let Some(t) = self.threads.get_mut(&tid) {
                    t.saved_mask = Some(s[0]);
                }
                [0, 0]
            }
            op::TAKE_SAVED_MASK => match self.threads.get_mut(&tid).and_then(|t| t.saved_mask.take()) {
                Some(m) => [1, m],
                None => [0, 0],
            },
            op::ALTSTACK => {
                let t = self.threads.get(&tid).map_or((0, SS_DISABLE, 0), |t| t.altstack);
                [t.0, t.1 as u64 | (t.2 << 32)]
            }
            op::KILL_SELF => {
                let core = self.dumps_core(pid, s[0] as u32);
                self.end_process(pid, super::ExitStatus::Signaled { sig: s[0] as u8, core });
                [0, 0]
            }
            nr::KILL => [self.kill(pid, s[0] as i32 as i64, s[1] as u32), 0],
            nr::TKILL => [self.kill_thread(pid, 0, s[0] as Pid, self.user_info(s[1] as u32, code::SI_TKILL, pid)), 0],
            // tgkill's tgid must be positive too (tkill's 0 means any process).
            nr::TGKILL if s[0] as i32 <= 0 => [err(libc::EINVAL), 0],
            nr::TGKILL => [self.kill_thread(pid, s[0] as Pid, s[1] as Pid, self.user_info(s[2] as u32, code::SI_TKILL, pid)), 0],
            nr::RT_SIGQUEUEINFO | nr::RT_TGSIGQUEUEINFO => return self.sigqueueinfo(env, pid, op, s).map(Some),
            nr::RT_SIGACTION => return self.sigaction(env, pid, s).map(Some),
            nr::RT_SIGPROCMASK => return self.sigprocmask(env, tid, s).map(Some),
            nr::RT_SIGPENDING => {
                if s[1] > 8 {
                    return Ok(Some([err(libc::EINVAL), 0]));
                }
                let t = self.threads.get(&tid).map_or(0, |t| t.pending.set & t.sigmask);
                let p = self.processes.get(&pid).map_or(0, |p| p.pending.set);
                let mask = self.threads.get(&tid).map_or(0, |t| t.sigmask);
                let bytes = (t | (p & mask)).to_le_bytes();
                env.write(s[0], &bytes[..s[1] as usize])?;
                [0, 0]
            }
            nr::SIGALTSTACK => return self.sigaltstack(env, tid, s).map(Some),
            nr::RT_SIGTIMEDWAIT => return self.sigtimedwait(env, tid, wake, s).map(Some),
            _ => return Ok(None),
        }))
    }

    /// Whether death by `signo` reports a core dump for process `pid`: its default
    /// action dumps core and RLIMIT_CORE is not zero.
    pub fn dumps_core(&self, pid: Pid, signo: u32) -> bool {
        default_action(signo) == DefaultAction::Core && self.processes.get(&pid).is_some_and(|p| p.rlimits[libc::RLIMIT_CORE as usize].0 != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proc::ExitStatus;

    /// A process 100 (threads 100 and 101) and its child 102.
    fn table() -> Proc {
        let mut p = Proc::new();
        p.add_process(100, 1, 1, 2, 0, "/bin/a".into(), Vec::new());
        p.add_thread(101, 100, 1, 0);
        p.add_process(102, 100, 1, 3, 2, "/bin/a".into(), Vec::new());
        p.run_queue.clear();
        p
    }

    fn handler(p: &mut Proc, pid: Pid, signo: u32, flags: u64) {
        if let Some(pr) = p.processes.get_mut(&pid) {
            pr.actions[signo as usize] = SigAction { handler: 0x1000, flags, mask: 0 };
        }
    }

    #[test]
    fn a_process_signal_goes_to_a_thread_that_does_not_block_it() {
        let mut p = table();
        handler(&mut p, 100, 10, 0);
        p.threads.get_mut(&100).map(|t| t.sigmask = sigbit(10));
        p.send(100, None, SigInfo::from(10, code::SI_USER, 7));
        assert_eq!(p.deliverable(100), 0);
        assert_eq!(p.deliverable(101), sigbit(10));
        let info = p.dequeue(101, u64::MAX).map(|i| (i.signo, i.code, i.pid));
        assert_eq!(info, Some((10, code::SI_USER, 7)));
    }

    #[test]
    fn ignored_signals_are_dropped_unless_blocked() {
        let mut p = table();
        p.send(100, None, SigInfo::from(sig::SIGCHLD, code::SI_USER, 1));
        assert_eq!(p.processes[&100].pending.set, 0);
        for t in [100, 101] {
            p.threads.get_mut(&t).map(|t| t.sigmask = sigbit(sig::SIGCHLD));
        }
        p.send(100, None, SigInfo::from(sig::SIGCHLD, code::SI_USER, 1));
        assert_eq!(p.processes[&100].pending.set, sigbit(sig::SIGCHLD));
    }

    #[test]
    fn a_blocked_thread_is_woken_with_the_reason_signal() {
        let mut p = table();
        handler(&mut p, 100, 10, SA_RESTART);
        p.threads.get_mut(&100).map(|t| t.state = ThreadState::Blocked(Default::default()));
        p.threads.get_mut(&101).map(|t| t.sigmask = sigbit(10));
        p.send(100, None, SigInfo::from(10, code::SI_USER, 1));
        assert_eq!(p.threads[&100].wake, Some(Wake::Signal));
        assert_eq!(p.action_of(100, 10), action::HANDLER_RESTART);
    }

    #[test]
    fn stop_and_continue_are_reported_to_the_parent() {
        let mut p = table();
        p.send(102, None, SigInfo::from(sig::SIGSTOP, code::SI_USER, 100));
        assert_eq!(p.action_of(102, sig::SIGSTOP), action::STOP);
        let taken = p.dequeue(102, u64::MAX).map(|i| i.signo);
        assert_eq!(taken, Some(sig::SIGSTOP));
        p.stop_process(102, sig::SIGSTOP);
        assert!(p.is_stopped(102));
        assert_eq!(p.processes[&102].report, Some(super::super::stop::JobReport::Stopped(sig::SIGSTOP)));
        p.send(102, None, SigInfo::from(sig::SIGCONT, code::SI_USER, 100));
        assert!(!p.is_stopped(102));
        assert_eq!(p.processes[&102].report, Some(super::super::stop::JobReport::Continued));
        // SIGCHLD (ignored by default) was dropped; the wait report is what counts.
        assert_eq!(p.processes[&100].pending.set, 0);
    }

    /// Gives process `pid` every id `id` (and the capabilities that go with it).
    fn run_as(p: &mut Proc, pid: Pid, id: u32) {
        p.processes.get_mut(&pid).map(|pr| pr.creds = crate::creds::Creds::with_ids(id, id));
    }

    #[test]
    fn kill_needs_matching_ids_or_cap_kill() {
        let mut p = table();
        run_as(&mut p, 100, 0);
        run_as(&mut p, 102, 1000);
        // Children inherit their parent's credentials.
        p.add_process(103, 102, 1, 4, 3, "/bin/a".into(), Vec::new());
        assert_eq!(p.processes[&103].creds, p.processes[&102].creds);
        // Unprivileged 102 may not signal root's 100, even with signal 0 ...
        assert_eq!(p.kill(102, 100, 0), err(libc::EPERM));
        assert_eq!(p.kill(102, 100, libc::SIGTERM as u32), err(libc::EPERM));
        assert_eq!(p.processes[&100].pending.set, 0);
        // ... nor one of its threads, but may signal itself and its own-uid child.
        assert_eq!(p.kill_thread(102, 100, 101, SigInfo::from(libc::SIGTERM as u32, code::SI_TKILL, 102)), err(libc::EPERM));
        assert_eq!(p.kill_thread(102, 0, 101, SigInfo::from(libc::SIGTERM as u32, code::SI_TKILL, 102)), err(libc::EPERM));
        assert_eq!(p.kill(102, 102, 0), 0);
        assert_eq!(p.kill(102, 103, 0), 0);
        // Root (CAP_KILL) may signal anyone; the siginfo carries the sender's real uid.
        handler(&mut p, 102, 10, 0);
        assert_eq!(p.kill(100, 102, 10), 0);
        assert_eq!(p.dequeue(102, u64::MAX).map(|i| (i.signo, i.uid)), Some((10, 0)));
        handler(&mut p, 100, 10, 0);
        run_as(&mut p, 103, 0);
        assert_eq!(p.kill(103, 100, 10), 0);
        // A setuid-style change: real uid 1000 may signal a process whose saved uid is 1000.
        p.processes.get_mut(&100).map(|pr| pr.creds.setresuid(0, 0, 1000));
        assert_eq!(p.kill(102, 100, 0), 0);
    }

    #[test]
    fn a_group_kill_succeeds_if_anyone_was_signalled() {
        let mut p = table();
        run_as(&mut p, 100, 0);
        run_as(&mut p, 102, 1000);
        p.add_process(103, 102, 1, 4, 3, "/bin/a".into(), Vec::new());
        // 100 and 102 share a group: 102 may signal only itself there (success).
        let pg = p.processes[&100].pgid;
        assert_eq!(p.processes[&102].pgid, pg);
        assert_eq!(p.kill(102, -(pg as i64), 0), 0);
        // A group of root processes only: EPERM.
        p.processes.get_mut(&100).map(|pr| pr.pgid = 100);
        p.processes.get_mut(&102).map(|pr| pr.pgid = 102);
        p.processes.get_mut(&103).map(|pr| pr.pgid = 102);
        assert_eq!(p.kill(102, -100, 0), err(libc::EPERM));
        // SIGCONT is allowed within the session whatever the ids.
        assert_eq!(p.kill(102, 100, sig::SIGCONT), 0);
        p.processes.get_mut(&100).map(|pr| pr.sid = 100);
        p.processes.get_mut(&102).map(|pr| pr.sid = 102);
        assert_eq!(p.kill(102, 100, sig::SIGCONT), err(libc::EPERM));
        // kill(-1): 0 when there was someone to try, even if all refused (Linux).
        run_as(&mut p, 103, 0);
        assert_eq!(p.kill(102, -1, libc::SIGTERM as u32), 0);
        assert_eq!(p.processes[&100].pending.set | p.processes[&103].pending.set, 0);
    }

    #[test]
    fn death_by_a_core_signal_sets_the_core_bit_only_with_rlimit_core() {
        let mut p = table();
        assert!(!p.dumps_core(102, 11));
        p.processes.get_mut(&102).map(|c| c.rlimits[libc::RLIMIT_CORE as usize].0 = u64::MAX);
        assert!(p.dumps_core(102, 11));
        assert!(!p.dumps_core(102, 15));
        p.end_process(102, ExitStatus::Signaled { sig: 11, core: true });
        assert_eq!(p.processes[&102].exit.map(|e| e.wait_word()), Some(11 | 0x80));
    }
}
