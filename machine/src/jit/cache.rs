//! The translation cache on the machine's thread: which blocks have translations,
//! requests to the compiler and outcomes installed at block boundaries, the chain
//! table, the memory bound and flushes.
//!
//! A block turning hot is queued to the compiler thread (`compiler`) and keeps being
//! interpreted; the dispatch loop polls for outcomes at every block boundary while any
//! are in flight and installs a finished translation there. Translated code charges
//! instret, cycles and the budget exactly as the interpreter does, so when a
//! translation arrives changes nothing a guest or `--stats` can count. An outcome is
//! dropped on arrival if the cache was flushed since it was asked for (generation) or
//! the code epoch moved (a code page written, fence.i, munmap/mprotect of code, exec):
//! the instructions it was compiled from may be stale. In the synchronous mode
//! (`GRANTIX_JIT_SYNC=1` or the `jit_sync` config key) the same compiler runs inline
//! and the translation is installed at once, as before the compiler thread existed.
//!
//! Bound: when the current module holds `cap` bytes of host code (or
//! `MAX_TRANSLATIONS`), the next request first flushes everything (as qemu's
//! tb_flush): at most `cap` plus what is in flight (`MAX_IN_FLIGHT` translations).

use super::compiler::{self, Compiler, Gate, Msg, Outcome, ReqBlock, Request};
use super::{region, translate, BlockFn, ChainEntry, JitStats, Trampoline, CHAIN_BITS, MAX_TRANSLATIONS};
use crate::cpu::icache::{Block, Icache};
use rustc_hash::FxHashMap;
use std::rc::Rc;
use std::sync::mpsc::{Receiver, Sender, TryRecvError};
use std::sync::Arc;
use std::time::Instant;

/// Requests queued or compiling at most; a block turning hot beyond that stays
/// interpreted and asks again after another `HOT` entries.
pub const MAX_IN_FLIGHT: usize = 16;
/// The default bound on host code held (`jit_cache`, GRANTIX_JIT_CACHE).
pub const DEFAULT_CACHE_BYTES: u64 = 64 << 20;

/// The handle of a block whose translation is in flight.
pub const PENDING: u64 = u64::MAX - 1;
/// The handle blocks get when they cannot be translated (nothing to translate).
pub const UNTRANSLATABLE: u64 = u64::MAX;
/// The handle of a block that is part of another block's region in flight: it does
/// not ask for a translation of its own meanwhile. Every block of a loop turns hot in
/// the same iteration, and without this each would be compiled as the entry of a
/// region holding the same blocks (measured on bench_int: 75 translations, 41 of
/// them repeats). When the region arrives the block takes the region's handle (a
/// region is entered at any of its blocks), or counts again from zero if it did not.
pub const COVERED: u64 = u64::MAX - 2;

/// One chain table entry's empty value.
pub(crate) const EMPTY: ChainEntry = ChainEntry { pc: u64::MAX, code: u64::MAX, f: 0, _pad: 0 };

/// Where compilation happens.
enum Backend {
    /// Not started yet (the thread is spawned on the first request).
    Idle,
    /// Inline, on the machine's thread (synchronous mode, or no thread could start).
    Inline(Box<Compiler>),
    /// On the compiler thread.
    Thread { tx: Sender<Msg>, rx: Receiver<Outcome> },
}

/// A request in flight: the block to install the translation on and the code epoch
/// its instructions were copied in.
struct Pending {
    block: Rc<Block>,
    epoch: u64,
    whole: bool,
    /// The region's other blocks marked `COVERED` by this request.
    covered: Vec<Rc<Block>>,
}

impl Pending {
    /// Lets the covered blocks count toward translations of their own again (the
    /// region did not arrive, or is stale).
    fn release(&self) {
        for b in &self.covered {
            if b.jit.get() == Some(COVERED) {
                b.jit.set(None);
                b.runs.set(0);
            }
        }
    }
}

