//! Errors in layers: `GxError` is a recoverable error code; `Fault` is something a space did wrong.

use crate::addr::Sid;
use crate::rights::Access;
use std::fmt;

/// A recoverable error of a native operation, with the Linux errno meaning the ISA
/// returns (negated) in `rd`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GxError {
    /// The principal lacks the authority (no grant, not the creator, not the owner).
    #[error("operation not permitted")]
    Perm,
    /// The named space is dead, or the handle / portal is stale.
    #[error("no such space, or stale handle")]
    Stale,
    /// A configured limit was hit (grants per space, derivation depth, spaces, frames).
    #[error("limit reached")]
    Limit,
    /// The descriptor could not be read, or a range is unmapped.
    #[error("bad address")]
    Fault,
    /// Malformed request (empty range, range past the end of the space, bad rights).
    #[error("invalid argument")]
    Invalid,
    /// The callee of a portal call faulted and its frame was unwound.
    #[error("callee faulted")]
    CalleeFaulted,
    /// The callee space is a host space that is already running on this hart.
    #[error("space busy")]
    Busy,
}

impl GxError {
    /// The positive Linux errno this error is reported as.
    pub fn errno(self) -> i64 {
        match self {
            GxError::Perm => 1,
            GxError::Stale => 3,
            GxError::CalleeFaulted => 5,
            GxError::Limit => 12,
            GxError::Fault => 14,
            GxError::Busy => 16,
            GxError::Invalid => 22,
        }
    }

    /// The value written to `rd`: the negated errno.
    pub fn to_reg(self) -> u64 {
        (-self.errno()) as u64
    }
}

/// Why a space faulted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// The page is not mapped (or the space does not exist).
    Unmapped { access: Access, addr: u64 },
    /// Mapped, but neither the page rights nor any grant allow the access.
    Denied { access: Access, addr: u64 },
    /// An AMO or LR/SC on a misaligned address, or a fetch from an odd pc.
    Misaligned { access: Access, addr: u64 },
    /// An encoding that is not an instruction of this machine.
    Illegal { raw: u32 },
    /// `ebreak`.
    Breakpoint,
    /// `gx.pret` with no portal frame, or a control stack overflow.
    ControlStack,
    /// Host code of a host-implemented space panicked.
    HostPanic(String),
    /// A watchdog found the space running for too long.
    Watchdog,
    /// An environment without the needed portal (no ecall portal, no fault portal).
    NoHandler,
    /// A demand-zero or copy-on-write page needed a frame and the machine had none
    /// left (the frame limit, `--mem`): not the accessor's mistake, so an OOM policy,
    /// not a SIGSEGV, decides what happens.
    OutOfMemory { access: Access, addr: u64 },
}

/// A fault: what happened, in which space, at which pc.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    pub kind: FaultKind,
    /// The principal (DATA space) that faulted.
    pub space: Sid,
    /// Program counter of the faulting instruction (0 for host code).
    pub pc: u64,
}

impl Fault {
    /// A fault of `space` at `pc`.
    pub fn new(kind: FaultKind, space: Sid, pc: u64) -> Fault {
        Fault { kind, space, pc }
    }

    /// A small number identifying the kind, used as the cause argument of a fault portal call
    /// (mirrors the RISC-V exception codes where one exists).
    pub fn cause(&self) -> u64 {
        match &self.kind {
            FaultKind::Misaligned { access: Access::Execute, .. } => 0,
            FaultKind::Illegal { .. } => 2,
            FaultKind::Breakpoint => 3,
            FaultKind::Misaligned { access: Access::Read, .. } => 4,
            FaultKind::Misaligned { access: Access::Write, .. } => 6,
            FaultKind::Unmapped { access: Access::Execute, .. } | FaultKind::Denied { access: Access::Execute, .. } => 12,
            FaultKind::Unmapped { access: Access::Read, .. } | FaultKind::Denied { access: Access::Read, .. } => 13,
            FaultKind::Unmapped { access: Access::Write, .. } | FaultKind::Denied { access: Access::Write, .. } => 15,
            FaultKind::ControlStack => 24,
            FaultKind::HostPanic(_) => 25,
            FaultKind::Watchdog => 26,
            FaultKind::NoHandler => 27,
            FaultKind::OutOfMemory { .. } => 28,
        }
    }

    /// The faulting data or instruction address, if the kind has one.
    pub fn addr(&self) -> u64 {
        match &self.kind {
            FaultKind::Unmapped { addr, .. } | FaultKind::Denied { addr, .. } | FaultKind::Misaligned { addr, .. } | FaultKind::OutOfMemory { addr, .. } => *addr,
            FaultKind::Illegal { raw } => *raw as u64,
            _ => 0,
        }
    }

    /// A short name of the kind for counters and reports.
    pub fn kind_name(&self) -> &'static str {
        match &self.kind {
            FaultKind::Unmapped { .. } => "unmapped",
            FaultKind::Denied { .. } => "denied",
            FaultKind::Misaligned { .. } => "misaligned",
            FaultKind::Illegal { .. } => "illegal",
            FaultKind::Breakpoint => "breakpoint",
            FaultKind::ControlStack => "control-stack",
            FaultKind::HostPanic(_) => "host-panic",
            FaultKind::Watchdog => "watchdog",
            FaultKind::NoHandler => "no-handler",
            FaultKind::OutOfMemory { .. } => "out-of-memory",
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            FaultKind::Unmapped { access, addr } => write!(f, "{access:?} of unmapped {addr:#x}"),
            FaultKind::Denied { access, addr } => write!(f, "{access:?} of {addr:#x} denied"),
            FaultKind::Misaligned { access, addr } => write!(f, "misaligned {access:?} at {addr:#x}"),
            FaultKind::Illegal { raw } => write!(f, "illegal instruction {raw:#010x}"),
            FaultKind::Breakpoint => write!(f, "breakpoint"),
            FaultKind::ControlStack => write!(f, "control stack underflow or overflow"),
            FaultKind::HostPanic(msg) => write!(f, "host code panicked: {msg}"),
            FaultKind::Watchdog => write!(f, "watchdog expired"),
            FaultKind::NoHandler => write!(f, "no portal to handle the event"),
            FaultKind::OutOfMemory { access, addr } => write!(f, "{access:?} of {addr:#x}: out of memory"),
        }?;
        write!(f, " in space {} at pc {:#x}", self.space, self.pc)
    }
}

impl std::error::Error for Fault {}
