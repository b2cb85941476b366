/* sysv_ipc.c — System V IPC in the style of the Linux Test Project's msgget/msgsnd/
 * msgrcv/msgctl, semget/semop/semctl and shmget/shmat/shmctl tests: success paths and
 * the errnos of msgget(2), msgop(2), semop(2), semctl(2), shmget(2), shmop(2):
 * EEXIST (IPC_CREAT|IPC_EXCL), ENOENT, EINVAL, EIDRM (removed under a blocked waiter),
 * EACCES after dropping root, E2BIG, ENOMSG (IPC_NOWAIT), EAGAIN (semop IPC_NOWAIT,
 * semtimedop timeout), EFBIG, ERANGE, SEM_UNDO on exit, and shared memory visible
 * across fork (msgget/shmget check only the access bits the caller asks for in
 * its flags, so the EACCES probes ask for 0600). Keys are derived from the pid so concurrent runs do not collide.
 * Must start as root for the EACCES checks (they drop to 65534 in a child); exits 77
 * otherwise. Golden output recorded on Linux 6.18, checked against qemu-riscv64. */
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
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ltp.h"

union semun {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
};

struct msg {
    long mtype;
    char mtext[64];
};

static key_t key_base;

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* Forks a child running f(arg); returns its pid. */
static pid_t spawn(int (*f)(int), int arg)
{
    fflush(stdout);
    pid_t p = fork();
    if (p == 0)
        _exit(f(arg));
    return p;
}

