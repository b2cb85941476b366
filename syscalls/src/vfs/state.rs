//! What the vfs keeps across a restart: the descriptor tables, open file descriptions
//! (offsets, flags), pipes and AF_UNIX sockets with their buffered bytes, locks and
//! waiters, in one holder a restarted vfs takes over after `VfsState::repair`.
//!
//! Changes that would lose data if a call faulted half-way (bytes taken from or put
//! into a pipe, a host file's offset moved by a read) are journaled as the call makes them, and undone by the repair.
//!
//! The holder is reached through `Deref` from `Vfs`, so the handlers read it as fields
//! of the vfs; every mutable access marks the call in progress as having changed it
//! (`Vfs::changed`), which is how the split host tells a fault that left the state as
//! it was before the call (the call may simply run again) from one that did not.

use super::{locks, unix, wait, Backend, FdTable, OpenFile, Vfs};
use std::collections::{BTreeMap, BTreeSet};

/// The state of the vfs that outlives an instance of it.
#[derive(Debug)]
pub struct VfsState {
    pub tables: BTreeMap<u32, FdTable>,
    pub files: BTreeMap<u64, OpenFile>,
    pub pipes: BTreeMap<u64, super::pipe::Pipe>,
    /// Named pipes: the pipe of each FIFO inode in use, and the opens waiting.
    pub fifos: super::fifo::Fifos,
    pub(super) next_id: u64,
    pub(super) rng: u64,
    /// Record locks and flocks.
    pub locks: locks::Locks,
    /// Blocked calls and what wakes them.
    pub waits: wait::Waits,
    /// AF_UNIX sockets and their names.
    pub unix: unix::UnixNet,
    /// Threads seen so far (tid -> pid), for /proc/PID/task.
    pub threads: BTreeMap<u32, u32>,
    /// Host files (dev, ino) mm caches pages of: writes and truncations to them are
    /// reported to mm so mappings stay coherent.
    pub mapped: BTreeSet<(u64, u64)>,
    /// The undo journal of the call in progress (emptied as each call starts): what
    /// a restart takes back if the call faulted before returning.
    pub journal: Vec<Undo>,
    /// The user.* extended attributes of the guest tree's files.
    pub xattrs: super::xattr::Store,
    /// inotify instances by open file id.
    pub inotify: BTreeMap<u64, super::inotify::Instance>,
    /// The last rename cookie handed out (IN_MOVED_FROM/IN_MOVED_TO pairs).
    pub(super) cookie: u32,
    /// Processes that have exited (their pidfds are readable).
    pub exited: BTreeSet<u32>,
    /// The mounts the guest made (`mounts`).
    pub mounts: super::mounts::Mounts,
    /// Sysctls written since boot (`procsys`), by path under /proc/sys.
    pub sysctl: BTreeMap<String, String>,
    /// /proc/sys/fs/pipe-max-size: the most an unprivileged F_SETPIPE_SZ may ask.
    pub pipe_max: u64,
    /// Each process's timer slack and its default (/proc/PID/timerslack_ns).
    pub slack: BTreeMap<u32, (u64, u64)>,
    /// The tables (their descriptors closed) of processes that ended: /proc/PID of
    /// a zombie stays until its parent reaps it (proc says which are still zombies).
    pub zombies: BTreeMap<u32, FdTable>,
    /// AIO contexts (`aio`).
    pub aio: super::aio::Aio,
    /// The guest path each file handle was made for, by host (device, inode)
    /// (`fhandle`).
    pub handles: BTreeMap<(u64, u64), String>,
    /// Loop block devices (`loopdev`).
    pub loops: super::loopdev::Loops,
    /// Host programs guest processes became, by guest pid (`hostexec`).
    pub host_children: super::hostexec::HostChildren,
    /// The last HOST_WAIT moved nothing: no vfs waiter needs waking for it.
    pub host_quiet: bool,
    /// The owners (F_SETOWN) and I/O signals (F_SETSIG) of open files that have one.
    pub owners: BTreeMap<u64, super::fowner::Owner>,
    /// File leases (`leases`).
    pub leases: super::leases::Leases,
}

/// One journaled change of the call in progress, with what undoes it.
#[derive(Debug)]
pub enum Undo {
    /// Bytes a read took from the front of pipe (id): put back.
    PipeTaken(u64, Vec<u8>),
    /// A count of bytes a write appended to pipe (id): taken off the end.
    PipePut(u64, usize),
    /// A count of bytes a read of host file (open file id) moved its host offset by:
    /// moved back.
    HostRead(u64, u64),
}

