//! AF_UNIX sockets, implemented inside the vfs: stream, datagram and seqpacket
//! sockets, pathname names in the guest's filesystem (a socket inode on the host marks
//! the name, the vfs keeps what it means), abstract names, and descriptors passed with
//! SCM_RIGHTS (open files in flight, referenced by the message that carries them).

use super::abi::ev;
use std::collections::{BTreeMap, VecDeque};

pub const SOCK_STREAM: i32 = 1;
pub const SOCK_DGRAM: i32 = 2;
pub const SOCK_SEQPACKET: i32 = 5;
/// Default receive buffer (Linux's net.core.rmem_default).
pub const RCVBUF: usize = 212_992;
/// Datagrams a receiver queues before senders wait (net.unix.max_dgram_qlen).
pub const MAX_DGRAM_QLEN: usize = 10;

/// What a socket is known by.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Name {
    /// An abstract name (the bytes after the leading NUL).
    Abstract(Vec<u8>),
    /// A socket inode in the filesystem: (device, inode) on the host.
    Path(u64, u64),
}

/// Credentials carried with a connection (SO_PEERCRED): pid, uid, gid.
pub type Cred = (u32, u32, u32);

/// One message in a receive queue.
#[derive(Debug, Default)]
pub struct Msg {
    pub data: Vec<u8>,
    /// Open files in flight (one reference each).
    pub fds: Vec<u64>,
    /// The sender's address (datagrams).
    pub from: Option<Vec<u8>>,
    pub cred: Cred,
}

/// An AF_UNIX socket.
#[derive(Debug)]
pub struct UnixSock {
    pub ty: i32,
    /// The sockaddr_un it is bound to, as given (what getsockname returns).
    pub addr: Option<Vec<u8>>,
    pub name: Option<Name>,
    /// The connected peer (for a datagram socket: its default destination).
    pub peer: Option<u64>,
    /// Set once connected (stream, seqpacket): the peer may have gone since.
    pub connected: bool,
    /// listen() backlog, when listening.
    pub listening: Option<usize>,
    /// Connections waiting for accept (server-side sockets not yet installed).
    pub pending: VecDeque<u64>,
    pub rx: VecDeque<Msg>,
    pub rx_bytes: usize,
    pub rcvbuf: usize,
    pub sndbuf: usize,
    /// Linux's sk_shutdown bits.
    pub rcv_shut: bool,
    pub snd_shut: bool,
    /// A pending error (SO_ERROR), e.g. ECONNRESET.
    pub err: i32,
    /// Credentials of whoever connected or listened; the peer's, for SO_PEERCRED.
    pub cred: Cred,
    pub peer_cred: Option<Cred>,
    pub passcred: bool,
    /// SO_RCVTIMEO / SO_SNDTIMEO in nanoseconds (0: none).
    pub rcvtimeo: u128,
    pub sndtimeo: u128,
    pub generation: u64,
}

impl UnixSock {
    pub fn new(ty: i32, cred: Cred) -> UnixSock {
        UnixSock {
            ty,
            addr: None,
            name: None,
            peer: None,
            connected: false,
            listening: None,
            pending: VecDeque::new(),
            rx: VecDeque::new(),
            rx_bytes: 0,
            rcvbuf: RCVBUF,
            sndbuf: RCVBUF,
            rcv_shut: false,
            snd_shut: false,
            err: 0,
            cred,
            peer_cred: None,
            passcred: false,
            rcvtimeo: 0,
            sndtimeo: 0,
            generation: 0,
        }
    }

    /// Whether it keeps message boundaries.
    pub fn is_stream(&self) -> bool {
        self.ty == SOCK_STREAM
    }

    fn connection_based(&self) -> bool {
        self.ty != SOCK_DGRAM
    }
}

