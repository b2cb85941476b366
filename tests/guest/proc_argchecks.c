// build: -pthread
/* proc_argchecks.c — the argument checks of scheduling, priority, signal, wait, prctl
 * and timer calls, in Linux's order, in the style of the Linux Test Project's
 * sched_*, setpriority/getpriority/nice, tkill/tgkill, rt_sigqueueinfo, wait4, prctl,
 * timer_settime and timerfd tests: init and other threads are scheduling targets,
 * another user's process is EPERM (check_same_owner, set_one_prio_perm), lowering
 * the nice value past RLIMIT_NICE is EACCES (EPERM from nice()), sched_setaffinity
 * copies the mask before looking the pid up, SCHED_DEADLINE's priority range is
 * 0..0, tkill/tgkill ids that are not positive are EINVAL, a real-time signal queued
 * past RLIMIT_SIGPENDING is EAGAIN (but not from kill()), wait4(INT_MIN) is ESRCH,
 * gettimeofday writes the time zone, prctl's timer slack, bounding set, securebits,
 * keep-caps, dumpable and no_new_privs checks, timer_settime with no new value is
 * EINVAL, timerfd's order (gettime: the fd before the pointer; settime: the new
 * value, then flags and value, then the fd), and the round-robin interval of
 * SCHED_FIFO (0) and SCHED_RR (100 ms), set by a child on itself; a zombie's
 * /proc/PID (state Z) until it is reaped. Signals nothing
 * but itself and its own children. Must start as root (exits 77 otherwise). Golden
 * from qemu-riscv64, which passes these calls to the host kernel. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ltp.h"

#define NOPID 0x3ffffff0
#define SCHED_DEADLINE_ 6
#define CAP_SETPCAP_ 8
#define CAP_SYS_BOOT_ 22
#define SECBIT_KEEP_CAPS_ (1 << 4)

/* Raw calls: musl answers several sched_* calls with ENOSYS without asking the
 * kernel, and glibc's gettimeofday never passes tz on. */
static long getsched(pid_t p) { return syscall(SYS_sched_getscheduler, p); }
static long setsched(pid_t p, int pol, struct sched_param *s) { return syscall(SYS_sched_setscheduler, p, pol, s); }
static long setparam(pid_t p, struct sched_param *s) { return syscall(SYS_sched_setparam, p, s); }
static long getparam(pid_t p, struct sched_param *s) { return syscall(SYS_sched_getparam, p, s); }
static long setaff(pid_t p, size_t len, void *m) { return syscall(SYS_sched_setaffinity, p, len, m); }
static long getprio(int which, int who) { errno = 0; long r = syscall(SYS_getpriority, which, who); return r < 0 ? -1 : 20 - r; }
static long setprio(int which, int who, int n) { return syscall(SYS_setpriority, which, who, n); }
static long raw_tkill(int tid, int sig) { return syscall(SYS_tkill, tid, sig); }
static long raw_tgkill(int tgid, int tid, int sig) { return syscall(SYS_tgkill, tgid, tid, sig); }
static pid_t gettid_(void) { return (pid_t)syscall(SYS_gettid); }

struct attr {
    uint32_t size, policy;
    uint64_t flags;
    int32_t nice;
    uint32_t priority;
    uint64_t runtime, deadline, period;
};

static int thread_pipe[2];
static volatile pid_t thread_tid;

static void *sleeper(void *arg)
{
    (void)arg;
    thread_tid = gettid_();
    char c;
    read(thread_pipe[0], &c, 1);
    return NULL;
}

/* Runs f in a child as user 65534 and adds the child's failures. */
static void as_nobody(void (*f)(pid_t parent), int keep_root)
{
    pid_t parent = getpid();
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        failures = 0;
        if (!keep_root && (setgid(65534) != 0 || setuid(65534) != 0))
            _exit(100);
        f(parent);
        fflush(stdout);
        _exit(failures);
    }
    int st = 0;
    waitpid(c, &st, 0);
    failures += WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

