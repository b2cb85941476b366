#!/usr/bin/env bash
# Benchmarks, all in one run: CPU-bound guests (bench_cpu at scale 20, ~340M
# instructions; bench_int, a CoreMark-like integer workload; bench_fp, FP-heavy; mips
# from tests/isa on the flat harness is scripts/bench-mips.sh) and syscall-bound ones
# (bench_syscalls, and 1M getppid: the syscall path alone) under qemu-riscv64 and
# grantix with both engines (jit, interp) in both configurations. Prints the best wall
# time of RUNS runs, the speed of each grantix run relative to qemu-riscv64 (qemu time /
# grantix time: 1.0 is as fast as qemu, higher is faster), split/monolithic, and the
# modeled cycles (the same under both engines).
# Usage: [GRANTIX=BINARY] [GRANTIX_GUESTS_OUT=DIR] scripts/bench.sh [RUNS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
RUNS="${1:-3}"
# GRANTIX names a binary to measure (e.g. target/ci/grantix); otherwise the release build.
[[ -n "${GRANTIX:-}" ]] || cargo build --release --quiet
G="${GRANTIX:-$PWD/target/release/grantix}"
QEMU="$(command -v qemu-riscv64 || true)"
# The guests built by scripts/build-guests.sh (GRANTIX_GUESTS_OUT as it honours it).
GUESTS="${GRANTIX_GUESTS_OUT:-build/guests}"
command -v bc >/dev/null || { echo "bench: needs bc (apt-get install bc)" >&2; exit 1; }

best() { # best wall time in seconds of "$@", RUNS times
    local b="" t0 t1 t
    for _ in $(seq "$RUNS"); do
        t0=$(date +%s.%N); "$@" >/dev/null 2>&1 </dev/null || true; t1=$(date +%s.%N)
        t=$(echo "$t1 - $t0" | bc -l)
        if [[ -z "$b" ]] || (( $(echo "$t < $b" | bc -l) )); then b=$t; fi
    done
    printf '%.4f' "$b"
}
cycles() { "$G" run --engine "$1" --config "$2" --stats "${@:3}" 2>&1 >/dev/null </dev/null | sed -n 's/.* \([0-9]*\) modeled cycles/\1/p'; }
speed() { if [[ "$1" == nan ]]; then echo "-"; else printf '%.3f' "$(echo "$1 / $2" | bc -l)"; fi; }

printf '%-15s %-6s %8s | %9s %9s %9s %9s | %7s %7s %7s %7s | %10s | %12s %12s\n' \
    workload libc qemu_s split_jit split_int mono_jit mono_int sj/q si/q mj/q mi/q split/mono split_cycles mono_cycles
for w in "bench_cpu 20" "bench_int 20000" "bench_fp 20000" "bench_syscalls 100000" "bench_syscalls 1000000 getppid"; do
    set -- $w; w=$1; shift; args=("$@"); label=$w; [[ $# -gt 1 ]] && label=$2
    for libc in glibc musl; do
        bin="$GUESTS/$libc/$w"
        [[ -x "$bin" ]] || { echo "bench: $bin missing (scripts/build-guests.sh)" >&2; continue; }
        sj=$(best "$G" run --engine jit --config split "$bin" "${args[@]}")
        si=$(best "$G" run --engine interp --config split "$bin" "${args[@]}")
        mj=$(best "$G" run --engine jit --config monolithic "$bin" "${args[@]}")
        mi=$(best "$G" run --engine interp --config monolithic "$bin" "${args[@]}")
        if [[ -n "$QEMU" ]]; then q=$(best "$QEMU" "$bin" "${args[@]}"); else q=nan; fi
        cs=$(cycles jit split "$bin" "${args[@]}"); cm=$(cycles jit monolithic "$bin" "${args[@]}")
        [[ "$cs" == "$(cycles interp split "$bin" "${args[@]}")" ]] || echo "bench: $label split: cycles differ between engines!" >&2
        printf '%-15s %-6s %8s | %9s %9s %9s %9s | %7s %7s %7s %7s | %10s | %12s %12s\n' "$label" "$libc" "$q" "$sj" "$si" "$mj" "$mi" \
            "$(speed "$q" "$sj")" "$(speed "$q" "$si")" "$(speed "$q" "$mj")" "$(speed "$q" "$mi")" \
            "$(printf '%.3f' "$(echo "$sj / $mj" | bc -l)")" "$cs" "$cm"
    done
done
