//! Signals: the riscv64 `rt_sigframe` (siginfo + ucontext with the FP state) built on
//! the user stack, sigreturn, sigsuspend, and machine faults turned into signals.
//!
//! Layout (Linux arch/riscv/kernel/signal.c): siginfo at 0 (128 bytes), ucontext at 128:
//! uc_flags, uc_link, uc_stack (24), uc_sigmask (8, padded to 128), then uc_mcontext at
//! ucontext+176 (16-aligned): sc_regs (pc, x1..x31), then the FP union (f0..f31, fcsr)
//! sized for the Q extension, 528 bytes. 1088 bytes in all, AT_MINSIGSTKSZ.

use crate::linux::{stop, Caller, Linux, Outcome};
use machine::addr::Sid;
use machine::hart::reg;
use syscalls::proc::op as proc_op;
use syscalls::sched::Wake;
use syscalls::service::err;
use syscalls::{Env, ServiceId};

/// Size of the signal frame.
pub const FRAME_SIZE: u64 = 1088;
const UC: usize = 128;
const MCONTEXT: usize = UC + 176;
const FPSTATE: usize = MCONTEXT + 256;
const SA_ONSTACK: u64 = 0x0800_0000;
const SA_RESTART: u64 = 0x1000_0000;
const SA_NODEFER: u64 = 0x4000_0000;

fn proc(env: &mut dyn Env, op: u64, c: &Caller, a1: u64, a2: u64) -> [u64; 2] {
    env.call(ServiceId::Proc, op, [c.word(), a1, a2, 0, 0, 0], &[]).unwrap_or([0, 0])
}

/// Whether the caller has a signal it would take now.
pub fn has_deliverable(env: &mut dyn Env, c: &Caller) -> bool {
    c.wake == Some(Wake::Signal) || proc(env, proc_op::NEXT_SIGNAL, c, 1, 0)[0] != 0
}

/// Whether the pending signal's handler asked for SA_RESTART.
pub fn restart_wanted(env: &mut dyn Env, c: &Caller) -> bool {
    let [sig, handler] = proc(env, proc_op::NEXT_SIGNAL, c, 1, 0);
    if sig == 0 || handler <= 1 {
        return false;
    }
    proc(env, proc_op::ACTION, c, sig, 0)[1] & SA_RESTART != 0
}

/// Ends the caller's process by signal `sig` (default action).
fn terminate(linux: &mut Linux, env: &mut dyn Env, c: &Caller, sig: u64) {
    let r = env.call(ServiceId::Proc, syscalls::lifecycle::EXIT, [c.word(), 0, 1, sig, 0, 0], &[]);
    if let Ok([1, _]) = r {
        linux.process_gone(env, c.pid);
    }
    linux.stop = Some(stop::EXITED);
}

/// Delivers the lowest pending deliverable signal, if any: default action, or a
/// handler frame on the user stack.
pub fn deliver_pending(linux: &mut Linux, env: &mut dyn Env, c: &Caller) {
    for _ in 0..64 {
        let [sig, handler] = proc(env, proc_op::NEXT_SIGNAL, c, 0, 0);
        if sig == 0 {
            return;
        }
        if handler == syscalls::proc::SIG_IGN {
            continue;
        }
        if handler == syscalls::proc::SIG_DFL {
            if syscalls::proc::default_terminates(sig as u32) {
                terminate(linux, env, c, sig);
                return;
            }
            continue;
        }
        let mut info = [0u8; 128];
        info[0..4].copy_from_slice(&(sig as i32).to_le_bytes());
        // SI_USER with the sender's pid: kill() from a process of this machine.
        info[16..20].copy_from_slice(&(c.pid as i32).to_le_bytes());
        if !push_frame(env, c, sig, handler, info) {
            terminate(linux, env, c, libc::SIGSEGV as u64);
        }
        return;
    }
}

fn push_frame(env: &mut dyn Env, c: &Caller, sig: u64, handler: u64, info: [u8; 128]) -> bool {
    let [_, flags] = proc(env, proc_op::ACTION, c, sig, 0);
    let [act_mask, _] = proc(env, proc_op::ACTION_MASK, c, sig, 0);
    let [old_mask, _] = proc(env, proc_op::MASK, c, 0, 0);
    let [had_saved, saved] = proc(env, proc_op::TAKE_SAVED_MASK, c, 0, 0);
    let frame_mask = if had_saved == 1 { saved } else { old_mask };
    let [ss_sp, ss] = proc(env, proc_op::ALTSTACK, c, 0, 0);
    let (ss_flags, ss_size) = (ss & 0xffff_ffff, ss >> 32);
    let Some(ctx) = env.context().cloned() else { return false };
    let sp_now = ctx.x[reg::SP];
    let on_alt = ss_flags == 0 && sp_now > ss_sp && sp_now <= ss_sp + ss_size;
    let mut sp = if flags & SA_ONSTACK != 0 && ss_flags == 0 && !on_alt { ss_sp + ss_size } else { sp_now };
    sp = (sp - FRAME_SIZE) & !15;
    let mut f = vec![0u8; FRAME_SIZE as usize];
    f[..128].copy_from_slice(&info);
    f[UC + 16..UC + 24].copy_from_slice(&ss_sp.to_le_bytes());
    f[UC + 24..UC + 28].copy_from_slice(&(if on_alt { 1u32 } else { ss_flags as u32 }).to_le_bytes());
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
    let mut newmask = old_mask | act_mask;
    if flags & SA_NODEFER == 0 {
        newmask |= 1 << (sig - 1);
    }
    proc(env, proc_op::MASK, c, 1, newmask);
    let Some(ctx) = env.context() else { return false };
    ctx.pc = handler;
    ctx.x[reg::A0] = sig;
    ctx.x[reg::A1] = sp;
    ctx.x[reg::A1 + 1] = sp + UC as u64;
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
    let u = |o: usize| u64::from_le_bytes(f[o..o + 8].try_into().unwrap_or_default());
    let mask = u(UC + 40);
    proc(env, proc_op::MASK, c, 1, mask);
    if let Some(ctx) = env.context() {
        ctx.pc = u(MCONTEXT);
        for i in 1..32 {
            ctx.x[i] = u(MCONTEXT + i * 8);
        }
        for i in 0..32 {
            ctx.f[i] = u(FPSTATE + i * 8);
        }
        ctx.fcsr = u32::from_le_bytes(f[FPSTATE + 256..FPSTATE + 260].try_into().unwrap_or_default()) & 0xff;
    }
    Outcome::NoReturn
}

