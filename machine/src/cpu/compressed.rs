//! RV64C expansion: each 16-bit compressed instruction to its 32-bit equivalent.
//!
//! Expanding to a real 32-bit word (rather than straight to `Inst`) means compressed
//! and full-size instructions share one decoder, so they cannot disagree on meaning.
//! The mapping follows the unprivileged spec's "C" chapter for RV64 with the D
//! extension: quadrant 0/2 funct3 = 001/101 are c.fld/c.fsd(sp) and funct3 = 011/111
//! are c.ld/c.sd(sp) (there is no c.flw/c.fsw on RV64), and quadrant 1 funct3 = 001 is
//! c.addiw (there is no c.jal on RV64).
//!
//! HINT encodings (c.nop with an immediate, c.li/c.lui/c.mv/c.add/c.slli with rd = x0,
//! shifts by 0, ...) are legal and expand to the equally harmless 32-bit instruction;
//! only reserved encodings are rejected.

/// Expands a 16-bit compressed instruction to the 32-bit instruction it stands for.
///
/// Returns `None` for reserved encodings (including `c.unimp`, the all-zero half-word),
/// for encodings of extensions the machine lacks (such as Zcb in quadrant 0,
/// funct3 = 100), and for a half-word whose low two bits are `0b11`, which is not a
/// compressed instruction at all. Never panics.
///
/// For example `0x717d` (`c.addi16sp sp, -16`) expands to `0xff01_0113`
/// (`addi sp, sp, -16`).
pub fn expand(half: u16) -> Option<u32> {
    let h = half as u32;
    let funct3 = bits(h, 15, 13);
    match h & 0b11 {
        0b00 => quadrant0(h, funct3),
        0b01 => quadrant1(h, funct3),
        0b10 => quadrant2(h, funct3),
        _ => None,
    }
}

/// Bits `hi..=lo` of `x`, shifted down to bit 0.
fn bits(x: u32, hi: u32, lo: u32) -> u32 {
    (x >> lo) & ((1 << (hi - lo + 1)) - 1)
}

/// Bit `i` of `x`.
fn bit(x: u32, i: u32) -> u32 {
    (x >> i) & 1
}

/// Sign-extends the low `width` bits of `x`.
fn sext(x: u32, width: u32) -> i32 {
    let shift = 32 - width;
    ((x << shift) as i32) >> shift
}

/// The 3-bit register fields of the CIW/CL/CS/CA/CB formats name x8..x15 (f8..f15).
fn creg(x: u32) -> u32 {
    8 + (x & 0b111)
}

// Major opcodes of the 32-bit instructions produced.
const LOAD: u32 = 0b000_0011;
const LOAD_FP: u32 = 0b000_0111;
const OP_IMM: u32 = 0b001_0011;
const OP_IMM_32: u32 = 0b001_1011;
const STORE: u32 = 0b010_0011;
const STORE_FP: u32 = 0b010_0111;
const OP: u32 = 0b011_0011;
const LUI: u32 = 0b011_0111;
const OP_32: u32 = 0b011_1011;
const BRANCH: u32 = 0b110_0011;
const JALR: u32 = 0b110_0111;
const JAL: u32 = 0b110_1111;
const EBREAK: u32 = 0x0010_0073;

const SP: u32 = 2;
const RA: u32 = 1;

fn r_type(funct7: u32, rs2: u32, rs1: u32, funct3: u32, rd: u32, opcode: u32) -> u32 {
    (funct7 << 25) | (rs2 << 20) | (rs1 << 15) | (funct3 << 12) | (rd << 7) | opcode
}

fn i_type(imm: i32, rs1: u32, funct3: u32, rd: u32, opcode: u32) -> u32 {
    ((imm as u32 & 0xfff) << 20) | (rs1 << 15) | (funct3 << 12) | (rd << 7) | opcode
}

fn s_type(imm: i32, rs2: u32, rs1: u32, funct3: u32, opcode: u32) -> u32 {
    let imm = imm as u32;
    (bits(imm, 11, 5) << 25) | (rs2 << 20) | (rs1 << 15) | (funct3 << 12) | (bits(imm, 4, 0) << 7) | opcode
}

fn b_type(imm: i32, rs2: u32, rs1: u32, funct3: u32) -> u32 {
    let imm = imm as u32;
    (bit(imm, 12) << 31)
        | (bits(imm, 10, 5) << 25)
        | (rs2 << 20)
        | (rs1 << 15)
        | (funct3 << 12)
        | (bits(imm, 4, 1) << 8)
        | (bit(imm, 11) << 7)
        | BRANCH
}

