//! The instruction decoder: raw RV64GC + Zicsr + Zifencei + Xgx machine words to `Inst`.
//!
//! Every input decodes to something: encodings this machine does not implement (other
//! extensions, privileged instructions, reserved field values) become `Inst::ILLEGAL`,
//! so the executor has a single place where illegal-instruction faults come from.
//!
//! Fields an instruction does not use are left zero, so two encodings that mean the
//! same thing decode to equal `Inst`s. Two conventions go beyond the field table in
//! `inst.rs`:
//! - AMO, LR and SC keep their ordering bits in `rm` (bit 1 = aq, bit 0 = rl). The
//!   executor can ignore them (one hart runs at a time); the disassembler shows them.
//! - FENCE keeps its whole 12-bit fm/pred/succ field in `imm`, sign-extended like any
//!   I-type immediate.

use super::compressed;
use super::inst::{Inst, Op};

/// Decodes one instruction.
///
/// If the two low bits of `raw` are not `0b11`, only its low 16 bits are read: they are
/// a compressed instruction, which is expanded and decoded with `len = 2` (a reserved
/// compressed encoding gives `Inst::ILLEGAL` with `len = 2`). Otherwise `raw` is a
/// 32-bit instruction and the result has `len = 4`.
///
/// Never panics; the all-zero word is illegal (it is `c.unimp`).
pub fn decode(raw: u32) -> Inst {
    if raw & 0b11 != 0b11 {
        // Truncation is the point: a compressed instruction is the low half only.
        let inst = match compressed::expand(raw as u16) {
            Some(word) => decode32(word),
            None => Inst::ILLEGAL,
        };
        Inst { len: 2, ..inst }
    } else {
        decode32(raw)
    }
}

// Major opcodes (bits 6:0).
const LOAD: u32 = 0b000_0011;
const LOAD_FP: u32 = 0b000_0111;
const CUSTOM_0: u32 = 0b000_1011;
const MISC_MEM: u32 = 0b000_1111;
const OP_IMM: u32 = 0b001_0011;
const AUIPC: u32 = 0b001_0111;
const OP_IMM_32: u32 = 0b001_1011;
const STORE: u32 = 0b010_0011;
const STORE_FP: u32 = 0b010_0111;
const AMO: u32 = 0b010_1111;
const OP: u32 = 0b011_0011;
const LUI: u32 = 0b011_0111;
const OP_32: u32 = 0b011_1011;
const MADD: u32 = 0b100_0011;
const MSUB: u32 = 0b100_0111;
const NMSUB: u32 = 0b100_1011;
const NMADD: u32 = 0b100_1111;
const OP_FP: u32 = 0b101_0011;
const BRANCH: u32 = 0b110_0011;
const JALR: u32 = 0b110_0111;
const JAL: u32 = 0b110_1111;
const SYSTEM: u32 = 0b111_0011;

/// The register and function fields every 32-bit format shares, pulled out once.
#[derive(Clone, Copy)]
struct Fields {
    raw: u32,
    rd: u8,
    rs1: u8,
    rs2: u8,
    funct3: u32,
    funct7: u32,
}

impl Fields {
    fn new(raw: u32) -> Fields {
        Fields {
            raw,
            rd: ((raw >> 7) & 31) as u8,
            rs1: ((raw >> 15) & 31) as u8,
            rs2: ((raw >> 20) & 31) as u8,
            funct3: (raw >> 12) & 7,
            funct7: raw >> 25,
        }
    }

    fn i_imm(self) -> i32 {
        (self.raw as i32) >> 20
    }

    fn s_imm(self) -> i32 {
        ((self.raw as i32) >> 25 << 5) | ((self.raw >> 7) & 0x1f) as i32
    }

    fn b_imm(self) -> i32 {
        let r = self.raw;
        // The sign lands in bit 12; the arithmetic shift of the whole word spreads it.
        ((r as i32) >> 31 << 12)
            | (((r >> 7) & 1) << 11) as i32
            | (((r >> 25) & 0x3f) << 5) as i32
            | (((r >> 8) & 0xf) << 1) as i32
    }

    fn u_imm(self) -> i32 {
        (self.raw & 0xffff_f000) as i32
    }

    fn j_imm(self) -> i32 {
        let r = self.raw;
        ((r as i32) >> 31 << 20)
            | (r & 0x000f_f000) as i32
            | (((r >> 20) & 1) << 11) as i32
            | (((r >> 21) & 0x3ff) << 1) as i32
    }

    /// rd, rs1, rs2.
    fn r(self, op: Op) -> Inst {
        Inst { op, rd: self.rd, rs1: self.rs1, rs2: self.rs2, ..BLANK }
    }

    /// rd, rs1 and the I-type immediate.
    fn i(self, op: Op) -> Inst {
        Inst { op, rd: self.rd, rs1: self.rs1, imm: self.i_imm(), ..BLANK }
    }

    /// rs1, rs2 and the S-type immediate.
    fn s(self, op: Op) -> Inst {
        Inst { op, rs1: self.rs1, rs2: self.rs2, imm: self.s_imm(), ..BLANK }
    }

    /// rd, rs1 and a shift amount of `bits` bits.
    fn shift(self, op: Op, bits: u32) -> Inst {
        let shamt = (self.raw >> 20) & ((1 << bits) - 1);
        Inst { op, rd: self.rd, rs1: self.rs1, imm: shamt as i32, ..BLANK }
    }

