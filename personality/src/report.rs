//! The accounting of a finished run, read from the hosts' per-syscall stats and the
//! machine's per-space counters.

use crate::stats::{RunReport, SpaceReport, SyscallStat};
use std::collections::BTreeMap;

impl crate::Runtime {
    /// The accounting of a finished run.
    pub fn report(&mut self, status: i32) -> RunReport {
        use crate::wiring::{Config, KernelHost, ServiceHost};
        use syscalls::ServiceId;
        let linux = self.wiring.sids[ServiceId::Linux as usize];
        let by_nr = match self.config {
            Config::Split => self.m.host_space::<ServiceHost>(linux).map(|h| h.stats.by_nr.clone()),
            Config::Monolithic => self.m.host_space::<KernelHost>(linux).map(|h| h.stats.by_nr.clone()),
        }
        .unwrap_or_default();
        let mut syscalls = BTreeMap::new();
        for (nr, st) in by_nr {
            let name = syscalls::sysno::name(nr).map_or_else(|| format!("#{nr}"), str::to_string);
            syscalls.entry(name).or_insert_with(SyscallStat::default).add(&st);
        }
        let mut spaces: BTreeMap<String, SpaceReport> = BTreeMap::new();
        for (sid, c) in &self.m.space_counters {
            let name = match ServiceId::ALL.iter().find(|s| self.wiring.sids[**s as usize] == *sid) {
                Some(s) if self.config == Config::Split => s.name().to_string(),
                Some(_) => "kernel".to_string(),
                None => "processes".to_string(),
            };
            let e = spaces.entry(name).or_default();
            let r = SpaceReport::from(c);
            e.instret += r.instret;
            e.cycles += r.cycles;
            e.calls_in += r.calls_in;
            e.pcalls += r.pcalls;
            e.ecalls += r.ecalls;
            e.grants_persistent += r.grants_persistent;
            e.grants_transient += r.grants_transient;
            e.revokes += r.revokes;
            e.bytes_granted += r.bytes_granted;
            e.loads_foreign += r.loads_foreign;
            e.stores_foreign += r.stores_foreign;
            for (k, v) in r.faults {
                *e.faults.entry(k).or_default() += v;
            }
        }
        let direct_calls = match self.config {
            Config::Monolithic => self.m.host_space::<KernelHost>(linux).map_or(0, |h| h.wiring.direct_calls),
            Config::Split => 0,
        };
        RunReport {
            config: self.config.name().to_string(),
            status,
            wall_s: self.elapsed.as_secs_f64(),
            totals: SpaceReport::from(&self.m.total_counters()),
            spaces,
            syscalls,
            direct_calls,
            record: self.wiring.record.lock().map(|r| r.clone()).unwrap_or_default(),
        }
    }
}
