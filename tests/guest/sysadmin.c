/* sysadmin.c — the calls a guest makes of its kernel as administrator, in the style of
 * the Linux Test Project's sethostname, setdomainname, unshare, ioprio, syslog,
 * vhangup, reboot, acct and process_mrelease tests. UTS names: in a child that
 * unshared its UTS namespace, sethostname/setdomainname (up to 64 bytes; EINVAL past
 * that) show in uname and gethostname while the parent's names stay; EPERM without
 * CAP_SYS_ADMIN. unshare: unknown bits EINVAL, CLONE_FILES/FS/SYSVSEM/THREAD/VM alone
 * succeed, CLONE_THREAD with a second thread EINVAL, namespaces EPERM unprivileged.
 * ioprio: the classes and levels a thread sets are read back (per thread, process
 * group and user), EINVAL for bad classes and "which", ESRCH, EPERM for the real-time
 * class and for another user's process unprivileged. syslog: READ_ALL/SIZE_BUFFER
 * argument errors, EINVAL for an unknown action, EPERM for restricted actions
 * unprivileged. vhangup, reboot and acct: EPERM without their capabilities, reboot's
 * magic numbers EINVAL, acct's file checks (ENOENT, EISDIR, EACCES) and acct(NULL).
 * process_mrelease: EINVAL for flags and a live process, EBADF, ESRCH once reaped, and
 * a process killed with SIGKILL (0, or ESRCH if it already went). Nothing here
 * changes the machine it runs on: names are set only in a namespace of their own and
 * no reboot, console or terminal call is made with privilege. Must start as root
 * (exits 77 otherwise). Golden from Linux 6.18 running the same source built for
 * x86_64. qemu-riscv64 7.2 differs: it lacks process_mrelease, its own threads make
 * unshare(CLONE_THREAD/CLONE_VM) EINVAL, it answers syslog's NULL buffers itself and
 * refuses vhangup unprivileged in its own way. */
// build: -pthread
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ltp.h"

#define PR(c, l) (((c) << 13) | (l))
#define WHO_PROCESS 1
#define WHO_PGRP 2
#define WHO_USER 3

static long ioget(int which, int who) { return syscall(SYS_ioprio_get, which, who); }
static long ioset(int which, int who, int v) { return syscall(SYS_ioprio_set, which, who, v); }
static long klog(int type, char *buf, int len) { return syscall(SYS_syslog, type, buf, len); }
static long rb(unsigned long m1, unsigned long m2, unsigned cmd) { return syscall(SYS_reboot, m1, m2, cmd, 0); }
static long mrelease(int fd, unsigned flags) { return syscall(448, fd, flags); }
static int pidfd_open(pid_t p) { return syscall(SYS_pidfd_open, p, 0); }

