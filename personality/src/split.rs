//! The split configuration: every service in a space of its own, called through its
//! portal with transient grants for what it may touch; a faulted service is reported to
//! the supervisor and restarted, and the faulted call runs once more if it had changed
//! nothing yet (its recovery window was still open) or is idempotent.

use crate::board::{entry, Wiring};
use crate::call::op;
use crate::host::{accounted, armed, counted, env_from_ctx, take_reply};
use crate::retry::idempotent;
use crate::stats::SyscallStats;
use machine::hart::Hart;
use machine::memory::Memory;
use machine::{CallError, Context, Fault, GxError, HartId, HostCtx, HostReply, HostSpace, Machine, Sid};
use crate::inject::Injector;
use std::any::Any;
use std::cell::Cell;
use syscalls::service::Restarted;
use syscalls::{Env, Lend, Service, ServiceId};

/// The environment of a service running in its own space.
pub struct SplitEnv<'c, 'm> {
    pub ctx: &'c mut HostCtx<'m>,
    pub wiring: &'c Wiring,
    /// The recovery window of the call this env serves: set once the call has written
    /// memory or called another service (effects a second run could not take back).
    pub effects: Option<&'c Cell<bool>>,
    /// A fault armed to fire at the service's K-th memory access in this call
    /// (`inject`'s `step=K`): the injector and the accesses still to go.
    pub mid: Option<(Injector, u64)>,
}

impl SplitEnv<'_, '_> {
    /// Every memory access of the service: a write closes the call's recovery window,
    /// and a fault armed for the middle of the call fires at its step.
    fn access(&mut self, write: bool) -> Result<(), Fault> {
        if let Some((_, left)) = &mut self.mid {
            *left -= 1;
            if *left == 0 {
                let (mut inj, _) = self.mid.take().expect("armed");
                counted(self.wiring);
                // The injected access is not the call's own effect; and its fault
                // traps as a real one would, whatever the service's code would have
                // made of a failed access (a checked read it turns into EFAULT).
                let effects = self.effects.take();
                let r = inj.fire(self);
                self.effects = effects;
                if let Err(f) = r {
                    std::panic::panic_any(format!("{f}"));
                }
            }
        }
        if write {
            self.effect();
        }
        Ok(())
    }

    fn effect(&self) {
        if let Some(e) = self.effects {
            e.set(true);
        }
    }
}

impl Env for SplitEnv<'_, '_> {
    env_from_ctx!();
    fn call(&mut self, to: ServiceId, op: u64, args: [u64; 6], lends: &[Lend]) -> Result<[u64; 2], CallError> {
        let target = self.wiring.sids[to as usize];
        // A call to another service is an effect a rerun of this one could repeat.
        self.effect();
        let mut retried = false;
        loop {
            for l in lends.iter().filter(|l| l.len > 0 && l.ptr != 0) {
                // Transient: passed to the call below and revoked when it returns.
                self.ctx.grant(l.ptr, l.len, target, l.rights, true)?;
            }
            let r = self.ctx.pcall(self.wiring.portals[to as usize], [op, args[0], args[1], args[2], args[3], args[4], args[5], 0]);
            let Err(CallError::Faulted(f)) = &r else { return r };
            // The service faulted and its frame was unwound: report it to the
            // supervisor, which restarts it. The call runs once more if it had changed
            // nothing (the restarted service finds the state as before the call) or
            // is idempotent; otherwise it fails, once.
            tracing::warn!(target: "grantix::fault", "{} faulted: {f}", to.name());
            if let Ok(mut rec) = self.wiring.record.lock() {
                rec.faults.push(format!("{}: {f}", to.name()));
            }
            let mut untouched = false;
            if to != ServiceId::Supervisor {
                let rr = self.ctx.pcall(self.wiring.portals[ServiceId::Supervisor as usize], [crate::supervisor::op::RESTART, 0, to as u64, 0, 0, 0, 0, 0]);
                untouched = matches!(rr, Ok([g, 1]) if !syscalls::service::is_err(g));
            }
            if retried || !(untouched || idempotent(op)) {
                return r;
            }
            retried = true;
        }
    }
    fn restart(&mut self, s: ServiceId) -> Result<Restarted, GxError> {
        let sid = self.wiring.sids[s as usize];
        let host = self.ctx.host_space_mut(sid)?.as_any().downcast_mut::<ServiceHost>().ok_or(GxError::Invalid)?;
        // Asked before the restart: did the faulted call get past its recovery window?
        let untouched = !host.entered || (!host.service.changed_state() && !host.effects.get());
        host.service.restart();
        host.generation += 1;
        Ok(Restarted { generation: host.generation, untouched })
    }
    fn sid_of(&self, s: ServiceId) -> Sid {
        self.wiring.sids[s as usize]
    }
    fn grant(&mut self, ptr: u64, len: u64, grantee: Sid, rights: machine::GrantRights, transient: bool) -> Result<u64, GxError> {
        self.ctx.grant(ptr, len, grantee, rights, transient)
    }
    fn wiring(&self) -> Option<&dyn Any> {
        Some(self.wiring)
    }
}

