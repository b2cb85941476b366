//! The system administration calls a guest may make of its "kernel": syslog (an
//! empty kernel log), vhangup, reboot (as in a container: the guest ends), and
//! process_mrelease; each with Linux's capability and argument checks.
//!
//! reboot: grantix is to its guest what a pid namespace is to a container, so the
//! commands act as `reboot_pid_ns` makes them act there: the namespace ends, its init
//! reported killed by SIGHUP (RESTART, RESTART2) or SIGINT (HALT, POWER_OFF), and the
//! caller ends. init is kernel-held (`init`) and the run's status is the first
//! program's, so that is the one killed (SIGKILL) and reported killed by the
//! signal: the run's exit status is 129 or 130. CAD_ON and CAD_OFF are accepted and kept (no keyboard ever sends
//! Ctrl-Alt-Del); KEXEC, SW_SUSPEND and unknown commands are EINVAL.

use super::{block, signal_key, Pid, Proc};
use crate::creds::cap;
use crate::sched::Wake;
use crate::service::{err, Env};
use crate::sigqueue::{code, sig, sigbit, SigInfo};
use crate::sysno as nr;
use machine::Fault;

/// LINUX_REBOOT_MAGIC1 and the four MAGIC2 values reboot accepts.
const MAGIC1: u64 = 0xfee1_dead;
const MAGIC2: [u64; 4] = [672274793, 85072278, 369367448, 537993216];
pub mod cmd {
    pub const RESTART: u32 = 0x0123_4567;
    pub const HALT: u32 = 0xCDEF_0123;
    pub const CAD_ON: u32 = 0x89AB_CDEF;
    pub const CAD_OFF: u32 = 0;
    pub const POWER_OFF: u32 = 0x4321_FEDC;
    pub const RESTART2: u32 = 0xA1B2_C3D4;
}

/// The kernel log buffer's size (SYSLOG_ACTION_SIZE_BUFFER: 1 << CONFIG_LOG_BUF_SHIFT).
pub const LOG_BUF_LEN: u64 = 1 << 17;

/// syslog(2)'s actions.
mod action {
    pub const READ: u64 = 2;
    pub const READ_ALL: u64 = 3;
    pub const READ_CLEAR: u64 = 4;
    pub const CONSOLE_LEVEL: u64 = 8;
    pub const SIZE_BUFFER: u64 = 10;
}

/// What the guest set that has no effect on the host: the console log level and the
/// Ctrl-Alt-Del setting.
#[derive(Clone, Copy, Debug, Default)]
pub struct AdminState {
    pub console_level: u32,
    pub cad: bool,
    /// The signal the first program (whose status stands for the namespace's init's)
    /// is reported killed by after a reboot command (0: none).
    pub reboot_signal: u8,
}

impl Proc {
    /// syslog, vhangup, reboot and process_mrelease; None if `op` is not one of them.
    /// reboot's a1 is 1 when the caller must end now (the personality ends it).
    pub(super) fn admin_op(&mut self, env: &mut dyn Env, op: u64, word: u64, pid: Pid, tid: Pid, wake: Option<Wake>, s: [u64; 6]) -> Result<Option<[u64; 2]>, Fault> {
        let capable = |p: &Proc, c: u32| p.creds(pid).is_some_and(|cr| cr.capable(c));
        let e = |n: i32| Ok(Some([err(n), 0]));
        Ok(Some(match op {
            nr::SYSLOG => {
                let (kind, buf, len) = (s[0] as u32 as i32 as i64 as u64, s[1], s[2] as u32 as i32);
                // dmesg_restrict = 0: anyone may READ_ALL and SIZE_BUFFER; the rest
                // needs CAP_SYSLOG (or, historically, CAP_SYS_ADMIN).
                let open = matches!(kind, action::READ_ALL | action::SIZE_BUFFER);
                if !open && !capable(self, cap::SYSLOG) && !capable(self, cap::SYS_ADMIN) {
                    return e(libc::EPERM);
                }
                match kind {
                    0 | 1 | 5 | 6 | 7 => [0, 0],
                    action::READ | action::READ_ALL | action::READ_CLEAR => {
                        if buf == 0 || len < 0 {
                            return e(libc::EINVAL);
                        }
                        if len == 0 || kind != action::READ {
                            // The log is empty: nothing to copy.
                            [0, 0]
                        } else if wake == Some(Wake::Signal) {
                            [err(libc::EINTR), 0]
                        } else {
                            // READ waits until the log has something: nothing ever
                            // comes, so only a signal ends the wait.
                            block(signal_key(tid))
                        }
                    }
                    action::CONSOLE_LEVEL => {
                        if !(1..=8).contains(&len) {
                            return e(libc::EINVAL);
                        }
                        self.admin.console_level = len as u32;
                        [0, 0]
                    }
                    // SIZE_UNREAD: nothing unread.
                    9 => [0, 0],
                    action::SIZE_BUFFER => [LOG_BUF_LEN, 0],
                    _ => return e(libc::EINVAL),
                }
            }
            nr::VHANGUP => {
                // With CAP_SYS_TTY_CONFIG Linux hangs up the caller's terminal; the
                // guest's console is the host's, which grantix leaves alone.
                if !capable(self, cap::SYS_TTY_CONFIG) {
                    return e(libc::EPERM);
                }
                [0, 0]
            }
            nr::REBOOT => {
                if !capable(self, cap::SYS_BOOT) {
                    return e(libc::EPERM);
                }
                if s[0] as u32 as u64 != MAGIC1 || !MAGIC2.contains(&(s[1] as u32 as u64)) {
                    return e(libc::EINVAL);
                }
                let signal = match s[2] as u32 {
                    cmd::CAD_ON | cmd::CAD_OFF => {
                        self.admin.cad = s[2] as u32 == cmd::CAD_ON;
                        return Ok(Some([0, 0]));
                    }
                    cmd::RESTART | cmd::RESTART2 => libc::SIGHUP,
                    cmd::HALT | cmd::POWER_OFF => libc::SIGINT,
                    _ => return e(libc::EINVAL),
                };
                self.admin.reboot_signal = signal as u8;
                let first = self.first_pid;
                self.send(first, None, SigInfo::from(sig::SIGKILL, code::SI_KERNEL, 0));
                [0, 1]
            }
            nr::PROCESS_MRELEASE => {
                if s[1] != 0 {
                    return e(libc::EINVAL);
                }
                let target = match super::pidfd::pidfd_target(env, word, s[0]) {
                    Ok(t) => t,
                    Err(v) => return Ok(Some([v, 0])),
                };
                match self.processes.get(&target) {
                    // Its memory is already gone.
                    None => [err(libc::ESRCH), 0],
                    Some(p) if p.exit.is_some() => [err(libc::ESRCH), 0],
                    // Dying (a SIGKILL is on its way): its memory goes when it ends,
                    // which is as soon as it runs; nothing is left to reap early.
                    Some(p) if p.pending.set & sigbit(sig::SIGKILL) != 0 => [0, 0],
                    // Not exiting: Linux refuses to reap a live process.
                    Some(_) => [err(libc::EINVAL), 0],
                }
            }
            _ => return Ok(None),
        }))
    }
}
