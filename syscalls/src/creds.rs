//! Credentials: a task's user and group ids, supplementary groups and capabilities,
//! with Linux's rules for changing them (the set*id family, capset, exec) and for
//! checking them (file modes, signals, ownership changes, System V IPC objects).
//!
//! Plain data and pure functions: the service that owns a process's credentials (proc)
//! keeps a `Creds` per process, and vfs, ipc and proc ask these functions before acting.
//! Every rule cites the man page it follows and is written the way the kernel
//! (kernel/sys.c, security/commoncap.c, fs/namei.c, fs/attr.c, kernel/signal.c,
//! ipc/util.c) writes it, so corner cases (saved ids, fs ids, capabilities following
//! uid changes) come out as on Linux. Errors are errno values (`libc::EPERM`...).

use std::fmt;

/// A user id. `NO_ID` ((uid_t)-1) means "leave unchanged" in the set*id calls.
pub type Uid = u32;
/// A group id.
pub type Gid = u32;
/// (uid_t)-1 / (gid_t)-1: "unchanged" for the set*id calls, invalid as an id.
pub const NO_ID: u32 = u32::MAX;
/// NGROUPS_MAX: most supplementary groups a process may have (setgroups(2)).
pub const NGROUPS_MAX: usize = 65536;

/// Capability numbers (capabilities(7), linux/capability.h).
pub mod cap {
    pub const CHOWN: u32 = 0;
    pub const DAC_OVERRIDE: u32 = 1;
    pub const DAC_READ_SEARCH: u32 = 2;
    pub const FOWNER: u32 = 3;
    pub const FSETID: u32 = 4;
    pub const KILL: u32 = 5;
    pub const SETGID: u32 = 6;
    pub const SETUID: u32 = 7;
    pub const SETPCAP: u32 = 8;
    pub const LINUX_IMMUTABLE: u32 = 9;
    pub const NET_BIND_SERVICE: u32 = 10;
    pub const NET_ADMIN: u32 = 12;
    pub const NET_RAW: u32 = 13;
    pub const IPC_LOCK: u32 = 14;
    pub const IPC_OWNER: u32 = 15;
    pub const SYS_CHROOT: u32 = 18;
    pub const SYS_PTRACE: u32 = 19;
    pub const SYS_PACCT: u32 = 20;
    pub const SYS_ADMIN: u32 = 21;
    pub const SYS_BOOT: u32 = 22;
    pub const SYS_NICE: u32 = 23;
    pub const SYS_RESOURCE: u32 = 24;
    pub const SYS_TIME: u32 = 25;
    pub const SYS_TTY_CONFIG: u32 = 26;
    pub const MKNOD: u32 = 27;
    pub const MAC_OVERRIDE: u32 = 32;
    pub const SYSLOG: u32 = 34;
    pub const CHECKPOINT_RESTORE: u32 = 40;
    /// The highest capability Linux defines (CAP_CHECKPOINT_RESTORE).
    pub const LAST: u32 = 40;
}

/// A set of capabilities, one bit per capability number.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct CapSet(pub u64);

impl CapSet {
    pub const EMPTY: CapSet = CapSet(0);
    /// Every capability Linux defines: what root holds.
    pub const FULL: CapSet = CapSet((1u64 << (cap::LAST + 1)) - 1);
    /// The file-system capabilities that follow the fs uid (CAP_FS_SET in
    /// linux/capability.h): dropped when fsuid leaves 0, raised back when it returns.
    pub const FS: CapSet = CapSet(
        1 << cap::CHOWN
            | 1 << cap::MKNOD
            | 1 << cap::DAC_OVERRIDE
            | 1 << cap::DAC_READ_SEARCH
            | 1 << cap::FOWNER
            | 1 << cap::FSETID
            | 1 << cap::MAC_OVERRIDE
            | 1 << cap::LINUX_IMMUTABLE,
    );

