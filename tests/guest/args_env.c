/* args_env.c — argc/argv passing (including empty and spaced arguments) and
 * the initial environment. Only variables whose name starts with GX_ are
 * printed (sorted), so the golden output does not depend on the host or on
 * which extra variables a runner adds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static const char *base(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int main(int argc, char **argv)
{
    printf("argc=%d\n", argc);
    printf("argv[0] basename=[%s]\n", base(argv[0]));
    for (int i = 1; i < argc; i++)
        printf("argv[%d]=[%s] len=%zu\n", i, argv[i], strlen(argv[i]));
    printf("argv[argc] is %s\n", argv[argc] == NULL ? "NULL" : "NOT NULL");

    const char *v = getenv("GX_TEST");
    printf("getenv(GX_TEST)=%s%s%s\n", v ? "[" : "", v ? v : "<unset>", v ? "]" : "");
    v = getenv("GX_NOT_SET");
    printf("getenv(GX_NOT_SET)=%s\n", v ? v : "<unset>");

    size_t n = 0;
    for (char **e = environ; *e; e++)
        if (strncmp(*e, "GX_", 3) == 0)
            n++;
    const char **gx = calloc(n ? n : 1, sizeof *gx);
    if (!gx)
        return 1;
    n = 0;
    for (char **e = environ; *e; e++)
        if (strncmp(*e, "GX_", 3) == 0)
            gx[n++] = *e;
    qsort(gx, n, sizeof *gx, cmp);
    printf("GX_ variables: %zu\n", n);
    for (size_t i = 0; i < n; i++)
        printf("  %s\n", gx[i]);

    /* setenv/getenv round trip inside the guest */
    setenv("GX_SET_IN_GUEST", "yes", 1);
    printf("after setenv: GX_SET_IN_GUEST=%s\n", getenv("GX_SET_IN_GUEST"));
    free(gx);
    return 0;
}
