//! Pending signals: the per-thread and per-process queues with each signal's siginfo,
//! and what Linux does by default with each signal.
//!
//! Standard signals (1..=31) coalesce: a second instance sent while one is pending is
//! dropped, the first one's siginfo kept. Real-time signals (32..=64) queue, one
//! siginfo per instance, delivered in the order they were sent.

/// `si_code` values (include/uapi/asm-generic/siginfo.h).
pub mod code {
    /// kill(2).
    pub const SI_USER: i32 = 0;
    /// Sent by the kernel.
    pub const SI_KERNEL: i32 = 0x80;
    /// sigqueue(3) / rt_sigqueueinfo.
    pub const SI_QUEUE: i32 = -1;
    /// A POSIX timer or setitimer expiring.
    pub const SI_TIMER: i32 = -2;
    /// tkill / tgkill (raise, pthread_kill).
    pub const SI_TKILL: i32 = -6;
    /// SIGCHLD: the child exited, was killed, or was killed and dumped core.
    pub const CLD_EXITED: i32 = 1;
    pub const CLD_KILLED: i32 = 2;
    pub const CLD_DUMPED: i32 = 3;
    /// SIGCHLD: the child was stopped, or continued.
    pub const CLD_STOPPED: i32 = 5;
    pub const CLD_CONTINUED: i32 = 6;
}

/// Signal numbers this module needs by name.
pub mod sig {
    pub const SIGKILL: u32 = 9;
    pub const SIGCHLD: u32 = 17;
    pub const SIGCONT: u32 = 18;
    pub const SIGSTOP: u32 = 19;
    pub const SIGALRM: u32 = 14;
    pub const SIGXCPU: u32 = 24;
    pub const SIGVTALRM: u32 = 26;
    pub const SIGPROF: u32 = 27;
    /// The first real-time signal (the kernel's; libcs reserve a few above it).
    pub const SIGRTMIN: u32 = 32;
}

/// The bit of signal `sig` in a 64-bit signal set (0 for an invalid number).
pub fn sigbit(sig: u32) -> u64 {
    if (1..=64).contains(&sig) { 1u64 << (sig - 1) } else { 0 }
}

/// Signals that can be neither caught, blocked nor ignored.
pub const UNBLOCKABLE: u64 = (1 << 8) | (1 << 18); // SIGKILL(9), SIGSTOP(19)

/// Signals raised by the instruction that is executing (Linux's SYNCHRONOUS_MASK):
/// delivered before any other pending signal.
pub const SYNCHRONOUS: u64 = (1 << 10) | (1 << 6) | (1 << 3) | (1 << 4) | (1 << 7) | (1 << 30); // SEGV BUS ILL TRAP FPE SYS

/// What a signal does when its disposition is SIG_DFL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefaultAction {
    /// End the process.
    Terminate,
    /// End the process; the wait status says it dumped core.
    Core,
    /// Nothing happens (SIGCHLD, SIGURG, SIGWINCH, and SIGCONT, whose continuing
    /// happens when it is sent, whatever its disposition).
    Ignore,
    /// The process stops until a SIGCONT (SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU).
    Stop,
}

/// The stop signals: SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU.
pub const STOP_SIGNALS: u64 = (1 << 18) | (1 << 19) | (1 << 20) | (1 << 21);

/// The default action of `sig` (signal(7)).
pub fn default_action(sig: u32) -> DefaultAction {
    match sig {
        // SIGQUIT SIGILL SIGTRAP SIGABRT SIGBUS SIGFPE SIGSEGV SIGXCPU SIGXFSZ SIGSYS
        3 | 4 | 5 | 6 | 7 | 8 | 11 | 24 | 25 | 31 => DefaultAction::Core,
        // SIGCHLD SIGCONT SIGURG SIGWINCH
        17 | 18 | 23 | 28 => DefaultAction::Ignore,
        // SIGSTOP SIGTSTP SIGTTIN SIGTTOU
        19..=22 => DefaultAction::Stop,
        _ => DefaultAction::Terminate,
    }
}

/// One queued signal and what its siginfo will say.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SigInfo {
    pub signo: u32,
    pub code: i32,
    /// si_pid: the sender, or for SIGCHLD the child.
    pub pid: u32,
    pub uid: u32,
    /// si_value for SI_QUEUE and timers, si_status for SIGCHLD, si_addr for faults.
    pub value: u64,
}

impl SigInfo {
    /// A signal sent by process `pid` with code `code` and no value.
    pub fn from(signo: u32, code: i32, pid: u32) -> SigInfo {
        SigInfo { signo, code, pid, uid: 0, value: 0 }
    }

    /// Whether this is a fault's siginfo, whose union holds si_addr.
    fn is_fault(&self) -> bool {
        self.code > 0 && self.code < code::SI_KERNEL && matches!(self.signo, 4 | 5 | 7 | 8 | 11)
    }

