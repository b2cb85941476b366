#!/usr/bin/env bash
# campaign-parallel.sh — one fault campaign split into shards, run side by side with
# GNU parallel, then merged.
#
# Why: `grantix campaign --shard I/N` runs every Nth run of a campaign, so the same
# seed gives the same faults however the campaign is split; shards can run on one
# machine (this script) or on a cluster (docs/CAMPAIGNS.md shows a Slurm job array).
# `grantix campaign-merge` joins the shards' JSON lines and prints the summary.
#
# Usage: scripts/campaign-parallel.sh [-n RUNS] [-s SEED] [-k SHARDS] [-j JOBS]
#                                     [-o OUT.jsonl] -- WORKLOAD [ARGS...]
# Each shard runs with --jobs 1, GNU parallel keeps JOBS shards going at once
# (default: the host's cores). Prints the merged summary and the campaign's runs per
# second (wall clock, all shards).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GRANTIX="${GRANTIX:-$REPO/target/release/grantix}"
runs=1000 seed=1 shards=8 jobs="$(nproc)" out=campaign.jsonl
while getopts "n:s:k:j:o:" opt; do
    case "$opt" in
        n) runs="$OPTARG" ;; s) seed="$OPTARG" ;; k) shards="$OPTARG" ;;
        j) jobs="$OPTARG" ;; o) out="$OPTARG" ;;
        *) sed -n '2,16p' "$0"; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[[ "${1:-}" == "--" ]] && shift
(( $# > 0 )) || { echo "campaign-parallel: no workload given (… -- WORKLOAD ARGS)" >&2; exit 2; }
command -v parallel >/dev/null || { echo "campaign-parallel: GNU parallel not found (apt-get install parallel)" >&2; exit 2; }
[[ -x "$GRANTIX" ]] || { echo "campaign-parallel: $GRANTIX not built (cargo build --release)" >&2; exit 2; }

dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
start=$(date +%s.%N)
# --quiet per shard: the merge prints the one summary; parallel's --halt makes a
# failing shard fail the whole campaign instead of merging a partial result silently.
seq 0 $((shards - 1)) | parallel --halt now,fail=1 -j "$jobs" \
    "$GRANTIX" campaign --runs "$runs" --seed "$seed" --jobs 1 --shard "{}/$shards" \
    --out "$dir/shard-{}.jsonl" -- "$@" '>' "$dir/shard-{}.log" '2>&1'
end=$(date +%s.%N)
"$GRANTIX" campaign-merge --out "$out" "$dir"/shard-*.jsonl
awk -v r="$runs" -v a="$start" -v b="$end" -v k="$shards" -v j="$jobs" \
    'BEGIN { printf "campaign-parallel: %d runs in %d shards (%d at a time): %.1f s, %.2f runs/s\n", r, k, j, b - a, r / (b - a) }'
