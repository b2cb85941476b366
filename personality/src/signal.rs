//! Signals: the riscv64 `rt_sigframe` (siginfo + ucontext with the FP state) built on
//! the user stack, delivery at every syscall return and on interrupts, sigreturn,
//! sigsuspend, and machine faults turned into signals.
//!
//! proc decides *what* is delivered (it owns the queues, masks and dispositions and
//! commits each delivery); this module decides *how*: a frame on the right stack, the
//! registers the handler starts with, or the end of the process.
//!
//! Layout (Linux arch/riscv/kernel/signal.c): siginfo at 0 (128 bytes), ucontext at 128:
//! uc_flags, uc_link, uc_stack (24), uc_sigmask (8, padded to 128), then uc_mcontext at
//! ucontext+176 (16-aligned): sc_regs (pc, x1..x31), then the FP union (f0..f31, fcsr)
//! sized for the Q extension, 528 bytes. 1088 bytes in all, AT_MINSIGSTKSZ.

use crate::call::{rss_kb, scratch, stop, Caller, Outcome};
use crate::state::Linux;
use machine::addr::{qualified, Sid};
use machine::hart::reg;
use syscalls::proc::{action, op as proc_op, published};
use syscalls::sched::Wake;
use syscalls::service::err;
use syscalls::{Env, Lend, ServiceId};

/// Size of the signal frame.
pub const FRAME_SIZE: u64 = 1088;
const UC: usize = 128;
const MCONTEXT: usize = UC + 176;
const FPSTATE: usize = MCONTEXT + 256;
const SA_ONSTACK: u64 = 0x0800_0000;
const SS_ONSTACK: u64 = 1;
const SS_DISABLE: u64 = 2;

fn proc(env: &mut dyn Env, op: u64, c: &Caller, a1: u64, a2: u64) -> [u64; 2] {
    env.call(ServiceId::Proc, op, [c.word(), a1, a2, 0, 0, 0], &[]).unwrap_or([0, 0])
}

/// The signal the caller would take next and what it would do (an `action` code):
/// (0, NONE) if nothing is deliverable.
pub fn peek(env: &mut dyn Env, c: &Caller) -> (u64, u64) {
    let [sig, what] = proc(env, proc_op::NEXT_SIGNAL, c, 1, 0);
    (sig, what)
}

/// Ends the caller's process by signal `sig` (default action).
fn terminate(linux: &mut Linux, env: &mut dyn Env, c: &Caller, sig: u64) {
    crate::sys::robust::owner_died(env, c, true);
    let rss = rss_kb(env, c);
    let r = env.call(ServiceId::Proc, syscalls::lifecycle::EXIT, [c.word(), 0, 1, sig, rss, 0], &[]);
    if let Ok([1, _]) = r {
        linux.process_gone(env, c.pid);
    }
    linux.stop = Some(stop::EXITED);
}

/// Whether the caller may have a signal to take: proc's published slot for this hart
/// says so, or cannot be read (then DELIVER is asked, which answers for itself).
pub fn deliverable(env: &mut dyn Env, c: &Caller) -> bool {
    let hart = env.hart();
    published::read(env, hart).is_none_or(|s| s.tid != c.tid || s.flags & published::flag::SIGNAL != 0)
}

/// Delivers the caller's next deliverable signal, if any: ends the process for a
/// default action that terminates, or builds a handler frame (one per return to user
/// code: the handler's sigreturn delivers the next).
pub fn deliver_pending(linux: &mut Linux, env: &mut dyn Env, c: &Caller) {
    let me = env.me();
    let buf = qualified(me, scratch::BASE + scratch::SIGNAL);
    let len = syscalls::proc::signal::DELIVERY_SIZE;
    let r = env.call(ServiceId::Proc, proc_op::DELIVER, [c.word(), buf, 0, 0, 0, 0], &[Lend::write(buf, len as u64)]);
    let Ok([sig, what]) = r else { return };
    match what {
        action::TERMINATE => terminate(linux, env, c, sig),
        // proc stopped the process: this thread goes off the hart until SIGCONT.
        action::STOP => linux.stop = Some(stop::YIELD),
        action::HANDLER | action::HANDLER_RESTART => {
            let mut rec = vec![0u8; len];
            if env.read(buf, &mut rec).is_err() || !push_frame(env, c, sig, &rec) {
                // No room for the frame (a bad stack): Linux forces SIGSEGV.
                terminate(linux, env, c, libc::SIGSEGV as u64);
            }
        }
        _ => {}
    }
}

