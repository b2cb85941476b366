//! The portal protocol seen from host code, with tests/isa/hostcall.S as the guest:
//! host spaces calling emulated portals (nested runs), the watchdog, panicking host
//! spaces, revocation of grants cached in the TLB, copy-on-write clones, and
//! demand-zero pages.

mod common;

use common::{image, Flat, Outcome, HostIo, SCRATCH, YIELD_STOP};
use machine::addr::qualified;
use machine::grants::GrantRequest;
use machine::hart::reg;
use machine::{Access, CallError, Fault, FaultKind, GrantRights, HostCtx, HostReply, HostSpace, MachineConfig, PageRights, Sid};
use std::any::Any;
use std::sync::{Arc, Mutex, Once};

/// Panics whose message contains this are expected; the hook keeps them off stderr.
const EXPECTED_PANIC: &str = "expected test panic";

fn quiet_expected_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let msg = info.payload().downcast_ref::<&str>().copied().unwrap_or("");
            if !msg.contains(EXPECTED_PANIC) {
                default(info);
            }
        }));
    });
}

fn hostcall(config: MachineConfig) -> Flat {
    Flat::with_config(&image("hostcall"), config)
}

#[test]
fn host_code_calls_emulated_portals_and_the_watchdog_unwinds_hangs() {
    let mut f = hostcall(MachineConfig { watchdog_instructions: 10_000, ..MachineConfig::default() });
    let (code, data, host) = (f.code, f.data, f.host);
    // Portals into the guest's own environment, at `add` and `hang`; the harness
    // (a host space, so a principal like any other) needs a C grant to call them.
    let add = f.granted_portal(code, data, f.entry(0), host);
    let hang = f.granted_portal(code, data, f.entry(1), host);
    let hang_pc = f.entry(1);
    let errors: Arc<Mutex<Vec<CallError>>> = Arc::default();
    let errs = errors.clone();
    f.io().hook = Some(Box::new(move |ctx: &mut HostCtx<'_>, a: [u64; 8]| {
        let portal = match a[7] {
            2000 => add,
            2001 => hang,
            _ => return None,
        };
        // The caller's sp, to check where the re-entered callee's stack goes.
        let depth = ctx.hart().depth();
        Some(Ok(match ctx.pcall(portal, [a[0], a[1], 0, 0, 0, 0, 0, 0]) {
            Ok(v) => {
                assert_eq!(ctx.hart().depth(), depth, "the nested frame is popped");
                HostReply::Return([v[0], 0])
            }
            Err(e) => {
                errs.lock().unwrap().push(e);
                HostReply::Return([0xdead, 0])
            }
        }))
    }));
    f.set_args(&[1]);
    assert_eq!(f.run(), Outcome::Exit(0), "{}", f.report());
    let d = f.io().dumps.last().cloned().expect("dump");
    assert_eq!(d.ctx.x[8], 11, "5 + 6 computed by the emulated portal");
    assert_eq!(d.ctx.x[9], 0xdead, "the hang was reported as an error");
    assert_eq!(d.ctx.x[18], 15, "and the machine went on: 7 + 8");
    let errors = errors.lock().unwrap().clone();
    assert_eq!(errors.len(), 1);
    match &errors[0] {
        CallError::Faulted(fault) => {
            assert_eq!(fault.kind, FaultKind::Watchdog);
            assert_eq!(fault.space, data);
            assert_eq!(fault.pc, hang_pc);
        }
        e => panic!("expected a watchdog fault, got {e:?}"),
    }
    assert_eq!(f.m.hart(f.hart).unwrap().depth(), 0);
    assert_eq!(f.m.space_counters[&data].faults.get("watchdog"), Some(&1));
}

#[test]
fn a_reentered_space_runs_below_its_suspended_activation() {
    let mut f = hostcall(MachineConfig::default());
    let (code, data, host) = (f.code, f.data, f.host);
    let add = f.granted_portal(code, data, f.entry(0), host);
    let seen: Arc<Mutex<Vec<u64>>> = Arc::default();
    let s = seen.clone();
    f.io().hook = Some(Box::new(move |ctx: &mut HostCtx<'_>, a: [u64; 8]| {
        (a[7] == 2000).then(|| {
            let r = ctx.pcall(add, [a[0], a[1], 0, 0, 0, 0, 0, 0]).unwrap();
            s.lock().unwrap().push(r[0]);
            Ok(HostReply::Return([r[0], 0]))
        })
    }));
    f.set_args(&[1]);
    // Only the first ecall (2000) is needed; the hang call then has no hook and
    // returns -ENOSYS, which is fine for this test.
    assert_eq!(f.run(), Outcome::Exit(0), "{}", f.report());
    // The callee ran in the guest's DATA, which is suspended below us: no stacklet
    // was mapped for it.
    assert_eq!(*seen.lock().unwrap(), [11, 15]);
    assert!(!f.m.mem.space(data).unwrap().stacklets.contains(&f.hart), "re-entry uses the suspended stack, not a stacklet");
}

