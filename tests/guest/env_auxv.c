/* env_auxv.c — what the kernel (or emulator) puts on the initial stack:
 * environ directly follows argv's NULL, the auxiliary vector follows
 * environ's NULL and agrees with getauxval(); AT_PAGESZ = 4096, AT_HWCAP
 * has the I, M, A, F, D and C extension bits, AT_RANDOM points at 16
 * non-zero-looking bytes, AT_EXECFN's basename = argv[0]'s basename,
 * AT_PHDR/AT_PHNUM/AT_PHENT describe this program's own program headers
 * (compared with __ehdr_start and dl_iterate_phdr), AT_ENTRY = _start,
 * AT_UID/EUID/GID/EGID match the syscalls, AT_SECURE = 0, AT_CLKTCK = 100,
 * AT_BASE = 0 (static, no interpreter). Also the GX_ variables from
 * env_auxv.env (sorted), and sysconf page size / CPU counts. */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

static int failures;
/* CHECK(cond, fmt, ...): print "ok"/"FAIL" and the message; errno as left
 * by cond is preserved for the message arguments. */
#define CHECK(cond, ...) do { int c_ = (cond); int e_ = errno; \
    printf("%s ", c_ ? "ok  " : "FAIL"); errno = e_; \
    printf(__VA_ARGS__); printf("\n"); if (!c_) failures++; } while (0)

extern char **environ;
extern const ElfW(Ehdr) __ehdr_start;
extern char _start[];

