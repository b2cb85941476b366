//! Locking memory: mlock, mlock2, munlock, mlockall, munlockall.
//!
//! Every page grantix maps stays resident (there is no swap), so locking changes no
//! mapping; what it does is Linux's accounting and its limits: the locked pages of a
//! process count against RLIMIT_MEMLOCK unless it holds CAP_IPC_LOCK (ENOMEM), a zero
//! limit without the capability refuses any lock (EPERM), and a range with a hole is
//! ENOMEM. Locks are per process: a fork child or a new image starts with none.
//! MCL_FUTURE is recorded but mappings made later are not counted; mmap's
//! MAP_LOCKED locks the new mapping. Locking faults the pages in, as Linux's
//! populate does: a demand-zero page of private anonymous memory gets its frame, so
//! mincore reports locked pages resident.

use super::*;
use std::collections::BTreeSet;

const MLOCK_ONFAULT: u64 = 1;
const MCL_CURRENT: u64 = 1;
const MCL_FUTURE: u64 = 2;
const MCL_ONFAULT: u64 = 4;
const CAP_IPC_LOCK: u64 = 14;

/// A process's locked pages (page numbers) and whether mlockall(MCL_FUTURE) is on.
#[derive(Clone, Debug, Default)]
pub struct Locks {
    pages: BTreeSet<u64>,
    future: bool,
}

impl Mm {
    /// RLIMIT_MEMLOCK of the caller in pages (soft limit), and whether it holds
    /// CAP_IPC_LOCK.
    fn lock_limit(env: &mut dyn Env, word: u64) -> (u64, bool) {
        let limit = env.call(ServiceId::Proc, crate::proc::op::RLIMIT, [word, libc::RLIMIT_MEMLOCK as u64, 0, 0, 0, 0], &[]).map_or(0, |r| if is_err(r[0]) { 0 } else { r[0] });
        let cap = matches!(env.call(ServiceId::Proc, crate::proc::op::CAPABLE, [word, CAP_IPC_LOCK, 0, 0, 0, 0], &[]), Ok([1, _]));
        (if limit == u64::MAX { u64::MAX } else { limit / PAGE_SIZE }, cap)
    }

    /// Pages of `pid` locked and still mapped (munmap forgets a lock with its pages).
    fn locked_pages(&mut self, pid: u32) -> u64 {
        let Some(pm) = self.procs.get(&pid) else { return 0 };
        let l = self.mlocks.entry(pid).or_default();
        l.pages.retain(|p| pm.vmas.find(p * PAGE_SIZE).is_some());
        l.pages.len() as u64
    }

    /// The page range [first, last) of (addr, len) as mlock rounds it, or the errno.
    fn lock_range(&self, pid: u32, addr: u64, len: u64) -> Result<(u64, u64), i32> {
        let start = addr & !(PAGE_SIZE - 1);
        let len = vma::page_round(len.saturating_add(addr - start)).ok_or(libc::ENOMEM)?;
        let end = start.checked_add(len).filter(|e| *e <= TASK_SIZE).ok_or(libc::ENOMEM)?;
        let pm = self.procs.get(&pid).ok_or(libc::ESRCH)?;
        if pm.vmas.first_hole(start, end).is_some() {
            return Err(libc::ENOMEM);
        }
        Ok((start / PAGE_SIZE, end / PAGE_SIZE))
    }

