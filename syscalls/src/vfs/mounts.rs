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

/// Host directories of live tmpfs instances, removed at exit if still there.
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

extern "C" fn remove_live() {
    if let Ok(l) = LIVE.lock() {
        for d in l.iter() {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

/// One tmpfs (its superblock): a private host directory and its parameters. Shared by
/// every mount of it (binds of its directories), removed with the last.
#[derive(Debug)]
pub struct Tmpfs {
    pub dir: PathBuf,
    /// TMPFS_MAGIC or RAMFS_MAGIC.
    pub magic: i64,
    pub ro: AtomicBool,
    /// size= in blocks of 4 KiB (0: no limit).
    pub blocks: AtomicU64,
    /// nr_inodes= (0: no limit).
    pub inodes: AtomicU64,
    /// mode=, uid=, gid= of the root directory.
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// Whether size= / nr_inodes= were given (shown in the mount options).
    pub sized: AtomicBool,
    pub inoded: AtomicBool,
    /// The minor of its anonymous device number (0:N), distinct per instance.
    pub minor: u32,
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Ok(mut l) = LIVE.lock() {
            l.retain(|d| *d != self.dir);
        }
    }
}

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

/// A tmpfs's parameters from its mount data ("size=1m,mode=0755,..."): EINVAL for an
/// option tmpfs does not know or a bad value, as shmem_parse_one. ramfs takes mode=
/// and ignores the rest.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct TmpOpts {
    blocks: Option<u64>,
    inodes: Option<u64>,
    mode: Option<u32>,
    uid: Option<u32>,
    gid: Option<u32>,
}

/// memparse: a number with an optional k/m/g/t/p/e suffix.
fn memparse(s: &str) -> Option<u64> {
    let (num, mul) = match s.chars().last()? {
        'k' | 'K' => (&s[..s.len() - 1], 1u64 << 10),
        'm' | 'M' => (&s[..s.len() - 1], 1 << 20),
        'g' | 'G' => (&s[..s.len() - 1], 1 << 30),
        't' | 'T' => (&s[..s.len() - 1], 1 << 40),
        'p' | 'P' => (&s[..s.len() - 1], 1 << 50),
        'e' | 'E' => (&s[..s.len() - 1], 1 << 60),
        _ => (s, 1),
    };
    let n = if let Some(h) = num.strip_prefix("0x") { u64::from_str_radix(h, 16).ok()? } else { num.parse::<u64>().ok()? };
    n.checked_mul(mul)
}

fn parse_tmpfs(data: &str, ramfs: bool) -> Result<TmpOpts, i32> {
    let mut o = TmpOpts::default();
    for opt in data.split(',').filter(|s| !s.is_empty()) {
        let (k, val) = opt.split_once('=').unwrap_or((opt, ""));
        let num = |v: &str| v.parse::<u32>().map_err(|_| libc::EINVAL);
        match k {
            "mode" => o.mode = Some(u32::from_str_radix(val, 8).map_err(|_| libc::EINVAL)? & 0o7777),
            _ if ramfs => {}
            "size" => {
                let bytes = match val.strip_suffix('%') {
                    Some(p) => TOTALRAM_PAGES * 4096 / 100 * p.parse::<u64>().map_err(|_| libc::EINVAL)?,
                    None => memparse(val).ok_or(libc::EINVAL)?,
                };
                o.blocks = Some(bytes.div_ceil(4096));
            }
            "nr_blocks" => o.blocks = Some(memparse(val).ok_or(libc::EINVAL)?),
            "nr_inodes" => o.inodes = Some(memparse(val).ok_or(libc::EINVAL)?),
            "uid" => o.uid = Some(num(val)?),
            "gid" => o.gid = Some(num(val)?),
            "huge" if matches!(val, "never" | "always" | "within_size" | "advise") => {}
            "mpol" | "inode32" | "inode64" | "noswap" => {}
            _ => return Err(libc::EINVAL),
        }
    }
    Ok(o)
}

/// Octal escapes of /proc/mounts (space, tab, newline, backslash).
fn mangle(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            ' ' | '\t' | '\n' | '\\' => o.push_str(&format!("\\{:03o}", c as u32)),
            c => o.push(c),
        }
    }
    o
}

