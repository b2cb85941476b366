//! Differential ISA runs: the programs in tests/isa/diff compute batteries of integer
//! and floating-point operations and print the results as hex. The flat image runs on
//! the machine; its output must equal the golden output recorded from the ELF under
//! qemu-riscv64 (tests/isa/build.sh --golden). When qemu-riscv64 is on PATH the ELF
//! is also run live and compared.

mod common;

use common::{bin_path, image, Flat, Outcome};
use std::path::Path;
use std::process::Command;

fn golden(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/isa/diff/golden").join(format!("{name}.out"));
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The program's output on the machine.
fn on_machine(name: &str) -> String {
    let mut f = Flat::new(&image(name));
    let out = f.run();
    assert_eq!(out, Outcome::Exit(0), "{name} on the machine: {}", f.report());
    f.output()
}

/// The ELF's output under qemu-riscv64, if qemu is installed.
fn on_qemu(name: &str) -> Option<String> {
    let elf = bin_path(&format!("{name}.elf"));
    let out = Command::new("qemu-riscv64").arg(&elf).output().ok()?;
    assert!(out.status.success(), "{name} under qemu: {:?}", out.status);
    Some(String::from_utf8(out.stdout).expect("utf-8 output"))
}

/// Compares line by line, reporting the first differing lines in full.
fn assert_same(what: &str, got: &str, want: &str) {
    if got == want {
        return;
    }
    let mut report = String::new();
    let mut shown = 0;
    for (i, (g, w)) in got.lines().zip(want.lines()).enumerate() {
        if g != w && shown < 5 {
            shown += 1;
            report += &format!("line {}:\n  machine: {g}\n  expected: {w}\n", i + 1);
            // Point at the differing items.
            for (k, (a, b)) in g.split(' ').zip(w.split(' ')).enumerate() {
                if a != b {
                    report += &format!("  item {k}: {a} != {b}\n");
                }
            }
        }
    }
    let (gl, wl) = (got.lines().count(), want.lines().count());
    panic!("{what}: output differs ({gl} lines vs {wl} expected)\n{report}");
}

fn check(name: &str) {
    let got = on_machine(name);
    assert_same(&format!("{name} vs golden"), &got, &golden(name));
    if let Some(live) = on_qemu(name) {
        assert_same(&format!("{name} vs live qemu-riscv64"), &got, &live);
    }
}

#[test]
fn integer_battery_matches_qemu() {
    check("int_ops");
}

#[test]
fn floating_point_battery_matches_qemu() {
    check("fp_ops");
}
