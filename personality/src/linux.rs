//! The linux space: ecall and fault portal of every process. Decodes the riscv64 Linux
//! syscall ABI, turns pointer arguments into lends (grants in the split configuration),
//! calls the service that owns the subsystem, and delivers signals.

use crate::{signal, sys};
use machine::addr::{self, qualified, Sid, PAGE_SIZE};
use machine::hart::reg;
use machine::Fault;
use std::any::Any;
use std::collections::BTreeSet;
use syscalls::mm::op as mm_op;
use syscalls::proc::op as proc_op;
use syscalls::sched::{kind, Wake};
use syscalls::service::{call_errno, err, is_err, BLOCK};
use syscalls::sysno as nr;
use syscalls::table::{self, flag};
use syscalls::vfs::op as vfs_op;
use syscalls::{Env, Lend, Service, ServiceId, Template};

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

/// The Linux personality.
#[derive(Default)]
pub struct Linux {
    /// Set by a handler that must stop the hart; taken by the wiring.
    pub stop: Option<u64>,
    warned: BTreeSet<u64>,
    /// Syscalls handled, by number (for reports).
    pub counts: std::collections::BTreeMap<u64, u64>,
    /// Print one line per syscall to stderr (--strace).
    pub strace: bool,
    /// Which syscalls --strace shows (`-e trace=`; None: all).
    pub strace_filter: crate::strace::Filter,
    /// Wait key of the last call that asked to block.
    pub pending_key: u64,
    /// Nice values set with setpriority, by pid (0 when absent).
    pub nice: std::collections::BTreeMap<u32, i32>,
    /// getrandom's generator state.
    pub random: u64,
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

/// Which space answers syscall `n`: its row in the syscall table
/// (`syscalls::table`), None for those answered -ENOSYS.
pub fn route(n: u64) -> Option<ServiceId> {
    table::owner(n)
}

/// Syscalls Linux restarts after a handler installed with SA_RESTART (they return
/// -ERESTARTSYS when interrupted); every other interrupted call fails with -EINTR.
fn restartable(n: u64, a: &[u64; 6]) -> bool {
    match n {
        // A futex wait with a timeout is restarted through restart_block, which a
        // handler turns into -EINTR; without one it is an ordinary restart.
        nr::FUTEX => a[3] == 0 || !matches!(a[1] & 0x7f, 0 | 9),
        n => table::is(n, flag::RESTART),
    }
}

impl Linux {
    /// Calls a service with checked lends; maps failures to errnos.
    pub fn svc(&mut self, env: &mut dyn Env, to: ServiceId, op: u64, c: &Caller, args: [u64; 5], lends: &[Lend]) -> u64 {
        if !lends.iter().all(|l| crate::marshal::accessible(env, l)) {
            return err(libc::EFAULT);
        }
        let a = [c.word(), args[0], args[1], args[2], args[3], args[4]];
        match env.call(to, op, a, lends) {
            Ok(v) if v[0] == BLOCK => {
                self.pending_key = v[1];
                BLOCK
            }
            Ok(v) => v[0],
            Err(e) => call_errno(&e),
        }
    }

    /// The length of the NUL-terminated string at qualified `p` including the NUL, or
    /// None if it is unreadable or longer than `max`.
    pub fn strlen(env: &mut dyn Env, p: u64, max: usize) -> Option<u64> {
        let mut n = 0u64;
        let mut buf = [0u8; 64];
        while (n as usize) < max {
            // Read byte-wise across page ends so an unmapped next page is not touched.
            let room = (PAGE_SIZE - (addr::offset_of(p) + n) % PAGE_SIZE).min(64);
            env.read(p + n, &mut buf[..room as usize]).ok()?;
            if let Some(i) = buf[..room as usize].iter().position(|b| *b == 0) {
                return Some(n + i as u64 + 1);
            }
            n += room;
        }
        None
    }

    /// The NUL-terminated string at qualified `p` (without the NUL), at most 4 KiB.
    pub fn read_cstr(env: &mut dyn Env, p: u64) -> Option<Vec<u8>> {
        let n = Self::strlen(env, p, 4096)?;
        let mut v = vec![0u8; n as usize - 1];
        env.read(p, &mut v).ok()?;
        Some(v)
    }

