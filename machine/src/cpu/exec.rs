//! Execution: the interpreter loop and the semantics of every instruction (F and D in
//! `exec_fp`).
//!
//! Loads and stores take the TLB fast path and fall back to the checked slow path in
//! `Memory`; native instructions call into the machine's grant and portal protocol.

use super::decode::decode;
use super::icache::{ends_block, Block, MAX_BLOCK};
use super::inst::{Inst, Op};
use super::Engine;
use crate::jit::{BlockFn, Ran, COVERED, HOT, PENDING, UNTRANSLATABLE};
use crate::addr::{self, Sid, PAGE_SHIFT, PAGE_SIZE};
use std::rc::Rc;
use crate::error::{Fault, FaultKind, GxError};
use crate::grants::GrantRequest;
use crate::hart::{reg, CallKind, FrameEnd, Hart};
use crate::machine::{Entered, Exit, Machine};
use crate::rights::{Access, GrantRights, PageRights};

/// What one instruction asks the loop to do besides moving on.
enum Flow {
    Next,
    Exit(Exit),
}

/// Size of the `struct gx_grant` descriptor read by gx.grant.
pub const GRANT_DESCRIPTOR_SIZE: usize = 24;

impl Machine {
    /// Runs `hart` for at most `budget` instructions. With `stop_depth`, returns
    /// `Exit::Returned` as soon as the control stack is no deeper than that (a nested
    /// run on behalf of host code waiting for an emulated callee).
    ///
    /// Works a decoded block at a time (see `icache`): the budget, the code epoch and
    /// the stop depth are checked per block, which is exact because only a block's
    /// last instruction (or a fault) can change the control stack or the epoch. The
    /// block's instructions and cycles are charged up front and what did not run is
    /// taken back on a fault or when the budget cuts the block short, so the counters
    /// are those of one instruction at a time at every point anything can read them.
    pub(crate) fn execute(&mut self, hart: &mut Hart, budget: u64, stop_depth: Option<usize>) -> Exit {
        let mut left = budget;
        let step_only = self.config.engine == Engine::Step;
        // Tracing shows every instruction, so it interprets.
        let use_jit = self.config.engine == Engine::Jit && !self.trace;
        while left > 0 {
            let pc = hart.ctx.pc;
            let block = match self.icache.get(hart.code, pc, self.mem.code_epoch) {
                Some(b) => b.clone(),
                None => match self.build_block(hart, pc) {
                    Ok(b) => b,
                    Err(kind) => {
                        left -= 1;
                        if let Some(exit) = self.raise(hart, kind, stop_depth) {
                            return exit;
                        }
                        continue;
                    }
                },
            };
            if use_jit {
                if let Some(t) = self.translation(&block) {
                    // Translated code charges its own instructions and cycles, chains
                    // through its successors while the budget lasts, and leaves `left`
                    // alone only if it could not run this block at all.
                    let before = left;
                    match self.run_translation(hart, &block, t, &mut left) {
                        Ran::Done { next_pc } if left != before => {
                            hart.ctx.pc = next_pc;
                            if let Some(d) = stop_depth {
                                if hart.control.len() <= d {
                                    return Exit::Returned;
                                }
                            }
                            continue;
                        }
                        Ran::Done { .. } => {}
                        Ran::Fault { pc, kind } => {
                            hart.ctx.pc = pc;
                            if let Some(exit) = self.raise(hart, kind, stop_depth) {
                                return exit;
                            }
                            if let Some(d) = stop_depth {
                                if hart.control.len() <= d {
                                    return Exit::Returned;
                                }
                            }
                            continue;
                        }
                    }
                }
            }
            let n = (block.len() as u64).min(left).min(if step_only { 1 } else { u64::MAX }) as usize;
            hart.counters.instret += n as u64;
            hart.counters.cycles += block.cum[n];
            let mut pc = pc;
            let mut faulted = false;
            for (k, inst) in block.insts[..n].iter().enumerate() {
                if self.trace {
                    tracing::trace!(target: "grantix::trace", "h{} {}:{:#x} {}", hart.id, hart.code, pc, inst);
                }
                match self.step(hart, *inst, pc) {
                    Ok(Flow::Next) => pc = hart.ctx.pc,
                    Ok(Flow::Exit(e)) => {
                        Self::unretire(hart, &block, k + 1, n);
                        return e;
                    }
                    Err(kind) => {
                        // A faulting instruction does not retire (its cycles stay
                        // charged, as they always were), and nothing after it ran.
                        hart.counters.instret -= (n - k) as u64;
                        hart.counters.cycles -= block.cum[n] - block.cum[k + 1];
                        left -= (k + 1) as u64;
                        faulted = true;
                        if let Some(exit) = self.raise(hart, kind, stop_depth) {
                            return exit;
                        }
                        break;
                    }
                }
            }
            if !faulted {
                left -= n as u64;
            }
            if let Some(d) = stop_depth {
                if hart.control.len() <= d {
                    return Exit::Returned;
                }
            }
        }
        Exit::Budget
    }

