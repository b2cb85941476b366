//! Counters per hart and per space: instructions, cycles, accesses, portal calls,
//! grants, revocations and faults.

use std::collections::BTreeMap;

/// One set of counters (the same shape per hart, per space, and for the machine).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counters {
    pub instret: u64,
    pub cycles: u64,
    pub loads_own: u64,
    pub loads_foreign: u64,
    pub stores_own: u64,
    pub stores_foreign: u64,
    /// Portal calls made (voluntary gx.pcall and host-to-host calls).
    pub pcalls: u64,
    /// Involuntary portal calls made by ecall.
    pub ecalls: u64,
    /// Involuntary portal calls made by faults.
    pub fault_calls: u64,
    pub prets: u64,
    /// Calls received by this space (per space) as a portal callee.
    pub calls_in: u64,
    pub grants_persistent: u64,
    pub grants_transient: u64,
    pub revokes: u64,
    pub bytes_granted: u64,
    /// Bytes host code copied from or to guest memory.
    pub host_bytes: u64,
    pub faults: BTreeMap<&'static str, u64>,
}

impl Counters {
    /// Adds every field of `other` into `self`.
    pub fn add(&mut self, other: &Counters) {
        self.instret += other.instret;
        self.cycles += other.cycles;
        self.loads_own += other.loads_own;
        self.loads_foreign += other.loads_foreign;
        self.stores_own += other.stores_own;
        self.stores_foreign += other.stores_foreign;
        self.pcalls += other.pcalls;
        self.ecalls += other.ecalls;
        self.fault_calls += other.fault_calls;
        self.prets += other.prets;
        self.calls_in += other.calls_in;
        self.grants_persistent += other.grants_persistent;
        self.grants_transient += other.grants_transient;
        self.revokes += other.revokes;
        self.bytes_granted += other.bytes_granted;
        self.host_bytes += other.host_bytes;
        for (k, v) in &other.faults {
            *self.faults.entry(k).or_default() += v;
        }
    }

    /// `self - base` for the hot fields the executor bumps (used to attribute a run of
    /// instructions to the space that executed them).
    /// Adds the hot counters (instructions, cycles, loads, stores) `now` gained since
    /// `base`: `settle`'s attribution, without building a whole `Counters`.
    pub fn add_hot_since(&mut self, now: &Counters, base: &Counters) {
        self.instret += now.instret - base.instret;
        self.cycles += now.cycles - base.cycles;
        self.loads_own += now.loads_own - base.loads_own;
        self.loads_foreign += now.loads_foreign - base.loads_foreign;
        self.stores_own += now.stores_own - base.stores_own;
        self.stores_foreign += now.stores_foreign - base.stores_foreign;
    }

    /// Copies the hot counters of `from` (the rest of a settlement base is never read).
    pub fn set_hot(&mut self, from: &Counters) {
        self.instret = from.instret;
        self.cycles = from.cycles;
        self.loads_own = from.loads_own;
        self.loads_foreign = from.loads_foreign;
        self.stores_own = from.stores_own;
        self.stores_foreign = from.stores_foreign;
    }

    pub fn delta_hot(&self, base: &Counters) -> Counters {
        Counters {
            instret: self.instret - base.instret,
            cycles: self.cycles - base.cycles,
            loads_own: self.loads_own - base.loads_own,
            loads_foreign: self.loads_foreign - base.loads_foreign,
            stores_own: self.stores_own - base.stores_own,
            stores_foreign: self.stores_foreign - base.stores_foreign,
            ..Counters::default()
        }
    }

    /// Total faults of every kind.
    pub fn fault_total(&self) -> u64 {
        self.faults.values().sum()
    }
}

/// How much of one bounded resource is in use: now, at most so far, and the limit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Level {
    pub current: u64,
    pub peak: u64,
    pub limit: u64,
}

impl Level {
    /// A level from plain counts.
    pub fn new(current: usize, peak: usize, limit: usize) -> Level {
        Level { current: current as u64, peak: peak as u64, limit: limit as u64 }
    }
}

/// Every guest-made machine object, bounded: what `--stats` reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Usage {
    pub spaces: Level,
    /// 4 KiB frames of guest memory.
    pub frames: Level,
    pub grants: Level,
    pub portals: Level,
    pub harts: Level,
}
