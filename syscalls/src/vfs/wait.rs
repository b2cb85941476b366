//! Blocking in the vfs: how a call that cannot finish yet waits, what wakes it, and
//! what it remembers between its retries.
//!
//! A blocked call returns `[BLOCK, key]`; the thread re-executes the syscall when woken.
//! Three things can wake it: a change of vfs state (every thread waiting on vfs objects
//! registers a key that the next change wakes, once: simple, and correct because the
//! retry re-checks everything), a host descriptor becoming ready (a HOSTFD key; several
//! descriptors are gathered in a per-thread host epoll set so one key covers them), and
//! a deadline (proc's DEADLINE op; the scheduler wakes the thread with `Wake::Timeout`).

use super::host::HostSet;
use crate::proc::op as proc_op;
use crate::sched::{WaitKey, Wake, key, kind};
use crate::service::{BLOCK, Env, ServiceId};
use std::collections::{BTreeMap, BTreeSet};
use std::os::fd::RawFd;
use std::time::Instant;

/// Who is calling: the caller word of the personality, decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Who {
    pub pid: u32,
    pub tid: u32,
    /// Why the thread was woken, if this is a retry of a blocked call.
    pub wake: Option<Wake>,
    /// The caller word without the wake code (what other services take).
    pub word: u64,
}

impl Who {
    /// Decodes the caller word `a0` (pid << 32 | wake << 24 | tid).
    pub fn from_word(w: u64) -> Who {
        Who { pid: (w >> 32) as u32, tid: (w & 0xff_ffff) as u32, wake: Wake::from_code((w >> 24) & 0xff), word: w & !0xff00_0000 }
    }
}

/// What a call remembers between its retries (keyed by thread).
#[derive(Clone, Debug, Default)]
pub struct Retry {
    /// When the call gives up (poll timeouts, SO_RCVTIMEO).
    pub deadline: Option<Instant>,
    /// Whether `deadline` was computed (so a retry does not restart the clock).
    pub started: bool,
    /// Bytes a blocking write or send has moved so far.
    pub progress: u64,
    /// The call replaced the signal mask (ppoll, pselect6, epoll_pwait).
    pub mask_set: bool,
}

/// The vfs's waiting machinery.
#[derive(Debug, Default)]
pub struct Waits {
    /// Keys of threads waiting for any change of vfs state; each is woken (and
    /// forgotten) at the next change.
    waiters: BTreeSet<WaitKey>,
    /// Per-thread retry state of the call in progress.
    retry: BTreeMap<u32, Retry>,
    /// Per-thread host epoll set, kept until the thread's next wait replaces it.
    host_sets: BTreeMap<u32, HostSet>,
    /// The key the current call waits on, registered once the call has returned.
    pending: Option<WaitKey>,
}

/// What a call waits for.
#[derive(Debug)]
pub struct WaitSet {
    /// Host descriptors and poll events.
    pub host: Vec<(RawFd, i16)>,
    /// The earliest time something becomes ready by itself (a timerfd expiring).
    pub wake_at: Option<Instant>,
    /// Whether a change of vfs state may satisfy the call (not for a wait on one host
    /// socket, which only the host can make ready).
    pub vfs: bool,
}

impl Default for WaitSet {
    fn default() -> Self {
        WaitSet { host: Vec::new(), wake_at: None, vfs: true }
    }
}

impl WaitSet {
    /// Adds a host descriptor.
    pub fn host(&mut self, fd: RawFd, events: i16) {
        self.host.push((fd, events));
    }

    /// Adds a time at which readiness changes.
    pub fn at(&mut self, t: Instant) {
        self.wake_at = Some(self.wake_at.map_or(t, |w| w.min(t)));
    }
}

impl Waits {
    /// Starts a call: a call that was not woken is a new one and forgets what an earlier
    /// (interrupted) call of the thread left behind.
    pub fn begin(&mut self, who: Who) {
        if who.wake.is_none() {
            self.retry.remove(&who.tid);
        }
        self.pending = None;
    }

    /// The retry state of the caller's call.
    pub fn retry(&mut self, who: Who) -> &mut Retry {
        self.retry.entry(who.tid).or_default()
    }

    /// The retry state of the caller's call, if it has one.
    pub fn peek(&self, who: Who) -> Option<&Retry> {
        self.retry.get(&who.tid)
    }

    /// The call finished: forget its state.
    pub fn done(&mut self, who: Who) {
        self.retry.remove(&who.tid);
    }

    /// Whether the call's own deadline has passed.
    pub fn expired(&self, who: Who) -> bool {
        // Compared with the clock, not taken from the wake reason: the scheduler's
        // deadline may have been a timer expiry earlier than the call's own.
        self.retry.get(&who.tid).and_then(|r| r.deadline).is_some_and(|d| d <= crate::clock::now())
    }

