//! The retry policy a split host applies after a service faulted and the supervisor
//! restarted it: which calls may run a second time.

/// Syscalls (as service ops) that may be retried once after their service restarted:
/// they change nothing, so running them twice is the same as once.
pub fn idempotent(op: u64) -> bool {
    syscalls::table::is(op, syscalls::table::flag::IDEMPOTENT) || matches!(op, syscalls::proc::op::ENTER | syscalls::proc::op::ACTION | syscalls::proc::op::ALTSTACK)
}
