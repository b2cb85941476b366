//! The scheduler's indexes: the run queue, and who is blocked on what (wait keys,
//! deadlines, host descriptors), so that waking a key, finding the next deadline and
//! queueing a thread cost the same however many threads exist.
//!
//! The blocked index may hold entries a thread no longer has (it was woken by a path
//! that did not tell the index): every use checks the thread's real state and drops
//! what is stale, so the index is a superset and never the authority.

use super::{Pid, Proc, ThreadState};
use crate::sched::{Block, WaitKey};
use rustc_hash::FxHashMap;
use std::collections::{BTreeSet, VecDeque};
use std::time::Instant;

/// The run queue: threads in the order they became runnable, each at most once.
/// Removing one is O(1): its entry stays in the deque and is skipped when popped
/// (an entry counts only while its sequence number is the thread's current one).
#[derive(Clone, Debug, Default)]
pub struct RunQueue {
    q: VecDeque<(Pid, u64)>,
    queued: FxHashMap<Pid, u64>,
    seq: u64,
}

impl RunQueue {
    /// Queues `tid` at the back unless it is queued already.
    pub fn push_back(&mut self, tid: Pid) {
        if self.queued.contains_key(&tid) {
            return;
        }
        self.seq += 1;
        self.queued.insert(tid, self.seq);
        self.q.push_back((tid, self.seq));
    }

    /// The thread at the front.
    pub fn pop_front(&mut self) -> Option<Pid> {
        while let Some((tid, seq)) = self.q.pop_front() {
            if self.queued.get(&tid) == Some(&seq) {
                self.queued.remove(&tid);
                return Some(tid);
            }
        }
        None
    }

    /// Takes `tid` off the queue.
    pub fn remove(&mut self, tid: Pid) {
        self.queued.remove(&tid);
        // Entries left behind are dropped when popped; compact when they dominate.
        if self.q.len() > 64 && self.q.len() > 4 * self.queued.len() {
            let queued = &self.queued;
            self.q.retain(|(t, s)| queued.get(t) == Some(s));
        }
    }

    pub fn contains(&self, tid: Pid) -> bool {
        self.queued.contains_key(&tid)
    }

    pub fn clear(&mut self) {
        self.q.clear();
        self.queued.clear();
    }

    pub fn len(&self) -> usize {
        self.queued.len()
    }

    pub fn is_empty(&self) -> bool {
        self.queued.is_empty()
    }

    /// The queued threads, front first.
    pub fn iter(&self) -> impl Iterator<Item = Pid> + '_ {
        self.q.iter().filter(|(t, s)| self.queued.get(t) == Some(s)).map(|(t, _)| *t)
    }
}

/// Blocked threads by what can wake them.
#[derive(Clone, Debug, Default)]
pub struct BlockedIndex {
    /// Wait key -> the threads blocked on it (tid order: wakes go in tid order).
    keys: FxHashMap<WaitKey, BTreeSet<Pid>>,
    /// (deadline, tid) of threads blocked with a deadline.
    timed: BTreeSet<(Instant, Pid)>,
    /// Threads blocked on host descriptors.
    host: BTreeSet<Pid>,
}

impl BlockedIndex {
    fn add(&mut self, tid: Pid, b: &Block) {
        for k in &b.keys {
            self.keys.entry(*k).or_default().insert(tid);
        }
        if let Some(d) = b.deadline {
            self.timed.insert((d, tid));
        }
        if !b.host_fds.is_empty() {
            self.host.insert(tid);
        }
    }

    fn forget(&mut self, tid: Pid, b: &Block) {
        for k in &b.keys {
            if let Some(s) = self.keys.get_mut(k) {
                s.remove(&tid);
                if s.is_empty() {
                    self.keys.remove(k);
                }
            }
        }
        if let Some(d) = b.deadline {
            self.timed.remove(&(d, tid));
        }
        self.host.remove(&tid);
    }
}

impl Proc {
    /// Puts thread `tid` in state Blocked(`b`), off the run queue.
    pub(crate) fn set_blocked(&mut self, tid: Pid, b: Block) {
        let Some(t) = self.threads.get_mut(&tid) else { return };
        if let ThreadState::Blocked(old) = &t.state {
            self.blocked.forget(tid, old);
        }
        self.blocked.add(tid, &b);
        t.state = ThreadState::Blocked(b);
        self.run_queue.remove(tid);
    }

    /// Makes blocked thread `tid` runnable (not queued: the caller queues it).
    pub(super) fn set_runnable(&mut self, tid: Pid) {
        let Some(t) = self.threads.get_mut(&tid) else { return };
        if let ThreadState::Blocked(b) = std::mem::replace(&mut t.state, ThreadState::Runnable) {
            self.blocked.forget(tid, &b);
        }
    }

