/* mmap.c — memory mappings: anonymous private (zero-filled, writable),
 * MAP_FIXED replacing the middle page of a reservation, mprotect to read-only with the write fault caught (SIGSEGV +
 * siglongjmp) and back to read-write, munmap of a middle page, mremap grow
 * (MREMAP_MAYMOVE, contents kept, new part zero) and shrink, file-backed
 * MAP_PRIVATE (changes stay private) and MAP_SHARED (msync, visible through
 * read(); file writes visible through the mapping), MAP_SHARED|ANONYMOUS
 * memory shared with a forked child, madvise(MADV_DONTNEED), mincore, a
 * sparse 64 MiB mapping, and error cases (EINVAL, EBADF, EACCES). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;
/* CHECK(cond, fmt, ...): print "ok"/"FAIL" and the message; errno as left
 * by cond is preserved for the message arguments. */
#define CHECK(cond, ...) do { int c_ = (cond); int e_ = errno; \
    printf("%s ", c_ ? "ok  " : "FAIL"); errno = e_; \
    printf(__VA_ARGS__); printf("\n"); if (!c_) failures++; } while (0)

static const char *ename(int e)
{
    switch (e) {
    case 0: return "0";
    case EINVAL: return "EINVAL";
    case EBADF: return "EBADF";
    case EACCES: return "EACCES";
    case EEXIST: return "EEXIST";
    case ENOMEM: return "ENOMEM";
    default: return "other";
    }
}

static sigjmp_buf jb;
static volatile int faults;
static void on_segv(int sig)
{
    (void)sig;
    faults++;
    siglongjmp(jb, 1);
}

static int write_faults(volatile char *p, char v)
{
    if (sigsetjmp(jb, 1) == 0) {
        *p = v;
        return 0;
    }
    return 1;
}

static int all_bytes(const char *p, size_t n, char v)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != v)
            return 0;
    return 1;
}

