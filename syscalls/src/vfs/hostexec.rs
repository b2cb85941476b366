//! Host programs a guest execs, as qemu-user runs them: the bridge between a guest
//! process and the host process it became.
//!
//! When the file an exec names (after `#!`) is an executable of the host's own
//! architecture, and host programs are allowed (`--host-exec`, on by default), the
//! exec succeeds by spawning that program on the host: the guest's argv and envp, its
//! working directory (the host path the guest's names), and its descriptors. A guest fd
//! backed by a host descriptor (a host file, the console) is passed as a duplicate; a
//! grantix pipe end gets a host pipe of its own and a pump that moves bytes between the
//! two (`Pump`); close-on-exec fds and objects with no host form (AF_UNIX sockets,
//! eventfds...) are not passed. The guest pid stays: the process keeps a one-page stub
//! image (`mm::op::HOST_STUB`) whose one thread waits in `HOST_WAIT_NR`, the wait the
//! personality turns into this module's `HOST_WAIT` op. That op pumps, and blocks
//! (host fds: the child's pidfd and the pumps' pipes, plus any vfs change) until the
//! host child has ended and its output reached the guest; then the thread exits with
//! the child's status, so the parent's wait4 sees it as any child's exit. proc forwards
//! signals sent to the pid to the host child (`proc::hostexec`).
//!
//! Host programs run outside the grant model: they are the host's, with grantix's
//! own rights, as under qemu-user. The containment claims hold for guest code only;
//! `--host-exec=off` keeps exec to riscv64 programs (ENOEXEC otherwise). One hazard
//! qemu-user does not have: guest pids are grantix's own, so a pid the guest hands a
//! host program (libc-test's popen runs `kill -USR1 N` with N its getpid()) names an
//! unrelated *host* process there (pid 1 is the host's init, which drops signals it
//! does not handle; other numbers may not). The other way works: the guest's kill of
//! the pid of a process running a host program reaches that program (proc forwards).

use super::pipe;
use super::wait::{WaitSet, Who};
use super::{Backend, Vfs};
use super::io::Stop;
use crate::service::{err, Env};
use machine::Fault;
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// The syscall number of the host stub's wait: outside Linux's numbers, so the
/// table never routes it; only a process that became a host program gets an answer.
pub const HOST_WAIT_NR: u64 = 0x4857_0001;

static ENABLED: AtomicBool = AtomicBool::new(true);

/// Host pids of the host programs still running: killed when the run ends, so no
/// host process outlives grantix.
static LIVE: Mutex<BTreeSet<i32>> = Mutex::new(BTreeSet::new());

/// Whether a guest's exec of a host program runs it (`--host-exec`, GRANTIX_HOST_EXEC).
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Turns host programs on or off for this run.
pub fn set_enabled(on: bool) {
    ENABLED.store(on, Ordering::Relaxed);
}

/// Ends every host program still running (SIGKILL, then reaped): the run is over.
pub fn kill_all() {
    let pids: Vec<i32> = LIVE.lock().map(|mut l| std::mem::take(&mut *l).into_iter().collect()).unwrap_or_default();
    for p in pids {
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(p), nix::sys::signal::Signal::SIGKILL);
        let _ = nix::sys::wait::waitpid(nix::unistd::Pid::from_raw(p), None);
    }
}

/// Sends signal `sig` to host program `host_pid` (kill of its guest pid).
pub fn forward(host_pid: i32, sig: u32) {
    if LIVE.lock().is_ok_and(|l| l.contains(&host_pid)) {
        // SAFETY: kill has no memory effects; the pid is a child grantix has not reaped.
        unsafe { libc::kill(host_pid, sig as i32) };
    }
}

/// ELF e_machine of the host.
const HOST_MACHINE: u16 = if cfg!(target_arch = "x86_64") {
    62
} else if cfg!(target_arch = "aarch64") {
    183
} else {
    // Any other host: no program counts as the host's (riscv64 ones are the guest's).
    0xffff
};

/// Whether the file at host path `p` is an ELF executable of the host's architecture.
fn host_elf(p: &std::path::Path) -> bool {
    use std::io::Read;
    let mut h = [0u8; 20];
    let ok = std::fs::File::open(p).and_then(|mut f| f.read_exact(&mut h)).is_ok();
    let machine = u16::from_le_bytes([h[18], h[19]]);
    let etype = u16::from_le_bytes([h[16], h[17]]);
    ok && h[..4] == *b"\x7fELF" && h[5] == 1 && matches!(etype, 2 | 3) && (machine == HOST_MACHINE || (HOST_MACHINE == 62 && machine == 3))
}

