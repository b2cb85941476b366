//! What the personality needs to call the vfs: which syscalls it serves (`handles`),
//! which arguments are process pointers (`qualify`), and exactly which bytes each call
//! may read or write (`lends`). In the split configuration every lend becomes a
//! transient grant and the vfs can touch nothing else of the process.
//!
//! Six-argument syscalls do not fit the five registers a service call carries after
//! the caller word; `qualify` packs them (documented per syscall below) and the vfs
//! unpacks them. A lend of a structure that points at further buffers (msghdr, iovec
//! arrays, pselect6's sigmask pair) needs the process's memory to be read: `lends` takes
//! a `ProcessMemory`, which a plain strlen closure implements without reading (those
//! lends then cover only the outer structure), and `Reader` implements fully.

use super::abi;
use super::io::MAX_IO;
use super::net::{MSGHDR_SIZE, UIO_MAXIOV};
use super::ready::Select;
use crate::service::Lend;
use crate::table::Arg;
use crate::sysno as nr;

/// The process memory `lends` may look at.
pub trait ProcessMemory {
    /// Length of the NUL-terminated string at qualified `p`, NUL included; EFAULT if
    /// it runs into memory that cannot be read, ENAMETOOLONG past PATH_MAX.
    fn strlen(&mut self, p: u64) -> Result<u64, i32>;
    /// Reads process memory at qualified `p`; false if it cannot (or will not).
    fn read(&mut self, _p: u64, _buf: &mut [u8]) -> bool {
        false
    }
}

/// A strlen closure alone (0: unreadable): string lends, nothing read.
impl<F: FnMut(u64) -> u64> ProcessMemory for F {
    fn strlen(&mut self, p: u64) -> Result<u64, i32> {
        match self(p) {
            0 => Err(libc::EFAULT),
            n => Ok(n),
        }
    }
}

/// Full access: `Reader(|ptr, buf| env.read(ptr, buf).is_ok())`, for a reader whose
/// access is whole pages (the personality's, through its whole-space grant).
pub struct Reader<F>(pub F);

/// Full access for a reader that may hold only the exact bytes of a string (a service
/// reading what a native caller lent it): a string read is retried byte by byte where a
/// longer read is refused.
pub struct LentReader<F>(pub F);

impl<F: FnMut(u64, &mut [u8]) -> bool> ProcessMemory for Reader<F> {
    fn strlen(&mut self, p: u64) -> Result<u64, i32> {
        strlen(&mut self.0, p, false)
    }

    fn read(&mut self, p: u64, buf: &mut [u8]) -> bool {
        (self.0)(p, buf)
    }
}

impl<F: FnMut(u64, &mut [u8]) -> bool> ProcessMemory for LentReader<F> {
    fn strlen(&mut self, p: u64) -> Result<u64, i32> {
        strlen(&mut self.0, p, true)
    }

    fn read(&mut self, p: u64, buf: &mut [u8]) -> bool {
        (self.0)(p, buf)
    }
}

/// The length of the string at `p` with its NUL, read in chunks that never cross a page
/// end the string does not reach; `bytewise`: retry a refused chunk a byte at a time.
fn strlen(read: &mut impl FnMut(u64, &mut [u8]) -> bool, p: u64, bytewise: bool) -> Result<u64, i32> {
    let mut n = 0u64;
    let mut buf = [0u8; 64];
    while n < super::path::PATH_MAX as u64 {
        // Never read across a page end the string does not reach.
        let at = p.wrapping_add(n);
        let room = (4096 - at % 4096).min(64) as usize;
        if p == 0 {
            return Err(libc::EFAULT);
        }
        if !read(at, &mut buf[..room]) {
            if !bytewise {
                return Err(libc::EFAULT);
            }
            // What may be read can end with the string (a native caller lends
            // exactly its bytes): go on a byte at a time.
            for i in 0..room as u64 {
                let mut b = [0u8];
                if !read(at.wrapping_add(i), &mut b) {
                    return Err(libc::EFAULT);
                }
                if b[0] == 0 {
                    return Ok(n + i + 1);
                }
            }
            n += room as u64;
            continue;
        }
        if let Some(i) = buf[..room].iter().position(|b| *b == 0) {
            return Ok(n + i as u64 + 1);
        }
        n += room as u64;
    }
    Err(libc::ENAMETOOLONG)
}

fn u64_of(mem: &mut dyn ProcessMemory, p: u64) -> Option<u64> {
    let mut b = [0u8; 8];
    mem.read(p, &mut b).then(|| u64::from_le_bytes(b))
}

fn u32_of(mem: &mut dyn ProcessMemory, p: u64) -> Option<u32> {
    let mut b = [0u8; 4];
    mem.read(p, &mut b).then(|| u32::from_le_bytes(b))
}

