//! Unit tests of the FP operations: bit-exact results and flags in all five rounding
//! modes, shared constants and helpers here, one file per operation family.

mod arith;
mod compare;
mod convert;
mod moves;

use super::Rounding::{Rdn, Rmm, Rne, Rtz, Rup};
use super::*;
use softfloat_sys as sf;
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
const QNAN: u32 = S::CANONICAL_NAN;
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
const QNAN_D: u64 = D::CANONICAL_NAN;
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
    if nans.iter().any(|&x| is_snan::<S>(x)) { NV } else { 0 }
}
fn nv_if_snan_d(nans: &[u64]) -> u8 {
    if nans.iter().any(|&x| is_snan::<D>(x)) { NV } else { 0 }
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
    assert_eq!(div::<S>(ONE, THREE, Rne, &mut f), 0x3eaa_aaab);
    assert_eq!(f, NV | DZ | NX);
    let mut f = OF;
    assert_eq!(add::<D>(ONE_D, ONE_D, Rne, &mut f), TWO_D);
    assert_eq!(f, OF);
    let mut f = UF;
    assert!(!lt::<S>(QNAN, ONE, &mut f));
    assert_eq!(f, UF | NV);
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
                    let r = div::<S>(ONE, THREE, rm, &mut f);
                    let want =
                        [0x3eaa_aaab, 0x3eaa_aaaa, 0x3eaa_aaaa, 0x3eaa_aaab, 0x3eaa_aaab];
                    assert_eq!((r, f), (want[m], NX), "thread {t} iter {k} {rm:?}");
                    let mut f = 0;
                    assert_eq!((add::<S>(TWO, TWO, rm, &mut f), f), (fs(4.0), 0), "thread {t}");
                    let mut f = 0;
                    let r = mul::<S>(MAX, TWO, rm, &mut f);
                    assert_eq!((r, f), ([INF, MAX, MAX, INF, INF][m], NXOF), "thread {t}");
                    let mut f = 0;
                    assert_eq!((sqrt::<D>(fd(9.0), rm, &mut f), f), (THREE_D, 0), "thread {t}");
                    let mut f = 0;
                    let r = div::<D>(NONE_D, THREE_D, rm, &mut f);
                    let want = [0xbfd5_5555_5555_5555, 0xbfd5_5555_5555_5555,
                        0xbfd5_5555_5555_5556, 0xbfd5_5555_5555_5555, 0xbfd5_5555_5555_5555];
                    assert_eq!((r, f), (want[m], NX), "thread {t}");
                    let mut f = 0;
                    let r = to_i32::<S>(fs(-2.5), rm, &mut f) as i32;
                    assert_eq!((r, f), ([-2, -2, -3, -2, -3][m], NX), "thread {t}");
                    let mut f = 0;
                    let r = from_i64::<S>(i64::MAX, rm, &mut f);
                    let want =
                        [0x5f00_0000, 0x5eff_ffff, 0x5eff_ffff, 0x5f00_0000, 0x5f00_0000];
                    assert_eq!((r, f), (want[m], NX), "thread {t}");
                    let mut f = 0;
                    assert_eq!((div::<D>(ONE_D, PZ_D, rm, &mut f), f), (INF_D, DZ), "thread {t}");
                    let mut f = 0;
                    assert_eq!((lt::<S>(QNAN, ONE, &mut f), f), (false, NV), "thread {t}");
                    let mut f = 0;
                    let r = mul::<S>(0x3f7f_fffe, 0x0080_0001, rm, &mut f);
                    let want = [(0x0080_0000, NX), (0x007f_ffff, NXUF), (0x007f_ffff, NXUF),
                        (0x0080_0000, NX), (0x0080_0000, NX)];
                    assert_eq!((r, f), want[m], "thread {t}");
                    let mut f = 0;
                    let r = add::<D>(ONE_D, NONE_D, rm, &mut f);
                    assert_eq!((r, f), (if rm == Rdn { NZ_D } else { PZ_D }, 0), "thread {t}");
                }
            });
        }
    });
}
