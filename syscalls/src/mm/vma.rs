//! The VMA list of one process: which address ranges are mapped, with what protection,
//! and what backs them. Pure bookkeeping (no machine access), so the splitting,
//! merging and placement rules are unit-tested here; `mm` keeps the machine's page
//! tables in step with it.
//!
//! Invariants: VMAs are page aligned, non-empty and never overlap; two neighbours
//! that could be one VMA (`Vma::can_merge`) are merged, as Linux merges them, so the
//! list (and /proc/self/maps) stays short.

use machine::addr::PAGE_SIZE;
use std::collections::BTreeMap;

/// `PROT_READ`.
pub const PROT_READ: u32 = 1;
/// `PROT_WRITE`.
pub const PROT_WRITE: u32 = 2;
/// `PROT_EXEC`.
pub const PROT_EXEC: u32 = 4;

/// A file's identity (st_dev, st_ino): what the page cache is keyed by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileKey {
    pub dev: u64,
    pub ino: u64,
}

/// What a file-backed VMA maps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileMap {
    pub key: FileKey,
    /// The descriptor the mapping was made through (in the owning process), used to
    /// fill pages and write shared ones back; checked against `key` before each use.
    pub fd: i32,
    /// File offset of the VMA's first byte.
    pub off: u64,
    /// Whether the descriptor allows writing (Linux's VM_MAYWRITE for shared maps):
    /// mprotect(PROT_WRITE) of a shared mapping of a read-only fd is EACCES.
    pub may_write: bool,
}

/// What backs a VMA.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Backing {
    /// Anonymous memory (zero-filled on demand).
    Anon,
    /// A file: private (copy-on-write over the page cache) or shared (the cache's frames).
    File(FileMap),
}

/// Why a VMA exists (for /proc/self/maps and brk).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Role {
    #[default]
    Mmap,
    /// Part of the executable image (loaded by exec).
    Image,
    /// The brk heap.
    Heap,
    /// The initial thread's stack.
    Stack,
}

/// One mapping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vma {
    pub start: u64,
    pub end: u64,
    /// PROT_READ | PROT_WRITE | PROT_EXEC as the program asked.
    pub prot: u32,
    /// MAP_SHARED: writes are seen by every mapper (and reach the file), fork shares
    /// the frames instead of copying them.
    pub shared: bool,
    pub backing: Backing,
    /// Whether the machine's page table has entries for the VMA's pages. False only
    /// for private anonymous PROT_NONE reservations never made accessible: a 1 TiB
    /// PROT_NONE reservation costs no page-table entry until mprotect opens part of it.
    pub populated: bool,
    pub role: Role,
    /// madvise(MADV_DONTFORK): the child of a fork does not get this range.
    pub dontfork: bool,
    /// madvise(MADV_WIPEONFORK): the child gets zero-filled memory here.
    pub wipeonfork: bool,
    /// mbind's memory policy for the range (None: the process's, MPOL_DEFAULT).
    pub policy: Option<Policy>,
    /// mseal: the mapping can no longer be unmapped, moved, reprotected or discarded.
    pub sealed: bool,
    /// Linux's VM_MAYWRITE clear: mprotect may not add PROT_WRITE (EACCES). A shared
    /// mapping of a descriptor not open for writing, of a file sealed against
    /// writing, or a read-only shmat.
    pub no_write: bool,
    /// MAP_GROWSDOWN: a fault just below grows it down (`faults::grow_down`).
    pub growsdown: bool,
}

/// A NUMA memory policy as mbind and set_mempolicy keep it (`mm::mempolicy`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    /// MPOL_PREFERRED, MPOL_BIND, ... (never MPOL_DEFAULT: that is no policy).
    pub mode: u16,
    /// The mode flags the program gave (MPOL_F_STATIC_NODES, _RELATIVE_NODES,
    /// _NUMA_BALANCING).
    pub flags: u16,
    /// The nodes the policy uses, after intersecting with the online ones.
    pub nodes: u64,
    /// The node mask as given (kept with STATIC or RELATIVE nodes: get_mempolicy
    /// returns it then).
    pub user_nodes: u64,
    /// set_mempolicy_home_node's node (-1: none).
    pub home: i32,
}

