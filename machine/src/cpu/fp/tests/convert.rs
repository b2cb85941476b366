//! Tests of the conversions: float to integer, integer to float, single <-> double.

use super::*;

// ---- float -> integer -----------------------------------------------------

#[test]
fn to_int_rounding_s() {
    let i = |x: i32| x as u32;
    modes(|rm, f| to_i32::<S>(fs(2.5), rm, f), [2, 2, 2, 3, 3], [NX; 5]);
    modes(|rm, f| to_i32::<S>(fs(-2.5), rm, f), [i(-2), i(-2), i(-3), i(-2), i(-3)], [NX; 5]);
    modes(|rm, f| to_i32::<S>(fs(1.5), rm, f), [2, 1, 1, 2, 2], [NX; 5]);
    modes(|rm, f| to_i32::<S>(fs(0.5), rm, f), [0, 0, 0, 1, 1], [NX; 5]);
    modes(|rm, f| to_i32::<S>(fs(-0.5), rm, f), [0, 0, i(-1), 0, i(-1)], [NX; 5]);
    modes(|rm, f| to_i32::<S>(fs(-0.7), rm, f), [i(-1), 0, i(-1), 0, i(-1)], [NX; 5]);
    modes(|rm, f| to_u32::<S>(fs(2.5), rm, f), [2, 2, 2, 3, 3], [NX; 5]);
    modes(|rm, f| to_i64::<S>(fs(-2.5), rm, f),
        [-2i64 as u64, -2i64 as u64, -3i64 as u64, -2i64 as u64, -3i64 as u64], [NX; 5]);
    modes(|rm, f| to_u64::<S>(fs(3.5), rm, f), [4, 3, 3, 4, 4], [NX; 5]);
    all(|rm, f| to_i32::<S>(fs(-7.0), rm, f), i(-7), 0);
    all(|rm, f| to_u32::<S>(fs(3e9), rm, f), 3_000_000_000, 0);
    all(|rm, f| to_i32::<S>(NZ, rm, f), 0, 0);
    modes(|rm, f| to_i32::<S>(0x0000_0001, rm, f), [0, 0, 0, 1, 0], [NX; 5]);
    modes(|rm, f| to_i32::<S>(0x8000_0001, rm, f), [0, 0, i(-1), 0, 0], [NX; 5]);
}

#[test]
fn to_int_rounding_d() {
    let i = |x: i32| x as u32;
    let l = |x: i64| x as u64;
    modes(|rm, f| to_i32::<D>(fd(2.5), rm, f), [2, 2, 2, 3, 3], [NX; 5]);
    modes(|rm, f| to_i32::<D>(fd(-2.5), rm, f), [i(-2), i(-2), i(-3), i(-2), i(-3)], [NX; 5]);
    modes(|rm, f| to_i32::<D>(fd(-0.5), rm, f), [0, 0, i(-1), 0, i(-1)], [NX; 5]);
    modes(|rm, f| to_u32::<D>(fd(0.5), rm, f), [0, 0, 0, 1, 1], [NX; 5]);
    modes(|rm, f| to_i64::<D>(fd(-1.5), rm, f), [l(-2), l(-1), l(-2), l(-1), l(-2)], [NX; 5]);
    modes(|rm, f| to_u64::<D>(fd(4.5), rm, f), [4, 4, 4, 5, 5], [NX; 5]);
    all(|rm, f| to_i64::<D>(fd(-123456789.0), rm, f), l(-123456789), 0);
    all(|rm, f| to_u32::<D>(NZ_D, rm, f), 0, 0);
}

