/* init_pid.c — the first program runs under an init (pid 1) it does not
 * implement, as a shell job in a container: pid 2, parent 1, its own process
 * group (2) in init's session (1). Checks getpgid(1)/getsid(1), kill(1, 0)
 * (root: ok; non-root: EPERM), that signals to init are dropped
 * (kill(1, SIGKILL) returns 0 and nothing happens), setsid (EPERM in a group
 * leader, ok in a forked child), that wait never sees init, that kill(-1)
 * spares the caller, orphan adoption (a grandchild sees getppid() == 1 once
 * its parent is gone, and is reaped as soon as it exits: kill gives ESRCH and
 * /proc/PID goes away; an orphan that was already a zombie is reaped when its
 * parent ends), and /proc/1 (comm, cmdline, stat, status).
 * Under plain qemu-user (no init) the pid checks fail: the golden is the
 * container model's. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;
#define CHECK(cond, ...) do { int c_ = (cond); int e_ = errno; \
    printf("%s ", c_ ? "ok  " : "FAIL"); errno = e_; \
    printf(__VA_ARGS__); printf("\n"); fflush(stdout); if (!c_) failures++; } while (0)

/* Reads a whole small file into buf (NUL-terminated); returns its length or -1. */
static int slurp(const char *path, char *buf, int size)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    int n = 0, r;
    while (n < size - 1 && (r = read(fd, buf + n, size - 1 - n)) > 0)
        n += r;
    close(fd);
    buf[n] = 0;
    return n;
}

static int exists(pid_t p)
{
    char path[64];
    struct stat st;
    snprintf(path, sizeof path, "/proc/%d", (int)p);
    return stat(path, &st) == 0;
}

/* Waits (bounded) until kill(p, 0) fails with ESRCH. */
static int gone(pid_t p)
{
    for (int i = 0; i < 2000; i++) {
        if (kill(p, 0) == -1 && errno == ESRCH)
            return 1;
        usleep(1000);
    }
    return 0;
}

static volatile sig_atomic_t usr1;
static void on_usr1(int s) { (void)s; usr1++; }