/// The per-mount options as /proc shows them ("rw,nosuid,relatime").
fn mnt_opts(flags: u64) -> String {
    let mut s = String::from(if flags & ms::RDONLY != 0 { "ro" } else { "rw" });
    for (f, n) in [(ms::NOSUID, "nosuid"), (ms::NODEV, "nodev"), (ms::NOEXEC, "noexec"), (ms::NOATIME, "noatime"), (ms::NODIRATIME, "nodiratime"), (ms::RELATIME, "relatime"), (ms::NOSYMFOLLOW, "nosymfollow")] {
        if flags & f != 0 {
            s.push(',');
            s.push_str(n);
        }
    }
    s
}

/// Filesystem flags and a tmpfs's own options (",sync,size=1024k").
fn sb_opts(m: &Mount) -> String {
    let mut s = String::new();
    for (f, n) in [(ms::SYNCHRONOUS, "sync"), (ms::DIRSYNC, "dirsync"), (ms::MANDLOCK, "mand"), (ms::LAZYTIME, "lazytime")] {
        if m.sb_flags & f != 0 {
            s.push(',');
            s.push_str(n);
        }
    }
    if let Some(t) = m.sb.as_ref().filter(|t| t.magic != RAMFS_MAGIC) {
        if t.sized.load(Ordering::Relaxed) {
            s.push_str(&format!(",size={}k", t.blocks.load(Ordering::Relaxed) * 4));
        }
        if t.inoded.load(Ordering::Relaxed) {
            s.push_str(&format!(",nr_inodes={}", t.inodes.load(Ordering::Relaxed)));
        }
    }
    if let Some(t) = &m.sb {
        if t.mode != 0o1777 {
            s.push_str(&format!(",mode={:03o}", t.mode));
        }
        if t.uid != 0 {
            s.push_str(&format!(",uid={}", t.uid));
        }
        if t.gid != 0 {
            s.push_str(&format!(",gid={}", t.gid));
        }
    }
    s
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

    /// The lines of /proc/PID/mounts (`info`: /proc/PID/mountinfo) seen from root
    /// `root` (chroot: mounts outside it are not shown, the others relative to it).
    pub(super) fn mounts_text(&self, root: &str, info: bool) -> Vec<u8> {
        let rel = |t: &str| -> Option<String> {
            if root.is_empty() || root == "/" {
                return Some(t.to_string());
            }
            path::is_under(t, root).then(|| if t == root { "/".to_string() } else { t[root.len()..].to_string() })
        };
        let mut out = String::new();
        for (id, target, source, fstype, mo, so) in BASE {
            let Some(t) = rel(target) else { continue };
            if info {
                out.push_str(&format!("{id} 1 0:{} / {} {mo} - {fstype} {source} {so}\n", id + 1, mangle(&t)));
            } else {
                out.push_str(&format!("{source} {} {fstype} {mo} 0 0\n", mangle(&t)));
            }
        }
        for m in &self.mounts.list {
            let Some(t) = rel(&m.target) else { continue };
            let dev = m.sb.as_ref().map_or(2, |s| s.minor);
            let ro = if m.read_only() { "ro" } else { "rw" };
            if info {
                let prop = match m.propagation {
                    Propagation::Shared => format!(" shared:{}", m.id),
                    Propagation::Unbindable => " unbindable".to_string(),
                    _ => String::new(),
                };
                let sro = if m.sb.as_ref().is_some_and(|s| s.ro.load(Ordering::Relaxed)) { "ro" } else { "rw" };
                out.push_str(&format!("{} {} 0:{dev} {} {} {}{prop} - {} {} {sro}{}\n", m.id, m.parent, mangle(&m.root), mangle(&t), mnt_opts(m.flags), m.fstype, mangle(&m.source), sb_opts(m)));
            } else {
                let rest = mnt_opts(m.flags & !ms::RDONLY);
                out.push_str(&format!("{} {} {} {ro}{}{} 0 0\n", mangle(&m.source), mangle(&t), m.fstype, &rest[2..], sb_opts(m)));
            }
        }
        out.into_bytes()
    }
}

/// Blocks (4 KiB) and inodes a tmpfs directory holds, its root included.
fn usage(dir: &Path) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    let (mut blocks, mut inodes) = (0u64, 1u64);
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            inodes += 1;
            if let Ok(m) = e.metadata() {
                blocks += (m.blocks() * 512).div_ceil(4096);
                if m.is_dir() {
                    todo.push(e.path());
                }
            }
        }
    }
    (blocks, inodes)
}

