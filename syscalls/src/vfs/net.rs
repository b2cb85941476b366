//! Socket syscalls: argument and structure marshalling (sockaddr, msghdr, cmsg), and
//! the dispatch to AF_UNIX (`unix`, inside the vfs) or AF_INET/AF_INET6 (`inet`, on
//! host sockets).

use super::abi::{self, o};
use super::fs::tri;
use super::io::{MAX_IO, Stop};
use super::wait::Who;
use super::{Backend, Regs, Vfs, fail, inet, val};
use crate::sched::Wake;
use crate::service::{Env, ServiceId, err};
use crate::sysno as nr;
use machine::Fault;

/// Size of struct msghdr on riscv64.
pub const MSGHDR_SIZE: u64 = 56;
/// Most iovecs one call takes.
pub const UIO_MAXIOV: u64 = 1024;
/// Most descriptors one SCM_RIGHTS message carries.
const SCM_MAX_FD: usize = 253;

pub const AF_UNSPEC: i32 = 0;
pub const AF_UNIX: i32 = 1;
pub const AF_INET: i32 = 2;
pub const AF_INET6: i32 = 10;
pub const SOL_SOCKET: i32 = 1;
const SCM_RIGHTS: i32 = 1;
const SCM_CREDENTIALS: i32 = 2;

/// MSG_* flags.
pub mod msg {
    pub const OOB: i32 = 1;
    pub const PEEK: i32 = 2;
    pub const CTRUNC: i32 = 8;
    pub const TRUNC: i32 = 0x20;
    pub const DONTWAIT: i32 = 0x40;
    pub const EOR: i32 = 0x80;
    pub const WAITALL: i32 = 0x100;
    pub const ERRQUEUE: i32 = 0x2000;
    pub const NOSIGNAL: i32 = 0x4000;
    pub const CMSG_CLOEXEC: i32 = 0x4000_0000;
    /// The 32-bit layout flag: __sys_sendmsg and __sys_recvmsg refuse it (EINVAL)
    /// before looking at the descriptor.
    pub const CMSG_COMPAT: i32 = i32::MIN;
}

/// What came with received bytes.
#[derive(Debug, Default)]
pub struct RecvMeta {
    /// The sender's address, if the socket type reports one.
    pub from: Option<Vec<u8>>,
    /// Open files received (each holding one reference the receiver now owns).
    pub fds: Vec<u64>,
    /// MSG_TRUNC and friends, for msg_flags.
    pub flags: i32,
    /// The full length of a truncated datagram.
    pub full: usize,
    /// The sender's credentials, when the receiver asked for them (SO_PASSCRED).
    pub cred: Option<super::unix::Cred>,
}

/// Whether open file `id` is nonblocking for this call.
pub(super) fn nonblocking(v: &Vfs, id: u64, flags: i32) -> bool {
    flags & msg::DONTWAIT != 0 || v.files.get(&id).is_some_and(|f| f.flags & o::NONBLOCK != 0)
}

/// Receives up to `len` bytes from socket `id`.
pub fn recv_vec(v: &mut Vfs, env: &mut dyn Env, who: Who, id: u64, len: usize, flags: i32) -> Result<(Vec<u8>, RecvMeta), Stop> {
    let nb = nonblocking(v, id, flags);
    match v.files.get(&id).map(|f| &f.backend) {
        Some(Backend::Unix(s)) => {
            let s = *s;
            v.unix_recv(env, who, s, len, flags, nb)
        }
        Some(Backend::Inet(_)) => inet::recv(v, env, who, id, len, flags, nb),
        _ => Err(Stop::Err(libc::ENOTSOCK)),
    }
}

/// Sends `data` (and open files `fds`) on socket `id`; how many bytes it took.
pub fn send_slice(v: &mut Vfs, env: &mut dyn Env, who: Who, id: u64, data: &[u8], flags: i32, to: Option<&[u8]>) -> Result<usize, Stop> {
    send_msg(v, env, who, id, data, flags, to, &[])
}

