/* stdin_echo.c — standard input handling (stdin_echo.stdin): the first line
 * is read byte by byte with read(0) (no stdio buffering yet), the rest line
 * by line with getline (lines longer than any fixed buffer, empty lines,
 * CRLF, tabs, UTF-8, a last line without a newline), each printed with its
 * number and length; then EOF is seen by stdio and by read(0) (returns 0,
 * repeatedly), and fstat(0) succeeds. Totals and an FNV-1a hash of all
 * bytes are printed at the end. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t h = 0xcbf29ce484222325ULL;
static void hash(const char *p, size_t n)
{
    while (n--)
        h = (h ^ (unsigned char)*p++) * 0x100000001b3ULL;
}

/* print a line with control characters made visible, long lines shortened */
static void show(long no, const char *s, size_t n)
{
    printf("line %ld: len %zu: [", no, n);
    size_t lim = n > 60 ? 40 : n;
    for (size_t i = 0; i < lim; i++) {
        unsigned char c = s[i];
        if (c == '\t')
            printf("\\t");
        else if (c == '\r')
            printf("\\r");
        else if (c == '\n')
            printf("\\n");
        else
            putchar(c);
    }
    if (lim < n)
        printf("...(+%zu)", n - lim);
    printf("]\n");
}

int main(void)
{
    /* first line: byte by byte from fd 0 */
    char first[256];
    size_t fl = 0;
    char c;
    ssize_t r;
    while (fl < sizeof first - 1 && (r = read(0, &c, 1)) == 1) {
        first[fl++] = c;
        if (c == '\n')
            break;
    }
    first[fl] = 0;
    long lines = 0, bytes = 0;
    if (fl) {
        show(++lines, first, fl);
        bytes += fl;
        hash(first, fl);
    }

    /* the rest with getline */
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long longest = 0, empty = 0;
    while ((n = getline(&line, &cap, stdin)) > 0) {
        show(++lines, line, n);
        bytes += n;
        hash(line, n);
        if (n > longest)
            longest = n;
        if (n == 1 && line[0] == '\n')
            empty++;
    }
    free(line);
    printf("stdio EOF: %s\n", feof(stdin) ? "yes" : "no");
    printf("read(0) after EOF: %zd, again: %zd\n", read(0, &c, 1), read(0, &c, 1));
    struct stat st;
    printf("fstat(0): %s\n", fstat(0, &st) == 0 ? "ok" : "failed");
    printf("total: %ld lines, %ld bytes, %ld empty, longest %ld, fnv1a %016llx\n", lines, bytes, empty, longest, (unsigned long long)h);
    return 0;
}