/// A string argument that may be NULL.
fn opt_string(v: &Vfs, env: &mut dyn Env, p: u64) -> Result<Option<String>, Regs> {
    if p == 0 {
        return Ok(None);
    }
    match v.read_path(env, p) {
        Ok(s) => Ok(Some(s)),
        Err(Ok(e)) => Err(val(e)),
        Err(Err(f)) => Err(Err(f)),
    }
}

/// Unwraps an `opt_string`.
macro_rules! opt_arg {
    ($v:expr, $env:expr, $p:expr) => {
        match opt_string($v, $env, $p) {
            Ok(x) => x,
            Err(r) => return r,
        }
    };
}

/// mount(source, target, fstype, flags, data): the checks and their order are
/// fs/namespace.c's (path_mount): the target is looked up first (ENOENT...), then
/// MS_NOUSER (EINVAL), then CAP_SYS_ADMIN (EPERM); then remount, bind, propagation,
/// move or a new mount, as the flags say.
pub fn mount(v: &mut Vfs, env: &mut dyn Env, who: Who, s: [u64; 5]) -> Regs {
    let source = opt_arg!(v, env, s[0]);
    let target = path_arg!(v, env, s[1]);
    let fstype = opt_arg!(v, env, s[2]);
    let data = opt_arg!(v, env, s[4]).unwrap_or_default();
    let mut flags = s[3];
    if flags & ms::MGC_MSK == ms::MGC_VAL {
        flags &= !ms::MGC_MSK;
    }
    let r = tri!(v.resolve_at(env, who.pid, at::FDCWD, &target, true));
    match r.node {
        Node::Missing => return fail(libc::ENOENT),
        Node::Error(e) => return fail(e),
        _ => {}
    }
    if flags & ms::NOUSER != 0 {
        return fail(libc::EINVAL);
    }
    if !v.creds(env, who.pid).capable(cap::SYS_ADMIN) {
        return fail(libc::EPERM);
    }
    // The per-mount flags the call asks for (relatime unless told otherwise).
    let mut mflags = flags & (ms::RDONLY | ms::NOSUID | ms::NODEV | ms::NOEXEC | ms::NOATIME | ms::NODIRATIME | ms::NOSYMFOLLOW);
    if flags & ms::NOATIME == 0 {
        mflags |= ms::RELATIME;
    }
    if flags & ms::STRICTATIME != 0 {
        mflags &= !(ms::RELATIME | ms::NOATIME);
    }
    let is_dir = r.node == Node::Dir;
    if flags & ms::REMOUNT != 0 {
        return remount(v, &r.path, flags, mflags, &data);
    }
    // What the mount point would cover must be in the guest's tree.
    if v.is_synth(&r.path) || matches!(r.node, Node::Magic(..)) {
        return fail(libc::EINVAL);
    }
    if flags & ms::BIND != 0 {
        let Some(src) = source.filter(|s| !s.is_empty()) else { return fail(libc::EINVAL) };
        return bind(v, env, who, &src, &r.path, is_dir, flags & ms::REC != 0);
    }
    if flags & (ms::SHARED | ms::PRIVATE | ms::SLAVE | ms::UNBINDABLE) != 0 {
        return propagation(v, &r.path, flags);
    }
    if flags & ms::MOVE != 0 {
        let Some(src) = source.filter(|s| !s.is_empty()) else { return fail(libc::EINVAL) };
        return move_mount(v, env, who, &src, &r.path, is_dir);
    }
    let Some(fstype) = fstype else { return fail(libc::EINVAL) };
    let ramfs = match fstype.as_str() {
        "tmpfs" => false,
        "ramfs" => true,
        _ => return fail(libc::ENODEV),
    };
    let o = tri!(parse_tmpfs(&data, ramfs));
    if !is_dir {
        return fail(libc::ENOTDIR);
    }
    let c = v.creds(env, who.pid);
    let t = tri!(new_tmpfs(v, o, ramfs, flags & ms::RDONLY != 0, c.fsuid, c.fsgid));
    let id = v.mounts.new_id();
    let parent = v.mounts.id_of(&r.path);
    let m = Mount {
        id,
        parent,
        target: r.path,
        host: t.dir.clone(),
        root: "/".into(),
        sb: Some(t),
        source: source.unwrap_or_else(|| "none".into()),
        fstype,
        flags: mflags,
        sb_flags: flags & (ms::SYNCHRONOUS | ms::DIRSYNC | ms::MANDLOCK | ms::LAZYTIME),
        propagation: Propagation::Private,
        expiry: false,
    };
    v.mounts.list.push(m);
    val(0)
}

