//! File-mapping coherence: mapped files filled from and written back to the vfs, and
//! kept in step with writes and truncations made through it.

use super::*;

impl Mm {
    /// fstat of the caller's descriptor `fd`, through mm's scratch page.
    pub(super) fn stat(&mut self, env: &mut dyn Env, pid: u32, fd: i32) -> Result<Stat, u64> {
        if fd < 0 {
            return Err(err(libc::EBADF));
        }
        let me = env.me();
        {
            let mem = env.memory().map_err(|_| err(libc::EPERM))?;
            let mapped = mem.space(me).and_then(|s| s.pte(MM_SCRATCH)).is_some();
            if !mapped {
                mem.map_zero(me, MM_SCRATCH, PAGE_SIZE, PageRights::RW).map_err(|_| err(libc::ENOMEM))?;
            }
        }
        let q = addr::qualified(me, MM_SCRATCH);
        match env.call(ServiceId::Vfs, nr::FSTAT, [word(pid), fd as u32 as u64, q, 0, 0, 0], &[Lend::write(q, 128)]) {
            Ok([0, _]) => {}
            Ok([e, _]) => return Err(e),
            Err(e) => return Err(call_errno(&e)),
        }
        let mut b = [0u8; 128];
        env.read(q, &mut b).map_err(|_| err(libc::EFAULT))?;
        let u64_at = |o: usize| u64::from_le_bytes(b[o..o + 8].try_into().unwrap_or_default());
        let mode = u32::from_le_bytes(b[16..20].try_into().unwrap_or_default());
        Ok(Stat { key: FileKey { dev: u64_at(0), ino: u64_at(8) }, mode, rdev: u64_at(32), size: u64_at(48) })
    }

    /// The open flags of the caller's descriptor `fd`.
    pub(super) fn open_flags(env: &mut dyn Env, pid: u32, fd: i32) -> Result<i32, u64> {
        match env.call(ServiceId::Vfs, nr::FCNTL, [word(pid), fd as u32 as u64, libc::F_GETFL as u64, 0, 0, 0], &[]) {
            Ok([v, _]) if !is_err(v) => Ok(v as i32),
            Ok([v, _]) => Err(v),
            Err(e) => Err(call_errno(&e)),
        }
    }

    /// Whether descriptor `fd` of `pid` is still the file `key` (it may have been
    /// closed or reused since the mapping was made).
    pub(super) fn still_same_file(&mut self, env: &mut dyn Env, pid: u32, fd: i32, key: FileKey) -> bool {
        self.stat(env, pid, fd).is_ok_and(|s| s.key == key)
    }

    /// Maps the in-EOF pages of file VMA `v` (of process `pid`, space `data`) to the
    /// page cache, reading the missing ones from the file: shared mappings get the
    /// frames themselves, private ones copy-on-write. Pages wholly past EOF are left
    /// unmapped (SIGBUS on access).
    pub(super) fn populate_file(&mut self, env: &mut dyn Env, pid: u32, data: Sid, v: &Vma) -> Result<(), u64> {
        let Some(f) = v.file().cloned() else { return Ok(()) };
        let eof_page = self.cache.get(f.key).map_or(0, |c| c.eof_page());
        let file_page = |a: u64| (f.off + (a - v.start)) / PAGE_SIZE;
        let wanted: Vec<u64> = pages(v.start, v.end).filter(|a| file_page(*a) < eof_page).collect();
        // Read the pages the cache lacks, run by run, into fresh frames mapped where
        // they will live (so vfs can be lent exactly that range).
        let mut i = 0;
        while i < wanted.len() {
            if self.cache.frame(f.key, file_page(wanted[i])).is_some() {
                i += 1;
                continue;
            }
            let mut j = i + 1;
            while j < wanted.len() && wanted[j] == wanted[j - 1] + PAGE_SIZE && self.cache.frame(f.key, file_page(wanted[j])).is_none() {
                j += 1;
            }
            let (a, len) = (wanted[i], (j - i) as u64 * PAGE_SIZE);
            {
                let mem = env.memory().map_err(|_| err(libc::EPERM))?;
                mem.map_zero(data, a, len, PageRights::RW).map_err(|_| err(libc::ENOMEM))?;
            }
            let q = addr::qualified(data, a);
            let r = env.call(ServiceId::Vfs, vfs_op::PREAD_FILL, [word(pid), f.fd as u32 as u64, q, len, f.off + (a - v.start), 0], &[Lend::write(q, len)]);
            let failed = match r {
                Ok([v, _]) if !is_err(v) => None,
                Ok([v, _]) => Some(v),
                Err(e) => Some(call_errno(&e)),
            };
            let mem = env.memory().map_err(|_| err(libc::EPERM))?;
            if let Some(e) = failed {
                let _ = mem.unmap(data, a, len);
                return Err(e);
            }
            for p in pages(a, a + len) {
                if let Some(frame) = mem.space(data).and_then(|s| s.pte(p)).map(|e| e.frame) {
                    self.cache.insert(mem, f.key, file_page(p), frame);
                }
            }
            i = j;
        }
        let mem = env.memory().map_err(|_| err(libc::EPERM))?;
        for a in wanted {
            if let Some(frame) = self.cache.frame(f.key, file_page(a)) {
                mem.map_frame(data, a, frame, rights(v.prot), !v.shared).map_err(|_| err(libc::ENOMEM))?;
            }
        }
        Ok(())
    }

