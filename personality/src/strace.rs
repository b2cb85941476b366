//! strace-style lines, decoded from the syscall table's argument types:
//! `[pid 2] openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3`; and with
//! `--strace-calls`, under each, the portal calls, grants and revocations it made
//! (`  -> vfs.openat lend R space 9 [0x11b40, +12)`), from the machine's call log.

use crate::call::Caller;
use machine::calltrace::{CallEvent, CallLog};
use machine::{GrantRights, Sid};
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
        Arg::PathOrNull if v == 0 => "NULL".into(),
        Arg::Path | Arg::PathOrNull => string(env, c, v),
        Arg::In(len) | Arg::InUpTo(len, _) => buffer(env, c, v, all[len as usize]),
        Arg::Out(_) | Arg::OutUpTo(..) | Arg::Reads(..) | Arg::Writes(..) | Arg::Updates(..) | Arg::Special | Arg::Addr if v == 0 => "NULL".into(),
        Arg::Out(_) | Arg::OutUpTo(..) | Arg::Reads(..) | Arg::Writes(..) | Arg::Updates(..) | Arg::Special | Arg::Addr => format!("{v:#x}"),
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

/// The ops of the services this crate defines (linux, supervisor), generated from
/// their `op` modules by build.rs, as `syscalls::opnames` is for the others.
const OWN_OPS: &[(ServiceId, u64, &str)] = include!(concat!(env!("OUT_DIR"), "/op_names.rs"));

/// `service.op` for a call: the service's own op name (`proc.ENTER`, from its `op`
/// module), else the Linux syscall it implements (`vfs.write`), else the number.
pub fn op_name(service: ServiceId, op: u64) -> String {
    let own = OWN_OPS.iter().find(|(s, o, _)| *s == service && *o == op).map(|(_, _, n)| *n).or_else(|| syscalls::opnames::name(service, op));
    match own.or_else(|| syscalls::sysno::name(op)) {
        Some(n) => format!("{}.{n}", service.name()),
        None => format!("{}.{op:#x}", service.name()),
    }
}

/// Rights as letters: `R`, `RW`, `C`.
fn rights(r: GrantRights) -> String {
    [(GrantRights::R, 'R'), (GrantRights::W, 'W'), (GrantRights::C, 'C'), (GrantRights::G, 'G')].iter().filter(|(b, _)| r.contains(*b)).map(|(_, c)| *c).collect()
}

/// How the call lines name spaces: which service a space is (None: a process's, or
/// one no service owns), and whether the services share one kernel space.
pub struct Spaces<'a> {
    pub service: &'a dyn Fn(Sid) -> Option<ServiceId>,
    pub monolithic: bool,
}

impl Spaces<'_> {
    fn name(&self, sid: Sid) -> String {
        match (self.service)(sid) {
            Some(_) if self.monolithic => "kernel".into(),
            Some(s) => s.name().into(),
            None => format!("space {sid}"),
        }
    }

    /// A range of a space: `space 9 [0x1000, +4096)`, `linux [0x10000000, +48)`.
    fn range(&self, sid: Sid, offset: u64, len: u64) -> String {
        match (self.service)(sid) {
            Some(_) => format!("{} [{offset:#x}, +{len})", self.name(sid)),
            None => format!("space {sid} [{offset:#x}, +{len})"),
        }
    }
}

