//! Thread states and wake-ups shared by the scheduler (in proc) and the personality.

use std::time::Instant;

/// A wait key: what a blocked thread waits for (a pipe, a futex word, a child...).
pub type WaitKey = u64;

/// Builds a wait key from an object kind and an id, so keys of different services
/// never collide.
pub fn key(kind: u8, id: u64) -> WaitKey {
    ((kind as u64) << 56) | (id & ((1 << 56) - 1))
}

/// Kinds of wait keys.
pub mod kind {
    pub const PIPE: u8 = 1;
    pub const FUTEX: u8 = 2;
    pub const CHILD: u8 = 3;
    pub const SIGNAL: u8 = 4;
    pub const SOCKET: u8 = 5;
    pub const POLL: u8 = 6;
    /// A host fd: low 32 bits the fd, bits 32..48 the poll events.
    pub const HOSTFD: u8 = 7;
}

/// What a blocked thread waits for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Block {
    pub keys: Vec<WaitKey>,
    /// Host file descriptors and poll events (stdin, sockets).
    pub host_fds: Vec<(i32, i16)>,
    pub deadline: Option<Instant>,
}

/// Why a blocked thread was made runnable again; the re-executed syscall reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wake {
    Key,
    Timeout,
    Signal,
    HostReady,
}

impl Wake {
    /// Register encoding (0 means "not woken").
    pub fn code(self) -> u64 {
        match self {
            Wake::Key => 1,
            Wake::Timeout => 2,
            Wake::Signal => 3,
            Wake::HostReady => 4,
        }
    }

    /// Decodes `code`.
    pub fn from_code(c: u64) -> Option<Wake> {
        match c {
            1 => Some(Wake::Key),
            2 => Some(Wake::Timeout),
            3 => Some(Wake::Signal),
            4 => Some(Wake::HostReady),
            _ => None,
        }
    }
}
