// build: -pthread
/* robust_futex.c — robust and priority-inheritance mutexes in the style of the
 * Linux Test Project's futex and pthread_mutex tests (pthread_mutexattr_setrobust(3),
 * futex(2), get_robust_list(2)): a robust mutex whose owner thread (or process,
 * through MAP_SHARED) died gives EOWNERDEAD to the next locker, which may make it
 * consistent, else it becomes ENOTRECOVERABLE; the robust list is registered with
 * the kernel; PTHREAD_PRIO_INHERIT mutexes exclude, and the raw FUTEX_LOCK_PI /
 * TRYLOCK_PI / UNLOCK_PI protocol: owner tid in the word, FUTEX_WAITERS while
 * someone waits, hand-over on unlock, EDEADLK, EPERM, EAGAIN, ESRCH.
 * Golden output from a real Linux kernel (the same source built natively): qemu-user
 * 7.2 answers ENOSYS to set_robust_list and the PI operations. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* futex(2) constants (musl ships no linux/futex.h) */
#define FUTEX_LOCK_PI 6
#define FUTEX_UNLOCK_PI 7
#define FUTEX_TRYLOCK_PI 8
#define FUTEX_WAITERS 0x80000000u
#define FUTEX_TID_MASK 0x3fffffffu

#include "ltp.h"

static pthread_mutex_t rm;
static long counter;

static void *lock_and_die(void *m)
{
    pthread_mutex_lock(m);
    return NULL;
}

static void make_robust(pthread_mutex_t *m, int protocol, int pshared)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    pthread_mutexattr_setprotocol(&a, protocol);
    pthread_mutexattr_setpshared(&a, pshared);
    pthread_mutex_init(m, &a);
    pthread_mutexattr_destroy(&a);
}

static void owner_dies(pthread_mutex_t *m)
{
    pthread_t t;
    pthread_create(&t, NULL, lock_and_die, m);
    pthread_join(t, NULL);
}

static void *count(void *m)
{
    for (int i = 0; i < 20000; i++) {
        pthread_mutex_lock(m);
        counter++;
        pthread_mutex_unlock(m);
    }
    return NULL;
}

static void *hold_briefly(void *m)
{
    pthread_mutex_lock(m);
    struct timespec d = { 0, 200000000 };
    nanosleep(&d, NULL);
    pthread_mutex_unlock(m);
    return NULL;
}

static long futex(uint32_t *w, int op, uint32_t val)
{
    return syscall(SYS_futex, w, op, val, NULL, NULL, 0);
}

static uint32_t piword;
static volatile int pi_stage;
static long pi_results[4];

