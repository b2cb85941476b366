/* Running out of memory: a child maps and touches MIB mebibytes (argv[1], default
 * 64) one MiB at a time. With enough memory it finishes (exit 0); past a memory
 * limit (grantix --mem) it gets ENOMEM from mmap (exit 2) or is killed by the OOM
 * policy (SIGKILL). Either way the parent goes on: it reports how the child ended,
 * then allocates and touches memory of its own. A 1 TiB mapping is refused with
 * ENOMEM everywhere. The default run prints the same on Linux and on grantix;
 * scripts/scale.sh runs it under a small --mem. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define MIB (1024L * 1024L)

static int hog(long mib)
{
    for (long i = 0; i < mib; i++) {
        char *p = mmap(NULL, MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return errno == ENOMEM ? 2 : 3;
        for (long o = 0; o < MIB; o += 4096)
            p[o] = (char)(i + o);
    }
    return 0;
}

int main(int argc, char **argv)
{
    long mib = argc > 1 ? atol(argv[1]) : 64;
    setvbuf(stdout, NULL, _IONBF, 0);
    void *huge = mmap(NULL, 1L << 40, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("1 TiB mmap: %s\n", huge == MAP_FAILED && errno == ENOMEM ? "ENOMEM" : "mapped");
    pid_t pid = fork();
    if (pid == 0)
        _exit(hog(mib));
    int st = 0;
    if (waitpid(pid, &st, 0) != pid) {
        printf("FAIL waitpid\n");
        return 1;
    }
    if (WIFEXITED(st))
        printf("child touching %ld MiB: exited %d%s\n", mib, WEXITSTATUS(st), WEXITSTATUS(st) == 2 ? " (mmap ENOMEM)" : "");
    else if (WIFSIGNALED(st))
        printf("child touching %ld MiB: killed by signal %d\n", mib, WTERMSIG(st));
    int mine = hog(4);
    printf("parent: touched 4 MiB after the child: %s\n", mine == 0 ? "ok" : "FAIL");
    return mine != 0;
}
