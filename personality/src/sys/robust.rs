//! What a thread's death does to the robust futexes it held: its robust list
//! (registered with set_robust_list, kept by proc) is walked in its process's memory,
//! and futex marks each word the thread still owned with FUTEX_OWNER_DIED and wakes
//! a waiter (Linux's exit_robust_list), so the next locker gets EOWNERDEAD.
//!
//! The list is user memory and may be anything: a pointer that cannot be read ends
//! the walk, a word that cannot be written is skipped, and at most `LIMIT` entries
//! are followed (a cycle ends there), as on Linux.

use crate::call::{scratch, Caller};
use crate::marshal::accessible;
use crate::state::Linux;
use machine::addr::qualified;
use syscalls::futex::pi::{died, OWNER_DIED};
use syscalls::proc::op as proc_op;
use syscalls::proc::robust::RECORD_SIZE;
use syscalls::{Env, Lend, ServiceId};

/// The most entries followed per list (Linux's ROBUST_LIST_LIMIT).
const LIMIT: usize = 2048;

/// The most threads whose lists are walked at once (records that fit in scratch::MISC).
const MAX_THREADS: u64 = 128;

/// Walks the robust lists of the caller (`group` false) or of every thread of its
/// process (exit_group, a fatal signal), before proc forgets them.
pub fn owner_died(env: &mut dyn Env, c: &Caller, group: bool) {
    let me = env.me();
    let buf = qualified(me, scratch::BASE + scratch::BLOB);
    let lend = [Lend::write(buf, MAX_THREADS * RECORD_SIZE)];
    let n = match env.call(ServiceId::Proc, proc_op::ROBUST_LISTS, [c.word(), buf, MAX_THREADS, group as u64, 0, 0], &lend) {
        Ok([n, _]) if n <= MAX_THREADS => n,
        _ => return,
    };
    let mut lists = Vec::new();
    for i in 0..n {
        if let (Some(tid), Some(head)) = (Linux::read_u64(env, buf + i * RECORD_SIZE), Linux::read_u64(env, buf + i * RECORD_SIZE + 8)) {
            lists.push((tid as u32, head));
        }
    }
    for (tid, head) in lists {
        walk(env, c, tid, head);
    }
}

/// Walks one list: `head` is struct robust_list_head { next, futex_offset,
/// list_op_pending } in the process's memory; an entry's bit 0 marks a PI futex.
fn walk(env: &mut dyn Env, c: &Caller, tid: u32, head: u64) {
    let read = |env: &mut dyn Env, p: u64| Linux::read_u64(env, c.q(p));
    let (Some(mut entry), Some(offset), Some(pending)) = (read(env, head), read(env, head.wrapping_add(8)), read(env, head.wrapping_add(16))) else { return };
    for _ in 0..LIMIT {
        if entry == head || entry == 0 {
            break;
        }
        // The next pointer is read first: waking a waiter may free this entry.
        let next = read(env, entry & !1);
        if entry != pending {
            died_word(env, c, tid, entry, offset, 0);
        }
        match next {
            Some(n) => entry = n,
            None => break,
        }
    }
    if pending != 0 {
        died_word(env, c, tid, pending, offset, died::PENDING);
    }
}

/// Has futex apply the owner-died rule to the word of list entry `entry`.
fn died_word(env: &mut dyn Env, c: &Caller, tid: u32, entry: u64, offset: u64, how: u64) {
    let word = c.q((entry & !1).wrapping_add(offset));
    let lend = Lend::read_write(word, 4);
    if word % 4 != 0 || !accessible(env, &lend) {
        return;
    }
    let how = how | if entry & 1 != 0 { died::PI } else { 0 };
    let _ = env.call(ServiceId::Futex, OWNER_DIED, [c.word() & 0xffff_ffff, word, tid as u64, how, 0, 0], &[lend]);
}
