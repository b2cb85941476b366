// build: -lm -frounding-math
/* float_fmt.c — floating point formatting and FP environment:
 * printf %f %e %g %a (and widths, precisions, flags) of many doubles and
 * floats; exact decimal expansions; round-half-even ties in printf;
 * strtod/strtof round trips through "%.17g"/"%.9g", hard strtod inputs,
 * hex floats, overflow/underflow with ERANGE; fesetround modes with rint,
 * nearbyint, lrint and division; fetestexcept flags after 1/0, 0/0,
 * overflow, underflow, inexact, sqrt(-1), feraiseexcept/feclearexcept,
 * fegetenv/fesetenv; subnormals; riscv-specific results: the canonical NaN
 * bit pattern, fcvt saturation of NaN/out-of-range values, fmin/fmax with a
 * NaN operand. NaN and infinity are never printed with printf (glibc and
 * musl spell them differently); they are checked and named explicitly. */
#define _GNU_SOURCE
#include <errno.h>
#include <fenv.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;
/* CHECK(cond, fmt, ...): print "ok"/"FAIL" and the message; errno as left
 * by cond is preserved for the message arguments. */
#define CHECK(cond, ...) do { int c_ = (cond); int e_ = errno; \
    printf("%s ", c_ ? "ok  " : "FAIL"); errno = e_; \
    printf(__VA_ARGS__); printf("\n"); if (!c_) failures++; } while (0)

static uint64_t bits(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }
static uint32_t fbits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }

static const char *flags(int e)
{
    static char buf[80];
    buf[0] = 0;
    if (e & FE_INVALID) strcat(buf, "INVALID ");
    if (e & FE_DIVBYZERO) strcat(buf, "DIVBYZERO ");
    if (e & FE_OVERFLOW) strcat(buf, "OVERFLOW ");
    if (e & FE_UNDERFLOW) strcat(buf, "UNDERFLOW ");
    if (e & FE_INEXACT) strcat(buf, "INEXACT ");
    if (!buf[0]) strcpy(buf, "none ");
    buf[strlen(buf) - 1] = 0;
    return buf;
}

static const char *kind(double d)
{
    if (isnan(d)) return signbit(d) ? "-NaN" : "NaN";
    if (isinf(d)) return d > 0 ? "+Inf" : "-Inf";
    return "finite";
}

