//! The mm service: the memory authority. Creates process spaces, loads images, copies
//! them copy-on-write for fork, and implements brk and the mmap family.

use crate::service::{err, Env, Lend, Service, ServiceId};
use crate::sysno as nr;
use crate::vfs_op;
use machine::addr::{self, page_ceil, Sid, PAGE_SIZE};
use machine::{Fault, GrantRights, PageRights};
use std::any::Any;
use std::collections::BTreeMap;

/// Operations of mm besides Linux syscall numbers.
pub mod op {
    /// Exec: a1 = qualified host path (lent R), a2 = its length, a3 = blob of argv and
    /// envp (lent R; format: argc, envc as u32 then NUL-terminated strings), a4 = blob len,
    /// a5 = result buffer (lent W, 48 bytes: entry, sp, code, data, brk, execfn).
    /// a0 = 0 or -errno (ENOENT, EACCES, ENOEXEC, ENOMEM).
    pub const EXEC: u64 = 0x2000;
    /// Fork: a1 = child pid. a0 = new DATA sid (CODE is shared) or -errno.
    pub const FORK: u64 = 0x2001;
    /// A process ended: release its spaces.
    pub const EXIT: u64 = 0x2002;
    /// Spaces of a process: a0 = code, a1 = data.
    pub const SPACES: u64 = 0x2003;
    /// /proc/PID/maps text into a lent buffer: a1 = pid, a2 = buffer, a3 = len; a0 = full length.
    pub const MAPS: u64 = 0x2004;
}

/// Where mmap starts looking for room, top-down (below the stack area).
pub const MMAP_TOP: u64 = 0x3f_0000_0000;
/// Lowest address mmap hands out without MAP_FIXED.
pub const MMAP_MIN: u64 = 0x10_0000;
/// Where the sigreturn trampoline (`li a7, 139; ecall`) sits in every process's CODE
/// space: the return address of signal handlers, as the vDSO's is on Linux.
pub const SIGRETURN_TRAMPOLINE: u64 = 0x3f_ffff_e000;

/// Process CODE/DATA portals: ecall and fault portal ids, set at boot.
#[derive(Clone, Copy, Debug, Default)]
pub struct ProcessPortals {
    pub ecall: u64,
    pub fault: u64,
}

/// The largest brk region.
const BRK_MAX: u64 = 1 << 34;

/// One mapping made by mmap (or the image, stack and heap).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vma {
    pub start: u64,
    pub end: u64,
    pub prot: u32,
    pub flags: u32,
    /// Shared file mapping to write back on msync/munmap: (fd, file offset).
    pub shared_file: Option<(i32, u64)>,
    pub name: String,
}

/// Memory of one process.
#[derive(Clone, Debug, Default)]
pub struct ProcMem {
    pub code: Sid,
    pub data: Sid,
    pub brk_start: u64,
    pub brk: u64,
    pub vmas: BTreeMap<u64, Vma>,
}

/// The mm service.
#[derive(Default)]
pub struct Mm {
    pub procs: BTreeMap<u32, ProcMem>,
    /// Deterministic seed for AT_RANDOM.
    pub seed: u64,
    /// Portals installed in every new DATA space.
    pub portals: ProcessPortals,
}

fn rights(prot: u32) -> PageRights {
    // Data spaces never hold X pages: code runs from the CODE space.
    PageRights::from_prot(prot & 3)
}

impl Mm {
    /// An empty mm.
    pub fn new() -> Mm {
        Mm { seed: 0x6772_616e_7469_78, ..Default::default() }
    }

    fn find_free(pm: &ProcMem, len: u64) -> Option<u64> {
        let mut top = MMAP_TOP;
        for v in pm.vmas.values().rev() {
            if v.start >= top {
                continue;
            }
            if v.end <= top && top - v.end >= len {
                return Some(top - len);
            }
            top = top.min(v.start);
        }
        (top >= MMAP_MIN + len).then(|| top - len)
    }

