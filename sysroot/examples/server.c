/* server: exports portal "upper" (upper-cases a buffer the caller lends it), then
 * forks and execs itself as the client, which calls the portal with a transient
 * grant of its buffer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <grantix/libgx.h>

static volatile uint64_t served;

/* The portal: a0 = the caller's buffer (qualified), a1 = its length. */
static uint64_t upper(uint64_t buf, uint64_t len, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6, uint64_t a7)
{
    (void)a2, (void)a3, (void)a4, (void)a5, (void)a6, (void)a7;
    volatile char *p = (volatile char *)buf; /* a foreign space: through the lend */
    for (uint64_t i = 0; i < len; i++)
        if (p[i] >= 'a' && p[i] <= 'z')
            p[i] = p[i] - 'a' + 'A';
    served++;
    return len;
}

static int client(void)
{
    struct gx_service up = { "upper" };
    int64_t r = gx_lookup(&up);
    printf("client: lookup %s\n", r == 0 ? "ok" : "failed");
    char buf[64];
    for (int i = 0; i < 3; i++) {
        snprintf(buf, sizeof buf, "hello portal %d", i);
        uint64_t n = strlen(buf);
        /* Lend the buffer for exactly this call. */
        int64_t h = gx_lend(buf, n, up.sid, GX_RIGHT_R | GX_RIGHT_W);
        struct gx_ret c = gx_pcall(up.portal, gx_qualify(buf), n, 0, 0, 0, 0, 0, 0);
        printf("client: lend %s, call rc %lld, a0 %llu: %s\n", h > 0 ? "ok" : "failed", (long long)c.rc, (unsigned long long)c.a0, buf);
    }
    /* (Calling without the lend would make the server fault on the buffer; that fault
     * goes to linux as a fault of the calling thread: see docs/PORTING.md.) */
    struct gx_service nope = { "no-such-service" };
    printf("client: unknown name %lld\n", (long long)gx_lookup(&nope));
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, 0, _IONBF, 0);
    if (argc > 1 && strcmp(argv[1], "client") == 0)
        return client();
    int64_t r = gx_export("upper", upper);
    printf("server: export %lld\n", (long long)r);
    pid_t pid = fork();
    if (pid == 0) {
        execl(argv[0], argv[0], "client", (char *)0);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    printf("server: client %s %d, served %llu\n", WIFSIGNALED(st) ? "killed by signal" : "exited",
           WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st), (unsigned long long)served);
    return 0;
}
