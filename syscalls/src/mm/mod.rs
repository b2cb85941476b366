//! The mm service: the memory authority. Creates process spaces, loads images, copies
//! them copy-on-write for fork, and implements brk and the mmap family.
//!
//! Layout: `vma` keeps each process's list of mappings (pure bookkeeping, unit-tested),
//! `cache` the page cache of mapped files; this module keeps the machine's page tables
//! in step with both, through the `Memory` API.
//!
//! How the Linux semantics map onto the machine:
//! - anonymous memory is demand-zero (`map_lazy`); a private anonymous PROT_NONE
//!   mapping gets no page-table entries until mprotect opens it (`Vma::populated`);
//! - file mappings map page-cache frames: shared plainly, private copy-on-write. Pages
//!   wholly past EOF stay unmapped; a fault there is SIGBUS (BUS_ADRERR), which the
//!   personality learns by asking `op::FAULT_KIND`;
//! - shared mappings (file or anonymous) keep sharing frames across fork;
//! - shared file mappings are written back to the file on msync, munmap, exit and exec.

pub mod cache;
pub mod interp;
pub mod vma;

use crate::service::{call_errno, err, is_err, Env, Lend, Service, ServiceId};
use crate::sysno as nr;
use crate::vfs_op;
use cache::PageCache;
use machine::addr::{self, page_ceil, Sid, PAGE_SIZE};
use machine::frames::FrameId;
use machine::memory::Memory;
use machine::{Fault, GrantRights, PageRights};
use std::any::Any;
use std::collections::BTreeMap;
pub use vma::{Backing, FileKey, FileMap, Role, Vma, VmaList, PROT_EXEC, PROT_READ, PROT_WRITE};

/// Operations of mm besides Linux syscall numbers.
pub mod op {
    /// Exec: a1 = qualified host path (lent R), a2 = its length, a3 = blob of argv and
    /// envp (lent R; format: argc, envc as u32 then NUL-terminated strings), a4 = blob len,
    /// a5 = result buffer (lent W, 48 bytes: entry, sp, code, data, brk, execfn).
    /// a0 = 0 or -errno (ENOENT, EACCES, ENOEXEC, ENOMEM).
    pub const EXEC: u64 = 0x2000;
    /// Fork: a1 = child pid. a0 = new DATA sid or -errno; a1 = the child's own CODE sid,
    /// or 0 when it shares its parent's (no executable mappings besides the image).
    pub const FORK: u64 = 0x2001;
    /// A process ended: write back its shared file mappings, release its spaces.
    /// Must come before vfs's EXIT (the write-back goes through the process's fds).
    pub const EXIT: u64 = 0x2002;
    /// Spaces of a process: a0 = code, a1 = data.
    pub const SPACES: u64 = 0x2003;
    /// /proc/PID/maps text into a lent buffer: a1 = pid, a2 = buffer, a3 = len,
    /// a4 = executable path (lent R), a5 = its length; a0 = full length.
    pub const MAPS: u64 = 0x2004;
    /// What a memory fault of the caller at address a1 means (a2 = the machine's
    /// cause): a0 = signal number, a1 = si_code. SIGBUS/BUS_ADRERR for a page of a
    /// file mapping wholly past EOF, SIGSEGV/SEGV_ACCERR inside a mapping,
    /// SIGSEGV/SEGV_MAPERR outside every mapping; a0 = 0 when mm resolved the fault
    /// (a page the file has grown into since): retry the access.
    pub const FAULT_KIND: u64 = 0x2005;
    /// vfs reports a change to a host file, so mappings of it stay coherent:
    /// a1 = st_dev, a2 = st_ino, a3 = file offset of a write (or the new size when
    /// a4 = 0: truncate), a4 = qualified pointer to the bytes written (lent R),
    /// a5 = their length. a0 = 1 if mm caches the file (keep reporting it), 0 if not.
    /// Never called for mm's own write-back (`vfs_op::PWRITE_FROM`).
    pub const FILE_CHANGED: u64 = 0x2006;
}

/// The top of the user address space mm manages (riscv64 sv48's TASK_SIZE): MAP_FIXED
/// and hints may go up to here; mmap's own placement stays below `MMAP_TOP`.
pub const TASK_SIZE: u64 = 1 << 47;
/// Where mmap starts looking for room, top-down: Linux's `mmap_base` with ASLR off,
/// `STACK_TOP` less the minimum gap of 128 MiB kept for the stack.
pub const MMAP_TOP: u64 = loader::STACK_TOP - (128 << 20);
/// Lowest address mmap places a mapping at (hints below are ignored): Linux's default
/// `vm.mmap_min_addr`.
pub const MMAP_MIN: u64 = 0x1_0000;
/// Where the sigreturn trampoline (`li a7, 139; ecall`) sits in every process's CODE
/// space: the return address of signal handlers, as the vDSO's is on Linux.
pub const SIGRETURN_TRAMPOLINE: u64 = 0x3f_ffff_e000;
/// Linux's default `vm.max_map_count`: more VMAs than this is ENOMEM.
pub const MAX_MAP_COUNT: usize = 65530;
/// mm's one scratch page in its own space (for fstat results from vfs). In the
/// monolithic configuration that is the kernel space: this lies past linux's scratch.
const MM_SCRATCH: u64 = 0x1100_0000;

/// Process CODE/DATA portals: ecall and fault portal ids, set at boot.
#[derive(Clone, Copy, Debug, Default)]
pub struct ProcessPortals {
    pub ecall: u64,
    pub fault: u64,
}

/// The largest brk region.
const BRK_MAX: u64 = 1 << 34;

// Linux constants (asm-generic, riscv64), spelled out so they do not depend on the
// host's libc.
const MAP_SHARED: u32 = 0x01;
const MAP_PRIVATE: u32 = 0x02;
const MAP_SHARED_VALIDATE: u32 = 0x03;
const MAP_TYPE: u32 = 0x0f;
const MAP_FIXED: u32 = 0x10;
const MAP_ANONYMOUS: u32 = 0x20;
const MAP_NORESERVE: u32 = 0x4000;
const MAP_FIXED_NOREPLACE: u32 = 0x10_0000;
/// Every flag Linux knows (MAP_SHARED_VALIDATE rejects others with EOPNOTSUPP):
/// the type, FIXED, ANONYMOUS, GROWSDOWN, DENYWRITE, EXECUTABLE, LOCKED, NORESERVE,
/// POPULATE, NONBLOCK, STACK, HUGETLB, SYNC, FIXED_NOREPLACE, and the huge page size.
const MAP_KNOWN: u32 = MAP_TYPE | MAP_FIXED | MAP_ANONYMOUS | 0x100 | 0x800 | 0x1000 | 0x2000 | MAP_NORESERVE | 0x8000 | 0x1_0000 | 0x2_0000 | 0x4_0000 | 0x8_0000 | MAP_FIXED_NOREPLACE | (0x3f << 26);
const PROT_GROWS: u32 = 0x0100_0000 | 0x0200_0000;
const MREMAP_MAYMOVE: u64 = 1;
const MREMAP_FIXED: u64 = 2;
const MREMAP_DONTUNMAP: u64 = 4;
const MS_ASYNC: u64 = 1;
const MS_INVALIDATE: u64 = 2;
const MS_SYNC: u64 = 4;
const SIGBUS: u64 = 7;
const SIGSEGV: u64 = 11;
const SEGV_MAPERR: u64 = 1;
const SEGV_ACCERR: u64 = 2;
const BUS_ADRERR: u64 = 2;
const S_IFMT: u32 = 0o170000;
const S_IFREG: u32 = 0o100000;
const S_IFCHR: u32 = 0o020000;
/// /dev/zero's device number (1, 5): mapping it is mapping anonymous memory.
const DEV_ZERO_RDEV: u64 = 0x105;

