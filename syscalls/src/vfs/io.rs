//! Data syscalls: read, write (and their positioned forms), lseek, sendfile,
//! copy_file_range, ioctl, fallocate, and the mmap support ops of mm.
//!
//! Every backend but the console produces or consumes bytes here (`read_vec`,
//! `write_slice`); the console's bytes go straight between the process's memory and the
//! tty driver, lent on, never copied by the vfs.

use super::abi::{self, o};
use super::fs::tri;
use super::wait::{WaitSet, Who};
use super::{Backend, OpenFile, Regs, Vfs, eventfd, fail, host, io_errno, net, pipe, timerfd, val};
use crate::sched::Wake;
use crate::service::{Env, Lend, ServiceId, call_errno, err};
use crate::tty;
use machine::{Fault, addr};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::FileExt;

/// The most a single call moves (larger requests complete partially, as Linux's do
/// past 2 GiB; the bound keeps host buffers small).
pub const MAX_IO: usize = 1 << 24;

/// Why a transfer did not complete.
pub enum Stop {
    /// A negated-errno-worthy error.
    Err(i32),
    /// The call must wait: these are its registers.
    Block([u64; 2]),
    /// The service faulted touching guest memory.
    Fault(Fault),
}

impl From<Fault> for Stop {
    fn from(f: Fault) -> Stop {
        Stop::Fault(f)
    }
}

/// Turns a stopped transfer into the call's registers.
fn stop_regs(s: Stop) -> Regs {
    match s {
        Stop::Err(e) => fail(e),
        Stop::Block(r) => Ok(r),
        Stop::Fault(f) => Err(f),
    }
}

/// Whether a blocking write to this backend moves all its bytes before returning
/// (pipes and stream sockets do; everything else returns what it took).
fn writes_all(v: &Vfs, b: &Backend) -> bool {
    match b {
        Backend::PipeWrite(_) => true,
        Backend::Unix(s) => v.unix.is_stream(*s),
        Backend::Inet(i) => i.stream,
        _ => false,
    }
}

/// Whether reads at an offset make sense for this backend.
fn seekable(b: &Backend) -> bool {
    matches!(b, Backend::Host(_) | Backend::Text(_) | Backend::Comm(..) | Backend::Null | Backend::Zero | Backend::Full | Backend::Random)
}

impl Vfs {
    /// The caller's RLIMIT_FSIZE (u64::MAX: none), asked of proc, which owns it.
    pub(super) fn fsize_limit(&self, env: &mut dyn Env, who: Who) -> u64 {
        match env.call(ServiceId::Proc, crate::proc::op::RLIMIT, [who.word, libc::RLIMIT_FSIZE as u64, 0, 0, 0, 0], &[]) {
            Ok([soft, _]) => soft,
            Err(_) => u64::MAX,
        }
    }

    /// (dev, ino) of open file `id` if it is a host file mm maps.
    pub(super) fn mapped_inode(&self, id: u64) -> Option<(u64, u64)> {
        if self.mapped.is_empty() {
            return None;
        }
        let Some(Backend::Host(h)) = self.files.get(&id).map(|f| &f.backend) else { return None };
        use std::os::unix::fs::MetadataExt;
        let m = h.metadata().ok()?;
        let k = (m.dev(), m.ino());
        self.mapped.contains(&k).then_some(k)
    }

    /// Tells mm that `len` bytes at file offset `off` of inode `k` changed (their new
    /// contents lent at `ptr`), or with `ptr` 0 that the file's size is now `off`.
    pub(super) fn report_change(&mut self, env: &mut dyn Env, who: Who, k: (u64, u64), off: u64, ptr: u64, len: u64) {
        let lends = if ptr != 0 && len > 0 { vec![Lend::read(ptr, len)] } else { Vec::new() };
        match env.call(ServiceId::Mm, crate::mm::op::FILE_CHANGED, [who.word, k.0, k.1, off, ptr, len], &lends) {
            Ok([1, _]) => {}
            // mm no longer caches it (or cannot be asked): stop reporting.
            _ => {
                self.mapped.remove(&k);
            }
        }
    }

    /// Reports bytes the vfs holds itself (sendfile, copy_file_range) through its
    /// scratch area, when the board mapped one.
    pub(super) fn report_bytes(&mut self, env: &mut dyn Env, who: Who, id: u64, off: u64, data: &[u8]) {
        let Some(k) = self.mapped_inode(id) else { return };
        let me = env.me();
        let scratch = addr::qualified(me, super::SCRATCH);
        for (i, chunk) in data.chunks(super::SCRATCH_SIZE as usize).enumerate() {
            if env.write(scratch, chunk).is_err() {
                // No scratch: tell mm the file changed size, which drops what it cached.
                let size = self.files.get(&id).and_then(|f| if let Backend::Host(h) = &f.backend { h.metadata().ok() } else { None }).map_or(0, |m| m.len());
                self.report_change(env, who, k, size, 0, 0);
                return;
            }
            self.report_change(env, who, k, off + (i * super::SCRATCH_SIZE as usize) as u64, scratch, chunk.len() as u64);
        }
    }

