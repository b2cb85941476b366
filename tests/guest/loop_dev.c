/* loop_dev.c — loop block devices: a free device from /dev/loop-control, a file
 * bound to it, reads and writes through it with an offset and a size limit, the
 * status round trip (old and 64-bit structures, LOOP_CONFIGURE), block ioctls,
 * read-only devices, block sizes, capacity, clear, add and remove, and the errors
 * of each. Needs root, and refuses to run outside grantix (exit 77): under
 * qemu-user as root it would take the host's loop devices. Prints no device number
 * or path. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>
#include <stdint.h>

/* linux/loop.h and linux/fs.h (musl ships no kernel headers). */
#define LO_NAME_SIZE 64
#define LO_KEY_SIZE 32
struct loop_info {
    int lo_number;
    unsigned int lo_device;
    unsigned long lo_inode;
    unsigned int lo_rdevice;
    int lo_offset;
    int lo_encrypt_type;
    int lo_encrypt_key_size;
    int lo_flags;
    char lo_name[LO_NAME_SIZE];
    unsigned char lo_encrypt_key[LO_KEY_SIZE];
    unsigned long lo_init[2];
    char reserved[4];
};
struct loop_info64 {
    uint64_t lo_device, lo_inode, lo_rdevice, lo_offset, lo_sizelimit;
    uint32_t lo_number, lo_encrypt_type, lo_encrypt_key_size, lo_flags;
    uint8_t lo_file_name[LO_NAME_SIZE];
    uint8_t lo_crypt_name[LO_NAME_SIZE];
    uint8_t lo_encrypt_key[LO_KEY_SIZE];
    uint64_t lo_init[2];
};
struct loop_config {
    uint32_t fd;
    uint32_t block_size;
    struct loop_info64 info;
    uint64_t reserved[8];
};
#define LO_FLAGS_READ_ONLY 1
#define LO_FLAGS_AUTOCLEAR 4
#define LO_FLAGS_PARTSCAN 8
#define LO_FLAGS_DIRECT_IO 16
#define LOOP_SET_FD 0x4C00
#define LOOP_CLR_FD 0x4C01
#define LOOP_SET_STATUS 0x4C02
#define LOOP_GET_STATUS 0x4C03
#define LOOP_SET_STATUS64 0x4C04
#define LOOP_GET_STATUS64 0x4C05
#define LOOP_CHANGE_FD 0x4C06
#define LOOP_SET_CAPACITY 0x4C07
#define LOOP_SET_DIRECT_IO 0x4C08
#define LOOP_SET_BLOCK_SIZE 0x4C09
#define LOOP_CONFIGURE 0x4C0A
#define LOOP_CTL_ADD 0x4C80
#define LOOP_CTL_REMOVE 0x4C81
#define LOOP_CTL_GET_FREE 0x4C82
/* glibc's sys/mount.h has some of these; musl's has none */
#ifndef BLKROSET
#define BLKROSET 0x125d
#endif
#ifndef BLKROGET
#define BLKROGET 0x125e
#endif
#ifndef BLKGETSIZE
#define BLKGETSIZE 0x1260
#endif
#ifndef BLKFLSBUF
#define BLKFLSBUF 0x1261
#endif
#ifndef BLKSSZGET
#define BLKSSZGET 0x1268
#endif
#ifndef BLKDISCARD
#define BLKDISCARD 0x1277
#endif
#ifndef BLKPBSZGET
#define BLKPBSZGET 0x127b
#endif
#ifndef BLKGETSIZE64
#define BLKGETSIZE64 0x80081272
#endif

static int fails;

static void check(const char *what, int ok)
{
    printf("%s %s\n", ok ? "ok" : "FAIL", what);
    if (!ok)
        fails++;
}

/* A call expected to fail with errno `e`. */
static void fails_with(const char *what, long r, int e)
{
    int got = errno;
    printf("%s %s\n", r == -1 && got == e ? "ok" : "FAIL", what);
    if (!(r == -1 && got == e)) {
        printf("  (got %ld errno %d, want errno %d)\n", r, got, e);
        fails++;
    }
}

static char devpath[64], sysdir[64], img[128], img2[128], img3[128];

/* The first line of a sysfs file of the device, or "" */
static const char *sysread(const char *rel)
{
    static char buf[512];
    char p[160];
    snprintf(p, sizeof p, "%s/%s", sysdir, rel);
    buf[0] = 0;
    int fd = open(p, O_RDONLY);
    if (fd < 0)
        return "";
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    buf[n > 0 ? n : 0] = 0;
    char *nl = strchr(buf, '\n');
    if (nl)
        *nl = 0;
    return buf;
}

