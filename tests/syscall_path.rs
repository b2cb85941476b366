//! The split kernel's syscall path costs what it was designed to: one portal call to
//! the owning service plus one transient grant per buffer the call lends, with no call
//! to proc to identify the caller and none to look for signals when none is pending
//! (proc's published slots, `syscalls::proc::published`). Counted from `--stats-json`,
//! whose counters are deterministic.

use std::process::Command;

fn guest(libc: &str, name: &str) -> String {
    let dir = std::env::var("GRANTIX_GUESTS_OUT").unwrap_or_else(|_| format!("{}/build/guests", env!("CARGO_MANIFEST_DIR")));
    let p = format!("{dir}/{libc}/{name}");
    assert!(std::path::Path::new(&p).exists(), "{p} missing: run scripts/build-guests.sh (README's test command does)");
    p
}

fn report(config: &str, prog: &str, args: &[&str]) -> serde_json::Value {
    let json = std::env::temp_dir().join(format!("gx-syscall-path-{}-{config}-{}.json", std::process::id(), prog.replace('/', "_")));
    let out = Command::new(env!("CARGO_BIN_EXE_grantix"))
        .args(["run", "--config", config, "--stats-json"])
        .arg(&json)
        .arg(prog)
        .args(args)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .output()
        .expect("grantix runs");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let r = serde_json::from_str(&std::fs::read_to_string(&json).expect("report written")).expect("json");
    let _ = std::fs::remove_file(&json);
    r
}

/// (calls, portal calls, transient grants, revokes) of syscall `name`.
fn cost(r: &serde_json::Value, name: &str) -> (u64, u64, u64, u64) {
    let s = &r["syscalls"][name];
    let n = |k: &str| s[k].as_u64().unwrap_or_else(|| panic!("{name}.{k} in {s}"));
    (n("calls"), n("portal_calls"), n("grants_transient"), n("revokes"))
}

#[test]
fn a_common_syscall_is_one_portal_call_and_the_grants_of_its_buffers() {
    const ROUNDS: u64 = 300;
    for libc in ["glibc", "musl"] {
        let r = report("split", &guest(libc, "bench_syscalls"), &[&ROUNDS.to_string()]);
        // getppid: proc answers; nothing is lent.
        assert_eq!(cost(&r, "getppid"), (ROUNDS, ROUNDS, 0, 0), "{libc} getppid");
        // read and clock_gettime: the owning service, one buffer lent (W) and revoked.
        assert_eq!(cost(&r, "read"), (ROUNDS, ROUNDS, ROUNDS, ROUNDS), "{libc} read");
        assert_eq!(cost(&r, "clock_gettime"), (ROUNDS, ROUNDS, ROUNDS, ROUNDS), "{libc} clock_gettime");
        // write: the loop's writes to /dev/null, plus (glibc; musl uses writev) the final
        // line to stdout, which the vfs passes on to tty: a second call, its grant
        // derived from linux's.
        let (calls, pcalls, grants, revokes) = cost(&r, "write");
        assert!(calls >= ROUNDS, "{libc} write calls {calls}");
        let extra = calls - ROUNDS;
        assert_eq!((pcalls, grants, revokes), (calls + extra, calls + extra, calls + extra), "{libc} write");
    }
}

#[test]
fn the_monolithic_kernel_makes_no_portal_call_and_no_grant() {
    let r = report("monolithic", &guest("musl", "bench_syscalls"), &["50"]);
    for name in ["getppid", "read", "write", "clock_gettime"] {
        let (calls, pcalls, grants, revokes) = cost(&r, name);
        assert!(calls >= 50, "{name}");
        assert_eq!((pcalls, grants, revokes), (0, 0, 0), "{name}");
    }
}

#[test]
fn signals_still_cost_a_call_to_proc_when_one_is_pending() {
    // The signals guest raises, kills itself, blocks and unblocks: deliveries need
    // proc's DELIVER and its record's grant, on the syscalls after which one is pending.
    let r = report("split", &guest("musl", "signals"), &[]);
    let (calls, pcalls, grants, _) = cost(&r, "kill");
    assert!(calls > 0);
    assert!(pcalls > calls, "kill: {pcalls} portal calls for {calls} calls: the delivery after it must call proc");
    assert!(grants >= 1, "kill: the delivery record is lent");
}
