//! Synthesized /proc and /dev: what their names are, their listings, their stats and
//! their contents.
//!
//! /proc is entirely the vfs's (the host's would show host processes); /dev is the
//! host's (below the root) except for the devices every program expects, which the vfs
//! implements itself whatever the host has: null, zero, full, random, urandom, tty, and
//! the stdin/stdout/stderr/fd links, and the loop devices (`loopdev`), which also
//! show in /sys/block (`loopsys`).

use super::abi::{self, Stat, s};
use super::path::{self, Node};
use super::wait::Who;
use super::{Backend, FdTable, Vfs};
use crate::service::{Env, Lend, ServiceId};
use machine::addr;

/// A device the vfs implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dev {
    Null,
    Zero,
    Full,
    Random,
    Urandom,
    Tty,
}

impl Dev {
    fn from_name(n: &str) -> Option<Dev> {
        Some(match n {
            "null" => Dev::Null,
            "zero" => Dev::Zero,
            "full" => Dev::Full,
            "random" => Dev::Random,
            "urandom" => Dev::Urandom,
            "tty" => Dev::Tty,
            _ => return None,
        })
    }

    /// The device of number `rdev` (a node made by mknod), if grantix has it.
    pub(super) fn from_rdev(rdev: u64) -> Option<Dev> {
        [Dev::Null, Dev::Zero, Dev::Full, Dev::Random, Dev::Urandom, Dev::Tty].into_iter().find(|d| d.rdev() == rdev)
    }

    /// What opening it gives (the controlling terminal: the console, or ENXIO for a
    /// process without one, as on the host).
    pub(super) fn backend(self) -> Result<Backend, i32> {
        Ok(match self {
            Dev::Null => Backend::Null,
            Dev::Zero => Backend::Zero,
            Dev::Full => Backend::Full,
            Dev::Random | Dev::Urandom => Backend::Random,
            Dev::Tty => {
                if let Err(e) = std::fs::OpenOptions::new().read(true).open("/dev/tty") {
                    return Err(e.raw_os_error().unwrap_or(libc::ENXIO));
                }
                Backend::Console(0)
            }
        })
    }

    /// Its device number (as on Linux).
    fn rdev(self) -> u64 {
        match self {
            Dev::Null => abi::makedev(1, 3),
            Dev::Zero => abi::makedev(1, 5),
            Dev::Full => abi::makedev(1, 7),
            Dev::Random => abi::makedev(1, 8),
            Dev::Urandom => abi::makedev(1, 9),
            Dev::Tty => abi::makedev(5, 0),
        }
    }
}

/// The /proc files of a process directory (besides the fd directory and the links).
const PID_FILES: [&str; 15] = ["cmdline", "comm", "environ", "maps", "smaps", "mounts", "mountinfo", "stat", "statm", "status", "auxv", "timerslack_ns", "pagemap", "oom_score", "oom_score_adj"];
/// The files at the top of /proc.
/// The System V IPC tables under /proc/sysvipc (ipc's `sysvipc`), in ipc's order.
const SYSVIPC_FILES: [&str; 3] = ["msg", "sem", "shm"];
const TOP_FILES: [&str; 7] = ["cpuinfo", "meminfo", "uptime", "version", "loadavg", "filesystems", "stat"];
/// The files of a /proc/PID/task/TID directory.
const TASK_FILES: [&str; 4] = ["comm", "stat", "status", "cmdline"];

/// Inode numbers of synthesized nodes: stable, distinct per name.
pub(super) fn ino_of(g: &str) -> u64 {
    // FNV-1a: deterministic across runs (stat output must repeat).
    g.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3)) & 0xffff_ffff
}

impl Vfs {
    /// What canonical guest path `g` names, seen by process `pid`.
    pub(super) fn lookup(&self, env: &mut dyn Env, pid: u32, g: &str) -> Node {
        // A thread the vfs has not met yet is asked of proc (tgkill with signal 0).
        // Thread 0 asks whether ended process p is still a zombie.
        let mut task_ok = |p: u32, t: u32| {
            if t == 0 {
                return is_zombie(env, p);
            }
            self.tasks(p).contains(&t) || matches!(env.call(ServiceId::Proc, crate::sysno::TGKILL, [(pid as u64) << 32 | pid as u64, p as u64, t as u64, 0, 0, 0], &[]), Ok([0, _]))
        };
        self.synth_node(pid, g, &mut task_ok).unwrap_or_else(|| match self.mounts.host(g) {
            Some(h) => path::node_of(&h),
            None => super::prefix::node(&self.root, self.prefix.as_deref(), g),
        })
    }

    /// `synth_node` for threads the vfs has seen.
    fn synth_known(&self, pid: u32, g: &str) -> Option<Node> {
        self.synth_node(pid, g, &mut |p, t| if t == 0 { self.zombies.contains_key(&p) } else { self.tasks(p).contains(&t) })
    }

    /// Whether `g` is in a synthesized tree (where nothing can be created).
    pub(super) fn is_synth(&self, g: &str) -> bool {
        path::is_under(g, "/proc") || self.synth_known(0, g).is_some()
    }

