/* creds.c — credentials in the style of the Linux Test Project's setuid/setresuid
 * tests: the set*id family and their permission rules (credentials(7), setresuid(2),
 * setreuid(2), setfsuid(2), setgroups(2)), then what a process that dropped root may
 * no longer do: open a 0600 root file (EACCES), write a 0644 one, create in a root
 * directory, chown/chmod a root file (EPERM), kill a root process (EPERM), while
 * group and owner access still work; and a set-user-id exec (euid and saved uid
 * from the file's owner, AT_SECURE).
 * Must start as root (as under qemu-user or grantix run by root); every privilege drop
 * happens in a forked child, so the host is never changed. Exits 77 when not root.
 * Golden output from a real Linux kernel: qemu-user cannot execute the set-user-id
 * copy here (no binfmt_misc entry for riscv64), the rest matches qemu-riscv64. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ltp.h"

static char dir[] = "/tmp/gx_creds_XXXXXX";

static void path(char *buf, const char *name)
{
    snprintf(buf, 256, "%s/%s", dir, name);
}

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

/* File-mode checks once root is gone (generic_permission). */
static void files_dropped(void)
{
    char p[256];
    gid_t g = 1002;
    if (setgroups(1, &g) != 0 || setresgid(1001, 1001, 1001) != 0 || setresuid(1000, 1000, 1000) != 0) {
        printf("drop to 1000: FAIL\n");
        failures++;
        return;
    }
    path(p, "secret");
    CHECK_ERR("open 0600 root file for reading", open(p, O_RDONLY), EACCES);
    CHECK_ERR("access R_OK 0600 root file", access(p, R_OK), EACCES);
    path(p, "public");
    CHECK_OK("open 0644 root file for reading", open(p, O_RDONLY));
    CHECK_ERR("open 0644 root file for writing", open(p, O_WRONLY), EACCES);
    CHECK_ERR("access W_OK 0644 root file", access(p, W_OK), EACCES);
    CHECK_ERR("chmod root file", chmod(p, 0666), EPERM);
    CHECK_ERR("chown root file", chown(p, 1000, 1000), EPERM);
    CHECK_ERR("unlink in root 0755 dir", unlink(p), EACCES);
    path(p, "new");
    CHECK_ERR("create in root 0755 dir", open(p, O_CREAT | O_WRONLY, 0644), EACCES);
    CHECK_ERR("mkdir in root 0755 dir", mkdir(p, 0755), EACCES);
    path(p, "group");
    CHECK_OK("open 0640 file of a supplementary group", open(p, O_RDONLY));
    CHECK_ERR("write 0640 file of a supplementary group", open(p, O_WRONLY), EACCES);
    path(p, "mine");
    CHECK_OK("open own 0600 file", open(p, O_RDWR));
    CHECK_OK("chmod own file", chmod(p, 0640));
    CHECK_ERR("chown own file to another uid", chown(p, 1001, -1), EPERM);
    CHECK_OK("chown own file to a group of ours", chown(p, -1, 1002));
    CHECK_ERR("chown own file to a foreign group", chown(p, -1, 4242), EPERM);
    path(p, "noexec");
    CHECK_ERR("access X_OK 0644 file", access(p, X_OK), EACCES);
    CHECK_ERR("kill a root process", kill(getppid(), 0), EPERM);
    CHECK_OK("kill self", kill(getpid(), 0));
}

/* The set-user-id copy of this program, run by uid 65534: euid and saved uid are
 * the file owner's, AT_SECURE is set (execve(2), credentials(7)). */
static int suid_image(void)
{
    resuid("set-user-id exec", 65534, 1000, 1000);
    check("set-user-id exec AT_SECURE", getauxval(AT_SECURE), 1);
    CHECK_OK("set-user-id exec may return to the real uid", seteuid(65534));
    CHECK_ERR("set-user-id exec cannot become root", setuid(0), EPERM);
    fflush(stdout);
    return failures > 0;
}

/* Copies this program to dir/suid, owned by 1000 with mode 04755. */
static int make_suid_copy(char *copy)
{
    char buf[65536];
    path(copy, "suid");
    int in = open("/proc/self/exe", O_RDONLY), out = open(copy, O_CREAT | O_WRONLY | O_TRUNC, 0700);
    ssize_t n;
    if (in < 0 || out < 0)
        return -1;
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, n) != n)
            return -1;
    close(in);
    close(out);
    return chown(copy, 1000, 1000) == 0 && chmod(copy, 04755) == 0 ? 0 : -1;
}

static void exec_suid(void)
{
    char copy[256];
    path(copy, "suid");
    if (setgid(65534) != 0 || setuid(65534) != 0) {
        printf("drop to 65534: FAIL\n");
        failures++;
        return;
    }
    fflush(stdout);
    execl(copy, "creds", "suid-image", (char *)NULL);
    printf("execl set-user-id copy: FAIL got %s want success\n", ename(errno));
    failures++;
}

int main(int argc, char **argv)
{
    char p[256];
    setvbuf(stdout, NULL, _IOLBF, 0); /* partial output survives a hang or crash */
    if (argc > 1 && strcmp(argv[1], "suid-image") == 0)
        return suid_image();
    alarm(30); /* a hang ends as SIGALRM (status 142), not as a runner timeout */
    if (getuid() != 0) {
        printf("creds: must start as root\n");
        return 77;
    }
    if (!mkdtemp(dir) || chmod(dir, 0755) != 0)
        return 2;
    int fd;
    path(p, "secret");
    fd = open(p, O_CREAT | O_WRONLY, 0600);
    fchmod(fd, 0600);
    close(fd);
    path(p, "public");
    fd = open(p, O_CREAT | O_WRONLY, 0644);
    fchmod(fd, 0644);
    close(fd);
    path(p, "noexec");
    fd = open(p, O_CREAT | O_WRONLY, 0644);
    fchmod(fd, 0644);
    close(fd);
    path(p, "group");
    fd = open(p, O_CREAT | O_WRONLY, 0640);
    fchmod(fd, 0640);
    fchown(fd, 0, 1002);
    close(fd);
    path(p, "mine");
    fd = open(p, O_CREAT | O_WRONLY, 0600);
    fchmod(fd, 0600);
    fchown(fd, 1000, 1000);
    close(fd);

    resuid("root at start", 0, 0, 0);
    check("setfsuid as root returns old", setfsuid(1234), 0);
    check("setfsuid query", setfsuid(-1), 1234);
    setfsuid(0);
    in_child(res_family);
    in_child(re_family);
    in_child(setuid_root);
    in_child(files_dropped);
    check("make a set-user-id copy of this program", make_suid_copy(p), 0);
    in_child(exec_suid);
    resuid("parent still root", 0, 0, 0);
    CHECK_OK("root opens 0600 file (CAP_DAC_OVERRIDE)", open((path(p, "mine"), p), O_RDWR));

    const char *names[] = { "secret", "public", "noexec", "group", "mine", "suid" };
    for (int i = 0; i < 6; i++) {
        path(p, names[i]);
        unlink(p);
    }
    rmdir(dir);
    return finish("creds");
}
