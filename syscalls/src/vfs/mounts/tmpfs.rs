//! tmpfs (and ramfs) instances: a private host directory each, its parameters from
//! the mount data, what it holds, and its removal with its last mount or at exit.

use super::*;

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

/// A tmpfs's parameters from its mount data ("size=1m,mode=0755,..."): EINVAL for an
/// option tmpfs does not know or a bad value, as shmem_parse_one. ramfs takes mode=
/// and ignores the rest.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct TmpOpts {
    pub(super) blocks: Option<u64>,
    pub(super) inodes: Option<u64>,
    pub(super) mode: Option<u32>,
    pub(super) uid: Option<u32>,
    pub(super) gid: Option<u32>,
}

/// memparse: a number with an optional k/m/g/t/p/e suffix.
pub(super) fn memparse(s: &str) -> Option<u64> {
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

pub(super) fn parse_tmpfs(data: &str, ramfs: bool) -> Result<TmpOpts, i32> {
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


/// Blocks (4 KiB) and inodes a tmpfs directory holds, its root included.
pub(super) fn usage(dir: &Path) -> (u64, u64) {
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


/// A new tmpfs: its private host directory with the root's mode and owner.
pub(super) fn new_tmpfs(v: &mut Vfs, o: TmpOpts, ramfs: bool, ro: bool, uid: u32, gid: u32) -> Result<Arc<Tmpfs>, i32> {
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
    let _ = crate::vfs::host::chown(&dir, Some(uid), Some(gid), true);
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
