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

/// The most bytes one I/O call's buffers are lent for (`In`, `Out`, iovecs).
pub const MAX_IO: u64 = crate::vfs::MAX_IO as u64;

/// The process memory `lends` may look at.
pub trait ProcessMemory {
    /// Length of the NUL-terminated string at qualified `p`, NUL included; EFAULT if
    /// it runs into memory that cannot be read, ENAMETOOLONG past PATH_MAX.
    fn strlen(&mut self, p: u64) -> Result<u64, i32>;
    /// Reads process memory at qualified `p`; false if it cannot (or will not).
    fn read(&mut self, _p: u64, _buf: &mut [u8]) -> bool {
        false
    }
}

/// A strlen closure alone (0: unreadable): string lends, nothing read.
impl<F: FnMut(u64) -> u64> ProcessMemory for F {
    fn strlen(&mut self, p: u64) -> Result<u64, i32> {
        match self(p) {
            0 => Err(libc::EFAULT),
            n => Ok(n),
        }
    }
}

/// Full access: `Reader(|ptr, buf| env.read(ptr, buf).is_ok())`, for a reader whose
/// access is whole pages (the personality's, through its whole-space grant).
pub struct Reader<F>(pub F);

/// Full access for a reader that may hold only the exact bytes of a string (a service
/// reading what a native caller lent it): a string read is retried byte by byte where a
/// longer read is refused.
pub struct LentReader<F>(pub F);

impl<F: FnMut(u64, &mut [u8]) -> bool> ProcessMemory for Reader<F> {
    fn strlen(&mut self, p: u64) -> Result<u64, i32> {
        strlen(&mut self.0, p, false)
    }

    fn read(&mut self, p: u64, buf: &mut [u8]) -> bool {
        (self.0)(p, buf)
    }
}

impl<F: FnMut(u64, &mut [u8]) -> bool> ProcessMemory for LentReader<F> {
    fn strlen(&mut self, p: u64) -> Result<u64, i32> {
        strlen(&mut self.0, p, true)
    }

    fn read(&mut self, p: u64, buf: &mut [u8]) -> bool {
        (self.0)(p, buf)
    }
}

/// The length of the string at `p` with its NUL, read in chunks that never cross a page
/// end the string does not reach; `bytewise`: retry a refused chunk a byte at a time.
fn strlen(read: &mut impl FnMut(u64, &mut [u8]) -> bool, p: u64, bytewise: bool) -> Result<u64, i32> {
    let mut n = 0u64;
    let mut buf = [0u8; 64];
    while n < crate::vfs::path::PATH_MAX as u64 {
        // Never read across a page end the string does not reach.
        let at = p.wrapping_add(n);
        let room = (4096 - at % 4096).min(64) as usize;
        if p == 0 {
            return Err(libc::EFAULT);
        }
        if !read(at, &mut buf[..room]) {
            if !bytewise {
                return Err(libc::EFAULT);
            }
            // What may be read can end with the string (a native caller lends
            // exactly its bytes): go on a byte at a time.
            for i in 0..room as u64 {
                let mut b = [0u8];
                if !read(at.wrapping_add(i), &mut b) {
                    return Err(libc::EFAULT);
                }
                if b[0] == 0 {
                    return Ok(n + i + 1);
                }
            }
            n += room as u64;
            continue;
        }
        if let Some(i) = buf[..room].iter().position(|b| *b == 0) {
            return Ok(n + i as u64 + 1);
        }
        n += room as u64;
    }
    Err(libc::ENAMETOOLONG)
}


/// A syscall as a hook sees it, halfway through `prepare`.
pub struct Call<'a> {
    /// The six arguments as Linux has them.
    pub raw: [u64; 6],
    /// The registers the service gets: the row's pointers already qualified; the hook
    /// qualifies its `Special` ones (`Call::q`) and may pack six into five.
    pub args: [u64; 6],
    /// The lends of the hook's pointers.
    pub lends: Vec<Lend>,
    /// The caller's memory, for lends that depend on it.
    pub mem: &'a mut dyn ProcessMemory,
    qualify: &'a dyn Fn(u64) -> u64,
}

impl<'a> Call<'a> {
    /// Qualifies argument `i` in place and returns it.
    pub fn q(&mut self, i: usize) -> u64 {
        self.args[i] = (self.qualify)(self.raw[i]);
        self.args[i]
    }

    /// The caller's pointer `p` qualified (one found elsewhere than in an argument).
    pub fn qualify(&self, p: u64) -> u64 {
        (self.qualify)(p)
    }

    /// The rule `qualify` applies, for a hook that packs arguments itself.
    pub fn qualifier(&self) -> &'a dyn Fn(u64) -> u64 {
        self.qualify
    }

    /// Lends `l` unless it is NULL or empty (an optional pointer).
    pub fn opt(&mut self, l: Lend) {
        if l.ptr != 0 && l.len != 0 {
            self.lends.push(l);
        }
    }
}

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
    let mut call = Call { raw, args, lends: Vec::new(), mem, qualify: q };
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

/// Which argument of syscall `n` is written only if the call is interrupted
/// (`Null::Lazy`: a sleep's remainder), if any.
pub fn lazy_arg(n: u64) -> Option<usize> {
    let row = table::entry(n)?;
    row.args.iter().position(|t| matches!(t, Arg::Reads(_, Null::Lazy) | Arg::Writes(_, Null::Lazy) | Arg::Updates(_, Null::Lazy)))
}