/// A local pointer found inside process memory, qualified like `like` (a qualified
/// pointer of the same process). One naming another space is EFAULT: it is never
/// stripped to an address of the caller's own (the vfs strips what it reads).
fn same_space(like: u64, p: u64) -> Result<u64, i32> {
    match p >> 48 {
        _ if p == 0 => Ok(0),
        0 => Ok((like & !((1 << 48) - 1)) | p),
        sid if sid == like >> 48 => Ok(p),
        _ => Err(libc::EFAULT),
    }
}

/// Lends of a socket address buffer whose capacity sits at `lenp` (accept,
/// getsockname, recvfrom, getsockopt's value). Where the pair is optional (accept,
/// recvfrom) a NULL `lenp` means no address is wanted; elsewhere it is lent anyway, so
/// that NULL is EFAULT as on Linux. A NULL `buf` with a non-zero capacity is EFAULT too.
fn out_with_len(mem: &mut dyn ProcessMemory, buf: u64, lenp: u64, optional: bool, v: &mut Vec<Lend>) {
    if optional && buf == 0 && lenp == 0 {
        return;
    }
    v.push(Lend::read_write(lenp, 4));
    // Without memory access, assume the largest address the vfs writes.
    let cap = u32_of(mem, lenp).map_or(128, |n| (n as u64).min(256));
    if buf != 0 || !optional {
        v.push(Lend::write(buf, cap));
    }
}

/// The lends of an iovec array at `iov` of `cnt` entries, and of each buffer (written
/// by a read, read by a write), up to MAX_IO bytes in all.
/// A negative (as ssize_t) length is EINVAL before any buffer is looked at, as on Linux.
fn iovec(mem: &mut dyn ProcessMemory, iov: u64, cnt: u64, read: bool, v: &mut Vec<Lend>) -> Result<(), i32> {
    if cnt == 0 || cnt > UIO_MAXIOV {
        return Ok(());
    }
    v.push(Lend::read(iov, cnt * 16));
    let mut pairs = Vec::with_capacity(cnt as usize);
    for i in 0..cnt {
        let (Some(base), Some(len)) = (u64_of(mem, iov.wrapping_add(i * 16)), u64_of(mem, iov.wrapping_add(i * 16 + 8))) else { return Ok(()) };
        if (len as i64) < 0 {
            return Err(libc::EINVAL);
        }
        pairs.push((base, len));
    }
    let mut total = 0u64;
    for (base, len) in pairs {
        let len = len.min(MAX_IO as u64 - total.min(MAX_IO as u64));
        if len > 0 {
            let p = same_space(iov, base)?;
            v.push(if read { Lend::write(p, len) } else { Lend::read(p, len) });
        }
        total += len;
    }
    Ok(())
}

/// The lends of a msghdr at `msg` (sendmsg: buffers read; recvmsg: written).
fn msghdr(mem: &mut dyn ProcessMemory, msg: u64, recv: bool, v: &mut Vec<Lend>) -> Result<(), i32> {
    v.push(if recv { Lend::read_write(msg, MSGHDR_SIZE) } else { Lend::read(msg, MSGHDR_SIZE) });
    let mut h = [0u8; MSGHDR_SIZE as usize];
    if !mem.read(msg, &mut h) {
        return Ok(());
    }
    let f = |o: usize| u64::from_le_bytes(h[o..o + 8].try_into().unwrap_or_default());
    let (name, namelen, iov, iovlen, control, controllen) = (same_space(msg, f(0))?, f(8) & 0xffff_ffff, same_space(msg, f(16))?, f(24), same_space(msg, f(32))?, f(40));
    let buf = |p: u64, n: u64| if recv { Lend::write(p, n) } else { Lend::read(p, n) };
    if name != 0 && namelen > 0 {
        v.push(buf(name, namelen.min(128)));
    }
    if control != 0 && controllen > 0 {
        v.push(buf(control, controllen.min(1 << 16)));
    }
    if iovlen == 0 || iovlen > UIO_MAXIOV {
        return Ok(());
    }
    v.push(Lend::read(iov, iovlen * 16));
    let mut total = 0u64;
    for i in 0..iovlen {
        let (Some(base), Some(len)) = (u64_of(mem, iov.wrapping_add(i * 16)), u64_of(mem, iov.wrapping_add(i * 16 + 8))) else { return Ok(()) };
        if (len as i64) < 0 {
            return Err(libc::EINVAL);
        }
        let len = len.min(MAX_IO as u64 - total.min(MAX_IO as u64));
        if len > 0 {
            v.push(buf(same_space(msg, base)?, len));
        }
        total += len;
    }
    Ok(())
}

