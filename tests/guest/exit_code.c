/* exit_code.c — exit status propagation and stdout/stderr separation:
 * writes to both streams (stdio and raw write(2)), then exits with 42. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void)
{
    printf("stdout: about to exit with status 42\n");
    fprintf(stderr, "stderr: this line goes to stderr\n");
    static const char msg[] = "stdout: via write(2)\n";
    fflush(stdout);
    if (write(1, msg, sizeof msg - 1) != (ssize_t)(sizeof msg - 1))
        return 1;
    printf("stdout: buffered line flushed by exit()\n");
    exit(42);
}
