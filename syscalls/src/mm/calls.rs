//! The mapping calls: brk, mmap, munmap, mprotect, mremap, madvise, msync, mincore.

use super::*;

impl Mm {
    /// Whether adding `extra` bytes of page-table-backed mappings to `pm` (of which
    /// `replaced` bytes replace existing ones) stays within the machine's limits.
    pub(super) fn room_for(limit: usize, mem: &Memory, pm: &ProcMem, extra: u64, replaced: u64) -> bool {
        pm.vmas.len() < limit && pm.vmas.populated_bytes().saturating_sub(replaced).saturating_add(extra) <= vm_limit(mem)
    }

    pub(super) fn brk(&mut self, env: &mut dyn Env, pid: u32, want: u64) -> u64 {
        let map_limit = self.map_limit();
        let Some(pm) = self.procs.get(&pid) else { return 0 };
        let cur = pm.brk;
        if want < pm.brk_start || want > pm.brk_start + BRK_MAX {
            return cur;
        }
        let (old_end, new_end) = (page_ceil(cur), page_ceil(want));
        let data = pm.data;
        if new_end > old_end {
            if !pm.vmas.is_free(old_end, new_end) {
                return cur;
            }
            let Ok(mem) = env.memory() else { return cur };
            if !Self::room_for(map_limit, mem, pm, new_end - old_end, 0) || mem.map_lazy(data, old_end, new_end - old_end, PageRights::RW).is_err() {
                return cur;
            }
            if let Some(pm) = self.procs.get_mut(&pid) {
                pm.vmas.insert(Vma { role: Role::Heap, ..Vma::anon(old_end, new_end, PROT_READ | PROT_WRITE) });
            }
        } else if new_end < old_end {
            if self.sealed_in(pid, new_end, old_end) {
                return cur;
            }
            self.unmap_range(env, pid, new_end, old_end);
        }
        if let Some(pm) = self.procs.get_mut(&pid) {
            pm.brk = want;
        }
        want
    }

    /// Removes `[start, end)` from process `pid`: shared file pieces are written back
    /// first, then the VMAs and the pages go.
    pub(super) fn unmap_range(&mut self, env: &mut dyn Env, pid: u32, start: u64, end: u64) {
        let Some(pm) = self.procs.get(&pid) else { return };
        let (data, code) = (pm.data, pm.code);
        let pieces: Vec<Vma> = pm.vmas.overlapping(start, end).map(|v| v.slice(start, end)).collect();
        let code_shared = !pieces.is_empty() && self.code_users(code) > 1;
        for v in pieces.iter().filter(|v| v.shared && v.file().is_some()) {
            self.write_back(env, pid, data, v);
        }
        if let Some(pm) = self.procs.get_mut(&pid) {
            pm.vmas.remove(start, end);
        }
        if let Ok(mem) = env.memory() {
            let _ = mem.unmap(data, start, end - start);
            // Executable pages go with their mappings (`interp`), unless the CODE space
            // is still shared with a parent or child after fork (a static program's):
            // unmapping there would take the text from under the other process too.
            if !code_shared {
                for v in &pieces {
                    let _ = mem.unmap(code, v.start, v.len());
                }
            }
        }
        let keys: Vec<FileKey> = pieces.iter().filter_map(|v| v.file().map(|f| f.key)).collect();
        if !keys.is_empty() {
            self.gc_files(env, keys);
        }
    }