fn j_type(imm: i32, rd: u32) -> u32 {
    let imm = imm as u32;
    (bit(imm, 20) << 31) | (bits(imm, 10, 1) << 21) | (bit(imm, 11) << 20) | (bits(imm, 19, 12) << 12) | (rd << 7) | JAL
}

/// Offsets of c.fld/c.ld/c.fsd/c.sd: `uimm[5:3]` in bits 12:10, `uimm[7:6]` in bits 6:5.
fn cl_double_offset(h: u32) -> i32 {
    ((bits(h, 12, 10) << 3) | (bits(h, 6, 5) << 6)) as i32
}

/// Offsets of c.lw/c.sw: `uimm[5:3]` in bits 12:10, `uimm[2]` in bit 6, `uimm[6]` in bit 5.
fn cl_word_offset(h: u32) -> i32 {
    ((bits(h, 12, 10) << 3) | (bit(h, 6) << 2) | (bit(h, 5) << 6)) as i32
}

/// The 6-bit signed immediate of the CI format: `imm[5]` in bit 12, `imm[4:0]` in bits 6:2.
fn ci_imm(h: u32) -> i32 {
    sext((bit(h, 12) << 5) | bits(h, 6, 2), 6)
}

/// The 6-bit shift amount of c.slli/c.srli/c.srai (all 64 values are valid on RV64).
fn ci_shamt(h: u32) -> i32 {
    ((bit(h, 12) << 5) | bits(h, 6, 2)) as i32
}

fn quadrant0(h: u32, funct3: u32) -> Option<u32> {
    let rd = creg(bits(h, 4, 2));
    let rs1 = creg(bits(h, 9, 7));
    match funct3 {
        // c.addi4spn: nzuimm[5:4|9:6|2|3] in bits 12:5; zero is reserved (and covers c.unimp).
        0b000 => {
            let nzuimm = (bits(h, 12, 11) << 4) | (bits(h, 10, 7) << 6) | (bit(h, 6) << 2) | (bit(h, 5) << 3);
            (nzuimm != 0).then(|| i_type(nzuimm as i32, SP, 0b000, rd, OP_IMM))
        }
        0b001 => Some(i_type(cl_double_offset(h), rs1, 0b011, rd, LOAD_FP)), // c.fld
        0b010 => Some(i_type(cl_word_offset(h), rs1, 0b010, rd, LOAD)),      // c.lw
        0b011 => Some(i_type(cl_double_offset(h), rs1, 0b011, rd, LOAD)),    // c.ld
        0b101 => Some(s_type(cl_double_offset(h), rd, rs1, 0b011, STORE_FP)), // c.fsd
        0b110 => Some(s_type(cl_word_offset(h), rd, rs1, 0b010, STORE)),     // c.sw
        0b111 => Some(s_type(cl_double_offset(h), rd, rs1, 0b011, STORE)),   // c.sd
        // 0b100 is reserved in RV64C (Zcb puts its loads and stores there).
        _ => None,
    }
}

