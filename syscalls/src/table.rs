//! The syscall table: one row per syscall says everything the rest of the system needs
//! to know about it (owner, arguments, flags, support level).
//!
//! Derived from it: the personality's routing and dispatch (`personality::linux::route`),
//! the restart, retry and signal rules, the native allow-list (`personality::native`),
//! the vfs's claimed set and its no-wake set, the strace formatter
//! (`personality::strace`), `grantix syscalls` and README's table, and the sysroot's
//! services.h. Numbers and names come from `sysno` (the kernel's asm-generic table);
//! a syscall's number appears only here and in its handler.

use crate::service::ServiceId;
use crate::sysno as nr;

/// What an argument is, as far as the edge (`crate::lends`: which arguments are the
/// caller's pointers and what each call may touch) and the tracer care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arg {
    /// A signed integer.
    Int,
    /// A size or count.
    Uint,
    /// Flags, masks, commands: shown in hex.
    Hex,
    /// A file descriptor.
    Fd,
    /// A directory descriptor of the *at calls (AT_FDCWD by name).
    DirFd,
    /// A NUL-terminated path the call reads (readable to its NUL within PATH_MAX, or
    /// EFAULT / ENAMETOOLONG before the service sees it).
    Path,
    /// A path as `Path`, or NULL: then nothing is read (statx's and utimensat's
    /// descriptor forms, mount's source and type).
    PathOrNull,
    /// A buffer the call reads; its length is argument N (at most `lends::MAX_IO`).
    In(u8),
    /// A buffer the call writes; its length is argument N (at most `lends::MAX_IO`).
    Out(u8),
    /// A buffer the call reads; its length is argument N, at most the given bytes.
    InUpTo(u8, u64),
    /// A buffer the call writes; its length is argument N, at most the given bytes.
    OutUpTo(u8, u64),
    /// A structure of a fixed size the call reads.
    Reads(u64, Null),
    /// A structure of a fixed size the call writes.
    Writes(u64, Null),
    /// A structure of a fixed size the call reads and writes back.
    Updates(u64, Null),
    /// Any other pointer the call dereferences, whose extent depends on other
    /// arguments or on memory (iovec arrays, msghdrs, a command's argument, counts in
    /// another argument, a lend made only once other arguments passed their checks):
    /// the owning service's hook qualifies it and computes its lends (`crate::lends`).
    Special,
    /// An address the call does not dereference (mapping calls, a pointer kept for
    /// later).
    Addr,
    /// open(2) flags.
    OpenFlags,
    /// A file mode (octal).
    Mode,
    /// A signal number.
    Signal,
}

/// Whether a structure argument may be NULL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Null {
    /// Lent even when NULL, so that the caller gets EFAULT for it.
    Req,
    /// NULL means none: nothing is lent and the service sees 0.
    Opt,
    /// As `Opt`, and written only if the call is interrupted (a sleep's remainder):
    /// Linux does not look at it before, so an inaccessible one is dropped (the
    /// service sees 0) rather than EFAULT (`personality::marshal`).
    Lazy,
}

impl Arg {
    /// Whether the argument is a pointer the call dereferences (qualified with the
    /// caller's DATA at the edge).
    pub fn is_pointer(self) -> bool {
        !matches!(self, Arg::Int | Arg::Uint | Arg::Hex | Arg::Fd | Arg::DirFd | Arg::Addr | Arg::OpenFlags | Arg::Mode | Arg::Signal)
    }
}

/// Properties of a syscall (a bit set).
pub mod flag {
    pub const NONE: u16 = 0;
    /// Restarted after a handler installed with SA_RESTART interrupted it.
    pub const RESTART: u16 = 1 << 0;
    /// Changes nothing: retried once, transparently, if its service restarted under it.
    pub const IDEMPOTENT: u16 = 1 << 1;
    /// Wakes no waiter: the vfs skips its readiness check after it.
    pub const PURE: u16 = 1 << 2;
    /// EPIPE raises SIGPIPE at the calling thread.
    pub const SIGPIPE: u16 = 1 << 3;
    /// EFBIG (past RLIMIT_FSIZE) raises SIGXFSZ at the calling thread.
    pub const SIGXFSZ: u16 = 1 << 4;
    /// Never called natively (gx.pcall): the personality must manage the thread.
    pub const NO_NATIVE: u16 = 1 << 5;
}

/// How much of a syscall grantix implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Support {
    Full,
    /// Implemented, with the limits the note says.
    Partial(&'static str),
    /// Known and answered -ENOSYS on purpose (libc falls back), without a warning.
    Refused(&'static str),
}

/// One row of the table.
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    pub nr: u64,
    pub name: &'static str,
    /// The space that answers it.
    pub owner: ServiceId,
    pub args: &'static [Arg],
    pub flags: u16,
    pub support: Support,
}

impl Entry {
    /// Whether the row has every flag of `f`.
    pub fn is(&self, f: u16) -> bool {
        self.flags & f == f
    }
}

/// The private syscalls of the native directory service (outside Linux's range).
pub mod private {
    /// gx_lookup(name, len) -> sid << 32 | portal, or -errno.
    pub const LOOKUP: u64 = 0x7000;
    /// gx_register(name, len, portal) -> 0, or -errno.
    pub const REGISTER: u64 = 0x7001;
}

/// The name of a syscall number: Linux's, or the directory service's.
const fn private_name(n: u64) -> &'static str {
    match n {
        private::LOOKUP => "gx_lookup",
        private::REGISTER => "gx_register",
        _ => "?",
    }
}

macro_rules! syscall_table {
    ($( $nr:path => $owner:ident ( $($arg:expr),* ) $flags:expr $(, $support:expr)? ; )*) => {
        /// Every syscall grantix knows, in the order of the table below.
        pub static TABLE: &[Entry] = &[ $(
            Entry {
                nr: $nr,
                name: match nr::name_const($nr) { Some(s) => s, None => private_name($nr) },
                owner: ServiceId::$owner,
                args: &[$($arg),*],
                flags: $flags,
                support: syscall_table!(@support $($support)?),
            },
        )* ];
    };
    (@support) => { Support::Full };
    (@support $s:expr) => { $s };
}

