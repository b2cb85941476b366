//! The flat-image harness: runs a raw RV64GC image (tests/isa/bin/*.bin, linked at
//! 0x10000) on a bare machine with just enough of an environment to report results.
//!
//! Set-up, as a board would do it:
//! - a host space, the *harness*, whose portals are the ecall portal (exit, write,
//!   yield, dump registers, plus a hook for test-specific calls) and a fault portal;
//! - a CODE space with the image mapped RX at 0x10000, and a DATA space with the
//!   same frames mapped read-only at the same offsets, a stack and a scratch area;
//! - a root grant over the whole DATA space to the harness, made by DATA itself, so
//!   that the harness reads the guest's buffers under its own identity, as a Linux
//!   personality would;
//! - a hart at 0x10000 in (CODE, DATA).
//!
//! Guest programs start with `image_header` (tests/isa/gx.inc): a 4-byte jump, then
//! at image offset 8 a table of u64 entry addresses (`Flat::entry`).

#![allow(dead_code)]

use machine::addr::{self, SPACE_SIZE};
use machine::grants::{GrantRequest, Handle};
use machine::hart::reg;
use machine::{Context, Exit, Fault, GrantRights, HartId, HostCtx, HostReply, HostSpace, Machine, MachineConfig, PageRights, Sid};
use std::any::Any;
use std::path::PathBuf;

/// Where images are linked and mapped.
pub const IMAGE_BASE: u64 = 0x10000;
/// The guest stack: `[STACK_TOP - STACK_SIZE, STACK_TOP)` in DATA, RW.
pub const STACK_TOP: u64 = 0x8000_0000;
pub const STACK_SIZE: u64 = 0x4_0000;
/// A scratch area in DATA, RW.
pub const SCRATCH: u64 = 0x20_0000;
pub const SCRATCH_SIZE: u64 = 0x1_0000;

/// The harness's ecall numbers (a7).
pub const SYS_WRITE: u64 = 64;
pub const SYS_EXIT: u64 = 93;
pub const SYS_EXIT_GROUP: u64 = 94;
pub const SYS_YIELD: u64 = 124;
pub const SYS_DUMP: u64 = 1000;

/// Stop code of a yield (exit codes are whatever the guest passes).
pub const YIELD_STOP: u64 = 1 << 40;
/// Stop code of an unhandled fault delivered to the harness's fault portal.
pub const FAULT_STOP: u64 = 2 << 40;

/// Entry offsets of the harness's portals (a host space numbers its portals by entry).
pub const ENTRY_ECALL: u64 = 0x100;
pub const ENTRY_FAULT: u64 = 0x200;

/// The committed image `tests/isa/bin/NAME`.
pub fn bin_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/isa/bin").join(name)
}

/// The bytes of the committed flat image `tests/isa/bin/NAME.bin`.
pub fn image(name: &str) -> Vec<u8> {
    let p = bin_path(&format!("{name}.bin"));
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e} (run tests/isa/build.sh)", p.display()))
}

/// A register dump taken by `SYS_DUMP`: the caller's whole context and environment.
#[derive(Clone, Debug)]
pub struct Dump {
    pub ctx: Context,
    pub code: Sid,
    pub data: Sid,
}

/// A fault delivered to the harness's fault portal: (cause, addr, pc).
pub type FaultCall = (u64, u64, u64);