#[allow(clippy::too_many_arguments)]
fn send_msg(v: &mut Vfs, env: &mut dyn Env, who: Who, id: u64, data: &[u8], flags: i32, to: Option<&[u8]>, fds: &[u64]) -> Result<usize, Stop> {
    let nb = nonblocking(v, id, flags);
    match v.files.get(&id).map(|f| &f.backend) {
        Some(Backend::Unix(s)) => {
            let s = *s;
            v.unix_send(env, who, s, data, flags, to, fds, nb)
        }
        Some(Backend::Inet(_)) => {
            if !fds.is_empty() {
                return Err(Stop::Err(libc::EINVAL));
            }
            inet::send(v, env, who, id, data, flags, to, nb)
        }
        _ => Err(Stop::Err(libc::ENOTSOCK)),
    }
}

/// Sends a whole buffer the way send(2) does on a blocking stream socket: every byte,
/// waiting as often as needed (progress kept across retries), unless a signal comes.
#[allow(clippy::too_many_arguments)]
fn send_all(v: &mut Vfs, env: &mut dyn Env, who: Who, id: u64, data: &[u8], flags: i32, to: Option<&[u8]>, fds: &[u64]) -> Regs {
    let stream = match v.files.get(&id).map(|f| &f.backend) {
        Some(Backend::Unix(s)) => v.unix.is_stream(*s),
        Some(Backend::Inet(i)) => i.stream,
        _ => false,
    };
    let all = stream && !nonblocking(v, id, flags);
    let done = (v.waits.retry(who).progress as usize).min(data.len());
    if done > 0 && who.wake == Some(Wake::Signal) {
        return val(done as u64);
    }
    let mut off = done;
    loop {
        // Descriptors travel with the first byte only.
        let f = if off == 0 { fds } else { &[] };
        match send_msg(v, env, who, id, &data[off..], flags, to, f) {
            Ok(n) => {
                off = (off + n).min(data.len());
                if off >= data.len() || !all || n == 0 {
                    return val(off as u64);
                }
            }
            Err(Stop::Block(r)) => {
                if off > 0 {
                    if v.waits.signal_pending(env, who) {
                        return val(off as u64);
                    }
                    v.waits.retry(who).progress = off as u64;
                }
                return Ok(r);
            }
            Err(Stop::Err(e)) => {
                if off > 0 {
                    return val(off as u64);
                }
                if e == libc::EPIPE && flags & msg::NOSIGNAL == 0 {
                    let _ = env.call(ServiceId::Proc, nr::TGKILL, [who.word, who.pid as u64, who.tid as u64, libc::SIGPIPE as u64, 0, 0], &[]);
                }
                return fail(e);
            }
            Err(Stop::Fault(f)) => return Err(f),
        }
    }
}

/// Reads a sockaddr argument (at most 128 bytes).
fn read_addr(env: &mut dyn Env, p: u64, len: u64) -> Result<Result<Vec<u8>, i32>, Fault> {
    if len > 128 {
        return Ok(Err(libc::EINVAL));
    }
    if p == 0 {
        return Ok(Err(if len == 0 { libc::EINVAL } else { libc::EFAULT }));
    }
    let mut b = vec![0u8; len as usize];
    env.read(p, &mut b)?;
    Ok(Ok(b))
}

/// Writes an address to (buf, *lenp) the way accept/getsockname do: truncated to the
/// caller's capacity, with the full length stored back.
fn write_addr(env: &mut dyn Env, buf: u64, lenp: u64, addr: &[u8]) -> Result<Result<(), i32>, Fault> {
    if lenp == 0 {
        return Ok(Ok(()));
    }
    let mut b = [0u8; 4];
    env.read(lenp, &mut b)?;
    let cap = i32::from_le_bytes(b);
    if cap < 0 {
        return Ok(Err(libc::EINVAL));
    }
    let n = addr.len().min(cap as usize);
    // recvfrom's address the personality could not lend (`crate::lends::lazy_arg`):
    // EFAULT now that there is one to copy, before the length is stored.
    if n > 0 && buf == crate::user::UNWRITABLE {
        return Ok(Err(libc::EFAULT));
    }
    if n > 0 && buf != 0 {
        env.write(buf, &addr[..n])?;
    }
    env.write(lenp, &(addr.len() as u32).to_le_bytes())?;
    Ok(Ok(()))
}

