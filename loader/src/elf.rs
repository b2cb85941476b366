//! ELF64 riscv64 executables: from file bytes to a checked [`Image`].
//!
//! The checks follow `load_elf_binary` in Linux's `fs/binfmt_elf.c` where it has one
//! (program header size and count, `p_filesz <= p_memsz`, segments inside the user
//! space), and are stricter where Linux would map garbage and let the program crash
//! later (file bytes past the end of the file, overlapping segments). Every check comes
//! before any arithmetic that could overflow or any slice that could be out of bounds:
//! `parse` returns an error for every input it cannot load and never panics.

use crate::error::LoadError;
use crate::image::{Image, ImageKind, PHENT_SIZE, Segment, Tls};
use crate::layout::ELF_ET_DYN_BASE;
use goblin::container::{Container, Ctx, Endian};
use goblin::elf::header::{EM_RISCV, ET_CORE, ET_DYN, ET_EXEC, ET_NONE, ET_REL};
use goblin::elf::program_header::{PF_R, PF_W, PF_X, PT_GNU_STACK, PT_INTERP, PT_LOAD, PT_PHDR, PT_TLS};
use goblin::elf::{Elf, Header, ProgramHeader};
use machine::addr::{PAGE_SIZE, SPACE_SIZE, page_ceil, page_floor};
use std::path::Path;

const MAGIC: &[u8; 4] = b"\x7fELF";
const IDENT_SIZE: usize = 16;
const EHDR_SIZE: usize = 64;
const EI_CLASS: usize = 4;
const EI_DATA: usize = 5;
const CLASS_32: u8 = 1;
const CLASS_64: u8 = 2;
const DATA_LSB: u8 = 1;
const DATA_MSB: u8 = 2;
/// Linux's `load_elf_phdrs` refuses program header tables larger than 64 KiB
/// (`e_phnum > 65536 / sizeof(struct elf_phdr)`).
const MAX_PHNUM: usize = 65536 / PHENT_SIZE as usize;
/// Linux's PATH_MAX bound on a PT_INTERP string; only used to keep messages short.
const INTERP_SHOWN: usize = 256;