/// Lends the vfs syscalls need: exactly the bytes each may touch. `a` holds the
/// arguments as `qualify` returned them, then the raw sixth argument. A path that
/// cannot be read whole is refused here (EFAULT, ENAMETOOLONG), before the vfs sees it.
pub fn lends(op: u64, a: &[u64; 6], mut mem: impl ProcessMemory) -> Result<Vec<Lend>, i32> {
    let mem: &mut dyn ProcessMemory = &mut mem;
    let mut v = Vec::new();
    let path = |mem: &mut dyn ProcessMemory, p: u64| -> Result<Lend, i32> { Ok(Lend::read(p, mem.strlen(p)?)) };
    let opt = |v: &mut Vec<Lend>, l: Lend| {
        if l.ptr != 0 && l.len != 0 {
            v.push(l);
        }
    };
    let io = |n: u64| n.min(MAX_IO as u64);
    match op {
        nr::READ | nr::PREAD64 => v.push(Lend::write(a[1], io(a[2]))),
        nr::READV | nr::WRITEV | nr::PREADV | nr::PWRITEV | nr::PREADV2 | nr::PWRITEV2 => iovec(mem, a[1], a[2], !matches!(op, nr::WRITEV | nr::PWRITEV | nr::PWRITEV2), &mut v)?,
        nr::WRITE | nr::PWRITE64 => v.push(Lend::read(a[1], io(a[2]))),
        nr::OPENAT | nr::MKDIRAT | nr::MKNODAT | nr::UNLINKAT | nr::FACCESSAT | nr::FACCESSAT2 | nr::FCHMODAT | nr::FCHMODAT2 | nr::FCHOWNAT => v.push(path(mem, a[1])?),
        nr::FSTAT => v.push(Lend::write(a[1], STAT)),
        nr::NEWFSTATAT => v.extend([path(mem, a[1])?, Lend::write(a[2], STAT)]),
        nr::STATX => {
            if a[1] != 0 {
                v.push(path(mem, a[1])?);
            }
            v.push(Lend::write(a[4], abi::STATX_SIZE as u64));
        }
        nr::STATFS => v.extend([path(mem, a[0])?, Lend::write(a[1], STATFS)]),
        nr::FSTATFS => v.push(Lend::write(a[1], STATFS)),
        nr::GETDENTS64 => v.push(Lend::write(a[1], io(a[2]))),
        nr::PIPE2 => v.push(Lend::write(a[0], 8)),
        nr::GETCWD => v.push(Lend::write(a[0], a[1].min(4096))),
        nr::CHDIR | nr::CHROOT | nr::TRUNCATE => v.push(path(mem, a[0])?),
        nr::IO_SETUP => v.push(Lend::read_write(a[1], 8)),
        nr::IO_CANCEL => v.push(Lend::read(a[1], 12)),
        // Each iocb (its key is written) and the buffers it names.
        nr::IO_SUBMIT if (a[1] as i64) > 0 => {
            let n = a[1].min(super::aio::MAX_SUBMIT);
            v.push(Lend::read(a[2], n * 8));
            for i in 0..n {
                let Some(p) = u64_of(mem, a[2].wrapping_add(i * 8)) else { break };
                let cb = same_space(a[2], p)?;
                if cb == 0 {
                    continue;
                }
                v.push(Lend::read_write(cb, super::aio::IOCB_SIZE));
                let (Some(op), Some(buf), Some(len)) = (u32_of(mem, cb.wrapping_add(16)), u64_of(mem, cb.wrapping_add(24)), u64_of(mem, cb.wrapping_add(32))) else { continue };
                let buf = same_space(cb, buf)?;
                match op as u16 {
                    0 | 1 if (len as i64) > 0 => v.push(if op as u16 == 0 { Lend::write(buf, io(len)) } else { Lend::read(buf, io(len)) }),
                    7 | 8 => iovec(mem, buf, len, op as u16 == 7, &mut v)?,
                    _ => {}
                }
            }
        }
        nr::IO_GETEVENTS | nr::IO_PGETEVENTS => {
            // io_pgetevents: (ctx, min | nr << 32, events, timeout, usig), see `qualify`.
            let pg = op == nr::IO_PGETEVENTS;
            let (n, events, ts) = if pg { ((a[1] >> 32) as u32 as i32 as i64, a[2], a[3]) } else { (a[2] as i64, a[3], a[4]) };
            if n > 0 {
                v.push(Lend::write(events, (n as u64).min(2 * super::aio::AIO_MAX_NR) * super::aio::EVENT_SIZE));
            }
            opt(&mut v, Lend::read(ts, 16));
            if pg && a[4] != 0 {
                let usig = a[4];
                v.push(Lend::read(usig, 16));
                if let (Some(mask), Some(8)) = (u64_of(mem, usig), u64_of(mem, usig.wrapping_add(8))) {
                    opt(&mut v, Lend::read(same_space(usig, mask)?, 8));
                }
            }
        }
        // Source, type and data may be NULL; the data is a string of options (Linux
        // copies up to a page of it: a longer one is lent up to PATH_MAX).
        nr::MOUNT => {
            for i in [0, 1, 2] {
                if a[i] != 0 || i == 1 {
                    v.push(path(mem, a[i])?);
                }
            }
            if a[4] != 0 {
                v.push(match mem.strlen(a[4]) {
                    Ok(n) => Lend::read(a[4], n),
                    Err(libc::ENAMETOOLONG) => Lend::read(a[4], super::path::PATH_MAX as u64),
                    Err(e) => return Err(e),
                });
            }
        }
        nr::READLINKAT => v.extend([path(mem, a[1])?, Lend::write(a[2], a[3].min(4096))]),
        nr::RENAMEAT | nr::RENAMEAT2 | nr::LINKAT => v.extend([path(mem, a[1])?, path(mem, a[3])?]),
        nr::SYMLINKAT => v.extend([path(mem, a[0])?, path(mem, a[2])?]),
        nr::UTIMENSAT => {
            if a[1] != 0 {
                v.push(path(mem, a[1])?);
            }
            opt(&mut v, Lend::read(a[2], 32));
        }
        nr::SENDFILE => opt(&mut v, Lend::read_write(a[2], 8)),
        nr::COPY_FILE_RANGE => {
            opt(&mut v, Lend::read_write(a[1], 8));
            opt(&mut v, Lend::read_write(a[2], 8));
        }
        // The mask is read only with the one size Linux takes.
        nr::SIGNALFD4 => v.push(Lend::read(a[1], if a[2] == 8 { 8 } else { 0 })),
        nr::OPENAT2 => {
            v.push(path(mem, a[1])?);
            // A size the vfs refuses (EINVAL, E2BIG) is never read: nothing is lent,
            // so a bad pointer with it is not EFAULT.
            let ok = (super::openat2::OPEN_HOW_SIZE_VER0..=super::openat2::OPEN_HOW_MAX).contains(&a[3]);
            v.push(Lend::read(a[2], if ok { a[3] } else { 0 }));
        }
        nr::SPLICE => {
            opt(&mut v, Lend::read_write(a[1], 8));
            opt(&mut v, Lend::read_write(a[2], 8));
        }
        // Into a pipe: the buffers are read (`splice::vmsplice`).
        nr::VMSPLICE => iovec(mem, a[1], a[2], false, &mut v)?,
        nr::IOCTL => match a[1] as u32 {
            0x5401 => v.push(Lend::write(a[2], 36)),
            0x5413 => v.push(Lend::write(a[2], 8)),
            0x541b | 0x540f => v.push(Lend::write(a[2], 4)),
            0x5421 => v.push(Lend::read(a[2], 4)),
            // FICLONERANGE: struct file_clone_range.
            0x4020_940d => v.push(Lend::read(a[2], 32)),
            r => {
                if let Some(l) = super::loopdev::ioctl_lend(r, a[2]) {
                    opt(&mut v, l);
                }
                super::netdev::ioctl_lends(r, a[2], mem, &mut v);
            }
        },
        // struct file_handle: its header, and as many handle bytes as it says (at
        // most MAX_HANDLE_SZ); name_to_handle_at writes the mount id too.
        nr::NAME_TO_HANDLE_AT | nr::OPEN_BY_HANDLE_AT => {
            let fh = if op == nr::NAME_TO_HANDLE_AT {
                v.push(path(mem, a[1])?);
                v.push(Lend::write(a[3], 4));
                a[2]
            } else {
                a[1]
            };
            let mut h = [0u8; 4];
            let n = if mem.read(fh, &mut h) { u32::from_le_bytes(h).min(128) as u64 } else { 0 };
            v.push(if op == nr::NAME_TO_HANDLE_AT { Lend::read_write(fh, 8 + n) } else { Lend::read(fh, 8 + n) });
        }
        nr::FCNTL => match a[1] as i32 {
            // Only the GETLK forms write the struct flock back: a const one in
            // read-only memory serves F_SETLK.
            libc::F_GETLK | libc::F_OFD_GETLK => v.push(Lend::read_write(a[2], 32)),
            c if is_lock_cmd(c as u64) => v.push(Lend::read(a[2], 32)),
            F_SETOWN_EX => v.push(Lend::read(a[2], 8)),
            F_GETOWN_EX => v.push(Lend::write(a[2], 8)),
            _ => {}
        },
        nr::PPOLL => {
            // More fds than any RLIMIT_NOFILE allows is EINVAL (the vfs says so, and
            // the personality when this lend fails; see `marshal`).
            if a[1] <= 1 << 20 {
                v.push(Lend::read_write(a[0], a[1] * 8));
            }
            opt(&mut v, Lend::read_write(a[2], 16));
            if a[4] == 8 {
                opt(&mut v, Lend::read(a[3], 8));
            }
        }
        nr::PSELECT6 => {
            let s = Select::unpack(&a[..5]);
            for p in s.sets {
                opt(&mut v, Lend::read_write(p, s.set_bytes()));
            }
            opt(&mut v, Lend::read_write(s.tsp, 16));
            if s.sig != 0 {
                v.push(Lend::read(s.sig, 16));
                let (ss, len) = (u64_of(mem, s.sig), u64_of(mem, s.sig.wrapping_add(8)));
                if let (Some(ss), Some(8)) = (ss, len) {
                    opt(&mut v, Lend::read(s.qualify(ss), 8));
                }
            }
        }
        nr::EPOLL_CTL => {
            if a[1] != 2 {
                v.push(Lend::read(a[3], 16));
            }
        }
        nr::EPOLL_PWAIT | nr::EPOLL_PWAIT2 => {
            let max = (a[0] >> 32) as u32 as i32;
            if max > 0 && (max as u64) <= (i32::MAX as u64) / 16 {
                v.push(Lend::write(a[1], max as u64 * 16));
            }
            if op == nr::EPOLL_PWAIT2 {
                opt(&mut v, Lend::read(a[2], 16));
            }
            if a[4] == 8 {
                opt(&mut v, Lend::read(a[3], 8));
            }
        }
        // The new value is copied before anything is checked (EFAULT first, as on
        // Linux); gettime's NULL is not lent: the fd is checked first (EBADF,
        // EINVAL), then the pointer (timerfd's own EFAULT).
        nr::TIMERFD_SETTIME => {
            v.push(Lend::read(a[2], 32));
            opt(&mut v, Lend::write(a[3], 32));
        }
        nr::TIMERFD_GETTIME => opt(&mut v, Lend::write(a[1], 32)),
        nr::SOCKETPAIR => v.push(Lend::write(a[3], 8)),
        nr::BIND | nr::CONNECT => v.push(Lend::read(a[1], a[2].min(128))),
        nr::ACCEPT | nr::ACCEPT4 => out_with_len(mem, a[1], a[2], true, &mut v),
        nr::GETSOCKNAME | nr::GETPEERNAME => out_with_len(mem, a[1], a[2], false, &mut v),
        nr::SENDTO => {
            v.push(Lend::read(a[1], io(a[2])));
            // A NULL destination is none at all (its length is ignored).
            opt(&mut v, Lend::read(a[3], a[4].min(128)));
        }
        nr::RECVFROM => {
            v.push(Lend::write(a[1], io(a[2])));
            out_with_len(mem, a[3], a[4], true, &mut v);
        }
        nr::SETSOCKOPT => v.push(Lend::read(a[3], a[4].min(256))),
        nr::GETSOCKOPT => out_with_len(mem, a[3], a[4], false, &mut v),
        nr::SENDMSG | nr::RECVMSG => msghdr(mem, a[1], op == nr::RECVMSG, &mut v)?,
        nr::SENDMMSG | nr::RECVMMSG => {
            use super::mmsg::{MMSGHDR_SIZE, MSG_LEN};
            for i in 0..a[2].min(UIO_MAXIOV) {
                let m = a[1].wrapping_add(i * MMSGHDR_SIZE);
                msghdr(mem, m, op == nr::RECVMMSG, &mut v)?;
                v.push(Lend::write(m.wrapping_add(MSG_LEN), 4));
            }
            if op == nr::RECVMMSG {
                opt(&mut v, Lend::read(a[4], 16));
            }
        }
        // The rest need nothing beyond what their table row says.
        _ => {
            for (i, t) in typed(op).iter().enumerate() {
                match *t {
                    Arg::Path => v.push(path(mem, a[i])?),
                    Arg::In(len) => v.push(Lend::read(a[i], io(a[len as usize]))),
                    Arg::Out(len) => v.push(Lend::write(a[i], io(a[len as usize]))),
                    _ => {}
                }
            }
        }
    }
    Ok(v)
}

