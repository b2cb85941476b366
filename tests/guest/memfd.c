/* memfd: an anonymous file from memfd_create: write, seek, read, truncate, stat, map
 * it shared and see writes through the mapping, /proc/self/fd names it, close-on-exec
 * is honoured, bad names and flags are refused. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int memfd(const char *name, unsigned flags)
{
    return (int)syscall(SYS_memfd_create, name, flags);
}

int main(void)
{
    setvbuf(stdout, 0, _IONBF, 0);
    int fd = memfd("scratch", 1 /* MFD_CLOEXEC */);
    printf("memfd_create: %s\n", fd >= 0 ? "ok" : strerror(errno));
    printf("cloexec: %d\n", (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
    printf("flags rdwr: %d\n", (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR);
    printf("write: %zd\n", write(fd, "hello, memfd", 12));
    printf("lseek: %ld\n", (long)lseek(fd, 7, SEEK_SET));
    char buf[16] = { 0 };
    printf("read: %zd \"%s\"\n", read(fd, buf, sizeof buf - 1), buf);
    struct stat st;
    fstat(fd, &st);
    printf("fstat: regular %d size %ld\n", S_ISREG(st.st_mode), (long)st.st_size);
    printf("ftruncate: %d\n", ftruncate(fd, 4096));
    fstat(fd, &st);
    printf("size now %ld\n", (long)st.st_size);
    char *m = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    printf("mmap: %s\n", m != MAP_FAILED ? "ok" : strerror(errno));
    printf("mapped: \"%.12s\"\n", m);
    memcpy(m, "HELLO", 5);
    munmap(m, 4096);
    memset(buf, 0, sizeof buf);
    printf("pread: %zd \"%s\"\n", pread(fd, buf, 12, 0), buf);
    char link[64], target[128] = { 0 };
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    printf("readlink: %s\n", n > 0 ? target : strerror(errno));
    int plain = memfd("", 0);
    printf("empty name: %s, cloexec %d\n", plain >= 0 ? "ok" : strerror(errno), plain >= 0 && (fcntl(plain, F_GETFD) & FD_CLOEXEC) != 0);
    char longname[300];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    errno = 0;
    printf("long name: %d %s\n", memfd(longname, 0), strerror(errno));
    errno = 0;
    printf("bad flags: %d %s\n", memfd("x", 0x100), strerror(errno));
    errno = 0;
    printf("NULL name: %d %s\n", memfd(NULL, 0), strerror(errno));
    printf("close: %d %d\n", close(fd), close(plain));
    return 0;
}
