//! Permission checks against file modes: the caller's credentials (asked of proc
//! once per call) against the owner, group and mode of what a call touches, with
//! the rules of `creds.rs` (generic_permission, may_delete, chmod, chown).
//!
//! The model of ownership: the host's owner, group and mode of a file are the
//! guest's. What the guest creates is given to the creating fs uid and fs gid (or
//! the directory's group under a set-group-id directory), and its mode is exactly
//! the one asked under the guest's umask (the host's own umask is undone). Both
//! take a host chown/chmod after the creation; when the host refuses the chown (an
//! emulator run by an ordinary user, whose guest then has that user's ids anyway),
//! the host's owner stays. Synthesized files (/proc, /dev) are not checked here:
//! their own open rules apply, and for access(2) they belong to the caller.

use super::path;
use super::{SCRATCH, SCRATCH_SIZE, Vfs};
use crate::creds::{self, Creds, Inode, cap, may};
use crate::service::{Env, Lend, ServiceId};
use machine::addr;
use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// Where in the vfs scratch area proc writes the caller's credentials: the upper
/// half, away from the small records other ops read at its start.
const CREDS_AT: u64 = SCRATCH_SIZE / 2;
/// Room for the record: its header and NGROUPS_MAX groups.
const CREDS_ROOM: u64 = (crate::proc::credrec::HEADER + 4 * creds::NGROUPS_MAX) as u64;
const _: () = assert!(CREDS_AT + CREDS_ROOM <= SCRATCH_SIZE);

const S_ISGID: u32 = 0o2000;
const S_IFMT: u32 = 0o170000;
const S_IFDIR: u32 = 0o040000;
const S_IFREG: u32 = 0o100000;
const S_IFLNK: u32 = 0o120000;

/// The owner, group and mode of host metadata.
pub(super) fn inode_of(m: &std::fs::Metadata) -> Inode {
    Inode { uid: m.uid(), gid: m.gid(), mode: m.mode() }
}

/// Whether `c` may search any directory without looking at its mode.
fn searches_all(c: &Creds) -> bool {
    c.capable(cap::DAC_OVERRIDE) || c.capable(cap::DAC_READ_SEARCH)
}

impl Vfs {
    /// The credentials the current call of `pid` acts with: asked of proc at the
    /// first check of the call and kept until it ends (`Vfs::handle` forgets them).
    /// A caller proc does not know acts with the emulator's own ids, so the host
    /// decides for it as it did before credentials existed.
    pub(super) fn creds(&self, env: &mut dyn Env, pid: u32) -> Creds {
        if let Some((p, c)) = &*self.acting.borrow() {
            if *p == pid {
                return c.clone();
            }
        }
        let c = fetch(env, pid).unwrap_or_else(Creds::of_host);
        *self.acting.borrow_mut() = Some((pid, c.clone()));
        c
    }

    /// Makes `c` the credentials of the rest of the current call (access(2) checks
    /// with the real ids, the path walk included).
    pub(super) fn act_as(&self, pid: u32, c: Creds) {
        *self.acting.borrow_mut() = Some((pid, c));
    }

    /// The owner, group and mode of canonical guest path `g` on the host (its last
    /// component not followed).
    pub(super) fn host_inode(&self, g: &str) -> Result<Inode, i32> {
        std::fs::symlink_metadata(self.host(g)).map(|m| inode_of(&m)).map_err(|e| e.raw_os_error().unwrap_or(libc::EIO))
    }

    /// A lookup for `path::resolve` that first checks search permission on the
    /// directory being searched (the parent of `g`), as the kernel's may_lookup does
    /// before each component. `seen` remembers each directory's answer for the walk.
    pub(super) fn may_search(&self, c: &Creds, g: &str, seen: &mut BTreeMap<String, bool>) -> bool {
        if searches_all(c) {
            return true;
        }
        let dir = path::split_last(g).0;
        if let Some(ok) = seen.get(&dir) {
            return *ok;
        }
        let ok = self.is_synth(&dir) || self.host_inode(&dir).map_or(true, |i| creds::may_access(c, i, may::EXEC).is_ok());
        seen.insert(dir, ok);
        ok
    }

