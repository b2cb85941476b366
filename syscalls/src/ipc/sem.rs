//! System V semaphore sets (semget(2), semop(2), semctl(2)): atomic operation
//! arrays, waiting for a value or for zero, IPC_NOWAIT, SEM_UNDO adjustments applied
//! when a process exits, and the counters of waiting tasks.

use super::registry::{Perm, PermSet, Registry, IPC_NOWAIT, READ, WRITE};
use super::{kind, wait_key, Attempt, Pid, Step, Stop, Time};
use crate::creds::{Creds, Errno};
use crate::sched::WaitKey;
use std::collections::BTreeMap;

pub const SEM_UNDO: i16 = 0x1000;
/// Linux's defaults (/proc/sys/kernel/sem and linux/sem.h).
pub const SEMMSL: usize = 32000;
pub const SEMOPM: usize = 500;
pub const SEMMNI: usize = 32000;
pub const SEMVMX: i32 = 32767;
pub const SEMAEM: i32 = SEMVMX;

/// struct sembuf.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SemBuf {
    pub num: u16,
    pub op: i16,
    pub flg: i16,
}

#[derive(Clone, Copy, Debug, Default)]
struct Sem {
    val: i32,
    pid: Pid,
}

/// A thread waiting in semop: which semaphore it waits on and whether for zero.
#[derive(Clone, Copy, Debug)]
struct Waiter {
    tid: i32,
    num: u16,
    for_zero: bool,
}

/// One set.
#[derive(Debug, Default)]
pub struct SemSet {
    sems: Vec<Sem>,
    otime: Time,
    waiters: Vec<Waiter>,
}

/// What IPC_STAT reports (struct semid_ds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SemStat {
    pub perm: Perm,
    pub otime: Time,
    pub ctime: Time,
    pub nsems: usize,
}

/// Every semaphore set of an ipc namespace, and the SEM_UNDO adjustments of every
/// process (shared by its threads, not inherited by fork).
#[derive(Debug)]
pub struct Semaphores {
    pub reg: Registry<SemSet>,
    /// (process, set id) → adjustment per semaphore.
    undo: BTreeMap<(Pid, i32), Vec<i32>>,
}

impl Default for Semaphores {
    fn default() -> Self {
        Semaphores { reg: Registry::new(SEMMNI), undo: BTreeMap::new() }
    }
}

/// The key the waiters of set `id` wait on.
pub fn key_of(id: i32) -> WaitKey {
    wait_key(kind::SEM, id as u32 as u64)
}

/// Who calls: the process (for SEM_UNDO and sempid) and the thread (for the waiter
/// counts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caller {
    pub pid: Pid,
    pub tid: i32,
}

impl Semaphores {
    /// semget(2): nsems above SEMMSL is EINVAL; a new set needs at least one
    /// semaphore (EINVAL); an existing set with fewer than `nsems` is EINVAL.
    pub fn semget(&mut self, key: i32, nsems: i32, flags: i32, c: &Creds, now: Time) -> Result<i32, Errno> {
        if nsems < 0 || nsems as usize > SEMMSL {
            return Err(libc::EINVAL);
        }
        let n = nsems as usize;
        self.reg.get(
            key,
            flags,
            c,
            now,
            |s| if n > s.sems.len() { Err(libc::EINVAL) } else { Ok(()) },
            || if n == 0 { Err(libc::EINVAL) } else { Ok(SemSet { sems: vec![Sem::default(); n], ..SemSet::default() }) },
        )
    }