/// The open file of socket descriptor `fd`, or ENOTSOCK/EBADF.
fn sock(v: &Vfs, pid: u32, fd: i32) -> Result<u64, i32> {
    let (id, f) = v.get(pid, fd)?;
    match f.backend {
        Backend::Unix(_) | Backend::Inet(_) => Ok(id),
        _ => Err(libc::ENOTSOCK),
    }
}

fn stop_regs(s: Stop) -> Regs {
    match s {
        Stop::Err(e) => fail(e),
        Stop::Block(r) => Ok(r),
        Stop::Fault(f) => Err(f),
    }
}

/// One socket syscall (the vfs hands over every number it does not serve itself).
pub fn syscall(v: &mut Vfs, env: &mut dyn Env, who: Who, n: u64, s: [u64; 5]) -> Regs {
    let pid = who.pid;
    match n {
        nr::SOCKET => socket(v, env, who, s[0] as i32, s[1] as i32, s[2] as i32),
        nr::SOCKETPAIR => {
            let (domain, ty, proto) = (s[0] as i32, s[1] as i32, s[2] as i32);
            let kind = tri!(create_check(domain, ty));
            match domain {
                AF_UNIX => v.unix_socketpair(env, who, ty, proto, s[3]),
                // __sys_socketpair creates the socket first (its errors come first),
                // then asks the protocol, which has no socketpair.
                AF_INET | AF_INET6 => fail(match inet::socket(domain, kind, proto) {
                    Ok(_) => libc::EOPNOTSUPP,
                    Err(e) => e,
                }),
                _ => fail(libc::EAFNOSUPPORT),
            }
        }
        nr::BIND | nr::CONNECT => {
            let id = tri!(sock(v, pid, s[0] as i32));
            let addr = match read_addr(env, s[1], s[2])? {
                Ok(a) => a,
                Err(e) => return fail(e),
            };
            let nb = nonblocking(v, id, 0);
            match v.files.get(&id).map(|f| &f.backend) {
                Some(Backend::Unix(sk)) => {
                    let sk = *sk;
                    if n == nr::BIND {
                        val(match v.unix_bind(env, who, sk, &addr) {
                            Ok(()) => 0,
                            Err(e) => err(e),
                        })
                    } else {
                        match v.unix_connect(env, who, sk, &addr, nb) {
                            Ok(()) => val(0),
                            Err(st) => stop_regs(st),
                        }
                    }
                }
                _ if n == nr::BIND => {
                    // Ports below ip_unprivileged_port_start (1024) need
                    // CAP_NET_BIND_SERVICE; the port is big-endian at offset 2 in
                    // both families.
                    let port = if addr.len() >= 4 { u16::from_be_bytes([addr[2], addr[3]]) } else { 0 };
                    let allowed = port == 0 || port >= 1024 || v.creds(env, pid).capable(crate::creds::cap::NET_BIND_SERVICE);
                    inet::bind(v, id, &addr, allowed)
                }
                _ => match inet::connect(v, env, who, id, &addr, nb) {
                    Ok(()) => val(0),
                    Err(st) => stop_regs(st),
                },
            }
        }
        nr::LISTEN => {
            let id = tri!(sock(v, pid, s[0] as i32));
            match v.files.get(&id).map(|f| &f.backend) {
                Some(Backend::Unix(sk)) => {
                    let sk = *sk;
                    val(match v.unix_listen(who, sk, s[1] as i32) {
                        Ok(()) => 0,
                        Err(e) => err(e),
                    })
                }
                _ => inet::listen(v, id, s[1] as i32),
            }
        }
        nr::ACCEPT | nr::ACCEPT4 => {
            let flags = if n == nr::ACCEPT4 { s[3] as i32 } else { 0 };
            if flags & !(o::NONBLOCK | o::CLOEXEC) != 0 {
                return fail(libc::EINVAL);
            }
            let id = tri!(sock(v, pid, s[0] as i32));
            let nb = nonblocking(v, id, 0);
            let got = match v.files.get(&id).map(|f| &f.backend) {
                Some(Backend::Unix(sk)) => {
                    let sk = *sk;
                    v.unix_accept(env, who, sk, nb)
                }
                _ => inet::accept(v, env, who, id, nb),
            };
            let (backend, peer) = match got {
                Ok(x) => x,
                Err(st) => return stop_regs(st),
            };
            let path = match &backend {
                Backend::Unix(sk) => format!("socket:[{}]", 0x3000 + sk),
                _ => "socket:[inet]".to_string(),
            };
            let file = v.new_file(backend, o::RDWR | (flags & o::NONBLOCK), path);
            let fd = v.install_new(env, pid, file, flags & o::CLOEXEC != 0);
            if crate::service::is_err(fd) {
                return val(fd);
            }
            if let Err(e) = write_addr(env, s[1], s[2], &peer)? {
                v.close(env, pid, fd as i32);
                return fail(e);
            }
            val(fd)
        }
        nr::GETSOCKNAME | nr::GETPEERNAME => {
            let id = tri!(sock(v, pid, s[0] as i32));
            let peer = n == nr::GETPEERNAME;
            let addr = match v.files.get(&id).map(|f| &f.backend) {
                Some(Backend::Unix(sk)) => tri!(v.unix_name(*sk, peer)),
                _ => tri!(inet::name(v, id, peer)),
            };
            match write_addr(env, s[1], s[2], &addr)? {
                Ok(()) => val(0),
                Err(e) => fail(e),
            }
        }
        nr::SENDTO => {
            let (fd, flags) = (s[0] as u32 as i32, (s[0] >> 32) as u32 as i32);
            let id = tri!(sock(v, pid, fd));
            let to = if s[3] != 0 {
                match read_addr(env, s[3], s[4])? {
                    Ok(a) => Some(a),
                    Err(e) => return fail(e),
                }
            } else {
                None
            };
            let mut data = vec![0u8; (s[2] as usize).min(MAX_IO)];
            env.read(s[1], &mut data)?;
            send_all(v, env, who, id, &data, flags, to.as_deref(), &[])
        }
        nr::RECVFROM => {
            let (fd, flags) = (s[0] as u32 as i32, (s[0] >> 32) as u32 as i32);
            let id = tri!(sock(v, pid, fd));
            recvfrom(v, env, who, id, s[1], (s[2] as usize).min(MAX_IO), flags, s[3], s[4])
        }
        nr::SHUTDOWN => {
            let id = tri!(sock(v, pid, s[0] as i32));
            let how = s[1] as i32;
            if !(0..=2).contains(&how) {
                return fail(libc::EINVAL);
            }
            match v.files.get(&id).map(|f| &f.backend) {
                Some(Backend::Unix(sk)) => {
                    let sk = *sk;
                    val(match v.unix_shutdown(sk, how) {
                        Ok(()) => 0,
                        Err(e) => err(e),
                    })
                }
                _ => inet::shutdown(v, id, how),
            }
        }
        nr::SETSOCKOPT | nr::GETSOCKOPT => {
            let id = tri!(sock(v, pid, s[0] as i32));
            let (level, name) = (s[1] as i32, s[2] as i32);
            if n == nr::SETSOCKOPT {
                let len = s[4] as u32 as i32;
                if len < 0 {
                    return fail(libc::EINVAL);
                }
                let mut val_ = vec![0u8; (len as usize).min(256)];
                if !val_.is_empty() {
                    env.read(s[3], &mut val_)?;
                }
                let r = match v.files.get(&id).map(|f| &f.backend) {
                    Some(Backend::Unix(sk)) => {
                        let sk = *sk;
                        v.unix_setsockopt(sk, level, name, &val_)
                    }
                    _ => inet::setsockopt(v, id, level, name, &val_),
                };
                val(match r {
                    Ok(()) => 0,
                    Err(e) => err(e),
                })
            } else {
                if s[4] == 0 {
                    return fail(libc::EFAULT);
                }
                let mut b = [0u8; 4];
                env.read(s[4], &mut b)?;
                let cap = i32::from_le_bytes(b);
                if cap < 0 {
                    return fail(libc::EINVAL);
                }
                let r = match v.files.get(&id).map(|f| &f.backend) {
                    Some(Backend::Unix(sk)) => {
                        let sk = *sk;
                        v.unix_getsockopt(sk, level, name)
                    }
                    _ => inet::getsockopt(v, id, level, name, cap as usize),
                };
                let data = tri!(r);
                let n = data.len().min(cap as usize);
                if n > 0 {
                    env.write(s[3], &data[..n])?;
                }
                env.write(s[4], &(n as u32).to_le_bytes())?;
                val(0)
            }
        }
        nr::SENDMSG => sendmsg(v, env, who, s[0] as i32, s[1], s[2] as i32),
        nr::RECVMSG => recvmsg(v, env, who, s[0] as i32, s[1], s[2] as i32),
        _ => fail(libc::ENOSYS),
    }
}

