//! The scheduling-policy calls: sched_setscheduler, sched_setparam,
//! sched_getscheduler, sched_getparam, sched_setattr, sched_getattr, and the pid
//! checks of the affinity and interval calls.
//!
//! One hart runs one thread at a time, round robin, whatever a thread asks for: the
//! policy, priority and nice value a thread sets are checked with Linux's rules
//! (EINVAL for a bad policy or priority, EPERM for a real-time policy without
//! CAP_SYS_NICE, ESRCH for a thread that does not exist) and reported back, and change
//! nothing else. `misc::sched` answers the rest.

use crate::call::Caller;
use crate::misc;
use crate::state::{Linux, Policy};
use syscalls::proc::op as proc_op;
use syscalls::service::err;
use syscalls::sysno as nr;
use syscalls::{Env, ServiceId};

const SCHED_DEADLINE: i32 = 6;
const SCHED_RESET_ON_FORK: i32 = 0x4000_0000;
/// SCHED_FLAG_RESET_ON_FORK | RECLAIM | DL_OVERRUN | KEEP_POLICY | KEEP_PARAMS |
/// UTIL_CLAMP_MIN | UTIL_CLAMP_MAX.
const SCHED_FLAG_ALL: u64 = 0x7f;
const SCHED_FLAG_KEEP_POLICY: u64 = 0x08;
const SCHED_FLAG_KEEP_PARAMS: u64 = 0x10;
/// struct sched_attr: its first version's size, and the size grantix knows (VER1).
const ATTR_VER0: u64 = 48;
const ATTR_SIZE: u64 = 56;
const CAP_SYS_NICE: u64 = 23;

fn realtime(p: i32) -> bool {
    matches!(p, libc::SCHED_FIFO | libc::SCHED_RR)
}

fn valid(p: i32) -> bool {
    matches!(p, libc::SCHED_OTHER | libc::SCHED_FIFO | libc::SCHED_RR | libc::SCHED_BATCH | libc::SCHED_IDLE | SCHED_DEADLINE)
}

/// The thread `pid` names for a scheduling call (0: the caller), if it exists (a
/// process without threads, init, included).
fn target(env: &mut dyn Env, c: &Caller, pid: u64) -> Option<u32> {
    if pid == 0 {
        return Some(c.tid);
    }
    match env.call(ServiceId::Proc, proc_op::SCHED_TARGET, [c.word(), pid, 0, 0, 0, 0], &[]) {
        Ok([r, _]) if !syscalls::service::is_err(r) => Some(pid as u32),
        _ => None,
    }
}

/// Whether the caller may change the scheduling of thread `pid` (0: itself): Linux's
/// check_same_owner, or CAP_SYS_NICE. EPERM (or ESRCH).
pub(crate) fn may_change(env: &mut dyn Env, c: &Caller, pid: u64) -> Result<(), i32> {
    match env.call(ServiceId::Proc, proc_op::SCHED_TARGET, [c.word(), pid, 1, 0, 0, 0], &[]) {
        Ok([r, _]) if syscalls::service::is_err(r) => Err(-(r as i64) as i32),
        Ok(_) => Ok(()),
        Err(_) => Err(libc::ESRCH),
    }
}

fn capable(env: &mut dyn Env, c: &Caller) -> bool {
    matches!(env.call(ServiceId::Proc, proc_op::CAPABLE, [c.word(), CAP_SYS_NICE, 0, 0, 0, 0], &[]), Ok([1, _]))
}

fn read(env: &mut dyn Env, c: &Caller, p: u64, b: &mut [u8]) -> bool {
    p != 0 && env.read(c.q(p), b).is_ok()
}

/// Linux's checks of a policy and priority (__sched_setscheduler): EINVAL or EPERM.
fn check(env: &mut dyn Env, c: &Caller, p: &Policy) -> Result<(), i32> {
    if !valid(p.policy) {
        return Err(libc::EINVAL);
    }
    let prio_ok = if realtime(p.policy) { (1..=99).contains(&p.priority) } else { p.priority == 0 };
    if !prio_ok {
        return Err(libc::EINVAL);
    }
    if p.policy == SCHED_DEADLINE {
        let [runtime, deadline, period] = p.dl;
        let period = if period == 0 { deadline } else { period };
        if deadline == 0 || runtime < 1024 || runtime > deadline || deadline > period {
            return Err(libc::EINVAL);
        }
    }
    // RLIMIT_RTPRIO is 0: real-time and deadline policies need CAP_SYS_NICE.
    if (realtime(p.policy) || p.policy == SCHED_DEADLINE) && !capable(env, c) {
        return Err(libc::EPERM);
    }
    Ok(())
}

