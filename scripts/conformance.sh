#!/usr/bin/env bash
# conformance.sh [-j JOBS] [-t SECONDS] [-o OUTDIR] [-r RUNNERS] SUITE_DIR
#
# Runs every static riscv64 executable under SUITE_DIR (searched recursively; a
# local build of the Linux Test Project's syscall tests, of libc-test, ...: never
# part of this repository) under qemu-riscv64 and under grantix in both
# configurations, and reports how each runner did and where grantix differs from
# qemu-user, grouped by cause.
#
# Why: grantix's goal is to pass every case qemu-user passes; the differences, and
# the unimplemented syscall behind each (grantix warns once per missing syscall),
# are the work list.
#
# Verdicts per case and runner, from the exit status:
#   0 pass; 32 skip (the Linux Test Project's TCONF: "not applicable here");
#   124 timeout (stopped after -t seconds, default 30); anything else fail
#   (libc-test exits 0 on success and nonzero otherwise, so only pass/fail occur).
# Each case runs with a clean environment (env -i PATH HOME TMPDIR), stdin from
# /dev/null, in a scratch directory of its own that is removed afterwards.
#
# Cause of a difference (qemu passes, grantix does not), first match wins:
#   "missing NAME"   grantix printed "syscall N (NAME) is not implemented"
#   "timeout"        killed after -t seconds
#   "signal NAME"    killed by a signal (exit status 128+N)
#   "exit N"         any other status
#
# Options:
#   -j JOBS      cases run in parallel (default 2: the machine has 2 cores)
#   -t SECONDS   per-run timeout (default 30)
#   -o OUTDIR    keep outputs and results.tsv there (default: a new /tmp dir)
#   -r RUNNERS   comma-separated subset of qemu,split,monolithic (default all three)
# Environment: GRANTIX (default: target/release/grantix of this repository),
# QEMU (default: qemu-riscv64).
#
# Output: per-runner counts, then the differing cases grouped by cause, then the
# cases grantix passes and qemu does not. OUTDIR/results.tsv has one line per case
# and runner: case, runner, verdict, exit status, cause. Exit status 0 unless the
# script itself fails (a failing suite is a result, not an error).
set -euo pipefail

SELF_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SELF_DIR/.." && pwd)"
JOBS=2
TIMEOUT=30
OUT=""
RUNNERS="qemu,split,monolithic"

die() { echo "conformance: error: $*" >&2; exit 2; }
usage() { sed -n '2,3p' "${BASH_SOURCE[0]}" | sed 's/^# //' >&2; exit 2; }

while getopts "j:t:o:r:h" opt; do
    case "$opt" in
        j) JOBS="$OPTARG" ;;
        t) TIMEOUT="$OPTARG" ;;
        o) OUT="$OPTARG" ;;
        r) RUNNERS="$OPTARG" ;;
        *) usage ;;
    esac
done
shift $((OPTIND - 1))
(( $# == 1 )) || usage
SUITE="$(cd "$1" 2>/dev/null && pwd)" || die "no such directory: $1"
[[ "$JOBS" =~ ^[1-9][0-9]*$ ]] || die "-j wants a positive number"
[[ "$TIMEOUT" =~ ^[1-9][0-9]*$ ]] || die "-t wants a positive number of seconds"

GRANTIX="${GRANTIX:-$REPO/target/release/grantix}"
QEMU="${QEMU:-qemu-riscv64}"
IFS=, read -r -a runners <<< "$RUNNERS"
for r in "${runners[@]}"; do
    case "$r" in
        qemu) command -v "$QEMU" >/dev/null || die "$QEMU not found (set QEMU, or -r split,monolithic)" ;;
        split|monolithic) [[ -x "$GRANTIX" ]] || die "$GRANTIX not built (cargo build --release)" ;;
        *) die "unknown runner: $r" ;;
    esac
done

if [[ -z "$OUT" ]]; then
    OUT="$(mktemp -d /tmp/conformance.XXXXXX)"
fi
mkdir -p "$OUT/runs"

# A case is an ELF executable for RISC-V (e_machine 243 at offset 18).
is_riscv_elf() {
    local magic machine
    magic="$(head -c 4 "$1" 2>/dev/null | od -An -c | tr -d ' ')"
    [[ "$magic" == '177ELF' ]] || return 1
    machine="$(od -An -tu2 -j18 -N2 "$1" | tr -d ' ')"
    [[ "$machine" == 243 ]]
}

cases=()
while IFS= read -r -d '' f; do
    is_riscv_elf "$f" && cases+=("${f#"$SUITE"/}")
