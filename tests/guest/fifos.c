/* fifos.c — named pipes in the style of the Linux Test Project's mkfifo and fifo
 * open tests (fifo(7), open(2)): open for writing blocks until a reader opens (and
 * for reading until a writer does), O_NONBLOCK read-only opens at once, O_NONBLOCK
 * write-only without a reader is ENXIO, O_RDWR never blocks, data flows between
 * processes, EOF after the last writer closes, EPIPE after the last reader does,
 * S_ISFIFO, ESPIPE, EEXIST. Times are only checked as lower bounds. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ltp.h"

static char path[256];

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static int reap(pid_t p)
{
    int st = 0;
    waitpid(p, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* partial output survives a hang or crash */
    alarm(30); /* a hang ends as SIGALRM (status 142), not as a runner timeout */
    char dir[] = "/tmp/gx_fifos_XXXXXX", buf[16];
    if (!mkdtemp(dir))
        return 2;
    snprintf(path, sizeof path, "%s/fifo", dir);
    signal(SIGPIPE, SIG_IGN);
    CHECK_OK("mkfifo", mkfifo(path, 0600));
    CHECK_ERR("mkfifo existing", mkfifo(path, 0600), EEXIST);
    struct stat st;
    stat(path, &st);
    check("S_ISFIFO", S_ISFIFO(st.st_mode) != 0, 1);
    CHECK_ERR("O_WRONLY|O_NONBLOCK without reader", open(path, O_WRONLY | O_NONBLOCK), ENXIO);
    int r = open(path, O_RDONLY | O_NONBLOCK);
    check("O_RDONLY|O_NONBLOCK opens at once", r >= 0, 1);
    check("read with no writer is EOF", read(r, buf, sizeof buf), 0);
    int w = open(path, O_WRONLY | O_NONBLOCK);
    check("O_WRONLY|O_NONBLOCK with a reader", w >= 0, 1);
    CHECK_ERR("lseek on a fifo", lseek(w, 0, SEEK_SET), ESPIPE);
    close(w);
    close(r);

    /* a writer blocks until a reader comes */
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        sleep_ms(200);
        int fd = open(path, O_RDONLY);
        char b[16] = { 0 };
        int n = read(fd, b, sizeof b);
        _exit(n == 5 && strcmp(b, "hello") == 0 ? 0 : 1);
    }
    long long t0 = now_ms();
    w = open(path, O_WRONLY);
    check("O_WRONLY waited for the reader", now_ms() - t0 >= 150, 1);
    check("write to the reader", write(w, "hello", 5), 5);
    check("reader got the data", reap(p), 0);
    CHECK_ERR("write after the reader left", write(w, "x", 1), EPIPE);
    close(w);

    /* a reader blocks until a writer comes; EOF after it closes */
    fflush(stdout);
    p = fork();
    if (p == 0) {
        sleep_ms(200);
        int fd = open(path, O_WRONLY);
        write(fd, "abc", 3);
        _exit(0);
    }
    t0 = now_ms();
    r = open(path, O_RDONLY);
    check("O_RDONLY waited for the writer", now_ms() - t0 >= 150, 1);
    check("read the writer's data", read(r, buf, sizeof buf), 3);
    reap(p);
    check("EOF after the writer exited", read(r, buf, sizeof buf), 0);
    close(r);

    int rw = open(path, O_RDWR);
    check("O_RDWR never blocks", rw >= 0, 1);
    write(rw, "xy", 2);
    check("O_RDWR reads its own data", read(rw, buf, sizeof buf), 2);
    close(rw);
    unlink(path);
    CHECK_OK("mknod S_IFIFO", mknod(path, S_IFIFO | 0600, 0));
    stat(path, &st);
    check("mknod made a fifo", S_ISFIFO(st.st_mode) != 0, 1);
    unlink(path);
    rmdir(dir);
    return finish("fifos");
}
