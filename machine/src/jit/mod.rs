//! The translation engine: hot decoded blocks compiled to host code with Cranelift.
//!
//! A translation covers the longest prefix of a block made of instructions translated
//! code can run: RV64I, M, loads and stores, the F and D instructions (loads, stores,
//! moves and sign injection inline; add, sub, mul, div, sqrt and the fused forms on
//! the host FPU when that is provably exact, see `translate`; everything else through
//! the interpreter's own `step`), A, the FP CSRs, and the block's closing branch or
//! jump. The interpreter runs whatever follows (ecall, ebreak, fence.i, the other CSRs,
//! Xgx). Every load and store goes through the same TLB entries as the interpreter's,
//! with the machine's checked access path on a miss, so a grant revoked or a page
//! unmapped is seen by translated code exactly as by the interpreter. A fault ends the
//! translation at the faulting instruction with the registers as the interpreter would
//! leave them; the caller then raises it.
//!
//! Translations chain: a block that ends knowing its successor's pc (a branch, a jump,
//! a fallthrough, or `jalr` once its target is computed) looks the pc up in the chain
//! table (CODE space, pc) -> translation and tail-calls it, without going back to the
//! dispatch loop. Each translation charges its own instructions and cycles and takes
//! them from the budget in `JitEnv` on entry, or declines (returns at once) when the
//! budget cannot cover it, so the instruction count, the modeled cycles and where a
//! quantum ends are those of the interpreter. The table is emptied when the code epoch
//! moves, and a helper that sees the epoch move mid-chain stops the chain, so a chain
//! never runs code the interpreter would have re-decoded.
//!
//! A whole hot block is translated as a region: with the whole integer blocks already
//! decoded that its known edges reach (`region`), edges among them being jumps inside
//! the translation, each block keeping its own budget check. Own-space accesses check
//! a per-run micro-TLB in `JitEnv` before the TLB; every helper empties it.
//!
//! Compilation is off the critical path: a hot block is queued to a compiler thread
//! (`compiler`, which owns Cranelift and the module the code lives in) and keeps being
//! interpreted; the finished translation is installed at a block boundary (`cache`).
//! Translations live in one JIT module bounded by `MAX_TRANSLATIONS` and a byte cap
//! (64 MiB unless configured): past either, the whole module is freed and translation
//! starts over (a generation number makes the handles blocks still hold, and outcomes
//! still in flight, stale).

mod cache;
mod compiler;
mod translate;

pub use cache::{Jit, COVERED, DEFAULT_CACHE_BYTES, MAX_IN_FLIGHT, PENDING, UNTRANSLATABLE};
pub(crate) use cache::{chain_index, whole};
use crate::cpu::icache::{Block, Icache};
use crate::cpu::inst::Inst;
use crate::error::FaultKind;
use crate::hart::Hart;
use crate::machine::Machine;
use std::rc::Rc;

/// Entries into a block before it is translated.
pub const HOT: u32 = 32;
/// Translations held at most before a flush.
pub const MAX_TRANSLATIONS: usize = 1 << 15;
/// Blocks in one region at most, and instructions.
pub const MAX_REGION_BLOCKS: usize = 6;
pub const MAX_REGION_INSTS: usize = 64;
/// Entries in the chain table (a power of two).
pub(crate) const CHAIN_BITS: u32 = 12;

/// The state translated code and its helpers share for one run (a chain of blocks).
#[repr(C)]
pub(crate) struct JitEnv {
    pub m: *mut Machine,
    pub hart: *mut Hart,
    /// Where the run continues, written by translated code when it leaves the chain;
    /// after a fault, the faulting instruction's pc.
    pub next_pc: u64,
    /// The fault a helper met (the translation then returns `status::FAULT`).
    pub fault: Option<FaultKind>,
    /// What the load and store stubs hand back (value, fault): they are called with
    /// a convention that preserves every register and returns nothing (see
    /// `translate::stubs`).
    pub ret: [u64; 2],
    /// What translated code hands the stubs (pointer, then value or width, then
    /// size): they take `env` alone, so no argument register is pinned around a
    /// stub call and the translation keeps its values where they are.
    pub arg: [u64; 3],
    /// For the inline TLB probe of own-space accesses (principal and target both the
    /// hart's DATA): the entry table, the index hash's part that does not depend on
    /// the page, the key's target half, and the (principal, rights) word an entry
    /// allowing R, or W, has.
    pub tlb: *const u8,
    pub own_mix: u64,
    pub own_key: u64,
    pub own_r: u64,
    pub own_w: u64,
    /// Instructions the run may still retire (the quantum's remainder): each block
    /// takes its length on entry, or declines if fewer are left.
    pub budget: u64,
    /// The hart's CODE space, the second half of a chain table key; `u64::MAX` (no
    /// key has it) once a helper saw the code epoch move, which ends the chain.
    pub code: u64,
    /// The code epoch the run started in.
    pub epoch: u64,
    /// The micro-TLB: own pages this run has already probed, for reads (`[0]`) and
    /// writes (`[1]`), direct-mapped by page. An entry is a copy of what a TLB entry
    /// allowed when the probe hit; the TLB changes only inside the machine's memory
    /// operations, which translated code reaches only through the helpers, and every
    /// helper empties the micro-TLB, so an entry is never staler than the TLB.
    pub micro: [[Micro; MICRO]; 2],
}

