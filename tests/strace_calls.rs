//! `--strace-calls`: under each strace line, the portal calls, grants and revocations
//! the syscall made in the split kernel (the in-kernel service calls when monolithic),
//! named by service and op, with totals that agree with `--stats-json`'s per-syscall
//! accounting.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn guest(libc: &str) -> PathBuf {
    let dir = std::env::var_os("GRANTIX_GUESTS_OUT").map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("build/guests"), PathBuf::from);
    dir.join(libc).join("strace_calls")
}

fn grantix(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_grantix"));
    cmd.args(args).stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("grantix runs")
}

/// One syscall as shown: its strace line and the lines under it.
#[derive(Debug)]
struct Shown {
    line: String,
    under: Vec<String>,
}

impl Shown {
    fn name(&self) -> &str {
        let after = self.line.split_once("] ").map_or("", |(_, r)| r);
        after.split('(').next().unwrap_or_default()
    }

    /// The totals line: (portal calls, grants, revokes).
    fn totals(&self) -> (u64, u64, u64) {
        let t = self.under.last().and_then(|l| l.strip_prefix("  = ")).unwrap_or_else(|| panic!("no totals under {self:?}"));
        let n: Vec<u64> = t.split(", ").take(3).map(|p| p.split(' ').next().and_then(|x| x.parse().ok()).unwrap_or_else(|| panic!("totals {t:?}"))).collect();
        (n[0], n[1], n[2])
    }

    fn has(&self, pred: impl Fn(&str) -> bool) -> bool {
        self.under.iter().any(|l| pred(l))
    }
}

fn parse(stderr: &str) -> Vec<Shown> {
    let mut v: Vec<Shown> = Vec::new();
    for l in stderr.lines() {
        if l.starts_with("[pid ") {
            v.push(Shown { line: l.to_string(), under: Vec::new() });
        } else if l.starts_with("  ")
            && let Some(s) = v.last_mut()
        {
            s.under.push(l.to_string());
        }
    }
    v
}

/// The first shown syscall whose strace line contains `text`.
fn find<'a>(shown: &'a [Shown], text: &str) -> &'a Shown {
    shown.iter().find(|s| s.line.contains(text)).unwrap_or_else(|| panic!("no syscall line with {text:?}"))
}

