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

use super::io::MAX_IO;
use super::net::{MSGHDR_SIZE, UIO_MAXIOV};
use super::ready::Select;
use crate::service::Lend;
use crate::sysno as nr;

/// The process memory `lends` may look at.
pub trait ProcessMemory {
    /// Length of the NUL-terminated string at qualified `p`, NUL included (0 if
    /// unreadable).
    fn strlen(&mut self, p: u64) -> u64;
    /// Reads process memory at qualified `p`; false if it cannot (or will not).
    fn read(&mut self, _p: u64, _buf: &mut [u8]) -> bool {
        false
    }
}

/// A strlen closure alone: string lends, nothing read.
impl<F: FnMut(u64) -> u64> ProcessMemory for F {
    fn strlen(&mut self, p: u64) -> u64 {
        self(p)
    }
}

/// Full access: `Reader(|ptr, buf| env.read(ptr, buf).is_ok())`.
pub struct Reader<F>(pub F);

impl<F: FnMut(u64, &mut [u8]) -> bool> ProcessMemory for Reader<F> {
    fn strlen(&mut self, p: u64) -> u64 {
        let mut n = 0u64;
        let mut buf = [0u8; 64];
        while n < super::path::PATH_MAX as u64 {
            // Never read across a page end the string does not reach.
            let at = p.wrapping_add(n);
            let room = (4096 - at % 4096).min(64) as usize;
            if !(self.0)(at, &mut buf[..room]) {
                return 0;
            }
            if let Some(i) = buf[..room].iter().position(|b| *b == 0) {
                return n + i as u64 + 1;
            }
            n += room as u64;
        }
        0
    }