    pub(super) fn mmap(&mut self, env: &mut dyn Env, pid: u32, a: [u64; 6]) -> u64 {
        let map_limit = self.map_limit();
        // prot and flags arrive packed (prot | flags << 32): mmap has six arguments.
        let (hint, len, prot, flags, fd, off) = (a[0], a[1], a[2] as u32, (a[2] >> 32) as u32, a[3] as i64 as i32, a[4]);
        let typ = flags & MAP_TYPE;
        if typ != MAP_SHARED && typ != MAP_PRIVATE && typ != MAP_SHARED_VALIDATE {
            return err(libc::EINVAL);
        }
        if typ == MAP_SHARED_VALIDATE {
            // Validated flags are a file mapping's business: Linux refuses the type
            // for anonymous memory.
            if flags & MAP_ANONYMOUS != 0 {
                return err(libc::EINVAL);
            }
            if flags & !MAP_KNOWN != 0 {
                return err(libc::EOPNOTSUPP);
            }
        }
        if len == 0 || !off.is_multiple_of(PAGE_SIZE) {
            return err(libc::EINVAL);
        }
        let Some(len) = vma::page_round(len).filter(|l| *l <= TASK_SIZE) else { return err(libc::ENOMEM) };
        let shared = typ != MAP_PRIVATE;
        let mut anon = flags & MAP_ANONYMOUS != 0;
        if !anon && off.checked_add(len).is_none() {
            return err(libc::EOVERFLOW);
        }
        if !self.procs.contains_key(&pid) {
            return err(libc::ESRCH);
        }
        // The file: what it is and whether the descriptor allows this mapping.
        let mut file = None;
        let mut no_write = false;
        if !anon {
            let st = match self.stat(env, pid, fd) {
                Ok(s) => s,
                Err(e) => return e,
            };
            let fl = match Self::open_flags(env, pid, fd) {
                Ok(f) => f,
                Err(e) => return e,
            };
            // An O_PATH descriptor names a file without opening it (fget: EBADF).
            if fl & libc::O_PATH != 0 {
                return err(libc::EBADF);
            }
            let acc = fl & libc::O_ACCMODE;
            if acc == libc::O_WRONLY || (shared && prot & PROT_WRITE != 0 && (acc != libc::O_RDWR || fl & libc::O_APPEND != 0)) {
                return err(libc::EACCES);
            }
            // A file sealed against writing (memfd F_SEAL_WRITE, F_SEAL_FUTURE_WRITE)
            // cannot be mapped shared and writable.
            // A read-only shared mapping of it may not become writable either
            // (seal_check_write clears VM_MAYWRITE).
            const F_GET_SEALS: u64 = 1034;
            const SEALS_NO_WRITE: u64 = 0x8 | 0x10;
            if shared {
                if let Ok([seals, _]) = env.call(ServiceId::Vfs, nr::FCNTL, [word(pid), fd as u32 as u64, F_GET_SEALS, 0, 0, 0], &[])
                    && !is_err(seals)
                    && seals & SEALS_NO_WRITE != 0
                {
                    if prot & PROT_WRITE != 0 {
                        return err(libc::EPERM);
                    }
                    no_write = true;
                }
                // Nor may a shared mapping of a descriptor not open for writing.
                if acc != libc::O_RDWR || fl & libc::O_APPEND != 0 {
                    no_write = true;
                }
            }
            match st.mode & S_IFMT {
                S_IFREG => file = Some((st, acc == libc::O_RDWR && fl & libc::O_APPEND == 0)),
                S_IFCHR if st.rdev == DEV_ZERO_RDEV => anon = true,
                _ => return err(libc::ENODEV),
            }
        }
        let Some(pm) = self.procs.get(&pid) else { return err(libc::ESRCH) };
        let data = pm.data;
        // Where.
        let start = if flags & (MAP_FIXED | MAP_FIXED_NOREPLACE) != 0 {
            if !hint.is_multiple_of(PAGE_SIZE) {
                return err(libc::EINVAL);
            }
            if hint > TASK_SIZE - len {
                return err(libc::ENOMEM);
            }
            // No EPERM below vm.mmap_min_addr: the process runs as root, which
            // CAP_SYS_RAWIO lets map there.
            if flags & MAP_FIXED == 0 && !pm.vmas.is_free(hint, hint + len) {
                return err(libc::EEXIST);
            }
            hint
        } else {
            let h = vma::page_round(hint).unwrap_or(0);
            if h >= MMAP_MIN && h <= TASK_SIZE - len && pm.vmas.is_free(h, h + len) {
                h
            } else {
                match pm.vmas.find_free(len, MMAP_MIN, MMAP_TOP) {
                    Some(s) => s,
                    None => return err(libc::ENOMEM),
                }
            }
        };
        let end = start + len;
        // May the machine afford it?
        let populated = !(anon && !shared && prot & (PROT_READ | PROT_WRITE | PROT_EXEC) == 0);
        {
            let Ok(mem) = env.memory() else { return err(libc::EPERM) };
            let replaced: u64 = pm.vmas.overlapping(start, end).filter(|v| v.populated).map(|v| v.slice(start, end).len()).sum();
            if !Self::room_for(map_limit, mem, pm, if populated { len } else { 0 }, replaced) {
                return err(libc::ENOMEM);
            }
            // Linux's heuristic overcommit: one writable mapping larger than all of
            // memory is refused outright (MAP_NORESERVE is not accounted).
            let private_copy = anon || !shared;
            if prot & PROT_WRITE != 0 && private_copy && flags & MAP_NORESERVE == 0 && len / PAGE_SIZE > mem.frames.limit() as u64 {
                return err(libc::ENOMEM);
            }
        }
        // MAP_FIXED replaces what was there, unless it is sealed.
        if !pm.vmas.is_free(start, end) {
            if self.sealed_in(pid, start, end) {
                return err(libc::EPERM);
            }
            self.unmap_range(env, pid, start, end);
        }
        let backing = match file {
            Some((st, may_write)) => {
                self.file_resized(env, st.key, st.size);
                if self.cache.get(st.key).is_none() {
                    self.cache.touch(st.key, st.size);
                }
                Backing::File(FileMap { key: st.key, fd, off, may_write })
            }
            None => Backing::Anon,
        };
        let v = Vma { start, end, prot, shared, backing, populated, role: Role::Mmap, dontfork: false, wipeonfork: false, policy: None, sealed: false, no_write, growsdown: flags & MAP_GROWSDOWN != 0 };
        if v.file().is_some() {
            if let Err(e) = self.populate_file(env, pid, data, &v) {
                if let Ok(mem) = env.memory() {
                    let _ = mem.unmap(data, start, len);
                }
                if let Some(f) = v.file() {
                    self.gc_files(env, vec![f.key]);
                }
                return e;
            }
        } else if populated {
            let Ok(mem) = env.memory() else { return err(libc::EPERM) };
            if mem.map_lazy(data, start, len, rights(prot)).is_err() {
                return err(libc::ENOMEM);
            }
        }
        if let Some(pm) = self.procs.get_mut(&pid) {
            pm.vmas.insert(v);
        }
        if super::interp::is_exec(prot)
            && let (Some(pm), Ok(mem)) = (self.procs.get(&pid), env.memory())
            && super::interp::sync_code(mem, pm, start, end, true, prot).is_err()
        {
            self.unmap_range(env, pid, start, end);
            return err(libc::ENOMEM);
        }
        if flags & MAP_LOCKED != 0 {
            self.lock_new(env, pid, start, end);
        }
        start
    }

