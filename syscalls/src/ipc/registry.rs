//! The key → id table every System V IPC kind shares: ipcget's IPC_PRIVATE /
//! IPC_CREAT / IPC_EXCL rules, ids that are not reused at once, ownership, and the
//! permission checks of svipc(7).

use super::{Attempt, Time};
use crate::creds::{may_ipc, may_ipc_control, Creds, Errno, IpcPerm};
use std::collections::{BTreeMap, VecDeque};

pub const IPC_PRIVATE: i32 = 0;
pub const IPC_CREAT: i32 = 0o1000;
pub const IPC_EXCL: i32 = 0o2000;
pub const IPC_NOWAIT: i32 = 0o4000;
pub const IPC_RMID: i32 = 0;
pub const IPC_SET: i32 = 1;
pub const IPC_STAT: i32 = 2;
pub const IPC_INFO: i32 = 3;

/// S_IRUGO / S_IWUGO: what IPC_STAT and the writing operations ask of ipcperms.
pub const READ: u32 = 0o444;
pub const WRITE: u32 = 0o222;

/// IPCMNI: ids are seq * SEQ_MULTIPLIER + slot, so a removed id is not handed out
/// again until the sequence wraps.
const SEQ_MULTIPLIER: i32 = 32768;
/// How many removed ids are remembered to tell a woken waiter EIDRM.
const REMEMBER_REMOVED: usize = 256;

/// struct ipc_perm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Perm {
    pub key: i32,
    pub uid: u32,
    pub gid: u32,
    pub cuid: u32,
    pub cgid: u32,
    /// Permission bits (low nine) plus kind-specific flags (SHM_DEST, SHM_LOCKED).
    pub mode: u32,
}

impl Perm {
    pub fn ipc(&self) -> IpcPerm {
        IpcPerm { uid: self.uid, gid: self.gid, cuid: self.cuid, cgid: self.cgid, mode: self.mode & 0o777 }
    }
}

/// What IPC_SET may change in struct ipc_perm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PermSet {
    pub uid: u32,
    pub gid: u32,
    pub mode: u32,
}

/// One object in the table.
#[derive(Debug)]
pub struct Entry<T> {
    pub id: i32,
    pub perm: Perm,
    /// Last change by IPC_SET (or creation): the *_ctime field.
    pub ctime: Time,
    pub obj: T,
}

/// A table of one kind of object.
#[derive(Debug)]
pub struct Registry<T> {
    slots: BTreeMap<i32, Entry<T>>,
    /// Slot of each object by key (not IPC_PRIVATE's): ipcget without a walk.
    by_key: BTreeMap<i32, i32>,
    /// No slot below this one is free (the table may hold SEMMNI objects).
    free_from: i32,
    seq: i32,
    /// Most objects at once (MSGMNI, SEMMNI, SHMMNI): ENOSPC beyond.
    pub limit: usize,
    removed: VecDeque<i32>,
    /// The id the next new object asks for (/proc/sys/kernel/*_next_id, -1: none):
    /// its sequence number and the first free slot from its slot on (ipc_idr_alloc).
    pub next_id: i32,
}

