//! System V shared memory as mm maps it (shmat(2), shmdt(2)): ipc owns the segments
//! (ids, permissions, attach counts), mm owns their frames and the attaches.
//!
//! A segment's frames are allocated zeroed on its first attach and kept here (one
//! reference each) until ipc says the segment is destroyed (`op::SHM_FREE`); every
//! attach maps the same frames as a shared mapping, so every process that attaches
//! sees the same bytes, and fork shares them like any MAP_SHARED memory. mm tells ipc
//! when an attach is inherited (fork) or goes away with its process (exit, exec), so
//! shm_nattch counts attaches as Linux does; a segment ipc destroyed on that last
//! detach has its frames released here at once.
//!
//! munmap of an attached range unmaps it but is not a detach (ipc still counts it
//! until shmdt, exit or exec): Linux counts mappings, grantix counts shmat calls.

use super::{rights, Mm, TASK_SIZE, MMAP_MIN, MMAP_TOP, PROT_EXEC, PROT_READ, PROT_WRITE};
use super::vma::{self, Backing, Role, Vma};
use crate::ipc::op as ipc_op;
use crate::service::{err, Env, ServiceId};
use machine::addr::PAGE_SIZE;
use machine::frames::FrameId;
use std::collections::BTreeMap;

/// shmat(2) flags mm reads (ipc checked the rest).
const SHM_RDONLY: u64 = 0o10000;
const SHM_RND: u64 = 0o20000;
const SHM_REMAP: u64 = 0o40000;
const SHM_EXEC: u64 = 0o100000;
/// SHMLBA: a page on riscv64.
const SHMLBA: u64 = PAGE_SIZE;

/// One attach: the segment and the length mapped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attach {
    pub id: i32,
    pub len: u64,
}

/// Every segment's frames and every process's attaches.
#[derive(Clone, Debug, Default)]
pub struct Segments {
    frames: BTreeMap<i32, Vec<FrameId>>,
    /// pid -> start address -> attach.
    attaches: BTreeMap<u32, BTreeMap<u64, Attach>>,
}

impl Segments {
    /// The attaches of `pid`.
    pub fn of(&self, pid: u32) -> impl Iterator<Item = (u64, Attach)> + '_ {
        self.attaches.get(&pid).into_iter().flat_map(|m| m.iter().map(|(a, x)| (*a, *x)))
    }
}

/// Where an attach goes: the address asked for (rounded with SHM_RND), or EINVAL.
pub fn place(addr: u64, flags: u64, len: u64) -> Result<Option<u64>, i32> {
    if addr == 0 {
        return Ok(None);
    }
    let at = if !addr.is_multiple_of(SHMLBA) {
        if flags & SHM_RND == 0 {
            return Err(libc::EINVAL);
        }
        addr - addr % SHMLBA
    } else {
        addr
    };
    if at == 0 && flags & SHM_RND != 0 {
        // Rounded down to NULL: Linux refuses it unless SHM_REMAP asks for it.
        return Err(libc::EINVAL);
    }
    if at > TASK_SIZE - len.min(TASK_SIZE) {
        // A range that wraps is refused by shmat itself (unless SHM_REMAP); one past
        // the top of the address space by the mapping (ENOMEM), as Linux's do_shmat.
        return Err(if flags & SHM_REMAP == 0 && at.checked_add(len).is_none() { libc::EINVAL } else { libc::ENOMEM });
    }
    Ok(Some(at))
}

impl Mm {
    /// op::SHM_ATTACH for process `pid`: maps segment `id` of `size` bytes at `addr`
    /// (0: where mm chooses) with shmat's `flags`. a0 = the address, or -EINVAL (a bad
    /// or taken address), -ENOMEM.
    pub(super) fn shm_attach(&mut self, env: &mut dyn Env, pid: u32, id: i32, size: u64, addr: u64, flags: u64) -> u64 {
        let Some(len) = vma::page_round(size).filter(|l| *l > 0 && *l <= TASK_SIZE) else { return err(libc::EINVAL) };
        let Some(pm) = self.procs.get(&pid) else { return err(libc::ESRCH) };
        let data = pm.data;
        let start = match place(addr, flags, len) {
            Err(e) => return err(e),
            Ok(Some(at)) => {
                if flags & SHM_REMAP == 0 && !pm.vmas.is_free(at, at + len) {
                    return err(libc::EINVAL);
                }
                at
            }
            Ok(None) => match pm.vmas.find_free(len, MMAP_MIN, MMAP_TOP) {
                Some(s) => s,
                None => return err(libc::ENOMEM),
            },
        };
        let prot = PROT_READ | if flags & SHM_RDONLY == 0 { PROT_WRITE } else { 0 } | if flags & SHM_EXEC != 0 { PROT_EXEC } else { 0 };
        {
            let Ok(mem) = env.memory() else { return err(libc::EPERM) };
            if !self.shm.frames.contains_key(&id) {
                let cap = mem.guest_frame_limit();
                let mut fs = Vec::new();
                for _ in 0..len / PAGE_SIZE {
                    match mem.frames.alloc_below(cap) {
                        Ok(f) => fs.push(f),
                        Err(_) => {
                            for f in fs {
                                mem.frames.decref(f);
                            }
                            return err(libc::ENOMEM);
                        }
                    }
                }
                self.shm.frames.insert(id, fs);
            }
        }
        if !self.procs.get(&pid).is_some_and(|pm| pm.vmas.is_free(start, start + len)) {
            self.unmap_range(env, pid, start, start + len);
        }
        let frames = self.shm.frames.get(&id).cloned().unwrap_or_default();
        let Ok(mem) = env.memory() else { return err(libc::EPERM) };
        // A segment smaller than an existing one's key asked for maps only its own pages.
        let n = (len / PAGE_SIZE).min(frames.len() as u64);
        for (i, f) in frames.iter().take(n as usize).enumerate() {
            if mem.map_frame(data, start + i as u64 * PAGE_SIZE, *f, rights(prot), false).is_err() {
                let _ = mem.unmap(data, start, len);
                return err(libc::ENOMEM);
            }
        }
        let v = Vma { start, end: start + n * PAGE_SIZE, prot, shared: true, backing: Backing::Anon, populated: true, role: Role::Mmap, dontfork: false, wipeonfork: false, policy: None, sealed: false, no_write: prot & PROT_WRITE == 0, growsdown: false };
        if let Some(pm) = self.procs.get_mut(&pid) {
            pm.vmas.insert(v);
        }
        if super::interp::is_exec(prot)
            && let (Some(pm), Ok(mem)) = (self.procs.get(&pid), env.memory())
        {
            let _ = super::interp::sync_code(mem, pm, start, start + n * PAGE_SIZE, true, prot);
        }
        self.shm.attaches.entry(pid).or_default().insert(start, Attach { id, len: n * PAGE_SIZE });
        start
    }