/// The argument types of vfs syscall `n` (its row in the syscall table).
fn typed(n: u64) -> &'static [Arg] {
    crate::table::entry(n).map_or(&[], |e| e.args)
}

/// Sizes of the structures the stat calls write.
const STAT: u64 = abi::STAT_SIZE as u64;
const STATFS: u64 = abi::STATFS_SIZE as u64;

/// fcntl's F_SETOWN_EX and F_GETOWN_EX (a struct f_owner_ex).
const F_SETOWN_EX: i32 = 15;
const F_GETOWN_EX: i32 = 16;

fn is_lock_cmd(cmd: u64) -> bool {
    matches!(cmd as i32, libc::F_GETLK | libc::F_SETLK | libc::F_SETLKW | libc::F_OFD_GETLK | libc::F_OFD_SETLK | libc::F_OFD_SETLKW)
}

/// Qualifies the pointer arguments of vfs syscall `n` (the five after the caller word).
/// Packed forms: preadv2/pwritev2 (fd | flags << 32, iov*, iovcnt, pos, pos_h), copy_file_range and splice (in | out << 32, off_in*, off_out*, len, flags),
/// epoll_pwait/epoll_pwait2 (epfd | maxevents << 32, events*, timeout, sigmask*,
/// sigsetsize), sendto (fd | flags << 32, buf*, len, dest*, addrlen), recvfrom (fd |
/// flags << 32, buf*, len, src*, addrlen*), pselect6 (see `ready::Select`).
pub fn qualify(n: u64, a: &[u64; 6], q: impl Fn(u64) -> u64) -> [u64; 5] {
    let lo = |x: u64| x & 0xffff_ffff;
    match n {
        nr::READ | nr::WRITE | nr::PREAD64 | nr::PWRITE64 => [a[0], q(a[1]), a[2], a[3], 0],
        nr::READV | nr::WRITEV | nr::PREADV | nr::PWRITEV => [a[0], q(a[1]), a[2], a[3], a[4]],
        nr::PREADV2 | nr::PWRITEV2 => [lo(a[0]) | lo(a[5]) << 32, q(a[1]), a[2], a[3], a[4]],
        nr::FSTAT | nr::GETDENTS64 | nr::FSTATFS | nr::TIMERFD_GETTIME => [a[0], q(a[1]), a[2], a[3], a[4]],
        nr::OPENAT | nr::MKDIRAT | nr::MKNODAT | nr::UNLINKAT | nr::FACCESSAT | nr::FACCESSAT2 | nr::FCHMODAT | nr::FCHMODAT2 | nr::FCHOWNAT => [a[0], q(a[1]), a[2], a[3], a[4]],
        nr::NEWFSTATAT | nr::READLINKAT | nr::UTIMENSAT => [a[0], q(a[1]), q(a[2]), a[3], a[4]],
        nr::STATX => [a[0], q(a[1]), a[2], a[3], q(a[4])],
        nr::RENAMEAT | nr::RENAMEAT2 | nr::LINKAT => [a[0], q(a[1]), a[2], q(a[3]), a[4]],
        nr::SYMLINKAT => [q(a[0]), a[1], q(a[2]), a[3], a[4]],
        nr::STATFS => [q(a[0]), q(a[1]), a[2], a[3], a[4]],
        nr::MOUNT => [q(a[0]), q(a[1]), q(a[2]), a[3], q(a[4])],
        nr::IO_SETUP => [a[0], q(a[1]), a[2], a[3], a[4]],
        nr::IO_SUBMIT => [a[0], a[1], q(a[2]), a[3], a[4]],
        nr::IO_CANCEL => [a[0], q(a[1]), a[2], a[3], a[4]],
        nr::IO_GETEVENTS => [a[0], a[1], a[2], q(a[3]), q(a[4])],
        // Six arguments: the two counts as i32 halves (clamped) of one register.
        nr::IO_PGETEVENTS => {
            let c = |x: u64| (x as i64).clamp(i32::MIN as i64, i32::MAX as i64) as i32 as u32 as u64;
            [a[0], c(a[1]) | c(a[2]) << 32, q(a[3]), q(a[4]), q(a[5])]
        }
        nr::PIPE2 | nr::GETCWD | nr::CHDIR | nr::CHROOT | nr::TRUNCATE => [q(a[0]), a[1], a[2], a[3], a[4]],
        nr::IOCTL => match a[1] as u32 {
            0x5401 | 0x5413 | 0x541b | 0x540f | 0x5421 | 0x4020_940d => [a[0], a[1], q(a[2]), a[3], a[4]],
            r if super::loopdev::ioctl_lend(r, 0).is_some() || super::netdev::is_request(r) => [a[0], a[1], q(a[2]), a[3], a[4]],
            _ => [a[0], a[1], a[2], a[3], a[4]],
        },
        nr::FCNTL if is_lock_cmd(a[1]) || matches!(a[1] as i32, F_SETOWN_EX | F_GETOWN_EX) => [a[0], a[1], q(a[2]), a[3], a[4]],
        nr::SENDFILE => [a[0], a[1], q(a[2]), a[3], a[4]],
        nr::COPY_FILE_RANGE => [lo(a[0]) | a[2] << 32, q(a[1]), q(a[3]), a[4], a[5]],
        nr::OPENAT2 => [a[0], q(a[1]), q(a[2]), a[3], a[4]],
        nr::NAME_TO_HANDLE_AT => [a[0], q(a[1]), q(a[2]), q(a[3]), a[4]],
        nr::OPEN_BY_HANDLE_AT => [a[0], q(a[1]), a[2], a[3], a[4]],
        nr::SIGNALFD4 => [a[0], q(a[1]), a[2], a[3], a[4]],
        nr::SPLICE => [lo(a[0]) | lo(a[2]) << 32, q(a[1]), q(a[3]), a[4], a[5]],
        nr::VMSPLICE => [a[0], q(a[1]), a[2], a[3], a[4]],
        nr::PPOLL => [q(a[0]), a[1], q(a[2]), q(a[3]), a[4]],
        nr::PSELECT6 => Select::pack(a, &q, q(1) >> 48),
        nr::EPOLL_CTL => [a[0], a[1], a[2], q(a[3]), a[4]],
        nr::EPOLL_PWAIT => [lo(a[0]) | lo(a[2]) << 32, q(a[1]), a[3], q(a[4]), a[5]],
        nr::EPOLL_PWAIT2 => [lo(a[0]) | lo(a[2]) << 32, q(a[1]), q(a[3]), q(a[4]), a[5]],
        nr::TIMERFD_SETTIME => [a[0], a[1], q(a[2]), q(a[3]), a[4]],
        nr::SOCKETPAIR => [a[0], a[1], a[2], q(a[3]), a[4]],
        nr::BIND | nr::CONNECT | nr::SENDMSG | nr::RECVMSG | nr::SENDMMSG => [a[0], q(a[1]), a[2], a[3], a[4]],
        nr::RECVMMSG => [a[0], q(a[1]), a[2], a[3], q(a[4])],
        nr::ACCEPT | nr::ACCEPT4 | nr::GETSOCKNAME | nr::GETPEERNAME => [a[0], q(a[1]), q(a[2]), a[3], a[4]],
        nr::SENDTO => [lo(a[0]) | lo(a[3]) << 32, q(a[1]), a[2], q(a[4]), a[5]],
        nr::RECVFROM => [lo(a[0]) | lo(a[3]) << 32, q(a[1]), a[2], q(a[4]), q(a[5])],
        nr::SETSOCKOPT => [a[0], a[1], a[2], q(a[3]), a[4]],
        nr::GETSOCKOPT => [a[0], a[1], a[2], q(a[3]), q(a[4])],
        // The rest as their table row says: strings and sized buffers are the
        // caller's (other pointers need a row above, with their lend).
        _ => {
            let mut out = [a[0], a[1], a[2], a[3], a[4]];
            for (i, t) in typed(n).iter().enumerate().take(5) {
                if matches!(t, Arg::Path | Arg::In(_) | Arg::Out(_)) {
                    out[i] = q(a[i]);
                }
            }
            out
        }
    }
}

