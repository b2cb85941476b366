#!/usr/bin/env bash
# build-guests.sh [OUTDIR] — cross-compile the guest test programs for riscv64.
#
# Why: grantix runs statically linked riscv64 Linux programs; these small
# programs (tests/guest/) are its end-to-end test inputs. Each C program is
# built twice, against two very different libcs, because they use the kernel
# interface differently (startup, TLS, stdio, malloc, exit paths):
#   tests/guest/NAME.c  -> OUTDIR/glibc/NAME  (riscv64-linux-gnu-gcc -static)
#                       -> OUTDIR/musl/NAME   (same gcc, musl from Debian sid)
#   tests/guest/NAME.cc -> OUTDIR/glibc/NAME  only. C++ with musl would need a
#                          libstdc++ built against musl, which Debian does not
#                          ship for riscv64 (its g++ cross packages only carry
#                          a glibc libstdc++), so C++ guests are glibc-only.
# OUTDIR defaults to build/guests (relative paths are relative to the cwd).
#
# Per-program flags: a first line `// build: -pthread -lm` in the source adds
# those flags to both builds (for musl, -lm/-lpthread/-lrt are harmless: they
# resolve to musl's empty stub archives; everything lives in libc.a).
#
# musl linking (details in sysroot/musl-notes.md): the cross gcc is used with
# -nostdinc -nostdlib, musl's headers, gcc's own include dir, and an explicit
# crt1.o crti.o crtbeginT.o ... libc.a libgcc.a libgcc_eh.a crtend.o crtn.o.
# Debian sid's musl crt*.o carry DWARF5 debug info with R_RISCV_SET_ULEB128 /
# SUB_ULEB128 relocations that bookworm's binutils 2.40 ld segfaults on, so
# the musl objects and archives are first copied debug-stripped into
# build/musl-sysroot/lib (include -> the unpacked musl headers).
#
# Incremental: a binary is rebuilt only if it is missing, or older than its
# source, this script, or (for musl) the musl libc.a. Prints one line per
# program built and a summary; prints nothing when everything is up to date.
# Exits non-zero, naming the file, if any source fails to compile.
set -euo pipefail

SELF="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
REPO="$(cd "$(dirname "$SELF")/.." && pwd)"
SRCDIR="$REPO/tests/guest"
OUTDIR="${1:-$REPO/build/guests}"
DEBROOT="$REPO/build/debian-riscv64/root"
FETCH_STAMP="$REPO/build/debian-riscv64/.unpacked"
MUSL_SYSROOT="$REPO/build/musl-sysroot"

CC=riscv64-linux-gnu-gcc
CXX=riscv64-linux-gnu-g++
STRIP=riscv64-linux-gnu-strip

die() { echo "build-guests: error: $*" >&2; exit 1; }

command -v "$CC" >/dev/null || die "$CC not found (run scripts/setup.sh)"

shopt -s nullglob
c_srcs=("$SRCDIR"/*.c)
cc_srcs=("$SRCDIR"/*.cc)
shopt -u nullglob
(( ${#c_srcs[@]} + ${#cc_srcs[@]} > 0 )) || die "no sources in $SRCDIR"
if (( ${#cc_srcs[@]} > 0 )); then
    command -v "$CXX" >/dev/null || die "$CXX not found (run scripts/setup.sh)"
fi

# Two sources with the same NAME would build the same output file.
dups="$(for s in "${c_srcs[@]}" "${cc_srcs[@]}"; do b="${s##*/}"; echo "${b%.*}"; done | sort | uniq -d)"
[[ -z "$dups" ]] || die "several sources build the same program: $dups"

