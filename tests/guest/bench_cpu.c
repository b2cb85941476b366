// A CPU-bound workload: integer sieve, a double-precision matrix multiply and a CRC32,
// repeated SCALE times (argument 1, default 1), with a deterministic checksum.
// The corpus runs it at scale 1; scripts/bench.sh at a larger scale.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t crc32(const uint8_t *p, size_t n) {
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & -(c & 1));
    }
    return ~c;
}

int main(int argc, char **argv) {
    int scale = argc > 1 ? atoi(argv[1]) : 1;
    enum { N = 200000, M = 48 };
    static uint8_t sieve[N];
    static double a[M][M], b[M][M], c[M][M];
    uint64_t primes = 0;
    double trace = 0;
    uint32_t crc = 0;
    for (int s = 0; s < scale; s++) {
        memset(sieve, 1, sizeof sieve);
        for (int i = 2; i * i < N; i++)
            if (sieve[i])
                for (int j = i * i; j < N; j += i) sieve[j] = 0;
        for (int i = 2; i < N; i++) primes += sieve[i];
        for (int i = 0; i < M; i++)
            for (int j = 0; j < M; j++) {
                a[i][j] = (i * 7 + j * 3 + s) % 11 - 5.0;
                b[i][j] = (i * 5 + j * 13 + s) % 7 / 3.0;
            }
        for (int i = 0; i < M; i++)
            for (int j = 0; j < M; j++) {
                double t = 0;
                for (int k = 0; k < M; k++) t += a[i][k] * b[k][j];
                c[i][j] = t;
            }
        for (int i = 0; i < M; i++) trace += c[i][i];
        crc ^= crc32(sieve, N);
    }
    printf("scale %d: primes %llu, trace %.6f, crc %08x\n", scale, (unsigned long long)primes, trace, crc);
    return 0;
}