    /// The translation of `block` and its handle. A block turning hot is queued to the
    /// compiler and stays interpreted until its translation arrives; arrivals are
    /// installed here, at a block boundary (see `jit::cache`).
    #[inline(always)]
    fn translation(&mut self, block: &Rc<Block>) -> Option<(BlockFn, u64)> {
        if self.jit.in_flight() {
            self.jit.poll(self.mem.code_epoch);
        }
        if let Some(h) = block.jit.get() {
            if let Some(f) = self.jit.get(h) {
                return Some((f, h));
            }
            if h == UNTRANSLATABLE || h == PENDING || h == COVERED {
                return None;
            }
        }
        let runs = block.runs.get() + 1;
        block.runs.set(runs);
        if runs < HOT {
            return None;
        }
        block.runs.set(0);
        self.jit.request(block, &self.icache, self.mem.code_epoch)
    }

    /// Takes back the instructions `from..n` of a block charged up front that did not
    /// retire.
    #[inline(always)]
    fn unretire(hart: &mut Hart, block: &Block, from: usize, n: usize) {
        hart.counters.instret -= (n - from) as u64;
        hart.counters.cycles -= block.cum[n] - block.cum[from];
    }

    /// Decodes the block at `pc` and caches it. Fails only if its first instruction
    /// cannot be fetched; a later one that cannot be ends the block before it.
    #[cold]
    fn build_block(&mut self, hart: &Hart, pc: u64) -> Result<Rc<Block>, FaultKind> {
        let mut insts = Vec::new();
        let mut costs = Vec::new();
        let mut at = pc;
        let page = pc >> PAGE_SHIFT;
        loop {
            // A later instruction in the last halfword of the page might continue on
            // the next: leave it to a block of its own.
            if !insts.is_empty() && at & (PAGE_SIZE - 1) == PAGE_SIZE - 2 {
                break;
            }
            let raw = match self.fetch_raw(hart, at) {
                Ok(r) => r,
                Err(kind) if insts.is_empty() => return Err(kind),
                Err(_) => break,
            };
            let inst = decode(raw);
            costs.push(self.costs.of(inst.op));
            insts.push(inst);
            at = at.wrapping_add(inst.len as u64);
            if ends_block(inst.op) || insts.len() >= MAX_BLOCK || at >> PAGE_SHIFT != page {
                break;
            }
        }
        let block = Rc::new(Block::new(hart.code, pc, insts, &costs));
        self.icache.put(self.mem.code_epoch, block.clone());
        Ok(block)
    }

    fn fetch16(&mut self, code: Sid, off: u64, pc: u64) -> Result<u16, FaultKind> {
        if let Some(v) = self.mem.tlb.fetch(code, off) {
            return Ok(v);
        }
        // The checked path; the bytes are then read through the frame store.
        self.mem.translate(code, code, off, 2, Access::Execute, pc)?;
        let mut b = [0u8; 2];
        self.mem.peek(code, off, &mut b).map_err(|_| FaultKind::Unmapped { access: Access::Execute, addr: pc })?;
        Ok(u16::from_le_bytes(b))
    }

