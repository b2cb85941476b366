/* rlimit_cpu.c — RLIMIT_CPU in the style of the Linux Test Project's setrlimit tests
 * (getrlimit(2)): a process past its soft CPU limit gets SIGXCPU (a handler may catch
 * it), one that reaches its hard limit is killed with SIGKILL; the limit counts CPU
 * time, not time asleep. Golden from qemu-riscv64 (the host kernel enforces it there;
 * under grantix CPU time is the guest's instruction count). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ltp.h"

static volatile unsigned long sink;

static void on_xcpu(int s)
{
    (void)s;
    _exit(42);
}

static void compute_forever(void)
{
    for (;;)
        for (int i = 0; i < 100000; i++)
            sink += i;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* partial output survives a hang or crash */
    alarm(60); /* a hang ends as SIGALRM (status 142), not as a runner timeout */
    int st = 0;
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        struct rlimit rl = { 1, 3 };
        setrlimit(RLIMIT_CPU, &rl);
        signal(SIGXCPU, on_xcpu);
        /* sleeping costs no CPU time: the limit does not fire here */
        struct timespec d = { 1, 200000000 };
        nanosleep(&d, NULL);
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        if (ru.ru_utime.tv_sec >= 1)
            _exit(1);
        compute_forever();
    }
    waitpid(c, &st, 0);
    check("SIGXCPU past the soft limit (handler exit 42)", WIFEXITED(st) ? WEXITSTATUS(st) : -1, 42);
    fflush(stdout);
    c = fork();
    if (c == 0) {
        struct rlimit rl = { 1, 1 };
        setrlimit(RLIMIT_CPU, &rl);
        signal(SIGXCPU, on_xcpu);
        compute_forever();
    }
    waitpid(c, &st, 0);
    check("SIGKILL at the hard limit", WIFSIGNALED(st) ? WTERMSIG(st) : -1, SIGKILL);
    return finish("rlimit_cpu");
}
