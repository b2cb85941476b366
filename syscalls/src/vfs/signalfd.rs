//! signalfd: a descriptor that reads the caller's pending signals of a mask as
//! `struct signalfd_siginfo` records, and polls readable while one is pending.
//!
//! proc owns the pending queues: a read takes each signal with rt_sigtimedwait under
//! the descriptor's mask (a zero timeout; for a read that must wait, none, which parks
//! the thread on proc's signal key until a signal of the mask arrives). The arguments
//! and the siginfo travel through the vfs's scratch memory, lent to proc for the call.

use super::abi::{ev, o};
use super::fs::tri;
use super::io::Stop;
use super::wait::{WaitSet, Who};
use super::{Backend, Regs, Vfs, fail, val};
use crate::sched::Wake;
use crate::service::{BLOCK, Env, Lend, ServiceId, err, is_err};
use crate::sysno as nr;
use machine::addr;

/// Size of `struct signalfd_siginfo`.
pub const RECORD: usize = 128;
/// SIGKILL and SIGSTOP, which no signalfd takes.
const UNBLOCKABLE: u64 = 1 << (9 - 1) | 1 << (19 - 1);
/// How often a poll waiting on a signalfd looks again (a blocked signal's arrival
/// does not wake the vfs).
const RECHECK: std::time::Duration = std::time::Duration::from_millis(10);

/// Scratch layout: the mask, the zero timeout, the siginfo.
const MASK_AT: u64 = 0;
const TS_AT: u64 = 16;
const INFO_AT: u64 = 64;

/// signalfd4(fd, mask*, sizemask, flags): a new signalfd (fd -1) or a new mask for one.
pub fn signalfd4(v: &mut Vfs, env: &mut dyn Env, who: Who, s: [u64; 5]) -> Regs {
    let (fd, maskp, size, flags) = (s[0] as i32, s[1], s[2], s[3] as i32);
    if size != 8 {
        return fail(libc::EINVAL);
    }
    let mut b = [0u8; 8];
    env.read(maskp, &mut b)?;
    if flags & !(o::CLOEXEC | o::NONBLOCK) != 0 {
        return fail(libc::EINVAL);
    }
    let mask = u64::from_le_bytes(b) & !UNBLOCKABLE;
    if fd == -1 {
        let id = v.new_file(Backend::Signal(mask), o::RDWR | (flags & o::NONBLOCK), "anon_inode:[signalfd]".into());
        return val(v.install_new(env, who.pid, id, flags & o::CLOEXEC != 0));
    }
    let (id, _) = tri!(v.get(who.pid, fd));
    match v.files.get_mut(&id).map(|f| &mut f.backend) {
        Some(Backend::Signal(m)) => *m = mask,
        _ => return fail(libc::EINVAL),
    }
    val(fd as u32 as u64)
}

/// Takes one pending signal of `mask` from proc: Ok(Some(siginfo)), Ok(None) if there
/// is none, or (`wait`) the registers of a call parked until one comes.
fn take(env: &mut dyn Env, who: Who, mask: u64, wait: bool) -> Result<Result<Option<[u8; 128]>, [u64; 2]>, Stop> {
    let me = env.me();
    let base = addr::qualified(me, super::SCRATCH);
    if env.machine().mem.check_only(me, me, super::SCRATCH, 256, machine::Access::Write, base).is_err() {
        return Err(Stop::Err(libc::EIO));
    }
    env.write(base + MASK_AT, &mask.to_le_bytes())?;
    env.write(base + TS_AT, &[0u8; 16])?;
    let ts = if wait { 0 } else { base + TS_AT };
    let mut lends = vec![Lend::read(base + MASK_AT, 8), Lend::write(base + INFO_AT, RECORD as u64)];
    if !wait {
        lends.push(Lend::read(base + TS_AT, 16));
    }
    let r = match env.call(ServiceId::Proc, nr::RT_SIGTIMEDWAIT, [who.word, base + MASK_AT, base + INFO_AT, ts, 8, 0], &lends) {
        Ok(r) => r,
        Err(_) => return Err(Stop::Err(libc::EIO)),
    };
    if r[0] == BLOCK {
        return Ok(Err(r));
    }
    if r[0] == err(libc::EAGAIN) {
        return Ok(Ok(None));
    }
    if is_err(r[0]) {
        return Err(Stop::Err(-(r[0] as i64) as i32));
    }
    let mut info = [0u8; 128];
    env.read(base + INFO_AT, &mut info)?;
    Ok(Ok(Some(info)))
}

