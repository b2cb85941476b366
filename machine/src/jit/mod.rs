//! The translation engine: hot decoded blocks compiled to host code with Cranelift.
//!
//! A translation covers the longest prefix of a block made of integer instructions
//! (RV64I, M, loads and stores, the block's closing branch or jump); the interpreter
//! runs whatever follows (FP, AMO, CSR, ecall, Xgx). Translated code keeps the guest
//! registers in host registers within the block and writes them back at every exit.
//! Every load and store goes through the machine's own access path (`Machine::load` /
//! `store`: the same TLB entries, the same checked slow path, the same counters), so a
//! grant revoked or a page unmapped is seen by translated code exactly as by the
//! interpreter. A fault ends the translation at the faulting instruction with the
//! registers as the interpreter would leave them; the caller then raises it.
//!
//! Translations live in one JIT module bounded by `MAX_TRANSLATIONS` and
//! `MAX_CODE_BYTES`: past either, the whole module is freed and translation starts
//! over (a generation number makes the handles blocks still hold stale).

mod translate;

use crate::cpu::icache::Block;
use crate::counters::Counters;
use crate::error::FaultKind;
use crate::hart::Hart;
use crate::machine::Machine;
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::default_libcall_names;

/// Entries into a block before it is translated.
pub const HOT: u32 = 32;
/// Translations held at most before a flush.
pub const MAX_TRANSLATIONS: usize = 1 << 15;
/// Host code bytes held at most before a flush.
pub const MAX_CODE_BYTES: usize = 64 << 20;

/// The state translated code and its helpers share for one block run.
#[repr(C)]
pub(crate) struct JitEnv {
    pub m: *mut Machine,
    pub hart: *mut Hart,
    /// Where the block continues, written by translated code when it completes.
    pub next_pc: u64,
    /// The fault a helper met (the translation then returns the faulting index).
    pub fault: Option<FaultKind>,
    /// For the inline TLB probe: the entry table, the principal (the hart's DATA),
    /// its part of the index hash, and the hart's counters.
    pub tlb: *const u8,
    pub data: u64,
    pub principal_mix: u64,
    pub counters: *mut Counters,
}

/// A translated block: `f(env, x)` runs it on the registers `x` and returns how many
/// instructions completed (the faulting one's index if `env.fault` is set).
pub(crate) type BlockFn = unsafe extern "C" fn(*mut JitEnv, *mut u64) -> u32;

/// What a translated block run ended in.
pub(crate) enum Ran {
    /// The first `n` instructions retired; the block continues at `next_pc`.
    Done { n: usize, next_pc: u64 },
    /// Instruction `k` faulted (the ones before it retired).
    Fault { k: usize, kind: FaultKind },
}

/// Size and activity of the translation cache, for `--stats`.
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub struct JitStats {
    /// Translations currently held.
    pub blocks: usize,
    /// Host code bytes currently held.
    pub code_bytes: usize,
    /// Translations made in all.
    pub compiled: u64,
    /// Whole-cache flushes (the bound was reached).
    pub flushes: u64,
    /// Block runs that went through translated code.
    pub entries: u64,
}

/// The translation cache and its compiler.
pub struct Jit {
    module: Option<JITModule>,
    ctx: cranelift_codegen::Context,
    fctx: cranelift_frontend::FunctionBuilderContext,
    fns: Vec<BlockFn>,
    generation: u32,
    /// The host has no Cranelift backend: everything stays interpreted.
    unavailable: bool,
    pub stats: JitStats,
}

/// A handle to a translation: the cache generation and the index in it.
fn handle(generation: u32, index: usize) -> u64 {
    (generation as u64) << 32 | index as u64
}

/// The handle blocks get when they cannot be translated (nothing to translate).
pub const UNTRANSLATABLE: u64 = u64::MAX;

impl Default for Jit {
    fn default() -> Self {
        Jit {
            module: None,
            ctx: cranelift_codegen::Context::new(),
            fctx: cranelift_frontend::FunctionBuilderContext::new(),
            fns: Vec::new(),
            generation: 0,
            unavailable: false,
            stats: JitStats::default(),
        }
    }
}

