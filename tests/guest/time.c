/* time.c — clocks and sleeping: CLOCK_MONOTONIC never goes backwards,
 * CLOCK_REALTIME is plausible (2020..2100), time()/gettimeofday agree with
 * it within 1s, clock_getres of several clocks (<= 1ms, not printed exactly),
 * CLOCK_BOOTTIME/MONOTONIC_RAW/COARSE clocks, process and thread CPU-time
 * clocks advance with a busy loop, clock() and times() work, nanosleep(10ms)
 * and clock_nanosleep relative and TIMER_ABSTIME sleep at least as long as
 * asked, EINVAL for a bad clock id or tv_nsec; calendar conversions with
 * TZ from time.env (a POSIX rule string, so no tzdata is needed):
 * gmtime_r/localtime_r/mktime/timegm/strftime of fixed timestamps. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

static int failures;
/* CHECK(cond, fmt, ...): print "ok"/"FAIL" and the message; errno as left
 * by cond is preserved for the message arguments. */
#define CHECK(cond, ...) do { int c_ = (cond); int e_ = errno; \
    printf("%s ", c_ ? "ok  " : "FAIL"); errno = e_; \
    printf(__VA_ARGS__); printf("\n"); if (!c_) failures++; } while (0)

static int64_t ns(struct timespec t) { return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec; }
static int64_t now(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return ns(t);
}

static volatile unsigned long sink;
static void burn(long iters)
{
    for (long i = 0; i < iters; i++)
        sink += i * i;
}

