//! ELF loader: places riscv64 executables (and their interpreters) into CODE and DATA spaces.
//!
//! It knows ELF and the Linux initial-stack ABI, and nothing about system calls:
//! [`parse`] turns file bytes into a checked [`Image`], [`Image::load`] maps it into a
//! process's CODE and DATA spaces (MACHINE.md section 2), [`build`] and [`place`] lay
//! out the initial stack as Linux's `create_elf_tables` does, and [`load_process`] does
//! all of it with the standard layout ([`STACK_TOP`], [`STACK_SIZE`]); [`load_program`]
//! also loads a dynamically linked program's interpreter.

#![forbid(unsafe_code)]

pub mod auxv;
pub mod elf;
pub mod error;
pub mod image;
pub mod layout;
pub mod stack;

pub use elf::{parse, read_executable};
pub use error::LoadError;
pub use image::{Image, ImageKind, Mapping, Segment, Tls};
pub use layout::{ELF_ET_DYN_BASE, MMAP_BASE, STACK_SIZE, STACK_TOP, USER_VA_TOP};
pub use stack::{InitialStack, StackSpec, build, check_limits, place};

use machine::addr::Sid;
use machine::memory::Memory;

/// A process image in place: everything the caller needs to start its first thread
/// and to manage its memory afterwards.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loaded {
    /// The initial pc: the interpreter's entry point for a dynamically linked program,
    /// the program's own otherwise.
    pub entry: u64,
    /// The program's own entry point (`AT_ENTRY`).
    pub program_entry: u64,
    /// Where the interpreter was loaded (`AT_BASE`) and the pages it covers, for a
    /// dynamically linked program.
    pub interp: Option<(u64, (u64, u64))>,
    /// The initial sp (points at argc).
    pub sp: u64,
    /// Where the heap starts (`brk` of a fresh process).
    pub brk_start: u64,
    /// `AT_PHDR`.
    pub phdr_addr: u64,
    /// `AT_PHNUM`.
    pub phnum: u16,
    /// What was added to the link addresses (0 unless a static PIE).
    pub load_bias: u64,
    /// ET_EXEC or static PIE.
    pub kind: ImageKind,
    /// The PT_TLS template, if any.
    pub tls: Option<Tls>,
    /// PT_GNU_STACK asked for an executable stack (not granted; see [`Image::exec_stack`]).
    pub exec_stack: bool,
    /// Page-aligned `[start, end)` of the image.
    pub image_range: (u64, u64),
    /// The image's page runs and their rights ([`Image::mappings`]).
    pub mappings: Vec<Mapping>,
    /// Top of the stack region (exclusive).
    pub stack_top: u64,
    /// Size of the demand-zero stack region below `stack_top`.
    pub stack_size: u64,
    /// The initial stack and where its parts are.
    pub stack: InitialStack,
}

/// Parses `bytes`, loads the image into `code` and `data`, and places the initial
/// stack at [`STACK_TOP`] in a [`STACK_SIZE`] region. The spaces should be fresh;
/// on error they may hold part of the image and are the caller's to destroy.
pub fn load_process(
    mem: &mut Memory,
    code: Sid,
    data: Sid,
    bytes: &[u8],
    spec: &StackSpec,
) -> Result<Loaded, LoadError> {
    load_process_sized(mem, code, data, bytes, spec, STACK_SIZE)
}

/// [`load_process`] with a stack region of `stack_size` bytes (qemu's `-s`), rounded
/// up to whole pages. A dynamically linked program is refused ([`LoadError::Dynamic`]):
/// [`load_program`] takes its interpreter.
pub fn load_process_sized(
    mem: &mut Memory,
    code: Sid,
    data: Sid,
    bytes: &[u8],
    spec: &StackSpec,
    stack_size: u64,
) -> Result<Loaded, LoadError> {
    load_program(mem, code, data, bytes, None, spec, stack_size)
}

/// Loads a program and, for a dynamically linked one, its interpreter (the bytes of
/// the file PT_INTERP names, found by the caller), as Linux's `load_elf_binary` does:
/// the program at its link address (a PIE at [`ELF_ET_DYN_BASE`]), the interpreter
/// just below [`MMAP_BASE`]; the first instruction is the interpreter's, and the
/// auxiliary vector tells it where the program is (`AT_PHDR`, `AT_PHENT`, `AT_PHNUM`,
/// `AT_ENTRY`) and where it is itself (`AT_BASE`). `interp` is ignored for a static
/// program; missing for a dynamic one, it is [`LoadError::Dynamic`].
pub fn load_program(
    mem: &mut Memory,
    code: Sid,
    data: Sid,
    bytes: &[u8],
    interp: Option<&[u8]>,
    spec: &StackSpec,
    stack_size: u64,
) -> Result<Loaded, LoadError> {
    let image = parse(bytes)?;
    let stack_size = machine::addr::page_ceil(stack_size.clamp(machine::addr::PAGE_SIZE, STACK_TOP / 2));
    check_limits(spec, stack_size)?;
    let (start, end) = image.extent();
    let stack_bottom = STACK_TOP - stack_size;
    if start < STACK_TOP && stack_bottom < end {
        return Err(LoadError::StackOverlap { start, end });
    }
    let interp_image = match (&image.interp, interp) {
        (None, _) => None,
        (Some(name), None) => return Err(LoadError::Dynamic { interpreter: name.clone() }),
        (Some(name), Some(ib)) => {
            let bad = |why: String| LoadError::BadInterpreter { interpreter: name.clone(), why };
            let ii = parse(ib).map_err(|e| bad(e.to_string()))?;
            if let Some(other) = &ii.interp {
                return Err(bad(format!("is itself dynamically linked (interpreter {other})")));
            }
            let ii = ii.rebased(ii.bias_below(MMAP_BASE.min(stack_bottom)));
            let (is, ie) = ii.extent();
            if is < end && start < ie {
                return Err(bad(format!("its pages ({is:#x}..{ie:#x}) overlap the program's ({start:#x}..{end:#x})")));
            }
            if is < STACK_TOP && stack_bottom < ie {
                return Err(bad(format!("its pages ({is:#x}..{ie:#x}) overlap the stack region")));
            }
            Some(ii)
        }
    };
    image.load(mem, code, data)?;
    let mut spec = spec.clone();
    let mut entry = image.entry;
    let mut interp_at = None;
    if let Some(ii) = &interp_image {
        ii.load(mem, code, data)?;
        // An ET_EXEC interpreter (allowed by Linux) reports its lowest address.
        let base = if ii.kind == ImageKind::Exec { ii.extent().0 } else { ii.load_bias };
        spec.interp_base = base;
        entry = ii.entry;
        interp_at = Some((base, ii.extent()));
    }
    let stack = build(&image, &spec, STACK_TOP);
    place(mem, data, &stack, STACK_TOP, stack_size)?;
    tracing::debug!(
        entry = format_args!("{entry:#x}"),
        program_entry = format_args!("{:#x}", image.entry),
        interp_base = format_args!("{:#x}", spec.interp_base),
        sp = format_args!("{:#x}", stack.sp),
        brk = format_args!("{:#x}", image.brk_start),
        "process loaded"
    );
    Ok(Loaded {
        entry,
        program_entry: image.entry,
        interp: interp_at,
        sp: stack.sp,
        brk_start: image.brk_start,
        phdr_addr: image.phdr_addr,
        phnum: image.phnum,
        load_bias: image.load_bias,
        kind: image.kind,
        tls: image.tls,
        exec_stack: image.exec_stack,
        image_range: (start, end),
        mappings: image.mappings(),
        stack_top: STACK_TOP,
        stack_size,
        stack,
    })
}
