//! The initial stack of a Linux riscv64 process: strings, random bytes, argc, argv, envp, auxv.
//!
//! Laid out as `fs/binfmt_elf.c` (`create_elf_tables`) and `fs/exec.c` lay it out, with
//! ASLR off. From the top (`stack_top`, exclusive) down:
//!
//! ```text
//! stack_top - 8   8 zero bytes (exec.c starts at vm_end - sizeof(void *))
//!                 execfn string            <- AT_EXECFN      (copied first)
//!                 envp strings, last one highest
//! arg_start       argv strings, argv[0] lowest          (copied last)
//!                 padding down to 16 bytes (arch_align_stack without randomness)
//! random_addr     16 random bytes           <- AT_RANDOM
//!                 padding so that sp is 16-byte aligned (STACK_ROUND)
//!                 auxv pairs ... AT_NULL, 0
//!                 NULL, envp[envc-1] ... envp[0]
//!                 NULL, argv[argc-1] ... argv[0]
//! sp              argc
//! ```
//!
//! riscv has no AT_PLATFORM string (`ELF_PLATFORM` is NULL) and the random bytes come
//! from the caller, so a run is reproducible. The auxv order is the kernel's:
//! `ARCH_DLINFO` first (riscv: AT_SYSINFO_EHDR, the cache geometry entries and
//! AT_MINSIGSTKSZ; grantix has no vDSO and no cache description, so only
//! AT_MINSIGSTKSZ), then AT_HWCAP, AT_PAGESZ, AT_CLKTCK, AT_PHDR, AT_PHENT, AT_PHNUM,
//! AT_BASE, AT_FLAGS, AT_ENTRY, AT_UID, AT_EUID, AT_GID, AT_EGID, AT_SECURE, AT_RANDOM,
//! AT_EXECFN, AT_NULL.

use crate::auxv::*;
use crate::error::LoadError;
use crate::image::Image;
use crate::layout::PAGE;
use machine::addr::{PAGE_SIZE, Sid};
use machine::memory::Memory;
use machine::{GxError, PageRights};

/// Linux's `MAX_ARG_STRLEN`: one argument or environment string at most 32 pages.
pub const MAX_ARG_STRLEN: usize = 32 * PAGE_SIZE as usize;
/// Linux's `ARG_MAX` floor on the argument space (32 pages).
const ARG_MAX: u64 = 32 * PAGE_SIZE;
/// Linux's `_STK_LIM / 4 * 3` cap on the argument space.
const ARG_SPACE_CAP: u64 = (8 << 20) / 4 * 3;

/// What goes on a new process's stack besides what the image dictates.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StackSpec {
    /// Arguments, without their terminating NULs. An empty list becomes `[""]`, as
    /// Linux has done since 5.18 so that `argv[0]` is never NULL.
    pub argv: Vec<Vec<u8>>,
    /// Environment strings (`NAME=value`), without their terminating NULs.
    pub envp: Vec<Vec<u8>>,
    /// The path the program was executed as (`AT_EXECFN`).
    pub execfn: Vec<u8>,
    /// The 16 bytes `AT_RANDOM` points to.
    pub random: [u8; 16],
    /// Real user id.
    pub uid: u32,
    /// Effective user id.
    pub euid: u32,
    /// Real group id.
    pub gid: u32,
    /// Effective group id.
    pub egid: u32,
    /// Where the interpreter was loaded (`AT_BASE`; 0 for a static executable).
    pub interp_base: u64,
}

