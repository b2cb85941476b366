//! A parsed executable image and how it lands in a process's CODE and DATA spaces.
//!
//! The split follows MACHINE.md section 2: the pages of executable segments live in
//! the CODE space (with X) and the same frames are mapped into DATA, never with X, at
//! the same offsets, because a static binary reads its `.rodata` out of the R+X
//! segment. Everything else lives in DATA only.
//!
//! Pages shared by two segments. Linkers that do not page-align segments (GNU ld with
//! `-z max-page-size` below 4 KiB, `-N`, some embedded scripts) put the end of one
//! segment and the start of the next in the same 4 KiB page. Linux maps segment after
//! segment, so the later mapping wins the page; grantix instead gives the page both
//! segments' bytes and the union of their rights, so that neither loses anything:
//! - if any segment touching the page is executable, the page is a CODE page (X, plus R,
//!   plus W if an executable segment touching it is writable) and DATA maps the same
//!   frame with the union of the data rights of all segments touching it;
//! - otherwise the page is DATA only, with that union.
//!
//! Data rights of a segment: an executable segment gives DATA R (and W if it is W, since
//! a W+X segment, e.g. from `ld -N`, holds variables the program writes through DATA);
//! a non-executable segment gives its own R and W, with W implying R as it does on
//! riscv page tables (a write-only PTE is a reserved encoding).

use machine::addr::{PAGE_SIZE, Sid, page_ceil, page_floor};
use machine::memory::Memory;
use machine::{GxError, PageRights};

/// ELF64 program header size (`AT_PHENT`).
pub const PHENT_SIZE: u16 = 56;

/// Whether the image was linked for a fixed address or is position independent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageKind {
    /// ET_EXEC: loaded at its link addresses (load bias 0).
    Exec,
    /// ET_DYN without PT_INTERP: a static PIE, loaded at a bias (see [`crate::ELF_ET_DYN_BASE`]).
    /// Also what an interpreter (ld.so) is.
    StaticPie,
    /// ET_DYN with PT_INTERP: a dynamically linked PIE, at the same bias as a static one.
    Pie,
}

/// One PT_LOAD segment, with its addresses already biased.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    /// Index of the program header in the file (as `readelf -l` numbers them).
    pub index: usize,
    /// Load address of the first byte.
    pub vaddr: u64,
    /// Size in memory; the bytes past `data.len()` are zero (bss).
    pub memsz: u64,
    /// The file bytes (`p_filesz` of them, from `p_offset`).
    pub data: Vec<u8>,
    /// `p_offset`, for diagnostics.
    pub file_offset: u64,
    /// `p_align`, for diagnostics.
    pub align: u64,
    /// PF_R.
    pub read: bool,
    /// PF_W.
    pub write: bool,
    /// PF_X.
    pub execute: bool,
}

impl Segment {
    /// One past the last byte in memory (saturating, so a hand-built segment cannot
    /// overflow; [`crate::parse`] guarantees it is at most 2^48).
    pub fn end(&self) -> u64 {
        self.vaddr.saturating_add(self.memsz)
    }

    /// The rights the segment's pages get in the CODE space, if it is executable.
    pub fn code_rights(&self) -> Option<PageRights> {
        if !self.execute {
            return None;
        }
        let w = if self.write { PageRights::W } else { PageRights::NONE };
        Some(PageRights::RX.union(w))
    }

    /// The rights the segment's pages get in the DATA space (never X).
    pub fn data_rights(&self) -> PageRights {
        let r = if self.read || self.write || self.execute { PageRights::R } else { PageRights::NONE };
        let w = if self.write { PageRights::W } else { PageRights::NONE };
        r.union(w)
    }
}

/// The PT_TLS template, recorded for the thread library's benefit (the loader maps
/// nothing for it: the template lies inside a PT_LOAD segment).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tls {
    /// Biased address of the initialisation image.
    pub vaddr: u64,
    /// Bytes of initialised data (`.tdata`).
    pub filesz: u64,
    /// Total size including `.tbss`.
    pub memsz: u64,
    /// Required alignment.
    pub align: u64,
}

