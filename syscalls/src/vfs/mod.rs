//! The vfs service: per-process fd tables and open files, with backends for host files
//! and directories, pipes, /dev, /proc and the console (delegated to tty).

pub mod path;

use crate::sched::{key, kind};
use crate::service::{call_errno, err, Env, Lend, Service, ServiceId, BLOCK};
use crate::sysno as nr;
use crate::tty;
use machine::{addr, Fault};
use std::any::Any;
use std::collections::{BTreeMap, VecDeque};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::PathBuf;

/// Operations of vfs besides Linux syscall numbers.
pub mod op {
    /// Fork: copy the fd table of the caller to pid a1.
    pub const FORK: u64 = 0x3000;
    /// Exec: close the caller's close-on-exec fds.
    pub const EXEC: u64 = 0x3001;
    /// The process ended: close all its fds.
    pub const EXIT: u64 = 0x3002;
    /// mmap support: fill a lent range (a2, a3) from fd a1 at offset a4.
    pub const PREAD_FILL: u64 = 0x3003;
    /// mmap support: write a lent range (a2, a3) back to fd a1 at offset a4.
    pub const PWRITE_FROM: u64 = 0x3004;
    /// Resolve guest path (a1, lent R, length a2) for exec into a host path written to
    /// (a3, lent W, capacity a4); a0 = length. Checks it is a regular executable file.
    pub const RESOLVE_EXEC: u64 = 0x3005;
    /// Set up a new process's fds 0, 1, 2 on the console (board use).
    pub const INIT_STDIO: u64 = 0x3006;
    /// Record the executable path of pid a1 for /proc/self/exe (lent R a2, len a3).
    pub const SET_EXE: u64 = 0x3007;
    /// RLIMIT_NOFILE of the caller := a1.
    pub const SET_LIMIT: u64 = 0x3008;
}

/// Capacity of a pipe, as Linux's default.
pub const PIPE_CAPACITY: usize = 65536;

/// What an open file is.
#[derive(Debug)]
pub enum Backend {
    Host(File),
    Dir { host: PathBuf, entries: Option<Vec<(Vec<u8>, u64, u8)>>, pos: usize },
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
}

/// An open file description (shared by dup'ed fds).
#[derive(Debug)]
pub struct OpenFile {
    pub backend: Backend,
    pub flags: i32,
    pub offset: u64,
    pub path: String,
    refs: usize,
}

/// A pipe's buffer.
#[derive(Debug, Default)]
pub struct Pipe {
    pub buf: VecDeque<u8>,
    pub readers: usize,
    pub writers: usize,
}

/// One process's descriptors.
#[derive(Debug, Default, Clone)]
pub struct FdTable {
    pub fds: BTreeMap<i32, (u64, bool)>,
    pub cwd: String,
    pub exe: String,
    pub limit: u64,
}

/// The vfs service.
pub struct Vfs {
    pub tables: BTreeMap<u32, FdTable>,
    pub files: BTreeMap<u64, OpenFile>,
    pub pipes: BTreeMap<u64, Pipe>,
    next_id: u64,
    /// Host directory the guest's / maps to.
    pub root: PathBuf,
    rng: u64,
}

fn stat_bytes(m: &std::fs::Metadata) -> [u8; 128] {
    // struct stat of riscv64 (asm-generic): 128 bytes.
    let mut b = [0u8; 128];
    let put = |b: &mut [u8; 128], off: usize, v: &[u8]| b[off..off + v.len()].copy_from_slice(v);
    put(&mut b, 0, &m.dev().to_le_bytes());
    put(&mut b, 8, &m.ino().to_le_bytes());
    put(&mut b, 16, &m.mode().to_le_bytes());
    put(&mut b, 20, &(m.nlink() as u32).to_le_bytes());
    put(&mut b, 24, &m.uid().to_le_bytes());
    put(&mut b, 28, &m.gid().to_le_bytes());
    put(&mut b, 32, &m.rdev().to_le_bytes());
    put(&mut b, 48, &m.size().to_le_bytes());
    put(&mut b, 56, &(m.blksize() as i32).to_le_bytes());
    put(&mut b, 64, &m.blocks().to_le_bytes());
    put(&mut b, 72, &m.atime().to_le_bytes());
    put(&mut b, 80, &m.atime_nsec().to_le_bytes());
    put(&mut b, 88, &m.mtime().to_le_bytes());
    put(&mut b, 96, &m.mtime_nsec().to_le_bytes());
    put(&mut b, 104, &m.ctime().to_le_bytes());
    put(&mut b, 112, &m.ctime_nsec().to_le_bytes());
    b
}

/// A synthetic stat for devices, pipes and /proc text files.
fn synth_stat(mode: u32, ino: u64, size: u64, rdev: u64) -> [u8; 128] {
    let mut b = [0u8; 128];
    b[8..16].copy_from_slice(&ino.to_le_bytes());
    b[16..20].copy_from_slice(&mode.to_le_bytes());
    b[20..24].copy_from_slice(&1u32.to_le_bytes());
    b[32..40].copy_from_slice(&rdev.to_le_bytes());
    b[48..56].copy_from_slice(&size.to_le_bytes());
    b[56..60].copy_from_slice(&4096i32.to_le_bytes());
    b
}

fn io_errno(e: &std::io::Error) -> u64 {
    err(e.raw_os_error().unwrap_or(libc::EIO))
}

impl Vfs {
    /// A vfs whose / is the host directory `root`.
    pub fn new(root: PathBuf) -> Vfs {
        Vfs { tables: BTreeMap::new(), files: BTreeMap::new(), pipes: BTreeMap::new(), next_id: 1, root, rng: 0x9e37_79b9_7f4a_7c15 }
    }

