# hostcall.S: guest halves of the Rust-level protocol tests (machine/tests/host_protocol.rs).
#
# a0 selects the mode; the test supplies the rest:
#   1: ecall 2000 (the test's host code pcalls `add` with a0, a1) twice around
#      ecall 2001 (it pcalls `hang`); results in s0, s1, s2; dump; exit 0.
#   2: a1, a2 = portals into a host space: a1's entry panics, a2's returns 99.
#      gx.pcall a1 -> rd = -EIO; gx.pcall a2 -> rd = 0, a0 = 99; ecall 2002 (the
#      harness's own ecall handler panics) -> a0 = -EIO; exit 0.
#   3: a1 = a (qualified) pointer: forever { *a1 += 1; yield }.
#   4: a1 = a local pointer: forever { *a1 += a2; yield }.
#   5: a1 = base of a demand-zero region: reads and writes a few pages; exit 0.
    .include "gx.inc"
    .text
    .globl _start
_start:
    image_header
    .dword add              # table[0]
    .dword hang             # table[1]

main:
    li t0, 1
    beq a0, t0, mode1
    li t0, 2
    beq a0, t0, mode2
    li t0, 3
    beq a0, t0, mode3
    li t0, 4
    beq a0, t0, mode4
    li t0, 5
    beq a0, t0, mode5
    exit_imm 100

mode1:
    li a0, 5
    li a1, 6
    li a7, 2000
    ecall
    mv s0, a0
    li a7, 2001
    ecall
    mv s1, a0
    li a0, 7
    li a1, 8
    li a7, 2000
    ecall
    mv s2, a0
    li a7, SYS_DUMP
    ecall
    exit_imm 0

mode2:
    mv s0, a1
    mv s1, a2
    li t1, 0x55
    gx.pcall t1, s0
    check_imm t1, EIO, 1
    li t1, 0x55
    gx.pcall t1, s1
    check_imm t1, 0, 2
    check_imm a0, 99, 3
    li t1, 0x55             # and again: the panicking space still answers
    gx.pcall t1, s0
    check_imm t1, EIO, 4
    gx.pcall t1, s1
    check_imm t1, 0, 5
    li a0, 1234
    li a7, 2002
    ecall
    check_imm a0, EIO, 6
    exit_imm 0

mode3:
    ld t0, 0(a1)
    addi t0, t0, 1
    sd t0, 0(a1)
    li a7, SYS_YIELD
    ecall
    j mode3

mode4:
    ld t0, 0(a1)
    add t0, t0, a2
    sd t0, 0(a1)
    li a7, SYS_YIELD
    ecall
    j mode4

mode5:
    ld t0, 0(a1)
    check_imm t0, 0, 51
    li t1, 0x99
    sd t1, 0(a1)
    ld t0, 0(a1)
    check_imm t0, 0x99, 52
    li t2, 100*4096 + 8
    add t3, a1, t2
    sd t1, 0(t3)
    ld t0, 0(t3)
    check_imm t0, 0x99, 53
    li t2, 50*4096
    add t3, a1, t2
    ld t0, 0(t3)
    check_imm t0, 0, 54
    exit_imm 0

    fail_routine

# Portal entries called from host code.
add:
    add a0, a0, a1
    li a1, 0
    gx.pret
hang:
    j hang
