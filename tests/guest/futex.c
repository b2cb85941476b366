// build: -pthread
/* futex.c — the raw futex(2) syscall: FUTEX_WAIT with a stale value ->
 * EAGAIN, FUTEX_WAIT with a 10ms relative timeout -> ETIMEDOUT, FUTEX_WAKE
 * of a waiting thread (the waker retries until the wake count is 1, so the
 * printed counts are deterministic), FUTEX_WAKE with nobody waiting -> 0,
 * FUTEX_CMP_REQUEUE moving 3 waiters to a second futex (wrong expected value
 * -> EAGAIN), FUTEX_REQUEUE, FUTEX_WAIT_BITSET/FUTEX_WAKE_BITSET with
 * disjoint and matching masks (bitset 0 -> EINVAL), WAIT_BITSET with an
 * absolute CLOCK_MONOTONIC and CLOCK_REALTIME timeout, FUTEX_PRIVATE_FLAG
 * variants, a shared (non-private) futex in MAP_SHARED memory across fork,
 * and FUTEX_WAKE_OP. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* the futex ABI (musl's headers don't ship <linux/futex.h>) */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_WAIT_PRIVATE (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#define FUTEX_REQUEUE_PRIVATE (FUTEX_REQUEUE | FUTEX_PRIVATE_FLAG)
#define FUTEX_CMP_REQUEUE_PRIVATE (FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_OP_PRIVATE (FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAIT_BITSET_PRIVATE (FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_BITSET_PRIVATE (FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_BITSET_MATCH_ANY ((int)0xffffffff)
#define FUTEX_OP_ADD 1
#define FUTEX_OP_CMP_EQ 0
#define FUTEX_OP(op, oparg, cmp, cmparg) \
    (((op & 0xf) << 28) | ((cmp & 0xf) << 24) | ((oparg & 0xfff) << 12) | (cmparg & 0xfff))

static int failures;
/* CHECK(cond, fmt, ...): print "ok"/"FAIL" and the message; errno as left
 * by cond is preserved for the message arguments. */
#define CHECK(cond, ...) do { int c_ = (cond); int e_ = errno; \
    printf("%s ", c_ ? "ok  " : "FAIL"); errno = e_; \
    printf(__VA_ARGS__); printf("\n"); if (!c_) failures++; } while (0)

static long futex(_Atomic int *uaddr, int op, int val, const void *timeout_or_val2, _Atomic int *uaddr2, int val3)
{
    return syscall(SYS_futex, uaddr, op, val, timeout_or_val2, uaddr2, val3);
}

static const char *ename(int e)
{
    switch (e) {
    case 0: return "0";
    case EAGAIN: return "EAGAIN";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EINVAL: return "EINVAL";
    case EINTR: return "EINTR";
    default: return "other";
    }
}

/* waiter: waits on *word while *flag == 0 (re-waiting on spurious or
 * "not yet" wakeups) */
struct waiter { _Atomic int *word; _Atomic int *flag; int op; int bitset; int done; };
static void *waiter_thread(void *arg)
{
    struct waiter *w = arg;
    while (atomic_load(w->flag) == 0)
        futex(w->word, w->op, 0, NULL, NULL, w->bitset);
    w->done = 1;
    return NULL;
}

/* let waiters go: set the flag and change the futex word (so a waiter that
 * is just about to FUTEX_WAIT with expected value 0 gets EAGAIN instead of
 * sleeping forever), then wake everyone */
static void release(_Atomic int *word, _Atomic int *flag, int wake_op, int bitset)
{
    atomic_store(flag, 1);
    atomic_store(word, 1);
    futex(word, wake_op, INT_MAX, NULL, NULL, bitset);
}

/* wake until exactly `want` waiters have been woken in one call (they re-wait
 * while the flag is 0), return that call's result */
static long wake_until(_Atomic int *word, int op, int nr, int bitset, long want)
{
    for (int i = 0; i < 5000; i++) {
        long r = futex(word, op, nr, NULL, NULL, bitset);
        if (r == want)
            return r;
        usleep(1000);
    }
    return -1;
}

