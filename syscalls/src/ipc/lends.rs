//! ipc's hook for the edge (`crate::lends`): the pointers of its syscalls whose lends
//! depend on other arguments or on memory. The others are their rows' (`crate::table`:
//! mq_open's and mq_unlink's name, mq_open's and mq_getsetattr's attributes,
//! mq_notify's sigevent, the timeouts and mq_timedreceive's priority).
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
use crate::user::{Call, ProcessMemory};
use crate::service::Lend;
use crate::sysno as nr;
use machine::addr::PAGE_SIZE;

/// The longest mq message a lend covers (mq_overview(7)'s hard ceiling).
const MQ_MAX: u64 = super::mq::HARD_MSGSIZEMAX as u64;

/// How much of `[p, p+want)` is mapped from `p` on, probing a byte per page: the
/// whole of `want` if even the first page is not (the lend then fails, EFAULT).
fn mapped_prefix(mem: &mut dyn ProcessMemory, p: u64, want: u64) -> u64 {
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

/// Lends ipc's rows cannot say, for syscall `n`. A size ipc refuses (EINVAL,
/// EMSGSIZE, E2BIG) lends nothing, so that its errno comes before EFAULT. mq_open and
/// mq_unlink get their name's length (NUL included) in the fifth register.
pub fn hook(n: u64, c: &mut Call<'_>) -> Result<(), i32> {
    let a = c.raw;
    match n {
        nr::MSGSND => {
            let p = c.q(1);
            if a[2] as i64 >= 0 && a[2] <= MSGMAX as u64 {
                c.lends.push(Lend::read(p, 8 + a[2]));
            }
        }
        nr::MSGRCV => {
            let p = c.q(1);
            if (a[2] as i64) >= 0 {
                let want = 8 + a[2].min(MSGMAX as u64);
                let len = mapped_prefix(c.mem, p, want);
                c.lends.push(Lend::write(p, len));
            }
        }
        nr::MSGCTL | nr::SHMCTL | nr::SEMCTL => {
            // semctl's fourth argument is a union: a pointer only for these commands
            // (GETALL/SETALL's array as long as the set, which ipc checks).
            let (cmd_i, buf_i) = if n == nr::SEMCTL { (2, 3) } else { (1, 2) };
            let cm = a[cmd_i] as i32 & !IPC_64;
            if let Some((write, size)) = ctl_buffer(n, cm) {
                let p = c.q(buf_i);
                c.lends.push(if write { Lend::write(p, size) } else { Lend::read(p, size) });
            } else if n == nr::SEMCTL && (cm == cmd::GETALL || cm == cmd::SETALL) {
                let p = c.q(buf_i);
                let len = mapped_prefix(c.mem, p, 2 * SEMMSL as u64);
                c.lends.push(if cm == cmd::GETALL { Lend::write(p, len) } else { Lend::read(p, len) });
            } else if n != nr::SEMCTL {
                // A command that takes no buffer: ipc sees none. (semctl's SETVAL
                // value, or an argument the command ignores, goes as it is.)
                c.args[buf_i] = 0;
            }
        }
        // The timeout is the row's.
        nr::SEMOP | nr::SEMTIMEDOP => {
            let p = c.q(1);
            if (1..=super::sem::SEMOPM as u64).contains(&a[2]) {
                c.lends.push(Lend::read(p, a[2] * abi::SEMBUF_SIZE as u64));
            }
        }
        // The name is lent by the row; ipc gets its length.
        nr::MQ_OPEN | nr::MQ_UNLINK => c.args[4] = c.mem.strlen(c.args[0])?,
        nr::MQ_TIMEDSEND => {
            let p = c.q(1);
            if a[2] <= MQ_MAX {
                c.lends.push(Lend::read(p, a[2]));
            }
        }
        nr::MQ_TIMEDRECEIVE => {
            let p = c.q(1);
            let len = mapped_prefix(c.mem, p, a[2].min(MQ_MAX));
            c.lends.push(Lend::write(p, len));
        }
        _ => {}
    }
    Ok(())
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

    fn q(p: u64) -> u64 {
        if p == 0 { 0 } else { qualified(DATA, p) }
    }

    fn prep(n: u64, a: [u64; 6]) -> ([u64; 6], Vec<Lend>) {
        crate::lends::prepare(n, a, &q, &mut Mem).unwrap()
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
        assert_eq!(crate::lends::prepare(nr::MQ_UNLINK, [0x90000, 0, 0, 0, 0, 0], &q, &mut Mem).unwrap_err(), libc::EFAULT);
        let (_, l) = prep(nr::MQ_TIMEDRECEIVE, [3, 0x10000, 128, 0, 0, 0]);
        assert_eq!(l, vec![Lend::write(qualified(DATA, 0x10000), 128)]);
        let (r, l) = prep(nr::MQ_TIMEDSEND, [3, 0x10000, 5, 1, 0x11000, 0]);
        assert_eq!(r[4], qualified(DATA, 0x11000));
        assert_eq!(l.len(), 2);
    }
}