    /// Writes the in-EOF, mapped pages of shared file VMA piece `v` back to its file.
    pub(super) fn write_back(&mut self, env: &mut dyn Env, pid: u32, data: Sid, v: &Vma) {
        let Some(f) = v.file().cloned() else { return };
        if !v.shared || !f.may_write {
            return;
        }
        if !self.still_same_file(env, pid, f.fd, f.key) {
            tracing::warn!("mm: pid {pid}: fd {} no longer refers to the file mapped at {:#x}: write-back skipped", f.fd, v.start);
            return;
        }
        let eof_page = self.cache.get(f.key).map_or(0, |c| c.eof_page());
        let in_eof = |a: u64| (f.off + (a - v.start)) / PAGE_SIZE < eof_page;
        let runs = {
            let Ok(mem) = env.memory() else { return };
            present_runs(mem, data, v.start, v.end, in_eof)
        };
        for (a, end) in runs {
            let len = end - a;
            // vfs reads the lent pages: they must be readable, whatever the mapping's
            // protection now is.
            let unreadable = v.prot & PROT_READ == 0;
            if unreadable && let Ok(mem) = env.memory() {
                let _ = mem.protect(data, a, len, PageRights::R);
            }
            let q = addr::qualified(data, a);
            let _ = env.call(ServiceId::Vfs, vfs_op::PWRITE_FROM, [word(pid), f.fd as u32 as u64, q, len, f.off + (a - v.start), 0], &[Lend::read(q, len)]);
            if unreadable && let Ok(mem) = env.memory() {
                let _ = mem.protect(data, a, len, rights(v.prot));
            }
        }
    }

    pub(super) fn write_back_all(&mut self, env: &mut dyn Env, pid: u32, pm: &ProcMem) {
        let shared: Vec<Vma> = pm.vmas.iter().filter(|v| v.shared && v.file().is_some()).cloned().collect();
        for v in &shared {
            self.write_back(env, pid, pm.data, v);
        }
    }

    /// A cached file's size changed to `size` (fstat at mmap, or vfs reports a
    /// truncate): when it shrank, pages past the new end leave the cache and every
    /// mapping of them (private copies too, as Linux's truncate does), so touching
    /// them is SIGBUS.
    pub(super) fn file_resized(&mut self, env: &mut dyn Env, key: FileKey, size: u64) {
        let Some(old) = self.cache.touch(key, size) else { return };
        if size >= old {
            return;
        }
        let Ok(mem) = env.memory() else { return };
        let gone = self.cache.truncate(mem, key, size);
        let keep = size.div_ceil(PAGE_SIZE) * PAGE_SIZE;
        if gone.is_empty() && old.div_ceil(PAGE_SIZE) * PAGE_SIZE <= keep {
            return;
        }
        for pm in self.procs.values() {
            for v in pm.vmas.iter() {
                let Some(f) = v.file().filter(|f| f.key == key) else { continue };
                // Addresses of file offsets >= keep.
                let from = if f.off >= keep { v.start } else { v.start.saturating_add(keep - f.off) };
                if from < v.end {
                    let _ = mem.unmap(pm.data, from, v.end - from);
                }
            }
        }
    }

    /// vfs reports a write to (or truncate of) a host file (see `op::FILE_CHANGED`).
    pub(super) fn file_changed(&mut self, env: &mut dyn Env, key: FileKey, off: u64, ptr: u64, len: u64) -> u64 {
        if self.cache.get(key).is_none() {
            return 0;
        }
        if ptr == 0 {
            self.file_resized(env, key, off);
            return 1;
        }
        // Copy page by page: a write may be large, the cache holds few of its pages.
        let end = off.saturating_add(len);
        let mut at = off;
        while at < end {
            let n = (PAGE_SIZE - at % PAGE_SIZE).min(end - at);
            let cached = self.cache.frame(key, at / PAGE_SIZE).is_some();
            let mut buf = vec![0u8; n as usize];
            if cached && env.read(ptr + (at - off), &mut buf).is_err() {
                return err(libc::EFAULT);
            }
            if let Ok(mem) = env.memory() {
                if cached {
                    self.cache.write(mem, key, at, &buf);
                } else if let Some(c) = self.cache.files.get_mut(&key) {
                    c.size = c.size.max(at + n);
                }
            }
            at += n;
        }
        1
    }
}
