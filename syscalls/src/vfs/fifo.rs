//! Named pipes (FIFOs): a FIFO in the guest's tree is a vfs pipe shared by every
//! open of that host inode, with fifo(7)'s open rules: opening for reading waits
//! for a writer and opening for writing waits for a reader (unless O_NONBLOCK: a
//! reader opens at once, a writer without a reader is ENXIO).
//!
//! As in the kernel's fifo_open, an opener counts as a reader or writer from its
//! first attempt, so a partner arriving meanwhile sees it and does not wait, and a
//! waiter is released when the partner's open count moves (a partner that came and
//! went already still releases it). The pipe and its data go when the last end
//! closes. O_RDWR (which never waits) opens the host FIFO itself, so a process that
//! opens a FIFO both ways and one that opens it one way do not share data; FIFOs
//! are shared between the guest's processes only, never with host processes.

use super::abi::o;
use super::pipe::Pipe;
use super::wait::Who;
use super::{Backend, Regs, Vfs, fail, val};
use crate::sched::{key, kind};
use crate::service::{BLOCK, Env, ServiceId};
use std::collections::BTreeMap;

/// A host inode: (device, inode number).
pub type Inode = (u64, u64);

/// One FIFO: its pipe and how many opens each side has seen.
#[derive(Debug, Clone, Copy)]
struct Fifo {
    pipe: u64,
    r_opens: u64,
    w_opens: u64,
}

/// The FIFOs in use and the opens waiting on them.
#[derive(Debug, Default)]
pub struct Fifos {
    by_inode: BTreeMap<Inode, Fifo>,
    /// A thread waiting in open: the FIFO, whether it reads, and the partner's open
    /// count when it began waiting.
    pending: BTreeMap<u32, (Inode, bool, u64)>,
}

impl Fifos {
    /// A thread ended (or its call was abandoned): it waits no more.
    pub fn forget_thread(&mut self, tid: u32) {
        self.pending.remove(&tid);
    }
}

/// The host inode of the FIFO at host path `h`, if it is one.
pub(super) fn inode(h: &std::path::Path) -> Option<Inode> {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let m = std::fs::metadata(h).ok()?;
    m.file_type().is_fifo().then(|| (m.dev(), m.ino()))
}

/// What an open of one side may do now.
#[derive(Debug, PartialEq, Eq)]
enum Step {
    Open,
    Wait,
    NoReader,
}

/// fifo_open's rule for one side: `partners` is the other side's count,
/// `moved` whether the other side opened since this opener began waiting.
fn step(reading: bool, nonblock: bool, partners: usize, moved: bool, first: bool) -> Step {
    if partners > 0 || moved {
        return Step::Open;
    }
    match (reading, nonblock) {
        (true, true) => Step::Open,
        (false, true) if first => Step::NoReader,
        _ => Step::Wait,
    }
}

/// Opens the FIFO `ino` for reading or writing (not O_RDWR) as `path`.
pub(super) fn open(v: &mut Vfs, env: &mut dyn Env, who: Who, ino: Inode, flags: i32, kept: i32, cloexec: bool, path: String) -> Regs {
    let reading = flags & o::ACCMODE == o::RDONLY;
    let nonblock = flags & o::NONBLOCK != 0;
    let live = v.fifos.by_inode.get(&ino).copied().filter(|f| v.pipes.contains_key(&f.pipe));
    let mut f = match live {
        Some(f) => f,
        None => {
            let pipe = v.alloc_id();
            v.pipes.insert(pipe, Pipe::default());
            Fifo { pipe, r_opens: 0, w_opens: 0 }
        }
    };
    let pending = v.fifos.pending.get(&who.tid).copied().filter(|p| p.0 == ino && p.1 == reading);
    let Some(pipe) = v.pipes.get_mut(&f.pipe) else { return fail(libc::ENOENT) };
    let (partners, partner_opens) = if reading { (pipe.writers, f.w_opens) } else { (pipe.readers, f.r_opens) };
    let moved = pending.is_some_and(|p| partner_opens > p.2);
    let s = step(reading, nonblock, partners, moved, pending.is_none());
    if s == Step::NoReader {
        if pipe.readers == 0 && pipe.writers == 0 {
            v.pipes.remove(&f.pipe);
        }
        return fail(libc::ENXIO);
    }
    if pending.is_none() {
        // Counted from the first attempt, as fifo_open counts a waiting opener.
        if reading {
            pipe.readers += 1;
            f.r_opens += 1;
        } else {
            pipe.writers += 1;
            f.w_opens += 1;
        }
        pipe.generation += 1;
        let _ = env.call(ServiceId::Proc, crate::proc::op::WAKE, [0, key(kind::PIPE, f.pipe), 0, 0, 0, 0], &[]);
    }
    v.fifos.by_inode.insert(ino, f);
    if s == Step::Wait {
        v.fifos.pending.entry(who.tid).or_insert((ino, reading, partner_opens));
        return Ok([BLOCK, key(kind::PIPE, f.pipe)]);
    }
    v.fifos.pending.remove(&who.tid);
    let b = if reading { Backend::PipeRead(f.pipe) } else { Backend::PipeWrite(f.pipe) };
    let id = v.new_file(b, kept, path);
    val(v.install_new(env, who.pid, id, cloexec))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_rules_of_fifo7() {
        // A reader waits for a writer unless O_NONBLOCK; a writer waits for a reader,
        // or fails with ENXIO under O_NONBLOCK.
        assert_eq!(step(true, false, 0, false, true), Step::Wait);
        assert_eq!(step(true, true, 0, false, true), Step::Open);
        assert_eq!(step(false, false, 0, false, true), Step::Wait);
        assert_eq!(step(false, true, 0, false, true), Step::NoReader);
        assert_eq!(step(false, false, 1, false, true), Step::Open, "a reader is there");
        assert_eq!(step(true, false, 2, false, true), Step::Open, "a writer is there");
        // A partner that opened and closed while this one waited still releases it.
        assert_eq!(step(true, false, 0, true, false), Step::Open);
        assert_eq!(step(false, false, 0, false, false), Step::Wait);
    }
}
