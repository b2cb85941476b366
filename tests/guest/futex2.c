/* futex2.c — the futex2 syscalls (futex_wake, futex_wait, futex_requeue,
 * futex_waitv) in the style of the Linux Test Project's futex_waitv tests: the flag
 * rules (only 32-bit words; unknown bits, 8/16/64-bit sizes EINVAL), values and masks
 * wider than the word, clocks other than MONOTONIC and REALTIME, bad timespecs,
 * unaligned and NULL words; EAGAIN for a changed value, ETIMEDOUT for absolute
 * deadlines on both clocks; futex_wake of 0 waking nobody; a thread woken by
 * futex_wake; futex_requeue moving two waiters (EAGAIN on a changed value, EINVAL for
 * flags, reserved fields and negative counts); futex_waitv returning the index of the
 * word that was woken, EAGAIN if any word changed, EINVAL for a count of 0 or 129,
 * flags, NULL. Golden from Linux 6.18 running the same source built for x86_64
 * (qemu-riscv64 7.2 answers the futex2 calls with ENOSYS). */
// build: -pthread
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ltp.h"

#define NR_waitv 449
#define NR_wake 454
#define NR_wait 455
#define NR_requeue 456
#define U8 0
#define U32 2
#define U64 3
#define PRIV 128
#define ALL 0xffffffffUL

struct waitv {
    uint64_t val, uaddr;
    uint32_t flags, reserved;
};

static long fwake(void *a, unsigned long mask, int nr, unsigned flags) { return syscall(NR_wake, a, mask, nr, flags); }
static long fwait(void *a, unsigned long val, unsigned long mask, unsigned flags, struct timespec *t, int clk) { return syscall(NR_wait, a, val, mask, flags, t, clk); }
static long frequeue(struct waitv *w, unsigned flags, int nw, int nq) { return syscall(NR_requeue, w, flags, nw, nq); }
static long fwaitv(struct waitv *w, unsigned n, unsigned flags, struct timespec *t, int clk) { return syscall(NR_waitv, w, n, flags, t, clk); }

static struct timespec in_ms(int clk, long ms)
{
    struct timespec t;
    clock_gettime(clk, &t);
    t.tv_nsec += ms * 1000000;
    t.tv_sec += t.tv_nsec / 1000000000;
    t.tv_nsec %= 1000000000;
    return t;
}

static uint32_t w1, w2, w3;
static atomic_int ready;
static long results[3];

static void *waiter(void *p)
{
    long i = (long)p;
    atomic_fetch_add(&ready, 1);
    results[i] = fwait(&w1, 0, ALL, U32 | PRIV, NULL, 0);
    return NULL;
}

static struct waitv vec[3];

static void *vwaiter(void *p)
{
    (void)p;
    atomic_fetch_add(&ready, 1);
    results[0] = fwaitv(vec, 3, 0, NULL, 0);
    return NULL;
}

