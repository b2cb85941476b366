//! Dynamically linked programs, as riscv64 distributions ship them: every corpus program
//! (tests/guest) built WITHOUT -static by the cross compiler runs with `grantix -L
//! /usr/riscv64-linux-gnu PROG` under both configurations; its output and status must be
//! the golden ones, and where qemu-riscv64 is installed, the same as `qemu-riscv64 -L
//! /usr/riscv64-linux-gnu PROG`.
//!
//! Golden files for the dynamic build live in tests/dropin/dynamic/ where the program
//! checks something only a static executable has (env_auxv: AT_BASE is not 0 under an
//! interpreter), and bench_fp (the position-independent build contracts its
//! single-precision dot product into fused multiply-adds differently: qemu-riscv64 and
//! grantix agree on each build's result). `QEMU_DIFFERS` lists where qemu-riscv64 itself does not produce the
//! golden output, with the reason; there grantix is held to the golden file only.

#[path = "dropin/util.rs"]
mod util;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use util::*;

const PREFIX: &str = "/usr/riscv64-linux-gnu";

/// Programs whose qemu-riscv64 output is not the golden one, and why.
const QEMU_DIFFERS: &[(&str, &str)] = &[
    ("exec", "under qemu-user /proc/self/exe is qemu itself, so re-executing it fails"),
    ("code_write", "qemu-user's riscv_flush_icache accepts any flags; Linux gives EINVAL for flags other than LOCAL"),
    ("init_pid", "it checks grantix's kernel-held init (pid 1) and its first program (pid 2); under qemu-user it is a host process and stops at once"),
    ("clock_virtual", "it checks grantix's virtual clock (GRANTIX_CLOCK=virtual), which qemu-user does not have"),
    ("clone3", "qemu-riscv64 7.2 answers clone3 with ENOSYS"),
    ("abi_edges", "under qemu-user its 1 ns periodic POSIX timer is a host timer firing without pause: with the dynamic test's parallel runs loading the host, qemu-riscv64 did not finish in 120 s (run alone it gives the golden)"),
    ("proc_argchecks", "under qemu-user its threads are host threads: their nice value is the test runner's (10 under `nice cargo test`), where the golden (grantix's, and Linux's on an un-niced run) says 0"),
    ("statx_mount_root", "qemu-user's -L looks an absolute path up in the prefix first, so \"/\" opened with O_PATH is /usr/riscv64-linux-gnu, not a mount root"),
    ("clock_set", "it refuses to run outside grantix (qemu-user would set the host's clock)"),
    ("ipc_sysctl", "it refuses to run outside grantix: it writes /proc/sys knobs (msg_next_id, msgmni, shmmax, max_map_count), which under qemu-user are the host's"),
    ("creds", "its set-user-id exec needs a binfmt_misc entry for riscv64 that qemu-user lacks here"),
    ("openat2", "qemu 7.2 does not know openat2 (ENOSYS); the golden output is Linux 6.18's"),
    ("posix_mq", "mq_notify is ENOSYS under qemu-user"),
    ("sched_mlock", "mlock2 is ENOSYS under qemu-user"),
    ("signalfd", "qemu-user does not check signalfd4's sizemask"),
    ("vfork", "qemu-user runs vfork as fork: the parent is not suspended"),
    ("vm_kcmp", "process_vm_readv/writev are ENOSYS under qemu-user"),
    ("execveat", "qemu-riscv64 7.2 does not implement execveat"),
    ("futex2", "futex_wake, futex_wait, futex_requeue and futex_waitv are ENOSYS under qemu-riscv64 7.2"),
    ("mempolicy", "get_mempolicy, set_mempolicy and mbind are ENOSYS under qemu-user"),
    ("mm_calls", "remap_file_pages is ENOSYS under qemu-user"),
    ("mseal", "qemu-riscv64 7.2 does not know mseal (ENOSYS) and faults on the program's later checks"),
    ("oom_kill", "it checks the OOM killer under GRANTIX_MEM=64M; qemu-user has no memory limit, so no hog is ever chosen and the program waits for one"),
    ("procsys", "it checks grantix's /proc and /sys and refuses to run elsewhere"),
    ("sysadmin", "qemu-user refuses unshare of CLONE_THREAD or CLONE_VM alone and hands syslog to the host"),
    ("vfs_argchecks", "pwritev2 is ENOSYS under qemu-riscv64 7.2"),
    ("loop_dev", "it acquires loop devices and refuses to run outside grantix (under qemu-user as root they would be the host's)"),
    ("mount", "it mounts file systems and refuses to run outside grantix (qemu-user passes mount to the host)"),
    ("robust_futex", "qemu-user answers ENOSYS to set_robust_list/get_robust_list and the PI futex operations"),
    ("recvfrom_efault", "qemu-user's recvfrom ignores a failed copy of the source address (host_to_target_sockaddr): no EFAULT; Linux's move_addr_to_user gives it"),
];

