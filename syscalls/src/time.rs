//! The time service: clocks, sleeping, and the system's identity (uname, sysinfo).

use crate::proc::op as proc_op;
use crate::sched::Wake;
use crate::service::{Template, err, Env, Lend, Service, ServiceId, BLOCK};
use crate::sysno as nr;
use abi::structs::{Sysinfo, Timespec, Timeval, Tms, Utsname};
use abi::UserPtr;
use machine::Fault;
use std::any::Any;
use std::sync::OnceLock;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// The time service.
#[derive(Default)]
pub struct Time {}

/// Guest CLOCK_MONOTONIC counts from a fixed point this long before the machine
/// booted, so it is never small enough to look like an uninitialised value.
const MONOTONIC_OFFSET_NS: u128 = 3_600_000_000_000;

/// When the machine booted: the origin of the guest's monotonic clocks, shared by
/// every service that converts them (futex deadlines use the same clock as the
/// program's clock_gettime).
fn boot() -> Instant {
    static BOOT: OnceLock<Instant> = OnceLock::new();
    *BOOT.get_or_init(Instant::now)
}

/// The timespec at `p`, or None (EINVAL) if it is not a valid one.
fn read_timespec(env: &mut dyn Env, p: u64) -> Result<Option<u128>, Fault> {
    Ok(UserPtr::<Timespec>::new(p).read(env)?.to_ns())
}

/// Now on guest clock `clock`, in nanoseconds; None for a clock that does not exist.
pub fn clock_ns(clock: i32) -> Option<u128> {
    match clock {
        libc::CLOCK_REALTIME | libc::CLOCK_REALTIME_COARSE | libc::CLOCK_TAI | libc::CLOCK_REALTIME_ALARM => {
            Some(SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_nanos())
        }
        libc::CLOCK_MONOTONIC | libc::CLOCK_MONOTONIC_RAW | libc::CLOCK_MONOTONIC_COARSE | libc::CLOCK_BOOTTIME | libc::CLOCK_BOOTTIME_ALARM => {
            Some(boot().elapsed().as_nanos() + MONOTONIC_OFFSET_NS)
        }
        // CPU time is not accounted per process: the machine's running time stands in.
        libc::CLOCK_PROCESS_CPUTIME_ID | libc::CLOCK_THREAD_CPUTIME_ID => Some(boot().elapsed().as_nanos()),
        _ => None,
    }
}

/// Now on a guest clock, in nanoseconds (0 for an unknown clock): the clock futex
/// and timer deadlines are measured on.
pub fn now_ns(clock: i32) -> u128 {
    clock_ns(clock).unwrap_or(0)
}

impl Time {
    fn now(&self, clock: i32) -> Option<u128> {
        clock_ns(clock)
    }

    /// Sleeps for `ns` (relative); on an interruption writes what is left to `rem`.
    fn sleep(&mut self, env: &mut dyn Env, caller: u64, ns: u128, rem: u64) -> Result<[u64; 2], Fault> {
        let who = caller & !0xff00_0000;
        match Wake::from_code((caller >> 24) & 0xff) {
            Some(Wake::Timeout) => Ok([0, 0]),
            Some(Wake::Signal) => {
                if rem != 0 {
                    let left = env.call(ServiceId::Proc, proc_op::DEADLINE_LEFT, [who, 0, 0, 0, 0, 0], &[]).map_or(0, |r| r[0]);
                    UserPtr::new(rem).write(env, &Timespec::from_ns(if left == u64::MAX { 0 } else { left as u128 }))?;
                }
                Ok([err(libc::EINTR), 0])
            }
            _ if ns == 0 => Ok([0, 0]),
            _ => {
                let ns = ns.min(u64::MAX as u128 - 1) as u64;
                let _ = env.call(ServiceId::Proc, proc_op::DEADLINE, [who, ns, 0, 0, 0, 0], &[]);
                Ok([BLOCK, 0])
            }
        }
    }
}

impl Template for Time {
    const ID: ServiceId = ServiceId::Time;
    const CALLEES: &'static [ServiceId] = &[ServiceId::Proc, ServiceId::Supervisor];
}

impl Service for Time {
    fn id(&self) -> ServiceId {
        ServiceId::Time
    }

    fn as_any(&mut self) -> &mut dyn Any {
        self
    }