    /// A process named in /proc: "self" is the caller, digits are a pid the vfs knows.
    fn proc_pid(&self, name: &str) -> Option<u32> {
        let p: u32 = name.parse().ok()?;
        (self.tables.contains_key(&p) || self.zombies.contains_key(&p)).then_some(p)
    }

    /// Process `p`'s table, or what it left as a zombie.
    fn table_of(&self, p: u32) -> Option<&FdTable> {
        self.tables.get(&p).or_else(|| self.zombies.get(&p))
    }

    /// Keeps the table of ended process `pid` for /proc/PID while it is a zombie, and
    /// forgets the zombies proc has reaped since (checked once there are many).
    pub(super) fn keep_zombie(&mut self, env: &mut dyn Env, pid: u32, mut t: FdTable) {
        t.fds.clear();
        if self.zombies.len() >= 64 {
            let reaped: Vec<u32> = self.zombies.keys().copied().filter(|&z| !is_zombie(env, z)).collect();
            for z in reaped {
                self.zombies.remove(&z);
            }
        }
        self.zombies.insert(pid, t);
    }

    fn synth_node(&self, pid: u32, g: &str, task_ok: &mut dyn FnMut(u32, u32) -> bool) -> Option<Node> {
        if g == "/proc" {
            return Some(Node::Dir);
        }
        if let Some(rest) = g.strip_prefix("/proc/") {
            return Some(self.proc_node(pid, rest, task_ok));
        }
        if g == "/dev" {
            return match path::host_node(&self.root, g) {
                Node::Missing => Some(Node::Dir),
                _ => None,
            };
        }
        if super::kconfig::is_path(g) {
            return Some(Node::Other);
        }
        // grantix has no huge page sizes: the host's are not the guest's (an empty
        // directory, as a kernel whose hugetlb found no size it could use).
        if g == "/sys/kernel/mm/hugepages" {
            return Some(Node::Dir);
        }
        if g.starts_with("/sys/kernel/mm/hugepages/") {
            return Some(Node::Missing);
        }
        // /sys/block shows the loop devices; a /sys the host lacks is made for it.
        if let Some(n) = super::loopsys::sys_node(self, g) {
            return Some(n);
        }
        if g == "/sys" {
            return matches!(path::host_node(&self.root, g), Node::Missing).then_some(Node::Dir);
        }
        let name = g.strip_prefix("/dev/")?;
        if Dev::from_name(name).is_some() || super::loopdev::node_of(self, name).is_some() {
            return Some(Node::Other);
        }
        // The host's own loop nodes are not the guest's.
        if super::loopdev::replaced(name) {
            return Some(Node::Missing);
        }
        match name {
            "stdin" => Some(Node::Link("/proc/self/fd/0".into())),
            "stdout" => Some(Node::Link("/proc/self/fd/1".into())),
            "stderr" => Some(Node::Link("/proc/self/fd/2".into())),
            "fd" => Some(Node::Link("/proc/self/fd".into())),
            _ => None,
        }
    }

    fn proc_node(&self, pid: u32, rest: &str, task_ok: &mut dyn FnMut(u32, u32) -> bool) -> Node {
        let parts: Vec<&str> = rest.split('/').collect();
        match parts.as_slice() {
            ["self"] => Node::Link(pid.to_string()),
            ["mounts"] => Node::Link("self/mounts".into()),
            [f] if TOP_FILES.contains(f) => Node::Other,
            ["sysvipc"] => Node::Dir,
            ["sysvipc", f] if SYSVIPC_FILES.contains(f) => Node::Other,
            ["sys", rest @ ..] => match super::procsys::sys_node(&rest.join("/")) {
                Some(true) => Node::Dir,
                Some(false) => Node::Other,
                None => Node::Missing,
            },
            [p, tail @ ..] => {
                let Some(p) = self.proc_pid(p) else { return Node::Missing };
                let t = match self.tables.get(&p) {
                    Some(t) => t,
                    None if task_ok(p, 0) => match self.zombies.get(&p) {
                        Some(t) => t,
                        None => return Node::Missing,
                    },
                    None => return Node::Missing,
                };
                match tail {
                    [] | ["fd"] | ["fdinfo"] | ["task"] => Node::Dir,
                    ["fdinfo", n] => match n.parse::<i32>().ok().and_then(|n| t.fds.get(&n)) {
                        Some(_) => Node::Other,
                        None => Node::Missing,
                    },
                    ["cwd"] => Node::Link(t.cwd.clone()),
                    ["exe"] => Node::Link(t.exe.clone()),
                    ["root"] => Node::Link("/".into()),
                    ["fd", n] => match n.parse::<i32>().ok().and_then(|n| t.fds.get(&n)) {
                        Some((file, _)) => Node::Magic(*file, self.link_text(*file)),
                        None => Node::Missing,
                    },
                    ["task", tid, rest @ ..] => match tid.parse::<u32>().ok().filter(|tid| task_ok(p, *tid)) {
                        None => Node::Missing,
                        Some(_) => match rest {
                            [] => Node::Dir,
                            [f] if TASK_FILES.contains(f) => Node::Other,
                            _ => Node::Missing,
                        },
                    },
                    [f] if PID_FILES.contains(f) => Node::Other,
                    _ => Node::Missing,
                }
            }
            _ => Node::Missing,
        }
    }

