//! The one rule for user pointers: a syscall's arguments are qualified and its lends
//! checked here, once, at the personality's edge, before any service sees them.
//!
//! Both ways into a service go through `marshal`: a process's ecall (`linux`) and a
//! native `gx.pcall` (`wiring`, `native`), so a service gets the same arguments and the
//! same lends whichever way it was called. A pointer that is NULL where memory is
//! needed, unmapped, out of reach, wrapping, or naming another space is EFAULT for the
//! program: never a fault of the service it would have been lent to.

use machine::addr::{self, qualified, Sid, PAGE_SIZE};
use machine::{Access, GrantRights};
use std::cell::Cell;
use syscalls::user::UNWRITABLE;
use syscalls::{Env, Lend, ServiceId};

/// Where a call comes from, which decides what a pointer may name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A process's ecall: a pointer is a Linux one, local to the process; one with a
    /// space number lies above any user address (EFAULT), and is never stripped to a
    /// local address.
    Ecall,
    /// A native gx.pcall: local pointers are the caller's DATA; a qualified one names
    /// memory the caller lent the service itself (checked as the service).
    Native,
}

/// A call ready for its service: the five argument registers after the caller word,
/// and the buffers lent for the call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Marshalled {
    pub args: [u64; 5],
    pub lends: Vec<Lend>,
}

/// The user pointer `p` of the process whose DATA is `data`, as a service must see it
/// (qualified), or None if it may not be used.
pub fn user_pointer(p: u64, data: Sid, origin: Origin) -> Option<u64> {
    match addr::sid_of(p) {
        _ if p == 0 => Some(0),
        0 => Some(qualified(data, p)),
        _ if origin == Origin::Native => Some(p),
        _ => None,
    }
}

/// The arguments and lends syscall `n` of service `to` gets from a process whose DATA
/// is `data` (`a`: the syscall's six arguments as Linux has them), checked from the
/// point of view of `env.me()`; or the errno the program gets.
pub fn marshal(env: &mut dyn Env, to: ServiceId, n: u64, data: Sid, a: [u64; 6], origin: Origin) -> Result<Marshalled, i32> {
    let read = |p: u64, b: &mut [u8]| env.read(p, b).is_ok();
    // linux reads through its whole-space grant; a service called natively holds only
    // what the caller lent it, perhaps exactly a string's bytes.
    let Marshalled { mut args, mut lends } = match origin {
        Origin::Ecall => prepare(to, n, data, a, origin, syscalls::user::Reader(read))?,
        Origin::Native => prepare(to, n, data, a, origin, syscalls::user::LentReader(read))?,
    };
    // A lazy pointer (`lazy_arg`: a sleep's `rem`, written only if the sleep is
    // interrupted; recvfrom's source address, only if the socket has one) is not looked
    // at by Linux before, so a bad one is not lent but marked (`UNWRITABLE`): the call
    // goes on, and fails with EFAULT only if it comes to write there.
    if let Some((_, i)) = syscalls::lends::lazy_arg(n).filter(|&(_, i)| i < 5) {
        let rem = args[i];
        // Only when no other argument is the same pointer: dropping its lend would drop
        // the request's too, and the service would read an unlent pointer.
        let alone = args.iter().enumerate().all(|(j, &p)| j == i || p != rem);
        if rem != 0 && alone && (rem == UNWRITABLE || !lends.iter().filter(|l| l.ptr == rem).all(|l| accessible(env, l))) {
            lends.retain(|l| l.ptr != rem);
            args[i] = UNWRITABLE;
        }
    }
    if lends.iter().all(|l| accessible(env, l)) { Ok(Marshalled { args, lends }) } else { Err(libc::EFAULT) }
}

/// The first half of `marshal`: qualified arguments and the lends they need, reading
/// the process's memory through `mem` where a lend depends on it (strings, iovecs,
/// msghdrs); nothing is checked for access yet.
pub fn prepare(to: ServiceId, n: u64, data: Sid, a: [u64; 6], origin: Origin, mem: impl syscalls::user::ProcessMemory) -> Result<Marshalled, i32> {
    let foreign = Cell::new(false);
    // A lazy pointer naming another space (e.g. (void *)-1) is not EFAULT yet: it is
    // qualified as `UNWRITABLE`, which `marshal` drops and marks.
    let lazy = syscalls::lends::lazy_arg(n).map(|(i, _)| a[i]).filter(|&p| user_pointer(p, data, origin).is_none());
    let q = |p: u64| {
        user_pointer(p, data, origin).unwrap_or_else(|| {
            if lazy == Some(p) {
                return UNWRITABLE;
            }
            foreign.set(true);
            0
        })
    };
    let (args, lends) = match to {
        // The row, then the service's hook (`syscalls::lends`).
        ServiceId::Vfs | ServiceId::Proc | ServiceId::Mm | ServiceId::Time | ServiceId::Ipc => {
            let mut mem = mem;
            let r = syscalls::lends::prepare(n, a, &q, &mut mem);
            // A pointer naming another space is EFAULT before any other errno.
            if foreign.get() {
                return Err(libc::EFAULT);
            }
            let (x, lends) = r?;
            ([x[0], x[1], x[2], x[3], x[4]], lends)
        }
        _ => return Err(libc::EPERM),
    };
    if foreign.get() {
        return Err(libc::EFAULT);
    }
    Ok(Marshalled { args, lends })
}