use flag::*;
use Arg::*;
use Null::*;

/// Sizes of the structures the rows name: the `#[repr(C)]` types of `abi` where they
/// exist, else the owning module's constant or the riscv64 layout's size.
mod size {
    use abi::structs::{Stat, Statfs, Statx, Sysinfo, Timespec, Timeval, Tms, Utsname};
    use std::mem::size_of;
    const fn of<T>() -> u64 {
        size_of::<T>() as u64
    }
    pub const TIMESPEC: u64 = of::<Timespec>();
    pub const TIMEVAL: u64 = of::<Timeval>();
    pub const TMS: u64 = of::<Tms>();
    pub const UTSNAME: u64 = of::<Utsname>();
    pub const SYSINFO: u64 = of::<Sysinfo>();
    pub const STAT: u64 = of::<Stat>();
    pub const STATX: u64 = of::<Statx>();
    pub const STATFS: u64 = of::<Statfs>();
    /// struct timezone (two ints).
    pub const TIMEZONE: u64 = 8;
    /// struct itimerspec, struct itimerval: two timespecs / timevals.
    pub const ITIMERSPEC: u64 = crate::proc::ptimer::ITIMERSPEC_SIZE;
    pub const ITIMERVAL: u64 = 2 * TIMEVAL;
    pub const SIGEVENT: u64 = crate::proc::ptimer::SIGEVENT_SIZE;
    pub const SIGINFO: u64 = 128;
    /// The kernel's sigset_t (the only sigsetsize Linux takes: 8).
    pub const SIGSET: u64 = 8;
    /// struct sigaction and stack_t of riscv64.
    pub const SIGACTION: u64 = 24;
    pub const STACK_T: u64 = 24;
    pub const RUSAGE: u64 = crate::proc::limits::RUSAGE_SIZE;
    pub const RLIMIT: u64 = 16;
    pub const CAP_HEADER: u64 = crate::proc::ids::CAP_HEADER_SIZE;
    pub const CAP_DATA: u64 = crate::proc::ids::CAP_DATA_SIZE;
    /// The fields rseq registration and unregistration touch.
    pub const RSEQ_ORIG: u64 = crate::proc::rseq::ORIG_SIZE;
    pub const TIMEX: u64 = crate::time::clockset::TIMEX_SIZE;
    /// struct cachestat_range and struct cachestat.
    pub const CACHESTAT_RANGE: u64 = 16;
    pub const CACHESTAT: u64 = 40;
    /// io_cancel reads the iocb's key and opcode (its first 12 bytes).
    pub const IOCB_KEY: u64 = 12;
    /// The longest path a buffer of getcwd or readlinkat is lent for.
    pub const PATH_MAX: u64 = 4096;
    /// The largest socket address (sockaddr_storage is 128 bytes) and option value
    /// lent.
    pub const SOCKADDR_MAX: u64 = 128;
    pub const SOCKOPT_MAX: u64 = 256;
    /// struct mq_attr, and a message's priority (an unsigned int).
    pub const MQ_ATTR: u64 = crate::ipc::abi::MQ_ATTR_SIZE as u64;
    pub const MQ_PRIO: u64 = 4;
}
use size::*;

const PER_PROCESS: &str = "credentials are per process: the raw call changes every thread's (libc's set*id does the same)";
const XATTR: &str = "user.* attributes, kept by the vfs for the guest tree's files (not on the host file); security.*, system.* and trusted.* are EOPNOTSUPP";
const GUEST_CLOCK: &str = "moves the guest's realtime clock (an offset), never the host's";
const GUEST_CLOCK_ADJ: &str = "NTP variables kept; the guest clock is stepped, not slewed";
const NO_SWAP: &str = "nothing is ever swapped out: locks are accounted against RLIMIT_MEMLOCK; MCL_FUTURE does not count later mappings";
const ONE_NODE: &str = "one memory node (0): policies are kept per thread and per mapping and read back; no page moves";
const NO_SWAP_AREA: &str = "EPERM without CAP_SYS_ADMIN; with it ENOSYS, as a kernel without swap support (grantix never swaps)";
const NO_PKEYS: &str = "riscv64 has no protection keys: Linux builds these calls only with CONFIG_ARCH_HAS_PKEYS";
const CLONE_LIMITS: &str = "namespaces: CLONE_NEWUTS only (others EPERM or EINVAL); CLONE_VM without CLONE_THREAD only with CLONE_VFORK; pidfds name processes (CLONE_PIDFD with CLONE_THREAD is EINVAL); clone3's set_tid takes a free pid (CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE); CLONE_INTO_CGROUP is EBADF (no cgroup file system)";
const IOPRIO: &str = "kept per thread and reported; no I/O is scheduled by it";
const FUTEX2: &str = "32-bit words; FUTEX2_NUMA and FUTEX2_MPOL are EINVAL (as before Linux 6.16)";
const AIO: &str = "reads, writes (and vectored), fsync and fdatasync, done at submission; IOCB_CMD_POLL is EINVAL; a request that would wait (an empty pipe) completes with -EAGAIN";
const ONE_HART: &str = "one hart, SCHED_OTHER: policies and affinity are accepted and change nothing";

