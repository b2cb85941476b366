//! The block layer around the loop devices (`loopdev`): the generic block ioctls
//! (block/ioctl.c: sizes, block sizes, read-only, flush, discard) and the
//! /sys/block/loopN files the kernel's sysfs shows for them (size, ro, dev, stat,
//! queue/*, and loop/* while a file is bound).

use super::abi;
use super::loopdev::{Loop, State, lo};
use super::path::Node;
use super::wait::Who;
use super::{Regs, Vfs, fail, val};
use crate::creds::cap;
use crate::service::{Env, Lend};

/// The block ioctl requests (linux/fs.h).
mod req {
    pub const BLKROSET: u32 = 0x125d;
    pub const BLKROGET: u32 = 0x125e;
    pub const BLKGETSIZE: u32 = 0x1260;
    pub const BLKFLSBUF: u32 = 0x1261;
    pub const BLKRASET: u32 = 0x1262;
    pub const BLKRAGET: u32 = 0x1263;
    pub const BLKSSZGET: u32 = 0x1268;
    pub const BLKDISCARD: u32 = 0x1277;
    pub const BLKIOMIN: u32 = 0x1278;
    pub const BLKIOOPT: u32 = 0x1279;
    pub const BLKALIGNOFF: u32 = 0x127a;
    pub const BLKPBSZGET: u32 = 0x127b;
    pub const BLKDISCARDZEROES: u32 = 0x127c;
    pub const BLKBSZGET: u32 = 0x8008_1270;
    pub const BLKBSZSET: u32 = 0x4008_1271;
    pub const BLKGETSIZE64: u32 = 0x8008_1272;
}

/// The lend of a block ioctl's argument (`loopdev::ioctl_lend`).
pub(super) fn block_lend(request: u32, arg: u64) -> Option<Lend> {
    Some(match request {
        req::BLKGETSIZE | req::BLKGETSIZE64 | req::BLKRAGET => Lend::write(arg, 8),
        req::BLKROGET | req::BLKSSZGET | req::BLKBSZGET | req::BLKPBSZGET | req::BLKIOMIN | req::BLKIOOPT | req::BLKALIGNOFF | req::BLKDISCARDZEROES => Lend::write(arg, 4),
        req::BLKROSET | req::BLKBSZSET => Lend::read(arg, 4),
        req::BLKDISCARD => Lend::read(arg, 16),
        _ => return None,
    })
}

/// The read-ahead the kernel starts a loop device with, in sectors (128 KiB).
const READAHEAD_SECTORS: u64 = 256;