/// A run of pages mapped with the same rights: the loader's plan, and what a memory
/// manager needs to know about the image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mapping {
    /// First byte (page aligned).
    pub start: u64,
    /// One past the last byte (page aligned).
    pub end: u64,
    /// Rights in the CODE space, for pages that live there (and are shared into DATA).
    pub code: Option<PageRights>,
    /// Rights in the DATA space.
    pub data: PageRights,
    /// No file byte falls in these pages: they are mapped demand-zero (DATA-only runs).
    pub zero: bool,
}

impl Mapping {
    /// Length in bytes.
    pub fn len(&self) -> u64 {
        self.end - self.start
    }

    /// Whether the run is empty (never, for runs [`Image::mappings`] returns).
    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// An executable parsed and checked, ready to be loaded into any pair of spaces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Image {
    /// ET_EXEC or static PIE.
    pub kind: ImageKind,
    /// Entry point (biased).
    pub entry: u64,
    /// What was added to every link address (0 for ET_EXEC).
    pub load_bias: u64,
    /// Address of the program headers in memory (`AT_PHDR`), 0 if no segment maps them.
    pub phdr_addr: u64,
    /// Size of one program header (`AT_PHENT`, always 56).
    pub phent: u16,
    /// Number of program headers (`AT_PHNUM`).
    pub phnum: u16,
    /// The PT_LOAD segments with a non-zero memory size, sorted by address.
    pub segments: Vec<Segment>,
    /// The PT_TLS template, if any.
    pub tls: Option<Tls>,
    /// PT_GNU_STACK asks for an executable stack. Recorded only: DATA pages are never
    /// executable in grantix (instructions are fetched from CODE), so code placed on the
    /// stack, such as GCC's nested-function trampolines, cannot run.
    pub exec_stack: bool,
    /// Where the heap starts: the end of the highest segment, rounded up to a page.
    pub brk_start: u64,
    /// The program interpreter PT_INTERP names (dynamically linked programs).
    pub interp: Option<String>,
}

impl Image {
    /// The same position-independent image at load bias `bias` instead: every address
    /// moves by the difference. An ET_EXEC image stays where it was linked.
    pub fn rebased(&self, bias: u64) -> Image {
        if self.kind == ImageKind::Exec {
            return self.clone();
        }
        let mv = |a: u64| a.wrapping_sub(self.load_bias).wrapping_add(bias);
        let mut img = self.clone();
        img.load_bias = bias;
        img.entry = mv(self.entry);
        if self.phdr_addr != 0 {
            img.phdr_addr = mv(self.phdr_addr);
        }
        img.brk_start = mv(self.brk_start);
        for s in &mut img.segments {
            s.vaddr = mv(s.vaddr);
        }
        if let Some(t) = &mut img.tls {
            t.vaddr = mv(t.vaddr);
        }
        img
    }

    /// The bias that puts a position-independent image's pages just below `top`, as
    /// Linux's top-down mmap places the interpreter (`load_elf_interp`, no ASLR).
    pub fn bias_below(&self, top: u64) -> u64 {
        let (start, end) = self.extent();
        let size = end - start;
        let link_start = start.wrapping_sub(self.load_bias);
        page_floor(top.saturating_sub(size)).wrapping_sub(link_start)
    }

    /// The page-aligned range the image covers, `[start, end)`.
    pub fn extent(&self) -> (u64, u64) {
        let start = self.segments.iter().map(|s| s.vaddr).min().unwrap_or(0);
        let end = self.segments.iter().map(Segment::end).max().unwrap_or(0);
        (page_floor(start), page_ceil(end))
    }

