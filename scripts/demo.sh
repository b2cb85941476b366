#!/usr/bin/env bash
# The main job: a real program (busybox's shell from Debian's riscv64 port running a
# script, and a C program from the corpus) under the split and the monolithic kernel,
# with the machine's counters for each.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/setup.sh
cargo build --release --quiet
scripts/build-guests.sh >/dev/null
G=target/release/grantix
BUSYBOX=build/debian-riscv64/root/usr/bin/busybox
SCRIPT='echo "hello from busybox $(busybox | head -1 | cut -d" " -f2) on grantix"; n=0; for i in 1 2 3 4 5 6 7 8 9 10; do n=$((n+i)); done; echo "sum 1..10 = $n"; echo one two three | wc -w'
for config in split monolithic; do
    echo "== busybox sh, $config"
    "$G" run --config "$config" --stats "$BUSYBOX" sh -c "$SCRIPT"
    echo "== qsort_strings (glibc), $config"
    "$G" run --config "$config" --stats build/guests/glibc/qsort_strings 2>&1 | tail -n 4
done