done < <(find "$SUITE" -type f -perm -u+x -print0 | sort -z)
(( ${#cases[@]} > 0 )) || die "no riscv64 executables under $SUITE"
echo "conformance: ${#cases[@]} cases from $SUITE, runners ${RUNNERS}, timeout ${TIMEOUT}s, $JOBS jobs -> $OUT"

# run_one CASE RUNNER: one run; writes runs/<case as file name>.<runner>.{out,err,status}
run_one() {
    local c="$1" runner="$2" base scratch status
    base="$OUT/runs/${c//\//__}.$runner"
    scratch="$(mktemp -d /tmp/conformance-case.XXXXXX)"
    local cmd=()
    case "$runner" in
        qemu) cmd=("$QEMU" "$SUITE/$c") ;;
        # --host-exec=off: a case's helper commands (LTP's tst_cmd: mkfs, mount...) would
        # run on the host with grantix's virtual names (pids, /dev/loopN) meaning host
        # ones, as root; the cases are judged on the guest alone.
        split|monolithic) cmd=("$GRANTIX" run --config "$runner" --host-exec=off "$SUITE/$c") ;;
    esac
    set +e
    (cd "$scratch" && env -i PATH=/usr/bin:/bin HOME=/ TMPDIR="$scratch" \
        timeout -k 5 "$TIMEOUT" "${cmd[@]}" </dev/null >"$base.out" 2>"$base.err")
    status=$?
    set -e
    echo "$status" > "$base.status"
    rm -rf "$scratch"
}
export -f run_one
export OUT SUITE QEMU GRANTIX TIMEOUT

for c in "${cases[@]}"; do
    for r in "${runners[@]}"; do
        printf '%s\0%s\0' "$c" "$r"
    done
done | xargs -0 -n 2 -P "$JOBS" bash -c 'run_one "$0" "$1" 2>/dev/null' # (quiet: bash reports guests killed by signals)

signame() { kill -l "$1" 2>/dev/null || echo "$1"; }

verdict() { # STATUS
    case "$1" in
        0) echo pass ;;
        32) echo skip ;;
        124) echo timeout ;;
        *) echo fail ;;
    esac
}

cause() { # BASE STATUS
    local missing
    missing="$(grep -m1 -o 'syscall [0-9]* ([a-z0-9_]*) is not implemented' "$1.err" 2>/dev/null | sed 's/.*(\(.*\)).*/\1/' || true)"
    if [[ -n "$missing" ]]; then
        echo "missing $missing"
    elif [[ "$2" == 124 ]]; then
        echo "timeout"
    elif (( $2 > 128 && $2 < 160 )); then
        echo "signal SIG$(signame $(($2 - 128)))"
    else
        echo "exit $2"
    fi
}

results="$OUT/results.tsv"
: > "$results"
declare -A count
for c in "${cases[@]}"; do
    for r in "${runners[@]}"; do
        base="$OUT/runs/${c//\//__}.$r"
        st="$(cat "$base.status")"
        v="$(verdict "$st")"
        count[$r.$v]=$(( ${count[$r.$v]:-0} + 1 ))
        printf '%s\t%s\t%s\t%s\t%s\n' "$c" "$r" "$v" "$st" "$(cause "$base" "$st")" >> "$results"
    done
done

echo
printf '%-11s %6s %6s %6s %8s\n' runner pass fail skip timeout
for r in "${runners[@]}"; do
    printf '%-11s %6d %6d %6d %8d\n' "$r" "${count[$r.pass]:-0}" "${count[$r.fail]:-0}" "${count[$r.skip]:-0}" "${count[$r.timeout]:-0}"
done

# Differences against qemu, per grantix configuration, grouped by cause.
if [[ " ${runners[*]} " == *" qemu "* ]]; then
    for r in "${runners[@]}"; do
        [[ "$r" == qemu ]] && continue
        echo
        echo "== $r: cases qemu passes and grantix does not, by cause"
        awk -F'\t' -v r="$r" '
            $2 == "qemu" { q[$1] = $3 }
            $2 == r { g[$1] = $3; why[$1] = $5 }
            END {
                for (c in g) if (q[c] == "pass" && g[c] != "pass") { n[why[c]]++; list[why[c]] = list[why[c]] " " c }
                for (w in n) printf "%5d  %s:%s\n", n[w], w, list[w]
            }' "$results" | sort -k1,1nr -k2
        echo "== $r: cases grantix passes and qemu does not"
        awk -F'\t' -v r="$r" '
            $2 == "qemu" { q[$1] = $3 }
            $2 == r { g[$1] = $3 }
            END { for (c in g) if (g[c] == "pass" && q[c] != "pass") printf "       %s (qemu: %s)\n", c, q[c] }' "$results" | sort
    done
fi
echo
echo "conformance: details in $results"
