#!/usr/bin/env bash
# compare-qemu.sh [BUILDDIR] — run the guest test programs and check their
# stdout and exit status against the golden files in tests/guest/.
#
# Why: qemu-riscv64 (user-mode) is the reference emulator; if a guest passes
# under qemu, its golden files are right, and grantix must then produce the
# same. Every program built by scripts/build-guests.sh into BUILDDIR
# (default build/guests) is run under each libc it is built for
# (NAME.c: glibc and musl, NAME.cc: glibc only) with its golden inputs:
#   tests/guest/NAME.args   one argument per line (optional)
#   tests/guest/NAME.env    KEY=VALUE per line (optional)
#   tests/guest/NAME.stdin  standard input (optional; else /dev/null)
# and checked against tests/guest/NAME.stdout (byte-exact) and NAME.status.
# See tests/guest/README.md. Each run gets a clean environment
# (env -i PATH=/usr/bin:/bin HOME=/ plus NAME.env), so results don't depend
# on the host. Outputs land in BUILDDIR/results/RUNNER/LIBC/NAME.{stdout,stderr}.
#
# If the environment variable GRANTIX is set (e.g.
#   GRANTIX="target/release/grantix run --config split"
# run from the repo root), each guest is also run as `$GRANTIX BINARY ARGS...`
# the same way and compared against the same golden files (RUST_LOG and
# RUST_BACKTRACE are passed through to it). Unset: that part is skipped.
#
# Skips (message, exit 0) if qemu-riscv64 is missing and GRANTIX is unset.
# Prints a table, failure details, and `N passed, N failed` as the last line;
# exits 1 if anything failed. GUEST_TIMEOUT (seconds, default 30) bounds each run.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GOLDEN="$REPO/tests/guest"
BUILDDIR="${1:-$REPO/build/guests}"
BUILDDIR="$(cd "$BUILDDIR" 2>/dev/null && pwd)" || {
    echo "compare-qemu: error: build dir ${1:-build/guests} not found; run scripts/build-guests.sh first" >&2
    exit 1
}
RESULTS="$BUILDDIR/results"
TIMEOUT="${GUEST_TIMEOUT:-30}"
cd "$REPO"

QEMU="$(command -v qemu-riscv64 || true)"
if [[ -z "$QEMU" && -z "${GRANTIX:-}" ]]; then
    echo "compare-qemu: qemu-riscv64 not found (apt-get install qemu-user); skipping guest comparison"
    exit 0
fi
[[ -n "$QEMU" ]] || echo "compare-qemu: warning: qemu-riscv64 not found; running only GRANTIX" >&2

# Guests that execve() a riscv64 program (tests/guest/exec.c re-executes
# itself) need the host kernel to know how to run a riscv64 ELF: under
# qemu-user that is a binfmt_misc entry pointing at qemu-riscv64. Debian's
# qemu-user-binfmt ships /usr/lib/binfmt.d/qemu-riscv64.conf, but it only
# takes effect once binfmt_misc is mounted and the entry registered, which
# machines without systemd-binfmt (containers, minimal VMs) never do. As
# root, do it here (idempotent); otherwise warn. (grantix handles execve
# itself and doesn't need this.)
ensure_binfmt() {
    local bm=/proc/sys/fs/binfmt_misc conf line=""
    [[ -e $bm/qemu-riscv64 ]] && return 0
    if [[ ! -e $bm/register && $(id -u) == 0 ]]; then
        mount -t binfmt_misc binfmt_misc "$bm" 2>/dev/null || true
    fi
    for conf in /etc/binfmt.d/qemu-riscv64.conf /usr/lib/binfmt.d/qemu-riscv64.conf; do
        [[ -f $conf ]] && { line="$(grep -v '^[#;]' "$conf" | grep -m1 .)"; break; }
    done
    if [[ -z $line ]]; then
        # no packaged entry: riscv64 ELF magic/mask, interpreter = qemu-riscv64
        line=':qemu-riscv64:M::\x7f\x45\x4c\x46\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xf3\x00:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:'"$QEMU"':'
    fi
    if [[ -w $bm/register ]]; then
        printf '%s\n' "$line" > "$bm/register" 2>/dev/null || true
    fi
    [[ -e $bm/qemu-riscv64 ]] \
        || echo "compare-qemu: warning: no binfmt_misc entry for riscv64 (needs root); guests that execve() a riscv64 program (exec) will fail under qemu" >&2
}
[[ -n "$QEMU" ]] && ensure_binfmt

passed=0; failed=0; details=()

