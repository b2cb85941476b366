/* epoll.c — epoll_create1/epoll_ctl/epoll_wait/epoll_pwait on pipes and an
 * eventfd: nothing ready with timeout 0, level-triggered readiness repeats
 * until drained, edge-triggered reports once per new write, EPOLLONESHOT
 * disables until EPOLL_CTL_MOD, user data (u64) comes back, several ready
 * fds (sorted by data before printing), maxevents smaller than the ready
 * count, EPOLLHUP/EPOLLERR, EPOLL_CTL_DEL, errors (EEXIST, ENOENT, EINVAL,
 * EBADF, EPERM for a regular file), a blocking wait woken by a child, an
 * epoll fd nested in another, and epoll_pwait with a signal mask. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;
/* CHECK(cond, fmt, ...): print "ok"/"FAIL" and the message; errno as left
 * by cond is preserved for the message arguments. */
#define CHECK(cond, ...) do { int c_ = (cond); int e_ = errno; \
    printf("%s ", c_ ? "ok  " : "FAIL"); errno = e_; \
    printf(__VA_ARGS__); printf("\n"); if (!c_) failures++; } while (0)

static const char *ename(int e)
{
    switch (e) {
    case 0: return "0";
    case EEXIST: return "EEXIST";
    case ENOENT: return "ENOENT";
    case EINVAL: return "EINVAL";
    case EBADF: return "EBADF";
    case EPERM: return "EPERM";
    case EINTR: return "EINTR";
    default: return "other";
    }
}

static const char *evs(uint32_t e)
{
    static char buf[8][64];
    static int k;
    char *b = buf[k++ & 7];
    b[0] = 0;
    if (e & EPOLLIN) strcat(b, "IN|");
    if (e & EPOLLOUT) strcat(b, "OUT|");
    if (e & EPOLLERR) strcat(b, "ERR|");
    if (e & EPOLLHUP) strcat(b, "HUP|");
    if (!b[0]) strcpy(b, "0|");
    b[strlen(b) - 1] = 0;
    return b;
}

/* wait with timeout 0 and describe the result as "data:events ..." sorted by data */
static const char *snap(int ep, int max)
{
    static char out[256];
    struct epoll_event e[16];
    int n = epoll_wait(ep, e, max, 0);
    if (n < 0)
        return "error";
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (e[j].data.u64 < e[i].data.u64) {
                struct epoll_event t = e[i];
                e[i] = e[j];
                e[j] = t;
            }
    snprintf(out, sizeof out, "%d", n);
    for (int i = 0; i < n; i++)
        snprintf(out + strlen(out), sizeof out - strlen(out), " %llu:%s", (unsigned long long)e[i].data.u64, evs(e[i].events));
    return out;
}

static int add(int ep, int fd, uint32_t events, uint64_t data)
{
    struct epoll_event e = { .events = events, .data.u64 = data };
    return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
}

static volatile sig_atomic_t got_usr1;
static void on_usr1(int s) { (void)s; got_usr1 = 1; }

