//! Tests of the rounded arithmetic: modes, overflow/underflow, special values, FMA.

use super::*;

// ---- rounding of the basic operations -------------------------------------

#[test]
fn add_sub_s_modes() {
    // 0.1f + 0.2f: 40265319 * 2^-27, three bits too many: .75 of an ulp.
    modes(|rm, f| add::<S>(fs(0.1), fs(0.2), rm, f),
        [0x3e99_999a, 0x3e99_9999, 0x3e99_9999, 0x3e99_999a, 0x3e99_999a], [NX; 5]);
    modes(|rm, f| add::<S>(fs(-0.1), fs(-0.2), rm, f),
        [0xbe99_999a, 0xbe99_9999, 0xbe99_999a, 0xbe99_9999, 0xbe99_999a], [NX; 5]);
    // 1 + 2^-24: exactly halfway between 1 and 1+2^-23; RNE keeps the even 1.0, RMM goes away.
    modes(|rm, f| add::<S>(ONE, 0x3380_0000, rm, f),
        [ONE, ONE, ONE, 0x3f80_0001, 0x3f80_0001], [NX; 5]);
    modes(|rm, f| add::<S>(NONE, 0xb380_0000, rm, f),
        [NONE, NONE, 0xbf80_0001, NONE, 0xbf80_0001], [NX; 5]);
    // (1+2^-23) + 2^-24: halfway, and here even is upwards.
    modes(|rm, f| add::<S>(0x3f80_0001, 0x3380_0000, rm, f),
        [0x3f80_0002, 0x3f80_0001, 0x3f80_0001, 0x3f80_0002, 0x3f80_0002], [NX; 5]);
    // 1 - 2^-25: halfway between 1-2^-24 and 1.
    modes(|rm, f| sub::<S>(ONE, 0x3300_0000, rm, f),
        [ONE, 0x3f7f_ffff, 0x3f7f_ffff, ONE, ONE], [NX; 5]);
    all(|rm, f| add::<S>(ONE, TWO, rm, f), THREE, 0);
    all(|rm, f| sub::<S>(ONE, THREE, rm, f), 0xc000_0000, 0);
}

#[test]
fn add_sub_d_modes() {
    // 0.1 + 0.2 = 0x4cccccccccccce * 2^-56: exactly halfway, even is upwards.
    modes(|rm, f| add::<D>(fd(0.1), fd(0.2), rm, f),
        [0x3fd3_3333_3333_3334, 0x3fd3_3333_3333_3333, 0x3fd3_3333_3333_3333,
         0x3fd3_3333_3333_3334, 0x3fd3_3333_3333_3334], [NX; 5]);
    modes(|rm, f| add::<D>(fd(-0.1), fd(-0.2), rm, f),
        [0xbfd3_3333_3333_3334, 0xbfd3_3333_3333_3333, 0xbfd3_3333_3333_3334,
         0xbfd3_3333_3333_3333, 0xbfd3_3333_3333_3334], [NX; 5]);
    // 1 + 2^-53: halfway.
    modes(|rm, f| add::<D>(ONE_D, 0x3ca0_0000_0000_0000, rm, f),
        [ONE_D, ONE_D, ONE_D, 0x3ff0_0000_0000_0001, 0x3ff0_0000_0000_0001], [NX; 5]);
    modes(|rm, f| add::<D>(NONE_D, 0xbca0_0000_0000_0000, rm, f),
        [NONE_D, NONE_D, 0xbff0_0000_0000_0001, NONE_D, 0xbff0_0000_0000_0001], [NX; 5]);
    // 1 - 2^-54: halfway between 1-2^-53 and 1.
    modes(|rm, f| sub::<D>(ONE_D, 0x3c90_0000_0000_0000, rm, f),
        [ONE_D, 0x3fef_ffff_ffff_ffff, 0x3fef_ffff_ffff_ffff, ONE_D, ONE_D], [NX; 5]);
    all(|rm, f| add::<D>(ONE_D, TWO_D, rm, f), THREE_D, 0);
    all(|rm, f| sub::<D>(ONE_D, THREE_D, rm, f), 0xc000_0000_0000_0000, 0);
}

