//! The /proc files that hold live values rather than a text made at open: the
//! sysctls under /proc/sys (read when read; a few root may write, with Linux's
//! parsing and limits), /proc/PID/timerslack_ns and /proc/PID/pagemap. There is no
//! /proc/config.gz (a kernel without IKCONFIG_PROC, as distributions build theirs):
//! its readers, the Linux Test Project's library among them, inflate it with
//! `popen("zcat ...")`, which needs a shell the guest may not be able to run, and
//! they stop there; without the file they go on without a configuration.
//!
//! Every value stated here is one grantix keeps or enforces (the IPC limits are
//! ipc's, the map count mm's, the pipe size the vfs's); a knob Linux lets root write
//! but grantix could not honour is read-only here (mode 0444: EACCES on a write open,
//! as a 0444 sysctl is for root on Linux).

use super::pipe;
use super::wait::Who;
use super::Vfs;
use crate::creds::cap;
use crate::service::{Env, ServiceId};

/// What a live /proc file reads from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Live {
    /// /proc/sys/`path` (relative to /proc/sys).
    Sysctl(&'static str),
    /// /proc/PID/timerslack_ns.
    Slack(u32),
    /// /proc/PID/pagemap of DATA space `sid`; `pfn`: the opener had CAP_SYS_ADMIN
    /// (frame numbers shown), as Linux decides at open.
    Pagemap { pid: u32, sid: machine::Sid, pfn: bool },
    /// /proc/PID/oom_score_adj: proc keeps the value; read when read, set by writing.
    OomAdj(u32),
}

/// How a sysctl may be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// 0444.
    ReadOnly,
    /// 0644: an integer in [min, max] (proc_dointvec_minmax; EINVAL outside).
    Int(i64, i64),
    /// 0644: pipe-max-size (proc_dopipe_max_size: rounded up to a power-of-two
    /// number of pages, at least one; EINVAL above 2 GiB).
    PipeMax,
    /// 0644: a line of text (core_pattern).
    Text,
    /// 0200: drop_caches (1, 2 or 3; nothing to drop).
    WriteOnly(i64, i64),
    /// 0644: kernel/{msg,sem,shm}_next_id (0, 1, 2): ipc keeps it; an integer in
    /// [0, INT_MAX] (Linux lets CAP_CHECKPOINT_RESTORE write it; root has that).
    IpcNextId(u64),
    /// 0644: vm/max_map_count, an integer in [0, INT_MAX] that mm enforces.
    MapCount,
    /// 0644: kernel/msgmni, kernel/shmmni (0, 2): the most objects of the kind, an
    /// integer in [0, IPCMNI] that ipc enforces (ENOSPC).
    IpcLimit(u64),
    /// 0644: vm/nr_hugepages: any count may be asked for, none can be had (there
    /// are no huge page sizes), so it reads 0 (as when Linux cannot allocate them).
    NoHugePages,
}

/// Linux's default timer slack (50 us).
pub const DEFAULT_SLACK: u64 = 50_000;
/// pipe-max-size's default (1 MiB).
pub const PIPE_MAX_DEFAULT: u64 = 1 << 20;

