//! A tiny RV64 assembler for tests that build their guest code in Rust.

#![allow(dead_code)]

pub fn r(op: u32, f3: u32, f7: u32, rd: u32, rs1: u32, rs2: u32) -> u32 {
    f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op
}
pub fn i(op: u32, f3: u32, rd: u32, rs1: u32, imm: i32) -> u32 {
    ((imm as u32) & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op
}
pub fn s(f3: u32, rs1: u32, rs2: u32, imm: i32) -> u32 {
    let imm = imm as u32;
    ((imm >> 5) & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (imm & 0x1f) << 7 | 0x23
}
pub fn b(f3: u32, rs1: u32, rs2: u32, off: i32) -> u32 {
    let o = off as u32;
    ((o >> 12) & 1) << 31 | ((o >> 5) & 0x3f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | ((o >> 1) & 0xf) << 8 | ((o >> 11) & 1) << 7 | 0x63
}
pub fn lui(rd: u32, imm20: u32) -> u32 {
    (imm20 & 0xfffff) << 12 | rd << 7 | 0x37
}
pub fn jal(rd: u32, off: i32) -> u32 {
    let o = off as u32;
    ((o >> 20) & 1) << 31 | ((o >> 1) & 0x3ff) << 21 | ((o >> 11) & 1) << 20 | ((o >> 12) & 0xff) << 12 | rd << 7 | 0x6f
}
pub fn addi(rd: u32, rs1: u32, imm: i32) -> u32 {
    i(0x13, 0, rd, rs1, imm)
}
pub fn ld(rd: u32, rs1: u32, imm: i32) -> u32 {
    i(0x03, 3, rd, rs1, imm)
}
pub fn lw(rd: u32, rs1: u32, imm: i32) -> u32 {
    i(0x03, 2, rd, rs1, imm)
}
pub fn sd(rs1: u32, rs2: u32, imm: i32) -> u32 {
    s(3, rs1, rs2, imm)
}
pub fn sw(rs1: u32, rs2: u32, imm: i32) -> u32 {
    s(2, rs1, rs2, imm)
}
pub fn bne(rs1: u32, rs2: u32, off: i32) -> u32 {
    b(1, rs1, rs2, off)
}
pub const ECALL: u32 = 0x73;
pub const FENCE_I: u32 = 0x100f;

/// Little-endian bytes of a sequence of 32-bit instructions.
pub fn bytes(words: &[u32]) -> Vec<u8> {
    words.iter().flat_map(|w| w.to_le_bytes()).collect()
}

/// Register numbers.
pub const ZERO: u32 = 0;
pub const SP: u32 = 2;
pub const T0: u32 = 5;
pub const T1: u32 = 6;
pub const T2: u32 = 7;
pub const A0: u32 = 10;
pub const A7: u32 = 17;
pub const T3: u32 = 28;
pub const T4: u32 = 29;
