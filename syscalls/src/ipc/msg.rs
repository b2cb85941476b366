//! System V message queues (msgget(2), msgop(2), msgctl(2)): typed messages,
//! selection by type, byte and count limits, blocking senders and receivers.

use super::registry::{PermSet, Registry, IPC_NOWAIT, READ, WRITE};
use super::{kind, wait_key, Attempt, Pid, Step, Stop, Time};
use crate::creds::{cap, Creds, Errno};
use crate::sched::WaitKey;
use std::collections::VecDeque;

/// msgrcv flags.
pub const MSG_NOERROR: i32 = 0o10000;
pub const MSG_EXCEPT: i32 = 0o20000;
pub const MSG_COPY: i32 = 0o40000;

/// Linux's defaults (/proc/sys/kernel/msgmax, msgmnb, msgmni).
pub const MSGMAX: usize = 8192;
pub const MSGMNB: usize = 16384;
pub const MSGMNI: usize = 32000;

/// One message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub mtype: i64,
    pub text: Vec<u8>,
}

/// One queue.
#[derive(Debug, Default)]
pub struct Queue {
    messages: VecDeque<Message>,
    /// msg_qbytes: most bytes (and messages) the queue holds.
    pub qbytes: usize,
    pub cbytes: usize,
    pub lspid: Pid,
    pub lrpid: Pid,
    pub stime: Time,
    pub rtime: Time,
}

/// What IPC_STAT reports (struct msqid_ds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MsqStat {
    pub perm: super::registry::Perm,
    pub stime: Time,
    pub rtime: Time,
    pub ctime: Time,
    pub cbytes: usize,
    pub qnum: usize,
    pub qbytes: usize,
    pub lspid: Pid,
    pub lrpid: Pid,
}

/// Every message queue of an ipc namespace.
#[derive(Debug)]
pub struct MsgQueues {
    pub reg: Registry<Queue>,
}

impl Default for MsgQueues {
    fn default() -> Self {
        MsgQueues { reg: Registry::new(MSGMNI) }
    }
}

/// The key the senders and receivers of queue `id` wait on.
pub fn key_of(id: i32) -> WaitKey {
    wait_key(kind::MSG, id as u32 as u64)
}

impl MsgQueues {
    /// msgget(2).
    pub fn msgget(&mut self, key: i32, flags: i32, c: &Creds, now: Time) -> Result<i32, Errno> {
        self.reg.get(key, flags, c, now, |_| Ok(()), || Ok(Queue { qbytes: MSGMNB, ..Queue::default() }))
    }

    /// msgsnd(2): EINVAL for a size above MSGMAX or a type below 1, EACCES without
    /// write permission; a message that does not fit (bytes or count above
    /// msg_qbytes) waits, or EAGAIN with IPC_NOWAIT. Returns the keys to wake.
    #[allow(clippy::too_many_arguments)]
    pub fn msgsnd(&mut self, id: i32, mtype: i64, text: &[u8], flags: i32, c: &Creds, pid: Pid, now: Time, attempt: Attempt) -> Step<Vec<WaitKey>> {
        if text.len() > MSGMAX || mtype < 1 {
            return Err(Stop::Err(libc::EINVAL));
        }
        let e = self.reg.lookup_checked(id, attempt, c, WRITE)?;
        let q = &mut e.obj;
        if q.cbytes + text.len() > q.qbytes || q.messages.len() + 1 > q.qbytes {
            if flags & IPC_NOWAIT != 0 {
                return Err(Stop::Err(libc::EAGAIN));
            }
            return Err(attempt.would_block(key_of(id), libc::EAGAIN));
        }
        q.messages.push_back(Message { mtype, text: text.to_vec() });
        q.cbytes += text.len();
        q.lspid = pid;
        q.stime = now;
        Ok(vec![key_of(id)])
    }

