/* itimers.c — interval timers in the style of the Linux Test Project's setitimer/
 * getitimer tests (setitimer(2)): ITIMER_VIRTUAL (SIGVTALRM) and ITIMER_PROF
 * (SIGPROF) fire while the process computes and ITIMER_VIRTUAL does not advance
 * while it sleeps; ITIMER_REAL (SIGALRM); getitimer reports the interval; setitimer
 * returns the old value; disarming; EINVAL for a bad timer and a bad tv_usec.
 * Counts are only checked as lower bounds. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "ltp.h"

static volatile sig_atomic_t fired[65];

static void on_sig(int s)
{
    fired[s]++;
}

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

/* Computes until `sig` fired n times or 10 s passed. */
static void spin_until(int sig, int n)
{
    volatile unsigned long x = 0;
    long long end = now_ms() + 10000;
    while (fired[sig] < n && now_ms() < end)
        for (int i = 0; i < 100000; i++)
            x += i;
}

static void arm(int which, long usec)
{
    struct itimerval v = { { 0, usec }, { 0, usec } };
    setitimer(which, &v, NULL);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* partial output survives a hang or crash */
    signal(SIGVTALRM, on_sig);
    signal(SIGPROF, on_sig);
    signal(SIGALRM, on_sig);
    struct itimerval v = { { 0, 10000 }, { 0, 10000 } }, g, old;
    CHECK_OK("setitimer ITIMER_VIRTUAL 10 ms", setitimer(ITIMER_VIRTUAL, &v, NULL));
    CHECK_OK("getitimer ITIMER_VIRTUAL", getitimer(ITIMER_VIRTUAL, &g));
    check("interval reported", g.it_interval.tv_sec * 1000000 + g.it_interval.tv_usec, 10000);
    spin_until(SIGVTALRM, 3);
    check("SIGVTALRM fired 3 times while computing", fired[SIGVTALRM] >= 3, 1);
    int before = fired[SIGVTALRM];
    struct timespec d = { 0, 200000000 };
    nanosleep(&d, NULL);
    check("ITIMER_VIRTUAL does not advance while sleeping", fired[SIGVTALRM] - before <= 1, 1);
    struct itimerval zero = { { 0, 0 }, { 0, 0 } };
    CHECK_OK("disarm ITIMER_VIRTUAL with old value", setitimer(ITIMER_VIRTUAL, &zero, &old));
    check("old interval", old.it_interval.tv_usec, 10000);
    getitimer(ITIMER_VIRTUAL, &g);
    check("disarmed", g.it_value.tv_sec + g.it_value.tv_usec, 0);

    arm(ITIMER_PROF, 10000);
    spin_until(SIGPROF, 3);
    check("SIGPROF fired 3 times while computing", fired[SIGPROF] >= 3, 1);
    setitimer(ITIMER_PROF, &zero, NULL);

    arm(ITIMER_REAL, 20000);
    while (fired[SIGALRM] < 2)
        pause();
    check("SIGALRM fired twice", fired[SIGALRM] >= 2, 1);
    setitimer(ITIMER_REAL, &zero, NULL);

    struct itimerval bad = { { 0, 0 }, { 0, 1000000 } };
    CHECK_ERR("tv_usec 1000000", setitimer(ITIMER_VIRTUAL, &bad, NULL), EINVAL);
    CHECK_ERR("bad which", setitimer(7, &v, NULL), EINVAL);
    CHECK_ERR("getitimer bad which", getitimer(7, &g), EINVAL);
    return finish("itimers");
}
