//! File leases (fcntl F_SETLEASE, F_GETLEASE) and their breaking, as fs/locks.c: an
//! open or truncate by anyone that conflicts with a lease sends the holder its I/O
//! signal and waits until the holder gives the lease up (or downgrades it) or
//! /proc/sys/fs/lease-break-time seconds pass, when the lease is taken away.

use super::abi::o;
use super::locks::{Inode, inode_of};
use super::wait::{WaitSet, Who};
use super::{Backend, Regs, Vfs, fail, val};
use crate::service::Env;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// One lease, held by an open file description.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lease {
    pub ino: Inode,
    /// A write lease (F_WRLCK), else a read lease.
    pub write: bool,
    /// Being broken: what the holder must come down to (Some(false) a read lease,
    /// None no lease, for a writer) and when it is taken away regardless.
    pub breaking: Option<(Option<bool>, Instant)>,
}

impl Lease {
    /// F_GETLEASE's answer: the type the lease is going to (target_leasetype).
    fn shown(&self) -> i32 {
        let now = match self.breaking {
            Some((to, _)) => to,
            None => Some(self.write),
        };
        match now {
            None => libc::F_UNLCK,
            Some(true) => libc::F_WRLCK,
            Some(false) => libc::F_RDLCK,
        }
    }
}

/// Every lease of the guest, by the open file holding it.
#[derive(Debug, Default)]
pub struct Leases {
    by_file: BTreeMap<u64, Lease>,
}

impl Leases {
    /// The open file went away: its lease goes with it.
    pub fn release_file(&mut self, file: u64) -> bool {
        self.by_file.remove(&file).is_some()
    }

    /// Breaks whose time ran out take effect (time_out_leases).
    fn time_out(&mut self, now: Instant) {
        self.by_file.retain(|_, l| match l.breaking {
            Some((to, at)) if at <= now => match to {
                None => false,
                Some(w) => {
                    *l = Lease { write: w, breaking: None, ..*l };
                    true
                }
            },
            _ => true,
        });
    }
}

/// CAP_LEASE: a lease on a file the caller does not own.
const CAP_LEASE: u32 = 28;

impl Vfs {
    /// Whether no lease is held (the common case: opens need not look).
    pub(super) fn leases_empty(&self) -> bool {
        self.leases.by_file.is_empty()
    }

    /// /proc/sys/fs/lease-break-time in seconds.
    fn lease_break_time(&self) -> u64 {
        self.sysctl.get("fs/lease-break-time").and_then(|s| s.trim().parse::<i64>().ok()).unwrap_or(45).max(0) as u64
    }

    /// Open files other than `except` on inode `ino` open for reading and for writing.
    fn opens_of(&self, ino: Inode, except: u64) -> (usize, usize) {
        let (mut r, mut w) = (0, 0);
        for (id, f) in self.files.iter() {
            if *id == except || f.flags & o::PATH != 0 || !matches!(f.backend, Backend::Host(_)) || inode_of(f) != Some(ino) {
                continue;
            }
            if f.flags & o::ACCMODE == o::RDONLY {
                r += 1;
            } else {
                w += 1;
            }
        }
        (r, w)
    }

    /// An open (or truncate: `write`) of inode `ino` by `who` meets the leases on it
    /// (__break_lease): conflicting holders are signalled; the caller gets None to go
    /// on, or the registers of its wait (EWOULDBLOCK when `nonblock`).
    pub(super) fn break_leases(&mut self, env: &mut dyn Env, who: Who, ino: Inode, write: bool, nonblock: bool) -> Option<Regs> {
        if self.leases.by_file.is_empty() {
            return None;
        }
        let now = crate::clock::now();
        self.leases.time_out(now);
        let conflicting: Vec<u64> = self.leases.by_file.iter().filter(|(_, l)| l.ino == ino && (write || l.write) && l.shown() != libc::F_UNLCK).map(|(f, _)| *f).collect();
        // A read lease only blocks writers; a write lease being downgraded lets readers in.
        let conflicting: Vec<u64> = conflicting.into_iter().filter(|f| write || self.leases.by_file[f].shown() == libc::F_WRLCK).collect();
        if conflicting.is_empty() {
            return None;
        }
        let until = now + Duration::from_secs(self.lease_break_time());
        let mut wake = until;
        for f in conflicting {
            let l = self.leases.by_file.get_mut(&f).expect("listed above");
            let to = if write { None } else { Some(false) };
            match l.breaking {
                // A second breaker may ask for more (a writer after a reader).
                Some((old, at)) => {
                    if old.is_some() && to.is_none() {
                        l.breaking = Some((None, at));
                    }
                    wake = wake.min(at);
                }
                None => {
                    l.breaking = Some((to, until));
                    self.signal_owner(env, f, super::fowner::POLL_MSG);
                }
            }
        }
        if nonblock {
            return Some(fail(libc::EWOULDBLOCK));
        }
        let mut set = WaitSet::default();
        set.at(wake);
        Some(Ok(self.waits.block(env, who, &set)))
    }
}

