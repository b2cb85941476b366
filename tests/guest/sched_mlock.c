// build: -pthread
/* sched_mlock.c — scheduling policy, memory locking and personality in the style of
 * the Linux Test Project's sched_setscheduler/sched_getattr/mlock/mlockall/
 * personality tests (sched(7), sched_setattr(2), mlock(2), personality(2)): the
 * policy and nice value a thread sets are reported back; EINVAL for bad policies,
 * priorities, sizes and flags, ESRCH for a pid that does not exist, E2BIG for an
 * oversized sched_attr; mlock/munlock/mlock2/mlockall/munlockall with ENOMEM for
 * unmapped ranges and, after dropping root in a child, EPERM with RLIMIT_MEMLOCK 0
 * and ENOMEM past the limit; personality(0xffffffff) queries and a set persona is
 * reported. Never sets a real-time policy (under qemu-user that would reach the
 * host). Must start as root (exits 77 otherwise). Golden from qemu-riscv64, which
 * passes these calls to the host kernel. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ltp.h"

struct attr {
    uint32_t size, policy;
    uint64_t flags;
    int32_t nice;
    uint32_t priority;
    uint64_t runtime, deadline, period;
    uint32_t util_min, util_max;
};

static long setattr(pid_t p, struct attr *a, unsigned f) { return syscall(SYS_sched_setattr, p, a, f); }
static long getattr(pid_t p, struct attr *a, unsigned sz, unsigned f) { return syscall(SYS_sched_getattr, p, a, sz, f); }

/* Raw calls: musl's sched_setscheduler and friends answer ENOSYS without asking
 * the kernel. */
static long getsched(pid_t p) { return syscall(SYS_sched_getscheduler, p); }
static long getparam(pid_t p, struct sched_param *s) { return syscall(SYS_sched_getparam, p, s); }
static long setparam(pid_t p, struct sched_param *s) { return syscall(SYS_sched_setparam, p, s); }
static long setsched(pid_t p, int pol, struct sched_param *s) { return syscall(SYS_sched_setscheduler, p, pol, s); }
static long rrint(pid_t p, struct timespec *t) { return syscall(SYS_sched_rr_get_interval, p, t); }