    /// rd, rs1, rs2 and the rounding mode, or illegal for a reserved rounding mode.
    fn r_rm(self, op: Op) -> Inst {
        with_rm(Inst { op, rd: self.rd, rs1: self.rs1, rs2: self.rs2, ..BLANK }, self.funct3)
    }

    /// rd, rs1 and the rounding mode (rs2 selected the operation, so it is not kept).
    fn unary_rm(self, op: Op) -> Inst {
        with_rm(Inst { op, rd: self.rd, rs1: self.rs1, ..BLANK }, self.funct3)
    }

    /// rd and rs1 of an operation without rounding mode whose rs2 field must be zero.
    fn unary_rs2_zero(self, op: Op) -> Inst {
        if self.rs2 == 0 { Inst { op, rd: self.rd, rs1: self.rs1, ..BLANK } } else { Inst::ILLEGAL }
    }
}

/// The all-zero 32-bit instruction that the format helpers fill in.
const BLANK: Inst = Inst { op: Op::Illegal, rd: 0, rs1: 0, rs2: 0, rs3: 0, rm: 0, len: 4, imm: 0 };

/// Rounding modes 5 and 6 are reserved: an instruction carrying them is illegal
/// regardless of `frm`, so it is caught here rather than at execution.
fn with_rm(inst: Inst, rm: u32) -> Inst {
    if rm == 5 || rm == 6 { Inst::ILLEGAL } else { Inst { rm: rm as u8, ..inst } }
}

/// Decodes a 32-bit instruction (`raw & 3 == 3` is not rechecked; other values simply
/// match no major opcode and come out illegal).
fn decode32(raw: u32) -> Inst {
    let f = Fields::new(raw);
    match raw & 0x7f {
        LUI => Inst { op: Op::Lui, rd: f.rd, imm: f.u_imm(), ..BLANK },
        AUIPC => Inst { op: Op::Auipc, rd: f.rd, imm: f.u_imm(), ..BLANK },
        JAL => Inst { op: Op::Jal, rd: f.rd, imm: f.j_imm(), ..BLANK },
        JALR if f.funct3 == 0 => f.i(Op::Jalr),
        BRANCH => branch(f),
        LOAD => load(f),
        STORE => store(f),
        OP_IMM => op_imm(f),
        OP_IMM_32 => op_imm_32(f),
        OP => op(f),
        OP_32 => op_32(f),
        MISC_MEM => misc_mem(f),
        SYSTEM => system(f),
        AMO => amo(f),
        LOAD_FP => match f.funct3 {
            2 => f.i(Op::Flw),
            3 => f.i(Op::Fld),
            _ => Inst::ILLEGAL,
        },
        STORE_FP => match f.funct3 {
            2 => f.s(Op::Fsw),
            3 => f.s(Op::Fsd),
            _ => Inst::ILLEGAL,
        },
        MADD | MSUB | NMSUB | NMADD => fused(f),
        OP_FP => op_fp(f),
        CUSTOM_0 => xgx(f),
        _ => Inst::ILLEGAL,
    }
}

fn branch(f: Fields) -> Inst {
    let op = match f.funct3 {
        0 => Op::Beq,
        1 => Op::Bne,
        4 => Op::Blt,
        5 => Op::Bge,
        6 => Op::Bltu,
        7 => Op::Bgeu,
        _ => return Inst::ILLEGAL,
    };
    Inst { op, rs1: f.rs1, rs2: f.rs2, imm: f.b_imm(), ..BLANK }
}

fn load(f: Fields) -> Inst {
    let op = match f.funct3 {
        0 => Op::Lb,
        1 => Op::Lh,
        2 => Op::Lw,
        3 => Op::Ld,
        4 => Op::Lbu,
        5 => Op::Lhu,
        6 => Op::Lwu,
        _ => return Inst::ILLEGAL,
    };
    f.i(op)
}

fn store(f: Fields) -> Inst {
    let op = match f.funct3 {
        0 => Op::Sb,
        1 => Op::Sh,
        2 => Op::Sw,
        3 => Op::Sd,
        _ => return Inst::ILLEGAL,
    };
    f.s(op)
}

fn op_imm(f: Fields) -> Inst {
    // On RV64 the shift amount is 6 bits, so only imm[11:6] (bits 31:26) select the shift.
    let funct6 = f.raw >> 26;
    match f.funct3 {
        0 => f.i(Op::Addi),
        2 => f.i(Op::Slti),
        3 => f.i(Op::Sltiu),
        4 => f.i(Op::Xori),
        6 => f.i(Op::Ori),
        7 => f.i(Op::Andi),
        1 if funct6 == 0 => f.shift(Op::Slli, 6),
        5 if funct6 == 0 => f.shift(Op::Srli, 6),
        5 if funct6 == 0b01_0000 => f.shift(Op::Srai, 6),
        _ => Inst::ILLEGAL,
    }
}

fn op_imm_32(f: Fields) -> Inst {
    // The *W shifts have 5-bit amounts: a set bit 25 is part of funct7 and makes the
    // encoding reserved, which comparing the whole funct7 catches.
    match (f.funct3, f.funct7) {
        (0, _) => f.i(Op::Addiw),
        (1, 0) => f.shift(Op::Slliw, 5),
        (5, 0) => f.shift(Op::Srliw, 5),
        (5, 0b010_0000) => f.shift(Op::Sraiw, 5),
        _ => Inst::ILLEGAL,
    }
}

