/* clone3.c — clone3(2) in the style of the Linux Test Project's clone3 tests: the
 * size rules (EINVAL below 64 bytes, E2BIG above a page or with non-zero bytes past
 * the known structure, EFAULT), clone3_args_valid's refusals (CSIGNAL bits and
 * CLONE_DETACHED in flags, unknown high flags, bad exit signals, CLONE_SIGHAND with
 * CLONE_CLEAR_SIGHAND, CLONE_THREAD with an exit signal, a stack without a size and
 * the reverse), set_tid (EINVAL for bad sizes and pids, EEXIST for a pid in use,
 * EPERM without privilege), CLONE_INTO_CGROUP (EINVAL for a negative fd, EBADF for a
 * directory that is not a cgroup), copy_process's flag rules; then what succeeds: a
 * fork-like child with exit_signal SIGCHLD, parent_tid/child_tid, CLONE_PIDFD (a
 * close-on-exec pidfd that waitid(P_PIDFD) reaps), CLONE_CLEAR_SIGHAND (handlers reset,
 * SIG_IGN kept), a CLONE_NEWUTS child whose hostname is its own, a thread made with
 * stack + stack_size and CLONE_SETTLS-free flags through a small assembly stub, and
 * pthreads and posix_spawn through the libc after all that. Must start as root (exits
 * 77 otherwise). Golden from Linux 6.18 running the same source built for x86_64
 * (qemu-riscv64 7.2 answers clone3 with ENOSYS). */
// build: -pthread
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ltp.h"

#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x1000
#endif
#define X_CLONE_NEWTIME 0x80ULL
#define X_CLONE_CLEAR_SIGHAND 0x100000000ULL
#define X_CLONE_INTO_CGROUP 0x200000000ULL
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