int main(void)
{
    int ep = epoll_create1(EPOLL_CLOEXEC);
    CHECK(ep >= 0 && (fcntl(ep, F_GETFD) & FD_CLOEXEC), "epoll_create1(EPOLL_CLOEXEC)");
    int lt[2], et[2], os[2];
    pipe(lt);
    pipe(et);
    pipe(os);
    int efd = eventfd(0, EFD_NONBLOCK);
    CHECK(add(ep, lt[0], EPOLLIN, 111) == 0 && add(ep, efd, EPOLLIN, 222) == 0, "add level-triggered pipe (data 111) and eventfd (data 222)");
    CHECK(add(ep, et[0], EPOLLIN | EPOLLET, 333) == 0, "add edge-triggered pipe (data 333)");
    CHECK(add(ep, os[0], EPOLLIN | EPOLLONESHOT, 444) == 0, "add oneshot pipe (data 444)");

    const char *s = snap(ep, 16);
    CHECK(strcmp(s, "0") == 0, "nothing ready: %s", s);

    /* level-triggered */
    write(lt[1], "ab", 2);
    s = snap(ep, 16);
    CHECK(strcmp(s, "1 111:IN") == 0, "after write to LT pipe: %s", s);
    s = snap(ep, 16);
    CHECK(strcmp(s, "1 111:IN") == 0, "LT: still ready without reading: %s", s);
    char buf[64];
    read(lt[0], buf, 1);
    s = snap(ep, 16);
    CHECK(strcmp(s, "1 111:IN") == 0, "LT: one byte left, still ready: %s", s);
    read(lt[0], buf, 1);
    s = snap(ep, 16);
    CHECK(strcmp(s, "0") == 0, "LT: drained, not ready: %s", s);

    /* edge-triggered */
    write(et[1], "x", 1);
    s = snap(ep, 16);
    CHECK(strcmp(s, "1 333:IN") == 0, "ET: first write reported: %s", s);
    s = snap(ep, 16);
    CHECK(strcmp(s, "0") == 0, "ET: not reported again while unread: %s", s);
    write(et[1], "y", 1);
    s = snap(ep, 16);
    CHECK(strcmp(s, "1 333:IN") == 0, "ET: a new write reports again: %s", s);
    read(et[0], buf, sizeof buf);

    /* oneshot */
    write(os[1], "o", 1);
    s = snap(ep, 16);
    CHECK(strcmp(s, "1 444:IN") == 0, "ONESHOT: reported once: %s", s);
    write(os[1], "o", 1);
    s = snap(ep, 16);
    CHECK(strcmp(s, "0") == 0, "ONESHOT: disabled afterwards: %s", s);
    struct epoll_event me = { .events = EPOLLIN | EPOLLONESHOT, .data.u64 = 445 };
    CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, os[0], &me) == 0, "EPOLL_CTL_MOD re-arms it with data 445");
    s = snap(ep, 16);
    CHECK(strcmp(s, "1 445:IN") == 0, "ONESHOT: re-armed: %s", s);

    /* eventfd and several ready at once */
    uint64_t one = 1;
    write(efd, &one, 8);
    write(lt[1], "c", 1);
    s = snap(ep, 16);
    CHECK(strcmp(s, "2 111:IN 222:IN") == 0, "pipe and eventfd ready: %s", s);
    s = snap(ep, 1);
    CHECK(s[0] == '1', "maxevents 1 with 2 ready returns 1");
    uint64_t v;
    read(efd, &v, 8);
    read(lt[0], buf, sizeof buf);
    s = snap(ep, 16);
    CHECK(strcmp(s, "0") == 0, "all drained: %s", s);

    /* EPOLLOUT and HUP/ERR */
    int wp[2];
    pipe(wp);
    CHECK(add(ep, wp[1], EPOLLOUT, 555) == 0, "add a write end for EPOLLOUT (data 555)");
    s = snap(ep, 16);
    CHECK(strcmp(s, "1 555:OUT") == 0, "write end writable: %s", s);
    close(wp[0]);
    s = snap(ep, 16);
    CHECK(strcmp(s, "1 555:OUT|ERR") == 0, "reader closed: %s", s);
    CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, wp[1], NULL) == 0, "EPOLL_CTL_DEL");
    close(wp[1]);
    close(lt[1]);
    s = snap(ep, 16);
    CHECK(strcmp(s, "1 111:HUP") == 0, "LT pipe's writer closed: %s", s);
    epoll_ctl(ep, EPOLL_CTL_DEL, lt[0], NULL);

    /* errors */
    errno = 0;
    CHECK(add(ep, et[0], EPOLLIN, 1) == -1 && errno == EEXIST, "ADD twice -> %s", ename(errno));
    errno = 0;
    CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, lt[0], &me) == -1 && errno == ENOENT, "MOD of a removed fd -> %s", ename(errno));
    errno = 0;
    CHECK(add(ep, ep, EPOLLIN, 1) == -1 && errno == EINVAL, "ADD the epoll fd to itself -> %s", ename(errno));
    errno = 0;
    CHECK(add(ep, 999, EPOLLIN, 1) == -1 && errno == EBADF, "ADD a closed fd -> %s", ename(errno));
    char tmpl[] = "/tmp/gx_epoll_XXXXXX";
    int tf = mkstemp(tmpl);
    unlink(tmpl);
    errno = 0;
    CHECK(add(ep, tf, EPOLLIN, 1) == -1 && errno == EPERM, "ADD a regular file -> %s", ename(errno));
    close(tf);
    struct epoll_event e1;
    errno = 0;
    CHECK(epoll_wait(ep, &e1, 0, 0) == -1 && errno == EINVAL, "epoll_wait maxevents 0 -> %s", ename(errno));

    /* nested epoll */
    int outer = epoll_create1(0);
    CHECK(add(outer, ep, EPOLLIN, 777) == 0, "an epoll fd inside another epoll");
    s = snap(outer, 16);
    CHECK(strcmp(s, "0") == 0, "outer: inner has nothing ready: %s", s);
    write(et[1], "n", 1);
    s = snap(outer, 16);
    CHECK(strcmp(s, "1 777:IN") == 0, "outer: inner became ready: %s", s);
    read(et[0], buf, sizeof buf);
    close(outer);

    /* blocking wait woken by a child */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        usleep(20000);
        write(et[1], "late", 4);
        _exit(0);
    }
    struct epoll_event got;
    int n = epoll_wait(ep, &got, 1, 5000);
    CHECK(n == 1 && got.data.u64 == 333, "blocking epoll_wait woken by the child: data %llu", (unsigned long long)got.data.u64);
    waitpid(pid, NULL, 0);
    read(et[0], buf, sizeof buf);

    /* epoll_pwait with a mask that unblocks a pending signal */
    signal(SIGUSR1, on_usr1);
    sigset_t block, empty;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, NULL);
    raise(SIGUSR1);
    sigemptyset(&empty);
    errno = 0;
    n = epoll_pwait(ep, &got, 1, 2000, &empty);
    CHECK(n == -1 && errno == EINTR && got_usr1, "epoll_pwait with empty mask: -1 %s, handler ran", ename(errno));
    n = epoll_wait(ep, &got, 1, 20);
    CHECK(n == 0, "epoll_wait 20ms timeout -> 0");

    close(ep);
    printf("epoll: %d failures\n", failures);
    return failures ? 1 : 0;
}
