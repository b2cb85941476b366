//! The machine: memory, portals, host spaces and harts, and the portal call and return
//! protocol that ties them together.

use crate::addr::{self, Sid, PAGE_SIZE, SPACE_SIZE};
use crate::cost::CostModel;
use crate::counters::{Counters, Level, Usage};
use crate::calltrace::{CallEvent, CallLog};
use crate::cpu::icache::Icache;
use crate::error::{Fault, FaultKind, GxError};
use crate::grants::{GrantRequest, Handle};
use crate::hart::{reg, CallKind, Context, ControlFrame, FrameEnd, Hart, HartId};
use crate::host::{CallError, HostCtx, HostReply, HostSpace};
use crate::memory::{Memory, MemoryLimits};
use crate::portal::{Portal, PortalLimits, PortalTable};
use crate::rights::{GrantRights, PageRights};
use rustc_hash::FxHashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Stacklets live in the top TiB of every space: one 1 MiB slot per hart.
pub const STACKLET_REGION: u64 = SPACE_SIZE - (1 << 40);
/// Address span reserved per hart in the stacklet region.
pub const STACKLET_SPAN: u64 = 1 << 20;

/// Everything configurable about a machine.
#[derive(Clone, Debug, serde::Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct MachineConfig {
    pub limits: MemoryLimits,
    pub portals: PortalLimits,
    /// Live harts at most (the stacklet region has room for 2^20).
    pub max_harts: usize,
    pub costs: CostModel,
    /// Pages mapped for a stacklet on first use.
    pub stacklet_pages: u64,
    /// Deepest control stack.
    pub max_call_depth: usize,
    /// Instructions an emulated callee may run inside one portal call made by host code
    /// before the watchdog unwinds it.
    pub watchdog_instructions: u64,
    /// How emulated code is executed (every engine gives the same results).
    pub engine: crate::cpu::Engine,
    /// The JIT compiles on the machine's thread, the hot block waiting for it, rather
    /// than on its compiler thread (measurement and debugging; GRANTIX_JIT_SYNC=1).
    pub jit_sync: bool,
    /// Bytes of translated host code held at most before the cache is flushed
    /// (GRANTIX_JIT_CACHE=SIZE overrides it).
    pub jit_cache: u64,
}

impl Default for MachineConfig {
    fn default() -> Self {
        MachineConfig {
            limits: MemoryLimits::default(),
            portals: PortalLimits::default(),
            max_harts: 1 << 16,
            costs: CostModel::default(),
            stacklet_pages: 16,
            max_call_depth: 256,
            watchdog_instructions: 1 << 30,
            engine: crate::cpu::Engine::default(),
            jit_sync: false,
            jit_cache: crate::jit::DEFAULT_CACHE_BYTES,
        }
    }
}

/// Why `run` returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exit {
    /// The instruction budget ran out (preemption).
    Budget,
    /// A host handler stopped the hart with a code.
    Stop(u64),
    /// A fault nothing handled: no fault portal at base level, or the handler itself faulted.
    Fault(Fault),
    /// The control stack returned below the depth a nested run was waiting for.
    Returned,
}

/// What a portal call turned into.
pub(crate) enum Entered {
    /// The callee was host code and has already returned (frame popped).
    Done(FrameEnd),
    /// The callee is emulated; the hart now runs at its entry.
    Emulated,
}

/// The grantix machine.
pub struct Machine {
    pub mem: Memory,
    pub portals: PortalTable,
    pub costs: CostModel,
    pub config: MachineConfig,
    host: FxHashMap<Sid, Option<Box<dyn HostSpace>>>,
    authority: FxHashMap<Sid, u8>,
    harts: Vec<Option<Hart>>,
    free_harts: Vec<HartId>,
    live_harts: usize,
    peak_harts: usize,
    /// Counters attributed to each space (as principal).
    pub space_counters: FxHashMap<Sid, Counters>,
    pub(crate) icache: Icache,
    pub(crate) jit: crate::jit::Jit,
    /// Trace every instruction to the `grantix::trace` tracing target.
    pub trace: bool,
    /// The portal calls, grants and revocations made, when a host asked for them
    /// (`calltrace`); None: not logged.
    pub call_log: Option<CallLog>,
}