    /// The threads of process `p` the vfs has seen (the main thread always).
    fn tasks(&self, p: u32) -> Vec<u32> {
        let mut v: Vec<u32> = self.threads.iter().filter(|(_, q)| **q == p).map(|(t, _)| *t).collect();
        if !v.contains(&p) {
            v.push(p);
        }
        v.sort_unstable();
        v
    }

    /// What readlink of /proc/PID/fd/N shows for open file `file`.
    pub(super) fn link_text(&self, file: u64) -> String {
        let Some(f) = self.files.get(&file) else { return String::new() };
        if let Backend::Host(h) = &f.backend {
            // The host knows where the file is now (renamed, or "(deleted)").
            use std::os::fd::AsRawFd;
            if let Ok(p) = std::fs::read_link(format!("/proc/self/fd/{}", h.as_raw_fd())) {
                let s = p.to_string_lossy();
                let (p, deleted) = match s.strip_suffix(" (deleted)") {
                    Some(p) => (p.to_string(), " (deleted)"),
                    None => (s.into_owned(), ""),
                };
                // On a mount of the guest's: where the file is inside that mount.
                if let Some(g) = self.mounts.guest_of(&f.path, std::path::Path::new(&p)) {
                    return format!("{g}{deleted}");
                }
                if let Some(g) = path::to_guest(&self.root, std::path::Path::new(&p)) {
                    return format!("{g}{deleted}");
                }
            }
        }
        f.path.clone()
    }

    /// The listing of a synthesized directory (None: a host directory).
    pub(super) fn synth_list(&self, g: &str) -> Option<Vec<(String, u64, u8)>> {
        let mut v: Vec<(String, u64, u8)> = vec![(".".into(), ino_of(g), 4), ("..".into(), ino_of(&path::split_last(g).0), 4)];
        if g == "/proc" {
            v.push(("self".into(), ino_of("/proc/self"), 10));
            v.push(("sys".into(), ino_of("/proc/sys"), 4));
            v.push(("sysvipc".into(), ino_of("/proc/sysvipc"), 4));
            v.push(("mounts".into(), ino_of("/proc/mounts"), 10));
            for f in TOP_FILES {
                v.push((f.into(), ino_of(&format!("/proc/{f}")), 8));
            }
            for p in self.tables.keys() {
                v.push((p.to_string(), ino_of(&format!("/proc/{p}")), 4));
            }
            return Some(v);
        }
        if g == "/dev" {
            if !matches!(path::host_node(&self.root, g), Node::Missing) {
                return None;
            }
            for d in ["null", "zero", "full", "random", "urandom", "tty"] {
                v.push((d.into(), ino_of(&format!("/dev/{d}")), 2));
            }
            for l in ["stdin", "stdout", "stderr", "fd"] {
                v.push((l.into(), ino_of(&format!("/dev/{l}")), 10));
            }
            self.merge_dev(&mut v);
            return Some(v);
        }
        if g == "/sys" {
            return matches!(path::host_node(&self.root, g), Node::Missing).then(|| {
                v.push(("block".into(), ino_of("/sys/block"), 4));
                v
            });
        }
        if let Some(l) = super::loopsys::sys_list(self, g) {
            v.extend(l.into_iter().map(|(n, dir)| (n.clone(), ino_of(&format!("{g}/{n}")), if dir { 4 } else { 8 })));
            return Some(v);
        }
        if g == "/sys/kernel/mm/hugepages" {
            return Some(v);
        }
        if g == "/proc/sysvipc" {
            v.extend(SYSVIPC_FILES.iter().map(|f| (f.to_string(), ino_of(&format!("{g}/{f}")), 8)));
            return Some(v);
        }
        let rest = g.strip_prefix("/proc/")?;
        let parts: Vec<&str> = rest.split('/').collect();
        if let ["sys", rest @ ..] = parts.as_slice() {
            for (name, dir) in super::procsys::sys_list(&rest.join("/")) {
                let ino = ino_of(&format!("{g}/{name}"));
                v.push((name, ino, if dir { 4 } else { 8 }));
            }
            return Some(v);
        }
        let p = self.proc_pid(parts.first()?)?;
        let t = self.table_of(p)?;
        match parts.as_slice()[1..] {
            ["task"] => {
                for tid in self.tasks(p) {
                    v.push((tid.to_string(), ino_of(&format!("{g}/{tid}")), 4));
                }
            }
            ["task", _] => {
                for f in TASK_FILES {
                    v.push((f.into(), ino_of(&format!("{g}/{f}")), 8));
                }
            }
            [] => {
                v.push(("fd".into(), ino_of(&format!("{g}/fd")), 4));
                v.push(("fdinfo".into(), ino_of(&format!("{g}/fdinfo")), 4));
                v.push(("task".into(), ino_of(&format!("{g}/task")), 4));
                for l in ["cwd", "exe", "root"] {
                    v.push((l.into(), ino_of(&format!("{g}/{l}")), 10));
                }
                for f in PID_FILES {
                    v.push((f.into(), ino_of(&format!("{g}/{f}")), 8));
                }
            }
            ["fd"] => {
                for fd in t.fds.keys() {
                    v.push((fd.to_string(), ino_of(&format!("{g}/{fd}")), 10));
                }
            }
            ["fdinfo"] => {
                for fd in t.fds.keys() {
                    v.push((fd.to_string(), ino_of(&format!("{g}/{fd}")), 8));
                }
            }
            _ => return None,
        }
        Some(v)
    }