static void other_owner(pid_t parent)
{
    struct sched_param sp = { 0 };
    CHECK_ERR("nobody: sched_setscheduler of root's process", setsched(parent, SCHED_OTHER, &sp), EPERM);
    CHECK_ERR("nobody: sched_setparam of root's process", setparam(parent, &sp), EPERM);
    CHECK_OK("nobody: sched_getparam of root's process", getparam(parent, &sp));
    uint64_t mask = 1;
    CHECK_ERR("nobody: sched_setaffinity of root's process", setaff(parent, sizeof mask, &mask), EPERM);
    mask = 1ull << 63;
    CHECK_ERR("nobody: EPERM before the mask's EINVAL", setaff(parent, sizeof mask, &mask), EPERM);
    struct attr a = { .size = sizeof a, .policy = SCHED_OTHER };
    CHECK_ERR("nobody: sched_setattr of root's process", syscall(SYS_sched_setattr, parent, &a, 0), EPERM);
    CHECK_ERR("nobody: setpriority of root's process", setprio(PRIO_PROCESS, parent, 0), EPERM);
    check("nobody: getpriority of root's process", getprio(PRIO_PROCESS, parent), 0);
    CHECK_OK("nobody: setscheduler of itself", setsched(0, SCHED_OTHER, &sp));
}

static void nice_limit0(pid_t parent)
{
    (void)parent;
    struct rlimit rl = { 0, 0 };
    CHECK_OK("RLIMIT_NICE 0", setrlimit(RLIMIT_NICE, &rl));
    CHECK_OK("raising nice to 5", setprio(PRIO_PROCESS, 0, 5));
    check("getpriority reads 5", getprio(PRIO_PROCESS, 0), 5);
    CHECK_ERR("lowering to 4", setprio(PRIO_PROCESS, 0, 4), EACCES);
    CHECK_ERR("lowering to -20", setprio(PRIO_PROCESS, 0, -20), EACCES);
    CHECK_OK("same value 5", setprio(PRIO_PROCESS, 0, 5));
    check("still 5", getprio(PRIO_PROCESS, 0), 5);
    CHECK_ERR("nice(-1) is EPERM", nice(-1), EPERM);
    check("nice(1)", nice(1), 6);
    CHECK_OK("raising past 19 clamps", setprio(PRIO_PROCESS, 0, 40));
    check("clamped to 19", getprio(PRIO_PROCESS, 0), 19);
}

static void sigpending_limit(pid_t parent)
{
    (void)parent;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGRTMIN);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    struct rlimit rl = { 2, 2 };
    CHECK_OK("RLIMIT_SIGPENDING 2", setrlimit(RLIMIT_SIGPENDING, &rl));
    union sigval v = { .sival_int = 7 };
    CHECK_OK("sigqueue RT 1", sigqueue(getpid(), SIGRTMIN, v));
    CHECK_OK("sigqueue RT 2", sigqueue(getpid(), SIGRTMIN, v));
    CHECK_ERR("sigqueue RT past the limit", sigqueue(getpid(), SIGRTMIN, v), EAGAIN);
    CHECK_ERR("tgkill RT past the limit", raw_tgkill(getpid(), gettid_(), SIGRTMIN), EAGAIN);
    CHECK_OK("kill RT past the limit (SI_USER is not refused)", kill(getpid(), SIGRTMIN));
    CHECK_OK("sigqueue of a standard signal", sigqueue(getpid(), SIGUSR1, v));
    siginfo_t si;
    struct timespec zero = { 0, 0 };
    check("the standard signal comes first", sigtimedwait(&set, &si, &zero), SIGUSR1);
    check("then the first queued RT signal", sigtimedwait(&set, &si, &zero), SIGRTMIN);
    check("its value", si.si_value.sival_int, 7);
    CHECK_OK("room again after one is taken", sigqueue(getpid(), SIGRTMIN, v));
}

