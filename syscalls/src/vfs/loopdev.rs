//! Loop block devices: /dev/loop-control (misc 10:237) and /dev/loopN (block 7:N),
//! bound to host files the guest opened, with drivers/block/loop.c's ioctls and the
//! block layer's reads, writes and seeks (block/fops.c: fixed size, ENOSPC past the
//! end, EPERM on a read-only device). The block ioctls and /sys/block are `loopsys`.
//!
//! A device's state outlives the calls (it is in `VfsState`); a bound device holds a
//! duplicate of the backing file's host descriptor, so the guest may close its own.
//! The size is fixed when the device is configured (LOOP_SET_CAPACITY re-reads it),
//! as the kernel's capacity is. LOOP_CLR_FD follows the kernel since 6.11: it marks
//! the device for autoclear and, with one opener, puts it in rundown; the backing file
//! is let go at the last close.

use super::abi::{self, Stat, o, s};
use super::wait::Who;
use super::{Backend, Regs, Vfs, fail, val};
use crate::creds::{Inode, cap, may};
use crate::service::{Env, Lend};
use std::collections::BTreeMap;
use std::fs::File;
use std::os::unix::fs::FileExt;

/// The block major of loop devices.
pub const LOOP_MAJOR: u64 = 7;
/// The misc minor of /dev/loop-control.
const CTRL_MINOR: u64 = 237;
/// Group "disk", which owns the nodes (as udev sets them: brw-rw---- root disk).
const DISK_GID: u32 = 6;
/// Device indexes must fit the 20 minor bits (add_disk's EINVAL).
const MAX_INDEX: i64 = 1 << 20;
/// The devices that exist from the start (CONFIG_BLK_DEV_LOOP_MIN_COUNT).
const MIN_COUNT: u32 = 8;
const SECTOR: u64 = 512;
const PAGE: u32 = 4096;

/// lo_flags bits.
pub mod lo {
    pub const READ_ONLY: u32 = 1;
    pub const AUTOCLEAR: u32 = 4;
    pub const PARTSCAN: u32 = 8;
    pub const DIRECT_IO: u32 = 16;
}
const STATUS_SETTABLE: u32 = lo::AUTOCLEAR | lo::PARTSCAN;
const STATUS_CLEARABLE: u32 = lo::AUTOCLEAR;
const CONFIGURE_SETTABLE: u32 = lo::READ_ONLY | lo::AUTOCLEAR | lo::PARTSCAN | lo::DIRECT_IO;

/// The loop ioctl requests (linux/loop.h).
mod req {
    pub const SET_FD: u32 = 0x4C00;
    pub const CLR_FD: u32 = 0x4C01;
    pub const SET_STATUS: u32 = 0x4C02;
    pub const GET_STATUS: u32 = 0x4C03;
    pub const SET_STATUS64: u32 = 0x4C04;
    pub const GET_STATUS64: u32 = 0x4C05;
    pub const CHANGE_FD: u32 = 0x4C06;
    pub const SET_CAPACITY: u32 = 0x4C07;
    pub const SET_DIRECT_IO: u32 = 0x4C08;
    pub const SET_BLOCK_SIZE: u32 = 0x4C09;
    pub const CONFIGURE: u32 = 0x4C0A;
    pub const CTL_ADD: u32 = 0x4C80;
    pub const CTL_REMOVE: u32 = 0x4C81;
    pub const CTL_GET_FREE: u32 = 0x4C82;
}

/// Sizes of struct loop_info (riscv64: old dev_t is 32 bits), loop_info64 and
/// loop_config.
const INFO_SIZE: u64 = 160;
const INFO64_SIZE: u64 = 232;
const CONFIG_SIZE: u64 = 304;
const NAME_SIZE: usize = 64;

/// What a block-device open file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Node {
    Control,
    Loop(u32),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum State {
    Unbound,
    Bound,
    /// Cleared while open: unusable, let go of at the last close.
    Rundown,
}