int main(void)
{
    signal(SIGSEGV, on_segv);
    long pg = sysconf(_SC_PAGESIZE);
    CHECK(pg == 4096, "page size %ld", pg);

    /* anonymous private */
    char *a = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(a != MAP_FAILED && ((uintptr_t)a & (pg - 1)) == 0, "anonymous mmap of 3 pages, page aligned");
    CHECK(all_bytes(a, 3 * pg, 0), "fresh anonymous memory is zero");
    memset(a, 'A', 3 * pg);
    CHECK(all_bytes(a, 3 * pg, 'A'), "written and read back");

    /* MAP_FIXED over the middle page */
    char *b = mmap(a + pg, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECK(b == a + pg && all_bytes(b, pg, 0), "MAP_FIXED at a+4096: new zero page at exactly that address");
    CHECK(all_bytes(a, pg, 'A') && all_bytes(a + 2 * pg, pg, 'A'), "neighbouring pages untouched");
    /* (MAP_FIXED_NOREPLACE -> EEXIST is not tested: qemu-user 7.2 treats it
     * as a hint, see README "Known qemu-user deviations") */

    /* mprotect read-only, catch the write fault, back to RW */
    CHECK(mprotect(a + pg, pg, PROT_READ) == 0, "mprotect middle page PROT_READ");
    faults = 0;
    int f = write_faults(a + pg + 10, 'x');
    CHECK(f && faults == 1 && a[pg + 10] == 0, "write to read-only page faulted (SIGSEGV caught), content unchanged");
    CHECK(!write_faults(a + 10, 'y') && a[10] == 'y', "write to the page before still works");
    CHECK(mprotect(a + pg, pg, PROT_READ | PROT_WRITE) == 0 && !write_faults(a + pg + 10, 'x') && a[pg + 10] == 'x',
          "mprotect back to RW: write works");
    errno = 0;
    /* raw syscall: musl's mprotect() rounds the address down itself */
    CHECK(syscall(SYS_mprotect, a + 1, pg, PROT_READ) == -1 && errno == EINVAL, "mprotect syscall on an unaligned address -> %s", ename(errno));

    /* munmap a middle page */
    CHECK(munmap(a + pg, pg) == 0, "munmap middle page");
    faults = 0;
    f = write_faults(a + pg, 'z');
    CHECK(f && faults == 1, "access to the unmapped page faults");
    CHECK(a[0] == 'y' - 'y' + 'A' || a[0] == 'A', "first page still mapped");
    CHECK(munmap(a + pg, pg) == 0, "munmap of an already unmapped range is fine");
    munmap(a, 3 * pg);

    /* mremap grow and shrink */
    /* two pages; the second becomes a separate PROT_NONE mapping that blocks
     * growing the first in place, so the move path is exercised */
    char *r = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *blocker = r + pg;
    mprotect(blocker, pg, PROT_NONE);
    memset(r, 'R', pg);
    errno = 0;
    char *r2 = mremap(r, pg, 4 * pg, 0);
    CHECK(r2 == MAP_FAILED && errno == ENOMEM, "mremap grow in place when blocked (no MAYMOVE) -> %s", ename(errno));
    r2 = mremap(r, pg, 4 * pg, MREMAP_MAYMOVE);
    CHECK(r2 != MAP_FAILED && all_bytes(r2, pg, 'R') && all_bytes(r2 + pg, 3 * pg, 0), "mremap MAYMOVE 1 -> 4 pages: data kept, new pages zero");
    memset(r2 + 3 * pg, 'S', pg);
    char *r3 = mremap(r2, 4 * pg, 2 * pg, 0);
    CHECK(r3 == r2 && all_bytes(r3, pg, 'R'), "mremap shrink 4 -> 2 pages stays in place");
    faults = 0;
    CHECK(write_faults(r3 + 3 * pg, 'q') && faults == 1, "the released tail faults");
    munmap(r3, 2 * pg);
    munmap(blocker, pg);

    /* file-backed mappings */
    char dir[] = "/tmp/gx_mmap_XXXXXX", path[64];
    if (!mkdtemp(dir))
        return 2;
    snprintf(path, sizeof path, "%s/file", dir);
    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    char page[4096];
    for (int i = 0; i < 4096; i++)
        page[i] = 'a' + i % 26;
    for (int i = 0; i < 2; i++)
        if (write(fd, page, sizeof page) != (ssize_t)sizeof page)
            return 2;

    char *pv = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK(pv != MAP_FAILED && memcmp(pv, page, pg) == 0 && memcmp(pv + pg, page, pg) == 0, "MAP_PRIVATE file mapping shows file data");
    memcpy(pv, "PRIVATE", 7);
    char rb[16] = { 0 };
    pread(fd, rb, 7, 0);
    CHECK(memcmp(rb, "abcdefg", 7) == 0, "write to MAP_PRIVATE not in file: read() gives \"%.7s\"", rb);

    char *sh = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    memcpy(sh + pg + 100, "SHARED!", 7);
    CHECK(msync(sh, 2 * pg, MS_SYNC) == 0, "msync(MS_SYNC)");
    memset(rb, 0, sizeof rb);
    pread(fd, rb, 7, pg + 100);
    CHECK(memcmp(rb, "SHARED!", 7) == 0, "write to MAP_SHARED visible via read(): \"%.7s\"", rb);
    pwrite(fd, "VIAFILE", 7, 200);
    CHECK(memcmp(sh + 200, "VIAFILE", 7) == 0, "pwrite() to the file visible in the shared mapping");
    CHECK(memcmp(pv + 200, "VIAFILE", 7) != 0 && memcmp(pv, "PRIVATE", 7) == 0, "the written (copied) page of the MAP_PRIVATE mapping does not see it");
    pwrite(fd, "PAGE1", 5, pg + 300);
    CHECK(memcmp(pv + pg + 300, "PAGE1", 5) == 0, "an untouched page of the MAP_PRIVATE mapping does see file changes");
    munmap(pv, 2 * pg);
    munmap(sh, 2 * pg);

    /* mapping with an offset; read-only fd cannot be mapped shared-writable */
    char *off = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, pg);
    CHECK(off != MAP_FAILED && memcmp(off + 100, "SHARED!", 7) == 0, "mmap at file offset 4096 sees the second page");
    munmap(off, pg);
    int rofd = open(path, O_RDONLY);
    errno = 0;
    char *bad = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, rofd, 0);
    CHECK(bad == MAP_FAILED && errno == EACCES, "PROT_WRITE MAP_SHARED of an O_RDONLY fd -> %s", ename(errno));
    bad = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, rofd, 0);
    CHECK(bad != MAP_FAILED, "PROT_WRITE MAP_PRIVATE of an O_RDONLY fd is allowed");
    if (bad != MAP_FAILED)
        munmap(bad, pg);
    close(rofd);
    close(fd);
    unlink(path);
    rmdir(dir);

    /* shared anonymous memory across fork */
    volatile int *shared = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int *priv = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    shared[0] = 1;
    priv[0] = 1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        shared[0] = 12345;
        priv[0] = 54321;
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    CHECK(shared[0] == 12345 && priv[0] == 1, "after fork: child's write to MAP_SHARED seen (%d), to MAP_PRIVATE not (%d)", shared[0], priv[0]);
    munmap((void *)shared, pg);
    munmap(priv, pg);

    /* madvise DONTNEED zeroes private anonymous memory; mincore */
    char *d = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(d, 'D', 4 * pg);
    CHECK(madvise(d + pg, 2 * pg, MADV_DONTNEED) == 0, "madvise(MADV_DONTNEED) on 2 pages");
    CHECK(all_bytes(d, pg, 'D') && all_bytes(d + pg, 2 * pg, 0) && all_bytes(d + 3 * pg, pg, 'D'), "those pages read back as zero, others kept");
    unsigned char vec[4];
    CHECK(mincore(d, 4 * pg, vec) == 0 && (vec[0] & 1) && (vec[3] & 1), "mincore: touched pages resident");
    munmap(d, 4 * pg);

    /* sparse big mapping */
    size_t big = 64UL << 20;
    char *g = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    CHECK(g != MAP_FAILED, "64 MiB anonymous mapping");
    long sum = 0;
    for (size_t o = 0; o < big; o += 1 << 20) {
        g[o] = (char)(o >> 20);
        sum += g[o];
    }
    CHECK(sum == 2016 && g[big - 1] == 0, "touched one byte per MiB, sum %ld", sum);
    CHECK(munmap(g, big) == 0, "munmap 64 MiB");

    /* errors */
    errno = 0;
    CHECK(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED && errno == EINVAL, "mmap length 0 -> %s", ename(errno));
    errno = 0;
    CHECK(mmap(NULL, pg, PROT_READ, MAP_PRIVATE, 12345, 0) == MAP_FAILED && errno == EBADF, "mmap of a bad fd -> %s", ename(errno));
    errno = 0;
    CHECK(mmap(NULL, pg, PROT_READ, MAP_ANONYMOUS, -1, 0) == MAP_FAILED && errno == EINVAL, "mmap without PRIVATE/SHARED -> %s", ename(errno));
    errno = 0;
    CHECK(munmap((void *)1, pg) == -1 && errno == EINVAL, "munmap unaligned -> %s", ename(errno));

    printf("mmap: %d failures\n", failures);
    return failures ? 1 : 0;
}
