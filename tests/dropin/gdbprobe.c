/* gdbprobe.c — a program for the gdb stub test (tests/gdb.rs): a function to
 * break on, locals to print, a double for the FP registers, a global to watch, and an exit status. */
#include <stdio.h>

volatile double scale = 1.5;
volatile long calls; /* written once per call of square: a watchpoint's target */

__attribute__((noinline)) long square(long x)
{
    long y = x * x;
    double d = y * scale;
    y += (long)d;
    return y;
}

int main(void)
{
    long total = 0;
    for (long i = 1; i <= 3; i++)
    {
        total += square(i);
        calls = calls + 1;
    }
    printf("total=%ld\n", total);
    return (int)(total % 50);
}