    /// msgrcv(2): type 0 takes the first message, a positive type the first of that
    /// type (or, with MSG_EXCEPT, of any other), a negative type the first of the
    /// lowest type not above its absolute value. A message longer than `size` is E2BIG
    /// and stays queued unless MSG_NOERROR truncates it. None: ENOMSG with
    /// IPC_NOWAIT, else wait. MSG_COPY (with IPC_NOWAIT, without MSG_EXCEPT) copies
    /// the message at index `mtype` without removing it. Returns the message and
    /// the keys to wake.
    #[allow(clippy::too_many_arguments)]
    pub fn msgrcv(&mut self, id: i32, size: i64, mtype: i64, flags: i32, c: &Creds, pid: Pid, now: Time, attempt: Attempt) -> Step<(Message, Vec<WaitKey>)> {
        if size < 0 {
            return Err(Stop::Err(libc::EINVAL));
        }
        if flags & MSG_COPY != 0 && (flags & MSG_EXCEPT != 0 || flags & IPC_NOWAIT == 0) {
            return Err(Stop::Err(libc::EINVAL));
        }
        let e = self.reg.lookup_checked(id, attempt, c, READ)?;
        let q = &mut e.obj;
        let found = if flags & MSG_COPY != 0 {
            usize::try_from(mtype).ok().filter(|&i| i < q.messages.len())
        } else if mtype == 0 {
            (!q.messages.is_empty()).then_some(0)
        } else if mtype > 0 {
            let except = flags & MSG_EXCEPT != 0;
            q.messages.iter().position(|m| (m.mtype == mtype) != except)
        } else {
            let limit = mtype.checked_neg().unwrap_or(i64::MAX);
            let mut best: Option<(usize, i64)> = None;
            for (i, m) in q.messages.iter().enumerate() {
                if m.mtype <= limit && best.is_none_or(|(_, t)| m.mtype < t) {
                    best = Some((i, m.mtype));
                }
            }
            best.map(|(i, _)| i)
        };
        let Some(i) = found else {
            if flags & IPC_NOWAIT != 0 {
                return Err(Stop::Err(libc::ENOMSG));
            }
            return Err(attempt.would_block(key_of(id), libc::ENOMSG));
        };
        let size = size as usize;
        if q.messages[i].text.len() > size && flags & MSG_NOERROR == 0 {
            return Err(Stop::Err(libc::E2BIG));
        }
        if flags & MSG_COPY != 0 {
            let mut m = q.messages[i].clone();
            m.text.truncate(size);
            return Ok((m, Vec::new()));
        }
        let mut m = q.messages.remove(i).unwrap_or(Message { mtype: 0, text: Vec::new() });
        q.cbytes -= m.text.len();
        m.text.truncate(size);
        q.lrpid = pid;
        q.rtime = now;
        Ok((m, vec![key_of(id)]))
    }

    /// msgctl(IPC_STAT): read permission (EACCES).
    pub fn stat(&mut self, id: i32, c: &Creds) -> Result<MsqStat, Errno> {
        let e = self.reg.lookup_checked(id, Attempt::Fresh, c, READ)?;
        let q = &e.obj;
        Ok(MsqStat { perm: e.perm, stime: q.stime, rtime: q.rtime, ctime: e.ctime, cbytes: q.cbytes, qnum: q.messages.len(), qbytes: q.qbytes, lspid: q.lspid, lrpid: q.lrpid })
    }

    /// msgctl(IPC_SET): owner, creator or CAP_SYS_ADMIN (EPERM); raising msg_qbytes
    /// above MSGMNB needs CAP_SYS_RESOURCE (EPERM). Senders waiting for room wake.
    pub fn set(&mut self, id: i32, c: &Creds, perm: PermSet, qbytes: usize, now: Time) -> Result<Vec<WaitKey>, Errno> {
        self.reg.check_control(id, c)?;
        if qbytes > MSGMNB && !c.capable(cap::SYS_RESOURCE) {
            return Err(libc::EPERM);
        }
        let e = self.reg.set(id, c, perm, now)?;
        e.obj.qbytes = qbytes;
        Ok(vec![key_of(id)])
    }

    /// msgctl(IPC_RMID): owner, creator or CAP_SYS_ADMIN (EPERM). Every waiter wakes
    /// and gets EIDRM.
    pub fn remove(&mut self, id: i32, c: &Creds) -> Result<Vec<WaitKey>, Errno> {
        self.reg.check_control(id, c)?;
        self.reg.remove(id);
        Ok(vec![key_of(id)])
    }

    /// How many queues exist (msgctl(MSG_INFO)'s msgpool...).
    /// MSG_INFO's figures: queues, the highest slot in use (-1: none), messages and
    /// bytes queued in all.
    pub fn info(&self) -> (usize, i32, usize, usize) {
        let max = self.reg.iter().map(|e| e.id % 32768).max().unwrap_or(-1);
        (self.reg.len(), max, self.reg.iter().map(|e| e.obj.messages.len()).sum(), self.reg.iter().map(|e| e.obj.cbytes).sum())
    }

    pub fn count(&self) -> usize {
        self.reg.len()
    }
}