impl Vma {
    /// An anonymous private mapping.
    pub fn anon(start: u64, end: u64, prot: u32) -> Vma {
        Vma { start, end, prot, shared: false, backing: Backing::Anon, populated: true, role: Role::Mmap, dontfork: false, wipeonfork: false, policy: None, sealed: false, no_write: false, growsdown: false }
    }

    /// Length in bytes.
    pub fn len(&self) -> u64 {
        self.end - self.start
    }

    /// Always false (VMAs are never empty); for clippy's len/is_empty pairing.
    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    /// The file mapping, if file-backed.
    pub fn file(&self) -> Option<&FileMap> {
        match &self.backing {
            Backing::File(f) => Some(f),
            Backing::Anon => None,
        }
    }

    /// File offset of address `addr` inside a file-backed VMA.
    pub fn file_off(&self, addr: u64) -> Option<u64> {
        self.file().map(|f| f.off + (addr - self.start))
    }

    /// The part `[start, end)` of this VMA (clamped to it), file offset adjusted.
    pub fn slice(&self, start: u64, end: u64) -> Vma {
        let (s, e) = (start.max(self.start), end.min(self.end));
        let mut v = self.clone();
        if let Backing::File(f) = &mut v.backing {
            f.off += s - self.start;
        }
        v.start = s;
        v.end = e;
        v
    }

    /// Whether `next`, starting where this one ends, could be the same VMA.
    pub fn can_merge(&self, next: &Vma) -> bool {
        if self.end != next.start
            || self.prot != next.prot
            || self.shared != next.shared
            || self.populated != next.populated
            || self.role != next.role
            || self.dontfork != next.dontfork
            || self.wipeonfork != next.wipeonfork
            || self.policy != next.policy
            || self.sealed != next.sealed
        {
            return false;
        }
        match (&self.backing, &next.backing) {
            // Shared anonymous regions are separate objects on Linux (each its own
            // shmem file): never merged.
            (Backing::Anon, Backing::Anon) => !self.shared,
            (Backing::File(a), Backing::File(b)) => a.key == b.key && a.fd == b.fd && a.may_write == b.may_write && a.off + self.len() == b.off,
            _ => false,
        }
    }
}

/// The VMAs of one process, keyed by start address.
#[derive(Clone, Debug, Default)]
pub struct VmaList {
    map: BTreeMap<u64, Vma>,
    /// Sum of the lengths of populated VMAs, kept as the map changes.
    populated: u64,
    /// The mapped address ranges with neighbouring VMAs joined (start -> end), kept
    /// as the map changes: `find_free` walks the holes between them, so a search past
    /// thousands of adjacent mappings (thread stacks) is one step, not thousands.
    runs: BTreeMap<u64, u64>,
    /// How many VMAs map each file, kept as the map changes.
    files: BTreeMap<FileKey, u32>,
}

impl VmaList {
    /// An empty list.
    pub fn new() -> VmaList {
        VmaList::default()
    }

