/* creds_ids.c — the credential syscalls without the file system: the set*id family
 * and their permission rules (credentials(7), setresuid(2), setreuid(2),
 * setfsuid(2), setgroups(2)), ids inherited by fork, kill/tgkill permission after
 * dropping root (EPERM), and capget/capset (capabilities cleared when every uid
 * leaves 0, no raising them back, the version handshake). The subset of
 * tests/guest/pending/creds.c that needs no file permission checks and no
 * set-user-id exec.
 * Must start as root (as under qemu-user or grantix run by root); every privilege drop
 * happens in a forked child, so the host is never changed. Exits 77 when not root.
 * Golden output from qemu-riscv64 (glibc and musl). */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* linux/capability.h, spelled out: musl's headers do not carry the kernel's. */
#define _LINUX_CAPABILITY_VERSION_3 0x20080522
#define CAP_KILL 5
#define CAP_SETUID 7
struct __user_cap_header_struct { unsigned version; int pid; };
struct __user_cap_data_struct { unsigned effective, permitted, inheritable; };

#include "ltp.h"

static void resuid(const char *name, uid_t r, uid_t e, uid_t s)
{
    uid_t a = 9, b = 9, c = 9;
    char n[80];
    getresuid(&a, &b, &c);
    snprintf(n, sizeof n, "%s real", name);
    check(n, a, r);
    snprintf(n, sizeof n, "%s effective", name);
    check(n, b, e);
    snprintf(n, sizeof n, "%s saved", name);
    check(n, c, s);
}

static void resgid(const char *name, gid_t r, gid_t e, gid_t s)
{
    gid_t a = 9, b = 9, c = 9;
    char n[80];
    getresgid(&a, &b, &c);
    snprintf(n, sizeof n, "%s real", name);
    check(n, a, r);
    snprintf(n, sizeof n, "%s effective", name);
    check(n, b, e);
    snprintf(n, sizeof n, "%s saved", name);
    check(n, c, s);
}

/* Runs f in a child; its output comes before anything the parent prints next. */
static void in_child(void (*f)(void))
{
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        f();
        fflush(stdout);
        _exit(failures > 0);
    }
    int st = 0;
    waitpid(p, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        failures++;
}

/* setresuid/setresgid: root sets any triple; an unprivileged process only
 * values among its current real, effective and saved ids. */
static void res_family(void)
{
    gid_t groups[2] = { 1002, 1003 }, got[8];
    CHECK_OK("setgroups 2 as root", setgroups(2, groups));
    check("getgroups count", getgroups(8, got), 2);
    check("getgroups first", got[0], 1002);
    CHECK_ERR("getgroups size too small", getgroups(1, got), EINVAL);
    CHECK_OK("setresgid 1000 1001 1002", setresgid(1000, 1001, 1002));
    resgid("getresgid after setresgid", 1000, 1001, 1002);
    check("setfsgid query", setfsgid(-1), 1001);
    CHECK_OK("setresuid 1000 1001 0", setresuid(1000, 1001, 0));
    resuid("getresuid after setresuid", 1000, 1001, 0);
    check("setfsuid follows euid", setfsuid(-1), 1001);
    CHECK_OK("seteuid back to saved 0", seteuid(0));
    resuid("getresuid after seteuid 0", 1000, 0, 0);
    CHECK_OK("setresuid -1 -1 -1 is a no-op", setresuid(-1, -1, -1));
    resuid("getresuid after no-op", 1000, 0, 0);
    CHECK_OK("setresuid 1000 1000 1000", setresuid(1000, 1000, 1000));
    resuid("getresuid after dropping all", 1000, 1000, 1000);
    CHECK_ERR("setuid 0 unprivileged", setuid(0), EPERM);
    CHECK_ERR("setresuid -1 0 -1 unprivileged", setresuid(-1, 0, -1), EPERM);
    CHECK_ERR("setreuid 2000 -1 unprivileged", setreuid(2000, -1), EPERM);
    CHECK_ERR("seteuid 2000 unprivileged", seteuid(2000), EPERM);
    CHECK_OK("setreuid to own ids", setreuid(1000, 1000));
    CHECK_OK("setuid to own uid", setuid(1000));
    CHECK_ERR("setgid 0 without CAP_SETGID", setgid(0), EPERM);
    CHECK_ERR("setresgid 5 5 5 without CAP_SETGID", setresgid(5, 5, 5), EPERM);
    CHECK_OK("setresgid among own gids", setresgid(1002, 1000, 1001));
    resgid("getresgid permuted", 1002, 1000, 1001);
    CHECK_ERR("setgroups without CAP_SETGID", setgroups(0, NULL), EPERM);
    check("setfsuid 0 refused returns old", setfsuid(0), 1000);
    check("setfsuid still 1000", setfsuid(-1), 1000);
    check("setfsgid 0 refused returns old", setfsgid(0), 1000);
    check("setfsgid still 1000", setfsgid(-1), 1000);
}

