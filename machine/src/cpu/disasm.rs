//! The disassembler: `Inst` as GNU-objdump-like assembly text for `--trace` output.
//!
//! The text follows `objdump -d -M no-aliases` (ABI register names, decimal offsets,
//! hex for `lui`/`auipc` immediates and shift amounts) with two differences: operands
//! are separated by ", ", and branch and jump targets are shown relative to the
//! instruction as `.+8` / `.-16` (GNU as syntax), because an `Inst` does not know its
//! own address. A compressed instruction prints as the 32-bit instruction it expands to.

use std::fmt;

use super::inst::{Inst, Op};

/// ABI names of the integer registers, indexed by register number.
const X_NAMES: [&str; 32] = [
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "s2",
    "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
];

/// ABI names of the floating-point registers, indexed by register number.
const F_NAMES: [&str; 32] = [
    "ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7", "fs0", "fs1", "fa0", "fa1", "fa2", "fa3", "fa4", "fa5",
    "fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7", "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11",
];

/// Rounding-mode names by `rm` value; 5 and 6 are reserved and never decoded.
const RM_NAMES: [&str; 8] = ["rne", "rtz", "rdn", "rup", "rmm", "rm5", "rm6", "dyn"];

/// Dynamic rounding (use `frm`): the default, so it is not printed.
const RM_DYNAMIC: u8 = 7;

// `Inst` fields are public, so a hand-built one may hold any byte: out-of-range
// register numbers print as "?" rather than panicking.
fn x(reg: u8) -> &'static str {
    X_NAMES.get(usize::from(reg)).copied().unwrap_or("x?")
}

fn f(reg: u8) -> &'static str {
    F_NAMES.get(usize::from(reg)).copied().unwrap_or("f?")
}

/// The name of a CSR this machine knows, or its number in hex.
fn csr_name(csr: i32) -> String {
    let name = match csr {
        0x001 => "fflags",
        0x002 => "frm",
        0x003 => "fcsr",
        0xc00 => "cycle",
        0xc01 => "time",
        0xc02 => "instret",
        0xcc0 => "gxcode",
        0xcc1 => "gxdata",
        _ => return format!("{csr:#x}"),
    };
    name.to_string()
}

/// A branch or jump target relative to the instruction itself.
fn target(offset: i32) -> String {
    if offset < 0 { format!(".-{}", offset.unsigned_abs()) } else { format!(".+{offset}") }
}

/// The fence predecessor/successor set as letters from "iorw", or "0" when empty.
fn fence_set(bits: i32) -> String {
    let set: String = "iorw".chars().enumerate().filter(|&(i, _)| bits & (0b1000 >> i) != 0).map(|(_, c)| c).collect();
    if set.is_empty() { "0".to_string() } else { set }
}

/// How an operation's operands are laid out in text.
enum Shape {
    /// No operands.
    Bare,
    /// `rd, 0x20-bit-immediate`
    Upper,
    /// `rd, target`
    Jump,
    /// `rd, imm(rs1)`
    JumpReg,
    /// `rs1, rs2, target`
    Branch,
    /// `rd, imm(rs1)` with an integer or FP destination.
    Load {
        fp: bool,
    },
    /// `rs2, imm(rs1)` with an integer or FP source.
    Store {
        fp: bool,
    },
    /// `rd, rs1, imm`
    Imm,
    /// `rd, rs1, shamt`
    Shift,
    /// `rd, rs1, rs2` (integer)
    Reg,
    Fence,
    /// `rd, (rs1)` with ordering suffixes
    Lr,
    /// `rd, rs2, (rs1)` with ordering suffixes
    Amo,
    /// `rd, csr, rs1`
    Csr,
    /// `rd, csr, uimm`
    CsrImm,
    /// `fd, fs1, fs2[, rm]`
    FpArith,
    /// `fd, fs1, fs2, fs3[, rm]`
    FpFused,
    /// `fd, fs1, fs2` (no rounding mode)
    FpReg,
    /// `rd, fs1, fs2`
    FpCompare,
    /// `fd, fs1[, rm]`; `exact` conversions are printed without their default rm.
    FpUnary {
        exact: bool,
    },
    /// `rd, fs1[, rm]`
    FpToInt,
    /// `fd, rs1[, rm]`
    IntToFp {
        exact: bool,
    },
    /// `rd, fs1`
    FpMoveToInt,
    /// `fd, rs1`
    IntMoveToFp,
    /// `rd, rs1`
    Xgx,
}

impl Op {
    /// The assembler mnemonic of the operation (`"fadd.d"`, `"gx.pcall"`,
    /// `"illegal"`), without AMO ordering suffixes.
    pub fn mnemonic(self) -> &'static str {
        info(self).0
    }
}

