/* libgx: the grantix native library (hand-written; the ABI it uses is generated in
 * gx.h and services.h). See docs/PORTING.md. */
#ifndef GRANTIX_LIBGX_H
#define GRANTIX_LIBGX_H

#include <stddef.h>
#include <stdint.h>
#include <grantix/gx.h>
#include <grantix/services.h>

/* Returned by the typed wrappers when the native path could not be taken (no
 * directory, no grant, the portal call failed) or the call would block: make the
 * call with ecall instead. Outside the -errno range. */
#define GX_UNAVAILABLE (-100000ll)

/* A service (or user-space server) found by name. */
struct gx_service {
    const char *name;
    uint16_t sid;     /* grantee of buffers lent to it */
    uint16_t owner;   /* the DATA SID that looked it up (a fork must look up again) */
    uint64_t portal;
};

/* A raw Linux syscall with ecall (for the directory and fallbacks). */
int64_t gx_ecall(long n, uint64_t a0, uint64_t a1, uint64_t a2);

/* Looks `s->name` up in the directory (again after a fork): 0 or -errno. */
int64_t gx_lookup(struct gx_service *s);
/* gx_lookup unless already done from this DATA space. */
int64_t gx_ensure(struct gx_service *s);

/* A transient grant of [p, p+len) to `sid` for the next portal call: handle or -errno. */
int64_t gx_lend(const void *p, uint64_t len, uint16_t sid, uint8_t rights);
/* A persistent grant (shared memory): handle or -errno; end it with gx_revoke. */
int64_t gx_share(const void *p, uint64_t len, uint16_t sid, uint8_t rights);

/* Calls op of service s with up to five arguments, lending [lp, lp+llen) with
 * `rights` (none if llen is 0): the service's a0, or GX_UNAVAILABLE. */
int64_t gx_call(struct gx_service *s, uint64_t op, uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
                const void *lp, uint64_t llen, uint8_t rights);

/* The built-in services, looked up on first use. */
extern struct gx_service gx_vfs, gx_mm, gx_time, gx_proc;

/* Typed wrappers: the result a Linux syscall returns (value or -errno), or
 * GX_UNAVAILABLE / GX_BLOCK. */
int64_t gx_vfs_read(int fd, void *buf, size_t n);
int64_t gx_vfs_write(int fd, const void *buf, size_t n);
int64_t gx_vfs_openat(int dirfd, const char *path, int flags, int mode);
int64_t gx_vfs_close(int fd);
int64_t gx_vfs_lseek(int fd, int64_t off, int whence);
int64_t gx_vfs_fstat(int fd, void *statbuf);
int64_t gx_mm_mmap(void *addr, size_t len, int prot, int flags, int fd, int64_t off);
int64_t gx_mm_munmap(void *addr, size_t len);
int64_t gx_time_clock_gettime(int clk, void *ts);
int64_t gx_proc_getpid(void);

/* A user-space server's portal entry: a0..a7 in, a0 (and a1 = 0) out. It runs on
 * the caller's hart, on a stacklet in this process, with this process's globals;
 * keep it small (no stdio: it may interrupt the main thread holding a lock). */
typedef uint64_t (*gx_handler_fn)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
/* Exports `fn` as portal `name`: gx.portal on the entry trampoline, a C+G grant of
 * it to linux, gx_register. One export per process. 0 or -errno. */
int64_t gx_export(const char *name, gx_handler_fn fn);

#endif
