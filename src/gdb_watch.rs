//! gdb watchpoints: which bytes of its own memory an instruction is about to read or
//! write, so the stub can stop after the access as hardware watchpoints do.
//!
//! The machine has no debug triggers; the stub runs a watched thread one instruction
//! at a time (as it does for breakpoints) and classifies each instruction before it
//! runs: loads, stores, LR/SC and AMOs through a local pointer or a pointer qualified
//! with the thread's own DATA space. An access through another space's pointer is
//! not the program's memory as gdb names it, and does not fire.

use gdbstub::target::ext::breakpoints::WatchKind;
use machine::addr::{offset_of, sid_of};
use machine::cpu::decode::decode;
use machine::cpu::inst::{Inst, Op};
use machine::{Machine, Sid};

/// One watched range, as gdb set it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Watch {
    pub addr: u64,
    pub len: u64,
    pub kind: WatchKind,
}

/// A memory access an instruction makes: where, how many bytes, and whether it reads
/// and/or writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Access {
    pub ptr: u64,
    pub len: u64,
    pub read: bool,
    pub write: bool,
}

/// The access `i` makes with the registers `x`, if it touches data memory.
pub fn access(i: &Inst, x: &[u64; 32]) -> Option<Access> {
    use Op::*;
    let base = x[i.rs1 as usize];
    let at = base.wrapping_add(i.imm as i64 as u64);
    let (ptr, len, read, write) = match i.op {
        Lb | Lbu => (at, 1, true, false),
        Lh | Lhu => (at, 2, true, false),
        Lw | Lwu | Flw => (at, 4, true, false),
        Ld | Fld => (at, 8, true, false),
        Sb => (at, 1, false, true),
        Sh => (at, 2, false, true),
        Sw | Fsw => (at, 4, false, true),
        Sd | Fsd => (at, 8, false, true),
        // The A extension addresses rs1 itself (no offset).
        LrW => (base, 4, true, false),
        LrD => (base, 8, true, false),
        ScW => (base, 4, false, true),
        ScD => (base, 8, false, true),
        AmoswapW | AmoaddW | AmoxorW | AmoandW | AmoorW | AmominW | AmomaxW | AmominuW | AmomaxuW => (base, 4, true, true),
        AmoswapD | AmoaddD | AmoxorD | AmoandD | AmoorD | AmominD | AmomaxD | AmominuD | AmomaxuD => (base, 8, true, true),
        _ => return None,
    };
    Some(Access { ptr, len, read, write })
}

impl Watch {
    /// Whether `a`, made by a thread whose DATA space is `data`, fires this watchpoint.
    pub fn fires(&self, a: &Access, data: Sid) -> bool {
        let sid = sid_of(a.ptr);
        if sid != 0 && sid != data {
            return false;
        }
        let at = offset_of(a.ptr);
        let overlaps = at < self.addr.saturating_add(self.len) && self.addr < at.saturating_add(a.len);
        let kind = match self.kind {
            WatchKind::Write => a.write,
            WatchKind::Read => a.read,
            WatchKind::ReadWrite => a.read || a.write,
        };
        overlaps && kind
    }
}

/// The access the thread's next instruction (at `pc` in space `code`, registers `x`)
/// will make, if any: read through `peek`, which needs no rights (the stub's view of
/// the code, not the program's).
pub fn next_access(m: &Machine, code: Sid, pc: u64, x: &[u64; 32]) -> Option<Access> {
    let mut b = [0u8; 4];
    let raw = match m.mem.peek(code, pc, &mut b) {
        Ok(()) => u32::from_le_bytes(b),
        // A compressed instruction in the last two bytes of a mapped range.
        Err(_) => {
            let mut h = [0u8; 2];
            m.mem.peek(code, pc, &mut h).ok()?;
            u16::from_le_bytes(h) as u32
        }
    };
    access(&decode(raw), x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use machine::addr::qualified;

    fn regs(r: u8, v: u64) -> [u64; 32] {
        let mut x = [0u64; 32];
        x[r as usize] = v;
        x
    }

    #[test]
    fn loads_stores_and_amos_are_classified_with_their_widths() {
        // sd a1, 8(a0): 0x00b53423
        let sd = decode(0x00b5_3423);
        assert_eq!(access(&sd, &regs(10, 0x1000)), Some(Access { ptr: 0x1008, len: 8, read: false, write: true }));
        // lw a1, -4(a0): 0xffc52583
        let lw = decode(0xffc5_2583);
        assert_eq!(access(&lw, &regs(10, 0x1000)), Some(Access { ptr: 0xffc, len: 4, read: true, write: false }));
        // c.sdsp ra, 8(sp): 0xe406
        let csd = decode(0xe406);
        assert_eq!(access(&csd, &regs(2, 0x2000)), Some(Access { ptr: 0x2008, len: 8, read: false, write: true }));
        // amoadd.w a0, a1, (a2): 0x00b6252f
        let amo = decode(0x00b6_252f);
        assert_eq!(access(&amo, &regs(12, 0x3000)), Some(Access { ptr: 0x3000, len: 4, read: true, write: true }));
        // add a0, a0, a1 touches no memory.
        assert_eq!(access(&decode(0x00b5_0533), &[0; 32]), None);
    }

    #[test]
    fn a_watch_fires_on_overlap_of_its_kind_in_the_threads_own_space_only() {
        let w = Watch { addr: 0x1004, len: 4, kind: WatchKind::Write };
        let st = |ptr, len| Access { ptr, len, read: false, write: true };
        assert!(w.fires(&st(0x1000, 8), 7));
        assert!(w.fires(&st(0x1007, 1), 7));
        assert!(!w.fires(&st(0x1008, 8), 7));
        assert!(!w.fires(&st(0x1000, 4), 7));
        assert!(!w.fires(&Access { ptr: 0x1004, len: 4, read: true, write: false }, 7));
        // Qualified with the thread's own DATA space: the same bytes; another space's: not.
        assert!(w.fires(&st(qualified(7, 0x1004), 4), 7));
        assert!(!w.fires(&st(qualified(9, 0x1004), 4), 7));
        let rw = Watch { kind: WatchKind::ReadWrite, ..w };
        assert!(rw.fires(&Access { ptr: 0x1004, len: 4, read: true, write: false }, 7));
    }
}
