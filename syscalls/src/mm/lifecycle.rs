//! Address-space lifecycle: a process's spaces created and loaded at exec, copied
//! copy-on-write at fork, released at exit.

use super::*;

impl Mm {
    /// An empty mm.
    pub fn new() -> Mm {
        Mm { seed: 0x0067_7261_6e74_6978, ..Default::default() }
    }

    /// Creates the spaces of a new process from an executable file and gives the
    /// personality (`linux`) its whole-space grant. Used by exec and by the board for the
    /// first process.
    pub fn exec_image(&mut self, env: &mut dyn Env, pid: u32, host_path: &str, argv: Vec<Vec<u8>>, envp: Vec<Vec<u8>>, execfn: Vec<u8>) -> Result<(u64, u64, Sid, Sid, u64), i32> {
        let me = env.me();
        let linux = env.sid_of(ServiceId::Linux);
        let mem = env.memory().map_err(|_| libc::EPERM)?;
        let (loaded, pm) = self.load_new(mem, me, linux, pid, host_path, argv, envp, execfn)?;
        // The old image's shared file mappings reach their files before it goes (its
        // descriptors are still open: vfs closes close-on-exec ones after this).
        if let Some(old) = self.procs.get(&pid).cloned() {
            self.write_back_all(env, pid, &old);
        }
        if let Some(old) = self.insert_proc(pid, pm) {
            self.release(env, old);
        }
        Ok(loaded)
    }

    /// The work of exec without a service context: also what the board uses to start
    /// the first process. Returns (entry, sp, code, data, brk) and the process's memory.
    #[allow(clippy::too_many_arguments)]
    pub fn load_new(&mut self, mem: &mut Memory, me: Sid, linux: Sid, pid: u32, host_path: &str, argv: Vec<Vec<u8>>, envp: Vec<Vec<u8>>, execfn: Vec<u8>) -> Result<(Loaded, ProcMem), i32> {
        let bytes = loader::read_executable(std::path::Path::new(host_path)).map_err(|e| e.errno())?;
        let image = loader::parse(&bytes).map_err(|e| {
            // The usual surprise: system("...") or popen() runs the host's /bin/sh.
            if let loader::LoadError::WrongArch { arch } = &e {
                // With host programs allowed, a host-native one never gets here
                // (`vfs::hostexec`): only --host-exec=off leaves the host's shell unrunnable.
                let off = if crate::vfs::hostexec::enabled() { String::new() } else { ", or drop --host-exec=off (GRANTIX_HOST_EXEC=off) to run host programs as qemu-user does".into() };
                tracing::warn!(target: "grantix", "exec {host_path}: not a riscv64 program ({arch}), ENOEXEC; a guest that runs /bin/sh (system, popen) needs a riscv64 root: -root DIR (scripts/fetch-debian-root.sh makes one) or -L PREFIX{off}");
            }
            libc::ENOEXEC
        })?;
        // A dynamically linked program: its interpreter, from the guest's view of files.
        let interp = match &image.interp {
            Some(name) => {
                let at = self.paths.interpreter(name).ok_or(libc::ENOENT)?;
                Some(loader::read_executable(&at).map_err(|e| e.errno())?)
            }
            None => None,
        };
        self.seed = self.seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let mut random = [0u8; 16];
        random[..8].copy_from_slice(&self.seed.to_le_bytes());
        random[8..].copy_from_slice(&(self.seed ^ pid as u64).to_le_bytes());
        let spec = loader::StackSpec { argv, envp, execfn, random, ..Default::default() };
        let (code, data) = Self::space_pair(mem, me, pid, "code", "data")?;
        let fail = |mem: &mut Memory, e: i32| {
            let _ = mem.destroy_space(code);
            let _ = mem.destroy_space(data);
            Err(e)
        };
        let stack_size = if self.stack_size == 0 { loader::STACK_SIZE } else { self.stack_size };
        let loaded = match loader::load_program(mem, code, data, &bytes, interp.as_deref(), &spec, stack_size) {
            Ok(l) => l,
            Err(e) => return fail(mem, e.errno()),
        };
        let tramp: Vec<u8> = [0x08b0_0893u32, 0x0000_0073].iter().flat_map(|w| w.to_le_bytes()).collect();
        if mem.map_zero(code, SIGRETURN_TRAMPOLINE, PAGE_SIZE, PageRights::RX).is_err() || mem.poke(code, SIGRETURN_TRAMPOLINE, &tramp).is_err() {
            return fail(mem, libc::ENOMEM);
        }
        if let Some(s) = mem.space_mut(data) {
            s.ecall_portal = Some(self.portals.ecall);
            s.fault_portal = Some(self.portals.fault);
        }
        if Self::grant_authorities(mem, me, linux, data).is_err() {
            return fail(mem, libc::ENOMEM);
        }
        let mut pm = ProcMem { code, data, brk_start: loaded.brk_start, brk: loaded.brk_start, vmas: VmaList::new() };
        for (start, end, r) in mem.space(data).map(|s| s.regions()).unwrap_or_default() {
            let prot = (r.contains(PageRights::R) as u32) | ((r.contains(PageRights::W) as u32) << 1);
            pm.vmas.insert(Vma { role: Role::Image, ..Vma::anon(start, end, prot) });
        }
        let stack_lo = loader::STACK_TOP - loaded.stack_size;
        pm.vmas.insert(Vma { role: Role::Stack, ..Vma::anon(stack_lo, loader::STACK_TOP, PROT_READ | PROT_WRITE) });
        Ok(((loaded.entry, loaded.sp, code, data, loaded.brk_start), pm))
    }

