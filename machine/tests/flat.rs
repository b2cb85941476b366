//! Guest programs (tests/isa/*.S) that exercise the native extension from emulated
//! code: portals, register scrubbing, transient grants, faults in portal calls, and
//! the Xgx error codes. Each program checks itself and exits 0, or exits with the
//! number of the failed check.

mod common;

use common::{image, Flat, Outcome};
use std::process::Command;
use machine::grants::GrantRequest;
use machine::hart::reg;
use machine::GrantRights;
use machine::{Access, FaultKind};

/// A client running `name` plus a server pair running the same image.
fn with_server(name: &str) -> (Flat, machine::Sid, machine::Sid) {
    let img = image(name);
    let mut f = Flat::new(&img);
    let (scode, sdata) = f.server(&img, "server");
    (f, scode, sdata)
}

#[test]
fn portal_calls_own_and_cross_space() {
    let (mut f, scode, sdata) = with_server("portal");
    let client = f.data;
    let granted = f.granted_portal(scode, sdata, f.entry(0), client);
    let ungranted = f.m.create_portal(scode, sdata, f.entry(1)).unwrap();
    f.set_args(&[granted, ungranted, sdata as u64, scode as u64]);
    assert_eq!(f.run(), Outcome::Stop(common::YIELD_STOP), "{}", f.report());
    // Let the server call back into the client's own portal: a C grant over the
    // entry in the client's CODE, made by the client's environment.
    let entry = f.entry(0);
    let req = GrantRequest { owner: f.code, lo: entry, len: 2, rights: GrantRights::C, grantee: sdata, transient: false };
    f.m.mem.grant(f.code, client, &req).unwrap();
    let out = f.run();
    assert_eq!(out, Outcome::Exit(0), "{}", f.report());
    assert_eq!(f.output(), "portal ok\n");
    // The server's DATA got a stacklet; the client's DATA did not: every call into
    // it found it suspended lower on the hart and continued below that activation.
    assert!(f.m.mem.space(sdata).unwrap().stacklets.contains(&f.hart));
    assert!(!f.m.mem.space(client).unwrap().stacklets.contains(&f.hart));
    let c = &f.m.hart(f.hart).unwrap().counters;
    assert_eq!(c.pcalls, 12, "calls made (the refused ones are not counted)");
    assert_eq!(f.m.hart(f.hart).unwrap().depth(), 0);
}

#[test]
fn scrub_on_call_and_restore_on_return() {
    let (mut f, scode, sdata) = with_server("scrub");
    let client = f.data;
    let p = f.granted_portal(scode, sdata, f.entry(0), client);
    f.set_args(&[p]);
    let out = f.run();
    assert_eq!(out, Outcome::Exit(0), "{}", f.report());
    assert_eq!(f.output(), "scrub ok\n");
    // The dump right after the third call: the same state, seen from Rust.
    let d = f.io().dumps.last().cloned().expect("a dump");
    let x = &d.ctx.x;
    assert_eq!(x[5], 0, "rd (t0) = 0");
    assert_eq!(x[reg::A0], 0x3fc04, "the callee saw sp and a0..a7 only");
    assert_eq!(x[reg::A1], 0, "no f register and fcsr = 0 in the callee");
    for r in [6, 7, 12, 13, 14, 15, 16, 28, 29, 30, 31] {
        assert_eq!(x[r], 0, "x{r} scrubbed");
    }
    assert_eq!(x[reg::A7], common::SYS_DUMP);
    for r in [reg::RA, reg::GP, reg::TP].into_iter().chain(reg::CALLEE_SAVED_X) {
        assert_eq!(x[r], 0x5c00 + r as u64, "x{r} restored");
    }
    for r in 0..32 {
        let want = if reg::CALLEE_SAVED_F.contains(&r) { 0x7ff0_0000_0000_5d00 + r as u64 } else { 0 };
        assert_eq!(d.ctx.f[r], want, "f{r}");
    }
    assert_eq!(d.ctx.fcsr, 0x7f);
    assert_eq!((d.code, d.data), (f.code, f.data));
}

