#!/usr/bin/env bash
# Regenerates what is written from the syscall table: README.md's table (`grantix
# syscalls`) and the sysroot's services.h. tests/readme.rs and sysroot's headers test
# fail when either disagrees with the code.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build --profile ci --quiet
table="$("${CARGO_TARGET_DIR:-target}"/ci/grantix syscalls)"
python3 - "$table" <<'PY'
import sys, re
table = sys.argv[1]
s = open("README.md").read()
begin, end = "<!-- syscalls:begin -->", "<!-- syscalls:end -->"
i, j = s.index(begin) + len(begin), s.index(end)
open("README.md", "w").write(s[:i] + "\n" + table.rstrip("\n") + "\n" + s[j:])
PY
echo "README.md syscall table updated"
GRANTIX_BLESS=1 cargo test --profile ci --quiet -p sysroot --test headers >/dev/null
echo "sysroot/include/grantix/services.h updated"
