//! Guest paths: component-by-component resolution inside the guest's root, and the
//! mapping of canonical guest paths onto the host directory that is /.
//!
//! The host never resolves a guest path by itself: every symlink is read and followed
//! here, so `..`, absolute symlinks and relative symlinks all stay inside the root (a
//! `..` at / stays at /, an absolute target restarts at the guest's /). What reaches the
//! host is a path whose every directory component is a real directory; only the last
//! component may be a symlink, and only when the caller asked not to follow it.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

/// Linux's limit on symlinks followed in one resolution.
pub const MAX_LINKS: u32 = 40;
/// Longest path the guest may pass (PATH_MAX including the NUL).
pub const PATH_MAX: usize = 4096;
/// Longest path component.
pub const NAME_MAX: usize = 255;

/// What one guest path names, as far as resolution cares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    /// Nothing there.
    Missing,
    /// A directory (host or synthesized).
    Dir,
    /// A symlink with this target.
    Link(String),
    /// A "magic" link of /proc (/proc/PID/fd/N): names an open file, not a path. Its
    /// text (the file's path, or "pipe:[N]") is used when something resolves through it.
    Magic(u64, String),
    /// Anything else that exists (file, device, fifo, socket).
    Other,
    /// The lookup itself failed (EACCES, ...).
    Error(i32),
}

/// The outcome of resolving a path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    /// Canonical absolute guest path: no `.`, `..`, empty components or symlinks,
    /// except a last component that is a symlink left unfollowed.
    pub path: String,
    /// What the last component is.
    pub node: Node,
    /// The path ended in '/' (the last component must be a directory).
    pub slash: bool,
}

/// Splits a path into its non-empty components.
fn components(p: &str) -> impl Iterator<Item = &str> {
    p.split('/').filter(|c| !c.is_empty())
}

/// Joins components into an absolute path.
fn absolute(stack: &[String]) -> String {
    if stack.is_empty() {
        return "/".to_string();
    }
    let mut s = String::new();
    for c in stack {
        s.push('/');
        s.push_str(c);
    }
    s
}

/// Resolves guest path `path` (relative ones against the canonical directory `start`)
/// inside the guest's root. `follow` says whether a symlink in the last component is
/// followed; a path ending in '/' always follows. `lookup` tells what a canonical
/// guest path names. Errors are errnos: ENOENT (empty path or a missing directory on
/// the way), ENOTDIR, ELOOP, ENAMETOOLONG.
pub fn resolve(start: &str, path: &str, follow: bool, lookup: &mut dyn FnMut(&str) -> Node) -> Result<Resolved, i32> {
    if path.is_empty() {
        return Err(libc::ENOENT);
    }
    if path.len() >= PATH_MAX {
        return Err(libc::ENAMETOOLONG);
    }
    let mut stack: Vec<String> = if path.starts_with('/') { Vec::new() } else { components(start).map(str::to_string).collect() };
    let mut todo: VecDeque<String> = components(path).map(str::to_string).collect();
    let slash = path.ends_with('/') && !todo.is_empty();
    let mut links = 0u32;
    // What the last component processed turned out to be; the start (or /) is a dir.
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
            stack.pop();
            node = Node::Dir;
            continue;
        }
        stack.push(c);
        let here = absolute(&stack);
        let found = lookup(&here);
        let follow_this = !last || follow || slash;
        match found {
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
                    stack.clear();
                }
                for t in components(&target).collect::<Vec<_>>().into_iter().rev() {
                    todo.push_front(t.to_string());
                }
                // A link to "/" (or "a/..") leaves nothing to push: the result is a dir.
                node = Node::Dir;
            }
            Node::Magic(_, text) if !last => {
                // Something below a magic link: go on from what it names, if that is
                // a path at all ("pipe:[3]" is not).
                links += 1;
                if links > MAX_LINKS {
                    return Err(libc::ELOOP);
                }
                if !text.starts_with('/') {
                    return Err(libc::ENOTDIR);
                }
                stack.clear();
                for t in components(&text).collect::<Vec<_>>().into_iter().rev() {
                    todo.push_front(t.to_string());
                }
                node = Node::Dir;
            }
            Node::Dir => node = Node::Dir,
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

