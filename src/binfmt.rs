//! `grantix binfmt install|uninstall|status|print`: binfmt_misc registration for riscv64
//! ELF executables, with the magic, mask and flags qemu's `qemu-binfmt-conf.sh` uses.
//!
//! The kernel then runs `./riscv64-program args` as `grantix /path/riscv64-program args`
//! (with P: `grantix /path/riscv64-program argv0 args`, see `crate::qemu`). binfmt_misc
//! passes no flags: settings come from the GRANTIX_* variables.

use crate::stop::Stop;
use std::io::Write;
use std::path::{Path, PathBuf};

/// qemu-binfmt-conf.sh's `riscv64_magic`: ELF, 64-bit, little-endian, version 1,
/// e_type ET_EXEC (ET_DYN too, through the mask), e_machine EM_RISCV (0xf3).
pub const MAGIC: [u8; 20] = [0x7f, b'E', b'L', b'F', 0x02, 0x01, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x00, 0xf3, 0x00];
/// qemu-binfmt-conf.sh's `riscv64_mask`: the OS ABI byte is ignored, and the low bit
/// of e_type so that ET_EXEC and ET_DYN both match.
pub const MASK: [u8; 20] = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff];
/// The entry's name under /proc/sys/fs/binfmt_misc.
pub const NAME: &str = "grantix-riscv64";
/// Where binfmt_misc is usually mounted.
pub const DEFAULT_PATH: &str = "/proc/sys/fs/binfmt_misc";

#[derive(clap::Args)]
pub struct BinfmtArgs {
    #[command(subcommand)]
    action: Action,
}

#[derive(clap::Subcommand)]
enum Action {
    /// Register grantix (needs root and binfmt_misc mounted).
    Install(Opts),
    /// Remove the registration.
    Uninstall(Opts),
    /// Show whether grantix is registered, and any other riscv64 handler.
    Status(Opts),
    /// Print the registration string (for /etc/binfmt.d/ files or a container build).
    Print(Opts),
}

#[derive(clap::Args)]
struct Opts {
    /// Where binfmt_misc is mounted.
    #[arg(long, default_value = DEFAULT_PATH)]
    path: PathBuf,
    /// Entry name.
    #[arg(long, default_value = NAME)]
    name: String,
    /// The interpreter to register (default: this grantix).
    #[arg(long)]
    interpreter: Option<PathBuf>,
    /// C flag: run with the credentials of the program file (setuid programs); implies O.
    #[arg(long)]
    credential: bool,
    /// P flag: pass the program's original argv[0] on (qemu-binfmt-conf.sh --preserve-argv0).
    #[arg(long)]
    preserve_argv0: bool,
    /// Leave out the F flag: the kernel then opens the interpreter at each exec, in the
    /// program's mount namespace, instead of once at registration.
    #[arg(long)]
    no_fix_binary: bool,
}

/// `\xNN` for every byte, as binfmt_misc parses the magic and the mask.
pub fn escape(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("\\x{b:02x}")).collect()
}

/// The flags: F (fix binary: the kernel opens the interpreter now, so it works in
/// chroots and containers) unless told otherwise, P and C on request.
pub fn flags(fix_binary: bool, preserve_argv0: bool, credential: bool) -> String {
    let mut f = String::new();
    if preserve_argv0 {
        f.push('P');
    }
    if credential {
        f.push('C');
    }
    if fix_binary {
        f.push('F');
    }
    f
}

/// The line written to `register`: `:name:M::magic:mask:interpreter:flags`.
pub fn registration(name: &str, interpreter: &Path, flags: &str) -> String {
    format!(":{name}:M::{}:{}:{}:{flags}", escape(&MAGIC), escape(&MASK), interpreter.display())
}

/// Whether the kernel would hand `header` (the first bytes of a file) to the entry.
#[cfg(test)]
fn matches(header: &[u8]) -> bool {
    header.len() >= MAGIC.len() && MAGIC.iter().zip(&MASK).zip(header).all(|((m, k), h)| h & k == m & k)
}

fn interpreter(o: &Opts) -> Result<PathBuf, Stop> {
    let p = match &o.interpreter {
        Some(p) => p.clone(),
        None => std::env::current_exe().map_err(|e| Stop::usage(format!("cannot find grantix's own path: {e}")))?,
    };
    std::fs::canonicalize(&p).map_err(|e| Stop::usage(format!("interpreter {}: {e}", p.display())))
}

