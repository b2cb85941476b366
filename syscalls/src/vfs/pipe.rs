//! Pipes: a bounded byte queue between read ends and write ends. A reader or writer
//! that must wait blocks on the pipe's own key, woken by the other side.

use super::abi::{ev, o};
use super::io::Stop;
use super::state::Undo;
use super::{Backend, PIPE_CAPACITY, Regs, Vfs, fail, val};
use crate::sched::{key, kind};
use crate::service::{BLOCK, Env, ServiceId};
use std::collections::VecDeque;

/// Size of one pipe buffer (a page).
const PAGE: usize = 4096;

/// One buffer of a pipe: a page holding `data`, which ends at `end` within it (reads
/// take from the front; writes may append while the page has room).
#[derive(Debug)]
struct Buf {
    data: VecDeque<u8>,
    end: usize,
}

/// A pipe: a ring of page buffers, as Linux's, so capacity and atomicity behave as
/// there (a partly read page is not free until read to its end).
#[derive(Debug)]
pub struct Pipe {
    bufs: VecDeque<Buf>,
    pub readers: usize,
    pub writers: usize,
    /// Capacity in bytes (a whole number of pages).
    pub capacity: usize,
    /// Bumped at every change (edge-triggered epoll).
    pub generation: u64,
}

impl Default for Pipe {
    fn default() -> Self {
        Pipe { bufs: VecDeque::new(), readers: 0, writers: 0, capacity: PIPE_CAPACITY, generation: 0 }
    }
}

impl Pipe {
    /// Bytes waiting to be read.
    pub fn len(&self) -> usize {
        self.bufs.iter().map(|b| b.data.len()).sum()
    }

    /// Whether nothing waits to be read.
    pub fn is_empty(&self) -> bool {
        self.bufs.is_empty()
    }

    pub(super) fn full(&self) -> bool {
        self.bufs.len() >= (self.capacity / PAGE).max(1)
    }

    /// Takes up to `n` bytes from the front.
    pub(super) fn take(&mut self, n: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(n.min(self.capacity));
        while out.len() < n {
            let Some(b) = self.bufs.front_mut() else { break };
            let k = (n - out.len()).min(b.data.len());
            out.extend(b.data.drain(..k));
            if b.data.is_empty() {
                self.bufs.pop_front();
            }
        }
        out
    }

    #[cfg(test)]
    pub fn take_for_test(&mut self, n: usize) -> Vec<u8> {
        self.take(n)
    }

    /// Puts `bytes` taken by a call that then faulted back at the front.
    pub fn untake(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(PAGE).rev() {
            self.bufs.push_front(Buf { data: chunk.iter().copied().collect(), end: chunk.len() });
        }
    }

    /// Removes the last `n` bytes a call that then faulted had put in.
    pub fn unput(&mut self, mut n: usize) {
        while n > 0 {
            let Some(b) = self.bufs.back_mut() else { break };
            let k = n.min(b.data.len());
            b.data.truncate(b.data.len() - k);
            b.end -= k;
            n -= k;
            if b.data.is_empty() {
                self.bufs.pop_back();
            }
        }
    }

    /// Linux's pipe_write: the part of the write past whole pages first merges into the
    /// last page if it fits there, then whole new pages while slots are free. Returns
    /// how many bytes went in.
    pub(super) fn put(&mut self, data: &[u8]) -> usize {
        let mut done = 0;
        let chars = data.len() % PAGE;
        if chars > 0 {
            if let Some(last) = self.bufs.back_mut() {
                if last.end + chars <= PAGE {
                    last.data.extend(&data[..chars]);
                    last.end += chars;
                    done = chars;
                }
            }
        }
        while done < data.len() && !self.full() {
            let n = (data.len() - done).min(PAGE);
            self.bufs.push_back(Buf { data: data[done..done + n].iter().copied().collect(), end: n });
            done += n;
        }
        done
    }

    /// Copies up to `n` bytes from the front without taking them (tee, and splice to
    /// a file, which takes only what the file accepted).
    pub(super) fn peek(&self, n: usize) -> Vec<u8> {
        self.bufs.iter().flat_map(|b| b.data.iter().copied()).take(n).collect()
    }

    /// Bytes that whole free page slots can take now (what splice into a pipe moves).
    pub(super) fn room(&self) -> usize {
        (self.capacity / PAGE).max(1).saturating_sub(self.bufs.len()) * PAGE
    }

    /// Poll events of the read end (`read_end`) or the write end.
    pub fn events(&self, read_end: bool) -> u32 {
        let mut e = 0;
        if read_end {
            if !self.is_empty() {
                e |= ev::IN | ev::RDNORM;
            }
            if self.writers == 0 {
                e |= ev::HUP;
            }
        } else {
            if !self.full() {
                e |= ev::OUT | ev::WRNORM;
            }
            if self.readers == 0 {
                e |= ev::ERR;
            }
        }
        e
    }
}

impl Vfs {
    pub(super) fn wake_pipe(&mut self, env: &mut dyn Env, p: u64) {
        if let Some(pp) = self.pipes.get_mut(&p) {
            pp.generation += 1;
        }
        let _ = env.call(ServiceId::Proc, crate::proc::op::WAKE, [0, key(kind::PIPE, p), 0, 0, 0, 0], &[]);
    }