    /// The little-endian u64 at qualified `p`.
    pub fn read_u64(env: &mut dyn Env, p: u64) -> Option<u64> {
        let mut b = [0u8; 8];
        env.read(p, &mut b).ok()?;
        Some(u64::from_le_bytes(b))
    }

    fn warn_unknown(&mut self, n: u64) {
        if self.warned.insert(n) {
            let name = table::name(n).unwrap_or("unknown");
            tracing::warn!("syscall {n} ({name}) is not implemented: returning -ENOSYS");
            eprintln!("grantix: warning: syscall {n} ({name}) is not implemented; returning -ENOSYS");
        }
    }

    /// Releases what a dead process held in mm and vfs.
    pub fn process_gone(&mut self, env: &mut dyn Env, pid: u32) {
        let w = (pid as u64) << 32;
        // mm first: it writes shared file mappings back through the process's fds,
        // which vfs closes on its EXIT.
        let _ = env.call(ServiceId::Mm, mm_op::EXIT, [w, 0, 0, 0, 0, 0], &[]);
        let _ = env.call(ServiceId::Vfs, vfs_op::EXIT, [w, 0, 0, 0, 0, 0], &[]);
        self.nice.remove(&pid);
    }

    fn dispatch(&mut self, env: &mut dyn Env, c: &Caller, n: u64, a: [u64; 6]) -> Outcome {
        use Outcome::Value;
        let q = |p: u64| c.q(p);
        match n {
            nr::EXIT => sys::process::exit(self, env, c, a[0], false),
            nr::EXIT_GROUP => sys::process::exit(self, env, c, a[0], true),
            nr::EXECVE => sys::process::execve(env, c, a),
            nr::CLONE => Value(sys::process::clone(env, c, a)),
            nr::RT_SIGRETURN => signal::sigreturn(self, env, c),
            nr::RT_SIGSUSPEND => signal::sigsuspend(self, env, c, a),
            nr::SCHED_YIELD => {
                self.stop = Some(stop::YIELD);
                Value(0)
            }
            // Everything a service answers goes through the one rule for user pointers
            // (`marshal`): the same arguments and lends a native caller's would get.
            n if matches!(route(n), Some(ServiceId::Vfs | ServiceId::Proc | ServiceId::Mm | ServiceId::Time)) => {
                let Some(to) = route(n) else { return Value(err(libc::ENOSYS)) };
                let mut m = match crate::marshal::marshal(env, to, n, c.data, a, crate::marshal::Origin::Ecall) {
                    Ok(m) => m,
                    Err(libc::EFAULT) if n == nr::PPOLL && a[1] > 1024 => {
                        // More fds than the caller may have open is EINVAL before the
                        // array is looked at (the vfs knows the limit).
                        let limit = env.call(ServiceId::Vfs, vfs_op::POLL_LIMIT, [c.word(), 0, 0, 0, 0, 0], &[]).map_or(1024, |v| v[0]);
                        return Value(err(if a[1] > limit { libc::EINVAL } else { libc::EFAULT }));
                    }
                    Err(e) => return Value(err(e)),
                };
                if n == nr::SIGALTSTACK {
                    // proc tells from the stack pointer whether the thread is on the
                    // alternate stack now.
                    m.args[2] = env.context().map_or(0, |x| x.x[reg::SP]);
                }
                Value(self.svc(env, to, n, c, m.args, &m.lends))
            }
            nr::FUTEX => {
                // The fourth argument is val2 for requeue and wake-op, else a timeout.
                let t = if syscalls::futex::arg4_is_value(a[1]) { a[3] } else { q(a[3]) };
                let qa = [q(a[0]), a[1], a[2], t, q(a[4]), 0];
                let lends = syscalls::futex::lends(&qa);
                let c2 = Caller { pid: 0, ..*c };
                let word = ((a[5] & 0xffff_ffff) << 32) | (c2.word() & 0xffff_ffff);
                if !lends.iter().all(|l| crate::marshal::accessible(env, l)) {
                    return Value(err(libc::EFAULT));
                }
                match env.call(ServiceId::Futex, nr::FUTEX, [word, qa[0], qa[1], qa[2], qa[3], qa[4]], &lends) {
                    Ok(v) if v[0] == BLOCK => {
                        self.pending_key = v[1];
                        Value(BLOCK)
                    }
                    Ok(v) => Value(v[0]),
                    Err(e) => Value(call_errno(&e)),
                }
            }
            nr::SET_ROBUST_LIST => Value(if a[1] == 24 { 0 } else { err(libc::EINVAL) }),
            nr::GETRANDOM => Value(crate::misc::getrandom(env, c, &mut self.random, a)),
            nr::SCHED_GETAFFINITY => Value(crate::misc::getaffinity(env, c, a)),
            nr::SCHED_SETAFFINITY | nr::SCHED_SETSCHEDULER | nr::SCHED_SETPARAM | nr::SCHED_GETSCHEDULER | nr::SCHED_GETPARAM | nr::SCHED_GET_PRIORITY_MAX
            | nr::SCHED_GET_PRIORITY_MIN | nr::SCHED_RR_GET_INTERVAL | nr::GETCPU => Value(crate::misc::sched(env, c, n, a)),
            nr::SETPRIORITY | nr::GETPRIORITY => Value(crate::misc::priority(self, env, c, n, a)),
            nr::GETRUSAGE => Value(crate::misc::getrusage(env, c, a)),
            nr::PRCTL => Value(crate::misc::prctl(env, c, a)),
            nr::RISCV_HWPROBE => Value(crate::misc::hwprobe(env, c, a)),
            nr::MEMBARRIER => Value(0),
            n if crate::native::handles(n) => crate::native::dispatch(self, env, c, n, a),
            // Known, deliberately answered -ENOSYS so libc falls back (the table's
            // Refused rows: clone3 -> clone, rseq and the robust list getter).
            n if table::entry(n).is_some_and(|e| matches!(e.support, table::Support::Refused(_))) => Value(err(libc::ENOSYS)),
            _ => {
                debug_assert!(route(n).is_none(), "syscall {n} routed but not dispatched");
                self.warn_unknown(n);
                Value(err(libc::ENOSYS))
            }
        }
    }

