/* brk.c — the program break and the heap: raw brk syscall (query, grow,
 * shrink, the new area is zero-filled and writable, a request below the
 * initial break fails), sbrk growth/shrink (glibc; musl's sbrk only
 * supports 0 and fails others with ENOMEM) — done before any malloc so the
 * allocator is not disturbed (results printed afterwards) — then malloc of
 * many sizes (1 B .. 4 MiB, small ones from the heap, big ones mmap'ed),
 * pattern checks, realloc growth/shrink keeping contents, calloc returning
 * zeroed memory even after dirty frees, posix_memalign/aligned_alloc
 * alignment, and a deterministic random alloc/free workload. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
/* the impossible sizes and unused allocations below are the point */
#pragma GCC diagnostic ignored "-Walloc-size-larger-than="
#pragma GCC diagnostic ignored "-Wunused-result"

static int failures;
/* CHECK(cond, fmt, ...): print "ok"/"FAIL" and the message; errno as left
 * by cond is preserved for the message arguments. */
#define CHECK(cond, ...) do { int c_ = (cond); int e_ = errno; \
    printf("%s ", c_ ? "ok  " : "FAIL"); errno = e_; \
    printf(__VA_ARGS__); printf("\n"); if (!c_) failures++; } while (0)

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

int main(void)
{
    /* ---- phase 1: no stdio / malloc until the break is restored ---- */
    int r_query_same, r_grow_ok, r_zero, r_write, r_shrink_ok, r_below_fails;
    int s_ret_old, s_zero_query, s_shrink, s_final;
    {
        uintptr_t b0 = (uintptr_t)syscall(SYS_brk, 0);
        uintptr_t b0b = (uintptr_t)syscall(SYS_brk, 0);
        r_query_same = b0 != 0 && b0 == b0b;
        uintptr_t want = (b0 + 0xfff) & ~(uintptr_t)0xfff;
        want += 64 * 1024;
        uintptr_t b1 = (uintptr_t)syscall(SYS_brk, want);
        r_grow_ok = b1 == want;
        /* the page-rounded area between the old and new break is usable */
        unsigned char *area = (unsigned char *)((b0 + 0xfff) & ~(uintptr_t)0xfff);
        int zero = 1;
        for (uintptr_t p = (uintptr_t)area; p < want; p++)
            zero &= *(unsigned char *)p == 0;
        r_zero = zero;
        memset(area, 0x5a, want - (uintptr_t)area);
        r_write = area[0] == 0x5a && *(unsigned char *)(want - 1) == 0x5a;
        uintptr_t b2 = (uintptr_t)syscall(SYS_brk, b0);
        r_shrink_ok = b2 == b0;
        /* asking for a break below the start of the heap fails: the kernel
         * returns the current break unchanged */
        uintptr_t b3 = (uintptr_t)syscall(SYS_brk, 4096);
        r_below_fails = b3 == b0;

        /* sbrk: glibc moves the break; musl only supports sbrk(0) and
         * fails any other request with ENOMEM (by design) */
        void *s0 = sbrk(0);
        s_zero_query = s0 == (void *)b0;
        errno = 0;
        void *s1 = sbrk(8192);
        if (s1 == (void *)-1) {
            s_ret_old = s_shrink = s_final = errno == ENOMEM && sbrk(0) == s0;
        } else {
            void *s2 = sbrk(0);
            s_ret_old = s1 == s0 && (char *)s2 == (char *)s0 + 8192;
            memset(s1, 0x33, 8192);
            void *s3 = sbrk(-4096);
            void *s4 = sbrk(0);
            s_shrink = s3 == s2 && (char *)s4 == (char *)s0 + 4096;
            sbrk(-4096);
            s_final = sbrk(0) == s0;
        }
    }
    CHECK(r_query_same, "brk(0) returns the same non-zero break twice");
    CHECK(r_grow_ok, "brk(page-aligned break + 64 KiB) -> exactly that");
    CHECK(r_zero, "new heap pages are zero-filled");
    CHECK(r_write, "new heap pages are writable");
    CHECK(r_shrink_ok, "brk back to the original break");
    CHECK(r_below_fails, "brk(4096) fails: returns the current break");
    CHECK(s_zero_query, "sbrk(0) == brk(0)");
    CHECK(s_ret_old, "sbrk(8192) returns the old break and grows it by 8192 (musl: fails with ENOMEM)");
    CHECK(s_shrink, "sbrk(-4096) shrinks by one page (musl: n/a)");
    CHECK(s_final, "break back where sbrk started");

    /* ---- phase 2: malloc ---- */
    size_t sizes[] = { 1, 2, 3, 7, 8, 15, 16, 17, 24, 31, 32, 33, 63, 64, 100, 127, 128, 200, 255, 256, 500,
                       1000, 1023, 1024, 2048, 4000, 4096, 4097, 8192, 10000, 65535, 65536, 100000, 131072,
                       200000, 262144, 1 << 20, (1 << 20) + 1, 4 << 20 };
    int ns = sizeof sizes / sizeof *sizes;
    unsigned char *ptrs[64];
    int aligned = 1;
    for (int i = 0; i < ns; i++) {
        ptrs[i] = malloc(sizes[i]);
        if (!ptrs[i]) {
            aligned = 0;
            continue;
        }
        aligned &= ((uintptr_t)ptrs[i] & 15) == 0;
        memset(ptrs[i], i + 1, sizes[i]);
    }
    int intact = 1;
    for (int i = 0; i < ns; i++) {
        for (size_t k = 0; k < sizes[i]; k += (sizes[i] > 4096 ? 1021 : 1))
            intact &= ptrs[i][k] == (unsigned char)(i + 1);
        intact &= ptrs[i][sizes[i] - 1] == (unsigned char)(i + 1);
    }
    CHECK(aligned, "%d malloc sizes from 1 B to 4 MiB: all non-NULL and 16-byte aligned", ns);
    CHECK(intact, "no allocation overlaps another (patterns intact)");
    for (int i = 0; i < ns; i += 2)
        free(ptrs[i]);
    for (int i = 1; i < ns; i += 2)
        free(ptrs[i]);
    CHECK(malloc(0) != NULL || 1, "malloc(0) returns NULL or a unique pointer");

    /* realloc */
    char *p = malloc(10);
    memcpy(p, "0123456789", 10);
    p = realloc(p, 100000);
    int keep = p && memcmp(p, "0123456789", 10) == 0;
    memset(p + 10, 'x', 100000 - 10);
    p = realloc(p, 5000000);
    keep &= p && memcmp(p, "0123456789", 10) == 0 && p[99999] == 'x';
    p = realloc(p, 5);
    keep &= p && memcmp(p, "01234", 5) == 0;
    CHECK(keep, "realloc 10 -> 100000 -> 5000000 -> 5 keeps the contents");
    free(p);
    p = realloc(NULL, 33);
    CHECK(p != NULL, "realloc(NULL, 33) acts like malloc");
    free(p);

    /* calloc after dirty frees */
    for (int round = 0; round < 3; round++) {
        char *d = malloc(5000);
        memset(d, 0xee, 5000);
        free(d);
    }
    int zeroed = 1;
    for (int i = 0; i < 20; i++) {
        size_t n = 100 + i * 997;
        unsigned char *c = calloc(n, 3);
        for (size_t k = 0; k < n * 3; k++)
            zeroed &= c[k] == 0;
        memset(c, 0xab, n * 3);
        free(c);
    }
    CHECK(zeroed, "calloc memory is zeroed (20 sizes, after dirty frees)");
    errno = 0;
    void *ov = calloc(SIZE_MAX / 2, 4);
    CHECK(ov == NULL && errno == ENOMEM, "calloc overflow -> NULL, ENOMEM");
    errno = 0;
    void *huge = malloc(SIZE_MAX / 2);
    CHECK(huge == NULL && errno == ENOMEM, "malloc(SIZE_MAX/2) -> NULL, ENOMEM");

    /* alignment APIs */
    void *al = NULL;
    int ok = posix_memalign(&al, 4096, 12345) == 0 && ((uintptr_t)al & 4095) == 0;
    free(al);
    void *al2 = aligned_alloc(256, 1024);
    ok &= al2 && ((uintptr_t)al2 & 255) == 0;
    free(al2);
    CHECK(ok, "posix_memalign(4096) and aligned_alloc(256) aligned");
    CHECK(posix_memalign(&al, 3, 16) == EINVAL, "posix_memalign with alignment 3 -> EINVAL");

    /* random workload */
    enum { SLOTS = 512 };
    static unsigned char *slot[SLOTS];
    static size_t slen[SLOTS];
    static unsigned char stag[SLOTS];
    int bad = 0;
    long ops = 0;
    for (int it = 0; it < 20000; it++) {
        int i = next() % SLOTS;
        if (slot[i]) {
            for (size_t k = 0; k < slen[i]; k += 7)
                bad |= slot[i][k] != stag[i];
            if (next() & 1) {
                free(slot[i]);
                slot[i] = NULL;
            } else {
                size_t nl = 1 + next() % 3000;
                unsigned char *q = realloc(slot[i], nl);
                size_t keepn = nl < slen[i] ? nl : slen[i];
                for (size_t k = 0; k < keepn; k += 7)
                    bad |= q[k] != stag[i];
                memset(q, stag[i], nl);
                slot[i] = q;
                slen[i] = nl;
            }
        } else {
            size_t n = 1 + (next() % 4 == 0 ? next() % 70000 : next() % 300);
            slot[i] = malloc(n);
            slen[i] = n;
            stag[i] = (unsigned char)next();
            memset(slot[i], stag[i], n);
        }
        ops++;
    }
    for (int i = 0; i < SLOTS; i++)
        free(slot[i]);
    CHECK(!bad, "random malloc/realloc/free workload: %ld operations, contents never corrupted", ops);

    printf("brk: %d failures\n", failures);
    return failures ? 1 : 0;
}
