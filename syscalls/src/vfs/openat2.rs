//! openat2: open with a `struct open_how` (flags, mode, resolve) checked strictly, and
//! the RESOLVE_* rules applied while the path is resolved: BENEATH (never leave the
//! directory: EXDEV), IN_ROOT (the directory is /), NO_SYMLINKS and NO_MAGICLINKS
//! (ELOOP), NO_XDEV (no mount crossing: EXDEV), CACHED (EAGAIN for what would create).
//!
//! The path is resolved here, component by component as `path::resolve` does, then
//! opened as openat opens its canonical result.

use super::abi::o;
use super::fs::{path_arg, tri};
use super::path::{MAX_LINKS, NAME_MAX, Node, Resolved};
use super::wait::Who;
use super::{Regs, Vfs, fail};
use crate::service::Env;
use std::collections::VecDeque;

/// RESOLVE_* flags.
pub mod resolve {
    pub const NO_XDEV: u64 = 0x01;
    pub const NO_MAGICLINKS: u64 = 0x02;
    pub const NO_SYMLINKS: u64 = 0x04;
    pub const BENEATH: u64 = 0x08;
    pub const IN_ROOT: u64 = 0x10;
    pub const CACHED: u64 = 0x20;
    pub const ALL: u64 = 0x3f;
}

/// The first version of `struct open_how` (flags, mode, resolve: three u64).
pub const OPEN_HOW_SIZE_VER0: u64 = 24;
/// The largest structure the kernel looks at (one page).
pub const OPEN_HOW_MAX: u64 = 4096;

/// Every flag open(2) knows (Linux's VALID_OPEN_FLAGS).
const VALID_OPEN_FLAGS: u64 = (o::ACCMODE | o::CREAT | o::EXCL | o::NOCTTY | o::TRUNC | o::APPEND | o::NONBLOCK | o::DSYNC | o::ASYNC | o::DIRECT | o::LARGEFILE | o::DIRECTORY | o::NOFOLLOW | o::NOATIME | o::CLOEXEC | o::SYNC | o::PATH | o::TMPFILE) as u64;
/// What O_PATH may come with.
const O_PATH_FLAGS: u64 = (o::DIRECTORY | o::NOFOLLOW | o::PATH | o::CLOEXEC) as u64;

/// Linux's build_open_flags for openat2: every argument checked, nothing ignored.
pub fn check_how(flags: u64, mode: u64, res: u64) -> Result<(), i32> {
    let f = flags & !(o::CLOEXEC as u64);
    if f & !VALID_OPEN_FLAGS != 0 || res & !resolve::ALL != 0 {
        return Err(libc::EINVAL);
    }
    if res & resolve::BENEATH != 0 && res & resolve::IN_ROOT != 0 {
        return Err(libc::EINVAL);
    }
    let tmpfile = f & o::TMPFILE as u64 == o::TMPFILE as u64;
    let creates = f & o::CREAT as u64 != 0 || tmpfile;
    if creates && mode & !0o7777 != 0 || !creates && mode != 0 {
        return Err(libc::EINVAL);
    }
    let dir_creat = (o::DIRECTORY | o::CREAT) as u64;
    if f & dir_creat == dir_creat {
        return Err(libc::EINVAL);
    }
    if tmpfile && f & o::ACCMODE as u64 == o::RDONLY as u64 {
        return Err(libc::EINVAL);
    }
    if f & o::PATH as u64 != 0 && flags & !O_PATH_FLAGS != 0 {
        return Err(libc::EINVAL);
    }
    if res & resolve::CACHED != 0 && f & (o::TRUNC | o::CREAT) as u64 != 0 || res & resolve::CACHED != 0 && tmpfile {
        return Err(libc::EAGAIN);
    }
    Ok(())
}

/// openat2(dirfd, path, how*, size).
pub fn openat2(v: &mut Vfs, env: &mut dyn Env, who: Who, s: [u64; 5]) -> Regs {
    let (dirfd, how, size) = (s[0] as i32, s[2], s[3]);
    if size < OPEN_HOW_SIZE_VER0 {
        return fail(libc::EINVAL);
    }
    if size > OPEN_HOW_MAX {
        return fail(libc::E2BIG);
    }
    let mut b = vec![0u8; size as usize];
    env.read(how, &mut b)?;
    // A larger structure than this kernel knows is fine if the rest is zero.
    if b[OPEN_HOW_SIZE_VER0 as usize..].iter().any(|x| *x != 0) {
        return fail(libc::E2BIG);
    }
    let word = |i: usize| u64::from_le_bytes(b[i * 8..i * 8 + 8].try_into().unwrap_or_default());
    let (flags, mode, res) = (word(0), word(1), word(2));
    tri!(check_how(flags, mode, res));
    let g = path_arg!(v, env, s[1]);
    let follow = flags & o::NOFOLLOW as u64 == 0;
    let excl = flags & (o::CREAT | o::EXCL) as u64 == (o::CREAT | o::EXCL) as u64;
    let r = tri!(scoped(v, env, who.pid, dirfd, &g, follow && !excl, res));
    // Opened as openat opens the canonical path (which names the same thing: every
    // link but an unfollowed last one is resolved already).
    super::fs::open_path(v, env, who, r.path, [dirfd as u64, s[1], flags, mode, 0])
}

