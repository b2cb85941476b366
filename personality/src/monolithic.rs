//! The monolithic configuration: every service in one kernel space, calling each other
//! as plain functions; any fault is a kernel panic that ends every process.

use crate::board::{entry, Wiring};
use crate::call::{op, stop};
use crate::host::{accounted, armed, counted, env_from_ctx, panic_text, take_reply};
use crate::stats::SyscallStats;
use machine::hart::Hart;
use machine::memory::Memory;
use machine::{CallError, Context, Fault, GxError, HartId, HostCtx, HostReply, HostSpace, Machine, Sid};
use std::any::Any;
use syscalls::{Env, Lend, Service, ServiceId};

/// The environment of a service inside the monolithic kernel space.
pub struct MonoEnv<'c, 'm> {
    pub ctx: &'c mut HostCtx<'m>,
    pub services: &'c mut Vec<Option<Box<dyn Service>>>,
    pub wiring: &'c mut Wiring,
    /// How many same-space service calls deep this env is (for the call log's nesting).
    pub nesting: usize,
}

impl MonoEnv<'_, '_> {
    /// Every memory access of a service: nothing to track in one kernel, where any
    /// fault is a panic and nothing is restarted.
    fn access(&mut self, _write: bool) -> Result<(), Fault> {
        Ok(())
    }
}

impl Env for MonoEnv<'_, '_> {
    env_from_ctx!();
    fn call(&mut self, to: ServiceId, op: u64, args: [u64; 6], _lends: &[Lend]) -> Result<[u64; 2], CallError> {
        // An ordinary same-space call: no grant, no portal.
        let mut svc = self.services.get_mut(to as usize).and_then(|s| s.take()).ok_or(CallError::Gx(GxError::Busy))?;
        self.wiring.direct_calls += 1;
        self.ctx.note_direct_call(to as u64, op, self.nesting);
        self.nesting += 1;
        // The service body does the same work as in the split configuration.
        let body = self.ctx.machine().costs.host_call as u64;
        self.ctx.charge_cycles(body);
        let me = self.ctx.me();
        let inj = armed(self.wiring, to);
        // A panic in a service is a fault of the kernel space; catch it here so the
        // service goes back in its slot and the fault is reported like any other.
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match inj {
            Some(mut inj) => {
                counted(self.wiring);
                inj.fire(self).and_then(|_| svc.handle(self, op, args))
            }
            None => svc.handle(self, op, args),
        }))
        .unwrap_or_else(|p| Err(Fault::new(machine::FaultKind::HostPanic(panic_text(&p)), me, 0)));
        self.nesting -= 1;
        self.services[to as usize] = Some(svc);
        r.map_err(|f| {
            // One kernel, one fault domain: any service fault is a kernel fault.
            if let Ok(mut rec) = self.wiring.record.lock() {
                rec.faults.push(format!("{}: {f}", to.name()));
                rec.panic.get_or_insert_with(|| format!("{} faulted: {f}", to.name()));
            }
            CallError::Faulted(f)
        })
    }
    fn restart(&mut self, _s: ServiceId) -> Result<syscalls::service::Restarted, GxError> {
        // There is nothing to restart inside one kernel: a fault already was a panic.
        Err(GxError::Invalid)
    }
    fn sid_of(&self, _s: ServiceId) -> Sid {
        self.ctx.me()
    }
    fn grant(&mut self, ptr: u64, len: u64, grantee: Sid, rights: machine::GrantRights, transient: bool) -> Result<u64, GxError> {
        self.ctx.grant(ptr, len, grantee, rights, transient)
    }
    fn wiring(&self) -> Option<&dyn Any> {
        Some(&*self.wiring)
    }
}

/// The monolithic kernel: every service in one space.
pub struct KernelHost {
    pub services: Vec<Option<Box<dyn Service>>>,
    pub wiring: Wiring,
    /// Per-syscall accounting.
    pub stats: SyscallStats,
}

impl HostSpace for KernelHost {
    fn call(&mut self, ctx: &mut HostCtx<'_>, entry: u64, a: [u64; 8]) -> Result<HostReply, Fault> {
        if entry >= entry::NATIVE {
            return Ok(HostReply::Return(self.native_call(ctx, entry - entry::NATIVE, a)));
        }
        let mut linux = self.services[ServiceId::Linux as usize].take().ok_or_else(|| Fault::new(machine::FaultKind::NoHandler, ctx.me(), 0))?;
        let op = op::INVOLUNTARY + entry;
        let args = [a[0], a[1], a[2], a[3], a[4], a[5]];
        let (services, wiring) = (&mut self.services, &mut self.wiring);
        let me = ctx.me();
        let mut go = |ctx: &mut HostCtx<'_>| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| linux.handle(&mut MonoEnv { ctx, services, wiring, nesting: 0 }, op, args).map(|_| ())))
                .unwrap_or_else(|p| Err(Fault::new(machine::FaultKind::HostPanic(panic_text(&p)), me, 0)))
        };
        let r = if entry == entry::ECALL { accounted(ctx, &mut self.stats, a[7], go) } else { go(ctx) };
        let reply = take_reply(linux.as_any());
        self.services[ServiceId::Linux as usize] = Some(linux);
        let panicked = self.wiring.record.lock().map(|r| r.panic.is_some()).unwrap_or(true);
        if panicked || r.is_err() {
            if let (Err(f), Ok(mut rec)) = (&r, self.wiring.record.lock()) {
                rec.panic.get_or_insert_with(|| format!("linux faulted: {f}"));
            }
            return Ok(HostReply::Stop(stop::PANIC));
        }
        Ok(reply)
    }
    fn as_any(&mut self) -> &mut dyn Any {
        self
    }
}

impl KernelHost {
    /// A process calling service `id` natively (gx.pcall on the service's kernel
    /// portal): the same checks and caller word as a split service host computes, then
    /// an ordinary same-space call into the service.
    fn native_call(&mut self, ctx: &mut HostCtx<'_>, id: u64, a: [u64; 8]) -> [u64; 2] {
        use syscalls::service::{call_errno, err, is_err};
        let Some(&to) = ServiceId::ALL.get(id as usize) else { return [err(libc::EINVAL), 0] };
        if !crate::native::allowed(to, a[0]) {
            return [err(libc::EPERM), 0];
        }
        let hart = ctx.hart_id() as u64;
        let mut env = MonoEnv { ctx, services: &mut self.services, wiring: &mut self.wiring, nesting: 0 };
        let w = match env.call(ServiceId::Proc, syscalls::proc::op::ENTER, [hart, 1, 0, 0, 0, 0], &[]) {
            Ok([w, _]) if !is_err(w) => w,
            _ => return [err(libc::ESRCH), 0],
        };
        let data = env.ctx.caller().1;
        match crate::native::checked_args(&mut env, to, a[0], data, [a[2], a[3], a[4], a[5], a[6], a[7]]) {
            Ok(x) => env.call(to, a[0], [w, x[0], x[1], x[2], x[3], x[4]], &[]).unwrap_or_else(|e| [call_errno(&e), 0]),
            Err(e) => [e, 0],
        }
    }
}