/// Builds the frame of a committed delivery (`rec`: siginfo, handler, flags, the mask
/// to restore, alternate stack) and points the thread at the handler.
fn push_frame(env: &mut dyn Env, c: &Caller, sig: u64, rec: &[u8]) -> bool {
    let w = |i: usize| syscalls::proc::u64_at(rec, 128 + i * 8);
    let (handler, flags, frame_mask, ss_sp, ss_size, ss_flags) = (w(0), w(1), w(2), w(3), w(4), w(5));
    let Some(ctx) = env.context().cloned() else { return false };
    let sp_now = ctx.x[reg::SP];
    let enabled = ss_flags & SS_DISABLE == 0 && ss_size != 0;
    let on_alt = enabled && sp_now > ss_sp && sp_now <= ss_sp.wrapping_add(ss_size);
    let top = if flags & SA_ONSTACK != 0 && enabled && !on_alt { ss_sp.wrapping_add(ss_size) } else { sp_now };
    let sp = top.wrapping_sub(FRAME_SIZE) & !15;
    if on_alt && sp <= ss_sp {
        // The alternate stack overflowed.
        return false;
    }
    let mut f = vec![0u8; FRAME_SIZE as usize];
    f[..128].copy_from_slice(&rec[..128]);
    // uc_stack: the alternate stack as it was when the signal came.
    let uc_ss_flags = if on_alt { SS_ONSTACK } else if enabled { 0 } else { SS_DISABLE };
    f[UC + 16..UC + 24].copy_from_slice(&ss_sp.to_le_bytes());
    f[UC + 24..UC + 28].copy_from_slice(&(uc_ss_flags as u32).to_le_bytes());
    f[UC + 32..UC + 40].copy_from_slice(&ss_size.to_le_bytes());
    f[UC + 40..UC + 48].copy_from_slice(&frame_mask.to_le_bytes());
    f[MCONTEXT..MCONTEXT + 8].copy_from_slice(&ctx.pc.to_le_bytes());
    for i in 1..32 {
        f[MCONTEXT + i * 8..MCONTEXT + i * 8 + 8].copy_from_slice(&ctx.x[i].to_le_bytes());
    }
    for i in 0..32 {
        f[FPSTATE + i * 8..FPSTATE + i * 8 + 8].copy_from_slice(&ctx.f[i].to_le_bytes());
    }
    f[FPSTATE + 256..FPSTATE + 260].copy_from_slice(&ctx.fcsr.to_le_bytes());
    if env.write(c.q(sp), &f).is_err() {
        return false;
    }
    let Some(ctx) = env.context() else { return false };
    ctx.pc = handler;
    ctx.x[reg::A0] = sig;
    ctx.x[reg::A1] = sp;
    ctx.x[reg::A1 + 1] = sp.wrapping_add(UC as u64);
    ctx.x[reg::SP] = sp;
    ctx.x[reg::RA] = syscalls::mm::SIGRETURN_TRAMPOLINE;
    true
}

/// rt_sigreturn: restores the registers and mask saved in the frame at sp.
pub fn sigreturn(linux: &mut Linux, env: &mut dyn Env, c: &Caller) -> Outcome {
    let Some(sp) = env.context().map(|x| x.x[reg::SP]) else { return Outcome::Value(err(libc::EINVAL)) };
    let mut f = vec![0u8; FRAME_SIZE as usize];
    if env.read(c.q(sp), &mut f).is_err() {
        terminate(linux, env, c, libc::SIGSEGV as u64);
        return Outcome::Exited;
    }
    let u = |o: usize| syscalls::proc::u64_at(&f, o);
    proc(env, proc_op::MASK, c, 1, u(UC + 40));
    if let Some(ctx) = env.context() {
        ctx.pc = u(MCONTEXT);
        for i in 1..32 {
            ctx.x[i] = u(MCONTEXT + i * 8);
        }
        for i in 0..32 {
            ctx.f[i] = u(FPSTATE + i * 8);
        }
        ctx.fcsr = (u(FPSTATE + 256) as u32) & 0xff;
    }
    Outcome::NoReturn
}

/// rt_sigsuspend(mask, size): waits with `mask` until a signal is delivered; always
/// -EINTR, and the handler's frame restores the mask the thread had before.
pub fn sigsuspend(linux: &mut Linux, env: &mut dyn Env, c: &Caller, a: [u64; 6]) -> Outcome {
    if a[1] != 8 {
        return Outcome::Value(err(libc::EINVAL));
    }
    let mut b = [0u8; 8];
    if env.read(c.q(a[0]), &mut b).is_err() {
        return Outcome::Value(err(libc::EFAULT));
    }
    // Re-executions after a wake-up find the mask already swapped: keep the first
    // saved one.
    let [old, _] = proc(env, proc_op::MASK, c, 0, 0);
    let [had, saved] = proc(env, proc_op::TAKE_SAVED_MASK, c, 0, 0);
    proc(env, proc_op::SAVE_MASK, c, if had == 1 { saved } else { old }, 0);
    proc(env, proc_op::MASK, c, 1, u64::from_le_bytes(b));
    if peek(env, c).0 != 0 {
        return Outcome::Value(err(libc::EINTR));
    }
    linux.pending_key = syscalls::proc::signal_key(c.tid);
    Outcome::Value(syscalls::service::BLOCK)
}

