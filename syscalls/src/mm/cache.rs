//! The page cache: one frame per page of each mapped file, keyed by (st_dev, st_ino).
//!
//! Every file mapping maps these frames: shared mappings plainly (so all of them, in
//! every process, see each other's writes), private ones copy-on-write (so a page the
//! process has not written still shows the file's current contents, as on Linux).
//! vfs tells mm about writes to a cached file (`op::FILE_CHANGED`), which land in
//! these frames, so a write() is visible through every mapping of the file.
//! mm holds one frame reference per cached page; an entry lives while some VMA maps
//! the file and is dropped (references released) when the last such VMA goes.

use super::vma::FileKey;
use machine::addr::PAGE_SIZE;
use machine::frames::FrameId;
use machine::memory::Memory;
use std::collections::BTreeMap;

/// The cached part of one file.
#[derive(Clone, Debug, Default)]
pub struct CachedFile {
    /// The file's size as last seen (fstat at mmap, or a write/truncate vfs reported).
    pub size: u64,
    /// File page index -> frame (mm holds one reference on each).
    pub pages: BTreeMap<u64, FrameId>,
}

impl CachedFile {
    /// Number of pages holding file data (pages at or past this index lie beyond EOF).
    pub fn eof_page(&self) -> u64 {
        self.size.div_ceil(PAGE_SIZE)
    }
}

/// All cached files.
#[derive(Debug, Default)]
pub struct PageCache {
    pub files: BTreeMap<FileKey, CachedFile>,
}

impl PageCache {
    /// The cache entry of a file.
    pub fn get(&self, key: FileKey) -> Option<&CachedFile> {
        self.files.get(&key)
    }

    /// The frame caching page `page` of the file.
    pub fn frame(&self, key: FileKey, page: u64) -> Option<FrameId> {
        self.files.get(&key)?.pages.get(&page).copied()
    }

    /// Records `frame` as page `page` of the file (taking a reference).
    pub fn insert(&mut self, mem: &mut Memory, key: FileKey, page: u64, frame: FrameId) {
        if frame == FrameId::NONE {
            return;
        }
        mem.frames.incref(frame);
        if let Some(old) = self.files.entry(key).or_default().pages.insert(page, frame) {
            mem.frames.decref(old);
        }
    }

    /// Creates the entry if needed and returns the previous size (None: new entry).
    pub fn touch(&mut self, key: FileKey, size: u64) -> Option<u64> {
        match self.files.get_mut(&key) {
            Some(f) => Some(std::mem::replace(&mut f.size, size)),
            None => {
                self.files.insert(key, CachedFile { size, pages: BTreeMap::new() });
                None
            }
        }
    }

    /// Drops a file's entry, releasing its frames.
    pub fn drop_file(&mut self, mem: &mut Memory, key: FileKey) {
        if let Some(f) = self.files.remove(&key) {
            for frame in f.pages.into_values() {
                mem.frames.decref(frame);
            }
        }
    }

    /// Copies `bytes`, written to the file at `off`, into the cached pages it covers;
    /// the file grows to at least `off + len`. False if the file is not cached.
    pub fn write(&mut self, mem: &mut Memory, key: FileKey, off: u64, bytes: &[u8]) -> bool {
        let Some(f) = self.files.get_mut(&key) else { return false };
        let end = off.saturating_add(bytes.len() as u64);
        f.size = f.size.max(end);
        let mut at = off;
        while at < end {
            let in_page = (at % PAGE_SIZE) as usize;
            let n = ((PAGE_SIZE - at % PAGE_SIZE).min(end - at)) as usize;
            if let Some(frame) = f.pages.get(&(at / PAGE_SIZE)) {
                let src = (at - off) as usize;
                mem.frames.bytes_mut(*frame)[in_page..in_page + n].copy_from_slice(&bytes[src..src + n]);
            }
            at += n as u64;
        }
        true
    }

    /// The file is now `size` bytes long: cached pages wholly past the new end are
    /// dropped (returned, so their mappings can be removed) and the rest of the last
    /// page reads zero, as after a truncate on Linux.
    pub fn truncate(&mut self, mem: &mut Memory, key: FileKey, size: u64) -> Vec<u64> {
        let Some(f) = self.files.get_mut(&key) else { return Vec::new() };
        f.size = size;
        let keep = size.div_ceil(PAGE_SIZE);
        let gone: Vec<u64> = f.pages.range(keep..).map(|(p, _)| *p).collect();
        for p in &gone {
            if let Some(frame) = f.pages.remove(p) {
                mem.frames.decref(frame);
            }
        }
        if !size.is_multiple_of(PAGE_SIZE)
            && let Some(frame) = f.pages.get(&(size / PAGE_SIZE))
        {
            mem.frames.bytes_mut(*frame)[(size % PAGE_SIZE) as usize..].fill(0);
        }
        gone
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use machine::memory::MemoryLimits;

    #[test]
    fn writes_land_in_cached_pages_and_truncate_drops_them() {
        let mut mem = Memory::new(MemoryLimits::default());
        let mut c = PageCache::default();
        let key = FileKey { dev: 1, ino: 7 };
        assert!(!c.write(&mut mem, key, 0, b"x"), "uncached files are not tracked");
        assert_eq!(c.touch(key, 5000), None);
        let a = mem.frames.alloc().unwrap();
        let b = mem.frames.alloc().unwrap();
        c.insert(&mut mem, key, 0, a);
        c.insert(&mut mem, key, 1, b);
        assert_eq!(mem.frames.refs(a), 2);
        assert!(c.write(&mut mem, key, 4094, b"WXYZ"));
        assert_eq!(&mem.frames.bytes(a)[4094..], b"WX");
        assert_eq!(&mem.frames.bytes(b)[..2], b"YZ");
        assert!(c.write(&mut mem, key, 9000, b"far"), "a write past the cached pages only grows the size");
        assert_eq!(c.get(key).map(|f| (f.size, f.eof_page())), Some((9003, 3)));
        let gone = c.truncate(&mut mem, key, 4095);
        assert_eq!(gone, vec![1]);
        assert_eq!(mem.frames.refs(b), 1);
        assert_eq!(mem.frames.bytes(a)[4094], b'W');
        assert_eq!(mem.frames.bytes(a)[4095], 0, "the tail of the last page reads zero");
        c.drop_file(&mut mem, key);
        assert_eq!(mem.frames.refs(a), 1);
        assert!(c.get(key).is_none());
    }
}
