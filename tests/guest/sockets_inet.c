/* sockets_inet.c — AF_INET on the loopback interface: TCP listen on
 * 127.0.0.1 port 0 (getsockname gives the kernel-chosen port, not printed),
 * a forked client connects and sends lines that the server echoes back
 * upper-cased, getpeername/getsockname agree on both ends, TCP_NODELAY and
 * SO_REUSEADDR options, accept4(SOCK_CLOEXEC), shutdown and EOF; UDP
 * sendto/recvfrom between two sockets (source address = the sender's
 * bound port), connected UDP with send/recv; ECONNREFUSED to a closed port;
 * inet_pton/inet_ntop and byte order. AF_INET6 on ::1 is exercised the same
 * way only when the host supports it, and prints nothing about it either
 * way unless a check fails. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;
/* CHECK(cond, fmt, ...): print "ok"/"FAIL" and the message; errno as left
 * by cond is preserved for the message arguments. */
#define CHECK(cond, ...) do { int c_ = (cond); int e_ = errno; \
    printf("%s ", c_ ? "ok  " : "FAIL"); errno = e_; \
    printf(__VA_ARGS__); printf("\n"); if (!c_) failures++; } while (0)
/* QUIET_CHECK: prints only on failure (for the optional IPv6 part) */
#define QUIET_CHECK(cond, ...) do { if (!(cond)) { printf("FAIL "); printf(__VA_ARGS__); printf("\n"); failures++; } } while (0)

static void upcase(char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] >= 'a' && s[i] <= 'z')
            s[i] -= 32;
}

/* serve one connection: echo upper-cased until EOF; returns bytes echoed */
static long echo_server(int conn)
{
    char buf[512];
    long total = 0;
    ssize_t n;
    while ((n = read(conn, buf, sizeof buf)) > 0) {
        upcase(buf, n);
        if (write(conn, buf, n) != n)
            return -1;
        total += n;
    }
    return total;
}

/* client in a child: connect to addr, send lines, verify echoes; exit code 0 on success */
static void client(const struct sockaddr *addr, socklen_t alen, int family)
{
    int c = socket(family, SOCK_STREAM, 0);
    if (connect(c, addr, alen) != 0)
        _exit(1);
    const char *lines[] = { "hello tcp\n", "second line\n", "the end\n" };
    for (int i = 0; i < 3; i++) {
        size_t len = strlen(lines[i]);
        if (write(c, lines[i], len) != (ssize_t)len)
            _exit(2);
        char want[64], got[64];
        memcpy(want, lines[i], len);
        upcase(want, len);
        size_t have = 0;
        while (have < len) {
            ssize_t n = read(c, got + have, len - have);
            if (n <= 0)
                _exit(3);
            have += n;
        }
        if (memcmp(got, want, len) != 0)
            _exit(4);
    }
    shutdown(c, SHUT_WR);
    char x;
    if (read(c, &x, 1) != 0)
        _exit(5);
    close(c);
    _exit(0);
}

static void test_v6(void)
{
    int s = socket(AF_INET6, SOCK_STREAM, 0);
    if (s < 0)
        return;
    struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT, .sin6_port = 0 };
    if (bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 1) != 0) {
        close(s);
        return; /* no IPv6 loopback on this host */
    }
    socklen_t al = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &al);
    QUIET_CHECK(al == sizeof a && a.sin6_port != 0, "v6: getsockname port assigned");
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(s);
        client((struct sockaddr *)&a, sizeof a, AF_INET6);
    }
    int conn = accept(s, NULL, NULL);
    long n = echo_server(conn);
    close(conn);
    int st;
    waitpid(pid, &st, 0);
    QUIET_CHECK(n == 30 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "v6: echo over ::1 (%ld bytes, client status %d)", n, WEXITSTATUS(st));
    close(s);
    /* v6 UDP */
    int u1 = socket(AF_INET6, SOCK_DGRAM, 0), u2 = socket(AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 b = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
    bind(u2, (struct sockaddr *)&b, sizeof b);
    al = sizeof b;
    getsockname(u2, (struct sockaddr *)&b, &al);
    sendto(u1, "v6 datagram", 11, 0, (struct sockaddr *)&b, sizeof b);
    char buf[32];
    ssize_t k = recv(u2, buf, sizeof buf, 0);
    QUIET_CHECK(k == 11 && memcmp(buf, "v6 datagram", 11) == 0, "v6: UDP datagram over ::1");
    close(u1);
    close(u2);
}

