//! The subcommand form of the command line (`grantix run|compare|campaign|...`), in clap.

use crate::launch::{Stop, RunSpec};
use crate::{binfmt, campaign, compare, launch, logging};
use clap::{Parser, Subcommand};
use personality::Config;
use std::ffi::OsString;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "grantix",
    version,
    about = "Run riscv64 Linux programs on a machine of spaces, grants and portals",
    after_help = "Also usable as qemu-riscv64 is: grantix [-L PREFIX] [-E VAR=V] [-strace] ... PROGRAM [ARGS...] (grantix -h lists those flags)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The names `Command` answers to: anything else in first position is a program (the
/// qemu-style form).
pub const SUBCOMMANDS: &[&str] = &["run", "costs", "syscalls", "compare", "campaign", "campaign-merge", "binfmt", "help"];

#[derive(Subcommand)]
pub enum Command {
    /// Run a riscv64 Linux program.
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
        /// Write a self-contained HTML report with charts.
        #[arg(long)]
        report: Option<PathBuf>,
        /// The shards' JSON-lines files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Register grantix with binfmt_misc for riscv64 ELF executables (as qemu-binfmt-conf.sh does).
    Binfmt(binfmt::BinfmtArgs),
}

#[derive(clap::Args)]
pub struct RunArgs {
    /// Kernel configuration: split (each service in its own space) or monolithic.
    #[arg(long)]
    pub config: Option<Config>,
    /// Host directory the guest sees as / (default: the host's own tree).
    #[arg(long)]
    pub root: Option<PathBuf>,
    /// Print every syscall with its result to stderr.
    #[arg(long)]
    pub strace: bool,
    /// Execution engine: jit (hot code translated to host code; the default on x86_64
    /// and aarch64 hosts) or interp (the reference interpreter; the default elsewhere
    /// and with --trace). Both give the same results, counts and cycles (GRANTIX_ENGINE).
    #[arg(long, value_enum)]
    pub engine: Option<crate::EngineArg>,
    /// Print only these syscalls (`trace=openat,read`, as strace -e; implies --strace).
    #[arg(long)]
    pub strace_filter: Option<String>,
    /// Under each syscall, the portal calls, grants and revocations it made in the
    /// kernel (the in-kernel service calls when monolithic); implies --strace
    /// (GRANTIX_STRACE_CALLS).
    #[arg(long)]
    pub strace_calls: bool,
    /// Print every instruction (very slow; same as -d in_asm).
    #[arg(long)]
    pub trace: bool,
    /// Print machine counters to stderr when the program ends.
    #[arg(long)]
    pub stats: bool,
    /// Write the run's accounting (totals, per space, per syscall) as JSON to FILE.
    #[arg(long)]
    pub stats_json: Option<PathBuf>,
    /// Cycle-model cost file (TOML; see `grantix costs`).
    #[arg(long)]
    pub costs: Option<PathBuf>,
    /// Inject a fault: SERVICE:KIND[:after=N|:p=P][:seed=S], KIND one of wild-write,
    /// wild-read, null, panic, hang, leak.
    #[arg(long)]
    pub inject: Option<personality::inject::Spec>,
    /// Machine limits and settings (TOML, the fields of `MachineConfig`: `[limits]`
    /// spaces, frames, reserve, `[limits.grants]` per_space, total, max_depth,
    /// `[portals]` per_space, total, max_harts, ...); --mem and --costs override it.
    #[arg(long)]
    pub machine: Option<PathBuf>,
    /// Guest physical memory (frames), e.g. 512M, 4G (GRANTIX_MEM; default: half the
    /// host's, at most 8G).
    #[arg(long, value_parser = launch::parse_mem)]
    pub mem: Option<u64>,
    /// Instructions per scheduling quantum.
    #[arg(long, default_value_t = personality::runner::DEFAULT_QUANTUM)]
    pub quantum: u64,
    /// Interpreter and library prefix, as qemu's -L (GRANTIX_LD_PREFIX).
    #[arg(long = "ld-prefix", short = 'L')]
    pub ld_prefix: Option<PathBuf>,
    /// Log categories, as qemu's -d (GRANTIX_LOG); `-d help` lists them.
    #[arg(long = "log", short = 'd')]
    pub log: Option<String>,
    /// Write logs to FILE instead of stderr, as qemu's -D (GRANTIX_LOG_FILENAME).
    #[arg(long = "log-file", short = 'D')]
    pub log_file: Option<PathBuf>,
    /// Seed of the guest's randomness (AT_RANDOM, getrandom), as qemu's -seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// The guest's clock: `host`, or `virtual` (moves 1 ns per retired instruction,
    /// jumps to the next deadline when every thread sleeps: runs repeat exactly)
    /// (GRANTIX_CLOCK).
    #[arg(long, value_parser = crate::launch::parse_clock)]
    pub clock: Option<bool>,
    /// Whether a guest's exec of a program of the host's own architecture (the host's
    /// /bin/sh for system() and popen() without --root) runs it on the host, as
    /// qemu-user does: on (the default) or off (ENOEXEC and a warning). Host programs
    /// run outside the grant model (GRANTIX_HOST_EXEC).
    #[arg(long = "host-exec", value_name = "on|off", value_parser = launch::parse_on_off)]
    pub host_exec: Option<bool>,
    /// The program and its arguments.
    #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
    pub program: Vec<OsString>,
}