/// What exec produced: (entry, sp, code, data, brk).
pub type Loaded = (u64, u64, Sid, Sid, u64);

/// Memory of one process.
#[derive(Clone, Debug, Default)]
pub struct ProcMem {
    pub code: Sid,
    pub data: Sid,
    pub brk_start: u64,
    pub brk: u64,
    pub vmas: VmaList,
}

/// The mm service.
#[derive(Default)]
pub struct Mm {
    pub procs: BTreeMap<u32, ProcMem>,
    /// Deterministic seed for AT_RANDOM.
    pub seed: u64,
    /// Portals installed in every new DATA space.
    pub portals: ProcessPortals,
    /// Frames of mapped files.
    pub cache: PageCache,
    /// Size of a new process's stack region (0: Linux's default, `loader::STACK_SIZE`).
    pub stack_size: u64,
    /// Where interpreters of dynamically linked programs are found.
    pub paths: interp::Paths,
}

/// Page rights for a mapping's protection. Data spaces never hold X pages: code
/// runs from the CODE space.
fn rights(prot: u32) -> PageRights {
    PageRights::from_prot(prot & (PROT_READ | PROT_WRITE))
}

/// The caller word services take in a0 for process `pid`.
fn word(pid: u32) -> u64 {
    (pid as u64) << 32
}

/// What fstat says about a descriptor (the fields mm needs).
#[derive(Clone, Copy, Debug)]
struct Stat {
    key: FileKey,
    mode: u32,
    rdev: u64,
    size: u64,
}

/// The page-table entries mm may lay out for one process: four times the machine's
/// frames (a program may map lazily more than it touches), so a guest mapping absurd
/// amounts of memory gets ENOMEM rather than the emulator's page tables exhausting
/// the host.
fn vm_limit(mem: &Memory) -> u64 {
    (mem.frames.limit() as u64).saturating_mul(4).saturating_mul(PAGE_SIZE)
}

impl Mm {
    /// An empty mm.
    pub fn new() -> Mm {
        Mm { seed: 0x0067_7261_6e74_6978, ..Default::default() }
    }