/// Parses and checks a riscv64 executable: ELF64, little-endian, EM_RISCV, ET_EXEC or
/// ET_DYN; a dynamically linked one names its interpreter ([`Image::interp`]).
pub fn parse(bytes: &[u8]) -> Result<Image, LoadError> {
    let header = parse_header(bytes)?;
    let phdrs = parse_program_headers(bytes, &header)?;

    let interp = match phdrs.iter().find(|p| p.p_type == PT_INTERP) {
        Some(p) => Some(interpreter(bytes, p)?),
        None => None,
    };
    let kind = match (header.e_type, &interp) {
        (ET_DYN, None) => ImageKind::StaticPie,
        (ET_DYN, Some(_)) => ImageKind::Pie,
        _ => ImageKind::Exec,
    };

    for (index, p) in phdrs.iter().enumerate().filter(|(_, p)| p.p_type == PT_LOAD) {
        if p.p_filesz > p.p_memsz {
            return Err(LoadError::Malformed(format!(
                "segment {index}: file size {:#x} exceeds memory size {:#x}",
                p.p_filesz, p.p_memsz
            )));
        }
    }
    // Segments with nothing in memory map nothing (Linux's elf_map returns early).
    let loads: Vec<(usize, &ProgramHeader)> =
        phdrs.iter().enumerate().filter(|(_, p)| p.p_type == PT_LOAD && p.p_memsz > 0).collect();
    if loads.is_empty() {
        return Err(LoadError::Malformed("no loadable segments".into()));
    }
    for &(index, p) in &loads {
        file_range(bytes, p).ok_or(LoadError::OffsetPastEnd {
            index,
            offset: p.p_offset,
            size: p.p_filesz,
            file_len: bytes.len(),
        })?;
    }

    let load_bias = match kind {
        ImageKind::Exec => 0,
        ImageKind::StaticPie | ImageKind::Pie => static_pie_bias(&loads),
    };

    let mut segments = Vec::with_capacity(loads.len());
    for &(index, p) in &loads {
        let start = p.p_vaddr.checked_add(load_bias).filter(|&s| s < SPACE_SIZE);
        let fits = start.and_then(|s| s.checked_add(p.p_memsz)).is_some_and(|end| end <= SPACE_SIZE);
        let (Some(vaddr), true) = (start, fits) else {
            return Err(LoadError::OutsideSpace { index, start: p.p_vaddr.wrapping_add(load_bias), size: p.p_memsz });
        };
        // Checked just above; the range is within the file.
        let data = file_range(bytes, p).map(|r| bytes[r].to_vec()).unwrap_or_default();
        segments.push(Segment {
            index,
            vaddr,
            memsz: p.p_memsz,
            data,
            file_offset: p.p_offset,
            align: p.p_align,
            read: p.p_flags & PF_R != 0,
            write: p.p_flags & PF_W != 0,
            execute: p.p_flags & PF_X != 0,
        });
    }
    segments.sort_by_key(|s| s.vaddr);
    for pair in segments.windows(2) {
        if pair[0].end() > pair[1].vaddr {
            let (a, b) = (pair[0].index.min(pair[1].index), pair[0].index.max(pair[1].index));
            return Err(LoadError::Overlap { first: a, second: b });
        }
    }

    let entry =
        header.e_entry.checked_add(load_bias).filter(|&e| e < SPACE_SIZE).ok_or_else(|| {
            LoadError::Malformed(format!("entry point {:#x} outside the address space", header.e_entry))
        })?;
    if !segments.iter().any(|s| s.execute && s.vaddr <= entry && entry < s.end()) {
        tracing::warn!(entry = format_args!("{entry:#x}"), "entry point is not in an executable segment");
    }

    let phdr_addr = phdr_address(&header, &phdrs, &segments, load_bias);
    let tls = phdrs.iter().find(|p| p.p_type == PT_TLS).map(|p| Tls {
        vaddr: p.p_vaddr.wrapping_add(load_bias),
        filesz: p.p_filesz,
        memsz: p.p_memsz,
        align: p.p_align,
    });
    // Without PT_GNU_STACK riscv Linux defaults to a non-executable stack (it does not
    // define elf_read_implies_exec).
    let exec_stack = phdrs.iter().find(|p| p.p_type == PT_GNU_STACK).is_some_and(|p| p.p_flags & PF_X != 0);
    let brk_start = segments.iter().map(Segment::end).max().map(page_ceil).unwrap_or(0);

    Ok(Image {
        kind,
        entry,
        load_bias,
        phdr_addr,
        phent: PHENT_SIZE,
        phnum: header.e_phnum,
        segments,
        tls,
        exec_stack,
        brk_start,
        interp,
    })
}

/// Reads an executable file, with the errors a shell distinguishes: a missing file
/// (exit status 127) from one that exists but cannot be read (126). The execute
/// permission bit is not checked: that is the business of whoever owns the file system
/// the path belongs to.
pub fn read_executable(path: impl AsRef<Path>) -> Result<Vec<u8>, LoadError> {
    let path = path.as_ref();
    let shown = path.display().to_string();
    if path.is_dir() {
        return Err(LoadError::IsDirectory { path: shown });
    }
    std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => LoadError::NotFound { path: shown },
        std::io::ErrorKind::PermissionDenied => LoadError::PermissionDenied { path: shown },
        std::io::ErrorKind::IsADirectory => LoadError::IsDirectory { path: shown },
        _ => LoadError::Io { path: shown, message: e.to_string() },
    })
}

/// The name of an `e_machine` value, as `file(1)`-like short names.
pub fn arch_name(machine: u16, class: u8) -> String {
    let known = match machine {
        EM_RISCV if class == CLASS_32 => "riscv32",
        EM_RISCV => "riscv64",
        3 => "i386",
        62 => "x86-64",
        183 => "aarch64",
        40 => "arm",
        8 => "mips",
        20 => "powerpc",
        21 => "powerpc64",
        22 => "s390",
        2 => "sparc",
        43 => "sparc64",
        50 => "ia64",
        258 => "loongarch",
        0x9026 => "alpha",
        4 => "m68k",
        42 => "superh",
        15 => "parisc",
        247 => "bpf",
        0 => "no-machine (EM_NONE)",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_string();
    }
    match goblin::elf::header::machine_to_str(machine) {
        "EM_UNKNOWN" => format!("unknown machine {machine}"),
        name => format!("{} (machine {machine})", name.to_ascii_lowercase()),
    }
}