    fn remove_vmas(pm: &mut ProcMem, start: u64, end: u64) -> Vec<Vma> {
        let mut removed = Vec::new();
        let keys: Vec<u64> = pm.vmas.range(..end).filter(|(_, v)| v.end > start).map(|(k, _)| *k).collect();
        for k in keys {
            let Some(v) = pm.vmas.remove(&k) else { continue };
            if v.start < start {
                pm.vmas.insert(v.start, Vma { end: start, ..v.clone() });
            }
            if v.end > end {
                let off = v.shared_file.map(|(fd, o)| (fd, o + (end - v.start)));
                pm.vmas.insert(end, Vma { start: end, shared_file: off, ..v.clone() });
            }
            removed.push(Vma { start: v.start.max(start), end: v.end.min(end), ..v });
        }
        removed
    }

    /// Creates the spaces of a new process from an executable file and gives the
    /// personality (`linux`) its whole-space grant. Used by exec and by the board for the
    /// first process.
    pub fn exec_image(&mut self, env: &mut dyn Env, pid: u32, host_path: &str, argv: Vec<Vec<u8>>, envp: Vec<Vec<u8>>, execfn: Vec<u8>) -> Result<(u64, u64, Sid, Sid, u64), i32> {
        let me = env.me();
        let linux = env.sid_of(ServiceId::Linux);
        let mem = env.memory().map_err(|_| libc::EPERM)?;
        let (loaded, pm) = self.load_new(mem, me, linux, pid, host_path, argv, envp, execfn)?;
        if let Some(old) = self.procs.insert(pid, pm) {
            self.release(env, old);
        }
        Ok(loaded)
    }

    /// The work of exec without a service context: also what the board uses to start
    /// the first process. Returns (entry, sp, code, data, brk) and the process's memory.
    #[allow(clippy::too_many_arguments)]
    pub fn load_new(&mut self, mem: &mut machine::memory::Memory, me: Sid, linux: Sid, pid: u32, host_path: &str, argv: Vec<Vec<u8>>, envp: Vec<Vec<u8>>, execfn: Vec<u8>) -> Result<((u64, u64, Sid, Sid, u64), ProcMem), i32> {
        let bytes = loader::read_executable(std::path::Path::new(host_path)).map_err(|e| e.errno())?;
        loader::parse(&bytes).map_err(|_| libc::ENOEXEC)?;
        self.seed = self.seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let mut random = [0u8; 16];
        random[..8].copy_from_slice(&self.seed.to_le_bytes());
        random[8..].copy_from_slice(&(self.seed ^ pid as u64).to_le_bytes());
        let spec = loader::StackSpec { argv, envp, execfn, random, uid: 0, euid: 0, gid: 0, egid: 0 };
        let code = mem.create_space(format!("pid {pid} code"), me).map_err(|_| libc::EAGAIN)?;
        let data = match mem.create_space(format!("pid {pid} data"), me) {
            Ok(d) => d,
            Err(_) => {
                let _ = mem.destroy_space(code);
                return Err(libc::EAGAIN);
            }
        };
        let loaded = match loader::load_process(mem, code, data, &bytes, &spec) {
            Ok(l) => l,
            Err(e) => {
                let _ = mem.destroy_space(code);
                let _ = mem.destroy_space(data);
                return Err(e.errno());
            }
        };
        let tramp: Vec<u8> = [0x08b0_0893u32, 0x0000_0073].iter().flat_map(|w| w.to_le_bytes()).collect();
        if mem.map_zero(code, SIGRETURN_TRAMPOLINE, PAGE_SIZE, PageRights::RX).is_err() || mem.poke(code, SIGRETURN_TRAMPOLINE, &tramp).is_err() {
            let _ = mem.destroy_space(code);
            let _ = mem.destroy_space(data);
            return Err(libc::ENOMEM);
        }
        if let Some(s) = mem.space_mut(data) {
            s.ecall_portal = Some(self.portals.ecall);
            s.fault_portal = Some(self.portals.fault);
        }
        // The personality's one persistent whole-space grant on the process (R, W, G).
        let req = |grantee| machine::grants::GrantRequest { owner: data, lo: 0, len: addr::SPACE_SIZE, rights: GrantRights::RWG, grantee, transient: false };
        mem.grant(me, me, &req(linux)).map_err(|_| libc::ENOMEM)?;
        if me != linux {
            // mm itself needs to reach the process for file-backed mappings' write-back.
            mem.grant(me, me, &req(me)).map_err(|_| libc::ENOMEM)?;
        }
        let mut pm = ProcMem { code, data, brk_start: loaded.brk_start, brk: loaded.brk_start, vmas: BTreeMap::new() };
        for (start, end, r) in mem.space(data).map(|s| s.regions()).unwrap_or_default() {
            let prot = (r.contains(PageRights::R) as u32) | ((r.contains(PageRights::W) as u32) << 1);
            pm.vmas.insert(start, Vma { start, end, prot, flags: 0, shared_file: None, name: String::new() });
        }
        let stack_lo = loader::STACK_TOP - loader::STACK_SIZE;
        Self::remove_vmas(&mut pm, stack_lo, loader::STACK_TOP);
        pm.vmas.insert(stack_lo, Vma { start: stack_lo, end: loader::STACK_TOP, prot: 3, flags: 0, shared_file: None, name: "[stack]".into() });
        Ok(((loaded.entry, loaded.sp, code, data, loaded.brk_start), pm))
    }

