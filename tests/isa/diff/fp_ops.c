/* fp_ops.c: floating-point differential battery (F, D, fcsr).
 *
 * Arithmetic, square roots, fused multiply-adds, min/max, compares, classification,
 * sign injection and conversions, in every rounding mode (set with fsrm, instructions
 * use the dynamic mode), each result followed by the fflags it raised ("r/ff"), the
 * flags cleared after every operation. Plus NaN boxing and fcsr access. The output
 * must be identical on the machine and under qemu-riscv64. */
#include "rt.h"

/* Doubles: zeros, ordinary numbers, subnormal, extremes, infinity, NaNs. */
static const u64 dv[] = {
    0x0000000000000000UL, 0x8000000000000000UL, 0x3ff0000000000000UL, 0xbff8000000000000UL,
    0x3fb999999999999aUL, 0x3fd5555555555555UL, 0x0000000000000001UL, 0x0010000000000000UL,
    0x7fefffffffffffffUL, 0x7ff0000000000000UL, 0x7ff8000000000000UL, 0x7ff4000000000000UL,
    0xc008000000000000UL, 0x4340000000000001UL,
};
/* The same kinds of singles. */
static const u32 sv[] = {
    0x00000000, 0x80000000, 0x3f800000, 0xbfc00000, 0x3dcccccd, 0x3eaaaaab, 0x00000001,
    0x00800000, 0x7f7fffff, 0x7f800000, 0x7fc00000, 0x7fa00000, 0xc0400000, 0x4b800001,
};
#define N 14
/* Finite non-zero operands, for the rounding-mode sweeps. */
static const int finite[] = {2, 3, 4, 5, 6, 7, 8, 12, 13};
#define NF 9
/* Operands of the fused multiply-adds. */
static const int fmav[] = {0, 2, 3, 4, 9, 10};
#define NFMA 6
/* Doubles for conversions to integers. */
static const u64 cvd[] = {
    0x4004000000000000UL /* 2.5 */, 0xc004000000000000UL /* -2.5 */, 0x3fe0000000000000UL /* .5 */,
    0xbfe0000000000000UL /* -.5 */, 0x41e0000000000000UL /* 2^31 */, 0xc1e0000000200000UL /* -2^31-1 */,
    0x41f0000000000000UL /* 2^32 */, 0x43e0000000000000UL /* 2^63 */, 0x43f0000000000000UL /* 2^64 */,
    0xbff0000000000000UL /* -1 */, 0x41efffffffe00000UL /* 2^32-1 */, 0xc3e0000000000000UL /* -2^63 */,
    0x7ff8000000000000UL, 0xfff0000000000000UL, 0x3fefffffffffffffUL, 0x4330000000000001UL,
};
/* Integers for conversions to floating point. */
static const u64 cvi[] = {
    0, 1, 0xffffffffffffffffUL, 0x7fffffffffffffffUL, 0x8000000000000000UL, 0xffffffffUL,
    0x80000001UL, 0x1000001UL, 0x20000000000001UL, 0xfffffffffffffc01UL,
};

static const char *const rms[] = {"rne", "rtz", "rdn", "rup", "rmm"};

static void set_rm(u64 rm) { asm volatile("fsrm %0" : : "r"(rm)); }

#define FL "\n\tfrflags %1\n\tfsflags zero"

#define BIN_D(op)                                                                          \
    static u64 d_##op(u64 a, u64 b, u64 *fl) {                                             \
        u64 r, f;                                                                          \
        asm volatile("fmv.d.x ft0, %2\n\tfmv.d.x ft1, %3\n\t" #op ".d ft2, ft0, ft1\n\tfmv.x.d %0, ft2" FL \
                     : "=r"(r), "=r"(f) : "r"(a), "r"(b) : "ft0", "ft1", "ft2");           \
        *fl = f;                                                                           \
        return r;                                                                          \
    }
