//! Logging: tracing targets, with qemu's `-d CATEGORIES` and `-D FILE` mapped onto them.
//!
//! Every log line of grantix goes through `tracing`; a category of `-d` is a set of
//! tracing directives (targets and levels), plus for `strace` and `in_asm` the switch
//! that makes the personality or the CPU produce those lines at all. RUST_LOG still
//! adds directives of its own.

use crate::stop::Stop;
use std::path::PathBuf;
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::{DefaultFields, Format, Writer};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::EnvFilter;

/// Lines of target `grantix` (the front end's own messages) read as a command-line
/// tool's: `grantix: warning: ...`; those of `grantix::strace` (the personality's
/// strace lines) as strace's, bare; every other target keeps tracing's format with
/// level and target, which `-d` users filter on.
struct Lines {
    full: Format<tracing_subscriber::fmt::format::Full, ()>,
}

impl<S, N> FormatEvent<S, N> for Lines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(&self, ctx: &FmtContext<'_, S, N>, mut w: Writer<'_>, event: &Event<'_>) -> std::fmt::Result {
        // strace lines (and the call lines under them) read as strace's own.
        if event.metadata().target() == "grantix::strace" {
            ctx.field_format().format_fields(w.by_ref(), event)?;
            return writeln!(w);
        }
        if event.metadata().target() != "grantix" {
            return self.full.format_event(ctx, w, event);
        }
        let prefix = match *event.metadata().level() {
            Level::ERROR => "error: ",
            Level::WARN => "warning: ",
            _ => "",
        };
        write!(w, "grantix: {prefix}")?;
        ctx.field_format().format_fields(w.by_ref(), event)?;
        writeln!(w)
    }
}

/// What -d and -D asked for.
#[derive(Clone, Debug, Default)]
pub struct LogSpec {
    pub categories: Option<String>,
    pub file: Option<PathBuf>,
}

/// Switches a category turns on besides its tracing directives.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LogFlags {
    /// Trace each syscall (`-d strace`).
    pub strace: bool,
    /// Trace each instruction (`-d in_asm`, `exec`, `cpu`).
    pub trace: bool,
}

/// One -d category: its name (qemu's where qemu has one), what it shows, its tracing
/// directives.
pub struct Category {
    pub name: &'static str,
    pub help: &'static str,
    pub directives: &'static str,
}

/// The categories, in `-d help` order.
pub const CATEGORIES: &[Category] = &[
    Category { name: "in_asm", help: "show each instruction as it is executed (target grantix::trace)", directives: "grantix::trace=trace" },
    Category { name: "exec", help: "same as in_asm (grantix interprets: every instruction is a block)", directives: "grantix::trace=trace" },
    Category { name: "cpu", help: "same as in_asm", directives: "grantix::trace=trace" },
    Category { name: "strace", help: "log every system call and its result", directives: "" },
    Category { name: "unimp", help: "log unimplemented system calls (target personality::linux)", directives: "personality::linux=warn" },
    Category { name: "guest_errors", help: "log unhandled guest faults and refused images (targets personality, loader)", directives: "personality=warn,loader=warn" },
    Category { name: "page", help: "log images loaded and memory mapped (targets loader, syscalls::mm)", directives: "loader=debug,syscalls::mm=debug" },
    Category { name: "int", help: "log signals delivered and service faults (targets personality, syscalls)", directives: "personality=debug,syscalls=info" },
    Category { name: "out_asm", help: "show the host code of each translation, with its guest pcs (target out_asm; jit engine)", directives: "out_asm=info" },
    Category { name: "portal", help: "grantix only: the machine's portal calls, grants and revocations (target machine)", directives: "machine=debug" },
    Category { name: "all", help: "everything above", directives: "grantix::trace=trace,personality=debug,syscalls=debug,loader=debug,machine=debug" },
];

/// The text of `-d help`.
pub fn help() -> String {
    let mut s = String::from("Log items (comma separated):\n");
    for c in CATEGORIES {
        s.push_str(&format!("{:<13} {}\n", c.name, c.help));
    }
    s
}

/// Parses a -d list into tracing directives and switches.
pub fn categories(list: &str) -> Result<(Vec<&'static str>, LogFlags), Stop> {
    let mut dirs = Vec::new();
    let mut flags = LogFlags::default();
    for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let Some(c) = CATEGORIES.iter().find(|c| c.name == name) else {
            return Err(Stop::usage(format!("-d {name}: unknown log category\n{}", help())));
        };
        if !c.directives.is_empty() {
            dirs.push(c.directives);
        }
        match c.name {
            "strace" => flags.strace = true,
            "in_asm" | "exec" | "cpu" => flags.trace = true,
            "all" => flags = LogFlags { strace: true, trace: true },
            _ => {}
        }
    }
    Ok((dirs, flags))
}

/// Installs the subscriber for `spec` (stderr, or the -D file, `%d` in its name
/// replaced by grantix's pid as qemu does); returns the switches of its categories.
pub fn init(spec: &LogSpec) -> Result<LogFlags, Stop> {
    if spec.categories.as_deref() == Some("help") {
        return Err(Stop { status: 0, message: help().trim_end().to_string() });
    }
    let (dirs, flags) = match &spec.categories {
        Some(list) => categories(list)?,
        None => (Vec::new(), LogFlags::default()),
    };
    // grantix's own messages (a -cpu model's missing extensions, where a campaign
    // wrote its records) are always shown.
    let mut text: Vec<String> = std::iter::once("grantix=info").chain(dirs.iter().copied()).map(str::to_string).collect();
    if let Ok(env) = std::env::var("RUST_LOG") {
        text.push(env);
    }
    let filter = EnvFilter::builder().with_default_directive(tracing::Level::ERROR.into()).parse_lossy(text.join(","));
    let format = |ansi: bool| Lines { full: Format::default().without_time().with_ansi(ansi) };
    let builder = tracing_subscriber::fmt().with_env_filter(filter).fmt_fields(DefaultFields::new());
    let installed = match &spec.file {
        Some(f) => {
            let name = f.to_string_lossy().replace("%d", &std::process::id().to_string());
            let file = std::fs::File::create(&name).map_err(|e| Stop::usage(format!("-D {name}: {e}")))?;
            builder.with_ansi(false).event_format(format(false)).with_writer(std::sync::Mutex::new(file)).try_init()
        }
        None => {
            let ansi = nix::unistd::isatty(2).unwrap_or(false);
            builder.with_ansi(ansi).event_format(format(ansi)).with_writer(std::io::stderr).try_init()
        }
    };
    // A second init in one process (tests) keeps the first subscriber.
    drop(installed);
    Ok(flags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_map_to_directives_and_switches() {
        let (d, f) = categories("in_asm,page").unwrap();
        assert_eq!(d, vec!["grantix::trace=trace", "loader=debug,syscalls::mm=debug"]);
        assert_eq!(f, LogFlags { strace: false, trace: true });
        let (d, f) = categories("strace").unwrap();
        assert!(d.is_empty());
        assert!(f.strace);
        assert!(categories("nonsense").is_err());
    }
}
