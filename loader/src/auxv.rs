//! The auxiliary vector: its key numbers and the values grantix's riscv64 reports.
//!
//! Key numbers are from `include/uapi/linux/auxvec.h` and
//! `arch/riscv/include/uapi/asm/auxvec.h`.

/// End of the vector.
pub const AT_NULL: u64 = 0;
/// An entry to skip.
pub const AT_IGNORE: u64 = 1;
/// Address of the program headers in memory.
pub const AT_PHDR: u64 = 3;
/// Size of one program header.
pub const AT_PHENT: u64 = 4;
/// Number of program headers.
pub const AT_PHNUM: u64 = 5;
/// Page size.
pub const AT_PAGESZ: u64 = 6;
/// Load address of the interpreter (0: static executables have none).
pub const AT_BASE: u64 = 7;
/// Flags (0).
pub const AT_FLAGS: u64 = 8;
/// The program's entry point.
pub const AT_ENTRY: u64 = 9;
/// Real user id.
pub const AT_UID: u64 = 11;
/// Effective user id.
pub const AT_EUID: u64 = 12;
/// Real group id.
pub const AT_GID: u64 = 13;
/// Effective group id.
pub const AT_EGID: u64 = 14;
/// Hardware capabilities: one bit per single-letter ISA extension on riscv.
pub const AT_HWCAP: u64 = 16;
/// Clock ticks per second, for `times()`.
pub const AT_CLKTCK: u64 = 17;
/// Whether the program runs with gained privileges (setuid).
pub const AT_SECURE: u64 = 23;
/// Address of 16 random bytes (glibc's stack protector and pointer guard seeds).
pub const AT_RANDOM: u64 = 25;
/// Address of the file name the program was executed as.
pub const AT_EXECFN: u64 = 31;
/// Minimal signal stack size the kernel needs to deliver a signal.
pub const AT_MINSIGSTKSZ: u64 = 51;

/// The hart's extensions as `AT_HWCAP` reports them: bit `letter - 'a'` for each
/// single-letter extension (`arch/riscv/kernel/cpufeature.c`). RV64GC is I, M, A, F, D, C:
/// `0x112d`, the value real RV64GC boards report.
pub const HWCAP_RV64GC: u64 = hwcap(b"imafdc");

/// `AT_MINSIGSTKSZ`: Linux reports `signal_minsigstksz = get_rt_frame_size(true)`
/// (`arch/riscv/kernel/signal.c`), which without the V extension is
/// `round_up(sizeof(struct rt_sigframe), 16)` = 128 (siginfo) + 960 (ucontext with its
/// 784-byte sigcontext) = 1088, measured with the riscv64 uapi headers.
pub const MINSIGSTKSZ_RV64GC: u64 = 1088;

/// `CLOCKS_PER_SEC` of Linux's user-visible clock (USER_HZ).
pub const CLOCK_TICKS: u64 = 100;

/// The `AT_HWCAP` bits for a list of single-letter extensions.
pub const fn hwcap(letters: &[u8]) -> u64 {
    let mut bits = 0;
    let mut i = 0;
    while i < letters.len() {
        let letter = letters[i];
        if letter.is_ascii_lowercase() {
            bits |= 1 << (letter - b'a');
        }
        i += 1;
    }
    bits
}

/// A short name for an auxv key, for logs and `/proc/self/auxv`-style dumps.
pub fn name(key: u64) -> &'static str {
    match key {
        AT_NULL => "AT_NULL",
        AT_IGNORE => "AT_IGNORE",
        AT_PHDR => "AT_PHDR",
        AT_PHENT => "AT_PHENT",
        AT_PHNUM => "AT_PHNUM",
        AT_PAGESZ => "AT_PAGESZ",
        AT_BASE => "AT_BASE",
        AT_FLAGS => "AT_FLAGS",
        AT_ENTRY => "AT_ENTRY",
        AT_UID => "AT_UID",
        AT_EUID => "AT_EUID",
        AT_GID => "AT_GID",
        AT_EGID => "AT_EGID",
        AT_HWCAP => "AT_HWCAP",
        AT_CLKTCK => "AT_CLKTCK",
        AT_SECURE => "AT_SECURE",
        AT_RANDOM => "AT_RANDOM",
        AT_EXECFN => "AT_EXECFN",
        AT_MINSIGSTKSZ => "AT_MINSIGSTKSZ",
        _ => "AT_?",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rv64gc_hwcap_is_imafdc() {
        assert_eq!(HWCAP_RV64GC, 0x112d);
        assert_eq!(hwcap(b"a"), 1);
        assert_eq!(hwcap(b"c"), 4);
    }
}
