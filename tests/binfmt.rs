//! `grantix binfmt`: the registration string qemu-binfmt-conf.sh would write for
//! riscv64, with grantix as the interpreter, everywhere; a real registration only where
//! the host allows it (root, binfmt_misc mounted), otherwise skipped with the reason.

#[path = "dropin/util.rs"]
mod util;
use util::*;

/// qemu-binfmt-conf.sh's riscv64_magic and riscv64_mask, as it writes them.
const QEMU_MAGIC: &str = r"\x7f\x45\x4c\x46\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xf3\x00";
const QEMU_MASK: &str = r"\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff";

#[test]
fn registration_string_matches_qemu_binfmt_conf() {
    let me = std::fs::canonicalize(env!("CARGO_BIN_EXE_grantix")).unwrap();
    let o = grantix(&["binfmt", "print"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o).trim_end(), format!(":grantix-riscv64:M::{QEMU_MAGIC}:{QEMU_MASK}:{}:F", me.display()));
    let o = grantix(&["binfmt", "print", "--preserve-argv0", "--credential", "--interpreter", "/bin/true", "--name", "x"], &[]);
    assert_eq!(stdout(&o).trim_end(), format!(":x:M::{QEMU_MAGIC}:{QEMU_MASK}:/usr/bin/true:PCF").replace("/usr/bin/true", &std::fs::canonicalize("/bin/true").unwrap().display().to_string()));
}

#[test]
fn status_and_install_explain_an_unmounted_binfmt_misc() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("no-binfmt");
    std::fs::create_dir_all(&dir).unwrap();
    for action in ["status", "install"] {
        let o = grantix(&["binfmt", action, "--path", dir.to_str().unwrap()], &[]);
        assert_eq!(o.status.code(), Some(1));
        assert!(stderr(&o).contains("binfmt_misc is not mounted"), "{}", stderr(&o));
    }
}

/// A fake binfmt_misc directory: install writes the registration line to `register`,
/// status reads the entry back, uninstall writes -1 to it (what the kernel expects).
#[test]
fn install_status_uninstall_speak_the_kernel_protocol() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fake-binfmt");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("register"), "").unwrap();
    std::fs::write(dir.join("qemu-riscv64"), "enabled\n").unwrap();
    let p = dir.to_str().unwrap();
    let o = grantix(&["binfmt", "install", "--path", p], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let line = std::fs::read_to_string(dir.join("register")).unwrap();
    assert!(line.starts_with(":grantix-riscv64:M::") && line.ends_with(":F"), "{line}");
    // The kernel would now show the entry; the fake shows what status reads.
    std::fs::write(dir.join("grantix-riscv64"), "enabled\ninterpreter /x/grantix\nflags: F\n").unwrap();
    let o = grantix(&["binfmt", "status", "--path", p], &[]);
    assert!(stdout(&o).contains("grantix-riscv64 is registered") && stdout(&o).contains("also registered for riscv64: qemu-riscv64"), "{}", stdout(&o));
    let o = grantix(&["binfmt", "install", "--path", p], &[]);
    assert_eq!(o.status.code(), Some(1), "a second install is refused");
    let o = grantix(&["binfmt", "uninstall", "--path", p], &[]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(dir.join("grantix-riscv64")).unwrap(), "-1");
}

/// The real thing: register under a private name, run a riscv64 program directly,
/// unregister. It changes the host for a moment (every riscv64 exec goes through
/// grantix meanwhile), so it runs only when asked (`--ignored`), and then fails, rather
/// than passes, where the host does not allow it (not root, binfmt_misc not mounted).
#[test]
#[ignore = "registers with the host's binfmt_misc: run with --ignored as root"]
fn real_registration_runs_a_riscv64_program_directly() {
    let mnt = std::path::Path::new("/proc/sys/fs/binfmt_misc");
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    assert!(root, "cannot test a real registration: not root");
    assert!(mnt.join("register").exists(), "cannot test a real registration: binfmt_misc is not mounted at {}", mnt.display());
    let name = format!("grantix-test-{}", std::process::id());
    let o = grantix(&["binfmt", "install", "--name", &name, "--preserve-argv0"], &[]);
    assert_eq!(o.status.code(), Some(0), "the kernel refused the registration: {}", stderr(&o));
    let prog = guest("musl", "args_env");
    let out = std::process::Command::new(&prog).arg("direct").env("GRANTIX_SET_ENV", "GX_VIA=binfmt").output();
    let _ = grantix(&["binfmt", "uninstall", "--name", &name], &[]);
    let out = out.expect("the kernel runs the riscv64 program through grantix");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("argv[1]=[direct]") && text.contains("GX_VIA=binfmt") && text.contains("basename=[args_env]"), "{text}");
}
