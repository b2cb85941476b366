/* shimdemo: the same program with and without the shim (scripts/build-sysroot.sh
 * builds both); its output must be identical, only the counters differ. Every call
 * here is one the shim wraps; stdio is not used (glibc's printf calls its internal
 * __write, which --wrap cannot reach). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The number of wrapped calls main makes (the test checks ecalls drop by it). */
#define ROUNDS 8

static void say(const char *s)
{
    write(1, s, strlen(s));
}

static void num(const char *what, long v)
{
    char b[64];
    int n = snprintf(b, sizeof b, "%s %ld\n", what, v);
    write(1, b, n);
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "/tmp/shimdemo.txt";
    say("shimdemo: hello\n");
    num("pid>0", getpid() > 0);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    num("open>=0", fd >= 0);
    for (int i = 0; i < ROUNDS; i++)
        num("wrote", write(fd, "0123456789abcdef", 16));
    num("lseek", lseek(fd, 4, SEEK_SET));
    char buf[32] = { 0 };
    num("read", read(fd, buf, 8));
    say(buf);
    say("\n");
    struct stat st;
    num("fstat", fstat(fd, &st));
    num("size", st.st_size);
    num("close", close(fd));
    num("close again", close(fd));
    num("open missing", open("/nonexistent/x", O_RDONLY));
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    clock_gettime(CLOCK_MONOTONIC, &b);
    num("monotonic", b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec >= a.tv_nsec));
    char *m = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    num("mmap", m != MAP_FAILED);
    m[0] = 'x';
    m[8191] = 'y';
    num("mm", m[0] + m[8191]);
    num("munmap", munmap(m, 8192));
    unlink(path);
    say("shimdemo: bye\n");
    return 0;
}
