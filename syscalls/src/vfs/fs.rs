//! Opening and looking at files: openat (with /proc's magic links), stat and statx,
//! directories (getdents64, chdir, getcwd), and how guest paths are resolved inside
//! the root (`path`) before the host is touched.

use super::abi::{self, Stat, at, o, s as mode};
use super::path::{self, Node, Resolved};
use crate::creds::may;
use super::wait::Who;
use super::{Backend, OpenFile, Regs, Vfs, fail, io_errno, val};
use crate::service::Env;
use crate::sysno as nr;
use std::os::fd::AsRawFd;
use zerocopy::IntoBytes;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

/// An open directory: its entries, read at the first getdents, and the position.
#[derive(Debug, Default)]
pub struct DirState {
    pub entries: Option<Vec<(String, u64, u8)>>,
    pub pos: usize,
}

/// Reads the path argument at `ptr`, or returns from the handler with its error.
macro_rules! path_arg {
    ($v:expr, $env:expr, $ptr:expr) => {
        match $v.read_path($env, $ptr) {
            Ok(p) => p,
            Err(Ok(e)) => return Ok([e, 0]),
            Err(Err(f)) => return Err(f),
        }
    };
}

/// Unwraps an errno result inside a handler.
macro_rules! tri {
    ($e:expr) => {
        match $e {
            Ok(x) => x,
            Err(e) => return fail(e),
        }
    };
}

pub(super) use {path_arg, tri};

impl Vfs {
    /// The canonical guest directory relative paths of `dirfd` start from.
    pub(super) fn start_dir(&self, pid: u32, dirfd: i32) -> Result<String, i32> {
        let t = self.tables.get(&pid).ok_or(libc::ESRCH)?;
        if dirfd == at::FDCWD {
            return Ok(t.cwd.clone());
        }
        let (_, f) = self.get(pid, dirfd)?;
        match f.backend {
            Backend::Dir(_) => Ok(f.path.clone()),
            _ => Err(libc::ENOTDIR),
        }
    }

    /// Resolves guest `p` relative to `dirfd` of `pid` (see `path::resolve`), with
    /// search permission checked on each directory looked in (EACCES).
    pub(super) fn resolve_at(&self, env: &mut dyn Env, pid: u32, dirfd: i32, p: &str, follow: bool) -> Result<Resolved, i32> {
        let start = if p.starts_with('/') {
            "/".to_string()
        } else if p.is_empty() {
            return Err(libc::ENOENT);
        } else {
            self.start_dir(pid, dirfd)?
        };
        // Search permission on every directory the walk looks in (may_lookup).
        let c = self.creds(env, pid);
        let mut seen = std::collections::BTreeMap::new();
        let root = self.tables.get(&pid).map_or(String::new(), |t| t.root.clone());
        // After chroot the walk runs in the new root's coordinates ("/" is the root,
        // ".." stops there, absolute links restart there). A working directory left
        // outside the root walks the whole tree, as on Linux.
        if root.is_empty() || root == "/" || !(p.starts_with('/') || path::is_under(&start, &root)) {
            return path::resolve(&start, p, follow, &mut |g| if self.may_search(&c, g, &mut seen) { self.lookup(env, pid, g) } else { Node::Error(libc::EACCES) });
        }
        let outer = |g: &str| if g == "/" { root.clone() } else { format!("{root}{g}") };
        let inner = if p.starts_with('/') { "/".to_string() } else { start[root.len()..].to_string() };
        let inner = if inner.is_empty() { "/".to_string() } else { inner };
        let r = path::resolve(&inner, p, follow, &mut |g| {
            let g = outer(g);
            if self.may_search(&c, &g, &mut seen) { self.lookup(env, pid, &g) } else { Node::Error(libc::EACCES) }
        })?;
        Ok(Resolved { path: outer(&r.path), ..r })
    }

    /// The host path of a canonical guest path.
    pub(super) fn host(&self, g: &str) -> PathBuf {
        if let Some(h) = self.mounts.host(g) {
            return h;
        }
        super::prefix::host(&self.root, self.prefix.as_deref(), g)
    }

