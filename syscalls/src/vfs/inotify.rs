//! inotify: instances (inotify_init1), watches on host inodes of the guest tree
//! (inotify_add_watch, inotify_rm_watch), and the events the vfs's own operations
//! generate, read as `struct inotify_event` records through read, poll and epoll.
//!
//! Events come from one place: `Vfs::watched_syscall` looks at a vfs syscall before
//! it runs (what a path names before an unlink, a rename or an O_CREAT open) and
//! after it succeeded, and queues what Linux's fsnotify hooks would: to the watch of
//! the parent directory (with the name) first, then to the watch of the inode itself.
//! Covered: IN_ACCESS, IN_MODIFY, IN_ATTRIB, IN_CLOSE_WRITE, IN_CLOSE_NOWRITE, IN_OPEN,
//! IN_MOVED_FROM/IN_MOVED_TO (one cookie), IN_CREATE, IN_DELETE, IN_DELETE_SELF,
//! IN_MOVE_SELF, IN_IGNORED, IN_ISDIR, IN_ONESHOT, IN_MASK_ADD, IN_MASK_CREATE,
//! IN_ONLYDIR, IN_DONT_FOLLOW, IN_EXCL_UNLINK (for files unlinked while open, whose
//! IN_DELETE_SELF comes at their last close). Not covered: changes made outside the
//! guest's vfs calls (by the host, or by a close at exit or exec), IN_UNMOUNT.

use super::abi::{ev, o, s as mode};
use super::fs::{path_arg, tri};
use super::io::Stop;
use super::path::{self, Node};
use super::wait::{WaitSet, Who};
use super::{Backend, Regs, Vfs, fail, val};
use crate::service::{BLOCK, Env, is_err};
use crate::sysno as nr;
use std::collections::{BTreeMap, VecDeque};
use std::os::unix::fs::MetadataExt;

/// Event bits (inotify(7)).
pub mod mask {
    pub const ACCESS: u32 = 0x1;
    pub const MODIFY: u32 = 0x2;
    pub const ATTRIB: u32 = 0x4;
    pub const CLOSE_WRITE: u32 = 0x8;
    pub const CLOSE_NOWRITE: u32 = 0x10;
    pub const OPEN: u32 = 0x20;
    pub const MOVED_FROM: u32 = 0x40;
    pub const MOVED_TO: u32 = 0x80;
    pub const CREATE: u32 = 0x100;
    pub const DELETE: u32 = 0x200;
    pub const DELETE_SELF: u32 = 0x400;
    pub const MOVE_SELF: u32 = 0x800;
    pub const ALL_EVENTS: u32 = 0xfff;
    pub const UNMOUNT: u32 = 0x2000;
    pub const Q_OVERFLOW: u32 = 0x4000;
    pub const IGNORED: u32 = 0x8000;
    pub const ONLYDIR: u32 = 0x0100_0000;
    pub const DONT_FOLLOW: u32 = 0x0200_0000;
    pub const EXCL_UNLINK: u32 = 0x0400_0000;
    pub const MASK_CREATE: u32 = 0x1000_0000;
    pub const MASK_ADD: u32 = 0x2000_0000;
    pub const ISDIR: u32 = 0x4000_0000;
    pub const ONESHOT: u32 = 0x8000_0000;
    /// Linux's ALL_INOTIFY_BITS: a mask without any of these is EINVAL.
    pub const ALL_BITS: u32 = ALL_EVENTS | UNMOUNT | Q_OVERFLOW | IGNORED | ONLYDIR | DONT_FOLLOW | EXCL_UNLINK | MASK_CREATE | MASK_ADD | ISDIR | ONESHOT;
}

/// Size of `struct inotify_event` without its name.
const EVENT: usize = 16;
/// Linux's default max_queued_events.
const MAX_QUEUED: usize = 16384;

/// A host inode: (device, inode number).
type Inode = (u64, u64);

#[derive(Debug)]
struct Watch {
    inode: Inode,
    mask: u32,
}

#[derive(Debug, PartialEq, Eq)]
struct Event {
    wd: i32,
    mask: u32,
    cookie: u32,
    name: String,
}

