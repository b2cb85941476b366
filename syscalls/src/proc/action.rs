//! What delivering a signal does (a1 of NEXT_SIGNAL and DELIVER).

pub const NONE: u64 = 0;
/// Discarded: SIG_IGN, or a default action of "ignore".
pub const IGNORE: u64 = 1;
/// The process ends (default action).
pub const TERMINATE: u64 = 2;
/// A handler runs, and the interrupted syscall is not restarted.
pub const HANDLER: u64 = 3;
/// A handler runs, installed with SA_RESTART.
pub const HANDLER_RESTART: u64 = 4;
/// The process stops (default action of a stop signal).
pub const STOP: u64 = 5;