    /// Blocks the caller until a change of vfs state, one of `set`'s host descriptors,
    /// `set`'s wake time or the call's deadline. Returns the registers of the blocked call.
    pub fn block(&mut self, env: &mut dyn Env, who: Who, set: &WaitSet) -> [u64; 2] {
        let own = self.retry.get(&who.tid).and_then(|r| r.deadline);
        let deadline = match (own, set.wake_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        // proc keeps one deadline per syscall and sets it only once; a retry that
        // waits for a different time (the next timer expiry) replaces it.
        let _ = env.call(ServiceId::Proc, proc_op::FINISH, [who.word, 0, 0, 0, 0, 0], &[]);
        if let Some(d) = deadline {
            let ns = d.saturating_duration_since(crate::clock::now()).as_nanos().clamp(1, u64::MAX as u128 - 1) as u64;
            let _ = env.call(ServiceId::Proc, proc_op::DEADLINE, [who.word, ns, 0, 0, 0, 0], &[]);
        }
        let k = match set.host.as_slice() {
            [] => key(kind::POLL, who.tid as u64),
            [(fd, events)] => key(kind::HOSTFD, *fd as u32 as u64 | (*events as u16 as u64) << 32),
            many => match HostSet::new() {
                Ok(hs) => {
                    for (fd, events) in many {
                        // A descriptor epoll refuses (a regular file) is ready anyway
                        // and would not have been asked for.
                        let _ = hs.add(*fd, *events);
                    }
                    let k = key(kind::HOSTFD, hs.fd() as u32 as u64 | (libc::POLLIN as u16 as u64) << 32);
                    self.host_sets.insert(who.tid, hs);
                    k
                }
                // Without a set, wait on the first one; the others are found at the retry.
                Err(_) => key(kind::HOSTFD, many[0].0 as u32 as u64 | (many[0].1 as u16 as u64) << 32),
            },
        };
        if set.vfs {
            self.pending = Some(k);
        }
        [BLOCK, k]
    }

    /// Wakes every thread waiting for a change of vfs state.
    pub fn notify(&mut self, env: &mut dyn Env) {
        for k in std::mem::take(&mut self.waiters) {
            let _ = env.call(ServiceId::Proc, proc_op::WAKE, [0, k, 0, 0, 0, 0], &[]);
        }
    }

    /// After the call has returned: registers the key it blocked on, if it did.
    pub fn register(&mut self) {
        if let Some(k) = self.pending.take() {
            self.waiters.insert(k);
        }
    }

    /// Whether a signal is deliverable to the caller now (the poll family answers
    /// -EINTR itself: Linux never restarts them after a handler, SA_RESTART or not).
    pub fn signal_pending(&self, env: &mut dyn Env, who: Who) -> bool {
        if who.wake == Some(Wake::Signal) {
            return true;
        }
        // Only a signal that does something interrupts: one that would be discarded
        // (ignored) leaves the call waiting.
        use crate::proc::action;
        matches!(env.call(ServiceId::Proc, proc_op::NEXT_SIGNAL, [who.word, 1, 0, 0, 0, 0], &[]),
            Ok([s, what]) if s != 0 && matches!(what, action::TERMINATE | action::HANDLER | action::HANDLER_RESTART))
    }

    /// Installs `mask` as the caller's signal mask for the rest of the call, saving the
    /// old one the way sigsuspend does: a handler run now returns to the old mask.
    pub fn set_mask(&mut self, env: &mut dyn Env, who: Who, mask: u64) {
        if self.retry(who).mask_set {
            return;
        }
        let w = who.word;
        let old = env.call(ServiceId::Proc, proc_op::MASK, [w, 0, 0, 0, 0, 0], &[]).map_or(0, |r| r[0]);
        let saved = match env.call(ServiceId::Proc, proc_op::TAKE_SAVED_MASK, [w, 0, 0, 0, 0, 0], &[]) {
            Ok([1, m]) => m,
            _ => old,
        };
        let _ = env.call(ServiceId::Proc, proc_op::SAVE_MASK, [w, saved, 0, 0, 0, 0], &[]);
        let _ = env.call(ServiceId::Proc, proc_op::MASK, [w, 1, mask, 0, 0, 0], &[]);
        self.retry(who).mask_set = true;
    }

    /// The call completes without a signal: puts the caller's own mask back.
    pub fn restore_mask(&mut self, env: &mut dyn Env, who: Who) {
        if !self.retry.get(&who.tid).is_some_and(|r| r.mask_set) {
            return;
        }
        if let Ok([1, m]) = env.call(ServiceId::Proc, proc_op::TAKE_SAVED_MASK, [who.word, 0, 0, 0, 0, 0], &[]) {
            let _ = env.call(ServiceId::Proc, proc_op::MASK, [who.word, 1, m, 0, 0, 0], &[]);
        }
        self.retry(who).mask_set = false;
    }

    /// Forgets what a thread left (it exited).
    pub fn forget_thread(&mut self, tid: u32) {
        self.retry.remove(&tid);
        self.host_sets.remove(&tid);
    }
}

/// A deadline `ns` nanoseconds from now (None: wait forever).
pub fn deadline_in(ns: Option<u128>) -> Option<Instant> {
    let ns = ns?;
    let d = std::time::Duration::from_nanos(ns.min(u64::MAX as u128 / 2) as u64);
    crate::clock::now().checked_add(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caller_word_decodes() {
        let w = (100u64 << 32) | (2 << 24) | 101;
        let who = Who::from_word(w);
        assert_eq!((who.pid, who.tid, who.wake), (100, 101, Some(Wake::Timeout)));
        assert_eq!(who.word, (100u64 << 32) | 101);
    }
}
