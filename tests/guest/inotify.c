/* inotify.c — inotify in the style of the Linux Test Project's inotify tests
 * (inotify(7)): events for create, modify, close-write, attrib, the moved-from/
 * moved-to pair sharing one cookie, delete, mkdir (IN_ISDIR), delete-self followed
 * by IN_IGNORED, IN_IGNORED after inotify_rm_watch, IN_ONESHOT, one wd per inode,
 * FIONREAD, EAGAIN when empty, and ENOENT/EINVAL/EBADF failures. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ltp.h"

static int ifd;
static uint32_t cookies[8];
static int ncookies;

/* Reads every queued event and renders it as "NAME[ name];..." */
static void events(char *out, size_t n)
{
    char buf[4096] __attribute__((aligned(8)));
    out[0] = 0;
    ncookies = 0;
    ssize_t len = read(ifd, buf, sizeof buf);
    for (char *p = buf; len > 0 && p < buf + len;) {
        struct inotify_event *e = (struct inotify_event *)p;
        static const struct { uint32_t m; const char *s; } names[] = {
            { IN_CREATE, "CREATE" }, { IN_MODIFY, "MODIFY" }, { IN_CLOSE_WRITE, "CLOSE_WRITE" },
            { IN_CLOSE_NOWRITE, "CLOSE_NOWRITE" }, { IN_OPEN, "OPEN" }, { IN_ATTRIB, "ATTRIB" },
            { IN_MOVED_FROM, "MOVED_FROM" }, { IN_MOVED_TO, "MOVED_TO" }, { IN_DELETE, "DELETE" },
            { IN_DELETE_SELF, "DELETE_SELF" }, { IN_IGNORED, "IGNORED" }, { IN_ISDIR, "ISDIR" },
            { IN_ACCESS, "ACCESS" },
        };
        int first = 1;
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            if (e->mask & names[i].m) {
                if (!first)
                    strncat(out, "|", n - strlen(out) - 1);
                strncat(out, names[i].s, n - strlen(out) - 1);
                first = 0;
            }
        if (e->len) {
            strncat(out, " ", n - strlen(out) - 1);
            strncat(out, e->name, n - strlen(out) - 1);
        }
        strncat(out, ";", n - strlen(out) - 1);
        if (e->cookie && ncookies < 8)
            cookies[ncookies++] = e->cookie;
        p += sizeof *e + e->len;
    }
}

static void expect(const char *name, const char *want)
{
    char got[1024];
    events(got, sizeof got);
    if (strcmp(got, want) == 0) {
        printf("%s: ok\n", name);
    } else {
        printf("%s: FAIL got %s want %s\n", name, got, want);
        failures++;
    }
}

int main(void)
{
    char dir[] = "/tmp/gx_inotify_XXXXXX", p[256], q[256];
    setvbuf(stdout, NULL, _IOLBF, 0); /* partial output survives a hang or crash */
    alarm(30); /* a hang ends as SIGALRM (status 142), not as a runner timeout */
    if (!mkdtemp(dir))
        return 2;
    ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    check("inotify_init1", ifd >= 0, 1);
    check("FD_CLOEXEC", fcntl(ifd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    char b[64];
    CHECK_ERR("read empty", read(ifd, b, sizeof b), EAGAIN);
    uint32_t mask = IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE;
    int wd = inotify_add_watch(ifd, dir, mask);
    check("inotify_add_watch dir", wd >= 0, 1);
    check("same inode same wd", inotify_add_watch(ifd, dir, mask), wd);

    snprintf(p, sizeof p, "%s/a", dir);
    int fd = open(p, O_CREAT | O_WRONLY, 0644);
    expect("create", "CREATE a;");
    write(fd, "x", 1);
    int avail = 0;
    ioctl(ifd, FIONREAD, &avail);
    check("FIONREAD one event with name", avail >= (int)sizeof(struct inotify_event) + 2, 1);
    CHECK_ERR("read buffer below one event", read(ifd, b, 8), EINVAL);
    expect("modify", "MODIFY a;");
    close(fd);
    expect("close after write", "CLOSE_WRITE a;");
    chmod(p, 0600);
    expect("chmod", "ATTRIB a;");
    snprintf(q, sizeof q, "%s/b", dir);
    rename(p, q);
    expect("rename", "MOVED_FROM a;MOVED_TO b;");
    check("rename cookie shared and nonzero", ncookies == 2 && cookies[0] == cookies[1], 1);
    write(fd = open(q, O_WRONLY), "yy", 2);
    close(fd);
    expect("write twice coalesced", "MODIFY b;CLOSE_WRITE b;");
    snprintf(p, sizeof p, "%s/sub", dir);
    mkdir(p, 0755);
    expect("mkdir", "CREATE|ISDIR sub;");
    rmdir(p);
    expect("rmdir", "DELETE|ISDIR sub;");

    int fwd = inotify_add_watch(ifd, q, IN_DELETE_SELF | IN_ATTRIB);
    check("watch on file has its own wd", fwd >= 0 && fwd != wd, 1);
    unlink(q);
    /* the file's watch sees ATTRIB (link count), DELETE_SELF and IGNORED before the dir sees DELETE */
    expect("unlink watched file", "ATTRIB;DELETE_SELF;IGNORED;DELETE b;");
    CHECK_ERR("rm_watch of an ignored wd", inotify_rm_watch(ifd, fwd), EINVAL);

    snprintf(p, sizeof p, "%s/c", dir);
    close(open(p, O_CREAT | O_WRONLY, 0644));
    expect("create c", "CREATE c;CLOSE_WRITE c;");
    int owd = inotify_add_watch(ifd, p, IN_ATTRIB | IN_ONESHOT);
    chmod(p, 0600);
    chmod(p, 0644);
    expect("IN_ONESHOT fires once", "ATTRIB c;ATTRIB;IGNORED;ATTRIB c;");
    (void)owd;
    CHECK_OK("inotify_rm_watch dir", inotify_rm_watch(ifd, wd));
    expect("rm_watch queues IGNORED", "IGNORED;");
    unlink(p);
    expect("no events after rm_watch", "");

    snprintf(p, sizeof p, "%s/missing", dir);
    CHECK_ERR("add_watch missing path", inotify_add_watch(ifd, p, IN_ALL_EVENTS), ENOENT);
    CHECK_ERR("add_watch empty mask", inotify_add_watch(ifd, dir, 0), EINVAL);
    CHECK_ERR("add_watch on a non-inotify fd", inotify_add_watch(0, dir, IN_ALL_EVENTS), EINVAL);
    CHECK_ERR("add_watch bad fd", inotify_add_watch(1000, dir, IN_ALL_EVENTS), EBADF);
    CHECK_ERR("rm_watch unknown wd", inotify_rm_watch(ifd, 9999), EINVAL);
    CHECK_ERR("inotify_init1 bad flags", inotify_init1(0x1234), EINVAL);
    snprintf(p, sizeof p, "%s", dir);
    rmdir(dir);
    close(ifd);
    return finish("inotify");
}
