//! strace-style lines, decoded from the syscall table's argument types:
//! `[pid 1] openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3`.

use crate::call::Caller;
use std::collections::BTreeSet;
use std::fmt::Write;
use syscalls::service::{is_err, BLOCK};
use syscalls::table::{self, Arg};
use syscalls::{Env, ServiceId};

/// Longest string or buffer shown before "...".
const SHOWN: usize = 32;

/// Which syscalls to trace (`-e trace=openat,read`); None traces all.
pub type Filter = Option<BTreeSet<u64>>;

/// Parses `trace=NAME,NAME...` (or the bare list) into syscall numbers.
pub fn parse_filter(spec: &str) -> Result<BTreeSet<u64>, String> {
    let list = spec.strip_prefix("trace=").unwrap_or(spec);
    list.split(',')
        .filter(|s| !s.is_empty())
        .map(|name| table::TABLE.iter().find(|e| e.name == name).map(|e| e.nr).or_else(|| syscalls::sysno::ALL.iter().find(|(_, s)| *s == name).map(|(n, _)| *n)).ok_or_else(|| format!("unknown syscall {name:?}")))
        .collect()
}

/// Whether syscall `n` passes the filter.
pub fn wanted(filter: &Filter, n: u64) -> bool {
    filter.as_ref().is_none_or(|f| f.contains(&n))
}

/// The line for syscall `n` with arguments `a` of caller `c`, and its result `v`
/// (None: the call did not return a value, as exit and execve).
pub fn line(env: &mut dyn Env, c: &Caller, n: u64, a: &[u64; 6], v: Option<u64>) -> String {
    let mut s = format!("[pid {}] ", c.tid);
    let entry = table::entry(n);
    let name = entry.map(|e| e.name).or_else(|| syscalls::sysno::name(n));
    match name {
        Some(name) => s.push_str(name),
        None => {
            let _ = write!(s, "syscall_{n:#x}");
        }
    }
    s.push('(');
    let types = entry.map_or(&[Arg::Hex, Arg::Hex, Arg::Hex][..], |e| e.args);
    let shown: Vec<String> = types.iter().enumerate().map(|(i, t)| arg(env, c, *t, a[i], a)).collect();
    s.push_str(&shown.join(", "));
    s.push(')');
    match v {
        None => s.push_str(" = ?"),
        Some(BLOCK) => s.push_str(" = ? <blocks>"),
        Some(v) if is_err(v) => {
            let e = nix::errno::Errno::from_raw(-(v as i64) as i32);
            let _ = write!(s, " = -1 {e:?} ({})", e.desc());
        }
        // Addresses are shown as addresses.
        Some(v) if entry.is_some_and(|e| e.owner == ServiceId::Mm) && !matches!(n, syscalls::sysno::MUNMAP | syscalls::sysno::MPROTECT | syscalls::sysno::MSYNC | syscalls::sysno::MADVISE | syscalls::sysno::MINCORE) => {
            let _ = write!(s, " = {v:#x}");
        }
        Some(v) => {
            let _ = write!(s, " = {}", v as i64);
        }
    }
    s
}

/// One argument, by its type.
fn arg(env: &mut dyn Env, c: &Caller, t: Arg, v: u64, all: &[u64; 6]) -> String {
    match t {
        Arg::Int => (v as i64).to_string(),
        Arg::Uint => v.to_string(),
        Arg::Hex => format!("{v:#x}"),
        Arg::Fd => (v as i32).to_string(),
        Arg::DirFd if v as i32 == libc::AT_FDCWD => "AT_FDCWD".into(),
        Arg::DirFd => (v as i32).to_string(),
        Arg::Path => string(env, c, v),
        Arg::In(len) => buffer(env, c, v, all[len as usize]),
        Arg::Out(_) | Arg::Ptr | Arg::Addr if v == 0 => "NULL".into(),
        Arg::Out(_) | Arg::Ptr | Arg::Addr => format!("{v:#x}"),
        Arg::OpenFlags => open_flags(v as i32),
        Arg::Mode => format!("0{:o}", v as u32),
        Arg::Signal => signal(v as i32),
    }
}