    /// `want` (MAY_READ/WRITE/EXEC) on canonical guest path `g` for the current
    /// call's credentials; EACCES on refusal. Synthesized files pass (their open
    /// rules are their own).
    pub(super) fn check(&self, env: &mut dyn Env, pid: u32, g: &str, want: u32) -> Result<(), i32> {
        if want == 0 || self.is_synth(g) {
            return Ok(());
        }
        // A read-only mount refuses writes to its files, directories and links
        // before any mode is looked at (sb_permission); devices and FIFOs stay writable.
        if want & may::WRITE != 0 && self.writable(g).is_err() {
            if let Ok(i) = self.host_inode(g) {
                if matches!(i.mode & S_IFMT, S_IFREG | S_IFDIR | S_IFLNK) {
                    return Err(libc::EROFS);
                }
            }
        }
        let c = self.creds(env, pid);
        match self.host_inode(g) {
            Ok(i) => creds::may_access(&c, i, want),
            // Gone since it was resolved: the host call that follows says so.
            Err(_) => Ok(()),
        }
    }

    /// `want` on an inode already at hand (an open file, a stat), for the current
    /// call's credentials.
    pub(super) fn check_inode(&self, env: &mut dyn Env, pid: u32, i: Inode, want: u32) -> Result<(), i32> {
        creds::may_access(&self.creds(env, pid), i, want)
    }

    /// Making a new name `g`: write and search permission on its directory.
    pub(super) fn may_create(&self, env: &mut dyn Env, pid: u32, g: &str) -> Result<(), i32> {
        self.writable(g)?;
        self.check(env, pid, &path::split_last(g).0, may::WRITE | may::EXEC)
    }

    /// Removing name `g` (unlink, rmdir, the source or a replaced target of
    /// rename): write and search on its directory, and the sticky-directory rule.
    pub(super) fn may_remove(&self, env: &mut dyn Env, pid: u32, g: &str) -> Result<(), i32> {
        let dir = path::split_last(g).0;
        if self.is_synth(&dir) {
            return Ok(());
        }
        self.writable(&dir)?;
        let (Ok(d), Ok(victim)) = (self.host_inode(&dir), self.host_inode(g)) else { return Ok(()) };
        creds::may_delete(&self.creds(env, pid), d, victim)
    }

    /// The owner rule of chmod, utimes with explicit times and the like: the fs uid
    /// owns `i`, or CAP_FOWNER.
    pub(super) fn owns(&self, env: &mut dyn Env, pid: u32, i: Inode) -> bool {
        creds::owner_or_capable(&self.creds(env, pid), i)
    }

    /// After the guest created canonical guest path `g` (at host path `h`): the
    /// creator's fs uid and gid own it (the directory's group under a set-group-id
    /// directory, as the host already did), and its permission bits are `mode`
    /// exactly (what the guest asked under its umask; None for a symlink, whose mode
    /// means nothing). A set-group-id bit a directory inherited stays.
    /// The mode a new non-directory `g` is made with, before the umask
    /// (mode_strip_sgid): set-group-id with group execute is dropped in a
    /// set-group-id directory whose group the creator is not in, without CAP_FSETID.
    pub(super) fn strip_sgid(&self, env: &mut dyn Env, pid: u32, g: &str, mode: u32) -> u32 {
        if mode & (S_ISGID | 0o010) != (S_ISGID | 0o010) {
            return mode;
        }
        let Ok(dir) = self.host_inode(&path::split_last(g).0) else { return mode };
        let c = self.creds(env, pid);
        if dir.mode & S_ISGID == 0 || c.in_group(dir.gid) || c.capable(crate::creds::cap::FSETID) {
            return mode;
        }
        mode & !S_ISGID
    }

    pub(super) fn created(&self, env: &mut dyn Env, pid: u32, g: &str, h: &Path, mode: Option<u32>) {
        let c = self.creds(env, pid);
        let Ok(m) = std::fs::symlink_metadata(h) else { return };
        let parent = self.host_inode(&path::split_last(g).0).ok();
        let gid = match parent {
            Some(p) if p.mode & S_ISGID != 0 => p.gid,
            _ => c.fsgid,
        };
        let uid = (m.uid() != c.fsuid).then_some(c.fsuid);
        let gid = (m.gid() != gid).then_some(gid);
        if uid.is_some() || gid.is_some() {
            // Refused on a host that does not let the emulator give files away.
            let _ = super::host::chown(h, uid, gid, false);
        }
        if let Some(bits) = mode {
            let keep = if m.mode() & S_IFMT == S_IFDIR { m.mode() & S_ISGID } else { 0 };
            let want = bits & 0o7777 | keep;
            // After a chown, which may have cleared set-id bits on the host.
            let now = std::fs::symlink_metadata(h).map_or(m.mode(), |m| m.mode());
            if now & 0o7777 != want {
                use std::os::unix::fs::PermissionsExt;
                let _ = std::fs::set_permissions(h, std::fs::Permissions::from_mode(want));
            }
        }
    }
}

