//! Translation of a region of decoded blocks to Cranelift IR and host code.
//!
//! A translation is a function in the tail-call convention, `f(env, x) -> status`:
//! it takes its instructions from `env.budget` and charges their instructions and
//! cycles on entry (or declines), keeps the guest registers it uses in SSA variables
//! (integer and FP), writes back the ones it changed at every exit, and at its end
//! tail-calls the translation of its successor if the chain table has one.
//!
//! Floating point on the host FPU only where the result is provably the RISC-V one,
//! fflags included (the approach of qemu's "hardfloat"): the rounding mode is RNE, the
//! inexact flag is already set (so whether this operation is inexact changes nothing),
//! the inputs are normal or zero and the result is normal and not in the lowest binade
//! (so no invalid, divide-by-zero, overflow or underflow can have happened, and NaN
//! boxing and canonical NaNs never come into it). Anything else goes to the
//! interpreter's SoftFloat path through `step_helper`.

use super::{load_helper, status, step_helper, store_helper, width, BlockFn, ChainEntry, JitEnv, Micro, CHAIN_BITS, MICRO};
use crate::addr::{OFFSET_BITS, PAGE_SHIFT, PAGE_SIZE};
use crate::counters::Counters;
use crate::cpu::icache::Block;
use crate::cpu::inst::{Inst, Op};
use crate::hart::Context;
use crate::hart::Hart;
use crate::rights::PageRights;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::types::{F32, F64, I32, I64, I8};
use cranelift_codegen::ir::{AbiParam, InstBuilder, MemFlagsData, SigRef, Signature, Value};
use cranelift_codegen::isa::CallConv;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use cranelift_jit::JITModule;
use cranelift_module::Module;
use std::mem::offset_of;

/// Offsets of the FP registers and fcsr from the integer registers (`x`) in `Context`.
fn f_off(r: usize) -> i32 {
    (offset_of!(Context, f) as isize - offset_of!(Context, x) as isize) as i32 + (r * 8) as i32
}
fn fcsr_off() -> i32 {
    (offset_of!(Context, fcsr) as isize - offset_of!(Context, x) as isize) as i32
}

/// The integer instructions translated code implements inline.
fn integer(op: Op) -> bool {
    use Op::*;
    matches!(
        op,
        Lui | Auipc | Jal | Jalr | Beq | Bne | Blt | Bge | Bltu | Bgeu | Lb | Lh | Lw | Ld | Lbu | Lhu | Lwu | Sb | Sh | Sw | Sd | Addi
            | Slti | Sltiu | Xori | Ori | Andi | Slli | Srli | Srai | Add | Sub | Sll | Slt | Sltu | Xor | Srl | Sra | Or | And
            | Addiw | Slliw | Srliw | Sraiw | Addw | Subw | Sllw | Srlw | Sraw | Fence | Mul | Mulh | Mulhsu | Mulhu | Div
            | Divu | Rem | Remu | Mulw | Divw | Divuw | Remw | Remuw
    )
}

/// The F and D instructions.
fn is_fp(op: Op) -> bool {
    use Op::*;
    matches!(
        op,
        Flw | Fsw | FmaddS | FmsubS | FnmsubS | FnmaddS | FaddS | FsubS | FmulS | FdivS | FsqrtS | FsgnjS | FsgnjnS | FsgnjxS
            | FminS | FmaxS | FcvtWS | FcvtWuS | FcvtLS | FcvtLuS | FcvtSW | FcvtSWu | FcvtSL | FcvtSLu | FmvXW | FmvWX | FeqS
            | FltS | FleS | FclassS | Fld | Fsd | FmaddD | FmsubD | FnmsubD | FnmaddD | FaddD | FsubD | FmulD | FdivD | FsqrtD
            | FsgnjD | FsgnjnD | FsgnjxD | FminD | FmaxD | FcvtSD | FcvtDS | FcvtWD | FcvtWuD | FcvtLD | FcvtLuD | FcvtDW
            | FcvtDWu | FcvtDL | FcvtDLu | FmvXD | FmvDX | FeqD | FltD | FleD | FclassD
    )
}

/// The instructions run through `step_helper` that are not FP: A, the FP CSRs
/// (fflags, frm, fcsr: they read no counter), gx.qualify.
fn helper_other(i: &Inst) -> bool {
    use Op::*;
    match i.op {
        LrW | ScW | AmoswapW | AmoaddW | AmoxorW | AmoandW | AmoorW | AmominW | AmomaxW | AmominuW | AmomaxuW | LrD | ScD | AmoswapD
        | AmoaddD | AmoxorD | AmoandD | AmoorD | AmominD | AmomaxD | AmominuD | AmomaxuD | GxQualify => true,
        Csrrw | Csrrs | Csrrc | Csrrwi | Csrrsi | Csrrci => matches!(i.imm as u32 & 0xfff, 1..=3),
        _ => false,
    }
}

/// Whether translated code runs `i`.
fn supported(i: &Inst) -> bool {
    integer(i.op) || is_fp(i.op) || helper_other(i)
}

/// How many leading instructions of `block` translated code can run.
pub(super) fn prefix(block: &Block) -> usize {
    block.insts.iter().take_while(|i| supported(i)).count()
}

/// Whether a block has instructions with large translations (FP, helpers): a region
/// does not take such blocks in beyond its entry.
pub(super) fn heavy(block: &Block) -> bool {
    block.insts.iter().any(|i| !integer(i.op))
}

/// Whether an FP instruction writes an integer register (else an FP one, or none).
fn fp_writes_x(op: Op) -> bool {
    use Op::*;
    matches!(op, FcvtWS | FcvtWuS | FcvtLS | FcvtLuS | FcvtWD | FcvtWuD | FcvtLD | FcvtLuD | FmvXW | FmvXD | FeqS | FltS | FleS | FeqD | FltD | FleD | FclassS | FclassD)
}

/// Where a block goes next.
enum Next {
    Const(u64),
    Dyn(Value),
    Cond(Value, u64, u64),
}

struct Tr<'a, 'b> {
    b: &'a mut FunctionBuilder<'b>,
    regs: [Variable; 32],
    fregs: [Variable; 32],
    /// Registers whose variable differs (may differ) from memory.
    dirty: u32,
    fdirty: u32,
    env: Value,
    x: Value,
    /// The one signature of the probe, load and store stubs (`stub_sig`).
    stub_sig: SigRef,
    step_sig: SigRef,
    tail_sig: SigRef,
    stubs: Stubs,
    /// The budget left, taken per block in a host register (written back at exits).
    budget: Variable,
    /// The region's blocks: pc and the Cranelift block of its budget check.
    heads: Vec<(u64, cranelift_codegen::ir::Block)>,
    /// The block being translated: its translated length, cycle sums and each
    /// instruction's pc and stable copy.
    len: usize,
    cum: Vec<u64>,
    pcs: Vec<u64>,
    insts: &'a [*const Inst],
    chain: *const ChainEntry,
    fma: bool,
}

/// Guest memory as translated code reads it in place: never trapping (the probe
/// checked the page), possibly misaligned.
fn guest_mem() -> MemFlagsData {
    MemFlagsData::new().with_notrap()
}

fn trusted() -> MemFlagsData {
    MemFlagsData::trusted()
}

impl Tr<'_, '_> {
    fn get(&mut self, r: u8) -> Value {
        if r == 0 { self.b.ins().iconst(I64, 0) } else { self.b.use_var(self.regs[r as usize]) }
    }

    fn set(&mut self, r: u8, v: Value) {
        if r != 0 {
            self.b.def_var(self.regs[r as usize], v);
            self.dirty |= 1 << r;
        }
    }

    fn fget(&mut self, r: u8) -> Value {
        self.b.use_var(self.fregs[r as usize])
    }

