//! `--strace` prints one line per syscall, decoded by the syscall table's argument
//! types: strings, descriptors, flags by name, errno names.

use std::path::PathBuf;
use std::process::{Command, Stdio};

fn hello() -> PathBuf {
    let dir = std::env::var_os("GRANTIX_GUESTS_OUT").map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("build/guests"), PathBuf::from);
    dir.join("glibc/hello")
}

#[test]
fn strace_lines_decode_arguments_by_type() {
    for config in ["split", "monolithic"] {
        let out = Command::new(env!("CARGO_BIN_EXE_grantix"))
            .args(["run", "--strace", "--config", config])
            .arg(hello())
            .stdin(Stdio::null())
            .output()
            .expect("grantix runs");
        assert_eq!(out.status.code(), Some(0), "{config}");
        let err = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        // The program's one write: its buffer shown as a string (cut after 32 bytes),
        // its length and result in decimal.
        let first = stdout.lines().next().unwrap_or_default();
        let want = format!("[pid 2] write(1, \"{}\\n", &first[..first.len().min(26)]);
        let line = err.lines().find(|l| l.starts_with("[pid 2] write(1, ")).unwrap_or_default();
        assert!(line.starts_with(&want), "{config}: {line:?} should start with {want:?}");
        assert!(line.ends_with(&format!(", {}) = {}", stdout.len(), stdout.len())), "{config}: {line}");
        // A failed call: -1, the errno's name and its text.
        assert!(err.lines().any(|l| l.contains("ioctl(0, 0x5401, ") && l.ends_with(" = -1 ENOTTY (Not a typewriter)")), "{config}: {err}");
        assert!(err.lines().any(|l| l == "[pid 2] exit_group(0) = ?"), "{config}: {err}");
    }
}

#[test]
fn a_trace_filter_shows_only_the_named_calls() {
    // The long form, the qemu form and the variable binfmt users set.
    let runs: [(&[&str], Option<&str>); 3] = [
        (&["run", "--strace-filter", "trace=write,exit_group"], None),
        (&["-strace-filter", "trace=write,exit_group"], None),
        (&[], Some("trace=write,exit_group")),
    ];
    for (args, var) in runs {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_grantix"));
        cmd.args(args).arg(hello()).stdin(Stdio::null());
        if let Some(v) = var {
            cmd.env("GRANTIX_STRACE_FILTER", v);
        }
        let out = cmd.output().expect("grantix runs");
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        let calls: Vec<&str> = err.lines().filter(|l| l.starts_with("[pid ")).collect();
        assert!(calls.iter().any(|l| l.contains("] write(1, ")), "{args:?}: {err}");
        assert!(calls.iter().any(|l| l.contains("] exit_group(0)")), "{args:?}: {err}");
        assert!(calls.iter().all(|l| l.contains("] write(") || l.contains("] exit_group(")), "{args:?}: only the filtered calls: {err}");
    }
    let bad = Command::new(env!("CARGO_BIN_EXE_grantix")).args(["run", "--strace-filter", "trace=nosuchcall"]).arg(hello()).stdin(Stdio::null()).output().unwrap();
    assert_eq!(bad.status.code(), Some(1), "an unknown syscall name is a usage error");
    assert!(String::from_utf8_lossy(&bad.stderr).contains("nosuchcall"));
}
