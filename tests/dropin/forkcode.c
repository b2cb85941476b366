/* forkcode.c — after fork, a child that unloads a shared library must not take
 * it from its parent (tests/dynamic.rs): each process has its own code mappings. */
#include <dlfcn.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    void *m = dlopen("libm.so.6", RTLD_NOW);
    double (*c)(double) = m ? (double (*)(double))dlsym(m, "cos") : 0;
    if (!c)
        return 1;
    pid_t pid = fork();
    if (pid == 0) {
        dlclose(m);
        _exit(7);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    printf("child exited %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    printf("parent: cos(0)=%g\n", c(0.0));
    return 0;
}
