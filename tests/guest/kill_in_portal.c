// build: -pthread
/* Kill always works: a child spinning inside a portal frame of its own (gx.portal to
 * its own code, gx.pcall into it, then a loop) dies of SIGKILL and of a signal whose
 * default action terminates, and exit_group from another thread ends it too.
 *
 * On grantix the spin runs inside the portal frame. Elsewhere (qemu-riscv64, Linux)
 * the Xgx instructions are illegal: a SIGILL handler runs the same spin instead, so
 * the output is the same everywhere. The callee announces itself with a raw write
 * from inside the frame (a callee starts with scrubbed registers: no tp, so no libc),
 * so the parent signals only once the child is in the frame. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;

static void check(int ok, const char *what)
{
    printf("%s %s\n", ok ? "ok" : "FAIL", what);
    if (!ok)
        failures++;
}

/* The portal entry: a0..a2 and a7 are the caller's (fd, buf, 1, SYS_write). */
__attribute__((naked)) static void spin_entry(void)
{
    __asm__ volatile("ecall\n1: j 1b\n");
}

static int announce_fd;
static const char mark = 'x';

static void spin_without_portals(int sig)
{
    (void)sig;
    write(announce_fd, &mark, 1);
    for (;;)
        __asm__ volatile("");
}

/* Enters its own portal and never returns. */
static void spin_in_own_portal(int fd)
{
    announce_fd = fd;
    signal(SIGILL, spin_without_portals);
    long portal;
    __asm__ volatile(".insn r 0x0b, 3, 0, %0, %1, x0" : "=r"(portal) : "r"(spin_entry));
    if (portal <= 0) {
        spin_without_portals(0);
    }
    register long a0 __asm__("a0") = fd;
    register long a1 __asm__("a1") = (long)&mark;
    register long a2 __asm__("a2") = 1;
    register long a7 __asm__("a7") = 64;
    long rc;
    __asm__ volatile(".insn r 0x0b, 4, 0, %0, %5, x0" : "=r"(rc), "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a7) : "r"(portal) : "memory");
    /* Only if the call failed. */
    spin_without_portals(0);
}

/* Forks a child spinning in its own portal frame; returns its pid once it is there. */
static pid_t spinning_child(void)
{
    int p[2];
    if (pipe(p) != 0)
        exit(2);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        spin_in_own_portal(p[1]);
    }
    close(p[1]);
    char c;
    if (read(p[0], &c, 1) != 1)
        printf("FAIL child never announced itself\n");
    close(p[0]);
    return pid;
}

static void killed_by(int sig, const char *what)
{
    pid_t pid = spinning_child();
    kill(pid, sig);
    int st = 0;
    pid_t w = waitpid(pid, &st, 0);
    char line[128];
    snprintf(line, sizeof line, "%s: waitpid reports signal %d", what, WIFSIGNALED(st) ? WTERMSIG(st) : -1);
    check(w == pid && WIFSIGNALED(st) && WTERMSIG(st) == sig, line);
}

static int go[2];

static void *spinner_thread(void *arg)
{
    (void)arg;
    spin_in_own_portal(go[1]);
    return NULL;
}

static void exit_group_from_another_thread(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (pipe(go) != 0)
            _exit(2);
        pthread_t t;
        pthread_create(&t, NULL, spinner_thread, NULL);
        char c;
        if (read(go[0], &c, 1) != 1)
            _exit(4);
        _exit(3); /* exit_group while the other thread is in its portal frame */
    }
    int st = 0;
    pid_t w = waitpid(pid, &st, 0);
    char line[128];
    snprintf(line, sizeof line, "exit_group from another thread: exit status %d", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    check(w == pid && WIFEXITED(st) && WEXITSTATUS(st) == 3, line);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    killed_by(SIGKILL, "SIGKILL");
    killed_by(SIGTERM, "SIGTERM (default action)");
    exit_group_from_another_thread();
    printf("kill_in_portal: %d failures\n", failures);
    return failures != 0;
}