    /// Up to `len` bytes from open file `id` (at `at`, or the file offset).
    pub(super) fn read_vec(&mut self, env: &mut dyn Env, who: Who, id: u64, len: usize, at: Option<u64>) -> Result<Vec<u8>, Stop> {
        let Some(f) = self.files.get_mut(&id) else { return Err(Stop::Err(libc::EBADF)) };
        let nonblock = f.flags & o::NONBLOCK != 0;
        match &mut f.backend {
            Backend::Host(h) => {
                let mut v = vec![0u8; len];
                let r = match at {
                    Some(off) => h.read_at(&mut v, off),
                    None => h.read(&mut v),
                };
                match r {
                    Ok(n) => {
                        v.truncate(n);
                        Ok(v)
                    }
                    // A host device or fifo with nothing yet (host fds are nonblocking).
                    Err(e) if e.raw_os_error() == Some(libc::EAGAIN) && !nonblock => {
                        let fd = h.as_raw_fd();
                        let mut set = WaitSet::default();
                        set.host(fd, libc::POLLIN);
                        Err(Stop::Block(self.waits.block(env, who, &set)))
                    }
                    Err(e) => Err(Stop::Err(e.raw_os_error().unwrap_or(libc::EIO))),
                }
            }
            Backend::Dir(_) => Err(Stop::Err(libc::EISDIR)),
            Backend::Console(_) | Backend::PipeWrite(_) => Err(Stop::Err(libc::EINVAL)),
            Backend::PipeRead(p) => {
                let p = *p;
                pipe::read(self, env, p, len, nonblock)
            }
            Backend::Null => Ok(Vec::new()),
            Backend::Zero | Backend::Full => Ok(vec![0u8; len]),
            Backend::Random => Ok(self.random_bytes(len)),
            Backend::Text(t) => {
                let off = at.unwrap_or(f.offset) as usize;
                let v = t.get(off..).map(|s| s[..s.len().min(len)].to_vec()).unwrap_or_default();
                if at.is_none() {
                    f.offset += v.len() as u64;
                }
                Ok(v)
            }
            Backend::Comm(p, t) => {
                let (p, t, off) = (*p, *t, at.unwrap_or(f.offset));
                let v = self.comm_read(env, p, t, off, len);
                if at.is_none() {
                    if let Some(f) = self.files.get_mut(&id) {
                        f.offset += v.len() as u64;
                    }
                }
                Ok(v)
            }
            Backend::Event(_) => eventfd::read(self, env, who, id, len),
            Backend::Timer(_) => timerfd::read(self, env, who, id, len),
            Backend::Epoll(_) => Err(Stop::Err(libc::EINVAL)),
            Backend::Unix(_) | Backend::Inet(_) => net::recv_vec(self, env, who, id, len, 0).map(|(d, _)| d),
        }
    }

    /// Writes `data` to open file `id` (at `at`, or the file offset); returns how many
    /// bytes it took (maybe fewer), or why it took none.
    pub(super) fn write_slice(&mut self, env: &mut dyn Env, who: Who, id: u64, data: &[u8], at: Option<u64>) -> Result<usize, Stop> {
        let Some(f) = self.files.get_mut(&id) else { return Err(Stop::Err(libc::EBADF)) };
        let nonblock = f.flags & o::NONBLOCK != 0;
        match &mut f.backend {
            Backend::Host(h) => {
                let r = match at {
                    Some(off) => h.write_at(data, off),
                    None => h.write(data),
                };
                match r {
                    Ok(n) => Ok(n),
                    Err(e) if e.raw_os_error() == Some(libc::EAGAIN) && !nonblock => {
                        let fd = h.as_raw_fd();
                        let mut set = WaitSet::default();
                        set.host(fd, libc::POLLOUT);
                        Err(Stop::Block(self.waits.block(env, who, &set)))
                    }
                    Err(e) => Err(Stop::Err(e.raw_os_error().unwrap_or(libc::EIO))),
                }
            }
            Backend::Null | Backend::Zero | Backend::Random => Ok(data.len()),
            Backend::Full => Err(Stop::Err(libc::ENOSPC)),
            Backend::Dir(_) => Err(Stop::Err(libc::EISDIR)),
            Backend::Text(_) | Backend::PipeRead(_) | Backend::Console(_) => Err(Stop::Err(libc::EINVAL)),
            Backend::PipeWrite(p) => {
                let p = *p;
                pipe::write(self, env, p, data, nonblock)
            }
            Backend::Comm(p, t) => {
                let (p, t) = (*p, *t);
                self.comm_write(env, who, p, t, data).map_err(Stop::Err)
            }
            Backend::Event(_) => eventfd::write(self, env, who, id, data),
            Backend::Timer(_) | Backend::Epoll(_) => Err(Stop::Err(libc::EINVAL)),
            Backend::Unix(_) | Backend::Inet(_) => net::send_slice(self, env, who, id, data, 0, None),
        }
    }
}

