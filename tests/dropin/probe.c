/* probe.c — what the qemu-style flags change, printed for tests/qemu_flags.rs:
 * the AT_RANDOM bytes and a getrandom draw (-seed), the size of the [stack]
 * mapping (-s), and argv[0] (-0). */
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/random.h>

int main(int argc, char **argv)
{
    const unsigned char *r = (const unsigned char *)getauxval(AT_RANDOM);
    printf("at_random=");
    for (int i = 0; i < 16; i++)
        printf("%02x", r ? r[i] : 0);
    unsigned char g[8] = {0};
    if (getrandom(g, sizeof g, 0) != (long)sizeof g)
        return 2;
    printf("\ngetrandom=");
    for (int i = 0; i < 8; i++)
        printf("%02x", g[i]);
    printf("\nargv0=%s argc=%d\n", argv[0], argc);
    FILE *m = fopen("/proc/self/maps", "r");
    if (!m)
        return 3;
    char line[512];
    while (fgets(line, sizeof line, m)) {
        unsigned long lo, hi;
        if (strstr(line, "[stack]") && sscanf(line, "%lx-%lx", &lo, &hi) == 2)
            printf("stack=%lu\n", hi - lo);
    }
    fclose(m);
    return 0;
}