impl Event {
    /// The record's bytes: the name NUL-padded to a multiple of 16, as Linux pads it.
    fn bytes(&self) -> Vec<u8> {
        let len = if self.name.is_empty() { 0 } else { (self.name.len() + 1).div_ceil(EVENT) * EVENT };
        let mut b = Vec::with_capacity(EVENT + len);
        b.extend(self.wd.to_le_bytes());
        b.extend(self.mask.to_le_bytes());
        b.extend(self.cookie.to_le_bytes());
        b.extend((len as u32).to_le_bytes());
        b.extend(self.name.as_bytes());
        b.resize(EVENT + len, 0);
        b
    }
}

/// One inotify instance (an open file description).
#[derive(Debug, Default)]
pub struct Instance {
    watches: BTreeMap<i32, Watch>,
    next_wd: i32,
    queue: VecDeque<Event>,
    /// Bumped at every event (edge-triggered epoll).
    pub generation: u64,
}

impl Instance {
    fn push(&mut self, e: Event) {
        // An event identical to the last one still queued is merged into it.
        if self.queue.back() == Some(&e) {
            return;
        }
        if self.queue.len() >= MAX_QUEUED {
            let overflow = Event { wd: -1, mask: mask::Q_OVERFLOW, cookie: 0, name: String::new() };
            if self.queue.back() != Some(&overflow) {
                self.queue.push_back(overflow);
            }
            return;
        }
        self.queue.push_back(e);
        self.generation += 1;
    }

    /// Bytes queued (FIONREAD).
    pub fn pending(&self) -> usize {
        self.queue.iter().map(|e| e.bytes().len()).sum()
    }

    /// The watches as /proc/PID/fdinfo shows them (inotify_fdinfo): the wd, the
    /// inode and the kernel's encoding of its device in hex, and the mask the user
    /// gave (events, IN_ONESHOT and IN_EXCL_UNLINK; inotify_mark_user_mask); the
    /// newest first, as the group's mark list has them.
    pub fn fdinfo(&self) -> String {
        let mut out = String::new();
        for (wd, w) in self.watches.iter().rev() {
            let (dev, ino) = w.inode;
            let sdev = (libc::major(dev) as u64) << 20 | libc::minor(dev) as u64;
            let m = w.mask & (mask::ALL_EVENTS | mask::ONESHOT | mask::EXCL_UNLINK);
            out.push_str(&format!("inotify wd:{wd:x} ino:{ino:x} sdev:{sdev:x} mask:{m:x} ignored_mask:0\n"));
        }
        out
    }

    /// Poll events.
    pub fn events(&self) -> u32 {
        if self.queue.is_empty() { 0 } else { ev::IN | ev::RDNORM }
    }

    /// Queues `m` for every watch of `parent` (with `name`) and of `inode` that asks
    /// for it; one-shot watches end after their event.
    fn deliver(&mut self, parent: Option<(Inode, &str)>, inode: Option<Inode>, m: u32, cookie: u32, isdir: bool) {
        let flag = if isdir { mask::ISDIR } else { 0 };
        let mut hits: Vec<(i32, String)> = Vec::new();
        if let Some((p, name)) = parent {
            hits.extend(self.watches.iter().filter(|(_, w)| w.inode == p && w.mask & m != 0).map(|(wd, _)| (*wd, name.to_string())));
        }
        if let Some(i) = inode {
            hits.extend(self.watches.iter().filter(|(_, w)| w.inode == i && w.mask & m != 0).map(|(wd, _)| (*wd, String::new())));
        }
        for (wd, name) in hits {
            // IN_ISDIR says what the subject is, except on the *_SELF events.
            let f = if m & (mask::DELETE_SELF | mask::MOVE_SELF) != 0 { 0 } else { flag };
            self.push(Event { wd, mask: m | f, cookie, name });
            if self.watches.get(&wd).is_some_and(|w| w.mask & mask::ONESHOT != 0) {
                self.ignore(wd);
            }
        }
    }

