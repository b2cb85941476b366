//! Translation of one decoded block to Cranelift IR and host code.

use super::{load_helper, store_helper, width, BlockFn, JitEnv};
use crate::cpu::icache::Block;
use crate::addr::{OFFSET_BITS, OFFSET_MASK, PAGE_SHIFT, PAGE_SIZE};
use crate::counters::Counters;
use crate::cpu::inst::{Inst, Op};
use crate::rights::PageRights;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{AbiParam, InstBuilder, MemFlagsData, SigRef, Signature, Value};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use cranelift_jit::JITModule;
use cranelift_module::Module;
use std::mem::offset_of;

/// Whether translated code implements `op`.
fn supported(op: Op) -> bool {
    use Op::*;
    matches!(
        op,
        Lui | Auipc | Jal | Jalr | Beq | Bne | Blt | Bge | Bltu | Bgeu | Lb | Lh | Lw | Ld | Lbu | Lhu | Lwu | Sb | Sh | Sw | Sd | Addi
            | Slti | Sltiu | Xori | Ori | Andi | Slli | Srli | Srai | Add | Sub | Sll | Slt | Sltu | Xor | Srl | Sra | Or | And
            | Addiw | Slliw | Srliw | Sraiw | Addw | Subw | Sllw | Srlw | Sraw | Fence | Mul | Mulh | Mulhsu | Mulhu | Div
            | Divu | Rem | Remu | Mulw | Divw | Divuw | Remw | Remuw
    )
}

/// How many leading instructions of `block` translated code can run.
pub(super) fn prefix(block: &Block) -> usize {
    block.insts.iter().take_while(|i| supported(i.op)).count()
}

/// Whether `op` writes its `rd`.
fn writes_rd(op: Op) -> bool {
    use Op::*;
    !matches!(op, Beq | Bne | Blt | Bge | Bltu | Bgeu | Sb | Sh | Sw | Sd | Fence)
}

struct Tr<'a, 'b> {
    b: &'a mut FunctionBuilder<'b>,
    regs: [Variable; 32],
    written: u32,
    env: Value,
    x: Value,
    load_sig: SigRef,
    store_sig: SigRef,
    /// `JitEnv::tlb`, `data`, `principal_mix` and `counters`, loaded once.
    tlb: Value,
    data: Value,
    pmix: Value,
    counters: Value,
}

/// Guest memory as translated code reads it in place: never trapping (the probe
/// checked the page), possibly misaligned.
fn guest_mem() -> MemFlagsData {
    MemFlagsData::new().with_notrap()
}

impl Tr<'_, '_> {
    fn get(&mut self, r: u8) -> Value {
        if r == 0 { self.b.ins().iconst(I64, 0) } else { self.b.use_var(self.regs[r as usize]) }
    }

    fn set(&mut self, r: u8, v: Value) {
        if r != 0 {
            self.b.def_var(self.regs[r as usize], v);
        }
    }

    /// Writes back the registers the block writes, sets `env.next_pc` if given, and
    /// returns `n` (instructions completed, or the faulting index).
    fn exit(&mut self, n: usize, next_pc: Option<Value>) {
        for r in 1..32 {
            if self.written & (1 << r) != 0 {
                let v = self.b.use_var(self.regs[r]);
                self.b.ins().store(MemFlagsData::trusted(), v, self.x, (r * 8) as i32);
            }
        }
        if let Some(pc) = next_pc {
            self.b.ins().store(MemFlagsData::trusted(), pc, self.env, offset_of!(JitEnv, next_pc) as i32);
        }
        let n = self.b.ins().iconst(I32, n as i64);
        self.b.ins().return_(&[n]);
    }

