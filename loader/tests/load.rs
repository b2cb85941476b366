//! Images and stacks in a real machine memory, checked page by page with `peek`.

mod common;

use common::*;
use loader::auxv::*;
use loader::{LoadError, MMAP_BASE, STACK_SIZE, STACK_TOP, StackSpec, load_process, load_program, parse, read_executable};
use machine::{GxError, PageRights};

fn rights(mem: &machine::memory::Memory, sid: machine::Sid, addr: u64) -> Option<PageRights> {
    mem.space(sid).unwrap().pte(addr).map(|p| p.rights)
}

fn no_data_page_is_executable(mem: &machine::memory::Memory, data: machine::Sid) {
    for (page, pte) in &mem.space(data).unwrap().pages {
        assert!(!pte.rights.contains(PageRights::X), "DATA page {:#x} is executable", page << 12);
    }
}

#[test]
fn glibc_executable_lands_in_code_and_data() {
    let bytes = fixture("hello-static");
    let img = parse(&bytes).unwrap();
    let mut mem = memory();
    let (code, data) = spaces(&mut mem);
    img.load(&mut mem, code, data).unwrap();

    // Text: in CODE with RX, and the same bytes readable (not executable) in DATA.
    let text = &img.segments[0];
    assert_eq!(peek(&mem, code, text.vaddr, text.data.len()), text.data);
    assert_eq!(peek(&mem, data, text.vaddr, text.data.len()), text.data);
    for page in (0x10000..0x71000).step_by(0x1000) {
        assert_eq!(rights(&mem, code, page), Some(PageRights::RX), "CODE {page:#x}");
        assert_eq!(rights(&mem, data, page), Some(PageRights::R), "DATA {page:#x}");
    }
    // Same frames on both sides.
    let (c, d) =
        (mem.space(code).unwrap().pte(0x10000).unwrap().frame, mem.space(data).unwrap().pte(0x10000).unwrap().frame);
    assert_eq!(c, d);

    // Data and bss: in DATA only, RW; bss reads as zero up to the end of memsz.
    let rw = &img.segments[1];
    assert_eq!(peek(&mem, data, rw.vaddr, rw.data.len()), rw.data);
    let bss_len = (rw.memsz as usize) - rw.data.len();
    assert!(peek(&mem, data, rw.vaddr + rw.data.len() as u64, bss_len).iter().all(|&b| b == 0));
    for page in (0x71000..0x7f000).step_by(0x1000) {
        assert_eq!(rights(&mem, data, page), Some(PageRights::RW), "DATA {page:#x}");
        assert_eq!(rights(&mem, code, page), None, "CODE {page:#x}");
    }
    // Whole bss pages past the file bytes are demand-zero: no frame until touched.
    let lazy = mem.space(data).unwrap().pte(0x7e000).unwrap().frame;
    assert_eq!(lazy, machine::frames::FrameId::NONE);
    assert_eq!(rights(&mem, data, 0x7f000), None);
    assert_eq!(rights(&mem, data, 0xf000), None);
    no_data_page_is_executable(&mem, data);
}

#[test]
fn a_page_shared_by_text_and_data_holds_both() {
    let img = parse(&fixture("tiny-packed")).unwrap();
    let mut mem = memory();
    let (code, data) = spaces(&mut mem);
    img.load(&mut mem, code, data).unwrap();
    let (text, rw) = (&img.segments[0], &img.segments[1]);
    assert_eq!(rights(&mem, code, 0x10000), Some(PageRights::RX));
    assert_eq!(rights(&mem, data, 0x10000), Some(PageRights::RW));
    assert_eq!(peek(&mem, code, text.vaddr, text.data.len()), text.data);
    assert_eq!(peek(&mem, code, rw.vaddr, rw.data.len()), rw.data, "CODE sees the data bytes of the shared page");
    assert_eq!(peek(&mem, data, rw.vaddr, 8), 7u64.to_le_bytes(), "counter = 7");
    // The gap between text and data, and the bss after, are zero.
    let gap = (rw.vaddr - text.end()) as usize;
    assert!(peek(&mem, data, text.end(), gap).iter().all(|&b| b == 0));
    assert!(peek(&mem, data, rw.vaddr + 8, rw.memsz as usize - 8).iter().all(|&b| b == 0));
    assert_eq!(rights(&mem, code, 0x11000), None);
    assert_eq!(rights(&mem, data, 0x11000), Some(PageRights::RW));
    no_data_page_is_executable(&mem, data);
}

