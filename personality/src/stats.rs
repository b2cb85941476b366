//! Accounting per syscall and the run report: what each syscall cost in portal calls,
//! grants, revocations, modeled cycles and host time, in either configuration.

use machine::counters::Counters;
use std::collections::BTreeMap;

/// What the calls of one syscall cost, summed.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SyscallStat {
    pub calls: u64,
    pub portal_calls: u64,
    pub grants_persistent: u64,
    pub grants_transient: u64,
    pub revokes: u64,
    pub bytes_granted: u64,
    pub faults: u64,
    pub cycles: u64,
    pub host_ns: u64,
}

impl SyscallStat {
    /// Adds the difference of two hart counter snapshots taken around one syscall.
    pub fn record(&mut self, before: &Counters, after: &Counters, host_ns: u64, entry_cycles: u64) {
        self.calls += 1;
        self.portal_calls += after.pcalls - before.pcalls;
        self.grants_persistent += after.grants_persistent - before.grants_persistent;
        self.grants_transient += after.grants_transient - before.grants_transient;
        self.revokes += after.revokes - before.revokes;
        self.bytes_granted += after.bytes_granted - before.bytes_granted;
        self.faults += after.fault_total() - before.fault_total();
        self.cycles += after.cycles - before.cycles + entry_cycles;
        self.host_ns += host_ns;
    }

    /// Adds another stat.
    pub fn add(&mut self, o: &SyscallStat) {
        self.calls += o.calls;
        self.portal_calls += o.portal_calls;
        self.grants_persistent += o.grants_persistent;
        self.grants_transient += o.grants_transient;
        self.revokes += o.revokes;
        self.bytes_granted += o.bytes_granted;
        self.faults += o.faults;
        self.cycles += o.cycles;
        self.host_ns += o.host_ns;
    }
}

/// Per-syscall accounting, by syscall number.
#[derive(Clone, Debug, Default)]
pub struct SyscallStats {
    pub by_nr: BTreeMap<u64, SyscallStat>,
    /// Take the host time of each syscall (two clock reads, a tenth of a cheap
    /// syscall's cost): on when the run reports its stats.
    pub timed: bool,
}

/// The counters of one space, with owned names (for JSON round trips).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SpaceReport {
    pub instret: u64,
    pub cycles: u64,
    pub calls_in: u64,
    pub pcalls: u64,
    pub ecalls: u64,
    pub grants_persistent: u64,
    pub grants_transient: u64,
    pub revokes: u64,
    pub bytes_granted: u64,
    pub loads_foreign: u64,
    pub stores_foreign: u64,
    pub faults: BTreeMap<String, u64>,
}

impl From<&Counters> for SpaceReport {
    fn from(c: &Counters) -> Self {
        SpaceReport {
            instret: c.instret,
            cycles: c.cycles,
            calls_in: c.calls_in,
            pcalls: c.pcalls,
            ecalls: c.ecalls,
            grants_persistent: c.grants_persistent,
            grants_transient: c.grants_transient,
            revokes: c.revokes,
            bytes_granted: c.bytes_granted,
            loads_foreign: c.loads_foreign,
            stores_foreign: c.stores_foreign,
            faults: c.faults.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        }
    }
}

/// Everything one run measured: what `grantix run --stats-json` writes and
/// `grantix compare` reads.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunReport {
    pub config: String,
    pub status: i32,
    pub wall_s: f64,
    pub totals: SpaceReport,
    /// Counters per space, by space name; process spaces are summed as "processes".
    pub spaces: BTreeMap<String, SpaceReport>,
    /// Per syscall, by name.
    pub syscalls: BTreeMap<String, SyscallStat>,
    /// Service-to-service calls made as plain function calls (monolithic).
    pub direct_calls: u64,
    /// Faults, restarts, the kernel panic and injections of the run.
    #[serde(default)]
    pub record: crate::supervisor::Record,
}
