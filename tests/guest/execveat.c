/* execveat.c — execveat(2) in the style of the Linux Test Project's execveat tests:
 * a copy of this program in a temporary directory is run through a directory
 * descriptor and a relative path, through its own descriptor with AT_EMPTY_PATH (an
 * O_RDONLY and an O_PATH one), through a symbolic link (and refused with ELOOP under
 * AT_SYMLINK_NOFOLLOW), and by an absolute path that makes the descriptor irrelevant;
 * each child reports its argv and exits with a status of its own. Failures: EINVAL
 * (unknown flags), ENOENT (empty path without AT_EMPTY_PATH, a missing file), EBADF (a
 * bad descriptor with a relative path or with AT_EMPTY_PATH), ENOTDIR (a descriptor of
 * a file with a relative path), EFAULT (NULL path), EACCES (no execute permission).
 * Golden from Linux 6.18 running the same source built for x86_64 (qemu-riscv64 7.2
 * answers execveat with ENOSYS). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ltp.h"

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

extern char **environ;

static long xat(int dirfd, const char *path, char *const argv[], int flags)
{
    return syscall(SYS_execveat, dirfd, path, argv, environ, flags);
}

/* Runs execveat in a child; the exit status of the program it ran (or 100 + errno
 * when execveat failed). */
static int run(int dirfd, const char *path, const char *tag, int flags)
{
    pid_t p = fork();
    if (p == 0) {
        char *argv[] = { "prog", (char *)tag, NULL };
        xat(dirfd, path, argv, flags);
        _exit(100 + errno);
    }
    int st = 0;
    waitpid(p, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 1) {
        /* A child run by execveat: its tag is its exit status. */
        return strcmp(argv[0], "prog") == 0 ? atoi(argv[1]) : 99;
    }
    char dir[] = "/tmp/gx_execveat_XXXXXX";
    if (!mkdtemp(dir))
        return 2;
    char prog[64], link[64], noexec[64];
    snprintf(prog, sizeof prog, "%s/prog", dir);
    snprintf(link, sizeof link, "%s/link", dir);
    snprintf(noexec, sizeof noexec, "%s/noexec", dir);
    /* A copy of this program. */
    int in = open("/proc/self/exe", O_RDONLY), out = open(prog, O_WRONLY | O_CREAT, 0755);
    char buf[65536];
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, n) != n)
            return 3;
    close(in);
    close(out);
    close(open(noexec, O_WRONLY | O_CREAT, 0644));
    symlink("prog", link);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    int ffd = open(prog, O_RDONLY);
    int pfd = open(prog, O_PATH);

    check("dirfd + relative path", run(dfd, "prog", "41", 0), 41);
    check("AT_EMPTY_PATH on an O_RDONLY fd", run(ffd, "", "42", AT_EMPTY_PATH), 42);
    check("AT_EMPTY_PATH on an O_PATH fd", run(pfd, "", "43", AT_EMPTY_PATH), 43);
    check("through a symlink", run(dfd, "link", "44", 0), 44);
    check("absolute path, bad dirfd", run(-1, prog, "45", 0), 45);
    check("AT_FDCWD + absolute path", run(AT_FDCWD, prog, "46", 0), 46);
    check("AT_EMPTY_PATH with a non-empty path", run(dfd, "prog", "47", AT_EMPTY_PATH), 47);
    check("AT_SYMLINK_NOFOLLOW on a file", run(dfd, "prog", "48", AT_SYMLINK_NOFOLLOW), 48);
    check("AT_SYMLINK_NOFOLLOW on a symlink ELOOP", run(dfd, "link", "49", AT_SYMLINK_NOFOLLOW), 100 + ELOOP);

    char *args[] = { "prog", "1", NULL };
    CHECK_ERR("unknown flag EINVAL", xat(dfd, "prog", args, 0x4), EINVAL);
    CHECK_ERR("empty path without AT_EMPTY_PATH ENOENT", xat(dfd, "", args, 0), ENOENT);
    CHECK_ERR("missing file ENOENT", xat(dfd, "nothing", args, 0), ENOENT);
    CHECK_ERR("bad dirfd EBADF", xat(-1, "prog", args, 0), EBADF);
    CHECK_ERR("closed dirfd EBADF", xat(999, "prog", args, 0), EBADF);
    CHECK_ERR("AT_EMPTY_PATH bad fd EBADF", xat(999, "", args, AT_EMPTY_PATH), EBADF);
    CHECK_ERR("file as dirfd ENOTDIR", xat(ffd, "prog", args, 0), ENOTDIR);
    CHECK_ERR("NULL path EFAULT", xat(dfd, NULL, args, 0), EFAULT);
    CHECK_ERR("no execute permission EACCES", xat(dfd, "noexec", args, 0), EACCES);
    CHECK_ERR("directory EACCES", xat(dfd, ".", args, 0), EACCES);

    close(dfd);
    close(ffd);
    close(pfd);
    unlink(prog);
    unlink(link);
    unlink(noexec);
    rmdir(dir);
    return finish("execveat");
}
