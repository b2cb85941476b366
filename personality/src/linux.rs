//! The linux space: ecall and fault portal of every process. Decodes the riscv64 Linux
//! syscall ABI, turns pointer arguments into lends (grants in the split configuration),
//! calls the service that owns the subsystem, and delivers signals.

use crate::signal;
use machine::addr::{self, qualified, Sid, PAGE_SIZE};
use machine::hart::reg;
use machine::{Access, Fault};
use std::any::Any;
use std::collections::BTreeSet;
use syscalls::mm::op as mm_op;
use syscalls::proc::op as proc_op;
use syscalls::sched::{kind, Wake};
use syscalls::service::{call_errno, err, is_err, BLOCK};
use syscalls::sysno as nr;
use syscalls::vfs::op as vfs_op;
use syscalls::{Env, Lend, Service, ServiceId};

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
}

/// Where linux keeps its own scratch memory (in its own space).
pub const SCRATCH: u64 = 0x1000_0000;
/// Size of the scratch area.
pub const SCRATCH_SIZE: u64 = 1 << 20;

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
    /// Wait key of the last call that asked to block.
    pub pending_key: u64,
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

    /// A process pointer qualified with its DATA space (0 stays NULL).
    pub fn q(&self, p: u64) -> u64 {
        if p == 0 { 0 } else { qualified(self.data, addr::offset_of(p)) }
    }
}

/// What a syscall handler decided.
pub enum Outcome {
    Value(u64),
    /// The context was replaced (execve, rt_sigreturn): do not write a0.
    NoReturn,
    /// The thread ended.
    Exited,
}

/// Which space answers syscall `n`: the table the dispatcher follows and the README's
/// syscall table is generated from (`grantix syscalls`).
pub fn route(n: u64) -> Option<ServiceId> {
    if syscalls::vfs::handles(n) {
        return Some(ServiceId::Vfs);
    }
    Some(match n {
        nr::GETPID | nr::GETPPID | nr::GETTID | nr::GETUID | nr::GETEUID | nr::GETGID | nr::GETEGID | nr::SET_TID_ADDRESS | nr::GETPGID | nr::SETPGID
        | nr::GETSID | nr::SETSID | nr::KILL | nr::TKILL | nr::TGKILL | nr::UMASK | nr::WAIT4 | nr::RT_SIGACTION | nr::RT_SIGPROCMASK
        | nr::RT_SIGPENDING | nr::SIGALTSTACK | nr::CLONE | nr::EXIT | nr::EXIT_GROUP => ServiceId::Proc,
        nr::BRK | nr::MMAP | nr::MUNMAP | nr::MPROTECT | nr::MREMAP | nr::MADVISE | nr::MSYNC | nr::EXECVE => ServiceId::Mm,
        nr::CLOCK_GETTIME | nr::CLOCK_GETRES | nr::GETTIMEOFDAY | nr::NANOSLEEP | nr::CLOCK_NANOSLEEP | nr::TIMES | nr::UNAME | nr::SYSINFO => ServiceId::Time,
        nr::FUTEX => ServiceId::Futex,
        nr::RT_SIGRETURN | nr::RT_SIGSUSPEND | nr::READV | nr::WRITEV | nr::PREADV | nr::PWRITEV | nr::SCHED_YIELD | nr::SET_ROBUST_LIST | nr::PRLIMIT64
        | nr::GETRLIMIT | nr::SETRLIMIT | nr::GETRANDOM | nr::SCHED_GETAFFINITY | nr::SCHED_SETAFFINITY | nr::SCHED_SETSCHEDULER | nr::SCHED_SETPARAM
        | nr::SETPRIORITY | nr::SCHED_GETSCHEDULER | nr::GETPRIORITY | nr::GETRUSAGE | nr::PRCTL | nr::MEMBARRIER => ServiceId::Linux,
        _ => return None,
    })
}

