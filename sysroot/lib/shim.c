/* The ported libc shim: the common calls go straight to the services with a
 * transient grant and gx.pcall instead of ecall. Linked ahead of libc with
 * -Wl,--wrap=SYMBOL (see scripts/build-sysroot.sh and docs/PORTING.md): the
 * program's calls to SYMBOL reach __wrap_SYMBOL, libc's stays __real_SYMBOL, used
 * whenever the native path is unavailable or the call would block. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#include <grantix/libgx.h>

ssize_t __real_read(int, void *, size_t);
ssize_t __real_write(int, const void *, size_t);
int __real_open(const char *, int, ...);
int __real_openat(int, const char *, int, ...);
int __real_close(int);
off_t __real_lseek(int, off_t, int);
int __real_fstat(int, struct stat *);
void *__real_mmap(void *, size_t, int, int, int, off_t);
int __real_munmap(void *, size_t);
int __real_clock_gettime(clockid_t, struct timespec *);
pid_t __real_getpid(void);

/* A Linux-style result: -1 with errno, or the value. */
static long done(int64_t r)
{
    if (r < 0 && r > -4096) {
        errno = (int)-r;
        return -1;
    }
    return (long)r;
}

ssize_t __wrap_read(int fd, void *buf, size_t n)
{
    int64_t r = gx_vfs_read(fd, buf, n);
    return r == GX_UNAVAILABLE ? __real_read(fd, buf, n) : done(r);
}

ssize_t __wrap_write(int fd, const void *buf, size_t n)
{
    int64_t r = gx_vfs_write(fd, buf, n);
    return r == GX_UNAVAILABLE ? __real_write(fd, buf, n) : done(r);
}

int __wrap_openat(int dirfd, const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    int mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, int) : 0;
    va_end(ap);
    int64_t r = gx_vfs_openat(dirfd, path, flags, mode);
    return r == GX_UNAVAILABLE ? __real_openat(dirfd, path, flags, mode) : (int)done(r);
}

int __wrap_open(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    int mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, int) : 0;
    va_end(ap);
    int64_t r = gx_vfs_openat(AT_FDCWD, path, flags, mode);
    return r == GX_UNAVAILABLE ? __real_open(path, flags, mode) : (int)done(r);
}

int __wrap_close(int fd)
{
    int64_t r = gx_vfs_close(fd);
    return r == GX_UNAVAILABLE ? __real_close(fd) : (int)done(r);
}

off_t __wrap_lseek(int fd, off_t off, int whence)
{
    int64_t r = gx_vfs_lseek(fd, off, whence);
    return r == GX_UNAVAILABLE ? __real_lseek(fd, off, whence) : (off_t)done(r);
}

int __wrap_fstat(int fd, struct stat *st)
{
    int64_t r = gx_vfs_fstat(fd, st);
    return r == GX_UNAVAILABLE ? __real_fstat(fd, st) : (int)done(r);
}

void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    int64_t r = gx_mm_mmap(addr, len, prot, flags, fd, off);
    if (r == GX_UNAVAILABLE)
        return __real_mmap(addr, len, prot, flags, fd, off);
    return done(r) == -1 ? MAP_FAILED : (void *)r;
}

int __wrap_munmap(void *addr, size_t len)
{
    int64_t r = gx_mm_munmap(addr, len);
    return r == GX_UNAVAILABLE ? __real_munmap(addr, len) : (int)done(r);
}

int __wrap_clock_gettime(clockid_t clk, struct timespec *ts)
{
    int64_t r = gx_time_clock_gettime(clk, ts);
    return r == GX_UNAVAILABLE ? __real_clock_gettime(clk, ts) : (int)done(r);
}

pid_t __wrap_getpid(void)
{
    int64_t r = gx_proc_getpid();
    return r == GX_UNAVAILABLE ? __real_getpid() : (pid_t)done(r);
}
