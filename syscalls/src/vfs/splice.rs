//! Moving bytes through pipes without a user buffer: splice (file or socket to pipe,
//! pipe to file, socket or console, pipe to pipe), tee (copy between two pipes
//! without consuming) and vmsplice (user memory into a pipe).
//!
//! The checks and their order are Linux's (fs/splice.c): zero length and flags first,
//! then the descriptors, the access modes (EBADF), offsets on pipes (ESPIPE), a call
//! with no pipe at all (EINVAL). A pipe end that must wait does what a read or write of
//! it does: EAGAIN under SPLICE_F_NONBLOCK or O_NONBLOCK, else blocks on the pipe's key.

use super::abi::o;
use super::fs::tri;
use super::io::{MAX_IO, MAX_RW_COUNT, Stop, lseek, seekable, stop_regs, write_out};
use super::wait::Who;
use super::{Backend, Regs, Vfs, fail, val};
use crate::sched::{key, kind};
use crate::service::{BLOCK, Env};
use machine::Fault;

/// SPLICE_F_MOVE | SPLICE_F_NONBLOCK | SPLICE_F_MORE | SPLICE_F_GIFT.
const SPLICE_F_ALL: u64 = 0xf;
const SPLICE_F_NONBLOCK: u64 = 2;

/// What one end of a splice is.
#[derive(Clone, Copy)]
enum End {
    /// A pipe (either end): its id.
    Pipe(u64),
    /// Anything else: the open file.
    File(u64),
}

impl Vfs {
    /// The end behind open file `id`, with whether it may be read and written.
    fn splice_end(&self, id: u64) -> (End, bool, bool) {
        let Some(f) = self.files.get(&id) else { return (End::File(id), false, false) };
        let acc = f.flags & o::ACCMODE;
        let (r, w) = (f.flags & o::PATH == 0 && acc != o::WRONLY, f.flags & o::PATH == 0 && acc != o::RDONLY);
        match f.backend {
            // A pipe end's mode is its direction.
            Backend::PipeRead(p) => (End::Pipe(p), true, false),
            Backend::PipeWrite(p) => (End::Pipe(p), false, true),
            // The console is open for reading and writing, whatever fds 1 and 2 say.
            Backend::Console(_) => (End::File(id), true, true),
            _ => (End::File(id), r, w),
        }
    }

    fn nonblocking(&self, id: u64) -> bool {
        self.files.get(&id).is_some_and(|f| f.flags & o::NONBLOCK != 0)
    }

    /// Waits until pipe `p` has bytes: Ok(false) at EOF (no writers left).
    fn wait_data(&self, p: u64, nonblock: bool) -> Result<bool, Stop> {
        let Some(pipe) = self.pipes.get(&p) else { return Ok(false) };
        if !pipe.is_empty() {
            return Ok(true);
        }
        if pipe.writers == 0 {
            return Ok(false);
        }
        Err(if nonblock { Stop::Err(libc::EAGAIN) } else { Stop::Block([BLOCK, key(kind::PIPE, p)]) })
    }

    /// Waits until pipe `p` has a free page: EPIPE without readers.
    fn wait_room(&self, p: u64, nonblock: bool) -> Result<usize, Stop> {
        let Some(pipe) = self.pipes.get(&p) else { return Err(Stop::Err(libc::EPIPE)) };
        if pipe.readers == 0 {
            return Err(Stop::Err(libc::EPIPE));
        }
        match pipe.room() {
            0 if nonblock => Err(Stop::Err(libc::EAGAIN)),
            0 => Err(Stop::Block([BLOCK, key(kind::PIPE, p)])),
            n => Ok(n),
        }
    }

    /// Puts `data` (which fits: the caller asked `wait_room`) into pipe `p`.
    fn fill_pipe(&mut self, env: &mut dyn Env, p: u64, data: &[u8]) -> usize {
        let n = self.pipes.get_mut(&p).map_or(0, |pipe| pipe.put(data));
        if n > 0 {
            self.wake_pipe(env, p);
        }
        n
    }

    /// Takes `n` bytes that were peeked from pipe `p`.
    fn drain_pipe(&mut self, env: &mut dyn Env, p: u64, n: usize) {
        if let Some(pipe) = self.pipes.get_mut(&p) {
            pipe.take(n);
        }
        if n > 0 {
            self.wake_pipe(env, p);
        }
    }
}

/// Reads the loff_t at `p` (None for NULL).
fn offset_at(env: &mut dyn Env, p: u64) -> Result<Option<u64>, Fault> {
    if p == 0 {
        return Ok(None);
    }
    let mut b = [0u8; 8];
    env.read(p, &mut b)?;
    Ok(Some(u64::from_le_bytes(b)))
}

