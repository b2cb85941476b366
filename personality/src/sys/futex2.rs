//! The futex2 syscalls (futex_wake, futex_wait, futex_requeue, futex_waitv): their
//! arguments checked as kernel/futex/syscalls.c checks them, then handed to the futex
//! service as the futex operations they are (WAKE_BITSET, WAIT_BITSET, CMP_REQUEUE)
//! or, for futex_waitv, as its WAITV op with the words read out of the caller's array.

use crate::call::{scratch, Caller, Outcome};
use crate::state::Linux;
use machine::addr::qualified;
use syscalls::futex::waitv::{self, fits, flags_ok, legacy_op, parse};
use syscalls::service::{call_errno, err, BLOCK};
use syscalls::sysno as nr;
use syscalls::{Env, Lend, ServiceId};

const WAKE_BITSET: u64 = 10;
const WAIT_BITSET: u64 = 9;
const CMP_REQUEUE: u64 = 4;

/// The futex2 call `n` with arguments `a`.
pub fn call(linux: &mut Linux, env: &mut dyn Env, c: &Caller, n: u64, a: [u64; 6]) -> Outcome {
    Outcome::Value(match run(linux, env, c, n, a) {
        Ok(v) => v,
        Err(e) => err(e),
    })
}

/// The clock a futex2 timeout is on: CLOCK_MONOTONIC or CLOCK_REALTIME (true), else
/// EINVAL (futex2_setup_timeout).
fn realtime(clockid: u64) -> Result<bool, i32> {
    match clockid as u32 as i32 {
        libc::CLOCK_MONOTONIC => Ok(false),
        libc::CLOCK_REALTIME => Ok(true),
        _ => Err(libc::EINVAL),
    }
}

/// Checks a timeout pointer as futex2_setup_timeout reads it (EFAULT, EINVAL).
fn check_timeout(env: &mut dyn Env, c: &Caller, p: u64) -> Result<(), i32> {
    let mut t = [0u8; 16];
    env.read(c.q(p), &mut t).map_err(|_| libc::EFAULT)?;
    let s = i64::from_le_bytes(t[0..8].try_into().unwrap_or_default());
    let ns = i64::from_le_bytes(t[8..16].try_into().unwrap_or_default());
    if s < 0 || !(0..1_000_000_000).contains(&ns) {
        return Err(libc::EINVAL);
    }
    Ok(())
}

fn run(linux: &mut Linux, env: &mut dyn Env, c: &Caller, n: u64, a: [u64; 6]) -> Result<u64, i32> {
    match n {
        nr::FUTEX_WAKE => {
            // futex_wake(uaddr, mask, nr, flags)
            let shared = flags_ok(a[3]).ok_or(libc::EINVAL)?;
            if !fits(a[1]) {
                return Err(libc::EINVAL);
            }
            // FLAGS_STRICT: asking to wake none wakes none (the legacy op wakes one).
            let count = a[2] as i32;
            if count == 0 {
                return Ok(0);
            }
            futex(linux, env, c, [a[0], legacy_op(WAKE_BITSET, shared, false), count.max(1) as u64, 0, 0, 0], a[1])
        }
        nr::FUTEX_WAIT => {
            // futex_wait(uaddr, val, mask, flags, timeout, clockid)
            let shared = flags_ok(a[3]).ok_or(libc::EINVAL)?;
            if !fits(a[1]) || !fits(a[2]) {
                return Err(libc::EINVAL);
            }
            let rt = if a[4] != 0 {
                let rt = realtime(a[5])?;
                check_timeout(env, c, a[4])?;
                rt
            } else {
                false
            };
            futex(linux, env, c, [a[0], legacy_op(WAIT_BITSET, shared, rt), a[1], a[4], 0, 0], a[2])
        }
        nr::FUTEX_REQUEUE => {
            // futex_requeue(waiters[2], flags, nr_wake, nr_requeue)
            if a[1] != 0 || a[0] == 0 {
                return Err(libc::EINVAL);
            }
            let mut b = [0u8; 2 * waitv::WAITV_SIZE as usize];
            env.read(c.q(a[0]), &mut b).map_err(|_| libc::EFAULT)?;
            let (from, val, s1) = parse(&b[..24])?;
            let (to, _, s2) = parse(&b[24..])?;
            let (nr_wake, nr_requeue) = (a[2] as i32, a[3] as i32);
            if nr_wake < 0 || nr_requeue < 0 {
                return Err(libc::EINVAL);
            }
            // One op for both words: a shared match finds private waiters too.
            futex(linux, env, c, [from, legacy_op(CMP_REQUEUE, s1 || s2, false), nr_wake as u64, nr_requeue as u64, to, 0], val)
        }
        nr::FUTEX_WAITV => waitv_call(linux, env, c, a),
        _ => Err(libc::ENOSYS),
    }
}

