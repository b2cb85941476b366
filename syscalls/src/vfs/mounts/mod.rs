//! Mounts inside the guest's namespace: mount(2) and umount2(2) for tmpfs (and ramfs)
//! and bind mounts, with read-only mounts and remounts, propagation types and moves;
//! the table /proc/PID/mounts and /proc/PID/mountinfo show; and the one rule every
//! other vfs call follows through `Vfs::host`: which host path a guest path names.
//!
//! A tmpfs is a private host directory the vfs owns (`Tmpfs`: made under the host's
//! temporary directory at mount, removed when the last mount of it goes, or at exit),
//! not memory of the vfs's own: every file call then works on it exactly as on the rest
//! of the guest's tree. A bind mount shows a host directory (or file) the guest could
//! already reach at a second place. The guest's tree itself, /proc and /dev are the
//! three mounts every process starts with (`BASE`); they cannot be unmounted.
//!
//! A guest path is shown by a chain of mounts: from the root, each mount whose parent
//! is the current one and whose mount point is the path so far takes over (a mount on
//! a mount point stacks on top). This is Linux's rule, so a mount covered by another
//! hides what was mounted below it, and uncovering brings it back.
//!
//! Files: this one (the table and the lookups every vfs call makes), `calls` (mount
//! and umount2), `tmpfs` (the instances and their options), `text` (the table as
//! /proc/PID/mounts and mountinfo show it).

use super::abi::{self, at, StatFs};
use super::fs::{path_arg, tri};
use super::path::{self, Node};
use super::wait::Who;
use super::{Regs, Vfs, fail, val};
use crate::creds::cap;
use crate::service::Env;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// mount(2) flags (include/uapi/linux/mount.h).
pub mod ms {
    pub const RDONLY: u64 = 1;
    pub const NOSUID: u64 = 2;
    pub const NODEV: u64 = 4;
    pub const NOEXEC: u64 = 8;
    pub const SYNCHRONOUS: u64 = 16;
    pub const REMOUNT: u64 = 32;
    pub const MANDLOCK: u64 = 64;
    pub const DIRSYNC: u64 = 128;
    pub const NOSYMFOLLOW: u64 = 256;
    pub const NOATIME: u64 = 1024;
    pub const NODIRATIME: u64 = 2048;
    pub const BIND: u64 = 4096;
    pub const MOVE: u64 = 8192;
    pub const REC: u64 = 16384;
    pub const SILENT: u64 = 32768;
    pub const UNBINDABLE: u64 = 1 << 17;
    pub const PRIVATE: u64 = 1 << 18;
    pub const SLAVE: u64 = 1 << 19;
    pub const SHARED: u64 = 1 << 20;
    pub const RELATIME: u64 = 1 << 21;
    pub const STRICTATIME: u64 = 1 << 24;
    pub const LAZYTIME: u64 = 1 << 25;
    pub const NOUSER: u64 = 1 << 31;
    /// The old "magic" in the top 16 bits, discarded.
    pub const MGC_VAL: u64 = 0xc0ed_0000;
    pub const MGC_MSK: u64 = 0xffff_0000;
    /// The flags that belong to a mount rather than to its filesystem.
    pub const PER_MOUNT: u64 = RDONLY | NOSUID | NODEV | NOEXEC | NOATIME | NODIRATIME | RELATIME | NOSYMFOLLOW;
}

/// umount2(2) flags.
mod mnt {
    pub const FORCE: u64 = 1;
    pub const DETACH: u64 = 2;
    pub const EXPIRE: u64 = 4;
    pub const UMOUNT_NOFOLLOW: u64 = 8;
}

/// statfs f_flags (ST_*).
mod st {
    pub const RDONLY: i64 = 1;
    pub const NOSUID: i64 = 2;
    pub const NODEV: i64 = 4;
    pub const NOEXEC: i64 = 8;
    pub const SYNCHRONOUS: i64 = 16;
    pub const VALID: i64 = 32;
    pub const NOATIME: i64 = 1024;
    pub const NODIRATIME: i64 = 2048;
    pub const RELATIME: i64 = 4096;
    pub const NOSYMFOLLOW: i64 = 8192;
}