fn op(f: Fields) -> Inst {
    let op = match (f.funct7, f.funct3) {
        (0, 0) => Op::Add,
        (0, 1) => Op::Sll,
        (0, 2) => Op::Slt,
        (0, 3) => Op::Sltu,
        (0, 4) => Op::Xor,
        (0, 5) => Op::Srl,
        (0, 6) => Op::Or,
        (0, 7) => Op::And,
        (0b010_0000, 0) => Op::Sub,
        (0b010_0000, 5) => Op::Sra,
        (1, 0) => Op::Mul,
        (1, 1) => Op::Mulh,
        (1, 2) => Op::Mulhsu,
        (1, 3) => Op::Mulhu,
        (1, 4) => Op::Div,
        (1, 5) => Op::Divu,
        (1, 6) => Op::Rem,
        (1, 7) => Op::Remu,
        _ => return Inst::ILLEGAL,
    };
    f.r(op)
}

fn op_32(f: Fields) -> Inst {
    let op = match (f.funct7, f.funct3) {
        (0, 0) => Op::Addw,
        (0, 1) => Op::Sllw,
        (0, 5) => Op::Srlw,
        (0b010_0000, 0) => Op::Subw,
        (0b010_0000, 5) => Op::Sraw,
        (1, 0) => Op::Mulw,
        (1, 4) => Op::Divw,
        (1, 5) => Op::Divuw,
        (1, 6) => Op::Remw,
        (1, 7) => Op::Remuw,
        _ => return Inst::ILLEGAL,
    };
    f.r(op)
}

fn misc_mem(f: Fields) -> Inst {
    // The spec reserves rd/rs1 (and for FENCE.I the immediate too) for finer-grained
    // fences and tells implementations to ignore them, so any value is accepted and
    // dropped. Unknown fm values likewise behave as a plain FENCE.
    match f.funct3 {
        0 => Inst { op: Op::Fence, imm: f.i_imm(), ..BLANK },
        1 => Inst { op: Op::FenceI, ..BLANK },
        _ => Inst::ILLEGAL,
    }
}

fn system(f: Fields) -> Inst {
    // The CSR number is an unsigned 12-bit field, unlike the I-type immediate.
    let csr = (f.raw >> 20) as i32;
    let op = match f.funct3 {
        // Only the two user-level environment instructions exist at funct3 = 0; the
        // privileged ones (mret, wfi, sfence.vma, ...) are illegal to a user-level hart.
        0 => {
            return match f.raw {
                0x0000_0073 => Inst { op: Op::Ecall, ..BLANK },
                0x0010_0073 => Inst { op: Op::Ebreak, ..BLANK },
                _ => Inst::ILLEGAL,
            };
        }
        1 => Op::Csrrw,
        2 => Op::Csrrs,
        3 => Op::Csrrc,
        5 => Op::Csrrwi,
        6 => Op::Csrrsi,
        7 => Op::Csrrci,
        _ => return Inst::ILLEGAL,
    };
    // For the *i forms the rs1 field is the zero-extended immediate: same bits, same slot.
    Inst { op, rd: f.rd, rs1: f.rs1, imm: csr, ..BLANK }
}

fn amo(f: Fields) -> Inst {
    let word = match f.funct3 {
        2 => true,
        3 => false,
        _ => return Inst::ILLEGAL,
    };
    let funct5 = f.raw >> 27;
    let op = match (funct5, word) {
        (0b00010, true) if f.rs2 == 0 => Op::LrW,
        (0b00010, false) if f.rs2 == 0 => Op::LrD,
        (0b00011, true) => Op::ScW,
        (0b00011, false) => Op::ScD,
        (0b00001, true) => Op::AmoswapW,
        (0b00001, false) => Op::AmoswapD,
        (0b00000, true) => Op::AmoaddW,
        (0b00000, false) => Op::AmoaddD,
        (0b00100, true) => Op::AmoxorW,
        (0b00100, false) => Op::AmoxorD,
        (0b01100, true) => Op::AmoandW,
        (0b01100, false) => Op::AmoandD,
        (0b01000, true) => Op::AmoorW,
        (0b01000, false) => Op::AmoorD,
        (0b10000, true) => Op::AmominW,
        (0b10000, false) => Op::AmominD,
        (0b10100, true) => Op::AmomaxW,
        (0b10100, false) => Op::AmomaxD,
        (0b11000, true) => Op::AmominuW,
        (0b11000, false) => Op::AmominuD,
        (0b11100, true) => Op::AmomaxuW,
        (0b11100, false) => Op::AmomaxuD,
        _ => return Inst::ILLEGAL,
    };
    let aq_rl = ((f.raw >> 25) & 0b11) as u8;
    Inst { rm: aq_rl, ..f.r(op) }
}

fn fused(f: Fields) -> Inst {
    // fmt (bits 26:25): 0 = S, 1 = D; H and Q are not implemented.
    let double = match f.funct7 & 0b11 {
        0 => false,
        1 => true,
        _ => return Inst::ILLEGAL,
    };
    let op = match (f.raw & 0x7f, double) {
        (MADD, false) => Op::FmaddS,
        (MADD, true) => Op::FmaddD,
        (MSUB, false) => Op::FmsubS,
        (MSUB, true) => Op::FmsubD,
        (NMSUB, false) => Op::FnmsubS,
        (NMSUB, true) => Op::FnmsubD,
        (NMADD, false) => Op::FnmaddS,
        (NMADD, true) => Op::FnmaddD,
        // decode32 only sends the four fused opcodes here.
        _ => return Inst::ILLEGAL,
    };
    let rs3 = (f.raw >> 27) as u8;
    with_rm(Inst { op, rd: f.rd, rs1: f.rs1, rs2: f.rs2, rs3, ..BLANK }, f.funct3)
}

