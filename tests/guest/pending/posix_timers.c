// build: -lrt
/* posix_timers.c — POSIX per-process timers in the style of the Linux Test
 * Project's timer_create/timer_settime/timer_gettime/timer_getoverrun/timer_delete
 * tests (timer_create(2) ...): SIGEV_SIGNAL delivery with si_code SI_TIMER and the
 * sigev_value, the default event (SIGALRM), SIGEV_NONE (armed, counts down, never
 * signals), TIMER_ABSTIME, interval timers and overruns, disarming, the old value,
 * and EINVAL for bad clocks, signals, timespecs and deleted timers.
 * Times are only checked against bounds, never printed. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int failures;

static const char *ename(int e)
{
    switch (e) {
#define E(x) case x: return #x
    E(EPERM); E(ENOENT); E(ESRCH); E(EINTR); E(EIO); E(ENXIO); E(E2BIG); E(EBADF); E(ECHILD); E(EAGAIN);
    E(ENOMEM); E(EACCES); E(EFAULT); E(EBUSY); E(EEXIST); E(EXDEV); E(ENOTDIR); E(EISDIR); E(EINVAL);
    E(EMFILE); E(ENOSPC); E(ESPIPE); E(EPIPE); E(ERANGE); E(EDEADLK); E(ENAMETOOLONG); E(ENOSYS);
    E(ENOTEMPTY); E(ELOOP); E(ENOMSG); E(EIDRM); E(EOVERFLOW); E(ENOTSUP); E(EOWNERDEAD);
    E(ENOTRECOVERABLE); E(ETIMEDOUT); E(EMSGSIZE); E(ENOTBLK); E(ENOEXEC); E(EFBIG); E(EBADMSG); E(ECHRNG); E(EROFS); E(ENODEV);
#undef E
    default: return "E?";
    }
}

/* check(name, got, want): one line, "name: ok" or "name: FAIL got X want Y" */
static void check(const char *name, long got, long want)
{
    if (got == want) {
        printf("%s: ok\n", name);
    } else {
        printf("%s: FAIL got %ld want %ld\n", name, got, want);
        failures++;
    }
}