/// One loop device.
#[derive(Debug)]
pub struct Loop {
    pub(super) state: State,
    /// The backing file (a duplicate of the guest's host descriptor).
    pub(super) backing: Option<File>,
    /// Its guest path when bound (sysfs backing_file).
    pub(super) backing_path: String,
    /// Its st_dev, st_ino, st_rdev as the guest sees them (LOOP_GET_STATUS).
    pub(super) backing_ids: (u64, u64, u64),
    pub(super) offset: u64,
    pub(super) sizelimit: u64,
    pub(super) flags: u32,
    pub(super) file_name: [u8; NAME_SIZE],
    /// The size in bytes (whole sectors), fixed at configure, set_status, set_capacity.
    pub(super) capacity: u64,
    /// Logical (and physical) block size.
    pub(super) block_size: u32,
    /// The soft block size (BLKBSZGET): set at a first open, or by BLKBSZSET.
    pub(super) soft_block: u32,
    /// BLKROSET's flag (the bdev's, kept across bindings).
    pub(super) ro_set: bool,
    /// The disk's read-only flag: set by each configuration, kept when the device is
    /// cleared (__loop_clr_fd leaves it), so an unbound device last bound read-only
    /// still refuses writes (EPERM).
    pub(super) disk_ro: bool,
    /// Reads and writes: I/Os and sectors (/sys/block/loopN/stat).
    pub(super) io: [u64; 4],
}

impl Loop {
    fn new() -> Loop {
        Loop {
            state: State::Unbound,
            backing: None,
            backing_path: String::new(),
            backing_ids: (0, 0, 0),
            offset: 0,
            sizelimit: 0,
            flags: 0,
            file_name: [0; NAME_SIZE],
            capacity: 0,
            block_size: SECTOR as u32,
            soft_block: PAGE,
            ro_set: false,
            disk_ro: false,
            io: [0; 4],
        }
    }

    /// bdev_read_only: BLKROSET's flag or the disk's (a read-only binding).
    pub(super) fn read_only(&self) -> bool {
        self.ro_set || self.disk_ro
    }

    /// The size a configuration gives: the backing file's past the offset, at most
    /// sizelimit, in whole sectors (get_size).
    fn size_of(&self, file: &File) -> u64 {
        let len = file.metadata().map_or(0, |m| m.len());
        let mut size = len.saturating_sub(self.offset);
        if self.sizelimit > 0 && self.sizelimit < size {
            size = self.sizelimit;
        }
        size / SECTOR * SECTOR
    }

    /// Whether direct I/O may be used: the offset aligned to the backing's 512-byte
    /// direct-I/O unit (lo_can_use_dio; the block size is never below it).
    fn can_dio(&self) -> bool {
        self.offset % SECTOR == 0
    }

    /// __loop_clr_fd: back to an unbound device (the ro flag of the bdev stays).
    fn clear(&mut self) {
        let (ro, disk_ro, io) = (self.ro_set, self.disk_ro, self.io);
        *self = Loop { ro_set: ro, disk_ro, io, ..Loop::new() };
    }
}

/// The loop devices by index.
#[derive(Debug)]
pub struct Loops {
    pub(super) devs: BTreeMap<u32, Loop>,
}

impl Default for Loops {
    fn default() -> Loops {
        Loops { devs: (0..MIN_COUNT).map(|i| (i, Loop::new())).collect() }
    }
}

/// The node /dev/NAME names, if it is a loop device that exists.
pub(super) fn node_of(v: &Vfs, name: &str) -> Option<Node> {
    if name == "loop-control" {
        return Some(Node::Control);
    }
    let n = name.strip_prefix("loop")?;
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) || (n.len() > 1 && n.starts_with('0')) {
        return None;
    }
    let i: u32 = n.parse().ok()?;
    v.loops.devs.contains_key(&i).then_some(Node::Loop(i))
}

