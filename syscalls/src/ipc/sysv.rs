//! The System V IPC syscalls (msgget/msgsnd/msgrcv/msgctl, semget/semop/semtimedop/
//! semctl, shmget/shmat/shmdt/shmctl): arguments copied in and out of the caller's
//! lent memory, the state machines of `msg`, `sem` and `shm` in between, mm for the
//! mappings of shared memory.
//!
//! The *_STAT and *_STAT_ANY commands take a table index (a slot), not an id, and
//! return the object's id; *_STAT_ANY skips the read permission check.
//!
//! SHM_HUGETLB is EINVAL for a new segment: there are no huge page sizes.

use super::abi;
use super::msg::MSGMAX;
use super::registry::{IPC_INFO, IPC_RMID, IPC_SET, IPC_STAT};
use super::sem::{self, SEMMSL, SEMOPM};
use super::caller::{creds, fail, now, stopped, timed, timespec_ns, val, wake, Regs, Who};
use super::namespace::Ipc;
use super::shm::{SHMMAX, SHMMIN, SHMMNI};
use crate::mm::op as mm_op;
use crate::service::{err, is_err, Env, ServiceId};
use crate::sysno as nr;

/// The version bit libcs add to *ctl commands (Linux ignores it on 64-bit).
pub const IPC_64: i32 = 0x100;

/// Commands besides IPC_*: msgctl's, semctl's, shmctl's.
pub mod cmd {
    pub const MSG_STAT: i32 = 11;
    pub const MSG_INFO: i32 = 12;
    pub const MSG_STAT_ANY: i32 = 13;
    pub const GETPID: i32 = 11;
    pub const GETVAL: i32 = 12;
    pub const GETALL: i32 = 13;
    pub const GETNCNT: i32 = 14;
    pub const GETZCNT: i32 = 15;
    pub const SETVAL: i32 = 16;
    pub const SETALL: i32 = 17;
    pub const SEM_STAT: i32 = 18;
    pub const SEM_INFO: i32 = 19;
    pub const SEM_STAT_ANY: i32 = 20;
    pub const SHM_LOCK: i32 = 11;
    pub const SHM_UNLOCK: i32 = 12;
    pub const SHM_STAT: i32 = 13;
    pub const SHM_INFO: i32 = 14;
    pub const SHM_STAT_ANY: i32 = 15;
}

/// Sizes of the *_INFO structures: struct msginfo, seminfo, shminfo64, shm_info.
pub const MSGINFO_SIZE: u64 = 32;
pub const SEMINFO_SIZE: u64 = 40;
pub const SHMINFO_SIZE: u64 = 72;
pub const SHM_INFO_SIZE: u64 = 48;

/// Reads `n` lent bytes at `p` (EFAULT where the lend fell short).
fn read(env: &mut dyn Env, p: u64, n: usize) -> Result<Vec<u8>, i32> {
    let mut b = vec![0u8; n];
    env.read(p, &mut b).map_err(|_| libc::EFAULT)?;
    Ok(b)
}

/// Writes `b` to lent memory at `p`.
fn write(env: &mut dyn Env, p: u64, b: &[u8]) -> Result<(), i32> {
    env.write(p, b).map_err(|_| libc::EFAULT)
}

/// i32 fields as little-endian bytes.
fn ints(v: &[i64]) -> Vec<u8> {
    v.iter().flat_map(|x| (*x as i32).to_le_bytes()).collect()
}

/// The credentials a *_STAT command checks read permission with: the caller's, or
/// for *_STAT_ANY (no check) root's.
fn stat_creds(c: &crate::creds::Creds, any: bool) -> crate::creds::Creds {
    if any {
        crate::creds::Creds::root()
    } else {
        c.clone()
    }
}

fn ok_or<T>(r: Result<T, i32>, f: impl FnOnce(T) -> Regs) -> Regs {
    match r {
        Ok(v) => f(v),
        Err(e) => fail(e),
    }
}

