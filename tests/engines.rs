//! The two engines are one machine: guest programs give the same stdout, exit status,
//! instruction count and modeled cycles under `--engine jit` and `--engine interp`, in
//! both configurations and with both libcs. Runs a subset of the corpus (programs that
//! compute, fault, signal, exec and run threads under a short quantum, and wait on clocks). Every run uses the virtual clock (`--clock virtual`), so a program that
//! reads the time (glibc's mkdtemp draws names from it and retries on a rejected draw:
//! one getrandom more in about one run in twenty on the host clock) or waits on it
//! behaves the same in every run. `GRANTIX_ENGINES_ALL=1` runs every program of tests/guest.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const SUBSET: [&str; 17] = [
    "hello", "qsort_strings", "math", "float_fmt", "threads_mutex", "brk", "signals", "segv", "files", "exec", "pipes", "cxx_stl_threads",
    "bench_int", "bench_fp", "fork_wait", "condvar", "eventfd_timerfd",
];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// stdout, status, and the counter lines of --stats without host time.
fn run(bin: &Path, engine: &str, config: &str, prog: &Path, args: &[String], quantum: &str) -> (Vec<u8>, Option<i32>, String) {
    let g = repo().join("tests/guest");
    let name = prog.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let stdin = g.join(format!("{name}.stdin"));
    let out = Command::new(bin)
        .args(["run", "--stats", "--clock", "virtual", "--engine", engine, "--config", config, "--quantum", quantum])
        .arg(prog)
        .args(args)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", "/")
        .current_dir(repo())
        .stdin(if stdin.exists() { Stdio::from(std::fs::File::open(&stdin).expect("stdin file")) } else { Stdio::null() })
        .output()
        .expect("grantix runs");
    let err = String::from_utf8_lossy(&out.stderr);
    let stats: Vec<String> = err
        .lines()
        .filter(|l| l.starts_with("grantix: config") || l.starts_with("grantix: ecalls"))
        .map(|l| l.split(" · ").filter(|f| !f.ends_with(" s") && !f.contains("instructions (")).collect::<Vec<_>>().join(" · "))
        .collect();
    // The instruction count, without its MIPS figure.
    let instret = err.lines().find_map(|l| l.split(" · ").find(|f| f.contains("instructions (")).map(|f| f.split(' ').next().unwrap_or("").to_string()));
    (out.stdout, out.status.code(), format!("{} instret {:?}", stats.join(" / "), instret))
}

#[test]
fn jit_and_interp_give_identical_runs() {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_grantix"));
    // GRANTIX_GUESTS_OUT: guests built elsewhere than the shared build/, as for the corpus.
    let guests = std::env::var_os("GRANTIX_GUESTS_OUT").map_or_else(|| repo().join("build/guests"), PathBuf::from);
    let all = std::env::var("GRANTIX_ENGINES_ALL").is_ok_and(|v| v == "1");
    let mut names: Vec<String> = if all {
        let mut v: Vec<String> = std::fs::read_dir(repo().join("tests/guest"))
            .expect("tests/guest")
            .filter_map(|e| {
                let p = e.ok()?.path();
                matches!(p.extension()?.to_str()?, "c" | "cc").then(|| p.file_stem()?.to_str().map(String::from))?
            })
            .collect();
        v.sort();
        v
    } else {
        SUBSET.iter().map(|s| s.to_string()).collect()
    };
    names.dedup();
    let mut failures = Vec::new();
    let mut ran = 0;
    for name in &names {
        let args: Vec<String> =
            std::fs::read_to_string(repo().join(format!("tests/guest/{name}.args"))).map(|s| s.lines().map(String::from).collect()).unwrap_or_default();
        for libc in ["glibc", "musl"] {
            let prog = guests.join(libc).join(name);
            if !prog.exists() {
                continue;
            }
            for config in ["split", "monolithic"] {
                // Threaded programs also under a very short quantum: translated code
                // chains block to block, and must still hand the hart over after exactly
                // as many instructions as the interpreter.
                let quanta: &[&str] = if name.contains("threads") { &["200000", "997", "61"] } else { &["200000", "997"] };
                for quantum in quanta {
                    let i = run(&bin, "interp", config, &prog, &args, quantum);
                    let j = run(&bin, "jit", config, &prog, &args, quantum);
                    ran += 1;
                    if i != j {
                        failures.push(format!("{libc}/{name} {config} quantum {quantum}:\n  interp {:?} {}\n  jit    {:?} {}", i.1, i.2, j.1, j.2));
                    }
                }
            }
        }
    }
    assert!(ran > 0, "no guest programs found under {}", guests.display());
    assert!(failures.is_empty(), "{} of {ran} runs differ:\n{}", failures.len(), failures.join("\n"));
}