/// The sysctls: path under /proc/sys, initial value, how it is written.
const SYSCTLS: &[(&str, &str, Kind)] = &[
    ("fs/aio-max-nr", "65536", Kind::ReadOnly),
    ("fs/aio-nr", "0", Kind::ReadOnly),
    ("fs/file-max", "9223372036854775807", Kind::ReadOnly),
    ("fs/lease-break-time", "45", Kind::Int(i32::MIN as i64, i32::MAX as i64)),
    ("fs/mqueue/msg_default", "10", Kind::ReadOnly),
    ("fs/mqueue/msg_max", "10", Kind::ReadOnly),
    ("fs/mqueue/msgsize_default", "8192", Kind::ReadOnly),
    ("fs/mqueue/msgsize_max", "8192", Kind::ReadOnly),
    ("fs/mqueue/queues_max", "256", Kind::ReadOnly),
    ("fs/inotify/max_queued_events", "16384", Kind::ReadOnly),
    ("fs/inotify/max_user_instances", "128", Kind::Int(0, i32::MAX as i64)),
    ("fs/inotify/max_user_watches", "8192", Kind::Int(0, i32::MAX as i64)),
    ("fs/nr_open", "1048576", Kind::ReadOnly),
    ("fs/pipe-max-size", "1048576", Kind::PipeMax),
    ("fs/pipe-user-pages-hard", "0", Kind::Int(0, i64::MAX)),
    ("fs/pipe-user-pages-soft", "16384", Kind::Int(0, i64::MAX)),
    ("fs/protected_fifos", "0", Kind::ReadOnly),
    ("fs/protected_hardlinks", "0", Kind::ReadOnly),
    ("fs/protected_regular", "0", Kind::ReadOnly),
    ("fs/protected_symlinks", "0", Kind::ReadOnly),
    ("kernel/cap_last_cap", "40", Kind::ReadOnly),
    ("kernel/core_pattern", "core", Kind::Text),
    ("kernel/domainname", "(none)", Kind::ReadOnly),
    ("kernel/hostname", "grantix", Kind::ReadOnly),
    ("kernel/msgmax", "8192", Kind::ReadOnly),
    ("kernel/msgmnb", "16384", Kind::ReadOnly),
    ("kernel/msg_next_id", "-1", Kind::IpcNextId(0)),
    ("kernel/msgmni", "32000", Kind::IpcLimit(0)),
    ("kernel/ngroups_max", "65536", Kind::ReadOnly),
    ("kernel/osrelease", "6.6.0-grantix", Kind::ReadOnly),
    ("kernel/ostype", "Linux", Kind::ReadOnly),
    ("kernel/overflowgid", "65534", Kind::Int(0, 65535)),
    ("kernel/overflowuid", "65534", Kind::Int(0, 65535)),
    ("kernel/pid_max", "4194304", Kind::ReadOnly),
    ("kernel/random/entropy_avail", "256", Kind::ReadOnly),
    ("kernel/random/poolsize", "256", Kind::ReadOnly),
    ("kernel/randomize_va_space", "0", Kind::ReadOnly),
    ("kernel/sched_rr_timeslice_ms", "100", Kind::ReadOnly),
    ("kernel/sem", "32000\t1024000000\t500\t32000", Kind::ReadOnly),
    ("kernel/sem_next_id", "-1", Kind::IpcNextId(1)),
    ("kernel/shmall", "18446744073692774399", Kind::ReadOnly),
    ("kernel/shmmax", "18446744073692774399", Kind::IpcLimit(3)),
    ("kernel/shm_next_id", "-1", Kind::IpcNextId(2)),
    ("kernel/shmmni", "4096", Kind::IpcLimit(2)),
    ("kernel/tainted", "0", Kind::ReadOnly),
    ("kernel/threads-max", "32768", Kind::ReadOnly),
    ("kernel/version", "#1 SMP grantix", Kind::ReadOnly),
    ("vm/drop_caches", "0", Kind::WriteOnly(1, 4)),
    ("vm/max_map_count", "65530", Kind::MapCount),
    ("vm/nr_hugepages", "0", Kind::NoHugePages),
    ("vm/mmap_min_addr", "65536", Kind::ReadOnly),
    ("vm/overcommit_memory", "0", Kind::ReadOnly),
    ("vm/overcommit_ratio", "50", Kind::ReadOnly),
];

fn knob(path: &str) -> Option<&'static (&'static str, &'static str, Kind)> {
    SYSCTLS.iter().find(|k| k.0 == path)
}

/// What /proc/sys/`rest` is: Some(true) a directory, Some(false) a file.
pub fn sys_node(rest: &str) -> Option<bool> {
    if rest.is_empty() {
        return Some(true);
    }
    if knob(rest).is_some() {
        return Some(false);
    }
    SYSCTLS.iter().any(|k| k.0.len() > rest.len() && k.0.starts_with(rest) && k.0.as_bytes()[rest.len()] == b'/').then_some(true)
}