    fn fset(&mut self, r: u8, v: Value) {
        self.b.def_var(self.fregs[r as usize], v);
        self.fdirty |= 1 << r;
    }

    /// Writes the changed registers back to the hart.
    fn spill(&mut self) {
        for r in 1..32 {
            if self.dirty & (1 << r) != 0 {
                let v = self.b.use_var(self.regs[r]);
                self.b.ins().store(trusted(), v, self.x, (r * 8) as i32);
            }
        }
        for r in 0..32 {
            if self.fdirty & (1 << r) != 0 {
                let v = self.b.use_var(self.fregs[r]);
                self.b.ins().store(trusted(), v, self.x, f_off(r));
            }
        }
    }

    fn set_next_pc(&mut self, pc: Value) {
        self.b.ins().store(trusted(), pc, self.env, offset_of!(JitEnv, next_pc) as i32);
    }

    fn ret(&mut self, st: u32) {
        let v = self.b.ins().iconst(I32, st as i64);
        self.b.ins().return_(&[v]);
    }

    /// Leaves the block for `next`: writes back, then tail-calls the successor's
    /// translation if the chain table has it for this CODE space, else returns.
    fn leave(&mut self, next: Value, known: Option<u64>) {
        self.spill();
        self.flush(None);
        let entry = match known {
            Some(pc) => {
                let addr = self.chain as usize + super::chain_index(pc) * std::mem::size_of::<ChainEntry>();
                self.b.ins().iconst(I64, addr as i64)
            }
            None => {
                let i = self.b.ins().ushr_imm_s(next, 1);
                let i = self.b.ins().band_imm_s(i, (1i64 << CHAIN_BITS) - 1);
                let off = self.b.ins().imul_imm_s(i, std::mem::size_of::<ChainEntry>() as i64);
                let base = self.b.ins().iconst(I64, self.chain as usize as i64);
                self.b.ins().iadd(base, off)
            }
        };
        let epc = self.b.ins().load(I64, trusted(), entry, offset_of!(ChainEntry, pc) as i32);
        let ecode = self.b.ins().load(I64, trusted(), entry, offset_of!(ChainEntry, code) as i32);
        let code = self.b.ins().load(I64, trusted(), self.env, offset_of!(JitEnv, code) as i32);
        let same_pc = self.b.ins().icmp(IntCC::Equal, epc, next);
        let same_code = self.b.ins().icmp(IntCC::Equal, ecode, code);
        let hit = self.b.ins().band(same_pc, same_code);
        let go = self.b.create_block();
        let out = self.b.create_block();
        self.b.ins().brif(hit, go, &[], out, &[]);
        self.b.switch_to_block(go);
        self.b.seal_block(go);
        let f = self.b.ins().load(I64, trusted(), entry, offset_of!(ChainEntry, f) as i32);
        // A region enters at the head its pc names (see `compile`).
        self.set_next_pc(next);
        let (env, x) = (self.env, self.x);
        self.b.ins().return_call_indirect(self.tail_sig, f, &[env, x]);
        self.b.switch_to_block(out);
        self.b.seal_block(out);
        self.set_next_pc(next);
        self.ret(status::EXIT);
    }

    /// Writes the budget back to `env.budget` on the way out. With `Some(k)`,
    /// instruction `k` of the current block faulted: what was charged for the
    /// instructions after it (and its retirement) is taken back, as the interpreter
    /// does.
    fn flush(&mut self, fault: Option<usize>) {
        let bud = self.b.use_var(self.budget);
        let left = match fault {
            None => bud,
            Some(k) => {
                let n = self.len;
                let counters = self.counters_at(0);
                self.add_at(counters, offset_of!(Counters, instret), -((n - k) as i64));
                self.add_at(counters, offset_of!(Counters, cycles), -((self.cum[n] - self.cum[k + 1]) as i64));
                self.b.ins().iadd_imm_s(bud, (n - k - 1) as i64)
            }
        };
        self.b.ins().store(trusted(), left, self.env, offset_of!(JitEnv, budget) as i32);
    }

    /// Adds `delta` to the u64 at `base + off`.
    fn add_at(&mut self, base: Value, off: usize, delta: i64) {
        let v = self.b.ins().load(I64, trusted(), base, off as i32);
        let v = self.b.ins().iadd_imm_s(v, delta);
        self.b.ins().store(trusted(), v, base, off as i32);
    }

    /// Leaves the region for `pc` without chaining (the budget cannot cover the block
    /// there, or the code epoch moved).
    fn exit_to(&mut self, pc: u64) {
        self.spill();
        self.flush(None);
        let v = self.b.ins().iconst(I64, pc as i64);
        self.set_next_pc(v);
        self.ret(status::EXIT);
    }

    /// Exits reporting a fault at instruction `k`, its pc left in `env.next_pc`.
    fn fault_exit(&mut self, k: usize) {
        self.spill();
        self.flush(Some(k));
        let pc = self.b.ins().iconst(I64, self.pcs[k] as i64);
        self.set_next_pc(pc);
        self.ret(status::FAULT);
    }

    /// Continues if `failed` is zero, else exits reporting a fault at instruction `k`.
    fn check(&mut self, failed: Value, k: usize) {
        let fault = self.b.create_block();
        let cont = self.b.create_block();
        self.b.ins().brif(failed, fault, &[], cont, &[]);
        self.b.switch_to_block(fault);
        self.b.seal_block(fault);
        self.fault_exit(k);
        self.b.switch_to_block(cont);
        self.b.seal_block(cont);
    }

    /// The inline grant check of an access to the hart's own space: the micro-TLB,
    /// then the TLB probe (`probe`), which fills the micro-TLB on a hit. On either
    /// hit, counts the access (counter at offset `own`) and continues in a new block
    /// with the host address as the result; else goes to `slow`, which does all of
    /// that itself (as does every foreign access: those always take the checked path).
    fn check_access(&mut self, ptr: Value, n: i64, right: PageRights, own: usize, slow: cranelift_codegen::ir::Block) -> Value {
        let env = self.env;
        let which = if right == PageRights::W { 1 } else { 0 };
        let micro = offset_of!(JitEnv, micro) + which * MICRO * std::mem::size_of::<Micro>();
        let b = &mut *self.b;
        // The slot: the page number's low bits, scaled to the entry size, in two
        // operations.
        let scale = std::mem::size_of::<Micro>().trailing_zeros() as i64;
        let i = b.ins().ushr_imm_s(ptr, PAGE_SHIFT as i64 - scale);
        let i = b.ins().band_imm_s(i, (MICRO as i64 - 1) << scale);
        let slot = b.ins().iadd(env, i);
        let tag = b.ins().load(I64, trusted(), slot, (micro + offset_of!(Micro, page)) as i32);
        // The tag is a page's address (low bits zero). Keeping the access's alignment
        // bits in the compared key (as qemu's softmmu does) sends a misaligned access
        // to the probe, which checks that it stays in the page; an aligned one cannot
        // cross, so one compare covers both ends.
        let key = b.ins().band_imm_s(ptr, !(PAGE_SIZE as i64 - 1) | (n - 1));
        let d = b.ins().bxor(tag, key);
        let hit = b.create_block();
        let probe = b.create_block();
        let join = b.create_block();
        b.append_block_param(join, I64);
        b.ins().brif(d, probe, &[], hit, &[]);
        b.switch_to_block(hit);
        b.seal_block(hit);
        let base = b.ins().load(I64, trusted(), slot, (micro + offset_of!(Micro, base)) as i32);
        let host = b.ins().iadd(base, ptr);
        b.ins().jump(join, &[host.into()]);
        b.switch_to_block(probe);
        b.seal_block(probe);
        // The TLB probe is out of line (one stub per right and size, which fills the
        // micro-TLB on a hit): it runs once per page and run, and inline it was most
        // of each access's code, and of the compile time.
        let stub = self.stubs.probe[which][n.trailing_zeros() as usize];
        let f = self.b.ins().iconst(I64, stub as i64);
        self.b.ins().store(trusted(), ptr, env, ARG);
        self.b.ins().call_indirect(self.stub_sig, f, &[env]);
        let host = self.b.ins().load(I64, trusted(), env, offset_of!(JitEnv, ret) as i32);
        let found = self.b.create_block();
        self.b.ins().brif(host, found, &[], slow, &[]);
        self.b.switch_to_block(found);
        self.b.seal_block(found);
        self.b.ins().jump(join, &[host.into()]);
        self.b.switch_to_block(join);
        self.b.seal_block(join);
        let counters = self.counters_at(own);
        let c = self.b.ins().load(I64, trusted(), counters, 0);
        let c = self.b.ins().iadd_imm_s(c, 1);
        self.b.ins().store(trusted(), c, counters, 0);
        self.b.block_params(join)[0]
    }

