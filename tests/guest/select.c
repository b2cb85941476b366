/* select.c — select(2) and pselect(2) on pipes: zero timeout with nothing
 * ready, readable after a write, writable write end, readable at EOF, many
 * fds with only some ready (the sets are rewritten to the ready ones),
 * nfds limiting which fds are looked at, a real 30ms timeout, a blocking
 * select woken by a forked child, EBADF for a closed fd, EINVAL for a
 * negative nfds, and pselect with a signal mask (pending blocked signal ->
 * EINTR, handler ran, mask restored). select's timeout write-back is not
 * printed: glibc updates it (as Linux does) but musl does not. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures;
/* CHECK(cond, fmt, ...): print "ok"/"FAIL" and the message; errno as left
 * by cond is preserved for the message arguments. */
#define CHECK(cond, ...) do { int c_ = (cond); int e_ = errno; \
    printf("%s ", c_ ? "ok  " : "FAIL"); errno = e_; \
    printf(__VA_ARGS__); printf("\n"); if (!c_) failures++; } while (0)

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static volatile sig_atomic_t got_usr1;
static void on_usr1(int s) { (void)s; got_usr1 = 1; }

int main(void)
{
    int p[2];
    if (pipe(p) != 0)
        return 2;
    fd_set r, w;
    struct timeval tv = { 0, 0 };
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    int n = select(p[0] + 1, &r, NULL, NULL, &tv);
    CHECK(n == 0 && !FD_ISSET(p[0], &r), "empty pipe, zero timeout: %d ready, bit cleared", n);

    FD_ZERO(&w);
    FD_SET(p[1], &w);
    tv.tv_sec = 0;
    tv.tv_usec = 0;
    n = select(p[1] + 1, NULL, &w, NULL, &tv);
    CHECK(n == 1 && FD_ISSET(p[1], &w), "write end writable: %d", n);

    if (write(p[1], "x", 1) != 1)
        return 2;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    FD_ZERO(&w);
    FD_SET(p[1], &w);
    int maxfd = p[0] > p[1] ? p[0] : p[1];
    tv.tv_sec = 0;
    tv.tv_usec = 0;
    n = select(maxfd + 1, &r, &w, NULL, &tv);
    CHECK(n == 2 && FD_ISSET(p[0], &r) && FD_ISSET(p[1], &w), "after write: readable and writable, count %d", n);

    /* EOF counts as readable */
    char c;
    read(p[0], &c, 1);
    close(p[1]);
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    tv.tv_sec = 0;
    tv.tv_usec = 0;
    n = select(p[0] + 1, &r, NULL, NULL, &tv);
    CHECK(n == 1 && FD_ISSET(p[0], &r) && read(p[0], &c, 1) == 0, "writer closed: readable, read returns 0 (EOF)");
    close(p[0]);

    /* many pipes, every third written */
    int pp[20][2];
    FD_ZERO(&r);
    int hi = 0;
    for (int i = 0; i < 20; i++) {
        pipe(pp[i]);
        FD_SET(pp[i][0], &r);
        if (pp[i][0] > hi)
            hi = pp[i][0];
        if (i % 3 == 0)
            write(pp[i][1], "z", 1);
    }
    tv.tv_sec = 0;
    tv.tv_usec = 0;
    n = select(hi + 1, &r, NULL, NULL, &tv);
    char which[80] = "";
    for (int i = 0; i < 20; i++)
        if (FD_ISSET(pp[i][0], &r))
            sprintf(which + strlen(which), "%d ", i);
    CHECK(n == 7 && strcmp(which, "0 3 6 9 12 15 18 ") == 0, "20 pipes, every third written: %d ready: %s", n, which);
    /* nfds excludes higher fds */
    FD_ZERO(&r);
    FD_SET(pp[0][0], &r);
    FD_SET(pp[18][0], &r);
    tv.tv_sec = 0;
    tv.tv_usec = 0;
    n = select(pp[18][0], &r, NULL, NULL, &tv);
    CHECK(n == 1 && FD_ISSET(pp[0][0], &r) && !FD_ISSET(pp[18][0], &r), "nfds below the highest fd: only the lower one reported");
    for (int i = 0; i < 20; i++) {
        close(pp[i][0]);
        close(pp[i][1]);
    }

    /* timeouts */
    pipe(p);
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    tv.tv_sec = 0;
    tv.tv_usec = 30000;
    long t0 = now_ms();
    n = select(p[0] + 1, &r, NULL, NULL, &tv);
    long el = now_ms() - t0;
    CHECK(n == 0 && el >= 30 && !FD_ISSET(p[0], &r), "30ms timeout: 0 ready after >= 30ms, set cleared");
    n = select(0, NULL, NULL, NULL, &(struct timeval){ 0, 10000 });
    CHECK(n == 0, "select with no fds as a 10ms sleep -> 0");

    /* woken by a child */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        usleep(20000);
        write(p[1], "w", 1);
        _exit(0);
    }
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    n = select(p[0] + 1, &r, NULL, NULL, NULL);
    CHECK(n == 1 && FD_ISSET(p[0], &r), "blocking select (no timeout) woken by the child's write");
    waitpid(pid, NULL, 0);
    read(p[0], &c, 1);

    /* errors */
    /* (a closed fd inside the fd table; fds beyond the table size are
     * silently ignored by Linux) */
    int closed = dup(0);
    close(closed);
    FD_ZERO(&r);
    FD_SET(closed, &r);
    tv.tv_sec = 0;
    tv.tv_usec = 0;
    errno = 0;
    CHECK(select(closed + 1, &r, NULL, NULL, &tv) == -1 && errno == EBADF, "select on a closed fd -> EBADF");
    errno = 0;
    CHECK(select(-1, NULL, NULL, NULL, &tv) == -1 && errno == EINVAL, "select with nfds -1 -> EINVAL");

    /* pselect with a signal mask */
    signal(SIGUSR1, on_usr1);
    sigset_t block, empty, cur;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, NULL);
    raise(SIGUSR1);
    sigemptyset(&empty);
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    struct timespec ts = { 2, 0 };
    errno = 0;
    n = pselect(p[0] + 1, &r, NULL, NULL, &ts, &empty);
    CHECK(n == -1 && errno == EINTR && got_usr1, "pselect with empty mask: -1 EINTR, handler ran");
    sigprocmask(SIG_BLOCK, NULL, &cur);
    CHECK(sigismember(&cur, SIGUSR1), "mask restored after pselect");
    ts.tv_sec = 0;
    ts.tv_nsec = 0;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    n = pselect(p[0] + 1, &r, NULL, NULL, &ts, NULL);
    CHECK(n == 0, "pselect zero timeout, nothing ready -> 0");

    close(p[0]);
    close(p[1]);
    printf("select: %d failures\n", failures);
    return failures ? 1 : 0;
}