    pub fn of(caps: &[u32]) -> CapSet {
        CapSet(caps.iter().fold(0, |m, &c| m | 1u64 << c))
    }
    pub fn has(self, c: u32) -> bool {
        c <= cap::LAST && self.0 & (1 << c) != 0
    }
    pub fn with(self, c: u32) -> CapSet {
        CapSet(self.0 | 1 << c)
    }
    pub fn without(self, c: u32) -> CapSet {
        CapSet(self.0 & !(1 << c))
    }
    pub fn union(self, o: CapSet) -> CapSet {
        CapSet(self.0 | o.0)
    }
    pub fn intersect(self, o: CapSet) -> CapSet {
        CapSet(self.0 & o.0)
    }
    pub fn minus(self, o: CapSet) -> CapSet {
        CapSet(self.0 & !o.0)
    }
    pub fn is_subset_of(self, o: CapSet) -> bool {
        self.0 & !o.0 == 0
    }
}

impl fmt::Debug for CapSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CapSet({:#x})", self.0)
    }
}

/// An errno value.
pub type Errno = i32;

/// The credentials of a process (credentials(7), capabilities(7)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Creds {
    pub uid: Uid,
    pub euid: Uid,
    pub suid: Uid,
    pub fsuid: Uid,
    pub gid: Gid,
    pub egid: Gid,
    pub sgid: Gid,
    pub fsgid: Gid,
    /// Supplementary groups, sorted and without duplicates (the kernel sorts them).
    pub groups: Vec<Gid>,
    pub permitted: CapSet,
    pub effective: CapSet,
    pub inheritable: CapSet,
    pub bounding: CapSet,
    pub ambient: CapSet,
    /// PR_SET_KEEPCAPS (SECURE_KEEP_CAPS): keep permitted capabilities when every
    /// uid leaves 0. Cleared by exec.
    pub keep_caps: bool,
}

/// File ownership and mode, as the permission checks need them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Inode {
    pub uid: Uid,
    pub gid: Gid,
    /// st_mode: file type and permission bits.
    pub mode: u32,
}

/// Access wanted, as in the kernel's MAY_* (and access(2)'s R_OK/W_OK/X_OK).
pub mod may {
    pub const EXEC: u32 = 1;
    pub const WRITE: u32 = 2;
    pub const READ: u32 = 4;
}

const S_IFMT: u32 = 0o170000;
const S_IFDIR: u32 = 0o040000;
const S_ISUID: u32 = 0o4000;
const S_ISGID: u32 = 0o2000;
const S_ISVTX: u32 = 0o1000;
const S_IXGRP: u32 = 0o010;
const S_IXUGO: u32 = 0o111;

/// What exec changed: AT_SECURE is due when the new image runs with more privilege
/// than its caller (ids from set-user-id/set-group-id bits, or capabilities gained
/// by a non-root real user).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExecOutcome {
    pub secure: bool,
}

/// The System V IPC object permissions (struct ipc_perm).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpcPerm {
    pub uid: Uid,
    pub gid: Gid,
    pub cuid: Uid,
    pub cgid: Gid,
    /// The low 9 bits: rwx for owner, group, other (only r and w mean anything).
    pub mode: u32,
}

impl Creds {
    /// Root: every id 0 and every capability (what init has).
    pub fn root() -> Creds {
        Creds::with_ids(0, 0)
    }

    /// A process whose every uid is `uid` and every gid `gid`, with the capabilities
    /// Linux gives such a process after exec: all of them for uid 0, none otherwise.
    pub fn with_ids(uid: Uid, gid: Gid) -> Creds {
        let caps = if uid == 0 { CapSet::FULL } else { CapSet::EMPTY };
        Creds {
            uid,
            euid: uid,
            suid: uid,
            fsuid: uid,
            gid,
            egid: gid,
            sgid: gid,
            fsgid: gid,
            groups: Vec::new(),
            permitted: caps,
            effective: caps,
            inheritable: CapSet::EMPTY,
            bounding: CapSet::FULL,
            ambient: CapSet::EMPTY,
            keep_caps: false,
        }
    }