    fn release(&mut self, env: &mut dyn Env, pm: ProcMem) {
        let code_shared = self.procs.values().any(|p| p.code == pm.code);
        if let Ok(mem) = env.memory() {
            let _ = mem.destroy_space(pm.data);
            if !code_shared {
                let _ = mem.destroy_space(pm.code);
            }
        }
    }

    fn fork(&mut self, env: &mut dyn Env, pid: u32, child: u32) -> u64 {
        let Some(parent) = self.procs.get(&pid).cloned() else { return err(libc::ESRCH) };
        let me = env.me();
        let linux = env.sid_of(ServiceId::Linux);
        let Ok(mem) = env.memory() else { return err(libc::EPERM) };
        let Ok(data) = mem.create_space(format!("pid {child} data"), me) else { return err(libc::EAGAIN) };
        if let Some(s) = mem.space_mut(data) {
            s.ecall_portal = Some(self.portals.ecall);
            s.fault_portal = Some(self.portals.fault);
        }
        if mem.cow_clone(parent.data, data).is_err() {
            let _ = mem.destroy_space(data);
            return err(libc::ENOMEM);
        }
        let req = |grantee| machine::grants::GrantRequest { owner: data, lo: 0, len: addr::SPACE_SIZE, rights: GrantRights::RWG, grantee, transient: false };
        if mem.grant(me, me, &req(linux)).is_err() || (me != linux && mem.grant(me, me, &req(me)).is_err()) {
            let _ = mem.destroy_space(data);
            return err(libc::ENOMEM);
        }
        self.procs.insert(child, ProcMem { data, ..parent });
        data as u64
    }

    fn brk(&mut self, env: &mut dyn Env, pid: u32, want: u64) -> u64 {
        let Some(pm) = self.procs.get_mut(&pid) else { return 0 };
        let cur = pm.brk;
        if want < pm.brk_start || want > pm.brk_start + BRK_MAX {
            return cur;
        }
        let (old_end, new_end) = (page_ceil(cur), page_ceil(want));
        let data = pm.data;
        if new_end > old_end {
            if pm.vmas.range(..new_end).any(|(_, v)| v.end > old_end && v.start < new_end) {
                return cur;
            }
            let Ok(mem) = env.memory() else { return cur };
            if mem.map_lazy(data, old_end, new_end - old_end, PageRights::RW).is_err() {
                return cur;
            }
        } else if new_end < old_end {
            if let Ok(mem) = env.memory() {
                let _ = mem.unmap(data, new_end, old_end - new_end);
            }
        }
        let pm = self.procs.get_mut(&pid).expect("checked above");
        let heap_start = page_ceil(pm.brk_start);
        pm.vmas.remove(&heap_start);
        if new_end > heap_start {
            pm.vmas.insert(heap_start, Vma { start: heap_start, end: new_end, prot: 3, flags: 0, shared_file: None, name: "[heap]".into() });
        }
        pm.brk = want;
        want
    }