int main(void)
{
    CHECK(getpid() == 2, "getpid() == 2");
    CHECK(getppid() == 1, "getppid() == 1");
    if (getpid() != 2 || getppid() != 1) {
        /* Not grantix's first program (qemu-user runs it as a host process): the
         * checks below would signal every process of the host (kill(-1)). */
        printf("init_pid: not the first program under an init: stopped\n");
        return 1;
    }
    CHECK(getpgrp() == 2, "getpgrp() == 2 (its own group, as a shell job)");
    CHECK(getsid(0) == 1, "getsid(0) == 1 (init's session)");
    CHECK(getpgid(1) == 1, "getpgid(1) == 1");
    CHECK(getsid(1) == 1, "getsid(1) == 1");
    errno = 0;
    CHECK(setsid() == -1 && errno == EPERM, "setsid in a group leader: EPERM");
    CHECK(setpgid(1, 1) == -1 && errno == ESRCH, "setpgid(1, 1): ESRCH (not a child)");

    /* kill(1, ...): allowed for root, and nothing happens. */
    if (geteuid() == 0)
        CHECK(kill(1, 0) == 0, "kill(1, 0) as root");
    else
        CHECK(kill(1, 0) == -1 && errno == EPERM, "kill(1, 0) as root");
    if (geteuid() == 0) {
        CHECK(kill(1, SIGKILL) == 0, "kill(1, SIGKILL) returns 0");
        CHECK(kill(1, SIGSTOP) == 0 && kill(1, SIGTERM) == 0, "kill(1, SIGSTOP), kill(1, SIGTERM) return 0");
        usleep(1000);
    } else {
        CHECK(1, "kill(1, SIGKILL) returns 0");
        CHECK(1, "kill(1, SIGSTOP), kill(1, SIGTERM) return 0");
    }
    CHECK(kill(1, 0) == 0 || errno == EPERM, "init is still there");
    CHECK(getppid() == 1, "still its child");

    /* kill(1, 0) as non-root: EPERM. */
    pid_t c = fork();
    if (c == 0) {
        if (geteuid() == 0 && setuid(65534) != 0)
            _exit(2);
        _exit(kill(1, 0) == -1 && errno == EPERM ? 0 : 1);
    }
    int st = -1;
    CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0, "kill(1, 0) as non-root: EPERM");

    /* setsid in a forked child succeeds. */
    c = fork();
    if (c == 0) {
        pid_t s = setsid();
        _exit(s == getpid() && getsid(0) == getpid() && getpgrp() == getpid() && getppid() == 2 ? 0 : 1);
    }
    CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0, "setsid in a child: new session and group");
    c = fork();
    if (c == 0)
        _exit(getpgrp() == 2 && getsid(0) == 1 ? 0 : 1);
    CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0, "a child is in its parent's group and session");

    /* wait never sees init. */
    errno = 0;
    CHECK(waitpid(-1, &st, WNOHANG) == -1 && errno == ECHILD, "waitpid(-1) with no children: ECHILD");
    errno = 0;
    CHECK(waitpid(1, &st, WNOHANG) == -1 && errno == ECHILD, "waitpid(1): ECHILD");
    siginfo_t si;
    errno = 0;
    CHECK(waitid(P_PID, 1, &si, WEXITED | WNOHANG) == -1 && errno == ECHILD, "waitid(P_PID, 1): ECHILD");

    /* kill(-1, SIGUSR1) from a child: reaches this process, not the child. */
    signal(SIGUSR1, on_usr1);
    c = fork();
    if (c == 0) {
        int r = kill(-1, SIGUSR1);
        usleep(1000);
        _exit(r == 0 && usr1 == 0 ? 0 : 1);
    }
    CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0, "kill(-1) in a child: 0, the caller spared");
    for (int i = 0; i < 100 && !usr1; i++)
        usleep(1000);
    CHECK(usr1 == 1, "kill(-1) reached the first program");

    /* Orphans: a grandchild outlives its parent. */
    int info[2], go[2];
    if (pipe(info) || pipe(go))
        return 1;
    c = fork();
    if (c == 0) {
        pid_t g = fork();
        if (g == 0) {
            close(info[0]);
            close(go[1]);
            int ppid1 = 0;
            for (int i = 0; i < 2000 && !ppid1; i++) {
                ppid1 = getppid() == 1;
                if (!ppid1)
                    usleep(1000);
            }
            int msg[2] = { getpid(), ppid1 };
            if (write(info[1], msg, sizeof msg) != sizeof msg)
                _exit(3);
            char b;
            (void)read(go[0], &b, 1); /* until the first program closes its end */
            _exit(0);
        }
        _exit(0);
    }
    close(info[1]);
    close(go[0]);
    CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st), "the middle process exited and was reaped");
    int msg[2] = { 0, 0 };
    CHECK(read(info[0], msg, sizeof msg) == sizeof msg, "grandchild reported");
    pid_t g = msg[0];
    CHECK(msg[1] == 1, "the orphaned grandchild sees getppid() == 1");
    CHECK(g > 2 && kill(g, 0) == 0 && exists(g), "the grandchild is alive and in /proc");
    errno = 0;
    CHECK(waitpid(g, &st, WNOHANG) == -1 && errno == ECHILD, "the grandchild is not ours to wait for");
    close(go[1]);
    CHECK(gone(g), "after it exits init reaps it: kill gives ESRCH");
    CHECK(!exists(g), "its /proc entry is gone");

    /* An orphan that is already a zombie is reaped when its parent ends. */
    if (pipe(info))
        return 1;
    c = fork();
    if (c == 0) {
        pid_t z = fork();
        if (z == 0)
            _exit(0);
        siginfo_t zi;
        memset(&zi, 0, sizeof zi);
        /* Until it has exited, without reaping it. */
        int ok = waitid(P_PID, z, &zi, WEXITED | WNOWAIT) == 0 && zi.si_pid == z;
        int m[2] = { z, ok && kill(z, 0) == 0 };
        if (write(info[1], m, sizeof m) != sizeof m)
            _exit(3);
        _exit(0);
    }
    close(info[1]);
    CHECK(read(info[0], msg, sizeof msg) == sizeof msg && msg[1] == 1, "a zombie grandchild exists before its parent ends");
    CHECK(waitpid(c, &st, 0) == c, "its parent ended");
    CHECK(gone(msg[0]) && !exists(msg[0]), "the zombie orphan was reaped");
    close(info[0]);

    /* /proc/1. */
    char buf[512];
    struct stat sb;
    CHECK(stat("/proc/1", &sb) == 0 && S_ISDIR(sb.st_mode), "/proc/1 is a directory");
    CHECK(slurp("/proc/1/comm", buf, sizeof buf) > 0 && strcmp(buf, "init\n") == 0, "/proc/1/comm is init");
    int n = slurp("/proc/1/cmdline", buf, sizeof buf);
    CHECK(n == 11 && memcmp(buf, "/sbin/init", 11) == 0, "/proc/1/cmdline is /sbin/init");
    CHECK(slurp("/proc/1/stat", buf, sizeof buf) > 0 && strncmp(buf, "1 (init) S 0 1 1 ", 17) == 0, "/proc/1/stat: pid 1, ppid 0, pgrp 1, session 1");
    CHECK(slurp("/proc/1/status", buf, sizeof buf) > 0 && strstr(buf, "Name:\tinit\n") && strstr(buf, "\nPPid:\t0\n"), "/proc/1/status: Name init, PPid 0");
    CHECK(slurp("/proc/self/stat", buf, sizeof buf) > 0 && strstr(buf, ") R 1 2 1 ") != NULL, "/proc/self/stat: ppid 1, pgrp 2, session 1");

    printf("%s\n", failures ? "FAILED" : "all ok");
    return failures != 0;
}
