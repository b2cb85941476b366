//! exec of a host program as the linux space does it (`syscalls::vfs::hostexec` is
//! the bridge): the process's guest image is replaced by the host stub, and its one
//! thread waits there for the host program, then exits with its status.

use crate::call::{Caller, Outcome};
use machine::hart::reg;
use machine::Sid;
use syscalls::mm::op as mm_op;
use syscalls::service::{call_errno, err, is_err};
use syscalls::vfs::op as vfs_op;
use syscalls::{Env, Lend, ServiceId};

/// Runs the file at host path `host` (lent at `host_at`, `host_len` bytes) as a host
/// program if it is one, with the argv/envp blob at `blob_at`: None when it is not
/// (the riscv64 exec goes on), else how the exec ended. Once the program runs, the
/// exec has succeeded: what follows can only end the process.
pub fn try_exec(env: &mut dyn Env, c: &Caller, host_at: u64, host_len: u64, blob_at: u64, blob_len: u64, path: &[u8]) -> Option<Outcome> {
    if !syscalls::vfs::hostexec::enabled() {
        return None;
    }
    let lends = [Lend::read(host_at, host_len), Lend::read(blob_at, blob_len)];
    let host_pid = match env.call(ServiceId::Vfs, vfs_op::HOST_SPAWN, [c.word(), host_at, host_len, blob_at, blob_len, 0], &lends) {
        Ok([v, _]) if v == err(libc::ENOEXEC) => return None,
        Ok([v, _]) if is_err(v) => return Some(Outcome::Value(v)),
        Ok([v, _]) => v,
        Err(e) => return Some(Outcome::Value(call_errno(&e))),
    };
    let _ = env.call(ServiceId::Vfs, vfs_op::EXEC, [c.word(), 0, 0, 0, 0, 0], &[]);
    let (code, data) = match env.call(ServiceId::Mm, mm_op::HOST_STUB, [c.word(), 0, 0, 0, 0, 0], &[]) {
        Ok([code, data]) if !is_err(code) => (code as Sid, data as Sid),
        // No memory for even the stub (the program runs on unwatched until the run
        // ends): the exec fails.
        _ => return Some(Outcome::Value(err(libc::ENOMEM))),
    };
    // As any exec: other threads end, a vfork parent resumes, handlers reset; the
    // thread is named after the file.
    let comm = syscalls::proc::comm_of(&String::from_utf8_lossy(path));
    let word = |i: usize| u64::from_le_bytes(comm[i..i + 8].try_into().unwrap_or_default());
    // Signals to the pid reach the host program from here on, before a vfork parent
    // resumes and can send one.
    let _ = env.call(ServiceId::Proc, syscalls::proc::hostexec::HOST_EXEC, [c.word(), host_pid, 0, 0, 0, 0], &[]);
    let _ = env.call(ServiceId::Proc, syscalls::lifecycle::EXEC, [c.word(), code as u64, data as u64, word(0), word(8), 0], &[]);
    if env.set_return_env(code, data).is_err() {
        return Some(Outcome::Value(err(libc::EFAULT)));
    }
    if let Some(ctx) = env.context() {
        *ctx = syscalls::proc::initial_context(syscalls::mm::HOST_STUB_PC, 0);
        ctx.x[reg::A7] = syscalls::vfs::hostexec::HOST_WAIT_NR;
    }
    Some(Outcome::NoReturn)
}
