/* mm_calls.c — the rarer memory calls: remap_file_pages (emulated with mmap since
 * Linux 3.16: file pages reordered in a shared mapping; EINVAL for prot, private or
 * unmapped ranges), process_madvise through a pidfd (self and a child; EINVAL flags,
 * advice and iovec count, EBADF, ESRCH for an ended process, EFAULT, EPERM without
 * CAP_SYS_NICE), cachestat (pages of a mapped file cached; EBADF, EINVAL flags,
 * EFAULT), swapon/swapoff (EPERM unprivileged, EINVAL flags; no swap as root), and the
 * protection-key calls, which riscv64 kernels do not have (ENOSYS). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ltp.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_process_madvise
#define SYS_process_madvise 440
#endif
#ifndef SYS_cachestat
#define SYS_cachestat 451
#endif
#ifndef MADV_COLD
#define MADV_COLD 20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

struct cs_range { uint64_t off, len; };
struct cs { uint64_t nr_cache, nr_dirty, nr_writeback, nr_evicted, nr_recently_evicted; };

/* a file of its own (mkstemp): the corpus runs this program under several
 * configurations at once */
static char path[64];

static void remap(long pg)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    char buf[4096];
    for (int i = 0; i < 4; i++) {
        memset(buf, 'A' + i, sizeof buf);
        write(fd, buf, sizeof buf);
    }
    char *p = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    /* Page 0 shows file page 3, page 3 shows file page 0. */
    CHECK_OK("remap_file_pages page 0 <- file page 3", syscall(SYS_remap_file_pages, p, pg, 0, 3, 0));
    CHECK_OK("remap_file_pages page 3 <- file page 0", syscall(SYS_remap_file_pages, p + 3 * pg, pg, 0, 0, 0));
    check("page 0 reads D", p[0], 'D');
    check("page 1 reads B", p[pg], 'B');
    check("page 3 reads A", p[3 * pg], 'A');
    p[0] = 'd';
    msync(p, 4 * pg, MS_SYNC);
    char c = 0;
    pread(fd, &c, 1, 3 * pg);
    check("write through remapped page reaches file page 3", c, 'd');
    CHECK_ERR("remap_file_pages prot", syscall(SYS_remap_file_pages, p, pg, PROT_READ, 1, 0), EINVAL);
    CHECK_ERR("remap_file_pages past the mapping", syscall(SYS_remap_file_pages, p + 3 * pg, 2 * pg, 0, 0, 0), EINVAL);
    CHECK_ERR("remap_file_pages size 0", syscall(SYS_remap_file_pages, p, 0, 0, 0, 0), EINVAL);
    char *priv = mmap(NULL, pg, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK_ERR("remap_file_pages private mapping", syscall(SYS_remap_file_pages, priv, pg, 0, 1, 0), EINVAL);
    munmap(priv, pg);
    munmap(p + 3 * pg, pg);
    CHECK_ERR("remap_file_pages unmapped", syscall(SYS_remap_file_pages, p + 3 * pg, pg, 0, 0, 0), EINVAL);
    munmap(p, 3 * pg);
    close(fd);
}

