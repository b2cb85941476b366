//! grantix: the command-line front end.

mod campaign;
mod compare;
mod svg;

use clap::{Parser, Subcommand};
use personality::{Config, Options, Runtime};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "grantix", version, about = "Run static riscv64 Linux programs on a machine of spaces, grants and portals")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a statically linked riscv64 Linux program.
    Run(RunArgs),
    /// Print the default cycle-model cost table (TOML) to start a cost file from.
    Costs,
    /// Print the table of supported syscalls (Markdown), generated from the dispatcher.
    Syscalls,
    /// Run a program under both configurations and compare what the split kernel costs.
    Compare(compare::CompareArgs),
    /// Inject faults drawn from a seed into many runs of a workload, in both configurations.
    Campaign(campaign::CampaignArgs),
    /// Join campaign shards' JSON lines and print the summary.
    CampaignMerge {
        /// Write the merged JSON lines here.
        #[arg(long)]
        out: Option<PathBuf>,
        /// The shards' JSON-lines files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(clap::Args)]
struct RunArgs {
    /// Kernel configuration: split (each service in its own space) or monolithic.
    #[arg(long, default_value = "split")]
    config: Config,
    /// Host directory the guest sees as / (default: the host's own tree).
    #[arg(long)]
    root: Option<PathBuf>,
    /// Print every syscall with its result to stderr.
    #[arg(long)]
    strace: bool,
    /// Print every instruction (very slow; use with RUST_LOG=grantix::trace=trace).
    #[arg(long)]
    trace: bool,
    /// Print machine counters to stderr when the program ends.
    #[arg(long)]
    stats: bool,
    /// Write the run's accounting (totals, per space, per syscall) as JSON to FILE.
    #[arg(long)]
    stats_json: Option<PathBuf>,
    /// Cycle-model cost file (TOML; see `grantix costs`).
    #[arg(long)]
    costs: Option<PathBuf>,
    /// Inject a fault: SERVICE:KIND[:after=N|:p=P][:seed=S], KIND one of wild-write,
    /// wild-read, null, panic, hang, leak.
    #[arg(long)]
    inject: Option<personality::inject::Spec>,
    /// Instructions per scheduling quantum.
    #[arg(long, default_value_t = personality::runner::DEFAULT_QUANTUM)]
    quantum: u64,
    /// Execution engine: jit (hot code translated to host code; the default on x86_64
    /// and aarch64 hosts) or interp (the reference interpreter; the default elsewhere
    /// and with --trace). Both give the same results, counts and cycles.
    #[arg(long, value_enum)]
    engine: Option<EngineArg>,
    /// The program and its arguments.
    #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
    program: Vec<std::ffi::OsString>,
}

/// The `--engine` choices of run, compare and campaign.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum EngineArg {
    Jit,
    Interp,
}

impl EngineArg {
    /// The engine a run uses: the one asked for, else jit where the translator has a
    /// host backend; --trace shows every instruction, so it interprets.
    fn resolve(asked: Option<EngineArg>, trace: bool) -> machine::cpu::Engine {
        let jit_host = cfg!(any(target_arch = "x86_64", target_arch = "aarch64"));
        match asked {
            Some(EngineArg::Interp) => machine::cpu::Engine::Interp,
            Some(EngineArg::Jit) => machine::cpu::Engine::Jit,
            None if jit_host && !trace => machine::cpu::Engine::Jit,
            None => machine::cpu::Engine::Interp,
        }
    }

    /// The flag value, for forwarding to child runs.
    pub fn name(self) -> &'static str {
        match self {
            EngineArg::Jit => "jit",
            EngineArg::Interp => "interp",
        }
    }
}

