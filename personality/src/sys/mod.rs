//! Syscalls the linux space does more for than route: the ones that change a thread's
//! context or lifetime (exit, execve and execveat, clone and clone3), the futex2 calls,
//! the administration calls that end or reach several services (reboot, acct,
//! unshare), and the directory's private syscalls.

pub mod admin;
pub mod clone3;
pub mod directory;
pub mod execveat;
pub mod futex2;
pub mod hostexec;
pub mod membarrier;
pub mod process;
pub mod robust;
