// build: -pthread
/* abi_edges.c — argument checks and corner rules of futex, POSIX timers, pidfds,
 * membarrier, clock_nanosleep, select's STICKY_TIMEOUTS and memfd seals that
 * the Linux Test Project checks (futex_cmp_requeue02/03, futex_wake02,
 * timer_settime02/03, pidfd_send_signal01/02, pidfd_open04, membarrier01,
 * clock_nanosleep01, personality02, memfd_create01; clone302's pidfd check is in
 * clone3.c, as qemu-riscv64 7.2 has no clone3). Raw syscalls, so
 * both libcs behave alike. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/time.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ltp.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif
/* <linux/futex.h>'s operations (musl's headers have no linux/ directory). */
#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_CMP_REQUEUE_PRIVATE 132

static long futex(void *u, int op, long val, long val2, void *u2, long val3)
{
    return syscall(SYS_futex, u, op, val, val2, u2, val3);
}

static void *unmapped(void)
{
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(p, 4096);
    return p;
}

/* futex_cmp_requeue02/03: negative counts, and a shared requeue's uaddr2 must be
 * mapped (a private one's need not be). */
static void futex_requeue(void)
{
    static int f[2] = {5, 6};
    void *bad = unmapped();
    void *none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK_ERR("cmp_requeue nr_requeue -1", futex(&f[0], FUTEX_CMP_REQUEUE, 1, -1, &f[1], 5), EINVAL);
    CHECK_ERR("cmp_requeue nr_wake -1", futex(&f[0], FUTEX_CMP_REQUEUE, -1, 1, &f[1], 5), EINVAL);
    CHECK_ERR("cmp_requeue value differs", futex(&f[0], FUTEX_CMP_REQUEUE, 1, 1, &f[1], 6), EAGAIN);
    CHECK_ERR("requeue nr_requeue -1", futex(&f[0], FUTEX_REQUEUE, 1, -1, &f[1], 0), EINVAL);
    CHECK_ERR("cmp_requeue uaddr unmapped", futex(bad, FUTEX_CMP_REQUEUE, 1, 1, &f[1], 5), EFAULT);
    CHECK_ERR("cmp_requeue uaddr2 unmapped", futex(&f[0], FUTEX_CMP_REQUEUE, 1, 1, bad, 5), EFAULT);
    CHECK_ERR("cmp_requeue uaddr2 PROT_NONE", futex(&f[0], FUTEX_CMP_REQUEUE, 1, 1, none, 5), EFAULT);
    check("cmp_requeue private uaddr2 unmapped", futex(&f[0], FUTEX_CMP_REQUEUE_PRIVATE, 1, 1, bad, 5), 0);
    check("cmp_requeue nobody waiting", futex(&f[0], FUTEX_CMP_REQUEUE, 1, 1, &f[1], 5), 0);
    munmap(none, 4096);
}

/* futex_wake02: threads that went straight to a futex wait are listed in
 * /proc/PID/task (and sleeping), and a wake finds them. */
static int word;
static void *waiter(void *arg)
{
    (void)arg;
    syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
    return NULL;
}

static void futex_threads(void)
{
    enum { N = 4 };
    pthread_t t[N];
    for (int i = 0; i < N; i++)
        pthread_create(&t[i], NULL, waiter, NULL);
    /* Wait until every thread sleeps, as the LTP case does (the listing must show them). */
    int sleeping = 0;
    /* (At least N: under qemu-user the listing also shows qemu's own threads.) */
    for (int tries = 0; tries < 2000 && sleeping < N; tries++) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/task", getpid());
        DIR *d = opendir(path);
        struct dirent *e;
        sleeping = 0;
        while (d && (e = readdir(d))) {
            int tid = atoi(e->d_name);
            if (tid == 0 || tid == getpid())
                continue;
            char stat[96], buf[256], st = '?';
            snprintf(stat, sizeof stat, "/proc/%d/task/%d/stat", getpid(), tid);
            FILE *fp = fopen(stat, "r");
            if (fp && fgets(buf, sizeof buf, fp)) {
                char *rp = strrchr(buf, ')');
                if (rp && rp[1])
                    st = rp[2];
            }
            if (fp)
                fclose(fp);
            sleeping += st == 'S';
        }
        if (d)
            closedir(d);
        if (sleeping < N)
            usleep(1000);
    }
    check("task lists the futex waiters", sleeping >= N, 1);
    check("futex_wake wakes one", futex(&word, FUTEX_WAKE_PRIVATE, 1, 0, NULL, 0), 1);
    check("futex_wake wakes the rest", futex(&word, FUTEX_WAKE_PRIVATE, N, 0, NULL, 0), N - 1);
    for (int i = 0; i < N; i++)
        pthread_join(t[i], NULL);
}

/* timer_settime02/03. */
static volatile int overrun = -2, handled;
static timer_t tid;
static void on_timer(int sig)
{
    (void)sig;
    if (handled)
        return;
    overrun = syscall(SYS_timer_getoverrun, tid);
    struct itimerspec z = {0};
    syscall(SYS_timer_settime, tid, 0, &z, NULL);
    handled = 1;
}

