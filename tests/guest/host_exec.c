/* host_exec.c — a guest that runs the host's shell, as system(), popen() and
 * posix_spawn() do: without a riscv64 root, /bin/sh is the host's, and it runs on
 * the host as under qemu-user (grantix --host-exec, on by default). Checks what the
 * guest sees of it: system()'s output and exit status, popen() reading and writing,
 * posix_spawn of /bin/sh -c with its exit status, descriptors and pipes shared with
 * the host program (dup2'ed to 0/1 and to another number), the environment passed
 * through, a host program killed by a signal (its own, and one the guest sends to its
 * pid), and the guest's wait status of each. The shell prints nothing that depends
 * on the host (no pids, no paths but "/"). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static int failures;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        int ok_ = (cond);                                                                          \
        printf("%s: ", ok_ ? "ok" : "FAIL");                                                       \
        printf(__VA_ARGS__);                                                                       \
        printf("\n");                                                                              \
        if (!ok_)                                                                                  \
            failures++;                                                                            \
        fflush(stdout);                                                                            \
    } while (0)

/* Runs `sh -c script` with posix_spawn (the pipes are close-on-exec, so the program
 * holds only the ends dup2'ed to it and sees EOF when the guest closes its own), its stdin/stdout the given fds (-1: the
 * guest's own), fd `extra` (if >= 0) passed as fd 5; returns the pid or -1. */
static pid_t spawn_sh(const char *script, int in, int out, int extra, char **envp)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (in >= 0)
        posix_spawn_file_actions_adddup2(&fa, in, 0);
    if (out >= 0)
        posix_spawn_file_actions_adddup2(&fa, out, 1);
    if (extra >= 0)
        posix_spawn_file_actions_adddup2(&fa, extra, 5);
    char *argv[] = {"sh", "-c", (char *)script, NULL};
    pid_t pid;
    int r = posix_spawn(&pid, "/bin/sh", &fa, NULL, argv, envp ? envp : environ);
    posix_spawn_file_actions_destroy(&fa);
    if (r != 0) {
        errno = r;
        return -1;
    }
    return pid;
}

/* Reads fd to EOF into buf (NUL-terminated). */
static size_t slurp(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += r;
        if (n == cap - 1)
            break;
    }
    buf[n] = 0;
    return n;
}

static int wait_for(pid_t pid)
{
    int st = -1;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return st;
}

