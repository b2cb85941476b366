/* pipes.c — pipe/pipe2 semantics: write/read within a process, across fork
 * (several writes, EOF once every write end is closed), O_NONBLOCK (EAGAIN
 * on empty/full), capacity (F_GETPIPE_SZ/F_SETPIPE_SZ, fill until EAGAIN),
 * FIONREAD, a 1 MiB transfer with checksum, EPIPE with SIGPIPE ignored, and
 * a child killed by SIGPIPE with the default disposition. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;
/* CHECK(cond, fmt, ...): print "ok"/"FAIL" and the message; errno as left
 * by cond is preserved for the message arguments. */
#define CHECK(cond, ...) do { int c_ = (cond); int e_ = errno; \
    printf("%s ", c_ ? "ok  " : "FAIL"); errno = e_; \
    printf(__VA_ARGS__); printf("\n"); if (!c_) failures++; } while (0)

static uint64_t fnv(uint64_t h, const unsigned char *p, size_t n)
{
    while (n--)
        h = (h ^ *p++) * 0x100000001b3ULL;
    return h;
}

int main(void)
{
    int p[2];
    char buf[4096];
    ssize_t n;
    int status;

    /* 1. same-process round trip */
    CHECK(pipe(p) == 0, "pipe");
    n = write(p[1], "abc", 3);
    int avail = -1;
    ioctl(p[0], FIONREAD, &avail);
    CHECK(n == 3 && avail == 3, "write 3 bytes, FIONREAD -> %d", avail);
    n = read(p[0], buf, sizeof buf);
    CHECK(n == 3 && memcmp(buf, "abc", 3) == 0, "read -> %zd bytes \"%.3s\"", n, buf);
    n = read(p[0], buf, 0);
    CHECK(n == 0, "read of 0 bytes -> 0");
    close(p[1]);
    n = read(p[0], buf, sizeof buf);
    CHECK(n == 0, "read after write end closed -> EOF (%zd)", n);
    close(p[0]);

    /* 2. across fork: child writes 3 messages, parent reads until EOF */
    pipe(p);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        const char *msgs[] = { "first ", "second ", "third" };
        for (int i = 0; i < 3; i++) {
            if (write(p[1], msgs[i], strlen(msgs[i])) < 0)
                _exit(1);
            usleep(2000);
        }
        _exit(0);
    }
    close(p[1]);
    size_t got = 0;
    int reads = 0;
    while ((n = read(p[0], buf + got, sizeof buf - 1 - got)) > 0) {
        got += n;
        reads++;
    }
    buf[got] = 0;
    close(p[0]);
    waitpid(pid, &status, 0);
    CHECK(n == 0 && strcmp(buf, "first second third") == 0, "parent read until EOF: \"%s\" (%zu bytes)", buf, got);
    CHECK(reads >= 1 && reads <= 3, "took between 1 and 3 reads");
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child exited 0");

    /* 3. pipe2 flags, non-blocking empty read, capacity */
    CHECK(pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0, "pipe2(O_CLOEXEC|O_NONBLOCK)");
    CHECK((fcntl(p[0], F_GETFD) & FD_CLOEXEC) && (fcntl(p[1], F_GETFL) & O_NONBLOCK), "both flags set");
    errno = 0;
    CHECK(read(p[0], buf, 1) == -1 && errno == EAGAIN, "non-blocking read of empty pipe -> EAGAIN");
    int sz = fcntl(p[1], F_GETPIPE_SZ);
    CHECK(sz == 65536, "F_GETPIPE_SZ -> %d", sz);
    memset(buf, 'x', sizeof buf);
    long total = 0;
    for (;;) {
        n = write(p[1], buf, sizeof buf);
        if (n < 0)
            break;
        total += n;
    }
    CHECK(errno == EAGAIN && total == sz, "filled pipe with %ld bytes, then EAGAIN", total);
    ioctl(p[0], FIONREAD, &avail);
    CHECK(avail == sz, "FIONREAD on full pipe -> %d", avail);
    /* pipe buffers are page-sized slots: freeing 100 bytes of the first
     * page frees no slot, freeing a whole page does */
    n = read(p[0], buf, 100);
    errno = 0;
    n = write(p[1], buf, 50);
    CHECK(n == -1 && errno == EAGAIN, "50-byte write after reading 100 bytes of a full pipe -> EAGAIN");
    n = read(p[0], buf, 4096);
    n = write(p[1], buf, 4096);
    CHECK(n == 4096, "after reading a whole page, a 4096-byte write -> %zd", n);
    errno = 0;
    n = write(p[1], buf, 1);
    CHECK(n == -1 && errno == EAGAIN, "then full again: 1-byte write -> EAGAIN");
    close(p[0]);
    close(p[1]);

    pipe(p);
    int nsz = fcntl(p[1], F_SETPIPE_SZ, 8192);
    CHECK(nsz == 8192 && fcntl(p[0], F_GETPIPE_SZ) == 8192, "F_SETPIPE_SZ 8192 -> %d", nsz);
    nsz = fcntl(p[1], F_SETPIPE_SZ, 5000);
    CHECK(nsz == 8192, "F_SETPIPE_SZ 5000 rounds up to a power-of-two pages -> %d", nsz);
    close(p[0]);
    close(p[1]);

    /* 4. 1 MiB across fork, child writes in odd-sized chunks */
    pipe(p);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        close(p[0]);
        static unsigned char data[1 << 20];
        for (size_t i = 0; i < sizeof data; i++)
            data[i] = (unsigned char)(i * 7 + (i >> 9));
        size_t off = 0, chunk = 1;
        while (off < sizeof data) {
            size_t len = chunk < sizeof data - off ? chunk : sizeof data - off;
            n = write(p[1], data + off, len);
            if (n <= 0)
                _exit(1);
            off += n;
            chunk = chunk * 3 + 1;
            if (chunk > 200000)
                chunk = 1;
        }
        _exit(0);
    }
    close(p[1]);
    uint64_t h = 0xcbf29ce484222325ULL, want = 0xcbf29ce484222325ULL;
    size_t count = 0;
    while ((n = read(p[0], buf, 1000)) > 0) {
        h = fnv(h, (unsigned char *)buf, n);
        count += n;
    }
    for (size_t i = 0; i < (1 << 20); i++) {
        unsigned char c = (unsigned char)(i * 7 + (i >> 9));
        want = fnv(want, &c, 1);
    }
    waitpid(pid, &status, 0);
    close(p[0]);
    CHECK(count == (1 << 20) && h == want, "1 MiB through the pipe: %zu bytes, fnv1a %016llx", count, (unsigned long long)h);

    /* 5. reader gone: EPIPE with SIGPIPE ignored */
    signal(SIGPIPE, SIG_IGN);
    pipe(p);
    close(p[0]);
    errno = 0;
    n = write(p[1], "x", 1);
    CHECK(n == -1 && errno == EPIPE, "write with no reader, SIGPIPE ignored -> EPIPE");
    close(p[1]);

    /* 6. reader gone, default disposition: the writer dies of SIGPIPE */
    pipe(p);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        signal(SIGPIPE, SIG_DFL);
        close(p[0]);
        char c = 0;
        /* wait until the parent closed its read end */
        if (read(p[1], &c, 0) < 0) { }
        usleep(10000);
        for (int i = 0; i < 100; i++) {
            if (write(p[1], "y", 1) < 0)
                _exit(2);
            usleep(1000);
        }
        _exit(3);
    }
    close(p[0]);
    close(p[1]);
    waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE, "child writing to a reader-less pipe killed by signal %d (SIGPIPE)",
          WIFSIGNALED(status) ? WTERMSIG(status) : -1);

    printf("pipes: %d failures\n", failures);
    return failures ? 1 : 0;
}
