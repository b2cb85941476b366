//! Faults in services: restart with a new generation, the watchdog, and isolation (a
//! fault in one service leaves a process that does not use it untouched in the split
//! configuration, and panics the monolithic kernel).

use std::process::Command;

fn guest(libc: &str, name: &str) -> String {
    let p = format!("{}/build/guests/{libc}/{name}", env!("CARGO_MANIFEST_DIR"));
    assert!(std::path::Path::new(&p).exists(), "{p} missing: run scripts/build-guests.sh (README's test command does)");
    p
}

fn golden(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/guest/{name}.stdout", env!("CARGO_MANIFEST_DIR"))).expect("golden")
}

struct Run {
    status: i32,
    stdout: Vec<u8>,
    report: serde_json::Value,
}

fn run(config: &str, inject: &str, prog: &str) -> Run {
    let json = std::env::temp_dir().join(format!("gx-faults-{}-{}-{}.json", std::process::id(), config, inject.replace([':', '='], "_")));
    let out = Command::new(env!("CARGO_BIN_EXE_grantix"))
        .args(["run", "--config", config, "--inject", inject, "--stats-json"])
        .arg(&json)
        .arg(prog)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .output()
        .expect("grantix runs");
    let report = serde_json::from_str(&std::fs::read_to_string(&json).expect("report written")).expect("json");
    let _ = std::fs::remove_file(&json);
    Run { status: out.status.code().unwrap_or(-1), stdout: out.stdout, report }
}

fn record(r: &Run) -> &serde_json::Value {
    &r.report["record"]
}

const VFS: usize = 3;
const TIME: usize = 5;
const TTY: usize = 6;

#[test]
fn a_faulted_service_restarts_with_a_new_generation_and_the_run_goes_on() {
    let r = run("split", "vfs:panic:after=20", &guest("musl", "campaign_workload"));
    let rec = record(&r);
    assert_eq!(rec["injected"], 1);
    assert_eq!(rec["restarts"][VFS], 1, "{rec}");
    assert_eq!(rec["generation"][VFS], 1);
    assert!(rec["panic"].is_null(), "no kernel panic in split");
    assert!(rec["faults"][0].as_str().unwrap().contains("panicked"), "{rec}");
    // The workload saw at most a failed call or two, and finished.
    assert!(r.status == 0 || r.status == 1, "status {}", r.status);
    assert!(String::from_utf8_lossy(&r.stdout).starts_with("workload:"));
}

#[test]
fn the_watchdog_stops_a_hung_service() {
    let r = run("split", "tty:hang:after=1", &guest("musl", "isolation"));
    let rec = record(&r);
    assert!(rec["faults"][0].as_str().unwrap().contains("watchdog"), "{rec}");
    assert_eq!(rec["restarts"][TTY], 1);
    assert_eq!(r.status, 0, "the program itself goes on");
    let m = run("monolithic", "tty:hang:after=1", &guest("musl", "isolation"));
    assert_eq!(m.status, 137, "a hung driver inside the kernel is a kernel panic");
    assert!(record(&m)["panic"].as_str().unwrap().contains("watchdog"));
}

#[test]
fn a_fault_in_one_service_never_changes_a_process_that_does_not_use_it() {
    for libc in ["glibc", "musl"] {
        // Every call to `time` panics; only the child uses it.
        let r = run("split", "time:panic:p=1", &guest(libc, "isolation"));
        let rec = record(&r);
        assert!(rec["injected"].as_u64().unwrap() > 0, "{libc}: the fault fired: {rec}");
        assert!(rec["restarts"][TIME].as_u64().unwrap() > 0);
        assert_eq!(r.stdout, golden("isolation"), "{libc}: parent output unchanged in split");
        assert_eq!(r.status, 0);
        let m = run("monolithic", "time:panic:p=1", &guest(libc, "isolation"));
        assert_eq!(m.status, 137, "{libc}: the same fault panics the monolithic kernel");
        assert_ne!(m.stdout, golden("isolation"));
    }
}

#[test]
fn a_wild_write_faults_in_split_and_lands_in_monolithic() {
    let s = run("split", "vfs:wild-write:after=5:seed=3", &guest("musl", "campaign_workload"));
    assert!(record(&s)["faults"][0].as_str().unwrap().contains("denied"), "the split vfs holds no grant there: {}", record(&s));
    let m = run("monolithic", "vfs:wild-write:after=5:seed=3", &guest("musl", "campaign_workload"));
    assert_eq!(record(&m)["injected"], 1);
    assert!(record(&m)["faults"].as_array().unwrap().is_empty(), "the kernel's write went through: {}", record(&m));
}

#[test]
fn descriptors_of_a_restarted_vfs_are_stale_with_a_distinct_error() {
    // Find the call at which a vfs fault lands between the reads: the program's output
    // then shows ESTALE (116) for the old descriptor, a successful close, and a working
    // new open. No placement of the fault may crash the run.
    let prog = guest("musl", "stale_handles");
    let mut seen_stale = false;
    for k in 1..=16 {
        let r = run("split", &format!("vfs:panic:after={k}"), &prog);
        assert!(r.status == 0 || r.status == 1, "after={k}: status {}", r.status);
        let out = String::from_utf8_lossy(&r.stdout);
        if out.contains("errno 116") {
            seen_stale = true;
            assert!(out.contains("close: 0"), "after={k}: {out}");
            assert!(out.contains("reopen: ok, read 8"), "after={k}: {out}");
            assert_eq!(record(&r)["generation"][VFS], 1);
        }
    }
    assert!(seen_stale, "some fault placement must hit between open and the reads");
}