/// A new tmpfs: its private host directory with the root's mode and owner.
fn new_tmpfs(v: &mut Vfs, o: TmpOpts, ramfs: bool, ro: bool, uid: u32, gid: u32) -> Result<Arc<Tmpfs>, i32> {
    use std::os::unix::fs::PermissionsExt;
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| unsafe {
        // Safety: registers a plain extern "C" function, called once at exit.
        libc::atexit(remove_live);
    });
    v.mounts.next_minor += 1;
    let minor = 100 + v.mounts.next_minor;
    let dir = std::env::temp_dir().join(format!("grantix-tmpfs-{}-{minor}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir(&dir).map_err(|e| e.raw_os_error().unwrap_or(libc::ENOMEM))?;
    if let Ok(mut l) = LIVE.lock() {
        l.push(dir.clone());
    }
    let mode = o.mode.unwrap_or(if ramfs { 0o755 } else { 0o1777 });
    let (uid, gid) = (o.uid.unwrap_or(uid), o.gid.unwrap_or(gid));
    let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(mode));
    // Refused on a host that does not let the emulator give files away.
    let _ = super::host::chown(&dir, Some(uid), Some(gid), true);
    let half = TOTALRAM_PAGES / 2;
    Ok(Arc::new(Tmpfs {
        dir,
        magic: if ramfs { RAMFS_MAGIC } else { abi::TMPFS_MAGIC },
        ro: AtomicBool::new(ro),
        blocks: AtomicU64::new(o.blocks.unwrap_or(half)),
        inodes: AtomicU64::new(o.inodes.unwrap_or(half)),
        mode,
        uid,
        gid,
        sized: AtomicBool::new(o.blocks.is_some()),
        inoded: AtomicBool::new(o.inodes.is_some()),
        minor,
    }))
}

/// MS_REMOUNT: the mount at `target` (a mount point: EINVAL otherwise) gets the flags
/// asked; without MS_BIND its filesystem is reconfigured too (read-only, a tmpfs's
/// size). Going read-only while a file on it is open for writing is EBUSY.
fn remount(v: &mut Vfs, target: &str, flags: u64, mflags: u64, data: &str) -> Regs {
    let Some(m) = v.mounts.of(target).filter(|m| m.target == target) else {
        // The base mounts keep their flags: nothing to do unless asked for read-only.
        return if BASE.iter().any(|b| b.1 == target) && v.mounts.of(target).is_none() {
            if flags & ms::RDONLY != 0 { fail(libc::EBUSY) } else { val(0) }
        } else {
            fail(libc::EINVAL)
        };
    };
    let (id, sb) = (m.id, m.sb.clone());
    let to_ro = flags & ms::RDONLY != 0;
    if flags & ms::BIND == 0 {
        let o = match &sb {
            Some(t) => tri!(parse_tmpfs(data, t.magic == RAMFS_MAGIC)),
            None => TmpOpts::default(),
        };
        if let Some(t) = &sb {
            if to_ro && !t.ro.load(Ordering::Relaxed) {
                // Any mount of this filesystem with a writer.
                let ids: Vec<u32> = v.mounts.list.iter().filter(|x| x.sb.as_ref().is_some_and(|s| Arc::ptr_eq(s, t))).map(|x| x.id).collect();
                if ids.iter().any(|i| v.busy(*i, true)) {
                    return fail(libc::EBUSY);
                }
            }
            if let Some(b) = o.blocks {
                t.blocks.store(b, Ordering::Relaxed);
                t.sized.store(true, Ordering::Relaxed);
            }
            if let Some(i) = o.inodes {
                t.inodes.store(i, Ordering::Relaxed);
                t.inoded.store(true, Ordering::Relaxed);
            }
            t.ro.store(to_ro, Ordering::Relaxed);
        }
    } else if to_ro && v.busy(id, true) {
        return fail(libc::EBUSY);
    }
    if flags & ms::BIND == 0 && sb.is_none() && to_ro && v.busy(id, true) {
        return fail(libc::EBUSY);
    }
    if let Some(m) = v.mounts.list.iter_mut().find(|m| m.id == id) {
        m.flags = mflags;
        if flags & ms::BIND == 0 {
            m.sb_flags = flags & (ms::SYNCHRONOUS | ms::DIRSYNC | ms::MANDLOCK | ms::LAZYTIME);
        }
    }
    val(0)
}

