//! The System V shared memory segment registry (shmget(2), shmop(2), shmctl(2)):
//! ids, keys, permissions, attach counts and destruction. The memory itself is mm's:
//! a segment carries the size mm must map and an opaque handle `F` to the frames mm
//! allocated for it (set on first attach), handed back when the segment dies.

use super::registry::{Perm, PermSet, Registry, IPC_PRIVATE, READ, WRITE};
use super::{Attempt, Pid, Time};
use crate::creds::{cap, Creds, Errno};

pub const SHM_RDONLY: i32 = 0o10000;
pub const SHM_RND: i32 = 0o20000;
pub const SHM_REMAP: i32 = 0o40000;
pub const SHM_EXEC: i32 = 0o100000;
/// shm_perm.mode flags reported by IPC_STAT.
pub const SHM_DEST: u32 = 0o1000;
pub const SHM_LOCKED: u32 = 0o2000;
/// Linux's defaults (linux/shm.h).
pub const SHMMIN: usize = 1;
pub const SHMMAX: usize = usize::MAX - (1 << 24);
pub const SHMMNI: usize = 4096;
/// shmget's SHM_HUGETLB.
pub const SHM_HUGETLB: i32 = 0o4000;

/// One segment.
#[derive(Debug)]
pub struct Segment<F> {
    pub size: usize,
    /// mm's frames for the segment, once it has allocated them.
    pub frames: Option<F>,
    pub nattch: usize,
    pub cpid: Pid,
    pub lpid: Pid,
    pub atime: Time,
    pub dtime: Time,
}

/// What IPC_STAT reports (struct shmid_ds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShmStat {
    pub perm: Perm,
    pub segsz: usize,
    pub atime: Time,
    pub dtime: Time,
    pub ctime: Time,
    pub cpid: Pid,
    pub lpid: Pid,
    pub nattch: usize,
}

/// What mm needs to map an attach.
#[derive(Debug, PartialEq, Eq)]
pub struct Attach<'a, F> {
    pub size: usize,
    pub frames: &'a mut Option<F>,
    pub read_only: bool,
    pub exec: bool,
}

/// Every segment of an ipc namespace.
#[derive(Debug)]
pub struct SharedMemory<F> {
    pub reg: Registry<Segment<F>>,
    /// kernel/shmmax: the largest segment shmget creates (EINVAL above).
    pub max_size: usize,
}

impl<F> Default for SharedMemory<F> {
    fn default() -> Self {
        SharedMemory { reg: Registry::new(SHMMNI), max_size: SHMMAX }
    }
}

impl<F> SharedMemory<F> {
    /// shmget(2): a new segment needs SHMMIN..=SHMMAX bytes (EINVAL); an existing one
    /// smaller than `size` is EINVAL. The size is kept as asked; mm rounds the mapping
    /// up to whole pages.
    pub fn shmget(&mut self, key: i32, size: usize, flags: i32, c: &Creds, pid: Pid, now: Time) -> Result<i32, Errno> {
        let max = self.max_size;
        self.reg.get(
            key,
            flags,
            c,
            now,
            |s| if size > s.size { Err(libc::EINVAL) } else { Ok(()) },
            || {
                if !(SHMMIN..=max).contains(&size) {
                    return Err(libc::EINVAL);
                }
                // No huge page size exists (newseg's hstate_sizelog finds none).
                if flags & SHM_HUGETLB != 0 {
                    return Err(libc::EINVAL);
                }
                Ok(Segment { size, frames: None, nattch: 0, cpid: pid, lpid: 0, atime: 0, dtime: 0 })
            },
        )
    }