/// RAMFS_MAGIC.
const RAMFS_MAGIC: i64 = 0x8584_58f6;
/// Pages of the guest's memory as /proc/meminfo states it (4 GiB): tmpfs's defaults
/// are half of it, in blocks and in inodes.
const TOTALRAM_PAGES: u64 = 4 << 18;

/// The mounts every process starts with: (id, mount point, source, type, options).
/// The mount options are the per-mount ones, then the filesystem's.
const BASE: [(u32, &str, &str, &str, &str, &str); 3] =
    [(1, "/", "rootfs", "rootfs", "rw", "rw"), (2, "/proc", "proc", "proc", "rw,nosuid,nodev,noexec,relatime", "rw"), (3, "/dev", "devtmpfs", "devtmpfs", "rw", "rw")];
/// The first id of a mount the guest makes.
const FIRST_ID: u32 = 20;


mod calls;
mod text;
mod tmpfs;

pub use calls::{mount, umount2};
pub use tmpfs::Tmpfs;
use tmpfs::usage;


/// A mount's propagation type.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Propagation {
    #[default]
    Private,
    Shared,
    Slave,
    Unbindable,
}

/// One mount of the guest's namespace.
#[derive(Clone, Debug)]
pub struct Mount {
    pub id: u32,
    /// The mount its mount point is in (a `BASE` id or another mount's).
    pub parent: u32,
    /// Canonical guest path of the mount point.
    pub target: String,
    /// The host path its root shows.
    pub host: PathBuf,
    /// Its root within its filesystem (mountinfo's fourth field).
    pub root: String,
    /// The tmpfs it shows, or None for the guest tree's own filesystem (a bind).
    pub sb: Option<Arc<Tmpfs>>,
    pub source: String,
    pub fstype: String,
    /// Its per-mount flags (ms::PER_MOUNT).
    pub flags: u64,
    /// Filesystem flags given at mount (sync, dirsync, mand, lazytime).
    pub sb_flags: u64,
    pub propagation: Propagation,
    /// MNT_EXPIRE's mark: set by a first umount2(MNT_EXPIRE).
    pub expiry: bool,
}

impl Mount {
    /// Whether nothing may be written through it (the mount or its filesystem).
    pub fn read_only(&self) -> bool {
        self.flags & ms::RDONLY != 0 || self.sb.as_ref().is_some_and(|s| s.ro.load(Ordering::Relaxed))
    }
}

/// The guest's mount table (kept across vfs restarts, in `VfsState`).
#[derive(Debug, Default)]
pub struct Mounts {
    /// In mount order (a parent always before its children).
    pub list: Vec<Mount>,
    next_id: u32,
    next_minor: u32,
}

/// The base mount a canonical guest path is on, when no mount of the guest's shows it.
fn base_of(g: &str) -> u32 {
    if path::is_under(g, "/proc") {
        2
    } else if path::is_under(g, "/dev") {
        3
    } else {
        1
    }
}

impl Mounts {
    /// The mount that shows canonical guest path `g`, if one of the guest's does.
    pub fn of(&self, g: &str) -> Option<&Mount> {
        if self.list.is_empty() {
            return None;
        }
        let mut cur: Option<&Mount> = None;
        let mut cur_id = 1;
        let mut at = String::new();
        let mut parts = g.split('/').filter(|c| !c.is_empty());
        loop {
            let here = if at.is_empty() { "/" } else { at.as_str() };
            // /proc and /dev are mounts of their own on the guest's tree.
            if cur.is_none() && (here == "/proc" || here == "/dev") && !self.list.iter().any(|m| m.parent == 1 && m.target == here) {
                cur_id = base_of(here);
            }
            // Every mount stacked on this point, bottom first.
            while let Some(m) = self.list.iter().find(|m| m.parent == cur_id && m.target == here) {
                cur = Some(m);
                cur_id = m.id;
            }
            match parts.next() {
                Some(c) => {
                    at.push('/');
                    at.push_str(c);
                }
                None => return cur,
            }
        }
    }

    /// The id of the mount that shows `g` (a base mount's when none of the guest's).
    pub fn id_of(&self, g: &str) -> u32 {
        self.of(g).map_or_else(|| base_of(g), |m| m.id)
    }