fn quadrant1(h: u32, funct3: u32) -> Option<u32> {
    let rd = bits(h, 11, 7);
    match funct3 {
        // c.addi (rd = 0 is c.nop or a HINT; imm = 0 with rd != 0 is a HINT).
        0b000 => Some(i_type(ci_imm(h), rd, 0b000, rd, OP_IMM)),
        // c.addiw: rd = 0 is reserved; imm = 0 is the legal sext.w.
        0b001 => (rd != 0).then(|| i_type(ci_imm(h), rd, 0b000, rd, OP_IMM_32)),
        // c.li (rd = 0 is a HINT).
        0b010 => Some(i_type(ci_imm(h), 0, 0b000, rd, OP_IMM)),
        0b011 if rd == SP => {
            // c.addi16sp: nzimm[9] in bit 12, nzimm[4|6|8:7|5] in bits 6:2.
            let raw = (bit(h, 12) << 9) | (bit(h, 6) << 4) | (bit(h, 5) << 6) | (bits(h, 4, 3) << 7) | (bit(h, 2) << 5);
            let nzimm = sext(raw, 10);
            (nzimm != 0).then(|| i_type(nzimm, SP, 0b000, SP, OP_IMM))
        }
        0b011 => {
            // c.lui: nzimm[17] in bit 12, nzimm[16:12] in bits 6:2; zero is reserved,
            // rd = 0 with a nonzero immediate is a HINT.
            let nzimm = sext((bit(h, 12) << 17) | (bits(h, 6, 2) << 12), 18);
            (nzimm != 0).then_some((nzimm as u32 & 0xffff_f000) | (rd << 7) | LUI)
        }
        0b100 => {
            let rd = creg(bits(h, 9, 7));
            let rs2 = creg(bits(h, 4, 2));
            match bits(h, 11, 10) {
                // c.srli, c.srai: shamt = 0 is a HINT on RV64 and expands to a no-op shift.
                0b00 => Some(i_type(ci_shamt(h), rd, 0b101, rd, OP_IMM)),
                0b01 => Some(i_type(0x400 | ci_shamt(h), rd, 0b101, rd, OP_IMM)),
                0b10 => Some(i_type(ci_imm(h), rd, 0b111, rd, OP_IMM)), // c.andi
                _ => match (bit(h, 12), bits(h, 6, 5)) {
                    (0, 0b00) => Some(r_type(0b010_0000, rs2, rd, 0b000, rd, OP)), // c.sub
                    (0, 0b01) => Some(r_type(0, rs2, rd, 0b100, rd, OP)),          // c.xor
                    (0, 0b10) => Some(r_type(0, rs2, rd, 0b110, rd, OP)),          // c.or
                    (0, 0b11) => Some(r_type(0, rs2, rd, 0b111, rd, OP)),          // c.and
                    (1, 0b00) => Some(r_type(0b010_0000, rs2, rd, 0b000, rd, OP_32)), // c.subw
                    (1, 0b01) => Some(r_type(0, rs2, rd, 0b000, rd, OP_32)),       // c.addw
                    // 1/10 is reserved; 1/11 is Zcb (c.mul, c.not, ...), absent here.
                    _ => None,
                },
            }
        }
        0b101 => {
            // c.j: offset[11|4|9:8|10|6|7|3:1|5] in bits 12:2.
            let raw = (bit(h, 12) << 11)
                | (bit(h, 11) << 4)
                | (bits(h, 10, 9) << 8)
                | (bit(h, 8) << 10)
                | (bit(h, 7) << 6)
                | (bit(h, 6) << 7)
                | (bits(h, 5, 3) << 1)
                | (bit(h, 2) << 5);
            Some(j_type(sext(raw, 12), 0))
        }
        _ => {
            // c.beqz / c.bnez: offset[8|4:3] in bits 12:10, offset[7:6|2:1|5] in bits 6:2.
            let raw = (bit(h, 12) << 8)
                | (bits(h, 11, 10) << 3)
                | (bits(h, 6, 5) << 6)
                | (bits(h, 4, 3) << 1)
                | (bit(h, 2) << 5);
            let branch_funct3 = if funct3 == 0b110 { 0b000 } else { 0b001 };
            Some(b_type(sext(raw, 9), 0, creg(bits(h, 9, 7)), branch_funct3))
        }
    }
}

fn quadrant2(h: u32, funct3: u32) -> Option<u32> {
    let rd = bits(h, 11, 7);
    let rs2 = bits(h, 6, 2);
    // Stack-pointer-relative load offsets: uimm[5] in bit 12, the rest in bits 6:2.
    let ldsp_offset = ((bit(h, 12) << 5) | (bits(h, 6, 5) << 3) | (bits(h, 4, 2) << 6)) as i32;
    let lwsp_offset = ((bit(h, 12) << 5) | (bits(h, 6, 4) << 2) | (bits(h, 3, 2) << 6)) as i32;
    // Stack-pointer-relative store offsets live in bits 12:7.
    let sdsp_offset = ((bits(h, 12, 10) << 3) | (bits(h, 9, 7) << 6)) as i32;
    let swsp_offset = ((bits(h, 12, 9) << 2) | (bits(h, 8, 7) << 6)) as i32;
    match funct3 {
        // c.slli (rd = 0 or shamt = 0 are HINTs).
        0b000 => Some(i_type(ci_shamt(h), rd, 0b001, rd, OP_IMM)),
        0b001 => Some(i_type(ldsp_offset, SP, 0b011, rd, LOAD_FP)), // c.fldsp (f0 is fine)
        // c.lwsp / c.ldsp: rd = 0 is reserved.
        0b010 => (rd != 0).then(|| i_type(lwsp_offset, SP, 0b010, rd, LOAD)),
        0b011 => (rd != 0).then(|| i_type(ldsp_offset, SP, 0b011, rd, LOAD)),
        0b100 => match (bit(h, 12), rd, rs2) {
            (0, 0, 0) => None,                                   // c.jr x0 is reserved
            (0, _, 0) => Some(i_type(0, rd, 0b000, 0, JALR)),    // c.jr
            (0, _, _) => Some(r_type(0, rs2, 0, 0b000, rd, OP)), // c.mv (rd = 0: HINT)
            (_, 0, 0) => Some(EBREAK),                           // c.ebreak
            (_, _, 0) => Some(i_type(0, rd, 0b000, RA, JALR)),   // c.jalr
            _ => Some(r_type(0, rs2, rd, 0b000, rd, OP)),        // c.add (rd = 0: HINT)
        },
        0b101 => Some(s_type(sdsp_offset, rs2, SP, 0b011, STORE_FP)), // c.fsdsp
        0b110 => Some(s_type(swsp_offset, rs2, SP, 0b010, STORE)),    // c.swsp
        _ => Some(s_type(sdsp_offset, rs2, SP, 0b011, STORE)),        // c.sdsp
    }
}

