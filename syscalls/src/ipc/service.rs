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
//!
//! The shared helpers of the handlers (the caller, register results, proc's
//! services) are in `caller`, the object tables in `namespace`: the handlers depend
//! on those and this file on the handlers, one way.

pub use super::caller::{SCRATCH, SCRATCH_SIZE};
use super::caller::{fail, now, val, wake, Who};
use super::namespace::Ipc;
use crate::service::{Env, Service, ServiceId, Template};
use crate::sysno as nr;
use machine::Fault;
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
    /// vfs: /proc/sys/kernel/{msg,sem,shm}_next_id (a1 = 0, 1, 2): read it (a2 = 0)
    /// or set it to a3 (a2 = 1). a0 = the value.
    pub const NEXT_ID: u64 = 0x5006;
    /// vfs: the text of /proc/sysvipc/{msg,sem,shm} (a1 = 0, 1, 2) into a2 (lent W,
    /// a3 bytes). a0 = its full length.
    pub const SYSVIPC: u64 = 0x5007;
    /// vfs: root wrote kernel/msgmni (a1 = 0) or kernel/shmmni (a1 = 2): a2 = the
    /// new most objects of that kind; or kernel/shmmax (a1 = 3): a2 = the largest
    /// segment.
    pub const LIMIT: u64 = 0x5008;
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
            op::SYSVIPC => {
                let t = super::sysvipc::text(self, s[0]);
                let n = t.len().min(s[2] as usize);
                env.write(s[1], &t.as_bytes()[..n])?;
                val(t.len() as u64)
            }
            op::LIMIT => {
                let limit = (s[1] as usize).min(32768);
                match s[0] {
                    3 => self.shm.max_size = s[1] as usize,
                    0 => self.msg.reg.limit = limit,
                    1 => self.sem.reg.limit = limit,
                    _ => self.shm.reg.limit = limit,
                }
                val(0)
            }
            op::NEXT_ID => {
                let next = match s[0] {
                    0 => &mut self.msg.reg.next_id,
                    1 => &mut self.sem.reg.next_id,
                    _ => &mut self.shm.reg.next_id,
                };
                if s[1] == 1 {
                    *next = s[2] as i32;
                }
                val(*next as i64 as u64)
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
