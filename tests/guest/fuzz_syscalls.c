/* A syscall fuzzer: random syscall numbers with edge-case and half-valid arguments,
 * drawn from a seed, in the spirit of trinity and syzkaller.
 *
 *   fuzz_syscalls [SEED [CALLS]]      (default: seed 1, 3000 calls)
 *
 * Arguments are pointers into unmapped, read-only, read-write and half-valid ranges
 * (a buffer running into an unmapped page, an iovec array mixing good and bad
 * entries), pointers carrying another space's number in bits 63..48, kernel-looking
 * addresses, huge and zero lengths, the fuzzer's own descriptors (files, a directory,
 * a pipe, a socketpair, an eventfd, an epoll instance) and bad ones, random flags.
 * Each call's arguments depend only on the seed and the call's index.
 *
 * The calls run in a child whose standard input and output are /dev/null, inside a
 * fresh directory under /tmp; a call that kills or stops the child is skipped and a
 * new child goes on with the next one. Before each call the child logs "call I nr N"
 * to standard error and arms a 20 ms timer, so a call that would block is interrupted.
 * Calls that would end the fuzzer or reach outside it are never made: exit, exec,
 * clone, kill and signal-mask changes, chdir/chroot, set*id, rlimits, mount, modules,
 * reboot, SysV IPC and message queues, key rings, network sockets (connect, sendto),
 * mknod, process_vm_*, ptrace, prctl, seccomp, bpf, io_uring.
 *
 * Standard output is one line that depends only on the arguments, so the default run
 * is a corpus case (the emulator must survive it in both configurations);
 * scripts/fuzz.sh runs it for longer with many seeds and reads the logs. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RW_SIZE (64 * 1024)
#define NR_MAX 464

static uint64_t seed;

/* splitmix64: the arguments of call i come from (seed, i) alone. */
static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

struct rng {
    uint64_t s;
};

static uint64_t next(struct rng *r)
{
    r->s = mix(r->s);
    return r->s;
}

static uint64_t below(struct rng *r, uint64_t n)
{
    return n ? next(r) % n : 0;
}

/* Regions set up before the first call. */
static unsigned char *rw;      /* RW_SIZE bytes, read-write, followed by an unmapped page */
static unsigned char *ro;      /* one page, read-only */
static unsigned char *hole;    /* one page, unmapped */
static int fds[10];
static int nfds;

static int skipped(long nr)
{
    static const short never[] = {
        33,  /* mknodat: a device node as root would reach the host */
        39, 40, 41, 42, /* umount2 mount pivot_root nfsservctl */
        47,  /* fallocate: real disk blocks */
        49, 50, 51, /* chdir fchdir chroot: the fuzzer stays in its directory */
        58, 60, 89, 92, 93, 94, 97, /* vhangup quotactl acct personality exit exit_group unshare */
        103, /* setitimer: the fuzzer's own watchdog timer */
        104, 105, 106, 112, 116, 117, 118, 119, /* kexec init/delete_module clock_settime syslog ptrace sched_set* */
        129, 130, 131, 133, 134, 135, 137, 138, 139, /* kill tkill tgkill sigsuspend sigaction sigprocmask sigtimedwait sigqueueinfo sigreturn */
        140, 142, 143, 144, 145, 146, 147, 149, 151, 152, 159, 161, 162, 164, /* setpriority reboot set*id setgroups sethostname setdomainname setrlimit */
        167, 170, 171, /* prctl settimeofday adjtimex */
        180, 181, 182, 183, 184, 185, /* mq_* */
        186, 187, 188, 189, 190, 191, 192, 193, 194, 195, 196, /* SysV IPC */
        198, 203, 206, 211, /* socket connect sendto sendmsg: no network */
        217, 218, 219, /* add_key request_key keyctl */
        220, 221, 224, 225, 228, 229, 230, 231, /* clone execve swapon swapoff mlock* */
        238, 239, 240, 241, /* migrate_pages move_pages rt_tgsigqueueinfo perf_event_open */
        261, 262, 263, 264, 265, 266, 268, 269, 270, 271, 273, 274, /* prlimit64 fanotify handles clock_adjtime setns sendmmsg process_vm_* finit_module sched_setattr */
        277, 280, 281, 284, 294, /* seccomp bpf execveat mlock2 kexec_file_load */
        424, 425, 426, 427, 428, 429, 430, 431, 432, 433, 435, /* pidfd_send_signal io_uring_* mount API clone3 */
        440, 442, 443, 444, 445, 446, 447, 448, /* process_madvise mount_setattr quotactl_fd landlock memfd_secret process_mrelease */
    };
    for (size_t i = 0; i < sizeof never / sizeof never[0]; i++)
        if (never[i] == nr)
            return 1;
    return 0;
}

