//! The gdb stub (`-g PORT`) driven by gdb-multiarch in batch mode, in both
//! configurations: break on a function, step, print variables (memory through the
//! program's own rights), write one, registers, threads, the monitor command, and
//! continue to the exit status.

#[path = "dropin/util.rs"]
mod util;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use util::*;

fn free_port() -> u16 {
    std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap().local_addr().unwrap().port()
}

#[test]
fn gdb_batch_session_in_both_configurations() {
    // No silent skip: a missing debugger fails the test (scripts/setup.sh installs it).
    assert!(
        Command::new("gdb-multiarch").arg("--version").output().is_ok(),
        "gdb-multiarch is not installed: run scripts/setup.sh (README's test command does)"
    );
    let prog = cross_compile(&repo().join("tests/dropin/gdbprobe.c"), "gdbprobe", &["-static", "-g", "-O1"]);
    for cfg in CONFIGS {
        let port = free_port();
        let mut g = Command::new(env!("CARGO_BIN_EXE_grantix"))
            .args(["-config", cfg, "-g", &port.to_string(), &prog])
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
        let script = [
            "set pagination off".to_string(),
            format!("file {prog}"),
            format!("target remote :{port}"),
            "break square".into(),
            "continue".into(),
            "next".into(),
            "print x".into(),
            "print y".into(),
            "set var scale = 2.5".into(),
            "next".into(),
            "print d".into(),
            "info registers pc".into(),
            "print/x $fcsr".into(),
            "set {int}square = 0".into(),
            "info threads".into(),
            "monitor spaces".into(),
            "monitor grants".into(),
            "delete".into(),
            "continue".into(),
        ];
        let mut cmd = Command::new("gdb-multiarch");
        cmd.args(["-batch", "-nx"]);
        for s in &script {
            cmd.arg("-ex").arg(s);
        }
        let out = cmd.stdin(Stdio::null()).output().unwrap();
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        let status = g.wait().unwrap();
        let mut stdout = String::new();
        std::io::Read::read_to_string(&mut g.stdout.take().unwrap(), &mut stdout).unwrap();
        for want in [
            "Breakpoint 1, square (x=x@entry=1)",
            "$1 = 1",
            "$2 = 1",
            "$3 = 2.5",
            "pc             0x",
            "Cannot access memory at address",
            "Thread 1.1",
            "thread 1 (pid 1), hart 0: code space",
            "grants on data space",
            "exited with code 060",
        ] {
            assert!(text.contains(want), "{cfg}: gdb output lacks {want:?}:\n{text}");
        }
        // scale was written through the program's memory: 1+2 + 4+10 + 9+22.
        assert_eq!(stdout, "total=48\n", "{cfg}");
        assert_eq!(status.code(), Some(48), "{cfg}");
    }
}
