//! Fault injection: `--inject SERVICE:KIND[:after=N|:p=P][:seed=S][:step=K]`.
//!
//! By default the fault fires as the chosen call enters the service, before its code
//! has run (a fault at the request's first instruction); `step=K` lets the service run
//! and fires the fault at its K-th access to memory during that call (split only: in
//! the monolithic kernel a fault anywhere is the same kernel panic), which is how a
//! fault in the middle of a read, a write or an open is made.
//!
//! The injected fault runs *as the service*, through the same `Env` its own code uses,
//! so what it can reach is decided by the machine's grants, not by the injector: a wild
//! write from `vfs` in the split configuration hits a space it holds no grant on and
//! faults; in the monolithic one the kernel space holds a grant on every process, so
//! the same write lands and silently corrupts.

use machine::addr::{qualified, Sid, PAGE_SIZE};
use machine::{Fault, FaultKind};
use std::str::FromStr;
use syscalls::{Env, ServiceId};

/// What the injected code does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Store 8 random bytes at a random mapped address of another space.
    WildWrite,
    /// Load from a random mapped address of another space.
    WildRead,
    /// Load through a null pointer.
    NullDeref,
    /// Rust panic in the service's code.
    Panic,
    /// Spin until the watchdog stops it.
    Hang,
    /// Take resources and never give them back (grants of the service's own space).
    Leak,
}

impl Kind {
    /// Every kind, for campaigns.
    pub const ALL: [Kind; 6] = [Kind::WildWrite, Kind::WildRead, Kind::NullDeref, Kind::Panic, Kind::Hang, Kind::Leak];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Kind::WildWrite => "wild-write",
            Kind::WildRead => "wild-read",
            Kind::NullDeref => "null",
            Kind::Panic => "panic",
            Kind::Hang => "hang",
            Kind::Leak => "leak",
        }
    }
}

/// When the fault fires.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Trigger {
    /// On the Nth call to the service (once).
    After(u64),
    /// On each call with probability P.
    Probability(f64),
}

/// One injection request.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spec {
    pub service: ServiceId,
    pub kind: Kind,
    pub trigger: Trigger,
    pub seed: u64,
    /// 0: at the call's entry; K: at the service's K-th memory access in the call.
    pub step: u64,
}

impl FromStr for Spec {
    type Err = String;
    fn from_str(s: &str) -> Result<Spec, String> {
        let mut parts = s.split(':');
        let svc = parts.next().unwrap_or("");
        let service = ServiceId::from_name(svc).ok_or_else(|| format!("unknown service '{svc}' (one of: proc, mm, vfs, futex, time, tty)"))?;
        if service == ServiceId::Linux || service == ServiceId::Supervisor {
            return Err(format!("faults are injected into subsystem services, not '{svc}'"));
        }
        let k = parts.next().ok_or("missing fault kind (wild-write, wild-read, null, panic, hang, leak)")?;
        let kind = Kind::ALL.into_iter().find(|x| x.name() == k).ok_or_else(|| format!("unknown fault kind '{k}'"))?;
        let mut spec = Spec { service, kind, trigger: Trigger::After(1), seed: 1, step: 0 };
        for p in parts {
            let (key, v) = p.split_once('=').ok_or_else(|| format!("expected key=value, got '{p}'"))?;
            match key {
                "after" => spec.trigger = Trigger::After(v.parse().map_err(|_| format!("bad after={v}"))?),
                "p" => {
                    let pr: f64 = v.parse().map_err(|_| format!("bad p={v}"))?;
                    if !(0.0..=1.0).contains(&pr) {
                        return Err(format!("p={v} is not a probability"));
                    }
                    spec.trigger = Trigger::Probability(pr);
                }
                "seed" => spec.seed = v.parse().map_err(|_| format!("bad seed={v}"))?,
                "step" => spec.step = v.parse().map_err(|_| format!("bad step={v}"))?,
                _ => return Err(format!("unknown option '{key}'")),
            }
        }
        Ok(spec)
    }
}

impl std::fmt::Display for Spec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.service.name(), self.kind.name())?;
        match self.trigger {
            Trigger::After(n) => write!(f, ":after={n}")?,
            Trigger::Probability(p) => write!(f, ":p={p}")?,
        }
        write!(f, ":seed={}", self.seed)?;
        if self.step > 0 {
            write!(f, ":step={}", self.step)?;
        }
        Ok(())
    }
}

/// The armed injector of one run.
#[derive(Clone, Debug)]
pub struct Injector {
    pub spec: Spec,
    calls: u64,
    rng: u64,
    /// How many times it fired.
    pub fired: u64,
    /// Host time a hang may spin before the watchdog stops it.
    pub watchdog: std::time::Duration,
}

impl Injector {
    /// Arms `spec`.
    pub fn new(spec: Spec) -> Injector {
        Injector { spec, calls: 0, rng: spec.seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1, fired: 0, watchdog: std::time::Duration::from_millis(50) }
    }

