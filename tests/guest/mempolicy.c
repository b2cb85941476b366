// build: -pthread
/* mempolicy.c — the NUMA memory policy calls on a machine with one node (0):
 * set_mempolicy/get_mempolicy read back per thread (modes, mode flags, node masks,
 * MPOL_F_NODE, MPOL_F_MEMS_ALLOWED), inherited by fork; mbind per range with
 * get_mempolicy(MPOL_F_ADDR), set_mempolicy_home_node, migrate_pages and move_pages
 * (page status); EINVAL/EFAULT/ESRCH/EPERM/ENODEV/EOPNOTSUPP as mm/mempolicy.c
 * and mm/migrate.c give them (get_mempolicy(2), set_mempolicy(2), mbind(2),
 * migrate_pages(2), move_pages(2)). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ltp.h"

#ifndef SYS_set_mempolicy_home_node
#define SYS_set_mempolicy_home_node 450
#endif

#define MPOL_DEFAULT 0
#define MPOL_PREFERRED 1
#define MPOL_BIND 2
#define MPOL_INTERLEAVE 3
#define MPOL_LOCAL 4
#define MPOL_PREFERRED_MANY 5
#define MPOL_F_STATIC_NODES (1 << 15)
#define MPOL_F_RELATIVE_NODES (1 << 14)
#define MPOL_F_NODE 1
#define MPOL_F_ADDR 2
#define MPOL_F_MEMS_ALLOWED 4
#define MPOL_MF_STRICT 1
#define MPOL_MF_MOVE 2
#define MPOL_MF_MOVE_ALL 4

static long get_mp(int *mode, unsigned long *mask, unsigned long maxnode, void *addr, unsigned long flags)
{
    return syscall(SYS_get_mempolicy, mode, mask, maxnode, addr, flags);
}

static long set_mp(int mode, const unsigned long *mask, unsigned long maxnode)
{
    return syscall(SYS_set_mempolicy, mode, mask, maxnode);
}

static long mbind_(void *a, unsigned long len, int mode, const unsigned long *mask, unsigned long maxnode, unsigned flags)
{
    return syscall(SYS_mbind, a, len, mode, mask, maxnode, flags);
}

/* The thread's policy as "mode/mask". */
static void expect_policy(const char *name, int want_mode, unsigned long want_mask)
{
    int mode = -1;
    unsigned long mask[2] = { 0xdead, 0xdead };
    long r = get_mp(&mode, mask, 65, NULL, 0);
    char n[96];
    snprintf(n, sizeof n, "%s: result", name);
    check(n, r, 0);
    snprintf(n, sizeof n, "%s: mode", name);
    check(n, mode, want_mode);
    snprintf(n, sizeof n, "%s: mask", name);
    check(n, (long)mask[0], (long)want_mask);
}

static void *thread_policy(void *arg)
{
    (void)arg;
    expect_policy("new thread inherits BIND", MPOL_BIND, 1);
    unsigned long one = 1;
    CHECK_OK("thread sets INTERLEAVE", set_mp(MPOL_INTERLEAVE, &one, 65));
    expect_policy("thread reads its own", MPOL_INTERLEAVE, 1);
    return NULL;
}

static void thread_policies(void)
{
    unsigned long one = 1;
    CHECK_OK("main sets BIND", set_mp(MPOL_BIND, &one, 65));
    pthread_t t;
    pthread_create(&t, NULL, thread_policy, NULL);
    pthread_join(t, NULL);
    expect_policy("main keeps BIND", MPOL_BIND, 1);
    pid_t c = fork();
    if (c == 0) {
        int mode = -1;
        unsigned long mask = 0;
        _exit(get_mp(&mode, &mask, 65, NULL, 0) == 0 && mode == MPOL_BIND && mask == 1 ? 0 : 1);
    }
    int st = -1;
    waitpid(c, &st, 0);
    check("fork child inherits BIND", st, 0);
    CHECK_OK("back to DEFAULT", set_mp(MPOL_DEFAULT, NULL, 0));
    expect_policy("DEFAULT", MPOL_DEFAULT, 0);
}

