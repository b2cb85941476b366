//! The compiler side of the translation engine: Cranelift and the memory translations
//! live in, run on a compiler thread (or inline, in the synchronous mode).
//!
//! Cranelift's `JITModule` is not `Send`, so it is created on, used on and freed on
//! the thread that compiles. What crosses threads is plain data: a `Request` (copies
//! of the region's decoded instructions and cycle sums, the chain table's address)
//! and an `Outcome` (the entry point as an address, sizes, timings). The machine's
//! thread only calls an entry point after it has received it (the channel orders the
//! compiler's writes to the code, and `finalize_definitions` made it executable and
//! coherent before the send), and only while its generation is current: a flush bumps
//! the generation on the machine's thread first, then asks the compiler to free the
//! module, so no code in freed memory is ever entered. Outcomes of an older
//! generation, or compiled for a code epoch that has since moved, are dropped on
//! arrival by the machine (`cache`).

use super::translate;
use super::ChainEntry;
use crate::cpu::inst::Inst;
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::default_libcall_names;
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Instant;

/// One block of a region to compile (owned copies: see `translate::Part`).
pub(crate) struct ReqBlock {
    pub pc: u64,
    pub len: usize,
    pub insts: Vec<Inst>,
    pub cum: Vec<u64>,
}

/// A region to compile.
pub(crate) struct Request {
    pub id: u64,
    /// The cache generation it was asked in (its outcome is dropped if it changed).
    pub generation: u32,
    pub blocks: Vec<ReqBlock>,
    /// The chain table's address (it never moves while the machine lives).
    pub chain: usize,
    /// When it was queued (for the queue-wait figure).
    pub queued: Instant,
}

/// What the compiler made of a request.
pub(crate) struct Outcome {
    pub id: u64,
    pub generation: u32,
    /// The entry point, or None if Cranelift declined (the block stays interpreted).
    pub f: Option<usize>,
    /// The trampoline of the module `f` lives in.
    pub trampoline: usize,
    /// Host code bytes and translations in that module so far (dropped ones included).
    pub module_bytes: usize,
    pub module_fns: usize,
    /// Time spent compiling, and waiting in the queue before that.
    pub compile_ns: u64,
    pub queue_ns: u64,
    /// The host has no Cranelift backend: nothing will ever be translated.
    pub unavailable: bool,
}

/// Messages to the compiler thread.
pub(crate) enum Msg {
    Compile(Request),
    /// Free the module (the machine dropped every handle into it first).
    Flush,
}

/// Cranelift's state and the module translations are finalized into.
#[derive(Default)]
pub(crate) struct Compiler {
    module: Option<JITModule>,
    ctx: Option<cranelift_codegen::Context>,
    fctx: cranelift_frontend::FunctionBuilderContext,
    trampoline: usize,
    stubs: translate::Stubs,
    /// Stable copies of the instructions translated code hands to `step_helper`,
    /// freed with the module.
    insts: Vec<Box<[Inst]>>,
    bytes: usize,
    fns: usize,
    unavailable: bool,
}

fn new_module() -> Option<JITModule> {
    use cranelift_codegen::settings::{self, Configurable};
    let mut flags = settings::builder();
    flags.set("opt_level", "speed").ok()?;
    flags.set("use_colocated_libcalls", "false").ok()?;
    flags.set("is_pic", "false").ok()?;
    // Translations are small and made at run time: the IR verifier's cost is not
    // worth paying on every one.
    flags.set("enable_verifier", "false").ok()?;
    // Cranelift's tail calls (chaining) rely on frame pointers.
    flags.set("preserve_frame_pointers", "true").ok()?;
    // Translated code reads guest memory in place: little-endian hosts only.
    if !cfg!(target_endian = "little") {
        return None;
    }
    let isa = cranelift_native::builder().ok()?.finish(settings::Flags::new(flags)).ok()?;
    Some(JITModule::new(JITBuilder::with_isa(isa, default_libcall_names())))
}

impl Compiler {
    /// Compiles `req` into the current module (made, with its trampoline, if there is
    /// none).
    pub fn compile(&mut self, req: &Request) -> Outcome {
        let start = Instant::now();
        let queue_ns = start.saturating_duration_since(req.queued).as_nanos() as u64;
        let f = self.translate(req);
        Outcome {
            id: req.id,
            generation: req.generation,
            f,
            trampoline: self.trampoline,
            module_bytes: self.bytes,
            module_fns: self.fns,
            compile_ns: start.elapsed().as_nanos() as u64,
            queue_ns,
            unavailable: self.unavailable,
        }
    }

