//! The vfs service: per-process fd tables and open files, with backends for host files
//! and directories, pipes, /dev, /proc, the console (delegated to tty), eventfd,
//! timerfd, epoll, inotify, signalfd, and sockets (AF_UNIX inside the vfs,
//! AF_INET/AF_INET6 on host sockets).
//!
//! Module map: `fs` (open, stat, directories, cwd), `links` (mkdir, unlink, rename,
//! links), `attrs` (access, chmod, chown, times, truncate, statfs), `io` (read, write, seek,
//! sendfile), `vectored` (readv and friends), `ioctl`, `mapping` (mm's file mappings),
//! `fds` (dup, fcntl, close), `locks` (record locks, flock), `pipe`, `fifo` (named
//! pipes), `procfs`
//! (synthesized /proc and /dev), `ready` (readiness, poll, select), `epoll`, `eventfd`,
//! `timerfd`, `net` (socket syscalls) with `unix` and `inet`, `wait` (blocking), `host`
//! (the raw host calls), `abi` (guest structure layouts), `lends` (the lends its syscall rows cannot say, what each syscall may
//! touch), `path` (resolution inside the root), `perm` (permission checks against
//! file modes with the caller's credentials), `state` (what outlives a restart),
//! `splice` (splice, tee, vmsplice), `openat2` (RESOLVE_* resolution), `xattr`
//! (extended attributes), `inotify` (watches and the events of the vfs's own calls),
//! `signalfd`, `mmsg` (sendmmsg, recvmmsg, readahead), `mounts` (mount, umount2, and
//! which host path each guest path names), `aio` (the Linux AIO calls), `fhandle`
//! (name_to_handle_at, open_by_handle_at), `procsys` (sysctls, timerslack_ns, pagemap), `kconfig`
//! (/boot/config-RELEASE),
//! `loopdev` (loop block devices and /dev/loop-control) with `loopsys` (block ioctls,
//! /sys/block).

pub mod abi;
mod aio;
mod attrs;
mod epoll;
mod eventfd;
mod pidfd;
mod fds;
mod fhandle;
mod fifo;
mod fowner;
mod fs;
mod host;
pub mod hostexec;
mod inet;
mod inotify;
mod io;
mod ioctl;
mod leases;
mod lends;
mod links;
mod loopdev;
mod loopsys;
pub mod locks;
mod mapping;
mod mmsg;
pub mod mounts;
mod procsys;
mod kconfig;
mod mq;
mod net;
mod netdev;
mod openat2;
pub mod path;
mod perm;
mod pipe;
pub mod state;
pub mod prefix;
mod procfs;
mod signalfd;
mod splice;
mod ready;
mod timerfd;
mod unix;
mod vectored;
pub mod wait;
mod xattr;

pub use io::MAX_IO;
pub use lends::{handles, hook, lazy};
pub use procfs::auxv_from_stack;

use crate::service::{Template, BLOCK, Env, Lend, Service, ServiceId, err};
use crate::sysno as nr;
use machine::{Fault, addr};
use std::any::Any;
use std::collections::BTreeMap;
use std::fs::File;
use std::path::PathBuf;
use wait::Who;

pub mod op;

/// Capacity of a pipe, as Linux's default.
pub const PIPE_CAPACITY: usize = 65536;

/// Where the vfs keeps scratch memory of its own, when the board maps it (for data it
/// must lend onwards: /proc/PID/maps from mm, sendfile to the console). Distinct from
/// the personality's scratch so both fit in the one kernel space of the monolithic
/// configuration.
pub const SCRATCH: u64 = 0x2000_0000;
/// Size of the vfs scratch area.
pub const SCRATCH_SIZE: u64 = 1 << 20;

