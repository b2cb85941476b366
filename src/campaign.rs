//! `grantix campaign`: runs a workload many times with faults drawn from a seed, in both
//! configurations, in parallel, and classifies every run: kernel crash, service
//! restarts, correct output, application-visible failure, silent data corruption.
//!
//! Each run is a separate `grantix run --inject ... --stats-json` process, so a run that
//! panics or hangs cannot disturb the others. `--shard I/N` runs every Nth run starting
//! at I, so a job scheduler can spread one campaign over machines; `grantix campaign
//! merge` joins the JSON lines and prints the summary.

use crate::campaign_report::{RunRecord, Tally};
use crate::stop::Stop;
use personality::inject::{Kind, Spec, Trigger};
use personality::stats::RunReport;
use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use syscalls::ServiceId;

/// Options of `grantix campaign`.
#[derive(clap::Args)]
pub struct CampaignArgs {
    /// Runs in the campaign (half per configuration).
    #[arg(long, default_value_t = 200)]
    runs: u64,
    /// Seed from which every run's fault is drawn.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Parallel runs (default: the host's cores).
    #[arg(long)]
    jobs: Option<usize>,
    /// Run only shard I of N (I in 0..N), e.g. --shard 2/8.
    #[arg(long)]
    shard: Option<String>,
    /// Target services, comma-separated.
    #[arg(long, default_value = "tty,vfs,mm,proc,futex,time")]
    targets: String,
    /// Fault kinds, comma-separated.
    #[arg(long, default_value = "wild-write,wild-read,null,panic,hang,leak")]
    kinds: String,
    /// JSON lines output, one per run.
    #[arg(long, default_value = "campaign.jsonl")]
    out: PathBuf,
    /// Seconds before a run counts as hung.
    #[arg(long, default_value_t = 30)]
    timeout: u64,
    /// Fire each fault at the service's K-th memory access in the chosen call (the
    /// middle of the call; split only) instead of at its entry (0).
    #[arg(long, default_value_t = 0)]
    step: u64,
    /// Execution engine of the runs (see `run --engine`).
    #[arg(long, value_enum)]
    engine: Option<crate::EngineArg>,
    /// Write a self-contained HTML report with charts (outcomes by configuration,
    /// target service and fault kind).
    #[arg(long)]
    report: Option<PathBuf>,
    /// The workload and its arguments (after --).
    #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
    program: Vec<std::ffi::OsString>,
}

struct Outcome {
    status: i32,
    stdout: Vec<u8>,
    report: Option<RunReport>,
    hung: bool,
    wall: f64,
}

fn run_child(config: &str, inject: Option<&Spec>, engine: Option<crate::EngineArg>, program: &[std::ffi::OsString], timeout: Duration, tag: &str) -> Result<Outcome, String> {
    let json = std::env::temp_dir().join(format!("grantix-campaign-{}-{tag}.json", std::process::id()));
    let mut cmd = Command::new(std::env::current_exe().map_err(|e| e.to_string())?);
    cmd.arg("run").arg("--config").arg(config).arg("--stats-json").arg(&json);
    if let Some(s) = inject {
        cmd.arg("--inject").arg(s.to_string());
    }
    if let Some(e) = engine {
        cmd.arg("--engine").arg(e.name());
    }
    cmd.args(program).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::null());
    let t = Instant::now();
    let mut child = cmd.spawn().map_err(|e| format!("cannot start grantix: {e}"))?;
    let mut out = child.stdout.take();
    let reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        if let Some(o) = out.as_mut() {
            use std::io::Read;
            let _ = o.read_to_end(&mut v);
        }
        v
    });
    let mut hung = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s.code().unwrap_or(-1),
            Ok(None) if t.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                hung = true;
                break -1;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => return Err(e.to_string()),
        }
    };
    let stdout = reader.join().unwrap_or_default();
    let report = std::fs::read_to_string(&json).ok().and_then(|t| serde_json::from_str(&t).ok());
    let _ = std::fs::remove_file(&json);
    Ok(Outcome { status, stdout, report, hung, wall: t.elapsed().as_secs_f64() })
}

fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn parse_list<T>(s: &str, f: impl Fn(&str) -> Option<T>, what: &str) -> Result<Vec<T>, String> {
    s.split(',').filter(|x| !x.is_empty()).map(|x| f(x).ok_or_else(|| format!("unknown {what} '{x}'"))).collect()
}

/// Runs a campaign; returns the exit status.
pub fn campaign(args: CampaignArgs) -> Result<i32, Stop> {
    run_campaign(args).map(|()| 0).map_err(|e| Stop { status: 2, message: format!("campaign: {e}") })
}

fn run_campaign(args: CampaignArgs) -> Result<(), String> {
    let targets = parse_list(&args.targets, |x| ServiceId::from_name(x).filter(|s| !matches!(s, ServiceId::Linux | ServiceId::Supervisor)), "service")?;
    let kinds = parse_list(&args.kinds, |x| Kind::ALL.into_iter().find(|k| k.name() == x), "fault kind")?;
    let (shard, shards) = match &args.shard {
        Some(s) => {
            let (i, n) = s.split_once('/').ok_or("--shard takes I/N")?;
            let (i, n): (u64, u64) = (i.parse().map_err(|_| "bad shard")?, n.parse().map_err(|_| "bad shard")?);
            if n == 0 || i >= n {
                return Err("--shard I/N needs 0 <= I < N".into());
            }
            (i, n)
        }
        None => (0, 1),
    };
    let timeout = Duration::from_secs(args.timeout);
    // Clean reference runs: the expected output, and how often each service is called,
    // so triggers land inside the workload.
    let mut reference: BTreeMap<&str, (Vec<u8>, i32, BTreeMap<String, u64>)> = BTreeMap::new();
    for config in ["split", "monolithic"] {
        let o = run_child(config, None, args.engine, &args.program, timeout, &format!("ref-{config}"))?;
        let calls = o.report.as_ref().map(|r| r.spaces.iter().map(|(k, v)| (k.clone(), v.calls_in)).collect()).unwrap_or_default();
        reference.insert(config, (o.stdout, o.status, calls));
    }
    if reference["split"].0 != reference["monolithic"].0 || reference["split"].1 != reference["monolithic"].1 {
        return Err("the workload's output differs between configurations without any fault".into());
    }
    let split_calls = reference["split"].2.clone();
    let runs: Vec<u64> = (0..args.runs).filter(|r| r % shards == shard).collect();
    let bar = indicatif::ProgressBar::new(runs.len() as u64);
    // A log or a CI run gets no bar (indicatif hides itself there too; this says so).
    if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    bar.set_style(indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} runs · {elapsed} · eta {eta}").unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()));
    let out = Mutex::new(std::fs::File::create(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?);
    let next = Mutex::new(0usize);
    let jobs = args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())).max(1);
    let records = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| loop {
                let i = {
                    let mut n = next.lock().unwrap_or_else(|p| p.into_inner());
                    *n += 1;
                    *n - 1
                };
                let Some(&run) = runs.get(i) else { break };
                let h = mix(args.seed ^ mix(run));
                let config = if run % 2 == 0 { "split" } else { "monolithic" };
                let service = targets[(h % targets.len() as u64) as usize];
                let kind = kinds[((h >> 16) % kinds.len() as u64) as usize];
                let calls = split_calls.get(service.name()).copied().unwrap_or(1).max(1);
                let spec = Spec { service, kind, trigger: Trigger::After(1 + (h >> 32) % calls), seed: h, step: args.step };
                let rec = match run_child(config, Some(&spec), args.engine, &args.program, timeout, &format!("{run}")) {
                    Ok(o) => classify(run, config, &spec, &o, &reference[config]),
                    Err(e) => {
                        bar.println(format!("run {run}: {e}"));
                        continue;
                    }
                };
                if let Ok(line) = serde_json::to_string(&rec) {
                    let mut f = out.lock().unwrap_or_else(|p| p.into_inner());
                    let _ = writeln!(f, "{line}");
                }
                records.lock().unwrap_or_else(|p| p.into_inner()).push(rec);
                bar.inc(1);
            });
        }
    });
    bar.finish_and_clear();
    let records = records.into_inner().unwrap_or_else(|p| p.into_inner());
    print_summary(&records);
    if let Some(path) = &args.report {
        let title = args.program.iter().map(|a| a.to_string_lossy()).collect::<Vec<_>>().join(" ");
        crate::campaign_report::write(path, &title, &records);
    }
    tracing::info!(target: "grantix", "campaign: {} runs written to {}", records.len(), args.out.display());
    Ok(())
}