/// The owner, group and mode of a node.
fn inode_of(n: Node) -> Inode {
    let t = if n == Node::Control { s::IFCHR } else { s::IFBLK };
    Inode { uid: 0, gid: DISK_GID, mode: t | 0o660 }
}

/// The stat of a node (its inode number from its name).
pub(super) fn stat_of(n: Node, ino: u64) -> Stat {
    let rdev = match n {
        Node::Control => abi::makedev(10, CTRL_MINOR),
        Node::Loop(i) => abi::makedev(LOOP_MAJOR, i as u64),
    };
    let i = inode_of(n);
    Stat { gid: i.gid, ..Stat::synth(i.mode, ino, 0, rdev) }
}

/// Names of the nodes in /dev, with their d_type.
pub(super) fn dev_entries(v: &Vfs) -> Vec<(String, u8)> {
    let mut out = vec![("loop-control".to_string(), 2u8)];
    out.extend(v.loops.devs.keys().map(|i| (format!("loop{i}"), 6u8)));
    out
}

/// Whether a host /dev entry is one the vfs's own loop nodes replace.
pub(super) fn replaced(name: &str) -> bool {
    name == "loop-control" || name.strip_prefix("loop").is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// How many open files the device has (disk_openers).
pub(super) fn openers(v: &Vfs, i: u32) -> usize {
    v.files.values().filter(|f| matches!(f.backend, Backend::Block(Node::Loop(j)) if j == i)).count()
}

/// Opening a node: the mode's permission (root:disk 0660), then the device's own
/// rule (a device in rundown is ENXIO, lo_open). A first open sets the soft block
/// size from the size (set_init_blocksize).
pub(super) fn open(v: &mut Vfs, env: &mut dyn Env, who: Who, n: Node, acc: i32) -> Result<Backend, i32> {
    let want = match acc {
        o::RDONLY => may::READ,
        o::WRONLY => may::WRITE,
        _ => may::READ | may::WRITE,
    };
    v.check_inode(env, who.pid, inode_of(n), want)?;
    if let Node::Loop(i) = n {
        let first = openers(v, i) == 0;
        let d = v.loops.devs.get_mut(&i).ok_or(libc::ENXIO)?;
        if d.state == State::Rundown {
            return Err(libc::ENXIO);
        }
        if first {
            let mut bs = d.block_size;
            while bs < PAGE && d.capacity & bs as u64 == 0 {
                bs <<= 1;
            }
            d.soft_block = bs;
        }
    }
    Ok(Backend::Block(n))
}

/// The last open file of a device went (lo_release): an autoclear device, or one
/// cleared while open, lets its backing file go.
pub(super) fn released(v: &mut Vfs, n: Node) {
    let Node::Loop(i) = n else { return };
    if openers(v, i) > 0 {
        return;
    }
    if let Some(d) = v.loops.devs.get_mut(&i) {
        if (d.state == State::Bound && d.flags & lo::AUTOCLEAR != 0) || d.state == State::Rundown {
            d.clear();
        }
    }
}

/// Reads from a device at `pos` (blkdev_read_iter): nothing at or past the end, a
/// short read across it; what the backing file does not have reads as zeros.
pub(super) fn read(v: &mut Vfs, i: u32, pos: u64, len: usize) -> Result<Vec<u8>, i32> {
    let Some(d) = v.loops.devs.get_mut(&i) else { return Err(libc::ENXIO) };
    if pos >= d.capacity || len == 0 {
        return Ok(Vec::new());
    }
    let n = (len as u64).min(d.capacity - pos) as usize;
    let mut buf = vec![0u8; n];
    if let Some(f) = &d.backing {
        let mut got = 0;
        while got < n {
            match f.read_at(&mut buf[got..], d.offset + pos + got as u64) {
                Ok(0) => break,
                Ok(k) => got += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return Err(libc::EIO),
            }
        }
    }
    d.io[0] += 1;
    d.io[1] += (n as u64).div_ceil(SECTOR);
    Ok(buf)
}

/// Writes to a device at `pos` (blkdev_write_iter): EPERM on a read-only device,
/// ENOSPC at or past the end, a short write across it.
pub(super) fn write(v: &mut Vfs, i: u32, pos: u64, data: &[u8]) -> Result<usize, i32> {
    let Some(d) = v.loops.devs.get_mut(&i) else { return Err(libc::ENXIO) };
    if d.read_only() {
        return Err(libc::EPERM);
    }
    if data.is_empty() {
        return Ok(0);
    }
    if pos >= d.capacity {
        return Err(libc::ENOSPC);
    }
    let n = (data.len() as u64).min(d.capacity - pos) as usize;
    let Some(f) = &d.backing else { return Err(libc::EIO) };
    f.write_all_at(&data[..n], d.offset + pos).map_err(|_| libc::EIO)?;
    d.io[2] += 1;
    d.io[3] += (n as u64).div_ceil(SECTOR);
    Ok(n)
}

/// The size of a device, for lseek (fixed_size_llseek) and O_APPEND.
pub(super) fn size(v: &Vfs, i: u32) -> u64 {
    v.loops.devs.get(&i).map_or(0, |d| d.capacity)
}

/// fsync of a device: the backing file's data reach the host's disk.
pub(super) fn sync(v: &Vfs, i: u32) {
    if let Some(f) = v.loops.devs.get(&i).and_then(|d| d.backing.as_ref()) {
        let _ = f.sync_data();
    }
}

/// The lend an ioctl request's argument needs (None: the argument is no pointer,
/// or a request the vfs does not know). The personality lends it; the same number
/// decides it whatever the descriptor is.
pub fn ioctl_lend(request: u32, arg: u64) -> Option<Lend> {
    Some(match request {
        req::SET_STATUS => Lend::read(arg, INFO_SIZE),
        req::GET_STATUS => Lend::write(arg, INFO_SIZE),
        req::SET_STATUS64 => Lend::read(arg, INFO64_SIZE),
        req::GET_STATUS64 => Lend::write(arg, INFO64_SIZE),
        req::CONFIGURE => Lend::read(arg, CONFIG_SIZE),
        r => return super::loopsys::block_lend(r, arg),
    })
}

/// The loop_info64 fields the guest sets.
struct Info {
    offset: u64,
    sizelimit: u64,
    encrypt_type: u32,
    key_size: u32,
    flags: u32,
    name: [u8; NAME_SIZE],
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap_or_default())
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap_or_default())
}