    /// The stat of open file `file`.
    pub(super) fn fstat_of(&self, pid: u32, file: u64) -> Result<Stat, i32> {
        let f = self.files.get(&file).ok_or(libc::EBADF)?;
        let mut st = self.fstat_backend(pid, file, f)?;
        // A file of a tmpfs is on that filesystem's device, not the host directory's.
        if matches!(f.backend, Backend::Host(_) | Backend::Dir(_)) {
            if let Some(dev) = self.mount_dev(&f.path) {
                st.dev = dev;
            }
        }
        Ok(st)
    }

    fn fstat_backend(&self, pid: u32, file: u64, f: &OpenFile) -> Result<Stat, i32> {
        let anon = |m: u32, ino: u64| Stat::synth(m, ino, 0, 0);
        Ok(match &f.backend {
            Backend::Host(h) => Stat::from_host(&h.metadata().map_err(|e| e.raw_os_error().unwrap_or(libc::EIO))?),
            Backend::Dir(_) => match self.synth_stat(pid, &f.path, &Node::Dir) {
                Some(st) => st,
                None => Stat::from_host(&std::fs::metadata(self.host(&f.path)).map_err(|e| e.raw_os_error().unwrap_or(libc::EIO))?),
            },
            // What the program's stdio really is on the host (a tty, a pipe, a file).
            Backend::Console(h) => super::host::fstat(*h).unwrap_or_else(|_| Stat::synth(mode::IFCHR | 0o620, 3, 0, abi::makedev(136, 0))),
            Backend::PipeRead(p) | Backend::PipeWrite(p) => Stat { dev: 12, ..anon(mode::IFIFO | 0o600, 0x1000 + p) },
            Backend::Null => Stat::synth(mode::IFCHR | 0o666, 4, 0, abi::makedev(1, 3)),
            Backend::Zero => Stat::synth(mode::IFCHR | 0o666, 5, 0, abi::makedev(1, 5)),
            Backend::Full => Stat::synth(mode::IFCHR | 0o666, 6, 0, abi::makedev(1, 7)),
            Backend::Random => Stat::synth(mode::IFCHR | 0o666, 7, 0, abi::makedev(1, 9)),
            Backend::Text(_) | Backend::Comm(..) | Backend::Proc(_) => self.synth_stat(pid, &f.path, &Node::Other).unwrap_or_else(|| anon(mode::IFREG | 0o444, 8)),
            Backend::Event(_) | Backend::Timer(_) | Backend::Epoll(_) | Backend::Inotify | Backend::Signal(_) | Backend::Pidfd(_) => Stat { blksize: 4096, ..anon(0o600, 0x2000 + file) },
            Backend::Unix(s) => Stat { dev: 8, ..anon(mode::IFSOCK | 0o777, 0x3000 + s) },
            Backend::Inet(i) => Stat { dev: 8, ..anon(mode::IFSOCK | 0o777, 0x4000 + i.fd.as_raw_fd() as u64) },
            Backend::Mq(q) => Stat { dev: 14, ..anon(mode::IFREG | 0o600, 0x5000 + q) },
            Backend::Block(n) => super::loopdev::stat_of(*n, super::procfs::ino_of(&f.path)),
        })
    }

    /// The stat of a resolved path (its last component as resolved: followed or not).
    pub(super) fn stat_resolved(&self, pid: u32, r: &Resolved) -> Result<Stat, i32> {
        match &r.node {
            Node::Missing => return Err(libc::ENOENT),
            Node::Error(e) => return Err(*e),
            _ => {}
        }
        if let Some(st) = self.synth_stat(pid, &r.path, &r.node) {
            return Ok(st);
        }
        let mut st = std::fs::symlink_metadata(self.host(&r.path)).map(|m| Stat::from_host(&m)).map_err(|e| e.raw_os_error().unwrap_or(libc::EIO))?;
        if let Some(dev) = self.mount_dev(&r.path) {
            st.dev = dev;
        }
        Ok(st)
    }
}