    // ----- exec, fork, exit -----

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
        if let Some(old) = self.procs.insert(pid, pm) {
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
                tracing::warn!(target: "grantix", "exec {host_path}: not a riscv64 program ({arch}), ENOEXEC; a guest that runs /bin/sh (system, popen) needs a riscv64 root: -root DIR (scripts/fetch-debian-root.sh makes one) or -L PREFIX");
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
        let code = mem.create_space(format!("pid {pid} code"), me).map_err(|_| libc::EAGAIN)?;
        let data = match mem.create_space(format!("pid {pid} data"), me) {
            Ok(d) => d,
            Err(_) => {
                let _ = mem.destroy_space(code);
                return Err(libc::EAGAIN);
            }
        };
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

    /// The one persistent whole-space grant on a process's DATA space: the
    /// personality's (R, W, G). mm keeps none for itself: when it lends a process's
    /// memory to vfs (to fill or write back file mappings) it makes a transient root
    /// grant as the space's creator. A standing grant here let a wild write from mm
    /// land in process memory even in the split configuration (the 10,000-fault
    /// campaign found it: docs/results/campaign-10k.md).
    fn grant_authorities(mem: &mut Memory, me: Sid, linux: Sid, data: Sid) -> Result<(), machine::GxError> {
        let req = |grantee| machine::grants::GrantRequest { owner: data, lo: 0, len: addr::SPACE_SIZE, rights: GrantRights::RWG, grantee, transient: false };
        mem.grant(me, me, &req(linux))?;
        Ok(())
    }

    fn release(&mut self, env: &mut dyn Env, pm: ProcMem) {
        if let Ok(mem) = env.memory() {
            self.release_in(mem, pm);
        }
    }

    /// Destroys a process's DATA space (and its CODE space unless another process of
    /// a fork still runs it) and drops cache entries nothing maps any more.
    fn release_in(&mut self, mem: &mut Memory, pm: ProcMem) {
        let code_shared = self.procs.values().any(|p| p.code == pm.code);
        let _ = mem.destroy_space(pm.data);
        if !code_shared {
            let _ = mem.destroy_space(pm.code);
        }
        self.gc_cache_in(mem);
    }

    /// The board's cleanup of a process the machine killed (no service context, so no
    /// write-back: what its shared file mappings held since the last msync stays in
    /// the page cache only while another process maps the file).
    pub fn reap(&mut self, mem: &mut Memory, pid: u32) {
        if let Some(pm) = self.procs.remove(&pid) {
            self.release_in(mem, pm);
        }
    }

    /// Drops the cache entries of files no VMA maps any more.
    fn gc_cache(&mut self, env: &mut dyn Env) {
        if let Ok(mem) = env.memory() {
            self.gc_cache_in(mem);
        }
    }

    fn gc_cache_in(&mut self, mem: &mut Memory) {
        let used: std::collections::BTreeSet<FileKey> = self.procs.values().flat_map(|p| p.vmas.iter().filter_map(|v| v.file().map(|f| f.key))).collect();
        let stale: Vec<FileKey> = self.cache.files.keys().filter(|k| !used.contains(k)).copied().collect();
        for k in stale {
            self.cache.drop_file(mem, k);
        }
    }

    fn fork(&mut self, env: &mut dyn Env, pid: u32, child: u32) -> u64 {
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
        let code = match interp::fork_code(mem, me, &parent, child) {
            Ok(c) => c,
            Err(_) => return fail(mem, libc::ENOMEM),
        };
        self.procs.insert(child, ProcMem { data, code, vmas, ..parent });
        data as u64
    }

    fn exit(&mut self, env: &mut dyn Env, pid: u32) {
        if let Some(pm) = self.procs.get(&pid).cloned() {
            self.write_back_all(env, pid, &pm);
        }
        if let Some(pm) = self.procs.remove(&pid) {
            self.release(env, pm);
        }
    }

    // ----- files (through vfs) -----

    /// fstat of the caller's descriptor `fd`, through mm's scratch page.
    fn stat(&mut self, env: &mut dyn Env, pid: u32, fd: i32) -> Result<Stat, u64> {
        if fd < 0 {
            return Err(err(libc::EBADF));
        }
        let me = env.me();
        {
            let mem = env.memory().map_err(|_| err(libc::EPERM))?;
            let mapped = mem.space(me).and_then(|s| s.pte(MM_SCRATCH)).is_some();
            if !mapped {
                mem.map_zero(me, MM_SCRATCH, PAGE_SIZE, PageRights::RW).map_err(|_| err(libc::ENOMEM))?;
            }
        }
        let q = addr::qualified(me, MM_SCRATCH);
        match env.call(ServiceId::Vfs, nr::FSTAT, [word(pid), fd as u32 as u64, q, 0, 0, 0], &[Lend::write(q, 128)]) {
            Ok([0, _]) => {}
            Ok([e, _]) => return Err(e),
            Err(e) => return Err(call_errno(&e)),
        }
        let mut b = [0u8; 128];
        env.read(q, &mut b).map_err(|_| err(libc::EFAULT))?;
        let u64_at = |o: usize| u64::from_le_bytes(b[o..o + 8].try_into().unwrap_or_default());
        let mode = u32::from_le_bytes(b[16..20].try_into().unwrap_or_default());
        Ok(Stat { key: FileKey { dev: u64_at(0), ino: u64_at(8) }, mode, rdev: u64_at(32), size: u64_at(48) })
    }

    /// The open flags of the caller's descriptor `fd`.
    fn open_flags(env: &mut dyn Env, pid: u32, fd: i32) -> Result<i32, u64> {
        match env.call(ServiceId::Vfs, nr::FCNTL, [word(pid), fd as u32 as u64, libc::F_GETFL as u64, 0, 0, 0], &[]) {
            Ok([v, _]) if !is_err(v) => Ok(v as i32),
            Ok([v, _]) => Err(v),
            Err(e) => Err(call_errno(&e)),
        }
    }

    /// Whether descriptor `fd` of `pid` is still the file `key` (it may have been
    /// closed or reused since the mapping was made).
    fn still_same_file(&mut self, env: &mut dyn Env, pid: u32, fd: i32, key: FileKey) -> bool {
        self.stat(env, pid, fd).is_ok_and(|s| s.key == key)
    }

    /// Maps the in-EOF pages of file VMA `v` (of process `pid`, space `data`) to the
    /// page cache, reading the missing ones from the file: shared mappings get the
    /// frames themselves, private ones copy-on-write. Pages wholly past EOF are left
    /// unmapped (SIGBUS on access).
    fn populate_file(&mut self, env: &mut dyn Env, pid: u32, data: Sid, v: &Vma) -> Result<(), u64> {
        let Some(f) = v.file().cloned() else { return Ok(()) };
        let eof_page = self.cache.get(f.key).map_or(0, |c| c.eof_page());
        let file_page = |a: u64| (f.off + (a - v.start)) / PAGE_SIZE;
        let wanted: Vec<u64> = pages(v.start, v.end).filter(|a| file_page(*a) < eof_page).collect();
        // Read the pages the cache lacks, run by run, into fresh frames mapped where
        // they will live (so vfs can be lent exactly that range).
        let mut i = 0;
        while i < wanted.len() {
            if self.cache.frame(f.key, file_page(wanted[i])).is_some() {
                i += 1;
                continue;
            }
            let mut j = i + 1;
            while j < wanted.len() && wanted[j] == wanted[j - 1] + PAGE_SIZE && self.cache.frame(f.key, file_page(wanted[j])).is_none() {
                j += 1;
            }
            let (a, len) = (wanted[i], (j - i) as u64 * PAGE_SIZE);
            {
                let mem = env.memory().map_err(|_| err(libc::EPERM))?;
                mem.map_zero(data, a, len, PageRights::RW).map_err(|_| err(libc::ENOMEM))?;
            }
            let q = addr::qualified(data, a);
            let r = env.call(ServiceId::Vfs, vfs_op::PREAD_FILL, [word(pid), f.fd as u32 as u64, q, len, f.off + (a - v.start), 0], &[Lend::write(q, len)]);
            let failed = match r {
                Ok([v, _]) if !is_err(v) => None,
                Ok([v, _]) => Some(v),
                Err(e) => Some(call_errno(&e)),
            };
            let mem = env.memory().map_err(|_| err(libc::EPERM))?;
            if let Some(e) = failed {
                let _ = mem.unmap(data, a, len);
                return Err(e);
            }
            for p in pages(a, a + len) {
                if let Some(frame) = mem.space(data).and_then(|s| s.pte(p)).map(|e| e.frame) {
                    self.cache.insert(mem, f.key, file_page(p), frame);
                }
            }
            i = j;
        }
        let mem = env.memory().map_err(|_| err(libc::EPERM))?;
        for a in wanted {
            if let Some(frame) = self.cache.frame(f.key, file_page(a)) {
                mem.map_frame(data, a, frame, rights(v.prot), !v.shared).map_err(|_| err(libc::ENOMEM))?;
            }
        }
        Ok(())
    }

    /// Writes the in-EOF, mapped pages of shared file VMA piece `v` back to its file.
    fn write_back(&mut self, env: &mut dyn Env, pid: u32, data: Sid, v: &Vma) {
        let Some(f) = v.file().cloned() else { return };
        if !v.shared || !f.may_write {
            return;
        }
        if !self.still_same_file(env, pid, f.fd, f.key) {
            tracing::warn!("mm: pid {pid}: fd {} no longer refers to the file mapped at {:#x}: write-back skipped", f.fd, v.start);
            return;
        }
        let eof_page = self.cache.get(f.key).map_or(0, |c| c.eof_page());
        let in_eof = |a: u64| (f.off + (a - v.start)) / PAGE_SIZE < eof_page;
        let runs = {
            let Ok(mem) = env.memory() else { return };
            present_runs(mem, data, v.start, v.end, in_eof)
        };
        for (a, end) in runs {
            let len = end - a;
            // vfs reads the lent pages: they must be readable, whatever the mapping's
            // protection now is.
            let unreadable = v.prot & PROT_READ == 0;
            if unreadable && let Ok(mem) = env.memory() {
                let _ = mem.protect(data, a, len, PageRights::R);
            }
            let q = addr::qualified(data, a);
            let _ = env.call(ServiceId::Vfs, vfs_op::PWRITE_FROM, [word(pid), f.fd as u32 as u64, q, len, f.off + (a - v.start), 0], &[Lend::read(q, len)]);
            if unreadable && let Ok(mem) = env.memory() {
                let _ = mem.protect(data, a, len, rights(v.prot));
            }
        }
    }

    fn write_back_all(&mut self, env: &mut dyn Env, pid: u32, pm: &ProcMem) {
        let shared: Vec<Vma> = pm.vmas.iter().filter(|v| v.shared && v.file().is_some()).cloned().collect();
        for v in &shared {
            self.write_back(env, pid, pm.data, v);
        }
    }

    /// A cached file's size changed to `size` (fstat at mmap, or vfs reports a
    /// truncate): when it shrank, pages past the new end leave the cache and every
    /// mapping of them (private copies too, as Linux's truncate does), so touching
    /// them is SIGBUS.
    fn file_resized(&mut self, env: &mut dyn Env, key: FileKey, size: u64) {
        let Some(old) = self.cache.touch(key, size) else { return };
        if size >= old {
            return;
        }
        let Ok(mem) = env.memory() else { return };
        let gone = self.cache.truncate(mem, key, size);
        let keep = size.div_ceil(PAGE_SIZE) * PAGE_SIZE;
        if gone.is_empty() && old.div_ceil(PAGE_SIZE) * PAGE_SIZE <= keep {
            return;
        }
        for pm in self.procs.values() {
            for v in pm.vmas.iter() {
                let Some(f) = v.file().filter(|f| f.key == key) else { continue };
                // Addresses of file offsets >= keep.
                let from = if f.off >= keep { v.start } else { v.start.saturating_add(keep - f.off) };
                if from < v.end {
                    let _ = mem.unmap(pm.data, from, v.end - from);
                }
            }
        }
    }

    // ----- brk and the mmap family -----

    /// Whether adding `extra` bytes of page-table-backed mappings to `pm` (of which
    /// `replaced` bytes replace existing ones) stays within the machine's limits.
    fn room_for(mem: &Memory, pm: &ProcMem, extra: u64, replaced: u64) -> bool {
        pm.vmas.len() < MAX_MAP_COUNT && pm.vmas.populated_bytes().saturating_sub(replaced).saturating_add(extra) <= vm_limit(mem)
    }

    fn brk(&mut self, env: &mut dyn Env, pid: u32, want: u64) -> u64 {
        let Some(pm) = self.procs.get(&pid) else { return 0 };
        let cur = pm.brk;
        if want < pm.brk_start || want > pm.brk_start + BRK_MAX {
            return cur;
        }
        let (old_end, new_end) = (page_ceil(cur), page_ceil(want));
        let data = pm.data;
        if new_end > old_end {
            if !pm.vmas.is_free(old_end, new_end) {
                return cur;
            }
            let Ok(mem) = env.memory() else { return cur };
            if !Self::room_for(mem, pm, new_end - old_end, 0) || mem.map_lazy(data, old_end, new_end - old_end, PageRights::RW).is_err() {
                return cur;
            }
            if let Some(pm) = self.procs.get_mut(&pid) {
                pm.vmas.insert(Vma { role: Role::Heap, ..Vma::anon(old_end, new_end, PROT_READ | PROT_WRITE) });
            }
        } else if new_end < old_end {
            self.unmap_range(env, pid, new_end, old_end);
        }
        if let Some(pm) = self.procs.get_mut(&pid) {
            pm.brk = want;
        }
        want
    }

    /// Removes `[start, end)` from process `pid`: shared file pieces are written back
    /// first, then the VMAs and the pages go.
    fn unmap_range(&mut self, env: &mut dyn Env, pid: u32, start: u64, end: u64) {
        let Some(pm) = self.procs.get(&pid) else { return };
        let (data, code) = (pm.data, pm.code);
        let pieces: Vec<Vma> = pm.vmas.overlapping(start, end).map(|v| v.slice(start, end)).collect();
        for v in pieces.iter().filter(|v| v.shared && v.file().is_some()) {
            self.write_back(env, pid, data, v);
        }
        if let Some(pm) = self.procs.get_mut(&pid) {
            pm.vmas.remove(start, end);
        }
        if let Ok(mem) = env.memory() {
            let _ = mem.unmap(data, start, end - start);
            // Executable pages went with their mappings (`interp`).
            for v in &pieces {
                let _ = mem.unmap(code, v.start, v.len());
            }
        }
        if pieces.iter().any(|v| v.file().is_some()) {
            self.gc_cache(env);
        }
    }

    fn mmap(&mut self, env: &mut dyn Env, pid: u32, a: [u64; 6]) -> u64 {
        // prot and flags arrive packed (prot | flags << 32): mmap has six arguments.
        let (hint, len, prot, flags, fd, off) = (a[0], a[1], a[2] as u32, (a[2] >> 32) as u32, a[3] as i64 as i32, a[4]);
        let typ = flags & MAP_TYPE;
        if typ != MAP_SHARED && typ != MAP_PRIVATE && typ != MAP_SHARED_VALIDATE {
            return err(libc::EINVAL);
        }
        if typ == MAP_SHARED_VALIDATE {
            // Validated flags are a file mapping's business: Linux refuses the type
            // for anonymous memory.
            if flags & MAP_ANONYMOUS != 0 {
                return err(libc::EINVAL);
            }
            if flags & !MAP_KNOWN != 0 {
                return err(libc::EOPNOTSUPP);
            }
        }
        if len == 0 || !off.is_multiple_of(PAGE_SIZE) {
            return err(libc::EINVAL);
        }
        let Some(len) = vma::page_round(len).filter(|l| *l <= TASK_SIZE) else { return err(libc::ENOMEM) };
        let shared = typ != MAP_PRIVATE;
        let mut anon = flags & MAP_ANONYMOUS != 0;
        if !anon && off.checked_add(len).is_none() {
            return err(libc::EOVERFLOW);
        }
        if !self.procs.contains_key(&pid) {
            return err(libc::ESRCH);
        }
        // The file: what it is and whether the descriptor allows this mapping.
        let mut file = None;
        if !anon {
            let st = match self.stat(env, pid, fd) {
                Ok(s) => s,
                Err(e) => return e,
            };
            let fl = match Self::open_flags(env, pid, fd) {
                Ok(f) => f,
                Err(e) => return e,
            };
            let acc = fl & libc::O_ACCMODE;
            if acc == libc::O_WRONLY || (shared && prot & PROT_WRITE != 0 && (acc != libc::O_RDWR || fl & libc::O_APPEND != 0)) {
                return err(libc::EACCES);
            }
            match st.mode & S_IFMT {
                S_IFREG => file = Some((st, acc == libc::O_RDWR && fl & libc::O_APPEND == 0)),
                S_IFCHR if st.rdev == DEV_ZERO_RDEV => anon = true,
                _ => return err(libc::ENODEV),
            }
        }
        let Some(pm) = self.procs.get(&pid) else { return err(libc::ESRCH) };
        let data = pm.data;
        // Where.
        let start = if flags & (MAP_FIXED | MAP_FIXED_NOREPLACE) != 0 {
            if !hint.is_multiple_of(PAGE_SIZE) {
                return err(libc::EINVAL);
            }
            if hint > TASK_SIZE - len {
                return err(libc::ENOMEM);
            }
            // No EPERM below vm.mmap_min_addr: the process runs as root, which
            // CAP_SYS_RAWIO lets map there.
            if flags & MAP_FIXED == 0 && !pm.vmas.is_free(hint, hint + len) {
                return err(libc::EEXIST);
            }
            hint
        } else {
            let h = vma::page_round(hint).unwrap_or(0);
            if h >= MMAP_MIN && h <= TASK_SIZE - len && pm.vmas.is_free(h, h + len) {
                h
            } else {
                match pm.vmas.find_free(len, MMAP_MIN, MMAP_TOP) {
                    Some(s) => s,
                    None => return err(libc::ENOMEM),
                }
            }
        };
        let end = start + len;
        // May the machine afford it?
        let populated = !(anon && !shared && prot & (PROT_READ | PROT_WRITE | PROT_EXEC) == 0);
        {
            let Ok(mem) = env.memory() else { return err(libc::EPERM) };
            let replaced: u64 = pm.vmas.overlapping(start, end).filter(|v| v.populated).map(|v| v.slice(start, end).len()).sum();
            if !Self::room_for(mem, pm, if populated { len } else { 0 }, replaced) {
                return err(libc::ENOMEM);
            }
            // Linux's heuristic overcommit: one writable mapping larger than all of
            // memory is refused outright (MAP_NORESERVE is not accounted).
            let private_copy = anon || !shared;
            if prot & PROT_WRITE != 0 && private_copy && flags & MAP_NORESERVE == 0 && len / PAGE_SIZE > mem.frames.limit() as u64 {
                return err(libc::ENOMEM);
            }
        }
        // MAP_FIXED replaces what was there.
        if !pm.vmas.is_free(start, end) {
            self.unmap_range(env, pid, start, end);
        }
        let backing = match file {
            Some((st, may_write)) => {
                self.file_resized(env, st.key, st.size);
                if self.cache.get(st.key).is_none() {
                    self.cache.touch(st.key, st.size);
                }
                Backing::File(FileMap { key: st.key, fd, off, may_write })
            }
            None => Backing::Anon,
        };
        let v = Vma { start, end, prot, shared, backing, populated, role: Role::Mmap, dontfork: false, wipeonfork: false };
        if v.file().is_some() {
            if let Err(e) = self.populate_file(env, pid, data, &v) {
                if let Ok(mem) = env.memory() {
                    let _ = mem.unmap(data, start, len);
                }
                self.gc_cache(env);
                return e;
            }
        } else if populated {
            let Ok(mem) = env.memory() else { return err(libc::EPERM) };
            if mem.map_lazy(data, start, len, rights(prot)).is_err() {
                return err(libc::ENOMEM);
            }
        }
        if let Some(pm) = self.procs.get_mut(&pid) {
            pm.vmas.insert(v);
        }
        if interp::is_exec(prot)
            && let (Some(pm), Ok(mem)) = (self.procs.get(&pid), env.memory())
            && interp::sync_code(mem, pm, start, end, true, prot).is_err()
        {
            self.unmap_range(env, pid, start, end);
            return err(libc::ENOMEM);
        }
        start
    }

    fn munmap(&mut self, env: &mut dyn Env, pid: u32, start: u64, len: u64) -> u64 {
        if !start.is_multiple_of(PAGE_SIZE) || len == 0 {
            return err(libc::EINVAL);
        }
        let Some(len) = vma::page_round(len).filter(|l| *l <= TASK_SIZE && start <= TASK_SIZE - *l) else { return err(libc::EINVAL) };
        if !self.procs.contains_key(&pid) {
            return err(libc::ESRCH);
        }
        self.unmap_range(env, pid, start, start + len);
        0
    }

    fn mprotect(&mut self, env: &mut dyn Env, pid: u32, start: u64, len: u64, prot: u32) -> u64 {
        if !start.is_multiple_of(PAGE_SIZE) || prot & !(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_GROWS) != 0 {
            return err(libc::EINVAL);
        }
        let prot = prot & (PROT_READ | PROT_WRITE | PROT_EXEC);
        let Some(len) = vma::page_round(len) else { return err(libc::ENOMEM) };
        if len == 0 {
            return 0;
        }
        let Some(end) = start.checked_add(len).filter(|e| *e <= TASK_SIZE) else { return err(libc::ENOMEM) };
        let Some(pm) = self.procs.get(&pid) else { return err(libc::ESRCH) };
        let data = pm.data;
        // Linux changes the mappings in order up to the first hole, then fails.
        let hole = pm.vmas.first_hole(start, end);
        let stop = hole.unwrap_or(end);
        if stop == start {
            return err(libc::ENOMEM);
        }
        let pieces: Vec<Vma> = pm.vmas.overlapping(start, stop).map(|v| v.slice(start, stop)).collect();
        if prot & PROT_WRITE != 0 && pieces.iter().any(|v| v.shared && v.file().is_some_and(|f| !f.may_write)) {
            return err(libc::EACCES);
        }
        let opening: u64 = pieces.iter().filter(|v| !v.populated && prot != 0).map(|v| v.len()).sum();
        let Ok(mem) = env.memory() else { return err(libc::EPERM) };
        if opening > 0 && !Self::room_for(mem, pm, opening, 0) {
            return err(libc::ENOMEM);
        }
        for v in &pieces {
            let r = if v.populated || prot == 0 { mem.protect(data, v.start, v.len(), rights(prot)) } else { mem.map_lazy(data, v.start, v.len(), rights(prot)) };
            if r.is_err() {
                return err(libc::ENOMEM);
            }
        }
        if let Some(pm) = self.procs.get_mut(&pid) {
            pm.vmas.update(start, stop, |v| {
                v.prot = prot;
                v.populated |= prot != 0;
            });
        }
        let exec = interp::is_exec(prot);
        if let (Some(pm), Ok(mem)) = (self.procs.get(&pid), env.memory())
            && (exec || pieces.iter().any(|v| interp::is_exec(v.prot)))
            && interp::sync_code(mem, pm, start, stop, exec, prot).is_err()
        {
            return err(libc::ENOMEM);
        }
        if hole.is_some() { err(libc::ENOMEM) } else { 0 }
    }

    /// Moves the page-table entries of `[from, from+len)` to `to` (frames, rights and
    /// copy-on-write marks as they are: no copy), leaving the source unmapped.
    fn move_pages(mem: &mut Memory, data: Sid, from: u64, to: u64, len: u64) -> Result<(), machine::GxError> {
        for i in 0..len / PAGE_SIZE {
            let Some(e) = mem.space(data).and_then(|s| s.pte(from + i * PAGE_SIZE)).copied() else { continue };
            if e.frame == FrameId::NONE {
                mem.map_lazy(data, to + i * PAGE_SIZE, PAGE_SIZE, e.rights)?;
            } else {
                mem.map_frame(data, to + i * PAGE_SIZE, e.frame, e.rights, e.cow)?;
            }
        }
        mem.unmap(data, from, len)
    }

    /// Gives `[start, end)` of VMA `v` (which now covers it) its pages: demand-zero for
    /// anonymous memory, the file's for file mappings.
    fn populate(&mut self, env: &mut dyn Env, pid: u32, data: Sid, v: &Vma, start: u64, end: u64) -> Result<(), u64> {
        if start >= end || !v.populated {
            return Ok(());
        }
        if v.file().is_some() {
            return self.populate_file(env, pid, data, &v.slice(start, end));
        }
        let mem = env.memory().map_err(|_| err(libc::EPERM))?;
        mem.map_lazy(data, start, end - start, rights(v.prot)).map_err(|_| err(libc::ENOMEM))
    }

    fn mremap(&mut self, env: &mut dyn Env, pid: u32, a: [u64; 6]) -> u64 {
        let (old, flags, new_addr) = (a[0], a[3], a[4]);
        if flags & !(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP) != 0 || flags & MREMAP_DONTUNMAP != 0 {
            // MREMAP_DONTUNMAP is not supported (as on kernels before 5.7).
            return err(libc::EINVAL);
        }
        if flags & MREMAP_FIXED != 0 && flags & MREMAP_MAYMOVE == 0 {
            return err(libc::EINVAL);
        }
        if !old.is_multiple_of(PAGE_SIZE) {
            return err(libc::EINVAL);
        }
        let (Some(old_len), Some(new_len)) = (vma::page_round(a[1]), vma::page_round(a[2])) else { return err(libc::EINVAL) };
        if new_len == 0 || new_len > TASK_SIZE {
            return err(libc::EINVAL);
        }
        let Some(pm) = self.procs.get(&pid) else { return err(libc::ESRCH) };
        let data = pm.data;
        let Some(v) = pm.vmas.find(old).cloned() else { return err(libc::EFAULT) };
        if old_len > v.end - old {
            return err(libc::EFAULT);
        }
        if old_len == 0 {
            // A second mapping of the same shared pages.
            if !v.shared || flags & MREMAP_MAYMOVE == 0 {
                return err(libc::EINVAL);
            }
            return self.mremap_move(env, pid, data, &v, old, 0, new_len, flags, new_addr, true);
        }
        if flags & MREMAP_FIXED != 0 {
            if !new_addr.is_multiple_of(PAGE_SIZE) || new_addr > TASK_SIZE - new_len {
                return err(libc::EINVAL);
            }
            if new_addr < old + old_len && old < new_addr + new_len {
                return err(libc::EINVAL);
            }
            return self.mremap_move(env, pid, data, &v, old, old_len, new_len, flags, new_addr, false);
        }
        if new_len <= old_len {
            self.unmap_range(env, pid, old + new_len, old + old_len);
            return old;
        }
        // Grow in place when the VMA ends there and the room after it is free.
        let grow_end = old + new_len;
        if old + old_len == v.end && grow_end <= TASK_SIZE && pm.vmas.is_free(v.end, grow_end) {
            let Ok(mem) = env.memory() else { return err(libc::EPERM) };
            if !Self::room_for(mem, pm, if v.populated { new_len - old_len } else { 0 }, 0) {
                return err(libc::ENOMEM);
            }
            let grown = Vma { end: grow_end, ..v.clone() };
            if let Err(e) = self.populate(env, pid, data, &grown, v.end, grow_end) {
                if let Ok(mem) = env.memory() {
                    let _ = mem.unmap(data, v.end, grow_end - v.end);
                }
                return e;
            }
            if let Some(pm) = self.procs.get_mut(&pid) {
                pm.vmas.insert(grown.slice(v.end, grow_end));
            }
            return old;
        }
        if flags & MREMAP_MAYMOVE == 0 {
            return err(libc::ENOMEM);
        }
        self.mremap_move(env, pid, data, &v, old, old_len, new_len, flags, new_addr, false)
    }

    /// The moving part of mremap: `[old, old+old_len)` of VMA `v` goes to a new place
    /// (`new_addr` with MREMAP_FIXED, else a free one) with `new_len` bytes. With
    /// `duplicate` (old_len 0 of a shared mapping) the old mapping stays.
    #[allow(clippy::too_many_arguments)]
    fn mremap_move(&mut self, env: &mut dyn Env, pid: u32, data: Sid, v: &Vma, old: u64, old_len: u64, new_len: u64, flags: u64, new_addr: u64, duplicate: bool) -> u64 {
        let fixed = flags & MREMAP_FIXED != 0;
        if fixed {
            self.unmap_range(env, pid, new_addr, new_addr + new_len);
        }
        let mut old_len = old_len;
        if new_len < old_len {
            self.unmap_range(env, pid, old + new_len, old + old_len);
            old_len = new_len;
        }
        let Some(pm) = self.procs.get(&pid) else { return err(libc::ESRCH) };
        let dst = if fixed {
            new_addr
        } else {
            match pm.vmas.find_free(new_len, MMAP_MIN, MMAP_TOP) {
                Some(d) => d,
                None => return err(libc::ENOMEM),
            }
        };
        let piece = v.slice(old, old + old_len.max(if duplicate { new_len.min(v.end - old) } else { 0 }));
        let moved = Vma { start: dst, end: dst + new_len, ..piece.clone() };
        {
            let Ok(mem) = env.memory() else { return err(libc::EPERM) };
            let extra = if duplicate || !v.populated { if v.populated { new_len } else { 0 } } else { new_len - old_len };
            if !Self::room_for(mem, pm, extra, 0) {
                return err(libc::ENOMEM);
            }
            if duplicate {
                // Same frames at a second address (shared memory stays shared).
                if v.populated && mem.share(data, old, data, dst, piece.len(), rights(v.prot)).is_err() {
                    return err(libc::ENOMEM);
                }
            } else if v.populated && Self::move_pages(mem, data, old, dst, old_len).is_err() {
                return err(libc::ENOMEM);
            }
        }
        let covered = if duplicate { piece.len() } else { old_len };
        if let Some(pm) = self.procs.get_mut(&pid) {
            if !duplicate {
                pm.vmas.remove(old, old + old_len);
            }
            pm.vmas.insert(moved.clone());
        }
        if let Err(e) = self.populate(env, pid, data, &moved, dst + covered, dst + new_len) {
            return e;
        }
        dst
    }

    fn madvise(&mut self, env: &mut dyn Env, pid: u32, start: u64, len: u64, advice: i32) -> u64 {
        const DONTNEED: i32 = 4;
        const DONTFORK: i32 = 10;
        const DOFORK: i32 = 11;
        const WIPEONFORK: i32 = 18;
        const KEEPONFORK: i32 = 19;
        const DONTNEED_LOCKED: i32 = 24;
        if !start.is_multiple_of(PAGE_SIZE) || !matches!(advice, 0..=4 | 8..=25 | 100 | 101) {
            return err(libc::EINVAL);
        }
        let Some(len) = vma::page_round(len) else { return err(libc::EINVAL) };
        if len == 0 {
            return 0;
        }
        let Some(end) = start.checked_add(len).filter(|e| *e <= TASK_SIZE) else { return err(libc::ENOMEM) };
        let Some(pm) = self.procs.get(&pid) else { return err(libc::ESRCH) };
        let data = pm.data;
        let hole = pm.vmas.first_hole(start, end);
        let pieces: Vec<Vma> = pm.vmas.overlapping(start, end).map(|v| v.slice(start, end)).collect();
        match advice {
            DONTNEED | DONTNEED_LOCKED => {
                // Private pages are dropped: anonymous memory reads zero again, a
                // private file mapping the file's contents. Shared pages are kept.
                for v in pieces.iter().filter(|v| !v.shared && v.populated) {
                    if v.file().is_some() {
                        let _ = self.populate_file(env, pid, data, v);
                    } else if let Ok(mem) = env.memory() {
                        let _ = mem.map_lazy(data, v.start, v.len(), rights(v.prot));
                    }
                }
            }
            WIPEONFORK | KEEPONFORK => {
                if pieces.iter().any(|v| v.shared || v.file().is_some()) {
                    return err(libc::EINVAL);
                }
                if let Some(pm) = self.procs.get_mut(&pid) {
                    pm.vmas.update(start, end, |v| v.wipeonfork = advice == WIPEONFORK);
                }
            }
            DONTFORK | DOFORK => {
                if let Some(pm) = self.procs.get_mut(&pid) {
                    pm.vmas.update(start, end, |v| v.dontfork = advice == DONTFORK);
                }
            }
            // Hints (and MADV_FREE, which may keep the contents): nothing to do.
            _ => {}
        }
        if hole.is_some() { err(libc::ENOMEM) } else { 0 }
    }

    fn msync(&mut self, env: &mut dyn Env, pid: u32, start: u64, len: u64, flags: u64) -> u64 {
        if !start.is_multiple_of(PAGE_SIZE) || flags & !(MS_ASYNC | MS_INVALIDATE | MS_SYNC) != 0 || flags & (MS_ASYNC | MS_SYNC) == (MS_ASYNC | MS_SYNC) {
            return err(libc::EINVAL);
        }
        let Some(len) = vma::page_round(len) else { return err(libc::ENOMEM) };
        let Some(end) = start.checked_add(len).filter(|e| *e <= TASK_SIZE) else { return err(libc::ENOMEM) };
        let Some(pm) = self.procs.get(&pid) else { return err(libc::ESRCH) };
        let data = pm.data;
        let hole = pm.vmas.first_hole(start, end);
        let pieces: Vec<Vma> = pm.vmas.overlapping(start, end).filter(|v| v.shared && v.file().is_some()).map(|v| v.slice(start, end)).collect();
        for v in &pieces {
            self.write_back(env, pid, data, v);
        }
        if hole.is_some() { err(libc::ENOMEM) } else { 0 }
    }

    fn mincore(&mut self, env: &mut dyn Env, pid: u32, start: u64, len: u64, vec: u64) -> u64 {
        if !start.is_multiple_of(PAGE_SIZE) {
            return err(libc::EINVAL);
        }
        let Some(len) = vma::page_round(len) else { return err(libc::ENOMEM) };
        let Some(end) = start.checked_add(len).filter(|e| *e <= TASK_SIZE) else { return err(libc::ENOMEM) };
        let Some(pm) = self.procs.get(&pid) else { return err(libc::ESRCH) };
        if pm.vmas.first_hole(start, end).is_some() {
            return err(libc::ENOMEM);
        }
        let data = pm.data;
        // A page is resident when it has a frame (a demand-zero page not yet touched
        // has none, as a never-faulted page on Linux).
        const CHUNK: u64 = 65536;
        let mut at = start;
        while at < end {
            let n = ((end - at) / PAGE_SIZE).min(CHUNK);
            let out: Vec<u8> = {
                let Ok(mem) = env.memory() else { return err(libc::EPERM) };
                let space = mem.space(data);
                (0..n).map(|i| space.and_then(|s| s.pte(at + i * PAGE_SIZE)).is_some_and(|e| e.frame != FrameId::NONE) as u8).collect()
            };
            if env.write(vec + (at - start) / PAGE_SIZE, &out).is_err() {
                return err(libc::EFAULT);
            }
            at += n * PAGE_SIZE;
        }
        0
    }

    /// What a fault of process `pid` at `addr` means (see `op::FAULT_KIND`).
    fn fault_kind(&mut self, env: &mut dyn Env, pid: u32, addr: u64) -> [u64; 2] {
        let off = addr::offset_of(addr);
        let Some(pm) = self.procs.get(&pid) else { return [SIGSEGV, SEGV_MAPERR] };
        let data = pm.data;
        let Some(v) = pm.vmas.find(off).cloned() else { return [SIGSEGV, SEGV_MAPERR] };
        let Some(f) = v.file().cloned() else { return [SIGSEGV, SEGV_ACCERR] };
        let page = addr::page_floor(off);
        let present = env.machine().mem.space(data).and_then(|s| s.pte(page)).is_some();
        if present {
            return [SIGSEGV, SEGV_ACCERR];
        }
        // An unmapped page of a file mapping: past EOF, unless the file has grown
        // into it since (then it is mapped now and the access retried).
        if let Ok(st) = self.stat(env, pid, f.fd)
            && st.key == f.key
        {
            self.file_resized(env, f.key, st.size);
        }
        let eof_page = self.cache.get(f.key).map_or(0, |c| c.eof_page());
        if (f.off + (page - v.start)) / PAGE_SIZE >= eof_page {
            return [SIGBUS, BUS_ADRERR];
        }
        let one = v.slice(page, page + PAGE_SIZE);
        if self.populate_file(env, pid, data, &one).is_ok() && env.machine().mem.space(data).and_then(|s| s.pte(page)).is_some() {
            return [0, 0];
        }
        [SIGBUS, BUS_ADRERR]
    }

    /// vfs reports a write to (or truncate of) a host file (see `op::FILE_CHANGED`).
    fn file_changed(&mut self, env: &mut dyn Env, key: FileKey, off: u64, ptr: u64, len: u64) -> u64 {
        if self.cache.get(key).is_none() {
            return 0;
        }
        if ptr == 0 {
            self.file_resized(env, key, off);
            return 1;
        }
        // Copy page by page: a write may be large, the cache holds few of its pages.
        let end = off.saturating_add(len);
        let mut at = off;
        while at < end {
            let n = (PAGE_SIZE - at % PAGE_SIZE).min(end - at);
            let cached = self.cache.frame(key, at / PAGE_SIZE).is_some();
            let mut buf = vec![0u8; n as usize];
            if cached && env.read(ptr + (at - off), &mut buf).is_err() {
                return err(libc::EFAULT);
            }
            if let Ok(mem) = env.memory() {
                if cached {
                    self.cache.write(mem, key, at, &buf);
                } else if let Some(c) = self.cache.files.get_mut(&key) {
                    c.size = c.size.max(at + n);
                }
            }
            at += n;
        }
        1
    }

    fn maps_text(&self, env: &dyn Env, pid: u32, exe: &str) -> String {
        let Some(pm) = self.procs.get(&pid) else { return String::new() };
        let mut out = String::new();
        let mut lines: Vec<(u64, u64, String, u64, FileKey, String)> = Vec::new();
        let none = FileKey { dev: 0, ino: 0 };
        if let Some(code) = env.machine().mem.space(pm.code) {
            for (s, e, r) in code.regions() {
                if s < TASK_SIZE {
                    lines.push((s, e, format!("{:?}p", r), 0, none, exe.to_string()));
                }
            }
        }
        for v in pm.vmas.iter() {
            if lines.iter().any(|l| l.0 <= v.start && v.end <= l.1) {
                continue;
            }
            let perms = format!(
                "{}{}{}{}",
                if v.prot & PROT_READ != 0 { 'r' } else { '-' },
                if v.prot & PROT_WRITE != 0 { 'w' } else { '-' },
                if v.prot & PROT_EXEC != 0 { 'x' } else { '-' },
                if v.shared { 's' } else { 'p' }
            );
            let name = match v.role {
                Role::Image => exe.to_string(),
                Role::Heap => "[heap]".into(),
                Role::Stack => "[stack]".into(),
                Role::Mmap => String::new(),
            };
            let (off, key) = v.file().map_or((0, none), |f| (f.off, f.key));
            lines.push((v.start, v.end, perms, off, key, name));
        }
        lines.sort_by_key(|l| l.0);
        for (s, e, r, off, key, name) in lines {
            let (major, minor) = ((key.dev >> 8) & 0xfff, (key.dev & 0xff) | ((key.dev >> 12) & 0xfff00));
            let line = format!("{s:08x}-{e:08x} {r} {off:08x} {major:02x}:{minor:02x} {}", key.ino);
            if name.is_empty() {
                out.push_str(&line);
            } else {
                out.push_str(&format!("{line:<73}{name}"));
            }
            out.push('\n');
        }
        out
    }
}

/// Page addresses of `[start, end)`.
fn pages(start: u64, end: u64) -> impl Iterator<Item = u64> {
    (start..end).step_by(PAGE_SIZE as usize)
}

/// Maximal runs of pages of `[start, end)` that are mapped in `sid` and satisfy `keep`.
fn present_runs(mem: &Memory, sid: Sid, start: u64, end: u64, keep: impl Fn(u64) -> bool) -> Vec<(u64, u64)> {
    let mut runs: Vec<(u64, u64)> = Vec::new();
    let Some(space) = mem.space(sid) else { return runs };
    for p in pages(start, end) {
        if !keep(p) || space.pte(p).is_none() {
            continue;
        }
        match runs.last_mut() {
            Some(r) if r.1 == p => r.1 = p + PAGE_SIZE,
            _ => runs.push((p, p + PAGE_SIZE)),
        }
    }
    runs
}

impl Service for Mm {
    fn id(&self) -> ServiceId {
        ServiceId::Mm
    }

