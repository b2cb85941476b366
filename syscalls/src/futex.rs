//! The futex service: wait queues on 32-bit words, with bitsets, requeue, wake-op,
//! and shared (cross-process) futexes; the priority-inheritance operations and the
//! death of a robust futex's owner are `pi`'s.
//!
//! A waiter is keyed by the word's qualified address (its process's DATA space and
//! offset) and, for a shared futex, also by the physical word (frame and offset) it
//! read when it went to sleep. A private wake matches the address only; a shared wake
//! matches either, so a MAP_SHARED word reaches waiters in every process that maps
//! it. (A word in a private copy-on-write page shares its frame with the other process
//! until one writes; a shared wake there can at worst wake a waiter spuriously, which
//! every futex user tolerates, and never loses a wake-up.)

use crate::proc::op as proc_op;
use crate::sched::{key, kind, Wake};
use crate::service::{Template, err, Env, Lend, Service, ServiceId, BLOCK};
use crate::sysno as nr;
use machine::{addr, Fault};
use std::any::Any;

pub mod pi;
pub mod waitv;

/// A thread waiting on a futex word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Waiter {
    tid: u32,
    bits: u32,
    /// The word's qualified address.
    addr: u64,
    /// The physical word (frame << 12 | offset in page), for a shared futex.
    phys: Option<u64>,
    /// What it waits for (a plain wake, or to own a PI word).
    kind: pi::Kind,
    /// Its word's index in a futex_waitv (`waitv`); None for the other waits.
    index: Option<u32>,
}

/// The futex service.
#[derive(Default)]
pub struct Futex {
    /// Every waiter, in arrival order (wakes go first come, first served).
    waiters: Vec<Waiter>,
    /// Which word of its futex_waitv woke a thread, for its re-executed call.
    woken: std::collections::BTreeMap<u32, u32>,
}

const FUTEX_WAIT: u64 = 0;
const FUTEX_WAKE: u64 = 1;
const FUTEX_REQUEUE: u64 = 3;
const FUTEX_CMP_REQUEUE: u64 = 4;
const FUTEX_WAKE_OP: u64 = 5;
const FUTEX_WAIT_BITSET: u64 = 9;
const FUTEX_WAKE_BITSET: u64 = 10;
const FUTEX_PRIVATE_FLAG: u64 = 128;
const FUTEX_CLOCK_REALTIME: u64 = 256;

/// Which word a call is about: its address, and its physical word when the call
/// is a shared one.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Word {
    addr: u64,
    phys: Option<u64>,
}

impl Word {
    fn of(env: &dyn Env, uaddr: u64, shared: bool) -> Word {
        let phys = shared.then(|| {
            let (sid, off) = addr::resolve(uaddr, env.me());
            let pte = env.machine().mem.space(sid)?.pte(off)?;
            (pte.frame != machine::frames::FrameId::NONE).then_some(((pte.frame.0 as u64) << 12) | (off & 0xfff))
        });
        Word { addr: uaddr, phys: phys.flatten() }
    }

    fn matches(&self, w: &Waiter) -> bool {
        w.addr == self.addr || (self.phys.is_some() && w.phys == self.phys)
    }
}

impl Futex {
    fn cancel(&mut self, tid: u32) {
        self.waiters.retain(|w| w.tid != tid);
    }

    /// Wakes up to `n` waiters on `word` whose bitset meets `bits`.
    fn wake(&mut self, env: &mut dyn Env, word: Word, n: u64, bits: u32) -> u64 {
        let mut woken = Vec::new();
        let mut i = 0;
        while i < self.waiters.len() && (woken.len() as u64) < n {
            let w = self.waiters[i];
            if word.matches(&w) && w.bits & bits != 0 && w.kind != pi::Kind::Pi {
                self.waiters.remove(i);
                woken.push(w.tid);
                if let Some(ix) = w.index {
                    // A futex_waitv is woken once: its other words stop waiting.
                    // (Those before `i` did not match: scanning again from the start
                    // is correct, as the removal shifted the rest.)
                    self.woken.insert(w.tid, ix);
                    self.waiters.retain(|o| o.tid != w.tid);
                    i = 0;
                }
            } else {
                i += 1;
            }
        }
        // Only threads that were still asleep count (one killed meanwhile does not).
        woken.iter().filter(|t| matches!(env.call(ServiceId::Proc, proc_op::WAKE_TID, [0, **t as u64, 0, 0, 0, 0], &[]), Ok([1, _]))).count() as u64
    }

    /// Moves up to `n` waiters on `from` to `to`.
    fn requeue(&mut self, from: Word, to: Word, n: u64) -> u64 {
        let mut moved = 0;
        for w in self.waiters.iter_mut() {
            if moved >= n {
                break;
            }
            if from.matches(w) && w.kind == pi::Kind::Plain {
                w.addr = to.addr;
                w.phys = to.phys;
                moved += 1;
            }
        }
        moved
    }

