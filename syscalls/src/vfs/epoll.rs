//! epoll: interest lists over open files, with level-triggered, edge-triggered
//! (EPOLLET) and one-shot (EPOLLONESHOT) reporting, nesting, and timed waits.
//!
//! Readiness is computed when asked, never queued: an edge is "ready now, and the
//! file's generation or events differ from what was last reported".

use super::abi::{self, ev, o};
use super::fs::tri;
use super::io::Stop;
use super::ready::{finish_or_wait, sigmask, start_timeout};
use super::wait::{WaitSet, Who};
use super::{Backend, Regs, Vfs, fail, host, val};
use crate::service::Env;
use crate::sysno as nr;
use std::collections::BTreeMap;
use std::os::fd::AsRawFd;

/// How deep epoll instances may nest (Linux's EP_MAX_NESTS).
pub const MAX_DEPTH: u32 = 4;
const CTL_ADD: u64 = 1;
const CTL_DEL: u64 = 2;
const CTL_MOD: u64 = 3;

/// One registered (fd, open file).
#[derive(Clone, Copy, Debug)]
pub struct Item {
    pub events: u32,
    pub data: u64,
    /// (generation, events) last reported, for EPOLLET.
    pub last: Option<(u64, u32)>,
    /// A one-shot item that fired, until EPOLL_CTL_MOD re-arms it.
    pub disabled: bool,
}

/// An epoll instance: its interest list, keyed like Linux's by (fd, open file).
#[derive(Debug, Default)]
pub struct Epoll {
    pub items: BTreeMap<(i32, u64), Item>,
    /// Where the last wait stopped reporting, so a small maxevents does not starve the
    /// items after it.
    cursor: Option<(i32, u64)>,
}

/// The events item `it` on open file `file` would report now (None: nothing).
fn item_events(v: &Vfs, file: u64, it: &Item, set: &mut WaitSet, depth: u32) -> Option<u32> {
    if it.disabled {
        return None;
    }
    let want = it.events & !(ev::ET | ev::ONESHOT | ev::EXCLUSIVE | ev::WAKEUP);
    let got = v.events(file, want, set, depth) & (want | ev::ERR | ev::HUP);
    if got == 0 {
        return None;
    }
    if it.events & ev::ET != 0 && it.last == Some((v.generation(file), got)) {
        return None;
    }
    Some(got)
}

/// Whether epoll instance `ep` has something to report (what makes it readable).
pub fn would_report(v: &Vfs, ep: &Epoll, set: &mut WaitSet, depth: u32) -> bool {
    ep.items.iter().any(|((_, file), it)| item_events(v, *file, it, set, depth).is_some())
}

/// Removes every registration of an open file that went away.
pub fn forget_file(v: &mut Vfs, file: u64) {
    for f in v.files.values_mut() {
        if let Backend::Epoll(ep) = &mut f.backend {
            ep.items.retain(|(_, fl), _| *fl != file);
        }
    }
}

/// Whether `file` can be watched (Linux: EPERM for files without a poll method).
fn pollable(v: &Vfs, file: u64) -> bool {
    match v.files.get(&file).map(|f| &f.backend) {
        Some(Backend::Host(h)) => !host::is_regular(h.as_raw_fd()),
        Some(Backend::Console(h)) => !host::is_regular(*h),
        Some(Backend::Dir(_) | Backend::Text(_) | Backend::Comm(..) | Backend::Proc(_) | Backend::Null | Backend::Zero | Backend::Full) => false,
        Some(_) => true,
        None => false,
    }
}

/// Whether epoll `inner` is `target` or watches it, directly or through nested
/// instances, within `depth` levels.
fn reaches(v: &Vfs, inner: u64, target: u64, depth: u32) -> bool {
    if inner == target {
        return true;
    }
    if depth > MAX_DEPTH {
        return true;
    }
    match v.files.get(&inner).map(|f| &f.backend) {
        Some(Backend::Epoll(ep)) => ep.items.keys().any(|(_, f)| reaches(v, *f, target, depth + 1)),
        _ => false,
    }
}

/// epoll_create1(flags).
pub fn create(v: &mut Vfs, env: &mut dyn Env, who: Who, flags: i32) -> Regs {
    if flags & !o::CLOEXEC != 0 {
        return fail(libc::EINVAL);
    }
    let id = v.new_file(Backend::Epoll(Epoll::default()), o::RDWR, "anon_inode:[eventpoll]".into());
    val(v.install_new(env, who.pid, id, flags & o::CLOEXEC != 0))
}

