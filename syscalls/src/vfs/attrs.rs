//! What a file is allowed and when it was touched: access checks, permissions,
//! ownership, times, size (truncate) and the filesystem it is on (statfs).

use super::abi::{self, StatFs, at, o};
use super::fs::{path_arg, tri};
use super::path::{self, Node};
use super::perm;
use super::wait::Who;
use crate::creds::{self, Inode, may};
use super::{Backend, Regs, Vfs, fail, io_errno, val};
use crate::service::{Env, err};
use crate::sysno as nr;
use std::os::fd::AsRawFd;
use zerocopy::IntoBytes;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::PathBuf;

/// faccessat(dirfd, path, mode) and faccessat2(..., flags).
pub fn faccessat(v: &mut Vfs, env: &mut dyn Env, who: Who, n: u64, s: [u64; 5]) -> Regs {
    let amode = s[2] as i32;
    let flags = if n == nr::FACCESSAT2 { s[3] as i32 } else { 0 };
    if amode & !7 != 0 || flags & !(at::EACCESS | at::SYMLINK_NOFOLLOW | at::EMPTY_PATH) != 0 {
        return fail(libc::EINVAL);
    }
    let g = path_arg!(v, env, s[1]);
    // access(2) checks with the real ids (and capabilities only for real root),
    // the path walk included; AT_EACCESS keeps the effective ones.
    let c = v.creds(env, who.pid);
    let c = if flags & at::EACCESS == 0 { c.for_access() } else { c };
    v.act_as(who.pid, c.clone());
    // Whether what is checked is a host file (anything else, /proc's files, pipes,
    // sockets, belongs to the caller).
    let host_file = |v: &Vfs, file: u64| v.files.get(&file).is_some_and(|f| matches!(f.backend, Backend::Host(_)) || matches!(f.backend, Backend::Dir(_)) && !v.is_synth(&f.path));
    let mut gp = String::new();
    let (st, host) = if g.is_empty() && flags & at::EMPTY_PATH != 0 {
        let (id, f) = tri!(v.get(who.pid, s[0] as i32));
        gp = f.path.clone();
        (tri!(v.fstat_of(who.pid, id)), host_file(v, id))
    } else {
        let r = tri!(v.resolve_at(env, who.pid, s[0] as i32, &g, flags & at::SYMLINK_NOFOLLOW == 0));
        match &r.node {
            Node::Magic(file, _) if flags & at::SYMLINK_NOFOLLOW == 0 => (tri!(v.fstat_of(who.pid, *file)), host_file(v, *file)),
            _ => {
                gp = r.path.clone();
                (tri!(v.stat_resolved(who.pid, &r)), !v.is_synth(&r.path))
            }
        }
    };
    // F_OK asks only that it exists.
    let synth = !host;
    let i = Inode { uid: if synth { c.fsuid } else { st.uid }, gid: st.gid, mode: st.mode };
    let r = creds::may_access(&c, i, amode as u32);
    // W_OK on a file, directory or link of a read-only mount (do_faccessat: after the
    // permission check).
    let kind = st.mode & abi::s::IFMT;
    if r.is_ok() && amode & 2 != 0 && matches!(kind, abi::s::IFREG | abi::s::IFDIR | abi::s::IFLNK) && v.writable(&gp).is_err() {
        return fail(libc::EROFS);
    }
    val(match r {
        Ok(()) => 0,
        Err(e) => err(e),
    })
}

