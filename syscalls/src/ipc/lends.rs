//! What each ipc syscall may touch of the caller's memory: which arguments are
//! pointers (qualified with the caller's DATA by the personality) and the lends they
//! need, decided before ipc runs (`personality::marshal`).
//!
//! Where Linux's access depends on state only ipc knows (msgrcv writes the length of
//! the message it takes, semctl GETALL/SETALL the set's size, mq_timedreceive the
//! message's), the lend covers the buffer as the call describes it, capped, and only
//! as far as the memory is mapped from its start: ipc answers EFAULT when what it must
//! copy runs past the lend, as Linux does past the mapping.

use super::msg::MSGMAX;
use super::sem::SEMMSL;
use super::sysv::{cmd, IPC_64, MSGINFO_SIZE, SEMINFO_SIZE, SHMINFO_SIZE, SHM_INFO_SIZE};
use super::{abi, registry::{IPC_INFO, IPC_SET, IPC_STAT}};
use crate::service::Lend;
use crate::sysno as nr;
use crate::user::ProcessMemory;
use machine::addr::PAGE_SIZE;

/// The longest mq message a lend covers (mq_overview(7)'s hard ceiling).
const MQ_MAX: u64 = super::mq::HARD_MSGSIZEMAX as u64;

/// How much of `[p, p+want)` is mapped from `p` on, probing a byte per page: the
/// whole of `want` if even the first page is not (the lend then fails, EFAULT).
fn mapped_prefix(mem: &mut impl ProcessMemory, p: u64, want: u64) -> u64 {
    let mut b = [0u8; 1];
    if want == 0 || !mem.read(p, &mut b) {
        return want;
    }
    let mut next = (p | (PAGE_SIZE - 1)).wrapping_add(1);
    while next < p.saturating_add(want) {
        if !mem.read(next, &mut b) {
            return next - p;
        }
        next += PAGE_SIZE;
    }
    want
}

/// The control structure a *ctl command reads (R) or writes (W), and its size.
fn ctl_buffer(n: u64, command: i32) -> Option<(bool, u64)> {
    let c = command & !IPC_64;
    let (write, size) = match (n, c) {
        (_, IPC_SET) => (false, 0),
        (_, IPC_STAT) | (nr::MSGCTL, cmd::MSG_STAT | cmd::MSG_STAT_ANY) | (nr::SEMCTL, cmd::SEM_STAT | cmd::SEM_STAT_ANY) | (nr::SHMCTL, cmd::SHM_STAT | cmd::SHM_STAT_ANY) => (true, 0),
        (nr::MSGCTL, IPC_INFO | cmd::MSG_INFO) => (true, MSGINFO_SIZE),
        (nr::SEMCTL, IPC_INFO | cmd::SEM_INFO) => (true, SEMINFO_SIZE),
        (nr::SHMCTL, IPC_INFO) => (true, SHMINFO_SIZE),
        (nr::SHMCTL, cmd::SHM_INFO) => (true, SHM_INFO_SIZE),
        _ => return None,
    };
    let ds = match n {
        nr::MSGCTL => abi::MSQID_DS_SIZE,
        nr::SEMCTL => abi::SEMID_DS_SIZE,
        _ => abi::SHMID_DS_SIZE,
    } as u64;
    Some((write, if size == 0 { ds } else { size }))
}

