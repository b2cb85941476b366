//! Spaces: 2^48-byte address spaces mapped page by page with the owner's rights.

use crate::addr::{Sid, PAGE_SHIFT};
use std::collections::BTreeMap;
use crate::frames::FrameId;
use crate::rights::PageRights;
use rustc_hash::{FxHashMap, FxHashSet};

/// One mapped page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pte {
    /// The backing frame, or `FrameId::NONE` for a demand-zero page not touched yet.
    pub frame: FrameId,
    /// The owner's rights. For a copy-on-write page this still includes W (if the
    /// owner may write): the machine breaks the sharing on the first write (see
    /// `Memory::writable_frame`). A fork marks read-only pages copy-on-write too.
    pub rights: PageRights,
    /// The frame is shared copy-on-write with another mapping.
    pub cow: bool,
}

/// A run of demand-zero pages no access has touched yet, `[first, end)` in page
/// numbers: one entry however long, so a large anonymous mapping or a stack costs the
/// host a few bytes until its pages are used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LazyRun {
    pub end: u64,
    /// What each page of the run maps as (frame `FrameId::NONE`).
    pub pte: Pte,
}

/// A live space.
pub struct Space {
    pub sid: Sid,
    /// A human name for traces and reports ("linux", "vfs", "pid 42 data").
    pub name: String,
    /// Page table: page number -> entry, for pages with a frame (and demand-zero
    /// pages mapped one at a time).
    pub pages: FxHashMap<u64, Pte>,
    /// Demand-zero runs by first page, disjoint from each other and from `pages`.
    pub lazy: BTreeMap<u64, LazyRun>,
    lazy_pages: u64,
    /// Portal called on `ecall` by an environment whose DATA is this space.
    pub ecall_portal: Option<u64>,
    /// Portal called on a fault of an environment whose DATA is this space.
    pub fault_portal: Option<u64>,
    /// Bumped every time the space is re-created under the same SID, so stale
    /// references to an earlier space with this number can be told apart.
    pub generation: u32,
    /// The space that created this one (the memory authority), allowed to hand out
    /// its initial root grants.
    pub creator: Sid,
    /// Stacklets mapped for harts in this space (hart ids).
    pub stacklets: FxHashSet<u32>,
}

impl Space {
    /// A new empty space.
    pub fn new(sid: Sid, name: String, generation: u32, creator: Sid) -> Space {
        Space {
            sid,
            name,
            pages: FxHashMap::default(),
            lazy: BTreeMap::new(),
            lazy_pages: 0,
            ecall_portal: None,
            fault_portal: None,
            generation,
            creator,
            stacklets: FxHashSet::default(),
        }
    }

    /// The entry for the page containing `offset`.
    #[inline]
    pub fn pte(&self, offset: u64) -> Option<&Pte> {
        let page = offset >> PAGE_SHIFT;
        match self.pages.get(&page) {
            Some(e) => Some(e),
            None => self.lazy_run(page).map(|(_, r)| &r.pte),
        }
    }

    /// The demand-zero run holding `page`, with its first page.
    pub fn lazy_run(&self, page: u64) -> Option<(u64, &LazyRun)> {
        let (first, run) = self.lazy.range(..=page).next_back()?;
        (page < run.end).then_some((*first, run))
    }

    /// Number of mapped pages.
    pub fn mapped_pages(&self) -> usize {
        self.pages.len() + self.lazy_pages as usize
    }

    /// The `k`-th mapped page number in address order (demand-zero or not), for
    /// `k < mapped_pages()`.
    pub fn nth_mapped_page(&self, mut k: u64) -> Option<u64> {
        let mut pages: Vec<u64> = self.pages.keys().copied().collect();
        pages.sort_unstable();
        let mut pages = pages.into_iter().peekable();
        let mut runs = self.lazy.iter().peekable();
        loop {
            match (pages.peek().copied(), runs.peek().map(|(f, r)| (**f, r.end))) {
                (Some(p), run) if run.is_none_or(|(first, _)| p < first) => {
                    if k == 0 {
                        return Some(p);
                    }
                    k -= 1;
                    pages.next();
                }
                (_, Some((first, end))) => {
                    if k < end - first {
                        return Some(first + k);
                    }
                    k -= end - first;
                    runs.next();
                }
                _ => return None,
            }
        }
    }

    /// Takes pages `[lo, hi)` out of the demand-zero runs (splitting the runs at the
    /// edges); returns whether any of them was executable.
    pub(crate) fn carve(&mut self, lo: u64, hi: u64) -> bool {
        // Runs are disjoint: walking down from the last one starting below `hi`, the
        // first that ends at or before `lo` ends the overlap.
        let hit: Vec<u64> = self.lazy.range(..hi).rev().take_while(|(_, r)| r.end > lo).map(|(first, _)| *first).collect();
        let mut exec = false;
        for first in hit {
            let Some(run) = self.lazy.remove(&first) else { continue };
            exec |= run.pte.rights.contains(PageRights::X);
            self.lazy_pages -= run.end.min(hi) - first.max(lo);
            if first < lo {
                self.lazy.insert(first, LazyRun { end: lo, pte: run.pte });
            }
            if run.end > hi {
                self.lazy.insert(hi, LazyRun { end: run.end, pte: run.pte });
            }
        }
        exec
    }

    /// Adds the demand-zero run `[lo, hi)`, which no run may overlap, merging it with
    /// equal neighbours (so page-by-page mapping does not fragment the table).
    pub(crate) fn add_run(&mut self, lo: u64, hi: u64, pte: Pte) {
        if lo >= hi {
            return;
        }
        self.lazy_pages += hi - lo;
        let (mut lo, mut hi) = (lo, hi);
        if let Some((&first, run)) = self.lazy.range(..lo).next_back() {
            if run.end == lo && run.pte == pte {
                lo = first;
            }
        }
        if let Some(next) = self.lazy.get(&hi).copied() {
            if next.pte == pte {
                self.lazy.remove(&hi);
                hi = next.end;
            }
        }
        self.lazy.insert(lo, LazyRun { end: hi, pte });
    }

    /// Mapped regions as (start, end, rights), merged where contiguous with equal
    /// rights, sorted: what /proc/PID/maps shows.
    pub fn regions(&self) -> Vec<(u64, u64, PageRights)> {
        let mut runs: Vec<(u64, u64, PageRights)> = self.pages.iter().map(|(p, e)| (*p, *p + 1, e.rights)).collect();
        runs.extend(self.lazy.iter().map(|(first, r)| (*first, r.end, r.pte.rights)));
        runs.sort_unstable_by_key(|r| r.0);
        let mut out: Vec<(u64, u64, PageRights)> = Vec::new();
        for (lo, hi, rights) in runs {
            let (start, end) = (lo << PAGE_SHIFT, hi << PAGE_SHIFT);
            match out.last_mut() {
                Some(last) if last.1 == start && last.2 == rights => last.1 = end,
                _ => out.push((start, end, rights)),
            }
        }
        out
    }
}
