//! POSIX message queues (mq_overview(7), mq_open(3), mq_send(3), mq_receive(3),
//! mq_notify(3), mq_getattr(3), mq_unlink(3)): named queues with priorities and
//! limits, blocking senders and receivers, and one notification registration.
//!
//! Queue descriptors are file descriptors, which are vfs's: vfs keeps the open flags
//! (access mode, O_NONBLOCK) of each description and passes them in as `Open`.

use super::{kind, wait_key, Attempt, Pid, Step, Stop};
use crate::creds::{cap, may, may_access, may_delete, Creds, Errno, Inode};
use crate::sched::WaitKey;
use std::collections::{BTreeMap, BTreeSet};

/// MQ_PRIO_MAX: priorities are 0..MQ_PRIO_MAX.
pub const MQ_PRIO_MAX: u32 = 32768;
/// /proc/sys/fs/mqueue defaults and the hard ceilings (mq_overview(7)).
pub const MSG_DEFAULT: i64 = 10;
pub const MSG_MAX: i64 = 10;
pub const MSGSIZE_DEFAULT: i64 = 8192;
pub const MSGSIZE_MAX: i64 = 8192;
pub const HARD_MSGMAX: i64 = 65536;
pub const HARD_MSGSIZEMAX: i64 = 16 * 1024 * 1024;
pub const QUEUES_MAX: usize = 256;
/// NAME_MAX.
const NAME_MAX: usize = 255;

/// struct mq_attr.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MqAttr {
    pub flags: i64,
    pub maxmsg: i64,
    pub msgsize: i64,
    pub curmsgs: i64,
}

/// How a descriptor was opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Open {
    pub readable: bool,
    pub writable: bool,
    pub nonblock: bool,
}

impl Open {
    /// From open flags (O_RDONLY / O_WRONLY / O_RDWR, O_NONBLOCK).
    pub fn from_flags(oflag: i32) -> Open {
        let acc = oflag & libc::O_ACCMODE;
        Open { readable: acc != libc::O_WRONLY, writable: acc != libc::O_RDONLY, nonblock: oflag & libc::O_NONBLOCK != 0 }
    }
}

/// A registered notification (struct sigevent, reduced to what delivery needs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Notify {
    pub pid: Pid,
    /// SIGEV_SIGNAL (0), SIGEV_NONE (1) or SIGEV_THREAD (2: glibc and musl turn it
    /// into a netlink socket read by a helper thread; the service decides whether
    /// it supports that).
    pub notify: i32,
    pub signo: i32,
    pub value: u64,
}

pub const SIGEV_SIGNAL: i32 = 0;
pub const SIGEV_NONE: i32 = 1;
pub const SIGEV_THREAD: i32 = 2;

/// A queue's identity, stable across unlink (descriptors keep it alive).
pub type QueueId = u64;

#[derive(Debug)]
struct Queue {
    owner: Inode,
    maxmsg: i64,
    msgsize: i64,
    /// Messages, highest priority first, oldest first within a priority.
    msgs: Vec<(u32, Vec<u8>)>,
    notify: Option<Notify>,
    /// Threads blocked receiving (a notification is only sent when none waits).
    receivers: BTreeSet<i32>,
    /// Open descriptions.
    opens: usize,
    linked: bool,
}

/// Every queue of an ipc namespace (the mqueue file system).
#[derive(Debug, Default)]
pub struct MessageQueues {
    names: BTreeMap<String, QueueId>,
    queues: BTreeMap<QueueId, Queue>,
    next: QueueId,
}

/// The key senders and receivers of a queue wait on.
pub fn key_of(q: QueueId) -> WaitKey {
    wait_key(kind::MQ, q)
}

/// What a send did besides queueing: keys to wake, and a notification to deliver
/// (to `Notify::pid`, with si_code SI_MESGQ) when the queue became non-empty with
/// nobody waiting to receive.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Sent {
    pub wake: Vec<WaitKey>,
    pub notify: Option<Notify>,
}

/// The mqueue file system's root directory: root's, mode 1777 (sticky), as Linux
/// mounts it, so unlinking needs ownership of the queue.
const MQUEUE_DIR: Inode = Inode { uid: 0, gid: 0, mode: 0o041777 };