#[cfg(test)]
mod tests {
    use super::expand;

    /// (compressed half-word, 32-bit expansion), both assembled by GNU as 2.40
    /// (`-march=rv64gc`) from the instruction in the comment and the 32-bit form the
    /// spec gives for it; every RV64C form appears at least once, most at the edges of
    /// their immediate ranges.
    const EXPANSIONS: [(u16, u32); 117] = [
        (0x1fe8, 0x3fc10513), // c.addi4spn a0, sp, 1020
        (0x0044, 0x00410493), // c.addi4spn s1, sp, 4
        (0x0020, 0x00810413), // c.addi4spn s0, sp, 8
        (0x041c, 0x20010793), // c.addi4spn a5, sp, 512
        (0x3fe8, 0x0f87b507), // c.fld fa0, 248(a5)
        (0x2000, 0x00043407), // c.fld fs0, 0(s0)
        (0x21bc, 0x0405b787), // c.fld fa5, 64(a1)
        (0x5de8, 0x07c5a503), // c.lw a0, 124(a1)
        (0x43c0, 0x0047a403), // c.lw s0, 4(a5)
        (0x42b0, 0x0406a603), // c.lw a2, 64(a3)
        (0x7de8, 0x0f85b503), // c.ld a0, 248(a1)
        (0x6798, 0x0087b703), // c.ld a4, 8(a5)
        (0x6044, 0x08043483), // c.ld s1, 128(s0)
        (0xa64c, 0x08b63427), // c.fsd fa1, 136(a2)
        (0xa384, 0x0097b027), // c.fsd fs1, 0(a5)
        (0xdde8, 0x06a5ae23), // c.sw a0, 124(a1)
        (0xc334, 0x04d72023), // c.sw a3, 64(a4)
        (0xc044, 0x00942223), // c.sw s1, 4(s0)
        (0xfde8, 0x0ea5bc23), // c.sd a0, 248(a1)
        (0xe41c, 0x00f43423), // c.sd a5, 8(s0)
        (0x0001, 0x00000013), // c.nop
        (0x1501, 0xfe050513), // c.addi a0, -32
        (0x057d, 0x01f50513), // c.addi a0, 31
        (0x0141, 0x01010113), // c.addi sp, 16
        (0x0f85, 0x001f8f93), // c.addi t6, 1
        (0x357d, 0xfff5051b), // c.addiw a0, -1
        (0x2301, 0x0003031b), // c.addiw t1, 0
        (0x20fd, 0x01f0809b), // c.addiw ra, 31
        (0x5501, 0xfe000513), // c.li a0, -32
        (0x40fd, 0x01f00093), // c.li ra, 31
        (0x4f81, 0x00000f93), // c.li t6, 0
        (0x7101, 0xe0010113), // c.addi16sp sp, -512
        (0x617d, 0x1f010113), // c.addi16sp sp, 496
        (0x6141, 0x01010113), // c.addi16sp sp, 16
        (0x717d, 0xff010113), // c.addi16sp sp, -16
        (0x6105, 0x02010113), // c.addi16sp sp, 32
        (0x6121, 0x04010113), // c.addi16sp sp, 64
        (0x6109, 0x08010113), // c.addi16sp sp, 128
        (0x6111, 0x10010113), // c.addi16sp sp, 256
        (0x6505, 0x00001537), // c.lui a0, 1
        (0x757d, 0xfffff537), // c.lui a0, 0xfffff
        (0x62fd, 0x0001f2b7), // c.lui t0, 0x1f
        (0x7481, 0xfffe04b7), // c.lui s1, 0xfffe0
        (0x60c1, 0x000100b7), // c.lui ra, 0x10
        (0x6f8d, 0x00003fb7), // c.lui t6, 0x3
        (0x8105, 0x00155513), // c.srli a0, 1
        (0x93fd, 0x03f7d793), // c.srli a5, 63
        (0x9001, 0x02045413), // c.srli s0, 32
        (0x9401, 0x42045413), // c.srai s0, 32
        (0x8505, 0x40155513), // c.srai a0, 1
        (0x96fd, 0x43f6d693), // c.srai a3, 63
        (0x997d, 0xfff57513), // c.andi a0, -1
        (0x88fd, 0x01f4f493), // c.andi s1, 31
        (0x8b01, 0x00077713), // c.andi a4, 0
        (0x9a01, 0xfe067613), // c.andi a2, -32
        (0x8d0d, 0x40b50533), // c.sub a0, a1
        (0x8c1d, 0x40f40433), // c.sub s0, a5
        (0x8e35, 0x00d64633), // c.xor a2, a3
        (0x8f45, 0x00976733), // c.or a4, s1
        (0x8fe1, 0x0087f7b3), // c.and a5, s0
        (0x9d0d, 0x40b5053b), // c.subw a0, a1
        (0x9cbd, 0x00f484bb), // c.addw s1, a5
        (0xaffd, 0x7fe0006f), // c.j .+2046
        (0xb001, 0x801ff06f), // c.j .-2048
        (0xa029, 0x00a0006f), // c.j .+10
        (0xbffd, 0xfffff06f), // c.j .-2
        (0xa801, 0x0100006f), // c.j .+16
        (0xa005, 0x0200006f), // c.j .+32
        (0xa081, 0x0400006f), // c.j .+64
        (0xa041, 0x0800006f), // c.j .+128
        (0xa201, 0x1000006f), // c.j .+256
        (0xa401, 0x2000006f), // c.j .+512
        (0xa101, 0x4000006f), // c.j .+1024
        (0xa011, 0x0040006f), // c.j .+4
        (0xa009, 0x0020006f), // c.j .+2
        (0xa019, 0x0060006f), // c.j .+6
        (0xd101, 0xf00500e3), // c.beqz a0, .-256
        (0xc009, 0x00040163), // c.beqz s0, .+2
        (0xc385, 0x02078063), // c.beqz a5, .+32
        (0xc1a1, 0x04058063), // c.beqz a1, .+64
        (0xecfd, 0x0e049f63), // c.bnez s1, .+254
        (0xe211, 0x00061263), // c.bnez a2, .+4
        (0xe681, 0x00069463), // c.bnez a3, .+8
        (0xeb01, 0x00071863), // c.bnez a4, .+16
        (0xf3c1, 0xf80790e3), // c.bnez a5, .-128
        (0x0506, 0x00151513), // c.slli a0, 1
        (0x1ffe, 0x03ff9f93), // c.slli t6, 63
        (0x1082, 0x02009093), // c.slli ra, 32
        (0x307e, 0x1f813007), // c.fldsp ft0, 504(sp)
        (0x2522, 0x00813507), // c.fldsp fa0, 8(sp)
        (0x3f82, 0x02013f87), // c.fldsp ft11, 32(sp)
        (0x50fe, 0x0fc12083), // c.lwsp ra, 252(sp)
        (0x4512, 0x00412503), // c.lwsp a0, 4(sp)
        (0x4f86, 0x04012f83), // c.lwsp t6, 64(sp)
        (0x5402, 0x02012403), // c.lwsp s0, 32(sp)
        (0x70fe, 0x1f813083), // c.ldsp ra, 504(sp)
        (0x6422, 0x00813403), // c.ldsp s0, 8(sp)
        (0x6f86, 0x04013f83), // c.ldsp t6, 64(sp)
        (0x7102, 0x02013103), // c.ldsp sp, 32(sp)
        (0x8082, 0x00008067), // c.jr ra
        (0x8f82, 0x000f8067), // c.jr t6
        (0x852e, 0x00b00533), // c.mv a0, a1
        (0x8f86, 0x00100fb3), // c.mv t6, ra
        (0x9002, 0x00100073), // c.ebreak
        (0x9502, 0x000500e7), // c.jalr a0
        (0x9082, 0x000080e7), // c.jalr ra
        (0x952e, 0x00b50533), // c.add a0, a1
        (0x917e, 0x01f10133), // c.add sp, t6
        (0xbfee, 0x1fb13c27), // c.fsdsp fs11, 504(sp)
        (0xa42a, 0x00a13427), // c.fsdsp fa0, 8(sp)
        (0xa082, 0x04013027), // c.fsdsp ft0, 64(sp)
        (0xdf86, 0x0e112e23), // c.swsp ra, 252(sp)
        (0xc22a, 0x00a12223), // c.swsp a0, 4(sp)
        (0xc082, 0x04012023), // c.swsp zero, 64(sp)
        (0xff86, 0x1e113c23), // c.sdsp ra, 504(sp)
        (0xe422, 0x00813423), // c.sdsp s0, 8(sp)
        (0xe0fe, 0x05f13023), // c.sdsp t6, 64(sp)
    ];

