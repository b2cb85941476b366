//! Faults in services: restart with a new generation, the watchdog, isolation (a
//! fault in one service leaves a process that does not use it untouched in the split
//! configuration, and panics the monolithic kernel), and recovery that keeps state (a
//! restarted vfs keeps every descriptor; the faulted call runs again or fails once).

use std::process::Command;

fn guest(libc: &str, name: &str) -> String {
    // GRANTIX_GUESTS_OUT: guests built elsewhere than the shared build/ (a worktree's own).
    let dir = std::env::var("GRANTIX_GUESTS_OUT").unwrap_or_else(|_| format!("{}/build/guests", env!("CARGO_MANIFEST_DIR")));
    let p = format!("{dir}/{libc}/{name}");
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
fn descriptors_survive_a_restart_of_the_vfs_at_every_call() {
    // A fault at the entry of each vfs call in turn: the call had changed nothing, so
    // it runs again on the restarted vfs and the program sees exactly what it sees
    // without a fault (the old descriptor reads on, close and reopen work).
    let prog = guest("musl", "stale_handles");
    let mut fired = 0;
    for k in 1..=16 {
        let r = run("split", &format!("vfs:panic:after={k}"), &prog);
        assert_eq!(String::from_utf8_lossy(&r.stdout), String::from_utf8_lossy(&golden("stale_handles")), "after={k}");
        assert_eq!(r.status, 0, "after={k}");
        if record(&r)["injected"] == 1 {
            fired += 1;
            assert_eq!(record(&r)["restarts"][VFS], 1, "after={k}");
            assert_eq!(record(&r)["recovered"][VFS], 1, "after={k}: the call at entry is run again");
        }
    }
    assert!(fired >= 10, "the program makes at least 10 vfs calls: {fired} faults fired");
}

/// The lines of a `recovery` run but its "EIO <call>" lines, and those lines.
fn without_eio(stdout: &[u8]) -> (String, Vec<String>) {
    let text = String::from_utf8_lossy(stdout);
    let (eio, rest): (Vec<&str>, Vec<&str>) = text.lines().partition(|l| l.starts_with("EIO "));
    (rest.iter().map(|l| format!("{l}\n")).collect(), eio.iter().map(|l| l.to_string()).collect())
}

#[test]
fn a_fault_mid_read_write_or_open_keeps_every_descriptor_and_fails_the_call_at_most_once() {
    // A file, a pipe with buffered bytes and /dev/zero stay open while the vfs faults
    // at its k-th call, at the call's entry (step 0) or at its first or second memory
    // access (the middle of a read, a write, an open). Whatever the placement, every
    // descriptor, offset and buffered byte survives the restart, and the faulted call
    // either runs again unseen or fails once with EIO, which the program retries.
    let want = String::from_utf8_lossy(&golden("recovery")).into_owned();
    for libc in ["musl", "glibc"] {
        let prog = guest(libc, "recovery");
        let (mut fired, mut rerun, mut failed_once, mut mid) = (0, 0, 0, 0);
        for k in 1..=30 {
            for step in 0..=2 {
                let r = run("split", &format!("vfs:panic:after={k}:step={step}"), &prog);
                let rec = record(&r);
                let (rest, eio) = without_eio(&r.stdout);
                assert_eq!(r.status, 0, "{libc} after={k} step={step}: {rec}");
                assert_eq!(rest, want, "{libc} after={k} step={step}: {rec}");
                assert!(eio.len() <= 1, "{libc} after={k} step={step}: one error at most: {eio:?}");
                assert!(rec["panic"].is_null());
                if rec["restarts"][VFS] == 1 {
                    fired += 1;
                    mid += (step > 0) as u32;
                    match (rec["recovered"][VFS].as_u64(), eio.len()) {
                        (Some(1), 0) => rerun += 1,
                        (Some(0), 1) => failed_once += 1,
                        // A faulted call that was neither run again nor failed is an
                        // idempotent one retried (stat, lseek...): also unseen.
                        (Some(0), 0) => rerun += 1,
                        other => panic!("{libc} after={k} step={step}: {other:?} {rec}"),
                    }
                } else {
                    assert_eq!(rec["restarts"][VFS], 0, "{libc} after={k} step={step}: {rec}");
                }
            }
        }
        // Both ways out were taken, and faults landed in the middle of calls.
        assert!(fired >= 40 && mid >= 10, "{libc}: {fired} faults, {mid} mid-call");
        assert!(rerun > 0 && failed_once > 0, "{libc}: {rerun} run again, {failed_once} failed once");
    }
}

#[test]
fn the_same_vfs_fault_is_still_a_kernel_panic_when_monolithic() {
    let r = run("monolithic", "vfs:panic:after=12:step=1", &guest("musl", "recovery"));
    assert_eq!(r.status, 137, "one kernel, one fault domain");
    assert!(record(&r)["panic"].as_str().unwrap().contains("vfs"), "{}", record(&r));
}
