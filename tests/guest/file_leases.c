/* File leases and file owners: F_SETLEASE/F_GETLEASE with fs/locks.c's rules, a
 * conflicting open breaking the lease (the holder's SIGIO, EWOULDBLOCK for a
 * nonblocking opener, a blocking one let in by a downgrade), F_SETOWN_EX/F_GETOWN_EX,
 * F_SETSIG, F_SETLKW's EDEADLK; and what O_PATH descriptors, pipes and sockets
 * answer to fsync, sync_file_range, pwritev2, FIONREAD, fchown and mmap. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef FALLOC_FL_PUNCH_HOLE
#define FALLOC_FL_KEEP_SIZE 1
#define FALLOC_FL_PUNCH_HOLE 2
#endif
#ifndef FALLOC_FL_ZERO_RANGE
#define FALLOC_FL_ZERO_RANGE 0x10
#endif

/* The errno names printed (strerror's text differs between the libcs). */
static const char *errname(int e) {
    static const struct { int e; const char *n; } t[] = {
        { EAGAIN, "EAGAIN" }, { EINVAL, "EINVAL" }, { EBADF, "EBADF" }, { ESPIPE, "ESPIPE" },
        { ENOENT, "ENOENT" }, { EOPNOTSUPP, "EOPNOTSUPP" }, { EDEADLK, "EDEADLK" },
        { EACCES, "EACCES" }, { EPERM, "EPERM" }, { ENOSYS, "ENOSYS" },
    };
    for (unsigned i = 0; i < sizeof t / sizeof t[0]; i++)
        if (t[i].e == e)
            return t[i].n;
    return "other";
}

static void show(const char *what, long r) {
    if (r < 0)
        printf("%s: -1 %s\n", what, errname(errno));
    else
        printf("%s: %ld\n", what, r);
}