    /// The address of the hart's counter at offset `off` in `Counters` (the counters
    /// and the registers are both in the hart: one base serves both).
    fn counters_at(&mut self, off: usize) -> Value {
        let d = offset_of!(Hart, counters) as i64 - (offset_of!(Hart, ctx) + offset_of!(Context, x)) as i64 + off as i64;
        self.b.ins().iadd_imm_s(self.x, d)
    }
}

/// The TLB probe (see `stubs`), as `Tlb::lookup` does it with principal and target
/// both the hart's DATA: if the entry for `page` (of `ptr`) allows `right` and the
/// `n` bytes at `ptr` stay in the page, continues in a new block with the host
/// address as the result, else goes to `slow`. The four conditions are one OR of
/// differences, so the hit path is one branch.
fn probe(b: &mut FunctionBuilder, env: Value, ptr: Value, page: Value, n: i64, right: PageRights, slow: cranelift_codegen::ir::Block) -> Value {
    {
        use crate::tlb::probe::*;
        let tlb = b.ins().load(I64, trusted(), env, offset_of!(JitEnv, tlb) as i32);
        let hmix = b.ins().load(I64, trusted(), env, offset_of!(JitEnv, own_mix) as i32);
        let h = b.ins().bxor(page, hmix);
        let idx = b.ins().band_imm_s(h, INDEX_MASK);
        let eoff = b.ins().imul_imm_s(idx, ENTRY_SIZE);
        let e = b.ins().iadd(tlb, eoff);
        let key = b.ins().load(I64, trusted(), e, KEY);
        let keyhi = b.ins().load(I64, trusted(), env, offset_of!(JitEnv, own_key) as i32);
        let want = b.ins().bor(page, keyhi);
        let d_key = b.ins().bxor(key, want);
        // The principal (16 bits) and the rights byte after it, read as one word; the
        // byte past them is padding and masked off.
        const _: () = assert!(PRINCIPAL + 2 == RIGHTS);
        let pr = b.ins().uload32(trusted(), e, PRINCIPAL);
        let pr = b.ins().band_imm_s(pr, 0xffff | (right.0 as i64) << 16);
        let want_pr = if right == PageRights::W { offset_of!(JitEnv, own_w) } else { offset_of!(JitEnv, own_r) };
        let want_pr = b.ins().load(I64, trusted(), env, want_pr as i32);
        let d_pr = b.ins().bxor(pr, want_pr);
        let sid = b.ins().ushr_imm_s(ptr, OFFSET_BITS as i64);
        let bad = b.ins().bor(d_key, d_pr);
        let mut bad = b.ins().bor(bad, sid);
        if n > 1 {
            let in_page = b.ins().band_imm_s(ptr, PAGE_SIZE as i64 - 1);
            let last = b.ins().iadd_imm_s(in_page, n - 1);
            let over = b.ins().ushr_imm_s(last, PAGE_SHIFT as i64);
            bad = b.ins().bor(bad, over);
        }
        let fast = b.create_block();
        b.ins().brif(bad, slow, &[], fast, &[]);
        b.switch_to_block(fast);
        b.seal_block(fast);
        let frame = b.ins().load(I64, trusted(), e, PTR);
        let in_page = b.ins().band_imm_s(ptr, PAGE_SIZE as i64 - 1);
        b.ins().iadd(frame, in_page)
    }
}

impl Tr<'_, '_> {
    fn bool64(&mut self, c: Value) -> Value {
        self.b.ins().uextend(I64, c)
    }

    fn w(&mut self, v: Value) -> Value {
        self.b.ins().ireduce(I32, v)
    }

    fn sext(&mut self, v32: Value) -> Value {
        self.b.ins().sextend(I64, v32)
    }

    /// A guest load of width `w` at `ptr` (instruction `k`): the inline probe, the
    /// checked helper on a miss. Returns the value, extended as `w` says.
    fn load(&mut self, k: usize, ptr: Value, w: u32) -> Value {
        let n = [1, 2, 4, 8, 1, 2, 4][w as usize];
        let slow = self.b.create_block();
        let join = self.b.create_block();
        self.b.append_block_param(join, I64);
        let host = self.check_access(ptr, n, PageRights::R, offset_of!(Counters, loads_own), slow);
        let mem = guest_mem();
        let fast_v = match w {
            width::B => self.b.ins().sload8(I64, mem, host, 0),
            width::H => self.b.ins().sload16(I64, mem, host, 0),
            width::W => self.b.ins().sload32(mem, host, 0),
            width::D => self.b.ins().load(I64, mem, host, 0),
            width::BU => self.b.ins().uload8(I64, mem, host, 0),
            width::HU => self.b.ins().uload16(I64, mem, host, 0),
            _ => self.b.ins().uload32(mem, host, 0),
        };
        self.b.ins().jump(join, &[fast_v.into()]);
        self.b.switch_to_block(slow);
        self.b.seal_block(slow);
        let f = self.b.ins().iconst(I64, self.stubs.load as i64);
        let wv = self.b.ins().iconst(I64, w as i64);
        self.b.ins().store(trusted(), ptr, self.env, ARG);
        self.b.ins().store(trusted(), wv, self.env, ARG + 8);
        self.b.ins().call_indirect(self.stub_sig, f, &[self.env]);
        let value = self.b.ins().load(I64, trusted(), self.env, offset_of!(JitEnv, ret) as i32);
        let failed = self.b.ins().load(I64, trusted(), self.env, offset_of!(JitEnv, ret) as i32 + 8);
        self.check(failed, k);
        self.b.ins().jump(join, &[value.into()]);
        self.b.switch_to_block(join);
        self.b.seal_block(join);
        self.b.block_params(join)[0]
    }

    /// A guest store of the low `1 << log2` bytes of `v` at `ptr` (instruction `k`).
    fn store(&mut self, k: usize, ptr: Value, v: Value, log2: u32) {
        let slow = self.b.create_block();
        let join = self.b.create_block();
        let host = self.check_access(ptr, 1 << log2, PageRights::W, offset_of!(Counters, stores_own), slow);
        let mem = guest_mem();
        match log2 {
            0 => self.b.ins().istore8(mem, v, host, 0),
            1 => self.b.ins().istore16(mem, v, host, 0),
            2 => self.b.ins().istore32(mem, v, host, 0),
            _ => self.b.ins().store(mem, v, host, 0),
        };
        self.b.ins().jump(join, &[]);
        self.b.switch_to_block(slow);
        self.b.seal_block(slow);
        let f = self.b.ins().iconst(I64, self.stubs.store as i64);
        let lv = self.b.ins().iconst(I64, log2 as i64);
        self.b.ins().store(trusted(), ptr, self.env, ARG);
        self.b.ins().store(trusted(), v, self.env, ARG + 8);
        self.b.ins().store(trusted(), lv, self.env, ARG + 16);
        self.b.ins().call_indirect(self.stub_sig, f, &[self.env]);
        let failed = self.b.ins().load(I64, trusted(), self.env, offset_of!(JitEnv, ret) as i32 + 8);
        self.check(failed, k);
        self.b.ins().jump(join, &[]);
        self.b.switch_to_block(join);
        self.b.seal_block(join);
    }

