//! Small syscalls the personality answers itself: randomness, affinity and scheduling,
//! priority, usage, prctl. They touch only the caller's memory, through linux's own grant.

use crate::call::{rss_kb, scratch, Caller};
use crate::state::Linux;
use machine::addr::qualified;
use syscalls::proc::op as proc_op;
use syscalls::service::{err, is_err};
use syscalls::sysno as nr;
use syscalls::{Env, Lend, ServiceId};

/// Writes `b` to the caller's memory at `p`; false (-EFAULT for the caller) if it
/// cannot, NULL included.
fn put(env: &mut dyn Env, c: &Caller, p: u64, b: &[u8]) -> bool {
    p != 0 && env.write(c.q(p), b).is_ok()
}

/// `put` for an optional pointer: NULL means "not wanted".
fn put_opt(env: &mut dyn Env, c: &Caller, p: u64, b: &[u8]) -> bool {
    p == 0 || put(env, c, p, b)
}

/// getrandom: deterministic bytes from a per-run generator (splitmix64 over the
/// counter `state`), so runs are reproducible.
pub fn getrandom(env: &mut dyn Env, c: &Caller, state: &mut u64, a: [u64; 6]) -> u64 {
    const GRND_NONBLOCK: u64 = 1;
    const GRND_RANDOM: u64 = 2;
    const GRND_INSECURE: u64 = 4;
    let flags = a[2];
    if flags & !(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE) != 0 || flags & (GRND_RANDOM | GRND_INSECURE) == (GRND_RANDOM | GRND_INSECURE) {
        return err(libc::EINVAL);
    }
    // Linux returns at most 32 MiB - 1 per call; 1 MiB keeps one call's buffer small.
    let len = a[1].min(1 << 20) as usize;
    let mut v = vec![0u8; len];
    for chunk in v.chunks_mut(8) {
        *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut x = *state ^ 0x853c_49e6_748f_ea9b;
        x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        x ^= x >> 31;
        chunk.copy_from_slice(&x.to_le_bytes()[..chunk.len()]);
    }
    if len == 0 || put(env, c, a[0], &v) { len as u64 } else { err(libc::EFAULT) }
}

/// sched_getaffinity: one hart.
pub fn getaffinity(env: &mut dyn Env, c: &Caller, a: [u64; 6]) -> u64 {
    // Smaller than the kernel's cpumask (one u64 word): EINVAL, as Linux.
    if a[1] < 8 {
        return err(libc::EINVAL);
    }
    if put(env, c, a[2], &1u64.to_le_bytes()) { 8 } else { err(libc::EFAULT) }
}

/// getrusage: CPU times (proc's, from the instruction counts: `proc::cpu`) and
/// ru_maxrss (the process's resident pages now, or the largest of its reaped
/// children's); the other counts are not accounted and read zero.
pub fn getrusage(env: &mut dyn Env, c: &Caller, a: [u64; 6]) -> u64 {
    use syscalls::proc::cpu::{which, Times};
    let (maxrss, clock) = match a[0] as i32 {
        libc::RUSAGE_SELF => (rss_kb(env, c), which::PROCESS),
        libc::RUSAGE_THREAD => (rss_kb(env, c), which::THREAD),
        libc::RUSAGE_CHILDREN => (proc_call(env, c, proc_op::CHILDREN_MAXRSS, [0; 5], &[]), which::CHILDREN),
        _ => return err(libc::EINVAL),
    };
    let cpu = match env.call(ServiceId::Proc, proc_op::CPU_TIME, [c.word(), clock, 0, 0, 0, 0], &[]) {
        Ok([u, s]) if !is_err(u) => Times { user: u, sys: s },
        _ => Times::default(),
    };
    let ru = syscalls::proc::wait::rusage(cpu, maxrss);
    if put(env, c, a[1], &ru) { 0 } else { err(libc::EFAULT) }
}

