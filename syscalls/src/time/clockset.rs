//! Setting the guest's clock: clock_settime, settimeofday, adjtimex and clock_adjtime.
//!
//! They move the guest's realtime offset (`time::set_realtime_ns`), never the
//! host's clock; a change needs CAP_SYS_TIME in the caller's credentials (asked of
//! proc), as on Linux. adjtimex keeps the NTP variables a program can set and read
//! back; the clock is not slewed: a single-shot adjustment (adjtime) and
//! ADJ_SETOFFSET step it at once.

use crate::proc::op as proc_op;
use crate::service::{err, Env, ServiceId};
use crate::sysno as nr;
use machine::Fault;

/// Size of struct timex on riscv64.
pub const TIMEX_SIZE: u64 = 208;

const CAP_SYS_TIME: u64 = 25;
const NS: i128 = 1_000_000_000;

// adjtimex modes (linux/timex.h).
const ADJ_OFFSET: u32 = 0x0001;
const ADJ_FREQUENCY: u32 = 0x0002;
const ADJ_MAXERROR: u32 = 0x0004;
const ADJ_ESTERROR: u32 = 0x0008;
const ADJ_STATUS: u32 = 0x0010;
const ADJ_TIMECONST: u32 = 0x0020;
const ADJ_TAI: u32 = 0x0080;
const ADJ_SETOFFSET: u32 = 0x0100;
const ADJ_MICRO: u32 = 0x1000;
const ADJ_NANO: u32 = 0x2000;
const ADJ_TICK: u32 = 0x4000;
const ADJ_ADJTIME: u32 = 0x8000;
const ADJ_OFFSET_SINGLESHOT: u32 = 0x0001;
const ADJ_OFFSET_READONLY: u32 = 0x2000;
const STA_UNSYNC: i32 = 0x0040;
const STA_CLOCKERR: i32 = 0x1000;
const STA_NANO: i32 = 0x2000;
/// Status bits a program cannot set.
const STA_RONLY: i32 = 0xff00u32 as i32;
const TIME_OK: u64 = 0;
const TIME_ERROR: u64 = 5;
/// Linux's NTP limits: the phase limit (maxerror, esterror), the largest frequency
/// offset (500 ppm, scaled by 2^16), the time-constant range, and PPM_SCALE.
const NTP_PHASE_LIMIT: i64 = 16_000_000;
const MAXFREQ_SCALED: i64 = 500 << 16;
const MAXTC: i64 = 10;
const PPM_SCALE: i64 = 65_536_000;
/// USER_HZ 100: the tick in microseconds.
const TICK_USEC: i64 = 10_000;

/// The NTP variables adjtimex reads and sets (Linux's defaults: unsynchronised).
#[derive(Clone, Copy, Debug)]
pub struct Ntp {
    offset: i64,
    freq: i64,
    maxerror: i64,
    esterror: i64,
    status: i32,
    constant: i64,
    tick: i64,
    tai: i32,
}

impl Default for Ntp {
    fn default() -> Ntp {
        Ntp { offset: 0, freq: 0, maxerror: NTP_PHASE_LIMIT, esterror: NTP_PHASE_LIMIT, status: STA_UNSYNC, constant: 2, tick: TICK_USEC, tai: 0 }
    }
}

fn word(b: &[u8], o: usize) -> i64 {
    i64::from_le_bytes(b[o..o + 8].try_into().unwrap_or_default())
}

fn int(b: &[u8], o: usize) -> i32 {
    i32::from_le_bytes(b[o..o + 4].try_into().unwrap_or_default())
}

/// Whether the caller holds CAP_SYS_TIME.
fn capable(env: &mut dyn Env, caller: u64) -> bool {
    matches!(env.call(ServiceId::Proc, proc_op::CAPABLE, [caller & !0xff00_0000, CAP_SYS_TIME, 0, 0, 0, 0], &[]), Ok([1, _]))
}

/// Whether (sec, nsec) is a time the realtime clock may be set to
/// (timespec64_valid_settod).
fn valid_settod(sec: i64, nsec: i64) -> bool {
    sec >= 0 && (0..NS as i64).contains(&nsec) && sec < (i64::MAX / NS as i64) - 30 * 365 * 86_400
}

