//! What proc tells other services about a process for their permission checks (ipc's
//! ipcperms, the mqueue file modes): its credentials as a fixed byte record, and the
//! signals the kernel sends on its own behalf (an mq notification).
//!
//! The record: uid, euid, suid, fsuid, gid, egid, sgid, fsgid (u32 each, at 0..32),
//! the effective capability set (u64 at 32), the number of supplementary groups (u32
//! at 40), then as many groups (u32 each) as the buffer holds from 48 on.

use super::{Pid, Proc};
use crate::creds::{CapSet, Creds};
use crate::service::{err, Env};
use crate::sigqueue::SigInfo;
use machine::Fault;

/// Bytes before the groups.
pub const HEADER: usize = 48;
/// A record with room for this many groups: what a service lends proc.
pub const SIZE: usize = HEADER + 4 * 64;

/// The record of `c`, as long as `cap` allows (groups past it are left out).
pub fn encode(c: &Creds, cap: usize) -> Vec<u8> {
    let mut b = Vec::with_capacity(SIZE);
    for v in [c.uid, c.euid, c.suid, c.fsuid, c.gid, c.egid, c.sgid, c.fsgid] {
        b.extend_from_slice(&v.to_le_bytes());
    }
    b.extend_from_slice(&c.effective.0.to_le_bytes());
    b.extend_from_slice(&(c.groups.len() as u32).to_le_bytes());
    b.extend_from_slice(&[0; 4]);
    for g in &c.groups {
        if b.len() + 4 > cap.max(HEADER) {
            break;
        }
        b.extend_from_slice(&g.to_le_bytes());
    }
    b.truncate(cap.max(HEADER));
    b
}

/// The credentials a record describes (only what permission checks read: ids,
/// effective capabilities, groups; the other capability sets stay empty). Groups
/// that did not fit are lost: a caller in more than 64 groups may be refused an
/// access one of the missing groups would grant.
pub fn decode(b: &[u8]) -> Creds {
    let w = |i: usize| b.get(i * 4..i * 4 + 4).map_or(0, |s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]));
    let mut c = Creds::with_ids(w(0), w(4));
    (c.euid, c.suid, c.fsuid) = (w(1), w(2), w(3));
    (c.egid, c.sgid, c.fsgid) = (w(5), w(6), w(7));
    c.effective = CapSet(u64::from(w(8)) | u64::from(w(9)) << 32);
    c.permitted = c.effective;
    let n = w(10) as usize;
    c.groups = (0..n).map_while(|i| b.get(HEADER + i * 4..HEADER + i * 4 + 4).map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))).collect();
    c
}

impl Proc {
    /// op::CREDS: the record of process `target` (0: the caller `pid`) into the lent
    /// buffer `buf` of `len` bytes; a0 = the bytes written, or -ESRCH.
    pub(super) fn creds_op(&self, env: &mut dyn Env, pid: Pid, target: u64, buf: u64, len: u64) -> Result<[u64; 2], Fault> {
        let who = if target == 0 { pid } else { target as Pid };
        let Some(c) = self.creds(who) else { return Ok([err(libc::ESRCH), 0]) };
        if (len as usize) < HEADER {
            return Ok([err(libc::EINVAL), 0]);
        }
        let rec = encode(c, len as usize);
        env.write(buf, &rec)?;
        Ok([rec.len() as u64, 0])
    }

    /// op::QUEUE_SIGNAL: a signal the kernel sends (no permission check, as Linux's
    /// mq notification): a1 = process, a2 = signal, a3 = si_code, a4 = si_value,
    /// a5 = si_pid | si_uid << 32. a0 = 0, or -ESRCH / -EINVAL. A negative a1 is a
    /// process group: every live member gets the signal (a file owner's SIGIO).
    pub(super) fn queue_signal_op(&mut self, s: [u64; 6]) -> [u64; 2] {
        let signo = s[1] as u32;
        if !(1..=64).contains(&signo) {
            return [err(libc::EINVAL), 0];
        }
        let targets: Vec<Pid> = match s[0] as i64 {
            t if t < 0 => self.processes.values().filter(|p| p.exit.is_none() && p.pgid == t.unsigned_abs() as Pid).map(|p| p.pid).collect(),
            t => self.processes.get(&(t as Pid)).filter(|p| p.exit.is_none()).map(|p| p.pid).into_iter().collect(),
        };
        if targets.is_empty() {
            return [err(libc::ESRCH), 0];
        }
        for target in targets {
            let info = SigInfo { signo, code: s[2] as i32, pid: s[4] as u32, uid: (s[4] >> 32) as u32, value: s[3] };
            self.send(target, None, info);
        }
        [0, 0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_round_trips_ids_capabilities_and_groups() {
        let mut c = Creds::with_ids(1000, 100);
        (c.euid, c.suid, c.fsuid) = (1001, 1002, 1003);
        (c.egid, c.sgid, c.fsgid) = (101, 102, 103);
        c.groups = vec![5, 6, 7];
        c.effective = CapSet::of(&[crate::creds::cap::IPC_OWNER, crate::creds::cap::MAC_OVERRIDE]);
        let d = decode(&encode(&c, SIZE));
        assert_eq!((d.uid, d.euid, d.suid, d.fsuid, d.gid, d.egid, d.sgid, d.fsgid), (1000, 1001, 1002, 1003, 100, 101, 102, 103));
        assert_eq!(d.groups, vec![5, 6, 7]);
        assert_eq!(d.effective, c.effective, "a capability above bit 31 survives");
        assert!(d.capable(crate::creds::cap::IPC_OWNER));
    }

    #[test]
    fn groups_that_do_not_fit_are_left_out() {
        let mut c = Creds::root();
        c.groups = (0..100).collect();
        let rec = encode(&c, HEADER + 8);
        assert_eq!(rec.len(), HEADER + 8);
        assert_eq!(decode(&rec).groups, vec![0, 1]);
        assert_eq!(decode(&encode(&c, 0)).groups, Vec::<u32>::new(), "a too-small buffer gets the header only");
    }
}
