//! swapon and swapoff: grantix has no swap (every page stays in the machine's memory),
//! so it answers as a kernel built without swap support would (ENOSYS) once the
//! caller has passed the checks every kernel makes first: swapon's flags (EINVAL) and
//! CAP_SYS_ADMIN (EPERM). The path is never read.

use super::*;

/// SWAP_FLAG_PRIO_MASK | SWAP_FLAG_PREFER | SWAP_FLAG_DISCARD | _DISCARD_ONCE |
/// _DISCARD_PAGES.
const SWAP_FLAGS_VALID: u64 = 0x7_ffff;
const CAP_SYS_ADMIN: u64 = 21;

impl Mm {
    /// swapon(path, flags) and swapoff(path); `word` is the caller word.
    pub(super) fn swap_call(env: &mut dyn Env, word: u64, op: u64, flags: u64) -> u64 {
        if op == nr::SWAPON && flags & !SWAP_FLAGS_VALID != 0 {
            return err(libc::EINVAL);
        }
        if !matches!(env.call(ServiceId::Proc, crate::proc::op::CAPABLE, [word, CAP_SYS_ADMIN, 0, 0, 0, 0], &[]), Ok([1, _])) {
            return err(libc::EPERM);
        }
        err(libc::ENOSYS)
    }
}