/// Test-specific ecall handling: `Some(reply)` handles the call, `None` falls back to
/// the harness's own calls.
pub type Hook = Box<dyn FnMut(&mut HostCtx<'_>, [u64; 8]) -> Option<Result<HostReply, Fault>> + Send>;

/// The harness's host space.
#[derive(Default)]
pub struct HostIo {
    /// Everything written with SYS_WRITE, any fd.
    pub out: Vec<u8>,
    pub dumps: Vec<Dump>,
    pub exit: Option<u64>,
    pub faults: Vec<FaultCall>,
    /// Resume faults at pc + 4 instead of stopping the hart.
    pub resume_faults: bool,
    pub hook: Option<Hook>,
}

impl HostIo {
    fn ecall(&mut self, ctx: &mut HostCtx<'_>, a: [u64; 8]) -> Result<HostReply, Fault> {
        if let Some(hook) = self.hook.as_mut() {
            if let Some(r) = hook(ctx, a) {
                return r;
            }
        }
        Ok(match a[7] {
            SYS_WRITE => {
                // A local pointer is the caller's: qualify it with the caller's DATA. The
                // read then needs the grant the caller's DATA gave us.
                let ptr = if addr::sid_of(a[1]) == 0 { addr::qualified(ctx.caller().1, a[1]) } else { a[1] };
                let mut buf = vec![0u8; a[2].min(1 << 20) as usize];
                match ctx.read(ptr, &mut buf) {
                    Ok(()) => {
                        self.out.extend_from_slice(&buf);
                        HostReply::Return([buf.len() as u64, 0])
                    }
                    Err(_) => HostReply::Return([(-14i64) as u64, 0]),
                }
            }
            SYS_EXIT | SYS_EXIT_GROUP => {
                self.exit = Some(a[0]);
                HostReply::Stop(a[0])
            }
            SYS_YIELD => HostReply::Stop(YIELD_STOP),
            SYS_DUMP => {
                let (code, data) = ctx.caller();
                let c = ctx.context_mut().expect("an ecall frame").clone();
                self.dumps.push(Dump { ctx: c, code, data });
                HostReply::Resume
            }
            _ => HostReply::Return([(-38i64) as u64, 0]),
        })
    }

    fn fault(&mut self, ctx: &mut HostCtx<'_>, a: [u64; 8]) -> Result<HostReply, Fault> {
        self.faults.push((a[0], a[1], a[2]));
        if self.resume_faults {
            let c = ctx.context_mut().expect("a fault frame");
            c.pc += 4;
            Ok(HostReply::Resume)
        } else {
            Ok(HostReply::Stop(FAULT_STOP))
        }
    }
}

impl HostSpace for HostIo {
    fn call(&mut self, ctx: &mut HostCtx<'_>, entry: u64, args: [u64; 8]) -> Result<HostReply, Fault> {
        match entry {
            ENTRY_ECALL => self.ecall(ctx, args),
            ENTRY_FAULT => self.fault(ctx, args),
            _ => panic!("no harness entry {entry:#x}"),
        }
    }

    fn as_any(&mut self) -> &mut dyn Any {
        self
    }
}

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The guest called exit.
    Exit(u64),
    /// A fault nothing handled.
    Fault(Fault),
    /// Any other stop (a yield, a fault stopped by the harness's fault portal, a hook).
    Stop(u64),
    /// The budget ran out.
    Budget,
}

/// A machine with the harness and one flat program loaded.
pub struct Flat {
    pub m: Machine,
    pub host: Sid,
    pub ecall_portal: u64,
    pub fault_portal: u64,
    pub code: Sid,
    pub data: Sid,
    pub hart: HartId,
    pub image: Vec<u8>,
    /// The root grant over DATA the harness reads through.
    pub io_grant: Handle,
}

/// Default instruction budget of `Flat::run`.
pub const BUDGET: u64 = 50_000_000;

impl Flat {
    /// A default machine running `image`.
    pub fn new(image: &[u8]) -> Flat {
        Flat::with_config(image, MachineConfig::default())
    }

    /// A machine with `config` running `image`.
    pub fn with_config(image: &[u8], config: MachineConfig) -> Flat {
        let mut m = Machine::new(config);
        let host = m.add_host_space("harness", Box::new(HostIo::default()), 0).expect("host space");
        let ecall_portal = m.create_portal(host, host, ENTRY_ECALL).expect("ecall portal");
        let fault_portal = m.create_portal(host, host, ENTRY_FAULT).expect("fault portal");
        let mut f = Flat { m, host, ecall_portal, fault_portal, code: 0, data: 0, hart: 0, image: image.to_vec(), io_grant: 0 };
        let (code, data) = f.load_pair(image, "client");
        f.code = code;
        f.data = data;
        f.io_grant = f.install_ecall(data);
        f.m.mem.map_zero(data, STACK_TOP - STACK_SIZE, STACK_SIZE, PageRights::RW).expect("stack");
        f.m.mem.map_zero(data, SCRATCH, SCRATCH_SIZE, PageRights::RW).expect("scratch");
        let mut ctx = Context { pc: IMAGE_BASE, ..Context::default() };
        ctx.x[reg::SP] = STACK_TOP;
        f.hart = f.m.create_hart(code, data, ctx).expect("hart");
        f
    }