    /// semop(2) / semtimedop(2): all operations or none. EINVAL for no operations,
    /// E2BIG for more than SEMOPM, EFBIG for a semaphore number out of range, then
    /// EACCES (write permission when any op alters, read otherwise); ERANGE when a
    /// value would pass SEMVMX or an undo adjustment SEMAEM. An operation that cannot
    /// proceed (a decrement below zero, a wait for zero on a nonzero value) makes
    /// the call wait, or EAGAIN if that operation has IPC_NOWAIT (and on a timeout).
    /// Returns the keys to wake.
    pub fn semop(&mut self, id: i32, sops: &[SemBuf], c: &Creds, who: Caller, now: Time, attempt: Attempt) -> Step<Vec<WaitKey>> {
        if sops.is_empty() {
            return Err(Stop::Err(libc::EINVAL));
        }
        if sops.len() > SEMOPM {
            return Err(Stop::Err(libc::E2BIG));
        }
        let max = sops.iter().map(|s| s.num as usize).max().unwrap_or(0);
        let alter = sops.iter().any(|s| s.op != 0);
        let e = self.reg.lookup(id, attempt)?;
        if max >= e.obj.sems.len() {
            return Err(Stop::Err(libc::EFBIG));
        }
        crate::creds::may_ipc(c, e.perm.ipc(), if alter { WRITE } else { READ })?;
        let set = &mut e.obj;
        set.waiters.retain(|w| w.tid != who.tid);
        let nsems = set.sems.len();
        let undo = self.undo.get(&(who.pid, id));
        let mut vals: Vec<i32> = set.sems.iter().map(|s| s.val).collect();
        let mut adj: Vec<i32> = undo.cloned().unwrap_or_else(|| vec![0; nsems]);
        for s in sops {
            let n = s.num as usize;
            let cur = vals[n];
            let blocked = (s.op == 0 && cur != 0) || cur + (s.op as i32) < 0;
            if blocked {
                if s.flg & IPC_NOWAIT as i16 != 0 {
                    return Err(Stop::Err(libc::EAGAIN));
                }
                let stop = attempt.would_block(key_of(id), libc::EAGAIN);
                if let Stop::Block(_) = stop {
                    set.waiters.push(Waiter { tid: who.tid, num: s.num, for_zero: s.op == 0 });
                }
                return Err(stop);
            }
            let new = cur + s.op as i32;
            if new > SEMVMX {
                return Err(Stop::Err(libc::ERANGE));
            }
            if s.flg & SEM_UNDO != 0 {
                let a = adj[n] - s.op as i32;
                if !(-SEMAEM - 1..=SEMAEM).contains(&a) {
                    return Err(Stop::Err(libc::ERANGE));
                }
                adj[n] = a;
            }
            vals[n] = new;
        }
        for s in sops {
            set.sems[s.num as usize].pid = who.pid;
        }
        for (sem, v) in set.sems.iter_mut().zip(vals) {
            sem.val = v;
        }
        set.otime = now;
        if sops.iter().any(|s| s.flg & SEM_UNDO != 0) {
            self.undo.insert((who.pid, id), adj);
        }
        Ok(if alter { vec![key_of(id)] } else { Vec::new() })
    }

    /// A thread blocked in semop was killed or gave up: it no longer counts as waiting.
    pub fn cancel(&mut self, tid: i32) {
        for e in self.reg.iter_mut() {
            e.obj.waiters.retain(|w| w.tid != tid);
        }
    }

    /// A process exits: its SEM_UNDO adjustments are added to the semaphores (values
    /// clamped to 0..=SEMVMX, as Linux does) and its sempid recorded. Returns the
    /// keys to wake.
    pub fn exit(&mut self, pid: Pid) -> Vec<WaitKey> {
        let mine: Vec<(i32, Vec<i32>)> = self.undo.range((pid, i32::MIN)..=(pid, i32::MAX)).map(|(&(_, id), a)| (id, a.clone())).collect();
        let mut wake = Vec::new();
        for (id, adj) in mine {
            self.undo.remove(&(pid, id));
            let Ok(e) = self.reg.lookup(id, Attempt::Fresh) else { continue };
            let mut changed = false;
            for (s, a) in e.obj.sems.iter_mut().zip(adj) {
                if a != 0 {
                    s.val = (s.val + a).clamp(0, SEMVMX);
                    s.pid = pid;
                    changed = true;
                }
            }
            if changed {
                wake.push(key_of(id));
            }
        }
        wake
    }

    fn sem_index(e: &super::registry::Entry<SemSet>, num: i32) -> Result<usize, Errno> {
        usize::try_from(num).ok().filter(|&n| n < e.obj.sems.len()).ok_or(libc::EINVAL)
    }

    /// semctl GETVAL: read permission; EINVAL for a semaphore out of range.
    pub fn getval(&mut self, id: i32, num: i32, c: &Creds) -> Result<i32, Errno> {
        let e = self.reg.lookup_checked(id, Attempt::Fresh, c, READ)?;
        Ok(e.obj.sems[Self::sem_index(e, num)?].val)
    }

    /// semctl GETPID: the process that last operated on the semaphore.
    pub fn getpid(&mut self, id: i32, num: i32, c: &Creds) -> Result<Pid, Errno> {
        let e = self.reg.lookup_checked(id, Attempt::Fresh, c, READ)?;
        Ok(e.obj.sems[Self::sem_index(e, num)?].pid)
    }

