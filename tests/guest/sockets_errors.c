/* sockets_errors.c — the errors of the socket calls in Linux's order, and the
 * socket ioctls: socket/socketpair with a bad type, flags, family or protocol
 * (EINVAL before EAFNOSUPPORT/EPROTONOSUPPORT/ESOCKTNOSUPPORT, socketpair of
 * AF_INET EOPNOTSUPP after the protocol's own check); a second connect of a
 * connected TCP socket (EISCONN); bind of a port below 1024 without
 * CAP_NET_BIND_SERVICE (EACCES, after the address checks); MSG_ERRQUEUE with
 * an empty error queue (EAGAIN at once, recv/recvfrom/recvmsg); recvmsg with a
 * negative msg_namelen or MSG_CMSG_COMPAT (EINVAL); recvfrom with a negative
 * address length (EINVAL), a TCP one stores length 0; recvfrom with a bad
 * source address (TCP and AF_UNIX stream: works); SIOCATMARK (TCP: 0, NULL:
 * EFAULT, UDP: ENOTTY, not a socket: ENOTTY); SIOCGIFCONF (lo is listed, a
 * NULL buffer gives the length of one or more ifreqs); SIOCGIFFLAGS,
 * SIOCGIFINDEX and SIOCGIFNAME of lo, ENODEV for an unknown name, EFAULT for
 * a NULL ifreq. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MSG_CMSG_COMPAT
#define MSG_CMSG_COMPAT 0x80000000
#endif

static int failures;
#define CHECK(cond, ...) do { int c_ = (cond); int e_ = errno; \
    printf("%s ", c_ ? "ok  " : "FAIL"); errno = e_; \
    printf(__VA_ARGS__); printf("\n"); if (!c_) failures++; } while (0)
/* FAILS(call, e): the call returned -1 with errno e. */
#define FAILS(call, e) ((errno = 0), (call) == -1 && errno == (e))

static int sock_errno(int d, int t, int p)
{
    errno = 0;
    int fd = socket(d, t, p);
    if (fd >= 0) {
        close(fd);
        return 0;
    }
    return errno;
}

static int pair_errno(int d, int t, int p)
{
    int sv[2];
    errno = 0;
    if (socketpair(d, t, p, sv) == 0) {
        close(sv[0]);
        close(sv[1]);
        return 0;
    }
    return errno;
}

/* A listening TCP socket on 127.0.0.1 and a client connected to it (blocking). */
static int tcp_pair(int *lfd, int *cfd, int *afd)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t l = sizeof a;
    *lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (*lfd < 0 || bind(*lfd, (void *)&a, sizeof a) || listen(*lfd, 4) || getsockname(*lfd, (void *)&a, &l))
        return -1;
    *cfd = socket(AF_INET, SOCK_STREAM, 0);
    if (*cfd < 0 || connect(*cfd, (void *)&a, sizeof a))
        return -1;
    *afd = accept(*lfd, NULL, NULL);
    return *afd < 0 ? -1 : 0;
}

static void creation(void)
{
    CHECK(sock_errno(AF_INET, 75, 0) == EINVAL, "socket(AF_INET, 75): EINVAL");
    CHECK(sock_errno(AF_INET, 12, 0) == EINVAL, "socket(AF_INET, 12 > SOCK_PACKET): EINVAL");
    CHECK(sock_errno(0, SOCK_STREAM, 0) == EAFNOSUPPORT, "socket(AF_UNSPEC): EAFNOSUPPORT");
    CHECK(sock_errno(1000, 11, 0) == EAFNOSUPPORT, "socket(1000, 11): EAFNOSUPPORT (the family first)");
    CHECK(sock_errno(1000, SOCK_STREAM, 0) == EAFNOSUPPORT, "socket(1000, SOCK_STREAM): EAFNOSUPPORT");
    CHECK(sock_errno(AF_INET, SOCK_RAW, 0) == EPROTONOSUPPORT, "socket(AF_INET, SOCK_RAW, 0): EPROTONOSUPPORT");
    CHECK(sock_errno(AF_INET, SOCK_STREAM, IPPROTO_UDP) == EPROTONOSUPPORT, "socket(AF_INET, SOCK_STREAM, UDP): EPROTONOSUPPORT");
    CHECK(sock_errno(AF_INET, SOCK_DGRAM, IPPROTO_TCP) == EPROTONOSUPPORT, "socket(AF_INET, SOCK_DGRAM, TCP): EPROTONOSUPPORT");
    CHECK(sock_errno(AF_INET, SOCK_SEQPACKET, 0) == ESOCKTNOSUPPORT, "socket(AF_INET, SOCK_SEQPACKET): ESOCKTNOSUPPORT");
    CHECK(sock_errno(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0) == 0, "socket(AF_INET, SOCK_STREAM|CLOEXEC|NONBLOCK) works");
    CHECK(pair_errno(0, SOCK_STREAM, 0) == EAFNOSUPPORT, "socketpair(AF_UNSPEC): EAFNOSUPPORT");
    CHECK(pair_errno(AF_INET, 75, 0) == EINVAL, "socketpair(AF_INET, 75): EINVAL");
    CHECK(pair_errno(AF_INET, SOCK_RAW, 0) == EPROTONOSUPPORT, "socketpair(AF_INET, SOCK_RAW, 0): EPROTONOSUPPORT");
    CHECK(pair_errno(AF_INET, SOCK_DGRAM, IPPROTO_UDP) == EOPNOTSUPP, "socketpair(AF_INET, SOCK_DGRAM, UDP): EOPNOTSUPP");
    CHECK(pair_errno(AF_INET, SOCK_DGRAM, IPPROTO_TCP) == EPROTONOSUPPORT, "socketpair(AF_INET, SOCK_DGRAM, TCP): EPROTONOSUPPORT");
    CHECK(pair_errno(AF_INET, SOCK_STREAM, IPPROTO_TCP) == EOPNOTSUPP, "socketpair(AF_INET, SOCK_STREAM, TCP): EOPNOTSUPP");
    CHECK(pair_errno(AF_INET, SOCK_STREAM, 1) == EPROTONOSUPPORT, "socketpair(AF_INET, SOCK_STREAM, ICMP): EPROTONOSUPPORT");
    CHECK(pair_errno(AF_UNIX, SOCK_DGRAM, 0) == 0, "socketpair(AF_UNIX, SOCK_DGRAM) works");
}