#[test]
fn write_and_execute_segment_is_writable_through_data() {
    let phdrs = [Phdr::load(PF_R | PF_W | PF_X, 0, 0x10000, 0x1100, 0x3000)];
    let f = write_elf(ET_EXEC, 0x10100, &phdrs, &[(0x100, &[0x13; 0x1000])]);
    let img = parse(&f).unwrap();
    let mut mem = memory();
    let (code, data) = spaces(&mut mem);
    img.load(&mut mem, code, data).unwrap();
    for page in [0x10000, 0x11000, 0x12000] {
        assert_eq!(rights(&mem, code, page), Some(PageRights::RWX));
        assert_eq!(rights(&mem, data, page), Some(PageRights::RW));
    }
    assert_eq!(peek(&mem, data, 0x10100, 4), [0x13; 4]);
    assert!(peek(&mem, code, 0x11100, 0x1f00).iter().all(|&b| b == 0));
}

#[test]
fn static_pie_lands_at_its_bias() {
    let img = parse(&fixture("tiny-static-pie")).unwrap();
    let mut mem = memory();
    let (code, data) = spaces(&mut mem);
    img.load(&mut mem, code, data).unwrap();
    let text = &img.segments[0];
    assert_eq!(text.vaddr, img.load_bias);
    assert_eq!(peek(&mem, code, text.vaddr, 4), b"\x7fELF");
    assert_eq!(rights(&mem, code, img.load_bias), Some(PageRights::RX));
    assert_eq!(rights(&mem, data, img.load_bias + 0x2000), Some(PageRights::RW));
}

#[test]
fn load_fails_cleanly_when_frames_run_out() {
    let img = parse(&fixture("hello-static")).unwrap();
    let mut mem = machine::memory::Memory::new(machine::memory::MemoryLimits { frames: 16, ..Default::default() });
    let (code, data) = spaces(&mut mem);
    assert_eq!(img.load(&mut mem, code, data), Err(GxError::Limit));
    assert_eq!(mem.frames.live(), 0, "refused before mapping anything");
    let err = load_process(&mut mem, code, data, &fixture("hello-static"), &StackSpec::default()).unwrap_err();
    assert_eq!(err, LoadError::Memory(GxError::Limit));
    assert_eq!(err.exit_status(), 126);
}

fn auxv_of(mem: &machine::memory::Memory, data: machine::Sid, mut at: u64) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    loop {
        let (k, v) = (peek_u64(mem, data, at), peek_u64(mem, data, at + 8));
        out.push((k, v));
        if k == AT_NULL {
            return out;
        }
        at += 16;
    }
}