    /// Runs instruction `k` through `step_helper` on the registers in memory and
    /// returns the register it wrote (reloaded), if any; the caller defines it.
    fn call_step(&mut self, k: usize, i: Inst) -> Option<Value> {
        self.spill();
        let f = self.b.ins().iconst(I64, step_helper as *const () as usize as i64);
        let ip = self.b.ins().iconst(I64, self.insts[k] as usize as i64);
        let pc = self.b.ins().iconst(I64, self.pcs[k] as i64);
        let call = self.b.ins().call_indirect(self.step_sig, f, &[self.env, ip, pc]);
        let failed = self.b.inst_results(call)[0];
        self.check(failed, k);
        if is_fp(i.op) && !fp_writes_x(i.op) {
            Some(self.b.ins().load(I64, trusted(), self.x, f_off(i.rd as usize)))
        } else if i.rd != 0 {
            Some(self.b.ins().load(I64, trusted(), self.x, (i.rd as usize * 8) as i32))
        } else {
            None
        }
    }

    /// Defines `rd` of `i` (x or f as the instruction writes) as `v`.
    fn def_rd(&mut self, i: Inst, v: Value) {
        if is_fp(i.op) && !fp_writes_x(i.op) {
            self.fset(i.rd, v);
        } else {
            self.set(i.rd, v);
        }
    }

    /// `i` through the helper alone.
    fn helper_only(&mut self, k: usize, i: Inst) -> Option<Next> {
        let v = self.call_step(k, i);
        // Memory now holds every register: nothing differs until the next write.
        (self.dirty, self.fdirty) = (0, 0);
        if let Some(v) = v {
            self.def_rd(i, v);
        }
        None
    }

    /// A fast path `fast` (which returns its condition and value) guarded by `ok`-ness,
    /// with the helper behind it.
    fn guarded(&mut self, k: usize, i: Inst, ok: Value, fast: impl FnOnce(&mut Self) -> (Value, Value)) -> Option<Next> {
        let fastb = self.b.create_block();
        let slow = self.b.create_block();
        let join = self.b.create_block();
        self.b.append_block_param(join, I64);
        self.b.ins().brif(ok, fastb, &[], slow, &[]);
        self.b.switch_to_block(fastb);
        self.b.seal_block(fastb);
        let (ok2, v) = fast(self);
        let done = self.b.create_block();
        self.b.ins().brif(ok2, done, &[], slow, &[]);
        self.b.switch_to_block(done);
        self.b.seal_block(done);
        self.b.ins().jump(join, &[v.into()]);
        self.b.switch_to_block(slow);
        self.b.seal_block(slow);
        let dirty = (self.dirty, self.fdirty);
        let r = self.call_step(k, i).expect("guarded instructions write a register");
        // The spill happened on this path only: the other may still differ from memory.
        (self.dirty, self.fdirty) = dirty;
        self.b.ins().jump(join, &[r.into()]);
        self.b.switch_to_block(join);
        self.b.seal_block(join);
        let v = self.b.block_params(join)[0];
        self.def_rd(i, v);
        None
    }

    /// fcsr, read from the hart each time (helpers and CSR writes change it).
    fn fcsr(&mut self) -> Value {
        self.b.ins().uload32(trusted(), self.x, fcsr_off())
    }

    /// Whether the fast FP path may run for rounding field `rm`: the effective mode
    /// is RNE and NX is already set. `None` if it never can (a static mode not RNE).
    fn rne_nx(&mut self, rm: u8) -> Option<Value> {
        let mask = match rm {
            7 => 0xe1,
            0 => 0x01,
            _ => return None,
        };
        let f = self.fcsr();
        let m = self.b.ins().band_imm_s(f, mask);
        Some(self.b.ins().icmp_imm_s(IntCC::Equal, m, 1))
    }

    /// Whether the rounding field `rm` is valid (the interpreter faults otherwise,
    /// even for exact operations). `None` if it never is.
    fn rm_valid(&mut self, rm: u8) -> Option<Value> {
        match rm {
            0..=4 => Some(self.b.ins().iconst(I8, 1)),
            7 => {
                let f = self.fcsr();
                let frm = self.b.ins().ushr_imm_s(f, 5);
                let frm = self.b.ins().band_imm_s(frm, 7);
                Some(self.b.ins().icmp_imm_s(IntCC::UnsignedLessThan, frm, 5))
            }
            _ => None,
        }
    }

    /// For a double's bits: normal or zero.
    fn d_in_ok(&mut self, v: Value) -> Value {
        let sh = self.b.ins().ishl_imm_s(v, 1);
        let e = self.b.ins().ushr_imm_s(sh, 53);
        let e1 = self.b.ins().iadd_imm_s(e, -1);
        let normal = self.b.ins().icmp_imm_s(IntCC::UnsignedLessThan, e1, 0x7fe);
        let zero = self.b.ins().icmp_imm_s(IntCC::Equal, sh, 0);
        self.b.ins().bor(normal, zero)
    }

    /// For a double's bits: normal and above the lowest binade.
    fn d_out_ok(&mut self, v: Value) -> Value {
        let sh = self.b.ins().ishl_imm_s(v, 1);
        let e = self.b.ins().ushr_imm_s(sh, 53);
        let e2 = self.b.ins().iadd_imm_s(e, -2);
        self.b.ins().icmp_imm_s(IntCC::UnsignedLessThan, e2, 0x7fd)
    }

    /// For a single's bits (in the low 32 bits of an i64): normal or zero.
    fn s_in_ok(&mut self, v: Value) -> Value {
        let e = self.b.ins().ushr_imm_s(v, 23);
        let e = self.b.ins().band_imm_s(e, 0xff);
        let e1 = self.b.ins().iadd_imm_s(e, -1);
        let normal = self.b.ins().icmp_imm_s(IntCC::UnsignedLessThan, e1, 0xfe);
        let mag = self.b.ins().band_imm_s(v, 0x7fff_ffff);
        let zero = self.b.ins().icmp_imm_s(IntCC::Equal, mag, 0);
        self.b.ins().bor(normal, zero)
    }

    fn s_out_ok(&mut self, v: Value) -> Value {
        let e = self.b.ins().ushr_imm_s(v, 23);
        let e = self.b.ins().band_imm_s(e, 0xff);
        let e2 = self.b.ins().iadd_imm_s(e, -2);
        self.b.ins().icmp_imm_s(IntCC::UnsignedLessThan, e2, 0xfd)
    }

    /// A single read from an FP register: its low word if NaN-boxed, else the
    /// canonical NaN (as `u64` with the upper half zero).
    fn unbox(&mut self, v: Value) -> Value {
        let hi = self.b.ins().ushr_imm_s(v, 32);
        let boxed = self.b.ins().icmp_imm_s(IntCC::Equal, hi, 0xffff_ffff);
        let lo = self.b.ins().band_imm_s(v, 0xffff_ffff);
        let qnan = self.b.ins().iconst(I64, 0x7fc0_0000);
        self.b.ins().select(boxed, lo, qnan)
    }

    fn boxed(&mut self, v: Value) -> Value {
        let lo = self.b.ins().band_imm_s(v, 0xffff_ffff);
        self.b.ins().bor_imm_s(lo, 0xffff_ffff_0000_0000u64 as i64)
    }

    fn to_f64(&mut self, v: Value) -> Value {
        self.b.ins().bitcast(F64, MemFlagsData::new(), v)
    }

