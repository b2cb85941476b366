/* libmaps.c — executable mappings in a dynamically linked program, for
 * tests/dynamic.rs: a library loaded with dlopen (ld.so maps its text
 * PROT_EXEC from the file), code written into an RWX anonymous mapping, code
 * made executable with mprotect, and a jump into unmapped code (SIGSEGV). */
#include <dlfcn.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

/* li a0, N ; ret */
static void emit_return(unsigned char *p, int n)
{
    unsigned int li = 0x00000513u | ((unsigned)n << 20);
    unsigned int ret = 0x00008067u;
    memcpy(p, &li, 4);
    memcpy(p + 4, &ret, 4);
    __builtin___clear_cache((char *)p, (char *)p + 8);
}

static sigjmp_buf back;
static void on_segv(int sig)
{
    (void)sig;
    siglongjmp(back, 1);
}

int main(void)
{
    void *m = dlopen("libm.so.6", RTLD_NOW);
    if (!m) {
        printf("dlopen libm: %s\n", dlerror());
        return 1;
    }
    double (*c)(double) = (double (*)(double))dlsym(m, "cos");
    printf("dlopen libm: cos(0)=%g\n", c ? c(0.0) : -1.0);

    unsigned char *rwx = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (rwx == MAP_FAILED)
        return 2;
    emit_return(rwx, 42);
    printf("jit: %d\n", ((int (*)(void))rwx)());

    unsigned char *rw = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (rw == MAP_FAILED)
        return 3;
    emit_return(rw, 7);
    if (mprotect(rw, 4096, PROT_READ | PROT_EXEC) != 0)
        return 4;
    printf("mprotect-exec: %d\n", ((int (*)(void))rw)());

    munmap(rw, 4096);
    signal(SIGSEGV, on_segv);
    if (sigsetjmp(back, 1) == 0) {
        ((int (*)(void))rw)();
        printf("after munmap: still ran\n");
    } else {
        printf("after munmap: SIGSEGV\n");
    }
    dlclose(m);
    return 0;
}