    /// Gives a new process the console as fds 0, 1, 2 and records its executable
    /// (board use for the first process).
    pub fn init_process(&mut self, pid: u32, exe: &str) {
        let cwd = std::env::current_dir().ok().and_then(|p| path::to_guest(&self.root, &p)).unwrap_or_else(|| "/".into());
        self.tables.insert(pid, FdTable { cwd, exe: exe.to_string(), limit: 1024, ..Default::default() });
        for hfd in 0..3 {
            let flags = if hfd == 0 { libc::O_RDWR } else { libc::O_WRONLY };
            let f = self.new_file(Backend::Console(hfd), flags, format!("/dev/pts/{hfd}"));
            self.install(pid, f, false, hfd);
        }
    }

    fn new_file(&mut self, backend: Backend, flags: i32, path: String) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.files.insert(id, OpenFile { backend, flags, offset: 0, path, refs: 0 });
        id
    }

    fn install(&mut self, pid: u32, file: u64, cloexec: bool, min: i32) -> u64 {
        let Some(t) = self.tables.get_mut(&pid) else { return err(libc::ESRCH) };
        let mut fd = min;
        while t.fds.contains_key(&fd) {
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

    fn file_of(&self, pid: u32, fd: i32) -> Option<u64> {
        self.tables.get(&pid)?.fds.get(&fd).map(|x| x.0)
    }

    fn drop_ref(&mut self, env: &mut dyn Env, file: u64) {
        let Some(f) = self.files.get_mut(&file) else { return };
        f.refs -= 1;
        if f.refs > 0 {
            return;
        }
        let Some(f) = self.files.remove(&file) else { return };
        match f.backend {
            Backend::PipeRead(p) => {
                if let Some(pp) = self.pipes.get_mut(&p) {
                    pp.readers -= 1;
                }
                self.wake(env, p);
            }
            Backend::PipeWrite(p) => {
                if let Some(pp) = self.pipes.get_mut(&p) {
                    pp.writers -= 1;
                }
                self.wake(env, p);
            }
            _ => {}
        }
    }

    fn wake(&mut self, env: &mut dyn Env, pipe: u64) {
        let _ = env.call(ServiceId::Proc, crate::proc::op::WAKE, [0, key(kind::PIPE, pipe), 0, 0, 0, 0], &[]);
    }

    fn close(&mut self, env: &mut dyn Env, pid: u32, fd: i32) -> u64 {
        let Some(t) = self.tables.get_mut(&pid) else { return err(libc::ESRCH) };
        match t.fds.remove(&fd) {
            Some((file, _)) => {
                self.drop_ref(env, file);
                0
            }
            None => err(libc::EBADF),
        }
    }

    /// The host path for a guest path, relative to `dirfd` of `pid`.
    fn resolve(&self, pid: u32, dirfd: i32, guest: &[u8]) -> Result<(String, PathBuf), u64> {
        let g = String::from_utf8_lossy(guest).into_owned();
        if g.is_empty() {
            return Err(err(libc::ENOENT));
        }
        if g.len() >= 4096 {
            return Err(err(libc::ENAMETOOLONG));
        }
        let t = self.tables.get(&pid).ok_or(err(libc::ESRCH))?;
        let base = if g.starts_with('/') {
            String::from("/")
        } else if dirfd == libc::AT_FDCWD {
            t.cwd.clone()
        } else {
            let file = t.fds.get(&dirfd).ok_or(err(libc::EBADF))?.0;
            let f = self.files.get(&file).ok_or(err(libc::EBADF))?;
            if !matches!(f.backend, Backend::Dir { .. }) {
                return Err(err(libc::ENOTDIR));
            }
            f.path.clone()
        };
        let guest_abs = path::join(&base, &g);
        Ok((guest_abs.clone(), path::to_host(&self.root, &guest_abs)))
    }

    fn read_path(&self, env: &mut dyn Env, ptr: u64) -> Result<Vec<u8>, Result<u64, Fault>> {
        let mut out = Vec::new();
        let mut p = ptr;
        loop {
            let mut b = [0u8; 256];
            // The personality lent exactly the string and its NUL.
            let n = 256.min(4097 - out.len().min(4097));
            if n == 0 {
                return Err(Ok(err(libc::ENAMETOOLONG)));
            }
            match env.read(p, &mut b[..1]) {
                Ok(()) => {}
                Err(f) => return Err(Err(f)),
            }
            if b[0] == 0 {
                return Ok(out);
            }
            out.push(b[0]);
            p += 1;
        }
    }

    fn open(&mut self, env: &mut dyn Env, pid: u32, dirfd: i32, pathp: u64, flags: i32, mode: u32) -> Result<u64, Fault> {
        let guest = match self.read_path(env, pathp) {
            Ok(g) => g,
            Err(r) => return r,
        };
        let (gpath, host) = match self.resolve(pid, dirfd, &guest) {
            Ok(x) => x,
            Err(e) => return Ok(e),
        };
        let cloexec = flags & libc::O_CLOEXEC != 0;
        if let Some(backend) = self.special(pid, &gpath) {
            let f = self.new_file(backend, flags, gpath);
            return Ok(self.install(pid, f, cloexec, 0));
        }
        let acc = flags & libc::O_ACCMODE;
        let meta = std::fs::metadata(&host);
        if let Ok(m) = &meta {
            if m.is_dir() {
                if acc != libc::O_RDONLY {
                    return Ok(err(libc::EISDIR));
                }
                let f = self.new_file(Backend::Dir { host, entries: None, pos: 0 }, flags, gpath);
                return Ok(self.install(pid, f, cloexec, 0));
            }
        }
        if flags & libc::O_DIRECTORY != 0 {
            return Ok(if meta.is_ok() { err(libc::ENOTDIR) } else { err(libc::ENOENT) });
        }
        let mut o = std::fs::OpenOptions::new();
        o.read(acc != libc::O_WRONLY).write(acc != libc::O_RDONLY);
        o.custom_flags(flags & (libc::O_APPEND | libc::O_TRUNC | libc::O_EXCL | libc::O_CREAT | libc::O_NOFOLLOW | libc::O_SYNC | libc::O_DSYNC));
        if flags & libc::O_CREAT != 0 {
            let umask = 0o022;
            o.mode(mode & !umask & 0o7777);
        }
        match o.open(&host) {
            Ok(file) => {
                let f = self.new_file(Backend::Host(file), flags, gpath);
                Ok(self.install(pid, f, cloexec, 0))
            }
            Err(e) => Ok(io_errno(&e)),
        }
    }

    /// /dev and /proc files, synthesized.
    fn special(&mut self, pid: u32, g: &str) -> Option<Backend> {
        Some(match g {
            "/dev/null" => Backend::Null,
            "/dev/zero" => Backend::Zero,
            "/dev/full" => Backend::Full,
            "/dev/random" | "/dev/urandom" => Backend::Random,
            "/dev/tty" | "/dev/stdout" => Backend::Console(1),
            "/dev/stderr" => Backend::Console(2),
            "/dev/stdin" => Backend::Console(0),
            "/proc/cpuinfo" => Backend::Text(b"processor\t: 0\nhart\t\t: 0\nisa\t\t: rv64imafdc\nmmu\t\t: grantix\nuarch\t\t: grantix\n\n".to_vec()),
            "/proc/meminfo" => Backend::Text(b"MemTotal:        4194304 kB\nMemFree:         4000000 kB\nMemAvailable:    4000000 kB\n".to_vec()),
            g if g.starts_with("/proc/self/") || g.starts_with(&format!("/proc/{pid}/")) => {
                let rest = g.split_once('/').and_then(|_| g.splitn(4, '/').nth(3)).unwrap_or("");
                match rest {
                    "cmdline" | "comm" | "stat" | "status" => {
                        let exe = self.tables.get(&pid).map(|t| t.exe.clone()).unwrap_or_default();
                        let name = exe.rsplit('/').next().unwrap_or("").to_string();
                        Backend::Text(match rest {
                            "comm" => format!("{name}\n").into_bytes(),
                            "stat" => format!("{pid} ({name}) R 0 {pid} {pid} 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 0 0 0\n").into_bytes(),
                            "status" => format!("Name:\t{name}\nPid:\t{pid}\nUid:\t0\t0\t0\t0\n").into_bytes(),
                            _ => format!("{exe}\0").into_bytes(),
                        })
                    }
                    _ => return None,
                }
            }
            _ => return None,
        })
    }

    fn read(&mut self, env: &mut dyn Env, pid: u32, fd: i32, buf: u64, len: u64, at: Option<u64>) -> Result<[u64; 2], Fault> {
        let Some(file) = self.file_of(pid, fd) else { return Ok([err(libc::EBADF), 0]) };
        let Some(f) = self.files.get_mut(&file) else { return Ok([err(libc::EBADF), 0]) };
        if f.flags & libc::O_ACCMODE == libc::O_WRONLY {
            return Ok([err(libc::EBADF), 0]);
        }
        let nonblock = f.flags & libc::O_NONBLOCK != 0;
        let len = len.min(1 << 24) as usize;
        let data: Vec<u8> = match &mut f.backend {
            Backend::Host(h) => {
                let mut v = vec![0u8; len];
                let r = match at {
                    Some(off) => h.read_at(&mut v, off),
                    None => h.read(&mut v),
                };
                match r {
                    Ok(n) => {
                        v.truncate(n);
                        v
                    }
                    Err(e) => return Ok([io_errno(&e), 0]),
                }
            }
            Backend::Dir { .. } => return Ok([err(libc::EISDIR), 0]),
            Backend::Console(hfd) => {
                let hfd = *hfd;
                return match env.call(ServiceId::Tty, tty::op::READ, [0, hfd as u64, buf, len as u64, nonblock as u64, 0], &[Lend::write(buf, len as u64)]) {
                    Ok(v) => Ok(v),
                    Err(e) => Ok([call_errno(&e), 0]),
                };
            }
            Backend::PipeRead(p) => {
                let p = *p;
                let pipe = self.pipes.get_mut(&p).expect("pipe of an open end");
                if pipe.buf.is_empty() {
                    if pipe.writers == 0 {
                        return Ok([0, 0]);
                    }
                    return Ok(if nonblock { [err(libc::EAGAIN), 0] } else { [BLOCK, key(kind::PIPE, p)] });
                }
                let n = len.min(pipe.buf.len());
                let v: Vec<u8> = pipe.buf.drain(..n).collect();
                self.wake(env, p);
                v
            }
            Backend::PipeWrite(_) => return Ok([err(libc::EBADF), 0]),
            Backend::Null => Vec::new(),
            Backend::Zero | Backend::Full => vec![0u8; len],
            Backend::Random => {
                let mut v = vec![0u8; len];
                for b in v.iter_mut() {
                    self.rng ^= self.rng << 13;
                    self.rng ^= self.rng >> 7;
                    self.rng ^= self.rng << 17;
                    *b = self.rng as u8;
                }
                v
            }
            Backend::Text(t) => {
                let off = at.unwrap_or(f.offset) as usize;
                let v = t.get(off..).map(|s| s[..s.len().min(len)].to_vec()).unwrap_or_default();
                if at.is_none() {
                    f.offset += v.len() as u64;
                }
                v
            }
        };
        env.write(buf, &data)?;
        Ok([data.len() as u64, 0])
    }

    fn write(&mut self, env: &mut dyn Env, pid: u32, fd: i32, buf: u64, len: u64, at: Option<u64>) -> Result<[u64; 2], Fault> {
        let Some(file) = self.file_of(pid, fd) else { return Ok([err(libc::EBADF), 0]) };
        let Some(f) = self.files.get_mut(&file) else { return Ok([err(libc::EBADF), 0]) };
        if f.flags & libc::O_ACCMODE == libc::O_RDONLY && !matches!(f.backend, Backend::Console(_) | Backend::PipeWrite(_)) {
            return Ok([err(libc::EBADF), 0]);
        }
        let nonblock = f.flags & libc::O_NONBLOCK != 0;
        match &mut f.backend {
            Backend::Console(hfd) => {
                let hfd = if *hfd == 0 { 1 } else { *hfd };
                // The second delegation: the same bytes, lent on to the console driver.
                return Ok(match env.call(ServiceId::Tty, tty::op::WRITE, [0, hfd as u64, buf, len, 0, 0], &[Lend::read(buf, len)]) {
                    Ok(v) => v,
                    Err(e) => [call_errno(&e), 0],
                });
            }
            Backend::Null | Backend::Zero | Backend::Random => return Ok([len, 0]),
            Backend::Full => return Ok([err(libc::ENOSPC), 0]),
            Backend::Dir { .. } => return Ok([err(libc::EISDIR), 0]),
            Backend::Text(_) | Backend::PipeRead(_) => return Ok([err(libc::EBADF), 0]),
            Backend::PipeWrite(p) => {
                let p = *p;
                let pipe = self.pipes.get_mut(&p).expect("pipe of an open end");
                if pipe.readers == 0 {
                    return Ok([err(libc::EPIPE), 0]);
                }
                let room = PIPE_CAPACITY - pipe.buf.len();
                if room == 0 || (len as usize <= 4096 && room < len as usize) {
                    return Ok(if nonblock { [err(libc::EAGAIN), 0] } else { [BLOCK, key(kind::PIPE, p)] });
                }
                let n = room.min(len as usize);
                let mut v = vec![0u8; n];
                env.read(buf, &mut v)?;
                let pipe = self.pipes.get_mut(&p).expect("pipe of an open end");
                pipe.buf.extend(v);
                self.wake(env, p);
                return Ok([n as u64, 0]);
            }
            Backend::Host(_) => {}
        }
        let mut v = vec![0u8; len.min(1 << 24) as usize];
        env.read(buf, &mut v)?;
        let Some(OpenFile { backend: Backend::Host(h), .. }) = self.files.get_mut(&file) else { return Ok([err(libc::EBADF), 0]) };
        let r = match at {
            Some(off) => h.write_at(&v, off),
            None => h.write(&v),
        };
        Ok(match r {
            Ok(n) => [n as u64, 0],
            Err(e) => [io_errno(&e), 0],
        })
    }

    fn fstat_of(&self, file: u64) -> Result<[u8; 128], u64> {
        let f = self.files.get(&file).ok_or(err(libc::EBADF))?;
        Ok(match &f.backend {
            Backend::Host(h) => stat_bytes(&h.metadata().map_err(|e| io_errno(&e))?),
            Backend::Dir { host, .. } => stat_bytes(&std::fs::metadata(host).map_err(|e| io_errno(&e))?),
            Backend::Console(_) => synth_stat(0o20620, 3, 0, 0x8800),
            Backend::PipeRead(p) | Backend::PipeWrite(p) => synth_stat(0o10600, 0x1000 + p, 0, 0),
            Backend::Null => synth_stat(0o20666, 4, 0, 0x103),
            Backend::Zero => synth_stat(0o20666, 5, 0, 0x105),
            Backend::Full => synth_stat(0o20666, 6, 0, 0x107),
            Backend::Random => synth_stat(0o20666, 7, 0, 0x109),
            Backend::Text(t) => synth_stat(0o100444, 8, t.len() as u64, 0),
        })
    }

    fn getdents(&mut self, env: &mut dyn Env, pid: u32, fd: i32, buf: u64, len: u64) -> Result<u64, Fault> {
        let Some(file) = self.file_of(pid, fd) else { return Ok(err(libc::EBADF)) };
        let Some(OpenFile { backend: Backend::Dir { host, entries, pos }, .. }) = self.files.get_mut(&file) else { return Ok(err(libc::ENOTDIR)) };
        if entries.is_none() {
            let mut v: Vec<(Vec<u8>, u64, u8)> = vec![(b".".to_vec(), 1, 4), (b"..".to_vec(), 1, 4)];
            match std::fs::read_dir(&*host) {
                Ok(rd) => {
                    for e in rd.flatten() {
                        use std::os::unix::ffi::OsStrExt;
                        use std::os::unix::fs::DirEntryExt;
                        let t = e.file_type().map_or(0, |t| if t.is_dir() { 4 } else if t.is_symlink() { 10 } else if t.is_file() { 8 } else { 0 });
                        v.push((e.file_name().as_bytes().to_vec(), e.ino(), t));
                    }
                }
                Err(e) => return Ok(io_errno(&e)),
            }
            *entries = Some(v);
        }
        let list = entries.as_ref().expect("filled above");
        let mut out = Vec::new();
        while *pos < list.len() {
            let (name, ino, t) = &list[*pos];
            let reclen = (19 + name.len() + 1).div_ceil(8) * 8;
            if out.len() + reclen > len as usize {
                break;
            }
            let mut rec = vec![0u8; reclen];
            rec[0..8].copy_from_slice(&ino.to_le_bytes());
            rec[8..16].copy_from_slice(&((*pos + 1) as u64).to_le_bytes());
            rec[16..18].copy_from_slice(&(reclen as u16).to_le_bytes());
            rec[18] = *t;
            rec[19..19 + name.len()].copy_from_slice(name);
            out.extend(rec);
            *pos += 1;
        }
        if out.is_empty() && *pos < list.len() {
            return Ok(err(libc::EINVAL));
        }
        env.write(buf, &out)?;
        Ok(out.len() as u64)
    }

    fn pipe2(&mut self, env: &mut dyn Env, pid: u32, fds: u64, flags: i32) -> Result<u64, Fault> {
        let id = self.next_id;
        self.next_id += 1;
        self.pipes.insert(id, Pipe { buf: VecDeque::new(), readers: 1, writers: 1 });
        let fl = flags & libc::O_NONBLOCK;
        let r = self.new_file(Backend::PipeRead(id), fl, "pipe".into());
        let w = self.new_file(Backend::PipeWrite(id), fl | libc::O_WRONLY, "pipe".into());
        let cloexec = flags & libc::O_CLOEXEC != 0;
        let rfd = self.install(pid, r, cloexec, 0);
        let wfd = self.install(pid, w, cloexec, 0);
        let mut b = [0u8; 8];
        b[0..4].copy_from_slice(&(rfd as i32).to_le_bytes());
        b[4..8].copy_from_slice(&(wfd as i32).to_le_bytes());
        if let Err(f) = env.write(fds, &b) {
            self.close(env, pid, rfd as i32);
            self.close(env, pid, wfd as i32);
            return Err(f);
        }
        Ok(0)
    }

    fn dup_to(&mut self, env: &mut dyn Env, pid: u32, old: i32, new: i32, cloexec: bool) -> u64 {
        let Some(file) = self.file_of(pid, old) else { return err(libc::EBADF) };
        if new < 0 || new as u64 >= self.tables.get(&pid).map_or(0, |t| t.limit) {
            return err(libc::EBADF);
        }
        if old == new {
            return new as u64;
        }
        if self.file_of(pid, new).is_some() {
            self.close(env, pid, new);
        }
        if let Some(t) = self.tables.get_mut(&pid) {
            t.fds.insert(new, (file, cloexec));
        }
        if let Some(f) = self.files.get_mut(&file) {
            f.refs += 1;
        }
        new as u64
    }

    fn fcntl(&mut self, pid: u32, fd: i32, cmd: i32, arg: u64) -> u64 {
        let Some(file) = self.file_of(pid, fd) else { return err(libc::EBADF) };
        match cmd {
            libc::F_DUPFD | libc::F_DUPFD_CLOEXEC => self.install(pid, file, cmd == libc::F_DUPFD_CLOEXEC, arg as i32),
            libc::F_GETFD => self.tables.get(&pid).and_then(|t| t.fds.get(&fd)).map_or(0, |x| x.1 as u64),
            libc::F_SETFD => {
                if let Some(e) = self.tables.get_mut(&pid).and_then(|t| t.fds.get_mut(&fd)) {
                    e.1 = arg & 1 != 0;
                }
                0
            }
            libc::F_GETFL => self.files.get(&file).map_or(0, |f| f.flags as u64 & !(libc::O_CLOEXEC as u64)),
            libc::F_SETFL => {
                if let Some(f) = self.files.get_mut(&file) {
                    let settable = libc::O_APPEND | libc::O_NONBLOCK;
                    f.flags = (f.flags & !settable) | (arg as i32 & settable);
                }
                0
            }
            _ => err(libc::EINVAL),
        }
    }

    fn lseek(&mut self, pid: u32, fd: i32, off: i64, whence: i32) -> u64 {
        let Some(file) = self.file_of(pid, fd) else { return err(libc::EBADF) };
        let Some(f) = self.files.get_mut(&file) else { return err(libc::EBADF) };
        match &mut f.backend {
            Backend::Host(h) => {
                let pos = match whence {
                    libc::SEEK_SET if off >= 0 => SeekFrom::Start(off as u64),
                    libc::SEEK_CUR => SeekFrom::Current(off),
                    libc::SEEK_END => SeekFrom::End(off),
                    _ => return err(libc::EINVAL),
                };
                match h.seek(pos) {
                    Ok(p) => p,
                    Err(e) => io_errno(&e),
                }
            }
            Backend::Text(t) => {
                let base = match whence {
                    libc::SEEK_SET => 0,
                    libc::SEEK_CUR => f.offset as i64,
                    libc::SEEK_END => t.len() as i64,
                    _ => return err(libc::EINVAL),
                };
                if base + off < 0 {
                    return err(libc::EINVAL);
                }
                f.offset = (base + off) as u64;
                f.offset
            }
            Backend::Dir { pos, .. } if whence == libc::SEEK_SET && off == 0 => {
                *pos = 0;
                0
            }
            Backend::PipeRead(_) | Backend::PipeWrite(_) | Backend::Console(_) => err(libc::ESPIPE),
            _ => 0,
        }
    }
}

impl Service for Vfs {
    fn id(&self) -> ServiceId {
        ServiceId::Vfs
    }

    fn as_any(&mut self) -> &mut dyn Any {
        self
    }

    fn handle(&mut self, env: &mut dyn Env, op: u64, a: [u64; 6]) -> Result<[u64; 2], Fault> {
        let pid = (a[0] >> 32) as u32;
        let s = [a[1], a[2], a[3], a[4], a[5], 0];
        let fd = s[0] as i32;
        Ok(match op {
            op::INIT_STDIO => {
                let mut t = FdTable { cwd: s[1].to_string(), limit: 1024, ..Default::default() };
                t.cwd = std::env::current_dir().ok().and_then(|p| path::to_guest(&self.root, &p)).unwrap_or_else(|| "/".into());
                self.tables.insert(pid, t);
                for hfd in 0..3 {
                    let flags = if hfd == 0 { libc::O_RDWR } else { libc::O_WRONLY };
                    let f = self.new_file(Backend::Console(hfd), flags, format!("/dev/pts/{hfd}"));
                    self.install(pid, f, false, hfd);
                }
                [0, 0]
            }
            op::SET_LIMIT => {
                if let Some(t) = self.tables.get_mut(&pid) {
                    t.limit = s[0].min(1 << 20);
                }
                [0, 0]
            }
            op::SET_EXE => {
                let mut b = vec![0u8; s[2] as usize];
                env.read(s[1], &mut b)?;
                if let Some(t) = self.tables.get_mut(&(s[0] as u32)) {
                    t.exe = String::from_utf8_lossy(&b).into_owned();
                }
                [0, 0]
            }
            op::FORK => {
                let Some(t) = self.tables.get(&pid).cloned() else { return Ok([err(libc::ESRCH), 0]) };
                for (file, _) in t.fds.values() {
                    if let Some(f) = self.files.get_mut(file) {
                        f.refs += 1;
                    }
                }
                self.tables.insert(s[0] as u32, t);
                [0, 0]
            }
            op::EXEC => {
                let close: Vec<i32> = self.tables.get(&pid).map(|t| t.fds.iter().filter(|(_, v)| v.1).map(|(k, _)| *k).collect()).unwrap_or_default();
                for fd in close {
                    self.close(env, pid, fd);
                }
                [0, 0]
            }
            op::EXIT => {
                let fds: Vec<i32> = self.tables.get(&pid).map(|t| t.fds.keys().copied().collect()).unwrap_or_default();
                for fd in fds {
                    self.close(env, pid, fd);
                }
                self.tables.remove(&pid);
                [0, 0]
            }
            op::PREAD_FILL => {
                let Some(file) = self.file_of(pid, fd) else { return Ok([err(libc::EBADF), 0]) };
                let Some(OpenFile { backend: Backend::Host(h), .. }) = self.files.get_mut(&file) else { return Ok([err(libc::ENODEV), 0]) };
                let mut v = vec![0u8; s[2] as usize];
                let mut got = 0;
                while got < v.len() {
                    match h.read_at(&mut v[got..], s[3] + got as u64) {
                        Ok(0) => break,
                        Ok(n) => got += n,
                        Err(e) => return Ok([io_errno(&e), 0]),
                    }
                }
                env.write(s[1], &v[..got])?;
                [got as u64, 0]
            }
            op::PWRITE_FROM => {
                let Some(file) = self.file_of(pid, fd) else { return Ok([err(libc::EBADF), 0]) };
                let mut v = vec![0u8; s[2] as usize];
                env.read(s[1], &mut v)?;
                let Some(OpenFile { backend: Backend::Host(h), .. }) = self.files.get_mut(&file) else { return Ok([err(libc::ENODEV), 0]) };
                // Only the part of the mapping inside the file is written back.
                let size = h.metadata().map_or(0, |m| m.len());
                let n = size.saturating_sub(s[3]).min(v.len() as u64) as usize;
                match h.write_at(&v[..n], s[3]) {
                    Ok(n) => [n as u64, 0],
                    Err(e) => [io_errno(&e), 0],
                }
            }
            op::RESOLVE_EXEC => {
                let mut g = vec![0u8; s[1] as usize];
                env.read(s[0], &mut g)?;
                let host = match self.resolve(pid, libc::AT_FDCWD, &g) {
                    Ok((_, h)) => h,
                    Err(e) => return Ok([e, 0]),
                };
                let h = host.to_string_lossy().into_owned();
                match std::fs::metadata(&host) {
                    Ok(m) if m.is_dir() => return Ok([err(libc::EACCES), 0]),
                    Ok(m) if m.permissions().mode() & 0o111 == 0 => return Ok([err(libc::EACCES), 0]),
                    Ok(_) => {}
                    Err(e) => return Ok([io_errno(&e), 0]),
                }
                if h.len() as u64 > s[3] {
                    return Ok([err(libc::ENAMETOOLONG), 0]);
                }
                env.write(s[2], h.as_bytes())?;
                [h.len() as u64, 0]
            }
            nr::OPENAT => [self.open(env, pid, s[0] as i32, s[1], s[2] as i32, s[3] as u32)?, 0],
            nr::CLOSE => [self.close(env, pid, fd), 0],
            nr::READ => return self.read(env, pid, fd, s[1], s[2], None),
            nr::PREAD64 => return self.read(env, pid, fd, s[1], s[2], Some(s[3])),
            nr::WRITE => return self.write(env, pid, fd, s[1], s[2], None),
            nr::PWRITE64 => return self.write(env, pid, fd, s[1], s[2], Some(s[3])),
            nr::LSEEK => [self.lseek(pid, fd, s[1] as i64, s[2] as i32), 0],
            nr::FSTAT => match self.file_of(pid, fd).map(|f| self.fstat_of(f)) {
                Some(Ok(st)) => {
                    env.write(s[1], &st)?;
                    [0, 0]
                }
                Some(Err(e)) => [e, 0],
                None => [err(libc::EBADF), 0],
            },
            nr::NEWFSTATAT => {
                let flags = s[3] as i32;
                let guest = match self.read_path(env, s[1]) {
                    Ok(g) => g,
                    Err(r) => return r.map(|v| [v, 0]),
                };
                if guest.is_empty() && flags & libc::AT_EMPTY_PATH != 0 {
                    return Ok(match self.file_of(pid, fd).map(|f| self.fstat_of(f)) {
                        Some(Ok(st)) => {
                            env.write(s[2], &st)?;
                            [0, 0]
                        }
                        Some(Err(e)) => [e, 0],
                        None => [err(libc::EBADF), 0],
                    });
                }
                let (g, host) = match self.resolve(pid, fd, &guest) {
                    Ok(x) => x,
                    Err(e) => return Ok([e, 0]),
                };
                if let Some(b) = self.special(pid, &g) {
                    let id = self.new_file(b, 0, g);
                    let st = self.fstat_of(id);
                    self.files.remove(&id);
                    return Ok(match st {
                        Ok(st) => {
                            env.write(s[2], &st)?;
                            [0, 0]
                        }
                        Err(e) => [e, 0],
                    });
                }
                let m = if flags & libc::AT_SYMLINK_NOFOLLOW != 0 { std::fs::symlink_metadata(&host) } else { std::fs::metadata(&host) };
                match m {
                    Ok(m) => {
                        env.write(s[2], &stat_bytes(&m))?;
                        [0, 0]
                    }
                    Err(e) => [io_errno(&e), 0],
                }
            }
            nr::GETDENTS64 => [self.getdents(env, pid, fd, s[1], s[2])?, 0],
            nr::PIPE2 => [self.pipe2(env, pid, s[0], s[1] as i32)?, 0],
            nr::DUP => match self.file_of(pid, fd) {
                Some(f) => [self.install(pid, f, false, 0), 0],
                None => [err(libc::EBADF), 0],
            },
            nr::DUP3 => {
                if s[0] == s[1] {
                    return Ok([err(libc::EINVAL), 0]);
                }
                [self.dup_to(env, pid, fd, s[1] as i32, s[2] as i32 & libc::O_CLOEXEC != 0), 0]
            }
            nr::FCNTL => [self.fcntl(pid, fd, s[1] as i32, s[2]), 0],
            nr::IOCTL => {
                let Some(file) = self.file_of(pid, fd) else { return Ok([err(libc::EBADF), 0]) };
                let console = matches!(self.files.get(&file).map(|f| &f.backend), Some(Backend::Console(_)));
                match s[1] as u64 {
                    0x5401 if console && nix::unistd::isatty(libc::STDOUT_FILENO).unwrap_or(false) => {
                        // TCGETS: a plausible termios (60 bytes) for a real terminal.
                        env.write(s[2], &[0u8; 60])?;
                        [0, 0]
                    }
                    0x5413 if console && nix::unistd::isatty(libc::STDOUT_FILENO).unwrap_or(false) => {
                        let mut ws = [0u8; 8];
                        ws[0..2].copy_from_slice(&24u16.to_le_bytes());
                        ws[2..4].copy_from_slice(&80u16.to_le_bytes());
                        env.write(s[2], &ws)?;
                        [0, 0]
                    }
                    0x541B => {
                        let n = match self.files.get(&file).map(|f| &f.backend) {
                            Some(Backend::PipeRead(p)) => self.pipes.get(p).map_or(0, |p| p.buf.len()),
                            _ => 0,
                        };
                        env.write(s[2], &(n as i32).to_le_bytes())?;
                        [0, 0]
                    }
                    _ => [err(libc::ENOTTY), 0],
                }
            }
            nr::GETCWD => {
                let cwd = self.tables.get(&pid).map(|t| t.cwd.clone()).unwrap_or_else(|| "/".into());
                if cwd.len() + 1 > s[1] as usize {
                    return Ok([err(libc::ERANGE), 0]);
                }
                let mut b = cwd.into_bytes();
                b.push(0);
                env.write(s[0], &b)?;
                [b.len() as u64, 0]
            }
            nr::CHDIR | nr::FCHDIR => {
                let target = if op == nr::CHDIR {
                    let guest = match self.read_path(env, s[0]) {
                        Ok(g) => g,
                        Err(r) => return r.map(|v| [v, 0]),
                    };
                    match self.resolve(pid, libc::AT_FDCWD, &guest) {
                        Ok(x) => x,
                        Err(e) => return Ok([e, 0]),
                    }
                } else {
                    match self.file_of(pid, fd).and_then(|f| self.files.get(&f)) {
                        Some(OpenFile { backend: Backend::Dir { host, .. }, path, .. }) => (path.clone(), host.clone()),
                        Some(_) => return Ok([err(libc::ENOTDIR), 0]),
                        None => return Ok([err(libc::EBADF), 0]),
                    }
                };
                match std::fs::metadata(&target.1) {
                    Ok(m) if m.is_dir() => {
                        if let Some(t) = self.tables.get_mut(&pid) {
                            t.cwd = target.0;
                        }
                        [0, 0]
                    }
                    Ok(_) => [err(libc::ENOTDIR), 0],
                    Err(e) => [io_errno(&e), 0],
                }
            }
            nr::MKDIRAT | nr::UNLINKAT | nr::FACCESSAT | nr::FACCESSAT2 | nr::READLINKAT | nr::FCHMODAT | nr::TRUNCATE => {
                let guest = match self.read_path(env, if op == nr::TRUNCATE { s[0] } else { s[1] }) {
                    Ok(g) => g,
                    Err(r) => return r.map(|v| [v, 0]),
                };
                let dirfd = if op == nr::TRUNCATE { libc::AT_FDCWD } else { fd };
                let (g, host) = match self.resolve(pid, dirfd, &guest) {
                    Ok(x) => x,
                    Err(e) => return Ok([e, 0]),
                };
                let r = match op {
                    nr::MKDIRAT => {
                        use std::os::unix::fs::DirBuilderExt;
                        std::fs::DirBuilder::new().mode(s[2] as u32 & 0o7777 & !0o022).create(&host).map(|_| 0)
                    }
                    nr::UNLINKAT => {
                        if s[2] as i32 & libc::AT_REMOVEDIR != 0 { std::fs::remove_dir(&host) } else { std::fs::remove_file(&host) }.map(|_| 0)
                    }
                    nr::FACCESSAT | nr::FACCESSAT2 => {
                        if self.special(pid, &g).is_some() { Ok(0) } else { std::fs::symlink_metadata(&host).map(|_| 0) }
                    }
                    nr::FCHMODAT => std::fs::set_permissions(&host, std::fs::Permissions::from_mode(s[2] as u32 & 0o7777)).map(|_| 0),
                    nr::TRUNCATE => std::fs::OpenOptions::new().write(true).open(&host).and_then(|f| f.set_len(s[1])).map(|_| 0),
                    _ => {
                        // readlinkat: /proc/self/exe and the fd links are synthesized.
                        let target = if g == "/proc/self/exe" || g == format!("/proc/{pid}/exe") {
                            Ok(self.tables.get(&pid).map(|t| t.exe.clone()).unwrap_or_default().into_bytes())
                        } else if let Some(n) = g.strip_prefix("/proc/self/fd/") {
                            match n.parse::<i32>().ok().and_then(|n| self.file_of(pid, n)).and_then(|f| self.files.get(&f)) {
                                Some(f) => Ok(f.path.clone().into_bytes()),
                                None => Err(std::io::Error::from_raw_os_error(libc::ENOENT)),
                            }
                        } else {
                            use std::os::unix::ffi::OsStrExt;
                            std::fs::read_link(&host).map(|p| p.as_os_str().as_bytes().to_vec())
                        };
                        match target {
                            Ok(t) => {
                                let n = t.len().min(s[3] as usize);
                                env.write(s[2], &t[..n])?;
                                Ok(n as u64)
                            }
                            Err(e) => Err(e),
                        }
                    }
                };
                match r {
                    Ok(v) => [v, 0],
                    Err(e) => [io_errno(&e), 0],
                }
            }
            nr::FTRUNCATE => match self.file_of(pid, fd).and_then(|f| self.files.get(&f)) {
                Some(OpenFile { backend: Backend::Host(h), .. }) => match h.set_len(s[1]) {
                    Ok(()) => [0, 0],
                    Err(e) => [io_errno(&e), 0],
                },
                Some(_) => [err(libc::EINVAL), 0],
                None => [err(libc::EBADF), 0],
            },
            nr::FSYNC | nr::FDATASYNC => match self.file_of(pid, fd) {
                Some(_) => [0, 0],
                None => [err(libc::EBADF), 0],
            },
            _ => [err(libc::ENOSYS), 0],
        })
    }
}

/// Lends the vfs syscalls need: exactly the bytes each may touch.
pub fn lends(op: u64, a: &[u64; 6], mut path_len: impl FnMut(u64) -> u64) -> Vec<Lend> {
    let mut path = |p: u64| Lend::read(p, path_len(p));
    match op {
        nr::READ | nr::PREAD64 => vec![Lend::write(a[1], a[2])],
        nr::WRITE | nr::PWRITE64 => vec![Lend::read(a[1], a[2])],
        nr::OPENAT => vec![path(a[1])],
        nr::FSTAT => vec![Lend::write(a[1], 128)],
        nr::NEWFSTATAT => vec![path(a[1]), Lend::write(a[2], 128)],
        nr::GETDENTS64 => vec![Lend::write(a[1], a[2])],
        nr::PIPE2 => vec![Lend::write(a[0], 8)],
        nr::GETCWD => vec![Lend::write(a[0], a[1])],
        nr::CHDIR | nr::TRUNCATE => vec![path(a[0])],
        nr::MKDIRAT | nr::UNLINKAT | nr::FACCESSAT | nr::FACCESSAT2 | nr::FCHMODAT => vec![path(a[1])],
        nr::READLINKAT => vec![path(a[1]), Lend::write(a[2], a[3])],
        nr::IOCTL => match a[1] {
            0x5401 => vec![Lend::write(a[2], 60)],
            0x5413 => vec![Lend::write(a[2], 8)],
            0x541B => vec![Lend::write(a[2], 4)],
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// Qualifies the pointer arguments of vfs syscall `n` (the five after the caller word;
/// a sixth argument, where one exists, travels in `a[5]` of the lends array only).
pub fn qualify(n: u64, a: &[u64; 6], q: impl Fn(u64) -> u64) -> [u64; 5] {
    match n {
        nr::READ | nr::WRITE | nr::PREAD64 | nr::PWRITE64 | nr::FSTAT | nr::GETDENTS64 => [a[0], q(a[1]), a[2], a[3], a[4]],
        nr::OPENAT | nr::MKDIRAT | nr::UNLINKAT | nr::FACCESSAT | nr::FACCESSAT2 | nr::FCHMODAT => [a[0], q(a[1]), a[2], a[3], a[4]],
        nr::NEWFSTATAT | nr::READLINKAT => [a[0], q(a[1]), q(a[2]), a[3], a[4]],
        nr::PIPE2 | nr::GETCWD | nr::CHDIR | nr::TRUNCATE => [q(a[0]), a[1], a[2], a[3], a[4]],
        nr::IOCTL => [a[0], a[1], q(a[2]), a[3], a[4]],
        _ => [a[0], a[1], a[2], a[3], a[4]],
    }
}

/// Whether the vfs handles syscall `nr`.
pub fn handles(n: u64) -> bool {
    matches!(
        n,
        nr::OPENAT
            | nr::CLOSE
            | nr::READ
            | nr::PREAD64
            | nr::WRITE
            | nr::PWRITE64
            | nr::LSEEK
            | nr::FSTAT
            | nr::NEWFSTATAT
            | nr::GETDENTS64
            | nr::PIPE2
            | nr::DUP
            | nr::DUP3
            | nr::FCNTL
            | nr::IOCTL
            | nr::GETCWD
            | nr::CHDIR
            | nr::FCHDIR
            | nr::MKDIRAT
            | nr::UNLINKAT
            | nr::FACCESSAT
            | nr::FACCESSAT2
            | nr::READLINKAT
            | nr::FCHMODAT
            | nr::TRUNCATE
            | nr::FTRUNCATE
            | nr::FSYNC
            | nr::FDATASYNC
    )
}

/// Qualifies a local process pointer (helper for callers building lends).
pub fn q(data: machine::Sid, p: u64) -> u64 {
    if p == 0 { 0 } else { addr::qualified(data, p) }
}
