/* poll.c — poll(2)/ppoll on pipes: timeout 0 with nothing ready, POLLOUT on
 * an empty pipe's write end, POLLIN after a write, POLLIN|POLLHUP and then
 * POLLHUP alone after the writer closes, POLLERR on a write end whose
 * reader is gone, POLLNVAL for a closed fd, negative fds ignored, a regular
 * file always ready, a real timeout (>= 30ms elapsed), being woken by a
 * forked child writing later, several fds at once, and ppoll with a signal
 * mask (a pending blocked signal interrupts it: EINTR, handler ran). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures;
/* CHECK(cond, fmt, ...): print "ok"/"FAIL" and the message; errno as left
 * by cond is preserved for the message arguments. */
#define CHECK(cond, ...) do { int c_ = (cond); int e_ = errno; \
    printf("%s ", c_ ? "ok  " : "FAIL"); errno = e_; \
    printf(__VA_ARGS__); printf("\n"); if (!c_) failures++; } while (0)

static const char *ev(short e)
{
    static char buf[8][64];
    static int k;
    char *b = buf[k++ & 7];
    b[0] = 0;
    if (e & POLLIN) strcat(b, "IN|");
    if (e & POLLPRI) strcat(b, "PRI|");
    if (e & POLLOUT) strcat(b, "OUT|");
    if (e & POLLERR) strcat(b, "ERR|");
    if (e & POLLHUP) strcat(b, "HUP|");
    if (e & POLLNVAL) strcat(b, "NVAL|");
    if (!b[0]) strcpy(b, "0|");
    b[strlen(b) - 1] = 0;
    return b;
}

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
    struct pollfd fds[2] = { { p[0], POLLIN, 0 }, { p[1], POLLOUT, 0 } };

    int n = poll(fds, 1, 0);
    CHECK(n == 0 && fds[0].revents == 0, "empty pipe, timeout 0: %d ready, revents %s", n, ev(fds[0].revents));
    n = poll(&fds[1], 1, 0);
    CHECK(n == 1 && fds[1].revents == POLLOUT, "write end: %d ready, revents %s", n, ev(fds[1].revents));
    if (write(p[1], "x", 1) != 1)
        return 2;
    n = poll(fds, 2, 0);
    CHECK(n == 2 && fds[0].revents == POLLIN && fds[1].revents == POLLOUT, "after write: read end %s, write end %s", ev(fds[0].revents), ev(fds[1].revents));
    close(p[1]);
    n = poll(fds, 1, 0);
    CHECK(n == 1 && fds[0].revents == (POLLIN | POLLHUP), "writer closed, data left: %s", ev(fds[0].revents));
    char c;
    if (read(p[0], &c, 1) != 1)
        return 2;
    n = poll(fds, 1, 0);
    CHECK(n == 1 && fds[0].revents == POLLHUP, "writer closed, drained: %s", ev(fds[0].revents));
    fds[0].events = 0;
    n = poll(fds, 1, 0);
    CHECK(n == 1 && fds[0].revents == POLLHUP, "POLLHUP reported even with events=0: %s", ev(fds[0].revents));
    close(p[0]);

    /* reader gone: POLLERR on the write end */
    pipe(p);
    close(p[0]);
    struct pollfd w = { p[1], POLLOUT, 0 };
    n = poll(&w, 1, 0);
    CHECK(n == 1 && w.revents == (POLLOUT | POLLERR), "reader closed: write end %s", ev(w.revents));
    close(p[1]);

    /* POLLNVAL and negative fds */
    struct pollfd bad[2] = { { 987, POLLIN, 0 }, { -1, POLLIN, 0 } };
    n = poll(bad, 2, 0);
    CHECK(n == 1 && bad[0].revents == POLLNVAL && bad[1].revents == 0, "closed fd: %s; fd -1 ignored: %s", ev(bad[0].revents), ev(bad[1].revents));

    /* regular file is always ready */
    char tmpl[] = "/tmp/gx_poll_XXXXXX";
    int tf = mkstemp(tmpl);
    unlink(tmpl);
    struct pollfd rf = { tf, POLLIN | POLLOUT, 0 };
    n = poll(&rf, 1, 0);
    CHECK(n == 1 && rf.revents == (POLLIN | POLLOUT), "regular file: %s", ev(rf.revents));
    close(tf);

    /* a real timeout */
    pipe(p);
    fds[0].fd = p[0];
    fds[0].events = POLLIN;
    long t0 = now_ms();
    n = poll(fds, 1, 30);
    long el = now_ms() - t0;
    CHECK(n == 0 && el >= 30, "timeout 30ms: returned %d after >= 30ms", n);

    /* woken by a child writing after 20ms */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        usleep(20000);
        if (write(p[1], "wake", 4) != 4)
            _exit(1);
        _exit(0);
    }
    n = poll(fds, 1, 5000);
    CHECK(n == 1 && fds[0].revents == POLLIN, "blocking poll woken by the child's write: %s", ev(fds[0].revents));
    char buf[8];
    CHECK(read(p[0], buf, sizeof buf) == 4, "read the 4 bytes");
    waitpid(pid, NULL, 0);

    /* several pipes, some ready */
    int pp[6][2];
    struct pollfd many[6];
    for (int i = 0; i < 6; i++) {
        pipe(pp[i]);
        many[i].fd = pp[i][0];
        many[i].events = POLLIN;
        if (i % 2 == 0 && write(pp[i][1], "z", 1) != 1)
            return 2;
    }
    n = poll(many, 6, 0);
    char which[32] = "";
    for (int i = 0; i < 6; i++)
        if (many[i].revents & POLLIN)
            sprintf(which + strlen(which), "%d ", i);
    CHECK(n == 3 && strcmp(which, "0 2 4 ") == 0, "6 pipes, written 0 2 4: %d ready: %s", n, which);
    for (int i = 0; i < 6; i++) {
        close(pp[i][0]);
        close(pp[i][1]);
    }

    /* ppoll: atomically unblock SIGUSR1 while waiting */
    signal(SIGUSR1, on_usr1);
    sigset_t block, empty;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, NULL);
    raise(SIGUSR1);
    CHECK(!got_usr1, "SIGUSR1 blocked and pending");
    sigemptyset(&empty);
    struct timespec ts = { 2, 0 };
    errno = 0;
    n = ppoll(fds, 1, &ts, &empty);
    CHECK(n == -1 && errno == EINTR && got_usr1, "ppoll with an empty mask: -1 EINTR, handler ran");
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    CHECK(sigismember(&cur, SIGUSR1), "mask restored after ppoll");
    ts.tv_sec = 0;
    ts.tv_nsec = 0;
    n = ppoll(fds, 1, &ts, NULL);
    CHECK(n == 0, "ppoll with zero timeout -> 0");

    close(p[0]);
    close(p[1]);
    printf("poll: %d failures\n", failures);
    return failures ? 1 : 0;
}
