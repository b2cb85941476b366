//! The ipc service: System V message queues, semaphore sets and shared memory
//! segments, and POSIX message queues.
//!
//! The objects are plain state machines (`registry`, `msg`, `sem`, `shm`, `mq`, with
//! the riscv64 layouts of their structures in `abi`): nothing there touches guest
//! memory or knows how a syscall arrives; they take the caller's credentials and pid.
//! A call that must wait returns `Stop::Block(key)`; the service returns BLOCK with
//! that key, and when the thread is woken (the operation that changed the object
//! returns the keys to wake) the syscall is executed again with `Attempt::Woken`, or
//! `TimedOut`/`Signalled`, exactly as futex and pipes do.
//!
//! The service (`service`: its ops for the other services and the dispatch;
//! `namespace`: the `Ipc` state; `caller`: what the handlers share, the
//! credentials asked of proc) wires them to their syscalls: `sysv` (msg*, sem*,
//! shm*: mm maps the segments, `mm::shm`) and `posix` (mq_*: queue descriptors are
//! vfs descriptors, `vfs::mq`); `lends` is ipc's hook for the edge (`crate::lends`):
//! what the rows cannot say of what each syscall may touch.

pub mod abi;
pub mod caller;
pub mod lends;
pub mod mq;
pub mod msg;
pub mod namespace;
pub mod posix;
pub mod registry;
pub mod sem;
pub mod service;
pub mod shm;
pub mod sysv;
pub mod sysvipc;

pub use namespace::Ipc;
pub use service::op;

use crate::creds::Errno;
use crate::sched::{key, WaitKey};

/// Why a call did not complete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// Fail with this errno.
    Err(Errno),
    /// Wait on this key, then run the call again.
    Block(WaitKey),
}

impl From<Errno> for Stop {
    fn from(e: Errno) -> Stop {
        Stop::Err(e)
    }
}

/// The result of an operation that may wait.
pub type Step<T> = Result<T, Stop>;

/// Which run of a (possibly re-executed) blocking call this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attempt {
    /// The first run.
    Fresh,
    /// Run again after a wake-up on its key.
    Woken,
    /// Run again because its timeout passed.
    TimedOut,
    /// Run again because a signal arrived.
    Signalled,
}

impl Attempt {
    /// What a call that would still block returns on this attempt: wait again, or
    /// the timeout's errno, or EINTR (msgrcv, semop and mq_* return EINTR on a
    /// signal whatever SA_RESTART says, signal(7)).
    fn would_block(self, k: WaitKey, timeout_errno: Errno) -> Stop {
        match self {
            Attempt::Fresh | Attempt::Woken => Stop::Block(k),
            Attempt::TimedOut => Stop::Err(timeout_errno),
            Attempt::Signalled => Stop::Err(libc::EINTR),
        }
    }

    fn is_retry(self) -> bool {
        self != Attempt::Fresh
    }
}

/// Wait-key kinds of the ipc objects (distinct from those in `sched::kind`, which
/// stop at 7).
pub mod kind {
    pub const MSG: u8 = 0x40;
    pub const SEM: u8 = 0x41;
    pub const MQ: u8 = 0x42;
}

/// The wait key of one ipc object: receivers and senders of a queue, or the
/// waiters of a semaphore set, wait on it; any change wakes them all and each one
/// re-evaluates (what Linux does for semaphores with complex operations too).
pub fn wait_key(k: u8, id: u64) -> WaitKey {
    key(k, id)
}

/// A process id, as the ipc objects record it (sempid, msg_lspid, shm_cpid...).
pub type Pid = i32;

/// Seconds since the epoch, for the *_time fields (the caller's guest clock).
pub type Time = i64;