    fn as_any(&mut self) -> &mut dyn Any {
        self
    }

    fn handle(&mut self, env: &mut dyn Env, op: u64, a: [u64; 6]) -> Result<[u64; 2], Fault> {
        let pid = (a[0] >> 32) as u32;
        let s = [a[1], a[2], a[3], a[4], a[5], 0];
        Ok(match op {
            op::EXEC => {
                if s[1] > 4096 || s[3] > (1 << 24) {
                    return Ok([err(libc::E2BIG), 0]);
                }
                let mut path = vec![0u8; s[1] as usize];
                env.read(s[0], &mut path)?;
                let mut blob = vec![0u8; s[3] as usize];
                env.read(s[2], &mut blob)?;
                let (argv, envp, execfn) = unpack_blob(&blob);
                let path = String::from_utf8_lossy(&path).into_owned();
                match self.exec_image(env, pid, &path, argv, envp, execfn) {
                    Ok((entry, sp, code, data, brk)) => {
                        let mut out = [0u8; 40];
                        for (i, v) in [entry, sp, code as u64, data as u64, brk].iter().enumerate() {
                            out[i * 8..i * 8 + 8].copy_from_slice(&v.to_le_bytes());
                        }
                        env.write(s[4], &out)?;
                        [0, 0]
                    }
                    Err(e) => [err(e), 0],
                }
            }
            op::FORK => {
                let data = self.fork(env, pid, s[0] as u32);
                // a1: the child's CODE space when it has one of its own.
                let code = self.procs.get(&(s[0] as u32)).filter(|c| !is_err(data) && self.procs.get(&pid).is_none_or(|p| p.code != c.code)).map_or(0, |c| c.code as u64);
                [data, code]
            }
            op::EXIT => {
                self.exit(env, pid);
                [0, 0]
            }
            op::SPACES => match self.procs.get(&(s[0] as u32)) {
                Some(pm) => [pm.code as u64, pm.data as u64],
                None => [err(libc::ESRCH), 0],
            },
            op::MAPS => {
                let mut exe = vec![0u8; (s[4] as usize).min(4096)];
                env.read(s[3], &mut exe)?;
                let text = self.maps_text(env, s[0] as u32, &String::from_utf8_lossy(&exe));
                let n = text.len().min(s[2] as usize);
                env.write(s[1], &text.as_bytes()[..n])?;
                [text.len() as u64, 0]
            }
            op::FAULT_KIND => self.fault_kind(env, pid, s[0]),
            op::FILE_CHANGED => [self.file_changed(env, FileKey { dev: s[0], ino: s[1] }, s[2], s[3], s[4]), 0],
            nr::BRK => [self.brk(env, pid, s[0]), 0],
            nr::MMAP => [self.mmap(env, pid, s), 0],
            nr::MUNMAP => [self.munmap(env, pid, s[0], s[1]), 0],
            nr::MPROTECT => [self.mprotect(env, pid, s[0], s[1], s[2] as u32), 0],
            nr::MREMAP => [self.mremap(env, pid, s), 0],
            nr::MADVISE => [self.madvise(env, pid, s[0], s[1], s[2] as i32), 0],
            nr::MSYNC => [self.msync(env, pid, s[0], s[1], s[2]), 0],
            nr::MINCORE => [self.mincore(env, pid, s[0], s[1], s[2]), 0],
            _ => [err(libc::ENOSYS), 0],
        })
    }
}

/// Packs argv, envp and execfn for `op::EXEC`.
pub fn pack_blob(argv: &[Vec<u8>], envp: &[Vec<u8>], execfn: &[u8]) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&(argv.len() as u32).to_le_bytes());
    b.extend_from_slice(&(envp.len() as u32).to_le_bytes());
    for s in argv.iter().chain(envp.iter()).map(|v| v.as_slice()).chain(std::iter::once(execfn)) {
        b.extend_from_slice(s);
        b.push(0);
    }
    b
}

