//! The POSIX message queue syscalls (mq_open, mq_unlink, mq_timedsend,
//! mq_timedreceive, mq_notify, mq_getsetattr) over `mq`'s queues. A queue descriptor
//! is a vfs file descriptor (`vfs::mq`): each call asks the vfs which queue a
//! descriptor names and how it was opened.
//!
//! Notifications: SIGEV_SIGNAL (queued to the registering process by proc, si_code
//! SI_MESGQ, si_pid and si_uid of the sender, si_value as registered) and SIGEV_NONE.
//! SIGEV_THREAD (a netlink socket in the libcs) is refused with EINVAL.

use super::abi;
use super::mq::{MqAttr, Open, HARD_MSGSIZEMAX, SIGEV_SIGNAL, SIGEV_THREAD};
use super::caller::{creds, fail, stopped, timed, timespec_ns, umask, val, wake, Regs, Who};
use super::namespace::Ipc;
use crate::proc::op as proc_op;
use crate::service::{is_err, Env, ServiceId};
use crate::sysno as nr;
use crate::vfs::op as vfs_op;

/// si_code of an mq notification.
pub const SI_MESGQ: i32 = -3;

/// The queue of descriptor `fd` of the caller and how it was opened, or EBADF.
fn lookup(env: &mut dyn Env, who: &Who, fd: u64) -> Result<(u64, Open), i32> {
    match env.call(ServiceId::Vfs, vfs_op::MQ_LOOKUP, [who.word, fd as i32 as i64 as u64, 0, 0, 0, 0], &[]) {
        Ok([q, flags]) if !is_err(q) => Ok((q, Open::from_flags(flags as i32))),
        Ok([e, _]) if is_err(e) => Err(-(e as i64) as i32),
        _ => Err(libc::EBADF),
    }
}

/// The lent NUL-terminated name at `p` (`len` bytes with the NUL), without it.
fn name(env: &mut dyn Env, p: u64, len: u64) -> Result<String, i32> {
    if p == 0 || len == 0 {
        return Err(libc::EFAULT);
    }
    let mut b = vec![0u8; len as usize];
    env.read(p, &mut b).map_err(|_| libc::EFAULT)?;
    let end = b.iter().position(|c| *c == 0).unwrap_or(b.len());
    Ok(String::from_utf8_lossy(&b[..end]).into_owned())
}

/// What a timed send or receive checks first, in Linux's order: the absolute
/// timeout (EINVAL/EFAULT), then the descriptor (EBADF).
fn timed_queue(env: &mut dyn Env, who: &Who, fd: u64, ts: u64) -> Result<(Option<u128>, u64, Open), i32> {
    let timeout = abs_timeout(env, ts)?;
    let (q, o) = lookup(env, who, fd)?;
    Ok((timeout, q, o))
}

/// An absolute CLOCK_REALTIME timeout at `p` (0: none) as nanoseconds from now, or
/// EINVAL for a malformed one.
fn abs_timeout(env: &mut dyn Env, p: u64) -> Result<Option<u128>, i32> {
    if p == 0 {
        return Ok(None);
    }
    let mut t = [0u8; 16];
    env.read(p, &mut t).map_err(|_| libc::EFAULT)?;
    let at = timespec_ns(&t)?;
    Ok(Some(at.saturating_sub(crate::time::now_ns(libc::CLOCK_REALTIME))))
}

