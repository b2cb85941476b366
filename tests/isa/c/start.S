# start.S: entry of the C guest programs (tests/isa/diff, tests/isa/bench).
#
# Linked first, at 0x10000, so the same program runs as a static Linux ELF (under
# qemu-riscv64) and as a flat image on the machine's flat harness. No libc: main's
# return value is the exit status.
    .file "start.S"     # not the assembler's temporary name: reproducible ELFs
    .text
    .globl _start
_start:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    andi sp, sp, -16
    call main
    li a7, 93
    ecall
1:  j 1b