/// Every AF_UNIX socket and name of the guest.
#[derive(Debug, Default)]
pub struct UnixNet {
    pub socks: BTreeMap<u64, UnixSock>,
    pub names: BTreeMap<Name, u64>,
    next: u64,
    autobind: u32,
}

impl UnixNet {
    /// A new socket; its id.
    pub fn add(&mut self, s: UnixSock) -> u64 {
        self.next += 1;
        let id = self.next;
        self.socks.insert(id, s);
        id
    }

    /// The next autobind name ("\0" and five hex digits).
    pub fn autobind_name(&mut self) -> Vec<u8> {
        loop {
            self.autobind = (self.autobind + 1) & 0xfffff;
            let n = format!("{:05x}", self.autobind).into_bytes();
            if !self.names.contains_key(&Name::Abstract(n.clone())) {
                return n;
            }
        }
    }

    pub fn is_stream(&self, id: u64) -> bool {
        self.socks.get(&id).is_some_and(|s| s.is_stream())
    }

    pub fn generation(&self, id: u64) -> u64 {
        self.socks.get(&id).map_or(0, |s| s.generation)
    }

    /// Bytes a read could take now (FIONREAD).
    pub fn readable_bytes(&self, id: u64) -> usize {
        match self.socks.get(&id) {
            Some(s) if s.is_stream() => s.rx_bytes,
            Some(s) => s.rx.front().map_or(0, |m| m.data.len()),
            None => 0,
        }
    }

    /// Whether peer `p` of a connection still exists.
    pub fn alive(&self, p: Option<u64>) -> Option<&UnixSock> {
        self.socks.get(&p?)
    }

    /// Whether `to` can take `len` more bytes (in one message for datagrams).
    pub fn room(&self, to: &UnixSock, len: usize) -> bool {
        if to.ty == SOCK_DGRAM {
            to.rx.len() <= MAX_DGRAM_QLEN && to.rx_bytes + len <= to.rcvbuf.max(len)
        } else if to.ty == SOCK_SEQPACKET {
            to.rx_bytes + len <= to.rcvbuf.max(len)
        } else {
            to.rx_bytes < to.rcvbuf
        }
    }

    /// Poll events (Linux's unix_poll / unix_dgram_poll).
    pub fn events(&self, id: u64) -> u32 {
        let Some(s) = self.socks.get(&id) else { return ev::NVAL };
        let mut e = 0;
        if s.err != 0 {
            e |= ev::ERR;
        }
        if s.rcv_shut && s.snd_shut {
            e |= ev::HUP;
        }
        if s.rcv_shut {
            e |= ev::RDHUP | ev::IN | ev::RDNORM;
        }
        if !s.rx.is_empty() || !s.pending.is_empty() {
            e |= ev::IN | ev::RDNORM;
        }
        if s.connection_based() {
            if s.listening.is_some() {
                return e;
            }
            if !s.connected {
                e |= ev::HUP;
            }
            // Writable also when the other side has shut down: writes then fail at once
            // rather than hang.
            let writable = match self.alive(s.peer) {
                Some(p) if !p.rcv_shut => self.room(p, 1),
                _ => true,
            };
            if writable {
                e |= ev::OUT | ev::WRNORM | ev::WRBAND;
            }
        } else {
            let writable = match self.alive(s.peer) {
                Some(p) if p.peer.is_none_or(|pp| pp == id) => self.room(p, 1),
                _ => true,
            };
            if writable {
                e |= ev::OUT | ev::WRNORM | ev::WRBAND;
            }
        }
        e
    }
}

use super::abi::{o, s as mode};
use super::io::Stop;
use super::net::{AF_UNIX, AF_UNSPEC, RecvMeta, SOL_SOCKET, msg};
use super::path::Node;
use super::ready::start_timeout;
use super::wait::{WaitSet, Who};
use super::{Backend, Regs, Vfs, fail, val};
use crate::service::Env;
use std::os::unix::fs::MetadataExt;

