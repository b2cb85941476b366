//! File handles: name_to_handle_at and open_by_handle_at, with fs/fhandle.c's checks.
//!
//! A handle names a host inode: its device and inode numbers (16 bytes, type
//! `HANDLE_TYPE`). The vfs remembers the guest path each handle was made for, so
//! open_by_handle_at opens that path again if it still names the same inode, and
//! answers ESTALE once it does not (the file was deleted or replaced).

use super::abi::{at, o};
use super::fs::{path_arg, tri};
use super::path::Node;
use super::wait::Who;
use super::{Backend, Regs, Vfs, fail, val};
use crate::service::Env;
use std::os::unix::fs::MetadataExt;

/// MAX_HANDLE_SZ of the kernel.
const MAX_HANDLE_SZ: u32 = 128;
/// The bytes of a grantix handle: host device and inode.
const HANDLE_BYTES: u32 = 16;
/// The handle type grantix's handles carry (filesystem-defined in Linux).
const HANDLE_TYPE: i32 = 0x47;
/// AT_HANDLE_FID: a handle only to compare, not to open (the same handle here).
const AT_HANDLE_FID: i32 = 0x200;

/// name_to_handle_at(dirfd, path, handle*, mount_id*, flags).
pub fn name_to_handle_at(v: &mut Vfs, env: &mut dyn Env, who: Who, s: [u64; 5]) -> Regs {
    let (dirfd, fh, mnt, flags) = (s[0] as i32, s[2], s[3], s[4] as i32);
    if flags & !(at::SYMLINK_FOLLOW | at::EMPTY_PATH | AT_HANDLE_FID) != 0 {
        return fail(libc::EINVAL);
    }
    let g = path_arg!(v, env, s[1]);
    let guest = if g.is_empty() && flags & at::EMPTY_PATH != 0 {
        if dirfd == at::FDCWD {
            tri!(v.start_dir(who.pid, dirfd))
        } else {
            let (_, f) = tri!(v.get(who.pid, dirfd));
            match f.backend {
                Backend::Host(_) | Backend::Dir(_) => f.path.clone(),
                // Pipes, sockets and the like live in no exportable filesystem.
                _ => return fail(libc::EOPNOTSUPP),
            }
        }
    } else {
        let r = tri!(v.resolve_at(env, who.pid, dirfd, &g, flags & at::SYMLINK_FOLLOW != 0));
        match r.node {
            Node::Missing => return fail(libc::ENOENT),
            Node::Error(e) => return fail(e),
            Node::Magic(..) => return fail(libc::EOPNOTSUPP),
            _ => {}
        }
        if r.slash && r.node != Node::Dir {
            return fail(libc::ENOTDIR);
        }
        r.path
    };
    // /proc and /dev are synthesized: no handles, as procfs exports none.
    if v.is_synth(&guest) || super::path::is_under(&guest, "/proc") {
        return fail(libc::EOPNOTSUPP);
    }
    let m = match std::fs::symlink_metadata(v.host(&guest)) {
        Ok(m) => m,
        Err(e) => return val(super::io_errno(&e)),
    };
    let mut head = [0u8; 8];
    env.read(fh, &mut head)?;
    let asked = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
    if asked > MAX_HANDLE_SZ {
        return fail(libc::EINVAL);
    }
    let mount_id = v.mounts.id_of(&guest);
    env.write(mnt, &(mount_id as i32).to_le_bytes())?;
    if asked < HANDLE_BYTES {
        // Too small: the size needed is written back, the handle is not.
        env.write(fh, &HANDLE_BYTES.to_le_bytes())?;
        return fail(libc::EOVERFLOW);
    }
    let mut out = Vec::with_capacity(8 + HANDLE_BYTES as usize);
    out.extend_from_slice(&HANDLE_BYTES.to_le_bytes());
    out.extend_from_slice(&HANDLE_TYPE.to_le_bytes());
    out.extend_from_slice(&m.dev().to_le_bytes());
    out.extend_from_slice(&m.ino().to_le_bytes());
    env.write(fh, &out)?;
    v.handles.insert((m.dev(), m.ino()), guest);
    val(0)
}

/// open_by_handle_at(mount_fd, handle*, flags).
pub fn open_by_handle_at(v: &mut Vfs, env: &mut dyn Env, who: Who, s: [u64; 5]) -> Regs {
    let (mfd, fh, flags) = (s[0] as i32, s[1], s[2] as i32);
    if mfd != at::FDCWD {
        tri!(v.get(who.pid, mfd));
    }
    if !v.creds(env, who.pid).capable(crate::creds::cap::DAC_READ_SEARCH) {
        return fail(libc::EPERM);
    }
    let mut head = [0u8; 8];
    env.read(fh, &mut head)?;
    let bytes = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
    let ty = i32::from_le_bytes([head[4], head[5], head[6], head[7]]);
    if bytes == 0 || bytes > MAX_HANDLE_SZ || ty < 0 {
        return fail(libc::EINVAL);
    }
    if bytes != HANDLE_BYTES || ty != HANDLE_TYPE {
        return fail(libc::ESTALE);
    }
    let mut h = [0u8; 16];
    env.read(fh + 8, &mut h)?;
    let ino = (u64::from_le_bytes(h[..8].try_into().unwrap_or_default()), u64::from_le_bytes(h[8..].try_into().unwrap_or_default()));
    let Some(guest) = v.handles.get(&ino).cloned() else { return fail(libc::ESTALE) };
    // The name must still be the inode's: a deleted (or replaced) file is stale.
    match std::fs::symlink_metadata(v.host(&guest)) {
        Ok(m) if (m.dev(), m.ino()) == ino => {}
        _ => {
            v.handles.remove(&ino);
            return fail(libc::ESTALE);
        }
    }
    // Opened as open(2) would open the file itself: nothing is created, and a
    // symlink is opened only as O_PATH (ELOOP otherwise, as Linux's do_handle_open).
    let flags = flags & !(o::CREAT | o::EXCL) | o::NOFOLLOW;
    super::fs::open_path(v, env, who, guest, [at::FDCWD as u64, 0, flags as u32 as u64, 0, 0])
}
