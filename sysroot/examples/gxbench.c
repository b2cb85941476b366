/* gxbench MODE N: N calls of write(/dev/null, 64 bytes) and of getpid, by ecall
 * (MODE "ecall") or natively (MODE "native"), printing modeled cycles per call
 * (rdcycle counts this hart's cycles, the services' work included). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <grantix/libgx.h>

static uint64_t cycles(void)
{
    uint64_t c;
    __asm__ volatile("rdcycle %0" : "=r"(c));
    return c;
}

int main(int argc, char **argv)
{
    int native = argc > 1 && strcmp(argv[1], "native") == 0;
    long n = argc > 2 ? atol(argv[2]) : 100;
    int fd = open("/dev/null", O_WRONLY);
    char buf[64] = { 0 };
    gx_ensure(&gx_vfs);
    gx_ensure(&gx_proc);
    uint64_t t0 = cycles();
    for (long i = 0; i < n; i++)
        native ? gx_vfs_write(fd, buf, sizeof buf) : gx_ecall(GX_VFS_WRITE, fd, (uint64_t)buf, sizeof buf);
    uint64_t t1 = cycles();
    for (long i = 0; i < n; i++)
        native ? gx_proc_getpid() : gx_ecall(GX_PROC_GETPID, 0, 0, 0);
    uint64_t t2 = cycles();
    printf("write %s %llu cycles/call\n", native ? "native" : "ecall", (unsigned long long)((t1 - t0) / (n ? n : 1)));
    printf("getpid %s %llu cycles/call\n", native ? "native" : "ecall", (unsigned long long)((t2 - t1) / (n ? n : 1)));
    return 0;
}