/// struct loop_info64 (as loop_info64_from_old reads struct loop_info with `old`:
/// no sizelimit, an int offset).
fn parse_info(b: &[u8], old: bool) -> Info {
    let mut name = [0u8; NAME_SIZE];
    if old {
        name.copy_from_slice(&b[36..36 + NAME_SIZE]);
        Info { offset: u32_at(b, 20) as i32 as i64 as u64, sizelimit: 0, encrypt_type: u32_at(b, 24), key_size: u32_at(b, 28), flags: u32_at(b, 32), name }
    } else {
        name.copy_from_slice(&b[56..56 + NAME_SIZE]);
        Info { offset: u64_at(b, 24), sizelimit: u64_at(b, 32), encrypt_type: u32_at(b, 44), key_size: u32_at(b, 48), flags: u32_at(b, 52), name }
    }
}

/// loop_set_status_from_info: the checks, then the fields.
fn apply_info(d: &mut Loop, info: &Info) -> Result<(), i32> {
    if info.key_size > 32 || info.encrypt_type != 0 {
        return Err(libc::EINVAL);
    }
    if info.offset > i64::MAX as u64 || info.sizelimit > i64::MAX as u64 {
        return Err(libc::EOVERFLOW);
    }
    d.offset = info.offset;
    d.sizelimit = info.sizelimit;
    d.file_name = info.name;
    d.file_name[NAME_SIZE - 1] = 0;
    d.flags = info.flags;
    Ok(())
}

