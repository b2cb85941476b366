//! Decoded instructions: the one representation shared by decoder, executor and disassembler.
//!
//! Decoding happens once per instruction and is cached (see `icache`), so the
//! executor works on this small `Copy` struct instead of raw bits.

/// A decoded RV64GC (+ Zicsr, Zifencei, Xgx) instruction.
///
/// Field use by format: R-type uses rd/rs1/rs2; R4 (fused multiply-add) adds rs3;
/// I/S/B/U/J put the sign-extended immediate in `imm`; CSR instructions put the
/// CSR number in `imm` and, for the `*i` forms, the 5-bit zero-extended immediate in
/// `rs1`; FP arithmetic puts the rounding-mode field in `rm` (7 = dynamic);
/// shifts put the shift amount in `imm`. `len` is 2 for a compressed encoding, else 4.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Inst {
    pub op: Op,
    pub rd: u8,
    pub rs1: u8,
    pub rs2: u8,
    pub rs3: u8,
    pub rm: u8,
    pub len: u8,
    pub imm: i32,
}

impl Inst {
    /// The instruction every undecodable encoding becomes; executing it raises an
    /// illegal-instruction fault.
    pub const ILLEGAL: Inst = Inst { op: Op::Illegal, rd: 0, rs1: 0, rs2: 0, rs3: 0, rm: 0, len: 4, imm: 0 };
}

/// Every operation the machine executes. Names follow the RISC-V mnemonics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    Illegal,
    // RV64I
    Lui, Auipc, Jal, Jalr,
    Beq, Bne, Blt, Bge, Bltu, Bgeu,
    Lb, Lh, Lw, Ld, Lbu, Lhu, Lwu,
    Sb, Sh, Sw, Sd,
    Addi, Slti, Sltiu, Xori, Ori, Andi, Slli, Srli, Srai,
    Add, Sub, Sll, Slt, Sltu, Xor, Srl, Sra, Or, And,
    Addiw, Slliw, Srliw, Sraiw, Addw, Subw, Sllw, Srlw, Sraw,
    Fence, FenceI, Ecall, Ebreak,
    // M
    Mul, Mulh, Mulhsu, Mulhu, Div, Divu, Rem, Remu,
    Mulw, Divw, Divuw, Remw, Remuw,
    // A (aq/rl bits are irrelevant to a machine that runs one hart at a time)
    LrW, ScW, AmoswapW, AmoaddW, AmoxorW, AmoandW, AmoorW, AmominW, AmomaxW, AmominuW, AmomaxuW,
    LrD, ScD, AmoswapD, AmoaddD, AmoxorD, AmoandD, AmoorD, AmominD, AmomaxD, AmominuD, AmomaxuD,
    // Zicsr
    Csrrw, Csrrs, Csrrc, Csrrwi, Csrrsi, Csrrci,
    // F
    Flw, Fsw,
    FmaddS, FmsubS, FnmsubS, FnmaddS,
    FaddS, FsubS, FmulS, FdivS, FsqrtS,
    FsgnjS, FsgnjnS, FsgnjxS, FminS, FmaxS,
    FcvtWS, FcvtWuS, FcvtLS, FcvtLuS,
    FcvtSW, FcvtSWu, FcvtSL, FcvtSLu,
    FmvXW, FmvWX, FeqS, FltS, FleS, FclassS,
    // D
    Fld, Fsd,
    FmaddD, FmsubD, FnmsubD, FnmaddD,
    FaddD, FsubD, FmulD, FdivD, FsqrtD,
    FsgnjD, FsgnjnD, FsgnjxD, FminD, FmaxD,
    FcvtSD, FcvtDS,
    FcvtWD, FcvtWuD, FcvtLD, FcvtLuD,
    FcvtDW, FcvtDWu, FcvtDL, FcvtDLu,
    FmvXD, FmvDX, FeqD, FltD, FleD, FclassD,
    // Xgx: the native extension in custom-0 (docs/ISA.md)
    GxQualify, GxGrant, GxRevoke, GxPortal, GxPcall, GxPret,
}