/// msgget, msgsnd, msgrcv, msgctl.
pub fn msg(ipc: &mut Ipc, env: &mut dyn Env, who: &mut Who, n: u64, s: [u64; 5]) -> Regs {
    let c = match creds(env, who) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let pid = who.pid as i32;
    match n {
        nr::MSGGET => ok_or(ipc.msg.msgget(s[0] as i32, s[1] as i32, &c, now()), |id| val(id as u64)),
        nr::MSGSND => {
            let (id, p, size, flags) = (s[0] as i32, s[1], s[2] as i64, s[3] as i32);
            if !(0..=MSGMAX as i64).contains(&size) || id < 0 {
                return fail(libc::EINVAL);
            }
            let b = match read(env, p, 8 + size as usize) {
                Ok(b) => b,
                Err(e) => return fail(e),
            };
            let mtype = abi::msg_type(&b);
            match ipc.msg.msgsnd(id, mtype, &b[8..], flags, &c, pid, now(), who.attempt) {
                Ok(keys) => {
                    wake(env, &keys);
                    val(0)
                }
                Err(s) => stopped(s),
            }
        }
        nr::MSGRCV => {
            let (id, p, size, mtype, flags) = (s[0] as i32, s[1], s[2] as i64, s[3] as i64, s[4] as i32);
            if size < 0 || id < 0 {
                return fail(libc::EINVAL);
            }
            match ipc.msg.msgrcv(id, size, mtype, flags, &c, pid, now(), who.attempt) {
                Ok((m, keys)) => {
                    let mut out = m.mtype.to_le_bytes().to_vec();
                    out.extend_from_slice(&m.text);
                    // The message is taken: Linux puts it back on EFAULT; here the
                    // lend covered the buffer as far as it was mapped.
                    if let Err(e) = write(env, p, &out) {
                        return fail(e);
                    }
                    wake(env, &keys);
                    val(m.text.len() as u64)
                }
                Err(s) => stopped(s),
            }
        }
        nr::MSGCTL => {
            let (id, cmd, buf) = (s[0] as i32, (s[1] as i32) & !IPC_64, s[2]);
            match cmd {
                IPC_STAT => ok_or(ipc.msg.stat(id, &c), |st| ok_or(write(env, buf, &abi::msqid_ds(&st, id)), |_| val(0))),
                cmd::MSG_STAT | cmd::MSG_STAT_ANY => ok_or(ipc.msg.reg.id_at(id), |full| {
                    let c = stat_creds(&c, cmd == cmd::MSG_STAT_ANY);
                    ok_or(ipc.msg.stat(full, &c), |st| ok_or(write(env, buf, &abi::msqid_ds(&st, full)), |_| val(full as u64)))
                }),
                IPC_SET => {
                    let b = match read(env, buf, abi::MSQID_DS_SIZE) {
                        Ok(b) => b,
                        Err(e) => return fail(e),
                    };
                    let (perm, qbytes) = abi::msqid_set(&b);
                    ok_or(ipc.msg.set(id, &c, perm, qbytes, now()), |keys| {
                        wake(env, &keys);
                        val(0)
                    })
                }
                IPC_RMID => ok_or(ipc.msg.remove(id, &c), |keys| {
                    wake(env, &keys);
                    val(0)
                }),
                IPC_INFO | cmd::MSG_INFO => {
                    let (queues, max, msgs, bytes) = ipc.msg.info();
                    let (pool, map, tql) = if cmd == IPC_INFO { (32000 * 16384 / 1024, 16384, 8192) } else { (queues as i64, msgs as i64, bytes as i64) };
                    // msgpool, msgmap, msgmax, msgmnb, msgmni, msgssz, msgtql, msgseg.
                    let mut b = ints(&[pool, map, MSGMAX as i64, 16384, ipc.msg.reg.limit as i64, 16, tql]);
                    b.extend_from_slice(&0xffffu16.to_le_bytes());
                    b.resize(MSGINFO_SIZE as usize, 0);
                    ok_or(write(env, buf, &b), |_| val(max.max(0) as u64))
                }
                _ => fail(libc::EINVAL),
            }
        }
        _ => fail(libc::ENOSYS),
    }
}

