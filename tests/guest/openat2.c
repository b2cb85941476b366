/* openat2.c — openat2 in the style of the Linux Test Project's openat2 tests
 * (openat2(2)): struct open_how checked strictly (size, unknown flags, resolve bits,
 * mode without O_CREAT, O_PATH with other flags, a larger zero-padded structure),
 * and the RESOLVE_* rules: BENEATH (EXDEV for "..", absolute paths and absolute
 * symlinks leaving the directory), IN_ROOT (the directory is /), NO_SYMLINKS and
 * NO_MAGICLINKS (ELOOP), NO_XDEV (EXDEV into /proc), CACHED (EAGAIN for O_CREAT),
 * EBADF/ENOTDIR for the directory descriptor. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ltp.h"

struct how { uint64_t flags, mode, resolve; };

#define RESOLVE_NO_XDEV 0x01
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_NO_SYMLINKS 0x04
#define RESOLVE_BENEATH 0x08
#define RESOLVE_IN_ROOT 0x10
#define RESOLVE_CACHED 0x20

static long o2(int dfd, const char *p, uint64_t flags, uint64_t mode, uint64_t res)
{
    struct how h = { flags, mode, res };
    long fd = syscall(SYS_openat2, dfd, p, &h, sizeof h);
    return fd;
}

/* opens like o2 and says whether the result is the same file as `ino` */
static int same(int dfd, const char *p, uint64_t res, ino_t ino)
{
    long fd = o2(dfd, p, O_RDONLY, 0, res);
    if (fd < 0)
        return -errno;
    struct stat st;
    fstat(fd, &st);
    close(fd);
    return st.st_ino == ino;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    alarm(30);
    char dir[] = "/tmp/gx_openat2_XXXXXX", p[300];
    if (!mkdtemp(dir))
        return 2;
    int d = open(dir, O_RDONLY | O_DIRECTORY);
    snprintf(p, sizeof p, "%s/f", dir);
    close(open(p, O_CREAT | O_WRONLY, 0644));
    struct stat st;
    stat(p, &st);
    ino_t f_ino = st.st_ino;
    mkdirat(d, "sub", 0755);
    close(openat(d, "sub/g", O_CREAT | O_WRONLY, 0644));
    symlinkat("/etc/passwd", d, "abs");
    symlinkat("f", d, "rel");
    symlinkat("..", d, "up");
    symlinkat("sub", d, "sublink");
    symlinkat("/f", d, "rootf");

    long fd = o2(d, "f", O_RDONLY, 0, 0);
    check("plain open", fd >= 0, 1);
    check("O_LARGEFILE in F_GETFL", (fcntl(fd, F_GETFL) & 0100000) != 0, 1);
    close(fd);
    struct how h = { O_RDONLY, 0, 0 };
    CHECK_ERR("size 0", syscall(SYS_openat2, d, "f", &h, 0), EINVAL);
    CHECK_ERR("size 16", syscall(SYS_openat2, d, "f", &h, 16), EINVAL);
    char big[40];
    memset(big, 0, sizeof big);
    memcpy(big, &h, sizeof h);
    fd = syscall(SYS_openat2, d, "f", big, 40);
    check("larger structure, zero tail", fd >= 0, 1);
    close(fd);
    big[32] = 1;
    CHECK_ERR("larger structure, nonzero tail", syscall(SYS_openat2, d, "f", big, 40), E2BIG);
    CHECK_ERR("size above a page", syscall(SYS_openat2, d, "f", big, 4097), E2BIG);
    CHECK_ERR("unknown open flag", o2(d, "f", 1ULL << 40, 0, 0), EINVAL);
    CHECK_ERR("unknown resolve flag", o2(d, "f", O_RDONLY, 0, 0x40), EINVAL);
    CHECK_ERR("BENEATH with IN_ROOT", o2(d, "f", O_RDONLY, 0, RESOLVE_BENEATH | RESOLVE_IN_ROOT), EINVAL);
    CHECK_ERR("mode without O_CREAT", o2(d, "f", O_RDONLY, 0644, 0), EINVAL);
    CHECK_ERR("file type in the mode", o2(d, "n", O_CREAT | O_WRONLY, S_IFREG | 0644, 0), EINVAL);
    CHECK_ERR("O_PATH with O_RDWR", o2(d, "f", O_PATH | O_RDWR, 0, 0), EINVAL);
    CHECK_ERR("O_DIRECTORY with O_CREAT", o2(d, "n", O_DIRECTORY | O_CREAT | O_RDONLY, 0644, 0), EINVAL);
    fd = o2(d, "new", O_CREAT | O_WRONLY | O_EXCL, 0600, 0);
    check("O_CREAT creates", fd >= 0, 1);
    fstat(fd, &st);
    check("created with the mode", st.st_mode & 0777, 0600);
    close(fd);
    CHECK_ERR("O_CREAT|O_EXCL on an existing file", o2(d, "new", O_CREAT | O_WRONLY | O_EXCL, 0600, 0), EEXIST);
    CHECK_ERR("CACHED with O_CREAT", o2(d, "new2", O_CREAT | O_WRONLY, 0600, RESOLVE_CACHED), EAGAIN);

    check("BENEATH: a file in the directory", same(d, "f", RESOLVE_BENEATH, f_ino), 1);
    check("BENEATH: sub/../f", same(d, "sub/../f", RESOLVE_BENEATH, f_ino), 1);
    check("BENEATH: relative symlink", same(d, "rel", RESOLVE_BENEATH, f_ino), 1);
    CHECK_OK("BENEATH: symlink to a subdirectory", close(o2(d, "sublink/g", O_RDONLY, 0, RESOLVE_BENEATH)));
    CHECK_ERR("BENEATH: ..", o2(d, "../x", O_RDONLY, 0, RESOLVE_BENEATH), EXDEV);
    CHECK_ERR("BENEATH: sub/../..", o2(d, "sub/../../x", O_RDONLY, 0, RESOLVE_BENEATH), EXDEV);
    CHECK_ERR("BENEATH: absolute path", o2(d, "/etc/passwd", O_RDONLY, 0, RESOLVE_BENEATH), EXDEV);
    CHECK_ERR("BENEATH: absolute symlink", o2(d, "abs", O_RDONLY, 0, RESOLVE_BENEATH), EXDEV);
    CHECK_ERR("BENEATH: symlink to ..", o2(d, "up/f", O_RDONLY, 0, RESOLVE_BENEATH), EXDEV);

    check("IN_ROOT: /f is the directory's f", same(d, "/f", RESOLVE_IN_ROOT, f_ino), 1);
    check("IN_ROOT: ../../f stays inside", same(d, "../../f", RESOLVE_IN_ROOT, f_ino), 1);
    check("IN_ROOT: up/f stays inside", same(d, "up/f", RESOLVE_IN_ROOT, f_ino), 1);
    check("IN_ROOT: absolute symlink /f", same(d, "rootf", RESOLVE_IN_ROOT, f_ino), 1);
    CHECK_ERR("IN_ROOT: /etc/passwd is not there", o2(d, "abs", O_RDONLY, 0, RESOLVE_IN_ROOT), ENOENT);
    check("without RESOLVE: rootf is the host's /f", same(d, "rootf", 0, f_ino) == 1, 0);

    CHECK_ERR("NO_SYMLINKS: symlink last", o2(d, "rel", O_RDONLY, 0, RESOLVE_NO_SYMLINKS), ELOOP);
    CHECK_ERR("NO_SYMLINKS: symlink on the way", o2(d, "sublink/g", O_RDONLY, 0, RESOLVE_NO_SYMLINKS), ELOOP);
    fd = o2(d, "rel", O_PATH | O_NOFOLLOW, 0, RESOLVE_NO_SYMLINKS);
    check("NO_SYMLINKS: O_PATH|O_NOFOLLOW opens the link", fd >= 0, 1);
    if (fd >= 0) {
        fstat(fd, &st);
        check("it is the link", S_ISLNK(st.st_mode), 1);
        close(fd);
    }
    CHECK_ERR("O_NOFOLLOW on a symlink", o2(d, "rel", O_RDONLY | O_NOFOLLOW, 0, 0), ELOOP);

    int pin = open(p, O_RDONLY);
    char magic[64];
    snprintf(magic, sizeof magic, "/proc/self/fd/%d", pin);
    fd = o2(AT_FDCWD, magic, O_RDONLY, 0, 0);
    check("magic link opens", fd >= 0, 1);
    close(fd);
    CHECK_ERR("NO_MAGICLINKS", o2(AT_FDCWD, magic, O_RDONLY, 0, RESOLVE_NO_MAGICLINKS), ELOOP);
    CHECK_ERR("NO_SYMLINKS refuses magic links too", o2(AT_FDCWD, magic, O_RDONLY, 0, RESOLVE_NO_SYMLINKS), ELOOP);
    int root = open("/", O_RDONLY | O_DIRECTORY);
    CHECK_ERR("NO_XDEV into /proc", o2(root, "proc/self/status", O_RDONLY, 0, RESOLVE_NO_XDEV), EXDEV);
    check("NO_XDEV inside one file system", same(d, "sub/../f", RESOLVE_NO_XDEV, f_ino), 1);

    CHECK_ERR("bad dirfd", o2(1000, "f", O_RDONLY, 0, 0), EBADF);
    CHECK_ERR("dirfd not a directory", o2(pin, "f", O_RDONLY, 0, 0), ENOTDIR);
    CHECK_ERR("missing file", o2(d, "nothing", O_RDONLY, 0, RESOLVE_BENEATH), ENOENT);
    CHECK_ERR("bad how pointer", syscall(SYS_openat2, d, "f", (void *)8, 24), EFAULT);

    unlinkat(d, "sub/g", 0);
    unlinkat(d, "sub", AT_REMOVEDIR);
    const char *names[] = { "f", "new", "abs", "rel", "up", "sublink", "rootf" };
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
        unlinkat(d, names[i], 0);
    rmdir(dir);
    return finish("openat2");
}
