# portal.S: portals made and called from guest code.
#
# Harness set-up (machine/tests/flat.rs): a0 = portal into a second pair of spaces
# (server CODE/DATA) at `entry`, which this DATA space holds a C grant over;
# a1 = a portal into the same server at `entry_nogrant`, not covered by the grant;
# a2 = the server's DATA SID; a3 = the server's CODE SID.
# Exit status 0 and "portal ok" on success, else the number of the failed check.
    .include "gx.inc"
    .text
    .globl _start
_start:
    image_header
    .dword entry            # table[0]
    .dword entry_nogrant    # table[1]

main:
    mv s0, a0
    mv s1, a1
    mv s2, a2
    mv s3, a3
    csrr s5, CSR_GX_CODE
    csrr s6, CSR_GX_DATA
    beqz s5, 1f
    bne s5, s6, 2f
1:  exit_imm 100            # CODE and DATA must be distinct, live spaces
2:
    # 1. A portal into our own CODE, made by gx.portal, called with gx.pcall.
    la t0, entry
    gx.portal s4, t0
    blez s4, bad_portal
    li a0, 20
    li a1, 22
    li a2, 0
    li t1, 77
    gx.pcall t1, s4
    check_imm t1, 0, 2
    check_imm a0, 42, 3
    check_imm a1, 440, 4
    # The callee runs in the portal's environment: here our own CODE and DATA.
    li a2, 1
    gx.pcall t1, s4
    check_imm t1, 0, 5
    check_eq a0, s5, 6
    check_eq a1, s6, 7
    # A call into our own DATA is a re-entry: the callee's stack continues right below
    # ours (sp rounded down to 16), no stacklet.
    li a2, 2
    gx.pcall t1, s4
    check_imm t1, 0, 8
    andi t0, sp, -16
    check_eq a0, t0, 9
    # We still have ours.
    li t0, 0x1234
    sd t0, -8(sp)
    ld t1, -8(sp)
    check_eq t0, t1, 10

    # 2. A cross-space call: the harness's server, which we hold a C grant over.
    li a0, 20
    li a1, 22
    li a2, 0
    gx.pcall t1, s0
    check_imm t1, 0, 20
    check_imm a0, 42, 21
    check_imm a1, 440, 22
    li a2, 1
    gx.pcall t1, s0
    check_imm t1, 0, 23
    check_eq a0, s3, 24     # the server's CODE
    check_eq a1, s2, 25     # the server's DATA
    # Our environment is back.
    csrr t0, CSR_GX_CODE
    check_eq t0, s5, 26
    csrr t0, CSR_GX_DATA
    check_eq t0, s6, 27
    # The server's stacklet is at the top of its DATA space (qualified = its SID).
    li a2, 2
    gx.pcall t1, s0
    check_imm t1, 0, 28
    srli t0, a0, 40
    check_imm t0, 0xff, 29  # within the top TiB of the 2^48 space

    # 3. No grant over the entry: -EPERM, and the call is not made.
    li a0, 5
    li a1, 6
    li t1, 1
    gx.pcall t1, s1
    check_imm t1, EPERM, 30
    check_imm a0, 5, 31
    check_imm a1, 6, 32

    # 4. A portal id that names nothing: -ESRCH.
    li t0, 0x7777777
    gx.pcall t1, t0
    check_imm t1, ESRCH, 40

    # 5. The callee calls a portal itself (nested: our own portal, from the server).
    li a0, 3
    li a1, 4
    li a2, 3
    mv a3, s4               # our own portal, which the server may call only with a C grant
    li a4, 0
    gx.pcall t1, s0
    check_imm t1, 0, 50
    check_imm a1, EPERM, 51 # the server holds no grant over our CODE
    # The test gives it one while we are stopped.
    li a7, SYS_YIELD
    ecall
    li a2, 3
    mv a3, s4
    li a4, 2                # the nested callee reports its sp
    gx.pcall t1, s0
    check_imm t1, 0, 52
    check_imm a1, 0, 53
    # Our DATA is re-entered while our base activation is suspended: the callee's
    # stack continues right below our sp (16-byte aligned), not on a stacklet.
    check_eq a0, sp, 54

    # 6. Deeper: we call the server, which calls our portal (P, op 4), which calls our
    #    own portal again (Q, op 5). P runs below our sp; Q must run below P's, not
    #    over P's frame: P checks its frame after Q returns.
    li a2, 3
    mv a3, s4
    li a4, 4
    mv a5, s4
    gx.pcall t1, s0
    check_imm t1, 0, 60
    check_imm a1, 0, 61
    check_imm a0, 1, 62      # P's frame survived Q

    say msg_ok, 10
    exit_imm 0

bad_portal:
    mv a0, s4
    li a7, SYS_DUMP
    ecall
    exit_imm 1
    fail_routine

# The portal entry. a2 selects: 0 = (a0+a1, a0*a1); 1 = (CODE, DATA) CSRs;
# 2 = (sp, 0) after using the stack; 3 = pcall portal a3 with a2 = a4 and return
# (its a0, its rd); 4 = fill a 64-byte frame, pcall portal a5 with a2 = 5, return
# (1 if the frame is intact, rd); 5 = scribble 128 bytes below sp, return (0, 0).
entry:
    li t0, 4
    beq a2, t0, 4f
    li t0, 5
    beq a2, t0, 5f
    li t0, 1
    beq a2, t0, 1f
    li t0, 2
    beq a2, t0, 2f
    li t0, 3
    beq a2, t0, 3f
    add t0, a0, a1
    mul a1, a0, a1
    mv a0, t0
    gx.pret
1:  csrr a0, CSR_GX_CODE
    csrr a1, CSR_GX_DATA
    gx.pret
2:  addi sp, sp, -32
    sd ra, 24(sp)
    sd a0, 16(sp)
    ld t0, 16(sp)
    addi sp, sp, 32
    mv a0, sp
    li a1, 0
    gx.pret
3:  mv a2, a4
    gx.pcall t1, a3
    mv a1, t1
    gx.pret
4:  addi sp, sp, -64
    li t0, 0x5eed
    .irp o, 0, 8, 16, 24, 32, 40, 48, 56
    sd t0, \o(sp)
    .endr
    li a2, 5
    gx.pcall t1, a5
    li a0, 1
    li t0, 0x5eed
    .irp o, 0, 8, 16, 24, 32, 40, 48, 56
    ld t2, \o(sp)
    beq t2, t0, 9f
    li a0, 0
9:
    .endr
    mv a1, t1
    addi sp, sp, 64
    gx.pret
5:  addi sp, sp, -128
    .irp o, 0, 8, 16, 24, 32, 40, 48, 56, 64, 72, 80, 88, 96, 104, 112, 120
    sd zero, \o(sp)
    .endr
    addi sp, sp, 128
    li a0, 0
    li a1, 0
    gx.pret

# A second entry into the same code, outside the range the client's C grant covers.
entry_nogrant:
    j entry

    .section .rodata
msg_ok: .ascii "portal ok\n"
