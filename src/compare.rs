//! `grantix compare`: runs a program under both configurations with the same input and
//! schedule, checks the output is identical, and reports what the split kernel costs.

use crate::stop::Stop;
use personality::stats::{RunReport, SyscallStat};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// Options of `grantix compare`.
#[derive(clap::Args)]
pub struct CompareArgs {
    /// Runs per configuration (host time is the median).
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Print the comparison as JSON instead of tables.
    #[arg(long)]
    json: bool,
    /// Write a self-contained HTML report with charts.
    #[arg(long)]
    report: Option<PathBuf>,
    /// Host directory the guest sees as /.
    #[arg(long)]
    root: Option<PathBuf>,
    /// Execution engine of the runs (see `run --engine`).
    #[arg(long, value_enum)]
    engine: Option<crate::EngineArg>,
    /// The program and its arguments (after --).
    #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
    program: Vec<std::ffi::OsString>,
}

struct Run {
    status: i32,
    stdout: Vec<u8>,
    report: RunReport,
}

fn run_once(config: &str, args: &CompareArgs, stdin: &[u8]) -> Result<Run, String> {
    let tmp = std::env::temp_dir().join(format!("grantix-compare-{}-{config}.json", std::process::id()));
    let mut cmd = Command::new(std::env::current_exe().map_err(|e| e.to_string())?);
    cmd.arg("run").arg("--config").arg(config).arg("--stats-json").arg(&tmp);
    if let Some(r) = &args.root {
        cmd.arg("--root").arg(r);
    }
    if let Some(e) = args.engine {
        cmd.arg("--engine").arg(e.name());
    }
    cmd.args(&args.program).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::inherit());
    let mut child = cmd.spawn().map_err(|e| format!("cannot start grantix: {e}"))?;
    let mut input = child.stdin.take();
    let data = stdin.to_vec();
    let feeder = std::thread::spawn(move || {
        if let Some(i) = input.as_mut() {
            let _ = i.write_all(&data);
        }
    });
    let mut stdout = Vec::new();
    if let Some(mut o) = child.stdout.take() {
        let _ = o.read_to_end(&mut stdout);
    }
    let _ = feeder.join();
    let status = child.wait().map_err(|e| e.to_string())?.code().unwrap_or(-1);
    let text = std::fs::read_to_string(&tmp).map_err(|e| format!("run under {config} left no report: {e}"))?;
    let _ = std::fs::remove_file(&tmp);
    let report: RunReport = serde_json::from_str(&text).map_err(|e| format!("bad report: {e}"))?;
    Ok(Run { status, stdout, report })
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// One configuration's runs summarized: the first run's counters (they are
/// deterministic) with host times replaced by medians.
fn summarize(runs: &[Run]) -> RunReport {
    let mut r = runs[0].report.clone();
    r.wall_s = median(runs.iter().map(|x| x.report.wall_s).collect());
    for (name, st) in r.syscalls.iter_mut() {
        st.host_ns = median(runs.iter().filter_map(|x| x.report.syscalls.get(name)).map(|s| s.host_ns as f64).collect()) as u64;
    }
    r
}

/// Runs the comparison; returns the process exit status.
pub fn compare(args: CompareArgs) -> Result<i32, Stop> {
    let mut stdin = Vec::new();
    if !nix::unistd::isatty(0).unwrap_or(false) {
        let _ = std::io::stdin().read_to_end(&mut stdin);
    }
    let mut all: BTreeMap<&str, Vec<Run>> = BTreeMap::new();
    for config in ["split", "monolithic"] {
        for _ in 0..args.runs.max(1) {
            match run_once(config, &args, &stdin) {
                Ok(r) => all.entry(config).or_default().push(r),
                Err(e) => return Err(Stop { status: 125, message: format!("compare: {e}") }),
            }
        }
    }
    let first = &all["split"][0];
    let mismatches: Vec<String> = all
        .iter()
        .flat_map(|(c, runs)| runs.iter().enumerate().map(move |(i, r)| (c, i, r)))
        .filter(|(_, _, r)| r.stdout != first.stdout || r.status != first.status)
        .map(|(c, i, r)| format!("{c} run {}: status {} and {} bytes of output, against split run 1: status {} and {} bytes", i + 1, r.status, r.stdout.len(), first.status, first.stdout.len()))
        .collect();
    let (split, mono) = (summarize(&all["split"]), summarize(&all["monolithic"]));
    if args.json {
        let v = serde_json::json!({
            "program": args.program.iter().map(|a| a.to_string_lossy().into_owned()).collect::<Vec<_>>(),
            "runs": args.runs,
            "outputs_identical": mismatches.is_empty(),
            "status": first.status,
            "split": split,
            "monolithic": mono,
        });
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        print_tables(&split, &mono);
    }
    if let Some(path) = &args.report {
        if let Err(e) = std::fs::write(path, html_report(&args, &split, &mono, mismatches.is_empty())) {
            tracing::error!(target: "grantix", "compare: cannot write {}: {e}", path.display());
        }
    }
    if !mismatches.is_empty() {
        return Err(Stop { status: 1, message: format!("compare: OUTPUT DIFFERS between runs or configurations:\n  {}", mismatches.join("\n  ")) });
    }
    Ok(0)
}

