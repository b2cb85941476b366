//! The shape every service shares: one `handle` entry point, reached through an `Env`
//! that hides whether the service runs in its own space (split) or in the kernel space
//! (monolithic).

use machine::{CallError, Context, Fault, GrantRights, GxError, HartId, Sid};
use machine::hart::Hart;
use machine::memory::Memory;
use machine::Machine;
use std::any::Any;

/// The services of the personality. The discriminant is the service number used in
/// portal tables and reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum ServiceId {
    /// The Linux personality itself: ecall and fault portal of every process.
    Linux = 0,
    Proc = 1,
    Mm = 2,
    Vfs = 3,
    Futex = 4,
    Time = 5,
    Tty = 6,
    Supervisor = 7,
    /// System V IPC and POSIX message queues.
    Ipc = 8,
}

impl ServiceId {
    /// How many services there are: the size of every per-service table.
    pub const COUNT: usize = 9;

    /// Every service, in number order.
    pub const ALL: [ServiceId; Self::COUNT] = [
        ServiceId::Linux,
        ServiceId::Proc,
        ServiceId::Mm,
        ServiceId::Vfs,
        ServiceId::Futex,
        ServiceId::Time,
        ServiceId::Tty,
        ServiceId::Supervisor,
        ServiceId::Ipc,
    ];

    /// The service's name (also its space's name in the split configuration).
    pub fn name(self) -> &'static str {
        match self {
            ServiceId::Linux => "linux",
            ServiceId::Proc => "proc",
            ServiceId::Mm => "mm",
            ServiceId::Vfs => "vfs",
            ServiceId::Futex => "futex",
            ServiceId::Time => "time",
            ServiceId::Tty => "tty",
            ServiceId::Supervisor => "supervisor",
            ServiceId::Ipc => "ipc",
        }
    }

    /// Looks a service up by name.
    pub fn from_name(name: &str) -> Option<ServiceId> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// A buffer lent to a callee for the duration of one call: in the split configuration
/// it becomes a transient grant of exactly these bytes; in the monolithic one nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lend {
    /// Qualified pointer to the first byte.
    pub ptr: u64,
    pub len: u64,
    pub rights: GrantRights,
}

impl Lend {
    /// The callee will read these bytes (and may pass them on).
    pub fn read(ptr: u64, len: u64) -> Lend {
        Lend { ptr, len, rights: GrantRights(GrantRights::R.0 | GrantRights::G.0) }
    }

    /// The callee will write these bytes (and may pass them on).
    pub fn write(ptr: u64, len: u64) -> Lend {
        Lend { ptr, len, rights: GrantRights(GrantRights::W.0 | GrantRights::G.0) }
    }

    /// The callee will read and write these bytes.
    pub fn read_write(ptr: u64, len: u64) -> Lend {
        Lend { ptr, len, rights: GrantRights::RWG }
    }
}

/// What a service sees of the world during a call.
pub trait Env {
    /// This service's space (in the monolithic configuration, the kernel space).
    fn me(&self) -> Sid;
    /// The hart the call runs on.
    fn hart(&self) -> HartId;
    /// Reads guest memory as this service (checked, under its own identity).
    fn read(&mut self, ptr: u64, buf: &mut [u8]) -> Result<(), Fault>;
    /// Writes guest memory as this service.
    fn write(&mut self, ptr: u64, buf: &[u8]) -> Result<(), Fault>;
    /// Calls another service, lending it `lends` for the call.
    fn call(&mut self, to: ServiceId, op: u64, args: [u64; 6], lends: &[Lend]) -> Result<[u64; 2], CallError>;
    /// The machine's memory, for the memory authority (mm).
    fn memory(&mut self) -> Result<&mut Memory, GxError>;
    /// The machine and the current hart, for the thread authority (proc).
    fn harts(&mut self) -> Result<(&mut Machine, &mut Hart), GxError>;
    /// The interrupted context of the process, inside an ecall or fault (linux only).
    fn context(&mut self) -> Option<&mut Context>;
    /// The environment (CODE, DATA) that called this service.
    fn caller_env(&self) -> (Sid, Sid);
    /// Makes the interrupted thread resume in environment (code, data): exec.
    fn set_return_env(&mut self, code: Sid, data: Sid) -> Result<(), GxError>;
    /// Read-only machine view (names, counters).
    fn machine(&self) -> &Machine;
    /// The space a service runs in (the kernel space for all, when monolithic).
    fn sid_of(&self, s: ServiceId) -> Sid;
    /// A persistent grant of one page of this service's own space to `grantee`, never
    /// revoked: what a leaking service does (fault injection).
    fn leak_grant(&mut self, grantee: Sid) -> Result<(), GxError>;
    /// Restarts service `s` with a new generation (the supervisor only).
    fn restart(&mut self, s: ServiceId) -> Result<Restarted, GxError>;
    /// A grant made as this service (the native directory service hands out C grants
    /// over service portals); the machine checks its authority. Refused by default.
    fn grant(&mut self, _ptr: u64, _len: u64, _grantee: Sid, _rights: GrantRights, _transient: bool) -> Result<u64, GxError> {
        Err(GxError::Invalid)
    }
    /// The personality's wiring, for the personality's own modules (the native
    /// directory service reads its portals and registry through it).
    fn wiring(&self) -> Option<&dyn Any> {
        None
    }
    /// The machine's log of portal calls, grants and revocations, when it is on
    /// (`--strace-calls`: the personality reads it around each syscall).
    fn call_log(&mut self) -> Option<&mut machine::calltrace::CallLog> {
        None
    }
}