/// The scheduling calls that name a thread by pid.
pub fn call(linux: &mut Linux, env: &mut dyn Env, c: &Caller, n: u64, a: [u64; 6]) -> u64 {
    let pid = a[0] as i32;
    let cur = |linux: &Linux, t: u32| linux.sched.get(&t).copied().unwrap_or_default();
    match n {
        nr::SCHED_SETSCHEDULER | nr::SCHED_SETPARAM => {
            let param = if n == nr::SCHED_SETSCHEDULER { a[2] } else { a[1] };
            if param == 0 || pid < 0 {
                return err(libc::EINVAL);
            }
            let mut b = [0u8; 4];
            if !read(env, c, param, &mut b) {
                return err(libc::EFAULT);
            }
            let Some(t) = target(env, c, a[0]) else { return err(libc::ESRCH) };
            let old = cur(linux, t);
            let policy = if n == nr::SCHED_SETSCHEDULER { a[1] as i32 & !SCHED_RESET_ON_FORK } else { old.policy };
            if policy == SCHED_DEADLINE {
                // Only sched_setattr carries deadline parameters.
                return err(libc::EINVAL);
            }
            let p = Policy { policy, priority: u32::from_le_bytes(b), dl: [0; 3] };
            match check(env, c, &p).and_then(|()| may_change(env, c, a[0])) {
                Ok(()) => {
                    linux.sched.insert(t, p);
                    0
                }
                Err(e) => err(e),
            }
        }
        nr::SCHED_GETSCHEDULER => {
            if pid < 0 {
                return err(libc::EINVAL);
            }
            match target(env, c, a[0]) {
                Some(t) => cur(linux, t).policy as u64,
                None => err(libc::ESRCH),
            }
        }
        nr::SCHED_GETPARAM => {
            if a[1] == 0 || pid < 0 {
                return err(libc::EINVAL);
            }
            let Some(t) = target(env, c, a[0]) else { return err(libc::ESRCH) };
            let prio = cur(linux, t).priority;
            if env.write(c.q(a[1]), &prio.to_le_bytes()).is_ok() { 0 } else { err(libc::EFAULT) }
        }
        nr::SCHED_SETATTR => setattr(linux, env, c, a),
        nr::SCHED_GETATTR => getattr(linux, env, c, a),
        _ => {
            // Affinity, round-robin interval: the pid must name a thread.
            // Linux checks these first: a negative interval pid, a mask too small.
            if (pid < 0 && n == nr::SCHED_RR_GET_INTERVAL) || (n == nr::SCHED_GETAFFINITY && a[1] < 8) {
                return err(libc::EINVAL);
            }
            if n == nr::SCHED_SETAFFINITY {
                return setaffinity(env, c, a);
            }
            let Some(t) = target(env, c, a[0]) else { return err(libc::ESRCH) };
            // SCHED_FIFO and SCHED_DEADLINE threads have no time slice (Linux's rt
            // class gives one to SCHED_RR only, the deadline class none): 0.
            if n == nr::SCHED_RR_GET_INTERVAL && matches!(cur(linux, t).policy, libc::SCHED_FIFO | SCHED_DEADLINE) {
                return if env.write(c.q(a[1]), &[0u8; 16]).is_ok() { 0 } else { err(libc::EFAULT) };
            }
            if n == nr::SCHED_GETAFFINITY { misc::getaffinity(env, c, a) } else { misc::sched(env, c, n, a) }
        }
    }
}

/// sched_setaffinity(pid, len, mask), in Linux's order: the mask is copied first
/// (EFAULT; at most the kernel's one-word cpumask, a shorter one zero-filled), then
/// the thread (ESRCH), its owner (EPERM), and a mask without CPU 0, the one hart,
/// allows nothing (EINVAL).
fn setaffinity(env: &mut dyn Env, c: &Caller, a: [u64; 6]) -> u64 {
    let mut b = [0u8; 8];
    let len = a[1].min(8) as usize;
    if len > 0 && (a[2] == 0 || env.read(c.q(a[2]), &mut b[..len]).is_err()) {
        return err(libc::EFAULT);
    }
    if (a[0] as i32) < 0 || target(env, c, a[0]).is_none() {
        return err(libc::ESRCH);
    }
    if let Err(e) = may_change(env, c, a[0]) {
        return err(e);
    }
    if b[0] & 1 == 0 { err(libc::EINVAL) } else { 0 }
}

