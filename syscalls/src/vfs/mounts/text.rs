//! The mount table as text: the lines of /proc/PID/mounts and /proc/PID/mountinfo.

use super::*;


/// Octal escapes of /proc/mounts (space, tab, newline, backslash).
pub(super) fn mangle(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            ' ' | '\t' | '\n' | '\\' => o.push_str(&format!("\\{:03o}", c as u32)),
            c => o.push(c),
        }
    }
    o
}

/// The per-mount options as /proc shows them ("rw,nosuid,relatime").
pub(super) fn mnt_opts(flags: u64) -> String {
    let mut s = String::from(if flags & ms::RDONLY != 0 { "ro" } else { "rw" });
    for (f, n) in [(ms::NOSUID, "nosuid"), (ms::NODEV, "nodev"), (ms::NOEXEC, "noexec"), (ms::NOATIME, "noatime"), (ms::NODIRATIME, "nodiratime"), (ms::RELATIME, "relatime"), (ms::NOSYMFOLLOW, "nosymfollow")] {
        if flags & f != 0 {
            s.push(',');
            s.push_str(n);
        }
    }
    s
}

/// Filesystem flags and a tmpfs's own options (",sync,size=1024k").
fn sb_opts(m: &Mount) -> String {
    let mut s = String::new();
    for (f, n) in [(ms::SYNCHRONOUS, "sync"), (ms::DIRSYNC, "dirsync"), (ms::MANDLOCK, "mand"), (ms::LAZYTIME, "lazytime")] {
        if m.sb_flags & f != 0 {
            s.push(',');
            s.push_str(n);
        }
    }
    if let Some(t) = m.sb.as_ref().filter(|t| t.magic != RAMFS_MAGIC) {
        if t.sized.load(Ordering::Relaxed) {
            s.push_str(&format!(",size={}k", t.blocks.load(Ordering::Relaxed) * 4));
        }
        if t.inoded.load(Ordering::Relaxed) {
            s.push_str(&format!(",nr_inodes={}", t.inodes.load(Ordering::Relaxed)));
        }
    }
    if let Some(t) = &m.sb {
        if t.mode != 0o1777 {
            s.push_str(&format!(",mode={:03o}", t.mode));
        }
        if t.uid != 0 {
            s.push_str(&format!(",uid={}", t.uid));
        }
        if t.gid != 0 {
            s.push_str(&format!(",gid={}", t.gid));
        }
    }
    s
}

impl Vfs {
    /// The lines of /proc/PID/mounts (`info`: /proc/PID/mountinfo) seen from root
    /// `root` (chroot: mounts outside it are not shown, the others relative to it).
    pub(crate) fn mounts_text(&self, root: &str, info: bool) -> Vec<u8> {
        let rel = |t: &str| -> Option<String> {
            if root.is_empty() || root == "/" {
                return Some(t.to_string());
            }
            path::is_under(t, root).then(|| if t == root { "/".to_string() } else { t[root.len()..].to_string() })
        };
        let mut out = String::new();
        for (id, target, source, fstype, mo, so) in BASE {
            let Some(t) = rel(target) else { continue };
            if info {
                out.push_str(&format!("{id} 1 0:{} / {} {mo} - {fstype} {source} {so}\n", id + 1, mangle(&t)));
            } else {
                out.push_str(&format!("{source} {} {fstype} {mo} 0 0\n", mangle(&t)));
            }
        }
        for m in &self.mounts.list {
            let Some(t) = rel(&m.target) else { continue };
            let dev = m.sb.as_ref().map_or(2, |s| s.minor);
            let ro = if m.read_only() { "ro" } else { "rw" };
            if info {
                let prop = match m.propagation {
                    Propagation::Shared => format!(" shared:{}", m.id),
                    Propagation::Unbindable => " unbindable".to_string(),
                    _ => String::new(),
                };
                let sro = if m.sb.as_ref().is_some_and(|s| s.ro.load(Ordering::Relaxed)) { "ro" } else { "rw" };
                out.push_str(&format!("{} {} 0:{dev} {} {} {}{prop} - {} {} {sro}{}\n", m.id, m.parent, mangle(&m.root), mangle(&t), mnt_opts(m.flags), m.fstype, mangle(&m.source), sb_opts(m)));
            } else {
                let rest = mnt_opts(m.flags & !ms::RDONLY);
                out.push_str(&format!("{} {} {} {ro}{}{} 0 0\n", mangle(&m.source), mangle(&t), m.fstype, &rest[2..], sb_opts(m)));
            }
        }
        out.into_bytes()
    }
}
