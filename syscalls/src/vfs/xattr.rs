//! Extended attributes: setxattr, getxattr, listxattr, removexattr and their l (no
//! symlink following) and f (descriptor) forms.
//!
//! The vfs keeps the user.* attributes of the guest tree's files itself, keyed by the
//! host inode (device, inode number, birth time, so a reused inode number does not
//! inherit a deleted file's attributes), never on the host file: the host file system
//! may not support them, or the file may not be the guest's to change. Linux's checks
//! and their order are kept (fs/xattr.c): flags (EINVAL), the name (ERANGE), the size
//! (E2BIG), the file, user.* only on regular files and directories (EPERM to set,
//! ENODATA to read), a namespace this store does not keep (EOPNOTSUPP), then
//! EEXIST/ENODATA for XATTR_CREATE/XATTR_REPLACE, ERANGE for a short buffer.

use super::abi::s as mode;
use super::fs::tri;
use super::path::Node;
use super::wait::Who;
use super::{Backend, Regs, Vfs, fail, val};
use crate::service::Env;
use crate::sysno as nr;
use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;

const XATTR_CREATE: u64 = 1;
const XATTR_REPLACE: u64 = 2;
/// Largest value (Linux's XATTR_SIZE_MAX) and list (XATTR_LIST_MAX).
const XATTR_SIZE_MAX: u64 = 65536;
/// Longest name, with its NUL (XATTR_NAME_MAX + 1).
const NAME_MAX: usize = 256;
const USER: &str = "user.";

/// A file's identity on the host: (device, inode, birth time in ns).
type Inode = (u64, u64, i128);

/// The attributes the vfs keeps.
#[derive(Debug, Default)]
pub struct Store {
    files: BTreeMap<Inode, BTreeMap<String, Vec<u8>>>,
}

impl Store {
    /// Sets `name` of `k` (under XATTR_CREATE / XATTR_REPLACE).
    pub fn set(&mut self, k: Inode, name: &str, value: &[u8], flags: u64) -> Result<(), i32> {
        let attrs = self.files.entry(k).or_default();
        match (attrs.contains_key(name), flags) {
            (true, XATTR_CREATE) => return Err(libc::EEXIST),
            (false, XATTR_REPLACE) => return Err(libc::ENODATA),
            _ => {}
        }
        attrs.insert(name.to_string(), value.to_vec());
        Ok(())
    }

    pub fn get(&self, k: Inode, name: &str) -> Option<&[u8]> {
        self.files.get(&k)?.get(name).map(|v| v.as_slice())
    }

    /// The names of `k`'s attributes, each with its NUL, as listxattr returns them.
    pub fn list(&self, k: Inode) -> Vec<u8> {
        self.files.get(&k).map_or(Vec::new(), |a| a.keys().flat_map(|n| n.bytes().chain([0])).collect())
    }

    pub fn remove(&mut self, k: Inode, name: &str) -> Result<(), i32> {
        let attrs = self.files.get_mut(&k).ok_or(libc::ENODATA)?;
        attrs.remove(name).ok_or(libc::ENODATA)?;
        if attrs.is_empty() {
            self.files.remove(&k);
        }
        Ok(())
    }
}

/// What an xattr call works on.
enum Target {
    /// A file of the guest tree on the host, with its mode.
    Host(Inode, u32),
    /// Anything else (/proc, /dev, pipes, sockets, anonymous files), with its mode:
    /// no file system here keeps attributes for it.
    Other(u32),
}

impl Target {
    fn mode(&self) -> u32 {
        match self {
            Target::Host(_, m) | Target::Other(m) => *m,
        }
    }
}

fn inode_of(m: &std::fs::Metadata) -> Inode {
    let born = m.created().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos() as i128);
    (m.dev(), m.ino(), born)
}

