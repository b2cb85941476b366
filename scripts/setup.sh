#!/usr/bin/env bash
# setup.sh — install what building and checking the riscv64 guest programs needs.
#
# Why: the guests in tests/guest/ are cross-compiled (scripts/build-guests.sh)
# and checked against qemu (scripts/compare-qemu.sh); a fresh machine (a new
# developer box, CI) has only Rust, gcc and Debian's apt. This installs, only
# if missing:
#   gcc-riscv64-linux-gnu g++-riscv64-linux-gnu   required (cross gcc + glibc)
#   qemu-user                                     optional: reference runner for
#                                                 the tests; a failed install
#                                                 only warns
#   gdb-multiarch                                 required: drives the gdb stub
#                                                 test (tests/gdb.rs)
# `apt-get update` runs once, and only when something has to be installed.
# Then it runs scripts/fetch-riscv-debs.sh (musl, busybox-static from Debian
# sid riscv64, unpacked under build/; no host install).
# Idempotent and silent when everything is already there; needs no stdin.
# Needs root (or passwordless sudo) only when something must be installed.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DEBIAN_FRONTEND=noninteractive

warn() { echo "setup: warning: $*" >&2; }
die() { echo "setup: error: $*" >&2; exit 1; }

SUDO=()
if [[ $EUID -ne 0 ]]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        SUDO=(sudo -n env DEBIAN_FRONTEND=noninteractive)
    fi
fi

# Wait (up to 10 min) for another apt/dpkg run to release its locks instead
# of failing; never prompt; keep host config untouched otherwise.
APT=("${SUDO[@]}" apt-get -q -y -o DPkg::Lock::Timeout=600
     -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)

updated=0
apt_install() { # PKG...
    if [[ $EUID -ne 0 && ${#SUDO[@]} -eq 0 ]]; then
        echo "setup: need root to install: $* (run: sudo apt-get install $*)" >&2
        return 1
    fi
    local log
    log="$(mktemp)"
    if (( ! updated )); then
        echo "setup: apt-get update"
        if ! "${APT[@]}" update </dev/null >"$log" 2>&1; then
            cat "$log" >&2; rm -f "$log"; return 1
        fi
        updated=1
    fi
    echo "setup: apt-get install $*"
    if ! "${APT[@]}" install --no-install-recommends "$@" </dev/null >"$log" 2>&1; then
        tail -n 30 "$log" >&2; rm -f "$log"; return 1
    fi
    rm -f "$log"
}

# Required: the cross compilers.
if ! command -v riscv64-linux-gnu-gcc >/dev/null || ! command -v riscv64-linux-gnu-g++ >/dev/null; then
    apt_install gcc-riscv64-linux-gnu g++-riscv64-linux-gnu \
        || die "could not install gcc-riscv64-linux-gnu g++-riscv64-linux-gnu"
    command -v riscv64-linux-gnu-gcc >/dev/null || die "riscv64-linux-gnu-gcc still missing after install"
fi

# Required: cmake, which the build script of the c99 crate (under softfloat-sys, the
# machine's IEEE-754 unit) runs.
if ! command -v cmake >/dev/null; then
    apt_install cmake || die "could not install cmake (needed to build softfloat-sys)"
fi

# Optional: qemu-user, the reference runner for scripts/compare-qemu.sh.
if ! command -v qemu-riscv64 >/dev/null; then
    apt_install qemu-user \
        || warn "could not install qemu-user; scripts/compare-qemu.sh will skip the qemu runs"
fi

# Required: gdb-multiarch, the debugger tests/gdb.rs drives through `grantix -g`.
if ! command -v gdb-multiarch >/dev/null; then
    apt_install gdb-multiarch || die "could not install gdb-multiarch (tests/gdb.rs needs it)"
fi

"$REPO/scripts/fetch-riscv-debs.sh" </dev/null
