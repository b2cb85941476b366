/* fs_modes.c — file modes, devices, chroot and /proc/self/environ in the style of the
 * Linux Test Project (open(2), umask(2), mkdir(2), mknod(2), pread(2), chroot(2),
 * proc(5)): a new file's mode is the one asked under the process's umask (0 and 027,
 * whatever the umask of whoever started the program); pread on a directory is
 * EISDIR; root may mknod a character device, and opening one the kernel has no
 * driver for is ENXIO; chroot confines absolute paths and ".." to the new root and
 * needs CAP_SYS_CHROOT; /proc/self/environ holds the environment (GX_A=1 from
 * fs_modes.env). Must start as root (exits 77 otherwise); the chroot happens in a
 * forked child. Golden output from qemu-riscv64 run as root (the host kernel's
 * answers). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ltp.h"

static char dir[] = "/tmp/gx_fs_modes_XXXXXX";

static char *at(const char *name)
{
    static char p[4][256];
    static int i;
    char *b = p[i++ % 4];
    snprintf(b, 256, "%s/%s", dir, name);
    return b;
}

static int mode_of(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

static void jailed(void)
{
    struct stat st;
    char cwd[256] = { 0 };
    CHECK_OK("chroot into a subdirectory", chroot(at("jail")));
    CHECK_OK("chdir / inside the new root", chdir("/"));
    getcwd(cwd, sizeof cwd);
    check("getcwd is / inside the new root", strcmp(cwd, "/"), 0);
    CHECK_OK("stat a file at the new root", stat("/inside", &st));
    CHECK_OK("'..' stops at the new root", stat("/../../inside", &st));
    CHECK_ERR("the old tree is out of reach", stat(at("outside"), &st), ENOENT);
    CHECK_ERR("chroot to a file", chroot("/inside"), ENOTDIR);
    CHECK_ERR("chroot to nothing", chroot("/none"), ENOENT);
    CHECK_OK("setuid 1000", setuid(1000));
    CHECK_ERR("chroot without CAP_SYS_CHROOT", chroot("/"), EPERM);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* partial output survives a hang or crash */
    alarm(30); /* a hang ends as SIGALRM (status 142), not as a runner timeout */
    if (getuid() != 0) {
        printf("fs_modes: must start as root\n");
        return 77;
    }
    if (!mkdtemp(dir) || chmod(dir, 0755) != 0)
        return 2;

    umask(0);
    close(open(at("u0"), O_CREAT | O_WRONLY, 0666));
    check("umask 0: open(0666) gives 0666", mode_of(at("u0")), 0666);
    CHECK_OK("umask 0: mkdir 0777", mkdir(at("d0"), 0777));
    check("umask 0: mkdir gives 0777", mode_of(at("d0")), 0777);
    check("umask returns the old mask", umask(027), 0);
    close(open(at("u27"), O_CREAT | O_WRONLY, 0666));
    check("umask 027: open(0666) gives 0640", mode_of(at("u27")), 0640);
    CHECK_OK("umask 027: mkdir 0777", mkdir(at("jail"), 0777));
    check("umask 027: mkdir gives 0750", mode_of(at("jail")), 0750);
    CHECK_OK("umask 027: mkfifo 0666", mkfifo(at("fifo"), 0666));
    check("umask 027: mkfifo gives 0640", mode_of(at("fifo")), 0640);
    umask(022);

    char b[8];
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    CHECK_ERR("pread on a directory", pread(fd, b, sizeof b, 0), EISDIR);
    CHECK_ERR("read on a directory", read(fd, b, sizeof b), EISDIR);
    close(fd);

    struct stat st;
    CHECK_OK("mknod a character device as root", mknod(at("null"), S_IFCHR | 0666, makedev(1, 3)));
    stat(at("null"), &st);
    check("mknod made a character device", S_ISCHR(st.st_mode) != 0, 1);
    check("with the number asked", major(st.st_rdev) == 1 && minor(st.st_rdev) == 3, 1);
    fd = open(at("null"), O_RDWR);
    check("write to the device node", write(fd, "x", 1), 1);
    check("read from the device node", read(fd, b, 1), 0);
    close(fd);
    CHECK_OK("mknod a device without a driver", mknod(at("nodrv"), S_IFCHR | 0600, makedev(60, 7)));
    CHECK_ERR("open a device without a driver", open(at("nodrv"), O_RDONLY), ENXIO);
    CHECK_ERR("mknod of an unknown type", mknod(at("bad"), 0170000 | 0600, 0), EINVAL);

    char env[4096];
    fd = open("/proc/self/environ", O_RDONLY);
    ssize_t n = read(fd, env, sizeof env);
    close(fd);
    check("/proc/self/environ has GX_A=1", n > 0 && memmem(env, n, "GX_A=1\0", 7) != NULL, 1);

    close(open(at("jail/inside"), O_CREAT | O_WRONLY, 0644));
    close(open(at("outside"), O_CREAT | O_WRONLY, 0644));
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        jailed();
        fflush(stdout);
        _exit(failures > 0);
    }
    int ws = 0;
    waitpid(c, &ws, 0);
    if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
        failures++;
    CHECK_OK("the parent's root is unchanged", stat(at("outside"), &st));

    const char *names[] = { "u0", "u27", "fifo", "null", "nodrv", "jail/inside", "outside" };
    for (unsigned i = 0; i < sizeof names / sizeof *names; i++)
        unlink(at(names[i]));
    rmdir(at("d0"));
    rmdir(at("jail"));
    rmdir(dir);
    return finish("fs_modes");
}