syscall_table! {
    // Files and descriptors (vfs).
    nr::GETCWD => Vfs(OutUpTo(1, PATH_MAX), Uint) IDEMPOTENT | PURE;
    nr::EVENTFD2 => Vfs(Uint, Hex) NONE;
    nr::EPOLL_CREATE1 => Vfs(Hex) NONE;
    nr::EPOLL_CTL => Vfs(Fd, Int, Fd, Special) NONE;
    nr::EPOLL_PWAIT => Vfs(Fd, Special, Int, Int, Special, Uint) PURE;
    nr::DUP => Vfs(Fd) NONE;
    nr::DUP3 => Vfs(Fd, Fd, Hex) NONE;
    nr::FCNTL => Vfs(Fd, Int, Hex) RESTART;
    // The third argument is a pointer or a value, by request (`vfs::lends`).
    nr::IOCTL => Vfs(Fd, Hex, Hex) RESTART, Support::Partial("terminal and FIONREAD/FIONBIO/FIOCLEX requests; loop devices and loop-control (loop and block requests)");
    nr::FLOCK => Vfs(Fd, Hex) RESTART;
    nr::MKNODAT => Vfs(DirFd, Path, Mode, Hex) NONE, Support::Partial("device nodes (CAP_MKNOD) open grantix's own null, zero, full, random, urandom and tty; any other number is ENXIO");
    nr::MKDIRAT => Vfs(DirFd, Path, Mode) NONE;
    nr::UNLINKAT => Vfs(DirFd, Path, Hex) NONE;
    nr::SYMLINKAT => Vfs(Path, DirFd, Path) NONE;
    nr::LINKAT => Vfs(DirFd, Path, DirFd, Path, Hex) NONE;
    nr::RENAMEAT => Vfs(DirFd, Path, DirFd, Path) NONE;
    nr::STATFS => Vfs(Path, Writes(STATFS, Req)) NONE | PURE;
    nr::FSTATFS => Vfs(Fd, Writes(STATFS, Req)) PURE;
    nr::TRUNCATE => Vfs(Path, Int) SIGXFSZ;
    nr::FTRUNCATE => Vfs(Fd, Int) SIGXFSZ;
    nr::FALLOCATE => Vfs(Fd, Hex, Int, Int) NONE;
    nr::FACCESSAT => Vfs(DirFd, Path, Hex) IDEMPOTENT | PURE;
    nr::CHDIR => Vfs(Path) NONE;
    nr::FCHDIR => Vfs(Fd) NONE;
    nr::CHROOT => Vfs(Path) NONE, Support::Partial("inside the guest's tree (--root); /proc and /dev are not inside the new root unless it has them");
    nr::FCHMOD => Vfs(Fd, Mode) NONE;
    nr::FCHMODAT => Vfs(DirFd, Path, Mode) NONE;
    nr::FCHOWNAT => Vfs(DirFd, Path, Int, Int, Hex) NONE;
    nr::FCHOWN => Vfs(Fd, Int, Int) NONE;
    nr::OPENAT => Vfs(DirFd, Path, OpenFlags, Mode) RESTART;
    nr::CLOSE => Vfs(Fd) NONE;
    nr::PIPE2 => Vfs(Writes(8, Req), Hex) NONE;
    nr::GETDENTS64 => Vfs(Fd, Out(2), Uint) PURE;
    nr::LSEEK => Vfs(Fd, Int, Int) PURE;
    nr::READ => Vfs(Fd, Out(2), Uint) RESTART;
    nr::WRITE => Vfs(Fd, In(2), Uint) RESTART | SIGPIPE | SIGXFSZ;
    nr::READV => Vfs(Fd, Special, Uint) RESTART;
    nr::WRITEV => Vfs(Fd, Special, Uint) RESTART | SIGPIPE | SIGXFSZ;
    nr::PREAD64 => Vfs(Fd, Out(2), Uint, Int) RESTART;
    nr::PWRITE64 => Vfs(Fd, In(2), Uint, Int) RESTART | SIGPIPE | SIGXFSZ;
    nr::PREADV => Vfs(Fd, Special, Uint, Int) RESTART;
    nr::PWRITEV => Vfs(Fd, Special, Uint, Int) RESTART | SIGPIPE | SIGXFSZ;
    nr::SENDFILE => Vfs(Fd, Fd, Updates(8, Opt), Uint) NONE;
    nr::PSELECT6 => Vfs(Int, Special, Special, Special, Special, Special) PURE;
    nr::PPOLL => Vfs(Special, Uint, Updates(TIMESPEC, Opt), Special, Uint) PURE;
    nr::READLINKAT => Vfs(DirFd, Path, OutUpTo(3, PATH_MAX), Uint) IDEMPOTENT | PURE;
    nr::NEWFSTATAT => Vfs(DirFd, Path, Writes(STAT, Req), Hex) IDEMPOTENT | PURE;
    nr::FSTAT => Vfs(Fd, Writes(STAT, Req)) IDEMPOTENT | PURE;
    nr::SYNC => Vfs() NONE;
    nr::FSYNC => Vfs(Fd) NONE;
    nr::FDATASYNC => Vfs(Fd) NONE;
    nr::SYNC_FILE_RANGE => Vfs(Fd, Int, Int, Hex) NONE;
    nr::TIMERFD_CREATE => Vfs(Int, Hex) NONE;
    nr::TIMERFD_SETTIME => Vfs(Fd, Hex, Reads(ITIMERSPEC, Req), Writes(ITIMERSPEC, Opt)) NONE;
    nr::TIMERFD_GETTIME => Vfs(Fd, Writes(ITIMERSPEC, Opt)) PURE;
    nr::UTIMENSAT => Vfs(DirFd, PathOrNull, Reads(2 * TIMESPEC, Opt), Hex) NONE;
    nr::FADVISE64 => Vfs(Fd, Int, Int, Int) NONE, Support::Partial("checked as Linux does (ESPIPE on pipes, EINVAL for a bad advice or length); the advice is ignored");
    nr::SYNCFS => Vfs(Fd) NONE;
    nr::RENAMEAT2 => Vfs(DirFd, Path, DirFd, Path, Hex) NONE;
    nr::COPY_FILE_RANGE => Vfs(Fd, Updates(8, Opt), Fd, Updates(8, Opt), Uint, Hex) NONE;
    nr::PREADV2 => Vfs(Fd, Special, Uint, Int, Int, Hex) NONE;
    nr::PWRITEV2 => Vfs(Fd, Special, Uint, Int, Int, Hex) SIGPIPE | SIGXFSZ;
    nr::STATX => Vfs(DirFd, PathOrNull, Hex, Hex, Writes(STATX, Req)) PURE;
    nr::CLOSE_RANGE => Vfs(Fd, Fd, Hex) NONE;
    nr::FACCESSAT2 => Vfs(DirFd, Path, Hex, Hex) IDEMPOTENT | PURE;
    nr::EPOLL_PWAIT2 => Vfs(Fd, Special, Int, Reads(TIMESPEC, Opt), Special, Uint) PURE;
    nr::FCHMODAT2 => Vfs(DirFd, Path, Mode, Hex) NONE;
    nr::OPENAT2 => Vfs(DirFd, Path, Special, Uint) RESTART;
    nr::NAME_TO_HANDLE_AT => Vfs(DirFd, Path, Special, Writes(4, Req), Hex) NONE, Support::Partial("a handle is the host device and inode; it opens while its path still names that inode (a renamed file is ESTALE)");
    nr::OPEN_BY_HANDLE_AT => Vfs(Fd, Special, OpenFlags) RESTART;
    nr::SIGNALFD4 => Vfs(Fd, Special, Uint, Hex) NONE, Support::Partial("a poll or epoll wait notices a signal's arrival within 10 ms");
    nr::READAHEAD => Vfs(Fd, Int, Uint) NONE, Support::Partial("a hint: checked, then left to the host's page cache");
    nr::MEMFD_CREATE => Vfs(Path, Hex) NONE, Support::Partial("a host memfd with the host's seals; F_SEAL_WRITE is EBUSY while a guest mapping may write it (mm is asked)");
    // Linux AIO (vfs::aio): performed at submission, completions in a ring per context.
    nr::IO_SETUP => Vfs(Uint, Updates(8, Req)) NONE;
    nr::IO_DESTROY => Vfs(Addr) NONE;
    nr::IO_SUBMIT => Vfs(Addr, Int, Special) NONE, Support::Partial(AIO);
    nr::IO_CANCEL => Vfs(Addr, Reads(IOCB_KEY, Req), Addr) NONE, Support::Partial("requests complete when submitted: there is never one to cancel (EINVAL)");
    nr::IO_GETEVENTS => Vfs(Addr, Int, Int, Special, Reads(TIMESPEC, Opt)) NONE;
    nr::IO_PGETEVENTS => Vfs(Addr, Int, Int, Special, Reads(TIMESPEC, Opt), Special) NONE;
    // Mounts in the guest's namespace (vfs::mounts).
    nr::MOUNT => Vfs(PathOrNull, Path, PathOrNull, Hex, Special) NONE, Support::Partial("tmpfs and ramfs (a private host directory each; size= is reported by statfs, not enforced), bind mounts (MS_REC), MS_REMOUNT, MS_MOVE, read-only, nodev and noexec mounts, propagation types recorded (nothing propagates); other filesystem types are ENODEV");
    nr::UMOUNT2 => Vfs(Path, Hex) NONE, Support::Partial("MNT_FORCE is an ordinary unmount (tmpfs has nothing to abort); a mount kept by a file mapping alone is not busy; MNT_EXPIRE's mark is not cleared by a use of the mount in between");
    // Pipes without user buffers (vfs::splice).
    nr::SPLICE => Vfs(Fd, Updates(8, Opt), Fd, Updates(8, Opt), Uint, Hex) RESTART | SIGPIPE;
    nr::TEE => Vfs(Fd, Fd, Uint, Hex) RESTART | SIGPIPE;
    nr::VMSPLICE => Vfs(Fd, Special, Uint, Hex) RESTART | SIGPIPE, Support::Partial("into a pipe; from a pipe's read end into memory is EINVAL");
    // Extended attributes (vfs::xattr).
    nr::SETXATTR => Vfs(Path, Path, In(3), Uint, Hex) NONE, Support::Partial(XATTR);
    nr::LSETXATTR => Vfs(Path, Path, In(3), Uint, Hex) NONE, Support::Partial(XATTR);
    nr::FSETXATTR => Vfs(Fd, Path, In(3), Uint, Hex) NONE, Support::Partial(XATTR);
    nr::GETXATTR => Vfs(Path, Path, Out(3), Uint) IDEMPOTENT | PURE, Support::Partial(XATTR);
    nr::LGETXATTR => Vfs(Path, Path, Out(3), Uint) IDEMPOTENT | PURE, Support::Partial(XATTR);
    nr::FGETXATTR => Vfs(Fd, Path, Out(3), Uint) IDEMPOTENT | PURE, Support::Partial(XATTR);
    nr::LISTXATTR => Vfs(Path, Out(2), Uint) IDEMPOTENT | PURE, Support::Partial(XATTR);
    nr::LLISTXATTR => Vfs(Path, Out(2), Uint) IDEMPOTENT | PURE, Support::Partial(XATTR);
    nr::FLISTXATTR => Vfs(Fd, Out(2), Uint) IDEMPOTENT | PURE, Support::Partial(XATTR);
    nr::REMOVEXATTR => Vfs(Path, Path) NONE, Support::Partial(XATTR);
    nr::LREMOVEXATTR => Vfs(Path, Path) NONE, Support::Partial(XATTR);
    nr::FREMOVEXATTR => Vfs(Fd, Path) NONE, Support::Partial(XATTR);
    // inotify (vfs::inotify): events from the vfs's own operations.
    nr::INOTIFY_INIT1 => Vfs(Hex) NONE;
    nr::INOTIFY_ADD_WATCH => Vfs(Fd, Path, Hex) NONE, Support::Partial("events of the guest's own vfs calls; not of changes made by the host, nor closes at exit or exec");
    nr::INOTIFY_RM_WATCH => Vfs(Fd, Int) NONE;
    // Sockets (vfs): AF_UNIX inside the vfs, AF_INET/AF_INET6 on host sockets.
    nr::SOCKET => Vfs(Int, Hex, Int) NONE;
    nr::SOCKETPAIR => Vfs(Int, Hex, Int, Writes(8, Req)) NONE;
    nr::BIND => Vfs(Fd, InUpTo(2, SOCKADDR_MAX), Uint) NONE;
    nr::LISTEN => Vfs(Fd, Int) NONE;
    nr::ACCEPT => Vfs(Fd, Special, Special) RESTART;
    nr::CONNECT => Vfs(Fd, InUpTo(2, SOCKADDR_MAX), Uint) RESTART;
    nr::GETSOCKNAME => Vfs(Fd, Special, Special) PURE;
    nr::GETPEERNAME => Vfs(Fd, Special, Special) PURE;
    nr::SENDTO => Vfs(Fd, In(2), Uint, Hex, Special, Uint) RESTART;
    nr::RECVFROM => Vfs(Fd, Out(2), Uint, Hex, Special, Special) RESTART;
    nr::SETSOCKOPT => Vfs(Fd, Int, Int, InUpTo(4, SOCKOPT_MAX), Uint) NONE;
    nr::GETSOCKOPT => Vfs(Fd, Int, Int, Special, Special) PURE;
    nr::SHUTDOWN => Vfs(Fd, Int) NONE;
    nr::SENDMSG => Vfs(Fd, Special, Hex) RESTART;
    nr::RECVMSG => Vfs(Fd, Special, Hex) RESTART;
    nr::ACCEPT4 => Vfs(Fd, Special, Special, Hex) RESTART;
    nr::SENDMMSG => Vfs(Fd, Special, Uint, Hex) RESTART, Support::Partial("messages after the first are sent only if they need no wait");
    nr::RECVMMSG => Vfs(Fd, Special, Uint, Hex, Reads(TIMESPEC, Opt)) RESTART, Support::Partial("returns after the first message what needs no wait, as with MSG_WAITFORONE; the timeout is checked, not applied");
    // Processes, threads, signals, limits (proc).
    nr::EXIT => Proc(Int) NO_NATIVE;
    nr::EXIT_GROUP => Proc(Int) NO_NATIVE;
    nr::WAITID => Proc(Int, Int, Writes(SIGINFO, Opt), Hex, Writes(RUSAGE, Opt)) RESTART;
    nr::SET_TID_ADDRESS => Proc(Addr) NONE;
    nr::GETITIMER => Proc(Int, Writes(ITIMERVAL, Req)) NONE;
    nr::SETITIMER => Proc(Int, Reads(ITIMERVAL, Opt), Writes(ITIMERVAL, Opt)) NONE;
    nr::KILL => Proc(Int, Signal) NONE;
    nr::TKILL => Proc(Int, Signal) NONE;
    nr::TGKILL => Proc(Int, Int, Signal) NONE;
    nr::SIGALTSTACK => Proc(Reads(STACK_T, Opt), Writes(STACK_T, Opt)) NO_NATIVE;
    nr::RT_SIGACTION => Proc(Signal, Reads(SIGACTION, Opt), Writes(SIGACTION, Opt), Uint) NONE;
    nr::RT_SIGPROCMASK => Proc(Int, Reads(SIGSET, Opt), Writes(SIGSET, Opt), Uint) NONE;
    nr::RT_SIGPENDING => Proc(Writes(SIGSET, Req), Uint) NONE;
    nr::RT_SIGTIMEDWAIT => Proc(Reads(SIGSET, Req), Writes(SIGINFO, Opt), Reads(TIMESPEC, Opt), Uint) NONE;
    nr::RT_SIGQUEUEINFO => Proc(Int, Signal, Reads(SIGINFO, Req)) NONE;
    nr::GETRESUID => Proc(Writes(4, Req), Writes(4, Req), Writes(4, Req)) NONE;
    nr::GETRESGID => Proc(Writes(4, Req), Writes(4, Req), Writes(4, Req)) NONE;
    nr::SETPGID => Proc(Int, Int) NONE;
    nr::GETPGID => Proc(Int) NONE;
    nr::GETSID => Proc(Int) NONE;
    nr::SETSID => Proc() NONE;
    nr::GETGROUPS => Proc(Int, Special) NONE;
    // Credentials (proc::ids): one set per process, shared by its threads.
    nr::SETUID => Proc(Int) NONE, Support::Partial(PER_PROCESS);
    nr::SETGID => Proc(Int) NONE, Support::Partial(PER_PROCESS);
    nr::SETREUID => Proc(Int, Int) NONE, Support::Partial(PER_PROCESS);
    nr::SETREGID => Proc(Int, Int) NONE, Support::Partial(PER_PROCESS);
    nr::SETRESUID => Proc(Int, Int, Int) NONE, Support::Partial(PER_PROCESS);
    nr::SETRESGID => Proc(Int, Int, Int) NONE, Support::Partial(PER_PROCESS);
    nr::SETFSUID => Proc(Int) NONE, Support::Partial(PER_PROCESS);
    nr::SETFSGID => Proc(Int) NONE, Support::Partial(PER_PROCESS);
    nr::SETGROUPS => Proc(Int, Special) NONE, Support::Partial(PER_PROCESS);
    nr::CAPGET => Proc(Updates(CAP_HEADER, Req), Writes(CAP_DATA, Opt)) NONE;
    nr::CAPSET => Proc(Updates(CAP_HEADER, Req), Reads(CAP_DATA, Opt)) NONE, Support::Partial("no file capabilities; the bounding set is never lowered");
    nr::GETRLIMIT => Proc(Int, Writes(RLIMIT, Req)) NONE;
    nr::SETRLIMIT => Proc(Int, Reads(RLIMIT, Req)) NONE;
    nr::UMASK => Proc(Mode) NONE;
    nr::PERSONALITY => Proc(Hex) NONE, Support::Partial("the persona is kept and inherited; of its flags only STICKY_TIMEOUTS changes anything (pselect6, ppoll)");
    nr::GETPID => Proc() IDEMPOTENT;
    nr::GETPPID => Proc() IDEMPOTENT;
    nr::GETUID => Proc() NONE;
    nr::GETEUID => Proc() NONE;
    nr::GETGID => Proc() NONE;
    nr::GETEGID => Proc() NONE;
    nr::GETTID => Proc() IDEMPOTENT;
    nr::CLONE => Proc(Hex, Addr, Special, Addr, Special) NO_NATIVE, Support::Partial(CLONE_LIMITS);
    nr::RT_TGSIGQUEUEINFO => Proc(Int, Int, Signal, Reads(SIGINFO, Req)) NONE;
    nr::WAIT4 => Proc(Int, Writes(4, Opt), Hex, Writes(RUSAGE, Opt)) RESTART;
    nr::PRLIMIT64 => Proc(Int, Int, Reads(RLIMIT, Opt), Writes(RLIMIT, Opt)) NONE;
    // POSIX timers (proc::ptimer): wall and CPU-time clocks, signals with SI_TIMER.
    nr::TIMER_CREATE => Proc(Int, Reads(SIGEVENT, Opt), Writes(4, Req)) NONE;
    nr::TIMER_SETTIME => Proc(Int, Hex, Reads(ITIMERSPEC, Opt), Writes(ITIMERSPEC, Opt)) NONE;
    nr::TIMER_GETTIME => Proc(Int, Writes(ITIMERSPEC, Req)) NONE;
    nr::TIMER_GETOVERRUN => Proc(Int) NONE;
    nr::TIMER_DELETE => Proc(Int) NONE;
    nr::KCMP => Proc(Int, Int, Int, Hex, Hex) NONE, Support::Partial("threads share everything; processes nothing but open files (and memory with a vfork child); no KCMP_EPOLL_TFD");
    // pidfds (proc::pidfd; the descriptor is the vfs's).
    nr::PIDFD_OPEN => Proc(Int, Hex) NONE;
    nr::PIDFD_SEND_SIGNAL => Proc(Fd, Signal, Reads(SIGINFO, Opt), Hex) NONE;
    nr::PIDFD_GETFD => Proc(Fd, Int, Hex) NONE;
    // Robust futex lists (proc::robust): walked by the personality when a thread dies.
    nr::SET_ROBUST_LIST => Proc(Addr, Uint) NONE;
    nr::GET_ROBUST_LIST => Proc(Int, Writes(8, Req), Writes(8, Req)) NONE;
    // The UTS names and their namespaces (proc::uts).
    nr::UNAME => Proc(Writes(UTSNAME, Req)) IDEMPOTENT;
    nr::SETHOSTNAME => Proc(Special, Uint) NONE;
    nr::SETDOMAINNAME => Proc(Special, Uint) NONE;
    nr::UNSHARE => Linux(Hex) NONE, Support::Partial("CLONE_NEWUTS makes a UTS namespace; CLONE_FILES and CLONE_FS have nothing to unshare in a single-threaded process and are EINVAL in a multi-threaded one (descriptors and working directory are per process); other namespaces are EPERM without CAP_SYS_ADMIN, else EINVAL, as a kernel built without them");
    nr::IOPRIO_GET => Proc(Int, Int) NONE, Support::Partial(IOPRIO);
    nr::IOPRIO_SET => Proc(Int, Int, Hex) NONE, Support::Partial(IOPRIO);
    nr::RSEQ => Proc(Updates(RSEQ_ORIG, Opt), Uint, Hex, Hex) NONE, Support::Partial("registration and unregistration with Linux's checks; cpu_id is 0 (one hart); a critical section is never aborted: preemption happens only at quantum ends, where rseq_cs is not looked at");
    // System administration (proc::admin; reboot and acct finish in linux).
    nr::SYSLOG => Proc(Int, Addr, Int) RESTART, Support::Partial("the kernel log is empty: reads copy nothing, SYSLOG_ACTION_READ waits for a signal; dmesg_restrict is 0");
    nr::VHANGUP => Proc() NONE, Support::Partial("with CAP_SYS_TTY_CONFIG it succeeds and leaves the console (the host's terminal) alone");
    nr::REBOOT => Linux(Hex, Hex, Hex, Special) NO_NATIVE, Support::Partial("as in a container's pid namespace: RESTART/RESTART2 end the guest with init killed by SIGHUP, HALT/POWER_OFF by SIGINT; CAD_ON/CAD_OFF are kept; KEXEC and SW_SUSPEND are EINVAL");
    nr::ACCT => Linux(Path) NONE, Support::Partial("the file is opened and checked as Linux does; no accounting records are written");
    nr::PROCESS_MRELEASE => Proc(Fd, Hex) NONE, Support::Partial("a dying process's memory goes when it ends (at once), not earlier");
    // Memory (mm).
    nr::BRK => Mm(Addr) NONE;
    nr::MUNMAP => Mm(Addr, Uint) NONE;
    nr::MREMAP => Mm(Addr, Uint, Uint, Hex, Addr) NONE;
    nr::EXECVE => Mm(Path, Special, Special) NO_NATIVE;
    nr::EXECVEAT => Linux(DirFd, Path, Special, Special, Hex) NO_NATIVE;
    nr::MMAP => Mm(Addr, Uint, Hex, Hex, Fd, Int) NONE;
    nr::MPROTECT => Mm(Addr, Uint, Hex) NONE;
    nr::MSYNC => Mm(Addr, Uint, Hex) NONE;
    nr::MINCORE => Mm(Addr, Uint, Special) NONE;
    nr::RISCV_FLUSH_ICACHE => Mm(Addr, Addr, Hex) NONE, Support::Partial("flushes every thread's instruction cache: LOCAL is as global (one hart runs at a time)");
    nr::PROCESS_VM_READV => Mm(Int, Special, Uint, Special, Uint, Hex) NONE;
    nr::PROCESS_VM_WRITEV => Mm(Int, Special, Uint, Special, Uint, Hex) NONE;
    nr::MLOCK => Mm(Addr, Uint) NONE, Support::Partial(NO_SWAP);
    nr::MUNLOCK => Mm(Addr, Uint) NONE, Support::Partial(NO_SWAP);
    nr::MLOCKALL => Mm(Hex) NONE, Support::Partial(NO_SWAP);
    nr::MUNLOCKALL => Mm() NONE, Support::Partial(NO_SWAP);
    nr::MLOCK2 => Mm(Addr, Uint, Hex) NONE, Support::Partial(NO_SWAP);
    nr::MADVISE => Mm(Addr, Uint, Int) NONE, Support::Partial("DONTNEED zeroes private pages; other advice is accepted");
    // NUMA memory policy on one node (mm::mempolicy).
    nr::GET_MEMPOLICY => Mm(Special, Special, Uint, Addr, Hex) NONE, Support::Partial(ONE_NODE);
    nr::SET_MEMPOLICY => Mm(Hex, Special, Uint) NONE, Support::Partial(ONE_NODE);
    nr::MBIND => Mm(Addr, Uint, Hex, Special, Uint, Hex) NONE, Support::Partial(ONE_NODE);
    nr::SET_MEMPOLICY_HOME_NODE => Mm(Addr, Uint, Uint, Hex) NONE, Support::Partial(ONE_NODE);
    nr::MIGRATE_PAGES => Mm(Int, Uint, Special, Special) NONE, Support::Partial(ONE_NODE);
    nr::MOVE_PAGES => Mm(Int, Uint, Special, Special, Special, Hex) NONE, Support::Partial("one node (0): a page with a frame is on node 0, one never touched -ENOENT; a page only read is on node 0 (Linux: -EFAULT, the shared zero page); a page shared with another process is not EACCES");
    // Sealing, the remap and advice calls, swap, cache statistics (mm::mseal, remap, advise, swap, cachestat).
    nr::MSEAL => Mm(Addr, Uint, Hex) NONE;
    nr::REMAP_FILE_PAGES => Mm(Addr, Uint, Hex, Uint, Hex) NONE, Support::Partial("emulated with mmap(MAP_SHARED | MAP_FIXED) as Linux does; shared anonymous mappings are EINVAL, and the descriptor the mapping was made through must still be open (EBADF)");
    nr::PROCESS_MADVISE => Mm(Fd, Special, Uint, Int, Hex) NONE, Support::Partial("advice as madvise's: the remote hints (COLD, PAGEOUT, WILLNEED, COLLAPSE) change nothing");
    nr::SWAPON => Mm(Special, Hex) NONE, Support::Partial(NO_SWAP_AREA);
    nr::SWAPOFF => Mm(Special) NONE, Support::Partial(NO_SWAP_AREA);
    nr::CACHESTAT => Mm(Fd, Reads(CACHESTAT_RANGE, Req), Writes(CACHESTAT, Req), Hex) NONE, Support::Partial("counts the pages mm caches (those of mapped files); no dirty, writeback or eviction counts");
    // riscv64 has no memory protection keys: Linux builds these only with
    // CONFIG_ARCH_HAS_PKEYS (mm/mprotect.c), so a riscv64 kernel answers ENOSYS.
    nr::PKEY_MPROTECT => Mm(Addr, Uint, Hex, Int) NONE, Support::Refused(NO_PKEYS);
    nr::PKEY_ALLOC => Mm(Hex, Hex) NONE, Support::Refused(NO_PKEYS);
    nr::PKEY_FREE => Mm(Int) NONE, Support::Refused(NO_PKEYS);
    // Clocks, sleeping, sysinfo (time).
    nr::NANOSLEEP => Time(Reads(TIMESPEC, Req), Writes(TIMESPEC, Lazy)) NONE;
    nr::CLOCK_GETTIME => Time(Int, Writes(TIMESPEC, Req)) IDEMPOTENT;
    nr::CLOCK_GETRES => Time(Int, Writes(TIMESPEC, Opt)) IDEMPOTENT;
    nr::CLOCK_NANOSLEEP => Time(Int, Hex, Reads(TIMESPEC, Req), Writes(TIMESPEC, Lazy)) NONE;
    nr::TIMES => Time(Writes(TMS, Opt)) IDEMPOTENT;
    nr::GETTIMEOFDAY => Time(Writes(TIMEVAL, Opt), Writes(TIMEZONE, Opt)) IDEMPOTENT, Support::Partial("no time zone: tz reads {0, 0}");
    nr::SYSINFO => Time(Writes(SYSINFO, Req)) IDEMPOTENT;
    // Setting the guest's clock (time::clockset): an offset of the guest's own.
    nr::CLOCK_SETTIME => Time(Int, Reads(TIMESPEC, Req)) NONE, Support::Partial(GUEST_CLOCK);
    nr::SETTIMEOFDAY => Time(Reads(TIMEVAL, Opt), Reads(TIMEZONE, Opt)) NONE, Support::Partial(GUEST_CLOCK);
    nr::ADJTIMEX => Time(Updates(TIMEX, Req)) NONE, Support::Partial(GUEST_CLOCK_ADJ);
    nr::CLOCK_ADJTIME => Time(Int, Updates(TIMEX, Req)) NONE, Support::Partial(GUEST_CLOCK_ADJ);
    // Wait queues (futex).
    nr::FUTEX => Futex(Special, Hex, Uint, Special, Special, Uint) RESTART;
    // futex2 (futex::waitv; the others become futex operations in linux).
    nr::FUTEX_WAKE => Futex(Special, Hex, Int, Hex) NONE, Support::Partial(FUTEX2);
    nr::FUTEX_WAIT => Futex(Special, Uint, Hex, Hex, Special, Int) RESTART, Support::Partial(FUTEX2);
    nr::FUTEX_REQUEUE => Futex(Special, Hex, Int, Int) NONE, Support::Partial(FUTEX2);
    nr::FUTEX_WAITV => Futex(Special, Uint, Hex, Special, Int) RESTART, Support::Partial(FUTEX2);
    // System V IPC and POSIX message queues (ipc).
    nr::MSGGET => Ipc(Hex, Hex) NONE;
    nr::MSGSND => Ipc(Int, Special, Uint, Hex) NONE;
    nr::MSGRCV => Ipc(Int, Special, Uint, Int, Hex) NONE;
    nr::MSGCTL => Ipc(Int, Hex, Special) NONE;
    nr::SEMGET => Ipc(Hex, Int, Hex) NONE;
    nr::SEMOP => Ipc(Int, Special, Uint) NONE;
    nr::SEMTIMEDOP => Ipc(Int, Special, Uint, Reads(TIMESPEC, Opt)) NONE;
    nr::SEMCTL => Ipc(Int, Int, Hex, Hex) NONE;
    nr::SHMGET => Ipc(Hex, Uint, Hex) NONE;
    nr::SHMAT => Ipc(Int, Addr, Hex) NONE;
    nr::SHMDT => Ipc(Addr) NONE, Support::Partial("munmap of an attached range is not a detach: shm_nattch counts shmat calls until shmdt, exit or exec");
    nr::SHMCTL => Ipc(Int, Hex, Special) NONE;
    nr::MQ_OPEN => Ipc(Path, OpenFlags, Mode, Reads(MQ_ATTR, Opt)) NONE;
    nr::MQ_UNLINK => Ipc(Path) NONE;
    nr::MQ_TIMEDSEND => Ipc(Fd, Special, Uint, Uint, Reads(TIMESPEC, Opt)) RESTART;
    nr::MQ_TIMEDRECEIVE => Ipc(Fd, Special, Uint, Writes(MQ_PRIO, Opt), Reads(TIMESPEC, Opt)) RESTART;
    nr::MQ_NOTIFY => Ipc(Fd, Reads(SIGEVENT, Opt)) NONE, Support::Partial("SIGEV_SIGNAL and SIGEV_NONE; SIGEV_THREAD is EINVAL");
    nr::MQ_GETSETATTR => Ipc(Fd, Reads(MQ_ATTR, Opt), Writes(MQ_ATTR, Opt)) NONE;
    // Answered by the personality itself (linux).
    nr::SCHED_SETPARAM => Linux(Int, Special) NONE, Support::Partial(ONE_HART);
    nr::SCHED_SETSCHEDULER => Linux(Int, Int, Special) NONE, Support::Partial(ONE_HART);
    nr::SCHED_GETSCHEDULER => Linux(Int) NONE, Support::Partial(ONE_HART);
    nr::SCHED_GETPARAM => Linux(Int, Special) NONE, Support::Partial(ONE_HART);
    nr::SCHED_SETAFFINITY => Linux(Int, Uint, Special) NONE, Support::Partial(ONE_HART);
    nr::SCHED_GETAFFINITY => Linux(Int, Uint, Special) NONE, Support::Partial(ONE_HART);
    nr::SCHED_SETATTR => Linux(Int, Special, Hex) NONE, Support::Partial(ONE_HART);
    nr::SCHED_GETATTR => Linux(Int, Special, Uint, Hex) NONE, Support::Partial(ONE_HART);
    nr::SCHED_YIELD => Linux() NONE;
    nr::SCHED_GET_PRIORITY_MAX => Linux(Int) NONE;
    nr::SCHED_GET_PRIORITY_MIN => Linux(Int) NONE;
    nr::SCHED_RR_GET_INTERVAL => Linux(Int, Special) NONE, Support::Partial(ONE_HART);
    nr::RT_SIGSUSPEND => Linux(Special, Uint) NONE;
    nr::RT_SIGRETURN => Linux() NONE;
    nr::SETPRIORITY => Linux(Int, Int, Int) NONE, Support::Partial("the nice value is kept and changes nothing");
    nr::GETPRIORITY => Linux(Int, Int) NONE, Support::Partial("the nice value is kept and changes nothing");
    nr::GETRUSAGE => Linux(Int, Special) NONE, Support::Partial("CPU times and ru_maxrss; the other counts read zero");
    nr::PRCTL => Linux(Int, Hex, Hex, Hex, Hex) NONE, Support::Partial("thread names, the parent-death signal, dumpable and no_new_privs");
    nr::GETCPU => Linux(Special, Special, Special) NONE, Support::Partial(ONE_HART);
    nr::RISCV_HWPROBE => Linux(Special, Uint, Uint, Special, Hex) NONE;
    nr::GETRANDOM => Linux(Out(1), Uint, Hex) NONE, Support::Partial("deterministic bytes from a per-run generator");
    nr::MEMBARRIER => Linux(Int, Hex, Int) NONE, Support::Partial("one hart runs at a time: nothing to order; the commands, query mask and registrations are Linux's");
    nr::CLONE3 => Linux(Special, Uint) NO_NATIVE, Support::Partial(CLONE_LIMITS);
    // The native directory service (private numbers).
    private::LOOKUP => Linux(In(1), Uint) NONE;
    private::REGISTER => Linux(In(1), Uint, Hex) NONE;
}

