//! Differential tests of the engines: random straight-line and branchy integer code,
//! with loads and stores that hit, fault (unmapped, denied, read-only, past the end of a
//! mapping) or are misaligned, run in a loop so its blocks turn hot and get translated,
//! under the one-instruction-at-a-time reference, the block interpreter and the JIT,
//! with random scheduling quanta. Registers, memory, instret, cycles, access counters
//! and every fault (cause, address, pc) must be identical. And a revoked grant faults
//! translated code at the same pc as the interpreter.

mod asm;
mod common;

use asm::*;
use common::{Flat, IMAGE_BASE, SCRATCH, SCRATCH_SIZE, SYS_EXIT};
use machine::counters::Counters;
use machine::cpu::Engine;
use machine::grants::GrantRequest;
use machine::{addr, Context, Exit, GrantRights, MachineConfig, PageRights, Sid};
use proptest::prelude::*;

/// Registers random code may write (not sp, the base pointers x10..x14, or the loop
/// counter x31).
const FREE: [u32; 23] = [1, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29];
/// Base registers for memory accesses: valid RW, unmapped, the end of a mapping,
/// foreign read-only (granted R), the read-only image.
const BASES: [u32; 5] = [10, 11, 12, 13, 14];
const LOOPS: i32 = 40;
const FOREIGN: u64 = 0x40000;

#[derive(Clone, Debug)]
enum Gen {
    Alu { op: u8, rd: u32, rs1: u32, rs2: u32, imm: i32 },
    Load { w: u8, rd: u32, base: u32, off: i32 },
    Store { w: u8, base: u32, src: u32, off: i32 },
    Branch { f3: u8, rs1: u32, rs2: u32, skip: u8 },
    /// An F/D or FP-CSR instruction, already encoded.
    Raw(u32),
}

fn reg() -> impl Strategy<Value = u32> {
    prop::sample::select(FREE.to_vec())
}

fn any_reg() -> impl Strategy<Value = u32> {
    prop_oneof![reg(), prop::sample::select(BASES.to_vec()), Just(0u32)]
}

fn instruction() -> impl Strategy<Value = Gen> {
    prop_oneof![
        6 => (0u8..36, reg(), any_reg(), any_reg(), -2048i32..2048).prop_map(|(op, rd, rs1, rs2, imm)| Gen::Alu { op, rd, rs1, rs2, imm }),
        2 => (0u8..7, reg(), prop::sample::select(BASES.to_vec()), -24i32..24).prop_map(|(w, rd, base, off)| Gen::Load { w, rd, base, off }),
        2 => (0u8..4, prop::sample::select(BASES.to_vec()), any_reg(), -24i32..24).prop_map(|(w, base, src, off)| Gen::Store { w, base, src, off }),
        1 => (prop::sample::select(vec![0u8, 1, 4, 5, 6, 7]), any_reg(), any_reg(), 0u8..4).prop_map(|(f3, rs1, rs2, skip)| Gen::Branch { f3, rs1, rs2, skip }),
    ]
}

fn encode(g: &Gen, at: usize, end: usize) -> u32 {
    match *g {
        Gen::Alu { op, rd, rs1, rs2, imm } => {
            // (opcode, funct3, funct7) of R-type ops, then I-type.
            const R: [(u32, u32, u32); 23] = [
                (0x33, 0, 0), (0x33, 0, 0x20), (0x33, 1, 0), (0x33, 2, 0), (0x33, 3, 0), (0x33, 4, 0), (0x33, 5, 0), (0x33, 5, 0x20),
                (0x33, 6, 0), (0x33, 7, 0), (0x3b, 0, 0), (0x3b, 0, 0x20), (0x3b, 1, 0), (0x3b, 5, 0), (0x3b, 5, 0x20),
                // M: mul mulh mulhsu mulhu div divu rem remu; and the W forms follow below
                (0x33, 0, 1), (0x33, 1, 1), (0x33, 2, 1), (0x33, 3, 1), (0x33, 4, 1), (0x33, 5, 1), (0x33, 6, 1), (0x33, 7, 1),
            ];
            const MW: [(u32, u32, u32); 5] = [(0x3b, 0, 1), (0x3b, 4, 1), (0x3b, 5, 1), (0x3b, 6, 1), (0x3b, 7, 1)];
            let op = op as usize;
            if op < R.len() {
                let (o, f3, f7) = R[op];
                r(o, f3, f7, rd, rs1, rs2)
            } else if op < R.len() + MW.len() {
                let (o, f3, f7) = MW[op - R.len()];
                r(o, f3, f7, rd, rs1, rs2)
            } else {
                match op - R.len() - MW.len() {
                    0 => i(0x13, 0, rd, rs1, imm),
                    1 => i(0x13, 2, rd, rs1, imm),
                    2 => i(0x13, 3, rd, rs1, imm),
                    3 => i(0x13, 4, rd, rs1, imm),
                    4 => i(0x13, 6, rd, rs1, imm),
                    5 => i(0x13, 7, rd, rs1, imm),
                    6 => i(0x13, 1, rd, rs1, imm & 63),
                    7 => i(0x13, 5, rd, rs1, (imm & 63) | if imm < 0 { 0x400 } else { 0 }),
                    _ => lui(rd, imm as u32),
                }
            }
        }
        Gen::Load { w, rd, base, off } => i(0x03, [0, 1, 2, 3, 4, 5, 6][w as usize], rd, base, off),
        Gen::Store { w, base, src, off } => s(w as u32, base, src, off),
        Gen::Branch { f3, rs1, rs2, skip } => {
            let target = (at + 1 + skip as usize).min(end);
            b(f3 as u32, rs1, rs2, ((target - at) * 4) as i32)
        }
        Gen::Raw(w) => w,
    }
}

