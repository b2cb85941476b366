// build: -lrt
/* posix_mq.c — POSIX message queues in the style of the Linux Test Project's
 * mq_open/mq_timedsend/mq_timedreceive/mq_notify/mq_unlink tests (mq_overview(7)):
 * priority order (highest first, FIFO within a priority), attributes, EEXIST, ENOENT,
 * EINVAL, EMSGSIZE, EAGAIN with O_NONBLOCK, ETIMEDOUT, EBADF, EBUSY for a second
 * notification, SIGEV_SIGNAL notification (SI_MESGQ), a receiver blocked in another
 * process, a queue surviving its unlink while open, and EACCES after dropping root.
 * Must start as root for the EACCES check (it drops to 65534 in a child); exits 77
 * otherwise. Golden output recorded on Linux 6.18 (qemu-user lacks mq_notify). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ltp.h"

static char name[64];

static int reap(pid_t p)
{
    int st = 0;
    waitpid(p, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void after_ms(struct timespec *ts, int ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_nsec += (ms % 1000) * 1000000L;
    ts->tv_sec += ms / 1000 + ts->tv_nsec / 1000000000L;
    ts->tv_nsec %= 1000000000L;
}

int main(void)
{
    char buf[128];
    unsigned prio = 99;
    struct mq_attr attr = { 0 }, got;
    setvbuf(stdout, NULL, _IOLBF, 0); /* partial output survives a hang or crash */
    alarm(30); /* a hang ends as SIGALRM (status 142), not as a runner timeout */
    if (getuid() != 0) {
        printf("posix_mq: must start as root\n");
        return 77;
    }
    snprintf(name, sizeof name, "/gx_mq_%d", (int)getpid());
    attr.mq_maxmsg = 4;
    attr.mq_msgsize = 64;
    mqd_t q = mq_open(name, O_CREAT | O_EXCL | O_RDWR, 0600, &attr);
    check("mq_open O_CREAT|O_EXCL", q != (mqd_t)-1, 1);
    CHECK_ERR("mq_open O_EXCL again", mq_open(name, O_CREAT | O_EXCL | O_RDWR, 0600, &attr), EEXIST);
    CHECK_ERR("mq_open missing", mq_open("/gx_mq_missing_queue", O_RDWR), ENOENT);
    struct mq_attr bad = { 0 };
    bad.mq_maxmsg = 0;
    bad.mq_msgsize = 64;
    CHECK_ERR("mq_open maxmsg 0", mq_open("/gx_mq_bad_attr", O_CREAT | O_RDWR, 0600, &bad), EINVAL);
    bad.mq_maxmsg = 4;
    bad.mq_msgsize = -1;
    CHECK_ERR("mq_open negative msgsize", mq_open("/gx_mq_bad_attr", O_CREAT | O_RDWR, 0600, &bad), EINVAL);
    CHECK_OK("mq_getattr", mq_getattr(q, &got));
    check("mq_maxmsg", got.mq_maxmsg, 4);
    check("mq_msgsize", got.mq_msgsize, 64);
    check("mq_curmsgs 0", got.mq_curmsgs, 0);
    check("mq_flags 0", got.mq_flags, 0);

    CHECK_OK("mq_send prio 1", mq_send(q, "a", 1, 1));
    CHECK_OK("mq_send prio 5", mq_send(q, "b", 1, 5));
    CHECK_OK("mq_send prio 5 again", mq_send(q, "c", 1, 5));
    CHECK_OK("mq_send prio 0", mq_send(q, "d", 1, 0));
    mq_getattr(q, &got);
    check("mq_curmsgs 4", got.mq_curmsgs, 4);
    CHECK_ERR("mq_send too long", mq_send(q, buf, 65, 0), EMSGSIZE);
    CHECK_ERR("mq_receive buffer below msgsize", mq_receive(q, buf, 63, &prio), EMSGSIZE);
    struct timespec ts;
    after_ms(&ts, 50);
    CHECK_ERR("mq_timedsend full queue times out", mq_timedsend(q, "e", 1, 0, &ts), ETIMEDOUT);
    ts.tv_nsec = 1000000000L;
    CHECK_ERR("mq_timedsend bad timeout", mq_timedsend(q, "e", 1, 0, &ts), EINVAL);
    CHECK_ERR("mq_send prio above MQ_PRIO_MAX", mq_send(q, "e", 1, 40000), EINVAL);
    struct mq_attr nb = { 0 }, old;
    nb.mq_flags = O_NONBLOCK;
    CHECK_OK("mq_setattr O_NONBLOCK", mq_setattr(q, &nb, &old));
    check("mq_setattr old flags", old.mq_flags, 0);
    CHECK_ERR("mq_send full O_NONBLOCK", mq_send(q, "e", 1, 0), EAGAIN);
    char order[8] = { 0 };
    for (int i = 0; i < 4; i++) {
        buf[0] = '?';
        mq_receive(q, buf, sizeof buf, &prio);
        order[i] = buf[0];
        if (i == 0)
            check("first prio 5", prio, 5);
    }
    check("receive order b c a d", strcmp(order, "bcad"), 0);
    CHECK_ERR("mq_receive empty O_NONBLOCK", mq_receive(q, buf, sizeof buf, &prio), EAGAIN);
    nb.mq_flags = 0;
    mq_setattr(q, &nb, NULL);
    after_ms(&ts, 50);
    CHECK_ERR("mq_timedreceive empty times out", mq_timedreceive(q, buf, sizeof buf, &prio, &ts), ETIMEDOUT);
    CHECK_ERR("mq_send on closed descriptor", mq_send((mqd_t)1000, "x", 1, 0), EBADF);

    mqd_t ro = mq_open(name, O_RDONLY);
    check("mq_open O_RDONLY", ro != (mqd_t)-1, 1);
    CHECK_ERR("mq_send on O_RDONLY queue", mq_send(ro, "x", 1, 0), EBADF);
    mq_close(ro);

    /* notification: a signal when a message arrives on an empty queue */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    struct sigevent sev = { 0 };
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = SIGUSR1;
    sev.sigev_value.sival_int = 1234;
    CHECK_OK("mq_notify SIGEV_SIGNAL", mq_notify(q, &sev));
    CHECK_ERR("mq_notify second registration", mq_notify(q, &sev), EBUSY);
    CHECK_OK("mq_send triggers notification", mq_send(q, "n", 1, 3));
    siginfo_t si;
    struct timespec wait = { 2, 0 };
    check("notification signal", sigtimedwait(&set, &si, &wait), SIGUSR1);
    check("si_code SI_MESGQ", si.si_code, SI_MESGQ);
    check("si_value", si.si_value.sival_int, 1234);
    CHECK_OK("mq_notify again after it fired", mq_notify(q, &sev));
    CHECK_OK("mq_notify NULL unregisters", mq_notify(q, NULL));
    mq_receive(q, buf, sizeof buf, &prio);

    /* a receiver blocked in another process */
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        ssize_t n = mq_receive(q, buf, sizeof buf, &prio);
        _exit(n == 5 && memcmp(buf, "hello", 5) == 0 && prio == 7 ? 0 : 1);
    }
    struct timespec pause = { 0, 200000000 };
    nanosleep(&pause, NULL);
    CHECK_OK("mq_send to a blocked receiver", mq_send(q, "hello", 5, 7));
    check("blocked receiver got the message", reap(p), 0);

    fflush(stdout);
    p = fork();
    if (p == 0) {
        if (setgid(65534) != 0 || setuid(65534) != 0)
            _exit(100);
        mqd_t d = mq_open(name, O_RDONLY);
        _exit(d == (mqd_t)-1 && errno == EACCES ? 0 : 1);
    }
    check("mq_open 0600 queue without root EACCES", reap(p), 0);

    CHECK_OK("mq_unlink", mq_unlink(name));
    CHECK_ERR("mq_unlink again", mq_unlink(name), ENOENT);
    CHECK_OK("queue usable after unlink", mq_send(q, "z", 1, 0));
    check("receive after unlink", mq_receive(q, buf, sizeof buf, &prio), 1);
    CHECK_OK("mq_close", mq_close(q));
    return finish("posix_mq");
}
