#!/usr/bin/env bash
# Regenerates the syscall table in README.md from the dispatcher (`grantix syscalls`).
# tests/readme.rs fails when the README and the code disagree.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build --release --quiet
table="$(target/release/grantix syscalls)"
python3 - "$table" <<'PY'
import sys, re
table = sys.argv[1]
s = open("README.md").read()
begin, end = "<!-- syscalls:begin -->", "<!-- syscalls:end -->"
i, j = s.index(begin) + len(begin), s.index(end)
open("README.md", "w").write(s[:i] + "\n" + table.rstrip("\n") + "\n" + s[j:])
PY
echo "README.md syscall table updated"
