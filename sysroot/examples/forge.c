/* forge: what a native caller cannot do. It may not name itself (the caller word it
 * passes is replaced), call internal ops, hand a service a pointer it did not lend,
 * or call a portal its DATA space holds no C grant for (a forked child must look up
 * again). */
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <grantix/libgx.h>

int main(void)
{
    setvbuf(stdout, 0, _IONBF, 0);
    int64_t r = gx_ensure(&gx_proc);
    printf("lookup proc %lld\n", (long long)r);
    /* getpid with a forged caller word (pid 1, tid 1). */
    struct gx_ret c = gx_pcall(gx_proc.portal, GX_PROC_GETPID, (1ull << 32) | 1, 0, 0, 0, 0, 0, 0);
    printf("forged getpid is own pid: %d\n", c.rc == 0 && (pid_t)c.a0 == getpid());
    gx_ensure(&gx_vfs);
    /* An internal op (vfs EXIT: close every fd of a pid). */
    c = gx_pcall(gx_vfs.portal, GX_INTERNAL_OPS + 0x2002, 0, 1, 0, 0, 0, 0, 0);
    printf("internal op %lld\n", (long long)(int64_t)c.a0);
    /* write of a buffer not lent to vfs: -EFAULT, vfs unharmed. */
    static const char msg[] = "not lent\n";
    c = gx_pcall(gx_vfs.portal, GX_VFS_WRITE, 0, 1, gx_qualify(msg), sizeof msg - 1, 0, 0, 0);
    printf("unlent write %lld\n", (long long)(int64_t)c.a0);
    /* A local (unqualified) pointer is the caller's, never the service's memory. */
    gx_lend(msg, sizeof msg - 1, gx_vfs.sid, GX_RIGHT_R | GX_RIGHT_G);
    c = gx_pcall(gx_vfs.portal, GX_VFS_WRITE, 0, 1, (uint64_t)msg, 4, 0, 0, 0);
    printf("\nlocal pointer write %lld\n", (long long)(int64_t)c.a0);
    /* NULL is never the service's own address 0: -EFAULT, the service unharmed. */
    c = gx_pcall(gx_vfs.portal, GX_VFS_WRITE, 0, 1, 0, 4, 0, 0, 0);
    printf("null write %lld\n", (long long)(int64_t)c.a0);
    /* mincore natively, with a local pointer: mm writes the vector into the caller's memory
     * (through the lend), never its own, exactly as on the ecall path. */
    static char page[4096] __attribute__((aligned(4096)));
    static unsigned char vec[1] = { 7 }, evec[1] = { 7 };
    page[0] = 1;
    gx_ensure(&gx_mm);
    gx_lend(vec, 1, gx_mm.sid, GX_RIGHT_W | GX_RIGHT_G);
    c = gx_pcall(gx_mm.portal, GX_MM_MINCORE, 0, (uint64_t)page, 4096, (uint64_t)vec, 0, 0, 0);
    int er = mincore(page, 4096, evec);
    printf("native mincore %lld vec %d, ecall mincore %d vec %d\n", (long long)(int64_t)c.a0, vec[0], er, evec[0]);
    pid_t pid = fork();
    if (pid == 0) {
        /* The child's DATA is new: the parent's C grant is not its own. */
        c = gx_pcall(gx_vfs.portal, GX_VFS_CLOSE, 0, 99, 0, 0, 0, 0, 0);
        printf("child without lookup rc %lld\n", (long long)c.rc);
        printf("child lookup %lld\n", (long long)gx_lookup(&gx_vfs));
        c = gx_pcall(gx_vfs.portal, GX_VFS_CLOSE, 0, 99, 0, 0, 0, 0, 0);
        printf("child close(99) rc %lld a0 %lld\n", (long long)c.rc, (long long)(int64_t)c.a0);
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    printf("still writes: %lld\n", (long long)gx_vfs_write(1, "ok\n", 3));
    return 0;
}