    fn from_f64(&mut self, v: Value) -> Value {
        self.b.ins().bitcast(I64, MemFlagsData::new(), v)
    }

    fn to_f32(&mut self, v: Value) -> Value {
        let w = self.b.ins().ireduce(I32, v);
        self.b.ins().bitcast(F32, MemFlagsData::new(), w)
    }

    fn from_f32(&mut self, v: Value) -> Value {
        let w = self.b.ins().bitcast(I32, MemFlagsData::new(), v);
        self.b.ins().uextend(I64, w)
    }

    /// FP instructions, and the others `step_helper` runs.
    fn fp_or_helper(&mut self, k: usize, i: Inst, _pc: u64) -> Option<Next> {
        use Op::*;
        let imm = i.imm as i64;
        match i.op {
            Fld | Flw => {
                let a = self.get(i.rs1);
                let ptr = self.b.ins().iadd_imm_s(a, imm);
                let v = if i.op == Fld { self.load(k, ptr, width::D) } else {
                    let v = self.load(k, ptr, width::WU);
                    self.boxed(v)
                };
                self.fset(i.rd, v);
                None
            }
            Fsd | Fsw => {
                let a = self.get(i.rs1);
                let ptr = self.b.ins().iadd_imm_s(a, imm);
                let v = self.fget(i.rs2);
                self.store(k, ptr, v, if i.op == Fsd { 3 } else { 2 });
                None
            }
            FmvXD => {
                let v = self.fget(i.rs1);
                self.set(i.rd, v);
                None
            }
            FmvDX => {
                let v = self.get(i.rs1);
                self.fset(i.rd, v);
                None
            }
            FmvXW => {
                let v = self.fget(i.rs1);
                let w = self.w(v);
                let v = self.sext(w);
                self.set(i.rd, v);
                None
            }
            FmvWX => {
                let v = self.get(i.rs1);
                let v = self.boxed(v);
                self.fset(i.rd, v);
                None
            }
            FsgnjD | FsgnjnD | FsgnjxD => {
                let (a, b) = (self.fget(i.rs1), self.fget(i.rs2));
                let sign = 1i64 << 63;
                let v = match i.op {
                    FsgnjD | FsgnjnD => {
                        let mag = self.b.ins().band_imm_s(a, !sign);
                        let b = if i.op == FsgnjnD { self.b.ins().bnot(b) } else { b };
                        let s = self.b.ins().band_imm_s(b, sign);
                        self.b.ins().bor(mag, s)
                    }
                    _ => {
                        let s = self.b.ins().band_imm_s(b, sign);
                        self.b.ins().bxor(a, s)
                    }
                };
                self.fset(i.rd, v);
                None
            }
            FsgnjS | FsgnjnS | FsgnjxS => {
                let (a, b) = (self.fget(i.rs1), self.fget(i.rs2));
                let (a, b) = (self.unbox(a), self.unbox(b));
                let sign = 0x8000_0000i64;
                let v = match i.op {
                    FsgnjS | FsgnjnS => {
                        let mag = self.b.ins().band_imm_s(a, 0x7fff_ffff);
                        let b = if i.op == FsgnjnS { self.b.ins().bnot(b) } else { b };
                        let s = self.b.ins().band_imm_s(b, sign);
                        self.b.ins().bor(mag, s)
                    }
                    _ => {
                        let s = self.b.ins().band_imm_s(b, sign);
                        self.b.ins().bxor(a, s)
                    }
                };
                let v = self.boxed(v);
                self.fset(i.rd, v);
                None
            }
            FaddD | FsubD | FmulD | FdivD | FsqrtD | FmaddD | FmsubD | FnmsubD | FnmaddD => {
                let fused = matches!(i.op, FmaddD | FmsubD | FnmsubD | FnmaddD);
                let Some(g) = self.rne_nx(i.rm) else {
                    return self.helper_only(k, i);
                };
                if fused && !self.fma {
                    return self.helper_only(k, i);
                }
                let a = self.fget(i.rs1);
                let b = if i.op == FsqrtD { a } else { self.fget(i.rs2) };
                let c = if fused { self.fget(i.rs3) } else { a };
                let ia = self.d_in_ok(a);
                let ib = self.d_in_ok(b);
                let ic = self.d_in_ok(c);
                let ok = self.b.ins().band(g, ia);
                let ok = self.b.ins().band(ok, ib);
                let ok = self.b.ins().band(ok, ic);
                self.guarded(k, i, ok, |t| {
                    let (fa, fb, fc) = (t.to_f64(a), t.to_f64(b), t.to_f64(c));
                    let r = match i.op {
                        FaddD => t.b.ins().fadd(fa, fb),
                        FsubD => t.b.ins().fsub(fa, fb),
                        FmulD => t.b.ins().fmul(fa, fb),
                        FdivD => t.b.ins().fdiv(fa, fb),
                        FsqrtD => t.b.ins().sqrt(fa),
                        _ => {
                            // Negating an input is exact: the four fused forms are one fma.
                            let na = if matches!(i.op, FnmsubD | FnmaddD) { t.b.ins().fneg(fa) } else { fa };
                            let nc = if matches!(i.op, FmsubD | FnmaddD) { t.b.ins().fneg(fc) } else { fc };
                            t.b.ins().fma(na, fb, nc)
                        }
                    };
                    let r = t.from_f64(r);
                    (t.d_out_ok(r), r)
                })
            }
            FaddS | FsubS | FmulS | FdivS | FsqrtS | FmaddS | FmsubS | FnmsubS | FnmaddS => {
                let fused = matches!(i.op, FmaddS | FmsubS | FnmsubS | FnmaddS);
                let Some(g) = self.rne_nx(i.rm) else {
                    return self.helper_only(k, i);
                };
                if fused && !self.fma {
                    return self.helper_only(k, i);
                }
                let a = self.fget(i.rs1);
                let b = if i.op == FsqrtS { a } else { self.fget(i.rs2) };
                let c = if fused { self.fget(i.rs3) } else { a };
                let (a, b, c) = (self.unbox(a), self.unbox(b), self.unbox(c));
                let ia = self.s_in_ok(a);
                let ib = self.s_in_ok(b);
                let ic = self.s_in_ok(c);
                let ok = self.b.ins().band(g, ia);
                let ok = self.b.ins().band(ok, ib);
                let ok = self.b.ins().band(ok, ic);
                self.guarded(k, i, ok, |t| {
                    let (fa, fb, fc) = (t.to_f32(a), t.to_f32(b), t.to_f32(c));
                    let r = match i.op {
                        FaddS => t.b.ins().fadd(fa, fb),
                        FsubS => t.b.ins().fsub(fa, fb),
                        FmulS => t.b.ins().fmul(fa, fb),
                        FdivS => t.b.ins().fdiv(fa, fb),
                        FsqrtS => t.b.ins().sqrt(fa),
                        _ => {
                            let na = if matches!(i.op, FnmsubS | FnmaddS) { t.b.ins().fneg(fa) } else { fa };
                            let nc = if matches!(i.op, FmsubS | FnmaddS) { t.b.ins().fneg(fc) } else { fc };
                            t.b.ins().fma(na, fb, nc)
                        }
                    };
                    let r = t.from_f32(r);
                    let ok = t.s_out_ok(r);
                    (ok, t.boxed(r))
                })
            }
            FeqD | FltD | FleD | FeqS | FltS | FleS => {
                // Ordered operands: the host's comparison, and no flag can arise.
                let single = matches!(i.op, FeqS | FltS | FleS);
                let (a, b) = (self.fget(i.rs1), self.fget(i.rs2));
                let (fa, fb) = if single {
                    let (a, b) = (self.unbox(a), self.unbox(b));
                    (self.to_f32(a), self.to_f32(b))
                } else {
                    (self.to_f64(a), self.to_f64(b))
                };
                let ok = self.b.ins().fcmp(FloatCC::Ordered, fa, fb);
                let cc = match i.op {
                    FeqD | FeqS => FloatCC::Equal,
                    FltD | FltS => FloatCC::LessThan,
                    _ => FloatCC::LessThanOrEqual,
                };
                self.guarded(k, i, ok, |t| {
                    let c = t.b.ins().fcmp(cc, fa, fb);
                    let one = t.b.ins().iconst(I8, 1);
                    (one, t.bool64(c))
                })
            }
            FcvtDW | FcvtDWu => {
                // Always exact; only the rounding field's validity matters.
                let Some(ok) = self.rm_valid(i.rm) else {
                    return self.helper_only(k, i);
                };
                let a = self.get(i.rs1);
                self.guarded(k, i, ok, |t| {
                    let w = t.w(a);
                    let f = if i.op == FcvtDW { t.b.ins().fcvt_from_sint(F64, w) } else { t.b.ins().fcvt_from_uint(F64, w) };
                    let one = t.b.ins().iconst(I8, 1);
                    (one, t.from_f64(f))
                })
            }
            FcvtDS => {
                // Widening is exact for every non-NaN single.
                let a = self.fget(i.rs1);
                let a = self.unbox(a);
                let fa = self.to_f32(a);
                let ok = self.b.ins().fcmp(FloatCC::Ordered, fa, fa);
                self.guarded(k, i, ok, |t| {
                    let d = t.b.ins().fpromote(F64, fa);
                    let one = t.b.ins().iconst(I8, 1);
                    (one, t.from_f64(d))
                })
            }
            FcvtWD | FcvtLD if i.rm == 1 => {
                // Round toward zero into range with NX already set: the host's
                // truncation, and inexactness (the only flag possible) changes nothing.
                let f = self.fcsr();
                let nx = self.b.ins().band_imm_s(f, 1);
                let a = self.fget(i.rs1);
                let fa = self.to_f64(a);
                let (lo, hi) = if i.op == FcvtWD { (-2147483649.0f64, 2147483648.0f64) } else { (-9223372036854777856.0f64, 9223372036854775808.0f64) };
                let lo = self.b.ins().f64const(lo);
                let hi = self.b.ins().f64const(hi);
                let above = self.b.ins().fcmp(FloatCC::GreaterThan, fa, lo);
                let below = self.b.ins().fcmp(FloatCC::LessThan, fa, hi);
                let inr = self.b.ins().band(above, below);
                let nxb = self.b.ins().icmp_imm_s(IntCC::NotEqual, nx, 0);
                let ok = self.b.ins().band(inr, nxb);
                self.guarded(k, i, ok, |t| {
                    let v = if i.op == FcvtWD {
                        let w = t.b.ins().fcvt_to_sint_sat(I32, fa);
                        t.sext(w)
                    } else {
                        t.b.ins().fcvt_to_sint_sat(I64, fa)
                    };
                    let one = t.b.ins().iconst(I8, 1);
                    (one, v)
                })
            }
            _ => self.helper_only(k, i),
        }
    }