/// The names in directory /proc/sys/`rest` (with whether each is a directory).
pub fn sys_list(rest: &str) -> Vec<(String, bool)> {
    let prefix = if rest.is_empty() { String::new() } else { format!("{rest}/") };
    let mut out: Vec<(String, bool)> = Vec::new();
    for k in SYSCTLS {
        let Some(tail) = k.0.strip_prefix(prefix.as_str()) else { continue };
        let (name, dir) = match tail.split_once('/') {
            Some((d, _)) => (d, true),
            None => (tail, false),
        };
        if !out.iter().any(|(n, _)| n == name) {
            out.push((name.to_string(), dir));
        }
    }
    out
}

/// The mode of /proc/sys/`rest` (a file).
pub fn sys_mode(rest: &str) -> u32 {
    match knob(rest).map(|k| k.2) {
        Some(Kind::ReadOnly) | None => 0o444,
        Some(Kind::WriteOnly(..)) => 0o200,
        Some(_) => 0o644,
    }
}

/// Parses one integer as proc_dointvec does: blanks around it, a final newline.
fn parse_int(s: &[u8]) -> Result<i64, i32> {
    let t = std::str::from_utf8(s).map_err(|_| libc::EINVAL)?.trim();
    t.parse::<i64>().map_err(|_| libc::EINVAL)
}

impl Vfs {
    /// The current text of sysctl `path` (with its newline).
    fn sysctl_text(&self, env: &mut dyn Env, path: &'static str) -> String {
        if let Some(Kind::IpcNextId(k)) = knob(path).map(|k| k.2) {
            let v = env.call(ServiceId::Ipc, crate::ipc::op::NEXT_ID, [0, k, 0, 0, 0, 0], &[]).map_or(-1, |r| r[0] as i64 as i32);
            return format!("{v}\n");
        }
        if path == "fs/pipe-max-size" {
            return format!("{}\n", self.pipe_max);
        }
        if path == "fs/aio-nr" {
            return format!("{}\n", self.aio.nr);
        }
        let v = self.sysctl.get(path).cloned().unwrap_or_else(|| knob(path).map_or("", |k| k.1).to_string());
        format!("{v}\n")
    }

    /// Opening /proc/sys/`rest` with access mode `acc`: its mode against the caller
    /// (root is checked against the owner bits, as proc_sys_permission does).
    pub(super) fn sysctl_open(&self, env: &mut dyn Env, pid: u32, rest: &str, acc: i32) -> Result<Live, i32> {
        let k = knob(rest).ok_or(libc::ENOENT)?;
        let mode = sys_mode(rest);
        let root = self.creds(env, pid).euid == 0;
        let bits = if root { mode >> 6 } else { mode };
        let want = match acc {
            super::abi::o::RDONLY => 4,
            super::abi::o::WRONLY => 2,
            _ => 6,
        };
        if want & !bits & 7 != 0 {
            return Err(libc::EACCES);
        }
        Ok(Live::Sysctl(k.0))
    }

    /// /proc/PID/pagemap opened by `who`: the process's DATA space, asked of mm.
    pub(super) fn pagemap_open(&self, env: &mut dyn Env, who: Who, pid: u32) -> Result<Live, i32> {
        let word = (who.pid as u64) << 32 | who.tid as u64;
        let sid = match env.call(ServiceId::Mm, crate::mm::op::SPACES, [word, pid as u64, 0, 0, 0, 0], &[]) {
            Ok([e, _]) if crate::service::is_err(e) => return Err(libc::ESRCH),
            Ok([_, data]) => data as machine::Sid,
            Err(_) => return Err(libc::ESRCH),
        };
        let c = self.creds(env, who.pid);
        // Another's mappings need ptrace's read access: here, CAP_SYS_PTRACE.
        if pid != who.pid && !c.capable(cap::SYS_PTRACE) {
            return Err(libc::EACCES);
        }
        Ok(Live::Pagemap { pid, sid, pfn: c.capable(cap::SYS_ADMIN) })
    }

