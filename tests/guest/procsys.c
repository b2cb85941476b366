/* procsys.c — the /proc files Linux test suites probe, in the style of the Linux Test
 * Project: no /proc/config.gz (see procsys.rs), /proc/sys/fs/pipe-max-size
 * (read, written by root with proc_dopipe_max_size's rounding, EINVAL, EACCES for
 * others, and F_SETPIPE_SZ past it: EPERM without CAP_SYS_RESOURCE), other /proc/sys
 * values and modes, /proc/self/pagemap (present bit, PFN zero for an unprivileged reader,
 * EINVAL for unaligned reads), /proc/PID/timerslack_ns (read, write, 0 restores the
 * default, a child inherits, EINVAL, EPERM for another process without CAP_SYS_NICE).
 *
 * Must start as root (exit 77 otherwise) and refuses to run outside grantix (exit 77):
 * under qemu-user these files are the host's, and as root this program writes
 * /proc/sys/fs/pipe-max-size. Its golden output was written from the kernel's sources
 * (fs/pipe.c, fs/proc/base.c, fs/proc/task_mmu.c, kernel/sysctl.c), not recorded. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ltp.h"

/* The first line of `path` as a number, or -errno. */
static long long read_num(const char *path)
{
    char b[64] = {0};
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -errno;
    int n = read(fd, b, sizeof b - 1);
    int e = errno;
    close(fd);
    if (n < 0)
        return -e;
    return strtoll(b, NULL, 10);
}

/* Writes `s` to `path`: 0 or -errno (of the open or of the write). */
static int write_str(const char *path, const char *s)
{
    int fd = open(path, O_WRONLY);
    if (fd < 0)
        return -errno;
    int r = write(fd, s, strlen(s)) < 0 ? -errno : 0;
    close(fd);
    return r;
}

