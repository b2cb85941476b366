//! The MIPS benchmark: how fast each engine runs a CPU-bound guest.
//!
//! Runs tests/isa/bin/mips.bin (tests/isa/bench/mips.c: CRC-32 and a sieve, about
//! 200 million instructions) on the flat harness and prints instructions retired,
//! wall time and millions of instructions per second. When qemu-riscv64 is on PATH,
//! also times the same program as a static ELF under qemu and prints the ratio.
//!
//!     cargo bench -p machine --bench mips        (or scripts/bench-mips.sh)
//!
//! A plain program (harness = false), not a statistics framework: it reports the
//! best of a few runs.

#[path = "../tests/common/mod.rs"]
mod common;

use common::{bin_path, image, Flat, Outcome};
use machine::cpu::Engine;
use machine::MachineConfig;
use std::process::Command;
use std::time::{Duration, Instant};

const RUNS: usize = 3;

fn main() {
    let img = image("mips");
    let mut fastest = f64::MAX;
    let mut instret = 0;
    let mut output = String::new();
    for engine in [Engine::Interp, Engine::Jit] {
        let mut best = Duration::MAX;
        let mut cycles = 0;
        for _ in 0..RUNS {
            let mut f = Flat::with_config(&img, MachineConfig { engine, ..MachineConfig::default() });
            let start = Instant::now();
            let out = f.run_hart(f.hart, u64::MAX);
            let t = start.elapsed();
            assert_eq!(out, Outcome::Exit(0), "{}", f.report());
            let c = &f.m.hart(f.hart).expect("hart").counters;
            instret = c.instret;
            cycles = c.cycles;
            output = f.output();
            best = best.min(t);
        }
        let mips = instret as f64 / best.as_secs_f64() / 1e6;
        fastest = fastest.min(best.as_secs_f64());
        println!("engine:             {engine:?}");
        println!("guest output:       {}", output.trim_end());
        println!("instructions:       {instret}");
        println!("modeled cycles:     {cycles} (CPI {:.2})", cycles as f64 / instret as f64);
        println!("wall time (best of {RUNS}): {:.3} s", best.as_secs_f64());
        println!("machine:            {mips:.1} MIPS");
    }
    let mips = instret as f64 / fastest / 1e6;

    let elf = bin_path("mips.elf");
    let mut qbest = Duration::MAX;
    for _ in 0..RUNS {
        let start = Instant::now();
        let Ok(q) = Command::new("qemu-riscv64").arg(&elf).output() else {
            println!("qemu-riscv64:       not found, no comparison");
            return;
        };
        let t = start.elapsed();
        assert!(q.status.success(), "qemu-riscv64 failed: {:?}", q.status);
        assert_eq!(String::from_utf8_lossy(&q.stdout), output, "qemu and the machine disagree");
        qbest = qbest.min(t);
    }
    let qmips = instret as f64 / qbest.as_secs_f64() / 1e6;
    println!("qemu-riscv64:       {:.3} s, {qmips:.1} MIPS (same instruction count; includes process start)", qbest.as_secs_f64());
    println!("qemu / machine:     {:.1}x", qmips / mips);
}
