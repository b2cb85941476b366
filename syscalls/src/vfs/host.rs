//! Host system calls on raw descriptors: readiness checks, the host epoll sets blocked
//! threads wait on, and the socket calls behind AF_INET/AF_INET6.
//!
//! Each function is a safe wrapper around one libc call; errors come back as positive
//! errnos. Host sockets are always nonblocking: a guest that must wait is blocked by
//! the scheduler on the descriptor (a HOSTFD wait), never inside a host call.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO)
}

/// The poll events of host `fd` right now (0 timeout).
pub fn poll_now(fd: RawFd, events: i16) -> i16 {
    let mut p = libc::pollfd { fd, events, revents: 0 };
    // SAFETY: one valid pollfd, count 1, no timeout.
    let n = unsafe { libc::poll(&mut p, 1, 0) };
    if n == 1 { p.revents } else { 0 }
}

/// Whether host `fd` is a regular file (such files cannot be polled by epoll).
pub fn is_regular(fd: RawFd) -> bool {
    // SAFETY: fstat writes one struct stat into `st`, which outlives the call.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::fstat(fd, &mut st) };
    r == 0 && st.st_mode & libc::S_IFMT == libc::S_IFREG
}

/// A host epoll instance gathering the descriptors one blocked thread waits on, so the
/// scheduler waits on one descriptor whatever the number of sockets.
#[derive(Debug)]
pub struct HostSet(OwnedFd);

impl HostSet {
    /// A new, empty set.
    pub fn new() -> Result<HostSet, i32> {
        // SAFETY: plain syscall; the result is a new descriptor we own.
        let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if fd < 0 {
            return Err(errno());
        }
        // SAFETY: fd was just created and is owned by nobody else.
        Ok(HostSet(unsafe { OwnedFd::from_raw_fd(fd) }))
    }

    /// Adds `fd` for poll `events`.
    pub fn add(&self, fd: RawFd, events: i16) -> Result<(), i32> {
        let mut e = libc::epoll_event { events: events as u16 as u32, u64: fd as u64 };
        // SAFETY: e is a valid epoll_event for the duration of the call.
        let r = unsafe { libc::epoll_ctl(self.0.as_raw_fd(), libc::EPOLL_CTL_ADD, fd, &mut e) };
        if r < 0 { Err(errno()) } else { Ok(()) }
    }

    /// The descriptor to wait on.
    pub fn fd(&self) -> RawFd {
        self.0.as_raw_fd()
    }
}