/// Checks the identification bytes and the fields that decide whether this is a
/// riscv64 executable at all, then lets goblin read the header.
fn parse_header(bytes: &[u8]) -> Result<Header, LoadError> {
    let prefix = bytes.len().min(MAGIC.len());
    if bytes.is_empty() || bytes[..prefix] != MAGIC[..prefix] {
        return Err(LoadError::NotElf);
    }
    if bytes.len() < IDENT_SIZE {
        return Err(LoadError::Truncated { what: "ELF identification" });
    }
    let class = bytes[EI_CLASS];
    let data = bytes[EI_DATA];
    // e_machine sits at the same offset in both classes; read it in the file's order.
    let machine = bytes.get(18..20).map(|m| match data {
        DATA_MSB => u16::from_be_bytes([m[0], m[1]]),
        _ => u16::from_le_bytes([m[0], m[1]]),
    });
    match class {
        CLASS_64 => {}
        CLASS_32 => {
            let arch = machine.map_or_else(|| "unknown machine".to_string(), |m| arch_name(m, class));
            return Err(LoadError::Elf32 { arch });
        }
        other => return Err(LoadError::Malformed(format!("invalid ELF class {other}"))),
    }
    match data {
        DATA_LSB => {}
        DATA_MSB => return Err(LoadError::BigEndian),
        other => return Err(LoadError::Malformed(format!("invalid data encoding {other}"))),
    }
    if bytes.len() < EHDR_SIZE {
        return Err(LoadError::Truncated { what: "ELF header" });
    }
    let header = Elf::parse_header(bytes).map_err(|e| LoadError::Malformed(e.to_string()))?;
    if header.e_machine != EM_RISCV {
        return Err(LoadError::WrongArch { arch: arch_name(header.e_machine, class) });
    }
    match header.e_type {
        ET_EXEC | ET_DYN => {}
        ET_REL => return Err(LoadError::NotExecutable { kind: "relocatable object file (ET_REL)" }),
        ET_CORE => return Err(LoadError::NotExecutable { kind: "core dump (ET_CORE)" }),
        ET_NONE => return Err(LoadError::NotExecutable { kind: "no file type (ET_NONE)" }),
        _ => return Err(LoadError::NotExecutable { kind: "unknown ELF file type" }),
    }
    Ok(header)
}

/// Bounds-checks the program header table, then lets goblin read it.
fn parse_program_headers(bytes: &[u8], header: &Header) -> Result<Vec<ProgramHeader>, LoadError> {
    let count = header.e_phnum as usize;
    if count == 0 {
        return Err(LoadError::Malformed("no program headers".into()));
    }
    if header.e_phentsize != PHENT_SIZE {
        return Err(LoadError::Malformed(format!(
            "program header size {} (ELF64 uses {PHENT_SIZE})",
            header.e_phentsize
        )));
    }
    if count > MAX_PHNUM {
        return Err(LoadError::Malformed(format!("{count} program headers (at most {MAX_PHNUM})")));
    }
    let table = count * PHENT_SIZE as usize;
    let end = header.e_phoff.checked_add(table as u64);
    if end.is_none_or(|end| end > bytes.len() as u64) {
        return Err(LoadError::Truncated { what: "program headers" });
    }
    let ctx = Ctx::new(Container::Big, Endian::Little);
    ProgramHeader::parse(bytes, header.e_phoff as usize, count, ctx)
        .map_err(|_| LoadError::Truncated { what: "program headers" })
}

/// The byte range of a segment's file contents, if it lies within the file.
fn file_range(bytes: &[u8], p: &ProgramHeader) -> Option<std::ops::Range<usize>> {
    let start = usize::try_from(p.p_offset).ok()?;
    let end = start.checked_add(usize::try_from(p.p_filesz).ok()?)?;
    (end <= bytes.len()).then_some(start..end)
}

/// The PT_INTERP path, exactly: NUL-terminated inside the file, not empty, at most
/// PATH_MAX. Anything else is malformed (Linux: ENOEXEC).
fn interpreter(bytes: &[u8], interp: &ProgramHeader) -> Result<String, LoadError> {
    const PATH_MAX: usize = 4096;
    let shown = || interpreter_path(bytes, interp);
    let range = file_range(bytes, interp).ok_or_else(|| LoadError::Malformed(format!("interpreter path {} outside the file", shown())))?;
    let raw = &bytes[range];
    let len = raw.iter().position(|&b| b == 0).ok_or_else(|| LoadError::Malformed("interpreter path not NUL-terminated".into()))?;
    if len == 0 || len >= PATH_MAX {
        return Err(LoadError::Malformed(format!("interpreter path of {len} bytes")));
    }
    String::from_utf8(raw[..len].to_vec()).map_err(|_| LoadError::Malformed(format!("interpreter path {} is not UTF-8", shown())))
}