/// Asks proc for the credentials of `pid`, written into the vfs scratch area.
fn fetch(env: &mut dyn Env, pid: u32) -> Option<Creds> {
    let me = env.me();
    let at = addr::qualified(me, SCRATCH + CREDS_AT);
    env.machine().mem.check_only(me, me, SCRATCH + CREDS_AT, CREDS_ROOM, machine::Access::Write, at).ok()?;
    let word = (pid as u64) << 32 | pid as u64;
    let n = match env.call(ServiceId::Proc, crate::proc::op::CREDS, [word, 0, at, CREDS_ROOM, 0, 0], &[Lend::write(at, CREDS_ROOM)]) {
        Ok([n, _]) if !crate::service::is_err(n) && n as usize >= crate::proc::credrec::HEADER => n as usize,
        _ => return None,
    };
    let mut b = vec![0u8; n.min(CREDS_ROOM as usize)];
    env.read(at, &mut b).ok()?;
    Some(crate::proc::credrec::decode(&b))
}

/// The access an open asks for: the MAY_* bits of its access mode, plus write for
/// O_TRUNC (build_open_flags).
pub(super) fn open_want(flags: i32) -> u32 {
    use super::abi::o;
    let mut w = match flags & o::ACCMODE {
        o::RDONLY => may::READ,
        o::WRONLY => may::WRITE,
        _ => may::READ | may::WRITE,
    };
    if flags & o::TRUNC != 0 {
        w |= may::WRITE;
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::creds::Creds;

    fn user() -> Creds {
        let mut c = Creds::with_ids(1000, 1000);
        c.groups = vec![1002];
        c
    }

    #[test]
    fn open_asks_for_what_the_flags_say() {
        use super::super::abi::o;
        assert_eq!(open_want(o::RDONLY), may::READ);
        assert_eq!(open_want(o::WRONLY), may::WRITE);
        assert_eq!(open_want(o::RDWR), may::READ | may::WRITE);
        assert_eq!(open_want(o::RDONLY | o::TRUNC), may::READ | may::WRITE, "O_TRUNC needs write");
    }

    /// A real tree on the host: the checks read its owners and modes (the test
    /// process may be root or not: the owners set here are the test's own).
    #[test]
    fn search_and_create_follow_the_host_modes() {
        use std::os::unix::fs::PermissionsExt;
        let base = std::env::temp_dir().join(format!("gx_perm_test_{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(base.join("closed/inner")).unwrap();
        std::fs::create_dir_all(base.join("open")).unwrap();
        std::fs::set_permissions(base.join("closed"), std::fs::Permissions::from_mode(0o700)).unwrap();
        std::fs::set_permissions(base.join("open"), std::fs::Permissions::from_mode(0o755)).unwrap();
        let v = Vfs::new(base.clone());
        let owner = v.host_inode("/closed").unwrap().uid;
        // Someone else: not the owner, in no group of the directory.
        let mut other = user();
        other.fsuid = owner.wrapping_add(1);
        other.fsgid = v.host_inode("/closed").unwrap().gid.wrapping_add(1);
        other.groups.clear();
        let mut seen = BTreeMap::new();
        assert!(!v.may_search(&other, "/closed/inner", &mut seen), "no x for others on a 0700 directory");
        assert!(v.may_search(&other, "/open/x", &mut seen));
        assert_eq!(seen.get("/closed"), Some(&false), "the answer is remembered per directory");
        assert!(v.may_search(&Creds::root(), "/closed/inner", &mut BTreeMap::new()), "CAP_DAC_OVERRIDE searches anything");
        let mut owner_c = other.clone();
        owner_c.fsuid = owner;
        assert!(v.may_search(&owner_c, "/closed/inner", &mut BTreeMap::new()));
        assert_eq!(creds::may_access(&other, v.host_inode("/open").unwrap(), may::WRITE | may::EXEC), Err(libc::EACCES), "no w for others on 0755");
        let _ = std::fs::remove_dir_all(&base);
    }
}