fn check_name(name: &str) -> Result<(), Errno> {
    if name.is_empty() {
        return Err(libc::ENOENT);
    }
    if name.len() > NAME_MAX {
        return Err(libc::ENAMETOOLONG);
    }
    if name.contains('/') || name == "." || name == ".." {
        return Err(libc::EACCES);
    }
    Ok(())
}

impl MessageQueues {
    /// mq_open(3) as the syscall sees it: `name` without libc's leading slash.
    /// Existing: EEXIST with O_CREAT|O_EXCL, else the access the open mode asks for
    /// (EACCES). New (O_CREAT, else ENOENT): attributes 1..=HARD_MSGMAX messages of
    /// 1..=HARD_MSGSIZEMAX bytes (EINVAL), above the /proc/sys/fs/mqueue limits only
    /// with CAP_SYS_RESOURCE (EINVAL), at most QUEUES_MAX queues (ENOSPC); owned by
    /// the fs ids, mode & !umask.
    pub fn open(&mut self, name: &str, oflag: i32, mode: u32, attr: Option<MqAttr>, umask: u32, c: &Creds) -> Result<QueueId, Errno> {
        check_name(name)?;
        if oflag & libc::O_ACCMODE == libc::O_ACCMODE {
            return Err(libc::EINVAL);
        }
        if let Some(&q) = self.names.get(name) {
            if oflag & libc::O_CREAT != 0 && oflag & libc::O_EXCL != 0 {
                return Err(libc::EEXIST);
            }
            let o = Open::from_flags(oflag);
            let want = if o.readable { may::READ } else { 0 } | if o.writable { may::WRITE } else { 0 };
            let queue = self.queues.get_mut(&q).ok_or(libc::ENOENT)?;
            may_access(c, queue.owner, want)?;
            queue.opens += 1;
            return Ok(q);
        }
        if oflag & libc::O_CREAT == 0 {
            return Err(libc::ENOENT);
        }
        may_access(c, MQUEUE_DIR, may::WRITE | may::EXEC)?;
        let (maxmsg, msgsize) = match attr {
            None => (MSG_DEFAULT, MSGSIZE_DEFAULT),
            Some(a) => {
                if a.maxmsg <= 0 || a.msgsize <= 0 || a.maxmsg > HARD_MSGMAX || a.msgsize > HARD_MSGSIZEMAX {
                    return Err(libc::EINVAL);
                }
                if (a.maxmsg > MSG_MAX || a.msgsize > MSGSIZE_MAX) && !c.capable(cap::SYS_RESOURCE) {
                    return Err(libc::EINVAL);
                }
                (a.maxmsg, a.msgsize)
            }
        };
        if self.queues.len() >= QUEUES_MAX && !c.capable(cap::SYS_RESOURCE) {
            return Err(libc::ENOSPC);
        }
        self.next += 1;
        let q = self.next;
        let owner = Inode { uid: c.fsuid, gid: c.fsgid, mode: 0o100000 | (mode & 0o777 & !umask) };
        self.queues.insert(q, Queue { owner, maxmsg, msgsize, msgs: Vec::new(), notify: None, receivers: BTreeSet::new(), opens: 1, linked: true });
        self.names.insert(name.to_string(), q);
        Ok(q)
    }

    /// close(2) of a queue descriptor by process `pid`: its notification goes if it
    /// registered one; an unlinked queue dies with its last descriptor.
    pub fn close(&mut self, q: QueueId, pid: Pid) {
        let Some(queue) = self.queues.get_mut(&q) else { return };
        if queue.notify.is_some_and(|n| n.pid == pid) {
            queue.notify = None;
        }
        queue.opens = queue.opens.saturating_sub(1);
        if queue.opens == 0 && !queue.linked {
            self.queues.remove(&q);
        }
    }

    /// A descriptor was duplicated or inherited by fork.
    pub fn dup(&mut self, q: QueueId) {
        if let Some(queue) = self.queues.get_mut(&q) {
            queue.opens += 1;
        }
    }

