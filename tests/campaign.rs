//! `grantix campaign --shard I/N` and `campaign-merge`: a campaign split into shards
//! gives, run by run, the same faults and outcomes as the whole campaign.

use std::collections::BTreeMap;
use std::process::Command;

fn workload() -> String {
    let p = format!("{}/build/guests/musl/campaign_workload", env!("CARGO_MANIFEST_DIR"));
    assert!(std::path::Path::new(&p).exists(), "{p} missing: run scripts/build-guests.sh (README's test command does)");
    p
}

/// run number -> (configuration, injected fault, correct output, kernel crash)
type Outcomes = BTreeMap<(u64, String), (String, bool, bool)>;

fn campaign(extra: &[&str], out: &std::path::Path) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_grantix"));
    cmd.args(["campaign", "--runs", "12", "--seed", "7", "--jobs", "2", "--out"]).arg(out).args(extra).arg("--").arg(workload());
    let o = cmd.output().expect("grantix runs");
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
}

fn outcomes(path: &std::path::Path) -> Outcomes {
    std::fs::read_to_string(path)
        .expect("campaign output")
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("one JSON record per line");
            let key = (v["run"].as_u64().unwrap(), v["config"].as_str().unwrap().to_string());
            (key, (v["inject"].as_str().unwrap().to_string(), v["correct"].as_bool().unwrap(), v["kernel_crash"].as_bool().unwrap()))
        })
        .collect()
}

#[test]
fn shards_merge_into_the_same_campaign_as_one_run() {
    let dir = std::env::temp_dir().join(format!("grantix-shards-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let whole = dir.join("whole.jsonl");
    campaign(&[], &whole);
    let shards: Vec<_> = (0..3).map(|i| dir.join(format!("shard-{i}.jsonl"))).collect();
    for (i, s) in shards.iter().enumerate() {
        campaign(&["--shard", &format!("{i}/3")], s);
    }
    let merged = dir.join("merged.jsonl");
    let page = dir.join("merged.html");
    let o = Command::new(env!("CARGO_BIN_EXE_grantix")).arg("campaign-merge").arg("--out").arg(&merged).arg("--report").arg(&page).args(&shards).output().expect("merge runs");
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    // The report of the merged shards: its table and three charts.
    let html = std::fs::read_to_string(&page).expect("campaign-merge --report writes the page");
    assert!(html.contains("<h1>grantix campaign:") && html.contains("<tr><th>split</th><td>6</td>"), "{html}");
    assert_eq!(html.matches("<svg").count(), 3, "{html}");
    let (a, b) = (outcomes(&whole), outcomes(&merged));
    assert_eq!(a.len(), 12, "every run recorded once");
    assert_eq!(a, b, "sharding changes no run's fault or outcome");
    let _ = std::fs::remove_dir_all(&dir);
}