/// socket(domain, type, protocol).
fn socket(v: &mut Vfs, env: &mut dyn Env, who: Who, domain: i32, ty: i32, proto: i32) -> Regs {
    let flags = ty & (o::NONBLOCK | o::CLOEXEC);
    let kind = tri!(create_check(domain, ty));
    let backend = match domain {
        AF_UNIX => {
            if ![super::unix::SOCK_STREAM, super::unix::SOCK_DGRAM, super::unix::SOCK_SEQPACKET].contains(&kind) {
                return fail(libc::ESOCKTNOSUPPORT);
            }
            if proto != 0 && proto != AF_UNIX {
                return fail(libc::EPROTONOSUPPORT);
            }
            Backend::Unix(v.unix.add(super::unix::UnixSock::new(kind, (who.pid, 0, 0))))
        }
        AF_INET | AF_INET6 => match inet::socket(domain, kind, proto) {
            Ok(s) => Backend::Inet(s),
            Err(e) => return fail(e),
        },
        _ => return fail(libc::EAFNOSUPPORT),
    };
    let path = match &backend {
        Backend::Unix(sk) => format!("socket:[{}]", 0x3000 + sk),
        _ => "socket:[inet]".to_string(),
    };
    let id = v.new_file(backend, o::RDWR | (flags & o::NONBLOCK), path);
    val(v.install_new(env, who.pid, id, flags & o::CLOEXEC != 0))
}

