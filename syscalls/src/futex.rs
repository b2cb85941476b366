//! The futex service: wait queues keyed by (space, address), with bitsets and requeue.

use crate::proc::op as proc_op;
use crate::sched::{key, kind, Wake};
use crate::service::{err, Env, Lend, Service, ServiceId, BLOCK};
use crate::sysno as nr;
use machine::Fault;
use std::any::Any;
use std::collections::{BTreeMap, VecDeque};

/// A waiter: thread id and bitset.
type Waiter = (u32, u32);

/// The futex service.
#[derive(Default)]
pub struct Futex {
    /// Qualified address -> waiters in arrival order.
    queues: BTreeMap<u64, VecDeque<Waiter>>,
}

const FUTEX_WAIT: u64 = 0;
const FUTEX_WAKE: u64 = 1;
const FUTEX_REQUEUE: u64 = 3;
const FUTEX_CMP_REQUEUE: u64 = 4;
const FUTEX_WAIT_BITSET: u64 = 9;
const FUTEX_WAKE_BITSET: u64 = 10;

impl Futex {
    fn cancel(&mut self, tid: u32) {
        for q in self.queues.values_mut() {
            q.retain(|w| w.0 != tid);
        }
        self.queues.retain(|_, q| !q.is_empty());
    }

    fn wake(&mut self, env: &mut dyn Env, uaddr: u64, n: u64, bits: u32) -> u64 {
        let mut woken = Vec::new();
        if let Some(q) = self.queues.get_mut(&uaddr) {
            let mut i = 0;
            while i < q.len() && (woken.len() as u64) < n {
                if q[i].1 & bits != 0 {
                    if let Some(w) = q.remove(i) {
                        woken.push(w.0);
                    }
                } else {
                    i += 1;
                }
            }
        }
        self.queues.retain(|_, q| !q.is_empty());
        for t in &woken {
            let _ = env.call(ServiceId::Proc, proc_op::WAKE_TID, [0, *t as u64, 0, 0, 0, 0], &[]);
        }
        woken.len() as u64
    }
}

impl Service for Futex {
    fn id(&self) -> ServiceId {
        ServiceId::Futex
    }

    fn as_any(&mut self) -> &mut dyn Any {
        self
    }

    fn handle(&mut self, env: &mut dyn Env, op: u64, a: [u64; 6]) -> Result<[u64; 2], Fault> {
        if op != nr::FUTEX {
            return Ok([err(libc::ENOSYS), 0]);
        }
        let caller = a[0];
        let tid = (caller & 0xff_ffff) as u32;
        let wake = Wake::from_code((caller >> 24) & 0xff);
        let (uaddr, fop, val, timeout, uaddr2) = (a[1], a[2] & 0x7f, a[3] as u32, a[4], a[5]);
        Ok(match fop {
            FUTEX_WAIT | FUTEX_WAIT_BITSET => {
                match wake {
                    Some(Wake::Key) => return Ok([0, 0]),
                    Some(Wake::Timeout) => {
                        self.cancel(tid);
                        return Ok([err(libc::ETIMEDOUT), 0]);
                    }
                    Some(Wake::Signal) => {
                        self.cancel(tid);
                        return Ok([err(libc::EINTR), 0]);
                    }
                    _ => {}
                }
                let bits = if fop == FUTEX_WAIT_BITSET { val3_of(&a) } else { u32::MAX };
                if bits == 0 {
                    return Ok([err(libc::EINVAL), 0]);
                }
                let mut b = [0u8; 4];
                env.read(uaddr, &mut b)?;
                if u32::from_le_bytes(b) != val {
                    return Ok([err(libc::EAGAIN), 0]);
                }
                if timeout != 0 {
                    let mut t = [0u8; 16];
                    env.read(timeout, &mut t)?;
                    let s = i64::from_le_bytes(t[0..8].try_into().unwrap_or_default());
                    let ns = i64::from_le_bytes(t[8..16].try_into().unwrap_or_default());
                    if s < 0 || !(0..1_000_000_000).contains(&ns) {
                        return Ok([err(libc::EINVAL), 0]);
                    }
                    let mut rel = s as u128 * 1_000_000_000 + ns as u128;
                    if fop == FUTEX_WAIT_BITSET {
                        // WAIT_BITSET takes an absolute CLOCK_MONOTONIC (or REALTIME) time.
                        let clock = if a[2] & 256 != 0 { libc::CLOCK_REALTIME } else { libc::CLOCK_MONOTONIC };
                        let now = crate::time::now_ns(clock);
                        rel = rel.saturating_sub(now);
                    }
                    let _ = env.call(ServiceId::Proc, proc_op::DEADLINE, [caller & !0xff00_0000, rel.min(u64::MAX as u128 - 1) as u64, 0, 0, 0, 0], &[]);
                }
                self.queues.entry(uaddr).or_default().push_back((tid, bits));
                [BLOCK, key(kind::FUTEX, uaddr)]
            }
            FUTEX_WAKE => [self.wake(env, uaddr, val as u64, u32::MAX), 0],
            FUTEX_WAKE_BITSET => [self.wake(env, uaddr, val as u64, val3_of(&a)), 0],
            FUTEX_REQUEUE | FUTEX_CMP_REQUEUE => {
                if fop == FUTEX_CMP_REQUEUE {
                    let mut b = [0u8; 4];
                    env.read(uaddr, &mut b)?;
                    // val3 is the 6th syscall argument, which the personality passes in a[6]
                    // position; for CMP_REQUEUE we compare against the word read.
                    if u32::from_le_bytes(b) != val3_of(&a) {
                        return Ok([err(libc::EAGAIN), 0]);
                    }
                }
                let woken = self.wake(env, uaddr, val as u64, u32::MAX);
                let limit = timeout; // val2 travels in the timeout slot
                let mut moved = 0u64;
                if let Some(mut q) = self.queues.remove(&uaddr) {
                    let mut rest = VecDeque::new();
                    while let Some(w) = q.pop_front() {
                        if moved < limit {
                            self.queues.entry(uaddr2).or_default().push_back(w);
                            moved += 1;
                        } else {
                            rest.push_back(w);
                        }
                    }
                    if !rest.is_empty() {
                        self.queues.insert(uaddr, rest);
                    }
                }
                [woken + moved, 0]
            }
            _ => [err(libc::ENOSYS), 0],
        })
    }
}

/// val3 of a futex call: the personality passes the six syscall arguments after the
/// caller word, so val3 (the sixth) is not in the array; it is folded into the top
/// bits of the caller word's unused half by the personality.
pub fn val3_of(a: &[u64; 6]) -> u32 {
    (a[0] >> 32) as u32
}

/// Lends of futex: the words it reads (4 bytes each) and the timeout.
pub fn lends(a: &[u64; 6]) -> Vec<Lend> {
    let fop = a[1] & 0x7f;
    let mut v = vec![Lend::read(a[0], 4)];
    if (fop == FUTEX_WAIT || fop == FUTEX_WAIT_BITSET) && a[3] != 0 {
        v.push(Lend::read(a[3], 16));
    }
    v
}
