//! What every syscall handler shares: the caller, the outcome, the stop codes, the
//! involuntary ops and the layout of linux's scratch memory (depends on nothing else in
//! the crate but the pointer rule of `marshal`).

use machine::addr::{qualified, Sid, PAGE_SIZE};
use syscalls::sched::Wake;
use syscalls::Env;

/// Ops of the linux service.
pub mod op {
    /// Involuntary entries are delivered as INVOLUNTARY + portal entry.
    pub const INVOLUNTARY: u64 = 0x4000;
}

/// Codes with which linux stops a hart (the runner reads them).
pub mod stop {
    pub const EXITED: u64 = 1;
    pub const BLOCKED: u64 = 2;
    pub const YIELD: u64 = 3;
    /// The monolithic kernel faulted: every process ends.
    pub const PANIC: u64 = 4;
}

/// Where linux keeps its own scratch memory (in its own space).
pub const SCRATCH: u64 = scratch::BASE;
/// Size of the scratch area.
pub const SCRATCH_SIZE: u64 = scratch::SIZE;

/// The layout of linux's scratch memory: buffers it lends onwards (exec's paths and
/// argument blob, proc's signal delivery record). One hart runs in linux at a time, and
/// no two users of a slot are live in the same syscall.
pub mod scratch {
    pub const BASE: u64 = 0x1000_0000;
    pub const SIZE: u64 = 1 << 20;
    /// The guest path execve was given.
    pub const PATH: u64 = 0;
    /// The host path vfs resolved it to.
    pub const HOST_PATH: u64 = 4096;
    /// Capacity of each path slot.
    pub const PATH_MAX: u64 = 4096;
    /// mm's answer to exec (entry, sp, code, data, brk).
    pub const RESULT: u64 = 8192;
    /// proc's delivery record for the signal being delivered.
    pub const SIGNAL: u64 = 12288;
    /// Small buffers of the calls answered here (a thread name).
    pub const MISC: u64 = 14336;
    /// exec's argv/envp blob, then the new command line.
    pub const BLOB: u64 = 16384;
    pub const BLOB_MAX: u64 = SIZE - BLOB;
}

/// The caller of a syscall.
#[derive(Clone, Copy, Debug)]
pub struct Caller {
    pub pid: u32,
    pub tid: u32,
    pub wake: Option<Wake>,
    pub data: Sid,
    pub code: Sid,
}

impl Caller {
    /// The word services take in a0: pid << 32 | wake << 24 | tid.
    pub fn word(&self) -> u64 {
        ((self.pid as u64) << 32) | (self.wake.map_or(0, |w| w.code()) << 24) | self.tid as u64
    }

    /// A process pointer qualified with its DATA space (0 stays NULL). One naming
    /// another space becomes an address above TASK_SIZE of the caller's own, which is
    /// never mapped: any use of it is EFAULT, as on Linux, never an alias of a local one.
    pub fn q(&self, p: u64) -> u64 {
        crate::marshal::user_pointer(p, self.data, crate::marshal::Origin::Ecall).unwrap_or(qualified(self.data, syscalls::mm::TASK_SIZE))
    }
}

/// The resident set of the caller's process in KiB: the pages its DATA space maps.
pub fn rss_kb(env: &dyn Env, c: &Caller) -> u64 {
    env.machine().mem.space(c.data).map_or(0, |s| s.mapped_pages() as u64 * (PAGE_SIZE / 1024))
}

/// What a syscall handler decided.
pub enum Outcome {
    Value(u64),
    /// The context was replaced (execve, rt_sigreturn): do not write a0.
    NoReturn,
    /// The thread ended.
    Exited,
}

