//! Property tests of the ELF loader against hostile files: random bytes, random
//! headers, and real executables with mutated headers are refused with a one-line
//! `LoadError` or accepted as an image that keeps the loader's promises (segments
//! inside a space and inside the file; a clash with the stack is refused later, by
//! `place`; an entry outside them is a
//! SIGSEGV at the first instruction, as on Linux), and
//! loading an accepted image into a small machine ends in `Ok` or a clean error
//! within the machine's frame limit. Nothing panics.

mod common;

use common::*;
use loader::{USER_VA_TOP, parse};
use machine::addr::SPACE_SIZE;
use proptest::prelude::*;

/// What an accepted image must satisfy, and what loading it must do.
fn check_accepted(bytes: &[u8]) -> Result<(), TestCaseError> {
    let img = match parse(bytes) {
        Ok(img) => img,
        Err(e) => {
            let text = e.to_string();
            prop_assert!(!text.is_empty() && !text.contains('\n'), "one line: {text:?}");
            prop_assert!(matches!(e.exit_status(), 126 | 127));
            return Ok(());
        }
    };
    prop_assert!(!img.segments.is_empty(), "an image with nothing to load");
    for s in &img.segments {
        prop_assert!(s.data.len() as u64 <= s.memsz, "file bytes beyond memsz: {s:?}");
        prop_assert!(s.vaddr.checked_add(s.memsz).is_some_and(|e| e <= SPACE_SIZE), "segment past the space: {:#x}+{:#x}", s.vaddr, s.memsz);
        let end = s.file_offset.checked_add(s.data.len() as u64);
        prop_assert!(end.is_some_and(|e| e <= bytes.len() as u64), "file bytes past the end of the file");
    }
    let mut mem = memory();
    let limit = mem.frames.limit();
    let (code, data) = spaces(&mut mem);
    let r = img.load(&mut mem, code, data);
    prop_assert!(mem.frames.live() <= limit);
    if r.is_ok() {
        // Every byte of every segment's file part reads back as the file has it.
        for s in img.segments.iter().filter(|s| !s.data.is_empty()) {
            let mut back = vec![0u8; s.data.len().min(4096)];
            mem.peek(data, s.vaddr, &mut back).map_err(|e| TestCaseError::fail(format!("{e}")))?;
            prop_assert_eq!(&back[..], &s.data[..back.len()]);
        }
    }
    mem.destroy_space(code).map_err(|e| TestCaseError::fail(format!("{e}")))?;
    mem.destroy_space(data).map_err(|e| TestCaseError::fail(format!("{e}")))?;
    prop_assert_eq!(mem.frames.live(), 0, "every frame is freed with the spaces");
    Ok(())
}

fn phdr() -> impl Strategy<Value = Phdr> {
    let small = prop_oneof![4 => 0u64..0x3000, 1 => any::<u64>(), 1 => Just(u64::MAX), 1 => (0u32..64).prop_map(|b| 1u64 << b)];
    let vaddr = prop_oneof![4 => (0x10u64..0x400).prop_map(|p| p << 12), 1 => any::<u64>(), 1 => Just(USER_VA_TOP - 0x1000), 1 => 0u64..0x10000];
    let p_type = prop_oneof![6 => Just(PT_LOAD), 1 => Just(PT_INTERP), 1 => Just(PT_PHDR), 1 => Just(PT_TLS), 1 => Just(PT_GNU_STACK), 1 => any::<u32>()];
    (p_type, 0u32..8, small.clone(), vaddr, small.clone(), small, prop_oneof![Just(0x1000u64), any::<u64>()])
        .prop_map(|(p_type, flags, offset, vaddr, filesz, memsz, align)| Phdr { p_type, flags, offset, vaddr, filesz, memsz, align })
}

/// A real executable with `n` bytes of its ELF and program headers overwritten.
fn mutated(name: &'static str) -> impl Strategy<Value = Vec<u8>> {
    let base = fixture(name);
    let header = 64 + 56 * u16::from_le_bytes([base[56], base[57]]) as usize;
    proptest::collection::vec((0..header, any::<u8>()), 1..8).prop_map(move |edits| {
        let mut b = base.clone();
        for (at, v) in edits {
            b[at] = v;
        }
        b
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_are_refused(bytes in proptest::collection::vec(any::<u8>(), 0..512), magic in any::<bool>()) {
        let mut b = bytes;
        if magic && b.len() >= 4 {
            b[..4].copy_from_slice(b"\x7fELF");
        }
        check_accepted(&b)?;
    }

    #[test]
    fn random_program_headers_are_refused_or_loaded_cleanly(e_type in prop_oneof![Just(ET_EXEC), Just(ET_DYN), any::<u16>()], entry in prop_oneof![Just(0x10000u64), any::<u64>()], phdrs in proptest::collection::vec(phdr(), 0..6), fill in any::<u8>()) {
        let body = vec![fill; 0x2000];
        let f = write_elf(e_type, entry, &phdrs, &[(0x1000, &body)]);
        check_accepted(&f)?;
    }

    #[test]
    fn mutated_static_executables_are_refused_or_loaded_cleanly(b in mutated("hello-static")) {
        check_accepted(&b)?;
    }

    #[test]
    fn mutated_static_pies_are_refused_or_loaded_cleanly(b in mutated("tiny-static-pie")) {
        check_accepted(&b)?;
    }

    #[test]
    fn truncated_executables_are_refused_or_loaded_cleanly(cut in 0usize..0x70000) {
        let b = fixture("hello-static");
        check_accepted(&b[..cut.min(b.len())])?;
    }
}