/// semget, semop, semtimedop, semctl.
pub fn sem(ipc: &mut Ipc, env: &mut dyn Env, who: &mut Who, n: u64, s: [u64; 5]) -> Regs {
    let c = match creds(env, who) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let pid = who.pid as i32;
    match n {
        nr::SEMGET => ok_or(ipc.sem.semget(s[0] as i32, s[1] as i32, s[2] as i32, &c, now()), |id| val(id as u64)),
        nr::SEMOP | nr::SEMTIMEDOP => {
            let (id, p, nsops) = (s[0] as i32, s[1], s[2]);
            if nsops < 1 || id < 0 {
                return fail(libc::EINVAL);
            }
            if nsops > SEMOPM as u64 {
                return fail(libc::E2BIG);
            }
            let raw = match read(env, p, nsops as usize * abi::SEMBUF_SIZE) {
                Ok(b) => b,
                Err(e) => return fail(e),
            };
            let mut timeout = None;
            if n == nr::SEMTIMEDOP && s[3] != 0 {
                let mut t = [0u8; 16];
                if env.read(s[3], &mut t).is_err() {
                    return fail(libc::EFAULT);
                }
                match timespec_ns(&t) {
                    Ok(ns) => timeout = Some(ns),
                    Err(e) => return fail(e),
                }
            }
            let sops = abi::sembufs(&raw);
            let t = now();
            match timed(env, who, timeout, |w| ipc.sem.semop(id, &sops, &c, sem::Caller { pid, tid: w.tid as i32 }, t, w.attempt)) {
                Ok(keys) => {
                    wake(env, &keys);
                    val(0)
                }
                Err(s) => stopped(s),
            }
        }
        nr::SEMCTL => semctl(ipc, env, &c, pid, s),
        _ => fail(libc::ENOSYS),
    }
}

fn semctl(ipc: &mut Ipc, env: &mut dyn Env, c: &crate::creds::Creds, pid: i32, s: [u64; 5]) -> Regs {
    let (id, num, cmd, arg) = (s[0] as i32, s[1] as i32, (s[2] as i32) & !IPC_64, s[3]);
    let woke = |env: &mut dyn Env, keys: Vec<u64>| {
        wake(env, &keys);
        val(0)
    };
    match cmd {
        IPC_STAT => ok_or(ipc.sem.stat(id, c), |st| ok_or(write(env, arg, &abi::semid_ds(&st, id)), |_| val(0))),
        cmd::SEM_STAT | cmd::SEM_STAT_ANY => ok_or(ipc.sem.reg.id_at(id), |full| {
            let c = stat_creds(c, cmd == cmd::SEM_STAT_ANY);
            ok_or(ipc.sem.stat(full, &c), |st| ok_or(write(env, arg, &abi::semid_ds(&st, full)), |_| val(full as u64)))
        }),
        IPC_SET => ok_or(read(env, arg, abi::SEMID_DS_SIZE), |b| ok_or(ipc.sem.set(id, c, abi::perm_set(&b), now()), |_| val(0))),
        IPC_RMID => ok_or(ipc.sem.remove(id, c), |k| woke(env, k)),
        IPC_INFO | cmd::SEM_INFO => {
            let (sets, max, sems) = ipc.sem.info();
            let (usz, aem) = if cmd == IPC_INFO { (20, sem::SEMAEM as i64) } else { (sets as i64, sems as i64) };
            let all = (sem::SEMMNI * SEMMSL) as i64;
            // semmap, semmni, semmns, semmnu, semmsl, semopm, semume, semusz, semvmx, semaem.
            let b = ints(&[all, sem::SEMMNI as i64, all, all, SEMMSL as i64, SEMOPM as i64, SEMOPM as i64, usz, sem::SEMVMX as i64, aem]);
            ok_or(write(env, arg, &b), |_| val(max.max(0) as u64))
        }
        cmd::GETVAL => ok_or(ipc.sem.getval(id, num, c), |v| val(v as u64)),
        cmd::GETPID => ok_or(ipc.sem.getpid(id, num, c), |v| val(v as u64)),
        cmd::GETNCNT | cmd::GETZCNT => ok_or(ipc.sem.waiting(id, num, cmd == cmd::GETZCNT, c), |v| val(v as u64)),
        cmd::GETALL => ok_or(ipc.sem.getall(id, c), |vals| {
            let b: Vec<u8> = vals.iter().flat_map(|v| v.to_le_bytes()).collect();
            ok_or(write(env, arg, &b), |_| val(0))
        }),
        cmd::SETVAL => ok_or(ipc.sem.setval(id, num, arg as i32, c, pid, now()), |k| woke(env, k)),
        cmd::SETALL => {
            // The set's size says how much to read; setall checks permission.
            let nsems = match ipc.sem.nsems(id) {
                Ok(n) => n,
                Err(e) => return fail(e),
            };
            ok_or(read(env, arg, nsems * 2), |b| {
                let vals: Vec<u16> = b.chunks_exact(2).map(|x| u16::from_le_bytes([x[0], x[1]])).collect();
                ok_or(ipc.sem.setall(id, &vals, c, pid, now()), |k| woke(env, k))
            })
        }
        _ => fail(libc::EINVAL),
    }
}

