//! clone3(args, size): struct clone_args read and checked as kernel/fork.c's
//! copy_clone_args_from_user and clone3_args_valid check it, then carried out by the
//! clone path (`process::clone`): flags, exit_signal, stack + stack_size, tls,
//! child_tid, parent_tid, pidfd; set_tid and CLONE_INTO_CGROUP go to proc, which
//! answers them as Linux does in a single pid namespace without a cgroup file system.

use crate::call::Caller;
use syscalls::lifecycle::{NEWTIME, SET_TID};
use syscalls::proc::cloneflags as cf;
use syscalls::service::err;
use syscalls::Env;

/// CLONE_ARGS_SIZE_VER0 (without set_tid), and sizeof(struct clone_args) (VER2).
pub const SIZE_VER0: u64 = 64;
pub const SIZE_VER2: u64 = 88;
/// The largest size taken (PAGE_SIZE); more is E2BIG.
const SIZE_MAX: u64 = 4096;
/// MAX_PID_NS_LEVEL: the most set_tid entries.
const MAX_SET_TID: u64 = 32;

/// The parsed structure (fields in the kernel's order).
#[derive(Clone, Copy, Debug, Default)]
struct Args {
    flags: u64,
    pidfd: u64,
    child_tid: u64,
    parent_tid: u64,
    exit_signal: u64,
    stack: u64,
    stack_size: u64,
    tls: u64,
    set_tid: u64,
    set_tid_size: u64,
    cgroup: u64,
}

/// Reads and checks the arguments: the clone path's arguments (flags with the exit
/// signal, new sp, parent_tid, tls, child_tid, proc's extras) and clone3's pidfd
/// pointer, or the errno.
fn read(env: &mut dyn Env, c: &Caller, p: u64, size: u64) -> Result<([u64; 6], u64), i32> {
    if size < SIZE_VER0 {
        return Err(libc::EINVAL);
    }
    if size > SIZE_MAX {
        return Err(libc::E2BIG);
    }
    // copy_struct_from_user: what we know is read; anything past it must be zero.
    let mut b = vec![0u8; size as usize];
    env.read(c.q(p), &mut b).map_err(|_| libc::EFAULT)?;
    if b.iter().skip(SIZE_VER2 as usize).any(|x| *x != 0) {
        return Err(libc::E2BIG);
    }
    b.resize(SIZE_VER2 as usize, 0);
    let w = |i: usize| u64::from_le_bytes(b[i * 8..i * 8 + 8].try_into().unwrap_or_default());
    let a = Args {
        flags: w(0),
        pidfd: w(1),
        child_tid: w(2),
        parent_tid: w(3),
        exit_signal: w(4),
        stack: w(5),
        stack_size: w(6),
        tls: w(7),
        set_tid: w(8),
        set_tid_size: w(9),
        cgroup: w(10),
    };
    if a.set_tid_size > MAX_SET_TID || (a.set_tid == 0 && a.set_tid_size > 0) || (a.set_tid != 0 && a.set_tid_size == 0) {
        return Err(libc::EINVAL);
    }
    // valid_signal: 0..=64 only, nothing above the low byte.
    if a.exit_signal & !0xff != 0 || a.exit_signal > 64 {
        return Err(libc::EINVAL);
    }
    if a.flags & cf::CLONE_INTO_CGROUP != 0 && (a.cgroup > i32::MAX as u64 || size < SIZE_VER2) {
        return Err(libc::EINVAL);
    }
    let mut extra = 0;
    if a.set_tid_size > 0 {
        let mut t = vec![0u8; (a.set_tid_size * 4) as usize];
        env.read(c.q(a.set_tid), &mut t).map_err(|_| libc::EFAULT)?;
        // One pid namespace: only one level may be named (alloc_pid).
        if a.set_tid_size > 1 {
            return Err(libc::EINVAL);
        }
        let tid = i32::from_le_bytes([t[0], t[1], t[2], t[3]]);
        // Below 1 is EINVAL (alloc_pid): proc says so for the 0 it gets then.
        extra = SET_TID | (tid.max(0) as u32 as u64);
    }
    // clone3_args_valid.
    let legacy = 0xffff_ffffu64;
    if a.flags & !(legacy | cf::CLONE_CLEAR_SIGHAND | cf::CLONE_INTO_CGROUP) != 0 {
        return Err(libc::EINVAL);
    }
    // The CSIGNAL bits (but CLONE_NEWTIME's) and CLONE_DETACHED are not flags here.
    if a.flags & (cf::CLONE_DETACHED | (0xff & !cf::CLONE_NEWTIME)) != 0 {
        return Err(libc::EINVAL);
    }
    if a.flags & cf::CLONE_SIGHAND != 0 && a.flags & cf::CLONE_CLEAR_SIGHAND != 0 {
        return Err(libc::EINVAL);
    }
    if a.flags & (cf::CLONE_THREAD | cf::CLONE_PARENT) != 0 && a.exit_signal != 0 {
        return Err(libc::EINVAL);
    }
    // clone3_stack_valid: a stack has a size, a size has a stack; it grows down
    // from stack + stack_size.
    let sp = match (a.stack, a.stack_size) {
        (0, 0) => 0,
        (0, _) | (_, 0) => return Err(libc::EINVAL),
        (s, n) => s.checked_add(n).ok_or(libc::EINVAL)?,
    };
    if a.flags & cf::CLONE_NEWTIME != 0 {
        extra |= NEWTIME;
    }
    let flags = (a.flags & !0xff) | a.exit_signal;
    Ok(([flags, sp, a.parent_tid, a.tls, a.child_tid, extra], a.pidfd))
}

/// clone3: a thread or a process, as clone makes them. Also says whether the
/// child is a vfork child (whose parent must wait).
pub fn clone3(env: &mut dyn Env, c: &Caller, a: [u64; 6]) -> (u64, bool) {
    match read(env, c, a[0], a[1]) {
        Ok((args, pidfd)) => (super::process::clone_with(env, c, args, pidfd), super::process::is_vfork(args[0])),
        Err(e) => (err(e), false),
    }
}
