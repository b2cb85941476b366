//! Linux native AIO: io_setup, io_destroy, io_submit, io_cancel, io_getevents,
//! io_pgetevents, with fs/aio.c's checks and errnos.
//!
//! A context is a ring of completions kept by the vfs for one process. Every request is
//! performed when it is submitted (reads, writes, vectored forms, fsync), as Linux does
//! for files opened without O_DIRECT, and its completion is queued at once; io_getevents
//! takes them with min_nr and a timeout (waiting, like the poll family, for another
//! thread's submission). The context id is the address of a zeroed read-only mapping mm
//! makes in the process, the size of Linux's ring: libaio reads the ring's magic there
//! before its own user-space shortcut, finds none, and makes the syscall.

use super::io::Stop;
use super::ready::{sigmask, start_timeout, timeout};
use super::wait::{WaitSet, Who};
use super::{Backend, Regs, Vfs, fail, val};
use crate::service::{Env, ServiceId, err};
use crate::sysno as nr;
use std::collections::VecDeque;

/// Bytes of a struct iocb and of a struct io_event.
pub const IOCB_SIZE: u64 = 64;
pub const EVENT_SIZE: u64 = 32;
/// struct aio_ring's header, before the events.
const RING_HEADER: u64 = 32;
/// Most requests one io_submit looks at (and lends): what a context of the largest
/// size takes is more than anything needs.
pub const MAX_SUBMIT: u64 = 1024;
/// /proc/sys/fs/aio-max-nr.
pub const AIO_MAX_NR: u64 = 65536;

mod cmd {
    pub const PREAD: u16 = 0;
    pub const PWRITE: u16 = 1;
    pub const FSYNC: u16 = 2;
    pub const FDSYNC: u16 = 3;
    pub const PREADV: u16 = 7;
    pub const PWRITEV: u16 = 8;
}
const IOCB_FLAG_RESFD: u32 = 1;
const IOCB_FLAG_IOPRIO: u32 = 2;
/// The RWF_* flags Linux knows.
const RWF_SUPPORTED: u32 = 0xff;

/// One completion: struct io_event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    pub data: u64,
    pub obj: u64,
    pub res: i64,
    pub res2: i64,
}

/// One context.
#[derive(Debug)]
pub struct Ctx {
    pub pid: u32,
    /// What io_setup asked for (counted against aio-max-nr).
    pub max_reqs: u64,
    /// The ring's events (Linux's, after its rounding up to whole pages).
    pub ring: u64,
    pub events: VecDeque<Event>,
}

/// The contexts of every process, by id.
#[derive(Debug, Default)]
pub struct Aio {
    pub ctxs: std::collections::BTreeMap<u64, Ctx>,
    /// /proc/sys/fs/aio-nr: the sum of max_reqs.
    pub nr: u64,
    /// Events an io_getevents already took, by thread, while it waits for min_nr.
    pub got: std::collections::BTreeMap<u32, u64>,
}

/// The ring's size for io_setup(`n`) (ioctx_alloc and aio_setup_ring, one CPU): its
/// events and its pages.
fn ring_of(n: u64) -> (u64, u64) {
    let events = n.max(4) * 2;
    let pages = (RING_HEADER + events * EVENT_SIZE).div_ceil(4096);
    ((pages * 4096 - RING_HEADER) / EVENT_SIZE, pages)
}

impl Vfs {
    /// The caller's context `id`.
    fn ctx_of(&mut self, pid: u32, id: u64) -> Option<&mut Ctx> {
        self.aio.ctxs.get_mut(&id).filter(|c| c.pid == pid)
    }

    /// A process ended or exec'd: its contexts go (exit_aio).
    pub(super) fn aio_exit(&mut self, pid: u32) {
        let gone: Vec<u64> = self.aio.ctxs.iter().filter(|(_, c)| c.pid == pid).map(|(k, _)| *k).collect();
        for k in gone {
            if let Some(c) = self.aio.ctxs.remove(&k) {
                self.aio.nr -= c.max_reqs;
            }
        }
    }
}

/// The caller word for calls made on the process's behalf.
fn word(who: Who) -> u64 {
    (who.pid as u64) << 32 | who.tid as u64
}

