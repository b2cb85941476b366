// Descriptors across a restart of the vfs: tests/faults.rs injects a vfs fault at each
// call in turn; the restarted vfs keeps the descriptor, so the output is the same as
// without a fault. (A descriptor the restart's repair finds naming no open file would
// fail with ESTALE, a distinct error, and close would succeed.)
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(void) {
    int fd = open("/dev/zero", O_RDONLY);
    char b[8];
    for (int i = 0; i < 4; i++) {
        ssize_t n = read(fd, b, sizeof b);
        printf("read %d: %zd errno %d\n", i, n, n < 0 ? errno : 0);
    }
    printf("close: %d\n", close(fd));
    int fd2 = open("/dev/zero", O_RDONLY);
    printf("reopen: %s, read %zd\n", fd2 >= 0 ? "ok" : "failed", fd2 >= 0 ? read(fd2, b, sizeof b) : -1);
    return 0;
}
