//! The time service: clocks, sleeping, and sysinfo (uname is proc's: `proc::uts`).
//!
//! The guest's realtime clock is the host's plus an offset of the guest's own:
//! clock_settime, settimeofday, adjtimex and clock_adjtime (`clockset`) move the
//! offset, with CAP_SYS_TIME, and never the host's clock. The CPU-time clocks read
//! proc's accounting (`proc::cpu`).

use crate::proc::op as proc_op;
use crate::sched::Wake;
use crate::service::{Template, err, Env, Service, ServiceId, BLOCK};
use crate::sysno as nr;
use abi::structs::{Sysinfo, Timespec, Timeval, Tms};
use abi::UserPtr;
use machine::Fault;
use std::any::Any;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::UNIX_EPOCH;

pub mod clockset;

/// The time service.
#[derive(Default)]
pub struct Time {
    /// adjtimex's NTP variables.
    ntp: clockset::Ntp,
}

/// Guest CLOCK_MONOTONIC counts from a fixed point this long before the machine
/// booted, so it is never small enough to look like an uninitialised value.
const MONOTONIC_OFFSET_NS: u128 = 3_600_000_000_000;

/// The guest's realtime clock minus the host's, in nanoseconds: one per machine (a
/// grantix process runs one), shared by every service that reads realtime (futex and
/// timerfd deadlines) and kept across a restart of the time service.
static REALTIME_OFFSET_NS: AtomicI64 = AtomicI64::new(0);

/// The guest's realtime clock now, in nanoseconds since the epoch.
pub fn realtime_ns() -> u128 {
    let host = crate::clock::wall().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos()) as i128;
    (host + REALTIME_OFFSET_NS.load(Ordering::Relaxed) as i128).max(0) as u128
}

/// Sets the guest's realtime clock to `ns` since the epoch.
pub fn set_realtime_ns(ns: u128) {
    let host = crate::clock::wall().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos()) as i128;
    let off = (ns as i128 - host).clamp(i64::MIN as i128, i64::MAX as i128) as i64;
    REALTIME_OFFSET_NS.store(off, Ordering::Relaxed);
}

/// A CPU-time clock id: the clock proc reads (`proc::cpu::which`), whose id (0 = the
/// caller), and whether it counts user time only (CPUCLOCK_VIRT). Linux's encoding:
/// CLOCK_PROCESS_CPUTIME_ID and CLOCK_THREAD_CPUTIME_ID, or a negative id
/// `~pid << 3 | thread << 2 | kind` (clock_getcpuclockid, pthread_getcpuclockid).
pub fn cpu_clock(clock: i32) -> Option<(u64, u64, bool)> {
    use crate::proc::cpu::which;
    match clock {
        libc::CLOCK_PROCESS_CPUTIME_ID => Some((which::PROCESS, 0, false)),
        libc::CLOCK_THREAD_CPUTIME_ID => Some((which::THREAD, 0, false)),
        c if c < 0 => {
            let kind = c & 3;
            if kind == 3 {
                return None;
            }
            let id = !(c >> 3) as u32 as u64;
            Some((if c & 4 != 0 { which::THREAD } else { which::PROCESS }, id, kind == 1))
        }
        _ => None,
    }
}

/// The timespec at `p`, or None (EINVAL) if it is not a valid one.
fn read_timespec(env: &mut dyn Env, p: u64) -> Result<Option<u128>, Fault> {
    Ok(UserPtr::<Timespec>::new(p).read(env)?.to_ns())
}