int main(void)
{
    static const double vals[] = {
        0.0, -0.0, 1.0, -1.0, 0.1, 0.5, 1.5, 2.5, 3.14159265358979323846, 2.718281828459045,
        100.0, 123456.789, 1e10, 1.5e-5, 6.02214076e23, 1.602176634e-19, 1e100, 1e-100,
        DBL_MAX, DBL_MIN, 0.3, 2.0 / 3.0, 1e21, 1e22, 9007199254740993.0, 0.000123456, 999999.5,
    };
    printf("-- printf of doubles (%%.6f | %%.3e | %%g | %%.17g)\n");
    for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) {
        double v = vals[i];
        if (fabs(v) > 1e30)
            printf("%-24.17g | %.3e | %g\n", v, v, v);
        else
            printf("%.6f | %.3e | %g | %.17g\n", v, v, v, v);
    }
    printf("-- %%a of normal doubles\n");
    static const double hv[] = { 1.0, -2.0, 0.1, 0.75, 1e-300, 3.0e300, 1.0 / 3.0 };
    for (size_t i = 0; i < sizeof hv / sizeof *hv; i++)
        printf("%a %A\n", hv[i], hv[i]);
    printf("-- widths, precisions, flags\n");
    printf("[%10.3f] [%-10.3f] [%+.2f] [% .2f] [%010.2f] [%#.0f] [%.0f]\n", 3.14159, 3.14159, 2.5, 2.5, -3.5, 3.0, 3.0);
    printf("[%e] [%.0e] [%#.0e] [%+E] [%12.4e]\n", 12345.678, 12345.678, 12345.678, -0.00012, 1.0);
    printf("[%g] [%G] [%.3g] [%#g] [%g] [%g] [%.10g] [%g]\n", 0.0001, 1e-5, 1234567.0, 1.0, 100000.0, 1000000.0, 1.0 / 7, 1e-4);
    printf("[%*.*f] [%-*d] [%.*e]\n", 8, 2, 1.0 / 3, 5, 42, 3, 2.0 / 3);
    printf("-- floats (promoted to double)\n");
    static const float fv[] = { 0.1f, 1.0f / 3.0f, 16777217.0f, FLT_MAX, FLT_MIN, 3.4e-39f };
    for (size_t i = 0; i < sizeof fv / sizeof *fv; i++)
        printf("%.9g | %.3e | bits %08x\n", fv[i], fv[i], (unsigned)fbits(fv[i]));

    printf("-- exact expansions and ties (round-half-even on exact values)\n");
    printf("0.1 = %.55f\n", 0.1);
    printf("2^-20 = %.20f\n", ldexp(1.0, -20));
    printf("2^64 = %.0f\n", ldexp(1.0, 64));
    printf("DBL_MAX = %.0f\n", DBL_MAX);
    printf("%%.0f: 0.5->%.0f 1.5->%.0f 2.5->%.0f 3.5->%.0f -0.5->%.0f -2.5->%.0f\n", 0.5, 1.5, 2.5, 3.5, -0.5, -2.5);
    printf("%%.1f: 0.25->%.1f 0.35->%.1f 0.45->%.1f 1.25->%.1f\n", 0.25, 0.35, 0.45, 1.25);
    printf("%%.2f: 1.005->%.2f 1.125->%.2f 2.675->%.2f\n", 1.005, 1.125, 2.675);

    printf("-- strtod / strtof\n");
    int rt_ok = 1;
    for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) {
        char buf[64];
        snprintf(buf, sizeof buf, "%.17g", vals[i]);
        double back = strtod(buf, NULL);
        rt_ok &= bits(back) == bits(vals[i]);
    }
    CHECK(rt_ok, "%%.17g -> strtod round-trips bit-exactly for all %zu doubles", sizeof vals / sizeof *vals);
    int frt = 1;
    for (size_t i = 0; i < sizeof fv / sizeof *fv; i++) {
        char buf[64];
        snprintf(buf, sizeof buf, "%.9g", fv[i]);
        frt &= fbits(strtof(buf, NULL)) == fbits(fv[i]);
    }
    CHECK(frt, "%%.9g -> strtof round-trips bit-exactly");
    struct { const char *s; uint64_t want; } hard[] = {
        { "2.2250738585072011e-308", 0x000fffffffffffffULL },
        { "2.2250738585072012e-308", 0x0010000000000000ULL },
        { "4.9406564584124654e-324", 0x0000000000000001ULL },
        { "2.4703282292062328e-324", 0x0000000000000001ULL },
        { "1.7976931348623157e308", 0x7fefffffffffffffULL },
        { "9007199254740993", 0x4340000000000000ULL },
        { "9007199254740995", 0x4340000000000002ULL },
        { "0x1.8p1", 0x4008000000000000ULL },
        { "0x.8p-1", 0x3fd0000000000000ULL },
        { "  -0.0", 0x8000000000000000ULL },
        { "1e-5", 0x3ee4f8b588e368f1ULL },
        { "123456789012345678901234567890", 0x45f8ee90ff6c373eULL },
    };
    for (size_t i = 0; i < sizeof hard / sizeof *hard; i++) {
        double d = strtod(hard[i].s, NULL);
        CHECK(bits(d) == hard[i].want, "strtod(\"%s\") bits %016llx", hard[i].s, (unsigned long long)bits(d));
    }
    char *end;
    errno = 0;
    double d = strtod("1e400", &end);
    CHECK(isinf(d) && d > 0 && errno == ERANGE && *end == 0, "strtod(\"1e400\") -> %s, ERANGE", kind(d));
    errno = 0;
    d = strtod("-1e-400", &end);
    CHECK(d == 0 && signbit(d) && errno == ERANGE, "strtod(\"-1e-400\") -> -0, ERANGE");
    d = strtod("12.5abc", &end);
    CHECK(d == 12.5 && strcmp(end, "abc") == 0, "strtod(\"12.5abc\") -> 12.5, rest \"%s\"", end);
    d = strtod("inf", NULL);
    CHECK(isinf(d), "strtod(\"inf\") -> %s", kind(d));
    d = strtod("-nan", NULL);
    CHECK(isnan(d), "strtod(\"-nan\") -> a NaN");
    d = strtod("xyz", &end);
    CHECK(d == 0 && strcmp(end, "xyz") == 0, "strtod(\"xyz\") -> 0, no conversion");

    printf("-- rounding modes\n");
    static const struct { int mode; const char *name; } modes[] = {
        { FE_TONEAREST, "TONEAREST" }, { FE_UPWARD, "UPWARD" }, { FE_DOWNWARD, "DOWNWARD" }, { FE_TOWARDZERO, "TOWARDZERO" },
    };
    static const double rin[] = { 2.5, -2.5, 1.2, -1.2, 0.5, 3.5 };
    for (size_t m = 0; m < 4; m++) {
        double r[6], nb[6];
        long lr[6];
        volatile double one = 1.0, three = 3.0;
        CHECK(fesetround(modes[m].mode) == 0 && fegetround() == modes[m].mode, "fesetround(FE_%s)", modes[m].name);
        for (int i = 0; i < 6; i++) {
            volatile double x = rin[i];
            r[i] = rint(x);
            nb[i] = nearbyint(x);
            lr[i] = lrint(x);
        }
        double third = one / three;
        volatile float fone = 1.0f, fthree = 3.0f;
        float fthird = fone / fthree;
        fesetround(FE_TONEAREST); /* print in the default mode */
        printf("   %-10s rint:", modes[m].name);
        for (int i = 0; i < 6; i++)
            printf(" %g->%g", rin[i], r[i]);
        printf("\n   %-10s lrint:", "");
        for (int i = 0; i < 6; i++)
            printf(" %ld", lr[i]);
        int same = 1;
        for (int i = 0; i < 6; i++)
            same &= bits(nb[i]) == bits(r[i]);
        printf("  nearbyint==rint: %s\n", same ? "yes" : "no");
        printf("   %-10s 1/3 = %016llx  1f/3f = %08x\n", "", (unsigned long long)bits(third), (unsigned)fbits(fthird));
    }
    CHECK(fesetround(12345) != 0, "fesetround(invalid) fails");

    printf("-- exception flags\n");
    volatile double zero = 0.0, one = 1.0, big = DBL_MAX, tiny = DBL_MIN, three = 3.0, neg = -1.0;
    volatile double res;
    feclearexcept(FE_ALL_EXCEPT);
    CHECK(fetestexcept(FE_ALL_EXCEPT) == 0, "after feclearexcept: %s", flags(fetestexcept(FE_ALL_EXCEPT)));
    res = one / zero;
    CHECK(fetestexcept(FE_ALL_EXCEPT) == FE_DIVBYZERO && isinf(res), "1/0 -> %s, flags: %s", kind(res), flags(fetestexcept(FE_ALL_EXCEPT)));
    feclearexcept(FE_ALL_EXCEPT);
    res = zero / zero;
    CHECK(fetestexcept(FE_ALL_EXCEPT) == FE_INVALID && isnan(res), "0/0 -> %s, flags: %s", kind(res), flags(fetestexcept(FE_ALL_EXCEPT)));
    CHECK(bits(res) == 0x7ff8000000000000ULL, "0/0 is the riscv canonical NaN %016llx", (unsigned long long)bits(res));
    feclearexcept(FE_ALL_EXCEPT);
    res = big * 2.0;
    CHECK(fetestexcept(FE_ALL_EXCEPT) == (FE_OVERFLOW | FE_INEXACT) && isinf(res), "DBL_MAX*2 -> %s, flags: %s", kind(res), flags(fetestexcept(FE_ALL_EXCEPT)));
    feclearexcept(FE_ALL_EXCEPT);
    res = tiny / three;
    CHECK(fetestexcept(FE_ALL_EXCEPT) == (FE_UNDERFLOW | FE_INEXACT) && fpclassify(res) == FP_SUBNORMAL,
          "DBL_MIN/3 -> subnormal, flags: %s", flags(fetestexcept(FE_ALL_EXCEPT)));
    feclearexcept(FE_ALL_EXCEPT);
    res = one / three;
    CHECK(fetestexcept(FE_ALL_EXCEPT) == FE_INEXACT, "1/3 flags: %s", flags(fetestexcept(FE_ALL_EXCEPT)));
    feclearexcept(FE_ALL_EXCEPT);
    res = one + one;
    CHECK(fetestexcept(FE_ALL_EXCEPT) == 0 && res == 2.0, "1+1 flags: %s", flags(fetestexcept(FE_ALL_EXCEPT)));
    feclearexcept(FE_ALL_EXCEPT);
    res = sqrt(neg);
    CHECK((fetestexcept(FE_ALL_EXCEPT) & FE_INVALID) && isnan(res), "sqrt(-1) -> %s, INVALID raised", kind(res));
    feclearexcept(FE_ALL_EXCEPT);
    volatile double nan_in = res;
    volatile int cmp = nan_in < one;
    CHECK(cmp == 0 && (fetestexcept(FE_ALL_EXCEPT) & FE_INVALID), "ordered compare NaN < 1 is false and raises INVALID");
    feclearexcept(FE_ALL_EXCEPT);
    cmp = nan_in == nan_in;
    CHECK(cmp == 0 && fetestexcept(FE_ALL_EXCEPT) == 0, "quiet compare NaN == NaN is false, no flags");
    feclearexcept(FE_ALL_EXCEPT);
    feraiseexcept(FE_OVERFLOW | FE_DIVBYZERO);
    CHECK(fetestexcept(FE_ALL_EXCEPT) == (FE_OVERFLOW | FE_DIVBYZERO), "feraiseexcept(OVERFLOW|DIVBYZERO): %s", flags(fetestexcept(FE_ALL_EXCEPT)));
    fenv_t env;
    fegetenv(&env);
    feclearexcept(FE_ALL_EXCEPT);
    fesetround(FE_UPWARD);
    fesetenv(&env);
    CHECK(fetestexcept(FE_ALL_EXCEPT) == (FE_OVERFLOW | FE_DIVBYZERO) && fegetround() == FE_TONEAREST, "fesetenv restores flags and rounding mode");
    feclearexcept(FE_ALL_EXCEPT);

    printf("-- subnormals\n");
    volatile double dmin = DBL_MIN;
    double tm = nextafter(0.0, 1.0);
    CHECK(bits(tm) == 1 && tm == DBL_TRUE_MIN, "nextafter(0, 1) = DBL_TRUE_MIN = %.17g", tm);
    double half = dmin / 2;
    CHECK(fpclassify(half) == FP_SUBNORMAL && bits(half) == 0x0008000000000000ULL, "DBL_MIN/2 subnormal bits %016llx", (unsigned long long)bits(half));
    CHECK(half * 2 == DBL_MIN, "DBL_MIN/2*2 == DBL_MIN (no flush to zero)");
    volatile double tmv = tm;
    CHECK(tmv / 2 == 0.0, "DBL_TRUE_MIN/2 rounds to 0 (ties to even)");
    CHECK(tmv * 3 / 2 == 2 * tm, "3*DBL_TRUE_MIN/2 rounds to 2*DBL_TRUE_MIN");
    volatile float fmin_ = FLT_MIN;
    float fh = fmin_ / 4;
    CHECK(fbits(fh) == 0x00200000u, "FLT_MIN/4 bits %08x", (unsigned)fbits(fh));
    printf("   %.17g %.6e %g\n", DBL_TRUE_MIN, DBL_MIN / 3, 1e-310);

    printf("-- riscv conversions and NaN handling\n");
    volatile double vnan = NAN, vbig = 1e20, vnbig = -1e20, vneg = -1.0, vinf = INFINITY;
    volatile float fnan = NAN;
    int i1 = (int)vnan, i2 = (int)vbig, i3 = (int)vnbig;
    long l1 = (long)vnan, l2 = (long)vinf;
    unsigned u1 = (unsigned)vneg;
    unsigned long ul = (unsigned long)vnan;
    CHECK(i1 == INT_MAX && i2 == INT_MAX && i3 == INT_MIN, "fcvt.w.d saturates: (int)NaN=%d (int)1e20=%d (int)-1e20=%d", i1, i2, i3);
    CHECK(l1 == LONG_MAX && l2 == LONG_MAX, "fcvt.l.d: (long)NaN=%ld (long)+Inf=%ld", l1, l2);
    CHECK(u1 == 0 && ul == ULONG_MAX, "fcvt.wu.d (unsigned)-1.0=%u, fcvt.lu.d (unsigned long)NaN=%lu", u1, ul);
    float fs = fnan + 1.0f;
    CHECK(fbits(fs) == 0x7fc00000u, "float NaN arithmetic gives canonical NaN %08x", (unsigned)fbits(fs));
    volatile double neg_nan;
    uint64_t nb = 0xfff8000000000123ULL;
    memcpy((void *)&neg_nan, &nb, 8);
    double sum = neg_nan + 1.0;
    CHECK(bits(sum) == 0x7ff8000000000000ULL, "NaN payload/sign not propagated: -NaN(0x123)+1 = %016llx", (unsigned long long)bits(sum));
    double mn = fmin(vnan, 2.0), mx = fmax(3.0, vnan);
    CHECK(mn == 2.0 && mx == 3.0, "fmin(NaN, 2)=%g fmax(3, NaN)=%g", mn, mx);
    double ng = -neg_nan;
    CHECK(bits(ng) == 0x7ff8000000000123ULL, "negation only flips the sign bit: %016llx", (unsigned long long)bits(ng));
    double cs = copysign(3.0, -0.0);
    CHECK(cs == -3.0, "copysign(3, -0.0) = %g", cs);
    volatile double m0 = -0.0;
    CHECK(signbit(m0 * 1.0) && !signbit(m0 + 0.0), "-0*1 = -0, -0+0 = +0");

    printf("float_fmt: %d failures\n", failures);
    return failures ? 1 : 0;
}