static uint64_t pagemap_entry(void *addr)
{
    uint64_t e = 0;
    int fd = open("/proc/self/pagemap", O_RDONLY);
    if (fd < 0)
        return 0;
    if (pread(fd, &e, 8, (uintptr_t)addr / 4096 * 8) != 8)
        e = 0;
    close(fd);
    return e;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    alarm(30);
    struct utsname u;
    if (uname(&u) != 0 || !strstr(u.release, "grantix")) {
        printf("procsys: refusing to run outside grantix\n");
        return 77;
    }
    if (getuid() != 0) {
        printf("procsys: must start as root\n");
        return 77;
    }

    /* No /proc/config.gz: a kernel without IKCONFIG_PROC, as distributions
     * build theirs (its readers inflate it through popen("zcat")). */
    CHECK_ERR("no /proc/config.gz", access("/proc/config.gz", F_OK), ENOENT);
    struct stat st;
    int fd;
    /* The configuration where distributions install theirs: /boot/config-RELEASE. */
    struct utsname un;
    uname(&un);
    char kc[128], line[256];
    snprintf(kc, sizeof kc, "/boot/config-%s", un.release);
    FILE *kf = fopen(kc, "r");
    int sysv = 0, nomod = 0;
    while (kf && fgets(line, sizeof line, kf)) {
        sysv |= strcmp(line, "CONFIG_SYSVIPC=y\n") == 0;
        nomod |= strcmp(line, "# CONFIG_MODULES is not set\n") == 0;
    }
    if (kf)
        fclose(kf);
    check("/boot/config-RELEASE: CONFIG_SYSVIPC=y, MODULES not set", kf != NULL && sysv && nomod, 1);
    CHECK_ERR("/boot/config-RELEASE is not writable", open(kc, O_WRONLY), EACCES);

    /* pipe-max-size and friends. */
    check("pipe-max-size default", read_num("/proc/sys/fs/pipe-max-size"), 1048576);
    check("pipe-user-pages-soft", read_num("/proc/sys/fs/pipe-user-pages-soft"), 16384);
    check("pipe-user-pages-hard", read_num("/proc/sys/fs/pipe-user-pages-hard"), 0);
    check("write pipe-max-size 5000", write_str("/proc/sys/fs/pipe-max-size", "5000\n"), 0);
    check("rounded up to a power of two pages", read_num("/proc/sys/fs/pipe-max-size"), 8192);
    check("write pipe-max-size 0", write_str("/proc/sys/fs/pipe-max-size", "0"), 0);
    check("at least a page", read_num("/proc/sys/fs/pipe-max-size"), 4096);
    check("pipe-max-size not a number", write_str("/proc/sys/fs/pipe-max-size", "lots"), -EINVAL);
    check("pipe-max-size above 2 GiB", write_str("/proc/sys/fs/pipe-max-size", "4294967296"), -EINVAL);
    check("restore pipe-max-size", write_str("/proc/sys/fs/pipe-max-size", "1048576"), 0);
    int p[2];
    pipe(p);
    check("F_SETPIPE_SZ as root past the maximum", fcntl(p[0], F_SETPIPE_SZ, 2 << 20), 2 << 20);
    check("F_SETPIPE_SZ rounds up", fcntl(p[0], F_SETPIPE_SZ, 5000), 8192);
    check("F_GETPIPE_SZ", fcntl(p[1], F_GETPIPE_SZ), 8192);

    /* Other sysctls: values grantix keeps, and modes. */
    check("cap_last_cap", read_num("/proc/sys/kernel/cap_last_cap"), 40);
    check("msgmni", read_num("/proc/sys/kernel/msgmni"), 32000);
    check("max_map_count", read_num("/proc/sys/vm/max_map_count"), 65530);
    check("mqueue/queues_max", read_num("/proc/sys/fs/mqueue/queues_max"), 256);
    check("overflowuid", read_num("/proc/sys/kernel/overflowuid"), 65534);
    check("write overflowuid out of range", write_str("/proc/sys/kernel/overflowuid", "70000"), -EINVAL);
    check("tainted is read-only even for root", write_str("/proc/sys/kernel/tainted", "1"), -EACCES);
    check("drop_caches cannot be read", read_num("/proc/sys/vm/drop_caches"), -EACCES);
    check("drop_caches takes 3", write_str("/proc/sys/vm/drop_caches", "3"), 0);
    stat("/proc/sys/fs/pipe-max-size", &st);
    check("pipe-max-size mode 0644", st.st_mode & 07777, 0644);
    check("missing sysctl", read_num("/proc/sys/fs/nosuchknob"), -ENOENT);

    /* pagemap: a touched page is present, an untouched one is not. */
    char *m = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    m[0] = 1;
    uint64_t e = pagemap_entry(m);
    check("touched page present (bit 63)", e >> 63, 1);
    check("root sees its frame number", (e & ((1ULL << 55) - 1)) != 0, 1);
    check("untouched page not present", pagemap_entry(m + 4096) >> 63, 0);
    fd = open("/proc/self/pagemap", O_RDONLY);
    uint64_t two[2];
    CHECK_ERR("pagemap read at an unaligned offset", pread(fd, two, 8, 4), EINVAL);
    CHECK_ERR("pagemap read of a partial entry", pread(fd, two, 4, 0), EINVAL);
    check("pagemap reads two entries", pread(fd, two, 16, (uintptr_t)m / 4096 * 8), 16);
    close(fd);

    /* timerslack_ns. */
    check("timerslack_ns default", read_num("/proc/self/timerslack_ns"), 50000);
    check("write timerslack_ns", write_str("/proc/self/timerslack_ns", "100000"), 0);
    check("read back", read_num("/proc/self/timerslack_ns"), 100000);
    check("timerslack_ns not a number", write_str("/proc/self/timerslack_ns", "fast"), -EINVAL);
    check("timerslack_ns negative", write_str("/proc/self/timerslack_ns", "-1"), -EINVAL);

    char path[64];
    snprintf(path, sizeof path, "/proc/%d/timerslack_ns", getpid());
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        check("a child inherits the slack", read_num("/proc/self/timerslack_ns"), 100000);
        check("0 restores the default: the parent's slack at fork", write_str("/proc/self/timerslack_ns", "0") == 0 ? read_num("/proc/self/timerslack_ns") : -1, 100000);
        if (setgid(65534) != 0 || setuid(65534) != 0)
            _exit(100);
        check("another's timerslack_ns without CAP_SYS_NICE: read", read_num(path), -EPERM);
        check("another's timerslack_ns without CAP_SYS_NICE: write", write_str(path, "1000"), -EPERM);
        check("pipe-max-size not writable by others", write_str("/proc/sys/fs/pipe-max-size", "4096"), -EACCES);
        int q[2];
        pipe(q);
        CHECK_ERR("F_SETPIPE_SZ past the maximum without CAP_SYS_RESOURCE", fcntl(q[0], F_SETPIPE_SZ, 2 << 20), EPERM);
        check("F_SETPIPE_SZ up to the maximum", fcntl(q[0], F_SETPIPE_SZ, 1 << 20), 1 << 20);
        check("unprivileged pagemap: present", pagemap_entry(m) >> 63, 1);
        check("unprivileged pagemap: no frame number", pagemap_entry(m) & ((1ULL << 55) - 1), 0);
        CHECK_ERR("pagemap (0400) is not writable", open("/proc/self/pagemap", O_WRONLY), EACCES);
        fflush(stdout);
        _exit(failures);
    }
    int ws = 0;
    waitpid(c, &ws, 0);
    failures += WIFEXITED(ws) ? WEXITSTATUS(ws) : 1;
    check("write 0 restores the default", write_str("/proc/self/timerslack_ns", "0"), 0);
    check("the default is 50000", read_num("/proc/self/timerslack_ns"), 50000);
    return finish("procsys");
}
