//! RISC-V F and D arithmetic, bit-exact: fcsr flags, canonical NaNs, saturating conversions.
//!
//! Every operation is a pure function on raw IEEE bit patterns (`u32` for singles,
//! `u64` for doubles). NaN-boxing of singles inside 64-bit registers is the caller's
//! business. Each function returns its result and ORs the exception flags it raised
//! into `flags` (bit layout of `fcsr.fflags`: NV DZ OF UF NX).
//!
//! The arithmetic is Berkeley SoftFloat 3 built with its RISC-V specialization
//! (`softfloat-sys`, feature `riscv`): canonical NaN results, the RISC-V integer
//! saturation values, and tininess detected after rounding. SoftFloat keeps its
//! rounding mode and exception flags in C globals; `softfloat-sys` builds them
//! `_Thread_local` (its build.rs defines `THREAD_LOCAL`), so each host thread has its
//! own copy and no lock is needed: one operation sets the mode, clears the flags,
//! computes and reads the flags back, all on the calling thread.
//!
//! FMIN/FMAX, FCLASS and the sign handling of the fused multiply-add variants are
//! done here in Rust; SoftFloat has no such operations.

use softfloat_sys as sf;
use softfloat_sys::{float32_t as F32, float64_t as F64};

/// Exception flag bits as in fcsr.fflags: inexact.
pub const NX: u8 = 1;
/// Underflow.
pub const UF: u8 = 2;
/// Overflow.
pub const OF: u8 = 4;
/// Divide by zero.
pub const DZ: u8 = 8;
/// Invalid operation.
pub const NV: u8 = 16;

/// The canonical single NaN.
pub const CANONICAL_NAN_S: u32 = 0x7fc0_0000;
/// The canonical double NaN.
pub const CANONICAL_NAN_D: u64 = 0x7ff8_0000_0000_0000;

/// A resolved static rounding mode (the caller resolves rm=7 "dynamic" from frm and
/// rejects 5/6/invalid frm as illegal). The discriminants are the RISC-V encodings,
/// which are also SoftFloat's `softfloat_round_*` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rounding {
    /// Round to nearest, ties to even.
    Rne = 0,
    /// Round towards zero.
    Rtz = 1,
    /// Round down (towards -inf).
    Rdn = 2,
    /// Round up (towards +inf).
    Rup = 3,
    /// Round to nearest, ties to max magnitude.
    Rmm = 4,
}