static const char *base(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static int cmpstr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

struct phdr_info { const ElfW(Phdr) *phdr; int phnum; int calls; };
static int cb(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    struct phdr_info *pi = data;
    if (pi->calls++ == 0) {
        pi->phdr = info->dlpi_phdr;
        pi->phnum = info->dlpi_phnum;
    }
    return 0;
}

int main(int argc, char **argv, char **envp)
{
    /* layout of the initial stack */
    CHECK(argv[argc] == NULL, "argv[argc] == NULL");
    CHECK(envp == argv + argc + 1, "envp (main's 3rd argument) starts right after argv's NULL");
    CHECK(environ == envp, "environ == envp at startup");
    char **e = envp;
    while (*e)
        e++;
    unsigned long *auxv = (unsigned long *)(e + 1);
    int n = 0, agree = 1, have_pagesz = 0;
    for (unsigned long *a = auxv; a[0] != AT_NULL; a += 2, n++) {
        if (a[0] == AT_PAGESZ)
            have_pagesz = 1;
        if (a[0] != AT_IGNORE)
            agree &= getauxval(a[0]) == a[1];
    }
    CHECK(n >= 10 && have_pagesz && agree, "auxv follows environ's NULL: >= 10 entries, all equal to getauxval()");

    unsigned long pagesz = getauxval(AT_PAGESZ);
    CHECK(pagesz == 4096, "AT_PAGESZ = %lu", pagesz);
    unsigned long hw = getauxval(AT_HWCAP);
    unsigned long need = 0;
    const char *exts = "IMAFDC";
    for (const char *c = exts; *c; c++)
        need |= 1UL << (*c - 'A');
    CHECK((hw & need) == need, "AT_HWCAP has the I M A F D C bits");
    const unsigned char *rnd = (const unsigned char *)getauxval(AT_RANDOM);
    int nz = 0;
    if (rnd)
        for (int i = 0; i < 16; i++)
            nz += rnd[i] != 0;
    CHECK(rnd != NULL && nz >= 8, "AT_RANDOM points at 16 bytes, mostly non-zero");
    const char *execfn = (const char *)getauxval(AT_EXECFN);
    CHECK(execfn && strcmp(base(execfn), base(argv[0])) == 0, "AT_EXECFN basename = %s", execfn ? base(execfn) : "(null)");
    CHECK(getauxval(AT_PHENT) == sizeof(ElfW(Phdr)), "AT_PHENT = %lu", getauxval(AT_PHENT));
    const ElfW(Phdr) *phdr = (const ElfW(Phdr) *)getauxval(AT_PHDR);
    unsigned long phnum = getauxval(AT_PHNUM);
    CHECK(phdr == (const ElfW(Phdr) *)((const char *)&__ehdr_start + __ehdr_start.e_phoff) && phnum == __ehdr_start.e_phnum,
          "AT_PHDR/AT_PHNUM match the ELF header mapped at __ehdr_start");
    CHECK(memcmp(__ehdr_start.e_ident, ELFMAG, SELFMAG) == 0 && __ehdr_start.e_machine == EM_RISCV && __ehdr_start.e_type == ET_EXEC,
          "__ehdr_start is a riscv ET_EXEC ELF header");
    int loads = 0, has_tls = 0, has_stack = 0;
    for (unsigned long i = 0; i < phnum; i++) {
        loads += phdr[i].p_type == PT_LOAD;
        has_tls |= phdr[i].p_type == PT_TLS;
        has_stack |= phdr[i].p_type == PT_GNU_STACK;
    }
    CHECK(loads >= 1 && has_stack, "program headers: %s PT_LOAD, PT_GNU_STACK present", loads >= 2 ? ">=2" : "1");
    (void)has_tls;
    struct phdr_info pi = { 0, 0, 0 };
    dl_iterate_phdr(cb, &pi);
    CHECK(pi.calls >= 1 && pi.phdr == phdr && pi.phnum == (int)phnum, "dl_iterate_phdr's first object has the same phdrs");
    CHECK(getauxval(AT_ENTRY) == (unsigned long)_start && __ehdr_start.e_entry == (unsigned long)_start, "AT_ENTRY = e_entry = _start");
    CHECK(getauxval(AT_UID) == getuid() && getauxval(AT_EUID) == geteuid() && getauxval(AT_GID) == getgid() && getauxval(AT_EGID) == getegid(),
          "AT_UID/EUID/GID/EGID match getuid() etc.");
    CHECK(getauxval(AT_SECURE) == 0, "AT_SECURE = 0");
    CHECK(getauxval(AT_CLKTCK) == 100, "AT_CLKTCK = %lu", getauxval(AT_CLKTCK));
    CHECK(getauxval(AT_BASE) == 0, "AT_BASE = 0 (no interpreter)");
    errno = 0;
    CHECK(getauxval(0x7fff) == 0 && errno == ENOENT, "getauxval(unknown type) -> 0, ENOENT");

    CHECK(sysconf(_SC_PAGESIZE) == 4096 && getpagesize() == 4096, "sysconf(_SC_PAGESIZE) = getpagesize() = 4096");
    CHECK(sysconf(_SC_NPROCESSORS_ONLN) >= 1 && sysconf(_SC_NPROCESSORS_CONF) >= 1, "CPU counts >= 1");

    /* the environment from env_auxv.env */
    const char *gx[64];
    int ng = 0;
    for (char **p = environ; *p && ng < 64; p++)
        if (strncmp(*p, "GX_", 3) == 0)
            gx[ng++] = *p;
    qsort(gx, ng, sizeof *gx, cmpstr);
    printf("     %d GX_ variables:\n", ng);
    for (int i = 0; i < ng; i++)
        printf("       %s\n", gx[i]);
    const char *path = getenv("PATH"), *home = getenv("HOME");
    CHECK(path && home && strcmp(home, "/") == 0, "PATH set, HOME=/ (clean runner environment)");
    CHECK(getenv("GX_LONG") && strlen(getenv("GX_LONG")) == 200, "GX_LONG has 200 characters");
    CHECK(unsetenv("GX_B") == 0 && getenv("GX_B") == NULL, "unsetenv(GX_B)");
    CHECK(putenv("GX_PUT=1") == 0 && strcmp(getenv("GX_PUT"), "1") == 0, "putenv(GX_PUT=1)");
    CHECK(clearenv() == 0 && (environ == NULL || environ[0] == NULL) && getenv("PATH") == NULL, "clearenv empties the environment");

    printf("env_auxv: %d failures\n", failures);
    return failures ? 1 : 0;
}
