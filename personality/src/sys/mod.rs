//! Syscalls the linux space does more for than route: the ones that change a thread's
//! context or lifetime (exit, execve, clone) and those it splits into several service
//! calls (vectored I/O).

pub mod io;
pub mod process;
