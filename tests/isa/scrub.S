# scrub.S: what a portal callee sees, and what its caller gets back.
#
# Harness set-up: a0 = a portal at `probe` in a second pair of spaces (server CODE
# and DATA) that this DATA space holds a C grant over.
# For both an own-space portal (made here with gx.portal) and the cross-space one:
# the caller fills every register with a marker and sets fcsr, then calls `probe`,
# which records which registers it saw non-zero (x in a0, f in a1, fcsr != 0 in
# a1 bit 32). Only a0..a7 and sp may be non-zero. After the return the caller checks
# that ra, sp, gp, tp, s0..s11, fs0..fs11 and fcsr are restored, a0/a1 carry the
# results, rd = 0, and every other register is zero. Then it dumps its registers
# (the test checks them too) and exits 0 with "scrub ok".
    .include "gx.inc"
    .text
    .globl _start
_start:
    image_header
    .dword probe            # table[0]

# Fill every register but sp (and t0, which holds the portal) with a marker
# 0x5c00 + register number; f registers get 0x7ff0_0000_0000_5d00 + number (NaNs
# whose payload names the register).
.macro fill_markers
    li ra, 0x5c01
    li gp, 0x5c03
    li tp, 0x5c04
    .irp r, 6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    li x\r, 0x5c00 + \r
    .endr
    .irp r, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    li t1, 0x7ff0000000005d00 + \r
    fmv.d.x f\r, t1
    .endr
    li t1, 0x7f     # frm = RUP (3), every flag set
    csrw fcsr, t1
    li t1, 0x5c06
.endm

# After the return: rd (t0) = 0, results in a0/a1, callee-saved state restored,
# all other registers zero. Check numbers start at \base.
.macro check_after base
    bnez t6, 8888f
    .irp r, 5,6,7,12,13,14,15,16,17,28,29,30
    check_imm x\r, 0, \base + 1
    .endr
    check_imm a0, 0x3fc04, \base + 2  # the probe saw sp and a0..a7 only
    check_imm a1, 0, \base + 3        # no f register, fcsr = 0
    check_imm ra, 0x5c01, \base + 4
    check_imm gp, 0x5c03, \base + 5
    check_imm tp, 0x5c04, \base + 6
    .irp r, 8,9,18,19,20,21,22,23,24,25,26,27
    check_imm x\r, 0x5c00 + \r, \base + 7
    .endr
    ld t1, 16(sp)                     # main parked sp's value there
    check_eq sp, t1, \base + 8
    .irp r, 8,9,18,19,20,21,22,23,24,25,26,27
    fmv.x.d t1, f\r
    check_imm t1, 0x7ff0000000005d00 + \r, \base + 9
    .endr
    .irp r, 0,1,2,3,4,5,6,7,10,11,12,13,14,15,16,17,28,29,30,31
    fmv.x.d t1, f\r
    check_imm t1, 0, \base + 10
    .endr
    csrr t1, fcsr
    check_imm t1, 0x7f, \base + 11
    j 8887f
8888:
    li a0, \base
    j fail
8887:
.endm

main:
    # Keep the cross portal and sp where the markers do not go: sp is not filled,
    # and the portal id is parked on the stack.
    addi sp, sp, -32
    sd a0, 0(sp)
    sd sp, 16(sp)
    la t0, probe
    gx.portal t0, t0
    blez t0, bad
    sd t0, 8(sp)

    # 1. An own-space portal.
    ld t0, 8(sp)
    fill_markers
    gx.pcall t0, t0
    check_after 10

    # 2. The cross-space portal.
    ld t0, 0(sp)
    fill_markers
    gx.pcall t0, t0
    check_after 30

    # Let the test look at the whole register file after a call too.
    ld t0, 0(sp)
    fill_markers
    gx.pcall t0, t0
    li a7, SYS_DUMP
    ecall

    say msg_ok, 9
    exit_imm 0
bad:
    exit_imm 1

    fail_routine

# The callee: store every register below sp, then build masks from the stores.
probe:
    .irp r, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd x\r, -8*\r(sp)
    .endr
    .irp r, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    fsd f\r, -256-8*\r(sp)
    .endr
    csrr t0, fcsr
    sd t0, -520(sp)
    li a0, 0            # x mask
    li t1, 1            # register number
    addi t2, sp, -8     # its slot
1:  ld t3, 0(t2)
    beqz t3, 2f
    li t4, 1
    sll t4, t4, t1
    or a0, a0, t4
2:  addi t1, t1, 1
    addi t2, t2, -8
    li t5, 32
    blt t1, t5, 1b
    li a1, 0            # f mask
    li t1, 0
    addi t2, sp, -256
3:  ld t3, 0(t2)
    beqz t3, 4f
    li t4, 1
    sll t4, t4, t1
    or a1, a1, t4
4:  addi t1, t1, 1
    addi t2, t2, -8
    li t5, 32
    blt t1, t5, 3b
    ld t3, -520(sp)
    beqz t3, 5f
    li t4, 1
    slli t4, t4, 32
    or a1, a1, t4
5:  gx.pret

    .section .rodata
msg_ok: .ascii "scrub ok\n"
