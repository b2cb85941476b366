//! Memory: spaces, frames and grants together, and the checked accessors through which
//! every principal, emulated or host code, reaches guest memory.

use crate::addr::{self, Sid, MAX_SPACES, PAGE_SHIFT, PAGE_SIZE, SPACE_SIZE};
use crate::error::{FaultKind, GxError};
use crate::frames::{FrameId, FrameStore};
use crate::grants::{Grant, GrantLimits, GrantRequest, GrantTable, Handle};
use crate::rights::{Access, PageRights};
use crate::space::{LazyRun, Pte, Space};
use crate::tlb::Tlb;

mod access;

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
mod tests;
