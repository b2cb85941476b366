//! Advisory locks between the guest's processes: POSIX record locks (owned by a
//! process, dropped when it closes any descriptor of the file), OFD locks (owned by an
//! open file description) and flock (whole file, per open file description).
//!
//! They live in the vfs only: host processes do not see them, guest processes all do.

use super::abi::{self, o};
use super::fs::tri;
use super::io::lseek;
use super::wait::{WaitSet, Who};
use super::{Backend, OpenFile, Regs, Vfs, fail, val};
use crate::service::Env;
use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;

/// What a lock is taken on: (device, inode) of a host file, or (u64::MAX, id) of an
/// object only the vfs knows.
pub type Inode = (u64, u64);

/// Who holds a lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// A POSIX record lock of a process.
    Process(u32),
    /// An OFD lock or a flock of an open file description.
    File(u64),
}

/// One locked byte range [start, end); `end` u64::MAX reaches past any end of file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lock {
    pub owner: Owner,
    pub write: bool,
    pub start: u64,
    pub end: u64,
}

/// All locks of the guest.
#[derive(Debug, Default)]
pub struct Locks {
    ranges: BTreeMap<Inode, Vec<Lock>>,
    /// flock holders per inode: (open file, exclusive).
    flocks: BTreeMap<Inode, Vec<(u64, bool)>>,
    /// What each process blocked in F_SETLKW waits for: (inode, write, start, end),
    /// the edges of the wait-for graph deadlock detection walks.
    waiting: BTreeMap<u32, (Inode, bool, u64, u64)>,
}

impl Locks {
    /// Whether no lock is held at all (the common case: closing is then free).
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty() && self.flocks.is_empty() && self.waiting.is_empty()
    }

    /// The first lock of another owner that keeps `owner` from locking [start, end).
    pub fn conflict(&self, ino: Inode, owner: Owner, write: bool, start: u64, end: u64) -> Option<Lock> {
        self.ranges.get(&ino)?.iter().find(|l| l.owner != owner && l.start < end && start < l.end && (write || l.write)).copied()
    }

    /// Sets `owner`'s lock over [start, end) to `kind` (None: unlocked), splitting and
    /// merging its existing locks as Linux does.
    pub fn set(&mut self, ino: Inode, owner: Owner, kind: Option<bool>, start: u64, end: u64) {
        let list = self.ranges.entry(ino).or_default();
        let mut out: Vec<Lock> = Vec::with_capacity(list.len() + 2);
        for l in list.drain(..) {
            if l.owner != owner || l.end <= start || end <= l.start {
                out.push(l);
                continue;
            }
            // The parts of an own lock outside the new range survive.
            if l.start < start {
                out.push(Lock { end: start, ..l });
            }
            if end < l.end {
                out.push(Lock { start: end, ..l });
            }
        }
        if let Some(write) = kind {
            let mut new = Lock { owner, write, start, end };
            // Merge with own adjacent or overlapping locks of the same type.
            out.retain(|l| {
                let touching = l.owner == owner && l.write == write && l.start <= new.end && new.start <= l.end;
                if touching {
                    new.start = new.start.min(l.start);
                    new.end = new.end.max(l.end);
                }
                !touching
            });
            out.push(new);
        }
        out.sort_by_key(|l| (l.start, l.end));
        if out.is_empty() {
            self.ranges.remove(&ino);
        } else {
            *list = out;
        }
    }

    /// Whether process `me` waiting for [start, end) behind `holder`'s lock would
    /// close a circle of waiting processes (posix_locks_deadlock: at most 10 steps).
    pub fn deadlock(&self, me: u32, holder: Owner) -> bool {
        let mut owner = holder;
        for _ in 0..10 {
            let Owner::Process(p) = owner else { return false };
            if p == me {
                return true;
            }
            let Some(&(ino, write, start, end)) = self.waiting.get(&p) else { return false };
            match self.conflict(ino, Owner::Process(p), write, start, end) {
                Some(l) => owner = l.owner,
                None => return false,
            }
        }
        false
    }

    /// Process `pid` waits for (or no longer waits for: None) a record lock.
    pub fn set_waiting(&mut self, pid: u32, what: Option<(Inode, bool, u64, u64)>) {
        match what {
            Some(w) => {
                self.waiting.insert(pid, w);
            }
            None => {
                self.waiting.remove(&pid);
            }
        }
    }

    /// Drops the record locks of process `pid` (on one inode, or all).
    pub fn release_process(&mut self, pid: u32, ino: Option<Inode>) {
        if ino.is_none() {
            self.waiting.remove(&pid);
        }
        self.ranges.retain(|k, list| {
            if ino.is_none_or(|i| i == *k) {
                list.retain(|l| l.owner != Owner::Process(pid));
            }
            !list.is_empty()
        });
    }

    /// Drops the OFD locks and flock of an open file description that went away.
    pub fn release_file(&mut self, file: u64) {
        if self.is_empty() {
            return;
        }
        self.ranges.retain(|_, list| {
            list.retain(|l| l.owner != Owner::File(file));
            !list.is_empty()
        });
        self.flocks.retain(|_, list| {
            list.retain(|(f, _)| *f != file);
            !list.is_empty()
        });
    }

    /// flock: whether open file `file` may take the lock (`exclusive` or shared).
    pub fn flock_free(&self, ino: Inode, file: u64, exclusive: bool) -> bool {
        self.flocks.get(&ino).is_none_or(|l| l.iter().all(|(f, ex)| *f == file || (!exclusive && !ex)))
    }

    /// flock: `file` now holds the lock (`exclusive` or shared), or none.
    pub fn flock_set(&mut self, ino: Inode, file: u64, kind: Option<bool>) {
        let list = self.flocks.entry(ino).or_default();
        list.retain(|(f, _)| *f != file);
        if let Some(ex) = kind {
            list.push((file, ex));
        }
        if list.is_empty() {
            self.flocks.remove(&ino);
        }
    }
}