static void capbset_nobody(pid_t parent)
{
    (void)parent;
    CHECK_ERR("nobody: PR_CAPBSET_DROP", prctl(PR_CAPBSET_DROP, CAP_SYS_BOOT_, 0, 0, 0), EPERM);
    CHECK_ERR("nobody: PR_CAPBSET_DROP of an invalid capability (EPERM first)", prctl(PR_CAPBSET_DROP, 99, 0, 0, 0), EPERM);
    check("nobody: PR_CAPBSET_READ", prctl(PR_CAPBSET_READ, CAP_SYS_BOOT_, 0, 0, 0), 1);
    CHECK_ERR("nobody: PR_SET_SECUREBITS", prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS_, 0, 0, 0), EPERM);
    CHECK_OK("nobody: PR_SET_KEEPCAPS needs no capability", prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0));
    check("nobody: PR_GET_KEEPCAPS", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0), 1);
}

static void capbset_root(pid_t parent)
{
    (void)parent;
    CHECK_ERR("PR_CAPBSET_DROP of capability 99", prctl(PR_CAPBSET_DROP, 99, 0, 0, 0), EINVAL);
    CHECK_OK("PR_CAPBSET_DROP CAP_SYS_BOOT", prctl(PR_CAPBSET_DROP, CAP_SYS_BOOT_, 0, 0, 0));
    check("CAP_SYS_BOOT gone from the bounding set", prctl(PR_CAPBSET_READ, CAP_SYS_BOOT_, 0, 0, 0), 0);
    check("CAP_SETPCAP still there", prctl(PR_CAPBSET_READ, CAP_SETPCAP_, 0, 0, 0), 1);
    check("PR_GET_SECUREBITS", prctl(PR_GET_SECUREBITS, 0, 0, 0, 0), 0);
    CHECK_ERR("PR_SET_SECUREBITS with an undefined bit", prctl(PR_SET_SECUREBITS, 1 << 20, 0, 0, 0), EPERM);
    CHECK_OK("PR_SET_SECUREBITS KEEP_CAPS", prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS_, 0, 0, 0));
    check("PR_GET_SECUREBITS after", prctl(PR_GET_SECUREBITS, 0, 0, 0, 0), SECBIT_KEEP_CAPS_);
    check("PR_GET_KEEPCAPS follows", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0), 1);
    CHECK_ERR("PR_SET_KEEPCAPS 2", prctl(PR_SET_KEEPCAPS, 2, 0, 0, 0), EINVAL);
    CHECK_OK("PR_SET_KEEPCAPS 0", prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0));
    check("PR_GET_SECUREBITS follows", prctl(PR_GET_SECUREBITS, 0, 0, 0, 0), 0);
    CHECK_OK("PR_SET_KEEPCAPS 1", prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0));
    check("PR_GET_KEEPCAPS", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0), 1);
}