# ---------------------------------------------------------------- musl setup
MUSL_DEB_LIB="$DEBROOT/usr/lib/riscv64-linux-musl"
MUSL_DEB_INC="$DEBROOT/usr/include/riscv64-linux-musl"
if (( ${#c_srcs[@]} > 0 )); then
    if [[ ! -f "$MUSL_DEB_LIB/libc.a" ]]; then
        "$REPO/scripts/fetch-riscv-debs.sh" </dev/null \
            || die "musl is not available (scripts/fetch-riscv-debs.sh failed)"
    fi
    [[ -f "$MUSL_DEB_LIB/libc.a" && -d "$MUSL_DEB_INC" ]] \
        || die "musl-dev not found under $DEBROOT (run scripts/fetch-riscv-debs.sh)"
    command -v "$STRIP" >/dev/null || die "$STRIP not found (run scripts/setup.sh)"

    # Debug-stripped copies of musl's startup objects and archives.
    mkdir -p "$MUSL_SYSROOT/lib"
    for f in "$MUSL_DEB_LIB"/*.o "$MUSL_DEB_LIB"/*.a; do
        dst="$MUSL_SYSROOT/lib/${f##*/}"
        # (the fetch stamp is rewritten on every fetch; package mtimes may be older)
        if [[ ! -e "$dst" || "$f" -nt "$dst" || "$SELF" -nt "$dst" || "$FETCH_STAMP" -nt "$dst" ]]; then
            "$STRIP" --strip-debug -o "$dst.tmp" "$f"
            mv -f "$dst.tmp" "$dst"
        fi
    done
    ln -sfn "$MUSL_DEB_INC" "$MUSL_SYSROOT/include"
fi
ML="$MUSL_SYSROOT/lib"
GCC_INC="$("$CC" -print-file-name=include)"
CRTBEGIN="$("$CC" -print-file-name=crtbeginT.o)"
CRTEND="$("$CC" -print-file-name=crtend.o)"
LIBGCC="$("$CC" -print-libgcc-file-name)"
LIBGCC_EH="$("$CC" -print-file-name=libgcc_eh.a)"

# ------------------------------------------------------------------ helpers
# extra_flags FILE: words after "build:" on a first line "// build: ..."
extra_flags() {
    local first
    IFS= read -r first < "$1" || true
    if [[ "$first" =~ ^[[:space:]]*//[[:space:]]*build:(.*)$ ]]; then
        echo "${BASH_REMATCH[1]}"
    fi
}

needs_build() { # OUT SRC [DEP...]
    local out="$1" dep
    shift
    [[ -e "$out" ]] || return 0
    for dep in "$@" "$SELF"; do
        [[ "$dep" -nt "$out" ]] && return 0
    done
    return 1
}

built=0; uptodate=0; failed=()
n_glibc=0; n_musl=0

build_one() { # LIBC OUT SRC command...
    local libc="$1" out="$2" src="$3"
    shift 3
    mkdir -p "${out%/*}"
    rm -f "$out.tmp"
    if "$@" -o "$out.tmp"; then
        mv -f "$out.tmp" "$out"
        printf '  %-5s %-6s %s\n' "${libc}" "${src##*.}" "${out#"$OUTDIR"/}"
        built=$((built + 1))
        [[ $libc == glibc ]] && n_glibc=$((n_glibc + 1)) || n_musl=$((n_musl + 1))
    else
        rm -f "$out.tmp"
        echo "build-guests: error: failed to compile ${src#"$REPO"/} ($libc)" >&2
        failed+=("${src#"$REPO"/} ($libc)")
    fi
}

# ------------------------------------------------------------------- builds
for src in "${c_srcs[@]}"; do
    name="${src##*/}"; name="${name%.c}"
    read -r -a extra <<< "$(extra_flags "$src")"

    out="$OUTDIR/glibc/$name"
    if needs_build "$out" "$src"; then
        build_one glibc "$out" "$src" \
            "$CC" -static -O2 -g0 "$src" "${extra[@]}"
    else
        uptodate=$((uptodate + 1))
    fi

    out="$OUTDIR/musl/$name"
    if needs_build "$out" "$src" "$ML/libc.a"; then
        build_one musl "$out" "$src" \
            "$CC" -static -O2 -g0 -nostdinc -nostdlib \
            -isystem "$MUSL_SYSROOT/include" -isystem "$GCC_INC" \
            "$ML/crt1.o" "$ML/crti.o" "$CRTBEGIN" \
            "$src" -L"$ML" "${extra[@]}" \
            -Wl,--start-group "$ML/libc.a" "$LIBGCC" "$LIBGCC_EH" -Wl,--end-group \
            "$CRTEND" "$ML/crtn.o"
    else
        uptodate=$((uptodate + 1))
    fi
done

for src in "${cc_srcs[@]}"; do
    name="${src##*/}"; name="${name%.cc}"
    read -r -a extra <<< "$(extra_flags "$src")"
    out="$OUTDIR/glibc/$name"
    if needs_build "$out" "$src"; then
        build_one glibc "$out" "$src" "$CXX" -static -O2 "$src" "${extra[@]}"
    else
        uptodate=$((uptodate + 1))
    fi
done

if (( built > 0 || ${#failed[@]} > 0 )); then
    echo "build-guests: built $built (glibc $n_glibc, musl $n_musl), $uptodate up to date, ${#failed[@]} failed -> $OUTDIR"
fi
if (( ${#failed[@]} > 0 )); then
    printf 'build-guests: error: failed to compile: %s\n' "${failed[@]}" >&2
    exit 1
fi
