//! Real distribution programs: a small Debian riscv64 root (scripts/fetch-debian-root.sh:
//! libc6, coreutils, bash, findutils, grep, sed, gawk, perl-base and their libraries),
//! dynamically linked as Debian ships them, run under both configurations.
//!
//! Each case runs `grantix -L ROOT ROOT/usr/bin/PROG ARGS` (ld.so, the libraries and the
//! programs bash starts come from ROOT through -L, the files they work on from the
//! host) and is compared with golden output in tests/dropin/debian/; where qemu-riscv64
//! is installed and the case starts no other program (qemu-user hands a guest's execve
//! to the host kernel, which needs binfmt_misc for riscv64), with `qemu-riscv64 -L ROOT`
//! too. The root is fetched on first use; DEBIAN_ROOT_DIR relocates it.

#[path = "dropin/util.rs"]
mod util;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use util::*;

fn debian_root() -> PathBuf {
    let dir = std::env::var_os("DEBIAN_ROOT_DIR").map(PathBuf::from).unwrap_or_else(|| repo().join("build/debian-root"));
    let st = Command::new("bash").arg(repo().join("scripts/fetch-debian-root.sh")).env("DEBIAN_ROOT_DIR", &dir).stdin(Stdio::null()).status();
    assert!(st.is_ok_and(|s| s.success()), "scripts/fetch-debian-root.sh failed: the Debian root is needed (network access to a Debian mirror)");
    dir.join("root")
}

/// Files the programs work on, with fixed contents and times.
fn fixture() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("debian-fixture");
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.join("sub/deeper")).unwrap();
    let files: &[(&str, &str)] = &[
        ("a.txt", "apple\nbanana\ncherry\napple pie\nblueberry\n"),
        ("b.txt", "x marks\nthe spot\nxx\n"),
        ("nums.csv", "a,10\nb,20\nc,12\n"),
        ("sub/needle.txt", "a needle in a haystack\n"),
        ("sub/deeper/empty", ""),
    ];
    let when = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
    for (name, text) in files {
        std::fs::write(d.join(name), text).unwrap();
        std::fs::File::options().write(true).open(d.join(name)).unwrap().set_modified(when).unwrap();
    }
    // Directories last: creating files changed their times.
    for dir in ["sub/deeper", "sub", ""] {
        std::fs::File::open(d.join(dir)).unwrap().set_modified(when).unwrap();
    }
    d
}

struct Case {
    name: &'static str,
    prog: &'static str,
    args: Vec<String>,
    /// Starts no other program: comparable with qemu-riscv64 without binfmt_misc.
    alone: bool,
}

fn cases(fix: &str) -> Vec<Case> {
    let c = |name, prog, args: &[&str], alone| Case { name, prog, args: args.iter().map(|a| a.replace("FIX", fix)).collect(), alone };
    vec![
        c("ls", "ls", &["-l", "--time-style=long-iso", "FIX"], true),
        c("bash_builtins", "bash", &["-c", "{ echo b; echo a; echo c; } | while read -r x; do printf '<%s>' \"$x\"; done; echo; s=0; for i in $(echo 1 2 3 4); do s=$((s+i*i)); done; echo sum=$s; f() { echo \"${1^^}\"; }; f shout"], true),
        c("bash_pipeline", "bash", &["-c", "cd FIX && cat a.txt b.txt | tr a-z A-Z | sort | uniq -c | sort -rn | head -3; echo lines=$(cat *.txt | wc -l); ls | grep -c txt"], false),
        c("find_sort", "bash", &["-c", "cd FIX && find . | sort && find . -name '*.txt' -size -2k | sort | xargs wc -c"], false),
        c("grep", "grep", &["-rn", "-E", "a[np]|needle", "FIX/a.txt", "FIX/sub"], true),
        c("sed", "sed", &["-e", "s/apple/APPLE/g", "-e", "2d", "-e", "$a\\the end", "FIX/a.txt"], true),
        c("awk", "gawk", &["-F,", "{ s += $2; names = names $1 } END { printf \"%s %d %.2f\\n\", names, s, s / NR; print toupper(substr(\"grantix\", 1, 4)) }", "FIX/nums.csv"], true),
        c("perl", "perl", &["-e", "my %h = (b => 2, a => 1); print join(',', map { \"$_=$h{$_}\" } sort keys %h), \"\\n\"; printf \"%.5f\\n\", atan2(1, 1) * 4; open my $f, '<', $ARGV[0] or die; my @l = grep { /an/ } <$f>; print scalar(@l), \" lines\\n\"", "FIX/a.txt"], true),
    ]
}

