//! Where a process's pieces go: the Linux riscv64 user address-space layout (sv39).
//!
//! grantix spaces are 48 bits wide, but the numbers below are the ones Linux 6.x
//! uses on sv39 hardware (the common riscv64 boards, and qemu's `-cpu` with `sv39`), so a
//! program sees the addresses it would see under `setarch -R` on such a machine, and
//! programs that assume 39-bit pointers keep working.
//!
//! Sources (Linux 6.x):
//! - `arch/riscv/include/asm/processor.h`: `DEFAULT_MAP_WINDOW = 1 << (MMAP_VA_BITS - 1)`,
//!   `STACK_TOP = DEFAULT_MAP_WINDOW`; `asm/pgtable.h`: `MMAP_VA_BITS` is 39 on sv39
//!   (48 on sv48 and sv57, where everything below doubles up to 2^47).
//! - `arch/riscv/include/asm/elf.h`: `ELF_ET_DYN_BASE = (DEFAULT_MAP_WINDOW / 3) * 2`.
//! - `fs/binfmt_elf.c`: without ASLR the stack ends exactly at `STACK_TOP`; the default
//!   stack rlimit is 8 MiB (`_STK_LIM`).

use machine::addr::PAGE_SIZE;

/// The top of the part of the address space Linux hands out by default on sv39
/// (`DEFAULT_MAP_WINDOW`): 256 GiB.
pub const USER_VA_TOP: u64 = 1 << 38;

/// Where the initial stack ends (exclusive): Linux's `STACK_TOP` on sv39 with ASLR off,
/// `0x40_0000_0000`. Its last 8 bytes stay zero, as Linux leaves them.
pub const STACK_TOP: u64 = USER_VA_TOP;

/// The size of the demand-zero stack region below [`STACK_TOP`]: 8 MiB, Linux's default
/// stack rlimit. Pages cost nothing until touched.
pub const STACK_SIZE: u64 = 8 << 20;

/// Linux's `ELF_ET_DYN_BASE` on sv39: `(2^38 / 3) * 2 = 0x2a_aaaa_aaaa`. The load bias of
/// a static PIE is this value aligned down to the image's largest segment alignment
/// and then to the page below `ELF_ET_DYN_BASE - first p_vaddr` (as `load_elf_binary`
/// does), which is `0x2a_aaaa_a000` for the usual PIE linked at 0.
pub const ELF_ET_DYN_BASE: u64 = (USER_VA_TOP / 3) * 2;

/// Where top-down mmap placement starts (Linux's `mmap_base` without ASLR: the stack
/// top less the minimum gap of 128 MiB kept for the stack): the interpreter of a
/// dynamically linked program ends here, and the memory manager's mappings go below.
pub const MMAP_BASE: u64 = STACK_TOP - (128 << 20);

/// The page size reported in `AT_PAGESZ` and used for every mapping.
pub const PAGE: u64 = PAGE_SIZE;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_are_the_linux_sv39_values() {
        assert_eq!(STACK_TOP, 0x40_0000_0000);
        assert_eq!(ELF_ET_DYN_BASE, 0x2a_aaaa_aaaa);
        assert_eq!(STACK_TOP % PAGE, 0);
        assert_eq!(STACK_SIZE % PAGE, 0);
        assert_eq!(MMAP_BASE, 0x3f_f800_0000);
    }
}