fn op_fp(f: Fields) -> Inst {
    let (funct3, rs2) = (f.funct3, f.rs2);
    match f.funct7 {
        0b000_0000 => f.r_rm(Op::FaddS),
        0b000_0001 => f.r_rm(Op::FaddD),
        0b000_0100 => f.r_rm(Op::FsubS),
        0b000_0101 => f.r_rm(Op::FsubD),
        0b000_1000 => f.r_rm(Op::FmulS),
        0b000_1001 => f.r_rm(Op::FmulD),
        0b000_1100 => f.r_rm(Op::FdivS),
        0b000_1101 => f.r_rm(Op::FdivD),
        0b010_1100 if rs2 == 0 => f.unary_rm(Op::FsqrtS),
        0b010_1101 if rs2 == 0 => f.unary_rm(Op::FsqrtD),
        // Sign injection, min/max and compares have no rounding mode: funct3 picks the
        // operation, and the values Zfa gives meaning to (fminm, fltq, ...) are illegal.
        0b001_0000 | 0b001_0001 => {
            let double = f.funct7 & 1 == 1;
            let op = match (funct3, double) {
                (0, false) => Op::FsgnjS,
                (1, false) => Op::FsgnjnS,
                (2, false) => Op::FsgnjxS,
                (0, true) => Op::FsgnjD,
                (1, true) => Op::FsgnjnD,
                (2, true) => Op::FsgnjxD,
                _ => return Inst::ILLEGAL,
            };
            f.r(op)
        }
        0b001_0100 | 0b001_0101 => {
            let double = f.funct7 & 1 == 1;
            let op = match (funct3, double) {
                (0, false) => Op::FminS,
                (1, false) => Op::FmaxS,
                (0, true) => Op::FminD,
                (1, true) => Op::FmaxD,
                _ => return Inst::ILLEGAL,
            };
            f.r(op)
        }
        0b101_0000 | 0b101_0001 => {
            let double = f.funct7 & 1 == 1;
            let op = match (funct3, double) {
                (2, false) => Op::FeqS,
                (1, false) => Op::FltS,
                (0, false) => Op::FleS,
                (2, true) => Op::FeqD,
                (1, true) => Op::FltD,
                (0, true) => Op::FleD,
                _ => return Inst::ILLEGAL,
            };
            f.r(op)
        }
        // fcvt between formats: rs2 names the source format (0 = S, 1 = D).
        0b010_0000 if rs2 == 1 => f.unary_rm(Op::FcvtSD),
        0b010_0001 if rs2 == 0 => f.unary_rm(Op::FcvtDS),
        // fcvt to integer: rs2 names the integer type (w, wu, l, lu).
        0b110_0000 | 0b110_0001 => {
            let op = match (rs2, f.funct7 & 1 == 1) {
                (0, false) => Op::FcvtWS,
                (1, false) => Op::FcvtWuS,
                (2, false) => Op::FcvtLS,
                (3, false) => Op::FcvtLuS,
                (0, true) => Op::FcvtWD,
                (1, true) => Op::FcvtWuD,
                (2, true) => Op::FcvtLD,
                (3, true) => Op::FcvtLuD,
                _ => return Inst::ILLEGAL,
            };
            f.unary_rm(op)
        }
        // fcvt from integer.
        0b110_1000 | 0b110_1001 => {
            let op = match (rs2, f.funct7 & 1 == 1) {
                (0, false) => Op::FcvtSW,
                (1, false) => Op::FcvtSWu,
                (2, false) => Op::FcvtSL,
                (3, false) => Op::FcvtSLu,
                (0, true) => Op::FcvtDW,
                (1, true) => Op::FcvtDWu,
                (2, true) => Op::FcvtDL,
                (3, true) => Op::FcvtDLu,
                _ => return Inst::ILLEGAL,
            };
            f.unary_rm(op)
        }
        0b111_0000 => match funct3 {
            0 => f.unary_rs2_zero(Op::FmvXW),
            1 => f.unary_rs2_zero(Op::FclassS),
            _ => Inst::ILLEGAL,
        },
        0b111_0001 => match funct3 {
            0 => f.unary_rs2_zero(Op::FmvXD),
            1 => f.unary_rs2_zero(Op::FclassD),
            _ => Inst::ILLEGAL,
        },
        0b111_1000 if funct3 == 0 => f.unary_rs2_zero(Op::FmvWX),
        0b111_1001 if funct3 == 0 => f.unary_rs2_zero(Op::FmvDX),
        _ => Inst::ILLEGAL,
    }
}

fn xgx(f: Fields) -> Inst {
    // docs/ISA.md: R-type with funct7 = 0. rs2 is carried along (the operations read
    // only rd and rs1) so a future operation can use it without changing the decoder.
    if f.funct7 != 0 {
        return Inst::ILLEGAL;
    }
    let op = match f.funct3 {
        0 => Op::GxQualify,
        1 => Op::GxGrant,
        2 => Op::GxRevoke,
        3 => Op::GxPortal,
        4 => Op::GxPcall,
        5 => Op::GxPret,
        _ => return Inst::ILLEGAL,
    };
    f.r(op)
}

#[cfg(test)]
mod tests {
    use super::super::compressed;
    use super::decode;
    use super::{Inst, Op};

    /// An `Inst` with the given fields and all others zero, `len = 4`.
    fn inst(op: Op) -> Inst {
        Inst { op, ..super::BLANK }
    }

