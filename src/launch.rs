//! One run of a guest program, whichever form of the command line asked for it: the
//! settings (`RunSpec`, with their GRANTIX_* environment defaults) and the run itself.

use crate::logging::{self, LogSpec};
pub use crate::stop::Stop;
use personality::wiring::service_mut;
use personality::{Config, Options, Runtime};
use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use syscalls::ServiceId;

/// The settings that have a GRANTIX_* environment variable (qemu's QEMU_* names with
/// GRANTIX_ instead): read first, overridden by flags. binfmt_misc passes no flags, so
/// this is how a program started through it is configured.
#[derive(Clone, Debug, Default)]
pub struct EnvSettings {
    pub ld_prefix: Option<PathBuf>,
    pub strace: bool,
    /// GRANTIX_STRACE_FILTER: `trace=NAME,...`, the syscalls strace shows.
    pub strace_filter: Option<String>,
    /// GRANTIX_STRACE_CALLS: under each strace line, the portal calls and grants.
    pub strace_calls: bool,
    pub gdb: Option<String>,
    pub log: Option<String>,
    pub log_file: Option<PathBuf>,
    pub set_env: Vec<String>,
    pub unset_env: Vec<String>,
    pub argv0: Option<OsString>,
    pub seed: Option<u64>,
    pub stack_size: Option<u64>,
    pub cpu: Option<String>,
    pub config: Option<Config>,
    pub root: Option<PathBuf>,
    /// GRANTIX_MEM: the guest memory limit in bytes.
    pub mem: Option<u64>,
    /// GRANTIX_ENGINE: jit or interp.
    pub engine: Option<crate::EngineArg>,
    /// GRANTIX_CLOCK: `virtual` for the instruction-driven clock, `host` (the default).
    pub virtual_clock: Option<bool>,
}

fn var(name: &str) -> Option<OsString> {
    std::env::var_os(name).filter(|v| !v.is_empty())
}

fn text(name: &str) -> Option<String> {
    var(name).map(|v| v.to_string_lossy().into_owned())
}

/// Splits qemu's comma lists (`-E A=1,B=2`); a backslash keeps a comma in a value.
pub fn comma_list(s: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    out.last_mut().expect("never empty").push(n);
                }
            }
            ',' => out.push(String::new()),
            c => out.last_mut().expect("never empty").push(c),
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

/// A size with qemu's suffixes: plain bytes, or k/K, m/M, g/G (binary multiples).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (num, mult) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let m = match c.to_ascii_lowercase() {
                'b' => 1,
                'k' => 1 << 10,
                'm' => 1 << 20,
                'g' => 1 << 30,
                't' => 1 << 40,
                _ => return Err(format!("invalid size '{s}'")),
            };
            (&t[..i], m)
        }
        _ => (t, 1u64),
    };
    num.parse::<u64>().ok().and_then(|n| n.checked_mul(mult)).filter(|n| *n > 0).ok_or_else(|| format!("invalid size '{s}'"))
}

/// A guest memory limit: a size of at least 16 MiB (less cannot hold the services).
pub fn parse_mem(s: &str) -> Result<u64, String> {
    let bytes = parse_size(s)?;
    if bytes < 16 << 20 {
        return Err(format!("'{s}': at least 16M"));
    }
    Ok(bytes)
}

/// `host` or `virtual`: whether the guest's clock is the instruction-driven one.
pub fn parse_clock(s: &str) -> Result<bool, String> {
    match s {
        "host" => Ok(false),
        "virtual" => Ok(true),
        _ => Err(format!("unknown clock '{s}' (host or virtual)")),
    }
}

/// A seed as qemu takes it: decimal, or hex with 0x.
pub fn parse_seed(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let r = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(h) => u64::from_str_radix(h, 16),
        None => t.parse::<u64>(),
    };
    r.map_err(|_| format!("invalid seed '{s}'"))
}

pub fn parse_config(s: &str) -> Result<Config, String> {
    s.parse()
}

