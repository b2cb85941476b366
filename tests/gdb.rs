//! The gdb stub (`-g PORT`) driven by gdb-multiarch in batch mode, in both
//! configurations: break on a function, step, print variables (memory through the
//! program's own rights), write one, registers, threads, the monitor command, write
//! and read watchpoints, and continue to the exit status.

#[path = "dropin/util.rs"]
mod util;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use util::*;

fn free_port() -> u16 {
    std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap().local_addr().unwrap().port()
}

/// The probe program, built with debug information.
fn probe() -> String {
    // No silent skip: a missing debugger fails the test (scripts/setup.sh installs it).
    assert!(
        Command::new("gdb-multiarch").arg("--version").output().is_ok(),
        "gdb-multiarch is not installed: run scripts/setup.sh (README's test command does)"
    );
    cross_compile(&repo().join("tests/dropin/gdbprobe.c"), "gdbprobe", &["-static", "-g", "-O1"])
}

/// Runs `prog` under `grantix -g` in configuration `cfg` and gdb with `commands` after
/// it has attached; returns gdb's output, the program's stdout and its exit status.
fn session(cfg: &str, prog: &str, commands: &[&str]) -> (String, String, Option<i32>) {
    let port = free_port();
    let mut g = Command::new(env!("CARGO_BIN_EXE_grantix"))
        .args(["-config", cfg, "-g", &port.to_string(), prog])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for the stub to listen.
    let mut err = BufReader::new(g.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    assert!(line.contains("waiting for gdb"), "{line}");
    let mut cmd = Command::new("gdb-multiarch");
    cmd.args(["-batch", "-nx"]);
    let head = ["set pagination off".to_string(), format!("file {prog}"), format!("target remote :{port}")];
    for s in head.iter().map(String::as_str).chain(commands.iter().copied()) {
        cmd.arg("-ex").arg(s);
    }
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let status = g.wait().unwrap();
    let mut stdout = String::new();
    std::io::Read::read_to_string(&mut g.stdout.take().unwrap(), &mut stdout).unwrap();
    (text, stdout, status.code())
}

/// gdb printed every line of `wants`, and the program printed and returned `total`.
fn expect(cfg: &str, (text, stdout, status): (&str, &str, Option<i32>), wants: &[&str], total: i32) {
    for want in wants {
        assert!(text.contains(want), "{cfg}: gdb output lacks {want:?}:\n{text}");
    }
    assert_eq!(stdout, format!("total={total}\n"), "{cfg}");
    assert_eq!(status, Some(total), "{cfg}");
}

#[test]
fn gdb_batch_session_in_both_configurations() {
    let prog = probe();
    for cfg in CONFIGS {
        let script = [
            "break square",
            "continue",
            "next",
            "print x",
            "print y",
            "set var scale = 2.5",
            "next",
            "print d",
            "info registers pc",
            "print/x $fcsr",
            "set {int}square = 0",
            "info threads",
            "monitor spaces",
            "monitor grants",
            "delete",
            "continue",
        ];
        let (text, stdout, status) = session(cfg, &prog, &script);
        let wants = [
            "Breakpoint 1, square (x=x@entry=1)",
            "$1 = 1",
            "$2 = 1",
            "$3 = 2.5",
            "pc             0x",
            "Cannot access memory at address",
            "Thread 1.2",
            "thread 2 (pid 2), hart 0: code space",
            "grants on data space",
            "exited with code 060",
        ];
        // scale was written through the program's memory: 1+2 + 4+10 + 9+22.
        expect(cfg, (&text, &stdout, status), &wants, 48);
    }
}

#[test]
fn gdb_watchpoints_stop_after_the_access_in_both_configurations() {
    let prog = probe();
    for cfg in CONFIGS {
        // calls is written by main after each square(); scale is read inside square().
        let script = ["watch calls", "continue", "print calls", "rwatch scale", "continue", "bt 1", "delete", "continue"];
        let (text, stdout, status) = session(cfg, &prog, &script);
        let wants = [
            "Hardware watchpoint 1: calls",
            "Old value = 0",
            "New value = 1",
            "$1 = 1",
            "Hardware read watchpoint 2: scale",
            "Value = 1.5",
            "#0  ",
            "in square (x=x@entry=2)",
            "exited with code 042",
        ];
        // Nothing was changed: 1+1 + 4+6 + 9+13.
        expect(cfg, (&text, &stdout, status), &wants, 34);
    }
}
