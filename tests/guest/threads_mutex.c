// build: -pthread
/* threads_mutex.c — pthreads and mutual exclusion: 4 threads each add 1 to
 * a shared counter 100000 times under a mutex (total 400000), the same with
 * __atomic_fetch_add, join return values, trylock (EBUSY), recursive and
 * error-checking mutexes (EDEADLK, EPERM), a rwlock with concurrent
 * readers, a spinlock, a barrier (exactly one PTHREAD_BARRIER_SERIAL_THREAD),
 * pthread_once, and semaphores. Only the main thread prints. */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int failures;
/* CHECK(cond, fmt, ...): print "ok"/"FAIL" and the message; errno as left
 * by cond is preserved for the message arguments. */
#define CHECK(cond, ...) do { int c_ = (cond); int e_ = errno; \
    printf("%s ", c_ ? "ok  " : "FAIL"); errno = e_; \
    printf(__VA_ARGS__); printf("\n"); if (!c_) failures++; } while (0)

#define NTHREADS 4
#define ITERS 100000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static long atomic_counter;
static pthread_spinlock_t spin;
static long spin_counter;

static void *worker(void *arg)
{
    long id = (long)(intptr_t)arg;
    for (int i = 0; i < ITERS; i++) {
        pthread_mutex_lock(&lock);
        counter++;
        pthread_mutex_unlock(&lock);
        __atomic_fetch_add(&atomic_counter, 1, __ATOMIC_RELAXED);
        if ((i & 15) == 0) {
            pthread_spin_lock(&spin);
            spin_counter++;
            pthread_spin_unlock(&spin);
        }
    }
    return (void *)(intptr_t)(id * 2 + 1);
}