#[test]
fn split_calls_show_services_ops_lends_and_agree_with_stats() {
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    for libc in ["glibc", "musl"] {
        let json = tmp.join(format!("strace-calls-{libc}.json"));
        let prog = guest(libc);
        let out = grantix(&["run", "--strace-calls", "--config", "split", "--stats-json", json.to_str().unwrap(), prog.to_str().unwrap()], &[]);
        assert_eq!(out.status.code(), Some(0), "{libc}");
        assert_eq!(String::from_utf8_lossy(&out.stdout), std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/guest/strace_calls.stdout")).unwrap(), "{libc}: the trace goes to stderr only");
        let err = String::from_utf8_lossy(&out.stderr);
        let shown = parse(&err);
        assert!(shown.len() > 10, "{libc}: {err}");

        // write(1, ...): linux lends the buffer (R, 20 bytes) to vfs, vfs passes it on
        // to the console driver, each lend revoked as its call returns.
        let w = find(&shown, "write(1, \"strace_calls: start\\n\", 20) = 20");
        assert!(w.has(|l| l.starts_with("  -> vfs.write lend R") && l.ends_with(", +20)")), "{libc}: {w:?}");
        assert!(w.has(|l| l.starts_with("    -> tty.WRITE lend R") && l.ends_with(", +20)")), "{libc}: {w:?}");
        assert!(w.has(|l| l == "  revoke 1 (return from vfs)") && w.has(|l| l == "    revoke 1 (return from tty)"), "{libc}: {w:?}");
        assert_eq!(w.totals(), (2, 2, 2), "{libc}: {w:?}");
        // openat: the path lent R with its NUL (10 bytes), and vfs asks proc for the
        // caller's credentials into its own scratch memory.
        let o = find(&shown, "openat(AT_FDCWD, \"/dev/zero\"");
        assert!(o.has(|l| l.starts_with("  -> vfs.openat lend R") && l.ends_with(", +10)")), "{libc}: {o:?}");
        assert!(o.has(|l| l.starts_with("    -> proc.CREDS lend W") && l.contains(" vfs [0x")), "{libc}: {o:?}");
        // A failed openat shows its calls too.
        let bad = find(&shown, "openat(AT_FDCWD, \"/nonexistent-strace-calls/x\"");
        assert!(bad.line.ends_with("= -1 ENOENT (No such file or directory)") && bad.has(|l| l.starts_with("  -> vfs.openat lend R") && l.ends_with(", +28)")), "{libc}: {bad:?}");
        // read(fd, buf, 8): the buffer lent W, 8 bytes.
        let r = find(&shown, ", 8) = 8");
        assert_eq!(r.name(), "read");
        assert!(r.has(|l| l.starts_with("  -> vfs.read lend W") && l.ends_with(", +8)")), "{libc}: {r:?}");
        // pipe2: the two-int array lent W; the write into the pipe wakes its readers.
        let p = shown.iter().find(|s| s.name() == "pipe2").expect("pipe2 shown");
        assert!(p.has(|l| l.starts_with("  -> vfs.pipe2 lend W") && l.ends_with(", +8)")), "{libc}: {p:?}");
        let pw = find(&shown, "\"ping\", 4) = 4");
        assert!(pw.has(|l| l.starts_with("  -> vfs.write lend R")) && pw.has(|l| l == "    -> proc.WAKE"), "{libc}: {pw:?}");
        // exit_group: proc, mm, vfs and ipc let go of the process.
        let x = find(&shown, "exit_group(0) = ?");
        for s in ["proc.EXIT", "mm.EXIT", "vfs.EXIT", "ipc.EXIT"] {
            assert!(x.has(|l| l.trim_start().starts_with(&format!("-> {s}"))), "{libc}: {s} in {x:?}");
        }

        // Each totals line counts the lines above it...
        for s in &shown {
            let calls = s.under.iter().filter(|l| l.trim_start().starts_with("-> ")).count() as u64;
            let lends = s.under.iter().map(|l| l.matches(" lend ").count() as u64).sum::<u64>();
            let grants = s.under.iter().filter(|l| l.trim_start().starts_with("grant ")).count() as u64;
            let revokes: u64 = s.under.iter().filter_map(|l| l.trim_start().strip_prefix("revoke ")).map(|r| r.split(' ').next().unwrap().parse::<u64>().unwrap()).sum();
            assert_eq!(s.totals(), (calls, lends + grants, revokes), "{libc}: {s:?}");
        }
        // ... and, summed per syscall, is what --stats-json accounts to it.
        let mut sums: BTreeMap<String, (u64, u64, u64, u64)> = BTreeMap::new();
        for s in &shown {
            let (c, g, r) = s.totals();
            let e = sums.entry(s.name().to_string()).or_default();
            *e = (e.0 + 1, e.1 + c, e.2 + g, e.3 + r);
        }
        let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        let by_name = report["syscalls"].as_object().expect("per-syscall stats");
        assert_eq!(sums.keys().collect::<Vec<_>>(), by_name.keys().collect::<Vec<_>>(), "{libc}: the same syscalls traced and accounted");
        for (name, (n, c, g, r)) in &sums {
            let st = &by_name[name];
            let grants = st["grants_persistent"].as_u64().unwrap() + st["grants_transient"].as_u64().unwrap();
            assert_eq!((*n, *c, *g, *r), (st["calls"].as_u64().unwrap(), st["portal_calls"].as_u64().unwrap(), grants, st["revokes"].as_u64().unwrap()), "{libc}: {name}");
        }
        assert!(sums["write"].1 >= 14, "{libc}: at least two portal calls per console write");
    }
}

#[test]
fn monolithic_calls_are_in_kernel_calls_without_portals() {
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let json = tmp.join("strace-calls-mono.json");
    let prog = guest("glibc");
    let out = grantix(&["run", "--strace-calls", "--config", "monolithic", "--stats-json", json.to_str().unwrap(), prog.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    let shown = parse(&err);
    let w = find(&shown, "write(1, \"strace_calls: start\\n\", 20) = 20");
    assert_eq!(w.under, ["  -> vfs.write (in-kernel call, no portal)", "    -> tty.WRITE (in-kernel call, no portal)", "  = 0 portal calls, 0 grants, 0 revokes (monolithic: 2 service calls inside the kernel space)"]);
    let o = find(&shown, "openat(AT_FDCWD, \"/dev/zero\"");
    assert!(o.has(|l| l == "  -> vfs.openat (in-kernel call, no portal)") && o.has(|l| l == "    -> proc.CREDS (in-kernel call, no portal)"), "{o:?}");
    assert!(find(&shown, "exit_group(0)").has(|l| l == "  -> mm.EXIT (in-kernel call, no portal)"));
    // Nothing lent, nothing granted: one kernel space. --stats agrees.
    assert!(shown.iter().all(|s| !s.has(|l| l.contains(" lend ") || l.contains("grant "))), "{err}");
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    for (name, st) in report["syscalls"].as_object().unwrap() {
        let (c, g, _) = shown.iter().filter(|s| s.name() == name).map(Shown::totals).fold((0, 0, 0), |a, t| (a.0 + t.0, a.1 + t.1, a.2 + t.2));
        assert_eq!((c, g), (st["portal_calls"].as_u64().unwrap(), st["grants_transient"].as_u64().unwrap() + st["grants_persistent"].as_u64().unwrap()), "{name}");
    }
    // The in-kernel calls shown add up to the kernel's count of them, but for the
    // first process's start, which no syscall makes.
    let direct: u64 = shown.iter().map(|s| s.under.iter().filter(|l| l.ends_with("(in-kernel call, no portal)")).count() as u64).sum();
    assert!(direct > 0 && direct <= report["direct_calls"].as_u64().unwrap(), "{direct} vs {}", report["direct_calls"]);
}

#[test]
fn qemu_form_variable_filter_and_off() {
    let prog = guest("musl");
    let prog = prog.to_str().unwrap();
    // The qemu-style flag and the variable binfmt users set; both imply -strace.
    for (args, env) in [(vec!["-strace-calls", prog], vec![]), (vec![prog], vec![("GRANTIX_STRACE_CALLS", "1")])] {
        let out = grantix(&args, &env);
        assert_eq!(out.status.code(), Some(0));
        let shown = parse(&String::from_utf8_lossy(&out.stderr));
        assert!(find(&shown, "exit_group(0)").has(|l| l.starts_with("  -> proc.EXIT")), "{args:?} {env:?}");
    }
    // With a filter, only the named syscalls and their calls.
    let out = grantix(&["-strace-calls", "-strace-filter", "trace=pipe2", prog], &[]);
    let shown = parse(&String::from_utf8_lossy(&out.stderr));
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert!(shown[0].has(|l| l.starts_with("  -> vfs.pipe2")));
    // Plain -strace shows no call lines.
    let out = grantix(&["-strace", prog], &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.lines().any(|l| l.contains("] pipe2(")) && !err.lines().any(|l| l.starts_with("  ")), "{err}");
}