    /// Machine words assembled by GNU as 2.40 (`-march=rv64gc`) from the instruction in
    /// the comment, with every field the decoder must produce. Immediates sit at the
    /// edges of their ranges so sign extension and bit scattering are exercised.
    #[test]
    fn known_encodings_decode_to_the_right_fields() {
        let cases: [(u32, Inst); 58] = [
            // RV64I
            (0x8000_0037, Inst { rd: 0, imm: i32::MIN, ..inst(Op::Lui) }), // lui zero, 0x80000
            (0xffff_ffb7, Inst { rd: 31, imm: -4096, ..inst(Op::Lui) }),   // lui t6, 0xfffff
            (0xffff_f517, Inst { rd: 10, imm: -4096, ..inst(Op::Auipc) }), // auipc a0, 0xfffff
            (0x8000_00ef, Inst { rd: 1, imm: -1_048_576, ..inst(Op::Jal) }), // jal ra, .-1048576
            (0x7fff_f46f, Inst { rd: 8, imm: 1_048_574, ..inst(Op::Jal) }), // jal s0, .+1048574
            (0x0010_00ef, Inst { rd: 1, imm: 2048, ..inst(Op::Jal) }),     // jal ra, .+2048
            (0x8003_02e7, Inst { rd: 5, rs1: 6, imm: -2048, ..inst(Op::Jalr) }), // jalr t0, -2048(t1)
            (0x8094_1063, Inst { rs1: 8, rs2: 9, imm: -4096, ..inst(Op::Bne) }), // bne s0, s1, .-4096
            (0x7e62_cfe3, Inst { rs1: 5, rs2: 6, imm: 4094, ..inst(Op::Blt) }), // blt t0, t1, .+4094
            (0x0010_6863, Inst { rs1: 0, rs2: 1, imm: 16, ..inst(Op::Bltu) }), // bltu zero, ra, .+16
            (0xffef_f8e3, Inst { rs1: 31, rs2: 30, imm: -16, ..inst(Op::Bgeu) }), // bgeu t6, t5, .-16
            (0xfff2_9d83, Inst { rd: 27, rs1: 5, imm: -1, ..inst(Op::Lh) }), // lh s11, -1(t0)
            (0x0088_e803, Inst { rd: 16, rs1: 17, imm: 8, ..inst(Op::Lwu) }), // lwu a6, 8(a7)
            (0x8011_3023, Inst { rs1: 2, rs2: 1, imm: -2048, ..inst(Op::Sd) }), // sd ra, -2048(sp)
            (0x7fc1_2fa3, Inst { rs1: 2, rs2: 28, imm: 2047, ..inst(Op::Sw) }), // sw t3, 2047(sp)
            (0xffb2_9fa3, Inst { rs1: 5, rs2: 27, imm: -1, ..inst(Op::Sh) }), // sh s11, -1(t0)
            (0x0101_0513, Inst { rd: 10, rs1: 2, imm: 16, ..inst(Op::Addi) }), // addi a0, sp, 16
            (0x0015_b513, Inst { rd: 10, rs1: 11, imm: 1, ..inst(Op::Sltiu) }), // sltiu a0, a1, 1
            (0x03f5_9513, Inst { rd: 10, rs1: 11, imm: 63, ..inst(Op::Slli) }), // slli a0, a1, 63
            (0x0209_d913, Inst { rd: 18, rs1: 19, imm: 32, ..inst(Op::Srli) }), // srli s2, s3, 32
            (0x43f5_5513, Inst { rd: 10, rs1: 10, imm: 63, ..inst(Op::Srai) }), // srai a0, a0, 63
            (0x4124_8433, Inst { rd: 8, rs1: 9, rs2: 18, ..inst(Op::Sub) }), // sub s0, s1, s2
            (0x41bd_5cb3, Inst { rd: 25, rs1: 26, rs2: 27, ..inst(Op::Sra) }), // sra s9, s10, s11
            (0x8005_851b, Inst { rd: 10, rs1: 11, imm: -2048, ..inst(Op::Addiw) }), // addiw a0, a1, -2048
            (0x01f5_951b, Inst { rd: 10, rs1: 11, imm: 31, ..inst(Op::Slliw) }), // slliw a0, a1, 31
            (0x41f4_d41b, Inst { rd: 8, rs1: 9, imm: 31, ..inst(Op::Sraiw) }), // sraiw s0, s1, 31
            (0x418b_db3b, Inst { rd: 22, rs1: 23, rs2: 24, ..inst(Op::Sraw) }), // sraw s6, s7, s8
            (0x0ff0_000f, Inst { imm: 0xff, ..inst(Op::Fence) }),          // fence iorw, iorw
            (0x8330_000f, Inst { imm: 0x833 - 0x1000, ..inst(Op::Fence) }), // fence.tso
            (0x0000_100f, inst(Op::FenceI)),                               // fence.i
            (0x0000_0073, inst(Op::Ecall)),
            (0x0010_0073, inst(Op::Ebreak)),
            // M
            (0x0328_a833, Inst { rd: 16, rs1: 17, rs2: 18, ..inst(Op::Mulhsu) }), // mulhsu a6, a7, s2
            (0x038b_fb3b, Inst { rd: 22, rs1: 23, rs2: 24, ..inst(Op::Remuw) }),  // remuw s6, s7, s8
            // A: aq/rl land in rm
            (0x1601_32af, Inst { rd: 5, rs1: 2, rm: 3, ..inst(Op::LrD) }), // lr.d.aqrl t0, (sp)
            (0x1ac5_a52f, Inst { rd: 10, rs1: 11, rs2: 12, rm: 1, ..inst(Op::ScW) }), // sc.w.rl a0, a2, (a1)
            (0x06b6_252f, Inst { rd: 10, rs1: 12, rs2: 11, rm: 3, ..inst(Op::AmoaddW) }), // amoadd.w.aqrl
            (0x44e7_b6af, Inst { rd: 13, rs1: 15, rs2: 14, rm: 2, ..inst(Op::AmoorD) }), // amoor.d.aq
            (0xe1be_3d2f, Inst { rd: 26, rs1: 28, rs2: 27, ..inst(Op::AmomaxuD) }), // amomaxu.d
            // Zicsr: CSR number unsigned, uimm in rs1
            (0xcc00_2573, Inst { rd: 10, rs1: 0, imm: 0xcc0, ..inst(Op::Csrrs) }), // csrrs a0, 0xcc0, zero
            (0x0035_9573, Inst { rd: 10, rs1: 11, imm: 3, ..inst(Op::Csrrw) }),    // csrrw a0, fcsr, a1
            (0x002f_e073, Inst { rd: 0, rs1: 31, imm: 2, ..inst(Op::Csrrsi) }),    // csrrsi zero, frm, 31
            (0x8ff0_e2f3, Inst { rd: 5, rs1: 1, imm: 0x8ff, ..inst(Op::Csrrsi) }), // csrrsi t0, 0x8ff, 1
            // F and D
            (0x8001_2f87, Inst { rd: 31, rs1: 2, imm: -2048, ..inst(Op::Flw) }), // flw ft11, -2048(sp)
            (0x8115_3027, Inst { rs1: 10, rs2: 17, imm: -2048, ..inst(Op::Fsd) }), // fsd fa7, -2048(a0)
            (0x6ac5_c543, Inst { rd: 10, rs1: 11, rs2: 12, rs3: 13, rm: 4, ..inst(Op::FmaddD) }), // rmm
            (0xf9ee_be4f, Inst { rd: 28, rs1: 29, rs2: 30, rs3: 31, rm: 3, ..inst(Op::FnmaddS) }), // rup
            (0x8907_a74b, Inst { rd: 14, rs1: 15, rs2: 16, rs3: 17, rm: 2, ..inst(Op::FnmsubS) }), // rdn
            (0x02c5_f553, Inst { rd: 10, rs1: 11, rs2: 12, rm: 7, ..inst(Op::FaddD) }), // fadd.d, dyn
            (0x1124_a453, Inst { rd: 8, rs1: 9, rs2: 18, rm: 2, ..inst(Op::FmulS) }), // fmul.s, rdn
            (0x5a0f_add3, Inst { rd: 27, rs1: 31, rm: 2, ..inst(Op::FsqrtD) }),  // fsqrt.d fs11, ft11, rdn
            (0x2020_a053, Inst { rd: 0, rs1: 1, rs2: 2, ..inst(Op::FsgnjxS) }),  // fsgnjx.s ft0, ft1, ft2
            (0x2b24_9453, Inst { rd: 8, rs1: 9, rs2: 18, ..inst(Op::FmaxD) }),   // fmax.d fs0, fs1, fs2
            (0xc236_96d3, Inst { rd: 13, rs1: 13, rm: 1, ..inst(Op::FcvtLuD) }), // fcvt.lu.d a3, fa3, rtz
            (0xd036_b6d3, Inst { rd: 13, rs1: 13, rm: 3, ..inst(Op::FcvtSLu) }), // fcvt.s.lu fa3, a3, rup
            (0x4015_8553, Inst { rd: 10, rs1: 11, rm: 0, ..inst(Op::FcvtSD) }),  // fcvt.s.d fa0, fa1, rne
            (0xa0d6_15d3, Inst { rd: 11, rs1: 12, rs2: 13, ..inst(Op::FltS) }),  // flt.s a1, fa2, fa3
            (0xe205_0553, Inst { rd: 10, rs1: 10, ..inst(Op::FmvXD) }),          // fmv.x.d a0, fa0
        ];
        for (word, expected) in cases {
            assert_eq!(decode(word), expected, "{word:#010x}");
        }
    }

