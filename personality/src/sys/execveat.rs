//! execveat(dirfd, path, argv, envp, flags): the file named relative to a directory
//! descriptor (or, with AT_EMPTY_PATH and an empty path, the descriptor's own file)
//! becomes a guest path that the exec path of execve runs. AT_SYMLINK_NOFOLLOW
//! refuses a final symbolic link with ELOOP, as do_open_execat does.

use crate::call::{scratch, Caller, Outcome};
use crate::state::Linux;
use machine::addr::qualified;
use syscalls::service::{err, is_err};
use syscalls::sysno as nr;
use syscalls::{Env, Lend, ServiceId};

const AT_SYMLINK_NOFOLLOW: u64 = 0x100;
const AT_EMPTY_PATH: u64 = 0x1000;
const STAT_SIZE: u64 = 128;

/// execveat: `a` = dirfd, path, argv, envp, flags.
pub fn execveat(env: &mut dyn Env, c: &Caller, a: [u64; 6]) -> Outcome {
    match resolve(env, c, a) {
        Ok(path) => super::process::exec_path(env, c, path, a[2], a[3]),
        Err(e) => Outcome::Value(err(e)),
    }
}

/// The guest path execveat runs, or the errno it fails with before the exec path.
fn resolve(env: &mut dyn Env, c: &Caller, a: [u64; 6]) -> Result<Vec<u8>, i32> {
    let (dirfd, flags) = (a[0] as u32 as i32, a[4]);
    // getname first (EFAULT, an empty name without AT_EMPTY_PATH), then the flags.
    let path = Linux::read_cstr(env, c.q(a[1])).ok_or(libc::EFAULT)?;
    if path.is_empty() && flags & AT_EMPTY_PATH == 0 {
        return Err(libc::ENOENT);
    }
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(libc::EINVAL);
    }
    // The name looked up as exec will open it: its errors (EBADF, ENOTDIR, ENOENT,
    // EACCES...) are execveat's, and a final link under AT_SYMLINK_NOFOLLOW is ELOOP.
    let mode = stat(env, c, dirfd, &path, flags & (AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))?;
    if mode & libc::S_IFMT == libc::S_IFLNK {
        return Err(libc::ELOOP);
    }
    if path.first() == Some(&b'/') || dirfd == libc::AT_FDCWD {
        return Ok(path);
    }
    // Relative to a descriptor: the guest path the descriptor stands for.
    let mut full = fd_path(env, c, dirfd)?;
    if !path.is_empty() {
        full.push(b'/');
        full.extend_from_slice(&path);
    }
    Ok(full)
}

/// st_mode of `path` relative to `dirfd`, asked of vfs with fstatat and `flags`.
fn stat(env: &mut dyn Env, c: &Caller, dirfd: i32, path: &[u8], flags: u64) -> Result<u32, i32> {
    let me = env.me();
    let at = |o: u64| qualified(me, scratch::BASE + o);
    let (p, st) = (at(scratch::PATH), at(scratch::MISC));
    let mut z = path.to_vec();
    z.push(0);
    env.write(p, &z).map_err(|_| libc::ENAMETOOLONG)?;
    let lends = [Lend::read(p, z.len() as u64), Lend::write(st, STAT_SIZE)];
    match env.call(ServiceId::Vfs, nr::NEWFSTATAT, [c.word(), dirfd as i64 as u64, p, st, flags, 0], &lends) {
        Ok([0, _]) => {}
        Ok([v, _]) if is_err(v) => return Err((v as i64).unsigned_abs() as i32),
        _ => return Err(libc::EFAULT),
    }
    // struct stat (asm-generic): st_mode at 16.
    let mut b = [0u8; 4];
    env.read(st + 16, &mut b).map_err(|_| libc::EFAULT)?;
    Ok(u32::from_le_bytes(b))
}

/// The guest path of the caller's descriptor `fd` (its /proc/self/fd link).
fn fd_path(env: &mut dyn Env, c: &Caller, fd: i32) -> Result<Vec<u8>, i32> {
    let me = env.me();
    let at = |o: u64| qualified(me, scratch::BASE + o);
    let (p, out) = (at(scratch::PATH), at(scratch::HOST_PATH));
    let link = format!("/proc/self/fd/{fd}\0");
    env.write(p, link.as_bytes()).map_err(|_| libc::EFAULT)?;
    let lends = [Lend::read(p, link.len() as u64), Lend::write(out, scratch::PATH_MAX)];
    let n = match env.call(ServiceId::Vfs, nr::READLINKAT, [c.word(), libc::AT_FDCWD as i64 as u64, p, out, scratch::PATH_MAX, 0], &lends) {
        Ok([v, _]) if !is_err(v) => v.min(scratch::PATH_MAX),
        _ => return Err(libc::EBADF),
    };
    let mut b = vec![0u8; n as usize];
    env.read(out, &mut b).map_err(|_| libc::EFAULT)?;
    Ok(b)
}
