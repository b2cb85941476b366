//! Readiness: the poll events of every kind of open file, and the poll family that
//! waits on them (ppoll, pselect6; epoll has its own module).
//!
//! A waiting call blocks on "any change of vfs state" plus whatever host descriptors
//! and timer expiries its files depend on, and re-checks everything when woken. Like
//! Linux, these calls are never restarted after a signal handler: they answer -EINTR.

use super::abi::{self, ev};
use super::host;
use super::io::Stop;
use super::wait::{WaitSet, Who};
use super::{Backend, Regs, Vfs, epoll, fail};
use crate::service::{Env, err};
use std::os::fd::AsRawFd;
use std::time::Instant;

/// Events a poll always reports, asked for or not.
const ALWAYS: u32 = ev::ERR | ev::HUP | ev::NVAL;

impl Vfs {
    /// Poll events of open file `id` now. What the caller would have to wait on while
    /// `want` is not ready (host descriptors, timer expiries) is added to `set`.
    pub(super) fn events(&self, id: u64, want: u32, set: &mut WaitSet, depth: u32) -> u32 {
        let Some(f) = self.files.get(&id) else { return ev::NVAL };
        let host_poll = |fd: i32, set: &mut WaitSet| {
            let asked = (want & (ev::IN | ev::PRI | ev::OUT | ev::RDHUP)) as i16 | libc::POLLIN;
            let r = host::poll_now(fd, asked | libc::POLLOUT) as u16 as u32;
            if r & (want | ALWAYS) == 0 {
                set.host(fd, asked);
            }
            r
        };
        match &f.backend {
            Backend::Host(h) => {
                let fd = h.as_raw_fd();
                if host::is_regular(fd) { ev::DEFAULT } else { host_poll(fd, set) }
            }
            Backend::Console(h) => host_poll(*h, set),
            Backend::Dir(_) | Backend::Text(_) | Backend::Comm(..) | Backend::Proc(_) | Backend::Null | Backend::Zero | Backend::Full | Backend::Random | Backend::Block(_) => ev::DEFAULT,
            Backend::PipeRead(p) => self.pipes.get(p).map_or(ev::HUP, |p| p.events(true)),
            Backend::PipeWrite(p) => self.pipes.get(p).map_or(ev::ERR, |p| p.events(false)),
            Backend::Event(e) => e.events(),
            Backend::Inotify => self.inotify.get(&id).map_or(0, |i| i.events()),
            Backend::Signal(m) => self.signal_events(*m, set),
            Backend::Pidfd(p) => self.pidfd_events(*p),
            Backend::Timer(t) => {
                let e = t.events();
                if let Some(at) = t.wake_at() {
                    set.at(at);
                }
                e
            }
            Backend::Epoll(ep) => {
                if depth > epoll::MAX_DEPTH {
                    return 0;
                }
                if epoll::would_report(self, ep, set, depth + 1) { ev::IN | ev::RDNORM } else { 0 }
            }
            Backend::Unix(s) => self.unix.events(*s),
            // A real host socket: the host's answer is Linux's answer.
            Backend::Inet(i) => host_poll(i.fd.as_raw_fd(), set),
            // Queue readiness is ipc's; not asked (`mq`).
            Backend::Mq(_) => 0,
        }
    }

    /// A number that changes whenever the readiness of open file `id` may have changed
    /// (what edge-triggered epoll compares).
    pub(super) fn generation(&self, id: u64) -> u64 {
        let Some(f) = self.files.get(&id) else { return 0 };
        match &f.backend {
            Backend::PipeRead(p) | Backend::PipeWrite(p) => self.pipes.get(p).map_or(0, |p| p.generation),
            Backend::Event(e) => e.generation,
            Backend::Inotify => self.inotify.get(&id).map_or(0, |i| i.generation),
            Backend::Timer(t) => t.generation(),
            Backend::Unix(s) => self.unix.generation(*s),
            Backend::Inet(i) => i.generation,
            _ => 0,
        }
    }
}

/// Reads the optional timeout at `tsp` (None: wait forever); Err(EINVAL) if malformed.
pub(super) fn timeout(env: &mut dyn Env, tsp: u64) -> Result<Result<Option<u128>, i32>, machine::Fault> {
    if tsp == 0 {
        return Ok(Ok(None));
    }
    let mut b = [0u8; 16];
    env.read(tsp, &mut b)?;
    Ok(abi::timespec_ns(&b).map(Some).ok_or(libc::EINVAL))
}

/// Writes back the time left of a call's timeout, as Linux does for ppoll and pselect6.
fn write_remaining(v: &Vfs, env: &mut dyn Env, who: Who, tsp: u64) {
    if tsp == 0 {
        return;
    }
    // A process whose persona has STICKY_TIMEOUTS keeps its timeout as it gave it
    // (poll_select_finish); proc keeps the persona.
    const STICKY_TIMEOUTS: u64 = 0x0400_0000;
    if env.call(crate::service::ServiceId::Proc, crate::sysno::PERSONALITY, [who.word, 0xffff_ffff, 0, 0, 0, 0], &[]).is_ok_and(|r| !crate::service::is_err(r[0]) && r[0] & STICKY_TIMEOUTS != 0) {
        return;
    }
    let left = v.waits_deadline(who).map_or(0, |d| d.saturating_duration_since(crate::clock::now()).as_nanos());
    // A failed write-back is ignored, as on Linux.
    let _ = env.write(tsp, &abi::timespec(left));
}

