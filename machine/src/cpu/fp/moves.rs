//! Moving values without arithmetic: NaN-boxing on register reads and writes,
//! loads and stores (FLW/FLD, FSW/FSD), sign injection (FSGNJ*) and the bit moves
//! between x and f registers (FMV.X.*, FMV.*.X). None raises a flag.
//!
//! A single lives in the low half of a 64-bit f register with the upper half all
//! ones (NaN-boxed); a read of a register that is not boxed sees the canonical NaN.
//! A double fills the register, so for `D` every function here is the identity or
//! plain bit work.

use super::width::Width;

/// The register image of a `W` value: NaN-boxed if narrower than the register.
#[inline(always)]
pub fn boxed<W: Width>(v: W::Bits) -> u64 {
    W::NAN_BOX | v.into()
}

/// The `W` value a register read yields: the value if properly boxed, else the
/// canonical NaN.
#[inline(always)]
pub fn unbox<W: Width>(reg: u64) -> W::Bits {
    if reg & W::NAN_BOX == W::NAN_BOX { W::narrow(reg) } else { W::CANONICAL_NAN }
}

/// FLW/FLD: the register image of the little-endian value loaded from memory.
#[inline(always)]
pub fn load<W: Width>(mem: W::Bits) -> u64 {
    boxed::<W>(mem)
}

/// FSW/FSD: the value stored to memory, the register's low bits as they are (no
/// unboxing: the stores move bits, not values).
#[inline(always)]
pub fn store<W: Width>(reg: u64) -> W::Bits {
    W::narrow(reg)
}

/// FSGNJ: `a`'s magnitude with `b`'s sign.
#[inline(always)]
pub fn sgnj<W: Width>(a: W::Bits, b: W::Bits) -> W::Bits {
    W::narrow((a.into() & !W::SIGN) | (b.into() & W::SIGN))
}
/// FSGNJN: `a`'s magnitude with the opposite of `b`'s sign.
#[inline(always)]
pub fn sgnjn<W: Width>(a: W::Bits, b: W::Bits) -> W::Bits {
    W::narrow((a.into() & !W::SIGN) | (!b.into() & W::SIGN))
}
/// FSGNJX: `a` with its sign XORed with `b`'s.
#[inline(always)]
pub fn sgnjx<W: Width>(a: W::Bits, b: W::Bits) -> W::Bits {
    W::narrow(a.into() ^ (b.into() & W::SIGN))
}

/// FMV.X.W/FMV.X.D: the register's low `W` bits, sign-extended to 64 (no unboxing).
#[inline(always)]
pub fn to_x<W: Width>(reg: u64) -> u64 {
    let shift = 64 - W::BITS;
    (((reg << shift) as i64) >> shift) as u64
}

/// FMV.W.X/FMV.D.X: the register image of an x register's low `W` bits.
#[inline(always)]
pub fn from_x<W: Width>(x: u64) -> u64 {
    boxed::<W>(W::narrow(x))
}
