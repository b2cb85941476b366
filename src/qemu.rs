//! The qemu-user form of the command line: `grantix [FLAGS] PROGRAM [ARGS...]` with
//! qemu-riscv64's flags and their meaning, over the GRANTIX_* environment defaults.
//!
//! As in qemu's `parse_args`, options come before the program, each may be written with
//! one dash or two, `--` ends them, and the first argument that is not an option is the
//! program. Under binfmt_misc with the P flag (preserve argv[0]) the kernel passes the
//! program's full path and then its original argv[0]: the interpreter learns of it from
//! `AT_FLAGS` (AT_FLAGS_PRESERVE_ARGV0), as qemu does.

use crate::launch::{self, parse_config, parse_on_off, parse_seed, parse_size, Stop, RunSpec};
use std::ffi::OsString;
use std::path::PathBuf;

/// What the qemu form asked for: run a program, or print something and stop.
#[derive(Debug)]
pub enum Action {
    Run(Box<RunSpec>),
    Print(String),
}

/// One flag: its names, its argument (if it takes one), what it does.
struct Flag {
    name: &'static str,
    arg: Option<&'static str>,
    env: &'static str,
    help: &'static str,
}

const FLAGS: &[Flag] = &[
    Flag { name: "h", arg: None, env: "", help: "print this help" },
    Flag { name: "help", arg: None, env: "", help: "print this help" },
    Flag { name: "g", arg: Some("port"), env: "GRANTIX_GDB", help: "wait for gdb to connect on port (127.0.0.1), then run under its control" },
    Flag { name: "L", arg: Some("path"), env: "GRANTIX_LD_PREFIX", help: "set the elf interpreter prefix: guest paths are looked up under path first" },
    Flag { name: "s", arg: Some("size"), env: "GRANTIX_STACK_SIZE", help: "set the stack size in bytes (suffixes k, M, G)" },
    Flag { name: "cpu", arg: Some("model"), env: "GRANTIX_CPU", help: "select the CPU model (-cpu help for the list)" },
    Flag { name: "E", arg: Some("var=value"), env: "GRANTIX_SET_ENV", help: "set a variable in the guest's environment (comma list)" },
    Flag { name: "U", arg: Some("var"), env: "GRANTIX_UNSET_ENV", help: "remove a variable from the guest's environment (comma list)" },
    Flag { name: "0", arg: Some("argv0"), env: "GRANTIX_ARGV0", help: "the guest's argv[0]" },
    Flag { name: "d", arg: Some("item[,...]"), env: "GRANTIX_LOG", help: "enable logging of the items (-d help for the list)" },
    Flag { name: "D", arg: Some("logfile"), env: "GRANTIX_LOG_FILENAME", help: "write logs to logfile (%d: grantix's pid) instead of stderr" },
    Flag { name: "strace", arg: None, env: "GRANTIX_STRACE", help: "log system calls" },
    Flag { name: "strace-filter", arg: Some("trace=name,..."), env: "GRANTIX_STRACE_FILTER", help: "grantix only: log only these system calls (as strace -e trace=; implies -strace)" },
    Flag { name: "strace-calls", arg: None, env: "GRANTIX_STRACE_CALLS", help: "grantix only: under each system call, its portal calls, grants and revocations (implies -strace)" },
    Flag { name: "seed", arg: Some("number"), env: "GRANTIX_RAND_SEED", help: "seed the guest's randomness (AT_RANDOM, getrandom)" },
    Flag { name: "version", arg: None, env: "", help: "display version information and exit" },
    Flag { name: "one-insn-per-tb", arg: None, env: "", help: "accepted for compatibility (grantix interprets one instruction at a time)" },
    Flag { name: "singlestep", arg: None, env: "", help: "same as -one-insn-per-tb" },
    Flag { name: "config", arg: Some("split|monolithic"), env: "GRANTIX_CONFIG", help: "grantix only: the kernel configuration (default split)" },
    Flag { name: "root", arg: Some("dir"), env: "GRANTIX_ROOT", help: "grantix only: the host directory the guest sees as /" },
    Flag { name: "engine", arg: Some("jit|interp"), env: "GRANTIX_ENGINE", help: "grantix only: the execution engine (default jit on x86_64/aarch64)" },
    Flag { name: "stats", arg: None, env: "", help: "grantix only: print the machine's counters at exit" },
    Flag { name: "host-exec", arg: Some("on|off"), env: "GRANTIX_HOST_EXEC", help: "grantix only: run host-native programs the guest execs on the host, as qemu-user (default on; off: ENOEXEC)" },
];

