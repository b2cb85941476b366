//! Why an executable could not be loaded, as one line a user can act on.

use machine::GxError;

/// Everything that can go wrong between a path and a process ready to run.
///
/// The messages are single lines meant to follow a program name
/// (`grantix: {error}`); [`LoadError::exit_status`] and [`LoadError::errno`] give what a
/// shell and `execve` would report.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// The file does not start with the ELF magic.
    #[error("not an ELF file")]
    NotElf,
    /// The file ends before a structure it announces (`what` names which).
    #[error("truncated ELF file: {what} past the end of the file")]
    Truncated { what: &'static str },
    /// ELFCLASS32: a 32-bit executable.
    #[error("32-bit ELF ({arch}); grantix runs 64-bit riscv64 executables only")]
    Elf32 { arch: String },
    /// An executable for another processor.
    #[error("wrong architecture: {arch} executable; grantix runs riscv64 executables only")]
    WrongArch { arch: String },
    /// ELFDATA2MSB.
    #[error("big-endian ELF; grantix runs little-endian riscv64 executables only")]
    BigEndian,
    /// The executable names a program interpreter (PT_INTERP) that is not there.
    #[error("dynamically linked, and its interpreter {interpreter} is not found: give the riscv64 libraries' prefix with -L PREFIX (e.g. -L /usr/riscv64-linux-gnu) or the guest's root with --root DIR")]
    Dynamic { interpreter: String },
    /// The interpreter is itself dynamically linked, or not a riscv64 executable.
    #[error("interpreter {interpreter}: {why}")]
    BadInterpreter { interpreter: String, why: String },
    /// A relocatable object, a core dump, or another non-executable ELF type.
    #[error("not an executable: {kind}")]
    NotExecutable { kind: &'static str },
    /// A header field that no valid executable has.
    #[error("malformed ELF: {0}")]
    Malformed(String),
    /// Two loadable segments claim the same bytes of memory.
    #[error("malformed ELF: segments {first} and {second} overlap in memory")]
    Overlap { first: usize, second: usize },
    /// A segment (after the load bias) does not fit in a 48-bit space.
    #[error("malformed ELF: segment {index} ({start:#x}+{size:#x}) lies outside the 48-bit address space")]
    OutsideSpace { index: usize, start: u64, size: u64 },
    /// A segment's file bytes lie (partly) past the end of the file.
    #[error(
        "truncated ELF file: segment {index} reads {size:#x} bytes at offset {offset:#x} of a {file_len}-byte file"
    )]
    OffsetPastEnd { index: usize, offset: u64, size: u64, file_len: usize },
    /// The image would cover the stack region.
    #[error("the image ({start:#x}..{end:#x}) overlaps the stack region")]
    StackOverlap { start: u64, end: u64 },
    /// argv and envp do not fit the stack limit (Linux: E2BIG).
    #[error("argument list too long")]
    ArgumentsTooLong,
    /// The executable file does not exist.
    #[error("{path}: no such file or directory")]
    NotFound { path: String },
    /// The executable file cannot be read.
    #[error("{path}: permission denied")]
    PermissionDenied { path: String },
    /// The path names a directory.
    #[error("{path}: is a directory")]
    IsDirectory { path: String },
    /// Any other error reading the file.
    #[error("{path}: {message}")]
    Io { path: String, message: String },
    /// The machine refused a mapping: out of frames or another limit.
    #[error("cannot map the image: {0}")]
    Memory(#[from] GxError),
}

impl LoadError {
    /// The exit status a shell reports when it cannot run the file: 127 when there is
    /// no such file ("command not found"), 126 for everything else ("cannot execute").
    pub fn exit_status(&self) -> i32 {
        match self {
            LoadError::NotFound { .. } | LoadError::Dynamic { .. } => 127,
            _ => 126,
        }
    }

    /// The positive errno `execve` fails with, as Linux would report it. Every format
    /// problem is ENOEXEC; a missing interpreter is ENOENT, as on Linux.
    pub fn errno(&self) -> i32 {
        const ENOENT: i32 = 2;
        const EIO: i32 = 5;
        const E2BIG: i32 = 7;
        const ENOEXEC: i32 = 8;
        const ENOMEM: i32 = 12;
        const EACCES: i32 = 13;
        match self {
            LoadError::NotFound { .. } | LoadError::Dynamic { .. } => ENOENT,
            LoadError::PermissionDenied { .. } | LoadError::IsDirectory { .. } => EACCES,
            LoadError::Io { .. } => EIO,
            LoadError::ArgumentsTooLong => E2BIG,
            LoadError::StackOverlap { .. } => ENOMEM,
            LoadError::Memory(e) => e.errno() as i32,
            _ => ENOEXEC,
        }
    }
}