static uint64_t arg(struct rng *r)
{
    switch (below(r, 20)) {
    case 0: return 0;                                               /* NULL */
    case 1: return (uint64_t)hole + below(r, 4096);                 /* unmapped */
    case 2: return (uint64_t)ro + below(r, 4096);                   /* read-only */
    case 3:
    case 4: return (uint64_t)rw + below(r, RW_SIZE / 2);            /* valid */
    case 5: return (uint64_t)rw + RW_SIZE - 1 - below(r, 64);       /* runs into unmapped */
    case 6: return ((1 + below(r, 0xffff)) << 48) | ((uint64_t)rw + below(r, RW_SIZE)); /* foreign space */
    case 7: {                                                       /* kernel-looking */
        static const uint64_t k[] = {0xffffffff80000000ULL, 0xffff800000000000ULL, ~0ULL, 1ULL << 63, (1ULL << 38) - 8, (1ULL << 47) - 1, 1ULL << 48};
        return k[below(r, sizeof k / sizeof k[0])];
    }
    case 8: return below(r, 64);                                    /* small length */
    case 9: return 4096 << below(r, 4);                             /* pages */
    case 10: {                                                      /* huge */
        static const uint64_t h[] = {1ULL << 31, 1ULL << 32, 1ULL << 62, 1ULL << 63, ~0ULL, ~0ULL >> 1, 0x7ffff000};
        return h[below(r, sizeof h / sizeof h[0])];
    }
    case 11:
    case 12: return nfds ? (uint64_t)fds[below(r, nfds)] : 3;      /* own descriptors */
    case 13: {                                                      /* bad descriptors */
        static const int64_t b[] = {-1, -100 /* AT_FDCWD */, 9999, 1 << 20, 0x7fffffff, -2};
        return (uint64_t)b[below(r, sizeof b / sizeof b[0])];
    }
    case 14: return (uint32_t)next(r);                              /* flags */
    case 15: return 1ULL << below(r, 32);                           /* one flag */
    case 16: return 3 + below(r, 14);                               /* small int, never 0..2 */
    case 17: return (uint64_t)(-(int64_t)(1 + below(r, 16)));      /* small negative */
    case 18: return (uint64_t)rw + 0x8000;                          /* the iovec array */
    default: return next(r);                                        /* anything */
    }
}

static void on_alarm(int sig)
{
    (void)sig;
}

static void setup(void)
{
    rw = mmap(NULL, RW_SIZE + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    hole = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (rw == MAP_FAILED || ro == MAP_FAILED || hole == MAP_FAILED)
        _exit(20);
    munmap(rw + RW_SIZE, 4096);
    munmap(hole, 4096);
    struct rng r = {mix(seed ^ 0x5eed)};
    /* Random bytes with no '/' (every path stays in the fuzzer's directory) and a
     * NUL now and then, so strings end. */
    for (int i = 0; i < RW_SIZE; i++) {
        unsigned char c = (unsigned char)next(&r);
        rw[i] = (c == '/') ? 'x' : (below(&r, 12) == 0 ? 0 : c);
    }
    for (int i = 0; i < 4096; i++)
        ro[i] = (i % 13 == 12) ? 0 : (unsigned char)('a' + i % 26);
    mprotect(ro, 4096, PROT_READ);
    /* Half-valid iovecs at rw + 0x8000: good, unmapped, read-only, huge, foreign. */
    struct iovec *iov = (struct iovec *)(rw + 0x8000);
    iov[0] = (struct iovec){rw, 16};
    iov[1] = (struct iovec){hole, 16};
    iov[2] = (struct iovec){ro, 16};
    iov[3] = (struct iovec){rw + 64, (size_t)1 << 62};
    iov[4] = (struct iovec){(void *)((5ULL << 48) | (uint64_t)rw), 8};
    iov[5] = (struct iovec){NULL, 0};
    iov[6] = (struct iovec){rw + RW_SIZE - 8, 64};
    iov[7] = (struct iovec){rw + 128, 32};

    int devnull = open("/dev/null", O_RDWR);
    dup2(devnull, 0);
    dup2(devnull, 1);
    close(devnull);
    int p[2], s[2];
    fds[nfds++] = open("file", O_RDWR | O_CREAT | O_TRUNC, 0600);
    fds[nfds++] = open(".", O_RDONLY | O_DIRECTORY);
    if (pipe2(p, O_NONBLOCK) == 0) {
        fds[nfds++] = p[0];
        fds[nfds++] = p[1];
    }
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, s) == 0) {
        fds[nfds++] = s[0];
        fds[nfds++] = s[1];
    }
    fds[nfds++] = eventfd(0, EFD_NONBLOCK);
    fds[nfds++] = epoll_create1(0);
    fds[nfds++] = open("/dev/null", O_RDWR);
    write(fds[0], "grantix fuzz file\n", 18);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm; /* no SA_RESTART: a blocked call returns EINTR */
    sigaction(SIGALRM, &sa, NULL);
}

