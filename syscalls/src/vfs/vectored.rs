//! Vectored I/O: readv, writev, preadv, pwritev, preadv2, pwritev2 as one call over
//! all their buffers (a writev is one write: atomic on a pipe up to PIPE_BUF, and one
//! blocking write whose progress is kept across retries).

use super::abi::{self, o};
use super::fs::tri;
use super::io::{MAX_IO, read, seekable, stop_regs, write, write_bytes};
use super::wait::Who;
use super::{Backend, Regs, Vfs, fail, val};
use crate::service::Env;
use machine::Fault;
use std::os::fd::AsRawFd;

/// RWF_* flags of preadv2/pwritev2.
mod rwf {
    pub const HIPRI: u64 = 1;
    pub const DSYNC: u64 = 2;
    pub const SYNC: u64 = 4;
    pub const NOWAIT: u64 = 8;
    pub const APPEND: u64 = 0x10;
    pub const NOAPPEND: u64 = 0x20;
}

/// Reads an iovec array: (qualified base, length) pairs, the lengths clamped so they
/// add up to at most MAX_IO (a longer request completes partially, as Linux's past
/// 2 GiB).
pub(super) fn read_iov(env: &mut dyn Env, iov: u64, cnt: u64) -> Result<Result<Vec<(u64, u64)>, i32>, Fault> {
    if cnt > super::net::UIO_MAXIOV {
        return Ok(Err(libc::EINVAL));
    }
    let mut raw = vec![0u8; cnt as usize * 16];
    if cnt > 0 {
        env.read(iov, &mut raw)?;
    }
    let same = |x: u64| if x == 0 { 0 } else { (iov & !((1 << 48) - 1)) | (x & ((1 << 48) - 1)) };
    let mut out = Vec::with_capacity(cnt as usize);
    let mut total = 0u64;
    for i in 0..cnt as usize {
        let len = abi::u64_at(&raw, i * 16 + 8);
        if (len as i64) < 0 {
            return Ok(Err(libc::EINVAL));
        }
        let len = len.min(MAX_IO as u64 - total);
        total += len;
        out.push((same(abi::u64_at(&raw, i * 16)), len));
    }
    Ok(Ok(out))
}