/// Now on guest clock `clock`, in nanoseconds; None for a clock that does not exist.
pub fn clock_ns(clock: i32) -> Option<u128> {
    match clock {
        libc::CLOCK_REALTIME | libc::CLOCK_REALTIME_COARSE | libc::CLOCK_TAI | libc::CLOCK_REALTIME_ALARM => {
            Some(realtime_ns())
        }
        libc::CLOCK_MONOTONIC | libc::CLOCK_MONOTONIC_RAW | libc::CLOCK_MONOTONIC_COARSE | libc::CLOCK_BOOTTIME | libc::CLOCK_BOOTTIME_ALARM => {
            Some(crate::clock::since_boot().as_nanos() + MONOTONIC_OFFSET_NS)
        }
        // CPU time is not accounted per process: the machine's running time stands in.
        libc::CLOCK_PROCESS_CPUTIME_ID | libc::CLOCK_THREAD_CPUTIME_ID => Some(crate::clock::since_boot().as_nanos()),
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

    /// Now on any clock the caller may read: the CPU-time clocks are asked of proc.
    fn now_for(&self, env: &mut dyn Env, caller: u64, clock: i32) -> Option<u128> {
        match cpu_clock(clock) {
            Some((which, id, user_only)) => match env.call(ServiceId::Proc, proc_op::CPU_TIME, [caller & !0xff00_0000, which, id, 0, 0, 0], &[]) {
                Ok([u, s]) if !crate::service::is_err(u) => Some(if user_only { u } else { u.saturating_add(s) } as u128),
                _ => None,
            },
            None => self.now(clock),
        }
    }

    /// Sleeps for `ns` (relative); on an interruption writes what is left to `rem`.
    fn sleep(&mut self, env: &mut dyn Env, caller: u64, ns: u128, rem: u64) -> Result<[u64; 2], Fault> {
        let who = caller & !0xff00_0000;
        match Wake::from_code((caller >> 24) & 0xff) {
            Some(Wake::Timeout) => Ok([0, 0]),
            Some(Wake::Signal) => {
                // A `rem` the personality could not lend: the interrupted sleep is EFAULT.
                if rem == crate::user::UNWRITABLE {
                    return Ok([err(libc::EFAULT), 0]);
                }
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
            nr::CLOCK_GETTIME => match self.now_for(env, caller, s[0] as i32) {
                Some(ns) => {
                    UserPtr::new(s[1]).write(env, &Timespec::from_ns(ns))?;
                    [0, 0]
                }
                None => [err(libc::EINVAL), 0],
            },
            nr::CLOCK_GETRES => match self.now_for(env, caller, s[0] as i32) {
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
                // The kernel's time zone is never set here: tz reads {0, 0}, written
                // as Linux writes sys_tz (a bad tz is EFAULT).
                if s[1] != 0 {
                    env.write(s[1], &[0u8; 8])?;
                }
                [0, 0]
            }
            nr::NANOSLEEP => match read_timespec(env, s[0])? {
                Some(ns) => return self.sleep(env, caller, ns, s[1]),
                None => [err(libc::EINVAL), 0],
            },
            nr::CLOCK_NANOSLEEP => {
                // Clocks Linux cannot sleep on (no nsleep in their k_clock: the calling
                // thread's CPU clock, the raw and coarse clocks) are EOPNOTSUPP, before
                // the request is looked at.
                if matches!(s[0] as i32, libc::CLOCK_THREAD_CPUTIME_ID | libc::CLOCK_MONOTONIC_RAW | libc::CLOCK_REALTIME_COARSE | libc::CLOCK_MONOTONIC_COARSE) {
                    return Ok([err(libc::EOPNOTSUPP), 0]);
                }
                let Some(req) = read_timespec(env, s[2])? else { return Ok([err(libc::EINVAL), 0]) };
                // A thread's CPU clock named by id cannot be slept on (Linux: EINVAL).
                if cpu_clock(s[0] as i32).is_some_and(|(w, _, _)| w == crate::proc::cpu::which::THREAD) {
                    return Ok([err(libc::EINVAL), 0]);
                }
                let Some(now) = self.now(s[0] as i32) else { return Ok([err(libc::EINVAL), 0]) };
                let abs = s[1] as i32 & libc::TIMER_ABSTIME != 0;
                let ns = if abs { req.saturating_sub(now) } else { req };
                // An absolute sleep is simply restarted; it reports no remaining time.
                return self.sleep(env, caller, ns, if abs { 0 } else { s[3] });
            }
            nr::TIMES => {
                // Clock ticks of 10 ms (USER_HZ 100): the process's CPU times and its
                // reaped children's, from proc's accounting.
                let ticks = (crate::clock::since_boot().as_millis() / 10) as u64;
                let mut cpu = |w: u64| match env.call(ServiceId::Proc, proc_op::CPU_TIME, [caller & !0xff00_0000, w, 0, 0, 0, 0], &[]) {
                    Ok([u, s]) if !crate::service::is_err(u) => ((u / 10_000_000) as i64, (s / 10_000_000) as i64),
                    _ => (0, 0),
                };
                let ((utime, stime), (cutime, cstime)) = (cpu(crate::proc::cpu::which::PROCESS), cpu(crate::proc::cpu::which::CHILDREN));
                UserPtr::new(s[0]).write_opt(env, &Tms { utime, stime, cutime, cstime })?;
                [ticks, 0]
            }
            nr::CLOCK_SETTIME | nr::SETTIMEOFDAY | nr::ADJTIMEX | nr::CLOCK_ADJTIME => return clockset::handle(&mut self.ntp, env, caller, op, s),
            nr::SYSINFO => {
                let info = Sysinfo {
                    uptime: (crate::clock::since_boot().as_secs() + 3600) as i64,
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