/// read(fd, buf, len) and pread64(fd, buf, len, off).
pub fn read(v: &mut Vfs, env: &mut dyn Env, who: Who, fd: i32, buf: u64, len: u64, at: Option<u64>) -> Regs {
    let (id, f) = tri!(v.get(who.pid, fd));
    if f.flags & o::PATH != 0 || f.flags & o::ACCMODE == o::WRONLY {
        return fail(libc::EBADF);
    }
    if at.is_some() && !seekable(&f.backend) {
        return fail(libc::ESPIPE);
    }
    if at.is_some_and(|a| (a as i64) < 0) {
        return fail(libc::EINVAL);
    }
    let len = (len as usize).min(MAX_IO);
    // Nothing asked, nothing to wait for (what says EINVAL or EISDIR still does).
    if len == 0 && !matches!(f.backend, Backend::Dir(_) | Backend::Event(_) | Backend::Timer(_) | Backend::Epoll(_)) {
        return val(0);
    }
    if let Backend::Console(hfd) = f.backend {
        let nonblock = f.flags & o::NONBLOCK != 0;
        return Ok(match env.call(ServiceId::Tty, tty::op::READ, [0, hfd as u64, buf, len as u64, nonblock as u64, 0], &[Lend::write(buf, len as u64)]) {
            Ok(r) => r,
            Err(e) => [call_errno(&e), 0],
        });
    }
    match v.read_vec(env, who, id, len, at) {
        Ok(data) => {
            env.write(buf, &data)?;
            val(data.len() as u64)
        }
        Err(s) => stop_regs(s),
    }
}

/// write(fd, buf, len) and pwrite64(fd, buf, len, off).
pub fn write(v: &mut Vfs, env: &mut dyn Env, who: Who, fd: i32, buf: u64, len: u64, at: Option<u64>) -> Regs {
    let (_, f) = tri!(v.get(who.pid, fd));
    if let Backend::Console(hfd) = f.backend {
        if f.flags & o::PATH != 0 || at.is_some() {
            return fail(if at.is_some() { libc::ESPIPE } else { libc::EBADF });
        }
        let hfd = if hfd == 0 { 1 } else { hfd };
        let len = len.min(MAX_IO as u64);
        // The second delegation: the same bytes, lent on to the console driver.
        return Ok(match env.call(ServiceId::Tty, tty::op::WRITE, [0, hfd as u64, buf, len, 0, 0], &[Lend::read(buf, len)]) {
            Ok(r) => r,
            Err(e) => [call_errno(&e), 0],
        });
    }
    if f.flags & o::PATH != 0 || f.flags & o::ACCMODE == o::RDONLY {
        return fail(libc::EBADF);
    }
    let mut data = vec![0u8; (len as usize).min(MAX_IO)];
    env.read(buf, &mut data)?;
    write_bytes(v, env, who, fd, &data, at, Some(buf))
}