/// The block requests on /dev/loopN (blkdev_ioctl); what the block layer does not
/// know goes to the loop driver, which refuses it (EINVAL, lo_simple_ioctl).
pub(super) fn block_ioctl(v: &mut Vfs, env: &mut dyn Env, who: Who, i: u32, writable: bool, request: u32, arg: u64) -> Regs {
    let admin = v.creds(env, who.pid).capable(cap::SYS_ADMIN);
    let Some(d) = v.loops.devs.get_mut(&i) else { return fail(libc::ENXIO) };
    let int = |env: &mut dyn Env, x: u32| env.write(arg, &x.to_le_bytes()).map(|_| [0, 0]);
    match request {
        req::BLKGETSIZE => env.write(arg, &(d.capacity / 512).to_le_bytes()).map(|_| [0, 0]),
        req::BLKGETSIZE64 => env.write(arg, &d.capacity.to_le_bytes()).map(|_| [0, 0]),
        req::BLKSSZGET | req::BLKPBSZGET | req::BLKIOMIN => int(env, d.block_size),
        req::BLKBSZGET => int(env, d.soft_block),
        req::BLKIOOPT | req::BLKALIGNOFF | req::BLKDISCARDZEROES => int(env, 0),
        req::BLKROGET => int(env, d.read_only() as u32),
        req::BLKRAGET => env.write(arg, &READAHEAD_SECTORS.to_le_bytes()).map(|_| [0, 0]),
        req::BLKROSET | req::BLKBSZSET => {
            if !admin {
                return fail(libc::EACCES);
            }
            let mut b = [0u8; 4];
            env.read(arg, &mut b)?;
            let n = i32::from_le_bytes(b);
            let Some(d) = v.loops.devs.get_mut(&i) else { return fail(libc::ENXIO) };
            if request == req::BLKROSET {
                d.ro_set = n != 0;
            } else {
                // set_blocksize: a power of two from 512 to the page, not below the
                // logical block size.
                if !(512..=4096).contains(&n) || !(n as u32).is_power_of_two() || (n as u32) < d.block_size {
                    return fail(libc::EINVAL);
                }
                d.soft_block = n as u32;
            }
            val(0)
        }
        req::BLKFLSBUF => {
            if !admin {
                return fail(libc::EACCES);
            }
            if let Some(f) = &d.backing {
                let _ = f.sync_data();
            }
            val(0)
        }
        req::BLKRASET => fail(if admin { libc::EINVAL } else { libc::EACCES }),
        req::BLKDISCARD => {
            if !writable {
                return fail(libc::EBADF);
            }
            if d.state != State::Bound {
                return fail(libc::EOPNOTSUPP);
            }
            if d.read_only() {
                return fail(libc::EPERM);
            }
            let mut b = [0u8; 16];
            env.read(arg, &mut b)?;
            let Some(d) = v.loops.devs.get_mut(&i) else { return fail(libc::ENXIO) };
            let (start, len) = (u64::from_le_bytes(b[..8].try_into().unwrap_or_default()), u64::from_le_bytes(b[8..].try_into().unwrap_or_default()));
            let mask = d.block_size as u64 - 1;
            if len == 0 || (start | len) & mask != 0 || start.checked_add(len).is_none_or(|end| end > d.capacity) {
                return fail(libc::EINVAL);
            }
            val(discard(d, start, len).map_or_else(crate::service::err, |_| 0))
        }
        _ => fail(libc::EINVAL),
    }
}

/// A discarded range reads back as zeros: a hole punched in the backing file.
fn discard(d: &Loop, start: u64, len: u64) -> Result<(), i32> {
    use std::os::fd::AsRawFd;
    let Some(f) = &d.backing else { return Err(libc::EIO) };
    let mode = libc::FALLOC_FL_PUNCH_HOLE | libc::FALLOC_FL_KEEP_SIZE;
    // SAFETY: fallocate on a descriptor the device owns; no memory is passed.
    let r = unsafe { libc::fallocate(f.as_raw_fd(), mode, (d.offset + start) as i64, len as i64) };
    if r == 0 {
        return Ok(());
    }
    // A host without hole punching: zeros written instead.
    use std::os::unix::fs::FileExt;
    f.write_all_at(&vec![0u8; len as usize], d.offset + start).map_err(|_| libc::EIO)
}

/// The files of /sys/block/loopN (besides the queue and loop directories).
const DISK_FILES: [&str; 6] = ["dev", "size", "ro", "removable", "stat", "range"];
const QUEUE_FILES: [&str; 5] = ["logical_block_size", "physical_block_size", "minimum_io_size", "hw_sector_size", "rotational"];
const LOOP_FILES: [&str; 6] = ["backing_file", "offset", "sizelimit", "autoclear", "partscan", "dio"];

/// The device a /sys/block path is under, and the rest of the path.
fn split<'a>(v: &'a Vfs, g: &'a str) -> Option<(u32, &'a Loop, Vec<&'a str>)> {
    let rest = g.strip_prefix("/sys/block/")?;
    let mut parts = rest.split('/');
    let i: u32 = parts.next()?.strip_prefix("loop")?.parse().ok()?;
    let d = v.loops.devs.get(&i)?;
    Some((i, d, parts.collect()))
}

/// Whether a device shows its loop directory (loop_sysfs_init to loop_sysfs_exit).
fn shows_loop(d: &Loop) -> bool {
    d.state != State::Unbound
}

