// build: -pthread
/* errno_paths.c — error returns of common syscalls, printed by errno name
 * (numbers are the same on every libc; strerror texts are not):
 * ENOENT, ENOTDIR, EISDIR, EEXIST, ENAMETOOLONG, ELOOP, ENOTEMPTY, EBADF
 * (closed fd, write to O_RDONLY), EFAULT (read/write with a bad buffer,
 * stat with a bad path pointer), EINVAL (lseek whence, negative ftruncate,
 * bad open flags combination), ESPIPE (lseek on a pipe), ERANGE (getcwd),
 * ECHILD, ESRCH, EAGAIN (non-blocking pipe), ENOSYS (an unknown syscall
 * number), EMFILE after lowering RLIMIT_NOFILE with setrlimit, and errno
 * being thread-local. Runs as any user; avoids EACCES/EPERM cases that
 * root would pass. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
/* the bad pointers below are the point: gcc need not warn about them */
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#pragma GCC diagnostic ignored "-Wstringop-overread"

static int failures;

static const char *ename(int e)
{
    switch (e) {
#define E(x) case x: return #x
    E(EPERM); E(ENOENT); E(ESRCH); E(EINTR); E(EIO); E(EBADF); E(ECHILD); E(EAGAIN); E(ENOMEM); E(EACCES);
    E(EFAULT); E(EEXIST); E(EXDEV); E(ENOTDIR); E(EISDIR); E(EINVAL); E(EMFILE); E(ENOSPC); E(ESPIPE);
    E(ERANGE); E(ENAMETOOLONG); E(ENOSYS); E(ENOTEMPTY); E(ELOOP); E(EOVERFLOW);
#undef E
    case 0: return "0 (no error)";
    default: return "other";
    }
}

/* EXPECT(call, errno): the call must return -1 with that errno */
#define EXPECT(what, call, want) do { errno = 0; long r_ = (long)(call); int e_ = errno; \
    int ok_ = r_ == -1 && e_ == (want); \
    printf("%s %-44s -> %s\n", ok_ ? "ok  " : "FAIL", what, r_ == -1 ? ename(e_) : "succeeded"); \
    if (!ok_) failures++; } while (0)

static void *thread_errno(void *arg)
{
    (void)arg;
    errno = 0;
    close(-1);
    return (void *)(long)errno;
}

