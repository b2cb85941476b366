//! The board's hook for a debugger (grantix's gdb stub): it runs each thread's turn
//! in the debugger's stead, so it can stop at breakpoints, single-step and hand control
//! to the user, and it learns how the program ended.

use machine::{Exit, GxError, HartId, Machine};

/// A live thread as the debugger sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThreadRef {
    pub pid: u32,
    pub tid: u32,
    pub hart: HartId,
}

/// What the board calls when a debugger is attached ([`crate::Runtime::debugger`]).
pub trait Debugger {
    /// Runs thread `t` for at most `budget` instructions (the board's quantum), or less
    /// when the debugger stops it; returns the machine's exit as `Machine::run` would.
    /// `threads` are the live threads at this point of the schedule.
    fn run(&mut self, m: &mut Machine, t: ThreadRef, threads: &[ThreadRef], budget: u64) -> Result<Exit, GxError>;
    /// The program ended with `status` as a shell reports it (128+N: killed by signal N).
    fn exited(&mut self, status: i32);
}
