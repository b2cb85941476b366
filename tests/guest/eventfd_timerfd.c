/* eventfd_timerfd.c — eventfd counter semantics: writes add, a read returns
 * the sum and resets to 0, EAGAIN when 0 (EFD_NONBLOCK), EFD_SEMAPHORE
 * reads 1 at a time, initval, EINVAL for short buffers and the value
 * 2^64-1, EAGAIN when a write would overflow, poll readiness, a blocking
 * read woken by a child. timerfd: a one-shot 10ms relative timer (read
 * reports >= 1 expiration — only that is printed), disarmed afterwards
 * (timerfd_gettime is zero), EAGAIN before expiry with TFD_NONBLOCK, an
 * interval timer, TFD_TIMER_ABSTIME in the past firing immediately,
 * disarming with a zero it_value, CLOCK_REALTIME timers, and EINVAL for a
 * bad clock. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures;
/* CHECK(cond, fmt, ...): print "ok"/"FAIL" and the message; errno as left
 * by cond is preserved for the message arguments. */
#define CHECK(cond, ...) do { int c_ = (cond); int e_ = errno; \
    printf("%s ", c_ ? "ok  " : "FAIL"); errno = e_; \
    printf(__VA_ARGS__); printf("\n"); if (!c_) failures++; } while (0)

static int wr(int fd, uint64_t v) { return write(fd, &v, 8) == 8 ? 0 : -1; }
static int64_t rd(int fd)
{
    uint64_t v;
    return read(fd, &v, 8) == 8 ? (int64_t)v : -1;
}