/// Socket types are the low four bits of the type argument (SOCK_TYPE_MASK).
const SOCK_TYPE_MASK: i32 = 0xf;
/// Linux's SOCK_MAX (SOCK_PACKET + 1) and NPROTO (AF_MAX).
const SOCK_MAX: i32 = 11;
const NPROTO: i32 = 46;

/// The checks socket and socketpair make before any family looks at the call
/// (__sys_socket_create, then __sock_create): flags other than SOCK_NONBLOCK and
/// SOCK_CLOEXEC are EINVAL, a family out of range EAFNOSUPPORT, a type out of range
/// EINVAL. The type without its flags.
fn create_check(domain: i32, ty: i32) -> Result<i32, i32> {
    if ty & !SOCK_TYPE_MASK & !(o::NONBLOCK | o::CLOEXEC) != 0 {
        return Err(libc::EINVAL);
    }
    if !(0..NPROTO).contains(&domain) {
        return Err(libc::EAFNOSUPPORT);
    }
    let kind = ty & SOCK_TYPE_MASK;
    if kind >= SOCK_MAX {
        return Err(libc::EINVAL);
    }
    Ok(kind)
}

/// recvfrom(fd, buf, len, flags, src*, addrlen*) and read's MSG_WAITALL loop.
#[allow(clippy::too_many_arguments)]
fn recvfrom(v: &mut Vfs, env: &mut dyn Env, who: Who, id: u64, buf: u64, len: usize, flags: i32, src: u64, lenp: u64) -> Regs {
    let waitall = flags & msg::WAITALL != 0 && flags & msg::PEEK == 0 && !nonblocking(v, id, flags);
    let done = v.waits.retry(who).progress as usize;
    if done > 0 && who.wake == Some(Wake::Signal) {
        return val(done as u64);
    }
    match recv_vec(v, env, who, id, len - done.min(len), flags) {
        Ok((data, meta)) => {
            env.write(buf.wrapping_add(done as u64), &data)?;
            let total = done + data.len();
            for f in meta.fds {
                v.drop_ref(env, f);
            }
            if waitall
                && total < len
                && !data.is_empty()
                && v.files.get(&id).is_some_and(|f| matches!(&f.backend, Backend::Unix(s) if v.unix.is_stream(*s)) || matches!(&f.backend, Backend::Inet(i) if i.stream))
            {
                v.waits.retry(who).progress = total as u64;
                // Go round again at once: more may already be there.
                return recvfrom_again(v, env, who, id, buf, len, flags, src, lenp);
            }
            if let Some(a) = &meta.from {
                if let Err(e) = write_addr(env, src, lenp, a)? {
                    return fail(e);
                }
            } else if src != 0 && lenp != 0 {
                // move_addr_to_user with no address: a negative capacity is still
                // EINVAL, else the length 0 is stored.
                if let Err(e) = write_addr(env, src, lenp, &[])? {
                    return fail(e);
                }
            }
            val(if flags & msg::TRUNC != 0 && meta.full > total { meta.full as u64 } else { total as u64 })
        }
        Err(Stop::Block(r)) if done > 0 && v.waits.signal_pending(env, who) => {
            let _ = r;
            val(done as u64)
        }
        Err(Stop::Err(e)) if done > 0 => {
            let _ = e;
            val(done as u64)
        }
        Err(st) => stop_regs(st),
    }
}