/// rt_sigsuspend: replace the mask and wait for a signal; always -EINTR.
pub fn sigsuspend(linux: &mut Linux, env: &mut dyn Env, c: &Caller, a: [u64; 6]) -> Outcome {
    if a[1] != 8 {
        return Outcome::Value(err(libc::EINVAL));
    }
    if c.wake == Some(Wake::Signal) {
        return Outcome::Value(err(libc::EINTR));
    }
    let mut b = [0u8; 8];
    if env.read(c.q(a[0]), &mut b).is_err() {
        return Outcome::Value(err(libc::EFAULT));
    }
    let [old, _] = proc(env, proc_op::MASK, c, 0, 0);
    let [had, saved] = proc(env, proc_op::TAKE_SAVED_MASK, c, 0, 0);
    proc(env, proc_op::SAVE_MASK, c, if had == 1 { saved } else { old }, 0);
    proc(env, proc_op::MASK, c, 1, u64::from_le_bytes(b));
    if proc(env, proc_op::NEXT_SIGNAL, c, 1, 0)[0] != 0 {
        return Outcome::Value(err(libc::EINTR));
    }
    linux.pending_key = syscalls::sched::key(syscalls::sched::kind::SIGNAL, c.tid as u64);
    Outcome::Value(syscalls::service::BLOCK)
}

fn enter(env: &mut dyn Env) -> Option<Caller> {
    let hart = env.hart();
    let (code, data): (Sid, Sid) = env.caller_env();
    let [w, wake] = env.call(ServiceId::Proc, proc_op::ENTER, [hart as u64, 0, 0, 0, 0, 0], &[]).ok()?;
    if syscalls::service::is_err(w) {
        return None;
    }
    Some(Caller { pid: (w >> 32) as u32, tid: w as u32, wake: Wake::from_code(wake), data, code })
}

/// A machine fault of a process: the matching signal, forced (a blocked or ignored
/// synchronous signal kills, as on Linux).
pub fn fault(linux: &mut Linux, env: &mut dyn Env, a: [u64; 6]) -> Result<(), machine::Fault> {
    let (cause, addr, _pc) = (a[0], a[1], a[2]);
    let Some(c) = enter(env) else {
        linux.stop = Some(stop::EXITED);
        return Ok(());
    };
    let (sig, code) = match cause {
        2 => (libc::SIGILL, 1),
        3 => (libc::SIGTRAP, 1),
        0 | 4 | 6 => (libc::SIGBUS, 1),
        12 | 13 | 15 => {
            let mapped = env.machine().mem.space(c.data).and_then(|s| s.pte(machine::addr::offset_of(addr))).is_some();
            (libc::SIGSEGV, if mapped { 2 } else { 1 })
        }
        _ => (libc::SIGSYS, 0),
    };
    let sig = sig as u64;
    let [handler, _] = proc(env, proc_op::ACTION, &c, sig, 0);
    let [mask, _] = proc(env, proc_op::MASK, &c, 0, 0);
    if handler <= 1 || mask & (1 << (sig - 1)) != 0 {
        terminate(linux, env, &c, sig);
        return Ok(());
    }
    let mut info = [0u8; 128];
    info[0..4].copy_from_slice(&(sig as i32).to_le_bytes());
    info[8..12].copy_from_slice(&(code as i32).to_le_bytes());
    info[16..24].copy_from_slice(&addr.to_le_bytes());
    if !push_frame(env, &c, sig, handler, info) {
        terminate(linux, env, &c, libc::SIGSEGV as u64);
    }
    Ok(())
}

/// An interrupt from the runner: deliver what is pending to a thread that is not in a
/// syscall (a signal sent by another thread).
pub fn interrupt(linux: &mut Linux, env: &mut dyn Env) -> Result<(), machine::Fault> {
    if let Some(c) = enter(env) {
        deliver_pending(linux, env, &c);
    }
    Ok(())
}