    /// The host user's ids and groups: the first guest process starts as the user that
    /// runs the emulator, as under qemu-user.
    pub fn of_host() -> Creds {
        let (mut r, mut e, mut s) = (0, 0, 0);
        let (mut rg, mut eg, mut sg) = (0, 0, 0);
        // SAFETY: getresuid/getresgid only write the three ids they are given.
        unsafe {
            libc::getresuid(&mut r, &mut e, &mut s);
            libc::getresgid(&mut rg, &mut eg, &mut sg);
        }
        let mut c = Creds::with_ids(r, rg);
        (c.euid, c.suid, c.fsuid) = (e, s, e);
        (c.egid, c.sgid, c.fsgid) = (eg, sg, eg);
        if e != 0 {
            c.effective = CapSet::EMPTY;
        }
        if r != 0 && e != 0 && s != 0 {
            c.permitted = CapSet::EMPTY;
        }
        // SAFETY: getgroups(0, NULL) only counts; the second call writes at most n ids.
        let n = unsafe { libc::getgroups(0, std::ptr::null_mut()) };
        let mut groups = vec![0; n.max(0) as usize];
        let got = unsafe { libc::getgroups(n.max(0), groups.as_mut_ptr()) };
        groups.truncate(got.max(0) as usize);
        c.groups = groups;
        c.groups.sort_unstable();
        c.groups.dedup();
        c
    }

    /// capable(): the capability is in the effective set.
    pub fn capable(&self, c: u32) -> bool {
        self.effective.has(c)
    }

    /// in_group_p(): `g` is the fs gid or a supplementary group (what file access uses).
    pub fn in_group(&self, g: Gid) -> bool {
        self.fsgid == g || self.groups.binary_search(&g).is_ok()
    }

    /// in_egroup_p(): `g` is the effective gid or a supplementary group.
    pub fn in_egroup(&self, g: Gid) -> bool {
        self.egid == g || self.groups.binary_search(&g).is_ok()
    }

    // ------------------------------------------------------------------ set*id

    /// setuid(2): with CAP_SETUID all of real, effective, saved and fs uid become
    /// `uid`; without it only the effective (and fs) uid, and only to the real or
    /// saved uid. EINVAL for (uid_t)-1, EPERM otherwise.
    pub fn setuid(&mut self, uid: Uid) -> Result<(), Errno> {
        if uid == NO_ID {
            return Err(libc::EINVAL);
        }
        let old = self.clone();
        if old.capable(cap::SETUID) {
            self.uid = uid;
            self.suid = uid;
        } else if uid != old.uid && uid != old.suid {
            return Err(libc::EPERM);
        }
        self.euid = uid;
        self.fsuid = uid;
        self.fix_caps_after_setuid(&old);
        Ok(())
    }

    /// setreuid(2): an unprivileged process may set the real uid to the real or
    /// effective uid, and the effective uid to the real, effective or saved uid.
    /// If the real uid is set, or the effective uid is set to a value other than the
    /// previous real uid, the saved uid becomes the new effective uid.
    pub fn setreuid(&mut self, ruid: Uid, euid: Uid) -> Result<(), Errno> {
        let old = self.clone();
        let privileged = old.capable(cap::SETUID);
        if ruid != NO_ID && ruid != old.uid && ruid != old.euid && !privileged {
            return Err(libc::EPERM);
        }
        if euid != NO_ID && euid != old.uid && euid != old.euid && euid != old.suid && !privileged {
            return Err(libc::EPERM);
        }
        if ruid != NO_ID {
            self.uid = ruid;
        }
        if euid != NO_ID {
            self.euid = euid;
        }
        if ruid != NO_ID || (euid != NO_ID && euid != old.uid) {
            self.suid = self.euid;
        }
        self.fsuid = self.euid;
        self.fix_caps_after_setuid(&old);
        Ok(())
    }

    /// setresuid(2): -1 leaves an id unchanged; an unprivileged process may set each
    /// to one of its current real, effective or saved uids. The fs uid follows the
    /// effective uid. A call that changes nothing succeeds even unprivileged.
    pub fn setresuid(&mut self, ruid: Uid, euid: Uid, suid: Uid) -> Result<(), Errno> {
        let old = self.clone();
        let same = |new: Uid, cur: Uid| new == NO_ID || new == cur;
        if same(ruid, old.uid) && same(euid, old.euid) && same(suid, old.suid) {
            return Ok(());
        }
        let foreign = |new: Uid| new != NO_ID && new != old.uid && new != old.euid && new != old.suid;
        if (foreign(ruid) || foreign(euid) || foreign(suid)) && !old.capable(cap::SETUID) {
            return Err(libc::EPERM);
        }
        if ruid != NO_ID {
            self.uid = ruid;
        }
        if euid != NO_ID {
            self.euid = euid;
        }
        if suid != NO_ID {
            self.suid = suid;
        }
        self.fsuid = self.euid;
        self.fix_caps_after_setuid(&old);
        Ok(())
    }