    /// Queues `m` for a file with no name left (unlinked, still open): to the watches
    /// of the directory it was in (with its old name, as its dentry still says) and of
    /// its inode, but not to those that asked for IN_EXCL_UNLINK
    /// (fsnotify_handle_inode_event).
    fn deliver_unlinked(&mut self, parent: Option<(Inode, &str)>, inode: Inode, m: u32) {
        let hit = |w: &Watch, i: Inode| w.inode == i && w.mask & m != 0 && w.mask & mask::EXCL_UNLINK == 0;
        let mut hits: Vec<(i32, String)> = Vec::new();
        if let Some((p, name)) = parent {
            hits.extend(self.watches.iter().filter(|(_, w)| hit(w, p)).map(|(wd, _)| (*wd, name.to_string())));
        }
        hits.extend(self.watches.iter().filter(|(_, w)| hit(w, inode)).map(|(wd, _)| (*wd, String::new())));
        for (wd, name) in hits {
            self.push(Event { wd, mask: m, cookie: 0, name });
            if self.watches.get(&wd).is_some_and(|w| w.mask & mask::ONESHOT != 0) {
                self.ignore(wd);
            }
        }
    }

    /// Ends watch `wd` with IN_IGNORED.
    fn ignore(&mut self, wd: i32) {
        if self.watches.remove(&wd).is_some() {
            self.push(Event { wd, mask: mask::IGNORED, cookie: 0, name: String::new() });
        }
    }
}

/// What a path named before the call that changes it.
struct Before {
    inode: Option<Inode>,
    parent: Option<Inode>,
    name: String,
    isdir: bool,
    nlink: u64,
    existed: bool,
}

/// What a syscall needs remembered from before it ran.
enum Pre {
    None,
    /// unlinkat, rmdir, rename's source, openat's path, mkdir's new name...
    Path(Before),
    /// renameat: the source and the destination.
    Rename(Before, Before),
    /// Close of the last descriptor of an open file: its inode, parent and mode.
    Close(Option<Inode>, Option<(Inode, String)>, bool, bool),
    /// The same for a file unlinked while open (its inode ends with the close): its
    /// inode, the guest path it had, its mode.
    CloseUnlinked(Inode, String, bool),
}

impl Vfs {
    /// Whether any instance has a watch (nothing is looked at otherwise).
    fn watching(&self) -> bool {
        self.inotify.values().any(|i| !i.watches.is_empty())
    }

    fn inode_of(&self, g: &str) -> Option<(Inode, bool, u64)> {
        if self.is_synth(g) {
            return None;
        }
        std::fs::symlink_metadata(self.host(g)).ok().map(|m| ((m.dev(), m.ino()), m.is_dir(), m.nlink()))
    }

    /// What guest path `g` (canonical) names now.
    fn before(&self, g: &str) -> Before {
        let (dir, name) = path::split_last(g);
        let now = self.inode_of(g);
        Before {
            inode: now.map(|n| n.0),
            parent: self.inode_of(&dir).map(|n| n.0),
            name: name.unwrap_or_default(),
            isdir: now.is_some_and(|n| n.1),
            nlink: now.map_or(0, |n| n.2),
            existed: now.is_some(),
        }
    }

    /// Resolves a path argument without side effects (None if it does not resolve).
    fn peek_path(&self, env: &mut dyn Env, pid: u32, dirfd: i32, ptr: u64, follow: bool) -> Option<String> {
        let g = self.read_path(env, ptr).ok()?;
        self.resolve_at(env, pid, dirfd, &g, follow).ok().map(|r| r.path)
    }

    /// Queues event `m` to every instance.
    fn notify_all(&mut self, parent: Option<(Inode, &str)>, inode: Option<Inode>, m: u32, cookie: u32, isdir: bool) {
        for i in self.inotify.values_mut() {
            i.deliver(parent, inode, m, cookie, isdir);
        }
    }

    /// An event on the file at canonical path `g`.
    fn notify_path(&mut self, g: &str, m: u32) {
        let (dir, name) = path::split_last(g);
        let me = self.inode_of(g);
        let parent = self.inode_of(&dir).map(|p| p.0);
        let name = name.unwrap_or_default();
        self.notify_all(parent.map(|p| (p, name.as_str())), me.map(|x| x.0), m, 0, me.is_some_and(|x| x.1));
    }

    /// An event on the open file behind `fd`: through its name, or, once it has none
    /// left (unlinked while open), to its inode's watches alone.
    fn notify_fd(&mut self, pid: u32, fd: i32, m: u32) {
        let Ok((_, f)) = self.get(pid, fd) else { return };
        if !matches!(f.backend, Backend::Host(_) | Backend::Dir(_)) {
            return;
        }
        let g = f.path.clone();
        if let Some((inode, 0)) = open_inode(&f.backend) {
            self.notify_unlinked(&g, inode, m);
            return;
        }
        self.notify_path(&g, m);
    }

