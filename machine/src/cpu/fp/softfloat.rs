//! The one door to C: every SoftFloat call goes through here, with the rounding mode
//! set and the exception flags collected around it.
//!
//! SoftFloat keeps its rounding mode and exception flags in C globals; `softfloat-sys`
//! builds them `_Thread_local` (its build.rs defines `THREAD_LOCAL`), so each host
//! thread has its own copy and no lock is needed: one operation sets the mode, clears
//! the flags, computes and reads the flags back, all on the calling thread.

use super::rounding::Rounding;
use super::width::{Bin, Cmp, FromInt, Tern, ToInt, Un, Width};
use softfloat_sys as sf;
use softfloat_sys::{float32_t, float64_t};

/// Runs `compute` (one SoftFloat call) in rounding mode `rm` and ORs the flags it
/// raised into `flags`.
#[inline(always)]
fn run<R>(rm: Rounding, flags: &mut u8, compute: impl FnOnce() -> R) -> R {
    // SAFETY: the two helpers write SoftFloat's `_Thread_local` mode and flags; `rm`
    // is a valid mode 0..=4. No memory of ours is touched.
    unsafe {
        sf::softfloat_roundingMode_write_helper(rm as u8);
        sf::softfloat_exceptionFlags_write_helper(0);
    }
    let r = compute();
    // SAFETY: reads the calling thread's flags, written only by `compute` above.
    *flags |= unsafe { sf::softfloat_exceptionFlags_read_helper() } & 0x1f;
    r
}

// SAFETY (every `unsafe` call below): each function pointer is a SoftFloat entry
// point named in `Width`'s impls with exactly its C signature (the coercion to the
// `width.rs` pointer types checks it); they take their operands by value, touch no
// memory of ours and have no preconditions: every bit pattern is a valid operand and
// the mode passed is a valid `Rounding`.

/// `f(a)` on width `W`.
#[inline(always)]
pub(super) fn un<W: Width>(rm: Rounding, flags: &mut u8, f: Un<W::Soft>, a: W::Bits) -> W::Bits {
    run(rm, flags, || W::bits(unsafe { f(W::soft(a)) }))
}

/// `f(a, b)` on width `W`.
#[inline(always)]
pub(super) fn bin<W: Width>(
    rm: Rounding,
    flags: &mut u8,
    f: Bin<W::Soft>,
    a: W::Bits,
    b: W::Bits,
) -> W::Bits {
    run(rm, flags, || W::bits(unsafe { f(W::soft(a), W::soft(b)) }))
}

/// `f(a, b, c)` on width `W`.
#[inline(always)]
pub(super) fn tern<W: Width>(
    rm: Rounding,
    flags: &mut u8,
    f: Tern<W::Soft>,
    a: W::Bits,
    b: W::Bits,
    c: W::Bits,
) -> W::Bits {
    run(rm, flags, || W::bits(unsafe { f(W::soft(a), W::soft(b), W::soft(c)) }))
}

/// A comparison; its result does not depend on the rounding mode.
#[inline(always)]
pub(super) fn cmp<W: Width>(flags: &mut u8, f: Cmp<W::Soft>, a: W::Bits, b: W::Bits) -> bool {
    run(Rounding::Rne, flags, || unsafe { f(W::soft(a), W::soft(b)) })
}

/// A float-to-integer conversion, its result as two's complement bits.
#[inline(always)]
pub(super) fn to_int<W: Width, I: Into<i128>>(
    rm: Rounding,
    flags: &mut u8,
    f: ToInt<W::Soft, I>,
    a: W::Bits,
) -> u64 {
    run(rm, flags, || unsafe { f(W::soft(a), rm as u8, true) }.into() as u64)
}

/// An integer-to-float conversion.
#[inline(always)]
pub(super) fn from_int<W: Width, I>(
    rm: Rounding,
    flags: &mut u8,
    f: FromInt<I, W::Soft>,
    x: I,
) -> W::Bits {
    run(rm, flags, || W::bits(unsafe { f(x) }))
}

/// binary32 to binary64 (exact; the mode does not matter).
#[inline(always)]
pub(super) fn s_to_d(flags: &mut u8, a: u32) -> u64 {
    run(Rounding::Rne, flags, || unsafe { sf::f32_to_f64(float32_t { v: a }) }.v)
}

/// binary64 to binary32, rounded in `rm`.
#[inline(always)]
pub(super) fn d_to_s(rm: Rounding, flags: &mut u8, a: u64) -> u32 {
    run(rm, flags, || unsafe { sf::f64_to_f32(float64_t { v: a }) }.v)
}
