//! What a fault means (SIGSEGV or SIGBUS, and its code) and the /proc/PID/maps text.

use super::*;

impl Mm {
    /// What a fault of process `pid` at `addr` means (see `op::FAULT_KIND`).
    pub(super) fn fault_kind(&mut self, env: &mut dyn Env, pid: u32, addr: u64) -> [u64; 2] {
        let off = addr::offset_of(addr);
        let Some(pm) = self.procs.get(&pid) else { return [SIGSEGV, SEGV_MAPERR] };
        let data = pm.data;
        let Some(v) = pm.vmas.find(off).cloned() else { return [SIGSEGV, SEGV_MAPERR] };
        let Some(f) = v.file().cloned() else { return [SIGSEGV, SEGV_ACCERR] };
        let page = addr::page_floor(off);
        let present = env.machine().mem.space(data).and_then(|s| s.pte(page)).is_some();
        if present {
            return [SIGSEGV, SEGV_ACCERR];
        }
        // An unmapped page of a file mapping: past EOF, unless the file has grown
        // into it since (then it is mapped now and the access retried).
        if let Ok(st) = self.stat(env, pid, f.fd)
            && st.key == f.key
        {
            self.file_resized(env, f.key, st.size);
        }
        let eof_page = self.cache.get(f.key).map_or(0, |c| c.eof_page());
        if (f.off + (page - v.start)) / PAGE_SIZE >= eof_page {
            return [SIGBUS, BUS_ADRERR];
        }
        let one = v.slice(page, page + PAGE_SIZE);
        if self.populate_file(env, pid, data, &one).is_ok() && env.machine().mem.space(data).and_then(|s| s.pte(page)).is_some() {
            return [0, 0];
        }
        [SIGBUS, BUS_ADRERR]
    }

    pub(super) fn maps_text(&self, env: &dyn Env, pid: u32, exe: &str) -> String {
        let Some(pm) = self.procs.get(&pid) else { return String::new() };
        let mut out = String::new();
        let mut lines: Vec<(u64, u64, String, u64, FileKey, String)> = Vec::new();
        let none = FileKey { dev: 0, ino: 0 };
        if let Some(code) = env.machine().mem.space(pm.code) {
            for (s, e, r) in code.regions() {
                if s < TASK_SIZE {
                    lines.push((s, e, format!("{:?}p", r), 0, none, exe.to_string()));
                }
            }
        }
        for v in pm.vmas.iter() {
            if lines.iter().any(|l| l.0 <= v.start && v.end <= l.1) {
                continue;
            }
            let perms = format!(
                "{}{}{}{}",
                if v.prot & PROT_READ != 0 { 'r' } else { '-' },
                if v.prot & PROT_WRITE != 0 { 'w' } else { '-' },
                if v.prot & PROT_EXEC != 0 { 'x' } else { '-' },
                if v.shared { 's' } else { 'p' }
            );
            let name = match v.role {
                Role::Image => exe.to_string(),
                Role::Heap => "[heap]".into(),
                Role::Stack => "[stack]".into(),
                Role::Mmap => String::new(),
            };
            let (off, key) = v.file().map_or((0, none), |f| (f.off, f.key));
            lines.push((v.start, v.end, perms, off, key, name));
        }
        lines.sort_by_key(|l| l.0);
        for (s, e, r, off, key, name) in lines {
            let (major, minor) = ((key.dev >> 8) & 0xfff, (key.dev & 0xff) | ((key.dev >> 12) & 0xfff00));
            let line = format!("{s:08x}-{e:08x} {r} {off:08x} {major:02x}:{minor:02x} {}", key.ino);
            if name.is_empty() {
                out.push_str(&line);
            } else {
                out.push_str(&format!("{line:<73}{name}"));
            }
            out.push('\n');
        }
        out
    }
}