static void timers(void)
{
    struct sigevent sev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1};
    struct itimerspec its = {.it_value = {5, 0}}, old;
    signal(SIGUSR1, on_timer);
    syscall(SYS_timer_create, CLOCK_REALTIME, &sev, &tid);
    CHECK_ERR("timer_settime new NULL", syscall(SYS_timer_settime, tid, 0, NULL, &old), EINVAL);
    CHECK_ERR("timer_settime bad id", syscall(SYS_timer_settime, (timer_t)(intptr_t)-1, 0, &its, &old), EINVAL);
    CHECK_ERR("timer_settime new unmapped", syscall(SYS_timer_settime, tid, 0, unmapped(), &old), EFAULT);
    its.it_value.tv_nsec = -1;
    CHECK_ERR("timer_settime nsec -1", syscall(SYS_timer_settime, tid, 0, &its, &old), EINVAL);
    /* An absolute time 3 s past with a 1 ns period: the first expiry's overruns
     * exceed INT_MAX and are reported as INT_MAX. */
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct itimerspec past = {.it_interval = {0, 1}, .it_value = {now.tv_sec - 3, now.tv_nsec}};
    CHECK_OK("timer_settime absolute past", syscall(SYS_timer_settime, tid, TIMER_ABSTIME, &past, NULL));
    while (!handled)
        ;
    check("overrun saturates at INT_MAX", overrun, INT_MAX);
    syscall(SYS_timer_delete, tid);
    signal(SIGUSR1, SIG_DFL);
}

