//! Native callers: the directory service (private syscalls gx_lookup, gx_register)
//! and the rule for which service ops a process may call directly with gx.pcall.
//!
//! A process finds a service's portal by name through linux, which holds C+G over
//! every service's call entry (granted at boot) and derives a plain C grant for the
//! caller: transitivity, no new authority. User-space servers register a portal of
//! their own after granting linux C+G over its entry; lookups then find them too.
//! The services never trust a native caller's argument 0 (the caller word): the
//! wiring computes it (`crate::wiring`, `allowed` below).

use crate::linux::{Caller, Linux, Outcome};
use crate::wiring::Wiring;
use machine::addr::{qualified, Sid};
use machine::GrantRights;
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
    granted: BTreeMap<(Sid, u32, u64), u64>,
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

/// Handles a directory syscall for `c`.
pub fn dispatch(_l: &mut Linux, env: &mut dyn Env, c: &Caller, n: u64, a: [u64; 6]) -> Outcome {
    let r = match n {
        sysno::LOOKUP => lookup(env, c, a[0], a[1]),
        sysno::REGISTER => register(env, c, a[0], a[1], a[2]),
        _ => Err(libc::ENOSYS),
    };
    Outcome::Value(r.unwrap_or_else(err))
}

/// The name at process pointer `p`, `len` bytes (no NUL needed).
fn read_name(env: &mut dyn Env, c: &Caller, p: u64, len: u64) -> Result<Vec<u8>, i32> {
    if len == 0 || len > NAME_MAX {
        return Err(libc::EINVAL);
    }
    let mut v = vec![0u8; len as usize];
    env.read(c.q(p), &mut v).map_err(|_| libc::EFAULT)?;
    // A C caller may pass strlen + 1.
    if v.last() == Some(&0) {
        v.pop();
    }
    Ok(v)
}

fn directory(env: &dyn Env) -> Result<std::sync::Arc<std::sync::Mutex<Directory>>, i32> {
    env.wiring().and_then(|w| w.downcast_ref::<Wiring>()).map(|w| w.directory.clone()).ok_or(libc::ENOSYS)
}

/// gx_lookup: a C grant over the named portal's entry for the caller, and
/// `sid << 32 | portal` (sid: where to grant buffers lent to it).
fn lookup(env: &mut dyn Env, c: &Caller, p: u64, len: u64) -> Result<u64, i32> {
    let name = read_name(env, c, p, len)?;
    let dir = directory(env)?;
    let named = std::str::from_utf8(&name).ok().and_then(ServiceId::from_name);
    // "linux" names the personality itself: no portal, only its sid, the grantee of
    // the C+G grant a server gives before gx_register.
    if named == Some(ServiceId::Linux) {
        return Ok((env.me() as u64) << 32);
    }
    let builtin = named.filter(|s| PUBLIC.contains(s));
    let target = match builtin {
        Some(s) => {
            let portal = env.wiring().and_then(|w| w.downcast_ref::<Wiring>()).map_or(0, |w| w.native[s as usize]);
            let pt = env.machine().portal(portal).map_err(|_| libc::ENOENT)?;
            Entry { portal, code: pt.code, entry: pt.entry, data: env.sid_of(s), generation: 0 }
        }
        None => {
            let mut d = dir.lock().map_err(|_| libc::EIO)?;
            let e = *d.names.get(&name).ok_or(libc::ENOENT)?;
            if env.machine().mem.generation(e.data) != e.generation || env.machine().portal(e.portal).is_err() {
                d.names.remove(&name);
                return Err(libc::ENOENT);
            }
            e
        }
    };
    let key = (c.data, env.machine().mem.generation(c.data), target.portal);
    let known = dir.lock().map_err(|_| libc::EIO)?.granted.contains_key(&key);
    if !known {
        // Derived from linux's C+G over the entry (or a root grant of the kernel's
        // own portal, monolithic): -EPERM if the server never granted linux C+G.
        let h = env.grant(qualified(target.code, target.entry), 1, c.data, GrantRights::C, false).map_err(|e| e.errno() as i32)?;
        dir.lock().map_err(|_| libc::EIO)?.granted.insert(key, h);
    }
    Ok(((target.data as u64) << 32) | target.portal)
}

/// gx_register: publishes the caller's own portal under `name`.
fn register(env: &mut dyn Env, c: &Caller, p: u64, len: u64, portal: u64) -> Result<u64, i32> {
    let name = read_name(env, c, p, len)?;
    if std::str::from_utf8(&name).ok().and_then(ServiceId::from_name).is_some() {
        return Err(libc::EEXIST);
    }
    let pt = env.machine().portal(portal).map_err(|_| libc::ESRCH)?;
    // Only the environment a portal enters may publish it.
    if pt.data != c.data {
        return Err(libc::EPERM);
    }
    let generation = env.machine().mem.generation(c.data);
    let dir = directory(env)?;
    let mut d = dir.lock().map_err(|_| libc::EIO)?;
    if let Some(old) = d.names.get(&name) {
        let live = env.machine().mem.generation(old.data) == old.generation && env.machine().portal(old.portal).is_ok();
        if live && old.data != c.data {
            return Err(libc::EEXIST);
        }
    }
    d.names.insert(name, Entry { portal, code: pt.code, entry: pt.entry, data: c.data, generation });
    Ok(0)
}
