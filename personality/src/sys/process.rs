//! Process and thread lifetime as the linux space sees it: exit and exit_group (with
//! CLONE_CHILD_CLEARTID), execve (resolve, load, replace the environment) and clone.

use crate::call::{rss_kb, scratch, Caller, Outcome};
use crate::state::Linux;
use machine::addr::{self, qualified, Sid};
use syscalls::mm::op as mm_op;
use syscalls::service::{call_errno, err, is_err, BLOCK};
use syscalls::vfs::op as vfs_op;
use syscalls::{Env, Lend, ServiceId};

/// exit (`group` false) and exit_group: ends the thread or the whole process.
pub fn exit(linux: &mut Linux, env: &mut dyn Env, c: &Caller, status: u64, group: bool) -> Outcome {
    end(linux, env, c, status, group, 0)
}

/// The whole process ends with `status`, or killed by signal `sig` when not 0 (a host
/// program's end, `sys::hostexec`).
pub fn exit_as(linux: &mut Linux, env: &mut dyn Env, c: &Caller, status: u64, sig: u64) -> Outcome {
    end(linux, env, c, status, true, sig)
}

/// A host program's stub waits (`sys::hostexec`): blocks until the host program has ended (and its output reached
/// the guest's pipes), then the process exits with the program's status.
pub fn host_wait(linux: &mut Linux, env: &mut dyn Env, c: &Caller) -> Outcome {
    match env.call(ServiceId::Vfs, vfs_op::HOST_WAIT, [c.word(), 0, 0, 0, 0, 0], &[]) {
        Ok([BLOCK, k]) => {
            linux.pending_key = k;
            Outcome::Value(BLOCK)
        }
        Ok([0, w]) => exit_as(linux, env, c, w & 0xff, (w >> 8) & 0x7f),
        Ok([v, _]) => Outcome::Value(v),
        Err(e) => Outcome::Value(call_errno(&e)),
    }
}

fn end(linux: &mut Linux, env: &mut dyn Env, c: &Caller, status: u64, group: bool, sig: u64) -> Outcome {
    let code = status & 0xff;
    // Robust futexes the dying threads held are released first (Linux: exit_mm).
    crate::sys::robust::owner_died(env, c, group);
    let rss = rss_kb(env, c);
    let r = env.call(ServiceId::Proc, syscalls::lifecycle::EXIT, [c.word(), code, group as u64, sig, rss, 0], &[]);
    if let Ok([last, ctid]) = r {
        if last == 1 {
            linux.process_gone(env, c.pid);
        } else {
            thread_gone(env, c, ctid);
        }
    }
    Outcome::Exited
}

/// What a thread leaves behind when it ends but its process goes on: the
/// CLONE_CHILD_CLEARTID word is zeroed and one waiter woken (pthread_join), and vfs
/// forgets the thread's retry state.
pub fn thread_gone(env: &mut dyn Env, c: &Caller, ctid: u64) {
    if ctid != 0 {
        let p = c.q(ctid);
        if env.write(p, &0u32.to_le_bytes()).is_ok() {
            // FUTEX_WAKE of one waiter; the futex caller word carries no pid (private).
            let _ = env.call(ServiceId::Futex, syscalls::sysno::FUTEX, [c.word() & 0xffff_ffff, p, 1, 1, 0, 0], &[]);
        }
    }
    let _ = env.call(ServiceId::Vfs, vfs_op::THREAD_EXIT, [c.word(), 0, 0, 0, 0, 0], &[]);
}

/// Reads the NUL-terminated string vector (argv, envp) at process pointer `p`.
fn read_strv(env: &mut dyn Env, c: &Caller, p: u64) -> Option<Vec<Vec<u8>>> {
    let mut v = Vec::new();
    if p == 0 {
        return Some(v);
    }
    for i in 0..65536u64 {
        let s = Linux::read_u64(env, c.q(p.wrapping_add(i * 8)))?;
        if s == 0 {
            return Some(v);
        }
        v.push(Linux::read_cstr(env, c.q(s))?);
    }
    None
}

/// execve(path, argv, envp): vfs resolves the file, mm builds the new spaces, proc
/// resets what exec resets, and the thread resumes at the new entry point.
pub fn execve(env: &mut dyn Env, c: &Caller, a: [u64; 6]) -> Outcome {
    let Some(path) = Linux::read_cstr(env, c.q(a[0])) else { return Outcome::Value(err(libc::EFAULT)) };
    exec_path(env, c, path, a[1], a[2])
}

