//! The software TLB: caches (principal, space, page) -> host pointer and effective rights,
//! so the grant checks a load implies are not a table walk on every access.
//!
//! Entries are flushed exactly when they may have become stale: unmap, protection
//! change, copy-on-write break, revocation of a grant that filled an entry, space
//! destruction. The one unsafe operation of the machine's memory path lives here.

use crate::addr::{Sid, PAGE_SHIFT, PAGE_SIZE};
use crate::rights::PageRights;

const TLB_BITS: u32 = 12;
const TLB_SIZE: usize = 1 << TLB_BITS;
const INVALID: u64 = u64::MAX;

#[derive(Clone, Copy)]
#[repr(C)]
pub(crate) struct Entry {
    /// `target << 36 | page`: pages of a 2^48 space fit in 36 bits.
    pub(crate) key: u64,
    pub(crate) principal: Sid,
    pub(crate) rights: u8,
    pub(crate) ptr: *mut u8,
}

/// What translated code needs to probe the TLB inline, exactly as `lookup` does: the
/// entry table's layout and the two halves of the index hash.
pub(crate) mod probe {
    pub const INDEX_MASK: i64 = super::TLB_SIZE as i64 - 1;
    pub const TARGET_MUL: i64 = 0x9e37_79b1;
    pub const ENTRY_SIZE: i64 = std::mem::size_of::<super::Entry>() as i64;
    pub const KEY: i32 = std::mem::offset_of!(super::Entry, key) as i32;
    pub const PRINCIPAL: i32 = std::mem::offset_of!(super::Entry, principal) as i32;
    pub const RIGHTS: i32 = std::mem::offset_of!(super::Entry, rights) as i32;
    pub const PTR: i32 = std::mem::offset_of!(super::Entry, ptr) as i32;
    pub const KEY_SHIFT: i64 = 36;

    /// The principal's part of the index hash.
    pub fn principal_mix(principal: crate::addr::Sid) -> u64 {
        (principal as u64).wrapping_mul(0x85eb_ca6b).rotate_left(7)
    }
}

const EMPTY: Entry = Entry { key: INVALID, principal: 0, rights: 0, ptr: std::ptr::null_mut() };

/// A direct-mapped software TLB.
pub struct Tlb {
    entries: Box<[Entry; TLB_SIZE]>,
    pub misses: u64,
    pub flushes: u64,
}

// SAFETY: the raw pointers point into frames owned by the same `Memory` as this TLB;
// the TLB moves between host threads only together with that memory.
unsafe impl Send for Tlb {}

#[inline(always)]
fn key(target: Sid, page: u64) -> u64 {
    ((target as u64) << 36) | page
}

#[inline(always)]
fn index(principal: Sid, target: Sid, page: u64) -> usize {
    let h = page ^ (target as u64).wrapping_mul(probe::TARGET_MUL as u64) ^ probe::principal_mix(principal);
    (h as usize) & (TLB_SIZE - 1)
}

impl Default for Tlb {
    fn default() -> Self {
        Tlb { entries: Box::new([EMPTY; TLB_SIZE]), misses: 0, flushes: 0 }
    }
}

impl Tlb {
    /// The entry table, for translated code's inline probe (read-only: only `Memory`
    /// fills and flushes entries).
    pub(crate) fn entries_ptr(&self) -> *const u8 {
        self.entries.as_ptr().cast()
    }

    /// The host pointer for `offset` if a valid entry allows `right`. The pointer is
    /// only ever dereferenced inside this module, by `load`, `store` and `fetch`.
    #[inline(always)]
    fn lookup(&mut self, principal: Sid, target: Sid, offset: u64, right: PageRights) -> Option<*mut u8> {
        let page = offset >> PAGE_SHIFT;
        let e = &self.entries[index(principal, target, page)];
        // No hit/miss counting here: this runs on every load and store. Misses are
        // counted where they are served, in `fill`.
        if e.key == key(target, page) && e.principal == principal && e.rights & right.0 == right.0 {
            Some(e.ptr.wrapping_add((offset & (PAGE_SIZE - 1)) as usize))
        } else {
            None
        }
    }

