//! The native sysroot end to end: scripts/build-sysroot.sh builds libgx, the libc shim
//! and the examples with riscv64-linux-gnu-gcc; each example runs under grantix in
//! both configurations and its output and counters are asserted.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

const CONFIGS: [&str; 2] = ["split", "monolithic"];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Builds the sysroot once per test run (a few seconds).
fn examples() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            // GRANTIX_SYSROOT_OUT builds elsewhere than the shared build/ (a worktree's own).
            let out = std::env::var_os("GRANTIX_SYSROOT_OUT").map_or_else(|| repo().join("build/sysroot"), PathBuf::from);
            let st = Command::new("bash").arg(repo().join("scripts/build-sysroot.sh")).arg(&out).stdin(Stdio::null()).status();
            assert!(matches!(st, Ok(s) if s.success()), "scripts/build-sysroot.sh failed ({st:?}): it needs riscv64-linux-gnu-gcc (scripts/setup.sh)");
            out.join("examples")
        })
        .clone()
}

struct Run {
    status: i32,
    stdout: String,
    stats: serde_json::Value,
}

fn run(config: &str, prog: &str, args: &[&str]) -> Run {
    let json = std::env::temp_dir().join(format!("grantix-sysroot-{}-{config}-{prog}-{}.json", std::process::id(), args.join("_").replace('/', "_")));
    let out = Command::new(env!("CARGO_BIN_EXE_grantix"))
        .args(["run", "--config", config, "--stats-json"])
        .arg(&json)
        .arg(examples().join(prog))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("grantix runs");
    let stats = serde_json::from_str(&std::fs::read_to_string(&json).unwrap_or_default()).unwrap_or(serde_json::Value::Null);
    let _ = std::fs::remove_file(&json);
    Run { status: out.status.code().unwrap_or(-1), stdout: String::from_utf8_lossy(&out.stdout).into_owned(), stats }
}

fn calls(r: &Run, syscall: &str) -> u64 {
    r.stats["syscalls"][syscall]["calls"].as_u64().unwrap_or(0)
}

/// The calls the shim replaces, as the personality counts them (glibc's fstat is
/// newfstatat, musl's fstat; open is openat).
const SHIMMED: [&str; 11] = ["write", "read", "openat", "close", "lseek", "newfstatat", "fstat", "mmap", "munmap", "clock_gettime", "getpid"];
/// One directory lookup per service the shim calls (vfs, proc, time, mm).
const LOOKUPS: u64 = 4;

#[test]
fn shim_output_identical_and_ecalls_gone() {
    let mut builds = vec![("shimdemo", "shimdemo-shim")];
    // musl, when build/musl-sysroot was there for the script (scripts/build-guests.sh).
    if examples().join("shimdemo-musl-shim").exists() {
        builds.push(("shimdemo-musl", "shimdemo-musl-shim"));
    }
    for (config, (p, s)) in CONFIGS.iter().flat_map(|c| builds.iter().map(move |b| (*c, *b))) {
        let file = |tag: &str| std::env::temp_dir().join(format!("grantix-shimdemo-{}-{config}-{tag}", std::process::id())).display().to_string();
        let (pf, sf) = (file(p), file(s));
        let plain = run(config, p, &[&pf]);
        let shim = run(config, s, &[&sf]);
        let config = format!("{config} {s}");
        assert_eq!(plain.status, 0, "{config}: {}", plain.stdout);
        assert_eq!(shim.status, 0, "{config}: {}", shim.stdout);
        assert!(plain.stdout.contains("shimdemo: bye") && plain.stdout.contains("456789ab"), "{config}: {}", plain.stdout);
        assert_eq!(plain.stdout, shim.stdout, "{config}: the shim changed the program's output");
        let replaced: u64 = SHIMMED.iter().map(|s| calls(&plain, s)).sum();
        for s in SHIMMED {
            assert_eq!(calls(&shim, s), 0, "{config}: {s} still went through ecall with the shim");
        }
        assert!(replaced >= 40, "{config}: the plain run made only {replaced} of the shimmed calls");
        assert_eq!(calls(&shim, "#28672"), LOOKUPS, "{config}: one gx_lookup per service");
        let ecalls = |r: &Run| r.stats["totals"]["ecalls"].as_u64().unwrap_or(0);
        assert_eq!(ecalls(&plain) - ecalls(&shim), replaced - LOOKUPS, "{config}: ecalls plain {} shim {}", ecalls(&plain), ecalls(&shim));
        // The native calls are portal calls with transient grants of the buffers.
        assert!(shim.stats["totals"]["pcalls"].as_u64().unwrap_or(0) >= replaced, "{config}");
    }
}