/// The translation cache.
pub struct Jit {
    backend: Backend,
    sync: bool,
    cap: usize,
    gate: Arc<Gate>,
    fns: Vec<BlockFn>,
    pub(crate) trampoline: Option<Trampoline>,
    /// (CODE space, pc) -> translation, direct-mapped; read by translated code (its
    /// address is compiled in, so it never moves).
    pub(crate) chain: Box<[ChainEntry]>,
    /// The code epoch the chain table's entries belong to.
    chain_epoch: u64,
    generation: u32,
    /// Host code bytes and translations of the current module, as last reported.
    module_bytes: usize,
    module_fns: usize,
    pending: FxHashMap<u64, Pending>,
    next_id: u64,
    /// The host has no Cranelift backend: everything stays interpreted.
    unavailable: bool,
    pub stats: JitStats,
}

/// A handle to a translation: the cache generation, whether it covers its whole block
/// (bit 31: only those are chained to) and the index in the cache.
fn handle(generation: u32, index: usize, whole: bool) -> u64 {
    (generation as u64) << 32 | (whole as u64) << 31 | index as u64
}

/// Whether the translation behind handle `h` covers its whole block.
pub(crate) fn whole(h: u64) -> bool {
    h & 1 << 31 != 0
}

/// The chain table slot of `pc`.
#[inline(always)]
pub(crate) fn chain_index(pc: u64) -> usize {
    ((pc >> 1) as usize) & ((1 << CHAIN_BITS) - 1)
}

/// A size in bytes with an optional K, M or G suffix.
fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let (num, mul) = match s.as_bytes().last()? {
        b'k' | b'K' => (&s[..s.len() - 1], 1 << 10),
        b'm' | b'M' => (&s[..s.len() - 1], 1 << 20),
        b'g' | b'G' => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    num.parse::<u64>().ok()?.checked_mul(mul)
}

impl Default for Jit {
    fn default() -> Self {
        Jit::new(false, DEFAULT_CACHE_BYTES)
    }
}

impl Jit {
    /// A cache compiling on a thread (or inline if `sync`) and holding at most `cap`
    /// bytes of host code; GRANTIX_JIT_SYNC=1 and GRANTIX_JIT_CACHE=SIZE override both.
    pub fn new(sync: bool, cap: u64) -> Jit {
        let sync = sync || std::env::var("GRANTIX_JIT_SYNC").is_ok_and(|v| v == "1");
        let cap = std::env::var("GRANTIX_JIT_CACHE").ok().and_then(|v| parse_size(&v)).unwrap_or(cap);
        Jit {
            backend: Backend::Idle,
            sync,
            cap: cap as usize,
            gate: Arc::default(),
            fns: Vec::new(),
            trampoline: None,
            chain: vec![EMPTY; 1 << CHAIN_BITS].into_boxed_slice(),
            chain_epoch: 0,
            generation: 0,
            module_bytes: 0,
            module_fns: 0,
            pending: FxHashMap::default(),
            next_id: 0,
            unavailable: false,
            stats: JitStats { cap: cap as usize, sync, ..JitStats::default() },
        }
    }

    /// The translation behind `h`, if it is still in the cache.
    #[inline(always)]
    pub(crate) fn get(&self, h: u64) -> Option<BlockFn> {
        if (h >> 32) as u32 != self.generation {
            return None;
        }
        self.fns.get((h & 0x7fff_ffff) as usize).copied()
    }

    /// Whether `b` has no translation, none in flight and is not covered by one.
    fn idle(&self, b: &Block) -> bool {
        match b.jit.get() {
            None => true,
            Some(h) => h != PENDING && h != UNTRANSLATABLE && h != COVERED && self.get(h).is_none(),
        }
    }