/// The lines shown under a syscall for the events of its call log: one per portal
/// call (with the transient grants passed to it as its lends), per other grant, per
/// revocation, per in-kernel call of the monolithic kernel, and the totals, which count
/// what `--stats` counts (portal calls, grants, revocations).
pub fn calls(log: &CallLog, spaces: &Spaces<'_>) -> Vec<String> {
    let base = log.events.iter().map(CallEvent::depth).min().unwrap_or(0);
    let indent = |d: usize| "  ".repeat(1 + d.saturating_sub(base));
    let mut out = Vec::new();
    let (mut pcalls, mut grants, mut revokes, mut direct) = (0u64, 0u64, 0u64, 0u64);
    // Transient grants not yet shown: they belong to the next call at their depth.
    let mut pending: Vec<&CallEvent> = Vec::new();
    let grant_line = |e: &CallEvent| match e {
        CallEvent::Grant { depth, space, offset, len, rights: r, grantee, transient, .. } => {
            format!("{}grant {} {} to {}{}", indent(*depth), rights(*r), spaces.range(*space, *offset, *len), spaces.name(*grantee), if *transient { " (transient)" } else { "" })
        }
        _ => String::new(),
    };
    for e in &log.events {
        if let CallEvent::Grant { transient: true, .. } = e {
            grants += 1;
            pending.push(e);
            continue;
        }
        let (lends, rest): (Vec<&CallEvent>, Vec<&CallEvent>) = match e {
            CallEvent::Call { depth, callee, .. } => pending.drain(..).partition(|g| matches!(g, CallEvent::Grant { depth: d, grantee, .. } if d == depth && grantee == callee)),
            _ => (Vec::new(), pending.drain(..).collect()),
        };
        out.extend(rest.into_iter().map(grant_line));
        match e {
            CallEvent::Call { depth, callee, op, .. } => {
                pcalls += 1;
                let target = match (spaces.service)(*callee) {
                    Some(s) => op_name(s, *op),
                    None => format!("{}.{op:#x}", spaces.name(*callee)),
                };
                let mut line = format!("{}-> {target}", indent(*depth));
                for l in lends {
                    if let CallEvent::Grant { space, offset, len, rights: r, .. } = l {
                        let _ = write!(line, " lend {} {}", rights(*r), spaces.range(*space, *offset, *len));
                    }
                }
                out.push(line);
            }
            CallEvent::Grant { .. } => {
                grants += 1;
                out.push(grant_line(e));
            }
            CallEvent::Revoke { depth, count, returned, .. } => {
                revokes += count;
                let why = returned.map_or(String::new(), |r| format!(" (return from {})", spaces.name(r)));
                out.push(format!("{}revoke {count}{why}", indent(*depth)));
            }
            CallEvent::Direct { depth, to, op } => {
                direct += 1;
                let target = ServiceId::ALL.get(*to as usize).map_or_else(|| format!("{to}.{op:#x}"), |s| op_name(*s, *op));
                out.push(format!("{}-> {target} (in-kernel call, no portal)", indent(*depth)));
            }
            CallEvent::Fault { depth, space, kind } => out.push(format!("{}!! {} faulted ({kind})", indent(*depth), spaces.name(*space))),
        }
    }
    out.extend(pending.drain(..).map(grant_line));
    let plural = |n: u64, one: &str| if n == 1 { format!("{n} {one}") } else { format!("{n} {one}s") };
    let mut total = format!("  = {}, {}, {}", plural(pcalls, "portal call"), plural(grants, "grant"), plural(revokes, "revoke"));
    if spaces.monolithic {
        let _ = write!(total, " (monolithic: {} inside the kernel space)", plural(direct, "service call"));
    }
    if log.dropped > 0 {
        let _ = write!(total, " ({} more events not logged)", log.dropped);
    }
    out.push(total);
    out
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

    #[test]
    fn call_lines_name_services_ops_lends_and_count_as_the_counters_do() {
        use syscalls::proc::op as proc_op;
        // Spaces 2..: linux, proc, vfs; 40 is a process's DATA.
        let service = |s: Sid| match s {
            2 => Some(ServiceId::Linux),
            3 => Some(ServiceId::Proc),
            4 => Some(ServiceId::Vfs),
            _ => None,
        };
        let spaces = Spaces { service: &service, monolithic: false };
        let mut log = CallLog::default();
        for e in [
            CallEvent::Call { depth: 1, caller: 2, callee: 3, op: proc_op::ENTER },
            CallEvent::Grant { depth: 1, by: 2, space: 40, offset: 0x1000, len: 5, rights: GrantRights::R, grantee: 4, transient: true },
            CallEvent::Call { depth: 1, caller: 2, callee: 4, op: syscalls::sysno::WRITE },
            CallEvent::Grant { depth: 2, by: 4, space: 4, offset: 0x2000_0000, len: 64, rights: GrantRights::W, grantee: 3, transient: true },
            CallEvent::Call { depth: 2, caller: 4, callee: 3, op: proc_op::CREDS },
            CallEvent::Revoke { depth: 2, by: 4, count: 1, returned: Some(3) },
            CallEvent::Revoke { depth: 1, by: 2, count: 1, returned: Some(4) },
            CallEvent::Grant { depth: 1, by: 2, space: 2, offset: 0x1000_0000, len: 4096, rights: GrantRights::RW, grantee: 3, transient: false },
        ] {
            log.push(e);
        }
        let lines = calls(&log, &spaces);
        assert_eq!(
            lines,
            [
                "  -> proc.ENTER",
                "  -> vfs.write lend R space 40 [0x1000, +5)",
                "    -> proc.CREDS lend W vfs [0x20000000, +64)",
                "    revoke 1 (return from proc)",
                "  revoke 1 (return from vfs)",
                "  grant RW linux [0x10000000, +4096) to proc",
                "  = 3 portal calls, 3 grants, 2 revokes",
            ]
        );
        // Monolithic: the service calls inside the kernel space, no portal.
        let mut mono = CallLog::default();
        mono.push(CallEvent::Direct { depth: 1, to: ServiceId::Vfs as u64, op: syscalls::sysno::WRITE });
        mono.push(CallEvent::Direct { depth: 2, to: ServiceId::Tty as u64, op: syscalls::tty::op::WRITE });
        let kernel = |_: Sid| Some(ServiceId::Linux);
        let lines = calls(&mono, &Spaces { service: &kernel, monolithic: true });
        assert_eq!(
            lines,
            [
                "  -> vfs.write (in-kernel call, no portal)",
                "    -> tty.WRITE (in-kernel call, no portal)",
                "  = 0 portal calls, 0 grants, 0 revokes (monolithic: 2 service calls inside the kernel space)",
            ]
        );
        assert_eq!(op_name(ServiceId::Supervisor, crate::supervisor::op::RESTART), "supervisor.RESTART");
        assert_eq!(op_name(ServiceId::Mm, 0x7777), "mm.0x7777");
    }
}
