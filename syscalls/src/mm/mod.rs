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

mod advise;
pub mod cache;
mod cachestat;
pub mod interp;
mod calls;
mod faults;
mod files;
mod lends;
mod lifecycle;
pub mod mempolicy;
mod mlock;
mod mseal;
mod remap;
mod shm;
mod swap;
mod vfork;
pub mod vmrw;
pub mod vma;

use crate::service::{Template, call_errno, err, is_err, Env, Lend, Service, ServiceId};
use crate::sysno as nr;
use crate::vfs_op;
use cache::PageCache;
use machine::addr::{self, page_ceil, Sid, PAGE_SIZE};
use machine::frames::FrameId;
use machine::memory::Memory;
use machine::{Fault, GrantRights, PageRights};
use std::any::Any;
use std::collections::BTreeMap;
pub use lends::hook;
pub use vma::{Backing, FileKey, FileMap, Policy, Role, Vma, VmaList, PROT_EXEC, PROT_READ, PROT_WRITE};

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
    /// /proc/PID/smaps text, as `MAPS` (same arguments).
    pub const SMAPS: u64 = 0x2007;
    /// Process a1's memory figures for /proc/PID/status: a0 = bytes locked (VmLck),
    /// a1 = bytes mapped (VmSize).
    pub const STATUS: u64 = 0x2008;
    /// vfs: root wrote vm.max_map_count: a1 = the new limit.
    pub const MAP_COUNT: u64 = 0x2009;
    /// ipc's shmat: map System V segment a1 (a2 bytes) into the caller at a3 (0: mm
    /// chooses) with shmat's flags a4. a0 = the address or -errno (`shm`).
    pub const SHM_ATTACH: u64 = 0x2010;
    /// ipc's shmdt: unmap the caller's attach at a1. a0 = the segment id or -EINVAL.
    pub const SHM_DETACH: u64 = 0x2011;
    /// ipc destroyed segment a1: release its frames.
    pub const SHM_FREE: u64 = 0x2012;
    /// proc made thread a1 in the caller's process: it starts with the calling
    /// thread's memory policy (`mempolicy`).
    pub const THREAD: u64 = 0x2013;
    /// a0 = 1 if some process maps file (dev a1, ino a2) shared and may write it
    /// (Linux's i_mmap_writable: F_ADD_SEALS of F_SEAL_WRITE is then EBUSY), else 0.
    pub const SHARED_WRITERS: u64 = 0x2015;
    /// vfork: child a1 shares the caller's spaces until it execs or exits (`vfork`).
    /// a0 = its DATA space, a1 = its CODE space.
    pub const VFORK: u64 = 0x2080;
    /// Exec of a host program (`vfs::hostexec`): the caller's image is replaced by
    /// the host stub (one code page looping on the host-wait call, an empty DATA
    /// space). a0 = the new CODE space, a1 = the new DATA space, or a0 = -errno.
    pub const HOST_STUB: u64 = 0x2014;
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
/// Where the host stub's code page sits (`op::HOST_STUB`).
pub const HOST_STUB_PC: u64 = 0x1_0000;
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
const MAP_GROWSDOWN: u32 = 0x100;
const MAP_LOCKED: u32 = 0x2000;
/// Linux's default stack_guard_gap (256 pages): a MAP_GROWSDOWN mapping does not
/// grow closer than this to an accessible mapping below it.
const STACK_GUARD_GAP: u64 = 256 * PAGE_SIZE;
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
    /// System V shared memory: segments' frames and attaches.
    pub shm: shm::Segments,
    /// vfork children sharing a process's memory: child -> the pid whose record it uses.
    pub vfork: BTreeMap<u32, u32>,
    /// vm.max_map_count as root last wrote it (None: Linux's default, `MAX_MAP_COUNT`).
    pub map_count_limit: Option<usize>,
    /// Locked pages per process (`mlock`).
    pub mlocks: BTreeMap<u32, mlock::Locks>,
    /// Threads' memory policies (set_mempolicy), by (process, thread) (`mempolicy`).
    pub policies: BTreeMap<(u32, u32), Policy>,
    /// How many records of `procs` run in each CODE space (a fork shares its
    /// parent's until it maps code of its own): whether unmapping or releasing code
    /// would take it from another process, without a walk over every process. Kept by
    /// `insert_proc` and `remove_proc`, the only ways into and out of `procs`.
    code_users: rustc_hash::FxHashMap<Sid, u32>,
}

