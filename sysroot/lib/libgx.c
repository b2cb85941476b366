/* libgx: directory lookups, grants, typed service calls, exporting a portal. */
#include <grantix/libgx.h>

struct gx_service gx_vfs = { "vfs" }, gx_mm = { "mm" }, gx_time = { "time" }, gx_proc = { "proc" };

int64_t gx_ecall(long n, uint64_t x0, uint64_t x1, uint64_t x2)
{
    register uint64_t a0 __asm__("a0") = x0;
    register uint64_t a1 __asm__("a1") = x1;
    register uint64_t a2 __asm__("a2") = x2;
    register uint64_t a7 __asm__("a7") = (uint64_t)n;
    __asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a7) : "memory");
    return (int64_t)a0;
}

static uint64_t len_of(const char *s)
{
    uint64_t n = 0;
    while (s[n])
        n++;
    return n;
}

int64_t gx_lookup(struct gx_service *s)
{
    int64_t r = gx_ecall(GX_SYS_LOOKUP, (uint64_t)s->name, len_of(s->name), 0);
    if (r < 0)
        return r;
    s->sid = (uint16_t)((uint64_t)r >> 32);
    s->portal = (uint32_t)r;
    s->owner = gx_data_sid();
    return 0;
}

int64_t gx_ensure(struct gx_service *s)
{
    /* The C grant belongs to the DATA space that looked up: a forked child (new
     * DATA) must look up again. */
    if (s->portal && s->owner == gx_data_sid())
        return 0;
    return gx_lookup(s);
}

static int64_t grant(const void *p, uint64_t len, uint16_t sid, uint8_t rights, uint8_t flags)
{
    struct gx_grant g = { (uint64_t)p, len, sid, rights, flags, 0 };
    return gx_grant(&g);
}

int64_t gx_lend(const void *p, uint64_t len, uint16_t sid, uint8_t rights)
{
    return grant(p, len, sid, rights, GX_TRANSIENT);
}

int64_t gx_share(const void *p, uint64_t len, uint16_t sid, uint8_t rights)
{
    return grant(p, len, sid, rights, 0);
}

static int64_t call_after_lookup(struct gx_service *s, uint64_t op, uint64_t a, uint64_t b, uint64_t c, uint64_t d,
                                 uint64_t e, const void *lp, uint64_t llen, uint8_t rights);

/* The call itself, inlined into every typed wrapper: the first call of a service (or
 * the first after a fork) takes the out-of-line path through the directory, so the
 * common path makes no C call and saves no registers: a lend, a pcall, two checks.
 * The lend must be the last grant before the pcall: it goes to the next call. */
static inline __attribute__((always_inline)) int64_t call(struct gx_service *s, uint64_t op, uint64_t a, uint64_t b,
                                                          uint64_t c, uint64_t d, uint64_t e, const void *lp,
                                                          uint64_t llen, uint8_t rights)
{
    if (__builtin_expect(!s->portal || s->owner != gx_data_sid(), 0))
        return call_after_lookup(s, op, a, b, c, d, e, lp, llen, rights);
    if (lp && llen) {
        struct gx_grant g = { (uint64_t)lp, llen, s->sid, rights, GX_TRANSIENT, 0 };
        if (gx_grant(&g) < 0)
            return GX_UNAVAILABLE;
    }
    struct gx_ret r = gx_pcall(s->portal, op, 0, a, b, c, d, e, 0);
    if (r.rc < 0 || (int64_t)r.a0 == GX_BLOCK)
        return GX_UNAVAILABLE;
    return (int64_t)r.a0;
}

static __attribute__((noinline, cold)) int64_t call_after_lookup(struct gx_service *s, uint64_t op, uint64_t a,
                                                                 uint64_t b, uint64_t c, uint64_t d, uint64_t e,
                                                                 const void *lp, uint64_t llen, uint8_t rights)
{
    if (gx_lookup(s) < 0)
        return GX_UNAVAILABLE;
    return call(s, op, a, b, c, d, e, lp, llen, rights);
}

int64_t gx_call(struct gx_service *s, uint64_t op, uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
                const void *lp, uint64_t llen, uint8_t rights)
{
    return call(s, op, a, b, c, d, e, lp, llen, rights);
}

#define RG (GX_RIGHT_R | GX_RIGHT_G)
#define WG (GX_RIGHT_W | GX_RIGHT_G)

int64_t gx_vfs_read(int fd, void *buf, size_t n)
{
    return call(&gx_vfs, GX_VFS_READ, fd, gx_qualify(buf), n, 0, 0, buf, n, WG);
}

