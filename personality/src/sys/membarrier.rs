//! membarrier(2): the commands, the query mask and each process's registrations, as
//! kernel/sched/membarrier.c has them for a riscv64 kernel with CONFIG_RSEQ and
//! without ARCH_HAS_MEMBARRIER_SYNC_CORE. The machine runs one hart at a time, so
//! every barrier is already complete when the call is made: only the rules remain.

use crate::call::Caller;
use crate::state::Linux;
use syscalls::service::err;

const QUERY: u32 = 0;
const GLOBAL: u32 = 1 << 0;
const GLOBAL_EXPEDITED: u32 = 1 << 1;
const REGISTER_GLOBAL_EXPEDITED: u32 = 1 << 2;
const PRIVATE_EXPEDITED: u32 = 1 << 3;
const REGISTER_PRIVATE_EXPEDITED: u32 = 1 << 4;
const PRIVATE_EXPEDITED_SYNC_CORE: u32 = 1 << 5;
const REGISTER_PRIVATE_EXPEDITED_SYNC_CORE: u32 = 1 << 6;
const PRIVATE_EXPEDITED_RSEQ: u32 = 1 << 7;
const REGISTER_PRIVATE_EXPEDITED_RSEQ: u32 = 1 << 8;
const GET_REGISTRATIONS: u32 = 1 << 9;
/// MEMBARRIER_CMD_FLAG_CPU: PRIVATE_EXPEDITED_RSEQ on one cpu (the third argument).
const FLAG_CPU: u32 = 1;

/// What QUERY answers (MEMBARRIER_CMD_BITMASK): everything but the SYNC_CORE pair,
/// which riscv64 gained only after the kernel version grantix reports.
pub const SUPPORTED: u32 = GLOBAL | GLOBAL_EXPEDITED | REGISTER_GLOBAL_EXPEDITED | PRIVATE_EXPEDITED | REGISTER_PRIVATE_EXPEDITED | PRIVATE_EXPEDITED_RSEQ | REGISTER_PRIVATE_EXPEDITED_RSEQ | GET_REGISTRATIONS;

/// membarrier(cmd, flags, cpu_id). Registrations belong to the process (its mm):
/// kept by pid in `Linux::membarrier` as the REGISTER_* bits, dropped when the
/// process ends; a forked child starts with none.
pub fn membarrier(linux: &mut Linux, c: &Caller, a: [u64; 6]) -> u64 {
    let (cmd, flags) = (a[0] as i32 as u32, a[1] as u32);
    // Only PRIVATE_EXPEDITED_RSEQ takes a flag.
    let flags_ok = if cmd == PRIVATE_EXPEDITED_RSEQ { flags == 0 || flags == FLAG_CPU } else { flags == 0 };
    if !flags_ok {
        return err(libc::EINVAL);
    }
    let registered = linux.membarrier.get(&c.pid).copied().unwrap_or(0);
    let register = |linux: &mut Linux, bit: u32| {
        *linux.membarrier.entry(c.pid).or_insert(0) |= bit;
        0
    };
    match cmd {
        QUERY => SUPPORTED as u64,
        GLOBAL | GLOBAL_EXPEDITED => 0,
        REGISTER_GLOBAL_EXPEDITED | REGISTER_PRIVATE_EXPEDITED | REGISTER_PRIVATE_EXPEDITED_RSEQ => register(linux, cmd),
        // A private barrier needs its registration first.
        PRIVATE_EXPEDITED | PRIVATE_EXPEDITED_RSEQ => {
            if registered & (cmd << 1) == 0 {
                err(libc::EPERM)
            } else {
                0
            }
        }
        // Registering for RSEQ marks the process registered for PRIVATE_EXPEDITED
        // too (its state, not its readiness: the plain barrier stays EPERM).
        GET_REGISTRATIONS => {
            let rseq = if registered & REGISTER_PRIVATE_EXPEDITED_RSEQ != 0 { REGISTER_PRIVATE_EXPEDITED } else { 0 };
            (registered | rseq) as u64
        }
        // SYNC_CORE without the architecture's support (registering as well).
        PRIVATE_EXPEDITED_SYNC_CORE | REGISTER_PRIVATE_EXPEDITED_SYNC_CORE => err(libc::EINVAL),
        _ => err(libc::EINVAL),
    }
}
