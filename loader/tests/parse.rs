//! `parse` on real binaries, on every kind of wrong file, and on mangled ones.

mod common;

use common::*;
use loader::{ELF_ET_DYN_BASE, ImageKind, LoadError, Tls, parse};

fn phnum(bytes: &[u8]) -> u16 {
    u16::from_le_bytes([bytes[56], bytes[57]])
}

#[test]
fn glibc_static_executable() {
    let bytes = fixture("hello-static");
    let img = parse(&bytes).expect("hello-static parses");
    assert_eq!(img.kind, ImageKind::Exec);
    assert_eq!(img.load_bias, 0);
    assert_eq!(img.entry, 0x105a0);
    assert_eq!(img.segments.len(), 2);
    let (text, data) = (&img.segments[0], &img.segments[1]);
    assert_eq!((text.vaddr, text.memsz, text.data.len()), (0x10000, 0x6057c, 0x6057c));
    assert!(text.read && text.execute && !text.write);
    assert_eq!((data.vaddr, data.memsz, data.data.len()), (0x71dc0, 0xcac0, 0x5608));
    assert!(data.read && data.write && !data.execute);
    assert_eq!(text.data[..], bytes[..0x6057c]);
    assert_eq!(data.data[..], bytes[0x60dc0..0x60dc0 + 0x5608]);
    assert_eq!(img.tls, Some(Tls { vaddr: 0x71dc0, filesz: 0x18, memsz: 0x60, align: 8 }));
    assert!(!img.exec_stack);
    assert_eq!(img.brk_start, 0x7f000);
    // No PT_PHDR: the table at e_phoff 64 lies in the first PT_LOAD (offset 0 at 0x10000).
    assert_eq!(img.phdr_addr, 0x10040);
    assert_eq!(img.phent, 56);
    assert_eq!(img.phnum, phnum(&bytes));
}

#[test]
fn static_pie_goes_to_elf_et_dyn_base() {
    let bytes = fixture("tiny-static-pie");
    let img = parse(&bytes).expect("tiny-static-pie parses");
    let bias = 0x2a_aaaa_a000;
    assert_eq!(bias, ELF_ET_DYN_BASE & !0xfff);
    assert_eq!(img.kind, ImageKind::StaticPie);
    assert_eq!(img.load_bias, bias);
    assert_eq!(img.entry, bias + 0x242);
    assert_eq!(img.segments[0].vaddr, bias);
    assert_eq!(img.segments[1].vaddr, bias + 0x1f00);
    assert_eq!(img.phdr_addr, bias + 0x40);
    assert_eq!(img.brk_start, bias + 0x7000);
}

#[test]
fn static_pie_bias_honours_the_largest_power_of_two_alignment() {
    let mut phdrs = [Phdr::load(PF_R | PF_X, 0, 0, 0x200, 0x200), Phdr::load(PF_R | PF_W, 0x200, 0x20200, 0x10, 0x10)];
    phdrs[1].align = 0x10000;
    phdrs[0].align = 0x3000; // not a power of two: ignored, as Linux does
    let f = write_elf(ET_DYN, 0x100, &phdrs, &[(0x200, &[1; 16])]);
    let img = parse(&f).unwrap();
    assert_eq!(img.load_bias, ELF_ET_DYN_BASE & !0xffff);
    assert_eq!(img.segments[1].vaddr, img.load_bias + 0x20200);
}

#[test]
fn packed_segments_share_a_page() {
    let img = parse(&fixture("tiny-packed")).unwrap();
    assert_eq!(img.segments[0].vaddr, 0x10000);
    assert_eq!(img.segments[1].vaddr, 0x101d8);
    let runs = img.mappings();
    assert_eq!(runs[0].start, 0x10000);
    assert_eq!(runs[0].code, Some(machine::PageRights::RX));
    assert_eq!(runs[0].data, machine::PageRights::RW);
}

#[test]
fn pt_phdr_gives_at_phdr_when_present() {
    let phdrs = [
        Phdr { p_type: PT_PHDR, flags: PF_R, offset: 64, vaddr: 0x10040, filesz: 3 * 56, memsz: 3 * 56, align: 8 },
        Phdr::load(PF_R | PF_X, 0, 0x10000, 0x300, 0x300),
        Phdr { p_type: PT_GNU_STACK, flags: PF_R | PF_W | PF_X, offset: 0, vaddr: 0, filesz: 0, memsz: 0, align: 16 },
    ];
    let f = write_elf(ET_EXEC, 0x10200, &phdrs, &[(0x200, &[0x13; 0x100])]);
    let img = parse(&f).unwrap();
    assert_eq!(img.phdr_addr, 0x10040);
    assert!(img.exec_stack);
}

#[test]
fn dynamically_linked_names_its_interpreter() {
    let img = parse(&fixture("hello-dynamic")).unwrap();
    assert_eq!(img.interp.as_deref(), Some("/lib/ld-linux-riscv64-lp64d.so.1"));
    assert_eq!(img.kind, ImageKind::Pie);
    assert_eq!(img.load_bias, 0x2a_aaaa_a000, "a dynamic PIE goes where a static one does");
}