/// blk_validate_block_size: a power of two from 512 to the page size.
fn valid_block_size(bs: u64) -> bool {
    (SECTOR..=PAGE as u64).contains(&bs) && bs.is_power_of_two()
}

/// ioctl on a block-device file (`Vfs::ioctl` hands them over).
pub(super) fn ioctl(v: &mut Vfs, env: &mut dyn Env, who: Who, file: u64, n: Node, request: u32, arg: u64) -> Regs {
    match n {
        Node::Control => control(v, request, arg),
        Node::Loop(i) => {
            let writable = v.files.get(&file).is_some_and(|f| f.flags & o::ACCMODE != o::RDONLY);
            loop_ioctl(v, env, who, i, writable, request, arg)
        }
    }
}

/// /dev/loop-control: add, remove, find a free device (loop_control_ioctl).
fn control(v: &mut Vfs, request: u32, arg: u64) -> Regs {
    let idx = arg as i32 as i64;
    match request {
        req::CTL_ADD => val(match add(v, idx) {
            Ok(i) => i as u64,
            Err(e) => crate::service::err(e),
        }),
        req::CTL_REMOVE => {
            if idx < 0 {
                return fail(libc::EINVAL);
            }
            let i = idx as u32;
            let Some(d) = v.loops.devs.get(&i).filter(|_| idx < MAX_INDEX) else { return fail(libc::ENODEV) };
            if d.state != State::Unbound || openers(v, i) > 0 {
                return fail(libc::EBUSY);
            }
            v.loops.devs.remove(&i);
            val(0)
        }
        req::CTL_GET_FREE => match v.loops.devs.iter().find(|(_, d)| d.state == State::Unbound) {
            Some((i, _)) => val(*i as u64),
            None => val(match add(v, -1) {
                Ok(i) => i as u64,
                Err(e) => crate::service::err(e),
            }),
        },
        _ => fail(libc::ENOSYS),
    }
}

/// loop_add: index `idx`, or the lowest free one for a negative `idx`.
fn add(v: &mut Vfs, idx: i64) -> Result<u32, i32> {
    let i = if idx >= 0 {
        if v.loops.devs.contains_key(&(idx.min(u32::MAX as i64) as u32)) && idx < MAX_INDEX {
            return Err(libc::EEXIST);
        }
        idx
    } else {
        (0..).find(|i| !v.loops.devs.contains_key(i)).unwrap_or(u32::MAX) as i64
    };
    if i >= MAX_INDEX {
        return Err(libc::EINVAL);
    }
    v.loops.devs.insert(i as u32, Loop::new());
    Ok(i as u32)
}

/// fget: an open descriptor that is not O_PATH, or EBADF.
fn fget(v: &Vfs, pid: u32, fd: i32) -> Result<(), i32> {
    match v.get(pid, fd) {
        Ok((_, f)) if f.flags & o::PATH == 0 => Ok(()),
        _ => Err(libc::EBADF),
    }
}

/// The backing file of descriptor `fd` for device `i` (loop_validate_file): a
/// regular host file; the device itself is EBADF, anything else EINVAL.
fn backing_of(v: &Vfs, pid: u32, fd: i32, i: u32) -> Result<(u64, File, bool), i32> {
    let (id, f) = v.get(pid, fd).map_err(|_| libc::EBADF)?;
    if f.flags & o::PATH != 0 {
        return Err(libc::EBADF);
    }
    match &f.backend {
        Backend::Host(h) if h.metadata().is_ok_and(|m| m.is_file()) => {
            let dup = h.try_clone().map_err(|e| e.raw_os_error().unwrap_or(libc::EMFILE))?;
            Ok((id, dup, f.flags & o::ACCMODE != o::RDONLY))
        }
        Backend::Block(Node::Loop(j)) if *j == i => Err(libc::EBADF),
        _ => Err(libc::EINVAL),
    }
}