/// A host space whose entry 1 panics and entry 2 returns 99.
struct Grumpy;

impl HostSpace for Grumpy {
    fn call(&mut self, _ctx: &mut HostCtx<'_>, entry: u64, _args: [u64; 8]) -> Result<HostReply, Fault> {
        match entry {
            1 => panic!("{}", EXPECTED_PANIC),
            _ => Ok(HostReply::Return([99, 0])),
        }
    }
    fn as_any(&mut self) -> &mut dyn Any {
        self
    }
}

#[test]
fn a_panicking_host_space_is_a_faulting_callee() {
    quiet_expected_panics();
    let mut f = hostcall(MachineConfig::default());
    let data = f.data;
    let svc = f.m.add_host_space("grumpy", Box::new(Grumpy), 0).unwrap();
    let p1 = f.m.create_portal(svc, svc, 1).unwrap();
    let p2 = f.m.create_portal(svc, svc, 2).unwrap();
    let req = GrantRequest { owner: svc, lo: 0, len: 0x1000, rights: GrantRights::C, grantee: data, transient: false };
    f.m.mem.grant(svc, svc, &req).unwrap();
    f.io().hook = Some(Box::new(|_ctx: &mut HostCtx<'_>, a: [u64; 8]| {
        if a[7] == 2002 {
            panic!("{}", EXPECTED_PANIC);
        }
        None
    }));
    f.set_args(&[2, p1, p2]);
    assert_eq!(f.run(), Outcome::Exit(0), "{}", f.report());
    assert_eq!(f.m.space_counters[&svc].faults.get("host-panic"), Some(&2));
    assert_eq!(f.m.space_counters[&f.host].faults.get("host-panic"), Some(&1));
    // Both host spaces are still there, between calls.
    assert!(f.m.host_space::<Grumpy>(svc).is_some());
    assert!(f.m.host_space::<HostIo>(f.host).is_some());
}

/// A target space with one RW page at 0x5000 holding 0.
fn target(f: &mut Flat) -> Sid {
    let t = f.m.mem.create_space("target", 0).unwrap();
    f.m.mem.map_zero(t, 0x5000, 0x1000, PageRights::RW).unwrap();
    t
}

fn word(f: &Flat, sid: Sid, off: u64) -> u64 {
    let mut b = [0u8; 8];
    f.m.mem.peek(sid, off, &mut b).unwrap();
    u64::from_le_bytes(b)
}

/// Runs mode 3 (`*ptr += 1; yield` forever) twice, so the accesses are cached.
fn loop_twice(f: &mut Flat, ptr: u64) {
    f.set_args(&[3, ptr]);
    assert_eq!(f.run(), Outcome::Stop(YIELD_STOP), "{}", f.report());
    assert_eq!(f.run(), Outcome::Stop(YIELD_STOP), "{}", f.report());
}

#[test]
fn revoking_a_grant_cached_in_the_tlb_takes_effect_at_once() {
    let mut f = hostcall(MachineConfig::default());
    let data = f.data;
    let t = target(&mut f);
    let req = GrantRequest { owner: t, lo: 0x5000, len: 0x1000, rights: GrantRights::RW, grantee: data, transient: false };
    let h = f.m.mem.grant(t, t, &req).unwrap();
    let ptr = qualified(t, 0x5008);
    loop_twice(&mut f, ptr);
    assert_eq!(word(&f, t, 0x5008), 2);
    assert!(f.m.mem.tlb.allows(data, t, 0x5008, PageRights::W), "the grant filled the TLB");
    f.m.mem.revoke(h, t).unwrap();
    assert!(!f.m.mem.tlb.allows(data, t, 0x5008, PageRights::R));
    match f.run() {
        Outcome::Fault(fault) => {
            assert_eq!(fault.kind, FaultKind::Denied { access: Access::Read, addr: ptr });
            assert_eq!(fault.space, data);
        }
        o => panic!("the access after revocation must fault, got {o:?}"),
    }
    assert_eq!(word(&f, t, 0x5008), 2);
}

#[test]
fn revoking_a_parent_grant_cuts_off_cached_derived_access() {
    let mut f = hostcall(MachineConfig::default());
    let data = f.data;
    let t = target(&mut f);
    let mid = f.m.mem.create_space("middle", 0).unwrap();
    let root = GrantRequest { owner: t, lo: 0, len: 0x10000, rights: GrantRights::RWG, grantee: mid, transient: false };
    let h = f.m.mem.grant(t, t, &root).unwrap();
    // The middle space derives a page of it for the guest.
    let derived = GrantRequest { owner: t, lo: 0x5000, len: 0x1000, rights: GrantRights::RW, grantee: data, transient: false };
    let d = f.m.mem.grant(mid, mid, &derived).unwrap();
    assert_eq!(f.m.mem.grants.get(d).unwrap().parent, Some(h));
    let ptr = qualified(t, 0x5010);
    loop_twice(&mut f, ptr);
    // Revoked by the owner of the memory, two levels up.
    f.m.mem.revoke(h, t).unwrap();
    assert!(f.m.mem.grants.get(d).is_none(), "the cascade took the derived grant");
    assert!(matches!(f.run(), Outcome::Fault(Fault { kind: FaultKind::Denied { access: Access::Read, .. }, .. })));
    assert_eq!(word(&f, t, 0x5010), 2);
}

