//! The checked accessors: the slow path of every guest access (grant and page-right
//! checks, copy-on-write breaks, TLB fills) and the copies host code makes.

use super::{AccessResult, For, Memory};
use crate::addr::{self, Sid, PAGE_SHIFT, PAGE_SIZE, SPACE_SIZE};
use crate::error::FaultKind;
use crate::frames::FrameId;
use crate::grants::Handle;
use crate::rights::{Access, GrantRights, PageRights};

fn fault(access: Access, addr: u64, denied: bool) -> FaultKind {
    if denied { FaultKind::Denied { access, addr } } else { FaultKind::Unmapped { access, addr } }
}

impl Memory {
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
}
