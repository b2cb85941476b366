//! Small syscalls the personality answers itself: limits, randomness, affinity, usage,
//! prctl. They touch only the caller's memory, through linux's own grant.

use crate::linux::Caller;
use syscalls::service::err;
use syscalls::sysno as nr;
use syscalls::Env;

fn put(env: &mut dyn Env, c: &Caller, p: u64, b: &[u8]) -> bool {
    p == 0 || env.write(c.q(p), b).is_ok()
}

/// prlimit64, getrlimit, setrlimit: fixed, generous limits; setting is accepted for
/// RLIMIT_NOFILE (which vfs enforces) and ignored otherwise.
pub fn rlimit(env: &mut dyn Env, c: &Caller, n: u64, a: [u64; 6]) -> u64 {
    let (res, new, old) = match n {
        nr::PRLIMIT64 => {
            if a[0] != 0 && a[0] as u32 != c.pid {
                return err(libc::ESRCH);
            }
            (a[1] as u32, a[2], a[3])
        }
        nr::GETRLIMIT => (a[0] as u32, 0, a[1]),
        _ => (a[0] as u32, a[1], 0),
    };
    let cur: (u64, u64) = match res {
        3 => (8 << 20, u64::MAX),       // RLIMIT_STACK
        7 => (1024, 1 << 20),           // RLIMIT_NOFILE
        6 => (4096, 4096),              // RLIMIT_NPROC
        r if r < 16 => (u64::MAX, u64::MAX),
        _ => return err(libc::EINVAL),
    };
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&cur.0.to_le_bytes());
    b[8..].copy_from_slice(&cur.1.to_le_bytes());
    if !put(env, c, old, &b) {
        return err(libc::EFAULT);
    }
    if new != 0 {
        let mut nb = [0u8; 16];
        if env.read(c.q(new), &mut nb).is_err() {
            return err(libc::EFAULT);
        }
        if res == 7 {
            let soft = u64::from_le_bytes(nb[..8].try_into().unwrap_or_default());
            let _ = env.call(syscalls::ServiceId::Vfs, syscalls::vfs_op::SET_LIMIT, [c.word(), soft, 0, 0, 0, 0], &[]);
        }
    }
    0
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

/// getrusage: zeros but for the fields nobody can get wrong.
pub fn getrusage(env: &mut dyn Env, c: &Caller, a: [u64; 6]) -> u64 {
    if put(env, c, a[1], &[0u8; 144]) { 0 } else { err(libc::EFAULT) }
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