    /// Number of VMAs.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether there is no VMA.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// All VMAs in address order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Vma> {
        self.map.values()
    }

    /// The VMA containing `addr`.
    pub fn find(&self, addr: u64) -> Option<&Vma> {
        self.map.range(..=addr).next_back().map(|(_, v)| v).filter(|v| addr < v.end)
    }

    /// The VMAs overlapping `[start, end)`, in order (whole, not clipped).
    pub fn overlapping(&self, start: u64, end: u64) -> impl Iterator<Item = &Vma> {
        // The one VMA that may begin before `start` and still overlap it.
        let first = self.map.range(..start).next_back().map(|(_, v)| v).filter(move |v| v.end > start);
        first.into_iter().chain(self.map.range(start..end.max(start)).map(|(_, v)| v))
    }

    /// Whether no VMA overlaps `[start, end)`.
    pub fn is_free(&self, start: u64, end: u64) -> bool {
        self.overlapping(start, end).next().is_none()
    }

    /// The first address of `[start, end)` not inside any VMA (None: all covered).
    pub fn first_hole(&self, start: u64, end: u64) -> Option<u64> {
        let mut at = start;
        for v in self.overlapping(start, end) {
            if v.start > at {
                return Some(at);
            }
            at = v.end;
            if at >= end {
                return None;
            }
        }
        (at < end).then_some(at)
    }

    /// Adds a VMA to the map (its range must be free).
    fn put(&mut self, v: Vma) {
        self.take(v.start);
        if v.populated {
            self.populated += v.len();
        }
        self.occupy(v.start, v.end);
        if let Some(f) = v.file() {
            *self.files.entry(f.key).or_default() += 1;
        }
        self.map.insert(v.start, v);
    }

    /// Takes the VMA starting at `start` out of the map.
    fn take(&mut self, start: u64) -> Option<Vma> {
        let v = self.map.remove(&start)?;
        if v.populated {
            self.populated -= v.len();
        }
        self.vacate(v.start, v.end);
        if let Some(f) = v.file() {
            if let Some(n) = self.files.get_mut(&f.key) {
                *n -= 1;
                if *n == 0 {
                    self.files.remove(&f.key);
                }
            }
        }
        Some(v)
    }

    /// Adds `[start, end)` (free until now) to the runs, joining its neighbours.
    fn occupy(&mut self, start: u64, end: u64) {
        let (mut lo, mut hi) = (start, end);
        if let Some((&s, &e)) = self.runs.range(..=start).next_back() {
            if e >= start {
                lo = s;
                hi = hi.max(e);
                self.runs.remove(&s);
            }
        }
        if let Some(e) = self.runs.remove(&end) {
            hi = hi.max(e);
        }
        self.runs.insert(lo, hi);
    }

    /// Takes `[start, end)` (one VMA's range) out of the run holding it.
    fn vacate(&mut self, start: u64, end: u64) {
        let Some((&s, &e)) = self.runs.range(..=start).next_back() else { return };
        if e < end {
            return;
        }
        self.runs.remove(&s);
        if s < start {
            self.runs.insert(s, start);
        }
        if end < e {
            self.runs.insert(end, e);
        }
    }

    /// Makes `addr` a VMA boundary (splits the VMA containing it).
    fn split_at(&mut self, addr: u64) {
        let Some(v) = self.find(addr).cloned() else { return };
        if v.start == addr {
            return;
        }
        let (lo, hi) = (v.slice(v.start, addr), v.slice(addr, v.end));
        self.take(v.start);
        self.put(lo);
        self.put(hi);
    }

    /// Merges the VMA starting at `addr` into its predecessor when they are compatible.
    fn merge_at(&mut self, addr: u64) {
        let Some(next) = self.map.get(&addr) else { return };
        let Some((_, prev)) = self.map.range(..addr).next_back() else { return };
        if prev.can_merge(next) {
            let start = prev.start;
            let (Some(next), Some(mut prev)) = (self.take(addr), self.take(start)) else { return };
            prev.end = next.end;
            self.put(prev);
        }
    }

    /// Removes `[start, end)` from the list, splitting VMAs that straddle its ends.
    /// Returns the removed pieces in address order.
    pub fn remove(&mut self, start: u64, end: u64) -> Vec<Vma> {
        if start >= end {
            return Vec::new();
        }
        self.split_at(start);
        self.split_at(end);
        let keys: Vec<u64> = self.map.range(start..end).map(|(k, _)| *k).collect();
        keys.into_iter().filter_map(|k| self.take(k)).collect()
    }

    /// Inserts `v` over a free range (anything there is removed first) and merges it
    /// with compatible neighbours.
    pub fn insert(&mut self, v: Vma) {
        if v.is_empty() {
            return;
        }
        let (start, end) = (v.start, v.end);
        self.remove(start, end);
        self.put(v);
        self.merge_at(end);
        self.merge_at(start);
    }

    /// Applies `f` to every part of a VMA inside `[start, end)` (splitting at the ends),
    /// then re-merges. Returns the pieces as they were before `f`.
    pub fn update(&mut self, start: u64, end: u64, mut f: impl FnMut(&mut Vma)) -> Vec<Vma> {
        if start >= end {
            return Vec::new();
        }
        self.split_at(start);
        self.split_at(end);
        let keys: Vec<u64> = self.map.range(start..end).map(|(k, _)| *k).collect();
        let mut before = Vec::with_capacity(keys.len());
        for k in &keys {
            if let Some(mut v) = self.take(*k) {
                before.push(v.clone());
                f(&mut v);
                // `f` may change anything but the range.
                v.start = before[before.len() - 1].start;
                v.end = before[before.len() - 1].end;
                self.put(v);
            }
        }
        // Merge from the top down so each merge sees its final right neighbour.
        self.merge_at(end);
        for k in keys.iter().rev() {
            self.merge_at(*k);
        }
        before
    }

    /// The highest `len`-byte gap that ends at or below `top` and starts at or above
    /// `bottom`: Linux's top-down placement (`vm_unmapped_area` with
    /// VM_UNMAPPED_AREA_TOPDOWN).
    pub fn find_free(&self, len: u64, bottom: u64, top: u64) -> Option<u64> {
        if len == 0 || top < bottom || top - bottom < len {
            return None;
        }
        // Top-down first fit over the holes: the same answer as walking every VMA
        // (there is no hole between VMAs of one run).
        let mut hi = top;
        for (&start, &end) in self.runs.range(..top).rev() {
            if end <= hi && hi - end >= len {
                return Some(hi - len);
            }
            hi = hi.min(start);
            if hi < bottom.saturating_add(len) {
                return None;
            }
        }
        (hi >= bottom && hi - bottom >= len).then(|| hi - len)
    }

    /// Bytes of VMAs that have page-table entries (what a process costs the machine's
    /// page tables, checked against the per-process limit).
    pub fn populated_bytes(&self) -> u64 {
        debug_assert_eq!(self.populated, self.map.values().filter(|v| v.populated).map(|v| v.len()).sum::<u64>());
        self.populated
    }

    /// Whether some VMA maps file `key`.
    pub fn maps_file(&self, key: FileKey) -> bool {
        self.files.contains_key(&key)
    }

    /// The files some VMA maps.
    pub fn file_keys(&self) -> impl Iterator<Item = FileKey> + '_ {
        self.files.keys().copied()
    }

    /// The VMA that starts exactly at `addr`.
    pub fn get(&self, addr: u64) -> Option<&Vma> {
        self.map.get(&addr)
    }
}