    /// Who is calling, from proc (which also hands over why the thread was woken, if
    /// this is the re-execution of a blocked syscall).
    fn enter(env: &mut dyn Env) -> Option<Caller> {
        let hart = env.hart();
        let (code, data) = env.caller_env();
        let [w, wake] = env.call(ServiceId::Proc, proc_op::ENTER, [hart as u64, 0, 0, 0, 0, 0], &[]).ok()?;
        if is_err(w) {
            return None;
        }
        Some(Caller { pid: (w >> 32) as u32, tid: w as u32, wake: Wake::from_code(wake), data, code })
    }

    fn ecall(&mut self, env: &mut dyn Env) -> Result<(), Fault> {
        let Some(ctx) = env.context() else { return Ok(()) };
        let n = ctx.x[reg::A7];
        let a = [ctx.x[10], ctx.x[11], ctx.x[12], ctx.x[13], ctx.x[14], ctx.x[15]];
        let Some(c) = Self::enter(env) else {
            self.stop = Some(stop::EXITED);
            return Ok(());
        };
        *self.counts.entry(n).or_default() += 1;
        self.pending_key = 0;
        let out = self.dispatch(env, &c, n, a);
        if self.strace && crate::strace::wanted(&self.strace_filter, n) {
            let v = if let Outcome::Value(v) = out { Some(v) } else { None };
            eprintln!("{}", crate::strace::line(env, &c, n, &a, v));
        }
        match out {
            Outcome::Exited => {
                self.stop = Some(stop::EXITED);
                return Ok(());
            }
            Outcome::NoReturn => {}
            Outcome::Value(v) => {
                if !self.complete(env, &c, n, &a, v) {
                    return Ok(());
                }
            }
        }
        // Signals are delivered on the way back to user code (sigreturn included: it
        // may have unblocked some).
        signal::deliver_pending(self, env, &c);
        Ok(())
    }