#[allow(clippy::too_many_arguments)]
fn recvfrom_again(v: &mut Vfs, env: &mut dyn Env, who: Who, id: u64, buf: u64, len: usize, flags: i32, src: u64, lenp: u64) -> Regs {
    // A retry that is not a wake-up: treated like one so the progress is kept.
    let who = Who { wake: Some(Wake::Key), ..who };
    recvfrom(v, env, who, id, buf, len, flags, src, lenp)
}

/// The pieces of a msghdr.
struct MsgHdr {
    name: u64,
    namelen: u32,
    iov: Vec<(u64, u64)>,
    control: u64,
    controllen: u64,
}

/// Reads the msghdr at `p` and its iovec array; pointers inside are qualified with the
/// msghdr's own space.
fn read_msghdr(env: &mut dyn Env, p: u64) -> Result<Result<MsgHdr, i32>, Fault> {
    let mut h = [0u8; MSGHDR_SIZE as usize];
    env.read(p, &mut h)?;
    let same = |x: u64| if x == 0 { 0 } else { (p & !((1 << 48) - 1)) | (x & ((1 << 48) - 1)) };
    // copy_msghdr_from_user: a negative name length with a name is EINVAL.
    if abi::u64_at(&h, 0) != 0 && (abi::u32_at(&h, 8) as i32) < 0 {
        return Ok(Err(libc::EINVAL));
    }
    let iovp = same(abi::u64_at(&h, 16));
    let iovlen = abi::u64_at(&h, 24);
    if iovlen > UIO_MAXIOV {
        return Ok(Err(libc::EMSGSIZE));
    }
    let mut raw = vec![0u8; iovlen as usize * 16];
    if iovlen > 0 {
        env.read(iovp, &mut raw)?;
    }
    let mut iov = Vec::new();
    let mut total = 0u64;
    for i in 0..iovlen as usize {
        let len = abi::u64_at(&raw, i * 16 + 8);
        if (len as i64) < 0 {
            return Ok(Err(libc::EINVAL));
        }
        let len = len.min(MAX_IO as u64 - total.min(MAX_IO as u64));
        total += len;
        iov.push((same(abi::u64_at(&raw, i * 16)), len));
    }
    Ok(Ok(MsgHdr { name: same(abi::u64_at(&h, 0)), namelen: abi::u32_at(&h, 8), iov, control: same(abi::u64_at(&h, 32)), controllen: abi::u64_at(&h, 40) }))
}