    /// The mlock family; `word` is the caller word (to ask proc for its limit).
    pub(super) fn mlock_call(&mut self, env: &mut dyn Env, word: u64, pid: u32, op: u64, s: [u64; 6]) -> u64 {
        let r = match op {
            nr::MLOCK | nr::MLOCK2 => {
                if op == nr::MLOCK2 && s[2] & !MLOCK_ONFAULT != 0 {
                    return err(libc::EINVAL);
                }
                let (limit, cap) = Self::lock_limit(env, word);
                if limit == 0 && !cap {
                    return err(libc::EPERM);
                }
                self.lock_range(pid, s[0], s[1]).and_then(|(a, b)| {
                    let already = self.locked_pages(pid);
                    let l = self.mlocks.entry(pid).or_default();
                    let new = (a..b).filter(|p| !l.pages.contains(p)).count() as u64;
                    if already + new > limit && !cap {
                        return Err(libc::ENOMEM);
                    }
                    l.pages.extend(a..b);
                    if s[2] & MLOCK_ONFAULT == 0 || op == nr::MLOCK {
                        self.fault_in(env, pid, a, b);
                    }
                    Ok(())
                })
            }
            nr::MUNLOCK => self.lock_range(pid, s[0], s[1]).map(|(a, b)| {
                if let Some(l) = self.mlocks.get_mut(&pid) {
                    l.pages.retain(|p| !(a..b).contains(p));
                }
            }),
            nr::MLOCKALL => {
                let f = s[0];
                if f == 0 || f & !(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) != 0 || f == MCL_ONFAULT {
                    return err(libc::EINVAL);
                }
                let (limit, cap) = Self::lock_limit(env, word);
                if limit == 0 && !cap {
                    return err(libc::EPERM);
                }
                let Some(pm) = self.procs.get(&pid) else { return err(libc::ESRCH) };
                let pages: Vec<u64> = pm.vmas.iter().flat_map(|v| v.start / PAGE_SIZE..v.end / PAGE_SIZE).collect();
                if f & MCL_CURRENT != 0 && pages.len() as u64 > limit && !cap {
                    return err(libc::ENOMEM);
                }
                let l = self.mlocks.entry(pid).or_default();
                if f & MCL_CURRENT != 0 {
                    l.pages.extend(pages);
                }
                l.future = f & MCL_FUTURE != 0;
                Ok(())
            }
            nr::MUNLOCKALL => {
                self.mlocks.remove(&pid);
                Ok(())
            }
            _ => Err(libc::ENOSYS),
        };
        r.map_or_else(err, |()| 0)
    }

    /// Gives the demand-zero pages of private anonymous mappings in pages [a, b)
    /// their frames (a fresh zero frame is what the first touch would give).
    pub(super) fn fault_in(&mut self, env: &mut dyn Env, pid: u32, a: u64, b: u64) {
        let Some(pm) = self.procs.get(&pid) else { return };
        let data = pm.data;
        let anon: Vec<(u64, u64)> = pm.vmas.overlapping(a * PAGE_SIZE, b * PAGE_SIZE).filter(|v| !v.shared && v.file().is_none() && v.populated).map(|v| (v.start.max(a * PAGE_SIZE), v.end.min(b * PAGE_SIZE))).collect();
        let Ok(mem) = env.memory() else { return };
        for (lo, hi) in anon {
            for p in pages(lo, hi) {
                let Some(e) = mem.space(data).and_then(|s| s.pte(p)).copied() else { continue };
                if e.frame == FrameId::NONE && mem.map_zero(data, p, PAGE_SIZE, e.rights).is_err() {
                    return;
                }
            }
        }
    }

    /// mmap's MAP_LOCKED: the new mapping [start, end) is locked and faulted in
    /// (Linux does not fail the mmap when the lock is refused; nor does grantix).
    pub(super) fn lock_new(&mut self, env: &mut dyn Env, pid: u32, start: u64, end: u64) {
        self.mlocks.entry(pid).or_default().pages.extend(start / PAGE_SIZE..end / PAGE_SIZE);
        self.fault_in(env, pid, start / PAGE_SIZE, end / PAGE_SIZE);
    }

    /// Whether any page of [start, end) of `pid` is locked (msync's MS_INVALIDATE:
    /// EBUSY).
    pub(super) fn any_locked(&self, pid: u32, start: u64, end: u64) -> bool {
        self.mlocks.get(&pid).is_some_and(|l| l.pages.range(start / PAGE_SIZE..end.div_ceil(PAGE_SIZE)).next().is_some())
    }

    /// Locked bytes of `pid` in [start, end) (smaps' Locked).
    pub(super) fn locked_in(&self, pid: u32, start: u64, end: u64) -> u64 {
        self.mlocks.get(&pid).map_or(0, |l| l.pages.range(start / PAGE_SIZE..end.div_ceil(PAGE_SIZE)).count() as u64 * PAGE_SIZE)
    }

    /// Bytes of `pid` locked (VmLck).
    pub fn locked_bytes(&mut self, pid: u32) -> u64 {
        self.locked_pages(pid) * PAGE_SIZE
    }

    /// A new image or an ended process holds no locks.
    pub(super) fn forget_locks(&mut self, pid: u32) {
        self.mlocks.remove(&pid);
    }
}
