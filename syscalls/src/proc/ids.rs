//! The credential syscalls of proc: get/set of user and group ids, supplementary
//! groups and capabilities, answered from the calling process's `Creds`.
//!
//! Linux keeps credentials per thread and its libcs broadcast set*id to every thread
//! of the process (through a signal); grantix keeps one `Creds` per process, so a
//! set*id call changes them for every thread at once, which is what a program
//! calling the libc wrapper sees either way. The rules themselves (which change is
//! allowed, what happens to saved and fs ids and to capabilities) are `creds.rs`'s.

use super::{Pid, Proc};
use crate::creds::{CapSet, Creds, NGROUPS_MAX};
use crate::service::{err, Env};
use crate::sysno as nr;
use machine::Fault;

/// capget/capset header versions (linux/capability.h).
pub const CAP_VERSION_1: u32 = 0x1998_0330;
pub const CAP_VERSION_2: u32 = 0x2007_1026;
pub const CAP_VERSION_3: u32 = 0x2008_0522;
/// Size of struct __user_cap_header_struct (version, pid).
pub const CAP_HEADER_SIZE: u64 = 8;
/// Size of the data capget writes and capset reads for versions 2 and 3: two
/// struct __user_cap_data_struct (effective, permitted, inheritable: u32 each).
/// Version 1 uses only the first 12 bytes; the lend covers 24 either way (the lend
/// is fixed before the header is read).
pub const CAP_DATA_SIZE: u64 = 24;

/// The bytes getgroups may write / setgroups reads for `size` entries: none for a
/// negative or zero size (answered before any access), else `size` gids, capped at
/// NGROUPS_MAX (a larger setgroups is EINVAL before the list is read).
pub fn groups_len(size: u64) -> u64 {
    let n = size as i32;
    if n <= 0 {
        0
    } else {
        (n as u64).min(NGROUPS_MAX as u64) * 4
    }
}

/// Number of u32 words per capability set for a header version; None for an
/// unknown version.
fn cap_words(version: u32) -> Option<usize> {
    match version {
        CAP_VERSION_1 => Some(1),
        CAP_VERSION_2 | CAP_VERSION_3 => Some(2),
        _ => None,
    }
}

/// A set*id result: 0 or -errno.
fn res(r: Result<(), i32>) -> [u64; 2] {
    [r.map_or_else(err, |()| 0), 0]
}

impl Proc {
    /// The credentials of process `pid`.
    pub fn creds(&self, pid: Pid) -> Option<&Creds> {
        self.processes.get(&pid).map(|p| &p.creds)
    }

