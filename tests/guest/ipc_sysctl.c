/* ipc_sysctl.c — the /proc/sys knobs of System V IPC and memory that root may
 * write, as the Linux Test Project's msgget03-05, shmget02/05/06, munmap04 and
 * mlock05 use them: kernel/{msg,sem,shm}_next_id give the next object its id (and
 * read -1 after), kernel/msgmni caps the queues (ENOSPC), kernel/shmmax the
 * segment size (EINVAL), vm/max_map_count the mappings (mmap ENOMEM, and munmap
 * splitting one), vm/nr_hugepages reads 0 (no huge pages: SHM_HUGETLB is EINVAL,
 * memfd_create MFD_HUGETLB ENODEV), /proc/self/smaps has Rss and Locked, and the
 * kernel configuration says CONFIG_BSD_PROCESS_ACCT=y. It writes host-wide
 * settings, so it refuses (exit 77) unless uname's release names grantix; the
 * golden output is what Linux gives (ipc/ipc_sysctl.c, mm/mmap.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

static int failures;
static void check(int ok, const char *what) {
    printf("%s %s\n", ok ? "ok" : "FAIL", what);
    if (!ok) failures++;
}

static int put(const char *path, const char *v) {
    FILE *f = fopen(path, "w");
    if (!f) return -errno;
    int r = fputs(v, f) < 0 ? -1 : 0;
    if (fclose(f) != 0) r = -errno;
    return r;
}

static long get(const char *path) {
    FILE *f = fopen(path, "r");
    long v = -999;
    if (!f) return -998;
    if (fscanf(f, "%ld", &v) != 1) v = -997;
    fclose(f);
    return v;
}

/* Rss and Locked (kB) of the /proc/self/smaps entry starting at a. */
static int smaps(void *a, long *rss, long *locked) {
    FILE *f = fopen("/proc/self/smaps", "r");
    char line[256];
    int in = 0, n = 0;
    if (!f) return 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx", &lo, &hi) == 2) {
            if (in) break;
            in = lo == (unsigned long)a;
            continue;
        }
        if (in && sscanf(line, "Rss: %ld kB", rss) == 1) n++;
        if (in && sscanf(line, "Locked: %ld kB", locked) == 1) n++;
    }
    fclose(f);
    return n == 2;
}

