/* clock_virtual.c — grantix's virtual clock (GRANTIX_CLOCK=virtual, see
 * clock_virtual.env): realtime starts at 2026-01-01T00:00:00Z, time moves with
 * retired instructions (1 ns each), and a sleep jumps the clock to its deadline
 * instead of waiting on the host (a 100 s sleep would exceed the corpus's time
 * limit). Linux and qemu-user have no such clock: the golden is grantix's. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures;
static volatile sig_atomic_t alarmed;
static void on_alarm(int s) { (void)s; alarmed = 1; }
#define CHECK(cond, ...) do { int c_ = (cond); printf("%s ", c_ ? "ok  " : "FAIL"); \
    printf(__VA_ARGS__); printf("\n"); if (!c_) failures++; } while (0)

static double now(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void)
{
    double rt = now(CLOCK_REALTIME);
    CHECK(rt >= 1767225600.0 && rt < 1767225601.0, "realtime starts at 2026-01-01T00:00:00Z");
    double m0 = now(CLOCK_MONOTONIC);
    volatile unsigned long x = 0;
    for (unsigned long i = 0; i < 1000000; i++)
        x += i;
    double m1 = now(CLOCK_MONOTONIC);
    /* at least 3 instructions an iteration, 1 ns each */
    CHECK(m1 - m0 >= 0.003 && m1 - m0 < 0.1, "a million-iteration loop advances monotonic by 3-100 ms");
    double cpu = now(CLOCK_PROCESS_CPUTIME_ID);
    CHECK(cpu <= m1, "CPU time never exceeds time since boot");
    struct timespec d = { 100, 0 };
    CHECK(nanosleep(&d, NULL) == 0, "nanosleep(100 s)");
    double m2 = now(CLOCK_MONOTONIC);
    CHECK(m2 - m1 >= 100.0 && m2 - m1 < 100.01, "monotonic moved by the 100 s slept");
    double rt2 = now(CLOCK_REALTIME);
    CHECK(rt2 - rt >= 100.0 && rt2 - rt < 100.1, "realtime moved with it");
    /* a child that sleeps: the parent's wait ends when virtual time reaches it */
    pid_t p = fork();
    if (p == 0) {
        struct timespec c = { 30, 0 };
        nanosleep(&c, NULL);
        _exit(7);
    }
    int st;
    CHECK(waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 7, "child slept 30 s and exited 7");
    double m3 = now(CLOCK_MONOTONIC);
    CHECK(m3 - m2 >= 30.0 && m3 - m2 < 30.01, "the wait took 30 s of virtual time");
    signal(SIGALRM, on_alarm);
    alarm(5);
    pause();
    double m4 = now(CLOCK_MONOTONIC);
    CHECK(alarmed && m4 - m3 >= 5.0 && m4 - m3 < 5.01, "alarm(5) fired into pause after 5 s");
    printf("clock_virtual: %d failures\n", failures);
    return failures ? 1 : 0;
}