int main(void) {
    char dir[] = "/tmp/file_leases_XXXXXX", file[80], link[80];
    if (!mkdtemp(dir))
        return 2;
    snprintf(file, sizeof file, "%s/f", dir);
    snprintf(link, sizeof link, "%s/l", dir);
    close(open(file, O_CREAT | O_WRONLY, 0644));
    symlink("f", link);

    /* Read leases need a read-only open and no writers; write leases no other open. */
    int rd = open(file, O_RDONLY), rw = open(file, O_RDWR);
    show("rdlck on O_RDWR", fcntl(rw, F_SETLEASE, F_RDLCK));
    show("rdlck with a writer", fcntl(rd, F_SETLEASE, F_RDLCK));
    close(rw);
    show("rdlck", fcntl(rd, F_SETLEASE, F_RDLCK));
    show("getlease", fcntl(rd, F_GETLEASE));
    show("unlck", fcntl(rd, F_SETLEASE, F_UNLCK));
    show("unlck again", fcntl(rd, F_SETLEASE, F_UNLCK));
    show("bad type", fcntl(rd, F_SETLEASE, 7));
    int p[2];
    pipe(p);
    show("lease on a pipe", fcntl(p[0], F_SETLEASE, F_RDLCK));

    /* A write lease broken by an open: the holder gets SIGIO. */
    sigset_t io;
    sigemptyset(&io);
    sigaddset(&io, SIGIO);
    sigprocmask(SIG_BLOCK, &io, NULL);
    show("wrlck", fcntl(rd, F_SETLEASE, F_WRLCK));
    show("getown after lease", fcntl(rd, F_GETOWN) == getpid());
    show("nonblocking open", open(file, O_RDONLY | O_NONBLOCK));
    sigset_t pend;
    sigpending(&pend);
    show("SIGIO pending", sigismember(&pend, SIGIO));
    show("getlease while breaking", fcntl(rd, F_GETLEASE));
    pid_t c = fork();
    if (c == 0) {
        /* Blocks until the holder comes down to a read lease. */
        int fd = open(file, O_RDONLY);
        _exit(fd >= 0 ? 0 : 1);
    }
    int s = sigwaitinfo(&io, NULL);
    show("sigwaitinfo", s);
    show("downgrade", fcntl(rd, F_SETLEASE, F_RDLCK));
    int st;
    waitpid(c, &st, 0);
    show("reader let in", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    show("getlease after", fcntl(rd, F_GETLEASE));
    show("unlck", fcntl(rd, F_SETLEASE, F_UNLCK));

    /* Owners. */
    struct f_owner_ex ex = { F_OWNER_PGRP, getpgrp() }, got = { -1, -1 };
    show("setown_ex pgrp", fcntl(p[0], F_SETOWN_EX, &ex));
    show("getown", fcntl(p[0], F_GETOWN) == -getpgrp());
    show("getown_ex", fcntl(p[0], F_GETOWN_EX, &got));
    printf("type %d, pid is pgrp %d\n", got.type, got.pid == getpgrp());
    ex.type = 9;
    show("setown_ex bad type", fcntl(p[0], F_SETOWN_EX, &ex));
    show("setsig", fcntl(p[0], F_SETSIG, SIGUSR1));
    show("getsig", fcntl(p[0], F_GETSIG));

    /* Descriptors that cannot be synced, positioned or that only name a file. */
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    show("fsync pipe", fsync(p[1]));
    show("fdatasync socket", fdatasync(sv[0]));
    show("fsync file", fsync(rd));
    show("sync_file_range pipe", sync_file_range(p[1], 0, 1, 0));
    show("sync_file_range bad flags", sync_file_range(rd, 0, 1, 8));
    show("sync_file_range negative", sync_file_range(rd, -1, 1, 0));
    char b[4] = "abc";
    struct iovec iov = { b, 3 };
    show("pwritev2 read end", pwritev2(p[0], &iov, 1, 0, 0));
    write(p[1], b, 3);
    int n = -1;
    show("FIONREAD write end", ioctl(p[1], FIONREAD, &n));
    printf("queued %d\n", n);
    int op = open(file, O_PATH);
    /* The syscall itself: musl's fchown retries an EBADF through /proc/self/fd. */
    show("fchown O_PATH", syscall(SYS_fchown, op, getuid(), getgid()));
    show("mmap O_PATH", mmap(NULL, 4096, PROT_READ, MAP_SHARED, op, 0) == MAP_FAILED ? -1 : 0);
    show("fsync O_PATH", fsync(op));
    int ol = open(link, O_PATH | O_NOFOLLOW);
    char t[16] = { 0 };
    show("readlinkat empty", readlinkat(ol, "", t, sizeof t));
    printf("target %s\n", t);
    show("readlinkat empty on a file", readlinkat(op, "", t, sizeof t));
    char fdp[64];
    snprintf(fdp, sizeof fdp, "/proc/self/fd/%d", ol);
    show("chmod of an O_PATH symlink", chmod(fdp, 0));
    show("fallocate hole without keep_size", fallocate(rd, FALLOC_FL_PUNCH_HOLE, 0, 1));
    show("fallocate punch and zero", fallocate(rd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, 0, 1));
    show("fallocate unknown mode", fallocate(rd, 0x1000, 0, 1));

    /* F_SETLKW that would wait for a process waiting for the caller. */
    int lk = open(file, O_RDWR);
    struct flock a = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1 };
    struct flock bl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 1, .l_len = 1 };
    fcntl(lk, F_SETLK, &a);
    int go[2];
    pipe(go);
    c = fork();
    if (c == 0) {
        fcntl(lk, F_SETLK, &bl);
        write(go[1], "x", 1);
        /* Waits for the parent's byte 0 until the parent gives up. */
        int r = fcntl(lk, F_SETLKW, &a);
        _exit(r == 0 ? 0 : 1);
    }
    char x;
    read(go[0], &x, 1);
    /* Wait until the child sleeps in its F_SETLKW (its next and only wait). */
    char sp[64], stat[256];
    snprintf(sp, sizeof sp, "/proc/%d/stat", c);
    for (;;) {
        int sf = open(sp, O_RDONLY);
        ssize_t k = read(sf, stat, sizeof stat - 1);
        close(sf);
        stat[k > 0 ? k : 0] = 0;
        char *e = strrchr(stat, ')');
        if (e && e[2] == 'S')
            break;
        usleep(1000);
    }
    int r = fcntl(lk, F_SETLKW, &bl);
    show("setlkw deadlock", r);
    a.l_type = F_UNLCK;
    fcntl(lk, F_SETLK, &a);
    waitpid(c, &st, 0);
    show("child got its lock", WIFEXITED(st) ? WEXITSTATUS(st) : -1);

    unlink(link);
    unlink(file);
    rmdir(dir);
    return 0;
}