impl Mm {
    /// Records process `pid`'s memory (replacing and returning an older record).
    pub fn insert_proc(&mut self, pid: u32, pm: ProcMem) -> Option<ProcMem> {
        *self.code_users.entry(pm.code).or_default() += 1;
        let old = self.procs.insert(pid, pm);
        if let Some(o) = &old {
            self.drop_code_user(o.code);
        }
        old
    }

    /// Takes process `pid`'s memory record out.
    pub fn remove_proc(&mut self, pid: u32) -> Option<ProcMem> {
        let pm = self.procs.remove(&pid)?;
        self.drop_code_user(pm.code);
        Some(pm)
    }

    fn drop_code_user(&mut self, code: Sid) {
        if let Some(n) = self.code_users.get_mut(&code) {
            *n -= 1;
            if *n == 0 {
                self.code_users.remove(&code);
            }
        }
    }

    /// vm.max_map_count: more mappings than this is ENOMEM.
    pub fn map_limit(&self) -> usize {
        self.map_count_limit.unwrap_or(MAX_MAP_COUNT)
    }

    /// How many process records run in CODE space `code`.
    pub fn code_users(&self, code: Sid) -> u32 {
        self.code_users.get(&code).copied().unwrap_or(0)
    }
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

impl Template for Mm {
    const ID: ServiceId = ServiceId::Mm;
    // Proc: to identify a process calling mm natively (`personality::native`).
    const CALLEES: &'static [ServiceId] = &[ServiceId::Vfs, ServiceId::Proc, ServiceId::Ipc, ServiceId::Supervisor];
    const AUTHORITY: u8 = machine::host::authority::MEMORY;
}

impl Service for Mm {
    fn id(&self) -> ServiceId {
        ServiceId::Mm
    }

    fn as_any(&mut self) -> &mut dyn Any {
        self
    }

