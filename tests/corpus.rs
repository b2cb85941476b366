//! The guest corpus: every program in tests/guest, built with glibc and musl, runs under
//! both configurations and must match its golden stdout and exit status.
//!
//! Cases listed in tests/guest/EXPECTED_FAILURES (with a reason) are known gaps: the
//! test asserts they still fail, so fixing one forces the list to shrink, and the list
//! is what the notes report. Everything else must pass.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

const CONFIGS: [&str; 2] = ["split", "monolithic"];

struct Case {
    name: String,
    libc: &'static str,
    config: &'static str,
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Builds the guests if needed (the build is incremental and quick when up to date).
fn build_guests() -> PathBuf {
    // GRANTIX_GUESTS_OUT builds elsewhere than the shared build/ (a worktree's own).
    let out = std::env::var_os("GRANTIX_GUESTS_OUT").map_or_else(|| repo().join("build/guests"), PathBuf::from);
    let status = Command::new("bash").arg(repo().join("scripts/build-guests.sh")).arg(&out).stdin(Stdio::null()).status();
    match status {
        Ok(s) if s.success() => out,
        other => panic!(
            "building the guest programs failed ({other:?}): the corpus needs the riscv64 cross compiler and musl; run scripts/setup.sh (README's test command does)"
        ),
    }
}

fn expected_failures() -> BTreeMap<(String, String, String), String> {
    let text = std::fs::read_to_string(repo().join("tests/guest/EXPECTED_FAILURES")).unwrap_or_default();
    let mut m = BTreeMap::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let mut f = line.splitn(4, char::is_whitespace);
        let (Some(n), Some(l), Some(c)) = (f.next(), f.next(), f.next()) else { panic!("bad EXPECTED_FAILURES line: {line}") };
        m.insert((n.to_string(), l.to_string(), c.to_string()), f.next().unwrap_or("").trim().to_string());
    }
    m
}

fn cases() -> Vec<Case> {
    let mut v = Vec::new();
    let mut names: Vec<(String, bool)> = std::fs::read_dir(repo().join("tests/guest"))
        .expect("tests/guest exists")
        .filter_map(|e| {
            let p = e.ok()?.path();
            let ext = p.extension()?.to_str()?.to_string();
            let stem = p.file_stem()?.to_str()?.to_string();
            (ext == "c" || ext == "cc").then_some((stem, ext == "cc"))
        })
        .collect();
    names.sort();
    for (name, cxx) in names {
        for libc in if cxx { &["glibc"][..] } else { &["glibc", "musl"][..] } {
            for config in CONFIGS {
                v.push(Case { name: name.clone(), libc, config });
            }
        }
    }
    v
}

