//! Rounded arithmetic: add, subtract, multiply, divide, square root and the four
//! fused multiply-adds (FADD..FNMADD), for either width.

use super::rounding::Rounding;
use super::softfloat;
use super::width::Width;

/// FADD
#[inline]
pub fn add<W: Width>(a: W::Bits, b: W::Bits, rm: Rounding, flags: &mut u8) -> W::Bits {
    softfloat::bin::<W>(rm, flags, W::ADD, a, b)
}
/// FSUB
#[inline]
pub fn sub<W: Width>(a: W::Bits, b: W::Bits, rm: Rounding, flags: &mut u8) -> W::Bits {
    softfloat::bin::<W>(rm, flags, W::SUB, a, b)
}
/// FMUL
#[inline]
pub fn mul<W: Width>(a: W::Bits, b: W::Bits, rm: Rounding, flags: &mut u8) -> W::Bits {
    softfloat::bin::<W>(rm, flags, W::MUL, a, b)
}
/// FDIV
#[inline]
pub fn div<W: Width>(a: W::Bits, b: W::Bits, rm: Rounding, flags: &mut u8) -> W::Bits {
    softfloat::bin::<W>(rm, flags, W::DIV, a, b)
}
/// FSQRT
#[inline]
pub fn sqrt<W: Width>(a: W::Bits, rm: Rounding, flags: &mut u8) -> W::Bits {
    softfloat::un::<W>(rm, flags, W::SQRT, a)
}

// SoftFloat has only a*b+c; the other three negate an operand's sign bit first. A
// sign flip is exact and leaves a NaN a NaN (the result is then the canonical NaN
// anyway), so the result and flags are those of the one rounding RISC-V specifies.

/// The operand with its sign bit flipped.
#[inline(always)]
fn neg<W: Width>(a: W::Bits) -> W::Bits {
    W::narrow(a.into() ^ W::SIGN)
}

/// FMADD: a*b+c, rounded once.
#[inline]
pub fn madd<W: Width>(a: W::Bits, b: W::Bits, c: W::Bits, rm: Rounding, flags: &mut u8) -> W::Bits {
    softfloat::tern::<W>(rm, flags, W::MUL_ADD, a, b, c)
}
/// FMSUB: a*b-c, rounded once.
#[inline]
pub fn msub<W: Width>(a: W::Bits, b: W::Bits, c: W::Bits, rm: Rounding, flags: &mut u8) -> W::Bits {
    madd::<W>(a, b, neg::<W>(c), rm, flags)
}
/// FNMSUB: -(a*b)+c, rounded once.
#[inline]
pub fn nmsub<W: Width>(a: W::Bits, b: W::Bits, c: W::Bits, rm: Rounding, flags: &mut u8) -> W::Bits {
    madd::<W>(neg::<W>(a), b, c, rm, flags)
}
/// FNMADD: -(a*b)-c, rounded once.
#[inline]
pub fn nmadd<W: Width>(a: W::Bits, b: W::Bits, c: W::Bits, rm: Rounding, flags: &mut u8) -> W::Bits {
    madd::<W>(neg::<W>(a), b, neg::<W>(c), rm, flags)
}
