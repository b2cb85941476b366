//! The kernel configuration at /boot/config-RELEASE, where distributions install
//! theirs: what grantix has as `CONFIG_X=y`, what it lacks as `# CONFIG_X is not set`.
//!
//! Test suites read it to skip what the kernel was built without (the Linux Test
//! Project's `needs_kconfigs`). Not /proc/config.gz: its readers inflate it through
//! `popen("zcat")`, which needs a shell the guest may not be able to run.

use crate::proc::uts::RELEASE;

/// Whether `g` (a guest path) is the configuration file.
pub fn is_path(g: &str) -> bool {
    g.strip_prefix("/boot/config-").is_some_and(|r| r == RELEASE)
}

/// The configuration's text. BSD_PROCESS_ACCT: acct(2) is there with Linux's checks
/// (it writes no records). Off because grantix lacks them: DNOTIFY (fcntl F_NOTIFY),
/// TIME_NS (unshare and clone3 refuse CLONE_NEWTIME).
pub fn text() -> String {
    const ON: &[&str] = &[
        "64BIT", "RISCV", "MMU", "MULTIUSER", "SYSVIPC", "SYSVIPC_SYSCTL", "POSIX_MQUEUE", "POSIX_MQUEUE_SYSCTL", "FUTEX", "FUTEX_PI", "EPOLL", "SIGNALFD",
        "TIMERFD", "EVENTFD", "SHMEM", "TMPFS", "MEMFD_CREATE", "INOTIFY_USER", "PROC_FS", "PROC_SYSCTL", "PROC_PAGE_MONITOR", "POSIX_TIMERS",
        "HIGH_RES_TIMERS", "ADVISE_SYSCALLS", "CROSS_MEMORY_ATTACH", "KCMP", "CHECKPOINT_RESTORE", "FILE_LOCKING", "NET", "UNIX", "INET", "IPV6",
        "BINFMT_ELF", "BSD_PROCESS_ACCT", "SYSCTL", "TTY", "AIO", "BLOCK", "BLK_DEV", "BLK_DEV_LOOP", "FHANDLE", "RSEQ", "SYSFS",
    ];
    const OFF: &[&str] = &[
        "SMP", "MODULES", "SWAP", "NAMESPACES", "USER_NS", "PID_NS", "NET_NS", "UTS_NS", "IPC_NS", "CGROUPS", "SECCOMP", "BPF_SYSCALL", "USERFAULTFD",
        "FANOTIFY", "IO_URING", "KEXEC", "PERF_EVENTS", "EXT2_FS", "EXT4_FS", "XFS_FS", "BTRFS_FS", "DEVPTS_MULTIPLE_INSTANCES", "QUOTA", "KEYS",
        "AUDIT", "MEM_SOFT_DIRTY", "HUGETLBFS", "TRANSPARENT_HUGEPAGE", "NUMA", "TMPFS_XATTR", "TMPFS_POSIX_ACL", "FS_POSIX_ACL", "SECURITY",
        "PROFILING", "FTRACE", "BSD_PROCESS_ACCT_V3", "DNOTIFY", "TIME_NS", "KPROBES", "MAGIC_SYSRQ", "COREDUMP", "RELAY", "ZRAM", "UNIX98_PTYS", "IKCONFIG", "IKCONFIG_PROC", "KASAN",
        "PROVE_LOCKING", "DEBUG_KMEMLEAK",
    ];
    let mut s = format!("#\n# Automatically generated file; DO NOT EDIT.\n# Linux/riscv {RELEASE} Kernel Configuration\n#\nCONFIG_LOCALVERSION=\"-grantix\"\nCONFIG_HZ=100\nCONFIG_PAGE_SHIFT=12\nCONFIG_NR_CPUS=1\n");
    for o in ON {
        s.push_str(&format!("CONFIG_{o}=y\n"));
    }
    for o in OFF {
        s.push_str(&format!("# CONFIG_{o} is not set\n"));
    }
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_path_names_this_release_and_the_text_says_what_is_there() {
        assert!(super::is_path(&format!("/boot/config-{}", super::RELEASE)));
        assert!(!super::is_path("/boot/config-6.1.0"));
        let t = super::text();
        assert!(t.contains("CONFIG_SYSVIPC=y\n") && t.contains("# CONFIG_MODULES is not set\n"));
        assert!(!t.contains("CONFIG_IKCONFIG_PROC=y"));
        assert!(t.contains("CONFIG_BSD_PROCESS_ACCT=y\n") && t.contains("# CONFIG_TIME_NS is not set\n"));
    }
}