    /// Continues if `failed` is zero, else exits reporting a fault at instruction `k`.
    fn check(&mut self, failed: Value, k: usize) {
        let fault = self.b.create_block();
        let cont = self.b.create_block();
        self.b.ins().brif(failed, fault, &[], cont, &[]);
        self.b.switch_to_block(fault);
        self.b.seal_block(fault);
        self.exit(k, None);
        self.b.switch_to_block(cont);
        self.b.seal_block(cont);
    }

    /// The inline TLB probe, as `Tlb::lookup` does it: if an entry for (principal,
    /// target, page) allows `right` and the `n` bytes at `ptr` stay in its page,
    /// counts the access (own or foreign) and continues in a new block with the host
    /// address as the result; else goes to `slow`, which does all of that itself.
    fn probe(&mut self, ptr: Value, n: i64, right: PageRights, own: usize, foreign: usize, slow: cranelift_codegen::ir::Block) -> Value {
        use crate::tlb::probe::*;
        let b = &mut *self.b;
        let sid = b.ins().ushr_imm_s(ptr, OFFSET_BITS as i64);
        let off = b.ins().band_imm_s(ptr, OFFSET_MASK as i64);
        let local = b.ins().icmp_imm_s(IntCC::Equal, sid, 0);
        let target = b.ins().select(local, self.data, sid);
        let page = b.ins().ushr_imm_s(off, PAGE_SHIFT as i64);
        let th = b.ins().imul_imm_s(target, TARGET_MUL);
        let h = b.ins().bxor(page, th);
        let h = b.ins().bxor(h, self.pmix);
        let idx = b.ins().band_imm_s(h, INDEX_MASK);
        let eoff = b.ins().imul_imm_s(idx, ENTRY_SIZE);
        let e = b.ins().iadd(self.tlb, eoff);
        let key = b.ins().load(I64, MemFlagsData::trusted(), e, KEY);
        let tk = b.ins().ishl_imm_s(target, KEY_SHIFT);
        let want = b.ins().bor(tk, page);
        let ok = b.ins().icmp(IntCC::Equal, key, want);
        let pr = b.ins().uload16(I64, MemFlagsData::trusted(), e, PRINCIPAL);
        let ok2 = b.ins().icmp(IntCC::Equal, pr, self.data);
        let ok = b.ins().band(ok, ok2);
        let rights = b.ins().uload8(I64, MemFlagsData::trusted(), e, RIGHTS);
        let has = b.ins().band_imm_s(rights, right.0 as i64);
        let ok3 = b.ins().icmp_imm_s(IntCC::NotEqual, has, 0);
        let ok = b.ins().band(ok, ok3);
        let in_page = b.ins().band_imm_s(off, PAGE_SIZE as i64 - 1);
        let fits = b.ins().icmp_imm_s(IntCC::UnsignedLessThanOrEqual, in_page, PAGE_SIZE as i64 - n);
        let ok = b.ins().band(ok, fits);
        let fast = b.create_block();
        b.ins().brif(ok, fast, &[], slow, &[]);
        b.switch_to_block(fast);
        b.seal_block(fast);
        let own_c = b.ins().iconst(I64, own as i64);
        let foreign_c = b.ins().iconst(I64, foreign as i64);
        let which = b.ins().select(local, own_c, foreign_c);
        let caddr = b.ins().iadd(self.counters, which);
        let c = b.ins().load(I64, MemFlagsData::trusted(), caddr, 0);
        let c = b.ins().iadd_imm_s(c, 1);
        b.ins().store(MemFlagsData::trusted(), c, caddr, 0);
        let frame = b.ins().load(I64, MemFlagsData::trusted(), e, PTR);
        b.ins().iadd(frame, in_page)
    }

    fn bool64(&mut self, c: Value) -> Value {
        self.b.ins().uextend(I64, c)
    }

    fn w(&mut self, v: Value) -> Value {
        self.b.ins().ireduce(I32, v)
    }

    fn sext(&mut self, v32: Value) -> Value {
        self.b.ins().sextend(I64, v32)
    }