# List "NAME LIBC" pairs expected from the sources.
expected() {
    local s b
    shopt -s nullglob
    for s in "$GOLDEN"/*.c; do b="${s##*/}"; echo "${b%.c} glibc"; echo "${b%.c} musl"; done
    for s in "$GOLDEN"/*.cc; do b="${s##*/}"; echo "${b%.cc} glibc"; done
    shopt -u nullglob
}

row() { printf '%-20s %-6s %-8s %-5s %s\n' "$@"; }

# run_guest RUNNER NAME LIBC CMD... : run BUILDDIR/LIBC/NAME under CMD and check it.
run_guest() {
    local runner="$1" name="$2" libc="$3"
    shift 3
    local bin="$BUILDDIR/$libc/$name" out="$RESULTS/$runner/$libc"
    local -a args=() envs=() passenv=()
    local stdin=/dev/null line status want why=""

    if [[ ! -x "$bin" ]]; then
        row "$name" "$libc" "$runner" FAIL "not built ($bin)"
        failed=$((failed + 1)); return
    fi
    if [[ ! -f "$GOLDEN/$name.stdout" || ! -f "$GOLDEN/$name.status" ]]; then
        row "$name" "$libc" "$runner" FAIL "missing golden $name.stdout/$name.status"
        failed=$((failed + 1)); return
    fi
    [[ -f "$GOLDEN/$name.args" ]] && mapfile -t args < "$GOLDEN/$name.args"
    if [[ -f "$GOLDEN/$name.env" ]]; then
        while IFS= read -r line || [[ -n "$line" ]]; do
            [[ -z "$line" || "$line" == \#* ]] && continue
            envs+=("$line")
        done < "$GOLDEN/$name.env"
    fi
    [[ -f "$GOLDEN/$name.stdin" ]] && stdin="$GOLDEN/$name.stdin"
    if [[ "$runner" == grantix ]]; then
        for line in RUST_LOG RUST_BACKTRACE; do
            [[ -n "${!line:-}" ]] && passenv+=("$line=${!line}")
        done
    fi
    want="$(tr -d '[:space:]' < "$GOLDEN/$name.status")"

    mkdir -p "$out"
    set +e
    timeout -k 5 "$TIMEOUT" env -i PATH=/usr/bin:/bin HOME=/ "${passenv[@]}" "${envs[@]}" \
        "$@" "$bin" "${args[@]}" < "$stdin" > "$out/$name.stdout" 2> "$out/$name.stderr"
    status=$?
    set -e

    if (( status == 124 )); then
        why="timed out after ${TIMEOUT}s"
    elif [[ "$status" != "$want" ]]; then
        why="exit status $status, expected $want"
    fi
    if ! cmp -s "$GOLDEN/$name.stdout" "$out/$name.stdout"; then
        why="${why:+$why; }stdout differs"
    fi
    if [[ -z "$why" ]]; then
        row "$name" "$libc" "$runner" ok "status $status"
        passed=$((passed + 1))
    else
        row "$name" "$libc" "$runner" FAIL "$why"
        failed=$((failed + 1))
        details+=("$(
            echo "--- $runner/$libc/$name: $why"
            diff -u --label "expected $name.stdout" --label "got $name.stdout" \
                "$GOLDEN/$name.stdout" "$out/$name.stdout" | head -n 30
            if [[ -s "$out/$name.stderr" ]]; then
                echo "stderr (last 10 lines):"
                tail -n 10 "$out/$name.stderr"
            fi
        )")
    fi
}

GRANTIX_CMD=()
if [[ -n "${GRANTIX:-}" ]]; then
    read -r -a GRANTIX_CMD <<< "$GRANTIX"
    # env -i clears PATH, so resolve a bare command name now.
    if [[ "${GRANTIX_CMD[0]}" != */* ]]; then
        GRANTIX_CMD[0]="$(command -v "${GRANTIX_CMD[0]}")" \
            || { echo "compare-qemu: error: GRANTIX command not found: $GRANTIX" >&2; exit 1; }
    fi
fi

row GUEST LIBC RUNNER RESULT DETAIL
while read -r name libc; do
    if [[ -n "$QEMU" ]]; then
        run_guest qemu "$name" "$libc" "$QEMU"
    fi
    # ==================== GRANTIX (only when $GRANTIX is set) ====================
    # Same inputs, same golden files, as `$GRANTIX BINARY ARGS...`.
    if (( ${#GRANTIX_CMD[@]} > 0 )); then
        run_guest grantix "$name" "$libc" "${GRANTIX_CMD[@]}"
    fi
    # ============================================================================
done < <(expected)

if (( ${#details[@]} > 0 )); then
    echo
    printf '%s\n\n' "${details[@]}"
fi
echo "$passed passed, $failed failed"
(( failed == 0 ))