static long sysnum(const char *rel)
{
    const char *s = sysread(rel);
    return *s ? atol(s) : -1;
}

static void make_file(const char *p, size_t len)
{
    int fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0600);
    char *b = malloc(len);
    for (size_t i = 0; i < len; i++)
        b[i] = (char)(i * 7 % 251);
    write(fd, b, len);
    free(b);
    close(fd);
}

static int pattern_at(const unsigned char *b, size_t n, size_t at)
{
    for (size_t i = 0; i < n; i++)
        if (b[i] != (unsigned char)((at + i) * 7 % 251))
            return 0;
    return 1;
}

static int in_dir(const char *dir, const char *name)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int found = 0;
    if (!d)
        return 0;
    while ((e = readdir(d)))
        if (!strcmp(e->d_name, name))
            found = 1;
    closedir(d);
    return found;
}

int main(void)
{
    struct utsname u;
    if (uname(&u) != 0 || !strstr(u.release, "grantix")) {
        printf("loop_dev: refusing to run outside grantix\n");
        return 77;
    }
    if (geteuid() != 0) {
        printf("needs root\n");
        return 0;
    }
    /* a directory of its own: the corpus runs this program under several
     * configurations at once, each as the same pid */
    static char base[] = "/tmp/loop_dev_XXXXXX";
    if (!mkdtemp(base))
        return 2;
    snprintf(img, sizeof img, "%s/img", base);
    snprintf(img2, sizeof img2, "%s/img2", base);
    snprintf(img3, sizeof img3, "%s/img3", base);
    make_file(img, 65536);
    make_file(img2, 65536);
    make_file(img3, 32768);

    int ctl = open("/dev/loop-control", O_RDWR);
    check("open /dev/loop-control", ctl >= 0);
    struct stat st;
    check("loop-control is char 10:237", stat("/dev/loop-control", &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 10 && minor(st.st_rdev) == 237);
    int n = ioctl(ctl, LOOP_CTL_GET_FREE);
    check("LOOP_CTL_GET_FREE", n >= 0);
    snprintf(devpath, sizeof devpath, "/dev/loop%d", n);
    snprintf(sysdir, sizeof sysdir, "/sys/block/loop%d", n);
    check("device is block 7:N", stat(devpath, &st) == 0 && S_ISBLK(st.st_mode) && major(st.st_rdev) == 7 && (int)minor(st.st_rdev) == n);
    check("device listed in /dev", in_dir("/dev", devpath + 5));
    check("device listed in /sys/block", in_dir("/sys/block", devpath + 5));
    fails_with("LOOP_CTL_ADD of an existing index", ioctl(ctl, LOOP_CTL_ADD, n), EEXIST);
    fails_with("LOOP_CTL_REMOVE -1", ioctl(ctl, LOOP_CTL_REMOVE, -1), EINVAL);
    fails_with("unknown loop-control request", ioctl(ctl, 0x4C8F, 0), ENOSYS);

    int dev = open(devpath, O_RDWR);
    check("open device", dev >= 0);
    struct loop_info64 i64;
    struct loop_info i32;
    fails_with("GET_STATUS64 unbound", ioctl(dev, LOOP_GET_STATUS64, &i64), ENXIO);
    fails_with("LOOP_CLR_FD unbound", ioctl(dev, LOOP_CLR_FD, 0), ENXIO);
    fails_with("SET_STATUS64 unbound", ioctl(dev, LOOP_SET_STATUS64, &i64), ENXIO);
    fails_with("LOOP_SET_CAPACITY unbound", ioctl(dev, LOOP_SET_CAPACITY, 0), ENXIO);
    uint64_t size = 1;
    check("BLKGETSIZE64 unbound is 0", ioctl(dev, BLKGETSIZE64, &size) == 0 && size == 0);
    char buf[256];
    check("read unbound gives 0", read(dev, buf, 16) == 0);

    fails_with("LOOP_SET_FD bad fd", ioctl(dev, LOOP_SET_FD, 999), EBADF);
    int p[2];
    pipe(p);
    fails_with("LOOP_SET_FD pipe", ioctl(dev, LOOP_SET_FD, p[0]), EINVAL);
    close(p[0]);
    close(p[1]);
    int f = open(img, O_RDWR);
    check("LOOP_SET_FD", ioctl(dev, LOOP_SET_FD, f) == 0);
    fails_with("LOOP_SET_FD again", ioctl(dev, LOOP_SET_FD, f), EBUSY);
    check("BLKGETSIZE64 is the file size", ioctl(dev, BLKGETSIZE64, &size) == 0 && size == 65536);
    unsigned long sectors = 0;
    check("BLKGETSIZE in sectors", ioctl(dev, BLKGETSIZE, &sectors) == 0 && sectors == 128);
    int bs = 0;
    check("BLKSSZGET 512", ioctl(dev, BLKSSZGET, &bs) == 0 && bs == 512);
    check("sysfs size", sysnum("size") == 128);
    check("sysfs ro 0", sysnum("ro") == 0);
    check("sysfs backing_file", strcmp(sysread("loop/backing_file"), img) == 0);
    check("lseek SEEK_END is the size", lseek(dev, 0, SEEK_END) == 65536);
    fails_with("lseek past the end", lseek(dev, 65537, SEEK_SET), EINVAL);
    unsigned char rb[64];
    check("pread through the device", pread(dev, rb, 40, 1000) == 40 && pattern_at(rb, 40, 1000));
    lseek(dev, 2000, SEEK_SET);
    check("read at the offset", read(dev, rb, 10) == 10 && pattern_at(rb, 10, 2000) && lseek(dev, 0, SEEK_CUR) == 2010);
    check("pwrite across the end is short", pwrite(dev, "abcdefghijklmnopqrst", 20, 65530) == 6);
    fails_with("pwrite at the end", pwrite(dev, "x", 1, 65536), ENOSPC);
    check("pread at the end gives 0", pread(dev, rb, 10, 65536) == 0);
    check("fsync device", fsync(dev) == 0);
    check("written bytes in the file", pread(f, rb, 6, 65530) == 6 && memcmp(rb, "abcdef", 6) == 0);

    memset(&i64, 0, sizeof i64);
    i64.lo_offset = 4096;
    i64.lo_sizelimit = 8192;
    strcpy((char *)i64.lo_file_name, "backing");
    check("SET_STATUS64 offset and sizelimit", ioctl(dev, LOOP_SET_STATUS64, &i64) == 0);
    memset(&i64, 0xff, sizeof i64);
    check("GET_STATUS64", ioctl(dev, LOOP_GET_STATUS64, &i64) == 0);
    check("status offset, sizelimit, number, flags, name", i64.lo_offset == 4096 && i64.lo_sizelimit == 8192 && (int)i64.lo_number == n && i64.lo_flags == 0 && !strcmp((char *)i64.lo_file_name, "backing"));
    struct stat fst;
    fstat(f, &fst);
    check("status inode is the file's", i64.lo_inode == fst.st_ino && i64.lo_device == fst.st_dev);
    check("size follows sizelimit", ioctl(dev, BLKGETSIZE64, &size) == 0 && size == 8192);
    check("sysfs offset and sizelimit", sysnum("loop/offset") == 4096 && sysnum("loop/sizelimit") == 8192 && sysnum("size") == 16);
    check("pread honours the offset", pread(dev, rb, 32, 0) == 32 && pattern_at(rb, 32, 4096));
    check("pwrite honours the offset", pwrite(dev, "hello", 5, 0) == 5 && fsync(dev) == 0 && pread(f, rb, 5, 4096) == 5 && memcmp(rb, "hello", 5) == 0);
    fails_with("pwrite past the sizelimit", pwrite(dev, "x", 1, 8192), ENOSPC);
    i64.lo_encrypt_type = 1;
    fails_with("SET_STATUS64 with encryption", ioctl(dev, LOOP_SET_STATUS64, &i64), EINVAL);

    memset(&i32, 0, sizeof i32);
    i32.lo_offset = 512;
    i32.lo_flags = LO_FLAGS_AUTOCLEAR | LO_FLAGS_READ_ONLY | LO_FLAGS_DIRECT_IO;
    check("SET_STATUS (old) with flags", ioctl(dev, LOOP_SET_STATUS, &i32) == 0);
    memset(&i32, 0, sizeof i32);
    check("GET_STATUS (old): only autoclear set", ioctl(dev, LOOP_GET_STATUS, &i32) == 0 && i32.lo_flags == LO_FLAGS_AUTOCLEAR && i32.lo_offset == 512 && i32.lo_number == n);
    check("old status has no sizelimit", ioctl(dev, BLKGETSIZE64, &size) == 0 && size == 65536 - 512);
    check("sysfs autoclear 1", sysnum("loop/autoclear") == 1);
    i32.lo_flags = 0;
    i32.lo_offset = 0;
    check("autoclear can be cleared", ioctl(dev, LOOP_SET_STATUS, &i32) == 0 && ioctl(dev, LOOP_GET_STATUS, &i32) == 0 && i32.lo_flags == 0 && sysnum("loop/autoclear") == 0);

    fails_with("SET_BLOCK_SIZE 256", ioctl(dev, LOOP_SET_BLOCK_SIZE, 256), EINVAL);
    fails_with("SET_BLOCK_SIZE 3000", ioctl(dev, LOOP_SET_BLOCK_SIZE, 3000), EINVAL);
    fails_with("SET_BLOCK_SIZE 1M", ioctl(dev, LOOP_SET_BLOCK_SIZE, 1 << 20), EINVAL);
    check("SET_BLOCK_SIZE 1024", ioctl(dev, LOOP_SET_BLOCK_SIZE, 1024) == 0 && ioctl(dev, BLKSSZGET, &bs) == 0 && bs == 1024);
    check("sysfs logical_block_size", sysnum("queue/logical_block_size") == 1024);
    unsigned pbs = 0;
    check("BLKPBSZGET", ioctl(dev, BLKPBSZGET, &pbs) == 0 && pbs == 1024);
    check("SET_BLOCK_SIZE back to 512", ioctl(dev, LOOP_SET_BLOCK_SIZE, 512) == 0);

    i32.lo_offset = 256;
    ioctl(dev, LOOP_SET_STATUS, &i32);
    fails_with("SET_DIRECT_IO with an unaligned offset", ioctl(dev, LOOP_SET_DIRECT_IO, 1), EINVAL);
    check("SET_DIRECT_IO 0", ioctl(dev, LOOP_SET_DIRECT_IO, 0) == 0 && sysnum("loop/dio") == 0);
    i32.lo_offset = 0;
    ioctl(dev, LOOP_SET_STATUS, &i32);

    ftruncate(f, 32768);
    check("size stays until SET_CAPACITY", ioctl(dev, BLKGETSIZE64, &size) == 0 && size == 65536);
    check("SET_CAPACITY", ioctl(dev, LOOP_SET_CAPACITY, 0) == 0 && ioctl(dev, BLKGETSIZE64, &size) == 0 && size == 32768);
    lseek(dev, 0, SEEK_SET);
    char big[40000];
    memset(big, 'z', sizeof big);
    check("write is cut at the new size", write(dev, big, sizeof big) == 32768);

    int ro = -1;
    check("BLKROGET 0", ioctl(dev, BLKROGET, &ro) == 0 && ro == 0);
    int one = 1, zero = 0;
    check("BLKROSET 1", ioctl(dev, BLKROSET, &one) == 0 && ioctl(dev, BLKROGET, &ro) == 0 && ro == 1);
    fails_with("write to a BLKROSET device", pwrite(dev, "x", 1, 0), EPERM);
    check("BLKROSET 0", ioctl(dev, BLKROSET, &zero) == 0 && pwrite(dev, "x", 1, 0) == 1);
    check("BLKFLSBUF", ioctl(dev, BLKFLSBUF, 0) == 0);
    uint64_t range[2] = {0, 4096};
    check("BLKDISCARD reads back zeros", ioctl(dev, BLKDISCARD, range) == 0 && pread(dev, rb, 16, 0) == 16 && rb[0] == 0 && rb[15] == 0);
    range[0] = 100;
    fails_with("BLKDISCARD unaligned", ioctl(dev, BLKDISCARD, range), EINVAL);
    int f2 = open(img2, O_RDWR);
    fails_with("LOOP_CHANGE_FD on a writable device", ioctl(dev, LOOP_CHANGE_FD, f2), EINVAL);
    fails_with("LOOP_CTL_REMOVE of a bound device", ioctl(ctl, LOOP_CTL_REMOVE, n), EBUSY);

    /* A second opener: clearing only marks the device for autoclear. */
    int dev2 = open(devpath, O_RDONLY);
    check("LOOP_CLR_FD with two openers", ioctl(dev, LOOP_CLR_FD, 0) == 0 && ioctl(dev, LOOP_GET_STATUS64, &i64) == 0 && (i64.lo_flags & LO_FLAGS_AUTOCLEAR));
    close(dev2);
    close(dev);
    dev = open(devpath, O_RDWR);
    fails_with("cleared at the last close", ioctl(dev, LOOP_GET_STATUS64, &i64), ENXIO);

    /* Read-only: a file opened O_RDONLY. */
    int fr = open(img2, O_RDONLY);
    check("LOOP_SET_FD read-only file", ioctl(dev, LOOP_SET_FD, fr) == 0);
    check("read-only flag", ioctl(dev, LOOP_GET_STATUS64, &i64) == 0 && i64.lo_flags == LO_FLAGS_READ_ONLY);
    check("sysfs ro 1", sysnum("ro") == 1 && ioctl(dev, BLKROGET, &ro) == 0 && ro == 1);
    fails_with("write to a read-only device", write(dev, "xx", 2), EPERM);
    int dev3 = open(devpath, O_RDWR);
    check("open O_RDWR of a read-only device", dev3 >= 0);
    close(dev3);
    fails_with("LOOP_CHANGE_FD to another size", ioctl(dev, LOOP_CHANGE_FD, open(img3, O_RDWR)), EINVAL);
    check("LOOP_CHANGE_FD same size", ioctl(dev, LOOP_CHANGE_FD, open(img2, O_RDONLY)) == 0 && strcmp(sysread("loop/backing_file"), img2) == 0);
    check("LOOP_CLR_FD", ioctl(dev, LOOP_CLR_FD, 0) == 0);
    fails_with("LOOP_CLR_FD twice", ioctl(dev, LOOP_CLR_FD, 0), ENXIO);
    fails_with("open during rundown", open(devpath, O_RDONLY), ENXIO);
    close(dev);

    /* LOOP_CONFIGURE: a read-only flag, a block size and a size limit. */
    dev = open(devpath, O_RDWR);
    struct loop_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.fd = -1;
    fails_with("LOOP_CONFIGURE bad fd", ioctl(dev, LOOP_CONFIGURE, &cfg), EBADF);
    cfg.fd = f2;
    cfg.block_size = 300;
    fails_with("LOOP_CONFIGURE bad block size", ioctl(dev, LOOP_CONFIGURE, &cfg), EINVAL);
    cfg.block_size = 1024;
    cfg.info.lo_flags = LO_FLAGS_READ_ONLY;
    cfg.info.lo_sizelimit = 16384;
    check("LOOP_CONFIGURE", ioctl(dev, LOOP_CONFIGURE, &cfg) == 0);
    check("configured read-only, block size, size", ioctl(dev, LOOP_GET_STATUS64, &i64) == 0 && (i64.lo_flags & LO_FLAGS_READ_ONLY) && ioctl(dev, BLKSSZGET, &bs) == 0 && bs == 1024 && ioctl(dev, BLKGETSIZE64, &size) == 0 && size == 16384);
    check("pread configured device", pread(dev, rb, 16, 100) == 16 && pattern_at(rb, 16, 100));
    fails_with("LOOP_CONFIGURE on a bound device", ioctl(dev, LOOP_CONFIGURE, &cfg), EBUSY);
    check("clear", ioctl(dev, LOOP_CLR_FD, 0) == 0);
    close(dev);

    /* A device of its own: added and removed. */
    int m = ioctl(ctl, LOOP_CTL_ADD, -1);
    check("LOOP_CTL_ADD -1", m >= 0 && m != n);
    char mp[64];
    snprintf(mp, sizeof mp, "/dev/loop%d", m);
    check("added device exists", stat(mp, &st) == 0 && S_ISBLK(st.st_mode));
    int md = open(mp, O_RDWR);
    fails_with("write to an unbound device", write(md, "x", 1), ENOSPC);
    check("read of an unbound device gives 0", read(md, buf, 16) == 0);
    fails_with("LOOP_CTL_REMOVE of an open device", ioctl(ctl, LOOP_CTL_REMOVE, m), EBUSY);
    close(md);
    check("LOOP_CTL_REMOVE", ioctl(ctl, LOOP_CTL_REMOVE, m) == 0);
    fails_with("LOOP_CTL_REMOVE again", ioctl(ctl, LOOP_CTL_REMOVE, m), ENODEV);

    /* No file system type of that name: ENODEV, whatever the source. */
    char dir[64];
    snprintf(dir, sizeof dir, "%s/d", base);
    mkdir(dir, 0700);
    fails_with("mount of an unknown file system type", mount(devpath, dir, "grantixnofs", 0, NULL), ENODEV);
    rmdir(dir);

    /* Without root: the nodes are not the caller's. */
    pid_t c = fork();
    if (c == 0) {
        setgroups(0, NULL);
        if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000))
            _exit(2);
        int r = open("/dev/loop-control", O_RDWR);
        _exit(r < 0 && errno == EACCES ? 0 : 1);
    }
    int status = 0;
    waitpid(c, &status, 0);
    check("loop-control refused without root (EACCES)", WIFEXITED(status) && WEXITSTATUS(status) == 0);

    close(ctl);
    close(f);
    close(f2);
    close(fr);
    unlink(img);
    unlink(img2);
    unlink(img3);
    rmdir(base);
    printf("%s\n", fails ? "FAILURES" : "all ok");
    return 0;
}
