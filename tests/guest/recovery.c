// Descriptors across a restart of the vfs (tests/faults.rs): a file, a pipe holding
// buffered bytes and /dev/zero stay open while a fault is injected into the vfs at one
// call, at its entry or in its middle. The restarted vfs must keep every descriptor,
// offset and buffered byte; the faulted call is either run again by the system or
// fails once with EIO, which this program handles as a Linux caller would: it prints
// "EIO <call>" and issues the call once more. Every other line must come out as
// without a fault.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// Runs `expr` (a syscall returning -1 and errno on failure) once more after an EIO.
#define TRY(what, expr)                                                  \
    ({                                                                   \
        long r_ = (long)(expr);                                          \
        if (r_ < 0 && errno == EIO) {                                    \
            printf("EIO %s\n", what);                                    \
            r_ = (long)(expr);                                           \
        }                                                                \
        r_;                                                              \
    })

static unsigned sum(const unsigned char *b, size_t n) {
    unsigned h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 16777619u;
    return h;
}

int main(void) {
    char path[] = "/tmp/gx-recovery-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return 2;
    int p[2];
    printf("pipe: %ld\n", TRY("pipe", pipe(p)));
    int z = TRY("open", open("/dev/zero", O_RDONLY));
    printf("open zero: %s\n", z >= 0 ? "ok" : "failed");
    char msg[128];
    for (int i = 0; i < 128; i++) msg[i] = "0123456789abcdef"[i % 16] + (i / 16) % 2 * ('A' - '0');
    printf("write pipe: %ld\n", TRY("write pipe", write(p[1], msg, sizeof msg)));

    static unsigned char blk[4000], back[4000];
    for (size_t i = 0; i < sizeof blk; i++) blk[i] = (unsigned char)(i * 7 + 3);
    for (int i = 0; i < 4; i++)
        printf("write file %d: %ld\n", i, TRY("write file", write(fd, blk + i * 1000, 1000)));
    for (int i = 0; i < 4; i++) {
        char b[17] = {0};
        long n = TRY("read pipe", read(p[0], b, 16));
        printf("read pipe %d: %ld %s\n", i, n, b);
    }
    char zb[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    long n = TRY("read zero", read(z, zb, sizeof zb));
    printf("read zero: %ld %s\n", n, memcmp(zb, "\0\0\0\0\0\0\0\0", 8) ? "nonzero" : "zeros");

    char path2[sizeof path + 2];
    snprintf(path2, sizeof path2, "%s.2", path);
    int f2 = TRY("open new", open(path2, O_CREAT | O_WRONLY | O_TRUNC, 0600));
    printf("open new: %s, write %ld, close %ld\n", f2 >= 0 ? "ok" : "failed", f2 >= 0 ? TRY("write new", write(f2, "0123456789", 10)) : -1L,
           f2 >= 0 ? TRY("close new", close(f2)) : -1L);

    printf("lseek: %ld\n", TRY("lseek", lseek(fd, 0, SEEK_SET)));
    n = TRY("read file", read(fd, back, sizeof back));
    printf("read file: %ld %s\n", n, n == (long)sizeof blk && sum(back, n) == sum(blk, sizeof blk) ? "same" : "different");
    printf("close writer: %ld\n", TRY("close", close(p[1])));
    char rest[128] = {0};
    n = TRY("read pipe", read(p[0], rest, sizeof rest - 1));
    printf("rest of pipe: %ld %s\n", n, n == 64 && !memcmp(rest, msg + 64, 64) ? "same" : "different");
    printf("eof: %ld\n", TRY("read pipe", read(p[0], rest, 1)));
    unlink(path2);
    unlink(path);
    return 0;
}