int main(void)
{
    if (chdir("/") != 0)
        return 2;
    setvbuf(stdout, NULL, _IOLBF, 0);

    /* system(): the shell writes to the guest's stdout; its status comes back. */
    printf("system echo:\n");
    int r = system("echo '  hello from the shell'");
    CHECK(WIFEXITED(r) && WEXITSTATUS(r) == 0, "system(\"echo ...\") exits 0");
    r = system("exit 3");
    CHECK(WIFEXITED(r) && WEXITSTATUS(r) == 3, "system(\"exit 3\") -> status %d", WIFEXITED(r) ? WEXITSTATUS(r) : -1);
    r = system("pwd");
    CHECK(WIFEXITED(r) && WEXITSTATUS(r) == 0, "system(\"pwd\") in the guest's cwd");

    /* The environment reaches the shell. */
    setenv("GX_HOST_EXEC", "passed through", 1);
    r = system("echo \"  GX_HOST_EXEC=$GX_HOST_EXEC\"");
    CHECK(r == 0, "system sees the guest's environment");

    /* popen for reading. */
    FILE *p = popen("printf 'one\\ntwo\\nthree\\n'", "r");
    char line[128];
    int lines = 0;
    char all[128] = "";
    while (p && fgets(line, sizeof line, p)) {
        lines++;
        line[strcspn(line, "\n")] = ',';
        strncat(all, line, sizeof all - strlen(all) - 1);
    }
    CHECK(p && lines == 3 && strcmp(all, "one,two,three,") == 0, "popen(r) read %d lines: %s", lines, all);
    r = p ? pclose(p) : -1;
    CHECK(WIFEXITED(r) && WEXITSTATUS(r) == 0, "pclose(r) -> 0");
    p = popen("exit 7", "r");
    r = p ? pclose(p) : -1;
    CHECK(WIFEXITED(r) && WEXITSTATUS(r) == 7, "pclose of 'exit 7' -> %d", WIFEXITED(r) ? WEXITSTATUS(r) : -1);

    /* popen for writing: the guest's bytes reach the program's stdin, its output the
     * guest's stdout; pclose waits for it. */
    printf("popen write:\n");
    p = popen("tr a-z A-Z | sed 's/^/  /'", "w");
    if (p) {
        fputs("written by the guest\n", p);
        fputs("second line\n", p);
    }
    r = p ? pclose(p) : -1;
    CHECK(WIFEXITED(r) && WEXITSTATUS(r) == 0, "pclose(w) -> 0");

    /* posix_spawn of /bin/sh -c with an exit status. */
    pid_t pid = spawn_sh("exit 42", -1, -1, -1, NULL);
    int st = pid > 0 ? wait_for(pid) : -1;
    CHECK(pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 42, "posix_spawn sh -c 'exit 42' -> %d", WIFEXITED(st) ? WEXITSTATUS(st) : -1);

    /* An explicit environment, and only it. */
    int fds[2];
    char buf[512];
    char *envp[] = {"GX_ONLY=this", "PATH=/usr/bin:/bin", NULL};
    if (pipe2(fds, O_CLOEXEC) != 0)
        return 2;
    pid = spawn_sh("echo \"GX_ONLY=$GX_ONLY GX_HOST_EXEC=${GX_HOST_EXEC-unset}\"", -1, fds[1], -1, envp);
    close(fds[1]);
    slurp(fds[0], buf, sizeof buf);
    close(fds[0]);
    st = pid > 0 ? wait_for(pid) : -1;
    CHECK(st == 0 && strcmp(buf, "GX_ONLY=this GX_HOST_EXEC=unset\n") == 0, "posix_spawn envp: %.*s", (int)strcspn(buf, "\n"), buf);

    /* A pipe each way between the guest and the host program, and one more fd. */
    int to[2], from[2], side[2];
    if (pipe2(to, O_CLOEXEC) != 0 || pipe2(from, O_CLOEXEC) != 0 || pipe2(side, O_CLOEXEC) != 0)
        return 2;
    pid = spawn_sh("tr a-z A-Z; echo side >&5", to[0], from[1], side[1], NULL);
    close(to[0]);
    close(from[1]);
    close(side[1]);
    static const char msg[] = "through a pipe\n";
    ssize_t w = write(to[1], msg, sizeof msg - 1);
    close(to[1]);
    slurp(from[0], buf, sizeof buf);
    close(from[0]);
    CHECK(w == (ssize_t)sizeof msg - 1 && strcmp(buf, "THROUGH A PIPE\n") == 0, "guest -> tr -> guest: %.*s", (int)strcspn(buf, "\n"), buf);
    slurp(side[0], buf, sizeof buf);
    close(side[0]);
    CHECK(strcmp(buf, "side\n") == 0, "fd 5 passed: %.*s", (int)strcspn(buf, "\n"), buf);
    st = pid > 0 ? wait_for(pid) : -1;
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "tr's shell exits 0");

    /* A large transfer through the pipes (more than a pipe holds). */
    if (pipe2(from, O_CLOEXEC) != 0)
        return 2;
    pid = spawn_sh("i=0; while [ $i -lt 2000 ]; do echo 0123456789012345678901234567890123456789; i=$((i+1)); done", -1, from[1], -1, NULL);
    close(from[1]);
    size_t total = 0;
    for (;;) {
        ssize_t n = read(from[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        total += n;
    }
    close(from[0]);
    st = pid > 0 ? wait_for(pid) : -1;
    CHECK(st == 0 && total == 2000 * 41, "82000 bytes from the host program: %zu", total);

    /* The host program killed by a signal of its own: WIFSIGNALED. */
    pid = spawn_sh("kill -TERM $$; sleep 5", -1, -1, -1, NULL);
    st = pid > 0 ? wait_for(pid) : -1;
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "sh killing itself: signalled %d by %d", WIFSIGNALED(st), WIFSIGNALED(st) ? WTERMSIG(st) : -1);
    r = system("kill -KILL $$");
    CHECK(WIFSIGNALED(r) && WTERMSIG(r) == SIGKILL, "system of a shell killed: signalled by %d", WIFSIGNALED(r) ? WTERMSIG(r) : -1);

    /* The guest's kill() of the pid reaches the host program. It waits on a pipe
     * the guest holds open, so only the signal can end it. */
    if (pipe2(to, O_CLOEXEC) != 0)
        return 2;
    pid = spawn_sh("read x; exit 9", to[0], -1, -1, NULL);
    close(to[0]);
    CHECK(pid > 0 && kill(pid, SIGUSR1) == 0, "kill(pid, SIGUSR1) -> 0");
    st = pid > 0 ? wait_for(pid) : -1;
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGUSR1, "host program ended by the guest's SIGUSR1: signalled by %d", WIFSIGNALED(st) ? WTERMSIG(st) : -1);
    close(to[1]);

    /* A command that is not there: the shell's 127. */
    r = system("gx_no_such_command_here 2>/dev/null");
    CHECK(WIFEXITED(r) && WEXITSTATUS(r) == 127, "system of a missing command -> %d", WIFEXITED(r) ? WEXITSTATUS(r) : -1);

    printf("host_exec: %d failures\n", failures);
    return failures != 0;
}