/// What to spawn for the file at host path `host`: (program, arguments before the
/// guest's argv[1..], argv[0]); None when it is no host program. A `#!` script whose
/// interpreter (resolved in the guest's view of files) is a host program runs that
/// interpreter with the script, as the kernel's binfmt_script would.
fn host_program(v: &Vfs, host: &str, argv0: &[u8]) -> Option<(PathBuf, Vec<Vec<u8>>, Vec<u8>)> {
    use std::io::Read;
    let mut head = [0u8; 256];
    let n = std::fs::File::open(host).and_then(|mut f| f.read(&mut head)).ok()?;
    let head = &head[..n];
    if head.starts_with(b"#!") {
        let line = head[2..].split(|c| *c == b'\n').next()?;
        let line = String::from_utf8_lossy(line).trim().to_string();
        let (interp, arg) = match line.split_once([' ', '\t']) {
            Some((i, a)) => (i.to_string(), Some(a.trim().to_string()).filter(|a| !a.is_empty())),
            None => (line.clone(), None),
        };
        if !interp.starts_with('/') {
            return None;
        }
        let at = v.host(&interp);
        if !host_elf(&at) {
            return None;
        }
        let mut pre = Vec::new();
        pre.extend(arg.map(String::into_bytes));
        pre.push(host.as_bytes().to_vec());
        return Some((at, pre, interp.into_bytes()));
    }
    let p = PathBuf::from(host);
    host_elf(&p).then(|| (p, Vec::new(), argv0.to_vec()))
}

/// One direction of a grantix pipe end given to the host program.
#[derive(Debug)]
enum Pump {
    /// The program writes into a grantix pipe (`PipeWrite`): host pipe's read end,
    /// bytes read but not yet taken by the grantix pipe, and whether the host side is
    /// done (EOF, or the grantix readers are gone and the end was closed).
    Out { pipe: u64, r: Option<OwnedFd>, pending: Vec<u8> },
    /// The program reads from a grantix pipe (`PipeRead`): host pipe's write end
    /// (closed at the grantix pipe's EOF, so the program sees it), bytes taken from
    /// the grantix pipe not yet written.
    In { pipe: u64, w: Option<OwnedFd>, pending: Vec<u8> },
}

/// A host program a guest process became.
#[derive(Debug)]
pub struct HostChild {
    child: std::process::Child,
    /// Readable once the program has ended (None: the host has no pidfd_open).
    pidfd: Option<OwnedFd>,
    pumps: Vec<Pump>,
    status: Option<std::process::ExitStatus>,
}

/// The host children by guest pid (kept in `VfsState`).
pub type HostChildren = BTreeMap<u32, HostChild>;

fn nonblock(fd: RawFd) {
    use nix::fcntl::{fcntl, FcntlArg, OFlag};
    if let Ok(fl) = fcntl(fd, FcntlArg::F_GETFL) {
        let _ = fcntl(fd, FcntlArg::F_SETFL(OFlag::from_bits_truncate(fl) | OFlag::O_NONBLOCK));
    }
}

/// A close-on-exec duplicate of `fd` numbered at least `min` (out of the way of
/// every target number of the child's table).
fn dup_high(fd: RawFd, min: i32) -> Option<OwnedFd> {
    // SAFETY: F_DUPFD_CLOEXEC makes a new descriptor we then own.
    let n = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, min) };
    // SAFETY: n is a fresh descriptor nobody else owns.
    (n >= 0).then(|| unsafe { OwnedFd::from_raw_fd(n) })
}

fn host_pipe() -> Option<(OwnedFd, OwnedFd)> {
    nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).ok()
}