int64_t gx_vfs_write(int fd, const void *buf, size_t n)
{
    return call(&gx_vfs, GX_VFS_WRITE, fd, gx_qualify(buf), n, 0, 0, buf, n, RG);
}

int64_t gx_vfs_openat(int dirfd, const char *path, int flags, int mode)
{
    return call(&gx_vfs, GX_VFS_OPENAT, (uint64_t)(int64_t)dirfd, gx_qualify(path), flags, mode, 0, path, len_of(path) + 1, RG);
}

int64_t gx_vfs_close(int fd)
{
    return call(&gx_vfs, GX_VFS_CLOSE, fd, 0, 0, 0, 0, 0, 0, 0);
}

int64_t gx_vfs_lseek(int fd, int64_t off, int whence)
{
    return call(&gx_vfs, GX_VFS_LSEEK, fd, (uint64_t)off, whence, 0, 0, 0, 0, 0);
}

int64_t gx_vfs_fstat(int fd, void *statbuf)
{
    return call(&gx_vfs, GX_VFS_FSTAT, fd, gx_qualify(statbuf), 0, 0, 0, statbuf, 128, WG);
}

int64_t gx_mm_mmap(void *addr, size_t len, int prot, int flags, int fd, int64_t off)
{
    /* Six arguments, as Linux has them (a2..a7): no lend, so no gx_call. */
    if (gx_ensure(&gx_mm) < 0)
        return GX_UNAVAILABLE;
    struct gx_ret r = gx_pcall(gx_mm.portal, GX_MM_MMAP, 0, (uint64_t)addr, len, (uint64_t)(int64_t)prot, (uint64_t)(int64_t)flags,
                               (uint64_t)(int64_t)fd, (uint64_t)off);
    if (r.rc < 0 || (int64_t)r.a0 == GX_BLOCK)
        return GX_UNAVAILABLE;
    return (int64_t)r.a0;
}

int64_t gx_mm_munmap(void *addr, size_t len)
{
    return call(&gx_mm, GX_MM_MUNMAP, (uint64_t)addr, len, 0, 0, 0, 0, 0, 0);
}

int64_t gx_time_clock_gettime(int clk, void *ts)
{
    return call(&gx_time, GX_TIME_CLOCK_GETTIME, clk, gx_qualify(ts), 0, 0, 0, ts, 16, WG);
}

int64_t gx_proc_getpid(void)
{
    return call(&gx_proc, GX_PROC_GETPID, 0, 0, 0, 0, 0, 0, 0, 0);
}

/* ----- exporting a portal ----- */

/* What the entry trampoline restores: a portal callee starts with every register but
 * a0..a7 and sp zeroed, so gp (linker relaxation) and tp (TLS: errno) are set again. */
gx_handler_fn gx_server_handler;
uint64_t gx_server_tp;

__asm__(".text\n"
        ".globl gx_entry_trampoline\n"
        ".type gx_entry_trampoline, @function\n"
        ".p2align 2\n"
        "gx_entry_trampoline:\n"
        ".option push\n"
        ".option norelax\n"
        "  lla gp, __global_pointer$\n"
        ".option pop\n"
        "  lla t0, gx_server_tp\n"
        "  ld tp, 0(t0)\n"
        "  lla t0, gx_server_handler\n"
        "  ld t0, 0(t0)\n"
        "  jalr ra, 0(t0)\n"
        "  li a1, 0\n"
        "  " GX_PRET_INSN "\n"
        ".size gx_entry_trampoline, . - gx_entry_trampoline\n");
extern char gx_entry_trampoline[];

int64_t gx_export(const char *name, gx_handler_fn fn)
{
    gx_server_handler = fn;
    __asm__ volatile("mv %0, tp" : "=r"(gx_server_tp));
    int64_t portal = gx_portal(gx_entry_trampoline);
    if (portal < 0)
        return portal;
    /* linux derives the clients' C grants from this one (transitivity). */
    struct gx_service personality = { "linux" };
    int64_t r = gx_lookup(&personality);
    if (r < 0)
        return r;
    struct gx_grant g = { gx_ptr(gx_code_sid(), (uint64_t)gx_entry_trampoline), 1, personality.sid, GX_RIGHT_C | GX_RIGHT_G, 0, 0 };
    r = gx_grant(&g);
    if (r < 0)
        return r;
    return gx_ecall(GX_SYS_REGISTER, (uint64_t)name, len_of(name), (uint64_t)portal);
}