/// The stack contents and where everything in it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InitialStack {
    /// The bytes from `sp` up to `stack_top`: place them so that they end at `stack_top`.
    pub bytes: Vec<u8>,
    /// The initial stack pointer (16-byte aligned), pointing at argc.
    pub sp: u64,
    /// argc (at least 1).
    pub argc: u64,
    /// Address of `argv[0]` (the pointer array, `sp + 8`).
    pub argv_addr: u64,
    /// Address of `envp[0]` (the pointer array).
    pub envp_addr: u64,
    /// Address of the first auxv pair.
    pub auxv_addr: u64,
    /// Address of the 16 `AT_RANDOM` bytes.
    pub random_addr: u64,
    /// Address of the `AT_EXECFN` string.
    pub execfn_addr: u64,
    /// `[arg_start, arg_end)`: the argv strings, NUL-separated (`/proc/PID/cmdline`).
    pub arg_start: u64,
    /// End of the argv strings.
    pub arg_end: u64,
    /// `[env_start, env_end)`: the environment strings (`/proc/PID/environ`).
    pub env_start: u64,
    /// End of the environment strings.
    pub env_end: u64,
    /// The auxiliary vector as written, AT_NULL included (`/proc/PID/auxv`, `getauxval`).
    pub auxv: Vec<(u64, u64)>,
}

/// Checks argv and envp against Linux's limits (`bprm_stack_limits` and
/// `copy_strings` in `fs/exec.c`): each string at most [`MAX_ARG_STRLEN`] bytes, and
/// strings plus pointers within a quarter of the stack size (at least 128 KiB, at most
/// 6 MiB). Too much is E2BIG, [`LoadError::ArgumentsTooLong`].
pub fn check_limits(spec: &StackSpec, stack_size: u64) -> Result<(), LoadError> {
    let limit = ARG_SPACE_CAP.min(stack_size / 4).max(ARG_MAX);
    let pointers = (spec.argv.len().max(1) as u64 + spec.envp.len() as u64).saturating_mul(8);
    if limit <= pointers {
        return Err(LoadError::ArgumentsTooLong);
    }
    let mut used: u64 = 0;
    for s in spec.argv.iter().chain(&spec.envp).chain(std::iter::once(&spec.execfn)) {
        if s.len() + 1 > MAX_ARG_STRLEN {
            return Err(LoadError::ArgumentsTooLong);
        }
        used = used.saturating_add(s.len() as u64 + 1);
    }
    if used > limit - pointers {
        return Err(LoadError::ArgumentsTooLong);
    }
    Ok(())
}