impl Default for VfsState {
    fn default() -> Self {
        VfsState::new()
    }
}

/// What a repair changed (all zero for a state a fault left consistent).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Repairs {
    /// Descriptors naming an open file that no longer exists (now stale: ESTALE).
    pub dangling_fds: usize,
    /// Open files whose reference count did not match the descriptors and in-flight
    /// SCM_RIGHTS messages naming them.
    pub refcounts: usize,
    /// Open files nothing referred to any more (closed).
    pub orphan_files: usize,
    /// Pipes whose reader or writer count did not match their open files.
    pub pipe_ends: usize,
    /// Pipes and sockets no open file referred to (dropped).
    pub orphan_objects: usize,
    /// Journaled changes of the faulted call taken back.
    pub undone: usize,
}

impl Repairs {
    /// Whether nothing needed repair.
    pub fn is_empty(&self) -> bool {
        *self == Repairs::default()
    }
}

impl VfsState {
    /// An empty state (a vfs that has not served anything yet).
    pub fn new() -> VfsState {
        VfsState {
            tables: BTreeMap::new(),
            files: BTreeMap::new(),
            pipes: BTreeMap::new(),
            fifos: Default::default(),
            next_id: 1,
            rng: 0x9e37_79b9_7f4a_7c15,
            locks: Default::default(),
            waits: Default::default(),
            unix: Default::default(),
            threads: BTreeMap::new(),
            mapped: BTreeSet::new(),
            journal: Vec::new(),
            xattrs: Default::default(),
            inotify: BTreeMap::new(),
            cookie: 0,
            exited: BTreeSet::new(),
            mounts: Default::default(),
            sysctl: BTreeMap::new(),
            pipe_max: super::procsys::PIPE_MAX_DEFAULT,
            slack: BTreeMap::new(),
            zombies: BTreeMap::new(),
            aio: Default::default(),
            handles: BTreeMap::new(),
            loops: Default::default(),
            host_children: BTreeMap::new(),
            host_quiet: false,
            owners: BTreeMap::new(),
            leases: Default::default(),
        }
    }

    /// Checks the invariants that tie the tables together and repairs what a fault in
    /// the middle of a call may have left half-done: every descriptor names an open
    /// file; every open file's reference count is the number of descriptors and queued
    /// SCM_RIGHTS messages naming it, and a file nothing names is closed; a pipe's
    /// reader and writer counts are its open ends; a pipe or socket without an open
    /// file (or a listener's queue) holding it is dropped; locks of closed files go.
    pub fn repair(&mut self) -> Repairs {
        let mut r = Repairs::default();
        // First the faulted call's journaled changes, newest first.
        while let Some(u) = self.journal.pop() {
            match u {
                Undo::PipeTaken(p, bytes) => self.pipes.get_mut(&p).map(|pp| pp.untake(&bytes)),
                Undo::PipePut(p, n) => self.pipes.get_mut(&p).map(|pp| pp.unput(n)),
                Undo::HostRead(f, n) => match self.files.get(&f).map(|f| &f.backend) {
                    Some(Backend::Host(h)) => {
                        use std::io::Seek;
                        (&*h).seek(std::io::SeekFrom::Current(-(n as i64))).ok().map(|_| ())
                    }
                    _ => None,
                },
            };
            r.undone += 1;
        }
        for t in self.tables.values_mut() {
            let dangling: Vec<i32> = t.fds.iter().filter(|(_, (f, _))| !self.files.contains_key(f)).map(|(fd, _)| *fd).collect();
            for fd in dangling {
                t.fds.remove(&fd);
                t.stale.insert(fd);
                r.dangling_fds += 1;
            }
        }
        let mut refs: BTreeMap<u64, usize> = BTreeMap::new();
        for t in self.tables.values() {
            for (f, _) in t.fds.values() {
                *refs.entry(*f).or_default() += 1;
            }
        }
        for s in self.unix.socks.values() {
            for m in &s.rx {
                for f in &m.fds {
                    *refs.entry(*f).or_default() += 1;
                }
            }
        }
        let mut orphans = Vec::new();
        for (id, f) in self.files.iter_mut() {
            let want = refs.get(id).copied().unwrap_or(0);
            if f.refs != want {
                f.refs = want;
                r.refcounts += 1;
            }
            if want == 0 {
                orphans.push(*id);
            }
        }
        for id in orphans {
            self.files.remove(&id);
            self.locks.release_file(id);
            for f in self.files.values_mut() {
                if let Backend::Epoll(ep) = &mut f.backend {
                    ep.items.retain(|(_, fl), _| *fl != id);
                }
            }
            r.orphan_files += 1;
        }
        let mut ends: BTreeMap<u64, (usize, usize)> = BTreeMap::new();
        let mut socks: BTreeSet<u64> = BTreeSet::new();
        for f in self.files.values() {
            match f.backend {
                Backend::PipeRead(p) => ends.entry(p).or_default().0 += 1,
                Backend::PipeWrite(p) => ends.entry(p).or_default().1 += 1,
                Backend::Unix(s) => {
                    socks.insert(s);
                }
                _ => {}
            }
        }
        self.pipes.retain(|id, p| {
            let (readers, writers) = ends.get(id).copied().unwrap_or((0, 0));
            if readers + writers == 0 {
                r.orphan_objects += 1;
                return false;
            }
            if (p.readers, p.writers) != (readers, writers) {
                (p.readers, p.writers) = (readers, writers);
                r.pipe_ends += 1;
            }
            true
        });
        // Sockets queued on a listener are not yet any file's: they stay.
        let queued: BTreeSet<u64> = self.unix.socks.values().flat_map(|s| s.pending.iter().copied()).collect();
        let gone: Vec<u64> = self.unix.socks.keys().filter(|s| !socks.contains(s) && !queued.contains(s)).copied().collect();
        for s in gone {
            self.unix.socks.remove(&s);
            self.unix.names.retain(|_, id| *id != s);
            r.orphan_objects += 1;
        }
        r
    }
}