#[test]
fn to_int_saturation_s() {
    let l = |x: i64| x as u64;
    for n in NANS_S {
        // NaN of either sign -> the largest positive value, NV.
        all(|rm, f| to_i32::<S>(n, rm, f), 0x7fff_ffff, NV);
        all(|rm, f| to_u32::<S>(n, rm, f), u32::MAX, NV);
        all(|rm, f| to_i64::<S>(n, rm, f), l(i64::MAX), NV);
        all(|rm, f| to_u64::<S>(n, rm, f), u64::MAX, NV);
    }
    // +inf and positive overflow -> max; -inf and negative overflow -> min (0 unsigned).
    for big in [INF, MAX, fs(4294967296.0), fs(1e19)] {
        all(|rm, f| to_i32::<S>(big, rm, f), 0x7fff_ffff, NV);
        all(|rm, f| to_u32::<S>(big, rm, f), u32::MAX, NV);
    }
    for big in [INF, MAX, fs(18446744073709551616.0)] {
        all(|rm, f| to_i64::<S>(big, rm, f), l(i64::MAX), NV);
        all(|rm, f| to_u64::<S>(big, rm, f), u64::MAX, NV);
    }
    all(|rm, f| to_i32::<S>(fs(2147483648.0), rm, f), 0x7fff_ffff, NV);
    all(|rm, f| to_i64::<S>(fs(9223372036854775808.0), rm, f), l(i64::MAX), NV);
    for neg in [NINF, NMAX, fs(-1e19)] {
        all(|rm, f| to_i32::<S>(neg, rm, f), 0x8000_0000, NV);
        all(|rm, f| to_u32::<S>(neg, rm, f), 0, NV);
        all(|rm, f| to_i64::<S>(neg, rm, f), l(i64::MIN), NV);
        all(|rm, f| to_u64::<S>(neg, rm, f), 0, NV);
    }
    all(|rm, f| to_i32::<S>(fs(-2147483904.0), rm, f), 0x8000_0000, NV);
    // The extremes that fit are exact.
    all(|rm, f| to_i32::<S>(fs(-2147483648.0), rm, f), 0x8000_0000, 0);
    all(|rm, f| to_i32::<S>(0x4eff_ffff, rm, f), 0x7fff_ff80, 0);
    all(|rm, f| to_u32::<S>(0x4f7f_ffff, rm, f), 0xffff_ff00, 0);
    all(|rm, f| to_i64::<S>(fs(-9223372036854775808.0), rm, f), l(i64::MIN), 0);
    all(|rm, f| to_i64::<S>(0x5eff_ffff, rm, f), 0x7fff_ff80_0000_0000, 0);
    all(|rm, f| to_u64::<S>(0x5f7f_ffff, rm, f), 0xffff_ff00_0000_0000, 0);
    // Unsigned of a negative: invalid unless it rounds to zero.
    for neg_one in [NONE, fs(-1.5), fs(-3e9)] {
        all(|rm, f| to_u32::<S>(neg_one, rm, f), 0, NV);
        all(|rm, f| to_u64::<S>(neg_one, rm, f), 0, NV);
    }
    // -0.5 rounds to 0 (only NX) in RNE/RTZ/RUP, to -1 (NV, no NX) in RDN/RMM.
    modes(|rm, f| to_u32::<S>(fs(-0.5), rm, f), [0; 5], [NX, NX, NV, NX, NV]);
    modes(|rm, f| to_u64::<S>(fs(-0.5), rm, f), [0; 5], [NX, NX, NV, NX, NV]);
    modes(|rm, f| to_u32::<S>(fs(-0.7), rm, f), [0; 5], [NV, NX, NV, NX, NV]);
    modes(|rm, f| to_u64::<S>(0x8000_0001, rm, f), [0; 5], [NX, NX, NV, NX, NX]);
    all(|rm, f| to_u32::<S>(NZ, rm, f), 0, 0);
    all(|rm, f| to_u64::<S>(NZ, rm, f), 0, 0);
}

