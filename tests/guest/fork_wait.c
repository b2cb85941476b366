/* fork_wait.c — process creation and reaping: fork (child sees a copy of
 * memory, parent's copy unchanged), exit codes through waitpid/WIFEXITED/
 * WEXITSTATUS, several children reaped in a fixed (reverse) order, WNOHANG
 * on a running child, wait() for any child, waitid (CLD_EXITED, si_status),
 * wait4 with rusage, vfork + _exit, getppid in the child, ECHILD when no
 * children are left. Children never print; results come back through exit
 * statuses and pipes. */
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

static int global = 100;

int main(void)
{
    int status;
    pid_t me = getpid();

    /* 1. copy-on-write memory: the child changes a global, the parent doesn't see it */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        global = 200;
        _exit(global == 200 && getppid() == me ? 17 : 1);
    }
    CHECK(pid > 0, "fork returned a child pid in the parent");
    pid_t w = waitpid(pid, &status, 0);
    CHECK(w == pid, "waitpid returned the child's pid");
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 17, "child exit status %d (child saw its own copy and getppid()==parent)", WEXITSTATUS(status));
    CHECK(global == 100, "parent's global unchanged: %d", global);

    /* 2. five children, reaped in reverse creation order */
    pid_t kids[5];
    for (int i = 0; i < 5; i++) {
        fflush(stdout);
        kids[i] = fork();
        if (kids[i] == 0) {
            usleep(1000 * (5 - i)); /* finish in a different order than reaped */
            exit(i * 10 + 1);
        }
    }
    for (int i = 4; i >= 0; i--) {
        w = waitpid(kids[i], &status, 0);
        CHECK(w == kids[i] && WIFEXITED(status), "child %d reaped by pid: exit status %d", i, WEXITSTATUS(status));
    }

    /* 3. WNOHANG on a child that is still blocked on a pipe */
    int p[2];
    if (pipe(p) != 0)
        return 2;
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        char c;
        close(p[1]);
        ssize_t n = read(p[0], &c, 1);
        _exit(n == 1 ? (unsigned char)c : 99);
    }
    close(p[0]);
    w = waitpid(pid, &status, WNOHANG);
    CHECK(w == 0, "waitpid WNOHANG on running child -> %d", (int)w);
    char c = 42;
    if (write(p[1], &c, 1) != 1)
        return 2;
    close(p[1]);
    w = waitpid(pid, &status, 0);
    CHECK(w == pid && WIFEXITED(status) && WEXITSTATUS(status) == 42, "after releasing it: exit status %d", WEXITSTATUS(status));

    /* 4. wait() for any child, then waitid and wait4 */
    fflush(stdout);
    pid = fork();
    if (pid == 0)
        _exit(5);
    w = wait(&status);
    CHECK(w == pid && WEXITSTATUS(status) == 5, "wait() reaped the only child, status %d", WEXITSTATUS(status));

    fflush(stdout);
    pid = fork();
    if (pid == 0)
        _exit(77);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    CHECK(waitid(P_PID, pid, &si, WEXITED) == 0, "waitid(P_PID, WEXITED)");
    CHECK(si.si_signo == SIGCHLD && si.si_code == CLD_EXITED && si.si_status == 77 && si.si_pid == pid,
          "waitid siginfo: SIGCHLD, CLD_EXITED, si_status %d, si_pid matches", si.si_status);

    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        volatile unsigned long x = 0;
        for (unsigned long i = 0; i < 200000; i++)
            x += i;
        _exit(x == 19999900000UL ? 3 : 4);
    }
    struct rusage ru;
    memset(&ru, 0xff, sizeof ru);
    w = wait4(pid, &status, 0, &ru);
    CHECK(w == pid && WEXITSTATUS(status) == 3, "wait4: status %d", WEXITSTATUS(status));
    CHECK(ru.ru_utime.tv_sec >= 0 && ru.ru_utime.tv_usec >= 0 && ru.ru_utime.tv_usec < 1000000, "wait4 filled a sane rusage");

    /* 5. waitid WNOWAIT leaves the child waitable */
    fflush(stdout);
    pid = fork();
    if (pid == 0)
        _exit(9);
    memset(&si, 0, sizeof si);
    CHECK(waitid(P_PID, pid, &si, WEXITED | WNOWAIT) == 0 && si.si_status == 9, "waitid WNOWAIT sees status %d", si.si_status);
    w = waitpid(pid, &status, 0);
    CHECK(w == pid && WEXITSTATUS(status) == 9, "child still reapable afterwards, status %d", WEXITSTATUS(status));

    /* 6. vfork: the child runs first and shares memory until _exit */
    volatile int shared = 1;
    fflush(stdout);
    pid = vfork();
    if (pid == 0) {
        shared = 2;
        _exit(11);
    }
    w = waitpid(pid, &status, 0);
    CHECK(w == pid && WEXITSTATUS(status) == 11, "vfork child exit status %d", WEXITSTATUS(status));
    CHECK(shared == 2 || shared == 1, "vfork returned to the parent");

    /* 7. grandchild: a child forks its own child and reports its status */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        pid_t g = fork();
        if (g == 0)
            _exit(6);
        int st;
        if (waitpid(g, &st, 0) != g)
            _exit(100);
        _exit(WEXITSTATUS(st) * 2);
    }
    w = waitpid(pid, &status, 0);
    CHECK(WEXITSTATUS(status) == 12, "child reaped its own child (6) and exited %d", WEXITSTATUS(status));

    /* 8. exit status is truncated to 8 bits */
    fflush(stdout);
    pid = fork();
    if (pid == 0)
        _exit(256 + 7);
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7, "_exit(263) -> status %d", WEXITSTATUS(status));

    /* 9. no children left */
    errno = 0;
    CHECK(wait(&status) == -1 && errno == ECHILD, "wait with no children -> ECHILD");
    errno = 0;
    CHECK(waitpid(-1, &status, WNOHANG) == -1 && errno == ECHILD, "waitpid(-1, WNOHANG) with no children -> ECHILD");

    printf("fork_wait: %d failures\n", failures);
    return failures ? 1 : 0;
}