/// MS_BIND (do_loopback): `src` shown again at `target`; with MS_REC, the mounts
/// below `src` too. The new mount keeps the source mount's flags (MS_RDONLY here is
/// ignored, as on Linux: a remount makes a bind read-only).
fn bind(v: &mut Vfs, env: &mut dyn Env, who: Who, src: &str, target: &str, target_dir: bool, rec: bool) -> Regs {
    let rs = tri!(v.resolve_at(env, who.pid, at::FDCWD, src, true));
    match rs.node {
        Node::Missing => return fail(libc::ENOENT),
        Node::Error(e) => return fail(e),
        Node::Magic(..) => return fail(libc::EINVAL),
        _ => {}
    }
    if v.is_synth(&rs.path) {
        return fail(libc::EINVAL);
    }
    if (rs.node == Node::Dir) != target_dir {
        return fail(libc::ENOTDIR);
    }
    let from = v.mounts.of(&rs.path).cloned();
    if from.as_ref().is_some_and(|m| m.propagation == Propagation::Unbindable) {
        return fail(libc::EINVAL);
    }
    let host = v.host(&rs.path);
    let id = v.mounts.new_id();
    let parent = v.mounts.id_of(target);
    let m = match &from {
        Some(f) => {
            let rest = &rs.path[f.target.len()..];
            let root = if f.root == "/" { if rest.is_empty() { "/".to_string() } else { rest.to_string() } } else { format!("{}{rest}", f.root) };
            Mount { id, parent, target: target.to_string(), host, root, propagation: Propagation::Private, expiry: false, ..f.clone() }
        }
        None => Mount {
            id,
            parent,
            target: target.to_string(),
            host,
            root: rs.path.clone(),
            sb: None,
            source: "rootfs".into(),
            fstype: "rootfs".into(),
            flags: ms::RELATIME,
            sb_flags: 0,
            propagation: Propagation::Private,
            expiry: false,
        },
    };
    let top = v.mounts.id_of(&rs.path);
    v.mounts.list.push(m);
    if rec {
        // Copies of the mounts below the source, with their places under the target.
        let mut map = vec![(top, id)];
        let below: Vec<Mount> = v.mounts.list.iter().filter(|m| m.id != id && path::is_under(&m.target, &rs.path) && m.target != rs.path).cloned().collect();
        for m in below {
            let Some(&(_, np)) = map.iter().find(|(o, _)| *o == m.parent) else { continue };
            if m.propagation == Propagation::Unbindable {
                continue;
            }
            let nid = v.mounts.new_id();
            let t = if target == "/" { m.target[rs.path.len()..].to_string() } else { format!("{target}{}", &m.target[rs.path.len()..]) };
            map.push((m.id, nid));
            v.mounts.list.push(Mount { id: nid, parent: np, target: t, propagation: Propagation::Private, expiry: false, ..m });
        }
    }
    val(0)
}

/// MS_SHARED, MS_PRIVATE, MS_SLAVE, MS_UNBINDABLE (do_change_type): exactly one, on a
/// mount point; with MS_REC on the mounts below it too. Mounts of this namespace
/// propagate nothing to each other whatever the type: it is recorded and shown.
fn propagation(v: &mut Vfs, target: &str, flags: u64) -> Regs {
    let kind = flags & (ms::SHARED | ms::PRIVATE | ms::SLAVE | ms::UNBINDABLE);
    if kind.count_ones() != 1 || flags & !(kind | ms::REC | ms::SILENT) != 0 {
        return fail(libc::EINVAL);
    }
    let p = match kind {
        ms::SHARED => Propagation::Shared,
        ms::SLAVE => Propagation::Slave,
        ms::UNBINDABLE => Propagation::Unbindable,
        _ => Propagation::Private,
    };
    let Some(m) = v.mounts.of(target).filter(|m| m.target == target) else {
        return if v.mounts.of(target).is_none() && BASE.iter().any(|b| b.1 == target) { val(0) } else { fail(libc::EINVAL) };
    };
    let mut ids = vec![m.id];
    if flags & ms::REC != 0 {
        ids.extend(v.mounts.descendants(m.id));
    }
    for m in v.mounts.list.iter_mut().filter(|m| ids.contains(&m.id)) {
        m.propagation = p;
    }
    val(0)
}