    /// Whether an entry allows `right` on the page of `offset` (no side effects on data).
    pub fn allows(&mut self, principal: Sid, target: Sid, offset: u64, right: PageRights) -> bool {
        self.lookup(principal, target, offset, right).is_some()
    }

    /// Reads `N` bytes at `target:offset` for `principal` if a cached entry allows it and
    /// the bytes lie within one page; `None` sends the caller to the checked slow path.
    #[inline(always)]
    pub fn load<const N: usize>(&mut self, principal: Sid, target: Sid, offset: u64) -> Option<[u8; N]> {
        if (offset & (PAGE_SIZE - 1)) as usize + N > PAGE_SIZE as usize {
            return None;
        }
        let p = self.lookup(principal, target, offset, PageRights::R)?;
        let mut out = [0u8; N];
        // SAFETY: `p` comes from a live entry, so it points into a live frame: entries
        // are flushed before their frame can be unmapped, replaced or freed (see the
        // flush calls in `Memory`), and only `Memory` fills entries. The check above
        // keeps all N bytes inside that 4 KiB frame. The machine runs on one host
        // thread, so nothing writes the frame concurrently.
        unsafe { std::ptr::copy_nonoverlapping(p, out.as_mut_ptr(), N) };
        Some(out)
    }

    /// Writes `N` bytes at `target:offset` for `principal` if a cached entry allows it
    /// and the bytes lie within one page; false sends the caller to the slow path.
    #[inline(always)]
    pub fn store<const N: usize>(&mut self, principal: Sid, target: Sid, offset: u64, bytes: [u8; N]) -> bool {
        if (offset & (PAGE_SIZE - 1)) as usize + N > PAGE_SIZE as usize {
            return false;
        }
        let Some(p) = self.lookup(principal, target, offset, PageRights::W) else { return false };
        // SAFETY: as for `load`; the entry allowed W, which is never cached for a
        // copy-on-write or read-only page, so the frame is this principal's to write.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), p, N) };
        true
    }

    /// Fetches a halfword of code at `code:offset` if cached with X (offset is even, so
    /// the two bytes never cross a page).
    #[inline(always)]
    pub fn fetch(&mut self, code: Sid, offset: u64) -> Option<u16> {
        if offset & 1 != 0 {
            return None;
        }
        let p = self.lookup(code, code, offset, PageRights::X)?;
        let mut out = [0u8; 2];
        // SAFETY: as for `load`; an even offset keeps both bytes inside the frame.
        unsafe { std::ptr::copy_nonoverlapping(p, out.as_mut_ptr(), 2) };
        Some(u16::from_le_bytes(out))
    }

    /// Records that `principal` may access `target`'s page at `offset` with `rights`
    /// through the frame at `frame_ptr` (the start of the page).
    pub(crate) fn fill(&mut self, principal: Sid, target: Sid, offset: u64, rights: PageRights, frame_ptr: *mut u8) {
        self.misses += 1;
        let page = offset >> PAGE_SHIFT;
        self.entries[index(principal, target, page)] = Entry { key: key(target, page), principal, rights: rights.0, ptr: frame_ptr };
    }

    fn retain(&mut self, mut stale: impl FnMut(&Entry) -> bool) {
        self.flushes += 1;
        for e in self.entries.iter_mut() {
            if e.key != INVALID && stale(e) {
                *e = EMPTY;
            }
        }
    }

    /// Drops every entry for pages `[lo_page, hi_page)` of `target`, whoever the principal.
    pub fn flush_pages(&mut self, target: Sid, lo_page: u64, hi_page: u64) {
        self.retain(|e| {
            let (t, p) = ((e.key >> 36) as Sid, e.key & ((1 << 36) - 1));
            t == target && p >= lo_page && p < hi_page
        });
    }

    /// Drops every entry `principal` holds for `target` (a grant between them went away).
    pub fn flush_pair(&mut self, principal: Sid, target: Sid) {
        self.retain(|e| e.principal == principal && (e.key >> 36) as Sid == target);
    }

    /// Drops every entry that involves `sid` as principal or target.
    pub fn flush_space(&mut self, sid: Sid) {
        self.retain(|e| e.principal == sid || (e.key >> 36) as Sid == sid);
    }

    /// Drops everything.
    pub fn flush_all(&mut self) {
        self.retain(|_| true);
    }
}