/// Writes `data` (the whole buffer of the call; `guest` is where it is in the process,
/// if it is there as one piece) to `fd`. A blocking write to a pipe or stream socket
/// moves every byte before it returns, waiting as often as it must (the count so far
/// is kept across the retries), unless a signal comes first.
fn write_bytes(v: &mut Vfs, env: &mut dyn Env, who: Who, fd: i32, data: &[u8], at: Option<u64>, guest: Option<u64>) -> Regs {
    let (id, f) = tri!(v.get(who.pid, fd));
    if f.flags & o::PATH != 0 || f.flags & o::ACCMODE == o::RDONLY {
        return fail(libc::EBADF);
    }
    if at.is_some() && !seekable(&f.backend) {
        return fail(libc::ESPIPE);
    }
    if at.is_some_and(|a| (a as i64) < 0) {
        return fail(libc::EINVAL);
    }
    let all = writes_all(v, &f.backend) && f.flags & o::NONBLOCK == 0;
    let append = f.flags & o::APPEND != 0;
    let host_fd = match &f.backend {
        Backend::Host(h) if host::is_regular(h.as_raw_fd()) => Some(h.as_raw_fd()),
        _ => None,
    };
    let done = (v.waits.retry(who).progress as usize).min(data.len());
    if done > 0 && who.wake == Some(Wake::Signal) {
        return val(done as u64);
    }
    let mut data = data;
    if let Some(hfd) = host_fd {
        // RLIMIT_FSIZE: nothing at or past the limit, a write crossing it is short.
        let limit = v.fsize_limit(env, who);
        if limit != u64::MAX {
            let pos = match at {
                Some(a) => a,
                None if append => host::fstat(hfd).map_or(0, |m| m.size),
                None => nix::unistd::lseek(hfd, 0, nix::unistd::Whence::SeekCur).unwrap_or(0) as u64,
            };
            if pos >= limit && !data.is_empty() {
                return fail(libc::EFBIG);
            }
            data = &data[..data.len().min((limit.saturating_sub(pos)) as usize)];
        }
    }
    let mut off = done;
    loop {
        let pos = at.map(|a| a + off as u64);
        match v.write_slice(env, who, id, &data[off.min(data.len())..], pos) {
            Ok(n) => {
                let n = n.min(data.len() - off.min(data.len()));
                if host_fd.is_some() && n > 0 && v.mapped_inode(id).is_some() {
                    let landed = match pos {
                        Some(p) => p,
                        None => lseek(v, who.pid, fd, 0, libc::SEEK_CUR).saturating_sub(n as u64),
                    };
                    match guest {
                        Some(g) => {
                            if let Some(k) = v.mapped_inode(id) {
                                v.report_change(env, who, k, landed, g.wrapping_add(off as u64), n as u64);
                            }
                        }
                        None => v.report_bytes(env, who, id, landed, &data[off..off + n]),
                    }
                }
                off += n;
                if off >= data.len() || !all || n == 0 {
                    return val(off as u64);
                }
            }
            Err(Stop::Block(r)) => {
                if off > 0 {
                    if v.waits.signal_pending(env, who) {
                        return val(off as u64);
                    }
                    v.waits.retry(who).progress = off as u64;
                }
                return Ok(r);
            }
            Err(Stop::Err(e)) => return val(if off > 0 { off as u64 } else { err(e) }),
            Err(Stop::Fault(f)) => return Err(f),
        }
    }
}

/// lseek(fd, off, whence).
pub fn lseek(v: &mut Vfs, pid: u32, fd: i32, off: i64, whence: i32) -> u64 {
    let Some(id) = v.file_of(pid, fd) else { return err(libc::EBADF) };
    let Some(f) = v.files.get_mut(&id) else { return err(libc::EBADF) };
    let newpos = |base: i64| -> u64 {
        match base.checked_add(off) {
            Some(p) if p >= 0 => p as u64,
            Some(_) => err(libc::EINVAL),
            None => err(libc::EOVERFLOW),
        }
    };
    match &mut f.backend {
        Backend::Host(h) => {
            const SEEK_DATA: i32 = 3;
            const SEEK_HOLE: i32 = 4;
            let pos = match whence {
                libc::SEEK_SET if off >= 0 => SeekFrom::Start(off as u64),
                libc::SEEK_SET => return err(libc::EINVAL),
                libc::SEEK_CUR => SeekFrom::Current(off),
                libc::SEEK_END => SeekFrom::End(off),
                SEEK_DATA | SEEK_HOLE => {
                    let w = if whence == SEEK_DATA { nix::unistd::Whence::SeekData } else { nix::unistd::Whence::SeekHole };
                    return match nix::unistd::lseek(h.as_raw_fd(), off, w) {
                        Ok(p) => p as u64,
                        Err(e) => err(e as i32),
                    };
                }
                _ => return err(libc::EINVAL),
            };
            match h.seek(pos) {
                Ok(p) => p,
                Err(e) => io_errno(&e),
            }
        }
        Backend::Text(t) => {
            let base = match whence {
                libc::SEEK_SET => 0,
                libc::SEEK_CUR => f.offset as i64,
                libc::SEEK_END => t.len() as i64,
                _ => return err(libc::EINVAL),
            };
            let p = newpos(base);
            if !crate::service::is_err(p) {
                f.offset = p;
            }
            p
        }
        Backend::Comm(..) => {
            let base = match whence {
                libc::SEEK_SET => 0,
                libc::SEEK_CUR => f.offset as i64,
                _ => return err(libc::EINVAL),
            };
            let p = newpos(base);
            if !crate::service::is_err(p) {
                f.offset = p;
            }
            p
        }
        Backend::Dir(d) => {
            // Directory offsets are entry indices (what getdents64 puts in d_off).
            let base = match whence {
                libc::SEEK_SET => 0,
                libc::SEEK_CUR => d.pos as i64,
                libc::SEEK_END => return err(libc::EINVAL),
                _ => return err(libc::EINVAL),
            };
            let p = newpos(base);
            if !crate::service::is_err(p) {
                d.pos = p as usize;
                if p == 0 {
                    // rewinddir: see entries created since the open.
                    d.entries = None;
                }
            }
            p
        }
        Backend::Console(h) => {
            // stdin redirected from a file is seekable, as it is on Linux.
            let w = match whence {
                libc::SEEK_SET => nix::unistd::Whence::SeekSet,
                libc::SEEK_CUR => nix::unistd::Whence::SeekCur,
                libc::SEEK_END => nix::unistd::Whence::SeekEnd,
                _ => return err(libc::EINVAL),
            };
            match nix::unistd::lseek(*h, off, w) {
                Ok(p) => p as u64,
                Err(e) => err(e as i32),
            }
        }
        Backend::Null | Backend::Zero | Backend::Full | Backend::Random => 0,
        _ => err(libc::ESPIPE),
    }
}

