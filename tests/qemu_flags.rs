//! qemu-riscv64's flags and their GRANTIX_* variables, run on real guests in both
//! configurations: `grantix [FLAGS] PROGRAM ARGS` must mean what `qemu-riscv64 [FLAGS]
//! PROGRAM ARGS` means.

#[path = "dropin/util.rs"]
mod util;
use util::*;

#[test]
fn set_and_unset_env_and_argv0_flags() {
    let prog = guest("glibc", "args_env");
    for cfg in CONFIGS {
        let o = grantix(&["-config", cfg, "-E", "GX_A=1,GX_B=x=y", "-E", "GX_C=3", "-U", "GX_TEST", "-0", "/some/where/renamed", &prog, "one"], &[("GX_TEST", "host")]);
        let out = stdout(&o);
        assert_eq!(o.status.code(), Some(0), "{cfg}: {}", stderr(&o));
        assert!(out.contains("argv[0] basename=[renamed]"), "{cfg}: {out}");
        assert!(out.contains("argv[1]=[one] len=3"), "{cfg}: {out}");
        assert!(out.contains("getenv(GX_TEST)=<unset>"), "{cfg}: -U removes a host variable: {out}");
        assert!(out.contains("GX_ variables: 3\n  GX_A=1\n  GX_B=x=y\n  GX_C=3\n"), "{cfg}: {out}");
    }
}

#[test]
fn env_variables_do_what_the_flags_do() {
    let prog = guest("musl", "args_env");
    for cfg in CONFIGS {
        let o = grantix(&[&prog], &[("GRANTIX_CONFIG", cfg), ("GRANTIX_SET_ENV", "GX_A=1,GX_B=2"), ("GRANTIX_UNSET_ENV", "GX_TEST"), ("GRANTIX_ARGV0", "fromenv"), ("GX_TEST", "host")]);
        let out = stdout(&o);
        assert!(out.contains("argv[0] basename=[fromenv]"), "{cfg}: {out}");
        assert!(out.contains("getenv(GX_TEST)=<unset>"), "{cfg}: {out}");
        assert!(out.contains("GX_ variables: 2\n  GX_A=1\n  GX_B=2\n"), "{cfg}: {out}");
    }
    // A flag overrides its variable.
    let o = grantix(&["-0", "flag", &prog], &[("GRANTIX_ARGV0", "env")]);
    assert!(stdout(&o).contains("basename=[flag]"));
}

#[test]
fn seed_fixes_at_random_and_getrandom() {
    let probe = probe();
    let draw = |args: &[&str], env: &[(&str, &str)]| {
        let o = grantix(&[args, &[probe.as_str()]].concat(), env);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let s = stdout(&o);
        (field(&s, "at_random").unwrap(), field(&s, "getrandom").unwrap())
    };
    for cfg in CONFIGS {
        let a = draw(&["-config", cfg, "-seed", "7"], &[]);
        assert_eq!(a, draw(&["-config", cfg, "-seed", "7"], &[]), "{cfg}: same seed, same bytes");
        assert_eq!(a, draw(&["-config", cfg], &[("GRANTIX_RAND_SEED", "7")]), "{cfg}: GRANTIX_RAND_SEED is -seed");
        let b = draw(&["-config", cfg, "-seed", "8"], &[]);
        assert_ne!(a.0, b.0, "{cfg}: another seed, other AT_RANDOM bytes");
        assert_ne!(a.1, b.1, "{cfg}: another seed, another getrandom draw");
    }
}

#[test]
fn stack_size_flag_sizes_the_stack_mapping() {
    let probe = probe();
    for cfg in CONFIGS {
        let size = |args: &[&str], env: &[(&str, &str)]| {
            let o = grantix(&[&["-config", cfg], args, &[probe.as_str()]].concat(), env);
            assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
            field(&stdout(&o), "stack").unwrap().parse::<u64>().unwrap()
        };
        assert_eq!(size(&[], &[]), 8 << 20, "{cfg}: Linux's default 8 MiB");
        assert_eq!(size(&["-s", "1M"], &[]), 1 << 20, "{cfg}");
        assert_eq!(size(&["-s", "65536"], &[]), 65536, "{cfg}");
        assert_eq!(size(&[], &[("GRANTIX_STACK_SIZE", "2M")]), 2 << 20, "{cfg}");
    }
    let o = grantix(&["-s", "lots", &probe], &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("invalid size 'lots'"), "{}", stderr(&o));
}

#[test]
fn strace_flag_and_variable_log_system_calls() {
    let prog = guest("musl", "hello");
    for cfg in CONFIGS {
        let plain = grantix(&["-config", cfg, &prog], &[]);
        assert!(!stderr(&plain).contains("writev("), "{cfg}: no trace without -strace");
        for (args, env) in [(vec!["-strace"], vec![]), (vec!["--strace"], vec![]), (vec![], vec![("GRANTIX_STRACE", "1")]), (vec!["-d", "strace"], vec![])] {
            let o = grantix(&[&["-config", cfg], &args[..], &[prog.as_str()]].concat(), &env);
            assert_eq!(o.status.code(), Some(0));
            assert!(stderr(&o).contains("writev("), "{cfg} {args:?} {env:?}: {}", stderr(&o));
            assert_eq!(stdout(&o), stdout(&plain), "{cfg}: the trace goes to stderr only");
        }
    }
}