    /// An event on open file `inode` unlinked from guest path `g`.
    fn notify_unlinked(&mut self, g: &str, inode: Inode, m: u32) {
        let (dir, name) = path::split_last(g);
        let parent = self.inode_of(&dir).map(|p| p.0);
        let name = name.unwrap_or_default();
        for i in self.inotify.values_mut() {
            i.deliver_unlinked(parent.map(|p| (p, name.as_str())), inode, m);
        }
    }

    /// Whether an open file of the vfs is inode `i` (its inode lives on).
    fn is_open(&self, i: Inode) -> bool {
        self.files.values().any(|f| open_inode(&f.backend).is_some_and(|(x, _)| x == i))
    }

    /// The self events of an inode that is gone: IN_DELETE_SELF, then IN_IGNORED.
    fn gone(&mut self, inode: Inode) {
        for i in self.inotify.values_mut() {
            i.deliver(None, Some(inode), mask::DELETE_SELF, 0, false);
            let wds: Vec<i32> = i.watches.iter().filter(|(_, w)| w.inode == inode).map(|(wd, _)| *wd).collect();
            for wd in wds {
                i.ignore(wd);
            }
        }
    }

    /// Runs vfs syscall `n`, queueing the inotify events it causes.
    pub(super) fn watched_syscall(&mut self, env: &mut dyn Env, who: Who, n: u64, s: [u64; 5]) -> Regs {
        if matches!(n, nr::PPOLL | nr::PSELECT6 | nr::EPOLL_PWAIT | nr::EPOLL_PWAIT2) {
            self.note_pending(env, who);
        }
        if !self.watching() {
            return self.syscall(env, who, n, s);
        }
        let pid = who.pid;
        let pre = match n {
            nr::UNLINKAT | nr::MKDIRAT | nr::MKNODAT => self.peek_path(env, pid, s[0] as i32, s[1], false).map_or(Pre::None, |g| Pre::Path(self.before(&g))),
            nr::SYMLINKAT => self.peek_path(env, pid, s[1] as i32, s[2], false).map_or(Pre::None, |g| Pre::Path(self.before(&g))),
            nr::LINKAT => self.peek_path(env, pid, s[2] as i32, s[3], false).map_or(Pre::None, |g| Pre::Path(self.before(&g))),
            nr::OPENAT => {
                let follow = s[2] as i32 & o::NOFOLLOW == 0;
                self.peek_path(env, pid, s[0] as i32, s[1], follow).map_or(Pre::None, |g| Pre::Path(self.before(&g)))
            }
            // (openat2's flags are in its how structure: an O_NOFOLLOW open of a
            // missing name through a dangling symlink is the one case this misreads.)
            nr::OPENAT2 => self.peek_path(env, pid, s[0] as i32, s[1], true).map_or(Pre::None, |g| Pre::Path(self.before(&g))),
            nr::RENAMEAT | nr::RENAMEAT2 => match (self.peek_path(env, pid, s[0] as i32, s[1], false), self.peek_path(env, pid, s[2] as i32, s[3], false)) {
                (Some(a), Some(b)) => Pre::Rename(self.before(&a), self.before(&b)),
                _ => Pre::None,
            },
            nr::CLOSE => match self.get(pid, s[0] as i32) {
                Ok((_, f)) if f.refs == 1 && matches!(f.backend, Backend::Host(_) | Backend::Dir(_)) => {
                    let g = f.path.clone();
                    let write = f.flags & o::ACCMODE != o::RDONLY && f.flags & o::PATH == 0;
                    match open_inode(&f.backend) {
                        // Unlinked while open: its inode ends with this close.
                        Some((i, 0)) => Pre::CloseUnlinked(i, g, write),
                        _ => {
                            let b = self.before(&g);
                            Pre::Close(b.inode, b.parent.map(|p| (p, b.name.clone())), b.isdir, write)
                        }
                    }
                }
                _ => Pre::None,
            },
            _ => Pre::None,
        };
        let r = self.syscall(env, who, n, s);
        let Ok([v, _]) = r else { return r };
        if v == BLOCK || is_err(v) {
            return r;
        }
        match (n, pre) {
            (nr::WRITE | nr::PWRITE64 | nr::WRITEV | nr::PWRITEV | nr::PWRITEV2 | nr::FTRUNCATE | nr::FALLOCATE, _) if v > 0 || n == nr::FTRUNCATE || n == nr::FALLOCATE => {
                self.notify_fd(pid, s[0] as u32 as i32, mask::MODIFY)
            }
            (nr::READ | nr::PREAD64 | nr::READV | nr::PREADV | nr::PREADV2, _) if v > 0 => self.notify_fd(pid, s[0] as u32 as i32, mask::ACCESS),
            (nr::SENDFILE, _) if v > 0 => {
                self.notify_fd(pid, s[1] as i32, mask::ACCESS);
                self.notify_fd(pid, s[0] as i32, mask::MODIFY);
            }
            (nr::COPY_FILE_RANGE | nr::SPLICE, _) if v > 0 => {
                self.notify_fd(pid, s[0] as u32 as i32, mask::ACCESS);
                self.notify_fd(pid, (s[0] >> 32) as u32 as i32, mask::MODIFY);
            }
            (nr::FCHMOD | nr::FCHOWN | nr::FSETXATTR | nr::FREMOVEXATTR, _) => self.notify_fd(pid, s[0] as i32, mask::ATTRIB),
            (nr::FCHMODAT | nr::FCHMODAT2 | nr::FCHOWNAT | nr::UTIMENSAT, _) => {
                const NOFOLLOW: i32 = 0x100;
                let follow = match n {
                    nr::FCHMODAT => true,
                    nr::FCHOWNAT => s[4] as i32 & NOFOLLOW == 0,
                    _ => s[3] as i32 & NOFOLLOW == 0,
                };
                if s[1] == 0 {
                    self.notify_fd(pid, s[0] as i32, mask::ATTRIB);
                } else if let Some(g) = self.peek_path(env, pid, s[0] as i32, s[1], follow) {
                    self.notify_path(&g, mask::ATTRIB);
                }
            }
            (nr::TRUNCATE, _) => {
                if let Some(g) = self.peek_path(env, pid, super::abi::at::FDCWD, s[0], true) {
                    self.notify_path(&g, mask::MODIFY);
                }
            }
            (nr::SETXATTR | nr::REMOVEXATTR | nr::LSETXATTR | nr::LREMOVEXATTR, _) => {
                if let Some(g) = self.peek_path(env, pid, super::abi::at::FDCWD, s[0], matches!(n, nr::SETXATTR | nr::REMOVEXATTR)) {
                    self.notify_path(&g, mask::ATTRIB);
                }
            }
            (nr::OPENAT | nr::OPENAT2, pre) => {
                let Ok((_, f)) = self.get(pid, v as i32) else { return r };
                if f.flags & o::PATH != 0 || !matches!(f.backend, Backend::Host(_) | Backend::Dir(_)) {
                    return r;
                }
                let g = f.path.clone();
                if let Pre::Path(b) = pre {
                    if !b.existed {
                        let (dir, name) = path::split_last(&g);
                        let parent = self.inode_of(&dir).map(|p| p.0);
                        let name = name.unwrap_or_default();
                        self.notify_all(parent.map(|p| (p, name.as_str())), None, mask::CREATE, 0, false);
                    } else if n == nr::OPENAT && s[2] as i32 & o::TRUNC != 0 && s[2] as i32 & o::ACCMODE != o::RDONLY {
                        self.notify_path(&g, mask::MODIFY);
                    }
                }
                self.notify_path(&g, mask::OPEN);
            }
            (nr::MKDIRAT | nr::MKNODAT | nr::SYMLINKAT, Pre::Path(b)) => {
                if let Some(p) = b.parent {
                    self.notify_all(Some((p, &b.name)), None, mask::CREATE, 0, n == nr::MKDIRAT);
                }
            }
            (nr::LINKAT, Pre::Path(b)) => {
                // The linked inode's count changed, then a name appeared.
                if let Some(p) = b.parent {
                    let g = self.peek_path(env, pid, s[2] as i32, s[3], false);
                    if let Some((i, _, _)) = g.as_deref().and_then(|g| self.inode_of(g)) {
                        self.notify_all(None, Some(i), mask::ATTRIB, 0, false);
                    }
                    self.notify_all(Some((p, &b.name)), None, mask::CREATE, 0, false);
                }
            }
            (nr::UNLINKAT, Pre::Path(b)) => {
                if let Some(i) = b.inode {
                    if !b.isdir {
                        self.notify_all(None, Some(i), mask::ATTRIB, 0, false);
                    }
                    // The inode ends with its last name, or with the last close of
                    // a file still open (then IN_DELETE_SELF comes at that close).
                    if b.isdir || (b.nlink <= 1 && !self.is_open(i)) {
                        self.gone(i);
                    }
                }
                if let Some(p) = b.parent {
                    self.notify_all(Some((p, &b.name)), None, mask::DELETE, 0, b.isdir);
                }
            }
            (nr::RENAMEAT | nr::RENAMEAT2, Pre::Rename(a, b)) => {
                self.cookie = self.cookie.wrapping_add(1).max(1);
                let c = self.cookie;
                if let Some(p) = a.parent {
                    self.notify_all(Some((p, &a.name)), None, mask::MOVED_FROM, c, a.isdir);
                }
                if let Some(p) = b.parent {
                    self.notify_all(Some((p, &b.name)), None, mask::MOVED_TO, c, a.isdir);
                }
                if let Some(i) = a.inode {
                    self.notify_all(None, Some(i), mask::MOVE_SELF, 0, false);
                }
                // A file the rename replaced is gone.
                if let (Some(i), true) = (b.inode, b.existed && b.inode != a.inode && s.get(4).is_none_or(|f| *f as u32 & 2 == 0)) {
                    if b.isdir || b.nlink <= 1 {
                        self.gone(i);
                    }
                }
            }
            (nr::CLOSE, Pre::Close(inode, parent, isdir, write)) => {
                let m = if write { mask::CLOSE_WRITE } else { mask::CLOSE_NOWRITE };
                self.notify_all(parent.as_ref().map(|(p, name)| (*p, name.as_str())), inode, m, 0, isdir);
            }
            (nr::CLOSE, Pre::CloseUnlinked(i, g, write)) => {
                self.notify_unlinked(&g, i, if write { mask::CLOSE_WRITE } else { mask::CLOSE_NOWRITE });
                if !self.is_open(i) {
                    self.gone(i);
                }
            }
            _ => {}
        }
        r
    }
}