/// sendfile(out_fd, in_fd, offset*, count).
pub fn sendfile(v: &mut Vfs, env: &mut dyn Env, who: Who, s: [u64; 5]) -> Regs {
    let (out_fd, in_fd, offp, count) = (s[0] as i32, s[1] as i32, s[2], s[3]);
    let (in_id, fin) = tri!(v.get(who.pid, in_fd));
    if fin.flags & o::ACCMODE == o::WRONLY || fin.flags & o::PATH != 0 {
        return fail(libc::EBADF);
    }
    if !seekable(&fin.backend) {
        return fail(libc::EINVAL);
    }
    let (out_id, fout) = tri!(v.get(who.pid, out_fd));
    if fout.flags & o::ACCMODE == o::RDONLY && !matches!(fout.backend, Backend::Console(_)) {
        return fail(libc::EBADF);
    }
    if fout.flags & o::APPEND != 0 && matches!(fout.backend, Backend::Host(_)) {
        return fail(libc::EINVAL);
    }
    let at = if offp != 0 {
        let mut b = [0u8; 8];
        env.read(offp, &mut b)?;
        let off = u64::from_le_bytes(b);
        if (off as i64) < 0 {
            return fail(libc::EINVAL);
        }
        Some(off)
    } else {
        None
    };
    let len = (count as usize).min(MAX_IO);
    // Read what is there, write what the output takes, and put back (by offset) what
    // it did not.
    let start = match at {
        Some(a) => a,
        None => lseek(v, who.pid, in_fd, 0, libc::SEEK_CUR),
    };
    let data = match v.read_vec(env, who, in_id, len, Some(start)) {
        Ok(d) => d,
        Err(st) => return stop_regs(st),
    };
    let n = if data.is_empty() {
        0
    } else {
        match write_out(v, env, who, out_id, &data) {
            Ok(n) => n,
            Err(st) => return stop_regs(st),
        }
    };
    if n > 0 && v.mapped_inode(out_id).is_some() {
        let landed = lseek(v, who.pid, out_fd, 0, libc::SEEK_CUR).saturating_sub(n as u64);
        v.report_bytes(env, who, out_id, landed, &data[..n]);
    }
    match at {
        Some(a) => env.write(offp, &(a + n as u64).to_le_bytes())?,
        None => {
            lseek(v, who.pid, in_fd, (start + n as u64) as i64, libc::SEEK_SET);
        }
    }
    val(n as u64)
}