#[test]
fn mul_div_sqrt_s_modes() {
    // RNE(1/3) * 3 = 1 + 2^-25: a quarter ulp above 1.
    modes(|rm, f| mul::<S>(0x3eaa_aaab, THREE, rm, f),
        [ONE, ONE, ONE, 0x3f80_0001, ONE], [NX; 5]);
    modes(|rm, f| div::<S>(ONE, THREE, rm, f),
        [0x3eaa_aaab, 0x3eaa_aaaa, 0x3eaa_aaaa, 0x3eaa_aaab, 0x3eaa_aaab], [NX; 5]);
    modes(|rm, f| div::<S>(TWO, THREE, rm, f),
        [0x3f2a_aaab, 0x3f2a_aaaa, 0x3f2a_aaaa, 0x3f2a_aaab, 0x3f2a_aaab], [NX; 5]);
    modes(|rm, f| div::<S>(NONE, THREE, rm, f),
        [0xbeaa_aaab, 0xbeaa_aaaa, 0xbeaa_aaab, 0xbeaa_aaaa, 0xbeaa_aaab], [NX; 5]);
    modes(|rm, f| sqrt::<S>(TWO, rm, f),
        [0x3fb5_04f3, 0x3fb5_04f3, 0x3fb5_04f3, 0x3fb5_04f4, 0x3fb5_04f3], [NX; 5]);
    all(|rm, f| mul::<S>(THREE, HALF, rm, f), fs(1.5), 0);
    all(|rm, f| div::<S>(ONE, fs(4.0), rm, f), fs(0.25), 0);
    all(|rm, f| sqrt::<S>(fs(9.0), rm, f), THREE, 0);
}

#[test]
fn mul_div_sqrt_d_modes() {
    // RNE(1/3) * 3 = 1 - 2^-54: halfway below 1.
    modes(|rm, f| mul::<D>(0x3fd5_5555_5555_5555, THREE_D, rm, f),
        [ONE_D, 0x3fef_ffff_ffff_ffff, 0x3fef_ffff_ffff_ffff, ONE_D, ONE_D], [NX; 5]);
    modes(|rm, f| div::<D>(ONE_D, THREE_D, rm, f),
        [0x3fd5_5555_5555_5555, 0x3fd5_5555_5555_5555, 0x3fd5_5555_5555_5555,
         0x3fd5_5555_5555_5556, 0x3fd5_5555_5555_5555], [NX; 5]);
    modes(|rm, f| div::<D>(TWO_D, THREE_D, rm, f),
        [0x3fe5_5555_5555_5555, 0x3fe5_5555_5555_5555, 0x3fe5_5555_5555_5555,
         0x3fe5_5555_5555_5556, 0x3fe5_5555_5555_5555], [NX; 5]);
    modes(|rm, f| div::<D>(NONE_D, THREE_D, rm, f),
        [0xbfd5_5555_5555_5555, 0xbfd5_5555_5555_5555, 0xbfd5_5555_5555_5556,
         0xbfd5_5555_5555_5555, 0xbfd5_5555_5555_5555], [NX; 5]);
    modes(|rm, f| sqrt::<D>(TWO_D, rm, f),
        [0x3ff6_a09e_667f_3bcd, 0x3ff6_a09e_667f_3bcc, 0x3ff6_a09e_667f_3bcc,
         0x3ff6_a09e_667f_3bcd, 0x3ff6_a09e_667f_3bcd], [NX; 5]);
    all(|rm, f| mul::<D>(THREE_D, HALF_D, rm, f), fd(1.5), 0);
    all(|rm, f| div::<D>(ONE_D, fd(4.0), rm, f), fd(0.25), 0);
    all(|rm, f| sqrt::<D>(fd(9.0), rm, f), THREE_D, 0);
}

// ---- overflow and underflow ---------------------------------------------

