/* vfs_argchecks.c — argument checks of vfs calls that LTP exercises: fcntl
 * F_SETLK/F_GETLK/F_OFD_SETLK with a bad struct flock pointer (EFAULT);
 * posix_fadvise on a pipe and a FIFO (ESPIPE, before the advice is looked
 * at), bad advice values (EINVAL), a negative length (EINVAL), a bad fd
 * (EBADF), good advice on a file and /dev/null (0); preadv2/pwritev2 and
 * preadv/pwritev with an offset on a pipe (ESPIPE; offset -1 is the current
 * position, so it works); bind of an AF_INET socket to an AF_UNIX address
 * (EAFNOSUPPORT), a short address (EINVAL), an AF_UNSPEC INADDR_ANY address
 * (accepted as AF_INET), a non-socket (ENOTSOCK); an AF_INET6 socket to an
 * AF_INET address (EAFNOSUPPORT when long enough); an AF_UNIX socket to an
 * AF_INET address (EINVAL). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

static int failures;
#define CHECK(cond, ...) do { int c_ = (cond); int e_ = errno; \
    printf("%s ", c_ ? "ok  " : "FAIL"); errno = e_; \
    printf(__VA_ARGS__); printf("\n"); if (!c_) failures++; } while (0)

static const char *ename(int e)
{
    switch (e) {
    case 0: return "0";
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
    case EFAULT: return "EFAULT";
    case ESPIPE: return "ESPIPE";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case ENOTSOCK: return "ENOTSOCK";
    case ENOSYS: return "ENOSYS";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    default: return "other";
    }
}

/* The errno of a call returning -1, or 0. */
#define ERR(call) ((call) == -1 ? errno : 0)

/* preadv2/pwritev2 through syscall(2): the libcs' wrappers differ on old
 * kernels; the offset is split into low and high words as the ABI has it. */
static long rv2(long nr, int fd, struct iovec *iov, int cnt, long off, int flags)
{
    return syscall(nr, fd, iov, cnt, off, 0L, flags);
}