    #[test]
    fn every_form_expands_like_the_assembler_says() {
        for (half, word) in EXPANSIONS {
            assert_eq!(expand(half), Some(word), "{half:#06x}");
        }
    }

    /// HINTs (checked against objdump) expand to the harmless 32-bit instruction.
    #[test]
    fn hints_expand() {
        let hints: [(u16, u32); 10] = [
            (0x0005, 0x0010_0013), // c.addi zero, 1   -> addi zero, zero, 1
            (0x0501, 0x0005_0513), // c.addi a0, 0     -> addi a0, a0, 0
            (0x4015, 0x0050_0013), // c.li zero, 5     -> addi zero, zero, 5
            (0x6005, 0x0000_1037), // c.lui zero, 1    -> lui zero, 1
            (0x802a, 0x00a0_0033), // c.mv zero, a0    -> add zero, zero, a0
            (0x902a, 0x00a0_0033), // c.add zero, a0   -> add zero, zero, a0
            (0x0006, 0x0010_1013), // c.slli zero, 1   -> slli zero, zero, 1
            (0x0502, 0x0005_1513), // c.slli64 a0      -> slli a0, a0, 0
            (0x8101, 0x0005_5513), // c.srli64 a0      -> srli a0, a0, 0
            (0x8501, 0x4005_5513), // c.srai64 a0      -> srai a0, a0, 0
        ];
        for (half, word) in hints {
            assert_eq!(expand(half), Some(word), "{half:#06x}");
        }
    }

