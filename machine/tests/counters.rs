//! The per-space load and store counters (what `--stats` reports) are exact under every
//! engine and every scheduling quantum: a loop whose accesses are known, counted.

mod asm;
mod common;

use asm::*;
use common::{Flat, IMAGE_BASE, SCRATCH, SYS_EXIT};
use machine::cpu::Engine;
use machine::grants::GrantRequest;
use machine::{addr, Exit, GrantRights, MachineConfig, PageRights};

const N: i32 = 1000;

/// `N` iterations of: 2 own loads, 2 own stores, 1 foreign load, 1 foreign store
/// (through the qualified pointer in a0), then exit(0).
fn program() -> Vec<u8> {
    let body = [
        addi(T0, ZERO, N),
        lui(T1, (SCRATCH >> 12) as u32),
        // loop:
        sd(SP, T2, -8),
        ld(T2, SP, -8),
        lw(T3, T1, 0),
        sw(T1, T3, 4),
        ld(T4, A0, 0),
        sd(A0, T4, 8),
        addi(T0, T0, -1),
        bne(T0, ZERO, -28),
        addi(A7, ZERO, SYS_EXIT as i32),
        addi(A0, ZERO, 0),
        ECALL,
    ];
    bytes(&body)
}

struct Counts {
    instret: u64,
    cycles: u64,
    own: (u64, u64),
    foreign: (u64, u64),
}

fn run(engine: Engine, quantum: u64) -> Counts {
    let config = MachineConfig { engine, ..MachineConfig::default() };
    let mut f = Flat::with_config(&program(), config);
    let other = f.m.mem.create_space("other", 0).unwrap();
    f.m.mem.map_zero(other, 0x40000, 0x1000, PageRights::RW).unwrap();
    let req = GrantRequest { owner: other, lo: 0x40000, len: 0x1000, rights: GrantRights::RW, grantee: f.data, transient: false };
    f.m.mem.grant(other, other, &req).unwrap();
    f.set_args(&[addr::qualified(other, 0x40000)]);
    loop {
        match f.m.run(f.hart, quantum).unwrap() {
            Exit::Budget => {}
            Exit::Stop(_) => break,
            e => panic!("unexpected exit {e:?}: {}", f.report()),
        }
    }
    assert_eq!(f.io().exit, Some(0));
    let h = f.m.hart(f.hart).unwrap().counters.clone();
    let s = f.m.space_counters.get(&f.data).cloned().unwrap_or_default();
    // The hart's counters and the space's agree (the harness ran no other code as data).
    assert_eq!((h.loads_own, h.stores_own, h.loads_foreign, h.stores_foreign), (s.loads_own, s.stores_own, s.loads_foreign, s.stores_foreign));
    assert_eq!(f.ctx().pc, IMAGE_BASE + 13 * 4, "stopped after the ecall");
    Counts { instret: h.instret, cycles: h.cycles, own: (s.loads_own, s.stores_own), foreign: (s.loads_foreign, s.stores_foreign) }
}

#[test]
fn per_space_access_counters_are_exact_under_every_engine_and_quantum() {
    let n = N as u64;
    let mut cycles = None;
    for engine in [Engine::Step, Engine::Interp, Engine::Jit] {
        for quantum in [1, 3, 7, 64, 1_000_000] {
            let c = run(engine, quantum);
            let what = format!("{engine:?} quantum {quantum}");
            assert_eq!(c.own, (2 * n, 2 * n), "own loads/stores, {what}");
            assert_eq!(c.foreign, (n, n), "foreign loads/stores, {what}");
            assert_eq!(c.instret, 2 + 8 * n + 3, "instret, {what}");
            assert_eq!(*cycles.get_or_insert(c.cycles), c.cycles, "cycles, {what}");
        }
    }
}