/// sched_setattr(pid, attr, flags).
fn setattr(linux: &mut Linux, env: &mut dyn Env, c: &Caller, a: [u64; 6]) -> u64 {
    let (pid, uattr, flags) = (a[0] as i32, a[1], a[2]);
    if uattr == 0 || pid < 0 || flags != 0 {
        return err(libc::EINVAL);
    }
    let mut sz = [0u8; 4];
    if !read(env, c, uattr, &mut sz) {
        return err(libc::EFAULT);
    }
    let mut size = u32::from_le_bytes(sz) as u64;
    if size == 0 {
        size = ATTR_VER0;
    }
    if !(ATTR_VER0..=4096).contains(&size) {
        // Linux writes back the size it knows, then says E2BIG.
        let _ = env.write(c.q(uattr), &(ATTR_SIZE as u32).to_le_bytes());
        return err(libc::E2BIG);
    }
    let mut b = vec![0u8; size as usize];
    if !read(env, c, uattr, &mut b) {
        return err(libc::EFAULT);
    }
    // A larger structure than grantix knows must be zero past what it knows.
    if b.iter().skip(ATTR_SIZE as usize).any(|x| *x != 0) {
        let _ = env.write(c.q(uattr), &(ATTR_SIZE as u32).to_le_bytes());
        return err(libc::E2BIG);
    }
    b.resize(ATTR_SIZE as usize, 0);
    let u32_at = |o: usize| u32::from_le_bytes(b[o..o + 4].try_into().unwrap_or_default());
    let u64_at = |o: usize| u64::from_le_bytes(b[o..o + 8].try_into().unwrap_or_default());
    let (mut policy, sflags, nice, prio) = (u32_at(4) as i32, u64_at(8), (u32_at(16) as i32).clamp(-20, 19), u32_at(20));
    if policy < 0 {
        return err(libc::EINVAL);
    }
    let Some(t) = target(env, c, a[0]) else { return err(libc::ESRCH) };
    if sflags & !SCHED_FLAG_ALL != 0 {
        return err(libc::EINVAL);
    }
    let old = linux.sched.get(&t).copied().unwrap_or_default();
    if sflags & SCHED_FLAG_KEEP_POLICY != 0 {
        policy = old.policy;
    }
    let mut p = Policy { policy, priority: prio, dl: [u64_at(24), u64_at(32), u64_at(40)] };
    if sflags & SCHED_FLAG_KEEP_PARAMS != 0 {
        p.priority = old.priority;
        p.dl = old.dl;
    }
    if let Err(e) = check(env, c, &p).and_then(|()| may_change(env, c, a[0])) {
        return err(e);
    }
    linux.sched.insert(t, p);
    if !realtime(policy) && policy != SCHED_DEADLINE {
        linux.nice.insert(t, nice);
    }
    0
}

/// sched_getattr(pid, attr, size, flags).
fn getattr(linux: &mut Linux, env: &mut dyn Env, c: &Caller, a: [u64; 6]) -> u64 {
    let (pid, uattr, usize_, flags) = (a[0] as i32, a[1], a[2], a[3]);
    if uattr == 0 || pid < 0 || !(ATTR_VER0..=4096).contains(&usize_) || flags != 0 {
        return err(libc::EINVAL);
    }
    let Some(t) = target(env, c, a[0]) else { return err(libc::ESRCH) };
    let p = linux.sched.get(&t).copied().unwrap_or_default();
    let n = usize_.min(ATTR_SIZE);
    let mut b = [0u8; ATTR_SIZE as usize];
    b[0..4].copy_from_slice(&(n as u32).to_le_bytes());
    b[4..8].copy_from_slice(&(p.policy as u32).to_le_bytes());
    if !realtime(p.policy) && p.policy != SCHED_DEADLINE {
        b[16..20].copy_from_slice(&linux.nice.get(&t).copied().unwrap_or(0).to_le_bytes());
    }
    b[20..24].copy_from_slice(&p.priority.to_le_bytes());
    for (i, v) in p.dl.iter().enumerate() {
        b[24 + i * 8..32 + i * 8].copy_from_slice(&v.to_le_bytes());
    }
    // util_max reads 1024 (no clamping) as on Linux.
    b[52..56].copy_from_slice(&1024u32.to_le_bytes());
    if env.write(c.q(uattr), &b[..n as usize]).is_ok() { 0 } else { err(libc::EFAULT) }
}
