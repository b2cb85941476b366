/* devfiles.c — character devices: /dev/null (read -> EOF, write of any
 * size succeeds, lseek -> 0), /dev/zero (reads zeros, writes succeed, a
 * MAP_PRIVATE mapping is zero-filled and writable), /dev/full (write ->
 * ENOSPC, reads zeros), /dev/urandom; stat shows character devices with
 * the standard major/minor numbers (1:3 null, 1:5 zero, 1:7 full,
 * 1:8 random, 1:9 urandom); /dev/fd/N and /dev/stdin links work. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static int failures;
/* CHECK(cond, fmt, ...): print "ok"/"FAIL" and the message; errno as left
 * by cond is preserved for the message arguments. */
#define CHECK(cond, ...) do { int c_ = (cond); int e_ = errno; \
    printf("%s ", c_ ? "ok  " : "FAIL"); errno = e_; \
    printf(__VA_ARGS__); printf("\n"); if (!c_) failures++; } while (0)

static int all(const unsigned char *p, size_t n, unsigned char v)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != v)
            return 0;
    return 1;
}

int main(void)
{
    static unsigned char buf[65536];
    static const struct { const char *path; unsigned maj, min; } devs[] = {
        { "/dev/null", 1, 3 }, { "/dev/zero", 1, 5 }, { "/dev/full", 1, 7 }, { "/dev/random", 1, 8 }, { "/dev/urandom", 1, 9 },
    };
    for (size_t i = 0; i < sizeof devs / sizeof *devs; i++) {
        struct stat st;
        int r = stat(devs[i].path, &st);
        CHECK(r == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == devs[i].maj && minor(st.st_rdev) == devs[i].min,
              "%-12s is a character device %u:%u", devs[i].path, major(st.st_rdev), minor(st.st_rdev));
    }

    int fd = open("/dev/null", O_RDWR);
    CHECK(fd >= 0, "open /dev/null O_RDWR");
    CHECK(read(fd, buf, sizeof buf) == 0, "read /dev/null -> 0 (EOF)");
    CHECK(write(fd, buf, sizeof buf) == (ssize_t)sizeof buf, "write 64 KiB to /dev/null -> all of it");
    CHECK(write(fd, buf, 0) == 0, "write 0 bytes -> 0");
    CHECK(lseek(fd, 1000, SEEK_SET) == 0, "lseek on /dev/null -> 0");
    close(fd);

    fd = open("/dev/zero", O_RDWR);
    memset(buf, 0xff, sizeof buf);
    ssize_t n = read(fd, buf, sizeof buf);
    CHECK(n == (ssize_t)sizeof buf && all(buf, sizeof buf, 0), "read 64 KiB from /dev/zero: all zero");
    CHECK(write(fd, "abc", 3) == 3, "write to /dev/zero succeeds");
    unsigned char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK(m != MAP_FAILED && all(m, 8192, 0), "MAP_PRIVATE of /dev/zero: zero-filled");
    if (m != MAP_FAILED) {
        memset(m, 7, 8192);
        CHECK(all(m, 8192, 7), "...and writable");
        munmap(m, 8192);
    }
    close(fd);

    fd = open("/dev/full", O_RDWR);
    errno = 0;
    CHECK(write(fd, "x", 1) == -1 && errno == ENOSPC, "write to /dev/full -> ENOSPC");
    memset(buf, 0xff, 100);
    CHECK(read(fd, buf, 100) == 100 && all(buf, 100, 0), "read /dev/full: zeros");
    close(fd);
    FILE *f = fopen("/dev/full", "w");
    int pr = fprintf(f, "hello\n");
    int fl = fflush(f);
    int err = errno;
    CHECK(pr == 6 && fl == EOF && err == ENOSPC, "stdio: fprintf buffers, fflush to /dev/full fails with ENOSPC");
    fclose(f);

    fd = open("/dev/urandom", O_RDONLY);
    n = read(fd, buf, 4096);
    CHECK(n == 4096 && !all(buf, 4096, 0), "read 4 KiB from /dev/urandom");
    close(fd);

    /* /dev/fd and /dev/stdin */
    int p[2];
    if (pipe(p) != 0)
        return 2;
    char path[32];
    snprintf(path, sizeof path, "/dev/fd/%d", p[1]);
    int w = open(path, O_WRONLY);
    CHECK(w >= 0 && write(w, "via /dev/fd", 11) == 11, "open(/dev/fd/N) of a pipe's write end and write to it");
    memset(buf, 0, 32);
    n = read(p[0], buf, 32);
    CHECK(n == 11 && memcmp(buf, "via /dev/fd", 11) == 0, "the pipe's read end got it");
    close(w);
    struct stat a, b;
    CHECK(stat("/dev/stdin", &a) == 0 && fstat(0, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev, "/dev/stdin is fd 0");

    printf("devfiles: %d failures\n", failures);
    return failures ? 1 : 0;
}