/// Whether the vfs handles syscall `n`: its row in the syscall table says so.
pub fn handles(n: u64) -> bool {
    crate::table::owner(n) == Some(crate::service::ServiceId::Vfs)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SID: u64 = 0x42;
    fn q(p: u64) -> u64 {
        if p == 0 { 0 } else { SID << 48 | p }
    }

    #[test]
    fn every_handled_pointer_is_lent() {
        // openat: the path and nothing else.
        let a = qualify(nr::OPENAT, &[(-100i64) as u64, 0x1000, 0, 0, 0, 0], q);
        let l = lends(nr::OPENAT, &[a[0], a[1], a[2], a[3], a[4], 0], |_p: u64| 6).unwrap();
        assert_eq!(l, vec![Lend::read(q(0x1000), 6)]);
        // read: capped at MAX_IO.
        let a = qualify(nr::READ, &[3, 0x2000, 1 << 40, 0, 0, 0], q);
        let l = lends(nr::READ, &[a[0], a[1], a[2], a[3], a[4], 0], |_p: u64| 0).unwrap();
        assert_eq!(l, vec![Lend::write(q(0x2000), MAX_IO as u64)]);
    }

    #[test]
    fn sendmsg_lends_follow_the_msghdr() {
        // A fake process memory: msghdr at 0x1000, iovec array at 0x2000.
        let mut mem = std::collections::BTreeMap::new();
        let mut put = |p: u64, b: &[u8]| {
            for (i, x) in b.iter().enumerate() {
                mem.insert(p + i as u64, *x);
            }
        };
        let mut h = [0u8; 56];
        h[16..24].copy_from_slice(&0x2000u64.to_le_bytes());
        h[24..32].copy_from_slice(&2u64.to_le_bytes());
        h[32..40].copy_from_slice(&0x4000u64.to_le_bytes());
        h[40..48].copy_from_slice(&24u64.to_le_bytes());
        put(q(0x1000), &h);
        let mut iov = [0u8; 32];
        iov[0..8].copy_from_slice(&0x3000u64.to_le_bytes());
        iov[8..16].copy_from_slice(&5u64.to_le_bytes());
        iov[16..24].copy_from_slice(&0x3100u64.to_le_bytes());
        iov[24..32].copy_from_slice(&7u64.to_le_bytes());
        put(q(0x2000), &iov);
        let reader = Reader(|p: u64, buf: &mut [u8]| {
            for (i, b) in buf.iter_mut().enumerate() {
                match mem.get(&(p + i as u64)) {
                    Some(x) => *b = *x,
                    None => return false,
                }
            }
            true
        });
        let a = qualify(nr::SENDMSG, &[3, 0x1000, 0, 0, 0, 0], q);
        let l = lends(nr::SENDMSG, &[a[0], a[1], a[2], a[3], a[4], 0], reader).unwrap();
        assert_eq!(l, vec![Lend::read(q(0x1000), 56), Lend::read(q(0x4000), 24), Lend::read(q(0x2000), 32), Lend::read(q(0x3000), 5), Lend::read(q(0x3100), 7)]);
    }

    #[test]
    fn six_argument_calls_pack() {
        let a = qualify(nr::EPOLL_PWAIT, &[5, 0x1000, 16, (-1i64) as u64, 0x2000, 8], q);
        assert_eq!(a[0], 5 | 16 << 32);
        assert_eq!(a[2] as i32, -1);
        let l = lends(nr::EPOLL_PWAIT, &[a[0], a[1], a[2], a[3], a[4], 8], |_p: u64| 0).unwrap();
        assert_eq!(l, vec![Lend::write(q(0x1000), 256), Lend::read(q(0x2000), 8)]);
        let a = qualify(nr::RECVFROM, &[4, 0x1000, 10, 0x40, 0x2000, 0x3000], q);
        assert_eq!((a[0], a[3], a[4]), (4 | 0x40 << 32, q(0x2000), q(0x3000)));
    }

    #[test]
    fn bad_pointers_are_refused_before_the_vfs() {
        // A NULL buffer is still lent, so that the personality answers EFAULT.
        let a = qualify(nr::READ, &[3, 0, 1, 0, 0, 0], q);
        assert_eq!(lends(nr::READ, &[a[0], a[1], a[2], a[3], a[4], 0], |_p: u64| 0).unwrap(), vec![Lend::write(0, 1)]);
        // An unreadable path is EFAULT, one without its NUL in PATH_MAX ENAMETOOLONG.
        assert_eq!(lends(nr::OPENAT, &[0, q(0x1000), 0, 0, 0, 0], |_p: u64| 0), Err(libc::EFAULT));
        let endless = Reader(|_p: u64, b: &mut [u8]| {
            b.fill(b'a');
            true
        });
        assert_eq!(lends(nr::OPENAT, &[0, q(0x1000), 0, 0, 0, 0], endless), Err(libc::ENAMETOOLONG));
        // A string lent exactly (a native caller's): readable byte by byte only.
        let exact = |p: u64, b: &mut [u8]| {
            let s = b"ab\0";
            let off = p.wrapping_sub(q(0x1000)) as usize;
            match s.get(off..off + b.len()) {
                Some(x) => {
                    b.copy_from_slice(x);
                    true
                }
                None => false,
            }
        };
        assert_eq!(lends(nr::OPENAT, &[0, q(0x1000), 0, 0, 0, 0], LentReader(exact)).unwrap(), vec![Lend::read(q(0x1000), 3)]);
        assert_eq!(lends(nr::OPENAT, &[0, q(0x1000), 0, 0, 0, 0], Reader(exact)), Err(libc::EFAULT));
        // getsockname's length pointer is required; accept's is not.
        assert_eq!(lends(nr::GETSOCKNAME, &[3, 0, 0, 0, 0, 0], |_p: u64| 0).unwrap().len(), 2);
        assert!(lends(nr::ACCEPT, &[3, 0, 0, 0, 0, 0], |_p: u64| 0).unwrap().is_empty());
        // An iovec length that is negative as ssize_t is EINVAL; a base naming another
        // space is EFAULT.
        let iov = |base: u64, len: u64| {
            Reader(move |p: u64, b: &mut [u8]| {
                let v = if p % 16 == 0 { base } else { len };
                b.copy_from_slice(&v.to_le_bytes()[..b.len()]);
                true
            })
        };
        assert_eq!(lends(nr::READV, &[3, q(0x1000), 1, 0, 0, 0], iov(0x2000, 1 << 63)), Err(libc::EINVAL));
        assert_eq!(lends(nr::READV, &[3, q(0x1000), 1, 0, 0, 0], iov(7 << 48 | 0x2000, 8)), Err(libc::EFAULT));
        assert_eq!(lends(nr::READV, &[3, q(0x1000), 1, 0, 0, 0], iov(0x2000, 8)).unwrap(), vec![Lend::read(q(0x1000), 16), Lend::write(q(0x2000), 8)]);
    }

    #[test]
    fn handled_set_is_consistent() {
        for n in [nr::RENAMEAT2, nr::PPOLL, nr::EPOLL_PWAIT2, nr::RECVMSG, nr::STATX] {
            assert!(handles(n));
        }
        assert!(handles(nr::READV) && !handles(nr::MMAP));
    }
}
