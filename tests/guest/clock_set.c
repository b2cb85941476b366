/* clock_set.c — setting the clock in the style of the Linux Test Project's
 * clock_settime/settimeofday tests (clock_settime(2), settimeofday(2), adjtimex(2)):
 * as root, clock_settime(CLOCK_REALTIME) moves the realtime clock seen by this
 * process, by a child, by time() and gettimeofday(), and leaves CLOCK_MONOTONIC
 * alone; settimeofday sets it back; EINVAL for CLOCK_MONOTONIC, bad clocks and bad
 * timespecs; EPERM for a process that dropped root; adjtimex read-only for anyone.
 *
 * NEVER run this on the host or under qemu-riscv64: qemu-user passes these calls to
 * the host kernel, and as root they would change the host's clock. The program
 * refuses (exit 77) unless uname's release names grantix, whose guest clock is an
 * offset of its own. Its golden output was therefore written by hand from the
 * documented behaviour in clock_settime(2), settimeofday(2) and adjtimex(2). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ltp.h"

static long long ns_of(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* partial output survives a hang or crash */
    alarm(30); /* a hang ends as SIGALRM (status 142), not as a runner timeout */
    struct utsname u;
    if (uname(&u) != 0 || !strstr(u.release, "grantix")) {
        printf("clock_set: refusing to run outside grantix\n");
        return 77;
    }
    if (getuid() != 0) {
        printf("clock_set: must start as root\n");
        return 77;
    }
    const long long S = 1000000000LL;
    long long r0 = ns_of(CLOCK_REALTIME), m0 = ns_of(CLOCK_MONOTONIC);
    struct timespec t = { (time_t)(r0 / S) + 3600, r0 % S };
    CHECK_OK("clock_settime REALTIME +1 h as root", clock_settime(CLOCK_REALTIME, &t));
    long long r1 = ns_of(CLOCK_REALTIME), m1 = ns_of(CLOCK_MONOTONIC);
    check("REALTIME moved by 1 h", (r1 - r0) >= 3600 * S && (r1 - r0) < 3610 * S, 1);
    check("MONOTONIC unaffected", (m1 - m0) >= 0 && (m1 - m0) < 10 * S, 1);
    time_t tt = time(NULL);
    check("time() agrees", tt >= r1 / S - 1 && tt <= r1 / S + 2, 1);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    check("gettimeofday agrees", tv.tv_sec >= r1 / S - 1 && tv.tv_sec <= r1 / S + 2, 1);
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        long long rc = ns_of(CLOCK_REALTIME);
        _exit(rc - r0 >= 3600 * S && rc - r0 < 3610 * S ? 0 : 1);
    }
    int ws = 0;
    waitpid(c, &ws, 0);
    check("a child sees the new time", WIFEXITED(ws) ? WEXITSTATUS(ws) : -1, 0);

    long long back = r0 + (ns_of(CLOCK_MONOTONIC) - m0);
    tv.tv_sec = back / S;
    tv.tv_usec = (back % S) / 1000;
    CHECK_OK("settimeofday back as root", settimeofday(&tv, NULL));
    long long r2 = ns_of(CLOCK_REALTIME);
    check("REALTIME back on track", r2 - back > -S && r2 - back < 10 * S, 1);

    CHECK_ERR("clock_settime MONOTONIC", clock_settime(CLOCK_MONOTONIC, &t), EINVAL);
    CHECK_ERR("clock_settime bad clock", clock_settime(12345, &t), EINVAL);
    struct timespec bad = { t.tv_sec, 1000000000L };
    CHECK_ERR("clock_settime tv_nsec 1e9", clock_settime(CLOCK_REALTIME, &bad), EINVAL);
    bad.tv_sec = -1;
    bad.tv_nsec = 0;
    CHECK_ERR("clock_settime negative", clock_settime(CLOCK_REALTIME, &bad), EINVAL);
    struct timex tx;
    memset(&tx, 0, sizeof tx);
    CHECK_OK("adjtimex read-only", adjtimex(&tx));

    fflush(stdout);
    c = fork();
    if (c == 0) {
        if (setgid(65534) != 0 || setuid(65534) != 0)
            _exit(100);
        struct timespec n;
        clock_gettime(CLOCK_REALTIME, &n);
        n.tv_sec += 3600;
        CHECK_ERR("clock_settime without CAP_SYS_TIME", clock_settime(CLOCK_REALTIME, &n), EPERM);
        struct timeval v = { n.tv_sec, 0 };
        CHECK_ERR("settimeofday without CAP_SYS_TIME", settimeofday(&v, NULL), EPERM);
        struct timex x;
        memset(&x, 0, sizeof x);
        CHECK_OK("adjtimex read-only without root", adjtimex(&x));
        x.modes = ADJ_OFFSET;
        CHECK_ERR("adjtimex ADJ_OFFSET without root", adjtimex(&x), EPERM);
        fflush(stdout);
        _exit(failures);
    }
    waitpid(c, &ws, 0);
    failures += WIFEXITED(ws) ? WEXITSTATUS(ws) : 1;
    check("clock unchanged by the refused child", ns_of(CLOCK_REALTIME) - ns_of(CLOCK_MONOTONIC) - (r0 - m0) < 10 * S, 1);
    return finish("clock_set");
}
