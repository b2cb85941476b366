//! AF_INET and AF_INET6 sockets on host sockets, confined to the loopback network.
//!
//! The host socket is always nonblocking; a guest call that must wait blocks on the
//! socket's host descriptor (a HOSTFD wait). Addresses must be loopback (or the
//! wildcard, which binds the host socket to loopback while the guest still sees the
//! wildcard): a guest can talk to guests, and to nothing else.

use super::io::Stop;
use super::net::{AF_INET, AF_INET6, AF_UNSPEC, SOL_SOCKET, msg};
use super::ready::start_timeout;
use super::wait::{WaitSet, Who};
use super::{Backend, Regs, Vfs, fail, host, val};
use crate::service::{Env, err};
use std::os::fd::{AsRawFd, OwnedFd};

const SOCK_STREAM: i32 = 1;
const SOCK_DGRAM: i32 = 2;
const SOCK_RAW: i32 = 3;

/// A guest's internet socket.
#[derive(Debug)]
pub struct InetSock {
    pub fd: OwnedFd,
    pub domain: i32,
    /// SOCK_STREAM (TCP) rather than SOCK_DGRAM (UDP).
    pub stream: bool,
    /// A blocking connect is in progress.
    pub connecting: bool,
    /// Bound to the wildcard address: the guest sees it, the host socket is on
    /// loopback.
    pub wildcard: bool,
    /// SO_RCVTIMEO / SO_SNDTIMEO (ns; 0: none), kept here since the host socket never
    /// blocks.
    pub rcvtimeo: u128,
    pub sndtimeo: u128,
    /// Bumped at every operation (edge-triggered epoll).
    pub generation: u64,
}

/// socket(AF_INET or AF_INET6, type, protocol).
pub fn socket(domain: i32, kind: i32, proto: i32) -> Result<InetSock, i32> {
    let stream = match kind {
        SOCK_STREAM => true,
        SOCK_DGRAM => false,
        // inet_create: a raw socket needs a protocol (0 matches no raw entry).
        SOCK_RAW if proto == 0 => return Err(libc::EPROTONOSUPPORT),
        // Raw sockets would reach past the loopback network.
        SOCK_RAW => return Err(libc::EPERM),
        // No protocol of the family has this type.
        _ => return Err(libc::ESOCKTNOSUPPORT),
    };
    let fd = host::socket(domain, kind, proto)?;
    Ok(InetSock { fd, domain, stream, connecting: false, wildcard: false, rcvtimeo: 0, sndtimeo: 0, generation: 0 })
}

/// Checks a guest address and makes it a host one: loopback stays, the wildcard
/// becomes loopback (Some(true) tells it was the wildcard), anything else is refused.
fn loopback(domain: i32, addr: &[u8], binding: bool) -> Result<(Vec<u8>, bool), i32> {
    if addr.len() < 2 {
        return Err(libc::EINVAL);
    }
    let mut family = u16::from_le_bytes([addr[0], addr[1]]) as i32;
    let mut a = addr.to_vec();
    if binding {
        // inet_bind_sk and inet6_bind: a short address is EINVAL, then another family
        // EAFNOSUPPORT, except AF_UNSPEC with INADDR_ANY, which an AF_INET socket
        // takes as AF_INET (a compatibility rule of Linux's).
        let min = if domain == AF_INET { 16 } else { 24 };
        if a.len() < min {
            return Err(libc::EINVAL);
        }
        if family != domain {
            if domain == AF_INET && family == AF_UNSPEC && a[4..8] == [0, 0, 0, 0] {
                family = AF_INET;
                a[..2].copy_from_slice(&(AF_INET as u16).to_le_bytes());
            } else {
                return Err(libc::EAFNOSUPPORT);
            }
        }
    }
    match family {
        AF_INET if domain == AF_INET => {
            if a.len() < 16 {
                return Err(libc::EINVAL);
            }
            let ip = [a[4], a[5], a[6], a[7]];
            if ip == [0, 0, 0, 0] {
                a[4..8].copy_from_slice(&[127, 0, 0, 1]);
                return Ok((a, true));
            }
            if ip[0] == 127 {
                return Ok((a, false));
            }
            Err(if binding { libc::EADDRNOTAVAIL } else { libc::ENETUNREACH })
        }
        AF_INET6 if domain == AF_INET6 => {
            if a.len() < 24 {
                return Err(libc::EINVAL);
            }
            let ip = &a[8..24];
            let any = ip.iter().all(|b| *b == 0);
            let lo = ip[..15].iter().all(|b| *b == 0) && ip[15] == 1;
            let mapped_lo = ip[..10].iter().all(|b| *b == 0) && ip[10] == 0xff && ip[11] == 0xff && ip[12] == 127;
            if any {
                a[23] = 1;
                return Ok((a, true));
            }
            if lo || mapped_lo {
                return Ok((a, false));
            }
            Err(if binding { libc::EADDRNOTAVAIL } else { libc::ENETUNREACH })
        }
        AF_UNSPEC if !binding => Ok((a, false)),
        _ => Err(if binding { libc::EINVAL } else { libc::EAFNOSUPPORT }),
    }
}

