/* vfork.c — vfork in the style of the Linux Test Project's vfork tests (vfork(2)):
 * the parent stays suspended until the child exits or execs (it resumes only after
 * the child's 150 ms sleep), the child runs in the parent's memory (its writes are
 * seen by the parent), has its own pid with the parent as ppid, its exit status
 * reaches waitpid, and an exec from the child releases the parent before the
 * exec'd program finishes. Times are only checked as lower bounds. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures;

static const char *ename(int e)
{
    switch (e) {
#define E(x) case x: return #x
    E(EPERM); E(ENOENT); E(ESRCH); E(EINTR); E(EIO); E(ENXIO); E(E2BIG); E(EBADF); E(ECHILD); E(EAGAIN);
    E(ENOMEM); E(EACCES); E(EFAULT); E(EBUSY); E(EEXIST); E(EXDEV); E(ENOTDIR); E(EISDIR); E(EINVAL);
    E(EMFILE); E(ENOSPC); E(ESPIPE); E(EPIPE); E(ERANGE); E(EDEADLK); E(ENAMETOOLONG); E(ENOSYS);
    E(ENOTEMPTY); E(ELOOP); E(ENOMSG); E(EIDRM); E(EOVERFLOW); E(ENOTSUP); E(EOWNERDEAD);
    E(ENOTRECOVERABLE); E(ETIMEDOUT); E(EMSGSIZE); E(ENOTBLK); E(ENOEXEC); E(EFBIG); E(EBADMSG); E(ECHRNG); E(EROFS); E(ENODEV);
#undef E
    default: return "E?";
    }
}

/* check(name, got, want): one line, "name: ok" or "name: FAIL got X want Y" */
static void check(const char *name, long got, long want)
{
    if (got == want) {
        printf("%s: ok\n", name);
    } else {
        printf("%s: FAIL got %ld want %ld\n", name, got, want);
        failures++;
    }
}

/* CHECK_ERR(name, call, E): the call returns -1 with errno E */
#define CHECK_ERR(name, call, want) do { errno = 0; long r_ = (long)(call); int e_ = errno; \
    if (r_ == -1 && e_ == (want)) printf("%s: ok\n", name); \
    else { failures++; if (r_ == -1) printf("%s: FAIL got %s want %s\n", name, ename(e_), #want); \
           else printf("%s: FAIL got success (%ld) want %s\n", name, r_, #want); } } while (0)

/* CHECK_OK(name, call): the call does not return -1 */
#define CHECK_OK(name, call) do { errno = 0; long r_ = (long)(call); int e_ = errno; \
    if (r_ != -1) printf("%s: ok\n", name); \
    else { failures++; printf("%s: FAIL got %s want success\n", name, ename(e_)); } } while (0)

/* CHECK_RC(name, call, E): for calls returning an error number (pthread_*): 0 or E */
#define CHECK_RC(name, call, want) do { int r_ = (call); \
    if (r_ == (want)) printf("%s: ok\n", name); \
    else { failures++; printf("%s: FAIL got %s want %s\n", name, r_ ? ename(r_) : "0", (want) ? ename(want) : "0"); } } while (0)

static int finish(const char *prog)
{
    printf("%s: %d failures\n", prog, failures);
    return failures ? 1 : 0;
}

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

static volatile int shared_var;
static volatile pid_t child_pid, child_ppid;

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* partial output survives a hang or crash */
    if (argc > 1 && strcmp(argv[1], "exec-child") == 0) {
        struct timespec d = { 0, 300000000 };
        nanosleep(&d, NULL);
        return 7;
    }
    alarm(30); /* a hang ends as SIGALRM (status 142), not as a runner timeout */
    pid_t me = getpid();
    long long t0 = now_ms();
    fflush(stdout);
    pid_t p = vfork();
    if (p == 0) {
        struct timespec d = { 0, 150000000 };
        nanosleep(&d, NULL);
        shared_var = 42;
        child_pid = getpid();
        child_ppid = getppid();
        _exit(3);
    }
    long long waited = now_ms() - t0;
    check("vfork returned a pid", p > 0, 1);
    check("parent suspended until the child exited", waited >= 140, 1);
    check("child's write visible to the parent", shared_var, 42);
    check("child had its own pid", child_pid, p);
    check("child's parent was us", child_ppid, me);
    int st = 0;
    check("waitpid", waitpid(p, &st, 0), p);
    check("exit status 3", WIFEXITED(st) ? WEXITSTATUS(st) : -1, 3);

    /* exec releases the parent: it resumes while the exec'd program still sleeps */
    shared_var = 0;
    t0 = now_ms();
    fflush(stdout);
    p = vfork();
    if (p == 0) {
        struct timespec d = { 0, 150000000 };
        nanosleep(&d, NULL);
        shared_var = 5;
        char *args[] = { argv[0], "exec-child", NULL };
        execv("/proc/self/exe", args);
        _exit(127);
    }
    waited = now_ms() - t0;
    check("parent suspended until exec", waited >= 140, 1);
    check("write before exec visible", shared_var, 5);
    check("exec'd child still running", waitpid(p, &st, WNOHANG), 0);
    waitpid(p, &st, 0);
    check("exec'd program's status 7", WIFEXITED(st) ? WEXITSTATUS(st) : -1, 7);

    /* a failed exec leaves the child in our memory; it reports through _exit */
    fflush(stdout);
    p = vfork();
    if (p == 0) {
        char *args[] = { "nothing", NULL };
        execv("/nonexistent/program", args);
        shared_var = errno;
        _exit(9);
    }
    waitpid(p, &st, 0);
    check("failed exec errno seen by parent", shared_var, ENOENT);
    check("status 9", WEXITSTATUS(st), 9);

    /* signals sent to the child while the parent is suspended do not reach the parent */
    fflush(stdout);
    p = vfork();
    if (p == 0)
        _exit(getpid() == me ? 1 : 0);
    waitpid(p, &st, 0);
    check("child pid differs from parent's", WEXITSTATUS(st), 0);
    return finish("vfork");
}