/* Runs calls [*progress, calls); *progress is shared with the parent. */
static void child(volatile long *progress, long calls)
{
    setup();
    char line[80];
    for (long i = *progress; i < calls; i++) {
        *progress = i + 1; /* a call that kills us is not made again */
        struct rng r = {mix(seed * 0x100000001b3ULL + (uint64_t)i)};
        long nr;
        uint64_t pick = below(&r, 100);
        if (pick < 2)
            nr = (long)next(&r); /* not a syscall number at all */
        else
            nr = (long)below(&r, NR_MAX);
        uint64_t a[6];
        for (int k = 0; k < 6; k++)
            a[k] = arg(&r);
        if (skipped(nr))
            continue;
        int n = snprintf(line, sizeof line, "call %ld nr %ld\n", i, nr);
        write(2, line, n);
        struct itimerval t = {{0, 0}, {0, 20000}};
        syscall(SYS_setitimer, ITIMER_REAL, &t, NULL);
        syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
        struct itimerval off = {{0, 0}, {0, 0}};
        syscall(SYS_setitimer, ITIMER_REAL, &off, NULL);
        /* A call may wreck the fuzzer itself (MADV_DONTNEED over its stack zeroes
         * the loop's variables, as on Linux): end this child, the next goes on. */
        if (*progress != i + 1)
            _exit(3);
    }
    _exit(0);
}

static void remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char sub[4096];
            snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            struct stat st;
            if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode)) {
                chmod(sub, 0700);
                remove_tree(sub);
            } else {
                unlink(sub);
            }
        }
        closedir(d);
    }
    rmdir(path);
}

int main(int argc, char **argv)
{
    seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 1;
    long calls = argc > 2 ? atol(argv[2]) : 3000;
    char dir[] = "/tmp/gxfuzz.XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    if (chdir(dir) != 0)
        return 1;
    volatile long *progress = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (progress == MAP_FAILED)
        return 1;
    *progress = 0;
    long children = 0, deaths = 0;
    while (*progress < calls) {
        children++;
        pid_t pid = fork();
        if (pid < 0)
            return 1;
        if (pid == 0)
            child(progress, calls);
        long seen = *progress;
        time_t last = time(NULL);
        int st = 0;
        for (;;) {
            pid_t w = waitpid(pid, &st, WNOHANG | WUNTRACED);
            if (w == pid && WIFSTOPPED(st)) {
                kill(pid, SIGKILL);
                continue;
            }
            if (w == pid || w < 0)
                break;
            if (*progress != seen) {
                seen = *progress;
                last = time(NULL);
            } else if (time(NULL) - last > 5) {
                fprintf(stderr, "fuzz: call %ld made no progress for 5 s: killed\n", seen - 1);
                kill(pid, SIGKILL);
            }
            usleep(2000);
        }
        if (WIFEXITED(st) && WEXITSTATUS(st) == 3)
            fprintf(stderr, "fuzz: call %ld wrecked the child's own state\n", *progress - 1);
        if (WIFSIGNALED(st)) {
            deaths++;
            fprintf(stderr, "fuzz: call %ld killed the child with signal %d\n", *progress - 1, WTERMSIG(st));
        }
    }
    if (chdir("/tmp") == 0)
        remove_tree(dir);
    fprintf(stderr, "fuzz: seed %llu: %ld calls, %ld children, %ld killed by a call\n", (unsigned long long)seed, calls, children, deaths);
    printf("fuzz_syscalls: seed %llu, %ld calls issued\n", (unsigned long long)seed, calls);
    return 0;
}