#[test]
fn to_int_saturation_d() {
    let l = |x: i64| x as u64;
    for n in NANS_D {
        all(|rm, f| to_i32::<D>(n, rm, f), 0x7fff_ffff, NV);
        all(|rm, f| to_u32::<D>(n, rm, f), u32::MAX, NV);
        all(|rm, f| to_i64::<D>(n, rm, f), l(i64::MAX), NV);
        all(|rm, f| to_u64::<D>(n, rm, f), u64::MAX, NV);
    }
    for big in [INF_D, MAX_D, fd(1e10), fd(4294967296.0)] {
        all(|rm, f| to_i32::<D>(big, rm, f), 0x7fff_ffff, NV);
        all(|rm, f| to_u32::<D>(big, rm, f), u32::MAX, NV);
    }
    for big in [INF_D, MAX_D, fd(18446744073709551616.0)] {
        all(|rm, f| to_i64::<D>(big, rm, f), l(i64::MAX), NV);
        all(|rm, f| to_u64::<D>(big, rm, f), u64::MAX, NV);
    }
    all(|rm, f| to_i32::<D>(fd(2147483648.0), rm, f), 0x7fff_ffff, NV);
    all(|rm, f| to_i64::<D>(fd(9223372036854775808.0), rm, f), l(i64::MAX), NV);
    for neg in [NINF_D, NMAX_D, fd(-1e20)] {
        all(|rm, f| to_i32::<D>(neg, rm, f), 0x8000_0000, NV);
        all(|rm, f| to_u32::<D>(neg, rm, f), 0, NV);
        all(|rm, f| to_i64::<D>(neg, rm, f), l(i64::MIN), NV);
        all(|rm, f| to_u64::<D>(neg, rm, f), 0, NV);
    }
    all(|rm, f| to_i32::<D>(fd(-2147483649.0), rm, f), 0x8000_0000, NV);
    // Just beyond the i32/u32 range by half: the mode decides between NX and NV.
    modes(|rm, f| to_i32::<D>(fd(2147483647.5), rm, f), [0x7fff_ffff; 5], [NV, NX, NX, NV, NV]);
    modes(|rm, f| to_i32::<D>(fd(-2147483648.5), rm, f), [0x8000_0000; 5], [NX, NX, NV, NX, NV]);
    modes(|rm, f| to_u32::<D>(fd(4294967295.5), rm, f), [u32::MAX; 5], [NV, NX, NX, NV, NV]);
    modes(|rm, f| to_i32::<D>(fd(2147483646.5), rm, f),
        [0x7fff_fffe, 0x7fff_fffe, 0x7fff_fffe, 0x7fff_ffff, 0x7fff_ffff], [NX; 5]);
    // The extremes that fit are exact.
    all(|rm, f| to_i32::<D>(fd(2147483647.0), rm, f), 0x7fff_ffff, 0);
    all(|rm, f| to_i32::<D>(fd(-2147483648.0), rm, f), 0x8000_0000, 0);
    all(|rm, f| to_u32::<D>(fd(4294967295.0), rm, f), u32::MAX, 0);
    all(|rm, f| to_i64::<D>(fd(-9223372036854775808.0), rm, f), l(i64::MIN), 0);
    all(|rm, f| to_i64::<D>(0x43df_ffff_ffff_ffff, rm, f), 0x7fff_ffff_ffff_fc00, 0);
    all(|rm, f| to_u64::<D>(0x43ef_ffff_ffff_ffff, rm, f), 0xffff_ffff_ffff_f800, 0);
    for neg_one in [NONE_D, fd(-1.5), fd(-3e9)] {
        all(|rm, f| to_u32::<D>(neg_one, rm, f), 0, NV);
        all(|rm, f| to_u64::<D>(neg_one, rm, f), 0, NV);
    }
    modes(|rm, f| to_u32::<D>(fd(-0.5), rm, f), [0; 5], [NX, NX, NV, NX, NV]);
    modes(|rm, f| to_u64::<D>(fd(-0.5), rm, f), [0; 5], [NX, NX, NV, NX, NV]);
    modes(|rm, f| to_u64::<D>(fd(-0.25), rm, f), [0; 5], [NX, NX, NV, NX, NX]);
    all(|rm, f| to_u64::<D>(NZ_D, rm, f), 0, 0);
}

// ---- integer -> float -----------------------------------------------------

