//! Shared test helpers: the committed fixtures, a tiny ELF writer, a machine memory.

#![allow(dead_code)]

use machine::addr::Sid;
use machine::memory::{Memory, MemoryLimits};

/// The bytes of a committed fixture (see tests/fixtures/build.sh).
pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub const PT_LOAD: u32 = 1;
pub const PT_INTERP: u32 = 3;
pub const PT_PHDR: u32 = 6;
pub const PT_TLS: u32 = 7;
pub const PT_GNU_STACK: u32 = 0x6474_e551;
pub const PF_X: u32 = 1;
pub const PF_W: u32 = 2;
pub const PF_R: u32 = 4;
pub const ET_EXEC: u16 = 2;
pub const ET_DYN: u16 = 3;

/// One program header to write.
#[derive(Clone, Copy, Debug)]
pub struct Phdr {
    pub p_type: u32,
    pub flags: u32,
    pub offset: u64,
    pub vaddr: u64,
    pub filesz: u64,
    pub memsz: u64,
    pub align: u64,
}

impl Phdr {
    pub fn load(flags: u32, offset: u64, vaddr: u64, filesz: u64, memsz: u64) -> Phdr {
        Phdr { p_type: PT_LOAD, flags, offset, vaddr, filesz, memsz, align: 0x1000 }
    }
}

/// Writes an ELF64 little-endian riscv64 file: `contents` at their offsets (the file is
/// as long as the last of them), then the header and the program headers at 64 over
/// them, as in real files whose first segment starts at offset 0.
pub fn write_elf(e_type: u16, entry: u64, phdrs: &[Phdr], contents: &[(u64, &[u8])]) -> Vec<u8> {
    let phend = 64 + 56 * phdrs.len();
    let end = contents.iter().map(|(o, c)| *o as usize + c.len()).max().unwrap_or(0).max(phend);
    let mut f = vec![0u8; end];
    for (offset, c) in contents {
        f[*offset as usize..*offset as usize + c.len()].copy_from_slice(c);
    }
    f[..4].copy_from_slice(b"\x7fELF");
    f[4] = 2; // ELFCLASS64
    f[5] = 1; // little-endian
    f[6] = 1; // EV_CURRENT
    f[16..18].copy_from_slice(&e_type.to_le_bytes());
    f[18..20].copy_from_slice(&243u16.to_le_bytes());
    f[20..24].copy_from_slice(&1u32.to_le_bytes());
    f[24..32].copy_from_slice(&entry.to_le_bytes());
    f[32..40].copy_from_slice(&64u64.to_le_bytes()); // e_phoff
    f[52..54].copy_from_slice(&64u16.to_le_bytes()); // e_ehsize
    f[54..56].copy_from_slice(&56u16.to_le_bytes()); // e_phentsize
    f[56..58].copy_from_slice(&(phdrs.len() as u16).to_le_bytes());
    f[58..60].copy_from_slice(&64u16.to_le_bytes()); // e_shentsize
    for (i, p) in phdrs.iter().enumerate() {
        let at = 64 + 56 * i;
        let h = &mut f[at..at + 56];
        h[0..4].copy_from_slice(&p.p_type.to_le_bytes());
        h[4..8].copy_from_slice(&p.flags.to_le_bytes());
        h[8..16].copy_from_slice(&p.offset.to_le_bytes());
        h[16..24].copy_from_slice(&p.vaddr.to_le_bytes());
        h[24..32].copy_from_slice(&p.vaddr.to_le_bytes());
        h[32..40].copy_from_slice(&p.filesz.to_le_bytes());
        h[40..48].copy_from_slice(&p.memsz.to_le_bytes());
        h[48..56].copy_from_slice(&p.align.to_le_bytes());
    }
    f
}

/// A machine memory small enough to create quickly, big enough for the fixtures.
pub fn memory() -> Memory {
    Memory::new(MemoryLimits { frames: 1 << 14, ..MemoryLimits::default() })
}

/// A fresh (CODE, DATA) pair.
pub fn spaces(mem: &mut Memory) -> (Sid, Sid) {
    let code = mem.create_space("code", 0).expect("code space");
    let data = mem.create_space("data", 0).expect("data space");
    (code, data)
}

/// Bytes at `addr` of `sid`, read physically.
pub fn peek(mem: &Memory, sid: Sid, addr: u64, len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    mem.peek(sid, addr, &mut out).unwrap_or_else(|e| panic!("peek {sid}:{addr:#x}+{len}: {e}"));
    out
}

/// The u64 at `addr` of `sid`.
pub fn peek_u64(mem: &Memory, sid: Sid, addr: u64) -> u64 {
    u64::from_le_bytes(peek(mem, sid, addr, 8).try_into().unwrap())
}

/// The NUL-terminated string at `addr` of `sid`.
pub fn peek_cstr(mem: &Memory, sid: Sid, addr: u64) -> Vec<u8> {
    let mut out = Vec::new();
    let mut at = addr;
    loop {
        let b = peek(mem, sid, at, 1)[0];
        if b == 0 {
            return out;
        }
        out.push(b);
        at += 1;
    }
}

/// A deterministic xorshift generator for the fuzz-style loops.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}
