// build: -pthread
/* condvar.c — condition variables: a bounded-buffer producer/consumer
 * (2 producers, 2 consumers, items 1..2000, sum and count checked), strict
 * ping-pong alternation between two threads (the turn log is printed),
 * pthread_cond_broadcast releasing several waiters, pthread_cond_timedwait
 * timing out (CLOCK_REALTIME and, via condattr, CLOCK_MONOTONIC) and
 * pthread_cond_signal with no waiter. Only the main thread prints. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int failures;
/* CHECK(cond, fmt, ...): print "ok"/"FAIL" and the message; errno as left
 * by cond is preserved for the message arguments. */
#define CHECK(cond, ...) do { int c_ = (cond); int e_ = errno; \
    printf("%s ", c_ ? "ok  " : "FAIL"); errno = e_; \
    printf(__VA_ARGS__); printf("\n"); if (!c_) failures++; } while (0)

/* ---- bounded buffer ---- */
#define CAP 4
#define PER_PRODUCER 1000
static int buf[CAP], head, tail, used;
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER, not_empty = PTHREAD_COND_INITIALIZER;
static int max_used;

static void put(int v)
{
    pthread_mutex_lock(&m);
    while (used == CAP)
        pthread_cond_wait(&not_full, &m);
    buf[tail] = v;
    tail = (tail + 1) % CAP;
    used++;
    if (used > max_used)
        max_used = used;
    pthread_cond_signal(&not_empty);
    pthread_mutex_unlock(&m);
}

static int get(void)
{
    pthread_mutex_lock(&m);
    while (used == 0)
        pthread_cond_wait(&not_empty, &m);
    int v = buf[head];
    head = (head + 1) % CAP;
    used--;
    pthread_cond_signal(&not_full);
    pthread_mutex_unlock(&m);
    return v;
}

static void *producer(void *arg)
{
    int base = (int)(intptr_t)arg;
    for (int i = 1; i <= PER_PRODUCER; i++)
        put(base + i);
    return NULL;
}

struct cres { long sum; int count; int stop_seen; };
static void *consumer(void *arg)
{
    struct cres *r = arg;
    for (;;) {
        int v = get();
        if (v == 0) { /* poison pill */
            r->stop_seen = 1;
            return NULL;
        }
        r->sum += v;
        r->count++;
    }
}

/* ---- ping-pong ---- */
static pthread_mutex_t pm = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pc = PTHREAD_COND_INITIALIZER;
static int turn; /* 0: ping, 1: pong */
static char log_[64];
static int logn;
static void *player(void *arg)
{
    int me = (int)(intptr_t)arg;
    for (int i = 0; i < 10; i++) {
        pthread_mutex_lock(&pm);
        while (turn != me)
            pthread_cond_wait(&pc, &pm);
        log_[logn++] = me ? 'O' : 'I';
        turn = !me;
        pthread_cond_signal(&pc);
        pthread_mutex_unlock(&pm);
    }
    return NULL;
}

/* ---- broadcast ---- */
static pthread_mutex_t bm = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t bc = PTHREAD_COND_INITIALIZER;     /* waiters wait for go */
static pthread_cond_t arrived = PTHREAD_COND_INITIALIZER; /* main waits for waiters */
static int go, waiting, released;
static void *bwaiter(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&bm);
    waiting++;
    pthread_cond_signal(&arrived); /* tell main another one is waiting */
    while (!go)
        pthread_cond_wait(&bc, &bm);
    released++;
    pthread_mutex_unlock(&bm);
    return NULL;
}