    /// Drops what the index holds of a thread that is going away.
    pub(super) fn unindex(&mut self, tid: Pid) {
        if let Some(ThreadState::Blocked(b)) = self.threads.get(&tid).map(|t| &t.state) {
            let b = b.clone();
            self.blocked.forget(tid, &b);
        }
        self.run_queue.remove(tid);
    }

    /// The threads blocked on key `k`, in tid order (stale entries dropped).
    pub(super) fn blocked_on(&mut self, k: WaitKey) -> Vec<Pid> {
        let Some(set) = self.blocked.keys.get(&k) else { return Vec::new() };
        let threads = &self.threads;
        let (live, stale): (Vec<Pid>, Vec<Pid>) = set.iter().partition(|t| matches!(threads.get(t).map(|t| &t.state), Some(ThreadState::Blocked(b)) if b.keys.contains(&k)));
        if !stale.is_empty() {
            if let Some(s) = self.blocked.keys.get_mut(&k) {
                for t in stale {
                    s.remove(&t);
                }
            }
        }
        live
    }

    /// Whether `tid` is blocked now with deadline `d`.
    fn blocked_until(&self, tid: Pid, d: Instant) -> bool {
        matches!(self.threads.get(&tid).map(|t| &t.state), Some(ThreadState::Blocked(b)) if b.deadline == Some(d))
    }

    /// The earliest deadline of a blocked thread.
    pub fn next_deadline(&mut self) -> Option<Instant> {
        while let Some(&(d, tid)) = self.blocked.timed.first() {
            if self.blocked_until(tid, d) {
                return Some(d);
            }
            self.blocked.timed.remove(&(d, tid));
        }
        None
    }

    /// The blocked threads whose deadline is at or before `now`, in tid order.
    pub fn deadlines_due(&mut self, now: Instant) -> Vec<Pid> {
        let due: Vec<(Instant, Pid)> = self.blocked.timed.iter().take_while(|(d, _)| *d <= now).copied().collect();
        let mut out = Vec::new();
        for (d, tid) in due {
            if self.blocked_until(tid, d) {
                out.push(tid);
            } else {
                self.blocked.timed.remove(&(d, tid));
            }
        }
        out.sort_unstable();
        out
    }

    /// (tid, fd, events) of every host descriptor a blocked thread waits on, in tid order.
    pub fn host_waits(&mut self) -> Vec<(Pid, i32, i16)> {
        let mut out = Vec::new();
        let mut stale = Vec::new();
        for &tid in &self.blocked.host {
            match self.threads.get(&tid).map(|t| &t.state) {
                Some(ThreadState::Blocked(b)) if !b.host_fds.is_empty() => out.extend(b.host_fds.iter().map(|(fd, ev)| (tid, *fd, *ev))),
                _ => stale.push(tid),
            }
        }
        for t in stale {
            self.blocked.host.remove(&t);
        }
        out
    }

    /// Whether any thread is blocked (a walk over the threads: for the rare question
    /// "could anything ever wake", not for every step).
    pub fn any_blocked(&self) -> bool {
        self.threads.values().any(|t| matches!(t.state, ThreadState::Blocked(_)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_queue_keeps_order_and_drops_removed() {
        let mut q = RunQueue::default();
        for t in [5, 3, 9] {
            q.push_back(t);
        }
        q.push_back(3);
        q.remove(3);
        q.push_back(3);
        assert_eq!(q.iter().collect::<Vec<_>>(), vec![5, 9, 3]);
        assert_eq!((q.pop_front(), q.pop_front(), q.pop_front(), q.pop_front()), (Some(5), Some(9), Some(3), None));
        assert!(q.is_empty());
    }

    #[test]
    fn blocked_index_follows_the_threads() {
        let mut p = Proc::new();
        p.add_process(1, 0, 1, 2, 0, "/a".into(), Vec::new());
        p.add_thread(2, 1, 1, 0);
        let later = Instant::now() + std::time::Duration::from_secs(5);
        p.set_blocked(1, Block { keys: vec![7], ..Default::default() });
        p.set_blocked(2, Block { keys: vec![7, 8], deadline: Some(later), host_fds: vec![(3, 1)] });
        assert_eq!(p.blocked_on(7), vec![1, 2]);
        assert_eq!(p.next_deadline(), Some(later));
        assert_eq!(p.host_waits(), vec![(2, 3, 1)]);
        assert!(p.deadlines_due(Instant::now()).is_empty());
        assert_eq!(p.deadlines_due(later), vec![2]);
        // Woken behind the index's back: stale entries are dropped on use.
        p.threads.get_mut(&2).unwrap().state = ThreadState::Runnable;
        assert_eq!(p.blocked_on(7), vec![1]);
        assert_eq!(p.blocked_on(8), Vec::<Pid>::new());
        assert_eq!(p.next_deadline(), None);
        assert!(p.host_waits().is_empty());
        p.set_runnable(1);
        assert!(p.blocked_on(7).is_empty());
        assert!(!p.any_blocked());
    }
}