    /// Translates instruction `k` at `pc`; returns the next pc if it ends the block.
    fn inst(&mut self, k: usize, i: Inst, pc: u64) -> Option<Value> {
        use Op::*;
        let imm = i.imm as i64;
        let next = pc.wrapping_add(i.len as u64);
        let rs1 = if matches!(i.op, Lui | Auipc | Jal | Fence) { None } else { Some(self.get(i.rs1)) };
        let a = rs1.unwrap_or_else(|| self.b.ins().iconst(I64, 0));
        let reads_rs2 = matches!(
            i.op,
            Beq | Bne | Blt | Bge | Bltu | Bgeu | Sb | Sh | Sw | Sd | Add | Sub | Sll | Slt | Sltu | Xor | Srl | Sra | Or | And | Addw
                | Subw | Sllw | Srlw | Sraw | Mul | Mulh | Mulhsu | Mulhu | Div | Divu | Rem | Remu | Mulw | Divw | Divuw | Remw
                | Remuw
        );
        let bv = if reads_rs2 { self.get(i.rs2) } else { a };
        let v: Value = match i.op {
            Lui => self.b.ins().iconst(I64, imm),
            Auipc => self.b.ins().iconst(I64, pc.wrapping_add(imm as u64) as i64),
            Jal => {
                let link = self.b.ins().iconst(I64, next as i64);
                self.set(i.rd, link);
                return Some(self.b.ins().iconst(I64, pc.wrapping_add(imm as u64) as i64));
            }
            Jalr => {
                let t = self.b.ins().iadd_imm_s(a, imm);
                let t = self.b.ins().band_imm_s(t, !1);
                let link = self.b.ins().iconst(I64, next as i64);
                self.set(i.rd, link);
                return Some(t);
            }
            Beq | Bne | Blt | Bge | Bltu | Bgeu => {
                let cc = match i.op {
                    Beq => IntCC::Equal,
                    Bne => IntCC::NotEqual,
                    Blt => IntCC::SignedLessThan,
                    Bge => IntCC::SignedGreaterThanOrEqual,
                    Bltu => IntCC::UnsignedLessThan,
                    _ => IntCC::UnsignedGreaterThanOrEqual,
                };
                let c = self.b.ins().icmp(cc, a, bv);
                let taken = self.b.ins().iconst(I64, pc.wrapping_add(imm as u64) as i64);
                let fall = self.b.ins().iconst(I64, next as i64);
                return Some(self.b.ins().select(c, taken, fall));
            }
            Lb | Lh | Lw | Ld | Lbu | Lhu | Lwu => {
                let w = match i.op {
                    Lb => width::B,
                    Lh => width::H,
                    Lw => width::W,
                    Ld => width::D,
                    Lbu => width::BU,
                    Lhu => width::HU,
                    _ => width::WU,
                };
                let ptr = self.b.ins().iadd_imm_s(a, imm);
                let n = [1, 2, 4, 8, 1, 2, 4][w as usize];
                let slow = self.b.create_block();
                let join = self.b.create_block();
                self.b.append_block_param(join, I64);
                let host = self.probe(ptr, n, PageRights::R, offset_of!(Counters, loads_own), offset_of!(Counters, loads_foreign), slow);
                let mem = guest_mem();
                let fast_v = match i.op {
                    Lb => self.b.ins().sload8(I64, mem, host, 0),
                    Lh => self.b.ins().sload16(I64, mem, host, 0),
                    Lw => self.b.ins().sload32(mem, host, 0),
                    Ld => self.b.ins().load(I64, mem, host, 0),
                    Lbu => self.b.ins().uload8(I64, mem, host, 0),
                    Lhu => self.b.ins().uload16(I64, mem, host, 0),
                    _ => self.b.ins().uload32(mem, host, 0),
                };
                self.b.ins().jump(join, &[fast_v.into()]);
                self.b.switch_to_block(slow);
                self.b.seal_block(slow);
                let f = self.b.ins().iconst(I64, load_helper as *const () as usize as i64);
                let wv = self.b.ins().iconst(I32, w as i64);
                let call = self.b.ins().call_indirect(self.load_sig, f, &[self.env, ptr, wv]);
                let (value, failed) = {
                    let r = self.b.inst_results(call);
                    (r[0], r[1])
                };
                self.check(failed, k);
                self.b.ins().jump(join, &[value.into()]);
                self.b.switch_to_block(join);
                self.b.seal_block(join);
                self.b.block_params(join)[0]
            }
            Sb | Sh | Sw | Sd => {
                let log2 = match i.op {
                    Sb => 0,
                    Sh => 1,
                    Sw => 2,
                    _ => 3,
                };
                let ptr = self.b.ins().iadd_imm_s(a, imm);
                let slow = self.b.create_block();
                let join = self.b.create_block();
                let host = self.probe(ptr, 1 << log2, PageRights::W, offset_of!(Counters, stores_own), offset_of!(Counters, stores_foreign), slow);
                let mem = guest_mem();
                match log2 {
                    0 => self.b.ins().istore8(mem, bv, host, 0),
                    1 => self.b.ins().istore16(mem, bv, host, 0),
                    2 => self.b.ins().istore32(mem, bv, host, 0),
                    _ => self.b.ins().store(mem, bv, host, 0),
                };
                self.b.ins().jump(join, &[]);
                self.b.switch_to_block(slow);
                self.b.seal_block(slow);
                let f = self.b.ins().iconst(I64, store_helper as *const () as usize as i64);
                let lv = self.b.ins().iconst(I32, log2);
                let call = self.b.ins().call_indirect(self.store_sig, f, &[self.env, ptr, bv, lv]);
                let failed = self.b.inst_results(call)[0];
                self.check(failed, k);
                self.b.ins().jump(join, &[]);
                self.b.switch_to_block(join);
                self.b.seal_block(join);
                return None;
            }
            Fence => return None,
            Addi => self.b.ins().iadd_imm_s(a, imm),
            Slti => {
                let c = self.b.ins().icmp_imm_s(IntCC::SignedLessThan, a, imm);
                self.bool64(c)
            }
            Sltiu => {
                let c = self.b.ins().icmp_imm_s(IntCC::UnsignedLessThan, a, imm);
                self.bool64(c)
            }
            Xori => self.b.ins().bxor_imm_s(a, imm),
            Ori => self.b.ins().bor_imm_s(a, imm),
            Andi => self.b.ins().band_imm_s(a, imm),
            Slli => self.b.ins().ishl_imm_s(a, imm & 63),
            Srli => self.b.ins().ushr_imm_s(a, imm & 63),
            Srai => self.b.ins().sshr_imm_s(a, imm & 63),
            Add => self.b.ins().iadd(a, bv),
            Sub => self.b.ins().isub(a, bv),
            Sll => self.b.ins().ishl(a, bv),
            Slt => {
                let c = self.b.ins().icmp(IntCC::SignedLessThan, a, bv);
                self.bool64(c)
            }
            Sltu => {
                let c = self.b.ins().icmp(IntCC::UnsignedLessThan, a, bv);
                self.bool64(c)
            }
            Xor => self.b.ins().bxor(a, bv),
            Srl => self.b.ins().ushr(a, bv),
            Sra => self.b.ins().sshr(a, bv),
            Or => self.b.ins().bor(a, bv),
            And => self.b.ins().band(a, bv),
            Addiw | Slliw | Srliw | Sraiw => {
                let a32 = self.w(a);
                let r = match i.op {
                    Addiw => self.b.ins().iadd_imm_s(a32, imm),
                    Slliw => self.b.ins().ishl_imm_s(a32, imm & 31),
                    Srliw => self.b.ins().ushr_imm_s(a32, imm & 31),
                    _ => self.b.ins().sshr_imm_s(a32, imm & 31),
                };
                self.sext(r)
            }
            Addw | Subw | Sllw | Srlw | Sraw | Mulw => {
                let (a32, b32) = (self.w(a), self.w(bv));
                let r = match i.op {
                    Addw => self.b.ins().iadd(a32, b32),
                    Subw => self.b.ins().isub(a32, b32),
                    Sllw => self.b.ins().ishl(a32, b32),
                    Srlw => self.b.ins().ushr(a32, b32),
                    Sraw => self.b.ins().sshr(a32, b32),
                    _ => self.b.ins().imul(a32, b32),
                };
                self.sext(r)
            }
            Mul => self.b.ins().imul(a, bv),
            Mulh => self.b.ins().smulhi(a, bv),
            Mulhu => self.b.ins().umulhi(a, bv),
            Mulhsu => {
                // The high word of signed a times unsigned b: that of both unsigned,
                // less b when a is negative (a as unsigned is a + 2^64).
                let hi = self.b.ins().umulhi(a, bv);
                let neg = self.b.ins().icmp_imm_s(IntCC::SignedLessThan, a, 0);
                let zero = self.b.ins().iconst(I64, 0);
                let corr = self.b.ins().select(neg, bv, zero);
                self.b.ins().isub(hi, corr)
            }
            Div | Rem | Divw | Remw => {
                let ty = if matches!(i.op, Div | Rem) { I64 } else { I32 };
                let (x, y) = if ty == I64 { (a, bv) } else { (self.w(a), self.w(bv)) };
                let min = if ty == I64 { i64::MIN } else { i32::MIN as i64 };
                // RISC-V defines the cases the host would trap on: divisor zero gives
                // -1 (quotient) or the dividend (remainder); MIN / -1 gives MIN and 0,
                // which is what dividing by 1 instead gives.
                let zero = self.b.ins().icmp_imm_s(IntCC::Equal, y, 0);
                let is_min = self.b.ins().icmp_imm_s(IntCC::Equal, x, min);
                let is_m1 = self.b.ins().icmp_imm_s(IntCC::Equal, y, -1);
                let ovf = self.b.ins().band(is_min, is_m1);
                let bad = self.b.ins().bor(zero, ovf);
                let one = self.b.ins().iconst(ty, 1);
                let d = self.b.ins().select(bad, one, y);
                let r = if matches!(i.op, Div | Divw) {
                    let q = self.b.ins().sdiv(x, d);
                    let m1 = self.b.ins().iconst(ty, -1);
                    self.b.ins().select(zero, m1, q)
                } else {
                    let r = self.b.ins().srem(x, d);
                    self.b.ins().select(zero, x, r)
                };
                if ty == I64 { r } else { self.sext(r) }
            }
            Divu | Remu | Divuw | Remuw => {
                let ty = if matches!(i.op, Divu | Remu) { I64 } else { I32 };
                let (x, y) = if ty == I64 { (a, bv) } else { (self.w(a), self.w(bv)) };
                let zero = self.b.ins().icmp_imm_s(IntCC::Equal, y, 0);
                let one = self.b.ins().iconst(ty, 1);
                let d = self.b.ins().select(zero, one, y);
                let r = if matches!(i.op, Divu | Divuw) {
                    let q = self.b.ins().udiv(x, d);
                    let m1 = self.b.ins().iconst(ty, -1);
                    self.b.ins().select(zero, m1, q)
                } else {
                    let r = self.b.ins().urem(x, d);
                    self.b.ins().select(zero, x, r)
                };
                if ty == I64 { r } else { self.sext(r) }
            }
            _ => unreachable!("prefix() admits only supported instructions"),
        };
        self.set(i.rd, v);
        None
    }
}