/// The five argument registers ipc gets for syscall `n` (`a`: as Linux has them;
/// `q` qualifies a process pointer) and the lends they need; or the errno of a
/// name that cannot be read. mq_open and mq_unlink get their name's length (NUL
/// included) in the fifth register.
pub fn prepare(n: u64, a: &[u64; 6], q: impl Fn(u64) -> u64, mem: &mut impl ProcessMemory) -> Result<([u64; 5], Vec<Lend>), i32> {
    let mut r = [a[0], a[1], a[2], a[3], a[4]];
    let mut l = Vec::new();
    let opt = |p: u64| p != 0;
    match n {
        nr::MSGSND => {
            r[1] = q(a[1]);
            if a[2] as i64 >= 0 && a[2] <= MSGMAX as u64 {
                l.push(Lend::read(r[1], 8 + a[2]));
            }
        }
        nr::MSGRCV => {
            r[1] = q(a[1]);
            if (a[2] as i64) >= 0 {
                let want = 8 + a[2].min(MSGMAX as u64);
                l.push(Lend::write(r[1], mapped_prefix(mem, r[1], want)));
            }
        }
        nr::MSGCTL | nr::SHMCTL | nr::SEMCTL => {
            // semctl's fourth argument is a union: a pointer only for these commands
            // (GETALL/SETALL's array as long as the set, which ipc checks).
            let (cmd_i, buf_i) = if n == nr::SEMCTL { (2, 3) } else { (1, 2) };
            let c = a[cmd_i] as i32 & !IPC_64;
            r[buf_i] = 0;
            if let Some((write, size)) = ctl_buffer(n, c) {
                r[buf_i] = q(a[buf_i]);
                l.push(if write { Lend::write(r[buf_i], size) } else { Lend::read(r[buf_i], size) });
            } else if n == nr::SEMCTL && (c == cmd::GETALL || c == cmd::SETALL) {
                r[buf_i] = q(a[buf_i]);
                let len = mapped_prefix(mem, r[buf_i], 2 * SEMMSL as u64);
                l.push(if c == cmd::GETALL { Lend::write(r[buf_i], len) } else { Lend::read(r[buf_i], len) });
            } else if n == nr::SEMCTL {
                // SETVAL's value, or an argument the command ignores.
                r[buf_i] = a[buf_i];
            }
        }
        nr::SEMOP | nr::SEMTIMEDOP => {
            r[1] = q(a[1]);
            if (1..=super::sem::SEMOPM as u64).contains(&a[2]) {
                l.push(Lend::read(r[1], a[2] * abi::SEMBUF_SIZE as u64));
            }
            if n == nr::SEMTIMEDOP && opt(a[3]) {
                r[3] = q(a[3]);
                l.push(Lend::read(r[3], 16));
            }
        }
        nr::MQ_OPEN | nr::MQ_UNLINK => {
            r[0] = q(a[0]);
            r[4] = mem.strlen(r[0])?;
            l.push(Lend::read(r[0], r[4]));
            if n == nr::MQ_OPEN && opt(a[3]) {
                r[3] = q(a[3]);
                l.push(Lend::read(r[3], abi::MQ_ATTR_SIZE as u64));
            }
        }
        nr::MQ_TIMEDSEND | nr::MQ_TIMEDRECEIVE => {
            r[1] = q(a[1]);
            if n == nr::MQ_TIMEDSEND {
                if a[2] <= MQ_MAX {
                    l.push(Lend::read(r[1], a[2]));
                }
            } else {
                l.push(Lend::write(r[1], mapped_prefix(mem, r[1], a[2].min(MQ_MAX))));
                if opt(a[3]) {
                    r[3] = q(a[3]);
                    l.push(Lend::write(r[3], 4));
                }
            }
            if opt(a[4]) {
                r[4] = q(a[4]);
                l.push(Lend::read(r[4], 16));
            }
        }
        nr::MQ_NOTIFY if opt(a[1]) => {
            r[1] = q(a[1]);
            l.push(Lend::read(r[1], abi::SIGEVENT_SIZE as u64));
        }
        nr::MQ_GETSETATTR => {
            for (i, write) in [(1, false), (2, true)] {
                if opt(a[i]) {
                    r[i] = q(a[i]);
                    let size = abi::MQ_ATTR_SIZE as u64;
                    l.push(if write { Lend::write(r[i], size) } else { Lend::read(r[i], size) });
                }
            }
        }
        _ => {}
    }
    Ok((r, l))
}

#[cfg(test)]
mod tests {
    use super::*;
    use machine::addr::qualified;

    const DATA: u16 = 9;

    /// Memory mapped in [0x10000, 0x13000) (three pages), strings "q\0" everywhere.
    struct Mem;
    impl ProcessMemory for Mem {
        fn strlen(&mut self, p: u64) -> Result<u64, i32> {
            if self.read(p, &mut [0]) { Ok(2) } else { Err(libc::EFAULT) }
        }
        fn read(&mut self, p: u64, _b: &mut [u8]) -> bool {
            (0x10000..0x13000).contains(&machine::addr::offset_of(p))
        }
    }