#define BIN_S(op)                                                                          \
    static u64 s_##op(u64 a, u64 b, u64 *fl) {                                             \
        u64 r, f;                                                                          \
        asm volatile("fmv.w.x ft0, %2\n\tfmv.w.x ft1, %3\n\t" #op ".s ft2, ft0, ft1\n\tfmv.x.w %0, ft2" FL \
                     : "=r"(r), "=r"(f) : "r"(a), "r"(b) : "ft0", "ft1", "ft2");           \
        *fl = f;                                                                           \
        return r;                                                                          \
    }
#define CMP_D(op)                                                                          \
    static u64 d_##op(u64 a, u64 b, u64 *fl) {                                             \
        u64 r, f;                                                                          \
        asm volatile("fmv.d.x ft0, %2\n\tfmv.d.x ft1, %3\n\t" #op ".d %0, ft0, ft1" FL     \
                     : "=r"(r), "=r"(f) : "r"(a), "r"(b) : "ft0", "ft1");                  \
        *fl = f;                                                                           \
        return r;                                                                          \
    }
#define CMP_S(op)                                                                          \
    static u64 s_##op(u64 a, u64 b, u64 *fl) {                                             \
        u64 r, f;                                                                          \
        asm volatile("fmv.w.x ft0, %2\n\tfmv.w.x ft1, %3\n\t" #op ".s %0, ft0, ft1" FL     \
                     : "=r"(r), "=r"(f) : "r"(a), "r"(b) : "ft0", "ft1");                  \
        *fl = f;                                                                           \
        return r;                                                                          \
    }
BIN_D(fadd) BIN_D(fsub) BIN_D(fmul) BIN_D(fdiv) BIN_D(fmin) BIN_D(fmax)
BIN_D(fsgnj) BIN_D(fsgnjn) BIN_D(fsgnjx)
BIN_S(fadd) BIN_S(fsub) BIN_S(fmul) BIN_S(fdiv) BIN_S(fmin) BIN_S(fmax)
BIN_S(fsgnj) BIN_S(fsgnjn) BIN_S(fsgnjx)
CMP_D(feq) CMP_D(flt) CMP_D(fle)
CMP_S(feq) CMP_S(flt) CMP_S(fle)

typedef u64 (*binop)(u64, u64, u64 *);
struct bin {
    const char *name;
    binop d, s;
};
#define B(n) {#n, d_##n, s_##n}
static const struct bin rounding_ops[] = {B(fadd), B(fsub), B(fmul), B(fdiv)};
static const struct bin exact_ops[] = {B(fmin), B(fmax), B(feq), B(flt), B(fle), B(fsgnj), B(fsgnjn), B(fsgnjx)};

#define FMA_D(op)                                                                          \
    static u64 d_##op(u64 a, u64 b, u64 c, u64 *fl) {                                      \
        u64 r, f;                                                                          \
        asm volatile("fmv.d.x ft0, %2\n\tfmv.d.x ft1, %3\n\tfmv.d.x ft3, %4\n\t" #op ".d ft2, ft0, ft1, ft3\n\tfmv.x.d %0, ft2" FL \
                     : "=r"(r), "=r"(f) : "r"(a), "r"(b), "r"(c) : "ft0", "ft1", "ft2", "ft3"); \
        *fl = f;                                                                           \
        return r;                                                                          \
    }
#define FMA_S(op)                                                                          \
    static u64 s_##op(u64 a, u64 b, u64 c, u64 *fl) {                                      \
        u64 r, f;                                                                          \
        asm volatile("fmv.w.x ft0, %2\n\tfmv.w.x ft1, %3\n\tfmv.w.x ft3, %4\n\t" #op ".s ft2, ft0, ft1, ft3\n\tfmv.x.w %0, ft2" FL \
                     : "=r"(r), "=r"(f) : "r"(a), "r"(b), "r"(c) : "ft0", "ft1", "ft2", "ft3"); \
        *fl = f;                                                                           \
        return r;                                                                          \
    }