/// The HOST_SPAWN op: s[0] = host path (lent R), s[1] = its length, s[2] = the
/// argv/envp blob of mm's EXEC (lent R), s[3] = its length. a0 = the host pid, or
/// -ENOEXEC when the file is no host program (the riscv64 exec goes on), or why the
/// spawn failed.
pub fn spawn(v: &mut Vfs, env: &mut dyn Env, who: Who, s: [u64; 5]) -> Result<[u64; 2], Fault> {
    if !enabled() || s[1] > 4096 || s[3] > (1 << 24) {
        return Ok([err(libc::ENOEXEC), 0]);
    }
    let mut path = vec![0u8; s[1] as usize];
    env.read(s[0], &mut path)?;
    let mut blob = vec![0u8; s[3] as usize];
    env.read(s[2], &mut blob)?;
    let (argv, envp, _) = crate::mm::unpack_blob(&blob);
    let host = String::from_utf8_lossy(&path).into_owned();
    let Some((program, pre, argv0)) = host_program(v, &host, argv.first().map_or(path.as_slice(), |a| a.as_slice())) else {
        return Ok([err(libc::ENOEXEC), 0]);
    };
    let Some(table) = v.tables.get(&who.pid) else { return Ok([err(libc::ESRCH), 0]) };
    let cwd = v.host(&table.cwd);
    let fds: Vec<(i32, u64)> = table.fds.iter().filter(|(_, (_, cloexec))| !cloexec).map(|(fd, (file, _))| (*fd, *file)).collect();
    let min = fds.iter().map(|(fd, _)| *fd).max().unwrap_or(2).max(2) + 1;
    // The child's table: (our duplicate, its number there); one source per open file,
    // so fds sharing a description share it in the child too.
    let mut keep: Vec<OwnedFd> = Vec::new();
    let mut maps: Vec<(RawFd, RawFd)> = Vec::new();
    let mut pumps = Vec::new();
    let mut by_file: BTreeMap<u64, RawFd> = BTreeMap::new();
    for (fd, file) in fds {
        if let Some(src) = by_file.get(&file) {
            maps.push((*src, fd));
            continue;
        }
        let Some(f) = v.files.get(&file) else { continue };
        let dev = |name: &str| std::fs::OpenOptions::new().read(true).write(true).open(name).ok().and_then(|f| dup_high(f.as_raw_fd(), min));
        let src = match &f.backend {
            Backend::Host(h) => dup_high(h.as_raw_fd(), min),
            Backend::Console(hfd) => dup_high(*hfd, min),
            Backend::Null => dev("/dev/null"),
            Backend::Zero => dev("/dev/zero"),
            Backend::Full => dev("/dev/full"),
            Backend::Random => dev("/dev/urandom"),
            Backend::PipeWrite(p) => host_pipe().and_then(|(r, w)| {
                nonblock(r.as_raw_fd());
                pumps.push(Pump::Out { pipe: *p, r: Some(r), pending: Vec::new() });
                dup_high(w.as_raw_fd(), min)
            }),
            Backend::PipeRead(p) => host_pipe().and_then(|(r, w)| {
                nonblock(w.as_raw_fd());
                pumps.push(Pump::In { pipe: *p, w: Some(w), pending: Vec::new() });
                dup_high(r.as_raw_fd(), min)
            }),
            // Objects with no host form: the program does not get them.
            _ => None,
        };
        if let Some(src) = src {
            by_file.insert(file, src.as_raw_fd());
            maps.push((src.as_raw_fd(), fd));
            keep.push(src);
        }
    }
    let mut cmd = std::process::Command::new(&program);
    cmd.arg0(OsStr::from_bytes(&argv0));
    cmd.args(pre.iter().map(|a| OsStr::from_bytes(a)));
    cmd.args(argv.iter().skip(1).map(|a| OsStr::from_bytes(a)));
    cmd.env_clear();
    for e in &envp {
        if let Some(i) = e.iter().position(|c| *c == b'=') {
            cmd.env(OsStr::from_bytes(&e[..i]), OsStr::from_bytes(&e[i + 1..]));
        }
    }
    if cwd.is_dir() {
        cmd.current_dir(&cwd);
    }
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            // The program dies with grantix (and grantix kills it at the end of the run).
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            // Nothing grantix has open reaches the program but the guest's fds.
            if libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, 4u32) != 0 {
                for fd in 3..1024 {
                    libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
                }
            }
            for t in 0..3 {
                if !maps.iter().any(|m| m.1 == t) {
                    libc::close(t);
                }
            }
            for (src, t) in &maps {
                if libc::dup2(*src, *t) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        })
    };
    let child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return Ok([err(e.raw_os_error().unwrap_or(libc::ENOEXEC)), 0]),
    };
    drop(keep);
    let hpid = child.id() as i32;
    if let Ok(mut l) = LIVE.lock() {
        l.insert(hpid);
    }
    // SAFETY: pidfd_open returns a new descriptor (or -1).
    let pfd = unsafe { libc::syscall(libc::SYS_pidfd_open, hpid, 0) } as i32;
    // SAFETY: a fresh descriptor we own.
    let pidfd = (pfd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(pfd) });
    v.host_children.insert(who.pid, HostChild { child, pidfd, pumps, status: None });
    Ok([hpid as u64, 0])
}