#[test]
fn initial_stack_reads_back_as_linux_lays_it_out() {
    let bytes = fixture("hello-static");
    let spec = StackSpec {
        argv: vec![b"hello".to_vec(), b"one".to_vec(), b"two words".to_vec()],
        envp: vec![b"HOME=/root".to_vec(), b"TERM=dumb".to_vec()],
        execfn: b"/usr/bin/hello".to_vec(),
        random: *b"grantix-seed-16b",
        uid: 1000,
        euid: 1000,
        gid: 100,
        egid: 100,
        interp_base: 0,
    };
    let mut mem = memory();
    let (code, data) = spaces(&mut mem);
    let l = load_process(&mut mem, code, data, &bytes, &spec).unwrap();
    assert_eq!(l.entry, 0x105a0);
    assert_eq!(l.brk_start, 0x7f000);
    assert_eq!((l.stack_top, l.stack_size), (STACK_TOP, STACK_SIZE));
    assert_eq!(l.sp % 16, 0);
    assert!(l.sp < STACK_TOP && l.sp > STACK_TOP - 4096);

    // argc, argv, envp.
    let sp = l.sp;
    assert_eq!(peek_u64(&mem, data, sp), 3);
    let argv: Vec<Vec<u8>> = (0..3).map(|i| peek_cstr(&mem, data, peek_u64(&mem, data, sp + 8 + 8 * i))).collect();
    assert_eq!(argv, spec.argv);
    assert_eq!(peek_u64(&mem, data, sp + 32), 0);
    let envp_at = sp + 40;
    let envp: Vec<Vec<u8>> = (0..2).map(|i| peek_cstr(&mem, data, peek_u64(&mem, data, envp_at + 8 * i))).collect();
    assert_eq!(envp, spec.envp);
    assert_eq!(peek_u64(&mem, data, envp_at + 16), 0);

    // The strings are packed argv, envp, execfn, ending 8 bytes below the top.
    let arg_start = peek_u64(&mem, data, sp + 8);
    assert_eq!(peek(&mem, data, arg_start, 42), b"hello\0one\0two words\0HOME=/root\0TERM=dumb\0/".to_vec());
    assert_eq!(peek(&mem, data, STACK_TOP - 8, 8), [0; 8]);

    // auxv, in the kernel's order.
    let auxv = auxv_of(&mem, data, envp_at + 24);
    let keys: Vec<u64> = auxv.iter().map(|&(k, _)| k).collect();
    assert_eq!(
        keys,
        [
            AT_MINSIGSTKSZ,
            AT_HWCAP,
            AT_PAGESZ,
            AT_CLKTCK,
            AT_PHDR,
            AT_PHENT,
            AT_PHNUM,
            AT_BASE,
            AT_FLAGS,
            AT_ENTRY,
            AT_UID,
            AT_EUID,
            AT_GID,
            AT_EGID,
            AT_SECURE,
            AT_RANDOM,
            AT_EXECFN,
            AT_NULL
        ]
    );
    assert_eq!(auxv, l.stack.auxv);
    let get = |key| auxv.iter().find(|&&(k, _)| k == key).unwrap().1;
    assert_eq!(get(AT_MINSIGSTKSZ), 1088);
    assert_eq!(get(AT_HWCAP), 0x112d);
    assert_eq!(get(AT_PAGESZ), 4096);
    assert_eq!(get(AT_CLKTCK), 100);
    assert_eq!(get(AT_PHENT), 56);
    assert_eq!(get(AT_BASE), 0);
    assert_eq!(get(AT_FLAGS), 0);
    assert_eq!(get(AT_ENTRY), 0x105a0);
    assert_eq!((get(AT_UID), get(AT_EUID), get(AT_GID), get(AT_EGID)), (1000, 1000, 100, 100));
    assert_eq!(get(AT_SECURE), 0);
    // AT_PHDR points at the program header table, as read from the file.
    let phnum = get(AT_PHNUM) as usize;
    assert_eq!(phnum, u16::from_le_bytes([bytes[56], bytes[57]]) as usize);
    assert_eq!(peek(&mem, data, get(AT_PHDR), 56 * phnum), bytes[64..64 + 56 * phnum]);
    // AT_RANDOM points at the seed, AT_EXECFN at the path.
    assert_eq!(get(AT_RANDOM) % 16, 0);
    assert_eq!(peek(&mem, data, get(AT_RANDOM), 16), b"grantix-seed-16b");
    assert_eq!(peek_cstr(&mem, data, get(AT_EXECFN)), b"/usr/bin/hello");
    assert_eq!(get(AT_EXECFN), l.stack.execfn_addr);

    // The stack region: RW, demand-zero below what was written.
    assert_eq!(rights(&mem, data, STACK_TOP - 0x1000), Some(PageRights::RW));
    assert_eq!(rights(&mem, data, STACK_TOP - STACK_SIZE), Some(PageRights::RW));
    assert_eq!(rights(&mem, data, STACK_TOP - STACK_SIZE - 0x1000), None);
    assert_eq!(rights(&mem, data, STACK_TOP), None);
    assert_eq!(mem.space(data).unwrap().pte(STACK_TOP - 0x10000).unwrap().frame, machine::frames::FrameId::NONE);
    assert_eq!(l.mappings, parse(&bytes).unwrap().mappings());
    no_data_page_is_executable(&mem, data);
}

