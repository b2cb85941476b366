/* segv.c — synchronous faults and their siginfo, recovered with
 * sigsetjmp/siglongjmp or by advancing the pc in the ucontext:
 *   SIGSEGV writing to NULL (SEGV_MAPERR, si_addr 0), to a PROT_NONE page
 *   and to a read-only page (SEGV_ACCERR, si_addr = the address), reading
 *   an unmapped page after munmap (SEGV_MAPERR);
 *   SIGBUS touching a file mapping beyond EOF (BUS_ADRERR);
 *   SIGILL from an all-zero instruction word (ILL_ILLOPC, si_addr = pc),
 *   skipped by setting uc_mcontext pc += 4 — execution continues;
 *   SIGTRAP from ebreak (TRAP_BRKPT), skipped the same way;
 *   integer division never traps on riscv: x/0 == -1, x%0 == x,
 *   INT_MIN/-1 == INT_MIN, INT_MIN%-1 == 0 (no SIGFPE).
 * The handler is re-armed each time (the mask is restored by siglongjmp). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

static int failures;
/* CHECK(cond, fmt, ...): print "ok"/"FAIL" and the message; errno as left
 * by cond is preserved for the message arguments. */
#define CHECK(cond, ...) do { int c_ = (cond); int e_ = errno; \
    printf("%s ", c_ ? "ok  " : "FAIL"); errno = e_; \
    printf(__VA_ARGS__); printf("\n"); if (!c_) failures++; } while (0)

static sigjmp_buf jb;
static volatile int got_sig, got_code;
static volatile uintptr_t got_addr;
static volatile uintptr_t got_pc;
static volatile int skip_mode; /* 1: advance pc by 4 instead of longjmp */

static void handler(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    got_sig = sig;
    got_code = si->si_code;
    got_addr = (uintptr_t)si->si_addr;
    got_pc = uc->uc_mcontext.__gregs[0]; /* REG_PC */
    if (skip_mode) {
        uc->uc_mcontext.__gregs[0] += 4;
        return;
    }
    siglongjmp(jb, 1);
}

static const char *segv_code(int c)
{
    return c == SEGV_MAPERR ? "SEGV_MAPERR" : c == SEGV_ACCERR ? "SEGV_ACCERR" : "other";
}

/* try a write of one byte to p; returns 1 if it faulted */
static int faults_writing(volatile char *p)
{
    got_sig = 0;
    if (sigsetjmp(jb, 1) == 0) {
        *p = 1;
        return 0;
    }
    return 1;
}

static int faults_reading(volatile char *p)
{
    got_sig = 0;
    if (sigsetjmp(jb, 1) == 0) {
        volatile char c = *p;
        (void)c;
        return 0;
    }
    return 1;
}

extern char illegal_insn[], ebreak_insn[];
static int after_illegal, after_ebreak;

static __attribute__((noinline)) void run_illegal(void)
{
    __asm__ volatile(".globl illegal_insn\nillegal_insn:\n\t.4byte 0x00000000\n" ::: "memory");
    after_illegal = 1;
}