struct Case {
    name: String,
    bin: String,
}

fn extra_flags(src: &Path) -> Vec<String> {
    let first = std::fs::read_to_string(src).unwrap_or_default().lines().next().unwrap_or("").to_string();
    match first.trim_start().strip_prefix("//").map(str::trim_start).and_then(|r| r.strip_prefix("build:")) {
        Some(rest) => rest.split_whitespace().map(String::from).collect(),
        None => Vec::new(),
    }
}

fn build_all() -> Vec<Case> {
    let mut srcs: Vec<PathBuf> = std::fs::read_dir(repo().join("tests/guest"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "c" || e == "cc"))
        .collect();
    srcs.sort();
    srcs.iter()
        .map(|src| {
            let name = src.file_stem().unwrap().to_string_lossy().into_owned();
            let mut flags: Vec<String> = vec!["-O2".into(), "-g0".into()];
            flags.extend(extra_flags(src));
            let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
            let bin = cross_compile(src, &format!("dyn/{name}"), &flags);
            Case { name, bin }
        })
        .collect()
}

/// Runs `runner args... PROG ARGS` as the corpus does (clean environment plus NAME.env,
/// NAME.args, NAME.stdin); returns (status, stdout).
fn run(runner: &[&str], c: &Case) -> (i32, Vec<u8>) {
    let g = repo().join("tests/guest");
    let args: Vec<String> = std::fs::read_to_string(g.join(format!("{}.args", c.name))).map(|s| s.lines().map(String::from).collect()).unwrap_or_default();
    let mut cmd = Command::new(runner[0]);
    cmd.args(&runner[1..]).arg(&c.bin).args(&args);
    cmd.env_clear().env("PATH", "/usr/bin:/bin").env("HOME", "/").current_dir(repo());
    if let Ok(envs) = std::fs::read_to_string(g.join(format!("{}.env", c.name))) {
        for l in envs.lines().filter(|l| !l.is_empty() && !l.starts_with('#')) {
            if let Some((k, v)) = l.split_once('=') {
                cmd.env(k, v);
            }
        }
    }
    let stdin = g.join(format!("{}.stdin", c.name));
    cmd.stdin(if stdin.exists() { Stdio::from(std::fs::File::open(&stdin).unwrap()) } else { Stdio::null() });
    match output_within(&mut cmd, std::time::Duration::from_secs(120)) {
        Ok(out) => (out.status.code().unwrap_or(-1), out.stdout),
        Err(e) => (-1, format!("{}: {e}\n", runner[0]).into_bytes()),
    }
}

fn golden(name: &str) -> (i32, Vec<u8>) {
    let own = repo().join("tests/dropin/dynamic");
    let dir = if own.join(format!("{name}.stdout")).exists() { own } else { repo().join("tests/guest") };
    let status = std::fs::read_to_string(dir.join(format!("{name}.status"))).unwrap().trim().parse().unwrap();
    (status, std::fs::read(dir.join(format!("{name}.stdout"))).unwrap())
}

fn first_difference(a: &[u8], b: &[u8]) -> String {
    let (a, b) = (String::from_utf8_lossy(a), String::from_utf8_lossy(b));
    match a.lines().zip(b.lines()).position(|(x, y)| x != y) {
        Some(i) => format!("line {}: {:?} vs {:?}", i + 1, a.lines().nth(i).unwrap_or(""), b.lines().nth(i).unwrap_or("")),
        None => format!("{} lines vs {}", a.lines().count(), b.lines().count()),
    }
}