    /// Xgx words as `.insn r 0x0b, FUNCT3, 0, rd, rs1, zero` assembles them.
    #[test]
    fn xgx_decodes() {
        let cases = [
            (0x0005_850b, Op::GxQualify, 10, 11),
            (0x0004_928b, Op::GxGrant, 5, 9),
            (0x0005_250b, Op::GxRevoke, 10, 10),
            (0x0006_390b, Op::GxPortal, 18, 12),
            (0x0005_c50b, Op::GxPcall, 10, 11),
            (0x0000_500b, Op::GxPret, 0, 0),
        ];
        for (word, op, rd, rs1) in cases {
            assert_eq!(decode(word), Inst { rd, rs1, ..inst(op) }, "{word:#010x}");
        }
        // rs2 is carried, not checked.
        assert_eq!(decode(0x00c5_c50b), Inst { rd: 10, rs1: 11, rs2: 12, ..inst(Op::GxPcall) });
    }

    #[test]
    fn illegal_encodings() {
        let illegal: [u32; 62] = [
            0xffff_ffff, // bits 4:2 = 111: a longer-than-32-bit format
            0x0000_001f, // 48-bit prefix
            0x0005_f503, // load funct3 = 7
            0x00a5_c023, // store funct3 = 4
            0x00b5_2463, // branch funct3 = 2
            0x00b5_3463, // branch funct3 = 3
            0x0005_10e7, // jalr funct3 = 1
            0x0405_1513, // slli with imm[11:6] = 000001
            0x4005_1513, // slli with imm[11:6] = 010000
            0x47f5_5513, // srai with imm[11:6] = 010001
            0x8005_5513, // srli with imm[11:6] = 100000
            0x0205_951b, // slliw shamt = 32
            0x0273_529b, // srliw shamt = 32 + 7
            0x43f4_d41b, // sraiw shamt = 63
            0x0005_a51b, // OP-IMM-32 funct3 = 2
            0x04c5_8533, // add with funct7 = 2
            0x40c5_9533, // funct7 = 0x20, funct3 = 1
            0x40c5_c533, // funct7 = 0x20, funct3 = 4
            0x0ac5_8533, // funct7 = 5 (Zba-ish space)
            0x02c5_953b, // mulw funct3 = 1
            0x00c5_a53b, // addw funct3 = 2
            0x40c5_953b, // subw funct3 = 1
            0x0000_200f, // MISC-MEM funct3 = 2 (cbo)
            0x3020_0073, // mret
            0x1050_0073, // wfi
            0x1200_0073, // sfence.vma
            0x0000_0573, // ecall with rd = a0
            0x0000_4073, // SYSTEM funct3 = 4
            0x1015_a52f, // lr.w with rs2 = 1
            0x1675_b52f, // lr.d.aqrl with rs2 = 7
            0x08b6_052f, // AMO funct3 = 0 (Zabha)
            0x08b6_452f, // AMO funct3 = 4
            0x28b6_252f, // AMO funct5 = 00101 (Zacas)
            0x0005_1507, // flh
            0x0005_4507, // flq
            0x00a5_1027, // fsh
            0x02c5_d553, // fadd.d rm = 5
            0x02c5_e553, // fadd.d rm = 6
            0x6ac5_d543, // fmadd.d rm = 5
            0xf9ee_ee4f, // fnmadd.s rm = 6
            0x5a05_d553, // fsqrt.d rm = 5
            0xc205_6553, // fcvt.w.d rm = 6
            0xd205_5553, // fcvt.d.w rm = 5
            0x6cc5_f543, // fmadd.h
            0x6ec5_f543, // fmadd.q
            0x04c5_f553, // fadd.h
            0x06c5_f553, // fadd.q
            0x5a15_f553, // fsqrt.d with rs2 = 1
            0x4005_f553, // fcvt.s.s (rs2 = 0)
            0x4215_8553, // fcvt.d.d (rs2 = 1)
            0xc245_1553, // fcvt.w.d with rs2 = 4
            0x22c5_b553, // fsgnj.d funct3 = 3
            0x2ac5_a553, // fminm.d (Zfa)
            0xa2b5_3553, // fltq.d-ish compare funct3 = 3
            0xe015_0553, // fmv.x.w with rs2 = 1
            0xe005_2553, // fmv.x.w space, funct3 = 2
            0xe215_1553, // fclass.d with rs2 = 1
            0xf005_1553, // fmv.w.x funct3 = 1
            0x0205_c50b, // Xgx with funct7 = 1
            0x0005_e50b, // Xgx funct3 = 6
            0x0005_f50b, // Xgx funct3 = 7
            0x0000_002b, // custom-1
        ];
        for word in illegal {
            assert_eq!(decode(word), Inst::ILLEGAL, "{word:#010x}");
        }
    }