/// Resolves `path` relative to `dirfd` under the RESOLVE_* flags `res`.
fn scoped(v: &Vfs, env: &mut dyn Env, pid: u32, dirfd: i32, path: &str, follow: bool, res: u64) -> Result<Resolved, i32> {
    if path.is_empty() {
        return Err(libc::ENOENT);
    }
    let scope = res & (resolve::BENEATH | resolve::IN_ROOT) != 0;
    let base = if !path.starts_with('/') || scope { Some(v.start_dir(pid, dirfd)?) } else { None };
    let root: Vec<String> = match &base {
        Some(b) if scope => comps(b),
        _ => Vec::new(),
    };
    if path.starts_with('/') && res & resolve::BENEATH != 0 {
        return Err(libc::EXDEV);
    }
    let mut stack: Vec<String> = if path.starts_with('/') { root.clone() } else { comps(base.as_deref().unwrap_or("/")) };
    let start_dev = if res & resolve::NO_XDEV != 0 { dev_of(v, pid, &absolute(&stack), &Node::Dir) } else { None };
    let mut todo: VecDeque<String> = comps(path).into();
    let slash = path.ends_with('/') && !todo.is_empty();
    let mut links = 0u32;
    let mut node = Node::Dir;
    while let Some(c) = todo.pop_front() {
        if c.len() > NAME_MAX {
            return Err(libc::ENAMETOOLONG);
        }
        let last = todo.is_empty();
        if c == "." {
            node = Node::Dir;
            continue;
        }
        if c == ".." {
            if stack.len() <= root.len() && scope {
                // At the scope's root: IN_ROOT stays there, BENEATH refuses to leave.
                if res & resolve::BENEATH != 0 {
                    return Err(libc::EXDEV);
                }
            } else {
                stack.pop();
            }
            node = Node::Dir;
            continue;
        }
        stack.push(c);
        let here = absolute(&stack);
        let found = v.lookup(env, pid, &here);
        let follow_this = !last || follow || slash;
        match found {
            Node::Link(_) | Node::Magic(..) if res & resolve::NO_SYMLINKS != 0 && follow_this => return Err(libc::ELOOP),
            Node::Magic(..) if follow_this && res & resolve::NO_MAGICLINKS != 0 => return Err(libc::ELOOP),
            // A magic link jumps out of any scope.
            Node::Magic(..) if follow_this && scope => return Err(libc::EXDEV),
            Node::Link(target) if follow_this => {
                links += 1;
                if links > MAX_LINKS {
                    return Err(libc::ELOOP);
                }
                if target.is_empty() {
                    return Err(libc::ENOENT);
                }
                stack.pop();
                if target.starts_with('/') {
                    if res & resolve::BENEATH != 0 {
                        return Err(libc::EXDEV);
                    }
                    stack = root.clone();
                }
                for t in comps(&target).into_iter().rev() {
                    todo.push_front(t);
                }
                node = Node::Dir;
            }
            Node::Magic(_, text) if !last => {
                links += 1;
                if links > MAX_LINKS {
                    return Err(libc::ELOOP);
                }
                if !text.starts_with('/') {
                    return Err(libc::ENOTDIR);
                }
                stack.clear();
                for t in comps(&text).into_iter().rev() {
                    todo.push_front(t);
                }
                node = Node::Dir;
            }
            Node::Dir => {
                if start_dev.is_some() && dev_of(v, pid, &here, &Node::Dir) != start_dev {
                    return Err(libc::EXDEV);
                }
                node = Node::Dir;
            }
            Node::Error(e) => return Err(e),
            Node::Missing if !last => return Err(libc::ENOENT),
            Node::Other | Node::Link(_) if !last => return Err(libc::ENOTDIR),
            other => node = other,
        }
    }
    if slash && matches!(node, Node::Other) {
        return Err(libc::ENOTDIR);
    }
    Ok(Resolved { path: absolute(&stack), node, slash })
}

/// The device of a directory (synthesized or on the host).
fn dev_of(v: &Vfs, pid: u32, g: &str, node: &Node) -> Option<u64> {
    use std::os::unix::fs::MetadataExt;
    match v.synth_stat(pid, g, node) {
        Some(st) => Some(st.dev),
        None => std::fs::metadata(v.host(g)).ok().map(|m| m.dev()),
    }
}

fn comps(p: &str) -> Vec<String> {
    p.split('/').filter(|c| !c.is_empty()).map(str::to_string).collect()
}

fn absolute(stack: &[String]) -> String {
    if stack.is_empty() { "/".to_string() } else { stack.iter().map(|c| format!("/{c}")).collect() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn how_is_checked_as_linux_does() {
        let rd = o::RDONLY as u64;
        assert_eq!(check_how(rd, 0, 0), Ok(()));
        assert_eq!(check_how(1 << 40, 0, 0), Err(libc::EINVAL));
        assert_eq!(check_how(rd, 0, 0x40), Err(libc::EINVAL));
        assert_eq!(check_how(rd, 0, resolve::BENEATH | resolve::IN_ROOT), Err(libc::EINVAL));
        assert_eq!(check_how(rd, 0o644, 0), Err(libc::EINVAL), "a mode without O_CREAT");
        assert_eq!(check_how(o::CREAT as u64, 0o10644, 0), Err(libc::EINVAL), "a file type in the mode");
        assert_eq!(check_how(o::CREAT as u64 | o::WRONLY as u64, 0o644, 0), Ok(()));
        assert_eq!(check_how((o::PATH | o::RDWR) as u64, 0, 0), Err(libc::EINVAL));
        assert_eq!(check_how((o::PATH | o::CLOEXEC | o::NOFOLLOW) as u64, 0, 0), Ok(()));
        assert_eq!(check_how((o::CREAT | o::WRONLY) as u64, 0o600, resolve::CACHED), Err(libc::EAGAIN));
    }
}
