/* dirs.c — directory operations inside a mkdtemp dir, using relative paths
 * after chdir: mkdir/mkdirat, opendir/readdir (getdents64; names sorted
 * before printing), rewinddir, rename (file, over an existing file, of a
 * directory, renameat2 RENAME_NOREPLACE), rmdir (ENOTEMPTY), symlink/readlink/
 * lstat, dangling symlinks, link and st_nlink, chdir/fchdir/getcwd (printed
 * relative to the temp dir), and recursive cleanup. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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
    case EEXIST: return "EEXIST";
    case ENOTEMPTY: return "ENOTEMPTY";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case EINVAL: return "EINVAL";
    default: return "other";
    }
}

static char base[64];

/* getcwd relative to the temp dir: "" -> "/", else the suffix */
static const char *relcwd(void)
{
    static char cwd[4096];
    if (!getcwd(cwd, sizeof cwd))
        return "<getcwd failed>";
    size_t n = strlen(base);
    if (strncmp(cwd, base, n) != 0)
        return "<outside temp dir>";
    return cwd[n] ? cwd + n : "/";
}

static int cmpstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* list a directory: sorted names with a type letter (d/f/l) from lstat;
 * d_type is checked against lstat when the filesystem reports it. */
static void list(const char *path)
{
    DIR *d = opendir(path);
    if (!d) {
        printf("FAIL opendir %s\n", path);
        failures++;
        return;
    }
    char *names[64];
    int n = 0, typeok = 1;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64) {
        names[n++] = strdup(e->d_name);
        char p[512];
        snprintf(p, sizeof p, "%s/%s", path, e->d_name);
        struct stat st;
        if (lstat(p, &st) != 0)
            typeok = 0;
        else if (e->d_type != DT_UNKNOWN) {
            int want = S_ISDIR(st.st_mode) ? DT_DIR : S_ISLNK(st.st_mode) ? DT_LNK : DT_REG;
            if (e->d_type != want)
                typeok = 0;
        }
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmpstr);
    printf("     %s: %d entries:", path, n);
    for (int i = 0; i < n; i++) {
        char p[512];
        struct stat st;
        snprintf(p, sizeof p, "%s/%s", path, names[i]);
        lstat(p, &st);
        printf(" %s(%c)", names[i], S_ISDIR(st.st_mode) ? 'd' : S_ISLNK(st.st_mode) ? 'l' : 'f');
        free(names[i]);
    }
    printf("\n");
    CHECK(typeok, "d_type agrees with lstat for %s", path);
}

static int touch(const char *p, const char *content)
{
    int fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, content, strlen(content));
    close(fd);
    return n == (ssize_t)strlen(content) ? 0 : -1;
}

static void rmtree(const char *p)
{
    struct stat st;
    if (lstat(p, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(p);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char q[512];
            snprintf(q, sizeof q, "%s/%s", p, e->d_name);
            rmtree(q);
        }
        if (d)
            closedir(d);
        rmdir(p);
    } else {
        unlink(p);
    }
}

