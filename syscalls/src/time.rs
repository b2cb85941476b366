//! The time service: clocks, sleeping, and the system's identity (uname, sysinfo).

use crate::proc::op as proc_op;
use crate::sched::Wake;
use crate::service::{err, Env, Lend, Service, ServiceId, BLOCK};
use crate::sysno as nr;
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

fn timespec(ns: u128) -> [u8; 16] {
    let mut b = [0u8; 16];
    b[0..8].copy_from_slice(&((ns / 1_000_000_000) as u64).to_le_bytes());
    b[8..16].copy_from_slice(&((ns % 1_000_000_000) as u64).to_le_bytes());
    b
}

fn read_timespec(env: &mut dyn Env, p: u64) -> Result<Option<u128>, Fault> {
    let mut b = [0u8; 16];
    env.read(p, &mut b)?;
    let s = i64::from_le_bytes(b[0..8].try_into().unwrap_or_default());
    let ns = i64::from_le_bytes(b[8..16].try_into().unwrap_or_default());
    if s < 0 || !(0..1_000_000_000).contains(&ns) {
        return Ok(None);
    }
    Ok(Some(s as u128 * 1_000_000_000 + ns as u128))
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
                    env.write(rem, &timespec(if left == u64::MAX { 0 } else { left as u128 }))?;
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
                    env.write(s[1], &timespec(ns))?;
                    [0, 0]
                }
                None => [err(libc::EINVAL), 0],
            },
            nr::CLOCK_GETRES => match self.now(s[0] as i32) {
                Some(_) => {
                    if s[1] != 0 {
                        env.write(s[1], &timespec(1))?;
                    }
                    [0, 0]
                }
                None => [err(libc::EINVAL), 0],
            },
            nr::GETTIMEOFDAY => {
                let ns = self.now(libc::CLOCK_REALTIME).unwrap_or(0);
                if s[0] != 0 {
                    let mut b = [0u8; 16];
                    b[0..8].copy_from_slice(&((ns / 1_000_000_000) as u64).to_le_bytes());
                    b[8..16].copy_from_slice(&(((ns % 1_000_000_000) / 1000) as u64).to_le_bytes());
                    env.write(s[0], &b)?;
                }
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
                if s[0] != 0 {
                    let mut b = [0u8; 32];
                    b[0..8].copy_from_slice(&ticks.to_le_bytes());
                    env.write(s[0], &b)?;
                }
                [ticks, 0]
            }
            nr::UNAME => {
                let mut b = [0u8; 390];
                for (i, f) in ["Linux", "grantix", "6.6.0-grantix", "#1 SMP grantix", "riscv64", "(none)"].iter().enumerate() {
                    b[i * 65..i * 65 + f.len()].copy_from_slice(f.as_bytes());
                }
                env.write(s[0], &b)?;
                [0, 0]
            }
            nr::SYSINFO => {
                let mut b = [0u8; 112];
                b[0..8].copy_from_slice(&(boot().elapsed().as_secs() + 3600).to_le_bytes());
                b[32..40].copy_from_slice(&(4u64 << 30).to_le_bytes());
                b[40..48].copy_from_slice(&(3u64 << 30).to_le_bytes());
                b[80..82].copy_from_slice(&1u16.to_le_bytes());
                b[104..108].copy_from_slice(&1u32.to_le_bytes());
                env.write(s[0], &b)?;
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
        nr::UNAME => vec![Lend::write(a[0], 390)],
        nr::SYSINFO => vec![Lend::write(a[0], 112)],
        _ => Vec::new(),
    }
}