    /// shmat(2): read permission, and write unless SHM_RDONLY (EACCES); EINVAL for a
    /// segment that does not exist. A segment marked for removal can still be
    /// attached while attached somewhere (Linux allows it). Counts the attach.
    pub fn shmat(&mut self, id: i32, flags: i32, c: &Creds, pid: Pid, now: Time) -> Result<Attach<'_, F>, Errno> {
        let read_only = flags & SHM_RDONLY != 0;
        let want = if read_only { READ } else { READ | WRITE };
        let e = self.reg.lookup_checked(id, Attempt::Fresh, c, want)?;
        let s = &mut e.obj;
        s.nattch += 1;
        s.lpid = pid;
        s.atime = now;
        Ok(Attach { size: s.size, frames: &mut s.frames, read_only, exec: flags & SHM_EXEC != 0 })
    }

    /// fork inherits an attach: count it (no permission check, no time change).
    pub fn inherit(&mut self, id: i32) {
        if let Ok(e) = self.reg.lookup(id, Attempt::Fresh) {
            e.obj.nattch += 1;
        }
    }

    /// shmdt(2) of the mapping mm found at the address (EINVAL there if none), and
    /// the unmapping at exit or exec. Returns the frames to release when this was
    /// the last attach of a segment marked for removal.
    pub fn detach(&mut self, id: i32, pid: Pid, now: Time) -> Option<F> {
        let e = self.reg.lookup(id, Attempt::Fresh).ok()?;
        let s = &mut e.obj;
        s.nattch = s.nattch.saturating_sub(1);
        s.lpid = pid;
        s.dtime = now;
        if s.nattch == 0 && e.perm.mode & SHM_DEST != 0 {
            return self.reg.remove(id).and_then(|s| s.frames);
        }
        None
    }

    /// shmctl IPC_STAT: read permission.
    pub fn stat(&mut self, id: i32, c: &Creds) -> Result<ShmStat, Errno> {
        let e = self.reg.lookup_checked(id, Attempt::Fresh, c, READ)?;
        let s = &e.obj;
        Ok(ShmStat { perm: e.perm, segsz: s.size, atime: s.atime, dtime: s.dtime, ctime: e.ctime, cpid: s.cpid, lpid: s.lpid, nattch: s.nattch })
    }

    /// shmctl IPC_SET.
    pub fn set(&mut self, id: i32, c: &Creds, perm: PermSet, now: Time) -> Result<(), Errno> {
        self.reg.set(id, c, perm, now).map(|_| ())
    }

    /// shmctl IPC_RMID: owner, creator or CAP_SYS_ADMIN (EPERM). An unattached
    /// segment dies at once (its frames are returned); an attached one is marked
    /// SHM_DEST and its key becomes IPC_PRIVATE, so shmget no longer finds it.
    pub fn remove(&mut self, id: i32, c: &Creds) -> Result<Option<F>, Errno> {
        let e = self.reg.check_control(id, c)?;
        if e.obj.nattch == 0 {
            return Ok(self.reg.remove(id).and_then(|s| s.frames));
        }
        e.perm.mode |= SHM_DEST;
        self.reg.rekey(id, IPC_PRIVATE);
        Ok(None)
    }

    /// shmctl SHM_LOCK / SHM_UNLOCK: the owner or creator, or CAP_IPC_LOCK (EPERM).
    /// (Nothing is ever swapped in grantix; the flag is reported by IPC_STAT.)
    pub fn lock(&mut self, id: i32, c: &Creds, lock: bool) -> Result<(), Errno> {
        let e = self.reg.lookup(id, Attempt::Fresh)?;
        if !(c.euid == e.perm.uid || c.euid == e.perm.cuid || c.capable(cap::IPC_LOCK)) {
            return Err(libc::EPERM);
        }
        if lock {
            e.perm.mode |= SHM_LOCKED;
        } else {
            e.perm.mode &= !SHM_LOCKED;
        }
        Ok(())
    }

    /// SHM_INFO's figures: segments, the highest slot in use (-1: none), pages of all
    /// segments and of those mm has frames for.
    pub fn info(&self) -> (usize, i32, usize, usize) {
        let pages = |e: &super::registry::Entry<Segment<F>>| e.obj.size.div_ceil(4096);
        let max = self.reg.iter().map(|e| e.id % 32768).max().unwrap_or(-1);
        (self.reg.len(), max, self.reg.iter().map(pages).sum(), self.reg.iter().filter(|e| e.obj.frames.is_some()).map(pages).sum())
    }

    /// The segment's size, for mm (shmdt of a partly unmapped segment...).
    pub fn size(&mut self, id: i32) -> Option<usize> {
        self.reg.lookup(id, Attempt::Fresh).ok().map(|e| e.obj.size)
    }
}

#[cfg(test)]
mod tests {
    use super::super::registry::{IPC_CREAT, IPC_EXCL};
    use super::*;

    /// A stand-in for mm's frame set: which "frames" were given to the segment.
    type Frames = Vec<u32>;

    fn setup() -> (SharedMemory<Frames>, i32, Creds) {
        let mut m = SharedMemory::default();
        let root = Creds::root();
        let id = m.shmget(0x47, 8192, IPC_CREAT | IPC_EXCL | 0o600, &root, 100, 1).unwrap();
        (m, id, root)
    }

