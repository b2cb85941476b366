/* xattr.c — extended attributes in the style of the Linux Test Project's
 * setxattr/getxattr/listxattr/removexattr tests (xattr(7)): user.* attributes on a
 * file, a directory, through a symlink and a hard link and a descriptor; the size
 * query, ERANGE for a short buffer, XATTR_CREATE (EEXIST) and XATTR_REPLACE
 * (ENODATA), empty values, removal; EINVAL (bad flags, "user."), ERANGE (empty or
 * 256-byte names), E2BIG (value over 64 KiB), EOPNOTSUPP (no namespace, /proc),
 * EPERM/ENODATA for user.* on symlinks, pipes and devices, EBADF (O_PATH, bad fd),
 * ENOENT; a new file at a deleted file's name starts without attributes. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "ltp.h"

/* whether the NUL-separated list `l` of `n` bytes holds `name` */
static int has(const char *l, long n, const char *name)
{
    for (long i = 0; i < n; i += strlen(l + i) + 1)
        if (strcmp(l + i, name) == 0)
            return 1;
    return 0;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    alarm(30);
    char dir[] = "/tmp/gx_xattr_XXXXXX", f[300], h[300], ln[300], buf[256], list[256];
    if (!mkdtemp(dir))
        return 2;
    snprintf(f, sizeof f, "%s/f", dir);
    snprintf(h, sizeof h, "%s/h", dir);
    snprintf(ln, sizeof ln, "%s/ln", dir);
    close(open(f, O_CREAT | O_WRONLY, 0644));
    symlink("f", ln);

    check("no attributes yet", listxattr(f, list, sizeof list), 0);
    CHECK_OK("setxattr", setxattr(f, "user.a", "hello", 5, 0));
    check("size query", getxattr(f, "user.a", NULL, 0), 5);
    memset(buf, 0, sizeof buf);
    check("getxattr", getxattr(f, "user.a", buf, sizeof buf), 5);
    check("value", strcmp(buf, "hello"), 0);
    CHECK_ERR("getxattr short buffer", getxattr(f, "user.a", buf, 2), ERANGE);
    CHECK_ERR("XATTR_CREATE on an existing name", setxattr(f, "user.a", "x", 1, XATTR_CREATE), EEXIST);
    CHECK_ERR("XATTR_REPLACE on a missing name", setxattr(f, "user.b", "x", 1, XATTR_REPLACE), ENODATA);
    CHECK_OK("XATTR_REPLACE", setxattr(f, "user.a", "bye", 3, XATTR_REPLACE));
    memset(buf, 0, sizeof buf);
    check("replaced value", getxattr(f, "user.a", buf, sizeof buf) == 3 && strcmp(buf, "bye") == 0, 1);
    CHECK_OK("XATTR_CREATE of an empty value", setxattr(f, "user.empty", "", 0, XATTR_CREATE));
    check("empty value", getxattr(f, "user.empty", buf, sizeof buf), 0);
    long n = listxattr(f, NULL, 0);
    check("list size query", n, 18);
    check("listxattr", listxattr(f, list, sizeof list), 18);
    check("both names listed", has(list, 18, "user.a") && has(list, 18, "user.empty"), 1);
    CHECK_ERR("listxattr short buffer", listxattr(f, list, 10), ERANGE);

    CHECK_ERR("bad flags", setxattr(f, "user.a", "x", 1, 4), EINVAL);
    CHECK_ERR("empty name", setxattr(f, "", "x", 1, 0), ERANGE);
    char longname[300];
    memset(longname, 'n', sizeof longname);
    memcpy(longname, "user.", 5);
    longname[256] = 0;
    CHECK_ERR("256-byte name", setxattr(f, longname, "x", 1, 0), ERANGE);
    longname[255] = 0;
    CHECK_OK("255-byte name", setxattr(f, longname, "x", 1, 0));
    CHECK_OK("remove it", removexattr(f, longname));
    CHECK_ERR("user. alone", setxattr(f, "user.", "x", 1, 0), EINVAL);
    CHECK_ERR("no namespace", setxattr(f, "noprefix", "x", 1, 0), EOPNOTSUPP);
    CHECK_ERR("no namespace get", getxattr(f, "foo.bar", buf, sizeof buf), EOPNOTSUPP);
    static char huge[65537];
    CHECK_ERR("value over 64 KiB", setxattr(f, "user.big", huge, sizeof huge, 0), E2BIG);
    CHECK_OK("value of 1000 bytes", setxattr(f, "user.big", huge, 1000, 0));
    check("its size", getxattr(f, "user.big", NULL, 0), 1000);
    CHECK_OK("remove it", removexattr(f, "user.big"));
    CHECK_ERR("missing file", setxattr("/tmp/gx_xattr_missing/x", "user.a", "x", 1, 0), ENOENT);

    CHECK_OK("setxattr through a symlink", setxattr(ln, "user.vialink", "1", 1, 0));
    check("lands on the file", getxattr(f, "user.vialink", buf, sizeof buf), 1);
    CHECK_ERR("lsetxattr user.* on a symlink", lsetxattr(ln, "user.x", "1", 1, 0), EPERM);
    CHECK_ERR("lgetxattr user.* on a symlink", lgetxattr(ln, "user.vialink", buf, sizeof buf), ENODATA);
    check("llistxattr of the symlink", llistxattr(ln, list, sizeof list), 0);
    check("lgetxattr of the file", lgetxattr(f, "user.vialink", buf, sizeof buf), 1);
    CHECK_OK("lremovexattr of the file", lremovexattr(f, "user.vialink"));

    link(f, h);
    check("a hard link shares them", getxattr(h, "user.a", buf, sizeof buf), 3);
    CHECK_OK("setxattr on a directory", setxattr(dir, "user.d", "dd", 2, 0));
    check("getxattr on a directory", getxattr(dir, "user.d", buf, sizeof buf), 2);

    int fd = open(f, O_RDWR);
    CHECK_OK("fsetxattr", fsetxattr(fd, "user.fd", "123", 3, 0));
    check("fgetxattr", fgetxattr(fd, "user.fd", buf, sizeof buf), 3);
    check("flistxattr", flistxattr(fd, list, sizeof list), 26);
    CHECK_OK("fremovexattr", fremovexattr(fd, "user.fd"));
    CHECK_ERR("fremovexattr again", fremovexattr(fd, "user.fd"), ENODATA);
    CHECK_ERR("removexattr missing", removexattr(f, "user.nothing"), ENODATA);
    CHECK_ERR("getxattr removed", getxattr(f, "user.fd", buf, sizeof buf), ENODATA);
    int op = open(f, O_PATH);
    CHECK_ERR("fgetxattr on O_PATH", fgetxattr(op, "user.a", buf, sizeof buf), EBADF);
    CHECK_ERR("fsetxattr bad fd", fsetxattr(1000, "user.a", "x", 1, 0), EBADF);
    int p[2];
    pipe(p);
    CHECK_ERR("fsetxattr user.* on a pipe", fsetxattr(p[1], "user.a", "x", 1, 0), EPERM);
    CHECK_ERR("fgetxattr user.* on a pipe", fgetxattr(p[0], "user.a", buf, sizeof buf), ENODATA);
    CHECK_ERR("setxattr user.* on /dev/null", setxattr("/dev/null", "user.a", "x", 1, 0), EPERM);
    CHECK_ERR("getxattr user.* in /proc", getxattr("/proc/self/status", "user.a", buf, sizeof buf), EOPNOTSUPP);

    close(fd);
    unlink(h);
    unlink(f);
    close(open(f, O_CREAT | O_WRONLY, 0644));
    check("a new file at the name has none", listxattr(f, list, sizeof list), 0);
    unlink(f);
    unlink(ln);
    rmdir(dir);
    return finish("xattr");
}
