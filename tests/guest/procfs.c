/* procfs.c — /proc as seen by a guest: readlink(/proc/self/exe) resolves to
 * the same file as argv[0] (only "match" is printed), /proc/self/maps has a
 * line mapping that file, /proc/self/fd lists 0, 1, 2 and a freshly opened
 * fd whose link points at the opened temp file, /proc/self/cwd is getcwd(),
 * /proc/self/cmdline holds argv (procfs.args), /proc/self/comm and
 * /proc/self/status follow prctl(PR_SET_NAME), /proc/self/stat starts with
 * our pid, /proc/self/auxv agrees with getauxval, /proc/self/task has our
 * tid, /proc/cpuinfo, /proc/meminfo (MemTotal), /proc/uptime,
 * /proc/sys/kernel/ostype ("Linux") are readable, and /proc/<pid> of a
 * child exists. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;
/* CHECK(cond, fmt, ...): print "ok"/"FAIL" and the message; errno as left
 * by cond is preserved for the message arguments. */
#define CHECK(cond, ...) do { int c_ = (cond); int e_ = errno; \
    printf("%s ", c_ ? "ok  " : "FAIL"); errno = e_; \
    printf(__VA_ARGS__); printf("\n"); if (!c_) failures++; } while (0)

/* read a whole (small) file; returns bytes read or -1 */
static long slurp(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    size_t got = 0;
    ssize_t n;
    while (got < cap - 1 && (n = read(fd, buf + got, cap - 1 - got)) > 0)
        got += n;
    close(fd);
    buf[got] = 0;
    return (long)got;
}