#[test]
fn log_categories_and_log_file() {
    let prog = guest("musl", "hello");
    let o = grantix(&["-d", "in_asm", &prog], &[]);
    assert!(stderr(&o).lines().filter(|l| l.contains("grantix::trace") && l.contains("0x")).count() > 1000, "an instruction trace");
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    for cfg in CONFIGS {
        let log = dir.join(format!("qemu-flags-{cfg}.log"));
        let _ = std::fs::remove_file(&log);
        let o = grantix(&["-config", cfg, "-d", "in_asm", "-D", log.to_str().unwrap(), &prog], &[]);
        assert_eq!(o.status.code(), Some(0));
        assert!(!stderr(&o).contains("grantix::trace"), "{cfg}: with -D nothing is logged to stderr");
        let text = std::fs::read_to_string(&log).expect("-D wrote the file");
        assert!(text.lines().any(|l| l.contains("auipc") || l.contains("addi")), "{cfg}: instructions in the log file");
        assert!(!text.contains('\x1b'), "no terminal colours in a file");
        // The same through the variables.
        let _ = std::fs::remove_file(&log);
        grantix(&["-config", cfg, &prog], &[("GRANTIX_LOG", "in_asm"), ("GRANTIX_LOG_FILENAME", log.to_str().unwrap())]);
        assert!(std::fs::read_to_string(&log).expect("GRANTIX_LOG_FILENAME").contains("grantix::trace"));
    }
    // out_asm: the host code of each translation (synchronous compiles, so every hot
    // block of this run is compiled, and dumped, before it ends).
    let log = dir.join("qemu-flags-out-asm.log");
    let _ = std::fs::remove_file(&log);
    let o = grantix(&["-d", "out_asm", "-D", log.to_str().unwrap(), &guest("glibc", "bench_int"), "20"], &[("GRANTIX_JIT_SYNC", "1")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = std::fs::read_to_string(&log).expect("-D wrote the file");
    assert!(text.lines().filter(|l| l.contains("out_asm") && l.contains(" bytes) 0x")).count() > 3, "translations with their guest pcs: {text:.2000}");
    // Without -d, none of it.
    let o = grantix(&[&guest("glibc", "bench_int"), "20"], &[("GRANTIX_JIT_SYNC", "1")]);
    assert!(o.status.success() && !stderr(&o).contains("out_asm") && !stderr(&o).contains("bytes)"), "{}", stderr(&o));
    let help = grantix(&["-d", "help"], &[]);
    assert!(stdout(&help).contains("in_asm") && stdout(&help).contains("guest_errors") && stdout(&help).contains("out_asm"));
    let bad = grantix(&["-d", "nonsense", &prog], &[]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).contains("unknown log category"));
}

#[test]
fn cpu_models() {
    let prog = guest("musl", "hello");
    let o = grantix(&["-cpu", "help"], &[]);
    let s = stdout(&o);
    assert!(s.contains("rv64") && s.contains("sifive-u54") && s.contains("rv64imafdc_zicsr_zifencei"), "{s}");
    for cfg in CONFIGS {
        let o = grantix(&["-config", cfg, "-cpu", "rv64", &prog], &[]);
        assert_eq!(o.status.code(), Some(0));
        assert!(stderr(&o).is_empty(), "{}", stderr(&o));
    }
    let o = grantix(&["-cpu", "rva23u64", &prog], &[]);
    assert_eq!(o.status.code(), Some(0), "a model with more extensions runs, with a warning");
    assert!(stderr(&o).contains("lacks v"), "{}", stderr(&o));
    let o = grantix(&[&prog], &[("GRANTIX_CPU", "pentium")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("unknown CPU model"));
}

#[test]
fn version_help_and_usage_errors() {
    let v = grantix(&["-version"], &[]);
    assert_eq!(v.status.code(), Some(0));
    assert!(stdout(&v).starts_with("grantix version "));
    let h = grantix(&["-h"], &[]);
    assert_eq!(h.status.code(), Some(0));
    for flag in ["-L path", "-E var=value", "-U var", "-0 argv0", "-strace", "-seed number", "-s size", "-cpu model", "-d item", "-D logfile", "-g port", "GRANTIX_LD_PREFIX"] {
        assert!(stdout(&h).contains(flag), "-h mentions {flag}");
    }
    let none = grantix(&[], &[]);
    assert_eq!(none.status.code(), Some(1));
    let unknown = grantix(&["-bogus", "x"], &[]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(stderr(&unknown).contains("unknown option 'bogus'"));
    let missing = grantix(&["/nonexistent/prog"], &[]);
    assert_eq!(missing.status.code(), Some(127));
}

#[test]
fn gdb_port_must_be_a_port() {
    // The session itself is tests/gdb.rs; here, what is refused before waiting for gdb.
    for (args, env) in [(vec!["-g", "notaport"], vec![]), (vec![], vec![("GRANTIX_GDB", "99999")])] {
        let o = grantix(&[&args[..], &[guest("musl", "hello").as_str()]].concat(), &env);
        assert_eq!(o.status.code(), Some(1), "{args:?} {env:?}");
        assert!(stderr(&o).contains("not a TCP port"), "{}", stderr(&o));
    }
}

#[test]
fn run_subcommand_keeps_working_and_takes_the_new_long_flags() {
    let prog = guest("musl", "args_env");
    let o = grantix(&["run", "--config", "monolithic", &prog, "x"], &[("GRANTIX_SET_ENV", "GX_Q=1")]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("argv[1]=[x]") && stdout(&o).contains("GX_Q=1"));
    let o = grantix(&["run", "--seed", "3", &probe()], &[]);
    assert_eq!(field(&stdout(&o), "at_random"), field(&stdout(&grantix(&["-seed", "3", &probe()], &[])), "at_random"));
    // Program arguments that look like flags stay the program's.
    let o = grantix(&[&prog, "-strace", "-L"], &[]);
    assert!(stdout(&o).contains("argv[1]=[-strace]") && stdout(&o).contains("argv[2]=[-L]"));
}