/* setreuid: setting the real id, or an effective id other than the real one, sets
 * the saved id to the new effective id (setreuid(2)). */
static void re_family(void)
{
    CHECK_OK("setreuid 1000 0", setreuid(1000, 0));
    resuid("after setreuid 1000 0", 1000, 0, 0);
    CHECK_OK("setreuid -1 1000", setreuid(-1, 1000));
    resuid("after setreuid -1 1000", 1000, 1000, 0);
    CHECK_OK("setreuid -1 0 via saved", setreuid(-1, 0));
    resuid("after setreuid -1 0", 1000, 0, 0);
    CHECK_OK("setreuid -1 2000", setreuid(-1, 2000));
    resuid("after setreuid -1 2000", 1000, 2000, 2000);
    CHECK_ERR("setreuid -1 0 saved gone", setreuid(-1, 0), EPERM);
    CHECK_OK("setreuid swap real and effective", setreuid(2000, 1000));
    resuid("after swap", 2000, 1000, 1000);
    CHECK_ERR("setregid 7 -1 unprivileged", setregid(7, -1), EPERM);
}

/* setuid by root sets all three ids; afterwards nothing brings root back. */
static void setuid_root(void)
{
    CHECK_ERR("setuid -1 invalid", setuid((uid_t)-1), EINVAL);
    CHECK_OK("setgid 65534 as root", setgid(65534));
    resgid("getresgid after setgid", 65534, 65534, 65534);
    CHECK_OK("setuid 65534 as root", setuid(65534));
    resuid("getresuid after setuid", 65534, 65534, 65534);
    CHECK_ERR("setuid 0 after dropping", setuid(0), EPERM);
    CHECK_ERR("seteuid 0 after dropping", seteuid(0), EPERM);
}


/* After dropping root: ids survive fork; signals to root processes are refused. */
static void kill_dropped(void)
{
    gid_t g = 1002, got[4];
    if (setgroups(1, &g) != 0 || setresgid(1001, 1001, 1001) != 0 || setresuid(1000, 1000, 1000) != 0) {
        printf("drop to 1000: FAIL\n");
        failures++;
        return;
    }
    CHECK_ERR("kill a root process", kill(getppid(), 0), EPERM);
    CHECK_ERR("kill a root process with SIGTERM", kill(getppid(), SIGTERM), EPERM);
    CHECK_ERR("tgkill a root thread", syscall(SYS_tgkill, getppid(), getppid(), SIGTERM), EPERM);
    CHECK_OK("kill self", kill(getpid(), 0));
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        uid_t r = 9, e = 9, s = 9;
        getresuid(&r, &e, &s);
        int n = getgroups(4, got);
        /* One line from the child, printed before the parent's next check. */
        printf("fork keeps ids: %s\n", r == 1000 && e == 1000 && s == 1000 && getgid() == 1001 && n == 1 && got[0] == 1002 ? "ok" : "FAIL");
        fflush(stdout);
        pause();
        _exit(0);
    }
    int st = 0;
    usleep(100000);
    CHECK_OK("kill own-uid child", kill(c, SIGTERM));
    waitpid(c, &st, 0);
    check("own-uid child killed by SIGTERM", WIFSIGNALED(st) ? WTERMSIG(st) : -1, SIGTERM);
}