    /// A /dev listing with the loop nodes in place of the host's.
    pub(super) fn merge_dev(&self, list: &mut Vec<(String, u64, u8)>) {
        list.retain(|(n, _, _)| !super::loopdev::replaced(n));
        list.extend(super::loopdev::dev_entries(self).into_iter().map(|(n, t)| (n.clone(), ino_of(&format!("/dev/{n}")), t)));
    }

    /// The stat of a synthesized node (None: the host's).
    pub(super) fn synth_stat(&self, pid: u32, g: &str, node: &Node) -> Option<Stat> {
        self.synth_known(pid, g)?;
        let ino = ino_of(g);
        if let Some(n) = g.strip_prefix("/dev/").and_then(|n| super::loopdev::node_of(self, n)) {
            return Some(super::loopdev::stat_of(n, ino));
        }
        if g.starts_with("/sys/") || g == "/sys" {
            return Some(super::loopsys::sys_stat(node, ino));
        }
        Some(match node {
            Node::Dir => Stat { nlink: 2, ..Stat::synth(s::IFDIR | 0o555, ino, 0, 0) },
            _ if g.ends_with("/comm") || g.ends_with("/oom_score_adj") => Stat::synth(s::IFREG | 0o644, ino, 0, 0),
            Node::Link(t) => Stat::synth(s::IFLNK | 0o777, ino, t.len() as u64, 0),
            Node::Magic(file, _) => {
                let acc = self.files.get(file).map_or(0, |f| f.flags & abi::o::ACCMODE);
                let mode = match acc {
                    abi::o::RDONLY => 0o500,
                    abi::o::WRONLY => 0o300,
                    _ => 0o700,
                };
                Stat::synth(s::IFLNK | mode, ino, 64, 0)
            }
            _ if g.starts_with("/proc/sys/") => Stat::synth(s::IFREG | super::procsys::sys_mode(&g["/proc/sys/".len()..]), ino, 0, 0),
            _ if g.ends_with("/timerslack_ns") => Stat::synth(s::IFREG | 0o666, ino, 0, 0),
            _ if g.ends_with("/pagemap") => Stat::synth(s::IFREG | 0o400, ino, 0, 0),
            _ => match g.strip_prefix("/dev/").and_then(Dev::from_name) {
                Some(d) => Stat::synth(s::IFCHR | 0o666, ino, 0, d.rdev()),
                // /proc files say size 0, as Linux's do: their text exists when read.
                None => Stat::synth(s::IFREG | 0o444, ino, 0, 0),
            },
        })
    }

