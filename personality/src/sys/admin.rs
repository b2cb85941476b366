//! The administration calls linux finishes itself: reboot (proc decides; a command
//! that ends the guest also ends the caller, as `reboot_pid_ns` does), acct (the
//! accounting file opened and checked as Linux opens it; no records are written) and
//! unshare (proc's part, then the System V semaphore undo list, which is ipc's).

use crate::call::{Caller, Outcome};
use crate::state::Linux;
use syscalls::creds::cap;
use syscalls::proc::op as proc_op;
use syscalls::service::{err, is_err};
use syscalls::sysno as nr;
use syscalls::{Env, ServiceId};

/// reboot(magic1, magic2, cmd, arg).
pub fn reboot(linux: &mut Linux, env: &mut dyn Env, c: &Caller, a: [u64; 6]) -> Outcome {
    match env.call(ServiceId::Proc, nr::REBOOT, [c.word(), a[0], a[1], a[2], a[3], 0], &[]) {
        // The guest is going down: init has its SIGKILL; the caller ends (do_exit(0)).
        Ok([0, 1]) => super::process::exit(linux, env, c, 0, false),
        Ok([v, _]) => Outcome::Value(v),
        Err(e) => Outcome::Value(syscalls::service::call_errno(&e)),
    }
}

/// acct(path): CAP_SYS_PACCT first; with it, NULL turns accounting off and a file
/// must open for appending and be a regular file (EACCES otherwise), as
/// kernel/acct.c's acct_on checks it. grantix then accepts it and writes no records.
pub fn acct(linux: &mut Linux, env: &mut dyn Env, c: &Caller, a: [u64; 6]) -> Outcome {
    let capable = env.call(ServiceId::Proc, proc_op::CAPABLE, [c.word(), cap::SYS_PACCT as u64, 0, 0, 0, 0], &[]).is_ok_and(|v| v[0] == 1);
    if !capable {
        return Outcome::Value(err(libc::EPERM));
    }
    if a[0] == 0 {
        return Outcome::Value(0);
    }
    let open = [libc::AT_FDCWD as i64 as u64, a[0], (libc::O_WRONLY | libc::O_APPEND | libc::O_LARGEFILE) as u64, 0, 0, 0];
    let fd = match crate::marshal::marshal(env, ServiceId::Vfs, nr::OPENAT, c.data, open, crate::marshal::Origin::Ecall) {
        Ok(m) => linux.svc(env, ServiceId::Vfs, nr::OPENAT, c, m.args, &m.lends),
        Err(e) => return Outcome::Value(err(e)),
    };
    if is_err(fd) {
        return Outcome::Value(fd);
    }
    // The file's type, through fstat into linux's scratch.
    let me = env.me();
    let st = machine::addr::qualified(me, crate::call::scratch::BASE + crate::call::scratch::MISC);
    let stat = env.call(ServiceId::Vfs, nr::FSTAT, [c.word(), fd, st, 0, 0, 0], &[syscalls::Lend::write(st, 128)]);
    let mut m = [0u8; 4];
    let regular = matches!(stat, Ok([0, _])) && env.read(st + 16, &mut m).is_ok() && u32::from_le_bytes(m) & libc::S_IFMT == libc::S_IFREG;
    let _ = env.call(ServiceId::Vfs, nr::CLOSE, [c.word(), fd, 0, 0, 0, 0], &[]);
    Outcome::Value(if regular { 0 } else { err(libc::EACCES) })
}

/// unshare(flags).
pub fn unshare(env: &mut dyn Env, c: &Caller, a: [u64; 6]) -> Outcome {
    let v = env.call(ServiceId::Proc, nr::UNSHARE, [c.word(), a[0], 0, 0, 0, 0], &[]).map_or(err(libc::ENOMEM), |v| v[0]);
    if v == 0 && a[0] & syscalls::proc::cloneflags::CLONE_SYSVSEM != 0 {
        // Leaving the undo list applies it, as exit does (exit_sem).
        let _ = env.call(ServiceId::Ipc, syscalls::ipc::op::SEM_UNDO_EXIT, [c.word(), 0, 0, 0, 0, 0], &[]);
    }
    Outcome::Value(v)
}
