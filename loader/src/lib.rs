//! ELF loader: places static riscv64 executables into CODE and DATA spaces.
//!
//! It knows ELF and the Linux initial-stack ABI, and nothing about system calls:
//! [`parse`] turns file bytes into a checked [`Image`], [`Image::load`] maps it into a
//! process's CODE and DATA spaces (MACHINE.md section 2), [`build`] and [`place`] lay
//! out the initial stack as Linux's `create_elf_tables` does, and [`load_process`] does
//! all of it with the standard layout ([`STACK_TOP`], [`STACK_SIZE`]).

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
pub use layout::{ELF_ET_DYN_BASE, STACK_SIZE, STACK_TOP, USER_VA_TOP};
pub use stack::{InitialStack, StackSpec, build, check_limits, place};

use machine::addr::Sid;
use machine::memory::Memory;

/// A process image in place: everything the caller needs to start its first thread
/// and to manage its memory afterwards.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loaded {
    /// The initial pc.
    pub entry: u64,
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
/// up to whole pages.
pub fn load_process_sized(
    mem: &mut Memory,
    code: Sid,
    data: Sid,
    bytes: &[u8],
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
    image.load(mem, code, data)?;
    let stack = build(&image, spec, STACK_TOP);
    place(mem, data, &stack, STACK_TOP, stack_size)?;
    tracing::debug!(
        entry = format_args!("{:#x}", image.entry),
        sp = format_args!("{:#x}", stack.sp),
        brk = format_args!("{:#x}", image.brk_start),
        "process loaded"
    );
    Ok(Loaded {
        entry: image.entry,
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