static int reap(pid_t p)
{
    int st = 0;
    waitpid(p, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int drop(void)
{
    return setgid(65534) == 0 && setuid(65534) == 0 ? 0 : -1;
}

/* Children report an errno (or 0) through their exit status. */
static int child_msgrcv_block(int id)
{
    struct msg m;
    return msgrcv(id, &m, sizeof m.mtext, 0, 0) == -1 ? errno : 0;
}

static int child_msg_dropped(int id)
{
    struct msg m = { 1, "x" };
    if (drop() != 0)
        return 100;
    int a = msgget(key_base + 1, 0600) == -1 ? errno : 0;
    int b = msgsnd(id, &m, 2, IPC_NOWAIT) == -1 ? errno : 0;
    return a == EACCES && b == EACCES ? 0 : 101;
}

static void msg_tests(void)
{
    struct msg m, r;
    struct msqid_ds ds;
    int id = msgget(key_base + 1, IPC_CREAT | IPC_EXCL | 0600);
    check("msgget IPC_CREAT|IPC_EXCL", id >= 0, 1);
    CHECK_ERR("msgget IPC_EXCL again", msgget(key_base + 1, IPC_CREAT | IPC_EXCL | 0600), EEXIST);
    check("msgget existing key same id", msgget(key_base + 1, 0), id);
    CHECK_ERR("msgget missing key", msgget(key_base + 2, 0600), ENOENT);
    m.mtype = 1;
    strcpy(m.mtext, "hello");
    CHECK_OK("msgsnd type 1", msgsnd(id, &m, 6, 0));
    m.mtype = 2;
    strcpy(m.mtext, "world");
    CHECK_OK("msgsnd type 2", msgsnd(id, &m, 6, 0));
    m.mtype = 3;
    strcpy(m.mtext, "three");
    CHECK_OK("msgsnd type 3", msgsnd(id, &m, 6, 0));
    m.mtype = 0;
    CHECK_ERR("msgsnd mtype 0", msgsnd(id, &m, 6, 0), EINVAL);
    CHECK_ERR("msgsnd negative size", msgsnd(id, &m, (size_t)-1, 0), EINVAL);
    CHECK_OK("msgctl IPC_STAT", msgctl(id, IPC_STAT, &ds));
    check("msg_qnum 3", ds.msg_qnum, 3);
    check("msg_perm.mode 0600", ds.msg_perm.mode & 0777, 0600);
    check("msg_lspid is us", ds.msg_lspid, getpid());
    check("msgrcv by type 2", msgrcv(id, &r, sizeof r.mtext, 2, 0), 6);
    check("msgrcv by type 2 text", strcmp(r.mtext, "world"), 0);
    CHECK_ERR("msgrcv too small", msgrcv(id, &r, 3, 0, IPC_NOWAIT), E2BIG);
    check("msgrcv MSG_NOERROR truncates", msgrcv(id, &r, 3, 0, MSG_NOERROR), 3);
    check("msgrcv first in queue was hello", memcmp(r.mtext, "hel", 3), 0);
    check("msgrcv MSG_EXCEPT 3 finds none but 3", msgrcv(id, &r, sizeof r.mtext, 3, MSG_EXCEPT | IPC_NOWAIT) == -1 && errno == ENOMSG, 1);
    check("msgrcv type -5 lowest", msgrcv(id, &r, sizeof r.mtext, -5, IPC_NOWAIT), 6);
    check("msgrcv type -5 got type 3", r.mtype, 3);
    CHECK_ERR("msgrcv empty IPC_NOWAIT", msgrcv(id, &r, sizeof r.mtext, 0, IPC_NOWAIT), ENOMSG);
    ds.msg_perm.mode = 0640;
    CHECK_OK("msgctl IPC_SET mode", msgctl(id, IPC_SET, &ds));
    msgctl(id, IPC_STAT, &ds);
    check("mode after IPC_SET", ds.msg_perm.mode & 0777, 0640);
    ds.msg_perm.mode = 0600;
    msgctl(id, IPC_SET, &ds);
    CHECK_ERR("msgctl bad command", msgctl(id, 12345, &ds), EINVAL);
    check("child without root gets EACCES", reap(spawn(child_msg_dropped, id)), 0);

    pid_t p = spawn(child_msgrcv_block, id);
    sleep_ms(200);
    msgctl(id, IPC_STAT, &ds);
    check("blocked receiver still waiting", waitpid(p, NULL, WNOHANG), 0);
    CHECK_OK("msgctl IPC_RMID", msgctl(id, IPC_RMID, NULL));
    check("blocked msgrcv woken with EIDRM", reap(p), EIDRM);
    CHECK_ERR("msgsnd to removed queue", msgsnd(id, &m, 6, 0), EINVAL);
    CHECK_ERR("msgctl IPC_STAT removed", msgctl(id, IPC_STAT, &ds), EINVAL);

    id = msgget(IPC_PRIVATE, 0600);
    check("msgget IPC_PRIVATE", id >= 0, 1);
    m.mtype = 7;
    pid_t q = spawn(child_msgrcv_block, id);
    sleep_ms(100);
    CHECK_OK("msgsnd wakes blocked receiver", msgsnd(id, &m, 1, 0));
    check("receiver got it", reap(q), 0);
    msgctl(id, IPC_RMID, NULL);
}

static int child_sem_undo(int id)
{
    struct sembuf op = { 1, 3, SEM_UNDO };
    return semop(id, &op, 1) == 0 && semctl(id, 1, GETVAL) == 3 ? 0 : 1;
}

static int child_sem_block(int id)
{
    struct sembuf op = { 0, -1, 0 };
    return semop(id, &op, 1) == -1 ? errno : 0;
}

static int child_sem_dropped(int id)
{
    struct sembuf op = { 0, 1, IPC_NOWAIT };
    if (drop() != 0)
        return 100;
    int a = semop(id, &op, 1) == -1 ? errno : 0;
    int b = semctl(id, 0, GETVAL) == -1 ? errno : 0;
    return a == EACCES && b == EACCES ? 0 : 101;
}

static void sem_tests(void)
{
    union semun u;
    struct semid_ds ds;
    unsigned short vals[2];
    int id = semget(key_base + 3, 2, IPC_CREAT | IPC_EXCL | 0600);
    check("semget 2 sems", id >= 0, 1);
    CHECK_ERR("semget IPC_EXCL again", semget(key_base + 3, 2, IPC_CREAT | IPC_EXCL | 0600), EEXIST);
    CHECK_ERR("semget existing with more sems", semget(key_base + 3, 5, 0600), EINVAL);
    CHECK_ERR("semget missing key", semget(key_base + 4, 1, 0600), ENOENT);
    CHECK_ERR("semget nsems 0 create", semget(IPC_PRIVATE, 0, IPC_CREAT | 0600), EINVAL);
    u.buf = &ds;
    CHECK_OK("semctl IPC_STAT", semctl(id, 0, IPC_STAT, u));
    check("sem_nsems 2", ds.sem_nsems, 2);
    check("new semaphore is 0", semctl(id, 0, GETVAL), 0);
    u.val = 1;
    CHECK_OK("semctl SETVAL 1", semctl(id, 0, SETVAL, u));
    u.val = 40000;
    CHECK_ERR("semctl SETVAL above SEMVMX", semctl(id, 0, SETVAL, u), ERANGE);
    u.val = -1;
    CHECK_ERR("semctl SETVAL negative", semctl(id, 0, SETVAL, u), ERANGE);
    struct sembuf dec = { 0, -1, 0 }, dec_nw = { 0, -1, IPC_NOWAIT }, zero_nw = { 0, 0, IPC_NOWAIT }, bad = { 5, 1, 0 };
    CHECK_ERR("semop wait-for-zero on 1 IPC_NOWAIT", semop(id, &zero_nw, 1), EAGAIN);
    CHECK_OK("semop -1", semop(id, &dec, 1));
    check("GETVAL after -1", semctl(id, 0, GETVAL), 0);
    CHECK_OK("semop wait-for-zero on 0", semop(id, &zero_nw, 1));
    CHECK_ERR("semop -1 IPC_NOWAIT on 0", semop(id, &dec_nw, 1), EAGAIN);
    CHECK_ERR("semop sem_num out of range", semop(id, &bad, 1), EFBIG);
    CHECK_ERR("semop nsops 0", semop(id, &dec, 0), EINVAL);
    struct timespec to = { 0, 50000000 };
    CHECK_ERR("semtimedop times out", semtimedop(id, &dec, 1, &to), EAGAIN);
    struct sembuf two[2] = { { 0, 1, 0 }, { 1, -1, IPC_NOWAIT } };
    CHECK_ERR("semop all-or-nothing", semop(id, two, 2), EAGAIN);
    check("first op not applied", semctl(id, 0, GETVAL), 0);
    vals[0] = 4;
    vals[1] = 0;
    u.array = vals;
    CHECK_OK("semctl SETALL", semctl(id, 0, SETALL, u));
    vals[0] = vals[1] = 99;
    CHECK_OK("semctl GETALL", semctl(id, 0, GETALL, u));
    check("GETALL values", vals[0] * 100 + vals[1], 400);
    check("SEM_UNDO child saw its +3", reap(spawn(child_sem_undo, id)), 0);
    check("SEM_UNDO reverted at exit", semctl(id, 1, GETVAL), 0);
    check("GETPID is the child's", semctl(id, 1, GETPID) != getpid(), 1);
    u.val = 0;
    semctl(id, 0, SETVAL, u);
    pid_t p = spawn(child_sem_block, id);
    sleep_ms(200);
    check("GETNCNT one waiter", semctl(id, 0, GETNCNT), 1);
    struct sembuf inc = { 0, 1, 0 };
    CHECK_OK("semop +1 wakes waiter", semop(id, &inc, 1));
    check("waiter succeeded", reap(p), 0);
    check("value consumed by waiter", semctl(id, 0, GETVAL), 0);
    check("EACCES without root", reap(spawn(child_sem_dropped, id)), 0);
    p = spawn(child_sem_block, id);
    sleep_ms(200);
    CHECK_OK("semctl IPC_RMID", semctl(id, 0, IPC_RMID));
    check("blocked semop woken with EIDRM", reap(p), EIDRM);
    CHECK_ERR("semop on removed set", semop(id, &inc, 1), EINVAL);
}

static int child_shm(int id)
{
    char *a = shmat(id, NULL, 0);
    if (a == (void *)-1)
        return 1;
    int ok = strcmp(a, "from parent") == 0;
    strcpy(a + 4096, "from child");
    shmdt(a);
    return ok ? 0 : 2;
}

static int child_shm_dropped(int id)
{
    if (drop() != 0)
        return 100;
    int a = shmat(id, NULL, 0) == (void *)-1 ? errno : 0;
    int b = shmget(key_base + 5, 0, 0600) == -1 ? errno : 0;
    return a == EACCES && b == EACCES ? 0 : 101;
}

static void shm_tests(void)
{
    struct shmid_ds ds;
    int id = shmget(key_base + 5, 8192, IPC_CREAT | IPC_EXCL | 0600);
    check("shmget 8192", id >= 0, 1);
    CHECK_ERR("shmget IPC_EXCL again", shmget(key_base + 5, 8192, IPC_CREAT | IPC_EXCL | 0600), EEXIST);
    CHECK_ERR("shmget existing larger", shmget(key_base + 5, 1 << 20, 0600), EINVAL);
    CHECK_ERR("shmget missing key", shmget(key_base + 6, 4096, 0600), ENOENT);
    CHECK_ERR("shmget size 0 create", shmget(IPC_PRIVATE, 0, IPC_CREAT | 0600), EINVAL);
    char *a = shmat(id, NULL, 0);
    check("shmat", a != (void *)-1, 1);
    if (a == (void *)-1) {
        shmctl(id, IPC_RMID, NULL);
        return; /* nothing below can run without the attach */
    }
    check("new segment is zeroed", a[0] == 0 && a[8191] == 0, 1);
    strcpy(a, "from parent");
    CHECK_OK("shmctl IPC_STAT", shmctl(id, IPC_STAT, &ds));
    check("shm_segsz", ds.shm_segsz, 8192);
    check("shm_nattch 1", ds.shm_nattch, 1);
    check("shm_cpid is us", ds.shm_cpid, getpid());
    check("child sees parent's data and writes back", reap(spawn(child_shm, id)), 0);
    check("parent sees child's data", strcmp(a + 4096, "from child"), 0);
    shmctl(id, IPC_STAT, &ds);
    check("shm_nattch back to 1", ds.shm_nattch, 1);
    check("EACCES without root", reap(spawn(child_shm_dropped, id)), 0);
    char *b = shmat(id, NULL, SHM_RDONLY);
    check("second attach read-only", b != (void *)-1 && strcmp(b, "from parent") == 0, 1);
    shmctl(id, IPC_STAT, &ds);
    check("shm_nattch 2", ds.shm_nattch, 2);
    CHECK_OK("shmdt second", shmdt(b));
    CHECK_ERR("shmdt not attached", shmdt(a + 1), EINVAL);
    CHECK_OK("shmctl IPC_RMID while attached", shmctl(id, IPC_RMID, NULL));
    check("still usable after IPC_RMID", strcmp(a, "from parent"), 0);
    CHECK_ERR("key gone after IPC_RMID", shmget(key_base + 5, 0, 0600), ENOENT);
    CHECK_OK("shmdt last", shmdt(a));
    CHECK_ERR("shmctl IPC_STAT destroyed", shmctl(id, IPC_STAT, &ds), EINVAL);
    CHECK_ERR("shmat destroyed", (long)shmat(id, NULL, 0), EINVAL);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* partial output survives a hang or crash */
    alarm(30); /* a hang ends as SIGALRM (status 142), not as a runner timeout */
    if (getuid() != 0) {
        printf("sysv_ipc: must start as root\n");
        return 77;
    }
    key_base = 0x47580000 + ((getpid() & 0xfff) << 4);
    msg_tests();
    sem_tests();
    shm_tests();
    return finish("sysv_ipc");
}
