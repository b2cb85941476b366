/* recvfrom_efault.c — recvfrom with a bad source address on a socket that has
 * one to give (UDP, a bound AF_UNIX datagram sender): EFAULT, and the datagram is
 * taken all the same (Linux copies the address out after the data,
 * move_addr_to_user). The stream case (no error: nothing is written) is in
 * sockets_errors.c; qemu-user ignores the failed copy, hence this program. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int failures;
#define CHECK(cond, ...) do { int c_ = (cond); printf("%s ", c_ ? "ok  " : "FAIL"); \
    printf(__VA_ARGS__); printf("\n"); if (!c_) failures++; } while (0)
#define FAILS(call, e) ((errno = 0), (call) == -1 && errno == (e))

int main(void)
{
    char buf[16];
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t l = sizeof a, fl;
    int u = socket(AF_INET, SOCK_DGRAM, 0), s = socket(AF_INET, SOCK_DGRAM, 0);
    if (bind(u, (void *)&a, sizeof a) || getsockname(u, (void *)&a, &l) || sendto(s, "d", 1, 0, (void *)&a, sizeof a) != 1) {
        printf("UDP on loopback: %s\n", strerror(errno));
        return 2;
    }
    fl = sizeof a;
    CHECK(FAILS(recvfrom(u, buf, sizeof buf, 0, (void *)-1, &fl), EFAULT), "UDP, source (void *)-1: EFAULT");
    CHECK(FAILS(recv(u, buf, sizeof buf, MSG_DONTWAIT), EAGAIN), "UDP: the datagram was taken all the same");
    sendto(s, "e", 1, 0, (void *)&a, sizeof a);
    fl = 0;
    CHECK(recvfrom(u, buf, sizeof buf, 0, (void *)-1, &fl) == 1 && fl == sizeof a, "UDP, source (void *)-1 with addrlen 0: works, full length stored");
    close(u);
    close(s);

    struct sockaddr_un na = { .sun_family = AF_UNIX }, nb = { .sun_family = AF_UNIX };
    strcpy(na.sun_path + 1, "gx-recvfrom-efault-a");
    strcpy(nb.sun_path + 1, "gx-recvfrom-efault-b");
    socklen_t ln = offsetof(struct sockaddr_un, sun_path) + 1 + strlen(na.sun_path + 1);
    int x = socket(AF_UNIX, SOCK_DGRAM, 0), y = socket(AF_UNIX, SOCK_DGRAM, 0);
    if (bind(x, (void *)&na, ln) || bind(y, (void *)&nb, ln) || sendto(y, "u", 1, 0, (void *)&na, ln) != 1) {
        printf("AF_UNIX datagrams: %s\n", strerror(errno));
        return 2;
    }
    fl = sizeof na;
    CHECK(FAILS(recvfrom(x, buf, sizeof buf, 0, (void *)-1, &fl), EFAULT), "AF_UNIX datagram from a bound sender, source (void *)-1: EFAULT");
    close(x);
    close(y);
    printf("recvfrom_efault: %d failures\n", failures);
    return failures != 0;
}