    /// setfsuid(2): always returns the previous fs uid; changes it only to the real,
    /// effective, saved or current fs uid, or to anything with CAP_SETUID, and never
    /// to (uid_t)-1 (so setfsuid(-1) queries). Leaving fs uid 0 drops the file-system
    /// capabilities from the effective set; returning to 0 raises them again from
    /// the permitted set (capabilities(7), "Effect of user ID changes").
    pub fn setfsuid(&mut self, fsuid: Uid) -> Uid {
        let old = self.clone();
        if fsuid == NO_ID {
            return old.fsuid;
        }
        let allowed = fsuid == old.uid || fsuid == old.euid || fsuid == old.suid || fsuid == old.fsuid || old.capable(cap::SETUID);
        if allowed && fsuid != old.fsuid {
            self.fsuid = fsuid;
            if old.fsuid == 0 && fsuid != 0 {
                self.effective = self.effective.minus(CapSet::FS);
            }
            if old.fsuid != 0 && fsuid == 0 {
                self.effective = self.effective.union(self.permitted.intersect(CapSet::FS));
            }
        }
        old.fsuid
    }

    /// setgid(2): as setuid, with CAP_SETGID, and no capability changes.
    pub fn setgid(&mut self, gid: Gid) -> Result<(), Errno> {
        if gid == NO_ID {
            return Err(libc::EINVAL);
        }
        if self.capable(cap::SETGID) {
            self.gid = gid;
            self.sgid = gid;
        } else if gid != self.gid && gid != self.sgid {
            return Err(libc::EPERM);
        }
        self.egid = gid;
        self.fsgid = gid;
        Ok(())
    }

    /// setregid(2): as setreuid, with CAP_SETGID.
    pub fn setregid(&mut self, rgid: Gid, egid: Gid) -> Result<(), Errno> {
        let old = self.clone();
        let privileged = old.capable(cap::SETGID);
        if rgid != NO_ID && rgid != old.gid && rgid != old.egid && !privileged {
            return Err(libc::EPERM);
        }
        if egid != NO_ID && egid != old.gid && egid != old.egid && egid != old.sgid && !privileged {
            return Err(libc::EPERM);
        }
        if rgid != NO_ID {
            self.gid = rgid;
        }
        if egid != NO_ID {
            self.egid = egid;
        }
        if rgid != NO_ID || (egid != NO_ID && egid != old.gid) {
            self.sgid = self.egid;
        }
        self.fsgid = self.egid;
        Ok(())
    }

    /// setresgid(2): as setresuid, with CAP_SETGID.
    pub fn setresgid(&mut self, rgid: Gid, egid: Gid, sgid: Gid) -> Result<(), Errno> {
        let old = self.clone();
        let same = |new: Gid, cur: Gid| new == NO_ID || new == cur;
        if same(rgid, old.gid) && same(egid, old.egid) && same(sgid, old.sgid) {
            return Ok(());
        }
        let foreign = |new: Gid| new != NO_ID && new != old.gid && new != old.egid && new != old.sgid;
        if (foreign(rgid) || foreign(egid) || foreign(sgid)) && !old.capable(cap::SETGID) {
            return Err(libc::EPERM);
        }
        if rgid != NO_ID {
            self.gid = rgid;
        }
        if egid != NO_ID {
            self.egid = egid;
        }
        if sgid != NO_ID {
            self.sgid = sgid;
        }
        self.fsgid = self.egid;
        Ok(())
    }