    /// The credential syscalls; None if `op` is not one of them.
    pub(super) fn ids_op(&mut self, env: &mut dyn Env, op: u64, pid: Pid, s: [u64; 6]) -> Result<Option<[u64; 2]>, Fault> {
        let id = |i: usize| s[i] as u32;
        let Some(c) = self.processes.get_mut(&pid).map(|p| &mut p.creds) else {
            return Ok(match op {
                nr::GETUID | nr::GETEUID | nr::GETGID | nr::GETEGID | nr::GETRESUID | nr::GETRESGID | nr::GETGROUPS | nr::SETUID | nr::SETGID | nr::SETREUID | nr::SETREGID | nr::SETRESUID
                | nr::SETRESGID | nr::SETFSUID | nr::SETFSGID | nr::SETGROUPS | nr::CAPGET | nr::CAPSET | super::op::CREDS => Some([err(libc::ESRCH), 0]),
                _ => None,
            });
        };
        Ok(Some(match op {
            nr::GETUID => [c.uid as u64, 0],
            nr::GETEUID => [c.euid as u64, 0],
            nr::GETGID => [c.gid as u64, 0],
            nr::GETEGID => [c.egid as u64, 0],
            nr::GETRESUID | nr::GETRESGID => {
                let ids = if op == nr::GETRESUID { [c.uid, c.euid, c.suid] } else { [c.gid, c.egid, c.sgid] };
                for (p, v) in s[..3].iter().zip(ids) {
                    env.write(*p, &v.to_le_bytes())?;
                }
                [0, 0]
            }
            nr::GETGROUPS => {
                if (s[0] as i32) < 0 {
                    return Ok(Some([err(libc::EINVAL), 0]));
                }
                match c.getgroups(s[0] as u32 as usize) {
                    Ok((groups, n)) => {
                        let bytes: Vec<u8> = groups.iter().flat_map(|g| g.to_le_bytes()).collect();
                        if !bytes.is_empty() {
                            env.write(s[1], &bytes)?;
                        }
                        [n as u64, 0]
                    }
                    Err(e) => [err(e), 0],
                }
            }
            nr::SETGROUPS => {
                let n = s[0] as i32;
                if n < 0 || n as usize > NGROUPS_MAX {
                    return Ok(Some([err(libc::EINVAL), 0]));
                }
                // Permission first, as the kernel (may_setgroups) does, before reading.
                if !c.capable(crate::creds::cap::SETGID) {
                    return Ok(Some([err(libc::EPERM), 0]));
                }
                let mut b = vec![0u8; n as usize * 4];
                if !b.is_empty() {
                    env.read(s[1], &mut b)?;
                }
                let groups: Vec<u32> = b.chunks_exact(4).map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]])).collect();
                let Some(c) = self.processes.get_mut(&pid).map(|p| &mut p.creds) else { return Ok(Some([err(libc::ESRCH), 0])) };
                res(c.setgroups(&groups))
            }
            nr::SETUID => res(c.setuid(id(0))),
            nr::SETGID => res(c.setgid(id(0))),
            nr::SETREUID => res(c.setreuid(id(0), id(1))),
            nr::SETREGID => res(c.setregid(id(0), id(1))),
            nr::SETRESUID => res(c.setresuid(id(0), id(1), id(2))),
            nr::SETRESGID => res(c.setresgid(id(0), id(1), id(2))),
            nr::SETFSUID => [c.setfsuid(id(0)) as u64, 0],
            nr::SETFSGID => [c.setfsgid(id(0)) as u64, 0],
            super::op::CREDS => {
                let room = (s[1] as usize).saturating_sub(crate::creds::RECORD_HEADER) / 4;
                if (s[1] as usize) < crate::creds::RECORD_HEADER {
                    return Ok(Some([err(libc::EINVAL), 0]));
                }
                let rec = c.record(room);
                env.write(s[0], &rec)?;
                [rec.len() as u64, 0]
            }
            nr::CAPGET => return self.capget(env, pid, s).map(Some),
            nr::CAPSET => return self.capset(env, pid, s).map(Some),
            _ => return Ok(None),
        }))
    }

    /// Reads the capget/capset header at `hdr`: Ok(words per set, target pid), or the
    /// answer for an unknown version (the kernel writes the version it prefers back
    /// into the header and fails with EINVAL).
    fn cap_header(env: &mut dyn Env, hdr: u64) -> Result<Result<(usize, i32), i32>, Fault> {
        let mut h = [0u8; 8];
        env.read(hdr, &mut h)?;
        let version = u32::from_le_bytes([h[0], h[1], h[2], h[3]]);
        let pid = i32::from_le_bytes([h[4], h[5], h[6], h[7]]);
        match cap_words(version) {
            Some(w) => Ok(Ok((w, pid))),
            None => {
                env.write(hdr, &CAP_VERSION_3.to_le_bytes())?;
                Ok(Err(libc::EINVAL))
            }
        }
    }

    /// capget(hdr, data): the capability sets of the caller or of process hdr.pid.
    /// NULL data only probes the version (0 for an unknown one, after writing the
    /// preferred version back).
    fn capget(&mut self, env: &mut dyn Env, me: Pid, s: [u64; 6]) -> Result<[u64; 2], Fault> {
        let (hdr, data) = (s[0], s[1]);
        let (words, pid) = match Self::cap_header(env, hdr)? {
            Ok(v) => v,
            Err(e) if data == 0 && e == libc::EINVAL => return Ok([0, 0]),
            Err(e) => return Ok([err(e), 0]),
        };
        if data == 0 {
            return Ok([0, 0]);
        }
        if pid < 0 {
            return Ok([err(libc::EINVAL), 0]);
        }
        let target = if pid == 0 { me } else { pid as Pid };
        let Some(c) = self.processes.get(&target).filter(|p| p.exit.is_none()).map(|p| &p.creds) else { return Ok([err(libc::ESRCH), 0]) };
        let mut out = Vec::with_capacity(24);
        for w in 0..words {
            for set in [c.effective, c.permitted, c.inheritable] {
                out.extend(((set.0 >> (32 * w)) as u32).to_le_bytes());
            }
        }
        env.write(data, &out)?;
        Ok([0, 0])
    }

    /// capset(hdr, data): the caller's own sets only (another pid is EPERM), under
    /// the rules of `Creds::capset`. Capabilities above the last one Linux defines
    /// are dropped, as the kernel masks them with CAP_VALID_MASK.
    fn capset(&mut self, env: &mut dyn Env, me: Pid, s: [u64; 6]) -> Result<[u64; 2], Fault> {
        let (hdr, data) = (s[0], s[1]);
        let (words, pid) = match Self::cap_header(env, hdr)? {
            Ok(v) => v,
            Err(e) => return Ok([err(e), 0]),
        };
        if pid != 0 && pid as Pid != me {
            return Ok([err(libc::EPERM), 0]);
        }
        if data == 0 {
            return Ok([err(libc::EFAULT), 0]);
        }
        let mut b = vec![0u8; words * 12];
        env.read(data, &mut b)?;
        let word = |i: usize| u32::from_le_bytes([b[i * 4], b[i * 4 + 1], b[i * 4 + 2], b[i * 4 + 3]]) as u64;
        let mut sets = [0u64; 3];
        for w in 0..words {
            for (k, set) in sets.iter_mut().enumerate() {
                *set |= word(w * 3 + k) << (32 * w);
            }
        }
        let valid = CapSet::FULL.0;
        let [e, p, i] = sets.map(|v| CapSet(v & valid));
        let Some(c) = self.processes.get_mut(&me).map(|p| &mut p.creds) else { return Ok([err(libc::ESRCH), 0]) };
        Ok(res(c.capset(e, p, i)))
    }
}
