//! How a command ends without running a guest: an exit status and its message.

/// Why grantix stops before (or instead of) running the guest, and what main prints
/// then: with status 0 (help, version, lists) the message on stdout, otherwise
/// `grantix: MESSAGE` on stderr.
#[derive(Debug)]
pub struct Stop {
    pub status: i32,
    pub message: String,
}

impl Stop {
    /// A usage or set-up error (exit status 1, as qemu-user's).
    pub fn usage(message: impl Into<String>) -> Stop {
        Stop { status: 1, message: message.into() }
    }
}
