//! The riscv64 byte layouts of the ipc structures (asm-generic 64-bit: ipc64_perm,
//! msqid64_ds, semid64_ds, shmid64_ds, sembuf, mq_attr, sigevent), so the service
//! copies plain bytes in and out through the checked accessors.
//!
//! Offsets as the riscv64 headers lay them out (checked with offsetof() in a guest
//! program built against them): ipc_perm 48 bytes, msqid_ds 120, semid_ds 88,
//! shmid_ds 112, sembuf 6, mq_attr 64, sigevent 64.

use super::mq::{MqAttr, Notify};
use super::msg::MsqStat;
use super::registry::{Perm, PermSet};
use super::sem::{SemBuf, SemStat};
use super::shm::ShmStat;
use super::Pid;

pub const IPC_PERM_SIZE: usize = 48;
pub const MSQID_DS_SIZE: usize = 120;
pub const SEMID_DS_SIZE: usize = 88;
pub const SHMID_DS_SIZE: usize = 112;
pub const SEMBUF_SIZE: usize = 6;
pub const MQ_ATTR_SIZE: usize = 64;
pub const SIGEVENT_SIZE: usize = 64;

fn put32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

fn put64(b: &mut [u8], at: usize, v: u64) {
    b[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

fn get32(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4).map_or(0, |s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn get64(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 8).map_or(0, |s| {
        let mut a = [0u8; 8];
        a.copy_from_slice(s);
        u64::from_le_bytes(a)
    })
}

/// struct ipc64_perm: key, uid, gid, cuid, cgid, mode (u32 each), seq (u16) at 24.
/// The sequence number is the id's upper part (id / 32768).
fn perm(b: &mut [u8], p: &Perm, id: i32) {
    put32(b, 0, p.key as u32);
    put32(b, 4, p.uid);
    put32(b, 8, p.gid);
    put32(b, 12, p.cuid);
    put32(b, 16, p.cgid);
    put32(b, 20, p.mode);
    b[24..26].copy_from_slice(&((id / 32768) as u16).to_le_bytes());
}

/// The part of ipc_perm IPC_SET reads: uid, gid, mode.
pub fn perm_set(b: &[u8]) -> PermSet {
    PermSet { uid: get32(b, 4), gid: get32(b, 8), mode: get32(b, 20) }
}

/// msgctl(IPC_STAT)'s struct msqid_ds.
pub fn msqid_ds(st: &MsqStat, id: i32) -> [u8; MSQID_DS_SIZE] {
    let mut b = [0u8; MSQID_DS_SIZE];
    perm(&mut b, &st.perm, id);
    put64(&mut b, 48, st.stime as u64);
    put64(&mut b, 56, st.rtime as u64);
    put64(&mut b, 64, st.ctime as u64);
    put64(&mut b, 72, st.cbytes as u64);
    put64(&mut b, 80, st.qnum as u64);
    put64(&mut b, 88, st.qbytes as u64);
    put32(&mut b, 96, st.lspid as u32);
    put32(&mut b, 100, st.lrpid as u32);
    b
}

/// msgctl(IPC_SET)'s inputs: the permissions and msg_qbytes.
pub fn msqid_set(b: &[u8]) -> (PermSet, usize) {
    (perm_set(b), get64(b, 88) as usize)
}

/// semctl(IPC_STAT)'s struct semid_ds.
pub fn semid_ds(st: &SemStat, id: i32) -> [u8; SEMID_DS_SIZE] {
    let mut b = [0u8; SEMID_DS_SIZE];
    perm(&mut b, &st.perm, id);
    put64(&mut b, 48, st.otime as u64);
    put64(&mut b, 56, st.ctime as u64);
    put64(&mut b, 64, st.nsems as u64);
    b
}

/// shmctl(IPC_STAT)'s struct shmid_ds.
pub fn shmid_ds(st: &ShmStat, id: i32) -> [u8; SHMID_DS_SIZE] {
    let mut b = [0u8; SHMID_DS_SIZE];
    perm(&mut b, &st.perm, id);
    put64(&mut b, 48, st.segsz as u64);
    put64(&mut b, 56, st.atime as u64);
    put64(&mut b, 64, st.dtime as u64);
    put64(&mut b, 72, st.ctime as u64);
    put32(&mut b, 80, st.cpid as u32);
    put32(&mut b, 84, st.lpid as u32);
    put64(&mut b, 88, st.nattch as u64);
    b
}

/// semop's array of struct sembuf (sem_num u16, sem_op i16, sem_flg i16); a
/// trailing partial entry is ignored (the caller lends nsops * 6 bytes).
pub fn sembufs(b: &[u8]) -> Vec<SemBuf> {
    b.chunks_exact(SEMBUF_SIZE)
        .map(|c| SemBuf { num: u16::from_le_bytes([c[0], c[1]]), op: i16::from_le_bytes([c[2], c[3]]), flg: i16::from_le_bytes([c[4], c[5]]) })
        .collect()
}

/// struct mq_attr, out.
pub fn mq_attr(a: &MqAttr) -> [u8; MQ_ATTR_SIZE] {
    let mut b = [0u8; MQ_ATTR_SIZE];
    put64(&mut b, 0, a.flags as u64);
    put64(&mut b, 8, a.maxmsg as u64);
    put64(&mut b, 16, a.msgsize as u64);
    put64(&mut b, 24, a.curmsgs as u64);
    b
}

/// struct mq_attr, in.
pub fn read_mq_attr(b: &[u8]) -> MqAttr {
    MqAttr { flags: get64(b, 0) as i64, maxmsg: get64(b, 8) as i64, msgsize: get64(b, 16) as i64, curmsgs: get64(b, 24) as i64 }
}

/// mq_notify's struct sigevent: sigev_value at 0, sigev_signo at 8, sigev_notify
/// at 12.
pub fn read_sigevent(b: &[u8], pid: Pid) -> Notify {
    Notify { pid, notify: get32(b, 12) as i32, signo: get32(b, 8) as i32, value: get64(b, 0) }
}

/// msgsnd/msgrcv's struct msgbuf header: the type, a long before the text.
pub fn msg_type(b: &[u8]) -> i64 {
    get64(b, 0) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> Perm {
        Perm { key: 0x4758, uid: 1, gid: 2, cuid: 3, cgid: 4, mode: 0o1640 }
    }

    #[test]
    fn ipc_perm_fields_land_where_riscv64_headers_expect() {
        let st = MsqStat { perm: p(), stime: 10, rtime: 11, ctime: 12, cbytes: 13, qnum: 14, qbytes: 15, lspid: 16, lrpid: 17 };
        let b = msqid_ds(&st, 3 * 32768 + 5);
        assert_eq!(get32(&b, 0), 0x4758);
        assert_eq!((get32(&b, 4), get32(&b, 8), get32(&b, 12), get32(&b, 16), get32(&b, 20)), (1, 2, 3, 4, 0o1640));
        assert_eq!(u16::from_le_bytes([b[24], b[25]]), 3, "seq");
        assert_eq!([get64(&b, 48), get64(&b, 56), get64(&b, 64), get64(&b, 72), get64(&b, 80), get64(&b, 88)], [10, 11, 12, 13, 14, 15]);
        assert_eq!((get32(&b, 96), get32(&b, 100)), (16, 17));
        assert_eq!(msqid_set(&b), (PermSet { uid: 1, gid: 2, mode: 0o1640 }, 15));
    }

    #[test]
    fn sem_and_shm_ds() {
        let s = semid_ds(&SemStat { perm: p(), otime: 7, ctime: 8, nsems: 9 }, 1);
        assert_eq!([get64(&s, 48), get64(&s, 56), get64(&s, 64)], [7, 8, 9]);
        let st = ShmStat { perm: p(), segsz: 8192, atime: 1, dtime: 2, ctime: 3, cpid: 100, lpid: 101, nattch: 2 };
        let m = shmid_ds(&st, 1);
        assert_eq!([get64(&m, 48), get64(&m, 56), get64(&m, 64), get64(&m, 72), get64(&m, 88)], [8192, 1, 2, 3, 2]);
        assert_eq!((get32(&m, 80), get32(&m, 84)), (100, 101));
        assert_eq!(perm_set(&m), PermSet { uid: 1, gid: 2, mode: 0o1640 });
    }

    #[test]
    fn sembuf_array_and_short_input() {
        let raw = [1, 0, 0xff, 0xff, 0x00, 0x18, 2, 0, 3, 0, 0, 8, 9];
        assert_eq!(sembufs(&raw), vec![SemBuf { num: 1, op: -1, flg: 0x1800 }, SemBuf { num: 2, op: 3, flg: 0x800 }]);
        assert!(sembufs(&[]).is_empty());
    }

    #[test]
    fn mq_attr_and_sigevent() {
        let a = MqAttr { flags: 0o4000, maxmsg: 4, msgsize: 64, curmsgs: 1 };
        assert_eq!(read_mq_attr(&mq_attr(&a)), a);
        assert_eq!(get64(&mq_attr(&a), 16), 64);
        let mut ev = [0u8; SIGEVENT_SIZE];
        ev[0..8].copy_from_slice(&1234u64.to_le_bytes());
        ev[8..12].copy_from_slice(&10u32.to_le_bytes());
        ev[12..16].copy_from_slice(&0u32.to_le_bytes());
        assert_eq!(read_sigevent(&ev, 7), Notify { pid: 7, notify: 0, signo: 10, value: 1234 });
        assert_eq!(read_sigevent(&[], 7), Notify { pid: 7, notify: 0, signo: 0, value: 0 }, "short input reads as zeros");
        assert_eq!(msg_type(&(-5i64).to_le_bytes()), -5);
    }
}
