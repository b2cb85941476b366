//! The vfs's hook for the edge (`crate::lends`): what its syscall rows cannot say.
//! Their paths, sized buffers and fixed structures are the rows' (`crate::table`);
//! here are the `Special` pointers (iovec arrays, msghdrs, iocbs, ioctl's and
//! fcntl's argument by command, counts in other arguments) and the packing of the
//! six-argument calls into the five registers a service call carries (documented at
//! `hook`; the vfs unpacks them). In the split configuration every lend becomes a
//! transient grant and the vfs can touch nothing else of the process.
//!
//! A lend of a structure that points at further buffers needs the process's memory
//! to be read (`ProcessMemory`): a plain strlen closure reads nothing (those lends then
//! cover only the outer structure), `Reader` reads fully.

use super::net::{MSGHDR_SIZE, UIO_MAXIOV};
use super::ready::Select;
use crate::user::{Call, ProcessMemory};
use crate::service::Lend;
use crate::sysno as nr;

/// The most bytes one I/O call's buffers are lent for.
const MAX_IO: u64 = super::io::MAX_IO as u64;

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

/// The pointer of vfs syscall `n` written only in some outcomes (`crate::lends::lazy_arg`):
/// recvfrom's source address (argument 4, packed in register 3 by `hook`), which
/// Linux writes only when the socket reports an address (move_addr_to_user copies
/// nothing for a length of 0): a connected TCP socket's recvfrom succeeds with a bad
/// one, a datagram socket's is EFAULT after the datagram is taken.
pub fn lazy(n: u64) -> Option<(usize, usize)> {
    (n == nr::RECVFROM).then_some((4, 3))
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
        let len = len.min(MAX_IO - total.min(MAX_IO));
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
        let len = len.min(MAX_IO - total.min(MAX_IO));
        if len > 0 {
            v.push(buf(same_space(msg, base)?, len));
        }
        total += len;
    }
    Ok(())
}

