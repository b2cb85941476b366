//! The linux space's state and the helpers handlers share: the service call with
//! checked lends, reading C strings and words from user memory, releasing a dead process.

use crate::call::Caller;
use machine::addr::{self, PAGE_SIZE};
use std::collections::BTreeSet;
use syscalls::mm::op as mm_op;
use syscalls::service::{call_errno, err, BLOCK};
use syscalls::table;
use syscalls::vfs::op as vfs_op;
use syscalls::{Env, Lend, ServiceId};

/// The Linux personality.
#[derive(Default)]
pub struct Linux {
    /// Set by a handler that must stop the hart; taken by the wiring.
    pub stop: Option<u64>,
    pub(crate) warned: BTreeSet<u64>,
    /// Syscalls handled, by number (for reports).
    pub counts: std::collections::BTreeMap<u64, u64>,
    /// Print one line per syscall to stderr (--strace).
    pub strace: bool,
    /// Which syscalls --strace shows (`-e trace=`; None: all).
    pub strace_filter: crate::strace::Filter,
    /// Show under each strace line the portal calls, grants and revocations the
    /// syscall made (--strace-calls; the machine's call log is on).
    pub strace_calls: bool,
    /// The strace line of the syscall in progress, shown when it has finished.
    pub(crate) traced: Option<String>,
    /// Wait key of the last call that asked to block.
    pub pending_key: u64,
    /// Nice values set with setpriority, by pid (0 when absent).
    pub nice: std::collections::BTreeMap<u32, i32>,
    /// getrandom's generator state.
    pub random: u64,
    /// Scheduling policies set by thread (`sched`; SCHED_OTHER when absent).
    pub sched: std::collections::BTreeMap<u32, Policy>,
    /// membarrier registrations by pid, as the REGISTER_* command bits (`sys::membarrier`).
    pub membarrier: std::collections::BTreeMap<u32, u32>,
}

/// A thread's policy and real-time priority as `sched` sets them (SCHED_OTHER, 0 by
/// default). Part of the state, so the handlers depend on it and not the reverse.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    pub policy: i32,
    pub priority: u32,
    /// SCHED_DEADLINE's runtime, deadline, period (ns).
    pub dl: [u64; 3],
}

impl Linux {
    /// Calls a service with checked lends; maps failures to errnos.
    pub fn svc(&mut self, env: &mut dyn Env, to: ServiceId, op: u64, c: &Caller, args: [u64; 5], lends: &[Lend]) -> u64 {
        if !lends.iter().all(|l| crate::marshal::accessible(env, l)) {
            return err(libc::EFAULT);
        }
        let a = [c.word(), args[0], args[1], args[2], args[3], args[4]];
        match env.call(to, op, a, lends) {
            Ok(v) if v[0] == BLOCK => {
                self.pending_key = v[1];
                BLOCK
            }
            Ok(v) => v[0],
            Err(e) => call_errno(&e),
        }
    }

    /// The length of the NUL-terminated string at qualified `p` including the NUL, or
    /// None if it is unreadable or longer than `max`.
    pub fn strlen(env: &mut dyn Env, p: u64, max: usize) -> Option<u64> {
        let mut n = 0u64;
        let mut buf = [0u8; 64];
        while (n as usize) < max {
            // Read byte-wise across page ends so an unmapped next page is not touched.
            let room = (PAGE_SIZE - (addr::offset_of(p) + n) % PAGE_SIZE).min(64);
            env.read(p + n, &mut buf[..room as usize]).ok()?;
            if let Some(i) = buf[..room as usize].iter().position(|b| *b == 0) {
                return Some(n + i as u64 + 1);
            }
            n += room;
        }
        None
    }

    /// The NUL-terminated string at qualified `p` (without the NUL), at most 4 KiB.
    pub fn read_cstr(env: &mut dyn Env, p: u64) -> Option<Vec<u8>> {
        let n = Self::strlen(env, p, 4096)?;
        let mut v = vec![0u8; n as usize - 1];
        env.read(p, &mut v).ok()?;
        Some(v)
    }

    /// The little-endian u64 at qualified `p`.
    pub fn read_u64(env: &mut dyn Env, p: u64) -> Option<u64> {
        let mut b = [0u8; 8];
        env.read(p, &mut b).ok()?;
        Some(u64::from_le_bytes(b))
    }

    pub(crate) fn warn_unknown(&mut self, n: u64) {
        if self.warned.insert(n) {
            let name = table::name(n).unwrap_or("unknown");
            // Once to the category -d unimp shows, once to the user (target grantix:
            // `grantix: warning: ...`, always shown).
            tracing::warn!("syscall {n} ({name}) is not implemented: returning -ENOSYS");
            tracing::warn!(target: "grantix", "syscall {n} ({name}) is not implemented; returning -ENOSYS");
        }
    }

    /// Releases what a dead process held in mm and vfs.
    pub fn process_gone(&mut self, env: &mut dyn Env, pid: u32) {
        let w = (pid as u64) << 32;
        // mm first: it writes shared file mappings back through the process's fds,
        // which vfs closes on its EXIT.
        let _ = env.call(ServiceId::Mm, mm_op::EXIT, [w, 0, 0, 0, 0, 0], &[]);
        let _ = env.call(ServiceId::Vfs, vfs_op::EXIT, [w, 0, 0, 0, 0, 0], &[]);
        // Its SEM_UNDO adjustments (after vfs: closing its queue descriptors).
        let _ = env.call(ServiceId::Ipc, syscalls::ipc::op::EXIT, [w, 0, 0, 0, 0, 0], &[]);
        self.nice.remove(&pid);
        self.membarrier.remove(&pid);
    }
}