    /// The host path of `g` when a mount of the guest's shows it.
    pub fn host(&self, g: &str) -> Option<PathBuf> {
        let m = self.of(g)?;
        let rest = g[m.target.len()..].trim_start_matches('/');
        Some(if rest.is_empty() { m.host.clone() } else { m.host.join(rest) })
    }

    /// The guest path of host path `h`, when it is inside the mount showing `g` (what
    /// /proc/PID/fd shows for a file opened at `g`, wherever it moved since).
    pub fn guest_of(&self, g: &str, h: &Path) -> Option<String> {
        let m = self.of(g)?;
        let rest = h.strip_prefix(&m.host).ok()?.to_string_lossy().into_owned();
        Some(match (m.target.as_str(), rest.is_empty()) {
            (t, true) => t.to_string(),
            ("/", false) => format!("/{rest}"),
            (t, false) => format!("{t}/{rest}"),
        })
    }

    /// The mounts below mount `id` (its children, theirs, ...), in mount order.
    fn descendants(&self, id: u32) -> Vec<u32> {
        let mut out = vec![id];
        for m in &self.list {
            if out.contains(&m.parent) && !out.contains(&m.id) {
                out.push(m.id);
            }
        }
        out.remove(0);
        out
    }

    fn new_id(&mut self) -> u32 {
        self.next_id = self.next_id.max(FIRST_ID) + 1;
        self.next_id - 1
    }

    /// Removes mount `id` and everything below it.
    fn remove_tree(&mut self, id: u32) {
        let mut gone = self.descendants(id);
        gone.push(id);
        self.list.retain(|m| !gone.contains(&m.id));
    }
}



impl Vfs {
    /// EROFS if `g` is on a read-only mount.
    pub(super) fn writable(&self, g: &str) -> Result<(), i32> {
        match self.mounts.of(g) {
            Some(m) if m.read_only() => Err(libc::EROFS),
            _ => Ok(()),
        }
    }

    /// Whether `flag` (ms::NOEXEC, ms::NODEV...) is set on the mount showing `g`.
    pub(super) fn mount_flag(&self, g: &str, flag: u64) -> bool {
        self.mounts.of(g).is_some_and(|m| m.flags & flag != 0)
    }

    /// Whether `a` and `b` are on different mounts (rename and link: EXDEV).
    pub(super) fn cross_mount(&self, a: &str, b: &str) -> bool {
        !self.mounts.list.is_empty() && self.mounts.id_of(a) != self.mounts.id_of(b)
    }

    /// Whether `g` is a mount point of the guest's (rmdir, unlink, rename: EBUSY).
    pub(super) fn is_mount_point(&self, g: &str) -> bool {
        self.mounts.list.iter().any(|m| m.target == g)
    }

    /// The device number of what `g` names when it is on a tmpfs (0:N), which
    /// stat reports instead of the host directory's.
    pub(super) fn mount_dev(&self, g: &str) -> Option<u64> {
        self.mounts.of(g)?.sb.as_ref().map(|t| abi::makedev(0, t.minor as u64))
    }

    /// statfs of `g` when a mount of the guest's shows it: a tmpfs's own figures, or
    /// the host's for a bind, with the mount's flags.
    pub(super) fn mount_statfs(&self, g: &str, host: impl Fn(&Path) -> Result<StatFs, i32>) -> Option<Result<StatFs, i32>> {
        let m = self.mounts.of(g)?;
        let mut sf = match &m.sb {
            Some(t) => {
                let (used_blocks, used_inodes) = usage(&t.dir);
                let blocks = t.blocks.load(Ordering::Relaxed);
                let inodes = t.inodes.load(Ordering::Relaxed);
                let mut sf = StatFs::synth(t.magic);
                if t.magic != RAMFS_MAGIC {
                    sf.blocks = blocks;
                    sf.bfree = blocks.saturating_sub(used_blocks);
                    sf.bavail = sf.bfree;
                    sf.files = inodes;
                    sf.ffree = inodes.saturating_sub(used_inodes);
                }
                sf.fsid = [t.minor as i32, 0];
                if t.ro.load(Ordering::Relaxed) {
                    sf.flags |= st::RDONLY;
                }
                sf
            }
            None => match host(&m.host) {
                Ok(sf) => sf,
                Err(e) => return Some(Err(e)),
            },
        };
        let mut fl = st::VALID | (sf.flags & st::RDONLY);
        for (f, s) in [(ms::RDONLY, st::RDONLY), (ms::NOSUID, st::NOSUID), (ms::NODEV, st::NODEV), (ms::NOEXEC, st::NOEXEC), (ms::NOATIME, st::NOATIME), (ms::NODIRATIME, st::NODIRATIME), (ms::RELATIME, st::RELATIME), (ms::NOSYMFOLLOW, st::NOSYMFOLLOW)] {
            if m.flags & f != 0 {
                fl |= s;
            }
        }
        if m.sb_flags & ms::SYNCHRONOUS != 0 {
            fl |= st::SYNCHRONOUS;
        }
        sf.flags = fl;
        Some(Ok(sf))
    }

