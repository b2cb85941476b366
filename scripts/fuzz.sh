#!/usr/bin/env bash
# fuzz.sh SECONDS [GUESTS_DIR] — run the guest syscall fuzzer (tests/guest/fuzz_syscalls.c)
# under both configurations and both libcs, seed after seed, for SECONDS, and report
# what a user argument could do to the system:
#
#   emulator panics        grantix itself panicked or died of a signal
#   kernel panics          monolithic: "grantix: kernel panic: SERVICE faulted: ..."
#   service faults         split: a service faulted (and was restarted)
#
# each attributed to the syscall the fuzzer was making (its "call I nr N" log line,
# written to stderr just before the call), with a count and one example per
# (finding, configuration, syscall). A run that exceeds 120 s counts as a hang.
#
# Environment: FUZZ_SEED (first seed, default 1), FUZZ_CALLS (calls per run, default
# 2000), GRANTIX (the binary, default target/release/grantix), FUZZ_OUT (directory for
# logs and the report, default a fresh /tmp/grantix-fuzz.XXXXXX).
# GUESTS_DIR (default build/guests) must hold glibc/fuzz_syscalls and musl/fuzz_syscalls;
# if it lacks them they are built there with scripts/build-guests.sh.
# Exit status: 0 if nothing was found, 1 if anything was, 2 on usage errors.
set -uo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_WANTED="${1:-}"
[[ "$SECONDS_WANTED" =~ ^[0-9]+$ ]] || { echo "usage: scripts/fuzz.sh SECONDS [GUESTS_DIR]" >&2; exit 2; }
GUESTS="${2:-$REPO/build/guests}"
GRANTIX="${GRANTIX:-$REPO/target/release/grantix}"
SEED="${FUZZ_SEED:-1}"
CALLS="${FUZZ_CALLS:-2000}"
OUT="${FUZZ_OUT:-$(mktemp -d /tmp/grantix-fuzz.XXXXXX)}"
mkdir -p "$OUT"

[[ -x "$GRANTIX" ]] || { echo "fuzz: $GRANTIX not found (cargo build --release)" >&2; exit 2; }
if [[ ! -x "$GUESTS/glibc/fuzz_syscalls" || ! -x "$GUESTS/musl/fuzz_syscalls" ]]; then
    bash "$REPO/scripts/build-guests.sh" "$GUESTS" >&2 || exit 2
fi

# Syscall names by number, from the dispatcher's table (unimplemented ones stay numbers).
declare -A NAME
while IFS='|' read -r _ nr name _; do
    nr="${nr// /}"; name="${name//[ \`]/}"
    [[ "$nr" =~ ^[0-9]+$ ]] && NAME[$nr]="$name"
done < <("$GRANTIX" syscalls)
name_of() { [[ -n "${NAME[$1]:-}" ]] && echo "${NAME[$1]}" || echo "#$1"; }

FINDINGS="$OUT/findings.tsv"   # kind  config  syscall  example
: > "$FINDINGS"
runs=0; calls=0
start=$(date +%s)
echo "fuzz: ${SECONDS_WANTED}s from seed $SEED, $CALLS calls per run; logs in $OUT" >&2

# The syscall being made when line N of a log was written: the last "call" before it.
syscall_before() { # LOG LINE
    local nr
    nr=$(head -n "$2" "$1" | grep -a -o 'call [0-9]* nr -\?[0-9]*' | tail -1 | awk '{print $4}')
    [[ -n "$nr" ]] && name_of "$nr" || echo "?"
}

while (( $(date +%s) - start < SECONDS_WANTED )); do
    for config in split monolithic; do
        for libc in glibc musl; do
            log="$OUT/$config-$libc-$SEED.log"
            # stderr through a pipe, not a file: the fuzzer may lseek its fd 2 far out
            # and write (a 274 GB sparse log with one "line" of zeros, seed 559).
            RUST_LOG=grantix::fault=warn timeout 120 "$GRANTIX" run --config "$config" \
                "$GUESTS/$libc/fuzz_syscalls" "$SEED" "$CALLS" 2>&1 > "$OUT/stdout" | sed 's/\x1b\[[0-9;]*m//g' > "$log"
            status=${PIPESTATUS[0]}
            rm -f "$OUT/stdout"
            runs=$((runs + 1)); calls=$((calls + CALLS))
            if (( status == 124 )); then
                printf 'hang\t%s\t%s\t%s\n' "$config" "$(syscall_before "$log" "$(wc -l < "$log")")" "seed $SEED $libc: no end within 120 s" >> "$FINDINGS"
            elif grep -a -q "panicked at\|RUST_BACKTRACE" "$log" || (( status > 128 && status != 137 )); then
                line=$(grep -a -n "panicked at" "$log" | head -1 | cut -d: -f1); line=${line:-$(wc -l < "$log")}
                printf 'emulator-panic\t%s\t%s\t%s\n' "$config" "$(syscall_before "$log" "$line")" "seed $SEED $libc: status $status: $(sed -n "${line}p" "$log" | cut -c1-160)" >> "$FINDINGS"
            fi
            grep -a -n "grantix: kernel panic:" "$log" | while IFS=: read -r line rest; do
                printf 'kernel-panic\t%s\t%s\t%s\n' "$config" "$(syscall_before "$log" "$line")" "seed $SEED $libc:${rest#*kernel panic:}" >> "$FINDINGS"
            done
            grep -a -n "grantix::fault:" "$log" | while IFS=: read -r line rest; do
                printf 'service-fault\t%s\t%s\t%s\n' "$config" "$(syscall_before "$log" "$line")" "seed $SEED $libc:${rest#*grantix::fault:}" >> "$FINDINGS"
            done
        done
    done
    SEED=$((SEED + 1))
done

echo "fuzz: $runs runs, $calls calls issued (seeds up to $((SEED - 1)))"
if [[ ! -s "$FINDINGS" ]]; then
    echo "fuzz: no emulator panic, no kernel panic, no service fault, no hang"
    exit 0
fi
echo
echo "| finding | config | syscall | count | example |"
echo "|---|---|---|---:|---|"
sort "$FINDINGS" | awk -F'\t' '
    { key = $1 "\t" $2 "\t" $3; n[key]++; if (!(key in ex)) ex[key] = $4 }
    END { for (k in n) { split(k, f, "\t"); printf "| %s | %s | %s | %d | %s |\n", f[1], f[2], f[3], n[k], ex[k] } }' | sort
echo
for kind in emulator-panic kernel-panic service-fault hang; do
    printf 'fuzz: %-15s %d\n' "$kind" "$(awk -F'\t' -v k="$kind" '$1 == k' "$FINDINGS" | wc -l)"
done
exit 1