/* Wakes `n` waiters on `w`, retrying until they are asleep. */
static long wake_all(uint32_t *w, int n)
{
    long got = 0;
    for (int i = 0; i < 200000 && got < n; i++) {
        long r = fwake(w, ALL, n - got, U32 | PRIV);
        if (r > 0)
            got += r;
        else
            sched_yield();
    }
    return got;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct timespec t;

    /* futex_wake's arguments. */
    CHECK_ERR("wake size U8 EINVAL", fwake(&w1, ALL, 1, U8), EINVAL);
    CHECK_ERR("wake size U64 EINVAL", fwake(&w1, ALL, 1, U64), EINVAL);
    CHECK_ERR("wake unknown flag EINVAL", fwake(&w1, ALL, 1, U32 | 0x100), EINVAL);
    CHECK_ERR("wake mask past 32 bits EINVAL", fwake(&w1, 1UL << 32, 1, U32), EINVAL);
    CHECK_ERR("wake mask of all 64 bits EINVAL", fwake(&w1, ~0UL, 1, U32), EINVAL);
    CHECK_ERR("wake mask 0 EINVAL", fwake(&w1, 0, 1, U32), EINVAL);
    CHECK_ERR("wake unaligned EINVAL", fwake((char *)&w1 + 1, ALL, 1, U32), EINVAL);
    check("wake nobody", fwake(&w1, ALL, 1, U32 | PRIV), 0);
    check("wake 0", fwake(&w1, ALL, 0, U32 | PRIV), 0);

    /* futex_wait's arguments. */
    CHECK_ERR("wait size U8 EINVAL", fwait(&w1, 0, ALL, U8, NULL, 0), EINVAL);
    CHECK_ERR("wait value past 32 bits EINVAL", fwait(&w1, 1UL << 32, ALL, U32, NULL, 0), EINVAL);
    CHECK_ERR("wait mask 0 EINVAL", fwait(&w1, 0, 0, U32, NULL, 0), EINVAL);
    w1 = 5;
    CHECK_ERR("wait changed value EAGAIN", fwait(&w1, 4, ALL, U32 | PRIV, NULL, 0), EAGAIN);
    w1 = 0;
    t = in_ms(CLOCK_MONOTONIC, 0);
    CHECK_ERR("wait bad clock EINVAL", fwait(&w1, 0, ALL, U32, &t, CLOCK_BOOTTIME), EINVAL);
    t.tv_nsec = 1000000000;
    CHECK_ERR("wait bad timespec EINVAL", fwait(&w1, 0, ALL, U32, &t, CLOCK_MONOTONIC), EINVAL);
    CHECK_ERR("wait NULL word EFAULT", fwait(NULL, 0, ALL, U32, NULL, 0), EFAULT);
    t = in_ms(CLOCK_MONOTONIC, 20);
    CHECK_ERR("wait MONOTONIC deadline ETIMEDOUT", fwait(&w1, 0, ALL, U32 | PRIV, &t, CLOCK_MONOTONIC), ETIMEDOUT);
    t = in_ms(CLOCK_REALTIME, 20);
    CHECK_ERR("wait REALTIME deadline ETIMEDOUT", fwait(&w1, 0, ALL, U32, &t, CLOCK_REALTIME), ETIMEDOUT);
    t.tv_sec -= 10;
    CHECK_ERR("wait past deadline ETIMEDOUT", fwait(&w1, 0, ALL, U32, &t, CLOCK_REALTIME), ETIMEDOUT);

    /* A thread woken by futex_wake. */
    pthread_t th[2];
    pthread_create(&th[0], NULL, waiter, (void *)0);
    check("futex_wake wakes the waiter", wake_all(&w1, 1), 1);
    pthread_join(th[0], NULL);
    check("woken wait returns 0", results[0], 0);

    /* futex_requeue. */
    struct waitv rq[2];
    memset(rq, 0, sizeof rq);
    rq[0].uaddr = (uintptr_t)&w1;
    rq[0].flags = U32 | PRIV;
    rq[1].uaddr = (uintptr_t)&w2;
    rq[1].flags = U32 | PRIV;
    CHECK_ERR("requeue flags EINVAL", frequeue(rq, 1, 0, 1), EINVAL);
    CHECK_ERR("requeue negative count EINVAL", frequeue(rq, 0, -1, 1), EINVAL);
    rq[1].reserved = 1;
    CHECK_ERR("requeue reserved EINVAL", frequeue(rq, 0, 0, 1), EINVAL);
    rq[1].reserved = 0;
    rq[1].flags = U64;
    CHECK_ERR("requeue U64 EINVAL", frequeue(rq, 0, 0, 1), EINVAL);
    rq[1].flags = U32 | PRIV;
    rq[0].val = 1;
    CHECK_ERR("requeue changed value EAGAIN", frequeue(rq, 0, 0, 1), EAGAIN);
    rq[0].val = 0;
    CHECK_ERR("requeue NULL EINVAL", frequeue(NULL, 0, 0, 1), EINVAL);
    CHECK_ERR("requeue unreadable EFAULT", frequeue((struct waitv *)8, 0, 0, 1), EFAULT);
    check("requeue without waiters", frequeue(rq, 0, 0, 1), 0);
    atomic_store(&ready, 0);
    pthread_create(&th[0], NULL, waiter, (void *)1);
    pthread_create(&th[1], NULL, waiter, (void *)2);
    long moved = 0;
    for (int i = 0; i < 200000 && moved < 2; i++) {
        long r = atomic_load(&ready) == 2 ? frequeue(rq, 0, 0, 2 - moved) : 0;
        if (r > 0)
            moved += r;
        else
            sched_yield();
    }
    check("requeue moves two waiters", moved, 2);
    check("nobody left on the first word", fwake(&w1, ALL, 10, U32 | PRIV), 0);
    check("both woken on the second word", wake_all(&w2, 2), 2);
    pthread_join(th[0], NULL);
    pthread_join(th[1], NULL);
    check("requeued waits return 0", results[1] == 0 && results[2] == 0, 1);

    /* futex_waitv. */
    memset(vec, 0, sizeof vec);
    uint32_t *words[3] = { &w1, &w2, &w3 };
    for (int i = 0; i < 3; i++) {
        vec[i].uaddr = (uintptr_t)words[i];
        vec[i].flags = U32 | PRIV;
    }
    CHECK_ERR("waitv flags EINVAL", fwaitv(vec, 3, 1, NULL, 0), EINVAL);
    CHECK_ERR("waitv count 0 EINVAL", fwaitv(vec, 0, 0, NULL, 0), EINVAL);
    CHECK_ERR("waitv count 129 EINVAL", fwaitv(vec, 129, 0, NULL, 0), EINVAL);
    CHECK_ERR("waitv NULL EINVAL", fwaitv(NULL, 3, 0, NULL, 0), EINVAL);
    vec[1].reserved = 1;
    CHECK_ERR("waitv reserved EINVAL", fwaitv(vec, 3, 0, NULL, 0), EINVAL);
    vec[1].reserved = 0;
    vec[2].flags = U8;
    CHECK_ERR("waitv U8 EINVAL", fwaitv(vec, 3, 0, NULL, 0), EINVAL);
    vec[2].flags = U32 | PRIV;
    vec[2].val = 1ULL << 32;
    CHECK_ERR("waitv value past 32 bits EINVAL", fwaitv(vec, 3, 0, NULL, 0), EINVAL);
    vec[2].val = 0;
    w2 = 3;
    CHECK_ERR("waitv changed value EAGAIN", fwaitv(vec, 3, 0, NULL, 0), EAGAIN);
    w2 = 0;
    t = in_ms(CLOCK_MONOTONIC, 20);
    CHECK_ERR("waitv bad clock EINVAL", fwaitv(vec, 3, 0, &t, CLOCK_BOOTTIME), EINVAL);
    CHECK_ERR("waitv deadline ETIMEDOUT", fwaitv(vec, 3, 0, &t, CLOCK_MONOTONIC), ETIMEDOUT);
    vec[1].uaddr = 8;
    CHECK_ERR("waitv unreadable word EFAULT", fwaitv(vec, 3, 0, NULL, 0), EFAULT);
    vec[1].uaddr = 1;
    CHECK_ERR("waitv unaligned word EINVAL", fwaitv(vec, 3, 0, NULL, 0), EINVAL);
    vec[1].uaddr = (uintptr_t)&w2;
    atomic_store(&ready, 0);
    pthread_create(&th[0], NULL, vwaiter, NULL);
    check("waitv: the third word wakes it", wake_all(&w3, 1), 1);
    pthread_join(th[0], NULL);
    check("waitv returns the index woken", results[0], 2);
    check("nobody left on the other words", fwake(&w1, ALL, 10, U32 | PRIV) + fwake(&w2, ALL, 10, U32 | PRIV), 0);
    return finish("futex2");
}