/// openat(dirfd, path, flags, mode).
/// memfd_create(name, flags): an anonymous file, here a host memfd (so read, write,
/// seek, truncate, stat and mmap work as on any host file).
pub fn memfd_create(v: &mut Vfs, env: &mut dyn Env, who: Who, s: [u64; 5]) -> Regs {
    const CLOEXEC: u64 = 1;
    const ALLOW_SEALING: u64 = 2;
    let name = path_arg!(v, env, s[0]);
    // Linux's limit: "memfd:" and the name fit in NAME_MAX.
    if name.len() > 249 {
        return fail(libc::EINVAL);
    }
    // MFD_HUGETLB may carry a page size (bits 26-31); grantix has no huge page
    // sizes (no /sys/kernel/mm/hugepages/hugepages-*): hugetlb_file_setup's ENODEV.
    const HUGETLB: u64 = 4;
    const HUGE_SIZE: u64 = 0x3f << 26;
    // flags is an unsigned int: a size code of 32 or more sets its top bit.
    let flags = s[1] & 0xffff_ffff;
    if flags & HUGETLB != 0 && flags & !(CLOEXEC | ALLOW_SEALING | HUGETLB | HUGE_SIZE) == 0 {
        return fail(libc::ENODEV);
    }
    if s[1] & !(CLOEXEC | ALLOW_SEALING) != 0 {
        return fail(libc::EINVAL);
    }
    // The host names it "memfd:NAME" as Linux does (/proc/self/fd shows the host's link).
    let Ok(c) = std::ffi::CString::new(name.as_str()) else { return fail(libc::EINVAL) };
    // Sealing is the host's: without MFD_ALLOW_SEALING the host memfd carries
    // F_SEAL_SEAL from the start, as Linux's does.
    let mut hf = nix::sys::memfd::MemFdCreateFlag::MFD_CLOEXEC;
    if s[1] & ALLOW_SEALING != 0 {
        hf |= nix::sys::memfd::MemFdCreateFlag::MFD_ALLOW_SEALING;
    }
    match nix::sys::memfd::memfd_create(&c, hf) {
        Ok(fd) => {
            let id = v.new_file(Backend::Host(std::fs::File::from(fd)), o::RDWR | o::LARGEFILE, format!("/memfd:{name} (deleted)"));
            val(v.install_new(env, who.pid, id, s[1] & CLOEXEC != 0))
        }
        Err(e) => fail(e as i32),
    }
}

pub fn openat(v: &mut Vfs, env: &mut dyn Env, who: Who, s: [u64; 5]) -> Regs {
    let g = path_arg!(v, env, s[1]);
    open_path(v, env, who, g, s)
}