    #[test]
    fn reserved_encodings_are_rejected() {
        let reserved: [u16; 16] = [
            0x0000, // c.unimp (c.addi4spn with nzuimm = 0, rd = s0)
            0x0004, // c.addi4spn a1, sp, 0
            0x8000, // quadrant 0, funct3 = 100 (Zcb loads/stores)
            0x9c00, // same group, other bits set
            0x2001, // c.addiw zero, 0
            0x307d, // c.addiw zero, -1
            0x6101, // c.addi16sp sp, 0
            0x6501, // c.lui a0, 0
            0x6001, // c.lui zero, 0
            0x9c41, // CA group, bit 12 = 1, funct2 = 10
            0x9c61, // CA group, bit 12 = 1, funct2 = 11 (Zcb c.mul)
            0x4002, // c.lwsp zero, 0(sp)
            0x507e, // c.lwsp zero, 252(sp)
            0x6002, // c.ldsp zero, 0(sp)
            0x8002, // c.jr zero
            0xffff, // not compressed at all
        ];
        for half in reserved {
            assert_eq!(expand(half), None, "{half:#06x}");
        }
        for quadrant3 in [0x0003u16, 0x1237, 0x7fff] {
            assert_eq!(expand(quadrant3), None, "{quadrant3:#06x}");
        }
    }

    /// Which half-words are legal, counted by the spec: of the 49,152 compressed
    /// encodings, 2,409 are reserved or belong to absent extensions.
    #[test]
    fn every_half_word_expands_or_is_rejected_without_panicking() {
        let legal = (0..=u16::MAX).filter(|&half| expand(half).is_some()).count();
        assert_eq!(legal, 46_743);
        for half in 0..=u16::MAX {
            if let Some(word) = expand(half) {
                assert_eq!(word & 3, 3, "{half:#06x} expands to a compressed encoding");
            }
        }
    }
}