int main(void)
{
    struct stat st;
    char buf[256];
    umask(022);
    strcpy(base, "/tmp/gx_dirs_XXXXXX");
    CHECK(mkdtemp(base) != NULL, "mkdtemp");
    /* the temp dir path may contain symlinks (/tmp); use the real path */
    char *real = realpath(base, NULL);
    if (real) {
        snprintf(base, sizeof base, "%s", real);
        free(real);
    }
    CHECK(chdir(base) == 0, "chdir into temp dir, cwd %s", relcwd());

    CHECK(mkdir("a", 0755) == 0, "mkdir a");
    CHECK(mkdir("a/b", 0700) == 0, "mkdir a/b");
    int dfd = open("a", O_RDONLY | O_DIRECTORY);
    CHECK(mkdirat(dfd, "c", 0755) == 0, "mkdirat(a, c)");
    CHECK(stat("a/b", &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700, "a/b is a dir, mode %03o", st.st_mode & 0777);
    errno = 0;
    CHECK(mkdir("a", 0755) == -1 && errno == EEXIST, "mkdir existing -> %s", ename(errno));
    errno = 0;
    CHECK(mkdir("nope/x", 0755) == -1 && errno == ENOENT, "mkdir with missing parent -> %s", ename(errno));
    CHECK(touch("a/f1", "one") == 0 && touch("a/f2", "two!") == 0 && touch("a/b/g", "gee") == 0, "create a/f1 a/f2 a/b/g");
    for (int i = 0; i < 20; i++) {
        snprintf(buf, sizeof buf, "a/c/n%02d", i);
        touch(buf, "");
    }
    list("a");
    list("a/b");

    /* many entries: readdir must return each exactly once */
    DIR *d = opendir("a/c");
    int count = 0, seen[20] = { 0 }, dup = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        int k;
        if (sscanf(e->d_name, "n%d", &k) == 1 && k >= 0 && k < 20)
            dup |= seen[k]++;
        count++;
    }
    rewinddir(d);
    int again = 0;
    while (readdir(d))
        again++;
    closedir(d);
    CHECK(count == 22 && !dup && again == 22, "a/c: %d entries (20 files + . ..) each once, %d after rewinddir", count, again);

    /* directory link counts: 2 + subdirs on most filesystems, 1 on some (btrfs) */
    stat("a", &st);
    CHECK(st.st_nlink == 4 || st.st_nlink == 1, "dir a nlink is 2+subdirs (or 1 on fs without dir link counts)");

    /* rename */
    CHECK(rename("a/f1", "a/b/f1moved") == 0, "rename a/f1 -> a/b/f1moved");
    CHECK(stat("a/f1", &st) == -1 && stat("a/b/f1moved", &st) == 0 && st.st_size == 3, "old name gone, new name size %lld", (long long)st.st_size);
    CHECK(touch("a/victim", "old content") == 0 && rename("a/f2", "a/victim") == 0, "rename a/f2 over existing a/victim");
    CHECK(stat("a/victim", &st) == 0 && st.st_size == 4 && stat("a/f2", &st) == -1, "a/victim now has f2's 4 bytes");
    CHECK(syscall(SYS_renameat2, AT_FDCWD, "a/victim", AT_FDCWD, "a/b/g", 1 /* RENAME_NOREPLACE */) == -1 && errno == EEXIST,
          "renameat2 RENAME_NOREPLACE onto existing -> %s", ename(errno));
    CHECK(rename("a/c", "cdir") == 0 && stat("cdir/n07", &st) == 0, "rename directory a/c -> cdir keeps contents");
    errno = 0;
    CHECK(rename("a", "a/b/inside") == -1 && errno == EINVAL, "rename dir into its own subdir -> %s", ename(errno));
    list("a/b");

    /* rmdir */
    errno = 0;
    CHECK(rmdir("a/b") == -1 && errno == ENOTEMPTY, "rmdir non-empty -> %s", ename(errno));
    errno = 0;
    CHECK(rmdir("a/victim") == -1 && errno == ENOTDIR, "rmdir a file -> %s", ename(errno));
    CHECK(mkdir("empty", 0755) == 0 && rmdir("empty") == 0 && stat("empty", &st) == -1, "mkdir + rmdir empty dir");

    /* symlinks */
    CHECK(symlink("a/victim", "lnk") == 0, "symlink lnk -> a/victim");
    ssize_t n = readlink("lnk", buf, sizeof buf);
    CHECK(n == 8 && memcmp(buf, "a/victim", 8) == 0, "readlink -> \"%.*s\" (%zd bytes, not NUL-terminated)", (int)(n > 0 ? n : 0), buf, n);
    n = readlink("lnk", buf, 3);
    CHECK(n == 3 && memcmp(buf, "a/v", 3) == 0, "readlink into 3-byte buffer truncates -> %zd", n);
    CHECK(lstat("lnk", &st) == 0 && S_ISLNK(st.st_mode) && st.st_size == 8, "lstat: symlink of size %lld", (long long)st.st_size);
    CHECK(stat("lnk", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 4, "stat follows link: regular, size %lld", (long long)st.st_size);
    CHECK(symlink("does/not/exist", "dangling") == 0, "symlink dangling -> does/not/exist");
    errno = 0;
    CHECK(stat("dangling", &st) == -1 && errno == ENOENT && lstat("dangling", &st) == 0, "stat dangling -> ENOENT, lstat ok");
    errno = 0;
    CHECK(readlink("a/victim", buf, sizeof buf) == -1 && errno == EINVAL, "readlink on a regular file -> %s", ename(errno));
    CHECK(symlink("b", "a/blink") == 0 && stat("a/blink/g", &st) == 0 && st.st_size == 3, "path through a dir symlink a/blink/g");
    n = readlinkat(dfd, "blink", buf, sizeof buf);
    CHECK(n == 1 && buf[0] == 'b', "readlinkat(a, blink) -> \"%.*s\"", (int)(n > 0 ? n : 0), buf);

    /* hard links */
    CHECK(link("a/victim", "hard") == 0, "link a/victim -> hard");
    CHECK(stat("a/victim", &st) == 0 && st.st_nlink == 2, "nlink after link: %lu", (unsigned long)st.st_nlink);
    struct stat st2;
    CHECK(stat("hard", &st2) == 0 && st2.st_ino == st.st_ino, "hard link shares the inode");
    CHECK(unlink("hard") == 0 && stat("a/victim", &st) == 0 && st.st_nlink == 1, "nlink after unlink: %lu", (unsigned long)st.st_nlink);
    errno = 0;
    CHECK(link("a", "dirlink") == -1 && errno == EPERM, "link to a directory -> %s", errno == EPERM ? "EPERM" : ename(errno));
    errno = 0;
    CHECK(unlink("a") == -1 && errno == EISDIR, "unlink a directory -> %s", ename(errno));

    /* chdir / getcwd / fchdir with relative paths */
    CHECK(chdir("a/b") == 0, "chdir a/b -> cwd %s", relcwd());
    CHECK(chdir("..") == 0, "chdir .. -> cwd %s", relcwd());
    CHECK(chdir("blink") == 0, "chdir through symlink blink -> cwd %s", relcwd());
    CHECK(chdir("../../cdir") == 0, "chdir ../../cdir -> cwd %s", relcwd());
    CHECK(fchdir(dfd) == 0, "fchdir(fd of a) -> cwd %s", relcwd());
    errno = 0;
    CHECK(chdir("victim") == -1 && errno == ENOTDIR, "chdir to a file -> %s", ename(errno));
    CHECK(stat("b/f1moved", &st) == 0, "relative stat from new cwd");
    char small[4];
    errno = 0;
    CHECK(getcwd(small, sizeof small) == NULL && errno == ERANGE, "getcwd into 4 bytes -> %s", errno == ERANGE ? "ERANGE" : ename(errno));
    CHECK(chdir(base) == 0, "chdir back -> cwd %s", relcwd());
    list(".");

    close(dfd);
    CHECK(chdir("/") == 0, "chdir /");
    rmtree(base);
    CHECK(stat(base, &st) == -1 && errno == ENOENT, "temp dir removed");
    printf("dirs: %d failures\n", failures);
    return failures ? 1 : 0;
}