    #[test]
    fn shmget_rules() {
        let (mut m, id, root) = setup();
        assert_eq!(m.shmget(0x47, 8192, IPC_CREAT | IPC_EXCL, &root, 1, 0), Err(libc::EEXIST));
        assert_eq!(m.shmget(0x47, 1 << 20, 0o600, &root, 1, 0), Err(libc::EINVAL), "existing segment smaller");
        assert_eq!(m.shmget(0x47, 0, 0o600, &root, 1, 0), Ok(id));
        assert_eq!(m.shmget(0x48, 4096, 0o600, &root, 1, 0), Err(libc::ENOENT));
        assert_eq!(m.shmget(IPC_PRIVATE, 0, IPC_CREAT, &root, 1, 0), Err(libc::EINVAL));
        let st = m.stat(id, &root).unwrap();
        assert_eq!((st.segsz, st.cpid, st.nattch, st.ctime), (8192, 100, 0, 1));
    }

    #[test]
    fn attach_counts_and_frames_handle() {
        let (mut m, id, root) = setup();
        let a = m.shmat(id, 0, &root, 101, 5).unwrap();
        assert_eq!((a.size, a.read_only), (8192, false));
        assert!(a.frames.is_none(), "mm allocates on first attach");
        *a.frames = Some(vec![7, 8]);
        let b = m.shmat(id, SHM_RDONLY, &root, 102, 6).unwrap();
        assert_eq!(b.frames.as_deref(), Some(&[7, 8][..]), "later attaches map the same frames");
        assert!(b.read_only);
        m.inherit(id);
        let st = m.stat(id, &root).unwrap();
        assert_eq!((st.nattch, st.lpid, st.atime), (3, 102, 6));
        assert_eq!(m.detach(id, 103, 9), None);
        assert_eq!(m.stat(id, &root).unwrap().dtime, 9);
    }

    #[test]
    fn rmid_while_attached_defers_and_hides_the_key() {
        let (mut m, id, root) = setup();
        *m.shmat(id, 0, &root, 1, 0).unwrap().frames = Some(vec![1]);
        assert_eq!(m.remove(id, &root), Ok(None));
        let st = m.stat(id, &root).unwrap();
        assert_eq!(st.perm.mode & SHM_DEST, SHM_DEST);
        assert_eq!(st.perm.key, IPC_PRIVATE);
        assert_eq!(m.shmget(0x47, 0, 0o600, &root, 1, 0), Err(libc::ENOENT), "key gone");
        assert!(m.shmat(id, 0, &root, 1, 0).is_ok(), "still attachable by id while attached");
        assert_eq!(m.detach(id, 1, 0), None);
        assert_eq!(m.detach(id, 1, 0), Some(vec![1]), "last detach returns the frames");
        assert_eq!(m.stat(id, &root).err(), Some(libc::EINVAL));
        assert!(m.shmat(id, 0, &root, 1, 0).is_err());
    }

    #[test]
    fn rmid_unattached_returns_frames_at_once() {
        let (mut m, id, root) = setup();
        *m.shmat(id, 0, &root, 1, 0).unwrap().frames = Some(vec![3]);
        m.detach(id, 1, 0);
        assert_eq!(m.remove(id, &root), Ok(Some(vec![3])));
        assert_eq!(m.size(id), None);
    }

    #[test]
    fn permissions() {
        let (mut m, id, root) = setup();
        let nobody = Creds::with_ids(65534, 65534);
        assert_eq!(m.shmat(id, 0, &nobody, 1, 0).err(), Some(libc::EACCES));
        assert_eq!(m.shmget(0x47, 0, 0o600, &nobody, 1, 0), Err(libc::EACCES));
        assert_eq!(m.remove(id, &nobody), Err(libc::EPERM));
        assert_eq!(m.lock(id, &nobody, true), Err(libc::EPERM));
        m.set(id, &root, PermSet { uid: 0, gid: 0, mode: 0o644 }, 0).unwrap();
        assert!(m.shmat(id, SHM_RDONLY, &nobody, 1, 0).is_ok(), "read-only attach with read permission");
        assert_eq!(m.shmat(id, 0, &nobody, 1, 0).err(), Some(libc::EACCES));
        m.lock(id, &root, true).unwrap();
        assert_eq!(m.stat(id, &root).unwrap().perm.mode & SHM_LOCKED, SHM_LOCKED);
    }
}
