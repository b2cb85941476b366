/* signalfd.c — signalfd in the style of the Linux Test Project's signalfd tests
 * (signalfd(2)): EAGAIN when empty with SFD_NONBLOCK, signalfd_siginfo fields for
 * kill (SI_USER, ssi_pid, ssi_uid) and sigqueue (SI_QUEUE, ssi_int), queued RT
 * signals read in order, several per read, poll readiness, changing the mask of an
 * existing signalfd, a blocking read woken by a signal from a child, FD_CLOEXEC,
 * and EINVAL for short buffers, bad flags, non-signalfd descriptors, bad sizemask. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ltp.h"

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* partial output survives a hang or crash */
    alarm(30); /* a hang ends as SIGALRM (status 142), not as a runner timeout */
    sigset_t set;
    struct signalfd_siginfo si[4];
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGRTMIN);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    check("signalfd created", fd >= 0, 1);
    check("FD_CLOEXEC set", fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    check("O_NONBLOCK set", (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0, 1);
    CHECK_ERR("read empty", read(fd, si, sizeof si[0]), EAGAIN);
    struct pollfd pfd = { fd, POLLIN, 0 };
    check("poll empty", poll(&pfd, 1, 0), 0);
    kill(getpid(), SIGUSR1);
    check("poll pending", poll(&pfd, 1, 0), 1);
    check("read one record", read(fd, si, sizeof si), 128);
    check("ssi_signo", si[0].ssi_signo, SIGUSR1);
    check("ssi_code SI_USER", si[0].ssi_code, SI_USER);
    check("ssi_pid", si[0].ssi_pid, getpid());
    check("ssi_uid", si[0].ssi_uid, getuid());
    check("signal consumed", sigpending(&set) == 0 && !sigismember(&set, SIGUSR1), 1);
    union sigval v;
    for (int i = 0; i < 3; i++) {
        v.sival_int = 70 + i;
        sigqueue(getpid(), SIGRTMIN, v);
    }
    check("three queued RT signals in one read", read(fd, si, sizeof si), 3 * 128);
    check("ssi_code SI_QUEUE", si[0].ssi_code, SI_QUEUE);
    check("ssi_int in order", si[0].ssi_int * 10000 + si[1].ssi_int * 100 + si[2].ssi_int, 707172);
    CHECK_ERR("read buffer below 128", read(fd, si, 100), EINVAL);

    sigset_t more;
    sigemptyset(&more);
    sigaddset(&more, SIGUSR2);
    sigprocmask(SIG_BLOCK, &more, NULL);
    check("signalfd updates mask, same fd", signalfd(fd, &more, 0), fd);
    kill(getpid(), SIGUSR1);
    CHECK_ERR("SIGUSR1 no longer in mask", read(fd, si, sizeof si[0]), EAGAIN);
    kill(getpid(), SIGUSR2);
    check("SIGUSR2 now read", read(fd, si, sizeof si[0]) == 128 && si[0].ssi_signo == SIGUSR2, 1);
    struct timespec z = { 0, 0 };
    sigset_t u1;
    sigemptyset(&u1);
    sigaddset(&u1, SIGUSR1);
    check("SIGUSR1 still pending", sigtimedwait(&u1, NULL, &z), SIGUSR1);

    fcntl(fd, F_SETFL, 0);
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        struct timespec d = { 0, 100000000 };
        nanosleep(&d, NULL);
        kill(getppid(), SIGUSR2);
        _exit(0);
    }
    check("blocking read woken", read(fd, si, sizeof si[0]), 128);
    check("sender is the child", si[0].ssi_pid, p);
    waitpid(p, NULL, 0);

    CHECK_ERR("bad flags", signalfd(-1, &set, 0x1234), EINVAL);
    int pfds[2];
    pipe(pfds);
    CHECK_ERR("update a pipe fd", signalfd(pfds[0], &set, 0), EINVAL);
    CHECK_ERR("bad descriptor", signalfd(1000, &set, 0), EBADF);
    CHECK_ERR("sizemask 4", syscall(SYS_signalfd4, -1, &set, 4, 0), EINVAL);
    close(fd);
    return finish("signalfd");
}