    /// The 128-byte `siginfo_t` of riscv64 Linux: si_signo, si_errno, si_code, then
    /// the union at offset 16 (si_addr for faults; si_pid, si_uid, then si_status for
    /// SIGCHLD or si_value otherwise).
    pub fn to_bytes(&self) -> [u8; 128] {
        let mut b = [0u8; 128];
        b[0..4].copy_from_slice(&(self.signo as i32).to_le_bytes());
        b[8..12].copy_from_slice(&self.code.to_le_bytes());
        if self.is_fault() {
            b[16..24].copy_from_slice(&self.value.to_le_bytes());
        } else {
            b[16..20].copy_from_slice(&self.pid.to_le_bytes());
            b[20..24].copy_from_slice(&self.uid.to_le_bytes());
            if self.signo == sig::SIGCHLD && self.code > 0 {
                b[24..28].copy_from_slice(&(self.value as u32).to_le_bytes());
            } else {
                b[24..32].copy_from_slice(&self.value.to_le_bytes());
            }
        }
        b
    }

    /// Parses a `siginfo_t` a program handed to rt_sigqueueinfo: its code, pid, uid and
    /// value are taken as given (the signal number comes from the call).
    pub fn from_bytes(signo: u32, b: &[u8; 128]) -> SigInfo {
        let i32_at = |o: usize| i32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
        let mut v = [0u8; 8];
        v.copy_from_slice(&b[24..32]);
        SigInfo { signo, code: i32_at(8), pid: i32_at(16) as u32, uid: i32_at(20) as u32, value: u64::from_le_bytes(v) }
    }
}

/// Most real-time signals one queue holds (RLIMIT_SIGPENDING's role).
pub const MAX_QUEUED: usize = 4096;

/// A set of pending signals with their siginfo, in arrival order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SigQueue {
    /// Which signals are pending.
    pub set: u64,
    queue: Vec<SigInfo>,
}

impl SigQueue {
    /// How many siginfos are queued (what RLIMIT_SIGPENDING counts).
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// Queues `info`; false if it was dropped (a standard signal already pending, or
    /// the queue is full).
    pub fn push(&mut self, info: SigInfo) -> bool {
        let bit = sigbit(info.signo);
        if bit == 0 || (info.signo < sig::SIGRTMIN && self.set & bit != 0) || self.queue.len() >= MAX_QUEUED {
            return false;
        }
        self.set |= bit;
        self.queue.push(info);
        true
    }

    /// Takes the oldest instance of `sig`.
    pub fn take(&mut self, sig: u32) -> Option<SigInfo> {
        let i = self.queue.iter().position(|s| s.signo == sig)?;
        let info = self.queue.remove(i);
        if !self.queue.iter().any(|s| s.signo == sig) {
            self.set &= !sigbit(sig);
        }
        Some(info)
    }

    /// The first queued siginfo that `f` accepts, to update in place (a timer's
    /// overrun count).
    pub fn find_mut(&mut self, f: impl Fn(&SigInfo) -> bool) -> Option<&mut SigInfo> {
        self.queue.iter_mut().find(|i| f(i))
    }

    /// Drops every instance of the signals in `mask`.
    pub fn discard(&mut self, mask: u64) {
        self.queue.retain(|s| sigbit(s.signo) & mask == 0);
        self.set &= !mask;
    }
}

/// The signal to deliver first out of `set`: synchronous ones, then the lowest number.
pub fn first_of(set: u64) -> Option<u32> {
    if set == 0 {
        return None;
    }
    let pick = if set & SYNCHRONOUS != 0 { set & SYNCHRONOUS } else { set };
    Some(pick.trailing_zeros() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_signals_coalesce_realtime_ones_queue() {
        let mut q = SigQueue::default();
        assert!(q.push(SigInfo::from(10, code::SI_USER, 1)));
        assert!(!q.push(SigInfo::from(10, code::SI_TKILL, 2)));
        for v in [11, 22, 33] {
            assert!(q.push(SigInfo { value: v, ..SigInfo::from(34, code::SI_QUEUE, 1) }));
        }
        assert_eq!(q.take(10).map(|s| s.code), Some(code::SI_USER));
        assert_eq!(q.take(10), None);
        let values: Vec<u64> = std::iter::from_fn(|| q.take(34)).map(|s| s.value).collect();
        assert_eq!(values, [11, 22, 33]);
        assert_eq!(q.set, 0);
    }

    #[test]
    fn synchronous_signals_go_first() {
        assert_eq!(first_of(sigbit(10) | sigbit(11)), Some(11));
        assert_eq!(first_of(sigbit(10) | sigbit(12)), Some(10));
        assert_eq!(first_of(0), None);
    }

    #[test]
    fn siginfo_layouts() {
        let f = SigInfo { signo: 11, code: 1, pid: 0, uid: 0, value: 0x1234 }.to_bytes();
        assert_eq!(&f[16..24], &0x1234u64.to_le_bytes());
        let c = SigInfo { signo: 17, code: code::CLD_EXITED, pid: 7, uid: 0, value: 77 }.to_bytes();
        assert_eq!(&c[16..20], &7u32.to_le_bytes());
        assert_eq!(&c[24..28], &77u32.to_le_bytes());
        let q = SigInfo { signo: 10, code: code::SI_QUEUE, pid: 5, uid: 0, value: 42 };
        assert_eq!(SigInfo::from_bytes(10, &q.to_bytes()), q);
    }
}