/// What an open file is.
#[derive(Debug)]
pub enum Backend {
    /// A host file (regular file, device or an O_PATH reference).
    Host(File),
    /// A directory (host or synthesized), listed lazily.
    Dir(fs::DirState),
    /// The console: the host fd the tty driver uses.
    Console(i32),
    PipeRead(u64),
    PipeWrite(u64),
    Null,
    Zero,
    Full,
    Random,
    /// A synthesized file (/proc): its contents at open time.
    Text(Vec<u8>),
    /// /proc/PID/comm or /proc/PID/task/TID/comm: the thread's name, read when read,
    /// set by writing (proc keeps it).
    Comm(u32, u32),
    Event(eventfd::EventFd),
    Timer(timerfd::TimerFd),
    Epoll(epoll::Epoll),
    /// An AF_UNIX socket (its state lives in `Vfs::unix`).
    Unix(u64),
    /// An AF_INET or AF_INET6 socket on a host socket.
    Inet(inet::InetSock),
    /// A POSIX message queue descriptor: the queue is ipc's (`mq`).
    Mq(u64),
    /// An inotify instance (its state lives in `Vfs::inotify`, under the file's id).
    Inotify,
    /// A signalfd: the signals it reads.
    Signal(u64),
    /// A pidfd: the process it refers to (`pidfd`).
    Pidfd(u32),
    /// A /proc file read and written live: a sysctl, timerslack_ns, pagemap
    /// (`procsys`).
    Proc(procsys::Live),
    /// /dev/loop-control or a loop block device (`loopdev`).
    Block(loopdev::Node),
}

/// An open file description (shared by dup'ed fds).
#[derive(Debug)]
pub struct OpenFile {
    pub backend: Backend,
    pub flags: i32,
    pub offset: u64,
    /// Canonical guest path, or a name such as "pipe:[7]" (what /proc/self/fd shows).
    pub path: String,
    refs: usize,
}

/// One process's descriptors.
#[derive(Debug, Default, Clone)]
pub struct FdTable {
    /// fd -> (open file, close-on-exec).
    pub fds: BTreeMap<i32, (u64, bool)>,
    /// Canonical guest path of the working directory.
    pub cwd: String,
    /// Canonical guest path of the process's root (chroot); empty means "/".
    pub root: String,
    /// Guest path of the executable.
    pub exe: String,
    /// The NUL-separated command line.
    pub cmdline: Vec<u8>,
    /// The NUL-separated environment exec gave the process (/proc/PID/environ).
    pub environ: Vec<u8>,
    /// The auxiliary vector's bytes (/proc/PID/auxv).
    pub auxv: Vec<u8>,
    pub limit: u64,
    /// Descriptors opened by an earlier generation of the vfs, lost when it was
    /// restarted: any use is ESTALE (a distinct error), close succeeds.
    pub stale: std::collections::BTreeSet<i32>,
}

/// The vfs service: an instance (its configuration and generation) around the state
/// that outlives it (`state::VfsState`, reached through `Deref`), which a restart hands
/// to the next generation after checking and repairing it.
pub struct Vfs {
    /// What survives a restart: descriptor tables, open files, pipes, sockets, locks,
    /// waiters (`state.rs`).
    st: state::VfsState,
    /// Whether the call in progress has changed `st` yet (any mutable access counts):
    /// until it has, a fault leaves the state exactly as before the call.
    changed: bool,
    /// Host directory the guest's / maps to.
    pub root: PathBuf,
    /// qemu's -L: host directory looked up first (`prefix`).
    pub prefix: Option<PathBuf>,
    /// Bumped at every restart by the supervisor.
    pub generation: u32,
    /// The credentials the current call acts with (`perm`): fetched from proc at its
    /// first check, forgotten when the call returns.
    acting: std::cell::RefCell<Option<(u32, crate::creds::Creds)>>,
    /// The caller's pending signals, noted at the start of a poll-family call that
    /// may look at a signalfd.
    sig_pending: u64,
}

/// Result registers of a handler.
type Regs = Result<[u64; 2], Fault>;

/// `v` as the registers of a completed call.
fn val(v: u64) -> Regs {
    Ok([v, 0])
}

/// -errno as the registers of a failed call.
fn fail(e: i32) -> Regs {
    Ok([err(e), 0])
}

/// A host error as a negated errno.
fn io_errno(e: &std::io::Error) -> u64 {
    err(e.raw_os_error().unwrap_or(libc::EIO))
}

impl Vfs {
    /// A vfs whose / is the host directory `root`.
    pub fn new(root: PathBuf) -> Vfs {
        Vfs { st: state::VfsState::new(), changed: false, root, prefix: None, generation: 0, acting: Default::default(), sig_pending: 0 }
    }

    /// A restart after a fault: a new instance of the vfs takes over the state of the
    /// old one, checked and repaired first (a fault in the middle of a call may have
    /// left it half-updated), so every descriptor of every process goes on working.
    /// What the repair found is returned (and logged).
    pub fn restart_keeping_state(&mut self) -> state::Repairs {
        let mut st = std::mem::take(&mut self.st);
        let repairs = st.repair();
        if !repairs.is_empty() {
            tracing::warn!(target: "grantix::fault", "vfs state repaired on restart: {repairs:?}");
        }
        *self = Vfs { st, changed: false, root: std::mem::take(&mut self.root), prefix: self.prefix.take(), generation: self.generation + 1, acting: Default::default(), sig_pending: 0 };
        repairs
    }