/// Binds device `i` (loop_configure) to `fd` with `info` and `block_size`;
/// `writable` is whether the device was opened for writing.
fn configure(v: &mut Vfs, pid: u32, i: u32, writable: bool, fd: i32, info: &Info, block_size: u32) -> Result<(), i32> {
    fget(v, pid, fd)?;
    if v.loops.devs.get(&i).ok_or(libc::ENXIO)?.state != State::Unbound {
        return Err(libc::EBUSY);
    }
    let (id, file, file_writable) = backing_of(v, pid, fd, i)?;
    if info.flags & !CONFIGURE_SETTABLE != 0 {
        return Err(libc::EINVAL);
    }
    let ids = v.fstat_of(pid, id).map(|st| (st.dev, st.ino, st.rdev)).unwrap_or_default();
    let path = v.link_text(id);
    let Some(d) = v.loops.devs.get_mut(&i) else { return Err(libc::ENXIO) };
    let mut n = Loop { ro_set: d.ro_set, io: d.io, ..Loop::new() };
    apply_info(&mut n, info)?;
    if block_size != 0 && !valid_block_size(block_size as u64) {
        return Err(libc::EINVAL);
    }
    if !file_writable || !writable {
        n.flags |= lo::READ_ONLY;
    }
    if n.flags & lo::DIRECT_IO != 0 && !n.can_dio() {
        n.flags &= !lo::DIRECT_IO;
    }
    n.block_size = if block_size == 0 { SECTOR as u32 } else { block_size };
    n.capacity = n.size_of(&file);
    n.backing = Some(file);
    n.backing_path = path;
    n.backing_ids = ids;
    n.state = State::Bound;
    n.disk_ro = n.flags & lo::READ_ONLY != 0;
    n.soft_block = d.soft_block;
    *d = n;
    Ok(())
}

/// LOOP_CHANGE_FD: only a read-only device, to a file giving the same size.
fn change_fd(v: &mut Vfs, pid: u32, i: u32, fd: i32) -> Result<(), i32> {
    fget(v, pid, fd)?;
    let d = v.loops.devs.get(&i).ok_or(libc::ENXIO)?;
    if d.state != State::Bound {
        return Err(libc::ENXIO);
    }
    if d.flags & lo::READ_ONLY == 0 {
        return Err(libc::EINVAL);
    }
    let (id, file, _) = backing_of(v, pid, fd, i)?;
    let Some(d) = v.loops.devs.get(&i) else { return Err(libc::ENXIO) };
    let old = d.backing.as_ref().map_or(0, |f| d.size_of(f));
    if d.size_of(&file) != old {
        return Err(libc::EINVAL);
    }
    let ids = v.fstat_of(pid, id).map(|st| (st.dev, st.ino, st.rdev)).unwrap_or_default();
    let path = v.link_text(id);
    if let Some(d) = v.loops.devs.get_mut(&i) {
        d.backing = Some(file);
        d.backing_path = path;
        d.backing_ids = ids;
    }
    Ok(())
}

/// loop_set_status: the checks of the fields, the flags that may change, a new
/// size if the offset or the limit changed.
fn set_status(d: &mut Loop, info: &Info) -> Result<(), i32> {
    if d.state != State::Bound {
        return Err(libc::ENXIO);
    }
    let resize = d.offset != info.offset || d.sizelimit != info.sizelimit;
    let prev = d.flags;
    let saved = (d.offset, d.sizelimit, d.file_name);
    if let Err(e) = apply_info(d, info) {
        (d.offset, d.sizelimit, d.file_name) = saved;
        d.flags = prev;
        return Err(e);
    }
    d.flags &= STATUS_SETTABLE;
    d.flags |= prev & !STATUS_SETTABLE;
    d.flags |= prev & !STATUS_CLEARABLE;
    if resize {
        d.capacity = d.backing.as_ref().map_or(0, |f| d.size_of(f));
    }
    // A new offset may leave direct I/O impossible (__loop_update_dio).
    if d.flags & lo::DIRECT_IO != 0 && !d.can_dio() {
        d.flags &= !lo::DIRECT_IO;
    }
    Ok(())
}