/// The PT_INTERP path for an error message: up to its NUL, printable, bounded.
fn interpreter_path(bytes: &[u8], interp: &ProgramHeader) -> String {
    let Some(range) = file_range(bytes, interp) else {
        return "<outside the file>".into();
    };
    let raw = &bytes[range];
    let raw = raw.split(|&b| b == 0).next().unwrap_or_default();
    let mut path: String = String::from_utf8_lossy(raw).chars().filter(|c| !c.is_control()).collect();
    if path.chars().count() > INTERP_SHOWN {
        path = path.chars().take(INTERP_SHOWN).collect::<String>() + "...";
    }
    path
}

/// The load bias of a static PIE, as `load_elf_binary` computes it for a PIE:
/// `ELF_ET_DYN_BASE` aligned down to the largest power-of-two `p_align` of the PT_LOAD
/// segments (at least a page), then `ELF_PAGESTART(bias - p_vaddr of the first PT_LOAD)`.
///
/// Linux 6.x itself places an interpreter-less ET_DYN in the mmap region instead (bias
/// 0 without MAP_FIXED: "For ET_DYN without PT_INTERP, we rely on the architecture's
/// (potentially ASLR) mmap base"), which with ASLR off lands just below
/// `STACK_TOP - 128 MiB` at an address that depends on the image's size. grantix uses
/// the PIE base instead: a fixed address, far from both the stack and the mmap region a
/// memory manager will hand out top-down, with the whole sv39 gap above it for brk.
/// A static PIE relocates itself, so it cannot tell the difference.
fn static_pie_bias(loads: &[(usize, &ProgramHeader)]) -> u64 {
    let alignment =
        loads.iter().map(|(_, p)| p.p_align).filter(|a| a.is_power_of_two()).max().unwrap_or(0).max(PAGE_SIZE);
    let base = ELF_ET_DYN_BASE & !(alignment - 1);
    let first_vaddr = loads.first().map_or(0, |(_, p)| p.p_vaddr);
    page_floor(base.wrapping_sub(first_vaddr))
}

/// `AT_PHDR`: where the program headers are in memory. PT_PHDR says so directly when
/// present and inside a loaded segment; otherwise, like Linux since 5.18, the address
/// of `e_phoff` within the PT_LOAD whose file bytes contain it; 0 if none does (the
/// headers are then simply not in memory).
fn phdr_address(header: &Header, phdrs: &[ProgramHeader], segments: &[Segment], bias: u64) -> u64 {
    let table = u64::from(header.e_phnum) * u64::from(PHENT_SIZE);
    let mapped = |addr: u64| {
        segments
            .iter()
            .any(|s| s.vaddr <= addr && addr.checked_add(table).is_some_and(|end| end <= s.vaddr + s.data.len() as u64))
    };
    if let Some(p) = phdrs.iter().find(|p| p.p_type == PT_PHDR) {
        let addr = p.p_vaddr.wrapping_add(bias);
        if mapped(addr) {
            return addr;
        }
    }
    phdrs
        .iter()
        .filter(|p| p.p_type == PT_LOAD && p.p_memsz > 0)
        .find(|p| p.p_offset <= header.e_phoff && header.e_phoff - p.p_offset < p.p_filesz)
        .map(|p| (header.e_phoff - p.p_offset).wrapping_add(p.p_vaddr).wrapping_add(bias))
        .filter(|&addr| addr < SPACE_SIZE)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_common_architectures() {
        assert_eq!(arch_name(62, CLASS_64), "x86-64");
        assert_eq!(arch_name(183, CLASS_64), "aarch64");
        assert_eq!(arch_name(EM_RISCV, CLASS_32), "riscv32");
        assert_eq!(arch_name(0xfff0, CLASS_64), "unknown machine 65520");
    }

    #[test]
    fn magic_prefixes_are_truncated_and_others_are_not_elf() {
        assert_eq!(parse(b"").unwrap_err(), LoadError::NotElf);
        assert_eq!(parse(b"\x7fEL").unwrap_err(), LoadError::Truncated { what: "ELF identification" });
        assert_eq!(parse(b"#!/bin/sh\n").unwrap_err(), LoadError::NotElf);
        assert_eq!(parse(b"MZ\x90\x00").unwrap_err(), LoadError::NotElf);
    }
}