/// The inode a lock on open file `f` applies to.
pub fn inode_of(f: &OpenFile) -> Option<Inode> {
    match &f.backend {
        Backend::Host(h) => h.metadata().ok().map(|m| (m.dev(), m.ino())),
        Backend::PipeRead(p) | Backend::PipeWrite(p) => Some((u64::MAX, *p)),
        Backend::Unix(s) => Some((u64::MAX - 1, *s)),
        _ => None,
    }
}

/// The lock-owning inode of open file `id`, for objects without a host inode too.
pub(super) fn inode_or_own(v: &Vfs, id: u64) -> Inode {
    let f = v.files.get(&id);
    f.and_then(inode_of).or_else(|| f.filter(|f| matches!(f.backend, Backend::Dir(_))).and_then(|f| std::fs::metadata(v.host(&f.path)).ok()).map(|m| (m.dev(), m.ino()))).unwrap_or((u64::MAX - 2, id))
}

/// fcntl F_GETLK, F_SETLK, F_SETLKW and their F_OFD_ forms; `arg` is the struct flock.
pub fn fcntl_lock(v: &mut Vfs, env: &mut dyn Env, who: Who, fd: i32, cmd: i32, arg: u64) -> Regs {
    let (file, f) = tri!(v.get(who.pid, fd));
    if f.flags & o::PATH != 0 {
        return fail(libc::EBADF);
    }
    let acc = f.flags & o::ACCMODE;
    // A fresh call (not the retry of a wait) forgets a wait a signal interrupted.
    if who.wake.is_none() {
        v.locks.set_waiting(who.pid, None);
    }
    let mut b = [0u8; 32];
    env.read(arg, &mut b)?;
    let ty = abi::u16_at(&b, 0) as i16 as i32;
    let whence = abi::u16_at(&b, 2) as i16 as i32;
    let (l_start, l_len) = (abi::u64_at(&b, 8) as i64, abi::u64_at(&b, 16) as i64);
    let ofd = matches!(cmd, libc::F_OFD_GETLK | libc::F_OFD_SETLK | libc::F_OFD_SETLKW);
    if ofd && abi::u32_at(&b, 24) != 0 {
        return fail(libc::EINVAL);
    }
    if ![libc::F_RDLCK, libc::F_WRLCK, libc::F_UNLCK].contains(&ty) {
        return fail(libc::EINVAL);
    }
    let base = match whence {
        libc::SEEK_SET => 0,
        libc::SEEK_CUR => lseek(v, who.pid, fd, 0, libc::SEEK_CUR) as i64,
        libc::SEEK_END => match v.files.get(&file).map(|f| &f.backend) {
            Some(Backend::Host(h)) => h.metadata().map_or(0, |m| m.len() as i64),
            _ => 0,
        },
        _ => return fail(libc::EINVAL),
    };
    let Some(mut start) = base.checked_add(l_start) else { return fail(libc::EOVERFLOW) };
    let end: u64;
    if l_len > 0 {
        end = start.saturating_add(l_len) as u64;
    } else if l_len == 0 {
        end = u64::MAX;
    } else {
        end = start as u64;
        start += l_len;
    }
    if start < 0 {
        return fail(libc::EINVAL);
    }
    let start = start as u64;
    let ino = inode_or_own(v, file);
    let owner = if ofd { Owner::File(file) } else { Owner::Process(who.pid) };
    let write = ty == libc::F_WRLCK;
    if matches!(cmd, libc::F_GETLK | libc::F_OFD_GETLK) {
        if ty == libc::F_UNLCK {
            return fail(libc::EINVAL);
        }
        let mut out = b;
        match v.locks.conflict(ino, owner, write, start, end) {
            Some(l) => {
                abi::put(&mut out, 0, &(if l.write { libc::F_WRLCK } else { libc::F_RDLCK } as i16).to_le_bytes());
                abi::put(&mut out, 2, &(libc::SEEK_SET as i16).to_le_bytes());
                abi::put(&mut out, 8, &(l.start as i64).to_le_bytes());
                let len = if l.end == u64::MAX { 0 } else { (l.end - l.start) as i64 };
                abi::put(&mut out, 16, &len.to_le_bytes());
                let pid = match l.owner {
                    Owner::Process(p) => p as i32,
                    Owner::File(_) => -1,
                };
                abi::put(&mut out, 24, &pid.to_le_bytes());
            }
            None => abi::put(&mut out, 0, &(libc::F_UNLCK as i16).to_le_bytes()),
        }
        env.write(arg, &out)?;
        return val(0);
    }
    if ty == libc::F_RDLCK && acc == o::WRONLY || ty == libc::F_WRLCK && acc == o::RDONLY {
        return fail(libc::EBADF);
    }
    if ty == libc::F_UNLCK {
        v.locks.set(ino, owner, None, start, end);
        return val(0);
    }
    if let Some(c) = v.locks.conflict(ino, owner, write, start, end) {
        if matches!(cmd, libc::F_SETLK | libc::F_OFD_SETLK) {
            return fail(libc::EAGAIN);
        }
        // A process lock that would wait for a process waiting for it is EDEADLK.
        if !ofd {
            if v.locks.deadlock(who.pid, c.owner) {
                v.locks.set_waiting(who.pid, None);
                return fail(libc::EDEADLK);
            }
            v.locks.set_waiting(who.pid, Some((ino, write, start, end)));
        }
        // Woken by the next change of vfs state (an unlock, a close, an exit).
        return Ok(v.waits.block(env, who, &WaitSet::default()));
    }
    if !ofd {
        v.locks.set_waiting(who.pid, None);
    }
    v.locks.set(ino, owner, Some(write), start, end);
    val(0)
}

