//! Process lifecycle operations of proc that need the thread authority and talk to mm
//! and vfs: clone (threads and fork), exit, exec.

use machine::hart::CallKind;
use crate::mm::op as mm_op;
use super::{ExitStatus, Proc};
use crate::service::{call_errno, err, is_err};
use crate::vfs::op as vfs_op;
use crate::{Env, ServiceId};

/// proc's lifecycle ops (proc's `op` module has the others).
pub mod op {
    /// Clone: a1 = flags (the exit signal in the low byte; clone3's CLONE_CLEAR_SIGHAND
    /// and CLONE_INTO_CGROUP above bit 31), a2 = new sp, a3 = tls, a4 = child tid pointer
    /// (process-local), a5 = clone3's extras: `SET_TID` | the pid asked for, `NEWTIME`.
    /// a0 = new tid, a1 = the child's DATA space.
    pub const CLONE: u64 = 0x1100;
    /// Exit: a1 = status, a2 = 1 for the whole group, a3 = the signal that kills the
    /// process (0 = a plain exit), a4 = its resident set in KiB (for getrusage and wait).
    /// a0 = 1 if the process is gone, a1 = clear_child_tid of the exiting thread.
    pub const EXIT: u64 = 0x1101;
    /// Exec succeeded: a1 = new code, a2 = new data, a3..a4 = the new thread name (16
    /// bytes, NUL-padded: the executable's file name), a5 = the executed file's owner and
    /// mode as an `EXEC_FILE_SIZE`-byte record (st_mode, st_uid, st_gid: u32 each, lent
    /// R), or 0 when unknown (then no set-id bits apply). a0 = 0, a1 = 1 when the new
    /// image runs with more privilege than its caller (AT_SECURE).
    pub const EXEC: u64 = 0x1102;
}
pub use op::{CLONE, EXEC, EXIT};
/// a5 of CLONE: a pid is asked for (clone3's set_tid) in the low 32 bits.
pub const SET_TID: u64 = 1 << 32;
/// a5 of CLONE: clone3 asked for CLONE_NEWTIME (whose bit the exit signal holds).
pub const NEWTIME: u64 = 1 << 33;
/// The largest pid (pid_max): a set_tid must be below it.
pub const PID_MAX: u64 = 4_194_304;
/// Size of the file record of EXEC.
pub const EXEC_FILE_SIZE: u64 = 12;

/// Handles the lifecycle ops; `None` if `op` is not one of them.
pub fn handle(p: &mut Proc, env: &mut dyn Env, op: u64, a: [u64; 6]) -> Option<[u64; 2]> {
    let (pid, tid) = ((a[0] >> 32) as u32, (a[0] & 0xff_ffff) as u32);
    Some(match op {
        CLONE => clone(p, env, pid, tid, a),
        EXIT => {
            let status = a[1] as u8;
            let group = a[2] == 1;
            let by_signal = a[3] as u8;
            // What it ran since its last time slice ended counts too.
            p.charge_live(tid, env.machine());
            let ctid = p.threads.get(&tid).map_or(0, |t| t.clear_child_tid);
            let alone = p.processes.get(&pid).is_none_or(|pr| pr.threads.len() <= 1);
            if group || alone {
                if let Some(pr) = p.processes.get_mut(&pid) {
                    pr.maxrss_kb = pr.maxrss_kb.max(a[4]);
                }
                let st = if by_signal != 0 { ExitStatus::Signaled { sig: by_signal, core: p.dumps_core(pid, by_signal as u32) } } else { ExitStatus::Exited(status) };
                let harts = p.end_process(pid, st);
                if let Ok((m, _)) = env.harts() {
                    for h in harts {
                        m.destroy_hart(h);
                    }
                }
                [1, ctid]
            } else {
                p.end_thread(tid);
                [0, ctid]
            }
        }
        EXEC => {
            // A vfork parent resumes once its child has a memory of its own.
            p.vfork_done(pid);
            let others: Vec<u32> = p.processes.get(&pid).map(|pr| pr.threads.iter().copied().filter(|t| *t != tid).collect()).unwrap_or_default();
            for t in others {
                if let Some((h, _)) = p.end_thread(t) {
                    if let Ok((m, _)) = env.harts() {
                        m.destroy_hart(h);
                    }
                }
            }
            if let Some(pr) = p.processes.get_mut(&pid) {
                pr.code = a[1] as u16;
                pr.ptimers.clear();
                pr.data = a[2] as u16;
                for act in pr.actions.iter_mut() {
                    if act.handler != super::SIG_IGN {
                        *act = Default::default();
                    }
                }
            }
            let mut secure = 0;
            if let Some(pr) = p.processes.get_mut(&pid) {
                let file = exec_file(env, a[5], &pr.creds);
                secure = pr.creds.exec(file, false).secure as u64;
            }
            if let Some(t) = p.threads.get_mut(&tid) {
                t.altstack = (0, 2, 0);
                t.robust_list = 0;
                t.rseq = None;
                t.comm[..8].copy_from_slice(&a[3].to_le_bytes());
                t.comm[8..].copy_from_slice(&a[4].to_le_bytes());
                t.comm[15] = 0;
            }
            [0, secure]
        }
        _ => return None,
    })
}