impl EnvSettings {
    /// Reads the GRANTIX_* variables; a malformed value is an error naming the variable.
    pub fn from_env() -> Result<EnvSettings, Stop> {
        let bad = |name: &str, e: String| Stop::usage(format!("{name}: {e}"));
        Ok(EnvSettings {
            ld_prefix: var("GRANTIX_LD_PREFIX").map(PathBuf::from),
            strace: var("GRANTIX_STRACE").is_some() || var("GRANTIX_STRACE_FILTER").is_some() || var("GRANTIX_STRACE_CALLS").is_some(),
            strace_filter: text("GRANTIX_STRACE_FILTER"),
            strace_calls: var("GRANTIX_STRACE_CALLS").is_some(),
            gdb: text("GRANTIX_GDB"),
            log: text("GRANTIX_LOG"),
            log_file: var("GRANTIX_LOG_FILENAME").map(PathBuf::from),
            set_env: text("GRANTIX_SET_ENV").map(|s| comma_list(&s)).unwrap_or_default(),
            unset_env: text("GRANTIX_UNSET_ENV").map(|s| comma_list(&s)).unwrap_or_default(),
            argv0: var("GRANTIX_ARGV0"),
            seed: text("GRANTIX_RAND_SEED").map(|s| parse_seed(&s)).transpose().map_err(|e| bad("GRANTIX_RAND_SEED", e))?,
            stack_size: text("GRANTIX_STACK_SIZE").map(|s| parse_size(&s)).transpose().map_err(|e| bad("GRANTIX_STACK_SIZE", e))?,
            cpu: text("GRANTIX_CPU"),
            config: text("GRANTIX_CONFIG").map(|s| parse_config(&s)).transpose().map_err(|e| bad("GRANTIX_CONFIG", e))?,
            root: var("GRANTIX_ROOT").map(PathBuf::from),
            mem: text("GRANTIX_MEM").map(|s| parse_mem(&s)).transpose().map_err(|e| bad("GRANTIX_MEM", e))?,
            engine: text("GRANTIX_ENGINE").map(|s| crate::EngineArg::parse(&s)).transpose().map_err(|e| bad("GRANTIX_ENGINE", e))?,
            virtual_clock: text("GRANTIX_CLOCK").map(|s| parse_clock(&s)).transpose().map_err(|e| bad("GRANTIX_CLOCK", e))?,
        })
    }
}

/// Everything one run needs.
#[derive(Debug)]
pub struct RunSpec {
    pub config: Config,
    pub root: Option<PathBuf>,
    pub ld_prefix: Option<PathBuf>,
    pub strace: bool,
    /// `trace=NAME,...`: the syscalls strace shows (all when None).
    pub strace_filter: Option<String>,
    /// Under each strace line, the portal calls, grants and revocations of the syscall.
    pub strace_calls: bool,
    pub trace: bool,
    pub stats: bool,
    pub stats_json: Option<PathBuf>,
    pub costs: Option<PathBuf>,
    pub inject: Option<personality::inject::Spec>,
    pub quantum: u64,
    /// The execution engine asked for (None: jit where the host has a backend).
    pub engine: Option<crate::EngineArg>,
    /// A TOML file of machine limits and settings (`--machine`).
    pub machine: Option<PathBuf>,
    /// Guest physical memory in bytes (the machine's frame limit); None: the default.
    pub mem: Option<u64>,
    pub log: LogSpec,
    /// Variables to set (VAR=VALUE) and remove, applied in this order to the host's
    /// environment to make the guest's.
    pub set_env: Vec<String>,
    pub unset_env: Vec<String>,
    pub argv0: Option<OsString>,
    pub seed: Option<u64>,
    pub stack_size: Option<u64>,
    pub cpu: Option<String>,
    pub gdb: Option<String>,
    /// The guest's clocks move with retired instructions, not the host's time
    /// (`syscalls::clock`): reproducible runs.
    pub virtual_clock: bool,
    /// The program and its arguments (argv[0] is replaced by `argv0` if set).
    pub program: Vec<OsString>,
}

