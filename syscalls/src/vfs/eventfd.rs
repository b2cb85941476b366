//! eventfd: a 64-bit counter that writes add to and reads take (all of it, or one at a
//! time with EFD_SEMAPHORE).

use super::abi::{ev, o};
use super::io::Stop;
use super::wait::{WaitSet, Who};
use super::{Backend, Regs, Vfs, fail};
use crate::service::Env;

/// The largest value the counter holds.
const MAX: u64 = u64::MAX - 1;
const EFD_SEMAPHORE: i32 = 1;

/// An eventfd's state (part of its open file description).
#[derive(Debug, Default)]
pub struct EventFd {
    pub count: u64,
    pub semaphore: bool,
    /// Bumped at every change (edge-triggered epoll).
    pub generation: u64,
}

impl EventFd {
    /// Poll events.
    pub fn events(&self) -> u32 {
        let mut e = 0;
        if self.count > 0 {
            e |= ev::IN | ev::RDNORM;
        }
        if self.count < MAX {
            e |= ev::OUT | ev::WRNORM;
        }
        e
    }
}

/// eventfd2(initval, flags).
pub fn create(v: &mut Vfs, env: &mut dyn Env, who: Who, init: u32, flags: i32) -> Regs {
    if flags & !(o::CLOEXEC | o::NONBLOCK | EFD_SEMAPHORE) != 0 {
        return fail(libc::EINVAL);
    }
    let e = EventFd { count: init as u64, semaphore: flags & EFD_SEMAPHORE != 0, generation: 0 };
    let id = v.new_file(Backend::Event(e), o::RDWR | (flags & o::NONBLOCK), "anon_inode:[eventfd]".into());
    Ok([v.install_new(env, who.pid, id, flags & o::CLOEXEC != 0), 0])
}

fn state(v: &mut Vfs, id: u64) -> Option<(&mut EventFd, bool)> {
    let f = v.files.get_mut(&id)?;
    let nonblock = f.flags & o::NONBLOCK != 0;
    match &mut f.backend {
        Backend::Event(e) => Some((e, nonblock)),
        _ => None,
    }
}

/// read: the 8-byte counter value (or 1), waiting while it is 0.
pub fn read(v: &mut Vfs, env: &mut dyn Env, who: Who, id: u64, len: usize) -> Result<Vec<u8>, Stop> {
    if len < 8 {
        return Err(Stop::Err(libc::EINVAL));
    }
    let Some((e, nonblock)) = state(v, id) else { return Err(Stop::Err(libc::EBADF)) };
    if e.count == 0 {
        if nonblock {
            return Err(Stop::Err(libc::EAGAIN));
        }
        return Err(Stop::Block(v.waits.block(env, who, &WaitSet::default())));
    }
    let got = if e.semaphore { 1 } else { e.count };
    e.count -= got;
    e.generation += 1;
    Ok(got.to_le_bytes().to_vec())
}

/// write: adds the 8-byte value, waiting while it would overflow.
pub fn write(v: &mut Vfs, env: &mut dyn Env, who: Who, id: u64, data: &[u8]) -> Result<usize, Stop> {
    let Some(b) = data.get(..8) else { return Err(Stop::Err(libc::EINVAL)) };
    let add = u64::from_le_bytes(b.try_into().unwrap_or_default());
    if add == u64::MAX {
        return Err(Stop::Err(libc::EINVAL));
    }
    let Some((e, nonblock)) = state(v, id) else { return Err(Stop::Err(libc::EBADF)) };
    if MAX - e.count < add {
        if nonblock {
            return Err(Stop::Err(libc::EAGAIN));
        }
        return Err(Stop::Block(v.waits.block(env, who, &WaitSet::default())));
    }
    e.count += add;
    e.generation += 1;
    Ok(8)
}