/// Who is on this hart, for the fault and interrupt entries (which are not syscalls:
/// the thread's wake reason stays for its syscall): proc's published slot, or ENTER.
fn enter(env: &mut dyn Env) -> Option<Caller> {
    let hart = env.hart();
    let (code, data): (Sid, Sid) = env.caller_env();
    if let Some(s) = published::read(env, hart) {
        return Some(Caller { pid: s.pid, tid: s.tid, wake: None, data, code });
    }
    let [w, _] = env.call(ServiceId::Proc, proc_op::ENTER, [hart as u64, 1, 0, 0, 0, 0], &[]).ok()?;
    if syscalls::service::is_err(w) {
        return None;
    }
    Some(Caller { pid: (w >> 32) as u32, tid: w as u32, wake: None::<Wake>, data, code })
}

/// The signal, si_code and si_addr of a machine fault (cause as in
/// `machine::Fault::cause`); None when mm resolved it and the access can be retried.
/// What a bad access to memory means (no mapping, no access, a file page past EOF)
/// is mm's to say.
fn fault_signal(env: &mut dyn Env, c: &Caller, cause: u64, addr: u64, pc: u64) -> Option<(u64, u64, u64)> {
    Some(match cause {
        2 => (libc::SIGILL as u64, 1, pc),           // ILL_ILLOPC
        3 => (libc::SIGTRAP as u64, 1, pc),          // TRAP_BRKPT
        0 | 4 | 6 => (libc::SIGBUS as u64, 1, addr), // BUS_ADRALN
        12 | 13 | 15 => {
            let [sig, code] = env.call(ServiceId::Mm, syscalls::mm::op::FAULT_KIND, [c.word(), addr, cause, 0, 0, 0], &[]).unwrap_or([libc::SIGSEGV as u64, 1]);
            if sig == 0 {
                return None;
            }
            (sig, code, addr)
        }
        _ => (libc::SIGSYS as u64, 0, pc),
    })
}

/// The machine's cause for an access that needed a frame when none was left.
const OUT_OF_MEMORY: u64 = 28;

/// An access of the caller found no frame (the run's memory limit): proc's OOM
/// killer picks the victim (`syscalls::proc::oom`). When that is another process, the
/// caller yields and retries the access once the victim has run and ended (its
/// frames freed), as Linux's allocator retries after an OOM kill; when it is the
/// caller, its SIGKILL is delivered now. With nobody killable the caller itself is
/// killed (Linux would panic: "Out of memory and no killable processes").
fn out_of_memory(linux: &mut Linux, env: &mut dyn Env, c: &Caller, addr: u64) {
    use syscalls::proc::oom::outcome;
    let victim = env.call(ServiceId::Proc, proc_op::OOM_KILL, [c.word(), 0, 0, 0, 0, 0], &[]).map_or(outcome::NONE, |r| r[0]);
    if victim == outcome::NONE {
        let _ = env.call(ServiceId::Proc, proc_op::FORCE, [c.word(), libc::SIGKILL as u64, 0x80, addr, 0, 0], &[]);
    } else if victim != c.pid as u64 {
        linux.stop = Some(stop::YIELD);
        return;
    }
    deliver_pending(linux, env, c);
}

/// A machine fault of a process: the matching signal, forced (a blocked or ignored
/// synchronous signal kills, as on Linux), then delivered at once.
pub fn fault(linux: &mut Linux, env: &mut dyn Env, a: [u64; 6]) -> Result<(), machine::Fault> {
    let (cause, addr, pc) = (a[0], a[1], a[2]);
    let Some(c) = enter(env) else {
        linux.stop = Some(stop::EXITED);
        return Ok(());
    };
    if cause == OUT_OF_MEMORY {
        return Ok(out_of_memory(linux, env, &c, addr));
    }
    let Some((sig, code, si_addr)) = fault_signal(env, &c, cause, addr, pc) else { return Ok(()) };
    let _ = env.call(ServiceId::Proc, proc_op::FORCE, [c.word(), sig, code, si_addr, 0, 0], &[]);
    deliver_pending(linux, env, &c);
    Ok(())
}

/// An interrupt from the board: deliver what is pending to a thread that is running
/// user code (a signal sent by another thread or process, a timer).
pub fn interrupt(linux: &mut Linux, env: &mut dyn Env) -> Result<(), machine::Fault> {
    match enter(env) {
        Some(c) => deliver_pending(linux, env, &c),
        None => linux.stop = Some(stop::EXITED),
    }
    Ok(())
}