/// sendmsg(fd, msg*, flags).
pub(super) fn sendmsg(v: &mut Vfs, env: &mut dyn Env, who: Who, fd: i32, p: u64, flags: i32) -> Regs {
    if flags & msg::CMSG_COMPAT != 0 {
        return fail(libc::EINVAL);
    }
    let id = tri!(sock(v, who.pid, fd));
    let h = match read_msghdr(env, p)? {
        Ok(h) => h,
        Err(e) => return fail(e),
    };
    let to = if h.name != 0 && h.namelen > 0 {
        match read_addr(env, h.name, h.namelen as u64)? {
            Ok(a) => Some(a),
            Err(e) => return fail(e),
        }
    } else {
        None
    };
    let mut fds = Vec::new();
    if h.control != 0 && h.controllen > 0 {
        if h.controllen > 1 << 16 {
            return fail(libc::ENOBUFS);
        }
        let mut c = vec![0u8; h.controllen as usize];
        env.read(h.control, &mut c)?;
        let mut off = 0usize;
        while off + 16 <= c.len() {
            let clen = abi::u64_at(&c, off) as usize;
            let (level, ty) = (abi::u32_at(&c, off + 8) as i32, abi::u32_at(&c, off + 12) as i32);
            if clen < 16 || clen > c.len() - off {
                return fail(libc::EINVAL);
            }
            match (level, ty) {
                (SOL_SOCKET, SCM_RIGHTS) => {
                    let n = (clen - 16) / 4;
                    if fds.len() + n > SCM_MAX_FD {
                        return fail(libc::EINVAL);
                    }
                    for i in 0..n {
                        let f = abi::u32_at(&c, off + 16 + i * 4) as i32;
                        match v.file_of(who.pid, f) {
                            Some(file) => fds.push(file),
                            None => return fail(libc::EBADF),
                        }
                    }
                }
                (SOL_SOCKET, SCM_CREDENTIALS) => {}
                _ => return fail(libc::EINVAL),
            }
            off += clen.div_ceil(8) * 8;
        }
    }
    let mut data = Vec::new();
    for (base, len) in &h.iov {
        if *len == 0 {
            continue;
        }
        let mut b = vec![0u8; *len as usize];
        env.read(*base, &mut b)?;
        data.extend(b);
    }
    send_all(v, env, who, id, &data, flags, to.as_deref(), &fds)
}

