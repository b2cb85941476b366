//! Vectored I/O: readv, writev, preadv, pwritev as a sequence of single-buffer calls
//! to vfs, each lending exactly one iovec's bytes.

use crate::linux::{Caller, Linux};
use syscalls::service::{err, is_err, BLOCK};
use syscalls::sysno as nr;
use syscalls::{Env, Lend, ServiceId};

/// Most iovecs one call may pass (UIO_MAXIOV).
const IOV_MAX: u64 = 1024;

/// readv/writev (`at` = None) and preadv/pwritev (`at` = the file offset).
pub fn iov(linux: &mut Linux, env: &mut dyn Env, c: &Caller, a: [u64; 6], write: bool, at: Option<u64>) -> u64 {
    let (fd, iov, cnt) = (a[0], a[1], a[2]);
    if cnt > IOV_MAX {
        return err(libc::EINVAL);
    }
    let mut total = 0u64;
    for i in 0..cnt {
        let (Some(base), Some(len)) = (Linux::read_u64(env, c.q(iov.wrapping_add(i * 16))), Linux::read_u64(env, c.q(iov.wrapping_add(i * 16 + 8)))) else {
            return if total > 0 { total } else { err(libc::EFAULT) };
        };
        if len == 0 {
            continue;
        }
        let (op, lend) = if write {
            (if at.is_some() { nr::PWRITE64 } else { nr::WRITE }, Lend::read(c.q(base), len))
        } else {
            (if at.is_some() { nr::PREAD64 } else { nr::READ }, Lend::write(c.q(base), len))
        };
        let r = linux.svc(env, ServiceId::Vfs, op, c, [fd, c.q(base), len, at.map_or(0, |o| o.wrapping_add(total)), 0], &[lend]);
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