    /// Replaces the image of `pid` by the host stub (`vfs::hostexec`): the process now
    /// stands for a host program, so all its guest memory goes, as at any exec. What
    /// is left is one RX code page at `HOST_STUB_PC` holding `ecall; j .-4` (the thread
    /// waits for the host program in that ecall, a7 set by the personality) and an
    /// empty DATA space carrying the ecall and fault portals and linux's grant.
    pub(super) fn host_stub(&mut self, env: &mut dyn Env, pid: u32) -> Result<(Sid, Sid), i32> {
        let me = env.me();
        let linux = env.sid_of(ServiceId::Linux);
        let mem = env.memory().map_err(|_| libc::EPERM)?;
        let (code, data) = Self::space_pair(mem, me, pid, "host stub", "host data")?;
        // ecall; jal x0, -4
        let stub: Vec<u8> = [0x0000_0073u32, 0xffdf_f06f].iter().flat_map(|w| w.to_le_bytes()).collect();
        let ok = mem.map_zero(code, HOST_STUB_PC, PAGE_SIZE, PageRights::RX).is_ok() && mem.poke(code, HOST_STUB_PC, &stub).is_ok();
        if let Some(s) = mem.space_mut(data) {
            s.ecall_portal = Some(self.portals.ecall);
            s.fault_portal = Some(self.portals.fault);
        }
        if !ok || Self::grant_authorities(mem, me, linux, data).is_err() {
            let _ = mem.destroy_space(code);
            let _ = mem.destroy_space(data);
            return Err(libc::ENOMEM);
        }
        if let Some(old) = self.procs.get(&pid).cloned() {
            self.write_back_all(env, pid, &old);
        }
        let pm = ProcMem { code, data, brk_start: 0, brk: 0, vmas: VmaList::new() };
        if let Some(old) = self.insert_proc(pid, pm) {
            self.release(env, old);
        }
        Ok((code, data))
    }

    /// The one persistent whole-space grant on a process's DATA space: the
    /// personality's (R, W, G). mm keeps none for itself: when it lends a process's
    /// memory to vfs (to fill or write back file mappings) it makes a transient root
    /// grant as the space's creator. A standing grant here let a wild write from mm
    /// land in process memory even in the split configuration (the 10,000-fault
    /// campaign found it: docs/results/campaign-10k.md).
    /// A process's CODE and DATA spaces, named for `pid`, owned by `me`: both or
    /// neither (EAGAIN when the machine has no space left).
    fn space_pair(mem: &mut Memory, me: Sid, pid: u32, code: &str, data: &str) -> Result<(Sid, Sid), i32> {
        let c = mem.create_space(format!("pid {pid} {code}"), me).map_err(|_| libc::EAGAIN)?;
        match mem.create_space(format!("pid {pid} {data}"), me) {
            Ok(d) => Ok((c, d)),
            Err(_) => {
                let _ = mem.destroy_space(c);
                Err(libc::EAGAIN)
            }
        }
    }

    pub(super) fn grant_authorities(mem: &mut Memory, me: Sid, linux: Sid, data: Sid) -> Result<(), machine::GxError> {
        let req = |grantee| machine::grants::GrantRequest { owner: data, lo: 0, len: addr::SPACE_SIZE, rights: GrantRights::RWG, grantee, transient: false };
        mem.grant(me, me, &req(linux))?;
        Ok(())
    }

    pub(super) fn release(&mut self, env: &mut dyn Env, pm: ProcMem) {
        if let Ok(mem) = env.memory() {
            self.release_in(mem, pm);
        }
    }

    /// Destroys a process's DATA space (and its CODE space unless another process of
    /// a fork still runs it) and drops cache entries nothing maps any more.
    pub(super) fn release_in(&mut self, mem: &mut Memory, pm: ProcMem) {
        let code_shared = self.code_users(pm.code) > 0;
        let _ = mem.destroy_space(pm.data);
        if !code_shared {
            let _ = mem.destroy_space(pm.code);
        }
        self.gc_files_in(mem, pm.vmas.file_keys().collect());
    }

