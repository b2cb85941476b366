/* fhandle.c — name_to_handle_at and open_by_handle_at: a handle of a file
 * opens it again (same inode, contents readable, flags honoured); a too small
 * handle_bytes is EOVERFLOW with the size needed written back, and that size
 * then works; handle_bytes over MAX_HANDLE_SZ is EINVAL; AT_EMPTY_PATH names
 * the fd's file; AT_SYMLINK_FOLLOW decides between a symlink and its target;
 * the mount id matches the one of /proc/self/mountinfo's line for the file's
 * mount; bad flags (EINVAL), missing names (ENOENT), bad pointers (EFAULT);
 * open_by_handle_at with a bad mount fd (EBADF), handle_bytes 0 (EINVAL), a
 * corrupted handle or the handle of a deleted file (ESTALE), and without
 * CAP_DAC_READ_SEARCH (EPERM, in a child that became nobody). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;
#define CHECK(cond, ...) do { int c_ = (cond); int e_ = errno; \
    printf("%s ", c_ ? "ok  " : "FAIL"); errno = e_; \
    printf(__VA_ARGS__); printf("\n"); if (!c_) failures++; } while (0)

static const char *ename(int e)
{
    switch (e) {
    case 0: return "0";
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
    case EFAULT: return "EFAULT";
    case ENOENT: return "ENOENT";
    case ESTALE: return "ESTALE";
    case EPERM: return "EPERM";
    case ELOOP: return "ELOOP";
    case EOVERFLOW: return "EOVERFLOW";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case ENOSYS: return "ENOSYS";
    default: return "other";
    }
}
#define ERR(call) ((call) == -1 ? errno : 0)

struct fh { struct file_handle h; unsigned char b[128]; };

static int get(int dfd, const char *p, struct fh *f, int *mnt, int flags)
{
    memset(f, 0, sizeof *f);
    f->h.handle_bytes = 128;
    return name_to_handle_at(dfd, p, &f->h, mnt, flags);
}

/* The mount id of the mountinfo line whose mount point is the longest prefix of
 * path (what name_to_handle_at reports). */
static int mount_id_of(const char *path)
{
    FILE *m = fopen("/proc/self/mountinfo", "r");
    char line[1024];
    int best = -1;
    size_t bestlen = 0;
    while (m && fgets(line, sizeof line, m)) {
        int id, parent;
        char mp[512];
        if (sscanf(line, "%d %d %*s %*s %511s", &id, &parent, mp) != 3)
            continue;
        size_t n = strlen(mp);
        int prefix = strcmp(mp, "/") == 0 || (strncmp(path, mp, n) == 0 && (path[n] == '/' || path[n] == 0));
        if (prefix && n >= bestlen) {
            best = id;
            bestlen = n;
        }
    }
    if (m)
        fclose(m);
    return best;
}

