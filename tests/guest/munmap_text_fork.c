/* A forked child that unmaps a page of its own program text leaves its parent's text
 * alone (fork copies the address space: the child's munmap is its own). Regression:
 * the CODE space a static program's parent and child share once lost the page for both. */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

__attribute__((noinline, aligned(4096))) int far_away(int x) { return x * 3 + 1; }

int main(void) {
    uintptr_t page = (uintptr_t)far_away & ~(uintptr_t)4095;
    pid_t pid = fork();
    if (pid == 0) {
        /* The page may hold main too: Linux then kills the child with SIGSEGV right
         * here; grantix, whose parent and child share one CODE space, leaves the text
         * mapped (docs: a known difference). Either way the parent must go on. */
        munmap((void *)page, 4096);
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    printf("parent: far_away(4) = %d\n", far_away(4));
    return 0;
}