/// The program: x31 = LOOPS; loop { body; x31 -= 1; bnez x31 loop }; exit(0).
fn program(body: &[Gen]) -> Vec<u8> {
    let mut w = vec![addi(31, 0, LOOPS)];
    let start = w.len();
    let end = body.len(); // index (in the body) of the loop decrement
    for (k, g) in body.iter().enumerate() {
        w.push(encode(g, k, end));
    }
    w.push(addi(31, 31, -1));
    let back = -(((w.len() - start) * 4) as i32);
    w.push(bne(31, 0, back));
    w.extend([addi(A7, ZERO, SYS_EXIT as i32), addi(A0, ZERO, 0), ECALL]);
    bytes(&w)
}

#[derive(Debug, PartialEq, Eq)]
struct Result_ {
    exit: Option<u64>,
    ctx: Context,
    counters: Counters,
    faults: Vec<(u64, u64, u64)>,
    scratch: Vec<u8>,
}

/// FP register values worth trying: zeros, ones, normals, subnormals, the smallest
/// normals, infinities, quiet and signalling NaNs, boxed and unboxed singles.
fn fp_value() -> impl Strategy<Value = u64> {
    const D: [u64; 14] = [
        0, 1 << 63, 0x3ff0_0000_0000_0000, 0xbff8_0000_0000_0000, 0x0000_0000_0000_0001, 0x0010_0000_0000_0000, 0x0020_0000_0000_0001,
        0x7fef_ffff_ffff_ffff, 0x7ff0_0000_0000_0000, 0xfff0_0000_0000_0000, 0x7ff8_0000_0000_0000, 0x7ff4_0000_0000_0000,
        0x4340_0000_0000_0000, 0xc1e0_0000_0000_0000,
    ];
    const S: [u32; 10] = [0, 0x8000_0000, 0x3f80_0000, 0x0000_0001, 0x0080_0000, 0x0100_0001, 0x7f7f_ffff, 0x7f80_0000, 0x7fc0_0000, 0x7fa0_0000];
    prop_oneof![
        3 => (-1.0e6f64..1.0e6).prop_map(f64::to_bits),
        2 => prop::sample::select(D.to_vec()),
        2 => (-1.0e4f32..1.0e4).prop_map(|v| 0xffff_ffff_0000_0000 | v.to_bits() as u64),
        1 => prop::sample::select(S.to_vec()).prop_map(|v| 0xffff_ffff_0000_0000 | v as u64),
        1 => any::<u64>(),
    ]
}

fn freg() -> impl Strategy<Value = u32> {
    0u32..32
}

/// A rounding-mode field: mostly dynamic or RNE, sometimes another mode or an
/// invalid one.
fn rm() -> impl Strategy<Value = u32> {
    prop_oneof![4 => Just(7u32), 3 => Just(0u32), 2 => 1u32..5, 1 => 5u32..7]
}

