//! The ipc service: System V message queues, semaphore sets and shared memory, and
//! POSIX message queues, wired to their syscalls (`sysv`, `posix`) over the state
//! machines of this module's siblings.
//!
//! What it asks of the others: proc for the caller's credentials (`proc::op::CREDS`,
//! read into a scratch page of its own), its umask, wake-ups of the keys an operation
//! changed, deadlines of timed waits, and mq notification signals; mm to map and unmap
//! shared memory segments (mm is the memory authority: ipc never maps anything); vfs
//! for the descriptors of message queues (`vfs::mq`). What others tell it: mm that an
//! attach was inherited by fork or ended with exit or exec, vfs that a queue
//! descriptor was closed or its description released, linux that a process ended
//! (its SEM_UNDO adjustments are applied).

use super::mq::MessageQueues;
use super::msg::MsgQueues;
use super::sem::Semaphores;
use super::shm::SharedMemory;
use super::{Attempt, Stop, Time};
use crate::creds::Creds;
use crate::proc::{credrec, op as proc_op};
use crate::sched::{Wake, WaitKey};
use crate::service::{err, is_err, Env, Lend, Service, ServiceId, Template, BLOCK};
use crate::sysno as nr;
use machine::{addr, Fault};
use std::any::Any;

/// Operations of ipc besides Linux syscall numbers.
pub mod op {
    /// mm: fork gave process (caller word's pid) an attach of segment a1.
    pub const SHM_INHERIT: u64 = 0x5000;
    /// mm: an attach of segment a1 went with its process (exit, exec). a0 = 1 when
    /// this destroyed the segment (mm releases its frames).
    pub const SHM_DETACHED: u64 = 0x5001;
    /// vfs: the caller closed a descriptor of queue a1 (its notification goes).
    pub const MQ_FLUSH: u64 = 0x5002;
    /// vfs: the last descriptor of an open description of queue a1 went.
    pub const MQ_RELEASE: u64 = 0x5003;
    /// linux: the caller's process ended: undo its SEM_UNDO adjustments.
    pub const EXIT: u64 = 0x5004;
    /// linux: the caller's process left its semaphore undo list (unshare's
    /// CLONE_SYSVSEM): undo its SEM_UNDO adjustments, as at exit.
    pub const SEM_UNDO_EXIT: u64 = 0x5005;
}

/// ipc's scratch page in its own space (the kernel space when monolithic, past the
/// vfs's): where proc writes a caller's credentials.
pub const SCRATCH: u64 = 0x2100_0000;
/// Size of the scratch area.
pub const SCRATCH_SIZE: u64 = 4096;

/// The ipc service (one ipc namespace).
#[derive(Default)]
pub struct Ipc {
    pub msg: MsgQueues,
    pub sem: Semaphores,
    /// Segments; their frames are mm's (the handle says only "mm has frames").
    pub shm: SharedMemory<()>,
    pub mq: MessageQueues,
}

/// Who is calling, from the caller word (pid << 32 | wake << 24 | tid).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Who {
    pub pid: u32,
    pub tid: u32,
    pub attempt: Attempt,
    /// The word without the wake code, for calls onwards.
    pub word: u64,
}

impl Who {
    pub fn from_word(w: u64) -> Who {
        let attempt = match Wake::from_code((w >> 24) & 0xff) {
            None => Attempt::Fresh,
            Some(Wake::Key | Wake::HostReady) => Attempt::Woken,
            Some(Wake::Timeout) => Attempt::TimedOut,
            Some(Wake::Signal) => Attempt::Signalled,
        };
        Who { pid: (w >> 32) as u32, tid: (w & 0xff_ffff) as u32, attempt, word: w & !0xff00_0000 }
    }
}

/// Registers of a finished call.
pub type Regs = Result<[u64; 2], Fault>;

/// A value as the registers of a completed call.
pub fn val(v: u64) -> Regs {
    Ok([v, 0])
}

/// -errno as the registers of a failed call.
pub fn fail(e: i32) -> Regs {
    Ok([err(e), 0])
}

