//! Helpers shared by the drop-in tests: the grantix binary, the corpus guests, and
//! the small probe programs of tests/dropin/ compiled on demand with the cross compiler.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const CONFIGS: [&str; 2] = ["split", "monolithic"];

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A corpus guest built by scripts/build-guests.sh.
pub fn guest(libc: &str, name: &str) -> String {
    let p = repo().join("build/guests").join(libc).join(name);
    assert!(p.exists(), "{} missing: run scripts/build-guests.sh (README's test command does)", p.display());
    p.to_string_lossy().into_owned()
}

/// Compiles tests/dropin/NAME.c (or a corpus source, `src`) with riscv64-linux-gnu-gcc
/// and `flags` into this test binary's scratch directory; returns the program's path.
pub fn cross_compile(src: &Path, out_name: &str, flags: &[&str]) -> String {
    cross_compile_with(src, out_name, flags, &["-lpthread", "-lm"])
}

/// [`cross_compile`] linking `libs` only.
pub fn cross_compile_with(src: &Path, out_name: &str, flags: &[&str], libs: &[&str]) -> String {
    // Tests of one binary run in threads: one compilation at a time.
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _held = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("dropin-guests");
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let out = dir.join(out_name);
    std::fs::create_dir_all(out.parent().expect("a file name")).expect("scratch dir");
    let fresh = match (std::fs::metadata(src).and_then(|m| m.modified()), std::fs::metadata(&out).and_then(|m| m.modified())) {
        (Ok(s), Ok(o)) => o >= s,
        _ => false,
    };
    if !fresh {
        let tmp = dir.join(format!("{out_name}.tmp"));
        let cc = if src.extension().is_some_and(|e| e == "cc") { "riscv64-linux-gnu-g++" } else { "riscv64-linux-gnu-gcc" };
        let st = Command::new(cc)
            .args(flags)
            .arg("-O1")
            .arg(src)
            .arg("-o")
            .arg(&tmp)
            .args(libs)
            .status()
            .unwrap_or_else(|e| panic!("{cc} not found ({e}): run scripts/setup.sh"));
        assert!(st.success(), "{cc} {} failed", src.display());
        std::fs::rename(&tmp, &out).expect("rename");
    }
    out.to_string_lossy().into_owned()
}

/// tests/dropin/probe.c, static.
pub fn probe() -> String {
    cross_compile(&repo().join("tests/dropin/probe.c"), "probe", &["-static"])
}

/// Runs grantix with `args` and extra environment, stdin empty.
pub fn grantix(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_grantix"));
    c.args(args).stdin(Stdio::null());
    // The tests set what they test; nothing from the caller's environment leaks in.
    for (k, _) in std::env::vars() {
        if k.starts_with("GRANTIX_") {
            c.env_remove(k);
        }
    }
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("grantix runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The value of `key=` on a line of `text`.
pub fn field(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|l| l.strip_prefix(&format!("{key}=")).map(|v| v.split_whitespace().next().unwrap_or("").to_string()))
}

/// Runs `cmd` to completion with stdout and stderr captured, in a process group of its
/// own; past `limit` the whole group is killed (a guest forked under qemu-user is a
/// host process) and the answer is Err, so one hanging program fails its case instead
/// of stalling the suite.
pub fn output_within(cmd: &mut Command, limit: std::time::Duration) -> Result<Output, String> {
    use std::os::unix::process::CommandExt;
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).process_group(0);
    let child = cmd.spawn().map_err(|e| format!("cannot start {:?}: {e}", cmd.get_program()))?;
    let pid = child.id() as i32;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(r) => r.map_err(|e| e.to_string()),
        Err(_) => {
            // SAFETY: kill(2) on the group this function made; no memory is involved.
            unsafe { libc::kill(-pid, libc::SIGKILL) };
            Err(format!("timed out after {} s", limit.as_secs()))
        }
    }
}