fn info(op: Op) -> (&'static str, Shape) {
    use Shape::*;
    match op {
        Op::Illegal => ("illegal", Bare),
        Op::Lui => ("lui", Upper),
        Op::Auipc => ("auipc", Upper),
        Op::Jal => ("jal", Jump),
        Op::Jalr => ("jalr", JumpReg),
        Op::Beq => ("beq", Branch),
        Op::Bne => ("bne", Branch),
        Op::Blt => ("blt", Branch),
        Op::Bge => ("bge", Branch),
        Op::Bltu => ("bltu", Branch),
        Op::Bgeu => ("bgeu", Branch),
        Op::Lb => ("lb", Load { fp: false }),
        Op::Lh => ("lh", Load { fp: false }),
        Op::Lw => ("lw", Load { fp: false }),
        Op::Ld => ("ld", Load { fp: false }),
        Op::Lbu => ("lbu", Load { fp: false }),
        Op::Lhu => ("lhu", Load { fp: false }),
        Op::Lwu => ("lwu", Load { fp: false }),
        Op::Sb => ("sb", Store { fp: false }),
        Op::Sh => ("sh", Store { fp: false }),
        Op::Sw => ("sw", Store { fp: false }),
        Op::Sd => ("sd", Store { fp: false }),
        Op::Addi => ("addi", Imm),
        Op::Slti => ("slti", Imm),
        Op::Sltiu => ("sltiu", Imm),
        Op::Xori => ("xori", Imm),
        Op::Ori => ("ori", Imm),
        Op::Andi => ("andi", Imm),
        Op::Slli => ("slli", Shift),
        Op::Srli => ("srli", Shift),
        Op::Srai => ("srai", Shift),
        Op::Add => ("add", Reg),
        Op::Sub => ("sub", Reg),
        Op::Sll => ("sll", Reg),
        Op::Slt => ("slt", Reg),
        Op::Sltu => ("sltu", Reg),
        Op::Xor => ("xor", Reg),
        Op::Srl => ("srl", Reg),
        Op::Sra => ("sra", Reg),
        Op::Or => ("or", Reg),
        Op::And => ("and", Reg),
        Op::Addiw => ("addiw", Imm),
        Op::Slliw => ("slliw", Shift),
        Op::Srliw => ("srliw", Shift),
        Op::Sraiw => ("sraiw", Shift),
        Op::Addw => ("addw", Reg),
        Op::Subw => ("subw", Reg),
        Op::Sllw => ("sllw", Reg),
        Op::Srlw => ("srlw", Reg),
        Op::Sraw => ("sraw", Reg),
        Op::Fence => ("fence", Fence),
        Op::FenceI => ("fence.i", Bare),
        Op::Ecall => ("ecall", Bare),
        Op::Ebreak => ("ebreak", Bare),
        Op::Mul => ("mul", Reg),
        Op::Mulh => ("mulh", Reg),
        Op::Mulhsu => ("mulhsu", Reg),
        Op::Mulhu => ("mulhu", Reg),
        Op::Div => ("div", Reg),
        Op::Divu => ("divu", Reg),
        Op::Rem => ("rem", Reg),
        Op::Remu => ("remu", Reg),
        Op::Mulw => ("mulw", Reg),
        Op::Divw => ("divw", Reg),
        Op::Divuw => ("divuw", Reg),
        Op::Remw => ("remw", Reg),
        Op::Remuw => ("remuw", Reg),
        Op::LrW => ("lr.w", Lr),
        Op::ScW => ("sc.w", Amo),
        Op::AmoswapW => ("amoswap.w", Amo),
        Op::AmoaddW => ("amoadd.w", Amo),
        Op::AmoxorW => ("amoxor.w", Amo),
        Op::AmoandW => ("amoand.w", Amo),
        Op::AmoorW => ("amoor.w", Amo),
        Op::AmominW => ("amomin.w", Amo),
        Op::AmomaxW => ("amomax.w", Amo),
        Op::AmominuW => ("amominu.w", Amo),
        Op::AmomaxuW => ("amomaxu.w", Amo),
        Op::LrD => ("lr.d", Lr),
        Op::ScD => ("sc.d", Amo),
        Op::AmoswapD => ("amoswap.d", Amo),
        Op::AmoaddD => ("amoadd.d", Amo),
        Op::AmoxorD => ("amoxor.d", Amo),
        Op::AmoandD => ("amoand.d", Amo),
        Op::AmoorD => ("amoor.d", Amo),
        Op::AmominD => ("amomin.d", Amo),
        Op::AmomaxD => ("amomax.d", Amo),
        Op::AmominuD => ("amominu.d", Amo),
        Op::AmomaxuD => ("amomaxu.d", Amo),
        Op::Csrrw => ("csrrw", Csr),
        Op::Csrrs => ("csrrs", Csr),
        Op::Csrrc => ("csrrc", Csr),
        Op::Csrrwi => ("csrrwi", CsrImm),
        Op::Csrrsi => ("csrrsi", CsrImm),
        Op::Csrrci => ("csrrci", CsrImm),
        Op::Flw => ("flw", Load { fp: true }),
        Op::Fsw => ("fsw", Store { fp: true }),
        Op::FmaddS => ("fmadd.s", FpFused),
        Op::FmsubS => ("fmsub.s", FpFused),
        Op::FnmsubS => ("fnmsub.s", FpFused),
        Op::FnmaddS => ("fnmadd.s", FpFused),
        Op::FaddS => ("fadd.s", FpArith),
        Op::FsubS => ("fsub.s", FpArith),
        Op::FmulS => ("fmul.s", FpArith),
        Op::FdivS => ("fdiv.s", FpArith),
        Op::FsqrtS => ("fsqrt.s", FpUnary { exact: false }),
        Op::FsgnjS => ("fsgnj.s", FpReg),
        Op::FsgnjnS => ("fsgnjn.s", FpReg),
        Op::FsgnjxS => ("fsgnjx.s", FpReg),
        Op::FminS => ("fmin.s", FpReg),
        Op::FmaxS => ("fmax.s", FpReg),
        Op::FcvtWS => ("fcvt.w.s", FpToInt),
        Op::FcvtWuS => ("fcvt.wu.s", FpToInt),
        Op::FcvtLS => ("fcvt.l.s", FpToInt),
        Op::FcvtLuS => ("fcvt.lu.s", FpToInt),
        Op::FcvtSW => ("fcvt.s.w", IntToFp { exact: false }),
        Op::FcvtSWu => ("fcvt.s.wu", IntToFp { exact: false }),
        Op::FcvtSL => ("fcvt.s.l", IntToFp { exact: false }),
        Op::FcvtSLu => ("fcvt.s.lu", IntToFp { exact: false }),
        Op::FmvXW => ("fmv.x.w", FpMoveToInt),
        Op::FmvWX => ("fmv.w.x", IntMoveToFp),
        Op::FeqS => ("feq.s", FpCompare),
        Op::FltS => ("flt.s", FpCompare),
        Op::FleS => ("fle.s", FpCompare),
        Op::FclassS => ("fclass.s", FpMoveToInt),
        Op::Fld => ("fld", Load { fp: true }),
        Op::Fsd => ("fsd", Store { fp: true }),
        Op::FmaddD => ("fmadd.d", FpFused),
        Op::FmsubD => ("fmsub.d", FpFused),
        Op::FnmsubD => ("fnmsub.d", FpFused),
        Op::FnmaddD => ("fnmadd.d", FpFused),
        Op::FaddD => ("fadd.d", FpArith),
        Op::FsubD => ("fsub.d", FpArith),
        Op::FmulD => ("fmul.d", FpArith),
        Op::FdivD => ("fdiv.d", FpArith),
        Op::FsqrtD => ("fsqrt.d", FpUnary { exact: false }),
        Op::FsgnjD => ("fsgnj.d", FpReg),
        Op::FsgnjnD => ("fsgnjn.d", FpReg),
        Op::FsgnjxD => ("fsgnjx.d", FpReg),
        Op::FminD => ("fmin.d", FpReg),
        Op::FmaxD => ("fmax.d", FpReg),
        Op::FcvtSD => ("fcvt.s.d", FpUnary { exact: false }),
        Op::FcvtDS => ("fcvt.d.s", FpUnary { exact: true }),
        Op::FcvtWD => ("fcvt.w.d", FpToInt),
        Op::FcvtWuD => ("fcvt.wu.d", FpToInt),
        Op::FcvtLD => ("fcvt.l.d", FpToInt),
        Op::FcvtLuD => ("fcvt.lu.d", FpToInt),
        Op::FcvtDW => ("fcvt.d.w", IntToFp { exact: true }),
        Op::FcvtDWu => ("fcvt.d.wu", IntToFp { exact: true }),
        Op::FcvtDL => ("fcvt.d.l", IntToFp { exact: false }),
        Op::FcvtDLu => ("fcvt.d.lu", IntToFp { exact: false }),
        Op::FmvXD => ("fmv.x.d", FpMoveToInt),
        Op::FmvDX => ("fmv.d.x", IntMoveToFp),
        Op::FeqD => ("feq.d", FpCompare),
        Op::FltD => ("flt.d", FpCompare),
        Op::FleD => ("fle.d", FpCompare),
        Op::FclassD => ("fclass.d", FpMoveToInt),
        Op::GxQualify => ("gx.qualify", Xgx),
        Op::GxGrant => ("gx.grant", Xgx),
        Op::GxRevoke => ("gx.revoke", Xgx),
        Op::GxPortal => ("gx.portal", Xgx),
        Op::GxPcall => ("gx.pcall", Xgx),
        Op::GxPret => ("gx.pret", Bare),
    }
}