/// io_setup(nr_events, ctxp).
pub fn setup(v: &mut Vfs, env: &mut dyn Env, who: Who, s: [u64; 5]) -> Regs {
    let (n, ctxp) = (s[0] as u32 as u64, s[1]);
    let mut b = [0u8; 8];
    env.read(ctxp, &mut b)?;
    if u64::from_le_bytes(b) != 0 || n == 0 {
        return fail(libc::EINVAL);
    }
    if n.max(4) * 2 > 0x1000_0000 / EVENT_SIZE {
        return fail(libc::EINVAL);
    }
    if n > AIO_MAX_NR || v.aio.nr + n > AIO_MAX_NR {
        return fail(libc::EAGAIN);
    }
    let (ring, pages) = ring_of(n);
    // The ring's place in the process: a mapping mm makes there.
    const MAP_PRIVATE: u64 = 2;
    const MAP_ANONYMOUS: u64 = 0x20;
    let prot_flags = libc::PROT_READ as u64 | (MAP_PRIVATE | MAP_ANONYMOUS) << 32;
    let id = match env.call(ServiceId::Mm, nr::MMAP, [word(who), 0, pages * 4096, prot_flags, u64::MAX, 0], &[]) {
        Ok([a, _]) if !crate::service::is_err(a) => a,
        Ok([e, _]) => return val(e),
        Err(_) => return fail(libc::ENOMEM),
    };
    if let Err(f) = env.write(ctxp, &id.to_le_bytes()) {
        let _ = env.call(ServiceId::Mm, nr::MUNMAP, [word(who), id, pages * 4096, 0, 0, 0], &[]);
        return Err(f);
    }
    v.aio.nr += n;
    v.aio.ctxs.insert(id, Ctx { pid: who.pid, max_reqs: n, ring, events: VecDeque::new() });
    val(0)
}

/// io_destroy(ctx): the context goes, and its ring's mapping.
pub fn destroy(v: &mut Vfs, env: &mut dyn Env, who: Who, s: [u64; 5]) -> Regs {
    let id = s[0];
    let Some(c) = v.ctx_of(who.pid, id) else { return fail(libc::EINVAL) };
    let pages = ring_of(c.max_reqs).1;
    if let Some(c) = v.aio.ctxs.remove(&id) {
        v.aio.nr -= c.max_reqs;
    }
    let _ = env.call(ServiceId::Mm, nr::MUNMAP, [word(who), id, pages * 4096, 0, 0, 0], &[]);
    val(0)
}

/// A struct iocb's fields.
struct Iocb {
    data: u64,
    rw_flags: u32,
    opcode: u16,
    fd: i32,
    buf: u64,
    nbytes: u64,
    offset: i64,
    reserved2: u64,
    flags: u32,
    resfd: i32,
}

fn parse(b: &[u8; 64]) -> Iocb {
    let u64_at = |o: usize| u64::from_le_bytes(b[o..o + 8].try_into().unwrap_or_default());
    let u32_at = |o: usize| u32::from_le_bytes(b[o..o + 4].try_into().unwrap_or_default());
    Iocb {
        data: u64_at(0),
        rw_flags: u32_at(12),
        opcode: u16::from_le_bytes([b[16], b[17]]),
        fd: u32_at(20) as i32,
        buf: u64_at(24),
        nbytes: u64_at(32),
        offset: u64_at(40) as i64,
        reserved2: u64_at(48),
        flags: u32_at(56),
        resfd: u32_at(60) as i32,
    }
}

/// A local pointer found in process memory, qualified like `like`.
fn qualify_like(like: u64, p: u64) -> u64 {
    if p == 0 || p >> 48 != 0 { p } else { (like & !((1 << 48) - 1)) | p }
}

/// io_submit(ctx, nr, iocbpp): each request in turn, performed now; the count taken,
/// or the first one's error.
pub fn submit(v: &mut Vfs, env: &mut dyn Env, who: Who, s: [u64; 5]) -> Regs {
    let (id, n, arr) = (s[0], s[1] as i64, s[2]);
    if n < 0 {
        return fail(libc::EINVAL);
    }
    let Some(c) = v.ctx_of(who.pid, id) else { return fail(libc::EINVAL) };
    let n = (n as u64).min(c.ring).min(MAX_SUBMIT);
    let mut done = 0u64;
    let mut first_err = 0i32;
    for i in 0..n {
        let mut p = [0u8; 8];
        env.read(arr + i * 8, &mut p)?;
        let iocbp = qualify_like(arr, u64::from_le_bytes(p));
        match submit_one(v, env, who, id, iocbp)? {
            Ok(()) => done += 1,
            Err(e) => {
                first_err = e;
                break;
            }
        }
    }
    val(if done > 0 || first_err == 0 { done } else { err(first_err) })
}