    /// The guest path of host path `p` (a host path outside the root shows as is, as
    /// qemu-user shows it).
    fn guest_of_host(&self, p: &str) -> String {
        let hp = std::path::Path::new(p);
        let canon = std::fs::canonicalize(hp).unwrap_or_else(|_| hp.to_path_buf());
        path::to_guest(&self.root, &canon).unwrap_or_else(|| p.to_string())
    }

    /// Gives a new process the console as fds 0, 1, 2 and records its executable
    /// (board use for the first process).
    pub fn init_process(&mut self, pid: u32, exe: &str) {
        let cwd = std::env::current_dir().ok().and_then(|p| path::to_guest(&self.root, &p)).unwrap_or_else(|| "/".into());
        let exe = self.guest_of_host(exe);
        let cmdline = format!("{exe}\0").into_bytes();
        self.tables.insert(pid, FdTable { cwd, exe, cmdline, limit: 1024, ..Default::default() });
        for hfd in 0..3 {
            let flags = if hfd == 0 { abi::o::RDWR } else { abi::o::WRONLY };
            let f = self.new_file(Backend::Console(hfd), flags, format!("/dev/pts/{hfd}"));
            self.install(pid, f, false, hfd);
        }
    }

    /// The table of a process that runs no guest code (init): no descriptors, the
    /// root as its directory, `exe` as its executable and command line.
    pub fn init_kernel_process(&mut self, pid: u32, exe: &str) {
        let cmdline = format!("{exe}\0").into_bytes();
        self.tables.insert(pid, FdTable { cwd: "/".into(), exe: exe.into(), cmdline, limit: 1024, ..Default::default() });
    }

    /// Records the command line of `pid` (board use for the first process, whose
    /// arguments the personality never sees).
    pub fn set_cmdline(&mut self, pid: u32, argv: &[Vec<u8>]) {
        if let Some(t) = self.tables.get_mut(&pid) {
            t.cmdline = argv.iter().flat_map(|a| a.iter().copied().chain([0])).collect();
        }
    }

    /// Records the environment of `pid` (board use for the first process).
    pub fn set_environ(&mut self, pid: u32, envp: &[Vec<u8>]) {
        if let Some(t) = self.tables.get_mut(&pid) {
            t.environ = envp.iter().flat_map(|a| a.iter().copied().chain([0])).collect();
        }
    }

    /// Records the auxiliary vector of `pid` (board use for the first process).
    pub fn set_auxv(&mut self, pid: u32, auxv: &[(u64, u64)]) {
        if let Some(t) = self.tables.get_mut(&pid) {
            t.auxv = auxv.iter().flat_map(|(k, v)| k.to_le_bytes().into_iter().chain(v.to_le_bytes())).collect();
        }
    }

    /// The name of thread `tid` of process `pid` (/proc/PID/comm): proc keeps it
    /// (prctl PR_SET_NAME); read into the vfs scratch area, or, without one, the
    /// executable's name as exec sets it.
    pub(super) fn comm(&self, env: &mut dyn Env, pid: u32, tid: u32) -> String {
        let me = env.me();
        let scratch = addr::qualified(me, SCRATCH);
        if env.machine().mem.check_only(me, me, SCRATCH, 16, machine::Access::Write, scratch).is_ok() {
            let word = (pid as u64) << 32 | pid as u64;
            if let Ok([0, _]) = env.call(ServiceId::Proc, crate::proc::op::COMM, [word, tid as u64, scratch, 0, 0, 0], &[Lend::write(scratch, 16)]) {
                let mut b = [0u8; 16];
                if env.read(scratch, &mut b).is_ok() {
                    let n = b.iter().position(|c| *c == 0).unwrap_or(15).min(15);
                    return String::from_utf8_lossy(&b[..n]).into_owned();
                }
            }
        }
        let exe = self.tables.get(&pid).map(|t| t.exe.clone()).unwrap_or_default();
        exe.rsplit('/').next().unwrap_or("").chars().take(15).collect()
    }

    fn alloc_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn new_file(&mut self, backend: Backend, flags: i32, path: String) -> u64 {
        let id = self.alloc_id();
        self.files.insert(id, OpenFile { backend, flags, offset: 0, path, refs: 0 });
        id
    }