    fn next(&mut self) -> u64 {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        self.rng
    }

    /// Counts a call to the target service; true if the fault fires on it.
    pub fn on_call(&mut self, service: ServiceId) -> bool {
        if service != self.spec.service {
            return false;
        }
        self.calls += 1;
        let fire = match self.spec.trigger {
            Trigger::After(n) => self.calls == n,
            Trigger::Probability(p) => (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p,
        };
        if fire {
            self.fired += 1;
        }
        fire
    }

    /// A random mapped page of a space other than `me` (the victims of wild accesses):
    /// process spaces first, as a driver's stray pointer most often lands in user data.
    fn victim(&mut self, env: &dyn Env) -> Option<u64> {
        let me = env.me();
        let mem = &env.machine().mem;
        let mut spaces: Vec<Sid> = (1..=u16::MAX).filter(|s| *s != me && mem.space(*s).is_some_and(|sp| sp.name.starts_with("pid ") && sp.mapped_pages() > 0)).collect();
        if spaces.is_empty() {
            spaces = (1..=u16::MAX).filter(|s| *s != me && mem.space(*s).is_some_and(|sp| sp.mapped_pages() > 0)).collect();
        }
        if spaces.is_empty() {
            return None;
        }
        let sid = spaces[(self.next() % spaces.len() as u64) as usize];
        let space = mem.space(sid)?;
        let page = space.nth_mapped_page(self.next() % space.mapped_pages() as u64)?;
        Some(qualified(sid, page * PAGE_SIZE + (self.next() % (PAGE_SIZE - 8))))
    }

    /// Runs the injected fault as the service. `Err` is the service faulting.
    pub fn fire(&mut self, env: &mut dyn Env) -> Result<(), Fault> {
        let me = env.me();
        match self.spec.kind {
            Kind::WildWrite => {
                if let Some(p) = self.victim(env) {
                    let junk = self.next().to_le_bytes();
                    env.write(p, &junk)?;
                }
                Ok(())
            }
            Kind::WildRead => {
                if let Some(p) = self.victim(env) {
                    let mut b = [0u8; 8];
                    env.read(p, &mut b)?;
                }
                Ok(())
            }
            Kind::NullDeref => {
                let mut b = [0u8; 8];
                env.read(0, &mut b)
            }
            Kind::Panic => panic!("injected panic in {}", self.spec.service.name()),
            Kind::Hang => {
                // Host code cannot be preempted by instruction count; the hang spins on
                // the host clock and the watchdog check stops it, as a timer would.
                let deadline = std::time::Instant::now() + self.watchdog;
                while std::time::Instant::now() < deadline {
                    std::hint::spin_loop();
                }
                Err(Fault::new(FaultKind::Watchdog, me, 0))
            }
            Kind::Leak => {
                // Persistent grants of its own space that nobody revokes: each costs a
                // slot of the service's grant limit until it can make no more.
                let l = env.sid_of(ServiceId::Linux);
                for _ in 0..256 {
                    if env.leak_grant(l).is_err() {
                        break;
                    }
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_and_print() {
        let s: Spec = "vfs:wild-write:after=7:seed=3".parse().unwrap();
        assert_eq!(s.service, ServiceId::Vfs);
        assert_eq!(s.kind, Kind::WildWrite);
        assert_eq!(s.trigger, Trigger::After(7));
        assert_eq!(s.to_string(), "vfs:wild-write:after=7:seed=3");
        let m: Spec = "vfs:panic:after=2:step=3".parse().unwrap();
        assert_eq!(m.step, 3);
        assert_eq!(m.to_string(), "vfs:panic:after=2:seed=1:step=3");
        assert!("vfs:panic:step=x".parse::<Spec>().is_err());
        assert!("tty:hang:p=0.5".parse::<Spec>().is_ok());
        assert!("linux:panic".parse::<Spec>().is_err());
        assert!("vfs:melt".parse::<Spec>().is_err());
        assert!("vfs:panic:p=2".parse::<Spec>().is_err());
    }

    #[test]
    fn after_fires_once_and_probability_is_seeded() {
        let mut i = Injector::new("tty:panic:after=3".parse().unwrap());
        let fires: Vec<bool> = (0..6).map(|_| i.on_call(ServiceId::Tty)).collect();
        assert_eq!(fires, [false, false, true, false, false, false]);
        assert!(!i.on_call(ServiceId::Vfs));
        let run = |seed| {
            let mut i = Injector::new(Spec { service: ServiceId::Vfs, kind: Kind::Panic, trigger: Trigger::Probability(0.3), seed, step: 0 });
            (0..200).filter(|_| i.on_call(ServiceId::Vfs)).count()
        };
        assert_eq!(run(5), run(5));
        let n = run(5);
        assert!((30..=90).contains(&n), "{n} of 200 at p=0.3");
    }
}