/// The exec path of execve and execveat: runs the file at guest path `path` (as the
/// caller's working directory resolves it) with the argument and environment vectors
/// at process pointers `argv` and `envp`.
pub fn exec_path(env: &mut dyn Env, c: &Caller, path: Vec<u8>, argv: u64, envp: u64) -> Outcome {
    let a = [0, argv, envp];
    let (Some(argv), Some(envp)) = (read_strv(env, c, a[1]), read_strv(env, c, a[2])) else {
        return Outcome::Value(err(libc::EFAULT));
    };
    let me = env.me();
    let at = |o: u64| qualified(me, scratch::BASE + o);
    if env.write(at(scratch::PATH), &path).is_err() {
        return Outcome::Value(err(libc::ENOMEM));
    }
    let resolve_lends = [Lend::read(at(scratch::PATH), path.len() as u64), Lend::write(at(scratch::HOST_PATH), scratch::PATH_MAX)];
    let host_len = match env.call(ServiceId::Vfs, vfs_op::RESOLVE_EXEC, [c.word(), at(scratch::PATH), path.len() as u64, at(scratch::HOST_PATH), scratch::PATH_MAX, 0], &resolve_lends) {
        Ok([v, _]) if !is_err(v) => v.min(scratch::PATH_MAX),
        Ok([v, _]) => return Outcome::Value(v),
        Err(e) => return Outcome::Value(call_errno(&e)),
    };
    let blob = syscalls::mm::pack_blob(&argv, &envp, &path);
    if blob.len() as u64 > scratch::BLOB_MAX || env.write(at(scratch::BLOB), &blob).is_err() {
        return Outcome::Value(err(libc::E2BIG));
    }
    // A program of the host's own architecture runs on the host, as under qemu-user.
    if let Some(out) = super::hostexec::try_exec(env, c, at(scratch::HOST_PATH), host_len, at(scratch::BLOB), blob.len() as u64, &path) {
        return out;
    }
    // The file's owner and mode, for the set-user-id and set-group-id rules proc
    // applies once the new image is in place.
    let file = exec_file_record(env, c, path.len() as u64);
    let lends = [Lend::read(at(scratch::HOST_PATH), host_len), Lend::read(at(scratch::BLOB), blob.len() as u64), Lend::write(at(scratch::RESULT), 48)];
    match env.call(ServiceId::Mm, mm_op::EXEC, [c.word(), at(scratch::HOST_PATH), host_len, at(scratch::BLOB), blob.len() as u64, at(scratch::RESULT)], &lends) {
        Ok([0, _]) => {}
        Ok([v, _]) => return Outcome::Value(v),
        Err(e) => return Outcome::Value(call_errno(&e)),
    }
    // From here on the old image is gone: failures can only end the process.
    let mut res = [0u8; 48];
    if env.read(at(scratch::RESULT), &mut res).is_err() {
        return Outcome::Value(err(libc::EFAULT));
    }
    let f = |i: usize| u64::from_le_bytes(res[i * 8..i * 8 + 8].try_into().unwrap_or_default());
    let (entry, sp, code, data) = (f(0), f(1), f(2) as Sid, f(3) as Sid);
    let _ = env.call(ServiceId::Vfs, vfs_op::EXEC, [c.word(), 0, 0, 0, 0, 0], &[]);
    // /proc/self/exe names the file that was run (vfs maps the host path back), and
    // /proc/self/cmdline the new arguments.
    let _ = env.call(ServiceId::Vfs, vfs_op::SET_EXE, [c.word(), c.pid as u64, at(scratch::HOST_PATH), host_len, 0, 0], &[Lend::read(at(scratch::HOST_PATH), host_len)]);
    let cmdline: Vec<u8> = argv.iter().flat_map(|s| s.iter().copied().chain(std::iter::once(0))).collect();
    if !cmdline.is_empty() && cmdline.len() as u64 <= scratch::BLOB_MAX && env.write(at(scratch::BLOB), &cmdline).is_ok() {
        let n = cmdline.len() as u64;
        let _ = env.call(ServiceId::Vfs, vfs_op::SET_CMDLINE, [c.word(), c.pid as u64, at(scratch::BLOB), n, 0, 0], &[Lend::read(at(scratch::BLOB), n)]);
    }
    // /proc/self/environ: the environment the new image starts with.
    let environ: Vec<u8> = envp.iter().flat_map(|s| s.iter().copied().chain(std::iter::once(0))).collect();
    if environ.len() as u64 <= scratch::BLOB_MAX && env.write(at(scratch::BLOB), &environ).is_ok() {
        let n = environ.len() as u64;
        let lends = if n == 0 { Vec::new() } else { vec![Lend::read(at(scratch::BLOB), n)] };
        let _ = env.call(ServiceId::Vfs, vfs_op::SET_CMDLINE, [c.word(), c.pid as u64, at(scratch::BLOB), n, 1, 0], &lends);
    }
    // The thread is named after the file it now runs (Linux: the path's last part).
    let comm = syscalls::proc::comm_of(&String::from_utf8_lossy(&path));
    let word = |i: usize| u64::from_le_bytes(comm[i..i + 8].try_into().unwrap_or_default());
    let (rec, rec_lends) = match file {
        Some(p) => (p, vec![Lend::read(p, syscalls::lifecycle::EXEC_FILE_SIZE)]),
        None => (0, Vec::new()),
    };
    let secure = match env.call(ServiceId::Proc, syscalls::lifecycle::EXEC, [c.word(), code as u64, data as u64, word(0), word(8), rec], &rec_lends) {
        Ok([_, s]) => s == 1,
        _ => false,
    };
    set_auxv_ids(env, c, data, sp, secure);
    // /proc/self/auxv: the vector on the new stack.
    let stack = |p: u64, b: &mut [u8]| env.read(machine::addr::qualified(data, p), b).is_ok();
    if let Some(a) = syscalls::vfs::auxv_from_stack(stack, sp) {
        if env.write(at(scratch::BLOB), &a).is_ok() {
            let n = a.len() as u64;
            let _ = env.call(ServiceId::Vfs, vfs_op::SET_AUXV, [c.word(), c.pid as u64, at(scratch::BLOB), n, 0, 0], &[Lend::read(at(scratch::BLOB), n)]);
        }
    }
    if env.set_return_env(code, data).is_err() {
        return Outcome::Value(err(libc::EFAULT));
    }
    if let Some(ctx) = env.context() {
        *ctx = syscalls::proc::initial_context(entry, sp);
    }
    Outcome::NoReturn
}