#[test]
fn user_space_server_and_client() {
    let want = "server: export 0\nclient: lookup ok\n\
        client: lend ok, call rc 0, a0 14: HELLO PORTAL 0\n\
        client: lend ok, call rc 0, a0 14: HELLO PORTAL 1\n\
        client: lend ok, call rc 0, a0 14: HELLO PORTAL 2\n\
        client: unknown name -2\n\
        server: client exited 0, served 3\n";
    for config in CONFIGS {
        let r = run(config, "server", &[]);
        assert_eq!((r.status, r.stdout.as_str()), (0, want), "{config}");
        // Three lends (transient grants) reached the server, which stores into them.
        assert!(r.stats["totals"]["grants_transient"].as_u64().unwrap_or(0) >= 3, "{config}");
    }
}

#[test]
fn shared_memory_grant_and_revoke() {
    let want = "A: share ok\nB: reads \"written by A\"\nA: reads \"written by B\"\nA: revoke 0\n\
        B: touching the page after the revoke\nA: B killed by signal 11\n";
    for config in CONFIGS {
        let r = run(config, "sharemem", &[]);
        assert_eq!((r.status, r.stdout.as_str()), (0, want), "{config}");
        assert_eq!(r.stats["totals"]["grants_persistent"].as_u64(), Some(1), "{config}");
    }
}

#[test]
fn native_callers_cannot_forge() {
    for config in CONFIGS {
        let r = run(config, "forge", &[]);
        assert_eq!(r.status, 0, "{config}: {}", r.stdout);
        for line in [
            "lookup proc 0",
            "forged getpid is own pid: 1",
            "internal op -1",
            "local pointer write 4",
            "child without lookup rc -1",
            "child lookup 0",
            "child close(99) rc 0 a0 -9",
            "still writes: 3",
            // NULL is never the service's own address 0.
            "null write -14",
            // A native call marshals as the ecall does: mincore's local vector pointer
            // is the caller's memory, not mm's.
            "native mincore 0 vec 1, ecall mincore 0 vec 1",
        ] {
            assert!(r.stdout.lines().any(|l| l == line), "{config}: no line {line:?} in\n{}", r.stdout);
        }
        // Split: the unlent buffer is refused. Monolithic: the kernel can touch every
        // page of the process anyway (as on the ecall path), so the write happens.
        let unlent = if config == "split" { "unlent write -14" } else { "unlent write 9" };
        assert!(r.stdout.lines().any(|l| l == unlent), "{config}: {}", r.stdout);
    }
}

#[test]
fn native_calls_cost_less_than_ecalls_in_split() {
    let per_call = |config: &str, mode: &str| -> (u64, u64) {
        let r = run(config, "gxbench", &[mode, "100"]);
        assert_eq!(r.status, 0);
        let get = |what: &str| {
            r.stdout.lines().find(|l| l.starts_with(what)).and_then(|l| l.split_whitespace().nth(2)).and_then(|v| v.parse().ok()).unwrap_or(0)
        };
        (get("write"), get("getpid"))
    };
    let (ew, eg) = per_call("split", "ecall");
    let (nw, ng) = per_call("split", "native");
    assert!(nw < ew && ng < eg, "split: native write {nw} getpid {ng} vs ecall {ew} {eg}");
    let (mw, mg) = per_call("monolithic", "native");
    assert!(mw > 0 && mg > 0);
}