/// openat with its path already read (`openat2` resolves it first, under its
/// RESOLVE_* rules, and passes the canonical result).
pub(super) fn open_path(v: &mut Vfs, env: &mut dyn Env, who: Who, g: String, s: [u64; 5]) -> Regs {
    let (dirfd, flags, perm) = (s[0] as i32, s[2] as i32, s[3] as u32);
    let pid = who.pid;
    let acc = flags & o::ACCMODE;
    let cloexec = flags & o::CLOEXEC != 0;
    let opath = flags & o::PATH != 0;
    if acc == 3 && !opath {
        return fail(libc::EINVAL);
    }
    // What F_GETFL will say: open-time-only flags dropped; 64-bit kernels force
    // O_LARGEFILE.
    let kept = (flags & !(o::CREAT | o::EXCL | o::NOCTTY | o::TRUNC | o::CLOEXEC)) | o::LARGEFILE;
    if flags & o::TMPFILE == o::TMPFILE {
        if acc == o::RDONLY {
            return fail(libc::EINVAL);
        }
        let r = tri!(v.resolve_at(env, pid, dirfd, &g, true));
        if r.node != Node::Dir || v.is_synth(&r.path) {
            return fail(if r.node == Node::Missing { libc::ENOENT } else { libc::ENOTDIR });
        }
        tri!(v.check(env, pid, &r.path, may::WRITE | may::EXEC));
        let um = v.umask(env, who);
        let mut oo = std::fs::OpenOptions::new();
        oo.read(acc == o::RDWR).write(true).custom_flags(libc::O_TMPFILE | (flags & o::EXCL)).mode(perm & 0o7777 & !um);
        return match oo.open(v.host(&r.path)) {
            Ok(file) => {
                let id = v.new_file(Backend::Host(file), kept & !(o::TMPFILE & !o::DIRECTORY) & !o::DIRECTORY, format!("{}/#tmpfile", r.path));
                val(v.install_new(env, pid, id, cloexec))
            }
            Err(e) => val(io_errno(&e)),
        };
    }
    let excl = flags & (o::CREAT | o::EXCL) == (o::CREAT | o::EXCL);
    let nofollow = flags & o::NOFOLLOW != 0 || excl;
    let r = tri!(v.resolve_at(env, pid, dirfd, &g, !nofollow));
    match &r.node {
        Node::Error(e) => return fail(*e),
        Node::Link(_) if excl => return fail(libc::EEXIST),
        Node::Link(_) if !opath => return fail(libc::ELOOP),
        Node::Magic(..) if excl => return fail(libc::EEXIST),
        Node::Magic(..) if flags & o::NOFOLLOW != 0 && !opath => return fail(libc::ELOOP),
        Node::Magic(file, _) => {
            let file = *file;
            return reopen(v, env, who, file, flags, kept);
        }
        Node::Missing => {
            if flags & o::CREAT == 0 {
                return fail(libc::ENOENT);
            }
            if r.slash {
                return fail(libc::EISDIR);
            }
            if v.is_synth(&r.path) || path::is_under(&r.path, "/proc") {
                return fail(libc::EACCES);
            }
            tri!(v.may_create(env, pid, &r.path));
        }
        Node::Dir => {
            if excl {
                return fail(libc::EEXIST);
            }
            if !opath && (acc != o::RDONLY || flags & o::CREAT != 0) {
                return fail(libc::EISDIR);
            }
            if !opath {
                tri!(v.check(env, pid, &r.path, may::READ));
            }
            let id = v.new_file(Backend::Dir(DirState::default()), kept, r.path.clone());
            return val(v.install_new(env, pid, id, cloexec));
        }
        Node::Other | Node::Link(_) => {
            if excl {
                return fail(libc::EEXIST);
            }
            if flags & o::DIRECTORY != 0 {
                return fail(libc::ENOTDIR);
            }
            if matches!(r.node, Node::Other) {
                if let Some(b) = v.synth_open(env, who, &r.path, acc, (s[1] >> 48) as machine::Sid) {
                    let b = tri!(b);
                    let id = v.new_file(b, kept, r.path.clone());
                    return val(v.install_new(env, pid, id, cloexec));
                }
            }
        }
    }
    let creating = r.node == Node::Missing;
    if !opath && !creating {
        tri!(v.check(env, pid, &r.path, super::perm::open_want(flags)));
        // O_NOATIME is the owner's (or CAP_FOWNER's) to ask (may_open).
        if flags & o::NOATIME != 0 {
            let i = tri!(v.host_inode(&r.path));
            if !crate::creds::owner_or_capable(&v.creds(env, pid), i) {
                return fail(libc::EPERM);
            }
        }
        // A FIFO opened one way is a vfs pipe shared by its openers (`fifo`).
        if let Some(ino) = super::fifo::inode(&v.host(&r.path)).filter(|_| acc != o::RDWR) {
            return super::fifo::open(v, env, who, ino, flags, kept, cloexec, r.path.clone());
        }
        // A device node in the tree (mknod) opens grantix's device of that number,
        // never the host's; one grantix has no driver for is ENXIO, as on Linux.
        if let Some(rdev) = super::procfs::device_number(&v.host(&r.path)) {
            // A nodev mount's device nodes cannot be opened (may_open).
            if v.mount_flag(&r.path, super::mounts::ms::NODEV) {
                return fail(libc::EACCES);
            }
            let b = tri!(super::procfs::Dev::from_rdev(rdev).map(|d| d.backend()).ok_or(libc::ENXIO));
            let b = tri!(b);
            let id = v.new_file(b, kept, r.path.clone());
            return val(v.install_new(env, pid, id, cloexec));
        }
    }
    let mut oo = std::fs::OpenOptions::new();
    let mut new_mode = None;
    if opath {
        oo.read(true).custom_flags(libc::O_PATH | (flags & o::NOFOLLOW));
    } else {
        oo.read(acc != o::WRONLY).write(acc != o::RDONLY);
        // Host descriptors are nonblocking: opening a fifo or reading a device must
        // never stop the emulator; a guest that has to wait is blocked by the scheduler.
        let pass = flags & (o::APPEND | o::TRUNC | o::EXCL | o::CREAT | o::NOFOLLOW | o::DSYNC | o::SYNC | o::NOATIME);
        oo.custom_flags(pass | libc::O_NONBLOCK | libc::O_NOCTTY);
        if flags & o::CREAT != 0 && creating {
            let m = v.strip_sgid(env, pid, &r.path, perm & 0o7777) & !v.umask(env, who);
            new_mode = Some(m);
            oo.mode(m);
        }
    }
    let h = v.host(&r.path);
    if !opath && !creating && !v.leases_empty()
        && let Ok(m) = std::fs::metadata(&h)
    {
        use std::os::unix::fs::MetadataExt;
        let write = acc != o::RDONLY || flags & o::TRUNC != 0;
        if let Some(r) = v.break_leases(env, who, (m.dev(), m.ino()), write, flags & o::NONBLOCK != 0) {
            return r;
        }
    }
    match oo.open(&h) {
        Ok(file) => {
            if creating {
                v.created(env, pid, &r.path, &h, new_mode);
            }
            let id = v.new_file(Backend::Host(file), kept, r.path.clone());
            if flags & o::TRUNC != 0 && acc != o::RDONLY {
                if let Some(k) = v.mapped_inode(id) {
                    v.report_change(env, who, k, 0, 0, 0);
                }
            }
            val(v.install_new(env, pid, id, cloexec))
        }
        Err(e) => val(io_errno(&e)),
    }
}

