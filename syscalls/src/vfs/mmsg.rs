//! Several messages in one call: sendmmsg and recvmmsg over an array of
//! `struct mmsghdr` (a msghdr and the byte count the call writes back), and readahead.
//!
//! Each message goes through sendmsg/recvmsg; the first may block as they do, the rest
//! are taken only if they need no wait (recvmmsg then returns as with MSG_WAITFORONE).
//! An error after some messages ends the call with the count so far, as Linux's does.

use super::fs::tri;
use super::io::seekable;
use super::net::{self, UIO_MAXIOV};
use super::wait::Who;
use super::{Backend, Regs, Vfs, fail, host, val};
use crate::service::{BLOCK, Env, is_err};
use std::os::fd::AsRawFd;

/// Size of `struct mmsghdr` (a 56-byte msghdr, the u32 msg_len, padding).
pub const MMSGHDR_SIZE: u64 = 64;
/// Where msg_len sits in it.
pub const MSG_LEN: u64 = 56;
const MSG_DONTWAIT: i32 = 0x40;
const MSG_WAITFORONE: i32 = 0x10000;

/// sendmmsg(fd, msgvec*, vlen, flags) and recvmmsg(fd, msgvec*, vlen, flags, timeout*).
pub fn mmsg(v: &mut Vfs, env: &mut dyn Env, who: Who, recv: bool, s: [u64; 5]) -> Regs {
    let (fd, vec, vlen, flags) = (s[0] as i32, s[1], s[2].min(UIO_MAXIOV), s[3] as i32);
    tri!(v.get(who.pid, fd));
    if recv && s[4] != 0 {
        // The timeout is read (EFAULT, EINVAL as Linux's) but not applied.
        let mut b = [0u8; 16];
        env.read(s[4], &mut b)?;
        if super::abi::timespec_ns(&b).is_none() {
            return fail(libc::EINVAL);
        }
    }
    let mut done = 0u64;
    while done < vlen {
        let msg = vec.wrapping_add(done * MMSGHDR_SIZE);
        let f = if done > 0 { flags | MSG_DONTWAIT } else { flags & !MSG_WAITFORONE };
        let r = if recv { net::recvmsg(v, env, who, fd, msg, f)? } else { net::sendmsg(v, env, who, fd, msg, f)? };
        if r[0] == BLOCK || is_err(r[0]) {
            if done == 0 {
                return Ok(r);
            }
            break;
        }
        env.write(msg.wrapping_add(MSG_LEN), &(r[0] as u32).to_le_bytes())?;
        done += 1;
    }
    val(done)
}

/// readahead(fd, offset, count): a hint, taken for regular files only.
pub fn readahead(v: &mut Vfs, who: Who, s: [u64; 5]) -> Regs {
    let (_, f) = tri!(v.get(who.pid, s[0] as i32));
    if f.flags & super::abi::o::PATH != 0 || f.flags & super::abi::o::ACCMODE == super::abi::o::WRONLY {
        return fail(libc::EBADF);
    }
    match &f.backend {
        Backend::Host(h) if seekable(&f.backend) && host::is_regular(h.as_raw_fd()) => val(0),
        _ => fail(libc::EINVAL),
    }
}