static void connected(void)
{
    int lfd, cfd, afd;
    if (tcp_pair(&lfd, &cfd, &afd)) {
        CHECK(0, "TCP pair on loopback: %s", strerror(errno));
        return;
    }
    struct sockaddr_in a;
    socklen_t l = sizeof a;
    getsockname(lfd, (void *)&a, &l);
    CHECK(FAILS(connect(cfd, (void *)&a, sizeof a), EISCONN), "second connect of a connected TCP socket: EISCONN");
    char buf[16];
    CHECK(FAILS(recv(cfd, buf, sizeof buf, MSG_ERRQUEUE), EAGAIN), "recv MSG_ERRQUEUE, empty queue: EAGAIN");
    struct sockaddr_in from;
    socklen_t fl = sizeof from;
    CHECK(FAILS(recvfrom(cfd, buf, sizeof buf, MSG_ERRQUEUE, (void *)&from, &fl), EAGAIN), "recvfrom MSG_ERRQUEUE: EAGAIN");
    struct iovec iov = { buf, sizeof buf };
    struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1 };
    CHECK(FAILS(recvmsg(cfd, &m, MSG_ERRQUEUE), EAGAIN), "recvmsg MSG_ERRQUEUE: EAGAIN");
    m.msg_namelen = -1;
    CHECK(FAILS(recvmsg(cfd, &m, MSG_DONTWAIT), EINVAL), "recvmsg with msg_namelen -1: EINVAL");
    m.msg_namelen = sizeof from;
    CHECK(FAILS(recvmsg(cfd, &m, MSG_CMSG_COMPAT | MSG_DONTWAIT), EINVAL), "recvmsg MSG_CMSG_COMPAT: EINVAL");
    CHECK(FAILS(recvmsg(-1, &m, MSG_CMSG_COMPAT), EINVAL), "recvmsg MSG_CMSG_COMPAT on fd -1: EINVAL first");
    CHECK(FAILS(sendmsg(cfd, &m, MSG_CMSG_COMPAT), EINVAL), "sendmsg MSG_CMSG_COMPAT: EINVAL");
    write(afd, "abcd", 4);
    fl = -1;
    CHECK(FAILS(recvfrom(cfd, buf, 2, 0, (void *)&from, &fl), EINVAL), "recvfrom with addrlen -1 on TCP: EINVAL");
    /* (Linux has consumed the two bytes before it looks at the length; qemu-user
     * checks it first: what is left is not compared.) */
    fl = sizeof from;
    ssize_t n = recvfrom(cfd, buf, sizeof buf, 0, (void *)&from, &fl);
    CHECK(n > 0 && fl == 0, "recvfrom on TCP stores addrlen 0");
    int mark = -1;
    CHECK(ioctl(cfd, SIOCATMARK, &mark) == 0 && mark == 0, "SIOCATMARK on TCP: 0 (%d)", mark);
    CHECK(FAILS(ioctl(cfd, SIOCATMARK, NULL), EFAULT), "SIOCATMARK with NULL: EFAULT");
    close(cfd);
    close(afd);
    close(lfd);
}

/* recvfrom's source address is written only when the socket has one: a bad
 * pointer is no error for a stream (a datagram's EFAULT: recvfrom_efault.c). */