fn unpack_blob(b: &[u8]) -> (Vec<Vec<u8>>, Vec<Vec<u8>>, Vec<u8>) {
    if b.len() < 8 {
        return (Vec::new(), Vec::new(), Vec::new());
    }
    let argc = u32::from_le_bytes(b[0..4].try_into().unwrap_or_default()) as usize;
    let envc = u32::from_le_bytes(b[4..8].try_into().unwrap_or_default()) as usize;
    let mut strs = b[8..].split(|c| *c == 0).map(|s| s.to_vec());
    let argv: Vec<Vec<u8>> = (&mut strs).take(argc).collect();
    let envp: Vec<Vec<u8>> = (&mut strs).take(envc).collect();
    let execfn = strs.next().unwrap_or_default();
    (argv, envp, execfn)
}

/// The syscalls whose arguments include a process pointer, and which: mincore's vector
/// (argument 2). The personality qualifies these before calling mm.
pub fn qualify(n: u64, a: &[u64; 6], q: impl Fn(u64) -> u64) -> [u64; 6] {
    let mut out = *a;
    if n == nr::MINCORE {
        out[2] = q(a[2]);
    }
    out
}

/// Lends needed by mm syscalls, given the qualified arguments: mincore writes one
/// byte per page of its range. The rest need none: mm works on the process's spaces
/// directly as their memory authority.
pub fn lends(n: u64, qa: &[u64; 6]) -> Vec<Lend> {
    if n == nr::MINCORE {
        // Linux checks the range (EINVAL, ENOMEM) before the vector (EFAULT): no lend
        // for a range mincore refuses anyway (nor a huge one for the checks to walk).
        let (start, len) = (qa[0], qa[1]);
        let valid = start % PAGE_SIZE == 0 && len <= TASK_SIZE && start <= TASK_SIZE - len;
        let pages = len.div_ceil(PAGE_SIZE);
        if valid && pages > 0 && qa[2] != 0 {
            return vec![Lend::write(qa[2], pages)];
        }
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_round_trip() {
        let b = pack_blob(&[b"a".to_vec(), b"bc".to_vec()], &[b"X=1".to_vec()], b"/bin/a");
        let (a, e, f) = unpack_blob(&b);
        assert_eq!(a, vec![b"a".to_vec(), b"bc".to_vec()]);
        assert_eq!(e, vec![b"X=1".to_vec()]);
        assert_eq!(f, b"/bin/a".to_vec());
    }

    #[test]
    fn layout_constants() {
        assert_eq!(MMAP_TOP, 0x3f_f800_0000);
        assert!(MMAP_TOP < loader::STACK_TOP - loader::STACK_SIZE);
        assert!(SIGRETURN_TRAMPOLINE < TASK_SIZE);
    }

    #[test]
    fn present_runs_joins_neighbours() {
        let mut mem = Memory::new(machine::memory::MemoryLimits::default());
        let s = mem.create_space("t", 0).unwrap();
        mem.map_lazy(s, 0x10000, 3 * PAGE_SIZE, PageRights::RW).unwrap();
        mem.map_lazy(s, 0x14000, PAGE_SIZE, PageRights::RW).unwrap();
        assert_eq!(present_runs(&mem, s, 0x10000, 0x16000, |_| true), vec![(0x10000, 0x13000), (0x14000, 0x15000)]);
        assert_eq!(present_runs(&mem, s, 0x10000, 0x16000, |p| p != 0x11000), vec![(0x10000, 0x11000), (0x12000, 0x13000), (0x14000, 0x15000)]);
    }

    #[test]
    fn move_pages_keeps_frames_and_cow_marks() {
        let mut mem = Memory::new(machine::memory::MemoryLimits::default());
        let a = mem.create_space("a", 0).unwrap();
        let b = mem.create_space("b", 0).unwrap();
        mem.map_zero(a, 0x10000, PAGE_SIZE, PageRights::RW).unwrap();
        mem.map_lazy(a, 0x11000, PAGE_SIZE, PageRights::RW).unwrap();
        mem.poke(a, 0x10000, b"moved").unwrap();
        mem.cow_clone(a, b).unwrap();
        let before = mem.space(a).unwrap().pte(0x10000).copied().unwrap();
        Mm::move_pages(&mut mem, a, 0x10000, 0x40000, 2 * PAGE_SIZE).unwrap();
        let after = mem.space(a).unwrap().pte(0x40000).copied().unwrap();
        assert_eq!((after.frame, after.cow), (before.frame, true), "same frame, still copy-on-write");
        assert_eq!(mem.space(a).unwrap().pte(0x41000).map(|e| e.frame), Some(FrameId::NONE), "a demand-zero page stays one");
        assert!(mem.space(a).unwrap().pte(0x10000).is_none());
        // The child's copy is untouched by a write through the moved mapping.
        mem.copy_out(a, 0x40000, b"M").unwrap();
        let mut x = [0u8; 5];
        mem.copy_in(b, 0x10000, &mut x).unwrap();
        assert_eq!(&x, b"moved");
    }
}