FMA_D(fmadd) FMA_D(fmsub) FMA_D(fnmsub) FMA_D(fnmadd)
FMA_S(fmadd) FMA_S(fmsub) FMA_S(fnmsub) FMA_S(fnmadd)
typedef u64 (*fmaop)(u64, u64, u64, u64 *);
static const struct {
    const char *name;
    fmaop d, s;
} fmas[] = {{"fmadd", d_fmadd, s_fmadd}, {"fmsub", d_fmsub, s_fmsub}, {"fnmsub", d_fnmsub, s_fnmsub}, {"fnmadd", d_fnmadd, s_fnmadd}};

#define UN(name, body)                                                                     \
    static u64 name(u64 a, u64 *fl) {                                                      \
        u64 r, f;                                                                          \
        asm volatile(body FL : "=r"(r), "=r"(f) : "r"(a) : "ft0", "ft2");                  \
        *fl = f;                                                                           \
        return r;                                                                          \
    }
UN(d_fsqrt, "fmv.d.x ft0, %2\n\tfsqrt.d ft2, ft0\n\tfmv.x.d %0, ft2")
UN(s_fsqrt, "fmv.w.x ft0, %2\n\tfsqrt.s ft2, ft0\n\tfmv.x.w %0, ft2")
UN(d_fclass, "fmv.d.x ft0, %2\n\tfclass.d %0, ft0")
UN(s_fclass, "fmv.w.x ft0, %2\n\tfclass.s %0, ft0")
UN(d_to_w, "fmv.d.x ft0, %2\n\tfcvt.w.d %0, ft0")
UN(d_to_wu, "fmv.d.x ft0, %2\n\tfcvt.wu.d %0, ft0")
UN(d_to_l, "fmv.d.x ft0, %2\n\tfcvt.l.d %0, ft0")
UN(d_to_lu, "fmv.d.x ft0, %2\n\tfcvt.lu.d %0, ft0")
UN(s_to_w, "fmv.d.x ft0, %2\n\tfcvt.s.d ft0, ft0, rtz\n\tfcvt.w.s %0, ft0")
UN(s_to_lu, "fmv.d.x ft0, %2\n\tfcvt.s.d ft0, ft0, rtz\n\tfcvt.lu.s %0, ft0")
UN(w_to_d, "fcvt.d.w ft2, %2\n\tfmv.x.d %0, ft2")
UN(wu_to_d, "fcvt.d.wu ft2, %2\n\tfmv.x.d %0, ft2")
UN(l_to_d, "fcvt.d.l ft2, %2\n\tfmv.x.d %0, ft2")
UN(lu_to_d, "fcvt.d.lu ft2, %2\n\tfmv.x.d %0, ft2")
UN(w_to_s, "fcvt.s.w ft2, %2\n\tfmv.x.w %0, ft2")
UN(wu_to_s, "fcvt.s.wu ft2, %2\n\tfmv.x.w %0, ft2")
UN(l_to_s, "fcvt.s.l ft2, %2\n\tfmv.x.w %0, ft2")
UN(lu_to_s, "fcvt.s.lu ft2, %2\n\tfmv.x.w %0, ft2")
UN(d_to_s, "fmv.d.x ft0, %2\n\tfcvt.s.d ft2, ft0\n\tfmv.x.w %0, ft2")
UN(s_to_d, "fmv.w.x ft0, %2\n\tfcvt.d.s ft2, ft0\n\tfmv.x.d %0, ft2")
/* NaN boxing: a single op on a register holding a double, and the upper half of a
 * single result. */
UN(unboxed_add, "fmv.d.x ft0, %2\n\tfadd.s ft2, ft0, ft0\n\tfmv.x.d %0, ft2")
UN(boxed_result, "fmv.w.x ft0, %2\n\tfadd.s ft2, ft0, ft0\n\tfmv.x.d %0, ft2")
UN(unboxed_sgnj, "fmv.d.x ft0, %2\n\tfsgnjn.s ft2, ft0, ft0\n\tfmv.x.d %0, ft2")
UN(mv_x_w, "fmv.d.x ft0, %2\n\tfmv.x.w %0, ft0")

