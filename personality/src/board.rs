//! Where each service lives and how to call it: the configuration, the service spaces
//! and portals, the portal entries (the data both hosts and the runner share).

use crate::inject::Injector;
use crate::supervisor::SharedRecord;
use machine::Sid;
use std::sync::{Arc, Mutex};
use syscalls::ServiceId;

/// Which configuration a machine runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Config {
    /// Every service in its own space, with grants only to what it needs.
    Split,
    /// Every service in one kernel space that can touch everything.
    Monolithic,
}

impl Config {
    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Config::Split => "split",
            Config::Monolithic => "monolithic",
        }
    }
}

impl std::str::FromStr for Config {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "split" => Ok(Config::Split),
            "monolithic" | "mono" => Ok(Config::Monolithic),
            _ => Err(format!("unknown configuration '{s}' (expected split or monolithic)")),
        }
    }
}

/// Portal entries of a service space: 0 is the service call (op in a0); the linux
/// space also has the involuntary entries.
pub mod entry {
    pub const CALL: u64 = 0;
    pub const ECALL: u64 = 1;
    pub const FAULT: u64 = 2;
    pub const SIGNAL: u64 = 3;
    /// Monolithic only: the kernel space's entry for native calls into service `id`
    /// is NATIVE + id (one portal per service, so a process calls "vfs" the same way
    /// in both configurations; see `crate::native`).
    pub const NATIVE: u64 = 16;
}

/// Where each service lives and how to call it.
#[derive(Clone, Debug, Default)]
pub struct Wiring {
    pub sids: [Sid; ServiceId::COUNT],
    /// Portal of each service's CALL entry.
    pub portals: [u64; ServiceId::COUNT],
    /// Counts of service calls (from, to) in the monolithic configuration, where no
    /// portal call happens: the report's "same-space calls".
    pub direct_calls: u64,
    /// The armed fault injector, shared by every service host.
    pub inject: Option<Arc<Mutex<Injector>>>,
    /// Faults, restarts and panics seen (shared with the supervisor and the runner).
    pub record: SharedRecord,
    /// The portal a native caller (a process using gx.pcall) calls for each service:
    /// the CALL portal when split, a kernel portal per service when monolithic.
    pub native: [u64; ServiceId::COUNT],
    /// Names user-space servers registered (`crate::native`), shared by every host.
    pub directory: Arc<Mutex<crate::native::Directory>>,
}
