/* vm_kcmp.c — process_vm_readv/process_vm_writev and kcmp in the style of the Linux
 * Test Project's process_vm and kcmp tests (process_vm_readv(2), kcmp(2)): reading
 * and writing another process's memory through scattered iovecs, a partial transfer
 * ending at an unmapped page, EFAULT, EINVAL (flags, IOV_MAX), ESRCH, and EPERM
 * after dropping root; kcmp of dup'ed, inherited and unrelated descriptors, of
 * address spaces and descriptor tables (orderings are only checked as equal or not),
 * EBADF, EINVAL, ESRCH. Must start as root (exits 77 otherwise). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ltp.h"

#define KCMP_FILE 0
#define KCMP_VM 1
#define KCMP_FILES 2

static char secret[64] = "0123456789abcdefghijklmnopqrstuv";

static long kcmp(pid_t a, pid_t b, int type, unsigned long i1, unsigned long i2)
{
    return syscall(SYS_kcmp, a, b, type, i1, i2);
}

static long vm_read(pid_t p, const struct iovec *l, unsigned long ln, const struct iovec *r, unsigned long rn, unsigned long f)
{
    return syscall(SYS_process_vm_readv, p, l, ln, r, rn, f);
}

static long vm_write(pid_t p, const struct iovec *l, unsigned long ln, const struct iovec *r, unsigned long rn, unsigned long f)
{
    return syscall(SYS_process_vm_writev, p, l, ln, r, rn, f);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* partial output survives a hang or crash */
    alarm(30); /* a hang ends as SIGALRM (status 142), not as a runner timeout */
    if (getuid() != 0) {
        printf("vm_kcmp: must start as root\n");
        return 77;
    }
    long pg = sysconf(_SC_PAGESIZE);
    /* a page followed by a hole, for the partial transfer */
    char *two = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(two + pg, pg);
    memset(two, 'z', pg);
    int sync[2];
    pipe(sync);
    int fd = open("/dev/null", O_RDONLY);
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        memcpy(secret, "CHILD-SECRET-DATA-0123456789", 29);
        char x = 'r';
        write(sync[1], &x, 1);
        for (;;)
            pause();
    }
    char x;
    read(sync[0], &x, 1);

    char a[10] = { 0 }, b[20] = { 0 };
    struct iovec local[2] = { { a, 5 }, { b, 13 } };
    struct iovec remote[1] = { { secret, 18 } };
    check("process_vm_readv scattered", vm_read(c, local, 2, remote, 1, 0), 18);
    check("first piece", memcmp(a, "CHILD", 5), 0);
    check("second piece", memcmp(b, "-SECRET-DATA-", 13), 0);
    check("our own copy untouched", memcmp(secret, "0123", 4), 0);
    struct iovec wl[1] = { { "written!", 8 } };
    struct iovec wr[1] = { { secret + 6, 8 } };
    check("process_vm_writev", vm_write(c, wl, 1, wr, 1, 0), 8);
    char back[16] = { 0 };
    struct iovec bl[1] = { { back, 14 } };
    struct iovec br[1] = { { secret, 14 } };
    vm_read(c, bl, 1, br, 1, 0);
    check("write seen in the child", memcmp(back, "CHILD-written!", 14), 0);
    char big[2 * 4096];
    struct iovec pl[1] = { { big, 2 * pg } };
    struct iovec pr[1] = { { two + pg - 8, pg } };
    check("partial read up to an unmapped page", vm_read(c, pl, 1, pr, 1, 0), 8);
    struct iovec hr[1] = { { two + pg, 8 } };
    CHECK_ERR("remote unmapped", vm_read(c, pl, 1, hr, 1, 0), EFAULT);
    struct iovec badl[1] = { { two + pg, 8 } };
    CHECK_ERR("local unmapped", vm_read(c, badl, 1, remote, 1, 0), EFAULT);
    CHECK_ERR("flags", vm_read(c, local, 2, remote, 1, 1), EINVAL);
    CHECK_ERR("liovcnt past IOV_MAX", vm_read(c, local, 1025, remote, 1, 0), EINVAL);
    CHECK_ERR("no such process", vm_read(0x3ffffff0, local, 2, remote, 1, 0), ESRCH);
    check("zero-length transfer", vm_read(c, local, 0, remote, 1, 0), 0);

    int d = dup(fd);
    int other = open("/dev/null", O_RDONLY);
    check("kcmp FILE dup'ed fds equal", kcmp(getpid(), getpid(), KCMP_FILE, fd, d), 0);
    check("kcmp FILE separate opens differ", kcmp(getpid(), getpid(), KCMP_FILE, fd, other) != 0, 1);
    check("kcmp FILE inherited by fork equal", kcmp(getpid(), c, KCMP_FILE, fd, fd), 0);
    check("kcmp VM self", kcmp(getpid(), getpid(), KCMP_VM, 0, 0), 0);
    check("kcmp VM child differs", kcmp(getpid(), c, KCMP_VM, 0, 0) != 0, 1);
    check("kcmp FILES child differs", kcmp(getpid(), c, KCMP_FILES, 0, 0) != 0, 1);
    CHECK_ERR("kcmp FILE bad fd", kcmp(getpid(), c, KCMP_FILE, fd, 999), EBADF);
    CHECK_ERR("kcmp bad type", kcmp(getpid(), c, 99, 0, 0), EINVAL);
    CHECK_ERR("kcmp no such pid", kcmp(getpid(), 0x3ffffff0, KCMP_VM, 0, 0), ESRCH);

    fflush(stdout);
    pid_t u = fork();
    if (u == 0) {
        failures = 0;
        if (setgid(65534) != 0 || setuid(65534) != 0)
            _exit(100);
        CHECK_ERR("process_vm_readv of a root process", vm_read(c, local, 2, remote, 1, 0), EPERM);
        CHECK_ERR("kcmp of a root process", kcmp(getpid(), c, KCMP_VM, 0, 0), EPERM);
        fflush(stdout);
        _exit(failures);
    }
    int st = 0;
    waitpid(u, &st, 0);
    failures += WIFEXITED(st) ? WEXITSTATUS(st) : 1;
    kill(c, SIGKILL);
    waitpid(c, NULL, 0);
    return finish("vm_kcmp");
}
