/* splice.c — splice, tee and vmsplice in the style of the Linux Test Project's
 * splice/tee/vmsplice tests (splice(2), tee(2), vmsplice(2)): file to pipe with an
 * offset (offset advanced, file position untouched), pipe to file, pipe to pipe,
 * tee duplicating without consuming, vmsplice of an iovec, zero lengths, and the
 * errnos: EINVAL (no pipe, same pipe for tee, bad flags), ESPIPE (offset on a pipe),
 * EBADF (wrong direction), EAGAIN (SPLICE_F_NONBLOCK on an empty pipe). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ltp.h"

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* partial output survives a hang or crash */
    alarm(30); /* a hang ends as SIGALRM (status 142), not as a runner timeout */
    char path[] = "/tmp/gx_splice_XXXXXX", buf[64];
    int f = mkstemp(path);
    if (f < 0)
        return 2;
    unlink(path);
    write(f, "0123456789", 10);
    int p[2], p2[2];
    pipe(p);
    pipe(p2);
    loff_t off = 2;
    check("splice file -> pipe with offset", splice(f, &off, p[1], NULL, 5, 0), 5);
    check("offset advanced", off, 7);
    check("file position untouched", lseek(f, 0, SEEK_CUR), 10);
    memset(buf, 0, sizeof buf);
    check("pipe has the bytes", read(p[0], buf, sizeof buf), 5);
    check("bytes 2..7", strcmp(buf, "23456"), 0);
    lseek(f, 8, SEEK_SET);
    check("splice file -> pipe at position", splice(f, NULL, p[1], NULL, 100, 0), 2);
    check("file position advanced", lseek(f, 0, SEEK_CUR), 10);
    read(p[0], buf, sizeof buf);
    check("splice at EOF returns 0", splice(f, NULL, p[1], NULL, 100, 0), 0);

    write(p[1], "abc", 3);
    off = 0;
    check("splice pipe -> file with offset", splice(p[0], NULL, f, &off, 3, 0), 3);
    memset(buf, 0, sizeof buf);
    pread(f, buf, 4, 0);
    check("file starts with abc3", strcmp(buf, "abc3"), 0);

    write(p[1], "pipe2pipe", 9);
    check("splice pipe -> pipe", splice(p[0], NULL, p2[1], NULL, 64, 0), 9);
    memset(buf, 0, sizeof buf);
    read(p2[0], buf, sizeof buf);
    check("pipe -> pipe data", strcmp(buf, "pipe2pipe"), 0);

    write(p[1], "teedata", 7);
    check("tee", tee(p[0], p2[1], 64, 0), 7);
    memset(buf, 0, sizeof buf);
    read(p2[0], buf, sizeof buf);
    check("tee copy", strcmp(buf, "teedata"), 0);
    memset(buf, 0, sizeof buf);
    check("tee did not consume the source", read(p[0], buf, sizeof buf), 7);
    CHECK_ERR("tee same pipe", tee(p[0], p[1], 64, 0), EINVAL);
    CHECK_ERR("tee from a file", tee(f, p[1], 64, 0), EINVAL);
    CHECK_ERR("tee empty SPLICE_F_NONBLOCK", tee(p[0], p2[1], 64, SPLICE_F_NONBLOCK), EAGAIN);

    struct iovec iov[2] = { { "vm", 2 }, { "splice", 6 } };
    check("vmsplice two iovecs", vmsplice(p[1], iov, 2, 0), 8);
    memset(buf, 0, sizeof buf);
    read(p[0], buf, sizeof buf);
    check("vmsplice data", strcmp(buf, "vmsplice"), 0);
    CHECK_ERR("vmsplice to a file", vmsplice(f, iov, 2, 0), EBADF);
    CHECK_ERR("vmsplice bad flags", vmsplice(p[1], iov, 2, 0x100), EINVAL);

    check("splice length 0", splice(f, NULL, p[1], NULL, 0, 0), 0);
    CHECK_ERR("splice without a pipe", splice(f, NULL, f, NULL, 4, 0), EINVAL);
    off = 0;
    CHECK_ERR("splice offset on a pipe", splice(p[0], &off, f, NULL, 4, 0), ESPIPE);
    CHECK_ERR("splice from a write end", splice(p[1], NULL, f, NULL, 4, 0), EBADF);
    CHECK_ERR("splice empty pipe SPLICE_F_NONBLOCK", splice(p[0], NULL, p2[1], NULL, 4, SPLICE_F_NONBLOCK), EAGAIN);
    CHECK_ERR("splice bad flags", splice(f, NULL, p[1], NULL, 4, 0x100), EINVAL);
    off = -1;
    CHECK_ERR("splice negative offset", splice(f, &off, p[1], NULL, 4, 0), EINVAL);
    int ro = open("/dev/null", O_RDONLY);
    write(p[1], "x", 1);
    CHECK_ERR("splice into a read-only file", splice(p[0], NULL, ro, NULL, 1, 0), EBADF);
    return finish("splice");
}
