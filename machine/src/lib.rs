//! The grantix machine: an RV64GC processor with spaces, grants and portals (MACHINE.md).
//!
//! Nothing here knows about Linux. The machine offers spaces mapped page by page,
//! grants between them, portals to call across them, harts that run emulated code,
//! and host-implemented spaces whose Rust code is held to the same checks.

#![forbid(unsafe_op_in_unsafe_fn)]

pub mod addr;
pub mod calltrace;
pub mod cost;
pub mod counters;
pub mod cpu;
pub mod error;
pub mod frames;
pub mod grants;
pub mod hart;
pub mod host;
pub mod jit;
pub mod machine;
pub mod memory;
pub mod portal;
pub mod rights;
pub mod space;
pub mod tlb;

pub use addr::Sid;
pub use error::{Fault, FaultKind, GxError};
pub use hart::{Context, Hart, HartId};
pub use host::{CallError, HostCtx, HostReply, HostSpace};
pub use machine::{Exit, Machine, MachineConfig};
pub use rights::{Access, GrantRights, PageRights};