int main(void)
{
    char dir[] = "/tmp/gx_errno_XXXXXX", p[512];
    if (!mkdtemp(dir))
        return 2;
    if (chdir(dir) != 0)
        return 2;
    int fd = open("file", O_CREAT | O_RDWR, 0644);
    if (fd < 0 || write(fd, "0123456789", 10) != 10)
        return 2;
    mkdir("sub", 0755);
    mkdir("full", 0755);
    close(open("full/x", O_CREAT | O_WRONLY, 0644));
    symlink("loop2", "loop1");
    symlink("loop1", "loop2");

    printf("-- paths\n");
    EXPECT("open(\"missing\", O_RDONLY)", open("missing", O_RDONLY), ENOENT);
    EXPECT("open(\"nodir/file\", O_CREAT)", open("nodir/file", O_CREAT | O_WRONLY, 0644), ENOENT);
    EXPECT("open(\"\", O_RDONLY)", open("", O_RDONLY), ENOENT);
    EXPECT("open(\"file/x\") through a regular file", open("file/x", O_RDONLY), ENOTDIR);
    EXPECT("open(\"file\", O_DIRECTORY)", open("file", O_RDONLY | O_DIRECTORY), ENOTDIR);
    EXPECT("open(\"sub\", O_WRONLY)", open("sub", O_WRONLY), EISDIR);
    EXPECT("open(\"file\", O_CREAT|O_EXCL)", open("file", O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
    EXPECT("mkdir(\"sub\")", mkdir("sub", 0755), EEXIST);
    EXPECT("rmdir(\"full\") (not empty)", rmdir("full"), ENOTEMPTY);
    EXPECT("rmdir(\"file\")", rmdir("file"), ENOTDIR);
    EXPECT("unlink(\"sub\") (a directory)", unlink("sub"), EISDIR);
    EXPECT("open(\"loop1\") (symlink loop)", open("loop1", O_RDONLY), ELOOP);
    EXPECT("open(\"loop1\", O_NOFOLLOW) a symlink", open("loop1", O_RDONLY | O_NOFOLLOW), ELOOP);
    memset(p, 'n', 300);
    p[300] = 0;
    EXPECT("open(300-char name)", open(p, O_RDONLY), ENAMETOOLONG);
    EXPECT("stat(300-char name)", ({ struct stat st; stat(p, &st); }), ENAMETOOLONG);
    EXPECT("rename(\"missing\", \"x\")", rename("missing", "x"), ENOENT);
    EXPECT("rename(\"sub\", \"file\") dir over file", rename("sub", "file"), ENOTDIR);
    EXPECT("rename(\"file\", \"sub\") file over dir", rename("file", "sub"), EISDIR);
    EXPECT("link(\"missing\", \"x\")", link("missing", "x"), ENOENT);
    EXPECT("symlink(\"x\", \"file\") existing", symlink("x", "file"), EEXIST);
    EXPECT("chdir(\"file\")", chdir("file"), ENOTDIR);
    EXPECT("readlink(\"file\") not a link", readlink("file", p, sizeof p), EINVAL);

    printf("-- descriptors\n");
    int closed = dup(fd);
    close(closed);
    char buf[16];
    EXPECT("read(closed fd)", read(closed, buf, 1), EBADF);
    EXPECT("write(-1)", write(-1, "x", 1), EBADF);
    EXPECT("close(closed fd)", close(closed), EBADF);
    EXPECT("fstat(closed fd)", ({ struct stat st; fstat(closed, &st); }), EBADF);
    int ro = open("file", O_RDONLY);
    EXPECT("write(O_RDONLY fd)", write(ro, "x", 1), EBADF);
    int dirfd = open("sub", O_RDONLY | O_DIRECTORY);
    EXPECT("read(directory fd)", read(dirfd, buf, 1), EISDIR);
    EXPECT("lseek(fd, 0, 99) bad whence", lseek(fd, 0, 99), EINVAL);
    EXPECT("lseek(fd, -100, SEEK_SET)", lseek(fd, -100, SEEK_SET), EINVAL);
    EXPECT("ftruncate(fd, -1)", ftruncate(fd, -1), EINVAL);
    EXPECT("ftruncate(O_RDONLY fd, 0)", ftruncate(ro, 0), EINVAL);
    int pp[2];
    pipe2(pp, O_NONBLOCK);
    EXPECT("lseek(pipe)", lseek(pp[0], 0, SEEK_SET), ESPIPE);
    EXPECT("pread(pipe)", pread(pp[0], buf, 1, 0), ESPIPE);
    EXPECT("read(empty non-blocking pipe)", read(pp[0], buf, 1), EAGAIN);
    EXPECT("fcntl(fd, 12345) bad command", fcntl(fd, 12345), EINVAL);
    EXPECT("dup2(fd, -1)", dup2(fd, -1), EBADF);

    printf("-- bad pointers (the kernel returns EFAULT)\n");
    lseek(fd, 0, SEEK_SET);
    EXPECT("read(fd, (void *)1, 5)", read(fd, (void *)1, 5), EFAULT);
    EXPECT("write(fd, (void *)1, 5)", write(fd, (void *)1, 5), EFAULT);
    EXPECT("stat((char *)1, ...)", syscall(SYS_newfstatat, AT_FDCWD, (char *)1, buf, 0), EFAULT);
    EXPECT("pipe((int *)1)", syscall(SYS_pipe2, (int *)1, 0), EFAULT);
    EXPECT("clock_gettime(MONOTONIC, (void *)1)", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, (void *)1), EFAULT);

    printf("-- processes and misc\n");
    EXPECT("waitpid(-1) without children", waitpid(-1, NULL, 0), ECHILD);
    EXPECT("kill(0x3fffffff, 0) no such pid", kill(0x3fffffff, 0), ESRCH);
    EXPECT("kill(getpid(), 12345) bad signal", kill(getpid(), 12345), EINVAL);
    EXPECT("getcwd(buf, 1)", (long)(getcwd(buf, 1) ? 0 : -1), ERANGE);
    EXPECT("syscall(9999) unknown number", syscall(9999), ENOSYS);
    EXPECT("syscall(0x7ffff) unknown number", syscall(0x7ffff), ENOSYS);
    EXPECT("setrlimit(soft > hard)", ({ struct rlimit rl = { 100, 50 }; setrlimit(RLIMIT_NOFILE, &rl); }), EINVAL);

    /* errno is per thread */
    errno = ENOENT;
    pthread_t t;
    void *tret;
    pthread_create(&t, NULL, thread_errno, NULL);
    pthread_join(t, &tret);
    int ok = errno == ENOENT && (long)tret == EBADF;
    printf("%s errno is thread-local (main: %s, thread: %s)\n", ok ? "ok  " : "FAIL", ename(ENOENT), ename((int)(long)tret));
    failures += !ok;

    printf("-- EMFILE\n");
    struct rlimit old, rl;
    getrlimit(RLIMIT_NOFILE, &old);
    rl.rlim_cur = 32;
    rl.rlim_max = old.rlim_max;
    ok = setrlimit(RLIMIT_NOFILE, &rl) == 0;
    int opened = 0, last_errno = 0;
    int fds[64];
    for (int i = 0; i < 64; i++) {
        int f = open("file", O_RDONLY);
        if (f < 0) {
            last_errno = errno;
            break;
        }
        fds[opened++] = f;
    }
    ok &= last_errno == EMFILE && opened < 32;
    printf("%s opening until failure with RLIMIT_NOFILE=32 -> %s\n", ok ? "ok  " : "FAIL", ename(last_errno));
    failures += !ok;
    EXPECT("dup2(fd, 40) beyond the limit", dup2(fd, 40), EBADF);
    EXPECT("pipe() at the limit", ({ int q[2]; pipe(q); }), EMFILE);
    for (int i = 0; i < opened; i++)
        close(fds[i]);
    setrlimit(RLIMIT_NOFILE, &old);
    int f2 = open("file", O_RDONLY);
    printf("%s after closing them, open works again\n", f2 >= 0 ? "ok  " : "FAIL");
    failures += f2 < 0;
    close(f2);

    close(fd);
    close(ro);
    close(dirfd);
    close(pp[0]);
    close(pp[1]);
    unlink("full/x");
    rmdir("full");
    rmdir("sub");
    unlink("file");
    unlink("loop1");
    unlink("loop2");
    if (chdir("/") != 0 || rmdir(dir) != 0)
        failures++;
    printf("errno_paths: %d failures\n", failures);
    return failures ? 1 : 0;
}