    /// Installs open file `file` at the lowest free fd >= `min` of `pid`.
    fn install(&mut self, pid: u32, file: u64, cloexec: bool, min: i32) -> u64 {
        let Some(t) = self.tables.get_mut(&pid) else { return err(libc::ESRCH) };
        let mut fd = min.max(0);
        // The map is sorted: walk the taken fds from `min` up to the first gap.
        for (k, _) in t.fds.range(fd..) {
            if *k != fd {
                break;
            }
            fd += 1;
        }
        // A stale descriptor's number stays taken until the program closes it.
        while t.stale.contains(&fd) || t.fds.contains_key(&fd) {
            fd += 1;
        }
        if fd as u64 >= t.limit {
            return err(libc::EMFILE);
        }
        t.fds.insert(fd, (file, cloexec));
        if let Some(f) = self.files.get_mut(&file) {
            f.refs += 1;
        }
        fd as u64
    }

    /// Installs a just-created file, dropping it again if there is no fd for it.
    fn install_new(&mut self, env: &mut dyn Env, pid: u32, file: u64, cloexec: bool) -> u64 {
        let fd = self.install(pid, file, cloexec, 0);
        if crate::service::is_err(fd) {
            if let Some(f) = self.files.get_mut(&file) {
                f.refs += 1;
            }
            self.drop_ref(env, file);
        }
        fd
    }

    fn file_of(&self, pid: u32, fd: i32) -> Option<u64> {
        self.tables.get(&pid)?.fds.get(&fd).map(|x| x.0)
    }

    /// The open file behind `fd`, or EBADF.
    fn get(&self, pid: u32, fd: i32) -> Result<(u64, &OpenFile), i32> {
        if self.tables.get(&pid).is_some_and(|t| t.stale.contains(&fd)) {
            return Err(libc::ESTALE);
        }
        let id = self.file_of(pid, fd).ok_or(libc::EBADF)?;
        Ok((id, self.files.get(&id).ok_or(libc::EBADF)?))
    }

    /// Drops one reference to an open file; the last one releases what it holds.
    fn drop_ref(&mut self, env: &mut dyn Env, file: u64) {
        let Some(f) = self.files.get_mut(&file) else { return };
        f.refs = f.refs.saturating_sub(1);
        if f.refs > 0 {
            return;
        }
        let Some(f) = self.files.remove(&file) else { return };
        self.locks.release_file(file);
        self.owners.remove(&file);
        self.leases.release_file(file);
        epoll::forget_file(self, file);
        match f.backend {
            Backend::PipeRead(p) => self.pipe_end_closed(env, p, true),
            Backend::PipeWrite(p) => self.pipe_end_closed(env, p, false),
            Backend::Unix(s) => self.unix_closed(env, s),
            Backend::Mq(q) => mq::released(env, q),
            Backend::Inotify => {
                self.inotify.remove(&file);
            }
            Backend::Block(n) => loopdev::released(self, n),
            _ => {}
        }
    }

    /// Closes `fd` of `pid`.
    fn close(&mut self, env: &mut dyn Env, pid: u32, fd: i32) -> u64 {
        let Some(t) = self.tables.get_mut(&pid) else { return err(libc::ESRCH) };
        if t.stale.remove(&fd) {
            return 0;
        }
        match t.fds.remove(&fd) {
            Some((file, _)) => {
                mq::closed(self, env, pid, file);
                // POSIX: closing any fd of a file drops the process's record locks on it.
                if !self.locks.is_empty() {
                    let k = locks::inode_or_own(self, file);
                    self.locks.release_process(pid, Some(k));
                }
                self.drop_ref(env, file);
                0
            }
            None => err(libc::EBADF),
        }
    }

    /// Reads the NUL-terminated guest string at `ptr` (lent with its NUL).
    fn read_path(&self, env: &mut dyn Env, ptr: u64) -> Result<String, Result<u64, Fault>> {
        if ptr == 0 {
            return Err(Ok(err(libc::EFAULT)));
        }
        let mut out = Vec::new();
        let mut p = ptr;
        loop {
            if out.len() >= path::PATH_MAX {
                return Err(Ok(err(libc::ENAMETOOLONG)));
            }
            let mut b = [0u8; 1];
            if let Err(f) = env.read(p, &mut b) {
                return Err(Err(f));
            }
            if b[0] == 0 {
                return Ok(String::from_utf8_lossy(&out).into_owned());
            }
            out.push(b[0]);
            p = p.wrapping_add(1);
        }
    }

