//! rseq: registration of a thread's restartable-sequence area, with kernel/rseq.c's
//! checks (flags, length, alignment, signature, EBUSY for a second registration).
//!
//! At registration the area's cpu_id_start and cpu_id are set to 0 (grantix has one
//! hart, so they never change), node_id and mm_cid to 0; unregistration writes
//! cpu_id back to RSEQ_CPU_ID_UNINITIALIZED. What is missing: a critical section
//! (rseq_cs) is never aborted, because no thread is ever migrated and a thread is
//! preempted only at the end of its quantum, where grantix does not look at rseq_cs;
//! so a sequence interrupted by preemption (or a signal) resumes where it was instead
//! of restarting at its abort handler. Sequences that rely on per-CPU data stay
//! correct (one CPU); ones that rely on never being preempted mid-way do not.

use super::{Pid, Proc};
use crate::service::{err, Env};
use crate::sysno as nr;
use machine::Fault;

/// The size of the original struct rseq (ORIG_RSEQ_SIZE), also its alignment.
pub const ORIG_SIZE: u64 = 32;
/// offsetof(struct rseq, end): the feature size (AT_RSEQ_FEATURE_SIZE) a longer
/// registration must cover (cpu_id_start, cpu_id, rseq_cs, flags, node_id, mm_cid).
pub const FEATURE_SIZE: u64 = 28;
/// __alignof__(struct rseq).
pub const ALIGN: u64 = 32;
const FLAG_UNREGISTER: u64 = 1;
/// RSEQ_CPU_ID_UNINITIALIZED.
const CPU_UNINIT: u32 = u32::MAX;

/// A thread's registration: the area (a process address), its length, signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rseq {
    pub area: u64,
    pub len: u32,
    pub sig: u32,
}

/// The fields the kernel keeps up to date: cpu_id_start, cpu_id (and, when the area
/// is that long, node_id and mm_cid at 20 and 24).
fn fields(cpu: u32, len: u32) -> Vec<u8> {
    let mut b = Vec::with_capacity(28);
    b.extend_from_slice(&0u32.to_le_bytes());
    b.extend_from_slice(&cpu.to_le_bytes());
    if len as u64 >= FEATURE_SIZE {
        b.extend_from_slice(&[0u8; 20]);
    }
    b
}

impl Proc {
    /// rseq(area, len, flags, sig); None if `op` is not rseq.
    pub(super) fn rseq_op(&mut self, env: &mut dyn Env, op: u64, tid: Pid, s: [u64; 6]) -> Result<Option<[u64; 2]>, Fault> {
        if op != nr::RSEQ {
            return Ok(None);
        }
        let (area, len, flags, sig) = (s[0], s[1] as u32, s[2] as u32 as u64, s[3] as u32);
        let Some(cur) = self.threads.get(&tid).map(|t| t.rseq) else { return Ok(Some([err(libc::ESRCH), 0])) };
        let e = |n: i32| Ok(Some([err(n), 0]));
        if flags & FLAG_UNREGISTER != 0 {
            if flags & !FLAG_UNREGISTER != 0 {
                return e(libc::EINVAL);
            }
            let Some(r) = cur.filter(|r| r.area == area) else { return e(libc::EINVAL) };
            if r.len != len {
                return e(libc::EINVAL);
            }
            if r.sig != sig {
                return e(libc::EPERM);
            }
            // rseq_reset_rseq_cpu_node_id: a fault here fails the call, registered still.
            if env.write(area, &fields(CPU_UNINIT, len)).is_err() {
                return e(libc::EFAULT);
            }
            if let Some(t) = self.threads.get_mut(&tid) {
                t.rseq = None;
            }
            return Ok(Some([0, 0]));
        }
        if flags != 0 {
            return e(libc::EINVAL);
        }
        if let Some(r) = cur {
            if r.area != area || r.len != len {
                return e(libc::EINVAL);
            }
            return e(if r.sig != sig { libc::EPERM } else { libc::EBUSY });
        }
        let len64 = len as u64;
        let misaligned = |a: u64| area % a != 0;
        if len64 < ORIG_SIZE || (len64 == ORIG_SIZE && misaligned(ORIG_SIZE)) || (len64 != ORIG_SIZE && (misaligned(ALIGN) || len64 < FEATURE_SIZE)) {
            return e(libc::EINVAL);
        }
        // Linux updates the area on the way back to user space; a bad one then kills
        // the thread with SIGSEGV. grantix writes it now, and refuses with EFAULT.
        if area == 0 || env.write(area, &fields(0, len)).is_err() {
            return e(libc::EFAULT);
        }
        if let Some(t) = self.threads.get_mut(&tid) {
            t.rseq = Some(Rseq { area, len, sig });
        }
        Ok(Some([0, 0]))
    }
}
