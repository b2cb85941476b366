// build: -pthread
/* rlimits_exit.c — resource limits and process exit from a thread.
 * rlimits: RLIMIT_FSIZE = 1000 bytes makes a write beyond it fail with
 * EFBIG (SIGXFSZ ignored) and a write crossing it short; RLIMIT_NOFILE
 * lowered makes open() fail with EMFILE at the limit; RLIMIT_CORE and
 * RLIMIT_STACK read back what was set; raising a soft limit above the hard
 * limit fails (EINVAL). Exit: a non-main thread flushes stdout and calls
 * _exit(3) while the main thread is blocked in pthread_join and another
 * thread sleeps: the whole process (exit_group) ends with status 3, and the
 * atexit handler does not run (no "atexit ran" line). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static int failures;
/* CHECK(cond, fmt, ...): print "ok"/"FAIL" and the message; errno as left
 * by cond is preserved for the message arguments. */
#define CHECK(cond, ...) do { int c_ = (cond); int e_ = errno; \
    printf("%s ", c_ ? "ok  " : "FAIL"); errno = e_; \
    printf(__VA_ARGS__); printf("\n"); if (!c_) failures++; } while (0)

static void at_exit_handler(void)
{
    printf("atexit ran (must not happen after _exit)\n");
}

static void *sleeper(void *arg)
{
    (void)arg;
    for (;;)
        sleep(10);
    return NULL;
}

static void *exiter(void *arg)
{
    (void)arg;
    usleep(10000); /* let main block in pthread_join */
    printf("exiter thread: flushing stdout and calling _exit(%d)\n", failures ? 1 : 3);
    fflush(stdout);
    _exit(failures ? 1 : 3);
    return NULL;
}

int main(void)
{
    char dir[] = "/tmp/gx_rlimits_XXXXXX", path[64];
    if (!mkdtemp(dir))
        return 2;
    snprintf(path, sizeof path, "%s/f", dir);

    /* RLIMIT_FSIZE */
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit old, fs = { 1000, RLIM_INFINITY };
    getrlimit(RLIMIT_FSIZE, &old);
    fs.rlim_max = old.rlim_max;
    CHECK(setrlimit(RLIMIT_FSIZE, &fs) == 0, "setrlimit(RLIMIT_FSIZE, 1000)");
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
    static char buf[1500];
    memset(buf, 'f', sizeof buf);
    ssize_t n = write(fd, buf, 600);
    CHECK(n == 600, "write 600 bytes -> %zd", n);
    n = write(fd, buf, 600);
    CHECK(n == 400, "write 600 more crossing the limit -> short write %zd", n);
    errno = 0;
    n = write(fd, buf, 1);
    CHECK(n == -1 && errno == EFBIG, "write at the limit -> EFBIG (SIGXFSZ ignored)");
    errno = 0;
    CHECK(ftruncate(fd, 5000) == -1 && errno == EFBIG, "ftruncate beyond the limit -> EFBIG");
    close(fd);
    setrlimit(RLIMIT_FSIZE, &old);
    unlink(path);
    rmdir(dir);

    /* RLIMIT_NOFILE */
    struct rlimit nf;
    getrlimit(RLIMIT_NOFILE, &old);
    nf.rlim_cur = 20;
    nf.rlim_max = old.rlim_max;
    setrlimit(RLIMIT_NOFILE, &nf);
    int fds[32], k = 0;
    errno = 0;
    while (k < 32 && (fds[k] = open("/dev/null", O_RDONLY)) >= 0)
        k++;
    int last = errno, highest = k ? fds[k - 1] : -1;
    /* every slot below the limit is now in use (ours or inherited) */
    CHECK(k < 32 && last == EMFILE && highest <= 19 && fcntl(19, F_GETFD) != -1, "RLIMIT_NOFILE 20: opens fill fds up to 19, then EMFILE");
    while (k--)
        close(fds[k]);
    setrlimit(RLIMIT_NOFILE, &old);

    /* other limits */
    struct rlimit core = { 0, 0 }, cget;
    getrlimit(RLIMIT_CORE, &old);
    core.rlim_max = old.rlim_max;
    CHECK(setrlimit(RLIMIT_CORE, &core) == 0 && getrlimit(RLIMIT_CORE, &cget) == 0 && cget.rlim_cur == 0, "RLIMIT_CORE soft 0 reads back");
    struct rlimit st;
    CHECK(getrlimit(RLIMIT_STACK, &st) == 0 && (st.rlim_cur == RLIM_INFINITY || st.rlim_cur >= 65536), "RLIMIT_STACK readable, >= 64 KiB or unlimited");
    struct rlimit hard = { 10, 10 }, bad = { 11, 10 };
    getrlimit(RLIMIT_NOFILE, &old);
    errno = 0;
    CHECK(setrlimit(RLIMIT_NOFILE, &bad) == -1 && errno == EINVAL, "soft > hard -> EINVAL");
    (void)hard;

    /* exit from a non-main thread */
    atexit(at_exit_handler);
    pthread_t s, e;
    pthread_create(&s, NULL, sleeper, NULL);
    /* printed before the exiter exists, so the line order is fixed */
    printf("main: blocking in pthread_join on the exiting thread\n");
    fflush(stdout);
    pthread_create(&e, NULL, exiter, NULL);
    pthread_join(e, NULL);
    printf("main: pthread_join returned (must not happen)\n");
    return 99;
}
