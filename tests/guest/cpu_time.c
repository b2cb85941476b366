// build: -pthread -lrt
/* cpu_time.c — CPU time in the style of the Linux Test Project's getrusage/times/
 * clock_gettime/timer_create tests (getrusage(2), times(2), clock_getcpuclockid(3),
 * timer_create(2)): after computing, getrusage (self, thread, children, wait4's),
 * times() and the CPU-time clocks report CPU time, and it grows; a thread's CPU clock
 * cannot be slept on; a timer on the process's CPU clock fires while it computes; a
 * SIGEV_THREAD_ID timer signals the one thread it names (si_code SI_TIMER), and one
 * naming a thread of no process of ours is EINVAL. Values are only checked against
 * bounds, never printed. Golden from qemu-riscv64 (the host kernel's answers). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ltp.h"

static volatile sig_atomic_t fired;
static volatile unsigned long sink;

static void on_usr1(int s)
{
    (void)s;
    fired++;
}

static long long wall_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

static long long cpu_ns(clockid_t c)
{
    struct timespec t;
    if (clock_gettime(c, &t) != 0)
        return -1;
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* Computes until the process has used `ms` of CPU time (or 20 s passed). */
static void compute(long ms)
{
    long long start = cpu_ns(CLOCK_PROCESS_CPUTIME_ID), end = wall_ms() + 20000;
    while (cpu_ns(CLOCK_PROCESS_CPUTIME_ID) - start < ms * 1000000LL && wall_ms() < end)
        for (int i = 0; i < 10000; i++)
            sink += i;
}

static volatile pid_t worker_tid;
static volatile int worker_sig, worker_code;

static void *worker(void *arg)
{
    (void)arg;
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR2);
    worker_tid = syscall(SYS_gettid);
    siginfo_t si;
    struct timespec wait = { 5, 0 };
    worker_sig = sigtimedwait(&s, &si, &wait);
    worker_code = si.si_code;
    return NULL;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* partial output survives a hang or crash */
    long long p0 = cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
    compute(30);
    long long p1 = cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
    check("process CPU clock grows while computing", p1 - p0 >= 30000000, 1);
    check("thread CPU clock > 0", cpu_ns(CLOCK_THREAD_CPUTIME_ID) > 0, 1);
    struct timespec res;
    CHECK_OK("clock_getres CPU clock", clock_getres(CLOCK_PROCESS_CPUTIME_ID, &res));
    clockid_t cid;
    check("clock_getcpuclockid self", clock_getcpuclockid(getpid(), &cid), 0);
    check("its clock reads the process's time", cpu_ns(cid) >= p1, 1);
    check("pthread_getcpuclockid self", pthread_getcpuclockid(pthread_self(), &cid), 0);
    check("the thread's clock reads", cpu_ns(cid) > 0, 1);
    struct timespec d = { 0, 1000000 };
    check("clock_nanosleep on a thread CPU clock", clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &d, NULL), EINVAL);

    struct rusage ru;
    CHECK_OK("getrusage self", getrusage(RUSAGE_SELF, &ru));
    check("ru_utime > 0", ru.ru_utime.tv_sec > 0 || ru.ru_utime.tv_usec > 0, 1);
    check("ru_utime + ru_stime >= 30 ms", (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec >= 30000, 1);
    CHECK_OK("getrusage thread", getrusage(RUSAGE_THREAD, &ru));
    check("thread ru_utime > 0", ru.ru_utime.tv_sec > 0 || ru.ru_utime.tv_usec > 0, 1);
    struct tms tm;
    check("times() succeeds", times(&tm) != (clock_t)-1, 1);
    check("tms_utime + tms_stime > 0", tm.tms_utime + tm.tms_stime > 0, 1);

    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        compute(30);
        _exit(0);
    }
    int st;
    CHECK_OK("wait4 with rusage", wait4(c, &st, 0, &ru));
    check("child's ru_utime > 0", ru.ru_utime.tv_sec > 0 || ru.ru_utime.tv_usec > 0, 1);
    CHECK_OK("getrusage children", getrusage(RUSAGE_CHILDREN, &ru));
    check("children's ru_utime > 0", ru.ru_utime.tv_sec > 0 || ru.ru_utime.tv_usec > 0, 1);
    times(&tm);
    check("tms_cutime + tms_cstime > 0", tm.tms_cutime + tm.tms_cstime > 0, 1);

    signal(SIGUSR1, on_usr1);
    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = SIGUSR1;
    timer_t t;
    CHECK_OK("timer_create on the process CPU clock", timer_create(CLOCK_PROCESS_CPUTIME_ID, &sev, &t));
    struct itimerspec its = { { 0, 0 }, { 0, 5000000 } };
    CHECK_OK("timer_settime 5 ms of CPU", timer_settime(t, 0, &its, NULL));
    long long end = wall_ms() + 20000;
    while (!fired && wall_ms() < end)
        for (int i = 0; i < 10000; i++)
            sink += i;
    check("CPU-clock timer fired while computing", fired, 1);
    timer_delete(t);

    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &s, NULL);
    pthread_t th;
    pthread_create(&th, NULL, worker, NULL);
    while (!worker_tid)
        sched_yield();
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev.sigev_signo = SIGUSR2;
    ((int *)&sev)[4] = worker_tid; /* sigev_notify_thread_id: the union after notify */
    CHECK_OK("timer_create SIGEV_THREAD_ID", timer_create(CLOCK_MONOTONIC, &sev, &t));
    its.it_value.tv_nsec = 10000000;
    timer_settime(t, 0, &its, NULL);
    pthread_join(th, NULL);
    check("the named thread took the signal", worker_sig, SIGUSR2);
    check("si_code SI_TIMER", worker_code, SI_TIMER);
    siginfo_t si;
    struct timespec none = { 0, 0 };
    CHECK_ERR("no signal for the other thread", sigtimedwait(&s, &si, &none), EAGAIN);
    timer_delete(t);
    ((int *)&sev)[4] = 0x3ffffff0;
    CHECK_ERR("SIGEV_THREAD_ID of no thread of ours", timer_create(CLOCK_MONOTONIC, &sev, &t), EINVAL);
    return finish("cpu_time");
}