/// struct loop_info64 of a bound device (loop_get_status).
fn info64(d: &Loop, i: u32) -> [u8; INFO64_SIZE as usize] {
    let mut b = [0u8; INFO64_SIZE as usize];
    let (dev, ino, rdev) = d.backing_ids;
    abi::put(&mut b, 0, &dev.to_le_bytes());
    abi::put(&mut b, 8, &ino.to_le_bytes());
    abi::put(&mut b, 16, &rdev.to_le_bytes());
    abi::put(&mut b, 24, &d.offset.to_le_bytes());
    abi::put(&mut b, 32, &d.sizelimit.to_le_bytes());
    abi::put(&mut b, 40, &i.to_le_bytes());
    abi::put(&mut b, 52, &d.flags.to_le_bytes());
    abi::put(&mut b, 56, &d.file_name);
    b
}

/// struct loop_info from the 64-bit one (loop_info64_to_old): EOVERFLOW when a
/// field does not fit.
fn info_old(b64: &[u8]) -> Result<[u8; INFO_SIZE as usize], i32> {
    let (dev, ino, rdev, off) = (u64_at(b64, 0), u64_at(b64, 8), u64_at(b64, 16), u64_at(b64, 24));
    if dev > u32::MAX as u64 || rdev > u32::MAX as u64 || off > i32::MAX as u64 {
        return Err(libc::EOVERFLOW);
    }
    let mut b = [0u8; INFO_SIZE as usize];
    abi::put(&mut b, 0, &b64[40..44]);
    abi::put(&mut b, 4, &(dev as u32).to_le_bytes());
    abi::put(&mut b, 8, &ino.to_le_bytes());
    abi::put(&mut b, 16, &(rdev as u32).to_le_bytes());
    abi::put(&mut b, 20, &(off as u32).to_le_bytes());
    abi::put(&mut b, 32, &b64[52..56]);
    abi::put(&mut b, 36, &b64[56..56 + NAME_SIZE]);
    Ok(b)
}