    fn mmap(&mut self, env: &mut dyn Env, pid: u32, a: [u64; 6]) -> Result<u64, Fault> {
        // prot and flags arrive packed (prot | flags << 32): mmap has six arguments.
        let (hint, len, prot, flags, fd, off) = (a[0], a[1], a[2] as u32, (a[2] >> 32) as u32, a[3] as i64 as i32, a[4]);
        if len == 0 || off % PAGE_SIZE != 0 {
            return Ok(err(libc::EINVAL));
        }
        let len = page_ceil(len);
        let anon = flags & libc::MAP_ANONYMOUS as u32 != 0;
        let shared = flags & libc::MAP_SHARED as u32 != 0;
        let fixed = flags & (libc::MAP_FIXED as u32 | 0x100000) != 0; // MAP_FIXED, MAP_FIXED_NOREPLACE
        let Some(pm) = self.procs.get_mut(&pid) else { return Ok(err(libc::ESRCH)) };
        let start = if fixed {
            if hint % PAGE_SIZE != 0 || hint.checked_add(len).is_none_or(|e| e > addr::SPACE_SIZE) {
                return Ok(err(libc::EINVAL));
            }
            if flags & 0x100000 != 0 && pm.vmas.range(..hint + len).any(|(_, v)| v.end > hint) {
                return Ok(err(libc::EEXIST));
            }
            hint
        } else {
            let h = addr::page_floor(hint);
            let free = h >= MMAP_MIN && h + len <= MMAP_TOP && !pm.vmas.range(..h + len).any(|(_, v)| v.end > h);
            if h != 0 && free {
                h
            } else {
                match Self::find_free(pm, len) {
                    Some(s) => s,
                    None => return Ok(err(libc::ENOMEM)),
                }
            }
        };
        let data = pm.data;
        Self::remove_vmas(pm, start, start + len);
        pm.vmas.insert(start, Vma { start, end: start + len, prot, flags, shared_file: (!anon && shared).then_some((fd, off)), name: String::new() });
        {
            let mem = match env.memory() {
                Ok(m) => m,
                Err(_) => return Ok(err(libc::EPERM)),
            };
            // File contents are read into writable pages first; the final rights follow.
            let initial = if anon { rights(prot) } else { PageRights::RW };
            if mem.map_lazy(data, start, len, initial).is_err() {
                return Ok(err(libc::ENOMEM));
            }
        }
        if !anon {
            let q = addr::qualified(data, start);
            let r = env.call(ServiceId::Vfs, vfs_op::PREAD_FILL, [pid as u64, fd as u64, q, len, off, 0], &[Lend::write(q, len)]);
            match r {
                Ok([v, _]) if (v as i64) >= 0 => {}
                Ok([v, _]) => {
                    if let Ok(mem) = env.memory() {
                        let _ = mem.unmap(data, start, len);
                    }
                    if let Some(pm) = self.procs.get_mut(&pid) {
                        Self::remove_vmas(pm, start, start + len);
                    }
                    return Ok(v);
                }
                Err(e) => return Ok(crate::service::call_errno(&e)),
            }
            if let Ok(mem) = env.memory() {
                let _ = mem.protect(data, start, len, rights(prot));
            }
        }
        Ok(start)
    }