/// The host inode of an open host file and its link count (0: unlinked while open).
fn open_inode(b: &Backend) -> Option<(Inode, u64)> {
    match b {
        Backend::Host(h) => h.metadata().ok().map(|m| ((m.dev(), m.ino()), m.nlink())),
        _ => None,
    }
}

/// inotify_init1(flags).
pub fn init(v: &mut Vfs, env: &mut dyn Env, who: Who, flags: i32) -> Regs {
    if flags & !(o::CLOEXEC | o::NONBLOCK) != 0 {
        return fail(libc::EINVAL);
    }
    let id = v.new_file(Backend::Inotify, o::RDONLY | (flags & o::NONBLOCK), "anon_inode:inotify".into());
    v.inotify.insert(id, Instance { next_wd: 1, ..Default::default() });
    val(v.install_new(env, who.pid, id, flags & o::CLOEXEC != 0))
}

/// The instance behind `fd`: EBADF, or EINVAL when it is not an inotify descriptor.
fn instance(v: &mut Vfs, pid: u32, fd: i32) -> Result<&mut Instance, i32> {
    let (id, f) = v.get(pid, fd)?;
    if !matches!(f.backend, Backend::Inotify) {
        return Err(libc::EINVAL);
    }
    v.inotify.get_mut(&id).ok_or(libc::EINVAL)
}

