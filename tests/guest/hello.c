/* hello.c — smallest end-to-end guest: argv, stdout via stdio, a few
 * computed lines whose output is the same for glibc and musl, and stdin
 * (hello.stdin) read to EOF. Output must not depend on the host. */
#include <stdio.h>
#include <string.h>

static const char *base(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

int main(int argc, char **argv)
{
    printf("hello from a riscv64 guest\n");
    /* argv[0] is whatever path the runner used; only its basename is stable. */
    printf("argv[0] basename: %s\n", base(argv[0]));
    for (int i = 1; i < argc; i++)
        printf("argv[%d]: %s\n", i, argv[i]);

    long sum = 0;
    for (long i = 1; i <= 1000; i++)
        sum += i * i;
    printf("sum of squares 1..1000 = %ld\n", sum);
    printf("sizeof(long)=%zu sizeof(void*)=%zu\n", sizeof(long), sizeof(void *));
    printf("formatting: [%5d] [%-5d] [%05.1f] [%x] [%s]\n", 42, 42, 3.14159, 48879, "str");
    printf("double: %.6f %.3e\n", 1.0 / 3.0, 6.02214076e23);

    char buf[256];
    size_t total = 0, lines = 0;
    int first = 1;
    while (fgets(buf, sizeof buf, stdin)) {
        size_t n = strlen(buf);
        total += n;
        if (n && buf[n - 1] == '\n')
            lines++;
        if (first) {
            buf[strcspn(buf, "\n")] = 0;
            printf("stdin first line: %s\n", buf);
            first = 0;
        }
    }
    printf("stdin: %zu bytes, %zu lines\n", total, lines);
    printf("bye\n");
    return 0;
}
