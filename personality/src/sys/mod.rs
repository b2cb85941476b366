//! Syscalls the linux space does more for than route: the ones that change a thread's
//! context or lifetime (exit, execve, clone).

pub mod process;