static void *pi_contender(void *arg)
{
    (void)arg;
    errno = 0;
    pi_results[0] = futex(&piword, FUTEX_TRYLOCK_PI, 0) == -1 ? errno : 0;
    pi_results[1] = futex(&piword, FUTEX_UNLOCK_PI, 0) == -1 ? errno : 0;
    pi_stage = 1;
    pi_results[2] = futex(&piword, FUTEX_LOCK_PI, 0);
    pi_results[3] = (piword & FUTEX_TID_MASK) == (uint32_t)syscall(SYS_gettid);
    futex(&piword, FUTEX_UNLOCK_PI, 0);
    return NULL;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* partial output survives a hang or crash */
    alarm(30); /* a hang ends as SIGALRM (status 142), not as a runner timeout */
    pthread_mutexattr_t a;
    int v = -1;
    pthread_mutexattr_init(&a);
    CHECK_RC("setrobust", pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST), 0);
    pthread_mutexattr_getrobust(&a, &v);
    check("getrobust", v, PTHREAD_MUTEX_ROBUST);
    CHECK_RC("setrobust bad value", pthread_mutexattr_setrobust(&a, 77), EINVAL);
    CHECK_RC("setprotocol PRIO_INHERIT", pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT), 0);
    pthread_mutexattr_getprotocol(&a, &v);
    check("getprotocol", v, PTHREAD_PRIO_INHERIT);
    pthread_mutexattr_destroy(&a);

    make_robust(&rm, PTHREAD_PRIO_NONE, PTHREAD_PROCESS_PRIVATE);
    owner_dies(&rm);
    CHECK_RC("lock after owner thread died", pthread_mutex_lock(&rm), EOWNERDEAD);
    CHECK_RC("pthread_mutex_consistent", pthread_mutex_consistent(&rm), 0);
    CHECK_RC("unlock consistent", pthread_mutex_unlock(&rm), 0);
    CHECK_RC("lock again normal", pthread_mutex_lock(&rm), 0);
    pthread_mutex_unlock(&rm);

    owner_dies(&rm);
    CHECK_RC("trylock after owner died", pthread_mutex_trylock(&rm), EOWNERDEAD);
    CHECK_RC("unlock without consistent", pthread_mutex_unlock(&rm), 0);
    CHECK_RC("lock unrecoverable", pthread_mutex_lock(&rm), ENOTRECOVERABLE);

    pthread_mutex_t plain = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&plain);
    CHECK_RC("consistent on a non-robust mutex", pthread_mutex_consistent(&plain), EINVAL);
    pthread_mutex_unlock(&plain);

    pthread_mutex_t *sm = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    make_robust(sm, PTHREAD_PRIO_NONE, PTHREAD_PROCESS_SHARED);
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        pthread_mutex_lock(sm);
        _exit(0);
    }
    waitpid(c, NULL, 0);
    CHECK_RC("lock after owner process died", pthread_mutex_lock(sm), EOWNERDEAD);
    pthread_mutex_consistent(sm);
    pthread_mutex_unlock(sm);

    /* After a process-shared robust mutex was locked: musl registers its list only
     * then (glibc at startup). */
    void *head = NULL;
    size_t len = 0;
    CHECK_OK("get_robust_list self", syscall(SYS_get_robust_list, 0, &head, &len));
    check("robust list registered", head != NULL, 1);
    check("robust list head size", len, 3 * sizeof(void *));
    CHECK_ERR("set_robust_list bad size", syscall(SYS_set_robust_list, head, len - 1), EINVAL);
    CHECK_ERR("get_robust_list no such thread", syscall(SYS_get_robust_list, 0x3ffffff0, &head, &len), ESRCH);

    pthread_mutex_t pi;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT);
    CHECK_RC("init PI mutex", pthread_mutex_init(&pi, &a), 0);
    pthread_t t1, t2;
    pthread_create(&t1, NULL, count, &pi);
    pthread_create(&t2, NULL, count, &pi);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    check("PI mutex excludes", counter, 40000);
    pthread_create(&t1, NULL, hold_briefly, &pi);
    struct timespec d = { 0, 50000000 };
    nanosleep(&d, NULL);
    CHECK_RC("PI trylock held elsewhere", pthread_mutex_trylock(&pi), EBUSY);
    CHECK_RC("PI lock waits for the holder", pthread_mutex_lock(&pi), 0);
    pthread_mutex_unlock(&pi);
    pthread_join(t1, NULL);

    pthread_mutex_t rpi;
    make_robust(&rpi, PTHREAD_PRIO_INHERIT, PTHREAD_PROCESS_PRIVATE);
    owner_dies(&rpi);
    CHECK_RC("robust PI after owner died", pthread_mutex_lock(&rpi), EOWNERDEAD);

    /* raw PI futex protocol */
    uint32_t me = syscall(SYS_gettid);
    CHECK_OK("FUTEX_LOCK_PI free word", futex(&piword, FUTEX_LOCK_PI, 0));
    check("owner tid in the word", piword, me);
    CHECK_ERR("FUTEX_LOCK_PI own word", futex(&piword, FUTEX_LOCK_PI, 0), EDEADLK);
    pthread_create(&t1, NULL, pi_contender, NULL);
    while (!pi_stage)
        sched_yield();
    nanosleep(&d, NULL);
    nanosleep(&d, NULL);
    check("FUTEX_WAITERS set while contended", (piword & FUTEX_WAITERS) != 0 && (piword & FUTEX_TID_MASK) == me, 1);
    CHECK_OK("FUTEX_UNLOCK_PI hands over", futex(&piword, FUTEX_UNLOCK_PI, 0));
    pthread_join(t1, NULL);
    check("TRYLOCK_PI held elsewhere", pi_results[0], EAGAIN);
    check("UNLOCK_PI by non-owner", pi_results[1], EPERM);
    check("waiter's LOCK_PI returned 0", pi_results[2], 0);
    check("waiter owned the word", pi_results[3], 1);
    check("word free at the end", piword, 0);
    CHECK_OK("FUTEX_TRYLOCK_PI free word", futex(&piword, FUTEX_TRYLOCK_PI, 0));
    CHECK_OK("FUTEX_UNLOCK_PI", futex(&piword, FUTEX_UNLOCK_PI, 0));
    uint32_t ghost = 0x3ffffff0;
    CHECK_ERR("FUTEX_LOCK_PI owner does not exist", futex(&ghost, FUTEX_LOCK_PI, 0), ESRCH);
    return finish("robust_futex");
}