static void item(struct out *o, u64 r, int digits, u64 fl) {
    out_char(o, ' ');
    out_hex(o, r, digits);
    out_char(o, '/');
    out_hex(o, fl, 2);
}

static void head(struct out *o, const char *op, const char *fmt, const char *rm, int i) {
    out_str(o, op);
    out_str(o, fmt);
    out_char(o, ' ');
    out_str(o, rm);
    out_char(o, ' ');
    out_dec(o, (u64)i);
    out_char(o, ':');
}

int main(void) {
    struct out o;
    o.n = 0;
    asm volatile("fscsr zero");
    for (int prec = 0; prec < 2; prec++) {
        const char *fmt = prec ? ".s" : ".d";
        int digits = prec ? 8 : 16;
#define V(i) (prec ? (u64)sv[i] : dv[i])
        /* All operands, round to nearest even. */
        set_rm(0);
        for (u64 k = 0; k < 4; k++)
            for (int i = 0; i < N; i++) {
                head(&o, rounding_ops[k].name, fmt, "rne", i);
                for (int j = 0; j < N; j++) {
                    u64 fl, r = (prec ? rounding_ops[k].s : rounding_ops[k].d)(V(i), V(j), &fl);
                    item(&o, r & (prec ? 0xffffffffUL : ~0UL), digits, fl);
                }
                out_char(&o, '\n');
            }
        /* Finite operands in every mode. */
        for (u64 rm = 1; rm < 5; rm++) {
            set_rm(rm);
            for (u64 k = 0; k < 4; k++)
                for (int ii = 0; ii < NF; ii++) {
                    int i = finite[ii];
                    head(&o, rounding_ops[k].name, fmt, rms[rm], i);
                    for (int jj = 0; jj < NF; jj++) {
                        u64 fl, r = (prec ? rounding_ops[k].s : rounding_ops[k].d)(V(i), V(finite[jj]), &fl);
                        item(&o, r & (prec ? 0xffffffffUL : ~0UL), digits, fl);
                    }
                    out_char(&o, '\n');
                }
        }
        set_rm(0);
        for (u64 k = 0; k < sizeof exact_ops / sizeof exact_ops[0]; k++)
            for (int i = 0; i < N; i++) {
                head(&o, exact_ops[k].name, fmt, "-", i);
                for (int j = 0; j < N; j++) {
                    u64 fl, r = (prec ? exact_ops[k].s : exact_ops[k].d)(V(i), V(j), &fl);
                    item(&o, r & (prec ? 0xffffffffUL : ~0UL), digits, fl);
                }
                out_char(&o, '\n');
            }
        for (u64 rm = 0; rm < 5; rm++) {
            set_rm(rm);
            head(&o, "fsqrt", fmt, rms[rm], 0);
            for (int i = 0; i < N; i++) {
                u64 fl, r = (prec ? s_fsqrt : d_fsqrt)(V(i), &fl);
                item(&o, r & (prec ? 0xffffffffUL : ~0UL), digits, fl);
            }
            out_char(&o, '\n');
        }
        head(&o, "fclass", fmt, "-", 0);
        for (int i = 0; i < N; i++) {
            u64 fl, r = (prec ? s_fclass : d_fclass)(V(i), &fl);
            item(&o, r, 3, fl);
        }
        out_char(&o, '\n');
        for (u64 rm = 0; rm < 5; rm += 2) {
            set_rm(rm);
            for (u64 k = 0; k < 4; k++)
                for (int a = 0; a < NFMA; a++)
                    for (int b = 0; b < NFMA; b++) {
                        head(&o, fmas[k].name, fmt, rms[rm], a * 10 + b);
                        for (int c = 0; c < NFMA; c++) {
                            u64 fl, r = (prec ? fmas[k].s : fmas[k].d)(V(fmav[a]), V(fmav[b]), V(fmav[c]), &fl);
                            item(&o, r & (prec ? 0xffffffffUL : ~0UL), digits, fl);
                        }
                        out_char(&o, '\n');
                    }
        }
#undef V
    }
    /* Conversions. */
    static u64 (*const to_int[])(u64, u64 *) = {d_to_w, d_to_wu, d_to_l, d_to_lu, s_to_w, s_to_lu};
    static const char *const to_int_names[] = {"fcvt.w.d", "fcvt.wu.d", "fcvt.l.d", "fcvt.lu.d", "fcvt.w.s", "fcvt.lu.s"};
    for (u64 rm = 0; rm < 5; rm++) {
        set_rm(rm);
        for (int k = 0; k < 6; k++) {
            head(&o, to_int_names[k], "", rms[rm], 0);
            for (u64 i = 0; i < sizeof cvd / sizeof cvd[0]; i++) {
                u64 fl, r = to_int[k](cvd[i], &fl);
                item(&o, r, 16, fl);
            }
            out_char(&o, '\n');
        }
    }
    static u64 (*const from_int[])(u64, u64 *) = {w_to_d, wu_to_d, l_to_d, lu_to_d, w_to_s, wu_to_s, l_to_s, lu_to_s};
    static const char *const from_int_names[] = {"fcvt.d.w", "fcvt.d.wu", "fcvt.d.l", "fcvt.d.lu", "fcvt.s.w", "fcvt.s.wu", "fcvt.s.l", "fcvt.s.lu"};
    for (u64 rm = 0; rm < 5; rm++) {
        set_rm(rm);
        for (int k = 0; k < 8; k++) {
            head(&o, from_int_names[k], "", rms[rm], 0);
            for (u64 i = 0; i < sizeof cvi / sizeof cvi[0]; i++) {
                u64 fl, r = from_int[k](cvi[i], &fl);
                item(&o, r & (k >= 4 ? 0xffffffffUL : ~0UL), k >= 4 ? 8 : 16, fl);
            }
            out_char(&o, '\n');
        }
        head(&o, "fcvt.s.d", "", rms[rm], 0);
        for (int i = 0; i < N; i++) {
            u64 fl, r = d_to_s(dv[i], &fl);
            item(&o, r & 0xffffffffUL, 8, fl);
        }
        for (u64 i = 0; i < sizeof cvd / sizeof cvd[0]; i++) {
            u64 fl, r = d_to_s(cvd[i], &fl);
            item(&o, r & 0xffffffffUL, 8, fl);
        }
        out_char(&o, '\n');
    }
    set_rm(0);
    head(&o, "fcvt.d.s", "", "-", 0);
    for (int i = 0; i < N; i++) {
        u64 fl, r = s_to_d(sv[i], &fl);
        item(&o, r, 16, fl);
    }
    out_char(&o, '\n');
    /* NaN boxing. */
    head(&o, "boxing", "", "-", 0);
    for (int i = 0; i < N; i++) {
        u64 fl;
        item(&o, unboxed_add(dv[i], &fl), 16, fl);
        item(&o, boxed_result(sv[i], &fl), 16, fl);
        item(&o, unboxed_sgnj(dv[i], &fl), 16, fl);
        item(&o, mv_x_w(dv[i] | 0x80000000UL, &fl), 16, fl);
    }
    out_char(&o, '\n');
    /* fcsr fields. */
    {
        u64 a, b, c, d, e;
        asm volatile("fscsr %0" : : "r"(0xffUL));
        asm volatile("frcsr %0" : "=r"(a));
        asm volatile("frrm %0" : "=r"(b));
        asm volatile("frflags %0" : "=r"(c));
        asm volatile("fsrmi 2\n\tfsflagsi 5\n\tfrcsr %0" : "=r"(d));
        asm volatile("fsflags %0, zero\n\tfscsr zero" : "=r"(e));
        out_str(&o, "fcsr:");
        item(&o, a, 2, b);
        item(&o, c, 2, d);
        item(&o, e, 2, 0);
        out_char(&o, '\n');
    }
    out_str(&o, "fp_ops done\n");
    out_flush(&o);
    return 0;
}