    /// Opens a synthesized file (not a directory, not a link): None if `g` is the host's.
    /// `sid` is the caller's DATA space, known from its qualified path pointer.
    pub(super) fn synth_open(&mut self, env: &mut dyn Env, who: Who, g: &str, acc: i32, sid: machine::Sid) -> Option<Result<Backend, i32>> {
        if let Some(d) = g.strip_prefix("/dev/").and_then(Dev::from_name) {
            self.synth_known(who.pid, g)?;
            return Some(d.backend());
        }
        if let Some(n) = g.strip_prefix("/dev/").and_then(|n| super::loopdev::node_of(self, n)) {
            return Some(super::loopdev::open(self, env, who, n, acc));
        }
        if super::kconfig::is_path(g) {
            return Some(if acc != abi::o::RDONLY { Err(libc::EACCES) } else { Ok(Backend::Text(super::kconfig::text().into_bytes())) });
        }
        // sysfs attributes are read-only (0444): no open for writing, even for root.
        if g.starts_with("/sys/block/") {
            if acc != abi::o::RDONLY {
                return Some(Err(libc::EACCES));
            }
            return Some(super::loopsys::sys_text(self, g).map(Backend::Text).ok_or(libc::ENOENT));
        }
        let rest = g.strip_prefix("/proc/")?;
        let parts: Vec<&str> = rest.split('/').collect();
        match parts.as_slice() {
            [p, "comm"] => return Some(self.proc_pid(p).map(|p| Backend::Comm(p, p)).ok_or(libc::ENOENT)),
            [p, "task", t, "comm"] => return Some(self.proc_pid(p).zip(t.parse().ok()).map(|(p, t)| Backend::Comm(p, t)).ok_or(libc::ENOENT)),
            [p, "oom_score_adj"] => {
                let Some(p) = self.proc_pid(p) else { return Some(Err(libc::ENOENT)) };
                // Mode 0644, owned by the process's effective uid: proc says who may write.
                if acc != abi::o::RDONLY {
                    let r = env.call(ServiceId::Proc, crate::proc::op::OOM_ADJ, [who.word, p as u64, 2, 0, 0, 0], &[]).map_or(err_code(libc::ESRCH), |r| r[0]);
                    if crate::service::is_err(r) {
                        return Some(Err(-(r as i64) as i32));
                    }
                }
                return Some(Ok(Backend::Proc(super::procsys::Live::OomAdj(p))));
            }
            ["sys", rest @ ..] => return Some(self.sysctl_open(env, who.pid, &rest.join("/"), acc).map(Backend::Proc)),
            [p, "timerslack_ns"] => return Some(self.proc_pid(p).map(|p| Backend::Proc(super::procsys::Live::Slack(p))).ok_or(libc::ENOENT)),
            [p, "fdinfo", n] => {
                let text = self.proc_pid(p).zip(n.parse().ok()).and_then(|(p, n)| self.fdinfo(p, n));
                return Some(if acc != abi::o::RDONLY { Err(libc::EACCES) } else { text.map(|t| Backend::Text(t.into_bytes())).ok_or(libc::ENOENT) });
            }
            [p, "pagemap"] => {
                let p = self.proc_pid(p)?;
                if acc != abi::o::RDONLY {
                    return Some(Err(libc::EACCES));
                }
                return Some(self.pagemap_open(env, who, p).map(Backend::Proc));
            }
            _ => {}
        }
        if acc != abi::o::RDONLY {
            return Some(Err(libc::EACCES));
        }
        let text = match parts.as_slice() {
            ["cpuinfo"] => "processor\t: 0\nhart\t\t: 0\nisa\t\t: rv64imafdc_zicsr_zifencei\nmmu\t\t: sv48\nuarch\t\t: grantix\nmvendorid\t: 0x0\nmarchid\t\t: 0x0\nmimpid\t\t: 0x0\n\n".to_string(),
            ["meminfo"] => "MemTotal:        4194304 kB\nMemFree:         4000000 kB\nMemAvailable:    4000000 kB\nBuffers:               0 kB\nCached:                0 kB\nSwapTotal:             0 kB\nSwapFree:              0 kB\n".to_string(),
            ["uptime"] => {
                let up = crate::clock::since_boot().as_secs_f64() + 3600.0;
                format!("{up:.2} {up:.2}\n")
            }
            ["version"] => "Linux version 6.6.0-grantix (grantix) #1 SMP grantix\n".to_string(),
            ["loadavg"] => "0.00 0.00 0.00 1/1 1\n".to_string(),
            // What mount(2) takes (`mounts`), and /proc.
            ["filesystems"] => "nodev\tproc\nnodev\ttmpfs\nnodev\tramfs\n".to_string(),
            ["sysvipc", f] => {
                let which = SYSVIPC_FILES.iter().position(|x| x == f)?;
                return Some(Ok(Backend::Text(self.sysvipc(env, which as u64))));
            }
            ["stat"] => "cpu  0 0 0 0 0 0 0 0 0 0\ncpu0 0 0 0 0 0 0 0 0 0 0\nbtime 0\nprocesses 1\nprocs_running 1\nprocs_blocked 0\n".to_string(),
            [p, f] => {
                let p = self.proc_pid(p)?;
                return Some(Ok(Backend::Text(self.pid_file(env, who, p, p, f, sid)?)));
            }
            [p, "task", t, f] => {
                let p = self.proc_pid(p)?;
                let t: u32 = t.parse().ok()?;
                return Some(Ok(Backend::Text(self.pid_file(env, who, p, t, f, sid)?)));
            }
            _ => return None,
        };
        Some(Ok(Backend::Text(text.into_bytes())))
    }

    /// /proc/PID/fdinfo/FD (seq_show in fs/proc/fd.c): the offset, the status
    /// flags in octal (O_CLOEXEC for a close-on-exec descriptor), the mount and the
    /// inode, then what the file's kind adds (an inotify instance's watches).
    fn fdinfo(&self, p: u32, fd: i32) -> Option<String> {
        let (file, cloexec) = *self.tables.get(&p)?.fds.get(&fd)?;
        let f = self.files.get(&file)?;
        let (pos, ino) = match &f.backend {
            Backend::Host(h) => {
                use std::os::fd::AsRawFd;
                use std::os::unix::fs::MetadataExt;
                let pos = nix::unistd::lseek(h.as_raw_fd(), 0, nix::unistd::Whence::SeekCur).unwrap_or(0);
                (pos, h.metadata().map_or(0, |m| m.ino()))
            }
            _ => (f.offset as i64, ino_of(&f.path)),
        };
        let flags = f.flags | if cloexec { abi::o::CLOEXEC } else { 0 };
        let mut out = format!("pos:\t{pos}\nflags:\t0{flags:o}\nmnt_id:\t1\nino:\t{ino}\n");
        if let (Backend::Inotify, Some(i)) = (&f.backend, self.inotify.get(&file)) {
            out.push_str(&i.fdinfo());
        }
        Some(out)
    }

