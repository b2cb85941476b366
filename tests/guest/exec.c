/* exec.c — execve of the program itself (via /proc/self/exe and via argv[0])
 * with an argument that makes it act as the child: argv and envp are
 * replaced, the pid is kept, O_CLOEXEC fds are closed and other fds stay
 * open, caught signals are reset to SIG_DFL while ignored ones stay ignored,
 * the signal mask is inherited, and the child's exit status comes back
 * through waitpid. Also execve failures: ENOENT, EACCES (directory, file
 * without x bits), ENOEXEC (empty executable file). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;
/* CHECK(cond, fmt, ...): print "ok"/"FAIL" and the message; errno as left
 * by cond is preserved for the message arguments. */
#define CHECK(cond, ...) do { int c_ = (cond); int e_ = errno; \
    printf("%s ", c_ ? "ok  " : "FAIL"); errno = e_; \
    printf(__VA_ARGS__); printf("\n"); if (!c_) failures++; } while (0)

extern char **environ;

static const char *ename(int e)
{
    switch (e) {
    case 0: return "0";
    case ENOENT: return "ENOENT";
    case EACCES: return "EACCES";
    case ENOEXEC: return "ENOEXEC";
    default: return "other";
    }
}

static void handler(int sig) { (void)sig; }

/* argv: NAME child MSG PID CLOEXEC_FD PIPE_FD */
static int child(int argc, char **argv)
{
    /* (argv[0] is not printed: qemu-user run through a binfmt_misc entry
     * without the P flag replaces it with the file name) */
    printf("  child: argc=%d msg=[%s]\n", argc, argv[2]);
    const char *v = getenv("GX_EXEC");
    printf("  child: GX_EXEC=%s\n", v ? v : "<unset>");
    v = getenv("GX_FROM_ENV_FILE");
    printf("  child: GX_FROM_ENV_FILE=%s\n", v ? v : "<unset>");
    CHECK(getpid() == (pid_t)atol(argv[3]), "  child: pid preserved across execve");
    int cfd = atoi(argv[4]), pfd = atoi(argv[5]);
    errno = 0;
    CHECK(fcntl(cfd, F_GETFD) == -1 && errno == EBADF, "  child: O_CLOEXEC fd was closed by execve");
    CHECK(fcntl(pfd, F_GETFD) == 0, "  child: inherited pipe fd is open, FD_CLOEXEC clear");
    struct sigaction sa;
    sigaction(SIGUSR1, NULL, &sa);
    CHECK(sa.sa_handler == SIG_IGN, "  child: ignored SIGUSR1 is still SIG_IGN");
    sigaction(SIGUSR2, NULL, &sa);
    CHECK(sa.sa_handler == SIG_DFL, "  child: caught SIGUSR2 was reset to SIG_DFL");
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    CHECK(sigismember(&cur, SIGTERM) == 1, "  child: blocked SIGTERM is still blocked");
    fflush(stdout);
    static const char msg[] = "written by the exec'd child";
    if (write(pfd, msg, sizeof msg - 1) != (ssize_t)sizeof msg - 1)
        return 1;
    return failures ? 1 : 23;
}

/* fork, exec PATH as child, read what it writes to the pipe, reap it */
static void run(const char *how, const char *path, char *const envp[])
{
    int p[2];
    if (pipe(p) != 0)
        exit(2);
    int cfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    printf("exec via %s:\n", how);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        char spid[32], scfd[16], spfd[16];
        snprintf(spid, sizeof spid, "%ld", (long)getpid());
        snprintf(scfd, sizeof scfd, "%d", cfd);
        snprintf(spfd, sizeof spfd, "%d", p[1]);
        close(p[0]);
        char *args[] = { (char *)path, "child", "hello across exec", spid, scfd, spfd, NULL };
        execve(path, args, envp);
        _exit(127);
    }
    close(p[1]);
    close(cfd);
    char buf[128];
    size_t got = 0;
    ssize_t n;
    while ((n = read(p[0], buf + got, sizeof buf - 1 - got)) > 0)
        got += n;
    buf[got] = 0;
    close(p[0]);
    int status;
    pid_t w = waitpid(pid, &status, 0);
    CHECK(strcmp(buf, "written by the exec'd child") == 0, "parent read from pipe: [%s]", buf);
    CHECK(w == pid && WIFEXITED(status) && WEXITSTATUS(status) == 23, "child exit status %d", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

int main(int argc, char **argv)
{
    if (argc == 6 && strcmp(argv[1], "child") == 0)
        return child(argc, argv);

    /* dispositions and mask that execve must handle */
    signal(SIGUSR1, SIG_IGN);
    signal(SIGUSR2, handler);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, NULL);

    char *myenv[] = { "GX_EXEC=explicit envp", NULL };
    run("/proc/self/exe with explicit envp", "/proc/self/exe", myenv);
    run("argv[0] with inherited environ", argv[0], environ);

    /* failures return to the caller */
    errno = 0;
    char *noargs[] = { "x", NULL };
    CHECK(execve("/nonexistent/program", noargs, environ) == -1 && errno == ENOENT, "execve missing file -> %s", ename(errno));
    errno = 0;
    CHECK(execve("/tmp", noargs, environ) == -1 && errno == EACCES, "execve a directory -> %s", ename(errno));
    char dir[] = "/tmp/gx_exec_XXXXXX", path[64];
    if (!mkdtemp(dir))
        return 2;
    snprintf(path, sizeof path, "%s/noexec", dir);
    int fd = open(path, O_CREAT | O_WRONLY, 0644);
    close(fd);
    errno = 0;
    CHECK(execve(path, noargs, environ) == -1 && errno == EACCES, "execve file without x bits -> %s", ename(errno));
    chmod(path, 0755);
    errno = 0;
    CHECK(execve(path, noargs, environ) == -1 && errno == ENOEXEC, "execve empty executable file -> %s", ename(errno));
    unlink(path);
    rmdir(dir);

    printf("exec: %d failures\n", failures);
    return failures ? 1 : 0;
}