/// inotify_add_watch(fd, path, mask).
pub fn add_watch(v: &mut Vfs, env: &mut dyn Env, who: Who, s: [u64; 5]) -> Regs {
    let (fd, m) = (s[0] as i32, s[2] as u32);
    if m & mask::MASK_ADD != 0 && m & mask::MASK_CREATE != 0 {
        return fail(libc::EINVAL);
    }
    if m & mask::ALL_BITS == 0 {
        return fail(libc::EINVAL);
    }
    tri!(instance(v, who.pid, fd));
    let g = path_arg!(v, env, s[1]);
    let r = tri!(v.resolve_at(env, who.pid, super::abi::at::FDCWD, &g, m & mask::DONT_FOLLOW == 0));
    match r.node {
        Node::Missing => return fail(libc::ENOENT),
        Node::Error(e) => return fail(e),
        _ => {}
    }
    let st = tri!(v.stat_resolved(who.pid, &r));
    if m & mask::ONLYDIR != 0 && st.mode & mode::IFMT != mode::IFDIR {
        return fail(libc::ENOTDIR);
    }
    // A synthesized file has an inode of its own (no vfs call changes it).
    let inode = v.inode_of(&r.path).map_or((st.dev, st.ino), |x| x.0);
    let want = m & (mask::ALL_EVENTS | mask::ONESHOT | mask::EXCL_UNLINK | mask::DONT_FOLLOW | mask::ONLYDIR);
    let i = tri!(instance(v, who.pid, fd));
    if let Some((wd, w)) = i.watches.iter_mut().find(|(_, w)| w.inode == inode) {
        if m & mask::MASK_CREATE != 0 {
            return fail(libc::EEXIST);
        }
        w.mask = if m & mask::MASK_ADD != 0 { w.mask | want } else { want };
        return val(*wd as u64);
    }
    let wd = i.next_wd;
    i.next_wd = i.next_wd.checked_add(1).unwrap_or(1);
    i.watches.insert(wd, Watch { inode, mask: want });
    val(wd as u64)
}