impl Vfs {
    fn waits_deadline(&self, who: Who) -> Option<Instant> {
        self.waits.peek(who).and_then(|r| r.deadline)
    }
}

/// The common tail of the poll family: given whether something is ready, finish or
/// wait. `ready` is the result to return when done.
pub(super) fn finish_or_wait(v: &mut Vfs, env: &mut dyn Env, who: Who, ready: Option<u64>, zero_timeout: bool, mask: Option<u64>, set: &WaitSet) -> Result<[u64; 2], Stop> {
    if let Some(n) = ready {
        v.waits.restore_mask(env, who);
        return Ok([n, 0]);
    }
    if zero_timeout || v.waits.expired(who) {
        v.waits.restore_mask(env, who);
        return Ok([0, 0]);
    }
    if let Some(m) = mask {
        v.waits.set_mask(env, who, m);
    }
    if v.waits.signal_pending(env, who) {
        return Ok([err(libc::EINTR), 0]);
    }
    Err(Stop::Block(v.waits.block(env, who, set)))
}

/// Starts (or continues) a timed wait: the deadline is fixed at the first try.
pub(super) fn start_timeout(v: &mut Vfs, who: Who, ns: Option<u128>) {
    let r = v.waits.retry(who);
    if !r.started {
        r.started = true;
        r.deadline = super::wait::deadline_in(ns);
    }
}

/// Reads the signal mask argument of ppoll / epoll_pwait: (sigmask*, sigsetsize).
pub(super) fn sigmask(env: &mut dyn Env, p: u64, size: u64) -> Result<Result<Option<u64>, i32>, machine::Fault> {
    if p == 0 {
        return Ok(Ok(None));
    }
    if size != 8 {
        return Ok(Err(libc::EINVAL));
    }
    let mut b = [0u8; 8];
    env.read(p, &mut b)?;
    Ok(Ok(Some(u64::from_le_bytes(b))))
}

/// ppoll(fds*, nfds, tsp*, sigmask*, sigsetsize).
pub fn ppoll(v: &mut Vfs, env: &mut dyn Env, who: Who, s: [u64; 5]) -> Regs {
    let (fdsp, nfds, tsp) = (s[0], s[1], s[2]);
    let limit = v.tables.get(&who.pid).map_or(1024, |t| t.limit);
    if nfds > limit.max(1024) {
        return fail(libc::EINVAL);
    }
    let ns = match timeout(env, tsp)? {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    let mask = match sigmask(env, s[3], s[4])? {
        Ok(m) => m,
        Err(e) => return fail(e),
    };
    start_timeout(v, who, ns);
    let mut fds = vec![0u8; nfds as usize * 8];
    env.read(fdsp, &mut fds)?;
    let mut set = WaitSet::default();
    let mut count = 0u64;
    for i in 0..nfds as usize {
        let fd = abi::u32_at(&fds, i * 8) as i32;
        let want = abi::u16_at(&fds, i * 8 + 4) as u32;
        let got = if fd < 0 {
            0
        } else {
            match v.file_of(who.pid, fd) {
                None => ev::NVAL,
                Some(id) => v.events(id, want, &mut set, 0) & (want | ALWAYS),
            }
        };
        if got != 0 {
            count += 1;
        }
        abi::put(&mut fds, i * 8 + 6, &(got as u16).to_le_bytes());
    }
    let r = finish_or_wait(v, env, who, (count > 0).then_some(count), ns == Some(0), mask, &set);
    match r {
        Ok(regs) => {
            if !crate::service::is_err(regs[0]) {
                env.write(fdsp, &fds)?;
            }
            write_remaining(v, env, who, tsp);
            Ok(regs)
        }
        Err(Stop::Block(regs)) => Ok(regs),
        Err(Stop::Err(e)) => fail(e),
        Err(Stop::Fault(f)) => Err(f),
    }
}

/// The arguments of pselect6 as `lends::qualify` packs them (six do not fit the five
/// registers a service call carries): the three sets qualified, then the timeout's
/// offset with nfds in its top 16 bits (0xffff: negative), then the sigmask argument's
/// offset with the process's DATA space in its top 16 bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Select {
    pub sets: [u64; 3],
    pub n: Option<u32>,
    pub tsp: u64,
    pub sig: u64,
    pub sid: u64,
}

impl Select {
    /// Packs the raw syscall arguments; `sid` is the caller's DATA space.
    pub fn pack(a: &[u64; 6], q: impl Fn(u64) -> u64, sid: u64) -> [u64; 5] {
        let n = a[0] as i32;
        let nenc: u64 = if n < 0 { 0xffff } else { (n as u64).min(0xfffe) };
        let off = |p: u64| p & ((1 << 48) - 1);
        [q(a[1]), q(a[2]), q(a[3]), nenc << 48 | off(a[4]), sid << 48 | off(a[5])]
    }