static long ms_between(struct timespec a, struct timespec b)
{
    return (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
}

int main(void)
{
    /* producer/consumer: items base+1..base+1000 for bases 0 and 1000 */
    pthread_t p[2], c[2];
    struct cres r[2];
    memset(r, 0, sizeof r);
    for (int i = 0; i < 2; i++)
        pthread_create(&c[i], NULL, consumer, &r[i]);
    for (int i = 0; i < 2; i++)
        pthread_create(&p[i], NULL, producer, (void *)(intptr_t)(i * PER_PRODUCER));
    for (int i = 0; i < 2; i++)
        pthread_join(p[i], NULL);
    put(0);
    put(0);
    for (int i = 0; i < 2; i++)
        pthread_join(c[i], NULL);
    long sum = r[0].sum + r[1].sum;
    int count = r[0].count + r[1].count;
    CHECK(count == 2 * PER_PRODUCER, "consumers received %d items", count);
    CHECK(sum == 2001000, "sum of items 1..2000 = %ld", sum);
    CHECK(r[0].stop_seen && r[1].stop_seen, "both consumers saw the stop item");
    CHECK(max_used >= 1 && max_used <= CAP, "buffer occupancy stayed within 1..%d", CAP);

    /* ping-pong */
    pthread_t a, b;
    pthread_create(&b, NULL, player, (void *)1);
    pthread_create(&a, NULL, player, (void *)0);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    log_[logn] = 0;
    CHECK(strcmp(log_, "IOIOIOIOIOIOIOIOIOIO") == 0, "ping-pong turns: %s", log_);

    /* broadcast to 3 waiters */
    pthread_t w[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&w[i], NULL, bwaiter, NULL);
    pthread_mutex_lock(&bm);
    while (waiting < 3)
        pthread_cond_wait(&arrived, &bm);
    go = 1;
    pthread_cond_broadcast(&bc);
    pthread_mutex_unlock(&bm);
    for (int i = 0; i < 3; i++)
        pthread_join(w[i], NULL);
    CHECK(released == 3, "broadcast released %d waiters", released);

    /* timed waits that expire */
    pthread_mutex_t tm = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t tc = PTHREAD_COND_INITIALIZER;
    struct timespec t0, t1, dl;
    clock_gettime(CLOCK_REALTIME, &t0);
    dl = t0;
    dl.tv_nsec += 30 * 1000000;
    if (dl.tv_nsec >= 1000000000) { dl.tv_sec++; dl.tv_nsec -= 1000000000; }
    pthread_mutex_lock(&tm);
    int rc = pthread_cond_timedwait(&tc, &tm, &dl);
    pthread_mutex_unlock(&tm);
    clock_gettime(CLOCK_REALTIME, &t1);
    CHECK(rc == ETIMEDOUT, "timedwait (CLOCK_REALTIME, +30ms) -> ETIMEDOUT");
    CHECK(ms_between(t0, t1) >= 29, "  waited at least 30ms");

    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    CHECK(pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0, "condattr_setclock(CLOCK_MONOTONIC)");
    clockid_t ck = -1;
    pthread_condattr_getclock(&ca, &ck);
    CHECK(ck == CLOCK_MONOTONIC, "condattr_getclock -> CLOCK_MONOTONIC");
    pthread_cond_t mc;
    pthread_cond_init(&mc, &ca);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    dl = t0;
    dl.tv_nsec += 20 * 1000000;
    if (dl.tv_nsec >= 1000000000) { dl.tv_sec++; dl.tv_nsec -= 1000000000; }
    pthread_mutex_lock(&tm);
    rc = pthread_cond_timedwait(&mc, &tm, &dl);
    pthread_mutex_unlock(&tm);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    CHECK(rc == ETIMEDOUT && ms_between(t0, t1) >= 19, "timedwait (CLOCK_MONOTONIC, +20ms) -> ETIMEDOUT after >= 20ms");
    /* a deadline in the past times out immediately */
    dl.tv_sec -= 10;
    pthread_mutex_lock(&tm);
    rc = pthread_cond_timedwait(&mc, &tm, &dl);
    pthread_mutex_unlock(&tm);
    CHECK(rc == ETIMEDOUT, "timedwait with a past deadline -> ETIMEDOUT");
    CHECK(pthread_cond_signal(&mc) == 0 && pthread_cond_broadcast(&mc) == 0, "signal/broadcast with no waiters -> 0");
    pthread_cond_destroy(&mc);
    pthread_condattr_destroy(&ca);

    printf("condvar: %d failures\n", failures);
    return failures ? 1 : 0;
}
