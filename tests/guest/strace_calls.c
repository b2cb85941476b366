/* strace_calls.c — a few syscalls of each kind --strace-calls shows the
 * service calls of (tests/strace_calls.rs): a write to stdout, an openat that
 * succeeds and one that fails (ENOENT), a read from a file, a pipe written and
 * read back, closes. Raw write(2) for the output, so each line is one syscall. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

static void say(const char *s)
{
    write(1, s, strlen(s));
}

int main(void)
{
    char buf[16];
    int p[2];

    say("strace_calls: start\n");
    int fd = openat(AT_FDCWD, "/dev/zero", O_RDONLY | O_CLOEXEC);
    say(fd >= 0 ? "openat /dev/zero: ok\n" : "openat /dev/zero: FAIL\n");
    memset(buf, 1, sizeof buf);
    ssize_t n = read(fd, buf, 8);
    say(n == 8 && buf[0] == 0 && buf[7] == 0 && buf[8] == 1 ? "read 8 zero bytes: ok\n" : "read: FAIL\n");
    close(fd);
    int bad = openat(AT_FDCWD, "/nonexistent-strace-calls/x", O_RDONLY);
    say(bad == -1 && errno == ENOENT ? "openat missing: ENOENT\n" : "openat missing: FAIL\n");
    if (pipe(p) != 0) {
        say("pipe: FAIL\n");
        return 1;
    }
    n = write(p[1], "ping", 4);
    say(n == 4 ? "pipe write 4: ok\n" : "pipe write: FAIL\n");
    n = read(p[0], buf, sizeof buf);
    say(n == 4 && memcmp(buf, "ping", 4) == 0 ? "pipe read 4: ok\n" : "pipe read: FAIL\n");
    close(p[0]);
    close(p[1]);
    say("strace_calls: done\n");
    return 0;
}
