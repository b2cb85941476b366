//! Names in directories: mkdir, mknod, unlink, rename, hard and symbolic links,
//! readlink; each resolved inside the root before the host is touched.

use super::abi::{at, s as mode};
use super::fs::{path_arg, tri};
use super::path::{self, Node, Resolved};
use super::wait::Who;
use super::{Backend, Regs, Vfs, fail, io_errno, val};
use crate::service::{Env, err};
use crate::sysno as nr;
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

/// mkdirat(dirfd, path, mode) and mknodat(dirfd, path, mode, dev).
pub fn mknod(v: &mut Vfs, env: &mut dyn Env, who: Who, n: u64, s: [u64; 5]) -> Regs {
    let g = path_arg!(v, env, s[1]);
    let r = tri!(new_name(v, env, who.pid, s[0] as i32, &g, libc::ENOENT));
    let um = v.umask(env, who);
    let h = v.host(&r.path);
    let perm = s[2] as u32;
    if n == nr::MKDIRAT {
        use std::os::unix::fs::DirBuilderExt;
        tri!(v.may_create(env, who.pid, &r.path));
        let bits = perm & 0o1777 & !um;
        return val(match std::fs::DirBuilder::new().mode(bits).create(&h) {
            Ok(()) => {
                v.created(env, who.pid, &r.path, &h, Some(bits));
                0
            }
            Err(e) => io_errno(&e),
        });
    }
    if r.slash {
        return fail(libc::ENOENT);
    }
    let kind = perm & mode::IFMT;
    let bits = perm & 0o7777 & !um;
    if !matches!(kind, 0 | mode::IFREG | mode::IFIFO | mode::IFSOCK | mode::IFCHR | mode::IFBLK) {
        return fail(libc::EINVAL);
    }
    // The directory first, then CAP_MKNOD for a device node (vfs_mknod's order).
    // Opening a device node reaches grantix's own devices, never the host's.
    tri!(v.may_create(env, who.pid, &r.path));
    if matches!(kind, mode::IFCHR | mode::IFBLK) && !v.creds(env, who.pid).capable(crate::creds::cap::MKNOD) {
        return fail(libc::EPERM);
    }
    let res = match kind {
        0 | mode::IFREG => std::fs::OpenOptions::new().write(true).create_new(true).mode(bits).open(&h).map(|_| ()).map_err(|e| e.raw_os_error().unwrap_or(libc::EIO)),
        mode::IFCHR | mode::IFBLK => super::host::mknod(&h, kind | bits, s[3]),
        _ => super::host::mknod(&h, kind | bits, 0),
    };
    val(match res {
        Ok(()) => {
            v.created(env, who.pid, &r.path, &h, Some(bits));
            0
        }
        Err(e) => err(e),
    })
}

/// unlinkat(dirfd, path, flags).
pub fn unlinkat(v: &mut Vfs, env: &mut dyn Env, who: Who, s: [u64; 5]) -> Regs {
    let flags = s[2] as i32;
    if flags & !at::REMOVEDIR != 0 {
        return fail(libc::EINVAL);
    }
    let g = path_arg!(v, env, s[1]);
    let r = tri!(v.resolve_at(env, who.pid, s[0] as i32, &g, false));
    let last = g.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    match r.node {
        Node::Missing => return fail(libc::ENOENT),
        Node::Error(e) => return fail(e),
        _ => {}
    }
    if v.is_synth(&r.path) {
        return fail(if path::is_under(&r.path, "/proc") { libc::EACCES } else { libc::EPERM });
    }
    if last != "." && last != ".." {
        tri!(v.may_remove(env, who.pid, &r.path));
    }
    if v.is_mount_point(&r.path) {
        return fail(libc::EBUSY);
    }
    let h = v.host(&r.path);
    let res = if flags & at::REMOVEDIR != 0 {
        if last == "." {
            return fail(libc::EINVAL);
        }
        if last == ".." {
            return fail(libc::ENOTEMPTY);
        }
        if r.node != Node::Dir {
            return fail(libc::ENOTDIR);
        }
        std::fs::remove_dir(&h)
    } else {
        if r.node == Node::Dir {
            return fail(libc::EISDIR);
        }
        std::fs::remove_file(&h)
    };
    val(match res {
        Ok(()) => 0,
        Err(e) => io_errno(&e),
    })
}