    /// Translates instruction `k` at `pc`; returns the next pc if it ends the block.
    fn inst(&mut self, k: usize, i: Inst, pc: u64) -> Option<Next> {
        use Op::*;
        let imm = i.imm as i64;
        let next = pc.wrapping_add(i.len as u64);
        if !integer(i.op) {
            return self.fp_or_helper(k, i, pc);
        }
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
                return Some(Next::Const(pc.wrapping_add(imm as u64)));
            }
            Jalr => {
                let t = self.b.ins().iadd_imm_s(a, imm);
                let t = self.b.ins().band_imm_s(t, !1);
                let link = self.b.ins().iconst(I64, next as i64);
                self.set(i.rd, link);
                return Some(Next::Dyn(t));
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
                return Some(Next::Cond(c, pc.wrapping_add(imm as u64), next));
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
                self.load(k, ptr, w)
            }
            Sb | Sh | Sw | Sd => {
                let log2 = match i.op {
                    Sb => 0,
                    Sh => 1,
                    Sw => 2,
                    _ => 3,
                };
                let ptr = self.b.ins().iadd_imm_s(a, imm);
                self.store(k, ptr, bv, log2);
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
            _ => return self.fp_or_helper(k, i, pc),
        };
        self.set(i.rd, v);
        None
    }
}

/// The signature of a translation: `(env, x) -> status`, in the tail-call convention
/// so chaining is a jump.
fn block_sig() -> Signature {
    let mut sig = Signature::new(CallConv::Tail);
    sig.params.push(AbiParam::new(I64));
    sig.params.push(AbiParam::new(I64));
    sig.returns.push(AbiParam::new(I32));
    sig
}

/// The addresses of the load and store stubs of a module.
#[derive(Clone, Copy, Default)]
pub(super) struct Stubs {
    pub load: usize,
    pub store: usize,
    /// `probe[w][log2 n]`: the TLB probe for reads (0) or writes (1) of n bytes.
    pub probe: [[usize; 4]; 2],
}

/// Where translated code puts a stub's arguments (`JitEnv::arg`).
const ARG: i32 = offset_of!(JitEnv, arg) as i32;

/// The stubs' signature, `stub(env)`, its arguments in `JitEnv::arg` (probe: ptr;
/// load: ptr, width; store: ptr, value, log2), in Cranelift's preserve-all
/// convention: a call clobbers no register, and it pins none but `env`'s, which
/// stays put anyway, so the translated code around a TLB miss keeps its values (the
/// hart's registers, the register base) in host registers instead of moving them
/// out of argument registers on every path for the sake of the rare call. Results
/// come back through `JitEnv::ret`.
fn stub_sig() -> Signature {
    let mut sig = Signature::new(CallConv::PreserveAll);
    sig.params.push(AbiParam::new(I64));
    sig
}

/// Compiles the stubs: each saves what the host convention lets `load_helper` or
/// `store_helper` clobber, calls it, and stores its result in `env.ret`.
pub(super) fn stubs(module: &mut JITModule, ctx: &mut cranelift_codegen::Context, fctx: &mut FunctionBuilderContext) -> Result<Stubs, String> {
    let call_conv = module.isa().default_call_conv();
    let fcfg = module.target_config();
    let mut helper_load = Signature::new(call_conv);
    helper_load.params.extend([AbiParam::new(I64), AbiParam::new(I64), AbiParam::new(I32)]);
    helper_load.returns.extend([AbiParam::new(I64), AbiParam::new(I64)]);
    let mut helper_store = Signature::new(call_conv);
    helper_store.params.extend([AbiParam::new(I64), AbiParam::new(I64), AbiParam::new(I64), AbiParam::new(I32)]);
    helper_store.returns.push(AbiParam::new(I64));
    let mut out = [0usize; 2];
    for (k, (sig, helper, addr)) in [
        (stub_sig(), helper_load, load_helper as *const () as usize),
        (stub_sig(), helper_store, store_helper as *const () as usize),
    ]
    .into_iter()
    .enumerate()
    {
        module.clear_context(ctx);
        ctx.func.signature = sig.clone();
        let mut b = FunctionBuilder::new(&mut ctx.func, fctx);
        let hs = b.import_signature(helper);
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        b.seal_block(entry);
        let env = b.block_params(entry)[0];
        // The helper's own arguments: env, ptr, then (load) the width or (store) the
        // value and log2, the narrow ones as the helper's I32.
        let mut args = vec![env];
        for (i, ty) in [I64, if k == 0 { I32 } else { I64 }, I32].into_iter().take(2 + k).enumerate() {
            let v = b.ins().load(I64, trusted(), env, ARG + 8 * i as i32);
            args.push(if ty == I32 { b.ins().ireduce(I32, v) } else { v });
        }
        let f = b.ins().iconst(I64, addr as i64);
        let call = b.ins().call_indirect(hs, f, &args);
        let r = b.inst_results(call).to_vec();
        let ret = offset_of!(JitEnv, ret) as i32;
        if k == 0 {
            b.ins().store(trusted(), r[0], env, ret);
            b.ins().store(trusted(), r[1], env, ret + 8);
        } else {
            b.ins().store(trusted(), r[0], env, ret + 8);
        }
        b.ins().return_(&[]);
        b.finalize(fcfg);
        out[k] = define(module, ctx, &sig)? as usize;
    }
    let mut probes = [[0usize; 4]; 2];
    for (which, right) in [PageRights::R, PageRights::W].into_iter().enumerate() {
        for log2 in 0..4 {
            probes[which][log2] = probe_stub(module, ctx, fctx, right, 1 << log2)?;
        }
    }
    Ok(Stubs { load: out[0], store: out[1], probe: probes })
}

