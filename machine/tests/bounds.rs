//! Every object a guest can make is bounded and reported (spaces, frames, grants,
//! portals, harts), hitting a bound is an error code and never a crash, and a hart
//! spinning inside a portal frame can always be unwound to be killed.
//!
//! The guests are a few hand-encoded instructions run on the flat harness.

mod common;

use common::{Flat, Outcome, SCRATCH};
use machine::grants::GrantLimits;
use machine::hart::reg;
use machine::memory::MemoryLimits;
use machine::portal::PortalLimits;
use machine::{Access, Context, Exit, Fault, FaultKind, GxError, MachineConfig, PageRights};

// ----- a tiny RV64 encoder, enough for these guests -----

const A0: u32 = 10;
const A1: u32 = 11;
const A7: u32 = 17;
const T0: u32 = 5;
const S1: u32 = 9;
const S2: u32 = 18;

fn addi(rd: u32, rs1: u32, imm: i32) -> u32 {
    ((imm as u32 & 0xfff) << 20) | (rs1 << 15) | (rd << 7) | 0x13
}
fn auipc(rd: u32) -> u32 {
    (rd << 7) | 0x17
}
/// An Xgx instruction: custom-0, funct7 0, rs2 x0.
fn gx(funct3: u32, rd: u32, rs1: u32) -> u32 {
    (rs1 << 15) | (funct3 << 12) | (rd << 7) | 0x0b
}
fn blt(rs1: u32, rs2: u32, off: i32) -> u32 {
    let o = off as u32;
    (((o >> 12) & 1) << 31) | (((o >> 5) & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) | (4 << 12) | (((o >> 1) & 0xf) << 8) | (((o >> 11) & 1) << 7) | 0x63
}
fn jal(rd: u32, off: i32) -> u32 {
    let o = off as u32;
    (((o >> 20) & 1) << 31) | (((o >> 1) & 0x3ff) << 21) | (((o >> 11) & 1) << 20) | (((o >> 12) & 0xff) << 12) | (rd << 7) | 0x6f
}
const ECALL: u32 = 0x73;
const GX_GRANT: u32 = 1;
const GX_PORTAL: u32 = 3;
const GX_PCALL: u32 = 4;

fn image(words: &[u32]) -> Vec<u8> {
    words.iter().flat_map(|w| w.to_le_bytes()).collect()
}

/// gx.portal in a loop until it fails; exits with the error, s1 = portals made.
fn portal_flood() -> Vec<u8> {
    image(&[
        addi(A7, 0, 93),          // 0x00: a7 = exit
        auipc(T0),                // 0x04: t0 = 0x10004, an executable entry
        addi(S1, 0, 0),           // 0x08
        gx(GX_PORTAL, A0, T0),    // 0x0c
        blt(A0, 0, 12),           // 0x10: -> 0x1c on error
        addi(S1, S1, 1),          // 0x14
        jal(0, -12),              // 0x18: -> 0x0c
        ECALL,                    // 0x1c: exit(a0)
    ])
}

fn config(portals: PortalLimits) -> MachineConfig {
    MachineConfig { portals, ..MachineConfig::default() }
}

#[test]
fn a_portal_loop_stops_at_the_per_space_limit_with_enomem() {
    let mut f = Flat::with_config(&portal_flood(), config(PortalLimits { per_space: 500, total: 1 << 20 }));
    let before = f.m.usage().portals.current;
    assert_eq!(f.run(), Outcome::Exit(GxError::Limit.to_reg()), "{}", f.report());
    assert_eq!(f.ctx().x[S1 as usize], 500);
    let u = f.m.usage().portals;
    assert_eq!((u.current, u.peak), (before + 500, before + 500));
    // The space dies: its portals go with it, and another space may make as many.
    f.m.destroy_hart(f.hart);
    f.m.mem.destroy_space(f.data).unwrap();
    f.m.mem.destroy_space(f.code).unwrap();
    f.m.forget_dead_spaces();
    assert_eq!(f.m.usage().portals.current, before);
    assert_eq!(f.m.usage().portals.peak, before + 500);
    let (code, data) = f.load_pair(&portal_flood(), "second");
    f.install_ecall(data);
    let h = f.m.create_hart(code, data, Context { pc: common::IMAGE_BASE, ..Context::default() }).unwrap();
    assert_eq!(f.run_hart(h, 1 << 20), Outcome::Exit(GxError::Limit.to_reg()));
    assert_eq!(f.m.hart(h).unwrap().ctx.x[S1 as usize], 500);
}

#[test]
fn the_machine_wide_portal_total_binds_every_space() {
    let mut f = Flat::with_config(&portal_flood(), config(PortalLimits { per_space: 1 << 20, total: 100 }));
    let before = f.m.usage().portals.current;
    assert_eq!(f.run(), Outcome::Exit(GxError::Limit.to_reg()));
    assert_eq!(f.ctx().x[S1 as usize], 100 - before);
    assert_eq!(f.m.create_portal(f.host, f.host, 0x300), Err(GxError::Limit), "host code meets it too");
}

#[test]
fn spaces_harts_frames_and_grants_have_limits_reported_by_usage() {
    let limits = MemoryLimits { spaces: 8, frames: 200, reserve: 10, grants: GrantLimits { total: 5, ..GrantLimits::default() } };
    let mut f = Flat::with_config(&portal_flood(), MachineConfig { limits, max_harts: 3, ..MachineConfig::default() });
    // harness + code + data
    let mut made = Vec::new();
    while let Ok(s) = f.m.mem.create_space("filler", 0) {
        made.push(s);
    }
    assert_eq!(made.len(), 5);
    assert_eq!(f.m.mem.create_space("one too many", 0), Err(GxError::Limit));
    let u = f.m.usage();
    assert_eq!((u.spaces.current, u.spaces.peak, u.spaces.limit), (8, 8, 8));
    f.m.mem.destroy_space(made.pop().unwrap()).unwrap();
    assert_eq!(f.m.usage().spaces.current, 7);
    made.push(f.m.mem.create_space("fits again", 0).unwrap());

    // Harts: one exists.
    let ctx = Context::default();
    let h2 = f.m.create_hart(f.code, f.data, ctx.clone()).unwrap();
    f.m.create_hart(f.code, f.data, ctx.clone()).unwrap();
    assert_eq!(f.m.create_hart(f.code, f.data, ctx.clone()), Err(GxError::Limit));
    f.m.destroy_hart(h2);
    assert_eq!(f.m.usage().harts.current, 2);
    assert!(f.m.create_hart(f.code, f.data, ctx).is_ok());
    assert_eq!(f.m.usage().harts.peak, 3);

    // Frames: guest-driven mapping gets what is left short of the kernel's reserve,
    // then an error, not a panic.
    assert_eq!(f.m.mem.guest_frame_limit(), 190);
    let free = (190 - f.m.mem.frames.live()) as u64;
    assert_eq!(f.m.mem.map_zero(made[0], 0x100000, (free + 1) * 4096, PageRights::RW), Err(GxError::Limit));
    f.m.mem.map_zero(made[0], 0x100000, free * 4096, PageRights::RW).unwrap();
    assert_eq!(f.m.usage().frames.current, 190);
    f.m.mem.map_lazy(made[1], 0x100000, 64 * 4096, PageRights::RW).unwrap();
    let mut b = [0u8; 1];
    // A demand-zero page touched by emulated code with no frame left: a fault of its
    // own kind (the OOM policy's business), not an unmapped access.
    let oom = f.m.mem.copy_in(made[1], 0x100000, &mut b);
    assert_eq!(oom, Err(FaultKind::OutOfMemory { access: Access::Read, addr: 0x100000 }));
    assert_eq!(Fault::new(oom.unwrap_err(), made[1], 0).cause(), 28);
    // The kernel's own accesses still get the reserve, and no more.
    for i in 0..10 {
        f.m.mem.copy_out_host(made[1], 0x100000 + i * 4096, &[1]).unwrap();
    }
    assert_eq!(f.m.usage().frames.current, 200);
    assert!(matches!(f.m.mem.copy_out_host(made[1], 0x100000 + 10 * 4096, &[1]), Err(FaultKind::OutOfMemory { .. })));
    // A fork that could never complete its copies is refused up front.
    assert_eq!(f.m.mem.cow_clone(made[0], made[2]), Err(GxError::Limit));

    // Grants: one (the harness's) exists; the total binds.
    let req = |owner| machine::grants::GrantRequest { owner, lo: 0, len: 4096, rights: machine::GrantRights::R, grantee: f.host, transient: false };
    for s in &made[..4] {
        f.m.mem.grant(*s, *s, &req(*s)).unwrap();
    }
    assert_eq!(f.m.mem.grant(made[4], made[4], &req(made[4])), Err(GxError::Limit));
    assert_eq!(f.m.usage().grants.current, 5);
}

#[test]
fn copy_on_write_breaks_past_the_limit_are_out_of_memory_faults() {
    use machine::memory::Memory;
    let mut m = Memory::new(MemoryLimits { frames: 64, reserve: 8, ..MemoryLimits::default() });
    let (a, b, c) = (m.create_space("a", 0).unwrap(), m.create_space("b", 0).unwrap(), m.create_space("c", 0).unwrap());
    m.map_zero(a, 0x10000, 20 * 4096, PageRights::RW).unwrap();
    m.cow_clone(a, b).unwrap();
    m.map_zero(c, 0x10000, 30 * 4096, PageRights::RW).unwrap();
    assert_eq!(m.frames.live(), 50);
    for i in 0..6 {
        m.copy_out(b, 0x10000 + i * 4096, &[7]).unwrap();
    }
    let r = m.copy_out(b, 0x10000 + 6 * 4096, &[7]);
    assert_eq!(r, Err(FaultKind::OutOfMemory { access: Access::Write, addr: 0x16000 }));
    // Nothing was half-done: the page is still shared and reads the parent's bytes.
    let mut x = [9u8];
    m.copy_in(b, 0x16000, &mut x).unwrap();
    assert_eq!(x, [0]);
    // Freeing memory (the biggest process killed) lets the write through.
    m.destroy_space(c).unwrap();
    m.copy_out(b, 0x16000, &[7]).unwrap();
}

/// Makes a transient grant (descriptor at a1), then calls a portal into its own
/// code, which spins.
fn spin_in_own_portal() -> Vec<u8> {
    image(&[
        gx(GX_GRANT, S2, A1),   // 0x00: s2 = transient grant
        auipc(T0),              // 0x04: t0 = 0x10004
        addi(T0, T0, 0x10),     // 0x08: t0 = 0x10014
        gx(GX_PORTAL, A0, T0),  // 0x0c
        gx(GX_PCALL, S1, A0),   // 0x10: the transient grant goes to this call
        jal(0, 0),              // 0x14: spin (the portal's entry)
    ])
}

#[test]
fn a_hart_spinning_in_its_own_portal_frame_is_unwound_with_its_grants() {
    let mut f = Flat::new(&spin_in_own_portal());
    let desc = SCRATCH + 0x100;
    let mut d = Vec::new();
    d.extend_from_slice(&SCRATCH.to_le_bytes());
    d.extend_from_slice(&4096u64.to_le_bytes());
    d.extend_from_slice(&f.host.to_le_bytes());
    d.extend_from_slice(&[1, 1, 0, 0, 0, 0]); // R, transient
    f.m.mem.poke(f.data, desc, &d).unwrap();
    f.set_args(&[0, desc]);
    let live = f.m.mem.grants.live();
    assert_eq!(f.m.run(f.hart, 10_000), Ok(Exit::Budget));
    let h = f.m.hart(f.hart).unwrap();
    assert_eq!(h.depth(), 1, "inside its own portal frame: {}", f.report());
    // The callee starts scrubbed: the handle is in the caller's saved registers.
    let grant = h.control[0].saved.x[S2 as usize];
    assert!(f.m.mem.grants.get(grant).is_some_and(|g| g.transient));
    assert_eq!(f.m.mem.grants.live(), live + 1);
    // An interrupt (how a signal reaches user code) cannot be taken in a frame.
    assert_eq!(f.m.interrupt(f.hart, f.ecall_portal), Err(GxError::Busy));
    assert_eq!(f.m.unwind(f.hart), Ok(1));
    let h = f.m.hart(f.hart).unwrap();
    assert_eq!((h.depth(), h.code, h.data), (0, f.code, f.data));
    assert_eq!(h.ctx.pc, common::IMAGE_BASE + 0x14, "back at the caller's return point");
    assert!(f.m.mem.grants.get(grant).is_none(), "the transient grant went with the frame");
    assert_eq!(f.m.mem.grants.live(), live);
    // Now an interrupt is taken, and destroying the hart leaves nothing behind.
    assert!(f.m.interrupt(f.hart, f.ecall_portal).is_ok());
    assert_eq!(f.m.unwind(f.hart), Ok(0));
    let harts = f.m.usage().harts.current;
    f.m.destroy_hart(f.hart);
    assert_eq!(f.m.usage().harts.current, harts - 1);
    assert_eq!(f.m.unwind(f.hart), Err(GxError::Stale));
    let _ = reg::A0;
}