    fn fetch_raw(&mut self, hart: &Hart, pc: u64) -> Result<u32, FaultKind> {
        if pc & 1 != 0 {
            return Err(FaultKind::Misaligned { access: Access::Execute, addr: pc });
        }
        let (space, off) = addr::resolve(pc, hart.code);
        if space != hart.code {
            // Foreign code is entered only through portals.
            return Err(FaultKind::Denied { access: Access::Execute, addr: pc });
        }
        let lo = self.fetch16(space, off, pc)? as u32;
        if lo & 3 != 3 {
            return Ok(lo);
        }
        let hi = self.fetch16(space, off + 2, pc.wrapping_add(2))? as u32;
        Ok(lo | hi << 16)
    }

    /// Delivers a fault: to the environment's fault portal if it has one, else by
    /// unwinding the portal frame the fault happened in. Returns an exit if the hart
    /// must stop.
    fn raise(&mut self, hart: &mut Hart, kind: FaultKind, stop_depth: Option<usize>) -> Option<Exit> {
        let pc = hart.ctx.pc;
        let kind = match kind {
            FaultKind::Illegal { .. } => FaultKind::Illegal { raw: self.fetch_raw(hart, pc).unwrap_or(0) },
            k => k,
        };
        let fault = Fault::new(kind, hart.data, pc);
        let handling = hart.control.last().is_some_and(|f| matches!(f.kind, CallKind::Fault(_)) && f.caller_data == hart.data);
        let handler = self.mem.space(hart.data).and_then(|s| s.fault_portal);
        if let (Some(p), false) = (handler, handling) {
            let args = [fault.cause(), fault.addr(), pc, 0, 0, 0, 0, 0];
            match self.portal_call(hart, p, CallKind::Fault(fault.clone()), args, pc) {
                Ok(Entered::Done(FrameEnd::Stop(c))) => return Some(Exit::Stop(c)),
                Ok(Entered::Done(FrameEnd::Faulted(_))) => return Some(Exit::Fault(fault)),
                Ok(_) => return None,
                Err(_) => {}
            }
        }
        let top = hart.control.last().map(|f| f.kind.clone());
        match top {
            // Count the fault once: an unwound frame is counted by `pop_frame` (here, or
            // in `host_pcall` for a frame pushed by host code), so only a fault with no
            // frame to unwind is counted here, for the hart and for its space.
            None => {
                let name = fault.kind_name();
                *hart.counters.faults.entry(name).or_default() += 1;
                *self.space_counters.entry(fault.space).or_default().faults.entry(name).or_default() += 1;
                Some(Exit::Fault(fault))
            }
            Some(CallKind::Host) => Some(Exit::Fault(fault)),
            Some(CallKind::Fault(orig)) => {
                self.pop_frame(hart, FrameEnd::Faulted(fault));
                Some(Exit::Fault(orig))
            }
            // A fault in an interrupt handler unwinds it like one in an ecall handler.
            Some(CallKind::Voluntary { .. }) | Some(CallKind::Ecall) | Some(CallKind::Interrupt) => {
                self.pop_frame(hart, FrameEnd::Faulted(fault));
                match stop_depth {
                    Some(d) if hart.control.len() <= d => Some(Exit::Returned),
                    _ => None,
                }
            }
        }
    }

    // ----- memory fast paths -----

    #[inline(always)]
    pub(crate) fn load<const N: usize>(&mut self, hart: &mut Hart, ptr: u64) -> Result<[u8; N], FaultKind> {
        let principal = hart.data;
        let (target, off) = addr::resolve(ptr, principal);
        if target == principal {
            hart.counters.loads_own += 1;
        } else {
            hart.counters.loads_foreign += 1;
        }
        if let Some(v) = self.mem.tlb.load::<N>(principal, target, off) {
            return Ok(v);
        }
        let mut buf = [0u8; N];
        self.mem.copy_in(principal, ptr, &mut buf)?;
        Ok(buf)
    }

    #[inline(always)]
    pub(crate) fn store<const N: usize>(&mut self, hart: &mut Hart, ptr: u64, bytes: [u8; N]) -> Result<(), FaultKind> {
        let principal = hart.data;
        let (target, off) = addr::resolve(ptr, principal);
        if target == principal {
            hart.counters.stores_own += 1;
        } else {
            hart.counters.stores_foreign += 1;
        }
        if self.mem.tlb.store::<N>(principal, target, off, bytes) {
            return Ok(());
        }
        self.mem.copy_out(principal, ptr, &bytes)
    }