    /// Whether outcomes are awaited (the dispatch loop then polls at block boundaries).
    #[inline(always)]
    pub(crate) fn in_flight(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Drops every translation (bound reached, or on request).
    pub fn flush(&mut self) {
        // Every way to reach the module's code goes first: the chain table, the
        // trampoline, the handles (by the generation), then the module itself.
        self.chain.fill(EMPTY);
        self.trampoline = None;
        self.fns.clear();
        // Generations never reach u32::MAX, so no handle equals PENDING or
        // UNTRANSLATABLE's generation.
        self.generation = (self.generation + 1) % u32::MAX;
        if self.module_fns > 0 || self.module_bytes > 0 {
            self.stats.flushes += 1;
        }
        self.module_bytes = 0;
        self.module_fns = 0;
        match &mut self.backend {
            Backend::Inline(c) => c.flush(),
            Backend::Thread { tx, .. } => {
                let _ = tx.send(Msg::Flush);
            }
            Backend::Idle => {}
        }
        self.stats.blocks = 0;
        self.stats.code_bytes = 0;
    }

    /// Empties the chain table if the code epoch moved since it was filled.
    #[inline(always)]
    pub(crate) fn sync_epoch(&mut self, epoch: u64) {
        if self.chain_epoch != epoch {
            self.chain.fill(EMPTY);
            self.chain_epoch = epoch;
        }
    }

    /// Makes (`code`, `pc`) chain to `f` (for translations of whole blocks only: a
    /// chained-to translation must stand for the whole block at its pc).
    pub(crate) fn link(&mut self, code: u64, pc: u64, f: BlockFn, epoch: u64) {
        self.sync_epoch(epoch);
        self.chain[chain_index(pc)] = ChainEntry { pc, code, f: f as usize, _pad: 0 };
    }

    /// Asks for `block`'s translation (its translatable prefix, and if that is all of
    /// it, the region of decoded blocks it reaches by known edges). Returns the
    /// translation when it is ready at once (synchronous mode); otherwise the block
    /// is marked `PENDING` and keeps being interpreted until the outcome is installed.
    pub(crate) fn request(&mut self, block: &Rc<Block>, icache: &Icache, epoch: u64) -> Option<(BlockFn, u64)> {
        let len = translate::prefix(block);
        if len == 0 || self.unavailable {
            block.jit.set(Some(UNTRANSLATABLE));
            return None;
        }
        if self.pending.len() >= MAX_IN_FLIGHT {
            // The compiler is behind: ask again later (the run counter restarted).
            self.stats.deferred += 1;
            return None;
        }
        if self.module_fns >= MAX_TRANSLATIONS || self.module_bytes >= self.cap {
            self.flush();
        }
        let region = region(block, len, icache, epoch);
        let covered: Vec<Rc<Block>> = region[1..].iter().filter(|b| self.idle(b)).map(|b| Rc::clone(b)).collect();
        for b in &covered {
            b.jit.set(Some(COVERED));
        }
        let blocks = region
            .iter()
            .enumerate()
            .map(|(k, b)| {
                let n = if k == 0 { len } else { b.len() };
                ReqBlock { pc: b.pc, len: n, insts: b.insts[..n].to_vec(), cum: b.cum[..=n].to_vec() }
            })
            .collect();
        let id = self.next_id;
        self.next_id += 1;
        let req = Request { id, generation: self.generation, blocks, chain: self.chain.as_ptr() as usize, queued: Instant::now() };
        self.pending.insert(id, Pending { block: block.clone(), epoch, whole: len == block.len(), covered });
        block.jit.set(Some(PENDING));
        self.stats.requested += 1;
        if matches!(self.backend, Backend::Idle) {
            self.backend = match (self.sync, compiler::spawn(self.gate.clone())) {
                (false, Some((tx, rx))) => Backend::Thread { tx, rx },
                _ => Backend::Inline(Box::default()),
            };
        }
        match &mut self.backend {
            Backend::Inline(c) => {
                let out = c.compile(&req);
                self.install(out, epoch);
                let h = block.jit.get()?;
                self.get(h).map(|f| (f, h))
            }
            Backend::Thread { tx, .. } => {
                if tx.send(Msg::Compile(req)).is_err() {
                    // The thread is gone: compile inline from now on.
                    self.backend = Backend::Inline(Box::default());
                    for (_, p) in self.pending.drain() {
                        p.release();
                    }
                    block.jit.set(None);
                    self.flush();
                }
                None
            }
            Backend::Idle => None,
        }
    }

    /// Installs the outcomes that have arrived (at a block boundary: no translated
    /// code is running).
    pub(crate) fn poll(&mut self, epoch: u64) {
        loop {
            let out = match &self.backend {
                Backend::Thread { rx, .. } => match rx.try_recv() {
                    Ok(o) => o,
                    Err(TryRecvError::Empty) => return,
                    Err(TryRecvError::Disconnected) => {
                        for (_, p) in self.pending.drain() {
                            p.block.jit.set(None);
                            p.release();
                        }
                        self.backend = Backend::Inline(Box::default());
                        return;
                    }
                },
                _ => return,
            };
            self.install(out, epoch);
        }
    }

    /// Waits for every outcome in flight and installs it (tests; the synchronous
    /// points of a measurement).
    pub fn settle(&mut self, epoch: u64) {
        while self.in_flight() {
            let Backend::Thread { rx, .. } = &self.backend else { return };
            let t = Instant::now();
            match rx.recv() {
                Ok(out) => {
                    self.stats.settle_ns += t.elapsed().as_nanos() as u64;
                    self.install(out, epoch);
                }
                Err(_) => {
                    self.poll(epoch);
                    return;
                }
            }
        }
    }

    /// Holds (or releases) the compiler thread before its next compilation: tests use
    /// it to change the code while a translation is in flight.
    pub fn hold(&self, held: bool) {
        self.gate.set(held);
    }

    /// Installs one outcome if it still stands for the code: same generation, same
    /// code epoch; else drops it (the block may ask again).
    fn install(&mut self, out: Outcome, epoch: u64) {
        let Some(p) = self.pending.remove(&out.id) else { return };
        self.stats.compile_ns += out.compile_ns;
        self.stats.queue_ns += out.queue_ns;
        self.stats.queue_max_ns = self.stats.queue_max_ns.max(out.queue_ns);
        if out.unavailable {
            self.unavailable = true;
        }
        if out.generation != self.generation {
            // Flushed since: the module it lives in is freed (or about to be).
            self.stats.stale += 1;
            p.block.jit.set(None);
            p.release();
            return;
        }
        self.module_bytes = out.module_bytes;
        self.module_fns = out.module_fns;
        self.stats.code_bytes = out.module_bytes;
        let Some(f) = out.f else {
            p.block.jit.set(Some(UNTRANSLATABLE));
            p.release();
            return;
        };
        self.stats.compiled += 1;
        if p.epoch != epoch {
            // The code changed while it compiled: the copy it was made from is stale.
            self.stats.stale += 1;
            p.block.jit.set(None);
            p.release();
            return;
        }
        if self.trampoline.is_none() {
            // SAFETY: `out.trampoline` is the entry of the function
            // `translate::trampoline` defined with the `Trampoline` signature in the
            // host's default calling convention, that of `extern "C"`, in the module
            // of this generation.
            self.trampoline = Some(unsafe { std::mem::transmute::<usize, Trampoline>(out.trampoline) });
        }
        let f = f as BlockFn;
        self.fns.push(f);
        self.stats.blocks = self.fns.len();
        let h = handle(self.generation, self.fns.len() - 1, p.whole);
        if p.whole {
            self.link(p.block.code as u64, p.block.pc, f, epoch);
        }
        p.block.jit.set(Some(h));
        // The region's other blocks (whole ones) enter it at their own heads.
        let hw = handle(self.generation, self.fns.len() - 1, true);
        for b in &p.covered {
            if b.jit.get() == Some(COVERED) {
                b.jit.set(Some(hw));
                self.link(b.code as u64, b.pc, f, epoch);
            }
        }
    }
}