#[test]
fn other_architectures_are_named() {
    let err = parse(&fixture("tiny-x86_64")).unwrap_err();
    assert_eq!(err, LoadError::WrongArch { arch: "x86-64".into() });
    assert_eq!(err.to_string(), "wrong architecture: x86-64 executable; grantix runs riscv64 executables only");
    let mut aarch64 = fixture("tiny-static");
    aarch64[18..20].copy_from_slice(&183u16.to_le_bytes());
    assert_eq!(parse(&aarch64).unwrap_err(), LoadError::WrongArch { arch: "aarch64".into() });
}

#[test]
fn thirty_two_bit_elf_is_refused() {
    let err = parse(&fixture("tiny-rv32")).unwrap_err();
    assert_eq!(err, LoadError::Elf32 { arch: "riscv32".into() });
    assert!(err.to_string().starts_with("32-bit ELF (riscv32)"));
}

#[test]
fn big_endian_is_refused() {
    let mut f = fixture("tiny-static");
    f[5] = 2;
    assert_eq!(parse(&f).unwrap_err(), LoadError::BigEndian);
}

#[test]
fn objects_and_core_dumps_are_not_executables() {
    let mut f = fixture("tiny-static");
    f[16..18].copy_from_slice(&1u16.to_le_bytes());
    let err = parse(&f).unwrap_err();
    assert_eq!(err.to_string(), "not an executable: relocatable object file (ET_REL)");
    f[16..18].copy_from_slice(&4u16.to_le_bytes());
    assert_eq!(parse(&f).unwrap_err(), LoadError::NotExecutable { kind: "core dump (ET_CORE)" });
}

#[test]
fn scripts_and_garbage_are_not_elf() {
    for f in [&b"#!/bin/sh\necho hi\n"[..], b"", b"\0\0\0\0\0\0\0\0", b"MZ\x90\0"] {
        let err = parse(f).unwrap_err();
        assert_eq!(err, LoadError::NotElf);
        assert_eq!(err.to_string(), "not an ELF file");
        assert_eq!(err.exit_status(), 126);
    }
}

#[test]
fn overlapping_segments_are_refused() {
    let phdrs =
        [Phdr::load(PF_R | PF_X, 0, 0x10000, 0x2000, 0x2000), Phdr::load(PF_R | PF_W, 0, 0x11000, 0x100, 0x100)];
    let f = write_elf(ET_EXEC, 0x10000, &phdrs, &[(0, &[0; 0x2000])]);
    assert_eq!(parse(&f).unwrap_err(), LoadError::Overlap { first: 0, second: 1 });
}

#[test]
fn segments_outside_the_48_bit_space_are_refused() {
    let phdrs = [Phdr::load(PF_R | PF_X, 0, 0xffff_ffff_f000, 0x100, 0x2000)];
    let f = write_elf(ET_EXEC, 0xffff_ffff_f000, &phdrs, &[(0, &[0; 0x100])]);
    assert!(matches!(parse(&f).unwrap_err(), LoadError::OutsideSpace { index: 0, .. }));
    let phdrs = [Phdr::load(PF_R | PF_X, 0, u64::MAX - 10, 0x100, 0x100)];
    let f = write_elf(ET_EXEC, 0x1000, &phdrs, &[(0, &[0; 0x100])]);
    assert!(matches!(parse(&f).unwrap_err(), LoadError::OutsideSpace { .. }));
    // A static PIE whose segments would wrap past 2^64 after the bias.
    let phdrs = [Phdr::load(PF_R | PF_X, 0, 0, 0x100, 0x100), Phdr::load(PF_R, 0, u64::MAX - 0x1000, 0x10, 0x10)];
    let f = write_elf(ET_DYN, 0x10, &phdrs, &[(0, &[0; 0x100])]);
    assert!(matches!(parse(&f).unwrap_err(), LoadError::OutsideSpace { index: 1, .. }));
}

#[test]
fn file_offsets_past_the_end_are_refused() {
    let phdrs = [Phdr::load(PF_R | PF_X, 0x100, 0x10000, 0x1000, 0x1000)];
    let f = write_elf(ET_EXEC, 0x10000, &phdrs, &[(0x100, &[0; 0x10])]);
    let err = parse(&f).unwrap_err();
    assert!(matches!(err, LoadError::OffsetPastEnd { index: 0, offset: 0x100, size: 0x1000, .. }), "{err}");
    let phdrs = [Phdr::load(PF_R | PF_X, u64::MAX, 0x10000, 2, 2)];
    let f = write_elf(ET_EXEC, 0x10000, &phdrs, &[]);
    assert!(matches!(parse(&f).unwrap_err(), LoadError::OffsetPastEnd { .. }));
}

