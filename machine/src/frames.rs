//! Physical frames: 4 KiB pages of host memory, reference-counted so one frame can be
//! mapped into several spaces (aliasing, shared memory, copy-on-write).

use crate::addr::PAGE_SIZE;
use crate::error::GxError;

/// Identifies a physical frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FrameId(pub u32);

impl FrameId {
    /// No frame yet: a demand-zero page gets its frame on first touch.
    pub const NONE: FrameId = FrameId(u32::MAX);
}

type FrameData = Box<[u8; PAGE_SIZE as usize]>;

struct Frame {
    data: FrameData,
    refs: u32,
}

/// The machine's physical memory.
pub struct FrameStore {
    frames: Vec<Option<Frame>>,
    free: Vec<u32>,
    live: usize,
    peak: usize,
    limit: usize,
    /// Freed frame buffers, kept to avoid re-zeroing fresh allocations from the host.
    pool: Vec<FrameData>,
}

impl FrameStore {
    /// A store that hands out at most `limit` frames.
    pub fn new(limit: usize) -> FrameStore {
        FrameStore { frames: Vec::new(), free: Vec::new(), live: 0, peak: 0, limit, pool: Vec::new() }
    }

    /// Frames currently allocated.
    pub fn live(&self) -> usize {
        self.live
    }

    /// The most frames ever allocated at once.
    pub fn peak(&self) -> usize {
        self.peak
    }

    /// The configured limit.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Allocates a zeroed frame with one reference.
    pub fn alloc(&mut self) -> Result<FrameId, GxError> {
        self.alloc_below(self.limit)
    }

    /// Allocates a zeroed frame if fewer than `cap` (at most the limit) are live: guest
    /// allocations stop short of the limit, leaving a reserve for the kernel's own
    /// accesses.
    pub fn alloc_below(&mut self, cap: usize) -> Result<FrameId, GxError> {
        if self.live >= cap.min(self.limit) {
            return Err(GxError::Limit);
        }
        let data = match self.pool.pop() {
            Some(mut d) => {
                d.fill(0);
                d
            }
            None => Box::new([0u8; PAGE_SIZE as usize]),
        };
        let frame = Frame { data, refs: 1 };
        self.live += 1;
        self.peak = self.peak.max(self.live);
        Ok(match self.free.pop() {
            Some(i) => {
                self.frames[i as usize] = Some(frame);
                FrameId(i)
            }
            None => {
                self.frames.push(Some(frame));
                FrameId((self.frames.len() - 1) as u32)
            }
        })
    }

    /// Allocates a frame holding a copy of `src`.
    pub fn alloc_copy(&mut self, src: FrameId, cap: usize) -> Result<FrameId, GxError> {
        let id = self.alloc_below(cap)?;
        let copy: [u8; PAGE_SIZE as usize] = *self.bytes(src);
        self.bytes_mut(id).copy_from_slice(&copy);
        Ok(id)
    }

    /// Adds a reference (a new mapping of the frame).
    pub fn incref(&mut self, id: FrameId) {
        if id == FrameId::NONE {
            return;
        }
        if let Some(Some(f)) = self.frames.get_mut(id.0 as usize) {
            f.refs += 1;
        }
    }

    /// Drops a reference; the frame is freed when none remain.
    pub fn decref(&mut self, id: FrameId) {
        let Some(slot) = self.frames.get_mut(id.0 as usize) else { return };
        if let Some(f) = slot {
            f.refs -= 1;
            if f.refs == 0 {
                if let Some(f) = slot.take() {
                    if self.pool.len() < 1024 {
                        self.pool.push(f.data);
                    }
                }
                self.free.push(id.0);
                self.live -= 1;
            }
        }
    }

    /// How many mappings refer to the frame.
    pub fn refs(&self, id: FrameId) -> u32 {
        self.frames.get(id.0 as usize).and_then(|f| f.as_ref()).map_or(0, |f| f.refs)
    }

    /// The frame's bytes. Frames handed out by `alloc` stay valid until their last
    /// reference is dropped, so a dangling id is a bug in the machine, not the guest.
    pub fn bytes(&self, id: FrameId) -> &[u8; PAGE_SIZE as usize] {
        &self.frames[id.0 as usize].as_ref().expect("live frame").data
    }

    /// The frame's bytes, mutably.
    pub fn bytes_mut(&mut self, id: FrameId) -> &mut [u8; PAGE_SIZE as usize] {
        &mut self.frames[id.0 as usize].as_mut().expect("live frame").data
    }

    /// A raw pointer to the frame's bytes, for the TLB. The pointer stays valid while
    /// the frame is live: frame buffers are boxed and never move.
    pub fn host_ptr(&mut self, id: FrameId) -> *mut u8 {
        self.bytes_mut(id).as_mut_ptr()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refcounting_frees_and_reuses() {
        let mut fs = FrameStore::new(2);
        let a = fs.alloc().unwrap();
        let b = fs.alloc().unwrap();
        assert_eq!(fs.alloc(), Err(GxError::Limit));
        fs.bytes_mut(a)[0] = 7;
        fs.incref(a);
        fs.decref(a);
        assert_eq!(fs.refs(a), 1);
        fs.decref(a);
        assert_eq!(fs.live(), 1);
        let c = fs.alloc().unwrap();
        assert_eq!(fs.bytes(c)[0], 0, "a recycled frame is zeroed");
        let d = fs.alloc_copy(b, usize::MAX);
        assert_eq!(d, Err(GxError::Limit));
    }
}
