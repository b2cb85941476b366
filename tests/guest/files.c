/* files.c — basic file I/O on a temp dir made with mkdtemp under /tmp:
 * open/creat, write/read, lseek (SET/CUR/END, holes), pread/pwrite (offset
 * untouched), readv/writev, O_APPEND, ftruncate grow/shrink, fstat/stat/
 * fstatat, fsync/fdatasync, openat/unlinkat, stdio on a file (fopen/fseek/
 * ftell/fgets), unlink, rmdir. Everything is cleaned up at the end. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
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
    case ENOENT: return "ENOENT";
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
    case EEXIST: return "EEXIST";
    default: return "other";
    }
}

int main(void)
{
    char dir[] = "/tmp/gx_files_XXXXXX", path[64], path2[64];
    char buf[256];
    umask(022);
    CHECK(mkdtemp(dir) != NULL, "mkdtemp under /tmp");
    snprintf(path, sizeof path, "%s/data", dir);
    snprintf(path2, sizeof path2, "%s/other", dir);

    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
    CHECK(fd >= 0, "open O_CREAT|O_RDWR|O_TRUNC");
    ssize_t n = write(fd, "hello, world\n", 13);
    CHECK(n == 13, "write 13 bytes -> %zd", n);
    off_t off = lseek(fd, 0, SEEK_CUR);
    CHECK(off == 13, "lseek(0, SEEK_CUR) after write -> %lld", (long long)off);
    off = lseek(fd, 0, SEEK_SET);
    memset(buf, 0, sizeof buf);
    n = read(fd, buf, 5);
    CHECK(off == 0 && n == 5 && memcmp(buf, "hello", 5) == 0, "lseek SET 0, read 5 -> \"%.5s\"", buf);
    off = lseek(fd, -6, SEEK_END);
    memset(buf, 0, sizeof buf);
    n = read(fd, buf, sizeof buf);
    CHECK(off == 7 && n == 6 && strcmp(buf, "world\n") == 0, "lseek END -6 -> %lld, read rest %zd bytes", (long long)off, n);
    n = read(fd, buf, sizeof buf);
    CHECK(n == 0, "read at EOF -> %zd", n);

    n = pwrite(fd, "HELLO", 5, 0);
    off = lseek(fd, 0, SEEK_CUR);
    CHECK(n == 5 && off == 13, "pwrite 5 at 0 -> %zd, offset unchanged %lld", n, (long long)off);
    memset(buf, 0, sizeof buf);
    n = pread(fd, buf, 13, 0);
    CHECK(n == 13 && memcmp(buf, "HELLO, world\n", 13) == 0, "pread whole file -> \"HELLO, world\\n\"");
    n = pread(fd, buf, 10, 100);
    CHECK(n == 0, "pread beyond EOF -> %zd", n);

    /* hole: seek past the end and write one byte */
    off = lseek(fd, 100, SEEK_SET);
    n = write(fd, "X", 1);
    struct stat st;
    fstat(fd, &st);
    CHECK(off == 100 && n == 1 && st.st_size == 101, "write at 100 -> size %lld", (long long)st.st_size);
    n = pread(fd, buf, 20, 40);
    int zeros = 1;
    for (int i = 0; i < 20; i++) zeros &= buf[i] == 0;
    CHECK(n == 20 && zeros, "hole reads back as zeros");
    CHECK(S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0644, "fstat: regular file, mode %03o", st.st_mode & 0777);
    CHECK(st.st_nlink == 1, "fstat: nlink %lu", (unsigned long)st.st_nlink);
    CHECK(st.st_blksize > 0, "fstat: st_blksize > 0");
    struct stat st2;
    CHECK(stat(path, &st2) == 0 && st2.st_ino == st.st_ino && st2.st_dev == st.st_dev, "stat(path) has same dev/ino as fstat");
    CHECK(fstatat(AT_FDCWD, path, &st2, 0) == 0 && st2.st_size == 101, "fstatat(AT_FDCWD) size %lld", (long long)st2.st_size);

    /* seek beyond end does not change the size; negative seek fails */
    off = lseek(fd, 5000, SEEK_SET);
    fstat(fd, &st);
    CHECK(off == 5000 && st.st_size == 101, "lseek past EOF keeps size %lld", (long long)st.st_size);
    errno = 0;
    off = lseek(fd, -1, SEEK_SET);
    CHECK(off == -1 && errno == EINVAL, "lseek to -1 -> %s", ename(errno));

    /* ftruncate shrink and grow */
    CHECK(ftruncate(fd, 5) == 0, "ftruncate to 5");
    fstat(fd, &st);
    memset(buf, 0, sizeof buf);
    n = pread(fd, buf, sizeof buf, 0);
    CHECK(st.st_size == 5 && n == 5 && strcmp(buf, "HELLO") == 0, "after shrink: size %lld content \"%s\"", (long long)st.st_size, buf);
    CHECK(ftruncate(fd, 12288) == 0, "ftruncate to 12288");
    fstat(fd, &st);
    static char big[12288];
    n = pread(fd, big, sizeof big, 0);
    zeros = 1;
    for (int i = 5; i < (int)sizeof big; i++) zeros &= big[i] == 0;
    CHECK(st.st_size == 12288 && n == 12288 && zeros, "after grow: size %lld, tail zero-filled", (long long)st.st_size);
    CHECK(truncate(path, 0) == 0 && fstat(fd, &st) == 0 && st.st_size == 0, "truncate(path, 0) -> size 0");

    /* writev / readv */
    struct iovec wv[3] = { { "abc", 3 }, { "", 0 }, { "defgh", 5 } };
    lseek(fd, 0, SEEK_SET);
    n = writev(fd, wv, 3);
    CHECK(n == 8, "writev 3 iovecs -> %zd", n);
    char a[2], b[4], c[10];
    memset(c, 0, sizeof c);
    struct iovec rv[3] = { { a, 2 }, { b, 4 }, { c, 10 } };
    lseek(fd, 0, SEEK_SET);
    n = readv(fd, rv, 3);
    CHECK(n == 8 && memcmp(a, "ab", 2) == 0 && memcmp(b, "cdef", 4) == 0 && strcmp(c, "gh") == 0,
          "readv scatters 2/4/2 bytes -> %zd", n);
    CHECK(fsync(fd) == 0 && fdatasync(fd) == 0, "fsync and fdatasync");

    /* O_APPEND: writes go to the end whatever the offset */
    int fa = open(path, O_WRONLY | O_APPEND);
    lseek(fa, 0, SEEK_SET);
    n = write(fa, "++", 2);
    off = lseek(fa, 0, SEEK_CUR);
    CHECK(fa >= 0 && n == 2 && off == 10, "O_APPEND write lands at end, offset %lld", (long long)off);
    n = pread(fd, buf, sizeof buf, 0);
    buf[n > 0 ? n : 0] = 0;
    CHECK(n == 10 && strcmp(buf, "abcdefgh++") == 0, "file now \"%s\"", buf);
    close(fa);

    /* O_EXCL on an existing file; reopen O_RDONLY then write fails */
    errno = 0;
    CHECK(open(path, O_CREAT | O_EXCL | O_WRONLY, 0644) == -1 && errno == EEXIST, "O_CREAT|O_EXCL existing -> %s", ename(errno));
    int fr = open(path, O_RDONLY);
    errno = 0;
    CHECK(write(fr, "x", 1) == -1 && errno == EBADF, "write to O_RDONLY fd -> %s", ename(errno));
    close(fr);

    /* openat relative to a directory fd, unlinkat */
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    int fo = openat(dfd, "other", O_CREAT | O_WRONLY, 0600);
    CHECK(dfd >= 0 && fo >= 0, "openat(dirfd, \"other\")");
    n = write(fo, "0123456789", 10);
    close(fo);
    CHECK(stat(path2, &st) == 0 && st.st_size == 10 && (st.st_mode & 0777) == 0600, "other: size %lld mode %03o", (long long)st.st_size, st.st_mode & 0777);
    CHECK(unlinkat(dfd, "other", 0) == 0, "unlinkat(dirfd, \"other\")");
    errno = 0;
    CHECK(stat(path2, &st) == -1 && errno == ENOENT, "stat removed file -> %s", ename(errno));

    /* stdio on a file */
    FILE *f = fopen(path2, "w+");
    CHECK(f != NULL, "fopen w+");
    for (int i = 0; i < 5; i++)
        fprintf(f, "line %d: %d\n", i, i * i);
    long pos = ftell(f);
    CHECK(pos == 51, "ftell after 5 lines -> %ld", pos);
    rewind(f);
    int lines = 0;
    char last[64] = "";
    while (fgets(buf, sizeof buf, f)) {
        lines++;
        strcpy(last, buf);
    }
    last[strcspn(last, "\n")] = 0;
    CHECK(lines == 5 && strcmp(last, "line 4: 16") == 0, "fgets read %d lines, last \"%s\"", lines, last);
    fseek(f, 8, SEEK_SET);
    int ch = fgetc(f);
    CHECK(ch == '0', "fseek 8 + fgetc -> '%c'", ch);
    CHECK(fclose(f) == 0, "fclose");

    /* an unlinked file stays readable through its open fd */
    CHECK(unlink(path) == 0, "unlink data while still open");
    fstat(fd, &st);
    n = pread(fd, buf, 3, 0);
    CHECK(n == 3 && memcmp(buf, "abc", 3) == 0 && st.st_nlink == 0, "open fd still reads \"abc\", nlink %lu", (unsigned long)st.st_nlink);
    close(fd);
    errno = 0;
    CHECK(close(fd) == -1 && errno == EBADF, "close twice -> %s", ename(errno));

    unlink(path2);
    close(dfd);
    CHECK(rmdir(dir) == 0, "rmdir temp dir");
    printf("files: %d failures\n", failures);
    return failures ? 1 : 0;
}