fn sock_mut(v: &mut Vfs, id: u64) -> Result<&mut InetSock, i32> {
    match v.files.get_mut(&id).map(|f| &mut f.backend) {
        Some(Backend::Inet(i)) => Ok(i),
        _ => Err(libc::ENOTSOCK),
    }
}

/// Blocks until host descriptor `fd` has `events`, or fails with EAGAIN once the
/// socket's timeout `timeo` runs out.
fn wait(v: &mut Vfs, env: &mut dyn Env, who: Who, fd: i32, events: i16, timeo: u128) -> Stop {
    if timeo > 0 {
        start_timeout(v, who, Some(timeo));
        if v.waits.expired(who) {
            return Stop::Err(libc::EAGAIN);
        }
    }
    let mut set = WaitSet { vfs: false, ..Default::default() };
    set.host(fd, events);
    Stop::Block(v.waits.block(env, who, &set))
}

/// bind(addr); `low_port_ok`: the caller may bind a port below 1024 (or asks for none).
pub fn bind(v: &mut Vfs, id: u64, addr: &[u8], low_port_ok: bool) -> Regs {
    let s = match sock_mut(v, id) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let (a, wildcard) = match loopback(s.domain, addr, true) {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    // __inet_bind: the address is checked before the port's privilege.
    if !low_port_ok {
        return fail(libc::EACCES);
    }
    s.generation += 1;
    match host::bind(s.fd.as_raw_fd(), &a) {
        Ok(()) => {
            s.wildcard = wildcard;
            val(0)
        }
        Err(e) => fail(e),
    }
}

/// listen(backlog).
pub fn listen(v: &mut Vfs, id: u64, backlog: i32) -> Regs {
    let s = match sock_mut(v, id) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    if !s.stream {
        return fail(libc::EOPNOTSUPP);
    }
    s.generation += 1;
    val(match host::listen(s.fd.as_raw_fd(), backlog) {
        Ok(()) => 0,
        Err(e) => err(e),
    })
}

/// connect(addr): a blocking connect waits for the host handshake.
pub fn connect(v: &mut Vfs, env: &mut dyn Env, who: Who, id: u64, addr: &[u8], nonblock: bool) -> Result<(), Stop> {
    let s = sock_mut(v, id).map_err(Stop::Err)?;
    s.generation += 1;
    let fd = s.fd.as_raw_fd();
    if s.connecting {
        // A retry after the wait: the host has the outcome.
        match host::getsockopt(fd, SOL_SOCKET, libc::SO_ERROR, 4) {
            Ok(b) if b.len() == 4 && i32::from_le_bytes([b[0], b[1], b[2], b[3]]) != 0 => {
                s.connecting = false;
                return Err(Stop::Err(i32::from_le_bytes([b[0], b[1], b[2], b[3]])));
            }
            _ => {}
        }
        if host::poll_now(fd, libc::POLLOUT) & libc::POLLOUT != 0 {
            s.connecting = false;
            // A second connect completes the host socket's state (SS_CONNECTING to
            // SS_CONNECTED), as a blocking connect of Linux's leaves it: the next
            // connect is EISCONN.
            if let Ok((a, _)) = loopback(s.domain, addr, false) {
                return match host::connect(fd, &a) {
                    Ok(()) | Err(libc::EISCONN) => Ok(()),
                    Err(e) => Err(Stop::Err(e)),
                };
            }
            return Ok(());
        }
        let timeo = s.sndtimeo;
        return Err(wait(v, env, who, fd, libc::POLLOUT, timeo));
    }
    let (a, _) = loopback(s.domain, addr, false).map_err(Stop::Err)?;
    match host::connect(fd, &a) {
        Ok(()) => Ok(()),
        Err(libc::EINPROGRESS) if nonblock => Err(Stop::Err(libc::EINPROGRESS)),
        Err(libc::EINPROGRESS) => {
            s.connecting = true;
            let timeo = s.sndtimeo;
            Err(wait(v, env, who, fd, libc::POLLOUT, timeo))
        }
        Err(e) => Err(Stop::Err(e)),
    }
}

/// accept: the next connection (a new socket) and the peer's address.
pub fn accept(v: &mut Vfs, env: &mut dyn Env, who: Who, id: u64, nonblock: bool) -> Result<(Backend, Vec<u8>), Stop> {
    let s = sock_mut(v, id).map_err(Stop::Err)?;
    s.generation += 1;
    let (fd, domain, timeo) = (s.fd.as_raw_fd(), s.domain, s.rcvtimeo);
    match host::accept(fd) {
        Ok((nfd, peer)) => Ok((Backend::Inet(InetSock { fd: nfd, domain, stream: true, connecting: false, wildcard: false, rcvtimeo: 0, sndtimeo: 0, generation: 0 }), peer)),
        Err(libc::EAGAIN) if !nonblock => Err(wait(v, env, who, fd, libc::POLLIN, timeo)),
        Err(e) => Err(Stop::Err(e)),
    }
}

/// send / sendto.
#[allow(clippy::too_many_arguments)]
pub fn send(v: &mut Vfs, env: &mut dyn Env, who: Who, id: u64, data: &[u8], flags: i32, to: Option<&[u8]>, nonblock: bool) -> Result<usize, Stop> {
    let s = sock_mut(v, id).map_err(Stop::Err)?;
    s.generation += 1;
    let (fd, timeo) = (s.fd.as_raw_fd(), s.sndtimeo);
    let dest = match to {
        Some(a) if !s.stream => Some(loopback(s.domain, a, false).map_err(Stop::Err)?.0),
        _ => None,
    };
    let pass = flags & (msg::OOB | msg::EOR | libc::MSG_MORE | libc::MSG_CONFIRM);
    match host::send(fd, data, pass, dest.as_deref()) {
        Ok(n) => Ok(n),
        Err(libc::EAGAIN) if !nonblock => Err(wait(v, env, who, fd, libc::POLLOUT, timeo)),
        Err(e) => Err(Stop::Err(e)),
    }
}

/// recv / recvfrom: up to `len` bytes and the sender's address (datagrams).
#[allow(clippy::too_many_arguments)]
pub fn recv(v: &mut Vfs, env: &mut dyn Env, who: Who, id: u64, len: usize, flags: i32, nonblock: bool) -> Result<(Vec<u8>, super::net::RecvMeta), Stop> {
    let s = sock_mut(v, id).map_err(Stop::Err)?;
    s.generation += 1;
    let (fd, timeo, stream) = (s.fd.as_raw_fd(), s.rcvtimeo, s.stream);
    // ip_recv_error: the error queue is read without waiting, and an empty one is
    // EAGAIN. Nothing reaches the guest's queue: no extended error is reported.
    if flags & msg::ERRQUEUE != 0 {
        return Err(Stop::Err(libc::EAGAIN));
    }
    let mut buf = vec![0u8; len];
    // MSG_TRUNC asks the host for the datagram's full length.
    let pass = flags & (msg::OOB | msg::PEEK | msg::TRUNC);
    match host::recv(fd, &mut buf, pass) {
        Ok((n, from, mflags)) => {
            let got = n.min(len);
            buf.truncate(got);
            let meta = super::net::RecvMeta { from: if stream || from.is_empty() { None } else { Some(from) }, fds: Vec::new(), flags: mflags & msg::TRUNC, full: n, cred: None };
            Ok((buf, meta))
        }
        Err(libc::EAGAIN) if !nonblock => Err(wait(v, env, who, fd, libc::POLLIN, timeo)),
        Err(e) => Err(Stop::Err(e)),
    }
}

/// getsockname / getpeername (the wildcard shown as the guest bound it).
pub fn name(v: &mut Vfs, id: u64, peer: bool) -> Result<Vec<u8>, i32> {
    let s = sock_mut(v, id)?;
    let mut a = host::name(s.fd.as_raw_fd(), peer)?;
    if !peer && s.wildcard {
        match s.domain {
            AF_INET if a.len() >= 8 => a[4..8].copy_from_slice(&[0, 0, 0, 0]),
            AF_INET6 if a.len() >= 24 => a[8..24].fill(0),
            _ => {}
        }
    }
    Ok(a)
}

/// shutdown(how).
pub fn shutdown(v: &mut Vfs, id: u64, how: i32) -> Regs {
    let s = match sock_mut(v, id) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    s.generation += 1;
    val(match host::shutdown(s.fd.as_raw_fd(), how) {
        Ok(()) => 0,
        Err(e) => err(e),
    })
}

fn timeval_ns(b: &[u8]) -> Result<u128, i32> {
    if b.len() < 16 {
        return Err(libc::EINVAL);
    }
    let (sec, usec) = (super::abi::u64_at(b, 0) as i64, super::abi::u64_at(b, 8) as i64);
    if !(0..1_000_000).contains(&usec) {
        return Err(libc::EDOM);
    }
    Ok(if sec < 0 { 0 } else { sec as u128 * 1_000_000_000 + usec as u128 * 1000 })
}

/// setsockopt: passed to the host (the option layouts are the same), except the
/// timeouts, which the vfs keeps.
pub fn setsockopt(v: &mut Vfs, id: u64, level: i32, name: i32, val_: &[u8]) -> Result<(), i32> {
    let s = sock_mut(v, id)?;
    if level == SOL_SOCKET && (name == libc::SO_RCVTIMEO || name == libc::SO_SNDTIMEO) {
        let ns = timeval_ns(val_)?;
        if name == libc::SO_RCVTIMEO {
            s.rcvtimeo = ns;
        } else {
            s.sndtimeo = ns;
        }
        return Ok(());
    }
    // Options that would reach past loopback stay out.
    if level == SOL_SOCKET && name == libc::SO_BINDTODEVICE {
        return Err(libc::EPERM);
    }
    host::setsockopt(s.fd.as_raw_fd(), level, name, val_)
}

/// getsockopt (see setsockopt).
pub fn getsockopt(v: &mut Vfs, id: u64, level: i32, name: i32, cap: usize) -> Result<Vec<u8>, i32> {
    let s = sock_mut(v, id)?;
    if level == SOL_SOCKET && (name == libc::SO_RCVTIMEO || name == libc::SO_SNDTIMEO) {
        let ns = if name == libc::SO_RCVTIMEO { s.rcvtimeo } else { s.sndtimeo };
        let mut b = vec![0u8; 16];
        b[..8].copy_from_slice(&((ns / 1_000_000_000) as i64).to_le_bytes());
        b[8..].copy_from_slice(&(((ns % 1_000_000_000) / 1000) as i64).to_le_bytes());
        return Ok(b);
    }
    host::getsockopt(s.fd.as_raw_fd(), level, name, cap.max(4))
}