fn per(v: u64, n: u64) -> f64 {
    if n == 0 { 0.0 } else { v as f64 / n as f64 }
}

fn print_tables(split: &RunReport, mono: &RunReport) {
    println!("per syscall (split | monolithic): calls, portal calls, grants persistent/transient, revokes, bytes granted, faults, modeled cycles per call, host µs per call");
    println!("{:<18} {:>8} | {:>8} {:>9} {:>8} {:>10} {:>6} {:>9} {:>9} | {:>9} {:>9} | {:>6}", "syscall", "calls", "pcalls", "grants", "revokes", "bytes", "faults", "cyc/call", "µs/call", "cyc/call", "µs/call", "cyc x");
    let empty = SyscallStat::default();
    let mut names: Vec<&String> = split.syscalls.keys().chain(mono.syscalls.keys()).collect();
    names.sort();
    names.dedup();
    names.sort_by_key(|n| std::cmp::Reverse(split.syscalls.get(*n).map_or(0, |s| s.calls)));
    for n in names {
        let s = split.syscalls.get(n).unwrap_or(&empty);
        let m = mono.syscalls.get(n).unwrap_or(&empty);
        let (sc, mc) = (per(s.cycles, s.calls), per(m.cycles, m.calls));
        println!(
            "{:<18} {:>8} | {:>8} {:>4}/{:<4} {:>8} {:>10} {:>6} {:>9.0} {:>9.2} | {:>9.0} {:>9.2} | {:>6.2}",
            n,
            s.calls,
            s.portal_calls,
            s.grants_persistent,
            s.grants_transient,
            s.revokes,
            s.bytes_granted,
            s.faults,
            sc,
            per(s.host_ns, s.calls) / 1000.0,
            mc,
            per(m.host_ns, m.calls) / 1000.0,
            if mc > 0.0 { sc / mc } else { 0.0 }
        );
    }
    println!();
    println!("per space (split): calls received, portal calls made, grants made, faults");
    for (name, c) in &split.spaces {
        println!("{:<12} {:>10} {:>10} {:>10} {:>6}", name, c.calls_in, c.pcalls, c.grants_persistent + c.grants_transient, c.faults.values().sum::<u64>());
    }
    println!();
    println!(
        "totals: split {} cycles, {:.3} s | monolithic {} cycles, {:.3} s (same-space service calls: {}) | split/monolithic cycles {:.3}",
        split.totals.cycles,
        split.wall_s,
        mono.totals.cycles,
        mono.wall_s,
        mono.direct_calls,
        per(split.totals.cycles, mono.totals.cycles)
    );
}

fn html_report(args: &CompareArgs, split: &RunReport, mono: &RunReport, identical: bool) -> String {
    let mut names: Vec<(&String, u64)> = split.syscalls.iter().map(|(n, s)| (n, s.calls)).collect();
    names.sort_by_key(|(_, c)| std::cmp::Reverse(*c));
    names.truncate(16);
    let cats: Vec<String> = names.iter().map(|(n, _)| n.to_string()).collect();
    let cyc = |r: &RunReport| cats.iter().map(|n| r.syscalls.get(n).map_or(0.0, |s| per(s.cycles, s.calls))).collect::<Vec<f64>>();
    let cost = crate::plot::bar_chart("Modeled cycles per call", "cycles", &cats, &[("split", cyc(split)), ("monolithic", cyc(mono))]);
    let grants: Vec<f64> = cats.iter().map(|n| split.syscalls.get(n).map_or(0.0, |s| per(s.grants_transient, s.calls))).collect();
    let bytes: Vec<f64> = cats.iter().map(|n| split.syscalls.get(n).map_or(0.0, |s| per(s.bytes_granted, s.calls))).collect();
    let g = crate::plot::bar_chart("Where the split kernel's grants go (per call)", "per call", &cats, &[("transient grants", grants), ("bytes granted / 100", bytes.iter().map(|b| b / 100.0).collect())]);
    let svc: Vec<String> = split.spaces.keys().cloned().collect();
    let s = crate::plot::bar_chart("Calls received per space (split)", "calls", &svc, &[("calls in", split.spaces.values().map(|c| c.calls_in as f64).collect())]);
    let prog: Vec<String> = args.program.iter().map(|a| a.to_string_lossy().into_owned()).collect();
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>grantix compare</title><style>body{{font-family:sans-serif;margin:2em}}td,th{{padding:2px 8px;text-align:right}}</style></head><body>\n<h1>grantix compare: {}</h1>\n<p>{} runs per configuration. Output identical in both configurations: <b>{}</b>. Modeled cycles: split {} · monolithic {} (×{:.3}). Median wall time: split {:.3} s · monolithic {:.3} s.</p>\n{}\n{}\n{}\n</body></html>\n",
        html_escape(&prog.join(" ")),
        args.runs,
        if identical { "yes" } else { "NO" },
        split.totals.cycles,
        mono.totals.cycles,
        per(split.totals.cycles, mono.totals.cycles),
        split.wall_s,
        mono.wall_s,
        cost,
        g,
        s
    )
}

pub(crate) fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}