#[test]
fn from_int_s() {
    // i64::MAX = 2^63 - 1 lies between 2^63 - 2^39 and 2^63.
    modes(|rm, f| from_i64::<S>(i64::MAX, rm, f),
        [0x5f00_0000, 0x5eff_ffff, 0x5eff_ffff, 0x5f00_0000, 0x5f00_0000], [NX; 5]);
    modes(|rm, f| from_i64::<S>(-i64::MAX, rm, f),
        [0xdf00_0000, 0xdeff_ffff, 0xdf00_0000, 0xdeff_ffff, 0xdf00_0000], [NX; 5]);
    all(|rm, f| from_i64::<S>(i64::MIN, rm, f), 0xdf00_0000, 0);
    modes(|rm, f| from_u64::<S>(u64::MAX, rm, f),
        [0x5f80_0000, 0x5f7f_ffff, 0x5f7f_ffff, 0x5f80_0000, 0x5f80_0000], [NX; 5]);
    modes(|rm, f| from_i32::<S>(i32::MAX, rm, f),
        [0x4f00_0000, 0x4eff_ffff, 0x4eff_ffff, 0x4f00_0000, 0x4f00_0000], [NX; 5]);
    modes(|rm, f| from_i32::<S>(-i32::MAX, rm, f),
        [0xcf00_0000, 0xceff_ffff, 0xcf00_0000, 0xceff_ffff, 0xcf00_0000], [NX; 5]);
    all(|rm, f| from_i32::<S>(i32::MIN, rm, f), 0xcf00_0000, 0);
    modes(|rm, f| from_u32::<S>(u32::MAX, rm, f),
        [0x4f80_0000, 0x4f7f_ffff, 0x4f7f_ffff, 0x4f80_0000, 0x4f80_0000], [NX; 5]);
    // Ties: 2^24 + 1 (even is down) and 2^24 + 3 (even is up).
    modes(|rm, f| from_i32::<S>(16_777_217, rm, f),
        [0x4b80_0000, 0x4b80_0000, 0x4b80_0000, 0x4b80_0001, 0x4b80_0001], [NX; 5]);
    modes(|rm, f| from_i32::<S>(-16_777_217, rm, f),
        [0xcb80_0000, 0xcb80_0000, 0xcb80_0001, 0xcb80_0000, 0xcb80_0001], [NX; 5]);
    modes(|rm, f| from_u32::<S>(16_777_219, rm, f),
        [0x4b80_0002, 0x4b80_0001, 0x4b80_0001, 0x4b80_0002, 0x4b80_0002], [NX; 5]);
    modes(|rm, f| from_u64::<S>(16_777_219, rm, f),
        [0x4b80_0002, 0x4b80_0001, 0x4b80_0001, 0x4b80_0002, 0x4b80_0002], [NX; 5]);
    all(|rm, f| from_i32::<S>(16_777_216, rm, f), 0x4b80_0000, 0);
    all(|rm, f| from_i32::<S>(0, rm, f), PZ, 0); // +0, never -0
    all(|rm, f| from_i64::<S>(-1, rm, f), NONE, 0);
    all(|rm, f| from_u32::<S>(3, rm, f), THREE, 0);
}

#[test]
fn from_int_d() {
    modes(|rm, f| from_i64::<D>(i64::MAX, rm, f),
        [0x43e0_0000_0000_0000, 0x43df_ffff_ffff_ffff, 0x43df_ffff_ffff_ffff,
         0x43e0_0000_0000_0000, 0x43e0_0000_0000_0000], [NX; 5]);
    modes(|rm, f| from_i64::<D>(-i64::MAX, rm, f),
        [0xc3e0_0000_0000_0000, 0xc3df_ffff_ffff_ffff, 0xc3e0_0000_0000_0000,
         0xc3df_ffff_ffff_ffff, 0xc3e0_0000_0000_0000], [NX; 5]);
    all(|rm, f| from_i64::<D>(i64::MIN, rm, f), 0xc3e0_0000_0000_0000, 0);
    modes(|rm, f| from_u64::<D>(u64::MAX, rm, f),
        [0x43f0_0000_0000_0000, 0x43ef_ffff_ffff_ffff, 0x43ef_ffff_ffff_ffff,
         0x43f0_0000_0000_0000, 0x43f0_0000_0000_0000], [NX; 5]);
    // 2^53 + 1: a tie.
    modes(|rm, f| from_i64::<D>((1 << 53) + 1, rm, f),
        [0x4340_0000_0000_0000, 0x4340_0000_0000_0000, 0x4340_0000_0000_0000,
         0x4340_0000_0000_0001, 0x4340_0000_0000_0001], [NX; 5]);
    modes(|rm, f| from_i64::<D>(-(1 << 53) - 1, rm, f),
        [0xc340_0000_0000_0000, 0xc340_0000_0000_0000, 0xc340_0000_0000_0001,
         0xc340_0000_0000_0000, 0xc340_0000_0000_0001], [NX; 5]);
    modes(|rm, f| from_u64::<D>((1 << 53) + 3, rm, f),
        [0x4340_0000_0000_0002, 0x4340_0000_0000_0001, 0x4340_0000_0000_0001,
         0x4340_0000_0000_0002, 0x4340_0000_0000_0002], [NX; 5]);
    // 32-bit integers always fit.
    all(|rm, f| from_i32::<D>(i32::MIN, rm, f), fd(-2147483648.0), 0);
    all(|rm, f| from_i32::<D>(i32::MAX, rm, f), fd(2147483647.0), 0);
    all(|rm, f| from_u32::<D>(u32::MAX, rm, f), fd(4294967295.0), 0);
    all(|rm, f| from_i32::<D>(0, rm, f), PZ_D, 0);
    all(|rm, f| from_u64::<D>(1 << 53, rm, f), 0x4340_0000_0000_0000, 0);
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
