//! futex2: futex_waitv (one wait on several words) in the futex service, and the
//! argument rules of futex_wake, futex_wait and futex_requeue, which the personality
//! checks before it hands them to the futex operations they are (WAKE_BITSET,
//! WAIT_BITSET, CMP_REQUEUE).
//!
//! A waitv waiter is one `Waiter` per word, each carrying its index; the first wake of
//! any of them records the index for the re-executed call and drops the others, so a
//! thread is woken (and counted) once.

use super::{Futex, Waiter, Word, FUTEX_CLOCK_REALTIME};
use crate::proc::op as proc_op;
use crate::sched::{key, kind, Wake};
use crate::service::{err, Env, ServiceId, BLOCK};
use machine::Fault;

/// FUTEX2_SIZE_U32, the only size Linux supports; FUTEX2_PRIVATE.
pub const SIZE_U32: u64 = 2;
pub const SIZE_MASK: u64 = 3;
pub const NUMA: u64 = 4;
pub const MPOL: u64 = 8;
pub const PRIVATE: u64 = 128;
/// FUTEX_WAITV_MAX.
pub const WAITV_MAX: u64 = 128;
/// sizeof(struct futex_waitv): val u64, uaddr u64, flags u32, __reserved u32.
pub const WAITV_SIZE: u64 = 24;

/// The futex service's op for futex_waitv: a1 = `RECORD_SIZE`-byte records (lent R),
/// a2 = how many, a3 = the absolute timeout (lent R, 0 = none), a4 = 1 when it is on
/// CLOCK_REALTIME. Each record: the word's qualified address (u64), the value
/// expected (u32), 1 for a shared word (u32). a0 = the index of the word woken.
pub const WAITV: u64 = 0x1300;
pub const RECORD_SIZE: u64 = 16;

/// futex2_to_flags + futex_flags_valid: a futex2 `flags` word Linux accepts (a 32-bit
/// word; FUTEX2_NUMA and FUTEX2_MPOL are refused, as by kernels before 6.16). Some
/// (shared) or None for EINVAL.
pub fn flags_ok(flags: u64) -> Option<bool> {
    if flags & !(SIZE_MASK | NUMA | MPOL | PRIVATE) != 0 || flags & SIZE_MASK != SIZE_U32 || flags & (NUMA | MPOL) != 0 {
        return None;
    }
    Some(flags & PRIVATE == 0)
}

/// futex_validate_input: a value or mask fits the word's size (32 bits).
pub fn fits(v: u64) -> bool {
    v <= u32::MAX as u64
}

/// One parsed `struct futex_waitv` (futex_parse_waitv's checks: flags, reserved, value
/// size). Err(EINVAL) for a bad one.
pub fn parse(b: &[u8]) -> Result<(u64, u64, bool), i32> {
    let w = |o: usize| u64::from_le_bytes(b[o..o + 8].try_into().unwrap_or_default());
    let (val, uaddr, flags, reserved) = (w(0), w(8), w(16) & 0xffff_ffff, w(16) >> 32);
    if reserved != 0 {
        return Err(libc::EINVAL);
    }
    let shared = flags_ok(flags).ok_or(libc::EINVAL)?;
    if !fits(val) {
        return Err(libc::EINVAL);
    }
    Ok((uaddr, val, shared))
}

impl Futex {
    /// futex_waitv in the service (`a`: the caller word, then WAITV's arguments).
    pub(super) fn waitv(&mut self, env: &mut dyn Env, a: [u64; 6], wake: Option<Wake>) -> Result<[u64; 2], Fault> {
        let caller = a[0];
        let tid = (caller & 0xff_ffff) as u32;
        match wake {
            Some(Wake::Key) => {
                if let Some(i) = self.woken.remove(&tid) {
                    self.cancel(tid);
                    return Ok([i as u64, 0]);
                }
            }
            Some(Wake::Timeout) => {
                self.cancel(tid);
                self.woken.remove(&tid);
                return Ok([err(libc::ETIMEDOUT), 0]);
            }
            Some(Wake::Signal) => {
                self.cancel(tid);
                self.woken.remove(&tid);
                return Ok([err(libc::EINTR), 0]);
            }
            // A fresh call: nothing left of an earlier one.
            _ => {
                self.woken.remove(&tid);
            }
        }
        let (recs, n, timeout, realtime) = (a[1], a[2].min(WAITV_MAX), a[3], a[4] == 1);
        let mut words = Vec::with_capacity(n as usize);
        for i in 0..n {
            let mut b = [0u8; RECORD_SIZE as usize];
            env.read(recs + i * RECORD_SIZE, &mut b)?;
            let uaddr = u64::from_le_bytes(b[0..8].try_into().unwrap_or_default());
            let val = u32::from_le_bytes(b[8..12].try_into().unwrap_or_default());
            let shared = b[12] & 1 != 0;
            if uaddr % 4 != 0 {
                return Ok([err(libc::EINVAL), 0]);
            }
            words.push((uaddr, val, shared));
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
            let clock = if realtime { libc::CLOCK_REALTIME } else { libc::CLOCK_MONOTONIC };
            let rel = (s as u128 * 1_000_000_000 + ns as u128).saturating_sub(crate::time::now_ns(clock));
            deadline = Some(rel.min(u64::MAX as u128 - 1) as u64);
        }
        // Every word must still hold its value, or nobody waits (EAGAIN).
        for &(uaddr, val, _) in &words {
            if Self::read_word(env, uaddr)? != val {
                return Ok([err(libc::EAGAIN), 0]);
            }
        }
        if deadline == Some(0) {
            return Ok([err(libc::ETIMEDOUT), 0]);
        }
        if let Some(ns) = deadline {
            let _ = env.call(ServiceId::Proc, proc_op::DEADLINE, [caller & 0xff_ffff, ns, 0, 0, 0, 0], &[]);
        }
        for (i, &(uaddr, _, shared)) in words.iter().enumerate() {
            let w = Word::of(env, uaddr, shared);
            self.waiters.push(Waiter { tid, bits: u32::MAX, addr: w.addr, phys: w.phys, kind: super::pi::Kind::Plain, index: Some(i as u32) });
        }
        let first = words.first().map_or(0, |w| w.0);
        Ok([BLOCK, key(kind::FUTEX, first)])
    }
}

/// The legacy futex op word of a futex2 call: `op` | FUTEX_PRIVATE_FLAG when private
/// | FUTEX_CLOCK_REALTIME for a realtime deadline.
pub fn legacy_op(op: u64, shared: bool, realtime: bool) -> u64 {
    op | if shared { 0 } else { super::FUTEX_PRIVATE_FLAG } | if realtime { FUTEX_CLOCK_REALTIME } else { 0 }
}
