//! Tests of NaN-boxing, loads/stores, sign injection and FMV, and of the width
//! constants the generic code derives its bit work from.

use super::*;

/// Register images: boxed singles, an improperly boxed single, doubles.
const REGS: [u64; 8] = [
    0xffff_ffff_3f80_0000,
    0xffff_ffff_bf80_0000,
    0xffff_ffff_7fc1_2345,
    0xffff_fffe_3f80_0000, // upper half not all ones: not a boxed single
    0x0000_0000_3f80_0000,
    0x3ff0_0000_0000_0000,
    0xbff0_0000_0000_0000,
    0x8000_0000_0000_0000,
];

#[test]
fn width_constants() {
    assert_eq!((S::SIGN, S::EXP_MASK, S::QUIET, S::FRAC_MASK), (0x8000_0000, 0x7f80_0000, 0x40_0000, 0x7f_ffff));
    assert_eq!(
        (D::SIGN, D::EXP_MASK, D::QUIET, D::FRAC_MASK),
        (1 << 63, 0x7ff0_0000_0000_0000, 0x0008_0000_0000_0000, 0x000f_ffff_ffff_ffff)
    );
    // The canonical NaN: positive, exponent all ones, only the quiet bit set.
    assert_eq!(u64::from(S::CANONICAL_NAN), S::EXP_MASK | S::QUIET);
    assert_eq!(D::CANONICAL_NAN, D::EXP_MASK | D::QUIET);
    assert_eq!((S::NAN_BOX, D::NAN_BOX), (0xffff_ffff_0000_0000, 0));
}

#[test]
fn nan_boxing() {
    for r in REGS {
        // A single reads as its low half only when the upper half is all ones.
        let want = if r >> 32 == 0xffff_ffff { r as u32 } else { 0x7fc0_0000 };
        assert_eq!(unbox::<S>(r), want, "{r:#x}");
        // A double is the whole register.
        assert_eq!(unbox::<D>(r), r);
        assert_eq!(boxed::<D>(r), r);
        assert_eq!(boxed::<S>(r as u32), 0xffff_ffff_0000_0000 | (r & 0xffff_ffff));
    }
}

#[test]
fn loads_stores_and_fmv_move_bits() {
    for r in REGS {
        // Stores take the low bits as they are, boxed or not.
        assert_eq!(store::<S>(r), r as u32);
        assert_eq!(store::<D>(r), r);
        assert_eq!(load::<S>(r as u32), 0xffff_ffff_0000_0000 | (r & 0xffff_ffff));
        assert_eq!(load::<D>(r), r);
        // FMV.X.W sign-extends the low word, boxed or not; FMV.X.D copies.
        assert_eq!(to_x::<S>(r), r as u32 as i32 as i64 as u64);
        assert_eq!(to_x::<D>(r), r);
        assert_eq!(from_x::<S>(r), 0xffff_ffff_0000_0000 | (r & 0xffff_ffff));
        assert_eq!(from_x::<D>(r), r);
    }
}

#[test]
fn sign_injection() {
    for a in REGS {
        for b in REGS {
            let (s1, s2) = (a as u32, b as u32);
            assert_eq!(sgnj::<S>(s1, s2), (s1 & 0x7fff_ffff) | (s2 & 0x8000_0000));
            assert_eq!(sgnjn::<S>(s1, s2), (s1 & 0x7fff_ffff) | (!s2 & 0x8000_0000));
            assert_eq!(sgnjx::<S>(s1, s2), s1 ^ (s2 & 0x8000_0000));
            assert_eq!(sgnj::<D>(a, b), (a & !(1 << 63)) | (b & (1 << 63)));
            assert_eq!(sgnjn::<D>(a, b), (a & !(1 << 63)) | (!b & (1 << 63)));
            assert_eq!(sgnjx::<D>(a, b), a ^ (b & (1 << 63)));
        }
    }
}
