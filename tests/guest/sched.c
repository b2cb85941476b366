// build: -pthread
/* sched.c — scheduling and process attributes: sched_yield, CPU affinity
 * (get, pin to one CPU and read back, sched_getcpu/getcpu then report that
 * CPU, restore), the scheduling policy via the raw syscalls (SCHED_OTHER,
 * priority 0; musl's wrappers return ENOSYS by design), priority ranges,
 * getpriority/setpriority (raise the nice value by 2), prctl PR_SET_NAME/
 * PR_GET_NAME (16-byte limit, truncation), pthread_setname_np /
 * pthread_getname_np on another thread, PR_SET_PDEATHSIG round trip,
 * PR_GET_DUMPABLE. Host-dependent values (CPU numbers, counts, nice) are
 * not printed. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

static int failures;
/* CHECK(cond, fmt, ...): print "ok"/"FAIL" and the message; errno as left
 * by cond is preserved for the message arguments. */
#define CHECK(cond, ...) do { int c_ = (cond); int e_ = errno; \
    printf("%s ", c_ ? "ok  " : "FAIL"); errno = e_; \
    printf(__VA_ARGS__); printf("\n"); if (!c_) failures++; } while (0)

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static int state;
static char seen_name[32];
static void *named(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&m);
    state = 1;
    pthread_cond_broadcast(&c);
    while (state != 2)
        pthread_cond_wait(&c, &m);
    prctl(PR_GET_NAME, seen_name, 0, 0, 0);
    pthread_mutex_unlock(&m);
    return NULL;
}