    /// setfsgid(2): as setfsuid, with CAP_SETGID, and no capability changes.
    pub fn setfsgid(&mut self, fsgid: Gid) -> Gid {
        let old = self.fsgid;
        if fsgid == NO_ID {
            return old;
        }
        if fsgid == self.gid || fsgid == self.egid || fsgid == self.sgid || fsgid == old || self.capable(cap::SETGID) {
            self.fsgid = fsgid;
        }
        old
    }

    /// setgroups(2): CAP_SETGID required (EPERM); more than NGROUPS_MAX is EINVAL.
    /// The list is kept sorted, as the kernel keeps it.
    pub fn setgroups(&mut self, groups: &[Gid]) -> Result<(), Errno> {
        if groups.len() > NGROUPS_MAX {
            return Err(libc::EINVAL);
        }
        if !self.capable(cap::SETGID) {
            return Err(libc::EPERM);
        }
        let mut g = groups.to_vec();
        g.sort_unstable();
        self.groups = g;
        Ok(())
    }

    /// getgroups(2): size 0 asks for the count; a nonzero size below the count is
    /// EINVAL. Returns the groups to copy out (none when size is 0) and the count.
    pub fn getgroups(&self, size: usize) -> Result<(&[Gid], usize), Errno> {
        let n = self.groups.len();
        if size == 0 {
            return Ok((&[], n));
        }
        if size < n {
            return Err(libc::EINVAL);
        }
        Ok((&self.groups, n))
    }

    /// cap_emulate_setxuid (capabilities(7), "Effect of user ID changes on
    /// capabilities"): when all of real, effective and saved uid leave 0, the
    /// permitted and effective sets are cleared (unless PR_SET_KEEPCAPS) and the
    /// ambient set always; when the effective uid leaves 0 the effective set is
    /// cleared; when it becomes 0 the effective set is the permitted set.
    fn fix_caps_after_setuid(&mut self, old: &Creds) {
        let had_root = old.uid == 0 || old.euid == 0 || old.suid == 0;
        let has_root = self.uid == 0 || self.euid == 0 || self.suid == 0;
        if had_root && !has_root {
            if !self.keep_caps {
                self.permitted = CapSet::EMPTY;
                self.effective = CapSet::EMPTY;
            }
            self.ambient = CapSet::EMPTY;
        }
        if old.euid == 0 && self.euid != 0 {
            self.effective = CapSet::EMPTY;
        }
        if old.euid != 0 && self.euid == 0 {
            self.effective = self.permitted;
        }
    }

    /// capset(2) (the rules of cap_capset in security/commoncap.c): the new
    /// permitted set must be within the old one, the effective within the new
    /// permitted, the inheritable within the old inheritable and permitted (or,
    /// with CAP_SETPCAP, the bounding set) and always within the bounding set.
    pub fn capset(&mut self, effective: CapSet, permitted: CapSet, inheritable: CapSet) -> Result<(), Errno> {
        let inh_limit = if self.capable(cap::SETPCAP) { self.inheritable.union(self.bounding) } else { self.inheritable.union(self.permitted) };
        if !inheritable.is_subset_of(inh_limit)
            || !inheritable.is_subset_of(self.inheritable.union(self.bounding))
            || !permitted.is_subset_of(self.permitted)
            || !effective.is_subset_of(permitted)
        {
            return Err(libc::EPERM);
        }
        self.effective = effective;
        self.permitted = permitted;
        self.inheritable = inheritable;
        // Ambient capabilities must stay permitted and inheritable.
        self.ambient = self.ambient.intersect(permitted).intersect(inheritable);
        Ok(())
    }

    // ------------------------------------------------------------------ exec