    fn read_word(env: &mut dyn Env, p: u64) -> Result<u32, Fault> {
        let mut b = [0u8; 4];
        env.read(p, &mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    /// FUTEX_WAKE_OP: *uaddr2 = op(*uaddr2, oparg); wake `n` on uaddr, and `n2` on
    /// uaddr2 if the old value of *uaddr2 passes the comparison.
    fn wake_op(&mut self, env: &mut dyn Env, word: Word, word2: Word, n: u64, n2: u64, encoded: u32) -> Result<u64, Fault> {
        let op = (encoded >> 28) & 0xf;
        let cmp = (encoded >> 24) & 0xf;
        let sext12 = |v: u32| ((v << 20) as i32) >> 20;
        let mut oparg = sext12((encoded >> 12) & 0xfff);
        let cmparg = sext12(encoded & 0xfff);
        if op & 8 != 0 {
            // FUTEX_OP_OPARG_SHIFT: the argument is a shift count.
            oparg = 1i32.wrapping_shl(oparg as u32 & 31);
        }
        let old = Self::read_word(env, word2.addr)? as i32;
        let new = match op & 7 {
            0 => oparg,
            1 => old.wrapping_add(oparg),
            2 => old | oparg,
            3 => old & !oparg,
            4 => old ^ oparg,
            _ => return Ok(err(libc::ENOSYS)),
        };
        let pass = match cmp {
            0 => old == cmparg,
            1 => old != cmparg,
            2 => old < cmparg,
            3 => old <= cmparg,
            4 => old > cmparg,
            5 => old >= cmparg,
            _ => return Ok(err(libc::ENOSYS)),
        };
        env.write(word2.addr, &new.to_le_bytes())?;
        let mut woken = self.wake(env, word, n, u32::MAX);
        if pass {
            woken += self.wake(env, word2, n2, u32::MAX);
        }
        Ok(woken)
    }
}

impl Template for Futex {
    const ID: ServiceId = ServiceId::Futex;
    const CALLEES: &'static [ServiceId] = &[ServiceId::Proc, ServiceId::Supervisor];
}

impl Service for Futex {
    fn id(&self) -> ServiceId {
        ServiceId::Futex
    }

    fn as_any(&mut self) -> &mut dyn Any {
        self
    }

    fn handle(&mut self, env: &mut dyn Env, op: u64, a: [u64; 6]) -> Result<[u64; 2], Fault> {
        if op == pi::OWNER_DIED {
            return Ok([self.owner_died(env, a[1], a[2] as u32, a[3])?, 0]);
        }
        if op == waitv::WAITV {
            let wake = Wake::from_code((a[0] >> 24) & 0xff);
            return self.waitv(env, a, wake);
        }
        if op != nr::FUTEX {
            return Ok([err(libc::ENOSYS), 0]);
        }
        let caller = a[0];
        let tid = (caller & 0xff_ffff) as u32;
        let wake = Wake::from_code((caller >> 24) & 0xff);
        let (uaddr, flags, val, timeout, uaddr2) = (a[1], a[2], a[3] as u32, a[4], a[5]);
        let fop = flags & 0x7f;
        let shared = flags & FUTEX_PRIVATE_FLAG == 0;
        if uaddr % 4 != 0 {
            return Ok([err(libc::EINVAL), 0]);
        }
        Ok(match fop {
            FUTEX_WAIT | FUTEX_WAIT_BITSET => {
                match wake {
                    Some(Wake::Key) => return Ok([0, 0]),
                    Some(Wake::Timeout) => {
                        self.cancel(tid);
                        return Ok([err(libc::ETIMEDOUT), 0]);
                    }
                    Some(Wake::Signal) => {
                        self.cancel(tid);
                        return Ok([err(libc::EINTR), 0]);
                    }
                    _ => {}
                }
                let bits = if fop == FUTEX_WAIT_BITSET { val3_of(&a) } else { u32::MAX };
                if bits == 0 {
                    return Ok([err(libc::EINVAL), 0]);
                }
                let mut deadline = None;
                if timeout != 0 {
                    let mut t = [0u8; 16];
                    env.read(timeout, &mut t)?;
                    let s = i64::from_le_bytes(t[0..8].try_into().unwrap_or_default());
                    let ns = i64::from_le_bytes(t[8..16].try_into().unwrap_or_default());
                    if s < 0 || !(0..1_000_000_000).contains(&ns) {
                        return Ok([err(libc::EINVAL), 0]);
                    }
                    let mut rel = s as u128 * 1_000_000_000 + ns as u128;
                    if fop == FUTEX_WAIT_BITSET {
                        // WAIT_BITSET takes an absolute time on the guest's monotonic
                        // (or, with FUTEX_CLOCK_REALTIME, real-time) clock.
                        let clock = if flags & FUTEX_CLOCK_REALTIME != 0 { libc::CLOCK_REALTIME } else { libc::CLOCK_MONOTONIC };
                        rel = rel.saturating_sub(crate::time::now_ns(clock));
                    }
                    deadline = Some(rel.min(u64::MAX as u128 - 1) as u64);
                }
                if Self::read_word(env, uaddr)? != val {
                    return Ok([err(libc::EAGAIN), 0]);
                }
                if deadline == Some(0) {
                    return Ok([err(libc::ETIMEDOUT), 0]);
                }
                if let Some(ns) = deadline {
                    let _ = env.call(ServiceId::Proc, proc_op::DEADLINE, [caller & 0xff_ffff, ns, 0, 0, 0, 0], &[]);
                }
                let word = Word::of(env, uaddr, shared);
                self.waiters.push(Waiter { tid, bits, addr: word.addr, phys: word.phys, kind: pi::Kind::Plain, index: None });
                [BLOCK, key(kind::FUTEX, uaddr)]
            }
            pi::LOCK_PI | pi::LOCK_PI2 | pi::TRYLOCK_PI | pi::UNLOCK_PI | pi::WAIT_REQUEUE_PI | pi::CMP_REQUEUE_PI => return self.pi_op(env, fop, a, wake),
            FUTEX_WAKE => {
                let word = Word::of(env, uaddr, shared);
                [self.wake(env, word, val as u64, u32::MAX), 0]
            }
            FUTEX_WAKE_BITSET => {
                let bits = val3_of(&a);
                if bits == 0 {
                    return Ok([err(libc::EINVAL), 0]);
                }
                let word = Word::of(env, uaddr, shared);
                [self.wake(env, word, val as u64, bits), 0]
            }
            FUTEX_REQUEUE | FUTEX_CMP_REQUEUE => {
                // futex_requeue takes both counts as ints: a negative one is EINVAL
                // before either word is looked at.
                if (val as i32) < 0 || (timeout as u32 as i32) < 0 {
                    return Ok([err(libc::EINVAL), 0]);
                }
                if uaddr2 % 4 != 0 {
                    return Ok([err(libc::EINVAL), 0]);
                }
                if fop == FUTEX_CMP_REQUEUE && Self::read_word(env, uaddr)? != val3_of(&a) {
                    return Ok([err(libc::EAGAIN), 0]);
                }
                let (from, to) = (Word::of(env, uaddr, shared), Word::of(env, uaddr2, shared));
                let woken = self.wake(env, from, val as u64, u32::MAX);
                // val2 (how many to requeue) travels in the timeout slot.
                let moved = self.requeue(from, to, timeout & 0xffff_ffff);
                [woken + moved, 0]
            }
            FUTEX_WAKE_OP => {
                if uaddr2 % 4 != 0 {
                    return Ok([err(libc::EINVAL), 0]);
                }
                let (w1, w2) = (Word::of(env, uaddr, shared), Word::of(env, uaddr2, shared));
                [self.wake_op(env, w1, w2, val as u64, timeout & 0xffff_ffff, val3_of(&a))?, 0]
            }
            _ => [err(libc::ENOSYS), 0],
        })
    }
}

/// val3 of a futex call: the personality passes the six syscall arguments after the
/// caller word, so val3 (the sixth) does not fit; it travels in the upper half of the
/// caller word (whose pid part futex does not need).
pub fn val3_of(a: &[u64; 6]) -> u32 {
    (a[0] >> 32) as u32
}

/// Whether the fourth argument of futex op `flags` is a number (val2) rather than a
/// pointer to a timeout.
pub fn arg4_is_value(flags: u64) -> bool {
    matches!(flags & 0x7f, FUTEX_REQUEUE | FUTEX_CMP_REQUEUE | FUTEX_WAKE_OP | pi::CMP_REQUEUE_PI)
}

/// Lends of futex (`a`: uaddr, op, val, timeout or val2, uaddr2, qualified): the
/// words it reads (4 bytes each), the word WAKE_OP writes, and the timeout. All but
/// the timeout are required: the personality answers -EFAULT for a NULL one.
pub fn lends(a: &[u64; 6]) -> Vec<Lend> {
    let fop = a[1] & 0x7f;
    // The PI operations write the owner's tid into the word.
    let rw = matches!(fop, pi::LOCK_PI | pi::LOCK_PI2 | pi::TRYLOCK_PI | pi::UNLOCK_PI);
    let mut v = vec![if rw { Lend::read_write(a[0], 4) } else { Lend::read(a[0], 4) }];
    if matches!(fop, FUTEX_WAIT | FUTEX_WAIT_BITSET | pi::LOCK_PI | pi::LOCK_PI2 | pi::WAIT_REQUEUE_PI) && a[3] != 0 {
        v.push(Lend::read(a[3], 16));
    }
    if matches!(fop, pi::WAIT_REQUEUE_PI | pi::CMP_REQUEUE_PI) {
        v.push(Lend::read_write(a[4], 4));
    }
    if fop == FUTEX_WAKE_OP {
        v.push(Lend::read_write(a[4], 4));
    }
    // A shared requeue keys uaddr2 by its page (get_futex_key faults it in: EFAULT
    // when unmapped or PROT_NONE); a private one only needs the address.
    if matches!(fop, FUTEX_REQUEUE | FUTEX_CMP_REQUEUE) && a[1] & FUTEX_PRIVATE_FLAG == 0 {
        v.push(Lend::read(a[4], 4));
    }
    v
}