fn main() {
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_env("RUST_LOG")).with_writer(std::io::stderr).without_time().init();
    // A panic inside a host service is a fault of that service, handled by the
    // machine; keep the default hook from printing it as if grantix had crashed.
    std::panic::set_hook(Box::new(|info| tracing::debug!("host code panicked: {info}")));
    let cli = Cli::parse();
    match cli.command {
        Command::Costs => print!("{}", machine::cost::CostModel::default().to_toml()),
        Command::Syscalls => print!("{}", syscall_table()),
        Command::Compare(args) => std::process::exit(compare::compare(args)),
        Command::Campaign(args) => std::process::exit(campaign::campaign(args)),
        Command::CampaignMerge { out, files } => std::process::exit(campaign::merge(&files, out.as_ref())),
        Command::Run(args) => std::process::exit(run(args)),
    }
}

fn run(args: RunArgs) -> i32 {
    let mut opts = Options { config: args.config, strace: args.strace, quantum: args.quantum.max(1), inject: args.inject, ..Options::default() };
    opts.machine.engine = EngineArg::resolve(args.engine, args.trace);
    if let Some(root) = &args.root {
        match std::fs::canonicalize(root) {
            Ok(r) if r.is_dir() => opts.root = r,
            _ => {
                eprintln!("grantix: --root {}: not a directory", root.display());
                return 125;
            }
        }
    }
    if let Some(path) = &args.costs {
        match machine::cost::CostModel::load(path) {
            Ok(c) => opts.machine.costs = c,
            Err(e) => {
                eprintln!("grantix: {e}");
                return 125;
            }
        }
    }
    let mut rt = match Runtime::boot(&opts) {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("grantix: {e}");
            return e.exit_status();
        }
    };
    rt.m.trace = args.trace;
    let program = args.program[0].to_string_lossy().into_owned();
    let argv: Vec<Vec<u8>> = args.program.iter().map(|a| a.as_bytes().to_vec()).collect();
    let envp: Vec<Vec<u8>> = std::env::vars_os().map(|(k, v)| [k.as_bytes(), b"=", v.as_bytes()].concat()).collect();
    if let Err(e) = rt.spawn(&program, argv, envp) {
        eprintln!("grantix: {program}: {e}");
        return e.exit_status();
    }
    let status = rt.run();
    if args.stats {
        print_stats(&rt);
    }
    if let Some(path) = &args.stats_json {
        let report = rt.report(status);
        if let Err(e) = std::fs::write(path, serde_json::to_string_pretty(&report).unwrap_or_default()) {
            eprintln!("grantix: cannot write {}: {e}", path.display());
        }
    }
    status
}

fn print_stats(rt: &Runtime) {
    let t = rt.m.total_counters();
    let secs = rt.elapsed.as_secs_f64().max(1e-9);
    eprintln!("grantix: config {} · {:.3} s · {} instructions ({:.1} MIPS) · {} modeled cycles", rt.config.name(), secs, t.instret, t.instret as f64 / secs / 1e6, t.cycles);
    eprintln!(
        "grantix: ecalls {} · portal calls {} · grants {} persistent / {} transient ({} bytes) · revokes {} · faults {}",
        t.ecalls,
        t.pcalls,
        t.grants_persistent,
        t.grants_transient,
        t.bytes_granted,
        t.revokes,
        t.fault_total()
    );
    if rt.m.config.engine == machine::cpu::Engine::Jit {
        let j = rt.m.jit_stats();
        eprintln!(
            "grantix: engine jit · {} translations held ({} bytes of host code) · {} made · {} flushes · {} translated block runs",
            j.blocks, j.code_bytes, j.compiled, j.flushes, j.entries
        );
    }
}

/// The supported-syscall table of README.md, from `personality::linux::route`.
fn syscall_table() -> String {
    let all = syscalls::sysno::ALL;
    let supported: Vec<_> = all.iter().filter_map(|(n, name)| personality::linux::route(*n).map(|s| (*n, *name, s.name()))).collect();
    let mut out = format!("{} of {} riscv64 Linux syscalls are implemented; every other one returns -ENOSYS with one warning naming it.\n\n", supported.len(), all.len());
    out.push_str("| nr | syscall | served by |\n|---:|---|---|\n");
    for (n, name, svc) in supported {
        out.push_str(&format!("| {n} | `{name}` | {svc} |\n"));
    }
    out
}