    /// semctl GETNCNT / GETZCNT: threads waiting for the value to grow / to be zero.
    pub fn waiting(&mut self, id: i32, num: i32, for_zero: bool, c: &Creds) -> Result<usize, Errno> {
        let e = self.reg.lookup_checked(id, Attempt::Fresh, c, READ)?;
        let n = Self::sem_index(e, num)? as u16;
        Ok(e.obj.waiters.iter().filter(|w| w.num == n && w.for_zero == for_zero).count())
    }

    /// semctl GETALL.
    pub fn getall(&mut self, id: i32, c: &Creds) -> Result<Vec<u16>, Errno> {
        let e = self.reg.lookup_checked(id, Attempt::Fresh, c, READ)?;
        Ok(e.obj.sems.iter().map(|s| s.val as u16).collect())
    }

    /// semctl SETVAL: write permission; ERANGE outside 0..=SEMVMX. Clears every
    /// process's undo adjustment for that semaphore. Returns the keys to wake.
    pub fn setval(&mut self, id: i32, num: i32, val: i32, c: &Creds, pid: Pid, now: Time) -> Result<Vec<WaitKey>, Errno> {
        let e = self.reg.lookup_checked(id, Attempt::Fresh, c, WRITE)?;
        let n = Self::sem_index(e, num)?;
        if !(0..=SEMVMX).contains(&val) {
            return Err(libc::ERANGE);
        }
        e.obj.sems[n] = Sem { val, pid };
        e.ctime = now;
        for ((_, sid), adj) in self.undo.iter_mut() {
            if *sid == id {
                adj[n] = 0;
            }
        }
        Ok(vec![key_of(id)])
    }

    /// semctl SETALL: one value per semaphore (EINVAL otherwise), each at most SEMVMX
    /// (ERANGE). Clears the set's undo adjustments.
    pub fn setall(&mut self, id: i32, vals: &[u16], c: &Creds, pid: Pid, now: Time) -> Result<Vec<WaitKey>, Errno> {
        let e = self.reg.lookup_checked(id, Attempt::Fresh, c, WRITE)?;
        if vals.len() != e.obj.sems.len() {
            return Err(libc::EINVAL);
        }
        if vals.iter().any(|&v| v as i32 > SEMVMX) {
            return Err(libc::ERANGE);
        }
        for (s, &v) in e.obj.sems.iter_mut().zip(vals) {
            *s = Sem { val: v as i32, pid };
        }
        e.ctime = now;
        self.undo.retain(|(_, sid), _| *sid != id);
        Ok(vec![key_of(id)])
    }

    /// semctl IPC_STAT: read permission.
    pub fn stat(&mut self, id: i32, c: &Creds) -> Result<SemStat, Errno> {
        let e = self.reg.lookup_checked(id, Attempt::Fresh, c, READ)?;
        Ok(SemStat { perm: e.perm, otime: e.obj.otime, ctime: e.ctime, nsems: e.obj.sems.len() })
    }

    /// semctl IPC_SET.
    pub fn set(&mut self, id: i32, c: &Creds, perm: PermSet, now: Time) -> Result<(), Errno> {
        self.reg.set(id, c, perm, now).map(|_| ())
    }

    /// semctl IPC_RMID: waiters wake with EIDRM; undo entries for the set vanish.
    /// How many semaphores set `id` has (no permission check: semctl SETALL needs it
    /// to know how much to read before setall checks write permission).
    pub fn nsems(&mut self, id: i32) -> Result<usize, Errno> {
        Ok(self.reg.lookup(id, Attempt::Fresh)?.obj.sems.len())
    }

    /// SEM_INFO's figures: sets, the highest slot in use (-1: none), semaphores in all.
    pub fn info(&self) -> (usize, i32, usize) {
        let max = self.reg.iter().map(|e| e.id % 32768).max().unwrap_or(-1);
        (self.reg.len(), max, self.reg.iter().map(|e| e.obj.sems.len()).sum())
    }

    pub fn remove(&mut self, id: i32, c: &Creds) -> Result<Vec<WaitKey>, Errno> {
        self.reg.check_control(id, c)?;
        self.reg.remove(id);
        self.undo.retain(|(_, sid), _| *sid != id);
        Ok(vec![key_of(id)])
    }
}

#[cfg(test)]
mod tests {
    use super::super::registry::{IPC_CREAT, IPC_EXCL, IPC_PRIVATE};
    use super::*;

    const P: Caller = Caller { pid: 100, tid: 100 };

    fn op(num: u16, op: i16, flg: i16) -> SemBuf {
        SemBuf { num, op, flg }
    }

    fn setup(n: i32) -> (Semaphores, i32, Creds) {
        let mut s = Semaphores::default();
        let root = Creds::root();
        let id = s.semget(IPC_PRIVATE, n, 0o600, &root, 0).unwrap();
        (s, id, root)
    }