/// Entries in each micro-TLB (a power of two).
pub(crate) const MICRO: usize = 16;

/// A micro-TLB entry: the page's address (`ptr` with the in-page bits cleared, own
/// space) and the host address of its byte 0 less the page's guest address, so host
/// = `base + ptr`.
#[repr(C)]
#[derive(Clone, Copy)]
pub(crate) struct Micro {
    pub page: u64,
    pub base: u64,
}

/// No key equals this (a key's bits 3..11 are clear).
pub(crate) const NO_MICRO: Micro = Micro { page: u64::MAX, base: 0 };

impl JitEnv {
    /// Empties the micro-TLB (after anything that may have changed the TLB).
    #[inline(always)]
    fn forget_pages(&mut self) {
        self.micro = [[NO_MICRO; MICRO]; 2];
    }
}

/// What a translation returns.
pub(crate) mod status {
    /// Left the chain: continue at `next_pc`.
    pub const EXIT: u32 = 0;
    /// An instruction faulted at `next_pc` with `fault`.
    pub const FAULT: u32 = 1;
}

/// A translated block in the tail-call convention (entered through the trampoline).
pub(crate) type BlockFn = *const u8;
/// The trampoline: `t(env, x, f)` runs the translation `f` (and what it chains to) on
/// the integer registers at `x` (the FP registers and fcsr follow them in `Context`).
type Trampoline = unsafe extern "C" fn(*mut JitEnv, *mut u64, BlockFn) -> u32;

/// What a run of translated code ended in.
pub(crate) enum Ran {
    /// Left translated code; the hart continues at `next_pc`.
    Done { next_pc: u64 },
    /// The instruction at `pc` faulted (those before it retired).
    Fault { pc: u64, kind: FaultKind },
}

/// Size and activity of the translation cache, for `--stats`.
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub struct JitStats {
    /// Translations currently held (installed).
    pub blocks: usize,
    /// Host code bytes in the current module (dropped translations included).
    pub code_bytes: usize,
    /// The bound on `code_bytes`.
    pub cap: usize,
    /// Compiling on the machine's thread (GRANTIX_JIT_SYNC=1).
    pub sync: bool,
    /// Translations asked for.
    pub requested: u64,
    /// Translations made in all (installed, or stale on arrival).
    pub compiled: u64,
    /// Outcomes dropped on arrival: flushed or code epoch moved while in flight.
    pub stale: u64,
    /// Hot blocks not queued because `MAX_IN_FLIGHT` were in flight.
    pub deferred: u64,
    /// Whole-cache flushes (the bound was reached).
    pub flushes: u64,
    /// Nanoseconds spent compiling (on the compiler thread, or inline when sync).
    pub compile_ns: u64,
    /// Nanoseconds requests waited in the queue before compiling, in all and at most.
    pub queue_ns: u64,
    pub queue_max_ns: u64,
    /// Nanoseconds the machine's thread waited for outcomes (`settle`).
    pub settle_ns: u64,
    /// Runs of translated code entered from the dispatch loop (each may chain
    /// through many blocks).
    pub entries: u64,
}

/// One chain table entry: the translation of the block at (`code`, `pc`).
#[repr(C)]
#[derive(Clone, Copy)]
pub(crate) struct ChainEntry {
    pub pc: u64,
    pub code: u64,
    pub f: usize,
    _pad: u64,
}