#[cfg(test)]
mod tests {
    use super::super::registry::{IPC_CREAT, IPC_EXCL, IPC_PRIVATE};
    use super::*;

    fn setup() -> (MsgQueues, i32, Creds) {
        let mut m = MsgQueues::default();
        let root = Creds::root();
        let id = m.msgget(IPC_PRIVATE, 0o600, &root, 0).unwrap();
        (m, id, root)
    }

    fn send(m: &mut MsgQueues, id: i32, t: i64, s: &str) -> Step<Vec<WaitKey>> {
        m.msgsnd(id, t, s.as_bytes(), 0, &Creds::root(), 10, 1, Attempt::Fresh)
    }

    fn recv(m: &mut MsgQueues, id: i32, size: i64, t: i64, flags: i32) -> Step<(i64, String)> {
        m.msgrcv(id, size, t, flags, &Creds::root(), 11, 2, Attempt::Fresh).map(|(msg, _)| (msg.mtype, String::from_utf8(msg.text).unwrap()))
    }

    #[test]
    fn get_create_exclusive_and_missing() {
        let mut m = MsgQueues::default();
        let root = Creds::root();
        let id = m.msgget(0x4758, IPC_CREAT | IPC_EXCL | 0o600, &root, 0).unwrap();
        assert_eq!(m.msgget(0x4758, IPC_CREAT | IPC_EXCL | 0o600, &root, 0), Err(libc::EEXIST));
        assert_eq!(m.msgget(0x4758, 0, &root, 0), Ok(id));
        assert_eq!(m.msgget(0x4759, 0o600, &root, 0), Err(libc::ENOENT));
    }

    #[test]
    fn selection_by_type_as_msgrcv_2() {
        let (mut m, id, _) = setup();
        for (t, s) in [(1, "hello"), (2, "world"), (3, "three"), (2, "again")] {
            send(&mut m, id, t, s).unwrap();
        }
        assert_eq!(recv(&mut m, id, 64, 2, 0), Ok((2, "world".into())), "first of type 2");
        assert_eq!(recv(&mut m, id, 64, 1, MSG_EXCEPT), Ok((3, "three".into())), "first not of type 1");
        assert_eq!(recv(&mut m, id, 64, -5, 0), Ok((1, "hello".into())), "lowest type <= 5");
        assert_eq!(recv(&mut m, id, 64, 0, 0), Ok((2, "again".into())), "first in queue");
        assert_eq!(recv(&mut m, id, 64, 0, IPC_NOWAIT), Err(Stop::Err(libc::ENOMSG)));
        assert_eq!(recv(&mut m, id, 64, 0, 0), Err(Stop::Block(key_of(id))));
    }

    #[test]
    fn too_long_is_e2big_and_stays_unless_noerror() {
        let (mut m, id, root) = setup();
        send(&mut m, id, 1, "hello").unwrap();
        assert_eq!(recv(&mut m, id, 3, 0, 0), Err(Stop::Err(libc::E2BIG)));
        assert_eq!(m.stat(id, &root).unwrap().qnum, 1);
        assert_eq!(recv(&mut m, id, 3, 0, MSG_NOERROR), Ok((1, "hel".into())));
        let st = m.stat(id, &root).unwrap();
        assert_eq!((st.qnum, st.cbytes, st.lspid, st.lrpid, st.stime, st.rtime), (0, 0, 10, 11, 1, 2));
        assert_eq!(recv(&mut m, id, -1, 0, 0), Err(Stop::Err(libc::EINVAL)));
    }

    #[test]
    fn send_checks_and_full_queue() {
        let (mut m, id, root) = setup();
        assert_eq!(send(&mut m, id, 0, "x"), Err(Stop::Err(libc::EINVAL)), "mtype must be positive");
        assert_eq!(m.msgsnd(id, 1, &vec![0; MSGMAX + 1], 0, &root, 1, 0, Attempt::Fresh), Err(Stop::Err(libc::EINVAL)));
        let chunk = vec![0u8; MSGMAX];
        m.msgsnd(id, 1, &chunk, 0, &root, 1, 0, Attempt::Fresh).unwrap();
        m.msgsnd(id, 1, &chunk, 0, &root, 1, 0, Attempt::Fresh).unwrap();
        assert_eq!(m.msgsnd(id, 1, b"x", IPC_NOWAIT, &root, 1, 0, Attempt::Fresh), Err(Stop::Err(libc::EAGAIN)));
        assert_eq!(m.msgsnd(id, 1, b"x", 0, &root, 1, 0, Attempt::Fresh), Err(Stop::Block(key_of(id))));
        assert_eq!(m.msgsnd(id, 1, b"x", 0, &root, 1, 0, Attempt::Signalled), Err(Stop::Err(libc::EINTR)));
        recv(&mut m, id, MSGMAX as i64, 0, 0).unwrap();
        assert!(m.msgsnd(id, 1, b"x", 0, &root, 1, 0, Attempt::Woken).is_ok(), "room after a receive");
    }