/// Opening /proc/PID/fd/N: a new open of what the descriptor names.
fn reopen(v: &mut Vfs, env: &mut dyn Env, who: Who, file: u64, flags: i32, kept: i32) -> Regs {
    let cloexec = flags & o::CLOEXEC != 0;
    let acc = flags & o::ACCMODE;
    let Some(f) = v.files.get(&file) else { return fail(libc::ENOENT) };
    let path = f.path.clone();
    let backend = match &f.backend {
        Backend::Host(h) => {
            let mut oo = std::fs::OpenOptions::new();
            oo.read(acc != o::WRONLY).write(acc != o::RDONLY).custom_flags(flags & (o::APPEND | o::TRUNC) | libc::O_NONBLOCK);
            match oo.open(format!("/proc/self/fd/{}", h.as_raw_fd())) {
                Ok(nf) => Backend::Host(nf),
                Err(e) => return val(io_errno(&e)),
            }
        }
        Backend::Dir(_) => {
            if acc != o::RDONLY {
                return fail(libc::EISDIR);
            }
            Backend::Dir(DirState::default())
        }
        Backend::PipeRead(p) | Backend::PipeWrite(p) => {
            let p = *p;
            let Some(pipe) = v.pipes.get_mut(&p) else { return fail(libc::ENOENT) };
            match acc {
                o::RDONLY => {
                    pipe.readers += 1;
                    Backend::PipeRead(p)
                }
                o::WRONLY => {
                    pipe.writers += 1;
                    Backend::PipeWrite(p)
                }
                _ => return fail(libc::EINVAL),
            }
        }
        Backend::Console(h) => Backend::Console(*h),
        Backend::Null => Backend::Null,
        Backend::Zero => Backend::Zero,
        Backend::Full => Backend::Full,
        Backend::Random => Backend::Random,
        Backend::Text(t) => Backend::Text(t.clone()),
        Backend::Comm(p, t) => Backend::Comm(*p, *t),
        Backend::Proc(l) => Backend::Proc(l.clone()),
        Backend::Unix(_) | Backend::Inet(_) => return fail(libc::ENXIO),
        // Anonymous inodes: the same open file again.
        Backend::Event(_) | Backend::Timer(_) | Backend::Epoll(_) | Backend::Inotify | Backend::Signal(_) | Backend::Pidfd(_) => return val(v.install(who.pid, file, cloexec, 0)),
        Backend::Mq(_) => return fail(libc::ENXIO),
        Backend::Block(n) => {
            let n = *n;
            tri!(super::loopdev::open(v, env, who, n, acc))
        }
    };
    let id = v.new_file(backend, kept, path);
    val(v.install_new(env, who.pid, id, cloexec))
}

