//! riscv64 Linux structure layouts and flag values the vfs reads and writes.
//!
//! The guest's ABI is the asm-generic one; the values below are spelled out rather than
//! taken from the host's `libc`, so a host with a different ABI (aarch64's O_DIRECTORY,
//! for one) cannot change what a guest sees.

use abi::structs;
use std::os::unix::fs::MetadataExt;
use zerocopy::FromBytes;

/// open(2) flags of the guest (asm-generic).
pub mod o {
    pub const ACCMODE: i32 = 0o3;
    pub const RDONLY: i32 = 0;
    pub const WRONLY: i32 = 1;
    pub const RDWR: i32 = 2;
    pub const CREAT: i32 = 0o100;
    pub const EXCL: i32 = 0o200;
    pub const NOCTTY: i32 = 0o400;
    pub const TRUNC: i32 = 0o1000;
    pub const APPEND: i32 = 0o2000;
    pub const NONBLOCK: i32 = 0o4000;
    pub const DSYNC: i32 = 0o10000;
    pub const ASYNC: i32 = 0o20000;
    pub const DIRECT: i32 = 0o40000;
    pub const LARGEFILE: i32 = 0o100000;
    pub const DIRECTORY: i32 = 0o200000;
    pub const NOFOLLOW: i32 = 0o400000;
    pub const NOATIME: i32 = 0o1000000;
    pub const CLOEXEC: i32 = 0o2000000;
    pub const SYNC: i32 = 0o4010000;
    pub const PATH: i32 = 0o10000000;
    pub const TMPFILE: i32 = 0o20200000;
}

/// *at(2) flags.
pub mod at {
    pub const FDCWD: i32 = -100;
    pub const SYMLINK_NOFOLLOW: i32 = 0x100;
    pub const EACCESS: i32 = 0x200;
    pub const REMOVEDIR: i32 = 0x200;
    pub const SYMLINK_FOLLOW: i32 = 0x400;
    pub const NO_AUTOMOUNT: i32 = 0x800;
    pub const EMPTY_PATH: i32 = 0x1000;
    pub const STATX_SYNC_TYPE: i32 = 0x6000;
}

/// poll(2) / epoll(7) event bits (the same values in both).
pub mod ev {
    pub const IN: u32 = 0x1;
    pub const PRI: u32 = 0x2;
    pub const OUT: u32 = 0x4;
    pub const ERR: u32 = 0x8;
    pub const HUP: u32 = 0x10;
    pub const NVAL: u32 = 0x20;
    pub const RDNORM: u32 = 0x40;
    pub const RDBAND: u32 = 0x80;
    pub const WRNORM: u32 = 0x100;
    pub const WRBAND: u32 = 0x200;
    pub const MSG: u32 = 0x400;
    pub const RDHUP: u32 = 0x2000;
    pub const EXCLUSIVE: u32 = 1 << 28;
    pub const WAKEUP: u32 = 1 << 29;
    pub const ONESHOT: u32 = 1 << 30;
    pub const ET: u32 = 1 << 31;
    /// What a file that is always ready reports (Linux's DEFAULT_POLLMASK).
    pub const DEFAULT: u32 = IN | OUT | RDNORM | WRNORM;
}

/// Reads a little-endian integer at `off` of `b` (zero past the end: guest structures
/// are always read into buffers of their full size first).
pub fn u64_at(b: &[u8], off: usize) -> u64 {
    b.get(off..off + 8).and_then(|s| s.try_into().ok()).map_or(0, u64::from_le_bytes)
}

/// See `u64_at`.
pub fn u32_at(b: &[u8], off: usize) -> u32 {
    b.get(off..off + 4).and_then(|s| s.try_into().ok()).map_or(0, u32::from_le_bytes)
}

/// See `u64_at`.
pub fn u16_at(b: &[u8], off: usize) -> u16 {
    b.get(off..off + 2).and_then(|s| s.try_into().ok()).map_or(0, u16::from_le_bytes)
}

/// Writes `v` at `off` of `b` (ignored past the end).
pub fn put(b: &mut [u8], off: usize, v: &[u8]) {
    if let Some(d) = b.get_mut(off..off + v.len()) {
        d.copy_from_slice(v);
    }
}