int main(void)
{
    /* ---- address helpers ---- */
    struct in_addr ia;
    CHECK(inet_pton(AF_INET, "127.0.0.1", &ia) == 1 && ia.s_addr == htonl(INADDR_LOOPBACK), "inet_pton(127.0.0.1) == htonl(INADDR_LOOPBACK)");
    char txt[64];
    ia.s_addr = htonl(0xc0a80102);
    CHECK(strcmp(inet_ntop(AF_INET, &ia, txt, sizeof txt), "192.168.1.2") == 0, "inet_ntop -> %s", txt);
    struct in6_addr i6;
    CHECK(inet_pton(AF_INET6, "2001:db8::1", &i6) == 1 && strcmp(inet_ntop(AF_INET6, &i6, txt, sizeof txt), "2001:db8::1") == 0, "inet_pton/ntop v6 round trip -> %s", txt);
    CHECK(inet_pton(AF_INET, "300.1.1.1", &ia) == 0, "inet_pton rejects 300.1.1.1");
    CHECK(htons(0x1234) == 0x3412 && ntohl(htonl(0xdeadbeef)) == 0xdeadbeef, "byte order: little-endian host, htons/ntohl");

    /* ---- TCP ---- */
    int srv = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(srv >= 0, "socket(AF_INET, SOCK_STREAM)");
    int on = 1, val = 0;
    socklen_t ol = sizeof val;
    CHECK(setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == 0 && getsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &val, &ol) == 0 && val == 1,
          "SO_REUSEADDR set and read back");
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    CHECK(bind(srv, (struct sockaddr *)&a, sizeof a) == 0, "bind 127.0.0.1:0");
    socklen_t al = sizeof a;
    CHECK(getsockname(srv, (struct sockaddr *)&a, &al) == 0 && al == sizeof a && a.sin_port != 0 && a.sin_addr.s_addr == htonl(INADDR_LOOPBACK),
          "getsockname: kernel chose a port, address 127.0.0.1");
    CHECK(listen(srv, 8) == 0, "listen");
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(srv);
        client((struct sockaddr *)&a, sizeof a, AF_INET);
    }
    struct sockaddr_in peer;
    al = sizeof peer;
    int conn = accept4(srv, (struct sockaddr *)&peer, &al, SOCK_CLOEXEC);
    CHECK(conn >= 0 && (fcntl(conn, F_GETFD) & FD_CLOEXEC), "accept4(SOCK_CLOEXEC)");
    CHECK(peer.sin_family == AF_INET && peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK) && peer.sin_port != 0, "peer is 127.0.0.1 with an ephemeral port");
    struct sockaddr_in pn, sn;
    al = sizeof pn;
    getpeername(conn, (struct sockaddr *)&pn, &al);
    al = sizeof sn;
    getsockname(conn, (struct sockaddr *)&sn, &al);
    CHECK(pn.sin_port == peer.sin_port && sn.sin_port == a.sin_port, "getpeername == accept's address; getsockname has the listening port");
    ol = sizeof val;
    setsockopt(conn, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    getsockopt(conn, IPPROTO_TCP, TCP_NODELAY, &val, &ol);
    CHECK(val == 1, "TCP_NODELAY set");
    long echoed = echo_server(conn);
    close(conn); /* the client waits for this EOF */
    int st;
    waitpid(pid, &st, 0);
    CHECK(echoed == 30, "server echoed %ld bytes until the client's shutdown", echoed);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "client verified 3 upper-cased echoes and saw EOF (status %d)", WEXITSTATUS(st));
    close(srv);

    /* refused: bind a port, close it, connect */
    int tmp = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in dead = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    bind(tmp, (struct sockaddr *)&dead, sizeof dead);
    al = sizeof dead;
    getsockname(tmp, (struct sockaddr *)&dead, &al);
    close(tmp);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    errno = 0;
    CHECK(connect(c, (struct sockaddr *)&dead, sizeof dead) == -1 && errno == ECONNREFUSED, "connect to a closed port -> ECONNREFUSED");
    close(c);

    /* ---- UDP ---- */
    int u1 = socket(AF_INET, SOCK_DGRAM, 0), u2 = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in b1 = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) }, b2 = b1;
    CHECK(bind(u1, (struct sockaddr *)&b1, sizeof b1) == 0 && bind(u2, (struct sockaddr *)&b2, sizeof b2) == 0, "two UDP sockets bound on 127.0.0.1");
    al = sizeof b1;
    getsockname(u1, (struct sockaddr *)&b1, &al);
    al = sizeof b2;
    getsockname(u2, (struct sockaddr *)&b2, &al);
    ssize_t n = sendto(u1, "datagram one", 12, 0, (struct sockaddr *)&b2, sizeof b2);
    sendto(u1, "two", 3, 0, (struct sockaddr *)&b2, sizeof b2);
    char buf[64];
    struct sockaddr_in from;
    al = sizeof from;
    ssize_t r1 = recvfrom(u2, buf, sizeof buf, 0, (struct sockaddr *)&from, &al);
    CHECK(n == 12 && r1 == 12 && memcmp(buf, "datagram one", 12) == 0, "sendto/recvfrom: 12-byte datagram");
    CHECK(from.sin_port == b1.sin_port && from.sin_addr.s_addr == htonl(INADDR_LOOPBACK), "recvfrom source = the sender's bound address");
    ssize_t r2 = recv(u2, buf, sizeof buf, 0);
    CHECK(r2 == 3, "second datagram kept separate: %zd bytes", r2);
    CHECK(connect(u2, (struct sockaddr *)&b1, sizeof b1) == 0, "connect the UDP socket to its peer");
    send(u2, "reply", 5, 0);
    r1 = recv(u1, buf, sizeof buf, 0);
    CHECK(r1 == 5 && memcmp(buf, "reply", 5) == 0, "send/recv on connected UDP");
    /* a connected UDP socket ignores datagrams from others */
    int u3 = socket(AF_INET, SOCK_DGRAM, 0);
    sendto(u3, "intruder", 8, 0, (struct sockaddr *)&b2, sizeof b2);
    sendto(u1, "friend", 6, 0, (struct sockaddr *)&b2, sizeof b2);
    r1 = recv(u2, buf, sizeof buf, 0);
    CHECK(r1 == 6 && memcmp(buf, "friend", 6) == 0, "connected UDP socket filtered the other sender");
    close(u1);
    close(u2);
    close(u3);

    test_v6();

    printf("sockets_inet: %d failures\n", failures);
    return failures ? 1 : 0;
}