/// inotify_rm_watch(fd, wd).
pub fn rm_watch(v: &mut Vfs, who: Who, s: [u64; 5]) -> Regs {
    let i = tri!(instance(v, who.pid, s[0] as i32));
    let wd = s[1] as i32;
    if !i.watches.contains_key(&wd) {
        return fail(libc::EINVAL);
    }
    i.ignore(wd);
    val(0)
}

/// read: whole events that fit in `len` bytes (EINVAL if not even the first does).
pub fn read(v: &mut Vfs, env: &mut dyn Env, who: Who, id: u64, len: usize) -> Result<Vec<u8>, Stop> {
    let nonblock = v.files.get(&id).is_some_and(|f| f.flags & o::NONBLOCK != 0);
    let Some(i) = v.inotify.get_mut(&id) else { return Err(Stop::Err(libc::EBADF)) };
    if i.queue.is_empty() {
        if nonblock {
            return Err(Stop::Err(libc::EAGAIN));
        }
        if v.waits.signal_pending(env, who) {
            return Err(Stop::Err(libc::EINTR));
        }
        return Err(Stop::Block(v.waits.block(env, who, &WaitSet::default())));
    }
    let mut out = Vec::new();
    while let Some(e) = i.queue.front() {
        let b = e.bytes();
        if out.len() + b.len() > len {
            break;
        }
        out.extend(b);
        i.queue.pop_front();
    }
    if out.is_empty() {
        return Err(Stop::Err(libc::EINVAL));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_padded_and_merged() {
        let e = Event { wd: 1, mask: mask::CREATE, cookie: 0, name: "a".into() };
        assert_eq!(e.bytes().len(), 32);
        assert_eq!(Event { name: String::new(), ..e }.bytes().len(), 16);
        let mut i = Instance::default();
        i.watches.insert(1, Watch { inode: (1, 2), mask: mask::MODIFY | mask::ATTRIB });
        i.watches.insert(2, Watch { inode: (1, 3), mask: mask::ATTRIB | mask::ONESHOT });
        i.deliver(Some(((1, 2), "f")), Some((1, 3)), mask::MODIFY, 0, false);
        i.deliver(Some(((1, 2), "f")), Some((1, 3)), mask::MODIFY, 0, false);
        assert_eq!(i.queue.len(), 1, "an identical event merges into the last");
        i.deliver(Some(((1, 2), "f")), Some((1, 3)), mask::ATTRIB, 0, false);
        let got: Vec<(i32, u32)> = i.queue.iter().map(|e| (e.wd, e.mask)).collect();
        assert_eq!(got, vec![(1, mask::MODIFY), (1, mask::ATTRIB), (2, mask::ATTRIB), (2, mask::IGNORED)]);
        assert!(!i.watches.contains_key(&2), "a one-shot watch ends after its event");
        assert_eq!(i.pending(), 32 + 32 + 16 + 16);
    }
}