int main(int argc, char **argv)
{
    static char buf[1 << 16];
    char exe[PATH_MAX], real0[PATH_MAX];

    /* /proc/self/exe */
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n >= 0)
        exe[n] = 0;
    int have_real = realpath(argv[0], real0) != NULL;
    CHECK(n > 0 && have_real && strcmp(exe, real0) == 0, "readlink(/proc/self/exe) matches realpath(argv[0])");
    struct stat s1, s2;
    int efd = open("/proc/self/exe", O_RDONLY);
    CHECK(efd >= 0 && fstat(efd, &s1) == 0 && stat(argv[0], &s2) == 0 && s1.st_ino == s2.st_ino && s1.st_dev == s2.st_dev,
          "open(/proc/self/exe) opens the same file as argv[0]");
    char magic[4] = { 0 };
    CHECK(efd >= 0 && read(efd, magic, 4) == 4 && memcmp(magic, "\177ELF", 4) == 0, "...which starts with \\177ELF");
    close(efd);

    /* /proc/self/maps */
    long len = slurp("/proc/self/maps", buf, sizeof buf);
    int exe_lines = 0, exec_perm = 0;
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        char *path = strchr(line, '/');
        if (path && strcmp(path, exe) == 0) {
            exe_lines++;
            char perms[8];
            if (sscanf(line, "%*s %7s", perms) == 1 && perms[2] == 'x')
                exec_perm = 1;
        }
    }
    CHECK(len > 0 && exe_lines >= 1 && exec_perm, "/proc/self/maps maps the executable, one mapping is executable");

    /* /proc/self/fd */
    char dir[] = "/tmp/gx_procfs_XXXXXX", path[64];
    if (!mkdtemp(dir))
        return 2;
    char *rdir = realpath(dir, NULL);
    snprintf(path, sizeof path, "%s/opened", rdir ? rdir : dir);
    int fd = open(path, O_CREAT | O_RDWR, 0600);
    DIR *d = opendir("/proc/self/fd");
    int has[3] = { 0, 0, 0 }, has_fd = 0, entries = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        int k = atoi(e->d_name);
        entries++;
        if (k >= 0 && k < 3)
            has[k] = 1;
        if (k == fd)
            has_fd = 1;
    }
    if (d)
        closedir(d);
    CHECK(has[0] && has[1] && has[2], "/proc/self/fd lists 0, 1 and 2");
    CHECK(has_fd, "/proc/self/fd lists the newly opened fd");
    char lnk[64], target[PATH_MAX];
    snprintf(lnk, sizeof lnk, "/proc/self/fd/%d", fd);
    n = readlink(lnk, target, sizeof target - 1);
    if (n >= 0)
        target[n] = 0;
    CHECK(n > 0 && strcmp(target, path) == 0, "readlink(/proc/self/fd/N) is the temp file's path (basename %s)", strrchr(path, '/') + 1);
    unlink(path);
    n = readlink(lnk, target, sizeof target - 1);
    if (n >= 0)
        target[n] = 0;
    CHECK(n > 0 && strstr(target, "(deleted)") != NULL, "after unlink the link says \"(deleted)\"");
    close(fd);
    rmdir(dir);
    free(rdir);

    /* cwd */
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd))
        return 2;
    n = readlink("/proc/self/cwd", target, sizeof target - 1);
    if (n >= 0)
        target[n] = 0;
    CHECK(n > 0 && strcmp(target, cwd) == 0, "/proc/self/cwd == getcwd()");

    /* cmdline */
    len = slurp("/proc/self/cmdline", buf, sizeof buf);
    int nargs = 0, same = 1;
    for (long off = 0; off < len; off += strlen(buf + off) + 1) {
        if (nargs < argc)
            same &= strcmp(buf + off, argv[nargs]) == 0;
        nargs++;
    }
    CHECK(nargs == argc && same, "/proc/self/cmdline has the %d argv strings", argc);
    for (int i = 1; i < argc; i++)
        printf("     argv[%d] = [%s]\n", i, argv[i]);

    /* comm / status / stat after PR_SET_NAME */
    CHECK(prctl(PR_SET_NAME, "gx-procfs-test", 0, 0, 0) == 0, "prctl(PR_SET_NAME, \"gx-procfs-test\")");
    len = slurp("/proc/self/comm", buf, sizeof buf);
    CHECK(strcmp(buf, "gx-procfs-test\n") == 0, "/proc/self/comm = %.*s", (int)strcspn(buf, "\n"), buf);
    char tcomm[64];
    snprintf(tcomm, sizeof tcomm, "/proc/self/task/%ld/comm", (long)syscall(SYS_gettid));
    slurp(tcomm, buf, sizeof buf);
    CHECK(strcmp(buf, "gx-procfs-test\n") == 0, "/proc/self/task/<tid>/comm agrees");
    slurp("/proc/self/status", buf, sizeof buf);
    char *nm = strstr(buf, "Name:");
    char name[64] = "";
    if (nm)
        sscanf(nm, "Name: %63s", name);
    CHECK(strcmp(name, "gx-procfs-test") == 0, "/proc/self/status Name: %s", name);
    char *pidl = strstr(buf, "\nPid:");
    CHECK(pidl && atol(pidl + 5) == getpid(), "/proc/self/status Pid: is getpid()");
    slurp("/proc/self/stat", buf, sizeof buf);
    long spid = -1, sppid = -1;
    char sstate = '?';
    char *rp = strrchr(buf, ')');
    sscanf(buf, "%ld", &spid);
    if (rp)
        sscanf(rp + 1, " %c %ld", &sstate, &sppid);
    /* (comm and state are not checked: qemu-user's emulated /proc/self/stat
     * shows the program name instead of the PR_SET_NAME one, and "0" as the
     * state where Linux shows "R") */
    (void)sstate;
    CHECK(spid == getpid() && sppid == getppid(), "/proc/self/stat: pid and ppid match");

    /* auxv */
    int afd = open("/proc/self/auxv", O_RDONLY);
    unsigned long av[256];
    n = afd >= 0 ? read(afd, av, sizeof av) : -1;
    close(afd);
    int found = 0, agree = 1;
    for (long i = 0; i + 1 < n / (long)sizeof(long) && av[i] != AT_NULL; i += 2) {
        if (av[i] == AT_PAGESZ)
            found = av[i + 1] == 4096;
        if (av[i] == AT_ENTRY || av[i] == AT_PHDR || av[i] == AT_PHNUM)
            agree &= getauxval(av[i]) == av[i + 1];
    }
    CHECK(n > 0 && found && agree, "/proc/self/auxv: AT_PAGESZ 4096, AT_ENTRY/PHDR/PHNUM equal getauxval()");

    /* task */
    d = opendir("/proc/self/task");
    int has_tid = 0;
    long tid = syscall(SYS_gettid);
    while (d && (e = readdir(d)))
        if (atol(e->d_name) == tid)
            has_tid = 1;
    if (d)
        closedir(d);
    CHECK(has_tid && tid == getpid(), "/proc/self/task contains our tid (== pid for the main thread)");

    /* system files */
    len = slurp("/proc/cpuinfo", buf, sizeof buf);
    CHECK(len > 0, "/proc/cpuinfo readable and non-empty");
    len = slurp("/proc/meminfo", buf, sizeof buf);
    unsigned long memtotal = 0;
    char *mt = strstr(buf, "MemTotal:");
    if (mt)
        sscanf(mt, "MemTotal: %lu", &memtotal);
    CHECK(len > 0 && memtotal > 0, "/proc/meminfo has MemTotal > 0");
    len = slurp("/proc/uptime", buf, sizeof buf);
    double up = 0, idle = 0;
    CHECK(len > 0 && sscanf(buf, "%lf %lf", &up, &idle) == 2 && up > 0, "/proc/uptime parses, uptime > 0");
    len = slurp("/proc/sys/kernel/ostype", buf, sizeof buf);
    CHECK(strcmp(buf, "Linux\n") == 0, "/proc/sys/kernel/ostype = Linux");
    errno = 0;
    CHECK(open("/proc/self/no-such-entry", O_RDONLY) == -1 && errno == ENOENT, "missing /proc entry -> ENOENT");

    /* a child's /proc entry */
    int p[2];
    if (pipe(p) != 0)
        return 2;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        close(p[1]);
        _exit(read(p[0], &c, 1) == 0 ? 0 : 1);
    }
    char cp[64];
    snprintf(cp, sizeof cp, "/proc/%d/stat", (int)pid);
    len = slurp(cp, buf, sizeof buf);
    long cpid = 0, ppid = 0;
    char state = '?';
    sscanf(buf, "%ld (%*[^)]) %c %ld", &cpid, &state, &ppid);
    CHECK(len > 0 && cpid == pid && ppid == getpid(), "/proc/<child>/stat: pid and ppid (us) match");
    close(p[1]);
    close(p[0]);
    waitpid(pid, NULL, 0);
    struct stat st;
    snprintf(cp, sizeof cp, "/proc/%d", (int)pid);
    errno = 0;
    CHECK(stat(cp, &st) == -1 && errno == ENOENT, "reaped child's /proc entry is gone");

    printf("procfs: %d failures\n", failures);
    return failures ? 1 : 0;
}
