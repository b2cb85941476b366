//! Which arguments of the proc syscalls are pointers into the caller's memory, and
//! the lends the personality makes for them.

use super::{ids, limits, ptimer, rseq, uts};
use crate::service::Lend;
use crate::sysno as nr;

/// Lends needed by the proc syscalls that take pointers (for the personality), given
/// the arguments with pointers already qualified. An optional pointer that is NULL is
/// not lent; a required one is lent even when NULL, so the personality answers -EFAULT
/// (proc never touches a pointer it was not lent).
pub fn lends(op: u64, a: &[u64; 6]) -> Vec<Lend> {
    let opt = |p: u64, len: u64, write: bool| (p != 0).then(|| if write { Lend::write(p, len) } else { Lend::read(p, len) });
    let req = |p: u64, len: u64, write: bool| Some(if write { Lend::write(p, len) } else { Lend::read(p, len) });
    let req_rw = |p: u64, len: u64| Some(Lend::read_write(p, len));
    let opt_rw = |p: u64, len: u64| (p != 0).then(|| Lend::read_write(p, len));
    let v: [Option<Lend>; 3] = match op {
        nr::WAIT4 => [opt(a[1], 4, true), opt(a[3], limits::RUSAGE_SIZE, true), None],
        nr::WAITID => [opt(a[2], 128, true), opt(a[4], limits::RUSAGE_SIZE, true), None],
        nr::RT_SIGACTION => [opt(a[1], 24, false), opt(a[2], 24, true), None],
        nr::RT_SIGPROCMASK => [opt(a[1], 8, false), opt(a[2], 8, true), None],
        nr::RT_SIGPENDING => [req(a[0], 8, true), None, None],
        nr::SIGALTSTACK => [opt(a[0], 24, false), opt(a[1], 24, true), None],
        nr::RT_SIGQUEUEINFO => [req(a[2], 128, false), None, None],
        nr::RT_TGSIGQUEUEINFO => [req(a[3], 128, false), None, None],
        nr::RT_SIGTIMEDWAIT => [req(a[0], 8, false), opt(a[1], 128, true), opt(a[2], 16, false)],
        nr::SETITIMER => [opt(a[1], 32, false), opt(a[2], 32, true), None],
        nr::GETITIMER => [req(a[1], 32, true), None, None],
        nr::GET_ROBUST_LIST => [req(a[1], 8, true), req(a[2], 8, true), None],
        nr::TIMER_CREATE => [opt(a[1], ptimer::SIGEVENT_SIZE, false), req(a[2], 4, true), None],
        nr::PIDFD_SEND_SIGNAL => [opt(a[2], 128, false), None, None],
        nr::TIMER_SETTIME => [opt(a[2], ptimer::ITIMERSPEC_SIZE, false), opt(a[3], ptimer::ITIMERSPEC_SIZE, true), None],
        nr::TIMER_GETTIME => [req(a[1], ptimer::ITIMERSPEC_SIZE, true), None, None],
        nr::PRLIMIT64 => [opt(a[2], 16, false), opt(a[3], 16, true), None],
        nr::GETRLIMIT => [req(a[1], 16, true), None, None],
        nr::SETRLIMIT => [req(a[1], 16, false), None, None],
        nr::GETRESUID | nr::GETRESGID => [req(a[0], 4, true), req(a[1], 4, true), req(a[2], 4, true)],
        nr::GETGROUPS => [(ids::groups_len(a[0]) > 0).then(|| Lend::write(a[1], ids::groups_len(a[0]))), None, None],
        nr::SETGROUPS => [(ids::groups_len(a[0]) > 0).then(|| Lend::read(a[1], ids::groups_len(a[0]))), None, None],
        // The header is read, and written back when its version is unknown.
        nr::CAPGET => [req_rw(a[0], ids::CAP_HEADER_SIZE), opt(a[1], ids::CAP_DATA_SIZE, true), None],
        nr::CAPSET => [req_rw(a[0], ids::CAP_HEADER_SIZE), opt(a[1], ids::CAP_DATA_SIZE, false), None],
        nr::UNAME => [req(a[0], std::mem::size_of::<abi::structs::Utsname>() as u64, true), None, None],
        // A name longer than 64 bytes is EINVAL before it is read (after EPERM).
        nr::SETHOSTNAME | nr::SETDOMAINNAME => [(a[1] > 0 && a[1] <= uts::NAME_MAX).then(|| Lend::read(a[0], a[1])), None, None],
        // The fields registration and unregistration write (checked first: EINVAL
        // comes before EFAULT).
        nr::RSEQ => [opt_rw(a[0], rseq::ORIG_SIZE), None, None],
        _ => [None, None, None],
    };
    v.into_iter().flatten().collect()
}

/// Which arguments of a proc syscall are pointers into the caller's memory.
pub fn pointer_args(op: u64) -> &'static [usize] {
    match op {
        nr::WAIT4 => &[1, 3],
        nr::WAITID => &[2, 4],
        nr::RT_SIGACTION | nr::RT_SIGPROCMASK => &[1, 2],
        nr::RT_SIGPENDING => &[0],
        nr::SIGALTSTACK => &[0, 1],
        nr::RT_SIGQUEUEINFO => &[2],
        nr::RT_TGSIGQUEUEINFO => &[3],
        nr::RT_SIGTIMEDWAIT => &[0, 1, 2],
        nr::SETITIMER => &[1, 2],
        nr::GETITIMER => &[1],
        nr::GET_ROBUST_LIST => &[1, 2],
        nr::TIMER_CREATE => &[1, 2],
        nr::PIDFD_SEND_SIGNAL => &[2],
        nr::TIMER_SETTIME => &[2, 3],
        nr::TIMER_GETTIME => &[1],
        nr::PRLIMIT64 => &[2, 3],
        nr::GETRLIMIT | nr::SETRLIMIT => &[1],
        nr::GETRESUID | nr::GETRESGID => &[0, 1, 2],
        nr::GETGROUPS | nr::SETGROUPS => &[1],
        nr::CAPGET | nr::CAPSET => &[0, 1],
        nr::UNAME | nr::SETHOSTNAME | nr::SETDOMAINNAME | nr::RSEQ => &[0],
        _ => &[],
    }
}