/// The region entered at `block`: the block itself (its first `len` instructions)
/// and, if that is all of it, the whole translatable blocks already decoded (so
/// forming a region never fetches) that known edges reach from it, breadth first,
/// within the region bounds. Only blocks the interpreter has run are decoded, so a
/// region follows the paths taken so far; an edge out of it chains as usual.
fn region<'a>(block: &'a Rc<Block>, len: usize, icache: &'a Icache, epoch: u64) -> Vec<&'a Rc<Block>> {
    let mut out = vec![block];
    if len < block.len() || translate::heavy(block) {
        return out;
    }
    let mut insts = len;
    let mut k = 0;
    while k < out.len() && out.len() < MAX_REGION_BLOCKS {
        for pc in translate::successors(out[k]) {
            if out.len() >= MAX_REGION_BLOCKS || out.iter().any(|b| b.pc == pc) {
                continue;
            }
            let Some(b) = icache.get(block.code, pc, epoch) else {
                continue;
            };
            // Blocks with FP or helper instructions stay out: their guarded paths make
            // large code, and the time goes to the FP work, not the block exits.
            if insts + b.len() > MAX_REGION_INSTS || translate::prefix(b) < b.len() || translate::heavy(b) {
                continue;
            }
            insts += b.len();
            out.push(b);
        }
        k += 1;
    }
    out
}

impl Machine {
    /// Runs the translation `f` of `block` on `hart`, and whatever it chains to, for
    /// at most `*left` instructions (what is left is written back). Leaves `*left`
    /// unchanged if the budget could not cover the first block (it then ran nothing).
    pub(crate) fn run_translation(&mut self, hart: &mut Hart, block: &Block, (f, h): (BlockFn, u64), left: &mut u64) -> Ran {
        self.jit.stats.entries += 1;
        let epoch = self.mem.code_epoch;
        self.jit.sync_epoch(epoch);
        // A block entered from the loop may have been pushed out of its chain table
        // slot (or the table emptied): put it back so others chain to it.
        if whole(h) {
            let e = &self.jit.chain[chain_index(block.pc)];
            if e.pc != block.pc || e.code != block.code as u64 || e.f != f as usize {
                self.jit.link(block.code as u64, block.pc, f, epoch);
            }
        }
        let Some(tramp) = self.jit.trampoline else {
            return Ran::Done { next_pc: block.pc };
        };
        let tlb = self.mem.tlb.entries_ptr();
        let m: *mut Machine = self;
        let hart: *mut Hart = hart;
        // SAFETY: `hart` comes from a live `&mut Hart`; these only compute addresses
        // and read two fields. Every pointer below derives from `m` and `hart`, and
        // neither reference is used again until the translation returns.
        let (data, code, x) = unsafe { ((*hart).data, (*hart).code, std::ptr::addr_of_mut!((*hart).ctx.x).cast::<u64>()) };
        let mut env = JitEnv {
            m,
            hart,
            next_pc: block.pc,
            fault: None,
            ret: [0; 2],
            arg: [0; 3],
            tlb,
            own_mix: (data as u64).wrapping_mul(crate::tlb::probe::TARGET_MUL as u64) ^ crate::tlb::probe::principal_mix(data),
            own_key: (data as u64) << crate::tlb::probe::KEY_SHIFT,
            own_r: data as u64 | (crate::rights::PageRights::R.0 as u64) << 16,
            own_w: data as u64 | (crate::rights::PageRights::W.0 as u64) << 16,
            budget: *left,
            code: code as u64,
            epoch,
            micro: [[NO_MICRO; MICRO]; 2],
        };
        // SAFETY: `f` was produced by `translate::compile` and is still in the live
        // module (checked by `Jit::get`), as is everything the chain table points to
        // (the table is emptied before the module is freed). Translated code reads and
        // writes the registers at `x` (the `Context` of the hart: integer and FP
        // registers, fcsr), the hart's counters (at their fixed offset from `x` in the same `Hart`) and `env`'s fields; it reads
        // TLB entries at `env.tlb` and, on a hit, the guest bytes their frame pointer
        // covers (within the page, with the rights the entry grants: see `tlb.rs` for
        // why a live entry's frame is live); and it calls the helpers below with
        // `env`, which reach the machine and the hart only through `env`'s pointers,
        // one call at a time.
        let st = unsafe { tramp(&mut env, x, f) };
        *left = env.budget;
        match (st, env.fault.take()) {
            (status::FAULT, Some(kind)) => Ran::Fault { pc: env.next_pc, kind },
            _ => Ran::Done { next_pc: env.next_pc },
        }
    }
}