/// What a sockaddr_un names.
enum Target {
    Abstract(Vec<u8>),
    /// A filesystem path (as given).
    Path(String),
    /// Just the family: an autobind request.
    Unnamed,
}

/// Parses a sockaddr_un.
fn parse(addr: &[u8]) -> Result<Target, i32> {
    if addr.len() < 2 || u16::from_le_bytes([addr[0], addr[1]]) as i32 != AF_UNIX {
        return Err(libc::EINVAL);
    }
    let p = &addr[2..];
    if p.is_empty() {
        return Ok(Target::Unnamed);
    }
    if p[0] == 0 {
        return Ok(Target::Abstract(p[1..].to_vec()));
    }
    let end = p.iter().position(|b| *b == 0).unwrap_or(p.len());
    Ok(Target::Path(String::from_utf8_lossy(&p[..end]).into_owned()))
}

/// The sockaddr_un of an abstract name.
fn abstract_addr(name: &[u8]) -> Vec<u8> {
    let mut a = (AF_UNIX as u16).to_le_bytes().to_vec();
    a.push(0);
    a.extend_from_slice(name);
    a
}

impl Vfs {
    /// Waits for a change of vfs state, or fails with EAGAIN once SO_*TIMEO runs out.
    fn unix_wait(&mut self, env: &mut dyn Env, who: Who, timeo: u128) -> Stop {
        if timeo > 0 {
            start_timeout(self, who, Some(timeo));
            if self.waits.expired(who) {
                return Stop::Err(libc::EAGAIN);
            }
        }
        Stop::Block(self.waits.block(env, who, &WaitSet::default()))
    }

    /// Finds the socket a sockaddr_un names (connect, sendto).
    fn unix_lookup(&self, env: &mut dyn Env, pid: u32, addr: &[u8]) -> Result<u64, i32> {
        let name = match parse(addr)? {
            Target::Unnamed => return Err(libc::EINVAL),
            Target::Abstract(n) => Name::Abstract(n),
            Target::Path(p) => {
                let r = self.resolve_at(env, pid, super::abi::at::FDCWD, &p, true)?;
                match r.node {
                    Node::Missing => return Err(libc::ENOENT),
                    Node::Error(e) => return Err(e),
                    Node::Dir => return Err(libc::ECONNREFUSED),
                    _ => {}
                }
                let m = std::fs::metadata(self.host(&r.path)).map_err(|e| e.raw_os_error().unwrap_or(libc::EIO))?;
                if m.mode() & mode::IFMT != mode::IFSOCK {
                    return Err(libc::ECONNREFUSED);
                }
                Name::Path(m.dev(), m.ino())
            }
        };
        self.unix.names.get(&name).copied().ok_or(libc::ECONNREFUSED)
    }

    /// socketpair(AF_UNIX, type, protocol, sv*).
    pub(super) fn unix_socketpair(&mut self, env: &mut dyn Env, who: Who, ty: i32, proto: i32, sv: u64) -> Regs {
        let flags = ty & (o::NONBLOCK | o::CLOEXEC);
        let kind = ty & !(o::NONBLOCK | o::CLOEXEC);
        if ![SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET].contains(&kind) {
            return fail(libc::ESOCKTNOSUPPORT);
        }
        if proto != 0 && proto != AF_UNIX {
            return fail(libc::EPROTONOSUPPORT);
        }
        let cred = (who.pid, 0, 0);
        let a = self.unix.add(UnixSock::new(kind, cred));
        let b = self.unix.add(UnixSock::new(kind, cred));
        for (x, y) in [(a, b), (b, a)] {
            if let Some(s) = self.unix.socks.get_mut(&x) {
                s.peer = Some(y);
                s.connected = true;
                s.peer_cred = Some(cred);
            }
        }
        let fa = self.new_file(Backend::Unix(a), o::RDWR | (flags & o::NONBLOCK), format!("socket:[{}]", 0x3000 + a));
        let fb = self.new_file(Backend::Unix(b), o::RDWR | (flags & o::NONBLOCK), format!("socket:[{}]", 0x3000 + b));
        let cloexec = flags & o::CLOEXEC != 0;
        let da = self.install_new(env, who.pid, fa, cloexec);
        if crate::service::is_err(da) {
            self.files.entry(fb).and_modify(|f| f.refs = 1);
            self.drop_ref(env, fb);
            return val(da);
        }
        let db = self.install_new(env, who.pid, fb, cloexec);
        if crate::service::is_err(db) {
            self.close(env, who.pid, da as i32);
            return val(db);
        }
        let mut out = [0u8; 8];
        out[..4].copy_from_slice(&(da as i32).to_le_bytes());
        out[4..].copy_from_slice(&(db as i32).to_le_bytes());
        if let Err(f) = env.write(sv, &out) {
            self.close(env, who.pid, da as i32);
            self.close(env, who.pid, db as i32);
            return Err(f);
        }
        val(0)
    }

