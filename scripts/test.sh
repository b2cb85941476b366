#!/usr/bin/env bash
# The whole test suite, from a machine with nothing but Rust: installs the cross
# toolchain (and qemu-user, optional), fetches musl and busybox from Debian's riscv64
# port, builds the guest programs once, then runs every Rust test optimised (the `ci` profile: release without fat LTO)
# (the guest corpus runs inside `cargo test`, under both configurations).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/setup.sh
scripts/build-guests.sh
cargo test --workspace --profile ci 2>&1
