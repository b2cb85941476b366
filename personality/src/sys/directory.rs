//! The directory service's private syscalls: gx_lookup (a C grant over a named
//! service's or server's portal) and gx_register (a server publishing its own portal).

use crate::board::Wiring;
use crate::call::{Caller, Outcome};
use crate::native::{sysno, Directory, Entry, NAME_MAX, PUBLIC};
use crate::state::Linux;
use machine::addr::qualified;
use machine::GrantRights;
use syscalls::service::err;
use syscalls::{Env, ServiceId};

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
