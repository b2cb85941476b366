/* int_ops.c: integer differential battery (RV64I, M, A).
 *
 * Every register-register operation of I and M over a table of interesting operands,
 * every AMO (.w and .d) on a stack word, and LR/SC, printed as hex, one line per
 * (operation, first operand). The output must be identical on the machine (flat
 * image) and under qemu-riscv64 (ELF); tests/isa/diff/golden/int_ops.out is qemu's. */
#include "rt.h"

static const u64 vals[] = {
    0, 1, 7, 0xffffffffffffffffUL, 0xfffffffffffffff9UL, 0x8000000000000000UL,
    0x7fffffffffffffffUL, 0xffffffff80000000UL, 0x80000000UL, 0xffffffffUL,
    0x123456789abcdef0UL, 64 + 33,
};
#define NV (sizeof vals / sizeof vals[0])

#define RR(name)                                                             \
    static u64 op_##name(u64 a, u64 b) {                                     \
        u64 r;                                                               \
        asm volatile(#name " %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));        \
        return r;                                                            \
    }
RR(add) RR(sub) RR(sll) RR(slt) RR(sltu) RR(xor) RR(srl) RR(sra) RR(or) RR(and)
RR(addw) RR(subw) RR(sllw) RR(srlw) RR(sraw)
RR(mul) RR(mulh) RR(mulhsu) RR(mulhu) RR(div) RR(divu) RR(rem) RR(remu)
RR(mulw) RR(divw) RR(divuw) RR(remw) RR(remuw)

struct rr {
    const char *name;
    u64 (*f)(u64, u64);
};
#define E(n) {#n, op_##n}
static const struct rr rrs[] = {
    E(add), E(sub), E(sll), E(slt), E(sltu), E(xor), E(srl), E(sra), E(or), E(and),
    E(addw), E(subw), E(sllw), E(srlw), E(sraw),
    E(mul), E(mulh), E(mulhsu), E(mulhu), E(div), E(divu), E(rem), E(remu),
    E(mulw), E(divw), E(divuw), E(remw), E(remuw),
};

/* AMO on *p with operand v: returns the old value (rd); *p is updated. */
#define AMO(name, w)                                                         \
    static u64 amo_##name##_##w(u64 *p, u64 v) {                             \
        u64 r;                                                               \
        asm volatile(#name "." #w " %0, %2, (%1)" : "=r"(r) : "r"(p), "r"(v) : "memory"); \
        return r;                                                            \
    }
#define AMO2(name) AMO(name, w) AMO(name, d)
AMO2(amoswap) AMO2(amoadd) AMO2(amoxor) AMO2(amoand) AMO2(amoor)
AMO2(amomin) AMO2(amomax) AMO2(amominu) AMO2(amomaxu)

struct amo {
    const char *name;
    u64 (*f)(u64 *, u64);
};
#define A(n) {#n ".w", amo_##n##_w}, {#n ".d", amo_##n##_d}
static const struct amo amos[] = {
    A(amoswap), A(amoadd), A(amoxor), A(amoand), A(amoor),
    A(amomin), A(amomax), A(amominu), A(amomaxu),
};