/// STATX_ATTR_* bits (include/uapi/linux/stat.h).
mod statx_attr {
    pub const MOUNT_ROOT: u64 = 0x2000;
    pub const AUTOMOUNT: u64 = 0x1000;
    pub const DAX: u64 = 0x20_0000;
}

/// fstat, newfstatat and statx.
pub fn stat(v: &mut Vfs, env: &mut dyn Env, who: Who, n: u64, s: [u64; 5]) -> Regs {
    let pid = who.pid;
    let (dirfd, pathp, flags, out) = match n {
        nr::FSTAT => (s[0] as i32, 0, at::EMPTY_PATH, s[1]),
        nr::NEWFSTATAT => (s[0] as i32, s[1], s[3] as i32, s[2]),
        _ => (s[0] as i32, s[1], s[2] as i32, s[4]),
    };
    let allowed = at::SYMLINK_NOFOLLOW | at::NO_AUTOMOUNT | at::EMPTY_PATH | if n == nr::STATX { at::STATX_SYNC_TYPE } else { 0 };
    if flags & !allowed != 0 || (n == nr::STATX && s[3] & 0x8000_0000 != 0) {
        return fail(libc::EINVAL);
    }
    let g = if pathp == 0 && flags & at::EMPTY_PATH != 0 { String::new() } else { path_arg!(v, env, pathp) };
    // The guest path of what is looked at, where it has one (statx's mount root).
    let file_path = |v: &Vfs, file: u64| v.files.get(&file).filter(|f| matches!(f.backend, Backend::Host(_) | Backend::Dir(_))).map(|f| f.path.clone());
    let (st, at_path) = if g.is_empty() && flags & at::EMPTY_PATH != 0 {
        if dirfd == at::FDCWD {
            let cwd = tri!(v.start_dir(pid, dirfd));
            (tri!(v.stat_resolved(pid, &Resolved { path: cwd.clone(), node: Node::Dir, slash: false })), Some(cwd))
        } else {
            let (id, _) = tri!(v.get(pid, dirfd));
            (tri!(v.fstat_of(pid, id)), file_path(v, id))
        }
    } else {
        let r = tri!(v.resolve_at(env, pid, dirfd, &g, flags & at::SYMLINK_NOFOLLOW == 0));
        match &r.node {
            Node::Magic(file, _) if flags & at::SYMLINK_NOFOLLOW == 0 => (tri!(v.fstat_of(pid, *file)), file_path(v, *file)),
            _ => (tri!(v.stat_resolved(pid, &r)), Some(r.path.clone())),
        }
    };
    if n == nr::STATX {
        let mut x = st.to_statx(s[3] as u32);
        // vfs_getattr_nosec and vfs_statx: every file system can say whether a file
        // is an automount point, DAX, or the root of a mount.
        x.attributes_mask |= statx_attr::AUTOMOUNT | statx_attr::DAX | statx_attr::MOUNT_ROOT;
        // The base mounts (the tree, /proc, /dev: mounts.rs's BASE) and the guest's.
        if at_path.is_some_and(|g| matches!(g.as_str(), "/" | "/proc" | "/dev") || v.is_mount_point(&g)) {
            x.attributes |= statx_attr::MOUNT_ROOT;
        }
        env.write(out, x.as_bytes())?;
    } else {
        env.write(out, st.to_stat().as_bytes())?;
    }
    val(0)
}