impl<T> Registry<T> {
    pub fn new(limit: usize) -> Registry<T> {
        Registry { slots: BTreeMap::new(), by_key: BTreeMap::new(), free_from: 0, seq: 0, limit: limit.min(SEQ_MULTIPLIER as usize), removed: VecDeque::new(), next_id: -1 }
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// ipcget (msgget(2), semget(2), shmget(2)): IPC_PRIVATE always creates; a key
    /// not yet in use creates with IPC_CREAT (else ENOENT); an existing key is
    /// EEXIST with IPC_CREAT|IPC_EXCL, then `check_existing` (EINVAL for a set too
    /// small...), then the access asked for by `flags`'s permission bits (EACCES).
    /// A new object belongs to the caller's effective ids, mode `flags & 0777`.
    pub fn get(
        &mut self,
        key: i32,
        flags: i32,
        c: &Creds,
        now: Time,
        check_existing: impl FnOnce(&T) -> Result<(), Errno>,
        create: impl FnOnce() -> Result<T, Errno>,
    ) -> Result<i32, Errno> {
        if key != IPC_PRIVATE {
            if let Some(e) = self.by_key.get(&key).and_then(|s| self.slots.get(s)) {
                if flags & IPC_CREAT != 0 && flags & IPC_EXCL != 0 {
                    return Err(libc::EEXIST);
                }
                check_existing(&e.obj)?;
                may_ipc(c, e.perm.ipc(), flags as u32 & 0o777)?;
                return Ok(e.id);
            }
            if flags & IPC_CREAT == 0 {
                return Err(libc::ENOENT);
            }
        }
        if self.slots.len() >= self.limit {
            return Err(libc::ENOSPC);
        }
        let obj = create()?;
        let id = if self.next_id >= 0 {
            let (seq, from) = (self.next_id / SEQ_MULTIPLIER, self.next_id % SEQ_MULTIPLIER);
            let slot = (from..SEQ_MULTIPLIER).chain(0..from).find(|s| !self.slots.contains_key(s)).unwrap_or(from);
            self.next_id = -1;
            seq * SEQ_MULTIPLIER + slot
        } else {
            let slot = (self.free_from..).find(|s| !self.slots.contains_key(s)).unwrap_or(0);
            self.free_from = slot + 1;
            self.seq = (self.seq + 1) % (i32::MAX / SEQ_MULTIPLIER);
            self.seq * SEQ_MULTIPLIER + slot
        };
        let slot = id % SEQ_MULTIPLIER;
        let perm = Perm { key, uid: c.euid, gid: c.egid, cuid: c.euid, cgid: c.egid, mode: flags as u32 & 0o777 };
        self.slots.insert(slot, Entry { id, perm, ctime: now, obj });
        if key != IPC_PRIVATE {
            self.by_key.insert(key, slot);
        }
        Ok(id)
    }

    /// The object with this id: EINVAL if there is none, EIDRM instead when a
    /// waiter woken up finds its object removed (msgrcv(2), semop(2) "EIDRM").
    pub fn lookup(&mut self, id: i32, attempt: Attempt) -> Result<&mut Entry<T>, Errno> {
        let gone = if attempt.is_retry() && self.removed.contains(&id) { libc::EIDRM } else { libc::EINVAL };
        if id < 0 {
            return Err(libc::EINVAL);
        }
        match self.slots.get_mut(&(id % SEQ_MULTIPLIER)) {
            Some(e) if e.id == id => Ok(e),
            _ => Err(gone),
        }
    }

    /// lookup, then ipcperms for `want` (READ, WRITE or both): EACCES.
    pub fn lookup_checked(&mut self, id: i32, attempt: Attempt, c: &Creds, want: u32) -> Result<&mut Entry<T>, Errno> {
        let e = self.lookup(id, attempt)?;
        may_ipc(c, e.perm.ipc(), want)?;
        Ok(e)
    }

    /// Takes the object out of the table (IPC_RMID); its id is remembered for EIDRM.
    pub fn remove(&mut self, id: i32) -> Option<T> {
        let slot = id % SEQ_MULTIPLIER;
        if self.slots.get(&slot).map(|e| e.id) != Some(id) {
            return None;
        }
        if self.removed.len() == REMEMBER_REMOVED {
            self.removed.pop_front();
        }
        self.removed.push_back(id);
        self.free_from = self.free_from.min(slot);
        let e = self.slots.remove(&slot)?;
        if e.perm.key != IPC_PRIVATE {
            self.by_key.remove(&e.perm.key);
        }
        Some(e.obj)
    }

    /// IPC_SET's permission part: the owner or creator, or CAP_SYS_ADMIN (EPERM);
    /// sets the owner ids and the nine permission bits.
    pub fn set(&mut self, id: i32, c: &Creds, new: PermSet, now: Time) -> Result<&mut Entry<T>, Errno> {
        let e = self.lookup(id, Attempt::Fresh)?;
        may_ipc_control(c, e.perm.ipc())?;
        e.perm.uid = new.uid;
        e.perm.gid = new.gid;
        e.perm.mode = (e.perm.mode & !0o777) | (new.mode & 0o777);
        e.ctime = now;
        Ok(e)
    }

    /// IPC_RMID's permission check: the owner or creator, or CAP_SYS_ADMIN (EPERM).
    pub fn check_control(&mut self, id: i32, c: &Creds) -> Result<&mut Entry<T>, Errno> {
        let e = self.lookup(id, Attempt::Fresh)?;
        may_ipc_control(c, e.perm.ipc())?;
        Ok(e)
    }

    /// The id of the object in slot `idx` (the *_STAT commands take a slot): EINVAL
    /// for an empty one.
    pub fn id_at(&self, idx: i32) -> Result<i32, Errno> {
        self.slots.get(&idx).map(|e| e.id).ok_or(libc::EINVAL)
    }

    /// Every object, in slot order (for /proc/sysvipc/* and *_INFO).
    pub fn iter(&self) -> impl Iterator<Item = &Entry<T>> {
        self.slots.values()
    }

    /// Every object, mutably.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Entry<T>> {
        self.slots.values_mut()
    }