    /// execve(2) of a file with owner `file` (no file capabilities: grantix has no
    /// xattrs): a set-user-id bit makes the effective uid the file's owner, a
    /// set-group-id bit the effective gid its group (ignored on a `nosuid` mount);
    /// saved and fs ids follow the effective ones. Capabilities as capabilities(7)
    /// "Transformation of capabilities during execve()" with root's special case:
    /// if the real or new effective uid is 0 the permitted set is bounding |
    /// inheritable, and it is also effective when the effective uid is 0; otherwise
    /// permitted and effective are the ambient set (cleared by a set-id exec).
    pub fn exec(&mut self, file: Inode, nosuid: bool) -> ExecOutcome {
        let old = self.clone();
        if !nosuid && file.mode & S_ISUID != 0 {
            self.euid = file.uid;
        }
        // A set-group-id bit without group execute marks mandatory locking, not setgid.
        if !nosuid && file.mode & S_ISGID != 0 && file.mode & S_IXGRP != 0 {
            self.egid = file.gid;
        }
        let is_setid = self.euid != old.uid || self.egid != old.gid;
        self.permitted = CapSet::EMPTY;
        let mut effective = false;
        if self.euid == 0 || self.uid == 0 {
            self.permitted = old.bounding.union(old.inheritable);
        }
        if self.euid == 0 {
            effective = true;
        }
        self.suid = self.euid;
        self.fsuid = self.euid;
        self.sgid = self.egid;
        self.fsgid = self.egid;
        if is_setid {
            self.ambient = CapSet::EMPTY;
        }
        self.permitted = self.permitted.union(self.ambient);
        self.effective = if effective { self.permitted } else { self.ambient };
        self.keep_caps = false;
        // Privilege-elevated exec: set-id, or a non-root real user holding more
        // than its ambient capabilities.
        let grew = !self.permitted.is_subset_of(self.ambient);
        ExecOutcome { secure: is_setid || (self.uid != 0 && (effective || grew)) }
    }

    /// The credentials access(2)/faccessat(2) check with (unless AT_EACCESS): the
    /// real uid and gid as fs ids, and, since the real uid decides privilege, the
    /// effective capabilities are the permitted ones for real root and none otherwise.
    pub fn for_access(&self) -> Creds {
        let mut c = self.clone();
        c.fsuid = self.uid;
        c.fsgid = self.gid;
        c.effective = if self.uid == 0 { self.permitted } else { CapSet::EMPTY };
        c
    }
}

// ---------------------------------------------------------------------- checks

/// generic_permission (path_resolution(7), fs/namei.c): the owner class if the fs
/// uid owns the file, else the group class if the file's group is the fs gid or a
/// supplementary group (and the group bits differ from the other bits in what is
/// asked), else the other class. On refusal: CAP_DAC_READ_SEARCH allows reading any
/// file and reading or searching any directory; CAP_DAC_OVERRIDE allows everything
/// on a directory and reading or writing any file, and executing a file that has at
/// least one execute bit.
pub fn may_access(c: &Creds, file: Inode, want: u32) -> Result<(), Errno> {
    let want = want & 7;
    let mut mode = file.mode;
    if c.fsuid == file.uid {
        mode >>= 6;
    } else if want & (mode ^ (mode >> 3)) != 0 && c.in_group(file.gid) {
        mode >>= 3;
    }
    if want & !mode & 7 == 0 {
        return Ok(());
    }
    if file.mode & S_IFMT == S_IFDIR {
        if want & may::WRITE == 0 && c.capable(cap::DAC_READ_SEARCH) {
            return Ok(());
        }
        if c.capable(cap::DAC_OVERRIDE) {
            return Ok(());
        }
        return Err(libc::EACCES);
    }
    if want == may::READ && c.capable(cap::DAC_READ_SEARCH) {
        return Ok(());
    }
    if (want & may::EXEC == 0 || file.mode & S_IXUGO != 0) && c.capable(cap::DAC_OVERRIDE) {
        return Ok(());
    }
    Err(libc::EACCES)
}

/// inode_owner_or_capable: the fs uid owns the file, or CAP_FOWNER.
pub fn owner_or_capable(c: &Creds, file: Inode) -> bool {
    c.fsuid == file.uid || c.capable(cap::FOWNER)
}

/// chmod(2): only the owner or CAP_FOWNER (EPERM). Returns the mode to store: the
/// set-group-id bit is silently cleared when the caller is neither in the file's
/// group nor has CAP_FSETID.
pub fn may_chmod(c: &Creds, file: Inode, new_mode: u32) -> Result<u32, Errno> {
    if !owner_or_capable(c, file) {
        return Err(libc::EPERM);
    }
    let mut m = new_mode & 0o7777;
    if m & S_ISGID != 0 && !c.in_group(file.gid) && !c.capable(cap::FSETID) {
        m &= !S_ISGID;
    }
    Ok(m)
}