struct cargs {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

static long c3(struct cargs *a, size_t size) { return syscall(SYS_clone3, a, size); }

/* A fork-like clone3: the child exits at once with `code`; returns what the parent
 * got (the child's pid or -1) and reaps the child. */
static long fork3(struct cargs *a, size_t size, int code, int *status)
{
    long r = c3(a, size);
    if (r == 0)
        _exit(code);
    if (r > 0 && status)
        waitpid(r, status, __WALL);
    return r;
}

/* The thread stub: clone3(args, size), then in the child fn(arg) and exit. */
long raw_clone3(struct cargs *a, size_t size, int (*fn)(void *), void *arg);
#if defined(__riscv)
__asm__(".text\n.globl raw_clone3\n.type raw_clone3, @function\nraw_clone3:\n"
        "  mv t0, a2\n  mv t1, a3\n  li a7, 435\n  ecall\n  beqz a0, 1f\n  ret\n"
        "1:\n  mv a0, t1\n  jalr t0\n  li a7, 93\n  ecall\n  unimp\n"
        ".size raw_clone3, .-raw_clone3\n");
#elif defined(__x86_64__)
__asm__(".text\n.globl raw_clone3\n.type raw_clone3, @function\nraw_clone3:\n"
        "  push %r12\n  push %r13\n  mov %rdx, %r12\n  mov %rcx, %r13\n  mov $435, %eax\n  syscall\n"
        "  test %rax, %rax\n  jz 1f\n  pop %r13\n  pop %r12\n  ret\n"
        "1:\n  mov %r13, %rdi\n  call *%r12\n  mov %eax, %edi\n  mov $60, %eax\n  syscall\n  hlt\n"
        ".size raw_clone3, .-raw_clone3\n");
#endif

static volatile int thread_ran;
static volatile pid_t thread_pid;
static volatile int child_tid_word = -1;

static int thread_fn(void *arg)
{
    thread_pid = getpid();
    thread_ran = *(int *)arg;
    return 0;
}

static void *adder(void *p)
{
    long *v = p;
    *v += 1000;
    return NULL;
}

static void handler(int s) { (void)s; }

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 1)
        return atoi(argv[1]); /* posix_spawn's child */
    if (getuid() != 0) {
        printf("clone3: must start as root\n");
        return 77;
    }
    struct cargs a;
    int st = 0;

    /* Sizes. */
    memset(&a, 0, sizeof a);
    a.exit_signal = SIGCHLD;
    CHECK_ERR("size 63 EINVAL", c3(&a, 63), EINVAL);
    CHECK_ERR("size 0 EINVAL", c3(&a, 0), EINVAL);
    CHECK_ERR("size 4097 E2BIG", c3(&a, 4097), E2BIG);
    CHECK_ERR("NULL args EFAULT", c3(NULL, 88), EFAULT);
    struct { struct cargs a; uint64_t extra; } big;
    memset(&big, 0, sizeof big);
    big.a.exit_signal = SIGCHLD;
    big.extra = 1;
    CHECK_ERR("non-zero tail E2BIG", c3(&big.a, sizeof big), E2BIG);
    big.extra = 0;
    check("zero tail works", fork3(&big.a, sizeof big, 5, &st) > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 5, 1);
    check("size 64 (VER0) works", fork3(&a, 64, 6, &st) > 0 && WEXITSTATUS(st) == 6, 1);

    /* clone3_args_valid. */
    memset(&a, 0, sizeof a);
    a.flags = SIGCHLD;
    CHECK_ERR("CSIGNAL bits in flags EINVAL", c3(&a, sizeof a), EINVAL);
    a.flags = 0x00400000; /* CLONE_DETACHED */
    CHECK_ERR("CLONE_DETACHED EINVAL", c3(&a, sizeof a), EINVAL);
    a.flags = 1ULL << 40;
    CHECK_ERR("unknown high flag EINVAL", c3(&a, sizeof a), EINVAL);
    a.flags = 0;
    a.exit_signal = 65;
    CHECK_ERR("exit_signal 65 EINVAL", c3(&a, sizeof a), EINVAL);
    a.exit_signal = 0x100 | SIGCHLD;
    CHECK_ERR("exit_signal above a byte EINVAL", c3(&a, sizeof a), EINVAL);
    a.exit_signal = 0;
    a.flags = CLONE_VM | CLONE_SIGHAND | X_CLONE_CLEAR_SIGHAND;
    CHECK_ERR("SIGHAND with CLEAR_SIGHAND EINVAL", c3(&a, sizeof a), EINVAL);
    a.flags = CLONE_VM | CLONE_SIGHAND | CLONE_THREAD;
    a.exit_signal = SIGCHLD;
    CHECK_ERR("THREAD with exit_signal EINVAL", c3(&a, sizeof a), EINVAL);
    memset(&a, 0, sizeof a);
    a.exit_signal = SIGCHLD;
    static char stack[65536] __attribute__((aligned(16)));
    a.stack = (uintptr_t)stack;
    CHECK_ERR("stack without size EINVAL", c3(&a, sizeof a), EINVAL);
    a.stack = 0;
    a.stack_size = sizeof stack;
    CHECK_ERR("size without stack EINVAL", c3(&a, sizeof a), EINVAL);

    /* copy_process's rules. */
    memset(&a, 0, sizeof a);
    a.flags = CLONE_THREAD;
    CHECK_ERR("THREAD without SIGHAND EINVAL", c3(&a, sizeof a), EINVAL);
    a.flags = CLONE_SIGHAND;
    CHECK_ERR("SIGHAND without VM EINVAL", c3(&a, sizeof a), EINVAL);
    a.flags = CLONE_NEWNS | CLONE_FS;
    CHECK_ERR("NEWNS with FS EINVAL", c3(&a, sizeof a), EINVAL);
    a.flags = CLONE_PIDFD | 0x00400000;
    CHECK_ERR("PIDFD with DETACHED EINVAL", c3(&a, sizeof a), EINVAL);

    /* set_tid. */
    memset(&a, 0, sizeof a);
    a.exit_signal = SIGCHLD;
    pid_t tids[33] = { 0 };
    a.set_tid_size = 1;
    CHECK_ERR("set_tid_size without set_tid EINVAL", c3(&a, sizeof a), EINVAL);
    a.set_tid = (uintptr_t)tids;
    a.set_tid_size = 0;
    CHECK_ERR("set_tid without size EINVAL", c3(&a, sizeof a), EINVAL);
    a.set_tid_size = 33;
    CHECK_ERR("set_tid_size 33 EINVAL", c3(&a, sizeof a), EINVAL);
    a.set_tid_size = 2;
    tids[0] = tids[1] = 5000;
    CHECK_ERR("set_tid_size past the pid namespace's depth EINVAL", c3(&a, sizeof a), EINVAL);
    a.set_tid_size = 1;
    tids[0] = 0;
    CHECK_ERR("set_tid 0 EINVAL", c3(&a, sizeof a), EINVAL);
    tids[0] = -1;
    CHECK_ERR("set_tid -1 EINVAL", c3(&a, sizeof a), EINVAL);
    tids[0] = getpid();
    CHECK_ERR("set_tid in use EEXIST", c3(&a, sizeof a), EEXIST);
    a.set_tid = 8;
    CHECK_ERR("set_tid unreadable EFAULT", c3(&a, sizeof a), EFAULT);

    /* Without privilege, in a child that gave up root. */
    pid_t k = fork();
    if (k == 0) {
        if (setuid(65534) != 0)
            _exit(99);
        struct cargs b = { 0 };
        pid_t t = getpid() + 1000;
        b.exit_signal = SIGCHLD;
        b.set_tid = (uintptr_t)&t;
        b.set_tid_size = 1;
        errno = 0;
        int r1 = c3(&b, sizeof b) == -1 && errno == EPERM;
        memset(&b, 0, sizeof b);
        b.flags = CLONE_NEWUTS;
        b.exit_signal = SIGCHLD;
        errno = 0;
        int r2 = c3(&b, sizeof b) == -1 && errno == EPERM;
        _exit(r1 | r2 << 1);
    }
    waitpid(k, &st, 0);
    check("set_tid unprivileged EPERM", WEXITSTATUS(st) & 1, 1);
    check("NEWUTS unprivileged EPERM", (WEXITSTATUS(st) >> 1) & 1, 1);

    /* CLONE_INTO_CGROUP. */
    memset(&a, 0, sizeof a);
    a.exit_signal = SIGCHLD;
    a.flags = X_CLONE_INTO_CGROUP;
    a.cgroup = (uint64_t)-1;
    CHECK_ERR("INTO_CGROUP negative fd EINVAL", c3(&a, sizeof a), EINVAL);
    a.cgroup = 1;
    CHECK_ERR("INTO_CGROUP with a VER0 size EINVAL", c3(&a, 64), EINVAL);
    int dir = open("/", O_RDONLY | O_DIRECTORY);
    a.cgroup = dir;
    CHECK_ERR("INTO_CGROUP not a cgroup EBADF", c3(&a, sizeof a), EBADF);
    close(dir);

    /* A fork-like child. */
    memset(&a, 0, sizeof a);
    a.exit_signal = SIGCHLD;
    check("fork-like child exit 7", fork3(&a, sizeof a, 7, &st) > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 7, 1);
    pid_t ptid = 0;
    volatile pid_t ctid = 0;
    a.flags = CLONE_PARENT_SETTID | CLONE_CHILD_SETTID;
    a.parent_tid = (uintptr_t)&ptid;
    a.child_tid = (uintptr_t)&ctid;
    long r = c3(&a, sizeof a);
    if (r == 0)
        _exit(ctid == getpid() ? 0 : 1);
    waitpid(r, &st, 0);
    check("parent_tid is the child", ptid == r, 1);
    check("child_tid set in the child", WEXITSTATUS(st), 0);
    check("child_tid not set in the parent", ctid, 0);

    /* CLONE_PIDFD. */
    memset(&a, 0, sizeof a);
    int pidfd = -1;
    a.flags = CLONE_PIDFD;
    a.pidfd = (uintptr_t)&pidfd;
    a.exit_signal = SIGCHLD;
    r = c3(&a, sizeof a);
    if (r == 0)
        _exit(3);
    check("pidfd returned", pidfd >= 0, 1);
    check("pidfd close-on-exec", fcntl(pidfd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    check("waitid P_PIDFD", waitid(P_PIDFD, pidfd, &si, WEXITED), 0);
    check("waitid P_PIDFD pid", si.si_pid == r, 1);
    check("waitid P_PIDFD status", si.si_status, 3);
    close(pidfd);
    /* The pidfd is written before the child exists: an unwritable one is EFAULT
     * and no child is made (clone302's "invalid pidfd"). */
    void *gone = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(gone, 4096);
    a.pidfd = (uintptr_t)gone;
    r = c3(&a, sizeof a);
    if (r == 0)
        _exit(0);
    check("pidfd unmapped EFAULT", r == -1 && errno == EFAULT, 1);
    check("pidfd unmapped: no child", waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD, 1);
    int sfd = -1;
    r = syscall(SYS_clone, CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, 0, &sfd, 0, 0);
    if (r == 0)
        _exit(0);
    check("clone PIDFD with PARENT_SETTID EINVAL", r == -1 && errno == EINVAL, 1);

    /* CLONE_CLEAR_SIGHAND. */
    signal(SIGUSR1, handler);
    signal(SIGUSR2, SIG_IGN);
    memset(&a, 0, sizeof a);
    a.flags = X_CLONE_CLEAR_SIGHAND;
    a.exit_signal = SIGCHLD;
    r = c3(&a, sizeof a);
    if (r == 0) {
        struct sigaction o1, o2;
        sigaction(SIGUSR1, NULL, &o1);
        sigaction(SIGUSR2, NULL, &o2);
        _exit((o1.sa_handler == SIG_DFL) | (o2.sa_handler == SIG_IGN) << 1);
    }
    waitpid(r, &st, 0);
    check("CLEAR_SIGHAND resets a handler", WEXITSTATUS(st) & 1, 1);
    check("CLEAR_SIGHAND keeps SIG_IGN", (WEXITSTATUS(st) >> 1) & 1, 1);
    struct sigaction o;
    sigaction(SIGUSR1, NULL, &o);
    check("parent's handler kept", o.sa_handler == handler, 1);
    signal(SIGUSR1, SIG_DFL);
    signal(SIGUSR2, SIG_DFL);

    /* CLONE_NEWUTS: the child's hostname is its own. */
    char before[65] = "", after[65] = "";
    gethostname(before, sizeof before);
    memset(&a, 0, sizeof a);
    a.flags = CLONE_NEWUTS;
    a.exit_signal = SIGCHLD;
    r = c3(&a, sizeof a);
    if (r == 0) {
        char h[65] = "";
        if (sethostname("gx-clone3", 9) != 0)
            _exit(1);
        gethostname(h, sizeof h);
        _exit(strcmp(h, "gx-clone3") == 0 ? 0 : 2);
    }
    waitpid(r, &st, 0);
    check("NEWUTS child sets its hostname", WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0);
    gethostname(after, sizeof after);
    check("parent's hostname unchanged", strcmp(before, after), 0);

    /* A thread on a stack of its own (stack + stack_size). */
    memset(&a, 0, sizeof a);
    int token = 42;
    a.flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | CLONE_CHILD_CLEARTID;
    a.child_tid = (uintptr_t)&child_tid_word;
    a.stack = (uintptr_t)stack;
    a.stack_size = sizeof stack;
    r = raw_clone3(&a, sizeof a, thread_fn, &token);
    check("thread created", r > 0, 1);
    for (int i = 0; r > 0 && i < 100000 && child_tid_word != 0; i++)
        syscall(SYS_futex, &child_tid_word, 0 /* FUTEX_WAIT */, child_tid_word, NULL, NULL, 0);
    check("thread ran", thread_ran, 42);
    check("thread shares the pid", thread_pid == getpid(), 1);
    check("CHILD_CLEARTID cleared", child_tid_word, 0);

    /* The libc's own threads and posix_spawn still work. */
    pthread_t th[4];
    long vals[4] = { 1, 2, 3, 4 };
    for (int i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, adder, &vals[i]);
    long sum = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        sum += vals[i];
    }
    check("pthreads sum", sum, 4010);
    pid_t sp;
    char *sargv[] = { argv[0], "9", NULL };
    check("posix_spawn", posix_spawn(&sp, "/proc/self/exe", NULL, NULL, sargv, environ), 0);
    waitpid(sp, &st, 0);
    check("posix_spawn child status", WEXITSTATUS(st), 9);
    return finish("clone3");
}