impl Rounding {
    /// The static mode encoded by `rm`, or `None` for 5, 6, 7 (dynamic) and above.
    pub fn from_bits(rm: u8) -> Option<Rounding> {
        match rm {
            0 => Some(Rounding::Rne),
            1 => Some(Rounding::Rtz),
            2 => Some(Rounding::Rdn),
            3 => Some(Rounding::Rup),
            4 => Some(Rounding::Rmm),
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------
// The one door to C.
// ---------------------------------------------------------------------------

/// A SoftFloat call: the C function and its operands, grouped by C signature.
/// (`int_fast32_t`/`int_fast64_t` are `i64` and the unsigned ones `u64` on the
/// x86-64 Linux hosts softfloat-sys builds for; a mismatch would not compile.)
#[derive(Clone, Copy)]
enum Call {
    S1(unsafe extern "C" fn(F32) -> F32, u32),
    S2(unsafe extern "C" fn(F32, F32) -> F32, u32, u32),
    S3(unsafe extern "C" fn(F32, F32, F32) -> F32, u32, u32, u32),
    D1(unsafe extern "C" fn(F64) -> F64, u64),
    D2(unsafe extern "C" fn(F64, F64) -> F64, u64, u64),
    D3(unsafe extern "C" fn(F64, F64, F64) -> F64, u64, u64, u64),
    CmpS(unsafe extern "C" fn(F32, F32) -> bool, u32, u32),
    CmpD(unsafe extern "C" fn(F64, F64) -> bool, u64, u64),
    SToI(unsafe extern "C" fn(F32, u8, bool) -> i64, u32),
    SToU(unsafe extern "C" fn(F32, u8, bool) -> u64, u32),
    DToI(unsafe extern "C" fn(F64, u8, bool) -> i64, u64),
    DToU(unsafe extern "C" fn(F64, u8, bool) -> u64, u64),
    IToS(unsafe extern "C" fn(i64) -> F32, i64),
    UToS(unsafe extern "C" fn(u64) -> F32, u64),
    IToD(unsafe extern "C" fn(i64) -> F64, i64),
    UToD(unsafe extern "C" fn(u64) -> F64, u64),
    SToD(unsafe extern "C" fn(F32) -> F64, u32),
    DToS(unsafe extern "C" fn(F64) -> F32, u64),
}

/// Runs one SoftFloat operation in rounding mode `rm`, ORs the flags it raised into
/// `flags` and returns the raw result bits (an integer result as its two's
/// complement bits, a comparison as 0/1).
fn call(rm: Rounding, flags: &mut u8, op: Call) -> u64 {
    let s = |v: u32| F32 { v };
    let d = |v: u64| F64 { v };
    let m = rm as u8;
    // SAFETY: every function pointer in `Call` is a SoftFloat entry point taken from
    // softfloat-sys with exactly its C signature (checked by the coercion in `Call`'s
    // constructors); they take their operands by value, touch no memory of ours and
    // have no preconditions (every bit pattern is a valid operand; `m` is a valid
    // rounding mode 0..=4). The only shared state is `softfloat_roundingMode` and
    // `softfloat_exceptionFlags`, which softfloat-sys compiles as `_Thread_local`,
    // so the write/clear/compute/read sequence below cannot interleave with another
    // thread's.
    let (bits, raised) = unsafe {
        sf::softfloat_roundingMode_write_helper(m);
        sf::softfloat_exceptionFlags_write_helper(0);
        let bits = match op {
            Call::S1(f, a) => u64::from(f(s(a)).v),
            Call::S2(f, a, b) => u64::from(f(s(a), s(b)).v),
            Call::S3(f, a, b, c) => u64::from(f(s(a), s(b), s(c)).v),
            Call::D1(f, a) => f(d(a)).v,
            Call::D2(f, a, b) => f(d(a), d(b)).v,
            Call::D3(f, a, b, c) => f(d(a), d(b), d(c)).v,
            Call::CmpS(f, a, b) => u64::from(f(s(a), s(b))),
            Call::CmpD(f, a, b) => u64::from(f(d(a), d(b))),
            Call::SToI(f, a) => f(s(a), m, true) as u64,
            Call::SToU(f, a) => f(s(a), m, true),
            Call::DToI(f, a) => f(d(a), m, true) as u64,
            Call::DToU(f, a) => f(d(a), m, true),
            Call::IToS(f, x) => u64::from(f(x).v),
            Call::UToS(f, x) => u64::from(f(x).v),
            Call::IToD(f, x) => f(x).v,
            Call::UToD(f, x) => f(x).v,
            Call::SToD(f, a) => f(s(a)).v,
            Call::DToS(f, a) => u64::from(f(d(a)).v),
        };
        (bits, sf::softfloat_exceptionFlags_read_helper())
    };
    *flags |= raised & 0x1f;
    bits
}

/// Runs a single-precision operation and returns its result.
fn cs(rm: Rounding, flags: &mut u8, op: Call) -> u32 {
    call(rm, flags, op) as u32
}

// Rounding mode for operations whose result does not depend on it.
const ANY: Rounding = Rounding::Rne;

const SIGN_S: u32 = 0x8000_0000;
const SIGN_D: u64 = 0x8000_0000_0000_0000;

// ---------------------------------------------------------------------------
// Single precision (F).
// ---------------------------------------------------------------------------

/// FADD.S
pub fn add_s(a: u32, b: u32, rm: Rounding, flags: &mut u8) -> u32 {
    cs(rm, flags, Call::S2(sf::f32_add, a, b))
}
/// FSUB.S
pub fn sub_s(a: u32, b: u32, rm: Rounding, flags: &mut u8) -> u32 {
    cs(rm, flags, Call::S2(sf::f32_sub, a, b))
}
/// FMUL.S
pub fn mul_s(a: u32, b: u32, rm: Rounding, flags: &mut u8) -> u32 {
    cs(rm, flags, Call::S2(sf::f32_mul, a, b))
}
/// FDIV.S
pub fn div_s(a: u32, b: u32, rm: Rounding, flags: &mut u8) -> u32 {
    cs(rm, flags, Call::S2(sf::f32_div, a, b))
}
/// FSQRT.S
pub fn sqrt_s(a: u32, rm: Rounding, flags: &mut u8) -> u32 {
    cs(rm, flags, Call::S1(sf::f32_sqrt, a))
}
/// FMADD.S: a*b+c, rounded once.
pub fn madd_s(a: u32, b: u32, c: u32, rm: Rounding, flags: &mut u8) -> u32 {
    cs(rm, flags, Call::S3(sf::f32_mulAdd, a, b, c))
}
/// FMSUB.S: a*b-c, rounded once.
pub fn msub_s(a: u32, b: u32, c: u32, rm: Rounding, flags: &mut u8) -> u32 {
    madd_s(a, b, c ^ SIGN_S, rm, flags)
}
/// FNMSUB.S: -(a*b)+c, rounded once.
pub fn nmsub_s(a: u32, b: u32, c: u32, rm: Rounding, flags: &mut u8) -> u32 {
    madd_s(a ^ SIGN_S, b, c, rm, flags)
}
/// FNMADD.S: -(a*b)-c, rounded once.
pub fn nmadd_s(a: u32, b: u32, c: u32, rm: Rounding, flags: &mut u8) -> u32 {
    madd_s(a ^ SIGN_S, b, c ^ SIGN_S, rm, flags)
}

fn is_nan_s(a: u32) -> bool {
    a & !SIGN_S > 0x7f80_0000
}
fn is_snan_s(a: u32) -> bool {
    is_nan_s(a) && a & 0x0040_0000 == 0
}

/// FMIN.S (2.2+ minimumNumber): -0.0 < +0.0; one NaN gives the other operand, two
/// give the canonical NaN; NV if either is signaling.
pub fn min_s(a: u32, b: u32, flags: &mut u8) -> u32 {
    minmax_s(a, b, flags, true)
}
/// FMAX.S (2.2+ maximumNumber), see [`min_s`].
pub fn max_s(a: u32, b: u32, flags: &mut u8) -> u32 {
    minmax_s(a, b, flags, false)
}
fn minmax_s(a: u32, b: u32, flags: &mut u8, min: bool) -> u32 {
    if is_snan_s(a) || is_snan_s(b) {
        *flags |= NV;
    }
    match (is_nan_s(a), is_nan_s(b)) {
        (true, true) => CANONICAL_NAN_S,
        (true, false) => b,
        (false, true) => a,
        (false, false) => {
            let (x, y) = (f32::from_bits(a), f32::from_bits(b));
            if x == y {
                // Equal values have equal bits except for ±0: the min has the sign set.
                if min { a | b } else { a & b }
            } else if (x < y) == min {
                a
            } else {
                b
            }
        }
    }
}

/// FEQ.S: quiet, NV only for a signaling NaN.
pub fn eq_s(a: u32, b: u32, flags: &mut u8) -> bool {
    call(ANY, flags, Call::CmpS(sf::f32_eq, a, b)) != 0
}
/// FLT.S: signaling, NV for any NaN.
pub fn lt_s(a: u32, b: u32, flags: &mut u8) -> bool {
    call(ANY, flags, Call::CmpS(sf::f32_lt, a, b)) != 0
}
/// FLE.S: signaling, NV for any NaN.
pub fn le_s(a: u32, b: u32, flags: &mut u8) -> bool {
    call(ANY, flags, Call::CmpS(sf::f32_le, a, b)) != 0
}

/// FCLASS.S: the 10-bit class mask (bit 0 -inf ... bit 7 +inf, 8 sNaN, 9 qNaN).
pub fn class_s(a: u32) -> u64 {
    let exp = a >> 23 & 0xff;
    class(
        a >> 31 != 0,
        exp == 0xff,
        exp == 0,
        u64::from(a & 0x7f_ffff),
        0x40_0000,
    )
}

fn class(neg: bool, exp_max: bool, exp_zero: bool, frac: u64, quiet: u64) -> u64 {
    let bit = if exp_max {
        if frac == 0 {
            if neg { 0 } else { 7 }
        } else if frac & quiet != 0 {
            9
        } else {
            8
        }
    } else if exp_zero {
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

/// FCVT.W.S: the i32 result as u32 bits (NaN and +overflow give 0x7fff_ffff,
/// -overflow 0x8000_0000, with NV).
pub fn to_i32_s(a: u32, rm: Rounding, flags: &mut u8) -> u32 {
    call(rm, flags, Call::SToI(sf::f32_to_i32, a)) as u32
}
/// FCVT.WU.S (NaN and +overflow give 0xffff_ffff, negative overflow 0, with NV).
pub fn to_u32_s(a: u32, rm: Rounding, flags: &mut u8) -> u32 {
    call(rm, flags, Call::SToU(sf::f32_to_ui32, a)) as u32
}
/// FCVT.L.S: the i64 result as u64 bits.
pub fn to_i64_s(a: u32, rm: Rounding, flags: &mut u8) -> u64 {
    call(rm, flags, Call::SToI(sf::f32_to_i64, a))
}
/// FCVT.LU.S
pub fn to_u64_s(a: u32, rm: Rounding, flags: &mut u8) -> u64 {
    call(rm, flags, Call::SToU(sf::f32_to_ui64, a))
}
/// FCVT.S.W (via the 64-bit converter: same value, same rounding, same flags).
pub fn from_i32_s(x: i32, rm: Rounding, flags: &mut u8) -> u32 {
    from_i64_s(i64::from(x), rm, flags)
}
/// FCVT.S.WU
pub fn from_u32_s(x: u32, rm: Rounding, flags: &mut u8) -> u32 {
    from_u64_s(u64::from(x), rm, flags)
}
/// FCVT.S.L
pub fn from_i64_s(x: i64, rm: Rounding, flags: &mut u8) -> u32 {
    cs(rm, flags, Call::IToS(sf::i64_to_f32, x))
}
/// FCVT.S.LU
pub fn from_u64_s(x: u64, rm: Rounding, flags: &mut u8) -> u32 {
    cs(rm, flags, Call::UToS(sf::ui64_to_f32, x))
}

// ---------------------------------------------------------------------------
// Double precision (D).
// ---------------------------------------------------------------------------

/// FADD.D
pub fn add_d(a: u64, b: u64, rm: Rounding, flags: &mut u8) -> u64 {
    call(rm, flags, Call::D2(sf::f64_add, a, b))
}
/// FSUB.D
pub fn sub_d(a: u64, b: u64, rm: Rounding, flags: &mut u8) -> u64 {
    call(rm, flags, Call::D2(sf::f64_sub, a, b))
}
/// FMUL.D
pub fn mul_d(a: u64, b: u64, rm: Rounding, flags: &mut u8) -> u64 {
    call(rm, flags, Call::D2(sf::f64_mul, a, b))
}
/// FDIV.D
pub fn div_d(a: u64, b: u64, rm: Rounding, flags: &mut u8) -> u64 {
    call(rm, flags, Call::D2(sf::f64_div, a, b))
}
/// FSQRT.D
pub fn sqrt_d(a: u64, rm: Rounding, flags: &mut u8) -> u64 {
    call(rm, flags, Call::D1(sf::f64_sqrt, a))
}
/// FMADD.D: a*b+c, rounded once.
pub fn madd_d(a: u64, b: u64, c: u64, rm: Rounding, flags: &mut u8) -> u64 {
    call(rm, flags, Call::D3(sf::f64_mulAdd, a, b, c))
}
/// FMSUB.D: a*b-c, rounded once.
pub fn msub_d(a: u64, b: u64, c: u64, rm: Rounding, flags: &mut u8) -> u64 {
    madd_d(a, b, c ^ SIGN_D, rm, flags)
}
/// FNMSUB.D: -(a*b)+c, rounded once.
pub fn nmsub_d(a: u64, b: u64, c: u64, rm: Rounding, flags: &mut u8) -> u64 {
    madd_d(a ^ SIGN_D, b, c, rm, flags)
}
/// FNMADD.D: -(a*b)-c, rounded once.
pub fn nmadd_d(a: u64, b: u64, c: u64, rm: Rounding, flags: &mut u8) -> u64 {
    madd_d(a ^ SIGN_D, b, c ^ SIGN_D, rm, flags)
}

fn is_nan_d(a: u64) -> bool {
    a & !SIGN_D > 0x7ff0_0000_0000_0000
}
fn is_snan_d(a: u64) -> bool {
    is_nan_d(a) && a & 0x0008_0000_0000_0000 == 0
}

/// FMIN.D, see [`min_s`].
pub fn min_d(a: u64, b: u64, flags: &mut u8) -> u64 {
    minmax_d(a, b, flags, true)
}
/// FMAX.D, see [`min_s`].
pub fn max_d(a: u64, b: u64, flags: &mut u8) -> u64 {
    minmax_d(a, b, flags, false)
}
fn minmax_d(a: u64, b: u64, flags: &mut u8, min: bool) -> u64 {
    if is_snan_d(a) || is_snan_d(b) {
        *flags |= NV;
    }
    match (is_nan_d(a), is_nan_d(b)) {
        (true, true) => CANONICAL_NAN_D,
        (true, false) => b,
        (false, true) => a,
        (false, false) => {
            let (x, y) = (f64::from_bits(a), f64::from_bits(b));
            if x == y {
                if min { a | b } else { a & b }
            } else if (x < y) == min {
                a
            } else {
                b
            }
        }
    }
}

/// FEQ.D: quiet, NV only for a signaling NaN.
pub fn eq_d(a: u64, b: u64, flags: &mut u8) -> bool {
    call(ANY, flags, Call::CmpD(sf::f64_eq, a, b)) != 0
}
/// FLT.D: signaling, NV for any NaN.
pub fn lt_d(a: u64, b: u64, flags: &mut u8) -> bool {
    call(ANY, flags, Call::CmpD(sf::f64_lt, a, b)) != 0
}
/// FLE.D: signaling, NV for any NaN.
pub fn le_d(a: u64, b: u64, flags: &mut u8) -> bool {
    call(ANY, flags, Call::CmpD(sf::f64_le, a, b)) != 0
}

/// FCLASS.D: the 10-bit class mask.
pub fn class_d(a: u64) -> u64 {
    let exp = a >> 52 & 0x7ff;
    class(
        a >> 63 != 0,
        exp == 0x7ff,
        exp == 0,
        a & 0x000f_ffff_ffff_ffff,
        0x0008_0000_0000_0000,
    )
}

/// FCVT.W.D: the i32 result as u32 bits.
pub fn to_i32_d(a: u64, rm: Rounding, flags: &mut u8) -> u32 {
    call(rm, flags, Call::DToI(sf::f64_to_i32, a)) as u32
}
/// FCVT.WU.D
pub fn to_u32_d(a: u64, rm: Rounding, flags: &mut u8) -> u32 {
    call(rm, flags, Call::DToU(sf::f64_to_ui32, a)) as u32
}
/// FCVT.L.D: the i64 result as u64 bits.
pub fn to_i64_d(a: u64, rm: Rounding, flags: &mut u8) -> u64 {
    call(rm, flags, Call::DToI(sf::f64_to_i64, a))
}
/// FCVT.LU.D
pub fn to_u64_d(a: u64, rm: Rounding, flags: &mut u8) -> u64 {
    call(rm, flags, Call::DToU(sf::f64_to_ui64, a))
}
/// FCVT.D.W (always exact).
pub fn from_i32_d(x: i32, rm: Rounding, flags: &mut u8) -> u64 {
    from_i64_d(i64::from(x), rm, flags)
}
/// FCVT.D.WU (always exact).
pub fn from_u32_d(x: u32, rm: Rounding, flags: &mut u8) -> u64 {
    from_u64_d(u64::from(x), rm, flags)
}
/// FCVT.D.L
pub fn from_i64_d(x: i64, rm: Rounding, flags: &mut u8) -> u64 {
    call(rm, flags, Call::IToD(sf::i64_to_f64, x))
}
/// FCVT.D.LU
pub fn from_u64_d(x: u64, rm: Rounding, flags: &mut u8) -> u64 {
    call(rm, flags, Call::UToD(sf::ui64_to_f64, x))
}

/// FCVT.D.S (exact; NaN gives the canonical NaN, NV if signaling).
pub fn s_to_d(a: u32, flags: &mut u8) -> u64 {
    call(ANY, flags, Call::SToD(sf::f32_to_f64, a))
}
/// FCVT.S.D
pub fn d_to_s(a: u64, rm: Rounding, flags: &mut u8) -> u32 {
    cs(rm, flags, Call::DToS(sf::f64_to_f32, a))
}

// The per-mode tables are laid out by hand, one vector per call.
#[cfg(test)]
#[rustfmt::skip]
mod tests {
    use super::Rounding::{Rdn, Rmm, Rne, Rtz, Rup};
    use super::*;
    use std::fmt::Debug;

    /// The order of every `[_; 5]` table below.
    const MODES: [Rounding; 5] = [Rne, Rtz, Rdn, Rup, Rmm];

    // Single constants.
    const ONE: u32 = 0x3f80_0000;
    const NONE: u32 = 0xbf80_0000; // -1.0
    const TWO: u32 = 0x4000_0000;
    const THREE: u32 = 0x4040_0000;
    const HALF: u32 = 0x3f00_0000;
    const PZ: u32 = 0;
    const NZ: u32 = 0x8000_0000;
    const MAX: u32 = 0x7f7f_ffff;
    const NMAX: u32 = 0xff7f_ffff;
    const INF: u32 = 0x7f80_0000;
    const NINF: u32 = 0xff80_0000;
    const QNAN: u32 = CANONICAL_NAN_S;
    const QNAN_PAYLOAD: u32 = 0x7fc1_2345;
    const QNAN_NEG: u32 = 0xffc0_0000;
    const SNAN: u32 = 0x7f80_0001;
    const SNAN_NEG: u32 = 0xffa0_0000;
    const NANS_S: [u32; 5] = [QNAN, QNAN_PAYLOAD, QNAN_NEG, SNAN, SNAN_NEG];

    // Double constants.
    const ONE_D: u64 = 0x3ff0_0000_0000_0000;
    const NONE_D: u64 = 0xbff0_0000_0000_0000;
    const TWO_D: u64 = 0x4000_0000_0000_0000;
    const THREE_D: u64 = 0x4008_0000_0000_0000;
    const HALF_D: u64 = 0x3fe0_0000_0000_0000;
    const PZ_D: u64 = 0;
    const NZ_D: u64 = 0x8000_0000_0000_0000;
    const MAX_D: u64 = 0x7fef_ffff_ffff_ffff;
    const NMAX_D: u64 = 0xffef_ffff_ffff_ffff;
    const INF_D: u64 = 0x7ff0_0000_0000_0000;
    const NINF_D: u64 = 0xfff0_0000_0000_0000;
    const QNAN_D: u64 = CANONICAL_NAN_D;
    const QNAN_PAYLOAD_D: u64 = 0x7ff8_0000_dead_beef;
    const QNAN_NEG_D: u64 = 0xfff8_0000_0000_0000;
    const SNAN_D: u64 = 0x7ff0_0000_0000_0001;
    const SNAN_NEG_D: u64 = 0xfff4_0000_0000_0000;
    const NANS_D: [u64; 5] = [QNAN_D, QNAN_PAYLOAD_D, QNAN_NEG_D, SNAN_D, SNAN_NEG_D];

    const NXOF: u8 = NX | OF;
    const NXUF: u8 = NX | UF;

    fn fs(x: f32) -> u32 {
        x.to_bits()
    }
    fn fd(x: f64) -> u64 {
        x.to_bits()
    }
    /// The flags an operation on `nans` raises: NV iff one is signaling.
    fn nv_if_snan_s(nans: &[u32]) -> u8 {
        if nans.iter().any(|&x| is_snan_s(x)) { NV } else { 0 }
    }
    fn nv_if_snan_d(nans: &[u64]) -> u8 {
        if nans.iter().any(|&x| is_snan_d(x)) { NV } else { 0 }
    }

    /// Runs `op` in the five modes (order of `MODES`) and checks result and flags.
    #[track_caller]
    fn modes<T: PartialEq + Debug + Copy>(
        op: impl Fn(Rounding, &mut u8) -> T,
        want: [T; 5],
        flags: [u8; 5],
    ) {
        for (i, &rm) in MODES.iter().enumerate() {
            let mut f = 0;
            let got = op(rm, &mut f);
            assert!(
                got == want[i] && f == flags[i],
                "{rm:?}: got {got:#x?} flags {f:#x}, want {:#x?} flags {:#x}",
                want[i],
                flags[i]
            );
        }
    }
    /// Same result and flags in every mode.
    #[track_caller]
    fn all<T: PartialEq + Debug + Copy>(op: impl Fn(Rounding, &mut u8) -> T, want: T, flags: u8) {
        modes(op, [want; 5], [flags; 5]);
    }
    /// A mode-independent operation.
    #[track_caller]
    fn once<T: PartialEq + Debug + Copy>(op: impl FnOnce(&mut u8) -> T, want: T, flags: u8) {
        let mut f = 0;
        let got = op(&mut f);
        assert!(
            got == want && f == flags,
            "got {got:#x?} flags {f:#x}, want {want:#x?} flags {flags:#x}"
        );
    }

    #[test]
    fn rounding_from_bits() {
        for (i, rm) in MODES.iter().enumerate() {
            assert_eq!(Rounding::from_bits(i as u8), Some(*rm));
            assert_eq!(*rm as u8, i as u8);
        }
        for rm in 5..=255u8 {
            assert_eq!(Rounding::from_bits(rm), None);
        }
    }

    #[test]
    fn flag_bits_match_fcsr() {
        assert_eq!([NX, UF, OF, DZ, NV], [1, 2, 4, 8, 16]);
        assert_eq!(
            [sf::softfloat_flag_inexact, sf::softfloat_flag_underflow, sf::softfloat_flag_overflow],
            [NX, UF, OF]
        );
        assert_eq!([sf::softfloat_flag_infinite, sf::softfloat_flag_invalid], [DZ, NV]);
        assert_eq!(
            [
                sf::softfloat_round_near_even,
                sf::softfloat_round_minMag,
                sf::softfloat_round_min,
                sf::softfloat_round_max,
                sf::softfloat_round_near_maxMag
            ],
            [Rne as u8, Rtz as u8, Rdn as u8, Rup as u8, Rmm as u8]
        );
    }

    #[test]
    fn flags_are_ored_in_not_replaced() {
        let mut f = NV | DZ;
        assert_eq!(div_s(ONE, THREE, Rne, &mut f), 0x3eaa_aaab);
        assert_eq!(f, NV | DZ | NX);
        let mut f = OF;
        assert_eq!(add_d(ONE_D, ONE_D, Rne, &mut f), TWO_D);
        assert_eq!(f, OF);
        let mut f = UF;
        assert!(!lt_s(QNAN, ONE, &mut f));
        assert_eq!(f, UF | NV);
    }

    // ---- rounding of the basic operations -------------------------------------

    #[test]
    fn add_sub_s_modes() {
        // 0.1f + 0.2f: 40265319 * 2^-27, three bits too many: .75 of an ulp.
        modes(|rm, f| add_s(fs(0.1), fs(0.2), rm, f),
            [0x3e99_999a, 0x3e99_9999, 0x3e99_9999, 0x3e99_999a, 0x3e99_999a], [NX; 5]);
        modes(|rm, f| add_s(fs(-0.1), fs(-0.2), rm, f),
            [0xbe99_999a, 0xbe99_9999, 0xbe99_999a, 0xbe99_9999, 0xbe99_999a], [NX; 5]);
        // 1 + 2^-24: exactly halfway between 1 and 1+2^-23; RNE keeps the even 1.0, RMM goes away.
        modes(|rm, f| add_s(ONE, 0x3380_0000, rm, f),
            [ONE, ONE, ONE, 0x3f80_0001, 0x3f80_0001], [NX; 5]);
        modes(|rm, f| add_s(NONE, 0xb380_0000, rm, f),
            [NONE, NONE, 0xbf80_0001, NONE, 0xbf80_0001], [NX; 5]);
        // (1+2^-23) + 2^-24: halfway, and here even is upwards.
        modes(|rm, f| add_s(0x3f80_0001, 0x3380_0000, rm, f),
            [0x3f80_0002, 0x3f80_0001, 0x3f80_0001, 0x3f80_0002, 0x3f80_0002], [NX; 5]);
        // 1 - 2^-25: halfway between 1-2^-24 and 1.
        modes(|rm, f| sub_s(ONE, 0x3300_0000, rm, f),
            [ONE, 0x3f7f_ffff, 0x3f7f_ffff, ONE, ONE], [NX; 5]);
        all(|rm, f| add_s(ONE, TWO, rm, f), THREE, 0);
        all(|rm, f| sub_s(ONE, THREE, rm, f), 0xc000_0000, 0);
    }

    #[test]
    fn add_sub_d_modes() {
        // 0.1 + 0.2 = 0x4cccccccccccce * 2^-56: exactly halfway, even is upwards.
        modes(|rm, f| add_d(fd(0.1), fd(0.2), rm, f),
            [0x3fd3_3333_3333_3334, 0x3fd3_3333_3333_3333, 0x3fd3_3333_3333_3333,
             0x3fd3_3333_3333_3334, 0x3fd3_3333_3333_3334], [NX; 5]);
        modes(|rm, f| add_d(fd(-0.1), fd(-0.2), rm, f),
            [0xbfd3_3333_3333_3334, 0xbfd3_3333_3333_3333, 0xbfd3_3333_3333_3334,
             0xbfd3_3333_3333_3333, 0xbfd3_3333_3333_3334], [NX; 5]);
        // 1 + 2^-53: halfway.
        modes(|rm, f| add_d(ONE_D, 0x3ca0_0000_0000_0000, rm, f),
            [ONE_D, ONE_D, ONE_D, 0x3ff0_0000_0000_0001, 0x3ff0_0000_0000_0001], [NX; 5]);
        modes(|rm, f| add_d(NONE_D, 0xbca0_0000_0000_0000, rm, f),
            [NONE_D, NONE_D, 0xbff0_0000_0000_0001, NONE_D, 0xbff0_0000_0000_0001], [NX; 5]);
        // 1 - 2^-54: halfway between 1-2^-53 and 1.
        modes(|rm, f| sub_d(ONE_D, 0x3c90_0000_0000_0000, rm, f),
            [ONE_D, 0x3fef_ffff_ffff_ffff, 0x3fef_ffff_ffff_ffff, ONE_D, ONE_D], [NX; 5]);
        all(|rm, f| add_d(ONE_D, TWO_D, rm, f), THREE_D, 0);
        all(|rm, f| sub_d(ONE_D, THREE_D, rm, f), 0xc000_0000_0000_0000, 0);
    }

    #[test]
    fn mul_div_sqrt_s_modes() {
        // RNE(1/3) * 3 = 1 + 2^-25: a quarter ulp above 1.
        modes(|rm, f| mul_s(0x3eaa_aaab, THREE, rm, f),
            [ONE, ONE, ONE, 0x3f80_0001, ONE], [NX; 5]);
        modes(|rm, f| div_s(ONE, THREE, rm, f),
            [0x3eaa_aaab, 0x3eaa_aaaa, 0x3eaa_aaaa, 0x3eaa_aaab, 0x3eaa_aaab], [NX; 5]);
        modes(|rm, f| div_s(TWO, THREE, rm, f),
            [0x3f2a_aaab, 0x3f2a_aaaa, 0x3f2a_aaaa, 0x3f2a_aaab, 0x3f2a_aaab], [NX; 5]);
        modes(|rm, f| div_s(NONE, THREE, rm, f),
            [0xbeaa_aaab, 0xbeaa_aaaa, 0xbeaa_aaab, 0xbeaa_aaaa, 0xbeaa_aaab], [NX; 5]);
        modes(|rm, f| sqrt_s(TWO, rm, f),
            [0x3fb5_04f3, 0x3fb5_04f3, 0x3fb5_04f3, 0x3fb5_04f4, 0x3fb5_04f3], [NX; 5]);
        all(|rm, f| mul_s(THREE, HALF, rm, f), fs(1.5), 0);
        all(|rm, f| div_s(ONE, fs(4.0), rm, f), fs(0.25), 0);
        all(|rm, f| sqrt_s(fs(9.0), rm, f), THREE, 0);
    }

    #[test]
    fn mul_div_sqrt_d_modes() {
        // RNE(1/3) * 3 = 1 - 2^-54: halfway below 1.
        modes(|rm, f| mul_d(0x3fd5_5555_5555_5555, THREE_D, rm, f),
            [ONE_D, 0x3fef_ffff_ffff_ffff, 0x3fef_ffff_ffff_ffff, ONE_D, ONE_D], [NX; 5]);
        modes(|rm, f| div_d(ONE_D, THREE_D, rm, f),
            [0x3fd5_5555_5555_5555, 0x3fd5_5555_5555_5555, 0x3fd5_5555_5555_5555,
             0x3fd5_5555_5555_5556, 0x3fd5_5555_5555_5555], [NX; 5]);
        modes(|rm, f| div_d(TWO_D, THREE_D, rm, f),
            [0x3fe5_5555_5555_5555, 0x3fe5_5555_5555_5555, 0x3fe5_5555_5555_5555,
             0x3fe5_5555_5555_5556, 0x3fe5_5555_5555_5555], [NX; 5]);
        modes(|rm, f| div_d(NONE_D, THREE_D, rm, f),
            [0xbfd5_5555_5555_5555, 0xbfd5_5555_5555_5555, 0xbfd5_5555_5555_5556,
             0xbfd5_5555_5555_5555, 0xbfd5_5555_5555_5555], [NX; 5]);
        modes(|rm, f| sqrt_d(TWO_D, rm, f),
            [0x3ff6_a09e_667f_3bcd, 0x3ff6_a09e_667f_3bcc, 0x3ff6_a09e_667f_3bcc,
             0x3ff6_a09e_667f_3bcd, 0x3ff6_a09e_667f_3bcd], [NX; 5]);
        all(|rm, f| mul_d(THREE_D, HALF_D, rm, f), fd(1.5), 0);
        all(|rm, f| div_d(ONE_D, fd(4.0), rm, f), fd(0.25), 0);
        all(|rm, f| sqrt_d(fd(9.0), rm, f), THREE_D, 0);
    }

    // ---- overflow and underflow ---------------------------------------------

    #[test]
    fn overflow_s() {
        // Positive overflow: RTZ and RDN give MAX finite, the others +inf.
        modes(|rm, f| mul_s(MAX, TWO, rm, f), [INF, MAX, MAX, INF, INF], [NXOF; 5]);
        modes(|rm, f| add_s(MAX, MAX, rm, f), [INF, MAX, MAX, INF, INF], [NXOF; 5]);
        // Negative: RTZ and RUP give -MAX.
        modes(|rm, f| mul_s(NMAX, TWO, rm, f), [NINF, NMAX, NINF, NMAX, NINF], [NXOF; 5]);
        modes(|rm, f| div_s(NMAX, HALF, rm, f), [NINF, NMAX, NINF, NMAX, NINF], [NXOF; 5]);
        // MAX + half an ulp (2^103): overflows only in the modes that round it up;
        // RTZ/RDN round to MAX with no OF, as the unbounded-exponent result is MAX.
        modes(|rm, f| add_s(MAX, 0x7300_0000, rm, f),
            [INF, MAX, MAX, INF, INF], [NXOF, NX, NX, NXOF, NXOF]);
        all(|rm, f| mul_s(INF, TWO, rm, f), INF, 0);
    }

    #[test]
    fn overflow_d() {
        modes(|rm, f| mul_d(MAX_D, TWO_D, rm, f), [INF_D, MAX_D, MAX_D, INF_D, INF_D], [NXOF; 5]);
        modes(|rm, f| add_d(MAX_D, MAX_D, rm, f), [INF_D, MAX_D, MAX_D, INF_D, INF_D], [NXOF; 5]);
        modes(|rm, f| mul_d(NMAX_D, TWO_D, rm, f),
            [NINF_D, NMAX_D, NINF_D, NMAX_D, NINF_D], [NXOF; 5]);
        // MAX + 2^970 (half an ulp).
        modes(|rm, f| add_d(MAX_D, 0x7c90_0000_0000_0000, rm, f),
            [INF_D, MAX_D, MAX_D, INF_D, INF_D], [NXOF, NX, NX, NXOF, NXOF]);
        all(|rm, f| mul_d(NINF_D, TWO_D, rm, f), NINF_D, 0);
    }

    #[test]
    fn underflow_s() {
        // An exact subnormal result is tiny but not inexact: no UF.
        all(|rm, f| mul_s(0x0080_0000, HALF, rm, f), 0x0040_0000, 0);
        all(|rm, f| sub_s(0x0080_0001, 0x0080_0000, rm, f), 0x0000_0001, 0);
        // Halfway between two subnormals.
        modes(|rm, f| mul_s(0x0080_0001, HALF, rm, f),
            [0x0040_0000, 0x0040_0000, 0x0040_0000, 0x0040_0001, 0x0040_0001], [NXUF; 5]);
        // Half the smallest subnormal: to 0 or to it.
        modes(|rm, f| mul_s(0x0000_0001, HALF, rm, f), [PZ, PZ, PZ, 1, 1], [NXUF; 5]);
        modes(|rm, f| mul_s(0x8000_0001, HALF, rm, f),
            [NZ, NZ, 0x8000_0001, NZ, 0x8000_0001], [NXUF; 5]);
        // (1-2^-23) * (1+2^-23) * 2^-126 = (1-2^-46) * 2^-126. Rounded with an unbounded
        // exponent it is 2^-126 in RNE/RUP/RMM, so not tiny after rounding (RISC-V):
        // only NX. In RTZ/RDN it stays below 2^-126: tiny and inexact, UF.
        modes(|rm, f| mul_s(0x3f7f_fffe, 0x0080_0001, rm, f),
            [0x0080_0000, 0x007f_ffff, 0x007f_ffff, 0x0080_0000, 0x0080_0000],
            [NX, NXUF, NXUF, NX, NX]);
        modes(|rm, f| mul_s(0xbf7f_fffe, 0x0080_0001, rm, f),
            [0x8080_0000, 0x807f_ffff, 0x8080_0000, 0x807f_ffff, 0x8080_0000],
            [NX, NXUF, NX, NXUF, NX]);
        // A huge quotient's opposite: 1 / MAX is subnormal and inexact.
        modes(|rm, f| div_s(ONE, MAX, rm, f),
            [0x0020_0000, 0x0020_0000, 0x0020_0000, 0x0020_0001, 0x0020_0000], [NXUF; 5]);
    }

    #[test]
    fn underflow_d() {
        all(|rm, f| mul_d(0x0010_0000_0000_0000, HALF_D, rm, f), 0x0008_0000_0000_0000, 0);
        modes(|rm, f| mul_d(0x0010_0000_0000_0001, HALF_D, rm, f),
            [0x0008_0000_0000_0000, 0x0008_0000_0000_0000, 0x0008_0000_0000_0000,
             0x0008_0000_0000_0001, 0x0008_0000_0000_0001], [NXUF; 5]);
        modes(|rm, f| mul_d(1, HALF_D, rm, f), [PZ_D, PZ_D, PZ_D, 1, 1], [NXUF; 5]);
        // Tininess after rounding, as for singles.
        modes(|rm, f| mul_d(0x3fef_ffff_ffff_fffe, 0x0010_0000_0000_0001, rm, f),
            [0x0010_0000_0000_0000, 0x000f_ffff_ffff_ffff, 0x000f_ffff_ffff_ffff,
             0x0010_0000_0000_0000, 0x0010_0000_0000_0000],
            [NX, NXUF, NXUF, NX, NX]);
    }

    // ---- special cases: DZ, NV, signed zeros, NaNs ----------------------------

    #[test]
    fn divide_by_zero_and_invalid_s() {
        all(|rm, f| div_s(ONE, PZ, rm, f), INF, DZ);
        all(|rm, f| div_s(NONE, PZ, rm, f), NINF, DZ);
        all(|rm, f| div_s(ONE, NZ, rm, f), NINF, DZ);
        all(|rm, f| div_s(INF, PZ, rm, f), INF, 0); // inf/0 is exact, not DZ
        all(|rm, f| div_s(PZ, PZ, rm, f), QNAN, NV);
        all(|rm, f| div_s(INF, NINF, rm, f), QNAN, NV);
        all(|rm, f| add_s(INF, NINF, rm, f), QNAN, NV);
        all(|rm, f| sub_s(INF, INF, rm, f), QNAN, NV);
        all(|rm, f| mul_s(INF, PZ, rm, f), QNAN, NV);
        all(|rm, f| mul_s(NZ, NINF, rm, f), QNAN, NV);
        all(|rm, f| sqrt_s(NONE, rm, f), QNAN, NV);
        all(|rm, f| sqrt_s(NINF, rm, f), QNAN, NV);
        all(|rm, f| sqrt_s(0x8000_0001, rm, f), QNAN, NV);
        all(|rm, f| sqrt_s(NZ, rm, f), NZ, 0);
        all(|rm, f| sqrt_s(INF, rm, f), INF, 0);
        all(|rm, f| add_s(INF, INF, rm, f), INF, 0);
    }

    #[test]
    fn divide_by_zero_and_invalid_d() {
        all(|rm, f| div_d(ONE_D, PZ_D, rm, f), INF_D, DZ);
        all(|rm, f| div_d(NONE_D, PZ_D, rm, f), NINF_D, DZ);
        all(|rm, f| div_d(ONE_D, NZ_D, rm, f), NINF_D, DZ);
        all(|rm, f| div_d(NINF_D, PZ_D, rm, f), NINF_D, 0);
        all(|rm, f| div_d(PZ_D, NZ_D, rm, f), QNAN_D, NV);
        all(|rm, f| div_d(INF_D, INF_D, rm, f), QNAN_D, NV);
        all(|rm, f| add_d(NINF_D, INF_D, rm, f), QNAN_D, NV);
        all(|rm, f| sub_d(NINF_D, NINF_D, rm, f), QNAN_D, NV);
        all(|rm, f| mul_d(PZ_D, INF_D, rm, f), QNAN_D, NV);
        all(|rm, f| sqrt_d(NONE_D, rm, f), QNAN_D, NV);
        all(|rm, f| sqrt_d(NINF_D, rm, f), QNAN_D, NV);
        all(|rm, f| sqrt_d(NZ_D, rm, f), NZ_D, 0);
        all(|rm, f| sqrt_d(INF_D, rm, f), INF_D, 0);
    }

    #[test]
    fn signed_zeros_s() {
        // x + -x is +0 except in RDN, where it is -0.
        let rdn_neg = [PZ, PZ, NZ, PZ, PZ];
        modes(|rm, f| add_s(ONE, NONE, rm, f), rdn_neg, [0; 5]);
        modes(|rm, f| sub_s(THREE, THREE, rm, f), rdn_neg, [0; 5]);
        modes(|rm, f| add_s(PZ, NZ, rm, f), rdn_neg, [0; 5]);
        modes(|rm, f| sub_s(PZ, PZ, rm, f), rdn_neg, [0; 5]);
        all(|rm, f| add_s(NZ, NZ, rm, f), NZ, 0);
        all(|rm, f| sub_s(NZ, PZ, rm, f), NZ, 0);
        all(|rm, f| add_s(PZ, PZ, rm, f), PZ, 0);
        all(|rm, f| mul_s(NZ, THREE, rm, f), NZ, 0);
        all(|rm, f| mul_s(NZ, NONE, rm, f), PZ, 0);
        all(|rm, f| div_s(PZ, NONE, rm, f), NZ, 0);
        // A non-zero result that underflows to zero keeps its sign.
        modes(|rm, f| mul_s(0x8000_0001, 0x3e80_0000, rm, f),
            [NZ, NZ, 0x8000_0001, NZ, NZ], [NXUF; 5]);
    }

    #[test]
    fn signed_zeros_d() {
        let rdn_neg = [PZ_D, PZ_D, NZ_D, PZ_D, PZ_D];
        modes(|rm, f| add_d(ONE_D, NONE_D, rm, f), rdn_neg, [0; 5]);
        modes(|rm, f| sub_d(TWO_D, TWO_D, rm, f), rdn_neg, [0; 5]);
        modes(|rm, f| add_d(NZ_D, PZ_D, rm, f), rdn_neg, [0; 5]);
        all(|rm, f| add_d(NZ_D, NZ_D, rm, f), NZ_D, 0);
        all(|rm, f| mul_d(PZ_D, NONE_D, rm, f), NZ_D, 0);
        all(|rm, f| div_d(NZ_D, NONE_D, rm, f), PZ_D, 0);
    }

    #[test]
    fn nan_inputs_give_canonical_nan_s() {
        let others = [ONE, PZ, NZ, INF, NINF, 0x0000_0001, MAX];
        for n in NANS_S {
            for x in others {
                let fl = nv_if_snan_s(&[n]);
                for op in [add_s, sub_s, mul_s, div_s] {
                    all(|rm, f| op(n, x, rm, f), QNAN, fl);
                    all(|rm, f| op(x, n, rm, f), QNAN, fl);
                }
                all(|rm, f| madd_s(n, x, ONE, rm, f), QNAN, fl);
                all(|rm, f| msub_s(x, n, ONE, rm, f), QNAN, fl);
                all(|rm, f| nmadd_s(ONE, x, n, rm, f), QNAN, fl);
                all(|rm, f| nmsub_s(x, ONE, n, rm, f), QNAN, fl);
            }
            all(|rm, f| sqrt_s(n, rm, f), QNAN, nv_if_snan_s(&[n]));
            for m in NANS_S {
                let fl = nv_if_snan_s(&[n, m]);
                for op in [add_s, sub_s, mul_s, div_s] {
                    all(|rm, f| op(n, m, rm, f), QNAN, fl);
                }
                all(|rm, f| madd_s(n, m, n, rm, f), QNAN, fl);
            }
        }
    }

    #[test]
    fn nan_inputs_give_canonical_nan_d() {
        let others = [ONE_D, PZ_D, NZ_D, INF_D, NINF_D, 1, MAX_D];
        for n in NANS_D {
            for x in others {
                let fl = nv_if_snan_d(&[n]);
                for op in [add_d, sub_d, mul_d, div_d] {
                    all(|rm, f| op(n, x, rm, f), QNAN_D, fl);
                    all(|rm, f| op(x, n, rm, f), QNAN_D, fl);
                }
                all(|rm, f| madd_d(n, x, ONE_D, rm, f), QNAN_D, fl);
                all(|rm, f| msub_d(x, n, ONE_D, rm, f), QNAN_D, fl);
                all(|rm, f| nmadd_d(ONE_D, x, n, rm, f), QNAN_D, fl);
                all(|rm, f| nmsub_d(x, ONE_D, n, rm, f), QNAN_D, fl);
            }
            all(|rm, f| sqrt_d(n, rm, f), QNAN_D, nv_if_snan_d(&[n]));
            for m in NANS_D {
                let fl = nv_if_snan_d(&[n, m]);
                for op in [add_d, sub_d, mul_d, div_d] {
                    all(|rm, f| op(n, m, rm, f), QNAN_D, fl);
                }
                all(|rm, f| nmadd_d(m, n, m, rm, f), QNAN_D, fl);
            }
        }
    }

    // ---- fused multiply-add ---------------------------------------------------

    #[test]
    fn fma_s() {
        let a = 0x3f80_0800; // 1 + 2^-12; a*a = 1 + 2^-11 + 2^-24
        // One rounding: a*a - 1 = 2^-11 + 2^-24 exactly...
        all(|rm, f| madd_s(a, a, NONE, rm, f), 0x3a00_0400, 0);
        all(|rm, f| msub_s(a, a, ONE, rm, f), 0x3a00_0400, 0);
        all(|rm, f| nmsub_s(a, a, ONE, rm, f), 0xba00_0400, 0);
        all(|rm, f| nmadd_s(a, a, NONE, rm, f), 0xba00_0400, 0);
        // ...where a separate multiply then add loses the 2^-24.
        let mut f = 0;
        let p = mul_s(a, a, Rne, &mut f);
        assert_eq!((sub_s(p, ONE, Rne, &mut f), f), (0x3a00_0000, NX));
        // a*a + 1 = 2 + 2^-11 + 2^-24: a quarter ulp above 2 + 2^-11.
        modes(|rm, f| madd_s(a, a, ONE, rm, f),
            [0x4000_0800, 0x4000_0800, 0x4000_0800, 0x4000_0801, 0x4000_0800], [NX; 5]);
        modes(|rm, f| nmadd_s(a, a, ONE, rm, f),
            [0xc000_0800, 0xc000_0800, 0xc000_0801, 0xc000_0800, 0xc000_0800], [NX; 5]);
        modes(|rm, f| msub_s(a, a, NONE, rm, f),
            [0x4000_0800, 0x4000_0800, 0x4000_0800, 0x4000_0801, 0x4000_0800], [NX; 5]);
        modes(|rm, f| nmsub_s(a, a, NONE, rm, f),
            [0xc000_0800, 0xc000_0800, 0xc000_0801, 0xc000_0800, 0xc000_0800], [NX; 5]);
        // No intermediate overflow: MAX*2 - MAX = MAX.
        all(|rm, f| madd_s(MAX, TWO, NMAX, rm, f), MAX, 0);
        all(|rm, f| msub_s(MAX, TWO, MAX, rm, f), MAX, 0);
        // Signs of exact zeros: -0 + +0 is -0 only in RDN.
        let rdn_neg = [PZ, PZ, NZ, PZ, PZ];
        modes(|rm, f| madd_s(NONE, PZ, PZ, rm, f), rdn_neg, [0; 5]);
        modes(|rm, f| madd_s(ONE, PZ, NZ, rm, f), rdn_neg, [0; 5]);
        modes(|rm, f| msub_s(PZ, ONE, PZ, rm, f), rdn_neg, [0; 5]);
        modes(|rm, f| nmsub_s(ONE, PZ, PZ, rm, f), rdn_neg, [0; 5]);
        modes(|rm, f| madd_s(ONE, ONE, NONE, rm, f), rdn_neg, [0; 5]);
        all(|rm, f| nmadd_s(PZ, ONE, PZ, rm, f), NZ, 0); // -(+0) - (+0)
        all(|rm, f| nmsub_s(PZ, ONE, NZ, rm, f), NZ, 0); // -(+0) + (-0)
        modes(|rm, f| nmadd_s(NZ, ONE, PZ, rm, f), rdn_neg, [0; 5]); // -(-0) - (+0)
        // Invalid: 0*inf even with a quiet NaN addend; inf - inf.
        all(|rm, f| madd_s(INF, PZ, QNAN, rm, f), QNAN, NV);
        all(|rm, f| madd_s(PZ, NINF, QNAN_PAYLOAD, rm, f), QNAN, NV);
        all(|rm, f| nmadd_s(INF, PZ, QNAN_NEG, rm, f), QNAN, NV);
        all(|rm, f| madd_s(PZ, INF, ONE, rm, f), QNAN, NV);
        all(|rm, f| madd_s(INF, ONE, NINF, rm, f), QNAN, NV);
        all(|rm, f| msub_s(INF, ONE, INF, rm, f), QNAN, NV);
        all(|rm, f| nmsub_s(INF, ONE, INF, rm, f), QNAN, NV);
        all(|rm, f| nmadd_s(INF, ONE, NINF, rm, f), QNAN, NV);
        all(|rm, f| madd_s(ONE, ONE, SNAN, rm, f), QNAN, NV);
        all(|rm, f| madd_s(INF, ONE, INF, rm, f), INF, 0);
        all(|rm, f| nmadd_s(INF, ONE, INF, rm, f), NINF, 0);
        // Overflow through an FMA.
        modes(|rm, f| madd_s(MAX, TWO, ONE, rm, f), [INF, MAX, MAX, INF, INF], [NXOF; 5]);
    }

    #[test]
    fn fma_d() {
        let a = 0x3ff0_0000_0200_0000; // 1 + 2^-27; a*a = 1 + 2^-26 + 2^-54
        all(|rm, f| madd_d(a, a, NONE_D, rm, f), 0x3e50_0000_0100_0000, 0);
        all(|rm, f| msub_d(a, a, ONE_D, rm, f), 0x3e50_0000_0100_0000, 0);
        all(|rm, f| nmsub_d(a, a, ONE_D, rm, f), 0xbe50_0000_0100_0000, 0);
        all(|rm, f| nmadd_d(a, a, NONE_D, rm, f), 0xbe50_0000_0100_0000, 0);
        let mut f = 0;
        let p = mul_d(a, a, Rne, &mut f);
        assert_eq!((sub_d(p, ONE_D, Rne, &mut f), f), (0x3e50_0000_0000_0000, NX));
        modes(|rm, f| madd_d(a, a, ONE_D, rm, f),
            [0x4000_0000_0200_0000, 0x4000_0000_0200_0000, 0x4000_0000_0200_0000,
             0x4000_0000_0200_0001, 0x4000_0000_0200_0000], [NX; 5]);
        modes(|rm, f| nmadd_d(a, a, ONE_D, rm, f),
            [0xc000_0000_0200_0000, 0xc000_0000_0200_0000, 0xc000_0000_0200_0001,
             0xc000_0000_0200_0000, 0xc000_0000_0200_0000], [NX; 5]);
        all(|rm, f| madd_d(MAX_D, TWO_D, NMAX_D, rm, f), MAX_D, 0);
        let rdn_neg = [PZ_D, PZ_D, NZ_D, PZ_D, PZ_D];
        modes(|rm, f| madd_d(NONE_D, PZ_D, PZ_D, rm, f), rdn_neg, [0; 5]);
        modes(|rm, f| msub_d(ONE_D, ONE_D, ONE_D, rm, f), rdn_neg, [0; 5]);
        all(|rm, f| nmadd_d(PZ_D, ONE_D, PZ_D, rm, f), NZ_D, 0);
        all(|rm, f| madd_d(INF_D, PZ_D, QNAN_D, rm, f), QNAN_D, NV);
        all(|rm, f| nmsub_d(NZ_D, INF_D, QNAN_NEG_D, rm, f), QNAN_D, NV);
        all(|rm, f| madd_d(INF_D, NONE_D, INF_D, rm, f), QNAN_D, NV);
        all(|rm, f| madd_d(ONE_D, ONE_D, SNAN_D, rm, f), QNAN_D, NV);
        all(|rm, f| msub_d(INF_D, ONE_D, NINF_D, rm, f), INF_D, 0);
        modes(|rm, f| nmsub_d(MAX_D, TWO_D, NONE_D, rm, f),
            [NINF_D, NMAX_D, NINF_D, NMAX_D, NINF_D], [NXOF; 5]);
    }

    // ---- min/max, compares, class ---------------------------------------------

    #[test]
    fn min_max_s() {
        once(|f| min_s(ONE, TWO, f), ONE, 0);
        once(|f| max_s(ONE, TWO, f), TWO, 0);
        once(|f| min_s(TWO, NONE, f), NONE, 0);
        once(|f| max_s(NINF, MAX, f), MAX, 0);
        once(|f| min_s(NINF, MAX, f), NINF, 0);
        // -0.0 < +0.0, in either order.
        once(|f| min_s(NZ, PZ, f), NZ, 0);
        once(|f| min_s(PZ, NZ, f), NZ, 0);
        once(|f| max_s(NZ, PZ, f), PZ, 0);
        once(|f| max_s(PZ, NZ, f), PZ, 0);
        once(|f| max_s(NZ, NZ, f), NZ, 0);
        // One NaN: the other operand; NV only if it is signaling.
        once(|f| min_s(QNAN, ONE, f), ONE, 0);
        once(|f| min_s(ONE, QNAN_PAYLOAD, f), ONE, 0);
        once(|f| max_s(QNAN_NEG, NONE, f), NONE, 0);
        once(|f| max_s(INF, QNAN, f), INF, 0);
        once(|f| min_s(SNAN, ONE, f), ONE, NV);
        once(|f| max_s(NZ, SNAN_NEG, f), NZ, NV);
        // Two NaNs: the canonical NaN.
        once(|f| min_s(QNAN_PAYLOAD, QNAN_NEG, f), QNAN, 0);
        once(|f| max_s(QNAN_NEG, QNAN_NEG, f), QNAN, 0);
        once(|f| min_s(SNAN, QNAN_PAYLOAD, f), QNAN, NV);
        once(|f| max_s(QNAN, SNAN, f), QNAN, NV);
        once(|f| max_s(SNAN_NEG, SNAN, f), QNAN, NV);
    }

    #[test]
    fn min_max_d() {
        once(|f| min_d(ONE_D, TWO_D, f), ONE_D, 0);
        once(|f| max_d(ONE_D, TWO_D, f), TWO_D, 0);
        once(|f| min_d(NINF_D, NMAX_D, f), NINF_D, 0);
        once(|f| min_d(PZ_D, NZ_D, f), NZ_D, 0);
        once(|f| min_d(NZ_D, PZ_D, f), NZ_D, 0);
        once(|f| max_d(NZ_D, PZ_D, f), PZ_D, 0);
        once(|f| max_d(PZ_D, NZ_D, f), PZ_D, 0);
        once(|f| min_d(QNAN_D, ONE_D, f), ONE_D, 0);
        once(|f| max_d(NONE_D, QNAN_NEG_D, f), NONE_D, 0);
        once(|f| min_d(ONE_D, SNAN_D, f), ONE_D, NV);
        once(|f| max_d(SNAN_NEG_D, NINF_D, f), NINF_D, NV);
        once(|f| min_d(QNAN_PAYLOAD_D, QNAN_NEG_D, f), QNAN_D, 0);
        once(|f| max_d(SNAN_D, QNAN_D, f), QNAN_D, NV);
    }

    #[test]
    fn compares_s() {
        once(|f| eq_s(ONE, ONE, f), true, 0);
        once(|f| eq_s(NZ, PZ, f), true, 0);
        once(|f| eq_s(ONE, TWO, f), false, 0);
        once(|f| eq_s(INF, INF, f), true, 0);
        once(|f| lt_s(ONE, TWO, f), true, 0);
        once(|f| lt_s(TWO, ONE, f), false, 0);
        once(|f| lt_s(NZ, PZ, f), false, 0);
        once(|f| le_s(NZ, PZ, f), true, 0);
        once(|f| le_s(PZ, NZ, f), true, 0);
        once(|f| lt_s(NINF, INF, f), true, 0);
        once(|f| le_s(TWO, ONE, f), false, 0);
        // FEQ is quiet: NV only for signaling NaNs; FLT/FLE signal on any NaN.
        for n in NANS_S {
            let quiet = nv_if_snan_s(&[n]);
            once(|f| eq_s(n, ONE, f), false, quiet);
            once(|f| eq_s(ONE, n, f), false, quiet);
            once(|f| eq_s(n, n, f), false, quiet);
            once(|f| lt_s(n, ONE, f), false, NV);
            once(|f| lt_s(ONE, n, f), false, NV);
            once(|f| le_s(n, ONE, f), false, NV);
            once(|f| le_s(n, n, f), false, NV);
        }
    }

    #[test]
    fn compares_d() {
        once(|f| eq_d(ONE_D, ONE_D, f), true, 0);
        once(|f| eq_d(NZ_D, PZ_D, f), true, 0);
        once(|f| lt_d(ONE_D, TWO_D, f), true, 0);
        once(|f| lt_d(NZ_D, PZ_D, f), false, 0);
        once(|f| le_d(NZ_D, PZ_D, f), true, 0);
        once(|f| le_d(TWO_D, ONE_D, f), false, 0);
        for n in NANS_D {
            let quiet = nv_if_snan_d(&[n]);
            once(|f| eq_d(n, ONE_D, f), false, quiet);
            once(|f| eq_d(n, n, f), false, quiet);
            once(|f| lt_d(ONE_D, n, f), false, NV);
            once(|f| le_d(n, ONE_D, f), false, NV);
        }
    }

    #[test]
    fn fclass_all_ten_classes() {
        let s: [(u32, u32); 16] = [
            (NINF, 0),
            (NONE, 1),
            (NMAX, 1),
            (0x8000_0001, 2),
            (0x807f_ffff, 2),
            (NZ, 3),
            (PZ, 4),
            (0x0000_0001, 5),
            (0x007f_ffff, 5),
            (0x0080_0000, 6),
            (MAX, 6),
            (INF, 7),
            (SNAN, 8),
            (SNAN_NEG, 8),
            (QNAN, 9),
            (QNAN_NEG, 9),
        ];
        for (x, bit) in s {
            assert_eq!(class_s(x), 1 << bit, "{x:#x}");
        }
        assert_eq!(class_s(0x7fbf_ffff), 1 << 8);
        assert_eq!(class_s(QNAN_PAYLOAD), 1 << 9);
        let d: [(u64, u32); 16] = [
            (NINF_D, 0),
            (NONE_D, 1),
            (NMAX_D, 1),
            (0x8000_0000_0000_0001, 2),
            (0x800f_ffff_ffff_ffff, 2),
            (NZ_D, 3),
            (PZ_D, 4),
            (1, 5),
            (0x000f_ffff_ffff_ffff, 5),
            (0x0010_0000_0000_0000, 6),
            (MAX_D, 6),
            (INF_D, 7),
            (SNAN_D, 8),
            (SNAN_NEG_D, 8),
            (QNAN_D, 9),
            (QNAN_NEG_D, 9),
        ];
        for (x, bit) in d {
            assert_eq!(class_d(x), 1 << bit, "{x:#x}");
        }
        assert_eq!(class_d(0x7ff7_ffff_ffff_ffff), 1 << 8);
        assert_eq!(class_d(QNAN_PAYLOAD_D), 1 << 9);
        // A single's class is not the class of its bits read as the low half of a double.
        assert_eq!(class_d(u64::from(QNAN)), 1 << 5);
    }

    // ---- float -> integer -----------------------------------------------------

    #[test]
    fn to_int_rounding_s() {
        let i = |x: i32| x as u32;
        modes(|rm, f| to_i32_s(fs(2.5), rm, f), [2, 2, 2, 3, 3], [NX; 5]);
        modes(|rm, f| to_i32_s(fs(-2.5), rm, f), [i(-2), i(-2), i(-3), i(-2), i(-3)], [NX; 5]);
        modes(|rm, f| to_i32_s(fs(1.5), rm, f), [2, 1, 1, 2, 2], [NX; 5]);
        modes(|rm, f| to_i32_s(fs(0.5), rm, f), [0, 0, 0, 1, 1], [NX; 5]);
        modes(|rm, f| to_i32_s(fs(-0.5), rm, f), [0, 0, i(-1), 0, i(-1)], [NX; 5]);
        modes(|rm, f| to_i32_s(fs(-0.7), rm, f), [i(-1), 0, i(-1), 0, i(-1)], [NX; 5]);
        modes(|rm, f| to_u32_s(fs(2.5), rm, f), [2, 2, 2, 3, 3], [NX; 5]);
        modes(|rm, f| to_i64_s(fs(-2.5), rm, f),
            [-2i64 as u64, -2i64 as u64, -3i64 as u64, -2i64 as u64, -3i64 as u64], [NX; 5]);
        modes(|rm, f| to_u64_s(fs(3.5), rm, f), [4, 3, 3, 4, 4], [NX; 5]);
        all(|rm, f| to_i32_s(fs(-7.0), rm, f), i(-7), 0);
        all(|rm, f| to_u32_s(fs(3e9), rm, f), 3_000_000_000, 0);
        all(|rm, f| to_i32_s(NZ, rm, f), 0, 0);
        modes(|rm, f| to_i32_s(0x0000_0001, rm, f), [0, 0, 0, 1, 0], [NX; 5]);
        modes(|rm, f| to_i32_s(0x8000_0001, rm, f), [0, 0, i(-1), 0, 0], [NX; 5]);
    }

    #[test]
    fn to_int_rounding_d() {
        let i = |x: i32| x as u32;
        let l = |x: i64| x as u64;
        modes(|rm, f| to_i32_d(fd(2.5), rm, f), [2, 2, 2, 3, 3], [NX; 5]);
        modes(|rm, f| to_i32_d(fd(-2.5), rm, f), [i(-2), i(-2), i(-3), i(-2), i(-3)], [NX; 5]);
        modes(|rm, f| to_i32_d(fd(-0.5), rm, f), [0, 0, i(-1), 0, i(-1)], [NX; 5]);
        modes(|rm, f| to_u32_d(fd(0.5), rm, f), [0, 0, 0, 1, 1], [NX; 5]);
        modes(|rm, f| to_i64_d(fd(-1.5), rm, f), [l(-2), l(-1), l(-2), l(-1), l(-2)], [NX; 5]);
        modes(|rm, f| to_u64_d(fd(4.5), rm, f), [4, 4, 4, 5, 5], [NX; 5]);
        all(|rm, f| to_i64_d(fd(-123456789.0), rm, f), l(-123456789), 0);
        all(|rm, f| to_u32_d(NZ_D, rm, f), 0, 0);
    }

    #[test]
    fn to_int_saturation_s() {
        let l = |x: i64| x as u64;
        for n in NANS_S {
            // NaN of either sign -> the largest positive value, NV.
            all(|rm, f| to_i32_s(n, rm, f), 0x7fff_ffff, NV);
            all(|rm, f| to_u32_s(n, rm, f), u32::MAX, NV);
            all(|rm, f| to_i64_s(n, rm, f), l(i64::MAX), NV);
            all(|rm, f| to_u64_s(n, rm, f), u64::MAX, NV);
        }
        // +inf and positive overflow -> max; -inf and negative overflow -> min (0 unsigned).
        for big in [INF, MAX, fs(4294967296.0), fs(1e19)] {
            all(|rm, f| to_i32_s(big, rm, f), 0x7fff_ffff, NV);
            all(|rm, f| to_u32_s(big, rm, f), u32::MAX, NV);
        }
        for big in [INF, MAX, fs(18446744073709551616.0)] {
            all(|rm, f| to_i64_s(big, rm, f), l(i64::MAX), NV);
            all(|rm, f| to_u64_s(big, rm, f), u64::MAX, NV);
        }
        all(|rm, f| to_i32_s(fs(2147483648.0), rm, f), 0x7fff_ffff, NV);
        all(|rm, f| to_i64_s(fs(9223372036854775808.0), rm, f), l(i64::MAX), NV);
        for neg in [NINF, NMAX, fs(-1e19)] {
            all(|rm, f| to_i32_s(neg, rm, f), 0x8000_0000, NV);
            all(|rm, f| to_u32_s(neg, rm, f), 0, NV);
            all(|rm, f| to_i64_s(neg, rm, f), l(i64::MIN), NV);
            all(|rm, f| to_u64_s(neg, rm, f), 0, NV);
        }
        all(|rm, f| to_i32_s(fs(-2147483904.0), rm, f), 0x8000_0000, NV);
        // The extremes that fit are exact.
        all(|rm, f| to_i32_s(fs(-2147483648.0), rm, f), 0x8000_0000, 0);
        all(|rm, f| to_i32_s(0x4eff_ffff, rm, f), 0x7fff_ff80, 0);
        all(|rm, f| to_u32_s(0x4f7f_ffff, rm, f), 0xffff_ff00, 0);
        all(|rm, f| to_i64_s(fs(-9223372036854775808.0), rm, f), l(i64::MIN), 0);
        all(|rm, f| to_i64_s(0x5eff_ffff, rm, f), 0x7fff_ff80_0000_0000, 0);
        all(|rm, f| to_u64_s(0x5f7f_ffff, rm, f), 0xffff_ff00_0000_0000, 0);
        // Unsigned of a negative: invalid unless it rounds to zero.
        for neg_one in [NONE, fs(-1.5), fs(-3e9)] {
            all(|rm, f| to_u32_s(neg_one, rm, f), 0, NV);
            all(|rm, f| to_u64_s(neg_one, rm, f), 0, NV);
        }
        // -0.5 rounds to 0 (only NX) in RNE/RTZ/RUP, to -1 (NV, no NX) in RDN/RMM.
        modes(|rm, f| to_u32_s(fs(-0.5), rm, f), [0; 5], [NX, NX, NV, NX, NV]);
        modes(|rm, f| to_u64_s(fs(-0.5), rm, f), [0; 5], [NX, NX, NV, NX, NV]);
        modes(|rm, f| to_u32_s(fs(-0.7), rm, f), [0; 5], [NV, NX, NV, NX, NV]);
        modes(|rm, f| to_u64_s(0x8000_0001, rm, f), [0; 5], [NX, NX, NV, NX, NX]);
        all(|rm, f| to_u32_s(NZ, rm, f), 0, 0);
        all(|rm, f| to_u64_s(NZ, rm, f), 0, 0);
    }

    #[test]
    fn to_int_saturation_d() {
        let l = |x: i64| x as u64;
        for n in NANS_D {
            all(|rm, f| to_i32_d(n, rm, f), 0x7fff_ffff, NV);
            all(|rm, f| to_u32_d(n, rm, f), u32::MAX, NV);
            all(|rm, f| to_i64_d(n, rm, f), l(i64::MAX), NV);
            all(|rm, f| to_u64_d(n, rm, f), u64::MAX, NV);
        }
        for big in [INF_D, MAX_D, fd(1e10), fd(4294967296.0)] {
            all(|rm, f| to_i32_d(big, rm, f), 0x7fff_ffff, NV);
            all(|rm, f| to_u32_d(big, rm, f), u32::MAX, NV);
        }
        for big in [INF_D, MAX_D, fd(18446744073709551616.0)] {
            all(|rm, f| to_i64_d(big, rm, f), l(i64::MAX), NV);
            all(|rm, f| to_u64_d(big, rm, f), u64::MAX, NV);
        }
        all(|rm, f| to_i32_d(fd(2147483648.0), rm, f), 0x7fff_ffff, NV);
        all(|rm, f| to_i64_d(fd(9223372036854775808.0), rm, f), l(i64::MAX), NV);
        for neg in [NINF_D, NMAX_D, fd(-1e20)] {
            all(|rm, f| to_i32_d(neg, rm, f), 0x8000_0000, NV);
            all(|rm, f| to_u32_d(neg, rm, f), 0, NV);
            all(|rm, f| to_i64_d(neg, rm, f), l(i64::MIN), NV);
            all(|rm, f| to_u64_d(neg, rm, f), 0, NV);
        }
        all(|rm, f| to_i32_d(fd(-2147483649.0), rm, f), 0x8000_0000, NV);
        // Just beyond the i32/u32 range by half: the mode decides between NX and NV.
        modes(|rm, f| to_i32_d(fd(2147483647.5), rm, f), [0x7fff_ffff; 5], [NV, NX, NX, NV, NV]);
        modes(|rm, f| to_i32_d(fd(-2147483648.5), rm, f), [0x8000_0000; 5], [NX, NX, NV, NX, NV]);
        modes(|rm, f| to_u32_d(fd(4294967295.5), rm, f), [u32::MAX; 5], [NV, NX, NX, NV, NV]);
        modes(|rm, f| to_i32_d(fd(2147483646.5), rm, f),
            [0x7fff_fffe, 0x7fff_fffe, 0x7fff_fffe, 0x7fff_ffff, 0x7fff_ffff], [NX; 5]);
        // The extremes that fit are exact.
        all(|rm, f| to_i32_d(fd(2147483647.0), rm, f), 0x7fff_ffff, 0);
        all(|rm, f| to_i32_d(fd(-2147483648.0), rm, f), 0x8000_0000, 0);
        all(|rm, f| to_u32_d(fd(4294967295.0), rm, f), u32::MAX, 0);
        all(|rm, f| to_i64_d(fd(-9223372036854775808.0), rm, f), l(i64::MIN), 0);
        all(|rm, f| to_i64_d(0x43df_ffff_ffff_ffff, rm, f), 0x7fff_ffff_ffff_fc00, 0);
        all(|rm, f| to_u64_d(0x43ef_ffff_ffff_ffff, rm, f), 0xffff_ffff_ffff_f800, 0);
        for neg_one in [NONE_D, fd(-1.5), fd(-3e9)] {
            all(|rm, f| to_u32_d(neg_one, rm, f), 0, NV);
            all(|rm, f| to_u64_d(neg_one, rm, f), 0, NV);
        }
        modes(|rm, f| to_u32_d(fd(-0.5), rm, f), [0; 5], [NX, NX, NV, NX, NV]);
        modes(|rm, f| to_u64_d(fd(-0.5), rm, f), [0; 5], [NX, NX, NV, NX, NV]);
        modes(|rm, f| to_u64_d(fd(-0.25), rm, f), [0; 5], [NX, NX, NV, NX, NX]);
        all(|rm, f| to_u64_d(NZ_D, rm, f), 0, 0);
    }

    // ---- integer -> float -----------------------------------------------------

    #[test]
    fn from_int_s() {
        // i64::MAX = 2^63 - 1 lies between 2^63 - 2^39 and 2^63.
        modes(|rm, f| from_i64_s(i64::MAX, rm, f),
            [0x5f00_0000, 0x5eff_ffff, 0x5eff_ffff, 0x5f00_0000, 0x5f00_0000], [NX; 5]);
        modes(|rm, f| from_i64_s(-i64::MAX, rm, f),
            [0xdf00_0000, 0xdeff_ffff, 0xdf00_0000, 0xdeff_ffff, 0xdf00_0000], [NX; 5]);
        all(|rm, f| from_i64_s(i64::MIN, rm, f), 0xdf00_0000, 0);
        modes(|rm, f| from_u64_s(u64::MAX, rm, f),
            [0x5f80_0000, 0x5f7f_ffff, 0x5f7f_ffff, 0x5f80_0000, 0x5f80_0000], [NX; 5]);
        modes(|rm, f| from_i32_s(i32::MAX, rm, f),
            [0x4f00_0000, 0x4eff_ffff, 0x4eff_ffff, 0x4f00_0000, 0x4f00_0000], [NX; 5]);
        modes(|rm, f| from_i32_s(-i32::MAX, rm, f),
            [0xcf00_0000, 0xceff_ffff, 0xcf00_0000, 0xceff_ffff, 0xcf00_0000], [NX; 5]);
        all(|rm, f| from_i32_s(i32::MIN, rm, f), 0xcf00_0000, 0);
        modes(|rm, f| from_u32_s(u32::MAX, rm, f),
            [0x4f80_0000, 0x4f7f_ffff, 0x4f7f_ffff, 0x4f80_0000, 0x4f80_0000], [NX; 5]);
        // Ties: 2^24 + 1 (even is down) and 2^24 + 3 (even is up).
        modes(|rm, f| from_i32_s(16_777_217, rm, f),
            [0x4b80_0000, 0x4b80_0000, 0x4b80_0000, 0x4b80_0001, 0x4b80_0001], [NX; 5]);
        modes(|rm, f| from_i32_s(-16_777_217, rm, f),
            [0xcb80_0000, 0xcb80_0000, 0xcb80_0001, 0xcb80_0000, 0xcb80_0001], [NX; 5]);
        modes(|rm, f| from_u32_s(16_777_219, rm, f),
            [0x4b80_0002, 0x4b80_0001, 0x4b80_0001, 0x4b80_0002, 0x4b80_0002], [NX; 5]);
        modes(|rm, f| from_u64_s(16_777_219, rm, f),
            [0x4b80_0002, 0x4b80_0001, 0x4b80_0001, 0x4b80_0002, 0x4b80_0002], [NX; 5]);
        all(|rm, f| from_i32_s(16_777_216, rm, f), 0x4b80_0000, 0);
        all(|rm, f| from_i32_s(0, rm, f), PZ, 0); // +0, never -0
        all(|rm, f| from_i64_s(-1, rm, f), NONE, 0);
        all(|rm, f| from_u32_s(3, rm, f), THREE, 0);
    }

    #[test]
    fn from_int_d() {
        modes(|rm, f| from_i64_d(i64::MAX, rm, f),
            [0x43e0_0000_0000_0000, 0x43df_ffff_ffff_ffff, 0x43df_ffff_ffff_ffff,
             0x43e0_0000_0000_0000, 0x43e0_0000_0000_0000], [NX; 5]);
        modes(|rm, f| from_i64_d(-i64::MAX, rm, f),
            [0xc3e0_0000_0000_0000, 0xc3df_ffff_ffff_ffff, 0xc3e0_0000_0000_0000,
             0xc3df_ffff_ffff_ffff, 0xc3e0_0000_0000_0000], [NX; 5]);
        all(|rm, f| from_i64_d(i64::MIN, rm, f), 0xc3e0_0000_0000_0000, 0);
        modes(|rm, f| from_u64_d(u64::MAX, rm, f),
            [0x43f0_0000_0000_0000, 0x43ef_ffff_ffff_ffff, 0x43ef_ffff_ffff_ffff,
             0x43f0_0000_0000_0000, 0x43f0_0000_0000_0000], [NX; 5]);
        // 2^53 + 1: a tie.
        modes(|rm, f| from_i64_d((1 << 53) + 1, rm, f),
            [0x4340_0000_0000_0000, 0x4340_0000_0000_0000, 0x4340_0000_0000_0000,
             0x4340_0000_0000_0001, 0x4340_0000_0000_0001], [NX; 5]);
        modes(|rm, f| from_i64_d(-(1 << 53) - 1, rm, f),
            [0xc340_0000_0000_0000, 0xc340_0000_0000_0000, 0xc340_0000_0000_0001,
             0xc340_0000_0000_0000, 0xc340_0000_0000_0001], [NX; 5]);
        modes(|rm, f| from_u64_d((1 << 53) + 3, rm, f),
            [0x4340_0000_0000_0002, 0x4340_0000_0000_0001, 0x4340_0000_0000_0001,
             0x4340_0000_0000_0002, 0x4340_0000_0000_0002], [NX; 5]);
        // 32-bit integers always fit.
        all(|rm, f| from_i32_d(i32::MIN, rm, f), fd(-2147483648.0), 0);
        all(|rm, f| from_i32_d(i32::MAX, rm, f), fd(2147483647.0), 0);
        all(|rm, f| from_u32_d(u32::MAX, rm, f), fd(4294967295.0), 0);
        all(|rm, f| from_i32_d(0, rm, f), PZ_D, 0);
        all(|rm, f| from_u64_d(1 << 53, rm, f), 0x4340_0000_0000_0000, 0);
    }

    // ---- single <-> double ----------------------------------------------------

    #[test]
    fn single_to_double() {
        once(|f| s_to_d(ONE, f), ONE_D, 0);
        once(|f| s_to_d(fs(0.1), f), fd(f64::from(0.1f32)), 0);
        once(|f| s_to_d(0x0000_0001, f), 0x36a0_0000_0000_0000, 0); // 2^-149, exact
        once(|f| s_to_d(0x807f_ffff, f), fd(-f64::from(f32::from_bits(0x007f_ffff))), 0);
        once(|f| s_to_d(NZ, f), NZ_D, 0);
        once(|f| s_to_d(MAX, f), fd(f64::from(f32::MAX)), 0);
        once(|f| s_to_d(NINF, f), NINF_D, 0);
        for n in NANS_S {
            once(|f| s_to_d(n, f), QNAN_D, nv_if_snan_s(&[n]));
        }
    }

    #[test]
    fn double_to_single() {
        modes(|rm, f| d_to_s(fd(0.1), rm, f),
            [0x3dcc_cccd, 0x3dcc_cccc, 0x3dcc_cccc, 0x3dcc_cccd, 0x3dcc_cccd], [NX; 5]);
        modes(|rm, f| d_to_s(fd(-0.1), rm, f),
            [0xbdcc_cccd, 0xbdcc_cccc, 0xbdcc_cccd, 0xbdcc_cccc, 0xbdcc_cccd], [NX; 5]);
        // 1 + 2^-24: a tie.
        modes(|rm, f| d_to_s(0x3ff0_0000_1000_0000, rm, f),
            [ONE, ONE, ONE, 0x3f80_0001, 0x3f80_0001], [NX; 5]);
        modes(|rm, f| d_to_s(fd(1e300), rm, f), [INF, MAX, MAX, INF, INF], [NXOF; 5]);
        modes(|rm, f| d_to_s(fd(-1e300), rm, f), [NINF, NMAX, NINF, NMAX, NINF], [NXOF; 5]);
        modes(|rm, f| d_to_s(fd(1e-300), rm, f), [PZ, PZ, PZ, 1, PZ], [NXUF; 5]);
        modes(|rm, f| d_to_s(fd(-1e-300), rm, f), [NZ, NZ, 0x8000_0001, NZ, NZ], [NXUF; 5]);
        // 1.5 * 2^-149: halfway between the two smallest subnormals.
        modes(|rm, f| d_to_s(0x36a8_0000_0000_0000, rm, f), [2, 1, 1, 2, 2], [NXUF; 5]);
        // Exact subnormal: no UF.
        all(|rm, f| d_to_s(0x36a0_0000_0000_0000, rm, f), 1, 0);
        all(|rm, f| d_to_s(fd(1.5), rm, f), fs(1.5), 0);
        all(|rm, f| d_to_s(NZ_D, rm, f), NZ, 0);
        all(|rm, f| d_to_s(INF_D, rm, f), INF, 0);
        for n in NANS_D {
            all(|rm, f| d_to_s(n, rm, f), QNAN, nv_if_snan_d(&[n]));
        }
        // A single NaN-boxed in a double is just a NaN to d_to_s.
        all(|rm, f| d_to_s(0xffff_ffff_3f80_0000, rm, f), QNAN, 0);
    }

    // ---- concurrency ----------------------------------------------------------

    /// SoftFloat's mode and flags are C globals; they must be per thread. Four threads
    /// run mixed operations in different modes at once (each also cycling through the
    /// modes), and every result and flag set must be the one a lone thread gets.
    #[test]
    fn concurrent_threads_keep_their_own_mode_and_flags() {
        use std::sync::Barrier;
        const ITERS: usize = 100_000;
        let start = Barrier::new(4);
        std::thread::scope(|scope| {
            for t in 0..4usize {
                let start = &start;
                scope.spawn(move || {
                    start.wait();
                    for k in 0..ITERS {
                        let m = (t + k) % 5;
                        let rm = MODES[m];
                        let mut f = 0;
                        let r = div_s(ONE, THREE, rm, &mut f);
                        let want =
                            [0x3eaa_aaab, 0x3eaa_aaaa, 0x3eaa_aaaa, 0x3eaa_aaab, 0x3eaa_aaab];
                        assert_eq!((r, f), (want[m], NX), "thread {t} iter {k} {rm:?}");
                        let mut f = 0;
                        assert_eq!((add_s(TWO, TWO, rm, &mut f), f), (fs(4.0), 0), "thread {t}");
                        let mut f = 0;
                        let r = mul_s(MAX, TWO, rm, &mut f);
                        assert_eq!((r, f), ([INF, MAX, MAX, INF, INF][m], NXOF), "thread {t}");
                        let mut f = 0;
                        assert_eq!((sqrt_d(fd(9.0), rm, &mut f), f), (THREE_D, 0), "thread {t}");
                        let mut f = 0;
                        let r = div_d(NONE_D, THREE_D, rm, &mut f);
                        let want = [0xbfd5_5555_5555_5555, 0xbfd5_5555_5555_5555,
                            0xbfd5_5555_5555_5556, 0xbfd5_5555_5555_5555, 0xbfd5_5555_5555_5555];
                        assert_eq!((r, f), (want[m], NX), "thread {t}");
                        let mut f = 0;
                        let r = to_i32_s(fs(-2.5), rm, &mut f) as i32;
                        assert_eq!((r, f), ([-2, -2, -3, -2, -3][m], NX), "thread {t}");
                        let mut f = 0;
                        let r = from_i64_s(i64::MAX, rm, &mut f);
                        let want =
                            [0x5f00_0000, 0x5eff_ffff, 0x5eff_ffff, 0x5f00_0000, 0x5f00_0000];
                        assert_eq!((r, f), (want[m], NX), "thread {t}");
                        let mut f = 0;
                        assert_eq!((div_d(ONE_D, PZ_D, rm, &mut f), f), (INF_D, DZ), "thread {t}");
                        let mut f = 0;
                        assert_eq!((lt_s(QNAN, ONE, &mut f), f), (false, NV), "thread {t}");
                        let mut f = 0;
                        let r = mul_s(0x3f7f_fffe, 0x0080_0001, rm, &mut f);
                        let want = [(0x0080_0000, NX), (0x007f_ffff, NXUF), (0x007f_ffff, NXUF),
                            (0x0080_0000, NX), (0x0080_0000, NX)];
                        assert_eq!((r, f), want[m], "thread {t}");
                        let mut f = 0;
                        let r = add_d(ONE_D, NONE_D, rm, &mut f);
                        assert_eq!((r, f), (if rm == Rdn { NZ_D } else { PZ_D }, 0), "thread {t}");
                    }
                });
            }
        });
    }
}
