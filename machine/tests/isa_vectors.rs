//! Instruction vectors through the executor: RV64 I, M, A, Zicsr, C, F and D.
//!
//! Each case assembles a few instructions with the small encoder below (checked
//! against GNU as in `the_encoder_agrees_with_gnu_as`), runs them on a flat-harness
//! machine from 0x10000 with the registers the case sets, up to an `ebreak`, and looks
//! at the registers and memory afterwards. Expected values are either literal known
//! vectors or, for the integer grids, a reference written from the ISA manual's
//! definitions.

mod common;

use common::{Flat, Outcome, IMAGE_BASE, SCRATCH, STACK_TOP};
use machine::hart::reg;
use machine::{Access, Context, FaultKind};

// ---------------------------------------------------------------------------
// Registers.
// ---------------------------------------------------------------------------

const ZERO: u32 = 0;
const RA: u32 = 1;
const S0: u32 = 8;
const A0: u32 = 10;
const A1: u32 = 11;
const A2: u32 = 12;
const A3: u32 = 13;
const A4: u32 = 14;
const A5: u32 = 15;

// ---------------------------------------------------------------------------
// A tiny encoder.
// ---------------------------------------------------------------------------

mod enc {
    pub fn r(op: u32, f3: u32, f7: u32, rd: u32, rs1: u32, rs2: u32) -> u32 {
        f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op
    }
    pub fn i(op: u32, f3: u32, rd: u32, rs1: u32, imm: i32) -> u32 {
        (imm as u32 & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op
    }
    pub fn s(op: u32, f3: u32, rs1: u32, rs2: u32, imm: i32) -> u32 {
        let m = imm as u32;
        ((m >> 5) & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (m & 0x1f) << 7 | op
    }
    pub fn b(f3: u32, rs1: u32, rs2: u32, imm: i32) -> u32 {
        let m = imm as u32;
        ((m >> 12) & 1) << 31 | ((m >> 5) & 0x3f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | ((m >> 1) & 0xf) << 8 | ((m >> 11) & 1) << 7 | 0x63
    }
    pub fn u(op: u32, rd: u32, imm20: u32) -> u32 {
        (imm20 & 0xfffff) << 12 | rd << 7 | op
    }
    pub fn j(rd: u32, imm: i32) -> u32 {
        let m = imm as u32;
        ((m >> 20) & 1) << 31 | ((m >> 1) & 0x3ff) << 21 | ((m >> 11) & 1) << 20 | ((m >> 12) & 0xff) << 12 | rd << 7 | 0x6f
    }
    pub fn r4(op: u32, fmt: u32, rm: u32, rd: u32, rs1: u32, rs2: u32, rs3: u32) -> u32 {
        rs3 << 27 | fmt << 25 | rs2 << 20 | rs1 << 15 | rm << 12 | rd << 7 | op
    }

    /// Register-register integer operations by mnemonic.
    pub fn alu(m: &str, rd: u32, rs1: u32, rs2: u32) -> u32 {
        let (op, f3, f7) = match m {
            "add" => (0x33, 0, 0),
            "sub" => (0x33, 0, 0x20),
            "sll" => (0x33, 1, 0),
            "slt" => (0x33, 2, 0),
            "sltu" => (0x33, 3, 0),
            "xor" => (0x33, 4, 0),
            "srl" => (0x33, 5, 0),
            "sra" => (0x33, 5, 0x20),
            "or" => (0x33, 6, 0),
            "and" => (0x33, 7, 0),
            "mul" => (0x33, 0, 1),
            "mulh" => (0x33, 1, 1),
            "mulhsu" => (0x33, 2, 1),
            "mulhu" => (0x33, 3, 1),
            "div" => (0x33, 4, 1),
            "divu" => (0x33, 5, 1),
            "rem" => (0x33, 6, 1),
            "remu" => (0x33, 7, 1),
            "addw" => (0x3b, 0, 0),
            "subw" => (0x3b, 0, 0x20),
            "sllw" => (0x3b, 1, 0),
            "srlw" => (0x3b, 5, 0),
            "sraw" => (0x3b, 5, 0x20),
            "mulw" => (0x3b, 0, 1),
            "divw" => (0x3b, 4, 1),
            "divuw" => (0x3b, 5, 1),
            "remw" => (0x3b, 6, 1),
            "remuw" => (0x3b, 7, 1),
            _ => panic!("no ALU op {m}"),
        };
        r(op, f3, f7, rd, rs1, rs2)
    }

    /// Register-immediate integer operations by mnemonic (shifts take the amount).
    pub fn alui(m: &str, rd: u32, rs1: u32, imm: i32) -> u32 {
        match m {
            "addi" => i(0x13, 0, rd, rs1, imm),
            "slti" => i(0x13, 2, rd, rs1, imm),
            "sltiu" => i(0x13, 3, rd, rs1, imm),
            "xori" => i(0x13, 4, rd, rs1, imm),
            "ori" => i(0x13, 6, rd, rs1, imm),
            "andi" => i(0x13, 7, rd, rs1, imm),
            "slli" => i(0x13, 1, rd, rs1, imm & 63),
            "srli" => i(0x13, 5, rd, rs1, imm & 63),
            "srai" => i(0x13, 5, rd, rs1, (imm & 63) | 0x400),
            "addiw" => i(0x1b, 0, rd, rs1, imm),
            "slliw" => i(0x1b, 1, rd, rs1, imm & 31),
            "srliw" => i(0x1b, 5, rd, rs1, imm & 31),
            "sraiw" => i(0x1b, 5, rd, rs1, (imm & 31) | 0x400),
            _ => panic!("no immediate op {m}"),
        }
    }

    pub fn load(m: &str, rd: u32, rs1: u32, imm: i32) -> u32 {
        let f3 = ["lb", "lh", "lw", "ld", "lbu", "lhu", "lwu"].iter().position(|x| *x == m).expect("load") as u32;
        i(0x03, f3, rd, rs1, imm)
    }

    pub fn store(m: &str, rs1: u32, rs2: u32, imm: i32) -> u32 {
        let f3 = ["sb", "sh", "sw", "sd"].iter().position(|x| *x == m).expect("store") as u32;
        s(0x23, f3, rs1, rs2, imm)
    }

    pub fn branch(m: &str, rs1: u32, rs2: u32, imm: i32) -> u32 {
        let f3 = match m {
            "beq" => 0,
            "bne" => 1,
            "blt" => 4,
            "bge" => 5,
            "bltu" => 6,
            "bgeu" => 7,
            _ => panic!("no branch {m}"),
        };
        b(f3, rs1, rs2, imm)
    }

    pub fn lui(rd: u32, imm20: u32) -> u32 {
        u(0x37, rd, imm20)
    }
    pub fn auipc(rd: u32, imm20: u32) -> u32 {
        u(0x17, rd, imm20)
    }
    pub fn jalr(rd: u32, rs1: u32, imm: i32) -> u32 {
        i(0x67, 0, rd, rs1, imm)
    }

    /// AMOs, LR and SC: `m` is e.g. "amoadd", width 'w' or 'd'; rd, rs1 (address), rs2.
    pub fn amo(m: &str, width: char, rd: u32, rs1: u32, rs2: u32) -> u32 {
        let f5 = match m {
            "lr" => 0x02,
            "sc" => 0x03,
            "amoswap" => 0x01,
            "amoadd" => 0x00,
            "amoxor" => 0x04,
            "amoand" => 0x0c,
            "amoor" => 0x08,
            "amomin" => 0x10,
            "amomax" => 0x14,
            "amominu" => 0x18,
            "amomaxu" => 0x1c,
            _ => panic!("no AMO {m}"),
        };
        let f3 = if width == 'w' { 2 } else { 3 };
        r(0x2f, f3, f5 << 2, rd, rs1, rs2)
    }

    /// csrrw/csrrs/csrrc (src = rs1) and csrrwi/csrrsi/csrrci (src = uimm).
    pub fn csr(m: &str, rd: u32, csr: u32, src: u32) -> u32 {
        let f3 = match m {
            "csrrw" => 1,
            "csrrs" => 2,
            "csrrc" => 3,
            "csrrwi" => 5,
            "csrrsi" => 6,
            "csrrci" => 7,
            _ => panic!("no CSR op {m}"),
        };
        csr << 20 | src << 15 | f3 << 12 | rd << 7 | 0x73
    }

    /// Rounding-mode field values.
    pub const RNE: u32 = 0;
    pub const RTZ: u32 = 1;
    pub const RMM: u32 = 4;
    pub const DYN: u32 = 7;

    /// OP-FP arithmetic: `m` is the operation without format ("fadd", "fsqrt",
    /// "fmin", "fsgnjn", "feq", ...), fmt 0 = S, 1 = D. `rm` is used where the
    /// encoding has a rounding mode.
    pub fn fop(m: &str, fmt: u32, rm: u32, rd: u32, rs1: u32, rs2: u32) -> u32 {
        let (f5, f3, rs2) = match m {
            "fadd" => (0x00, rm, rs2),
            "fsub" => (0x01, rm, rs2),
            "fmul" => (0x02, rm, rs2),
            "fdiv" => (0x03, rm, rs2),
            "fsqrt" => (0x0b, rm, 0),
            "fsgnj" => (0x04, 0, rs2),
            "fsgnjn" => (0x04, 1, rs2),
            "fsgnjx" => (0x04, 2, rs2),
            "fmin" => (0x05, 0, rs2),
            "fmax" => (0x05, 1, rs2),
            "fle" => (0x14, 0, rs2),
            "flt" => (0x14, 1, rs2),
            "feq" => (0x14, 2, rs2),
            "fclass" => (0x1c, 1, 0),
            _ => panic!("no FP op {m}"),
        };
        r(0x53, f3, f5 << 2 | fmt, rd, rs1, rs2)
    }

    /// fcvt to an integer: kind 0 = w, 1 = wu, 2 = l, 3 = lu.
    pub fn fcvt_to_int(fmt: u32, kind: u32, rm: u32, rd: u32, rs1: u32) -> u32 {
        r(0x53, rm, 0x18 << 2 | fmt, rd, rs1, kind)
    }
    /// fcvt from an integer: kind 0 = w, 1 = wu, 2 = l, 3 = lu.
    pub fn fcvt_from_int(fmt: u32, kind: u32, rm: u32, rd: u32, rs1: u32) -> u32 {
        r(0x53, rm, 0x1a << 2 | fmt, rd, rs1, kind)
    }
    pub fn fcvt_s_d(rm: u32, rd: u32, rs1: u32) -> u32 {
        r(0x53, rm, 0x08 << 2, rd, rs1, 1)
    }
    pub fn fcvt_d_s(rd: u32, rs1: u32) -> u32 {
        r(0x53, 0, 0x08 << 2 | 1, rd, rs1, 0)
    }
    pub fn fmv_x_w(rd: u32, rs1: u32) -> u32 {
        r(0x53, 0, 0x1c << 2, rd, rs1, 0)
    }
    pub fn fmv_w_x(rd: u32, rs1: u32) -> u32 {
        r(0x53, 0, 0x1e << 2, rd, rs1, 0)
    }
    pub fn fmv_x_d(rd: u32, rs1: u32) -> u32 {
        r(0x53, 0, 0x1c << 2 | 1, rd, rs1, 0)
    }
    pub fn fmv_d_x(rd: u32, rs1: u32) -> u32 {
        r(0x53, 0, 0x1e << 2 | 1, rd, rs1, 0)
    }
    /// Fused multiply-add family: "fmadd", "fmsub", "fnmsub", "fnmadd".
    pub fn fma(m: &str, fmt: u32, rm: u32, rd: u32, rs1: u32, rs2: u32, rs3: u32) -> u32 {
        let op = match m {
            "fmadd" => 0x43,
            "fmsub" => 0x47,
            "fnmsub" => 0x4b,
            "fnmadd" => 0x4f,
            _ => panic!("no FMA {m}"),
        };
        r4(op, fmt, rm, rd, rs1, rs2, rs3)
    }
    pub fn flw(rd: u32, rs1: u32, imm: i32) -> u32 {
        i(0x07, 2, rd, rs1, imm)
    }
    pub fn fld(rd: u32, rs1: u32, imm: i32) -> u32 {
        i(0x07, 3, rd, rs1, imm)
    }
    pub fn fsw(rs1: u32, rs2: u32, imm: i32) -> u32 {
        s(0x27, 2, rs1, rs2, imm)
    }
    pub fn fsd(rs1: u32, rs2: u32, imm: i32) -> u32 {
        s(0x27, 3, rs1, rs2, imm)
    }

    pub const NOP: u32 = 0x0000_0013;
    pub const EBREAK: u32 = 0x0010_0073;
}

use enc::*;

#[test]
fn the_encoder_agrees_with_gnu_as() {
    // Words from riscv64-linux-gnu-as -march=rv64gc (objdump -M no-aliases).
    let cases: &[(u32, u32, &str)] = &[
        (alu("add", A0, A1, A2), 0x00c58533, "add a0,a1,a2"),
        (alu("sub", A0, A1, A2), 0x40c58533, "sub a0,a1,a2"),
        (alu("sra", A0, A1, A2), 0x40c5d533, "sra a0,a1,a2"),
        (alu("mulhsu", A0, A1, A2), 0x02c5a533, "mulhsu a0,a1,a2"),
        (alu("remuw", A0, A1, A2), 0x02c5f53b, "remuw a0,a1,a2"),
        (alu("sraw", A0, A1, A2), 0x40c5d53b, "sraw a0,a1,a2"),
        (alui("addi", A0, A1, -1), 0xfff58513, "addi a0,a1,-1"),
        (alui("sltiu", A0, A1, -1), 0xfff5b513, "sltiu a0,a1,-1"),
        (alui("srai", A0, A1, 63), 0x43f5d513, "srai a0,a1,63"),
        (alui("slli", A0, A1, 33), 0x02159513, "slli a0,a1,33"),
        (alui("sraiw", A0, A1, 31), 0x41f5d51b, "sraiw a0,a1,31"),
        (lui(A0, 0x80000), 0x80000537, "lui a0,0x80000"),
        (auipc(A0, 1), 0x00001517, "auipc a0,0x1"),
        (j(A0, 8), 0x0080056f, "jal a0,.+8"),
        (jalr(A0, A1, 3), 0x00358567, "jalr a0,3(a1)"),
        (branch("bltu", A1, A2, 8), 0x00c5e463, "bltu a1,a2,.+8"),
        (branch("bge", A1, A2, -4), 0xfec5dee3, "bge a1,a2,.-4"),
        (load("lhu", A0, A1, -1), 0xfff5d503, "lhu a0,-1(a1)"),
        (store("sd", A1, A2, -8), 0xfec5bc23, "sd a2,-8(a1)"),
        (amo("lr", 'w', A0, A1, 0), 0x1005a52f, "lr.w a0,(a1)"),
        (amo("sc", 'd', A3, A1, A2), 0x18c5b6af, "sc.d a3,a2,(a1)"),
        (amo("amomaxu", 'w', A0, A1, A2), 0xe0c5a52f, "amomaxu.w a0,a2,(a1)"),
        (amo("amoand", 'd', A0, A1, A2), 0x60c5b52f, "amoand.d a0,a2,(a1)"),
        (csr("csrrw", A0, 3, A1), 0x00359573, "csrrw a0,fcsr,a1"),
        (csr("csrrsi", A0, 2, 2), 0x00216573, "csrrsi a0,frm,2"),
        (csr("csrrc", A0, 0xc00, ZERO), 0xc0003573, "csrrc a0,cycle,zero"),
        (fop("fadd", 0, DYN, 10, 11, 12), 0x00c5f553, "fadd.s fa0,fa1,fa2"),
        (fop("fadd", 0, RTZ, 10, 11, 12), 0x00c59553, "fadd.s fa0,fa1,fa2,rtz"),
        (fma("fmadd", 1, DYN, 10, 11, 12, 13), 0x6ac5f543, "fmadd.d fa0,fa1,fa2,fa3"),
        (fma("fnmsub", 0, RMM, 10, 11, 12, 13), 0x68c5c54b, "fnmsub.s fa0,fa1,fa2,fa3,rmm"),
        (fcvt_to_int(1, 0, RTZ, A0, 11), 0xc2059553, "fcvt.w.d a0,fa1,rtz"),
        (fcvt_to_int(0, 3, DYN, A0, 11), 0xc035f553, "fcvt.lu.s a0,fa1"),
        (fcvt_from_int(1, 1, RNE, 10, A1), 0xd2158553, "fcvt.d.wu fa0,a1"),
        (fcvt_s_d(DYN, 10, 11), 0x4015f553, "fcvt.s.d fa0,fa1"),
        (fcvt_d_s(10, 11), 0x42058553, "fcvt.d.s fa0,fa1"),
        (fmv_x_w(A0, 11), 0xe0058553, "fmv.x.w a0,fa1"),
        (fmv_d_x(10, A1), 0xf2058553, "fmv.d.x fa0,a1"),
        (fop("fclass", 1, 0, A0, 11, 0), 0xe2059553, "fclass.d a0,fa1"),
        (fop("flt", 0, 0, A0, 11, 12), 0xa0c59553, "flt.s a0,fa1,fa2"),
        (fop("fmax", 1, 0, 10, 11, 12), 0x2ac59553, "fmax.d fa0,fa1,fa2"),
        (fop("fsgnjx", 0, 0, 10, 11, 12), 0x20c5a553, "fsgnjx.s fa0,fa1,fa2"),
        (fop("fsqrt", 1, DYN, 10, 11, 0), 0x5a05f553, "fsqrt.d fa0,fa1"),
        (flw(10, A1, 4), 0x0045a507, "flw fa0,4(a1)"),
        (fsd(A1, 10, -16), 0xfea5b827, "fsd fa0,-16(a1)"),
    ];
    for (got, want, text) in cases {
        assert_eq!(got, want, "{text}: {got:#010x} != {want:#010x}");
    }
}

// ---------------------------------------------------------------------------
// Running code.
// ---------------------------------------------------------------------------

/// A machine kept across cases: each run pokes new code at 0x10000.
struct Vm {
    f: Flat,
}

/// Instructions as bytes: 32-bit words, and 16-bit halves for compressed code.
#[derive(Default)]
struct Code(Vec<u8>);

impl Code {
    fn w(mut self, words: &[u32]) -> Code {
        for w in words {
            self.0.extend_from_slice(&w.to_le_bytes());
        }
        self
    }
    fn c(mut self, halves: &[u16]) -> Code {
        for h in halves {
            self.0.extend_from_slice(&h.to_le_bytes());
        }
        self
    }
}

fn words(ws: &[u32]) -> Code {
    Code::default().w(ws)
}

impl Vm {
    fn new() -> Vm {
        // Four pages of code space; DATA has the stack and the scratch page.
        Vm { f: Flat::new(&[0u8; 4 * 4096]) }
    }

    /// Runs `code` followed by an ebreak; returns how the run ended and the registers.
    fn exec(&mut self, code: &Code, setup: impl FnOnce(&mut Context)) -> (Outcome, Context) {
        let mut bytes = code.0.clone();
        bytes.extend_from_slice(&EBREAK.to_le_bytes());
        self.f.m.mem.poke(self.f.code, IMAGE_BASE, &bytes).unwrap();
        // New code at old addresses: what fence.i is for.
        self.f.m.mem.code_epoch += 1;
        let h = self.f.m.hart_mut(self.f.hart).unwrap();
        h.ctx = Context { pc: IMAGE_BASE, ..Context::default() };
        h.ctx.x[reg::SP] = STACK_TOP;
        setup(&mut h.ctx);
        let out = self.f.run();
        (out, self.f.ctx().clone())
    }

    /// Runs `code`, which must reach the final ebreak.
    fn ok(&mut self, code: &Code, setup: impl FnOnce(&mut Context)) -> Context {
        let end = IMAGE_BASE + code.0.len() as u64;
        match self.exec(code, setup) {
            (Outcome::Fault(f), ctx) if f.kind == FaultKind::Breakpoint && f.pc == end => ctx,
            (o, ctx) => panic!("expected to run to {end:#x}, got {o:?} at pc {:#x}", ctx.pc),
        }
    }

    /// Runs `code`, which must fault with `kind` at instruction index `at` (in bytes
    /// from the start, for mixed-length code).
    fn faults(&mut self, code: &Code, setup: impl FnOnce(&mut Context), kind: FaultKind, at: u64) -> Context {
        match self.exec(code, setup) {
            (Outcome::Fault(f), ctx) => {
                assert_eq!(f.kind, kind);
                assert_eq!(f.pc, IMAGE_BASE + at, "fault pc");
                ctx
            }
            (o, _) => panic!("expected {kind:?}, got {o:?}"),
        }
    }

    /// One instruction `a0 = op(a1, a2)`.
    fn op2(&mut self, word: u32, a: u64, b: u64) -> u64 {
        self.ok(&words(&[word]), |c| {
            c.x[11] = a;
            c.x[12] = b;
        })
        .x[10]
    }

    fn poke64(&mut self, off: u64, v: u64) {
        self.f.m.mem.poke(self.f.data, off, &v.to_le_bytes()).unwrap();
    }

    fn peek64(&self, off: u64) -> u64 {
        let mut b = [0u8; 8];
        self.f.m.mem.peek(self.f.data, off, &mut b).unwrap();
        u64::from_le_bytes(b)
    }
}

/// Interesting 64-bit operands.
const VALUES: [u64; 17] = [
    0,
    1,
    2,
    3,
    7,
    u64::MAX,               // -1
    u64::MAX - 1,           // -2
    (-7i64) as u64,
    i64::MIN as u64,
    i64::MAX as u64,
    i32::MIN as i64 as u64, // 0xffff_ffff_8000_0000
    i32::MAX as u64,
    0x8000_0000,
    0xffff_ffff,
    0x1_0000_0000,
    0x1234_5678_9abc_def0,
    0xedcb_a987_6543_2110,
];

fn sext32(v: u32) -> u64 {
    v as i32 as i64 as u64
}

// ---------------------------------------------------------------------------
// RV64I.
// ---------------------------------------------------------------------------

/// The RV64I register-register and OP-32 operations, from the ISA manual.
fn reference_i(m: &str, a: u64, b: u64) -> u64 {
    let (sa, sb) = (a as i64, b as i64);
    let (wa, wb) = (a as u32, b as u32);
    match m {
        "add" => a.wrapping_add(b),
        "sub" => a.wrapping_sub(b),
        "sll" => a << (b & 63),
        "slt" => (sa < sb) as u64,
        "sltu" => (a < b) as u64,
        "xor" => a ^ b,
        "srl" => a >> (b & 63),
        "sra" => (sa >> (b & 63)) as u64,
        "or" => a | b,
        "and" => a & b,
        "addw" => sext32(wa.wrapping_add(wb)),
        "subw" => sext32(wa.wrapping_sub(wb)),
        "sllw" => sext32(wa << (b & 31)),
        "srlw" => sext32(wa >> (b & 31)),
        "sraw" => ((wa as i32) >> (b & 31)) as i64 as u64,
        _ => unreachable!(),
    }
}

#[test]
fn rv64i_register_operations_over_a_grid() {
    let mut vm = Vm::new();
    for m in ["add", "sub", "sll", "slt", "sltu", "xor", "srl", "sra", "or", "and", "addw", "subw", "sllw", "srlw", "sraw"] {
        for a in VALUES {
            for b in VALUES.iter().copied().chain([31, 32, 33, 63, 64, 65]) {
                assert_eq!(vm.op2(alu(m, A0, A1, A2), a, b), reference_i(m, a, b), "{m} {a:#x}, {b:#x}");
            }
        }
    }
}

#[test]
fn rv64i_immediates_and_shifts() {
    let mut vm = Vm::new();
    let one = |vm: &mut Vm, w: u32, a: u64| vm.op2(w, a, 0);
    assert_eq!(one(&mut vm, alui("addi", A0, A1, -1), 0), u64::MAX);
    assert_eq!(one(&mut vm, alui("addi", A0, A1, 2047), 1), 2048);
    assert_eq!(one(&mut vm, alui("slti", A0, A1, -1), (-2i64) as u64), 1);
    assert_eq!(one(&mut vm, alui("slti", A0, A1, -1), 0), 0);
    // sltiu compares with the sign-extended immediate as unsigned: -1 is u64::MAX.
    assert_eq!(one(&mut vm, alui("sltiu", A0, A1, -1), u64::MAX - 1), 1);
    assert_eq!(one(&mut vm, alui("sltiu", A0, A1, 1), 0), 1, "seqz");
    assert_eq!(one(&mut vm, alui("xori", A0, A1, -1), 0x1234), !0x1234);
    assert_eq!(one(&mut vm, alui("ori", A0, A1, -0x800), 0), 0xffff_ffff_ffff_f800);
    assert_eq!(one(&mut vm, alui("andi", A0, A1, 0x7ff), u64::MAX), 0x7ff);
    assert_eq!(one(&mut vm, alui("slli", A0, A1, 63), 1), 1 << 63);
    assert_eq!(one(&mut vm, alui("srli", A0, A1, 63), u64::MAX), 1);
    assert_eq!(one(&mut vm, alui("srai", A0, A1, 63), 1 << 63), u64::MAX);
    assert_eq!(one(&mut vm, alui("addiw", A0, A1, 1), 0x7fff_ffff), 0xffff_ffff_8000_0000);
    assert_eq!(one(&mut vm, alui("addiw", A0, A1, 0), 0x1_ffff_ffff), u64::MAX, "sext.w");
    assert_eq!(one(&mut vm, alui("slliw", A0, A1, 31), 1), 0xffff_ffff_8000_0000);
    assert_eq!(one(&mut vm, alui("srliw", A0, A1, 31), 0xffff_ffff_8000_0000), 1);
    assert_eq!(one(&mut vm, alui("srliw", A0, A1, 0), 0xffff_ffff_8000_0000), 0xffff_ffff_8000_0000);
    assert_eq!(one(&mut vm, alui("sraiw", A0, A1, 31), 0x8000_0000), u64::MAX);
    assert_eq!(one(&mut vm, alui("sraiw", A0, A1, 4), 0x1_7fff_fff0), 0x07ff_ffff);
    // x0 stays zero.
    let c = vm.ok(&words(&[alui("addi", ZERO, ZERO, 5), alui("addi", A0, ZERO, 0)]), |_| {});
    assert_eq!(c.x[0], 0);
    assert_eq!(c.x[10], 0);
}

#[test]
fn rv64i_upper_immediates_jumps_and_branches() {
    let mut vm = Vm::new();
    let c = vm.ok(&words(&[lui(A0, 0x80000), lui(A1, 0x7ffff), auipc(A2, 1), auipc(A3, 0xfffff)]), |_| {});
    assert_eq!(c.x[10], 0xffff_ffff_8000_0000, "lui sign-extends");
    assert_eq!(c.x[11], 0x7fff_f000);
    assert_eq!(c.x[12], IMAGE_BASE + 8 + 0x1000);
    assert_eq!(c.x[13], IMAGE_BASE + 12 - 0x1000);
    // jal links pc+4 and skips; jalr clears bit 0 of the target.
    let c = vm.ok(&words(&[j(RA, 8), alui("addi", A0, ZERO, 1), alui("addi", A1, ZERO, 2)]), |_| {});
    assert_eq!((c.x[1], c.x[10], c.x[11]), (IMAGE_BASE + 4, 0, 2));
    let c = vm.ok(&words(&[jalr(RA, A5, 1), alui("addi", A0, ZERO, 1), alui("addi", A1, ZERO, 2)]), |c| c.x[15] = IMAGE_BASE + 8);
    assert_eq!((c.x[1], c.x[10], c.x[11]), (IMAGE_BASE + 4, 0, 2));
    // jalr with rd = rs1: the target uses the old value.
    let c = vm.ok(&words(&[jalr(A5, A5, 0), alui("addi", A0, ZERO, 1)]), |c| c.x[15] = IMAGE_BASE + 8);
    assert_eq!((c.x[15], c.x[10]), (IMAGE_BASE + 4, 0));
    // Branches: taken skips the addi.
    let cases: &[(&str, u64, u64, bool)] = &[
        ("beq", 5, 5, true),
        ("beq", 5, 6, false),
        ("bne", 5, 6, true),
        ("blt", u64::MAX, 1, true),
        ("bltu", u64::MAX, 1, false),
        ("bge", 1, u64::MAX, true),
        ("bge", 3, 3, true),
        ("bgeu", 1, u64::MAX, false),
        ("bltu", 1, u64::MAX, true),
        ("blt", i64::MIN as u64, i64::MAX as u64, true),
    ];
    for &(m, a, b, taken) in cases {
        let c = vm.ok(&words(&[branch(m, A1, A2, 8), alui("addi", A0, ZERO, 1)]), |c| {
            c.x[11] = a;
            c.x[12] = b;
        });
        assert_eq!(c.x[10] == 0, taken, "{m} {a:#x} {b:#x}");
    }
    // A backward branch loop: count to 10.
    let c = vm.ok(&words(&[alui("addi", A0, A0, 1), branch("bne", A0, A1, -4)]), |c| c.x[11] = 10);
    assert_eq!(c.x[10], 10);
}

#[test]
fn rv64i_loads_and_stores() {
    let mut vm = Vm::new();
    vm.poke64(SCRATCH, 0x8899_aabb_ccdd_eeff);
    vm.poke64(SCRATCH + 8, 0x0011_2233_4455_6677);
    let ld = |vm: &mut Vm, m: &str, off: i32| vm.ok(&words(&[load(m, A0, A1, off)]), |c| c.x[11] = SCRATCH).x[10];
    assert_eq!(ld(&mut vm, "lb", 0), 0xffff_ffff_ffff_ffff);
    assert_eq!(ld(&mut vm, "lbu", 0), 0xff);
    assert_eq!(ld(&mut vm, "lb", 8), 0x77);
    assert_eq!(ld(&mut vm, "lh", 6), 0xffff_ffff_ffff_8899);
    assert_eq!(ld(&mut vm, "lhu", 6), 0x8899);
    assert_eq!(ld(&mut vm, "lw", 4), 0xffff_ffff_8899_aabb);
    assert_eq!(ld(&mut vm, "lwu", 4), 0x8899_aabb);
    assert_eq!(ld(&mut vm, "ld", 0), 0x8899_aabb_ccdd_eeff);
    // Misaligned loads are allowed (only AMOs and LR/SC must be aligned).
    assert_eq!(ld(&mut vm, "ld", 4), 0x4455_6677_8899_aabb);
    assert_eq!(ld(&mut vm, "lw", 7), 0x0000_0000_5566_7788);
    // Stores write exactly their width.
    vm.ok(
        &words(&[store("sb", A1, A2, 16), store("sh", A1, A2, 18), store("sw", A1, A2, 20), store("sd", A1, A2, 24), store("sd", A1, A2, 33)]),
        |c| {
            c.x[11] = SCRATCH;
            c.x[12] = 0x0102_0304_0506_0708;
        },
    );
    assert_eq!(vm.peek64(SCRATCH + 16), 0x0506_0708_0708_0008);
    assert_eq!(vm.peek64(SCRATCH + 24), 0x0102_0304_0506_0708);
    assert_eq!(vm.peek64(SCRATCH + 33), 0x0102_0304_0506_0708, "misaligned store");
    // A store across a page boundary, into the stack's last page and beyond: the
    // second page is unmapped, so it faults and writes nothing.
    let top = STACK_TOP;
    vm.faults(
        &words(&[store("sd", A1, A2, -4)]),
        |c| {
            c.x[11] = top;
            c.x[12] = u64::MAX;
        },
        FaultKind::Unmapped { access: Access::Write, addr: top - 4 + 4 },
        0,
    );
    let mut b = [0u8; 4];
    vm.f.m.mem.peek(vm.f.data, top - 4, &mut b).unwrap();
    assert_eq!(b, [0; 4], "a faulting store writes nothing");
    // The image is mapped read-only in DATA: loads from it work (here the load reads
    // its own encoding), stores fault.
    let w = load("lwu", A0, A1, 0);
    assert_eq!(vm.ok(&words(&[w]), |c| c.x[11] = IMAGE_BASE).x[10], w as u64);
    vm.faults(&words(&[store("sw", A1, A1, 0)]), |c| c.x[11] = IMAGE_BASE, FaultKind::Denied { access: Access::Write, addr: IMAGE_BASE }, 0);
}

// ---------------------------------------------------------------------------
// M.
// ---------------------------------------------------------------------------

/// The M extension, from the ISA manual (including its division special cases).
fn reference_m(m: &str, a: u64, b: u64) -> u64 {
    let (sa, sb) = (a as i64, b as i64);
    let (wa, wb) = (a as u32, b as u32);
    let (swa, swb) = (wa as i32, wb as i32);
    match m {
        "mul" => a.wrapping_mul(b),
        "mulh" => ((sa as i128 * sb as i128) >> 64) as u64,
        "mulhsu" => ((sa as i128 * b as i128) >> 64) as u64,
        "mulhu" => ((a as u128 * b as u128) >> 64) as u64,
        "div" => match (sa, sb) {
            (_, 0) => u64::MAX,
            (i64::MIN, -1) => i64::MIN as u64,
            _ => (sa / sb) as u64,
        },
        "divu" => a.checked_div(b).unwrap_or(u64::MAX),
        "rem" => match (sa, sb) {
            (_, 0) => a,
            (i64::MIN, -1) => 0,
            _ => (sa % sb) as u64,
        },
        "remu" => if b == 0 { a } else { a % b },
        "mulw" => sext32(wa.wrapping_mul(wb)),
        "divw" => match (swa, swb) {
            (_, 0) => u64::MAX,
            (i32::MIN, -1) => i32::MIN as i64 as u64,
            _ => (swa / swb) as i64 as u64,
        },
        "divuw" => sext32(wa.checked_div(wb).unwrap_or(u32::MAX)),
        "remw" => match (swa, swb) {
            (_, 0) => swa as i64 as u64,
            (i32::MIN, -1) => 0,
            _ => (swa % swb) as i64 as u64,
        },
        "remuw" => sext32(if wb == 0 { wa } else { wa % wb }),
        _ => unreachable!(),
    }
}

#[test]
fn m_extension_known_vectors() {
    let mut vm = Vm::new();
    let min = i64::MIN as u64;
    let cases: &[(&str, u64, u64, u64)] = &[
        ("mul", min, u64::MAX, min),
        ("mulh", min, min, 0x4000_0000_0000_0000),
        ("mulh", u64::MAX, u64::MAX, 0),
        ("mulh", u64::MAX, 1, u64::MAX),
        ("mulhsu", u64::MAX, u64::MAX, u64::MAX), // -1 * (2^64 - 1)
        ("mulhsu", u64::MAX, 1, u64::MAX),
        ("mulhsu", 1, u64::MAX, 0),
        ("mulhsu", min, u64::MAX, min), // -2^127 + 2^63: the 2^63 stays in the low half
        ("mulhu", u64::MAX, u64::MAX, 0xffff_ffff_ffff_fffe),
        ("mulhu", min, 2, 1),
        // Division by zero: all ones / the dividend.
        ("div", 42, 0, u64::MAX),
        ("divu", 42, 0, u64::MAX),
        ("rem", 42, 0, 42),
        ("remu", 42, 0, 42),
        ("divw", 42, 0, u64::MAX),
        ("divuw", 42, 0, u64::MAX),
        ("remw", 0x1_8000_0000, 0, 0xffff_ffff_8000_0000),
        ("remuw", 0x1_8000_0000, 0, 0xffff_ffff_8000_0000),
        // Overflow: MIN / -1 = MIN, remainder 0.
        ("div", min, u64::MAX, min),
        ("rem", min, u64::MAX, 0),
        ("divw", 0x8000_0000, u64::MAX, 0xffff_ffff_8000_0000),
        ("remw", 0x8000_0000, u64::MAX, 0),
        // Signs of quotient and remainder follow the dividend (round toward zero).
        ("div", (-7i64) as u64, 2, (-3i64) as u64),
        ("rem", (-7i64) as u64, 2, u64::MAX),
        ("rem", 7, (-2i64) as u64, 1),
        ("divu", (-7i64) as u64, 2, 0x7fff_ffff_ffff_fffc),
        ("mulw", 0x7fff_ffff, 2, 0xffff_ffff_ffff_fffe),
        ("mulw", 0x1_0000, 0x1_0000, 0),
        ("divuw", 0x8000_0000, 1, 0xffff_ffff_8000_0000),
        ("divw", 0xffff_ffff_0000_0007, 0x1_ffff_fffe, (-3i64) as u64), // upper halves ignored
    ];
    for &(m, a, b, want) in cases {
        assert_eq!(vm.op2(alu(m, A0, A1, A2), a, b), want, "{m} {a:#x}, {b:#x}");
    }
}

#[test]
fn m_extension_over_a_grid() {
    let mut vm = Vm::new();
    for m in ["mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu", "mulw", "divw", "divuw", "remw", "remuw"] {
        for a in VALUES {
            for b in VALUES {
                assert_eq!(vm.op2(alu(m, A0, A1, A2), a, b), reference_m(m, a, b), "{m} {a:#x}, {b:#x}");
            }
        }
    }
}

// ---------------------------------------------------------------------------
// A.
// ---------------------------------------------------------------------------

#[test]
fn lr_sc_succeed_and_fail() {
    let mut vm = Vm::new();
    let at = |c: &mut Context| {
        c.x[11] = SCRATCH;
        c.x[12] = 0x1234;
        c.x[14] = SCRATCH + 8;
    };
    // Success: sc writes and returns 0; lr.w sign-extends.
    vm.poke64(SCRATCH, 0x8000_0000);
    let c = vm.ok(&words(&[amo("lr", 'w', A0, A1, 0), amo("sc", 'w', A3, A1, A2)]), at);
    assert_eq!((c.x[10], c.x[13]), (0xffff_ffff_8000_0000, 0));
    assert_eq!(vm.peek64(SCRATCH), 0x1234);
    // No reservation: sc fails, returns 1, writes nothing.
    let c = vm.ok(&words(&[amo("sc", 'w', A3, A1, A2)]), at);
    assert_eq!(c.x[13], 1);
    assert_eq!(vm.peek64(SCRATCH), 0x1234);
    // sc consumes the reservation: a second sc fails.
    vm.poke64(SCRATCH, 7);
    let c = vm.ok(&words(&[amo("lr", 'd', A0, A1, 0), amo("sc", 'd', A3, A1, A2), amo("sc", 'd', A5, A1, S0)]), |c| {
        at(c);
        c.x[8] = 99;
    });
    assert_eq!((c.x[10], c.x[13], c.x[15]), (7, 0, 1));
    assert_eq!(vm.peek64(SCRATCH), 0x1234);
    // A reservation on another address does not cover this one.
    let c = vm.ok(&words(&[amo("lr", 'd', A0, A4, 0), amo("sc", 'd', A3, A1, A2)]), at);
    assert_eq!(c.x[13], 1);
    // A failing sc.d on a misaligned address still faults.
    vm.faults(&words(&[amo("sc", 'd', A3, A1, A2)]), |c| c.x[11] = SCRATCH + 4, FaultKind::Misaligned { access: Access::Write, addr: SCRATCH + 4 }, 0);
    vm.faults(&words(&[amo("lr", 'w', A0, A1, 0)]), |c| c.x[11] = SCRATCH + 2, FaultKind::Misaligned { access: Access::Read, addr: SCRATCH + 2 }, 0);
}

/// AMO semantics from the manual: the new memory value for (old, operand).
fn amo_ref(m: &str, w: bool, old: u64, v: u64) -> u64 {
    if w {
        let (o, x) = (old as u32, v as u32);
        (match m {
            "amoswap" => x,
            "amoadd" => o.wrapping_add(x),
            "amoxor" => o ^ x,
            "amoand" => o & x,
            "amoor" => o | x,
            "amomin" => (o as i32).min(x as i32) as u32,
            "amomax" => (o as i32).max(x as i32) as u32,
            "amominu" => o.min(x),
            "amomaxu" => o.max(x),
            _ => unreachable!(),
        }) as u64
    } else {
        match m {
            "amoswap" => v,
            "amoadd" => old.wrapping_add(v),
            "amoxor" => old ^ v,
            "amoand" => old & v,
            "amoor" => old | v,
            "amomin" => (old as i64).min(v as i64) as u64,
            "amomax" => (old as i64).max(v as i64) as u64,
            "amominu" => old.min(v),
            "amomaxu" => old.max(v),
            _ => unreachable!(),
        }
    }
}

#[test]
fn every_amo_w_and_d() {
    let mut vm = Vm::new();
    let ops = ["amoswap", "amoadd", "amoxor", "amoand", "amoor", "amomin", "amomax", "amominu", "amomaxu"];
    let vals = [0u64, 1, u64::MAX, 0x8000_0000, 0x7fff_ffff, i64::MIN as u64, 0x1234_5678_9abc_def0, 0xffff_ffff];
    for m in ops {
        for w in [true, false] {
            for old in vals {
                for v in vals {
                    // The word after a .W target must be untouched.
                    let guard = 0x5a5a_5a5a_5a5a_5a5a;
                    vm.poke64(SCRATCH, old);
                    vm.poke64(SCRATCH + 8, guard);
                    let c = vm.ok(&words(&[amo(m, if w { 'w' } else { 'd' }, A0, A1, A2)]), |c| {
                        c.x[11] = SCRATCH;
                        c.x[12] = v;
                    });
                    let (want_rd, want_mem) = if w {
                        (sext32(old as u32), (old & !0xffff_ffff) | amo_ref(m, true, old, v))
                    } else {
                        (old, amo_ref(m, false, old, v))
                    };
                    assert_eq!(c.x[10], want_rd, "{m}.{} rd: old {old:#x} v {v:#x}", if w { 'w' } else { 'd' });
                    assert_eq!(vm.peek64(SCRATCH), want_mem, "{m} memory: old {old:#x} v {v:#x}");
                    assert_eq!(vm.peek64(SCRATCH + 8), guard);
                }
            }
        }
    }
}

#[test]
fn amo_faults() {
    let mut vm = Vm::new();
    for (m, w, off) in [("amoadd", 'w', 2u64), ("amoswap", 'd', 4), ("amomaxu", 'd', 1), ("amoor", 'w', 6)] {
        vm.poke64(SCRATCH, 5);
        let c = vm.faults(
            &words(&[amo(m, w, A0, A1, A2)]),
            |c| {
                c.x[11] = SCRATCH + off;
                c.x[10] = 77;
                c.x[12] = 1;
            },
            FaultKind::Misaligned { access: Access::Write, addr: SCRATCH + off },
            0,
        );
        assert_eq!(c.x[10], 77, "rd unchanged by a faulting AMO");
        assert_eq!(vm.peek64(SCRATCH), 5, "memory unchanged by a faulting AMO");
    }
    // An AMO on read-only memory (the image, mapped R in DATA) faults on the write.
    vm.faults(
        &words(&[amo("amoadd", 'w', A0, A1, A2)]),
        |c| c.x[11] = IMAGE_BASE + 0x100,
        FaultKind::Denied { access: Access::Write, addr: IMAGE_BASE + 0x100 },
        0,
    );
}

// ---------------------------------------------------------------------------
// Zicsr and the counters.
// ---------------------------------------------------------------------------

#[test]
fn fcsr_frm_fflags() {
    let mut vm = Vm::new();
    let c = vm.ok(
        &words(&[
            csr("csrrw", A0, 3, A1),    // fcsr = 0xff (high bits dropped)
            csr("csrrs", A2, 2, ZERO),  // frm
            csr("csrrs", A3, 1, ZERO),  // fflags
            csr("csrrwi", A4, 1, 0x05), // fflags = 5, old fflags
            csr("csrrs", A5, 3, ZERO),  // fcsr
        ]),
        |c| {
            c.x[11] = 0xfff;
            c.fcsr = 0x21;
        },
    );
    assert_eq!(c.x[10], 0x21, "old fcsr");
    assert_eq!(c.x[12], 7, "frm is fcsr[7:5]");
    assert_eq!(c.x[13], 0x1f, "fflags is fcsr[4:0]");
    assert_eq!(c.x[14], 0x1f);
    assert_eq!(c.x[15], 0xe5);
    let c = vm.ok(
        &words(&[
            csr("csrrsi", A0, 2, 2),    // frm |= 2
            csr("csrrci", A1, 1, 0x1),  // fflags &= ~1
            csr("csrrw", A2, 2, A3),    // frm = a3 (only 3 bits kept)
            csr("csrrc", A4, 3, A5),    // fcsr &= ~a5
            csr("csrrs", S0, 3, ZERO),
        ]),
        |c| {
            c.fcsr = (1 << 5) | 0x3;
            c.x[13] = 0xfc;
            c.x[15] = 0x2;
        },
    );
    assert_eq!(c.x[10], 1);
    assert_eq!(c.x[11], 0x3);
    assert_eq!(c.x[12], 3);
    assert_eq!(c.x[14], (4 << 5) | 0x2);
    assert_eq!(c.x[8], 4 << 5);
    assert_eq!(c.fcsr, 4 << 5);
}

#[test]
fn counters_are_monotonic_and_read_only() {
    let mut vm = Vm::new();
    // rdinstret; nop; rdinstret: two instructions apart (each read counts itself).
    let c = vm.ok(&words(&[csr("csrrs", A0, 0xc02, ZERO), NOP, csr("csrrs", A1, 0xc02, ZERO)]), |_| {});
    assert_eq!(c.x[11] - c.x[10], 2);
    let c = vm.ok(
        &words(&[csr("csrrs", A0, 0xc00, ZERO), alu("div", A3, A3, A4), csr("csrrs", A1, 0xc00, ZERO), csr("csrrs", A2, 0xc01, ZERO)]),
        |c| c.x[14] = 3,
    );
    let costs = machine::cost::CostModel::default();
    assert_eq!(c.x[11] - c.x[10], (costs.div + costs.csr) as u64, "cycles follow the cost table");
    assert_eq!(c.x[12], (c.x[11] + costs.csr as u64) / 100, "time = cycles / 100");
    // Across runs too.
    let first = vm.ok(&words(&[csr("csrrs", A0, 0xc00, ZERO), csr("csrrs", A1, 0xc02, ZERO)]), |_| {});
    let second = vm.ok(&words(&[csr("csrrs", A0, 0xc00, ZERO), csr("csrrs", A1, 0xc02, ZERO)]), |_| {});
    assert!(second.x[10] > first.x[10] && second.x[11] > first.x[11]);
    // Reading with csrrs/csrrsi and a zero source is fine; any write is illegal.
    vm.ok(&words(&[csr("csrrsi", A0, 0xc00, 0), csr("csrrci", A0, 0xc02, 0), csr("csrrs", A0, 0xcc0, ZERO)]), |_| {});
    let illegal = [
        csr("csrrw", ZERO, 0xc00, A1),
        csr("csrrs", A0, 0xc02, A1),
        csr("csrrsi", A0, 0xc01, 1),
        csr("csrrwi", A0, 0xcc0, 0),
        csr("csrrw", A0, 0xcc1, A1),
        csr("csrrs", A0, 0x300, ZERO), // mstatus: no privileged state
        csr("csrrs", A0, 0x7c0, ZERO),
        csr("csrrs", A0, 0xc03, ZERO), // hpmcounter3 is not implemented
        csr("csrrs", A0, 0xc80, ZERO), // cycleh is RV32 only
    ];
    for w in illegal {
        let c = vm.faults(
            &words(&[w]),
            |c| {
                c.x[10] = 0x77;
                c.x[11] = 1;
            },
            FaultKind::Illegal { raw: w },
            0,
        );
        assert_eq!(c.x[10], 0x77, "a faulting CSR instruction writes no register: {w:#010x}");
    }
}

// ---------------------------------------------------------------------------
// C.
// ---------------------------------------------------------------------------

#[test]
fn compressed_sequences() {
    let mut vm = Vm::new();
    // Encodings from GNU as (see the_encoder_agrees_with_gnu_as for the method).
    let c = vm.ok(
        &Code::default().c(&[
            0x557d, // c.li a0, -1
            0x0515, // c.addi a0, 5        -> 4
            0x050e, // c.slli a0, 3        -> 32
            0x85aa, // c.mv a1, a0         -> 32
            0x95aa, // c.add a1, a0        -> 64
            0x2505, // c.addiw a0, 1       -> 33
            0x767d, // c.lui a2, 0xfffff   -> -4096
            0x8005, // c.srli s0, 1
            0x8489, // c.srai s1, 2
        ]),
        |c| {
            c.x[8] = 0x8000_0000_0000_0000;
            c.x[9] = 0x8000_0000_0000_0000;
        },
    );
    assert_eq!(c.x[10], 33);
    assert_eq!(c.x[11], 64);
    assert_eq!(c.x[12], (-4096i64) as u64);
    assert_eq!(c.x[8], 0x4000_0000_0000_0000);
    assert_eq!(c.x[9], 0xe000_0000_0000_0000);
    assert_eq!(c.pc, IMAGE_BASE + 18, "nine 2-byte instructions");

    // Register-register forms on s0, s1.
    for (half, want) in [
        (0x8c05u16, 0x30u64), // c.sub s0, s1
        (0x8c25, 0x50),       // c.xor
        (0x8c45, 0x7a),       // c.or
        (0x8c65, 0x2a),       // c.and
        (0x9c25, 0xa4),       // c.addw
        (0x9c05, 0x30),       // c.subw
        (0x9841, 0x60),       // c.andi s0, -16
    ] {
        let c = vm.ok(&Code::default().c(&[half]), |c| {
            c.x[8] = 0x6a;
            c.x[9] = 0x3a;
        });
        assert_eq!(c.x[8], want, "{half:#06x}");
    }
    // c.addw/c.subw sign-extend 32-bit results.
    let c = vm.ok(&Code::default().c(&[0x9c25]), |c| {
        c.x[8] = 0x7fff_ffff;
        c.x[9] = 1;
    });
    assert_eq!(c.x[8], 0xffff_ffff_8000_0000);

    // Loads and stores, register-based and sp-based.
    vm.poke64(SCRATCH, 0x1111_2222_3333_4444);
    vm.poke64(SCRATCH + 8, 0x5555_6666_7777_8888);
    let c = vm.ok(
        &Code::default().c(&[
            0x4058, // c.lw a4, 4(s0)
            0x641c, // c.ld a5, 8(s0)
            0xc458, // c.sw a4, 12(s0)
            0xe81c, // c.sd a5, 16(s0)
            0x4692, // c.lwsp a3, 4(sp)
            0xe836, // c.sdsp a3, 16(sp)
            0x2408, // c.fld fa0, 8(s0)
            0xa808, // c.fsd fa0, 16(s0)
        ]),
        |c| {
            c.x[8] = SCRATCH;
            c.x[2] = SCRATCH;
        },
    );
    assert_eq!(c.x[14], 0x1111_2222);
    assert_eq!(c.x[15], 0x5555_6666_7777_8888);
    assert_eq!(c.x[13], 0x1111_2222);
    assert_eq!(vm.peek64(SCRATCH + 8), 0x1111_2222_7777_8888, "c.sw wrote 4 bytes at 12");
    assert_eq!(c.f[10], 0x1111_2222_7777_8888, "c.fld after the c.sw");
    assert_eq!(vm.peek64(SCRATCH + 16), 0x1111_2222_7777_8888);
    // c.lw sign-extends.
    vm.poke64(SCRATCH, 0x8000_0000_0000_0000);
    let c = vm.ok(&Code::default().c(&[0x4058]), |c| c.x[8] = SCRATCH);
    assert_eq!(c.x[14], 0xffff_ffff_8000_0000);

    // Stack-pointer arithmetic.
    let c = vm.ok(&Code::default().c(&[0x7139, 0x0808]), |_| {}); // c.addi16sp sp, -64; c.addi4spn a0, sp, 16
    assert_eq!(c.x[2], STACK_TOP - 64);
    assert_eq!(c.x[10], STACK_TOP - 48);

    // Control flow: c.j skips, c.beqz/c.bnez, c.jalr links pc + 2.
    let c = vm.ok(
        &Code::default().c(&[
            0xa019, // 0: c.j +6            -> 6
            0x557d, // 2: c.li a0, -1      (skipped)
            0x557d, // 4: c.li a0, -1      (skipped)
            0xc111, // 6: c.beqz a0, +4    (a0 = 0: taken -> 10)
            0x557d, // 8: c.li a0, -1      (skipped)
            0x9582, // 10: c.jalr a1       -> a1 (= 14), ra = 12
            0x557d, // 12: c.li a0, -1     (skipped)
        ]),
        |c| c.x[11] = IMAGE_BASE + 14,
    );
    assert_eq!(c.x[10], 0);
    assert_eq!(c.x[1], IMAGE_BASE + 12);

    // Mixed 16- and 32-bit code.
    let code = Code::default().c(&[0x557d]).w(&[alui("addi", A0, A0, 100)]).c(&[0x0515]);
    let c = vm.ok(&code, |_| {});
    assert_eq!(c.x[10], 104);

    // c.ebreak, and the all-zero halfword (c.unimp) is illegal.
    vm.faults(&Code::default().c(&[0x0001, 0x9002]), |_| {}, FaultKind::Breakpoint, 2);
    vm.faults(&Code::default().c(&[0x0001, 0x0000]), |_| {}, FaultKind::Illegal { raw: 0 }, 2);
}

// ---------------------------------------------------------------------------
// F and D through the executor.
// ---------------------------------------------------------------------------

const BOX: u64 = 0xffff_ffff_0000_0000;
const ONE_S: u64 = BOX | 0x3f80_0000;
const ONE_D: u64 = 0x3ff0_0000_0000_0000;
const QNAN_S: u64 = BOX | 0x7fc0_0000;
const QNAN_D: u64 = 0x7ff8_0000_0000_0000;
const NX: u32 = 1;
const UF: u32 = 2;
const OF: u32 = 4;
const DZ: u32 = 8;
const NV: u32 = 16;

/// Runs one FP instruction with fa1, fa2, fa3 (f11..f13) and a1 set; returns the context.
fn fp1(vm: &mut Vm, w: u32, f: [u64; 3], a1: u64, fcsr: u32) -> Context {
    vm.ok(&words(&[w]), |c| {
        c.f[11] = f[0];
        c.f[12] = f[1];
        c.f[13] = f[2];
        c.x[11] = a1;
        c.fcsr = fcsr;
    })
}

#[test]
fn nan_boxing() {
    let mut vm = Vm::new();
    // fa1 holds a double (not a boxed single): as a single operand it reads as the
    // canonical NaN, so the sum is the canonical NaN, boxed; quiet, so no flag.
    let c = fp1(&mut vm, fop("fadd", 0, RNE, 10, 11, 12), [ONE_D, ONE_S, 0], 0, 0);
    assert_eq!(c.f[10], QNAN_S);
    assert_eq!(c.fcsr, 0);
    // Properly boxed: 1 + 1 = 2, boxed.
    let c = fp1(&mut vm, fop("fadd", 0, RNE, 10, 11, 12), [ONE_S, ONE_S, 0], 0, 0);
    assert_eq!(c.f[10], BOX | 0x4000_0000);
    // Partly boxed (upper half not all ones) is not boxed either.
    let c = fp1(&mut vm, fop("fmul", 0, RNE, 10, 11, 12), [0x7fff_ffff_3f80_0000, ONE_S, 0], 0, 0);
    assert_eq!(c.f[10], QNAN_S);
    // Sign injection reads its operands unboxed too.
    let c = fp1(&mut vm, fop("fsgnjn", 0, 0, 10, 11, 12), [ONE_D, ONE_S, 0], 0, 0);
    assert_eq!(c.f[10], BOX | 0xffc0_0000);
    // fmv.x.w moves the low 32 bits whatever the boxing, sign-extended.
    let c = vm.ok(&words(&[fmv_x_w(A0, 11)]), |c| c.f[11] = 0x1234_5678_8765_4321);
    assert_eq!(c.x[10], 0xffff_ffff_8765_4321);
    // fmv.w.x and flw box; fsw stores the low half.
    let c = vm.ok(&words(&[fmv_w_x(10, A1), flw(11, A2, 0), fsw(A2, 10, 8)]), |c| {
        c.x[11] = 0xdead_beef_4049_0fdb;
        c.x[12] = SCRATCH;
    });
    assert_eq!(c.f[10], BOX | 0x4049_0fdb);
    assert_eq!(c.f[11] >> 32, 0xffff_ffff);
    assert_eq!(vm.peek64(SCRATCH + 8) & 0xffff_ffff, 0x4049_0fdb);
    // fcvt.d.s of an unboxed value: the canonical double NaN.
    let c = fp1(&mut vm, fcvt_d_s(10, 11), [ONE_D, 0, 0], 0, 0);
    assert_eq!(c.f[10], QNAN_D);
    // Double ops see all 64 bits.
    let c = fp1(&mut vm, fop("fadd", 1, RNE, 10, 11, 12), [ONE_D, ONE_D, 0], 0, 0);
    assert_eq!(c.f[10], 0x4000_0000_0000_0000);
}

#[test]
fn rounding_modes_static_and_dynamic() {
    let mut vm = Vm::new();
    let third = |vm: &mut Vm, rm: u32, frm: u32, neg: bool| {
        let one = if neg { ONE_D | 1 << 63 } else { ONE_D };
        fp1(vm, fop("fdiv", 1, rm, 10, 11, 12), [one, 0x4008_0000_0000_0000, 0], 0, frm << 5).f[10]
    };
    // 1/3 and -1/3 in each mode, through frm (rm = dyn) and statically.
    let want_pos = [0x3fd5_5555_5555_5555u64, 0x3fd5_5555_5555_5555, 0x3fd5_5555_5555_5555, 0x3fd5_5555_5555_5556, 0x3fd5_5555_5555_5555];
    let want_neg = [0xbfd5_5555_5555_5555u64, 0xbfd5_5555_5555_5555, 0xbfd5_5555_5555_5556, 0xbfd5_5555_5555_5555, 0xbfd5_5555_5555_5555];
    for mode in 0..5u32 {
        assert_eq!(third(&mut vm, DYN, mode, false), want_pos[mode as usize], "1/3 frm={mode}");
        assert_eq!(third(&mut vm, DYN, mode, true), want_neg[mode as usize], "-1/3 frm={mode}");
        assert_eq!(third(&mut vm, mode, (mode + 1) % 5, false), want_pos[mode as usize], "static rm={mode} wins over frm");
    }
    // A tie: 1 + 2^-24 in single precision. RNE and RMM differ here.
    let tie = |vm: &mut Vm, frm: u32| fp1(vm, fop("fadd", 0, DYN, 10, 11, 12), [ONE_S, BOX | 0x3380_0000, 0], 0, frm << 5);
    let got: Vec<u64> = (0..5).map(|m| tie(&mut vm, m).f[10] & 0xffff_ffff).collect();
    assert_eq!(got, [0x3f80_0000, 0x3f80_0000, 0x3f80_0000, 0x3f80_0001, 0x3f80_0001]);
    assert_eq!(tie(&mut vm, 4).fcsr & 0x1f, NX);
    // Conversions to integers round by the mode too: -2.5.
    let m25 = 0xc004_0000_0000_0000u64;
    let got: Vec<u64> = (0..5).map(|m| fp1(&mut vm, fcvt_to_int(1, 2, DYN, A0, 11), [m25, 0, 0], 0, m << 5).x[10]).collect();
    assert_eq!(got, [(-2i64) as u64, (-2i64) as u64, (-3i64) as u64, (-2i64) as u64, (-3i64) as u64]);
}

#[test]
fn invalid_rounding_modes_are_illegal() {
    let mut vm = Vm::new();
    for frm in [5u32, 6, 7] {
        let w = fop("fadd", 1, DYN, 10, 11, 12);
        let c = vm.faults(
            &words(&[w]),
            |c| {
                c.fcsr = frm << 5;
                c.f[10] = 0x77;
            },
            FaultKind::Illegal { raw: w },
            0,
        );
        assert_eq!(c.f[10], 0x77, "no result written");
        // A static mode does not look at frm.
        fp1(&mut vm, fop("fadd", 1, RNE, 10, 11, 12), [ONE_D, ONE_D, 0], 0, frm << 5);
        // Nor do operations without rounding.
        fp1(&mut vm, fop("fmin", 1, 0, 10, 11, 12), [ONE_D, ONE_D, 0], 0, frm << 5);
    }
    for rm in [5u32, 6] {
        let w = fop("fmul", 0, rm, 10, 11, 12);
        vm.faults(&words(&[w]), |_| {}, FaultKind::Illegal { raw: w }, 0);
        let w = fcvt_to_int(1, 0, rm, A0, 11);
        vm.faults(&words(&[w]), |_| {}, FaultKind::Illegal { raw: w }, 0);
    }
}

#[test]
fn fflags_accumulate() {
    let mut vm = Vm::new();
    let c = vm.ok(
        &words(&[
            fop("fdiv", 1, RNE, 10, 11, 13), // 1 / 0: DZ
            csr("csrrs", A0, 1, ZERO),
            fop("fdiv", 1, RNE, 10, 11, 12), // 1 / 3: NX
            csr("csrrs", A1, 1, ZERO),
            fop("fsqrt", 1, RNE, 10, 14, 0), // sqrt(-1): NV
            csr("csrrs", A2, 1, ZERO),
            fop("fadd", 1, RNE, 10, 11, 11), // exact: nothing new
            csr("csrrs", A3, 1, ZERO),
        ]),
        |c| {
            c.f[11] = ONE_D;
            c.f[12] = 0x4008_0000_0000_0000;
            c.f[13] = 0;
            c.f[14] = ONE_D | 1 << 63;
        },
    );
    assert_eq!(c.x[10], DZ as u64);
    assert_eq!(c.x[11], (DZ | NX) as u64);
    assert_eq!(c.x[12], (DZ | NX | NV) as u64);
    assert_eq!(c.x[13], (DZ | NX | NV) as u64);
    assert_eq!(c.f[10], 0x4000_0000_0000_0000);
    // Overflow and underflow.
    let c = fp1(&mut vm, fop("fmul", 1, RNE, 10, 11, 12), [f64::MAX.to_bits(), 2f64.to_bits(), 0], 0, 0);
    assert_eq!((c.f[10], c.fcsr), (f64::INFINITY.to_bits(), OF | NX));
    let c = fp1(&mut vm, fop("fmul", 1, RNE, 10, 11, 12), [1, 0.5f64.to_bits(), 0], 0, 0);
    assert_eq!((c.f[10], c.fcsr), (0, UF | NX), "the smallest subnormal halved rounds to zero");
    let c = fp1(&mut vm, fop("fmul", 1, RNE, 10, 11, 12), [2, 0.5f64.to_bits(), 0], 0, 0);
    assert_eq!((c.f[10], c.fcsr), (1, 0), "exact subnormal results raise nothing");
    // Flags are only ever ORed in by arithmetic; a csr write clears them.
    let c = vm.ok(&words(&[fop("fdiv", 1, RNE, 10, 11, 12), csr("csrrwi", ZERO, 1, 0), csr("csrrs", A0, 3, ZERO)]), |c| {
        c.f[11] = ONE_D;
        c.f[12] = 0x4008_0000_0000_0000;
        c.fcsr = 2 << 5;
    });
    assert_eq!(c.x[10], 2 << 5);
}

#[test]
fn conversions_saturate_and_flag() {
    let mut vm = Vm::new();
    let cvt = |vm: &mut Vm, fmt: u32, kind: u32, rm: u32, v: u64| {
        let c = fp1(vm, fcvt_to_int(fmt, kind, rm, A0, 11), [v, 0, 0], 0, 0);
        (c.x[10], c.fcsr)
    };
    let nan = QNAN_D;
    assert_eq!(cvt(&mut vm, 1, 0, RTZ, nan), (0x7fff_ffff, NV), "fcvt.w.d NaN");
    assert_eq!(cvt(&mut vm, 1, 1, RTZ, (-1.0f64).to_bits()), (0, NV), "fcvt.wu.d -1");
    assert_eq!(cvt(&mut vm, 1, 1, RTZ, (-0.5f64).to_bits()), (0, NX), "fcvt.wu.d -0.5 rounds to -0: valid");
    assert_eq!(cvt(&mut vm, 1, 2, RTZ, 1e30f64.to_bits()), (i64::MAX as u64, NV));
    assert_eq!(cvt(&mut vm, 1, 2, RTZ, (-1e30f64).to_bits()), (i64::MIN as u64, NV));
    assert_eq!(cvt(&mut vm, 1, 3, RTZ, f64::INFINITY.to_bits()), (u64::MAX, NV));
    assert_eq!(cvt(&mut vm, 1, 0, RTZ, (-3e9f64).to_bits()), (i32::MIN as i64 as u64, NV));
    assert_eq!(cvt(&mut vm, 0, 1, RTZ, BOX | 3e9f32.to_bits() as u64), (0xffff_ffff_b2d0_5e00, 0), "fcvt.wu.s sign-extends its 32-bit result");
    assert_eq!(cvt(&mut vm, 0, 0, RNE, BOX | 2.5f32.to_bits() as u64), (2, NX));
    // From integers: i64::MAX to single rounds (NX); u32::MAX to double is exact.
    let c = fp1(&mut vm, fcvt_from_int(0, 2, RNE, 10, A1), [0, 0, 0], i64::MAX as u64, 0);
    assert_eq!((c.f[10], c.fcsr), (BOX | 0x5f00_0000, NX));
    let c = fp1(&mut vm, fcvt_from_int(1, 1, RNE, 10, A1), [0, 0, 0], 0xffff_ffff_ffff_ffff, 0);
    assert_eq!((c.f[10], c.fcsr), ((u32::MAX as f64).to_bits(), 0), "fcvt.d.wu reads the low 32 bits");
    let c = fp1(&mut vm, fcvt_from_int(1, 0, RNE, 10, A1), [0, 0, 0], 0xffff_ffff, 0);
    assert_eq!(c.f[10], (-1.0f64).to_bits(), "fcvt.d.w reads the low 32 bits, signed");
    // Between formats.
    let c = fp1(&mut vm, fcvt_s_d(RNE, 10, 11), [(1.0f64 / 3.0).to_bits(), 0, 0], 0, 0);
    assert_eq!((c.f[10], c.fcsr), (BOX | (1.0f32 / 3.0).to_bits() as u64, NX));
    let c = fp1(&mut vm, fcvt_s_d(RNE, 10, 11), [0x7ff0_0000_0000_0001, 0, 0], 0, 0);
    assert_eq!((c.f[10], c.fcsr), (QNAN_S, NV), "a signaling NaN converts to the canonical NaN with NV");
}

#[test]
fn min_max_compare_classify() {
    let mut vm = Vm::new();
    let snan_d = 0x7ff0_0000_0000_0001u64;
    let neg0 = 1u64 << 63;
    let two = |vm: &mut Vm, m: &str, a: u64, b: u64| {
        let c = fp1(vm, fop(m, 1, 0, 10, 11, 12), [a, b, 0], 0, 0);
        (c.f[10], c.fcsr)
    };
    assert_eq!(two(&mut vm, "fmin", neg0, 0), (neg0, 0), "fmin(-0, +0) = -0");
    assert_eq!(two(&mut vm, "fmax", neg0, 0), (0, 0), "fmax(-0, +0) = +0");
    assert_eq!(two(&mut vm, "fmin", QNAN_D, ONE_D), (ONE_D, 0));
    assert_eq!(two(&mut vm, "fmin", snan_d, ONE_D), (ONE_D, NV));
    assert_eq!(two(&mut vm, "fmax", QNAN_D, QNAN_D | 5), (QNAN_D, 0), "both NaN: the canonical NaN");
    let cmp = |vm: &mut Vm, m: &str, a: u64, b: u64| {
        let c = vm.ok(&words(&[fop(m, 1, 0, A0, 11, 12)]), |c| {
            c.f[11] = a;
            c.f[12] = b;
        });
        (c.x[10], c.fcsr)
    };
    assert_eq!(cmp(&mut vm, "feq", QNAN_D, QNAN_D), (0, 0), "feq is quiet");
    assert_eq!(cmp(&mut vm, "feq", snan_d, ONE_D), (0, NV));
    assert_eq!(cmp(&mut vm, "flt", QNAN_D, ONE_D), (0, NV), "flt signals on any NaN");
    assert_eq!(cmp(&mut vm, "fle", neg0, 0), (1, 0));
    assert_eq!(cmp(&mut vm, "flt", neg0, 0), (0, 0));
    assert_eq!(cmp(&mut vm, "feq", neg0, 0), (1, 0));
    let class = |vm: &mut Vm, fmt: u32, v: u64| vm.ok(&words(&[fop("fclass", fmt, 0, A0, 11, 0)]), |c| c.f[11] = v).x[10];
    let d = [
        (f64::NEG_INFINITY.to_bits(), 0),
        ((-1.0f64).to_bits(), 1),
        (neg0 | 1, 2),
        (neg0, 3),
        (0, 4),
        (1, 5),
        (ONE_D, 6),
        (f64::INFINITY.to_bits(), 7),
        (snan_d, 8),
        (QNAN_D, 9),
    ];
    for (v, bit) in d {
        assert_eq!(class(&mut vm, 1, v), 1 << bit, "fclass.d {v:#x}");
    }
    assert_eq!(class(&mut vm, 0, BOX | 0xff80_0000), 1 << 0, "fclass.s -inf");
    assert_eq!(class(&mut vm, 0, ONE_D), 1 << 9, "fclass.s of an unboxed value: canonical NaN");
}

#[test]
fn fused_multiply_add_rounds_once() {
    let mut vm = Vm::new();
    let a = 1.0f64 + 2f64.powi(-30);
    let b = 1.0f64 - 2f64.powi(-30);
    let fused = |vm: &mut Vm, m: &str, x: f64, y: f64, z: f64| {
        fp1(vm, fma(m, 1, RNE, 10, 11, 12, 13), [x.to_bits(), y.to_bits(), z.to_bits()], 0, 0).f[10]
    };
    // a*b = 1 - 2^-60 exactly; unfused it would round to 1 and give 0.
    assert_eq!(fused(&mut vm, "fmadd", a, b, -1.0), (-(2f64.powi(-60))).to_bits());
    assert_eq!(fused(&mut vm, "fmsub", a, b, 1.0), (-(2f64.powi(-60))).to_bits(), "a*b - c");
    assert_eq!(fused(&mut vm, "fnmsub", a, b, 1.0), 2f64.powi(-60).to_bits(), "-(a*b) + c");
    assert_eq!(fused(&mut vm, "fnmadd", a, b, -1.0), 2f64.powi(-60).to_bits(), "-(a*b) - c");
    assert_eq!(fused(&mut vm, "fmadd", 2.0, 3.0, 4.0), 10f64.to_bits());
    // 0 * inf + qNaN: invalid (NV) even with a quiet NaN addend, canonical NaN result.
    let c = fp1(&mut vm, fma("fmadd", 1, RNE, 10, 11, 12, 13), [0, f64::INFINITY.to_bits(), QNAN_D], 0, 0);
    assert_eq!((c.f[10], c.fcsr), (QNAN_D, NV));
    // Single precision, boxed.
    let c = fp1(&mut vm, fma("fmadd", 0, RNE, 10, 11, 12, 13), [BOX | 2f32.to_bits() as u64, BOX | 3f32.to_bits() as u64, BOX | 4f32.to_bits() as u64], 0, 0);
    assert_eq!(c.f[10], BOX | 10f32.to_bits() as u64);
    let c = fp1(&mut vm, fop("fsqrt", 0, RNE, 10, 11, 0), [BOX | 2f32.to_bits() as u64, 0, 0], 0, 0);
    assert_eq!((c.f[10], c.fcsr), (BOX | 0x3fb5_04f3, NX));
    // Loads and stores of doubles.
    vm.poke64(SCRATCH, 0x4009_21fb_5444_2d18);
    let c = vm.ok(&words(&[fld(10, A1, 0), fsd(A1, 10, 16), fmv_x_d(A0, 10), fmv_d_x(11, A0)]), |c| c.x[11] = SCRATCH);
    assert_eq!(c.f[10], 0x4009_21fb_5444_2d18);
    assert_eq!(c.x[10], 0x4009_21fb_5444_2d18);
    assert_eq!(c.f[11], 0x4009_21fb_5444_2d18);
    assert_eq!(vm.peek64(SCRATCH + 16), 0x4009_21fb_5444_2d18);
}

#[test]
fn illegal_encodings_fault_with_their_bits() {
    let mut vm = Vm::new();
    for w in [
        0xffff_ffffu32,
        0x0000_002b,                     // custom-1
        enc::r(0x0b, 6, 0, A0, A1, A2),  // custom-0 funct3 6: no Xgx operation
        0x3020_0073,                     // mret
        0x1050_0073,                     // wfi
        0x0000_1073 | (0xc00 << 20),     // csrrw zero, cycle, zero
    ] {
        vm.faults(&words(&[w]), |_| {}, FaultKind::Illegal { raw: w }, 0);
    }
}

// ---------------------------------------------------------------------------
// The cycle model of the native instructions.
// ---------------------------------------------------------------------------

/// Xgx words as `.insn r 0x0b, F3, 0, rd, rs1, x0` assembles them.
fn gx(f3: u32, rd: u32, rs1: u32) -> u32 {
    enc::r(0x0b, f3, 0, rd, rs1, 0)
}

#[test]
fn native_instructions_cost_what_the_cost_table_says() {
    let mut vm = Vm::new();
    let costs = machine::cost::CostModel::default();
    let csr_cost = costs.csr as u64;
    // A descriptor at SCRATCH + 64: 8 bytes of SCRATCH, read-only, to the harness.
    let mut desc = Vec::new();
    desc.extend_from_slice(&SCRATCH.to_le_bytes());
    desc.extend_from_slice(&8u64.to_le_bytes());
    desc.extend_from_slice(&vm.f.host.to_le_bytes());
    desc.extend_from_slice(&[1, 0, 0, 0, 0, 0]);
    vm.f.m.mem.poke(vm.f.data, SCRATCH + 64, &desc).unwrap();
    let rdcycle = |rd| csr("csrrs", rd, 0xc00, ZERO);
    // gx.grant then gx.revoke of what it made.
    let c = vm.ok(&words(&[rdcycle(A0), gx(1, A1, A2), rdcycle(A3), gx(2, A4, A1), rdcycle(A5)]), |c| c.x[12] = SCRATCH + 64);
    assert!((c.x[11] as i64) > 0, "granted: {:#x}", c.x[11]);
    assert_eq!(c.x[14], 0, "revoked");
    assert_eq!(c.x[13] - c.x[10], (costs.alu + costs.grant) as u64 + csr_cost, "gx.grant: issue + one grant");
    assert_eq!(c.x[15] - c.x[13], (costs.alu + costs.revoke) as u64 + csr_cost, "gx.revoke: issue + one grant removed");
    // A refused gx.grant (bad flags) costs the issue only.
    vm.f.m.mem.poke(vm.f.data, SCRATCH + 64 + 19, &[2]).unwrap();
    let c = vm.ok(&words(&[rdcycle(A0), gx(1, A1, A2), rdcycle(A3)]), |c| c.x[12] = SCRATCH + 64);
    assert_eq!(c.x[11], (-22i64) as u64);
    assert_eq!(c.x[13] - c.x[10], costs.alu as u64 + csr_cost);
    // A portal call and its return cost a jump each: here into our own portal, whose
    // entry (offset 28) is a gx.pret.
    let c = vm.ok(
        &words(&[
            auipc(A5, 0),               // 0
            alui("addi", A5, A5, 28),   // 4: a5 = entry
            gx(3, 18, A5),              // 8: s2 = gx.portal(entry)
            rdcycle(S0),                // 12
            gx(4, A3, 18),              // 16: gx.pcall a3, s2
            rdcycle(S0 + 1),            // 20: s1
            j(ZERO, 8),                 // 24: over the entry
            gx(5, ZERO, ZERO),          // 28: entry: gx.pret
        ]),
        |_| {},
    );
    assert!((c.x[18] as i64) > 0, "portal made");
    assert_eq!(c.x[13], 0, "call made and returned");
    assert_eq!(c.x[9] - c.x[8], 2 * costs.jump as u64 + csr_cost, "pcall + pret = two jumps");
    assert_eq!(costs.of(machine::cpu::inst::Op::GxPcall), costs.of(machine::cpu::inst::Op::Jal));
}