    /// op::SHM_DETACH: shmdt(addr) of process `pid`: unmaps the attach that starts
    /// there. a0 = the segment's id, or -EINVAL when nothing is attached at `addr`.
    pub(super) fn shm_detach(&mut self, env: &mut dyn Env, pid: u32, addr: u64) -> u64 {
        let Some(a) = self.shm.attaches.get_mut(&pid).and_then(|m| m.remove(&addr)) else { return err(libc::EINVAL) };
        // Only what is still this segment's mapping: munmap or MAP_FIXED may have
        // replaced part of it since.
        let frames = self.shm.frames.get(&a.id).cloned().unwrap_or_default();
        let data = self.procs.get(&pid).map(|p| p.data);
        let mut ranges: Vec<(u64, u64)> = Vec::new();
        if let (Some(data), Ok(mem)) = (data, env.memory()) {
            for (i, f) in frames.iter().enumerate().take((a.len / PAGE_SIZE) as usize) {
                let p = addr + i as u64 * PAGE_SIZE;
                if mem.space(data).and_then(|s| s.pte(p)).is_some_and(|e| e.frame == *f) {
                    match ranges.last_mut() {
                        Some(r) if r.1 == p => r.1 = p + PAGE_SIZE,
                        _ => ranges.push((p, p + PAGE_SIZE)),
                    }
                }
            }
        }
        for (s, e) in ranges {
            self.unmap_range(env, pid, s, e);
        }
        a.id as u32 as u64
    }

    /// op::SHM_FREE: ipc destroyed segment `id`: its frames go once no mapping holds
    /// them.
    pub(super) fn shm_free(&mut self, env: &mut dyn Env, id: i32) {
        if let (Some(fs), Ok(mem)) = (self.shm.frames.remove(&id), env.memory()) {
            for f in fs {
                mem.frames.decref(f);
            }
        }
    }

    /// fork copied the parent's mappings: the child has the same attaches, and ipc
    /// counts each one.
    pub(super) fn shm_fork(&mut self, env: &mut dyn Env, parent: u32, child: u32) {
        let Some(mine) = self.shm.attaches.get(&parent).cloned() else { return };
        let kept: BTreeMap<u64, Attach> = mine.into_iter().filter(|(a, _)| self.procs.get(&child).is_some_and(|c| c.vmas.find(*a).is_some())).collect();
        for x in kept.values() {
            let _ = env.call(ServiceId::Ipc, ipc_op::SHM_INHERIT, [(child as u64) << 32, x.id as u32 as u64, 0, 0, 0, 0], &[]);
        }
        if !kept.is_empty() {
            self.shm.attaches.insert(child, kept);
        }
    }

    /// exit or exec: every attach of `pid` is detached (its mappings went with the old
    /// space); a segment this destroyed loses its frames.
    pub(super) fn shm_exit(&mut self, env: &mut dyn Env, pid: u32) {
        let Some(mine) = self.shm.attaches.remove(&pid) else { return };
        for x in mine.values() {
            if let Ok([1, _]) = env.call(ServiceId::Ipc, ipc_op::SHM_DETACHED, [(pid as u64) << 32, x.id as u32 as u64, 0, 0, 0, 0], &[]) {
                self.shm_free(env, x.id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placement_follows_shmat_2() {
        assert_eq!(place(0, 0, 8192), Ok(None), "mm chooses");
        assert_eq!(place(0x10_0000, 0, 8192), Ok(Some(0x10_0000)));
        assert_eq!(place(0x10_0123, 0, 8192), Err(libc::EINVAL), "unaligned without SHM_RND");
        assert_eq!(place(0x10_0123, SHM_RND, 8192), Ok(Some(0x10_0000)));
        assert_eq!(place(0x123, SHM_RND, 8192), Err(libc::EINVAL), "rounded to NULL");
        assert_eq!(place(TASK_SIZE - 4096, 0, 8192), Err(libc::ENOMEM), "past the top");
        assert_eq!(place(u64::MAX - 4095, 0, 8192), Err(libc::EINVAL), "wrapping");
        assert_eq!(place(u64::MAX - 4095, SHM_REMAP, 8192), Err(libc::ENOMEM), "wrapping, SHM_REMAP");
    }
}
