//! The owner of an open file and the signal it is sent (fcntl F_SETOWN, F_GETOWN,
//! F_SETOWN_EX, F_GETOWN_EX, F_SETSIG, F_GETSIG), and sending it: the I/O signal of
//! an O_ASYNC pipe's reader and a lease's break (`leases`).

use super::abi::{self, o};
use super::wait::Who;
use super::{Backend, Regs, Vfs, fail, val};
use crate::proc::op as proc_op;
use crate::service::{Env, ServiceId};

/// F_OWNER_TID, F_OWNER_PID, F_OWNER_PGRP: who `pid` names.
pub mod kind {
    pub const TID: i32 = 0;
    pub const PID: i32 = 1;
    pub const PGRP: i32 = 2;
}

/// The owner record of one open file (fown_struct): absent until set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Owner {
    /// `kind::*`.
    pub kind: i32,
    /// The thread, process or process group; 0 for none.
    pub pid: i32,
    /// F_SETSIG's signal; 0 for SIGIO.
    pub sig: i32,
}

/// si_code of the I/O signals (POLL_IN, POLL_MSG) and of a plain SIGIO (SI_KERNEL).
pub const POLL_IN: i32 = 1;
pub const POLL_MSG: i32 = 3;
const SI_KERNEL: i32 = 0x80;

/// fcntl's owner and signal commands (what `fcntl` hands to this module).
pub const F_SETOWN: i32 = 8;
pub const F_GETOWN: i32 = 9;
pub const F_SETSIG: i32 = 10;
pub const F_GETSIG: i32 = 11;
pub const F_SETOWN_EX: i32 = 15;
pub const F_GETOWN_EX: i32 = 16;

/// fcntl's owner and signal commands on open file `file`.
pub fn fcntl(v: &mut Vfs, env: &mut dyn Env, who: Who, file: u64, cmd: i32, arg: u64) -> Regs {
    let cur = v.owners.get(&file).copied().unwrap_or_default();
    match cmd {
        // A process group is answered negated (f_getown).
        F_GETOWN => val(if cur.kind == kind::PGRP { -cur.pid } else { cur.pid } as i64 as u64),
        F_SETOWN => {
            let p = arg as i32;
            // -INT_MIN cannot be negated (f_setown).
            if p == i32::MIN {
                return fail(libc::EINVAL);
            }
            let (k, pid) = if p < 0 { (kind::PGRP, -p) } else { (kind::PID, p) };
            v.set_owner(file, Owner { kind: k, pid, ..cur });
            val(0)
        }
        F_GETOWN_EX => {
            let mut b = [0u8; 8];
            abi::put(&mut b, 0, &cur.kind.to_le_bytes());
            abi::put(&mut b, 4, &cur.pid.to_le_bytes());
            env.write(arg, &b)?;
            val(0)
        }
        F_SETOWN_EX => {
            let mut b = [0u8; 8];
            env.read(arg, &mut b)?;
            let (k, pid) = (abi::u32_at(&b, 0) as i32, abi::u32_at(&b, 4) as i32);
            if !(kind::TID..=kind::PGRP).contains(&k) {
                return fail(libc::EINVAL);
            }
            // An owner that does not exist is ESRCH (f_setown_ex's find_vpid).
            if pid != 0 && !v.owner_exists(k, pid) {
                return fail(libc::ESRCH);
            }
            let _ = who;
            v.set_owner(file, Owner { kind: k, pid, ..cur });
            val(0)
        }
        F_GETSIG => val(cur.sig as u64),
        F_SETSIG => {
            if arg > 64 {
                return fail(libc::EINVAL);
            }
            v.set_owner(file, Owner { sig: arg as i32, ..cur });
            val(0)
        }
        _ => fail(libc::EINVAL),
    }
}

impl Vfs {
    fn set_owner(&mut self, file: u64, ow: Owner) {
        if ow == Owner::default() {
            self.owners.remove(&file);
        } else {
            self.owners.insert(file, ow);
        }
    }

    /// Whether a thread, process or process group `pid` is known to the vfs.
    fn owner_exists(&self, k: i32, pid: i32) -> bool {
        match k {
            kind::TID => self.threads.contains_key(&(pid as u32)) || self.tables.contains_key(&(pid as u32)),
            kind::PID => self.tables.contains_key(&(pid as u32)),
            // Process groups are proc's; any number passes here.
            _ => true,
        }
    }

    /// Sends open file `file`'s owner its I/O signal with `code` (send_sigio): the
    /// F_SETSIG signal with a POLL_* code, or SIGIO; nothing without an owner.
    pub(super) fn signal_owner(&mut self, env: &mut dyn Env, file: u64, code: i32) {
        let Some(ow) = self.owners.get(&file).copied().filter(|o| o.pid > 0) else { return };
        let (sig, code) = if ow.sig == 0 { (libc::SIGIO, SI_KERNEL) } else { (ow.sig, code) };
        // A thread's signal goes to its process; a group's to the negated id (proc's
        // QUEUE_SIGNAL sends to every member).
        let target = match ow.kind {
            kind::PGRP => -(ow.pid as i64) as u64,
            kind::TID => self.threads.get(&(ow.pid as u32)).copied().unwrap_or(ow.pid as u32) as u64,
            _ => ow.pid as u64,
        };
        let _ = env.call(ServiceId::Proc, proc_op::QUEUE_SIGNAL, [0, target, sig as u64, code as i64 as u64, 0, 0], &[]);
    }

    /// Data arrived in pipe `p`: its O_ASYNC readers' owners get their signal.
    pub(super) fn pipe_async(&mut self, env: &mut dyn Env, p: u64) {
        if self.owners.is_empty() {
            return;
        }
        let files: Vec<u64> = self.owners.keys().copied().filter(|f| self.files.get(f).is_some_and(|f| f.flags & o::ASYNC != 0 && matches!(f.backend, Backend::PipeRead(q) if q == p))).collect();
        for f in files {
            self.signal_owner(env, f, POLL_IN);
        }
    }
}
