//! How services are wired: each in its own space with transient grants per call
//! (split), or all in one kernel space calling each other directly (monolithic).

use machine::hart::Hart;
use machine::memory::Memory;
use machine::{CallError, Context, Fault, GxError, HartId, HostCtx, HostReply, HostSpace, Machine, Sid};
use std::any::Any;
use crate::inject::Injector;
use crate::stats::SyscallStats;
use crate::supervisor::SharedRecord;
use std::sync::{Arc, Mutex};
use syscalls::{Env, Lend, Service, ServiceId};

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

/// Syscalls (as service ops) that may be retried once after their service restarted:
/// they change nothing, so running them twice is the same as once.
fn idempotent(op: u64) -> bool {
    syscalls::table::is(op, syscalls::table::flag::IDEMPOTENT) || matches!(op, syscalls::proc::op::ENTER | syscalls::proc::op::ACTION | syscalls::proc::op::ALTSTACK)
}

/// Takes the injector's decision for a call to `service`; a copy to fire with, so a
/// panicking fault does not poison the shared injector.
fn armed(wiring: &Wiring, service: ServiceId) -> Option<Injector> {
    let inj = wiring.inject.as_ref()?;
    let mut i = inj.lock().unwrap_or_else(|p| p.into_inner());
    if !i.on_call(service) {
        return None;
    }
    if let Ok(mut r) = wiring.record.lock() {
        r.injected += 1;
    }
    Some(i.clone())
}

/// The `Env` methods both wirings answer the same way: straight from the host
/// context, under the calling space's own identity.
macro_rules! env_from_ctx {
    () => {
        fn me(&self) -> Sid {
            self.ctx.me()
        }
        fn hart(&self) -> HartId {
            self.ctx.hart_id()
        }
        fn read(&mut self, ptr: u64, buf: &mut [u8]) -> Result<(), Fault> {
            self.ctx.read(ptr, buf)
        }
        fn write(&mut self, ptr: u64, buf: &[u8]) -> Result<(), Fault> {
            self.ctx.write(ptr, buf)
        }
        fn memory(&mut self) -> Result<&mut Memory, GxError> {
            self.ctx.memory()
        }
        fn harts(&mut self) -> Result<(&mut Machine, &mut Hart), GxError> {
            self.ctx.harts()
        }
        fn context(&mut self) -> Option<&mut Context> {
            self.ctx.context_mut()
        }
        fn set_return_env(&mut self, code: Sid, data: Sid) -> Result<(), GxError> {
            self.ctx.set_return_env(code, data)
        }
        fn caller_env(&self) -> (Sid, Sid) {
            self.ctx.caller()
        }
        fn machine(&self) -> &Machine {
            self.ctx.machine()
        }
        fn leak_grant(&mut self, grantee: Sid) -> Result<(), GxError> {
            let me = self.ctx.me();
            self.ctx.grant(machine::addr::qualified(me, 0), machine::addr::PAGE_SIZE, grantee, machine::GrantRights::R, false).map(|_| ())
        }
    };
}

/// The environment of a service running in its own space.
pub struct SplitEnv<'c, 'm> {
    pub ctx: &'c mut HostCtx<'m>,
    pub wiring: &'c Wiring,
}

impl Env for SplitEnv<'_, '_> {
    env_from_ctx!();
    fn call(&mut self, to: ServiceId, op: u64, args: [u64; 6], lends: &[Lend]) -> Result<[u64; 2], CallError> {
        let target = self.wiring.sids[to as usize];
        let mut retried = false;
        loop {
            for l in lends.iter().filter(|l| l.len > 0 && l.ptr != 0) {
                // Transient: passed to the call below and revoked when it returns.
                self.ctx.grant(l.ptr, l.len, target, l.rights, true)?;
            }
            let r = self.ctx.pcall(self.wiring.portals[to as usize], [op, args[0], args[1], args[2], args[3], args[4], args[5], 0]);
            let Err(CallError::Faulted(f)) = &r else { return r };
            // The service faulted and its frame was unwound: report it to the
            // supervisor, which restarts it; an idempotent call is retried once.
            tracing::warn!(target: "grantix::fault", "{} faulted: {f}", to.name());
            if let Ok(mut rec) = self.wiring.record.lock() {
                rec.faults.push(format!("{}: {f}", to.name()));
            }
            if to != ServiceId::Supervisor {
                let _ = self.ctx.pcall(self.wiring.portals[ServiceId::Supervisor as usize], [crate::supervisor::op::RESTART, 0, to as u64, 0, 0, 0, 0, 0]);
            }
            if retried || !idempotent(op) {
                return r;
            }
            retried = true;
        }
    }
    fn restart(&mut self, s: ServiceId) -> Result<u32, GxError> {
        let sid = self.wiring.sids[s as usize];
        let host = self.ctx.host_space_mut(sid)?.as_any().downcast_mut::<ServiceHost>().ok_or(GxError::Invalid)?;
        host.service.restart();
        host.generation += 1;
        Ok(host.generation)
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
}

/// Runs an involuntary ecall into linux, recording what the syscall cost: the hart's
/// counters before and after, plus the involuntary call itself (charged as a jump).
fn accounted(ctx: &mut HostCtx<'_>, stats: &mut SyscallStats, nr: u64, f: impl FnOnce(&mut HostCtx<'_>) -> Result<(), Fault>) -> Result<(), Fault> {
    let before = ctx.hart().counters.clone();
    let t = std::time::Instant::now();
    let r = f(ctx);
    let entry = ctx.machine().costs.jump as u64;
    stats.by_nr.entry(nr).or_default().record(&before, &ctx.hart().counters, t.elapsed().as_nanos() as u64, entry);
    r
}

