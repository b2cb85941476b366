//! The pre-decoded instruction cache: (CODE space, pc) -> decoded instruction and its cost.
//!
//! Entries carry the memory's code epoch; any change to an executable mapping or a
//! `fence.i` bumps the epoch and so invalidates every entry at once.

use super::inst::Inst;
use crate::addr::Sid;

const BITS: u32 = 15;
const SIZE: usize = 1 << BITS;

#[derive(Clone, Copy)]
struct Slot {
    tag: u64,
    epoch: u64,
    inst: Inst,
    cost: u32,
}

/// A direct-mapped cache of decoded instructions.
pub struct Icache {
    slots: Vec<Slot>,
    pub hits: u64,
    pub misses: u64,
}

#[inline(always)]
fn tag(code: Sid, pc: u64) -> u64 {
    ((code as u64) << 48) | (pc & ((1 << 48) - 1))
}

impl Icache {
    /// An empty cache.
    pub fn new() -> Icache {
        Icache { slots: vec![Slot { tag: u64::MAX, epoch: 0, inst: Inst::ILLEGAL, cost: 0 }; SIZE], hits: 0, misses: 0 }
    }

    /// The cached instruction at `pc` of `code`, if still valid for `epoch`.
    #[inline(always)]
    pub fn get(&mut self, code: Sid, pc: u64, epoch: u64) -> Option<(Inst, u32)> {
        let s = &self.slots[((pc >> 1) as usize) & (SIZE - 1)];
        if s.tag == tag(code, pc) && s.epoch == epoch {
            Some((s.inst, s.cost))
        } else {
            None
        }
    }

    /// Caches a decoded instruction.
    pub fn put(&mut self, code: Sid, pc: u64, epoch: u64, inst: Inst, cost: u32) {
        self.misses += 1;
        self.slots[((pc >> 1) as usize) & (SIZE - 1)] = Slot { tag: tag(code, pc), epoch, inst, cost };
    }
}

impl Default for Icache {
    fn default() -> Self {
        Icache::new()
    }
}