    /// mq_unlink(3): ENOENT, or EPERM unless the caller owns the queue (the mqueue
    /// directory is sticky) or has CAP_FOWNER. Open descriptors keep working.
    pub fn unlink(&mut self, name: &str, c: &Creds) -> Result<(), Errno> {
        check_name(name)?;
        let &q = self.names.get(name).ok_or(libc::ENOENT)?;
        let queue = self.queues.get_mut(&q).ok_or(libc::ENOENT)?;
        may_delete(c, MQUEUE_DIR, queue.owner)?;
        self.names.remove(name);
        queue.linked = false;
        if queue.opens == 0 {
            self.queues.remove(&q);
        }
        Ok(())
    }

    /// mq_timedsend(2): EINVAL for a priority of MQ_PRIO_MAX or more, then EBADF
    /// unless open for writing, then EMSGSIZE above mq_msgsize; a full queue is EAGAIN with
    /// O_NONBLOCK, else waits (ETIMEDOUT when the timeout passes). The service
    /// validates the timeout itself first (EINVAL), as Linux does.
    pub fn send(&mut self, q: QueueId, o: Open, msg: &[u8], prio: u32, attempt: Attempt) -> Step<Sent> {
        if prio >= MQ_PRIO_MAX {
            return Err(Stop::Err(libc::EINVAL));
        }
        if !o.writable {
            return Err(Stop::Err(libc::EBADF));
        }
        let queue = self.queues.get_mut(&q).ok_or(Stop::Err(libc::EBADF))?;
        if msg.len() as i64 > queue.msgsize {
            return Err(Stop::Err(libc::EMSGSIZE));
        }
        if queue.msgs.len() as i64 >= queue.maxmsg {
            if o.nonblock {
                return Err(Stop::Err(libc::EAGAIN));
            }
            return Err(attempt.would_block(key_of(q), libc::ETIMEDOUT));
        }
        let at = queue.msgs.iter().position(|(p, _)| *p < prio).unwrap_or(queue.msgs.len());
        let was_empty = queue.msgs.is_empty();
        queue.msgs.insert(at, (prio, msg.to_vec()));
        let mut sent = Sent { wake: vec![key_of(q)], notify: None };
        if was_empty && queue.receivers.is_empty() {
            sent.notify = queue.notify.take();
        }
        Ok(sent)
    }

    /// mq_timedreceive(2): EBADF unless open for reading, EMSGSIZE when the buffer
    /// is below mq_msgsize; an empty queue is EAGAIN with O_NONBLOCK, else waits
    /// (ETIMEDOUT). Takes the oldest message of the highest priority; returns it,
    /// its priority, and the keys to wake.
    pub fn receive(&mut self, q: QueueId, o: Open, buf_len: usize, tid: i32, attempt: Attempt) -> Step<(Vec<u8>, u32, Vec<WaitKey>)> {
        if !o.readable {
            return Err(Stop::Err(libc::EBADF));
        }
        let queue = self.queues.get_mut(&q).ok_or(Stop::Err(libc::EBADF))?;
        if (buf_len as i64) < queue.msgsize {
            return Err(Stop::Err(libc::EMSGSIZE));
        }
        if queue.msgs.is_empty() {
            if o.nonblock {
                return Err(Stop::Err(libc::EAGAIN));
            }
            let stop = attempt.would_block(key_of(q), libc::ETIMEDOUT);
            if let Stop::Block(_) = stop {
                queue.receivers.insert(tid);
            } else {
                queue.receivers.remove(&tid);
            }
            return Err(stop);
        }
        queue.receivers.remove(&tid);
        let (prio, msg) = queue.msgs.remove(0);
        Ok((msg, prio, vec![key_of(q)]))
    }

    /// A thread blocked on a queue was killed: it no longer waits to receive.
    pub fn cancel(&mut self, tid: i32) {
        for queue in self.queues.values_mut() {
            queue.receivers.remove(&tid);
        }
    }