    pub(super) fn munmap(&mut self, env: &mut dyn Env, pid: u32, start: u64, len: u64) -> u64 {
        if !start.is_multiple_of(PAGE_SIZE) || len == 0 {
            return err(libc::EINVAL);
        }
        let Some(len) = vma::page_round(len).filter(|l| *l <= TASK_SIZE && start <= TASK_SIZE - *l) else { return err(libc::EINVAL) };
        if !self.procs.contains_key(&pid) {
            return err(libc::ESRCH);
        }
        // Nothing is unmapped when any of the range is sealed.
        if self.sealed_in(pid, start, start + len) {
            return err(libc::EPERM);
        }
        // Unmapping the middle of a mapping splits it in two: one mapping more, which
        // vm.max_map_count may not allow (do_vmi_align_munmap: ENOMEM).
        let pm = &self.procs[&pid];
        if pm.vmas.len() >= self.map_limit() && pm.vmas.find(start).is_some_and(|v| v.start < start && start + len < v.end) {
            return err(libc::ENOMEM);
        }
        self.unmap_range(env, pid, start, start + len);
        0
    }

    pub(super) fn mprotect(&mut self, env: &mut dyn Env, pid: u32, start: u64, len: u64, prot: u32) -> u64 {
        let map_limit = self.map_limit();
        if !start.is_multiple_of(PAGE_SIZE) || prot & !(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_GROWS) != 0 {
            return err(libc::EINVAL);
        }
        let prot = prot & (PROT_READ | PROT_WRITE | PROT_EXEC);
        let Some(len) = vma::page_round(len) else { return err(libc::ENOMEM) };
        if len == 0 {
            return 0;
        }
        let Some(end) = start.checked_add(len).filter(|e| *e <= TASK_SIZE) else { return err(libc::ENOMEM) };
        let Some(pm) = self.procs.get(&pid) else { return err(libc::ESRCH) };
        let data = pm.data;
        // Linux changes the mappings in order up to the first hole (ENOMEM) or sealed
        // mapping (EPERM), then fails.
        let hole = pm.vmas.first_hole(start, end);
        let sealed = pm.vmas.overlapping(start, hole.unwrap_or(end)).find(|v| v.sealed).map(|v| v.start.max(start));
        let stop = sealed.or(hole).unwrap_or(end);
        if stop == start {
            return err(if sealed.is_some() { libc::EPERM } else { libc::ENOMEM });
        }
        let pieces: Vec<Vma> = pm.vmas.overlapping(start, stop).map(|v| v.slice(start, stop)).collect();
        if prot & PROT_WRITE != 0 && pieces.iter().any(|v| v.no_write || (v.shared && v.file().is_some_and(|f| !f.may_write))) {
            return err(libc::EACCES);
        }
        let opening: u64 = pieces.iter().filter(|v| !v.populated && prot != 0).map(|v| v.len()).sum();
        let Ok(mem) = env.memory() else { return err(libc::EPERM) };
        if opening > 0 && !Self::room_for(map_limit, mem, pm, opening, 0) {
            return err(libc::ENOMEM);
        }
        for v in &pieces {
            let r = if v.populated || prot == 0 { mem.protect(data, v.start, v.len(), rights(prot)) } else { mem.map_lazy(data, v.start, v.len(), rights(prot)) };
            if r.is_err() {
                return err(libc::ENOMEM);
            }
        }
        if let Some(pm) = self.procs.get_mut(&pid) {
            pm.vmas.update(start, stop, |v| {
                v.prot = prot;
                v.populated |= prot != 0;
            });
        }
        let exec = super::interp::is_exec(prot);
        if let (Some(pm), Ok(mem)) = (self.procs.get(&pid), env.memory())
            && (exec || pieces.iter().any(|v| super::interp::is_exec(v.prot)))
            && super::interp::sync_code(mem, pm, start, stop, exec, prot).is_err()
        {
            return err(libc::ENOMEM);
        }
        if sealed.is_some() {
            err(libc::EPERM)
        } else if hole.is_some() {
            err(libc::ENOMEM)
        } else {
            0
        }
    }