    /// The caller's umask (asked of proc, which owns it).
    fn umask(&self, env: &mut dyn Env, who: Who) -> u32 {
        let Ok([old, _]) = env.call(ServiceId::Proc, nr::UMASK, [who.word, 0o022, 0, 0, 0, 0], &[]) else { return 0o022 };
        let _ = env.call(ServiceId::Proc, nr::UMASK, [who.word, old, 0, 0, 0, 0], &[]);
        old as u32 & 0o777
    }

    /// A pseudo-random byte stream (deterministic, so runs repeat exactly).
    fn random_bytes(&mut self, n: usize) -> Vec<u8> {
        let mut v = vec![0u8; n];
        for b in v.iter_mut() {
            self.rng ^= self.rng << 13;
            self.rng ^= self.rng >> 7;
            self.rng ^= self.rng << 17;
            *b = self.rng as u8;
        }
        v
    }

    /// Board-side teardown of a process that was killed without passing through EXIT.
    pub fn kill_process(&mut self, env: &mut dyn Env, pid: u32) {
        self.exit_process(env, pid);
    }

    fn exit_process(&mut self, env: &mut dyn Env, pid: u32) {
        let fds: Vec<i32> = self.tables.get(&pid).map(|t| t.fds.keys().copied().collect()).unwrap_or_default();
        for fd in fds {
            self.close(env, pid, fd);
        }
        self.locks.release_process(pid, None);
        if let Some(t) = self.tables.remove(&pid) {
            self.keep_zombie(env, pid, t);
        }
        self.slack.remove(&pid);
        self.aio_exit(pid);
        let tids: Vec<u32> = self.threads.iter().filter(|(_, p)| **p == pid).map(|(t, _)| *t).collect();
        for t in tids.into_iter().chain([pid]) {
            self.threads.remove(&t);
            self.waits.forget_thread(t);
            self.fifos.forget_thread(t);
        }
    }

    /// The board's own ops (fork, exec, exit, mmap support...).
    fn board_op(&mut self, env: &mut dyn Env, who: Who, op: u64, s: [u64; 5]) -> Regs {
        let pid = who.pid;
        let fd = s[0] as i32;
        match op {
            op::INIT_STDIO => {
                let cwd = std::env::current_dir().ok().and_then(|p| path::to_guest(&self.root, &p)).unwrap_or_else(|| "/".into());
                self.tables.insert(pid, FdTable { cwd, limit: 1024, ..Default::default() });
                for hfd in 0..3 {
                    let flags = if hfd == 0 { abi::o::RDWR } else { abi::o::WRONLY };
                    let f = self.new_file(Backend::Console(hfd), flags, format!("/dev/pts/{hfd}"));
                    self.install(pid, f, false, hfd);
                }
                val(0)
            }
            op::SET_LIMIT => {
                if let Some(t) = self.tables.get_mut(&pid) {
                    t.limit = s[0].min(1 << 20);
                }
                val(0)
            }
            op::SET_EXE => {
                let mut b = vec![0u8; (s[2] as usize).min(path::PATH_MAX)];
                env.read(s[1], &mut b)?;
                let exe = self.guest_of_host(&String::from_utf8_lossy(&b));
                let p = s[0] as u32;
                if let Some(t) = self.tables.get_mut(&p) {
                    t.exe = exe;
                }
                val(0)
            }
            op::POLL_LIMIT => val(self.tables.get(&pid).map_or(1024, |t| t.limit.max(1024))),
            op::SET_CMDLINE | op::SET_AUXV => {
                let mut b = vec![0u8; (s[2] as usize).min(1 << 20)];
                env.read(s[1], &mut b)?;
                if let Some(t) = self.tables.get_mut(&(s[0] as u32)) {
                    if op == op::SET_CMDLINE && s[3] == 1 {
                        t.environ = b;
                    } else if op == op::SET_CMDLINE {
                        t.cmdline = b;
                    } else {
                        t.auxv = b;
                    }
                }
                val(0)
            }
            op::FORK => {
                let Some(t) = self.tables.get(&pid).cloned() else { return fail(libc::ESRCH) };
                // The child's timer slack, and its default, are the parent's slack.
                if let Some(&(cur, _)) = self.slack.get(&pid) {
                    self.slack.insert(s[0] as u32, (cur, cur));
                }
                for (file, _) in t.fds.values() {
                    if let Some(f) = self.files.get_mut(file) {
                        f.refs += 1;
                    }
                }
                self.zombies.remove(&(s[0] as u32));
                self.tables.insert(s[0] as u32, t);
                val(0)
            }
            op::EXEC => {
                self.aio_exit(pid);
                let close: Vec<i32> = self.tables.get(&pid).map(|t| t.fds.iter().filter(|(_, v)| v.1).map(|(k, _)| *k).collect()).unwrap_or_default();
                for fd in close {
                    self.close(env, pid, fd);
                }
                val(0)
            }
            op::EXIT => {
                self.exit_process(env, pid);
                self.exited.insert(pid);
                val(0)
            }
            op::PIDFD_NEW => self.pidfd_new(env, pid, s[0] as u32, s[1] as i32),
            op::PIDFD_PID => self.pidfd_pid(pid, fd, s[1] == 1),
            op::GETFD => self.getfd(pid, s[0] as u32, s[1] as i32),
            op::FILE_ID => self.file_of(s[0] as u32, s[1] as i32).map_or(fail(libc::EBADF), val),
            op::TIMERSLACK => {
                let e = self.slack.entry(pid).or_insert((procsys::DEFAULT_SLACK, procsys::DEFAULT_SLACK));
                if s[0] == 1 {
                    e.0 = if s[1] == 0 { e.1 } else { s[1] };
                }
                val(if s[0] == 1 { 0 } else { e.0 })
            }
            op::THREAD_NEW => {
                if self.tables.contains_key(&pid) {
                    self.threads.insert(s[0] as u32, pid);
                }
                val(0)
            }
            op::THREAD_EXIT => {
                self.waits.forget_thread(who.tid);
                self.fifos.forget_thread(who.tid);
                self.threads.remove(&who.tid);
                val(0)
            }
            op::PREAD_FILL => mapping::pread_fill(self, env, pid, fd, s[1], s[2], s[3]),
            op::PWRITE_FROM => mapping::pwrite_from(self, env, pid, fd, s[1], s[2], s[3]),
            op::RESOLVE_EXEC => fs::resolve_exec(self, env, pid, s),
            _ => fail(libc::ENOSYS),
        }
    }

