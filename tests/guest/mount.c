/* mount.c — mount/umount2 in the style of the Linux Test Project's mount and umount2
 * tests (mount(2), umount(2)): tmpfs mounted as root (TMPFS_MAGIC, files live in it
 * and are gone after umount), EBUSY while a file inside is open, MNT_DETACH with an
 * open file, bind mounts, read-only mounts and remounts (EROFS), ENODEV, ENOENT,
 * EINVAL, EXDEV, MNT_EXPIRE, recursive binds, /proc/self/mounts and mountinfo, and
 * EPERM for a process that dropped root.
 *
 * NEVER run this on the host or under qemu-riscv64: qemu-user passes mount to the host
 * kernel. The program refuses (exit 77) unless uname's release names grantix, which
 * keeps mounts inside the guest's namespace. Its golden output was therefore written by
 * hand from the documented behaviour in mount(2) and umount(2), not recorded. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ltp.h"

static char dir[] = "/tmp/gx_mount_XXXXXX";

static void at(char *buf, const char *name)
{
    snprintf(buf, 256, "%s/%s", dir, name);
}

/* Whether a line of /proc file `file` contains both `a` and `b`. */
static int listed(const char *file, const char *a, const char *b)
{
    FILE *f = fopen(file, "r");
    char line[1024];
    int found = 0;
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (strstr(line, a) && strstr(line, b))
            found = 1;
    fclose(f);
    return found;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* partial output survives a hang or crash */
    alarm(30); /* a hang ends as SIGALRM (status 142), not as a runner timeout */
    struct utsname u;
    if (uname(&u) != 0 || !strstr(u.release, "grantix")) {
        printf("mount: refusing to run outside grantix\n");
        return 77;
    }
    if (getuid() != 0) {
        printf("mount: must start as root\n");
        return 77;
    }
    char mnt[256], p[256], src[256];
    if (!mkdtemp(dir))
        return 2;
    at(mnt, "mnt");
    mkdir(mnt, 0755);
    CHECK_OK("mount tmpfs", mount("none", mnt, "tmpfs", 0, "size=1m"));
    struct statfs sf;
    CHECK_OK("statfs on the mount", statfs(mnt, &sf));
    check("f_type TMPFS_MAGIC", sf.f_type, 0x01021994);
    char needle[300];
    snprintf(needle, sizeof needle, "none %s tmpfs rw,", mnt);
    check("/proc/self/mounts lists it", listed("/proc/self/mounts", needle, "size=1024k"), 1);
    snprintf(needle, sizeof needle, " / %s rw,", mnt);
    check("/proc/self/mountinfo lists it", listed("/proc/self/mountinfo", needle, " - tmpfs none rw"), 1);
    at(p, "mnt/f");
    int fd = open(p, O_CREAT | O_RDWR, 0644);
    check("create a file in tmpfs", fd >= 0, 1);
    check("write to it", write(fd, "tmpfs", 5), 5);
    CHECK_ERR("umount2 while a file is open", umount2(mnt, 0), EBUSY);
    close(fd);
    at(src, "mnt/d");
    mkdir(src, 0755);
    CHECK_ERR("rmdir of a mount point", rmdir(mnt), EBUSY);
    at(src, "moved");
    CHECK_ERR("rename out of the mount", rename(p, src), EXDEV);
    at(src, "mnt/d");
    rmdir(src);
    CHECK_ERR("umount2 MNT_EXPIRE marks first", umount2(mnt, MNT_EXPIRE), EAGAIN);
    CHECK_ERR("MNT_EXPIRE with MNT_DETACH", umount2(mnt, MNT_EXPIRE | MNT_DETACH), EINVAL);
    CHECK_OK("umount2 MNT_EXPIRE the second time", umount2(mnt, MNT_EXPIRE));
    struct stat st;
    CHECK_ERR("file gone with the mount", stat(p, &st), ENOENT);
    check("gone from /proc/self/mounts", listed("/proc/self/mounts", mnt, "tmpfs"), 0);
    CHECK_ERR("mount tmpfs with a bad option", mount("none", mnt, "tmpfs", 0, "nosuchoption"), EINVAL);
    CHECK_ERR("mount tmpfs without a type", mount("none", mnt, NULL, 0, NULL), EINVAL);
    at(p, "file");
    close(open(p, O_CREAT | O_WRONLY, 0644));
    CHECK_ERR("mount tmpfs on a file", mount("none", p, "tmpfs", 0, NULL), ENOTDIR);
    unlink(p);

    CHECK_ERR("mount unknown fs type", mount("none", mnt, "nosuchfs", 0, NULL), ENODEV);
    at(p, "missing");
    CHECK_ERR("mount on a missing dir", mount("none", p, "tmpfs", 0, NULL), ENOENT);
    CHECK_ERR("umount2 of a non-mount point", umount2(dir, 0), EINVAL);
    CHECK_ERR("umount2 bad flags", umount2(mnt, 0x8000), EINVAL);

    at(src, "src");
    mkdir(src, 0755);
    at(p, "src/s");
    close(open(p, O_CREAT | O_WRONLY, 0644));
    CHECK_OK("bind mount", mount(src, mnt, NULL, MS_BIND, NULL));
    at(p, "mnt/s");
    CHECK_OK("file visible through the bind", stat(p, &st));
    CHECK_OK("umount2 bind", umount2(mnt, 0));
    CHECK_ERR("bind gone", stat(p, &st), ENOENT);
    at(p, "nosuchsource");
    CHECK_ERR("bind of a missing source", mount(p, mnt, NULL, MS_BIND, NULL), ENOENT);

    /* A tmpfs inside the source appears under a recursive bind only. */
    at(p, "src/sub");
    mkdir(p, 0755);
    mount("none", p, "tmpfs", 0, NULL);
    at(p, "src/sub/inner");
    close(open(p, O_CREAT | O_WRONLY, 0644));
    CHECK_OK("recursive bind", mount(src, mnt, NULL, MS_BIND | MS_REC, NULL));
    at(p, "mnt/sub/inner");
    CHECK_OK("submount seen through MS_REC", stat(p, &st));
    at(p, "mnt");
    CHECK_ERR("umount2 of a bind with submounts", umount2(p, 0), EBUSY);
    CHECK_OK("umount2 MNT_DETACH takes the submounts", umount2(p, MNT_DETACH));
    at(p, "src/sub");
    CHECK_OK("umount2 the inner tmpfs", umount2(p, 0));
    rmdir(p);

    CHECK_OK("mount tmpfs read-only", mount("none", mnt, "tmpfs", MS_RDONLY, NULL));
    at(p, "mnt/f");
    CHECK_ERR("create on a read-only mount", open(p, O_CREAT | O_WRONLY, 0644), EROFS);
    CHECK_ERR("mkdir on a read-only mount", mkdir(p, 0755), EROFS);
    CHECK_OK("statfs of the read-only mount", statfs(mnt, &sf));
    check("f_flags has ST_RDONLY", sf.f_flags & ST_RDONLY, ST_RDONLY);
    snprintf(needle, sizeof needle, " %s tmpfs ro,", mnt);
    check("/proc/self/mounts says ro", listed("/proc/self/mounts", needle, "tmpfs"), 1);
    CHECK_OK("remount read-write", mount("none", mnt, NULL, MS_REMOUNT, NULL));
    fd = open(p, O_CREAT | O_RDWR, 0644);
    check("create after remount", fd >= 0, 1);
    CHECK_ERR("remount read-only with a writer", mount("none", mnt, NULL, MS_REMOUNT | MS_RDONLY, NULL), EBUSY);
    close(fd);
    CHECK_OK("remount read-only", mount("none", mnt, NULL, MS_REMOUNT | MS_RDONLY, NULL));
    CHECK_ERR("write open after read-only remount", open(p, O_WRONLY), EROFS);
    CHECK_OK("umount2 after remounts", umount2(mnt, 0));

    mount("none", mnt, "tmpfs", 0, NULL);
    fd = open(p, O_CREAT | O_RDWR, 0644);
    CHECK_OK("umount2 MNT_DETACH with an open file", umount2(mnt, MNT_DETACH));
    check("the open file still works", write(fd, "x", 1), 1);
    CHECK_ERR("detached mount no longer visible", stat(p, &st), ENOENT);
    close(fd);

    /* mount(2) looks the target up before it checks CAP_SYS_ADMIN (do_mount, then
     * path_mount): the unprivileged child must be able to search the directory, or its
     * answer is the lookup's EACCES instead of EPERM. */
    chmod(dir, 0755);
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        if (setgid(65534) != 0 || setuid(65534) != 0)
            _exit(100);
        CHECK_ERR("mount without CAP_SYS_ADMIN", mount("none", mnt, "tmpfs", 0, NULL), EPERM);
        mount("none", mnt, "tmpfs", 0, NULL);
        CHECK_ERR("umount2 without CAP_SYS_ADMIN", umount2("/proc", 0), EPERM);
        fflush(stdout);
        _exit(failures);
    }
    int ws = 0;
    waitpid(c, &ws, 0);
    failures += WIFEXITED(ws) ? WEXITSTATUS(ws) : 1;

    at(p, "src/s");
    unlink(p);
    rmdir(src);
    rmdir(mnt);
    rmdir(dir);
    return finish("mount");
}
