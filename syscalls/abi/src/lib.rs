//! grantix's typed ABI between the personality and the services: errno results, user
//! pointers that are allegations until read through the caller's memory, and the
//! riscv64 Linux structures as `#[repr(C)]` types with derived byte conversions.

#![forbid(unsafe_code)]

pub mod errno;
pub mod structs;
pub mod user;

pub use errno::{Errno, SysResult};
pub use user::{UserMemory, UserPtr};
