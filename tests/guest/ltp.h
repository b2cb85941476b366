/* ltp.h — the checks every Linux-Test-Project-style guest program shares: one line per
 * check ("name: ok" / "name: FAIL got X want Y"), errno names, and the closing count.
 * Included by tests/guest/creds_ids.c, splice.c, inotify.c, inotify_wait.c, signalfd.c, openat2.c, xattr.c, io_more.c, mount.c and the programs in tests/guest/pending/. */
#ifndef GRANTIX_LTP_H
#define GRANTIX_LTP_H
#include <errno.h>
#include <stdio.h>

static int failures;

static const char *ename(int e)
{
    switch (e) {
#define E(x) case x: return #x
    E(EPERM); E(ENOENT); E(ESRCH); E(EINTR); E(EIO); E(ENXIO); E(E2BIG); E(EBADF); E(ECHILD); E(EAGAIN);
    E(ENOMEM); E(EACCES); E(EFAULT); E(EBUSY); E(EEXIST); E(EXDEV); E(ENOTDIR); E(EISDIR); E(EINVAL);
    E(EMFILE); E(ENOSPC); E(ESPIPE); E(EPIPE); E(ERANGE); E(EDEADLK); E(ENAMETOOLONG); E(ENOSYS);
    E(ENOTEMPTY); E(ELOOP); E(ENOMSG); E(EIDRM); E(EOVERFLOW); E(ENOTSUP); E(EOWNERDEAD);
    E(ENOTRECOVERABLE); E(ETIMEDOUT); E(EMSGSIZE); E(ENOTBLK); E(ENOEXEC); E(EFBIG); E(EBADMSG); E(ECHRNG); E(EROFS); E(ENODEV); E(ENOTSOCK); E(ENODATA);
#undef E
    default: return "E?";
    }
}

/* check(name, got, want): one line, "name: ok" or "name: FAIL got X want Y" */
static void check(const char *name, long got, long want)
{
    if (got == want) {
        printf("%s: ok\n", name);
    } else {
        printf("%s: FAIL got %ld want %ld\n", name, got, want);
        failures++;
    }
}

/* CHECK_ERR(name, call, E): the call returns -1 with errno E */
#define CHECK_ERR(name, call, want) do { errno = 0; long r_ = (long)(call); int e_ = errno; \
    if (r_ == -1 && e_ == (want)) printf("%s: ok\n", name); \
    else { failures++; if (r_ == -1) printf("%s: FAIL got %s want %s\n", name, ename(e_), #want); \
           else printf("%s: FAIL got success (%ld) want %s\n", name, r_, #want); } } while (0)

/* CHECK_OK(name, call): the call does not return -1 */
#define CHECK_OK(name, call) do { errno = 0; long r_ = (long)(call); int e_ = errno; \
    if (r_ != -1) printf("%s: ok\n", name); \
    else { failures++; printf("%s: FAIL got %s want success\n", name, ename(e_)); } } while (0)

/* CHECK_RC(name, call, E): for calls returning an error number (pthread_*): 0 or E */
#define CHECK_RC(name, call, want) do { int r_ = (call); \
    if (r_ == (want)) printf("%s: ok\n", name); \
    else { failures++; printf("%s: FAIL got %s want %s\n", name, r_ ? ename(r_) : "0", (want) ? ename(want) : "0"); } } while (0)

static int finish(const char *prog)
{
    printf("%s: %d failures\n", prog, failures);
    return failures ? 1 : 0;
}

#endif
