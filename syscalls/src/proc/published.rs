//! The words proc publishes for linux, one slot per hart: who runs there and whether
//! linux must ask proc anything when a syscall starts or ends.
//!
//! Asking proc who is calling (ENTER) and whether a signal waits (DELIVER) cost two
//! portal calls per syscall, though the answers rarely change. So proc keeps them in
//! pages of its own space (`BASE`), rewritten whenever a call to proc (or the board,
//! which changes proc's tables between time slices) changes them, and the board gives
//! linux a read-only grant on those pages. linux reads a slot through its checked
//! accessor, under its own identity: it can read what ENTER would have told it and
//! nothing more, and can write nothing. A slot linux cannot read or that does not
//! name the hart means "ask proc", so a missing or stale page costs speed, never
//! correctness.
//!
//! Slot `hart` (16 bytes at `BASE + hart * 16`): the caller word `pid << 32 | tid`,
//! then the flags word (`flag::*`, `flag::VALID` set in a live slot).

use super::{Pid, Proc, ThreadState};
use crate::service::{Env, ServiceId};
use machine::addr::{qualified, PAGE_SIZE};
use machine::HartId;

/// Where the slots live in proc's space (the monolithic kernel space too: clear of
/// linux's scratch at 0x1000_0000 and the vfs's at 0x2000_0000).
pub const BASE: u64 = 0x3000_0000;
/// Harts with a slot; a thread on a higher hart is identified by a call to proc.
pub const SLOTS: u64 = 1024;
/// Bytes per slot.
pub const SLOT_SIZE: u64 = 16;
/// Bytes of the published area (whole pages).
pub const SIZE: u64 = (SLOTS * SLOT_SIZE).div_ceil(PAGE_SIZE) * PAGE_SIZE;

/// Bits of a slot's flags word.
pub mod flag {
    /// The slot names a live thread.
    pub const VALID: u64 = 1 << 63;
    /// The next syscall must call ENTER: the thread was woken in a syscall (its wake
    /// reason waits to be consumed), or an earlier call left a deadline, extra wait
    /// keys or a sigwait set that a fresh syscall must start without.
    pub const ENTER: u64 = 1 << 0;
    /// A signal is deliverable to the thread (pending and not blocked): linux calls
    /// DELIVER on the way back to user code.
    pub const SIGNAL: u64 = 1 << 1;
}

/// One slot as linux reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Slot {
    pub pid: Pid,
    pub tid: Pid,
    pub flags: u64,
}

impl Slot {
    fn bytes(self) -> [u8; SLOT_SIZE as usize] {
        let mut b = [0u8; SLOT_SIZE as usize];
        b[..8].copy_from_slice(&(((self.pid as u64) << 32) | self.tid as u64).to_le_bytes());
        b[8..].copy_from_slice(&self.flags.to_le_bytes());
        b
    }

    fn from_bytes(b: &[u8; SLOT_SIZE as usize]) -> Slot {
        let w = super::u64_at(b, 0);
        Slot { pid: (w >> 32) as Pid, tid: w as u32, flags: super::u64_at(b, 8) }
    }
}

/// The offset of hart `h`'s slot in the published area, if it has one.
pub fn offset(h: HartId) -> Option<u64> {
    (u64::from(h) < SLOTS).then(|| u64::from(h) * SLOT_SIZE)
}

/// Reads hart `h`'s slot from proc's published pages (as the calling space, through
/// its grant); None when the slot is unreadable, empty or out of range.
pub fn read(env: &mut dyn Env, h: HartId) -> Option<Slot> {
    let off = offset(h)?;
    let mut b = [0u8; SLOT_SIZE as usize];
    env.read(qualified(env.sid_of(ServiceId::Proc), BASE + off), &mut b).ok()?;
    let s = Slot::from_bytes(&b);
    (s.flags & flag::VALID != 0).then_some(s)
}

/// What proc last wrote, by hart (so only changed slots are written again). A slot
/// whose write failed is forgotten, so it is written again at the next chance.
#[derive(Clone, Debug, Default)]
pub struct Published {
    slots: rustc_hash::FxHashMap<HartId, Slot>,
}

impl Proc {
    /// The slot thread `tid` should show now.
    fn slot_of(&self, tid: Pid) -> Option<Slot> {
        let t = self.threads.get(&tid)?;
        let mut flags = flag::VALID;
        let leftovers = t.deadline.is_some() || t.sigwait != 0 || !t.also.keys.is_empty() || !t.also.host_fds.is_empty();
        if t.wake.is_some() || leftovers || matches!(t.state, ThreadState::Exited) {
            flags |= flag::ENTER;
        }
        if self.deliverable(tid) != 0 {
            flags |= flag::SIGNAL;
        }
        Some(Slot { pid: t.pid, tid, flags })
    }

    /// The slots of `harts` that changed since they were last written, as (offset in
    /// the published area, bytes), recorded as written. The caller writes them: proc
    /// through its `Env` at the end of each call for the hart that called (`publish`),
    /// the board with its physical access for the thread it is about to run (after it
    /// changed proc's tables itself: timers, wake-ups, kills), and reports a failed
    /// write with `publish_failed`.
    ///
    /// Only those slots: linux reads the slot of the hart that is running, so a slot
    /// is right when it is right from the start of its thread's time slice (the board
    /// publishes it) through the slice (each proc call publishes the caller's). Looking
    /// at every thread at every call made each call cost as much as the number of
    /// threads.
    pub fn published_changes(&mut self, harts: &[HartId]) -> Vec<(u64, [u8; SLOT_SIZE as usize])> {
        let mut out = Vec::new();
        for &h in harts {
            let Some(off) = offset(h) else { continue };
            let now = self.by_hart.get(&h).and_then(|t| self.slot_of(*t)).unwrap_or_default();
            if self.published.slots.get(&h) != Some(&now) {
                self.published.slots.insert(h, now);
                out.push((off, now.bytes()));
            }
        }
        out
    }

    /// A write `published_changes` asked for failed: the slot is written again next time.
    pub fn publish_failed(&mut self, off: u64) {
        self.published.slots.remove(&((off / SLOT_SIZE) as HartId));
    }

    /// Brings the published slots up to date through proc's own `Env`.
    pub fn publish(&mut self, env: &mut dyn Env) {
        let me = env.me();
        let hart = env.hart();
        for (off, b) in self.published_changes(&[hart]) {
            if env.write(qualified(me, BASE + off), &b).is_err() {
                self.publish_failed(off);
            }
        }
    }
}