/// A quoted string with C escapes, "..." after SHOWN bytes.
fn quoted(b: &[u8], more: bool) -> String {
    let mut s = String::from("\"");
    for &x in b.iter().take(SHOWN) {
        match x {
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            b'\n' => s.push_str("\\n"),
            b'\t' => s.push_str("\\t"),
            0x20..=0x7e => s.push(x as char),
            _ => {
                let _ = write!(s, "\\{x:o}");
            }
        }
    }
    s.push('"');
    if more || b.len() > SHOWN {
        s.push_str("...");
    }
    s
}

/// The NUL-terminated string at process pointer `p`, or the pointer if unreadable.
fn string(env: &mut dyn Env, c: &Caller, p: u64) -> String {
    if p == 0 {
        return "NULL".into();
    }
    let mut out = Vec::new();
    let mut b = [0u8; 1];
    while out.len() <= SHOWN {
        if env.read(c.q(p).wrapping_add(out.len() as u64), &mut b).is_err() {
            return format!("{p:#x}");
        }
        if b[0] == 0 {
            return quoted(&out, false);
        }
        out.push(b[0]);
    }
    quoted(&out, true)
}

/// The first bytes of the buffer at `p`, `len` long.
fn buffer(env: &mut dyn Env, c: &Caller, p: u64, len: u64) -> String {
    if p == 0 {
        return "NULL".into();
    }
    let mut b = vec![0u8; (len as usize).min(SHOWN)];
    if env.read(c.q(p), &mut b).is_err() {
        return format!("{p:#x}");
    }
    quoted(&b, len as usize > SHOWN)
}

/// open(2) flags by name.
pub fn open_flags(f: i32) -> String {
    let mut parts = vec![match f & libc::O_ACCMODE {
        libc::O_RDONLY => "O_RDONLY",
        libc::O_WRONLY => "O_WRONLY",
        libc::O_RDWR => "O_RDWR",
        _ => "O_ACCMODE",
    }
    .to_string()];
    let named = [
        (libc::O_CREAT, "O_CREAT"),
        (libc::O_EXCL, "O_EXCL"),
        (libc::O_NOCTTY, "O_NOCTTY"),
        (libc::O_TRUNC, "O_TRUNC"),
        (libc::O_APPEND, "O_APPEND"),
        (libc::O_NONBLOCK, "O_NONBLOCK"),
        (libc::O_DSYNC, "O_DSYNC"),
        (libc::O_DIRECT, "O_DIRECT"),
        (libc::O_LARGEFILE, "O_LARGEFILE"),
        (libc::O_DIRECTORY, "O_DIRECTORY"),
        (libc::O_NOFOLLOW, "O_NOFOLLOW"),
        (libc::O_NOATIME, "O_NOATIME"),
        (libc::O_CLOEXEC, "O_CLOEXEC"),
        (libc::O_PATH, "O_PATH"),
        (libc::O_TMPFILE & !libc::O_DIRECTORY, "O_TMPFILE"),
        (libc::O_SYNC & !libc::O_DSYNC, "O_SYNC"),
    ];
    let mut rest = f & !libc::O_ACCMODE;
    for (bit, name) in named {
        if bit != 0 && rest & bit == bit {
            parts.push(name.into());
            rest &= !bit;
        }
    }
    if rest != 0 {
        parts.push(format!("{rest:#x}"));
    }
    parts.join("|")
}

/// A signal number by name.
fn signal(s: i32) -> String {
    nix::sys::signal::Signal::try_from(s).map_or_else(|_| s.to_string(), |sig| sig.as_str().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_and_filters_by_name() {
        assert_eq!(open_flags(libc::O_RDONLY | libc::O_CLOEXEC), "O_RDONLY|O_CLOEXEC");
        assert_eq!(open_flags(libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC), "O_WRONLY|O_CREAT|O_TRUNC");
        assert_eq!(signal(libc::SIGINT), "SIGINT");
        let f = parse_filter("trace=openat,read").unwrap();
        assert_eq!(f, [syscalls::sysno::OPENAT, syscalls::sysno::READ].into_iter().collect());
        assert!(parse_filter("trace=nosuchcall").is_err());
        assert!(wanted(&None, 1) && wanted(&Some(f.clone()), syscalls::sysno::READ) && !wanted(&Some(f), syscalls::sysno::WRITE));
        assert_eq!(quoted(b"hi\n", false), "\"hi\\n\"");
    }
}
