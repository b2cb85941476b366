//! Priority-inheritance futexes and robust futexes whose owner died.
//!
//! A PI word holds its owner's tid (FUTEX_TID_MASK), FUTEX_WAITERS while threads
//! wait for it in the kernel, and FUTEX_OWNER_DIED once an owner died holding it.
//! LOCK_PI takes a free word or waits for it; UNLOCK_PI hands the word to the first
//! waiter (its tid written in, then woken), so ownership passes in arrival order.
//! WAIT_REQUEUE_PI and CMP_REQUEUE_PI move condition-variable waiters onto a PI
//! word. There is one hart and no priorities to boost: "inheritance" is the
//! ownership protocol, which is what programs observe.
//!
//! OWNER_DIED is what the personality calls for each entry of a dead thread's robust
//! list (Linux's handle_futex_death): a word still owned by the dead thread gets
//! FUTEX_OWNER_DIED and one waiter is woken (for a PI word, handed the word), so the
//! next locker sees EOWNERDEAD instead of waiting forever.

use super::{Futex, Waiter, Word};
use crate::proc::op as proc_op;
use crate::sched::{key, kind, Wake};
use crate::service::{err, Env, ServiceId, BLOCK};
use machine::Fault;

pub const LOCK_PI: u64 = 6;
pub const UNLOCK_PI: u64 = 7;
pub const TRYLOCK_PI: u64 = 8;
pub const WAIT_REQUEUE_PI: u64 = 11;
pub const CMP_REQUEUE_PI: u64 = 12;
pub const LOCK_PI2: u64 = 13;

pub const FUTEX_WAITERS: u32 = 0x8000_0000;
pub const FUTEX_OWNER_DIED: u32 = 0x4000_0000;
pub const FUTEX_TID_MASK: u32 = 0x3fff_ffff;

/// Operations of futex besides Linux syscall numbers.
pub mod op {
    /// A futex op of the personality (not a syscall): the owner of the word at a1 (lent
    /// RW, 4 bytes), thread a2, died; a3 = `died::PI` | `died::PENDING`. a0 = 0.
    pub const OWNER_DIED: u64 = 0x1000;
}
pub use op::OWNER_DIED;

/// Flags of OWNER_DIED.
pub mod died {
    /// The robust list entry was marked as a PI futex (bit 0 of its pointer).
    pub const PI: u64 = 1;
    /// The entry was the list's op-pending one (a lock or unlock under way).
    pub const PENDING: u64 = 2;
}

const FUTEX_PRIVATE_FLAG: u64 = 128;
const FUTEX_CLOCK_REALTIME: u64 = 256;

/// What a waiter waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// FUTEX_WAIT: any wake.
    Plain,
    /// LOCK_PI: to be handed the word.
    Pi,
    /// WAIT_REQUEUE_PI: a wake, or to be moved to the PI word `to` (its address).
    RequeuePi { to: u64 },
}

impl Futex {
    /// Whether thread `tid` exists (an owner recorded in a PI word).
    fn alive(env: &mut dyn Env, tid: u32) -> bool {
        matches!(env.call(ServiceId::Proc, proc_op::THREAD_ALIVE, [0, tid as u64, 0, 0, 0, 0], &[]), Ok([1, _]))
    }

    fn write_word(env: &mut dyn Env, p: u64, v: u32) -> Result<(), Fault> {
        env.write(p, &v.to_le_bytes())
    }

    /// The first waiter for PI word `w`, taken off the queue.
    fn take_pi_waiter(&mut self, w: Word) -> Option<Waiter> {
        let i = self.waiters.iter().position(|x| x.kind == Kind::Pi && w.matches(x))?;
        Some(self.waiters.remove(i))
    }

    fn has_pi_waiters(&self, w: Word) -> bool {
        self.waiters.iter().any(|x| x.kind == Kind::Pi && w.matches(x))
    }

    /// Gives PI word `w` (now `old`) to its first waiter, if any: its tid is written
    /// in (with FUTEX_WAITERS while others still wait, and `keep` of the old bits)
    /// and it is woken. False if nobody waited.
    fn hand_over(&mut self, env: &mut dyn Env, w: Word, old: u32, keep: u32) -> Result<bool, Fault> {
        let Some(next) = self.take_pi_waiter(w) else { return Ok(false) };
        let more = if self.has_pi_waiters(w) { FUTEX_WAITERS } else { 0 };
        Self::write_word(env, w.addr, next.tid | (old & keep) | more)?;
        let _ = env.call(ServiceId::Proc, proc_op::WAKE_TID, [0, next.tid as u64, 0, 0, 0, 0], &[]);
        Ok(true)
    }