/// What `ls -l` shows that depends on who runs the test and on which file system:
/// owner and group, the `total` blocks line, a directory's size.
fn normalize(out: &str, fix: &str, name: &str) -> String {
    let text = out.replace(fix, "FIX");
    if name != "ls" {
        return text;
    }
    text.lines()
        .filter(|l| !l.starts_with("total "))
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let size = if l.starts_with('d') { "DIR" } else { f.get(4).copied().unwrap_or("") };
            if f.len() >= 8 { format!("{} {} U G {size} {}", f[0], f[1], f[5..].join(" ")) } else { l.to_string() }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

fn run(runner: &[&str], root: &Path, c: &Case) -> (i32, String, String) {
    let mut cmd = Command::new(runner[0]);
    cmd.args(&runner[1..]).arg(root.join("usr/bin").join(c.prog)).args(&c.args);
    cmd.env_clear().env("PATH", "/usr/bin:/bin").env("LC_ALL", "C").env("HOME", "/root").stdin(Stdio::null());
    let o = cmd.output().expect("runner starts");
    (o.status.code().unwrap_or(-1), String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

#[test]
fn debian_programs_run_in_both_configurations() {
    let root = debian_root();
    let fix = fixture();
    let fix_s = fix.to_string_lossy().into_owned();
    let r = root.to_string_lossy().into_owned();
    let qemu = Command::new("qemu-riscv64").arg("-version").output().is_ok_and(|o| o.status.success());
    let mut problems = Vec::new();
    let update = std::env::var_os("GRANTIX_UPDATE_GOLDEN").is_some();
    for c in cases(&fix_s) {
        let golden_path = repo().join("tests/dropin/debian").join(format!("{}.out", c.name));
        let q = (qemu && c.alone).then(|| run(&["qemu-riscv64", "-L", &r], &root, &c));
        for cfg in CONFIGS {
            let (status, out, err) = run(&[env!("CARGO_BIN_EXE_grantix"), "-config", cfg, "-L", &r], &root, &c);
            if status != 0 {
                problems.push(format!("{} {cfg}: status {status}: {err}", c.name));
                continue;
            }
            if let Some((qs, qout, _)) = &q
                && (qs, qout) != (&status, &out)
            {
                problems.push(format!("{} {cfg}: differs from qemu-riscv64 -L:\n--- qemu\n{qout}--- grantix\n{out}", c.name));
            }
            let got = normalize(&out, &fix_s, c.name);
            if update && cfg == "split" {
                std::fs::write(&golden_path, &got).unwrap();
            }
            match std::fs::read_to_string(&golden_path) {
                Ok(want) if want == got => {}
                Ok(want) => problems.push(format!("{} {cfg}: differs from {}:\n--- golden\n{want}--- grantix\n{got}", c.name, golden_path.display())),
                Err(_) => problems.push(format!("{} {cfg}: no golden file {}", c.name, golden_path.display())),
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// --root makes the Debian root the guest's /: `ls -l /`, and a program found by PATH
/// inside it, with no -L at all.
#[test]
fn debian_root_as_the_guest_root() {
    let root = debian_root();
    let r = root.to_string_lossy().into_owned();
    for cfg in CONFIGS {
        let o = grantix(&["-config", cfg, "-root", &r, "/bin/bash", "-c", "ls -l / | grep -c -- '-> usr/' ; find /etc -maxdepth 1 -name 'bash*' | sort; type -p gawk"], &[("PATH", "/usr/bin:/bin"), ("LC_ALL", "C")]);
        assert_eq!(o.status.code(), Some(0), "{cfg}: {}", stderr(&o));
        assert_eq!(stdout(&o), "3\n/etc/bash.bashrc\n/usr/bin/gawk\n", "{cfg}: bin, lib, sbin are links into usr");
    }
}

/// system() and popen() run /bin/sh: with a riscv64 root, its shell; without one, the
/// host's shell, run on the host as qemu-user runs it (`--host-exec`, on by default);
/// with --host-exec=off the host's shell is no riscv64 program, and grantix says which
/// option makes it work.
#[test]
fn system_and_popen_run_the_roots_shell() {
    let root = debian_root();
    let r = root.to_string_lossy().into_owned();
    let prog = cross_compile(&repo().join("tests/dropin/shell.c"), "shell", &["-static", "-O1"]);
    let all = "from the shell\nsystem: status 3\npopen: PIPED\npclose: 0\n";
    for cfg in CONFIGS {
        let o = grantix(&["-config", cfg, "-root", &r, &prog], &[("PATH", "/usr/bin:/bin")]);
        assert_eq!(o.status.code(), Some(0), "{cfg}: {}", stderr(&o));
        assert_eq!(stdout(&o), all, "{cfg}");
    }
    let host_sh = std::fs::read("/bin/sh").map(|b| b.get(18) != Some(&0xf3)).unwrap_or(false);
    if host_sh {
        for cfg in CONFIGS {
            let o = grantix(&["-config", cfg, &prog], &[("PATH", "/usr/bin:/bin")]);
            assert_eq!(o.status.code(), Some(0), "{cfg}: {}", stderr(&o));
            assert_eq!(stdout(&o), all, "{cfg}: the host's shell ran");
        }
        let o = grantix(&["--host-exec=off", &prog], &[("PATH", "/usr/bin:/bin")]);
        assert_eq!(o.status.code(), Some(0));
        assert!(stdout(&o).contains("system: status 127"), "{}", stdout(&o));
        assert!(stderr(&o).contains("not a riscv64 program") && stderr(&o).contains("-root DIR") && stderr(&o).contains("--host-exec=off"), "{}", stderr(&o));
    }
}