/// A `siginfo_t` as a `struct signalfd_siginfo`.
pub fn record(si: &[u8; 128]) -> [u8; RECORD] {
    let u32_at = |o: usize| u32::from_le_bytes([si[o], si[o + 1], si[o + 2], si[o + 3]]);
    let (signo, code) = (u32_at(0), u32_at(8) as i32);
    let mut r = [0u8; RECORD];
    r[0..4].copy_from_slice(&signo.to_le_bytes());
    r[4..8].copy_from_slice(&si[4..8]);
    r[8..12].copy_from_slice(&si[8..12]);
    let fault = code > 0 && matches!(signo, 4 | 5 | 7 | 8 | 11);
    if fault {
        r[72..80].copy_from_slice(&si[16..24]);
        return r;
    }
    r[12..16].copy_from_slice(&si[16..20]);
    r[16..20].copy_from_slice(&si[20..24]);
    if signo == 17 && code > 0 {
        r[40..44].copy_from_slice(&si[24..28]);
    } else {
        r[44..48].copy_from_slice(&si[24..28]);
        r[48..56].copy_from_slice(&si[24..32]);
    }
    r
}

/// read: as many records as fit in `len` (EINVAL below one); the first may wait.
pub fn read(v: &mut Vfs, env: &mut dyn Env, who: Who, id: u64, len: usize) -> Result<Vec<u8>, Stop> {
    let Some(f) = v.files.get(&id) else { return Err(Stop::Err(libc::EBADF)) };
    let (mask, nonblock) = match f.backend {
        Backend::Signal(m) => (m, f.flags & o::NONBLOCK != 0),
        _ => return Err(Stop::Err(libc::EINVAL)),
    };
    if len < RECORD {
        return Err(Stop::Err(libc::EINVAL));
    }
    let mut out = Vec::new();
    while out.len() + RECORD <= len {
        match take(env, who, mask, false)? {
            Ok(Some(si)) => out.extend(record(&si)),
            _ => break,
        }
    }
    if !out.is_empty() {
        return Ok(out);
    }
    if nonblock {
        return Err(Stop::Err(libc::EAGAIN));
    }
    if who.wake == Some(Wake::Signal) {
        return Err(Stop::Err(libc::EINTR));
    }
    match take(env, who, mask, true)? {
        Ok(Some(si)) => Ok(record(&si).to_vec()),
        Ok(None) => Err(Stop::Err(libc::EAGAIN)),
        Err(regs) => Err(Stop::Block(regs)),
    }
}

impl Vfs {
    /// Poll events of a signalfd with `mask`, from the pending set noted at the start
    /// of the poll call (`note_pending`); while none, look again soon.
    pub(super) fn signal_events(&self, mask: u64, set: &mut WaitSet) -> u32 {
        if self.sig_pending & mask != 0 {
            return ev::IN | ev::RDNORM;
        }
        set.at(crate::clock::now() + RECHECK);
        0
    }

    /// Before a poll-family call: the caller's pending signals, if it has a signalfd.
    pub(super) fn note_pending(&mut self, env: &mut dyn Env, who: Who) {
        self.sig_pending = 0;
        let has = self.tables.get(&who.pid).is_some_and(|t| t.fds.values().any(|(f, _)| matches!(self.files.get(f).map(|f| &f.backend), Some(Backend::Signal(_)))));
        if !has {
            return;
        }
        let me = env.me();
        let base = addr::qualified(me, super::SCRATCH);
        if let Ok([0, _]) = env.call(ServiceId::Proc, nr::RT_SIGPENDING, [who.word, base, 8, 0, 0, 0], &[Lend::write(base, 8)]) {
            let mut b = [0u8; 8];
            if env.read(base, &mut b).is_ok() {
                self.sig_pending = u64::from_le_bytes(b);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn siginfo_becomes_a_signalfd_record() {
        let mut si = [0u8; 128];
        si[0..4].copy_from_slice(&34u32.to_le_bytes());
        si[8..12].copy_from_slice(&(-1i32).to_le_bytes()); // SI_QUEUE
        si[16..20].copy_from_slice(&100u32.to_le_bytes());
        si[20..24].copy_from_slice(&1000u32.to_le_bytes());
        si[24..32].copy_from_slice(&70u64.to_le_bytes());
        let r = record(&si);
        let at = |o: usize| u32::from_le_bytes([r[o], r[o + 1], r[o + 2], r[o + 3]]);
        assert_eq!((at(0), at(8) as i32, at(12), at(16), at(44)), (34, -1, 100, 1000, 70));
        assert_eq!(u64::from_le_bytes(r[48..56].try_into().unwrap()), 70);
    }
}
