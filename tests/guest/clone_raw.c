// build: -pthread
/* clone_raw.c — threads at the syscall level. With pthreads: getpid() is
 * the same in every thread, gettid() differs per thread and equals the pid
 * in the main thread, concurrent threads have distinct tids, pthread_exit
 * values reach pthread_join (which itself relies on CLONE_CHILD_CLEARTID).
 * With a raw clone syscall (inline asm, no libc wrapper — musl's clone()
 * refuses CLONE_THREAD): a thread created with CLONE_VM|CLONE_FS|
 * CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_PARENT_SETTID|
 * CLONE_CHILD_SETTID|CLONE_CHILD_CLEARTID on its own stack: the parent gets
 * its tid (also stored at ptid), the child shares memory and the pid, and
 * when it calls exit the kernel clears ctid and futex-wakes it; a
 * fork-like clone(SIGCHLD) child whose function's return value becomes its
 * exit status and whose memory is a copy; set_tid_address returns the tid. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;
/* CHECK(cond, fmt, ...): print "ok"/"FAIL" and the message; errno as left
 * by cond is preserved for the message arguments. */
#define CHECK(cond, ...) do { int c_ = (cond); int e_ = errno; \
    printf("%s ", c_ ? "ok  " : "FAIL"); errno = e_; \
    printf(__VA_ARGS__); printf("\n"); if (!c_) failures++; } while (0)

static long gettid_(void) { return syscall(SYS_gettid); }

/* long raw_clone(flags, stack_top, ptid, tls, ctid, fn, arg): the clone
 * syscall; in the child (on the new stack) call fn(arg), then exit(ret)
 * with the plain exit syscall (ends only this thread). */
long raw_clone(unsigned long flags, void *stack, int *ptid, unsigned long tls, int *ctid, int (*fn)(void *), void *arg);
__asm__(".text\n"
        ".globl raw_clone\n"
        ".type raw_clone, @function\n"
        "raw_clone:\n"
        "  andi a1, a1, -16\n"
        "  addi a1, a1, -16\n"
        "  sd a5, 0(a1)\n"
        "  sd a6, 8(a1)\n"
        "  li a7, 220\n" /* __NR_clone */
        "  ecall\n"
        "  beqz a0, 1f\n"
        "  ret\n"
        "1:\n"
        "  ld t0, 0(sp)\n"
        "  ld a0, 8(sp)\n"
        "  jalr t0\n"
        "  li a7, 93\n" /* __NR_exit */
        "  ecall\n"
        "  unimp\n"
        ".size raw_clone, .-raw_clone\n");

/* ---- raw thread: touches only memory and raw syscalls (it shares the
 * parent's TLS pointer, so no errno / libc state) ---- */
struct rt_arg {
    long tid_seen, pid_seen;
    int ctid_seen;
    _Atomic int done;
    int *ctid;
};
static int raw_thread(void *p)
{
    struct rt_arg *a = p;
    register long a0 __asm__("a0");
    register long a7 __asm__("a7") = SYS_gettid;
    __asm__ volatile("ecall" : "=r"(a0) : "r"(a7) : "memory");
    a->tid_seen = a0;
    a7 = SYS_getpid;
    __asm__ volatile("ecall" : "=r"(a0) : "r"(a7) : "memory");
    a->pid_seen = a0;
    a->ctid_seen = *a->ctid;
    atomic_store(&a->done, 1);
    return 0;
}

static int global_value = 1;
static int fork_like(void *p)
{
    global_value = 99; /* a copy: the parent must not see it */
    return (int)(intptr_t)p + (global_value == 99 ? 1 : 0);
}

/* ---- pthreads ---- */
struct pt_res { long tid, pid; };
static pthread_barrier_t bar;
static void *pt_fn(void *p)
{
    struct pt_res *r = p;
    r->tid = gettid_();
    r->pid = getpid();
    pthread_barrier_wait(&bar); /* all alive at once: tids must differ */
    pthread_exit((void *)(intptr_t)(r->tid & 0xff));
}

int main(void)
{
    long pid = getpid(), mtid = gettid_();
    CHECK(mtid == pid, "main thread: gettid() == getpid()");
    CHECK(syscall(SYS_set_tid_address, NULL) == mtid, "set_tid_address returns the caller's tid");

    enum { N = 4 };
    pthread_t t[N];
    struct pt_res r[N];
    pthread_barrier_init(&bar, NULL, N);
    for (int i = 0; i < N; i++)
        pthread_create(&t[i], NULL, pt_fn, &r[i]);
    int exit_ok = 1;
    for (int i = 0; i < N; i++) {
        void *ret;
        pthread_join(t[i], &ret);
        exit_ok &= (intptr_t)ret == (r[i].tid & 0xff);
    }
    int same_pid = 1, distinct = 1;
    for (int i = 0; i < N; i++) {
        same_pid &= r[i].pid == pid;
        distinct &= r[i].tid != mtid && r[i].tid > 0;
        for (int j = i + 1; j < N; j++)
            distinct &= r[i].tid != r[j].tid;
    }
    CHECK(same_pid, "pthreads: getpid() in every thread == main's pid");
    CHECK(distinct, "pthreads: %d concurrent threads have distinct tids, none equal to main's", N);
    CHECK(exit_ok, "pthread_exit values came back through pthread_join");

    /* raw CLONE_THREAD */
    size_t ssz = 64 * 1024;
    char *stack = malloc(ssz);
    struct rt_arg a;
    memset(&a, 0, sizeof a);
    static int ptid, ctid;
    ptid = 0;
    ctid = -1;
    a.ctid = &ctid;
    unsigned long flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | CLONE_PARENT_SETTID |
                          CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID;
    long tid = raw_clone(flags, stack + ssz, &ptid, 0, &ctid, raw_thread, &a);
    CHECK(tid > 0 && tid != mtid, "raw clone(CLONE_THREAD|...) returned a new tid");
    CHECK(ptid == tid, "CLONE_PARENT_SETTID stored the tid at ptid");
    /* wait for the kernel to clear ctid on thread exit (CLONE_CHILD_CLEARTID) */
    for (;;) {
        int v = __atomic_load_n(&ctid, __ATOMIC_ACQUIRE);
        if (v == 0)
            break;
        syscall(SYS_futex, &ctid, 0 /* FUTEX_WAIT */, v, NULL, NULL, 0);
    }
    CHECK(a.done == 1, "the thread ran on its own stack and wrote to shared memory");
    CHECK(a.tid_seen == tid && a.pid_seen == pid, "in the thread: gettid() == returned tid, getpid() == our pid");
    CHECK(a.ctid_seen == tid, "CLONE_CHILD_SETTID stored the tid at ctid in the child");
    CHECK(ctid == 0, "CLONE_CHILD_CLEARTID: ctid cleared (and futex-woken) when the thread exited");
    errno = 0;
    CHECK(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD, "a CLONE_THREAD thread is not a waitable child");

    /* fork-like clone */
    long cpid = raw_clone(SIGCHLD, stack + ssz, NULL, 0, NULL, fork_like, (void *)(intptr_t)41);
    int st = 0;
    long w = waitpid(cpid, &st, 0);
    CHECK(cpid > 0 && w == cpid && WIFEXITED(st) && WEXITSTATUS(st) == 42, "clone(SIGCHLD): child's return value 42 is its exit status");
    CHECK(global_value == 1, "clone without CLONE_VM: the child's write stayed in its copy");
    free(stack);

    /* one thread exiting does not end the process */
    CHECK(getpid() == pid, "process still alive after threads exited");
    printf("clone_raw: %d failures\n", failures);
    return failures ? 1 : 0;
}