/// What a path under /sys/block names (None: not under /sys/block).
pub(super) fn sys_node(v: &Vfs, g: &str) -> Option<Node> {
    if g == "/sys/block" {
        return Some(Node::Dir);
    }
    if !g.starts_with("/sys/block/") {
        return None;
    }
    let Some((_, d, rest)) = split(v, g) else { return Some(Node::Missing) };
    Some(match rest.as_slice() {
        [] | ["queue"] => Node::Dir,
        ["loop"] if shows_loop(d) => Node::Dir,
        [f] if DISK_FILES.contains(f) => Node::Other,
        ["queue", f] if QUEUE_FILES.contains(f) => Node::Other,
        ["loop", f] if shows_loop(d) && LOOP_FILES.contains(f) => Node::Other,
        _ => Node::Missing,
    })
}

/// The entries of a /sys/block directory: (name, is a directory).
pub(super) fn sys_list(v: &Vfs, g: &str) -> Option<Vec<(String, bool)>> {
    if g == "/sys/block" {
        return Some(v.loops.devs.keys().map(|i| (format!("loop{i}"), true)).collect());
    }
    let (_, d, rest) = split(v, g)?;
    let files = |names: &[&str]| names.iter().map(|n| (n.to_string(), false)).collect::<Vec<_>>();
    Some(match rest.as_slice() {
        [] => {
            let mut l = files(&DISK_FILES);
            l.push(("queue".into(), true));
            if shows_loop(d) {
                l.push(("loop".into(), true));
            }
            l
        }
        ["queue"] => files(&QUEUE_FILES),
        ["loop"] if shows_loop(d) => files(&LOOP_FILES),
        _ => return None,
    })
}

/// The text of a /sys/block file when it is opened.
pub(super) fn sys_text(v: &Vfs, g: &str) -> Option<Vec<u8>> {
    let (i, d, rest) = split(v, g)?;
    let flag = |b: u32| if d.flags & b != 0 { "1\n".to_string() } else { "0\n".to_string() };
    let text = match rest.as_slice() {
        ["dev"] => format!("{}:{i}\n", super::loopdev::LOOP_MAJOR),
        ["size"] => format!("{}\n", d.capacity / 512),
        ["ro"] => format!("{}\n", d.read_only() as u8),
        ["removable"] => "0\n".into(),
        ["range"] => "1\n".into(),
        ["stat"] => {
            let [rio, rsec, wio, wsec] = d.io;
            // part_stat_show's 17 fields: reads, merges, sectors, ticks; writes...;
            // in flight, io ticks, queue time; discards; flushes.
            let busy = (rio + wio).min(1);
            format!("{rio:8} {:8} {rsec:8} {busy:8} {wio:8} {:8} {wsec:8} {busy:8} {:8} {busy:8} {busy:8} {:8} {:8} {:8} {:8} {:8} {:8}\n", 0, 0, 0, 0, 0, 0, 0, 0, 0)
        }
        ["queue", "rotational"] => "0\n".into(),
        ["queue", "hw_sector_size" | "logical_block_size" | "physical_block_size" | "minimum_io_size"] => format!("{}\n", d.block_size),
        ["loop", f] if shows_loop(d) => match *f {
            "backing_file" => format!("{}\n", d.backing_path),
            "offset" => format!("{}\n", d.offset),
            "sizelimit" => format!("{}\n", d.sizelimit),
            "autoclear" => flag(lo::AUTOCLEAR),
            "partscan" => flag(lo::PARTSCAN),
            "dio" => flag(lo::DIRECT_IO),
            _ => return None,
        },
        _ => return None,
    };
    Some(text.into_bytes())
}

/// The stat of a /sys/block node: sysfs shows its files 0444 with the page's size.
pub(super) fn sys_stat(node: &Node, ino: u64) -> abi::Stat {
    match node {
        Node::Dir => abi::Stat { nlink: 2, ..abi::Stat::synth(abi::s::IFDIR | 0o755, ino, 0, 0) },
        _ => abi::Stat::synth(abi::s::IFREG | 0o444, ino, 4096, 0),
    }
}