/// Writes bytes the vfs holds to `out`: the console needs them in lendable memory (the
/// vfs scratch area, when mapped; else straight to the host descriptor).
fn write_out(v: &mut Vfs, env: &mut dyn Env, who: Who, out: u64, data: &[u8]) -> Result<usize, Stop> {
    let console = match v.files.get(&out).map(|f| &f.backend) {
        Some(Backend::Console(h)) => Some(if *h == 0 { 1 } else { *h }),
        _ => None,
    };
    let Some(hfd) = console else { return v.write_slice(env, who, out, data, None) };
    let me = env.me();
    let scratch = addr::qualified(me, super::SCRATCH);
    let n = data.len().min(super::SCRATCH_SIZE as usize);
    if env.machine().mem.check_only(me, me, super::SCRATCH, n as u64, machine::Access::Write, scratch).is_ok() {
        env.write(scratch, &data[..n])?;
        return match env.call(ServiceId::Tty, tty::op::WRITE, [0, hfd as u64, scratch, n as u64, 0, 0], &[Lend::read(scratch, n as u64)]) {
            Ok([r, _]) if !crate::service::is_err(r) => Ok(r as usize),
            Ok([r, _]) => Err(Stop::Err(-(r as i64) as i32)),
            Err(e) => Err(Stop::Err(-(call_errno(&e) as i64) as i32)),
        };
    }
    // No scratch: the bytes go to the host descriptor directly (as tty would write them).
    let r = if hfd == 2 { nix::unistd::write(std::io::stderr(), &data[..n]) } else { nix::unistd::write(std::io::stdout(), &data[..n]) };
    r.map_err(|e| Stop::Err(e as i32))
}

/// copy_file_range(fd_in, off_in*, fd_out, off_out*, len, flags): the fds travel packed
/// in the first argument (in | out << 32), the rest follow.
pub fn copy_file_range(v: &mut Vfs, env: &mut dyn Env, who: Who, s: [u64; 5]) -> Regs {
    let (in_fd, out_fd) = (s[0] as u32 as i32, (s[0] >> 32) as u32 as i32);
    let (offin, offout, len, flags) = (s[1], s[2], s[3], s[4]);
    if flags != 0 {
        return fail(libc::EINVAL);
    }
    let (in_id, fin) = tri!(v.get(who.pid, in_fd));
    let (out_id, fout) = tri!(v.get(who.pid, out_fd));
    if fin.flags & o::ACCMODE == o::WRONLY || fout.flags & o::ACCMODE == o::RDONLY || fout.flags & o::APPEND != 0 {
        return fail(libc::EBADF);
    }
    if !matches!(fin.backend, Backend::Host(_)) || !matches!(fout.backend, Backend::Host(_)) {
        return fail(libc::EINVAL);
    }
    let rd = |env: &mut dyn Env, p: u64| -> Result<Option<u64>, Fault> {
        if p == 0 {
            return Ok(None);
        }
        let mut b = [0u8; 8];
        env.read(p, &mut b)?;
        Ok(Some(u64::from_le_bytes(b)))
    };
    let (ai, ao) = (rd(env, offin)?, rd(env, offout)?);
    if ai.is_some_and(|a| (a as i64) < 0) || ao.is_some_and(|a| (a as i64) < 0) {
        return fail(libc::EINVAL);
    }
    let si = ai.unwrap_or_else(|| lseek(v, who.pid, in_fd, 0, libc::SEEK_CUR));
    let so = ao.unwrap_or_else(|| lseek(v, who.pid, out_fd, 0, libc::SEEK_CUR));
    let data = match v.read_vec(env, who, in_id, (len as usize).min(MAX_IO), Some(si)) {
        Ok(d) => d,
        Err(st) => return stop_regs(st),
    };
    let n = match v.write_slice(env, who, out_id, &data, Some(so)) {
        Ok(n) => n as u64,
        Err(st) => return stop_regs(st),
    };
    v.report_bytes(env, who, out_id, so, &data[..n as usize]);
    match ai {
        Some(a) => env.write(offin, &(a + n).to_le_bytes())?,
        None => {
            lseek(v, who.pid, in_fd, (si + n) as i64, libc::SEEK_SET);
        }
    }
    match ao {
        Some(a) => env.write(offout, &(a + n).to_le_bytes())?,
        None => {
            lseek(v, who.pid, out_fd, (so + n) as i64, libc::SEEK_SET);
        }
    }
    val(n)
}

/// fallocate(fd, mode, off, len): mode 0 only (allocation = growing the file).
pub fn fallocate(v: &mut Vfs, env: &mut dyn Env, who: Who, s: [u64; 5]) -> Regs {
    let pid = who.pid;
    let (id, f) = tri!(v.get(pid, s[0] as i32));
    let (m, off, len) = (s[1] as i32, s[2] as i64, s[3] as i64);
    if off < 0 || len <= 0 {
        return fail(libc::EINVAL);
    }
    let Backend::Host(h) = &f.backend else { return fail(libc::ENODEV) };
    if f.flags & o::ACCMODE == o::RDONLY {
        return fail(libc::EBADF);
    }
    if m != 0 {
        return fail(libc::EOPNOTSUPP);
    }
    let end = (off as u64).saturating_add(len as u64);
    let grow = match h.metadata() {
        Ok(md) if md.len() >= end => false,
        Ok(_) => true,
        Err(e) => return val(io_errno(&e)),
    };
    if !grow {
        return val(0);
    }
    if end > v.fsize_limit(env, who) {
        return fail(libc::EFBIG);
    }
    let Some(Backend::Host(h)) = v.files.get(&id).map(|f| &f.backend) else { return fail(libc::EBADF) };
    if let Err(e) = h.set_len(end) {
        return val(io_errno(&e));
    }
    if let Some(k) = v.mapped_inode(id) {
        v.report_change(env, who, k, end, 0, 0);
    }
    val(0)
}

