//! Host-implemented spaces: Rust code whose portals dispatch to functions, still a
//! principal that reaches guest memory only through checked accessors under its own identity.

use crate::addr::{self, Sid};
use crate::error::{Fault, GxError};
use crate::grants::{GrantRequest, Handle};
use crate::hart::{CallKind, Context, Hart, HartId};
use crate::machine::Machine;
use crate::memory::Memory;
use crate::rights::GrantRights;
use std::any::Any;

/// What a host portal call ends with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostReply {
    /// Return a0, a1 to the caller (for an ecall frame, a0 becomes the caller's a0).
    Return([u64; 2]),
    /// Return to the (possibly edited) interrupted context unchanged otherwise.
    Resume,
    /// Unwind the frame and stop the hart with this code; the runner decides what next
    /// (block the thread, exit the process). The handler leaves the interrupted context
    /// as the thread should resume later.
    Stop(u64),
}

/// Why a portal call made by host code did not return values.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    #[error("{0}")]
    Gx(#[from] GxError),
    #[error("callee faulted: {0}")]
    Faulted(Fault),
    #[error("callee stopped the hart ({0})")]
    Stop(u64),
}

/// A space implemented by host code.
pub trait HostSpace: Send {
    /// Handles a call to the portal at `entry` (an offset in this space's CODE) with
    /// arguments a0..a7. A returned `Err` is a fault of this space, exactly as if its
    /// emulated code had faulted; so is a panic.
    fn call(&mut self, ctx: &mut HostCtx<'_>, entry: u64, args: [u64; 8]) -> Result<HostReply, Fault>;

    /// For the runner to reach the concrete service between calls.
    fn as_any(&mut self) -> &mut dyn Any;
}

/// Authority bits: what a host space may do besides ordinary principal operations.
pub mod authority {
    /// Create and destroy spaces, map frames (the physical page manager).
    pub const MEMORY: u8 = 1;
    /// Create, inspect and destroy harts (the thread manager).
    pub const HARTS: u8 = 2;
    /// Reach other host spaces' implementations to restart them (the supervisor).
    pub const SUPERVISE: u8 = 4;
}

/// What host code sees of the machine during a call: its own identity, the
/// current hart, and the machine's checked operations.
pub struct HostCtx<'a> {
    pub(crate) m: &'a mut Machine,
    pub(crate) hart: &'a mut Hart,
    pub(crate) me: Sid,
}

impl<'a> HostCtx<'a> {
    /// This space's SID.
    pub fn me(&self) -> Sid {
        self.me
    }

    /// The hart the call runs on.
    pub fn hart_id(&self) -> HartId {
        self.hart.id
    }

    /// How this call was made.
    pub fn call_kind(&self) -> &CallKind {
        &self.frame().kind
    }

    fn frame(&self) -> &crate::hart::ControlFrame {
        // A host context exists only while its frame is on top of the stack.
        self.hart.control.last().expect("host call without a frame")
    }

    /// The caller's environment (CODE, DATA).
    pub fn caller(&self) -> (Sid, Sid) {
        let f = self.frame();
        (f.caller_code, f.caller_data)
    }

    /// The interrupted register file, when this call is an involuntary one (ecall or
    /// fault) into this space: the handler may edit it.
    pub fn context_mut(&mut self) -> Option<&mut Context> {
        let me = self.me;
        let f = self.hart.control.last_mut()?;
        (f.kind.is_involuntary() && f.callee_data == me).then_some(&mut f.saved)
    }

    /// Makes the interrupted environment resume in (code, data) instead: what exec
    /// does. Only the callee of an involuntary frame may, as for `context_mut`.
    pub fn set_return_env(&mut self, code: Sid, data: Sid) -> Result<(), GxError> {
        let me = self.me;
        let f = self.hart.control.last_mut().ok_or(GxError::Perm)?;
        if !(f.kind.is_involuntary() && f.callee_data == me) {
            return Err(GxError::Perm);
        }
        f.caller_code = code;
        f.caller_data = data;
        Ok(())
    }

    fn host_fault(&self, kind: crate::error::FaultKind) -> Fault {
        Fault::new(kind, self.me, 0)
    }

    fn charge_copy(&mut self, n: usize) {
        self.hart.counters.host_bytes += n as u64;
        self.hart.counters.cycles += (n as u64).div_ceil(8) * self.m.costs.host_copy_8 as u64;
    }

    /// Charges modeled cycles to the current hart: work a service does that is not a
    /// portal call (a same-space call in the monolithic configuration costs the
    /// service body's `host_call` just as a portal call into it does).
    pub fn charge_cycles(&mut self, cycles: u64) {
        self.hart.counters.cycles += cycles;
    }

    /// Reads guest memory at `ptr` (local pointers mean this space) as this space.
    pub fn read(&mut self, ptr: u64, buf: &mut [u8]) -> Result<(), Fault> {
        self.charge_copy(buf.len());
        self.m.mem.copy_in_host(self.me, ptr, buf).map_err(|k| self.host_fault(k))
    }