/// Ends the chain if the code epoch moved during a helper's access (a demand-zero
/// fill or a copy-on-write break of an executable page): the dispatch loop then
/// re-decodes, as the interpreter would at its next block.
#[inline(always)]
fn check_epoch(env: &mut JitEnv, m: &Machine) {
    if m.mem.code_epoch != env.epoch {
        env.code = u64::MAX;
    }
}

/// What a load helper returns: the value (extended as the instruction says) and
/// whether it faulted. Two integer words come back in two registers on every host
/// Cranelift supports, matching the two-result signature translated code declares.
#[repr(C)]
pub(crate) struct Loaded {
    pub value: u64,
    pub fault: u64,
}

/// Load widths and extensions, as passed to `load_helper`.
pub(crate) mod width {
    pub const B: u32 = 0;
    pub const H: u32 = 1;
    pub const W: u32 = 2;
    pub const D: u32 = 3;
    pub const BU: u32 = 4;
    pub const HU: u32 = 5;
    pub const WU: u32 = 6;
}

/// A guest load from translated code, through the machine's checked access path.
pub(crate) extern "C" fn load_helper(env: *mut JitEnv, ptr: u64, w: u32) -> Loaded {
    // SAFETY: `env` is the live `JitEnv` of `run_translation`, whose `m` and `hart`
    // point to the machine and hart it was called with; nothing else uses them while
    // this helper runs.
    let (env, m, hart) = unsafe { (&mut *env, &mut *(*env).m, &mut *(*env).hart) };
    let r = match w {
        width::B => m.load::<1>(hart, ptr).map(|v| v[0] as i8 as i64 as u64),
        width::H => m.load::<2>(hart, ptr).map(|v| i16::from_le_bytes(v) as i64 as u64),
        width::W => m.load::<4>(hart, ptr).map(|v| i32::from_le_bytes(v) as i64 as u64),
        width::D => m.load::<8>(hart, ptr).map(u64::from_le_bytes),
        width::BU => m.load::<1>(hart, ptr).map(|v| v[0] as u64),
        width::HU => m.load::<2>(hart, ptr).map(|v| u16::from_le_bytes(v) as u64),
        _ => m.load::<4>(hart, ptr).map(|v| u32::from_le_bytes(v) as u64),
    };
    check_epoch(env, m);
    env.forget_pages();
    match r {
        Ok(value) => Loaded { value, fault: 0 },
        Err(kind) => {
            env.fault = Some(kind);
            Loaded { value: 0, fault: 1 }
        }
    }
}

/// A guest store of the low `1 << log2` bytes of `value` from translated code.
/// Returns nonzero if it faulted.
pub(crate) extern "C" fn store_helper(env: *mut JitEnv, ptr: u64, value: u64, log2: u32) -> u64 {
    // SAFETY: as for `load_helper`.
    let (env, m, hart) = unsafe { (&mut *env, &mut *(*env).m, &mut *(*env).hart) };
    let r = match log2 {
        0 => m.store::<1>(hart, ptr, [value as u8]),
        1 => m.store::<2>(hart, ptr, (value as u16).to_le_bytes()),
        2 => m.store::<4>(hart, ptr, (value as u32).to_le_bytes()),
        _ => m.store::<8>(hart, ptr, value.to_le_bytes()),
    };
    check_epoch(env, m);
    env.forget_pages();
    match r {
        Ok(()) => 0,
        Err(kind) => {
            env.fault = Some(kind);
            1
        }
    }
}

/// Runs one instruction translated code does not implement inline (FP arithmetic
/// SoftFloat must do, conversions, AMOs, the FP CSRs) with the interpreter's own
/// `step`, on the registers in memory (translated code writes back what it holds
/// first and reloads the result). Returns nonzero if it faulted.
pub(crate) extern "C" fn step_helper(env: *mut JitEnv, inst: *const Inst, pc: u64) -> u64 {
    // SAFETY: as for `load_helper`; `inst` points into `Jit::insts`, which lives as
    // long as the translation that passes it.
    let (env, m, hart, inst) = unsafe { (&mut *env, &mut *(*env).m, &mut *(*env).hart, *inst) };
    let r = m.step_one(hart, inst, pc);
    check_epoch(env, m);
    env.forget_pages();
    match r {
        Ok(()) => 0,
        Err(kind) => {
            env.fault = Some(kind);
            1
        }
    }
}