/// The row of syscall `n`, if grantix knows it.
pub fn entry(n: u64) -> Option<&'static Entry> {
    use std::sync::OnceLock;
    // Linux's numbers are dense below 512: one array lookup on the syscall path.
    static INDEX: OnceLock<Vec<u16>> = OnceLock::new();
    let index = INDEX.get_or_init(|| {
        let mut v = vec![u16::MAX; 512];
        for (i, e) in TABLE.iter().enumerate() {
            if let Some(slot) = v.get_mut(e.nr as usize) {
                *slot = i as u16;
            }
        }
        v
    });
    match index.get(n as usize) {
        Some(&i) if i != u16::MAX => TABLE.get(i as usize),
        Some(_) => None,
        None => TABLE.iter().find(|e| e.nr == n),
    }
}

/// The space that answers syscall `n`: None for the ones answered -ENOSYS.
pub fn owner(n: u64) -> Option<ServiceId> {
    entry(n).filter(|e| !matches!(e.support, Support::Refused(_))).map(|e| e.owner)
}

/// Whether syscall `n` has every flag of `f`.
pub fn is(n: u64, f: u16) -> bool {
    entry(n).is_some_and(|e| e.is(f))
}

/// The name of syscall `n` (Linux's, or the directory service's).
pub fn name(n: u64) -> Option<&'static str> {
    entry(n).map(|e| e.name).or_else(|| nr::name(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_row_per_number_with_its_arity() {
        let mut seen = std::collections::BTreeSet::new();
        for e in TABLE {
            assert!(seen.insert(e.nr), "{} has two rows", e.name);
            assert!(e.args.len() <= 6, "{}", e.name);
            assert_ne!(e.name, "?", "{} has no name", e.nr);
            assert_eq!(entry(e.nr).map(|x| x.nr), Some(e.nr));
            // A buffer's length argument exists and is a size.
            for a in e.args {
                if let Arg::In(i) | Arg::Out(i) | Arg::InUpTo(i, _) | Arg::OutUpTo(i, _) = a {
                    assert_eq!(e.args.get(*i as usize), Some(&Arg::Uint), "{}: length of a buffer", e.name);
                }
            }
        }
        assert_eq!(owner(nr::CLONE3), Some(ServiceId::Linux));
        assert_eq!(owner(nr::KEXEC_LOAD), None);
        assert_eq!(owner(nr::READ), Some(ServiceId::Vfs));
        assert_eq!(owner(private::LOOKUP), Some(ServiceId::Linux));
        assert_eq!(owner(nr::IO_SETUP), Some(ServiceId::Vfs));
        assert_eq!(name(private::REGISTER), Some("gx_register"));
    }
}