    fn write_back(&mut self, env: &mut dyn Env, pid: u32, v: &Vma) {
        let Some((fd, off)) = v.shared_file else { return };
        if v.prot & 2 == 0 {
            return;
        }
        let Some(pm) = self.procs.get(&pid) else { return };
        let q = addr::qualified(pm.data, v.start);
        let len = v.end - v.start;
        let _ = env.call(ServiceId::Vfs, vfs_op::PWRITE_FROM, [pid as u64, fd as u64, q, len, off, 0], &[Lend::read(q, len)]);
    }

    fn munmap(&mut self, env: &mut dyn Env, pid: u32, start: u64, len: u64) -> u64 {
        if start % PAGE_SIZE != 0 || len == 0 {
            return err(libc::EINVAL);
        }
        let len = page_ceil(len);
        let Some(pm) = self.procs.get_mut(&pid) else { return err(libc::ESRCH) };
        let data = pm.data;
        let removed = Self::remove_vmas(pm, start, start + len);
        for v in &removed {
            self.write_back(env, pid, v);
        }
        if let Ok(mem) = env.memory() {
            let _ = mem.unmap(data, start, len);
        }
        0
    }

    fn mprotect(&mut self, env: &mut dyn Env, pid: u32, start: u64, len: u64, prot: u32) -> u64 {
        if start % PAGE_SIZE != 0 {
            return err(libc::EINVAL);
        }
        let len = page_ceil(len);
        let Some(pm) = self.procs.get_mut(&pid) else { return err(libc::ESRCH) };
        // Every page must be mapped, as Linux requires.
        let mut covered = start;
        for v in pm.vmas.range(..start + len).map(|(_, v)| v).filter(|v| v.end > start) {
            if v.start > covered {
                break;
            }
            covered = covered.max(v.end);
        }
        if covered < start + len {
            return err(libc::ENOMEM);
        }
        let data = pm.data;
        let pieces = Self::remove_vmas(pm, start, start + len);
        for v in pieces {
            pm.vmas.insert(v.start, Vma { prot, ..v });
        }
        match env.memory() {
            Ok(mem) => match mem.protect(data, start, len, rights(prot)) {
                Ok(()) => 0,
                Err(_) => err(libc::ENOMEM),
            },
            Err(_) => err(libc::EPERM),
        }
    }

    fn mremap(&mut self, env: &mut dyn Env, pid: u32, a: [u64; 6]) -> u64 {
        let (old, old_len, new_len, flags) = (a[0], page_ceil(a[1]), page_ceil(a[2]), a[3] as i32);
        if old % PAGE_SIZE != 0 || new_len == 0 {
            return err(libc::EINVAL);
        }
        let Some(pm) = self.procs.get_mut(&pid) else { return err(libc::ESRCH) };
        let Some(v) = pm.vmas.range(..=old).next_back().map(|(_, v)| v.clone()).filter(|v| v.end >= old + old_len) else {
            return err(libc::EFAULT);
        };
        let data = pm.data;
        if new_len <= old_len {
            return if self.munmap(env, pid, old + new_len, old_len - new_len.min(old_len)) == 0 || new_len == old_len { old } else { err(libc::EINVAL) };
        }
        // Grow in place if the room is free.
        let grow_end = old + new_len;
        let free = !pm.vmas.range(..grow_end).any(|(_, x)| x.end > old + old_len && x.start < grow_end) && grow_end <= MMAP_TOP;
        if free {
            let Ok(mem) = env.memory() else { return err(libc::EPERM) };
            if mem.map_lazy(data, old + old_len, new_len - old_len, rights(v.prot)).is_err() {
                return err(libc::ENOMEM);
            }
            let pm = self.procs.get_mut(&pid).expect("checked");
            Self::remove_vmas(pm, old, old + old_len);
            pm.vmas.insert(old, Vma { start: old, end: grow_end, ..v });
            return old;
        }
        if flags & libc::MREMAP_MAYMOVE == 0 {
            return err(libc::ENOMEM);
        }
        let Some(dst) = Self::find_free(pm, new_len) else { return err(libc::ENOMEM) };
        let Ok(mem) = env.memory() else { return err(libc::EPERM) };
        // Moving is remapping the same frames at the new place: no copy.
        if mem.map_lazy(data, dst, new_len, rights(v.prot)).is_err() || mem.share(data, old, data, dst, old_len, rights(v.prot)).is_err() {
            return err(libc::ENOMEM);
        }
        let _ = mem.unmap(data, old, old_len);
        let pm = self.procs.get_mut(&pid).expect("checked");
        Self::remove_vmas(pm, old, old + old_len);
        pm.vmas.insert(dst, Vma { start: dst, end: dst + new_len, ..v });
        dst
    }

