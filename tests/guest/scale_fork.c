// build: -pthread
/* Scale: how many processes, threads and descriptors, and what each costs.
 *
 *   scale_fork seq N      N sequential fork + _exit + waitpid
 *   scale_fork live N     fork up to N children that stay alive (blocked on a pipe)
 *                         until fork fails, then release and reap them all
 *   scale_fork threads N  create up to N threads that stay alive, then join them
 *   scale_fork files N    raise RLIMIT_NOFILE and open /dev/null up to N times
 *
 * Each mode prints what it reached and why it stopped (the errno name of the
 * failing call, or "done"); timings go to stderr, so that with no arguments (a
 * small run of every mode, the corpus case) stdout is the same on Linux and
 * grantix. scripts/scale.sh runs the big ones. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *errname(int e)
{
    switch (e) {
    case 0: return "done";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case EPERM: return "EPERM";
    case EINVAL: return "EINVAL";
    default: return "other";
    }
}

static int seq(long n)
{
    double t0 = now();
    long i;
    int err = 0;
    for (i = 0; i < n; i++) {
        pid_t p = fork();
        if (p < 0) {
            err = errno;
            break;
        }
        if (p == 0)
            _exit(7);
        int st;
        if (waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st) != 7) {
            printf("seq: bad child status\n");
            return 1;
        }
    }
    double dt = now() - t0;
    printf("seq: %ld fork+exit+wait (%s)\n", i, errname(err));
    fprintf(stderr, "scale seq: %ld in %.3f s, %.1f us each\n", i, dt, i ? dt / i * 1e6 : 0);
    return 0;
}

static int live(long n, int exact)
{
    int gate[2];
    if (pipe(gate) != 0)
        return 1;
    pid_t *kids = calloc(n, sizeof *kids);
    double t0 = now(), last = t0;
    long i;
    int err = 0;
    for (i = 0; i < n; i++) {
        pid_t p = fork();
        if (p < 0) {
            err = errno;
            break;
        }
        if (p == 0) {
            char c;
            close(gate[1]);
            /* Blocks until the parent closes the write end. */
            while (read(gate[0], &c, 1) < 0 && errno == EINTR)
                ;
            _exit(0);
        }
        kids[i] = p;
        if ((i + 1) % 1000 == 0) {
            double t = now();
            fprintf(stderr, "scale live: %ld children, last 1000 forks %.1f us each\n", i + 1, (t - last) / 1000 * 1e6);
            last = t;
        }
    }
    double dt = now() - t0;
    fprintf(stderr, "scale live: %ld live children in %.3f s (%s); pid %d idle: measure now\n", i, dt, errname(err), getpid());
    if (getenv("SCALE_HOLD")) {
        fprintf(stderr, "scale live: holding\n");
        sleep(atoi(getenv("SCALE_HOLD")));
    }
    close(gate[1]);
    long reaped = 0;
    for (long k = 0; k < i; k++)
        if (waitpid(kids[k], NULL, 0) == kids[k])
            reaped++;
    fprintf(stderr, "scale live: reaped %ld in %.3f s\n", reaped, now() - t0 - dt);
    if (exact)
        printf("live: %ld children (%s), reaped %ld\n", i, errname(err), reaped);
    else
        printf("live: children until fork failed: %s, all reaped: %s\n", errname(err), reaped == i ? "yes" : "no");
    free(kids);
    close(gate[0]);
    return 0;
}

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int released;

static void *waiter(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&mu);
    while (!released)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    return NULL;
}

static int threads(long n, int exact)
{
    pthread_t *t = calloc(n, sizeof *t);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    double t0 = now(), last = t0;
    long i;
    int err = 0;
    for (i = 0; i < n; i++) {
        int e = pthread_create(&t[i], &attr, waiter, NULL);
        if (e != 0) {
            err = e;
            break;
        }
        if ((i + 1) % 1000 == 0) {
            double tt = now();
            fprintf(stderr, "scale threads: %ld threads, last 1000 creates %.1f us each\n", i + 1, (tt - last) / 1000 * 1e6);
            last = tt;
        }
    }
    double dt = now() - t0;
    pthread_mutex_lock(&mu);
    released = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    long joined = 0;
    for (long k = 0; k < i; k++)
        if (pthread_join(t[k], NULL) == 0)
            joined++;
    fprintf(stderr, "scale threads: %ld created in %.3f s (%s), joined in %.3f s\n", i, dt, errname(err), now() - t0 - dt);
    if (exact)
        printf("threads: %ld (%s), joined %ld\n", i, errname(err), joined);
    else
        printf("threads: until create failed: %s, all joined: %s\n", errname(err), joined == i ? "yes" : "no");
    free(t);
    return 0;
}

static int files(long n, int exact)
{
    struct rlimit rl = {(rlim_t)n + 16, (rlim_t)n + 16};
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
        fprintf(stderr, "scale files: setrlimit: %s\n", strerror(errno));
    double t0 = now(), last = t0;
    long i;
    int err = 0;
    for (i = 0; i < n; i++) {
        if (open("/dev/null", O_RDONLY) < 0) {
            err = errno;
            break;
        }
        if ((i + 1) % 10000 == 0) {
            double t = now();
            fprintf(stderr, "scale files: %ld open, last 10000 opens %.1f us each\n", i + 1, (t - last) / 10000 * 1e6);
            last = t;
        }
    }
    fprintf(stderr, "scale files: %ld opened in %.3f s (%s)\n", i, now() - t0, errname(err));
    if (exact)
        printf("files: %ld open (%s)\n", i, errname(err));
    else
        printf("files: until open failed: %s\n", errname(err));
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc < 2) {
        int r = seq(200);
        r |= live(100, 1);
        r |= threads(100, 1);
        r |= files(1000, 1);
        return r;
    }
    long n = argc > 2 ? atol(argv[2]) : 1000;
    if (!strcmp(argv[1], "seq"))
        return seq(n);
    if (!strcmp(argv[1], "live"))
        return live(n, 0);
    if (!strcmp(argv[1], "threads"))
        return threads(n, 0);
    if (!strcmp(argv[1], "files"))
        return files(n, 0);
    fprintf(stderr, "usage: scale_fork seq|live|threads|files N\n");
    return 2;
}
