/* mremap_code.c — mremap of executable file mappings (what ld.so makes of a
 * library's text): code mapped PROT_READ|PROT_EXEC from a file runs, is moved with
 * MREMAP_MAYMOVE|MREMAP_FIXED and runs at its new address, no longer at the old one
 * (SIGSEGV), and new code mapped at the old address runs instead of a stale copy;
 * grown in place it runs the page it gained; shrunk, the page it lost is gone. No
 * instruction-cache flush is made: the kernel (here, the machine's code epoch) keeps
 * instruction fetch right across the remapping. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <unistd.h>
#include "ltp.h"

#define PG 4096

static sigjmp_buf back;

static void on_segv(int sig)
{
    (void)sig;
    siglongjmp(back, 1);
}

/* Calls the function at p: its result, or -1 if fetching it faulted. */
static long call(void *p)
{
    if (sigsetjmp(back, 1))
        return -1;
    return ((long (*)(void))p)();
}

/* "li a0, v; ret" at the start of page `page` of the file. */
static void put_fn(int fd, int page, int v)
{
    uint32_t code[2] = { 0x00000513u | ((uint32_t)v << 20), 0x00008067u };
    pwrite(fd, code, sizeof code, (off_t)page * PG);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_segv;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    /* a file of its own: the corpus runs configurations at once */
    char path[] = "/tmp/gx_mremap_code_XXXXXX";
    int fd = mkstemp(path);
    fchmod(fd, 0700);
    ftruncate(fd, 4 * PG);
    put_fn(fd, 0, 42);
    put_fn(fd, 1, 7);
    put_fn(fd, 2, 5);
#ifdef __riscv
    /* A reserved area: the code moves into its middle. */
    char *area = mmap(NULL, 16 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *code = mmap(NULL, PG, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
    check("mapped code runs", call(code), 42);
    char *moved = mremap(code, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, area + 8 * PG);
    check("mremap moved it where asked", moved == area + 8 * PG, 1);
    check("moved code runs", call(moved), 42);
    check("old address no longer runs", call(code), -1);
    /* New code at the old address: the moved function's translation is not reused. */
    char *again = mmap(code, PG, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_FIXED, fd, 2 * PG);
    check("new code at the old address", again == code, 1);
    check("old address runs the new code", call(code), 5);
    check("moved code still runs", call(moved), 42);
    /* Moving and growing in one call: the new page is the file's next page. */
    char *grown = mremap(moved, PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, area + 2 * PG);
    check("mremap grew and moved it", grown == area + 2 * PG, 1);
    check("first page runs after the move", call(grown), 42);
    check("gained page runs", call(grown + PG), 7);
    check("previous address no longer runs", call(moved), -1);
    /* Shrinking drops the second page's code. */
    char *shrunk = mremap(grown, 2 * PG, PG, 0);
    check("mremap shrank in place", shrunk == grown, 1);
    check("kept page runs", call(grown), 42);
    check("dropped page no longer runs", call(grown + PG), -1);
    /* Growing in place (the room after it is free now). */
    char *inplace = mremap(grown, PG, 2 * PG, 0);
    check("mremap grew in place", inplace == grown, 1);
    check("page grown in place runs", call(grown + PG), 7);
    /* MAYMOVE without room: the kernel picks the place. */
    char *blocker = mmap(grown + 2 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    check("blocker mapped", blocker == grown + 2 * PG, 1);
    char *anywhere = mremap(grown, 2 * PG, 3 * PG, MREMAP_MAYMOVE);
    check("mremap moved it elsewhere", anywhere != MAP_FAILED && anywhere != grown, 1);
    check("code runs where the kernel put it", call(anywhere), 42);
    check("and its second page", call(anywhere + PG), 7);
    check("third page is the file's", call(anywhere + 2 * PG), 5);
    check("the vacated address no longer runs", call(grown), -1);
    munmap(anywhere, 3 * PG);
    munmap(code, PG);
    munmap(area, 16 * PG);
#endif
    close(fd);
    unlink(path);
    return finish("mremap_code");
}