    #[test]
    fn compressed_words_decode_with_length_two() {
        // c.addi16sp sp, -16
        assert_eq!(decode(0x717d), Inst { rd: 2, rs1: 2, imm: -16, len: 2, ..inst(Op::Addi) });
        // Only the low half counts.
        assert_eq!(decode(0xdead_717d), decode(0x717d));
        // c.ldsp ra, 8(sp); c.jr ra
        assert_eq!(decode(0x60a2), Inst { rd: 1, rs1: 2, imm: 8, len: 2, ..inst(Op::Ld) });
        assert_eq!(decode(0x8082), Inst { rs1: 1, len: 2, ..inst(Op::Jalr) });
        let illegal2 = Inst { len: 2, ..Inst::ILLEGAL };
        for half in [0x0000, 0x6101, 0x8002, 0x4002, 0x2001, 0x9c41, 0x8000] {
            assert_eq!(decode(half), illegal2, "{half:#06x}");
        }
        assert_eq!(decode(0xffff_0000), illegal2, "c.unimp with a nonzero upper half");
    }

    /// Every compressed expansion is a legal 32-bit instruction and decodes the same
    /// apart from `len`.
    #[test]
    fn all_half_words() {
        for half in 0..=u16::MAX {
            let decoded = decode(u32::from(half));
            if half & 3 == 3 {
                assert_eq!(decoded.len, 4);
                continue;
            }
            assert_eq!(decoded.len, 2, "{half:#06x}");
            match compressed::expand(half) {
                Some(word) => {
                    assert_ne!(decoded.op, Op::Illegal, "{half:#06x} expands to illegal {word:#010x}");
                    assert_eq!(decoded, Inst { len: 2, ..decode(word) }, "{half:#06x}");
                }
                None => assert_eq!(decoded, Inst { len: 2, ..Inst::ILLEGAL }, "{half:#06x}"),
            }
        }
    }