/// Runs the subcommand form; returns the exit status.
pub fn main(args: Vec<OsString>) -> Result<i32, Stop> {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        // clap prints help, version and usage errors itself, with its own exit codes.
        Err(e) => e.exit(),
    };
    match cli.command {
        Command::Run(args) => run(args),
        other => {
            let env = launch::EnvSettings::from_env()?;
            logging::init(&logging::LogSpec { categories: env.log.clone(), file: env.log_file.clone() })?;
            Ok(match other {
                Command::Costs => {
                    print!("{}", machine::cost::CostModel::default().to_toml());
                    0
                }
                Command::Syscalls => {
                    print!("{}", launch::syscall_table());
                    0
                }
                Command::Compare(args) => return compare::compare(args),
                Command::Campaign(args) => return campaign::campaign(args),
                Command::CampaignMerge { out, report, files } => return campaign::merge(&files, out.as_ref(), report.as_ref()),
                Command::Binfmt(args) => return binfmt::main(args),
                Command::Run(_) => unreachable!("handled above"),
            })
        }
    }
}

/// `grantix run`: the long flags, over the GRANTIX_* environment defaults.
fn run(args: RunArgs) -> Result<i32, Stop> {
    let mut spec = RunSpec::from_env()?;
    if let Some(c) = args.config {
        spec.config = c;
    }
    if args.root.is_some() {
        spec.root = args.root;
    }
    spec.strace |= args.strace || args.strace_filter.is_some() || args.strace_calls;
    spec.strace_calls |= args.strace_calls;
    if args.strace_filter.is_some() {
        spec.strace_filter = args.strace_filter;
    }
    spec.trace |= args.trace;
    spec.stats |= args.stats;
    spec.stats_json = args.stats_json;
    spec.costs = args.costs;
    spec.inject = args.inject;
    spec.quantum = args.quantum;
    spec.machine = args.machine;
    if args.engine.is_some() {
        spec.engine = args.engine;
    }
    if args.mem.is_some() {
        spec.mem = args.mem;
    }
    if args.ld_prefix.is_some() {
        spec.ld_prefix = args.ld_prefix;
    }
    if args.log.is_some() {
        spec.log.categories = args.log;
    }
    if args.log_file.is_some() {
        spec.log.file = args.log_file;
    }
    if args.seed.is_some() {
        spec.seed = args.seed;
    }
    if let Some(v) = args.clock {
        spec.virtual_clock = v;
    }
    if let Some(v) = args.host_exec {
        spec.host_exec = v;
    }
    spec.program = args.program;
    launch::run(spec)
}
