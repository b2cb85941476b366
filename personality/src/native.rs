//! Native callers: the directory service (private syscalls gx_lookup, gx_register)
//! and the rule for which service ops a process may call directly with gx.pcall.
//!
//! A process finds a service's portal by name through linux, which holds C+G over
//! every service's call entry (granted at boot) and derives a plain C grant for the
//! caller: transitivity, no new authority. User-space servers register a portal of
//! their own after granting linux C+G over its entry; lookups then find them too.
//! The services never trust a native caller's argument 0 (the caller word): the
//! host computes it (`crate::split`, `crate::monolithic`, `allowed` below). The
//! directory's syscalls themselves are answered in `crate::sys::directory`.

use machine::addr::Sid;
use std::collections::BTreeMap;
use syscalls::service::err;
use syscalls::table;
use syscalls::{Env, ServiceId};

/// The private syscall numbers of the directory service (outside Linux's range).
pub use syscalls::table::private as sysno;

/// Longest name the directory keeps.
pub const NAME_MAX: u64 = 64;

/// Services a process may look up by name (linux and the supervisor are not called
/// natively; tty is reached through vfs).
pub const PUBLIC: [ServiceId; 5] = [ServiceId::Proc, ServiceId::Mm, ServiceId::Vfs, ServiceId::Futex, ServiceId::Time];

/// A portal a user-space server registered.
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    pub portal: u64,
    /// Where the portal's entry lies (what a C grant must cover).
    pub code: Sid,
    pub entry: u64,
    /// The server's DATA: the grantee of the buffers clients lend it.
    pub data: Sid,
    /// Its generation at registration: a dead server's name is forgotten.
    pub generation: u32,
}

/// Names registered by user-space servers.
#[derive(Debug, Default)]
pub struct Directory {
    pub names: BTreeMap<Vec<u8>, Entry>,
    /// C grants already handed out, by (grantee, its generation, portal): a second
    /// lookup by the same process reuses the first grant instead of piling up more.
    pub(crate) granted: BTreeMap<(Sid, u32, u64), u64>,
}

/// Whether syscall `n` is one of the directory's.
pub fn handles(n: u64) -> bool {
    matches!(n, sysno::LOOKUP | sysno::REGISTER)
}

/// Whether a process may call op `op` of service `s` natively: only the Linux
/// syscalls that service answers anyway (their row in `syscalls::table`), minus those
/// flagged NO_NATIVE (the personality must manage the thread: clone, exit, execve,
/// sigaltstack) and futex (whose caller word has a shape of its own). The internal ops
/// (0x1000 and up) take pids and lends from trusted callers only.
pub fn allowed(s: ServiceId, op: u64) -> bool {
    PUBLIC.contains(&s) && s != ServiceId::Futex && op < 0x1000 && table::owner(op) == Some(s) && !table::is(op, table::flag::NO_NATIVE)
}

/// The arguments op `op` of service `s` gets from a native caller whose DATA is
/// `data` (`a`: the syscall's own arguments as Linux has them, a2..a7 of the gx.pcall),
/// marshalled exactly as the ecall path marshals them (`crate::marshal`): local
/// pointers are the caller's DATA (never the service's own memory), and every byte the
/// op may touch must be accessible to the service through the caller's transient
/// grants: -EFAULT otherwise, never a fault of the service (which would restart it, or
/// panic the monolithic kernel).
pub fn checked_args(env: &mut dyn Env, s: ServiceId, op: u64, data: Sid, a: [u64; 6]) -> Result<[u64; 5], u64> {
    crate::marshal::marshal(env, s, op, data, a, crate::marshal::Origin::Native).map(|m| m.args).map_err(err)
}