impl RunSpec {
    /// The defaults, with the GRANTIX_* variables applied.
    pub fn from_env() -> Result<RunSpec, Stop> {
        let e = EnvSettings::from_env()?;
        Ok(RunSpec {
            config: e.config.unwrap_or(Config::Split),
            root: e.root,
            ld_prefix: e.ld_prefix,
            strace: e.strace,
            strace_filter: e.strace_filter,
            strace_calls: e.strace_calls,
            trace: false,
            stats: false,
            stats_json: None,
            costs: None,
            inject: None,
            quantum: personality::runner::DEFAULT_QUANTUM,
            engine: e.engine,
            machine: None,
            mem: e.mem,
            log: LogSpec { categories: e.log, file: e.log_file },
            set_env: e.set_env,
            unset_env: e.unset_env,
            argv0: e.argv0,
            seed: e.seed,
            stack_size: e.stack_size,
            cpu: e.cpu,
            gdb: e.gdb,
            virtual_clock: e.virtual_clock.unwrap_or(false),
            program: Vec::new(),
        })
    }

    /// The guest's environment: the host's, then -E, then -U (qemu applies them in
    /// that order too).
    pub fn guest_env(&self) -> Vec<Vec<u8>> {
        let mut env: Vec<(Vec<u8>, Vec<u8>)> = std::env::vars_os().map(|(k, v)| (k.as_bytes().to_vec(), v.as_bytes().to_vec())).collect();
        for kv in &self.set_env {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            match env.iter_mut().find(|(n, _)| n == k.as_bytes()) {
                Some(slot) => slot.1 = v.as_bytes().to_vec(),
                None => env.push((k.as_bytes().to_vec(), v.as_bytes().to_vec())),
            }
        }
        env.retain(|(k, _)| !self.unset_env.iter().any(|u| u.as_bytes() == k.as_slice()));
        env.into_iter().map(|(k, v)| [k.as_slice(), b"=", v.as_slice()].concat()).collect()
    }

    /// The guest's argv.
    pub fn guest_argv(&self) -> Vec<Vec<u8>> {
        let mut argv: Vec<Vec<u8>> = self.program.iter().map(|a| a.as_bytes().to_vec()).collect();
        if let (Some(a0), Some(first)) = (&self.argv0, argv.first_mut()) {
            *first = a0.as_bytes().to_vec();
        }
        argv
    }
}

/// Runs the program `spec` describes; returns the guest's exit status.
pub fn run(mut spec: RunSpec) -> Result<i32, Stop> {
    if spec.trace {
        // --trace is -d in_asm.
        let cats = spec.log.categories.take().map_or("in_asm".to_string(), |c| format!("{c},in_asm"));
        spec.log.categories = Some(cats);
    }
    let log = logging::init(&spec.log)?;
    if let Some(cpu) = &spec.cpu {
        crate::cpu::check(cpu)?;
    }
    let Some(program) = spec.program.first() else { return Err(Stop::usage("no program given")) };
    let strace_filter = match &spec.strace_filter {
        Some(f) => Some(personality::strace::parse_filter(f).map_err(|e| Stop::usage(format!("strace filter {f:?}: {e}")))?),
        None => None,
    };
    let mut opts = Options { config: spec.config, strace: spec.strace || log.strace, strace_filter, strace_calls: spec.strace_calls, quantum: spec.quantum.max(1), inject: spec.inject, syscall_times: spec.stats || spec.stats_json.is_some(), ..Options::default() };
    if let Some(root) = &spec.root {
        match std::fs::canonicalize(root) {
            Ok(r) if r.is_dir() => opts.root = r,
            _ => return Err(Stop { status: 125, message: format!("--root {}: not a directory", root.display()) }),
        }
    }
    if let Some(path) = &spec.machine {
        let text = std::fs::read_to_string(path).map_err(|e| e.to_string());
        opts.machine = text
            .and_then(|t| toml::from_str::<machine::MachineConfig>(&t).map_err(|e| e.to_string()))
            .map_err(|e| Stop { status: 125, message: format!("--machine {}: {e}", path.display()) })?;
    }
    opts.machine.engine = crate::EngineArg::resolve(spec.engine, spec.trace || log.trace);
    if spec.virtual_clock {
        syscalls::clock::use_virtual();
    }
    if let Some(bytes) = spec.mem {
        opts.machine.limits.frames = (bytes / machine::addr::PAGE_SIZE) as usize;
    }
    if let Some(path) = &spec.costs {
        opts.machine.costs = machine::cost::CostModel::load(path).map_err(|e| Stop { status: 125, message: e.to_string() })?;
    }
    let ld_prefix = match &spec.ld_prefix {
        Some(p) => match std::fs::canonicalize(p) {
            Ok(r) if r.is_dir() => Some(r),
            _ => return Err(Stop { status: 125, message: format!("-L {}: not a directory", p.display()) }),
        },
        None => None,
    };
    let mut rt = Runtime::boot(&opts).map_err(|e| Stop { status: e.exit_status(), message: e.to_string() })?;
    rt.m.trace = spec.trace || log.trace;
    let paths = syscalls::mm::interp::Paths { root: opts.root.clone(), prefix: ld_prefix };
    configure(&mut rt, &spec, &paths);
    let path = program.to_string_lossy().into_owned();
    let host_path = resolve_program(&path, &opts.root);
    check_interpreter(&host_path, &paths).map_err(|e| Stop { status: e.exit_status(), message: format!("{path}: {e}") })?;
    rt.spawn(&host_path, spec.guest_argv(), spec.guest_env()).map_err(|e| Stop { status: e.exit_status(), message: format!("{path}: {e}") })?;
    if let Some(port) = &spec.gdb {
        rt.debugger = Some(Box::new(crate::gdb::attach(port).map_err(Stop::usage)?));
    }
    let status = rt.run();
    if spec.stats {
        crate::report::print_stats(&rt);
    }
    if let Some(path) = &spec.stats_json {
        let report = rt.report(status);
        if let Err(e) = std::fs::write(path, serde_json::to_string_pretty(&report).unwrap_or_default()) {
            tracing::error!(target: "grantix", "cannot write {}: {e}", path.display());
        }
    }
    Ok(status)
}