int main(void) {
    struct out o;
    o.n = 0;
    for (u64 k = 0; k < sizeof rrs / sizeof rrs[0]; k++) {
        for (u64 i = 0; i < NV; i++) {
            out_str(&o, rrs[k].name);
            out_char(&o, ' ');
            out_dec(&o, i);
            out_char(&o, ':');
            for (u64 j = 0; j < NV; j++) {
                out_char(&o, ' ');
                out_hex(&o, rrs[k].f(vals[i], vals[j]), 16);
            }
            out_char(&o, '\n');
        }
    }
    /* Immediate forms (the immediates are fixed in the encodings). */
    for (u64 i = 0; i < NV; i++) {
        u64 a = vals[i], r[12];
        asm volatile("addi %0, %1, -1" : "=r"(r[0]) : "r"(a));
        asm volatile("sltiu %0, %1, -1" : "=r"(r[1]) : "r"(a));
        asm volatile("slti %0, %1, -1" : "=r"(r[2]) : "r"(a));
        asm volatile("xori %0, %1, -2048" : "=r"(r[3]) : "r"(a));
        asm volatile("srai %0, %1, 63" : "=r"(r[4]) : "r"(a));
        asm volatile("srli %0, %1, 33" : "=r"(r[5]) : "r"(a));
        asm volatile("slli %0, %1, 31" : "=r"(r[6]) : "r"(a));
        asm volatile("addiw %0, %1, 2047" : "=r"(r[7]) : "r"(a));
        asm volatile("slliw %0, %1, 31" : "=r"(r[8]) : "r"(a));
        asm volatile("srliw %0, %1, 1" : "=r"(r[9]) : "r"(a));
        asm volatile("sraiw %0, %1, 31" : "=r"(r[10]) : "r"(a));
        asm volatile("andi %0, %1, -16" : "=r"(r[11]) : "r"(a));
        out_str(&o, "imm ");
        out_dec(&o, i);
        out_char(&o, ':');
        for (int k = 0; k < 12; k++) {
            out_char(&o, ' ');
            out_hex(&o, r[k], 16);
        }
        out_char(&o, '\n');
    }
    /* AMOs: old value and new memory, for each (old, operand). The .w forms work on
     * the low word of an 8-byte slot whose high word must survive. */
    for (u64 k = 0; k < sizeof amos / sizeof amos[0]; k++) {
        for (u64 i = 0; i < NV; i += 2) {
            out_str(&o, amos[k].name);
            out_char(&o, ' ');
            out_dec(&o, i);
            out_char(&o, ':');
            for (u64 j = 0; j < NV; j += 3) {
                u64 slot[2] = {vals[i], 0x5a5a5a5a5a5a5a5aUL};
                u64 old = amos[k].f(&slot[0], vals[j]);
                out_char(&o, ' ');
                out_hex(&o, old, 16);
                out_char(&o, '/');
                out_hex(&o, slot[0], 16);
                if (slot[1] != 0x5a5a5a5a5a5a5a5aUL)
                    out_str(&o, "!clobbered");
            }
            out_char(&o, '\n');
        }
    }
    /* LR/SC: success, failure without a reservation, and the value LR.W reads. */
    {
        u64 slot[2] = {0x80000000UL, 0};
        u64 lr, sc1, sc2;
        asm volatile("lr.w %0, (%3)\n\tsc.w %1, %4, (%3)\n\tsc.w %2, %4, (%3)"
                     : "=&r"(lr), "=&r"(sc1), "=&r"(sc2)
                     : "r"(&slot[0]), "r"(0x1234UL)
                     : "memory");
        out_str(&o, "lrsc.w: ");
        out_hex(&o, lr, 16);
        out_char(&o, ' ');
        out_hex(&o, sc1, 1);
        out_char(&o, ' ');
        out_hex(&o, sc2, 1);
        out_char(&o, ' ');
        out_hex(&o, slot[0], 16);
        out_char(&o, '\n');
        asm volatile("lr.d %0, (%3)\n\tsc.d %1, %4, (%3)\n\tsc.d %2, %4, (%3)"
                     : "=&r"(lr), "=&r"(sc1), "=&r"(sc2)
                     : "r"(&slot[0]), "r"(0xfedcba9876543210UL)
                     : "memory");
        out_str(&o, "lrsc.d: ");
        out_hex(&o, lr, 16);
        out_char(&o, ' ');
        out_hex(&o, sc1, 1);
        out_char(&o, ' ');
        out_hex(&o, sc2, 1);
        out_char(&o, ' ');
        out_hex(&o, slot[0], 16);
        out_char(&o, '\n');
    }
    /* Loads of every width and sign from a stack buffer, at every alignment. */
    {
        unsigned char buf[24];
        for (int i = 0; i < 24; i++)
            buf[i] = (unsigned char)(0x81 + 37 * i);
        for (int off = 0; off < 8; off++) {
            u64 r[7];
            unsigned char *p = buf + off;
            asm volatile("lb %0, 0(%1)" : "=r"(r[0]) : "r"(p) : "memory");
            asm volatile("lbu %0, 0(%1)" : "=r"(r[1]) : "r"(p) : "memory");
            asm volatile("lh %0, 0(%1)" : "=r"(r[2]) : "r"(p) : "memory");
            asm volatile("lhu %0, 0(%1)" : "=r"(r[3]) : "r"(p) : "memory");
            asm volatile("lw %0, 0(%1)" : "=r"(r[4]) : "r"(p) : "memory");
            asm volatile("lwu %0, 0(%1)" : "=r"(r[5]) : "r"(p) : "memory");
            asm volatile("ld %0, 0(%1)" : "=r"(r[6]) : "r"(p) : "memory");
            out_str(&o, "load ");
            out_dec(&o, (u64)off);
            out_char(&o, ':');
            for (int k = 0; k < 7; k++) {
                out_char(&o, ' ');
                out_hex(&o, r[k], 16);
            }
            out_char(&o, '\n');
        }
    }
    out_str(&o, "int_ops done\n");
    out_flush(&o);
    return 0;
}