/* Runs f in a forked child; its exit status. */
static int in_child(int (*f)(void))
{
    pid_t p = fork();
    if (p == 0)
        _exit(f());
    int st = 0;
    waitpid(p, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int uts_child(void)
{
    if (unshare(CLONE_NEWUTS) != 0)
        return 1;
    if (sethostname("gx-host", 7) != 0 || setdomainname("gx.domain", 9) != 0)
        return 2;
    struct utsname u;
    uname(&u);
    char h[65];
    gethostname(h, sizeof h);
    if (strcmp(u.nodename, "gx-host") || strcmp(u.domainname, "gx.domain") || strcmp(h, "gx-host"))
        return 3;
    char name64[65];
    memset(name64, 'n', sizeof name64);
    if (sethostname(name64, 64) != 0)
        return 4;
    uname(&u);
    if (strlen(u.nodename) != 64)
        return 5;
    errno = 0;
    if (sethostname(name64, 65) != -1 || errno != EINVAL)
        return 6;
    errno = 0;
    if (setdomainname(name64, 65) != -1 || errno != EINVAL)
        return 7;
    if (sethostname("", 0) != 0)
        return 8;
    uname(&u);
    if (u.nodename[0] != 0)
        return 9;
    /* A child made later shares this namespace. */
    sethostname("gx-shared", 9);
    pid_t p = fork();
    if (p == 0) {
        char hh[65];
        gethostname(hh, sizeof hh);
        _exit(strcmp(hh, "gx-shared") ? 1 : 0);
    }
    int st;
    waitpid(p, &st, 0);
    return WEXITSTATUS(st) ? 10 : 0;
}

static char prog_dir[64];

/* Unprivileged checks: every one prints in order through the exit status bits. */
static int unpriv_child(void)
{
    if (setuid(65534) != 0)
        return 99;
    int bad = 0, bit = 0;
#define EXPECT(call, e) do { errno = 0; long r_ = (call); if (!(r_ == -1 && errno == (e))) bad |= 1 << bit; bit++; } while (0)
    EXPECT(sethostname("x", 1), EPERM);
    EXPECT(setdomainname("x", 1), EPERM);
    EXPECT(unshare(CLONE_NEWUTS), EPERM);
    EXPECT(unshare(CLONE_NEWIPC), EPERM);
    EXPECT(ioset(WHO_PROCESS, 0, PR(1, 0)), EPERM);
    EXPECT(ioset(WHO_PROCESS, 1, PR(2, 0)), EPERM);
    EXPECT(klog(5, NULL, 0), EPERM); /* CLEAR */
    EXPECT(klog(2, NULL, 0), EPERM); /* READ */
    EXPECT(vhangup(), EPERM);
    EXPECT(rb(0xfee1dead, 672274793, 0x01234567), EPERM);
    EXPECT(rb(0, 0, 0), EPERM);
    EXPECT(acct(NULL), EPERM);
    return bad ? 100 + __builtin_ctz(bad) : 0;
}

static void *sleeper(void *p)
{
    (void)p;
    pause();
    return NULL;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (getuid() != 0) {
        printf("sysadmin: must start as root\n");
        return 77;
    }
    struct utsname before, after;
    uname(&before);

    /* UTS names in a namespace of their own. */
    check("uts child", in_child(uts_child), 0);
    uname(&after);
    check("parent's nodename kept", strcmp(before.nodename, after.nodename), 0);
    check("parent's domainname kept", strcmp(before.domainname, after.domainname), 0);

    /* unshare. */
    CHECK_ERR("unshare unknown bit EINVAL", unshare(0x1), EINVAL);
    CHECK_OK("unshare CLONE_FILES", unshare(CLONE_FILES));
    CHECK_OK("unshare CLONE_FS", unshare(CLONE_FS));
    CHECK_OK("unshare CLONE_SYSVSEM", unshare(CLONE_SYSVSEM));
    CHECK_OK("unshare CLONE_THREAD alone", unshare(CLONE_THREAD));
    CHECK_OK("unshare CLONE_VM alone", unshare(CLONE_VM));
    CHECK_OK("unshare 0", unshare(0));
    pthread_t th;
    pthread_create(&th, NULL, sleeper, NULL);
    CHECK_ERR("unshare CLONE_THREAD with a thread EINVAL", unshare(CLONE_THREAD), EINVAL);
    CHECK_ERR("unshare CLONE_SIGHAND with a thread EINVAL", unshare(CLONE_SIGHAND), EINVAL);

    /* ioprio (the second thread is still there). */
    check("ioprio default", ioget(WHO_PROCESS, 0), 0);
    CHECK_OK("ioprio set BE 3", ioset(WHO_PROCESS, 0, PR(2, 3)));
    check("ioprio reads BE 3", ioget(WHO_PROCESS, 0), PR(2, 3));
    check("ioprio is per thread", ioget(WHO_PROCESS, getpid()), PR(2, 3));
    CHECK_OK("ioprio set IDLE", ioset(WHO_PROCESS, 0, PR(3, 0)));
    check("ioprio reads IDLE", ioget(WHO_PROCESS, 0), PR(3, 0));
    CHECK_OK("ioprio set RT 1 (root)", ioset(WHO_PROCESS, 0, PR(1, 1)));
    check("ioprio reads RT 1", ioget(WHO_PROCESS, 0), PR(1, 1));
    CHECK_OK("ioprio set NONE", ioset(WHO_PROCESS, 0, PR(0, 0)));
    check("ioprio NONE reads back", ioget(WHO_PROCESS, 0), 0);
    CHECK_ERR("ioprio class 4 EINVAL", ioset(WHO_PROCESS, 0, PR(4, 0)), EINVAL);
    CHECK_ERR("ioprio class 7 EINVAL", ioset(WHO_PROCESS, 0, PR(7, 0)), EINVAL);
    CHECK_ERR("ioprio NONE with a level EINVAL", ioset(WHO_PROCESS, 0, PR(0, 3)), EINVAL);
    CHECK_ERR("ioprio which 0 EINVAL", ioget(0, 0), EINVAL);
    CHECK_ERR("ioprio which 4 EINVAL", ioset(4, 0, PR(2, 0)), EINVAL);
    CHECK_ERR("ioprio no such pid ESRCH", ioget(WHO_PROCESS, 0x3ffffff0), ESRCH);
    CHECK_ERR("ioprio set no such pid ESRCH", ioset(WHO_PROCESS, 0x3ffffff0, PR(2, 0)), ESRCH);
    CHECK_ERR("ioprio no such group ESRCH", ioget(WHO_PGRP, 0x3ffffff0), ESRCH);
    CHECK_OK("ioprio set own group BE 5", ioset(WHO_PGRP, 0, PR(2, 5)));
    check("ioprio group reads BE 5", ioget(WHO_PGRP, 0), PR(2, 5));
    CHECK_ERR("ioprio no such user ESRCH", ioget(WHO_USER, 54321), ESRCH);

    /* syslog: argument checks as root, without touching the log or console. */
    CHECK_ERR("syslog unknown action EINVAL", klog(11, NULL, 0), EINVAL);
    CHECK_ERR("syslog READ_ALL NULL EINVAL", klog(3, NULL, 10), EINVAL);
    char b[16];
    CHECK_ERR("syslog READ_ALL negative EINVAL", klog(3, b, -1), EINVAL);
    check("syslog READ_ALL 0 bytes", klog(3, b, 0), 0);
    CHECK_ERR("syslog READ NULL EINVAL", klog(2, NULL, 10), EINVAL);
    check("syslog READ 0 bytes", klog(2, b, 0), 0);
    CHECK_ERR("syslog CONSOLE_LEVEL 0 EINVAL", klog(8, NULL, 0), EINVAL);
    CHECK_ERR("syslog CONSOLE_LEVEL 9 EINVAL", klog(8, NULL, 9), EINVAL);
    check("syslog SIZE_BUFFER positive", klog(10, NULL, 0) > 0, 1);
    check("syslog OPEN", klog(1, NULL, 0), 0);
    check("syslog CLOSE", klog(0, NULL, 0), 0);

    /* reboot: bad magic as root (checked before the command). */
    CHECK_ERR("reboot bad magic1 EINVAL", rb(0, 672274793, 0x01234567), EINVAL);
    CHECK_ERR("reboot bad magic2 EINVAL", rb(0xfee1dead, 1, 0x01234567), EINVAL);

    /* acct. */
    char dir[] = "/tmp/gx_sysadmin_XXXXXX";
    mkdtemp(dir);
    snprintf(prog_dir, sizeof prog_dir, "%s/acct", dir);
    CHECK_ERR("acct missing file ENOENT", acct("/nonexistent/acct"), ENOENT);
    CHECK_ERR("acct directory EISDIR", acct(dir), EISDIR);
    CHECK_ERR("acct /dev/null EACCES", acct("/dev/null"), EACCES);
    close(open(prog_dir, O_WRONLY | O_CREAT, 0600));
    CHECK_OK("acct on a file", acct(prog_dir));
    CHECK_OK("acct off", acct(NULL));
    unlink(prog_dir);
    rmdir(dir);

    /* Without privilege. */
    int u = in_child(unpriv_child);
    check("unprivileged EPERMs", u, 0);
    if (u >= 100)
        printf("  first unexpected: check %d\n", u - 100);

    /* process_mrelease. */
    pid_t c = fork();
    if (c == 0) {
        pause();
        _exit(0);
    }
    int pfd = pidfd_open(c);
    CHECK_ERR("mrelease flags EINVAL", mrelease(pfd, 1), EINVAL);
    CHECK_ERR("mrelease live process EINVAL", mrelease(pfd, 0), EINVAL);
    CHECK_ERR("mrelease bad fd EBADF", mrelease(999, 0), EBADF);
    CHECK_ERR("mrelease not a pidfd EBADF", mrelease(0, 0), EBADF);
    kill(c, SIGKILL);
    errno = 0;
    long r = mrelease(pfd, 0);
    check("mrelease after SIGKILL (0 or ESRCH)", r == 0 || errno == ESRCH, 1);
    waitpid(c, NULL, 0);
    CHECK_ERR("mrelease reaped ESRCH", mrelease(pfd, 0), ESRCH);
    close(pfd);
    return finish("sysadmin");
}