/// F and D instructions (arithmetic, fused, conversions, comparisons, moves, loads
/// and stores) and writes of frm and fflags.
fn fp_instruction() -> impl Strategy<Value = Gen> {
    let arith = (0u32..5, 0u32..2, freg(), freg(), freg(), rm()).prop_map(|(f5, fmt, rd, rs1, rs2, rm)| {
        // fadd fsub fmul fdiv fsqrt
        let f5 = [0x00, 0x01, 0x02, 0x03, 0x0b][f5 as usize];
        let rs2 = if f5 == 0x0b { 0 } else { rs2 };
        Gen::Raw(r(0x53, rm, f5 << 2 | fmt, rd, rs1, rs2))
    });
    let fused = (0usize..4, 0u32..2, freg(), freg(), freg(), freg(), rm())
        .prop_map(|(k, fmt, rd, rs1, rs2, rs3, rm)| Gen::Raw(rs3 << 27 | fmt << 25 | rs2 << 20 | rs1 << 15 | rm << 12 | rd << 7 | [0x43, 0x47, 0x4b, 0x4f][k]));
    let sgn = (0u32..5, 0u32..2, freg(), freg(), freg()).prop_map(|(f3, fmt, rd, rs1, rs2)| {
        // fsgnj fsgnjn fsgnjx, fmin fmax
        let (f5, f3) = if f3 < 3 { (0x04, f3) } else { (0x05, f3 - 3) };
        Gen::Raw(r(0x53, f3, f5 << 2 | fmt, rd, rs1, rs2))
    });
    let cmp = (0u32..3, 0u32..2, reg(), freg(), freg()).prop_map(|(f3, fmt, rd, rs1, rs2)| Gen::Raw(r(0x53, f3, 0x14 << 2 | fmt, rd, rs1, rs2)));
    let to_int = (0u32..4, 0u32..2, reg(), freg(), prop_oneof![Just(1u32), rm()])
        .prop_map(|(k, fmt, rd, rs1, rm)| Gen::Raw(r(0x53, rm, 0x18 << 2 | fmt, rd, rs1, k)));
    let from_int = (0u32..4, 0u32..2, freg(), any_reg(), rm()).prop_map(|(k, fmt, rd, rs1, rm)| Gen::Raw(r(0x53, rm, 0x1a << 2 | fmt, rd, rs1, k)));
    let cvt = (0u32..2, freg(), freg(), rm()).prop_map(|(to_d, rd, rs1, rm)| {
        // fcvt.s.d (fmt S, rs2 1) or fcvt.d.s (fmt D, rs2 0)
        Gen::Raw(r(0x53, rm, 0x08 << 2 | to_d, rd, rs1, 1 - to_d))
    });
    let mv = (0u32..6, reg(), freg(), any_reg()).prop_map(|(k, xr, fr, xs)| {
        Gen::Raw(match k {
            0 => r(0x53, 0, 0x1c << 2 | 1, xr, fr, 0), // fmv.x.d
            1 => r(0x53, 0, 0x1e << 2 | 1, fr, xs, 0), // fmv.d.x
            2 => r(0x53, 0, 0x1c << 2, xr, fr, 0),     // fmv.x.w
            3 => r(0x53, 0, 0x1e << 2, fr, xs, 0),     // fmv.w.x
            4 => r(0x53, 1, 0x1c << 2 | 1, xr, fr, 0), // fclass.d
            _ => r(0x53, 1, 0x1c << 2, xr, fr, 0),     // fclass.s
        })
    });
    let mem = (0u32..4, freg(), prop::sample::select(BASES.to_vec()), -24i32..24).prop_map(|(k, fr, base, off)| {
        Gen::Raw(match k {
            0 => i(0x07, 3, fr, base, off),                      // fld
            1 => i(0x07, 2, fr, base, off),                      // flw
            2 => (s(3, base, fr, off) & !0x7f) | 0x27,           // fsd
            _ => (s(2, base, fr, off) & !0x7f) | 0x27,           // fsw
        })
    });
    // csrrwi x0, frm, m (m = 5..7 makes dynamic-mode instructions illegal) or
    // csrrwi x0, fflags, 0 (so NX is clear again and the fast path must step aside).
    let csr = prop_oneof![1 => (0u32..8).prop_map(|m| Gen::Raw(0x002 << 20 | m << 15 | 5 << 12 | 0x73)), 2 => Just(Gen::Raw(0x001 << 20 | 5 << 12 | 0x73))];
    prop_oneof![5 => arith, 3 => fused, 2 => sgn, 2 => cmp, 2 => to_int, 2 => from_int, 1 => cvt, 2 => mv, 2 => mem, 3 => csr]
}

