//! Small syscalls the personality answers itself: randomness, affinity and scheduling,
//! priority, usage, prctl. They touch only the caller's memory, through linux's own grant.

use crate::linux::Caller;
use syscalls::service::err;
use syscalls::sysno as nr;
use syscalls::Env;

fn put(env: &mut dyn Env, c: &Caller, p: u64, b: &[u8]) -> bool {
    p == 0 || env.write(c.q(p), b).is_ok()
}

/// getrandom: deterministic bytes from a per-run generator (reproducible runs).
pub fn getrandom(env: &mut dyn Env, c: &Caller, a: [u64; 6]) -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static STATE: AtomicU64 = AtomicU64::new(0x853c_49e6_748f_ea9b);
    let len = a[1].min(1 << 20) as usize;
    let mut v = vec![0u8; len];
    for chunk in v.chunks_mut(8) {
        let mut x = STATE.fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed);
        x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        x ^= x >> 31;
        chunk.copy_from_slice(&x.to_le_bytes()[..chunk.len()]);
    }
    if put(env, c, a[0], &v) { len as u64 } else { err(libc::EFAULT) }
}

/// sched_getaffinity: one hart.
pub fn getaffinity(env: &mut dyn Env, c: &Caller, a: [u64; 6]) -> u64 {
    if a[1] < 8 {
        return err(libc::EINVAL);
    }
    if put(env, c, a[2], &1u64.to_le_bytes()) { 8 } else { err(libc::EFAULT) }
}

/// getrusage: zeros (no CPU time or memory is accounted per process).
pub fn getrusage(env: &mut dyn Env, c: &Caller, a: [u64; 6]) -> u64 {
    if !matches!(a[0] as i32, libc::RUSAGE_SELF | libc::RUSAGE_CHILDREN | libc::RUSAGE_THREAD) {
        return err(libc::EINVAL);
    }
    if put(env, c, a[1], &[0u8; 144]) { 0 } else { err(libc::EFAULT) }
}

/// The scheduling calls: one hart, one policy (SCHED_OTHER) that every thread runs
/// under whatever it asks for; the priority ranges are Linux's.
pub fn sched(env: &mut dyn Env, c: &Caller, n: u64, a: [u64; 6]) -> u64 {
    let policy_ok = |p: u64| matches!(p as i32, libc::SCHED_OTHER | libc::SCHED_FIFO | libc::SCHED_RR | libc::SCHED_BATCH | libc::SCHED_IDLE);
    let realtime = |p: u64| matches!(p as i32, libc::SCHED_FIFO | libc::SCHED_RR);
    match n {
        nr::SCHED_GET_PRIORITY_MAX | nr::SCHED_GET_PRIORITY_MIN => {
            if !policy_ok(a[0]) {
                return err(libc::EINVAL);
            }
            match (realtime(a[0]), n == nr::SCHED_GET_PRIORITY_MAX) {
                (true, true) => 99,
                (true, false) => 1,
                _ => 0,
            }
        }
        nr::SCHED_GETSCHEDULER => libc::SCHED_OTHER as u64,
        nr::SCHED_GETPARAM => {
            if a[1] == 0 {
                return err(libc::EINVAL);
            }
            if put(env, c, a[1], &0i32.to_le_bytes()) { 0 } else { err(libc::EFAULT) }
        }
        nr::SCHED_SETSCHEDULER if !policy_ok(a[1]) => err(libc::EINVAL),
        nr::SCHED_RR_GET_INTERVAL => {
            // The round-robin quantum Linux reports for SCHED_RR: 100 ms.
            let mut b = [0u8; 16];
            b[8..].copy_from_slice(&100_000_000u64.to_le_bytes());
            if a[1] != 0 && put(env, c, a[1], &b) { 0 } else { err(libc::EFAULT) }
        }
        nr::GETCPU => {
            let zero = 0u32.to_le_bytes();
            if put(env, c, a[0], &zero) && put(env, c, a[1], &zero) { 0 } else { err(libc::EFAULT) }
        }
        _ => 0,
    }
}

/// getpriority and setpriority on the caller's own process (PRIO_PROCESS, who 0 or
/// its pid): the nice value is remembered and reported, and changes nothing else.
pub fn priority(linux: &mut crate::linux::Linux, c: &Caller, n: u64, a: [u64; 6]) -> u64 {
    let (which, who) = (a[0] as u32, a[1] as u32);
    if !matches!(which, libc::PRIO_PROCESS | libc::PRIO_PGRP | libc::PRIO_USER) {
        return err(libc::EINVAL);
    }
    let pid = if which == libc::PRIO_PROCESS && who != 0 { who } else { c.pid };
    if n == nr::GETPRIORITY {
        // The kernel returns 20 - nice so the value is never negative; libc undoes it.
        return (20 - linux.nice.get(&pid).copied().unwrap_or(0)) as u64;
    }
    linux.nice.insert(pid, (a[2] as i32).clamp(-20, 19));
    0
}

/// prctl: PR_SET_NAME / PR_GET_NAME and a few harmless ones.
pub fn prctl(env: &mut dyn Env, c: &Caller, a: [u64; 6]) -> u64 {
    thread_local! {
        static NAMES: std::cell::RefCell<std::collections::BTreeMap<u32, [u8; 16]>> = Default::default();
    }
    match a[0] as i32 {
        libc::PR_SET_NAME => {
            let mut b = [0u8; 16];
            for (i, slot) in b.iter_mut().take(15).enumerate() {
                let mut x = [0u8];
                if env.read(c.q(a[1] + i as u64), &mut x).is_err() {
                    return err(libc::EFAULT);
                }
                if x[0] == 0 {
                    break;
                }
                *slot = x[0];
            }
            NAMES.with(|n| n.borrow_mut().insert(c.tid, b));
            0
        }
        libc::PR_GET_NAME => {
            let b = NAMES.with(|n| n.borrow().get(&c.tid).copied()).unwrap_or(*b"grantix\0\0\0\0\0\0\0\0\0");
            if put(env, c, a[1], &b) { 0 } else { err(libc::EFAULT) }
        }
        libc::PR_SET_PDEATHSIG | libc::PR_SET_DUMPABLE | libc::PR_SET_NO_NEW_PRIVS => 0,
        libc::PR_GET_DUMPABLE => 1,
        _ => err(libc::EINVAL),
    }
}
