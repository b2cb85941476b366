//! Spaces: 2^48-byte address spaces mapped page by page with the owner's rights.

use crate::addr::{Sid, PAGE_SHIFT};
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

/// A live space.
pub struct Space {
    pub sid: Sid,
    /// A human name for traces and reports ("linux", "vfs", "pid 42 data").
    pub name: String,
    /// Page table: page number -> entry.
    pub pages: FxHashMap<u64, Pte>,
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
        self.pages.get(&(offset >> PAGE_SHIFT))
    }

    /// Number of mapped pages.
    pub fn mapped_pages(&self) -> usize {
        self.pages.len()
    }

    /// Mapped regions as (start, end, rights), merged where contiguous with equal
    /// rights, sorted: what /proc/PID/maps shows.
    pub fn regions(&self) -> Vec<(u64, u64, PageRights)> {
        let mut pages: Vec<(u64, PageRights)> = self.pages.iter().map(|(p, e)| (*p, e.rights)).collect();
        pages.sort_unstable_by_key(|p| p.0);
        let mut out: Vec<(u64, u64, PageRights)> = Vec::new();
        for (page, rights) in pages {
            let start = page << PAGE_SHIFT;
            match out.last_mut() {
                Some(last) if last.1 == start && last.2 == rights => last.1 = start + (1 << PAGE_SHIFT),
                _ => out.push((start, start + (1 << PAGE_SHIFT), rights)),
            }
        }
        out
    }
}