/// The mq_* syscalls. The personality lends mq_open's and mq_unlink's name with its
/// length in the last argument register (`lends::qualify`).
pub fn mq(ipc: &mut Ipc, env: &mut dyn Env, who: &mut Who, n: u64, s: [u64; 5]) -> Regs {
    match n {
        nr::MQ_OPEN => {
            let (oflag, mode, attr_p, name_len) = (s[1] as i32, s[2] as u32, s[3], s[4]);
            let name = match name(env, s[0], name_len) {
                Ok(n) => n,
                Err(e) => return fail(e),
            };
            let attr = if attr_p != 0 && oflag & libc::O_CREAT != 0 {
                let mut b = [0u8; abi::MQ_ATTR_SIZE];
                if env.read(attr_p, &mut b).is_err() {
                    return fail(libc::EFAULT);
                }
                Some(abi::read_mq_attr(&b))
            } else {
                None
            };
            let c = match creds(env, who) {
                Ok(c) => c,
                Err(e) => return fail(e),
            };
            let mask = if oflag & libc::O_CREAT != 0 { umask(env, who) } else { 0 };
            let q = match ipc.mq.open(&name, oflag, mode, attr, mask, &c) {
                Ok(q) => q,
                Err(e) => return fail(e),
            };
            match env.call(ServiceId::Vfs, vfs_op::MQ_INSTALL, [who.word, q, oflag as u32 as u64, 0, 0, 0], &[]) {
                Ok([fd, _]) if !is_err(fd) => val(fd),
                r => {
                    ipc.mq.close(q, 0);
                    val(r.map_or(crate::service::err(libc::EMFILE), |v| v[0]))
                }
            }
        }
        nr::MQ_UNLINK => {
            let name = match name(env, s[0], s[4]) {
                Ok(n) => n,
                Err(e) => return fail(e),
            };
            let c = match creds(env, who) {
                Ok(c) => c,
                Err(e) => return fail(e),
            };
            match ipc.mq.unlink(&name, &c) {
                Ok(()) => val(0),
                Err(e) => fail(e),
            }
        }
        nr::MQ_TIMEDSEND => {
            let (fd, p, len, prio, ts) = (s[0], s[1], s[2], s[3], s[4]);
            if prio >= super::mq::MQ_PRIO_MAX as u64 {
                return fail(libc::EINVAL);
            }
            let (timeout, q, o) = match timed_queue(env, who, fd, ts) {
                Ok(x) => x,
                Err(e) => return fail(e),
            };
            if len > HARD_MSGSIZEMAX as u64 {
                return fail(if o.writable { libc::EMSGSIZE } else { libc::EBADF });
            }
            let mut msg = vec![0u8; len as usize];
            if env.read(p, &mut msg).is_err() {
                return fail(libc::EFAULT);
            }
            match timed(env, who, timeout, |w| ipc.mq.send(q, o, &msg, prio as u32, w.attempt)) {
                Ok(sent) => {
                    wake(env, &sent.wake);
                    if let Some(nt) = sent.notify.filter(|nt| nt.notify == SIGEV_SIGNAL) {
                        let uid = creds(env, who).map_or(0, |c| c.uid);
                        let from = who.pid as u64 | (uid as u64) << 32;
                        let _ = env.call(ServiceId::Proc, proc_op::QUEUE_SIGNAL, [who.word, nt.pid as u64, nt.signo as u64, SI_MESGQ as i64 as u64, nt.value, from], &[]);
                    }
                    val(0)
                }
                Err(e) => stopped(e),
            }
        }
        nr::MQ_TIMEDRECEIVE => {
            let (fd, p, len, prio_p, ts) = (s[0], s[1], s[2], s[3], s[4]);
            let (timeout, q, o) = match timed_queue(env, who, fd, ts) {
                Ok(x) => x,
                Err(e) => return fail(e),
            };
            match timed(env, who, timeout, |w| ipc.mq.receive(q, o, len as usize, w.tid as i32, w.attempt)) {
                Ok((msg, prio, keys)) => {
                    // Linux copies the message out after taking it, as here.
                    if env.write(p, &msg).is_err() || (prio_p != 0 && env.write(prio_p, &prio.to_le_bytes()).is_err()) {
                        return fail(libc::EFAULT);
                    }
                    wake(env, &keys);
                    val(msg.len() as u64)
                }
                Err(e) => stopped(e),
            }
        }
        nr::MQ_NOTIFY => {
            let (fd, sevp) = (s[0], s[1]);
            let ev = if sevp == 0 {
                None
            } else {
                let mut b = [0u8; abi::SIGEVENT_SIZE];
                if env.read(sevp, &mut b).is_err() {
                    return fail(libc::EFAULT);
                }
                Some(abi::read_sigevent(&b, who.pid as i32))
            };
            if ev.is_some_and(|e| e.notify == SIGEV_THREAD) {
                return fail(libc::EINVAL);
            }
            let (q, _) = match lookup(env, who, fd) {
                Ok(x) => x,
                Err(e) => return fail(e),
            };
            match ipc.mq.notify(q, who.pid as i32, ev) {
                Ok(()) => val(0),
                Err(e) => fail(e),
            }
        }
        nr::MQ_GETSETATTR => {
            let (fd, new_p, old_p) = (s[0], s[1], s[2]);
            let new = if new_p == 0 {
                None
            } else {
                let mut b = [0u8; abi::MQ_ATTR_SIZE];
                if env.read(new_p, &mut b).is_err() {
                    return fail(libc::EFAULT);
                }
                Some(abi::read_mq_attr(&b))
            };
            let (q, o) = match lookup(env, who, fd) {
                Ok(x) => x,
                Err(e) => return fail(e),
            };
            let (old, nonblock): (MqAttr, bool) = match ipc.mq.getsetattr(q, o, new.map(|a| a.flags)) {
                Ok(x) => x,
                Err(e) => return fail(e),
            };
            if new.is_some() {
                let _ = env.call(ServiceId::Vfs, vfs_op::MQ_SETFL, [who.word, fd, nonblock as u64, 0, 0, 0], &[]);
            }
            if old_p != 0 && env.write(old_p, &abi::mq_attr(&old)).is_err() {
                return fail(libc::EFAULT);
            }
            val(0)
        }
        _ => fail(libc::ENOSYS),
    }
}