    /// Whether anything holds mount `id`: an open file or a working directory or root
    /// on it (umount2: EBUSY), or, with `writers`, a file open for writing (a remount
    /// read-only: EBUSY).
    fn busy(&self, id: u32, writers: bool) -> bool {
        let on = |p: &str| p.starts_with('/') && self.mounts.id_of(p) == id;
        let files = self.files.values().any(|f| on(&f.path) && (!writers || f.flags & abi::o::ACCMODE != abi::o::RDONLY && f.flags & abi::o::PATH == 0));
        files || (!writers && self.tables.values().any(|t| on(&t.cwd) || (!t.root.is_empty() && on(&t.root))))
    }
}


#[cfg(test)]
mod tests {
    use super::text::{mangle, mnt_opts};
    use super::tmpfs::{memparse, parse_tmpfs, TmpOpts};
    use super::*;

    fn mount(id: u32, parent: u32, target: &str, host: &str) -> Mount {
        Mount {
            id,
            parent,
            target: target.into(),
            host: host.into(),
            root: "/".into(),
            sb: None,
            source: "none".into(),
            fstype: "tmpfs".into(),
            flags: 0,
            sb_flags: 0,
            propagation: Propagation::Private,
            expiry: false,
        }
    }

    #[test]
    fn a_chain_of_mounts_decides_what_shows_a_path() {
        let mut t = Mounts::default();
        assert!(t.of("/a").is_none());
        t.list.push(mount(20, 1, "/a", "/h/A"));
        t.list.push(mount(21, 20, "/a/b", "/h/B"));
        assert_eq!(t.host("/a/x"), Some(PathBuf::from("/h/A/x")));
        assert_eq!(t.host("/a/b/y"), Some(PathBuf::from("/h/B/y")));
        assert_eq!(t.host("/a"), Some(PathBuf::from("/h/A")));
        assert_eq!(t.host("/ab"), None);
        // A mount stacked on /a hides /a/b (mounted on the one below it).
        t.list.push(mount(22, 20, "/a", "/h/C"));
        assert_eq!(t.host("/a/b/y"), Some(PathBuf::from("/h/C/b/y")));
        assert_eq!(t.id_of("/a"), 22);
        t.remove_tree(22);
        assert_eq!(t.id_of("/a/b"), 21);
        assert_eq!(t.descendants(20), vec![21]);
        assert_eq!(t.guest_of("/a/b/f", Path::new("/h/B/g")), Some("/a/b/g".into()));
        assert_eq!(t.id_of("/proc/self"), 2);
    }

    #[test]
    fn tmpfs_options_are_checked() {
        assert_eq!(parse_tmpfs("size=1m", false).unwrap().blocks, Some(256));
        assert_eq!(parse_tmpfs("size=10%,mode=0700,uid=5", false).unwrap(), TmpOpts { blocks: Some(TOTALRAM_PAGES / 10 + 1), inodes: None, mode: Some(0o700), uid: Some(5), gid: None });
        assert_eq!(parse_tmpfs("nosuchopt", false), Err(libc::EINVAL));
        assert_eq!(parse_tmpfs("size=lots", false), Err(libc::EINVAL));
        assert_eq!(parse_tmpfs("nosuchopt,mode=700", true).unwrap().mode, Some(0o700), "ramfs ignores what it does not know");
        assert_eq!(memparse("4k"), Some(4096));
        assert_eq!(mangle("a b\\"), "a\\040b\\134");
        assert_eq!(mnt_opts(ms::RDONLY | ms::NOSUID | ms::RELATIME), "ro,nosuid,relatime");
    }
}