    /// The runs of pages the image maps, in address order, adjacent runs with equal
    /// rights merged. See the module documentation for pages shared by two segments.
    pub fn mappings(&self) -> Vec<Mapping> {
        // Page boundaries where the set of covering segments, or whether file bytes
        // are present, can change. Between two consecutive boundaries every page looks
        // the same, so the work is O(segments^2), never O(pages): a bss of gigabytes
        // costs nothing here.
        let mut cuts: Vec<u64> = Vec::with_capacity(self.segments.len() * 3);
        for s in &self.segments {
            cuts.push(page_floor(s.vaddr));
            cuts.push(page_ceil(s.end()));
            cuts.push(page_ceil(s.vaddr.saturating_add(s.data.len() as u64)));
        }
        cuts.sort_unstable();
        cuts.dedup();

        let mut runs: Vec<Mapping> = Vec::new();
        for pair in cuts.windows(2) {
            let (start, end) = (pair[0], pair[1]);
            let covering = self.segments.iter().filter(|s| page_floor(s.vaddr) <= start && start < page_ceil(s.end()));
            let mut any = false;
            let mut code: Option<PageRights> = None;
            let mut data = PageRights::NONE;
            let mut zero = true;
            for s in covering {
                any = true;
                if let Some(r) = s.code_rights() {
                    code = Some(code.map_or(r, |c| c.union(r)));
                }
                data = data.union(s.data_rights());
                let file_end = page_ceil(s.vaddr.saturating_add(s.data.len() as u64));
                if !s.data.is_empty() && start < file_end {
                    zero = false;
                }
            }
            if !any {
                continue;
            }
            // Pages that live in CODE get real frames: sharing them needs a frame anyway.
            let zero = zero && code.is_none();
            match runs.last_mut() {
                Some(last) if last.end == start && last.code == code && last.data == data && last.zero == zero => {
                    last.end = end;
                }
                _ => runs.push(Mapping { start, end, code, data, zero }),
            }
        }
        runs
    }