/// Size of struct stat on riscv64.
pub const STAT_SIZE: usize = size_of::<structs::Stat>();
/// Size of struct statx.
pub const STATX_SIZE: usize = size_of::<structs::Statx>();
/// Size of struct statfs on riscv64 (the 64-bit asm-generic one).
pub const STATFS_SIZE: usize = size_of::<structs::Statfs>();
/// Size of struct timespec.
pub const TIMESPEC_SIZE: u64 = size_of::<structs::Timespec>() as u64;

/// The fields of a stat the vfs reports, whatever backs the file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stat {
    pub dev: u64,
    pub ino: u64,
    pub mode: u32,
    pub nlink: u32,
    pub uid: u32,
    pub gid: u32,
    pub rdev: u64,
    pub size: u64,
    pub blksize: u32,
    pub blocks: u64,
    pub atime: (i64, i64),
    pub mtime: (i64, i64),
    pub ctime: (i64, i64),
    pub btime: Option<(i64, i64)>,
}

impl Stat {
    /// The stat of a host file.
    pub fn from_host(m: &std::fs::Metadata) -> Stat {
        let btime = m.created().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map(|d| (d.as_secs() as i64, d.subsec_nanos() as i64));
        Stat {
            dev: m.dev(),
            ino: m.ino(),
            mode: m.mode(),
            nlink: m.nlink() as u32,
            uid: m.uid(),
            gid: m.gid(),
            rdev: m.rdev(),
            size: m.size(),
            blksize: m.blksize() as u32,
            blocks: m.blocks(),
            atime: (m.atime(), m.atime_nsec()),
            mtime: (m.mtime(), m.mtime_nsec()),
            ctime: (m.ctime(), m.ctime_nsec()),
            btime,
        }
    }

    /// A synthesized stat (devices, pipes, sockets, /proc): owned by root, times zero.
    pub fn synth(mode: u32, ino: u64, size: u64, rdev: u64) -> Stat {
        Stat { dev: SYNTH_DEV, ino, mode, nlink: 1, rdev, size, blksize: 4096, ..Default::default() }
    }

    /// struct stat of riscv64 (asm-generic, 128 bytes).
    pub fn to_stat(&self) -> structs::Stat {
        structs::Stat {
            dev: self.dev,
            ino: self.ino,
            mode: self.mode,
            nlink: self.nlink,
            uid: self.uid,
            gid: self.gid,
            rdev: self.rdev,
            size: self.size as i64,
            blksize: self.blksize as i32,
            blocks: self.blocks as i64,
            atime: self.atime.0,
            atime_nsec: self.atime.1 as u64,
            mtime: self.mtime.0,
            mtime_nsec: self.mtime.1 as u64,
            ctime: self.ctime.0,
            ctime_nsec: self.ctime.1 as u64,
            ..Default::default()
        }
    }

    /// struct statx (256 bytes); `want` is the caller's mask, answered with what is known.
    pub fn to_statx(&self, _want: u32) -> structs::Statx {
        // STATX_BASIC_STATS, plus STATX_BTIME when the host knows it.
        let mask = 0x7ff | if self.btime.is_some() { 0x800 } else { 0 };
        let ts = |t: (i64, i64)| structs::StatxTimestamp { sec: t.0, nsec: t.1 as u32, reserved: 0 };
        structs::Statx {
            mask,
            blksize: self.blksize,
            nlink: self.nlink,
            uid: self.uid,
            gid: self.gid,
            mode: self.mode as u16,
            ino: self.ino,
            size: self.size,
            blocks: self.blocks,
            atime: ts(self.atime),
            btime: ts(self.btime.unwrap_or_default()),
            ctime: ts(self.ctime),
            mtime: ts(self.mtime),
            rdev_major: major(self.rdev),
            rdev_minor: minor(self.rdev),
            dev_major: major(self.dev),
            dev_minor: minor(self.dev),
            ..Default::default()
        }
    }
}

/// Device number of files the vfs synthesizes (an anonymous-inode-like device 0:15).
pub const SYNTH_DEV: u64 = 15;

