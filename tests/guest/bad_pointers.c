/* bad_pointers: hostile arguments to the calls that touch user memory. NULL, unmapped,
 * foreign-space and over-long pointers get the errno Linux gives (EFAULT,
 * ENAMETOOLONG, EINVAL) and nothing else happens: no service faults, no descriptor
 * goes stale, the program goes on. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static void show(const char *what, long r)
{
    if (r < 0) {
        const char *e = errno == EFAULT ? "EFAULT" : errno == EINVAL ? "EINVAL" : errno == ENAMETOOLONG ? "ENAMETOOLONG" : errno == EBADF ? "EBADF" : "other";
        printf("%s = -1 %s\n", what, errno == EFAULT || errno == EINVAL || errno == ENAMETOOLONG || errno == EBADF ? e : strerror(errno));
    } else {
        printf("%s = %ld\n", what, r);
    }
}

#define T(what, call) do { errno = 0; show(what, (long)(call)); } while (0)

int main(void)
{
    setvbuf(stdout, 0, _IONBF, 0);
    /* Keep RLIMIT_NOFILE at Linux's usual soft limit whatever the host's is. */
    struct rlimit rl = { 1024, 1024 };
    setrlimit(RLIMIT_NOFILE, &rl);
    int zero = open("/dev/zero", O_RDONLY);
    int null = open("/dev/null", O_WRONLY);
    int p[2], sv[2];
    pipe(p);
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    /* mkdtemp: the corpus runs configurations at once, each as the same pid */
    char dir[] = "/tmp/bad_pointers_XXXXXX", link[80];
    if (!mkdtemp(dir))
        return 2;
    snprintf(link, sizeof link, "%s/l", dir);
    symlink("target", link);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);

    /* NULL buffers. */
    T("read(zero, NULL, 1)", syscall(SYS_read, zero, NULL, 1));
    T("read(zero, NULL, 0)", syscall(SYS_read, zero, NULL, 0));
    T("write(pipe, NULL, 1)", syscall(SYS_write, p[1], NULL, 1));
    T("fstat(zero, NULL)", syscall(SYS_fstat, zero, NULL));
    T("newfstatat(\"/\", NULL)", syscall(SYS_newfstatat, AT_FDCWD, "/", NULL, 0));
    struct stat st;
    T("newfstatat(NULL path)", syscall(SYS_newfstatat, AT_FDCWD, NULL, &st, 0));
    T("pipe2(NULL)", syscall(SYS_pipe2, NULL, 0));
    T("socketpair(NULL)", syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, NULL));
    T("getdents64(dir, NULL, 4096)", syscall(SYS_getdents64, dfd, NULL, 4096));
    T("readv(zero, NULL, 1)", syscall(SYS_readv, zero, NULL, 1));
    struct iovec nulliov = { NULL, 1 };
    T("readv(zero, {NULL, 1})", syscall(SYS_readv, zero, &nulliov, 1));
    T("writev(pipe, {NULL, 1})", syscall(SYS_writev, p[1], &nulliov, 1));
    T("sendmsg(NULL)", syscall(SYS_sendmsg, sv[0], NULL, 0));
    T("recvmsg(NULL)", syscall(SYS_recvmsg, sv[0], NULL, MSG_DONTWAIT));
    T("sendto(NULL, 1)", syscall(SYS_sendto, sv[0], NULL, 1, 0, NULL, 0));
    T("send(\"x\")", send(sv[0], "x", 1, 0));
    T("recvfrom(NULL, 1)", syscall(SYS_recvfrom, sv[1], NULL, 1, 0, NULL, NULL));
    struct timespec ts0 = { 0, 0 };
    T("ppoll(NULL, 1)", syscall(SYS_ppoll, NULL, 1, &ts0, NULL, 8));
    int ep = epoll_create1(0);
    T("epoll_ctl(ADD, NULL)", syscall(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, p[0], NULL));
    T("getcwd(NULL, 100)", syscall(SYS_getcwd, NULL, 100));
    T("readlinkat(link, NULL, 100)", syscall(SYS_readlinkat, AT_FDCWD, link, NULL, 100));
    T("statx(\"/\", NULL)", syscall(SYS_statx, AT_FDCWD, "/", 0, 0x7ff, NULL));
    T("getsockname(NULL, NULL)", syscall(SYS_getsockname, sv[0], NULL, NULL));

    /* Paths: too long, and running into an unmapped page. */
    static char longpath[8192];
    memset(longpath, 'a', 8191);
    longpath[0] = '/';
    T("openat(8191-byte path)", syscall(SYS_openat, AT_FDCWD, longpath, O_RDONLY));
    char *two = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(two + 4096, 4096);
    memset(two, 'b', 4096);
    T("openat(path into unmapped page)", syscall(SYS_openat, AT_FDCWD, two + 4096 - 100, O_RDONLY));
    T("read(zero, unmapped, 1)", syscall(SYS_read, zero, two + 4096, 1));

    /* Pointers with a space number (above any user address) are EFAULT. */
    static char buf[16] = "foreign\n";
    uintptr_t foreign = (uintptr_t)buf | (3ull << 48);
    T("write(pipe, foreign, 8)", syscall(SYS_write, p[1], foreign, 8));
    T("fstat(zero, foreign)", syscall(SYS_fstat, zero, (uintptr_t)&st | (1ull << 48)));
    T("clock_gettime(foreign)", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, (uintptr_t)&ts0 | (5ull << 48)));

    /* Scalars Linux checks before memory. */
    struct iovec huge = { buf, 1ull << 63 };
    T("readv(len 2^63)", syscall(SYS_readv, zero, &huge, 1));
    /* More fds than RLIMIT_NOFILE. (The array is all there: qemu-riscv64 copies it
     * before it asks the host, which then refuses the count, as Linux does whatever
     * the array.) */
    static struct pollfd pf[2048];
    pf[0] = (struct pollfd){ p[0], POLLIN, 0 };
    T("ppoll(2048 fds)", syscall(SYS_ppoll, pf, 2048, &ts0, NULL, 8));
    struct timespec req = { 0, 1000 };
    T("nanosleep(bad rem)", syscall(SYS_nanosleep, &req, (void *)8));
    T("clock_nanosleep(req == rem, both bad)", syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, (void *)8, (void *)8));
    T("lseek(null, 0, 99)", syscall(SYS_lseek, null, 0, 99));
    T("lseek(zero, 0, 99)", syscall(SYS_lseek, zero, 0, 99));

    /* Everything still works: the same descriptors, the same services. */
    T("write(pipe, \"ok\")", write(p[1], "ok", 2));
    char got[4] = { 0 };
    T("read(pipe)", read(p[0], got, 2));
    printf("pipe gave \"%s\"\n", got);
    T("fstat(zero)", fstat(zero, &st));
    printf("zero is a char device: %d\n", S_ISCHR(st.st_mode));
    unlink(link);
    rmdir(dir);
    return 0;
}