    #[test]
    fn semget_rules() {
        let mut s = Semaphores::default();
        let root = Creds::root();
        let id = s.semget(9, 2, IPC_CREAT | IPC_EXCL | 0o600, &root, 0).unwrap();
        assert_eq!(s.semget(9, 2, IPC_CREAT | IPC_EXCL, &root, 0), Err(libc::EEXIST));
        assert_eq!(s.semget(9, 5, 0o600, &root, 0), Err(libc::EINVAL), "existing set has fewer");
        assert_eq!(s.semget(9, 0, 0o600, &root, 0), Ok(id), "0 means any size for an existing set");
        assert_eq!(s.semget(10, 1, 0o600, &root, 0), Err(libc::ENOENT));
        assert_eq!(s.semget(IPC_PRIVATE, 0, IPC_CREAT, &root, 0), Err(libc::EINVAL));
        assert_eq!(s.semget(IPC_PRIVATE, SEMMSL as i32 + 1, IPC_CREAT, &root, 0), Err(libc::EINVAL));
        assert_eq!(s.stat(id, &root).unwrap().nsems, 2);
    }

    #[test]
    fn decrement_waits_or_eagain() {
        let (mut s, id, root) = setup(1);
        s.setval(id, 0, 1, &root, 1, 0).unwrap();
        assert_eq!(s.semop(id, &[op(0, 0, IPC_NOWAIT as i16)], &root, P, 1, Attempt::Fresh), Err(Stop::Err(libc::EAGAIN)), "wait-for-zero on 1");
        s.semop(id, &[op(0, -1, 0)], &root, P, 1, Attempt::Fresh).unwrap();
        assert_eq!(s.getval(id, 0, &root), Ok(0));
        assert!(s.semop(id, &[op(0, 0, IPC_NOWAIT as i16)], &root, P, 1, Attempt::Fresh).is_ok());
        assert_eq!(s.semop(id, &[op(0, -1, IPC_NOWAIT as i16)], &root, P, 1, Attempt::Fresh), Err(Stop::Err(libc::EAGAIN)));
        assert_eq!(s.semop(id, &[op(0, -1, 0)], &root, P, 1, Attempt::TimedOut), Err(Stop::Err(libc::EAGAIN)), "semtimedop timeout");
        assert_eq!(s.semop(id, &[op(0, -1, 0)], &root, P, 1, Attempt::Signalled), Err(Stop::Err(libc::EINTR)));
    }

    #[test]
    fn argument_errors_in_linux_order() {
        let (mut s, id, root) = setup(2);
        assert_eq!(s.semop(id, &[], &root, P, 0, Attempt::Fresh), Err(Stop::Err(libc::EINVAL)));
        assert_eq!(s.semop(id, &vec![op(0, 1, 0); SEMOPM + 1], &root, P, 0, Attempt::Fresh), Err(Stop::Err(libc::E2BIG)));
        let nobody = Creds::with_ids(65534, 65534);
        assert_eq!(s.semop(id, &[op(5, 1, 0)], &nobody, P, 0, Attempt::Fresh), Err(Stop::Err(libc::EFBIG)), "EFBIG before EACCES");
        assert_eq!(s.semop(id, &[op(0, 1, 0)], &nobody, P, 0, Attempt::Fresh), Err(Stop::Err(libc::EACCES)));
        assert_eq!(s.semop(id, &[op(0, 0, IPC_NOWAIT as i16)], &nobody, P, 0, Attempt::Fresh), Err(Stop::Err(libc::EACCES)), "read needed to wait for zero");
        assert_eq!(s.setval(id, 0, SEMVMX + 1, &root, 1, 0), Err(libc::ERANGE));
        assert_eq!(s.setval(id, 0, -1, &root, 1, 0), Err(libc::ERANGE));
        assert_eq!(s.setval(id, 2, 1, &root, 1, 0), Err(libc::EINVAL));
        s.setval(id, 0, SEMVMX, &root, 1, 0).unwrap();
        assert_eq!(s.semop(id, &[op(0, 1, 0)], &root, P, 0, Attempt::Fresh), Err(Stop::Err(libc::ERANGE)));
    }

    #[test]
    fn all_or_nothing() {
        let (mut s, id, root) = setup(2);
        assert_eq!(s.semop(id, &[op(0, 1, 0), op(1, -1, IPC_NOWAIT as i16)], &root, P, 0, Attempt::Fresh), Err(Stop::Err(libc::EAGAIN)));
        assert_eq!(s.getall(id, &root), Ok(vec![0, 0]), "the first op was not applied");
        assert!(s.semop(id, &[op(0, 1, 0), op(0, -1, 0), op(1, 2, 0)], &root, P, 0, Attempt::Fresh).is_ok(), "ops see earlier ops of the same call");
        assert_eq!(s.getall(id, &root), Ok(vec![0, 2]));
    }