/// The target of a path call (`follow`: not the l form).
fn by_path(v: &mut Vfs, env: &mut dyn Env, who: Who, ptr: u64, follow: bool) -> Result<Result<Target, i32>, Result<u64, machine::Fault>> {
    let g = v.read_path(env, ptr)?;
    let r = match v.resolve_at(env, who.pid, super::abi::at::FDCWD, &g, follow) {
        Ok(r) => r,
        Err(e) => return Ok(Err(e)),
    };
    match &r.node {
        Node::Missing => return Ok(Err(libc::ENOENT)),
        Node::Error(e) => return Ok(Err(*e)),
        _ => {}
    }
    let st = match v.stat_resolved(who.pid, &r) {
        Ok(st) => st,
        Err(e) => return Ok(Err(e)),
    };
    if v.is_synth(&r.path) || matches!(r.node, Node::Magic(..)) {
        return Ok(Ok(Target::Other(st.mode)));
    }
    Ok(std::fs::symlink_metadata(v.host(&r.path)).map(|m| Target::Host(inode_of(&m), m.mode())).map_err(|e| e.raw_os_error().unwrap_or(libc::EIO)))
}

/// The target of a descriptor call (an O_PATH descriptor is EBADF, as fdget's).
fn by_fd(v: &Vfs, who: Who, fd: i32) -> Result<Target, i32> {
    let (id, f) = v.get(who.pid, fd)?;
    if f.flags & super::abi::o::PATH != 0 {
        return Err(libc::EBADF);
    }
    match &f.backend {
        Backend::Host(h) if !v.is_synth(&f.path) => h.metadata().map(|m| Target::Host(inode_of(&m), m.mode())).map_err(|e| e.raw_os_error().unwrap_or(libc::EIO)),
        Backend::Dir(_) if !v.is_synth(&f.path) => std::fs::metadata(v.host(&f.path)).map(|m| Target::Host(inode_of(&m), m.mode())).map_err(|e| e.raw_os_error().unwrap_or(libc::EIO)),
        _ => Ok(Target::Other(v.fstat_of(who.pid, id)?.mode)),
    }
}

/// Reads an attribute name: ERANGE when empty or longer than XATTR_NAME_MAX.
fn name_arg(v: &Vfs, env: &mut dyn Env, ptr: u64) -> Result<Result<String, i32>, Result<u64, machine::Fault>> {
    match v.read_path(env, ptr) {
        Ok(n) if n.is_empty() || n.len() >= NAME_MAX => Ok(Err(libc::ERANGE)),
        Ok(n) => Ok(Ok(n)),
        Err(Ok(e)) if e == crate::service::err(libc::ENAMETOOLONG) => Ok(Err(libc::ERANGE)),
        Err(e) => Err(e),
    }
}

/// Where attribute `name` of `t` lives: its inode in the store, or why there is none
/// (`write`: for setting or removing).
fn place(t: &Target, name: &str, write: bool) -> Result<Inode, i32> {
    let file_type = t.mode() & mode::IFMT;
    let user = name.starts_with(USER);
    if user && file_type != mode::IFREG && file_type != mode::IFDIR {
        return Err(if write { libc::EPERM } else { libc::ENODATA });
    }
    if !user {
        // Linux knows security., system. and trusted. too; this store keeps none of
        // them (a name in no namespace at all is EOPNOTSUPP on Linux as well).
        return Err(libc::EOPNOTSUPP);
    }
    if name.len() == USER.len() {
        return Err(libc::EINVAL);
    }
    match t {
        Target::Host(k, _) => Ok(*k),
        Target::Other(_) => Err(libc::EOPNOTSUPP),
    }
}

/// Unwraps a (value-or-errno, or return) pair from the argument readers.
macro_rules! arg {
    ($e:expr) => {
        match $e {
            Ok(Ok(x)) => x,
            Ok(Err(e)) => return fail(e),
            Err(Ok(r)) => return Ok([r, 0]),
            Err(Err(f)) => return Err(f),
        }
    };
}

/// setxattr/lsetxattr(path, name, value, size, flags), fsetxattr(fd, ...).
pub fn set(v: &mut Vfs, env: &mut dyn Env, who: Who, n: u64, s: [u64; 5]) -> Regs {
    let (value, size, flags) = (s[2], s[3], s[4] as u32 as u64);
    if flags & !(XATTR_CREATE | XATTR_REPLACE) != 0 {
        return fail(libc::EINVAL);
    }
    let name = arg!(name_arg(v, env, s[1]));
    if size > XATTR_SIZE_MAX {
        return fail(libc::E2BIG);
    }
    let mut data = vec![0u8; size as usize];
    if size > 0 {
        env.read(value, &mut data)?;
    }
    let t = match n {
        nr::FSETXATTR => tri!(by_fd(v, who, s[0] as i32)),
        _ => arg!(by_path(v, env, who, s[0], n == nr::SETXATTR)),
    };
    let k = tri!(place(&t, &name, true));
    tri!(v.xattrs.set(k, &name, &data, flags));
    val(0)
}

