//! Memory: spaces, frames and grants together, and the checked accessors through which
//! every principal, emulated or host code, reaches guest memory.

use crate::addr::{self, Sid, MAX_SPACES, PAGE_SHIFT, PAGE_SIZE, SPACE_SIZE};
use crate::error::{FaultKind, GxError};
use crate::frames::{FrameId, FrameStore};
use crate::grants::{Grant, GrantLimits, GrantRequest, GrantTable, Handle};
use crate::rights::{Access, GrantRights, PageRights};
use crate::space::{LazyRun, Pte, Space};
use crate::tlb::Tlb;

/// Limits on memory resources, all configurable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct MemoryLimits {
    /// Live spaces at most (at most 65,535).
    pub spaces: usize,
    /// Frames (4 KiB) at most: the machine's physical memory.
    pub frames: usize,
    /// Frames kept back from guest-driven allocation (faults of emulated code,
    /// mapping, fork) for the kernel's own accesses to guest memory, so a guest
    /// that exhausts memory is refused or killed while the services it calls still
    /// complete their writes (capped at an eighth of `frames`).
    pub reserve: usize,
    pub grants: GrantLimits,
}

impl Default for MemoryLimits {
    fn default() -> Self {
        MemoryLimits { spaces: MAX_SPACES - 1, frames: default_frames(), reserve: 512, grants: GrantLimits::default() }
    }
}

