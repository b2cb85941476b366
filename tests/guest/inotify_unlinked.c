/* inotify_unlinked.c — inotify and files unlinked while open, and
 * /proc/self/fdinfo: an inotify descriptor's fdinfo shows "pos:", "flags:"
 * (O_NONBLOCK and O_CLOEXEC as set) and one "inotify wd:... ino:... sdev:...
 * mask:... ignored_mask:0" line per watch with the mask the user gave
 * (IN_ONESHOT and IN_EXCL_UNLINK included, the inode the file's); a watched
 * file unlinked while open still reports IN_MODIFY to its own watch and to its
 * directory's watch (with its old name), except to watches with
 * IN_EXCL_UNLINK; its IN_DELETE_SELF and IN_IGNORED come only at the last
 * close; a plain file's fdinfo has its offset. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

static int failures;
#define CHECK(cond, ...) do { int c_ = (cond); int e_ = errno; \
    printf("%s ", c_ ? "ok  " : "FAIL"); errno = e_; \
    printf(__VA_ARGS__); printf("\n"); if (!c_) failures++; } while (0)

static char evbuf[4096];

/* Reads the queued events into "wd:MASK[:name] ..." (nonblocking instance). */
static const char *events(int in)
{
    static char out[512];
    out[0] = 0;
    ssize_t n = read(in, evbuf, sizeof evbuf);
    for (ssize_t off = 0; n > 0 && off < n;) {
        struct inotify_event *e = (void *)(evbuf + off);
        char one[96];
        snprintf(one, sizeof one, "%s%d:%x%s%s", out[0] ? " " : "", e->wd, e->mask, e->len ? ":" : "", e->len ? e->name : "");
        strncat(out, one, sizeof out - strlen(out) - 1);
        off += sizeof *e + e->len;
    }
    return out[0] ? out : "none";
}

/* The text of /proc/self/fdinfo/FD. */
static char *fdinfo(int fd)
{
    static char text[2048];
    char p[64];
    snprintf(p, sizeof p, "/proc/self/fdinfo/%d", fd);
    int f = open(p, O_RDONLY);
    ssize_t n = f < 0 ? -1 : read(f, text, sizeof text - 1);
    if (f >= 0)
        close(f);
    text[n > 0 ? n : 0] = 0;
    return text;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    char dir[] = "/tmp/gx_inotify_unlinked_XXXXXX";
    if (!mkdtemp(dir) || chdir(dir))
        return 2;
    close(open("f", O_CREAT | O_WRONLY, 0644));
    struct stat st;
    stat("f", &st);

    int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    int wf = inotify_add_watch(in, "f", IN_MODIFY | IN_ONESHOT);
    int wd = inotify_add_watch(in, ".", IN_MODIFY | IN_DELETE | IN_EXCL_UNLINK);
    char *t = fdinfo(in);
    unsigned flags = 0, m1 = 0, m2 = 0;
    int w1 = 0, w2 = 0, lines = 0;
    unsigned long ino1 = 0;
    char *l = strstr(t, "flags:");
    if (l)
        sscanf(l, "flags: %o", &flags);
    /* One line per watch (Linux lists the newest first). */
    for (l = strstr(t, "inotify wd:"); l; l = strstr(l + 1, "inotify wd:")) {
        int w;
        unsigned m;
        unsigned long ino;
        if (sscanf(l, "inotify wd:%x ino:%lx sdev:%*x mask:%x ignored_mask:0", &w, &ino, &m) != 3)
            continue;
        lines++;
        if (w == wf) {
            w1 = w, ino1 = ino, m1 = m;
        } else {
            w2 = w, m2 = m;
        }
    }
    CHECK(lines == 2, "fdinfo: two watch lines");
    CHECK(strncmp(t, "pos:\t0\n", 7) == 0, "fdinfo starts with pos: 0");
    CHECK((flags & (O_ACCMODE | O_NONBLOCK | O_CLOEXEC)) == (O_RDONLY | O_NONBLOCK | O_CLOEXEC), "fdinfo flags: O_RDONLY|O_NONBLOCK|O_CLOEXEC");
    CHECK(w1 == wf && ino1 == st.st_ino && m1 == (IN_MODIFY | IN_ONESHOT), "watch 1: its wd, the file's inode, mask %x", m1);
    CHECK(w2 == wd && m2 == (IN_MODIFY | IN_DELETE | IN_EXCL_UNLINK), "watch 2: its wd, mask %x", m2);
    char p[64];
    snprintf(p, sizeof p, "/proc/self/fdinfo/%d", in);
    CHECK(access(p, R_OK) == 0 && access("/proc/self/fdinfo/999", F_OK) == -1 && errno == ENOENT, "fdinfo/999 (not open): ENOENT");

    int fd = open("f", O_RDWR);
    write(fd, "1", 1);
    printf("write: %s\n", events(in));
    unlink("f");
    printf("unlink: %s\n", events(in));
    write(fd, "2", 1);
    printf("write after unlink: %s\n", events(in));
    close(fd);
    printf("last close: %s\n", events(in));
    close(in);

    /* Without IN_EXCL_UNLINK: the events of the unlinked file keep coming. */
    close(open("g", O_CREAT | O_WRONLY, 0644));
    in = inotify_init1(IN_NONBLOCK);
    wf = inotify_add_watch(in, "g", IN_MODIFY | IN_CLOSE_WRITE | IN_DELETE_SELF | IN_ATTRIB);
    wd = inotify_add_watch(in, ".", IN_MODIFY | IN_CLOSE_WRITE);
    fd = open("g", O_RDWR);
    int fd2 = dup(fd);
    unlink("g");
    printf("unlink g: %s\n", events(in));
    write(fd, "abc", 3);
    printf("write g: %s\n", events(in));
    close(fd);
    printf("close one of two: %s\n", events(in));
    t = fdinfo(fd2);
    CHECK(strncmp(t, "pos:\t3\n", 7) == 0, "a file's fdinfo: pos 3");
    close(fd2);
    printf("last close g: %s\n", events(in));
    close(in);

    rmdir(dir);
    printf("inotify_unlinked: %d failures\n", failures);
    return failures != 0;
}