/// getdents64(fd, buf, len).
pub fn getdents(v: &mut Vfs, env: &mut dyn Env, who: Who, s: [u64; 5]) -> Regs {
    let (id, f) = tri!(v.get(who.pid, s[0] as i32));
    if f.flags & o::PATH != 0 {
        return fail(libc::EBADF);
    }
    let Backend::Dir(d) = &f.backend else { return fail(libc::ENOTDIR) };
    if d.entries.is_none() {
        let g = f.path.clone();
        let list = match v.synth_list(&g) {
            Some(l) => l,
            None => {
                let mut l = tri!(host_list(&v.host(&g)));
                if g == "/dev" {
                    v.merge_dev(&mut l);
                }
                l
            }
        };
        if let Some(OpenFile { backend: Backend::Dir(d), .. }) = v.files.get_mut(&id) {
            d.entries = Some(list);
        }
    }
    let Some(OpenFile { backend: Backend::Dir(d), .. }) = v.files.get_mut(&id) else { return fail(libc::EBADF) };
    let list = d.entries.as_deref().unwrap_or_default();
    let mut out = Vec::new();
    while d.pos < list.len() {
        let (name, ino, t) = &list[d.pos];
        let reclen = (19 + name.len() + 1).div_ceil(8) * 8;
        if out.len() + reclen > s[2] as usize {
            break;
        }
        let mut rec = vec![0u8; reclen];
        rec[0..8].copy_from_slice(&ino.to_le_bytes());
        rec[8..16].copy_from_slice(&((d.pos + 1) as u64).to_le_bytes());
        rec[16..18].copy_from_slice(&(reclen as u16).to_le_bytes());
        rec[18] = *t;
        rec[19..19 + name.len()].copy_from_slice(name.as_bytes());
        out.extend(rec);
        d.pos += 1;
    }
    if out.is_empty() && d.pos < list.len() {
        return fail(libc::EINVAL);
    }
    env.write(s[1], &out)?;
    val(out.len() as u64)
}

/// A host directory's entries, with "." and "..".
fn host_list(dir: &std::path::Path) -> Result<Vec<(String, u64, u8)>, i32> {
    use std::os::unix::fs::{DirEntryExt, MetadataExt};
    let ino = |p: &std::path::Path| std::fs::metadata(p).map_or(1, |m| m.ino());
    let mut v = vec![(".".to_string(), ino(dir), 4u8), ("..".to_string(), ino(&dir.join("..")), 4u8)];
    let rd = std::fs::read_dir(dir).map_err(|e| e.raw_os_error().unwrap_or(libc::EIO))?;
    for e in rd.flatten() {
        let t = e.file_type().map_or(0, |t| {
            use std::os::unix::fs::FileTypeExt;
            if t.is_dir() {
                4
            } else if t.is_symlink() {
                10
            } else if t.is_file() {
                8
            } else if t.is_fifo() {
                1
            } else if t.is_socket() {
                12
            } else if t.is_char_device() {
                2
            } else if t.is_block_device() {
                6
            } else {
                0
            }
        });
        v.push((e.file_name().to_string_lossy().into_owned(), e.ino(), t));
    }
    Ok(v)
}

/// getcwd(buf, size).
pub fn getcwd(v: &mut Vfs, env: &mut dyn Env, who: Who, s: [u64; 5]) -> Regs {
    let cwd = v.tables.get(&who.pid).map(|t| t.cwd.clone()).unwrap_or_else(|| "/".into());
    // A removed working directory has no path (Linux: ENOENT).
    if !matches!(v.lookup(env, who.pid, &cwd), Node::Dir) {
        return fail(libc::ENOENT);
    }
    // Seen from the process's root (chroot).
    let root = v.tables.get(&who.pid).map_or(String::new(), |t| t.root.clone());
    // A directory outside the root (chroot without chdir) is shown as Linux shows
    // it: "(unreachable)" before its path from the real root, which is no path
    // (realpath then fails with ENOENT).
    let cwd = if root.len() > 1 && path::is_under(&cwd, &root) {
        if cwd == root { "/".to_string() } else { cwd[root.len()..].to_string() }
    } else if root.len() > 1 {
        format!("(unreachable){cwd}")
    } else {
        cwd
    };
    if cwd.len() + 1 > s[1] as usize {
        return fail(libc::ERANGE);
    }
    let mut b = cwd.into_bytes();
    b.push(0);
    env.write(s[0], &b)?;
    val(b.len() as u64)
}

