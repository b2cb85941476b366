//! proc's one dispatch: the service entry (`Service::handle`) and the match that
//! sends each op and syscall to its handler module, publishing what linux reads after
//! every call.

use super::*;

impl Template for Proc {
    const ID: ServiceId = ServiceId::Proc;
    const CALLEES: &'static [ServiceId] = &[ServiceId::Mm, ServiceId::Vfs, ServiceId::Supervisor];
    const AUTHORITY: u8 = machine::host::authority::HARTS;
}

impl Service for Proc {
    fn id(&self) -> ServiceId {
        ServiceId::Proc
    }

    fn as_any(&mut self) -> &mut dyn Any {
        self
    }

    fn handle(&mut self, env: &mut dyn Env, op: u64, a: [u64; 6]) -> Result<[u64; 2], Fault> {
        let r = self.op(env, op, a);
        // Whatever the call changed, linux sees before its next syscall.
        self.publish(env);
        r
    }
}

impl Proc {
    fn op(&mut self, env: &mut dyn Env, op: u64, a: [u64; 6]) -> Result<[u64; 2], Fault> {
        // a[0] of every op is the caller as pid<<32|wake<<24|tid; the arguments follow.
        let (pid, tid) = Self::caller(a[0]);
        let wake = Self::wake_of(a[0]);
        let s = [a[1], a[2], a[3], a[4], a[5], 0];
        if let Some(r) = lifecycle::handle(self, env, op, a) {
            return Ok(r);
        }
        if let Some(r) = self.hostexec_op(op, pid, s) {
            return Ok(r);
        }
        if let Some(r) = self.signal_op(env, op, pid, tid, wake, s)? {
            return Ok(r);
        }
        if let Some(r) = self.ids_op(env, op, pid, s)? {
            return Ok(r);
        }
        if let Some(r) = self.robust_op(env, op, pid, tid, s)? {
            return Ok(r);
        }
        if let Some(r) = self.uts_op(env, op, pid, s)? {
            return Ok(r);
        }
        if let Some(r) = self.rseq_op(env, op, tid, s)? {
            return Ok(r);
        }
        if let Some(r) = self.admin_op(env, op, a[0] & !0xff00_0000, pid, tid, wake, s)? {
            return Ok(r);
        }
        if let Some(r) = self.ioprio_op(op, pid, tid, s).or_else(|| self.unshare_op(op, pid, s)) {
            return Ok(r);
        }
        Ok(match op {
            op::ENTER => self.enter(a[0] as HartId, a[1] == 1),
            op::BLOCK => self.block(tid, a[1], a[2], a[3] as i64, a[4] as i16),
            op::BLOCK_ALSO => {
                if let Some(t) = self.threads.get_mut(&tid) {
                    if a[1] != 0 {
                        t.also.keys.push(a[1]);
                    }
                    if a[3] != 0 {
                        t.also.host_fds.push((a[2] as i32, a[3] as i16));
                    }
                }
                [0, 0]
            }
            op::DEADLINE => {
                if let Some(t) = self.threads.get_mut(&tid) {
                    if t.deadline.is_none() {
                        t.deadline = crate::clock::now().checked_add(std::time::Duration::from_nanos(a[1]));
                    }
                }
                [0, 0]
            }
            op::DEADLINE_LEFT => {
                let left = self.threads.get(&tid).and_then(|t| t.deadline).map_or(u64::MAX, |d| {
                    d.saturating_duration_since(crate::clock::now()).as_nanos().min(u64::MAX as u128 - 1) as u64
                });
                [left, 0]
            }
            op::WAKE => [self.wake_key(a[1]), 0],
            op::WAKE_TID => [self.wake_thread(a[1] as Pid, Wake::Key) as u64, 0],
            op::INTERRUPT => {
                self.wake_thread(tid, Wake::Signal);
                [0, 0]
            }
            op::COMM => {
                let t = if a[1] == 0 { tid } else { a[1] as Pid };
                let Some(th) = self.threads.get_mut(&t).filter(|th| th.pid == pid) else { return Ok([err(libc::ESRCH), 0]) };
                if a[3] == 1 {
                    let mut b = [0u8; 16];
                    env.read(a[2], &mut b)?;
                    let n = b.iter().position(|c| *c == 0).unwrap_or(16).min(15);
                    th.comm = [0; 16];
                    th.comm[..n].copy_from_slice(&b[..n]);
                } else {
                    let c = th.comm;
                    env.write(a[2], &c)?;
                }
                [0, 0]
            }
            op::PDEATHSIG => match self.processes.get_mut(&pid) {
                Some(p) => {
                    let old = p.pdeath_signal;
                    if a[1] == 1 {
                        p.pdeath_signal = a[2] as u32;
                    }
                    [old as u64, 0]
                }
                None => [err(libc::ESRCH), 0],
            },
            op::RLIMIT => match self.processes.get(&pid).and_then(|p| p.rlimits.get(a[1] as usize)) {
                Some(&(soft, hard)) => [soft, hard],
                None => [err(libc::EINVAL), 0],
            },
            op::CREDS => return self.creds_op(env, pid, a[1], a[2], a[3]),
            op::QUEUE_SIGNAL => self.queue_signal_op(s),
            op::CPU_TIME => match self.cpu_time(env.machine(), pid, tid, a[1], a[2]) {
                Some(t) => [t.user, t.sys],
                None => [err(libc::EINVAL), 0],
            },
            op::MAY_ACCESS => {
                let target = a[1] as Pid;
                match (self.processes.get(&pid), self.processes.get(&target).filter(|p| p.exit.is_none())) {
                    (Some(me), Some(t)) => {
                        let ok = pid == target || crate::creds::may_ptrace(&me.creds, &t.creds, false, true, crate::creds::PtraceCreds::Real).is_ok();
                        [if ok { 0 } else { err(libc::EPERM) }, 0]
                    }
                    _ => [err(libc::ESRCH), 0],
                }
            }
            op::OOM_ADJ => match a[2] {
                0 => [self.oom_adj(pid, a[1] as Pid, None), 0],
                1 => [self.oom_adj(pid, a[1] as Pid, Some(a[3] as i64)), 0],
                _ => [self.oom_adj_may_write(pid, a[1] as Pid), 0],
            },
            op::OOM_SCORE => [self.oom_score(env.machine(), a[1] as Pid), 0],
            op::SCHED_TARGET => [self.sched_target(pid, a[1] as Pid, a[2] == 1), 0],
            op::CAPBSET => [self.capbset(pid, a[1], a[2]), 0],
            op::THREAD_STATE => [self.thread_state(a[1] as Pid), 0],
            op::OOM_KILL => [self.oom_kill(env.machine()), 0],
            op::CAPABLE => [self.creds(pid).is_some_and(|c| c.capable(a[1] as u32)) as u64, 0],
            op::CHILDREN_MAXRSS => [self.processes.get(&pid).map_or(0, |p| p.children_maxrss_kb), 0],
            op::FINISH => {
                if let Some(t) = self.threads.get_mut(&tid) {
                    t.deadline = None;
                }
                [0, 0]
            }
            nr::GETPID => [pid as u64, 0],
            nr::GETTID => [tid as u64, 0],
            nr::GETPPID => [self.processes.get(&pid).map_or(0, |p| p.ppid) as u64, 0],
            nr::GETPGID | nr::SETPGID | nr::GETSID | nr::SETSID => self.session(op, pid, s),
            nr::SET_TID_ADDRESS => {
                if let Some(t) = self.threads.get_mut(&tid) {
                    t.clear_child_tid = s[0];
                }
                [tid as u64, 0]
            }
            nr::WAIT4 => return self.wait4(env, pid, s),
            nr::WAITID => return self.waitid(env, pid, s),
            nr::SETITIMER | nr::GETITIMER => return self.itimer(env, pid, op, s),
            nr::KCMP => [self.kcmp(env, a[0] & !0xff00_0000, pid, s), 0],
            nr::PIDFD_OPEN | nr::PIDFD_SEND_SIGNAL | nr::PIDFD_GETFD => return self.pidfd(env, a[0] & !0xff00_0000, pid, op, s),
            nr::TIMER_CREATE | nr::TIMER_SETTIME | nr::TIMER_GETTIME | nr::TIMER_GETOVERRUN | nr::TIMER_DELETE => return self.ptimer(env, pid, tid, op, s),
            nr::PRLIMIT64 | nr::GETRLIMIT | nr::SETRLIMIT => return self.rlimit(env, pid, op, s),
            nr::PERSONALITY => match self.processes.get_mut(&pid) {
                Some(p) => {
                    // 0xffffffff asks without changing it.
                    let old = p.persona;
                    if s[0] as u32 != 0xffff_ffff {
                        p.persona = s[0] as u32;
                    }
                    [old as u64, 0]
                }
                None => [err(libc::ESRCH), 0],
            },
            nr::UMASK => match self.processes.get_mut(&pid) {
                Some(p) => {
                    let old = p.umask;
                    p.umask = s[0] as u32 & 0o777;
                    [old as u64, 0]
                }
                None => [err(libc::ESRCH), 0],
            },
            _ => [err(libc::ENOSYS), 0],
        })
    }
}
