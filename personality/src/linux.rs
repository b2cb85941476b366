//! The linux space: ecall and fault portal of every process. Decodes the riscv64 Linux
//! syscall ABI, turns pointer arguments into lends (grants in the split configuration)
//! and calls the service that owns the subsystem; `complete` finishes the call and
//! `signal` delivers signals on the way out.

pub use crate::call::{op, rss_kb, scratch, stop, Caller, Outcome, SCRATCH, SCRATCH_SIZE};
pub use crate::state::Linux;
use crate::board::entry;
use crate::{misc, native, signal, strace, sys};
use machine::hart::reg;
use machine::Fault;
use std::any::Any;
use syscalls::proc::op as proc_op;
use syscalls::proc::published;
use syscalls::sched::Wake;
use syscalls::service::{call_errno, err, is_err, BLOCK};
use syscalls::sysno as nr;
use syscalls::table;
use syscalls::vfs::op as vfs_op;
use syscalls::{Env, Service, ServiceId, Template};

/// Which space answers syscall `n`: its row in the syscall table
/// (`syscalls::table`), None for those answered -ENOSYS.
pub fn route(n: u64) -> Option<ServiceId> {
    table::owner(n)
}

impl Linux {
    fn dispatch(&mut self, env: &mut dyn Env, c: &Caller, n: u64, a: [u64; 6]) -> Outcome {
        use Outcome::Value;
        let q = |p: u64| c.q(p);
        match n {
            nr::EXIT => sys::process::exit(self, env, c, a[0], false),
            nr::EXIT_GROUP => sys::process::exit(self, env, c, a[0], true),
            nr::EXECVE | nr::EXECVEAT => {
                let o = if n == nr::EXECVE { sys::process::execve(env, c, a) } else { sys::execveat::execveat(env, c, a) };
                // A new image is a new mm: membarrier registrations do not survive it.
                if matches!(o, Outcome::NoReturn) {
                    self.membarrier.remove(&c.pid);
                }
                o
            }
            nr::CLONE => {
                let v = sys::process::clone(env, c, a);
                // vfork: proc holds the parent until the child execs or exits; it
                // leaves the hart with the child's pid in a0.
                if sys::process::is_vfork(a[0]) && !is_err(v) {
                    self.stop = Some(stop::BLOCKED);
                }
                Value(v)
            }
            nr::CLONE3 => {
                let (v, vfork) = sys::clone3::clone3(env, c, a);
                // A vfork child (CLONE_VM | CLONE_VFORK, as glibc's posix_spawn asks):
                // the parent waits as for clone.
                if vfork && !is_err(v) {
                    self.stop = Some(stop::BLOCKED);
                }
                Value(v)
            }
            syscalls::vfs::hostexec::HOST_WAIT_NR => sys::process::host_wait(self, env, c),
            nr::FUTEX_WAKE | nr::FUTEX_WAIT | nr::FUTEX_REQUEUE | nr::FUTEX_WAITV => sys::futex2::call(self, env, c, n, a),
            nr::REBOOT => sys::admin::reboot(self, env, c, a),
            nr::ACCT => sys::admin::acct(self, env, c, a),
            nr::UNSHARE => sys::admin::unshare(env, c, a),
            nr::RT_SIGRETURN => signal::sigreturn(self, env, c),
            nr::RT_SIGSUSPEND => signal::sigsuspend(self, env, c, a),
            nr::SCHED_YIELD => {
                self.stop = Some(stop::YIELD);
                Value(0)
            }
            // Everything a service answers goes through the one rule for user pointers
            // (`marshal`): the same arguments and lends a native caller's would get.
            n if matches!(route(n), Some(ServiceId::Vfs | ServiceId::Proc | ServiceId::Mm | ServiceId::Time | ServiceId::Ipc)) => {
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
            nr::GETRANDOM => Value(misc::getrandom(env, c, &mut self.random, a)),
            nr::SCHED_SETAFFINITY | nr::SCHED_SETSCHEDULER | nr::SCHED_SETPARAM | nr::SCHED_GETSCHEDULER | nr::SCHED_GETPARAM | nr::SCHED_RR_GET_INTERVAL
            | nr::SCHED_SETATTR | nr::SCHED_GETATTR | nr::SCHED_GETAFFINITY => Value(crate::sched::call(self, env, c, n, a)),
            nr::SCHED_GET_PRIORITY_MAX | nr::SCHED_GET_PRIORITY_MIN | nr::GETCPU => Value(misc::sched(env, c, n, a)),
            nr::SETPRIORITY | nr::GETPRIORITY => Value(misc::priority(self, env, c, n, a)),
            nr::GETRUSAGE => Value(misc::getrusage(env, c, a)),
            nr::PRCTL => Value(misc::prctl(env, c, a)),
            nr::RISCV_HWPROBE => Value(misc::hwprobe(env, c, a)),
            nr::MEMBARRIER => Value(sys::membarrier::membarrier(self, c, a)),
            n if native::handles(n) => sys::directory::dispatch(self, env, c, n, a),
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

    /// Who is calling: the slot proc publishes for this hart, read through linux's
    /// grant on proc's pages (`syscalls::proc::published`); a call to proc's ENTER when
    /// the slot is unreadable or says there is more to it (the re-execution of a
    /// blocked syscall, whose wake reason ENTER hands over and consumes, or leftovers
    /// of an earlier call ENTER clears).
    fn enter(env: &mut dyn Env) -> Option<Caller> {
        let hart = env.hart();
        let (code, data) = env.caller_env();
        if let Some(s) = published::read(env, hart).filter(|s| s.flags & published::flag::ENTER == 0) {
            return Some(Caller { pid: s.pid, tid: s.tid, wake: None, data, code });
        }
        let [w, wake] = env.call(ServiceId::Proc, proc_op::ENTER, [hart as u64, 0, 0, 0, 0, 0], &[]).ok()?;
        if is_err(w) {
            return None;
        }
        Some(Caller { pid: (w >> 32) as u32, tid: w as u32, wake: Wake::from_code(wake), data, code })
    }

    /// A syscall, and its strace line when it has finished: with --strace-calls, the
    /// portal calls, grants and revocations it made under it (the machine's call log,
    /// cleared as the syscall starts).
    fn ecall(&mut self, env: &mut dyn Env) -> Result<(), Fault> {
        if self.strace_calls
            && let Some(log) = env.call_log()
        {
            log.clear();
        }
        let r = self.syscall(env);
        if let Some(mut text) = self.traced.take() {
            if self.strace_calls {
                for l in self.call_lines(env) {
                    text.push('\n');
                    text.push_str(&l);
                }
            }
            tracing::info!(target: "grantix::strace", "{text}");
        }
        r
    }

    /// The lines under a syscall's strace line: its call log, services named by the wiring.
    fn call_lines(&self, env: &mut dyn Env) -> Vec<String> {
        let sids = env.wiring().and_then(|w| w.downcast_ref::<crate::board::Wiring>()).map(|w| w.sids).unwrap_or_default();
        // One kernel space holds every service when they all have the same space.
        let monolithic = sids.iter().all(|s| *s == sids[0]);
        let service = move |sid: machine::Sid| ServiceId::ALL.into_iter().find(|s| sids[*s as usize] == sid);
        let spaces = strace::Spaces { service: &service, monolithic };
        env.call_log().map(|log| strace::calls(log, &spaces)).unwrap_or_default()
    }

    fn syscall(&mut self, env: &mut dyn Env) -> Result<(), Fault> {
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
        if self.strace && strace::wanted(&self.strace_filter, n) {
            let v = if let Outcome::Value(v) = out { Some(v) } else { None };
            self.traced = Some(strace::line(env, &c, n, &a, v));
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
        // may have unblocked some), when proc's slot says one is deliverable.
        if signal::deliverable(env, &c) {
            signal::deliver_pending(self, env, &c);
        }
        Ok(())
    }

}

impl Template for Linux {
    const ID: ServiceId = ServiceId::Linux;
    const CALLEES: &'static [ServiceId] = &[ServiceId::Proc, ServiceId::Mm, ServiceId::Vfs, ServiceId::Futex, ServiceId::Time, ServiceId::Tty, ServiceId::Ipc, ServiceId::Supervisor];
}

impl Service for Linux {
    fn id(&self) -> ServiceId {
        ServiceId::Linux
    }

    fn as_any(&mut self) -> &mut dyn Any {
        self
    }

    fn handle(&mut self, env: &mut dyn Env, op: u64, a: [u64; 6]) -> Result<[u64; 2], Fault> {
        match op.wrapping_sub(op::INVOLUNTARY) {
            entry::ECALL => self.ecall(env)?,
            entry::FAULT => signal::fault(self, env, a)?,
            entry::SIGNAL => signal::interrupt(self, env)?,
            _ => return Ok([err(libc::ENOSYS), 0]),
        }
        Ok([0, 0])
    }
}