    /// Maps the image into `code` and `data` and writes its bytes, as the memory
    /// authority: `poke` writes frames physically, so every page gets its final rights
    /// at once. Pages already mapped in the image's range are replaced; the spaces are
    /// expected to be fresh (exec replaces both). On error some pages may already be
    /// mapped: the caller destroys the spaces.
    pub fn load(&self, mem: &mut Memory, code: Sid, data: Sid) -> Result<(), GxError> {
        let runs = self.mappings();

        // Refuse up front what could never fit: pages with file bytes need frames now,
        // and an image whose demand-zero part alone exceeds the machine would only
        // fail later (and would fill page tables with entries no frame can back).
        let pages = |m: &Mapping| m.len() / PAGE_SIZE;
        let eager: u64 = runs.iter().filter(|m| !m.zero).map(pages).sum();
        let total: u64 = runs.iter().map(pages).sum();
        let limit = mem.frames.limit() as u64;
        if total > limit || eager > limit.saturating_sub(mem.frames.live() as u64) {
            return Err(GxError::Limit);
        }

        for m in &runs {
            match m.code {
                Some(rights) => mem.map_zero(code, m.start, m.len(), rights)?,
                None if m.zero => mem.map_lazy(data, m.start, m.len(), m.data)?,
                None => mem.map_zero(data, m.start, m.len(), m.data)?,
            }
        }
        for m in runs.iter().filter(|m| m.code.is_some()) {
            mem.share(code, m.start, data, m.start, m.len(), m.data)?;
        }
        // Every page of the image is now mapped in DATA, the CODE pages as the very
        // frames CODE holds, so one pass writes all file bytes, including those of a
        // data segment that share a page with code.
        for s in &self.segments {
            mem.poke(data, s.vaddr, &s.data)?;
        }
        tracing::debug!(
            entry = format_args!("{:#x}", self.entry),
            bias = format_args!("{:#x}", self.load_bias),
            runs = runs.len(),
            "image loaded"
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(index: usize, vaddr: u64, filesz: usize, memsz: u64, flags: &str) -> Segment {
        Segment {
            index,
            vaddr,
            memsz,
            data: vec![0xaa; filesz],
            file_offset: 0,
            align: 0x1000,
            read: flags.contains('r'),
            write: flags.contains('w'),
            execute: flags.contains('x'),
        }
    }

    fn image(segments: Vec<Segment>) -> Image {
        Image {
            kind: ImageKind::Exec,
            entry: 0,
            load_bias: 0,
            phdr_addr: 0,
            phent: PHENT_SIZE,
            phnum: 0,
            segments,
            tls: None,
            exec_stack: false,
            brk_start: 0,
            interp: None,
        }
    }

    #[test]
    fn text_data_and_bss_become_three_runs() {
        let img = image(vec![seg(0, 0x10000, 0x1800, 0x1800, "rx"), seg(1, 0x12000, 0x100, 0x5000, "rw")]);
        let runs = img.mappings();
        assert_eq!(runs.len(), 3);
        assert_eq!((runs[0].start, runs[0].end, runs[0].code), (0x10000, 0x12000, Some(PageRights::RX)));
        assert_eq!(runs[0].data, PageRights::R);
        assert_eq!((runs[1].start, runs[1].end, runs[1].zero), (0x12000, 0x13000, false));
        assert_eq!((runs[2].start, runs[2].end, runs[2].zero, runs[2].data), (0x13000, 0x17000, true, PageRights::RW));
    }

    #[test]
    fn a_page_shared_by_text_and_data_is_code_with_the_union_in_data() {
        let img = image(vec![seg(0, 0x10000, 0x1c6, 0x1c6, "rx"), seg(1, 0x101d8, 8, 0x4e28, "rw")]);
        let runs = img.mappings();
        assert_eq!(
            runs[0],
            Mapping { start: 0x10000, end: 0x11000, code: Some(PageRights::RX), data: PageRights::RW, zero: false }
        );
        assert_eq!(runs[1], Mapping { start: 0x11000, end: 0x15000, code: None, data: PageRights::RW, zero: true });
    }

    #[test]
    fn a_huge_bss_is_planned_without_walking_its_pages() {
        let img = image(vec![seg(0, 0x10000, 16, 1 << 46, "rw")]);
        let runs = img.mappings();
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[1].end, page_ceil(0x10000 + (1 << 46)));
    }

    #[test]
    fn rebasing_moves_every_address_and_bias_below_fits_under_the_top() {
        let mut img = image(vec![seg(0, 0x2a_aaaa_a000, 0x1800, 0x1800, "rx"), seg(1, 0x2a_aaab_c000, 0x100, 0x3000, "rw")]);
        img.kind = ImageKind::StaticPie;
        img.load_bias = 0x2a_aaaa_a000;
        img.entry = 0x2a_aaaa_a100;
        img.phdr_addr = 0x2a_aaaa_a040;
        img.brk_start = 0x2a_aaab_f000;
        let top = 0x3f_f800_0000;
        let bias = img.bias_below(top);
        let r = img.rebased(bias);
        let (start, end) = r.extent();
        assert_eq!(end, top, "the image ends at the top");
        assert_eq!(start, top - 0x15000);
        assert_eq!((r.entry, r.phdr_addr, r.brk_start), (bias + 0x100, bias + 0x40, top));
        assert_eq!(r.segments[1].vaddr, bias + 0x12000);
        let exec = image(vec![seg(0, 0x10000, 16, 16, "rx")]);
        assert_eq!(exec.rebased(0x5000), exec, "ET_EXEC does not move");
    }

    #[test]
    fn write_implies_read_and_data_never_gets_x() {
        assert_eq!(seg(0, 0, 0, 1, "w").data_rights(), PageRights::RW);
        assert_eq!(seg(0, 0, 0, 1, "x").data_rights(), PageRights::R);
        assert_eq!(seg(0, 0, 0, 1, "wx").data_rights(), PageRights::RW);
        assert_eq!(seg(0, 0, 0, 1, "wx").code_rights(), Some(PageRights::RWX));
        assert_eq!(seg(0, 0, 0, 1, "").data_rights(), PageRights::NONE);
    }
}
