/* sockets_unix.c — AF_UNIX sockets: socketpair SOCK_STREAM (send/recv,
 * MSG_PEEK, MSG_DONTWAIT -> EAGAIN, shutdown(SHUT_WR) -> EOF at the peer),
 * SOCK_DGRAM (message boundaries kept, MSG_TRUNC), SOCK_SEQPACKET;
 * sendmsg/recvmsg with an iovec; SCM_RIGHTS passing the fd of a temp file
 * to a forked child, which reads the file through it and answers;
 * SCM_CREDENTIALS with SO_PASSCRED; a named socket in the temp dir with
 * bind/listen/connect/accept and a forked client (getsockname path,
 * unnamed peer), EADDRINUSE and ECONNREFUSED/ENOENT errors; getsockopt
 * SO_TYPE/SO_DOMAIN. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
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
    case EAGAIN: return "EAGAIN";
    case EADDRINUSE: return "EADDRINUSE";
    case ECONNREFUSED: return "ECONNREFUSED";
    case ENOENT: return "ENOENT";
    case EPIPE: return "EPIPE";
    case ENOTCONN: return "ENOTCONN";
    default: return "other";
    }
}

static int send_fd(int sock, int fd, const char *msg)
{
    char cbuf[CMSG_SPACE(sizeof(int))];
    memset(cbuf, 0, sizeof cbuf);
    struct iovec iov = { (void *)msg, strlen(msg) };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &fd, sizeof(int));
    return sendmsg(sock, &mh, 0) == (ssize_t)strlen(msg) ? 0 : -1;
}

static int recv_fd(int sock, char *msg, size_t cap)
{
    char cbuf[CMSG_SPACE(sizeof(int))];
    struct iovec iov = { msg, cap - 1 };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
    ssize_t n = recvmsg(sock, &mh, 0);
    if (n < 0)
        return -1;
    msg[n] = 0;
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    if (!cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
        return -1;
    int fd;
    memcpy(&fd, CMSG_DATA(cm), sizeof fd);
    return fd;
}

int main(void)
{
    char buf[256];
    ssize_t n;
    int sv[2];

    /* ---- stream socketpair ---- */
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair(AF_UNIX, SOCK_STREAM)");
    n = send(sv[0], "ping", 4, 0);
    CHECK(n == 4, "send 4 bytes");
    n = recv(sv[1], buf, sizeof buf, MSG_PEEK);
    CHECK(n == 4 && memcmp(buf, "ping", 4) == 0, "MSG_PEEK sees \"ping\"");
    n = recv(sv[1], buf, sizeof buf, 0);
    CHECK(n == 4 && memcmp(buf, "ping", 4) == 0, "recv gets \"ping\" (peek did not consume)");
    errno = 0;
    CHECK(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT) == -1 && errno == EAGAIN, "MSG_DONTWAIT with nothing queued -> %s", ename(errno));
    send(sv[1], "pong", 4, 0);
    send(sv[1], "!!", 2, 0);
    n = recv(sv[0], buf, 6, MSG_WAITALL);
    CHECK(n == 6 && memcmp(buf, "pong!!", 6) == 0, "stream bytes in order: \"%.6s\"", buf);
    CHECK(shutdown(sv[0], SHUT_WR) == 0, "shutdown(SHUT_WR)");
    n = recv(sv[1], buf, sizeof buf, 0);
    CHECK(n == 0, "peer reads EOF after shutdown");
    n = send(sv[1], "back", 4, 0);
    CHECK(n == 4 && recv(sv[0], buf, sizeof buf, 0) == 4, "the other direction still works");
    int type = 0, dom = 0;
    socklen_t ol = sizeof type;
    getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &type, &ol);
    ol = sizeof dom;
    getsockopt(sv[0], SOL_SOCKET, SO_DOMAIN, &dom, &ol);
    CHECK(type == SOCK_STREAM && dom == AF_UNIX, "SO_TYPE=SOCK_STREAM SO_DOMAIN=AF_UNIX");
    close(sv[0]);
    close(sv[1]);

    /* ---- datagram socketpair ---- */
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    char big[100];
    memset(big, 'd', sizeof big);
    send(sv[0], "a", 1, 0);
    send(sv[0], big, 10, 0);
    send(sv[0], big, 100, 0);
    ssize_t l1 = recv(sv[1], buf, sizeof buf, 0), l2 = recv(sv[1], buf, sizeof buf, 0), l3 = recv(sv[1], buf, sizeof buf, 0);
    CHECK(l1 == 1 && l2 == 10 && l3 == 100, "dgram boundaries kept: %zd %zd %zd", l1, l2, l3);
    send(sv[0], big, 100, 0);
    n = recv(sv[1], buf, 30, MSG_TRUNC);
    CHECK(n == 100, "MSG_TRUNC on a 30-byte buffer returns the real length %zd", n);
    errno = 0;
    CHECK(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT) == -1 && errno == EAGAIN, "rest of the datagram discarded");
    /* scatter/gather */
    struct iovec out[3] = { { "abc", 3 }, { "defg", 4 }, { "h", 1 } };
    struct msghdr mh = { .msg_iov = out, .msg_iovlen = 3 };
    n = sendmsg(sv[0], &mh, 0);
    char p1[5] = { 0 }, p2[10] = { 0 };
    struct iovec in[2] = { { p1, 4 }, { p2, 9 } };
    struct msghdr rh = { .msg_iov = in, .msg_iovlen = 2 };
    ssize_t m = recvmsg(sv[1], &rh, 0);
    CHECK(n == 8 && m == 8 && strcmp(p1, "abcd") == 0 && strcmp(p2, "efgh") == 0, "sendmsg 3 iovecs -> recvmsg 2 iovecs: \"%s\" + \"%s\"", p1, p2);
    close(sv[0]);
    close(sv[1]);

    /* ---- seqpacket ---- */
    CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0, "socketpair(AF_UNIX, SOCK_SEQPACKET)");
    send(sv[0], "one", 3, 0);
    send(sv[0], "three", 5, 0);
    l1 = recv(sv[1], buf, sizeof buf, 0);
    l2 = recv(sv[1], buf, sizeof buf, 0);
    CHECK(l1 == 3 && l2 == 5, "seqpacket records: %zd %zd", l1, l2);
    close(sv[0]);
    n = recv(sv[1], buf, sizeof buf, 0);
    CHECK(n == 0, "seqpacket: EOF after the peer closed");
    close(sv[1]);

    /* ---- SCM_RIGHTS to a child ---- */
    char dir[] = "/tmp/gx_unix_XXXXXX", fpath[80], spath[80];
    if (!mkdtemp(dir))
        return 2;
    snprintf(fpath, sizeof fpath, "%s/secret", dir);
    int ffd = open(fpath, O_CREAT | O_RDWR | O_TRUNC, 0600);
    if (write(ffd, "contents passed by fd", 21) != 21)
        return 2;
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        char msg[64], data[64];
        int fd = recv_fd(sv[1], msg, sizeof msg);
        if (fd < 0)
            _exit(1);
        ssize_t k = pread(fd, data, sizeof data - 1, 0);
        if (k < 0)
            _exit(2);
        data[k] = 0;
        char reply[160];
        int len = snprintf(reply, sizeof reply, "msg=[%s] data=[%s]", msg, data);
        if (write(sv[1], reply, len) != len)
            _exit(3);
        _exit(0);
    }
    close(sv[1]);
    CHECK(send_fd(sv[0], ffd, "here is a file") == 0, "sendmsg with SCM_RIGHTS");
    n = read(sv[0], buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    int st;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child got the fd and read through it: %s", buf);
    close(sv[0]);
    /* passing to ourselves: the received fd is a new number for the same file */
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    send_fd(sv[0], ffd, "self");
    char msg[16];
    int got = recv_fd(sv[1], msg, sizeof msg);
    struct stat s1, s2;
    fstat(ffd, &s1);
    fstat(got, &s2);
    lseek(ffd, 3, SEEK_SET);
    CHECK(got >= 0 && got != ffd && s1.st_ino == s2.st_ino && lseek(got, 0, SEEK_CUR) == 3, "received fd: new number, same file, shared offset");
    close(got);

    /* SCM_CREDENTIALS */
    int on = 1;
    setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
    send(sv[0], "cred", 4, 0);
    char cbuf[CMSG_SPACE(sizeof(struct ucred))];
    struct iovec ci = { buf, sizeof buf };
    struct msghdr cmh = { .msg_iov = &ci, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
    n = recvmsg(sv[1], &cmh, 0);
    struct cmsghdr *cm = CMSG_FIRSTHDR(&cmh);
    struct ucred uc = { 0, 0, 0 };
    if (cm && cm->cmsg_type == SCM_CREDENTIALS)
        memcpy(&uc, CMSG_DATA(cm), sizeof uc);
    CHECK(n == 4 && cm && cm->cmsg_type == SCM_CREDENTIALS && uc.pid == getpid() && uc.uid == getuid() && uc.gid == getgid(),
          "SO_PASSCRED: SCM_CREDENTIALS carries our pid/uid/gid");
    close(sv[0]);
    close(sv[1]);
    close(ffd);
    unlink(fpath);

    /* ---- named socket: server here, client in a child ---- */
    snprintf(spath, sizeof spath, "%s/sock", dir);
    int srv = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    strcpy(addr.sun_path, spath);
    CHECK(bind(srv, (struct sockaddr *)&addr, sizeof addr) == 0, "bind to <tmp>/sock");
    struct stat sst;
    CHECK(stat(spath, &sst) == 0 && S_ISSOCK(sst.st_mode), "the path is now a socket file");
    CHECK(listen(srv, 4) == 0, "listen");
    struct sockaddr_un got_addr;
    socklen_t al = sizeof got_addr;
    getsockname(srv, (struct sockaddr *)&got_addr, &al);
    CHECK(strcmp(got_addr.sun_path, spath) == 0, "getsockname returns the bound path (basename %s)", strrchr(got_addr.sun_path, '/') + 1);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        close(srv);
        int c = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(c, (struct sockaddr *)&addr, sizeof addr) != 0)
            _exit(1);
        if (write(c, "hello from client", 17) != 17)
            _exit(2);
        char r[64];
        ssize_t k = read(c, r, sizeof r);
        _exit(k == 16 && memcmp(r, "HELLO FROM SERVER", 16) == 0 ? 0 : 3);
    }
    al = sizeof got_addr;
    memset(&got_addr, 0x55, sizeof got_addr);
    int conn = accept(srv, (struct sockaddr *)&got_addr, &al);
    CHECK(conn >= 0, "accept");
    CHECK(al == sizeof(sa_family_t), "peer address of an unbound client is unnamed (addrlen %u)", (unsigned)al);
    n = read(conn, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    CHECK(strcmp(buf, "hello from client") == 0, "server read \"%s\"", buf);
    write(conn, "HELLO FROM SERVER", 16);
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "client got the reply and exited 0");
    n = read(conn, buf, sizeof buf);
    CHECK(n == 0, "EOF after the client exited");
    close(conn);

    int dup_srv = socket(AF_UNIX, SOCK_STREAM, 0);
    errno = 0;
    CHECK(bind(dup_srv, (struct sockaddr *)&addr, sizeof addr) == -1 && errno == EADDRINUSE, "bind to an existing path -> %s", ename(errno));
    close(dup_srv);
    close(srv);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    errno = 0;
    CHECK(connect(c, (struct sockaddr *)&addr, sizeof addr) == -1 && errno == ECONNREFUSED, "connect after the server closed -> %s", ename(errno));
    close(c);
    unlink(spath);
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    errno = 0;
    CHECK(connect(c, (struct sockaddr *)&addr, sizeof addr) == -1 && errno == ENOENT, "connect to a missing path -> %s", ename(errno));
    errno = 0;
    CHECK(send(c, "x", 1, MSG_NOSIGNAL) == -1 && (errno == ENOTCONN || errno == EPIPE), "send on an unconnected stream socket fails");
    close(c);
    rmdir(dir);

    printf("sockets_unix: %d failures\n", failures);
    return failures ? 1 : 0;
}