/// The parent directory and last component of a canonical guest path ("/" has no
/// last component).
pub fn split_last(p: &str) -> (String, Option<String>) {
    match p.rfind('/') {
        Some(0) if p.len() > 1 => ("/".to_string(), Some(p[1..].to_string())),
        Some(i) if i + 1 < p.len() => (p[..i].to_string(), Some(p[i + 1..].to_string())),
        _ => ("/".to_string(), None),
    }
}

/// Whether canonical `p` is `dir` or below it.
pub fn is_under(p: &str, dir: &str) -> bool {
    p == dir || (p.starts_with(dir) && (dir.ends_with('/') || p.as_bytes().get(dir.len()) == Some(&b'/')))
}

/// The host path of a canonical guest path.
pub fn to_host(root: &Path, guest: &str) -> PathBuf {
    let rel = guest.trim_start_matches('/');
    if rel.is_empty() { root.to_path_buf() } else { root.join(rel) }
}

/// The guest path of a host path under `root`, if it is under it.
pub fn to_guest(root: &Path, host: &Path) -> Option<String> {
    let rel = host.strip_prefix(root).ok()?;
    let rel = rel.to_string_lossy();
    Some(if rel.is_empty() { "/".to_string() } else { format!("/{rel}") })
}

/// What a canonical guest path names on the host below `root` (no symlink followed).
pub fn host_node(root: &Path, guest: &str) -> Node {
    node_of(&to_host(root, guest))
}