/// The text of `-h`.
pub fn help() -> String {
    let mut s = format!(
        "usage: grantix [options] program [arguments...]\n       grantix COMMAND ... (run, compare, campaign, campaign-merge, binfmt, costs, syscalls; grantix help)\n\
         Linux riscv64 emulation on a machine of spaces, grants and portals, version {}\n\nOptions and environment variables:\n\n\
         {:<26} {:<22} Description\n",
        env!("CARGO_PKG_VERSION"),
        "Argument",
        "Env-variable"
    );
    for f in FLAGS.iter().filter(|f| f.name != "help") {
        let a = format!("-{} {}", f.name, f.arg.unwrap_or(""));
        s.push_str(&format!("{:<26} {:<22} {}\n", a.trim_end(), f.env, f.help));
    }
    s.push_str("\nDefaults: GRANTIX_LD_PREFIX unset (guest paths are host paths), stack 8 MiB, configuration split.\n");
    s
}

/// The text of `-version`.
pub fn version() -> String {
    format!("grantix version {} (qemu-riscv64 compatible command line)\nAn emulated RV64GC machine with spaces, grants and portals.", env!("CARGO_PKG_VERSION"))
}

/// Whether the kernel's binfmt_misc loader started us with the P flag: the auxiliary
/// vector's AT_FLAGS has AT_FLAGS_PRESERVE_ARGV0 (Linux 5.12+).
pub fn binfmt_preserve_argv0() -> bool {
    const AT_FLAGS_PRESERVE_ARGV0: u64 = 1;
    // SAFETY: getauxval only reads the process's auxiliary vector.
    let flags = unsafe { libc::getauxval(libc::AT_FLAGS) };
    flags & AT_FLAGS_PRESERVE_ARGV0 != 0
}

/// Parses the qemu form (`args[0]` is grantix itself).
pub fn parse(args: &[OsString], preserve_argv0: bool) -> Result<Action, Stop> {
    let mut spec = RunSpec::from_env()?;
    let mut i = 1;
    while i < args.len() {
        let a = args[i].to_string_lossy().into_owned();
        if a == "--" {
            i += 1;
            break;
        }
        let Some(body) = a.strip_prefix('-') else { break };
        let name = body.strip_prefix('-').unwrap_or(body);
        // `--host-exec=off`, as the subcommand form writes it: the value after `=`.
        let (name, inline) = match name.split_once('=') {
            Some((n, v)) => (n, Some(OsString::from(v))),
            None => (name, None),
        };
        let Some(flag) = FLAGS.iter().find(|f| f.name == name) else {
            return Err(Stop::usage(format!("unknown option '{name}' (grantix -h lists them)")));
        };
        let value = match flag.arg {
            Some(_) if inline.is_some() => inline,
            None if inline.is_some() => return Err(Stop::usage(format!("-{name} takes no argument"))),
            Some(what) => {
                i += 1;
                let Some(v) = args.get(i) else { return Err(Stop::usage(format!("-{name}: missing argument {what}"))) };
                Some(v.clone())
            }
            None => None,
        };
        let v = value.as_ref().map(|v| v.to_string_lossy().into_owned()).unwrap_or_default();
        match name {
            "h" | "help" => return Ok(Action::Print(help())),
            "version" => return Ok(Action::Print(version())),
            "g" => spec.gdb = Some(v),
            "L" => spec.ld_prefix = value.map(PathBuf::from),
            "s" => spec.stack_size = Some(parse_size(&v).map_err(|e| Stop::usage(format!("-s: {e}")))?),
            "cpu" => {
                if v == "help" || v == "?" {
                    return Ok(Action::Print(crate::cpu::help()));
                }
                spec.cpu = Some(v);
            }
            "E" => spec.set_env.extend(launch::comma_list(&v)),
            "U" => spec.unset_env.extend(launch::comma_list(&v)),
            "0" => spec.argv0 = value,
            "d" => {
                if v == "help" {
                    return Ok(Action::Print(crate::logging::help()));
                }
                spec.log.categories = Some(v);
            }
            "D" => spec.log.file = value.map(PathBuf::from),
            "strace" => spec.strace = true,
            "strace-calls" => {
                spec.strace = true;
                spec.strace_calls = true;
            }
            "strace-filter" => {
                spec.strace = true;
                spec.strace_filter = Some(v);
            }
            "seed" => spec.seed = Some(parse_seed(&v).map_err(|e| Stop::usage(format!("-seed: {e}")))?),
            "one-insn-per-tb" | "singlestep" => {}
            "config" => spec.config = parse_config(&v).map_err(Stop::usage)?,
            "root" => spec.root = value.map(PathBuf::from),
            "stats" => spec.stats = true,
            "engine" => spec.engine = Some(crate::EngineArg::parse(&v).map_err(Stop::usage)?),
            "host-exec" => spec.host_exec = parse_on_off(&v).map_err(|e| Stop::usage(format!("-host-exec: {e}")))?,
            _ => unreachable!("every flag in FLAGS is handled"),
        }
        i += 1;
    }
    let mut program: Vec<OsString> = args[i.min(args.len())..].to_vec();
    if program.is_empty() {
        return Err(Stop::usage(format!("no program given\n{}", help())));
    }
    if preserve_argv0 && program.len() >= 2 {
        // binfmt_misc P: [full path, original argv[0], args...].
        let argv0 = program.remove(1);
        spec.argv0.get_or_insert(argv0);
    }
    spec.program = program;
    Ok(Action::Run(Box::new(spec)))
}