    /// Reads an absolute timeout at `p` (0: none) on the clock the op uses, as ns
    /// from now; Err(EINVAL) for a bad timespec.
    fn abs_timeout(env: &mut dyn Env, p: u64, realtime: bool) -> Result<Result<Option<u64>, i32>, Fault> {
        if p == 0 {
            return Ok(Ok(None));
        }
        let mut t = [0u8; 16];
        env.read(p, &mut t)?;
        let s = i64::from_le_bytes(t[0..8].try_into().unwrap_or_default());
        let ns = i64::from_le_bytes(t[8..16].try_into().unwrap_or_default());
        if s < 0 || !(0..1_000_000_000).contains(&ns) {
            return Ok(Err(libc::EINVAL));
        }
        let abs = s as u128 * 1_000_000_000 + ns as u128;
        let now = crate::time::now_ns(if realtime { libc::CLOCK_REALTIME } else { libc::CLOCK_MONOTONIC });
        Ok(Ok(Some(abs.saturating_sub(now).min(u64::MAX as u128 - 1) as u64)))
    }

    /// The PI operations; `a` as `handle` has it (a[0] the caller word).
    pub(super) fn pi_op(&mut self, env: &mut dyn Env, fop: u64, a: [u64; 6], wake: Option<Wake>) -> Result<[u64; 2], Fault> {
        let caller = a[0];
        let tid = (caller & 0xff_ffff) as u32;
        let (uaddr, flags, val, timeout, uaddr2) = (a[1], a[2], a[3] as u32, a[4], a[5]);
        let shared = flags & FUTEX_PRIVATE_FLAG == 0;
        let word = Word::of(env, uaddr, shared);
        let r = match fop {
            LOCK_PI | LOCK_PI2 | TRYLOCK_PI => {
                if wake.is_some() {
                    // Re-executed after a wake: handed the word, or give up / try again.
                    self.cancel(tid);
                    if Self::read_word(env, uaddr)? & FUTEX_TID_MASK == tid {
                        return Ok([0, 0]);
                    }
                    match wake {
                        Some(Wake::Timeout) => return Ok([err(libc::ETIMEDOUT), 0]),
                        Some(Wake::Signal) => return Ok([err(libc::EINTR), 0]),
                        _ => {}
                    }
                }
                let cur = Self::read_word(env, uaddr)?;
                let owner = cur & FUTEX_TID_MASK;
                if owner == 0 {
                    let more = if self.has_pi_waiters(word) { FUTEX_WAITERS } else { 0 };
                    Self::write_word(env, uaddr, tid | (cur & FUTEX_OWNER_DIED) | more)?;
                    return Ok([0, 0]);
                }
                if owner == tid {
                    return Ok([err(libc::EDEADLK), 0]);
                }
                if fop == TRYLOCK_PI {
                    return Ok([err(libc::EAGAIN), 0]);
                }
                if !Self::alive(env, owner) {
                    return Ok([err(libc::ESRCH), 0]);
                }
                // LOCK_PI's timeout is absolute on CLOCK_REALTIME; LOCK_PI2's on
                // CLOCK_MONOTONIC unless FUTEX_CLOCK_REALTIME.
                let realtime = fop == LOCK_PI || flags & FUTEX_CLOCK_REALTIME != 0;
                let left = match Self::abs_timeout(env, timeout, realtime)? {
                    Ok(l) => l,
                    Err(e) => return Ok([err(e), 0]),
                };
                if left == Some(0) {
                    return Ok([err(libc::ETIMEDOUT), 0]);
                }
                if let Some(ns) = left {
                    let _ = env.call(ServiceId::Proc, proc_op::DEADLINE, [caller & 0xff_ffff, ns, 0, 0, 0, 0], &[]);
                }
                Self::write_word(env, uaddr, cur | FUTEX_WAITERS)?;
                self.waiters.push(Waiter { tid, bits: u32::MAX, addr: word.addr, phys: word.phys, kind: Kind::Pi, index: None });
                [BLOCK, key(kind::FUTEX, uaddr)]
            }
            UNLOCK_PI => {
                let cur = Self::read_word(env, uaddr)?;
                if cur & FUTEX_TID_MASK != tid {
                    return Ok([err(libc::EPERM), 0]);
                }
                if !self.hand_over(env, word, cur, 0)? {
                    Self::write_word(env, uaddr, 0)?;
                }
                [0, 0]
            }
            WAIT_REQUEUE_PI => {
                if uaddr2 % 4 != 0 {
                    return Ok([err(libc::EINVAL), 0]);
                }
                if uaddr == uaddr2 {
                    return Ok([err(libc::EINVAL), 0]);
                }
                if wake.is_some() {
                    self.cancel(tid);
                    if Self::read_word(env, uaddr2)? & FUTEX_TID_MASK == tid {
                        return Ok([0, 0]);
                    }
                    return Ok([
                        err(match wake {
                            Some(Wake::Timeout) => libc::ETIMEDOUT,
                            Some(Wake::Signal) => libc::EINTR,
                            // Woken by a plain FUTEX_WAKE instead of a requeue.
                            _ => libc::EAGAIN,
                        }),
                        0,
                    ]);
                }
                let left = match Self::abs_timeout(env, timeout, flags & FUTEX_CLOCK_REALTIME != 0)? {
                    Ok(l) => l,
                    Err(e) => return Ok([err(e), 0]),
                };
                if Self::read_word(env, uaddr)? != val {
                    return Ok([err(libc::EAGAIN), 0]);
                }
                if left == Some(0) {
                    return Ok([err(libc::ETIMEDOUT), 0]);
                }
                if let Some(ns) = left {
                    let _ = env.call(ServiceId::Proc, proc_op::DEADLINE, [caller & 0xff_ffff, ns, 0, 0, 0, 0], &[]);
                }
                let to = Word::of(env, uaddr2, shared).addr;
                self.waiters.push(Waiter { tid, bits: u32::MAX, addr: word.addr, phys: word.phys, kind: Kind::RequeuePi { to }, index: None });
                [BLOCK, key(kind::FUTEX, uaddr)]
            }
            CMP_REQUEUE_PI => {
                // val is how many to wake (Linux allows only 1), the timeout slot
                // carries how many to requeue, val3 the expected value of *uaddr.
                if val != 1 || uaddr == uaddr2 || uaddr2 % 4 != 0 {
                    return Ok([err(libc::EINVAL), 0]);
                }
                if Self::read_word(env, uaddr)? != super::val3_of(&a) {
                    return Ok([err(libc::EAGAIN), 0]);
                }
                let to = Word::of(env, uaddr2, shared);
                let mut done = 0;
                let mut w2 = Self::read_word(env, uaddr2)?;
                // The first waiter takes the PI word at once if it is free.
                if w2 & FUTEX_TID_MASK == 0 {
                    if let Some(i) = self.waiters.iter().position(|x| word.matches(x) && x.kind == (Kind::RequeuePi { to: to.addr })) {
                        let w = self.waiters.remove(i);
                        let more = self.waiters.iter().any(|x| word.matches(x) && x.kind == (Kind::RequeuePi { to: to.addr })) || self.has_pi_waiters(to);
                        w2 = w.tid | (w2 & FUTEX_OWNER_DIED) | if more { FUTEX_WAITERS } else { 0 };
                        Self::write_word(env, uaddr2, w2)?;
                        let _ = env.call(ServiceId::Proc, proc_op::WAKE_TID, [0, w.tid as u64, 0, 0, 0, 0], &[]);
                        done += 1;
                    }
                }
                let mut moved = 0;
                for x in self.waiters.iter_mut() {
                    if moved >= timeout & 0xffff_ffff {
                        break;
                    }
                    if word.matches(x) && x.kind == (Kind::RequeuePi { to: to.addr }) {
                        *x = Waiter { kind: Kind::Pi, addr: to.addr, phys: to.phys, ..*x };
                        moved += 1;
                    }
                }
                if moved > 0 {
                    Self::write_word(env, uaddr2, w2 | FUTEX_WAITERS)?;
                }
                [done + moved, 0]
            }
            _ => [err(libc::ENOSYS), 0],
        };
        Ok(r)
    }