/// Builds the initial stack for `image` so that it ends at `stack_top`. Pure layout:
/// nothing is mapped. Address arithmetic wraps rather than panics on absurd inputs (a
/// `stack_top` below the stack's size); [`place`] then refuses the result.
pub fn build(image: &Image, spec: &StackSpec, stack_top: u64) -> InitialStack {
    let empty_argv = [Vec::new()];
    let argv: &[Vec<u8>] = if spec.argv.is_empty() { &empty_argv } else { &spec.argv };
    let envp = &spec.envp;
    let cstr_len = |s: &Vec<u8>| s.len() as u64 + 1;

    // Strings, packed downwards from 8 bytes below the top in the order exec copies
    // them: execfn first (highest), then envp, then argv (lowest).
    let execfn_addr = stack_top.wrapping_sub(8).wrapping_sub(cstr_len(&spec.execfn));
    let env_end = execfn_addr;
    let env_start = env_end.wrapping_sub(envp.iter().map(cstr_len).sum::<u64>());
    let arg_end = env_start;
    let arg_start = arg_end.wrapping_sub(argv.iter().map(cstr_len).sum::<u64>());

    let random_addr = (arg_start & !15).wrapping_sub(16);

    let secure = spec.uid != spec.euid || spec.gid != spec.egid;
    let auxv: Vec<(u64, u64)> = vec![
        (AT_MINSIGSTKSZ, MINSIGSTKSZ_RV64GC),
        (AT_HWCAP, HWCAP_RV64GC),
        (AT_PAGESZ, PAGE),
        (AT_CLKTCK, CLOCK_TICKS),
        (AT_PHDR, image.phdr_addr),
        (AT_PHENT, u64::from(image.phent)),
        (AT_PHNUM, u64::from(image.phnum)),
        (AT_BASE, spec.interp_base),
        (AT_FLAGS, 0),
        (AT_ENTRY, image.entry),
        (AT_UID, u64::from(spec.uid)),
        (AT_EUID, u64::from(spec.euid)),
        (AT_GID, u64::from(spec.gid)),
        (AT_EGID, u64::from(spec.egid)),
        // Linux sets it when exec gains privileges (commoncap: euid != uid or egid != gid).
        (AT_SECURE, u64::from(secure)),
        (AT_RANDOM, random_addr),
        (AT_EXECFN, execfn_addr),
        (AT_NULL, 0),
    ];

    // The words below the random bytes: argc, argv[], NULL, envp[], NULL, auxv pairs.
    let words = 1 + (argv.len() as u64 + 1) + (envp.len() as u64 + 1) + 2 * auxv.len() as u64;
    let sp = random_addr.wrapping_sub(words.wrapping_mul(8)) & !15;

    let size = stack_top.wrapping_sub(sp) as usize;
    let mut bytes = vec![0u8; size];
    let mut put = |addr: u64, data: &[u8]| {
        let at = addr.wrapping_sub(sp) as usize;
        if let Some(dst) = at.checked_add(data.len()).and_then(|end| bytes.get_mut(at..end)) {
            dst.copy_from_slice(data);
        }
    };

    let mut words_out: Vec<u64> = Vec::with_capacity(words as usize);
    words_out.push(argv.len() as u64);
    let mut at = arg_start;
    for s in argv {
        words_out.push(at);
        put(at, s);
        at = at.wrapping_add(cstr_len(s));
    }
    words_out.push(0);
    for s in envp {
        words_out.push(at);
        put(at, s);
        at = at.wrapping_add(cstr_len(s));
    }
    words_out.push(0);
    put(execfn_addr, &spec.execfn);
    put(random_addr, &spec.random);
    for &(key, value) in &auxv {
        words_out.push(key);
        words_out.push(value);
    }
    let flat: Vec<u8> = words_out.iter().flat_map(|w| w.to_le_bytes()).collect();
    put(sp, &flat);

    let argv_addr = sp.wrapping_add(8);
    let envp_addr = argv_addr.wrapping_add((argv.len() as u64 + 1) * 8);
    let auxv_addr = envp_addr.wrapping_add((envp.len() as u64 + 1) * 8);
    InitialStack {
        bytes,
        sp,
        argc: argv.len() as u64,
        argv_addr,
        envp_addr,
        auxv_addr,
        random_addr,
        execfn_addr,
        arg_start,
        arg_end,
        env_start,
        env_end,
        auxv,
    }
}

