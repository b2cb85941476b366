/* inotify_wait.c — waiting for inotify events (inotify(7)): poll and epoll readiness
 * of an inotify descriptor, a blocking read woken by a child's write, IN_OPEN,
 * IN_ACCESS and IN_CLOSE_NOWRITE of a reader, IN_MASK_ADD and IN_MASK_CREATE (EEXIST,
 * EINVAL together), IN_ONLYDIR (ENOTDIR), IN_DONT_FOLLOW on a symlink, IN_MOVE_SELF,
 * events of a hard link and a truncate. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ltp.h"

static int ifd;

/* the masks (and names) of the queued events, as "MASK[ name];..." in hex */
static void expect(const char *what, const char *want)
{
    char buf[4096] __attribute__((aligned(8))), got[512] = "";
    ssize_t len = read(ifd, buf, sizeof buf);
    for (char *p = buf; len > 0 && p < buf + len;) {
        struct inotify_event *e = (struct inotify_event *)p;
        char one[64];
        snprintf(one, sizeof one, "%x%s%s;", e->mask, e->len ? " " : "", e->len ? e->name : "");
        strncat(got, one, sizeof got - strlen(got) - 1);
        p += sizeof *e + e->len;
    }
    if (strcmp(got, want) == 0) {
        printf("%s: ok\n", what);
    } else {
        printf("%s: FAIL got %s want %s\n", what, got, want);
        failures++;
    }
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    alarm(30);
    char dir[] = "/tmp/gx_inotify_wait_XXXXXX", f[300], l[300], h[300], g[300];
    if (!mkdtemp(dir))
        return 2;
    snprintf(f, sizeof f, "%s/f", dir);
    snprintf(l, sizeof l, "%s/l", dir);
    snprintf(h, sizeof h, "%s/h", dir);
    snprintf(g, sizeof g, "%s/g", dir);
    close(open(f, O_CREAT | O_WRONLY, 0644));
    write(open(f, O_WRONLY), "data", 4);
    symlink("f", l);
    ifd = inotify_init1(0);
    int dwd = inotify_add_watch(ifd, dir, IN_OPEN);
    check("IN_MASK_ADD keeps the wd", inotify_add_watch(ifd, dir, IN_ACCESS | IN_CLOSE_NOWRITE | IN_MASK_ADD), dwd);
    CHECK_ERR("IN_MASK_CREATE on a watched inode", inotify_add_watch(ifd, dir, IN_ACCESS | IN_MASK_CREATE), EEXIST);
    CHECK_ERR("IN_MASK_ADD with IN_MASK_CREATE", inotify_add_watch(ifd, dir, IN_ACCESS | IN_MASK_ADD | IN_MASK_CREATE), EINVAL);
    CHECK_ERR("IN_ONLYDIR on a file", inotify_add_watch(ifd, f, IN_ATTRIB | IN_ONLYDIR), ENOTDIR);
    int lwd = inotify_add_watch(ifd, l, IN_ATTRIB | IN_DONT_FOLLOW);
    int fwd = inotify_add_watch(ifd, f, IN_ATTRIB | IN_MOVE_SELF | IN_MODIFY);
    check("IN_DONT_FOLLOW watches the link itself", lwd >= 0 && lwd != fwd, 1);

    struct pollfd pfd = { ifd, POLLIN, 0 };
    check("poll: nothing yet", poll(&pfd, 1, 0), 0);
    char b[8];
    int fd = open(f, O_RDONLY);
    read(fd, b, 2);
    close(fd);
    check("poll: readable", poll(&pfd, 1, 0), 1);
    int ep = epoll_create1(0);
    struct epoll_event ee = { .events = EPOLLIN }, out;
    epoll_ctl(ep, EPOLL_CTL_ADD, ifd, &ee);
    check("epoll: readable", epoll_wait(ep, &out, 1, 0), 1);
    expect("a reader's open, access, close", "20 f;1 f;10 f;");
    check("epoll: drained", epoll_wait(ep, &out, 1, 0), 0);

    link(f, h);
    expect("a hard link: the inode's count", "4;");
    truncate(f, 1);
    expect("truncate", "2;");
    rename(f, g);
    expect("rename of the watched file", "800;");

    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        struct timespec d = { 0, 100000000 };
        nanosleep(&d, NULL);
        int w = open(g, O_WRONLY);
        write(w, "z", 1);
        close(w);
        _exit(0);
    }
    /* blocks until the child's open; a buffer for one event with its name takes
     * just that one */
    char buf[32] __attribute__((aligned(8)));
    ssize_t n = read(ifd, buf, sizeof buf);
    check("blocking read woken by the child", n, 32);
    waitpid(p, NULL, 0);
    /* the rest: the child's MODIFY on the file's own watch */
    struct inotify_event *e = (struct inotify_event *)buf;
    check("first event is the open in the directory", e->wd == dwd && (e->mask & IN_OPEN) != 0, 1);
    expect("then the modify", "2;");

    unlink(g);
    unlink(h);
    unlink(l);
    rmdir(dir);
    return finish("inotify_wait");
}