/// The registers of a call that stopped: its errno, or BLOCK with the wait key.
pub fn stopped(s: Stop) -> Regs {
    match s {
        Stop::Err(e) => fail(e),
        Stop::Block(k) => Ok([BLOCK, k]),
    }
}

/// The current time for the *_time fields (seconds of the guest's realtime clock).
pub fn now() -> Time {
    (crate::time::now_ns(libc::CLOCK_REALTIME) / 1_000_000_000) as Time
}

/// A timespec (16 bytes) as nanoseconds, or EINVAL (tv_sec < 0, tv_nsec out of range).
pub fn timespec_ns(b: &[u8; 16]) -> Result<u128, i32> {
    let s = i64::from_le_bytes(b[0..8].try_into().unwrap_or_default());
    let ns = i64::from_le_bytes(b[8..16].try_into().unwrap_or_default());
    if s < 0 || !(0..1_000_000_000).contains(&ns) {
        return Err(libc::EINVAL);
    }
    Ok(s as u128 * 1_000_000_000 + ns as u128)
}

/// The credentials of the caller, from proc, or ESRCH.
pub fn creds(env: &mut dyn Env, who: &Who) -> Result<Creds, i32> {
    let buf = addr::qualified(env.me(), SCRATCH);
    let len = (credrec::SIZE as u64).min(SCRATCH_SIZE);
    match env.call(ServiceId::Proc, proc_op::CREDS, [who.word, 0, buf, len, 0, 0], &[Lend::write(buf, len)]) {
        Ok([n, _]) if !is_err(n) => {
            let mut b = vec![0u8; (n as usize).min(len as usize)];
            env.read(buf, &mut b).map_err(|_| libc::EFAULT)?;
            Ok(credrec::decode(&b))
        }
        _ => Err(libc::ESRCH),
    }
}

/// The caller's umask (asked of proc, which owns it: set and put back).
pub fn umask(env: &mut dyn Env, who: &Who) -> u32 {
    let Ok([old, _]) = env.call(ServiceId::Proc, nr::UMASK, [who.word, 0o022, 0, 0, 0, 0], &[]) else { return 0o022 };
    let _ = env.call(ServiceId::Proc, nr::UMASK, [who.word, old, 0, 0, 0, 0], &[]);
    old as u32 & 0o777
}

/// Wakes every thread waiting on one of `keys`.
pub fn wake(env: &mut dyn Env, keys: &[WaitKey]) {
    for k in keys {
        let _ = env.call(ServiceId::Proc, proc_op::WAKE, [0, *k, 0, 0, 0, 0], &[]);
    }
}

/// Records the deadline of the caller's timed wait (`ns` from now; the first one of
/// a call stands until it completes).
pub fn deadline(env: &mut dyn Env, who: &Who, ns: u128) {
    let ns = ns.min(u64::MAX as u128 - 1) as u64;
    let _ = env.call(ServiceId::Proc, proc_op::DEADLINE, [who.word & 0xff_ffff, ns, 0, 0, 0, 0], &[]);
}

/// A timed call that would wait: BLOCK with its deadline recorded, or, when the time
/// is already up, the call run again as timed out. `ns`: None for no timeout.
pub fn timed<T>(env: &mut dyn Env, who: &mut Who, ns: Option<u128>, mut run: impl FnMut(&mut Who) -> Result<T, Stop>) -> Result<T, Stop> {
    match run(who) {
        Err(Stop::Block(k)) => match ns {
            Some(0) => {
                who.attempt = Attempt::TimedOut;
                run(who)
            }
            Some(ns) => {
                deadline(env, who, ns);
                Err(Stop::Block(k))
            }
            None => Err(Stop::Block(k)),
        },
        r => r,
    }
}

impl Template for Ipc {
    const ID: ServiceId = ServiceId::Ipc;
    const CALLEES: &'static [ServiceId] = &[ServiceId::Proc, ServiceId::Mm, ServiceId::Vfs, ServiceId::Supervisor];
}