    /// The contents of /proc/PID/`f`.
    fn pid_file(&mut self, env: &mut dyn Env, who: Who, p: u32, tid: u32, f: &str, sid: machine::Sid) -> Option<Vec<u8>> {
        let name = self.comm(env, p, tid);
        let t = self.table_of(p)?;
        let exe = t.exe.clone();
        // Asked of proc as the process itself would ask.
        let mut ask = |n: u64| env.call(ServiceId::Proc, n, [(p as u64) << 32 | p as u64, 0, 0, 0, 0, 0], &[]).ok().filter(|r| !crate::service::is_err(r[0])).map(|r| r[0] as i64);
        let ppid = ask(crate::sysno::GETPPID).unwrap_or(0);
        let pgrp = ask(crate::sysno::GETPGID).unwrap_or(p as i64);
        let session = ask(crate::sysno::GETSID).unwrap_or(p as i64);
        let threads = self.tasks(p).len();
        // The thread's state as proc knows it (sleeping while blocked: what
        // programs poll for before acting on a waiter).
        let letter = env.call(ServiceId::Proc, crate::proc::op::THREAD_STATE, [who.word, tid as u64, 0, 0, 0, 0], &[]).ok().filter(|r| !crate::service::is_err(r[0])).map_or(if p == who.pid { 'R' } else { 'S' }, |r| r[0] as u8 as char);
        Some(match f {
            "cmdline" => t.cmdline.clone(),
            "comm" => format!("{name}\n").into_bytes(),
            "environ" => t.environ.clone(),
            "auxv" => t.auxv.clone(),
            "mounts" | "mountinfo" => self.mounts_text(&t.root, f == "mountinfo"),
            "stat" => {
                let state = letter;
                format!("{p} ({name}) {state} {ppid} {pgrp} {session} 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 {threads} 0 0 0 0 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n").into_bytes()
            }
            "statm" => b"0 0 0 0 0 0 0\n".to_vec(),
            "oom_score" => {
                let r = env.call(ServiceId::Proc, crate::proc::op::OOM_SCORE, [who.word, p as u64, 0, 0, 0, 0], &[]).map_or(0, |r| r[0]);
                format!("{r}\n").into_bytes()
            }
            "status" => {
                // mm's figures: locked and mapped bytes.
                let (lck, size) = env.call(ServiceId::Mm, crate::mm::op::STATUS, [who.word, p as u64, 0, 0, 0, 0], &[]).map_or((0, 0), |r| (r[0] / 1024, r[1] / 1024));
                let state = match letter {
                    'S' => "S (sleeping)",
                    'T' => "T (stopped)",
                    'Z' => "Z (zombie)",
                    _ => "R (running)",
                };
                let fdsize = t.fds.keys().next_back().map_or(64, |m| ((*m as u32 + 64) / 64) * 64);
                format!(
                    "Name:\t{name}\nUmask:\t0022\nState:\t{state}\nTgid:\t{p}\nNgid:\t0\nPid:\t{p}\nPPid:\t{ppid}\nTracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t{fdsize}\nGroups:\t0\nVmSize:\t{size:>8} kB\nVmLck:\t{lck:>8} kB\nThreads:\t{threads}\nSigQ:\t0/0\nCpus_allowed:\t1\nCpus_allowed_list:\t0\nvoluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n"
                )
                .into_bytes()
            }
            "maps" => self.maps(env, p, &exe, if p == who.pid { sid } else { 0 }, crate::mm::op::MAPS)?,
            "smaps" => self.maps(env, p, &exe, if p == who.pid { sid } else { 0 }, crate::mm::op::SMAPS)?,
            _ => return None,
        })
    }

    /// /proc/PID/maps: asked of mm, which knows the mappings and their names. mm writes
    /// into memory lent to it, and the vfs has none of its own unless the board mapped
    /// its scratch area; without it, the mappings are read from the machine's view of
    /// the caller's DATA space `sid` (rights, no names).
    fn maps(&mut self, env: &mut dyn Env, p: u32, exe: &str, sid: machine::Sid, op: u64) -> Option<Vec<u8>> {
        let me = env.me();
        let scratch = addr::qualified(me, super::SCRATCH);
        let exe_at = super::SCRATCH_SIZE - 4096;
        let mapped = env.machine().mem.check_only(me, me, super::SCRATCH, super::SCRATCH_SIZE, machine::Access::Write, scratch).is_ok();
        if mapped && exe.len() < 4096 && env.write(scratch + exe_at, exe.as_bytes()).is_ok() {
            let lends = [Lend::write(scratch, exe_at), Lend::read(scratch + exe_at, exe.len() as u64)];
            let r = env.call(ServiceId::Mm, op, [(p as u64) << 32, p as u64, scratch, exe_at, scratch + exe_at, exe.len() as u64], &lends);
            if let Ok([n, _]) = r {
                if !crate::service::is_err(n) {
                    let mut v = vec![0u8; (n as usize).min(exe_at as usize)];
                    if env.read(scratch, &mut v).is_ok() {
                        return Some(v);
                    }
                }
            }
        }
        Some(maps_from_machine(env, sid))
    }
}