/// The loop requests on /dev/loopN (lo_ioctl); the block layer's are `loopsys`.
fn loop_ioctl(v: &mut Vfs, env: &mut dyn Env, who: Who, i: u32, writable: bool, request: u32, arg: u64) -> Regs {
    let admin = |v: &Vfs, env: &mut dyn Env| v.creds(env, who.pid).capable(cap::SYS_ADMIN);
    let r = match request {
        req::SET_FD => configure(v, who.pid, i, writable, arg as u32 as i32, &parse_info(&[0u8; INFO64_SIZE as usize], false), 0),
        req::CONFIGURE => {
            let mut b = [0u8; CONFIG_SIZE as usize];
            env.read(arg, &mut b)?;
            configure(v, who.pid, i, writable, u32_at(&b, 0) as i32, &parse_info(&b[8..8 + INFO64_SIZE as usize], false), u32_at(&b, 4))
        }
        req::CHANGE_FD => change_fd(v, who.pid, i, arg as u32 as i32),
        req::CLR_FD => {
            let openers = openers(v, i);
            match v.loops.devs.get_mut(&i) {
                Some(d) if d.state == State::Bound => {
                    d.flags |= lo::AUTOCLEAR;
                    if openers == 1 {
                        d.state = State::Rundown;
                    }
                    Ok(())
                }
                _ => Err(libc::ENXIO),
            }
        }
        req::SET_STATUS | req::SET_STATUS64 => {
            if !writable && !admin(v, env) {
                return fail(libc::EPERM);
            }
            let old = request == req::SET_STATUS;
            let mut b = vec![0u8; if old { INFO_SIZE } else { INFO64_SIZE } as usize];
            env.read(arg, &mut b)?;
            let info = parse_info(&b, old);
            v.loops.devs.get_mut(&i).map_or(Err(libc::ENXIO), |d| set_status(d, &info))
        }
        req::GET_STATUS | req::GET_STATUS64 => {
            if arg == 0 {
                return fail(libc::EINVAL);
            }
            let Some(d) = v.loops.devs.get(&i).filter(|d| d.state == State::Bound) else { return fail(libc::ENXIO) };
            let b = info64(d, i);
            if request == req::GET_STATUS64 {
                env.write(arg, &b)?;
            } else {
                match info_old(&b) {
                    Ok(old) => env.write(arg, &old)?,
                    Err(e) => return fail(e),
                }
            }
            Ok(())
        }
        req::SET_CAPACITY | req::SET_DIRECT_IO | req::SET_BLOCK_SIZE => {
            if !writable && !admin(v, env) {
                return fail(libc::EPERM);
            }
            let Some(d) = v.loops.devs.get_mut(&i).filter(|d| d.state == State::Bound) else { return fail(libc::ENXIO) };
            match request {
                req::SET_CAPACITY => {
                    d.capacity = d.backing.as_ref().map_or(0, |f| d.size_of(f));
                    Ok(())
                }
                req::SET_DIRECT_IO => {
                    if arg == 0 {
                        d.flags &= !lo::DIRECT_IO;
                        Ok(())
                    } else if d.can_dio() {
                        d.flags |= lo::DIRECT_IO;
                        Ok(())
                    } else {
                        Err(libc::EINVAL)
                    }
                }
                _ => {
                    if arg == d.block_size as u64 {
                        Ok(())
                    } else if !valid_block_size(arg) {
                        Err(libc::EINVAL)
                    } else {
                        d.block_size = arg as u32;
                        Ok(())
                    }
                }
            }
        }
        r => return super::loopsys::block_ioctl(v, env, who, i, writable, r, arg),
    };
    match r {
        Ok(()) => val(0),
        Err(e) => fail(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_sizes_and_info_layouts() {
        assert!(valid_block_size(512) && valid_block_size(4096) && valid_block_size(1024));
        assert!(!valid_block_size(256) && !valid_block_size(8192) && !valid_block_size(3000));
        let mut b = [0u8; INFO_SIZE as usize];
        b[20..24].copy_from_slice(&1024u32.to_le_bytes());
        b[32..36].copy_from_slice(&lo::AUTOCLEAR.to_le_bytes());
        b[36..40].copy_from_slice(b"abc\0");
        let i = parse_info(&b, true);
        assert_eq!((i.offset, i.sizelimit, i.flags, &i.name[..3]), (1024, 0, lo::AUTOCLEAR, &b"abc"[..]));
        let mut d = Loop::new();
        d.state = State::Bound;
        d.flags = lo::READ_ONLY;
        set_status(&mut d, &Info { flags: lo::AUTOCLEAR | lo::PARTSCAN | lo::DIRECT_IO, ..i }).unwrap();
        assert_eq!(d.flags, lo::READ_ONLY | lo::AUTOCLEAR | lo::PARTSCAN, "read-only stays, direct I/O is not settable");
        set_status(&mut d, &Info { offset: 0, sizelimit: 0, encrypt_type: 0, key_size: 0, flags: 0, name: [0; NAME_SIZE] }).unwrap();
        assert_eq!(d.flags, lo::READ_ONLY | lo::PARTSCAN, "partscan cannot be cleared");
        let e = set_status(&mut d, &Info { offset: 0, sizelimit: 0, encrypt_type: 1, key_size: 0, flags: 0, name: [0; NAME_SIZE] });
        assert_eq!(e, Err(libc::EINVAL));
        let b64 = info64(&d, 3);
        let old = info_old(&b64).unwrap();
        assert_eq!(u32_at(&old, 0), 3);
        assert_eq!(u32_at(&old, 32), lo::READ_ONLY | lo::PARTSCAN);
    }
}