    fn translate(&mut self, req: &Request) -> Option<usize> {
        if self.unavailable {
            return None;
        }
        if self.module.is_none() {
            self.module = new_module();
            let Some(module) = self.module.as_mut() else {
                self.unavailable = true;
                return None;
            };
            let ctx = self.ctx.get_or_insert_with(cranelift_codegen::Context::new);
            match translate::trampoline(module, ctx, &mut self.fctx).and_then(|t| Ok((t, translate::stubs(module, ctx, &mut self.fctx)?))) {
                Ok((t, stubs)) => {
                    self.trampoline = t as usize;
                    self.stubs = stubs;
                }
                Err(e) => {
                    tracing::debug!("jit: no trampoline: {e}");
                    self.unavailable = true;
                    return None;
                }
            }
        }
        let module = self.module.as_mut()?;
        let ctx = self.ctx.get_or_insert_with(cranelift_codegen::Context::new);
        let start = self.insts.len();
        for b in &req.blocks {
            self.insts.push(b.insts[..b.len].to_vec().into_boxed_slice());
        }
        let parts: Vec<translate::Part> = req
            .blocks
            .iter()
            .zip(&self.insts[start..])
            .map(|(b, copy)| translate::Part { pc: b.pc, len: b.len, code: &b.insts, cum: &b.cum, insts: copy.iter().map(|i| i as *const Inst).collect() })
            .collect();
        match translate::compile(module, ctx, &mut self.fctx, &parts, req.chain as *const ChainEntry, self.stubs) {
            Ok((f, bytes)) => {
                self.bytes += bytes;
                self.fns += 1;
                Some(f as usize)
            }
            Err(e) => {
                drop(parts);
                self.insts.truncate(start);
                tracing::debug!("jit: block at {:#x} not translated: {e}", req.blocks[0].pc);
                None
            }
        }
    }

    /// Frees the module and everything translated into it.
    pub fn flush(&mut self) {
        if let Some(m) = self.module.take() {
            // SAFETY: the machine calls for this (directly, or through `Msg::Flush`)
            // only after dropping every way to reach the module's code: the chain
            // table is emptied, the handles blocks hold are made stale by the
            // generation bump, the trampoline is forgotten, and outcomes still in
            // flight carry the old generation and are dropped on arrival. No
            // translated code is running then (flushes happen between blocks, on the
            // machine's thread), or the machine is gone.
            unsafe { m.free_memory() };
        }
        self.insts.clear();
        self.trampoline = 0;
        self.stubs = translate::Stubs::default();
        self.bytes = 0;
        self.fns = 0;
    }
}

/// A gate the compiler thread passes before each compilation: closed, it waits (tests
/// hold a translation in flight with it while they change the code under it).
#[derive(Default)]
pub(crate) struct Gate {
    closed: Mutex<bool>,
    cv: Condvar,
}

impl Gate {
    pub fn set(&self, closed: bool) {
        *self.closed.lock().unwrap_or_else(|e| e.into_inner()) = closed;
        self.cv.notify_all();
    }

    fn pass(&self) {
        let mut c = self.closed.lock().unwrap_or_else(|e| e.into_inner());
        while *c {
            c = self.cv.wait(c).unwrap_or_else(|e| e.into_inner());
        }
    }
}

/// Starts the compiler thread: requests in, outcomes out, in order. It ends when the
/// machine drops its sender, freeing the module then.
pub(crate) fn spawn(gate: Arc<Gate>) -> Option<(Sender<Msg>, Receiver<Outcome>)> {
    let (req_tx, req_rx) = std::sync::mpsc::channel::<Msg>();
    let (out_tx, out_rx) = std::sync::mpsc::channel::<Outcome>();
    let worker = move || {
        let mut c = Compiler::default();
        for msg in req_rx {
            match msg {
                Msg::Compile(req) => {
                    gate.pass();
                    if out_tx.send(c.compile(&req)).is_err() {
                        break;
                    }
                }
                Msg::Flush => c.flush(),
            }
        }
        // The machine is gone (its sender dropped): nothing can run the code.
        c.flush();
    };
    std::thread::Builder::new().name("grantix-jit".into()).spawn(worker).ok()?;
    Some((req_tx, out_rx))
}