/// The ", rm" suffix: dynamic rounding is the default and is left out, and so is
/// round-to-nearest-even on exact conversions, which assemblers emit by default and
/// where the mode cannot change the result.
fn rm_suffix(rm: u8, exact: bool) -> String {
    if rm == RM_DYNAMIC || (exact && rm == 0) {
        String::new()
    } else {
        format!(", {}", RM_NAMES.get(usize::from(rm)).copied().unwrap_or("rm?"))
    }
}

/// The `.aq`/`.rl`/`.aqrl` suffix from the ordering bits the decoder keeps in `rm`.
fn ordering(rm: u8) -> &'static str {
    match rm & 0b11 {
        0b00 => "",
        0b01 => ".rl",
        0b10 => ".aq",
        _ => ".aqrl",
    }
}

impl Inst {
    /// The operand text, empty for operations without operands.
    fn operands(&self) -> String {
        let (_, shape) = info(self.op);
        let (rd, rs1, rs2, imm) = (self.rd, self.rs1, self.rs2, self.imm);
        match shape {
            Shape::Bare => String::new(),
            Shape::Upper => format!("{}, {:#x}", x(rd), (imm as u32) >> 12),
            Shape::Jump => format!("{}, {}", x(rd), target(imm)),
            Shape::JumpReg | Shape::Load { fp: false } => format!("{}, {}({})", x(rd), imm, x(rs1)),
            Shape::Load { fp: true } => format!("{}, {}({})", f(rd), imm, x(rs1)),
            Shape::Branch => format!("{}, {}, {}", x(rs1), x(rs2), target(imm)),
            Shape::Store { fp: false } => format!("{}, {}({})", x(rs2), imm, x(rs1)),
            Shape::Store { fp: true } => format!("{}, {}({})", f(rs2), imm, x(rs1)),
            Shape::Imm => format!("{}, {}, {}", x(rd), x(rs1), imm),
            Shape::Shift => format!("{}, {}, {:#x}", x(rd), x(rs1), imm),
            Shape::Reg => format!("{}, {}, {}", x(rd), x(rs1), x(rs2)),
            Shape::Fence => format!("{}, {}", fence_set(imm >> 4), fence_set(imm)),
            Shape::Lr => format!("{}, ({})", x(rd), x(rs1)),
            Shape::Amo => format!("{}, {}, ({})", x(rd), x(rs2), x(rs1)),
            Shape::Csr => format!("{}, {}, {}", x(rd), csr_name(imm), x(rs1)),
            Shape::CsrImm => format!("{}, {}, {}", x(rd), csr_name(imm), rs1),
            Shape::FpArith => format!("{}, {}, {}{}", f(rd), f(rs1), f(rs2), rm_suffix(self.rm, false)),
            Shape::FpFused => {
                format!("{}, {}, {}, {}{}", f(rd), f(rs1), f(rs2), f(self.rs3), rm_suffix(self.rm, false))
            }
            Shape::FpReg => format!("{}, {}, {}", f(rd), f(rs1), f(rs2)),
            Shape::FpCompare => format!("{}, {}, {}", x(rd), f(rs1), f(rs2)),
            Shape::FpUnary { exact } => format!("{}, {}{}", f(rd), f(rs1), rm_suffix(self.rm, exact)),
            Shape::FpToInt => format!("{}, {}{}", x(rd), f(rs1), rm_suffix(self.rm, false)),
            Shape::IntToFp { exact } => format!("{}, {}{}", f(rd), x(rs1), rm_suffix(self.rm, exact)),
            Shape::FpMoveToInt => format!("{}, {}", x(rd), f(rs1)),
            Shape::IntMoveToFp => format!("{}, {}", f(rd), x(rs1)),
            Shape::Xgx => format!("{}, {}", x(rd), x(rs1)),
        }
    }