/// The vfs's hook (`crate::lends`): the `Special` pointers of its rows, their lends,
/// and the packing of its six-argument calls into five registers:
/// preadv2/pwritev2 (fd | flags << 32, iov*, iovcnt, pos, pos_h), copy_file_range and
/// splice (in | out << 32, off_in*, off_out*, len, flags), epoll_pwait/epoll_pwait2
/// (epfd | maxevents << 32, events*, timeout, sigmask*, sigsetsize), sendto (fd |
/// flags << 32, buf*, len, dest*, addrlen), recvfrom (fd | flags << 32, buf*, len,
/// src*, addrlen*), io_pgetevents (ctx, min | nr << 32, events*, timeout*, usig*),
/// pselect6 (see `ready::Select`).
pub fn hook(op: u64, c: &mut Call<'_>) -> Result<(), i32> {
    let a = c.raw;
    let lo = |x: u64| x & 0xffff_ffff;
    let io = |n: u64| n.min(MAX_IO);
    match op {
        nr::READV | nr::WRITEV | nr::PREADV | nr::PWRITEV | nr::PREADV2 | nr::PWRITEV2 => {
            let iov = c.q(1);
            iovec(c.mem, iov, a[2], !matches!(op, nr::WRITEV | nr::PWRITEV | nr::PWRITEV2), &mut c.lends)?;
            if matches!(op, nr::PREADV2 | nr::PWRITEV2) {
                c.args[0] = lo(a[0]) | lo(a[5]) << 32;
            }
        }
        // Into a pipe: the buffers are read (`splice::vmsplice`).
        nr::VMSPLICE => {
            let iov = c.q(1);
            iovec(c.mem, iov, a[2], false, &mut c.lends)?;
        }
        // Each iocb (its key is written) and the buffers it names.
        nr::IO_SUBMIT => {
            let list = c.q(2);
            if (a[1] as i64) > 0 {
                let n = a[1].min(super::aio::MAX_SUBMIT);
                c.lends.push(Lend::read(list, n * 8));
                for i in 0..n {
                    let Some(p) = u64_of(c.mem, list.wrapping_add(i * 8)) else { break };
                    let cb = same_space(list, p)?;
                    if cb == 0 {
                        continue;
                    }
                    c.lends.push(Lend::read_write(cb, super::aio::IOCB_SIZE));
                    let (Some(op), Some(buf), Some(len)) = (u32_of(c.mem, cb.wrapping_add(16)), u64_of(c.mem, cb.wrapping_add(24)), u64_of(c.mem, cb.wrapping_add(32))) else { continue };
                    let buf = same_space(cb, buf)?;
                    match op as u16 {
                        0 | 1 if (len as i64) > 0 => c.lends.push(if op as u16 == 0 { Lend::write(buf, io(len)) } else { Lend::read(buf, io(len)) }),
                        7 | 8 => iovec(c.mem, buf, len, op as u16 == 7, &mut c.lends)?,
                        _ => {}
                    }
                }
            }
        }
        nr::IO_GETEVENTS | nr::IO_PGETEVENTS => {
            let pg = op == nr::IO_PGETEVENTS;
            let events = c.q(3);
            let usig = if pg { c.q(5) } else { 0 };
            // io_pgetevents's counts travel as i32 halves (clamped) of one register.
            let clamp = |x: u64| (x as i64).clamp(i32::MIN as i64, i32::MAX as i64) as i32 as u32 as u64;
            let n = if pg { clamp(a[2]) as u32 as i32 as i64 } else { a[2] as i64 };
            if n > 0 {
                c.lends.push(Lend::write(events, (n as u64).min(2 * super::aio::AIO_MAX_NR) * super::aio::EVENT_SIZE));
            }
            if usig != 0 {
                c.lends.push(Lend::read(usig, 16));
                if let (Some(mask), Some(8)) = (u64_of(c.mem, usig), u64_of(c.mem, usig.wrapping_add(8))) {
                    let mask = same_space(usig, mask)?;
                    c.opt(Lend::read(mask, 8));
                }
            }
            if pg {
                c.args = [a[0], clamp(a[1]) | clamp(a[2]) << 32, c.args[3], c.args[4], c.args[5], 0];
            }
        }
        // The data is a string of options, or NULL (Linux copies up to a page of it:
        // a longer one is lent up to PATH_MAX).
        nr::MOUNT => {
            let data = c.q(4);
            if data != 0 {
                c.lends.push(match c.mem.strlen(data) {
                    Ok(n) => Lend::read(data, n),
                    Err(libc::ENAMETOOLONG) => Lend::read(data, super::path::PATH_MAX as u64),
                    Err(e) => return Err(e),
                });
            }
        }
        nr::COPY_FILE_RANGE => c.args = [lo(a[0]) | a[2] << 32, c.args[1], c.args[3], a[4], a[5], 0],
        nr::SPLICE => c.args = [lo(a[0]) | lo(a[2]) << 32, c.args[1], c.args[3], a[4], a[5], 0],
        // The mask is read only with the one size Linux takes.
        nr::SIGNALFD4 => {
            let mask = c.q(1);
            c.lends.push(Lend::read(mask, if a[2] == 8 { 8 } else { 0 }));
        }
        nr::OPENAT2 => {
            let how = c.q(2);
            // A size the vfs refuses (EINVAL, E2BIG) is never read: nothing is lent,
            // so a bad pointer with it is not EFAULT.
            let ok = (super::openat2::OPEN_HOW_SIZE_VER0..=super::openat2::OPEN_HOW_MAX).contains(&a[3]);
            c.lends.push(Lend::read(how, if ok { a[3] } else { 0 }));
        }
        nr::IOCTL => {
            let r = a[1] as u32;
            let fixed = match r {
                0x5401 => Some(Lend::write(0, 36)),
                0x5413 => Some(Lend::write(0, 8)),
                0x541b | 0x540f => Some(Lend::write(0, 4)),
                0x5421 => Some(Lend::read(0, 4)),
                // FICLONERANGE: struct file_clone_range.
                0x4020_940d => Some(Lend::read(0, 32)),
                _ => None,
            };
            if let Some(l) = fixed {
                let p = c.q(2);
                c.lends.push(Lend { ptr: p, ..l });
            } else if super::loopdev::ioctl_lend(r, 0).is_some() {
                // A loop device request's argument, if any.
                let p = c.q(2);
                if let Some(l) = super::loopdev::ioctl_lend(r, p) {
                    c.opt(l);
                }
            } else if super::netdev::is_request(r) {
                // A socket request's structure (and what an ifconf points at).
                let p = c.q(2);
                super::netdev::ioctl_lends(r, p, c.mem, &mut c.lends);
            }
        }
        // struct file_handle: its header, and as many handle bytes as it says (at
        // most MAX_HANDLE_SZ); name_to_handle_at writes the mount id too (its row).
        nr::NAME_TO_HANDLE_AT | nr::OPEN_BY_HANDLE_AT => {
            let fh = c.q(if op == nr::NAME_TO_HANDLE_AT { 2 } else { 1 });
            let mut h = [0u8; 4];
            let n = if c.mem.read(fh, &mut h) { u32::from_le_bytes(h).min(128) as u64 } else { 0 };
            c.lends.push(if op == nr::NAME_TO_HANDLE_AT { Lend::read_write(fh, 8 + n) } else { Lend::read(fh, 8 + n) });
        }
        nr::FCNTL => {
            let l = match a[1] as i32 {
                // Only the GETLK forms write the struct flock back: a const one in
                // read-only memory serves F_SETLK.
                libc::F_GETLK | libc::F_OFD_GETLK => Some(Lend::read_write(0, 32)),
                c if is_lock_cmd(c as u64) => Some(Lend::read(0, 32)),
                F_SETOWN_EX => Some(Lend::read(0, 8)),
                F_GETOWN_EX => Some(Lend::write(0, 8)),
                _ => None,
            };
            if let Some(l) = l {
                let p = c.q(2);
                c.lends.push(Lend { ptr: p, ..l });
            }
        }
        nr::PPOLL => {
            let (fds, mask) = (c.q(0), c.q(3));
            // More fds than any RLIMIT_NOFILE allows is EINVAL (the vfs says so, and
            // the personality when this lend fails; see `marshal`).
            if a[1] <= 1 << 20 {
                c.lends.push(Lend::read_write(fds, a[1] * 8));
            }
            if a[4] == 8 {
                c.opt(Lend::read(mask, 8));
            }
        }
        nr::PSELECT6 => {
            let q = c.qualifier();
            c.args[..5].copy_from_slice(&Select::pack(&a, q, q(1) >> 48));
            c.args[5] = 0;
            let s = Select::unpack(&c.args[..5]);
            for p in s.sets {
                c.opt(Lend::read_write(p, s.set_bytes()));
            }
            c.opt(Lend::read_write(s.tsp, 16));
            if s.sig != 0 {
                c.lends.push(Lend::read(s.sig, 16));
                let (ss, len) = (u64_of(c.mem, s.sig), u64_of(c.mem, s.sig.wrapping_add(8)));
                if let (Some(ss), Some(8)) = (ss, len) {
                    c.opt(Lend::read(s.qualify(ss), 8));
                }
            }
        }
        nr::EPOLL_CTL => {
            let ev = c.q(3);
            if a[1] != 2 {
                c.lends.push(Lend::read(ev, 16));
            }
        }
        nr::EPOLL_PWAIT | nr::EPOLL_PWAIT2 => {
            let (events, mask) = (c.q(1), c.q(4));
            let max = a[2] as u32 as i32;
            if max > 0 && (max as u64) <= (i32::MAX as u64) / 16 {
                c.lends.push(Lend::write(events, max as u64 * 16));
            }
            if a[5] == 8 {
                c.opt(Lend::read(mask, 8));
            }
            let timeout = if op == nr::EPOLL_PWAIT2 { c.args[3] } else { a[3] };
            c.args = [lo(a[0]) | lo(a[2]) << 32, events, timeout, mask, a[5], 0];
        }
        nr::ACCEPT | nr::ACCEPT4 | nr::GETSOCKNAME | nr::GETPEERNAME => {
            let (buf, lenp) = (c.q(1), c.q(2));
            out_with_len(c.mem, buf, lenp, matches!(op, nr::ACCEPT | nr::ACCEPT4), &mut c.lends);
        }
        nr::SENDTO => {
            // A NULL destination is none at all (its length is ignored).
            let dest = c.q(4);
            c.opt(Lend::read(dest, a[5].min(128)));
            c.args = [lo(a[0]) | lo(a[3]) << 32, c.args[1], a[2], dest, a[5], 0];
        }
        nr::RECVFROM => {
            let (src, lenp) = (c.q(4), c.q(5));
            out_with_len(c.mem, src, lenp, true, &mut c.lends);
            c.args = [lo(a[0]) | lo(a[3]) << 32, c.args[1], a[2], src, lenp, 0];
        }
        nr::GETSOCKOPT => {
            let (val, lenp) = (c.q(3), c.q(4));
            out_with_len(c.mem, val, lenp, false, &mut c.lends);
        }
        nr::SENDMSG | nr::RECVMSG => {
            let msg = c.q(1);
            msghdr(c.mem, msg, op == nr::RECVMSG, &mut c.lends)?;
        }
        nr::SENDMMSG | nr::RECVMMSG => {
            use super::mmsg::{MMSGHDR_SIZE, MSG_LEN};
            let msgs = c.q(1);
            for i in 0..a[2].min(UIO_MAXIOV) {
                let m = msgs.wrapping_add(i * MMSGHDR_SIZE);
                msghdr(c.mem, m, op == nr::RECVMMSG, &mut c.lends)?;
                c.lends.push(Lend::write(m.wrapping_add(MSG_LEN), 4));
            }
        }
        _ => {}
    }
    Ok(())
}

