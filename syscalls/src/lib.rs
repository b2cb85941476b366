//! Service spaces of the Linux personality: one module per subsystem, each with a small
//! portal ABI (its op numbers are the Linux syscall numbers it implements, plus a few
//! internal operations), all written against the `Env` of `service`.

pub mod clock;
pub mod creds;
pub mod futex;
pub mod ipc;
pub mod lends;
pub mod opnames;
pub mod mm;
pub mod proc;
pub mod sched;
pub mod service;
pub mod sigqueue;
pub mod sysno;
pub mod table;
pub mod time;
pub mod tty;
pub mod user;
pub mod vfs;

pub use service::{Env, Lend, Service, ServiceId, Spec, Template};
pub use vfs::op as vfs_op;
/// proc's lifecycle ops (clone, exit, exec), which the personality calls by name.
pub use proc::lifecycle;
