//! Data syscalls: read, write (and their positioned forms), lseek, sendfile,
//! copy_file_range, fallocate.
//!
//! Every backend but the console produces or consumes bytes here (`read_vec`,
//! `write_slice`); the console's bytes go straight between the process's memory and the
//! tty driver, lent on, never copied by the vfs.

use super::abi::o;
use super::fs::tri;
use super::wait::{WaitSet, Who};
use super::state::Undo;
use super::loopdev::{self, Node};
use super::{Backend, Regs, Vfs, eventfd, fail, host, io_errno, net, pipe, timerfd, val};
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

/// The most one read, write or sendfile moves on Linux (INT_MAX rounded down to a page).
pub const MAX_RW_COUNT: u64 = 0x7fff_f000;

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
pub(super) fn stop_regs(s: Stop) -> Regs {
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
pub(super) fn seekable(b: &Backend) -> bool {
    matches!(b, Backend::Host(_) | Backend::Text(_) | Backend::Comm(..) | Backend::Proc(_) | Backend::Null | Backend::Zero | Backend::Full | Backend::Random | Backend::Block(Node::Loop(_)))
}

impl Vfs {
    /// The caller's RLIMIT_FSIZE (u64::MAX: none), asked of proc, which owns it.
    pub(super) fn fsize_limit(&self, env: &mut dyn Env, who: Who) -> u64 {
        match env.call(ServiceId::Proc, crate::proc::op::RLIMIT, [who.word, libc::RLIMIT_FSIZE as u64, 0, 0, 0, 0], &[]) {
            Ok([soft, _]) => soft,
            Err(_) => u64::MAX,
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
                        if at.is_none() {
                            // Journaled: a fault before the call returns moves the host
                            // offset back (`state.rs`).
                            self.journal.push(Undo::HostRead(id, n as u64));
                        }
                        Ok(v)
                    }
                    // A host device or fifo with nothing yet (host fds are nonblocking).
                    Err(e) if e.raw_os_error() == Some(libc::EAGAIN) && !nonblock => {
                        let fd = h.as_raw_fd();
                        let mut set = WaitSet { vfs: false, ..Default::default() };
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
            Backend::Proc(l) => {
                let (l, off) = (l.clone(), at.unwrap_or(f.offset));
                let v = self.live_read(env, who, &l, off, len).map_err(Stop::Err)?;
                if at.is_none() {
                    if let Some(f) = self.files.get_mut(&id) {
                        f.offset += v.len() as u64;
                    }
                }
                Ok(v)
            }
            Backend::Event(_) => eventfd::read(self, env, who, id, len),
            Backend::Timer(_) => timerfd::read(self, env, who, id, len),
            Backend::Inotify => super::inotify::read(self, env, who, id, len),
            Backend::Signal(_) => super::signalfd::read(self, env, who, id, len),
            Backend::Epoll(_) | Backend::Pidfd(_) => Err(Stop::Err(libc::EINVAL)),
            Backend::Mq(_) | Backend::Block(Node::Control) => Err(Stop::Err(libc::EINVAL)),
            Backend::Block(Node::Loop(i)) => {
                let (i, off) = (*i, at.unwrap_or(f.offset));
                let data = loopdev::read(self, i, off, len).map_err(Stop::Err)?;
                if at.is_none() {
                    if let Some(f) = self.files.get_mut(&id) {
                        f.offset += data.len() as u64;
                    }
                }
                Ok(data)
            }
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
                        let mut set = WaitSet { vfs: false, ..Default::default() };
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
            Backend::Proc(l) => {
                let (l, off) = (l.clone(), at.unwrap_or(f.offset));
                let n = self.live_write(env, who, &l, off, data).map_err(Stop::Err)?;
                if at.is_none() {
                    if let Some(f) = self.files.get_mut(&id) {
                        f.offset += n as u64;
                    }
                }
                Ok(n)
            }
            Backend::Event(_) => eventfd::write(self, env, who, id, data),
            Backend::Timer(_) | Backend::Epoll(_) | Backend::Inotify | Backend::Signal(_) | Backend::Pidfd(_) => Err(Stop::Err(libc::EINVAL)),
            Backend::Mq(_) | Backend::Block(Node::Control) => Err(Stop::Err(libc::EINVAL)),
            Backend::Block(Node::Loop(i)) => {
                let i = *i;
                // O_APPEND writes at the device's end: nothing fits there.
                let off = if f.flags & o::APPEND != 0 { loopdev::size(self, i) } else { at.unwrap_or(f.offset) };
                let n = loopdev::write(self, i, off, data).map_err(Stop::Err)?;
                if at.is_none() {
                    if let Some(f) = self.files.get_mut(&id) {
                        f.offset = off + n as u64;
                    }
                }
                Ok(n)
            }
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
    // A directory is positioned (pread on it is EISDIR, as read is).
    if at.is_some() && !seekable(&f.backend) && !matches!(f.backend, Backend::Dir(_)) {
        return fail(libc::ESPIPE);
    }
    if at.is_some_and(|a| (a as i64) < 0) {
        return fail(libc::EINVAL);
    }
    let len = (len as usize).min(MAX_IO);
    // Nothing asked, nothing to wait for (what says EINVAL or EISDIR still does).
    if len == 0 && !matches!(f.backend, Backend::Dir(_) | Backend::Event(_) | Backend::Timer(_) | Backend::Epoll(_) | Backend::Inotify | Backend::Signal(_)) {
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
pub(super) fn write_bytes(v: &mut Vfs, env: &mut dyn Env, who: Who, fd: i32, data: &[u8], at: Option<u64>, guest: Option<u64>) -> Regs {
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
    // A block device's end is its size (blkdev_llseek).
    let bsize = match v.files.get(&id).map(|f| &f.backend) {
        Some(Backend::Block(Node::Loop(i))) => loopdev::size(v, *i),
        _ => 0,
    };
    let Some(f) = v.files.get_mut(&id) else { return err(libc::EBADF) };
    // Linux refuses an unknown whence before asking the file (SEEK_MAX is SEEK_HOLE).
    if !(0..=4).contains(&whence) {
        return err(libc::EINVAL);
    }
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
        Backend::Comm(..) | Backend::Proc(_) => {
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
        // fixed_size_llseek: nowhere past the end; SEEK_DATA/SEEK_HOLE are EINVAL.
        Backend::Block(Node::Loop(_)) => {
            let pos = match whence {
                libc::SEEK_CUR if off == 0 => return f.offset,
                libc::SEEK_SET => off,
                libc::SEEK_CUR => (f.offset as i64).wrapping_add(off),
                libc::SEEK_END => (bsize as i64).wrapping_add(off),
                _ => return err(libc::EINVAL),
            };
            if pos < 0 || pos as u64 > bsize {
                return err(libc::EINVAL);
            }
            f.offset = pos as u64;
            f.offset
        }
        // /dev/loop-control: noop_llseek, the position stays.
        Backend::Block(Node::Control) => f.offset,
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
    // Up to Linux's MAX_RW_COUNT in one call, moved MAX_IO bytes at a time (host
    // buffers stay small) for as long as the input gives and the output takes whole
    // chunks.
    let mut left = count.min(MAX_RW_COUNT) as usize;
    let start = match at {
        Some(a) => a,
        None => lseek(v, who.pid, in_fd, 0, libc::SEEK_CUR),
    };
    let mut done = 0usize;
    while left > 0 {
        let want = left.min(MAX_IO);
        let pos = start + done as u64;
        // Read what is there, write what the output takes, and put back (by offset)
        // what it did not.
        let data = match v.read_vec(env, who, in_id, want, Some(pos)) {
            Ok(d) => d,
            Err(_) if done > 0 => break,
            Err(st) => return stop_regs(st),
        };
        let n = if data.is_empty() {
            0
        } else {
            match write_out(v, env, who, out_id, &data) {
                Ok(n) => n,
                Err(_) if done > 0 => break,
                Err(st) => return stop_regs(st),
            }
        };
        if n > 0 && v.mapped_inode(out_id).is_some() {
            let landed = lseek(v, who.pid, out_fd, 0, libc::SEEK_CUR).saturating_sub(n as u64);
            v.report_bytes(env, who, out_id, landed, &data[..n]);
        }
        done += n;
        left -= n;
        if n < want {
            break;
        }
    }
    match at {
        Some(a) => env.write(offp, &(a + done as u64).to_le_bytes())?,
        None => {
            lseek(v, who.pid, in_fd, (start + done as u64) as i64, libc::SEEK_SET);
        }
    }
    val(done as u64)
}

/// Writes bytes the vfs holds to `out`: the console needs them in lendable memory (the
/// vfs scratch area, when mapped; else straight to the host descriptor).
pub(super) fn write_out(v: &mut Vfs, env: &mut dyn Env, who: Who, out: u64, data: &[u8]) -> Result<usize, Stop> {
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
    const KEEP_SIZE: i32 = 1;
    const PUNCH_HOLE: i32 = 2;
    const COLLAPSE_RANGE: i32 = 8;
    const ZERO_RANGE: i32 = 0x10;
    const INSERT_RANGE: i32 = 0x20;
    const UNSHARE_RANGE: i32 = 0x40;
    let (m, off, len) = (s[1] as i32, s[2] as i64, s[3] as i64);
    // vfs_fallocate's checks, in its order, before the host's file system has a say.
    if off < 0 || len <= 0 {
        return fail(libc::EINVAL);
    }
    if m & !(KEEP_SIZE | PUNCH_HOLE | COLLAPSE_RANGE | ZERO_RANGE | INSERT_RANGE | UNSHARE_RANGE) != 0 {
        return fail(libc::EOPNOTSUPP);
    }
    // Punching a hole and zeroing a range are exclusive (EOPNOTSUPP, not EINVAL).
    if m & (PUNCH_HOLE | ZERO_RANGE) == PUNCH_HOLE | ZERO_RANGE {
        return fail(libc::EOPNOTSUPP);
    }
    if m & PUNCH_HOLE != 0 && m & KEEP_SIZE == 0 {
        return fail(libc::EOPNOTSUPP);
    }
    if (m & COLLAPSE_RANGE != 0 && m != COLLAPSE_RANGE) || (m & INSERT_RANGE != 0 && m != INSERT_RANGE) || (m & UNSHARE_RANGE != 0 && m & !(UNSHARE_RANGE | KEEP_SIZE) != 0) {
        return fail(libc::EINVAL);
    }
    if f.flags & (o::ACCMODE | o::PATH) == o::RDONLY || f.flags & o::PATH != 0 {
        return fail(libc::EBADF);
    }
    let Backend::Host(h) = &f.backend else { return fail(if matches!(f.backend, Backend::PipeRead(_) | Backend::PipeWrite(_)) { libc::ESPIPE } else { libc::ENODEV }) };
    let end = (off as u64).saturating_add(len as u64);
    let size = match h.metadata() {
        Ok(md) if std::os::unix::fs::FileTypeExt::is_fifo(&md.file_type()) => return fail(libc::ESPIPE),
        Ok(md) if md.is_dir() => return fail(libc::EISDIR),
        Ok(md) if !md.is_file() => return fail(libc::ENODEV),
        Ok(md) => md.len(),
        Err(e) => return val(io_errno(&e)),
    };
    // Growing the file (plain mode, or inserting a range) is bounded by RLIMIT_FSIZE.
    let grows = (m & !UNSHARE_RANGE == 0 || m == ZERO_RANGE) && end > size || m == INSERT_RANGE;
    // Past RLIMIT_FSIZE that is EFBIG with SIGXFSZ (inode_newsize_ok); past the host
    // file system's largest file it is EFBIG alone, so the row has no SIGXFSZ flag
    // and the signal is sent here.
    if grows && end.max(size.saturating_add(len as u64)) > v.fsize_limit(env, who) {
        let _ = env.call(ServiceId::Proc, crate::proc::op::QUEUE_SIGNAL, [0, who.pid as u64, libc::SIGXFSZ as u64, 0x80, 0, 0], &[]);
        return fail(libc::EFBIG);
    }
    // The host's file system does the work and answers for what it cannot do.
    if let Err(e) = host::fallocate(h.as_raw_fd(), m, off, len) {
        return fail(e);
    }
    // mm learns the new size of a mapped file (a punched or zeroed range of pages
    // it caches keeps the old bytes until they are read again).
    if let Some(k) = v.mapped_inode(id)
        && let Some(Backend::Host(h)) = v.files.get(&id).map(|f| &f.backend)
    {
        let now = h.metadata().map_or(size, |md| md.len());
        v.report_change(env, who, k, now, 0, 0);
    }
    val(0)
}

/// fadvise64(fd, offset, len, advice), with mm/fadvise.c's checks: a pipe or FIFO is
/// ESPIPE before anything else is looked at, then a negative length or an unknown
/// advice is EINVAL. The advice itself changes nothing here (the host's page cache
/// is the host's), so a valid one is accepted and ignored.
pub fn fadvise(v: &mut Vfs, who: Who, s: [u64; 5]) -> Regs {
    /// POSIX_FADV_NORMAL (0) through POSIX_FADV_NOREUSE (5) on riscv64.
    const LAST_ADVICE: i32 = 5;
    let (_, f) = tri!(v.get(who.pid, s[0] as i32));
    if f.flags & o::PATH != 0 {
        return fail(libc::EBADF);
    }
    // A FIFO opened O_RDWR is the host's FIFO itself.
    let host_fifo = |h: &std::fs::File| h.metadata().is_ok_and(|m| std::os::unix::fs::FileTypeExt::is_fifo(&m.file_type()));
    if matches!(&f.backend, Backend::PipeRead(_) | Backend::PipeWrite(_)) || matches!(&f.backend, Backend::Host(h) if host_fifo(h)) {
        return fail(libc::ESPIPE);
    }
    let (len, advice) = (s[2] as i64, s[3] as i32);
    if len < 0 || !(0..=LAST_ADVICE).contains(&advice) {
        return fail(libc::EINVAL);
    }
    val(0)
}

/// fsync, fdatasync, syncfs and sync_file_range(fd, offset, nbytes, flags). Writes
/// reach the host at once, so there is nothing to flush but a loop device's backing
/// file; what is checked is Linux's: fsync on a file without an fsync operation (a
/// pipe, a socket, a character device, /proc) is EINVAL, sync_file_range takes only
/// its three flags and a range within [0, LLONG_MAX], and only on regular files,
/// directories and block devices (ESPIPE).
pub fn sync(v: &mut Vfs, who: Who, n: u64, s: [u64; 5]) -> Regs {
    use crate::sysno as nr;
    let (_, f) = tri!(v.get(who.pid, s[0] as i32));
    // An O_PATH descriptor opens nothing (fdget: EBADF).
    if f.flags & o::PATH != 0 && n != nr::SYNCFS {
        return fail(libc::EBADF);
    }
    let disk = match &f.backend {
        Backend::Host(h) => h.metadata().is_ok_and(|m| m.is_file() || m.is_dir() || m.file_type().is_symlink()),
        Backend::Dir(_) | Backend::Block(_) => true,
        _ => false,
    };
    if n == nr::SYNC_FILE_RANGE {
        let (off, len, flags) = (s[1] as i64, s[2] as i64, s[3]);
        if flags & !7 != 0 || off < 0 || off.checked_add(len).is_none_or(|e| e < 0 || e < off) {
            return fail(libc::EINVAL);
        }
        if !disk {
            return fail(libc::ESPIPE);
        }
    } else if n != nr::SYNCFS && !disk {
        return fail(libc::EINVAL);
    }
    if let Backend::Block(Node::Loop(i)) = f.backend {
        loopdev::sync(v, i);
    }
    val(0)
}