static void task_policy(void)
{
    unsigned long one = 1, two = 2, four = 4, mask[3];
    expect_policy("initial", MPOL_DEFAULT, 0);
    CHECK_OK("BIND {0}", set_mp(MPOL_BIND, &one, 65));
    expect_policy("BIND {0}", MPOL_BIND, 1);
    unsigned long three = 3;
    CHECK_OK("BIND {0,1}", set_mp(MPOL_BIND, &three, 65));
    expect_policy("BIND {0,1} keeps the online node", MPOL_BIND, 1);
    CHECK_ERR("BIND {1} (offline)", set_mp(MPOL_BIND, &two, 65), EINVAL);
    CHECK_ERR("BIND empty", set_mp(MPOL_BIND, NULL, 0), EINVAL);
    CHECK_ERR("BIND maxnode 1 (no bits)", set_mp(MPOL_BIND, &one, 1), EINVAL);
    CHECK_ERR("DEFAULT with nodes", set_mp(MPOL_DEFAULT, &one, 65), EINVAL);
    CHECK_ERR("mode 7", set_mp(7, &one, 65), EINVAL);
    CHECK_ERR("STATIC|RELATIVE", set_mp(MPOL_BIND | MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES, &one, 65), EINVAL);
    CHECK_ERR("LOCAL with nodes", set_mp(MPOL_LOCAL, &one, 65), EINVAL);
    CHECK_ERR("PREFERRED empty STATIC", set_mp(MPOL_PREFERRED | MPOL_F_STATIC_NODES, NULL, 0), EINVAL);
    CHECK_ERR("maxnode past a page of bits", set_mp(MPOL_BIND, &one, 4096 * 8 + 2), EINVAL);
    CHECK_ERR("mask unreadable", set_mp(MPOL_BIND, (unsigned long *)8, 65), EFAULT);
    CHECK_OK("PREFERRED empty", set_mp(MPOL_PREFERRED, NULL, 0));
    expect_policy("PREFERRED empty is LOCAL", MPOL_LOCAL, 0);
    CHECK_OK("PREFERRED {0,1}", set_mp(MPOL_PREFERRED, &three, 65));
    expect_policy("PREFERRED {0,1}", MPOL_PREFERRED, 1);
    CHECK_OK("INTERLEAVE|RELATIVE {2}", set_mp(MPOL_INTERLEAVE | MPOL_F_RELATIVE_NODES, &four, 65));
    expect_policy("RELATIVE reports the mask given", MPOL_INTERLEAVE | MPOL_F_RELATIVE_NODES, 4);
    int node = -1;
    CHECK_OK("F_NODE under INTERLEAVE", get_mp(&node, NULL, 0, NULL, MPOL_F_NODE));
    check("F_NODE: next interleave node", node, 0);
    CHECK_OK("BIND|STATIC {0,1}", set_mp(MPOL_BIND | MPOL_F_STATIC_NODES, &three, 65));
    expect_policy("STATIC reports the mask given", MPOL_BIND | MPOL_F_STATIC_NODES, 3);
    CHECK_ERR("F_NODE under BIND", get_mp(&node, NULL, 0, NULL, MPOL_F_NODE), EINVAL);
    CHECK_OK("LOCAL", set_mp(MPOL_LOCAL, NULL, 0));
    expect_policy("LOCAL", MPOL_LOCAL, 0);
    /* get_mempolicy's own checks. */
    int mode;
    CHECK_ERR("get: maxnode 0 with a mask", get_mp(&mode, mask, 0, NULL, 0), EINVAL);
    CHECK_ERR("get: unknown flag", get_mp(&mode, NULL, 0, NULL, 8), EINVAL);
    CHECK_ERR("get: addr without F_ADDR", get_mp(&mode, NULL, 0, &mode, 0), EINVAL);
    CHECK_ERR("get: MEMS_ALLOWED|F_NODE", get_mp(&mode, NULL, 0, NULL, MPOL_F_MEMS_ALLOWED | MPOL_F_NODE), EINVAL);
    CHECK_ERR("get: mode unwritable", get_mp((int *)8, NULL, 0, NULL, 0), EFAULT);
    CHECK_ERR("get: mask past a page", get_mp(&mode, mask, 4096 * 8 + 66, NULL, 0), EINVAL);
    mask[0] = 0;
    mode = -1;
    CHECK_OK("get: MEMS_ALLOWED", get_mp(&mode, mask, 65, NULL, MPOL_F_MEMS_ALLOWED));
    check("MEMS_ALLOWED: node 0", (long)mask[0], 1);
    check("MEMS_ALLOWED: mode 0", mode, 0);
    /* A larger mask: the words past the node ids are cleared. */
    mask[0] = mask[1] = mask[2] = ~0UL;
    CHECK_OK("get: 3-word mask", get_mp(&mode, mask, 3 * 64 + 1, NULL, MPOL_F_MEMS_ALLOWED));
    check("3-word mask: word 0", (long)mask[0], 1);
    check("3-word mask: words 1-2 cleared", (long)(mask[1] | mask[2]), 0);
#ifdef __riscv
    /* riscv64 has MAX_NUMNODES 4: a bit past it is refused. */
    unsigned long wide[2] = { 1, 1 };
    CHECK_ERR("node past MAX_NUMNODES", set_mp(MPOL_BIND, wide, 129), EINVAL);
#endif
    CHECK_OK("DEFAULT", set_mp(MPOL_DEFAULT, NULL, 0));
}