/// The scheduling calls: one hart, one policy (SCHED_OTHER) that every thread runs
/// under whatever it asks for; the priority ranges are Linux's.
pub fn sched(env: &mut dyn Env, c: &Caller, n: u64, a: [u64; 6]) -> u64 {
    let policy_ok = |p: u64| matches!(p as i32, libc::SCHED_OTHER | libc::SCHED_FIFO | libc::SCHED_RR | libc::SCHED_BATCH | libc::SCHED_IDLE);
    let realtime = |p: u64| matches!(p as i32, libc::SCHED_FIFO | libc::SCHED_RR);
    match n {
        nr::SCHED_GET_PRIORITY_MAX | nr::SCHED_GET_PRIORITY_MIN => {
            // SCHED_DEADLINE (6) has no priorities: both ends are 0.
            if !policy_ok(a[0]) && a[0] as i32 != 6 {
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
            if put_opt(env, c, a[0], &zero) && put_opt(env, c, a[1], &zero) { 0 } else { err(libc::EFAULT) }
        }
        _ => 0,
    }
}

/// getpriority and setpriority (PRIO_PROCESS: who 0 or any process or thread id;
/// PRIO_PGRP and PRIO_USER act on the caller's own value): the nice value is
/// remembered and reported, and changes nothing else. A negative who names nothing
/// (ESRCH), as does a process group without members.
pub fn priority(linux: &mut Linux, env: &mut dyn Env, c: &Caller, n: u64, a: [u64; 6]) -> u64 {
    let (which, who) = (a[0] as u32, a[1] as u32);
    if !matches!(which, libc::PRIO_PROCESS | libc::PRIO_PGRP | libc::PRIO_USER) {
        return err(libc::EINVAL);
    }
    if (who as i32) < 0 {
        return err(libc::ESRCH);
    }
    let mut pid = c.pid;
    if which == libc::PRIO_PROCESS && who != 0 {
        let r = proc_call(env, c, proc_op::SCHED_TARGET, [who as u64, 0, 0, 0, 0], &[]);
        if is_err(r) {
            return r;
        }
        pid = r as u32;
    }
    // kill(-pgrp, 0) finds the group (EPERM: it exists, the caller may not signal it).
    if which == libc::PRIO_PGRP && who != 0 && proc_call(env, c, nr::KILL, [(-(who as i64)) as u64, 0, 0, 0, 0], &[]) == err(libc::ESRCH) {
        return err(libc::ESRCH);
    }
    let old = linux.nice.get(&pid).copied().unwrap_or(0);
    if n == nr::GETPRIORITY {
        // The kernel returns 20 - nice so the value is never negative; libc undoes it.
        return (20 - old) as u64;
    }
    let nice = (a[2] as i32).clamp(-20, 19);
    if which == libc::PRIO_PROCESS {
        let r = proc_call(env, c, proc_op::SCHED_TARGET, [who as u64, 1, 0, 0, 0], &[]);
        if is_err(r) {
            return r;
        }
    }
    // Lowering the nice value needs CAP_SYS_NICE or RLIMIT_NICE room (can_nice: the
    // limit is 20 - nice); EACCES, which glibc's nice() reports as EPERM.
    if nice < old {
        let rlim = match env.call(ServiceId::Proc, proc_op::RLIMIT, [c.word(), libc::RLIMIT_NICE as u64, 0, 0, 0, 0], &[]) {
            Ok([soft, _]) if !is_err(soft) => soft,
            _ => 0,
        };
        let capable = matches!(env.call(ServiceId::Proc, proc_op::CAPABLE, [c.word(), 23, 0, 0, 0, 0], &[]), Ok([1, _]));
        if (20 - nice) as u64 > rlim && !capable {
            return err(libc::EACCES);
        }
    }
    linux.nice.insert(pid, nice);
    0
}

/// Calls proc with the caller word and `args`, lending it `lend`; a0 (an errno
/// for a failed call).
fn proc_call(env: &mut dyn Env, c: &Caller, op: u64, args: [u64; 5], lend: &[Lend]) -> u64 {
    match env.call(ServiceId::Proc, op, [c.word(), args[0], args[1], args[2], args[3], args[4]], lend) {
        Ok([v, _]) => v,
        Err(e) => syscalls::service::call_errno(&e),
    }
}

/// Calls the vfs with the caller word and two arguments; a0 (an errno for a failed call).
fn vfs_call(env: &mut dyn Env, c: &Caller, op: u64, args: [u64; 2]) -> u64 {
    match env.call(ServiceId::Vfs, op, [c.word(), args[0], args[1], 0, 0, 0], &[]) {
        Ok([v, _]) => v,
        Err(e) => syscalls::service::call_errno(&e),
    }
}

/// prctl: thread names (kept by proc, which /proc/PID/task/TID/comm reads too), the
/// parent-death signal, and a few options that are accepted and change nothing.
pub fn prctl(env: &mut dyn Env, c: &Caller, a: [u64; 6]) -> u64 {
    let me = env.me();
    let buf = qualified(me, scratch::BASE + scratch::MISC);
    match a[0] as i32 {
        libc::PR_SET_NAME => {
            // The name is at most 16 bytes, and may end before a page that is not mapped.
            let mut b = [0u8; 16];
            for (i, slot) in b.iter_mut().take(15).enumerate() {
                let mut x = [0u8];
                if env.read(c.q(a[1].wrapping_add(i as u64)), &mut x).is_err() {
                    return err(libc::EFAULT);
                }
                if x[0] == 0 {
                    break;
                }
                *slot = x[0];
            }
            if env.write(buf, &b).is_err() {
                return err(libc::ENOMEM);
            }
            proc_call(env, c, proc_op::COMM, [0, buf, 1, 0, 0], &[Lend::read(buf, 16)])
        }
        libc::PR_GET_NAME => {
            let r = proc_call(env, c, proc_op::COMM, [0, buf, 0, 0, 0], &[Lend::write(buf, 16)]);
            let mut b = [0u8; 16];
            if is_err(r) || env.read(buf, &mut b).is_err() {
                return if is_err(r) { r } else { err(libc::EFAULT) };
            }
            if put(env, c, a[1], &b) { 0 } else { err(libc::EFAULT) }
        }
        libc::PR_SET_PDEATHSIG => {
            if a[1] > 64 {
                return err(libc::EINVAL);
            }
            proc_call(env, c, proc_op::PDEATHSIG, [1, a[1], 0, 0, 0], &[]);
            0
        }
        libc::PR_GET_PDEATHSIG => {
            let sig = proc_call(env, c, proc_op::PDEATHSIG, [0, 0, 0, 0, 0], &[]) as i32;
            if put(env, c, a[1], &sig.to_le_bytes()) { 0 } else { err(libc::EFAULT) }
        }
        // SUID_DUMP_DISABLE or SUID_DUMP_USER; no_new_privs can only be set (to 1),
        // with the unused arguments zero (Linux's checks).
        libc::PR_SET_DUMPABLE if a[1] > 1 => err(libc::EINVAL),
        libc::PR_SET_NO_NEW_PRIVS if a[1] != 1 || a[2] | a[3] | a[4] != 0 => err(libc::EINVAL),
        libc::PR_GET_NO_NEW_PRIVS if a[1] | a[2] | a[3] | a[4] != 0 => err(libc::EINVAL),
        libc::PR_SET_DUMPABLE | libc::PR_SET_NO_NEW_PRIVS => 0,
        libc::PR_GET_DUMPABLE => 1,
        libc::PR_GET_NO_NEW_PRIVS => 0,
        libc::PR_CAPBSET_READ => proc_call(env, c, proc_op::CAPBSET, [0, a[1], 0, 0, 0], &[]),
        libc::PR_CAPBSET_DROP => proc_call(env, c, proc_op::CAPBSET, [1, a[1], 0, 0, 0], &[]),
        libc::PR_GET_SECUREBITS => proc_call(env, c, proc_op::CAPBSET, [2, 0, 0, 0, 0], &[]),
        libc::PR_SET_SECUREBITS => proc_call(env, c, proc_op::CAPBSET, [3, a[1], 0, 0, 0], &[]),
        libc::PR_GET_KEEPCAPS => proc_call(env, c, proc_op::CAPBSET, [4, 0, 0, 0, 0], &[]),
        libc::PR_SET_KEEPCAPS => proc_call(env, c, proc_op::CAPBSET, [5, a[1], 0, 0, 0], &[]),
        // The timer slack is the vfs's (it serves /proc/PID/timerslack_ns): 0 resets
        // it to the default the process inherited.
        libc::PR_SET_TIMERSLACK => vfs_call(env, c, syscalls::vfs::op::TIMERSLACK, [1, a[1]]),
        libc::PR_GET_TIMERSLACK => vfs_call(env, c, syscalls::vfs::op::TIMERSLACK, [0, 0]),
        _ => err(libc::EINVAL),
    }
}

/// riscv_hwprobe(pairs, count, cpusetsize, cpus, flags): what this hart implements.
/// Each pair is {i64 key, u64 value}; an unknown key is answered with key -1, as Linux
/// does. Every hart is the same, so the cpu set does not matter.
pub fn hwprobe(env: &mut dyn Env, c: &Caller, a: [u64; 6]) -> u64 {
    const MVENDORID: i64 = 0;
    const MARCHID: i64 = 1;
    const MIMPID: i64 = 2;
    const BASE_BEHAVIOR: i64 = 3;
    const IMA_EXT_0: i64 = 4;
    const CPUPERF_0: i64 = 5;
    let (pairs, count, flags) = (a[0], a[1], a[4]);
    if flags != 0 {
        return err(libc::EINVAL);
    }
    for i in 0..count.min(64) {
        let p = c.q(pairs + i * 16);
        let mut b = [0u8; 8];
        if env.read(p, &mut b).is_err() {
            return err(libc::EFAULT);
        }
        let key = i64::from_le_bytes(b);
        let value: Option<u64> = match key {
            MVENDORID | MARCHID | MIMPID => Some(0),
            // The base behaviour is IMA; the extension word says F+D (bit 0) and C (bit 1).
            BASE_BEHAVIOR => Some(1),
            IMA_EXT_0 => Some(0b11),
            // Misaligned accesses are emulated by the machine: "emulated" (1) is honest.
            CPUPERF_0 => Some(1),
            _ => None,
        };
        let (k, v) = match value {
            Some(v) => (key, v),
            None => (-1, 0),
        };
        let mut out = [0u8; 16];
        out[..8].copy_from_slice(&k.to_le_bytes());
        out[8..].copy_from_slice(&v.to_le_bytes());
        if env.write(p, &out).is_err() {
            return err(libc::EFAULT);
        }
    }
    0
}