/// Whether `env.me()` may touch every byte of `l` as the callee will: Linux's
/// access_ok and fault-in together. NULL is never accessible (a service's address 0 is
/// its own); an empty lend always is.
pub fn accessible(env: &dyn Env, l: &Lend) -> bool {
    if l.len == 0 {
        return true;
    }
    if l.ptr == 0 || l.ptr == UNWRITABLE {
        return false;
    }
    let (target, off) = addr::resolve(l.ptr, env.me());
    let Some(end) = off.checked_add(l.len).filter(|e| *e <= addr::SPACE_SIZE) else { return false };
    let mem = &env.machine().mem;
    let access = if l.rights.contains(GrantRights::W) { Access::Write } else { Access::Read };
    let mut p = addr::page_floor(off);
    while p < end {
        let (lo, hi) = (p.max(off), (p + PAGE_SIZE).min(end));
        if mem.check_only(env.me(), target, lo, hi - lo, access, l.ptr).is_err() {
            return false;
        }
        p += PAGE_SIZE;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use syscalls::table::{Arg, TABLE};

    const DATA: Sid = 0x42;

    /// Arguments shaped by the row's types: every pointer a distinct local address,
    /// sizes 8 (a sigset's), descriptors 3, other integers 1.
    fn args_for(types: &[Arg]) -> [u64; 6] {
        let mut a = [0u64; 6];
        for (i, t) in types.iter().enumerate() {
            a[i] = match t {
                t if t.is_pointer() || *t == Arg::Addr => 0x10_0000 * (i as u64 + 1),
                Arg::Uint => 8,
                Arg::Fd | Arg::DirFd => 3,
                Arg::Int => 1,
                _ => 0,
            };
        }
        a
    }

    /// Process memory that reads as zeroes, with 8-byte strings.
    fn memory() -> impl syscalls::user::ProcessMemory {
        syscalls::user::Reader(|p: u64, b: &mut [u8]| {
            b.fill(0);
            // A string at a pointer argument: "path/xx" then NUL.
            if p & 0xffff == 0 {
                let s = b"path/xx\0";
                let n = b.len().min(s.len());
                b[..n].copy_from_slice(&s[..n]);
            }
            true
        })
    }

    /// Whether `Linux::dispatch` marshals row `e` (exit, clone and execve it runs
    /// itself, its own rows and futex's it answers with their own checks).
    fn marshalled(e: &syscalls::table::Entry) -> bool {
        use syscalls::sysno as nr;
        matches!(e.owner, ServiceId::Vfs | ServiceId::Proc | ServiceId::Mm | ServiceId::Time | ServiceId::Ipc)
            && crate::linux::route(e.nr).is_some()
            && !matches!(e.nr, nr::EXIT | nr::EXIT_GROUP | nr::CLONE | nr::EXECVE)
    }

    /// The rows `Linux::dispatch` marshals.
    fn marshalled_rows() -> impl Iterator<Item = &'static syscalls::table::Entry> {
        TABLE.iter().filter(|e| marshalled(e))
    }

    /// Argument shapes beyond `args_for`'s, for the arms that depend on other
    /// arguments: every pointer NULL, sizes 0, sizes and counts huge, integers -1.
    fn shapes(types: &[Arg]) -> Vec<[u64; 6]> {
        let base = args_for(types);
        let with = |f: &dyn Fn(&Arg, u64) -> u64| {
            let mut a = base;
            for (i, t) in types.iter().enumerate() {
                a[i] = f(t, a[i]);
            }
            a
        };
        vec![
            base,
            with(&|t, v| if t.is_pointer() { 0 } else { v }),
            with(&|t, v| if *t == Arg::Uint { 0 } else { v }),
            with(&|t, v| if *t == Arg::Uint { u64::MAX } else { v }),
            with(&|t, v| if matches!(t, Arg::Int | Arg::Hex) { u64::MAX } else { v }),
            [0; 6],
        ]
    }

    #[test]
    fn the_ecall_and_native_paths_marshal_every_entry_the_same_way() {
        let (mut checked, mut ipc) = (0, 0);
        for e in TABLE {
            if !marshalled(e) {
                // Not marshalled here: answered by linux itself (with the checks of its
                // own handlers), or refused.
                assert!(matches!(e.owner, ServiceId::Linux | ServiceId::Futex) || crate::linux::route(e.nr).is_none() || e.is(syscalls::table::flag::NO_NATIVE), "{} is neither marshalled nor linux's", e.name);
                continue;
            }
            for a in shapes(e.args) {
                let ecall = prepare(e.owner, e.nr, DATA, a, Origin::Ecall, memory());
                let native = prepare(e.owner, e.nr, DATA, a, Origin::Native, memory());
                assert_eq!(ecall, native, "{} {a:x?}", e.name);
            }
            checked += 1;
            ipc += usize::from(e.owner == ServiceId::Ipc);
        }
        assert!(checked > 100, "only {checked} rows");
        // ipc's rows and hook are on the same path as the others'.
        let ipc_rows = TABLE.iter().filter(|e| e.owner == ServiceId::Ipc).count();
        assert_eq!((ipc, ipc_rows >= 18), (ipc_rows, true), "ipc rows not all marshalled");
    }

    #[test]
    fn every_pointer_a_service_gets_is_the_callers_and_lent() {
        for e in marshalled_rows() {
            let a = args_for(e.args);
            let Ok(m) = prepare(e.owner, e.nr, DATA, a, Origin::Ecall, memory()) else { continue };
            // No lend of the service's own memory (a local pointer left unqualified).
            for l in &m.lends {
                assert!(l.len == 0 || addr::sid_of(l.ptr) == DATA, "{}: lend {l:?} is not of the caller's DATA", e.name);
            }
            // Every argument register holding one of the caller's pointers is lent
            // from there: the service can touch it, and nothing else.
            for v in m.args {
                if addr::sid_of(v) == DATA && v & 0xffff == 0 {
                    assert!(m.lends.iter().any(|l| l.ptr == v), "{}: pointer {v:#x} passed but not lent", e.name);
                }
            }
            // Every pointer the table says the call dereferences reaches the service
            // qualified (never as a local address the service would take for its own).
            for (i, t) in e.args.iter().enumerate() {
                if t.is_pointer() {
                    let local = a[i];
                    assert!(!m.args.contains(&local), "{}: argument {i} ({t:?}) passed unqualified", e.name);
                }
            }
        }
    }

    #[test]
    fn a_lazy_pointer_of_another_space_is_marked_not_refused() {
        use syscalls::sysno as nr;
        // recvfrom(3, buf, 16, 0, (void *)-1, &len): the source address is lazy
        // (register 3 after the vfs's packing), the rest as usual.
        let m = prepare(ServiceId::Vfs, nr::RECVFROM, DATA, [3, 0x10_0000, 16, 0, u64::MAX, 0x20_0000], Origin::Ecall, memory()).unwrap();
        assert_eq!(m.args[3], UNWRITABLE);
        assert!(m.lends.iter().any(|l| l.ptr == qualified(DATA, 0x20_0000)));
        // Any other pointer of another space is still EFAULT.
        assert_eq!(prepare(ServiceId::Vfs, nr::RECVFROM, DATA, [3, u64::MAX, 16, 0, 0x10_0000, 0x20_0000], Origin::Ecall, memory()), Err(libc::EFAULT));
    }

    #[test]
    fn pointers_of_other_spaces_are_refused_on_the_ecall_path() {
        let data: Sid = 7;
        assert_eq!(user_pointer(0, data, Origin::Ecall), Some(0));
        assert_eq!(user_pointer(0x1000, data, Origin::Ecall), Some(qualified(data, 0x1000)));
        assert_eq!(user_pointer(qualified(data, 0x1000), data, Origin::Ecall), None);
        assert_eq!(user_pointer(qualified(3, 0x1000), data, Origin::Ecall), None);
        assert_eq!(user_pointer(u64::MAX - 0xfff, data, Origin::Ecall), None);
        // A native caller names memory it lent the service itself.
        assert_eq!(user_pointer(qualified(3, 0x1000), data, Origin::Native), Some(qualified(3, 0x1000)));
        assert_eq!(user_pointer(0x1000, data, Origin::Native), Some(qualified(data, 0x1000)));
    }
}