/// Rounds `len` up to whole pages; None on overflow.
pub fn page_round(len: u64) -> Option<u64> {
    len.checked_add(PAGE_SIZE - 1).map(|l| l & !(PAGE_SIZE - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// find_free as a walk over every VMA: what the runs must agree with.
    fn find_free_slow(l: &VmaList, len: u64, bottom: u64, top: u64) -> Option<u64> {
        if len == 0 || top < bottom || top - bottom < len {
            return None;
        }
        let mut hi = top;
        for v in l.iter().rev().filter(|v| v.start < top) {
            if v.end <= hi && hi - v.end >= len {
                return Some(hi - len);
            }
            hi = hi.min(v.start);
            if hi < bottom.saturating_add(len) {
                return None;
            }
        }
        (hi >= bottom && hi - bottom >= len).then(|| hi - len)
    }

    #[test]
    fn find_free_over_runs_matches_the_walk_over_vmas() {
        let mut l = VmaList::new();
        let mut x: u64 = 12345;
        let mut rnd = |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        let page = 4096;
        for _ in 0..3000 {
            let start = (rnd(256) + 16) * page;
            let end = start + (rnd(8) + 1) * page;
            match rnd(4) {
                0 => {
                    l.remove(start, end);
                }
                1 => {
                    l.update(start, end, |v| v.prot ^= PROT_WRITE);
                }
                _ => {
                    l.remove(start, end);
                    l.insert(Vma::anon(start, end, PROT_READ));
                }
            }
            let (len, bottom, top) = ((rnd(6) + 1) * page, rnd(64) * page, (rnd(300) + 8) * page);
            assert_eq!(l.find_free(len, bottom, top), find_free_slow(&l, len, bottom, top));
            let mut joined: Vec<(u64, u64)> = Vec::new();
            for v in l.iter() {
                match joined.last_mut() {
                    Some(r) if r.1 == v.start => r.1 = v.end,
                    _ => joined.push((v.start, v.end)),
                }
            }
            assert_eq!(l.runs.iter().map(|(a, b)| (*a, *b)).collect::<Vec<_>>(), joined);
            assert!(l.files.is_empty());
        }
    }

    const P: u64 = PAGE_SIZE;

    fn file(off: u64) -> Backing {
        Backing::File(FileMap { key: FileKey { dev: 1, ino: 2 }, fd: 3, off, may_write: true })
    }

    fn starts(l: &VmaList) -> Vec<(u64, u64, u32)> {
        l.iter().map(|v| (v.start, v.end, v.prot)).collect()
    }

    #[test]
    fn adjacent_compatible_vmas_merge() {
        let mut l = VmaList::new();
        l.insert(Vma::anon(10 * P, 12 * P, 3));
        l.insert(Vma::anon(12 * P, 13 * P, 3));
        l.insert(Vma::anon(8 * P, 10 * P, 3));
        assert_eq!(starts(&l), vec![(8 * P, 13 * P, 3)]);
        l.insert(Vma::anon(13 * P, 14 * P, 1));
        assert_eq!(l.len(), 2, "different protection does not merge");
        let mut sh = Vma::anon(14 * P, 15 * P, 1);
        sh.shared = true;
        l.insert(sh.clone());
        assert_eq!(l.len(), 3, "shared anonymous memory never merges");
        sh.start = 15 * P;
        sh.end = 16 * P;
        l.insert(sh);
        assert_eq!(l.len(), 4);
    }

    #[test]
    fn file_vmas_merge_only_with_contiguous_offsets() {
        let mut l = VmaList::new();
        l.insert(Vma { backing: file(0), ..Vma::anon(0x10 * P, 0x12 * P, 1) });
        l.insert(Vma { backing: file(2 * P), ..Vma::anon(0x12 * P, 0x13 * P, 1) });
        assert_eq!(l.len(), 1);
        l.insert(Vma { backing: file(9 * P), ..Vma::anon(0x13 * P, 0x14 * P, 1) });
        assert_eq!(l.len(), 2);
    }

    #[test]
    fn remove_splits_and_keeps_file_offsets() {
        let mut l = VmaList::new();
        l.insert(Vma { backing: file(0x100 * P), ..Vma::anon(0x10 * P, 0x20 * P, 3) });
        let gone = l.remove(0x12 * P, 0x14 * P);
        assert_eq!(gone.len(), 1);
        assert_eq!((gone[0].start, gone[0].end), (0x12 * P, 0x14 * P));
        assert_eq!(gone[0].file().map(|f| f.off), Some(0x102 * P));
        assert_eq!(starts(&l), vec![(0x10 * P, 0x12 * P, 3), (0x14 * P, 0x20 * P, 3)]);
        assert_eq!(l.find(0x15 * P).and_then(|v| v.file_off(0x15 * P)), Some(0x105 * P));
        assert!(l.find(0x13 * P).is_none());
        // Removing across several VMAs and holes.
        l.insert(Vma::anon(0x30 * P, 0x31 * P, 1));
        let gone = l.remove(0x11 * P, 0x31 * P);
        assert_eq!(gone.len(), 3);
        assert_eq!(starts(&l), vec![(0x10 * P, 0x11 * P, 3)]);
        assert_eq!(l.remove(5 * P, 5 * P).len(), 0);
    }

    #[test]
    fn update_splits_then_remerges() {
        let mut l = VmaList::new();
        l.insert(Vma::anon(0x10 * P, 0x13 * P, 3));
        let before = l.update(0x11 * P, 0x12 * P, |v| v.prot = 1);
        assert_eq!(before.len(), 1);
        assert_eq!(starts(&l), vec![(0x10 * P, 0x11 * P, 3), (0x11 * P, 0x12 * P, 1), (0x12 * P, 0x13 * P, 3)]);
        l.update(0x11 * P, 0x12 * P, |v| v.prot = 3);
        assert_eq!(starts(&l), vec![(0x10 * P, 0x13 * P, 3)], "mprotect back merges the three pieces");
        l.update(0x10 * P, 0x13 * P, |v| v.prot = 0);
        assert_eq!(starts(&l), vec![(0x10 * P, 0x13 * P, 0)]);
    }

    #[test]
    fn holes_and_freedom() {
        let mut l = VmaList::new();
        l.insert(Vma::anon(0x10 * P, 0x12 * P, 3));
        l.insert(Vma::anon(0x13 * P, 0x15 * P, 1));
        assert_eq!(l.first_hole(0x10 * P, 0x15 * P), Some(0x12 * P));
        assert_eq!(l.first_hole(0x10 * P, 0x12 * P), None);
        assert_eq!(l.first_hole(0x13 * P, 0x14 * P), None);
        assert_eq!(l.first_hole(0x0f * P, 0x11 * P), Some(0x0f * P));
        assert_eq!(l.first_hole(0x14 * P, 0x16 * P), Some(0x15 * P));
        assert!(l.is_free(0x12 * P, 0x13 * P));
        assert!(!l.is_free(0x11 * P, 0x13 * P));
        assert!(!l.is_free(0x12 * P, 0x13 * P + 1));
        assert_eq!(l.overlapping(0x11 * P, 0x14 * P).count(), 2);
    }

    #[test]
    fn find_free_is_top_down() {
        let mut l = VmaList::new();
        let (bottom, top) = (0x10 * P, 0x100 * P);
        assert_eq!(l.find_free(2 * P, bottom, top), Some(0xfe * P));
        l.insert(Vma::anon(0xfe * P, 0x100 * P, 3));
        assert_eq!(l.find_free(2 * P, bottom, top), Some(0xfc * P));
        l.insert(Vma::anon(0xf0 * P, 0xfd * P, 3));
        // The one-page gap at 0xfd does not fit two pages; the next gap is below 0xf0.
        assert_eq!(l.find_free(2 * P, bottom, top), Some(0xee * P));
        assert_eq!(l.find_free(P, bottom, top), Some(0xfd * P));
        // VMAs above `top` (the stack) are ignored.
        l.insert(Vma::anon(0x200 * P, 0x300 * P, 3));
        assert_eq!(l.find_free(P, bottom, top), Some(0xfd * P));
        // Too big for anything.
        assert_eq!(l.find_free(0xe1 * P, bottom, top), None);
        assert_eq!(l.find_free(0xe0 * P, bottom, top), Some(bottom));
        assert_eq!(l.find_free(0, bottom, top), None);
        assert_eq!(l.find_free(u64::MAX & !(P - 1), bottom, top), None);
    }

    #[test]
    fn populated_bytes_counts_only_page_tabled_vmas() {
        let mut l = VmaList::new();
        l.insert(Vma::anon(0x10 * P, 0x12 * P, 3));
        l.insert(Vma { populated: false, ..Vma::anon(0x20 * P, 0x30 * P, 0) });
        assert_eq!(l.populated_bytes(), 2 * P);
        l.update(0x22 * P, 0x24 * P, |v| {
            v.prot = 3;
            v.populated = true;
        });
        assert_eq!(l.populated_bytes(), 4 * P);
        l.insert(Vma::anon(0x12 * P, 0x13 * P, 3));
        assert_eq!(l.len(), 4, "merged with the first");
        assert_eq!(l.populated_bytes(), 5 * P);
        l.remove(0x11 * P, 0x23 * P);
        assert_eq!(l.populated_bytes(), 2 * P);
        l.remove(0, u64::MAX & !(P - 1));
        assert_eq!((l.populated_bytes(), l.len()), (0, 0));
    }

    #[test]
    fn page_round_overflows_cleanly() {
        assert_eq!(page_round(1), Some(P));
        assert_eq!(page_round(P), Some(P));
        assert_eq!(page_round(u64::MAX), None);
    }
}
