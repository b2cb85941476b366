//! Harts: the register state of one guest thread, its environment and its control stack.

use crate::addr::Sid;
use crate::counters::Counters;
use crate::error::Fault;
use crate::grants::Handle;

/// Identifies a hart (a guest thread) within the machine.
pub type HartId = u32;

/// ABI register numbers used by the machine itself.
pub mod reg {
    pub const RA: usize = 1;
    pub const SP: usize = 2;
    pub const GP: usize = 3;
    pub const TP: usize = 4;
    pub const A0: usize = 10;
    pub const A1: usize = 11;
    pub const A7: usize = 17;
    /// s0..s1 and s2..s11: the integer callee-saved registers.
    pub const CALLEE_SAVED_X: [usize; 12] = [8, 9, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27];
    /// fs0..fs1 and fs2..fs11.
    pub const CALLEE_SAVED_F: [usize; 12] = [8, 9, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27];
}

/// The architectural register file of a hart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Context {
    pub x: [u64; 32],
    pub f: [u64; 32],
    pub pc: u64,
    /// frm in bits 7..5, fflags in bits 4..0.
    pub fcsr: u32,
}

impl Default for Context {
    fn default() -> Self {
        Context { x: [0; 32], f: [0; 32], pc: 0, fcsr: 0 }
    }
}

/// Why a portal frame was pushed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallKind {
    /// gx.pcall from emulated code; the result code goes to register `rd`.
    Voluntary { rd: u8 },
    /// A host space calling a portal.
    Host,
    /// The involuntary call made by `ecall`.
    Ecall,
    /// The involuntary call made by a fault.
    Fault(Fault),
    /// An involuntary call the board makes on a hart that is running user code and
    /// is not inside any portal call (`Machine::interrupt`): what a timer or an
    /// inter-processor interrupt is on real hardware. The personality uses it to
    /// deliver a signal to a thread that makes no syscall.
    Interrupt,
}

impl CallKind {
    /// Involuntary calls save and restore the whole register file.
    pub fn is_involuntary(&self) -> bool {
        matches!(self, CallKind::Ecall | CallKind::Fault(_) | CallKind::Interrupt)
    }
}

/// One frame of the control stack, which no space can address.
#[derive(Clone, Debug)]
pub struct ControlFrame {
    pub kind: CallKind,
    pub portal: u64,
    /// The environment to return to.
    pub caller_code: Sid,
    pub caller_data: Sid,
    /// The callee's environment.
    pub callee_code: Sid,
    pub callee_data: Sid,
    /// The caller's registers and return pc. For involuntary frames the handler may
    /// edit them (a syscall result, a signal frame, sigreturn, exec).
    pub saved: Context,
    /// Transient grants passed to this call: revoked when it returns.
    pub passed: Vec<Handle>,
    /// Transient grants made inside this frame and not yet passed on.
    pub made: Vec<Handle>,
    /// The callee is a host space (its frame is popped by the machine, not gx.pret).
    pub host: bool,
}

/// A guest thread.
#[derive(Clone, Debug)]
pub struct Hart {
    pub id: HartId,
    pub ctx: Context,
    pub code: Sid,
    pub data: Sid,
    pub control: Vec<ControlFrame>,
    /// Transient grants made at base level (no portal frame) and not yet passed.
    pub base_made: Vec<Handle>,
    /// LR reservation: (space, offset).
    pub reservation: Option<(Sid, u64)>,
    pub counters: Counters,
    /// Counter values already attributed to spaces.
    pub settled: Counters,
    /// Spaces in which this hart was given a stacklet (unmapped when it ends).
    pub stacklet_spaces: Vec<Sid>,
    /// How the last frame a host caller waits on ended (nested emulated calls).
    pub(crate) last_host_return: Option<FrameEnd>,
    /// Where the budget last cut a block short (the next run resumes there, inside
    /// that block); `u64::MAX` if it did not. A block starting there is entered only
    /// by such resumptions, which do not make it hot: translating every suffix of a
    /// hot loop that a quantum happened to end in wasted the compiler's time.
    pub(crate) cut_pc: u64,
}

/// How a portal frame ends: a hart's own state (a host caller waiting on a nested
/// emulated call finds it in `last_host_return`), so it is defined with the hart and
/// the machine, which pops frames, uses it from here.
#[derive(Clone, Debug)]
pub(crate) enum FrameEnd {
    Return([u64; 2]),
    Resume,
    Faulted(Fault),
    Stop(u64),
}

impl Hart {
    /// A hart with zeroed registers running in environment (code, data) at `pc`.
    pub fn new(id: HartId, code: Sid, data: Sid, pc: u64) -> Hart {
        Hart {
            id,
            ctx: Context { pc, ..Context::default() },
            code,
            data,
            control: Vec::new(),
            base_made: Vec::new(),
            reservation: None,
            counters: Counters::default(),
            settled: Counters::default(),
            stacklet_spaces: Vec::new(),
            last_host_return: None,
            cut_pc: u64::MAX,
        }
    }

    /// Transient grants made in the current frame (or at base level).
    pub fn made_here(&mut self) -> &mut Vec<Handle> {
        match self.control.last_mut() {
            Some(f) => &mut f.made,
            None => &mut self.base_made,
        }
    }

    /// Depth of the control stack.
    pub fn depth(&self) -> usize {
        self.control.len()
    }
}