/// A service in a space of its own.
pub struct ServiceHost {
    pub service: Box<dyn Service>,
    pub wiring: Wiring,
    /// Per-syscall accounting (kept by the linux space only).
    pub stats: SyscallStats,
    /// Bumped at every restart.
    pub generation: u32,
    /// Whether the call in progress has reached the service's own code (a fault
    /// before it, at the call's entry, has changed nothing).
    pub entered: bool,
    /// Whether the call in progress has written memory or called another service.
    pub effects: Cell<bool>,
}

impl ServiceHost {
    /// A host for `service`, not yet wired.
    pub fn new(service: Box<dyn Service>) -> ServiceHost {
        ServiceHost { service, wiring: Wiring::default(), stats: Default::default(), generation: 0, entered: false, effects: Cell::new(false) }
    }
}

impl HostSpace for ServiceHost {
    fn call(&mut self, ctx: &mut HostCtx<'_>, entry: u64, a: [u64; 8]) -> Result<HostReply, Fault> {
        // A new call opens its recovery window (the host is not re-entered while a
        // call of its service is in progress).
        self.entered = false;
        self.effects.set(false);
        let mut env = SplitEnv { ctx, wiring: &self.wiring, effects: Some(&self.effects), mid: None };
        if entry == entry::CALL {
            // An injected fault runs first, as this service, with its rights; one
            // armed for the middle of the call waits for its step.
            if let Some(mut inj) = armed(&self.wiring, self.service.id()) {
                match inj.spec.step {
                    0 => {
                        counted(&self.wiring);
                        inj.fire(&mut env)?
                    }
                    k => env.mid = Some((inj, k)),
                }
            }
            let mut a = a;
            // A caller whose DATA is no service space is a process calling natively
            // (gx.pcall): it may not name itself, so argument 0 (the caller word) is
            // computed here from proc's trusted hart -> thread map (`crate::native`).
            if !self.wiring.sids.contains(&env.ctx.caller().1) {
                let id = self.service.id();
                if !crate::native::allowed(id, a[0]) {
                    return Ok(HostReply::Return([syscalls::service::err(libc::EPERM), 0]));
                }
                // Who runs on this hart: proc's published slot, read through this
                // service's grant on proc's pages; proc's ENTER (identification only)
                // when the slot is unreadable or empty.
                let hart = env.ctx.hart_id();
                let who = [hart as u64, 1, 0, 0, 0, 0];
                let w = if id == ServiceId::Proc {
                    self.service.handle(&mut env, syscalls::proc::op::ENTER, who)?[0]
                } else if let Some(s) = syscalls::proc::published::read(&mut env, hart) {
                    (u64::from(s.pid) << 32) | u64::from(s.tid)
                } else {
                    env.call(ServiceId::Proc, syscalls::proc::op::ENTER, who, &[]).map_or(syscalls::service::err(libc::ESRCH), |v| v[0])
                };
                if syscalls::service::is_err(w) {
                    return Ok(HostReply::Return([syscalls::service::err(libc::ESRCH), 0]));
                }
                let data = env.ctx.caller().1;
                match crate::native::checked_args(&mut env, id, a[0], data, [a[2], a[3], a[4], a[5], a[6], a[7]]) {
                    Ok(x) => a = [a[0], w, x[0], x[1], x[2], x[3], x[4], 0],
                    Err(e) => return Ok(HostReply::Return([e, 0])),
                }
            }
            // What the native path above did (asking proc who calls, reading the
            // arguments) changed nothing; the call's window is the service's own code.
            env.effects.inspect(|e| e.set(false));
            self.entered = true;
            let r = self.service.handle(&mut env, a[0], [a[1], a[2], a[3], a[4], a[5], a[6]])?;
            return Ok(HostReply::Return(r));
        }
        // Involuntary entries (linux only): the op is the entry.
        let op = op::INVOLUNTARY + entry;
        let args = [a[0], a[1], a[2], a[3], a[4], a[5]];
        self.entered = true;
        if entry == entry::ECALL {
            let (svc, wiring) = (&mut self.service, &self.wiring);
            accounted(env.ctx, &mut self.stats, a[7], |ctx| svc.handle(&mut SplitEnv { ctx, wiring, effects: None, mid: None }, op, args).map(|_| ()))?;
        } else {
            self.service.handle(&mut env, op, args)?;
        }
        Ok(take_reply(self.service.as_any()))
    }
    fn as_any(&mut self) -> &mut dyn Any {
        self
    }
}