/// renameat(olddirfd, old, newdirfd, new) and renameat2(..., flags).
pub fn rename(v: &mut Vfs, env: &mut dyn Env, who: Who, n: u64, s: [u64; 5]) -> Regs {
    const NOREPLACE: u32 = 1;
    const EXCHANGE: u32 = 2;
    let flags = if n == nr::RENAMEAT2 { s[4] as u32 } else { 0 };
    if flags & !(NOREPLACE | EXCHANGE) != 0 || flags == NOREPLACE | EXCHANGE {
        return fail(libc::EINVAL);
    }
    let old = path_arg!(v, env, s[1]);
    let new = path_arg!(v, env, s[3]);
    let ro = tri!(v.resolve_at(env, who.pid, s[0] as i32, &old, false));
    let rn = tri!(v.resolve_at(env, who.pid, s[2] as i32, &new, false));
    if let Node::Error(e) = ro.node {
        return fail(e);
    }
    if ro.node == Node::Missing {
        return fail(libc::ENOENT);
    }
    if rn.node == Node::Missing && flags & EXCHANGE != 0 {
        return fail(libc::ENOENT);
    }
    if v.is_synth(&ro.path) || v.is_synth(&rn.path) || v.cross_mount(&path::split_last(&ro.path).0, &path::split_last(&rn.path).0) {
        return fail(libc::EXDEV);
    }
    if v.is_mount_point(&ro.path) || v.is_mount_point(&rn.path) {
        return fail(libc::EBUSY);
    }
    // Removing the old name, making (or replacing) the new one; a directory moving to
    // another directory also needs write on itself (its ".." changes).
    tri!(v.may_remove(env, who.pid, &ro.path));
    if rn.node == Node::Missing {
        tri!(v.may_create(env, who.pid, &rn.path));
    } else {
        tri!(v.may_remove(env, who.pid, &rn.path));
    }
    let moves = path::split_last(&ro.path).0 != path::split_last(&rn.path).0;
    if moves && ro.node == Node::Dir {
        tri!(v.check(env, who.pid, &ro.path, crate::creds::may::WRITE));
    }
    if moves && flags & EXCHANGE != 0 && rn.node == Node::Dir {
        tri!(v.check(env, who.pid, &rn.path, crate::creds::may::WRITE));
    }
    let (ho, hn) = (v.host(&ro.path), v.host(&rn.path));
    let r = if flags == 0 {
        std::fs::rename(&ho, &hn).map_err(|e| e.raw_os_error().unwrap_or(libc::EIO))
    } else {
        nix::fcntl::renameat2(None, &ho, None, &hn, nix::fcntl::RenameFlags::from_bits_truncate(flags)).map_err(|e| e as i32)
    };
    val(match r {
        Ok(()) => 0,
        Err(e) => err(e),
    })
}

/// linkat(olddirfd, old, newdirfd, new, flags).
pub fn linkat(v: &mut Vfs, env: &mut dyn Env, who: Who, s: [u64; 5]) -> Regs {
    let flags = s[4] as i32;
    if flags & !(at::SYMLINK_FOLLOW | at::EMPTY_PATH) != 0 {
        return fail(libc::EINVAL);
    }
    let old = path_arg!(v, env, s[1]);
    let new = path_arg!(v, env, s[3]);
    let rn = tri!(new_name(v, env, who.pid, s[2] as i32, &new, libc::EXDEV));
    tri!(v.may_create(env, who.pid, &rn.path));
    let hn = v.host(&rn.path);
    let src = if old.is_empty() && flags & at::EMPTY_PATH != 0 {
        let (_, f) = tri!(v.get(who.pid, s[0] as i32));
        match &f.backend {
            Backend::Host(h) => PathBuf::from(format!("/proc/self/fd/{}", h.as_raw_fd())),
            Backend::Dir(_) => return fail(libc::EPERM),
            _ => return fail(libc::EXDEV),
        }
    } else {
        let ro = tri!(v.resolve_at(env, who.pid, s[0] as i32, &old, flags & at::SYMLINK_FOLLOW != 0));
        match ro.node {
            Node::Missing => return fail(libc::ENOENT),
            Node::Error(e) => return fail(e),
            Node::Dir => return fail(libc::EPERM),
            // /proc/self/fd/N, followed: the open file itself (an O_TMPFILE gets a name).
            Node::Magic(file, _) if flags & at::SYMLINK_FOLLOW != 0 => match v.files.get(&file).map(|f| &f.backend) {
                Some(Backend::Host(h)) => return link_host(PathBuf::from(format!("/proc/self/fd/{}", h.as_raw_fd())), &hn),
                Some(Backend::Dir(_)) => return fail(libc::EPERM),
                _ => return fail(libc::EXDEV),
            },
            _ => {}
        }
        if v.is_synth(&ro.path) || v.cross_mount(&ro.path, &rn.path) {
            return fail(libc::EXDEV);
        }
        v.host(&ro.path)
    };
    link_host(src, &hn)
}