/// The executed file's (st_mode, st_uid, st_gid) as proc's EXEC takes them, asked of
/// vfs with fstatat on the guest path execve was given (in scratch::PATH, `len`
/// bytes): the address of the record in scratch, or None if the stat failed (then no
/// set-id bit applies). The file is looked up a second time after RESOLVE_EXEC, as
/// the kernel's own check is not atomic with the open either.
fn exec_file_record(env: &mut dyn Env, c: &Caller, len: u64) -> Option<u64> {
    const STAT_SIZE: u64 = 128;
    let me = env.me();
    let at = |o: u64| qualified(me, scratch::BASE + o);
    let (path, st, rec) = (at(scratch::PATH), at(scratch::MISC), at(scratch::MISC + STAT_SIZE));
    env.write(path + len, &[0]).ok()?;
    let lends = [Lend::read(path, len + 1), Lend::write(st, STAT_SIZE)];
    let args = [c.word(), libc::AT_FDCWD as i64 as u64, path, st, 0, 0];
    match env.call(ServiceId::Vfs, syscalls::sysno::NEWFSTATAT, args, &lends) {
        Ok([0, _]) => {}
        _ => return None,
    }
    // struct stat (asm-generic): st_mode at 16, st_uid at 24, st_gid at 28.
    let mut b = [0u8; 32];
    env.read(st, &mut b).ok()?;
    let mut r = [0u8; 12];
    r[0..4].copy_from_slice(&b[16..20]);
    r[4..12].copy_from_slice(&b[24..32]);
    env.write(rec, &r).ok()?;
    Some(rec)
}

