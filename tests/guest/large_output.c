/* large_output.c — bulk I/O: 1 MiB of deterministic data is written to a
 * temp file in varying chunk sizes (1 byte .. 192 KiB), read back in
 * chunk sizes 16 B .. 1 MiB, written again with writev (1024 iovecs per
 * call; 1025 -> EINVAL), copied with copy_file_range and sendfile (with an
 * offset pointer), and ~125 KiB go through stdio with a small setvbuf
 * buffer (many fprintf/fputs/putc + one fwrite). Every copy is verified by
 * an FNV-1a 64 checksum. Only the byte counts and checksums are printed, so
 * the golden file stays small: the bulk goes to temp files, not stdout. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static int failures;
/* CHECK(cond, fmt, ...): print "ok"/"FAIL" and the message; errno as left
 * by cond is preserved for the message arguments. */
#define CHECK(cond, ...) do { int c_ = (cond); int e_ = errno; \
    printf("%s ", c_ ? "ok  " : "FAIL"); errno = e_; \
    printf(__VA_ARGS__); printf("\n"); if (!c_) failures++; } while (0)

#define SIZE (1 << 20)
static unsigned char data[SIZE], back[SIZE];

static uint64_t fnv(const unsigned char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    while (n--)
        h = (h ^ *p++) * 0x100000001b3ULL;
    return h;
}

/* read a whole file in chunks of `chunk` bytes into back[]; returns size */
static long read_all(const char *path, size_t chunk)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    long got = 0;
    ssize_t n;
    while (got < SIZE && (n = read(fd, back + got, (size_t)(SIZE - got) < chunk ? (size_t)(SIZE - got) : chunk)) > 0)
        got += n;
    char extra;
    if (read(fd, &extra, 1) != 0)
        got = -2;
    close(fd);
    return got;
}

