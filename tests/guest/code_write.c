/* code_write.c — code written at run time, as a JIT or a dynamic loader writes it:
 * into an RWX mapping and through an RW -> RX mprotect, made visible to instruction
 * fetch with riscv_flush_icache (syscall 259, glibc's __riscv_flush_icache), then
 * rewritten in place and run again. Flags other than LOCAL are EINVAL on Linux
 * (arch/riscv/kernel/sys_riscv.c); qemu-user accepts them, so the golden file is
 * Linux's. */
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#ifndef __NR_riscv_flush_icache
#define __NR_riscv_flush_icache 259
#endif

static int failures;

static void check(const char *what, long got, long want)
{
    if (got == want)
        printf("%s: ok\n", what);
    else {
        printf("%s: FAIL got %ld want %ld\n", what, got, want);
        failures++;
    }
}

/* addi a0, zero, imm; ret */
static void emit(uint32_t *p, int imm)
{
    p[0] = ((uint32_t)(imm & 0xfff) << 20) | (10u << 7) | 0x13;
    p[1] = 0x00008067;
}

static long flush(void *start, void *end, unsigned long flags)
{
    return syscall(__NR_riscv_flush_icache, start, end, flags);
}

int main(void)
{
    long (*fn)(void);
    uint32_t *rwx = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    check("mmap rwx", rwx != MAP_FAILED, 1);
    emit(rwx, 42);
    check("flush_icache", flush(rwx, rwx + 2, 0), 0);
    fn = (long (*)(void))rwx;
    check("run 42", fn(), 42);
    emit(rwx, 7);
    check("flush_icache local", flush(rwx, rwx + 2, 1), 0);
    check("rewritten runs 7", fn(), 7);
    /* Many rewrites of the same code, each flushed: a JIT's loop. */
    long sum = 0;
    for (int i = 1; i <= 100; i++) {
        emit(rwx, i);
        flush(rwx, rwx + 2, 0);
        sum += fn();
    }
    check("100 rewrites", sum, 5050);
    errno = 0;
    check("bad flags", flush(rwx, rwx + 2, 2), -1);
    check("bad flags errno", errno, EINVAL);

    uint32_t *rw = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    emit(rw, 99);
    check("mprotect rx", mprotect(rw, 4096, PROT_READ | PROT_EXEC), 0);
    flush(rw, rw + 2, 0);
    fn = (long (*)(void))rw;
    check("run after mprotect", fn(), 99);
    check("mprotect rw", mprotect(rw, 4096, PROT_READ | PROT_WRITE), 0);
    emit(rw, 100);
    check("mprotect rx again", mprotect(rw, 4096, PROT_READ | PROT_EXEC), 0);
    flush(rw, rw + 2, 0);
    check("run rewritten after mprotect", fn(), 100);
    printf("code_write: %d failures\n", failures);
    return failures != 0;
}