#[test]
fn overflow_s() {
    // Positive overflow: RTZ and RDN give MAX finite, the others +inf.
    modes(|rm, f| mul::<S>(MAX, TWO, rm, f), [INF, MAX, MAX, INF, INF], [NXOF; 5]);
    modes(|rm, f| add::<S>(MAX, MAX, rm, f), [INF, MAX, MAX, INF, INF], [NXOF; 5]);
    // Negative: RTZ and RUP give -MAX.
    modes(|rm, f| mul::<S>(NMAX, TWO, rm, f), [NINF, NMAX, NINF, NMAX, NINF], [NXOF; 5]);
    modes(|rm, f| div::<S>(NMAX, HALF, rm, f), [NINF, NMAX, NINF, NMAX, NINF], [NXOF; 5]);
    // MAX + half an ulp (2^103): overflows only in the modes that round it up;
    // RTZ/RDN round to MAX with no OF, as the unbounded-exponent result is MAX.
    modes(|rm, f| add::<S>(MAX, 0x7300_0000, rm, f),
        [INF, MAX, MAX, INF, INF], [NXOF, NX, NX, NXOF, NXOF]);
    all(|rm, f| mul::<S>(INF, TWO, rm, f), INF, 0);
}

#[test]
fn overflow_d() {
    modes(|rm, f| mul::<D>(MAX_D, TWO_D, rm, f), [INF_D, MAX_D, MAX_D, INF_D, INF_D], [NXOF; 5]);
    modes(|rm, f| add::<D>(MAX_D, MAX_D, rm, f), [INF_D, MAX_D, MAX_D, INF_D, INF_D], [NXOF; 5]);
    modes(|rm, f| mul::<D>(NMAX_D, TWO_D, rm, f),
        [NINF_D, NMAX_D, NINF_D, NMAX_D, NINF_D], [NXOF; 5]);
    // MAX + 2^970 (half an ulp).
    modes(|rm, f| add::<D>(MAX_D, 0x7c90_0000_0000_0000, rm, f),
        [INF_D, MAX_D, MAX_D, INF_D, INF_D], [NXOF, NX, NX, NXOF, NXOF]);
    all(|rm, f| mul::<D>(NINF_D, TWO_D, rm, f), NINF_D, 0);
}

#[test]
fn underflow_s() {
    // An exact subnormal result is tiny but not inexact: no UF.
    all(|rm, f| mul::<S>(0x0080_0000, HALF, rm, f), 0x0040_0000, 0);
    all(|rm, f| sub::<S>(0x0080_0001, 0x0080_0000, rm, f), 0x0000_0001, 0);
    // Halfway between two subnormals.
    modes(|rm, f| mul::<S>(0x0080_0001, HALF, rm, f),
        [0x0040_0000, 0x0040_0000, 0x0040_0000, 0x0040_0001, 0x0040_0001], [NXUF; 5]);
    // Half the smallest subnormal: to 0 or to it.
    modes(|rm, f| mul::<S>(0x0000_0001, HALF, rm, f), [PZ, PZ, PZ, 1, 1], [NXUF; 5]);
    modes(|rm, f| mul::<S>(0x8000_0001, HALF, rm, f),
        [NZ, NZ, 0x8000_0001, NZ, 0x8000_0001], [NXUF; 5]);
    // (1-2^-23) * (1+2^-23) * 2^-126 = (1-2^-46) * 2^-126. Rounded with an unbounded
    // exponent it is 2^-126 in RNE/RUP/RMM, so not tiny after rounding (RISC-V):
    // only NX. In RTZ/RDN it stays below 2^-126: tiny and inexact, UF.
    modes(|rm, f| mul::<S>(0x3f7f_fffe, 0x0080_0001, rm, f),
        [0x0080_0000, 0x007f_ffff, 0x007f_ffff, 0x0080_0000, 0x0080_0000],
        [NX, NXUF, NXUF, NX, NX]);
    modes(|rm, f| mul::<S>(0xbf7f_fffe, 0x0080_0001, rm, f),
        [0x8080_0000, 0x807f_ffff, 0x8080_0000, 0x807f_ffff, 0x8080_0000],
        [NX, NXUF, NX, NXUF, NX]);
    // A huge quotient's opposite: 1 / MAX is subnormal and inexact.
    modes(|rm, f| div::<S>(ONE, MAX, rm, f),
        [0x0020_0000, 0x0020_0000, 0x0020_0000, 0x0020_0001, 0x0020_0000], [NXUF; 5]);
}

