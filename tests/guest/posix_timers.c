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

#include "ltp.h"

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