/* CHECK_ERR(name, call, E): the call returns -1 with errno E */
#define CHECK_ERR(name, call, want) do { errno = 0; long r_ = (long)(call); int e_ = errno; \
    if (r_ == -1 && e_ == (want)) printf("%s: ok\n", name); \
    else { failures++; if (r_ == -1) printf("%s: FAIL got %s want %s\n", name, ename(e_), #want); \
           else printf("%s: FAIL got success (%ld) want %s\n", name, r_, #want); } } while (0)

/* CHECK_OK(name, call): the call does not return -1 */
#define CHECK_OK(name, call) do { errno = 0; long r_ = (long)(call); int e_ = errno; \
    if (r_ != -1) printf("%s: ok\n", name); \
    else { failures++; printf("%s: FAIL got %s want success\n", name, ename(e_)); } } while (0)

/* CHECK_RC(name, call, E): for calls returning an error number (pthread_*): 0 or E */
#define CHECK_RC(name, call, want) do { int r_ = (call); \
    if (r_ == (want)) printf("%s: ok\n", name); \
    else { failures++; printf("%s: FAIL got %s want %s\n", name, r_ ? ename(r_) : "0", (want) ? ename(want) : "0"); } } while (0)

static int finish(const char *prog)
{
    printf("%s: %d failures\n", prog, failures);
    return failures ? 1 : 0;
}

static long long ns(const struct timespec *t)
{
    return t->tv_sec * 1000000000LL + t->tv_nsec;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

int main(void)
{
    sigset_t set;
    setvbuf(stdout, NULL, _IOLBF, 0); /* partial output survives a hang or crash */
    siginfo_t si;
    struct timespec wait = { 3, 0 };
    sigemptyset(&set);
    sigaddset(&set, SIGRTMIN);
    sigaddset(&set, SIGALRM);
    sigprocmask(SIG_BLOCK, &set, NULL);

    struct sigevent sev = { 0 };
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = SIGRTMIN;
    sev.sigev_value.sival_int = 42;
    timer_t t;
    CHECK_OK("timer_create MONOTONIC SIGEV_SIGNAL", timer_create(CLOCK_MONOTONIC, &sev, &t));
    struct itimerspec its = { 0 }, cur, old;
    CHECK_OK("timer_gettime unarmed", timer_gettime(t, &cur));
    check("unarmed value 0", ns(&cur.it_value), 0);
    its.it_value.tv_nsec = 20000000;
    CHECK_OK("timer_settime 20 ms", timer_settime(t, 0, &its, NULL));
    timer_gettime(t, &cur);
    check("remaining in (0, 20 ms]", ns(&cur.it_value) > 0 && ns(&cur.it_value) <= 20000000, 1);
    check("one-shot interval 0", ns(&cur.it_interval), 0);
    check("SIGEV_SIGNAL delivered", sigtimedwait(&set, &si, &wait), SIGRTMIN);
    check("si_code SI_TIMER", si.si_code, SI_TIMER);
    check("si_value", si.si_value.sival_int, 42);
    timer_gettime(t, &cur);
    check("disarmed after firing", ns(&cur.it_value), 0);

    /* absolute time in the past fires at once */
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    its.it_value = now;
    its.it_value.tv_sec -= 1;
    CHECK_OK("timer_settime TIMER_ABSTIME past", timer_settime(t, TIMER_ABSTIME, &its, NULL));
    check("past absolute fires", sigtimedwait(&set, &si, &wait), SIGRTMIN);

    /* interval timer with the signal blocked: overruns accumulate */
    its.it_value.tv_sec = 0;
    its.it_value.tv_nsec = 5000000;
    its.it_interval.tv_sec = 0;
    its.it_interval.tv_nsec = 5000000;
    CHECK_OK("timer_settime 5 ms interval", timer_settime(t, 0, &its, NULL));
    sleep_ms(100);
    check("interval signal", sigtimedwait(&set, &si, &wait), SIGRTMIN);
    int ov = timer_getoverrun(t);
    check("timer_getoverrun >= 3", ov >= 3, 1);
    check("si_overrun matches getoverrun", si.si_overrun, ov);
    timer_gettime(t, &cur);
    check("interval reported", ns(&cur.it_interval), 5000000);
    struct itimerspec zero = { 0 };
    CHECK_OK("timer_settime disarm with old value", timer_settime(t, 0, &zero, &old));
    check("old interval", ns(&old.it_interval), 5000000);
    check("old value in (0, 5 ms]", ns(&old.it_value) > 0 && ns(&old.it_value) <= 5000000, 1);
    timer_gettime(t, &cur);
    check("disarmed", ns(&cur.it_value), 0);
    /* drain a signal that may have been queued before disarming */
    struct timespec none = { 0, 0 };
    sigtimedwait(&set, &si, &none);
    sleep_ms(20);
    CHECK_ERR("no signal after disarm", sigtimedwait(&set, &si, &none), EAGAIN);

    its.it_value.tv_nsec = 1000000000L;
    CHECK_ERR("timer_settime tv_nsec 1e9", timer_settime(t, 0, &its, NULL), EINVAL);
    its.it_value.tv_nsec = -1;
    CHECK_ERR("timer_settime tv_nsec -1", timer_settime(t, 0, &its, NULL), EINVAL);
    CHECK_OK("timer_delete", timer_delete(t));

    /* SIGEV_NONE: counts down, no signal */
    struct sigevent none_ev = { 0 };
    none_ev.sigev_notify = SIGEV_NONE;
    timer_t tn;
    CHECK_OK("timer_create SIGEV_NONE", timer_create(CLOCK_REALTIME, &none_ev, &tn));
    its.it_value.tv_sec = 0;
    its.it_value.tv_nsec = 30000000;
    its.it_interval.tv_nsec = 0;
    CHECK_OK("timer_settime SIGEV_NONE", timer_settime(tn, 0, &its, NULL));
    timer_gettime(tn, &cur);
    check("SIGEV_NONE counting down", ns(&cur.it_value) > 0 && ns(&cur.it_value) <= 30000000, 1);
    sleep_ms(60);
    timer_gettime(tn, &cur);
    check("SIGEV_NONE expired", ns(&cur.it_value), 0);
    CHECK_ERR("SIGEV_NONE sent nothing", sigtimedwait(&set, &si, &none), EAGAIN);
    CHECK_OK("timer_delete SIGEV_NONE", timer_delete(tn));

    /* NULL sevp: SIGALRM with the timer id as value */
    timer_t td;
    CHECK_OK("timer_create NULL sevp", timer_create(CLOCK_MONOTONIC, NULL, &td));
    its.it_value.tv_nsec = 10000000;
    timer_settime(td, 0, &its, NULL);
    check("default event is SIGALRM", sigtimedwait(&set, &si, &wait), SIGALRM);
    check("default si_code SI_TIMER", si.si_code, SI_TIMER);
    CHECK_OK("timer_delete default", timer_delete(td));

    CHECK_ERR("timer_create bad clock", timer_create(12345, &sev, &td), EINVAL);
    sev.sigev_signo = 200;
    CHECK_ERR("timer_create bad signal", timer_create(CLOCK_MONOTONIC, &sev, &td), EINVAL);
    sev.sigev_signo = SIGRTMIN;
    sev.sigev_notify = 77;
    CHECK_ERR("timer_create bad sigev_notify", timer_create(CLOCK_MONOTONIC, &sev, &td), EINVAL);
    return finish("posix_timers");
}