    fn amo_check(ptr: u64, size: u64, write: bool) -> Result<(), FaultKind> {
        if ptr % size != 0 {
            let access = if write { Access::Write } else { Access::Read };
            return Err(FaultKind::Misaligned { access, addr: ptr });
        }
        Ok(())
    }

    fn amo_w(&mut self, hart: &mut Hart, ptr: u64, f: impl Fn(u32) -> u32) -> Result<u64, FaultKind> {
        Self::amo_check(ptr, 4, true)?;
        let old = u32::from_le_bytes(self.load::<4>(hart, ptr)?);
        self.store::<4>(hart, ptr, f(old).to_le_bytes())?;
        Ok(old as i32 as i64 as u64)
    }

    fn amo_d(&mut self, hart: &mut Hart, ptr: u64, f: impl Fn(u64) -> u64) -> Result<u64, FaultKind> {
        Self::amo_check(ptr, 8, true)?;
        let old = u64::from_le_bytes(self.load::<8>(hart, ptr)?);
        self.store::<8>(hart, ptr, f(old).to_le_bytes())?;
        Ok(old)
    }

    // ----- CSRs -----

    fn csr_read(&self, hart: &Hart, csr: u32) -> Option<u64> {
        Some(match csr {
            0x001 => (hart.ctx.fcsr & 0x1f) as u64,
            0x002 => ((hart.ctx.fcsr >> 5) & 7) as u64,
            0x003 => (hart.ctx.fcsr & 0xff) as u64,
            0xc00 => hart.counters.cycles,
            // The timebase runs at 10 MHz of a modeled 1 GHz clock, so time is
            // deterministic like everything else the machine reports.
            0xc01 => hart.counters.cycles / 100,
            0xc02 => hart.counters.instret,
            0xcc0 => hart.code as u64,
            0xcc1 => hart.data as u64,
            _ => return None,
        })
    }

    fn csr_write(hart: &mut Hart, csr: u32, v: u64) -> bool {
        match csr {
            0x001 => hart.ctx.fcsr = (hart.ctx.fcsr & !0x1f) | (v as u32 & 0x1f),
            0x002 => hart.ctx.fcsr = (hart.ctx.fcsr & 0x1f) | ((v as u32 & 7) << 5),
            0x003 => hart.ctx.fcsr = v as u32 & 0xff,
            _ => return false,
        }
        true
    }

    fn csr_op(&mut self, hart: &mut Hart, inst: Inst) -> Result<(), FaultKind> {
        let csr = inst.imm as u32 & 0xfff;
        let illegal = FaultKind::Illegal { raw: 0 };
        let old = self.csr_read(hart, csr).ok_or(illegal.clone())?;
        let src = match inst.op {
            Op::Csrrwi | Op::Csrrsi | Op::Csrrci => inst.rs1 as u64,
            _ => hart.ctx.x[inst.rs1 as usize],
        };
        let new = match inst.op {
            Op::Csrrw | Op::Csrrwi => Some(src),
            // csrrs/csrrc with x0 / zero immediate do not write (and so may read
            // read-only CSRs).
            Op::Csrrs | Op::Csrrsi => (inst.rs1 != 0).then_some(old | src),
            _ => (inst.rs1 != 0).then_some(old & !src),
        };
        if let Some(v) = new {
            if !Self::csr_write(hart, csr, v) {
                return Err(illegal);
            }
        }
        hart.ctx.x[inst.rd as usize] = old;
        Ok(())
    }

    // ----- native instructions -----

    fn gx_grant(&mut self, hart: &mut Hart, desc: u64) -> u64 {
        let mut d = [0u8; GRANT_DESCRIPTOR_SIZE];
        if self.mem.copy_in(hart.data, desc, &mut d).is_err() {
            return GxError::Fault.to_reg();
        }
        let base = u64::from_le_bytes(d[0..8].try_into().unwrap_or_default());
        let len = u64::from_le_bytes(d[8..16].try_into().unwrap_or_default());
        let grantee = u16::from_le_bytes([d[16], d[17]]);
        let rights = GrantRights(d[18]);
        let flags = d[19];
        if flags & !1 != 0 {
            return GxError::Invalid.to_reg();
        }
        let (owner, lo) = addr::resolve(base, hart.data);
        let req = GrantRequest { owner, lo, len, rights, grantee, transient: flags & 1 != 0 };
        let (code, data) = (hart.code, hart.data);
        match self.grant_as(hart, code, data, &req) {
            Ok(h) => h,
            Err(e) => e.to_reg(),
        }
    }