    /// Changes an object's key (a shared memory segment marked for removal becomes
    /// IPC_PRIVATE, so shmget no longer finds it).
    pub fn rekey(&mut self, id: i32, key: i32) {
        if let Ok(e) = self.lookup(id, Attempt::Fresh) {
            let old = std::mem::replace(&mut e.perm.key, key);
            if old != IPC_PRIVATE {
                self.by_key.remove(&old);
            }
            if key != IPC_PRIVATE {
                self.by_key.insert(key, id % SEQ_MULTIPLIER);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg() -> Registry<u32> {
        Registry::new(4)
    }

    #[test]
    fn private_always_creates_and_keys_are_found_again() {
        let mut r = reg();
        let root = Creds::root();
        let a = r.get(IPC_PRIVATE, 0o600, &root, 0, |_| Ok(()), || Ok(1)).unwrap();
        let b = r.get(IPC_PRIVATE, 0o600, &root, 0, |_| Ok(()), || Ok(2)).unwrap();
        assert_ne!(a, b);
        let k = r.get(77, IPC_CREAT | 0o640, &root, 0, |_| Ok(()), || Ok(3)).unwrap();
        assert_eq!(r.get(77, 0, &root, 0, |_| Ok(()), || Ok(9)), Ok(k));
        assert_eq!(r.get(77, IPC_CREAT | IPC_EXCL, &root, 0, |_| Ok(()), || Ok(9)), Err(libc::EEXIST));
        assert_eq!(r.get(78, 0o600, &root, 0, |_| Ok(()), || Ok(9)), Err(libc::ENOENT));
        assert_eq!(r.lookup(k, Attempt::Fresh).unwrap().perm.mode, 0o640);
        assert_eq!(r.get(79, IPC_CREAT, &root, 0, |_| Ok(()), || Ok(4)).map(|_| ()), Ok(()));
        assert_eq!(r.get(80, IPC_CREAT, &root, 0, |_| Ok(()), || Ok(5)), Err(libc::ENOSPC));
    }

    #[test]
    fn existing_checks_come_before_permissions() {
        let mut r = reg();
        let root = Creds::root();
        r.get(5, IPC_CREAT | 0o600, &root, 0, |_| Ok(()), || Ok(1)).unwrap();
        let nobody = Creds::with_ids(65534, 65534);
        assert_eq!(r.get(5, 0o600, &nobody, 0, |_| Err(libc::EINVAL), || Ok(9)), Err(libc::EINVAL));
        assert_eq!(r.get(5, 0o600, &nobody, 0, |_| Ok(()), || Ok(9)), Err(libc::EACCES));
        assert!(r.get(5, 0, &nobody, 0, |_| Ok(()), || Ok(9)).is_ok(), "asking for no access");
    }

    #[test]
    fn removed_ids_are_einval_fresh_and_eidrm_for_woken_waiters() {
        let mut r = reg();
        let root = Creds::root();
        let id = r.get(IPC_PRIVATE, 0o600, &root, 0, |_| Ok(()), || Ok(1)).unwrap();
        assert_eq!(r.remove(id), Some(1));
        assert_eq!(r.remove(id), None);
        assert_eq!(r.lookup(id, Attempt::Fresh).err(), Some(libc::EINVAL));
        assert_eq!(r.lookup(id, Attempt::Woken).err(), Some(libc::EIDRM));
        let again = r.get(IPC_PRIVATE, 0o600, &root, 0, |_| Ok(()), || Ok(2)).unwrap();
        assert_ne!(again, id, "the slot is reused under a new sequence number");
        assert_eq!(again % SEQ_MULTIPLIER, id % SEQ_MULTIPLIER);
        assert_eq!(r.lookup(-1, Attempt::Fresh).err(), Some(libc::EINVAL));
    }

    #[test]
    fn next_id_is_taken_once_and_moves_past_a_used_slot() {
        let mut r = reg();
        let root = Creds::root();
        r.next_id = 2;
        assert_eq!(r.get(IPC_PRIVATE, 0o600, &root, 0, |_| Ok(()), || Ok(1)), Ok(2));
        assert_eq!(r.next_id, -1);
        r.next_id = 2 + SEQ_MULTIPLIER;
        assert_eq!(r.get(IPC_PRIVATE, 0o600, &root, 0, |_| Ok(()), || Ok(1)), Ok(3 + SEQ_MULTIPLIER), "slot 2 is taken");
    }

    #[test]
    fn set_needs_owner_creator_or_cap_sys_admin() {
        let mut r = reg();
        let root = Creds::root();
        let id = r.get(IPC_PRIVATE, 0o600, &root, 0, |_| Ok(()), || Ok(1)).unwrap();
        let u = Creds::with_ids(1000, 1000);
        let ps = PermSet { uid: 1000, gid: 1000, mode: 0o7640 };
        assert_eq!(r.set(id, &u, ps, 5).err(), Some(libc::EPERM));
        let e = r.set(id, &root, ps, 5).unwrap();
        assert_eq!((e.perm.uid, e.perm.cuid, e.perm.mode, e.ctime), (1000, 0, 0o640, 5));
        assert!(r.set(id, &u, PermSet { uid: 1000, gid: 1000, mode: 0o600 }, 6).is_ok(), "now the owner");
        assert_eq!(r.check_control(id, &Creds::with_ids(7, 7)).err(), Some(libc::EPERM));
        assert_eq!(r.lookup_checked(id, Attempt::Fresh, &Creds::with_ids(7, 7), READ).err(), Some(libc::EACCES));
    }
}