/// splice(fd_in, off_in*, fd_out, off_out*, len, flags): the fds travel packed in the
/// first argument (in | out << 32), then off_in*, off_out*, len, flags.
pub fn splice(v: &mut Vfs, env: &mut dyn Env, who: Who, s: [u64; 5]) -> Regs {
    let (in_fd, out_fd) = (s[0] as u32 as i32, (s[0] >> 32) as u32 as i32);
    let (offin, offout, len, mut flags) = (s[1], s[2], s[3].min(MAX_RW_COUNT), s[4] as u32 as u64);
    if len == 0 {
        return val(0);
    }
    if flags & !SPLICE_F_ALL != 0 {
        return fail(libc::EINVAL);
    }
    let (in_id, _) = tri!(v.get(who.pid, in_fd));
    let (out_id, _) = tri!(v.get(who.pid, out_fd));
    let ((ie, ir, _), (oe, _, ow)) = (v.splice_end(in_id), v.splice_end(out_id));
    if matches!(ie, End::Pipe(_)) && offin != 0 || matches!(oe, End::Pipe(_)) && offout != 0 {
        return fail(libc::ESPIPE);
    }
    let (ai, ao) = (offset_at(env, offin)?, offset_at(env, offout)?);
    if !ir || !ow {
        return fail(libc::EBADF);
    }
    let len = len.min(MAX_IO as u64) as usize;
    let moved = match (ie, oe) {
        (End::Pipe(pi), End::Pipe(po)) => {
            if pi == po {
                return fail(libc::EINVAL);
            }
            if v.nonblocking(in_id) || v.nonblocking(out_id) {
                flags |= SPLICE_F_NONBLOCK;
            }
            pipe_to_pipe(v, env, pi, po, len, flags & SPLICE_F_NONBLOCK != 0, true)
        }
        (End::Pipe(pi), End::File(out)) => {
            let Some(f) = v.files.get(&out) else { return fail(libc::EBADF) };
            if ao.is_some() && !seekable(&f.backend) {
                return fail(libc::EINVAL);
            }
            if f.flags & o::APPEND != 0 {
                return fail(libc::EINVAL);
            }
            if ao.is_some_and(|a| (a as i64) < 0) {
                return fail(libc::EINVAL);
            }
            if v.nonblocking(in_id) {
                flags |= SPLICE_F_NONBLOCK;
            }
            let r = pipe_to_file(v, env, who, pi, out, ao, len, flags & SPLICE_F_NONBLOCK != 0);
            if let (Ok(n), Some(a)) = (&r, ao) {
                env.write(offout, &(a + *n as u64).to_le_bytes())?;
            }
            r
        }
        (End::File(inn), End::Pipe(po)) => {
            let Some(f) = v.files.get(&inn) else { return fail(libc::EBADF) };
            let seek = seekable(&f.backend);
            if ai.is_some() && !seek {
                return fail(libc::EINVAL);
            }
            if ai.is_some_and(|a| (a as i64) < 0) {
                return fail(libc::EINVAL);
            }
            if v.nonblocking(out_id) {
                flags |= SPLICE_F_NONBLOCK;
            }
            // Without an offset pointer the file's own position is used and moved.
            let at = match ai {
                Some(a) => Some(a),
                None if seek => Some(lseek(v, who.pid, in_fd, 0, libc::SEEK_CUR)),
                None => None,
            };
            let r = file_to_pipe(v, env, who, inn, po, at, len, flags & SPLICE_F_NONBLOCK != 0);
            if let Ok(n) = &r {
                match (ai, at) {
                    (Some(a), _) => env.write(offin, &(a + *n as u64).to_le_bytes())?,
                    (None, Some(start)) => {
                        lseek(v, who.pid, in_fd, (start + *n as u64) as i64, libc::SEEK_SET);
                    }
                    _ => {}
                }
            }
            r
        }
        (End::File(_), End::File(_)) => return fail(libc::EINVAL),
    };
    match moved {
        Ok(n) => val(n as u64),
        Err(st) => stop_regs(st),
    }
}

/// Moves (or, for tee, copies) up to `len` bytes from pipe `pi` to pipe `po`.
fn pipe_to_pipe(v: &mut Vfs, env: &mut dyn Env, pi: u64, po: u64, len: usize, nonblock: bool, consume: bool) -> Result<usize, Stop> {
    if !v.wait_data(pi, nonblock)? {
        return Ok(0);
    }
    let room = v.wait_room(po, nonblock)?;
    let data = v.pipes.get(&pi).map(|p| p.peek(len.min(room))).unwrap_or_default();
    let n = v.fill_pipe(env, po, &data);
    if consume {
        v.drain_pipe(env, pi, n);
    }
    Ok(n)
}

/// Moves up to `len` bytes from pipe `pi` to open file `out` (at `at`, or its
/// position): only what the file took leaves the pipe.
#[allow(clippy::too_many_arguments)]
fn pipe_to_file(v: &mut Vfs, env: &mut dyn Env, who: Who, pi: u64, out: u64, at: Option<u64>, len: usize, nonblock: bool) -> Result<usize, Stop> {
    if !v.wait_data(pi, nonblock)? {
        return Ok(0);
    }
    let data = v.pipes.get(&pi).map(|p| p.peek(len)).unwrap_or_default();
    // Where the bytes land, for mm's copies of a mapped file.
    let landing = v.mapped_inode(out).map(|_| at.unwrap_or_else(|| position(v, out)));
    let n = if matches!(v.files.get(&out).map(|f| &f.backend), Some(Backend::Console(_))) {
        write_out(v, env, who, out, &data)?
    } else {
        v.write_slice(env, who, out, &data, at)?
    };
    if let (true, Some(landed)) = (n > 0, landing) {
        v.report_bytes(env, who, out, landed, &data[..n]);
    }
    v.drain_pipe(env, pi, n);
    Ok(n)
}