impl Vfs {
    /// /proc/sysvipc/{msg,sem,shm} (`which` 0, 1, 2): asked of ipc, into the vfs's
    /// scratch area (empty when the board did not map it).
    fn sysvipc(&mut self, env: &mut dyn Env, which: u64) -> Vec<u8> {
        let me = env.me();
        let scratch = addr::qualified(me, super::SCRATCH);
        let size = super::SCRATCH_SIZE;
        if env.machine().mem.check_only(me, me, super::SCRATCH, size, machine::Access::Write, scratch).is_err() {
            return Vec::new();
        }
        match env.call(ServiceId::Ipc, crate::ipc::op::SYSVIPC, [0, which, scratch, size, 0, 0], &[Lend::write(scratch, size)]) {
            Ok([n, _]) if !crate::service::is_err(n) => {
                let mut v = vec![0u8; (n as usize).min(size as usize)];
                if env.read(scratch, &mut v).is_ok() {
                    return v;
                }
                Vec::new()
            }
            _ => Vec::new(),
        }
    }
}

/// Mappings of DATA space `sid` as the machine sees them (the fallback of `maps`).
fn maps_from_machine(env: &mut dyn Env, sid: machine::Sid) -> Vec<u8> {
    let mut out = String::new();
    if let Some(sp) = env.machine().mem.space(sid).filter(|_| sid != 0) {
        for (lo, hi, r) in sp.regions() {
            out.push_str(&format!("{lo:08x}-{hi:08x} {r:?}p 00000000 00:00 0\n"));
        }
    }
    out.into_bytes()
}

/// The auxiliary vector of a process's initial stack at `sp` (argc, argv pointers and
/// NULL, envp pointers and NULL, then the (key, value) pairs up to AT_NULL), as the
/// bytes SET_AUXV takes. `read` reads the process's memory. For the personality after
/// exec and the board at spawn: the vfs cannot read process memory itself.
pub fn auxv_from_stack(mut read: impl FnMut(u64, &mut [u8]) -> bool, sp: u64) -> Option<Vec<u8>> {
    let mut word = |p: u64| {
        let mut b = [0u8; 8];
        read(p, &mut b).then(|| u64::from_le_bytes(b))
    };
    let argc = word(sp)?;
    let mut p = sp + 8 + (argc.min(1 << 20) + 1) * 8;
    // envp, up to its NULL.
    for _ in 0..(1 << 20) {
        let e = word(p)?;
        p += 8;
        if e == 0 {
            break;
        }
    }
    let mut out = Vec::new();
    for _ in 0..128 {
        let (k, v) = (word(p)?, word(p + 8)?);
        out.extend(k.to_le_bytes());
        out.extend(v.to_le_bytes());
        p += 16;
        if k == 0 {
            return Some(out);
        }
    }
    None
}

impl Vfs {
    /// Reading a comm file: the name and a newline, from `off`.
    pub(super) fn comm_read(&self, env: &mut dyn Env, pid: u32, tid: u32, off: u64, len: usize) -> Vec<u8> {
        let text = format!("{}\n", self.comm(env, pid, tid)).into_bytes();
        text.get(off as usize..).map(|s| s[..s.len().min(len)].to_vec()).unwrap_or_default()
    }

    /// Writing a comm file: the first 15 bytes become the name (Linux keeps a newline
    /// written with it). Only threads of the writer's own process can be renamed.
    pub(super) fn comm_write(&mut self, env: &mut dyn Env, who: Who, pid: u32, tid: u32, data: &[u8]) -> Result<usize, i32> {
        if pid != who.pid {
            return Err(libc::EINVAL);
        }
        let mut name = [0u8; 16];
        let n = data.len().min(15);
        name[..n].copy_from_slice(&data[..n]);
        let me = env.me();
        let scratch = addr::qualified(me, super::SCRATCH);
        if env.write(scratch, &name).is_err() {
            return Err(libc::EPERM);
        }
        match env.call(ServiceId::Proc, crate::proc::op::COMM, [who.word, tid as u64, scratch, 1, 0, 0], &[Lend::read(scratch, 16)]) {
            Ok([0, _]) => Ok(data.len()),
            Ok([e, _]) if crate::service::is_err(e) => Err(-(e as i64) as i32),
            _ => Err(libc::ESRCH),
        }
    }
}

/// The device number of the character or block device node at host path `h`, if it
/// is one.
pub(super) fn device_number(h: &std::path::Path) -> Option<u64> {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let m = std::fs::metadata(h).ok()?;
    (m.file_type().is_char_device() || m.file_type().is_block_device()).then(|| m.rdev())
}

