#!/usr/bin/env bash
# build.sh — regenerate the committed guest images of the machine tests.
#
#   tests/isa/NAME.S          -> tests/isa/bin/NAME.bin   (flat image, linked at 0x10000)
#   tests/isa/diff/NAME.c     -> tests/isa/bin/NAME.elf   (static Linux ELF, no libc)
#                             -> tests/isa/bin/NAME.bin   (the same program, flat)
#   tests/isa/bench/NAME.c    -> the same, for the MIPS benchmark
#   tests/isa/diff/golden/NAME.out: the diff programs' output under qemu-riscv64
#                                   (only with --golden, and only if qemu exists)
#
# With --check, builds into a temporary directory instead and compares the result with
# the committed binaries: exit status 1 and the names of the stale ones if any differ
# (machine/tests/flat.rs runs this when the cross compiler is installed).
#
# The tests use the committed binaries, so they do not need the cross tools; run
# this after editing a guest program and commit what it changes. Needs
# riscv64-linux-gnu-gcc and -objcopy (Debian: gcc-riscv64-linux-gnu).
#
# Flat images: _start is the first instruction of .text at 0x10000; the harness maps
# the image RX in the CODE space and read-only into the DATA space, so programs
# keep their writable data on the stack (the build refuses .data/.bss).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="$HERE/bin"
CC=riscv64-linux-gnu-gcc
OBJCOPY=riscv64-linux-gnu-objcopy
GOLDEN=0
CHECK=0
[[ "${1:-}" == "--golden" ]] && GOLDEN=1
[[ "${1:-}" == "--check" ]] && CHECK=1

command -v "$CC" >/dev/null || { echo "build.sh: $CC not found" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
if [[ $CHECK == 1 ]]; then
    OUT="$tmp/out"
fi
mkdir -p "$OUT"

LDFLAGS=(-nostdlib -static -Wl,-Ttext=0x10000 -Wl,--build-id=none -Wl,-z,norelro)
CFLAGS=(-march=rv64gc -mabi=lp64d -O2 -ffreestanding -fno-builtin -fno-pic -fno-pie -no-pie
        -mcmodel=medany -msmall-data-limit=0 -fno-stack-protector -fno-asynchronous-unwind-tables -fno-unwind-tables
        -fno-jump-tables -fno-reorder-functions -fno-reorder-blocks-and-partition -Wall -Wextra -Werror -I"$HERE/c")

# No writable section may have a size: DATA maps the image read-only.
check_ro() {
    local elf="$1"
    if riscv64-linux-gnu-size -A "$elf" | awk '$1 ~ /^\.(s?data|s?bss|tdata|tbss|got)/ && $2 > 0 { bad = 1 } END { exit !bad }'; then
        echo "build.sh: $elf has writable data; flat images must keep it on the stack" >&2
        exit 1
    fi
}

flat() {
    local elf="$1" bin="$2" start
    check_ro "$elf"
    start="$(riscv64-linux-gnu-nm "$elf" | awk '$3 == "_start" { print $1 }')"
    if [[ "$start" != 0000000000010000 ]]; then
        echo "build.sh: $elf: _start is at 0x$start, not at 0x10000" >&2
        exit 1
    fi
    "$OBJCOPY" -O binary -j .text -j .rodata -j .srodata "$elf" "$bin"
    chmod 644 "$bin"
}

for src in "$HERE"/*.S; do
    name="$(basename "${src%.S}")"
    "$CC" -march=rv64gc -mabi=lp64d -fno-pic -no-pie -I"$HERE" "${LDFLAGS[@]}" -o "$tmp/$name.elf" "$src"
    flat "$tmp/$name.elf" "$OUT/$name.bin"
    [[ $CHECK == 1 ]] || echo "built bin/$name.bin ($(stat -c %s "$OUT/$name.bin") bytes)"
done

for src in "$HERE"/diff/*.c "$HERE"/bench/*.c; do
    [[ -e "$src" ]] || continue
    name="$(basename "${src%.c}")"
    "$CC" "${CFLAGS[@]}" "${LDFLAGS[@]}" -o "$OUT/$name.elf" "$HERE/c/start.S" "$HERE/c/rt.c" "$src" -lgcc
    flat "$OUT/$name.elf" "$OUT/$name.bin"
    [[ $CHECK == 1 ]] || echo "built bin/$name.elf, bin/$name.bin ($(stat -c %s "$OUT/$name.bin") bytes)"
    if [[ $GOLDEN == 1 && "$src" == */diff/* ]]; then
        if command -v qemu-riscv64 >/dev/null; then
            qemu-riscv64 "$OUT/$name.elf" > "$HERE/diff/golden/$name.out"
            echo "golden diff/golden/$name.out ($(wc -l < "$HERE/diff/golden/$name.out") lines)"
        else
            echo "build.sh: --golden needs qemu-riscv64" >&2
            exit 1
        fi
    fi
done

if [[ $CHECK == 1 ]]; then
    stale=0
    for f in "$OUT"/*; do
        name="$(basename "$f")"
        if ! cmp -s "$f" "$HERE/bin/$name"; then
            echo "build.sh: bin/$name is stale (run tests/isa/build.sh and commit the result)" >&2
            stale=1
        fi
    done
    exit $stale
fi
