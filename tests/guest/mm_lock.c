/* mm_lock.c — locked memory and mapping rights as the Linux Test Project's mmap14,
 * munlockall01, mlock05, mincore03, msync03, mprotect01, memfd_create01, mmap04
 * and mmap18 check them: mmap(MAP_LOCKED) and mlock count in VmLck of
 * /proc/self/status and fault the pages in (mincore says resident), msync with
 * MS_INVALIDATE over locked pages is EBUSY, a shared mapping of a descriptor open
 * read-only or of a memfd sealed with F_SEAL_FUTURE_WRITE cannot be made writable
 * (mprotect: EACCES), /proc/self/maps says 's' for a shared mapping and shows the
 * rights of an executable one, and a fault just below a MAP_GROWSDOWN mapping grows
 * it. Golden from qemu-riscv64 (host kernel). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static int failures;
static void check(int ok, const char *what) {
    printf("%s %s\n", ok ? "ok" : "FAIL", what);
    if (!ok) failures++;
}

/* VmLck of /proc/self/status in kB (-1: no such line). */
static long vmlck(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    if (!f) return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmLck: %ld", &v) == 1) break;
    fclose(f);
    return v;
}

/* The rights column of the /proc/self/maps line starting at `a`. */
static void maps_rights(void *a, char out[5]) {
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    strcpy(out, "none");
    if (!f) return;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo;
        char r[5];
        if (sscanf(line, "%lx-%*x %4s", &lo, r) == 2 && lo == (unsigned long)a) {
            strcpy(out, r);
            break;
        }
    }
    fclose(f);
}

int main(void) {
    long pg = sysconf(_SC_PAGESIZE);
    size_t len = 1 << 20;

    long before = vmlck();
    check(before >= 0, "VmLck is in /proc/self/status");
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0);
    check(p != MAP_FAILED, "mmap MAP_LOCKED");
    check(vmlck() - before == (long)(len >> 10), "VmLck grows by the MAP_LOCKED mapping");
    unsigned char vec[4];
    check(mincore(p, 4 * pg, vec) == 0 && (vec[0] & vec[1] & vec[2] & vec[3] & 1), "MAP_LOCKED pages are resident");
    check(munlockall() == 0 && vmlck() == before, "munlockall releases them");

    char *q = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    check(mincore(q, 3 * pg, vec) == 0 && (vec[0] | vec[1] | vec[2]) == 0, "untouched pages are not resident");
    check(mlock(q, 3 * pg) == 0, "mlock");
    check(mincore(q, 3 * pg, vec) == 0 && (vec[0] & vec[1] & vec[2] & 1), "locked pages are resident");
    check(vmlck() - before == 3 * pg / 1024, "VmLck counts mlock");

    /* msync: MS_INVALIDATE over locked pages. */
    char path[] = "/tmp/mm_lockXXXXXX";
    int fd = mkstemp(path);
    unlink(path);
    check(fd >= 0 && ftruncate(fd, pg) == 0, "a file");
    char *m = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_LOCKED, fd, 0);
    check(m != MAP_FAILED, "mmap a file MAP_SHARED|MAP_LOCKED");
    errno = 0;
    check(msync(m, pg, MS_INVALIDATE) == -1 && errno == EBUSY, "msync MS_INVALIDATE on locked pages: EBUSY");
    check(msync(m, pg, MS_SYNC) == 0, "msync MS_SYNC on them");
    errno = 0;
    check(msync(m + 1, pg, MS_SYNC) == -1 && errno == EINVAL, "msync unaligned: EINVAL");
    munmap(m, pg);
    errno = 0;
    check(msync(m, pg, MS_SYNC) == -1 && errno == ENOMEM, "msync unmapped: ENOMEM");
    close(fd);
    munlockall();

    /* A shared mapping of a read-only descriptor stays read-only. */
    int z = open("/dev/zero", O_RDONLY);
    char *r = mmap(NULL, pg, PROT_READ, MAP_SHARED, z, 0);
    check(r != MAP_FAILED, "mmap /dev/zero O_RDONLY shared read-only");
    errno = 0;
    check(mprotect(r, pg, PROT_WRITE) == -1 && errno == EACCES, "mprotect PROT_WRITE on it: EACCES");
    close(z);

    /* F_SEAL_FUTURE_WRITE: no writable shared mapping, now or by mprotect. */
    int mfd = syscall(SYS_memfd_create, "sealed", MFD_ALLOW_SEALING);
    check(mfd >= 0 && ftruncate(mfd, pg) == 0, "memfd");
    check(fcntl(mfd, F_ADD_SEALS, 0x10 /* F_SEAL_FUTURE_WRITE */) == 0, "F_SEAL_FUTURE_WRITE");
    errno = 0;
    check(mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0) == MAP_FAILED && errno == EPERM, "mmap it shared writable: EPERM");
    char *s = mmap(NULL, pg, PROT_READ, MAP_SHARED, mfd, 0);
    check(s != MAP_FAILED, "mmap it shared read-only");
    errno = 0;
    check(mprotect(s, pg, PROT_READ | PROT_WRITE) == -1 && errno == EACCES, "then mprotect PROT_WRITE: EACCES");
    char *pv = mmap(NULL, pg, PROT_READ, MAP_PRIVATE, mfd, 0);
    check(pv != MAP_FAILED && mprotect(pv, pg, PROT_READ | PROT_WRITE) == 0, "a private mapping may become writable");
    close(mfd);

    /* /proc/self/maps: shared and executable mappings. */
    char rights[5];
    char *sh = mmap(NULL, pg, PROT_READ | PROT_EXEC, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    maps_rights(sh, rights);
    printf("shared r-x: %s\n", rights);
    char *wx = mmap(NULL, pg, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    maps_rights(wx, rights);
    printf("private rwx: %s\n", rights);
    char *ws = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    maps_rights(ws, rights);
    printf("shared rw-: %s\n", rights);

    /* MAP_GROWSDOWN: a fault on the page below grows the mapping, far from any
     * other mapping (stack_guard_gap). */
    size_t reserve = 1024 * pg;
    char *base = mmap(NULL, reserve, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(base, reserve);
    char *top = base + reserve - 4 * pg;
    char *g = mmap(top, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_GROWSDOWN, -1, 0);
    check(g == top, "mmap MAP_GROWSDOWN");
    g[-1] = 7;
    check(g[-1] == 7, "a write below it grows it");

    printf("mm_lock: %d failures\n", failures);
    return failures != 0;
}
