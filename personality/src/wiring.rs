//! How services are wired: each in its own space with transient grants per call
//! (split, `crate::split`), or all in one kernel space calling each other directly
//! (monolithic, `crate::monolithic`). This module gathers them for the runner and the
//! CLI; the shared data lives in `crate::board`.

pub use crate::board::{entry, Config, Wiring};
pub use crate::monolithic::{KernelHost, MonoEnv};
pub use crate::split::{ServiceHost, SplitEnv};
use machine::Machine;
use syscalls::ServiceId;

/// The concrete service `T` of a machine in either configuration, between calls.
pub fn service_mut<'a, T: 'static>(m: &'a mut Machine, wiring: &Wiring, config: Config, id: ServiceId) -> Option<&'a mut T> {
    let sid = wiring.sids[id as usize];
    match config {
        Config::Split => m.host_space::<ServiceHost>(sid)?.service.as_any().downcast_mut::<T>(),
        Config::Monolithic => m.host_space::<KernelHost>(sid)?.services.get_mut(id as usize)?.as_mut()?.as_any().downcast_mut::<T>(),
    }
}