/// Links host path `src` (a descriptor's /proc/self/fd link is followed) at `dst`.
fn link_host(src: PathBuf, dst: &std::path::Path) -> Regs {
    let follow = if src.starts_with("/proc/self/fd") { nix::fcntl::AtFlags::AT_SYMLINK_FOLLOW } else { nix::fcntl::AtFlags::empty() };
    val(match nix::unistd::linkat(None, src.as_path(), None, dst, follow) {
        Ok(()) => 0,
        Err(e) => err(e as i32),
    })
}

/// symlinkat(target, newdirfd, linkpath).
pub fn symlinkat(v: &mut Vfs, env: &mut dyn Env, who: Who, s: [u64; 5]) -> Regs {
    let target = path_arg!(v, env, s[0]);
    let link = path_arg!(v, env, s[2]);
    if target.is_empty() {
        return fail(libc::ENOENT);
    }
    let r = tri!(new_name(v, env, who.pid, s[1] as i32, &link, libc::ENOENT));
    tri!(v.may_create(env, who.pid, &r.path));
    // The target is stored as given: it is resolved (inside the root) when followed.
    let h = v.host(&r.path);
    val(match std::os::unix::fs::symlink(&target, &h) {
        Ok(()) => {
            v.created(env, who.pid, &r.path, &h, None);
            0
        }
        Err(e) => io_errno(&e),
    })
}

/// readlinkat(dirfd, path, buf, size).
pub fn readlinkat(v: &mut Vfs, env: &mut dyn Env, who: Who, s: [u64; 5]) -> Regs {
    if s[3] as i64 <= 0 {
        return fail(libc::EINVAL);
    }
    let g = path_arg!(v, env, s[1]);
    // An empty path reads the symlink dirfd names (opened O_PATH|O_NOFOLLOW);
    // dirfd naming anything else is ENOENT (do_readlinkat's LOOKUP_EMPTY).
    if g.is_empty() && s[0] as i32 != libc::AT_FDCWD {
        let (_, f) = tri!(v.get(who.pid, s[0] as i32));
        let link = match &f.backend {
            Backend::Host(h) if h.metadata().is_ok_and(|m| m.file_type().is_symlink()) => super::host::readlink_empty(h.as_raw_fd()),
            _ => Err(libc::ENOENT),
        };
        let target = tri!(link);
        let n = target.len().min(s[3] as usize);
        env.write(s[2], &target[..n])?;
        return val(n as u64);
    }
    let r = tri!(v.resolve_at(env, who.pid, s[0] as i32, &g, false));
    let target = match r.node {
        Node::Link(t) => t,
        Node::Magic(_, t) => t,
        Node::Missing => return fail(libc::ENOENT),
        Node::Error(e) => return fail(e),
        _ => return fail(libc::EINVAL),
    };
    let n = target.len().min(s[3] as usize);
    env.write(s[2], &target.as_bytes()[..n])?;
    val(n as u64)
}

/// Resolves the name a call is about to create: it must not exist yet (EEXIST), and it
/// cannot be made inside the synthesized trees (`synth_errno`: ENOENT, or EXDEV for a
/// hard link into them).
fn new_name(v: &Vfs, env: &mut dyn Env, pid: u32, dirfd: i32, name: &str, synth_errno: i32) -> Result<Resolved, i32> {
    let r = v.resolve_at(env, pid, dirfd, name, false)?;
    match r.node {
        Node::Missing => {}
        Node::Error(e) => return Err(e),
        _ => return Err(libc::EEXIST),
    }
    if v.is_synth(&r.path) || path::is_under(&r.path, "/proc") {
        return Err(synth_errno);
    }
    Ok(r)
}
