# fault_in_portal.S: faults inside a portal call are contained at its frame.
#
# Harness set-up: a0 = a portal at `server` in a second pair of spaces whose DATA has
# no fault portal; this DATA space holds a C grant over it.
# For each way the server can fault, the caller sees rd = -EIO (-5), a0 = a1 = 0,
# and its own callee-saved registers and sp intact; afterwards the server still
# answers normal calls. Exit 0 with "fault ok", else the failed check's number.
    .include "gx.inc"
    .text
    .globl _start
_start:
    image_header
    .dword server           # table[0]

# Call op \op and expect the callee to fault. Check numbers 10*op + 1..6.
.macro faulting op
    li s2, 0x5200 + \op
    li s9, 0x5900 + \op
    li a0, \op
    csrr a1, CSR_GX_DATA
    li t1, 0x55
    gx.pcall t1, s0
    check_imm t1, EIO, 10*\op + 1
    check_imm a0, 0, 10*\op + 2
    check_imm a1, 0, 10*\op + 3
    check_imm s2, 0x5200 + \op, 10*\op + 4
    check_imm s9, 0x5900 + \op, 10*\op + 5
    ld t0, 0(sp)
    check_eq t0, sp, 10*\op + 6
.endm

main:
    mv s0, a0
    addi sp, sp, -16
    sd sp, 0(sp)
    faulting 1      # wild load
    faulting 2      # store to its own read-only code
    faulting 3      # illegal instruction
    faulting 4      # ebreak
    faulting 5      # jump to an unmapped pc
    faulting 6      # misaligned AMO
    faulting 7      # load from our DATA without a grant
    faulting 8      # runs off the bottom of its stacklet
    faulting 9      # gx.pret... after corrupting nothing: csrw to a read-only CSR
    # The server still works.
    li a0, 0
    li t1, 0x55
    gx.pcall t1, s0
    check_imm t1, 0, 100
    check_imm a0, 7, 101
    say msg_ok, 9
    exit_imm 0

    fail_routine

server:
    li t0, 1
    beq a0, t0, 1f
    li t0, 2
    beq a0, t0, 2f
    li t0, 3
    beq a0, t0, 3f
    li t0, 4
    beq a0, t0, 4f
    li t0, 5
    beq a0, t0, 5f
    li t0, 6
    beq a0, t0, 6f
    li t0, 7
    beq a0, t0, 7f
    li t0, 8
    beq a0, t0, 8f
    li t0, 9
    beq a0, t0, 9f
    li a0, 7
    li a1, 0
    gx.pret
1:  li t0, 0x555500000000
    ld t1, 0(t0)
    gx.pret
2:  la t0, server
    sd zero, 0(t0)
    gx.pret
3:  .word 0xffffffff
    gx.pret
4:  ebreak
    gx.pret
5:  li t0, 0x12340000
    jr t0
6:  addi t0, sp, -13
    li t2, 1
    amoadd.d t1, t2, (t0)
    gx.pret
7:  slli t0, a1, 48
    li t1, 0x10000
    or t0, t0, t1
    ld t1, 0(t0)        # our image is mapped in the caller's DATA, but we hold no grant
    gx.pret
8:  addi sp, sp, -2048  # 16 pages of stacklet, then nothing
    sd zero, 0(sp)
    j 8b
9:  csrw cycle, zero
    gx.pret

    .section .rodata
msg_ok: .ascii "fault ok\n"