#[test]
fn underflow_d() {
    all(|rm, f| mul::<D>(0x0010_0000_0000_0000, HALF_D, rm, f), 0x0008_0000_0000_0000, 0);
    modes(|rm, f| mul::<D>(0x0010_0000_0000_0001, HALF_D, rm, f),
        [0x0008_0000_0000_0000, 0x0008_0000_0000_0000, 0x0008_0000_0000_0000,
         0x0008_0000_0000_0001, 0x0008_0000_0000_0001], [NXUF; 5]);
    modes(|rm, f| mul::<D>(1, HALF_D, rm, f), [PZ_D, PZ_D, PZ_D, 1, 1], [NXUF; 5]);
    // Tininess after rounding, as for singles.
    modes(|rm, f| mul::<D>(0x3fef_ffff_ffff_fffe, 0x0010_0000_0000_0001, rm, f),
        [0x0010_0000_0000_0000, 0x000f_ffff_ffff_ffff, 0x000f_ffff_ffff_ffff,
         0x0010_0000_0000_0000, 0x0010_0000_0000_0000],
        [NX, NXUF, NXUF, NX, NX]);
}

// ---- special cases: DZ, NV, signed zeros, NaNs ----------------------------

#[test]
fn divide_by_zero_and_invalid_s() {
    all(|rm, f| div::<S>(ONE, PZ, rm, f), INF, DZ);
    all(|rm, f| div::<S>(NONE, PZ, rm, f), NINF, DZ);
    all(|rm, f| div::<S>(ONE, NZ, rm, f), NINF, DZ);
    all(|rm, f| div::<S>(INF, PZ, rm, f), INF, 0); // inf/0 is exact, not DZ
    all(|rm, f| div::<S>(PZ, PZ, rm, f), QNAN, NV);
    all(|rm, f| div::<S>(INF, NINF, rm, f), QNAN, NV);
    all(|rm, f| add::<S>(INF, NINF, rm, f), QNAN, NV);
    all(|rm, f| sub::<S>(INF, INF, rm, f), QNAN, NV);
    all(|rm, f| mul::<S>(INF, PZ, rm, f), QNAN, NV);
    all(|rm, f| mul::<S>(NZ, NINF, rm, f), QNAN, NV);
    all(|rm, f| sqrt::<S>(NONE, rm, f), QNAN, NV);
    all(|rm, f| sqrt::<S>(NINF, rm, f), QNAN, NV);
    all(|rm, f| sqrt::<S>(0x8000_0001, rm, f), QNAN, NV);
    all(|rm, f| sqrt::<S>(NZ, rm, f), NZ, 0);
    all(|rm, f| sqrt::<S>(INF, rm, f), INF, 0);
    all(|rm, f| add::<S>(INF, INF, rm, f), INF, 0);
}

#[test]
fn divide_by_zero_and_invalid_d() {
    all(|rm, f| div::<D>(ONE_D, PZ_D, rm, f), INF_D, DZ);
    all(|rm, f| div::<D>(NONE_D, PZ_D, rm, f), NINF_D, DZ);
    all(|rm, f| div::<D>(ONE_D, NZ_D, rm, f), NINF_D, DZ);
    all(|rm, f| div::<D>(NINF_D, PZ_D, rm, f), NINF_D, 0);
    all(|rm, f| div::<D>(PZ_D, NZ_D, rm, f), QNAN_D, NV);
    all(|rm, f| div::<D>(INF_D, INF_D, rm, f), QNAN_D, NV);
    all(|rm, f| add::<D>(NINF_D, INF_D, rm, f), QNAN_D, NV);
    all(|rm, f| sub::<D>(NINF_D, NINF_D, rm, f), QNAN_D, NV);
    all(|rm, f| mul::<D>(PZ_D, INF_D, rm, f), QNAN_D, NV);
    all(|rm, f| sqrt::<D>(NONE_D, rm, f), QNAN_D, NV);
    all(|rm, f| sqrt::<D>(NINF_D, rm, f), QNAN_D, NV);
    all(|rm, f| sqrt::<D>(NZ_D, rm, f), NZ_D, 0);
    all(|rm, f| sqrt::<D>(INF_D, rm, f), INF_D, 0);
}