/// chdir(path) and fchdir(fd).
pub fn chdir(v: &mut Vfs, env: &mut dyn Env, who: Who, n: u64, s: [u64; 5]) -> Regs {
    let target = if n == nr::CHDIR {
        let g = path_arg!(v, env, s[0]);
        let r = tri!(v.resolve_at(env, who.pid, at::FDCWD, &g, true));
        match r.node {
            Node::Dir => r.path,
            Node::Missing => return fail(libc::ENOENT),
            Node::Error(e) => return fail(e),
            _ => return fail(libc::ENOTDIR),
        }
    } else {
        let (_, f) = tri!(v.get(who.pid, s[0] as i32));
        match f.backend {
            Backend::Dir(_) => f.path.clone(),
            _ => return fail(libc::ENOTDIR),
        }
    };
    // chdir needs search permission on the new working directory.
    tri!(v.check(env, who.pid, &target, may::EXEC));
    if let Some(t) = v.tables.get_mut(&who.pid) {
        t.cwd = target;
    }
    val(0)
}

/// chroot(path): the caller's root becomes the directory `path` names (search
/// permission on it, then CAP_SYS_CHROOT, as the kernel checks them). The working
/// directory stays where it is.
pub fn chroot(v: &mut Vfs, env: &mut dyn Env, who: Who, s: [u64; 5]) -> Regs {
    let g = path_arg!(v, env, s[0]);
    let r = tri!(v.resolve_at(env, who.pid, at::FDCWD, &g, true));
    match r.node {
        Node::Dir => {}
        Node::Missing => return fail(libc::ENOENT),
        Node::Error(e) => return fail(e),
        _ => return fail(libc::ENOTDIR),
    }
    tri!(v.check(env, who.pid, &r.path, may::EXEC));
    if !v.creds(env, who.pid).capable(crate::creds::cap::SYS_CHROOT) {
        return fail(libc::EPERM);
    }
    if let Some(t) = v.tables.get_mut(&who.pid) {
        t.root = r.path;
    }
    val(0)
}

/// The RESOLVE_EXEC op: guest path (lent R at s[0], length s[1]) to a host path
/// written at s[2] (capacity s[3]); only regular files with an x bit.
pub fn resolve_exec(v: &mut Vfs, env: &mut dyn Env, pid: u32, s: [u64; 5]) -> Regs {
    let mut g = vec![0u8; (s[1] as usize).min(path::PATH_MAX)];
    env.read(s[0], &mut g)?;
    let g = String::from_utf8_lossy(&g).into_owned();
    let r = tri!(v.resolve_at(env, pid, at::FDCWD, &g, true));
    let host = match r.node {
        Node::Missing => return fail(libc::ENOENT),
        Node::Error(e) => return fail(e),
        Node::Dir => return fail(libc::EACCES),
        // /proc/self/exe and friends: the file the descriptor names.
        Node::Magic(file, _) => match v.files.get(&file).map(|f| &f.backend) {
            Some(Backend::Host(h)) => PathBuf::from(format!("/proc/self/fd/{}", h.as_raw_fd())),
            _ => return fail(libc::EACCES),
        },
        _ => v.host(&r.path),
    };
    // A regular file the caller may execute (for root: one with an x bit).
    match std::fs::metadata(&host) {
        Ok(m) if !m.is_file() => return fail(libc::EACCES),
        // Nothing on a noexec mount runs.
        Ok(_) if v.mount_flag(&r.path, super::mounts::ms::NOEXEC) => return fail(libc::EACCES),
        Ok(m) => tri!(v.check_inode(env, pid, super::perm::inode_of(&m), may::EXEC)),
        Err(e) => return val(io_errno(&e)),
    }
    let h = host.to_string_lossy().into_owned();
    if h.len() as u64 > s[3] {
        return fail(libc::ENAMETOOLONG);
    }
    env.write(s[2], h.as_bytes())?;
    val(h.len() as u64)
}
