//! timerfd: a timer whose expirations are read as a count. Expirations are computed
//! from the clock when asked (no host timer runs); a reader or poller that must wait
//! for the next one sleeps until it through the scheduler's deadline.

use super::abi::{self, ev, o};
use super::fs::tri;
use super::io::Stop;
use super::wait::{WaitSet, Who};
use super::{Backend, Regs, Vfs, fail, val};
use crate::service::Env;
use crate::sysno as nr;
use std::time::{Duration, Instant};

const TFD_TIMER_ABSTIME: u64 = 1;
const TFD_TIMER_CANCEL_ON_SET: u64 = 2;

/// The guest's monotonic clock as the vfs reads it: time since the machine booted plus
/// an hour, the origin the time service gives CLOCK_MONOTONIC.
pub fn monotonic_ns() -> u128 {
    crate::clock::since_boot().as_nanos() + 3_600_000_000_000
}

/// Now on `clock`, in nanoseconds; None for a clock timerfd does not support.
pub fn clock_ns(clock: i32) -> Option<u128> {
    match clock {
        libc::CLOCK_REALTIME | libc::CLOCK_REALTIME_ALARM => Some(crate::time::realtime_ns()),
        libc::CLOCK_MONOTONIC | libc::CLOCK_BOOTTIME | libc::CLOCK_BOOTTIME_ALARM => Some(monotonic_ns()),
        _ => None,
    }
}

/// A timerfd's state (part of its open file description).
#[derive(Debug)]
pub struct TimerFd {
    pub clock: i32,
    /// The next expiration on the timer's clock; None when disarmed.
    pub next: Option<u128>,
    /// The period; 0 for a one-shot timer.
    pub interval: u128,
    /// Expirations not yet read.
    pub ticks: u64,
    pub generation: u64,
}

impl TimerFd {
    /// Expirations between the last accounting and `now`.
    fn due(&self, now: u128) -> u64 {
        match self.next {
            Some(n) if n <= now => {
                if self.interval == 0 {
                    1
                } else {
                    (1 + (now - n) / self.interval).min(u64::MAX as u128) as u64
                }
            }
            _ => 0,
        }
    }

    /// Moves the expirations up to `now` into `ticks`.
    fn advance(&mut self, now: u128) {
        let d = self.due(now);
        if d == 0 {
            return;
        }
        self.ticks = self.ticks.saturating_add(d);
        self.generation += 1;
        self.next = match self.next {
            Some(n) if self.interval > 0 => Some(n + d as u128 * self.interval),
            _ => None,
        };
    }

    /// Poll events now.
    pub fn events(&self) -> u32 {
        let now = clock_ns(self.clock).unwrap_or(0);
        if self.ticks > 0 || self.due(now) > 0 { ev::IN | ev::RDNORM } else { 0 }
    }

    /// A generation that changes with each expiration, even one not yet accounted.
    pub fn generation(&self) -> u64 {
        self.generation + self.due(clock_ns(self.clock).unwrap_or(0))
    }

    /// When the next expiration makes the timer readable (None: never, or already).
    pub fn wake_at(&self) -> Option<Instant> {
        let now = clock_ns(self.clock)?;
        let next = self.next?;
        if self.ticks > 0 || next <= now {
            return None;
        }
        crate::clock::now().checked_add(Duration::from_nanos((next - now).min(u64::MAX as u128) as u64))
    }

    /// (interval, remaining time) as it_interval and it_value report them.
    fn current(&self, now: u128) -> (u128, u128) {
        (self.interval, self.next.map_or(0, |n| n.saturating_sub(now).max(1)))
    }
}

/// timerfd_create(clock, flags).
pub fn create(v: &mut Vfs, env: &mut dyn Env, who: Who, clock: i32, flags: i32) -> Regs {
    if flags & !(o::CLOEXEC | o::NONBLOCK) != 0 || clock_ns(clock).is_none() {
        return fail(libc::EINVAL);
    }
    let t = TimerFd { clock, next: None, interval: 0, ticks: 0, generation: 0 };
    let id = v.new_file(Backend::Timer(t), o::RDWR | (flags & o::NONBLOCK), "anon_inode:[timerfd]".into());
    val(v.install_new(env, who.pid, id, flags & o::CLOEXEC != 0))
}