/// MS_MOVE: the mount at `src` (a mount point: EINVAL otherwise) and those below it
/// move to `target`; into itself is ELOOP.
fn move_mount(v: &mut Vfs, env: &mut dyn Env, who: Who, src: &str, target: &str, target_dir: bool) -> Regs {
    let rs = tri!(v.resolve_at(env, who.pid, at::FDCWD, src, true));
    match rs.node {
        Node::Missing => return fail(libc::ENOENT),
        Node::Error(e) => return fail(e),
        _ => {}
    }
    let Some(m) = v.mounts.of(&rs.path).filter(|m| m.target == rs.path) else { return fail(libc::EINVAL) };
    if (rs.node == Node::Dir) != target_dir {
        return fail(libc::ENOTDIR);
    }
    let id = m.id;
    let old = rs.path.clone();
    if path::is_under(target, &old) {
        return fail(libc::ELOOP);
    }
    let parent = v.mounts.id_of(target);
    let tree = v.mounts.descendants(id);
    for m in v.mounts.list.iter_mut() {
        if m.id == id {
            m.target = target.to_string();
            m.parent = parent;
        } else if tree.contains(&m.id) {
            m.target = if target == "/" { m.target[old.len()..].to_string() } else { format!("{target}{}", &m.target[old.len()..]) };
        }
    }
    // A moved mount goes to the end of the order: its new parent may be younger.
    let moved: Vec<Mount> = v.mounts.list.iter().filter(|m| m.id == id || tree.contains(&m.id)).cloned().collect();
    v.mounts.list.retain(|m| m.id != id && !tree.contains(&m.id));
    v.mounts.list.extend(moved);
    val(0)
}

/// umount2(target, flags), as ksys_umount and do_umount: unknown flags are EINVAL,
/// then CAP_SYS_ADMIN (EPERM), then the lookup (UMOUNT_NOFOLLOW: the last component
/// not followed); a path that is not a mount point is EINVAL; a mount something holds
/// is EBUSY unless MNT_DETACH, which takes it (and what is below it) out of the
/// namespace at once while open files go on working. MNT_EXPIRE marks a mount first
/// (EAGAIN) and unmounts it at the second call if nothing used it meanwhile.
pub fn umount2(v: &mut Vfs, env: &mut dyn Env, who: Who, s: [u64; 5]) -> Regs {
    let flags = s[1];
    if flags & !(mnt::FORCE | mnt::DETACH | mnt::EXPIRE | mnt::UMOUNT_NOFOLLOW) != 0 {
        return fail(libc::EINVAL);
    }
    if !v.creds(env, who.pid).capable(cap::SYS_ADMIN) {
        return fail(libc::EPERM);
    }
    let target = path_arg!(v, env, s[0]);
    let r = tri!(v.resolve_at(env, who.pid, at::FDCWD, &target, flags & mnt::UMOUNT_NOFOLLOW == 0));
    match r.node {
        Node::Missing => return fail(libc::ENOENT),
        Node::Error(e) => return fail(e),
        _ => {}
    }
    let Some(m) = v.mounts.of(&r.path).filter(|m| m.target == r.path) else {
        // The guest's root, /proc and /dev are always in use.
        return fail(if BASE.iter().any(|b| b.1 == r.path) && v.mounts.of(&r.path).is_none() { libc::EBUSY } else { libc::EINVAL });
    };
    let id = m.id;
    if flags & mnt::EXPIRE != 0 {
        if flags & (mnt::FORCE | mnt::DETACH) != 0 {
            return fail(libc::EINVAL);
        }
        if !m.expiry {
            if let Some(m) = v.mounts.list.iter_mut().find(|m| m.id == id) {
                m.expiry = true;
            }
            return fail(libc::EAGAIN);
        }
    }
    if flags & mnt::DETACH == 0 && (v.busy(id, false) || !v.mounts.descendants(id).is_empty()) {
        return fail(libc::EBUSY);
    }
    v.mounts.remove_tree(id);
    val(0)
}

#[cfg(test)]
mod tests {
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