static long read_slack_file(void)
{
    FILE *f = fopen("/proc/self/timerslack_ns", "r");
    long v = -1;
    if (f) {
        if (fscanf(f, "%ld", &v) != 1)
            v = -1;
        fclose(f);
    }
    return v;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* partial output survives a hang or crash */
    if (getuid() != 0) {
        printf("proc_argchecks: must start as root\n");
        return 77;
    }

    /* Scheduling targets: init (no threads of its own under grantix) and a thread id. */
    struct sched_param sp = { 0 };
    CHECK_OK("sched_getparam of init", getparam(1, &sp));
    check("init's priority", sp.sched_priority, 0);
    CHECK_OK("getpriority of init", getprio(PRIO_PROCESS, 1));
    pipe(thread_pipe);
    pthread_t th;
    pthread_create(&th, NULL, sleeper, NULL);
    while (!thread_tid)
        sched_yield();
    check("sched_getscheduler of a thread id", getsched(thread_tid), SCHED_OTHER);
    CHECK_OK("sched_getparam of a thread id", getparam(thread_tid, &sp));
    check("getpriority of a thread id", getprio(PRIO_PROCESS, thread_tid), 0);
    cpu_set_t cs;
    CHECK_OK("sched_getaffinity of a thread id", syscall(SYS_sched_getaffinity, thread_tid, sizeof cs, &cs));
    write(thread_pipe[1], "x", 1);
    pthread_join(th, NULL);

    /* sched_setaffinity: the mask is copied first, then the pid is looked up. */
    uint64_t mask = 1;
    CHECK_ERR("setaffinity NULL mask, no such pid", setaff(NOPID, sizeof mask, NULL), EFAULT);
    CHECK_ERR("setaffinity no such pid", setaff(NOPID, sizeof mask, &mask), ESRCH);
    CHECK_ERR("setaffinity pid -1", setaff(-1, sizeof mask, &mask), ESRCH);
    mask = 1ull << 63;
    CHECK_ERR("setaffinity without an online CPU", setaff(0, sizeof mask, &mask), EINVAL);
    CHECK_ERR("setaffinity length 0 (an empty mask)", setaff(0, 0, &mask), EINVAL);

    /* The round-robin interval: none for SCHED_FIFO, the quantum for SCHED_RR (in a
     * child that sets the policy on itself and exits at once). */
    fflush(stdout);
    pid_t rc = fork();
    if (rc == 0) {
        failures = 0;
        struct sched_param fp = { 1 };
        struct timespec ts = { 99, 99 };
        CHECK_OK("SCHED_FIFO priority 1", setsched(0, SCHED_FIFO, &fp));
        CHECK_OK("rr_get_interval of a SCHED_FIFO thread", syscall(SYS_sched_rr_get_interval, 0, &ts));
        check("is zero", ts.tv_sec * 1000000000L + ts.tv_nsec, 0);
        CHECK_OK("SCHED_RR priority 1", setsched(0, SCHED_RR, &fp));
        CHECK_OK("rr_get_interval of a SCHED_RR thread", syscall(SYS_sched_rr_get_interval, 0, &ts));
        check("is 100 ms", ts.tv_sec * 1000000000L + ts.tv_nsec, 100000000);
        fp.sched_priority = 0;
        setsched(0, SCHED_OTHER, &fp);
        fflush(stdout);
        _exit(failures);
    }
    int rst = 0;
    waitpid(rc, &rst, 0);
    failures += WIFEXITED(rst) ? WEXITSTATUS(rst) : 1;

    /* SCHED_DEADLINE has no priorities. */
    check("sched_get_priority_max(SCHED_DEADLINE)", syscall(SYS_sched_get_priority_max, SCHED_DEADLINE_), 0);
    check("sched_get_priority_min(SCHED_DEADLINE)", syscall(SYS_sched_get_priority_min, SCHED_DEADLINE_), 0);
    CHECK_ERR("sched_get_priority_max(77)", syscall(SYS_sched_get_priority_max, 77), EINVAL);
    CHECK_ERR("sched_get_priority_min(-1)", syscall(SYS_sched_get_priority_min, -1), EINVAL);

    /* getpriority/setpriority: who. */
    CHECK_ERR("getpriority PRIO_PROCESS -1", getprio(PRIO_PROCESS, -1), ESRCH);
    CHECK_ERR("getpriority PRIO_PGRP -1", getprio(PRIO_PGRP, -1), ESRCH);
    CHECK_ERR("getpriority no such process", getprio(PRIO_PROCESS, NOPID), ESRCH);
    CHECK_ERR("getpriority no such process group", getprio(PRIO_PGRP, NOPID), ESRCH);
    CHECK_ERR("setpriority no such process group", setprio(PRIO_PGRP, NOPID, 0), ESRCH);
    check("getpriority own process group", getprio(PRIO_PGRP, 0), 0);
    CHECK_ERR("getpriority which 3", getprio(3, 0), EINVAL);
    CHECK_OK("root lowers its nice value to -5", setprio(PRIO_PROCESS, 0, -5));
    check("getpriority reads -5", getprio(PRIO_PROCESS, getpid()), -5);
    CHECK_OK("and back to 0", setprio(PRIO_PROCESS, getpid(), 0));
    as_nobody(other_owner, 0);
    as_nobody(nice_limit0, 0);

    /* tkill/tgkill: ids that are not positive. */
    CHECK_ERR("tkill tid -1", raw_tkill(-1, 0), EINVAL);
    CHECK_ERR("tkill tid 0", raw_tkill(0, 0), EINVAL);
    CHECK_ERR("tkill tid -1 signal 65", raw_tkill(-1, 65), EINVAL);
    CHECK_ERR("tgkill tgid 0", raw_tgkill(0, gettid_(), 0), EINVAL);
    CHECK_ERR("tgkill tgid -1", raw_tgkill(-1, gettid_(), 0), EINVAL);
    CHECK_ERR("tgkill tid -1", raw_tgkill(getpid(), -1, 0), EINVAL);
    CHECK_ERR("tgkill tid 0", raw_tgkill(getpid(), 0, 0), EINVAL);
    CHECK_ERR("tgkill no such thread", raw_tgkill(getpid(), NOPID, 0), ESRCH);
    CHECK_OK("tgkill self signal 0", raw_tgkill(getpid(), gettid_(), 0));
    CHECK_ERR("tkill bad signal", raw_tkill(gettid_(), 65), EINVAL);

    /* RLIMIT_SIGPENDING, counted per user: a user of its own. */
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        failures = 0;
        if (setgid(54321) != 0 || setuid(54321) != 0)
            _exit(100);
        sigpending_limit(0);
        fflush(stdout);
        _exit(failures);
    }
    int st = 0;
    waitpid(c, &st, 0);
    failures += WIFEXITED(st) ? WEXITSTATUS(st) : 1;

    /* wait4(INT_MIN): -INT_MIN names no process group. */
    CHECK_ERR("wait4(INT_MIN) without children", syscall(SYS_wait4, INT_MIN, &st, 0, NULL), ESRCH);
    CHECK_ERR("wait4(-1) without children", syscall(SYS_wait4, -1, &st, 0, NULL), ECHILD);
    CHECK_ERR("wait4 bad options", syscall(SYS_wait4, -1, &st, 0x1000, NULL), EINVAL);

    /* gettimeofday's time zone (never set: zeros). */
    struct timeval tv;
    struct { int minuteswest, dsttime; } tz = { 99, 99 };
    CHECK_OK("gettimeofday with tz", syscall(SYS_gettimeofday, &tv, &tz));
    check("tz_minuteswest", tz.minuteswest, 0);
    check("tz_dsttime", tz.dsttime, 0);
    CHECK_OK("gettimeofday tz only", syscall(SYS_gettimeofday, NULL, &tz));
    CHECK_ERR("gettimeofday bad tz", syscall(SYS_gettimeofday, &tv, (void *)8), EFAULT);

    /* prctl: timer slack (also /proc/PID/timerslack_ns). */
    long slack0 = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
    check("PR_GET_TIMERSLACK default", slack0, 50000);
    check("timerslack_ns default", read_slack_file(), 50000);
    CHECK_OK("PR_SET_TIMERSLACK 100000", prctl(PR_SET_TIMERSLACK, 100000, 0, 0, 0));
    check("PR_GET_TIMERSLACK after", prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0), 100000);
    check("timerslack_ns after", read_slack_file(), 100000);
    fflush(stdout);
    c = fork();
    if (c == 0)
        _exit(prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0) == 100000 ? 0 : 1);
    waitpid(c, &st, 0);
    check("a child inherits the slack", WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0);
    CHECK_OK("PR_SET_TIMERSLACK 0", prctl(PR_SET_TIMERSLACK, 0, 0, 0, 0));
    check("0 restores the default", prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0), 50000);

    /* prctl: bounding set and securebits. */
    check("PR_CAPBSET_READ CAP_SYS_BOOT", prctl(PR_CAPBSET_READ, CAP_SYS_BOOT_, 0, 0, 0), 1);
    CHECK_ERR("PR_CAPBSET_READ of capability 99", prctl(PR_CAPBSET_READ, 99, 0, 0, 0), EINVAL);
    as_nobody(capbset_root, 1);
    as_nobody(capbset_nobody, 0);

    /* prctl: dumpable and no_new_privs. */
    CHECK_ERR("PR_SET_DUMPABLE 2", prctl(PR_SET_DUMPABLE, 2, 0, 0, 0), EINVAL);
    CHECK_ERR("PR_SET_DUMPABLE 3", prctl(PR_SET_DUMPABLE, 3, 0, 0, 0), EINVAL);
    check("PR_GET_DUMPABLE", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 1);
    CHECK_ERR("PR_SET_NO_NEW_PRIVS 0", prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0), EINVAL);
    CHECK_ERR("PR_SET_NO_NEW_PRIVS with arg3", prctl(PR_SET_NO_NEW_PRIVS, 1, 1, 0, 0), EINVAL);
    CHECK_ERR("PR_GET_NO_NEW_PRIVS with arg2", prctl(PR_GET_NO_NEW_PRIVS, 1, 0, 0, 0), EINVAL);
    check("PR_GET_NO_NEW_PRIVS", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 0);

    /* timer_settime: no new value is EINVAL (the kernel's timer id, raw calls). */
    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_NONE;
    int tid = -1;
    CHECK_OK("timer_create", syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &tid));
    CHECK_ERR("timer_settime NULL new value", syscall(SYS_timer_settime, tid, 0, NULL, NULL), EINVAL);
    struct itimerspec its = { { 0, 0 }, { 100, 0 } }, old;
    CHECK_OK("timer_settime", syscall(SYS_timer_settime, tid, 0, &its, &old));
    CHECK_ERR("timer_settime bad new value", syscall(SYS_timer_settime, tid, 0, (void *)8, NULL), EFAULT);
    CHECK_OK("timer_delete", syscall(SYS_timer_delete, tid));

    /* timerfd: gettime checks the fd, then the pointer; settime the new value, then
     * the flags and value, then the fd. */
    int tfd = syscall(SYS_timerfd_create, CLOCK_MONOTONIC, 0);
    int p[2];
    pipe(p);
    CHECK_ERR("timerfd_gettime bad fd, NULL", syscall(SYS_timerfd_gettime, -1, NULL), EBADF);
    CHECK_ERR("timerfd_gettime a pipe, NULL", syscall(SYS_timerfd_gettime, p[0], NULL), EINVAL);
    CHECK_ERR("timerfd_gettime bad pointer", syscall(SYS_timerfd_gettime, tfd, (void *)8), EFAULT);
    CHECK_OK("timerfd_gettime", syscall(SYS_timerfd_gettime, tfd, &old));
    CHECK_ERR("timerfd_settime bad fd, NULL new value", syscall(SYS_timerfd_settime, -1, 0, NULL, NULL), EFAULT);
    CHECK_ERR("timerfd_settime bad fd, bad flags", syscall(SYS_timerfd_settime, -1, 0x55, &its, NULL), EINVAL);
    struct itimerspec bad = { { 0, 0 }, { 0, 1000000000 } };
    CHECK_ERR("timerfd_settime bad fd, bad value", syscall(SYS_timerfd_settime, -1, 0, &bad, NULL), EINVAL);
    CHECK_ERR("timerfd_settime bad fd", syscall(SYS_timerfd_settime, -1, 0, &its, NULL), EBADF);
    CHECK_ERR("timerfd_settime a pipe", syscall(SYS_timerfd_settime, p[0], 0, &its, NULL), EINVAL);
    CHECK_ERR("timerfd_settime bad old pointer", syscall(SYS_timerfd_settime, tfd, 0, &its, (void *)8), EFAULT);
    CHECK_OK("timerfd_settime", syscall(SYS_timerfd_settime, tfd, 0, &its, &old));

    /* A zombie keeps its /proc/PID (state Z) until it is reaped. */
    fflush(stdout);
    c = fork();
    if (c == 0)
        _exit(0);
    siginfo_t wi;
    CHECK_OK("waitid WNOWAIT", waitid(P_PID, c, &wi, WEXITED | WNOWAIT));
    char path[64], state = '?';
    snprintf(path, sizeof path, "/proc/%d/stat", c);
    FILE *f = fopen(path, "r");
    check("a zombie's /proc/PID/stat opens", f != NULL, 1);
    if (f) {
        if (fscanf(f, "%*[^)]%*c %c", &state) != 1)
            state = '?';
        fclose(f);
    }
    check("its state is Z", state, 'Z');
    snprintf(path, sizeof path, "/proc/%d", c);
    CHECK_OK("a zombie's /proc/PID is there", access(path, F_OK));
    waitpid(c, &st, 0);
    CHECK_ERR("gone once reaped", access(path, F_OK), ENOENT);

    return finish("proc_argchecks");
}