    /// Reads `len` bytes at `off` of a live /proc file.
    pub(super) fn live_read(&mut self, env: &mut dyn Env, who: Who, live: &Live, off: u64, len: usize) -> Result<Vec<u8>, i32> {
        let text = match live {
            Live::Sysctl(p) => {
                if knob(p).is_some_and(|k| matches!(k.2, Kind::WriteOnly(..))) {
                    return Err(libc::EACCES);
                }
                self.sysctl_text(env, p)
            }
            Live::Slack(p) => {
                // Another process's slack needs CAP_SYS_NICE (timerslack_ns_show).
                if *p != who.pid && !self.creds(env, who.pid).capable(cap::SYS_NICE) {
                    return Err(libc::EPERM);
                }
                if !self.tables.contains_key(p) {
                    return Err(libc::ESRCH);
                }
                format!("{}\n", self.slack.get(p).map_or(DEFAULT_SLACK, |s| s.0))
            }
            Live::Pagemap { pid, sid, pfn } => return self.pagemap_read(env, *pid, *sid, *pfn, off, len),
            Live::OomAdj(p) => return Ok(self.oom_adj_read(env, who, *p, off, len)),
        };
        let b = text.into_bytes();
        Ok(b.get(off as usize..).map(|s| s[..s.len().min(len)].to_vec()).unwrap_or_default())
    }

    /// Writes `data` to a live /proc file (at file offset `off`).
    pub(super) fn live_write(&mut self, env: &mut dyn Env, who: Who, live: &Live, off: u64, data: &[u8]) -> Result<usize, i32> {
        match live {
            Live::Sysctl(p) => {
                // Writes past the start change nothing (sysctl_writes_strict).
                if off != 0 {
                    return Ok(data.len());
                }
                let k = knob(p).ok_or(libc::ENOENT)?;
                let v = match k.2 {
                    Kind::ReadOnly => return Err(libc::EACCES),
                    Kind::Int(lo, hi) | Kind::WriteOnly(lo, hi) => {
                        let n = parse_int(data)?;
                        if n < lo || n > hi {
                            return Err(libc::EINVAL);
                        }
                        n.to_string()
                    }
                    Kind::PipeMax => {
                        let n = parse_int(data)?;
                        if n < 0 {
                            return Err(libc::EINVAL);
                        }
                        self.pipe_max = pipe::round_size(n as u64).ok_or(libc::EINVAL)?;
                        return Ok(data.len());
                    }
                    Kind::Text => String::from_utf8_lossy(data).trim_end_matches('\n').chars().take(127).collect(),
                    Kind::IpcNextId(which) => {
                        let n = parse_int(data)?;
                        if !(0..=i32::MAX as i64).contains(&n) {
                            return Err(libc::EINVAL);
                        }
                        let _ = env.call(ServiceId::Ipc, crate::ipc::op::NEXT_ID, [0, which, 1, n as u64, 0, 0], &[]);
                        return Ok(data.len());
                    }
                    Kind::NoHugePages => {
                        parse_int(data)?;
                        return Ok(data.len());
                    }
                    Kind::IpcLimit(3) => {
                        // shmmax: an unsigned long (proc_doulongvec_minmax).
                        let t = std::str::from_utf8(data).map_err(|_| libc::EINVAL)?.trim();
                        let n: u64 = t.parse().map_err(|_| libc::EINVAL)?;
                        let _ = env.call(ServiceId::Ipc, crate::ipc::op::LIMIT, [0, 3, n, 0, 0, 0], &[]);
                        n.to_string()
                    }
                    Kind::IpcLimit(which) => {
                        let n = parse_int(data)?;
                        if !(0..=32768).contains(&n) {
                            return Err(libc::EINVAL);
                        }
                        let _ = env.call(ServiceId::Ipc, crate::ipc::op::LIMIT, [0, which, n as u64, 0, 0, 0], &[]);
                        n.to_string()
                    }
                    Kind::MapCount => {
                        let n = parse_int(data)?;
                        if !(0..=i32::MAX as i64).contains(&n) {
                            return Err(libc::EINVAL);
                        }
                        let _ = env.call(ServiceId::Mm, crate::mm::op::MAP_COUNT, [0, n as u64, 0, 0, 0, 0], &[]);
                        n.to_string()
                    }
                };
                if !matches!(k.2, Kind::WriteOnly(..)) {
                    self.sysctl.insert(k.0.to_string(), v);
                }
                Ok(data.len())
            }
            Live::Slack(p) => {
                // timerslack_ns_write: the number first (kstrtoull, base 10), then
                // the process, then CAP_SYS_NICE for another's; 0 means the default.
                let t = std::str::from_utf8(data).map_err(|_| libc::EINVAL)?;
                let t = t.strip_suffix('\n').unwrap_or(t);
                let n: u64 = match t.parse::<u64>() {
                    Ok(n) if !t.starts_with('+') => n,
                    Ok(_) => return Err(libc::EINVAL),
                    Err(e) if matches!(e.kind(), std::num::IntErrorKind::PosOverflow) => return Err(libc::ERANGE),
                    Err(_) => return Err(libc::EINVAL),
                };
                if !self.tables.contains_key(p) {
                    return Err(libc::ESRCH);
                }
                if *p != who.pid && !self.creds(env, who.pid).capable(cap::SYS_NICE) {
                    return Err(libc::EPERM);
                }
                let e = self.slack.entry(*p).or_insert((DEFAULT_SLACK, DEFAULT_SLACK));
                e.0 = if n == 0 { e.1 } else { n };
                Ok(data.len())
            }
            Live::Pagemap { .. } => Err(libc::EINVAL),
            Live::OomAdj(p) => self.oom_adj_write(env, who, *p, data),
        }
    }