/// The executed file as exec's credential rule needs it: read from the lent record
/// at `rec`; with none (or an unreadable one) a file without set-id bits, so only the
/// capability rules of exec apply.
fn exec_file(env: &mut dyn Env, rec: u64, c: &crate::creds::Creds) -> crate::creds::Inode {
    let plain = crate::creds::Inode { uid: c.euid, gid: c.egid, mode: 0o100755 };
    if rec == 0 {
        return plain;
    }
    let mut b = [0u8; EXEC_FILE_SIZE as usize];
    if env.read(rec, &mut b).is_err() {
        return plain;
    }
    let w = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    crate::creds::Inode { mode: w(0), uid: w(4), gid: w(8) }
}

fn clone(p: &mut Proc, env: &mut dyn Env, pid: u32, tid: u32, a: [u64; 6]) -> [u64; 2] {
    use super::cloneflags as cf;
    let (flags, newsp, tls, ctid) = (a[1], a[2], a[3], a[4]);
    let thread = flags & libc::CLONE_THREAD as u64 != 0;
    let Some(creds) = p.creds(pid).cloned() else { return [err(libc::ESRCH), 0] };
    if let Err(e) = cf::check(flags & !0xff, &creds, pid == super::INIT_PID, a[5] & NEWTIME != 0) {
        return [err(e), 0];
    }
    if thread && flags & libc::CLONE_VM as u64 == 0 {
        return [err(libc::EINVAL), 0];
    }
    // clone3's set_tid (alloc_pid's checks), then its cgroup: grantix has no cgroup
    // file system, so no descriptor names a cgroup (EBADF, as for any other file).
    let want = (a[5] & SET_TID != 0).then_some(a[5] & 0xffff_ffff);
    if let Some(w) = want {
        if w < 1 || w >= PID_MAX {
            return [err(libc::EINVAL), 0];
        }
        if !creds.capable(crate::creds::cap::CHECKPOINT_RESTORE) && !creds.capable(crate::creds::cap::SYS_ADMIN) {
            return [err(libc::EPERM), 0];
        }
        if p.pid_in_use(w as u32) {
            return [err(libc::EEXIST), 0];
        }
    }
    if flags & cf::CLONE_INTO_CGROUP != 0 {
        return [err(libc::EBADF), 0];
    }
    // Memory shared between processes exists only for vfork, whose parent waits.
    let vfork = !thread && flags & libc::CLONE_VM as u64 != 0;
    if vfork && flags & libc::CLONE_VFORK as u64 == 0 {
        return [err(libc::EINVAL), 0];
    }
    // The parent's registers as they were at its ecall.
    let (mut ctx, code, data) = {
        let Ok((_, hart)) = env.harts() else { return [err(libc::EPERM), 0] };
        let Some(f) = hart.control.iter().rev().find(|f| f.kind == CallKind::Ecall) else { return [err(libc::EINVAL), 0] };
        (f.saved.clone(), f.caller_code, f.caller_data)
    };
    ctx.x[10] = 0;
    if newsp != 0 {
        ctx.x[2] = newsp;
    }
    if flags & libc::CLONE_SETTLS as u64 != 0 {
        ctx.x[4] = tls;
    }
    let (sigmask, comm, ioprio, rseq) = p.threads.get(&tid).map_or((0, [0; 16], None, None), |t| (t.sigmask, t.comm, t.ioprio, t.rseq));
    let new = match want {
        Some(w) => w as u32,
        None => p.alloc_pid(),
    };
    if thread {
        let Ok((m, _)) = env.harts() else { return [err(libc::EPERM), 0] };
        let Ok(h) = m.create_hart(code, data, ctx) else { return [err(libc::EAGAIN), 0] };
        p.add_thread(new, pid, h, sigmask);
        if let Some(t) = p.threads.get_mut(&new) {
            // A thread inherits the I/O priority, not the rseq registration.
            t.comm = comm;
            t.ioprio = ioprio;
        }
        if flags & libc::CLONE_CHILD_CLEARTID as u64 != 0 {
            if let Some(t) = p.threads.get_mut(&new) {
                t.clear_child_tid = ctid;
            }
        }
        // The new thread starts with its creator's memory policy.
        let _ = env.call(ServiceId::Mm, mm_op::THREAD, [(pid as u64) << 32 | tid as u64, new as u64, 0, 0, 0, 0], &[]);
        let _ = env.call(ServiceId::Vfs, vfs_op::THREAD_NEW, [(pid as u64) << 32 | tid as u64, new as u64, 0, 0, 0, 0], &[]);
        return [new as u64, data as u64];
    }
    let w = (pid as u64) << 32 | tid as u64;
    let mm_op = if vfork { mm_op::VFORK } else { mm_op::FORK };
    let (child_data, code) = match env.call(ServiceId::Mm, mm_op, [w, new as u64, 0, 0, 0, 0], &[]) {
        Ok([d, c]) if !is_err(d) => (d as u16, if c == 0 { code } else { c as u16 }),
        Ok([e, _]) => return [e, 0],
        Err(e) => return [call_errno(&e), 0],
    };
    let _ = env.call(ServiceId::Vfs, vfs_op::FORK, [w, new as u64, 0, 0, 0, 0], &[]);
    let Ok((m, _)) = env.harts() else { return [err(libc::EPERM), 0] };
    let Ok(h) = m.create_hart(code, child_data, ctx) else { return [err(libc::EAGAIN), 0] };
    let Some(parent) = p.processes.get(&pid).cloned() else { return [err(libc::ESRCH), 0] };
    let altstack = p.threads.get(&tid).map_or((0, 2, 0), |t| t.altstack);
    p.add_process(new, pid, code, child_data, h, parent.exe, parent.cmdline);
    if let Some(pr) = p.processes.get_mut(&new) {
        // The child inherits dispositions, umask and limits; not pending signals or timers.
        pr.actions = parent.actions;
        pr.umask = parent.umask;
        pr.exit_signal = (flags & 0xff) as u32;
        if flags & cf::CLONE_CLEAR_SIGHAND != 0 {
            // flush_signal_handlers: handlers go back to SIG_DFL (SIG_IGN stays).
            for act in pr.actions.iter_mut() {
                if act.handler != super::SIG_IGN {
                    act.handler = super::SIG_DFL;
                }
                act.flags = 0;
                act.mask = 0;
            }
        }
    }
    if flags & cf::CLONE_NEWUTS != 0 {
        p.new_uts_ns(new);
    }
    if let Some(t) = p.threads.get_mut(&new) {
        t.sigmask = sigmask;
        t.altstack = altstack;
        t.comm = comm;
        t.ioprio = ioprio;
        // A forked child keeps the registration (its copy of the area is at the
        // same address); a vfork child shares the parent's memory, so it has none.
        t.rseq = if vfork { None } else { rseq };
        if flags & libc::CLONE_CHILD_CLEARTID as u64 != 0 {
            t.clear_child_tid = ctid;
        }
    }
    if vfork {
        // The parent waits, off the run queue, until the child execs or exits.
        if let Some(t) = p.threads.get_mut(&tid) {
            t.vfork = new;
        }
        p.vfork_waiters.insert(new, tid);
        p.set_blocked(tid, Default::default());
    }
    [new as u64, child_data as u64]
}