/// Steps the guest's realtime clock by `delta` ns.
fn step(delta: i128) {
    let now = super::realtime_ns() as i128;
    super::set_realtime_ns((now + delta).max(0) as u128);
}

/// The time calls that set or adjust the clock; `s` are the syscall's arguments.
pub fn handle(ntp: &mut Ntp, env: &mut dyn Env, caller: u64, op: u64, s: [u64; 6]) -> Result<[u64; 2], Fault> {
    Ok([
        match op {
            nr::CLOCK_SETTIME => {
                // Only CLOCK_REALTIME can be set; every other clock, known or not, is EINVAL.
                if s[0] as i32 != libc::CLOCK_REALTIME {
                    return Ok([err(libc::EINVAL), 0]);
                }
                let mut b = [0u8; 16];
                env.read(s[1], &mut b)?;
                let (sec, nsec) = (word(&b, 0), word(&b, 8));
                if !valid_settod(sec, nsec) {
                    err(libc::EINVAL)
                } else if !capable(env, caller) {
                    err(libc::EPERM)
                } else {
                    super::set_realtime_ns(sec as u128 * NS as u128 + nsec as u128);
                    0
                }
            }
            nr::SETTIMEOFDAY => {
                let mut tv = None;
                if s[0] != 0 {
                    let mut b = [0u8; 16];
                    env.read(s[0], &mut b)?;
                    let (sec, usec) = (word(&b, 0), word(&b, 8));
                    if !(0..1_000_000).contains(&usec) || !valid_settod(sec, usec * 1000) {
                        return Ok([err(libc::EINVAL), 0]);
                    }
                    tv = Some(sec as u128 * NS as u128 + usec as u128 * 1000);
                }
                let mut tz = None;
                if s[1] != 0 {
                    let mut b = [0u8; 8];
                    env.read(s[1], &mut b)?;
                    tz = Some(int(&b, 0));
                }
                if !capable(env, caller) {
                    err(libc::EPERM)
                } else if tz.is_some_and(|m| !(-15 * 60..=15 * 60).contains(&m)) {
                    err(libc::EINVAL)
                } else {
                    // The time zone is accepted and not kept (gettimeofday writes no tz).
                    if let Some(ns) = tv {
                        super::set_realtime_ns(ns);
                    }
                    0
                }
            }
            nr::ADJTIMEX => adjtimex(ntp, env, caller, s[0])?,
            nr::CLOCK_ADJTIME => match s[0] as i32 {
                libc::CLOCK_REALTIME => adjtimex(ntp, env, caller, s[1])?,
                // Clocks that exist but cannot be adjusted.
                c if super::clock_ns(c).is_some() || super::cpu_clock(c).is_some() => err(libc::EOPNOTSUPP),
                _ => err(libc::EINVAL),
            },
            _ => err(libc::ENOSYS),
        },
        0,
    ])
}

