/* rt.c: see rt.h. */
#include "rt.h"

long sys_write(int fd, const void *buf, u64 len) {
    register long a0 asm("a0") = fd;
    register long a1 asm("a1") = (long)buf;
    register long a2 asm("a2") = (long)len;
    register long a7 asm("a7") = 64;
    asm volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a7) : "memory");
    return a0;
}

void sys_exit(int code) {
    register long a0 asm("a0") = code;
    register long a7 asm("a7") = 93;
    asm volatile("ecall" : : "r"(a0), "r"(a7) : "memory");
    for (;;) {
    }
}

void out_flush(struct out *o) {
    if (o->n) {
        sys_write(1, o->buf, o->n);
        o->n = 0;
    }
}

void out_char(struct out *o, char c) {
    if (o->n == sizeof o->buf)
        out_flush(o);
    o->buf[o->n++] = c;
}

void out_str(struct out *o, const char *s) {
    while (*s)
        out_char(o, *s++);
}

void out_hex(struct out *o, u64 v, int digits) {
    for (int i = digits - 1; i >= 0; i--)
        out_char(o, "0123456789abcdef"[(v >> (4 * i)) & 15]);
}

void out_dec(struct out *o, u64 v) {
    char t[24];
    int n = 0;
    do {
        t[n++] = '0' + v % 10;
        v /= 10;
    } while (v);
    while (n)
        out_char(o, t[--n]);
}

void *memset(void *d, int c, u64 n) {
    char *p = d;
    while (n--)
        *p++ = (char)c;
    return d;
}

void *memcpy(void *d, const void *s, u64 n) {
    char *p = d;
    const char *q = s;
    while (n--)
        *p++ = *q++;
    return d;
}