impl Linux {
    /// Whether every byte of a lend is mapped with the rights it needs: Linux's
    /// access_ok + fault-in. A bad pointer is -EFAULT for the program, never a
    /// fault of the service it would have been lent to.
    fn lend_ok(env: &dyn Env, l: &Lend) -> bool {
        if l.ptr == 0 || l.len == 0 {
            return true;
        }
        let (target, off) = addr::resolve(l.ptr, env.me());
        let Some(end) = off.checked_add(l.len) else { return false };
        let mem = &env.machine().mem;
        let access = if l.rights.contains(machine::GrantRights::W) { Access::Write } else { Access::Read };
        let mut p = addr::page_floor(off);
        while p < end {
            let lo = p.max(off);
            let hi = (p + PAGE_SIZE).min(end);
            if mem.check_only(env.me(), target, lo, hi - lo, access, l.ptr).is_err() {
                return false;
            }
            p += PAGE_SIZE;
        }
        true
    }

    /// Calls a service with checked lends; maps failures to errnos.
    pub fn svc(&mut self, env: &mut dyn Env, to: ServiceId, op: u64, c: &Caller, args: [u64; 5], lends: &[Lend]) -> u64 {
        if !lends.iter().all(|l| Self::lend_ok(env, l)) {
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

    fn read_cstr(env: &mut dyn Env, p: u64) -> Option<Vec<u8>> {
        let n = Self::strlen(env, p, 4096)?;
        let mut v = vec![0u8; n as usize - 1];
        env.read(p, &mut v).ok()?;
        Some(v)
    }

    fn read_u64(env: &mut dyn Env, p: u64) -> Option<u64> {
        let mut b = [0u8; 8];
        env.read(p, &mut b).ok()?;
        Some(u64::from_le_bytes(b))
    }

    fn read_strv(env: &mut dyn Env, c: &Caller, p: u64) -> Option<Vec<Vec<u8>>> {
        let mut v = Vec::new();
        if p == 0 {
            return Some(v);
        }
        for i in 0..65536u64 {
            let s = Self::read_u64(env, c.q(p + i * 8))?;
            if s == 0 {
                return Some(v);
            }
            v.push(Self::read_cstr(env, c.q(s))?);
        }
        None
    }

    fn warn_unknown(&mut self, n: u64) {
        if self.warned.insert(n) {
            let name = nr::name(n).unwrap_or("unknown");
            tracing::warn!("syscall {n} ({name}) is not implemented: returning -ENOSYS");
            eprintln!("grantix: warning: syscall {n} ({name}) is not implemented; returning -ENOSYS");
        }
    }

    fn exit(&mut self, env: &mut dyn Env, c: &Caller, status: u64, group: bool) -> Outcome {
        let code = (status & 0xff) as u64;
        let r = env.call(ServiceId::Proc, syscalls::lifecycle::EXIT, [c.word(), code, group as u64, 0, 0, 0], &[]);
        if let Ok([last, ctid]) = r {
            if ctid != 0 {
                // CLONE_CHILD_CLEARTID: zero the word and wake one waiter (pthread_join).
                let p = c.q(ctid);
                if env.write(p, &0u32.to_le_bytes()).is_ok() {
                    let _ = env.call(ServiceId::Futex, nr::FUTEX, [c.word() & 0xffff_ffff, p, 1, 1, 0, 0], &[]);
                }
            }
            if last == 1 {
                self.process_gone(env, c.pid);
            }
        }
        Outcome::Exited
    }

    /// Releases what a dead process held in mm and vfs.
    pub fn process_gone(&mut self, env: &mut dyn Env, pid: u32) {
        let w = (pid as u64) << 32;
        let _ = env.call(ServiceId::Vfs, vfs_op::EXIT, [w, 0, 0, 0, 0, 0], &[]);
        let _ = env.call(ServiceId::Mm, mm_op::EXIT, [w, 0, 0, 0, 0, 0], &[]);
    }

    fn execve(&mut self, env: &mut dyn Env, c: &Caller, a: [u64; 6]) -> Outcome {
        let me = env.me();
        let scratch = |o: u64| qualified(me, SCRATCH + o);
        let Some(path) = Self::read_cstr(env, c.q(a[0])) else { return Outcome::Value(err(libc::EFAULT)) };
        let (Some(argv), Some(envp)) = (Self::read_strv(env, c, a[1]), Self::read_strv(env, c, a[2])) else {
            return Outcome::Value(err(libc::EFAULT));
        };
        if env.write(scratch(0), &path).is_err() {
            return Outcome::Value(err(libc::ENOMEM));
        }
        let host_len = match env.call(ServiceId::Vfs, vfs_op::RESOLVE_EXEC, [c.word(), scratch(0), path.len() as u64, scratch(4096), 4096, 0], &[Lend::read(scratch(0), path.len() as u64), Lend::write(scratch(4096), 4096)]) {
            Ok([v, _]) if !is_err(v) => v,
            Ok([v, _]) => return Outcome::Value(v),
            Err(e) => return Outcome::Value(call_errno(&e)),
        };
        let blob = syscalls::mm::pack_blob(&argv, &envp, &path);
        if blob.len() as u64 > SCRATCH_SIZE - 16384 || env.write(scratch(16384), &blob).is_err() {
            return Outcome::Value(err(libc::E2BIG));
        }
        let lends = [Lend::read(scratch(4096), host_len), Lend::read(scratch(16384), blob.len() as u64), Lend::write(scratch(8192), 40)];
        match env.call(ServiceId::Mm, mm_op::EXEC, [c.word(), scratch(4096), host_len, scratch(16384), blob.len() as u64, scratch(8192)], &lends) {
            Ok([0, _]) => {}
            Ok([v, _]) => return Outcome::Value(v),
            Err(e) => return Outcome::Value(call_errno(&e)),
        }
        let mut res = [0u8; 40];
        if env.read(scratch(8192), &mut res).is_err() {
            return Outcome::Value(err(libc::EFAULT));
        }
        let f = |i: usize| u64::from_le_bytes(res[i * 8..i * 8 + 8].try_into().unwrap_or_default());
        let (entry, sp, code, data) = (f(0), f(1), f(2) as Sid, f(3) as Sid);
        let _ = env.call(ServiceId::Vfs, vfs_op::EXEC, [c.word(), 0, 0, 0, 0, 0], &[]);
        let exe = String::from_utf8_lossy(&path).into_owned();
        let abs = if exe.starts_with('/') { exe } else { format!("{}/{}", std::env::current_dir().map(|p| p.display().to_string()).unwrap_or_default(), exe) };
        if env.write(scratch(0), abs.as_bytes()).is_ok() {
            let _ = env.call(ServiceId::Vfs, vfs_op::SET_EXE, [c.word(), c.pid as u64, scratch(0), abs.len() as u64, 0, 0], &[Lend::read(scratch(0), abs.len() as u64)]);
        }
        let _ = env.call(ServiceId::Proc, syscalls::lifecycle::EXEC, [c.word(), code as u64, data as u64, 0, 0, 0], &[]);
        if env.set_return_env(code, data).is_err() {
            return Outcome::Value(err(libc::EFAULT));
        }
        if let Some(ctx) = env.context() {
            *ctx = syscalls::proc::initial_context(entry, sp);
        }
        Outcome::NoReturn
    }

    fn clone(&mut self, env: &mut dyn Env, c: &Caller, a: [u64; 6]) -> u64 {
        let flags = a[0];
        let r = match env.call(ServiceId::Proc, syscalls::lifecycle::CLONE, [c.word(), flags, a[1], a[3], a[4], 0], &[]) {
            Ok(r) => r,
            Err(e) => return call_errno(&e),
        };
        let (tid, child_data) = (r[0], r[1] as Sid);
        if is_err(tid) {
            return tid;
        }
        let bytes = (tid as u32).to_le_bytes();
        if flags & libc::CLONE_PARENT_SETTID as u64 != 0 && a[2] != 0 {
            let _ = env.write(c.q(a[2]), &bytes);
        }
        if flags & libc::CLONE_CHILD_SETTID as u64 != 0 && a[4] != 0 {
            // In the child's memory: its own DATA for fork, the shared one for a thread.
            let _ = env.write(qualified(child_data, addr::offset_of(a[4])), &bytes);
        }
        tid
    }

    fn iov(&mut self, env: &mut dyn Env, c: &Caller, a: [u64; 6], write: bool, at: Option<u64>) -> u64 {
        let (fd, iov, cnt) = (a[0], a[1], a[2]);
        if cnt > 1024 {
            return err(libc::EINVAL);
        }
        let mut total = 0u64;
        for i in 0..cnt {
            let (Some(base), Some(len)) = (Self::read_u64(env, c.q(iov + i * 16)), Self::read_u64(env, c.q(iov + i * 16 + 8))) else {
                return if total > 0 { total } else { err(libc::EFAULT) };
            };
            if len == 0 {
                continue;
            }
            let (op, lend) = if write { (if at.is_some() { nr::PWRITE64 } else { nr::WRITE }, Lend::read(c.q(base), len)) } else { (if at.is_some() { nr::PREAD64 } else { nr::READ }, Lend::write(c.q(base), len)) };
            let r = self.svc(env, ServiceId::Vfs, op, c, [fd, c.q(base), len, at.map_or(0, |o| o + total), 0], &[lend]);
            if r == BLOCK || is_err(r) {
                return if total > 0 { total } else { r };
            }
            total += r;
            if r < len {
                break;
            }
        }
        total
    }

    fn dispatch(&mut self, env: &mut dyn Env, c: &Caller, n: u64, a: [u64; 6]) -> Outcome {
        use Outcome::Value;
        let q = |p: u64| c.q(p);
        match n {
            nr::EXIT => self.exit(env, c, a[0], false),
            nr::EXIT_GROUP => self.exit(env, c, a[0], true),
            nr::EXECVE => self.execve(env, c, a),
            nr::RT_SIGRETURN => signal::sigreturn(self, env, c),
            nr::READV | nr::WRITEV => Value(self.iov(env, c, a, n == nr::WRITEV, None)),
            nr::PREADV | nr::PWRITEV => Value(self.iov(env, c, a, n == nr::PWRITEV, Some(a[3]))),
            // Everything on file descriptors belongs to vfs, which also says which
            // arguments are pointers (qualified here) and what each call may touch.
            n if syscalls::vfs::handles(n) => {
                let qa = syscalls::vfs::qualify(n, &a, |p| c.q(p));
                let full = [qa[0], qa[1], qa[2], qa[3], qa[4], a[5]];
                let lends = syscalls::vfs::lends(n, &full, |p| Self::strlen(env, p, 4096).unwrap_or(0));
                if !lends.iter().all(|l| Self::lend_ok(env, l)) {
                    return Value(err(libc::EFAULT));
                }
                Value(self.svc(env, ServiceId::Vfs, n, c, qa, &lends))
            }
            nr::GETPID | nr::GETPPID | nr::GETTID | nr::GETUID | nr::GETEUID | nr::GETGID | nr::GETEGID | nr::SET_TID_ADDRESS | nr::GETPGID | nr::SETPGID | nr::GETSID | nr::SETSID | nr::KILL | nr::TKILL | nr::TGKILL | nr::UMASK => {
                Value(self.svc(env, ServiceId::Proc, n, c, [a[0], a[1], a[2], a[3], a[4]], &[]))
            }
            nr::SCHED_YIELD => {
                self.stop = Some(stop::YIELD);
                Value(0)
            }
            nr::WAIT4 | nr::RT_SIGACTION | nr::RT_SIGPROCMASK | nr::RT_SIGPENDING | nr::SIGALTSTACK => {
                let qa = match n {
                    nr::WAIT4 => [a[0], q(a[1]), a[2], q(a[3]), 0, 0],
                    nr::RT_SIGACTION | nr::RT_SIGPROCMASK => [a[0], q(a[1]), q(a[2]), a[3], 0, 0],
                    _ => [q(a[0]), q(a[1]), a[2], 0, 0, 0],
                };
                let lends = syscalls::proc::lends(n, &qa);
                Value(self.svc(env, ServiceId::Proc, n, c, [qa[0], qa[1], qa[2], qa[3], qa[4]], &lends))
            }
            nr::CLONE => Value(self.clone(env, c, a)),
            // mmap has six arguments; prot and flags travel packed in one register.
            nr::MMAP => Value(self.svc(env, ServiceId::Mm, n, c, [a[0], a[1], (a[2] & 0xffff_ffff) | (a[3] << 32), a[4], a[5]], &[])),
            nr::BRK | nr::MUNMAP | nr::MPROTECT | nr::MREMAP | nr::MADVISE | nr::MSYNC => Value(self.svc(env, ServiceId::Mm, n, c, [a[0], a[1], a[2], a[3], a[4]], &[])),
            nr::CLOCK_GETTIME | nr::CLOCK_GETRES | nr::GETTIMEOFDAY | nr::NANOSLEEP | nr::CLOCK_NANOSLEEP | nr::TIMES | nr::UNAME | nr::SYSINFO => {
                let qa = match n {
                    nr::CLOCK_GETTIME | nr::CLOCK_GETRES => [a[0], q(a[1]), 0, 0, 0, 0],
                    nr::CLOCK_NANOSLEEP => [a[0], a[1], q(a[2]), q(a[3]), 0, 0],
                    _ => [q(a[0]), q(a[1]), 0, 0, 0, 0],
                };
                let lends = syscalls::time::lends(n, &qa);
                Value(self.svc(env, ServiceId::Time, n, c, [qa[0], qa[1], qa[2], qa[3], 0], &lends))
            }
            nr::FUTEX => {
                let fop = a[1] & 0x7f;
                // timeout slot carries val2 for requeue ops
                let t = if fop == 3 || fop == 4 { a[3] } else { q(a[3]) };
                let qa = [q(a[0]), a[1], a[2], t, q(a[4]), 0];
                let lends = syscalls::futex::lends(&qa);
                let c2 = Caller { pid: 0, ..*c };
                let word = ((a[5] & 0xffff_ffff) << 32) | (c2.word() & 0xffff_ffff);
                if !lends.iter().all(|l| Self::lend_ok(env, l)) {
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
            nr::PRLIMIT64 | nr::GETRLIMIT | nr::SETRLIMIT => Value(crate::misc::rlimit(env, c, n, a)),
            nr::GETRANDOM => Value(crate::misc::getrandom(env, c, a)),
            nr::SCHED_GETAFFINITY => Value(crate::misc::getaffinity(env, c, a)),
            nr::SCHED_SETAFFINITY | nr::SCHED_SETSCHEDULER | nr::SCHED_SETPARAM | nr::SETPRIORITY => Value(0),
            nr::SCHED_GETSCHEDULER | nr::GETPRIORITY => Value(if n == nr::GETPRIORITY { 20 } else { 0 }),
            nr::GETRUSAGE => Value(crate::misc::getrusage(env, c, a)),
            nr::PRCTL => Value(crate::misc::prctl(env, c, a)),
            nr::MEMBARRIER => Value(0),
            nr::RT_SIGSUSPEND => signal::sigsuspend(self, env, c, a),
            // Known to Linux, deliberately answered -ENOSYS so libc falls back
            // (clone3 -> clone, rseq and the robust list getter: optional features).
            nr::GET_ROBUST_LIST | nr::RSEQ | nr::CLONE3 => Value(err(libc::ENOSYS)),
            _ => {
                debug_assert!(route(n).is_none(), "syscall {n} routed but not dispatched");
                self.warn_unknown(n);
                Value(err(libc::ENOSYS))
            }
        }
    }

    fn ecall(&mut self, env: &mut dyn Env) -> Result<(), Fault> {
        let Some(ctx) = env.context() else { return Ok(()) };
        let n = ctx.x[reg::A7];
        let a = [ctx.x[10], ctx.x[11], ctx.x[12], ctx.x[13], ctx.x[14], ctx.x[15]];
        let hart = env.hart();
        let (code, data) = env.caller_env();
        let who = env.call(ServiceId::Proc, proc_op::ENTER, [hart as u64, 0, 0, 0, 0, 0], &[]);
        let Ok([w, wake]) = who else {
            self.stop = Some(stop::EXITED);
            return Ok(());
        };
        if is_err(w) {
            self.stop = Some(stop::EXITED);
            return Ok(());
        }
        let c = Caller { pid: (w >> 32) as u32, tid: w as u32, wake: Wake::from_code(wake), data, code };
        *self.counts.entry(n).or_default() += 1;
        self.pending_key = 0;
        let out = self.dispatch(env, &c, n, a);
        let v = match out {
            Outcome::Exited => {
                self.stop = Some(stop::EXITED);
                return Ok(());
            }
            Outcome::NoReturn => None,
            Outcome::Value(v) => Some(v),
        };
        if self.strace {
            let name = nr::name(n).unwrap_or("?");
            match v {
                Some(BLOCK) => eprintln!("[{}] {name}({:#x}, {:#x}, {:#x}) = <blocks>", c.tid, a[0], a[1], a[2]),
                Some(v) => eprintln!("[{}] {name}({:#x}, {:#x}, {:#x}) = {}", c.tid, a[0], a[1], a[2], v as i64),
                None => eprintln!("[{}] {name}(...)", c.tid),
            }
        }
        if let Some(v) = v {
            if v == BLOCK {
                let interrupted = signal::has_deliverable(env, &c);
                if interrupted {
                    // -EINTR, or a restart after the handler when it asked for SA_RESTART.
                    let restart = signal::restart_wanted(env, &c);
                    if let Some(ctx) = env.context() {
                        if restart {
                            ctx.pc = ctx.pc.wrapping_sub(4);
                        } else {
                            ctx.x[reg::A0] = err(libc::EINTR);
                        }
                    }
                    let _ = env.call(ServiceId::Proc, proc_op::FINISH, [c.word(), 0, 0, 0, 0, 0], &[]);
                } else {
                    let k = self.pending_key;
                    let (hostfd, ev) = if k >> 56 == kind::HOSTFD as u64 { ((k & 0xffff_ffff) as i64, (k >> 32) & 0xffff) } else { (-1, 0) };
                    let _ = env.call(ServiceId::Proc, proc_op::BLOCK, [c.word(), k, u64::MAX, hostfd as u64, ev, 0], &[]);
                    if let Some(ctx) = env.context() {
                        ctx.pc = ctx.pc.wrapping_sub(4);
                    }
                    self.stop = Some(stop::BLOCKED);
                    return Ok(());
                }
            } else {
                if c.wake.is_some() {
                    let _ = env.call(ServiceId::Proc, proc_op::FINISH, [c.word(), 0, 0, 0, 0, 0], &[]);
                }
                if let Some(ctx) = env.context() {
                    ctx.x[reg::A0] = v;
                }
                if n == nr::WRITE || n == nr::WRITEV || n == nr::PWRITE64 {
                    if v == err(libc::EPIPE) {
                        let _ = env.call(ServiceId::Proc, nr::TGKILL, [c.word(), c.pid as u64, c.tid as u64, libc::SIGPIPE as u64, 0, 0], &[]);
                    }
                }
            }
        }
        signal::deliver_pending(self, env, &c);
        Ok(())
    }
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