/// Writes the new credentials into the auxiliary vector on the new stack (mm lays it
/// out before proc has applied exec's credential rules): AT_UID, AT_EUID, AT_GID,
/// AT_EGID, and AT_SECURE for a privilege-raising exec (libc then ignores
/// LD_*/MALLOC_* style environment settings).
fn set_auxv_ids(env: &mut dyn Env, c: &Caller, data: Sid, sp: u64, secure: bool) {
    use loader::auxv::{AT_EGID, AT_EUID, AT_GID, AT_SECURE, AT_UID};
    let mut ask = |n: u64| env.call(ServiceId::Proc, n, [c.word(), 0, 0, 0, 0, 0], &[]).map_or(0, |r| r[0]);
    let ids = [(AT_UID, ask(syscalls::sysno::GETUID)), (AT_EUID, ask(syscalls::sysno::GETEUID)), (AT_GID, ask(syscalls::sysno::GETGID)), (AT_EGID, ask(syscalls::sysno::GETEGID)), (AT_SECURE, secure as u64)];
    let word = |env: &mut dyn Env, p: u64| {
        let mut b = [0u8; 8];
        env.read(qualified(data, p), &mut b).ok().map(|_| u64::from_le_bytes(b))
    };
    let Some(argc) = word(env, sp) else { return };
    let mut p = sp + 8 + (argc.min(1 << 20) + 1) * 8;
    // Past envp's NULL to the (key, value) pairs.
    for _ in 0..(1 << 20) {
        match word(env, p) {
            Some(0) => break,
            Some(_) => p += 8,
            None => return,
        }
    }
    p += 8;
    for _ in 0..128 {
        let Some(k) = word(env, p) else { return };
        if k == 0 {
            return;
        }
        if let Some(&(_, v)) = ids.iter().find(|(key, _)| *key == k) {
            let _ = env.write(qualified(data, p + 8), &v.to_le_bytes());
        }
        p += 16;
    }
}

/// Whether clone `flags` make a vfork child (memory shared, the parent waits).
pub fn is_vfork(flags: u64) -> bool {
    flags & (libc::CLONE_VM | libc::CLONE_VFORK | libc::CLONE_THREAD) as u64 == (libc::CLONE_VM | libc::CLONE_VFORK) as u64
}

/// clone(flags, stack, parent_tid, tls, child_tid): a thread or a forked process.
pub fn clone(env: &mut dyn Env, c: &Caller, a: [u64; 6]) -> u64 {
    // Only the low 32 bits are flags; CLONE_PIDFD puts the descriptor where
    // CLONE_PARENT_SETTID puts the tid, so not both.
    let flags = a[0] & 0xffff_ffff;
    let pidfd = syscalls::proc::cloneflags::CLONE_PIDFD;
    if flags & pidfd != 0 && flags & libc::CLONE_PARENT_SETTID as u64 != 0 {
        return err(libc::EINVAL);
    }
    clone_with(env, c, [flags, a[1], a[2], a[3], a[4], 0], a[2])
}

/// The clone path of clone and clone3: `a` = flags (exit signal in the low byte),
/// new sp, parent_tid, tls, child_tid, proc's extras (`syscalls::lifecycle::CLONE`);
/// `pidfd_at`: where CLONE_PIDFD's descriptor goes.
pub fn clone_with(env: &mut dyn Env, c: &Caller, a: [u64; 6], pidfd_at: u64) -> u64 {
    let flags = a[0];
    // copy_process writes the pidfd before the child exists and fails with EFAULT if
    // it cannot: no child is made. (Checked before proc's flag checks, so a bad
    // pointer with invalid flags answers EFAULT where Linux says EINVAL.)
    if flags & syscalls::proc::cloneflags::CLONE_PIDFD != 0 && !crate::marshal::accessible(env, &Lend::write(c.q(pidfd_at), 4)) {
        return err(libc::EFAULT);
    }
    let r = match env.call(ServiceId::Proc, syscalls::lifecycle::CLONE, [c.word(), flags, a[1], a[3], a[4], a[5]], &[]) {
        Ok(r) => r,
        Err(e) => return call_errno(&e),
    };
    let (tid, child_data) = (r[0], r[1] as Sid);
    if is_err(tid) {
        return tid;
    }
    let bytes = (tid as u32).to_le_bytes();
    if flags & syscalls::proc::cloneflags::CLONE_PIDFD != 0 {
        // The parent's descriptor for its child (close-on-exec, as Linux makes it),
        // made after the child's descriptor table was copied: the child has none.
        let fd = env.call(ServiceId::Proc, syscalls::sysno::PIDFD_OPEN, [c.word(), tid, 0, 0, 0, 0], &[]).map_or(err(libc::EMFILE), |v| v[0]);
        if !is_err(fd) {
            let _ = env.write(c.q(pidfd_at), &(fd as u32).to_le_bytes());
        }
    }
    if flags & libc::CLONE_PARENT_SETTID as u64 != 0 && a[2] != 0 {
        let _ = env.write(c.q(a[2]), &bytes);
    }
    if flags & libc::CLONE_CHILD_SETTID as u64 != 0 && a[4] != 0 {
        // In the child's memory: its own DATA for fork, the shared one for a thread.
        let _ = env.write(qualified(child_data, addr::offset_of(a[4])), &bytes);
    }
    tid
}