/// A probe stub, `probe(env, ptr)`: the TLB probe for an own-space access of `n`
/// bytes with `right`; on a hit it fills the micro-TLB slot of the page and leaves
/// the host address in `env.ret[0]`, else 0 there (no host address is 0).
fn probe_stub(module: &mut JITModule, ctx: &mut cranelift_codegen::Context, fctx: &mut FunctionBuilderContext, right: PageRights, n: i64) -> Result<usize, String> {
    let fcfg = module.target_config();
    let sig = stub_sig();
    module.clear_context(ctx);
    ctx.func.signature = sig.clone();
    let mut b = FunctionBuilder::new(&mut ctx.func, fctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let env = b.block_params(entry)[0];
    let ptr = b.ins().load(I64, trusted(), env, ARG);
    let miss = b.create_block();
    let ret = offset_of!(JitEnv, ret) as i32;
    let page = b.ins().ushr_imm_s(ptr, PAGE_SHIFT as i64);
    let host = probe(&mut b, env, ptr, page, n, right, miss);
    // Remember the page: base = host - ptr, so that host = base + ptr.
    let which = if right == PageRights::W { 1 } else { 0 };
    let micro = offset_of!(JitEnv, micro) + which * MICRO * std::mem::size_of::<Micro>();
    let scale = std::mem::size_of::<Micro>().trailing_zeros() as i64;
    let i = b.ins().ushr_imm_s(ptr, PAGE_SHIFT as i64 - scale);
    let i = b.ins().band_imm_s(i, (MICRO as i64 - 1) << scale);
    let slot = b.ins().iadd(env, i);
    let base = b.ins().isub(host, ptr);
    let tag = b.ins().band_imm_s(ptr, !(PAGE_SIZE as i64 - 1));
    b.ins().store(trusted(), tag, slot, (micro + offset_of!(Micro, page)) as i32);
    b.ins().store(trusted(), base, slot, (micro + offset_of!(Micro, base)) as i32);
    b.ins().store(trusted(), host, env, ret);
    b.ins().return_(&[]);
    b.switch_to_block(miss);
    b.seal_block(miss);
    let zero = b.ins().iconst(I64, 0);
    b.ins().store(trusted(), zero, env, ret);
    b.ins().return_(&[]);
    b.finalize(fcfg);
    Ok(define(module, ctx, &sig)? as usize)
}

/// Defines the function built in `ctx` (signature `sig`) in `module`, finalizes it
/// and returns its entry.
fn define(module: &mut JITModule, ctx: &mut cranelift_codegen::Context, sig: &Signature) -> Result<*const u8, String> {
    let id = module.declare_anonymous_function(sig).map_err(|e| e.to_string())?;
    module.define_function(id, ctx).map_err(|e| format!("{e:?}"))?;
    module.clear_context(ctx);
    module.finalize_definitions().map_err(|e| e.to_string())?;
    Ok(module.get_finalized_function(id))
}

/// Compiles the trampoline `t(env, x, f) -> status` (host calling convention) that
/// enters translation `f`.
pub(super) fn trampoline(module: &mut JITModule, ctx: &mut cranelift_codegen::Context, fctx: &mut FunctionBuilderContext) -> Result<*const u8, String> {
    let call_conv = module.isa().default_call_conv();
    let fcfg = module.target_config();
    module.clear_context(ctx);
    let mut sig = Signature::new(call_conv);
    sig.params.extend([AbiParam::new(I64), AbiParam::new(I64), AbiParam::new(I64)]);
    sig.returns.push(AbiParam::new(I32));
    ctx.func.signature = sig.clone();
    let mut b = FunctionBuilder::new(&mut ctx.func, fctx);
    let tail = b.import_signature(block_sig());
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let p = b.block_params(entry).to_vec();
    let call = b.ins().call_indirect(tail, p[2], &[p[0], p[1]]);
    let r = b.inst_results(call)[0];
    b.ins().return_(&[r]);
    b.finalize(fcfg);
    define(module, ctx, &sig)
}

/// One block of a region, as the compiler sees it (a copy of the decoded block, so it
/// can be compiled on another thread): its pc, the instructions translated (all of
/// the block's but possibly in the first block, which is then the only one), its
/// cycle sums (`cum[k]`: the first `k` instructions), and the addresses of stable
/// copies of those instructions for `step_helper`.
pub(super) struct Part<'a> {
    pub pc: u64,
    pub len: usize,
    pub code: &'a [Inst],
    pub cum: &'a [u64],
    pub insts: Vec<*const Inst>,
}

/// The pcs a whole block can go to next without computing them (branch targets, jal,
/// the fallthrough of a block cut at a length or page limit); empty after jalr.
pub(super) fn successors(block: &Block) -> Vec<u64> {
    let Some(last) = block.insts.last() else {
        return Vec::new();
    };
    let at = block.pc_of(block.len() - 1);
    let end = at.wrapping_add(last.len as u64);
    let target = at.wrapping_add(last.imm as i64 as u64);
    match last.op {
        Op::Jal => vec![target],
        Op::Beq | Op::Bne | Op::Blt | Op::Bge | Op::Bltu | Op::Bgeu => vec![target, end],
        Op::Jalr => Vec::new(),
        _ => vec![end],
    }
}