/// fchmod(fd, mode), fchmodat(dirfd, path, mode) and fchmodat2(..., flags).
pub fn chmod(v: &mut Vfs, env: &mut dyn Env, who: Who, n: u64, s: [u64; 5]) -> Regs {
    let (perm, h) = if n == nr::FCHMOD {
        let (_, f) = tri!(v.get(who.pid, s[0] as i32));
        if f.flags & o::PATH != 0 {
            return fail(libc::EBADF);
        }
        tri!(v.writable(&f.path));
        match &f.backend {
            Backend::Host(h) => (s[1] as u32, PathBuf::from(format!("/proc/self/fd/{}", h.as_raw_fd()))),
            Backend::Dir(_) if !v.is_synth(&f.path) => (s[1] as u32, v.host(&f.path)),
            // Anonymous objects (pipes, sockets): nothing on the host to change.
            _ => return val(0),
        }
    } else {
        let flags = if n == nr::FCHMODAT2 { s[3] as i32 } else { 0 };
        if flags & !(at::SYMLINK_NOFOLLOW | at::EMPTY_PATH) != 0 {
            return fail(libc::EINVAL);
        }
        let g = path_arg!(v, env, s[1]);
        let r = tri!(v.resolve_at(env, who.pid, s[0] as i32, &g, flags & at::SYMLINK_NOFOLLOW == 0));
        match r.node {
            Node::Missing => return fail(libc::ENOENT),
            Node::Error(e) => return fail(e),
            Node::Link(_) => return fail(libc::EOPNOTSUPP),
            _ => {}
        }
        // /proc/PID/fd/N names what the descriptor is open on: a symlink (opened
        // O_PATH|O_NOFOLLOW) has no mode to change (EOPNOTSUPP), a host file is
        // changed through the host descriptor.
        let magic = match &r.node {
            Node::Magic(file, _) => match v.files.get(file).map(|f| (&f.backend, f.path.clone())) {
                Some((Backend::Host(h), p)) => {
                    if h.metadata().is_ok_and(|m| m.file_type().is_symlink()) {
                        return fail(libc::EOPNOTSUPP);
                    }
                    Some((PathBuf::from(format!("/proc/self/fd/{}", h.as_raw_fd())), p))
                }
                _ => None,
            },
            _ => None,
        };
        if let Some((h, p)) = magic {
            tri!(v.writable(&p));
            (s[2] as u32, h)
        } else {
            if v.is_synth(&r.path) {
                return fail(libc::EPERM);
            }
            tri!(v.writable(&r.path));
            (s[2] as u32, v.host(&r.path))
        }
    };
    // Only the owner (or CAP_FOWNER) changes a mode; set-group-id may be dropped.
    let i = match std::fs::metadata(&h) {
        Ok(m) => perm::inode_of(&m),
        Err(e) => return val(io_errno(&e)),
    };
    let perm = tri!(creds::may_chmod(&v.creds(env, who.pid), i, perm));
    val(match std::fs::set_permissions(&h, std::fs::Permissions::from_mode(perm & 0o7777)) {
        Ok(()) => 0,
        Err(e) => io_errno(&e),
    })
}

/// fchown(fd, uid, gid) and fchownat(dirfd, path, uid, gid, flags).
pub fn chown(v: &mut Vfs, env: &mut dyn Env, who: Who, n: u64, s: [u64; 5]) -> Regs {
    let id = |x: u64| if x as u32 == u32::MAX { None } else { Some(x as u32) };
    let (h, uid, gid, follow) = if n == nr::FCHOWN {
        let (_, f) = tri!(v.get(who.pid, s[0] as i32));
        tri!(v.writable(&f.path));
        match &f.backend {
            Backend::Host(h) => (PathBuf::from(format!("/proc/self/fd/{}", h.as_raw_fd())), id(s[1]), id(s[2]), true),
            Backend::Dir(_) if !v.is_synth(&f.path) => (v.host(&f.path), id(s[1]), id(s[2]), true),
            _ => return val(0),
        }
    } else {
        let flags = s[4] as i32;
        if flags & !(at::SYMLINK_NOFOLLOW | at::EMPTY_PATH) != 0 {
            return fail(libc::EINVAL);
        }
        let g = path_arg!(v, env, s[1]);
        if g.is_empty() && flags & at::EMPTY_PATH != 0 {
            return chown(v, env, who, nr::FCHOWN, [s[0], s[2], s[3], 0, 0]);
        }
        let r = tri!(v.resolve_at(env, who.pid, s[0] as i32, &g, flags & at::SYMLINK_NOFOLLOW == 0));
        match r.node {
            Node::Missing => return fail(libc::ENOENT),
            Node::Error(e) => return fail(e),
            _ => {}
        }
        // /proc/PID/fd/N of a host file (an O_PATH one too: musl's fchown falls back
        // to it): the file itself, through the host descriptor.
        let magic = match &r.node {
            Node::Magic(file, _) => match v.files.get(file) {
                Some(f) if matches!(f.backend, Backend::Host(_)) => {
                    let Backend::Host(h) = &f.backend else { unreachable!() };
                    Some((PathBuf::from(format!("/proc/self/fd/{}", h.as_raw_fd())), f.path.clone()))
                }
                _ => None,
            },
            _ => None,
        };
        if let Some((h, p)) = magic {
            tri!(v.writable(&p));
            (h, id(s[2]), id(s[3]), true)
        } else {
            if v.is_synth(&r.path) {
                return fail(libc::EPERM);
            }
            tri!(v.writable(&r.path));
            (v.host(&r.path), id(s[2]), id(s[3]), flags & at::SYMLINK_NOFOLLOW == 0)
        }
    };
    // CAP_CHOWN, or the owner giving the file to one of its own groups.
    let m = if follow { std::fs::metadata(&h) } else { std::fs::symlink_metadata(&h) };
    let i = match m {
        Ok(m) => perm::inode_of(&m),
        Err(e) => return val(io_errno(&e)),
    };
    tri!(creds::may_chown(&v.creds(env, who.pid), i, uid.unwrap_or(creds::NO_ID), gid.unwrap_or(creds::NO_ID)));
    val(match super::host::chown(&h, uid, gid, follow) {
        Ok(()) => 0,
        Err(e) => err(e),
    })
}