    fn maps_text(&self, env: &dyn Env, pid: u32, exe: &str) -> String {
        let Some(pm) = self.procs.get(&pid) else { return String::new() };
        let mut out = String::new();
        let mut lines: Vec<(u64, u64, String, String)> = Vec::new();
        if let Some(code) = env.machine().mem.space(pm.code) {
            for (s, e, r) in code.regions() {
                lines.push((s, e, format!("{:?}p", r), exe.to_string()));
            }
        }
        for v in pm.vmas.values() {
            let r = format!("{}{}-p", if v.prot & 1 != 0 { 'r' } else { '-' }, if v.prot & 2 != 0 { 'w' } else { '-' });
            let covered = lines.iter().any(|l| l.0 <= v.start && v.end <= l.1);
            if !covered {
                lines.push((v.start, v.end, r, v.name.clone()));
            }
        }
        lines.sort();
        for (s, e, r, name) in lines {
            out.push_str(&format!("{s:08x}-{e:08x} {r} 00000000 00:00 0 {name}\n"));
        }
        out
    }
}

impl Service for Mm {
    fn id(&self) -> ServiceId {
        ServiceId::Mm
    }

    fn as_any(&mut self) -> &mut dyn Any {
        self
    }

    fn handle(&mut self, env: &mut dyn Env, op: u64, a: [u64; 6]) -> Result<[u64; 2], Fault> {
        let pid = (a[0] >> 32) as u32;
        let s = [a[1], a[2], a[3], a[4], a[5], 0];
        Ok(match op {
            op::EXEC => {
                let mut path = vec![0u8; s[1] as usize];
                env.read(s[0], &mut path)?;
                let mut blob = vec![0u8; s[3] as usize];
                env.read(s[2], &mut blob)?;
                let (argv, envp, execfn) = unpack_blob(&blob);
                let path = String::from_utf8_lossy(&path).into_owned();
                match self.exec_image(env, pid, &path, argv, envp, execfn) {
                    Ok((entry, sp, code, data, brk)) => {
                        let mut out = [0u8; 40];
                        for (i, v) in [entry, sp, code as u64, data as u64, brk].iter().enumerate() {
                            out[i * 8..i * 8 + 8].copy_from_slice(&v.to_le_bytes());
                        }
                        env.write(s[4], &out)?;
                        [0, 0]
                    }
                    Err(e) => [err(e), 0],
                }
            }
            op::FORK => [self.fork(env, pid, s[0] as u32), 0],
            op::EXIT => {
                if let Some(pm) = self.procs.remove(&pid) {
                    let vmas: Vec<Vma> = pm.vmas.values().cloned().collect();
                    self.procs.insert(pid, pm);
                    for v in &vmas {
                        self.write_back(env, pid, v);
                    }
                    if let Some(pm) = self.procs.remove(&pid) {
                        self.release(env, pm);
                    }
                }
                [0, 0]
            }
            op::SPACES => match self.procs.get(&(s[0] as u32)) {
                Some(pm) => [pm.code as u64, pm.data as u64],
                None => [err(libc::ESRCH), 0],
            },
            op::MAPS => {
                let mut exe = vec![0u8; (s[4] as usize).min(4096)];
                env.read(s[3], &mut exe)?;
                let text = self.maps_text(env, s[0] as u32, &String::from_utf8_lossy(&exe));
                let n = text.len().min(s[2] as usize);
                env.write(s[1], &text.as_bytes()[..n])?;
                [text.len() as u64, 0]
            }
            nr::BRK => [self.brk(env, pid, s[0]), 0],
            nr::MMAP => [self.mmap(env, pid, s)?, 0],
            nr::MUNMAP => [self.munmap(env, pid, s[0], s[1]), 0],
            nr::MPROTECT => [self.mprotect(env, pid, s[0], s[1], s[2] as u32), 0],
            nr::MREMAP => [self.mremap(env, pid, s), 0],
            nr::MADVISE => {
                // MADV_DONTNEED on private anonymous memory reads back as zeros.
                if s[2] as i32 == libc::MADV_DONTNEED && s[0] % PAGE_SIZE == 0 {
                    if let Some(pm) = self.procs.get(&pid) {
                        let data = pm.data;
                        let prot = pm.vmas.range(..=s[0]).next_back().map_or(3, |(_, v)| v.prot);
                        if let Ok(mem) = env.memory() {
                            let len = page_ceil(s[1]);
                            let mapped = mem.space(data).is_some_and(|sp| sp.pte(s[0]).is_some());
                            if mapped {
                                let _ = mem.map_lazy(data, s[0], len, rights(prot));
                            }
                        }
                    }
                }
                [0, 0]
            }
            nr::MSYNC => {
                let vmas: Vec<Vma> = self.procs.get(&pid).map(|pm| pm.vmas.values().filter(|v| v.start < s[0] + s[1] && v.end > s[0]).cloned().collect()).unwrap_or_default();
                for v in &vmas {
                    self.write_back(env, pid, v);
                }
                [0, 0]
            }
            _ => [err(libc::ENOSYS), 0],
        })
    }
}

