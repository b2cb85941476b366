//! The two FP widths as one trait: bit layout, NaN-boxing, canonical NaN and the
//! SoftFloat entry points of each, so every operation is written once.
//!
//! `S` (binary32) and `D` (binary64) are named for the mnemonic suffix (FADD.S,
//! FADD.D). All the layout constants are `u64` with the value zero-extended, so
//! generic code does its bit work in one integer type and narrows at the end; for `D`
//! the narrowing and the NaN-box are identities the compiler folds away.

use softfloat_sys as sf;
use softfloat_sys::{float32_t, float64_t};
use std::fmt::{Debug, LowerHex};

/// A SoftFloat one-operand operation (sqrt).
pub type Un<T> = unsafe extern "C" fn(T) -> T;
/// A SoftFloat two-operand operation (add, sub, mul, div).
pub type Bin<T> = unsafe extern "C" fn(T, T) -> T;
/// A SoftFloat fused multiply-add.
pub type Tern<T> = unsafe extern "C" fn(T, T, T) -> T;
/// A SoftFloat comparison.
pub type Cmp<T> = unsafe extern "C" fn(T, T) -> bool;
/// A SoftFloat float-to-integer conversion `(value, rounding mode, exact)`.
/// (`int_fast32_t`/`int_fast64_t` are `i64` and the unsigned ones `u64` on the
/// x86-64 Linux hosts softfloat-sys builds for; a mismatch would not compile.)
pub type ToInt<T, I> = unsafe extern "C" fn(T, u8, bool) -> I;
/// A SoftFloat integer-to-float conversion.
pub type FromInt<I, T> = unsafe extern "C" fn(I) -> T;

/// One RISC-V floating-point width.
pub trait Width: Copy + 'static {
    /// The raw IEEE bit pattern: `u32` or `u64`.
    type Bits: Copy + Eq + Debug + LowerHex + Into<u64>;
    /// The host float of the same format, for ordering non-NaN values.
    type Native: Copy + PartialOrd;
    /// SoftFloat's value type.
    type Soft: Copy;

    /// Total width in bits.
    const BITS: u32;
    /// Exponent field width in bits.
    const EXP_BITS: u32;
    /// Fraction field width in bits.
    const FRAC_BITS: u32 = Self::BITS - Self::EXP_BITS - 1;
    /// The sign bit.
    const SIGN: u64 = 1 << (Self::BITS - 1);
    /// The exponent field all ones: +infinity, and the bound above which a
    /// magnitude is a NaN.
    const EXP_MASK: u64 = ((1 << Self::EXP_BITS) - 1) << Self::FRAC_BITS;
    /// The fraction field.
    const FRAC_MASK: u64 = (1 << Self::FRAC_BITS) - 1;
    /// The quiet bit of a NaN (the fraction's top bit).
    const QUIET: u64 = 1 << (Self::FRAC_BITS - 1);
    /// All the bits of a value of this width.
    const MASK: u64 = u64::MAX >> (64 - Self::BITS);
    /// The canonical NaN RISC-V produces: positive, quiet, zero payload.
    const CANONICAL_NAN: Self::Bits;
    /// The bits above a value in a 64-bit FP register that mark it as properly
    /// NaN-boxed (all ones above a single; nothing above a double).
    const NAN_BOX: u64 = !Self::MASK;

    /// The low `BITS` bits of `v`.
    fn narrow(v: u64) -> Self::Bits;
    /// The host float with these bits.
    fn native(b: Self::Bits) -> Self::Native;
    /// SoftFloat's value with these bits.
    fn soft(b: Self::Bits) -> Self::Soft;
    /// The bits of SoftFloat's value.
    fn bits(s: Self::Soft) -> Self::Bits;

    /// SoftFloat's add.
    const ADD: Bin<Self::Soft>;
    /// SoftFloat's subtract.
    const SUB: Bin<Self::Soft>;
    /// SoftFloat's multiply.
    const MUL: Bin<Self::Soft>;
    /// SoftFloat's divide.
    const DIV: Bin<Self::Soft>;
    /// SoftFloat's square root.
    const SQRT: Un<Self::Soft>;
    /// SoftFloat's fused multiply-add (a*b+c, rounded once).
    const MUL_ADD: Tern<Self::Soft>;
    /// SoftFloat's quiet equality.
    const EQ: Cmp<Self::Soft>;
    /// SoftFloat's signaling less-than.
    const LT: Cmp<Self::Soft>;
    /// SoftFloat's signaling less-or-equal.
    const LE: Cmp<Self::Soft>;
    /// SoftFloat's conversion to i32 (RISC-V saturation).
    const TO_I32: ToInt<Self::Soft, i64>;
    /// SoftFloat's conversion to u32.
    const TO_U32: ToInt<Self::Soft, u64>;
    /// SoftFloat's conversion to i64.
    const TO_I64: ToInt<Self::Soft, i64>;
    /// SoftFloat's conversion to u64.
    const TO_U64: ToInt<Self::Soft, u64>;
    /// SoftFloat's conversion from i64.
    const FROM_I64: FromInt<i64, Self::Soft>;
    /// SoftFloat's conversion from u64.
    const FROM_U64: FromInt<u64, Self::Soft>;
}