/// io_submit_one and __io_submit_one: the checks in Linux's order, then the request.
fn submit_one(v: &mut Vfs, env: &mut dyn Env, who: Who, id: u64, iocbp: u64) -> Result<Result<(), i32>, machine::Fault> {
    let mut b = [0u8; 64];
    if iocbp == 0 {
        return Ok(Err(libc::EFAULT));
    }
    env.read(iocbp, &mut b)?;
    let cb = parse(&b);
    if cb.reserved2 != 0 || (cb.nbytes as i64) < 0 {
        return Ok(Err(libc::EINVAL));
    }
    // A free slot of the ring: completions not yet taken hold theirs.
    if v.ctx_of(who.pid, id).is_none_or(|c| c.events.len() as u64 + 1 >= c.ring) {
        return Ok(Err(libc::EAGAIN));
    }
    let Some(file) = v.file_of(who.pid, cb.fd) else { return Ok(Err(libc::EBADF)) };
    let resfd = if cb.flags & IOCB_FLAG_RESFD != 0 {
        match v.file_of(who.pid, cb.resfd) {
            None => return Ok(Err(libc::EBADF)),
            Some(r) if !matches!(v.files.get(&r).map(|f| &f.backend), Some(Backend::Event(_))) => return Ok(Err(libc::EINVAL)),
            Some(r) => Some(r),
        }
    } else {
        None
    };
    // aio_key := KIOCB_KEY (0).
    env.write(iocbp + 8, &0u32.to_le_bytes())?;
    let (acc, is_dir) = match v.files.get(&file) {
        Some(f) => (f.flags & super::abi::o::ACCMODE, matches!(f.backend, Backend::Dir(_))),
        None => return Ok(Err(libc::EBADF)),
    };
    let res: i64 = match cb.opcode {
        cmd::PREAD | cmd::PWRITE | cmd::PREADV | cmd::PWRITEV => {
            let write = matches!(cb.opcode, cmd::PWRITE | cmd::PWRITEV);
            if cb.flags & IOCB_FLAG_IOPRIO != 0 && cb.rw_flags & !RWF_SUPPORTED != 0 {
                return Ok(Err(libc::EINVAL));
            }
            if cb.rw_flags & !RWF_SUPPORTED != 0 {
                return Ok(Err(libc::EOPNOTSUPP));
            }
            let can = if write { acc != super::abi::o::RDONLY } else { acc != super::abi::o::WRONLY };
            if !can || v.files.get(&file).is_some_and(|f| f.flags & super::abi::o::PATH != 0) {
                return Ok(Err(libc::EBADF));
            }
            if is_dir {
                return Ok(Err(libc::EINVAL));
            }
            // The segments: one buffer, or an iovec array of nbytes entries.
            let segs: Vec<(u64, u64)> = if matches!(cb.opcode, cmd::PREAD | cmd::PWRITE) {
                vec![(qualify_like(iocbp, cb.buf), cb.nbytes.min(super::io::MAX_IO as u64))]
            } else {
                if cb.nbytes > super::net::UIO_MAXIOV {
                    return Ok(Err(libc::EINVAL));
                }
                let iov = qualify_like(iocbp, cb.buf);
                let mut raw = vec![0u8; cb.nbytes as usize * 16];
                env.read(iov, &mut raw)?;
                let mut segs = Vec::new();
                for i in 0..cb.nbytes as usize {
                    let base = u64::from_le_bytes(raw[i * 16..i * 16 + 8].try_into().unwrap_or_default());
                    let len = u64::from_le_bytes(raw[i * 16 + 8..i * 16 + 16].try_into().unwrap_or_default());
                    if (len as i64) < 0 {
                        return Ok(Err(libc::EINVAL));
                    }
                    segs.push((qualify_like(iov, base), len));
                }
                segs
            };
            let seekable = v.files.get(&file).is_some_and(|f| super::io::seekable(&f.backend));
            if seekable && cb.offset < 0 {
                return Ok(Err(libc::EINVAL));
            }
            transfer(v, env, who, file, write, seekable.then_some(cb.offset as u64), &segs)?
        }
        cmd::FSYNC | cmd::FDSYNC => {
            if cb.buf != 0 || cb.offset != 0 || cb.nbytes != 0 || cb.rw_flags != 0 {
                return Ok(Err(libc::EINVAL));
            }
            match v.files.get(&file).map(|f| &f.backend) {
                Some(Backend::Host(h)) => match if cb.opcode == cmd::FSYNC { h.sync_all() } else { h.sync_data() } {
                    Ok(()) => 0,
                    Err(e) => -(e.raw_os_error().unwrap_or(libc::EIO) as i64),
                },
                Some(Backend::Dir(_)) => 0,
                _ => return Ok(Err(libc::EINVAL)),
            }
        }
        _ => return Ok(Err(libc::EINVAL)),
    };
    let ev = Event { data: cb.data, obj: iocbp & ((1 << 48) - 1), res, res2: 0 };
    if let Some(c) = v.ctx_of(who.pid, id) {
        c.events.push_back(ev);
    }
    if let Some(r) = resfd {
        if let Some(super::OpenFile { backend: Backend::Event(e), .. }) = v.files.get_mut(&r) {
            e.count = e.count.saturating_add(1).min(u64::MAX - 1);
            e.generation += 1;
        }
    }
    Ok(Ok(()))
}