    fn handle(&mut self, env: &mut dyn Env, op: u64, a: [u64; 6]) -> Result<[u64; 2], Fault> {
        let raw = (a[0] >> 32) as u32;
        // A vfork child's memory calls act on its parent's spaces; its own exec and
        // exit leave them alone.
        let pid = if matches!(op, op::EXEC | op::EXIT | op::HOST_STUB) { raw } else { self.owner_of(raw) };
        let s = [a[1], a[2], a[3], a[4], a[5], 0];
        Ok(match op {
            op::VFORK => self.vfork(pid, s[0] as u32),
            op::EXEC => {
                self.unshare(pid);
                self.forget_locks(pid);
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
                        self.shm_exit(env, pid);
                        self.exec_policy(a[0], true);
                        [0, 0]
                    }
                    Err(e) => [err(e), 0],
                }
            }
            op::HOST_STUB => {
                self.unshare(pid);
                self.forget_locks(pid);
                match self.host_stub(env, pid) {
                    Ok((code, data)) => {
                        self.shm_exit(env, pid);
                        self.exec_policy(a[0], true);
                        [code as u64, data as u64]
                    }
                    Err(e) => [err(e), 0],
                }
            }
            op::FORK => {
                let data = self.fork(env, pid, s[0] as u32);
                if !is_err(data) {
                    self.shm_fork(env, pid, s[0] as u32);
                    self.fork_policy(a[0], s[0] as u32);
                }
                // a1: the child's CODE space when it has one of its own.
                let code = self.procs.get(&(s[0] as u32)).filter(|c| !is_err(data) && self.procs.get(&pid).is_none_or(|p| p.code != c.code)).map_or(0, |c| c.code as u64);
                [data, code]
            }
            op::EXIT => {
                self.shm_exit(env, pid);
                self.forget_locks(pid);
                self.exec_policy(a[0], false);
                self.exit(env, pid);
                [0, 0]
            }
            op::SPACES => match self.procs.get(&self.owner_of(s[0] as u32)) {
                Some(pm) => [pm.code as u64, pm.data as u64],
                None => [err(libc::ESRCH), 0],
            },
            op::STATUS => {
                let p = self.owner_of(s[0] as u32);
                let size = self.procs.get(&p).map_or(0, |pm| pm.vmas.iter().map(|v| v.len()).sum());
                [self.locked_bytes(p), size]
            }
            op::MAP_COUNT => {
                self.map_count_limit = Some(s[0] as usize);
                [0, 0]
            }
            op::MAPS | op::SMAPS => {
                let mut exe = vec![0u8; (s[4] as usize).min(4096)];
                env.read(s[3], &mut exe)?;
                let text = self.maps_text(env, s[0] as u32, &String::from_utf8_lossy(&exe), op == op::SMAPS);
                let n = text.len().min(s[2] as usize);
                env.write(s[1], &text.as_bytes()[..n])?;
                [text.len() as u64, 0]
            }
            op::FAULT_KIND => self.fault_kind(env, pid, s[0]),
            op::FILE_CHANGED => [self.file_changed(env, FileKey { dev: s[0], ino: s[1] }, s[2], s[3], s[4]), 0],
            op::SHM_ATTACH => [self.shm_attach(env, pid, s[0] as i32, s[1], s[2], s[3]), 0],
            op::SHM_DETACH => [self.shm_detach(env, pid, s[0]), 0],
            op::THREAD => {
                self.thread_policy(a[0], s[0] as u32);
                [0, 0]
            }
            op::SHARED_WRITERS => {
                let key = FileKey { dev: s[0], ino: s[1] };
                let writable = |v: &Vma| v.shared && !v.no_write && matches!(&v.backing, vma::Backing::File(f) if f.key == key);
                [self.procs.values().any(|p| p.vmas.maps_file(key) && p.vmas.iter().any(writable)) as u64, 0]
            }
            op::SHM_FREE => {
                self.shm_free(env, s[0] as i32);
                [0, 0]
            }
            nr::BRK => [self.brk(env, pid, s[0]), 0],
            nr::MMAP => [self.mmap(env, pid, s), 0],
            nr::MUNMAP => [self.munmap(env, pid, s[0], s[1]), 0],
            nr::MPROTECT => [self.mprotect(env, pid, s[0], s[1], s[2] as u32), 0],
            nr::MREMAP => [self.mremap(env, pid, s), 0],
            nr::MADVISE => [self.madvise(env, pid, s[0], s[1], s[2] as i32), 0],
            nr::MSYNC => [self.msync(env, pid, s[0], s[1], s[2]), 0],
            nr::MINCORE => [self.mincore(env, pid, s[0], s[1], s[2]), 0],
            nr::RISCV_FLUSH_ICACHE => [calls::flush_icache(env, s[2]), 0],
            nr::PROCESS_VM_READV | nr::PROCESS_VM_WRITEV => [self.process_vm(env, a[0] & !0xff00_0000, pid, op == nr::PROCESS_VM_WRITEV, s), 0],
            nr::MLOCK | nr::MLOCK2 | nr::MUNLOCK | nr::MLOCKALL | nr::MUNLOCKALL => [self.mlock_call(env, a[0] & !0xff00_0000, pid, op, s), 0],
            nr::GET_MEMPOLICY | nr::SET_MEMPOLICY | nr::MBIND | nr::SET_MEMPOLICY_HOME_NODE | nr::MIGRATE_PAGES | nr::MOVE_PAGES => [self.mempolicy_call(env, a[0] & !0xff00_0000, pid, op, s), 0],
            nr::MSEAL => [self.mseal(pid, s[0], s[1], s[2]), 0],
            nr::REMAP_FILE_PAGES => [self.remap_file_pages(env, pid, s), 0],
            nr::PROCESS_MADVISE => [self.process_madvise(env, a[0] & !0xff00_0000, pid, s), 0],
            nr::SWAPON | nr::SWAPOFF => [Self::swap_call(env, a[0] & !0xff00_0000, op, s[1]), 0],
            nr::CACHESTAT => [self.cachestat(env, pid, s), 0],
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

/// The argv, envp and execfn `pack_blob` packed.
pub fn unpack_blob(b: &[u8]) -> (Vec<Vec<u8>>, Vec<Vec<u8>>, Vec<u8>) {
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