impl std::ops::Deref for Vfs {
    type Target = VfsState;
    fn deref(&self) -> &VfsState {
        &self.st
    }
}

impl std::ops::DerefMut for Vfs {
    fn deref_mut(&mut self) -> &mut VfsState {
        self.changed = true;
        &mut self.st
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vfs::pipe::Pipe;

    fn file(backend: Backend, refs: usize) -> OpenFile {
        OpenFile { backend, flags: 0, offset: 0, path: String::new(), refs }
    }

    #[test]
    fn a_consistent_state_needs_no_repair() {
        let mut v = Vfs::new(std::env::temp_dir());
        v.init_process(1, "/bin/true");
        assert!(v.restart_keeping_state().is_empty());
        assert_eq!(v.generation, 1);
        assert_eq!(v.tables[&1].fds.len(), 3, "the descriptors outlive the instance");
    }

    #[test]
    fn a_half_done_call_is_repaired_and_its_journal_undone() {
        let mut st = VfsState::new();
        let mut t = FdTable::default();
        // fd 3 -> a pipe's read end whose count a faulted close already dropped; fd 4
        // -> a file the faulted call removed; file 9 is named by nothing.
        t.fds.insert(3, (1, false));
        t.fds.insert(4, (2, false));
        st.tables.insert(1, t);
        st.files.insert(1, file(Backend::PipeRead(5), 0));
        st.files.insert(9, file(Backend::Null, 1));
        let mut p = Pipe::default();
        (p.readers, p.writers) = (0, 1);
        p.untake(b"hello world");
        st.pipes.insert(5, p);
        let mut orphan = Pipe::default();
        (orphan.readers, orphan.writers) = (1, 1);
        st.pipes.insert(6, orphan);
        // The faulted call had taken 6 bytes from pipe 5 before it faulted.
        assert_eq!(st.pipes.get_mut(&5).unwrap().take_for_test(6), b"hello ");
        st.journal.push(Undo::PipeTaken(5, b"hello ".to_vec()));
        let r = st.repair();
        assert_eq!(r, Repairs { dangling_fds: 1, refcounts: 2, orphan_files: 1, pipe_ends: 1, orphan_objects: 1, undone: 1 });
        assert!(st.tables[&1].stale.contains(&4), "a descriptor naming nothing is stale");
        assert_eq!(st.files[&1].refs, 1);
        assert!(!st.files.contains_key(&9));
        assert_eq!((st.pipes[&5].readers, st.pipes[&5].writers), (1, 0));
        assert_eq!(st.pipes[&5].len(), 11, "the taken bytes are back");
        assert!(!st.pipes.contains_key(&6));
        assert!(st.repair().is_empty(), "a repaired state is consistent");
    }
}