/// The program's host path. Without --root the program is a host path (relative to the
/// current directory), as with qemu-user. With --root an absolute path is first looked
/// up inside the root, as the guest would see it (`grantix -root R /bin/ls` runs R's
/// ls, following R's symlinks inside R), then on the host.
fn resolve_program(path: &str, root: &std::path::Path) -> String {
    if root != std::path::Path::new("/")
        && path.starts_with('/')
        && let Some(inside) = syscalls::vfs::prefix::find(root, None, path)
    {
        return inside.to_string_lossy().into_owned();
    }
    path.to_string()
}

/// A dynamically linked program whose interpreter is nowhere to be found is refused
/// before the machine starts, with the options that would find it (mm would only say
/// ENOENT, as Linux does).
fn check_interpreter(host_path: &str, paths: &syscalls::mm::interp::Paths) -> Result<(), loader::LoadError> {
    let Ok(bytes) = loader::read_executable(host_path) else { return Ok(()) };
    let Ok(image) = loader::parse(&bytes) else { return Ok(()) };
    match image.interp {
        Some(name) if paths.interpreter(&name).is_none() => Err(loader::LoadError::Dynamic { interpreter: name }),
        _ => Ok(()),
    }
}

/// Settings that live in services, applied after boot.
fn configure(rt: &mut Runtime, spec: &RunSpec, paths: &syscalls::mm::interp::Paths) {
    let cfg = rt.config;
    if let Some(seed) = spec.seed {
        if let Some(mm) = service_mut::<syscalls::mm::Mm>(&mut rt.m, &rt.wiring, cfg, ServiceId::Mm) {
            mm.seed = seed;
        }
        if let Some(l) = service_mut::<personality::linux::Linux>(&mut rt.m, &rt.wiring, cfg, ServiceId::Linux) {
            l.random = seed;
        }
    }
    if let Some(mm) = service_mut::<syscalls::mm::Mm>(&mut rt.m, &rt.wiring, cfg, ServiceId::Mm) {
        mm.stack_size = spec.stack_size.unwrap_or(0);
        mm.paths = paths.clone();
    }
    if let Some(v) = service_mut::<syscalls::vfs::Vfs>(&mut rt.m, &rt.wiring, cfg, ServiceId::Vfs) {
        v.prefix = paths.prefix.clone();
    }
}

/// The supported-syscall table of README.md, from `personality::linux::route`.
pub fn syscall_table() -> String {
    personality::support::markdown()
}