    fn read(&mut self, p: u64, buf: &mut [u8]) -> bool {
        (self.0)(p, buf)
    }
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
/// pointer of the same process).
fn same_space(like: u64, p: u64) -> u64 {
    if p == 0 { 0 } else { (like & !((1 << 48) - 1)) | (p & ((1 << 48) - 1)) }
}

/// Lends of a socket address buffer whose capacity sits at `lenp` (accept,
/// getsockname, recvfrom, getsockopt's value).
fn out_with_len(mem: &mut dyn ProcessMemory, buf: u64, lenp: u64, v: &mut Vec<Lend>) {
    if lenp == 0 {
        return;
    }
    v.push(Lend::read_write(lenp, 4));
    if buf != 0 {
        // Without memory access, assume the largest address the vfs writes.
        let cap = u32_of(mem, lenp).map_or(128, |n| (n as u64).min(256));
        v.push(Lend::write(buf, cap));
    }
}

/// The lends of an iovec array at `iov` of `cnt` entries, and of each buffer (written
/// by a read, read by a write), up to MAX_IO bytes in all.
fn iovec(mem: &mut dyn ProcessMemory, iov: u64, cnt: u64, read: bool, v: &mut Vec<Lend>) {
    if iov == 0 || cnt == 0 || cnt > UIO_MAXIOV {
        return;
    }
    v.push(Lend::read(iov, cnt * 16));
    let mut total = 0u64;
    for i in 0..cnt {
        let (Some(base), Some(len)) = (u64_of(mem, iov.wrapping_add(i * 16)), u64_of(mem, iov.wrapping_add(i * 16 + 8))) else { return };
        let len = len.min(MAX_IO as u64 - total.min(MAX_IO as u64));
        if base != 0 && len > 0 {
            let p = same_space(iov, base);
            v.push(if read { Lend::write(p, len) } else { Lend::read(p, len) });
        }
        total += len;
    }
}

/// The lends of a msghdr at `msg` (sendmsg: buffers read; recvmsg: written).
fn msghdr(mem: &mut dyn ProcessMemory, msg: u64, recv: bool, v: &mut Vec<Lend>) {
    v.push(if recv { Lend::read_write(msg, MSGHDR_SIZE) } else { Lend::read(msg, MSGHDR_SIZE) });
    let mut h = [0u8; MSGHDR_SIZE as usize];
    if !mem.read(msg, &mut h) {
        return;
    }
    let f = |o: usize| u64::from_le_bytes(h[o..o + 8].try_into().unwrap_or_default());
    let (name, namelen, iov, iovlen, control, controllen) = (same_space(msg, f(0)), f(8) & 0xffff_ffff, same_space(msg, f(16)), f(24), same_space(msg, f(32)), f(40));
    let buf = |p: u64, n: u64| if recv { Lend::write(p, n) } else { Lend::read(p, n) };
    if name != 0 && namelen > 0 {
        v.push(buf(name, namelen.min(128)));
    }
    if control != 0 && controllen > 0 {
        v.push(buf(control, controllen.min(1 << 16)));
    }
    if iov == 0 || iovlen == 0 || iovlen > UIO_MAXIOV {
        return;
    }
    v.push(Lend::read(iov, iovlen * 16));
    let mut total = 0u64;
    for i in 0..iovlen {
        let (Some(base), Some(len)) = (u64_of(mem, iov.wrapping_add(i * 16)), u64_of(mem, iov.wrapping_add(i * 16 + 8))) else { return };
        let len = len.min(MAX_IO as u64 - total.min(MAX_IO as u64));
        if base != 0 && len > 0 {
            v.push(buf(same_space(msg, base), len));
        }
        total += len;
    }
}

/// Lends the vfs syscalls need: exactly the bytes each may touch. `a` holds the
/// arguments as `qualify` returned them, then the raw sixth argument.
pub fn lends(op: u64, a: &[u64; 6], mut mem: impl ProcessMemory) -> Vec<Lend> {
    let mem: &mut dyn ProcessMemory = &mut mem;
    let mut v = Vec::new();
    // An unreadable string still gets a lend (of one byte): the personality's check of
    // it is what answers EFAULT.
    let path = |mem: &mut dyn ProcessMemory, p: u64| Lend::read(p, mem.strlen(p).max(1));
    let opt = |v: &mut Vec<Lend>, l: Lend| {
        if l.ptr != 0 && l.len != 0 {
            v.push(l);
        }
    };
    let io = |n: u64| n.min(MAX_IO as u64);
    match op {
        nr::READ | nr::PREAD64 => v.push(Lend::write(a[1], io(a[2]))),
        nr::READV | nr::WRITEV | nr::PREADV | nr::PWRITEV | nr::PREADV2 | nr::PWRITEV2 => iovec(mem, a[1], a[2], !matches!(op, nr::WRITEV | nr::PWRITEV | nr::PWRITEV2), &mut v),
        nr::WRITE | nr::PWRITE64 => v.push(Lend::read(a[1], io(a[2]))),
        nr::OPENAT | nr::MKDIRAT | nr::MKNODAT | nr::UNLINKAT | nr::FACCESSAT | nr::FACCESSAT2 | nr::FCHMODAT | nr::FCHMODAT2 | nr::FCHOWNAT => v.push(path(mem, a[1])),
        nr::FSTAT => v.push(Lend::write(a[1], 128)),
        nr::NEWFSTATAT => v.extend([path(mem, a[1]), Lend::write(a[2], 128)]),
        nr::STATX => {
            if a[1] != 0 {
                v.push(path(mem, a[1]));
            }
            v.push(Lend::write(a[4], 256));
        }
        nr::STATFS => v.extend([path(mem, a[0]), Lend::write(a[1], 120)]),
        nr::FSTATFS => v.push(Lend::write(a[1], 120)),
        nr::GETDENTS64 => v.push(Lend::write(a[1], io(a[2]))),
        nr::PIPE2 => v.push(Lend::write(a[0], 8)),
        nr::GETCWD => v.push(Lend::write(a[0], a[1].min(4096))),
        nr::CHDIR | nr::TRUNCATE => v.push(path(mem, a[0])),
        nr::READLINKAT => v.extend([path(mem, a[1]), Lend::write(a[2], a[3].min(4096))]),
        nr::RENAMEAT | nr::RENAMEAT2 | nr::LINKAT => v.extend([path(mem, a[1]), path(mem, a[3])]),
        nr::SYMLINKAT => v.extend([path(mem, a[0]), path(mem, a[2])]),
        nr::UTIMENSAT => {
            if a[1] != 0 {
                v.push(path(mem, a[1]));
            }
            opt(&mut v, Lend::read(a[2], 32));
        }
        nr::SENDFILE => opt(&mut v, Lend::read_write(a[2], 8)),
        nr::COPY_FILE_RANGE => {
            opt(&mut v, Lend::read_write(a[1], 8));
            opt(&mut v, Lend::read_write(a[2], 8));
        }
        nr::IOCTL => match a[1] as u32 {
            0x5401 => v.push(Lend::write(a[2], 36)),
            0x5413 => v.push(Lend::write(a[2], 8)),
            0x541b | 0x540f => v.push(Lend::write(a[2], 4)),
            0x5421 => v.push(Lend::read(a[2], 4)),
            _ => {}
        },
        nr::FCNTL => {
            if is_lock_cmd(a[1]) {
                v.push(Lend::read_write(a[2], 32));
            }
        }
        nr::PPOLL => {
            if a[1] <= 1 << 20 {
                opt(&mut v, Lend::read_write(a[0], a[1] * 8));
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
        nr::TIMERFD_SETTIME => {
            v.push(Lend::read(a[2], 32));
            opt(&mut v, Lend::write(a[3], 32));
        }
        nr::TIMERFD_GETTIME => v.push(Lend::write(a[1], 32)),
        nr::SOCKETPAIR => v.push(Lend::write(a[3], 8)),
        nr::BIND | nr::CONNECT => opt(&mut v, Lend::read(a[1], a[2].min(128))),
        nr::ACCEPT | nr::ACCEPT4 | nr::GETSOCKNAME | nr::GETPEERNAME => out_with_len(mem, a[1], a[2], &mut v),
        nr::SENDTO => {
            opt(&mut v, Lend::read(a[1], io(a[2])));
            opt(&mut v, Lend::read(a[3], a[4].min(128)));
        }
        nr::RECVFROM => {
            opt(&mut v, Lend::write(a[1], io(a[2])));
            out_with_len(mem, a[3], a[4], &mut v);
        }
        nr::SETSOCKOPT => opt(&mut v, Lend::read(a[3], a[4].min(256))),
        nr::GETSOCKOPT => out_with_len(mem, a[3], a[4], &mut v),
        nr::SENDMSG | nr::RECVMSG => msghdr(mem, a[1], op == nr::RECVMSG, &mut v),
        _ => {}
    }
    v
}

fn is_lock_cmd(cmd: u64) -> bool {
    matches!(cmd as i32, libc::F_GETLK | libc::F_SETLK | libc::F_SETLKW | libc::F_OFD_GETLK | libc::F_OFD_SETLK | libc::F_OFD_SETLKW)
}

/// Qualifies the pointer arguments of vfs syscall `n` (the five after the caller word).
/// Packed forms: preadv2/pwritev2 (fd | flags << 32, iov*, iovcnt, pos, pos_h), copy_file_range (in | out << 32, off_in*, off_out*, len, flags),
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
        nr::PIPE2 | nr::GETCWD | nr::CHDIR | nr::TRUNCATE => [q(a[0]), a[1], a[2], a[3], a[4]],
        nr::IOCTL => match a[1] as u32 {
            0x5401 | 0x5413 | 0x541b | 0x540f | 0x5421 => [a[0], a[1], q(a[2]), a[3], a[4]],
            _ => [a[0], a[1], a[2], a[3], a[4]],
        },
        nr::FCNTL if is_lock_cmd(a[1]) => [a[0], a[1], q(a[2]), a[3], a[4]],
        nr::SENDFILE => [a[0], a[1], q(a[2]), a[3], a[4]],
        nr::COPY_FILE_RANGE => [lo(a[0]) | a[2] << 32, q(a[1]), q(a[3]), a[4], a[5]],
        nr::PPOLL => [q(a[0]), a[1], q(a[2]), q(a[3]), a[4]],
        nr::PSELECT6 => Select::pack(a, &q, q(1) >> 48),
        nr::EPOLL_CTL => [a[0], a[1], a[2], q(a[3]), a[4]],
        nr::EPOLL_PWAIT => [lo(a[0]) | lo(a[2]) << 32, q(a[1]), a[3], q(a[4]), a[5]],
        nr::EPOLL_PWAIT2 => [lo(a[0]) | lo(a[2]) << 32, q(a[1]), q(a[3]), q(a[4]), a[5]],
        nr::TIMERFD_SETTIME => [a[0], a[1], q(a[2]), q(a[3]), a[4]],
        nr::SOCKETPAIR => [a[0], a[1], a[2], q(a[3]), a[4]],
        nr::BIND | nr::CONNECT | nr::SENDMSG | nr::RECVMSG => [a[0], q(a[1]), a[2], a[3], a[4]],
        nr::ACCEPT | nr::ACCEPT4 | nr::GETSOCKNAME | nr::GETPEERNAME => [a[0], q(a[1]), q(a[2]), a[3], a[4]],
        nr::SENDTO => [lo(a[0]) | lo(a[3]) << 32, q(a[1]), a[2], q(a[4]), a[5]],
        nr::RECVFROM => [lo(a[0]) | lo(a[3]) << 32, q(a[1]), a[2], q(a[4]), q(a[5])],
        nr::SETSOCKOPT => [a[0], a[1], a[2], q(a[3]), a[4]],
        nr::GETSOCKOPT => [a[0], a[1], a[2], q(a[3]), q(a[4])],
        _ => [a[0], a[1], a[2], a[3], a[4]],
    }
}

/// Whether the vfs handles syscall `n`.
///
/// preadv2/pwritev2 are implemented (`vectored`) but not claimed yet: their buffers
/// can only be lent through a `Reader`, and until the personality passes one, musl's
/// pwrite is better served by -ENOSYS (it falls back to pwrite64) than by a faulting
/// call. Claim them (and readv & co., which the personality still splits itself) once
/// `lends` gets a `Reader`.
pub fn handles(n: u64) -> bool {
    matches!(
        n,
        nr::OPENAT
            | nr::CLOSE
            | nr::CLOSE_RANGE
            | nr::READ
            | nr::PREAD64
            | nr::WRITE
            | nr::PWRITE64
            | nr::READV
            | nr::WRITEV
            | nr::PREADV
            | nr::PWRITEV
            | nr::PREADV2
            | nr::PWRITEV2
            | nr::LSEEK
            | nr::SENDFILE
            | nr::COPY_FILE_RANGE
            | nr::FSTAT
            | nr::NEWFSTATAT
            | nr::STATX
            | nr::STATFS
            | nr::FSTATFS
            | nr::GETDENTS64
            | nr::PIPE2
            | nr::DUP
            | nr::DUP3
            | nr::FCNTL
            | nr::FLOCK
            | nr::IOCTL
            | nr::GETCWD
            | nr::CHDIR
            | nr::FCHDIR
            | nr::CHROOT
            | nr::MKDIRAT
            | nr::MKNODAT
            | nr::UNLINKAT
            | nr::RENAMEAT
            | nr::RENAMEAT2
            | nr::LINKAT
            | nr::SYMLINKAT
            | nr::FACCESSAT
            | nr::FACCESSAT2
            | nr::READLINKAT
            | nr::FCHMOD
            | nr::FCHMODAT
            | nr::FCHMODAT2
            | nr::FCHOWN
            | nr::FCHOWNAT
            | nr::UTIMENSAT
            | nr::TRUNCATE
            | nr::FTRUNCATE
            | nr::FALLOCATE
            | nr::FSYNC
            | nr::FDATASYNC
            | nr::SYNC
            | nr::SYNCFS
            | nr::FADVISE64
            | nr::SYNC_FILE_RANGE
            | nr::PPOLL
            | nr::PSELECT6
            | nr::EPOLL_CREATE1
            | nr::EPOLL_CTL
            | nr::EPOLL_PWAIT
            | nr::EPOLL_PWAIT2
            | nr::EVENTFD2
            | nr::TIMERFD_CREATE
            | nr::TIMERFD_SETTIME
            | nr::TIMERFD_GETTIME
    ) || super::net::handles(n)
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
        let l = lends(nr::OPENAT, &[a[0], a[1], a[2], a[3], a[4], 0], |_p: u64| 6);
        assert_eq!(l, vec![Lend::read(q(0x1000), 6)]);
        // read: capped at MAX_IO.
        let a = qualify(nr::READ, &[3, 0x2000, 1 << 40, 0, 0, 0], q);
        let l = lends(nr::READ, &[a[0], a[1], a[2], a[3], a[4], 0], |_p: u64| 0);
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
        let l = lends(nr::SENDMSG, &[a[0], a[1], a[2], a[3], a[4], 0], reader);
        assert_eq!(l, vec![Lend::read(q(0x1000), 56), Lend::read(q(0x4000), 24), Lend::read(q(0x2000), 32), Lend::read(q(0x3000), 5), Lend::read(q(0x3100), 7)]);
    }

    #[test]
    fn six_argument_calls_pack() {
        let a = qualify(nr::EPOLL_PWAIT, &[5, 0x1000, 16, (-1i64) as u64, 0x2000, 8], q);
        assert_eq!(a[0], 5 | 16 << 32);
        assert_eq!(a[2] as i32, -1);
        let l = lends(nr::EPOLL_PWAIT, &[a[0], a[1], a[2], a[3], a[4], 8], |_p: u64| 0);
        assert_eq!(l, vec![Lend::write(q(0x1000), 256), Lend::read(q(0x2000), 8)]);
        let a = qualify(nr::RECVFROM, &[4, 0x1000, 10, 0x40, 0x2000, 0x3000], q);
        assert_eq!((a[0], a[3], a[4]), (4 | 0x40 << 32, q(0x2000), q(0x3000)));
    }

    #[test]
    fn handled_set_is_consistent() {
        for n in [nr::RENAMEAT2, nr::PPOLL, nr::EPOLL_PWAIT2, nr::RECVMSG, nr::STATX] {
            assert!(handles(n));
        }
        assert!(handles(nr::READV) && !handles(nr::MMAP));
    }
}
