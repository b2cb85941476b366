//! The supervisor service: restarts a faulted service with a new generation, and keeps
//! the record of faults, restarts and (monolithic) kernel panics.
//!
//! In the split configuration a faulted call unwinds the service's portal frame; the
//! caller's environment reports the fault here (a portal call), and the supervisor,
//! holding the machine's SUPERVISE authority, restarts the service in place: same
//! space, same portals, new generation. Each service decides what a restart keeps
//! (`Service::restart`).

use machine::Fault;
use std::any::Any;
use std::sync::{Arc, Mutex};
use syscalls::service::err;
use syscalls::{Env, Service, ServiceId, Template};

/// Ops of the supervisor.
pub mod op {
    /// a1 = the faulted service's number. a0 = its new generation, a1 = 1 if the
    /// faulted call had changed nothing (it may run again, whatever it is).
    pub const RESTART: u64 = 1;
}

/// What the supervisor has seen, shared with the runner and reports.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Record {
    /// Generation of each service (bumped at every restart).
    pub generation: [u32; ServiceId::COUNT],
    pub restarts: [u64; ServiceId::COUNT],
    /// Restarts after which the faulted call had changed nothing and ran again.
    #[serde(default)]
    pub recovered: [u64; ServiceId::COUNT],
    /// Faults reported, as text, in order.
    pub faults: Vec<String>,
    /// The monolithic kernel's panic, if it had one.
    pub panic: Option<String>,
    /// Times an injected fault fired.
    pub injected: u64,
}

/// Shared handle on the record.
pub type SharedRecord = Arc<Mutex<Record>>;

/// The supervisor.
#[derive(Default)]
pub struct Supervisor {
    pub record: SharedRecord,
}

impl Template for Supervisor {
    const ID: ServiceId = ServiceId::Supervisor;
    const CALLEES: &'static [ServiceId] = &[];
    const AUTHORITY: u8 = machine::host::authority::SUPERVISE;
}

impl Service for Supervisor {
    fn id(&self) -> ServiceId {
        ServiceId::Supervisor
    }
    fn as_any(&mut self) -> &mut dyn Any {
        self
    }
    fn handle(&mut self, env: &mut dyn Env, op: u64, a: [u64; 6]) -> Result<[u64; 2], Fault> {
        match op {
            op::RESTART => {
                let Some(&s) = ServiceId::ALL.get(a[1] as usize) else { return Ok([err(libc::EINVAL), 0]) };
                match env.restart(s) {
                    Ok(r) => {
                        if let Ok(mut rec) = self.record.lock() {
                            rec.generation[s as usize] = r.generation;
                            rec.restarts[s as usize] += 1;
                            rec.recovered[s as usize] += r.untouched as u64;
                        }
                        Ok([r.generation as u64, r.untouched as u64])
                    }
                    Err(e) => Ok([err(e.errno() as i32), 0]),
                }
            }
            _ => Ok([err(libc::ENOSYS), 0]),
        }
    }
}
