#!/usr/bin/env bash
# Benchmarks: a CPU-bound guest (bench_cpu at scale 20, ~340M instructions) and a syscall-bound guest
# (bench_syscalls) under grantix split, grantix monolithic and qemu-riscv64, in the
# same run. Prints the best wall time of RUNS runs, the ratios against qemu-riscv64
# and split/monolithic, and grantix's modeled cycles. Usage: scripts/bench.sh [RUNS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
RUNS="${1:-3}"
cargo build --release --quiet
scripts/build-guests.sh >/dev/null
G="$PWD/target/release/grantix"
QEMU="$(command -v qemu-riscv64 || true)"

best() { # best wall time in seconds of "$@", RUNS times
    local b="" t0 t1 t
    for _ in $(seq "$RUNS"); do
        t0=$(date +%s.%N); "$@" >/dev/null 2>&1 </dev/null || true; t1=$(date +%s.%N)
        t=$(echo "$t1 - $t0" | bc -l)
        if [[ -z "$b" ]] || (( $(echo "$t < $b" | bc -l) )); then b=$t; fi
    done
    printf '%.4f' "$b"
}
cycles() { "$G" run --config "$1" --stats "$2" "$3" 2>&1 >/dev/null </dev/null | sed -n 's/.*instructions (\(.*\) MIPS) · \([0-9]*\) modeled cycles/\2/p'; }

command -v bc >/dev/null || { echo "bench: needs bc (apt-get install bc)" >&2; exit 1; }
printf '%-16s %-6s %10s %10s %10s %9s %9s %9s %14s %14s\n' workload libc qemu_s split_s mono_s split/q mono/q split/mono split_cycles mono_cycles
for w in "bench_cpu 20" "bench_syscalls 100000"; do
    set -- $w; w=$1; arg=$2
    for libc in glibc musl; do
        bin="build/guests/$libc/$w"
        s=$(best "$G" run --config split "$bin" "$arg")
        m=$(best "$G" run --config monolithic "$bin" "$arg")
        if [[ -n "$QEMU" ]]; then q=$(best "$QEMU" "$bin" "$arg"); else q=nan; fi
        ratio() { if [[ "$2" == nan ]]; then echo "-"; else printf '%.2f' "$(echo "$1 / $2" | bc -l)"; fi; }
        printf '%-16s %-6s %10s %10s %10s %9s %9s %9s %14s %14s\n' "$w" "$libc" "$q" "$s" "$m" \
            "$(ratio "$s" "$q")" "$(ratio "$m" "$q")" "$(ratio "$s" "$m")" "$(cycles split "$bin" "$arg")" "$(cycles monolithic "$bin" "$arg")"
    done
done