static void pmadvise(long pg)
{
    char *p = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(p, 1, 4 * pg);
    int self = syscall(SYS_pidfd_open, getpid(), 0);
    struct iovec iov[2] = { { p, 2 * pg }, { p + 3 * pg, pg } };
    check("process_madvise self WILLNEED", syscall(SYS_process_madvise, self, iov, 2, MADV_WILLNEED, 0), 3 * pg);
    check("process_madvise self COLD", syscall(SYS_process_madvise, self, iov, 2, MADV_COLD, 0), 3 * pg);
    check("process_madvise self PAGEOUT", syscall(SYS_process_madvise, self, iov, 1, MADV_PAGEOUT, 0), 2 * pg);
    check("process_madvise self DONTNEED", syscall(SYS_process_madvise, self, iov, 1, MADV_DONTNEED, 0), 2 * pg);
    check("DONTNEED through process_madvise zeroed the page", p[0], 0);
    check("process_madvise vlen 0", syscall(SYS_process_madvise, self, iov, 0, MADV_COLD, 0), 0);
    CHECK_ERR("process_madvise flags", syscall(SYS_process_madvise, self, iov, 1, MADV_COLD, 1), EINVAL);
    CHECK_ERR("process_madvise vlen > IOV_MAX", syscall(SYS_process_madvise, self, iov, 1025, MADV_COLD, 0), EINVAL);
    CHECK_ERR("process_madvise bad advice", syscall(SYS_process_madvise, self, iov, 1, 999, 0), EINVAL);
    CHECK_ERR("process_madvise iovec unreadable", syscall(SYS_process_madvise, self, (void *)8, 1, MADV_COLD, 0), EFAULT);
    CHECK_ERR("process_madvise not a pidfd", syscall(SYS_process_madvise, 0, iov, 1, MADV_COLD, 0), EBADF);
    CHECK_ERR("process_madvise closed fd", syscall(SYS_process_madvise, 999, iov, 1, MADV_COLD, 0), EBADF);
    /* A range with a hole: ENOMEM for the first iovec, nothing advised. */
    munmap(p + 2 * pg, pg);
    struct iovec hole = { p, 4 * pg };
    CHECK_ERR("process_madvise hole", syscall(SYS_process_madvise, self, &hole, 1, MADV_COLD, 0), ENOMEM);
    struct iovec two[2] = { { p, pg }, { p + 2 * pg, pg } };
    check("process_madvise stops at the failing iovec", syscall(SYS_process_madvise, self, two, 2, MADV_COLD, 0), pg);

    /* Another process: only the non-destructive hints. */
    int go[2];
    pipe(go);
    pid_t c = fork();
    if (c == 0) {
        char x;
        read(go[0], &x, 1);
        _exit(0);
    }
    int child = syscall(SYS_pidfd_open, c, 0);
    struct iovec one = { p, pg };
    check("process_madvise child COLD", syscall(SYS_process_madvise, child, &one, 1, MADV_COLD, 0), pg);
    check("process_madvise child WILLNEED", syscall(SYS_process_madvise, child, &one, 1, MADV_WILLNEED, 0), pg);
    CHECK_ERR("process_madvise child DONTNEED", syscall(SYS_process_madvise, child, &one, 1, MADV_DONTNEED, 0), EINVAL);
    /* Unprivileged: no ptrace access to root's process is EACCES; a process of its
     * own user without CAP_SYS_NICE is EPERM. */
    pid_t c2 = fork();
    if (c2 == 0) {
        if (setuid(65534) != 0)
            _exit(9);
        int bad = 0;
        errno = 0;
        if (syscall(SYS_process_madvise, self, &one, 1, MADV_COLD, 0) != -1 || errno != EACCES)
            bad |= 1;
        /* setuid made it non-dumpable (no ptrace access even to its own child). */
        prctl(PR_SET_DUMPABLE, 1);
        int hold[2];
        pipe(hold);
        pid_t g = fork();
        if (g == 0) {
            char x;
            read(hold[0], &x, 1);
            _exit(0);
        }
        int gfd = syscall(SYS_pidfd_open, g, 0);
        errno = 0;
        if (syscall(SYS_process_madvise, gfd, &one, 1, MADV_COLD, 0) != -1 || errno != EPERM)
            bad |= 2;
        write(hold[1], "x", 1);
        waitpid(g, NULL, 0);
        _exit(bad);
    }
    int st = -1;
    waitpid(c2, &st, 0);
    check("process_madvise unprivileged: EACCES (root's), EPERM (own)", WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0);
    write(go[1], "x", 1);
    waitpid(c, &st, 0);
    CHECK_ERR("process_madvise ended process", syscall(SYS_process_madvise, child, &one, 1, MADV_COLD, 0), ESRCH);
    close(child);
    close(self);
    munmap(p, 4 * pg);
}

