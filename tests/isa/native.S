# native.S: the Xgx instructions' results and error codes at base level.
#
# Harness set-up: a0 = the SID of another live space (which grants us nothing),
# a1 = our CODE SID, a2 = our DATA SID; SID 1 is live (the harness's host space). Writes "native ok" and then executes gx.pret
# with no portal frame: the run must end in a control-stack fault at `last`.
# On a failed check, exits with its number instead.
    .include "gx.inc"
    .text
    .globl _start
_start:
    image_header
    .dword last             # table[0]: the pc of the final gx.pret

# Descriptor at 0(sp): base, len, grantee, rights, flags; gx.grant into rd.
.macro grant rd, base, len, grantee, rights, flags
    li t0, \base
    sd t0, GXG_BASE(sp)
    li t0, \len
    sd t0, GXG_LEN(sp)
    li t0, \grantee
    sh t0, GXG_GRANTEE(sp)
    li t0, \rights
    sb t0, GXG_RIGHTS(sp)
    li t0, \flags
    sb t0, GXG_FLAGS(sp)
    sw zero, 20(sp)
    gx.grant \rd, sp
.endm

main:
    mv s0, a0
    mv s1, a1
    mv s2, a2
    addi sp, sp, -64

    # Environment CSRs.
    csrr t0, CSR_GX_CODE
    check_eq t0, s1, 1
    csrr t0, CSR_GX_DATA
    check_eq t0, s2, 2
    csrrs t0, CSR_GX_DATA, zero
    check_eq t0, s2, 3

    # gx.qualify: a local pointer gets our DATA SID, a qualified one is unchanged.
    li t1, 0x1234
    gx.qualify t0, t1
    li t3, 0x1234
    slli t2, s2, 48
    or t2, t2, t3
    check_eq t0, t2, 10
    slli t1, s0, 48
    ori t1, t1, 0x10
    gx.qualify t0, t1
    check_eq t0, t1, 11
    li t1, 0xffffffffffff   # the last byte of the space is still local
    gx.qualify t0, t1
    slli t2, s2, 48
    or t2, t2, t1
    check_eq t0, t2, 12
    gx.qualify t0, zero
    slli t2, s2, 48
    check_eq t0, t2, 13

    # gx.revoke: stale and never-issued handles are -ESRCH.
    li t1, 0x100000fff
    gx.revoke t0, t1
    check_imm t0, ESRCH, 20
    gx.revoke t0, zero
    check_imm t0, ESRCH, 21
    # A real grant (our stack, to the other space) revokes once.
    addi t1, sp, 32
    sd t1, GXG_BASE(sp)
    li t1, 32
    sd t1, GXG_LEN(sp)
    sh s0, GXG_GRANTEE(sp)
    li t1, 3
    sb t1, GXG_RIGHTS(sp)
    sb zero, GXG_FLAGS(sp)
    sw zero, 20(sp)
    gx.grant s3, sp
    blez s3, bad_grant
    srli t0, s3, 63
    check_imm t0, 0, 22      # handles are positive
    gx.revoke t0, s3
    check_imm t0, 0, 23
    gx.revoke t0, s3
    check_imm t0, ESRCH, 24

    # gx.grant errors.
    # - flags other than bit 0: -EINVAL
    grant t0, 0x10000, 8, 1, 1, 2
    check_imm t0, EINVAL, 30
    grant t0, 0x10000, 8, 1, 1, 0x80
    check_imm t0, EINVAL, 31
    # - rights empty or outside RWCG: -EINVAL
    grant t0, 0x10000, 8, 1, 0, 0
    check_imm t0, EINVAL, 32
    grant t0, 0x10000, 8, 1, 0x10, 0
    check_imm t0, EINVAL, 33
    # - empty range, range past the end of the space: -EINVAL
    grant t0, 0x10000, 0, 1, 1, 0
    check_imm t0, EINVAL, 34
    grant t0, 0xfffffffff000, 0x2000, 1, 1, 0
    check_imm t0, EINVAL, 35
    # - a grantee that does not exist: -ESRCH
    grant t0, 0x10000, 8, 0xfffe, 1, 0
    check_imm t0, ESRCH, 36
    # - memory of another space we hold no grant over: -EPERM
    slli t1, s0, 48
    li t2, 0x10000
    or t1, t1, t2
    sd t1, GXG_BASE(sp)
    li t1, 8
    sd t1, GXG_LEN(sp)
    sh s2, GXG_GRANTEE(sp)
    li t1, 1
    sb t1, GXG_RIGHTS(sp)
    sb zero, GXG_FLAGS(sp)
    gx.grant t0, sp
    check_imm t0, EPERM, 37
    # - a descriptor we cannot read: -EFAULT
    li t1, 0x7770000
    gx.grant t0, t1
    check_imm t0, EFAULT, 38
    # - a descriptor straddling into an unmapped page: -EFAULT (stack top is mapped
    #   up to the harness's STACK_TOP, nothing above)
    li t1, 0x80000000 - 8
    gx.grant t0, t1
    check_imm t0, EFAULT, 39
    # - our own memory, any rights: a root grant. Our CODE counts as ours too.
    grant t0, 0x10000, 0x1000, 1, 15, 0
    blez t0, bad_grant
    gx.revoke t0, t0
    check_imm t0, 0, 40
    slli t1, s1, 48
    li t2, 0x10000
    or t1, t1, t2
    sd t1, GXG_BASE(sp)
    li t1, 4
    sb t1, GXG_RIGHTS(sp)
    gx.grant t0, sp
    blez t0, bad_grant
    gx.revoke t0, t0
    check_imm t0, 0, 41

    # gx.portal: the entry must be an even, executable offset of our CODE.
    gx.portal t0, sp
    check_imm t0, EINVAL, 50
    la t1, last
    addi t1, t1, 1
    gx.portal t0, t1
    check_imm t0, EINVAL, 51
    slli t1, s0, 48
    li t2, 0x10000
    or t1, t1, t2
    gx.portal t0, t1
    check_imm t0, EINVAL, 52
    la t1, last
    gx.portal t0, t1
    blez t0, bad_grant
    # A qualified pointer naming our own CODE is fine.
    slli t1, s1, 48
    la t2, last
    or t1, t1, t2
    gx.portal t0, t1
    blez t0, bad_grant

    # gx.pcall of a portal that does not exist.
    gx.pcall t0, zero
    check_imm t0, ESRCH, 60

    say msg_ok, 10
last:
    gx.pret
    exit_imm 99

bad_grant:
    li a0, 90
    j fail

    fail_routine

    .section .rodata
msg_ok: .ascii "native ok\n"
