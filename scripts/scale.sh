#!/usr/bin/env bash
# scale.sh [GUESTS_DIR] — how grantix scales with the number of guest objects, in both
# configurations, measured on this host (wall time and peak host RSS from
# /usr/bin/time), printed as Markdown tables (docs/results/scale.md keeps a run).
#
#   1. SCALE_SEQ (10000) sequential fork + exit + wait
#   2. live children: SCALE_LIVE (4000) forked children blocked on a pipe; host memory
#      per idle forked process = (peak RSS - peak RSS with no child) / children
#   3. the space table filled to a limit: `--machine` with [limits] spaces =
#      SCALE_SPACES (2000), forking until fork fails; the error must be EAGAIN
#   4. SCALE_THREADS (4000) live threads; SCALE_FILES (50000) open descriptors
#   5. out of memory: mem_hog touching 1024 MiB in a child under --mem 64M: the child
#      is killed (SIGKILL) or refused (ENOMEM), the parent goes on, host RSS stays small
#
# GUESTS_DIR (default build/guests) must hold musl/scale_fork and musl/mem_hog (built
# with scripts/build-guests.sh if missing). GRANTIX overrides the binary.
set -uo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GUESTS="${1:-$REPO/build/guests}"
GRANTIX="${GRANTIX:-$REPO/target/release/grantix}"
SEQ="${SCALE_SEQ:-10000}"
LIVE="${SCALE_LIVE:-4000}"
SPACES="${SCALE_SPACES:-2000}"
THREADS="${SCALE_THREADS:-4000}"
FILES="${SCALE_FILES:-50000}"
TMP="$(mktemp -d /tmp/grantix-scale.XXXXXX)"
trap 'rm -rf "$TMP"' EXIT

[[ -x "$GRANTIX" ]] || { echo "scale: $GRANTIX not found (cargo build --release)" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "scale: needs /usr/bin/time (Debian: time)" >&2; exit 2; }
if [[ ! -x "$GUESTS/musl/scale_fork" || ! -x "$GUESTS/musl/mem_hog" ]]; then
    bash "$REPO/scripts/build-guests.sh" "$GUESTS" >&2 || exit 2
fi
FORK="$GUESTS/musl/scale_fork"

# run CONFIG ARGS... -> sets OUT (stdout), ERR (stderr), WALL (s), RSS (KiB), STATUS
run() {
    local config=$1; shift
    /usr/bin/time -f "%e %M" -o "$TMP/time" "$GRANTIX" run --config "$config" "$@" > "$TMP/out" 2> "$TMP/err"
    STATUS=$?
    read -r WALL RSS < "$TMP/time"
    OUT="$(cat "$TMP/out")"
    ERR="$(cat "$TMP/err")"
}

echo "# grantix scale run: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM"
echo
echo "## 1. $SEQ sequential fork + exit + wait"
echo
echo "| config | result | wall s | µs per fork+exit+wait | peak RSS MiB |"
echo "|---|---|---:|---:|---:|"
for config in split monolithic; do
    run "$config" "$FORK" seq "$SEQ"
    printf '| %s | %s | %s | %.0f | %.1f |\n' "$config" "$OUT" "$WALL" "$(echo "$WALL * 1000000 / $SEQ" | bc -l)" "$(echo "$RSS / 1024" | bc -l)"
done

echo
echo "## 2. $LIVE live children (idle, blocked on a pipe)"
echo
echo "| config | result | wall s | peak RSS MiB | host KiB per idle child | fork cost, first → last 1000 (µs, guest clock) |"
echo "|---|---|---:|---:|---:|---|"
for config in split monolithic; do
    run "$config" "$FORK" live 0
    base=$RSS
    run "$config" "$FORK" live "$LIVE"
    first=$(grep -o 'last 1000 forks [0-9.]*' <<< "$ERR" | head -1 | awk '{print $4}')
    last=$(grep -o 'last 1000 forks [0-9.]*' <<< "$ERR" | tail -1 | awk '{print $4}')
    printf '| %s | %s | %s | %.1f | %.1f | %s → %s |\n' "$config" "$OUT" "$WALL" "$(echo "$RSS / 1024" | bc -l)" "$(echo "($RSS - $base) / $LIVE" | bc -l)" "${first:-?}" "${last:-?}"
done

echo
echo "## 3. The space table filled to its limit ($SPACES spaces)"
echo
printf '[limits]\nspaces = %s\n' "$SPACES" > "$TMP/limits.toml"
echo "| config | result | live children reached | wall s | objects now/peak/limit at the end |"
echo "|---|---|---:|---:|---|"
for config in split monolithic; do
    run "$config" --stats --machine "$TMP/limits.toml" "$FORK" live 1000000
    reached=$(grep -o '[0-9]* live children' <<< "$ERR" | awk '{print $1}')
    objects=$(grep -o 'spaces [0-9/]*' <<< "$ERR")
    printf '| %s | %s | %s | %s | %s |\n' "$config" "$OUT" "${reached:-?}" "$WALL" "$objects"
done

echo
echo "## 4. Threads and descriptors"
echo
echo "| config | run | result | wall s | peak RSS MiB |"
echo "|---|---|---|---:|---:|"
for config in split monolithic; do
    run "$config" "$FORK" threads "$THREADS"
    printf '| %s | %s threads | %s | %s | %.1f |\n' "$config" "$THREADS" "$OUT" "$WALL" "$(echo "$RSS / 1024" | bc -l)"
    run "$config" "$FORK" files "$FILES"
    printf '| %s | %s open files | %s | %s | %.1f |\n' "$config" "$FILES" "$OUT" "$WALL" "$(echo "$RSS / 1024" | bc -l)"
done

echo
echo "## 5. Out of memory (--mem 64M, a child touching 1024 MiB)"
echo
echo "| config | exit status | output | wall s | peak RSS MiB |"
echo "|---|---:|---|---:|---:|"
for config in split monolithic; do
    run "$config" --mem 64M "$GUESTS/musl/mem_hog" 1024
    printf '| %s | %s | %s | %s | %.1f |\n' "$config" "$STATUS" "$(tr '\n' ';' <<< "$OUT" | sed 's/;$//; s/;/; /g')" "$WALL" "$(echo "$RSS / 1024" | bc -l)"
done