static void range_policy(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    unsigned long one = 1, two = 2, mask = 0;
    char *p = mmap(NULL, 6 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK_OK("thread PREFERRED {0}", set_mp(MPOL_PREFERRED, &one, 65));
    CHECK_OK("mbind BIND pages 1-2", mbind_(p + pg, 2 * pg, MPOL_BIND, &one, 65, MPOL_MF_STRICT | MPOL_MF_MOVE));
    int mode = -1;
    CHECK_OK("get F_ADDR page 1", get_mp(&mode, &mask, 65, p + pg, MPOL_F_ADDR));
    check("page 1: BIND", mode, MPOL_BIND);
    check("page 1: mask", (long)mask, 1);
    mode = -1;
    CHECK_OK("get F_ADDR page 2 (last byte)", get_mp(&mode, NULL, 0, p + 3 * pg - 1, MPOL_F_ADDR));
    check("page 2: BIND", mode, MPOL_BIND);
    mode = -1;
    mask = 7;
    CHECK_OK("get F_ADDR page 0", get_mp(&mode, &mask, 65, p, MPOL_F_ADDR));
    check("page 0: DEFAULT, not the thread's", mode, MPOL_DEFAULT);
    check("page 0: empty mask", (long)mask, 0);
    int node = -1;
    p[pg] = 1;
    CHECK_OK("get F_ADDR|F_NODE", get_mp(&node, NULL, 0, p + pg, MPOL_F_ADDR | MPOL_F_NODE));
    check("page 1 is on node 0", node, 0);
    CHECK_OK("mbind INTERLEAVE page 4", mbind_(p + 4 * pg, pg, MPOL_INTERLEAVE, &one, 65, 0));
    mode = -1;
    get_mp(&mode, NULL, 0, p + 4 * pg, MPOL_F_ADDR);
    check("page 4: INTERLEAVE", mode, MPOL_INTERLEAVE);
    /* The policy goes with the range through mremap. */
    char *q = mremap(p + 4 * pg, pg, pg, MREMAP_MAYMOVE | MREMAP_FIXED, p + 20 * pg);
    check("mremap page 4", q == p + 20 * pg, 1);
    mode = -1;
    get_mp(&mode, NULL, 0, q, MPOL_F_ADDR);
    check("moved page keeps INTERLEAVE", mode, MPOL_INTERLEAVE);
    munmap(q, pg);
    CHECK_ERR("mbind unaligned", mbind_(p + 1, pg, MPOL_BIND, &one, 65, 0), EINVAL);
    CHECK_ERR("mbind unknown flag", mbind_(p, pg, MPOL_BIND, &one, 65, 8), EINVAL);
    CHECK_ERR("mbind offline node", mbind_(p, pg, MPOL_BIND, &two, 65, 0), EINVAL);
    CHECK_ERR("mbind hole (page 4 is gone)", mbind_(p + 3 * pg, 3 * pg, MPOL_BIND, &one, 65, 0), EFAULT);
    CHECK_ERR("mbind unmapped", mbind_(p + 4 * pg, pg, MPOL_BIND, &one, 65, 0), EFAULT);
    CHECK_OK("mbind len 0", mbind_(p + 4 * pg, 0, MPOL_BIND, &one, 65, 0));
    CHECK_ERR("get F_ADDR unmapped", get_mp(&mode, NULL, 0, p + 4 * pg, MPOL_F_ADDR), EFAULT);
    /* set_mempolicy_home_node: only BIND and PREFERRED_MANY ranges take one. */
    CHECK_OK("home node on BIND pages", syscall(SYS_set_mempolicy_home_node, p + pg, 2 * pg, 0, 0));
    CHECK_ERR("home node on pages without policy", syscall(SYS_set_mempolicy_home_node, p + 5 * pg, pg, 0, 0), ENOENT);
    CHECK_OK("home node over policy and none", syscall(SYS_set_mempolicy_home_node, p, 3 * pg, 0, 0));
    CHECK_ERR("home node flags", syscall(SYS_set_mempolicy_home_node, p + pg, pg, 0, 1), EINVAL);
    CHECK_ERR("home node 1 offline", syscall(SYS_set_mempolicy_home_node, p + pg, pg, 1, 0), EINVAL);
    CHECK_ERR("home node unaligned", syscall(SYS_set_mempolicy_home_node, p + 1, pg, 0, 0), EINVAL);
    CHECK_OK("mbind PREFERRED page 5", mbind_(p + 5 * pg, pg, MPOL_PREFERRED, &one, 65, 0));
    CHECK_ERR("home node on PREFERRED", syscall(SYS_set_mempolicy_home_node, p + 5 * pg, pg, 0, 0), EOPNOTSUPP);
    CHECK_OK("mbind DEFAULT resets", mbind_(p, 3 * pg, MPOL_DEFAULT, NULL, 0, MPOL_MF_STRICT));
    mode = -1;
    get_mp(&mode, NULL, 0, p + pg, MPOL_F_ADDR);
    check("page 1 DEFAULT again", mode, MPOL_DEFAULT);
    CHECK_OK("thread DEFAULT", set_mp(MPOL_DEFAULT, NULL, 0));
    munmap(p, 6 * pg);
}

static void migrate(void)
{
    unsigned long one = 1, two = 2;
    check("migrate_pages self {0}->{0}", syscall(SYS_migrate_pages, 0, 65, &one, &one), 0);
    check("migrate_pages by pid", syscall(SYS_migrate_pages, getpid(), 65, &one, &one), 0);
    CHECK_ERR("migrate_pages to offline node", syscall(SYS_migrate_pages, 0, 65, &one, &two), EINVAL);
    CHECK_ERR("migrate_pages no such pid", syscall(SYS_migrate_pages, 999999, 65, &one, &one), ESRCH);
    CHECK_ERR("migrate_pages mask unreadable", syscall(SYS_migrate_pages, 0, 65, &one, (unsigned long *)8), EFAULT);

    long pg = sysconf(_SC_PAGESIZE);
    char *p = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p[0] = 1; /* page 0 has memory, page 1 none yet, page 2 is unmapped */
    void *pages[3] = { p, p + pg, p + 2 * pg };
    munmap(p + 2 * pg, pg);
    int status[3] = { 9, 9, 9 }, nodes[3] = { 0, 0, 0 };
    CHECK_OK("move_pages query", syscall(SYS_move_pages, 0, 3, pages, NULL, status, 0));
    check("query: touched page on node 0", status[0], 0);
    check("query: untouched page ENOENT", status[1], -ENOENT);
    check("query: unmapped EFAULT", status[2], -EFAULT);
    status[0] = status[1] = status[2] = 9;
    CHECK_OK("move_pages to node 0", syscall(SYS_move_pages, 0, 3, pages, nodes, status, MPOL_MF_MOVE));
    check("move: already on node 0", status[0], 0);
    check("move: untouched ENOENT", status[1], -ENOENT);
    check("move: unmapped EFAULT", status[2], -EFAULT);
    nodes[0] = 1;
    CHECK_ERR("move_pages to node 1", syscall(SYS_move_pages, 0, 1, pages, nodes, status, 0), ENODEV);
    nodes[0] = -1;
    CHECK_ERR("move_pages to node -1", syscall(SYS_move_pages, 0, 1, pages, nodes, status, 0), ENODEV);
    CHECK_ERR("move_pages unknown flag", syscall(SYS_move_pages, 0, 1, pages, NULL, status, 1), EINVAL);
    CHECK_ERR("move_pages no such pid", syscall(SYS_move_pages, 999999, 1, pages, NULL, status, 0), ESRCH);
    CHECK_ERR("move_pages pages unreadable", syscall(SYS_move_pages, 0, 1, (void *)8, NULL, status, 0), EFAULT);
    check("move_pages count 0", syscall(SYS_move_pages, 0, 0, pages, NULL, status, 0), 0);

    /* Without CAP_SYS_NICE: MOVE_ALL and nodes outside the target's are EPERM. */
    pid_t c = fork();
    if (c == 0) {
        if (setuid(65534) != 0)
            _exit(9);
        int bad = 0;
        errno = 0;
        if (syscall(SYS_move_pages, 0, 1, pages, NULL, status, MPOL_MF_MOVE_ALL) != -1 || errno != EPERM)
            bad |= 1;
        errno = 0;
        if (syscall(SYS_migrate_pages, 0, 65, &one, &two) != -1 || errno != EPERM)
            bad |= 2;
        errno = 0;
        if (syscall(SYS_mbind, p, pg, MPOL_BIND, &one, 65, MPOL_MF_MOVE_ALL) != -1 || errno != EPERM)
            bad |= 4;
        _exit(bad);
    }
    int st = -1;
    waitpid(c, &st, 0);
    check("unprivileged MOVE_ALL / other nodes: EPERM", WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0);
    munmap(p, 2 * pg);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    task_policy();
    thread_policies();
    range_policy();
    migrate();
    return finish("mempolicy");
}
