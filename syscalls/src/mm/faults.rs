//! What a fault means (SIGSEGV or SIGBUS, and its code) and the /proc/PID/maps and
//! /proc/PID/smaps texts.

use super::*;

impl Mm {
    /// What a fault of process `pid` at `addr` means (see `op::FAULT_KIND`).
    pub(super) fn fault_kind(&mut self, env: &mut dyn Env, pid: u32, addr: u64) -> [u64; 2] {
        let off = addr::offset_of(addr);
        let Some(pm) = self.procs.get(&pid) else { return [SIGSEGV, SEGV_MAPERR] };
        let data = pm.data;
        let Some(v) = pm.vmas.find(off).cloned() else {
            return if self.grow_down(env, pid, off) { [0, 0] } else { [SIGSEGV, SEGV_MAPERR] };
        };
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

    /// A fault at `off`, in no mapping, just below a MAP_GROWSDOWN mapping: the
    /// mapping grows down to the faulting page unless that comes within
    /// `STACK_GUARD_GAP` of an accessible mapping below (expand_downwards). Whether
    /// it grew (retry the access).
    fn grow_down(&mut self, env: &mut dyn Env, pid: u32, off: u64) -> bool {
        let page = addr::page_floor(off);
        let Some(pm) = self.procs.get(&pid) else { return false };
        let Some(above) = pm.vmas.iter().find(|v| v.start > off).filter(|v| v.growsdown).cloned() else { return false };
        if let Some(below) = pm.vmas.iter().rev().find(|v| v.end <= off)
            && !below.growsdown
            && below.prot != 0
            && page - below.end < STACK_GUARD_GAP
        {
            return false;
        }
        let data = pm.data;
        let grown = Vma { start: page, end: above.start, ..above.clone() };
        {
            let Ok(mem) = env.memory() else { return false };
            let extra = grown.len();
            if !Self::room_for(self.map_limit(), mem, pm, extra, 0) || mem.map_lazy(data, page, extra, rights(above.prot)).is_err() {
                return false;
            }
        }
        if let Some(pm) = self.procs.get_mut(&pid) {
            pm.vmas.insert(grown);
        }
        true
    }

    /// /proc/PID/maps, or with `smaps` /proc/PID/smaps: each mapping's line followed
    /// by its sizes (Rss: the pages with frames; Locked: the mlocked ones).
    pub(super) fn maps_text(&self, env: &dyn Env, pid: u32, exe: &str, smaps: bool) -> String {
        let Some(pm) = self.procs.get(&pid) else { return String::new() };
        let mut out = String::new();
        let mut lines: Vec<(u64, u64, String, u64, FileKey, String)> = Vec::new();
        let none = FileKey { dev: 0, ino: 0 };
        // The CODE space's regions where no mmap'd mapping says more (those are
        // mirrored there, always private-looking); over the image's segments the
        // CODE space's rights win (their records do not say PROT_EXEC).
        let mut code_lines = Vec::new();
        if let Some(code) = env.machine().mem.space(pm.code) {
            for (s, e, r) in code.regions() {
                if s < TASK_SIZE {
                    code_lines.push((s, e, format!("{:?}p", r)));
                }
            }
        }
        for (s, e, r) in code_lines {
            let mut at = s;
            for v in pm.vmas.iter().filter(|v| v.start < e && v.end > s && v.role != Role::Image) {
                if v.start > at {
                    lines.push((at, v.start, r.clone(), 0, none, exe.to_string()));
                }
                at = at.max(v.end);
            }
            if at < e {
                lines.push((at, e, r, 0, none, exe.to_string()));
            }
        }
        for v in pm.vmas.iter() {
            if v.role == Role::Image && lines.iter().any(|l| l.0 <= v.start && v.end <= l.1) {
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
            if smaps {
                let anon = key.ino == 0;
                let sid = if r.contains('x') && self.procs[&pid].vmas.find(s).is_none() { self.procs[&pid].code } else { self.procs[&pid].data };
                let rss = resident(env, sid, s, e) / 1024;
                let kb = |v: u64| v / 1024;
                let fields: [(&str, u64); 20] = [
                    ("Size", kb(e - s)),
                    ("KernelPageSize", 4),
                    ("MMUPageSize", 4),
                    ("Rss", rss),
                    ("Pss", rss),
                    ("Shared_Clean", 0),
                    ("Shared_Dirty", 0),
                    ("Private_Clean", if anon { 0 } else { rss }),
                    ("Private_Dirty", if anon { rss } else { 0 }),
                    ("Referenced", rss),
                    ("Anonymous", if anon { rss } else { 0 }),
                    ("LazyFree", 0),
                    ("AnonHugePages", 0),
                    ("ShmemPmdMapped", 0),
                    ("FilePmdMapped", 0),
                    ("Shared_Hugetlb", 0),
                    ("Private_Hugetlb", 0),
                    ("Swap", 0),
                    ("SwapPss", 0),
                    ("Locked", kb(self.locked_in(pid, s, e))),
                ];
                for (f, v) in fields {
                    out.push_str(&format!("{:<16}{v:>8} kB\n", format!("{f}:")));
                }
                out.push_str("THPeligible:    0\n");
            }
        }
        out
    }
}

/// Bytes of [start, end) of space `sid` that have frames (a demand-zero page not yet
/// touched has none), walking the smaller of the range and the page table.
fn resident(env: &dyn Env, sid: Sid, start: u64, end: u64) -> u64 {
    let Some(space) = env.machine().mem.space(sid) else { return 0 };
    let (lo, hi) = (start / PAGE_SIZE, end / PAGE_SIZE);
    let has = |e: &machine::space::Pte| e.frame != FrameId::NONE;
    let n = if hi - lo > space.pages.len() as u64 {
        space.pages.iter().filter(|(p, e)| (lo..hi).contains(*p) && has(e)).count()
    } else {
        (lo..hi).filter(|p| space.pages.get(p).is_some_and(has)).count()
    };
    n as u64 * PAGE_SIZE
}
