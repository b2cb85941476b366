//! The caller's memory as the edge and the services' hooks see it while a syscall is
//! prepared (`crate::lends`): what may be read of it (`ProcessMemory`: a string's
//! length, the structures a lend depends on) and the call a hook works on (`Call`).

use crate::service::Lend;

/// What the personality passes for a lazy pointer (`crate::lends::lazy_arg`) it could not lend
/// (unmapped, not writable, out of reach): the service fails with EFAULT only when it
/// has something to write there.
pub const UNWRITABLE: u64 = u64::MAX;

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
    while n < libc::PATH_MAX as u64 {
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
    /// A call with arguments `raw`, registers `args` so far, no lends yet.
    pub fn new(raw: [u64; 6], args: [u64; 6], mem: &'a mut dyn ProcessMemory, qualify: &'a dyn Fn(u64) -> u64) -> Call<'a> {
        Call { raw, args, lends: Vec::new(), mem, qualify }
    }

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