    /// mq_notify(3): registering when any process already has is EBUSY; a bad
    /// sigev_notify or signal is EINVAL. `None` removes the caller's registration
    /// (and is harmless without one). A notification fires once, then is gone.
    pub fn notify(&mut self, q: QueueId, pid: Pid, ev: Option<Notify>) -> Result<(), Errno> {
        let queue = self.queues.get_mut(&q).ok_or(libc::EBADF)?;
        match ev {
            None => {
                if queue.notify.is_some_and(|n| n.pid == pid) {
                    queue.notify = None;
                }
                Ok(())
            }
            Some(n) => {
                if !matches!(n.notify, SIGEV_SIGNAL | SIGEV_NONE | SIGEV_THREAD) {
                    return Err(libc::EINVAL);
                }
                if n.notify == SIGEV_SIGNAL && !(1..=64).contains(&n.signo) {
                    return Err(libc::EINVAL);
                }
                if queue.notify.is_some() {
                    return Err(libc::EBUSY);
                }
                queue.notify = Some(Notify { pid, ..n });
                Ok(())
            }
        }
    }

    /// mq_getsetattr(2): the queue's attributes with the description's flags; a new
    /// flags value may only change O_NONBLOCK (EINVAL otherwise). Returns the old
    /// attributes and the description's new nonblocking state.
    pub fn getsetattr(&self, q: QueueId, o: Open, new_flags: Option<i64>) -> Result<(MqAttr, bool), Errno> {
        let queue = self.queues.get(&q).ok_or(libc::EBADF)?;
        let old = MqAttr { flags: if o.nonblock { libc::O_NONBLOCK as i64 } else { 0 }, maxmsg: queue.maxmsg, msgsize: queue.msgsize, curmsgs: queue.msgs.len() as i64 };
        let nonblock = match new_flags {
            None => o.nonblock,
            Some(f) if f & !(libc::O_NONBLOCK as i64) != 0 => return Err(libc::EINVAL),
            Some(f) => f & libc::O_NONBLOCK as i64 != 0,
        };
        Ok((old, nonblock))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RW: Open = Open { readable: true, writable: true, nonblock: false };
    const RW_NB: Open = Open { readable: true, writable: true, nonblock: true };

    fn attr(maxmsg: i64, msgsize: i64) -> Option<MqAttr> {
        Some(MqAttr { maxmsg, msgsize, ..MqAttr::default() })
    }

    fn setup() -> (MessageQueues, QueueId) {
        let mut m = MessageQueues::default();
        let q = m.open("q", libc::O_CREAT | libc::O_EXCL | libc::O_RDWR, 0o600, attr(4, 64), 0o022, &Creds::root()).unwrap();
        (m, q)
    }

    #[test]
    fn open_rules() {
        let (mut m, q) = setup();
        let root = Creds::root();
        assert_eq!(m.open("q", libc::O_CREAT | libc::O_EXCL | libc::O_RDWR, 0o600, None, 0, &root), Err(libc::EEXIST));
        assert_eq!(m.open("q", libc::O_RDONLY, 0, None, 0, &root), Ok(q));
        assert_eq!(m.open("missing", libc::O_RDWR, 0, None, 0, &root), Err(libc::ENOENT));
        assert_eq!(m.open("", libc::O_RDWR, 0, None, 0, &root), Err(libc::ENOENT));
        assert_eq!(m.open("a/b", libc::O_RDWR | libc::O_CREAT, 0, None, 0, &root), Err(libc::EACCES));
        assert_eq!(m.open(&"n".repeat(256), libc::O_RDWR | libc::O_CREAT, 0, None, 0, &root), Err(libc::ENAMETOOLONG));
        assert_eq!(m.open("q", libc::O_ACCMODE, 0, None, 0, &root), Err(libc::EINVAL));
        for bad in [attr(0, 64), attr(4, 0), attr(4, -1), attr(HARD_MSGMAX + 1, 64), attr(4, HARD_MSGSIZEMAX + 1)] {
            assert_eq!(m.open("bad", libc::O_CREAT | libc::O_RDWR, 0o600, bad, 0, &root), Err(libc::EINVAL));
        }
        let user = Creds::with_ids(1000, 1000);
        assert_eq!(m.open("big", libc::O_CREAT | libc::O_RDWR, 0o600, attr(MSG_MAX + 1, 64), 0, &user), Err(libc::EINVAL), "above msg_max needs CAP_SYS_RESOURCE");
        assert!(m.open("big", libc::O_CREAT | libc::O_RDWR, 0o600, attr(MSG_MAX + 1, 64), 0, &root).is_ok());
        let (a, _) = m.getsetattr(q, RW, None).unwrap();
        assert_eq!(a, MqAttr { flags: 0, maxmsg: 4, msgsize: 64, curmsgs: 0 });
        let d = m.open("dflt", libc::O_CREAT | libc::O_RDWR, 0o600, None, 0, &root).unwrap();
        assert_eq!(m.getsetattr(d, RW, None).unwrap().0.maxmsg, MSG_DEFAULT);
    }

    #[test]
    fn permissions_follow_the_queue_mode() {
        let (mut m, _) = setup();
        let nobody = Creds::with_ids(65534, 65534);
        assert_eq!(m.open("q", libc::O_RDONLY, 0, None, 0, &nobody), Err(libc::EACCES));
        assert_eq!(m.unlink("q", &nobody), Err(libc::EPERM), "sticky mqueue directory");
        let shared = m.open("shared", libc::O_CREAT | libc::O_RDWR, 0o666, None, 0o022, &Creds::root()).unwrap();
        assert_eq!(m.open("shared", libc::O_RDONLY, 0, None, 0, &nobody), Ok(shared));
        assert_eq!(m.open("shared", libc::O_WRONLY, 0, None, 0, &nobody), Err(libc::EACCES), "umask took the write bits");
    }

    #[test]
    fn priority_order_and_limits() {
        let (mut m, q) = setup();
        for (s, p) in [("a", 1), ("b", 5), ("c", 5), ("d", 0)] {
            m.send(q, RW, s.as_bytes(), p, Attempt::Fresh).unwrap();
        }
        assert_eq!(m.send(q, RW_NB, b"e", 0, Attempt::Fresh), Err(Stop::Err(libc::EAGAIN)));
        assert_eq!(m.send(q, RW, b"e", 0, Attempt::Fresh), Err(Stop::Block(key_of(q))));
        assert_eq!(m.send(q, RW, b"e", 0, Attempt::TimedOut), Err(Stop::Err(libc::ETIMEDOUT)));
        assert_eq!(m.send(q, RW, &[0; 65], 0, Attempt::Fresh), Err(Stop::Err(libc::EMSGSIZE)));
        assert_eq!(m.send(q, RW, b"x", MQ_PRIO_MAX, Attempt::Fresh), Err(Stop::Err(libc::EINVAL)), "priority checked first, even when full");
        assert_eq!(m.receive(q, RW, 63, 1, Attempt::Fresh), Err(Stop::Err(libc::EMSGSIZE)));
        let mut order = String::new();
        let mut prios = Vec::new();
        for _ in 0..4 {
            let (msg, p, _) = m.receive(q, RW, 64, 1, Attempt::Fresh).unwrap();
            order.push_str(std::str::from_utf8(&msg).unwrap());
            prios.push(p);
        }
        assert_eq!(order, "bcad");
        assert_eq!(prios, [5, 5, 1, 0]);
        assert_eq!(m.receive(q, RW_NB, 64, 1, Attempt::Fresh), Err(Stop::Err(libc::EAGAIN)));
        assert_eq!(m.receive(q, RW, 64, 1, Attempt::TimedOut), Err(Stop::Err(libc::ETIMEDOUT)));
        assert_eq!(m.receive(q, RW, 64, 1, Attempt::Signalled), Err(Stop::Err(libc::EINTR)));
    }

    #[test]
    fn bad_priority_and_access_mode() {
        let (mut m, q) = setup();
        assert_eq!(m.send(q, RW, b"x", MQ_PRIO_MAX, Attempt::Fresh), Err(Stop::Err(libc::EINVAL)));
        let ro = Open::from_flags(libc::O_RDONLY);
        let wo = Open::from_flags(libc::O_WRONLY | libc::O_NONBLOCK);
        assert_eq!(m.send(q, ro, b"x", 0, Attempt::Fresh), Err(Stop::Err(libc::EBADF)));
        assert_eq!(m.receive(q, wo, 64, 1, Attempt::Fresh), Err(Stop::Err(libc::EBADF)));
        assert!(wo.nonblock && wo.writable && !wo.readable);
    }

    #[test]
    fn notification_fires_once_on_empty_to_nonempty_with_no_receiver() {
        let (mut m, q) = setup();
        let ev = Notify { pid: 7, notify: SIGEV_SIGNAL, signo: 10, value: 1234 };
        m.notify(q, 7, Some(ev)).unwrap();
        assert_eq!(m.notify(q, 7, Some(ev)), Err(libc::EBUSY), "even the same process");
        assert_eq!(m.notify(q, 8, Some(ev)), Err(libc::EBUSY));
        let sent = m.send(q, RW, b"n", 3, Attempt::Fresh).unwrap();
        assert_eq!(sent.notify, Some(ev));
        assert_eq!(m.send(q, RW, b"m", 3, Attempt::Fresh).unwrap().notify, None, "fired once");
        m.notify(q, 7, Some(ev)).unwrap();
        assert_eq!(m.send(q, RW, b"o", 3, Attempt::Fresh).unwrap().notify, None, "queue was not empty");
        m.notify(q, 8, None).unwrap();
        assert_eq!(m.notify(q, 9, Some(ev)), Err(libc::EBUSY), "another process cannot unregister it");
        m.notify(q, 7, None).unwrap();
        assert!(m.notify(q, 9, Some(ev)).is_ok());
        assert_eq!(m.notify(q, 9, Some(Notify { notify: 77, ..ev })), Err(libc::EINVAL), "the event is checked before EBUSY");
    }

    #[test]
    fn no_notification_while_a_receiver_waits_and_bad_events() {
        let (mut m, q) = setup();
        let ev = Notify { pid: 7, notify: SIGEV_SIGNAL, signo: 10, value: 0 };
        assert_eq!(m.notify(q, 7, Some(Notify { notify: 77, ..ev })), Err(libc::EINVAL));
        assert_eq!(m.notify(q, 7, Some(Notify { signo: 0, ..ev })), Err(libc::EINVAL));
        m.notify(q, 7, Some(ev)).unwrap();
        assert_eq!(m.receive(q, RW, 64, 42, Attempt::Fresh), Err(Stop::Block(key_of(q))));
        assert_eq!(m.send(q, RW, b"x", 0, Attempt::Fresh).unwrap(), Sent { wake: vec![key_of(q)], notify: None });
        assert!(m.receive(q, RW, 64, 42, Attempt::Woken).is_ok());
        assert_eq!(m.send(q, RW, b"y", 0, Attempt::Fresh).unwrap().notify, Some(ev), "the receiver is gone");
    }

    #[test]
    fn close_drops_the_closers_notification_and_unlinked_queues_live_while_open() {
        let (mut m, q) = setup();
        let root = Creds::root();
        m.notify(q, 7, Some(Notify { pid: 7, notify: SIGEV_NONE, signo: 0, value: 0 })).unwrap();
        m.dup(q);
        m.close(q, 7);
        assert!(m.notify(q, 8, Some(Notify { pid: 8, notify: SIGEV_NONE, signo: 0, value: 0 })).is_ok(), "7's registration went with its close");
        m.unlink("q", &root).unwrap();
        assert_eq!(m.unlink("q", &root), Err(libc::ENOENT));
        assert!(m.send(q, RW, b"z", 0, Attempt::Fresh).is_ok(), "usable after unlink");
        assert_eq!(m.open("q", libc::O_RDWR, 0, None, 0, &root), Err(libc::ENOENT));
        m.close(q, 8);
        assert_eq!(m.send(q, RW, b"z", 0, Attempt::Fresh), Err(Stop::Err(libc::EBADF)), "gone with its last descriptor");
    }

    #[test]
    fn getsetattr_changes_only_o_nonblock() {
        let (mut m, q) = setup();
        m.send(q, RW, b"x", 0, Attempt::Fresh).unwrap();
        let (a, nb) = m.getsetattr(q, RW, Some(libc::O_NONBLOCK as i64)).unwrap();
        assert_eq!((a.flags, a.curmsgs, nb), (0, 1, true));
        assert_eq!(m.getsetattr(q, RW, Some(libc::O_APPEND as i64)), Err(libc::EINVAL));
        assert_eq!(m.getsetattr(q, RW_NB, None).unwrap().0.flags, libc::O_NONBLOCK as i64);
    }
}