/// Compiles a region: `parts[0]` is its entry, the others whole blocks of the same
/// CODE space it reaches by known edges. Each block keeps the interpreter's
/// per-block budget check (so a quantum ends where it would there); an edge to a block
/// of the region is a jump (loops iterate with the guest registers in host
/// registers); any other exit writes back and chains. Returns the entry point and the
/// size of the host code. `chain` is the chain table.
pub(super) fn compile(
    module: &mut JITModule,
    ctx: &mut cranelift_codegen::Context,
    fctx: &mut FunctionBuilderContext,
    parts: &[Part],
    chain: *const ChainEntry,
    stubs: Stubs,
) -> Result<(BlockFn, usize), String> {
    let ptr = I64;
    let call_conv = module.isa().default_call_conv();
    let fma = module.isa().has_native_fma();
    let fcfg = module.target_config();
    module.clear_context(ctx);
    let sig = block_sig();
    ctx.func.signature = sig.clone();

    let mut step_sig = Signature::new(call_conv);
    step_sig.params.extend([AbiParam::new(ptr), AbiParam::new(ptr), AbiParam::new(I64)]);
    step_sig.returns.push(AbiParam::new(I64));

    let mut b = FunctionBuilder::new(&mut ctx.func, fctx);
    let stub_sig = b.import_signature(stub_sig());
    let step_sig = b.import_signature(step_sig);
    let tail_sig = b.import_signature(sig.clone());
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let env = b.block_params(entry)[0];
    let x = b.block_params(entry)[1];

    let regs: [Variable; 32] = std::array::from_fn(|_| b.declare_var(I64));
    let fregs: [Variable; 32] = std::array::from_fn(|_| b.declare_var(I64));
    let field = |b: &mut FunctionBuilder, off: usize| b.ins().load(I64, trusted(), env, off as i32);
    let budget = b.declare_var(I64);
    let start = field(&mut b, offset_of!(JitEnv, budget));
    b.def_var(budget, start);
    let heads: Vec<_> = parts.iter().map(|p| (p.pc, b.create_block())).collect();
    if heads.len() == 1 {
        b.ins().jump(heads[0].1, &[]);
    } else {
        // A region is entered at any of its blocks (every one is whole): the pc it is
        // entered at is in `env.next_pc`, set by the dispatch loop and by a chaining
        // exit. One translation then serves every block of a loop, instead of one
        // region per block that turned hot, each holding the same blocks.
        let at = field(&mut b, offset_of!(JitEnv, next_pc));
        for &(pc, head) in &heads {
            let is = b.ins().icmp_imm_s(IntCC::Equal, at, pc as i64);
            let no = b.create_block();
            b.ins().brif(is, head, &[], no, &[]);
            b.switch_to_block(no);
            b.seal_block(no);
        }
        // Not one of its heads (never linked so): nothing ran, the loop interprets.
        let v = b.ins().iconst(I32, status::EXIT as i64);
        b.ins().return_(&[v]);
    }

    let mut t = Tr {
        b: &mut b,
        regs,
        fregs,
        dirty: 0,
        fdirty: 0,
        env,
        x,
        stub_sig,
        step_sig,
        tail_sig,
        stubs,
        budget,
        heads: heads.clone(),
        len: 0,
        cum: Vec::new(),
        pcs: Vec::new(),
        insts: &[],
        chain,
        fma,
    };
    for (p, &(pc0, head)) in parts.iter().zip(&heads) {
        let len = p.len;
        let insts = &p.code[..len];
        t.b.switch_to_block(head);
        // Every edge into a block writes back first, so its registers (those it
        // names, as x or f: a superset is harmless) come from memory here: no guest register stays in a host register across blocks
        // (which would crowd the host registers with the whole region's), except
        // around a block that loops to itself, which jumps to `lp` instead.
        let (mut bused, mut bfused) = (0u32, 0u32);
        for i in insts {
            let m = 1 << i.rs1 | 1 << i.rs2 | 1 << i.rd;
            if is_fp(i.op) {
                bfused |= m | 1 << i.rs3;
            }
            bused |= m;
        }
        for r in 1..32 {
            if bused & (1 << r) != 0 {
                let v = t.b.ins().load(I64, trusted(), x, (r * 8) as i32);
                t.b.def_var(regs[r], v);
            }
            if bfused & (1 << r) != 0 {
                let v = t.b.ins().load(I64, trusted(), x, f_off(r));
                t.b.def_var(fregs[r], v);
            }
        }
        if bfused & 1 != 0 {
            let v = t.b.ins().load(I64, trusted(), x, f_off(0));
            t.b.def_var(fregs[0], v);
        }
        let lp = t.b.create_block();
        t.b.ins().jump(lp, &[]);
        t.b.switch_to_block(lp);
        // The budget: take this block's instructions, or leave for the loop (which
        // runs what the budget allows of it).
        let bud = t.b.use_var(budget);
        let enough = t.b.ins().icmp_imm_s(IntCC::UnsignedGreaterThanOrEqual, bud, len as i64);
        let body = t.b.create_block();
        let decline = t.b.create_block();
        t.b.ins().brif(enough, body, &[], decline, &[]);
        t.b.switch_to_block(decline);
        t.b.seal_block(decline);
        // Every edge into a block writes back first (below), so at its start memory
        // holds every register: an exit writes back what this block changed only.
        (t.dirty, t.fdirty) = (0, 0);
        t.exit_to(pc0);
        t.b.switch_to_block(body);
        t.b.seal_block(body);
        let rest = t.b.ins().iadd_imm_s(bud, -(len as i64));
        t.b.def_var(budget, rest);
        // Instructions and cycles charged up front, as the interpreter does.
        let counters = t.counters_at(0);
        t.add_at(counters, offset_of!(Counters, instret), len as i64);
        t.add_at(counters, offset_of!(Counters, cycles), p.cum[len] as i64);

        let mut pcs = Vec::with_capacity(len);
        let mut pc = pc0;
        for i in insts {
            pcs.push(pc);
            pc = pc.wrapping_add(i.len as u64);
        }
        let end_pc = pc;
        t.len = len;
        t.cum = p.cum[..=len].to_vec();
        t.pcs = pcs.clone();
        t.insts = &p.insts;
        let mut next = None;
        for (k, i) in insts.iter().enumerate() {
            if let Some(n) = t.inst(k, *i, pcs[k]) {
                next = Some(n);
            }
        }
        let go = |t: &mut Tr, pc: u64| {
            if let Some(&(_, h)) = t.heads.iter().find(|(hp, _)| *hp == pc) {
                let h = if pc == pc0 { lp } else { h };
                // Stores are cheap and keep every exit small: write back what this
                // block changed (the values stay in host registers).
                let dirty = (t.dirty, t.fdirty);
                t.spill();
                // Unless a helper saw the code epoch move (then the loop re-decodes).
                let code = t.b.ins().load(I64, trusted(), t.env, offset_of!(JitEnv, code) as i32);
                let m = t.b.ins().icmp_imm_s(IntCC::Equal, code, -1);
                let out = t.b.create_block();
                t.b.ins().brif(m, out, &[], h, &[]);
                t.b.switch_to_block(out);
                t.b.seal_block(out);
                (t.dirty, t.fdirty) = (0, 0);
                t.exit_to(pc);
                (t.dirty, t.fdirty) = dirty;
            } else {
                let v = t.b.ins().iconst(I64, pc as i64);
                t.leave(v, Some(pc));
            }
        };
        match next.unwrap_or(Next::Const(end_pc)) {
            Next::Const(pc) => go(&mut t, pc),
            Next::Dyn(v) => t.leave(v, None),
            Next::Cond(c, taken, fall) => {
                let tb = t.b.create_block();
                let fb = t.b.create_block();
                t.b.ins().brif(c, tb, &[], fb, &[]);
                for (blk, pc) in [(tb, taken), (fb, fall)] {
                    t.b.switch_to_block(blk);
                    t.b.seal_block(blk);
                    go(&mut t, pc);
                }
            }
        }
    }
    b.seal_all_blocks();
    b.finalize(fcfg);

    let id = module.declare_anonymous_function(&sig).map_err(|e| e.to_string())?;
    // GRANTIX_JIT_DUMP prints each translation's blocks and host code (for profiling).
    // `-d out_asm` (or RUST_LOG=out_asm=info; not under `grantix`, whose info lines every run shows), as qemu's.
    let dump = tracing::enabled!(target: "out_asm", tracing::Level::INFO);
    if dump {
        ctx.set_disasm(true);
    }
    module.define_function(id, ctx).map_err(|e| format!("{e:?}"))?;
    let text = dump.then(|| ctx.compiled_code().and_then(|c| c.vcode.clone()).unwrap_or_default());
    let bytes = ctx.compiled_code().map(|c| c.code_buffer().len()).unwrap_or(0);
    module.clear_context(ctx);
    module.finalize_definitions().map_err(|e| e.to_string())?;
    let f = module.get_finalized_function(id);
    if let Some(text) = text {
        // The host address and size, to match a profiler's addresses to guest code.
        let pcs: Vec<String> = parts.iter().map(|p| format!("{:#x}+{}", p.pc, p.len)).collect();
        tracing::info!(target: "out_asm", "fn {:#x} at {:p} ({bytes} bytes) {}\n{text}", id.as_u32(), f, pcs.join(" "));
    }
    Ok((f, bytes))
}
