//! `grantix compare` on a real guest: identical output, JSON with both configurations,
//! the split kernel making grants where the monolithic one makes none.

use std::process::Command;

fn guest(name: &str) -> String {
    let p = format!("{}/build/guests/musl/{name}", env!("CARGO_MANIFEST_DIR"));
    assert!(std::path::Path::new(&p).exists(), "{p} missing: run scripts/build-guests.sh (README's test command does)");
    p
}

#[test]
fn compare_reports_both_configurations_as_json() {
    let out = Command::new(env!("CARGO_BIN_EXE_grantix")).args(["compare", "--runs", "1", "--json", "--", &guest("bench_syscalls"), "500"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["outputs_identical"], true);
    let write_split = &v["split"]["syscalls"]["write"];
    let write_mono = &v["monolithic"]["syscalls"]["write"];
    assert_eq!(write_split["calls"], write_mono["calls"]);
    assert!(write_split["grants_transient"].as_u64().unwrap() >= 500, "split lends the write buffer: {write_split}");
    assert_eq!(write_mono["grants_transient"], 0, "monolithic makes no per-call grants");
    assert_eq!(write_mono["portal_calls"], 0);
    assert!(v["split"]["totals"]["cycles"].as_u64().unwrap() > v["monolithic"]["totals"]["cycles"].as_u64().unwrap());
}
