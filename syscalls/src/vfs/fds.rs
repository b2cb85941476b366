//! Descriptor-table syscalls: dup, dup3, fcntl, close_range.

use super::abi::o;
use super::fs::tri;
use super::wait::Who;
use super::{Backend, Regs, Vfs, fail, fowner, leases, locks, pipe, val};
use crate::service::{Env, err};

/// dup(fd): the lowest free descriptor, sharing the open file.
pub fn dup(v: &mut Vfs, pid: u32, fd: i32) -> Regs {
    let (id, _) = tri!(v.get(pid, fd));
    val(v.install(pid, id, false, 0))
}

/// dup3(old, new, flags) (dup2 is dup3 with flags 0 in the libcs, old == new checked
/// there).
pub fn dup3(v: &mut Vfs, env: &mut dyn Env, pid: u32, old: i32, new: i32, flags: i32) -> Regs {
    if flags & !o::CLOEXEC != 0 || old == new {
        return fail(libc::EINVAL);
    }
    let (file, _) = tri!(v.get(pid, old));
    if new < 0 || new as u64 >= v.tables.get(&pid).map_or(0, |t| t.limit) {
        return fail(libc::EBADF);
    }
    if v.file_of(pid, new).is_some() {
        v.close(env, pid, new);
    }
    if let Some(t) = v.tables.get_mut(&pid) {
        t.fds.insert(new, (file, flags & o::CLOEXEC != 0));
    }
    if let Some(f) = v.files.get_mut(&file) {
        f.refs += 1;
    }
    val(new as u64)
}

/// close_range(first, last, flags).
pub fn close_range(v: &mut Vfs, env: &mut dyn Env, who: Who, s: [u64; 5]) -> Regs {
    const CLOSE_RANGE_UNSHARE: u64 = 2;
    const CLOSE_RANGE_CLOEXEC: u64 = 4;
    let (first, last, flags) = (s[0] as u32, s[1] as u32, s[2]);
    if flags & !(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC) != 0 || first > last {
        return fail(libc::EINVAL);
    }
    let fds: Vec<i32> = v.tables.get(&who.pid).map(|t| t.fds.keys().copied().filter(|f| *f as u32 >= first && *f as u32 <= last).collect()).unwrap_or_default();
    for fd in fds {
        if flags & CLOSE_RANGE_CLOEXEC != 0 {
            if let Some(e) = v.tables.get_mut(&who.pid).and_then(|t| t.fds.get_mut(&fd)) {
                e.1 = true;
            }
        } else {
            v.close(env, who.pid, fd);
        }
    }
    val(0)
}

