//! Syscalls the linux space does more for than route: the ones that change a thread's
//! context or lifetime (exit, execve, clone), and the directory's private syscalls.

pub mod directory;
pub mod process;
pub mod robust;
