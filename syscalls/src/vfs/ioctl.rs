//! ioctl: the terminal requests on the console (answered from the host's terminal,
//! which the guest may read but not reconfigure), FIONREAD, FIONBIO, FIOCLEX/FIONCLEX;
//! loop devices' requests go to `loopdev`.

use super::abi::{self, o};
use super::fs::tri;
use super::wait::Who;
use super::{Backend, Regs, Vfs, fail, val};
use crate::service::{Env, err};
use std::os::fd::AsRawFd;

/// ioctl(fd, request, arg): the terminal requests on the console, FIONREAD, FIONBIO,
/// FIOCLEX/FIONCLEX.
pub fn ioctl(v: &mut Vfs, env: &mut dyn Env, who: Who, s: [u64; 5]) -> Regs {
    const TCGETS: u64 = 0x5401;
    const TCSETS: u64 = 0x5402;
    const TCSETSW: u64 = 0x5403;
    const TCSETSF: u64 = 0x5404;
    const TIOCGPGRP: u64 = 0x540f;
    const TIOCGWINSZ: u64 = 0x5413;
    const FIONREAD: u64 = 0x541b;
    const FIONBIO: u64 = 0x5421;
    const FIONCLEX: u64 = 0x5450;
    const FIOCLEX: u64 = 0x5451;
    const FICLONE: u64 = 0x4004_9409;
    const FICLONERANGE: u64 = 0x4020_940d;
    let fd = s[0] as i32;
    let (id, f) = tri!(v.get(who.pid, fd));
    if f.flags & o::PATH != 0 {
        return fail(libc::EBADF);
    }
    // Block devices and loop-control answer everything but the generic fd requests.
    if let Backend::Block(n) = f.backend {
        if !matches!(s[1] as u32 as u64, FIONBIO | FIOCLEX | FIONCLEX) {
            return super::loopdev::ioctl(v, env, who, id, n, s[1] as u32, s[2]);
        }
    }
    // Socket requests (SIOC*: type 0x89) of sockets.
    if matches!(f.backend, Backend::Unix(_) | Backend::Inet(_)) && super::netdev::is_request(s[1] as u32) {
        return super::netdev::ioctl(v, env, who, id, s[1] as u32, s[2]);
    }
    let tty_fd = match f.backend {
        Backend::Console(h) if nix::unistd::isatty(h).unwrap_or(false) => Some(h),
        _ => None,
    };
    match s[1] as u32 as u64 {
        TCGETS => {
            let Some(h) = tty_fd else { return fail(libc::ENOTTY) };
            let t = match nix::sys::termios::tcgetattr(unsafe_borrow(h)) {
                Ok(t) => libc::termios::from(t),
                Err(e) => return fail(e as i32),
            };
            // The kernel's struct termios (asm-generic): four flag words, the line
            // discipline and 19 control characters.
            let mut b = [0u8; 36];
            abi::put(&mut b, 0, &t.c_iflag.to_le_bytes());
            abi::put(&mut b, 4, &t.c_oflag.to_le_bytes());
            abi::put(&mut b, 8, &t.c_cflag.to_le_bytes());
            abi::put(&mut b, 12, &t.c_lflag.to_le_bytes());
            b[16] = t.c_line;
            b[17..36].copy_from_slice(&t.c_cc[..19]);
            env.write(s[2], &b)?;
            val(0)
        }
        // The guest may not reconfigure the host's terminal: accepted, not applied.
        TCSETS | TCSETSW | TCSETSF => val(if tty_fd.is_some() { 0 } else { err(libc::ENOTTY) }),
        TIOCGWINSZ => {
            let Some(h) = tty_fd else { return fail(libc::ENOTTY) };
            let mut ws = libc::winsize { ws_row: 24, ws_col: 80, ws_xpixel: 0, ws_ypixel: 0 };
            // SAFETY: TIOCGWINSZ writes one struct winsize.
            unsafe { libc::ioctl(h, libc::TIOCGWINSZ, &mut ws) };
            let mut b = [0u8; 8];
            abi::put(&mut b, 0, &ws.ws_row.to_le_bytes());
            abi::put(&mut b, 2, &ws.ws_col.to_le_bytes());
            abi::put(&mut b, 4, &ws.ws_xpixel.to_le_bytes());
            abi::put(&mut b, 6, &ws.ws_ypixel.to_le_bytes());
            env.write(s[2], &b)?;
            val(0)
        }
        TIOCGPGRP => {
            if tty_fd.is_none() {
                return fail(libc::ENOTTY);
            }
            env.write(s[2], &(who.pid as i32).to_le_bytes())?;
            val(0)
        }
        FIONREAD => {
            let n: i64 = match &f.backend {
                // Either end of a pipe counts the bytes in it (pipe_ioctl).
                Backend::PipeRead(p) | Backend::PipeWrite(p) => v.pipes.get(p).map_or(0, |p| p.len() as i64),
                Backend::Inotify => v.inotify.get(&id).map_or(0, |i| i.pending() as i64),
                Backend::Unix(sk) => v.unix.readable_bytes(*sk) as i64,
                Backend::Inet(i) => tri!(super::host::pending_bytes(i.fd.as_raw_fd())) as i64,
                Backend::Console(h) => super::host::pending_bytes(*h).unwrap_or(0) as i64,
                Backend::Host(h) => {
                    let pos = h.stream_position_of();
                    h.metadata().map_or(0, |m| m.len() as i64 - pos)
                }
                _ => return fail(libc::ENOTTY),
            };
            env.write(s[2], &(n.clamp(0, i32::MAX as i64) as i32).to_le_bytes())?;
            val(0)
        }
        FIONBIO => {
            let mut b = [0u8; 4];
            env.read(s[2], &mut b)?;
            if let Some(f) = v.files.get_mut(&id) {
                if u32::from_le_bytes(b) != 0 {
                    f.flags |= o::NONBLOCK;
                } else {
                    f.flags &= !o::NONBLOCK;
                }
            }
            val(0)
        }
        FICLONE | FICLONERANGE => {
            let (src, range) = if s[1] as u32 as u64 == FICLONE {
                (s[2] as i32, None)
            } else {
                let mut b = [0u8; 32];
                env.read(s[2], &mut b)?;
                (abi::u64_at(&b, 0) as i32, Some(b))
            };
            clone(v, who, id, src, range)
        }
        FIOCLEX | FIONCLEX => {
            if let Some(e) = v.tables.get_mut(&who.pid).and_then(|t| t.fds.get_mut(&fd)) {
                e.1 = s[1] as u32 as u64 == FIOCLEX;
            }
            val(0)
        }
        _ => fail(libc::ENOTTY),
    }
}