/// utimensat(dirfd, path or NULL, times or NULL, flags).
pub fn utimensat(v: &mut Vfs, env: &mut dyn Env, who: Who, s: [u64; 5]) -> Regs {
    const UTIME_NOW: i64 = (1 << 30) - 1;
    const UTIME_OMIT: i64 = (1 << 30) - 2;
    let flags = s[3] as i32;
    if flags & !(at::SYMLINK_NOFOLLOW | at::EMPTY_PATH) != 0 {
        return fail(libc::EINVAL);
    }
    let mut times = [(0i64, UTIME_NOW), (0i64, UTIME_NOW)];
    if s[2] != 0 {
        let mut b = [0u8; 32];
        env.read(s[2], &mut b)?;
        for (i, t) in times.iter_mut().enumerate() {
            let sec = abi::u64_at(&b, i * 16) as i64;
            let ns = abi::u64_at(&b, i * 16 + 8) as i64;
            if ns != UTIME_NOW && ns != UTIME_OMIT && !(0..1_000_000_000).contains(&ns) {
                return fail(libc::EINVAL);
            }
            *t = (sec, ns);
        }
    }
    let (h, follow) = if s[1] == 0 {
        if s[0] as i32 == at::FDCWD {
            return fail(libc::EFAULT);
        }
        let (_, f) = tri!(v.get(who.pid, s[0] as i32));
        tri!(v.writable(&f.path));
        match &f.backend {
            Backend::Host(h) => (PathBuf::from(format!("/proc/self/fd/{}", h.as_raw_fd())), true),
            Backend::Dir(_) if !v.is_synth(&f.path) => (v.host(&f.path), true),
            _ => return val(0),
        }
    } else {
        let g = path_arg!(v, env, s[1]);
        let r = tri!(v.resolve_at(env, who.pid, s[0] as i32, &g, flags & at::SYMLINK_NOFOLLOW == 0));
        match r.node {
            Node::Missing => return fail(libc::ENOENT),
            Node::Error(e) => return fail(e),
            _ => {}
        }
        if v.is_synth(&r.path) {
            return val(0);
        }
        tri!(v.writable(&r.path));
        (v.host(&r.path), flags & at::SYMLINK_NOFOLLOW == 0)
    };
    // Explicit times: the owner or CAP_FOWNER (EPERM). The current time: also anyone
    // who may write the file (EACCES). Nothing to change asks nothing.
    if times.iter().any(|t| t.1 != UTIME_OMIT) {
        let m = if follow { std::fs::metadata(&h) } else { std::fs::symlink_metadata(&h) };
        let i = match m {
            Ok(m) => perm::inode_of(&m),
            Err(e) => return val(io_errno(&e)),
        };
        if !v.owns(env, who.pid, i) {
            if times.iter().any(|t| t.1 != UTIME_OMIT && t.1 != UTIME_NOW) {
                return fail(libc::EPERM);
            }
            tri!(v.check_inode(env, who.pid, i, may::WRITE));
        }
    }
    let ts = |t: (i64, i64)| nix::sys::time::TimeSpec::new(t.0, t.1);
    let fl = if follow { nix::sys::stat::UtimensatFlags::FollowSymlink } else { nix::sys::stat::UtimensatFlags::NoFollowSymlink };
    val(match nix::sys::stat::utimensat(None, &h, &ts(times[0]), &ts(times[1]), fl) {
        Ok(()) => 0,
        Err(e) => err(e as i32),
    })
}

