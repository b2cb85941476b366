// The fault-injection campaign's workload: it writes files through the vfs, reads them
// back, pipes data between two processes, keeps a checksummed block of memory, and
// verifies everything at the end. Exit 0: all correct. Exit 3: the data came back
// different and nobody said so (silent corruption). Exit 1: a call failed visibly.
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static uint32_t fnv(const void *p, size_t n) {
    const uint8_t *b = p;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 16777619u;
    return h;
}

static char block[256 * 1024];

int main(void) {
    int visible = 0, corrupt = 0;
    for (size_t i = 0; i < sizeof block; i++) block[i] = (char)(i * 131 + 7);
    uint32_t block_sum = fnv(block, sizeof block);

    char dir[] = "/tmp/gx-campaign-XXXXXX";
    if (!mkdtemp(dir)) {
        printf("mkdtemp failed\n");
        return 1;
    }
    char path[128], buf[4096], back[4096];
    for (int f = 0; f < 8; f++) {
        snprintf(path, sizeof path, "%s/f%d", dir, f);
        for (size_t i = 0; i < sizeof buf; i++) buf[i] = (char)(i * (f + 3) + f);
        int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
        if (fd < 0 || write(fd, buf, sizeof buf) != (ssize_t)sizeof buf) visible++;
        if (fd >= 0) close(fd);
        fd = open(path, O_RDONLY);
        ssize_t n = fd < 0 ? -1 : read(fd, back, sizeof back);
        if (fd >= 0) close(fd);
        if (n != (ssize_t)sizeof back) visible++;
        else if (fnv(back, n) != fnv(buf, sizeof buf)) corrupt++;
        unlink(path);
    }
    rmdir(dir);

    int p[2];
    if (pipe(p) == 0) {
        pid_t child = fork();
        if (child == 0) {
            close(p[0]);
            for (int i = 0; i < 16; i++) {
                memset(buf, 'a' + i, 512);
                if (write(p[1], buf, 512) != 512) _exit(1);
            }
            _exit(0);
        }
        close(p[1]);
        size_t got = 0;
        uint32_t sum = 0;
        ssize_t n;
        while ((n = read(p[0], back, sizeof back)) > 0) {
            for (ssize_t i = 0; i < n; i++) sum += (uint8_t)back[i] * (uint32_t)(got + i + 1);
            got += n;
        }
        close(p[0]);
        int st = 0;
        if (child < 0 || waitpid(child, &st, 0) != child || !WIFEXITED(st) || WEXITSTATUS(st) != 0) visible++;
        uint32_t want = 0;
        for (size_t i = 0; i < 16 * 512; i++) want += (uint32_t)('a' + i / 512) * (uint32_t)(i + 1);
        if (got != 16 * 512) visible++;
        else if (sum != want) corrupt++;
    } else {
        visible++;
    }

    if (fnv(block, sizeof block) != block_sum) corrupt++;
    printf("workload: %d visible failures, %d corruptions\n", visible, corrupt);
    return corrupt ? 3 : visible ? 1 : 0;
}