/// The default physical memory: half of the host's, at most 8 GiB (in frames).
pub fn default_frames() -> usize {
    const CAP: u64 = 8 << 30;
    let host = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("MemTotal:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok()))
        .map_or(CAP, |kib| kib.saturating_mul(1024) / 2);
    (host.min(CAP) / PAGE_SIZE) as usize
}

/// Who an allocation is for: guest-driven ones stop at the reserve.
#[derive(Clone, Copy, PartialEq, Eq)]
enum For {
    Guest,
    Kernel,
}

/// What a checked access ended in, with the address as the accessor wrote it.
pub type AccessResult<T> = Result<T, FaultKind>;

/// All of the machine's memory state.
pub struct Memory {
    pub frames: FrameStore,
    spaces: Vec<Option<Space>>,
    generations: Vec<u32>,
    pub grants: GrantTable,
    pub tlb: Tlb,
    /// Bumped whenever executable mappings change: the instruction cache compares it.
    pub code_epoch: u64,
    next_sid: usize,
    /// Free SIDs, so the round-robin search for the next one is O(log n) however full
    /// the table is.
    free_sids: std::collections::BTreeSet<Sid>,
    live_spaces: usize,
    peak_spaces: usize,
    /// Spaces destroyed since the machine last dropped what named them (portals).
    pub(crate) dead: Vec<Sid>,
    space_limit: usize,
    reserve: usize,
    /// Copy-on-write breaks performed.
    pub cow_breaks: u64,
}

fn fault(access: Access, addr: u64, denied: bool) -> FaultKind {
    if denied { FaultKind::Denied { access, addr } } else { FaultKind::Unmapped { access, addr } }
}

impl Memory {
    /// Empty memory with the given limits.
    pub fn new(limits: MemoryLimits) -> Memory {
        let mut spaces = Vec::with_capacity(MAX_SPACES);
        spaces.resize_with(MAX_SPACES, || None);
        Memory {
            frames: FrameStore::new(limits.frames),
            spaces,
            generations: vec![0; MAX_SPACES],
            grants: GrantTable::new(limits.grants),
            tlb: Tlb::default(),
            code_epoch: 0,
            next_sid: 1,
            free_sids: (1..MAX_SPACES).map(|s| s as Sid).collect(),
            live_spaces: 0,
            peak_spaces: 0,
            dead: Vec::new(),
            space_limit: limits.spaces.min(MAX_SPACES - 1),
            reserve: limits.reserve.min(limits.frames / 8),
            cow_breaks: 0,
        }
    }

    // ----- spaces -----

    /// Creates a space. SIDs are handed out round-robin, like PIDs, so a freed number
    /// is reused as late as possible.
    pub fn create_space(&mut self, name: impl Into<String>, creator: Sid) -> Result<Sid, GxError> {
        if self.live_spaces >= self.space_limit {
            return Err(GxError::Limit);
        }
        let at = self.next_sid as Sid;
        let Some(sid) = self.free_sids.range(at..).next().or_else(|| self.free_sids.iter().next()).copied() else {
            return Err(GxError::Limit);
        };
        self.free_sids.remove(&sid);
        let sid = sid as usize;
        self.next_sid = if sid + 1 >= MAX_SPACES { 1 } else { sid + 1 };
        self.generations[sid] = self.generations[sid].wrapping_add(1);
        self.spaces[sid] = Some(Space::new(sid as Sid, name.into(), self.generations[sid], creator));
        self.live_spaces += 1;
        self.peak_spaces = self.peak_spaces.max(self.live_spaces);
        Ok(sid as Sid)
    }

    /// Destroys a space: revokes every grant it holds, made, or that covers it, and
    /// unmaps all of its pages.
    pub fn destroy_space(&mut self, sid: Sid) -> Result<Vec<Grant>, GxError> {
        let space = self.spaces.get_mut(sid as usize).and_then(|s| s.take()).ok_or(GxError::Stale)?;
        self.live_spaces -= 1;
        self.free_sids.insert(sid);
        self.dead.push(sid);
        let revoked = self.grants.revoke_involving(sid);
        self.flush_revoked(&revoked);
        self.tlb.flush_space(sid);
        for pte in space.pages.values() {
            self.frames.decref(pte.frame);
        }
        self.code_epoch += 1;
        Ok(revoked)
    }

    /// The live space with this SID.
    pub fn space(&self, sid: Sid) -> Option<&Space> {
        self.spaces.get(sid as usize)?.as_ref()
    }

    /// The live space with this SID, mutably.
    pub fn space_mut(&mut self, sid: Sid) -> Option<&mut Space> {
        self.spaces.get_mut(sid as usize)?.as_mut()
    }

    /// The generation of a SID (bumped on every re-creation).
    pub fn generation(&self, sid: Sid) -> u32 {
        self.generations[sid as usize]
    }

    /// Spaces alive.
    pub fn live_spaces(&self) -> usize {
        self.live_spaces
    }

    /// The most spaces ever alive at once.
    pub fn peak_spaces(&self) -> usize {
        self.peak_spaces
    }

    /// The configured limit on live spaces.
    pub fn space_limit(&self) -> usize {
        self.space_limit
    }

    /// Frames guest-driven allocation may bring the machine to (the limit less the
    /// kernel's reserve).
    pub fn guest_frame_limit(&self) -> usize {
        self.frames.limit() - self.reserve
    }

    fn cap(&self, who: For) -> usize {
        match who {
            For::Guest => self.guest_frame_limit(),
            For::Kernel => self.frames.limit(),
        }
    }

    // ----- mapping (the memory authority's business) -----

    fn check_range(offset: u64, len: u64) -> Result<(u64, u64), GxError> {
        if offset % PAGE_SIZE != 0 {
            return Err(GxError::Invalid);
        }
        let end = offset.checked_add(addr::page_ceil(len)).ok_or(GxError::Invalid)?;
        if end > SPACE_SIZE {
            return Err(GxError::Invalid);
        }
        Ok((offset >> PAGE_SHIFT, end >> PAGE_SHIFT))
    }

    fn replace_pte(&mut self, sid: Sid, page: u64, pte: Option<Pte>) -> Result<(), GxError> {
        let space = self.spaces[sid as usize].as_mut().ok_or(GxError::Stale)?;
        if space.carve(page, page + 1) {
            self.code_epoch += 1;
        }
        let old = match pte {
            Some(p) => space.pages.insert(page, p),
            None => space.pages.remove(&page),
        };
        if let Some(old) = old {
            if old.rights.contains(PageRights::X) {
                self.code_epoch += 1;
            }
            self.frames.decref(old.frame);
        }
        if pte.is_some_and(|p| p.rights.contains(PageRights::X)) {
            self.code_epoch += 1;
        }
        Ok(())
    }

    /// Maps fresh zeroed frames over `[offset, offset+len)`, replacing what was there.
    pub fn map_zero(&mut self, sid: Sid, offset: u64, len: u64, rights: PageRights) -> Result<(), GxError> {
        let (lo, hi) = Self::check_range(offset, len)?;
        self.space(sid).ok_or(GxError::Stale)?;
        let cap = self.cap(For::Guest);
        if self.frames.live() + (hi - lo) as usize > cap {
            return Err(GxError::Limit);
        }
        for page in lo..hi {
            let frame = self.frames.alloc_below(cap)?;
            self.replace_pte(sid, page, Some(Pte { frame, rights, cow: false }))?;
        }
        self.tlb.flush_pages(sid, lo, hi);
        Ok(())
    }

    /// Maps demand-zero pages over `[offset, offset+len)`: each gets a zeroed frame on
    /// its first access, by any principal. Large anonymous mappings, stacks and bss
    /// cost nothing until used, and host code never sees a "not yet populated" page.
    ///
    /// The range is one entry of the space's demand-zero runs, whatever its length:
    /// only the pages something touches get entries (and frames) of their own.
    pub fn map_lazy(&mut self, sid: Sid, offset: u64, len: u64, rights: PageRights) -> Result<(), GxError> {
        let (lo, hi) = Self::check_range(offset, len)?;
        self.space(sid).ok_or(GxError::Stale)?;
        self.drop_pages(sid, lo, hi)?;
        let space = self.spaces[sid as usize].as_mut().ok_or(GxError::Stale)?;
        let exec = space.carve(lo, hi);
        space.add_run(lo, hi, Pte { frame: FrameId::NONE, rights, cow: false });
        if exec || rights.contains(PageRights::X) {
            self.code_epoch += 1;
        }
        self.tlb.flush_pages(sid, lo, hi);
        Ok(())
    }

    /// Removes the entries (with frames) of `pages` in `[lo, hi)`, walking the smaller
    /// of the range and the table.
    fn drop_pages(&mut self, sid: Sid, lo: u64, hi: u64) -> Result<(), GxError> {
        let space = self.space(sid).ok_or(GxError::Stale)?;
        let pages: Vec<u64> = if hi - lo > space.pages.len() as u64 {
            space.pages.keys().copied().filter(|p| (lo..hi).contains(p)).collect()
        } else {
            (lo..hi).filter(|p| space.pages.contains_key(p)).collect()
        };
        for page in pages {
            self.replace_pte(sid, page, None)?;
        }
        Ok(())
    }

    /// Gives a demand-zero page its frame. A frame shortage is reported as an
    /// `OutOfMemory` fault at the access, as a machine with no free page would.
    fn materialize(&mut self, sid: Sid, page: u64, access: Access, addr: u64, who: For) -> Result<FrameId, FaultKind> {
        let frame = self.frames.alloc_below(self.cap(who)).map_err(|_| FaultKind::OutOfMemory { access, addr })?;
        let Some(space) = self.space_mut(sid) else {
            self.frames.decref(frame);
            return Err(FaultKind::Unmapped { access, addr });
        };
        if let Some(e) = space.pages.get_mut(&page) {
            e.frame = frame;
            // A fresh zero frame is nobody else's: a demand-zero page cloned by
            // cow_clone must not keep its copy-on-write mark, or the first write
            // would copy a frame no one shares (and `share` would alias a frame
            // that its source still considers copy-on-write).
            e.cow = false;
        } else if let Some(rights) = space.lazy_run(page).map(|(_, r)| r.pte.rights) {
            // The page leaves its run for an entry of its own.
            space.carve(page, page + 1);
            space.pages.insert(page, Pte { frame, rights, cow: false });
        } else {
            self.frames.decref(frame);
            return Err(FaultKind::Unmapped { access, addr });
        }
        Ok(frame)
    }

    /// Maps an existing frame at `offset` (adding a reference).
    pub fn map_frame(&mut self, sid: Sid, offset: u64, frame: FrameId, rights: PageRights, cow: bool) -> Result<(), GxError> {
        let (lo, _) = Self::check_range(offset, PAGE_SIZE)?;
        self.space(sid).ok_or(GxError::Stale)?;
        self.frames.incref(frame);
        self.replace_pte(sid, lo, Some(Pte { frame, rights, cow }))?;
        self.tlb.flush_pages(sid, lo, lo + 1);
        Ok(())
    }

    /// Unmaps `[offset, offset+len)`; unmapped pages in the range are ignored.
    pub fn unmap(&mut self, sid: Sid, offset: u64, len: u64) -> Result<(), GxError> {
        let (lo, hi) = Self::check_range(offset, len)?;
        self.drop_pages(sid, lo, hi)?;
        if self.spaces[sid as usize].as_mut().ok_or(GxError::Stale)?.carve(lo, hi) {
            self.code_epoch += 1;
        }
        self.tlb.flush_pages(sid, lo, hi);
        Ok(())
    }

    /// Changes the rights of the mapped pages in `[offset, offset+len)`.
    pub fn protect(&mut self, sid: Sid, offset: u64, len: u64, rights: PageRights) -> Result<(), GxError> {
        let (lo, hi) = Self::check_range(offset, len)?;
        let space = self.spaces[sid as usize].as_mut().ok_or(GxError::Stale)?;
        let mut code = false;
        let mut set = |pte: &mut Pte| {
            code |= pte.rights.contains(PageRights::X) || rights.contains(PageRights::X);
            pte.rights = rights;
        };
        // Walk whichever is smaller, the range or the page table: a one-page mprotect
        // in a large process must not cost its whole page table.
        if hi - lo > space.pages.len() as u64 {
            space.pages.iter_mut().filter(|(p, _)| (lo..hi).contains(*p)).for_each(|(_, e)| set(e));
        } else {
            (lo..hi).for_each(|p| {
                if let Some(e) = space.pages.get_mut(&p) {
                    set(e);
                }
            });
        }
        // The parts of demand-zero runs in the range get the new rights.
        let pieces: Vec<(u64, u64, Pte)> =
            space.lazy.range(..hi).rev().take_while(|(_, r)| r.end > lo).map(|(first, r)| ((*first).max(lo), r.end.min(hi), r.pte)).collect();
        if !pieces.is_empty() {
            code |= space.carve(lo, hi) || rights.contains(PageRights::X);
            for (a, b, pte) in pieces {
                space.add_run(a, b, Pte { rights, ..pte });
            }
        }
        if code {
            self.code_epoch += 1;
        }
        self.tlb.flush_pages(sid, lo, hi);
        Ok(())
    }

    /// Maps the pages of `src` in `[src_off, src_off+len)` into `dst` at `dst_off`
    /// with `rights` (aliasing, shared memory). Unmapped source pages are skipped.
    pub fn share(&mut self, src: Sid, src_off: u64, dst: Sid, dst_off: u64, len: u64, rights: PageRights) -> Result<(), GxError> {
        let (slo, shi) = Self::check_range(src_off, len)?;
        let (dlo, _) = Self::check_range(dst_off, len)?;
        self.space(dst).ok_or(GxError::Stale)?;
        let pages: Vec<(u64, Pte)> = {
            let s = self.space(src).ok_or(GxError::Stale)?;
            (slo..shi).filter_map(|p| s.pte(p << PAGE_SHIFT).map(|e| (p, *e))).collect()
        };
        // Settle every source page before any destination page changes: with
        // src == dst the ranges may overlap, and a page settled after being replaced
        // would lose (leak) the frame it was just given.
        let mut frames = Vec::with_capacity(pages.len());
        for (p, e) in pages {
            let frame = if e.cow {
                // A copy-on-write page first gets a frame of its own, as a write would:
                // shared plainly, the frame would carry the new mapping's writes into
                // the other space's private copy (a fork's child, say).
                self.writable_frame(src, p << PAGE_SHIFT, For::Guest).map_err(|_| GxError::Limit)?
            } else if e.frame == FrameId::NONE {
                // Both sides must see the same frame, so a demand-zero page gets it now.
                self.materialize(src, p, Access::Read, p << PAGE_SHIFT, For::Guest).map_err(|_| GxError::Limit)?
            } else {
                e.frame
            };
            frames.push((p, frame));
        }
        // Take every new reference before dropping any old one: a destination page
        // may be the last mapping of a source frame still to be mapped.
        for (_, frame) in &frames {
            self.frames.incref(*frame);
        }
        for (p, frame) in frames {
            self.replace_pte(dst, dlo + (p - slo), Some(Pte { frame, rights, cow: false }))?;
        }
        self.tlb.flush_pages(dst, dlo, dlo + (shi - slo));
        Ok(())
    }

    /// Fork's copy: maps every page of `src` into `dst` at the same offsets,
    /// copy-on-write on both sides. Read-only pages are marked too: a page made
    /// writable later (`protect`) must still be copied before its first write, or the
    /// write would reach the other space.
    pub fn cow_clone(&mut self, src: Sid, dst: Sid) -> Result<(), GxError> {
        self.space(dst).ok_or(GxError::Stale)?;
        let pages: Vec<(u64, Pte)> = {
            let s = self.spaces[src as usize].as_mut().ok_or(GxError::Stale)?;
            s.pages
                .iter_mut()
                .map(|(p, e)| {
                    e.cow = true;
                    (*p, *e)
                })
                .collect()
        };
        if self.frames.live() + pages.len() > self.guest_frame_limit() + pages.len() / 2 {
            // A fork that could never complete its copies is refused up front, as
            // Linux refuses it under strict overcommit: better -ENOMEM than a dead child.
            return Err(GxError::Limit);
        }
        for (p, e) in pages {
            self.frames.incref(e.frame);
            self.replace_pte(dst, p, Some(e))?;
        }
        // Untouched demand-zero runs are copied as runs: nothing to share yet.
        let runs: Vec<(u64, LazyRun)> = self.space(src).map(|s| s.lazy.iter().map(|(f, r)| (*f, *r)).collect()).unwrap_or_default();
        for (first, run) in runs {
            self.drop_pages(dst, first, run.end)?;
            let d = self.spaces[dst as usize].as_mut().ok_or(GxError::Stale)?;
            d.carve(first, run.end);
            d.add_run(first, run.end, run.pte);
            if run.pte.rights.contains(PageRights::X) {
                self.code_epoch += 1;
            }
        }
        self.tlb.flush_space(src);
        self.tlb.flush_space(dst);
        Ok(())
    }

    /// Writes bytes straight into the frames backing `[offset, ..)` of `sid`, without a
    /// grant: the memory authority's physical access, used to load images.
    pub fn poke(&mut self, sid: Sid, offset: u64, bytes: &[u8]) -> Result<(), GxError> {
        let mut done = 0usize;
        while done < bytes.len() {
            let off = offset + done as u64;
            let in_page = (off % PAGE_SIZE) as usize;
            let n = (PAGE_SIZE as usize - in_page).min(bytes.len() - done);
            let frame = self.writable_frame(sid, off, For::Kernel).map_err(|_| GxError::Fault)?;
            self.frames.bytes_mut(frame)[in_page..in_page + n].copy_from_slice(&bytes[done..done + n]);
            done += n;
        }
        Ok(())
    }

    /// Reads bytes straight from frames (the authority's physical access).
    pub fn peek(&self, sid: Sid, offset: u64, out: &mut [u8]) -> Result<(), GxError> {
        let space = self.space(sid).ok_or(GxError::Stale)?;
        let mut done = 0usize;
        while done < out.len() {
            let off = offset + done as u64;
            let in_page = (off % PAGE_SIZE) as usize;
            let n = (PAGE_SIZE as usize - in_page).min(out.len() - done);
            let pte = space.pte(off).ok_or(GxError::Fault)?;
            if pte.frame == FrameId::NONE {
                out[done..done + n].fill(0);
            } else {
                out[done..done + n].copy_from_slice(&self.frames.bytes(pte.frame)[in_page..in_page + n]);
            }
            done += n;
        }
        Ok(())
    }

    /// The frame for a write at `offset`, breaking copy-on-write sharing first.
    fn writable_frame(&mut self, sid: Sid, offset: u64, who: For) -> Result<FrameId, FaultKind> {
        let page = offset >> PAGE_SHIFT;
        let pte = *self.space(sid).and_then(|s| s.pte(offset)).ok_or(FaultKind::Unmapped { access: Access::Write, addr: offset })?;
        if pte.frame == FrameId::NONE {
            return self.materialize(sid, page, Access::Write, offset, who);
        }
        if !pte.cow {
            return Ok(pte.frame);
        }
        self.cow_breaks += 1;
        let frame = if self.frames.refs(pte.frame) > 1 {
            let copy = self.frames.alloc_copy(pte.frame, self.cap(who)).map_err(|_| FaultKind::OutOfMemory { access: Access::Write, addr: offset })?;
            self.frames.decref(pte.frame);
            copy
        } else {
            pte.frame
        };
        if let Some(e) = self.space_mut(sid).and_then(|s| s.pages.get_mut(&page)) {
            e.frame = frame;
            e.cow = false;
        }
        self.tlb.flush_pages(sid, page, page + 1);
        Ok(frame)
    }

    // ----- checked access -----

    /// The slow path of every access: checks that `principal` may perform `access` on
    /// `len` bytes (within one page) at `target:offset`, breaks copy-on-write for
    /// writes, fills the TLB where the right covers the whole page, and returns the
    /// host pointer. `addr` is the pointer as the accessor wrote it, for the fault.
    pub fn translate(&mut self, principal: Sid, target: Sid, offset: u64, len: u64, access: Access, addr: u64) -> AccessResult<*mut u8> {
        self.translate_for(principal, target, offset, len, access, addr, For::Guest)
    }

    #[allow(clippy::too_many_arguments)]
    fn translate_for(&mut self, principal: Sid, target: Sid, offset: u64, len: u64, access: Access, addr: u64, who: For) -> AccessResult<*mut u8> {
        let page_lo = addr::page_floor(offset);
        let mut grant_rights = GrantRights(GrantRights::R.0 | GrantRights::W.0);
        let mut fill_grant: Option<Handle> = None;
        if principal != target {
            let need = access.grant_right().ok_or(fault(access, addr, true))?;
            self.grants.find_covering(principal, target, offset, offset + len, need).ok_or(fault(access, addr, true))?;
            if let Some(g) = self.grants.find_page(principal, target, page_lo, page_lo + PAGE_SIZE, need) {
                grant_rights = g.rights;
                fill_grant = Some(g.handle);
            }
        }
        let pte = *self.space(target).and_then(|s| s.pte(offset)).ok_or(fault(access, addr, false))?;
        if !pte.rights.contains(access.page_right()) {
            return Err(fault(access, addr, true));
        }
        let frame = if access == Access::Write && pte.cow {
            self.writable_frame(target, offset, who)?
        } else if pte.frame == FrameId::NONE {
            self.materialize(target, offset >> PAGE_SHIFT, access, addr, who)?
        } else {
            pte.frame
        };
        let base = self.frames.host_ptr(frame);
        if principal == target || fill_grant.is_some() {
            let mut eff = pte.rights.0;
            if principal != target {
                // A grant never makes a page more than its owner allows; C and G are
                // not memory rights, and X is never granted.
                eff &= grant_rights.0 & (PageRights::R.0 | PageRights::W.0);
            }
            if pte.cow && access != Access::Write {
                eff &= !PageRights::W.0;
            }
            if let Some(h) = fill_grant {
                self.grants.mark_cached(h);
            }
            self.tlb.fill(principal, target, offset, PageRights(eff), base);
        }
        Ok(base.wrapping_add((offset % PAGE_SIZE) as usize))
    }

    /// Reads `buf.len()` bytes at `ptr` as `principal` (emulated code's slow path).
    pub fn copy_in(&mut self, principal: Sid, ptr: u64, buf: &mut [u8]) -> AccessResult<()> {
        self.copy_in_for(principal, ptr, buf, For::Guest)
    }

    /// `copy_in` for host code (the kernel's services): may populate demand-zero pages
    /// from the frame reserve.
    pub fn copy_in_host(&mut self, principal: Sid, ptr: u64, buf: &mut [u8]) -> AccessResult<()> {
        self.copy_in_for(principal, ptr, buf, For::Kernel)
    }

    /// Writes `buf` at `ptr` as `principal` (emulated code's slow path).
    pub fn copy_out(&mut self, principal: Sid, ptr: u64, buf: &[u8]) -> AccessResult<()> {
        self.copy_out_for(principal, ptr, buf, For::Guest)
    }

    /// `copy_out` for host code: may take frames from the reserve.
    pub fn copy_out_host(&mut self, principal: Sid, ptr: u64, buf: &[u8]) -> AccessResult<()> {
        self.copy_out_for(principal, ptr, buf, For::Kernel)
    }

    fn copy_in_for(&mut self, principal: Sid, ptr: u64, buf: &mut [u8], who: For) -> AccessResult<()> {
        let (target, offset) = addr::resolve(ptr, principal);
        self.range_ok(offset, buf.len() as u64, Access::Read, ptr)?;
        // A few words inside one page the TLB already allows (the decision translate
        // made when it filled the entry, flushed by whatever would change it): no
        // grant lookup. Host code reads words like this at every syscall.
        if buf.len() <= 64 && buf.len() % 8 == 0 && (offset % PAGE_SIZE) as usize + buf.len() <= PAGE_SIZE as usize {
            let mut hit = true;
            for (i, w) in buf.chunks_exact_mut(8).enumerate() {
                match self.tlb.load::<8>(principal, target, offset + i as u64 * 8) {
                    Some(b) => w.copy_from_slice(&b),
                    None => {
                        hit = false;
                        break;
                    }
                }
            }
            if hit {
                return Ok(());
            }
        }
        let mut done = 0usize;
        while done < buf.len() {
            let off = offset + done as u64;
            let n = (PAGE_SIZE - off % PAGE_SIZE).min((buf.len() - done) as u64) as usize;
            // translate checks and fills the TLB; the bytes are then read through the
            // frame store: this path is not hot, and staying in safe code is worth it.
            self.translate_for(principal, target, off, n as u64, Access::Read, ptr.wrapping_add(done as u64), who)?;
            let frame_off = (off % PAGE_SIZE) as usize;
            let pte = *self.space(target).and_then(|s| s.pte(off)).ok_or(FaultKind::Unmapped { access: Access::Read, addr: ptr })?;
            buf[done..done + n].copy_from_slice(&self.frames.bytes(pte.frame)[frame_off..frame_off + n]);
            done += n;
        }
        Ok(())
    }

    /// Writes `buf` at `ptr` as `principal`. Checks every page before writing any, so a
    /// faulting write changes nothing (unless memory runs out midway).
    fn copy_out_for(&mut self, principal: Sid, ptr: u64, buf: &[u8], who: For) -> AccessResult<()> {
        let (target, offset) = addr::resolve(ptr, principal);
        self.range_ok(offset, buf.len() as u64, Access::Write, ptr)?;
        let mut done = 0usize;
        while done < buf.len() {
            let off = offset + done as u64;
            let n = (PAGE_SIZE - off % PAGE_SIZE).min((buf.len() - done) as u64) as usize;
            self.check_only(principal, target, off, n as u64, Access::Write, ptr.wrapping_add(done as u64))?;
            done += n;
        }
        done = 0;
        while done < buf.len() {
            let off = offset + done as u64;
            let n = (PAGE_SIZE - off % PAGE_SIZE).min((buf.len() - done) as u64) as usize;
            self.translate_for(principal, target, off, n as u64, Access::Write, ptr.wrapping_add(done as u64), who)?;
            let frame = self.writable_frame(target, off, who)?;
            let frame_off = (off % PAGE_SIZE) as usize;
            self.frames.bytes_mut(frame)[frame_off..frame_off + n].copy_from_slice(&buf[done..done + n]);
            done += n;
        }
        Ok(())
    }

    /// Whether `principal` could perform the access, without side effects.
    pub fn check_only(&self, principal: Sid, target: Sid, offset: u64, len: u64, access: Access, addr: u64) -> AccessResult<()> {
        if principal != target {
            let need = access.grant_right().ok_or(fault(access, addr, true))?;
            self.grants.find_covering(principal, target, offset, offset + len, need).ok_or(fault(access, addr, true))?;
        }
        let pte = self.space(target).and_then(|s| s.pte(offset)).ok_or(fault(access, addr, false))?;
        if !pte.rights.contains(access.page_right()) {
            return Err(fault(access, addr, true));
        }
        Ok(())
    }

    fn range_ok(&self, offset: u64, len: u64, access: Access, addr: u64) -> AccessResult<()> {
        match offset.checked_add(len) {
            Some(end) if end <= SPACE_SIZE => Ok(()),
            _ => Err(fault(access, addr, false)),
        }
    }

    /// Creates an authorized grant (see `GrantTable::authorize`).
    pub fn grant(&mut self, code: Sid, data: Sid, req: &GrantRequest) -> Result<Handle, GxError> {
        if self.space(req.grantee).is_none() || self.space(req.owner).is_none() {
            return Err(GxError::Stale);
        }
        let spaces = &self.spaces;
        let may_root = |t: Sid| spaces[t as usize].as_ref().is_some_and(|s| s.creator == data);
        let parent = self.grants.authorize(code, data, may_root, req)?;
        self.grants.insert(data, parent, req)
    }

    /// Revokes `h` (and its descendants) on behalf of `by`; flushes what they cached.
    pub fn revoke(&mut self, h: Handle, by: Sid) -> Result<Vec<Grant>, GxError> {
        self.grants.may_revoke(h, by)?;
        Ok(self.revoke_unchecked(h))
    }

    /// Revokes without an authority check (transient grants at frame exit).
    pub fn revoke_unchecked(&mut self, h: Handle) -> Vec<Grant> {
        let gone = self.grants.revoke_tree(h);
        self.flush_revoked(&gone);
        gone
    }

    /// Flushes the TLB entries the revoked grants may have filled: once per (grantee,
    /// owner) pair, since a flush walks the whole TLB and a cascade may remove
    /// millions of grants between the same two spaces.
    fn flush_revoked(&mut self, gone: &[Grant]) {
        let mut pairs: Vec<(Sid, Sid)> = gone.iter().filter(|g| g.cached).map(|g| (g.grantee, g.owner)).collect();
        pairs.sort_unstable();
        pairs.dedup();
        for (grantee, owner) in pairs {
            self.tlb.flush_pair(grantee, owner);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (Memory, Sid, Sid) {
        let mut m = Memory::new(MemoryLimits::default());
        let a = m.create_space("a", 0).unwrap();
        let b = m.create_space("b", 0).unwrap();
        m.map_zero(a, 0x10000, 0x2000, PageRights::RW).unwrap();
        (m, a, b)
    }

    #[test]
    fn own_access_and_page_rights() {
        let (mut m, a, _) = setup();
        m.copy_out(a, 0x10ffe, &[1, 2, 3, 4]).unwrap();
        let mut buf = [0u8; 4];
        m.copy_in(a, 0x10ffe, &mut buf).unwrap();
        assert_eq!(buf, [1, 2, 3, 4]);
        assert!(matches!(m.copy_in(a, 0x20000, &mut buf), Err(FaultKind::Unmapped { .. })));
        m.protect(a, 0x10000, 0x1000, PageRights::R).unwrap();
        assert!(matches!(m.copy_out(a, 0x10ff0, &[9; 32]), Err(FaultKind::Denied { .. })));
        // Nothing was written by the faulting copy, not even on the writable page.
        let mut b2 = [0u8; 2];
        m.copy_in(a, 0x11000, &mut b2).unwrap();
        assert_eq!(b2, [3, 4]);
    }

    #[test]
    fn foreign_access_needs_a_grant_and_revocation_flushes() {
        let (mut m, a, b) = setup();
        let p = addr::qualified(a, 0x10000);
        let mut buf = [0u8; 8];
        assert!(matches!(m.copy_in(b, p, &mut buf), Err(FaultKind::Denied { .. })));
        let h = m.grant(a, a, &GrantRequest { owner: a, lo: 0x10000, len: 0x1000, rights: GrantRights::R, grantee: b, transient: false }).unwrap();
        m.copy_in(b, p, &mut buf).unwrap();
        assert!(m.tlb.allows(b, a, 0x10000, PageRights::R), "a whole-page grant fills the TLB");
        assert!(matches!(m.copy_out(b, p, &buf), Err(FaultKind::Denied { .. })), "R grant gives no W");
        m.revoke(h, a).unwrap();
        assert!(!m.tlb.allows(b, a, 0x10000, PageRights::R), "revoke flushed the entry");
        assert!(matches!(m.copy_in(b, p, &mut buf), Err(FaultKind::Denied { .. })));
    }

    #[test]
    fn partial_page_grants_are_byte_exact() {
        let (mut m, a, b) = setup();
        m.grant(a, a, &GrantRequest { owner: a, lo: 0x10010, len: 16, rights: GrantRights::RW, grantee: b, transient: false }).unwrap();
        m.copy_out(b, addr::qualified(a, 0x10010), &[7; 16]).unwrap();
        assert!(m.copy_out(b, addr::qualified(a, 0x10010), &[7; 17]).is_err());
        assert!(m.copy_in(b, addr::qualified(a, 0x1000f), &mut [0; 2]).is_err());
    }

    #[test]
    fn cow_clone_breaks_on_write() {
        let (mut m, a, b) = setup();
        m.copy_out(a, 0x10000, &[5]).unwrap();
        m.cow_clone(a, b).unwrap();
        m.copy_out(b, 0x10000, &[6]).unwrap();
        let (mut x, mut y) = ([0u8], [0u8]);
        m.copy_in(a, 0x10000, &mut x).unwrap();
        m.copy_in(b, 0x10000, &mut y).unwrap();
        assert_eq!((x[0], y[0]), (5, 6));
        assert_eq!(m.cow_breaks, 1);
    }

    #[test]
    fn demand_zero_pages_get_frames_on_first_touch() {
        let (mut m, a, b) = setup();
        let before = m.frames.live();
        m.map_lazy(a, 0x100000, 1 << 30, PageRights::RW).unwrap();
        assert_eq!(m.frames.live(), before, "a GiB of lazy memory costs no frame");
        let mut x = [1u8; 8];
        m.copy_in(a, 0x100000 + (1 << 29), &mut x).unwrap();
        assert_eq!(x, [0; 8]);
        m.copy_out(a, 0x100ff8, &[9; 16]).unwrap();
        assert_eq!(m.frames.live(), before + 3);
        m.cow_clone(a, b).unwrap();
        m.copy_in(b, 0x101000, &mut x).unwrap();
        assert_eq!(x, [9; 8]);
        m.unmap(a, 0x100000, 1 << 30).unwrap();
    }

    #[test]
    fn sids_go_round_robin_and_the_table_fills_to_its_limit() {
        let mut m = Memory::new(MemoryLimits { spaces: 5, ..MemoryLimits::default() });
        let s: Vec<Sid> = (0..5).map(|_| m.create_space("s", 0).unwrap()).collect();
        assert_eq!(s, vec![1, 2, 3, 4, 5]);
        assert_eq!(m.create_space("full", 0), Err(GxError::Limit));
        m.destroy_space(2).unwrap();
        // A freed number is reused as late as possible: after the ones never used.
        assert_eq!(m.create_space("t", 0), Ok(6));
        m.destroy_space(6).unwrap();
        m.destroy_space(4).unwrap();
        assert_eq!(m.create_space("u", 0), Ok(7));
        assert_eq!(m.create_space("v", 0), Ok(8));
        assert_eq!(m.create_space("w", 0), Err(GxError::Limit));
        let mut big = Memory::new(MemoryLimits::default());
        for i in 1..MAX_SPACES {
            assert_eq!(big.create_space("x", 0), Ok(i as Sid));
        }
        assert_eq!(big.create_space("y", 0), Err(GxError::Limit));
        big.destroy_space(300).unwrap();
        assert_eq!(big.create_space("z", 0), Ok(300), "the only free SID, found past the wrap");
        assert_eq!(big.generation(300), 2);
    }

    #[test]
    fn protect_touches_only_its_range() {
        let (mut m, a, _) = setup();
        m.map_lazy(a, 0x100000, 64 << 12, PageRights::RW).unwrap();
        m.protect(a, 0x101000, 0x1000, PageRights::R).unwrap();
        assert_eq!(m.space(a).unwrap().pte(0x101000).unwrap().rights, PageRights::R);
        assert_eq!(m.space(a).unwrap().pte(0x102000).unwrap().rights, PageRights::RW);
        assert_eq!(m.space(a).unwrap().pte(0x100000).unwrap().rights, PageRights::RW);
        m.protect(a, 0, 1 << 40, PageRights::R).unwrap();
        assert_eq!(m.space(a).unwrap().pte(0x10000).unwrap().rights, PageRights::R);
    }

    #[test]
    fn demand_zero_runs_cost_one_entry_until_touched() {
        let (mut m, a, b) = setup();
        let tib = 1u64 << 40;
        m.map_lazy(a, 1 << 41, tib, PageRights::RW).unwrap();
        let s = m.space(a).unwrap();
        assert_eq!((s.lazy.len(), s.pages.len()), (1, 2), "one run for a TiB; the two setup pages");
        assert_eq!(s.mapped_pages(), 2 + (tib >> 12) as usize);
        let base = 1u64 << 41;
        // Touching a page in the middle gives it an entry and splits the run.
        m.copy_out(a, base + 0x5000, &[7]).unwrap();
        let s = m.space(a).unwrap();
        assert_eq!((s.lazy.len(), s.pages.len()), (2, 3));
        assert_eq!(s.mapped_pages(), 2 + (tib >> 12) as usize, "still as many pages mapped");
        assert_eq!(s.pte(base + 0x5000).map(|e| e.frame != FrameId::NONE), Some(true));
        assert_eq!(s.pte(base + 0x6000).map(|e| e.frame), Some(FrameId::NONE));
        // protect, unmap and regions see runs and pages alike.
        m.protect(a, base + 0x4000, 0x3000, PageRights::R).unwrap();
        let s = m.space(a).unwrap();
        for (off, r) in [(0x3000, PageRights::RW), (0x4000, PageRights::R), (0x5000, PageRights::R), (0x6000, PageRights::R), (0x7000, PageRights::RW)] {
            assert_eq!(s.pte(base + off).unwrap().rights, r, "page {off:#x}");
        }
        let regions = s.regions();
        assert!(regions.contains(&(base + 0x4000, base + 0x7000, PageRights::R)), "{regions:x?}");
        assert!(regions.contains(&(base + 0x7000, base + tib, PageRights::RW)));
        m.unmap(a, base + 0x1000, 0x10000).unwrap();
        let s = m.space(a).unwrap();
        assert!(s.pte(base + 0x5000).is_none() && s.pte(base + 0x1000).is_none());
        assert!(s.pte(base).is_some() && s.pte(base + 0x11000).is_some());
        assert_eq!(s.mapped_pages(), 2 + (tib >> 12) as usize - 16);
        // A fork copies runs as runs; each side's touches stay its own.
        m.cow_clone(a, b).unwrap();
        assert_eq!(m.space(b).unwrap().lazy.len(), m.space(a).unwrap().lazy.len());
        m.copy_out(b, base + 0x20000, &[9]).unwrap();
        let mut x = [1u8];
        m.copy_in(a, base + 0x20000, &mut x).unwrap();
        assert_eq!(x, [0]);
        // Mapped pages in address order, runs and entries alike.
        let s = m.space(a).unwrap();
        let all: Vec<u64> = (0..6).map(|k| s.nth_mapped_page(k).unwrap()).collect();
        assert_eq!(all, vec![0x10, 0x11, base >> 12, (base >> 12) + 0x11, (base >> 12) + 0x12, (base >> 12) + 0x13]);
        assert_eq!(s.nth_mapped_page(s.mapped_pages() as u64), None);
        assert_eq!(s.nth_mapped_page(s.mapped_pages() as u64 - 1), Some(((base + tib) >> 12) - 1));
        // Mapping page by page merges into one run again.
        let c = m.create_space("c", 0).unwrap();
        for i in 0..64 {
            m.map_lazy(c, 0x100000 + i * 4096, 4096, PageRights::RW).unwrap();
        }
        assert_eq!(m.space(c).unwrap().lazy.len(), 1);
        let frames = m.frames.live();
        m.destroy_space(a).unwrap();
        assert!(m.frames.live() < frames);
    }

    #[test]
    fn destroy_revokes_everything() {
        let (mut m, a, b) = setup();
        let h = m.grant(a, a, &GrantRequest { owner: a, lo: 0, len: SPACE_SIZE, rights: GrantRights::RWG, grantee: b, transient: false }).unwrap();
        let frames = m.frames.live();
        m.destroy_space(a).unwrap();
        assert!(m.grants.get(h).is_none());
        assert_eq!(m.frames.live(), frames - 2);
        assert!(m.copy_in(b, addr::qualified(a, 0x10000), &mut [0]).is_err());
    }
}