static void cachestat(long pg)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    char buf[4096];
    memset(buf, 'x', sizeof buf);
    for (int i = 0; i < 3; i++)
        write(fd, buf, sizeof buf);
    fsync(fd);
    char *p = mmap(NULL, 3 * pg, PROT_READ, MAP_SHARED, fd, 0);
    volatile char sum = 0;
    for (int i = 0; i < 3; i++)
        sum += p[i * pg];
    struct cs_range all = { 0, 0 }, mid = { pg, pg }, past = { 8 * pg, pg };
    struct cs s;
    memset(&s, 0xff, sizeof s);
    CHECK_OK("cachestat whole file", syscall(SYS_cachestat, fd, &all, &s, 0));
    check("cached pages", (long)s.nr_cache, 3);
    check("dirty pages after fsync", (long)s.nr_dirty, 0);
    check("under writeback", (long)s.nr_writeback, 0);
    CHECK_OK("cachestat one page", syscall(SYS_cachestat, fd, &mid, &s, 0));
    check("one page cached", (long)s.nr_cache, 1);
    CHECK_OK("cachestat past EOF", syscall(SYS_cachestat, fd, &past, &s, 0));
    check("nothing cached past EOF", (long)s.nr_cache, 0);
    CHECK_ERR("cachestat flags", syscall(SYS_cachestat, fd, &all, &s, 1), EINVAL);
    CHECK_ERR("cachestat bad fd", syscall(SYS_cachestat, 999, &all, &s, 0), EBADF);
    CHECK_ERR("cachestat range unreadable", syscall(SYS_cachestat, fd, (void *)8, &s, 0), EFAULT);
    CHECK_ERR("cachestat result unwritable", syscall(SYS_cachestat, fd, &all, (void *)8, 0), EFAULT);
    int pfd[2];
    pipe(pfd);
    memset(&s, 0xff, sizeof s);
    CHECK_OK("cachestat of a pipe", syscall(SYS_cachestat, pfd[0], &all, &s, 0));
    check("a pipe caches nothing", (long)s.nr_cache, 0);
    close(pfd[0]);
    close(pfd[1]);
    munmap(p, 3 * pg);
    close(fd);
}

static void swap(void)
{
    CHECK_ERR("swapon unknown flags", syscall(SYS_swapon, path, 0x80000), EINVAL);
    pid_t c = fork();
    if (c == 0) {
        if (setuid(65534) != 0)
            _exit(9);
        int bad = 0;
        errno = 0;
        if (syscall(SYS_swapon, path, 0) != -1 || errno != EPERM)
            bad |= 1;
        errno = 0;
        if (syscall(SYS_swapoff, path) != -1 || errno != EPERM)
            bad |= 2;
        _exit(bad);
    }
    int st = -1;
    waitpid(c, &st, 0);
    check("swapon/swapoff unprivileged: EPERM", WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0);
#ifdef __riscv
    /* As root: grantix has no swap, as a kernel built without it. */
    CHECK_ERR("swapon as root", syscall(SYS_swapon, path, 0), ENOSYS);
    CHECK_ERR("swapoff as root", syscall(SYS_swapoff, path), ENOSYS);
#endif
}

static void pkeys(long pg)
{
#ifdef __riscv
    /* riscv64 kernels have no CONFIG_ARCH_HAS_PKEYS: the calls do not exist. */
    char *p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK_ERR("pkey_alloc", syscall(SYS_pkey_alloc, 0, 0), ENOSYS);
    CHECK_ERR("pkey_free", syscall(SYS_pkey_free, 1), ENOSYS);
    CHECK_ERR("pkey_mprotect -1", syscall(SYS_pkey_mprotect, p, pg, PROT_READ, -1), ENOSYS);
    munmap(p, pg);
#else
    (void)pg;
#endif
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    snprintf(path, sizeof path, "/tmp/gx_mm_calls_XXXXXX");
    int tfd = mkstemp(path);
    if (tfd < 0)
        return 2;
    close(tfd);
    long pg = sysconf(_SC_PAGESIZE);
    remap(pg);
    pmadvise(pg);
    cachestat(pg);
    swap();
    pkeys(pg);
    unlink(path);
    return finish("mm_calls");
}