/// Compiles the first `len` instructions of `block` (all supported); returns the entry
/// point and the size of the host code.
pub(super) fn compile(
    module: &mut JITModule,
    ctx: &mut cranelift_codegen::Context,
    fctx: &mut FunctionBuilderContext,
    block: &Block,
    len: usize,
) -> Result<(BlockFn, usize), String> {
    let ptr = I64;
    let call_conv = module.isa().default_call_conv();
    let fcfg = module.target_config();
    module.clear_context(ctx);
    let mut sig = Signature::new(call_conv);
    sig.params.push(AbiParam::new(ptr));
    sig.params.push(AbiParam::new(ptr));
    sig.returns.push(AbiParam::new(I32));
    ctx.func.signature = sig.clone();

    let mut load_sig = Signature::new(call_conv);
    load_sig.params.extend([AbiParam::new(ptr), AbiParam::new(I64), AbiParam::new(I32)]);
    load_sig.returns.extend([AbiParam::new(I64), AbiParam::new(I64)]);
    let mut store_sig = Signature::new(call_conv);
    store_sig.params.extend([AbiParam::new(ptr), AbiParam::new(I64), AbiParam::new(I64), AbiParam::new(I32)]);
    store_sig.returns.push(AbiParam::new(I64));

    let insts = &block.insts[..len];
    let mut used = 0u32;
    let mut written = 0u32;
    for i in insts {
        used |= 1 << i.rs1 | 1 << i.rs2 | 1 << i.rd;
        if writes_rd(i.op) {
            written |= 1 << i.rd;
        }
    }
    used &= !1;
    written &= !1;

    let mut b = FunctionBuilder::new(&mut ctx.func, fctx);
    let load_sig = b.import_signature(load_sig);
    let store_sig = b.import_signature(store_sig);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let env = b.block_params(entry)[0];
    let x = b.block_params(entry)[1];
    let regs: [Variable; 32] = std::array::from_fn(|_| b.declare_var(I64));
    for (r, var) in regs.iter().enumerate().skip(1) {
        let v = if used & (1 << r) != 0 { b.ins().load(I64, MemFlagsData::trusted(), x, (r * 8) as i32) } else { b.ins().iconst(I64, 0) };
        b.def_var(*var, v);
    }
    let field = |b: &mut FunctionBuilder, off: usize| b.ins().load(I64, MemFlagsData::trusted(), env, off as i32);
    let tlb = field(&mut b, offset_of!(JitEnv, tlb));
    let data = field(&mut b, offset_of!(JitEnv, data));
    let pmix = field(&mut b, offset_of!(JitEnv, principal_mix));
    let counters = field(&mut b, offset_of!(JitEnv, counters));
    let mut t = Tr { b: &mut b, regs, written, env, x, load_sig, store_sig, tlb, data, pmix, counters };
    let mut pc = block.pc;
    let mut next_pc = None;
    for (k, i) in insts.iter().enumerate() {
        if let Some(n) = t.inst(k, *i, pc) {
            next_pc = Some(n);
        }
        pc = pc.wrapping_add(i.len as u64);
    }
    let next = match next_pc {
        Some(v) => v,
        None => t.b.ins().iconst(I64, pc as i64),
    };
    t.exit(len, Some(next));
    b.finalize(fcfg);

    let id = module.declare_anonymous_function(&sig).map_err(|e| e.to_string())?;
    module.define_function(id, ctx).map_err(|e| format!("{e:?}"))?;
    let bytes = ctx.compiled_code().map(|c| c.code_buffer().len()).unwrap_or(0);
    module.clear_context(ctx);
    module.finalize_definitions().map_err(|e| e.to_string())?;
    let code = module.get_finalized_function(id);
    // SAFETY: `code` is the entry of the function just defined with the signature
    // `BlockFn` declares (two pointer-sized arguments, an i32 result) in the host's
    // default calling convention, which is that of `extern "C"`.
    let f = unsafe { std::mem::transmute::<*const u8, BlockFn>(code) };
    Ok((f, bytes))
}
