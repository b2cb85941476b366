/* uname_sysinfo.c — system information calls: uname (sysname "Linux",
 * machine "riscv64"; release/version/nodename vary, only checked non-empty),
 * gethostname == uname nodename, sysinfo (totalram > 0, mem_unit, uptime,
 * procs, loads), getrlimit/setrlimit/prlimit (prlimit agrees with getrlimit,
 * lowering a soft limit is visible, RLIM_INFINITY handling), getrusage for
 * self and children, sched_getaffinity (count printed only as ">= 1"),
 * ids (uid == euid, gid == egid, getgroups), pid/ppid/pgid/sid sanity,
 * umask round trip. Values that differ between hosts are not printed. */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;
/* CHECK(cond, fmt, ...): print "ok"/"FAIL" and the message; errno as left
 * by cond is preserved for the message arguments. */
#define CHECK(cond, ...) do { int c_ = (cond); int e_ = errno; \
    printf("%s ", c_ ? "ok  " : "FAIL"); errno = e_; \
    printf(__VA_ARGS__); printf("\n"); if (!c_) failures++; } while (0)

int main(void)
{
    struct utsname u;
    CHECK(uname(&u) == 0, "uname");
    printf("     sysname=%s machine=%s\n", u.sysname, u.machine);
    CHECK(strcmp(u.sysname, "Linux") == 0 && strcmp(u.machine, "riscv64") == 0, "sysname Linux, machine riscv64");
    CHECK(u.release[0] && u.version[0] && u.nodename[0], "release, version, nodename non-empty");
    int maj = 0, min = 0;
    CHECK(sscanf(u.release, "%d.%d", &maj, &min) == 2 && (maj > 4 || (maj == 4 && min >= 15)), "release looks like a kernel >= 4.15");
    char host[256];
    CHECK(gethostname(host, sizeof host) == 0 && strcmp(host, u.nodename) == 0, "gethostname == uname nodename");

    struct sysinfo si;
    CHECK(sysinfo(&si) == 0, "sysinfo");
    CHECK(si.totalram > 0 && si.mem_unit >= 1 && si.freeram <= si.totalram, "totalram > 0, freeram <= totalram, mem_unit >= 1");
    CHECK((unsigned long long)si.totalram * si.mem_unit >= 16ULL << 20, "at least 16 MiB of RAM");
    CHECK(si.uptime > 0 && si.procs >= 1, "uptime > 0, procs >= 1");
    CHECK(get_nprocs() >= 1 && get_nprocs_conf() >= get_nprocs(), "get_nprocs() >= 1, conf >= online");

    /* rlimits */
    static const struct { int res; const char *name; } lims[] = {
        { RLIMIT_NOFILE, "NOFILE" }, { RLIMIT_STACK, "STACK" }, { RLIMIT_CORE, "CORE" }, { RLIMIT_CPU, "CPU" },
        { RLIMIT_FSIZE, "FSIZE" }, { RLIMIT_AS, "AS" }, { RLIMIT_DATA, "DATA" }, { RLIMIT_NPROC, "NPROC" },
    };
    for (size_t i = 0; i < sizeof lims / sizeof *lims; i++) {
        struct rlimit g, p;
        int r1 = getrlimit(lims[i].res, &g);
        int r2 = prlimit(0, lims[i].res, NULL, &p);
        CHECK(r1 == 0 && r2 == 0 && g.rlim_cur == p.rlim_cur && g.rlim_max == p.rlim_max && (g.rlim_max == RLIM_INFINITY || g.rlim_cur <= g.rlim_max),
              "RLIMIT_%-6s getrlimit == prlimit, soft <= hard", lims[i].name);
    }
    struct rlimit nf, nf2, old;
    getrlimit(RLIMIT_NOFILE, &nf);
    struct rlimit want = { 64, nf.rlim_max };
    CHECK(prlimit(0, RLIMIT_NOFILE, &want, &old) == 0 && old.rlim_cur == nf.rlim_cur, "prlimit sets NOFILE soft=64 and returns the old value");
    getrlimit(RLIMIT_NOFILE, &nf2);
    CHECK(nf2.rlim_cur == 64 && nf2.rlim_max == nf.rlim_max, "getrlimit sees soft=%llu", (unsigned long long)nf2.rlim_cur);
    CHECK(sysconf(_SC_OPEN_MAX) == 64, "sysconf(_SC_OPEN_MAX) follows it: %ld", sysconf(_SC_OPEN_MAX));
    setrlimit(RLIMIT_NOFILE, &nf);
    struct rlimit core = { 0, 0 };
    getrlimit(RLIMIT_CORE, &old);
    CHECK(setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, old.rlim_max }) == 0 && getrlimit(RLIMIT_CORE, &core) == 0 && core.rlim_cur == 0, "RLIMIT_CORE soft 0");

    /* rusage */
    struct rusage ru;
    CHECK(getrusage(RUSAGE_SELF, &ru) == 0 && ru.ru_maxrss > 0 && ru.ru_utime.tv_usec < 1000000, "getrusage(SELF): maxrss > 0");
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        volatile long x = 0;
        for (long i = 0; i < 2000000; i++)
            x += i;
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    CHECK(getrusage(RUSAGE_CHILDREN, &ru) == 0 && ru.ru_maxrss > 0, "getrusage(CHILDREN) after reaping a child: maxrss > 0");
    errno = 0;
    CHECK(getrusage(12345, &ru) == -1 && errno == EINVAL, "getrusage(bad who) -> EINVAL");

    /* affinity */
    cpu_set_t set;
    CPU_ZERO(&set);
    CHECK(sched_getaffinity(0, sizeof set, &set) == 0, "sched_getaffinity");
    int cnt = CPU_COUNT(&set);
    printf("     CPUs in affinity mask: %s\n", cnt >= 1 ? ">=1" : "0");

    /* identities */
    CHECK(getuid() == geteuid() && getgid() == getegid(), "uid == euid, gid == egid");
    uid_t r, e, s;
    CHECK(getresuid(&r, &e, &s) == 0 && r == getuid() && e == geteuid() && s == e, "getresuid consistent");
    int ng = getgroups(0, NULL);
    CHECK(ng >= 0, "getgroups count >= 0");
    /* ppid is 1 under grantix (the program is pid 2, a child of init), other values elsewhere */
    CHECK(getpid() > 0 && getppid() >= 0 && getpid() != getppid(), "pid > 0, ppid >= 0, distinct");
    /* (pgrp/sid can be 0 when the session leader is outside our pid namespace) */
    CHECK(getpgrp() >= 0 && getsid(0) >= 0 && getpgid(0) == getpgrp(), "getpgid(0) == getpgrp(), getsid(0) works");
    mode_t m0 = umask(027);
    mode_t m1 = umask(m0);
    CHECK(m1 == 027, "umask returns the previous mask (%03o)", m1);

    printf("uname_sysinfo: %d failures\n", failures);
    return failures ? 1 : 0;
}
