//! The supervisor service: will restart faulted services (issue 4). For now it only
//! counts the faults reported to it.

use machine::Fault;
use std::any::Any;
use syscalls::service::err;
use syscalls::{Env, Service, ServiceId};

/// The supervisor.
#[derive(Default)]
pub struct Supervisor {
    pub faults_seen: u64,
}

impl Service for Supervisor {
    fn id(&self) -> ServiceId {
        ServiceId::Supervisor
    }
    fn as_any(&mut self) -> &mut dyn Any {
        self
    }
    fn handle(&mut self, _env: &mut dyn Env, _op: u64, _a: [u64; 6]) -> Result<[u64; 2], Fault> {
        Ok([err(libc::ENOSYS), 0])
    }
}