/// A -errno word.
fn err_code(e: i32) -> u64 {
    crate::service::err(e)
}

/// The integer of a write to oom_score_adj as kstrtoint(strstrip(buf), 0) reads it:
/// leading and trailing white space ignored, a sign, then decimal, 0x-hex or 0-octal
/// digits, all of them. Err(EINVAL) for anything else, Err(ERANGE) past an int.
pub fn parse_kstrtoint(b: &[u8]) -> Result<i64, i32> {
    // The buffer is a C string: it ends at the first NUL.
    let b = &b[..b.iter().position(|c| *c == 0).unwrap_or(b.len())];
    let t = b.trim_ascii();
    let (neg, t) = match t.first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let (radix, digits) = match t {
        [b'0', x, d, ..] if (*x | 0x20) == b'x' && d.is_ascii_hexdigit() => (16, &t[2..]),
        [b'0', ..] => (8, t),
        _ => (10, t),
    };
    if digits.is_empty() {
        return Err(libc::EINVAL);
    }
    let mut v: u64 = 0;
    for c in digits {
        let d = (*c as char).to_digit(radix).ok_or(libc::EINVAL)? as u64;
        v = v.checked_mul(radix as u64).and_then(|v| v.checked_add(d)).ok_or(libc::ERANGE)?;
    }
    let v = if neg { -(i64::try_from(v).map_err(|_| libc::ERANGE)?) } else { i64::try_from(v).map_err(|_| libc::ERANGE)? };
    if i32::try_from(v).is_err() {
        return Err(libc::ERANGE);
    }
    Ok(v)
}

impl Vfs {
    /// Reading oom_score_adj: the value and a newline, from `off`.
    pub(super) fn oom_adj_read(&self, env: &mut dyn Env, who: Who, pid: u32, off: u64, len: usize) -> Vec<u8> {
        let v = env.call(ServiceId::Proc, crate::proc::op::OOM_ADJ, [who.word, pid as u64, 0, 0, 0, 0], &[]).map_or(0, |r| r[0] as i64);
        let text = format!("{v}\n").into_bytes();
        text.get(off as usize..).map(|s| s[..s.len().min(len)].to_vec()).unwrap_or_default()
    }

    /// Writing oom_score_adj, as fs/proc/base.c's oom_score_adj_write: at most 12
    /// bytes are looked at (PROC_NUMBUF - 1) and that many are reported written; the
    /// value must parse and lie in -1000..=1000 (EINVAL); proc applies the
    /// CAP_SYS_RESOURCE rule (EACCES).
    pub(super) fn oom_adj_write(&mut self, env: &mut dyn Env, who: Who, pid: u32, data: &[u8]) -> Result<usize, i32> {
        let data = &data[..data.len().min(12)];
        let v = parse_kstrtoint(data)?;
        if !(crate::proc::oom::ADJ_MIN..=crate::proc::oom::ADJ_MAX).contains(&v) {
            return Err(libc::EINVAL);
        }
        match env.call(ServiceId::Proc, crate::proc::op::OOM_ADJ, [who.word, pid as u64, 1, v as u64, 0, 0], &[]) {
            Ok([0, _]) => Ok(data.len()),
            Ok([e, _]) if crate::service::is_err(e) => Err(-(e as i64) as i32),
            _ => Err(libc::ESRCH),
        }
    }
}

#[cfg(test)]
mod oom_tests {
    use super::parse_kstrtoint;

    #[test]
    fn kstrtoint_rules() {
        assert_eq!(parse_kstrtoint(b"500\n"), Ok(500));
        assert_eq!(parse_kstrtoint(b"  -1000  "), Ok(-1000));
        assert_eq!(parse_kstrtoint(b"+7"), Ok(7));
        assert_eq!(parse_kstrtoint(b"0x10"), Ok(16));
        assert_eq!(parse_kstrtoint(b"010"), Ok(8));
        assert_eq!(parse_kstrtoint(b"0"), Ok(0));
        assert_eq!(parse_kstrtoint(b"08"), Err(libc::EINVAL));
        assert_eq!(parse_kstrtoint(b""), Err(libc::EINVAL));
        assert_eq!(parse_kstrtoint(b"12abc"), Err(libc::EINVAL));
        assert_eq!(parse_kstrtoint(b"1 2"), Err(libc::EINVAL));
        assert_eq!(parse_kstrtoint(b"9999999999"), Err(libc::ERANGE));
        assert_eq!(parse_kstrtoint(b"5\0garbage"), Ok(5));
    }
}

/// Whether proc says ended process `p` is a zombie (not yet reaped).
fn is_zombie(env: &mut dyn Env, p: u32) -> bool {
    matches!(env.call(ServiceId::Proc, crate::proc::op::THREAD_STATE, [(p as u64) << 32 | p as u64, p as u64, 0, 0, 0, 0], &[]), Ok([r, _]) if r == b'Z' as u64)
}