/// A new nonblocking, close-on-exec host socket.
pub fn socket(domain: i32, ty: i32, protocol: i32) -> Result<OwnedFd, i32> {
    // SAFETY: plain syscall.
    let fd = unsafe { libc::socket(domain, ty | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC, protocol) };
    if fd < 0 {
        return Err(errno());
    }
    // SAFETY: fd was just created and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// bind(2) with the raw sockaddr bytes `addr`.
pub fn bind(fd: RawFd, addr: &[u8]) -> Result<(), i32> {
    // SAFETY: addr is readable for addr.len() bytes; the kernel checks the contents.
    let r = unsafe { libc::bind(fd, addr.as_ptr().cast(), addr.len() as u32) };
    if r < 0 { Err(errno()) } else { Ok(()) }
}

/// connect(2) with the raw sockaddr bytes `addr`.
pub fn connect(fd: RawFd, addr: &[u8]) -> Result<(), i32> {
    // SAFETY: as for bind.
    let r = unsafe { libc::connect(fd, addr.as_ptr().cast(), addr.len() as u32) };
    if r < 0 { Err(errno()) } else { Ok(()) }
}

/// listen(2).
pub fn listen(fd: RawFd, backlog: i32) -> Result<(), i32> {
    // SAFETY: plain syscall.
    let r = unsafe { libc::listen(fd, backlog) };
    if r < 0 { Err(errno()) } else { Ok(()) }
}

/// accept4(2): the new (nonblocking) socket and the peer's address.
pub fn accept(fd: RawFd) -> Result<(OwnedFd, Vec<u8>), i32> {
    let mut addr = [0u8; 128];
    let mut len = addr.len() as u32;
    // SAFETY: addr has room for len bytes; len is updated by the kernel.
    let r = unsafe { libc::accept4(fd, addr.as_mut_ptr().cast(), &mut len, libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC) };
    if r < 0 {
        return Err(errno());
    }
    // SAFETY: r is a new descriptor we own.
    let owned = unsafe { OwnedFd::from_raw_fd(r) };
    Ok((owned, addr[..(len as usize).min(addr.len())].to_vec()))
}

/// sendto(2), nonblocking and without SIGPIPE on the host.
pub fn send(fd: RawFd, buf: &[u8], flags: i32, to: Option<&[u8]>) -> Result<usize, i32> {
    let flags = flags | libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL;
    let (ap, al) = match to {
        Some(a) => (a.as_ptr(), a.len() as u32),
        None => (std::ptr::null(), 0),
    };
    // SAFETY: buf and the optional address are readable for their lengths.
    let r = unsafe { libc::sendto(fd, buf.as_ptr().cast(), buf.len(), flags, ap.cast(), al) };
    if r < 0 { Err(errno()) } else { Ok(r as usize) }
}

/// recvmsg(2) into `buf`, nonblocking: (bytes, sender address, msg_flags).
pub fn recv(fd: RawFd, buf: &mut [u8], flags: i32) -> Result<(usize, Vec<u8>, i32), i32> {
    let mut addr = [0u8; 128];
    let mut iov = libc::iovec { iov_base: buf.as_mut_ptr().cast(), iov_len: buf.len() };
    // SAFETY: msghdr is plain data; the pointers set below outlive the call.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_name = addr.as_mut_ptr().cast();
    msg.msg_namelen = addr.len() as u32;
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    // SAFETY: msg describes valid buffers (addr, buf) for the call.
    let r = unsafe { libc::recvmsg(fd, &mut msg, flags | libc::MSG_DONTWAIT) };
    if r < 0 {
        return Err(errno());
    }
    let alen = (msg.msg_namelen as usize).min(addr.len());
    Ok((r as usize, addr[..alen].to_vec(), msg.msg_flags))
}

/// getsockname(2) (`peer` false) or getpeername(2) (`peer` true).
pub fn name(fd: RawFd, peer: bool) -> Result<Vec<u8>, i32> {
    let mut addr = [0u8; 128];
    let mut len = addr.len() as u32;
    // SAFETY: addr has room for len bytes.
    let r = unsafe { if peer { libc::getpeername(fd, addr.as_mut_ptr().cast(), &mut len) } else { libc::getsockname(fd, addr.as_mut_ptr().cast(), &mut len) } };
    if r < 0 {
        return Err(errno());
    }
    Ok(addr[..(len as usize).min(addr.len())].to_vec())
}

/// setsockopt(2) with the raw option bytes.
pub fn setsockopt(fd: RawFd, level: i32, name: i32, val: &[u8]) -> Result<(), i32> {
    // SAFETY: val is readable for its length.
    let r = unsafe { libc::setsockopt(fd, level, name, val.as_ptr().cast(), val.len() as u32) };
    if r < 0 { Err(errno()) } else { Ok(()) }
}

/// getsockopt(2): at most `cap` bytes of the option.
pub fn getsockopt(fd: RawFd, level: i32, name: i32, cap: usize) -> Result<Vec<u8>, i32> {
    let mut v = vec![0u8; cap.min(256)];
    let mut len = v.len() as u32;
    // SAFETY: v has room for len bytes.
    let r = unsafe { libc::getsockopt(fd, level, name, v.as_mut_ptr().cast(), &mut len) };
    if r < 0 {
        return Err(errno());
    }
    v.truncate(len as usize);
    Ok(v)
}

/// shutdown(2).
pub fn shutdown(fd: RawFd, how: i32) -> Result<(), i32> {
    // SAFETY: plain syscall.
    let r = unsafe { libc::shutdown(fd, how) };
    if r < 0 { Err(errno()) } else { Ok(()) }
}

/// ioctl(fd, req, n) with an integer argument.
pub fn ioctl_int(fd: RawFd, req: u64, n: u64) -> Result<i32, i32> {
    // SAFETY: the request takes its argument by value.
    let r = unsafe { libc::ioctl(fd, req as _, n as libc::c_ulong) };
    if r < 0 { Err(errno()) } else { Ok(r) }
}

/// ioctl(fd, req, p) with a pointer to a structure of the request's size.
pub fn ioctl_ptr(fd: RawFd, req: u64, p: *mut libc::c_void) -> Result<i32, i32> {
    // SAFETY: the caller passes a buffer as large as the request reads and writes.
    let r = unsafe { libc::ioctl(fd, req as _, p) };
    if r < 0 { Err(errno()) } else { Ok(r) }
}

/// fallocate(2) on host `fd`.
pub fn fallocate(fd: RawFd, mode: i32, off: i64, len: i64) -> Result<(), i32> {
    // SAFETY: plain syscall.
    let r = unsafe { libc::fallocate(fd, mode, off, len) };
    if r < 0 { Err(errno()) } else { Ok(()) }
}

/// The target of the symlink host `fd` (opened O_PATH|O_NOFOLLOW) names:
/// readlinkat(fd, "").
pub fn readlink_empty(fd: RawFd) -> Result<Vec<u8>, i32> {
    let mut buf = vec![0u8; libc::PATH_MAX as usize];
    // SAFETY: the empty string is NUL-terminated; buf has buf.len() bytes.
    let r = unsafe { libc::readlinkat(fd, c"".as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
    if r < 0 {
        return Err(errno());
    }
    buf.truncate(r as usize);
    Ok(buf)
}

/// Bytes waiting to be read on host `fd` (FIONREAD).
pub fn pending_bytes(fd: RawFd) -> Result<i32, i32> {
    let mut n: libc::c_int = 0;
    // SAFETY: FIONREAD writes one int.
    let r = unsafe { libc::ioctl(fd, libc::FIONREAD, &mut n) };
    if r < 0 { Err(errno()) } else { Ok(n) }
}

/// Creates a socket inode at `path` (what bind(2) leaves in the filesystem).
pub fn mknod(path: &std::path::Path, mode: u32, dev: u64) -> Result<(), i32> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).map_err(|_| libc::EINVAL)?;
    // SAFETY: c is a valid NUL-terminated string.
    let r = unsafe { libc::mknod(c.as_ptr(), mode, dev) };
    if r < 0 { Err(errno()) } else { Ok(()) }
}

/// fchownat(2) on a host path (None: leave that id as it is).
pub fn chown(path: &std::path::Path, uid: Option<u32>, gid: Option<u32>, follow: bool) -> Result<(), i32> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).map_err(|_| libc::EINVAL)?;
    let flags = if follow { 0 } else { libc::AT_SYMLINK_NOFOLLOW };
    // SAFETY: c is a valid NUL-terminated string; -1 ids mean "unchanged".
    let r = unsafe { libc::fchownat(libc::AT_FDCWD, c.as_ptr(), uid.unwrap_or(u32::MAX), gid.unwrap_or(u32::MAX), flags) };
    if r < 0 { Err(errno()) } else { Ok(()) }
}

