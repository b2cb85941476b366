/* mips.c: the CPU-bound workload of the MIPS benchmark (machine/benches/mips.rs).
 *
 * A bitwise CRC-32 over a 16 KiB buffer, many passes, then a sieve of Eratosthenes,
 * repeated: plain integer code with loads, stores and branches, about 200 million
 * instructions. Prints the checksums, so the machine's run and qemu's can be compared. */
#include "rt.h"

#define BUF 16384
#define PASSES 150
#define SIEVE 65536
#define ROUNDS 40

static u32 crc32(const unsigned char *p, u64 n, u32 crc) {
    crc = ~crc;
    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
    }
    return ~crc;
}

static u64 sieve(unsigned char *comp, u64 n) {
    u64 count = 0;
    memset(comp, 0, n);
    for (u64 i = 2; i < n; i++) {
        if (comp[i])
            continue;
        count++;
        for (u64 j = i * i; j < n; j += i)
            comp[j] = 1;
    }
    return count;
}

int main(void) {
    unsigned char buf[BUF];
    unsigned char comp[SIEVE];
    struct out o;
    o.n = 0;
    u32 x = 12345;
    for (int i = 0; i < BUF; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (unsigned char)(x >> 16);
    }
    u32 crc = 0;
    for (int pass = 0; pass < PASSES; pass++)
        crc = crc32(buf, BUF, crc);
    u64 primes = 0;
    for (int r = 0; r < ROUNDS; r++)
        primes += sieve(comp, SIEVE);
    out_str(&o, "crc ");
    out_hex(&o, crc, 8);
    out_str(&o, " primes ");
    out_dec(&o, primes);
    out_char(&o, '\n');
    out_flush(&o);
    return 0;
}