#[test]
fn setuid_style_credentials_set_at_secure() {
    let spec = StackSpec { uid: 1000, euid: 0, ..StackSpec::default() };
    let mut mem = memory();
    let (code, data) = spaces(&mut mem);
    let l = load_process(&mut mem, code, data, &fixture("tiny-static"), &spec).unwrap();
    assert!(l.stack.auxv.contains(&(AT_SECURE, 1)));
    assert_eq!(peek_cstr(&mem, data, peek_u64(&mem, data, l.sp + 8)), b"");
}

#[test]
fn static_pie_process_reports_biased_addresses() {
    let bytes = fixture("tiny-static-pie");
    let mut mem = memory();
    let (code, data) = spaces(&mut mem);
    let l = load_process(&mut mem, code, data, &bytes, &StackSpec::default()).unwrap();
    assert_eq!(l.entry, l.load_bias + 0x242);
    assert!(l.stack.auxv.contains(&(AT_ENTRY, l.entry)));
    assert!(l.stack.auxv.contains(&(AT_PHDR, l.load_bias + 0x40)));
    let phnum = u16::from_le_bytes([bytes[56], bytes[57]]) as usize;
    assert_eq!(peek(&mem, data, l.phdr_addr, 56 * phnum), bytes[64..64 + 56 * phnum]);
}

#[test]
fn an_image_on_the_stack_is_refused() {
    let phdrs = [Phdr::load(PF_R | PF_X, 0, STACK_TOP - 0x2000, 0x100, 0x100)];
    let f = write_elf(ET_EXEC, STACK_TOP - 0x2000, &phdrs, &[(0, &[0; 0x100])]);
    let mut mem = memory();
    let (code, data) = spaces(&mut mem);
    let err = load_process(&mut mem, code, data, &f, &StackSpec::default()).unwrap_err();
    assert!(matches!(err, LoadError::StackOverlap { .. }), "{err}");
}

#[test]
fn too_many_arguments_is_e2big() {
    let spec = StackSpec { argv: vec![vec![b'x'; 100_000]; 30], ..StackSpec::default() };
    let mut mem = memory();
    let (code, data) = spaces(&mut mem);
    let err = load_process(&mut mem, code, data, &fixture("tiny-static"), &spec).unwrap_err();
    assert_eq!(err, LoadError::ArgumentsTooLong);
    assert_eq!(err.errno(), 7);
}