/* pidfd_send_signal01/02, pidfd_open04. */
static void pidfds(void)
{
    int dir = open("/proc/self", O_DIRECTORY | O_CLOEXEC);
    int file = open("/proc/self/stat", O_RDONLY);
    check("pidfd_send_signal /proc/self dir, signal 0", syscall(SYS_pidfd_send_signal, dir, 0, NULL, 0), 0);
    CHECK_ERR("pidfd_send_signal bad flags", syscall(SYS_pidfd_send_signal, dir, 0, NULL, 99999), EINVAL);
    CHECK_ERR("pidfd_send_signal regular file", syscall(SYS_pidfd_send_signal, file, 0, NULL, 0), EBADF);
    siginfo_t info;
    memset(&info, 0, sizeof info);
    info.si_signo = SIGUSR1;
    info.si_code = SI_QUEUE;
    CHECK_ERR("pidfd_send_signal signo differs", syscall(SYS_pidfd_send_signal, dir, SIGUSR2, &info, 0), EINVAL);
    /* A /proc dir fd is a pidfd for pidfd_send_signal only. */
    CHECK_ERR("waitid P_PIDFD on a /proc dir", waitid(P_PIDFD, dir, &info, WEXITED | WNOHANG), EBADF);
    close(dir);
    close(file);

    int p[2];
    pipe(p);
    pid_t child = fork();
    if (child == 0) {
        char c;
        read(p[0], &c, 1);
        _exit(0);
    }
    int fd = syscall(SYS_pidfd_open, child, O_NONBLOCK);
    check("pidfd O_NONBLOCK", (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0, 1);
    CHECK_ERR("waitid nonblocking pidfd, child running", waitid(P_PIDFD, fd, &info, WEXITED), EAGAIN);
    memset(&info, 0xff, sizeof info);
    check("waitid WNOHANG nonblocking pidfd", waitid(P_PIDFD, fd, &info, WEXITED | WNOHANG), 0);
    check("waitid WNOHANG: nothing reaped", info.si_pid, 0);
    write(p[1], "x", 1);
    int r;
    do
        r = waitid(P_PIDFD, fd, &info, WEXITED);
    while (r == -1 && errno == EAGAIN);
    check("waitid after the child exited", r, 0);
    check("waitid: its status", info.si_status, 0);
    close(fd);
    close(p[0]);
    close(p[1]);
}

/* membarrier01 (the SYNC_CORE pair depends on the architecture: left out). */
static void membarriers(void)
{
    enum { QUERY = 0, GLOBAL = 1, GLOBAL_EXP = 2, REG_GLOBAL_EXP = 4, PRIV_EXP = 8, REG_PRIV_EXP = 16,
           SYNC_CORE = 32, REG_SYNC_CORE = 64, RSEQ = 128, REG_RSEQ = 256, GET_REG = 512 };
    long mask = syscall(SYS_membarrier, QUERY, 0, 0);
    check("membarrier query", mask & ~(SYNC_CORE | REG_SYNC_CORE),
          GLOBAL | GLOBAL_EXP | REG_GLOBAL_EXP | PRIV_EXP | REG_PRIV_EXP | RSEQ | REG_RSEQ | GET_REG);
    CHECK_ERR("membarrier query flags 1", syscall(SYS_membarrier, QUERY, 1, 0), EINVAL);
    CHECK_ERR("membarrier cmd -1", syscall(SYS_membarrier, -1, 0, 0), EINVAL);
    check("membarrier global", syscall(SYS_membarrier, GLOBAL, 0, 0), 0);
    check("membarrier global expedited", syscall(SYS_membarrier, GLOBAL_EXP, 0, 0), 0);
    pid_t child = fork();
    if (child == 0) {
        /* A new process (its own mm) starts unregistered. */
        CHECK_ERR("membarrier private unregistered", syscall(SYS_membarrier, PRIV_EXP, 0, 0), EPERM);
        CHECK_ERR("membarrier rseq unregistered", syscall(SYS_membarrier, RSEQ, 0, 0), EPERM);
        check("membarrier registrations none", syscall(SYS_membarrier, GET_REG, 0, 0), 0);
        check("membarrier register rseq", syscall(SYS_membarrier, REG_RSEQ, 0, 0), 0);
        CHECK_ERR("membarrier private after rseq registration", syscall(SYS_membarrier, PRIV_EXP, 0, 0), EPERM);
        check("membarrier rseq registered", syscall(SYS_membarrier, RSEQ, 0, 0), 0);
        check("membarrier rseq flag cpu", syscall(SYS_membarrier, RSEQ, 1, 0), 0);
        check("membarrier register private", syscall(SYS_membarrier, REG_PRIV_EXP, 0, 0), 0);
        check("membarrier private registered", syscall(SYS_membarrier, PRIV_EXP, 0, 0), 0);
        CHECK_ERR("membarrier private flag cpu", syscall(SYS_membarrier, PRIV_EXP, 1, 0), EINVAL);
        check("membarrier register global", syscall(SYS_membarrier, REG_GLOBAL_EXP, 0, 0), 0);
        check("membarrier registrations", syscall(SYS_membarrier, GET_REG, 0, 0), REG_GLOBAL_EXP | REG_PRIV_EXP | REG_RSEQ);
        fflush(stdout);
        _exit(failures);
    }
    int st;
    waitpid(child, &st, 0);
    failures += WEXITSTATUS(st);
}

static void on_alarm(int sig) { (void)sig; }

/* clock_nanosleep01 (raw syscall variants), personality02. */
static void sleeps(void)
{
    struct timespec ts = {0, 1000};
    CHECK_ERR("clock_nanosleep thread cpu clock", syscall(SYS_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, 0, &ts, NULL), ENOTSUP);
    CHECK_ERR("clock_nanosleep monotonic raw", syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC_RAW, 0, &ts, NULL), ENOTSUP);
    CHECK_ERR("clock_nanosleep bad clock", syscall(SYS_clock_nanosleep, 100, 0, &ts, NULL), EINVAL);
    CHECK_ERR("clock_nanosleep req unmapped", syscall(SYS_clock_nanosleep, CLOCK_REALTIME, 0, unmapped(), NULL), EFAULT);
    ts.tv_nsec = -1;
    CHECK_ERR("clock_nanosleep nsec -1", syscall(SYS_clock_nanosleep, CLOCK_REALTIME, 0, &ts, NULL), EINVAL);
    /* rem is looked at only when a signal cuts the sleep short: then it must be
     * writable (EFAULT, not EINTR). */
    struct sigaction sa = {.sa_handler = on_alarm};
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval soon = {.it_value = {0, 20000}};
    setitimer(ITIMER_REAL, &soon, NULL);
    struct timespec ten = {10, 0};
    CHECK_ERR("clock_nanosleep interrupted, rem unmapped", syscall(SYS_clock_nanosleep, CLOCK_REALTIME, 0, &ten, unmapped()), EFAULT);
    signal(SIGALRM, SIG_DFL);

    /* pselect6 writes the time left back, unless the persona has STICKY_TIMEOUTS. */
    int p[2];
    pipe(p);
    fd_set r;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    struct timespec t = {0, 10000};
    syscall(SYS_pselect6, p[0] + 1, &r, NULL, NULL, &t, NULL);
    check("pselect6 timeout written back", t.tv_nsec, 0);
    personality(PER_LINUX | STICKY_TIMEOUTS);
    FD_SET(p[0], &r);
    t.tv_nsec = 10000;
    syscall(SYS_pselect6, p[0] + 1, &r, NULL, NULL, &t, NULL);
    personality(PER_LINUX);
    check("pselect6 STICKY_TIMEOUTS keeps it", t.tv_nsec, 10000);
    close(p[0]);
    close(p[1]);
}

/* memfd_create01's test_share_mmap. */
static void memfd_seals(void)
{
    int fd = syscall(SYS_memfd_create, "abi_edges", MFD_ALLOW_SEALING);
    ftruncate(fd, 8192);
    void *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK_ERR("F_SEAL_WRITE with a shared writable mapping", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), EBUSY);
    check("seals unchanged", fcntl(fd, F_GET_SEALS), 0);
    check("F_SEAL_SHRINK allowed", fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK), 0);
    munmap(p, 8192);
    p = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, fd, 0);
    check("F_SEAL_WRITE with a private mapping", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), 0);
    check("seals", fcntl(fd, F_GET_SEALS), F_SEAL_WRITE | F_SEAL_SHRINK);
    munmap(p, 8192);
    close(fd);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    futex_requeue();
    futex_threads();
    timers();
    pidfds();
    membarriers();
    sleeps();
    memfd_seals();
    return finish("abi_edges");
}