/// A read or write of the segments, as one request: the bytes moved, or -errno if
/// none moved. One that would wait (a pipe, a socket) completes with -EAGAIN.
fn transfer(v: &mut Vfs, env: &mut dyn Env, who: Who, file: u64, write: bool, mut at: Option<u64>, segs: &[(u64, u64)]) -> Result<i64, machine::Fault> {
    let mut total = 0i64;
    for &(p, len) in segs {
        if len == 0 {
            continue;
        }
        let r = if write {
            let mut data = vec![0u8; len as usize];
            env.read(p, &mut data)?;
            v.write_slice(env, who, file, &data, at)
        } else {
            match v.read_vec(env, who, file, len as usize, at) {
                Ok(d) => {
                    env.write(p, &d)?;
                    Ok(d.len())
                }
                Err(e) => Err(e),
            }
        };
        match r {
            Ok(n) => {
                total += n as i64;
                at = at.map(|a| a + n as u64);
                if (n as u64) < len {
                    break;
                }
            }
            Err(Stop::Fault(f)) => return Err(f),
            Err(e) if total == 0 => {
                return Ok(match e {
                    Stop::Err(e) => -(e as i64),
                    _ => -(libc::EAGAIN as i64),
                });
            }
            Err(_) => break,
        }
    }
    Ok(total)
}

/// io_cancel(ctx, iocb, result): every request completed when it was submitted, so
/// none can be cancelled: EINVAL after Linux's checks (the context, the iocb's key).
pub fn cancel(v: &mut Vfs, env: &mut dyn Env, who: Who, s: [u64; 5]) -> Regs {
    if v.ctx_of(who.pid, s[0]).is_none() {
        return fail(libc::EINVAL);
    }
    let mut key = [0u8; 4];
    env.read(s[1] + 8, &mut key)?;
    fail(libc::EINVAL)
}

/// io_getevents(ctx, min_nr, nr, events, timeout) and io_pgetevents(..., usig) (the
/// two counts packed in s[1] as i32 halves, see `lends::qualify`).
pub fn getevents(v: &mut Vfs, env: &mut dyn Env, who: Who, n: u64, s: [u64; 5]) -> Regs {
    let id = s[0];
    let (min_nr, max, events, tsp, usig) = if n == nr::IO_PGETEVENTS {
        (s[1] as u32 as i32 as i64, (s[1] >> 32) as u32 as i32 as i64, s[2], s[3], s[4])
    } else {
        (s[1] as i64, s[2] as i64, s[3], s[4], 0)
    };
    if who.wake.is_none() {
        v.aio.got.remove(&who.tid);
    }
    let ns = match timeout(env, tsp)? {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    let mut mask = None;
    if usig != 0 {
        let mut b = [0u8; 16];
        env.read(usig, &mut b)?;
        let (p, size) = (u64::from_le_bytes(b[..8].try_into().unwrap_or_default()), u64::from_le_bytes(b[8..].try_into().unwrap_or_default()));
        mask = match sigmask(env, qualify_like(usig, p), size)? {
            Ok(m) => m,
            Err(e) => return fail(e),
        };
    }
    if v.ctx_of(who.pid, id).is_none() || min_nr < 0 || min_nr > max {
        return fail(libc::EINVAL);
    }
    start_timeout(v, who, ns);
    // Take what is there (up to max), after what an earlier try of this call took.
    let mut got = v.aio.got.get(&who.tid).copied().unwrap_or(0);
    while (got as i64) < max {
        let Some(e) = v.ctx_of(who.pid, id).and_then(|c| c.events.pop_front()) else { break };
        let mut b = [0u8; 32];
        b[0..8].copy_from_slice(&e.data.to_le_bytes());
        b[8..16].copy_from_slice(&e.obj.to_le_bytes());
        b[16..24].copy_from_slice(&e.res.to_le_bytes());
        b[24..32].copy_from_slice(&e.res2.to_le_bytes());
        if let Err(f) = env.write(events + got * EVENT_SIZE, &b) {
            if let Some(c) = v.ctx_of(who.pid, id) {
                c.events.push_front(e);
            }
            return if got > 0 { val(got) } else { Err(f) };
        }
        got += 1;
    }
    let finish = |v: &mut Vfs, env: &mut dyn Env, r: u64| {
        v.aio.got.remove(&who.tid);
        v.waits.restore_mask(env, who);
        val(r)
    };
    if got as i64 >= min_nr || ns == Some(0) || v.waits.expired(who) {
        return finish(v, env, got);
    }
    if let Some(m) = mask {
        v.waits.set_mask(env, who, m);
    }
    if v.waits.signal_pending(env, who) {
        return finish(v, env, if got > 0 { got } else { err(libc::EINTR) });
    }
    v.aio.got.insert(who.tid, got);
    Ok(v.waits.block(env, who, &WaitSet::default()))
}