#[test]
fn reading_executables_reports_shell_statuses() {
    let dir = std::env::temp_dir().join(format!("grantix-loader-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    let missing = read_executable(dir.join("missing")).unwrap_err();
    assert!(matches!(missing, LoadError::NotFound { .. }));
    assert_eq!(missing.exit_status(), 127);
    assert!(missing.to_string().ends_with("missing: no such file or directory"));

    let is_dir = read_executable(&dir).unwrap_err();
    assert!(matches!(is_dir, LoadError::IsDirectory { .. }));
    assert_eq!(is_dir.exit_status(), 126);

    let file = dir.join("prog");
    std::fs::write(&file, fixture("tiny-static")).unwrap();
    assert_eq!(read_executable(&file).unwrap(), fixture("tiny-static"));
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o000)).unwrap();
        // root reads anything; the check only means something for other users.
        if std::fs::read(&file).is_err() {
            let denied = read_executable(&file).unwrap_err();
            assert!(matches!(denied, LoadError::PermissionDenied { .. }));
            assert_eq!(denied.exit_status(), 126);
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The cross toolchain's riscv64 ld.so (scripts/setup.sh installs it).
fn ld_so() -> Vec<u8> {
    let p = "/usr/riscv64-linux-gnu/lib/ld-linux-riscv64-lp64d.so.1";
    std::fs::read(p).unwrap_or_else(|e| panic!("{p}: {e} (scripts/setup.sh installs the riscv64 cross toolchain)"))
}

#[test]
fn dynamic_program_and_its_interpreter_as_linux_places_them() {
    let prog = fixture("hello-dynamic");
    let img = parse(&prog).unwrap();
    assert_eq!(img.interp.as_deref(), Some("/lib/ld-linux-riscv64-lp64d.so.1"));
    let ld = ld_so();
    let interp = parse(&ld).unwrap();
    let mut mem = memory();
    let (code, data) = spaces(&mut mem);
    let spec = StackSpec { argv: vec![b"hello".to_vec()], execfn: b"hello".to_vec(), ..StackSpec::default() };
    let l = load_program(&mut mem, code, data, &prog, Some(&ld), &spec, STACK_SIZE).unwrap();
    let (base, (lo, hi)) = l.interp.expect("an interpreter was loaded");
    assert_eq!(hi, MMAP_BASE, "the interpreter ends where top-down mmap starts");
    assert_eq!(lo, base, "ld.so is linked at 0");
    assert_eq!(l.entry, base + interp.entry - interp.load_bias, "the first instruction is ld.so's");
    assert_eq!(l.program_entry, img.entry);
    let auxv = auxv_of(&mem, data, l.stack.auxv_addr);
    let get = |k| auxv.iter().find(|e| e.0 == k).map(|e| e.1);
    assert_eq!(get(AT_BASE), Some(base));
    assert_eq!(get(AT_ENTRY), Some(img.entry), "AT_ENTRY is the program's entry, not ld.so's");
    assert_eq!(get(AT_PHDR), Some(img.phdr_addr));
    assert_eq!(get(AT_PHNUM), Some(u64::from(img.phnum)));
    assert_eq!(get(AT_PHENT), Some(56));
    // ld.so's text is code, its bytes readable in DATA; the program's headers are
    // where AT_PHDR says.
    let text = interp.segments.iter().find(|s| s.execute).unwrap();
    let at = text.vaddr - interp.load_bias + base;
    assert_eq!(rights(&mem, code, at & !0xfff), Some(PageRights::RX));
    assert_eq!(peek(&mem, data, at, 64), text.data[..64].to_vec());
    assert_eq!(peek(&mem, data, img.phdr_addr, 4), 6u32.to_le_bytes().to_vec(), "PT_PHDR comes first");
    no_data_page_is_executable(&mem, data);
}

#[test]
fn dynamic_program_without_its_interpreter_is_refused_with_the_way_out() {
    let mut mem = memory();
    let (code, data) = spaces(&mut mem);
    let err = load_process(&mut mem, code, data, &fixture("hello-dynamic"), &StackSpec::default()).unwrap_err();
    assert_eq!(err, LoadError::Dynamic { interpreter: "/lib/ld-linux-riscv64-lp64d.so.1".into() });
    assert!(err.to_string().contains("-L PREFIX"));
    assert_eq!((err.exit_status(), err.errno()), (127, 2), "a missing interpreter is ENOENT, as on Linux");
    // An interpreter that is itself dynamic is refused.
    let err = load_program(&mut mem, code, data, &fixture("hello-dynamic"), Some(&fixture("hello-dynamic")), &StackSpec::default(), STACK_SIZE).unwrap_err();
    assert!(matches!(err, LoadError::BadInterpreter { .. }), "{err}");
}