int main(void)
{
    char dir[] = "/tmp/gx_fh_XXXXXX", path[64], link[64], gone[64], buf[16];
    if (!mkdtemp(dir))
        return 2;
    snprintf(path, sizeof path, "%s/f", dir);
    snprintf(link, sizeof link, "%s/l", dir);
    snprintf(gone, sizeof gone, "%s/gone", dir);
    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
    if (chmod(dir, 0755) || fd < 0 || write(fd, "handle", 6) != 6 || symlink("f", link))
        return 2;
    struct stat st, st2;
    fstat(fd, &st);

    struct fh f;
    int mnt = -1;
    int e = ERR(get(AT_FDCWD, path, &f, &mnt, 0));
    CHECK(e == 0 && f.h.handle_bytes > 0 && f.h.handle_bytes <= 128, "name_to_handle_at file -> %s", ename(e));
    CHECK(mnt == mount_id_of(path), "mount id is the file's mount in mountinfo");
    int o = open_by_handle_at(AT_FDCWD, &f.h, O_RDONLY);
    CHECK(o >= 0, "open_by_handle_at -> %s", ename(o < 0 ? errno : 0));
    if (o >= 0) {
        fstat(o, &st2);
        CHECK(st2.st_ino == st.st_ino && st2.st_dev == st.st_dev, "it opens the same inode");
        memset(buf, 0, sizeof buf);
        CHECK(read(o, buf, 6) == 6 && strcmp(buf, "handle") == 0, "and reads its contents");
        CHECK((fcntl(o, F_GETFL) & O_ACCMODE) == O_RDONLY, "opened O_RDONLY");
        e = ERR(write(o, "x", 1));
        CHECK(e == EBADF, "write to it -> %s", ename(e));
        close(o);
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    o = open_by_handle_at(dfd, &f.h, O_RDWR);
    CHECK(o >= 0 && (fcntl(o, F_GETFL) & O_ACCMODE) == O_RDWR, "open_by_handle_at with a directory fd, O_RDWR");
    close(o);

    /* Sizes. */
    struct fh small;
    memset(&small, 0, sizeof small);
    small.h.handle_bytes = 0;
    mnt = -1;
    e = ERR(name_to_handle_at(AT_FDCWD, path, &small.h, &mnt, 0));
    CHECK(e == EOVERFLOW, "handle_bytes 0 -> %s", ename(e));
    CHECK(small.h.handle_bytes == f.h.handle_bytes, "the size needed is written back");
    CHECK(mnt == mount_id_of(path), "the mount id is written anyway");
    e = ERR(name_to_handle_at(AT_FDCWD, path, &small.h, &mnt, 0));
    CHECK(e == 0 && memcmp(small.h.f_handle, f.h.f_handle, f.h.handle_bytes) == 0, "that size works, same handle -> %s", ename(e));
    small.h.handle_bytes = 129;
    e = ERR(name_to_handle_at(AT_FDCWD, path, &small.h, &mnt, 0));
    CHECK(e == EINVAL, "handle_bytes 129 -> %s", ename(e));

    /* Empty path, symlinks. */
    struct fh g;
    e = ERR(get(fd, "", &g, &mnt, AT_EMPTY_PATH));
    CHECK(e == 0 && g.h.handle_bytes == f.h.handle_bytes && memcmp(g.h.f_handle, f.h.f_handle, f.h.handle_bytes) == 0, "AT_EMPTY_PATH names the fd's file -> %s", ename(e));
    e = ERR(get(fd, "", &g, &mnt, 0));
    CHECK(e == ENOENT, "empty path without AT_EMPTY_PATH -> %s", ename(e));
    e = ERR(get(AT_FDCWD, link, &g, &mnt, AT_SYMLINK_FOLLOW));
    CHECK(e == 0 && memcmp(g.h.f_handle, f.h.f_handle, f.h.handle_bytes) == 0, "AT_SYMLINK_FOLLOW: the target's handle -> %s", ename(e));
    e = ERR(get(AT_FDCWD, link, &g, &mnt, 0));
    CHECK(e == 0 && memcmp(g.h.f_handle, f.h.f_handle, f.h.handle_bytes) != 0, "no AT_SYMLINK_FOLLOW: the link's own -> %s", ename(e));
    o = open_by_handle_at(AT_FDCWD, &g.h, O_RDONLY);
    CHECK(o < 0 && errno == ELOOP, "open the symlink's handle -> %s", ename(o < 0 ? errno : 0));
    o = open_by_handle_at(AT_FDCWD, &g.h, O_PATH);
    CHECK(o >= 0, "open the symlink's handle O_PATH -> %s", ename(o < 0 ? errno : 0));
    close(o);

    /* name_to_handle_at errors. */
    e = ERR(get(AT_FDCWD, path, &g, &mnt, 0x8000));
    CHECK(e == EINVAL, "bad flags -> %s", ename(e));
    snprintf(buf, sizeof buf, "nope");
    e = ERR(get(dfd, "nope", &g, &mnt, 0));
    CHECK(e == ENOENT, "missing name -> %s", ename(e));
    e = ERR(name_to_handle_at(AT_FDCWD, path, (void *)16, &mnt, 0));
    CHECK(e == EFAULT, "bad handle pointer -> %s", ename(e));
    e = ERR(name_to_handle_at(AT_FDCWD, (void *)16, &g.h, &mnt, 0));
    CHECK(e == EFAULT, "bad path pointer -> %s", ename(e));
    e = ERR(get(-1, "x", &g, &mnt, 0));
    CHECK(e == EBADF, "bad dirfd -> %s", ename(e));

    /* open_by_handle_at errors. */
    e = ERR(open_by_handle_at(-1, &f.h, O_RDONLY));
    CHECK(e == EBADF, "bad mount fd -> %s", ename(e));
    struct fh z = f;
    z.h.handle_bytes = 0;
    e = ERR(open_by_handle_at(AT_FDCWD, &z.h, O_RDONLY));
    CHECK(e == EINVAL, "handle_bytes 0 -> %s", ename(e));
    z.h.handle_bytes = 200;
    e = ERR(open_by_handle_at(AT_FDCWD, &z.h, O_RDONLY));
    CHECK(e == EINVAL, "handle_bytes 200 -> %s", ename(e));
    e = ERR(open_by_handle_at(AT_FDCWD, (void *)16, O_RDONLY));
    CHECK(e == EFAULT, "bad handle pointer -> %s", ename(e));

    int gfd = open(gone, O_CREAT | O_RDWR, 0644);
    struct fh d;
    e = ERR(get(AT_FDCWD, gone, &d, &mnt, 0));
    close(gfd);
    unlink(gone);
    sync();
    e = ERR(open_by_handle_at(AT_FDCWD, &d.h, O_RDONLY));
    CHECK(e == ESTALE, "handle of a deleted file -> %s", ename(e));

    pid_t c = fork();
    if (c == 0) {
        if (setgid(65534) || setuid(65534))
            _exit(3);
        int r = open_by_handle_at(AT_FDCWD, &f.h, O_RDONLY);
        _exit(r >= 0 ? 0 : errno == EPERM ? 1 : 2);
    }
    int ws;
    waitpid(c, &ws, 0);
    CHECK(WIFEXITED(ws) && WEXITSTATUS(ws) == 1, "without CAP_DAC_READ_SEARCH -> %s", WIFEXITED(ws) && WEXITSTATUS(ws) == 1 ? "EPERM" : "other");
    c = fork();
    if (c == 0) {
        if (setgid(65534) || setuid(65534))
            _exit(3);
        struct fh u;
        int m2;
        _exit(get(AT_FDCWD, path, &u, &m2, 0) == 0 ? 0 : 1);
    }
    waitpid(c, &ws, 0);
    CHECK(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "name_to_handle_at needs no capability");

    close(dfd);
    close(fd);
    unlink(link);
    unlink(path);
    rmdir(dir);
    printf("fhandle: %d failures\n", failures);
    return failures != 0;
}