    /// Creates a CODE space with `image` at 0x10000 (RX) and a DATA space that maps
    /// the same frames read-only at the same offsets.
    pub fn load_pair(&mut self, image: &[u8], name: &str) -> (Sid, Sid) {
        let mem = &mut self.m.mem;
        let code = mem.create_space(format!("{name} code"), 0).expect("code space");
        let data = mem.create_space(format!("{name} data"), 0).expect("data space");
        let len = addr::page_ceil(image.len().max(1) as u64);
        mem.map_zero(code, IMAGE_BASE, len, PageRights::RX).expect("map image");
        mem.poke(code, IMAGE_BASE, image).expect("poke image");
        mem.share(code, IMAGE_BASE, data, IMAGE_BASE, len, PageRights::R).expect("share image");
        (code, data)
    }

    /// Makes the harness `data`'s ecall portal, with a root grant over all of `data`
    /// (made by `data` itself) so the harness can read and write its buffers.
    pub fn install_ecall(&mut self, data: Sid) -> Handle {
        self.m.mem.space_mut(data).expect("data space").ecall_portal = Some(self.ecall_portal);
        let req = GrantRequest { owner: data, lo: 0, len: SPACE_SIZE, rights: GrantRights::RW, grantee: self.host, transient: false };
        self.m.mem.grant(data, data, &req).expect("harness grant")
    }

    /// Makes the harness `data`'s fault portal.
    pub fn install_fault(&mut self, data: Sid) {
        self.m.mem.space_mut(data).expect("data space").fault_portal = Some(self.fault_portal);
    }

    /// A server: a new (CODE, DATA) pair running `image`, with the harness as its
    /// ecall portal.
    pub fn server(&mut self, image: &[u8], name: &str) -> (Sid, Sid) {
        let (code, data) = self.load_pair(image, name);
        self.install_ecall(data);
        (code, data)
    }

    /// Creates a portal into (code, data) at `entry` and gives `grantee` a C grant
    /// over its entry (made by the server's environment, as a server would).
    pub fn granted_portal(&mut self, code: Sid, data: Sid, entry: u64, grantee: Sid) -> u64 {
        let p = self.m.create_portal(code, data, entry).expect("portal");
        let req = GrantRequest { owner: code, lo: entry, len: 2, rights: GrantRights::C, grantee, transient: false };
        self.m.mem.grant(code, data, &req).expect("C grant");
        p
    }

    /// Entry `i` of the image's header table (an absolute address).
    pub fn entry(&self, i: usize) -> u64 {
        let o = 8 + 8 * i;
        u64::from_le_bytes(self.image[o..o + 8].try_into().expect("header table"))
    }

    /// Sets a0.. of the (not yet started) hart.
    pub fn set_args(&mut self, args: &[u64]) {
        let h = self.m.hart_mut(self.hart).expect("hart");
        for (i, a) in args.iter().enumerate() {
            h.ctx.x[reg::A0 + i] = *a;
        }
    }

    /// The harness's state.
    pub fn io(&mut self) -> &mut HostIo {
        self.m.host_space::<HostIo>(self.host).expect("harness host space")
    }

    /// Everything the guest wrote.
    pub fn output(&mut self) -> String {
        String::from_utf8_lossy(&self.io().out).into_owned()
    }

    /// Runs the hart until it exits, faults, stops, or `BUDGET` instructions pass.
    pub fn run(&mut self) -> Outcome {
        self.run_hart(self.hart, BUDGET)
    }

    /// Runs `hart` until it exits, faults, stops, or `budget` instructions pass.
    pub fn run_hart(&mut self, hart: HartId, budget: u64) -> Outcome {
        let before = self.m.hart(hart).expect("hart").counters.instret;
        loop {
            let exit = self.m.run(hart, 1_000_000).expect("run");
            match exit {
                Exit::Stop(c) => {
                    return match self.io().exit.take() {
                        Some(code) => Outcome::Exit(code),
                        None => Outcome::Stop(c),
                    };
                }
                Exit::Fault(f) => return Outcome::Fault(f),
                Exit::Budget => {
                    if self.m.hart(hart).expect("hart").counters.instret - before >= budget {
                        return Outcome::Budget;
                    }
                }
                Exit::Returned => panic!("a base-level run returned"),
            }
        }
    }

    /// Registers of the hart (between runs).
    pub fn ctx(&self) -> &Context {
        &self.m.hart(self.hart).expect("hart").ctx
    }

    /// A report for assertion messages: output, last dump, registers.
    pub fn report(&mut self) -> String {
        let out = self.output();
        let dump = self.io().dumps.last().cloned();
        let ctx = self.ctx().clone();
        format!("output: {out:?}\nlast dump: {dump:#x?}\nregisters now: pc={:#x} x={:#x?}", ctx.pc, ctx.x)
    }
}