/// Single precision (F extension, binary32).
#[derive(Clone, Copy, Debug)]
pub struct S;

/// Double precision (D extension, binary64).
#[derive(Clone, Copy, Debug)]
pub struct D;

impl Width for S {
    type Bits = u32;
    type Native = f32;
    type Soft = float32_t;
    const BITS: u32 = 32;
    const EXP_BITS: u32 = 8;
    const CANONICAL_NAN: u32 = 0x7fc0_0000;

    #[inline(always)]
    fn narrow(v: u64) -> u32 {
        v as u32
    }
    #[inline(always)]
    fn native(b: u32) -> f32 {
        f32::from_bits(b)
    }
    #[inline(always)]
    fn soft(b: u32) -> float32_t {
        float32_t { v: b }
    }
    #[inline(always)]
    fn bits(s: float32_t) -> u32 {
        s.v
    }

    const ADD: Bin<float32_t> = sf::f32_add;
    const SUB: Bin<float32_t> = sf::f32_sub;
    const MUL: Bin<float32_t> = sf::f32_mul;
    const DIV: Bin<float32_t> = sf::f32_div;
    const SQRT: Un<float32_t> = sf::f32_sqrt;
    const MUL_ADD: Tern<float32_t> = sf::f32_mulAdd;
    const EQ: Cmp<float32_t> = sf::f32_eq;
    const LT: Cmp<float32_t> = sf::f32_lt;
    const LE: Cmp<float32_t> = sf::f32_le;
    const TO_I32: ToInt<float32_t, i64> = sf::f32_to_i32;
    const TO_U32: ToInt<float32_t, u64> = sf::f32_to_ui32;
    const TO_I64: ToInt<float32_t, i64> = sf::f32_to_i64;
    const TO_U64: ToInt<float32_t, u64> = sf::f32_to_ui64;
    const FROM_I64: FromInt<i64, float32_t> = sf::i64_to_f32;
    const FROM_U64: FromInt<u64, float32_t> = sf::ui64_to_f32;
}

impl Width for D {
    type Bits = u64;
    type Native = f64;
    type Soft = float64_t;
    const BITS: u32 = 64;
    const EXP_BITS: u32 = 11;
    const CANONICAL_NAN: u64 = 0x7ff8_0000_0000_0000;

    #[inline(always)]
    fn narrow(v: u64) -> u64 {
        v
    }
    #[inline(always)]
    fn native(b: u64) -> f64 {
        f64::from_bits(b)
    }
    #[inline(always)]
    fn soft(b: u64) -> float64_t {
        float64_t { v: b }
    }
    #[inline(always)]
    fn bits(s: float64_t) -> u64 {
        s.v
    }

    const ADD: Bin<float64_t> = sf::f64_add;
    const SUB: Bin<float64_t> = sf::f64_sub;
    const MUL: Bin<float64_t> = sf::f64_mul;
    const DIV: Bin<float64_t> = sf::f64_div;
    const SQRT: Un<float64_t> = sf::f64_sqrt;
    const MUL_ADD: Tern<float64_t> = sf::f64_mulAdd;
    const EQ: Cmp<float64_t> = sf::f64_eq;
    const LT: Cmp<float64_t> = sf::f64_lt;
    const LE: Cmp<float64_t> = sf::f64_le;
    const TO_I32: ToInt<float64_t, i64> = sf::f64_to_i32;
    const TO_U32: ToInt<float64_t, u64> = sf::f64_to_ui32;
    const TO_I64: ToInt<float64_t, i64> = sf::f64_to_i64;
    const TO_U64: ToInt<float64_t, u64> = sf::f64_to_ui64;
    const FROM_I64: FromInt<i64, float64_t> = sf::i64_to_f64;
    const FROM_U64: FromInt<u64, float64_t> = sf::ui64_to_f64;
}