    /// OWNER_DIED: the robust-list rule for one word of dead thread `tid`.
    pub(super) fn owner_died(&mut self, env: &mut dyn Env, uaddr: u64, tid: u32, how: u64) -> Result<u64, Fault> {
        if uaddr % 4 != 0 {
            return Ok(err(libc::EINVAL));
        }
        let (pi, pending) = (how & died::PI != 0, how & died::PENDING != 0);
        // Matched by address and by physical word: a process-shared mutex has its
        // waiters in other processes.
        let word = Word::of(env, uaddr, true);
        let cur = Self::read_word(env, uaddr)?;
        if pending && !pi && cur == 0 {
            // Died between unlocking and waking: do the wake it owed.
            self.wake(env, word, 1, u32::MAX);
            return Ok(0);
        }
        if cur & FUTEX_TID_MASK != tid {
            return Ok(0);
        }
        if pi && self.hand_over(env, word, FUTEX_OWNER_DIED, FUTEX_OWNER_DIED)? {
            return Ok(0);
        }
        Self::write_word(env, uaddr, (cur & FUTEX_WAITERS) | FUTEX_OWNER_DIED)?;
        if !pi && cur & FUTEX_WAITERS != 0 {
            self.wake(env, word, 1, u32::MAX);
        }
        Ok(0)
    }
}