    /// One Linux syscall on behalf of `who`.
    fn syscall(&mut self, env: &mut dyn Env, who: Who, n: u64, s: [u64; 5]) -> Regs {
        // An O_PATH descriptor only names a file: the calls that look it up with
        // fdget (not fdget_raw) answer EBADF for it.
        if let Some(i) = fdget_arg(n)
            && self.get(who.pid, s[i] as i32).is_ok_and(|(_, f)| f.flags & abi::o::PATH != 0)
        {
            return fail(libc::EBADF);
        }
        match n {
            nr::OPENAT => fs::openat(self, env, who, s),
            nr::CLOSE => val(self.close(env, who.pid, s[0] as i32)),
            nr::CLOSE_RANGE => fds::close_range(self, env, who, s),
            nr::READ => io::read(self, env, who, s[0] as i32, s[1], s[2], None),
            nr::PREAD64 => io::read(self, env, who, s[0] as i32, s[1], s[2], Some(s[3])),
            nr::WRITE => io::write(self, env, who, s[0] as i32, s[1], s[2], None),
            nr::PWRITE64 => io::write(self, env, who, s[0] as i32, s[1], s[2], Some(s[3])),
            nr::READV | nr::WRITEV | nr::PREADV | nr::PWRITEV | nr::PREADV2 | nr::PWRITEV2 => vectored::vectored(self, env, who, n, s),
            nr::LSEEK => val(io::lseek(self, who.pid, s[0] as i32, s[1] as i64, s[2] as i32)),
            nr::SENDFILE => io::sendfile(self, env, who, s),
            nr::COPY_FILE_RANGE => io::copy_file_range(self, env, who, s),
            nr::IOCTL => ioctl::ioctl(self, env, who, s),
            nr::FSTAT | nr::NEWFSTATAT | nr::STATX => fs::stat(self, env, who, n, s),
            nr::STATFS | nr::FSTATFS => attrs::statfs(self, env, who, n, s),
            nr::GETDENTS64 => fs::getdents(self, env, who, s),
            nr::GETCWD => fs::getcwd(self, env, who, s),
            nr::CHDIR | nr::FCHDIR => fs::chdir(self, env, who, n, s),
            nr::CHROOT => fs::chroot(self, env, who, s),
            nr::MKDIRAT | nr::MKNODAT => links::mknod(self, env, who, n, s),
            nr::UNLINKAT => links::unlinkat(self, env, who, s),
            nr::RENAMEAT | nr::RENAMEAT2 => links::rename(self, env, who, n, s),
            nr::LINKAT => links::linkat(self, env, who, s),
            nr::SYMLINKAT => links::symlinkat(self, env, who, s),
            nr::READLINKAT => links::readlinkat(self, env, who, s),
            nr::FACCESSAT | nr::FACCESSAT2 => attrs::faccessat(self, env, who, n, s),
            nr::FCHMOD | nr::FCHMODAT | nr::FCHMODAT2 => attrs::chmod(self, env, who, n, s),
            nr::FCHOWN | nr::FCHOWNAT => attrs::chown(self, env, who, n, s),
            nr::UTIMENSAT => attrs::utimensat(self, env, who, s),
            nr::TRUNCATE | nr::FTRUNCATE => attrs::truncate(self, env, who, n, s),
            nr::FALLOCATE => io::fallocate(self, env, who, s),
            nr::FADVISE64 => io::fadvise(self, who, s),
            nr::NAME_TO_HANDLE_AT => fhandle::name_to_handle_at(self, env, who, s),
            nr::OPEN_BY_HANDLE_AT => fhandle::open_by_handle_at(self, env, who, s),
            nr::FSYNC | nr::FDATASYNC | nr::SYNCFS | nr::SYNC_FILE_RANGE => io::sync(self, who, n, s),
            nr::SYNC => val(0),
            nr::PIPE2 => pipe::pipe2(self, env, who.pid, s[0], s[1] as i32),
            nr::DUP => fds::dup(self, who.pid, s[0] as i32),
            nr::DUP3 => fds::dup3(self, env, who.pid, s[0] as i32, s[1] as i32, s[2] as i32),
            nr::FCNTL => fds::fcntl(self, env, who, s),
            nr::FLOCK => locks::flock(self, env, who, s[0] as i32, s[1] as i32),
            nr::PPOLL => ready::ppoll(self, env, who, s),
            nr::PSELECT6 => ready::pselect6(self, env, who, s),
            nr::MEMFD_CREATE => fs::memfd_create(self, env, who, s),
            nr::EPOLL_CREATE1 => epoll::create(self, env, who, s[0] as i32),
            nr::EPOLL_CTL => epoll::ctl(self, env, who, s),
            nr::EPOLL_PWAIT | nr::EPOLL_PWAIT2 => epoll::pwait(self, env, who, n, s),
            nr::EVENTFD2 => eventfd::create(self, env, who, s[0] as u32, s[1] as i32),
            nr::TIMERFD_CREATE => timerfd::create(self, env, who, s[0] as i32, s[1] as i32),
            nr::TIMERFD_SETTIME | nr::TIMERFD_GETTIME => timerfd::time(self, env, who, n, s),
            op::MQ_INSTALL | op::MQ_LOOKUP | op::MQ_SETFL => mq::handle(self, who, n, s),
            nr::SPLICE => splice::splice(self, env, who, s),
            nr::OPENAT2 => openat2::openat2(self, env, who, s),
            nr::SENDMMSG => mmsg::mmsg(self, env, who, false, s),
            nr::RECVMMSG => mmsg::mmsg(self, env, who, true, s),
            nr::READAHEAD => mmsg::readahead(self, who, s),
            nr::SIGNALFD4 => signalfd::signalfd4(self, env, who, s),
            nr::INOTIFY_INIT1 => inotify::init(self, env, who, s[0] as i32),
            nr::INOTIFY_ADD_WATCH => inotify::add_watch(self, env, who, s),
            nr::INOTIFY_RM_WATCH => inotify::rm_watch(self, who, s),
            nr::SETXATTR | nr::LSETXATTR | nr::FSETXATTR => xattr::set(self, env, who, n, s),
            nr::GETXATTR | nr::LGETXATTR | nr::FGETXATTR => xattr::get(self, env, who, n, s),
            nr::LISTXATTR | nr::LLISTXATTR | nr::FLISTXATTR => xattr::list(self, env, who, n, s),
            nr::REMOVEXATTR | nr::LREMOVEXATTR | nr::FREMOVEXATTR => xattr::remove(self, env, who, n, s),
            nr::TEE => splice::tee(self, env, who, s),
            nr::IO_SETUP => aio::setup(self, env, who, s),
            nr::IO_DESTROY => aio::destroy(self, env, who, s),
            nr::IO_SUBMIT => aio::submit(self, env, who, s),
            nr::IO_CANCEL => aio::cancel(self, env, who, s),
            nr::IO_GETEVENTS | nr::IO_PGETEVENTS => aio::getevents(self, env, who, n, s),
            nr::MOUNT => mounts::mount(self, env, who, s),
            nr::UMOUNT2 => mounts::umount2(self, env, who, s),
            nr::VMSPLICE => splice::vmsplice(self, env, who, s),
            // The socket calls; anything else is -ENOSYS there.
            n => net::syscall(self, env, who, n, s),
        }
    }
}