    /// bind: a pathname (a socket inode is created), an abstract name, or autobind.
    pub(super) fn unix_bind(&mut self, env: &mut dyn Env, who: Who, sk: u64, addr: &[u8]) -> Result<(), i32> {
        let target = parse(addr)?;
        if self.unix.socks.get(&sk).ok_or(libc::EBADF)?.addr.is_some() {
            return Err(libc::EINVAL);
        }
        let (name, a) = match target {
            Target::Unnamed => {
                let n = self.unix.autobind_name();
                (Name::Abstract(n.clone()), abstract_addr(&n))
            }
            Target::Abstract(n) => {
                if self.unix.names.contains_key(&Name::Abstract(n.clone())) {
                    return Err(libc::EADDRINUSE);
                }
                (Name::Abstract(n.clone()), abstract_addr(&n))
            }
            Target::Path(p) => {
                let r = self.resolve_at(env, who.pid, super::abi::at::FDCWD, &p, false)?;
                match r.node {
                    Node::Missing => {}
                    Node::Error(e) => return Err(e),
                    _ => return Err(libc::EADDRINUSE),
                }
                if self.is_synth(&r.path) || super::path::is_under(&r.path, "/proc") {
                    return Err(libc::ENOENT);
                }
                let h = self.host(&r.path);
                let um = self.umask(env, who);
                super::host::mknod(&h, mode::IFSOCK | (0o777 & !um), 0)?;
                let m = std::fs::symlink_metadata(&h).map_err(|e| e.raw_os_error().unwrap_or(libc::EIO))?;
                let mut a = (AF_UNIX as u16).to_le_bytes().to_vec();
                a.extend_from_slice(p.as_bytes());
                a.push(0);
                (Name::Path(m.dev(), m.ino()), a)
            }
        };
        self.unix.names.insert(name.clone(), sk);
        if let Some(s) = self.unix.socks.get_mut(&sk) {
            s.name = Some(name);
            s.addr = Some(a);
        }
        Ok(())
    }

    /// listen(backlog).
    pub(super) fn unix_listen(&mut self, who: Who, sk: u64, backlog: i32) -> Result<(), i32> {
        let s = self.unix.socks.get_mut(&sk).ok_or(libc::EBADF)?;
        if s.ty == SOCK_DGRAM {
            return Err(libc::EOPNOTSUPP);
        }
        if s.addr.is_none() || s.connected {
            return Err(libc::EINVAL);
        }
        s.listening = Some(if backlog < 0 { 4096 } else { (backlog as usize).min(4096) });
        s.cred = (who.pid, 0, 0);
        s.generation += 1;
        Ok(())
    }

