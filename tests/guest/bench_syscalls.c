// A syscall-bound workload: many small system calls of the kinds real programs make
// (getppid, write to /dev/null, read from /dev/zero, clock_gettime, fstat), so the
// cost per syscall dominates. Used by scripts/bench.sh; its output is deterministic.
// With a second argument "getppid" it makes only getppid calls, ROUNDS of them (the
// cheapest syscall: the cost of the syscall path itself).
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long rounds = argc > 1 ? atol(argv[1]) : 20000;
    if (argc > 2 && strcmp(argv[2], "getppid") == 0) {
        unsigned long n = 0;
        for (long i = 0; i < rounds; i++)
            n += getppid() != -1; /* 1: the first program is init's child (0 under a pid-1 first process) */
        printf("rounds %ld, syscalls %ld, checks %lu\n", rounds, rounds, n);
        return n == (unsigned long)rounds ? 0 : 1;
    }
    int null = open("/dev/null", O_WRONLY);
    int zero = open("/dev/zero", O_RDONLY);
    if (null < 0 || zero < 0) {
        printf("open failed\n");
        return 1;
    }
    char buf[64];
    unsigned long sum = 0;
    struct timespec ts;
    struct stat st;
    for (long i = 0; i < rounds; i++) {
        sum += getppid() != -1; /* 1: the first program is init's child (0 under a pid-1 first process) */
        sum += write(null, "x", 1);
        sum += read(zero, buf, sizeof buf) == sizeof buf;
        sum += clock_gettime(CLOCK_MONOTONIC, &ts) == 0;
        sum += fstat(null, &st) == 0;
    }
    printf("rounds %ld, syscalls %ld, checks %lu\n", rounds, rounds * 5, sum);
    return sum == (unsigned long)rounds * 5 ? 0 : 1;
}
