//! The edge's rule for a syscall's pointers, read from its table row: which arguments
//! are the caller's pointers (qualified with its DATA) and exactly which bytes the call
//! may touch (its lends). The personality's `marshal` runs it for the ecall path and
//! for native gx.pcall callers alike.
//!
//! A row says it for paths, sized buffers and fixed-size structures (`table::Arg`).
//! What a row cannot say is each service's hook (`Hook`: one match per service, keyed
//! by syscall number): the `Arg::Special` pointers (iovec arrays, msghdrs, a command's
//! argument, counts in other arguments, lends made only once other arguments passed
//! the checks Linux makes first, so that their errno comes before EFAULT), and the
//! packing of six arguments into the five registers a service call carries.
//!
//! Order of the checks, as before the rows said it: every pointer is qualified first
//! (one naming another space is EFAULT before anything else, `marshal`), then the
//! row's lends in argument order (a path's EFAULT or ENAMETOOLONG), then the hook's.

use crate::service::{Lend, ServiceId};
use crate::table::{self, Arg, Null};
use crate::user::{Call, ProcessMemory};

/// The most bytes one I/O call's buffers are lent for (`In`, `Out`, iovecs).
pub const MAX_IO: u64 = crate::vfs::MAX_IO as u64;

/// A service's hook: what its rows cannot say, for syscall `n` (a no-op for the rest).
pub type Hook = fn(n: u64, c: &mut Call<'_>) -> Result<(), i32>;

/// The hook of the service that owns a syscall: time's rows say everything; the
/// personality answers its own rows itself, futex's through `futex::lends`.
fn hook(owner: ServiceId) -> Option<Hook> {
    match owner {
        ServiceId::Vfs => Some(crate::vfs::hook),
        ServiceId::Proc => Some(crate::proc::hook),
        ServiceId::Mm => Some(crate::mm::hook),
        ServiceId::Ipc => Some(crate::ipc::lends::hook),
        _ => None,
    }
}

/// The registers syscall `n` gives its service (`raw`: its arguments as Linux has
/// them; `q` qualifies a caller's pointer) and its lends; or the errno of a pointer
/// that cannot be used (a path, an iovec's length). The registers are six: the
/// service gets the first five (a hook packs a sixth that matters into them).
pub fn prepare(n: u64, raw: [u64; 6], q: &dyn Fn(u64) -> u64, mem: &mut dyn ProcessMemory) -> Result<([u64; 6], Vec<Lend>), i32> {
    let row = table::entry(n);
    let types = row.map_or(&[][..], |e| e.args);
    let mut args = raw;
    for (i, t) in types.iter().enumerate() {
        if t.is_pointer() && *t != Arg::Special {
            args[i] = q(raw[i]);
        }
    }
    let qualified = args;
    let mut call = Call::new(raw, args, mem, q);
    // The hook runs first (its qualification counts before any lend's errno) and its
    // errno, if any, comes after the row's.
    let hooked = row.and_then(|e| hook(e.owner)).map_or(Ok(()), |h| h(n, &mut call));
    let Call { args, lends: special, mem, .. } = call;
    let mut lends = row_lends(types, &qualified, mem)?;
    hooked?;
    lends.extend(special);
    Ok((args, lends))
}

/// The lends a row says (`qa`: the arguments with its pointers qualified).
pub fn row_lends(types: &[Arg], qa: &[u64; 6], mem: &mut dyn ProcessMemory) -> Result<Vec<Lend>, i32> {
    let mut v = Vec::new();
    let len = |n: u8, cap: u64| qa.get(n as usize).map_or(0, |l| (*l).min(cap));
    for (i, t) in types.iter().enumerate() {
        let p = qa[i];
        let fixed = |null: Null| null == Null::Req || p != 0;
        match *t {
            Arg::Path => v.push(Lend::read(p, mem.strlen(p)?)),
            Arg::PathOrNull if p != 0 => v.push(Lend::read(p, mem.strlen(p)?)),
            Arg::In(n) => v.push(Lend::read(p, len(n, MAX_IO))),
            Arg::Out(n) => v.push(Lend::write(p, len(n, MAX_IO))),
            Arg::InUpTo(n, cap) => v.push(Lend::read(p, len(n, cap))),
            Arg::OutUpTo(n, cap) => v.push(Lend::write(p, len(n, cap))),
            Arg::Reads(size, null) if fixed(null) => v.push(Lend::read(p, size)),
            Arg::Writes(size, null) if fixed(null) => v.push(Lend::write(p, size)),
            Arg::Updates(size, null) if fixed(null) => v.push(Lend::read_write(p, size)),
            _ => {}
        }
    }
    Ok(v)
}


/// Which pointer of syscall `n` Linux writes only in some outcomes, so that a bad one
/// is EFAULT only then (`user::UNWRITABLE`), if any: as (its index among the six arguments,
/// the register its service gets it in). A row's `Null::Lazy` (a sleep's remainder,
/// written only if the sleep is interrupted; such rows pack nothing), or a hook's
/// (`vfs::lazy`: recvfrom's source address, written only if the socket has one).
pub fn lazy_arg(n: u64) -> Option<(usize, usize)> {
    if let Some(r) = crate::vfs::lazy(n) {
        return Some(r);
    }
    let row = table::entry(n)?;
    let i = row.args.iter().position(|t| matches!(t, Arg::Reads(_, Null::Lazy) | Arg::Writes(_, Null::Lazy) | Arg::Updates(_, Null::Lazy)))?;
    Some((i, i))
}