/// ioctl(fd, request, arg): the terminal requests on the console, FIONREAD, FIONBIO,
/// FIOCLEX/FIONCLEX.
pub fn ioctl(v: &mut Vfs, env: &mut dyn Env, who: Who, s: [u64; 5]) -> Regs {
    const TCGETS: u64 = 0x5401;
    const TCSETS: u64 = 0x5402;
    const TCSETSW: u64 = 0x5403;
    const TCSETSF: u64 = 0x5404;
    const TIOCGPGRP: u64 = 0x540f;
    const TIOCGWINSZ: u64 = 0x5413;
    const FIONREAD: u64 = 0x541b;
    const FIONBIO: u64 = 0x5421;
    const FIONCLEX: u64 = 0x5450;
    const FIOCLEX: u64 = 0x5451;
    let fd = s[0] as i32;
    let (id, f) = tri!(v.get(who.pid, fd));
    if f.flags & o::PATH != 0 {
        return fail(libc::EBADF);
    }
    let tty_fd = match f.backend {
        Backend::Console(h) if nix::unistd::isatty(h).unwrap_or(false) => Some(h),
        _ => None,
    };
    match s[1] as u32 as u64 {
        TCGETS => {
            let Some(h) = tty_fd else { return fail(libc::ENOTTY) };
            let t = match nix::sys::termios::tcgetattr(unsafe_borrow(h)) {
                Ok(t) => libc::termios::from(t),
                Err(e) => return fail(e as i32),
            };
            // The kernel's struct termios (asm-generic): four flag words, the line
            // discipline and 19 control characters.
            let mut b = [0u8; 36];
            abi::put(&mut b, 0, &t.c_iflag.to_le_bytes());
            abi::put(&mut b, 4, &t.c_oflag.to_le_bytes());
            abi::put(&mut b, 8, &t.c_cflag.to_le_bytes());
            abi::put(&mut b, 12, &t.c_lflag.to_le_bytes());
            b[16] = t.c_line;
            for i in 0..19 {
                b[17 + i] = t.c_cc[i];
            }
            env.write(s[2], &b)?;
            val(0)
        }
        // The guest may not reconfigure the host's terminal: accepted, not applied.
        TCSETS | TCSETSW | TCSETSF => val(if tty_fd.is_some() { 0 } else { err(libc::ENOTTY) }),
        TIOCGWINSZ => {
            let Some(h) = tty_fd else { return fail(libc::ENOTTY) };
            let mut ws = libc::winsize { ws_row: 24, ws_col: 80, ws_xpixel: 0, ws_ypixel: 0 };
            // SAFETY: TIOCGWINSZ writes one struct winsize.
            unsafe { libc::ioctl(h, libc::TIOCGWINSZ, &mut ws) };
            let mut b = [0u8; 8];
            abi::put(&mut b, 0, &ws.ws_row.to_le_bytes());
            abi::put(&mut b, 2, &ws.ws_col.to_le_bytes());
            abi::put(&mut b, 4, &ws.ws_xpixel.to_le_bytes());
            abi::put(&mut b, 6, &ws.ws_ypixel.to_le_bytes());
            env.write(s[2], &b)?;
            val(0)
        }
        TIOCGPGRP => {
            if tty_fd.is_none() {
                return fail(libc::ENOTTY);
            }
            env.write(s[2], &(who.pid as i32).to_le_bytes())?;
            val(0)
        }
        FIONREAD => {
            let n: i64 = match &f.backend {
                Backend::PipeRead(p) => v.pipes.get(p).map_or(0, |p| p.len() as i64),
                Backend::Unix(sk) => v.unix.readable_bytes(*sk) as i64,
                Backend::Inet(i) => tri!(super::host::pending_bytes(i.fd.as_raw_fd())) as i64,
                Backend::Console(h) => super::host::pending_bytes(*h).unwrap_or(0) as i64,
                Backend::Host(h) => {
                    let pos = h.stream_position_of();
                    h.metadata().map_or(0, |m| m.len() as i64 - pos)
                }
                _ => return fail(libc::ENOTTY),
            };
            env.write(s[2], &(n.clamp(0, i32::MAX as i64) as i32).to_le_bytes())?;
            val(0)
        }
        FIONBIO => {
            let mut b = [0u8; 4];
            env.read(s[2], &mut b)?;
            if let Some(f) = v.files.get_mut(&id) {
                if u32::from_le_bytes(b) != 0 {
                    f.flags |= o::NONBLOCK;
                } else {
                    f.flags &= !o::NONBLOCK;
                }
            }
            val(0)
        }
        FIOCLEX | FIONCLEX => {
            if let Some(e) = v.tables.get_mut(&who.pid).and_then(|t| t.fds.get_mut(&fd)) {
                e.1 = s[1] as u32 as u64 == FIOCLEX;
            }
            val(0)
        }
        _ => fail(libc::ENOTTY),
    }
}