/// Linux's major() of a dev_t.
pub fn major(dev: u64) -> u32 {
    (((dev >> 32) & 0xffff_f000) | ((dev >> 8) & 0xfff)) as u32
}

/// Linux's minor() of a dev_t.
pub fn minor(dev: u64) -> u32 {
    (((dev >> 12) & 0xffff_ff00) | (dev & 0xff)) as u32
}

/// Linux's makedev().
pub fn makedev(major: u64, minor: u64) -> u64 {
    ((major & 0xffff_f000) << 32) | ((major & 0xfff) << 8) | ((minor & 0xffff_ff00) << 12) | (minor & 0xff)
}

/// struct statfs of riscv64.
#[derive(Clone, Copy, Debug, Default)]
pub struct StatFs {
    pub kind: i64,
    pub bsize: i64,
    pub blocks: u64,
    pub bfree: u64,
    pub bavail: u64,
    pub files: u64,
    pub ffree: u64,
    pub fsid: [i32; 2],
    pub namelen: i64,
    pub frsize: i64,
    pub flags: i64,
}

impl StatFs {
    /// The guest's structure.
    pub fn to_guest(&self) -> structs::Statfs {
        structs::Statfs {
            kind: self.kind,
            bsize: self.bsize,
            blocks: self.blocks,
            bfree: self.bfree,
            bavail: self.bavail,
            files: self.files,
            ffree: self.ffree,
            fsid: self.fsid,
            namelen: self.namelen,
            frsize: self.frsize,
            flags: self.flags,
            spare: [0; 4],
        }
    }

    /// A small in-memory filesystem of type `kind` (procfs, tmpfs for /dev).
    pub fn synth(kind: i64) -> StatFs {
        StatFs { kind, bsize: 4096, namelen: 255, frsize: 4096, ..Default::default() }
    }
}

/// Magic numbers of synthesized filesystems.
pub const PROC_SUPER_MAGIC: i64 = 0x9fa0;
pub const TMPFS_MAGIC: i64 = 0x0102_1994;
pub const PIPEFS_MAGIC: i64 = 0x5049_5045;
pub const SOCKFS_MAGIC: i64 = 0x534f_434b;
pub const ANON_INODE_FS_MAGIC: i64 = 0x0904_1934;

/// A timespec of the guest as nanoseconds; None if tv_nsec is out of range or tv_sec < 0.
pub fn timespec_ns(b: &[u8]) -> Option<u128> {
    structs::Timespec::read_from_prefix(b).ok()?.0.to_ns()
}

/// A guest timespec of `ns` nanoseconds.
pub fn timespec(ns: u128) -> [u8; 16] {
    zerocopy::transmute!(structs::Timespec::from_ns(ns))
}

/// Mode bits of file types.
pub mod s {
    pub const IFMT: u32 = 0o170000;
    pub const IFSOCK: u32 = 0o140000;
    pub const IFLNK: u32 = 0o120000;
    pub const IFREG: u32 = 0o100000;
    pub const IFBLK: u32 = 0o060000;
    pub const IFDIR: u32 = 0o040000;
    pub const IFCHR: u32 = 0o020000;
    pub const IFIFO: u32 = 0o010000;
}

/// getdents64 d_type of a mode.
pub fn dtype(mode: u32) -> u8 {
    match mode & s::IFMT {
        s::IFDIR => 4,
        s::IFREG => 8,
        s::IFLNK => 10,
        s::IFCHR => 2,
        s::IFBLK => 6,
        s::IFIFO => 1,
        s::IFSOCK => 12,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_numbers_round_trip() {
        let d = makedev(259, 70000);
        assert_eq!((major(d), minor(d)), (259, 70000));
        assert_eq!(makedev(1, 3), 0x103);
    }

    #[test]
    fn timespec_checks_range() {
        assert_eq!(timespec_ns(&timespec(1_500_000_000)), Some(1_500_000_000));
        let mut b = timespec(0);
        put(&mut b, 8, &1_000_000_000u64.to_le_bytes());
        assert_eq!(timespec_ns(&b), None);
    }
}