/// adjtimex(buf) on the realtime clock: validates and applies the modes, then writes
/// the state back; a0 = the clock state (TIME_ERROR while unsynchronised).
fn adjtimex(ntp: &mut Ntp, env: &mut dyn Env, caller: u64, p: u64) -> Result<u64, Fault> {
    let mut b = [0u8; TIMEX_SIZE as usize];
    env.read(p, &mut b)?;
    let modes = int(&b, 0) as u32;
    // timekeeping_validate_timex, in its order.
    if modes & ADJ_ADJTIME != 0 {
        if modes & ADJ_OFFSET_SINGLESHOT == 0 {
            return Ok(err(libc::EINVAL));
        }
        if modes & ADJ_OFFSET_READONLY == 0 && !capable(env, caller) {
            return Ok(err(libc::EPERM));
        }
    } else {
        if modes != 0 && !capable(env, caller) {
            return Ok(err(libc::EPERM));
        }
        let tick = word(&b, 88);
        if modes & ADJ_TICK != 0 && !(900_000 / 100..=1_100_000 / 100).contains(&tick) {
            return Ok(err(libc::EINVAL));
        }
    }
    let (tsec, tsub) = (word(&b, 72), word(&b, 80));
    if modes & ADJ_SETOFFSET != 0 {
        if !capable(env, caller) {
            return Ok(err(libc::EPERM));
        }
        let limit = if modes & ADJ_NANO != 0 { NS as i64 } else { 1_000_000 };
        if !(0..limit).contains(&tsub) {
            return Ok(err(libc::EINVAL));
        }
    }
    let freq = word(&b, 16);
    if modes & ADJ_FREQUENCY != 0 && (freq < i64::MIN / PPM_SCALE || freq > i64::MAX / PPM_SCALE) {
        return Ok(err(libc::EINVAL));
    }
    let out_offset;
    if modes & ADJ_ADJTIME != 0 {
        // adjtime(2): the previous adjustment (always done: the step is immediate).
        out_offset = 0;
        if modes & ADJ_OFFSET_READONLY == 0 {
            step(word(&b, 8) as i128 * 1000);
        }
    } else {
        if modes & ADJ_SETOFFSET != 0 {
            let sub = if modes & ADJ_NANO != 0 { tsub as i128 } else { tsub as i128 * 1000 };
            step(tsec as i128 * NS + sub);
        }
        if modes & ADJ_STATUS != 0 {
            ntp.status = (ntp.status & STA_RONLY) | (int(&b, 40) & !STA_RONLY);
        }
        if modes & ADJ_NANO != 0 {
            ntp.status |= STA_NANO;
        }
        if modes & ADJ_MICRO != 0 {
            ntp.status &= !STA_NANO;
        }
        if modes & ADJ_FREQUENCY != 0 {
            ntp.freq = freq.clamp(-MAXFREQ_SCALED, MAXFREQ_SCALED);
        }
        if modes & ADJ_MAXERROR != 0 {
            ntp.maxerror = word(&b, 24).clamp(0, NTP_PHASE_LIMIT);
        }
        if modes & ADJ_ESTERROR != 0 {
            ntp.esterror = word(&b, 32).clamp(0, NTP_PHASE_LIMIT);
        }
        if modes & ADJ_TIMECONST != 0 {
            ntp.constant = word(&b, 48).clamp(0, MAXTC);
        }
        if modes & ADJ_TAI != 0 && int(&b, 160) > 0 {
            ntp.tai = int(&b, 160);
        }
        if modes & ADJ_OFFSET != 0 {
            ntp.offset = word(&b, 8);
        }
        if modes & ADJ_TICK != 0 {
            ntp.tick = word(&b, 88);
        }
        out_offset = ntp.offset;
    }
    let now = super::realtime_ns();
    let sub = if ntp.status & STA_NANO != 0 { now % NS as u128 } else { (now % NS as u128) / 1000 };
    let fields: [(usize, i64); 12] = [
        (8, out_offset),
        (16, ntp.freq),
        (24, ntp.maxerror),
        (32, ntp.esterror),
        (48, ntp.constant),
        (56, 1),
        (64, MAXFREQ_SCALED),
        (72, (now / NS as u128) as i64),
        (80, sub as i64),
        (88, ntp.tick),
        (112, 0),
        (120, 0),
    ];
    for (o, v) in fields {
        b[o..o + 8].copy_from_slice(&v.to_le_bytes());
    }
    b[40..44].copy_from_slice(&ntp.status.to_le_bytes());
    b[160..164].copy_from_slice(&ntp.tai.to_le_bytes());
    env.write(p, &b)?;
    Ok(if ntp.status & (STA_UNSYNC | STA_CLOCKERR) != 0 { TIME_ERROR } else { TIME_OK })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settod_rejects_what_linux_rejects() {
        assert!(valid_settod(0, 0));
        assert!(!valid_settod(-1, 0));
        assert!(!valid_settod(1, 1_000_000_000));
        assert!(!valid_settod(1, -1));
    }

    #[test]
    fn the_guest_clock_moves_and_the_host_clock_does_not() {
        let host = || std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as i128;
        let before = host();
        step(3600 * NS);
        let guest = super::super::realtime_ns() as i128;
        assert!(guest - host() > 3599 * NS && guest - host() < 3601 * NS);
        assert!(host() - before < 60 * NS);
        step(-3600 * NS);
        assert!((super::super::realtime_ns() as i128 - host()).abs() < NS);
    }
}
