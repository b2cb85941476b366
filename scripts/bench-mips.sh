#!/usr/bin/env bash
# bench-mips.sh — how fast the machine interprets a CPU-bound guest.
#
# Runs machine/benches/mips.rs in release mode: tests/isa/bin/mips.bin (CRC-32 and a
# sieve, about 200 million RV64 instructions, source tests/isa/bench/mips.c) on the
# flat harness, and prints instructions retired, wall time and MIPS. When
# qemu-riscv64 is on PATH it also times tests/isa/bin/mips.elf under qemu and prints
# the ratio. The machine is shared: run it on an idle host for figures worth quoting.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec cargo bench -p machine --bench mips "$@"
