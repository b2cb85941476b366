/* io_more.c — data calls in the style of the Linux Test Project (sendfile(2),
 * readahead(2), syncfs(2), close_range(2), sendmmsg(2), recvmmsg(2)): one sendfile
 * of 40 MiB (Linux moves up to 2 GiB in a call), with an offset pointer; readahead
 * of a file, EINVAL on a pipe, EBADF on a write-only fd; syncfs/fdatasync EBADF;
 * close_range with CLOSE_RANGE_CLOEXEC and closing, EINVAL; sendmmsg of three
 * datagrams with their msg_len, recvmmsg of all three (MSG_DONTWAIT), EAGAIN when
 * empty, EBADF, ENOTSOCK. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ltp.h"

#define BIG (40L << 20)

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    alarm(30);
    char a[] = "/tmp/gx_io_more_XXXXXX", b[] = "/tmp/gx_io_more_XXXXXX";
    int in = mkstemp(a), out = mkstemp(b);
    if (in < 0 || out < 0)
        return 2;
    unlink(a);
    unlink(b);
    ftruncate(in, BIG - 4);
    pwrite(in, "tail", 4, BIG - 4);
    pwrite(in, "head", 4, 0);
    check("one sendfile moves 40 MiB", sendfile(out, in, NULL, BIG + 100), BIG);
    check("input position at the end", lseek(in, 0, SEEK_CUR), BIG);
    struct stat st;
    fstat(out, &st);
    check("output size", st.st_size, BIG);
    char buf[8] = { 0 };
    pread(out, buf, 4, BIG - 4);
    check("last bytes arrived", strcmp(buf, "tail"), 0);
    off_t off = BIG - 8;
    check("sendfile with an offset", sendfile(out, in, &off, 100), 8);
    check("offset advanced", off, BIG);
    check("position untouched", lseek(in, 0, SEEK_CUR), BIG);
    check("sendfile at the end", sendfile(out, in, NULL, 100), 0);
    ftruncate(out, 0);

    CHECK_OK("readahead", readahead(in, 0, 1 << 20));
    int p[2];
    pipe(p);
    CHECK_ERR("readahead on a pipe", readahead(p[0], 0, 100), EINVAL);
    int wo = open("/dev/null", O_WRONLY);
    CHECK_ERR("readahead write-only", readahead(wo, 0, 100), EBADF);
    CHECK_ERR("readahead bad fd", readahead(1000, 0, 100), EBADF);
    CHECK_OK("fdatasync", fdatasync(in));
    CHECK_OK("syncfs", syncfs(in));
    CHECK_ERR("syncfs bad fd", syncfs(1000), EBADF);
    CHECK_ERR("fdatasync bad fd", fdatasync(1000), EBADF);

    int d1 = dup2(in, 40), d2 = dup2(in, 41), d3 = dup2(in, 42);
    CHECK_OK("close_range CLOEXEC", syscall(SYS_close_range, 40, 41, 4));
    check("40 and 41 close-on-exec", (fcntl(d1, F_GETFD) & FD_CLOEXEC) && (fcntl(d2, F_GETFD) & FD_CLOEXEC), 1);
    check("42 untouched", fcntl(d3, F_GETFD), 0);
    CHECK_OK("close_range", syscall(SYS_close_range, 40, ~0U, 0));
    CHECK_ERR("all closed", fcntl(d3, F_GETFD), EBADF);
    CHECK_ERR("close_range first > last", syscall(SYS_close_range, 5, 4, 0), EINVAL);
    CHECK_ERR("close_range bad flags", syscall(SYS_close_range, 40, 41, 0x100), EINVAL);

    int sv[2];
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    struct iovec iov[3] = { { "one", 3 }, { "three", 5 }, { "xy", 2 } };
    struct mmsghdr m[3];
    memset(m, 0, sizeof m);
    for (int i = 0; i < 3; i++) {
        m[i].msg_hdr.msg_iov = &iov[i];
        m[i].msg_hdr.msg_iovlen = 1;
    }
    check("sendmmsg three", sendmmsg(sv[0], m, 3, 0), 3);
    check("msg_len of each", m[0].msg_len * 100 + m[1].msg_len * 10 + m[2].msg_len, 352);
    char r[4][16];
    struct iovec riov[4];
    struct mmsghdr rm[4];
    memset(rm, 0, sizeof rm);
    memset(r, 0, sizeof r);
    for (int i = 0; i < 4; i++) {
        riov[i].iov_base = r[i];
        riov[i].iov_len = sizeof r[i];
        rm[i].msg_hdr.msg_iov = &riov[i];
        rm[i].msg_hdr.msg_iovlen = 1;
    }
    check("recvmmsg takes what is there", recvmmsg(sv[1], rm, 4, MSG_DONTWAIT, NULL), 3);
    check("received lengths", rm[0].msg_len * 100 + rm[1].msg_len * 10 + rm[2].msg_len, 352);
    check("received data", strcmp(r[0], "one") == 0 && strcmp(r[1], "three") == 0 && strcmp(r[2], "xy") == 0, 1);
    CHECK_ERR("recvmmsg empty MSG_DONTWAIT", recvmmsg(sv[1], rm, 4, MSG_DONTWAIT, NULL), EAGAIN);
    check("sendmmsg vlen 0", sendmmsg(sv[0], m, 0, 0), 0);
    CHECK_ERR("sendmmsg bad fd", sendmmsg(1000, m, 1, 0), EBADF);
    CHECK_ERR("recvmmsg not a socket", recvmmsg(in, rm, 1, MSG_DONTWAIT, NULL), ENOTSOCK);
    return finish("io_more");
}
