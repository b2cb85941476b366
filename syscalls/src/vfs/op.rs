//! Operations of vfs besides Linux syscall numbers: the board's and the other
//! services' calls into it (a leaf, so a service that calls vfs imports no more).

/// Fork: copy the fd table of the caller to pid a1.
pub const FORK: u64 = 0x3000;
/// Exec: close the caller's close-on-exec fds.
pub const EXEC: u64 = 0x3001;
/// The process ended: close all its fds.
pub const EXIT: u64 = 0x3002;
/// mmap support: fill a lent range (a2, a3) from fd a1 at offset a4.
pub const PREAD_FILL: u64 = 0x3003;
/// mmap support: write a lent range (a2, a3) back to fd a1 at offset a4.
pub const PWRITE_FROM: u64 = 0x3004;
/// Resolve guest path (a1, lent R, length a2) for exec into a host path written to
/// (a3, lent W, capacity a4); a0 = length. Checks it is a regular executable file.
pub const RESOLVE_EXEC: u64 = 0x3005;
/// Set up a new process's fds 0, 1, 2 on the console (board use).
pub const INIT_STDIO: u64 = 0x3006;
/// Record the executable path of pid a1 for /proc/self/exe (lent R a2, len a3).
pub const SET_EXE: u64 = 0x3007;
/// RLIMIT_NOFILE of the caller := a1.
pub const SET_LIMIT: u64 = 0x3008;
/// Record the command line of pid a1 for /proc/PID/cmdline: a2 = the NUL-separated
/// arguments (lent R), a3 = their length; with a4 = 1, the NUL-separated
/// environment for /proc/PID/environ instead.
pub const SET_CMDLINE: u64 = 0x3009;
/// A thread ended (its process may go on): forget its retry state.
pub const THREAD_EXIT: u64 = 0x300a;
/// Record the auxiliary vector of pid a1 for /proc/PID/auxv: a2 = the (key, value)
/// u64 pairs, AT_NULL included (lent R), a3 = their length in bytes.
pub const SET_AUXV: u64 = 0x300b;
/// The most descriptors the caller may poll (its RLIMIT_NOFILE, at least 1024):
/// the personality asks when ppoll's array cannot be lent, to answer EINVAL for a
/// count over the limit as Linux does before it looks at the array.
pub const POLL_LIMIT: u64 = 0x300c;
/// proc made thread a1 in the caller's process: /proc/PID/task lists it from now
/// on, before it makes a call of its own (it may go straight to a futex wait).
pub const THREAD_NEW: u64 = 0x300d;
/// ipc's mq_open: install a descriptor for queue a1 opened with flags a2 (`mq`).
pub const MQ_INSTALL: u64 = 0x3010;
/// ipc's mq_* calls: the queue of descriptor a1 (a0) and its flags (a1), or -EBADF.
pub const MQ_LOOKUP: u64 = 0x3011;
/// ipc's mq_setattr: O_NONBLOCK of descriptor a1 := a2 (1 or 0).
pub const MQ_SETFL: u64 = 0x3012;
/// pidfd_open for proc: a1 = the process, a2 = flags (O_NONBLOCK). a0 = the fd.
pub const PIDFD_NEW: u64 = 0x3080;
/// a0 = the process pidfd a1 of the caller refers to, or -EBADF, and a1 = 1 if
/// the pidfd is O_NONBLOCK; with a2 = 1 a /proc/PID directory a1 names PID as well
/// (pidfd_send_signal).
pub const PIDFD_PID: u64 = 0x3081;
/// pidfd_getfd for proc (which checked the permission): a1 = the process, a2 = its
/// fd. a0 = a close-on-exec duplicate in the caller's table, or -EBADF.
pub const GETFD: u64 = 0x3082;
/// kcmp for proc: a0 = the open file description behind fd a2 of process a1 (a
/// number equal for fds sharing one), or -EBADF.
pub const FILE_ID: u64 = 0x3083;
/// exec of a host program (`hostexec`): a1 = host path (lent R), a2 = its
/// length, a3 = mm's argv/envp blob (lent R), a4 = its length. a0 = the host pid,
/// -ENOEXEC for a file that is no host program, or -errno.
pub const HOST_SPAWN: u64 = 0x3020;
/// The host stub's wait (`hostexec::wait`): a0 = 0 and a1 = the program's end
/// (code | signal << 8 | core << 16), or BLOCK.
pub const HOST_WAIT: u64 = 0x3021;
/// prctl's timer slack of the caller's process (what /proc/PID/timerslack_ns shows):
/// a1 = 0 reads it (a0), a1 = 1 sets it to a2 (0: back to its default).
pub const TIMERSLACK: u64 = 0x3084;