    /// connect: a stream or seqpacket socket queues a connection at a listener (which
    /// succeeds at once, as on Linux); a datagram socket sets its destination.
    pub(super) fn unix_connect(&mut self, env: &mut dyn Env, who: Who, sk: u64, addr: &[u8], nonblock: bool) -> Result<(), Stop> {
        let s = self.unix.socks.get(&sk).ok_or(Stop::Err(libc::EBADF))?;
        let ty = s.ty;
        if ty == SOCK_DGRAM {
            if addr.len() >= 2 && u16::from_le_bytes([addr[0], addr[1]]) as i32 == AF_UNSPEC {
                if let Some(s) = self.unix.socks.get_mut(&sk) {
                    s.peer = None;
                }
                return Ok(());
            }
            let t = self.unix_lookup(env, who.pid, addr).map_err(Stop::Err)?;
            if self.unix.socks.get(&t).is_some_and(|t| t.ty != SOCK_DGRAM) {
                return Err(Stop::Err(libc::EPROTOTYPE));
            }
            if let Some(s) = self.unix.socks.get_mut(&sk) {
                s.peer = Some(t);
            }
            return Ok(());
        }
        if s.listening.is_some() {
            return Err(Stop::Err(libc::EINVAL));
        }
        if s.connected {
            return Err(Stop::Err(libc::EISCONN));
        }
        let t = self.unix_lookup(env, who.pid, addr).map_err(Stop::Err)?;
        let Some(listener) = self.unix.socks.get(&t) else { return Err(Stop::Err(libc::ECONNREFUSED)) };
        if listener.ty != ty {
            return Err(Stop::Err(libc::EPROTOTYPE));
        }
        let Some(backlog) = listener.listening else { return Err(Stop::Err(libc::ECONNREFUSED)) };
        if listener.pending.len() > backlog {
            if nonblock {
                return Err(Stop::Err(libc::EAGAIN));
            }
            let timeo = self.unix.socks.get(&sk).map_or(0, |s| s.sndtimeo);
            return Err(self.unix_wait(env, who, timeo));
        }
        let (laddr, lcred) = (listener.addr.clone(), listener.cred);
        let ccred = (who.pid, 0, 0);
        let mut server = UnixSock::new(ty, lcred);
        server.addr = laddr;
        server.peer = Some(sk);
        server.connected = true;
        server.peer_cred = Some(ccred);
        let e = self.unix.add(server);
        if let Some(s) = self.unix.socks.get_mut(&sk) {
            s.peer = Some(e);
            s.connected = true;
            s.cred = ccred;
            s.peer_cred = Some(lcred);
            s.generation += 1;
        }
        if let Some(l) = self.unix.socks.get_mut(&t) {
            l.pending.push_back(e);
            l.generation += 1;
        }
        Ok(())
    }

    /// accept: the next queued connection, and the address of its peer.
    pub(super) fn unix_accept(&mut self, env: &mut dyn Env, who: Who, sk: u64, nonblock: bool) -> Result<(Backend, Vec<u8>), Stop> {
        let s = self.unix.socks.get_mut(&sk).ok_or(Stop::Err(libc::EBADF))?;
        if s.listening.is_none() {
            return Err(Stop::Err(if s.ty == SOCK_DGRAM { libc::EOPNOTSUPP } else { libc::EINVAL }));
        }
        let Some(e) = s.pending.pop_front() else {
            if nonblock {
                return Err(Stop::Err(libc::EAGAIN));
            }
            let timeo = s.rcvtimeo;
            return Err(self.unix_wait(env, who, timeo));
        };
        s.generation += 1;
        let peer = self.unix.socks.get(&e).and_then(|x| x.peer);
        let addr = self.unix.alive(peer).and_then(|p| p.addr.clone()).unwrap_or_else(|| (AF_UNIX as u16).to_le_bytes().to_vec());
        Ok((Backend::Unix(e), addr))
    }