/// chown(2): changing the owner needs CAP_CHOWN (a no-op "change" to the current
/// owner is allowed to the owner); changing the group needs CAP_CHOWN or being the
/// owner and a member of the new group. NO_ID leaves a field unchanged. Returns the
/// mode afterwards: a non-directory loses set-user-id, and set-group-id if it is
/// group-executable (chown(2) NOTES), whoever makes the change.
pub fn may_chown(c: &Creds, file: Inode, uid: Uid, gid: Gid) -> Result<u32, Errno> {
    if uid != NO_ID && !((c.fsuid == file.uid && uid == file.uid) || c.capable(cap::CHOWN)) {
        return Err(libc::EPERM);
    }
    if gid != NO_ID && !((c.fsuid == file.uid && (gid == file.gid || c.in_group(gid))) || c.capable(cap::CHOWN)) {
        return Err(libc::EPERM);
    }
    let mut mode = file.mode;
    if (uid != NO_ID || gid != NO_ID) && mode & S_IFMT != S_IFDIR {
        mode &= !S_ISUID;
        if mode & S_IXGRP != 0 {
            mode &= !S_ISGID;
        }
    }
    Ok(mode)
}

/// Deleting or renaming `victim` out of directory `dir` (unlink(2), rename(2)):
/// write and search permission on the directory, and in a sticky directory the
/// caller must own the file or the directory, or have CAP_FOWNER.
pub fn may_delete(c: &Creds, dir: Inode, victim: Inode) -> Result<(), Errno> {
    may_access(c, dir, may::WRITE | may::EXEC)?;
    if dir.mode & S_ISVTX != 0 && c.fsuid != victim.uid && c.fsuid != dir.uid && !c.capable(cap::FOWNER) {
        return Err(libc::EPERM);
    }
    Ok(())
}

/// What kill(2) needs to know about the target beyond its credentials.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KillTarget<'a> {
    pub creds: &'a Creds,
    /// The target is a thread of the sender's own process.
    pub same_process: bool,
    /// The target is in the sender's session (SIGCONT is allowed there).
    pub same_session: bool,
}

/// kill(2): "the real or effective user ID of the sending process must equal the
/// real or saved set-user-ID of the target process", or CAP_KILL; SIGCONT may be
/// sent to any process of the same session; a process may always signal itself.
/// Signal 0 is checked the same way (it probes permission).
pub fn may_kill(sender: &Creds, target: KillTarget<'_>, sig: i32) -> Result<(), Errno> {
    let t = target.creds;
    if target.same_process
        || sender.euid == t.suid
        || sender.euid == t.uid
        || sender.uid == t.suid
        || sender.uid == t.uid
        || sender.capable(cap::KILL)
        || (sig == libc::SIGCONT && target.same_session)
    {
        return Ok(());
    }
    Err(libc::EPERM)
}

/// ipcperms (svipc(7)): the owner class if the effective uid is the object's owner
/// or creator, else the group class if the caller is in the owner's or creator's
/// group, else other; `flag`'s low nine bits name the access asked for (any class:
/// 0400, 0040 and 0004 all mean read). CAP_IPC_OWNER overrides. EACCES on refusal.
pub fn may_ipc(c: &Creds, perm: IpcPerm, flag: u32) -> Result<(), Errno> {
    let requested = (flag >> 6) | (flag >> 3) | flag;
    let mut granted = perm.mode;
    if c.euid == perm.cuid || c.euid == perm.uid {
        granted >>= 6;
    } else if c.in_group(perm.cgid) || c.in_group(perm.gid) {
        granted >>= 3;
    }
    if requested & !granted & 0o7 != 0 && !c.capable(cap::IPC_OWNER) {
        return Err(libc::EACCES);
    }
    Ok(())
}

/// IPC_SET and IPC_RMID (msgctl(2), semctl(2), shmctl(2)): the effective uid must be
/// the object's owner or creator, or the caller must have CAP_SYS_ADMIN. EPERM.
pub fn may_ipc_control(c: &Creds, perm: IpcPerm) -> Result<(), Errno> {
    if c.euid == perm.cuid || c.euid == perm.uid || c.capable(cap::SYS_ADMIN) {
        Ok(())
    } else {
        Err(libc::EPERM)
    }
}

