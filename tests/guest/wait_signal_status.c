/* wait_signal_status.c — how a child's death by signal is reported to its
 * parent: children killed by SIGKILL (by the parent and by themselves),
 * SIGTERM, abort() (SIGABRT), a NULL write (SIGSEGV), an illegal
 * instruction (SIGILL), SIGPIPE, raise(SIGUSR1) with default action, and a
 * child exiting normally with 0 — WIFSIGNALED/WTERMSIG/WIFEXITED for each;
 * waitid reporting CLD_KILLED for SIGKILL/SIGTERM; a child stopped with
 * SIGSTOP (WIFSTOPPED/WSTOPSIG via WUNTRACED), continued with SIGCONT
 * (WIFCONTINUED via WCONTINUED) and then killed. Core dumps are disabled
 * (RLIMIT_CORE 0) and WCOREDUMP is not printed (it depends on the host's
 * core_pattern). The parent itself exits 0. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;
/* CHECK(cond, fmt, ...): print "ok"/"FAIL" and the message; errno as left
 * by cond is preserved for the message arguments. */
#define CHECK(cond, ...) do { int c_ = (cond); int e_ = errno; \
    printf("%s ", c_ ? "ok  " : "FAIL"); errno = e_; \
    printf(__VA_ARGS__); printf("\n"); if (!c_) failures++; } while (0)

static const char *describe(int st)
{
    static char buf[64];
    if (WIFEXITED(st))
        snprintf(buf, sizeof buf, "exited, status %d", WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        snprintf(buf, sizeof buf, "killed by signal %d", WTERMSIG(st));
    else if (WIFSTOPPED(st))
        snprintf(buf, sizeof buf, "stopped by signal %d", WSTOPSIG(st));
    else if (WIFCONTINUED(st))
        snprintf(buf, sizeof buf, "continued");
    else
        snprintf(buf, sizeof buf, "unknown status %#x", st);
    return buf;
}

static void child_body(int how, int pfd)
{
    struct rlimit none = { 0, 0 };
    setrlimit(RLIMIT_CORE, &none);
    switch (how) {
    case 0: _exit(0);
    case 1: kill(getpid(), SIGKILL); break;
    case 2: raise(SIGTERM); break;
    case 3: abort();
    case 4: *(volatile int *)0 = 1; break;
    case 5: __asm__ volatile(".4byte 0x00000000"); break;
    case 6: { /* SIGPIPE: write to a pipe without reader */
        int p[2];
        if (pipe(p) == 0) {
            close(p[0]);
            if (write(p[1], "x", 1) < 0) { }
        }
        break;
    }
    case 7: raise(SIGUSR1); break;
    case 8: { /* wait to be killed by the parent */
        char c;
        if (read(pfd, &c, 1) < 0) { }
        pause();
        break;
    }
    }
    _exit(100 + how); /* not reached if the signal killed us */
}

int main(void)
{
    static const struct { int how; const char *what; int sig; } cases[] = {
        { 0, "exit(0)", 0 }, { 1, "kill(getpid(), SIGKILL)", SIGKILL }, { 2, "raise(SIGTERM)", SIGTERM }, { 3, "abort()", SIGABRT },
        { 4, "write to NULL", SIGSEGV }, { 5, "illegal instruction", SIGILL }, { 6, "write to a reader-less pipe", SIGPIPE },
        { 7, "raise(SIGUSR1), default action", SIGUSR1 }, { 8, "killed by the parent with SIGKILL", SIGKILL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int p[2];
        if (pipe(p) != 0)
            return 2;
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            close(p[1]);
            child_body(cases[i].how, p[0]);
        }
        close(p[0]);
        if (cases[i].how == 8) {
            close(p[1]); /* child's read returns 0, then it pauses */
            usleep(10000);
            kill(pid, SIGKILL);
        } else {
            close(p[1]);
        }
        int st = 0;
        pid_t w = waitpid(pid, &st, 0);
        int ok = w == pid && (cases[i].sig ? WIFSIGNALED(st) && WTERMSIG(st) == cases[i].sig : WIFEXITED(st) && WEXITSTATUS(st) == 0);
        CHECK(ok, "child %-34s -> %s", cases[i].what, describe(st));
    }

    /* waitid si_code for non-core signals */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        raise(SIGTERM);
        _exit(1);
    }
    siginfo_t si;
    memset(&si, 0, sizeof si);
    waitid(P_PID, pid, &si, WEXITED);
    CHECK(si.si_code == CLD_KILLED && si.si_status == SIGTERM, "waitid: SIGTERM'd child -> CLD_KILLED, si_status %d", si.si_status);

    /* stop / continue / kill */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        for (;;)
            pause();
    }
    kill(pid, SIGSTOP);
    int st;
    pid_t w = waitpid(pid, &st, WUNTRACED);
    CHECK(w == pid && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP, "SIGSTOP: waitpid(WUNTRACED) -> %s", describe(st));
    memset(&si, 0, sizeof si);
    kill(pid, SIGCONT);
    w = waitpid(pid, &st, WCONTINUED);
    CHECK(w == pid && WIFCONTINUED(st), "SIGCONT: waitpid(WCONTINUED) -> %s", describe(st));
    kill(pid, SIGKILL);
    w = waitpid(pid, &st, 0);
    CHECK(w == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "then SIGKILL -> %s", describe(st));

    /* a signal blocked in the child is not fatal until unblocked... SIGKILL can't be blocked */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        sigset_t all;
        sigfillset(&all);
        sigprocmask(SIG_BLOCK, &all, NULL);
        raise(SIGTERM); /* stays pending */
        kill(getpid(), SIGKILL);
        _exit(3);
    }
    waitpid(pid, &st, 0);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "all signals blocked: SIGTERM stays pending, SIGKILL still kills -> %s", describe(st));

    printf("wait_signal_status: %d failures\n", failures);
    return failures ? 1 : 0;
}
