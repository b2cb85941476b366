/* getrandom.c — kernel randomness: getrandom(64 bytes) returns 64 and not
 * all zero, two calls differ, GRND_NONBLOCK works, a large request is
 * satisfied (loop on short reads), the byte histogram of 64 KiB is sane
 * (every value appears, none more than 3x expected), EINVAL for unknown
 * flags, EFAULT for a bad buffer, getentropy (max 256 bytes; 257 -> EIO),
 * and /dev/urandom and /dev/random reads. No random value is printed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

static int failures;
/* CHECK(cond, fmt, ...): print "ok"/"FAIL" and the message; errno as left
 * by cond is preserved for the message arguments. */
#define CHECK(cond, ...) do { int c_ = (cond); int e_ = errno; \
    printf("%s ", c_ ? "ok  " : "FAIL"); errno = e_; \
    printf(__VA_ARGS__); printf("\n"); if (!c_) failures++; } while (0)

static int all_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

int main(void)
{
    unsigned char a[64], b[64];
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    ssize_t n = getrandom(a, sizeof a, 0);
    CHECK(n == 64 && !all_zero(a, 64), "getrandom(64, 0) -> %zd bytes, not all zero", n);
    n = getrandom(b, sizeof b, 0);
    CHECK(n == 64 && memcmp(a, b, 64) != 0, "a second call returns different bytes");
    n = getrandom(b, 16, GRND_NONBLOCK);
    CHECK(n == 16, "GRND_NONBLOCK -> %zd", n);
    n = getrandom(b, 0, 0);
    CHECK(n == 0, "getrandom of 0 bytes -> 0");

    static unsigned char big[65536];
    size_t got = 0;
    int calls = 0;
    while (got < sizeof big) {
        n = getrandom(big + got, sizeof big - got, 0);
        if (n <= 0)
            break;
        got += n;
        calls++;
    }
    CHECK(got == sizeof big, "64 KiB via getrandom (short reads retried)");
    int hist[256] = { 0 };
    for (size_t i = 0; i < sizeof big; i++)
        hist[big[i]]++;
    int lo = 1 << 30, hi = 0;
    for (int i = 0; i < 256; i++) {
        if (hist[i] < lo) lo = hist[i];
        if (hist[i] > hi) hi = hist[i];
    }
    CHECK(lo > 0 && hi < 3 * 256, "byte histogram sane: every value present, none > 3x expected");

    errno = 0;
    CHECK(getrandom(a, 8, 0x100) == -1 && errno == EINVAL, "unknown flag -> EINVAL");
    errno = 0;
    CHECK(syscall(SYS_getrandom, (void *)1, 8, 0) == -1 && errno == EFAULT, "bad buffer -> EFAULT");

    memset(a, 0, sizeof a);
    CHECK(getentropy(a, 32) == 0 && !all_zero(a, 32), "getentropy(32) -> 0, not all zero");
    static unsigned char e[300];
    CHECK(getentropy(e, 256) == 0, "getentropy(256) allowed");
    errno = 0;
    CHECK(getentropy(e, 257) == -1 && errno == EIO, "getentropy(257) -> EIO");

    int fd = open("/dev/urandom", O_RDONLY);
    memset(a, 0, sizeof a);
    n = read(fd, a, 64);
    CHECK(fd >= 0 && n == 64 && !all_zero(a, 64), "/dev/urandom: read 64 bytes, not all zero");
    close(fd);
    fd = open("/dev/random", O_RDONLY);
    memset(a, 0, sizeof a);
    n = read(fd, a, 16);
    CHECK(fd >= 0 && n == 16 && !all_zero(a, 16), "/dev/random: read 16 bytes");
    close(fd);

    printf("getrandom: %d failures\n", failures);
    return failures ? 1 : 0;
}