/// readv, writev, preadv, pwritev, preadv2, pwritev2: one call over all the buffers
/// (a writev is one write: atomic on a pipe up to PIPE_BUF, and one blocking write
/// with its progress kept across retries). Arguments: fd (| RWF flags << 32 for the
/// v2 forms), iov*, iovcnt, offset (-1 or none: the file offset).
pub fn vectored(v: &mut Vfs, env: &mut dyn Env, who: Who, n: u64, s: [u64; 5]) -> Regs {
    use crate::sysno as nr;
    let write = matches!(n, nr::WRITEV | nr::PWRITEV | nr::PWRITEV2);
    let (fd, flags) = (s[0] as u32 as i32, if matches!(n, nr::PREADV2 | nr::PWRITEV2) { s[0] >> 32 } else { 0 });
    let at = match n {
        nr::PREADV | nr::PWRITEV => Some(s[3]),
        nr::PREADV2 | nr::PWRITEV2 if s[3] as i64 != -1 => Some(s[3]),
        _ => None,
    };
    // do_preadv/do_pwritev: a negative offset is EINVAL before the descriptor is
    // looked at (-1 of the v2 forms is the file position, handled above).
    if at.is_some_and(|a| (a as i64) < 0) {
        return fail(libc::EINVAL);
    }
    if flags & !(rwf::HIPRI | rwf::DSYNC | rwf::SYNC | rwf::NOWAIT | rwf::APPEND | rwf::NOAPPEND) != 0 {
        return fail(libc::EOPNOTSUPP);
    }
    let iov = match read_iov(env, s[1], s[2])? {
        Ok(i) => i,
        Err(e) => return fail(e),
    };
    let (id, f) = tri!(v.get(who.pid, fd));
    // A positioned call on a file without positions (a pipe, a socket) is ESPIPE
    // before the access mode is looked at (do_preadv/do_pwritev: FMODE_PREAD).
    if at.is_some() && f.flags & o::PATH == 0 && !seekable(&f.backend) {
        return fail(libc::ESPIPE);
    }
    let console = matches!(f.backend, Backend::Console(_));
    let total: u64 = iov.iter().map(|x| x.1).sum();
    if console || total == 0 {
        // The console driver takes the buffers one by one, each lent on as it is;
        // a zero-length call still checks the descriptor.
        let mut done = 0u64;
        for (base, len) in iov.iter().filter(|x| x.1 > 0) {
            let r = if write { self::write(v, env, who, fd, *base, *len, at.map(|a| a + done))? } else { read(v, env, who, fd, *base, *len, at.map(|a| a + done))? };
            if r[0] == crate::service::BLOCK || crate::service::is_err(r[0]) {
                return Ok(if done > 0 { [done, 0] } else { r });
            }
            done += r[0];
            if r[0] < *len {
                break;
            }
        }
        if iov.iter().all(|x| x.1 == 0) {
            return if write { self::write(v, env, who, fd, 0, 0, at) } else { read(v, env, who, fd, 0, 0, at) };
        }
        return val(done);
    }
    // RWF_NOAPPEND / RWF_APPEND: the host descriptor's O_APPEND decides where a write
    // lands, so it is switched for this one call (the vfs runs one call at a time).
    let host_fd = match &f.backend {
        Backend::Host(h) => Some(h.as_raw_fd()),
        _ => None,
    };
    let appending = f.flags & o::APPEND != 0;
    let switch = write && host_fd.is_some() && ((flags & rwf::NOAPPEND != 0 && appending && at.is_some()) || (flags & rwf::APPEND != 0 && !appending));
    let nowait = flags & rwf::NOWAIT != 0;
    let set_append = |fd: i32, on: bool| {
        let cur = nix::fcntl::fcntl(fd, nix::fcntl::F_GETFL).unwrap_or(0);
        let want = if on { cur | libc::O_APPEND } else { cur & !libc::O_APPEND };
        let _ = nix::fcntl::fcntl(fd, nix::fcntl::F_SETFL(nix::fcntl::OFlag::from_bits_truncate(want)));
    };
    let saved_flags = f.flags;
    if nowait {
        if let Some(f) = v.files.get_mut(&id) {
            f.flags |= o::NONBLOCK;
        }
    }
    if switch {
        if let Some(h) = host_fd {
            set_append(h, !appending);
        }
    }
    let at = if write && flags & rwf::APPEND != 0 { None } else { at };
    let r = if write { writev_gathered(v, env, who, fd, &iov, at) } else { readv_scattered(v, env, who, fd, id, &iov, at) };
    if switch {
        if let Some(h) = host_fd {
            set_append(h, appending);
        }
    }
    if nowait {
        if let Some(f) = v.files.get_mut(&id) {
            f.flags = (f.flags & !o::NONBLOCK) | (saved_flags & o::NONBLOCK);
        }
    }
    r
}

/// The reading half of `vectored`: one read of the total, scattered.
fn readv_scattered(v: &mut Vfs, env: &mut dyn Env, who: Who, fd: i32, id: u64, iov: &[(u64, u64)], at: Option<u64>) -> Regs {
    let (_, f) = tri!(v.get(who.pid, fd));
    if f.flags & o::PATH != 0 || f.flags & o::ACCMODE == o::WRONLY {
        return fail(libc::EBADF);
    }
    if at.is_some() && !seekable(&f.backend) && !matches!(f.backend, super::Backend::Dir(_)) {
        return fail(libc::ESPIPE);
    }
    let total: u64 = iov.iter().map(|x| x.1).sum();
    let data = match v.read_vec(env, who, id, total as usize, at) {
        Ok(d) => d,
        Err(s) => return stop_regs(s),
    };
    let mut off = 0usize;
    for (base, len) in iov {
        if off >= data.len() {
            break;
        }
        let k = (*len as usize).min(data.len() - off);
        env.write(*base, &data[off..off + k])?;
        off += k;
    }
    val(data.len() as u64)
}

/// The writing half of `vectored`: the buffers gathered into one write, with the same
/// rules as `write` (RLIMIT_FSIZE, blocking progress, mm coherence).
fn writev_gathered(v: &mut Vfs, env: &mut dyn Env, who: Who, fd: i32, iov: &[(u64, u64)], at: Option<u64>) -> Regs {
    let total: u64 = iov.iter().map(|x| x.1).sum();
    let mut data = Vec::with_capacity(total as usize);
    for (base, len) in iov {
        if *len > 0 {
            let mut b = vec![0u8; *len as usize];
            env.read(*base, &mut b)?;
            data.extend(b);
        }
    }
    write_bytes(v, env, who, fd, &data, at, None)
}