/// truncate(path, len) and ftruncate(fd, len).
pub fn truncate(v: &mut Vfs, env: &mut dyn Env, who: Who, n: u64, s: [u64; 5]) -> Regs {
    let len = s[1];
    if (len as i64) < 0 {
        return fail(libc::EINVAL);
    }
    let file = if n == nr::FTRUNCATE {
        let (id, f) = tri!(v.get(who.pid, s[0] as i32));
        if f.flags & o::PATH != 0 {
            return fail(libc::EBADF);
        }
        match &f.backend {
            Backend::Host(_) if f.flags & o::ACCMODE != o::RDONLY => Ok(id),
            _ => return fail(libc::EINVAL),
        }
    } else {
        let g = path_arg!(v, env, s[0]);
        let r = tri!(v.resolve_at(env, who.pid, at::FDCWD, &g, true));
        match r.node {
            Node::Missing => return fail(libc::ENOENT),
            Node::Error(e) => return fail(e),
            Node::Dir => return fail(libc::EISDIR),
            _ => {}
        }
        if v.is_synth(&r.path) {
            return fail(libc::EACCES);
        }
        tri!(v.check(env, who.pid, &r.path, may::WRITE));
        match std::fs::OpenOptions::new().write(true).custom_flags(libc::O_NONBLOCK).open(v.host(&r.path)) {
            Ok(f) => Err(f),
            Err(e) => return val(io_errno(&e)),
        }
    };
    // RLIMIT_FSIZE: a file may not be made longer than the limit.
    if len > v.fsize_limit(env, who) {
        return fail(libc::EFBIG);
    }
    // truncate(2) breaks the leases on the file as an open for writing does.
    if let (Err(h), false) = (&file, v.leases_empty()) {
        use std::os::unix::fs::MetadataExt;
        if let Some(r) = h.metadata().ok().and_then(|m| v.break_leases(env, who, (m.dev(), m.ino()), true, false)) {
            return r;
        }
    }
    let (r, key) = match &file {
        Ok(id) => match v.files.get(id).map(|f| &f.backend) {
            Some(Backend::Host(h)) => (h.set_len(len), v.mapped_inode(*id)),
            _ => return fail(libc::EBADF),
        },
        Err(h) => {
            use std::os::unix::fs::MetadataExt;
            let key = h.metadata().ok().map(|m| (m.dev(), m.ino())).filter(|k| v.mapped.contains(k));
            (h.set_len(len), key)
        }
    };
    if let Err(e) = r {
        return val(io_errno(&e));
    }
    if let Some(k) = key {
        v.report_change(env, who, k, len, 0, 0);
    }
    val(0)
}

/// statfs(path, buf) and fstatfs(fd, buf).
pub fn statfs(v: &mut Vfs, env: &mut dyn Env, who: Who, n: u64, s: [u64; 5]) -> Regs {
    let (target, out): (Result<String, Backend>, u64) = if n == nr::STATFS {
        let g = path_arg!(v, env, s[0]);
        let r = tri!(v.resolve_at(env, who.pid, at::FDCWD, &g, true));
        if matches!(r.node, Node::Missing) {
            return fail(libc::ENOENT);
        }
        (Ok(r.path), s[1])
    } else {
        let (_, f) = tri!(v.get(who.pid, s[0] as i32));
        match &f.backend {
            Backend::Host(_) | Backend::Dir(_) | Backend::Text(_) | Backend::Comm(..) | Backend::Proc(_) => (Ok(f.path.clone()), s[1]),
            Backend::PipeRead(_) | Backend::PipeWrite(_) => (Err(Backend::PipeRead(0)), s[1]),
            Backend::Unix(_) | Backend::Inet(_) => (Err(Backend::Unix(0)), s[1]),
            Backend::Console(_) | Backend::Null | Backend::Zero | Backend::Full | Backend::Random => (Ok("/dev".into()), s[1]),
            _ => (Err(Backend::Null), s[1]),
        }
    };
    let sf = match target {
        Ok(g) if path::is_under(&g, "/proc") => StatFs::synth(abi::PROC_SUPER_MAGIC),
        Ok(g) if v.is_synth(&g) => StatFs::synth(abi::TMPFS_MAGIC),
        Ok(g) => match v.mount_statfs(&g, host_statfs) {
            Some(sf) => tri!(sf),
            None => tri!(host_statfs(&v.host(&g))),
        },
        Err(Backend::PipeRead(_)) => StatFs::synth(abi::PIPEFS_MAGIC),
        Err(Backend::Unix(_)) => StatFs::synth(abi::SOCKFS_MAGIC),
        Err(_) => StatFs::synth(abi::ANON_INODE_FS_MAGIC),
    };
    env.write(out, sf.to_guest().as_bytes())?;
    val(0)
}

fn host_statfs(p: &std::path::Path) -> Result<StatFs, i32> {
    let st = nix::sys::statfs::statfs(p).map_err(|e| e as i32)?;
    Ok(StatFs {
        kind: st.filesystem_type().0 as i64,
        bsize: st.block_size() as i64,
        blocks: st.blocks(),
        bfree: st.blocks_free(),
        bavail: st.blocks_available(),
        files: st.files(),
        ffree: st.files_free(),
        fsid: [0, 0],
        namelen: st.maximum_name_length() as i64,
        frsize: st.block_size() as i64,
        flags: st.flags().bits() as i64,
    })
}
