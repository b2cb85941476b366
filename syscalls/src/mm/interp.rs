//! Dynamically linked programs in mm: where the interpreter is found, and executable
//! file and anonymous mappings (what ld.so makes of every shared library) in the CODE
//! space.
//!
//! The machine fetches instructions only from a process's CODE space (MACHINE.md
//! section 2); DATA pages are never executable. A mapping with PROT_EXEC therefore
//! lives in both: DATA holds its pages with the mapping's R/W rights (as any mapping),
//! and CODE maps the very same frames read-only and executable at the same addresses.
//! A library's text is the page cache's frames, so every process mapping it executes
//! the same frames. The machine bumps its code epoch on every change to an X page, so
//! mapping, unmapping and mprotect keep the instruction cache right.
//!
//! Writable and executable private pages (a JIT's RWX memory, text relocations) are
//! copied in DATA first, so DATA and CODE share the process's own copy and its writes
//! reach the code it runs (after `fence.i`, as on hardware).
//!
//! After fork, a process with executable mappings of its own gets a CODE space of its
//! own (the same frames, [`fork_code`]); a static program's parent and child keep
//! sharing one, as nothing can change it but exec.

use super::{pages, ProcMem, PROT_EXEC, PROT_WRITE};
use machine::addr::PAGE_SIZE;
use machine::frames::FrameId;
use machine::memory::Memory;
use machine::PageRights;
use std::path::{Path, PathBuf};

/// Where guest paths of interpreters are found: the guest's root and qemu's -L prefix
/// (`crate::vfs::prefix`).
#[derive(Clone, Debug, Default)]
pub struct Paths {
    /// The host directory that is the guest's / (empty: the host's /).
    pub root: PathBuf,
    /// Looked up first (`-L`).
    pub prefix: Option<PathBuf>,
}

impl Paths {
    /// The host path of the interpreter a program names (PT_INTERP), if it exists.
    pub fn interpreter(&self, guest: &str) -> Option<PathBuf> {
        let root: &Path = if self.root.as_os_str().is_empty() { Path::new("/") } else { &self.root };
        crate::vfs::prefix::find(root, self.prefix.as_deref(), guest)
    }
}

/// Makes `[start, end)` of the process's CODE space match its DATA pages: with `exec`,
/// each page DATA maps is mapped in CODE as the same frame, RX; without, CODE loses the
/// range. Pages DATA does not map (past a file's end) are not executable either.
pub fn sync_code(mem: &mut Memory, pm: &ProcMem, start: u64, end: u64, exec: bool, prot: u32) -> Result<(), machine::GxError> {
    if !exec {
        return mem.unmap(pm.code, start, end - start);
    }
    for p in pages(start, end) {
        let Some(e) = mem.space(pm.data).and_then(|s| s.pte(p)).copied() else {
            mem.unmap(pm.code, p, PAGE_SIZE)?;
            continue;
        };
        // A page with no frame yet (demand-zero), or a writable page still shared
        // copy-on-write, gets its own frame in DATA first: CODE must map the frame the
        // process's writes go to.
        if e.frame == FrameId::NONE || (e.cow && prot & PROT_WRITE != 0) {
            let mut bytes = vec![0u8; PAGE_SIZE as usize];
            if e.frame != FrameId::NONE {
                mem.peek(pm.data, p, &mut bytes)?;
            }
            mem.map_zero(pm.data, p, PAGE_SIZE, e.rights)?;
            mem.poke(pm.data, p, &bytes)?;
        }
        let frame = mem.space(pm.data).and_then(|s| s.pte(p)).map(|e| e.frame).unwrap_or(FrameId::NONE);
        mem.map_frame(pm.code, p, frame, PageRights::RX, false)?;
    }
    Ok(())
}

/// The CODE space of a child forked from `parent`: the parent's own when the parent
/// has no executable mapping besides its image (nothing but exec changes it then), else
/// a new space mapping the same frames.
pub fn fork_code(mem: &mut Memory, me: machine::Sid, parent: &ProcMem, child: u32) -> Result<machine::Sid, machine::GxError> {
    if !parent.vmas.iter().any(|v| is_exec(v.prot)) {
        return Ok(parent.code);
    }
    let code = mem.create_space(format!("pid {child} code"), me)?;
    // Pages with a frame, then the untouched demand-zero runs (one entry each).
    let (ptes, runs): (Vec<(u64, machine::space::Pte)>, Vec<(u64, u64, PageRights)>) = mem
        .space(parent.code)
        .map(|s| (s.pages.iter().map(|(p, e)| (*p, *e)).collect(), s.lazy.iter().map(|(first, r)| (*first, r.end, r.pte.rights)).collect()))
        .unwrap_or_default();
    for (page, e) in ptes {
        let r = if e.frame == FrameId::NONE { mem.map_lazy(code, page * PAGE_SIZE, PAGE_SIZE, e.rights) } else { mem.map_frame(code, page * PAGE_SIZE, e.frame, e.rights, false) };
        if let Err(err) = r {
            let _ = mem.destroy_space(code);
            return Err(err);
        }
    }
    for (first, end, rights) in runs {
        let r = mem.map_lazy(code, first * PAGE_SIZE, (end - first) * PAGE_SIZE, rights);
        if let Err(err) = r {
            let _ = mem.destroy_space(code);
            return Err(err);
        }
    }
    Ok(code)
}

/// Whether a protection asks for execution.
pub fn is_exec(prot: u32) -> bool {
    prot & PROT_EXEC != 0
}