#[test]
fn protection_changes_and_unmaps_reach_cached_entries() {
    let mut f = hostcall(MachineConfig::default());
    let data = f.data;
    let t = target(&mut f);
    let req = GrantRequest { owner: t, lo: 0x5000, len: 0x1000, rights: GrantRights::RW, grantee: data, transient: false };
    f.m.mem.grant(t, t, &req).unwrap();
    let ptr = qualified(t, 0x5000);
    loop_twice(&mut f, ptr);
    // Read-only now: the load goes through, the store faults, nothing is written.
    f.m.mem.protect(t, 0x5000, 0x1000, PageRights::R).unwrap();
    match f.run() {
        Outcome::Fault(fault) => assert_eq!(fault.kind, FaultKind::Denied { access: Access::Write, addr: ptr }),
        o => panic!("{o:?}"),
    }
    assert_eq!(word(&f, t, 0x5000), 2);
    // Back to RW: the faulting store did not retire, so running again retries it.
    f.m.mem.protect(t, 0x5000, 0x1000, PageRights::RW).unwrap();
    assert_eq!(f.run(), Outcome::Stop(YIELD_STOP));
    assert_eq!(word(&f, t, 0x5000), 3);
    f.m.mem.unmap(t, 0x5000, 0x1000).unwrap();
    match f.run() {
        Outcome::Fault(fault) => assert_eq!(fault.kind, FaultKind::Unmapped { access: Access::Read, addr: ptr }),
        o => panic!("{o:?}"),
    }
}

#[test]
fn cow_clone_gives_each_space_its_own_copy_on_write() {
    let mut f = hostcall(MachineConfig::default());
    let (code, data) = (f.code, f.data);
    f.set_args(&[4, SCRATCH, 1]);
    assert_eq!(f.run(), Outcome::Stop(YIELD_STOP), "{}", f.report());
    assert_eq!(word(&f, data, SCRATCH), 1);
    // Fork the DATA space and run a second hart on the copy (a2 = 100 there).
    let child = f.m.mem.create_space("child data", 0).unwrap();
    f.m.mem.cow_clone(data, child).unwrap();
    f.install_ecall(child);
    let mut ctx = f.ctx().clone();
    ctx.x[reg::A0 + 2] = 100;
    let h2 = f.m.create_hart(code, child, ctx).unwrap();
    let frames = f.m.mem.frames.live();
    let breaks = f.m.mem.cow_breaks;
    assert_eq!(f.run(), Outcome::Stop(YIELD_STOP));
    assert_eq!(f.run_hart(h2, 1000), Outcome::Stop(YIELD_STOP));
    assert_eq!(f.run(), Outcome::Stop(YIELD_STOP));
    assert_eq!(f.run_hart(h2, 1000), Outcome::Stop(YIELD_STOP));
    assert_eq!(word(&f, data, SCRATCH), 3);
    assert_eq!(word(&f, child, SCRATCH), 201);
    assert_eq!(f.m.mem.frames.live(), frames + 1, "one page was copied, once");
    assert_eq!(f.m.mem.cow_breaks, breaks + 2, "one copy, then the last sharer takes the frame over");
    // The image is shared, not copied: both DATA spaces still map the same frames.
    let a = f.m.mem.space(data).unwrap().pte(common::IMAGE_BASE).unwrap().frame;
    let b = f.m.mem.space(child).unwrap().pte(common::IMAGE_BASE).unwrap().frame;
    assert_eq!(a, b);
}

#[test]
fn demand_zero_pages_are_populated_on_first_touch() {
    let mut f = hostcall(MachineConfig::default());
    let data = f.data;
    let base = 0x4000_0000;
    f.m.mem.map_lazy(data, base, 1 << 30, PageRights::RW).unwrap();
    let before = f.m.mem.frames.live();
    f.set_args(&[5, base]);
    assert_eq!(f.run(), Outcome::Exit(0), "{}", f.report());
    assert_eq!(f.m.mem.frames.live(), before + 3, "pages 0, 50 and 100 were touched");
    assert_eq!(word(&f, data, base + 100 * 4096 + 8), 0x99);
    // Host code reading an untouched page sees zeros without populating it.
    assert_eq!(word(&f, data, base + 7 * 4096), 0);
    assert_eq!(f.m.mem.frames.live(), before + 3);
}