/// Maps a demand-zero RW stack of `stack_size` bytes below `stack_top` in `data` and
/// writes the initial stack at its top. Both numbers must be page multiples, and the
/// contents must fit and end at `stack_top` ([`GxError::Invalid`] otherwise). The stack
/// is never executable: see [`Image::exec_stack`].
pub fn place(
    mem: &mut Memory,
    data: Sid,
    stack: &InitialStack,
    stack_top: u64,
    stack_size: u64,
) -> Result<(), GxError> {
    let len = stack.bytes.len() as u64;
    let aligned = stack_top % PAGE_SIZE == 0 && stack_size % PAGE_SIZE == 0 && stack_size > 0;
    if !aligned || stack_size > stack_top || len > stack_size || stack.sp != stack_top - len {
        return Err(GxError::Invalid);
    }
    mem.map_lazy(data, stack_top - stack_size, stack_size, PageRights::RW)?;
    mem.poke(data, stack.sp, &stack.bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::{ImageKind, PHENT_SIZE};

    fn image() -> Image {
        Image {
            kind: ImageKind::Exec,
            entry: 0x10100,
            load_bias: 0,
            phdr_addr: 0x10040,
            phent: PHENT_SIZE,
            phnum: 4,
            segments: Vec::new(),
            tls: None,
            exec_stack: false,
            brk_start: 0x20000,
            interp: None,
        }
    }

    fn word(stack: &InitialStack, addr: u64) -> u64 {
        let at = (addr - stack.sp) as usize;
        u64::from_le_bytes(stack.bytes[at..at + 8].try_into().unwrap())
    }

    fn cstr(stack: &InitialStack, addr: u64) -> Vec<u8> {
        let at = (addr - stack.sp) as usize;
        stack.bytes[at..].iter().take_while(|&&b| b != 0).copied().collect()
    }

    #[test]
    fn layout_matches_create_elf_tables() {
        let spec = StackSpec {
            argv: vec![b"prog".to_vec(), b"-v".to_vec()],
            envp: vec![b"A=1".to_vec()],
            execfn: b"/bin/prog".to_vec(),
            random: *b"0123456789abcdef",
            ..StackSpec::default()
        };
        let top = 0x40_0000_0000;
        let s = build(&image(), &spec, top);
        assert_eq!(s.sp % 16, 0);
        assert_eq!(s.sp + s.bytes.len() as u64, top);
        assert_eq!(word(&s, s.sp), 2);
        assert_eq!(cstr(&s, word(&s, s.argv_addr)), b"prog");
        assert_eq!(cstr(&s, word(&s, s.argv_addr + 8)), b"-v");
        assert_eq!(word(&s, s.argv_addr + 16), 0);
        assert_eq!(cstr(&s, word(&s, s.envp_addr)), b"A=1");
        assert_eq!(word(&s, s.envp_addr + 8), 0);
        assert_eq!(s.execfn_addr, top - 8 - 10);
        assert_eq!(s.arg_start, word(&s, s.argv_addr));
        assert_eq!(s.env_start, s.arg_end);
        assert_eq!(s.env_end, s.execfn_addr);
        assert_eq!(s.random_addr % 16, 0);
        assert!(s.random_addr + 16 <= s.arg_start);
        assert_eq!(&s.bytes[(s.random_addr - s.sp) as usize..][..16], b"0123456789abcdef");
        assert_eq!(&s.bytes[s.bytes.len() - 8..], &[0; 8]);
        assert_eq!(s.auxv.last(), Some(&(AT_NULL, 0)));
        assert_eq!(word(&s, s.auxv_addr), AT_MINSIGSTKSZ);
    }

    #[test]
    fn empty_argv_becomes_one_empty_string() {
        let s = build(&image(), &StackSpec::default(), 0x40_0000_0000);
        assert_eq!(s.argc, 1);
        assert_eq!(cstr(&s, word(&s, s.argv_addr)), b"");
    }

    #[test]
    fn absurd_stack_tops_do_not_panic() {
        let spec = StackSpec { argv: vec![vec![b'x'; 100]], ..StackSpec::default() };
        for top in [0, 8, 17, u64::MAX, u64::MAX - 7] {
            let s = build(&image(), &spec, top);
            let mut mem = Memory::new(machine::memory::MemoryLimits { frames: 64, ..Default::default() });
            let data = mem.create_space("data", 0).unwrap();
            assert!(place(&mut mem, data, &s, top, 8 << 20).is_err());
        }
    }

    #[test]
    fn limits_follow_linux() {
        let big = StackSpec { argv: vec![vec![b'a'; MAX_ARG_STRLEN]], ..StackSpec::default() };
        assert_eq!(check_limits(&big, 8 << 20), Err(LoadError::ArgumentsTooLong));
        let many = StackSpec { envp: vec![vec![b'e'; 1000]; 3000], ..StackSpec::default() };
        assert_eq!(check_limits(&many, 8 << 20), Err(LoadError::ArgumentsTooLong));
        let fine = StackSpec { envp: vec![vec![b'e'; 1000]; 1000], ..StackSpec::default() };
        assert_eq!(check_limits(&fine, 8 << 20), Ok(()));
    }
}