#[test]
fn signed_zeros_s() {
    // x + -x is +0 except in RDN, where it is -0.
    let rdn_neg = [PZ, PZ, NZ, PZ, PZ];
    modes(|rm, f| add::<S>(ONE, NONE, rm, f), rdn_neg, [0; 5]);
    modes(|rm, f| sub::<S>(THREE, THREE, rm, f), rdn_neg, [0; 5]);
    modes(|rm, f| add::<S>(PZ, NZ, rm, f), rdn_neg, [0; 5]);
    modes(|rm, f| sub::<S>(PZ, PZ, rm, f), rdn_neg, [0; 5]);
    all(|rm, f| add::<S>(NZ, NZ, rm, f), NZ, 0);
    all(|rm, f| sub::<S>(NZ, PZ, rm, f), NZ, 0);
    all(|rm, f| add::<S>(PZ, PZ, rm, f), PZ, 0);
    all(|rm, f| mul::<S>(NZ, THREE, rm, f), NZ, 0);
    all(|rm, f| mul::<S>(NZ, NONE, rm, f), PZ, 0);
    all(|rm, f| div::<S>(PZ, NONE, rm, f), NZ, 0);
    // A non-zero result that underflows to zero keeps its sign.
    modes(|rm, f| mul::<S>(0x8000_0001, 0x3e80_0000, rm, f),
        [NZ, NZ, 0x8000_0001, NZ, NZ], [NXUF; 5]);
}

#[test]
fn signed_zeros_d() {
    let rdn_neg = [PZ_D, PZ_D, NZ_D, PZ_D, PZ_D];
    modes(|rm, f| add::<D>(ONE_D, NONE_D, rm, f), rdn_neg, [0; 5]);
    modes(|rm, f| sub::<D>(TWO_D, TWO_D, rm, f), rdn_neg, [0; 5]);
    modes(|rm, f| add::<D>(NZ_D, PZ_D, rm, f), rdn_neg, [0; 5]);
    all(|rm, f| add::<D>(NZ_D, NZ_D, rm, f), NZ_D, 0);
    all(|rm, f| mul::<D>(PZ_D, NONE_D, rm, f), NZ_D, 0);
    all(|rm, f| div::<D>(NZ_D, NONE_D, rm, f), PZ_D, 0);
}

#[test]
fn nan_inputs_give_canonical_nan_s() {
    let others = [ONE, PZ, NZ, INF, NINF, 0x0000_0001, MAX];
    for n in NANS_S {
        for x in others {
            let fl = nv_if_snan_s(&[n]);
            for op in [add::<S>, sub::<S>, mul::<S>, div::<S>] {
                all(|rm, f| op(n, x, rm, f), QNAN, fl);
                all(|rm, f| op(x, n, rm, f), QNAN, fl);
            }
            all(|rm, f| madd::<S>(n, x, ONE, rm, f), QNAN, fl);
            all(|rm, f| msub::<S>(x, n, ONE, rm, f), QNAN, fl);
            all(|rm, f| nmadd::<S>(ONE, x, n, rm, f), QNAN, fl);
            all(|rm, f| nmsub::<S>(x, ONE, n, rm, f), QNAN, fl);
        }
        all(|rm, f| sqrt::<S>(n, rm, f), QNAN, nv_if_snan_s(&[n]));
        for m in NANS_S {
            let fl = nv_if_snan_s(&[n, m]);
            for op in [add::<S>, sub::<S>, mul::<S>, div::<S>] {
                all(|rm, f| op(n, m, rm, f), QNAN, fl);
            }
            all(|rm, f| madd::<S>(n, m, n, rm, f), QNAN, fl);
        }
    }
}

#[test]
fn nan_inputs_give_canonical_nan_d() {
    let others = [ONE_D, PZ_D, NZ_D, INF_D, NINF_D, 1, MAX_D];
    for n in NANS_D {
        for x in others {
            let fl = nv_if_snan_d(&[n]);
            for op in [add::<D>, sub::<D>, mul::<D>, div::<D>] {
                all(|rm, f| op(n, x, rm, f), QNAN_D, fl);
                all(|rm, f| op(x, n, rm, f), QNAN_D, fl);
            }
            all(|rm, f| madd::<D>(n, x, ONE_D, rm, f), QNAN_D, fl);
            all(|rm, f| msub::<D>(x, n, ONE_D, rm, f), QNAN_D, fl);
            all(|rm, f| nmadd::<D>(ONE_D, x, n, rm, f), QNAN_D, fl);
            all(|rm, f| nmsub::<D>(x, ONE_D, n, rm, f), QNAN_D, fl);
        }
        all(|rm, f| sqrt::<D>(n, rm, f), QNAN_D, nv_if_snan_d(&[n]));
        for m in NANS_D {
            let fl = nv_if_snan_d(&[n, m]);
            for op in [add::<D>, sub::<D>, mul::<D>, div::<D>] {
                all(|rm, f| op(n, m, rm, f), QNAN_D, fl);
            }
            all(|rm, f| nmadd::<D>(m, n, m, rm, f), QNAN_D, fl);
        }
    }
}

