# transient.S: transient grants ("leases") passed to portal calls.
#
# Harness set-up: a second pair of spaces (server) with portals, all covered by a C
# grant this DATA space holds: a0 = portal at `server`, a1 = the server's DATA SID,
# a2 = portal at `other`, a3 = portal at `lender`. This DATA space has a fault
# portal (the harness's) that records the fault and resumes at pc + 4; the server's
# DATA space has none, so a fault in the server unwinds its frame.
# Exit 0 with "transient ok" on success, else the number of the failed check.
    .include "gx.inc"
    .text
    .globl _start
_start:
    image_header
    .dword server           # table[0]
    .dword other            # table[1]
    .dword lender           # table[2]

# Fill the descriptor at 32(sp) for buf (0(sp), 8 bytes) -> server DATA, rights RW,
# the given flags, and make the grant: handle in s3.
.macro make_grant flags, n
    sd sp, 32+GXG_BASE(sp)
    li t0, 8
    sd t0, 32+GXG_LEN(sp)
    sh s1, 32+GXG_GRANTEE(sp)
    li t0, 3
    sb t0, 32+GXG_RIGHTS(sp)
    li t0, \flags
    sb t0, 32+GXG_FLAGS(sp)
    sw zero, 32+20(sp)
    addi t0, sp, 32
    gx.grant s3, t0
    blez s3, 8888f
    j 8887f
8888:
    li a0, \n
    j fail
8887:
.endm

# Call the server's read-increment-write on buf through the qualified pointer s4.
.macro call_server
    mv a0, s4
    li a1, 0
    li t1, 0x55
    gx.pcall t1, s0
.endm

main:
    mv s0, a0
    mv s1, a1
    mv s2, a2
    mv s5, a3
    addi sp, sp, -64
    li t0, 41
    sd t0, 0(sp)
    gx.qualify s4, sp
    srli t0, s4, 48
    csrr t1, CSR_GX_DATA
    check_eq t0, t1, 1

    # 1. A transient grant is passed to the next portal call and usable there.
    make_grant 1, 2
    call_server
    check_imm t1, 0, 3
    check_imm a0, 41, 4
    ld t0, 0(sp)
    check_imm t0, 42, 5

    # 2. It was revoked when that call returned: the server faults on the same
    #    pointer, its frame is unwound, and we see -EIO (5 = callee faulted).
    call_server
    check_imm t1, EIO, 10
    check_imm a0, 0, 11
    check_imm a1, 0, 12
    ld t0, 0(sp)
    check_imm t0, 42, 13
    gx.revoke t0, s3
    check_imm t0, ESRCH, 14  # the handle is stale

    # 3. It goes to the next call only, even one that does not use it.
    make_grant 1, 20
    li t1, 0x55
    gx.pcall t1, s2
    check_imm t1, 0, 21
    call_server
    check_imm t1, EIO, 22
    gx.revoke t0, s3
    check_imm t0, ESRCH, 23

    # 4. A persistent grant survives calls until revoked.
    make_grant 0, 30
    call_server
    check_imm t1, 0, 31
    call_server
    check_imm t1, 0, 32
    ld t0, 0(sp)
    check_imm t0, 44, 33
    gx.revoke t0, s3
    check_imm t0, 0, 34
    call_server
    check_imm t1, EIO, 35
    ld t0, 0(sp)
    check_imm t0, 44, 36

    # 5. A fault handled by our fault portal (an ebreak the harness steps over) is
    #    not a portal call of ours: the transient grant stays for the next one.
    make_grant 1, 40
    .option push
    .option norvc
    ebreak
    .option pop
    call_server
    check_imm t1, 0, 41
    check_imm a0, 44, 42
    ld t0, 0(sp)
    check_imm t0, 45, 43

    # 6. An ecall is a portal call (involuntary, to the ecall portal): it takes the
    #    frame's transient grants like gx.pcall does, and they end when it returns.
    make_grant 1, 50
    li a7, SYS_DUMP
    ecall
    call_server
    check_imm t1, EIO, 51
    gx.revoke t0, s3
    check_imm t0, ESRCH, 52

    # 7. A transient grant made inside a callee frame ends when that frame returns:
    #    `lender` lends us a word of its stack and returns the pointer; by the time we
    #    use it, it is gone. The load faults; our fault portal steps over it.
    csrr a0, CSR_GX_DATA
    li t1, 0x55
    gx.pcall t1, s5
    check_imm t1, 0, 60
    srli t0, a0, 48
    check_eq t0, s1, 61      # a pointer into the server's DATA
    li t2, 0x77
    .option push
    .option norvc
    ld t2, 0(a0)
    .option pop
    check_imm t2, 0x77, 62

    say msg_ok, 13
    exit_imm 0

    fail_routine

# a0 = qualified pointer to a u64: increment it, return the old value.
server:
    ld t0, 0(a0)
    addi t1, t0, 1
    sd t1, 0(a0)
    mv a0, t0
    li a1, 0
    gx.pret

other:
    li a0, 0
    li a1, 0
    gx.pret

# a0 = the caller's DATA SID: lend it 8 bytes of our stack (transient, R) and return
# the qualified pointer.
lender:
    addi sp, sp, -48
    li t0, 0x1e4d
    sd t0, 0(sp)
    sd sp, 16+GXG_BASE(sp)
    li t0, 8
    sd t0, 16+GXG_LEN(sp)
    sh a0, 16+GXG_GRANTEE(sp)
    li t0, 1
    sb t0, 16+GXG_RIGHTS(sp)
    sb t0, 16+GXG_FLAGS(sp)
    sw zero, 16+20(sp)
    addi t0, sp, 16
    gx.grant t1, t0
    blez t1, 1f
    gx.qualify a0, sp
    addi sp, sp, 48
    li a1, 0
    gx.pret
1:  mv a0, t1
    addi sp, sp, 48
    gx.pret

    .section .rodata
msg_ok: .ascii "transient ok\n"