/// flock(fd, operation).
pub fn flock(v: &mut Vfs, env: &mut dyn Env, who: Who, fd: i32, op: i32) -> Regs {
    const LOCK_SH: i32 = 1;
    const LOCK_EX: i32 = 2;
    const LOCK_NB: i32 = 4;
    const LOCK_UN: i32 = 8;
    let (file, f) = tri!(v.get(who.pid, fd));
    if f.flags & o::PATH != 0 {
        return fail(libc::EBADF);
    }
    let ino = inode_or_own(v, file);
    let kind = match op & !LOCK_NB {
        LOCK_SH => Some(false),
        LOCK_EX => Some(true),
        LOCK_UN => None,
        _ => return fail(libc::EINVAL),
    };
    match kind {
        None => v.locks.flock_set(ino, file, None),
        Some(ex) if v.locks.flock_free(ino, file, ex) => v.locks.flock_set(ino, file, Some(ex)),
        Some(_) if op & LOCK_NB != 0 => return fail(libc::EWOULDBLOCK),
        Some(_) => return Ok(v.waits.block(env, who, &WaitSet::default())),
    }
    val(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const I: Inode = (1, 2);

    #[test]
    fn own_locks_split_and_merge() {
        let mut l = Locks::default();
        let me = Owner::Process(1);
        l.set(I, me, Some(true), 0, 10);
        l.set(I, me, None, 3, 5);
        assert_eq!(l.ranges[&I].iter().map(|l| (l.start, l.end)).collect::<Vec<_>>(), vec![(0, 3), (5, 10)]);
        l.set(I, me, Some(true), 3, 5);
        assert_eq!(l.ranges[&I].iter().map(|l| (l.start, l.end)).collect::<Vec<_>>(), vec![(0, 10)]);
        l.set(I, me, Some(false), 4, 6);
        assert_eq!(l.ranges[&I].len(), 3);
        l.set(I, me, None, 0, u64::MAX);
        assert!(l.is_empty());
    }

    #[test]
    fn conflicts_need_another_owner_and_a_writer() {
        let mut l = Locks::default();
        let (a, b) = (Owner::Process(1), Owner::Process(2));
        l.set(I, a, Some(false), 20, 30);
        l.set(I, a, Some(true), 0, 10);
        assert!(l.conflict(I, a, true, 0, 100).is_none());
        assert_eq!(l.conflict(I, b, true, 5, 6).map(|l| (l.start, l.end)), Some((0, 10)));
        assert!(l.conflict(I, b, true, 10, 15).is_none());
        assert!(l.conflict(I, b, false, 25, 26).is_none());
        assert!(l.conflict(I, b, true, 25, 26).is_some());
        l.release_process(1, None);
        assert!(l.conflict(I, b, true, 0, u64::MAX).is_none());
    }

    #[test]
    fn flock_shares_and_excludes() {
        let mut l = Locks::default();
        assert!(l.flock_free(I, 1, true));
        l.flock_set(I, 1, Some(true));
        assert!(!l.flock_free(I, 2, false) && l.flock_free(I, 1, false));
        l.flock_set(I, 1, Some(false));
        assert!(l.flock_free(I, 2, false) && !l.flock_free(I, 2, true));
        l.release_file(1);
        assert!(l.is_empty());
    }
}