    fn handle(&mut self, env: &mut dyn Env, op: u64, a: [u64; 6]) -> Result<[u64; 2], Fault> {
        let caller = a[0];
        let s = [a[1], a[2], a[3], a[4], a[5], 0];
        Ok(match op {
            nr::CLOCK_GETTIME => match self.now(s[0] as i32) {
                Some(ns) => {
                    UserPtr::new(s[1]).write(env, &Timespec::from_ns(ns))?;
                    [0, 0]
                }
                None => [err(libc::EINVAL), 0],
            },
            nr::CLOCK_GETRES => match self.now(s[0] as i32) {
                Some(_) => {
                    UserPtr::new(s[1]).write_opt(env, &Timespec::from_ns(1))?;
                    [0, 0]
                }
                None => [err(libc::EINVAL), 0],
            },
            nr::GETTIMEOFDAY => {
                let ns = self.now(libc::CLOCK_REALTIME).unwrap_or(0);
                let tv = Timeval { sec: (ns / 1_000_000_000) as i64, usec: ((ns % 1_000_000_000) / 1000) as i64 };
                UserPtr::new(s[0]).write_opt(env, &tv)?;
                [0, 0]
            }
            nr::NANOSLEEP => match read_timespec(env, s[0])? {
                Some(ns) => return self.sleep(env, caller, ns, s[1]),
                None => [err(libc::EINVAL), 0],
            },
            nr::CLOCK_NANOSLEEP => {
                let Some(req) = read_timespec(env, s[2])? else { return Ok([err(libc::EINVAL), 0]) };
                let Some(now) = self.now(s[0] as i32) else { return Ok([err(libc::EINVAL), 0]) };
                let abs = s[1] as i32 & libc::TIMER_ABSTIME != 0;
                let ns = if abs { req.saturating_sub(now) } else { req };
                // An absolute sleep is simply restarted; it reports no remaining time.
                return self.sleep(env, caller, ns, if abs { 0 } else { s[3] });
            }
            nr::TIMES => {
                let ticks = (boot().elapsed().as_millis() / 10) as u64;
                UserPtr::new(s[0]).write_opt(env, &Tms { utime: ticks as i64, ..Tms::default() })?;
                [ticks, 0]
            }
            nr::UNAME => {
                let u = Utsname::new(["Linux", "grantix", "6.6.0-grantix", "#1 SMP grantix", "riscv64", "(none)"]);
                UserPtr::new(s[0]).write(env, &u)?;
                [0, 0]
            }
            nr::SYSINFO => {
                let info = Sysinfo {
                    uptime: (boot().elapsed().as_secs() + 3600) as i64,
                    totalram: 4 << 30,
                    freeram: 3 << 30,
                    procs: 1,
                    mem_unit: 1,
                    ..Sysinfo::default()
                };
                UserPtr::new(s[0]).write(env, &info)?;
                [0, 0]
            }
            _ => [err(libc::ENOSYS), 0],
        })
    }
}

/// Qualifies the pointer arguments of time syscall `n` with `q`.
pub fn qualify(n: u64, a: &[u64; 6], q: impl Fn(u64) -> u64) -> [u64; 6] {
    match n {
        nr::CLOCK_GETTIME | nr::CLOCK_GETRES => [a[0], q(a[1]), 0, 0, 0, 0],
        nr::CLOCK_NANOSLEEP => [a[0], a[1], q(a[2]), q(a[3]), 0, 0],
        // The time zone is not kept: tz is never written.
        nr::GETTIMEOFDAY => [q(a[0]), a[1], 0, 0, 0, 0],
        _ => [q(a[0]), q(a[1]), 0, 0, 0, 0],
    }
}

/// Which argument of a sleep is its `rem` pointer: written only when the sleep is
/// interrupted, so Linux does not check it up front (a bad one fails nothing else).
pub fn remainder_arg(n: u64) -> Option<usize> {
    match n {
        nr::NANOSLEEP => Some(1),
        nr::CLOCK_NANOSLEEP => Some(3),
        _ => None,
    }
}

/// Lends of the time syscalls.
pub fn lends(op: u64, a: &[u64; 6]) -> Vec<Lend> {
    let opt = |p: u64, l: u64, w: bool| if p == 0 { None } else if w { Some(Lend::write(p, l)) } else { Some(Lend::read(p, l)) };
    match op {
        nr::CLOCK_GETTIME => vec![Lend::write(a[1], 16)],
        nr::CLOCK_GETRES => opt(a[1], 16, true).into_iter().collect(),
        nr::GETTIMEOFDAY => opt(a[0], 16, true).into_iter().collect(),
        nr::NANOSLEEP => [Some(Lend::read(a[0], 16)), opt(a[1], 16, true)].into_iter().flatten().collect(),
        nr::CLOCK_NANOSLEEP => [Some(Lend::read(a[2], 16)), opt(a[3], 16, true)].into_iter().flatten().collect(),
        nr::TIMES => opt(a[0], 32, true).into_iter().collect(),
        nr::UNAME => vec![Lend::write(a[0], size_of::<Utsname>() as u64)],
        nr::SYSINFO => vec![Lend::write(a[0], size_of::<Sysinfo>() as u64)],
        _ => Vec::new(),
    }
}