    /// One end of pipe `p` went away.
    pub(super) fn pipe_end_closed(&mut self, env: &mut dyn Env, p: u64, read_end: bool) {
        let Some(pp) = self.pipes.get_mut(&p) else { return };
        if read_end {
            pp.readers = pp.readers.saturating_sub(1);
        } else {
            pp.writers = pp.writers.saturating_sub(1);
        }
        let gone = pp.readers == 0 && pp.writers == 0;
        self.wake_pipe(env, p);
        if gone {
            self.pipes.remove(&p);
        }
    }
}

/// pipe2(fds*, flags).
pub fn pipe2(v: &mut Vfs, env: &mut dyn Env, pid: u32, fds: u64, flags: i32) -> Regs {
    if flags & !(o::CLOEXEC | o::NONBLOCK | o::DIRECT) != 0 {
        return fail(libc::EINVAL);
    }
    let id = v.alloc_id();
    v.pipes.insert(id, Pipe { readers: 1, writers: 1, ..Default::default() });
    let fl = flags & o::NONBLOCK;
    let name = format!("pipe:[{id}]");
    let r = v.new_file(Backend::PipeRead(id), fl, name.clone());
    let w = v.new_file(Backend::PipeWrite(id), fl | o::WRONLY, name);
    let cloexec = flags & o::CLOEXEC != 0;
    let rfd = v.install_new(env, pid, r, cloexec);
    if crate::service::is_err(rfd) {
        v.files.entry(w).and_modify(|f| f.refs = 1);
        v.drop_ref(env, w);
        return val(rfd);
    }
    let wfd = v.install_new(env, pid, w, cloexec);
    if crate::service::is_err(wfd) {
        v.close(env, pid, rfd as i32);
        return val(wfd);
    }
    let mut b = [0u8; 8];
    b[0..4].copy_from_slice(&(rfd as i32).to_le_bytes());
    b[4..8].copy_from_slice(&(wfd as i32).to_le_bytes());
    if let Err(f) = env.write(fds, &b) {
        v.close(env, pid, rfd as i32);
        v.close(env, pid, wfd as i32);
        return Err(f);
    }
    val(0)
}

/// Reads up to `len` bytes from pipe `p`: what is there, EOF once every writer is gone,
/// else wait.
pub fn read(v: &mut Vfs, env: &mut dyn Env, p: u64, len: usize, nonblock: bool) -> Result<Vec<u8>, Stop> {
    let Some(pipe) = v.pipes.get_mut(&p) else { return Ok(Vec::new()) };
    if pipe.is_empty() {
        if pipe.writers == 0 || len == 0 {
            return Ok(Vec::new());
        }
        return Err(if nonblock { Stop::Err(libc::EAGAIN) } else { Stop::Block([BLOCK, key(kind::PIPE, p)]) });
    }
    let out = pipe.take(len);
    // Journaled: a fault before the call returns puts the bytes back (`state.rs`).
    v.journal.push(Undo::PipeTaken(p, out.clone()));
    v.wake_pipe(env, p);
    Ok(out)
}

/// Writes `data` to pipe `p`: what fits (a write of at most PIPE_BUF bytes all at once
/// or not at all, since it fits in one page), EPIPE without readers, else wait.
pub fn write(v: &mut Vfs, env: &mut dyn Env, p: u64, data: &[u8], nonblock: bool) -> Result<usize, Stop> {
    let Some(pipe) = v.pipes.get_mut(&p) else { return Err(Stop::Err(libc::EPIPE)) };
    if pipe.readers == 0 {
        return Err(Stop::Err(libc::EPIPE));
    }
    if data.is_empty() {
        return Ok(0);
    }
    let n = pipe.put(data);
    if n == 0 {
        return Err(if nonblock { Stop::Err(libc::EAGAIN) } else { Stop::Block([BLOCK, key(kind::PIPE, p)]) });
    }
    v.journal.push(Undo::PipePut(p, n));
    v.wake_pipe(env, p);
    v.pipe_async(env, p);
    Ok(n)
}

/// Linux's round_pipe_size: a power-of-two number of pages, at least one; None above
/// 2 GiB.
pub fn round_size(n: u64) -> Option<u64> {
    (n <= 1 << 31).then(|| n.max(4096).next_power_of_two())
}

/// F_GETPIPE_SZ / F_SETPIPE_SZ. Past /proc/sys/fs/pipe-max-size only with
/// CAP_SYS_RESOURCE (`privileged`), as pipe_set_size.
pub fn size(v: &mut Vfs, p: u64, set: Option<u64>, privileged: bool) -> u64 {
    let max = v.pipe_max;
    let Some(pipe) = v.pipes.get_mut(&p) else { return crate::service::err(libc::EBADF) };
    if let Some(n) = set {
        let Some(want) = round_size(n) else { return crate::service::err(libc::EINVAL) };
        if want as usize > pipe.capacity && want > max && !privileged {
            return crate::service::err(libc::EPERM);
        }
        let want = want as usize;
        if want / PAGE < pipe.bufs.len() {
            return crate::service::err(libc::EBUSY);
        }
        pipe.capacity = want;
    }
    pipe.capacity as u64
}