/// Moves what can move between the grantix pipes and the host program's pipes;
/// whether anything moved (a vfs change others may wait for).
fn pump(v: &mut Vfs, env: &mut dyn Env, hc: &mut HostChild) -> bool {
    let mut moved = false;
    let mut buf = vec![0u8; 65536];
    for p in hc.pumps.iter_mut() {
        match p {
            Pump::Out { pipe: id, r, pending } => loop {
                if !pending.is_empty() {
                    match pipe::write(v, env, *id, pending, true) {
                        Ok(n) => {
                            pending.drain(..n);
                            moved = true;
                        }
                        Err(Stop::Err(libc::EAGAIN)) => break,
                        // The guest readers are gone: the program's writes fail (EPIPE,
                        // SIGPIPE) once its pipe has no reader either.
                        Err(_) => {
                            pending.clear();
                            *r = None;
                            break;
                        }
                    }
                    continue;
                }
                let Some(fd) = r.as_ref() else { break };
                match nix::unistd::read(fd.as_raw_fd(), &mut buf) {
                    Ok(0) => {
                        *r = None;
                        break;
                    }
                    Ok(n) => pending.extend_from_slice(&buf[..n]),
                    Err(nix::errno::Errno::EINTR) => {}
                    Err(_) => break,
                }
            },
            Pump::In { pipe: id, w, pending } => while let Some(fd) = w.as_ref() {
                if !pending.is_empty() {
                    match nix::unistd::write(fd, pending) {
                        Ok(n) => {
                            pending.drain(..n);
                        }
                        Err(nix::errno::Errno::EINTR) => {}
                        Err(nix::errno::Errno::EAGAIN) => break,
                        // The program closed its end: nothing more goes there.
                        Err(_) => {
                            pending.clear();
                            *w = None;
                            break;
                        }
                    }
                    continue;
                }
                match pipe::read(v, env, *id, buf.len(), true) {
                    Ok(d) if d.is_empty() => {
                        // EOF of the grantix pipe: the program sees its own.
                        *w = None;
                        break;
                    }
                    Ok(d) => {
                        *pending = d;
                        moved = true;
                    }
                    Err(_) => break,
                }
            },
        }
    }
    moved
}

/// The HOST_WAIT op of the stub's thread: pumps, then either the program's end as
/// a1 = code | signal << 8 | core << 16 (a0 = 0; the bridge is gone), or BLOCK until
/// the program or one of its pipes or the vfs moves. -ECHILD for a process that is
/// no host program. Sets `v.host_quiet` when nothing moved (no vfs waiter to wake).
pub fn wait(v: &mut Vfs, env: &mut dyn Env, who: Who) -> Result<[u64; 2], Fault> {
    let Some(mut hc) = v.host_children.remove(&who.pid) else { return Ok([err(libc::ECHILD), 0]) };
    if hc.status.is_none()
        && let Ok(Some(st)) = hc.child.try_wait()
    {
        hc.status = Some(st);
        if let Ok(mut l) = LIVE.lock() {
            l.remove(&(hc.child.id() as i32));
        }
    }
    let moved = pump(v, env, &mut hc);
    v.host_quiet = !moved;
    // Ended, and everything it wrote is in the guest's pipes: the process exits.
    let drained = hc.pumps.iter().all(|p| match p {
        Pump::Out { r, pending, .. } => pending.is_empty() && (r.is_none() || hc.status.is_some()),
        Pump::In { .. } => true,
    });
    if let (Some(st), true) = (hc.status, drained) {
        let word = match (st.code(), st.signal()) {
            (Some(c), _) => c as u64 & 0xff,
            (None, Some(s)) => (s as u64 & 0x7f) << 8 | (st.core_dumped() as u64) << 16,
            _ => 0,
        };
        return Ok([0, word]);
    }
    let mut set = WaitSet::default();
    match (&hc.pidfd, hc.status) {
        (Some(p), None) => set.host(p.as_raw_fd(), libc::POLLIN),
        // No pidfd: look again soon.
        (None, None) => set.at(crate::clock::now() + std::time::Duration::from_millis(10)),
        _ => {}
    }
    for p in &hc.pumps {
        match p {
            Pump::Out { r: Some(r), pending, .. } if pending.is_empty() => set.host(r.as_raw_fd(), libc::POLLIN),
            Pump::In { w: Some(w), pending, .. } if !pending.is_empty() => set.host(w.as_raw_fd(), libc::POLLOUT),
            _ => {}
        }
    }
    let regs = v.waits.block(env, who, &set);
    v.host_children.insert(who.pid, hc);
    Ok(regs)
}