int main(void)
{
    CHECK(sched_yield() == 0, "sched_yield");
    for (int i = 0; i < 100; i++)
        sched_yield();

    /* affinity */
    cpu_set_t all, one, back;
    CPU_ZERO(&all);
    CHECK(sched_getaffinity(0, sizeof all, &all) == 0 && CPU_COUNT(&all) >= 1, "sched_getaffinity: >= 1 CPU");
    int first = -1;
    for (int i = 0; i < CPU_SETSIZE; i++)
        if (CPU_ISSET(i, &all)) {
            first = i;
            break;
        }
    CPU_ZERO(&one);
    CPU_SET(first, &one);
    CHECK(sched_setaffinity(0, sizeof one, &one) == 0, "pin to the first allowed CPU");
    CPU_ZERO(&back);
    sched_getaffinity(0, sizeof back, &back);
    CHECK(CPU_COUNT(&back) == 1 && CPU_ISSET(first, &back), "affinity now exactly that CPU");
    sched_yield();
    int cpu = sched_getcpu();
    unsigned gcpu = 12345, node = 12345;
    long gr = syscall(SYS_getcpu, &gcpu, &node, NULL);
    CHECK(cpu == first && gr == 0 && (int)gcpu == first, "sched_getcpu() and getcpu() report the pinned CPU");
    CHECK(sched_setaffinity(0, sizeof all, &all) == 0, "restore the original affinity");
    cpu_set_t empty;
    CPU_ZERO(&empty);
    errno = 0;
    CHECK(sched_setaffinity(0, sizeof empty, &empty) == -1 && errno == EINVAL, "empty affinity mask -> EINVAL");
    errno = 0;
    long r = syscall(SYS_sched_getaffinity, 0, 4, &back);
    CHECK(r == -1 && errno == EINVAL, "sched_getaffinity with a 4-byte mask -> EINVAL (smaller than the kernel's)");
    r = syscall(SYS_sched_getaffinity, 0, sizeof back, &back);
    CHECK(r > 0 && r % 8 == 0 && r <= (long)sizeof back, "raw sched_getaffinity returns the kernel's mask size in bytes");

    /* policy and priorities (raw syscalls) */
    long pol = syscall(SYS_sched_getscheduler, 0);
    CHECK(pol == SCHED_OTHER, "sched_getscheduler -> SCHED_OTHER");
    struct sched_param sp = { .sched_priority = 99 };
    CHECK(syscall(SYS_sched_getparam, 0, &sp) == 0 && sp.sched_priority == 0, "sched_getparam -> priority 0");
    CHECK(sched_get_priority_min(SCHED_FIFO) == 1 && sched_get_priority_max(SCHED_FIFO) == 99, "SCHED_FIFO priorities 1..99");
    CHECK(sched_get_priority_min(SCHED_OTHER) == 0 && sched_get_priority_max(SCHED_OTHER) == 0, "SCHED_OTHER priorities 0..0");
    errno = 0;
    CHECK(sched_get_priority_max(12345) == -1 && errno == EINVAL, "bad policy -> EINVAL");
    struct timespec rr;
    CHECK(sched_rr_get_interval(0, &rr) == 0 && rr.tv_sec >= 0, "sched_rr_get_interval works");

    /* nice */
    errno = 0;
    int nice0 = getpriority(PRIO_PROCESS, 0);
    CHECK(errno == 0 && nice0 >= -20 && nice0 <= 19, "getpriority in -20..19");
    if (nice0 <= 17) {
        CHECK(setpriority(PRIO_PROCESS, 0, nice0 + 2) == 0 && getpriority(PRIO_PROCESS, 0) == nice0 + 2, "setpriority(+2) then getpriority sees it");
    } else {
        CHECK(1, "setpriority(+2) then getpriority sees it");
    }
    errno = 0;
    CHECK(getpriority(PRIO_PROCESS, 0x3fffffff) == -1 && errno == ESRCH, "getpriority of a missing pid -> ESRCH");

    /* names */
    char name[32];
    CHECK(prctl(PR_SET_NAME, "gx-sched", 0, 0, 0) == 0, "prctl(PR_SET_NAME, \"gx-sched\")");
    memset(name, 'X', sizeof name);
    CHECK(prctl(PR_GET_NAME, name, 0, 0, 0) == 0 && strcmp(name, "gx-sched") == 0, "PR_GET_NAME -> \"%s\"", name);
    prctl(PR_SET_NAME, "a-very-long-thread-name-here", 0, 0, 0);
    prctl(PR_GET_NAME, name, 0, 0, 0);
    CHECK(strcmp(name, "a-very-long-thr") == 0, "long names are truncated to 15 chars: \"%s\"", name);
    pthread_t t;
    pthread_create(&t, NULL, named, NULL);
    pthread_mutex_lock(&m);
    while (state != 1)
        pthread_cond_wait(&c, &m);
    CHECK(pthread_setname_np(t, "gx-worker") == 0, "pthread_setname_np(other thread, \"gx-worker\")");
    char tn[32] = "";
    CHECK(pthread_getname_np(t, tn, sizeof tn) == 0 && strcmp(tn, "gx-worker") == 0, "pthread_getname_np -> \"%s\"", tn);
    CHECK(pthread_setname_np(t, "this-name-is-too-long") == ERANGE, "pthread_setname_np with > 15 chars -> ERANGE");
    state = 2;
    pthread_cond_broadcast(&c);
    pthread_mutex_unlock(&m);
    pthread_join(t, NULL);
    CHECK(strcmp(seen_name, "gx-worker") == 0, "the thread's own PR_GET_NAME -> \"%s\"", seen_name);
    prctl(PR_GET_NAME, name, 0, 0, 0);
    CHECK(strcmp(name, "a-very-long-thr") == 0, "the main thread's name is unchanged");

    /* misc prctl */
    int sig = -1;
    CHECK(prctl(PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0) == 0 && prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0) == 0 && sig == SIGUSR1,
          "PR_SET_PDEATHSIG/PR_GET_PDEATHSIG round trip (%d)", sig);
    prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
    CHECK(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 1, "PR_GET_DUMPABLE -> 1");
    errno = 0;
    CHECK(prctl(12345, 0, 0, 0, 0) == -1 && errno == EINVAL, "unknown prctl option -> EINVAL");

    printf("sched: %d failures\n", failures);
    return failures ? 1 : 0;
}