#define NOPID 0x3ffffff0

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* partial output survives a hang or crash */
    if (getuid() != 0) {
        printf("sched_mlock: must start as root\n");
        return 77;
    }
    struct sched_param sp = { 0 };
    check("getscheduler self", getsched(0), SCHED_OTHER);
    CHECK_ERR("getscheduler pid -1", getsched(-1), EINVAL);
    CHECK_ERR("getscheduler no such pid", getsched(NOPID), ESRCH);
    CHECK_ERR("getparam no such pid", getparam(NOPID, &sp), ESRCH);
    CHECK_ERR("getparam NULL", getparam(0, NULL), EINVAL);
    CHECK_ERR("setparam no such pid", setparam(NOPID, &sp), ESRCH);
    CHECK_ERR("setscheduler no such pid", setsched(NOPID, SCHED_OTHER, &sp), ESRCH);
    CHECK_ERR("setscheduler pid -1", setsched(-1, SCHED_OTHER, &sp), EINVAL);
    CHECK_ERR("setscheduler bad policy", setsched(0, 77, &sp), EINVAL);
    sp.sched_priority = 5;
    CHECK_ERR("setscheduler OTHER priority 5", setsched(0, SCHED_OTHER, &sp), EINVAL);
    sp.sched_priority = 0;
    CHECK_ERR("setscheduler FIFO priority 0", setsched(0, SCHED_FIFO, &sp), EINVAL);
    sp.sched_priority = 100;
    CHECK_ERR("setscheduler RR priority 100", setsched(0, SCHED_RR, &sp), EINVAL);
    sp.sched_priority = 0;
    CHECK_OK("setscheduler BATCH", setsched(0, SCHED_BATCH, &sp));
    check("getscheduler BATCH", getsched(0), SCHED_BATCH);
    CHECK_OK("setscheduler OTHER", setsched(0, SCHED_OTHER, &sp));
    cpu_set_t set;
    CHECK_ERR("getaffinity no such pid", syscall(SYS_sched_getaffinity, NOPID, sizeof set, &set), ESRCH);
    struct timespec rr;
    CHECK_ERR("rr_get_interval pid -1", rrint(-1, &rr), EINVAL);
    CHECK_ERR("rr_get_interval no such pid", rrint(NOPID, &rr), ESRCH);

    struct attr a;
    memset(&a, 0, sizeof a);
    CHECK_OK("sched_getattr self", getattr(0, &a, sizeof a, 0));
    check("sched_attr size", a.size, sizeof a);
    check("sched_attr policy", a.policy, SCHED_OTHER);
    CHECK_ERR("sched_getattr size 10", getattr(0, &a, 10, 0), EINVAL);
    CHECK_ERR("sched_getattr flags", getattr(0, &a, sizeof a, 1), EINVAL);
    CHECK_ERR("sched_getattr pid -1", getattr(-1, &a, sizeof a, 0), EINVAL);
    CHECK_ERR("sched_getattr no such pid", getattr(NOPID, &a, sizeof a, 0), ESRCH);
    memset(&a, 0, sizeof a);
    a.size = sizeof a;
    a.policy = SCHED_BATCH;
    a.nice = 5;
    CHECK_OK("sched_setattr BATCH nice 5", setattr(0, &a, 0));
    memset(&a, 0, sizeof a);
    getattr(0, &a, sizeof a, 0);
    check("policy read back", a.policy, SCHED_BATCH);
    check("nice read back", a.nice, 5);
    memset(&a, 0, sizeof a);
    a.size = sizeof a;
    CHECK_OK("sched_setattr OTHER nice 0", setattr(0, &a, 0));
    CHECK_ERR("sched_setattr flags", setattr(0, &a, 1), EINVAL);
    a.flags = 0x100;
    CHECK_ERR("sched_setattr bad sched_flags", setattr(0, &a, 0), EINVAL);
    a.flags = 0;
    a.size = 4097;
    CHECK_ERR("sched_setattr size 4097", setattr(0, &a, 0), E2BIG);
    check("E2BIG writes back the kernel's size", a.size, sizeof a);
    a.size = 20;
    CHECK_ERR("sched_setattr size 20", setattr(0, &a, 0), E2BIG);
    a.size = sizeof a;
    a.priority = 3;
    CHECK_ERR("sched_setattr OTHER priority 3", setattr(0, &a, 0), EINVAL);
    a.priority = 0;
    CHECK_ERR("sched_setattr no such pid", setattr(NOPID, &a, 0), ESRCH);

    long pg = sysconf(_SC_PAGESIZE);
    char *buf = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *hole = mmap(NULL, pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(hole, pg);
    CHECK_OK("mlock", mlock(buf, 2 * pg));
    CHECK_OK("mlock unaligned start", mlock(buf + 100, pg));
    CHECK_OK("munlock", munlock(buf, 2 * pg));
    CHECK_ERR("mlock unmapped", mlock(hole, pg), ENOMEM);
    CHECK_ERR("munlock unmapped", munlock(hole, pg), ENOMEM);
    CHECK_OK("mlock2 MLOCK_ONFAULT", syscall(SYS_mlock2, buf, pg, 1));
    CHECK_ERR("mlock2 bad flags", syscall(SYS_mlock2, buf, pg, 2), EINVAL);
    CHECK_ERR("mlockall 0", mlockall(0), EINVAL);
    CHECK_ERR("mlockall MCL_ONFAULT alone", mlockall(MCL_ONFAULT), EINVAL);
    CHECK_ERR("mlockall bad flag", mlockall(0x80), EINVAL);
    CHECK_OK("mlockall MCL_CURRENT", mlockall(MCL_CURRENT));
    CHECK_OK("munlockall", munlockall());

    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        failures = 0;
        if (setgid(65534) != 0 || setuid(65534) != 0)
            _exit(100);
        struct rlimit rl = { 0, 0 };
        setrlimit(RLIMIT_MEMLOCK, &rl);
        CHECK_ERR("mlock with RLIMIT_MEMLOCK 0", mlock(buf, pg), EPERM);
        CHECK_ERR("mlockall with RLIMIT_MEMLOCK 0", mlockall(MCL_CURRENT), EPERM);
        fflush(stdout);
        _exit(failures);
    }
    int st = 0;
    waitpid(c, &st, 0);
    failures += WIFEXITED(st) ? WEXITSTATUS(st) : 1;
    fflush(stdout);
    c = fork();
    if (c == 0) {
        failures = 0;
        struct rlimit rl = { pg, pg };
        setrlimit(RLIMIT_MEMLOCK, &rl);
        if (setgid(65534) != 0 || setuid(65534) != 0)
            _exit(100);
        CHECK_ERR("mlock past RLIMIT_MEMLOCK", mlock(buf, 2 * pg), ENOMEM);
        CHECK_OK("mlock within RLIMIT_MEMLOCK", mlock(buf, pg));
        CHECK_ERR("second page past the limit", mlock(buf + pg, pg), ENOMEM);
        CHECK_OK("relocking a locked page", mlock(buf, pg));
        CHECK_ERR("mlockall MCL_CURRENT past the limit", mlockall(MCL_CURRENT), ENOMEM);
        fflush(stdout);
        _exit(failures);
    }
    waitpid(c, &st, 0);
    failures += WIFEXITED(st) ? WEXITSTATUS(st) : 1;

    int old = personality(0xffffffff);
    check("personality query", old, PER_LINUX);
    check("personality set returns the old one", personality(PER_LINUX | ADDR_NO_RANDOMIZE), old);
    check("personality reads back", personality(0xffffffff), PER_LINUX | ADDR_NO_RANDOMIZE);
    fflush(stdout);
    c = fork();
    if (c == 0)
        _exit(personality(0xffffffff) == (PER_LINUX | ADDR_NO_RANDOMIZE) ? 0 : 1);
    waitpid(c, &st, 0);
    check("fork inherits the persona", WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0);
    personality(old);
    return finish("sched_mlock");
}