    /// /proc/PID/pagemap: one 64-bit entry per page of the address space, from the
    /// machine's page table of the process's DATA space: bit 63 present, bit 56
    /// mapped exclusively (the frame has no other user), the frame number in bits
    /// 0-54 only for an opener with CAP_SYS_ADMIN (zero otherwise, as Linux). Never
    /// swapped (bit 62), no soft-dirty tracking (bit 55, CONFIG_MEM_SOFT_DIRTY off);
    /// bit 61 (file page or shared anonymous) is not set.
    fn pagemap_read(&self, env: &mut dyn Env, pid: u32, sid: machine::Sid, pfn: bool, off: u64, len: usize) -> Result<Vec<u8>, i32> {
        if off % 8 != 0 || len % 8 != 0 {
            return Err(libc::EINVAL);
        }
        if !self.tables.contains_key(&pid) {
            return Ok(Vec::new());
        }
        let first = off / 8;
        let end = (crate::mm::TASK_SIZE >> 12).min(first.saturating_add(len as u64 / 8));
        let mem = &env.machine().mem;
        let Some(sp) = mem.space(sid) else { return Ok(Vec::new()) };
        let mut out = Vec::with_capacity((end.saturating_sub(first) * 8) as usize);
        for page in first..end {
            let mut e = 0u64;
            if let Some(pte) = sp.pages.get(&page).filter(|p| p.frame != machine::frames::FrameId::NONE) {
                e |= 1 << 63;
                if mem.frames.refs(pte.frame) == 1 {
                    e |= 1 << 56;
                }
                if pfn {
                    e |= pte.frame.0 as u64 & ((1 << 55) - 1);
                }
            }
            out.extend(e.to_le_bytes());
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sysctl_tree() {
        assert_eq!(sys_node("fs"), Some(true));
        assert_eq!(sys_node("fs/mqueue"), Some(true));
        assert_eq!(sys_node("fs/pipe-max-size"), Some(false));
        assert_eq!(sys_node("fs/pipe"), None);
        assert!(sys_list("").contains(&("vm".to_string(), true)));
        assert!(sys_list("kernel").contains(&("random".to_string(), true)));
        assert_eq!(sys_mode("fs/pipe-max-size"), 0o644);
        assert_eq!(sys_mode("kernel/tainted"), 0o444);
        assert_eq!(parse_int(b" 42\n"), Ok(42));
        assert_eq!(parse_int(b"4x"), Err(libc::EINVAL));
    }
}