    fn prep(n: u64, a: [u64; 6]) -> ([u64; 5], Vec<Lend>) {
        prepare(n, &a, |p| if p == 0 { 0 } else { qualified(DATA, p) }, &mut Mem).unwrap()
    }

    #[test]
    fn msgsnd_lends_the_header_and_text_and_nothing_for_a_bad_size() {
        let (r, l) = prep(nr::MSGSND, [1, 0x10000, 6, 0, 0, 0]);
        assert_eq!(r[1], qualified(DATA, 0x10000));
        assert_eq!(l, vec![Lend::read(qualified(DATA, 0x10000), 14)]);
        assert!(prep(nr::MSGSND, [1, 0x10000, u64::MAX, 0, 0, 0]).1.is_empty(), "EINVAL in ipc, nothing lent");
    }

    #[test]
    fn a_receive_buffer_is_lent_as_far_as_it_is_mapped() {
        let (_, l) = prep(nr::MSGRCV, [1, 0x12f00, 1000, 0, 0, 0]);
        assert_eq!(l, vec![Lend::write(qualified(DATA, 0x12f00), 0x100)], "stops at the unmapped page");
        let (_, l) = prep(nr::MSGRCV, [1, 0x10000, 64, 0, 0, 0]);
        assert_eq!(l[0].len, 72);
        let (_, l) = prep(nr::MSGRCV, [1, 0x50000, 64, 0, 0, 0]);
        assert_eq!(l[0].len, 72, "unmapped from the start: the whole, which fails the check");
    }

    #[test]
    fn ctl_buffers_follow_the_command() {
        let (r, l) = prep(nr::MSGCTL, [1, IPC_STAT as u64 | IPC_64 as u64, 0x10000, 0, 0, 0]);
        assert_eq!((r[2], l), (qualified(DATA, 0x10000), vec![Lend::write(qualified(DATA, 0x10000), 120)]));
        let (_, l) = prep(nr::SHMCTL, [1, IPC_SET as u64, 0x10000, 0, 0, 0]);
        assert_eq!(l, vec![Lend::read(qualified(DATA, 0x10000), 112)]);
        let (r, l) = prep(nr::MSGCTL, [1, 0, 0x10000, 0, 0, 0]);
        assert_eq!((r[2], l.len()), (0, 0), "IPC_RMID reads nothing");
        let (r, l) = prep(nr::SEMCTL, [1, 0, cmd::SETVAL as u64, 5, 0, 0]);
        assert_eq!((r[3], l.len()), (5, 0), "SETVAL's value is not a pointer");
        let (_, l) = prep(nr::SEMCTL, [1, 0, cmd::GETALL as u64, 0x12ff0, 0, 0]);
        assert_eq!(l, vec![Lend::write(qualified(DATA, 0x12ff0), 16)]);
        let (_, l) = prep(nr::SEMCTL, [1, 0, IPC_STAT as u64, 0x10000, 0, 0]);
        assert_eq!(l[0].len, 88);
    }

    #[test]
    fn mq_names_carry_their_length_and_timeouts_are_optional() {
        let (r, l) = prep(nr::MQ_OPEN, [0x10000, 0o102, 0o600, 0x10100, 0, 0]);
        assert_eq!(r[4], 2);
        assert_eq!(l, vec![Lend::read(qualified(DATA, 0x10000), 2), Lend::read(qualified(DATA, 0x10100), 64)]);
        assert_eq!(prepare(nr::MQ_UNLINK, &[0x90000, 0, 0, 0, 0, 0], |p| qualified(DATA, p), &mut Mem).unwrap_err(), libc::EFAULT);
        let (_, l) = prep(nr::MQ_TIMEDRECEIVE, [3, 0x10000, 128, 0, 0, 0]);
        assert_eq!(l, vec![Lend::write(qualified(DATA, 0x10000), 128)]);
        let (r, l) = prep(nr::MQ_TIMEDSEND, [3, 0x10000, 5, 1, 0x11000, 0]);
        assert_eq!(r[4], qualified(DATA, 0x11000));
        assert_eq!(l.len(), 2);
    }
}