    fn gx_portal(&mut self, hart: &mut Hart, entry: u64) -> u64 {
        let (space, off) = addr::resolve(entry, hart.code);
        if space != hart.code || off & 1 != 0 {
            return GxError::Invalid.to_reg();
        }
        let executable = self.mem.space(space).and_then(|s| s.pte(off)).is_some_and(|p| p.rights.contains(PageRights::X));
        if !executable {
            return GxError::Invalid.to_reg();
        }
        match self.create_portal(hart.code, hart.data, off) {
            Ok(id) => id,
            Err(e) => e.to_reg(),
        }
    }

    /// Executes one instruction at `pc` that neither ends a run nor leaves the hart
    /// (for translated code's `step_helper`: FP, A, the FP CSRs, gx.qualify).
    pub(crate) fn step_one(&mut self, hart: &mut Hart, i: Inst, pc: u64) -> Result<(), FaultKind> {
        self.step(hart, i, pc).map(|_| ())
    }

    /// Executes one instruction at `pc`.
    #[inline(always)]
    fn step(&mut self, hart: &mut Hart, i: Inst, pc: u64) -> Result<Flow, FaultKind> {
        let rd = i.rd as usize;
        let rs1 = hart.ctx.x[i.rs1 as usize];
        let rs2 = hart.ctx.x[i.rs2 as usize];
        let imm = i.imm as i64 as u64;
        let mut next = pc.wrapping_add(i.len as u64);
        macro_rules! wr {
            ($v:expr) => {{
                let v: u64 = $v;
                if rd != 0 {
                    hart.ctx.x[rd] = v;
                }
            }};
        }
        match i.op {
            Op::Illegal => return Err(FaultKind::Illegal { raw: 0 }),
            Op::Lui => wr!(imm),
            Op::Auipc => wr!(pc.wrapping_add(imm)),
            Op::Jal => {
                wr!(next);
                next = pc.wrapping_add(imm);
            }
            Op::Jalr => {
                let t = rs1.wrapping_add(imm) & !1;
                wr!(next);
                next = t;
            }
            Op::Beq => if rs1 == rs2 { next = pc.wrapping_add(imm) },
            Op::Bne => if rs1 != rs2 { next = pc.wrapping_add(imm) },
            Op::Blt => if (rs1 as i64) < (rs2 as i64) { next = pc.wrapping_add(imm) },
            Op::Bge => if (rs1 as i64) >= (rs2 as i64) { next = pc.wrapping_add(imm) },
            Op::Bltu => if rs1 < rs2 { next = pc.wrapping_add(imm) },
            Op::Bgeu => if rs1 >= rs2 { next = pc.wrapping_add(imm) },
            Op::Lb => { let v = self.load::<1>(hart, rs1.wrapping_add(imm))?; wr!(v[0] as i8 as i64 as u64) }
            Op::Lh => { let v = self.load::<2>(hart, rs1.wrapping_add(imm))?; wr!(i16::from_le_bytes(v) as i64 as u64) }
            Op::Lw => { let v = self.load::<4>(hart, rs1.wrapping_add(imm))?; wr!(i32::from_le_bytes(v) as i64 as u64) }
            Op::Ld => { let v = self.load::<8>(hart, rs1.wrapping_add(imm))?; wr!(u64::from_le_bytes(v)) }
            Op::Lbu => { let v = self.load::<1>(hart, rs1.wrapping_add(imm))?; wr!(v[0] as u64) }
            Op::Lhu => { let v = self.load::<2>(hart, rs1.wrapping_add(imm))?; wr!(u16::from_le_bytes(v) as u64) }
            Op::Lwu => { let v = self.load::<4>(hart, rs1.wrapping_add(imm))?; wr!(u32::from_le_bytes(v) as u64) }
            Op::Sb => self.store::<1>(hart, rs1.wrapping_add(imm), [rs2 as u8])?,
            Op::Sh => self.store::<2>(hart, rs1.wrapping_add(imm), (rs2 as u16).to_le_bytes())?,
            Op::Sw => self.store::<4>(hart, rs1.wrapping_add(imm), (rs2 as u32).to_le_bytes())?,
            Op::Sd => self.store::<8>(hart, rs1.wrapping_add(imm), rs2.to_le_bytes())?,
            Op::Addi => wr!(rs1.wrapping_add(imm)),
            Op::Slti => wr!(((rs1 as i64) < (imm as i64)) as u64),
            Op::Sltiu => wr!((rs1 < imm) as u64),
            Op::Xori => wr!(rs1 ^ imm),
            Op::Ori => wr!(rs1 | imm),
            Op::Andi => wr!(rs1 & imm),
            Op::Slli => wr!(rs1 << (imm & 63)),
            Op::Srli => wr!(rs1 >> (imm & 63)),
            Op::Srai => wr!(((rs1 as i64) >> (imm & 63)) as u64),
            Op::Add => wr!(rs1.wrapping_add(rs2)),
            Op::Sub => wr!(rs1.wrapping_sub(rs2)),
            Op::Sll => wr!(rs1 << (rs2 & 63)),
            Op::Slt => wr!(((rs1 as i64) < (rs2 as i64)) as u64),
            Op::Sltu => wr!((rs1 < rs2) as u64),
            Op::Xor => wr!(rs1 ^ rs2),
            Op::Srl => wr!(rs1 >> (rs2 & 63)),
            Op::Sra => wr!(((rs1 as i64) >> (rs2 & 63)) as u64),
            Op::Or => wr!(rs1 | rs2),
            Op::And => wr!(rs1 & rs2),
            Op::Addiw => wr!((rs1 as i32).wrapping_add(imm as i32) as i64 as u64),
            Op::Slliw => wr!(((rs1 as u32) << (imm & 31)) as i32 as i64 as u64),
            Op::Srliw => wr!(((rs1 as u32) >> (imm & 31)) as i32 as i64 as u64),
            Op::Sraiw => wr!(((rs1 as i32) >> (imm & 31)) as i64 as u64),
            Op::Addw => wr!((rs1 as i32).wrapping_add(rs2 as i32) as i64 as u64),
            Op::Subw => wr!((rs1 as i32).wrapping_sub(rs2 as i32) as i64 as u64),
            Op::Sllw => wr!(((rs1 as u32) << (rs2 & 31)) as i32 as i64 as u64),
            Op::Srlw => wr!(((rs1 as u32) >> (rs2 & 31)) as i32 as i64 as u64),
            Op::Sraw => wr!(((rs1 as i32) >> (rs2 & 31)) as i64 as u64),
            Op::Fence => {}
            Op::FenceI => self.mem.code_epoch += 1,
            Op::Ecall => {
                let Some(portal) = self.mem.space(hart.data).and_then(|s| s.ecall_portal) else {
                    return Err(FaultKind::NoHandler);
                };
                let mut args = [0u64; 8];
                args.copy_from_slice(&hart.ctx.x[reg::A0..=reg::A7]);
                return match self.portal_call(hart, portal, CallKind::Ecall, args, next) {
                    Ok(Entered::Done(FrameEnd::Stop(c))) => Ok(Flow::Exit(Exit::Stop(c))),
                    Ok(_) => Ok(Flow::Next),
                    Err(_) => Err(FaultKind::NoHandler),
                };
            }
            Op::Ebreak => return Err(FaultKind::Breakpoint),
            // M
            Op::Mul => wr!(rs1.wrapping_mul(rs2)),
            Op::Mulh => wr!(((rs1 as i64 as i128 * rs2 as i64 as i128) >> 64) as u64),
            Op::Mulhsu => wr!(((rs1 as i64 as i128).wrapping_mul(rs2 as u128 as i128) >> 64) as u64),
            Op::Mulhu => wr!(((rs1 as u128 * rs2 as u128) >> 64) as u64),
            Op::Div => wr!(if rs2 == 0 { u64::MAX } else { (rs1 as i64).wrapping_div(rs2 as i64) as u64 }),
            Op::Divu => wr!(if rs2 == 0 { u64::MAX } else { rs1 / rs2 }),
            Op::Rem => wr!(if rs2 == 0 { rs1 } else { (rs1 as i64).wrapping_rem(rs2 as i64) as u64 }),
            Op::Remu => wr!(if rs2 == 0 { rs1 } else { rs1 % rs2 }),
            Op::Mulw => wr!((rs1 as i32).wrapping_mul(rs2 as i32) as i64 as u64),
            Op::Divw => wr!(if rs2 as i32 == 0 { u64::MAX } else { (rs1 as i32).wrapping_div(rs2 as i32) as i64 as u64 }),
            Op::Divuw => wr!(if rs2 as u32 == 0 { u64::MAX } else { ((rs1 as u32) / (rs2 as u32)) as i32 as i64 as u64 }),
            Op::Remw => wr!(if rs2 as i32 == 0 { rs1 as i32 as i64 as u64 } else { (rs1 as i32).wrapping_rem(rs2 as i32) as i64 as u64 }),
            Op::Remuw => wr!(if rs2 as u32 == 0 { rs1 as i32 as i64 as u64 } else { ((rs1 as u32) % (rs2 as u32)) as i32 as i64 as u64 }),
            // A
            Op::LrW | Op::LrD => {
                let size = if i.op == Op::LrW { 4 } else { 8 };
                if rs1 % size != 0 {
                    return Err(FaultKind::Misaligned { access: Access::Read, addr: rs1 });
                }
                let v = if size == 4 { i32::from_le_bytes(self.load::<4>(hart, rs1)?) as i64 as u64 } else { u64::from_le_bytes(self.load::<8>(hart, rs1)?) };
                hart.reservation = Some(addr::resolve(rs1, hart.data));
                wr!(v);
            }
            Op::ScW | Op::ScD => {
                let size = if i.op == Op::ScW { 4 } else { 8 };
                Self::amo_check(rs1, size, true)?;
                let ok = hart.reservation.take() == Some(addr::resolve(rs1, hart.data));
                if ok {
                    if size == 4 {
                        self.store::<4>(hart, rs1, (rs2 as u32).to_le_bytes())?;
                    } else {
                        self.store::<8>(hart, rs1, rs2.to_le_bytes())?;
                    }
                }
                wr!(!ok as u64);
            }
            Op::AmoswapW => { let v = self.amo_w(hart, rs1, |_| rs2 as u32)?; wr!(v) }
            Op::AmoaddW => { let v = self.amo_w(hart, rs1, |o| o.wrapping_add(rs2 as u32))?; wr!(v) }
            Op::AmoxorW => { let v = self.amo_w(hart, rs1, |o| o ^ rs2 as u32)?; wr!(v) }
            Op::AmoandW => { let v = self.amo_w(hart, rs1, |o| o & rs2 as u32)?; wr!(v) }
            Op::AmoorW => { let v = self.amo_w(hart, rs1, |o| o | rs2 as u32)?; wr!(v) }
            Op::AmominW => { let v = self.amo_w(hart, rs1, |o| (o as i32).min(rs2 as i32) as u32)?; wr!(v) }
            Op::AmomaxW => { let v = self.amo_w(hart, rs1, |o| (o as i32).max(rs2 as i32) as u32)?; wr!(v) }
            Op::AmominuW => { let v = self.amo_w(hart, rs1, |o| o.min(rs2 as u32))?; wr!(v) }
            Op::AmomaxuW => { let v = self.amo_w(hart, rs1, |o| o.max(rs2 as u32))?; wr!(v) }
            Op::AmoswapD => { let v = self.amo_d(hart, rs1, |_| rs2)?; wr!(v) }
            Op::AmoaddD => { let v = self.amo_d(hart, rs1, |o| o.wrapping_add(rs2))?; wr!(v) }
            Op::AmoxorD => { let v = self.amo_d(hart, rs1, |o| o ^ rs2)?; wr!(v) }
            Op::AmoandD => { let v = self.amo_d(hart, rs1, |o| o & rs2)?; wr!(v) }
            Op::AmoorD => { let v = self.amo_d(hart, rs1, |o| o | rs2)?; wr!(v) }
            Op::AmominD => { let v = self.amo_d(hart, rs1, |o| (o as i64).min(rs2 as i64) as u64)?; wr!(v) }
            Op::AmomaxD => { let v = self.amo_d(hart, rs1, |o| (o as i64).max(rs2 as i64) as u64)?; wr!(v) }
            Op::AmominuD => { let v = self.amo_d(hart, rs1, |o| o.min(rs2))?; wr!(v) }
            Op::AmomaxuD => { let v = self.amo_d(hart, rs1, |o| o.max(rs2))?; wr!(v) }
            Op::Csrrw | Op::Csrrs | Op::Csrrc | Op::Csrrwi | Op::Csrrsi | Op::Csrrci => {
                self.csr_op(hart, i)?;
                hart.ctx.x[0] = 0;
            }
            // F and D: in their own function so integer instructions never pay for
            // reading and unboxing FP registers.
            Op::Flw | Op::Fld | Op::Fsw | Op::Fsd | Op::FmaddS | Op::FmsubS | Op::FnmsubS | Op::FnmaddS | Op::FaddS | Op::FsubS | Op::FmulS
            | Op::FdivS | Op::FsqrtS | Op::FcvtSW | Op::FcvtSWu | Op::FcvtSL | Op::FcvtSLu | Op::FcvtSD | Op::FmaddD | Op::FmsubD | Op::FnmsubD
            | Op::FnmaddD | Op::FaddD | Op::FsubD | Op::FmulD | Op::FdivD | Op::FsqrtD | Op::FcvtDW | Op::FcvtDWu | Op::FcvtDL | Op::FcvtDLu
            | Op::FcvtDS | Op::FcvtWS | Op::FcvtWuS | Op::FcvtLS | Op::FcvtLuS | Op::FcvtWD | Op::FcvtWuD | Op::FcvtLD | Op::FcvtLuD | Op::FsgnjS
            | Op::FsgnjnS | Op::FsgnjxS | Op::FsgnjD | Op::FsgnjnD | Op::FsgnjxD | Op::FminS | Op::FmaxS | Op::FminD | Op::FmaxD | Op::FmvXW
            | Op::FmvWX | Op::FmvXD | Op::FmvDX | Op::FeqS | Op::FltS | Op::FleS | Op::FeqD | Op::FltD | Op::FleD | Op::FclassS | Op::FclassD => {
                self.step_fp(hart, i, rs1, imm)?;
            }
            // Xgx
            Op::GxQualify => wr!(if addr::sid_of(rs1) != 0 { rs1 } else { addr::qualified(hart.data, rs1) }),
            Op::GxGrant => {
                let v = self.gx_grant(hart, rs1);
                wr!(v)
            }
            Op::GxRevoke => {
                let data = hart.data;
                let v = match self.revoke_as(hart, data, rs1) {
                    Ok(()) => 0,
                    Err(e) => e.to_reg(),
                };
                wr!(v)
            }
            Op::GxPortal => {
                let v = self.gx_portal(hart, rs1);
                wr!(v)
            }
            Op::GxPcall => {
                let mut args = [0u64; 8];
                args.copy_from_slice(&hart.ctx.x[reg::A0..=reg::A7]);
                hart.ctx.pc = pc;
                return match self.portal_call(hart, rs1, CallKind::Voluntary { rd: i.rd }, args, next) {
                    Ok(Entered::Done(FrameEnd::Stop(c))) => Ok(Flow::Exit(Exit::Stop(c))),
                    Ok(_) => Ok(Flow::Next),
                    Err(e) => {
                        wr!(e.to_reg());
                        hart.ctx.pc = next;
                        Ok(Flow::Next)
                    }
                };
            }
            Op::GxPret => {
                let Some(top) = hart.control.last() else {
                    return Err(FaultKind::ControlStack);
                };
                let end = if matches!(top.kind, CallKind::Fault(_)) {
                    FrameEnd::Resume
                } else {
                    FrameEnd::Return([hart.ctx.x[reg::A0], hart.ctx.x[reg::A1]])
                };
                let host_caller = matches!(top.kind, CallKind::Host);
                let end = self.pop_frame(hart, end);
                if host_caller {
                    hart.last_host_return = Some(end);
                }
                return Ok(Flow::Next);
            }
        }
        hart.ctx.pc = next;
        Ok(Flow::Next)
    }
}