/// Typed user pointers (`abi::UserPtr`) are read and written through a service's `Env`,
/// under the service's own identity.
impl abi::UserMemory for dyn Env + '_ {
    type Error = Fault;
    fn read_bytes(&mut self, ptr: u64, buf: &mut [u8]) -> Result<(), Fault> {
        self.read(ptr, buf)
    }
    fn write_bytes(&mut self, ptr: u64, buf: &[u8]) -> Result<(), Fault> {
        self.write(ptr, buf)
    }
}

/// A service: a subsystem of the kernel with a small portal ABI of its own.
///
/// A returned `Err(Fault)` is a fault of the service's space: in the split
/// configuration it unwinds the portal frame and the caller sees a failed call; in the
/// monolithic one it is a fault of the whole kernel.
pub trait Service: Send {
    /// Which service this is.
    fn id(&self) -> ServiceId;
    /// Handles operation `op` with its arguments; returns a0, a1 (a0 is a result or a
    /// negated errno).
    fn handle(&mut self, env: &mut dyn Env, op: u64, args: [u64; 6]) -> Result<[u64; 2], Fault>;
    /// Reaches the concrete service between calls.
    fn as_any(&mut self) -> &mut dyn Any;
    /// Called by the supervisor after the service faulted: bring the service back to a
    /// state it can serve from. The default keeps the state as it is (a service whose
    /// tables must survive, like proc and mm, restarts with them).
    fn restart(&mut self) {}
    /// Whether the call in progress has changed the service's state yet: until it has,
    /// a fault leaves the state as it was before the call and the call may run again
    /// on the restarted service. The default cannot tell, so any call that reached
    /// the service's code counts as having changed it.
    fn changed_state(&self) -> bool {
        true
    }
}

/// What a restart reports to the supervisor and, through it, to the faulted call's
/// caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Restarted {
    /// The service's new generation.
    pub generation: u32,
    /// The faulted call had changed nothing yet (no state, no memory written, no other
    /// service called): it may run again on the new generation, whatever it is.
    pub untouched: bool,
}

/// What the board must know of a service before it runs it: every service type fills
/// in this template, and the board sizes its tables, draws the call graph (C grants go
/// exactly along `CALLEES`) and gives authorities from it.
pub trait Template {
    /// Which service this is.
    const ID: ServiceId;
    /// The services it may call (split: a C grant over each one's portal).
    const CALLEES: &'static [ServiceId];
    /// The machine authorities its space holds (`machine::host::authority`; 0: none).
    const AUTHORITY: u8 = 0;
}

/// The template of a service, as values (what the board keeps per `ServiceId`).
#[derive(Clone, Copy, Debug)]
pub struct Spec {
    pub id: ServiceId,
    pub callees: &'static [ServiceId],
    pub authority: u8,
}

impl Spec {
    /// The spec of service type `T`.
    pub const fn of<T: Template>() -> Spec {
        Spec { id: T::ID, callees: T::CALLEES, authority: T::AUTHORITY }
    }
}

/// A negated errno as the register value services return in a0.
pub fn err(errno: i32) -> u64 {
    (-(errno as i64)) as u64
}

/// Whether a register value is an error (-4095..-1, as Linux decides).
pub fn is_err(v: u64) -> bool {
    (v as i64) < 0 && (v as i64) >= -4095
}

/// Returned in a0 by a service when the call must wait: a1 holds the wait key. Never
/// reaches a program: the personality turns it into a blocked thread (Linux's
/// ERESTARTSYS plays the same role).
pub const BLOCK: u64 = (-512i64) as u64;

/// Maps a failed service call to the errno the program sees: a faulted service costs
/// the caller one failed syscall (-EIO).
pub fn call_errno(e: &CallError) -> u64 {
    match e {
        CallError::Gx(GxError::Busy) => err(libc::EAGAIN),
        CallError::Gx(g) => err(g.errno() as i32),
        CallError::Faulted(_) => err(libc::EIO),
        CallError::Stop(_) => BLOCK,
    }
}