    /// The board's cleanup of a process the machine killed (no service context, so no
    /// write-back: what its shared file mappings held since the last msync stays in
    /// the page cache only while another process maps the file).
    pub fn reap(&mut self, mem: &mut Memory, pid: u32) {
        if self.unshare(pid) || self.hand_on(pid) {
            return;
        }
        if let Some(pm) = self.remove_proc(pid) {
            self.release_in(mem, pm);
        }
    }

    /// Drops the cache entries of files no VMA maps any more.
    pub(super) fn gc_files(&mut self, env: &mut dyn Env, keys: Vec<FileKey>) {
        if let Ok(mem) = env.memory() {
            self.gc_files_in(mem, keys);
        }
    }

    /// Drops the cache entries of files among `keys` (those a removed mapping
    /// mapped: no other can have lost its last one) that no VMA maps any more. Only a
    /// cached file costs a look at the processes.
    pub(super) fn gc_files_in(&mut self, mem: &mut Memory, keys: Vec<FileKey>) {
        for k in keys {
            if self.cache.files.contains_key(&k) && !self.procs.values().any(|p| p.vmas.maps_file(k)) {
                self.cache.drop_file(mem, k);
            }
        }
    }

    pub(super) fn fork(&mut self, env: &mut dyn Env, pid: u32, child: u32) -> u64 {
        let Some(parent) = self.procs.get(&pid).cloned() else { return err(libc::ESRCH) };
        let me = env.me();
        let linux = env.sid_of(ServiceId::Linux);
        let Ok(mem) = env.memory() else { return err(libc::EPERM) };
        let Ok(data) = mem.create_space(format!("pid {child} data"), me) else { return err(libc::EAGAIN) };
        if let Some(s) = mem.space_mut(data) {
            s.ecall_portal = Some(self.portals.ecall);
            s.fault_portal = Some(self.portals.fault);
        }
        let fail = |mem: &mut Memory, e: i32| {
            let _ = mem.destroy_space(data);
            err(e)
        };
        // Shared memory must be the same frames on both sides: a demand-zero page gets
        // its frame now, or parent and child would each get one of their own.
        for v in parent.vmas.iter().filter(|v| v.shared && v.populated && !v.dontfork) {
            let lazy: Vec<u64> = pages(v.start, v.end).filter(|p| mem.space(parent.data).and_then(|s| s.pte(*p)).is_some_and(|e| e.frame == FrameId::NONE)).collect();
            for p in lazy {
                let r = mem.space(parent.data).and_then(|s| s.pte(p)).map_or(PageRights::NONE, |e| e.rights);
                if mem.map_zero(parent.data, p, PAGE_SIZE, r).is_err() {
                    return fail(mem, libc::ENOMEM);
                }
            }
        }
        if mem.cow_clone(parent.data, data).is_err() {
            return fail(mem, libc::ENOMEM);
        }
        let mut vmas = parent.vmas.clone();
        for v in parent.vmas.iter() {
            if v.dontfork {
                let _ = mem.unmap(data, v.start, v.len());
                vmas.remove(v.start, v.end);
            } else if v.shared {
                // cow_clone marked these copy-on-write on both sides: make them plain
                // mappings of the same frames again.
                for p in pages(v.start, v.end) {
                    let Some(e) = mem.space(parent.data).and_then(|s| s.pte(p)).copied() else { continue };
                    if e.frame == FrameId::NONE {
                        continue;
                    }
                    if mem.map_frame(parent.data, p, e.frame, e.rights, false).is_err() || mem.map_frame(data, p, e.frame, e.rights, false).is_err() {
                        return fail(mem, libc::ENOMEM);
                    }
                }
            } else if v.wipeonfork && v.populated && mem.map_lazy(data, v.start, v.len(), rights(v.prot)).is_err() {
                return fail(mem, libc::ENOMEM);
            }
        }
        if Self::grant_authorities(mem, me, linux, data).is_err() {
            return fail(mem, libc::ENOMEM);
        }
        // A process that maps code of its own (shared libraries) gets its own CODE
        // space, so what it maps or unmaps there leaves its parent's alone.
        let code = match super::interp::fork_code(mem, me, &parent, child) {
            Ok(c) => c,
            Err(_) => return fail(mem, libc::ENOMEM),
        };
        self.insert_proc(child, ProcMem { data, code, vmas, ..parent });
        data as u64
    }

    pub(super) fn exit(&mut self, env: &mut dyn Env, pid: u32) {
        // A vfork child's memory is its parent's; a parent's still in use by a vfork
        // child goes on with the child.
        if self.unshare(pid) || self.hand_on(pid) {
            return;
        }
        if let Some(pm) = self.procs.get(&pid).cloned() {
            self.write_back_all(env, pid, &pm);
        }
        if let Some(pm) = self.remove_proc(pid) {
            self.release(env, pm);
        }
    }
}
