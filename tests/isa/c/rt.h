/* rt.h: the whole runtime of the C guest programs: raw write/exit ecalls and hex
 * output. Works the same under Linux and on the flat harness (which implements
 * write = 64 and exit = 93). Programs keep all writable data on the stack. */
#ifndef GX_RT_H
#define GX_RT_H

typedef unsigned long u64;
typedef long i64;
typedef unsigned int u32;
typedef int i32;

long sys_write(int fd, const void *buf, u64 len);
void sys_exit(int code) __attribute__((noreturn));

/* A buffered writer on the caller's stack. */
struct out {
    u64 n;
    char buf[2048];
};

void out_flush(struct out *o);
void out_char(struct out *o, char c);
void out_str(struct out *o, const char *s);
void out_hex(struct out *o, u64 v, int digits);
void out_dec(struct out *o, u64 v);

void *memset(void *d, int c, u64 n);
void *memcpy(void *d, const void *s, u64 n);

#endif