    /// Moves the page-table entries of `[from, from+len)` to `to` (frames, rights and
    /// copy-on-write marks as they are: no copy), leaving the source unmapped.
    pub(super) fn move_pages(mem: &mut Memory, data: Sid, from: u64, to: u64, len: u64) -> Result<(), machine::GxError> {
        for i in 0..len / PAGE_SIZE {
            let Some(e) = mem.space(data).and_then(|s| s.pte(from + i * PAGE_SIZE)).copied() else { continue };
            if e.frame == FrameId::NONE {
                mem.map_lazy(data, to + i * PAGE_SIZE, PAGE_SIZE, e.rights)?;
            } else {
                mem.map_frame(data, to + i * PAGE_SIZE, e.frame, e.rights, e.cow)?;
            }
        }
        mem.unmap(data, from, len)
    }

    /// Gives `[start, end)` of VMA `v` (which now covers it) its pages: demand-zero for
    /// anonymous memory, the file's for file mappings.
    pub(super) fn populate(&mut self, env: &mut dyn Env, pid: u32, data: Sid, v: &Vma, start: u64, end: u64) -> Result<(), u64> {
        if start >= end || !v.populated {
            return Ok(());
        }
        if v.file().is_some() {
            return self.populate_file(env, pid, data, &v.slice(start, end));
        }
        let mem = env.memory().map_err(|_| err(libc::EPERM))?;
        mem.map_lazy(data, start, end - start, rights(v.prot)).map_err(|_| err(libc::ENOMEM))
    }