impl Default for Machine {
    fn default() -> Self {
        Machine::new(MachineConfig::default())
    }
}

impl Machine {
    /// A machine with no spaces and no harts.
    pub fn new(config: MachineConfig) -> Machine {
        Machine {
            mem: Memory::new(config.limits),
            portals: PortalTable::new(config.portals),
            costs: config.costs.clone(),
            host: FxHashMap::default(),
            authority: FxHashMap::default(),
            harts: Vec::new(),
            free_harts: Vec::new(),
            live_harts: 0,
            peak_harts: 0,
            space_counters: FxHashMap::default(),
            icache: Icache::new(),
            jit: crate::jit::Jit::new(config.jit_sync, config.jit_cache),
            trace: false,
            call_log: None,
            config,
        }
    }

    // ----- host spaces -----

    /// Creates a space implemented by `service`, with the given authority bits. Its
    /// CODE and DATA are the same space.
    pub fn add_host_space(&mut self, name: &str, service: Box<dyn HostSpace>, authority: u8) -> Result<Sid, GxError> {
        let sid = self.mem.create_space(name, 0)?;
        self.host.insert(sid, Some(service));
        if authority != 0 {
            self.authority.insert(sid, authority);
        }
        Ok(sid)
    }

    /// Replaces the implementation of a host space (a supervisor's restart keeps the
    /// SID so portals and grants naming it stay valid).
    pub fn replace_host_space(&mut self, sid: Sid, service: Box<dyn HostSpace>) -> Result<(), GxError> {
        match self.host.get_mut(&sid) {
            Some(slot @ Some(_)) => {
                *slot = Some(service);
                Ok(())
            }
            Some(None) => Err(GxError::Busy),
            None => Err(GxError::Stale),
        }
    }