static void bad_source(void)
{
    char buf[16];
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t fl = sizeof a;
    int lfd, cfd, afd;
    if (tcp_pair(&lfd, &cfd, &afd)) {
        CHECK(0, "TCP pair on loopback: %s", strerror(errno));
        return;
    }
    write(afd, "xy", 2);
    ssize_t n = recvfrom(cfd, buf, sizeof buf, 0, (void *)-1, &fl);
    CHECK(n == 2 && fl == 0, "recvfrom on TCP with source (void *)-1: works, addrlen 0 (%zd)", n);
    close(cfd);
    close(afd);
    close(lfd);
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    write(sv[1], "z", 1);
    fl = sizeof a;
    n = recvfrom(sv[0], buf, sizeof buf, 0, (void *)-1, &fl);
    CHECK(n == 1 && fl == 0, "recvfrom on an AF_UNIX stream pair with source (void *)-1: works, addrlen 0 (%zd)", n);
    close(sv[0]);
    close(sv[1]);
}

static void privileged_port(void)
{
    /* In a child that drops to uid 65534 (nobody): no CAP_NET_BIND_SERVICE. */
    pid_t p = fork();
    if (p == 0) {
        if (setgid(65534) || setuid(65534))
            _exit(10);
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(463), .sin_addr.s_addr = htonl(INADDR_ANY) };
        if (!FAILS(bind(fd, (void *)&a, sizeof a), EACCES))
            _exit(1);
        a.sin_family = 47;
        if (!FAILS(bind(fd, (void *)&a, sizeof a), EAFNOSUPPORT))
            _exit(2);
        if (!FAILS(bind(fd, (void *)&a, 8), EINVAL))
            _exit(3);
        a.sin_family = AF_INET;
        a.sin_port = 0;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (bind(fd, (void *)&a, sizeof a))
            _exit(4);
        _exit(0);
    }
    int st = -1;
    waitpid(p, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "as nobody: bind port 463 EACCES, bad family EAFNOSUPPORT, short EINVAL, port 0 works (%d)", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

static void netdev(void)
{
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    int mark;
    CHECK(FAILS(ioctl(u, SIOCATMARK, &mark), ENOTTY), "SIOCATMARK on UDP: ENOTTY");
    int fd = open("/dev/null", O_RDONLY);
    CHECK(FAILS(ioctl(fd, SIOCATMARK, &mark), ENOTTY), "SIOCATMARK on /dev/null: ENOTTY");
    close(fd);
    struct ifreq req[16];
    struct ifconf ifc = { .ifc_len = sizeof req, .ifc_req = req };
    int lo = 0;
    CHECK(ioctl(u, SIOCGIFCONF, &ifc) == 0 && ifc.ifc_len % (int)sizeof(struct ifreq) == 0, "SIOCGIFCONF: whole ifreqs");
    for (int i = 0; i < ifc.ifc_len / (int)sizeof(struct ifreq); i++)
        if (strcmp(req[i].ifr_name, "lo") == 0) {
            struct sockaddr_in *a = (void *)&req[i].ifr_addr;
            lo = a->sin_family == AF_INET && a->sin_addr.s_addr == htonl(INADDR_LOOPBACK);
        }
    CHECK(lo, "SIOCGIFCONF lists lo at 127.0.0.1");
    struct ifconf none = { .ifc_len = 0, .ifc_buf = NULL };
    CHECK(ioctl(u, SIOCGIFCONF, &none) == 0 && none.ifc_len >= (int)sizeof(struct ifreq) && none.ifc_len % (int)sizeof(struct ifreq) == 0, "SIOCGIFCONF with no buffer: the length needed");
    struct ifreq r;
    memset(&r, 0, sizeof r);
    strcpy(r.ifr_name, "lo");
    CHECK(ioctl(u, SIOCGIFFLAGS, &r) == 0 && (r.ifr_flags & (IFF_UP | IFF_LOOPBACK | IFF_RUNNING)) == (IFF_UP | IFF_LOOPBACK | IFF_RUNNING), "SIOCGIFFLAGS lo: up, loopback, running");
    CHECK(ioctl(u, SIOCGIFINDEX, &r) == 0 && r.ifr_ifindex == 1, "SIOCGIFINDEX lo: 1");
    memset(&r, 0, sizeof r);
    r.ifr_ifindex = 1;
    CHECK(ioctl(u, SIOCGIFNAME, &r) == 0 && strcmp(r.ifr_name, "lo") == 0, "SIOCGIFNAME 1: lo");
    memset(&r, 0, sizeof r);
    strcpy(r.ifr_name, "gx_none0");
    CHECK(FAILS(ioctl(u, SIOCGIFFLAGS, &r), ENODEV), "SIOCGIFFLAGS of an unknown name: ENODEV");
    CHECK(FAILS(ioctl(u, SIOCGIFFLAGS, NULL), EFAULT), "SIOCGIFFLAGS with NULL: EFAULT");
    CHECK(FAILS(ioctl(u, SIOCSIFFLAGS, NULL), EFAULT), "SIOCSIFFLAGS with NULL: EFAULT");
    CHECK(FAILS(ioctl(u, SIOCGIFCONF, NULL), EFAULT), "SIOCGIFCONF with NULL: EFAULT");
    close(u);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    creation();
    connected();
    bad_source();
    privileged_port();
    netdev();
    printf("sockets_errors: %d failures\n", failures);
    return failures != 0;
}