fn run(image: &[u8], init: &[u64; 32], engine: (Engine, bool), quantum: u64) -> Result_ {
    run_fp(image, init, &[0; 32], 0, engine, quantum)
}

/// The engines compared with the reference: the interpreter, and the JIT compiling on
/// its thread (translations arrive whenever they do) and inline (`jit_sync`: every
/// hot block is translated at once).
const ENGINES: [(Engine, bool); 3] = [(Engine::Interp, false), (Engine::Jit, false), (Engine::Jit, true)];

fn run_fp(image: &[u8], init: &[u64; 32], finit: &[u64; 32], fcsr: u32, (engine, jit_sync): (Engine, bool), quantum: u64) -> Result_ {
    let mut f = Flat::with_config(image, MachineConfig { engine, jit_sync, ..MachineConfig::default() });
    let other: Sid = f.m.mem.create_space("other", 0).unwrap();
    f.m.mem.map_zero(other, FOREIGN, 0x1000, PageRights::RW).unwrap();
    f.m.mem.poke(other, FOREIGN, &[0x5a; 64]).unwrap();
    let req = GrantRequest { owner: other, lo: FOREIGN, len: 0x1000, rights: GrantRights::R, grantee: f.data, transient: false };
    f.m.mem.grant(other, other, &req).unwrap();
    f.install_fault(f.data);
    f.io().resume_faults = true;
    {
        let h = f.m.hart_mut(f.hart).unwrap();
        for r in FREE {
            h.ctx.x[r as usize] = init[r as usize];
        }
        h.ctx.x[10] = SCRATCH + 0x100;
        h.ctx.x[11] = 0x5000_0000;
        h.ctx.x[12] = SCRATCH + SCRATCH_SIZE - 4;
        h.ctx.x[13] = addr::qualified(other, FOREIGN + 8);
        h.ctx.x[14] = IMAGE_BASE + 0x40;
        h.ctx.f = *finit;
        h.ctx.fcsr = fcsr;
    }
    let mut spins = 0u64;
    let exit = loop {
        match f.m.run(f.hart, quantum).unwrap() {
            Exit::Budget => {
                spins += quantum;
                assert!(spins < 10_000_000, "runaway program");
            }
            Exit::Stop(_) => break f.io().exit,
            e => panic!("unexpected exit {e:?}"),
        }
    };
    let mut scratch = vec![0u8; SCRATCH_SIZE as usize];
    f.m.mem.peek(f.data, SCRATCH, &mut scratch).unwrap();
    let h = f.m.hart(f.hart).unwrap();
    let mut counters = f.m.space_counters.get(&f.data).cloned().unwrap_or_default();
    counters.instret = h.counters.instret;
    counters.cycles = h.counters.cycles;
    Result_ { exit, ctx: h.ctx.clone(), counters, faults: f.io().faults.clone(), scratch }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn engines_agree_on_random_code(
        body in prop::collection::vec(instruction(), 1..40),
        init in prop::array::uniform32(any::<u64>()),
        quantum in prop_oneof![1u64..40, Just(1_000_000u64)],
    ) {
        let image = program(&body);
        let reference = run(&image, &init, (Engine::Step, false), quantum);
        prop_assert_eq!(reference.exit, Some(0));
        for engine in ENGINES {
            let got = run(&image, &init, engine, quantum);
            prop_assert_eq!(&got, &reference, "{:?} differs from the reference", engine);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// FP code translated (host FPU fast paths, SoftFloat behind them) gives the
    /// registers, fflags, memory, counters and faults of the reference, over every
    /// rounding mode (static and dynamic, valid and not) with NX set or clear.
    #[test]
    fn engines_agree_on_random_fp_code(
        body in prop::collection::vec(prop_oneof![3 => fp_instruction(), 2 => instruction()], 1..40),
        init in prop::array::uniform32(any::<u64>()),
        finit in prop::array::uniform32(fp_value()),
        frm in prop_oneof![3 => Just(0u32), 2 => 1u32..5, 1 => 5u32..8],
        fflags in 0u32..32,
        quantum in prop_oneof![1u64..40, Just(1_000_000u64)],
    ) {
        let image = program(&body);
        let fcsr = frm << 5 | fflags;
        let reference = run_fp(&image, &init, &finit, fcsr, (Engine::Step, false), quantum);
        prop_assert_eq!(reference.exit, Some(0));
        for engine in ENGINES {
            let got = run_fp(&image, &init, &finit, fcsr, engine, quantum);
            prop_assert_eq!(&got, &reference, "{:?} differs from the reference", engine);
        }
    }
}

/// A loop loading through a grant; the grant is revoked while the loop's block is
/// translated (between two runs): the next load faults at the same pc with the same
/// registers and counts under every engine.
#[test]
fn revocation_faults_translated_code_at_the_same_pc() {
    let body = [addi(T0, ZERO, 0), ld(T1, A0, 0), addi(T0, T0, 1), jal(ZERO, -8)];
    let image = bytes(&body);
    let mut results = Vec::new();
    for engine in [Engine::Step, Engine::Interp, Engine::Jit] {
        // Compiled inline, so the translations exist at the points the test checks.
        let mut f = Flat::with_config(&image, MachineConfig { engine, jit_sync: true, ..MachineConfig::default() });
        let other = f.m.mem.create_space("other", 0).unwrap();
        f.m.mem.map_zero(other, FOREIGN, 0x1000, PageRights::RW).unwrap();
        let req = GrantRequest { owner: other, lo: FOREIGN, len: 0x1000, rights: GrantRights::R, grantee: f.data, transient: false };
        let g = f.m.mem.grant(other, other, &req).unwrap();
        f.set_args(&[addr::qualified(other, FOREIGN)]);
        assert_eq!(f.m.run(f.hart, 10_001).unwrap(), Exit::Budget);
        if engine == Engine::Jit {
            assert!(f.m.jit_stats().compiled >= 1, "the loop was translated");
        }
        f.m.mem.revoke(g, other).unwrap();
        let exit = f.m.run(f.hart, 1_000_000).unwrap();
        let Exit::Fault(fault) = exit else { panic!("{engine:?}: expected a fault, got {exit:?}") };
        assert_eq!(fault.pc, IMAGE_BASE + 4, "{engine:?}: the load faults");
        let h = f.m.hart(f.hart).unwrap();
        results.push((fault, h.ctx.clone(), h.counters.instret, h.counters.cycles, h.counters.loads_foreign));
    }
    assert_eq!(results[0], results[1]);
    assert_eq!(results[0], results[2]);
}

/// Two blocks that chain to each other, `L: addi t0; jal M` and `M: ld t1, (a0);
/// jal L`, the load through a grant. Once both are translated the grant is revoked and
/// the run resumes at L: under the JIT the load faults inside the chained-to block
/// (entered from L's translation, not from the dispatch loop), at M's pc, with the
/// registers and counters of the reference.
#[test]
fn fault_in_a_chained_block_is_at_the_exact_pc() {
    let body = [addi(T0, T0, 1), jal(ZERO, 4), ld(T1, A0, 0), jal(ZERO, -12)];
    let image = bytes(&body);
    let mut results = Vec::new();
    for engine in [Engine::Step, Engine::Interp, Engine::Jit] {
        // Compiled inline, so the translations exist at the points the test checks.
        let mut f = Flat::with_config(&image, MachineConfig { engine, jit_sync: true, ..MachineConfig::default() });
        let other = f.m.mem.create_space("other", 0).unwrap();
        f.m.mem.map_zero(other, FOREIGN, 0x1000, PageRights::RW).unwrap();
        let req = GrantRequest { owner: other, lo: FOREIGN, len: 0x1000, rights: GrantRights::R, grantee: f.data, transient: false };
        let g = f.m.mem.grant(other, other, &req).unwrap();
        f.set_args(&[addr::qualified(other, FOREIGN)]);
        // 2,500 whole iterations: the run stops back at L.
        assert_eq!(f.m.run(f.hart, 10_000).unwrap(), Exit::Budget);
        assert_eq!(f.m.hart(f.hart).unwrap().ctx.pc, IMAGE_BASE);
        f.m.mem.revoke(g, other).unwrap();
        let entries = f.m.jit_stats().entries;
        let exit = f.m.run(f.hart, 1_000_000).unwrap();
        let Exit::Fault(fault) = exit else { panic!("{engine:?}: expected a fault, got {exit:?}") };
        assert_eq!(fault.pc, IMAGE_BASE + 8, "{engine:?}: the load faults");
        if engine == Engine::Jit {
            assert_eq!(f.m.jit_stats().entries, entries + 1, "one entry from the loop: the faulting block was chained to");
        }
        let h = f.m.hart(f.hart).unwrap();
        results.push((fault, h.ctx.clone(), h.counters.instret, h.counters.cycles, h.counters.loads_foreign));
    }
    assert_eq!(results[0], results[1]);
    assert_eq!(results[0], results[2]);
}

/// A loop of three blocks, `L: addi t0; andi t2, t0, 1; beq t2, zero, M`, `addi t1;
/// M: addi t3; jal L` (the fallthrough block runs on odd t0 only). Every block turns
/// hot in the same iteration; one region translation serves all three (the others
/// are entered at their own heads), and runs cut by the budget at any block resume in
/// it from the dispatch loop with the reference's registers and counts.
#[test]
fn a_loop_is_one_region_entered_at_any_of_its_blocks() {
    let andi = |rd, rs1, imm| i(0x13, 7, rd, rs1, imm);
    let beq = |rs1, rs2, off| b(0, rs1, rs2, off);
    let body = [addi(T0, T0, 1), andi(T2, T0, 1), beq(T2, ZERO, 8), addi(T1, T1, 3), addi(T3, T3, 1), jal(ZERO, -20)];
    let image = bytes(&body);
    let mut results = Vec::new();
    for (engine, jit_sync) in ENGINES {
        let mut f = Flat::with_config(&image, MachineConfig { engine, jit_sync, ..MachineConfig::default() });
        // Budgets of different sizes stop the loop at each of its blocks.
        for n in [10_000, 7, 1_003, 5, 20_011, 2, 999] {
            assert_eq!(f.m.run(f.hart, n).unwrap(), Exit::Budget);
            f.m.jit_settle();
        }
        if engine == Engine::Jit {
            let s = f.m.jit_stats();
            assert_eq!((s.requested, s.compiled), (1, 1), "{jit_sync}: one translation for the loop's three blocks");
            assert!(s.entries >= 7, "{jit_sync}: entered from the dispatch loop after each budget stop");
        }
        let h = f.m.hart(f.hart).unwrap();
        results.push((h.ctx.clone(), h.counters.instret, h.counters.cycles));
    }
    assert_eq!(results[0], results[1]);
    assert_eq!(results[0], results[2]);
}

/// A translation in flight while the code changes under it: the loop turns hot with
/// the compiler thread held, the loop's code page is written (the code epoch moves),
/// then the compiler is let go. The outcome arrives stale and is dropped, nothing runs
/// the old code, and the run matches the reference to the instruction.
#[test]
fn translation_in_flight_is_dropped_when_the_code_changes() {
    // L: addi t0, t0, 1; jal L (forever); the write replaces `addi t0, t0, 1` with
    // `addi t0, t0, 2`.
    let body = [addi(T0, T0, 1), jal(ZERO, -4)];
    let image = bytes(&body);
    let patched = addi(T0, T0, 2).to_le_bytes();
    let mut results = Vec::new();
    for (engine, sync) in [(Engine::Step, false), (Engine::Jit, false)] {
        let mut f = Flat::with_config(&image, MachineConfig { engine, jit_sync: sync, ..MachineConfig::default() });
        f.m.jit_hold(true);
        assert_eq!(f.m.run(f.hart, 1_001).unwrap(), Exit::Budget);
        let asked = f.m.jit_stats().requested;
        if engine == Engine::Jit {
            assert!(asked >= 1, "the loop turned hot and was queued");
            assert_eq!(f.m.jit_stats().compiled, 0, "held: nothing compiled yet");
        }
        let code = f.m.hart(f.hart).unwrap().code;
        f.m.mem.poke(code, IMAGE_BASE, &patched).unwrap();
        // What the guest's fence.i (or a write through an executable mapping) does.
        f.m.mem.code_epoch += 1;
        f.m.jit_hold(false);
        f.m.jit_settle();
        if engine == Engine::Jit {
            let s = f.m.jit_stats();
            assert!(s.stale >= 1, "the outcome compiled from the old code is dropped: {s:?}");
            assert_eq!(s.blocks, 0, "nothing installed from the old code");
        }
        assert_eq!(f.m.run(f.hart, 10_000).unwrap(), Exit::Budget);
        if engine == Engine::Jit {
            f.m.jit_settle();
            assert_eq!(f.m.run(f.hart, 10_000).unwrap(), Exit::Budget);
            assert!(f.m.jit_stats().blocks >= 1, "the new code is translated");
        } else {
            assert_eq!(f.m.run(f.hart, 10_000).unwrap(), Exit::Budget);
        }
        let h = f.m.hart(f.hart).unwrap();
        results.push((h.ctx.clone(), h.counters.instret, h.counters.cycles));
    }
    assert_eq!(results[0], results[1]);
}