    pub(super) fn mremap(&mut self, env: &mut dyn Env, pid: u32, a: [u64; 6]) -> u64 {
        let map_limit = self.map_limit();
        let (old, flags, new_addr) = (a[0], a[3], a[4]);
        if flags & !(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP) != 0 || flags & MREMAP_DONTUNMAP != 0 {
            // MREMAP_DONTUNMAP is not supported (as on kernels before 5.7).
            return err(libc::EINVAL);
        }
        if flags & MREMAP_FIXED != 0 && flags & MREMAP_MAYMOVE == 0 {
            return err(libc::EINVAL);
        }
        if !old.is_multiple_of(PAGE_SIZE) {
            return err(libc::EINVAL);
        }
        let (Some(old_len), Some(new_len)) = (vma::page_round(a[1]), vma::page_round(a[2])) else { return err(libc::EINVAL) };
        if new_len == 0 || new_len > TASK_SIZE {
            return err(libc::EINVAL);
        }
        // A sealed source (or, with MREMAP_FIXED, destination) is neither moved,
        // resized nor replaced.
        if self.sealed_in(pid, old, old.saturating_add(old_len.max(PAGE_SIZE))) || (flags & MREMAP_FIXED != 0 && self.sealed_in(pid, new_addr, new_addr.saturating_add(new_len))) {
            return err(libc::EPERM);
        }
        let Some(pm) = self.procs.get(&pid) else { return err(libc::ESRCH) };
        let data = pm.data;
        let Some(v) = pm.vmas.find(old).cloned() else { return err(libc::EFAULT) };
        if old_len > v.end - old {
            return err(libc::EFAULT);
        }
        if old_len == 0 {
            // A second mapping of the same shared pages.
            if !v.shared || flags & MREMAP_MAYMOVE == 0 {
                return err(libc::EINVAL);
            }
            return self.mremap_move(env, pid, data, &v, old, 0, new_len, flags, new_addr, true);
        }
        if flags & MREMAP_FIXED != 0 {
            if !new_addr.is_multiple_of(PAGE_SIZE) || new_addr > TASK_SIZE - new_len {
                return err(libc::EINVAL);
            }
            if new_addr < old + old_len && old < new_addr + new_len {
                return err(libc::EINVAL);
            }
            return self.mremap_move(env, pid, data, &v, old, old_len, new_len, flags, new_addr, false);
        }
        if new_len <= old_len {
            self.unmap_range(env, pid, old + new_len, old + old_len);
            return old;
        }
        // Grow in place when the VMA ends there and the room after it is free.
        let grow_end = old + new_len;
        if old + old_len == v.end && grow_end <= TASK_SIZE && pm.vmas.is_free(v.end, grow_end) {
            let Ok(mem) = env.memory() else { return err(libc::EPERM) };
            if !Self::room_for(map_limit, mem, pm, if v.populated { new_len - old_len } else { 0 }, 0) {
                return err(libc::ENOMEM);
            }
            let grown = Vma { end: grow_end, ..v.clone() };
            if let Err(e) = self.populate(env, pid, data, &grown, v.end, grow_end) {
                if let Ok(mem) = env.memory() {
                    let _ = mem.unmap(data, v.end, grow_end - v.end);
                }
                return e;
            }
            if let Some(pm) = self.procs.get_mut(&pid) {
                pm.vmas.insert(grown.slice(v.end, grow_end));
            }
            if super::interp::is_exec(v.prot)
                && let (Some(pm), Ok(mem)) = (self.procs.get(&pid), env.memory())
                && super::interp::sync_code(mem, pm, v.end, grow_end, true, v.prot).is_err()
            {
                return err(libc::ENOMEM);
            }
            return old;
        }
        if flags & MREMAP_MAYMOVE == 0 {
            return err(libc::ENOMEM);
        }
        self.mremap_move(env, pid, data, &v, old, old_len, new_len, flags, new_addr, false)
    }