#[test]
fn corpus_built_dynamic_runs_with_ld_prefix_as_under_qemu() {
    assert!(Path::new(PREFIX).join("lib/ld-linux-riscv64-lp64d.so.1").exists(), "{PREFIX} has no riscv64 glibc: run scripts/setup.sh");
    let cases = build_all();
    assert!(cases.len() >= 40, "the corpus is missing");
    let qemu = Command::new("qemu-riscv64").arg("-version").output().is_ok_and(|o| o.status.success());
    if !qemu {
        println!("qemu-riscv64 is not installed: comparing with the golden files only");
    }
    let grantix = env!("CARGO_BIN_EXE_grantix");
    let problems = Mutex::new(Vec::new());
    let next = Mutex::new(0usize);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let i = {
                    let mut n = next.lock().unwrap();
                    *n += 1;
                    *n - 1
                };
                let Some(c) = cases.get(i) else { break };
                let want = golden(&c.name);
                let reference = if qemu && !QEMU_DIFFERS.iter().any(|(n, _)| *n == c.name) {
                    let q = run(&["qemu-riscv64", "-L", PREFIX], c);
                    if q != want {
                        problems.lock().unwrap().push(format!("{}: qemu-riscv64 differs from the golden output ({}); list it in QEMU_DIFFERS with the reason", c.name, first_difference(&q.1, &want.1)));
                    }
                    Some(q)
                } else {
                    None
                };
                for cfg in CONFIGS {
                    let got = run(&[grantix, "-config", cfg, "-L", PREFIX], c);
                    if got != want {
                        problems.lock().unwrap().push(format!("{} {cfg}: status {} (want {}), {}", c.name, got.0, want.0, first_difference(&got.1, &want.1)));
                    }
                    if let Some(q) = &reference
                        && &got != q
                    {
                        problems.lock().unwrap().push(format!("{} {cfg}: differs from qemu-riscv64 -L", c.name));
                    }
                }
            });
        }
    });
    let problems = problems.into_inner().unwrap();
    println!("{} dynamic programs, both configurations: {} problems", cases.len(), problems.len());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn without_the_prefix_a_dynamic_program_is_refused_naming_the_way_out() {
    let bin = cross_compile(&repo().join("tests/guest/hello.c"), "dyn/hello", &["-O2", "-g0"]);
    // Not found on this host without -L (unless the host has a riscv64 ld.so in /lib).
    if Path::new("/lib/ld-linux-riscv64-lp64d.so.1").exists() {
        println!("the host has /lib/ld-linux-riscv64-lp64d.so.1: nothing to refuse");
        return;
    }
    let o = grantix(&[&bin], &[]);
    assert_eq!(o.status.code(), Some(127));
    assert!(stderr(&o).contains("-L PREFIX"), "{}", stderr(&o));
    // GRANTIX_LD_PREFIX is -L.
    for cfg in CONFIGS {
        let o = grantix(&["-config", cfg, &bin], &[("GRANTIX_LD_PREFIX", PREFIX)]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(stdout(&o).starts_with("hello from a riscv64 guest"));
        // And `run --ld-prefix`, the long form.
        let o = grantix(&["run", "--config", cfg, "--ld-prefix", PREFIX, &bin], &[]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
}

/// ld.so maps every library's text PROT_EXEC from the page cache: code runs from file
/// pages, and /proc/self/maps shows the libraries mapped.
#[test]
fn shared_libraries_are_file_mappings_the_program_executes() {
    let src = repo().join("tests/dropin/libmaps.c");
    let bin = cross_compile(&src, "dyn/libmaps", &["-O1"]);
    for cfg in CONFIGS {
        let o = grantix(&["-config", cfg, "-L", PREFIX, &bin], &[]);
        assert_eq!(o.status.code(), Some(0), "{cfg}: {}{}", stdout(&o), stderr(&o));
        let out = stdout(&o);
        assert!(out.contains("dlopen libm: cos(0)=1"), "{cfg}: {out}");
        assert!(out.contains("jit: 42"), "{cfg}: code written to an RWX mapping runs: {out}");
        assert!(out.contains("mprotect-exec: 7"), "{cfg}: code made executable with mprotect runs: {out}");
        assert!(out.contains("after munmap: SIGSEGV"), "{cfg}: unmapped code is gone: {out}");
    }
}

/// After fork each process has its own code mappings: a child that unloads a library
/// (libm, loaded with dlopen, not linked) leaves it to its parent.
#[test]
fn a_forked_child_unloading_a_library_leaves_it_to_its_parent() {
    let bin = cross_compile_with(&repo().join("tests/dropin/forkcode.c"), "dyn/forkcode", &["-O1"], &[]);
    for cfg in CONFIGS {
        let o = grantix(&["-config", cfg, "-L", PREFIX, &bin], &[]);
        assert_eq!(o.status.code(), Some(0), "{cfg}: {}", stderr(&o));
        assert_eq!(stdout(&o), "child exited 7\nparent: cos(0)=1\n", "{cfg}");
    }
}
