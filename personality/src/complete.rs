//! How a syscall finishes: writing a0, blocking the thread, or turning an interruption
//! by a signal into -EINTR or a restart as Linux's SA_RESTART rules say; SIGPIPE and
//! SIGXFSZ raised with their errors.

use crate::call::{stop, Caller};
use crate::signal;
use crate::state::Linux;
use machine::hart::reg;
use syscalls::proc::op as proc_op;
use syscalls::sched::{kind, Wake};
use syscalls::service::{err, BLOCK};
use syscalls::sysno as nr;
use syscalls::table::{self, flag};
use syscalls::{Env, ServiceId};

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
    /// Finishes syscall `n` with result `v`: writes a0, or blocks the thread, or turns
    /// an interruption by a signal into -EINTR or a restart (pc back on the ecall,
    /// arguments untouched) as Linux's SA_RESTART rules say. False if the thread
    /// blocked.
    pub(crate) fn complete(&mut self, env: &mut dyn Env, c: &Caller, n: u64, a: &[u64; 6], v: u64) -> bool {
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
                // LOCK_PI is always restarted (Linux: -ERESTARTNOINTR): a libc takes
                // its return as having the lock.
                syscalls::proc::action::HANDLER => n == nr::FUTEX && matches!(a[1] & 0x7f, 6 | 13),
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
    pub(crate) fn block(&mut self, env: &mut dyn Env, c: &Caller) {
        let k = self.pending_key;
        let (hostfd, ev) = if k >> 56 == kind::HOSTFD as u64 { ((k & 0xffff_ffff) as i64, (k >> 32) & 0xffff) } else { (-1, 0) };
        let _ = env.call(ServiceId::Proc, proc_op::BLOCK, [c.word(), k, u64::MAX, hostfd as u64, ev, 0], &[]);
        if let Some(ctx) = env.context() {
            ctx.pc = ctx.pc.wrapping_sub(4);
        }
        self.stop = Some(stop::BLOCKED);
    }
}