    /// Writes guest memory at `ptr` as this space.
    pub fn write(&mut self, ptr: u64, buf: &[u8]) -> Result<(), Fault> {
        self.charge_copy(buf.len());
        self.m.mem.copy_out_host(self.me, ptr, buf).map_err(|k| self.host_fault(k))
    }

    /// Reads a little-endian u64.
    pub fn read_u64(&mut self, ptr: u64) -> Result<u64, Fault> {
        let mut b = [0u8; 8];
        self.read(ptr, &mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    /// Writes a little-endian u64.
    pub fn write_u64(&mut self, ptr: u64, v: u64) -> Result<(), Fault> {
        self.write(ptr, &v.to_le_bytes())
    }

    /// Reads a NUL-terminated string of at most `max` bytes (without the NUL). Returns
    /// `Ok(None)` if no NUL was found within `max` bytes.
    pub fn read_cstr(&mut self, ptr: u64, max: usize) -> Result<Option<Vec<u8>>, Fault> {
        let mut out = Vec::new();
        let mut p = ptr;
        while out.len() < max {
            // Read up to the end of the page at a time: never touch a page the string
            // does not reach.
            let room = (addr::PAGE_SIZE - addr::offset_of(p) % addr::PAGE_SIZE) as usize;
            let n = room.min(max - out.len());
            let mut chunk = vec![0u8; n];
            self.read(p, &mut chunk)?;
            if let Some(i) = chunk.iter().position(|b| *b == 0) {
                out.extend_from_slice(&chunk[..i]);
                return Ok(Some(out));
            }
            out.extend_from_slice(&chunk);
            p = p.wrapping_add(n as u64);
        }
        Ok(None)
    }

    /// Grants `grantee` `rights` over `[ptr, ptr+len)` (local pointers mean this space).
    /// A transient grant is passed to the next portal call this frame makes and revoked
    /// when that call returns, or when this frame returns, whichever comes first.
    pub fn grant(&mut self, ptr: u64, len: u64, grantee: Sid, rights: GrantRights, transient: bool) -> Result<Handle, GxError> {
        let (owner, lo) = addr::resolve(ptr, self.me);
        let req = GrantRequest { owner, lo, len, rights, grantee, transient };
        self.m.grant_as(self.hart, self.me, self.me, &req)
    }

    /// Revokes a grant this space made, or one over its memory.
    pub fn revoke(&mut self, h: Handle) -> Result<(), GxError> {
        self.m.revoke_as(self.hart, self.me, h)
    }

    /// Calls a portal with a0..a7. Needs a C grant over its entry unless the portal is
    /// in this space.
    pub fn pcall(&mut self, portal: u64, args: [u64; 8]) -> Result<[u64; 2], CallError> {
        self.m.host_pcall(self.hart, portal, args)
    }

    /// Creates a portal into this space at `entry` (host spaces number their
    /// operations by entry offset).
    pub fn portal_create(&mut self, entry: u64) -> Result<u64, GxError> {
        self.m.create_portal(self.me, self.me, entry)
    }

    /// Whether this space holds `bit` of authority.
    pub fn has_authority(&self, bit: u8) -> bool {
        self.m.authority(self.me) & bit != 0
    }

    /// The machine's memory, for the memory authority only.
    pub fn memory(&mut self) -> Result<&mut Memory, GxError> {
        if !self.has_authority(authority::MEMORY) {
            return Err(GxError::Perm);
        }
        Ok(&mut self.m.mem)
    }

    /// The machine and the current hart, for the thread authority only (creating,
    /// inspecting and ending harts).
    pub fn harts(&mut self) -> Result<(&mut Machine, &mut Hart), GxError> {
        if !self.has_authority(authority::HARTS) {
            return Err(GxError::Perm);
        }
        Ok((self.m, self.hart))
    }

    /// Another host space's implementation, for the supervisor only (restarts).
    pub fn host_space_mut(&mut self, sid: Sid) -> Result<&mut dyn HostSpace, GxError> {
        if !self.has_authority(authority::SUPERVISE) {
            return Err(GxError::Perm);
        }
        self.m.host_space_dyn(sid).ok_or(GxError::Busy)
    }

    /// Read-only view of the machine (counters, space names) for any host space.
    pub fn machine(&self) -> &Machine {
        self.m
    }

    /// The current hart, read-only.
    pub fn hart(&self) -> &Hart {
        self.hart
    }

    /// Logs a call this host space makes to a part of itself, without a portal (the
    /// monolithic kernel's same-space calls), `nesting` such calls deep, when the call
    /// log is on.
    pub fn note_direct_call(&mut self, to: u64, op: u64, nesting: usize) {
        if let Some(log) = &mut self.m.call_log {
            log.push(crate::calltrace::CallEvent::Direct { depth: self.hart.control.len() + nesting, to, op });
        }
    }

    /// The machine's call log, when it is on (a host reads and clears it around the
    /// spans it reports on).
    pub fn call_log(&mut self) -> Option<&mut crate::calltrace::CallLog> {
        self.m.call_log.as_mut()
    }
}