/// Which credentials a ptrace-style access check compares (ptrace(2),
/// "Ptrace access mode checking"): the fs ids (PTRACE_MODE_FSCREDS: /proc files)
/// or the real ids (PTRACE_MODE_REALCREDS: pidfd_getfd, process_vm_readv, kcmp).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PtraceCreds {
    Fs,
    Real,
}

/// __ptrace_may_access: a thread of the caller's own process always; else the
/// caller's uid (fs or real) must equal the target's real, effective and saved uid
/// and its gid the target's three gids, or the caller needs CAP_SYS_PTRACE; and a
/// target that is not dumpable (PR_SET_DUMPABLE 0, or after a set-id exec) needs
/// CAP_SYS_PTRACE. EPERM otherwise. (Yama and other security modules are not
/// modelled.)
pub fn may_ptrace(c: &Creds, target: &Creds, same_process: bool, target_dumpable: bool, which: PtraceCreds) -> Result<(), Errno> {
    if same_process {
        return Ok(());
    }
    let (uid, gid) = match which {
        PtraceCreds::Fs => (c.fsuid, c.fsgid),
        PtraceCreds::Real => (c.uid, c.gid),
    };
    let ids_match = [target.uid, target.euid, target.suid].iter().all(|&u| u == uid) && [target.gid, target.egid, target.sgid].iter().all(|&g| g == gid);
    if c.capable(cap::SYS_PTRACE) || (ids_match && target_dumpable) {
        Ok(())
    } else {
        Err(libc::EPERM)
    }
}

/// setpriority(2) on another process: the caller's effective uid must be the
/// target's real or effective uid, or CAP_SYS_NICE (EPERM); lowering the nice
/// value (raising priority) needs CAP_SYS_NICE (EACCES).
pub fn may_setpriority(c: &Creds, target: &Creds, old_nice: i32, new_nice: i32) -> Result<(), Errno> {
    if c.euid != target.uid && c.euid != target.euid && !c.capable(cap::SYS_NICE) {
        return Err(libc::EPERM);
    }
    if new_nice < old_nice && !c.capable(cap::SYS_NICE) {
        return Err(libc::EACCES);
    }
    Ok(())
}

/// prlimit(2) on another process (check_prlimit_permission): the target's
/// real, effective and saved uid and gid must each equal the caller's real uid and
/// gid, or the caller needs CAP_SYS_RESOURCE. EPERM.
pub fn may_prlimit(c: &Creds, target: &Creds, same_process: bool) -> Result<(), Errno> {
    if same_process || c.capable(cap::SYS_RESOURCE) {
        return Ok(());
    }
    let ok = [target.uid, target.euid, target.suid].iter().all(|&u| u == c.uid) && [target.gid, target.egid, target.sgid].iter().all(|&g| g == c.gid);
    if ok {
        Ok(())
    } else {
        Err(libc::EPERM)
    }
}

/// setrlimit(2): a soft limit above the hard one is EINVAL; raising the hard limit
/// needs CAP_SYS_RESOURCE (EPERM). (RLIM_INFINITY is u64::MAX.)
pub fn may_setrlimit(c: &Creds, old_hard: u64, new_soft: u64, new_hard: u64) -> Result<(), Errno> {
    if new_soft > new_hard {
        return Err(libc::EINVAL);
    }
    if new_hard > old_hard && !c.capable(cap::SYS_RESOURCE) {
        return Err(libc::EPERM);
    }
    Ok(())
}

/// A privileged operation guarded by one capability (mount: CAP_SYS_ADMIN,
/// clock_settime: CAP_SYS_TIME, chroot: CAP_SYS_CHROOT, mknod of a device:
/// CAP_MKNOD, raising a hard limit: CAP_SYS_RESOURCE...). EPERM without it.
pub fn require(c: &Creds, capability: u32) -> Result<(), Errno> {
    if c.capable(capability) {
        Ok(())
    } else {
        Err(libc::EPERM)
    }
}

#[cfg(test)]
#[path = "creds_tests.rs"]
mod tests;