/// What host path `h` is, as resolution sees it (no symlink followed).
pub fn node_of(h: &Path) -> Node {
    match std::fs::symlink_metadata(h) {
        Ok(m) if m.is_dir() => Node::Dir,
        Ok(m) if m.file_type().is_symlink() => match std::fs::read_link(h) {
            Ok(t) => Node::Link(t.to_string_lossy().into_owned()),
            Err(e) => Node::Error(e.raw_os_error().unwrap_or(libc::EIO)),
        },
        Ok(_) => Node::Other,
        Err(e) => match e.raw_os_error() {
            Some(libc::ENOENT) | Some(libc::ENOTDIR) | None => Node::Missing,
            Some(e) => Node::Error(e),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// A fake tree: path -> node.
    fn tree(entries: &[(&str, Node)]) -> BTreeMap<String, Node> {
        entries.iter().map(|(p, n)| (p.to_string(), n.clone())).collect()
    }

    fn run(t: &BTreeMap<String, Node>, start: &str, p: &str, follow: bool) -> Result<String, i32> {
        resolve(start, p, follow, &mut |q| t.get(q).cloned().unwrap_or(Node::Missing)).map(|r| r.path)
    }

    #[test]
    fn dotdot_cannot_escape() {
        let t = tree(&[("/a", Node::Dir), ("/a/b", Node::Dir), ("/etc", Node::Dir)]);
        assert_eq!(run(&t, "/a/b", "../../../../etc", true), Ok("/etc".into()));
        assert_eq!(run(&t, "/a", "./b/../b", true), Ok("/a/b".into()));
        assert_eq!(run(&t, "/", "//a//b/", true), Ok("/a/b".into()));
        assert_eq!(run(&t, "/", "..", true), Ok("/".into()));
    }

    #[test]
    fn absolute_links_restart_at_the_guest_root() {
        let t = tree(&[("/jail", Node::Dir), ("/jail/esc", Node::Link("/".into())), ("/jail/up", Node::Link("../../../..".into())), ("/etc", Node::Dir)]);
        assert_eq!(run(&t, "/jail", "esc", true), Ok("/".into()));
        assert_eq!(run(&t, "/jail", "esc/etc", true), Ok("/etc".into()));
        assert_eq!(run(&t, "/jail", "up/etc", true), Ok("/etc".into()));
        assert_eq!(run(&t, "/jail", "up", true), Ok("/".into()));
    }

    #[test]
    fn dotdot_is_physical_after_a_link() {
        // /l -> /x/y, so /l/.. is /x, not /.
        let t = tree(&[("/x", Node::Dir), ("/x/y", Node::Dir), ("/l", Node::Link("x/y".into()))]);
        assert_eq!(run(&t, "/", "l/..", true), Ok("/x".into()));
    }

    #[test]
    fn last_link_followed_only_when_asked() {
        let t = tree(&[("/f", Node::Other), ("/l", Node::Link("f".into())), ("/d", Node::Dir), ("/dl", Node::Link("d".into()))]);
        assert_eq!(run(&t, "/", "l", true), Ok("/f".into()));
        assert_eq!(run(&t, "/", "l", false), Ok("/l".into()));
        // A trailing slash always follows.
        assert_eq!(run(&t, "/", "dl/", false), Ok("/d".into()));
        let r = resolve("/", "l", false, &mut |q| t.get(q).cloned().unwrap_or(Node::Missing)).unwrap();
        assert_eq!(r.node, Node::Link("f".into()));
    }

    #[test]
    fn errors() {
        let t = tree(&[("/f", Node::Other), ("/loop", Node::Link("loop".into())), ("/dang", Node::Link("nowhere/x".into()))]);
        assert_eq!(run(&t, "/", "", true), Err(libc::ENOENT));
        assert_eq!(run(&t, "/", "f/x", true), Err(libc::ENOTDIR));
        assert_eq!(run(&t, "/", "f/", true), Err(libc::ENOTDIR));
        assert_eq!(run(&t, "/", "missing/x", true), Err(libc::ENOENT));
        assert_eq!(run(&t, "/", "loop", true), Err(libc::ELOOP));
        assert_eq!(run(&t, "/", "loop", false), Ok("/loop".into()));
        assert_eq!(run(&t, "/", "dang", true), Err(libc::ENOENT));
        assert_eq!(run(&t, "/", &"x".repeat(300), true), Err(libc::ENAMETOOLONG));
        assert_eq!(run(&t, "/", &"a/".repeat(2100), true), Err(libc::ENAMETOOLONG));
        // A missing last component is not an error: the caller may create it.
        assert_eq!(run(&t, "/", "new", true), Ok("/new".into()));
    }

    #[test]
    fn magic_links_resolve_through_their_text() {
        let t = tree(&[("/d", Node::Dir), ("/d/f", Node::Other), ("/proc/self/fd/3", Node::Magic(7, "/d".into()))]);
        let mut look = |q: &str| if q == "/proc" || q == "/proc/self" || q == "/proc/self/fd" { Node::Dir } else { t.get(q).cloned().unwrap_or(Node::Missing) };
        let r = resolve("/", "/proc/self/fd/3/f", true, &mut look).unwrap();
        assert_eq!(r.path, "/d/f");
        let r = resolve("/", "/proc/self/fd/3", true, &mut look).unwrap();
        assert_eq!(r.node, Node::Magic(7, "/d".into()));
    }

    #[test]
    fn host_paths() {
        assert_eq!(to_host(Path::new("/r"), "/etc/x"), PathBuf::from("/r/etc/x"));
        assert_eq!(to_host(Path::new("/r"), "/"), PathBuf::from("/r"));
        assert_eq!(to_guest(Path::new("/r"), Path::new("/r/a")), Some("/a".into()));
        assert_eq!(to_guest(Path::new("/r"), Path::new("/r")), Some("/".into()));
        assert_eq!(to_guest(Path::new("/r"), Path::new("/x")), None);
        assert_eq!(split_last("/a/b"), ("/a".into(), Some("b".into())));
        assert_eq!(split_last("/a"), ("/".into(), Some("a".into())));
        assert_eq!(split_last("/"), ("/".into(), None));
        assert!(is_under("/a/b", "/a") && !is_under("/ab", "/a") && is_under("/x", "/"));
    }

    #[test]
    fn a_real_jail_on_the_host() {
        let dir = std::env::temp_dir().join(format!("gx_path_test_{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::os::unix::fs::symlink("/", dir.join("sub/root")).unwrap();
        std::os::unix::fs::symlink("../../../../../..", dir.join("sub/up")).unwrap();
        std::fs::write(dir.join("inside"), b"x").unwrap();
        let mut look = |q: &str| host_node(&dir, q);
        let r = resolve("/sub", "root/inside", true, &mut look).unwrap();
        assert_eq!(to_host(&dir, &r.path), dir.join("inside"));
        let r = resolve("/sub", "up/inside", true, &mut look).unwrap();
        assert_eq!(to_host(&dir, &r.path), dir.join("inside"));
        // The host's /etc is out of reach: the guest's /etc does not exist.
        assert_eq!(resolve("/", "/sub/up/../../etc/passwd", true, &mut look), Err(libc::ENOENT));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