// ---- fused multiply-add ---------------------------------------------------

#[test]
fn fma_s() {
    let a = 0x3f80_0800; // 1 + 2^-12; a*a = 1 + 2^-11 + 2^-24
    // One rounding: a*a - 1 = 2^-11 + 2^-24 exactly...
    all(|rm, f| madd::<S>(a, a, NONE, rm, f), 0x3a00_0400, 0);
    all(|rm, f| msub::<S>(a, a, ONE, rm, f), 0x3a00_0400, 0);
    all(|rm, f| nmsub::<S>(a, a, ONE, rm, f), 0xba00_0400, 0);
    all(|rm, f| nmadd::<S>(a, a, NONE, rm, f), 0xba00_0400, 0);
    // ...where a separate multiply then add loses the 2^-24.
    let mut f = 0;
    let p = mul::<S>(a, a, Rne, &mut f);
    assert_eq!((sub::<S>(p, ONE, Rne, &mut f), f), (0x3a00_0000, NX));
    // a*a + 1 = 2 + 2^-11 + 2^-24: a quarter ulp above 2 + 2^-11.
    modes(|rm, f| madd::<S>(a, a, ONE, rm, f),
        [0x4000_0800, 0x4000_0800, 0x4000_0800, 0x4000_0801, 0x4000_0800], [NX; 5]);
    modes(|rm, f| nmadd::<S>(a, a, ONE, rm, f),
        [0xc000_0800, 0xc000_0800, 0xc000_0801, 0xc000_0800, 0xc000_0800], [NX; 5]);
    modes(|rm, f| msub::<S>(a, a, NONE, rm, f),
        [0x4000_0800, 0x4000_0800, 0x4000_0800, 0x4000_0801, 0x4000_0800], [NX; 5]);
    modes(|rm, f| nmsub::<S>(a, a, NONE, rm, f),
        [0xc000_0800, 0xc000_0800, 0xc000_0801, 0xc000_0800, 0xc000_0800], [NX; 5]);
    // No intermediate overflow: MAX*2 - MAX = MAX.
    all(|rm, f| madd::<S>(MAX, TWO, NMAX, rm, f), MAX, 0);
    all(|rm, f| msub::<S>(MAX, TWO, MAX, rm, f), MAX, 0);
    // Signs of exact zeros: -0 + +0 is -0 only in RDN.
    let rdn_neg = [PZ, PZ, NZ, PZ, PZ];
    modes(|rm, f| madd::<S>(NONE, PZ, PZ, rm, f), rdn_neg, [0; 5]);
    modes(|rm, f| madd::<S>(ONE, PZ, NZ, rm, f), rdn_neg, [0; 5]);
    modes(|rm, f| msub::<S>(PZ, ONE, PZ, rm, f), rdn_neg, [0; 5]);
    modes(|rm, f| nmsub::<S>(ONE, PZ, PZ, rm, f), rdn_neg, [0; 5]);
    modes(|rm, f| madd::<S>(ONE, ONE, NONE, rm, f), rdn_neg, [0; 5]);
    all(|rm, f| nmadd::<S>(PZ, ONE, PZ, rm, f), NZ, 0); // -(+0) - (+0)
    all(|rm, f| nmsub::<S>(PZ, ONE, NZ, rm, f), NZ, 0); // -(+0) + (-0)
    modes(|rm, f| nmadd::<S>(NZ, ONE, PZ, rm, f), rdn_neg, [0; 5]); // -(-0) - (+0)
    // Invalid: 0*inf even with a quiet NaN addend; inf - inf.
    all(|rm, f| madd::<S>(INF, PZ, QNAN, rm, f), QNAN, NV);
    all(|rm, f| madd::<S>(PZ, NINF, QNAN_PAYLOAD, rm, f), QNAN, NV);
    all(|rm, f| nmadd::<S>(INF, PZ, QNAN_NEG, rm, f), QNAN, NV);
    all(|rm, f| madd::<S>(PZ, INF, ONE, rm, f), QNAN, NV);
    all(|rm, f| madd::<S>(INF, ONE, NINF, rm, f), QNAN, NV);
    all(|rm, f| msub::<S>(INF, ONE, INF, rm, f), QNAN, NV);
    all(|rm, f| nmsub::<S>(INF, ONE, INF, rm, f), QNAN, NV);
    all(|rm, f| nmadd::<S>(INF, ONE, NINF, rm, f), QNAN, NV);
    all(|rm, f| madd::<S>(ONE, ONE, SNAN, rm, f), QNAN, NV);
    all(|rm, f| madd::<S>(INF, ONE, INF, rm, f), INF, 0);
    all(|rm, f| nmadd::<S>(INF, ONE, INF, rm, f), NINF, 0);
    // Overflow through an FMA.
    modes(|rm, f| madd::<S>(MAX, TWO, ONE, rm, f), [INF, MAX, MAX, INF, INF], [NXOF; 5]);
}