/// fcntl's F_SETOWN_EX and F_GETOWN_EX (a struct f_owner_ex).
const F_SETOWN_EX: i32 = 15;
const F_GETOWN_EX: i32 = 16;

fn is_lock_cmd(cmd: u64) -> bool {
    matches!(cmd as i32, libc::F_GETLK | libc::F_SETLK | libc::F_SETLKW | libc::F_OFD_GETLK | libc::F_OFD_SETLK | libc::F_OFD_SETLKW)
}

/// Whether the vfs handles syscall `n`: its row in the syscall table says so.
pub fn handles(n: u64) -> bool {
    crate::table::owner(n) == Some(crate::service::ServiceId::Vfs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::user::{LentReader, Reader};

    const SID: u64 = 0x42;
    fn q(p: u64) -> u64 {
        if p == 0 { 0 } else { SID << 48 | p }
    }

    /// The registers and lends of syscall `n` with arguments `a` (local pointers).
    fn prep(n: u64, a: [u64; 6], mut mem: impl ProcessMemory) -> Result<([u64; 6], Vec<Lend>), i32> {
        crate::lends::prepare(n, a, &q, &mut mem)
    }

    fn lends(n: u64, a: [u64; 6], mem: impl ProcessMemory) -> Result<Vec<Lend>, i32> {
        prep(n, a, mem).map(|(_, l)| l)
    }

    #[test]
    fn every_handled_pointer_is_lent() {
        // openat: the path and nothing else.
        let l = lends(nr::OPENAT, [(-100i64) as u64, 0x1000, 0, 0, 0, 0], |_p: u64| 6).unwrap();
        assert_eq!(l, vec![Lend::read(q(0x1000), 6)]);
        // read: capped at MAX_IO.
        let l = lends(nr::READ, [3, 0x2000, 1 << 40, 0, 0, 0], |_p: u64| 0).unwrap();
        assert_eq!(l, vec![Lend::write(q(0x2000), MAX_IO)]);
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
        let l = lends(nr::SENDMSG, [3, 0x1000, 0, 0, 0, 0], reader).unwrap();
        assert_eq!(l, vec![Lend::read(q(0x1000), 56), Lend::read(q(0x4000), 24), Lend::read(q(0x2000), 32), Lend::read(q(0x3000), 5), Lend::read(q(0x3100), 7)]);
    }

    #[test]
    fn six_argument_calls_pack() {
        let (a, l) = prep(nr::EPOLL_PWAIT, [5, 0x1000, 16, (-1i64) as u64, 0x2000, 8], |_p: u64| 0).unwrap();
        assert_eq!(a[0], 5 | 16 << 32);
        assert_eq!(a[2] as i32, -1);
        assert_eq!(l, vec![Lend::write(q(0x1000), 256), Lend::read(q(0x2000), 8)]);
        let (a, _) = prep(nr::RECVFROM, [4, 0x1000, 10, 0x40, 0x2000, 0x3000], |_p: u64| 0).unwrap();
        assert_eq!((a[0], a[3], a[4]), (4 | 0x40 << 32, q(0x2000), q(0x3000)));
    }

    #[test]
    fn bad_pointers_are_refused_before_the_vfs() {
        // A NULL buffer is still lent, so that the personality answers EFAULT.
        assert_eq!(lends(nr::READ, [3, 0, 1, 0, 0, 0], |_p: u64| 0).unwrap(), vec![Lend::write(0, 1)]);
        // An unreadable path is EFAULT, one without its NUL in PATH_MAX ENAMETOOLONG.
        assert_eq!(lends(nr::OPENAT, [0, 0x1000, 0, 0, 0, 0], |_p: u64| 0), Err(libc::EFAULT));
        let endless = Reader(|_p: u64, b: &mut [u8]| {
            b.fill(b'a');
            true
        });
        assert_eq!(lends(nr::OPENAT, [0, 0x1000, 0, 0, 0, 0], endless), Err(libc::ENAMETOOLONG));
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
        assert_eq!(lends(nr::OPENAT, [0, 0x1000, 0, 0, 0, 0], LentReader(exact)).unwrap(), vec![Lend::read(q(0x1000), 3)]);
        assert_eq!(lends(nr::OPENAT, [0, 0x1000, 0, 0, 0, 0], Reader(exact)), Err(libc::EFAULT));
        // getsockname's length pointer is required; accept's is not.
        assert_eq!(lends(nr::GETSOCKNAME, [3, 0, 0, 0, 0, 0], |_p: u64| 0).unwrap().len(), 2);
        assert!(lends(nr::ACCEPT, [3, 0, 0, 0, 0, 0], |_p: u64| 0).unwrap().is_empty());
        // An iovec length that is negative as ssize_t is EINVAL; a base naming another
        // space is EFAULT.
        let iov = |base: u64, len: u64| {
            Reader(move |p: u64, b: &mut [u8]| {
                let v = if p % 16 == 0 { base } else { len };
                b.copy_from_slice(&v.to_le_bytes()[..b.len()]);
                true
            })
        };
        assert_eq!(lends(nr::READV, [3, 0x1000, 1, 0, 0, 0], iov(0x2000, 1 << 63)), Err(libc::EINVAL));
        assert_eq!(lends(nr::READV, [3, 0x1000, 1, 0, 0, 0], iov(7 << 48 | 0x2000, 8)), Err(libc::EFAULT));
        assert_eq!(lends(nr::READV, [3, 0x1000, 1, 0, 0, 0], iov(0x2000, 8)).unwrap(), vec![Lend::read(q(0x1000), 16), Lend::write(q(0x2000), 8)]);
    }

    #[test]
    fn handled_set_is_consistent() {
        for n in [nr::RENAMEAT2, nr::PPOLL, nr::EPOLL_PWAIT2, nr::RECVMSG, nr::STATX] {
            assert!(handles(n));
        }
        assert!(handles(nr::READV) && !handles(nr::MMAP));
    }
}
