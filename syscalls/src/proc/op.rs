//! Operations of proc besides Linux syscall numbers (which it takes as ops too): what
//! the personality and the other services ask of it.

/// a0 = hart, a1 = 1 to leave the wake reason in place (an interrupt, not a
/// syscall) -> a0 = pid<<32|tid, a1 = wake code (consumed).
pub const ENTER: u64 = 0x1000;
/// Block the caller: a1 = key (0 = none), a2 = deadline in ns from now (u64::MAX = none),
/// a3 = host fd (or -1), a4 = poll events.
pub const BLOCK: u64 = 0x1001;
/// Wake every thread waiting on key a1; a0 = how many.
pub const WAKE: u64 = 0x1002;
/// Add to the caller's next block (poll on several objects): a1 = key (0 = none);
/// a2 = host fd and a3 = its poll events (fd ignored when a3 is 0).
pub const BLOCK_ALSO: u64 = 0x1003;
/// Record the deadline for the current syscall's retries: a1 = ns from now.
pub const DEADLINE: u64 = 0x1004;
/// Peek: a0 = the signal the caller would take next (0 = none), a1 = what it would
/// do: one of the `action` codes.
pub const NEXT_SIGNAL: u64 = 0x1005;
/// Reads the action of signal a1 into (a0 = handler, a1 = flags).
pub const ACTION: u64 = 0x1006;
/// a0 = caller's signal mask; if a1 == 1, set it to a2.
pub const MASK: u64 = 0x1007;
/// Ends the process of the caller with signal a1 (default action "terminate").
pub const KILL_SELF: u64 = 0x1008;
/// (sp, flags | size<<32) of the caller's altstack.
pub const ALTSTACK: u64 = 0x100a;
/// Remember mask a1 to restore after the next signal delivery (sigsuspend).
pub const SAVE_MASK: u64 = 0x100b;
/// Take the saved mask (a0 = 1 if there was one, a1 = mask).
pub const TAKE_SAVED_MASK: u64 = 0x100c;
/// Wake thread a1 (a futex waiter); a0 = 1 if it was blocked.
pub const WAKE_TID: u64 = 0x100d;
/// The caller's syscall completed: forget its retry deadline.
pub const FINISH: u64 = 0x100e;
/// Dequeue the caller's next deliverable signal and commit its delivery: a1 = lent
/// W buffer of `signal::DELIVERY_SIZE` bytes for the delivery record. a0 = signal
/// (0 = none), a1 = `action` code. For a handler, the mask is already updated.
pub const DELIVER: u64 = 0x1013;
/// A fault of the caller: force signal a1 with si_code a2 and si_addr a3 (a blocked
/// or ignored one is unblocked and reset to SIG_DFL, as Linux's force_sig_fault).
pub const FORCE: u64 = 0x1010;
/// Wake the caller (just blocked) at once with reason Signal: a signal is pending.
pub const INTERRUPT: u64 = 0x1011;
/// a0 = nanoseconds left before the caller's deadline (u64::MAX = none).
pub const DEADLINE_LEFT: u64 = 0x1012;
/// The name of thread a1 of the caller's process (0 = the caller): a2 = a 16-byte
/// buffer, lent W to read the name into (a3 = 0) or R to set it from (a3 = 1).
/// a0 = 0, or -ESRCH for no such thread.
pub const COMM: u64 = 0x1014;
/// The caller's parent-death signal: a0 = its value; set to a2 when a1 = 1.
pub const PDEATHSIG: u64 = 0x1015;
/// a0 = the largest ru_maxrss (KiB) of the children the caller has reaped.
pub const CHILDREN_MAXRSS: u64 = 0x1016;
/// The caller's resource limit a1 (RLIMIT_*): a0 = soft, a1 = hard. For the
/// services that enforce one (vfs: RLIMIT_FSIZE on writes and truncates).
pub const RLIMIT: u64 = 0x1017;
/// The credentials of process a1 (0: the caller) for another service's permission
/// checks: a `credrec` record into a2 (lent W, a3 bytes). a0 = bytes written.
pub const CREDS: u64 = 0x1020;
/// A signal the kernel sends on its own behalf (an mq notification), without a
/// permission check: a1 = process, a2 = signal, a3 = si_code, a4 = si_value,
/// a5 = si_pid | si_uid << 32. A negative a1 names a process group (a file
/// owner's I/O signal).
pub const QUEUE_SIGNAL: u64 = 0x1021;
/// CPU time: a1 = which clock (`cpu::which`), a2 = thread or process id (0 = the
/// caller's). a0 = user ns, a1 = system ns; a0 = -EINVAL for no such clock.
pub const CPU_TIME: u64 = 0x1180;
/// a0 = 1 if the caller's process holds capability a1 (CAP_*), else 0.
pub const CAPABLE: u64 = 0x1181;
/// a0 = 1 if thread a1 exists (the owner a PI futex word names).
pub const THREAD_ALIVE: u64 = 0x1182;
/// The robust list heads of the caller (a3 = 0) or of every thread of its process
/// (a3 = 1): records of `robust::RECORD_SIZE` bytes (tid, head) written to a1
/// (lent W), at most a2 of them. a0 = how many.
pub const ROBUST_LISTS: u64 = 0x1183;
/// Whether the caller may read and write process a1's memory (ptrace attach
/// access): a0 = 0, -ESRCH (no such live process) or -EPERM.
pub const MAY_ACCESS: u64 = 0x1184;
/// Process a1's oom_score_adj for the caller: a2 = 0 reads it (a0 = the value as
/// i64), 1 sets it to a3 (a0 = 0, -EINVAL, -EACCES, -ESRCH), 2 asks whether the
/// caller may open the file for writing (a0 = 0 or -EACCES).
pub const OOM_ADJ: u64 = 0x1185;
/// a0 = /proc/PID/oom_score of process a1.
pub const OOM_SCORE: u64 = 0x1186;
/// Whether thread or process a1 (0: the caller) exists, and with a2 = 1 whether the
/// caller may change its scheduling (nice, policy, affinity: Linux's
/// check_same_owner/set_one_prio_perm, the caller's euid is the target's uid or euid,
/// or CAP_SYS_NICE). a0 = the target's pid, -ESRCH or -EPERM.
pub const SCHED_TARGET: u64 = 0x118a;
/// The caller's bounding set and securebits for prctl (cap_task_prctl): a1 = 0
/// PR_CAPBSET_READ of capability a2 (a0 = 0 or 1), 1 PR_CAPBSET_DROP of a2 (needs
/// CAP_SETPCAP), 2 PR_GET_SECUREBITS, 3 PR_SET_SECUREBITS to a2 (needs CAP_SETPCAP;
/// only SECBIT_KEEP_CAPS is kept), 4 PR_GET_KEEPCAPS, 5 PR_SET_KEEPCAPS to a2 (0 or
/// 1). a0 = -EINVAL / -EPERM on failure.
pub const CAPBSET: u64 = 0x118b;
/// The caller's allocation found no frame: run the OOM killer (`oom`). a0 = the
/// pid it sent SIGKILL to, or `oom::outcome::WAIT` / `oom::outcome::NONE`.
pub const OOM_KILL: u64 = 0x1187;
/// The state letter of thread a1 for /proc/PID/stat: a0 = b'R' (running or
/// runnable), b'S' (blocked), b'T' (its process stopped), b'Z' (its process ended,
/// not yet reaped; also for a1 the pid of a zombie, whose threads are gone); -ESRCH
/// for no such thread.
pub const THREAD_STATE: u64 = 0x1188;