/// The current offset of a host file, without needing it mutable.
trait StreamPos {
    fn stream_position_of(&self) -> i64;
}

impl StreamPos for std::fs::File {
    fn stream_position_of(&self) -> i64 {
        nix::unistd::lseek(self.as_raw_fd(), 0, nix::unistd::Whence::SeekCur).unwrap_or(0)
    }
}

/// A host descriptor the console owns, borrowed for one call.
fn unsafe_borrow(fd: i32) -> std::os::fd::BorrowedFd<'static> {
    // SAFETY: console descriptors (0, 1, 2) stay open for the emulator's lifetime.
    unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) }
}

/// The PREAD_FILL op: fills the lent range (buf, len) from fd at `off` (mmap of a file).
pub fn pread_fill(v: &mut Vfs, env: &mut dyn Env, pid: u32, fd: i32, buf: u64, len: u64, off: u64) -> Regs {
    let Some(id) = v.file_of(pid, fd) else { return fail(libc::EBADF) };
    // mm caches this file's pages from now on: report changes to it.
    if let Some(Backend::Host(h)) = v.files.get(&id).map(|f| &f.backend) {
        use std::os::unix::fs::MetadataExt;
        if let Ok(m) = h.metadata() {
            v.mapped.insert((m.dev(), m.ino()));
        }
    }
    let Some(f) = v.files.get_mut(&id) else { return fail(libc::EBADF) };
    let mut data = vec![0u8; (len as usize).min(1 << 30)];
    let got = match &mut f.backend {
        Backend::Host(h) => {
            let mut got = 0;
            while got < data.len() {
                match h.read_at(&mut data[got..], off + got as u64) {
                    Ok(0) => break,
                    Ok(n) => got += n,
                    Err(e) => return val(io_errno(&e)),
                }
            }
            got
        }
        // /dev/zero maps as zeros.
        Backend::Zero => data.len(),
        Backend::Text(t) => {
            let src = t.get(off as usize..).unwrap_or_default();
            let n = src.len().min(data.len());
            data[..n].copy_from_slice(&src[..n]);
            n
        }
        _ => return fail(libc::ENODEV),
    };
    env.write(buf, &data[..got])?;
    val(got as u64)
}

/// The PWRITE_FROM op: writes the lent range back to fd at `off` (msync, munmap of a
/// shared file mapping); only the part inside the file.
pub fn pwrite_from(v: &mut Vfs, env: &mut dyn Env, pid: u32, fd: i32, buf: u64, len: u64, off: u64) -> Regs {
    let Some(id) = v.file_of(pid, fd) else { return fail(libc::EBADF) };
    let mut data = vec![0u8; (len as usize).min(1 << 30)];
    env.read(buf, &mut data)?;
    let Some(OpenFile { backend: Backend::Host(h), .. }) = v.files.get_mut(&id) else { return fail(libc::ENODEV) };
    let size = h.metadata().map_or(0, |m| m.len());
    let n = size.saturating_sub(off).min(data.len() as u64) as usize;
    val(match h.write_at(&data[..n], off) {
        Ok(n) => n as u64,
        Err(e) => io_errno(&e),
    })
}

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
fn read_iov(env: &mut dyn Env, iov: u64, cnt: u64) -> Result<Result<Vec<(u64, u64)>, i32>, Fault> {
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
    if flags & !(rwf::HIPRI | rwf::DSYNC | rwf::SYNC | rwf::NOWAIT | rwf::APPEND | rwf::NOAPPEND) != 0 {
        return fail(libc::EOPNOTSUPP);
    }
    let iov = match read_iov(env, s[1], s[2])? {
        Ok(i) => i,
        Err(e) => return fail(e),
    };
    let (id, f) = tri!(v.get(who.pid, fd));
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
    if at.is_some() && !seekable(&f.backend) {
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