fn registered(o: &Opts) -> Option<String> {
    std::fs::read_to_string(o.path.join(&o.name)).ok()
}

/// Runs `grantix binfmt ...`.
pub fn main(args: BinfmtArgs) -> Result<i32, Stop> {
    let not_mounted = |o: &Opts| {
        Stop::usage(format!("binfmt_misc is not mounted at {} (as root: mount -t binfmt_misc binfmt_misc {})", o.path.display(), o.path.display()))
    };
    match args.action {
        Action::Print(o) => {
            let line = registration(&o.name, &interpreter(&o)?, &flags(!o.no_fix_binary, o.preserve_argv0, o.credential));
            Err(Stop { status: 0, message: line })
        }
        Action::Install(o) => {
            let register = o.path.join("register");
            if !register.exists() {
                return Err(not_mounted(&o));
            }
            if registered(&o).is_some() {
                return Err(Stop::usage(format!("{} is already registered (grantix binfmt uninstall first)", o.name)));
            }
            let line = registration(&o.name, &interpreter(&o)?, &flags(!o.no_fix_binary, o.preserve_argv0, o.credential));
            let mut f = std::fs::OpenOptions::new().write(true).open(&register).map_err(|e| Stop::usage(format!("{}: {e} (root needed)", register.display())))?;
            f.write_all(line.as_bytes()).map_err(|e| Stop::usage(format!("{}: the kernel refused the registration: {e}", register.display())))?;
            Err(Stop { status: 0, message: format!("registered {}: riscv64 ELF executables now run through grantix", o.name) })
        }
        Action::Uninstall(o) => {
            let entry = o.path.join(&o.name);
            if !entry.exists() {
                return Err(Stop::usage(format!("{} is not registered", o.name)));
            }
            std::fs::write(&entry, "-1").map_err(|e| Stop::usage(format!("{}: {e}", entry.display())))?;
            Err(Stop { status: 0, message: format!("removed {}", o.name) })
        }
        Action::Status(o) => {
            if !o.path.join("register").exists() {
                return Err(not_mounted(&o));
            }
            let mut out = match registered(&o) {
                Some(text) => format!("{} is registered:\n{}", o.name, text.trim_end()),
                None => format!("{} is not registered", o.name),
            };
            // Other handlers of the same magic (qemu-riscv64): the newest registration
            // is tried first.
            let others: Vec<String> = std::fs::read_dir(&o.path)
                .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
                .unwrap_or_default();
            for n in others.iter().filter(|n| *n != &o.name && n.contains("riscv64")) {
                out.push_str(&format!("\nalso registered for riscv64: {n}"));
            }
            Err(Stop { status: 0, message: out })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_string_is_qemus_with_grantix_as_interpreter() {
        let line = registration(NAME, Path::new("/usr/bin/grantix"), &flags(true, false, false));
        assert_eq!(
            line,
            ":grantix-riscv64:M::\\x7f\\x45\\x4c\\x46\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xf3\\x00:\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff:/usr/bin/grantix:F"
        );
        assert_eq!(flags(true, true, true), "PCF");
        assert_eq!(flags(false, false, false), "");
    }

    #[test]
    fn mask_matches_riscv64_exec_and_dyn_only() {
        let mut h = MAGIC.to_vec();
        assert!(matches(&h));
        h[16] = 3; // ET_DYN
        assert!(matches(&h));
        h[7] = 3; // OS ABI GNU: ignored
        assert!(matches(&h));
        h[18] = 0x3e; // x86-64
        assert!(!matches(&h));
        let mut h32 = MAGIC.to_vec();
        h32[4] = 1; // ELFCLASS32
        assert!(!matches(&h32));
        assert!(!matches(&MAGIC[..10]));
    }

    #[test]
    fn mask_matches_the_corpus_binaries_and_not_the_host_shell() {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut seen = 0;
        for libc in ["glibc", "musl"] {
            let p = repo.join("build/guests").join(libc).join("hello");
            if let Ok(bytes) = std::fs::read(&p) {
                assert!(matches(&bytes), "{} does not match", p.display());
                seen += 1;
            }
        }
        assert!(seen > 0, "no guest binaries under build/guests (scripts/build-guests.sh builds them)");
        let host = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        assert!(!matches(&host), "the host's own executable must not match");
    }
}
