//! What the split and monolithic hosts share: the `Env` methods answered from the host
//! context, the fault injector's trigger, per-syscall accounting, the linux service's
//! stop request and the text of a caught panic.

use crate::board::Wiring;
use crate::inject::Injector;
use crate::state::Linux;
use crate::stats::SyscallStats;
use machine::{Fault, HostCtx, HostReply};
use std::any::Any;
use syscalls::ServiceId;

/// The `Env` methods both wirings answer the same way: straight from the host
/// context, under the calling space's own identity. Each memory access passes through
/// the env's own `access(write)` first (the split host's recovery window and mid-call
/// fault injection).
macro_rules! env_from_ctx {
    () => {
        fn me(&self) -> Sid {
            self.ctx.me()
        }
        fn hart(&self) -> HartId {
            self.ctx.hart_id()
        }
        fn read(&mut self, ptr: u64, buf: &mut [u8]) -> Result<(), Fault> {
            self.access(false)?;
            self.ctx.read(ptr, buf)
        }
        fn write(&mut self, ptr: u64, buf: &[u8]) -> Result<(), Fault> {
            self.access(true)?;
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
        fn call_log(&mut self) -> Option<&mut machine::calltrace::CallLog> {
            self.ctx.call_log()
        }
        fn leak_grant(&mut self, grantee: Sid) -> Result<(), GxError> {
            let me = self.ctx.me();
            self.ctx.grant(machine::addr::qualified(me, 0), machine::addr::PAGE_SIZE, grantee, machine::GrantRights::R, false).map(|_| ())
        }
    };
}
pub(crate) use env_from_ctx;

/// Takes the injector's decision for a call to `service`; a copy to fire with, so a
/// panicking fault does not poison the shared injector.
pub(crate) fn armed(wiring: &Wiring, service: ServiceId) -> Option<Injector> {
    let inj = wiring.inject.as_ref()?;
    let mut i = inj.lock().unwrap_or_else(|p| p.into_inner());
    if !i.on_call(service) {
        return None;
    }
    Some(i.clone())
}

/// Counts a fault that fires now (one armed for a later step of a call counts when it
/// gets there, and not at all if the call ends first).
pub(crate) fn counted(wiring: &Wiring) {
    if let Ok(mut r) = wiring.record.lock() {
        r.injected += 1;
    }
}

/// Runs an involuntary ecall into linux, recording what the syscall cost: the hart's
/// counters before and after, plus the involuntary call itself (charged as a jump),
/// and its host time when the stats are `timed`.
pub(crate) fn accounted(ctx: &mut HostCtx<'_>, stats: &mut SyscallStats, nr: u64, f: impl FnOnce(&mut HostCtx<'_>) -> Result<(), Fault>) -> Result<(), Fault> {
    let before = ctx.hart().counters.clone();
    let t = stats.timed.then(std::time::Instant::now);
    let r = f(ctx);
    let entry = ctx.machine().costs.jump as u64;
    let ns = t.map_or(0, |t| t.elapsed().as_nanos() as u64);
    stats.by_nr.entry(nr).or_default().record(&before, &ctx.hart().counters, ns, entry);
    r
}

/// What the linux service asked the machine to do after an involuntary call.
pub(crate) fn take_reply(svc: &mut dyn Any) -> HostReply {
    match svc.downcast_mut::<Linux>().and_then(|l| l.stop.take()) {
        Some(code) => HostReply::Stop(code),
        None => HostReply::Resume,
    }
}

/// The message of a caught panic.
pub(crate) fn panic_text(p: &Box<dyn Any + Send>) -> String {
    p.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| p.downcast_ref::<String>().cloned()).unwrap_or_else(|| "panic".into())
}