static __attribute__((noinline)) void run_ebreak(void)
{
    __asm__ volatile(".globl ebreak_insn\nebreak_insn:\n\t.4byte 0x00100073\n" ::: "memory");
    after_ebreak = 1;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    sigaction(SIGILL, &sa, NULL);
    sigaction(SIGTRAP, &sa, NULL);
    long pg = sysconf(_SC_PAGESIZE);

    /* NULL write */
    int f = faults_writing((volatile char *)0);
    CHECK(f && got_sig == SIGSEGV && got_code == SEGV_MAPERR && got_addr == 0, "write to NULL: SIGSEGV %s si_addr==0", segv_code(got_code));
    f = faults_writing((volatile char *)16);
    CHECK(f && got_sig == SIGSEGV && got_addr == 16, "write to address 16: SIGSEGV, si_addr==16");

    /* PROT_NONE page */
    char *p = mmap(NULL, 3 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    f = faults_reading(p + 100);
    CHECK(f && got_sig == SIGSEGV && got_code == SEGV_ACCERR && got_addr == (uintptr_t)(p + 100),
          "read from PROT_NONE page: SIGSEGV %s, si_addr is the byte read", segv_code(got_code));
    /* read-only page */
    mprotect(p + pg, pg, PROT_READ);
    f = faults_reading(p + pg + 8);
    CHECK(!f, "read from PROT_READ page works");
    f = faults_writing(p + pg + 8);
    CHECK(f && got_sig == SIGSEGV && got_code == SEGV_ACCERR && got_addr == (uintptr_t)(p + pg + 8),
          "write to PROT_READ page: SIGSEGV %s, si_addr matches", segv_code(got_code));
    mprotect(p + pg, pg, PROT_READ | PROT_WRITE);
    f = faults_writing(p + pg + 8);
    CHECK(!f && p[pg + 8] == 1, "after mprotect RW the write succeeds");
    /* unmapped page */
    munmap(p + 2 * pg, pg);
    f = faults_reading(p + 2 * pg + 1);
    CHECK(f && got_sig == SIGSEGV && got_code == SEGV_MAPERR && got_addr == (uintptr_t)(p + 2 * pg + 1),
          "read after munmap: SIGSEGV %s", segv_code(got_code));
    munmap(p, 2 * pg);

    /* SIGBUS: file mapping beyond EOF */
    char dir[] = "/tmp/gx_segv_XXXXXX", path[64];
    if (mkdtemp(dir)) {
        snprintf(path, sizeof path, "%s/short", dir);
        int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
        if (write(fd, "abc", 3) != 3)
            return 2;
        char *m = mmap(NULL, 2 * pg, PROT_READ, MAP_SHARED, fd, 0);
        f = faults_reading(m + 2);
        CHECK(!f && m[2] == 'c', "file mapping: byte within EOF reads '%c'", m[2]);
        f = faults_reading(m + 100);
        CHECK(!f && m[100] == 0, "file mapping: rest of the last page reads 0");
        f = faults_reading(m + pg + 5);
        CHECK(f && got_sig == SIGBUS && got_code == BUS_ADRERR && got_addr == (uintptr_t)(m + pg + 5),
              "file mapping: page past EOF -> SIGBUS BUS_ADRERR");
        munmap(m, 2 * pg);
        close(fd);
        unlink(path);
        rmdir(dir);
    }

    /* SIGILL: skip the bad instruction and continue */
    skip_mode = 1;
    got_sig = 0;
    run_illegal();
    CHECK(got_sig == SIGILL && got_code == ILL_ILLOPC, "zero instruction word: SIGILL ILL_ILLOPC");
    CHECK(got_addr == (uintptr_t)illegal_insn && got_pc == (uintptr_t)illegal_insn, "SIGILL si_addr and ucontext pc point at the instruction");
    CHECK(after_illegal == 1, "execution resumed after pc += 4 in the handler");

    /* SIGTRAP from ebreak */
    got_sig = 0;
    run_ebreak();
    CHECK(got_sig == SIGTRAP && got_code == TRAP_BRKPT, "ebreak: SIGTRAP TRAP_BRKPT");
    CHECK(got_pc == (uintptr_t)ebreak_insn && after_ebreak == 1, "ebreak: pc at the instruction, resumed after it");
    skip_mode = 0;

    /* a fault inside the handler-protected region, 100 times in a row */
    int n = 0;
    for (int i = 0; i < 100; i++)
        n += faults_writing((volatile char *)8);
    CHECK(n == 100, "100 consecutive NULL-page faults recovered");

    /* division: riscv does not trap (done in asm: in C these are UB and the
     * compiler may fold the checks away) */
    long q, r;
    got_sig = 0;
    __asm__ volatile("divw %0, %1, %2" : "=r"(q) : "r"(7L), "r"(0L));
    __asm__ volatile("remw %0, %1, %2" : "=r"(r) : "r"(7L), "r"(0L));
    CHECK(q == -1 && r == 7, "divw 7 / 0 = %ld, remw 7 %% 0 = %ld (no SIGFPE)", q, r);
    __asm__ volatile("divuw %0, %1, %2" : "=r"(q) : "r"(7L), "r"(0L));
    __asm__ volatile("remuw %0, %1, %2" : "=r"(r) : "r"(7L), "r"(0L));
    CHECK(q == -1 && r == 7, "divuw 7 / 0 = %#lx (all ones), remuw = %ld", q, r);
    __asm__ volatile("divw %0, %1, %2" : "=r"(q) : "r"((long)INT_MIN), "r"(-1L));
    __asm__ volatile("remw %0, %1, %2" : "=r"(r) : "r"((long)INT_MIN), "r"(-1L));
    CHECK(q == INT_MIN && r == 0, "divw INT_MIN / -1 = %ld, remw = %ld", q, r);
    __asm__ volatile("div %0, %1, %2" : "=r"(q) : "r"(LONG_MIN), "r"(-1L));
    __asm__ volatile("rem %0, %1, %2" : "=r"(r) : "r"(LONG_MIN), "r"(-1L));
    CHECK(q == LONG_MIN && r == 0, "div LONG_MIN / -1 = %ld, rem = %ld", q, r);
    __asm__ volatile("div %0, %1, %2" : "=r"(q) : "r"(-5L), "r"(0L));
    __asm__ volatile("rem %0, %1, %2" : "=r"(r) : "r"(-5L), "r"(0L));
    CHECK(q == -1 && r == -5, "div -5 / 0 = %ld, rem -5 %% 0 = %ld", q, r);
    __asm__ volatile("divu %0, %1, %2" : "=r"(q) : "r"(5L), "r"(0L));
    CHECK((unsigned long)q == ULONG_MAX, "divu 5 / 0 = %#lx", q);
    volatile int vz = 0, v7 = 7;
    int cq = v7 / vz; /* plain C division by a runtime zero */
    CHECK(cq == -1, "C: 7 / (volatile 0) = %d", cq);
    CHECK(got_sig == 0, "no signal raised by any division");

    printf("segv: %d failures\n", failures);
    return failures ? 1 : 0;
}
