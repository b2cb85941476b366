#!/usr/bin/env bash
# build-sysroot.sh [OUTDIR] — builds the grantix sysroot from the repo with
# riscv64-linux-gnu-gcc (glibc, static):
#   OUTDIR/include/grantix/*.h   (copied from sysroot/include)
#   OUTDIR/lib/libgx.a           native library (sysroot/lib/libgx.c)
#   OUTDIR/lib/libgxshim.a       the ported libc shim (sysroot/lib/shim.c)
#   OUTDIR/examples/*            sysroot/examples, shimdemo twice: plain and -shim
#   OUTDIR/musl/lib/*.a, examples/shimdemo-musl{,-shim}   when build/musl-sysroot exists
# OUTDIR defaults to build/sysroot. Always rebuilds (a few seconds).
# Link a program with the shim: gcc -static prog.c -I OUTDIR/include
#   -Wl,--wrap=read,--wrap=write,... OUTDIR/lib/libgxshim.a OUTDIR/lib/libgx.a
# (the wrap list is $WRAP below; see docs/PORTING.md, also for musl).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-$REPO/build/sysroot}"
CC=${CC:-riscv64-linux-gnu-gcc}
AR=${AR:-riscv64-linux-gnu-ar}
command -v "$CC" >/dev/null || { echo "build-sysroot: $CC not found" >&2; exit 1; }

SYMS=(read write open openat close lseek fstat mmap munmap clock_gettime getpid)
WRAP="$(printf -- '-Wl,--wrap=%s ' "${SYMS[@]}")"
CFLAGS=(-O2 -g0 -Wall -Werror -I "$OUT/include")

mkdir -p "$OUT/lib" "$OUT/examples" "$OUT/obj"
rm -rf "$OUT/include"
cp -r "$REPO/sysroot/include" "$OUT/include"

"$CC" "${CFLAGS[@]}" -c "$REPO/sysroot/lib/libgx.c" -o "$OUT/obj/libgx.o"
"$CC" "${CFLAGS[@]}" -c "$REPO/sysroot/lib/shim.c" -o "$OUT/obj/shim.o"
rm -f "$OUT/lib/libgx.a" "$OUT/lib/libgxshim.a"
"$AR" rcs "$OUT/lib/libgx.a" "$OUT/obj/libgx.o"
"$AR" rcs "$OUT/lib/libgxshim.a" "$OUT/obj/shim.o"

EX="$REPO/sysroot/examples"
LIBS=("$OUT/lib/libgx.a")
"$CC" -static "${CFLAGS[@]}" "$EX/shimdemo.c" -o "$OUT/examples/shimdemo"
# shellcheck disable=SC2086
"$CC" -static "${CFLAGS[@]}" "$EX/shimdemo.c" $WRAP "$OUT/lib/libgxshim.a" "${LIBS[@]}" -o "$OUT/examples/shimdemo-shim"
"$CC" -static "${CFLAGS[@]}" "$EX/server.c" "${LIBS[@]}" -o "$OUT/examples/server"
"$CC" -static "${CFLAGS[@]}" "$EX/forge.c" "${LIBS[@]}" -o "$OUT/examples/forge"
"$CC" -static "${CFLAGS[@]}" "$EX/gxbench.c" "${LIBS[@]}" -o "$OUT/examples/gxbench"
"$CC" -static "${CFLAGS[@]}" "$EX/sharemem.c" "${LIBS[@]}" -o "$OUT/examples/sharemem"
# musl (when scripts/build-guests.sh has prepared build/musl-sysroot, see
# sysroot/musl-notes.md): the same libraries compiled against musl's headers in
# OUT/musl/lib, and shimdemo twice (-musl, -musl-shim).
M="$REPO/build/musl-sysroot"
if [[ -f "$M/lib/libc.a" && -f "$M/lib/crt1.o" ]]; then
    MCFLAGS=(-O2 -g0 -Wall -Werror -nostdinc -isystem "$M/include" -isystem "$("$CC" -print-file-name=include)" -I "$OUT/include")
    mkdir -p "$OUT/musl/lib" "$OUT/musl/obj"
    "$CC" "${MCFLAGS[@]}" -c "$REPO/sysroot/lib/libgx.c" -o "$OUT/musl/obj/libgx.o"
    "$CC" "${MCFLAGS[@]}" -c "$REPO/sysroot/lib/shim.c" -o "$OUT/musl/obj/shim.o"
    rm -f "$OUT/musl/lib/libgx.a" "$OUT/musl/lib/libgxshim.a"
    "$AR" rcs "$OUT/musl/lib/libgx.a" "$OUT/musl/obj/libgx.o"
    "$AR" rcs "$OUT/musl/lib/libgxshim.a" "$OUT/musl/obj/shim.o"
    musl_link() { # OUTPUT EXTRA...
        local out="$1"; shift
        "$CC" -static "${MCFLAGS[@]}" -nostdlib "$M/lib/crt1.o" "$M/lib/crti.o" "$("$CC" -print-file-name=crtbeginT.o)" \
            "$EX/shimdemo.c" "$@" -L"$M/lib" \
            -Wl,--start-group "$M/lib/libc.a" "$("$CC" -print-libgcc-file-name)" "$("$CC" -print-file-name=libgcc_eh.a)" -Wl,--end-group \
            "$("$CC" -print-file-name=crtend.o)" "$M/lib/crtn.o" -o "$out"
    }
    musl_link "$OUT/examples/shimdemo-musl"
    # shellcheck disable=SC2086
    musl_link "$OUT/examples/shimdemo-musl-shim" $WRAP "$OUT/musl/lib/libgxshim.a" "$OUT/musl/lib/libgx.a"
    echo "build-sysroot: musl: shimdemo-musl shimdemo-musl-shim"
fi
echo "build-sysroot: $OUT (libgx.a libgxshim.a, examples: shimdemo shimdemo-shim server sharemem forge gxbench)"