    /// A few million pseudo-random words: no panics, and the structural invariants
    /// the executor relies on hold for every result.
    #[test]
    fn random_words_decode_without_panicking() {
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut legal = 0u32;
        for _ in 0..3_000_000 {
            // xorshift64
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let word = state as u32;
            let decoded = decode(word);
            assert_eq!(decoded.len, if word & 3 == 3 { 4 } else { 2 }, "{word:#010x}");
            assert!(decoded.rd < 32 && decoded.rs1 < 32 && decoded.rs2 < 32 && decoded.rs3 < 32);
            assert!(decoded.rm <= 7 && decoded.rm != 5 && decoded.rm != 6, "{word:#010x}");
            if decoded.op == Op::Illegal {
                assert_eq!(decoded, Inst { len: decoded.len, ..Inst::ILLEGAL });
            } else {
                legal += 1;
            }
        }
        // Random bits land on a legal encoding often enough to mean the loop tested
        // something (about half of the words are compressed, most of which are legal).
        assert!(legal > 1_000_000, "{legal}");
    }

    /// Every operation is reachable from some encoding.
    #[test]
    fn every_op_is_decodable() {
        use std::collections::HashSet;
        let mut seen = HashSet::new();
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        // The random walk alone misses ops with long fixed fields (ecall, fence.i, the
        // fmv/fclass group), so a systematic sweep over the fixed-field bits is added.
        for _ in 0..2_000_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            seen.insert(decode(state as u32 | 3).op);
        }
        for word in [
            0x0000_0073,
            0x0010_0073,
            0x0000_100f,
            0xe005_0553,
            0xe005_1553,
            0xe205_0553,
            0xe205_1553,
            0xf005_0553,
            0xf205_0553,
        ] {
            seen.insert(decode(word).op);
        }
        for funct7 in 0..128u32 {
            for rs2 in 0..32u32 {
                for funct3 in 0..8u32 {
                    seen.insert(decode((funct7 << 25) | (rs2 << 20) | (funct3 << 12) | 0x53).op);
                    seen.insert(decode((funct7 << 25) | (rs2 << 20) | (funct3 << 12) | 0x2f).op);
                }
            }
        }
        // One row per extension group, as in `inst.rs`.
        #[rustfmt::skip]
        let all = [
            Op::Lui, Op::Auipc, Op::Jal, Op::Jalr, Op::Beq, Op::Bne, Op::Blt, Op::Bge, Op::Bltu, Op::Bgeu,
            Op::Lb, Op::Lh, Op::Lw, Op::Ld, Op::Lbu, Op::Lhu, Op::Lwu, Op::Sb, Op::Sh, Op::Sw, Op::Sd,
            Op::Addi, Op::Slti, Op::Sltiu, Op::Xori, Op::Ori, Op::Andi, Op::Slli, Op::Srli, Op::Srai,
            Op::Add, Op::Sub, Op::Sll, Op::Slt, Op::Sltu, Op::Xor, Op::Srl, Op::Sra, Op::Or, Op::And,
            Op::Addiw, Op::Slliw, Op::Srliw, Op::Sraiw, Op::Addw, Op::Subw, Op::Sllw, Op::Srlw, Op::Sraw,
            Op::Fence, Op::FenceI, Op::Ecall, Op::Ebreak,
            Op::Mul, Op::Mulh, Op::Mulhsu, Op::Mulhu, Op::Div, Op::Divu, Op::Rem, Op::Remu,
            Op::Mulw, Op::Divw, Op::Divuw, Op::Remw, Op::Remuw,
            Op::LrW, Op::ScW, Op::AmoswapW, Op::AmoaddW, Op::AmoxorW, Op::AmoandW, Op::AmoorW,
            Op::AmominW, Op::AmomaxW, Op::AmominuW, Op::AmomaxuW,
            Op::LrD, Op::ScD, Op::AmoswapD, Op::AmoaddD, Op::AmoxorD, Op::AmoandD, Op::AmoorD,
            Op::AmominD, Op::AmomaxD, Op::AmominuD, Op::AmomaxuD,
            Op::Csrrw, Op::Csrrs, Op::Csrrc, Op::Csrrwi, Op::Csrrsi, Op::Csrrci,
            Op::Flw, Op::Fsw, Op::FmaddS, Op::FmsubS, Op::FnmsubS, Op::FnmaddS,
            Op::FaddS, Op::FsubS, Op::FmulS, Op::FdivS, Op::FsqrtS,
            Op::FsgnjS, Op::FsgnjnS, Op::FsgnjxS, Op::FminS, Op::FmaxS,
            Op::FcvtWS, Op::FcvtWuS, Op::FcvtLS, Op::FcvtLuS, Op::FcvtSW, Op::FcvtSWu, Op::FcvtSL, Op::FcvtSLu,
            Op::FmvXW, Op::FmvWX, Op::FeqS, Op::FltS, Op::FleS, Op::FclassS,
            Op::Fld, Op::Fsd, Op::FmaddD, Op::FmsubD, Op::FnmsubD, Op::FnmaddD,
            Op::FaddD, Op::FsubD, Op::FmulD, Op::FdivD, Op::FsqrtD,
            Op::FsgnjD, Op::FsgnjnD, Op::FsgnjxD, Op::FminD, Op::FmaxD, Op::FcvtSD, Op::FcvtDS,
            Op::FcvtWD, Op::FcvtWuD, Op::FcvtLD, Op::FcvtLuD, Op::FcvtDW, Op::FcvtDWu, Op::FcvtDL, Op::FcvtDLu,
            Op::FmvXD, Op::FmvDX, Op::FeqD, Op::FltD, Op::FleD, Op::FclassD,
            Op::GxQualify, Op::GxGrant, Op::GxRevoke, Op::GxPortal, Op::GxPcall, Op::GxPret,
        ];
        for op in all {
            assert!(seen.contains(&op), "{op:?} never decoded");
        }
    }
}
