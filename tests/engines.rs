//! The two engines are one machine: guest programs give the same stdout, exit status,
//! instruction count and modeled cycles under `--engine jit` and `--engine interp`, in
//! both configurations and with both libcs. Runs a subset of the corpus (programs that
//! compute, fault, signal, exec and run threads under a short quantum, and wait on
//! clocks). Every run uses the virtual clock (`--clock virtual`), so a program that
//! reads the time (glibc's mkdtemp draws names from it and retries on a rejected draw:
//! one getrandom more in about one run in twenty on the host clock) or waits on it
//! behaves the same in every run. `GRANTIX_ENGINES_ALL=1` runs every program of
//! tests/guest. The JIT runs twice: compiling on its compiler thread (translations
//! installed whenever they arrive) and inline (GRANTIX_JIT_SYNC=1); both must match the
//! interpreter exactly. A tiny code cache (GRANTIX_JIT_CACHE) must give the same results
//! too, with flushes reported.

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
    // "jit-sync": the JIT compiling on the machine's thread (GRANTIX_JIT_SYNC=1); every
    // run sets the variable (to 0 or 1) so the guest's environment is the same size.
    let (engine, sync) = match engine {
        "jit-sync" => ("jit", "1"),
        e => (e, "0"),
    };
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
        .env("GRANTIX_JIT_SYNC", sync)
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
                    for engine in ["jit", "jit-sync"] {
                        let j = run(&bin, engine, config, &prog, &args, quantum);
                        ran += 1;
                        if i != j {
                            failures.push(format!("{libc}/{name} {config} quantum {quantum}:\n  interp {:?} {}\n  {engine} {:?} {}", i.1, i.2, j.1, j.2));
                        }
                    }
                }
            }
        }
    }
    assert!(ran > 0, "no guest programs found under {}", guests.display());
    assert!(failures.is_empty(), "{} of {ran} runs differ:\n{}", failures.len(), failures.join("\n"));
}

/// A code cache of 4 KiB (GRANTIX_JIT_CACHE): the cache is flushed over and over, and
/// the program still gives the interpreter's stdout, status, instret and cycles; the
/// flushes are reported by --stats.
#[test]
fn tiny_jit_cache_flushes_and_gives_identical_runs() {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_grantix"));
    let guests = std::env::var_os("GRANTIX_GUESTS_OUT").map_or_else(|| repo().join("build/guests"), PathBuf::from);
    let prog = guests.join("glibc/bench_int");
    if !prog.exists() {
        return;
    }
    let go = |engine: &str, sync: &str| {
        let out = Command::new(&bin)
            .args(["run", "--stats", "--clock", "virtual", "--engine", engine, "--config", "split"])
            .arg(&prog)
            .arg("300")
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", "/")
            .env("GRANTIX_JIT_SYNC", sync)
            .env("GRANTIX_JIT_CACHE", "4K")
            .output()
            .expect("grantix runs");
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        let counts: Vec<String> = err
            .lines()
            .filter(|l| l.starts_with("grantix: config") || l.starts_with("grantix: ecalls"))
            .flat_map(|l| l.split(" · ").filter(|f| f.contains("instructions (") || f.contains("cycles") || f.starts_with("grantix: ecalls")))
            .map(|f| f.split(" (").next().unwrap_or("").to_string())
            .collect();
        let flushes = err
            .lines()
            .find(|l| l.starts_with("grantix: engine jit"))
            .and_then(|l| l.split(" · ").find(|f| f.ends_with(" flushes")).and_then(|f| f.split(' ').next()?.parse::<u64>().ok()));
        ((out.stdout, out.status.code(), counts), flushes)
    };
    let (interp, _) = go("interp", "0");
    for sync in ["0", "1"] {
        let (jit, flushes) = go("jit", sync);
        assert_eq!(jit, interp, "GRANTIX_JIT_SYNC={sync}");
        let flushes = flushes.expect("--stats reports the JIT's flushes");
        assert!(flushes > 0, "GRANTIX_JIT_SYNC={sync}: a 4 KiB cache must flush");
    }
}
