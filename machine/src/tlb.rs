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
struct Entry {
    /// `target << 36 | page`: pages of a 2^48 space fit in 36 bits.
    key: u64,
    principal: Sid,
    rights: u8,
    ptr: *mut u8,
}

const EMPTY: Entry = Entry { key: INVALID, principal: 0, rights: 0, ptr: std::ptr::null_mut() };

/// A direct-mapped software TLB.
pub struct Tlb {
    entries: Box<[Entry; TLB_SIZE]>,
    pub hits: u64,
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
    let h = page ^ (target as u64).wrapping_mul(0x9e37_79b1) ^ (principal as u64).wrapping_mul(0x85eb_ca6b).rotate_left(7);
    (h as usize) & (TLB_SIZE - 1)
}

impl Default for Tlb {
    fn default() -> Self {
        Tlb { entries: Box::new([EMPTY; TLB_SIZE]), hits: 0, misses: 0, flushes: 0 }
    }
}

impl Tlb {
    /// The host pointer for `offset` if a valid entry allows `right`.
    #[inline(always)]
    pub fn lookup(&mut self, principal: Sid, target: Sid, offset: u64, right: PageRights) -> Option<*mut u8> {
        let page = offset >> PAGE_SHIFT;
        let e = &self.entries[index(principal, target, page)];
        if e.key == key(target, page) && e.principal == principal && e.rights & right.0 == right.0 {
            self.hits += 1;
            // wrapping_add: the pointer arithmetic itself is safe; the result is
            // dereferenced only by `read`/`write` below for in-page offsets.
            Some(e.ptr.wrapping_add((offset & (PAGE_SIZE - 1)) as usize))
        } else {
            self.misses += 1;
            None
        }
    }

    /// Records that `principal` may access `target`'s page at `offset` with `rights`
    /// through the frame at `frame_ptr` (the start of the page).
    pub fn fill(&mut self, principal: Sid, target: Sid, offset: u64, rights: PageRights, frame_ptr: *mut u8) {
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

    /// Reads `N` bytes at a pointer returned by `lookup`.
    ///
    /// The caller guarantees the access does not cross the page: `offset % 4096 + N <= 4096`.
    #[inline(always)]
    pub fn read<const N: usize>(ptr: *mut u8) -> [u8; N] {
        let mut out = [0u8; N];
        // SAFETY: `ptr` came from `lookup` on a live entry, so it points into a live
        // frame (entries are flushed before their frame can be unmapped or freed), and
        // the caller checked that N bytes from it stay within that 4 KiB frame. The
        // machine runs on one host thread, so nothing writes the frame concurrently.
        unsafe { std::ptr::copy_nonoverlapping(ptr, out.as_mut_ptr(), N) };
        out
    }

    /// Writes `N` bytes at a pointer returned by `lookup`; same contract as `read`.
    #[inline(always)]
    pub fn write<const N: usize>(ptr: *mut u8, bytes: [u8; N]) {
        // SAFETY: as for `read`; the entry allowed W, so the frame is writable by this
        // principal and is not shared copy-on-write.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), ptr, N) };
    }
}