/// Runs one case; Ok(()) if stdout and status match the golden files.
fn run_case(bin: &Path, guests: &Path, c: &Case) -> Result<(), String> {
    let g = repo().join("tests/guest");
    let golden = std::fs::read(g.join(format!("{}.stdout", c.name))).map_err(|_| "no golden stdout".to_string())?;
    let want: i32 = std::fs::read_to_string(g.join(format!("{}.status", c.name))).map_err(|_| "no golden status".to_string())?.trim().parse().map_err(|_| "bad .status".to_string())?;
    let args: Vec<String> = std::fs::read_to_string(g.join(format!("{}.args", c.name))).map(|s| s.lines().map(String::from).collect()).unwrap_or_default();
    let mut cmd = Command::new(bin);
    cmd.arg("run").arg("--config").arg(c.config).arg(guests.join(c.libc).join(&c.name)).args(&args);
    cmd.env_clear().env("PATH", "/usr/bin:/bin").env("HOME", "/").current_dir(repo());
    if let Ok(envs) = std::fs::read_to_string(g.join(format!("{}.env", c.name))) {
        for l in envs.lines().filter(|l| !l.is_empty() && !l.starts_with('#')) {
            if let Some((k, v)) = l.split_once('=') {
                cmd.env(k, v);
            }
        }
    }
    let stdin = g.join(format!("{}.stdin", c.name));
    cmd.stdin(if stdin.exists() { Stdio::from(std::fs::File::open(&stdin).map_err(|e| e.to_string())?) } else { Stdio::null() });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| format!("cannot start grantix: {e}"))?;
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    std::thread::spawn(move || {
        use std::io::Read;
        let mut o = Vec::new();
        let mut e = Vec::new();
        if let Some(mut s) = stdout {
            let _ = s.read_to_end(&mut o);
        }
        if let Some(mut s) = stderr {
            let _ = s.read_to_end(&mut e);
        }
        let _ = tx.send((o, e));
    });
    let (out, err) = match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(x) => x,
        Err(_) => {
            let _ = child.kill();
            return Err("timed out after 60 s".into());
        }
    };
    let status = child.wait().map_err(|e| e.to_string())?.code().unwrap_or(-1);
    let mut why = Vec::new();
    if status != want {
        why.push(format!("status {status}, expected {want}"));
    }
    if out != golden {
        let first = String::from_utf8_lossy(&golden).lines().zip(String::from_utf8_lossy(&out).lines()).position(|(a, b)| a != b);
        why.push(format!("stdout differs (first differing line {:?})", first.map(|i| i + 1)));
    }
    if why.is_empty() {
        Ok(())
    } else {
        let tail: Vec<String> = String::from_utf8_lossy(&err).lines().rev().take(3).map(String::from).collect();
        Err(format!("{}; stderr tail: {:?}", why.join(", "), tail))
    }
}

#[test]
fn corpus_matches_golden_output_in_both_configurations() {
    let guests = build_guests();
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_grantix"));
    let all = cases();
    assert!(all.len() >= 12, "the corpus is missing");
    let expected = expected_failures();
    let results = Mutex::new(Vec::new());
    let next = Mutex::new(0usize);
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()).min(4);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = {
                    let mut n = next.lock().unwrap();
                    *n += 1;
                    *n - 1
                };
                let Some(c) = all.get(i) else { break };
                let r = run_case(&bin, &guests, c);
                results.lock().unwrap().push((i, r));
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|r| r.0);
    let (mut passed, mut failed, mut xfail) = (0, 0, 0);
    let mut problems = Vec::new();
    let mut per_config: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
    for (i, r) in &results {
        let c = &all[*i];
        let key = (c.name.clone(), c.libc.to_string(), c.config.to_string());
        let listed = expected.get(&key);
        let e = per_config.entry(c.config).or_default();
        match (r, listed) {
            (Ok(()), None) => {
                passed += 1;
                e.0 += 1;
            }
            (Err(_), Some(_)) => {
                xfail += 1;
                e.1 += 1;
            }
            (Ok(()), Some(_)) => problems.push(format!("{} {} {}: passes now; remove it from tests/guest/EXPECTED_FAILURES", c.name, c.libc, c.config)),
            (Err(why), None) => {
                failed += 1;
                e.1 += 1;
                problems.push(format!("{} {} {}: {why}", c.name, c.libc, c.config));
            }
        }
    }
    for (config, (p, f)) in &per_config {
        println!("corpus {config}: {p} passed, {f} failing");
    }
    println!("corpus: {passed} passed, {failed} failed, {xfail} expected failures (tests/guest/EXPECTED_FAILURES)");
    assert!(problems.is_empty(), "corpus problems:\n{}", problems.join("\n"));
}

#[test]
fn bad_executables_get_a_one_line_error_and_shell_status() {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_grantix"));
    let run = |p: &str| Command::new(&bin).args(["run", p]).output().expect("grantix runs");
    let missing = run("/nonexistent/program");
    assert_eq!(missing.status.code(), Some(127));
    let text = run("Cargo.toml");
    assert_eq!(text.status.code(), Some(126));
    let host = run("/bin/sh");
    assert_eq!(host.status.code(), Some(126));
    for o in [&missing, &text, &host] {
        let e = String::from_utf8_lossy(&o.stderr);
        assert_eq!(e.trim().lines().count(), 1, "one line: {e}");
        assert!(e.starts_with("grantix: "), "{e}");
    }
}
