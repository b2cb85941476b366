/* statx_mount_root.c — statx's STATX_ATTR_MOUNT_ROOT: every file system
 * reports it in stx_attributes_mask; it is set for the root of a mount ("/"
 * and "/proc", by path and by descriptor) and not for a file or directory
 * inside one; the flag is the same through AT_EMPTY_PATH on an O_PATH
 * descriptor. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef STATX_ATTR_MOUNT_ROOT
#define STATX_ATTR_MOUNT_ROOT 0x2000
#endif

static int failures;
#define CHECK(cond, ...) do { int c_ = (cond); int e_ = errno; \
    printf("%s ", c_ ? "ok  " : "FAIL"); errno = e_; \
    printf(__VA_ARGS__); printf("\n"); if (!c_) failures++; } while (0)

/* -1: statx failed or the mask lacks the bit; else whether the bit is set. */
static int root_of(int dirfd, const char *p, int flags)
{
    struct statx x;
    memset(&x, 0, sizeof x);
    if (statx(dirfd, p, flags, STATX_BASIC_STATS, &x))
        return -1;
    if (!(x.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))
        return -1;
    return !!(x.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    char dir[] = "/tmp/gx_statx_mount_root_XXXXXX";
    if (!mkdtemp(dir))
        return 2;
    char file[64];
    snprintf(file, sizeof file, "%s/f", dir);
    close(open(file, O_CREAT | O_WRONLY, 0644));

    CHECK(root_of(AT_FDCWD, "/", 0) == 1, "/ is a mount root");
    CHECK(root_of(AT_FDCWD, "/proc", 0) == 1, "/proc is a mount root");
    CHECK(root_of(AT_FDCWD, "/proc/self/status", 0) == 0, "/proc/self/status is not");
    CHECK(root_of(AT_FDCWD, dir, 0) == 0, "a temporary directory is not");
    CHECK(root_of(AT_FDCWD, file, 0) == 0, "a file in it is not");
    int fd = open("/proc", O_RDONLY | O_DIRECTORY);
    CHECK(root_of(fd, "", AT_EMPTY_PATH) == 1, "/proc by descriptor (AT_EMPTY_PATH) is");
    close(fd);
    fd = open(file, O_PATH);
    CHECK(root_of(fd, "", AT_EMPTY_PATH) == 0, "the file by an O_PATH descriptor is not");
    close(fd);
    fd = open("/", O_PATH);
    CHECK(root_of(fd, "", AT_EMPTY_PATH) == 1, "/ by an O_PATH descriptor is");
    close(fd);

    unlink(file);
    rmdir(dir);
    printf("statx_mount_root: %d failures\n", failures);
    return failures != 0;
}
