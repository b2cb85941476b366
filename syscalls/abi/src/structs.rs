//! riscv64 Linux structures (the asm-generic 64-bit layouts), byte for byte: explicit
//! padding fields, so every byte is a field and the derived conversions are total.

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// `struct timespec`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Timespec {
    pub sec: i64,
    pub nsec: i64,
}

impl Timespec {
    /// `ns` nanoseconds.
    pub fn from_ns(ns: u128) -> Timespec {
        Timespec { sec: (ns / 1_000_000_000) as i64, nsec: (ns % 1_000_000_000) as i64 }
    }

    /// The duration in nanoseconds, or None if it is not a valid timespec (negative
    /// seconds, nanoseconds out of range: EINVAL).
    pub fn to_ns(self) -> Option<u128> {
        (self.sec >= 0 && (0..1_000_000_000).contains(&self.nsec)).then(|| self.sec as u128 * 1_000_000_000 + self.nsec as u128)
    }
}

/// `struct timeval`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Timeval {
    pub sec: i64,
    pub usec: i64,
}

/// `struct tms` (clock ticks).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Tms {
    pub utime: i64,
    pub stime: i64,
    pub cutime: i64,
    pub cstime: i64,
}

/// Length of each `struct utsname` field.
pub const UTS_LEN: usize = 65;

/// `struct utsname`: six NUL-padded fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Utsname {
    pub fields: [[u8; UTS_LEN]; 6],
}

impl Utsname {
    /// sysname, nodename, release, version, machine, domainname (each cut to 64 bytes).
    pub fn new(fields: [&str; 6]) -> Utsname {
        let mut u = Utsname { fields: [[0; UTS_LEN]; 6] };
        for (out, f) in u.fields.iter_mut().zip(fields) {
            let n = f.len().min(UTS_LEN - 1);
            out[..n].copy_from_slice(&f.as_bytes()[..n]);
        }
        u
    }
}

/// `struct sysinfo` (64-bit: mem_unit 1 and no trailing padding bytes of meaning).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Sysinfo {
    pub uptime: i64,
    pub loads: [u64; 3],
    pub totalram: u64,
    pub freeram: u64,
    pub sharedram: u64,
    pub bufferram: u64,
    pub totalswap: u64,
    pub freeswap: u64,
    pub procs: u16,
    pub pad: u16,
    pub pad1: u32,
    pub totalhigh: u64,
    pub freehigh: u64,
    pub mem_unit: u32,
    pub pad2: u32,
}

/// `struct stat` of riscv64 (asm-generic, 128 bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Stat {
    pub dev: u64,
    pub ino: u64,
    pub mode: u32,
    pub nlink: u32,
    pub uid: u32,
    pub gid: u32,
    pub rdev: u64,
    pub pad1: u64,
    pub size: i64,
    pub blksize: i32,
    pub pad2: i32,
    pub blocks: i64,
    pub atime: i64,
    pub atime_nsec: u64,
    pub mtime: i64,
    pub mtime_nsec: u64,
    pub ctime: i64,
    pub ctime_nsec: u64,
    pub unused: [u32; 2],
}

/// `struct statx_timestamp`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct StatxTimestamp {
    pub sec: i64,
    pub nsec: u32,
    pub reserved: i32,
}

/// `struct statx` (256 bytes; the fields after the device numbers read zero).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Statx {
    pub mask: u32,
    pub blksize: u32,
    pub attributes: u64,
    pub nlink: u32,
    pub uid: u32,
    pub gid: u32,
    pub mode: u16,
    pub spare0: u16,
    pub ino: u64,
    pub size: u64,
    pub blocks: u64,
    pub attributes_mask: u64,
    pub atime: StatxTimestamp,
    pub btime: StatxTimestamp,
    pub ctime: StatxTimestamp,
    pub mtime: StatxTimestamp,
    pub rdev_major: u32,
    pub rdev_minor: u32,
    pub dev_major: u32,
    pub dev_minor: u32,
    pub spare: [u64; 14],
}

/// `struct statfs` of riscv64 (the 64-bit asm-generic one, 120 bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Statfs {
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
    pub spare: [i64; 4],
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::{offset_of, size_of};

    #[test]
    fn layouts_are_linuxs() {
        assert_eq!(size_of::<Timespec>(), 16);
        assert_eq!(size_of::<Timeval>(), 16);
        assert_eq!(size_of::<Tms>(), 32);
        assert_eq!(size_of::<Utsname>(), 390);
        assert_eq!(size_of::<Sysinfo>(), 112);
        assert_eq!((size_of::<Stat>(), offset_of!(Stat, size), offset_of!(Stat, blocks), offset_of!(Stat, ctime_nsec)), (128, 48, 64, 112));
        assert_eq!((size_of::<Statx>(), offset_of!(Statx, ino), offset_of!(Statx, atime), offset_of!(Statx, mtime), offset_of!(Statx, dev_minor)), (256, 32, 64, 112, 140));
        assert_eq!((size_of::<Statfs>(), offset_of!(Statfs, fsid), offset_of!(Statfs, flags)), (120, 56, 80));
        assert_eq!((offset_of!(Sysinfo, totalram), offset_of!(Sysinfo, procs), offset_of!(Sysinfo, mem_unit)), (32, 80, 104));
        assert_eq!(Timespec::from_ns(1_500_000_000), Timespec { sec: 1, nsec: 500_000_000 });
        assert_eq!(Timespec { sec: -1, nsec: 0 }.to_ns(), None);
        assert_eq!(Timespec { sec: 0, nsec: 1_000_000_000 }.to_ns(), None);
        assert_eq!(&Utsname::new(["Linux", "", "", "", "riscv64", ""]).fields[4][..8], b"riscv64\0");
    }
}