    /// The moving part of mremap: `[old, old+old_len)` of VMA `v` goes to a new place
    /// (`new_addr` with MREMAP_FIXED, else a free one) with `new_len` bytes. With
    /// `duplicate` (old_len 0 of a shared mapping) the old mapping stays.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn mremap_move(&mut self, env: &mut dyn Env, pid: u32, data: Sid, v: &Vma, old: u64, old_len: u64, new_len: u64, flags: u64, new_addr: u64, duplicate: bool) -> u64 {
        let map_limit = self.map_limit();
        let fixed = flags & MREMAP_FIXED != 0;
        if fixed {
            self.unmap_range(env, pid, new_addr, new_addr + new_len);
        }
        let mut old_len = old_len;
        if new_len < old_len {
            self.unmap_range(env, pid, old + new_len, old + old_len);
            old_len = new_len;
        }
        let Some(pm) = self.procs.get(&pid) else { return err(libc::ESRCH) };
        let dst = if fixed {
            new_addr
        } else {
            match pm.vmas.find_free(new_len, MMAP_MIN, MMAP_TOP) {
                Some(d) => d,
                None => return err(libc::ENOMEM),
            }
        };
        let piece = v.slice(old, old + old_len.max(if duplicate { new_len.min(v.end - old) } else { 0 }));
        let moved = Vma { start: dst, end: dst + new_len, ..piece.clone() };
        {
            let Ok(mem) = env.memory() else { return err(libc::EPERM) };
            let extra = if duplicate || !v.populated { if v.populated { new_len } else { 0 } } else { new_len - old_len };
            if !Self::room_for(map_limit, mem, pm, extra, 0) {
                return err(libc::ENOMEM);
            }
            if duplicate {
                // Same frames at a second address (shared memory stays shared).
                if v.populated && mem.share(data, old, data, dst, piece.len(), rights(v.prot)).is_err() {
                    return err(libc::ENOMEM);
                }
            } else if v.populated && Self::move_pages(mem, data, old, dst, old_len).is_err() {
                return err(libc::ENOMEM);
            }
        }
        let covered = if duplicate { piece.len() } else { old_len };
        if let Some(pm) = self.procs.get_mut(&pid) {
            if !duplicate {
                pm.vmas.remove(old, old + old_len);
            }
            pm.vmas.insert(moved.clone());
        }
        if let Err(e) = self.populate(env, pid, data, &moved, dst + covered, dst + new_len) {
            return e;
        }
        if super::interp::is_exec(v.prot) && self.move_code(env, pid, old, old_len, dst, new_len, duplicate).is_err() {
            return err(libc::ENOMEM);
        }
        dst
    }

    /// The CODE side of moving executable pages (mremap): the old range's
    /// translations go (unless the CODE space is still shared after fork, as in
    /// `unmap_range`; a duplicate keeps them), the new range maps the moved frames RX.
    /// The machine's code epoch moves with each change, so no stale translation of
    /// either range survives.
    #[allow(clippy::too_many_arguments)]
    fn move_code(&mut self, env: &mut dyn Env, pid: u32, old: u64, old_len: u64, dst: u64, new_len: u64, duplicate: bool) -> Result<(), machine::GxError> {
        let Some(pm) = self.procs.get(&pid) else { return Ok(()) };
        let code_shared = self.procs.iter().any(|(p, m)| *p != pid && m.code == pm.code);
        let prot = pm.vmas.find(dst).map_or(0, |v| v.prot);
        let Ok(mem) = env.memory() else { return Ok(()) };
        if !duplicate && !code_shared && old_len > 0 {
            mem.unmap(pm.code, old, old_len)?;
        }
        super::interp::sync_code(mem, pm, dst, dst + new_len, true, prot)
    }

    pub(super) fn madvise(&mut self, env: &mut dyn Env, pid: u32, start: u64, len: u64, advice: i32) -> u64 {
        const DONTNEED: i32 = 4;
        const DONTFORK: i32 = 10;
        const DOFORK: i32 = 11;
        const WIPEONFORK: i32 = 18;
        const KEEPONFORK: i32 = 19;
        const DONTNEED_LOCKED: i32 = 24;
        if !start.is_multiple_of(PAGE_SIZE) || !matches!(advice, 0..=4 | 8..=25 | 100 | 101) {
            return err(libc::EINVAL);
        }
        let Some(len) = vma::page_round(len) else { return err(libc::EINVAL) };
        if len == 0 {
            return 0;
        }
        let Some(end) = start.checked_add(len).filter(|e| *e <= TASK_SIZE) else { return err(libc::ENOMEM) };
        // Advised up to a sealed mapping it may not discard, then EPERM.
        let sealed = self.seal_stops_advice(pid, start, end, advice);
        let end = sealed.unwrap_or(end);
        let Some(pm) = self.procs.get(&pid) else { return err(libc::ESRCH) };
        let data = pm.data;
        let hole = pm.vmas.first_hole(start, end);
        let pieces: Vec<Vma> = pm.vmas.overlapping(start, end).map(|v| v.slice(start, end)).collect();
        match advice {
            DONTNEED | DONTNEED_LOCKED => {
                // Private pages are dropped: anonymous memory reads zero again, a
                // private file mapping the file's contents. Shared pages are kept.
                for v in pieces.iter().filter(|v| !v.shared && v.populated) {
                    if v.file().is_some() {
                        let _ = self.populate_file(env, pid, data, v);
                    } else if let Ok(mem) = env.memory() {
                        let _ = mem.map_lazy(data, v.start, v.len(), rights(v.prot));
                    }
                }
            }
            WIPEONFORK | KEEPONFORK => {
                if pieces.iter().any(|v| v.shared || v.file().is_some()) {
                    return err(libc::EINVAL);
                }
                if let Some(pm) = self.procs.get_mut(&pid) {
                    pm.vmas.update(start, end, |v| v.wipeonfork = advice == WIPEONFORK);
                }
            }
            DONTFORK | DOFORK => {
                if let Some(pm) = self.procs.get_mut(&pid) {
                    pm.vmas.update(start, end, |v| v.dontfork = advice == DONTFORK);
                }
            }
            // Hints (and MADV_FREE, which may keep the contents): nothing to do.
            _ => {}
        }
        if sealed.is_some() {
            err(libc::EPERM)
        } else if hole.is_some() {
            err(libc::ENOMEM)
        } else {
            0
        }
    }

    pub(super) fn msync(&mut self, env: &mut dyn Env, pid: u32, start: u64, len: u64, flags: u64) -> u64 {
        if !start.is_multiple_of(PAGE_SIZE) || flags & !(MS_ASYNC | MS_INVALIDATE | MS_SYNC) != 0 || flags & (MS_ASYNC | MS_SYNC) == (MS_ASYNC | MS_SYNC) {
            return err(libc::EINVAL);
        }
        let Some(len) = vma::page_round(len) else { return err(libc::ENOMEM) };
        let Some(end) = start.checked_add(len).filter(|e| *e <= TASK_SIZE) else { return err(libc::ENOMEM) };
        let Some(pm) = self.procs.get(&pid) else { return err(libc::ESRCH) };
        let data = pm.data;
        let hole = pm.vmas.first_hole(start, end);
        // Invalidating locked pages is refused (EBUSY), before any write-back.
        if flags & MS_INVALIDATE != 0 && self.any_locked(pid, start, hole.unwrap_or(end)) {
            return err(libc::EBUSY);
        }
        let pm = &self.procs[&pid];
        let pieces: Vec<Vma> = pm.vmas.overlapping(start, end).filter(|v| v.shared && v.file().is_some()).map(|v| v.slice(start, end)).collect();
        for v in &pieces {
            self.write_back(env, pid, data, v);
        }
        if hole.is_some() { err(libc::ENOMEM) } else { 0 }
    }

    pub(super) fn mincore(&mut self, env: &mut dyn Env, pid: u32, start: u64, len: u64, vec: u64) -> u64 {
        if !start.is_multiple_of(PAGE_SIZE) {
            return err(libc::EINVAL);
        }
        let Some(len) = vma::page_round(len) else { return err(libc::ENOMEM) };
        let Some(end) = start.checked_add(len).filter(|e| *e <= TASK_SIZE) else { return err(libc::ENOMEM) };
        let Some(pm) = self.procs.get(&pid) else { return err(libc::ESRCH) };
        if pm.vmas.first_hole(start, end).is_some() {
            return err(libc::ENOMEM);
        }
        let data = pm.data;
        // A page is resident when it has a frame (a demand-zero page not yet touched
        // has none, as a never-faulted page on Linux).
        const CHUNK: u64 = 65536;
        let mut at = start;
        while at < end {
            let n = ((end - at) / PAGE_SIZE).min(CHUNK);
            let out: Vec<u8> = {
                let Ok(mem) = env.memory() else { return err(libc::EPERM) };
                let space = mem.space(data);
                (0..n).map(|i| space.and_then(|s| s.pte(at + i * PAGE_SIZE)).is_some_and(|e| e.frame != FrameId::NONE) as u8).collect()
            };
            if env.write(vec + (at - start) / PAGE_SIZE, &out).is_err() {
                return err(libc::EFAULT);
            }
            at += n * PAGE_SIZE;
        }
        0
    }
}

/// riscv_flush_icache(start, end, flags): fence.i on behalf of the caller. The machine
/// keeps one code epoch for every decoded and translated instruction, so the range is
/// not needed; flags other than SYS_RISCV_FLUSH_ICACHE_LOCAL (1) are EINVAL, as in
/// Linux's arch/riscv/kernel/sys_riscv.c (qemu-user does not check them).
pub(super) fn flush_icache(env: &mut dyn Env, flags: u64) -> u64 {
    const LOCAL: u64 = 1;
    if flags & !LOCAL != 0 {
        return err(libc::EINVAL);
    }
    let Ok(mem) = env.memory() else { return err(libc::EPERM) };
    mem.code_epoch += 1;
    0
}