/// Hands a futex operation to the futex service (`a`: uaddr, op, val, timeout or
/// val2, uaddr2), with `val3` where the service expects it, as the FUTEX syscall path
/// does.
fn futex(linux: &mut Linux, env: &mut dyn Env, c: &Caller, a: [u64; 6], val3: u64) -> Result<u64, i32> {
    let q = |p: u64| c.q(p);
    let t = if syscalls::futex::arg4_is_value(a[1]) { a[3] } else { q(a[3]) };
    let qa = [q(a[0]), a[1], a[2], t, if a[4] != 0 { q(a[4]) } else { 0 }, 0];
    let lends = syscalls::futex::lends(&qa);
    if !lends.iter().all(|l| crate::marshal::accessible(env, l)) {
        return Err(libc::EFAULT);
    }
    let c2 = Caller { pid: 0, ..*c };
    let word = ((val3 & 0xffff_ffff) << 32) | (c2.word() & 0xffff_ffff);
    match env.call(ServiceId::Futex, nr::FUTEX, [word, qa[0], qa[1], qa[2], qa[3], qa[4]], &lends) {
        Ok(v) if v[0] == BLOCK => {
            linux.pending_key = v[1];
            Ok(BLOCK)
        }
        Ok(v) => Ok(v[0]),
        Err(e) => Ok(call_errno(&e)),
    }
}

/// futex_waitv(waiters, nr_futexes, flags, timeout, clockid).
fn waitv_call(linux: &mut Linux, env: &mut dyn Env, c: &Caller, a: [u64; 6]) -> Result<u64, i32> {
    let (waiters, count, flags, timeout, clockid) = (a[0], a[1] as u32 as u64, a[2], a[3], a[4]);
    if flags != 0 || count == 0 || count > waitv::WAITV_MAX || waiters == 0 {
        return Err(libc::EINVAL);
    }
    let rt = if timeout != 0 {
        let rt = realtime(clockid)?;
        check_timeout(env, c, timeout)?;
        rt
    } else {
        false
    };
    let mut b = vec![0u8; (count * waitv::WAITV_SIZE) as usize];
    env.read(c.q(waiters), &mut b).map_err(|_| libc::EFAULT)?;
    let me = env.me();
    let recs = qualified(me, scratch::BASE + scratch::BLOB);
    let mut out = Vec::with_capacity((count * waitv::RECORD_SIZE) as usize);
    let mut lends = Vec::new();
    for ch in b.chunks(waitv::WAITV_SIZE as usize) {
        let (uaddr, val, shared) = parse(ch)?;
        // A misaligned word is EINVAL (futex_get_key) before it is looked at.
        if uaddr % 4 != 0 {
            return Err(libc::EINVAL);
        }
        let qa = c.q(uaddr);
        out.extend_from_slice(&qa.to_le_bytes());
        out.extend_from_slice(&(val as u32).to_le_bytes());
        out.extend_from_slice(&(shared as u32).to_le_bytes());
        if !lends.iter().any(|l: &Lend| l.ptr == qa) {
            lends.push(Lend::read(qa, 4));
        }
    }
    if !lends.iter().all(|l| crate::marshal::accessible(env, l)) {
        return Err(libc::EFAULT);
    }
    env.write(recs, &out).map_err(|_| libc::ENOMEM)?;
    lends.push(Lend::read(recs, out.len() as u64));
    let t = if timeout != 0 { c.q(timeout) } else { 0 };
    if t != 0 {
        lends.push(Lend::read(t, 16));
    }
    let c2 = Caller { pid: 0, ..*c };
    match env.call(ServiceId::Futex, waitv::WAITV, [c2.word() & 0xffff_ffff, recs, count, t, rt as u64, 0], &lends) {
        Ok(v) if v[0] == BLOCK => {
            linux.pending_key = v[1];
            Ok(BLOCK)
        }
        Ok(v) => Ok(v[0]),
        Err(e) => Ok(call_errno(&e)),
    }
}