static pthread_barrier_t barrier;
static int serial_count;
static pthread_mutex_t serial_lock = PTHREAD_MUTEX_INITIALIZER;
static void *barrier_worker(void *arg)
{
    (void)arg;
    for (int round = 0; round < 3; round++) {
        int r = pthread_barrier_wait(&barrier);
        if (r == PTHREAD_BARRIER_SERIAL_THREAD) {
            pthread_mutex_lock(&serial_lock);
            serial_count++;
            pthread_mutex_unlock(&serial_lock);
        } else if (r != 0) {
            return (void *)1;
        }
    }
    return NULL;
}

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static int readers_inside, max_readers;
static pthread_mutex_t rlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t rbar;
static void *reader(void *arg)
{
    (void)arg;
    pthread_rwlock_rdlock(&rw);
    pthread_mutex_lock(&rlock);
    readers_inside++;
    if (readers_inside > max_readers)
        max_readers = readers_inside;
    pthread_mutex_unlock(&rlock);
    /* all readers hold the read lock at the same time here */
    pthread_barrier_wait(&rbar);
    pthread_mutex_lock(&rlock);
    readers_inside--;
    pthread_mutex_unlock(&rlock);
    pthread_rwlock_unlock(&rw);
    return NULL;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int once_runs;
static void init_once(void) { once_runs++; }
static void *once_worker(void *arg)
{
    (void)arg;
    pthread_once(&once, init_once);
    return NULL;
}

static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;
static void *try_other(void *arg)
{
    (void)arg;
    return (void *)(intptr_t)pthread_mutex_trylock(&held);
}

static sem_t sem_items;
static void *sem_poster(void *arg)
{
    (void)arg;
    for (int i = 0; i < 5; i++)
        sem_post(&sem_items);
    return NULL;
}

int main(void)
{
    pthread_t t[NTHREADS];
    pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE);
    for (long i = 0; i < NTHREADS; i++)
        CHECK(pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i) == 0, "pthread_create worker %ld", i);
    for (int i = 0; i < NTHREADS; i++) {
        void *ret;
        pthread_join(t[i], &ret);
        CHECK((intptr_t)ret == i * 2 + 1, "join worker %d -> return value %ld", i, (long)(intptr_t)ret);
    }
    CHECK(counter == NTHREADS * ITERS, "mutex-protected counter: %ld", counter);
    CHECK(atomic_counter == NTHREADS * ITERS, "atomic counter: %ld", atomic_counter);
    CHECK(spin_counter == NTHREADS * (ITERS / 16), "spinlock counter: %ld", spin_counter);

    /* trylock from another thread while held */
    pthread_mutex_lock(&held);
    pthread_t o;
    void *ret;
    pthread_create(&o, NULL, try_other, NULL);
    pthread_join(o, &ret);
    CHECK((intptr_t)ret == EBUSY, "trylock of a held mutex from another thread -> EBUSY");
    pthread_mutex_unlock(&held);
    pthread_create(&o, NULL, try_other, NULL);
    pthread_join(o, &ret);
    CHECK((intptr_t)ret == 0, "trylock of a free mutex -> 0 (thread exits holding it)");

    /* recursive mutex */
    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_t rec;
    pthread_mutex_init(&rec, &ma);
    int r1 = pthread_mutex_lock(&rec), r2 = pthread_mutex_lock(&rec), r3 = pthread_mutex_trylock(&rec);
    int u1 = pthread_mutex_unlock(&rec), u2 = pthread_mutex_unlock(&rec), u3 = pthread_mutex_unlock(&rec);
    CHECK(!r1 && !r2 && !r3 && !u1 && !u2 && !u3, "recursive mutex: locked 3 times, unlocked 3 times");
    pthread_mutex_destroy(&rec);

    /* error-checking mutex */
    pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ERRORCHECK);
    pthread_mutex_t ec;
    pthread_mutex_init(&ec, &ma);
    CHECK(pthread_mutex_unlock(&ec) == EPERM, "errorcheck: unlock when not owner -> EPERM");
    pthread_mutex_lock(&ec);
    CHECK(pthread_mutex_lock(&ec) == EDEADLK, "errorcheck: relock by owner -> EDEADLK");
    pthread_mutex_unlock(&ec);
    pthread_mutex_destroy(&ec);
    pthread_mutexattr_destroy(&ma);

    /* rwlock: 3 concurrent readers; a writer is excluded meanwhile */
    pthread_barrier_init(&rbar, NULL, 3);
    pthread_t rt[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&rt[i], NULL, reader, NULL);
    for (int i = 0; i < 3; i++)
        pthread_join(rt[i], NULL);
    CHECK(max_readers == 3, "rwlock: %d readers held the read lock together", max_readers);
    pthread_rwlock_rdlock(&rw);
    CHECK(pthread_rwlock_trywrlock(&rw) == EBUSY, "rwlock: trywrlock while read-locked -> EBUSY");
    CHECK(pthread_rwlock_tryrdlock(&rw) == 0, "rwlock: tryrdlock while read-locked -> 0");
    pthread_rwlock_unlock(&rw);
    pthread_rwlock_unlock(&rw);
    CHECK(pthread_rwlock_trywrlock(&rw) == 0, "rwlock: trywrlock when free -> 0");
    CHECK(pthread_rwlock_tryrdlock(&rw) == EBUSY, "rwlock: tryrdlock while write-locked -> EBUSY");
    pthread_rwlock_unlock(&rw);
    pthread_barrier_destroy(&rbar);

    /* barrier: 4 threads x 3 rounds, one serial thread per round */
    pthread_barrier_init(&barrier, NULL, NTHREADS);
    int bad = 0;
    for (int i = 0; i < NTHREADS; i++)
        pthread_create(&t[i], NULL, barrier_worker, NULL);
    for (int i = 0; i < NTHREADS; i++) {
        pthread_join(t[i], &ret);
        bad |= ret != NULL;
    }
    CHECK(!bad && serial_count == 3, "barrier: 3 rounds, PTHREAD_BARRIER_SERIAL_THREAD returned %d times", serial_count);
    pthread_barrier_destroy(&barrier);

    /* pthread_once */
    for (int i = 0; i < NTHREADS; i++)
        pthread_create(&t[i], NULL, once_worker, NULL);
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(t[i], NULL);
    pthread_once(&once, init_once);
    CHECK(once_runs == 1, "pthread_once: init ran %d time", once_runs);

    /* semaphores */
    sem_init(&sem_items, 0, 0);
    errno = 0;
    CHECK(sem_trywait(&sem_items) == -1 && errno == EAGAIN, "sem_trywait on 0 -> EAGAIN");
    pthread_create(&o, NULL, sem_poster, NULL);
    for (int i = 0; i < 5; i++)
        sem_wait(&sem_items);
    pthread_join(o, NULL);
    int v = -1;
    sem_getvalue(&sem_items, &v);
    CHECK(v == 0, "sem: 5 posts consumed by 5 waits, value %d", v);
    sem_destroy(&sem_items);

    printf("threads_mutex: %d failures\n", failures);
    return failures ? 1 : 0;
}
