//! The clock every service reads: the host's, or a virtual clock that moves only with
//! the guest's retired instructions (`--clock virtual`), so that a run's timeouts,
//! timestamps and clock-seeded choices (glibc's temporary names) are the same every time.
//!
//! One clock per grantix process, as there is one machine per process (the guest's
//! realtime offset in `time` is global for the same reason). Services call `now()` and
//! `wall()` where they would call `Instant::now()` and `SystemTime::now()`; the runner
//! drives the virtual clock: `advance` after each time slice by the instructions it
//! retired (1 ns each, the rate `proc::cpu` charges CPU time at), and `advance_to` the
//! earliest deadline when every thread sleeps, instead of waiting on the host.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Where a virtual clock's realtime starts: 2026-01-01T00:00:00Z.
pub const VIRTUAL_EPOCH_S: u64 = 1_767_225_600;

static VIRTUAL: AtomicBool = AtomicBool::new(false);
/// Nanoseconds of virtual time since boot.
static VIRTUAL_NS: AtomicU64 = AtomicU64::new(0);

/// When the machine booted: the origin of the guest's monotonic clocks (and, in
/// virtual mode, the instant virtual time counts from).
pub fn boot() -> Instant {
    static BOOT: OnceLock<Instant> = OnceLock::new();
    *BOOT.get_or_init(Instant::now)
}

/// Switches the process to the virtual clock (before the machine runs guest code).
pub fn use_virtual() {
    boot();
    VIRTUAL.store(true, Ordering::Relaxed);
}

/// Whether the virtual clock is in use.
pub fn is_virtual() -> bool {
    VIRTUAL.load(Ordering::Relaxed)
}

/// Now, on the clock the guest sees.
pub fn now() -> Instant {
    if is_virtual() {
        boot() + Duration::from_nanos(VIRTUAL_NS.load(Ordering::Relaxed))
    } else {
        Instant::now()
    }
}

/// The wall-clock time, before the guest's own realtime offset (`time::realtime_ns`).
pub fn wall() -> SystemTime {
    if is_virtual() {
        UNIX_EPOCH + Duration::from_secs(VIRTUAL_EPOCH_S) + Duration::from_nanos(VIRTUAL_NS.load(Ordering::Relaxed))
    } else {
        SystemTime::now()
    }
}

/// Time since boot on the guest's clock.
pub fn since_boot() -> Duration {
    now().saturating_duration_since(boot())
}

/// Moves the virtual clock on by `ns` (nothing on the host clock).
pub fn advance(ns: u64) {
    if is_virtual() {
        VIRTUAL_NS.fetch_add(ns, Ordering::Relaxed);
    }
}

/// Moves the virtual clock to `t` if that is later (nothing on the host clock).
pub fn advance_to(t: Instant) {
    if is_virtual() {
        let ns = t.saturating_duration_since(boot()).as_nanos().min(u64::MAX as u128) as u64;
        VIRTUAL_NS.fetch_max(ns, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_host_clock_is_the_default() {
        // Unit tests share the process: none of them turns the virtual clock on.
        assert!(!super::is_virtual());
        let a = super::now();
        assert!(super::now() >= a);
        super::advance(1_000_000_000);
        assert!(super::since_boot() < std::time::Duration::from_secs(3600));
    }
}