int main(void)
{
    /* monotonic */
    int64_t prev = now(CLOCK_MONOTONIC), back = 0;
    for (int i = 0; i < 10000; i++) {
        int64_t t = now(CLOCK_MONOTONIC);
        if (t < prev)
            back++;
        prev = t;
    }
    CHECK(back == 0, "CLOCK_MONOTONIC: 10000 reads never went backwards");

    struct timespec rt;
    CHECK(clock_gettime(CLOCK_REALTIME, &rt) == 0 && rt.tv_sec > 1577836800 && rt.tv_sec < 4102444800LL && rt.tv_nsec >= 0 && rt.tv_nsec < 1000000000,
          "CLOCK_REALTIME between 2020 and 2100, tv_nsec in range");
    time_t tt = time(NULL);
    /* time() may use a coarse clock (one tick behind): allow 1s either way */
    CHECK(tt - rt.tv_sec >= -1 && tt - rt.tv_sec <= 1, "time() agrees with CLOCK_REALTIME");
    struct timeval tv;
    gettimeofday(&tv, NULL);
    int64_t diff = (int64_t)tv.tv_sec * 1000000 + tv.tv_usec - ns(rt) / 1000;
    CHECK(diff >= 0 && diff < 1000000 && tv.tv_usec >= 0 && tv.tv_usec < 1000000, "gettimeofday within 1s of CLOCK_REALTIME");

    static const struct { clockid_t id; const char *name; } clocks[] = {
        { CLOCK_REALTIME, "REALTIME" }, { CLOCK_MONOTONIC, "MONOTONIC" }, { CLOCK_MONOTONIC_RAW, "MONOTONIC_RAW" },
        { CLOCK_BOOTTIME, "BOOTTIME" }, { CLOCK_PROCESS_CPUTIME_ID, "PROCESS_CPUTIME_ID" }, { CLOCK_THREAD_CPUTIME_ID, "THREAD_CPUTIME_ID" },
        { CLOCK_REALTIME_COARSE, "REALTIME_COARSE" }, { CLOCK_MONOTONIC_COARSE, "MONOTONIC_COARSE" },
    };
    for (size_t i = 0; i < sizeof clocks / sizeof *clocks; i++) {
        struct timespec res = { -1, -1 }, t = { -1, -1 };
        int r1 = clock_getres(clocks[i].id, &res), r2 = clock_gettime(clocks[i].id, &t);
        int limit = strstr(clocks[i].name, "COARSE") ? 100000000 : 1000000;
        CHECK(r1 == 0 && r2 == 0 && res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= limit && t.tv_sec >= 0,
              "clock %-18s gettime ok, resolution in (0, %s]", clocks[i].name, limit == 1000000 ? "1ms" : "100ms");
    }
    int64_t m = now(CLOCK_MONOTONIC), bt = now(CLOCK_BOOTTIME);
    CHECK(bt >= m - 1000000, "BOOTTIME >= MONOTONIC");

    /* CPU time */
    int64_t p0 = now(CLOCK_PROCESS_CPUTIME_ID), t0 = now(CLOCK_THREAD_CPUTIME_ID);
    clock_t c0 = clock();
    struct tms tm0, tm1;
    clock_t tk0 = times(&tm0);
    burn(3000000);
    int64_t p1 = now(CLOCK_PROCESS_CPUTIME_ID), t1 = now(CLOCK_THREAD_CPUTIME_ID);
    clock_t c1 = clock();
    clock_t tk1 = times(&tm1);
    CHECK(p1 > p0 && t1 > t0, "process and thread CPU clocks advanced during a busy loop");
    CHECK(c0 != (clock_t)-1 && c1 >= c0, "clock() works and does not decrease");
    CHECK(tk0 != (clock_t)-1 && tk1 >= tk0 && tm1.tms_utime + tm1.tms_stime >= tm0.tms_utime + tm0.tms_stime, "times() works, user+sys time does not decrease");
    CHECK(sysconf(_SC_CLK_TCK) == 100, "sysconf(_SC_CLK_TCK) = %ld", sysconf(_SC_CLK_TCK));

    /* sleeping */
    int64_t s0 = now(CLOCK_MONOTONIC);
    struct timespec req = { 0, 10 * 1000000 }, rem = { 9, 9 };
    int r = nanosleep(&req, &rem);
    int64_t el = now(CLOCK_MONOTONIC) - s0;
    CHECK(r == 0 && el >= 10000000, "nanosleep(10ms) returned 0 after >= 10ms");
    s0 = now(CLOCK_MONOTONIC);
    r = clock_nanosleep(CLOCK_MONOTONIC, 0, &(struct timespec){ 0, 15 * 1000000 }, NULL);
    el = now(CLOCK_MONOTONIC) - s0;
    CHECK(r == 0 && el >= 15000000, "clock_nanosleep(MONOTONIC, relative 15ms) slept >= 15ms");
    struct timespec target;
    clock_gettime(CLOCK_MONOTONIC, &target);
    target.tv_nsec += 20 * 1000000;
    if (target.tv_nsec >= 1000000000) {
        target.tv_sec++;
        target.tv_nsec -= 1000000000;
    }
    r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &target, NULL);
    CHECK(r == 0 && now(CLOCK_MONOTONIC) >= ns(target), "clock_nanosleep(TIMER_ABSTIME, now+20ms) woke at or after the target");
    clock_gettime(CLOCK_REALTIME, &target);
    target.tv_sec -= 1;
    r = clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &target, NULL);
    CHECK(r == 0, "clock_nanosleep(REALTIME, TIMER_ABSTIME, past) returns at once");
    CHECK(usleep(1000) == 0, "usleep(1000)");
    errno = 0;
    CHECK(nanosleep(&(struct timespec){ 0, 1000000000 }, NULL) == -1 && errno == EINVAL, "nanosleep with tv_nsec = 1e9 -> EINVAL");
    r = clock_nanosleep(CLOCK_MONOTONIC, 0, &(struct timespec){ 0, -1 }, NULL);
    CHECK(r == EINVAL, "clock_nanosleep with tv_nsec = -1 returns EINVAL");
    struct timespec bad;
    errno = 0;
    CHECK(clock_gettime((clockid_t)12345, &bad) == -1 && errno == EINVAL, "clock_gettime(bad clock) -> EINVAL");

    /* calendar, with TZ from time.env */
    const char *tz = getenv("TZ");
    printf("     TZ=%s\n", tz ? tz : "<unset>");
    tzset();
    static const time_t stamps[] = { 0, 951782400 /* 2000-02-29 */, 1700000000, 1719792000 /* summer */, 2147483647, 4102444800LL };
    for (size_t i = 0; i < sizeof stamps / sizeof *stamps; i++) {
        struct tm g, l;
        char gb[64], lb[64];
        gmtime_r(&stamps[i], &g);
        localtime_r(&stamps[i], &l);
        strftime(gb, sizeof gb, "%Y-%m-%d %H:%M:%S %a yday=%j", &g);
        strftime(lb, sizeof lb, "%Y-%m-%d %H:%M:%S %Z", &l);
        printf("     %10lld  UTC %s | local %s dst=%d\n", (long long)stamps[i], gb, lb, l.tm_isdst > 0);
        struct tm copy = l;
        copy.tm_isdst = -1;
        CHECK(mktime(&copy) == stamps[i] && timegm(&g) == stamps[i], "mktime(localtime) and timegm(gmtime) round-trip %lld", (long long)stamps[i]);
    }
    struct tm parts = { .tm_year = 124, .tm_mon = 1, .tm_mday = 30, .tm_hour = 12 }; /* Feb 30 2024 -> Mar 1 */
    time_t norm = timegm(&parts);
    CHECK(parts.tm_mon == 2 && parts.tm_mday == 1 && norm == 1709294400, "timegm normalizes 2024-02-30 to 2024-03-01 (%lld)", (long long)norm);
    char buf[64];
    struct tm g;
    time_t t1700 = 1700000000;
    gmtime_r(&t1700, &g);
    strftime(buf, sizeof buf, "%A %B %d %Y week %U %I%p", &g);
    printf("     strftime: %s\n", buf);

    printf("time: %d failures\n", failures);
    return failures ? 1 : 0;
}