fn classify(run: u64, config: &str, spec: &Spec, o: &Outcome, reference: &(Vec<u8>, i32, BTreeMap<String, u64>)) -> RunRecord {
    let rec = o.report.as_ref().map(|r| r.record.clone()).unwrap_or_default();
    let kernel_crash = rec.panic.is_some() || o.status == personality::runner::KERNEL_PANIC_STATUS;
    let correct = !o.hung && o.stdout == reference.0 && o.status == reference.1;
    // The workload exits 3 when its checksums caught data that changed without any
    // error being reported: corruption the system let through silently.
    let silent_corruption = !kernel_crash && o.status == 3;
    RunRecord {
        run,
        config: config.to_string(),
        inject: spec.to_string(),
        fired: rec.injected > 0,
        status: o.status,
        correct,
        kernel_crash,
        restarts: rec.restarts.iter().sum(),
        silent_corruption,
        app_visible_failure: !correct && !kernel_crash && !silent_corruption,
        hung: o.hung,
        wall_s: o.wall,
    }
}

fn print_summary(records: &[RunRecord]) {
    let mut by: BTreeMap<&str, Tally> = BTreeMap::new();
    for r in records {
        by.entry(r.config.as_str()).or_default().add(r);
    }
    println!("{:<11} {:>6} {:>7} {:>8} {:>9} {:>8} {:>8} {:>8} {:>6}", "config", "runs", "fired", "crashes", "restarts", "correct", "visible", "silent", "hung");
    for (c, s) in &by {
        println!("{:<11} {:>6} {:>7} {:>8} {:>9} {:>8} {:>8} {:>8} {:>6}", c, s.runs, s.fired, s.crashes, s.restarts, s.correct, s.visible, s.silent, s.hung);
    }
    for (c, s) in &by {
        if s.fired > 0 {
            println!(
                "{c}: of {} injected faults that fired, {:.1}% left the workload's output correct, {:.1}% crashed the kernel, {:.1}% corrupted data silently",
                s.fired,
                s.pct(s.correct),
                s.pct(s.crashes),
                s.pct(s.silent)
            );
        }
    }
}

/// `grantix campaign-merge FILES...`: joins shards' JSON lines and prints the summary.
pub fn merge(files: &[PathBuf], out: Option<&PathBuf>, report: Option<&PathBuf>) -> Result<i32, Stop> {
    let fail = |message: String| Err(Stop { status: 2, message });
    let mut records = Vec::new();
    for f in files {
        let Ok(file) = std::fs::File::open(f) else {
            return fail(format!("campaign-merge: cannot open {}", f.display()));
        };
        for (n, line) in std::io::BufReader::new(file).lines().map_while(Result::ok).enumerate() {
            match serde_json::from_str::<RunRecord>(&line) {
                Ok(r) => records.push(r),
                Err(e) => return fail(format!("campaign-merge: {}:{}: {e}", f.display(), n + 1)),
            }
        }
    }
    records.sort_by_key(|r| r.run);
    if let Some(o) = out {
        let text: String = records.iter().filter_map(|r| serde_json::to_string(r).ok()).map(|l| l + "\n").collect();
        if let Err(e) = std::fs::write(o, text) {
            return fail(format!("campaign-merge: {}: {e}", o.display()));
        }
    }
    print_summary(&records);
    if let Some(path) = report {
        let title = files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(" ");
        crate::campaign_report::write(path, &title, &records);
    }
    Ok(0)
}