int main(void)
{
    char dir[] = "/tmp/gx_argck_XXXXXX", path[64], fifo[64];
    if (!mkdtemp(dir))
        return 2;
    snprintf(path, sizeof path, "%s/f", dir);
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
    if (fd < 0 || write(fd, "0123456789", 10) != 10)
        return 2;

    /* fcntl locks with a bad pointer. */
    void *bad = (void *)16;
    int e = ERR(fcntl(fd, F_SETLK, bad));
    CHECK(e == EFAULT, "fcntl F_SETLK bad pointer -> %s", ename(e));
    e = ERR(fcntl(fd, F_SETLKW, bad));
    CHECK(e == EFAULT, "fcntl F_SETLKW bad pointer -> %s", ename(e));
    e = ERR(fcntl(fd, F_GETLK, bad));
    CHECK(e == EFAULT, "fcntl F_GETLK bad pointer -> %s", ename(e));
    e = ERR(fcntl(fd, F_OFD_SETLK, bad));
    CHECK(e == EFAULT, "fcntl F_OFD_SETLK bad pointer -> %s", ename(e));
    e = ERR(fcntl(fd, F_GETLK, (void *)-4096L));
    CHECK(e == EFAULT, "fcntl F_GETLK kernel-half pointer -> %s", ename(e));
    e = ERR(fcntl(-1, F_SETLK, &(struct flock){ .l_type = F_RDLCK }));
    CHECK(e == EBADF, "fcntl F_SETLK bad fd -> %s", ename(e));

    /* posix_fadvise returns the error number. */
    int p[2];
    if (pipe(p))
        return 2;
    e = posix_fadvise(p[0], 0, 0, POSIX_FADV_NORMAL);
    CHECK(e == ESPIPE, "fadvise pipe read end -> %s", ename(e));
    e = posix_fadvise(p[1], 0, 0, POSIX_FADV_WILLNEED);
    CHECK(e == ESPIPE, "fadvise pipe write end -> %s", ename(e));
    e = posix_fadvise(p[0], 0, 0, 99);
    CHECK(e == ESPIPE, "fadvise pipe, bad advice -> %s", ename(e));
    e = posix_fadvise(p[0], 0, -1, POSIX_FADV_NORMAL);
    CHECK(e == ESPIPE, "fadvise pipe, negative len -> %s", ename(e));
    if (mkfifo(fifo, 0600) == 0) {
        int ff = open(fifo, O_RDWR);
        e = posix_fadvise(ff, 0, 0, POSIX_FADV_SEQUENTIAL);
        CHECK(e == ESPIPE, "fadvise FIFO -> %s", ename(e));
        close(ff);
    }
    int advs[] = { -32, -1, 6, 7, 8, 31, 1000 };
    int nbad = 0;
    for (unsigned i = 0; i < sizeof advs / sizeof advs[0]; i++)
        if (posix_fadvise(fd, 0, 0, advs[i]) == EINVAL)
            nbad++;
    CHECK(nbad == 7, "fadvise file, 7 bad advice values -> EINVAL x%d", nbad);
    int ngood = 0;
    for (int a = 0; a <= 5; a++)
        if (posix_fadvise(fd, 0, 4096, a) == 0)
            ngood++;
    CHECK(ngood == 6, "fadvise file, advice 0..5 -> 0 x%d", ngood);
    e = posix_fadvise(fd, 0, -1, POSIX_FADV_NORMAL);
    CHECK(e == EINVAL, "fadvise file, negative len -> %s", ename(e));
    e = posix_fadvise(-1, 0, 0, POSIX_FADV_NORMAL);
    CHECK(e == EBADF, "fadvise fd -1 -> %s", ename(e));
    e = posix_fadvise(1000, 0, 0, 99);
    CHECK(e == EBADF, "fadvise closed fd, bad advice -> %s", ename(e));
    int dn = open("/dev/null", O_RDWR);
    e = posix_fadvise(dn, 0, 0, POSIX_FADV_DONTNEED);
    CHECK(e == 0, "fadvise /dev/null DONTNEED -> %s", ename(e));
    e = posix_fadvise(dn, 0, 0, 77);
    CHECK(e == EINVAL, "fadvise /dev/null, bad advice -> %s", ename(e));

    /* Positioned vectored I/O on a pipe. */
    char b[8] = "abcd";
    struct iovec iov = { b, 4 };
    e = ERR(rv2(SYS_pwritev2, p[1], &iov, 1, 0, 0));
    CHECK(e == ESPIPE, "pwritev2 pipe, offset 0 -> %s", ename(e));
    e = ERR(rv2(SYS_pwritev2, p[1], &iov, 1, 5, 0));
    CHECK(e == ESPIPE, "pwritev2 pipe, offset 5 -> %s", ename(e));
    long n = rv2(SYS_pwritev2, p[1], &iov, 1, -1, 0);
    CHECK(n == 4, "pwritev2 pipe, offset -1 -> %ld", n);
    e = ERR(rv2(SYS_preadv2, p[0], &iov, 1, 0, 0));
    CHECK(e == ESPIPE, "preadv2 pipe, offset 0 -> %s", ename(e));
    n = rv2(SYS_preadv2, p[0], &iov, 1, -1, 0);
    CHECK(n == 4, "preadv2 pipe, offset -1 -> %ld", n);
    e = ERR(pwritev(p[1], &iov, 1, 0));
    CHECK(e == ESPIPE, "pwritev pipe -> %s", ename(e));
    e = ERR(preadv(p[0], &iov, 1, 0));
    CHECK(e == ESPIPE, "preadv pipe -> %s", ename(e));
    e = ERR(pwrite(p[1], b, 1, 0));
    CHECK(e == ESPIPE, "pwrite pipe -> %s", ename(e));
    e = ERR(rv2(SYS_preadv2, p[0], &iov, 1, -2, 0));
    CHECK(e == EINVAL, "preadv2 pipe, offset -2 -> %s", ename(e));
    e = ERR(rv2(SYS_preadv2, fd, &iov, 1, -2, 0));
    CHECK(e == EINVAL, "preadv2 file, offset -2 -> %s", ename(e));
    n = rv2(SYS_preadv2, fd, &iov, 1, 2, 0);
    CHECK(n == 4 && memcmp(b, "2345", 4) == 0, "preadv2 file, offset 2 -> %ld", n);

    /* bind with the wrong address family. */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_un un = { .sun_family = AF_UNIX, .sun_path = "." };
    e = ERR(bind(s, (struct sockaddr *)&un, sizeof un));
    CHECK(e == EAFNOSUPPORT, "bind AF_INET socket to AF_UNIX address -> %s", ename(e));
    struct sockaddr_in in = { .sin_family = AF_INET };
    e = ERR(bind(s, (struct sockaddr *)&in, 3));
    CHECK(e == EINVAL, "bind AF_INET socket, length 3 -> %s", ename(e));
    struct sockaddr_in in6len = { .sin_family = AF_INET6 };
    e = ERR(bind(s, (struct sockaddr *)&in6len, sizeof in6len));
    CHECK(e == EAFNOSUPPORT, "bind AF_INET socket to AF_INET6 family -> %s", ename(e));
    struct sockaddr_in uns = { .sin_family = AF_UNSPEC, .sin_addr.s_addr = htonl(0x7f000001) };
    e = ERR(bind(s, (struct sockaddr *)&uns, sizeof uns));
    CHECK(e == EAFNOSUPPORT, "bind AF_INET socket, AF_UNSPEC 127.0.0.1 -> %s", ename(e));
    uns.sin_addr.s_addr = htonl(INADDR_ANY);
    e = ERR(bind(s, (struct sockaddr *)&uns, sizeof uns));
    CHECK(e == 0, "bind AF_INET socket, AF_UNSPEC INADDR_ANY -> %s", ename(e));
    close(s);
    e = ERR(bind(dn, (struct sockaddr *)&in, sizeof in));
    CHECK(e == ENOTSOCK, "bind /dev/null -> %s", ename(e));
    int s6 = socket(AF_INET6, SOCK_STREAM, 0);
    if (s6 >= 0) {
        struct sockaddr_in6 in6 = { .sin6_family = AF_INET };
        e = ERR(bind(s6, (struct sockaddr *)&in6, sizeof in6));
        CHECK(e == EAFNOSUPPORT, "bind AF_INET6 socket to AF_INET family -> %s", ename(e));
        e = ERR(bind(s6, (struct sockaddr *)&in, sizeof in));
        CHECK(e == EINVAL, "bind AF_INET6 socket, sockaddr_in length -> %s", ename(e));
        close(s6);
    }
    int su = socket(AF_UNIX, SOCK_STREAM, 0);
    e = ERR(bind(su, (struct sockaddr *)&in, sizeof in));
    CHECK(e == EINVAL, "bind AF_UNIX socket to AF_INET address -> %s", ename(e));
    close(su);

    close(dn);
    close(p[0]);
    close(p[1]);
    close(fd);
    unlink(fifo);
    unlink(path);
    rmdir(dir);
    printf("vfs_argchecks: %d failures\n", failures);
    return failures != 0;
}