fn new_module() -> Option<JITModule> {
    use cranelift_codegen::settings::{self, Configurable};
    let mut flags = settings::builder();
    flags.set("opt_level", "speed").ok()?;
    flags.set("use_colocated_libcalls", "false").ok()?;
    flags.set("is_pic", "false").ok()?;
    // Translated code reads guest memory in place: little-endian hosts only.
    if !cfg!(target_endian = "little") {
        return None;
    }
    let isa = cranelift_native::builder().ok()?.finish(settings::Flags::new(flags)).ok()?;
    Some(JITModule::new(JITBuilder::with_isa(isa, default_libcall_names())))
}

impl Jit {
    /// The translation behind `h`, if it is still in the cache.
    #[inline(always)]
    pub(crate) fn get(&self, h: u64) -> Option<BlockFn> {
        if (h >> 32) as u32 != self.generation {
            return None;
        }
        self.fns.get((h & 0xffff_ffff) as usize).copied()
    }

    /// Drops every translation (bound reached, or on request).
    pub fn flush(&mut self) {
        if let Some(m) = self.module.take() {
            // SAFETY: no translated code is running (translations are entered only from
            // `Machine::execute`, which never compiles or flushes while one runs, and
            // helpers called from translated code never reach this), and the function
            // pointers into the module are dropped with `fns` and made unreachable by
            // the generation bump.
            unsafe { m.free_memory() };
            self.stats.flushes += 1;
        }
        self.fns.clear();
        self.generation = self.generation.wrapping_add(1);
        self.stats.blocks = 0;
        self.stats.code_bytes = 0;
    }

    /// Translates `block` (its translatable prefix); returns its handle, or
    /// `UNTRANSLATABLE` if it has no translatable prefix or the host has no backend.
    pub(crate) fn compile(&mut self, block: &Block) -> u64 {
        let len = translate::prefix(block);
        if len == 0 || self.unavailable {
            return UNTRANSLATABLE;
        }
        if self.fns.len() >= MAX_TRANSLATIONS || self.stats.code_bytes >= MAX_CODE_BYTES {
            self.flush();
        }
        if self.module.is_none() {
            self.module = new_module();
            if self.module.is_none() {
                self.unavailable = true;
                return UNTRANSLATABLE;
            }
        }
        let Some(module) = self.module.as_mut() else { return UNTRANSLATABLE };
        match translate::compile(module, &mut self.ctx, &mut self.fctx, block, len) {
            Ok((f, bytes)) => {
                self.fns.push(f);
                self.stats.compiled += 1;
                self.stats.blocks = self.fns.len();
                self.stats.code_bytes += bytes;
                handle(self.generation, self.fns.len() - 1)
            }
            Err(e) => {
                tracing::debug!("jit: block at {:#x} not translated: {e}", block.pc);
                UNTRANSLATABLE
            }
        }
    }
}

impl Machine {
    /// Runs the translation `f` of `block` on `hart`.
    pub(crate) fn run_translation(&mut self, hart: &mut Hart, f: BlockFn) -> Ran {
        self.jit.stats.entries += 1;
        let tlb = self.mem.tlb.entries_ptr();
        let m: *mut Machine = self;
        let hart: *mut Hart = hart;
        // SAFETY: `hart` comes from a live `&mut Hart`; these only compute addresses
        // and read one field. Every pointer below derives from `m` and `hart`, and
        // neither reference is used again until the translation returns.
        let (data, counters, x) = unsafe { ((*hart).data, std::ptr::addr_of_mut!((*hart).counters), std::ptr::addr_of_mut!((*hart).ctx.x).cast::<u64>()) };
        let mut env = JitEnv {
            m,
            hart,
            next_pc: 0,
            fault: None,
            tlb,
            data: data as u64,
            principal_mix: crate::tlb::probe::principal_mix(data),
            counters,
        };
        // SAFETY: `f` was produced by `translate::compile` and is still in the live
        // module (checked by `Jit::get`). It reads and writes the 32 integer registers
        // at `x`, `env.next_pc` and the access counters in `env.counters`; it reads TLB
        // entries at `env.tlb` and, on a hit, the guest bytes their frame pointer
        // covers (within the page, with the rights the entry grants: see `tlb.rs` for
        // why a live entry's frame is live); and it calls the helpers below with
        // `env`, which reach the machine and the hart only through `env`'s pointers,
        // one call at a time.
        let n = unsafe { f(&mut env, x) } as usize;
        match env.fault.take() {
            Some(kind) => Ran::Fault { k: n, kind },
            None => Ran::Done { n, next_pc: env.next_pc },
        }
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
    match r {
        Ok(()) => 0,
        Err(kind) => {
            env.fault = Some(kind);
            1
        }
    }
}
