//! The decoded-block cache: (CODE space, pc) -> a basic block decoded once, with its costs.
//!
//! A block is a run of straight-line instructions ending at the first instruction that
//! transfers control, reads the counters, or can change the environment (branches,
//! jumps, ecall, ebreak, fence.i, CSR access, the Xgx instructions but gx.qualify), at a
//! length limit, or before an instruction that would start fetching from another page
//! (so building a block never touches a page the interpreter would not have fetched).
//!
//! Entries carry the memory's code epoch; any change to an executable mapping or a
//! `fence.i` bumps the epoch and so invalidates every block at once. The table is
//! direct-mapped and fixed in size, so the memory it holds is bounded.

use super::inst::{Inst, Op};
use crate::addr::Sid;
use std::cell::Cell;
use std::rc::Rc;

const BITS: u32 = 13;
const SIZE: usize = 1 << BITS;
/// Longest block, in instructions.
pub const MAX_BLOCK: usize = 64;

/// A decoded basic block.
pub struct Block {
    /// The CODE space and pc of its first instruction.
    pub code: Sid,
    pub pc: u64,
    pub insts: Box<[Inst]>,
    /// `cum[i]` is the modeled cycles of the first `i` instructions (`len + 1` entries),
    /// so a block cut short by the budget or a fault charges exactly what ran.
    pub cum: Box<[u64]>,
    /// Times the block was entered from the top (the tiering counter).
    pub runs: Cell<u32>,
    /// Index of the block's translation in the translation engine, if it has one.
    pub jit: Cell<Option<u64>>,
}

impl Block {
    /// Builds a block from its decoded instructions and their costs.
    pub fn new(code: Sid, pc: u64, insts: Vec<Inst>, costs: &[u32]) -> Block {
        let mut cum = Vec::with_capacity(insts.len() + 1);
        let mut s = 0u64;
        cum.push(0);
        for c in costs {
            s += *c as u64;
            cum.push(s);
        }
        Block { code, pc, insts: insts.into_boxed_slice(), cum: cum.into_boxed_slice(), runs: Cell::new(0), jit: Cell::new(None) }
    }

    /// Instructions in the block.
    #[inline(always)]
    pub fn len(&self) -> usize {
        self.insts.len()
    }

    /// The pc of instruction `k`.
    pub fn pc_of(&self, k: usize) -> u64 {
        self.insts[..k].iter().fold(self.pc, |pc, i| pc.wrapping_add(i.len as u64))
    }

    /// Whether the block is empty (never true of a built block).
    pub fn is_empty(&self) -> bool {
        self.insts.is_empty()
    }
}

/// Whether `op` ends a block (it is the block's last instruction).
pub fn ends_block(op: Op) -> bool {
    use Op::*;
    matches!(
        op,
        Illegal
            | Jal
            | Jalr
            | Beq
            | Bne
            | Blt
            | Bge
            | Bltu
            | Bgeu
            | Ecall
            | Ebreak
            | FenceI
            | Csrrw
            | Csrrs
            | Csrrc
            | Csrrwi
            | Csrrsi
            | Csrrci
            | GxGrant
            | GxRevoke
            | GxPortal
            | GxPcall
            | GxPret
    )
}

#[derive(Clone)]
struct Slot {
    tag: u64,
    epoch: u64,
    block: Option<Rc<Block>>,
}

/// A direct-mapped cache of decoded blocks.
pub struct Icache {
    slots: Vec<Slot>,
    /// Blocks decoded (cache misses).
    pub misses: u64,
}

#[inline(always)]
fn tag(code: Sid, pc: u64) -> u64 {
    ((code as u64) << 48) | (pc & ((1 << 48) - 1))
}

#[inline(always)]
fn index(code: Sid, pc: u64) -> usize {
    (((pc >> 1) ^ ((code as u64) << 7)) as usize) & (SIZE - 1)
}

impl Icache {
    /// An empty cache.
    pub fn new() -> Icache {
        Icache { slots: vec![Slot { tag: u64::MAX, epoch: 0, block: None }; SIZE], misses: 0 }
    }

    /// The cached block starting at `pc` of `code`, if still valid for `epoch`.
    #[inline(always)]
    pub fn get(&self, code: Sid, pc: u64, epoch: u64) -> Option<&Rc<Block>> {
        let s = &self.slots[index(code, pc)];
        if s.tag == tag(code, pc) && s.epoch == epoch { s.block.as_ref() } else { None }
    }

    /// Caches a block (replacing whatever shared its slot).
    pub fn put(&mut self, epoch: u64, block: Rc<Block>) {
        self.misses += 1;
        let i = index(block.code, block.pc);
        self.slots[i] = Slot { tag: tag(block.code, block.pc), epoch, block: Some(block) };
    }

    /// Blocks currently cached and valid for `epoch`, and the instructions they hold.
    pub fn size(&self, epoch: u64) -> (usize, usize) {
        let live = self.slots.iter().filter(|s| s.epoch == epoch).filter_map(|s| s.block.as_ref());
        live.fold((0, 0), |(b, i), blk| (b + 1, i + blk.len()))
    }
}

impl Default for Icache {
    fn default() -> Self {
        Icache::new()
    }
}