/// Runs the qemu form.
pub fn main(args: Vec<OsString>) -> Result<i32, Stop> {
    match parse(&args, binfmt_preserve_argv0())? {
        Action::Print(text) => Err(Stop { status: 0, message: text }),
        Action::Run(spec) => launch::run(*spec),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &[&str]) -> Vec<OsString> {
        std::iter::once("grantix").chain(s.iter().copied()).map(OsString::from).collect()
    }

    fn spec(s: &[&str]) -> RunSpec {
        match parse(&args(s), false).unwrap() {
            Action::Run(r) => *r,
            Action::Print(p) => panic!("printed {p}"),
        }
    }

    #[test]
    fn flags_before_the_program_and_program_arguments_untouched() {
        let r = spec(&["-L", "/pfx", "--strace", "-E", "A=1,B=2", "-U", "HOME", "-0", "name", "-s", "16M", "-seed", "0x10", "prog", "-L", "x"]);
        assert_eq!(r.ld_prefix, Some(PathBuf::from("/pfx")));
        assert!(r.strace);
        assert_eq!(r.set_env, vec!["A=1", "B=2"]);
        assert_eq!(r.unset_env, vec!["HOME"]);
        assert_eq!(r.argv0, Some(OsString::from("name")));
        assert_eq!(r.stack_size, Some(16 << 20));
        assert_eq!(r.seed, Some(16));
        assert_eq!(r.program, args(&["prog", "-L", "x"])[1..].to_vec());
        assert_eq!(r.guest_argv()[0], b"name".to_vec());
    }

    #[test]
    fn double_dash_ends_options_and_unknown_options_are_refused() {
        assert_eq!(spec(&["--", "-prog"]).program, vec![OsString::from("-prog")]);
        assert_eq!(parse(&args(&["-nope", "p"]), false).unwrap_err().status, 1);
        assert_eq!(parse(&args(&["-L"]), false).unwrap_err().status, 1);
        assert_eq!(parse(&args(&[]), false).unwrap_err().status, 1);
    }

    #[test]
    fn binfmt_preserved_argv0_is_taken_from_the_second_argument() {
        let Action::Run(r) = parse(&args(&["/full/prog", "prog", "a"]), true).unwrap() else { panic!() };
        assert_eq!(r.program, vec![OsString::from("/full/prog"), OsString::from("a")]);
        assert_eq!(r.guest_argv()[0], b"prog".to_vec());
    }

    #[test]
    fn environment_edits_apply_in_order() {
        let mut r = spec(&["p"]);
        r.set_env = vec!["GX_A=1".into(), "GX_B=x=y".into()];
        r.unset_env = vec!["GX_A".into()];
        let env = r.guest_env();
        assert!(env.contains(&b"GX_B=x=y".to_vec()));
        assert!(!env.iter().any(|e| e.starts_with(b"GX_A=")));
    }

    #[test]
    fn host_exec_is_on_by_default_and_takes_on_or_off_either_way() {
        // The variable would change the default: this test reads the flags alone.
        if std::env::var_os("GRANTIX_HOST_EXEC").is_none() {
            assert!(spec(&["p"]).host_exec);
        }
        assert!(!spec(&["--host-exec=off", "p"]).host_exec);
        assert!(!spec(&["-host-exec", "off", "p"]).host_exec);
        assert!(spec(&["-host-exec=on", "p"]).host_exec);
        assert_eq!(parse(&args(&["-host-exec=maybe", "p"]), false).unwrap_err().status, 1);
        assert_eq!(parse(&args(&["-strace=1", "p"]), false).unwrap_err().status, 1);
    }

    #[test]
    fn sizes_take_qemu_suffixes() {
        assert_eq!(parse_size("8M"), Ok(8 << 20));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("1g"), Ok(1 << 30));
        assert!(parse_size("0").is_err());
        assert!(parse_size("12x").is_err());
    }
}