/// epoll_ctl(epfd, op, fd, event*).
pub fn ctl(v: &mut Vfs, env: &mut dyn Env, who: Who, s: [u64; 5]) -> Regs {
    let (epfd, op, fd) = (s[0] as i32, s[1], s[2] as i32);
    let (ep_id, epf) = tri!(v.get(who.pid, epfd));
    let (file, _) = tri!(v.get(who.pid, fd));
    if !matches!(epf.backend, Backend::Epoll(_)) || ep_id == file {
        return fail(libc::EINVAL);
    }
    if !pollable(v, file) {
        return fail(libc::EPERM);
    }
    let (mut events, mut data) = (0, 0);
    if op == CTL_ADD || op == CTL_MOD {
        let mut b = [0u8; 16];
        env.read(s[3], &mut b)?;
        events = abi::u32_at(&b, 0);
        data = abi::u64_at(&b, 8);
    }
    let target_is_epoll = matches!(v.files.get(&file).map(|f| &f.backend), Some(Backend::Epoll(_)));
    if op == CTL_ADD && target_is_epoll {
        if events & ev::EXCLUSIVE != 0 {
            return fail(libc::EINVAL);
        }
        if reaches(v, file, ep_id, 0) {
            return fail(libc::ELOOP);
        }
    }
    let Some(Backend::Epoll(ep)) = v.files.get_mut(&ep_id).map(|f| &mut f.backend) else { return fail(libc::EINVAL) };
    let k = (fd, file);
    match op {
        CTL_ADD => {
            if ep.items.contains_key(&k) {
                return fail(libc::EEXIST);
            }
            ep.items.insert(k, Item { events, data, last: None, disabled: false });
        }
        CTL_MOD => {
            let Some(it) = ep.items.get_mut(&k) else { return fail(libc::ENOENT) };
            if it.events & ev::EXCLUSIVE != 0 || events & ev::EXCLUSIVE != 0 {
                return fail(libc::EINVAL);
            }
            *it = Item { events, data, last: None, disabled: false };
        }
        CTL_DEL => {
            if ep.items.remove(&k).is_none() {
                return fail(libc::ENOENT);
            }
        }
        _ => return fail(libc::EINVAL),
    }
    val(0)
}

/// epoll_pwait(epfd, events*, maxevents, timeout_ms, sigmask*, sigsetsize) and
/// epoll_pwait2(..., timeout*, ...); epfd and maxevents travel packed in the first
/// argument (epfd | maxevents << 32).
pub fn pwait(v: &mut Vfs, env: &mut dyn Env, who: Who, n: u64, s: [u64; 5]) -> Regs {
    let (epfd, maxevents) = (s[0] as u32 as i32, (s[0] >> 32) as u32 as i32);
    let out = s[1];
    if maxevents <= 0 || maxevents as usize > i32::MAX as usize / 16 {
        return fail(libc::EINVAL);
    }
    let (ep_id, epf) = tri!(v.get(who.pid, epfd));
    if !matches!(epf.backend, Backend::Epoll(_)) {
        return fail(libc::EINVAL);
    }
    let ns = if n == nr::EPOLL_PWAIT2 {
        if s[2] == 0 {
            None
        } else {
            let mut b = [0u8; 16];
            env.read(s[2], &mut b)?;
            match abi::timespec_ns(&b) {
                Some(t) => Some(t),
                None => return fail(libc::EINVAL),
            }
        }
    } else {
        let ms = s[2] as i32;
        if ms < 0 { None } else { Some(ms as u128 * 1_000_000) }
    };
    let mask = match sigmask(env, s[3], s[4])? {
        Ok(m) => m,
        Err(e) => return fail(e),
    };
    start_timeout(v, who, ns);
    // Look at the items (starting after the last one reported), then record what was
    // reported.
    let Some(Backend::Epoll(ep)) = v.files.get(&ep_id).map(|f| &f.backend) else { return fail(libc::EINVAL) };
    let mut keys: Vec<((i32, u64), Item)> = ep.items.iter().map(|(k, i)| (*k, *i)).collect();
    if let Some(c) = ep.cursor {
        let split = keys.iter().position(|(k, _)| *k > c).unwrap_or(keys.len());
        keys.rotate_left(split);
    }
    let mut set = WaitSet::default();
    let mut hits: Vec<((i32, u64), u32, u64)> = Vec::new();
    for (k, it) in &keys {
        if hits.len() >= maxevents as usize {
            break;
        }
        if let Some(got) = item_events(v, k.1, it, &mut set, 1) {
            hits.push((*k, got, v.generation(k.1)));
        }
    }
    if !hits.is_empty() {
        let Some(Backend::Epoll(ep)) = v.files.get_mut(&ep_id).map(|f| &mut f.backend) else { return fail(libc::EINVAL) };
        let mut buf = vec![0u8; hits.len() * 16];
        for (i, (k, got, generation)) in hits.iter().enumerate() {
            if let Some(it) = ep.items.get_mut(k) {
                abi::put(&mut buf, i * 16, &got.to_le_bytes());
                abi::put(&mut buf, i * 16 + 8, &it.data.to_le_bytes());
                it.last = Some((*generation, *got));
                if it.events & ev::ONESHOT != 0 {
                    it.disabled = true;
                }
            }
            ep.cursor = Some(*k);
        }
        env.write(out, &buf)?;
    }
    let count = hits.len() as u64;
    match finish_or_wait(v, env, who, (count > 0).then_some(count), ns == Some(0), mask, &set) {
        Ok(regs) => Ok(regs),
        Err(Stop::Block(regs)) => Ok(regs),
        Err(Stop::Err(e)) => fail(e),
        Err(Stop::Fault(f)) => Err(f),
    }
}