    #[test]
    fn message_count_is_bounded_by_qbytes_too() {
        let (mut m, id, root) = setup();
        m.set(id, &root, PermSet { uid: 0, gid: 0, mode: 0o600 }, 3, 0).unwrap();
        for _ in 0..3 {
            m.msgsnd(id, 1, b"", IPC_NOWAIT, &root, 1, 0, Attempt::Fresh).unwrap();
        }
        assert_eq!(m.msgsnd(id, 1, b"", IPC_NOWAIT, &root, 1, 0, Attempt::Fresh), Err(Stop::Err(libc::EAGAIN)), "zero-length messages count");
    }

    #[test]
    fn permissions_after_dropping_root() {
        let (mut m, id, root) = setup();
        let nobody = Creds::with_ids(65534, 65534);
        assert_eq!(m.msgsnd(id, 1, b"x", 0, &nobody, 1, 0, Attempt::Fresh), Err(Stop::Err(libc::EACCES)));
        assert_eq!(m.msgrcv(id, 8, 0, 0, &nobody, 1, 0, Attempt::Fresh), Err(Stop::Err(libc::EACCES)));
        assert_eq!(m.stat(id, &nobody).err(), Some(libc::EACCES));
        assert_eq!(m.remove(id, &nobody), Err(libc::EPERM));
        let ps = PermSet { uid: 0, gid: 0, mode: 0o600 };
        assert_eq!(m.set(id, &root, ps, MSGMNB * 2, 0).map(|_| ()), Ok(()), "root may raise qbytes");
        let mut owner = Creds::with_ids(1000, 1000);
        let oid = m.msgget(IPC_PRIVATE, 0o600, &owner, 0).unwrap();
        assert_eq!(m.set(oid, &owner, ps, MSGMNB * 2, 0), Err(libc::EPERM), "CAP_SYS_RESOURCE needed");
        owner.effective = owner.effective.with(cap::SYS_RESOURCE);
        assert!(m.set(oid, &owner, ps, MSGMNB * 2, 0).is_ok());
    }

    #[test]
    fn removal_wakes_waiters_with_eidrm() {
        let (mut m, id, root) = setup();
        assert_eq!(recv(&mut m, id, 8, 0, 0), Err(Stop::Block(key_of(id))));
        assert_eq!(m.remove(id, &root), Ok(vec![key_of(id)]));
        assert_eq!(m.msgrcv(id, 8, 0, 0, &root, 1, 0, Attempt::Woken), Err(Stop::Err(libc::EIDRM)));
        assert_eq!(send(&mut m, id, 1, "x"), Err(Stop::Err(libc::EINVAL)), "a fresh call sees EINVAL");
        assert_eq!(m.count(), 0);
    }

    #[test]
    fn msg_copy_reads_without_removing() {
        let (mut m, id, root) = setup();
        send(&mut m, id, 4, "a").unwrap();
        send(&mut m, id, 5, "b").unwrap();
        assert_eq!(recv(&mut m, id, 8, 1, MSG_COPY | IPC_NOWAIT), Ok((5, "b".into())));
        assert_eq!(recv(&mut m, id, 8, 2, MSG_COPY | IPC_NOWAIT), Err(Stop::Err(libc::ENOMSG)));
        assert_eq!(recv(&mut m, id, 8, 0, MSG_COPY), Err(Stop::Err(libc::EINVAL)));
        assert_eq!(m.stat(id, &root).unwrap().qnum, 2);
    }

    #[test]
    fn timeout_and_signal_on_a_blocked_receive() {
        let (mut m, id, root) = setup();
        assert_eq!(m.msgrcv(id, 8, 0, 0, &root, 1, 0, Attempt::TimedOut), Err(Stop::Err(libc::ENOMSG)));
        assert_eq!(m.msgrcv(id, 8, 0, 0, &root, 1, 0, Attempt::Signalled), Err(Stop::Err(libc::EINTR)));
    }
}
