//! Tests of FMIN/FMAX, the comparisons and FCLASS.

use super::*;

// ---- min/max, compares, class ---------------------------------------------

#[test]
fn min_max_s() {
    once(|f| min::<S>(ONE, TWO, f), ONE, 0);
    once(|f| max::<S>(ONE, TWO, f), TWO, 0);
    once(|f| min::<S>(TWO, NONE, f), NONE, 0);
    once(|f| max::<S>(NINF, MAX, f), MAX, 0);
    once(|f| min::<S>(NINF, MAX, f), NINF, 0);
    // -0.0 < +0.0, in either order.
    once(|f| min::<S>(NZ, PZ, f), NZ, 0);
    once(|f| min::<S>(PZ, NZ, f), NZ, 0);
    once(|f| max::<S>(NZ, PZ, f), PZ, 0);
    once(|f| max::<S>(PZ, NZ, f), PZ, 0);
    once(|f| max::<S>(NZ, NZ, f), NZ, 0);
    // One NaN: the other operand; NV only if it is signaling.
    once(|f| min::<S>(QNAN, ONE, f), ONE, 0);
    once(|f| min::<S>(ONE, QNAN_PAYLOAD, f), ONE, 0);
    once(|f| max::<S>(QNAN_NEG, NONE, f), NONE, 0);
    once(|f| max::<S>(INF, QNAN, f), INF, 0);
    once(|f| min::<S>(SNAN, ONE, f), ONE, NV);
    once(|f| max::<S>(NZ, SNAN_NEG, f), NZ, NV);
    // Two NaNs: the canonical NaN.
    once(|f| min::<S>(QNAN_PAYLOAD, QNAN_NEG, f), QNAN, 0);
    once(|f| max::<S>(QNAN_NEG, QNAN_NEG, f), QNAN, 0);
    once(|f| min::<S>(SNAN, QNAN_PAYLOAD, f), QNAN, NV);
    once(|f| max::<S>(QNAN, SNAN, f), QNAN, NV);
    once(|f| max::<S>(SNAN_NEG, SNAN, f), QNAN, NV);
}

#[test]
fn min_max_d() {
    once(|f| min::<D>(ONE_D, TWO_D, f), ONE_D, 0);
    once(|f| max::<D>(ONE_D, TWO_D, f), TWO_D, 0);
    once(|f| min::<D>(NINF_D, NMAX_D, f), NINF_D, 0);
    once(|f| min::<D>(PZ_D, NZ_D, f), NZ_D, 0);
    once(|f| min::<D>(NZ_D, PZ_D, f), NZ_D, 0);
    once(|f| max::<D>(NZ_D, PZ_D, f), PZ_D, 0);
    once(|f| max::<D>(PZ_D, NZ_D, f), PZ_D, 0);
    once(|f| min::<D>(QNAN_D, ONE_D, f), ONE_D, 0);
    once(|f| max::<D>(NONE_D, QNAN_NEG_D, f), NONE_D, 0);
    once(|f| min::<D>(ONE_D, SNAN_D, f), ONE_D, NV);
    once(|f| max::<D>(SNAN_NEG_D, NINF_D, f), NINF_D, NV);
    once(|f| min::<D>(QNAN_PAYLOAD_D, QNAN_NEG_D, f), QNAN_D, 0);
    once(|f| max::<D>(SNAN_D, QNAN_D, f), QNAN_D, NV);
}

#[test]
fn compares_s() {
    once(|f| eq::<S>(ONE, ONE, f), true, 0);
    once(|f| eq::<S>(NZ, PZ, f), true, 0);
    once(|f| eq::<S>(ONE, TWO, f), false, 0);
    once(|f| eq::<S>(INF, INF, f), true, 0);
    once(|f| lt::<S>(ONE, TWO, f), true, 0);
    once(|f| lt::<S>(TWO, ONE, f), false, 0);
    once(|f| lt::<S>(NZ, PZ, f), false, 0);
    once(|f| le::<S>(NZ, PZ, f), true, 0);
    once(|f| le::<S>(PZ, NZ, f), true, 0);
    once(|f| lt::<S>(NINF, INF, f), true, 0);
    once(|f| le::<S>(TWO, ONE, f), false, 0);
    // FEQ is quiet: NV only for signaling NaNs; FLT/FLE signal on any NaN.
    for n in NANS_S {
        let quiet = nv_if_snan_s(&[n]);
        once(|f| eq::<S>(n, ONE, f), false, quiet);
        once(|f| eq::<S>(ONE, n, f), false, quiet);
        once(|f| eq::<S>(n, n, f), false, quiet);
        once(|f| lt::<S>(n, ONE, f), false, NV);
        once(|f| lt::<S>(ONE, n, f), false, NV);
        once(|f| le::<S>(n, ONE, f), false, NV);
        once(|f| le::<S>(n, n, f), false, NV);
    }
}

#[test]
fn compares_d() {
    once(|f| eq::<D>(ONE_D, ONE_D, f), true, 0);
    once(|f| eq::<D>(NZ_D, PZ_D, f), true, 0);
    once(|f| lt::<D>(ONE_D, TWO_D, f), true, 0);
    once(|f| lt::<D>(NZ_D, PZ_D, f), false, 0);
    once(|f| le::<D>(NZ_D, PZ_D, f), true, 0);
    once(|f| le::<D>(TWO_D, ONE_D, f), false, 0);
    for n in NANS_D {
        let quiet = nv_if_snan_d(&[n]);
        once(|f| eq::<D>(n, ONE_D, f), false, quiet);
        once(|f| eq::<D>(n, n, f), false, quiet);
        once(|f| lt::<D>(ONE_D, n, f), false, NV);
        once(|f| le::<D>(n, ONE_D, f), false, NV);
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
        assert_eq!(class::<S>(x), 1 << bit, "{x:#x}");
    }
    assert_eq!(class::<S>(0x7fbf_ffff), 1 << 8);
    assert_eq!(class::<S>(QNAN_PAYLOAD), 1 << 9);
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
        assert_eq!(class::<D>(x), 1 << bit, "{x:#x}");
    }
    assert_eq!(class::<D>(0x7ff7_ffff_ffff_ffff), 1 << 8);
    assert_eq!(class::<D>(QNAN_PAYLOAD_D), 1 << 9);
    // A single's class is not the class of its bits read as the low half of a double.
    assert_eq!(class::<D>(u64::from(QNAN)), 1 << 5);
}
