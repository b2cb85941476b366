// build: -pthread
/* tls.c — thread-local storage: initialized (.tdata) and zero (.tbss)
 * __thread variables start fresh in every thread, per-thread copies are
 * independent and live at distinct addresses, the main thread's copies are
 * untouched by other threads; pthread_key_create destructors run at thread
 * exit with the thread's value (and again when a destructor sets a new
 * value), not for NULL values, and not for the main thread on exit;
 * pthread_getspecific is NULL in a new thread; pthread_key_delete. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;
/* CHECK(cond, fmt, ...): print "ok"/"FAIL" and the message; errno as left
 * by cond is preserved for the message arguments. */
#define CHECK(cond, ...) do { int c_ = (cond); int e_ = errno; \
    printf("%s ", c_ ? "ok  " : "FAIL"); errno = e_; \
    printf(__VA_ARGS__); printf("\n"); if (!c_) failures++; } while (0)

#define N 4
static __thread int tdata_var = 1000;           /* .tdata */
static __thread long tbss_arr[256];             /* .tbss */
static _Thread_local char tname[16] = "init";
static __thread double tdbl = 2.5;

struct result {
    int start_tdata, start_nonzero_tbss;
    char start_name[16];
    int end_tdata;
    long tbss_sum;
    uintptr_t addr;
    int spec_was_null;
};
static struct result res[N];

static pthread_key_t key, key2;
static pthread_mutex_t dm = PTHREAD_MUTEX_INITIALIZER;
static int dtor_calls[N + 1];
static int dtor_total, dtor2_total, dtor_second_round;

static void dtor(void *v)
{
    int id = (int)(intptr_t)v;
    pthread_mutex_lock(&dm);
    dtor_total++;
    if (id >= 100) { /* second-round value set by the first call */
        dtor_second_round++;
    } else if (id >= 1 && id <= N) {
        dtor_calls[id]++;
        /* setting a value again makes the destructor run once more */
        if (id == 2)
            pthread_setspecific(key, (void *)(intptr_t)(100 + id));
    }
    pthread_mutex_unlock(&dm);
}

static void dtor2(void *v)
{
    (void)v;
    pthread_mutex_lock(&dm);
    dtor2_total++;
    pthread_mutex_unlock(&dm);
}

static pthread_barrier_t bar;

static void *worker(void *arg)
{
    int id = (int)(intptr_t)arg;
    struct result *r = &res[id - 1];
    r->start_tdata = tdata_var;
    int nz = 0;
    for (int i = 0; i < 256; i++)
        nz += tbss_arr[i] != 0;
    r->start_nonzero_tbss = nz;
    memcpy(r->start_name, tname, sizeof tname);
    r->spec_was_null = pthread_getspecific(key) == NULL;

    tdata_var += id;
    for (int i = 0; i < 256; i++)
        tbss_arr[i] = id * i;
    snprintf(tname, sizeof tname, "thread-%d", id);
    tdbl *= id;
    r->addr = (uintptr_t)&tdata_var;
    /* everyone writes their copy before anyone reads back */
    pthread_barrier_wait(&bar);
    r->end_tdata = tdata_var;
    long s = 0;
    for (int i = 0; i < 256; i++)
        s += tbss_arr[i];
    r->tbss_sum = s;
    if (tdbl != 2.5 * id || strncmp(tname, "thread-", 7) != 0)
        r->end_tdata = -1;
    pthread_setspecific(key, (void *)(intptr_t)id);
    if (id != 3) /* thread 3 leaves key2 NULL: no destructor call */
        pthread_setspecific(key2, (void *)(intptr_t)id);
    return NULL;
}

int main(void)
{
    CHECK(pthread_key_create(&key, dtor) == 0 && pthread_key_create(&key2, dtor2) == 0, "pthread_key_create x2");
    pthread_setspecific(key, (void *)(intptr_t)999); /* main thread's value */
    tdata_var = 5;
    strcpy(tname, "main");
    pthread_barrier_init(&bar, NULL, N);
    pthread_t t[N];
    for (int i = 0; i < N; i++)
        pthread_create(&t[i], NULL, worker, (void *)(intptr_t)(i + 1));
    for (int i = 0; i < N; i++)
        pthread_join(t[i], NULL);

    for (int i = 0; i < N; i++) {
        struct result *r = &res[i];
        int id = i + 1;
        CHECK(r->start_tdata == 1000 && r->start_nonzero_tbss == 0 && strcmp(r->start_name, "init") == 0,
              "thread %d started with tdata_var=%d, tbss all zero, tname=\"%s\"", id, r->start_tdata, r->start_name);
        long want = 0;
        for (int k = 0; k < 256; k++)
            want += (long)id * k;
        CHECK(r->end_tdata == 1000 + id && r->tbss_sum == want, "thread %d kept its own values: tdata_var=%d tbss sum=%ld", id, r->end_tdata, r->tbss_sum);
        CHECK(r->spec_was_null, "thread %d: pthread_getspecific initially NULL", id);
    }
    int distinct = 1;
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N; j++)
            distinct &= res[i].addr != res[j].addr;
    distinct &= res[0].addr != (uintptr_t)&tdata_var;
    CHECK(distinct, "each thread's &tdata_var is distinct (and differs from main's)");
    CHECK(tdata_var == 5 && strcmp(tname, "main") == 0 && tdbl == 2.5, "main thread's TLS unchanged: tdata_var=%d tname=\"%s\"", tdata_var, tname);
    CHECK((intptr_t)pthread_getspecific(key) == 999, "main thread's key value still 999");

    for (int id = 1; id <= N; id++)
        CHECK(dtor_calls[id] == 1, "destructor ran once for thread %d's value", id);
    CHECK(dtor_second_round == 1, "destructor ran again for the value re-set inside a destructor");
    CHECK(dtor_total == N + 1, "key 1 destructor calls in total: %d", dtor_total);
    CHECK(dtor2_total == N - 1, "key 2 destructor calls: %d (not for the NULL value)", dtor2_total);

    /* after pthread_key_delete no destructor runs */
    CHECK(pthread_key_delete(key2) == 0, "pthread_key_delete(key2)");
    pthread_barrier_destroy(&bar);
    pthread_barrier_init(&bar, NULL, 1);
    int before = dtor2_total;
    pthread_t x;
    pthread_create(&x, NULL, worker, (void *)(intptr_t)1);
    pthread_join(x, NULL);
    CHECK(dtor2_total == before, "deleted key's destructor did not run");

    printf("tls: %d failures\n", failures);
    return failures ? 1 : 0;
}
