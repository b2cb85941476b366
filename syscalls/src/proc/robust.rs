//! Robust futex lists: set_robust_list and get_robust_list keep and report each
//! thread's list head; ROBUST_LISTS hands the heads to the personality, which walks
//! the lists of a dying thread (or process) and has futex mark the words it held.
//!
//! As on Linux, a new thread and a forked child start with no list (libc registers
//! one), and exec forgets it.

use super::{Pid, Proc};
use crate::creds::{may_ptrace, PtraceCreds};
use crate::service::{err, Env};
use crate::sysno as nr;
use machine::Fault;

/// Size of struct robust_list_head on riscv64 (next, futex_offset, list_op_pending).
pub const HEAD_SIZE: u64 = 24;

/// Size of one ROBUST_LISTS record: (tid, head) as two u64.
pub const RECORD_SIZE: u64 = 16;

impl Proc {
    /// set_robust_list, get_robust_list, THREAD_ALIVE and ROBUST_LISTS; None for
    /// other ops.
    pub(super) fn robust_op(&mut self, env: &mut dyn Env, op: u64, pid: Pid, tid: Pid, s: [u64; 6]) -> Result<Option<[u64; 2]>, Fault> {
        Ok(Some(match op {
            nr::SET_ROBUST_LIST => {
                if s[1] != HEAD_SIZE {
                    return Ok(Some([err(libc::EINVAL), 0]));
                }
                if let Some(t) = self.threads.get_mut(&tid) {
                    t.robust_list = s[0];
                }
                [0, 0]
            }
            nr::GET_ROBUST_LIST => {
                let who = if s[0] == 0 { tid } else { s[0] as Pid };
                let Some(t) = self.threads.get(&who) else { return Ok(Some([err(libc::ESRCH), 0])) };
                let (head, owner) = (t.robust_list, t.pid);
                // Another process's list needs ptrace read access to it.
                if owner != pid {
                    let (Some(me), Some(them)) = (self.creds(pid), self.creds(owner)) else { return Ok(Some([err(libc::ESRCH), 0])) };
                    if let Err(e) = may_ptrace(me, them, false, true, PtraceCreds::Real) {
                        return Ok(Some([err(e), 0]));
                    }
                }
                env.write(s[1], &head.to_le_bytes())?;
                env.write(s[2], &HEAD_SIZE.to_le_bytes())?;
                [0, 0]
            }
            super::op::THREAD_ALIVE => [self.threads.contains_key(&(s[0] as Pid)) as u64, 0],
            super::op::ROBUST_LISTS => {
                let threads: Vec<Pid> = if s[2] == 1 { self.processes.get(&pid).map(|p| p.threads.clone()).unwrap_or_default() } else { vec![tid] };
                let mut n = 0;
                for t in threads {
                    let Some(head) = self.threads.get(&t).map(|x| x.robust_list).filter(|h| *h != 0) else { continue };
                    if n >= s[1] {
                        break;
                    }
                    let mut rec = [0u8; RECORD_SIZE as usize];
                    rec[..8].copy_from_slice(&(t as u64).to_le_bytes());
                    rec[8..].copy_from_slice(&head.to_le_bytes());
                    env.write(s[0] + n * RECORD_SIZE, &rec)?;
                    n += 1;
                }
                [n, 0]
            }
            _ => return Ok(None),
        }))
    }
}