impl Service for Ipc {
    fn id(&self) -> ServiceId {
        ServiceId::Ipc
    }

    fn as_any(&mut self) -> &mut dyn Any {
        self
    }

    fn handle(&mut self, env: &mut dyn Env, n: u64, a: [u64; 6]) -> Result<[u64; 2], Fault> {
        let mut who = Who::from_word(a[0]);
        let s = [a[1], a[2], a[3], a[4], a[5]];
        match n {
            op::SHM_INHERIT => {
                self.shm.inherit(s[0] as i32);
                val(0)
            }
            op::SHM_DETACHED => val(self.shm.detach(s[0] as i32, who.pid as i32, now()).is_some() as u64),
            op::MQ_FLUSH => {
                let _ = self.mq.notify(s[0], who.pid as i32, None);
                val(0)
            }
            op::MQ_RELEASE => {
                self.mq.close(s[0], 0);
                val(0)
            }
            op::SEM_UNDO_EXIT => {
                let keys = self.sem.exit(who.pid as i32);
                wake(env, &keys);
                val(0)
            }
            op::EXIT => {
                let keys = self.sem.exit(who.pid as i32);
                self.sem.cancel(who.pid as i32);
                self.mq.cancel(who.pid as i32);
                wake(env, &keys);
                val(0)
            }
            nr::MSGGET | nr::MSGSND | nr::MSGRCV | nr::MSGCTL => super::sysv::msg(self, env, &mut who, n, s),
            nr::SEMGET | nr::SEMOP | nr::SEMTIMEDOP | nr::SEMCTL => super::sysv::sem(self, env, &mut who, n, s),
            nr::SHMGET | nr::SHMAT | nr::SHMDT | nr::SHMCTL => super::sysv::shm(self, env, &mut who, n, s),
            nr::MQ_OPEN | nr::MQ_UNLINK | nr::MQ_TIMEDSEND | nr::MQ_TIMEDRECEIVE | nr::MQ_NOTIFY | nr::MQ_GETSETATTR => super::posix::mq(self, env, &mut who, n, s),
            _ => fail(libc::ENOSYS),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sched::key;

    #[test]
    fn the_caller_word_says_which_attempt_this_is() {
        let w = |wake: u64| (100u64 << 32) | (wake << 24) | 101;
        assert_eq!(Who::from_word(w(0)), Who { pid: 100, tid: 101, attempt: Attempt::Fresh, word: w(0) });
        assert_eq!(Who::from_word(w(Wake::Key.code())).attempt, Attempt::Woken);
        assert_eq!(Who::from_word(w(Wake::Timeout.code())).attempt, Attempt::TimedOut);
        assert_eq!(Who::from_word(w(Wake::Signal.code())).attempt, Attempt::Signalled);
        assert_eq!(Who::from_word(w(Wake::Signal.code())).word, w(0), "the wake code is not passed on");
    }

    #[test]
    fn timespecs_are_checked_as_linux_does() {
        let ts = |s: i64, ns: i64| {
            let mut b = [0u8; 16];
            b[..8].copy_from_slice(&s.to_le_bytes());
            b[8..].copy_from_slice(&ns.to_le_bytes());
            b
        };
        assert_eq!(timespec_ns(&ts(1, 5)), Ok(1_000_000_005));
        assert_eq!(timespec_ns(&ts(0, 0)), Ok(0));
        assert_eq!(timespec_ns(&ts(-1, 0)), Err(libc::EINVAL));
        assert_eq!(timespec_ns(&ts(0, 1_000_000_000)), Err(libc::EINVAL));
        assert_eq!(timespec_ns(&ts(0, -1)), Err(libc::EINVAL));
    }

    #[test]
    fn stopped_calls_become_registers() {
        assert_eq!(stopped(Stop::Err(libc::EIDRM)).unwrap(), [err(libc::EIDRM), 0]);
        let k = key(super::super::kind::MSG, 7);
        assert_eq!(stopped(Stop::Block(k)).unwrap(), [BLOCK, k]);
    }
}
