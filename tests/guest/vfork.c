/* vfork.c — vfork in the style of the Linux Test Project's vfork tests (vfork(2)):
 * the parent stays suspended until the child exits or execs (it resumes only after
 * the child's 150 ms sleep), the child runs in the parent's memory (its writes are
 * seen by the parent), has its own pid with the parent as ppid, its exit status
 * reaches waitpid, and an exec from the child releases the parent before the
 * exec'd program finishes. Times are only checked as lower bounds. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ltp.h"

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

static volatile int shared_var;
static volatile pid_t child_pid, child_ppid;

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* partial output survives a hang or crash */
    if (argc > 1 && strcmp(argv[1], "exec-child") == 0) {
        struct timespec d = { 0, 300000000 };
        nanosleep(&d, NULL);
        return 7;
    }
    alarm(30); /* a hang ends as SIGALRM (status 142), not as a runner timeout */
    pid_t me = getpid();
    long long t0 = now_ms();
    fflush(stdout);
    pid_t p = vfork();
    if (p == 0) {
        struct timespec d = { 0, 150000000 };
        nanosleep(&d, NULL);
        shared_var = 42;
        child_pid = getpid();
        child_ppid = getppid();
        _exit(3);
    }
    long long waited = now_ms() - t0;
    check("vfork returned a pid", p > 0, 1);
    check("parent suspended until the child exited", waited >= 140, 1);
    check("child's write visible to the parent", shared_var, 42);
    check("child had its own pid", child_pid, p);
    check("child's parent was us", child_ppid, me);
    int st = 0;
    check("waitpid", waitpid(p, &st, 0), p);
    check("exit status 3", WIFEXITED(st) ? WEXITSTATUS(st) : -1, 3);

    /* exec releases the parent: it resumes while the exec'd program still sleeps */
    shared_var = 0;
    t0 = now_ms();
    fflush(stdout);
    p = vfork();
    if (p == 0) {
        struct timespec d = { 0, 150000000 };
        nanosleep(&d, NULL);
        shared_var = 5;
        char *args[] = { argv[0], "exec-child", NULL };
        execv("/proc/self/exe", args);
        _exit(127);
    }
    waited = now_ms() - t0;
    check("parent suspended until exec", waited >= 140, 1);
    check("write before exec visible", shared_var, 5);
    check("exec'd child still running", waitpid(p, &st, WNOHANG), 0);
    waitpid(p, &st, 0);
    check("exec'd program's status 7", WIFEXITED(st) ? WEXITSTATUS(st) : -1, 7);

    /* a failed exec leaves the child in our memory; it reports through _exit */
    fflush(stdout);
    p = vfork();
    if (p == 0) {
        char *args[] = { "nothing", NULL };
        execv("/nonexistent/program", args);
        shared_var = errno;
        _exit(9);
    }
    waitpid(p, &st, 0);
    check("failed exec errno seen by parent", shared_var, ENOENT);
    check("status 9", WEXITSTATUS(st), 9);

    /* signals sent to the child while the parent is suspended do not reach the parent */
    fflush(stdout);
    p = vfork();
    if (p == 0)
        _exit(getpid() == me ? 1 : 0);
    waitpid(p, &st, 0);
    check("child pid differs from parent's", WEXITSTATUS(st), 0);
    return finish("vfork");
}