    /// Finishes syscall `n` with result `v`: writes a0, or blocks the thread, or turns
    /// an interruption by a signal into -EINTR or a restart (pc back on the ecall,
    /// arguments untouched) as Linux's SA_RESTART rules say. False if the thread
    /// blocked.
    fn complete(&mut self, env: &mut dyn Env, c: &Caller, n: u64, a: &[u64; 6], v: u64) -> bool {
        // Only a call that would block or failed with EINTR can have been interrupted:
        // the others need not ask proc (one portal call less per syscall).
        let (sig, what) = if v == BLOCK || v == err(libc::EINTR) { signal::peek(env, c) } else { (0, syscalls::proc::action::NONE) };
        let by_signal = c.wake == Some(Wake::Signal) || sig != 0;
        let interrupted = match v {
            BLOCK if sig == 0 => {
                self.block(env, c);
                return false;
            }
            BLOCK if c.wake != Some(Wake::Signal) => {
                // A signal is pending already: block and wake at once, so the call
                // re-executes knowing it was interrupted and can undo what it set up
                // (a futex waiter, a swapped mask).
                self.block(env, c);
                let _ = env.call(ServiceId::Proc, proc_op::INTERRUPT, [c.word(), 0, 0, 0, 0, 0], &[]);
                return false;
            }
            BLOCK => true,
            v => v == err(libc::EINTR) && by_signal,
        };
        if interrupted || c.wake.is_some() {
            let _ = env.call(ServiceId::Proc, proc_op::FINISH, [c.word(), 0, 0, 0, 0, 0], &[]);
        }
        let Some(ctx) = env.context() else { return true };
        if interrupted {
            // No handler will run (the signal vanished, is ignored, or ends the
            // process): the call goes on as if nothing happened. A handler: -EINTR
            // unless SA_RESTART and a restartable call.
            let restart = match what {
                syscalls::proc::action::HANDLER => false,
                syscalls::proc::action::HANDLER_RESTART => restartable(n, a),
                _ => true,
            };
            if restart {
                ctx.pc = ctx.pc.wrapping_sub(4);
            } else {
                ctx.x[reg::A0] = err(libc::EINTR);
            }
            return true;
        }
        ctx.x[reg::A0] = v;
        // Writing to a pipe nobody reads raises SIGPIPE, and growing a file past
        // RLIMIT_FSIZE SIGXFSZ, besides the error (the signal goes to the thread).
        let raise = match v {
            v if v == err(libc::EPIPE) && table::is(n, flag::SIGPIPE) => libc::SIGPIPE,
            v if v == err(libc::EFBIG) && table::is(n, flag::SIGXFSZ) => libc::SIGXFSZ,
            _ => 0,
        };
        if raise != 0 {
            let _ = env.call(ServiceId::Proc, nr::TGKILL, [c.word(), c.pid as u64, c.tid as u64, raise as u64, 0, 0], &[]);
        }
        true
    }

    /// Blocks the caller on what the service asked for; the ecall re-executes when
    /// the thread is woken.
    fn block(&mut self, env: &mut dyn Env, c: &Caller) {
        let k = self.pending_key;
        let (hostfd, ev) = if k >> 56 == kind::HOSTFD as u64 { ((k & 0xffff_ffff) as i64, (k >> 32) & 0xffff) } else { (-1, 0) };
        let _ = env.call(ServiceId::Proc, proc_op::BLOCK, [c.word(), k, u64::MAX, hostfd as u64, ev, 0], &[]);
        if let Some(ctx) = env.context() {
            ctx.pc = ctx.pc.wrapping_sub(4);
        }
        self.stop = Some(stop::BLOCKED);
    }
}

impl Template for Linux {
    const ID: ServiceId = ServiceId::Linux;
    const CALLEES: &'static [ServiceId] = &[ServiceId::Proc, ServiceId::Mm, ServiceId::Vfs, ServiceId::Futex, ServiceId::Time, ServiceId::Tty, ServiceId::Supervisor];
}

impl Service for Linux {
    fn id(&self) -> ServiceId {
        ServiceId::Linux
    }

    fn as_any(&mut self) -> &mut dyn Any {
        self
    }

    fn handle(&mut self, env: &mut dyn Env, op: u64, a: [u64; 6]) -> Result<[u64; 2], Fault> {
        use crate::wiring::entry;
        match op.wrapping_sub(op::INVOLUNTARY) {
            entry::ECALL => self.ecall(env)?,
            entry::FAULT => signal::fault(self, env, a)?,
            entry::SIGNAL => signal::interrupt(self, env)?,
            _ => return Ok([err(libc::ENOSYS), 0]),
        }
        Ok([0, 0])
    }
}