/// Packs argv, envp and execfn for `op::EXEC`.
pub fn pack_blob(argv: &[Vec<u8>], envp: &[Vec<u8>], execfn: &[u8]) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&(argv.len() as u32).to_le_bytes());
    b.extend_from_slice(&(envp.len() as u32).to_le_bytes());
    for s in argv.iter().chain(envp.iter()).map(|v| v.as_slice()).chain(std::iter::once(execfn)) {
        b.extend_from_slice(s);
        b.push(0);
    }
    b
}

fn unpack_blob(b: &[u8]) -> (Vec<Vec<u8>>, Vec<Vec<u8>>, Vec<u8>) {
    if b.len() < 8 {
        return (Vec::new(), Vec::new(), Vec::new());
    }
    let argc = u32::from_le_bytes(b[0..4].try_into().unwrap_or_default()) as usize;
    let envc = u32::from_le_bytes(b[4..8].try_into().unwrap_or_default()) as usize;
    let mut strs = b[8..].split(|c| *c == 0).map(|s| s.to_vec());
    let argv: Vec<Vec<u8>> = (&mut strs).take(argc).collect();
    let envp: Vec<Vec<u8>> = (&mut strs).take(envc).collect();
    let execfn = strs.next().unwrap_or_default();
    (argv, envp, execfn)
}

/// Lends needed by mm syscalls (none: mm works on the process's spaces directly as
/// their memory authority).
pub fn lends(_op: u64, _a: &[u64; 6]) -> Vec<Lend> {
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_round_trip() {
        let b = pack_blob(&[b"a".to_vec(), b"bc".to_vec()], &[b"X=1".to_vec()], b"/bin/a");
        let (a, e, f) = unpack_blob(&b);
        assert_eq!(a, vec![b"a".to_vec(), b"bc".to_vec()]);
        assert_eq!(e, vec![b"X=1".to_vec()]);
        assert_eq!(f, b"/bin/a".to_vec());
    }
}
