//! Guest paths: lexical normalisation and the mapping onto the host directory that is /.

use std::path::{Path, PathBuf};

/// Joins `rel` to the absolute guest directory `base` and normalises `.` and `..`
/// lexically; `..` at / stays at /, so no path leads above the root.
pub fn join(base: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = if rel.starts_with('/') { Vec::new() } else { base.split('/').filter(|s| !s.is_empty()).collect() };
    for c in rel.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    let mut s = String::from("/");
    s.push_str(&parts.join("/"));
    if rel.ends_with('/') && parts.len() > 0 {
        s.push('/');
    }
    s
}

/// The host path of a normalised guest path.
pub fn to_host(root: &Path, guest: &str) -> PathBuf {
    let rel = guest.trim_start_matches('/');
    if rel.is_empty() { root.to_path_buf() } else { root.join(rel) }
}

/// The guest path of a host path under `root`, if it is under it.
pub fn to_guest(root: &Path, host: &Path) -> Option<String> {
    let rel = host.strip_prefix(root).ok()?;
    Some(format!("/{}", rel.to_string_lossy()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotdot_cannot_escape() {
        assert_eq!(join("/a/b", "../../../../etc"), "/etc");
        assert_eq!(join("/a", "./x/../y"), "/a/y");
        assert_eq!(join("/", "/abs//p"), "/abs/p");
        assert_eq!(to_host(Path::new("/r"), "/etc/x"), PathBuf::from("/r/etc/x"));
    }
}