    /// Sends `data` (with open files `fds` on the first message).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn unix_send(&mut self, env: &mut dyn Env, who: Who, sk: u64, data: &[u8], _flags: i32, to: Option<&[u8]>, fds: &[u64], nonblock: bool) -> Result<usize, Stop> {
        let s = self.unix.socks.get(&sk).ok_or(Stop::Err(libc::EBADF))?;
        let (ty, timeo, from) = (s.ty, s.sndtimeo, s.addr.clone());
        if s.snd_shut {
            return Err(Stop::Err(libc::EPIPE));
        }
        let dest = if ty == SOCK_DGRAM {
            match to {
                Some(a) => self.unix_lookup(env, who.pid, a).map_err(Stop::Err)?,
                None => s.peer.ok_or(Stop::Err(libc::ENOTCONN))?,
            }
        } else {
            if s.listening.is_some() || !s.connected {
                return Err(Stop::Err(if to.is_some() { libc::EOPNOTSUPP } else { libc::ENOTCONN }));
            }
            s.peer.ok_or(Stop::Err(libc::ENOTCONN))?
        };
        let Some(t) = self.unix.socks.get(&dest) else { return Err(Stop::Err(if ty == SOCK_DGRAM { libc::ECONNREFUSED } else { libc::EPIPE })) };
        if ty == SOCK_DGRAM {
            if t.ty != SOCK_DGRAM {
                return Err(Stop::Err(libc::EPROTOTYPE));
            }
            if t.peer.is_some_and(|p| p != sk) {
                return Err(Stop::Err(libc::EPERM));
            }
        } else if t.rcv_shut {
            return Err(Stop::Err(libc::EPIPE));
        }
        if ty != SOCK_STREAM && data.len() > RCVBUF {
            return Err(Stop::Err(libc::EMSGSIZE));
        }
        let need = if ty == SOCK_STREAM { 1 } else { data.len() };
        if !self.unix.room(t, need) {
            if nonblock {
                return Err(Stop::Err(libc::EAGAIN));
            }
            return Err(self.unix_wait(env, who, timeo));
        }
        let n = if ty == SOCK_STREAM { data.len().min(t.rcvbuf - t.rx_bytes.min(t.rcvbuf)).max(1).min(data.len()) } else { data.len() };
        for f in fds {
            if let Some(file) = self.files.get_mut(f) {
                file.refs += 1;
            }
        }
        let m = Msg {
            data: data[..n].to_vec(),
            fds: fds.to_vec(),
            from: if ty == SOCK_DGRAM { Some(from.unwrap_or_else(|| (AF_UNIX as u16).to_le_bytes().to_vec())) } else { None },
            cred: (who.pid, 0, 0),
        };
        if let Some(t) = self.unix.socks.get_mut(&dest) {
            t.rx_bytes += n;
            t.rx.push_back(m);
            t.generation += 1;
        }
        Ok(n)
    }

    /// Receives up to `len` bytes: a stream read takes across messages (but not past
    /// one that carries descriptors), the other types one message.
    pub(super) fn unix_recv(&mut self, env: &mut dyn Env, who: Who, sk: u64, len: usize, flags: i32, nonblock: bool) -> Result<(Vec<u8>, RecvMeta), Stop> {
        let peek = flags & msg::PEEK != 0;
        let s = self.unix.socks.get_mut(&sk).ok_or(Stop::Err(libc::EBADF))?;
        if s.listening.is_some() || (s.ty != SOCK_DGRAM && !s.connected) {
            return Err(Stop::Err(if s.ty == SOCK_SEQPACKET { libc::ENOTCONN } else { libc::EINVAL }));
        }
        if s.rx.is_empty() {
            if s.err != 0 {
                return Err(Stop::Err(std::mem::take(&mut s.err)));
            }
            if s.rcv_shut || len == 0 {
                return Ok((Vec::new(), RecvMeta::default()));
            }
            if nonblock {
                return Err(Stop::Err(libc::EAGAIN));
            }
            let timeo = s.rcvtimeo;
            return Err(self.unix_wait(env, who, timeo));
        }
        let mut meta = RecvMeta::default();
        let mut out = Vec::new();
        let cred = s.rx.front().map(|m| m.cred);
        if s.ty == SOCK_STREAM {
            let mut i = 0;
            while out.len() < len && i < s.rx.len() {
                if i > 0 && !s.rx[i].fds.is_empty() {
                    break;
                }
                let want = len - out.len();
                let m = &mut s.rx[i];
                let n = want.min(m.data.len());
                out.extend_from_slice(&m.data[..n]);
                if peek {
                    i += 1;
                    continue;
                }
                meta.fds.append(&mut m.fds);
                m.data.drain(..n);
                if m.data.is_empty() {
                    s.rx.pop_front();
                } else {
                    break;
                }
            }
            if !peek {
                s.rx_bytes -= out.len();
            }
        } else {
            let m = if peek { s.rx.front().map(|m| Msg { data: m.data.clone(), fds: Vec::new(), from: m.from.clone(), cred: m.cred }) } else { s.rx.pop_front() };
            let Some(mut m) = m else { return Ok((Vec::new(), meta)) };
            if !peek {
                s.rx_bytes -= m.data.len();
            }
            meta.full = m.data.len();
            if m.data.len() > len {
                m.data.truncate(len);
                meta.flags |= msg::TRUNC;
            }
            meta.from = m.from.take();
            meta.fds = m.fds;
            out = m.data;
        }
        if s.passcred {
            meta.cred = Some(cred.unwrap_or((0, 0, 0)));
        }
        s.generation += 1;
        // The sender may be waiting for room.
        let peer = s.peer;
        if let Some(p) = peer.and_then(|p| self.unix.socks.get_mut(&p)) {
            p.generation += 1;
        }
        Ok((out, meta))
    }

    /// shutdown(how): own directions, and the peer's opposite ones.
    pub(super) fn unix_shutdown(&mut self, sk: u64, how: i32) -> Result<(), i32> {
        let s = self.unix.socks.get_mut(&sk).ok_or(libc::EBADF)?;
        if s.ty != SOCK_DGRAM && !s.connected {
            return Err(libc::ENOTCONN);
        }
        let (rd, wr) = (how != libc::SHUT_WR, how != libc::SHUT_RD);
        s.rcv_shut |= rd;
        s.snd_shut |= wr;
        s.generation += 1;
        let peer = s.peer;
        if s.ty != SOCK_DGRAM {
            if let Some(p) = peer.and_then(|p| self.unix.socks.get_mut(&p)) {
                p.rcv_shut |= wr;
                p.snd_shut |= rd;
                p.generation += 1;
            }
        }
        Ok(())
    }

    /// getsockname (`peer` false) or getpeername.
    pub(super) fn unix_name(&self, sk: u64, peer: bool) -> Result<Vec<u8>, i32> {
        let s = self.unix.socks.get(&sk).ok_or(libc::EBADF)?;
        let unnamed = || (AF_UNIX as u16).to_le_bytes().to_vec();
        if !peer {
            return Ok(s.addr.clone().unwrap_or_else(unnamed));
        }
        if s.ty != SOCK_DGRAM && !s.connected || s.peer.is_none() {
            return Err(libc::ENOTCONN);
        }
        match self.unix.alive(s.peer) {
            Some(p) => Ok(p.addr.clone().unwrap_or_else(unnamed)),
            None if s.ty == SOCK_DGRAM => Err(libc::ENOTCONN),
            None => Ok(unnamed()),
        }
    }

    /// The socket went away with its last open file.
    pub(super) fn unix_closed(&mut self, env: &mut dyn Env, sk: u64) {
        let Some(s) = self.unix.socks.remove(&sk) else { return };
        if let Some(n) = &s.name {
            if self.unix.names.get(n) == Some(&sk) {
                self.unix.names.remove(n);
            }
        }
        let unread = !s.rx.is_empty();
        for m in s.rx {
            for f in m.fds {
                self.drop_ref(env, f);
            }
        }
        // Connections never accepted die with their listener.
        for e in s.pending {
            self.unix_closed(env, e);
        }
        if s.ty != SOCK_DGRAM {
            if let Some(p) = s.peer.and_then(|p| self.unix.socks.get_mut(&p)) {
                p.rcv_shut = true;
                p.snd_shut = true;
                if unread {
                    p.err = libc::ECONNRESET;
                }
                p.generation += 1;
            }
        }
    }

    /// setsockopt on an AF_UNIX socket.
    pub(super) fn unix_setsockopt(&mut self, sk: u64, level: i32, name: i32, v: &[u8]) -> Result<(), i32> {
        let s = self.unix.socks.get_mut(&sk).ok_or(libc::EBADF)?;
        if level != SOL_SOCKET {
            return Err(libc::EOPNOTSUPP);
        }
        let int = || v.get(..4).map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]])).ok_or(libc::EINVAL);
        let timeval = || -> Result<u128, i32> {
            if v.len() < 16 {
                return Err(libc::EINVAL);
            }
            let (sec, usec) = (super::abi::u64_at(v, 0) as i64, super::abi::u64_at(v, 8) as i64);
            if !(0..1_000_000).contains(&usec) {
                return Err(libc::EDOM);
            }
            Ok(if sec < 0 { 0 } else { sec as u128 * 1_000_000_000 + usec as u128 * 1000 })
        };
        match name {
            libc::SO_SNDBUF => s.sndbuf = (int()?.max(1024) as usize * 2).min(1 << 24),
            libc::SO_RCVBUF => s.rcvbuf = (int()?.max(1024) as usize * 2).min(1 << 24),
            libc::SO_PASSCRED => s.passcred = int()? != 0,
            libc::SO_RCVTIMEO => s.rcvtimeo = timeval()?,
            libc::SO_SNDTIMEO => s.sndtimeo = timeval()?,
            _ => {}
        }
        Ok(())
    }

    /// getsockopt on an AF_UNIX socket.
    pub(super) fn unix_getsockopt(&mut self, sk: u64, level: i32, name: i32) -> Result<Vec<u8>, i32> {
        let s = self.unix.socks.get_mut(&sk).ok_or(libc::EBADF)?;
        if level != SOL_SOCKET {
            return Err(libc::EOPNOTSUPP);
        }
        let int = |x: i32| x.to_le_bytes().to_vec();
        let tv = |ns: u128| {
            let mut b = vec![0u8; 16];
            b[..8].copy_from_slice(&((ns / 1_000_000_000) as i64).to_le_bytes());
            b[8..].copy_from_slice(&(((ns % 1_000_000_000) / 1000) as i64).to_le_bytes());
            b
        };
        Ok(match name {
            libc::SO_TYPE => int(s.ty),
            libc::SO_DOMAIN => int(AF_UNIX),
            libc::SO_PROTOCOL => int(0),
            libc::SO_ERROR => int(std::mem::take(&mut s.err)),
            libc::SO_ACCEPTCONN => int(s.listening.is_some() as i32),
            libc::SO_SNDBUF => int(s.sndbuf as i32),
            libc::SO_RCVBUF => int(s.rcvbuf as i32),
            libc::SO_PASSCRED => int(s.passcred as i32),
            libc::SO_RCVTIMEO => tv(s.rcvtimeo),
            libc::SO_SNDTIMEO => tv(s.sndtimeo),
            libc::SO_PEERCRED => {
                let (pid, uid, gid) = s.peer_cred.unwrap_or((0, u32::MAX, u32::MAX));
                let mut b = pid.to_le_bytes().to_vec();
                b.extend(uid.to_le_bytes());
                b.extend(gid.to_le_bytes());
                b
            }
            _ => int(0),
        })
    }
}
