//! Comparing and classifying: FMIN/FMAX, FEQ/FLT/FLE and FCLASS, for either width.
//!
//! FMIN/FMAX and FCLASS are done here in Rust (SoftFloat has no such operations);
//! the three comparisons are SoftFloat's.

use super::rounding::NV;
use super::softfloat;
use super::width::Width;

/// Whether `a` is a NaN of either kind.
#[inline(always)]
pub fn is_nan<W: Width>(a: W::Bits) -> bool {
    a.into() & !W::SIGN > W::EXP_MASK
}
/// Whether `a` is a signaling NaN (quiet bit clear).
#[inline(always)]
pub fn is_snan<W: Width>(a: W::Bits) -> bool {
    is_nan::<W>(a) && a.into() & W::QUIET == 0
}

/// FMIN (2.2+ minimumNumber): -0.0 < +0.0; one NaN gives the other operand, two
/// give the canonical NaN; NV if either is signaling.
#[inline]
pub fn min<W: Width>(a: W::Bits, b: W::Bits, flags: &mut u8) -> W::Bits {
    minmax::<W>(a, b, flags, true)
}
/// FMAX (2.2+ maximumNumber), see [`min`].
#[inline]
pub fn max<W: Width>(a: W::Bits, b: W::Bits, flags: &mut u8) -> W::Bits {
    minmax::<W>(a, b, flags, false)
}
#[inline(always)]
fn minmax<W: Width>(a: W::Bits, b: W::Bits, flags: &mut u8, min: bool) -> W::Bits {
    if is_snan::<W>(a) || is_snan::<W>(b) {
        *flags |= NV;
    }
    match (is_nan::<W>(a), is_nan::<W>(b)) {
        (true, true) => W::CANONICAL_NAN,
        (true, false) => b,
        (false, true) => a,
        (false, false) => {
            let (x, y) = (W::native(a), W::native(b));
            if x == y {
                // Equal values have equal bits except for ±0: the min has the sign set.
                let (a, b) = (a.into(), b.into());
                W::narrow(if min { a | b } else { a & b })
            } else if (x < y) == min {
                a
            } else {
                b
            }
        }
    }
}

/// FEQ: quiet, NV only for a signaling NaN.
#[inline]
pub fn eq<W: Width>(a: W::Bits, b: W::Bits, flags: &mut u8) -> bool {
    softfloat::cmp::<W>(flags, W::EQ, a, b)
}
/// FLT: signaling, NV for any NaN.
#[inline]
pub fn lt<W: Width>(a: W::Bits, b: W::Bits, flags: &mut u8) -> bool {
    softfloat::cmp::<W>(flags, W::LT, a, b)
}
/// FLE: signaling, NV for any NaN.
#[inline]
pub fn le<W: Width>(a: W::Bits, b: W::Bits, flags: &mut u8) -> bool {
    softfloat::cmp::<W>(flags, W::LE, a, b)
}

/// FCLASS: the 10-bit class mask (bit 0 -inf, 1 -normal, 2 -subnormal, 3 -0, 4 +0,
/// 5 +subnormal, 6 +normal, 7 +inf, 8 sNaN, 9 qNaN).
#[inline]
pub fn class<W: Width>(a: W::Bits) -> u64 {
    let a = a.into();
    let neg = a & W::SIGN != 0;
    let exp = a & W::EXP_MASK;
    let frac = a & W::FRAC_MASK;
    let bit = if exp == W::EXP_MASK {
        if frac == 0 {
            if neg { 0 } else { 7 }
        } else if frac & W::QUIET != 0 {
            9
        } else {
            8
        }
    } else if exp == 0 {
        match (frac == 0, neg) {
            (true, true) => 3,
            (true, false) => 4,
            (false, true) => 2,
            (false, false) => 5,
        }
    } else if neg {
        1
    } else {
        6
    };
    1 << bit
}