static void caps(const char *name, unsigned eff0, unsigned perm0)
{
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct d[2];
    char n[80];
    memset(d, 0xff, sizeof d);
    CHECK_OK(name, syscall(SYS_capget, &h, d));
    snprintf(n, sizeof n, "%s CAP_SETUID effective", name);
    check(n, (d[0].effective >> CAP_SETUID) & 1, eff0);
    snprintf(n, sizeof n, "%s CAP_SETUID permitted", name);
    check(n, (d[0].permitted >> CAP_SETUID) & 1, perm0);
    snprintf(n, sizeof n, "%s inheritable", name);
    check(n, d[0].inheritable | d[1].inheritable, 0);
}

/* capget/capset: root holds CAP_SETUID; seteuid away from 0 clears only the
 * effective set; dropping every uid clears the permitted set too. */
static void cap_family(void)
{
    struct __user_cap_header_struct h = { 0x12345678, 0 };
    struct __user_cap_data_struct d[2];
    CHECK_ERR("capget bad version", syscall(SYS_capget, &h, d), EINVAL);
    check("capget writes the preferred version", h.version, _LINUX_CAPABILITY_VERSION_3);
    h.version = 0x12345678;
    check("capget bad version with NULL data", syscall(SYS_capget, &h, NULL), 0);
    h.version = _LINUX_CAPABILITY_VERSION_3;
    h.pid = -5;
    CHECK_ERR("capget negative pid", syscall(SYS_capget, &h, d), EINVAL);
    h.pid = 999999;
    CHECK_ERR("capget no such pid", syscall(SYS_capget, &h, d), ESRCH);
    caps("capget as root", 1, 1);
    h.pid = getppid();
    memset(d, 0, sizeof d);
    CHECK_ERR("capset another process", syscall(SYS_capset, &h, d), EPERM);
    CHECK_OK("setresuid 1000 1000 0", setresuid(1000, 1000, 0));
    caps("capget euid 1000 saved 0", 0, 1);
    CHECK_OK("seteuid 0 restores effective", seteuid(0));
    caps("capget euid 0 again", 1, 1);
    h.pid = 0;
    h.version = _LINUX_CAPABILITY_VERSION_3;
    memset(d, 0, sizeof d);
    d[0].permitted = 1u << CAP_KILL;
    d[0].effective = 1u << CAP_KILL;
    CHECK_OK("capset keeps only CAP_KILL", syscall(SYS_capset, &h, d));
    caps("capget after capset", 0, 0);
    d[0].permitted = d[0].effective = (1u << CAP_KILL) | (1u << CAP_SETUID);
    CHECK_ERR("capset raising a dropped capability", syscall(SYS_capset, &h, d), EPERM);
    d[0].permitted = 1u << CAP_KILL;
    d[0].effective = 1u << CAP_SETUID;
    CHECK_ERR("capset effective beyond permitted", syscall(SYS_capset, &h, d), EPERM);
    CHECK_ERR("setuid 1234 without CAP_SETUID", setuid(1234), EPERM);
    CHECK_OK("seteuid 1000", seteuid(1000));
    CHECK_ERR("kill root parent: seteuid cleared CAP_KILL", kill(getppid(), 0), EPERM);
    CHECK_OK("setresuid 1000 1000 1000", setresuid(1000, 1000, 1000));
    caps("capget after dropping every uid", 0, 0);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* partial output survives a hang or crash */
    alarm(30); /* a hang ends as SIGALRM (status 142), not as a runner timeout */
    if (getuid() != 0) {
        printf("creds_ids: must start as root\n");
        return 77;
    }
    resuid("root at start", 0, 0, 0);
    check("setfsuid as root returns old", setfsuid(1234), 0);
    check("setfsuid query", setfsuid(-1), 1234);
    setfsuid(0);
    in_child(res_family);
    in_child(re_family);
    in_child(setuid_root);
    in_child(kill_dropped);
    in_child(cap_family);
    resuid("parent still root", 0, 0, 0);
    return finish("creds_ids");
}