#[test]
fn malformed_headers_are_refused() {
    // filesz > memsz
    let phdrs = [Phdr::load(PF_R | PF_X, 0, 0x10000, 0x200, 0x100)];
    let f = write_elf(ET_EXEC, 0x10000, &phdrs, &[(0, &[0; 0x200])]);
    assert!(matches!(parse(&f).unwrap_err(), LoadError::Malformed(m) if m.contains("exceeds memory size")));
    // no PT_LOAD at all
    let phdrs = [Phdr { p_type: PT_TLS, flags: PF_R, offset: 0, vaddr: 0, filesz: 0, memsz: 8, align: 8 }];
    let f = write_elf(ET_EXEC, 0x10000, &phdrs, &[]);
    assert_eq!(parse(&f).unwrap_err(), LoadError::Malformed("no loadable segments".into()));
    // no program headers
    let f = write_elf(ET_EXEC, 0x10000, &[], &[]);
    assert_eq!(parse(&f).unwrap_err(), LoadError::Malformed("no program headers".into()));
    // wrong program header size
    let mut f = fixture("tiny-static");
    f[54] = 32;
    assert!(matches!(parse(&f).unwrap_err(), LoadError::Malformed(m) if m.contains("program header size")));
    // entry point beyond 48 bits
    let phdrs = [Phdr::load(PF_R | PF_X, 0, 0x10000, 0x100, 0x100)];
    let f = write_elf(ET_EXEC, 1 << 50, &phdrs, &[(0, &[0; 0x100])]);
    assert!(matches!(parse(&f).unwrap_err(), LoadError::Malformed(m) if m.contains("entry point")));
}

#[test]
fn every_prefix_of_a_small_executable_is_an_error() {
    for name in ["tiny-static", "tiny-static-pie", "tiny-packed"] {
        let bytes = fixture(name);
        parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        // The last bytes of these files are section headers, which the loader ignores:
        // only prefixes that cut into what it reads must fail.
        let needed = needed_len(&bytes);
        for len in 0..needed {
            assert!(parse(&bytes[..len]).is_err(), "{name}: prefix of {len} bytes parsed");
        }
        for len in needed..bytes.len() {
            let _ = parse(&bytes[..len]);
        }
    }
}

#[test]
fn prefixes_of_the_glibc_executable_are_errors() {
    let bytes = fixture("hello-static");
    let needed = needed_len(&bytes);
    let mut len = 0;
    while len < needed {
        assert!(parse(&bytes[..len]).is_err(), "prefix of {len} bytes parsed");
        len += if len < 4096 { 1 } else { 4093 };
    }
    assert!(parse(&bytes[..needed - 1]).is_err());
}

/// How much of the file the loader reads: headers and every PT_LOAD's file bytes.
fn needed_len(bytes: &[u8]) -> usize {
    let img = parse(bytes).unwrap();
    let phend = 64 + 56 * img.phnum as usize;
    img.segments.iter().map(|s| s.file_offset as usize + s.data.len()).max().unwrap().max(phend)
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for i in 0..20_000 {
        let len = rng.below(512);
        let mut buf: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        // Half of them start like an ELF64 LE file, so the parser gets past the magic.
        if i % 2 == 0 && len >= 6 {
            buf[..6].copy_from_slice(b"\x7fELF\x02\x01");
        }
        if i % 4 == 0 && len >= 20 {
            buf[18..20].copy_from_slice(&243u16.to_le_bytes());
        }
        assert!(parse(&buf).is_err() || len >= 64);
    }
}

#[test]
fn mutated_executables_never_panic_in_parse_or_load() {
    let mut mem = memory();
    let mut rng = Rng(0xdead_beef_cafe_f00d);
    let mut loaded = 0;
    for (name, rounds) in
        [("tiny-static", 20_000), ("tiny-static-pie", 20_000), ("tiny-packed", 20_000), ("hello-static", 1_000)]
    {
        let original = fixture(name);
        let header_len = 64 + 56 * phnum(&original) as usize;
        for round in 0..rounds {
            let mut f = original.clone();
            for _ in 0..1 + rng.below(4) {
                // Mostly hit the headers: that is where the decisions are.
                let at = if round % 4 == 0 { rng.below(f.len()) } else { rng.below(header_len) };
                match rng.below(4) {
                    0 => f[at] = rng.next() as u8,
                    1 => f[at] ^= 1 << rng.below(8),
                    2 => f[at] = [0, 0xff, 0x7f, 0x80][rng.below(4)],
                    _ => {
                        let word = [0u64, u64::MAX, 1 << 47, 1 << 48, 0x1000, i64::MAX as u64][rng.below(6)];
                        let at = at.min(f.len() - 8);
                        f[at..at + 8].copy_from_slice(&word.to_le_bytes());
                    }
                }
            }
            if rng.below(8) == 0 {
                f.truncate(rng.below(f.len()));
            }
            if let Ok(img) = parse(&f) {
                let (code, data) = spaces(&mut mem);
                if img.load(&mut mem, code, data).is_ok() {
                    loaded += 1;
                }
                mem.destroy_space(code).unwrap();
                mem.destroy_space(data).unwrap();
            }
        }
    }
    assert!(loaded > 100, "the mutations should leave many loadable files ({loaded})");
}
