//! Property tests of the instruction decoder and disassembler, and of the executor on
//! random code: every 32-bit word decodes without panicking, to a well-formed `Inst`
//! that the disassembler prints under the decoder's own mnemonic; a compressed word
//! decodes exactly as the instruction it expands to; and a space full of random
//! instructions runs on the machine to an orderly end (a fault, a stop or the budget),
//! never a panic of the emulator.

mod common;

use common::{Flat, Outcome};
use machine::cpu::compressed::expand;
use machine::cpu::decode::decode;
use machine::cpu::inst::{Inst, Op};
use machine::MachineConfig;
use proptest::prelude::*;

/// Words biased toward real encodings: random bits, with the major opcodes this
/// machine implements (and custom-0, Xgx) overrepresented.
fn word() -> impl Strategy<Value = u32> {
    const OPCODES: [u32; 16] = [0x03, 0x07, 0x0b, 0x0f, 0x13, 0x17, 0x1b, 0x23, 0x27, 0x2f, 0x33, 0x37, 0x3b, 0x43, 0x53, 0x73];
    prop_oneof![
        3 => any::<u32>(),
        3 => (any::<u32>(), 0usize..OPCODES.len()).prop_map(|(w, i)| (w & !0x7f) | OPCODES[i]),
        2 => (any::<u32>(), 0u32..3).prop_map(|(w, q)| (w & !0b11) | q),
        1 => (any::<u32>(), 0u32..8).prop_map(|(w, f3)| (w & !0x707f) | (f3 << 12) | 0x0b),
    ]
}

fn well_formed(i: &Inst) -> Result<(), TestCaseError> {
    prop_assert!(i.rd < 32 && i.rs1 < 32 && i.rs2 < 32 && i.rs3 < 32, "register out of range: {i:?}");
    prop_assert!(i.rm < 8, "rm out of range: {i:?}");
    prop_assert!(i.len == 2 || i.len == 4);
    Ok(())
}

/// The fields of an `Inst` the executor reads. A compressed word and its expansion
/// print alike (len is set aside); FENCE's fm/pred/succ change nothing on a machine
/// that runs one hart at a time (objdump shows fm only as ".tso"); the Xgx operations
/// read rd and rs1 only and gx.pret none (the decoder carries rs2 along on purpose,
/// docs/ISA.md section 4).
fn executed(i: &Inst) -> Inst {
    let mut e = Inst { len: 4, ..*i };
    match i.op {
        Op::Fence | Op::FenceI => e.imm = 0,
        Op::GxPret => (e.rd, e.rs1, e.rs2) = (0, 0, 0),
        Op::GxQualify | Op::GxGrant | Op::GxRevoke | Op::GxPortal | Op::GxPcall => e.rs2 = 0,
        _ => {}
    }
    if matches!(i.op, Op::Fence | Op::FenceI) {
        (e.rd, e.rs1) = (0, 0);
    }
    e
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 20_000, ..ProptestConfig::default() })]

    #[test]
    fn every_word_decodes_and_prints_under_its_own_mnemonic(raw in word()) {
        let i = decode(raw);
        well_formed(&i)?;
        prop_assert_eq!(i.len == 2, raw & 0b11 != 0b11);
        let text = i.to_string();
        prop_assert!(text.starts_with(i.op.mnemonic()), "{raw:#010x}: {text:?} does not start with {:?}", i.op.mnemonic());
        prop_assert!(!text.contains('?'), "{raw:#010x}: {text:?} names a register that does not exist");
        if i.op == Op::Illegal {
            prop_assert_eq!(text, "illegal");
            prop_assert_eq!(Inst { len: i.len, ..Inst::ILLEGAL }, i, "illegal words carry no fields");
        }
    }

    #[test]
    fn a_compressed_word_is_the_instruction_it_expands_to(h in any::<u16>(), q in 0u16..3, high in any::<u16>()) {
        let half = (h & !0b11) | q;
        let raw = (high as u32) << 16 | half as u32;
        let i = decode(raw);
        prop_assert_eq!(i, decode(half as u32), "the high half of a compressed word is not read");
        match expand(half) {
            Some(word) => {
                prop_assert_eq!(word & 0b11, 0b11, "expands to a 32-bit encoding");
                let full = decode(word);
                prop_assert_eq!(Inst { len: 2, ..full }, i);
                prop_assert_eq!(full.to_string(), i.to_string(), "prints as the instruction it expands to");
            }
            None => prop_assert_eq!(i, Inst { len: 2, ..Inst::ILLEGAL }),
        }
    }

    #[test]
    fn the_text_shows_every_field_that_matters(raw in word(), bit in 0u32..32) {
        // Flip one bit: if that changes what executes, it must change what --trace
        // shows.
        let (a, b) = (decode(raw), decode(raw ^ (1 << bit)));
        if executed(&a) != executed(&b) {
            prop_assert_ne!(a.to_string(), b.to_string(), "{:#010x} and {:#010x}: {:?} vs {:?}", raw, raw ^ (1 << bit), a, b);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Random code, with and without a fault portal: the machine always comes back
    /// with an outcome. Registers start random too, so loads, stores, AMOs, portal
    /// calls and grants get wild addresses, qualified pointers and handles.
    #[test]
    fn random_code_never_panics_the_machine(words in proptest::collection::vec(word(), 1..512), regs in proptest::collection::vec(any::<u64>(), 31), faults in any::<bool>()) {
        let image: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        let mut f = Flat::with_config(&image, MachineConfig { watchdog_instructions: 10_000, max_call_depth: 16, ..MachineConfig::default() });
        if faults {
            f.install_fault(f.data);
        }
        let hart = f.hart;
        if let Some(h) = f.m.hart_mut(hart) {
            for (i, r) in regs.iter().enumerate() {
                if i + 1 != machine::hart::reg::SP {
                    h.ctx.x[i + 1] = *r;
                }
            }
        }
        let out = f.run_hart(hart, 20_000);
        prop_assert!(matches!(out, Outcome::Exit(_) | Outcome::Fault(_) | Outcome::Stop(_) | Outcome::Budget));
        // Whatever it did, the machine is consistent afterwards: the hart can be
        // unwound and destroyed, and its space torn down.
        f.m.unwind(hart).map_err(|e| TestCaseError::fail(e.to_string()))?;
        f.m.destroy_hart(hart);
        f.m.mem.destroy_space(f.data).map_err(|e| TestCaseError::fail(e.to_string()))?;
        f.m.mem.destroy_space(f.code).map_err(|e| TestCaseError::fail(e.to_string()))?;
        f.m.forget_dead_spaces();
    }
}