int main(void)
{
    uint32_t x = 12345;
    for (int i = 0; i < SIZE; i++) {
        x = x * 1664525u + 1013904223u;
        data[i] = (unsigned char)(x >> 24);
    }
    uint64_t want = fnv(data, SIZE);
    printf("data: %d bytes, fnv1a %016llx\n", SIZE, (unsigned long long)want);

    char dir[] = "/tmp/gx_large_XXXXXX", p1[64], p2[64], p3[64], p4[64], p5[64];
    if (!mkdtemp(dir))
        return 2;
    snprintf(p1, sizeof p1, "%s/write", dir);
    snprintf(p2, sizeof p2, "%s/writev", dir);
    snprintf(p3, sizeof p3, "%s/cfr", dir);
    snprintf(p4, sizeof p4, "%s/sendfile", dir);
    snprintf(p5, sizeof p5, "%s/stdio", dir);

    /* 1. write() in varying chunk sizes */
    static const size_t chunks[] = { 1, 7, 512, 4096, 4097, 65536, 100000, 196608, 3 };
    int fd = open(p1, O_CREAT | O_WRONLY | O_TRUNC, 0600);
    long off = 0, calls = 0;
    for (int k = 0; off < SIZE; k = (k + 1) % 9) {
        size_t len = chunks[k];
        if (len > (size_t)(SIZE - off))
            len = SIZE - off;
        ssize_t n = write(fd, data + off, len);
        if (n <= 0)
            break;
        off += n;
        calls++;
    }
    close(fd);
    CHECK(off == SIZE, "write(): 1 MiB in chunk sizes 1..196608");
    for (size_t c = 1; c <= 1 << 20; c *= 16) {
        if (c == 1)
            continue; /* byte-by-byte reads of 1 MiB are too slow under emulation */
        long got = read_all(p1, c);
        CHECK(got == SIZE && fnv(back, SIZE) == want, "read back in %zu-byte chunks: %ld bytes, checksum matches", c, got);
    }

    /* 2. writev with IOV_MAX iovecs of 1024 bytes */
    fd = open(p2, O_CREAT | O_WRONLY | O_TRUNC, 0600);
    struct iovec iov[1024];
    off = 0;
    while (off < SIZE) {
        int cnt = 0;
        for (; cnt < 1024 && off + cnt * 1024 < SIZE; cnt++) {
            iov[cnt].iov_base = data + off + cnt * 1024;
            iov[cnt].iov_len = 1024;
        }
        ssize_t n = writev(fd, iov, cnt);
        if (n <= 0)
            break;
        off += n;
    }
    close(fd);
    long got = read_all(p2, 65536);
    CHECK(got == SIZE && fnv(back, SIZE) == want, "writev with 1024 iovecs per call: checksum matches");
    errno = 0;
    fd = open(p2, O_WRONLY);
    static struct iovec toomany[1025];
    for (int i = 0; i < 1025; i++) {
        toomany[i].iov_base = data;
        toomany[i].iov_len = 1;
    }
    CHECK(writev(fd, toomany, 1025) == -1 && errno == EINVAL, "writev with 1025 iovecs -> EINVAL");
    close(fd);

    /* 3. copy_file_range and sendfile */
    int in = open(p1, O_RDONLY), out = open(p3, O_CREAT | O_WRONLY | O_TRUNC, 0600);
    long copied = 0;
    ssize_t n;
    while (copied < SIZE && (n = copy_file_range(in, NULL, out, NULL, SIZE - copied, 0)) > 0)
        copied += n;
    close(out);
    got = read_all(p3, 1 << 20);
    CHECK(copied == SIZE && got == SIZE && fnv(back, SIZE) == want, "copy_file_range: %ld bytes, checksum matches", copied);
    lseek(in, 0, SEEK_SET);
    out = open(p4, O_CREAT | O_WRONLY | O_TRUNC, 0600);
    off_t soff = 4096;
    copied = 0;
    while (copied < SIZE - 4096 && (n = sendfile(out, in, &soff, SIZE - 4096 - copied)) > 0)
        copied += n;
    close(out);
    CHECK(soff == SIZE && lseek(in, 0, SEEK_CUR) == 0, "sendfile with an offset pointer leaves the file offset alone");
    int f4 = open(p4, O_RDONLY);
    got = read(f4, back, SIZE);
    close(f4);
    CHECK(got == SIZE - 4096 && fnv(back, got) == fnv(data + 4096, SIZE - 4096), "sendfile from offset 4096: %ld bytes, checksum matches", got);
    close(in);

    /* 4. stdio: many small pieces through a FILE with a 1000-byte buffer */
    FILE *f = fopen(p5, "w");
    static char sbuf[1000];
    setvbuf(f, sbuf, _IOFBF, sizeof sbuf);
    long sb = 0;
    for (int i = 0; i < 4000; i++) {
        sb += fprintf(f, "%05d:", i);
        fputs("abcdefgh", f);
        putc('\n', f);
        sb += 9;
    }
    fwrite(data, 1, 65536, f);
    sb += 65536;
    fclose(f);
    struct stat st;
    stat(p5, &st);
    FILE *rf = fopen(p5, "r");
    char line[64];
    int ok_lines = 0;
    for (int i = 0; i < 4000 && fgets(line, sizeof line, rf); i++) {
        char want_line[32];
        snprintf(want_line, sizeof want_line, "%05d:abcdefgh\n", i);
        ok_lines += strcmp(line, want_line) == 0;
    }
    size_t tail = fread(back, 1, SIZE, rf);
    fclose(rf);
    CHECK(st.st_size == sb && ok_lines == 4000 && tail == 65536 && fnv(back, tail) == fnv(data, 65536),
          "stdio with a 1000-byte buffer: %ld bytes, 4000 lines + 64 KiB binary intact", (long)st.st_size);

    unlink(p1);
    unlink(p2);
    unlink(p3);
    unlink(p4);
    unlink(p5);
    rmdir(dir);
    printf("large_output: %d failures\n", failures);
    return failures ? 1 : 0;
}