    /// fm = 1000 with pred = succ = rw is the TSO fence, which has its own mnemonic.
    fn is_fence_tso(&self) -> bool {
        self.op == Op::Fence && self.imm & 0xfff == 0x833
    }
}

/// Assembly text such as `addi a0, sp, 16`, `ld ra, 8(sp)`, `fadd.d fa0, fa1, fa2, rne`,
/// `csrrs a0, fcsr, zero`, `gx.pcall a0, a1` or `illegal`. Width, fill and alignment
/// flags apply to the whole text, so trace columns line up with `{:<32}`.
impl fmt::Display for Inst {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_fence_tso() {
            return formatter.pad("fence.tso");
        }
        let mnemonic = self.op.mnemonic();
        let operands = self.operands();
        if matches!(info(self.op).1, Shape::Lr | Shape::Amo) {
            formatter.pad(&format!("{mnemonic}{} {operands}", ordering(self.rm)))
        } else if operands.is_empty() {
            formatter.pad(mnemonic)
        } else {
            formatter.pad(&format!("{mnemonic} {operands}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::decode::decode;
    use super::super::inst::{Inst, Op};

    /// (word, text) generated once with GNU binutils 2.40: each instruction assembled
    /// with `as -march=rv64gc`, disassembled with `objdump -d -M no-aliases`, and the
    /// text rewritten only where this disassembler differs on purpose (", " between
    /// operands, branch targets relative to the instruction, names for 0xcc0/0xcc1).
    const OBJDUMP: [(u32, &str); 196] = [
        (0x12345537, "lui a0, 0x12345"),
        (0xffffffb7, "lui t6, 0xfffff"),
        (0x80000037, "lui zero, 0x80000"),
        (0x00000097, "auipc ra, 0x0"),
        (0xfffff517, "auipc a0, 0xfffff"),
        (0x001000ef, "jal ra, .+2048"),
        (0xffdff06f, "jal zero, .-4"),
        (0x7ffff46f, "jal s0, .+1048574"),
        (0x800000ef, "jal ra, .-1048576"),
        (0x000500e7, "jalr ra, 0(a0)"),
        (0x00008067, "jalr zero, 0(ra)"),
        (0x800302e7, "jalr t0, -2048(t1)"),
        (0x7ff707e7, "jalr a5, 2047(a4)"),
        (0x00b50463, "beq a0, a1, .+8"),
        (0x80941063, "bne s0, s1, .-4096"),
        (0x7e62cfe3, "blt t0, t1, .+4094"),
        (0xff28dfe3, "bge a7, s2, .-2"),
        (0x00106863, "bltu zero, ra, .+16"),
        (0xffeff8e3, "bgeu t6, t5, .-16"),
        (0x00058503, "lb a0, 0(a1)"),
        (0xfff29d83, "lh s11, -1(t0)"),
        (0x7ff12e03, "lw t3, 2047(sp)"),
        (0x80013083, "ld ra, -2048(sp)"),
        (0x0646c603, "lbu a2, 100(a3)"),
        (0xf9c7d703, "lhu a4, -100(a5)"),
        (0x0088e803, "lwu a6, 8(a7)"),
        (0x00a58023, "sb a0, 0(a1)"),
        (0xffb29fa3, "sh s11, -1(t0)"),
        (0x7fc12fa3, "sw t3, 2047(sp)"),
        (0x80113023, "sd ra, -2048(sp)"),
        (0x01010513, "addi a0, sp, 16"),
        (0x00000013, "addi zero, zero, 0"),
        (0x800f0f93, "addi t6, t5, -2048"),
        (0xfff5a513, "slti a0, a1, -1"),
        (0x0015b513, "sltiu a0, a1, 1"),
        (0xfff5c513, "xori a0, a1, -1"),
        (0x5554e413, "ori s0, s1, 1365"),
        (0x7ff37293, "andi t0, t1, 2047"),
        (0x00051513, "slli a0, a0, 0x0"),
        (0x03f59513, "slli a0, a1, 0x3f"),
        (0x0209d913, "srli s2, s3, 0x20"),
        (0x401ada13, "srai s4, s5, 0x1"),
        (0x43f55513, "srai a0, a0, 0x3f"),
        (0x00c58533, "add a0, a1, a2"),
        (0x41248433, "sub s0, s1, s2"),
        (0x007312b3, "sll t0, t1, t2"),
        (0x00f726b3, "slt a3, a4, a5"),
        (0x0128b833, "sltu a6, a7, s2"),
        (0x015a49b3, "xor s3, s4, s5"),
        (0x018bdb33, "srl s6, s7, s8"),
        (0x41bd5cb3, "sra s9, s10, s11"),
        (0x01eeee33, "or t3, t4, t5"),
        (0x00107fb3, "and t6, zero, ra"),
        (0x0005051b, "addiw a0, a0, 0"),
        (0x8005851b, "addiw a0, a1, -2048"),
        (0x01f5951b, "slliw a0, a1, 0x1f"),
        (0x0005951b, "slliw a0, a1, 0x0"),
        (0x0073529b, "srliw t0, t1, 0x7"),
        (0x41f4d41b, "sraiw s0, s1, 0x1f"),
        (0x00c5853b, "addw a0, a1, a2"),
        (0x40f706bb, "subw a3, a4, a5"),
        (0x0128983b, "sllw a6, a7, s2"),
        (0x015a59bb, "srlw s3, s4, s5"),
        (0x418bdb3b, "sraw s6, s7, s8"),
        (0x0ff0000f, "fence iorw, iorw"),
        (0x0330000f, "fence rw, rw"),
        (0x0210000f, "fence r, w"),
        (0x0ca0000f, "fence io, ir"),
        (0x8330000f, "fence.tso"),
        (0x0000100f, "fence.i"),
        (0x00000073, "ecall"),
        (0x00100073, "ebreak"),
        (0x02c58533, "mul a0, a1, a2"),
        (0x02f716b3, "mulh a3, a4, a5"),
        (0x0328a833, "mulhsu a6, a7, s2"),
        (0x035a39b3, "mulhu s3, s4, s5"),
        (0x038bcb33, "div s6, s7, s8"),
        (0x03bd5cb3, "divu s9, s10, s11"),
        (0x03eeee33, "rem t3, t4, t5"),
        (0x0220ffb3, "remu t6, ra, sp"),
        (0x02c5853b, "mulw a0, a1, a2"),
        (0x02f746bb, "divw a3, a4, a5"),
        (0x0328d83b, "divuw a6, a7, s2"),
        (0x035a69bb, "remw s3, s4, s5"),
        (0x038bfb3b, "remuw s6, s7, s8"),
        (0x1005a52f, "lr.w a0, (a1)"),
        (0x1405a52f, "lr.w.aq a0, (a1)"),
        (0x160132af, "lr.d.aqrl t0, (sp)"),
        (0x1004b42f, "lr.d s0, (s1)"),
        (0x18c5a52f, "sc.w a0, a2, (a1)"),
        (0x1ac5a52f, "sc.w.rl a0, a2, (a1)"),
        (0x1c7e332f, "sc.d.aq t1, t2, (t3)"),
        (0x08b6252f, "amoswap.w a0, a1, (a2)"),
        (0x06b6252f, "amoadd.w.aqrl a0, a1, (a2)"),
        (0x2499242f, "amoxor.w.aq s0, s1, (s2)"),
        (0x6263a2af, "amoand.w.rl t0, t1, (t2)"),
        (0x40e7a6af, "amoor.w a3, a4, (a5)"),
        (0x8119a82f, "amomin.w a6, a7, (s3)"),
        (0xa15b2a2f, "amomax.w s4, s5, (s6)"),
        (0xc18cabaf, "amominu.w s7, s8, (s9)"),
        (0xe1be2d2f, "amomaxu.w s10, s11, (t3)"),
        (0x08b6352f, "amoswap.d a0, a1, (a2)"),
        (0x00b6302f, "amoadd.d zero, a1, (a2)"),
        (0x2699342f, "amoxor.d.aqrl s0, s1, (s2)"),
        (0x6063b2af, "amoand.d t0, t1, (t2)"),
        (0x44e7b6af, "amoor.d.aq a3, a4, (a5)"),
        (0x8119b82f, "amomin.d a6, a7, (s3)"),
        (0xa35b3a2f, "amomax.d.rl s4, s5, (s6)"),
        (0xc18cbbaf, "amominu.d s7, s8, (s9)"),
        (0xe1be3d2f, "amomaxu.d s10, s11, (t3)"),
        (0x00359573, "csrrw a0, fcsr, a1"),
        (0x00102573, "csrrs a0, fflags, zero"),
        (0x0022b073, "csrrc zero, frm, t0"),
        (0xc0002573, "csrrs a0, cycle, zero"),
        (0xc01025f3, "csrrs a1, time, zero"),
        (0xc0202673, "csrrs a2, instret, zero"),
        (0xcc002573, "csrrs a0, gxcode, zero"),
        (0xcc102573, "csrrs a0, gxdata, zero"),
        (0x7c079073, "csrrw zero, 0x7c0, a5"),
        (0x0012d573, "csrrwi a0, fflags, 5"),
        (0x002fe073, "csrrsi zero, frm, 31"),
        (0x00307573, "csrrci a0, fcsr, 0"),
        (0x8ff0e2f3, "csrrsi t0, 0x8ff, 1"),
        (0x00052507, "flw fa0, 0(a0)"),
        (0x80012f87, "flw ft11, -2048(sp)"),
        (0x7e82afa7, "fsw fs0, 2047(t0)"),
        (0x00813507, "fld fa0, 8(sp)"),
        (0xff843007, "fld ft0, -8(s0)"),
        (0x01b13827, "fsd fs11, 16(sp)"),
        (0x81153027, "fsd fa7, -2048(a0)"),
        (0x68c5f543, "fmadd.s fa0, fa1, fa2, fa3"),
        (0x18208043, "fmadd.s ft0, ft1, ft2, ft3, rne"),
        (0x99249447, "fmsub.s fs0, fs1, fs2, fs3, rtz"),
        (0x8907a74b, "fnmsub.s fa4, fa5, fa6, fa7, rdn"),
        (0xf9eebe4f, "fnmadd.s ft8, ft9, ft10, ft11, rup"),
        (0x6ac5c543, "fmadd.d fa0, fa1, fa2, fa3, rmm"),
        (0x9b24f447, "fmsub.d fs0, fs1, fs2, fs3"),
        (0x8b07874b, "fnmsub.d fa4, fa5, fa6, fa7, rne"),
        (0xfbeefe4f, "fnmadd.d ft8, ft9, ft10, ft11"),
        (0x00c5f553, "fadd.s fa0, fa1, fa2"),
        (0x00c58553, "fadd.s fa0, fa1, fa2, rne"),
        (0x08209053, "fsub.s ft0, ft1, ft2, rtz"),
        (0x1124a453, "fmul.s fs0, fs1, fs2, rdn"),
        (0x18f736d3, "fdiv.s fa3, fa4, fa5, rup"),
        (0x5805f553, "fsqrt.s fa0, fa1"),
        (0x5805c553, "fsqrt.s fa0, fa1, rmm"),
        (0x02c58553, "fadd.d fa0, fa1, fa2, rne"),
        (0x02c5f553, "fadd.d fa0, fa1, fa2"),
        (0x0a20f053, "fsub.d ft0, ft1, ft2"),
        (0x13249453, "fmul.d fs0, fs1, fs2, rtz"),
        (0x1af746d3, "fdiv.d fa3, fa4, fa5, rmm"),
        (0x5a05f553, "fsqrt.d fa0, fa1"),
        (0x5a0fadd3, "fsqrt.d fs11, ft11, rdn"),
        (0x20c58553, "fsgnj.s fa0, fa1, fa2"),
        (0x20b59553, "fsgnjn.s fa0, fa1, fa1"),
        (0x2020a053, "fsgnjx.s ft0, ft1, ft2"),
        (0x22c58553, "fsgnj.d fa0, fa1, fa2"),
        (0x22b59553, "fsgnjn.d fa0, fa1, fa1"),
        (0x2220a053, "fsgnjx.d ft0, ft1, ft2"),
        (0x28c58553, "fmin.s fa0, fa1, fa2"),
        (0x28c59553, "fmax.s fa0, fa1, fa2"),
        (0x2b248453, "fmin.d fs0, fs1, fs2"),
        (0x2b249453, "fmax.d fs0, fs1, fs2"),
        (0xc0057553, "fcvt.w.s a0, fa0"),
        (0xc0051553, "fcvt.w.s a0, fa0, rtz"),
        (0xc01585d3, "fcvt.wu.s a1, fa1, rne"),
        (0xc0262653, "fcvt.l.s a2, fa2, rdn"),
        (0xc036f6d3, "fcvt.lu.s a3, fa3"),
        (0xd0057553, "fcvt.s.w fa0, a0"),
        (0xd01595d3, "fcvt.s.wu fa1, a1, rtz"),
        (0xd0267653, "fcvt.s.l fa2, a2"),
        (0xd036b6d3, "fcvt.s.lu fa3, a3, rup"),
        (0xe0050553, "fmv.x.w a0, fa0"),
        (0xf0050553, "fmv.w.x fa0, a0"),
        (0xa0b52553, "feq.s a0, fa0, fa1"),
        (0xa0d615d3, "flt.s a1, fa2, fa3"),
        (0xa0f70653, "fle.s a2, fa4, fa5"),
        (0xe0051553, "fclass.s a0, fa0"),
        (0x4015f553, "fcvt.s.d fa0, fa1"),
        (0x40158553, "fcvt.s.d fa0, fa1, rne"),
        (0x42058553, "fcvt.d.s fa0, fa1"),
        (0xc2051553, "fcvt.w.d a0, fa0, rtz"),
        (0xc215f5d3, "fcvt.wu.d a1, fa1"),
        (0xc2264653, "fcvt.l.d a2, fa2, rmm"),
        (0xc23696d3, "fcvt.lu.d a3, fa3, rtz"),
        (0xd2050553, "fcvt.d.w fa0, a0"),
        (0xd21585d3, "fcvt.d.wu fa1, a1"),
        (0xd2267653, "fcvt.d.l fa2, a2"),
        (0xd2261653, "fcvt.d.l fa2, a2, rtz"),
        (0xd236f6d3, "fcvt.d.lu fa3, a3"),
        (0xe2050553, "fmv.x.d a0, fa0"),
        (0xf2050553, "fmv.d.x fa0, a0"),
        (0xa2b52553, "feq.d a0, fa0, fa1"),
        (0xa2d615d3, "flt.d a1, fa2, fa3"),
        (0xa2f70653, "fle.d a2, fa4, fa5"),
        (0xe2051553, "fclass.d a0, fa0"),
    ];

    #[test]
    fn matches_objdump() {
        for (word, text) in OBJDUMP {
            assert_eq!(decode(word).to_string(), text, "{word:#010x}");
        }
    }

    #[test]
    fn xgx_and_illegal() {
        assert_eq!(decode(0x0005_850b).to_string(), "gx.qualify a0, a1");
        assert_eq!(decode(0x0004_928b).to_string(), "gx.grant t0, s1");
        assert_eq!(decode(0x0005_250b).to_string(), "gx.revoke a0, a0");
        assert_eq!(decode(0x0006_390b).to_string(), "gx.portal s2, a2");
        assert_eq!(decode(0x0005_c50b).to_string(), "gx.pcall a0, a1");
        assert_eq!(decode(0x0000_500b).to_string(), "gx.pret");
        assert_eq!(decode(0x0000_0000).to_string(), "illegal");
        assert_eq!(decode(0xffff_ffff).to_string(), "illegal");
        assert_eq!(Op::GxPcall.mnemonic(), "gx.pcall");
    }

    /// Compressed instructions print as their 32-bit expansion.
    #[test]
    fn compressed_prints_as_expansion() {
        assert_eq!(decode(0x717d).to_string(), "addi sp, sp, -16"); // c.addi16sp
        assert_eq!(decode(0x60a2).to_string(), "ld ra, 8(sp)"); // c.ldsp
        assert_eq!(decode(0x8082).to_string(), "jalr zero, 0(ra)"); // c.jr ra
        assert_eq!(decode(0x852e).to_string(), "add a0, zero, a1"); // c.mv
        assert_eq!(decode(0xc109).to_string(), "beq a0, zero, .+2"); // c.beqz
        assert_eq!(decode(0x2522).to_string(), "fld fa0, 8(sp)"); // c.fldsp
        assert_eq!(decode(0x9002).to_string(), "ebreak"); // c.ebreak
    }

    /// Encodings binutils 2.40 refuses to print but the spec allows.
    #[test]
    fn lenient_encodings() {
        assert_eq!(decode(0x0100_000f).to_string(), "fence w, 0");
        assert_eq!(decode(0xd205_1553).to_string(), "fcvt.d.w fa0, a0, rtz");
        assert_eq!(decode(0xd205_7553).to_string(), "fcvt.d.w fa0, a0"); // dyn
        assert_eq!(decode(0x581b_188f).to_string(), "fence.i"); // reserved fields set
    }

    #[test]
    fn formatter_padding_applies_to_the_whole_text() {
        assert_eq!(format!("[{:<20}]", decode(0x0101_0513)), "[addi a0, sp, 16     ]");
        assert_eq!(format!("[{:>8}]", decode(0x0000_0073)), "[   ecall]");
    }

    /// Hand-built instructions with out-of-range fields still print.
    #[test]
    fn nonsense_fields_do_not_panic() {
        let weird = Inst { op: Op::FmaddD, rd: 200, rs1: 32, rs2: 255, rs3: 99, rm: 6, len: 2, imm: i32::MIN };
        assert_eq!(weird.to_string(), "fmadd.d f?, f?, f?, f?, rm6");
        let weird = Inst { op: Op::Beq, rs1: 40, imm: i32::MIN, ..Inst::ILLEGAL };
        assert_eq!(weird.to_string(), "beq x?, zero, .-2147483648");
        let weird = Inst { op: Op::FaddS, rm: 99, ..Inst::ILLEGAL };
        assert_eq!(weird.to_string(), "fadd.s ft0, ft0, ft0, rm?");
        let weird = Inst { op: Op::Csrrw, imm: -1, ..Inst::ILLEGAL };
        assert_eq!(weird.to_string(), "csrrw zero, 0xffffffff, zero");
    }

    #[test]
    fn random_words_print() {
        let mut state: u64 = 0x853c_49e6_748f_ea9b;
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let text = decode(state as u32).to_string();
            assert!(!text.is_empty());
        }
        for half in 0..=u16::MAX {
            assert!(!decode(u32::from(half)).to_string().is_empty());
        }
    }
}