/// fcntl(fd, cmd, arg).
pub fn fcntl(v: &mut Vfs, env: &mut dyn Env, who: Who, s: [u64; 5]) -> Regs {
    use super::fowner::{F_GETOWN, F_GETOWN_EX, F_GETSIG, F_SETOWN, F_SETOWN_EX, F_SETSIG};
    const F_SETLEASE: i32 = 1024;
    const F_GETLEASE: i32 = 1025;
    const F_SETPIPE_SZ: i32 = 1031;
    const F_GETPIPE_SZ: i32 = 1032;
    const F_ADD_SEALS: i32 = 1033;
    const F_GET_SEALS: i32 = 1034;
    let pid = who.pid;
    let (fd, cmd, arg) = (s[0] as i32, s[1] as i32, s[2]);
    let (file, f) = tri!(v.get(pid, fd));
    match cmd {
        libc::F_DUPFD | libc::F_DUPFD_CLOEXEC => {
            let limit = v.tables.get(&pid).map_or(0, |t| t.limit);
            if arg as i32 as i64 as u64 >= limit || (arg as i32) < 0 {
                return fail(libc::EINVAL);
            }
            val(v.install(pid, file, cmd == libc::F_DUPFD_CLOEXEC, arg as i32))
        }
        libc::F_GETFD => val(v.tables.get(&pid).and_then(|t| t.fds.get(&fd)).map_or(0, |x| x.1 as u64)),
        libc::F_SETFD => {
            if let Some(e) = v.tables.get_mut(&pid).and_then(|t| t.fds.get_mut(&fd)) {
                e.1 = arg & 1 != 0;
            }
            val(0)
        }
        libc::F_GETFL => val(f.flags as u32 as u64),
        libc::F_SETFL => {
            // The access mode and the open-time flags cannot change.
            let settable = o::APPEND | o::NONBLOCK | o::ASYNC | o::DIRECT | o::NOATIME;
            if f.flags & o::PATH != 0 {
                return fail(libc::EBADF);
            }
            let new = (f.flags & !settable) | (arg as i32 & settable);
            if let Some(f) = v.files.get_mut(&file) {
                f.flags = new;
                // O_APPEND lives on the host descriptor too.
                if let Backend::Host(h) = &f.backend {
                    use std::os::fd::AsRawFd;
                    let host = nix::fcntl::fcntl(h.as_raw_fd(), nix::fcntl::F_GETFL).unwrap_or(0);
                    let want = if new & o::APPEND != 0 { host | libc::O_APPEND } else { host & !libc::O_APPEND };
                    let _ = nix::fcntl::fcntl(h.as_raw_fd(), nix::fcntl::F_SETFL(nix::fcntl::OFlag::from_bits_truncate(want)));
                }
            }
            val(0)
        }
        libc::F_GETLK | libc::F_SETLK | libc::F_SETLKW | libc::F_OFD_GETLK | libc::F_OFD_SETLK | libc::F_OFD_SETLKW => locks::fcntl_lock(v, env, who, fd, cmd, arg),
        F_SETOWN | F_GETOWN | F_SETSIG | F_GETSIG | F_SETOWN_EX | F_GETOWN_EX => fowner::fcntl(v, env, who, file, cmd, arg),
        F_GETLEASE => leases::fcntl(v, env, who, file, None),
        F_SETLEASE => leases::fcntl(v, env, who, file, Some(arg)),
        F_SETPIPE_SZ | F_GETPIPE_SZ => match f.backend {
            Backend::PipeRead(p) | Backend::PipeWrite(p) => {
                let privileged = cmd == F_SETPIPE_SZ && v.creds(env, who.pid).capable(crate::creds::cap::SYS_RESOURCE);
                val(pipe::size(v, p, (cmd == F_SETPIPE_SZ).then_some(arg as u32 as u64), privileged))
            }
            _ => fail(libc::EBADF),
        },
        // Seals live on the host memfd (the host enforces them on write and
        // truncate; mm asks before a shared writable mapping). Other files: EINVAL.
        F_ADD_SEALS | F_GET_SEALS => match &f.backend {
            Backend::Host(h) => {
                use std::os::fd::AsRawFd;
                // Sealing against writes while a guest mapping may write the file is
                // EBUSY (memfd_add_seals' mapping_deny_writable): the host cannot
                // tell, mm can. After the host's own EPERM/EINVAL checks.
                const F_SEAL_SEAL: i32 = 1;
                const F_SEAL_WRITE: i32 = 8;
                const F_ALL_SEALS: i32 = 0x3f;
                if cmd == F_ADD_SEALS && arg as i32 & F_SEAL_WRITE != 0 && arg as i32 & !F_ALL_SEALS == 0 && f.flags & libc::O_ACCMODE != libc::O_RDONLY {
                    let cur = super::host::seals(h.as_raw_fd(), false, 0).unwrap_or(F_SEAL_SEAL);
                    if cur & (F_SEAL_SEAL | F_SEAL_WRITE) == 0
                        && let Ok(m) = h.metadata()
                        && matches!(env.call(crate::service::ServiceId::Mm, crate::mm::op::SHARED_WRITERS, [who.word, std::os::unix::fs::MetadataExt::dev(&m), std::os::unix::fs::MetadataExt::ino(&m), 0, 0, 0], &[]), Ok([1, _]))
                    {
                        return fail(libc::EBUSY);
                    }
                }
                match super::host::seals(h.as_raw_fd(), cmd == F_ADD_SEALS, arg as u32) {
                    Ok(r) => val(r as u64),
                    Err(e) => fail(e),
                }
            }
            _ => fail(libc::EINVAL),
        },
        _ => val(err(libc::EINVAL)),
    }
}