int main(void)
{
    _Atomic int f = 0, g = 0, flag = 0;
    long r;

    /* stale value */
    f = 1;
    errno = 0;
    r = futex(&f, FUTEX_WAIT, 0, NULL, NULL, 0);
    CHECK(r == -1 && errno == EAGAIN, "FUTEX_WAIT with expected 0 but value 1 -> %s", ename(errno));
    f = 0;

    /* relative timeout */
    struct timespec to = { 0, 10 * 1000000 }, t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    errno = 0;
    r = futex(&f, FUTEX_WAIT, 0, &to, NULL, 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    CHECK(r == -1 && errno == ETIMEDOUT && ms >= 10, "FUTEX_WAIT 10ms timeout -> %s after >= 10ms", ename(errno));
    errno = 0;
    r = futex(&f, FUTEX_WAIT_PRIVATE, 0, &(struct timespec){ 0, 1000000000 }, NULL, 0);
    CHECK(r == -1 && errno == EINVAL, "FUTEX_WAIT with tv_nsec = 1e9 -> %s", ename(errno));

    /* wake with nobody waiting */
    r = futex(&f, FUTEX_WAKE, 1, NULL, NULL, 0);
    CHECK(r == 0, "FUTEX_WAKE with no waiters -> %ld", r);

    /* wake one waiting thread (private and shared ops) */
    for (int priv = 0; priv < 2; priv++) {
        int wop = priv ? FUTEX_WAIT_PRIVATE : FUTEX_WAIT, kop = priv ? FUTEX_WAKE_PRIVATE : FUTEX_WAKE;
        flag = 0;
        struct waiter w = { &f, &flag, wop, 0, 0 };
        pthread_t t;
        pthread_create(&t, NULL, waiter_thread, &w);
        r = wake_until(&f, kop, 1, 0, 1);
        CHECK(r == 1, "%s: woke exactly 1 waiting thread", priv ? "FUTEX_WAKE_PRIVATE" : "FUTEX_WAKE");
        release(&f, &flag, kop, 0);
        pthread_join(t, NULL);
        CHECK(w.done, "waiter finished after being released");
        f = 0;
    }

    /* several waiters: wake 2 of 3, then the rest */
    flag = 0;
    struct waiter ws[3];
    pthread_t ts[3];
    for (int i = 0; i < 3; i++) {
        ws[i] = (struct waiter){ &f, &flag, FUTEX_WAIT_PRIVATE, 0, 0 };
        pthread_create(&ts[i], NULL, waiter_thread, &ws[i]);
    }
    /* requeue all 3 from f to g (this also proves they are all waiting) */
    long moved = 0;
    for (int i = 0; i < 5000 && moved < 3; i++) {
        r = futex(&f, FUTEX_CMP_REQUEUE_PRIVATE, 0, (void *)(uintptr_t)INT_MAX, &g, 0);
        if (r > 0)
            moved += r;
        else
            usleep(1000);
    }
    CHECK(moved == 3, "FUTEX_CMP_REQUEUE moved %ld waiters from f to g", moved);
    errno = 0;
    r = futex(&f, FUTEX_CMP_REQUEUE_PRIVATE, 0, (void *)(uintptr_t)INT_MAX, &g, 12345);
    CHECK(r == -1 && errno == EAGAIN, "FUTEX_CMP_REQUEUE with the wrong expected value -> %s", ename(errno));
    r = futex(&f, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
    CHECK(r == 0, "nobody left waiting on f: wake -> %ld", r);
    flag = 1; /* woken waiters must not re-wait */
    r = futex(&g, FUTEX_WAKE_PRIVATE, 2, NULL, NULL, 0);
    CHECK(r == 2, "FUTEX_WAKE(g, 2) -> %ld", r);
    r = futex(&g, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
    CHECK(r == 1, "FUTEX_WAKE(g, all) -> %ld (the third)", r);
    for (int i = 0; i < 3; i++)
        pthread_join(ts[i], NULL);
    CHECK(ws[0].done && ws[1].done && ws[2].done, "all 3 waiters finished");

    /* FUTEX_REQUEUE (no compare) with nr_wake 1, nr_requeue 1 */
    flag = 0;
    for (int i = 0; i < 2; i++) {
        ws[i] = (struct waiter){ &f, &flag, FUTEX_WAIT_PRIVATE, 0, 0 };
        pthread_create(&ts[i], NULL, waiter_thread, &ws[i]);
    }
    /* wait until both are queued: CMP_REQUEUE of 0 wakes 0 and counts... use
     * requeue-to-self (f -> f) which returns the number requeued */
    for (int i = 0; i < 5000; i++) {
        r = futex(&f, FUTEX_CMP_REQUEUE_PRIVATE, 0, (void *)(uintptr_t)INT_MAX, &f, 0);
        if (r == 2)
            break;
        usleep(1000);
    }
    CHECK(r == 2, "both waiters queued on f");
    flag = 1;
    r = futex(&f, FUTEX_REQUEUE_PRIVATE, 1, (void *)(uintptr_t)1, &g, 0);
    CHECK(r == 2, "FUTEX_REQUEUE(wake 1, requeue 1) -> %ld (woken + requeued)", r);
    r = futex(&g, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
    CHECK(r == 1, "the requeued one is woken from g -> %ld", r);
    for (int i = 0; i < 2; i++)
        pthread_join(ts[i], NULL);

    /* bitsets */
    flag = 0;
    struct waiter bw = { &f, &flag, FUTEX_WAIT_BITSET_PRIVATE, 0x1, 0 };
    pthread_t bt;
    pthread_create(&bt, NULL, waiter_thread, &bw);
    r = wake_until(&f, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX, 0x1, 1);
    CHECK(r == 1, "waiter with bitset 0x1 is queued (WAKE_BITSET 0x1 woke 1)");
    /* the woken waiter re-waits with 0x1 (flag is 0); a 0x2 wake never
     * matches it, whether or not it is queued yet */
    r = futex(&f, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX, NULL, NULL, 0x2);
    for (int i = 0; i < 3 && r == 0; i++) {
        usleep(2000);
        r = futex(&f, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX, NULL, NULL, 0x2);
    }
    CHECK(r == 0, "FUTEX_WAKE_BITSET 0x2 does not wake a 0x1 waiter -> %ld", r);
    r = wake_until(&f, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX, 0x3, 1);
    CHECK(r == 1, "FUTEX_WAKE_BITSET 0x3 (overlapping) wakes it -> %ld", r);
    release(&f, &flag, FUTEX_WAKE_BITSET_PRIVATE, 0x1);
    pthread_join(bt, NULL);
    f = 0;
    errno = 0;
    r = futex(&f, FUTEX_WAIT_BITSET_PRIVATE, 0, NULL, NULL, 0);
    CHECK(r == -1 && errno == EINVAL, "FUTEX_WAIT_BITSET with bitset 0 -> %s", ename(errno));

    /* absolute timeouts with WAIT_BITSET */
    struct timespec abs;
    clock_gettime(CLOCK_MONOTONIC, &abs);
    abs.tv_nsec += 15 * 1000000;
    if (abs.tv_nsec >= 1000000000) {
        abs.tv_sec++;
        abs.tv_nsec -= 1000000000;
    }
    errno = 0;
    r = futex(&f, FUTEX_WAIT_BITSET_PRIVATE, 0, &abs, NULL, FUTEX_BITSET_MATCH_ANY);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    CHECK(r == -1 && errno == ETIMEDOUT && (t1.tv_sec > abs.tv_sec || (t1.tv_sec == abs.tv_sec && t1.tv_nsec >= abs.tv_nsec)),
          "WAIT_BITSET, absolute CLOCK_MONOTONIC deadline +15ms -> %s, not early", ename(errno));
    clock_gettime(CLOCK_REALTIME, &abs);
    abs.tv_nsec += 15 * 1000000;
    if (abs.tv_nsec >= 1000000000) {
        abs.tv_sec++;
        abs.tv_nsec -= 1000000000;
    }
    errno = 0;
    r = futex(&f, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 0, &abs, NULL, FUTEX_BITSET_MATCH_ANY);
    CHECK(r == -1 && errno == ETIMEDOUT, "WAIT_BITSET|FUTEX_CLOCK_REALTIME, absolute +15ms -> %s", ename(errno));

    /* FUTEX_WAKE_OP: add 5 to g, wake f, and wake g if old g == 0 */
    flag = 1;
    g = 0;
    r = futex(&f, FUTEX_WAKE_OP_PRIVATE, 1, (void *)(uintptr_t)1, &g, FUTEX_OP(FUTEX_OP_ADD, 5, FUTEX_OP_CMP_EQ, 0));
    CHECK(r == 0 && g == 5, "FUTEX_WAKE_OP(ADD 5, CMP_EQ 0): nobody woken, g is now %d", (int)g);

    /* shared futex across fork */
    _Atomic int *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    sh[0] = 0; /* the futex word */
    sh[1] = 0; /* go flag */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        while (atomic_load(&sh[1]) == 0)
            futex(&sh[0], FUTEX_WAIT, 0, NULL, NULL, 0);
        _exit(sh[1] == 7 ? 0 : 1);
    }
    r = wake_until(&sh[0], FUTEX_WAKE, 1, 0, 1);
    CHECK(r == 1, "shared FUTEX_WAKE across processes woke the child's FUTEX_WAIT");
    sh[1] = 7;
    sh[0] = 1; /* a late FUTEX_WAIT(expected 0) returns EAGAIN */
    futex(&sh[0], FUTEX_WAKE, 1, NULL, NULL, 0);
    int st;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child saw the value written before the final wake");

    printf("futex: %d failures\n", failures);
    return failures ? 1 : 0;
}