    /// The concrete service behind a host space, between calls.
    pub fn host_space<T: 'static>(&mut self, sid: Sid) -> Option<&mut T> {
        self.host.get_mut(&sid)?.as_mut()?.as_any().downcast_mut::<T>()
    }

    /// The implementation behind a host space, between calls (None while it runs).
    pub fn host_space_dyn(&mut self, sid: Sid) -> Option<&mut dyn HostSpace> {
        Some(self.host.get_mut(&sid)?.as_mut()?.as_mut())
    }

    /// Whether `sid` is implemented by host code.
    pub fn is_host(&self, sid: Sid) -> bool {
        self.host.contains_key(&sid)
    }

    /// Authority bits of a space.
    pub fn authority(&self, sid: Sid) -> u8 {
        self.authority.get(&sid).copied().unwrap_or(0)
    }

    /// Grants authority bits to a space (board set-up).
    pub fn set_authority(&mut self, sid: Sid, bits: u8) {
        self.authority.insert(sid, bits);
    }

    /// Creates a portal (board set-up and the memory authority).
    pub fn create_portal(&mut self, code: Sid, data: Sid, entry: u64) -> Result<u64, GxError> {
        let (cg, dg) = (self.mem.generation(code), self.mem.generation(data));
        self.mem.space(code).ok_or(GxError::Stale)?;
        self.mem.space(data).ok_or(GxError::Stale)?;
        self.forget_dead_spaces();
        self.portals.create(Portal { code, data, entry, code_generation: cg, data_generation: dg })
    }

    /// Drops what still names spaces destroyed since the last call (their portals), so
    /// host memory follows live objects. Spaces die inside `Memory`, which does not own
    /// the portal table: the machine catches up before it makes a portal and whenever a
    /// hart ends.
    pub fn forget_dead_spaces(&mut self) {
        for sid in std::mem::take(&mut self.mem.dead) {
            self.portals.forget_space(sid);
        }
    }

    /// Current, peak and limit of every bounded machine object.
    pub fn usage(&self) -> Usage {
        let g = &self.mem.grants;
        Usage {
            spaces: Level::new(self.mem.live_spaces(), self.mem.peak_spaces(), self.mem.space_limit()),
            frames: Level::new(self.mem.frames.live(), self.mem.frames.peak(), self.mem.frames.limit()),
            grants: Level::new(g.live(), g.peak(), g.limits.total),
            portals: Level::new(self.portals.len(), self.portals.peak(), self.portals.limits.total),
            harts: Level::new(self.live_harts, self.peak_harts, self.max_harts()),
        }
    }

    fn max_harts(&self) -> usize {
        self.config.max_harts.min(STACKLET_REGION_HARTS as usize)
    }

    /// A live portal.
    pub fn portal(&self, id: u64) -> Result<Portal, GxError> {
        let p = *self.portals.get(id).ok_or(GxError::Stale)?;
        let live = |sid: Sid, generation: u32| self.mem.space(sid).is_some() && self.mem.generation(sid) == generation;
        if live(p.code, p.code_generation) && live(p.data, p.data_generation) { Ok(p) } else { Err(GxError::Stale) }
    }

    // ----- harts -----

    /// Creates a hart in environment (code, data) at `pc` with the given registers.
    pub fn create_hart(&mut self, code: Sid, data: Sid, ctx: Context) -> Result<HartId, GxError> {
        if self.live_harts >= self.max_harts() {
            return Err(GxError::Limit);
        }
        let id = match self.free_harts.pop() {
            Some(id) => id,
            None => {
                if self.harts.len() as u64 >= STACKLET_REGION_HARTS {
                    return Err(GxError::Limit);
                }
                self.harts.push(None);
                (self.harts.len() - 1) as HartId
            }
        };
        let mut h = Hart::new(id, code, data, ctx.pc);
        h.ctx = ctx;
        self.harts[id as usize] = Some(h);
        self.live_harts += 1;
        self.peak_harts = self.peak_harts.max(self.live_harts);
        Ok(id)
    }

    /// Ends a hart: attributes its counters, unmaps its stacklets, revokes the transient
    /// grants of its frames.
    pub fn destroy_hart(&mut self, id: HartId) -> Option<Hart> {
        let mut h = self.harts.get_mut(id as usize)?.take()?;
        self.settle(&mut h);
        while let Some(f) = h.control.pop() {
            for g in f.passed.iter().chain(f.made.iter()) {
                self.mem.revoke_unchecked(*g);
            }
        }
        for g in std::mem::take(&mut h.base_made) {
            self.mem.revoke_unchecked(g);
        }
        let top = stacklet_top(id);
        let size = self.config.stacklet_pages * PAGE_SIZE;
        for sid in std::mem::take(&mut h.stacklet_spaces) {
            // The space may have died (and its SID been reused) since: only one that
            // still records this hart's stacklet has it.
            let has = self.mem.space_mut(sid).is_some_and(|s| s.stacklets.remove(&id));
            if has {
                let _ = self.mem.unmap(sid, top - size, size);
            }
        }
        self.free_harts.push(id);
        self.live_harts -= 1;
        self.forget_dead_spaces();
        Some(h)
    }

    /// A hart that is not running.
    pub fn hart(&self, id: HartId) -> Option<&Hart> {
        self.harts.get(id as usize)?.as_ref()
    }

    /// A hart that is not running, mutably.
    pub fn hart_mut(&mut self, id: HartId) -> Option<&mut Hart> {
        self.harts.get_mut(id as usize)?.as_mut()
    }

    /// Ids of all existing harts.
    pub fn hart_ids(&self) -> Vec<HartId> {
        self.harts.iter().enumerate().filter(|(_, h)| h.is_some()).map(|(i, _)| i as HartId).collect()
    }

    /// Runs hart `id` for at most `budget` instructions.
    pub fn run(&mut self, id: HartId, budget: u64) -> Result<Exit, GxError> {
        let mut hart = self.harts.get_mut(id as usize).and_then(|h| h.take()).ok_or(GxError::Stale)?;
        // A reservation never survives a switch between harts: another hart may have
        // written the reserved word in between.
        hart.reservation = None;
        let exit = self.execute(&mut hart, budget, None);
        self.settle(&mut hart);
        self.harts[id as usize] = Some(hart);
        Ok(exit)
    }

    /// Makes an involuntary call to `portal` on hart `id`, which must be idle at base
    /// level (running user code, inside no portal call): what an interrupt controller
    /// does. The interrupted registers are saved in the frame as for a fault, the
    /// handler may edit them (`HostCtx::context_mut`), and the hart resumes from them
    /// when the frame returns. The board calls this between time slices, so it is as
    /// deterministic as the schedule.
    ///
    /// Returns the exit the call ended with if it stopped the hart or faulted; None if
    /// the hart should simply run on (a host handler returned, or an emulated handler
    /// now runs at its entry).
    pub fn interrupt(&mut self, id: HartId, portal: u64) -> Result<Option<Exit>, GxError> {
        let mut hart = self.harts.get_mut(id as usize).and_then(|h| h.take()).ok_or(GxError::Stale)?;
        let r = if !hart.control.is_empty() {
            Err(GxError::Busy)
        } else {
            let pc = hart.ctx.pc;
            match self.portal_call(&mut hart, portal, CallKind::Interrupt, [0; 8], pc) {
                Ok(Entered::Done(FrameEnd::Stop(c))) => Ok(Some(Exit::Stop(c))),
                Ok(Entered::Done(FrameEnd::Faulted(f))) => Ok(Some(Exit::Fault(f))),
                Ok(_) => Ok(None),
                Err(e) => Err(e),
            }
        };
        self.settle(&mut hart);
        self.harts[id as usize] = Some(hart);
        r
    }

    /// Unwinds every portal frame of hart `id`, which must not be running: each frame's
    /// transient grants (made and passed) are revoked, and the hart is left at base
    /// level in the environment and registers of its outermost caller, as they were
    /// when that first call was made. What a kill needs: a thread spinning inside a
    /// portal frame (its own or another space's) can then take an interrupt, or be
    /// destroyed, like any thread in user code. Returns how many frames were unwound.
    pub fn unwind(&mut self, id: HartId) -> Result<usize, GxError> {
        let mut hart = self.harts.get_mut(id as usize).and_then(|h| h.take()).ok_or(GxError::Stale)?;
        let n = hart.control.len();
        self.settle(&mut hart);
        while let Some(f) = hart.control.pop() {
            self.revoke_transients(&mut hart, f.callee_data, f.callee_data, &f.made);
            self.revoke_transients(&mut hart, f.caller_data, f.callee_data, &f.passed);
            hart.code = f.caller_code;
            hart.data = f.caller_data;
            // A host-to-host frame kept no registers (`portal_call`).
            if !(f.host && matches!(f.kind, CallKind::Host)) {
                hart.ctx = f.saved;
            }
        }
        hart.reservation = None;
        hart.last_host_return = None;
        self.harts[id as usize] = Some(hart);
        Ok(n)
    }

    /// Attributes the hart's hot counters since the last settlement to its current
    /// principal.
    pub(crate) fn settle(&mut self, hart: &mut Hart) {
        // Twice per portal call: only the hot counters move between settlements.
        self.space_counters.entry(hart.data).or_default().add_hot_since(&hart.counters, &hart.settled);
        hart.settled.set_hot(&hart.counters);
    }

    /// Size and activity of the translation cache.
    pub fn jit_stats(&self) -> crate::jit::JitStats {
        self.jit.stats
    }

    /// Waits for the translations in flight and installs those still valid (a sync
    /// point for tests and measurements; runs never need it).
    pub fn jit_settle(&mut self) {
        self.jit.settle(self.mem.code_epoch);
    }

    /// Holds the JIT's compiler thread before its next compilation, or releases it
    /// (tests: keep a translation in flight while the code changes under it).
    pub fn jit_hold(&self, held: bool) {
        self.jit.hold(held);
    }

    /// Counters of every space plus those of all harts, summed.
    pub fn total_counters(&self) -> Counters {
        let mut t = Counters::default();
        for c in self.space_counters.values() {
            t.add(c);
        }
        t
    }

    fn count(&mut self, sid: Sid, f: impl FnOnce(&mut Counters)) {
        f(self.space_counters.entry(sid).or_default());
    }

    // ----- grants on behalf of a hart -----

    /// Creates a grant for the environment (code, data) running on `hart`.
    pub(crate) fn grant_as(&mut self, hart: &mut Hart, code: Sid, data: Sid, req: &GrantRequest) -> Result<Handle, GxError> {
        let h = self.mem.grant(code, data, req)?;
        hart.counters.cycles += self.costs.grant as u64;
        // Per hart as well as per space, so a syscall's grants can be attributed to it.
        if req.transient {
            hart.made_here().push(h);
            hart.counters.grants_transient += 1;
        } else {
            hart.counters.grants_persistent += 1;
        }
        hart.counters.bytes_granted += req.len;
        if let Some(log) = &mut self.call_log {
            log.push(CallEvent::Grant { depth: hart.control.len(), by: data, space: req.owner, offset: req.lo, len: req.len, rights: req.rights, grantee: req.grantee, transient: req.transient });
        }
        self.count(data, |c| {
            if req.transient {
                c.grants_transient += 1
            } else {
                c.grants_persistent += 1
            }
            c.bytes_granted += req.len;
        });
        Ok(h)
    }

    /// Revokes a grant on behalf of principal `by`.
    pub(crate) fn revoke_as(&mut self, hart: &mut Hart, by: Sid, h: Handle) -> Result<(), GxError> {
        let gone = self.mem.revoke(h, by)?;
        hart.counters.cycles += self.costs.revoke as u64 * gone.len() as u64;
        hart.counters.revokes += gone.len() as u64;
        if let Some(log) = &mut self.call_log {
            log.push(CallEvent::Revoke { depth: hart.control.len(), by, count: gone.len() as u64, returned: None });
        }
        self.count(by, |c| c.revokes += gone.len() as u64);
        Ok(())
    }

    /// Revokes the transient grants in `list` as the frame of `returned` ends.
    fn revoke_transients(&mut self, hart: &mut Hart, by: Sid, returned: Sid, list: &[Handle]) {
        let mut n = 0;
        for g in list {
            n += self.mem.revoke_unchecked(*g).len() as u64;
        }
        if n > 0 {
            hart.counters.cycles += self.costs.revoke as u64 * n;
            hart.counters.revokes += n;
            if let Some(log) = &mut self.call_log {
                log.push(CallEvent::Revoke { depth: hart.control.len(), by, count: n, returned: Some(returned) });
            }
            self.count(by, |c| c.revokes += n);
        }
    }

    // ----- portal calls -----

    /// Pushes a frame for a call to `portal` and enters the callee. `return_pc` is where
    /// the caller resumes. Involuntary calls skip the C-right check: the portal was
    /// installed by whoever created the environment.
    pub(crate) fn portal_call(&mut self, hart: &mut Hart, portal: u64, kind: CallKind, args: [u64; 8], return_pc: u64) -> Result<Entered, GxError> {
        let p = self.portal(portal)?;
        if !kind.is_involuntary() && p.code != hart.data && p.code != hart.code {
            let entry = addr::offset_of(p.entry);
            if self.mem.grants.find_covering(hart.data, p.code, entry, entry + 1, GrantRights::C).is_none() {
                return Err(GxError::Perm);
            }
        }
        if hart.control.len() >= self.config.max_call_depth {
            return Err(GxError::Limit);
        }
        let host = self.host.contains_key(&p.code);
        if host && matches!(self.host.get(&p.code), Some(None)) {
            return Err(GxError::Busy);
        }
        self.settle(hart);
        // Host code calling a host space: no registers change hands, and hart.ctx (the
        // interrupted user context's working copy) stays as it is across the call, so
        // the frame keeps no copy of it (`pop_frame` restores none). Half a KiB copied
        // twice less on every service-to-service call.
        let keeps_ctx = host && matches!(kind, CallKind::Host);
        let mut saved = if keeps_ctx { Context::default() } else { hart.ctx.clone() };
        saved.pc = return_pc;
        // The transient grants of the calling frame go to this call, unless it is a
        // fault's: a fault is not a call the frame made, and a handled fault resumes
        // the same frame, which still owns its grants (MACHINE.md section 3: they end
        // when the frame that made them returns).
        let passed = if matches!(kind, CallKind::Fault(_) | CallKind::Interrupt) { Vec::new() } else { std::mem::take(hart.made_here()) };
        match &kind {
            CallKind::Ecall => hart.counters_ecall(),
            CallKind::Fault(_) => hart.counters.fault_calls += 1,
            _ => {
                hart.counters.pcalls += 1;
                if let Some(log) = &mut self.call_log {
                    log.push(CallEvent::Call { depth: hart.control.len(), caller: hart.data, callee: p.data, op: args[0] });
                }
            }
        }
        let caller_data = hart.data;
        if !matches!(kind, CallKind::Voluntary { .. } | CallKind::Ecall) {
            // gx.pcall and ecall are charged as the instruction; host calls and faults here.
            hart.counters.cycles += self.costs.jump as u64;
        }
        self.count(caller_data, |c| match &kind {
            CallKind::Ecall => c.ecalls += 1,
            CallKind::Fault(_) => c.fault_calls += 1,
            _ => c.pcalls += 1,
        });
        self.count(p.data, |c| c.calls_in += 1);
        hart.control.push(ControlFrame {
            kind,
            portal,
            caller_code: hart.code,
            caller_data,
            callee_code: p.code,
            callee_data: p.data,
            saved,
            passed,
            made: Vec::new(),
            host,
        });
        hart.code = p.code;
        hart.data = p.data;
        if host {
            hart.counters.cycles += self.costs.host_call as u64;
            let end = self.dispatch_host(hart, p.code, p.entry, args);
            let end = self.pop_frame(hart, end);
            return Ok(Entered::Done(end));
        }
        let sp = match self.stacklet_for(hart, p.data) {
            Ok(sp) => sp,
            Err(e) => {
                // Could not give the callee a stack: undo the call.
                if let Some(f) = hart.control.pop() {
                    hart.code = f.caller_code;
                    hart.data = f.caller_data;
                    // Give back what the call took (append: a fault call took nothing).
                    let mut passed = f.passed;
                    hart.made_here().append(&mut passed);
                }
                return Err(e);
            }
        };
        // Scrub: the callee sees its arguments, its stack, and nothing else.
        let fcsr = 0;
        hart.ctx = Context { pc: p.entry, fcsr, ..Context::default() };
        hart.ctx.x[reg::A0..=reg::A7].copy_from_slice(&args);
        hart.ctx.x[reg::SP] = sp;
        Ok(Entered::Emulated)
    }

    fn dispatch_host(&mut self, hart: &mut Hart, sid: Sid, entry: u64, args: [u64; 8]) -> FrameEnd {
        let Some(mut svc) = self.host.get_mut(&sid).and_then(|s| s.take()) else {
            return FrameEnd::Faulted(Fault::new(FaultKind::NoHandler, sid, 0));
        };
        let result = catch_unwind(AssertUnwindSafe(|| {
            let mut ctx = HostCtx { m: self, hart, me: sid };
            svc.call(&mut ctx, entry, args)
        }));
        if let Some(slot) = self.host.get_mut(&sid) {
            if slot.is_none() {
                *slot = Some(svc);
            }
        }
        match result {
            Ok(Ok(HostReply::Return(v))) => FrameEnd::Return(v),
            Ok(Ok(HostReply::Resume)) => FrameEnd::Resume,
            Ok(Ok(HostReply::Stop(code))) => FrameEnd::Stop(code),
            Ok(Err(fault)) => FrameEnd::Faulted(fault),
            Err(panic) => {
                let msg = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "panic".into());
                FrameEnd::Faulted(Fault::new(FaultKind::HostPanic(msg), sid, 0))
            }
        }
    }

    /// Pops the top frame: revokes its transient grants, restores the caller's
    /// environment and registers as the frame kind says, and reports the outcome.
    pub(crate) fn pop_frame(&mut self, hart: &mut Hart, end: FrameEnd) -> FrameEnd {
        let Some(frame) = hart.control.pop() else { return end };
        self.settle(hart);
        if let FrameEnd::Faulted(f) = &end {
            *hart.counters.faults.entry(f.kind_name()).or_default() += 1;
            if let Some(log) = &mut self.call_log {
                log.push(CallEvent::Fault { depth: hart.control.len(), space: frame.callee_data, kind: f.kind_name() });
            }
            self.count(frame.callee_data, |c| *c.faults.entry(f.kind_name()).or_default() += 1);
        }
        let callee = frame.callee_data;
        self.revoke_transients(hart, callee, callee, &frame.made);
        self.revoke_transients(hart, frame.caller_data, callee, &frame.passed);
        hart.counters.prets += 1;
        self.count(callee, |c| c.prets += 1);
        hart.code = frame.caller_code;
        hart.data = frame.caller_data;
        if frame.host && matches!(frame.kind, CallKind::Host) {
            // The call kept hart.ctx (see `portal_call`): nothing to restore.
            return end;
        }
        let callee_ctx = std::mem::replace(&mut hart.ctx, frame.saved);
        match frame.kind {
            CallKind::Voluntary { rd } => {
                // The caller keeps its callee-saved state; temporaries are zeroed so
                // nothing of the callee leaks; a0/a1 carry the results.
                let saved = hart.ctx.clone();
                hart.ctx = Context { pc: saved.pc, fcsr: saved.fcsr, ..Context::default() };
                for r in [reg::RA, reg::SP, reg::GP, reg::TP].into_iter().chain(reg::CALLEE_SAVED_X) {
                    hart.ctx.x[r] = saved.x[r];
                }
                for r in reg::CALLEE_SAVED_F {
                    hart.ctx.f[r] = saved.f[r];
                }
                let code = match &end {
                    FrameEnd::Return(v) => {
                        hart.ctx.x[reg::A0] = v[0];
                        hart.ctx.x[reg::A1] = v[1];
                        0
                    }
                    FrameEnd::Resume => {
                        hart.ctx.x[reg::A0] = callee_ctx.x[reg::A0];
                        hart.ctx.x[reg::A1] = callee_ctx.x[reg::A1];
                        0
                    }
                    FrameEnd::Faulted(_) => GxError::CalleeFaulted.to_reg(),
                    FrameEnd::Stop(_) => {
                        // Resume by re-issuing the pcall: the caller's arguments were
                        // in a0..a7, which we restore for the retry.
                        hart.ctx = saved;
                        hart.ctx.pc = hart.ctx.pc.wrapping_sub(4);
                        return end;
                    }
                };
                if rd != 0 {
                    hart.ctx.x[rd as usize] = code;
                }
            }
            CallKind::Ecall => match &end {
                FrameEnd::Return(v) => hart.ctx.x[reg::A0] = v[0],
                FrameEnd::Faulted(_) => hart.ctx.x[reg::A0] = GxError::CalleeFaulted.to_reg(),
                FrameEnd::Resume | FrameEnd::Stop(_) => {}
            },
            CallKind::Fault(_) | CallKind::Host | CallKind::Interrupt => {}
        }
        end
    }

    /// The stack pointer a callee in `data` starts with on this hart: below its own
    /// suspended activation if the space is re-entered, else the top of its stacklet
    /// (mapped on first use).
    fn stacklet_for(&mut self, hart: &mut Hart, data: Sid) -> Result<u64, GxError> {
        // The most recent activation of `data` on this hart is suspended at the saved
        // sp of the newest frame it called out of: continue below it. That includes
        // the frame just pushed for this very call when the caller's DATA is `data`
        // (a call into one's own space). Skipping that frame let such a callee start
        // at an older activation's sp, on top of the caller's live frames whenever
        // the caller was itself running below that older activation.
        if let Some(f) = hart.control.iter().rev().find(|f| f.caller_data == data) {
            return Ok(f.saved.x[reg::SP] & !15);
        }
        let top = stacklet_top(hart.id);
        let space = self.mem.space(data).ok_or(GxError::Stale)?;
        if !space.stacklets.contains(&hart.id) {
            let size = self.config.stacklet_pages * PAGE_SIZE;
            self.mem.map_zero(data, top - size, size, PageRights::RW)?;
            if let Some(s) = self.mem.space_mut(data) {
                s.stacklets.insert(hart.id);
            }
            hart.stacklet_spaces.push(data);
        }
        Ok(top)
    }

    /// A portal call made by host code running on `hart`.
    pub(crate) fn host_pcall(&mut self, hart: &mut Hart, portal: u64, args: [u64; 8]) -> Result<[u64; 2], CallError> {
        let depth = hart.control.len();
        match self.portal_call(hart, portal, CallKind::Host, args, 0)? {
            Entered::Done(end) => end_to_result(end),
            Entered::Emulated => {
                // Run the emulated callee until its frame is popped, under a watchdog.
                let budget = self.config.watchdog_instructions;
                match self.execute(hart, budget, Some(depth)) {
                    Exit::Returned => {
                        let v = hart.last_host_return.take().unwrap_or(FrameEnd::Return([0, 0]));
                        end_to_result(v)
                    }
                    Exit::Budget => {
                        let f = Fault::new(FaultKind::Watchdog, hart.data, hart.ctx.pc);
                        self.unwind_to(hart, depth, f.clone());
                        Err(CallError::Faulted(f))
                    }
                    Exit::Fault(f) => {
                        self.unwind_to(hart, depth, f.clone());
                        Err(CallError::Faulted(f))
                    }
                    Exit::Stop(code) => {
                        self.unwind_to(hart, depth, Fault::new(FaultKind::NoHandler, hart.data, hart.ctx.pc));
                        Err(CallError::Stop(code))
                    }
                }
            }
        }
    }

    /// Pops frames until the stack is `depth` deep, each as faulted.
    pub(crate) fn unwind_to(&mut self, hart: &mut Hart, depth: usize, fault: Fault) {
        while hart.control.len() > depth {
            self.pop_frame(hart, FrameEnd::Faulted(fault.clone()));
        }
    }
}

/// Harts the stacklet region has room for.
const STACKLET_REGION_HARTS: u64 = (SPACE_SIZE - STACKLET_REGION) / STACKLET_SPAN;

/// Top of hart `id`'s stacklet (the initial sp of a callee).
///
/// The top page of every slot is left unmapped: without it hart 0's stack pointer
/// would start at 2^48 itself, which is not a local pointer but SID 1's offset 0
/// (gx.qualify would leave it unchanged, naming the wrong space). The guard page
/// keeps every sp a callee can start with a local pointer into its own DATA.
pub fn stacklet_top(id: HartId) -> u64 {
    SPACE_SIZE - id as u64 * STACKLET_SPAN - PAGE_SIZE
}

fn end_to_result(end: FrameEnd) -> Result<[u64; 2], CallError> {
    match end {
        FrameEnd::Return(v) => Ok(v),
        FrameEnd::Resume => Ok([0, 0]),
        FrameEnd::Faulted(f) => Err(CallError::Faulted(f)),
        FrameEnd::Stop(c) => Err(CallError::Stop(c)),
    }
}

impl Hart {
    fn counters_ecall(&mut self) {
        self.counters.ecalls += 1;
    }
}
