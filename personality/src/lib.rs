//! The Linux personality: the riscv64 syscall ABI mapped onto grants and service calls,
//! the split and monolithic wirings, and the board that runs programs.

pub mod board;
pub mod call;
pub mod complete;
pub mod debug;
pub mod host;
pub mod hostpoll;
pub mod inject;
pub mod linux;
pub mod marshal;
pub mod misc;
pub mod monolithic;
pub mod native;
pub mod report;
pub mod retry;
pub mod runner;
pub mod sched;
pub mod signal;
pub mod split;
pub mod state;
pub mod stats;
pub mod strace;
pub mod supervisor;
pub mod support;
pub mod sys;
pub mod wiring;

pub use runner::{Options, Runtime, StartError};
pub use wiring::Config;
