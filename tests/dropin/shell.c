/* shell.c — system() and popen() run /bin/sh, as so many programs do; for
 * tests/debian_root.rs. */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    int r = system("echo from the shell; exit 3");
    printf("system: status %d\n", WIFEXITED(r) ? WEXITSTATUS(r) : -1);
    FILE *p = popen("printf '%s\\n' piped | tr a-z A-Z", "r");
    char line[64] = "";
    if (p && fgets(line, sizeof line, p))
        printf("popen: %s", line);
    if (p)
        printf("pclose: %d\n", pclose(p));
    return 0;
}