/// fcntl F_GETLEASE (`set` None) and F_SETLEASE on open file `file`.
pub fn fcntl(v: &mut Vfs, env: &mut dyn Env, who: Who, file: u64, set: Option<u64>) -> Regs {
    let now = crate::clock::now();
    v.leases.time_out(now);
    let Some(f) = v.files.get(&file) else { return fail(libc::EBADF) };
    let Some(arg) = set else {
        return val(v.leases.by_file.get(&file).map_or(libc::F_UNLCK, |l| l.shown()) as u64);
    };
    let ty = arg as i32;
    if ![libc::F_RDLCK, libc::F_WRLCK, libc::F_UNLCK].contains(&ty) {
        return fail(libc::EINVAL);
    }
    // Leases are on regular files only (fcntl_setlease).
    let meta = match &f.backend {
        Backend::Host(h) if f.flags & o::PATH == 0 => h.metadata().ok().filter(|m| m.is_file()),
        _ => None,
    };
    let Some(meta) = meta else { return fail(libc::EINVAL) };
    let ino = inode_of(f).expect("a host file");
    let acc = f.flags & o::ACCMODE;
    {
        use std::os::unix::fs::MetadataExt;
        let c = v.creds(env, who.pid);
        if c.fsuid != meta.uid() && !c.capable(CAP_LEASE) {
            return fail(libc::EACCES);
        }
    }
    if ty == libc::F_UNLCK {
        // Nothing to give up is EAGAIN (generic_delete_lease).
        return if v.leases.release_file(file) { val(0) } else { fail(libc::EAGAIN) };
    }
    let write = ty == libc::F_WRLCK;
    let (readers, writers) = v.opens_of(ino, file);
    // A writer waiting on a break already holds write access (do_dentry_open takes
    // it before break_lease).
    let pending_writer = v.leases.by_file.values().any(|l| l.ino == ino && matches!(l.breaking, Some((None, _))));
    if write {
        // Only the caller's own open may be there (check_conflicting_open).
        if readers + writers > 0 || pending_writer {
            return fail(libc::EAGAIN);
        }
    } else if writers > 0 || acc != o::RDONLY || pending_writer {
        return fail(libc::EAGAIN);
    }
    // Another file's lease: a write lease conflicts with any, a read lease with a
    // write lease or one being broken (generic_add_lease).
    let others = v.leases.by_file.iter().filter(|(k, l)| **k != file && l.ino == ino);
    for (_, l) in others {
        if write || l.write || l.breaking.is_some() {
            return fail(libc::EAGAIN);
        }
    }
    let breaking = v.leases.by_file.get(&file).and_then(|l| l.breaking).and_then(|(to, at)| {
        // Coming down to what the break asked for ends it (lease_clear_pending); a
        // read lease still owes an unlock.
        match (to, write) {
            (Some(false), false) => None,
            _ => Some((to, at)),
        }
    });
    v.leases.by_file.insert(file, Lease { ino, write, breaking });
    // The lease's holder is the one signalled when it is broken (__f_setown).
    v.lease_owner(file, who.pid);
    val(0)
}

impl Vfs {
    /// Taking a lease makes the caller's process the file's owner, keeping F_SETSIG.
    fn lease_owner(&mut self, file: u64, pid: u32) {
        let cur = self.owners.get(&file).copied().unwrap_or_default();
        self.owners.insert(file, super::fowner::Owner { kind: super::fowner::kind::PID, pid: pid as i32, sig: cur.sig });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timed_out_break_downgrades_or_removes() {
        let now = Instant::now();
        let mut l = Leases::default();
        l.by_file.insert(1, Lease { ino: (1, 1), write: true, breaking: Some((Some(false), now)) });
        l.by_file.insert(2, Lease { ino: (1, 2), write: false, breaking: Some((None, now)) });
        l.by_file.insert(3, Lease { ino: (1, 3), write: true, breaking: Some((None, now + Duration::from_secs(9))) });
        l.time_out(now);
        assert_eq!(l.by_file[&1].shown(), libc::F_RDLCK);
        assert!(!l.by_file.contains_key(&2));
        assert_eq!(l.by_file[&3].shown(), libc::F_UNLCK);
    }
}