/// The position of a host file (0 for anything else).
fn position(v: &mut Vfs, id: u64) -> u64 {
    use std::io::Seek;
    match v.files.get_mut(&id).map(|f| &mut f.backend) {
        Some(Backend::Host(h)) => h.stream_position().unwrap_or(0),
        _ => 0,
    }
}

/// Reads up to `len` bytes of open file `inn` (at `at`) into pipe `po`, no more than
/// its free pages hold.
#[allow(clippy::too_many_arguments)]
fn file_to_pipe(v: &mut Vfs, env: &mut dyn Env, who: Who, inn: u64, po: u64, at: Option<u64>, len: usize, nonblock: bool) -> Result<usize, Stop> {
    let room = v.wait_room(po, nonblock)?;
    let data = v.read_vec(env, who, inn, len.min(room), at)?;
    Ok(v.fill_pipe(env, po, &data))
}

/// tee(fd_in, fd_out, len, flags): copies up to `len` bytes from one pipe to another,
/// leaving them in the first.
pub fn tee(v: &mut Vfs, env: &mut dyn Env, who: Who, s: [u64; 5]) -> Regs {
    let (in_fd, out_fd, len, mut flags) = (s[0] as i32, s[1] as i32, s[2].min(MAX_RW_COUNT), s[3] as u32 as u64);
    if flags & !SPLICE_F_ALL != 0 {
        return fail(libc::EINVAL);
    }
    if len == 0 {
        return val(0);
    }
    let (in_id, _) = tri!(v.get(who.pid, in_fd));
    let (out_id, _) = tri!(v.get(who.pid, out_fd));
    let ((ie, ir, _), (oe, _, ow)) = (v.splice_end(in_id), v.splice_end(out_id));
    if !ir || !ow {
        return fail(libc::EBADF);
    }
    let (End::Pipe(pi), End::Pipe(po)) = (ie, oe) else { return fail(libc::EINVAL) };
    if pi == po {
        return fail(libc::EINVAL);
    }
    if v.nonblocking(in_id) || v.nonblocking(out_id) {
        flags |= SPLICE_F_NONBLOCK;
    }
    match pipe_to_pipe(v, env, pi, po, (len as usize).min(MAX_IO), flags & SPLICE_F_NONBLOCK != 0, false) {
        Ok(n) => val(n as u64),
        Err(st) => stop_regs(st),
    }
}

/// vmsplice(fd, iov*, nr_segs, flags): the buffers of an iovec array into the pipe
/// whose write end `fd` is. The other direction (a read end: the pipe's bytes into the
/// buffers) is EINVAL: the personality lends the buffers for reading only.
pub fn vmsplice(v: &mut Vfs, env: &mut dyn Env, who: Who, s: [u64; 5]) -> Regs {
    let (fd, iov, cnt, mut flags) = (s[0] as i32, s[1], s[2], s[3] as u32 as u64);
    if flags & !SPLICE_F_ALL != 0 {
        return fail(libc::EINVAL);
    }
    let (id, _) = tri!(v.get(who.pid, fd));
    let (end, r, w) = v.splice_end(id);
    if !r && !w {
        return fail(libc::EBADF);
    }
    let bufs = match super::vectored::read_iov(env, iov, cnt)? {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    let total: u64 = bufs.iter().map(|b| b.1).sum();
    if total == 0 {
        return val(0);
    }
    if !w {
        return fail(match end {
            End::Pipe(_) => libc::EINVAL,
            End::File(_) => libc::EBADF,
        });
    }
    let End::Pipe(p) = end else { return fail(libc::EBADF) };
    if v.nonblocking(id) {
        flags |= SPLICE_F_NONBLOCK;
    }
    let room = match v.wait_room(p, flags & SPLICE_F_NONBLOCK != 0) {
        Ok(n) => n,
        Err(st) => return stop_regs(st),
    };
    let mut data = Vec::with_capacity(room.min(total as usize));
    for (base, len) in bufs {
        let n = (len as usize).min(room - data.len());
        if n == 0 {
            break;
        }
        let at = data.len();
        data.resize(at + n, 0);
        env.read(base, &mut data[at..])?;
    }
    val(v.fill_pipe(env, p, &data) as u64)
}

#[cfg(test)]
mod tests {
    use super::super::pipe::Pipe;

    #[test]
    fn peek_leaves_the_bytes_and_room_counts_free_pages() {
        let mut p = Pipe::default();
        assert_eq!(p.room(), super::super::PIPE_CAPACITY);
        assert_eq!(p.put(b"hello"), 5);
        assert_eq!(p.peek(3), b"hel");
        assert_eq!(p.len(), 5);
        assert_eq!(p.room(), super::super::PIPE_CAPACITY - 4096);
        assert_eq!(p.take(2), b"he");
        assert_eq!(p.peek(100), b"llo");
    }
}