int main(void)
{
    /* ---- eventfd ---- */
    int e = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    CHECK(e >= 0 && (fcntl(e, F_GETFL) & O_NONBLOCK) && (fcntl(e, F_GETFD) & FD_CLOEXEC), "eventfd(0, EFD_NONBLOCK|EFD_CLOEXEC)");
    errno = 0;
    CHECK(rd(e) == -1 && errno == EAGAIN, "read of a zero counter -> EAGAIN");
    wr(e, 3);
    wr(e, 4);
    int64_t v = rd(e);
    CHECK(v == 7, "write 3, write 4, read -> %lld", (long long)v);
    errno = 0;
    CHECK(rd(e) == -1 && errno == EAGAIN, "counter reset to 0 by the read");
    char small[4];
    wr(e, 1);
    errno = 0;
    CHECK(read(e, small, 4) == -1 && errno == EINVAL, "read with a 4-byte buffer -> EINVAL");
    errno = 0;
    CHECK(write(e, small, 4) == -1 && errno == EINVAL, "write with a 4-byte buffer -> EINVAL");
    errno = 0;
    CHECK(wr(e, UINT64_MAX) == -1 && errno == EINVAL, "write of 2^64-1 -> EINVAL");
    CHECK(wr(e, UINT64_MAX - 1 - 1) == 0, "write up to the maximum 2^64-2");
    errno = 0;
    CHECK(wr(e, 1) == -1 && errno == EAGAIN, "one more would overflow -> EAGAIN (non-blocking)");
    v = rd(e);
    CHECK((uint64_t)v == UINT64_MAX - 1, "read back 2^64-2");
    struct pollfd pf = { e, POLLIN | POLLOUT, 0 };
    poll(&pf, 1, 0);
    CHECK(pf.revents == POLLOUT, "zero counter: writable, not readable");
    wr(e, 5);
    poll(&pf, 1, 0);
    CHECK(pf.revents == (POLLIN | POLLOUT), "non-zero counter: readable and writable");
    rd(e);
    close(e);

    int s = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
    int64_t a = rd(s), b = rd(s), c = rd(s);
    CHECK(a == 1 && b == 1 && c == 1, "EFD_SEMAPHORE with initval 3: reads %lld %lld %lld", (long long)a, (long long)b, (long long)c);
    errno = 0;
    CHECK(rd(s) == -1 && errno == EAGAIN, "fourth read -> EAGAIN");
    wr(s, 2);
    CHECK(rd(s) == 1 && rd(s) == 1, "after writing 2: two more reads of 1");
    close(s);

    int be = eventfd(0, 0);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        usleep(20000);
        wr(be, 42);
        _exit(0);
    }
    v = rd(be);
    CHECK(v == 42, "blocking read woken by the child's write of 42 -> %lld", (long long)v);
    waitpid(pid, NULL, 0);
    close(be);

    /* ---- timerfd ---- */
    int t = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    CHECK(t >= 0, "timerfd_create(CLOCK_MONOTONIC)");
    struct itimerspec its = { { 0, 0 }, { 0, 10 * 1000000 } }, cur;
    CHECK(timerfd_settime(t, 0, &its, NULL) == 0, "arm a one-shot 10ms relative timer");
    timerfd_gettime(t, &cur);
    CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec <= 10 * 1000000, "timerfd_gettime: remaining <= 10ms");
    v = rd(t);
    CHECK(v >= 1, "blocking read: expirations >= 1");
    timerfd_gettime(t, &cur);
    CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0, "one-shot timer disarmed after expiry");
    close(t);

    t = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    its.it_value.tv_sec = 10;
    its.it_value.tv_nsec = 0;
    timerfd_settime(t, 0, &its, NULL);
    errno = 0;
    CHECK(rd(t) == -1 && errno == EAGAIN, "TFD_NONBLOCK read before expiry -> EAGAIN");
    pf.fd = t;
    pf.events = POLLIN;
    CHECK(poll(&pf, 1, 0) == 0, "not readable before expiry");
    struct itimerspec zero = { { 0, 0 }, { 0, 0 } }, old;
    timerfd_settime(t, 0, &zero, &old);
    CHECK(old.it_value.tv_sec >= 9 && old.it_value.tv_sec <= 10, "disarm with zero it_value; old value had ~10s left");
    timerfd_gettime(t, &cur);
    CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0, "now disarmed");

    /* interval timer: 5ms period, sleep ~30ms */
    struct itimerspec iv = { { 0, 5 * 1000000 }, { 0, 5 * 1000000 } };
    timerfd_settime(t, 0, &iv, NULL);
    usleep(30000);
    CHECK(poll(&pf, 1, 1000) == 1 && pf.revents == POLLIN, "interval timer makes the fd readable");
    v = rd(t);
    CHECK(v >= 1, "interval timer: expirations since arming >= 1");
    timerfd_gettime(t, &cur);
    CHECK(cur.it_interval.tv_nsec == 5 * 1000000 && (cur.it_value.tv_sec || cur.it_value.tv_nsec), "still armed with a 5ms interval");
    timerfd_settime(t, 0, &zero, NULL);

    /* absolute time in the past fires at once */
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    struct itimerspec abs = { { 0, 0 }, { now.tv_sec - 1, now.tv_nsec } };
    timerfd_settime(t, TFD_TIMER_ABSTIME, &abs, NULL);
    v = rd(t);
    CHECK(v == 1, "TFD_TIMER_ABSTIME in the past: %lld expiration right away", (long long)v);
    close(t);

    /* CLOCK_REALTIME, absolute 15ms ahead */
    t = timerfd_create(CLOCK_REALTIME, 0);
    clock_gettime(CLOCK_REALTIME, &now);
    now.tv_nsec += 15 * 1000000;
    if (now.tv_nsec >= 1000000000) {
        now.tv_sec++;
        now.tv_nsec -= 1000000000;
    }
    struct itimerspec rt = { { 0, 0 }, now };
    CHECK(timerfd_settime(t, TFD_TIMER_ABSTIME, &rt, NULL) == 0, "CLOCK_REALTIME timer, absolute +15ms");
    v = rd(t);
    struct timespec after;
    clock_gettime(CLOCK_REALTIME, &after);
    CHECK(v >= 1 && (after.tv_sec > now.tv_sec || (after.tv_sec == now.tv_sec && after.tv_nsec >= now.tv_nsec)),
          "fired (>= 1) no earlier than the deadline");
    close(t);

    errno = 0;
    CHECK(timerfd_create(12345, 0) == -1 && errno == EINVAL, "timerfd_create with a bad clock -> EINVAL");
    errno = 0;
    struct itimerspec badns = { { 0, 0 }, { 0, 1000000000 } };
    int t2 = timerfd_create(CLOCK_MONOTONIC, 0);
    CHECK(timerfd_settime(t2, 0, &badns, NULL) == -1 && errno == EINVAL, "tv_nsec = 1e9 -> EINVAL");
    close(t2);

    printf("eventfd_timerfd: %d failures\n", failures);
    return failures ? 1 : 0;
}
