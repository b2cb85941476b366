/* mseal.c — sealing mappings (mseal(2), Linux 6.10): a sealed range refuses munmap,
 * mremap (moving, growing, shrinking, and as a MREMAP_FIXED target), mmap MAP_FIXED
 * over it, mprotect and discarding madvise on read-only private anonymous memory
 * with EPERM and stays as it was; sealing is inherited by fork; flags, alignment and
 * wrap are EINVAL, an unmapped hole ENOMEM. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ltp.h"

#ifndef SYS_mseal
#define SYS_mseal 462
#endif
#ifndef MADV_DONTNEED_LOCKED
#define MADV_DONTNEED_LOCKED 24
#endif

static long mseal_(void *a, size_t len, unsigned long flags)
{
    return syscall(SYS_mseal, a, len, flags);
}

/* The permissions /proc/self/maps shows for the mapping holding `a` ("rw-p"). */
static const char *perms(void *a)
{
    static char out[8];
    char line[512];
    strcpy(out, "none");
    FILE *f = fopen("/proc/self/maps", "r");
    while (f && fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        char pr[8];
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, pr) == 3 && (unsigned long)a >= lo && (unsigned long)a < hi) {
            strcpy(out, pr);
            break;
        }
    }
    if (f)
        fclose(f);
    return out;
}

static void check_perms(const char *name, void *a, const char *want)
{
    const char *got = perms(a);
    if (strcmp(got, want) == 0) {
        printf("%s: ok\n", name);
    } else {
        printf("%s: FAIL got %s want %s\n", name, got, want);
        failures++;
    }
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    long pg = sysconf(_SC_PAGESIZE);
    char *p = mmap(NULL, 8 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(p, 'a', 8 * pg);
    /* Argument checks. */
    CHECK_ERR("flags", mseal_(p, pg, 1), EINVAL);
    CHECK_ERR("unaligned start", mseal_(p + 1, pg, 0), EINVAL);
    CHECK_ERR("length rounds to zero", mseal_(p, (size_t)-1, 0), EINVAL);
    CHECK_ERR("range wraps", mseal_(p, (size_t)-2 * pg, 0), EINVAL);
    check("length 0", mseal_(p, 0, 0), 0);
    munmap(p + 7 * pg, pg);
    CHECK_ERR("hole at the end", mseal_(p + 6 * pg, 2 * pg, 0), ENOMEM);
    CHECK_ERR("unmapped", mseal_(p + 7 * pg, pg, 0), ENOMEM);
    /* Pages 1-2 sealed (read-write), page 4 sealed read-only. */
    CHECK_OK("seal pages 1-2", mseal_(p + pg, 2 * pg, 0));
    CHECK_OK("seal again", mseal_(p + pg, pg, 0));
    CHECK_OK("mprotect page 4 read-only", mprotect(p + 4 * pg, pg, PROT_READ));
    CHECK_OK("seal page 4", mseal_(p + 4 * pg, pg, 0));
    CHECK_ERR("munmap sealed", munmap(p + pg, pg), EPERM);
    CHECK_ERR("munmap over sealed and unsealed", munmap(p, 2 * pg), EPERM);
    check("unsealed page 0 still mapped", p[0], 'a');
    CHECK_ERR("mprotect sealed", mprotect(p + pg, pg, PROT_READ), EPERM);
    p[pg] = 'b';
    check("sealed page still writable", p[pg], 'b');
    CHECK_ERR("mremap move sealed", (long)mremap(p + pg, pg, pg, MREMAP_MAYMOVE | MREMAP_FIXED, p + 5 * pg), EPERM);
    CHECK_ERR("mremap shrink sealed", (long)mremap(p + pg, 2 * pg, pg, 0), EPERM);
    CHECK_ERR("mremap grow sealed", (long)mremap(p + 2 * pg, pg, 2 * pg, MREMAP_MAYMOVE), EPERM);
    CHECK_ERR("mremap onto sealed", (long)mremap(p + 5 * pg, pg, pg, MREMAP_MAYMOVE | MREMAP_FIXED, p + pg), EPERM);
    CHECK_ERR("mmap MAP_FIXED over sealed", (long)mmap(p, 2 * pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), EPERM);
    check("page 0 kept after the refused MAP_FIXED", p[0], 'a');
    CHECK_ERR("madvise DONTNEED read-only sealed", madvise(p + 4 * pg, pg, MADV_DONTNEED), EPERM);
    CHECK_ERR("madvise DONTNEED_LOCKED read-only sealed", madvise(p + 4 * pg, pg, MADV_DONTNEED_LOCKED), EPERM);
    CHECK_ERR("madvise FREE read-only sealed", madvise(p + 4 * pg, pg, MADV_FREE), EPERM);
    check("read-only sealed page kept", p[4 * pg], 'a');
    CHECK_OK("madvise WILLNEED read-only sealed", madvise(p + 4 * pg, pg, MADV_WILLNEED));
    CHECK_OK("madvise DONTNEED writable sealed", madvise(p + pg, pg, MADV_DONTNEED));
    check("writable sealed page discarded", p[pg], 0);
    /* mprotect and madvise go mapping by mapping (Linux 6.18): the ones before the
     * sealed mapping change, then EPERM. */
    CHECK_ERR("mprotect unsealed then sealed", mprotect(p, 2 * pg, PROT_READ), EPERM);
    check_perms("page before the sealed one changed", p, "r--p");
    check_perms("sealed page unchanged", p + pg, "rw-p");
    CHECK_OK("page 0 writable again", mprotect(p, pg, PROT_READ | PROT_WRITE));
    p[3 * pg] = 'c';
    CHECK_ERR("madvise DONTNEED unsealed then sealed read-only", madvise(p + 3 * pg, 2 * pg, MADV_DONTNEED), EPERM);
    check("page before the sealed one discarded", p[3 * pg], 0);
    check("sealed read-only page kept", p[4 * pg], 'a');
    CHECK_OK("munmap next to sealed", munmap(p + 5 * pg, pg));
    CHECK_OK("mprotect unsealed page 0", mprotect(p, pg, PROT_READ));
    /* The seal is inherited by a fork child. */
    pid_t c = fork();
    if (c == 0) {
        errno = 0;
        int r = munmap(p + pg, pg);
        _exit(r == -1 && errno == EPERM ? 0 : 1);
    }
    int st = -1;
    waitpid(c, &st, 0);
    check("fork child: sealed too", WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0);
    return finish("mseal");
}