impl HostSpace for ServiceHost {
    fn call(&mut self, ctx: &mut HostCtx<'_>, entry: u64, a: [u64; 8]) -> Result<HostReply, Fault> {
        let mut env = SplitEnv { ctx, wiring: &self.wiring };
        if entry == entry::CALL {
            // An injected fault runs first, as this service, with its rights.
            if let Some(mut inj) = armed(&self.wiring, self.service.id()) {
                inj.fire(&mut env)?;
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
                let who = [env.ctx.hart_id() as u64, 1, 0, 0, 0, 0];
                let w = if id == ServiceId::Proc {
                    self.service.handle(&mut env, syscalls::proc::op::ENTER, who)?[0]
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
            let r = self.service.handle(&mut env, a[0], [a[1], a[2], a[3], a[4], a[5], a[6]])?;
            return Ok(HostReply::Return(r));
        }
        // Involuntary entries (linux only): the op is the entry.
        let op = crate::linux::op::INVOLUNTARY + entry;
        let args = [a[0], a[1], a[2], a[3], a[4], a[5]];
        if entry == entry::ECALL {
            let (svc, wiring) = (&mut self.service, &self.wiring);
            accounted(env.ctx, &mut self.stats, a[7], |ctx| svc.handle(&mut SplitEnv { ctx, wiring }, op, args).map(|_| ()))?;
        } else {
            self.service.handle(&mut env, op, args)?;
        }
        Ok(take_reply(self.service.as_any()))
    }
    fn as_any(&mut self) -> &mut dyn Any {
        self
    }
}

/// What the linux service asked the machine to do after an involuntary call.
fn take_reply(svc: &mut dyn Any) -> HostReply {
    match svc.downcast_mut::<crate::linux::Linux>().and_then(|l| l.stop.take()) {
        Some(code) => HostReply::Stop(code),
        None => HostReply::Resume,
    }
}

/// The environment of a service inside the monolithic kernel space.
pub struct MonoEnv<'c, 'm> {
    pub ctx: &'c mut HostCtx<'m>,
    pub services: &'c mut Vec<Option<Box<dyn Service>>>,
    pub wiring: &'c mut Wiring,
}

impl Env for MonoEnv<'_, '_> {
    env_from_ctx!();
    fn call(&mut self, to: ServiceId, op: u64, args: [u64; 6], _lends: &[Lend]) -> Result<[u64; 2], CallError> {
        // An ordinary same-space call: no grant, no portal.
        let mut svc = self.services.get_mut(to as usize).and_then(|s| s.take()).ok_or(CallError::Gx(GxError::Busy))?;
        self.wiring.direct_calls += 1;
        // The service body does the same work as in the split configuration.
        let body = self.ctx.machine().costs.host_call as u64;
        self.ctx.charge_cycles(body);
        let me = self.ctx.me();
        let inj = armed(self.wiring, to);
        // A panic in a service is a fault of the kernel space; catch it here so the
        // service goes back in its slot and the fault is reported like any other.
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match inj {
            Some(mut inj) => inj.fire(self).and_then(|_| svc.handle(self, op, args)),
            None => svc.handle(self, op, args),
        }))
        .unwrap_or_else(|p| Err(Fault::new(machine::FaultKind::HostPanic(panic_text(&p)), me, 0)));
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
    fn restart(&mut self, _s: ServiceId) -> Result<u32, GxError> {
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
        let op = crate::linux::op::INVOLUNTARY + entry;
        let args = [a[0], a[1], a[2], a[3], a[4], a[5]];
        let (services, wiring) = (&mut self.services, &mut self.wiring);
        let me = ctx.me();
        let mut go = |ctx: &mut HostCtx<'_>| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| linux.handle(&mut MonoEnv { ctx, services, wiring }, op, args).map(|_| ())))
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
            return Ok(HostReply::Stop(crate::linux::stop::PANIC));
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
        let mut env = MonoEnv { ctx, services: &mut self.services, wiring: &mut self.wiring };
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

/// The message of a caught panic.
fn panic_text(p: &Box<dyn Any + Send>) -> String {
    p.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| p.downcast_ref::<String>().cloned()).unwrap_or_else(|| "panic".into())
}

/// The concrete service `T` of a machine in either configuration, between calls.
pub fn service_mut<'a, T: 'static>(m: &'a mut Machine, wiring: &Wiring, config: Config, id: ServiceId) -> Option<&'a mut T> {
    let sid = wiring.sids[id as usize];
    match config {
        Config::Split => m.host_space::<ServiceHost>(sid)?.service.as_any().downcast_mut::<T>(),
        Config::Monolithic => m.host_space::<KernelHost>(sid)?.services.get_mut(id as usize)?.as_mut()?.as_any().downcast_mut::<T>(),
    }
}
