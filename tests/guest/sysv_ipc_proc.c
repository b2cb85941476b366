/* sysv_ipc_proc.c — System V IPC as the Linux Test Project's msgctl12, shmctl01,
 * msgget03, semget05, shmget03, msgrcv05/06, msgsnd06 and semctl01 see it: the
 * *_STAT commands take a table index and return the object's id (found by walking
 * the indexes up to what *_INFO returns), /proc/sysvipc/{msg,sem,shm} list each
 * object under a header, a process blocked in msgrcv or msgsnd shows 'S' in
 * /proc/PID/stat and gets EIDRM when its queue is removed, or EINTR from a
 * signal, and GETNCNT counts a process sleeping in semop. Golden from
 * qemu-riscv64 (host kernel; every object is IPC_PRIVATE and removed). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;
static void check(int ok, const char *what) {
    printf("%s %s\n", ok ? "ok" : "FAIL", what);
    if (!ok) failures++;
}

/* The state letter of /proc/PID/stat. */
static char state(pid_t p) {
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", p);
    FILE *f = fopen(path, "r");
    if (!f) return '?';
    char *r = fgets(buf, sizeof buf, f);
    fclose(f);
    char *c = r ? strrchr(buf, ')') : NULL;
    return c && c[1] == ' ' ? c[2] : '?';
}

/* Waits (at most ~10 s) for process p to sleep. */
static int wait_sleeping(pid_t p) {
    for (int i = 0; i < 10000; i++) {
        if (state(p) == 'S') return 1;
        usleep(1000);
    }
    return 0;
}

/* Whether /proc/sysvipc/NAME has a line for id, and its header's first words. */
static int listed(const char *name, int id, char *header, size_t hn) {
    char path[64], line[512];
    snprintf(path, sizeof path, "/proc/sysvipc/%s", name);
    FILE *f = fopen(path, "r");
    int found = 0;
    if (!f) return -1;
    char a[16] = "", b[16] = "", c[16] = "";
    if (fgets(line, sizeof line, f)) sscanf(line, "%15s %15s %15s", a, b, c);
    snprintf(header, hn, "%s %s %s", a, b, c);
    while (fgets(line, sizeof line, f)) {
        int key, oid;
        if (sscanf(line, "%d %d", &key, &oid) == 2 && oid == id) found = 1;
    }
    fclose(f);
    return found;
}

static void on_usr1(int s) { (void)s; }

int main(void) {
    struct msqid_ds mds;
    struct msginfo minfo;
    struct shmid_ds sds;
    struct shm_info sinfo;
    union semun { int val; struct semid_ds *buf; unsigned short *array; struct seminfo *__buf; };

    int q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    int sh = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    int se = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
    check(q >= 0 && sh >= 0 && se >= 0, "a queue, a segment and a semaphore set");

    /* *_STAT by index. */
    int max = msgctl(0, MSG_INFO, (struct msqid_ds *)&minfo);
    int found = 0;
    for (int i = 0; i <= max; i++)
        if (msgctl(i, MSG_STAT, &mds) == q) found = 1;
    check(max >= 0 && found, "MSG_STAT over the indexes up to MSG_INFO's finds the queue");
    max = shmctl(0, SHM_INFO, (struct shmid_ds *)&sinfo);
    found = 0;
    for (int i = 0; i <= max; i++)
        if (shmctl(i, SHM_STAT, &sds) == sh) found = sds.shm_segsz == 4096;
    check(max >= 0 && found, "SHM_STAT by index finds the segment and its size");
    struct seminfo seinfo;
    struct semid_ds semds;
    union semun u = {.__buf = &seinfo};
    max = semctl(0, 0, SEM_INFO, u);
    found = 0;
    u.buf = &semds;
    for (int i = 0; i <= max; i++)
        if (semctl(i, 0, SEM_STAT, u) == se) found = semds.sem_nsems == 1;
    check(max >= 0 && found, "SEM_STAT by index finds the set");
    errno = 0;
    check(msgctl(-1, MSG_STAT, &mds) == -1 && errno == EINVAL, "MSG_STAT of a bad index: EINVAL");

    /* /proc/sysvipc. */
    char h[64];
    check(listed("msg", q, h, sizeof h) == 1, "/proc/sysvipc/msg lists the queue");
    printf("msg header: %s\n", h);
    check(listed("shm", sh, h, sizeof h) == 1, "/proc/sysvipc/shm lists the segment");
    printf("shm header: %s\n", h);
    check(listed("sem", se, h, sizeof h) == 1, "/proc/sysvipc/sem lists the set");
    printf("sem header: %s\n", h);

    /* A receiver blocked on a queue that goes: EIDRM. */
    struct { long type; char text[16]; } m = {1, "x"};
    pid_t c = fork();
    if (c == 0) {
        errno = 0;
        int r = msgrcv(q, &m, sizeof m.text, 1, 0);
        _exit(r == -1 && errno == EIDRM ? 0 : 1);
    }
    check(wait_sleeping(c), "the receiver sleeps (S in /proc/PID/stat)");
    msgctl(q, IPC_RMID, NULL);
    int st;
    waitpid(c, &st, 0);
    check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "its msgrcv: EIDRM once the queue is removed");

    /* A sender blocked on a full queue, interrupted: EINTR. */
    q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    struct msqid_ds set;
    msgctl(q, IPC_STAT, &set);
    set.msg_qbytes = 16;
    msgctl(q, IPC_SET, &set);
    msgsnd(q, &m, 16, 0);
    c = fork();
    if (c == 0) {
        struct sigaction sa = {.sa_handler = on_usr1};
        sigaction(SIGUSR1, &sa, NULL);
        errno = 0;
        int r = msgsnd(q, &m, 16, 0);
        _exit(r == -1 && errno == EINTR ? 0 : 1);
    }
    check(wait_sleeping(c), "the sender sleeps");
    kill(c, SIGUSR1);
    waitpid(c, &st, 0);
    check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "its msgsnd: EINTR on a signal");
    msgctl(q, IPC_RMID, NULL);

    /* GETNCNT counts a process waiting to decrement. */
    c = fork();
    if (c == 0) {
        struct sembuf op = {0, -1, 0};
        _exit(semop(se, &op, 1) == -1 && errno == EIDRM ? 0 : 1);
    }
    check(wait_sleeping(c), "a semop waiter sleeps");
    u.val = 0;
    check(semctl(se, 0, GETNCNT, u) == 1, "GETNCNT counts it");
    semctl(se, 0, IPC_RMID, u);
    waitpid(c, &st, 0);
    check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "it gets EIDRM when the set goes");
    shmctl(sh, IPC_RMID, NULL);

    printf("sysv_ipc_proc: %d failures\n", failures);
    return failures != 0;
}