/// FICLONE (`range` None) and FICLONERANGE (its struct file_clone_range) into open
/// file `dst` from descriptor `src`: ioctl_file_clone's checks, then the host's file
/// system clones or answers why not (EOPNOTSUPP without reflinks).
fn clone(v: &Vfs, who: Who, dst: u64, src: i32, range: Option<[u8; 32]>) -> Regs {
    let (_, sf) = tri!(v.get(who.pid, src));
    let Some(df) = v.files.get(&dst) else { return fail(libc::EBADF) };
    if sf.flags & o::PATH != 0 {
        return fail(libc::EBADF);
    }
    let (sh, dh) = match (&sf.backend, &df.backend) {
        (Backend::Host(a), Backend::Host(b)) => (a.as_raw_fd(), b.as_raw_fd()),
        (Backend::Dir(_), _) | (_, Backend::Dir(_)) => return fail(libc::EISDIR),
        // Not on the same mount as a host file (a pipe, /proc, a device).
        _ => return fail(libc::EXDEV),
    };
    if sf.flags & o::ACCMODE == o::WRONLY || df.flags & o::ACCMODE == o::RDONLY || df.flags & o::APPEND != 0 {
        return fail(libc::EBADF);
    }
    let r = match range {
        None => super::host::ioctl_int(dh, libc::FICLONE, sh as u64),
        Some(mut b) => {
            abi::put(&mut b, 0, &(sh as i64).to_le_bytes());
            super::host::ioctl_ptr(dh, libc::FICLONERANGE, b.as_mut_ptr().cast())
        }
    };
    match r {
        Ok(_) => val(0),
        Err(e) => fail(e),
    }
}

/// The current offset of a host file, without needing it mutable.
trait StreamPos {
    fn stream_position_of(&self) -> i64;
}

impl StreamPos for std::fs::File {
    fn stream_position_of(&self) -> i64 {
        nix::unistd::lseek(self.as_raw_fd(), 0, nix::unistd::Whence::SeekCur).unwrap_or(0)
    }
}

/// A host descriptor the console owns, borrowed for one call.
fn unsafe_borrow(fd: i32) -> std::os::fd::BorrowedFd<'static> {
    // SAFETY: console descriptors (0, 1, 2) stay open for the emulator's lifetime.
    unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) }
}