    #[test]
    fn sem_undo_is_applied_at_exit_and_cleared_by_setval() {
        let (mut s, id, root) = setup(2);
        let child = Caller { pid: 200, tid: 200 };
        s.semop(id, &[op(1, 3, SEM_UNDO)], &root, child, 0, Attempt::Fresh).unwrap();
        assert_eq!(s.getval(id, 1, &root), Ok(3));
        assert_eq!(s.exit(200), vec![key_of(id)]);
        assert_eq!(s.getval(id, 1, &root), Ok(0));
        assert_eq!(s.getpid(id, 1, &root), Ok(200));
        assert!(s.exit(200).is_empty(), "undo applied once");
        s.semop(id, &[op(0, 2, SEM_UNDO)], &root, child, 0, Attempt::Fresh).unwrap();
        s.setval(id, 0, 5, &root, 1, 0).unwrap();
        s.exit(200);
        assert_eq!(s.getval(id, 0, &root), Ok(5), "SETVAL cleared the adjustment");
    }

    #[test]
    fn undo_clamps_at_zero() {
        let (mut s, id, root) = setup(1);
        let child = Caller { pid: 300, tid: 300 };
        s.semop(id, &[op(0, 2, SEM_UNDO)], &root, child, 0, Attempt::Fresh).unwrap();
        s.semop(id, &[op(0, -2, 0)], &root, P, 0, Attempt::Fresh).unwrap();
        s.exit(300);
        assert_eq!(s.getval(id, 0, &root), Ok(0));
    }

    #[test]
    fn waiter_counts_and_wakeups() {
        let (mut s, id, root) = setup(1);
        let a = Caller { pid: 1, tid: 11 };
        let b = Caller { pid: 2, tid: 22 };
        assert_eq!(s.semop(id, &[op(0, -1, 0)], &root, a, 0, Attempt::Fresh), Err(Stop::Block(key_of(id))));
        assert_eq!(s.semop(id, &[op(0, -1, 0)], &root, a, 0, Attempt::Woken), Err(Stop::Block(key_of(id))), "a retry does not count twice");
        s.setval(id, 0, 1, &root, 0, 0).unwrap();
        assert_eq!(s.semop(id, &[op(0, 0, 0)], &root, b, 0, Attempt::Fresh), Err(Stop::Block(key_of(id))));
        assert_eq!(s.waiting(id, 0, false, &root), Ok(1));
        assert_eq!(s.waiting(id, 0, true, &root), Ok(1));
        assert!(s.semop(id, &[op(0, -1, 0)], &root, a, 0, Attempt::Woken).is_ok());
        assert_eq!(s.waiting(id, 0, false, &root), Ok(0));
        s.cancel(22);
        assert_eq!(s.waiting(id, 0, true, &root), Ok(0));
    }

    #[test]
    fn removal_gives_eidrm_to_woken_waiters() {
        let (mut s, id, root) = setup(1);
        assert_eq!(s.semop(id, &[op(0, -1, 0)], &root, P, 0, Attempt::Fresh), Err(Stop::Block(key_of(id))));
        assert_eq!(s.remove(id, &Creds::with_ids(5, 5)), Err(libc::EPERM));
        assert_eq!(s.remove(id, &root), Ok(vec![key_of(id)]));
        assert_eq!(s.semop(id, &[op(0, -1, 0)], &root, P, 0, Attempt::Woken), Err(Stop::Err(libc::EIDRM)));
        assert_eq!(s.semop(id, &[op(0, 1, 0)], &root, P, 0, Attempt::Fresh), Err(Stop::Err(libc::EINVAL)));
    }

    #[test]
    fn setall_getall() {
        let (mut s, id, root) = setup(2);
        s.setall(id, &[4, 0], &root, 7, 0).unwrap();
        assert_eq!(s.getall(id, &root), Ok(vec![4, 0]));
        assert_eq!(s.setall(id, &[1], &root, 7, 0), Err(libc::EINVAL));
        assert_eq!(s.setall(id, &[40000, 0], &root, 7, 0), Err(libc::ERANGE));
        assert_eq!(s.getpid(id, 0, &root), Ok(7));
        assert_eq!(s.getall(id, &Creds::with_ids(9, 9)), Err(libc::EACCES));
    }
}
