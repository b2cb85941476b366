/* qsort_strings.c — a CPU-bound workload (also a handy benchmark): 100000
 * pseudo-random lowercase strings (xorshift PRNG, lengths 4..19) are sorted
 * with qsort/strcmp, checked to be in order, and summarized: FNV-1a hash of
 * the sorted sequence, first/last/median strings, number of duplicates,
 * and a binary search for a few keys with bsearch. The output is the same
 * for any correct qsort (equal strings are indistinguishable). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 100000

static uint64_t s = 88172645463325252ULL;
static uint64_t xorshift(void)
{
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
    static char pool[N * 20];
    static char *v[N];
    char *p = pool;
    for (int i = 0; i < N; i++) {
        int len = 4 + xorshift() % 16;
        v[i] = p;
        for (int k = 0; k < len; k++)
            /* a small alphabet for the first letters makes duplicates likely */
            *p++ = k < 3 ? 'a' + xorshift() % 4 : 'a' + xorshift() % 26;
        *p++ = 0;
    }
    qsort(v, N, sizeof *v, cmp);
    int sorted = 1, dups = 0;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (int i = 0; i < N; i++) {
        if (i && strcmp(v[i - 1], v[i]) > 0)
            sorted = 0;
        if (i && strcmp(v[i - 1], v[i]) == 0)
            dups++;
        for (const char *c = v[i]; *c; c++)
            h = (h ^ (unsigned char)*c) * 0x100000001b3ULL;
        h = (h ^ '\n') * 0x100000001b3ULL;
    }
    printf("sorted %d strings: %s\n", N, sorted ? "in order" : "NOT IN ORDER");
    printf("first: %s\nmedian: %s\nlast: %s\n", v[0], v[N / 2], v[N - 1]);
    printf("duplicates: %d\n", dups);
    printf("fnv1a of sorted sequence: %016llx\n", (unsigned long long)h);
    const char *keys[] = { v[12345], v[99999], "zzzzzzzzzzzzzzzzzzzzz", "aaaa", v[50000] };
    int found = 0;
    for (int i = 0; i < 5; i++) {
        const char *k = keys[i];
        found += bsearch(&k, v, N, sizeof *v, cmp) != NULL;
    }
    printf("bsearch: %d of 5 keys found\n", found);
    /* sort again in reverse to exercise a different input order */
    for (int i = 0; i < N / 2; i++) {
        char *t = v[i];
        v[i] = v[N - 1 - i];
        v[N - 1 - i] = t;
    }
    qsort(v, N, sizeof *v, cmp);
    uint64_t h2 = 0xcbf29ce484222325ULL;
    for (int i = 0; i < N; i++) {
        for (const char *c = v[i]; *c; c++)
            h2 = (h2 ^ (unsigned char)*c) * 0x100000001b3ULL;
        h2 = (h2 ^ '\n') * 0x100000001b3ULL;
    }
    printf("re-sort from reversed order gives the same sequence: %s\n", h2 == h ? "yes" : "no");
    return sorted && h2 == h ? 0 : 1;
}