int main(void) {
    struct utsname u;
    if (uname(&u) != 0 || !strstr(u.release, "grantix")) {
        printf("ipc_sysctl: refusing to run outside grantix\n");
        return 77;
    }
    long pg = sysconf(_SC_PAGESIZE);

    /* next_id: taken once, then -1 again. */
    check(get("/proc/sys/kernel/msg_next_id") == -1, "msg_next_id reads -1");
    check(put("/proc/sys/kernel/msg_next_id", "4242") == 0, "root writes msg_next_id");
    int q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    check(q == 4242, "the next queue gets that id");
    check(get("/proc/sys/kernel/msg_next_id") == -1, "and msg_next_id is -1 again");
    check(put("/proc/sys/kernel/msg_next_id", "4242") == 0 && msgget(IPC_PRIVATE, IPC_CREAT | 0600) != 4242, "an id in use is not handed out twice");
    check(put("/proc/sys/kernel/msg_next_id", "-5") == -EINVAL, "a negative msg_next_id: EINVAL");
    check(put("/proc/sys/kernel/shm_next_id", "77") == 0 && shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600) == 77, "shm_next_id");
    check(put("/proc/sys/kernel/sem_next_id", "78") == 0 && semget(IPC_PRIVATE, 1, IPC_CREAT | 0600) == 78, "sem_next_id");
    struct msqid_ds mds;
    check(msgctl(4242, 13 /* MSG_STAT_ANY */, &mds) == 4242, "MSG_STAT_ANY by index");

    /* msgmni. */
    struct msginfo mi;
    int used = msgctl(0, MSG_INFO, (struct msqid_ds *)&mi) >= 0 ? mi.msgpool : -1;
    char v[32];
    snprintf(v, sizeof v, "%d", used + 2);
    check(used >= 0 && put("/proc/sys/kernel/msgmni", v) == 0, "root writes msgmni");
    int a = msgget(IPC_PRIVATE, IPC_CREAT | 0600), b = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    errno = 0;
    check(a >= 0 && b >= 0 && msgget(IPC_PRIVATE, IPC_CREAT | 0600) == -1 && errno == ENOSPC, "msgget past msgmni: ENOSPC");
    put("/proc/sys/kernel/msgmni", "32000");

    /* shmmax and huge pages. */
    check(put("/proc/sys/kernel/shmmax", "8192") == 0 && get("/proc/sys/kernel/shmmax") == 8192, "root writes shmmax");
    errno = 0;
    check(shmget(IPC_PRIVATE, 8193, IPC_CREAT | 0600) == -1 && errno == EINVAL, "shmget past shmmax: EINVAL");
    errno = 0;
    check(shmget(IPC_PRIVATE, 4096, IPC_CREAT | SHM_HUGETLB | 0600) == -1 && errno == EINVAL, "SHM_HUGETLB: EINVAL (no huge pages)");
    check(put("/proc/sys/vm/nr_hugepages", "5") == 0 && get("/proc/sys/vm/nr_hugepages") == 0, "nr_hugepages takes a write and stays 0");
    errno = 0;
    check(syscall(SYS_memfd_create, "h", MFD_HUGETLB | (21 << 26)) == -1 && errno == ENODEV, "memfd_create MFD_HUGETLB: ENODEV");

    /* smaps. */
    char *p = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    long rss = -1, locked = -1;
    p[0] = 1;
    check(smaps(p, &rss, &locked) && rss == pg / 1024 && locked == 0, "smaps: one page resident, none locked");
    mlock(p, 4 * pg);
    check(smaps(p, &rss, &locked) && rss == 4 * pg / 1024 && locked == 4 * pg / 1024, "smaps after mlock: all resident and locked");
    munlock(p, 4 * pg);

    /* max_map_count: mappings at the limit, then one more, or a split. */
    int n = 0;
    FILE *m = fopen("/proc/self/maps", "r");
    char line[512];
    while (m && fgets(line, sizeof line, m)) n++;
    if (m) fclose(m);
    snprintf(v, sizeof v, "%d", n + 8);
    check(put("/proc/sys/vm/max_map_count", v) == 0, "root writes max_map_count");
    char *last = NULL, *maps[64];
    int made = 0;
    for (int i = 0; i < 64; i++) {
        char *r = mmap(NULL, 3 * pg, i % 2 ? PROT_READ : PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (r == MAP_FAILED) break;
        last = maps[made++] = r;
    }
    check(made > 0 && made < 64 && errno == ENOMEM, "mmap stops at max_map_count: ENOMEM");
    errno = 0;
    check(munmap(last + pg, pg) == -1 && errno == ENOMEM, "munmap splitting a mapping there: ENOMEM");
    check(munmap(last, pg) == 0, "munmap of its first page (no split) works");
    /* Room again before stdio (musl's malloc maps) writes the default back. */
    for (int i = 0; i < made; i++) munmap(maps[i], 3 * pg);
    check(put("/proc/sys/vm/max_map_count", "65530") == 0, "max_map_count back to 65530");

    FILE *cf = fopen("/boot/config-6.6.0-grantix", "r");
    int acct = 0;
    while (cf && fgets(line, sizeof line, cf))
        if (!strcmp(line, "CONFIG_BSD_PROCESS_ACCT=y\n")) acct = 1;
    if (cf) fclose(cf);
    check(acct, "the kernel configuration has BSD_PROCESS_ACCT");

    printf("ipc_sysctl: %d failures\n", failures);
    return failures != 0;
}
