// Fault isolation: the child uses the time service (clock_gettime, nanosleep), the
// parent never does. With a fault injected into `time`, the parent's output must not
// change in the split configuration (tests/faults.rs); the child reports nothing on
// stdout, only its exit status, which the parent does not print.
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(void) {
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        int bad = 0;
        struct timespec ts, nap = {0, 1000000};
        for (int i = 0; i < 200; i++) bad += clock_gettime(CLOCK_MONOTONIC, &ts) != 0;
        for (int i = 0; i < 3; i++) bad += nanosleep(&nap, NULL) != 0;
        _exit(bad ? 1 : 0);
    }
    unsigned long sum = 0;
    for (int i = 1; i <= 5; i++) {
        sum += (unsigned long)i * i;
        printf("parent line %d, running sum %lu\n", i, sum);
    }
    int st;
    printf("parent waited: %s\n", waitpid(child, &st, 0) == child ? "yes" : "no");
    return 0;
}
