//! POSIX message queue descriptors: mq_open's descriptors are file descriptors, so
//! they live in the vfs's fd tables as open files of kind `Backend::Mq(queue)`. The
//! queues themselves are ipc's: ipc opens a queue and asks the vfs to install a
//! descriptor for it (`op::MQ_INSTALL`), and for each mq_* call on a descriptor asks
//! which queue it names and how it was opened (`op::MQ_LOOKUP`, O_NONBLOCK changed by
//! mq_setattr through `op::MQ_SETFL`). Descriptors are dup'ed, inherited by fork and
//! closed like any other; closing one tells ipc (`ipc::op::MQ_FLUSH`: the closing
//! process's notification goes, as Linux's flush does), and the description's last
//! close releases the queue (`ipc::op::MQ_RELEASE`: an unlinked queue then dies).
//!
//! read, write and poll on a queue descriptor are not supported (EINVAL; never
//! ready), as mq_receive/mq_send are the way in and out.

use super::abi::o;
use super::wait::Who;
use super::{Backend, Regs, Vfs, fail, op, val};
use crate::ipc::op as ipc_op;
use crate::service::{Env, ServiceId};

/// The vfs's mq ops (ipc calls them with the caller's word).
pub fn handle(v: &mut Vfs, who: Who, n: u64, s: [u64; 5]) -> Regs {
    match n {
        // a1 = queue, a2 = mq_open's oflag: a close-on-exec descriptor (mq_open's
        // are), or -EMFILE.
        op::MQ_INSTALL => {
            let flags = (s[1] as i32) & (o::ACCMODE | o::NONBLOCK);
            let id = v.new_file(Backend::Mq(s[0]), flags, format!("mqueue:[{}]", s[0]));
            let fd = v.install(who.pid, id, true, 0);
            if crate::service::is_err(fd) {
                // Never installed: forget it without telling ipc (it undoes its open).
                v.files.remove(&id);
            }
            val(fd)
        }
        // a1 = fd: a0 = the queue, a1 = the description's flags; -EBADF for a
        // descriptor that is not a queue's.
        op::MQ_LOOKUP => match v.get(who.pid, s[0] as i32) {
            Ok((_, f)) => match f.backend {
                Backend::Mq(q) => Ok([q, f.flags as u32 as u64]),
                _ => fail(libc::EBADF),
            },
            Err(e) => fail(e),
        },
        // a1 = fd, a2 = 1 for O_NONBLOCK.
        op::MQ_SETFL => match v.get(who.pid, s[0] as i32) {
            Ok((id, f)) if matches!(f.backend, Backend::Mq(_)) => {
                if let Some(f) = v.files.get_mut(&id) {
                    f.flags = if s[1] == 1 { f.flags | o::NONBLOCK } else { f.flags & !o::NONBLOCK };
                }
                val(0)
            }
            Ok(_) => fail(libc::EBADF),
            Err(e) => fail(e),
        },
        _ => fail(libc::ENOSYS),
    }
}

/// A descriptor of open file `file` was closed by process `pid`.
pub fn closed(v: &Vfs, env: &mut dyn Env, pid: u32, file: u64) {
    if let Some(Backend::Mq(q)) = v.files.get(&file).map(|f| &f.backend) {
        let _ = env.call(ServiceId::Ipc, ipc_op::MQ_FLUSH, [(pid as u64) << 32, *q, 0, 0, 0, 0], &[]);
    }
}

/// The last descriptor of queue `q`'s open description went.
pub fn released(env: &mut dyn Env, q: u64) {
    let _ = env.call(ServiceId::Ipc, ipc_op::MQ_RELEASE, [0, q, 0, 0, 0, 0], &[]);
}