/// Which argument of syscall `n` is a descriptor Linux looks up with fdget, which
/// refuses O_PATH descriptors (the packed socket forms keep the fd in the low half).
fn fdget_arg(n: u64) -> Option<usize> {
    match n {
        nr::FCHOWN | nr::FCHMOD | nr::IOCTL | nr::FALLOCATE | nr::FADVISE64 | nr::READAHEAD | nr::GETDENTS64 | nr::LSEEK => Some(0),
        nr::FGETXATTR | nr::FSETXATTR | nr::FLISTXATTR | nr::FREMOVEXATTR => Some(0),
        nr::ACCEPT | nr::ACCEPT4 | nr::BIND | nr::CONNECT | nr::LISTEN | nr::GETSOCKNAME | nr::GETPEERNAME | nr::SHUTDOWN => Some(0),
        nr::SENDTO | nr::RECVFROM | nr::SETSOCKOPT | nr::GETSOCKOPT | nr::SENDMSG | nr::RECVMSG | nr::SENDMMSG | nr::RECVMMSG => Some(0),
        nr::EPOLL_CTL => Some(2),
        _ => None,
    }
}

/// Syscalls that change nothing another thread could be waiting for: they do not wake
/// the vfs's waiters.
fn pure(n: u64) -> bool {
    crate::table::is(n, crate::table::flag::PURE) || n == op::POLL_LIMIT
}