/// fstat(2) of a host descriptor.
pub fn fstat(fd: RawFd) -> Result<super::abi::Stat, i32> {
    // SAFETY: fstat writes one struct stat into `st`, which outlives the call.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::fstat(fd, &mut st) };
    if r < 0 {
        return Err(errno());
    }
    Ok(super::abi::Stat {
        dev: st.st_dev,
        ino: st.st_ino,
        mode: st.st_mode,
        nlink: st.st_nlink as u32,
        uid: st.st_uid,
        gid: st.st_gid,
        rdev: st.st_rdev,
        size: st.st_size as u64,
        blksize: st.st_blksize as u32,
        blocks: st.st_blocks as u64,
        atime: (st.st_atime, st.st_atime_nsec),
        mtime: (st.st_mtime, st.st_mtime_nsec),
        ctime: (st.st_ctime, st.st_ctime_nsec),
        btime: None,
    })
}

/// F_GET_SEALS (`add` false) or F_ADD_SEALS of `seals` on host descriptor `fd`:
/// the seals, or 0 after adding.
pub fn seals(fd: RawFd, add: bool, seals: u32) -> Result<i32, i32> {
    let r = if add {
        // SAFETY: plain fcntl with an int argument.
        unsafe { libc::fcntl(fd, libc::F_ADD_SEALS, seals as libc::c_int) }
    } else {
        // SAFETY: plain fcntl without an argument.
        unsafe { libc::fcntl(fd, libc::F_GET_SEALS) }
    };
    if r < 0 { Err(errno()) } else { Ok(r) }
}