/// getxattr/lgetxattr(path, name, value, size), fgetxattr(fd, ...).
pub fn get(v: &mut Vfs, env: &mut dyn Env, who: Who, n: u64, s: [u64; 5]) -> Regs {
    let (value, size) = (s[2], s[3].min(XATTR_SIZE_MAX));
    let name = arg!(name_arg(v, env, s[1]));
    let t = match n {
        nr::FGETXATTR => tri!(by_fd(v, who, s[0] as i32)),
        _ => arg!(by_path(v, env, who, s[0], n == nr::GETXATTR)),
    };
    let k = tri!(place(&t, &name, false));
    let Some(data) = v.xattrs.get(k, &name) else { return fail(libc::ENODATA) };
    if size == 0 {
        return val(data.len() as u64);
    }
    if (data.len() as u64) > size {
        return fail(libc::ERANGE);
    }
    let data = data.to_vec();
    env.write(value, &data)?;
    val(data.len() as u64)
}

/// listxattr/llistxattr(path, list, size), flistxattr(fd, list, size).
pub fn list(v: &mut Vfs, env: &mut dyn Env, who: Who, n: u64, s: [u64; 5]) -> Regs {
    let (buf, size) = (s[1], s[2].min(XATTR_SIZE_MAX));
    let t = match n {
        nr::FLISTXATTR => tri!(by_fd(v, who, s[0] as i32)),
        _ => arg!(by_path(v, env, who, s[0], n == nr::LISTXATTR)),
    };
    let names = match t {
        Target::Host(k, _) => v.xattrs.list(k),
        Target::Other(_) => Vec::new(),
    };
    if size == 0 {
        return val(names.len() as u64);
    }
    if names.len() as u64 > size {
        return fail(libc::ERANGE);
    }
    env.write(buf, &names)?;
    val(names.len() as u64)
}

/// removexattr/lremovexattr(path, name), fremovexattr(fd, name).
pub fn remove(v: &mut Vfs, env: &mut dyn Env, who: Who, n: u64, s: [u64; 5]) -> Regs {
    let name = arg!(name_arg(v, env, s[1]));
    let t = match n {
        nr::FREMOVEXATTR => tri!(by_fd(v, who, s[0] as i32)),
        _ => arg!(by_path(v, env, who, s[0], n == nr::REMOVEXATTR)),
    };
    let k = tri!(place(&t, &name, true));
    tri!(v.xattrs.remove(k, &name));
    val(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_replace_list_remove() {
        let mut st = Store::default();
        let k = (1, 2, 3);
        assert_eq!(st.set(k, "user.b", b"1", XATTR_REPLACE), Err(libc::ENODATA));
        assert_eq!(st.set(k, "user.b", b"1", XATTR_CREATE), Ok(()));
        assert_eq!(st.set(k, "user.b", b"2", XATTR_CREATE), Err(libc::EEXIST));
        assert_eq!(st.set(k, "user.a", b"", 0), Ok(()));
        assert_eq!(st.get(k, "user.b"), Some(&b"1"[..]));
        assert_eq!(st.list(k), b"user.a\0user.b\0");
        assert_eq!(st.list((1, 2, 4)), b"", "another inode's attributes are its own");
        assert_eq!(st.remove(k, "user.a"), Ok(()));
        assert_eq!(st.remove(k, "user.a"), Err(libc::ENODATA));
    }

    #[test]
    fn namespaces_and_file_types() {
        let reg = Target::Host((1, 2, 3), mode::IFREG | 0o644);
        let fifo = Target::Other(mode::IFIFO | 0o600);
        assert_eq!(place(&reg, "user.x", true), Ok((1, 2, 3)));
        assert_eq!(place(&reg, "user.", true), Err(libc::EINVAL));
        assert_eq!(place(&reg, "other.x", true), Err(libc::EOPNOTSUPP));
        assert_eq!(place(&fifo, "user.x", true), Err(libc::EPERM));
        assert_eq!(place(&fifo, "user.x", false), Err(libc::ENODATA));
        assert_eq!(place(&Target::Other(mode::IFREG | 0o444), "user.x", false), Err(libc::EOPNOTSUPP));
    }
}