impl Template for Vfs {
    const ID: ServiceId = ServiceId::Vfs;
    const CALLEES: &'static [ServiceId] = &[ServiceId::Tty, ServiceId::Proc, ServiceId::Mm, ServiceId::Ipc, ServiceId::Supervisor];
}

impl Service for Vfs {
    fn id(&self) -> ServiceId {
        ServiceId::Vfs
    }

    fn as_any(&mut self) -> &mut dyn Any {
        self
    }

    fn restart(&mut self) {
        self.restart_keeping_state();
    }

    fn changed_state(&self) -> bool {
        self.changed
    }

    fn handle(&mut self, env: &mut dyn Env, op: u64, a: [u64; 6]) -> Result<[u64; 2], Fault> {
        let who = Who::from_word(a[0]);
        let s = [a[1], a[2], a[3], a[4], a[5]];
        if who.tid != 0 && self.tables.contains_key(&who.pid) && op < op::FORK {
            self.threads.entry(who.tid).or_insert(who.pid);
        }
        self.waits.begin(who);
        // The bookkeeping above is the same on a retry; the call's own changes start here.
        self.st.journal.clear();
        self.changed = false;
        self.acting.take();
        self.st.host_quiet = false;
        let r = if (op::FORK..=op::THREAD_NEW).contains(&op) || (op::PIDFD_NEW..=op::TIMERSLACK).contains(&op) {
            self.board_op(env, who, op, s)
        } else if op == op::HOST_SPAWN {
            hostexec::spawn(self, env, who, s)
        } else if op == op::HOST_WAIT {
            hostexec::wait(self, env, who)
        } else {
            self.watched_syscall(env, who, op, s)
        };
        // The call returned: its changes stand (a later fault must not undo them).
        self.st.journal.clear();
        if r.as_ref().is_ok_and(|v| v[0] != BLOCK) {
            self.waits.done(who);
        }
        // A host program's wait that moved nothing changed nothing: waking the other
        // waiters (another host program's wait among them) would only loop.
        if !pure(op) && !self.st.host_quiet {
            self.waits.notify(env);
        }
        self.waits.register();
        r
    }
}

/// Qualifies a local process pointer (helper for callers building lends).
pub fn q(data: machine::Sid, p: u64) -> u64 {
    if p == 0 { 0 } else { addr::qualified(data, p) }
}
