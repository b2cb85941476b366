/* dup_fcntl.c — descriptor duplication and fcntl: dup (lowest free fd,
 * shared offset), dup2 (onto an open fd, same fd), dup3 (O_CLOEXEC, EINVAL
 * for equal fds), F_DUPFD/F_DUPFD_CLOEXEC minimum fd, F_GETFD/F_SETFD,
 * F_GETFL/F_SETFL (access mode, O_NONBLOCK, O_APPEND), EBADF; record locks
 * with F_SETLK/F_GETLK between parent and a forked child (conflicting
 * F_WRLCK reported with the owner pid, non-overlapping ranges free, unlock),
 * OFD locks, and flock(LOCK_EX|LOCK_NB) -> EWOULDBLOCK. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
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
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
    case EAGAIN: return "EAGAIN";
    case EACCES: return "EACCES";
    default: return "other";
    }
}

static const char *ltype(int t)
{
    return t == F_RDLCK ? "F_RDLCK" : t == F_WRLCK ? "F_WRLCK" : t == F_UNLCK ? "F_UNLCK" : "?";
}

static int getlk(int fd, int cmd, int type, off_t start, off_t len, struct flock *out)
{
    memset(out, 0, sizeof *out);
    out->l_type = type;
    out->l_whence = SEEK_SET;
    out->l_start = start;
    out->l_len = len;
    return fcntl(fd, cmd, out);
}

int main(void)
{
    char dir[] = "/tmp/gx_dup_XXXXXX", path[64], buf[64];
    if (!mkdtemp(dir))
        return 2;
    snprintf(path, sizeof path, "%s/f", dir);
    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
    if (fd < 0 || write(fd, "0123456789abcdefghij", 20) != 20)
        return 2;

    /* dup: lowest free descriptor, shared file offset */
    int lowest = fcntl(0, F_DUPFD, 0); /* what the next dup should return */
    close(lowest);
    int d = dup(fd);
    CHECK(d == lowest, "dup returns the lowest free fd");
    lseek(fd, 5, SEEK_SET);
    CHECK(lseek(d, 0, SEEK_CUR) == 5, "dup'd fd shares the file offset (5)");
    ssize_t n = read(d, buf, 3);
    CHECK(n == 3 && lseek(fd, 0, SEEK_CUR) == 8, "read via dup advances the original to %lld", (long long)lseek(fd, 0, SEEK_CUR));
    CHECK((fcntl(d, F_GETFD) & FD_CLOEXEC) == 0, "dup clears FD_CLOEXEC");

    /* dup2 */
    int r = dup2(fd, 10);
    CHECK(r == 10, "dup2(fd, 10) -> %d", r);
    int other = open("/dev/null", O_RDONLY);
    r = dup2(fd, other);
    lseek(fd, 2, SEEK_SET);
    CHECK(r == other && lseek(other, 0, SEEK_CUR) == 2, "dup2 onto an open fd silently replaces it");
    r = dup2(fd, fd);
    CHECK(r == fd, "dup2(fd, fd) -> fd");
    errno = 0;
    CHECK(dup2(999, 11) == -1 && errno == EBADF, "dup2 from a closed fd -> %s", ename(errno));

    /* dup3 */
    r = dup3(fd, 11, O_CLOEXEC);
    CHECK(r == 11 && (fcntl(11, F_GETFD) & FD_CLOEXEC), "dup3(fd, 11, O_CLOEXEC) sets FD_CLOEXEC");
    errno = 0;
    CHECK(dup3(fd, fd, 0) == -1 && errno == EINVAL, "dup3(fd, fd) -> %s", ename(errno));
    errno = 0;
    CHECK(dup3(fd, 12, O_NONBLOCK) == -1 && errno == EINVAL, "dup3 with a bad flag -> %s", ename(errno));

    /* F_DUPFD / F_DUPFD_CLOEXEC (first make sure no inherited fd sits on
     * the numbers expected below) */
    for (int i = 20; i <= 31; i++)
        close(i);
    r = fcntl(fd, F_DUPFD, 20);
    CHECK(r == 20, "F_DUPFD min 20 -> %d", r);
    r = fcntl(fd, F_DUPFD, 20);
    CHECK(r == 21, "F_DUPFD min 20 again -> %d", r);
    r = fcntl(fd, F_DUPFD_CLOEXEC, 30);
    CHECK(r == 30 && fcntl(30, F_GETFD) == FD_CLOEXEC, "F_DUPFD_CLOEXEC min 30 -> %d with FD_CLOEXEC", r);

    /* F_GETFD / F_SETFD */
    CHECK(fcntl(20, F_SETFD, FD_CLOEXEC) == 0 && fcntl(20, F_GETFD) == FD_CLOEXEC, "F_SETFD FD_CLOEXEC then F_GETFD");
    CHECK(fcntl(20, F_SETFD, 0) == 0 && fcntl(20, F_GETFD) == 0, "F_SETFD 0 clears it");
    CHECK(fcntl(21, F_GETFD) == 0, "flag is per descriptor: fd 21 unaffected");

    /* F_GETFL / F_SETFL (file status flags are shared by dups) */
    int fl = fcntl(fd, F_GETFL);
    CHECK((fl & O_ACCMODE) == O_RDWR && !(fl & O_NONBLOCK), "F_GETFL: O_RDWR, blocking");
    CHECK(fcntl(fd, F_SETFL, fl | O_NONBLOCK | O_APPEND) == 0, "F_SETFL O_NONBLOCK|O_APPEND");
    fl = fcntl(d, F_GETFL);
    CHECK((fl & O_NONBLOCK) && (fl & O_APPEND), "dup'd fd sees O_NONBLOCK|O_APPEND (shared open file description)");
    CHECK(fcntl(fd, F_SETFL, O_RDONLY) == 0 && (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR, "F_SETFL cannot change the access mode");
    int ro = open(path, O_RDONLY);
    CHECK((fcntl(ro, F_GETFL) & O_ACCMODE) == O_RDONLY, "separate open: O_RDONLY");
    errno = 0;
    CHECK(fcntl(999, F_GETFD) == -1 && errno == EBADF, "F_GETFD on a closed fd -> %s", ename(errno));

    /* record locks: parent holds a write lock on [0,10) and a read lock on [20,30) */
    struct flock fk;
    CHECK(getlk(fd, F_SETLK, F_WRLCK, 0, 10, &fk) == 0, "parent F_SETLK F_WRLCK [0,10)");
    CHECK(getlk(fd, F_SETLK, F_RDLCK, 20, 10, &fk) == 0, "parent F_SETLK F_RDLCK [20,30)");
    CHECK(getlk(fd, F_GETLK, F_WRLCK, 0, 10, &fk) == 0 && fk.l_type == F_UNLCK, "parent's own F_GETLK -> %s (own locks never conflict)", ltype(fk.l_type));
    int c2p[2], p2c[2];
    if (pipe(c2p) != 0 || pipe(p2c) != 0)
        return 2;
    pid_t parent = getpid();
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        /* child: results go back as text over c2p */
        char out[600];
        int len = 0;
        struct flock c;
        int rfd = open(path, O_RDWR);
        getlk(rfd, F_GETLK, F_WRLCK, 5, 1, &c);
        len += snprintf(out + len, sizeof out - len, "       GETLK [5,6) wr: %s start=%lld len=%lld l_pid is parent: %s\n",
                        ltype(c.l_type), (long long)c.l_start, (long long)c.l_len, c.l_pid == parent ? "yes" : "no");
        getlk(rfd, F_GETLK, F_WRLCK, 10, 5, &c);
        len += snprintf(out + len, sizeof out - len, "       GETLK [10,15) wr: %s\n", ltype(c.l_type));
        getlk(rfd, F_GETLK, F_RDLCK, 25, 1, &c);
        len += snprintf(out + len, sizeof out - len, "       GETLK [25,26) rd: %s (read locks share)\n", ltype(c.l_type));
        getlk(rfd, F_GETLK, F_WRLCK, 25, 1, &c);
        len += snprintf(out + len, sizeof out - len, "       GETLK [25,26) wr: %s\n", ltype(c.l_type));
        errno = 0;
        int rc = getlk(rfd, F_SETLK, F_WRLCK, 0, 1, &c);
        len += snprintf(out + len, sizeof out - len, "       SETLK [0,1) wr: %d %s\n", rc, ename(errno));
        rc = getlk(rfd, F_SETLK, F_WRLCK, 10, 10, &c);
        len += snprintf(out + len, sizeof out - len, "       SETLK [10,20) wr: %d\n", rc);
        rc = getlk(rfd, F_SETLK, F_RDLCK, 20, 5, &c);
        len += snprintf(out + len, sizeof out - len, "       SETLK [20,25) rd: %d\n", rc);
        /* tell the parent we are done checking, then block on its lock */
        if (write(c2p[1], "c", 1) != 1)
            _exit(1);
        char go;
        if (read(p2c[0], &go, 1) != 1)
            _exit(1);
        rc = getlk(rfd, F_SETLKW, F_WRLCK, 0, 10, &c);
        len += snprintf(out + len, sizeof out - len, "       SETLKW [0,10) wr (blocks until the parent unlocks): %d\n", rc);
        if (write(c2p[1], out, len) != len)
            _exit(1);
        _exit(0);
    }
    char ack;
    if (read(c2p[0], &ack, 1) != 1)
        return 2;
    if (write(p2c[1], "g", 1) != 1)
        return 2;
    usleep(20000); /* the child is (very likely) blocked in F_SETLKW now */
    CHECK(getlk(fd, F_SETLK, F_UNLCK, 0, 10, &fk) == 0, "parent unlocks [0,10)");
    int status;
    waitpid(pid, &status, 0);
    char out[600];
    n = read(c2p[0], out, sizeof out - 1);
    out[n > 0 ? n : 0] = 0;
    printf("     child reported:\n%s", out);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "lock child exited 0");
    CHECK(getlk(fd, F_GETLK, F_WRLCK, 0, 100, &fk) == 0 && fk.l_type == F_UNLCK, "child's locks released when it exited");
    close(c2p[0]); close(c2p[1]); close(p2c[0]); close(p2c[1]);

    /* OFD locks belong to the open file description: two opens conflict
     * even inside one process */
    int o1 = open(path, O_RDWR), o2 = open(path, O_RDWR);
    CHECK(getlk(o1, F_OFD_SETLK, F_WRLCK, 0, 5, &fk) == 0, "F_OFD_SETLK wr [0,5) on open #1");
    errno = 0;
    CHECK(getlk(o2, F_OFD_SETLK, F_WRLCK, 2, 1, &fk) == -1 && (errno == EAGAIN), "F_OFD_SETLK wr [2,3) on open #2 -> %s", ename(errno));
    CHECK(getlk(o2, F_OFD_GETLK, F_RDLCK, 0, 1, &fk) == 0 && fk.l_type == F_WRLCK && fk.l_pid == -1,
          "F_OFD_GETLK on open #2 -> %s, l_pid -1", ltype(fk.l_type));
    close(o1);
    CHECK(getlk(o2, F_OFD_SETLK, F_WRLCK, 2, 1, &fk) == 0, "after closing open #1 the range is free");
    close(o2);

    /* flock: also per open file description */
    int f1 = open(path, O_RDONLY), f2 = open(path, O_RDONLY);
    CHECK(flock(f1, LOCK_EX) == 0, "flock LOCK_EX on open #1");
    errno = 0;
    CHECK(flock(f2, LOCK_EX | LOCK_NB) == -1 && errno == EWOULDBLOCK, "flock LOCK_EX|LOCK_NB on open #2 -> EWOULDBLOCK");
    CHECK(flock(f2, LOCK_SH | LOCK_NB) == -1 && errno == EWOULDBLOCK, "flock LOCK_SH|LOCK_NB on open #2 -> EWOULDBLOCK");
    int f3 = dup(f1);
    CHECK(flock(f3, LOCK_EX | LOCK_NB) == 0, "a dup of open #1 shares its flock");
    CHECK(flock(f1, LOCK_UN) == 0 && flock(f2, LOCK_SH | LOCK_NB) == 0, "after LOCK_UN, open #2 gets LOCK_SH");
    close(f1); close(f2); close(f3);

    close(ro);
    for (int i = 3; i < 40; i++)
        if (i != fd)
            close(i);
    close(fd);
    unlink(path);
    rmdir(dir);
    printf("dup_fcntl: %d failures\n", failures);
    return failures ? 1 : 0;
}