    /// Unpacks what `pack` made.
    pub fn unpack(s: &[u64]) -> Select {
        let nenc = (s[3] >> 48) as u32;
        let sid = s[4] >> 48;
        let qual = |off: u64| if off == 0 { 0 } else { sid << 48 | off };
        Select { sets: [s[0], s[1], s[2]], n: (nenc != 0xffff).then_some(nenc), tsp: qual(s[3] & ((1 << 48) - 1)), sig: qual(s[4] & ((1 << 48) - 1)), sid }
    }

    /// Bytes of each fd set: nfds bits rounded up to whole longs.
    pub fn set_bytes(&self) -> u64 {
        self.n.map_or(0, |n| (n as u64).div_ceil(64) * 8)
    }

    /// The process pointer `p` (local) qualified with the caller's space.
    pub fn qualify(&self, p: u64) -> u64 {
        if p == 0 { 0 } else { self.sid << 48 | (p & ((1 << 48) - 1)) }
    }
}

/// pselect6(nfds, readfds*, writefds*, exceptfds*, tsp*, sig*), packed (see `Select`).
pub fn pselect6(v: &mut Vfs, env: &mut dyn Env, who: Who, s: [u64; 5]) -> Regs {
    let a = Select::unpack(&s);
    let Some(n) = a.n else { return fail(libc::EINVAL) };
    let ns = match timeout(env, a.tsp)? {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    let mut mask = None;
    if a.sig != 0 {
        let mut b = [0u8; 16];
        env.read(a.sig, &mut b)?;
        let (ss, len) = (abi::u64_at(&b, 0), abi::u64_at(&b, 8));
        mask = match sigmask(env, a.qualify(ss), len)? {
            Ok(m) => m,
            Err(e) => return fail(e),
        };
    }
    let limit = v.tables.get(&who.pid).map_or(1024, |t| t.limit) as u32;
    let n = n.min(limit.max(1024));
    let bytes = (n as usize).div_ceil(64) * 8;
    start_timeout(v, who, ns);
    let mut sets = [vec![0u8; bytes], vec![0u8; bytes], vec![0u8; bytes]];
    for (i, p) in a.sets.iter().enumerate() {
        if *p != 0 {
            env.read(*p, &mut sets[i])?;
        }
    }
    let bit = |set: &[u8], fd: u32| set[(fd / 8) as usize] & (1 << (fd % 8)) != 0;
    let mut out = [vec![0u8; bytes], vec![0u8; bytes], vec![0u8; bytes]];
    let mut set = WaitSet::default();
    let mut count = 0u64;
    const IN_SET: u32 = ev::IN | ev::RDNORM | ev::RDBAND | ev::HUP | ev::ERR;
    const OUT_SET: u32 = ev::OUT | ev::WRNORM | ev::WRBAND | ev::ERR;
    const EX_SET: u32 = ev::PRI;
    for fd in 0..n {
        let asked: Vec<bool> = (0..3).map(|i| bit(&sets[i], fd)).collect();
        if !asked.iter().any(|x| *x) {
            continue;
        }
        let Some(id) = v.file_of(who.pid, fd as i32) else { return fail(libc::EBADF) };
        let want = if asked[0] { IN_SET } else { 0 } | if asked[1] { OUT_SET } else { 0 } | if asked[2] { EX_SET } else { 0 };
        let got = v.events(id, want, &mut set, 0);
        for (i, class) in [IN_SET, OUT_SET, EX_SET].iter().enumerate() {
            if asked[i] && got & class != 0 {
                out[i][(fd / 8) as usize] |= 1 << (fd % 8);
                count += 1;
            }
        }
    }
    match finish_or_wait(v, env, who, (count > 0).then_some(count), ns == Some(0), mask, &set) {
        Ok(regs) => {
            if !crate::service::is_err(regs[0]) {
                for (i, p) in a.sets.iter().enumerate() {
                    if *p != 0 {
                        env.write(*p, &out[i])?;
                    }
                }
            }
            write_remaining(v, env, who, a.tsp);
            Ok(regs)
        }
        Err(Stop::Block(regs)) => Ok(regs),
        Err(Stop::Err(e)) => fail(e),
        Err(Stop::Fault(f)) => Err(f),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn select_arguments_round_trip() {
        let sid = 0x1234u64;
        let q = |p: u64| if p == 0 { 0 } else { sid << 48 | p };
        let raw = [17u64, 0x1000, 0, 0x3000, 0x4000, 0x5000];
        let a = Select::unpack(&Select::pack(&raw, q, sid));
        assert_eq!(a.n, Some(17));
        assert_eq!(a.sets, [q(0x1000), 0, q(0x3000)]);
        assert_eq!((a.tsp, a.sig), (q(0x4000), q(0x5000)));
        assert_eq!(a.set_bytes(), 8);
        let neg = Select::unpack(&Select::pack(&[(-1i64) as u64, 0, 0, 0, 0, 0], q, sid));
        assert_eq!((neg.n, neg.tsp, neg.sig), (None, 0, 0));
    }
}
