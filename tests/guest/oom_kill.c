/* oom_kill.c — the OOM killer under a memory limit (root: exits 77 otherwise). The
 * corpus runs it with GRANTIX_MEM=64M (oom_kill.env); see the README for the golden.
 *
 * First /proc/PID/oom_score_adj: read, range checks (EINVAL), written value read
 * back, inherited by fork, EACCES below the minimum without CAP_SYS_RESOURCE and for
 * another user's file; oom_score 0 for an exempt process.
 * Then three rounds, each with children that touch memory and wait (pause), and one
 * that touches memory after them and hits the limit:
 *   1. a 36 MiB hog and a toucher of 36 MiB: the hog dies of SIGKILL although the
 *      toucher made the allocation that failed; the toucher finishes.
 *   2. the same hog with oom_score_adj -1000: it is exempt, so the toucher dies.
 *   3. a 24 MiB child, a 12 MiB child with oom_score_adj 1000, a toucher of 30 MiB:
 *      the 12 MiB child dies (adj weighs more than size), the others go on.
 * Survivors are ended with SIGTERM, so each child's wait status says whether the OOM
 * killer chose it (9) or not (15). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ltp.h"

#define MIB (1024L * 1024L)

/* Maps and touches `mib` MiB one MiB at a time: 0, or 2 when mmap says ENOMEM. */
static int touch(long mib)
{
    for (long i = 0; i < mib; i++) {
        char *p = mmap(NULL, MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return 2;
        for (long o = 0; o < MIB; o += 4096)
            p[o] = (char)(i + o + 1);
    }
    return 0;
}

/* Writes `s` to /proc/PID/oom_score_adj (pid 0: self): the write's result, or -1 with errno. */
static long write_adj(pid_t pid, const char *s)
{
    char path[64];
    if (pid)
        snprintf(path, sizeof path, "/proc/%d/oom_score_adj", (int)pid);
    else
        snprintf(path, sizeof path, "/proc/self/oom_score_adj");
    int fd = open(path, O_WRONLY);
    if (fd < 0)
        return -1;
    long n = write(fd, s, strlen(s));
    int e = errno;
    close(fd);
    errno = e;
    return n;
}

/* Reads /proc/PID/FILE as a number (LONG_MIN on failure). */
static long read_num(pid_t pid, const char *file)
{
    char path[64], buf[32] = { 0 };
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -99999;
    long n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0 || buf[n - 1] != '\n')
        return -99999;
    return strtol(buf, NULL, 10);
}

/* A child that sets its oom_score_adj to `adj` (NULL: leaves it), touches `mib` MiB,
 * says so on `ready` and waits to be killed. */
static pid_t holder(long mib, const char *adj, int ready)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (adj && write_adj(0, adj) < 0)
            _exit(5);
        char c = (char)touch(mib);
        if (write(ready, &c, 1) != 1)
            _exit(6);
        for (;;)
            pause();
    }
    return pid;
}

/* How child `pid` ended: 1000 + signal, or its exit status. */
static int status_of(pid_t pid)
{
    int st = 0;
    if (waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFSIGNALED(st) ? 1000 + WTERMSIG(st) : WEXITSTATUS(st);
}

/* Waits for `n` holders' ready bytes on `r`: how many touched all they wanted. */
static int wait_ready(int r, int n)
{
    int ok = 0;
    for (int i = 0; i < n; i++) {
        char c = 1;
        if (read(r, &c, 1) == 1 && c == 0)
            ok++;
    }
    return ok;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (geteuid() != 0) {
        printf("oom_kill: needs root\n");
        return 77;
    }
    pid_t me = getpid();
    check("oom_score_adj starts at 0", read_num(me, "oom_score_adj"), 0);
    CHECK_ERR("oom_score_adj 1001: EINVAL", write_adj(0, "1001"), EINVAL);
    CHECK_ERR("oom_score_adj -1001: EINVAL", write_adj(0, "-1001"), EINVAL);
    CHECK_ERR("oom_score_adj 12abc: EINVAL", write_adj(0, "12abc"), EINVAL);
    check("oom_score_adj \"500\\n\": 4 bytes written", write_adj(0, "500\n"), 4);
    check("oom_score_adj reads back 500", read_num(me, "oom_score_adj"), 500);
    check("oom_score_adj 0x10 (hex): written", write_adj(0, "0x10"), 4);
    check("oom_score_adj reads back 16", read_num(me, "oom_score_adj"), 16);
    write_adj(0, "500");
    pid_t c = fork();
    if (c == 0)
        _exit(read_num(getpid(), "oom_score_adj") == 500 ? 0 : 1);
    check("fork inherits oom_score_adj", status_of(c), 0);
    check("root lowers it again", write_adj(0, "0"), 1);
    c = fork();
    if (c == 0) {
        /* An ordinary user (dumpable again, so its /proc files are its own). */
        if (setuid(65534) != 0 || prctl(PR_SET_DUMPABLE, 1) != 0)
            _exit(9);
        int r = 0;
        errno = 0;
        if (!(write_adj(0, "-1") == -1 && errno == EACCES))
            r |= 1;
        if (write_adj(0, "10") != 2 || write_adj(0, "0") != 1)
            r |= 2;
        errno = 0;
        if (!(write_adj(getppid(), "0") == -1 && errno == EACCES))
            r |= 4;
        _exit(r);
    }
    check("unprivileged: below the minimum EACCES, up and back ok, another user's file EACCES", status_of(c), 0);

    int p[2];
    if (pipe(p) != 0)
        return 1;

    /* 1. The biggest dies, not the allocating process. */
    pid_t hog = holder(36, NULL, p[1]);
    check("1: hog touched 36 MiB", wait_ready(p[0], 1), 1);
    check("1: hog's oom_score above the parent's", read_num(hog, "oom_score") > read_num(me, "oom_score"), 1);
    pid_t toucher = fork();
    if (toucher == 0)
        _exit(touch(36));
    check("1: toucher of 36 MiB finishes", status_of(toucher), 0);
    kill(hog, SIGTERM);
    check("1: the hog was killed by SIGKILL", status_of(hog), 1000 + SIGKILL);

    /* 2. oom_score_adj -1000 exempts. */
    hog = holder(36, "-1000", p[1]);
    check("2: exempt hog touched 36 MiB", wait_ready(p[0], 1), 1);
    check("2: exempt hog's oom_score is 0", read_num(hog, "oom_score"), 0);
    toucher = fork();
    if (toucher == 0)
        _exit(touch(36));
    check("2: the toucher was killed by SIGKILL", status_of(toucher), 1000 + SIGKILL);
    kill(hog, SIGTERM);
    check("2: the exempt hog lived (ended by SIGTERM)", status_of(hog), 1000 + SIGTERM);

    /* 3. oom_score_adj 1000 is chosen before a bigger process. */
    pid_t big = holder(24, NULL, p[1]);
    pid_t preferred = holder(12, "1000", p[1]);
    check("3: both holders touched their memory", wait_ready(p[0], 2), 2);
    toucher = fork();
    if (toucher == 0)
        _exit(touch(30));
    check("3: toucher of 30 MiB finishes", status_of(toucher), 0);
    kill(big, SIGTERM);
    kill(preferred, SIGTERM);
    check("3: the 12 MiB child with adj 1000 was killed by SIGKILL", status_of(preferred), 1000 + SIGKILL);
    check("3: the 24 MiB child lived (ended by SIGTERM)", status_of(big), 1000 + SIGTERM);

    printf("oom_kill: %d failures\n", failures);
    return failures != 0;
}