fn itimerspec(interval: u128, value: u128) -> [u8; 32] {
    let mut b = [0u8; 32];
    abi::put(&mut b, 0, &abi::timespec(interval));
    abi::put(&mut b, 16, &abi::timespec(value));
    b
}

/// timerfd_settime(fd, flags, new*, old*) and timerfd_gettime(fd, cur*), each in
/// Linux's order: gettime checks the fd (EBADF, EINVAL) before the pointer (EFAULT);
/// settime copies the new value first (its lend: EFAULT), then checks the flags and
/// the value (EINVAL), then the fd.
pub fn time(v: &mut Vfs, env: &mut dyn Env, who: Who, n: u64, s: [u64; 5]) -> Regs {
    if n == nr::TIMERFD_GETTIME {
        let (id, _) = tri!(v.get(who.pid, s[0] as i32));
        let Some(Backend::Timer(t)) = v.files.get_mut(&id).map(|f| &mut f.backend) else { return fail(libc::EINVAL) };
        let now = clock_ns(t.clock).unwrap_or(0);
        t.advance(now);
        if s[1] == 0 {
            return fail(libc::EFAULT);
        }
        let (i, r) = t.current(now);
        env.write(s[1], &itimerspec(i, r))?;
        return val(0);
    }
    let flags = s[1];
    let mut b = [0u8; 32];
    env.read(s[2], &mut b)?;
    if flags & !(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET) != 0 {
        return fail(libc::EINVAL);
    }
    let (Some(interval), Some(value)) = (abi::timespec_ns(&b[0..16]), abi::timespec_ns(&b[16..32])) else { return fail(libc::EINVAL) };
    let (id, _) = tri!(v.get(who.pid, s[0] as i32));
    let Some(Backend::Timer(t)) = v.files.get_mut(&id).map(|f| &mut f.backend) else { return fail(libc::EINVAL) };
    let now = clock_ns(t.clock).unwrap_or(0);
    t.advance(now);
    let old = t.current(now);
    t.ticks = 0;
    t.generation += 1;
    if value == 0 {
        t.next = None;
        t.interval = 0;
    } else {
        t.next = Some(if flags & TFD_TIMER_ABSTIME != 0 { value } else { now + value });
        t.interval = interval;
    }
    if s[3] != 0 {
        env.write(s[3], &itimerspec(old.0, old.1))?;
    }
    val(0)
}

/// read: the number of expirations since the last read, waiting for the first.
pub fn read(v: &mut Vfs, env: &mut dyn Env, who: Who, id: u64, len: usize) -> Result<Vec<u8>, Stop> {
    if len < 8 {
        return Err(Stop::Err(libc::EINVAL));
    }
    let Some(f) = v.files.get_mut(&id) else { return Err(Stop::Err(libc::EBADF)) };
    let nonblock = f.flags & o::NONBLOCK != 0;
    let Backend::Timer(t) = &mut f.backend else { return Err(Stop::Err(libc::EINVAL)) };
    t.advance(clock_ns(t.clock).unwrap_or(0));
    if t.ticks == 0 {
        if nonblock {
            return Err(Stop::Err(libc::EAGAIN));
        }
        let mut set = WaitSet::default();
        if let Some(at) = t.wake_at() {
            set.at(at);
        }
        return Err(Stop::Block(v.waits.block(env, who, &set)));
    }
    let n = std::mem::take(&mut t.ticks);
    Ok(n.to_le_bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periodic_expirations_accumulate() {
        let mut t = TimerFd { clock: libc::CLOCK_MONOTONIC, next: Some(100), interval: 10, ticks: 0, generation: 0 };
        assert_eq!(t.due(99), 0);
        assert_eq!(t.due(100), 1);
        assert_eq!(t.due(125), 3);
        t.advance(125);
        assert_eq!((t.ticks, t.next), (3, Some(130)));
        let mut one = TimerFd { clock: libc::CLOCK_MONOTONIC, next: Some(5), interval: 0, ticks: 0, generation: 0 };
        one.advance(1000);
        assert_eq!((one.ticks, one.next), (1, None));
    }
}
