/* sharemem: A grants B (a forked child, its own DATA space) read/write access to a
 * page of A's memory, B learns A's SID and the address through a pipe, both see each
 * other's writes; A revokes and B's next access faults (SIGSEGV). */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <grantix/libgx.h>

static char page[4096] __attribute__((aligned(4096)));

struct hello {
    uint16_t sid;
    uint64_t addr;
};

int main(void)
{
    setvbuf(stdout, 0, _IONBF, 0);
    int to_a[2], to_b[2];
    pipe(to_a);
    pipe(to_b);
    pid_t pid = fork();
    if (pid == 0) {
        /* B: tell A who we are, learn where the page is. */
        uint16_t me = gx_data_sid();
        write(to_a[1], &me, sizeof me);
        struct hello h;
        read(to_b[0], &h, sizeof h);
        volatile char *p = (volatile char *)gx_ptr(h.sid, h.addr);
        printf("B: reads \"%s\"\n", (const char *)p);
        strcpy((char *)p, "written by B");
        char c;
        write(to_a[1], "d", 1);
        read(to_b[0], &c, 1); /* A revoked */
        printf("B: touching the page after the revoke\n");
        printf("B: read %d (must not happen)\n", p[0]);
        return 0;
    }
    strcpy(page, "written by A");
    uint16_t b;
    read(to_a[0], &b, sizeof b);
    int64_t h = gx_share(page, sizeof page, b, GX_RIGHT_R | GX_RIGHT_W);
    printf("A: share %s\n", h > 0 ? "ok" : "failed");
    struct hello msg = { gx_data_sid(), (uint64_t)page };
    write(to_b[1], &msg, sizeof msg);
    char c;
    read(to_a[0], &c, 1);
    printf("A: reads \"%s\"\n", page);
    printf("A: revoke %lld\n", (long long)gx_revoke(h));
    write(to_b[1], "r", 1);
    int st = 0;
    waitpid(pid, &st, 0);
    if (WIFSIGNALED(st))
        printf("A: B killed by signal %d\n", WTERMSIG(st));
    else
        printf("A: B exited %d\n", WEXITSTATUS(st));
    return 0;
}
