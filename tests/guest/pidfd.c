/* pidfd.c — process file descriptors in the style of the Linux Test Project's
 * pidfd_open/pidfd_send_signal/pidfd_getfd tests (pidfd_open(2) ...): a pidfd is
 * close-on-exec, polls readable when the process exits, delivers a signal with
 * pidfd_send_signal (si_code SI_USER) and takes a copy of another process's
 * descriptor with pidfd_getfd; waitid(P_PIDFD); ESRCH, EINVAL, EBADF cases.
 * Raw syscalls, so both libcs behave alike. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ltp.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static long pidfd_open(pid_t pid, unsigned flags) { return syscall(434, pid, flags); }
static long pidfd_send_signal(int fd, int sig, siginfo_t *info, unsigned flags) { return syscall(424, fd, sig, info, flags); }
static long pidfd_getfd(int fd, int target, unsigned flags) { return syscall(438, fd, target, flags); }

static volatile sig_atomic_t got_sig, got_code, got_pid;

static void on_usr1(int s, siginfo_t *si, void *uc)
{
    (void)uc;
    got_sig = s;
    got_code = si->si_code;
    got_pid = si->si_pid;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* partial output survives a hang or crash */
    alarm(30); /* a hang ends as SIGALRM (status 142), not as a runner timeout */
    int sync[2], data[2];
    pipe(sync);
    pipe(data);
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        /* the child keeps a pipe with "secret" in it at fd 50 and waits */
        int w[2];
        pipe(w);
        write(w[1], "secret", 6);
        dup2(w[0], 50);
        char x = 'r';
        write(sync[1], &x, 1);
        for (;;)
            pause();
    }
    char x;
    read(sync[0], &x, 1);
    int fd = pidfd_open(c, 0);
    check("pidfd_open child", fd >= 0, 1);
    check("pidfd is close-on-exec", fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    struct pollfd pfd = { fd, POLLIN, 0 };
    check("not readable while alive", poll(&pfd, 1, 0), 0);
    int got = pidfd_getfd(fd, 50, 0);
    check("pidfd_getfd", got >= 0, 1);
    char buf[16] = { 0 };
    check("read through the copied fd", read(got, buf, sizeof buf), 6);
    check("copied fd data", strcmp(buf, "secret"), 0);
    check("pidfd_getfd result close-on-exec", fcntl(got, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    CHECK_ERR("pidfd_getfd closed target fd", pidfd_getfd(fd, 77, 0), EBADF);
    CHECK_ERR("pidfd_getfd flags", pidfd_getfd(fd, 50, 1), EINVAL);
    CHECK_ERR("pidfd_getfd on a non-pidfd", pidfd_getfd(sync[0], 50, 0), EBADF);
    CHECK_ERR("pidfd_send_signal flags", pidfd_send_signal(fd, SIGTERM, NULL, 0x100), EINVAL);
    CHECK_ERR("pidfd_send_signal bad signal", pidfd_send_signal(fd, 999, NULL, 0), EINVAL);
    CHECK_ERR("pidfd_send_signal on a pipe", pidfd_send_signal(sync[0], SIGTERM, NULL, 0), EBADF);
    siginfo_t forged;
    memset(&forged, 0, sizeof forged);
    forged.si_signo = SIGUSR1;
    forged.si_code = SI_KERNEL;
    CHECK_ERR("pidfd_send_signal forged SI_KERNEL to another process", pidfd_send_signal(fd, SIGUSR1, &forged, 0), EPERM);
    CHECK_OK("pidfd_send_signal 0 probes", pidfd_send_signal(fd, 0, NULL, 0));
    CHECK_OK("pidfd_send_signal SIGTERM", pidfd_send_signal(fd, SIGTERM, NULL, 0));
    check("readable after exit", poll(&pfd, 1, 2000), 1);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    CHECK_OK("waitid P_PIDFD", waitid(P_PIDFD, fd, &si, WEXITED));
    check("si_pid", si.si_pid, c);
    check("CLD_KILLED", si.si_code, CLD_KILLED);
    check("si_status SIGTERM", si.si_status, SIGTERM);
    CHECK_ERR("pidfd_send_signal after reap", pidfd_send_signal(fd, SIGTERM, NULL, 0), ESRCH);
    close(fd);

    CHECK_ERR("pidfd_open flags", pidfd_open(getpid(), 1), EINVAL);
    CHECK_ERR("pidfd_open pid 0", pidfd_open(0, 0), EINVAL);
    CHECK_ERR("pidfd_open reaped pid", pidfd_open(c, 0), ESRCH);
    int self = pidfd_open(getpid(), 0);
    check("pidfd_open self", self >= 0, 1);
    struct sigaction sa = { 0 };
    sa.sa_sigaction = on_usr1;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);
    CHECK_OK("pidfd_send_signal to self", pidfd_send_signal(self, SIGUSR1, NULL, 0));
    check("handler ran", got_sig, SIGUSR1);
    check("si_code SI_USER", got_code, SI_USER);
    check("si_pid self", got_pid, getpid());
    siginfo_t info;
    memset(&info, 0, sizeof info);
    info.si_code = SI_QUEUE;
    info.si_signo = SIGUSR2;
    CHECK_ERR("pidfd_send_signal info signo mismatch", pidfd_send_signal(self, SIGUSR1, &info, 0), EINVAL);
    return finish("pidfd");
}