#[test]
fn fma_d() {
    let a = 0x3ff0_0000_0200_0000; // 1 + 2^-27; a*a = 1 + 2^-26 + 2^-54
    all(|rm, f| madd::<D>(a, a, NONE_D, rm, f), 0x3e50_0000_0100_0000, 0);
    all(|rm, f| msub::<D>(a, a, ONE_D, rm, f), 0x3e50_0000_0100_0000, 0);
    all(|rm, f| nmsub::<D>(a, a, ONE_D, rm, f), 0xbe50_0000_0100_0000, 0);
    all(|rm, f| nmadd::<D>(a, a, NONE_D, rm, f), 0xbe50_0000_0100_0000, 0);
    let mut f = 0;
    let p = mul::<D>(a, a, Rne, &mut f);
    assert_eq!((sub::<D>(p, ONE_D, Rne, &mut f), f), (0x3e50_0000_0000_0000, NX));
    modes(|rm, f| madd::<D>(a, a, ONE_D, rm, f),
        [0x4000_0000_0200_0000, 0x4000_0000_0200_0000, 0x4000_0000_0200_0000,
         0x4000_0000_0200_0001, 0x4000_0000_0200_0000], [NX; 5]);
    modes(|rm, f| nmadd::<D>(a, a, ONE_D, rm, f),
        [0xc000_0000_0200_0000, 0xc000_0000_0200_0000, 0xc000_0000_0200_0001,
         0xc000_0000_0200_0000, 0xc000_0000_0200_0000], [NX; 5]);
    all(|rm, f| madd::<D>(MAX_D, TWO_D, NMAX_D, rm, f), MAX_D, 0);
    let rdn_neg = [PZ_D, PZ_D, NZ_D, PZ_D, PZ_D];
    modes(|rm, f| madd::<D>(NONE_D, PZ_D, PZ_D, rm, f), rdn_neg, [0; 5]);
    modes(|rm, f| msub::<D>(ONE_D, ONE_D, ONE_D, rm, f), rdn_neg, [0; 5]);
    all(|rm, f| nmadd::<D>(PZ_D, ONE_D, PZ_D, rm, f), NZ_D, 0);
    all(|rm, f| madd::<D>(INF_D, PZ_D, QNAN_D, rm, f), QNAN_D, NV);
    all(|rm, f| nmsub::<D>(NZ_D, INF_D, QNAN_NEG_D, rm, f), QNAN_D, NV);
    all(|rm, f| madd::<D>(INF_D, NONE_D, INF_D, rm, f), QNAN_D, NV);
    all(|rm, f| madd::<D>(ONE_D, ONE_D, SNAN_D, rm, f), QNAN_D, NV);
    all(|rm, f| msub::<D>(INF_D, ONE_D, NINF_D, rm, f), INF_D, 0);
    modes(|rm, f| nmsub::<D>(MAX_D, TWO_D, NONE_D, rm, f),
        [NINF_D, NMAX_D, NINF_D, NMAX_D, NINF_D], [NXOF; 5]);
}