#[test]
fn transient_grants() {
    let (mut f, scode, sdata) = with_server("transient");
    let client = f.data;
    let server = f.granted_portal(scode, sdata, f.entry(0), client);
    let other = f.granted_portal(scode, sdata, f.entry(1), client);
    let lender = f.granted_portal(scode, sdata, f.entry(2), client);
    f.install_fault(client);
    f.io().resume_faults = true;
    f.set_args(&[server, sdata as u64, other, lender]);
    let out = f.run();
    assert_eq!(out, Outcome::Exit(0), "{}", f.report());
    assert_eq!(f.output(), "transient ok\n");
    // Two faults reached our fault portal: the ebreak (cause 3), and the load through
    // the lent pointer after the lender returned (cause 13, at that pointer).
    let faults = f.io().faults.clone();
    assert_eq!(faults.len(), 2, "{faults:x?}");
    assert_eq!(faults[0].0, 3);
    assert_eq!(faults[1].0, 13);
    assert_eq!(machine::addr::sid_of(faults[1].1), sdata);
    // Transient grants made and revoked: nothing is left over.
    let g = &f.m.mem.grants;
    assert_eq!(g.made_by(client), 1, "only the harness's own grant remains (made by DATA)");
    assert_eq!(g.made_by(sdata), 4, "the server pair's: harness grant and three C grants");
    let c = f.m.total_counters();
    assert!(c.grants_transient >= 5 && c.revokes >= 6, "{c:?}");
}

#[test]
fn faults_in_portal_calls_are_contained() {
    let (mut f, scode, sdata) = with_server("fault_in_portal");
    let client = f.data;
    let p = f.granted_portal(scode, sdata, f.entry(0), client);
    f.set_args(&[p]);
    let out = f.run();
    assert_eq!(out, Outcome::Exit(0), "{}", f.report());
    assert_eq!(f.output(), "fault ok\n");
    // Faults are counted for the space that faulted.
    let faults = &f.m.space_counters[&sdata].faults;
    let total: u64 = faults.values().sum();
    assert_eq!(total, 9, "{faults:?}");
    for k in ["unmapped", "denied", "illegal", "breakpoint", "misaligned"] {
        assert!(faults.contains_key(k), "{k} in {faults:?}");
    }
    // And once each for the hart.
    let hart_faults = f.m.hart(f.hart).unwrap().counters.fault_total();
    assert_eq!(hart_faults, 9, "{:?}", f.m.hart(f.hart).unwrap().counters.faults);
    assert_eq!(f.m.hart(f.hart).unwrap().depth(), 0);
}

#[test]
fn native_instructions_and_errors() {
    let (mut f, _scode, sdata) = with_server("native");
    let (code, data) = (f.code, f.data);
    f.set_args(&[sdata as u64, code as u64, data as u64]);
    let out = f.run();
    let last = f.entry(0);
    match out {
        Outcome::Fault(fault) => {
            assert_eq!(fault.kind, FaultKind::ControlStack, "{}", f.report());
            assert_eq!(fault.pc, last);
            assert_eq!(fault.space, data);
        }
        other => panic!("expected a control-stack fault, got {other:?}\n{}", f.report()),
    }
    assert_eq!(f.output(), "native ok\n");
    // Only the harness's grant is left (every grant the program made was revoked).
    assert_eq!(f.m.mem.grants.made_by(data), 1);
}

#[test]
fn an_unhandled_fault_at_base_level_ends_the_run() {
    // The fault_in_portal server entry, called directly as the program: op 1 loads
    // from an unmapped address, no fault portal, no frame to unwind.
    let img = image("fault_in_portal");
    let mut f = Flat::new(&img);
    let server = f.entry(0);
    f.m.hart_mut(f.hart).unwrap().ctx.pc = server;
    f.set_args(&[1]);
    match f.run() {
        Outcome::Fault(fault) => {
            assert_eq!(fault.kind, FaultKind::Unmapped { access: Access::Read, addr: 0x5555_0000_0000 });
            assert_eq!(fault.space, f.data);
        }
        other => panic!("{other:?}"),
    }
    // Counted once, for the hart and for the space.
    assert_eq!(f.m.hart(f.hart).unwrap().counters.fault_total(), 1);
    assert_eq!(f.m.space_counters[&f.data].fault_total(), 1);
}

#[test]
fn committed_images_match_their_sources() {
    // The tests run the committed images; when the cross toolchain is here, check
    // that they are what tests/isa/build.sh makes of the current sources.
    let cc = Command::new("riscv64-linux-gnu-gcc").arg("--version").output();
    if !cc.is_ok_and(|o| o.status.success()) {
        eprintln!("riscv64-linux-gnu-gcc not found: committed images not checked against their sources");
        return;
    }
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/isa/build.sh");
    let out = Command::new("bash").arg(&script).arg("--check").output().expect("bash");
    assert!(
        out.status.success(),
        "tests/isa/bin is out of date with its sources (or was built by another cross toolchain):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