/// shmget, shmat, shmdt, shmctl.
pub fn shm(ipc: &mut Ipc, env: &mut dyn Env, who: &mut Who, n: u64, s: [u64; 5]) -> Regs {
    let c = match creds(env, who) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let pid = who.pid as i32;
    match n {
        nr::SHMGET => ok_or(ipc.shm.shmget(s[0] as i32, s[1] as usize, s[2] as i32, &c, pid, now()), |id| val(id as u64)),
        nr::SHMAT => {
            let (id, at, flags) = (s[0] as i32, s[1], s[2] as i32);
            if id < 0 || (at % 4096 != 0 && flags & super::shm::SHM_RND == 0) {
                return fail(libc::EINVAL);
            }
            let size = match ipc.shm.shmat(id, flags, &c, pid, now()) {
                Ok(a) => {
                    *a.frames = Some(());
                    a.size
                }
                Err(e) => return fail(e),
            };
            match env.call(ServiceId::Mm, mm_op::SHM_ATTACH, [who.word, id as u32 as u64, size as u64, at, flags as u32 as u64, 0], &[]) {
                Ok([v, _]) if !is_err(v) => val(v),
                r => {
                    // Not mapped: the attach did not happen.
                    if ipc.shm.detach(id, pid, now()).is_some() {
                        let _ = env.call(ServiceId::Mm, mm_op::SHM_FREE, [who.word, id as u32 as u64, 0, 0, 0, 0], &[]);
                    }
                    val(match r {
                        Ok([v, _]) => v,
                        Err(_) => err(libc::ENOMEM),
                    })
                }
            }
        }
        nr::SHMDT => match env.call(ServiceId::Mm, mm_op::SHM_DETACH, [who.word, s[0], 0, 0, 0, 0], &[]) {
            Ok([v, _]) if !is_err(v) => {
                let id = v as u32 as i32;
                if ipc.shm.detach(id, pid, now()).is_some() {
                    let _ = env.call(ServiceId::Mm, mm_op::SHM_FREE, [who.word, id as u32 as u64, 0, 0, 0, 0], &[]);
                }
                val(0)
            }
            _ => fail(libc::EINVAL),
        },
        nr::SHMCTL => {
            let (id, cmd, buf) = (s[0] as i32, (s[1] as i32) & !IPC_64, s[2]);
            match cmd {
                IPC_STAT => ok_or(ipc.shm.stat(id, &c), |st| ok_or(write(env, buf, &abi::shmid_ds(&st, id)), |_| val(0))),
                cmd::SHM_STAT | cmd::SHM_STAT_ANY => ok_or(ipc.shm.reg.id_at(id), |full| {
                    let c = stat_creds(&c, cmd == cmd::SHM_STAT_ANY);
                    ok_or(ipc.shm.stat(full, &c), |st| ok_or(write(env, buf, &abi::shmid_ds(&st, full)), |_| val(full as u64)))
                }),
                IPC_SET => ok_or(read(env, buf, abi::SHMID_DS_SIZE), |b| ok_or(ipc.shm.set(id, &c, abi::perm_set(&b), now()), |_| val(0))),
                IPC_RMID => ok_or(ipc.shm.remove(id, &c), |freed| {
                    if freed.is_some() {
                        let _ = env.call(ServiceId::Mm, mm_op::SHM_FREE, [who.word, id as u32 as u64, 0, 0, 0, 0], &[]);
                    }
                    val(0)
                }),
                cmd::SHM_LOCK | cmd::SHM_UNLOCK => ok_or(ipc.shm.lock(id, &c, cmd == cmd::SHM_LOCK), |_| val(0)),
                IPC_INFO => {
                    let max = ipc.shm.info().1;
                    let b: Vec<u8> = [ipc.shm.max_size as u64, SHMMIN as u64, ipc.shm.reg.limit as u64, SHMMNI as u64, SHMMAX as u64, 0, 0, 0, 0].iter().flat_map(|v| v.to_le_bytes()).collect();
                    ok_or(write(env, buf, &b), |_| val(max.max(0) as u64))
                }
                cmd::SHM_INFO => {
                    let (segs, max, tot, rss) = ipc.shm.info();
                    let mut b = (segs as u32).to_le_bytes().to_vec();
                    b.extend_from_slice(&[0; 4]);
                    for v in [tot as u64, rss as u64, 0, 0, 0] {
                        b.extend_from_slice(&v.to_le_bytes());
                    }
                    ok_or(write(env, buf, &b), |_| val(max.max(0) as u64))
                }
                _ => fail(libc::EINVAL),
            }
        }
        _ => fail(libc::ENOSYS),
    }
}
