//! Conversions: float to integer (RISC-V saturation), integer to float, and between
//! the two widths (FCVT.*).

use super::rounding::Rounding;
use super::softfloat;
use super::width::Width;

/// FCVT.W: the i32 result as u32 bits (NaN and +overflow give 0x7fff_ffff,
/// -overflow 0x8000_0000, with NV).
#[inline]
pub fn to_i32<W: Width>(a: W::Bits, rm: Rounding, flags: &mut u8) -> u32 {
    softfloat::to_int::<W, i64>(rm, flags, W::TO_I32, a) as u32
}
/// FCVT.WU (NaN and +overflow give 0xffff_ffff, negative overflow 0, with NV).
#[inline]
pub fn to_u32<W: Width>(a: W::Bits, rm: Rounding, flags: &mut u8) -> u32 {
    softfloat::to_int::<W, u64>(rm, flags, W::TO_U32, a) as u32
}
/// FCVT.L: the i64 result as u64 bits.
#[inline]
pub fn to_i64<W: Width>(a: W::Bits, rm: Rounding, flags: &mut u8) -> u64 {
    softfloat::to_int::<W, i64>(rm, flags, W::TO_I64, a)
}
/// FCVT.LU
#[inline]
pub fn to_u64<W: Width>(a: W::Bits, rm: Rounding, flags: &mut u8) -> u64 {
    softfloat::to_int::<W, u64>(rm, flags, W::TO_U64, a)
}
/// FCVT.*.W (via the 64-bit converter: same value, same rounding, same flags).
#[inline]
pub fn from_i32<W: Width>(x: i32, rm: Rounding, flags: &mut u8) -> W::Bits {
    from_i64::<W>(i64::from(x), rm, flags)
}
/// FCVT.*.WU
#[inline]
pub fn from_u32<W: Width>(x: u32, rm: Rounding, flags: &mut u8) -> W::Bits {
    from_u64::<W>(u64::from(x), rm, flags)
}
/// FCVT.*.L
#[inline]
pub fn from_i64<W: Width>(x: i64, rm: Rounding, flags: &mut u8) -> W::Bits {
    softfloat::from_int::<W, i64>(rm, flags, W::FROM_I64, x)
}
/// FCVT.*.LU
#[inline]
pub fn from_u64<W: Width>(x: u64, rm: Rounding, flags: &mut u8) -> W::Bits {
    softfloat::from_int::<W, u64>(rm, flags, W::FROM_U64, x)
}

/// FCVT.D.S (exact; NaN gives the canonical NaN, NV if signaling).
#[inline]
pub fn s_to_d(a: u32, flags: &mut u8) -> u64 {
    softfloat::s_to_d(flags, a)
}
/// FCVT.S.D
#[inline]
pub fn d_to_s(a: u64, rm: Rounding, flags: &mut u8) -> u32 {
    softfloat::d_to_s(rm, flags, a)
}