/// recvmsg(fd, msg*, flags).
pub(super) fn recvmsg(v: &mut Vfs, env: &mut dyn Env, who: Who, fd: i32, p: u64, flags: i32) -> Regs {
    if flags & msg::CMSG_COMPAT != 0 {
        return fail(libc::EINVAL);
    }
    let id = tri!(sock(v, who.pid, fd));
    let h = match read_msghdr(env, p)? {
        Ok(h) => h,
        Err(e) => return fail(e),
    };
    let total: u64 = h.iov.iter().map(|x| x.1).sum();
    let (data, meta) = match recv_vec(v, env, who, id, total as usize, flags) {
        Ok(x) => x,
        Err(st) => return stop_regs(st),
    };
    let mut off = 0usize;
    for (base, len) in &h.iov {
        if off >= data.len() {
            break;
        }
        let n = (*len as usize).min(data.len() - off);
        env.write(*base, &data[off..off + n])?;
        off += n;
    }
    let mut mflags = meta.flags;
    // The sender's address.
    let mut namelen = 0u32;
    if let Some(a) = &meta.from {
        if h.name != 0 {
            let n = a.len().min(h.namelen as usize);
            env.write(h.name, &a[..n])?;
        }
        namelen = a.len() as u32;
    }
    // Control messages: credentials first, then passed descriptors (which become
    // descriptors of the receiver as far as the control buffer has room; the rest are
    // closed, and MSG_CTRUNC says so).
    let cap = if h.control == 0 { 0 } else { h.controllen as usize };
    let mut control: Vec<u8> = Vec::new();
    let push = |control: &mut Vec<u8>, ty: i32, data: &[u8]| {
        let clen = 16 + data.len();
        let mut c = vec![0u8; clen.div_ceil(8) * 8];
        abi::put(&mut c, 0, &(clen as u64).to_le_bytes());
        abi::put(&mut c, 8, &(SOL_SOCKET as u32).to_le_bytes());
        abi::put(&mut c, 12, &(ty as u32).to_le_bytes());
        abi::put(&mut c, 16, data);
        control.extend(c);
    };
    if let Some((pid, uid, gid)) = meta.cred {
        if control.len() + 28 <= cap {
            let mut d = pid.to_le_bytes().to_vec();
            d.extend(uid.to_le_bytes());
            d.extend(gid.to_le_bytes());
            push(&mut control, SCM_CREDENTIALS, &d);
        } else {
            mflags |= msg::CTRUNC;
        }
    }
    if !meta.fds.is_empty() {
        let room = cap.saturating_sub(control.len() + 16) / 4;
        let cloexec = flags & msg::CMSG_CLOEXEC != 0;
        let mut installed: Vec<u8> = Vec::new();
        for (i, f) in meta.fds.iter().enumerate() {
            let nfd = if i < room { v.install(who.pid, *f, cloexec, 0) } else { err(libc::EMFILE) };
            if crate::service::is_err(nfd) {
                mflags |= msg::CTRUNC;
            } else {
                installed.extend((nfd as i32).to_le_bytes());
            }
            // The in-flight reference is released either way.
            v.drop_ref(env, *f);
        }
        if !installed.is_empty() {
            push(&mut control, SCM_RIGHTS, &installed);
        }
    }
    if !control.is_empty() {
        env.write(h.control, &control)?;
    }
    // The last message's padding is not counted when it does not fit.
    let controllen = control.len().min(cap);
    control.truncate(controllen);
    env.write(p + 8, &namelen.to_le_bytes())?;
    env.write(p + 40, &(controllen as u64).to_le_bytes())?;
    env.write(p + 48, &mflags.to_le_bytes())?;
    val(if flags & msg::TRUNC != 0 && meta.full > data.len() { meta.full as u64 } else { data.len() as u64 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_checks_in_linux_order() {
        // Unknown flag bits before the family, the family before the type.
        assert_eq!(create_check(1000, SOCK_TYPE_MASK + 1 + 0x40), Err(libc::EINVAL));
        assert_eq!(create_check(AF_INET, 1 | 0x40), Err(libc::EINVAL));
        assert_eq!(create_check(1000, 11), Err(libc::EAFNOSUPPORT));
        assert_eq!(create_check(-1, 1), Err(libc::EAFNOSUPPORT));
        assert_eq!(create_check(AF_INET, 11), Err(libc::EINVAL));
        assert_eq!(create_check(AF_INET, 1 | o::NONBLOCK | o::CLOEXEC), Ok(1));
    }
}
