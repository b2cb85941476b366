//! qemu-user's `-L PREFIX`: a guest path is looked up under the host directory PREFIX
//! first, and under the guest's root when PREFIX has nothing of that name.
//!
//! The overlay works name by name during resolution, so `/lib/libc.so.6` is
//! PREFIX/lib/libc.so.6 when that exists, and a symlink found under PREFIX is followed in
//! the guest's namespace (and so through the overlay again). "/" itself is always the
//! root.

use super::path::{self, Node};
use std::path::{Path, PathBuf};

/// The host path of canonical guest path `guest`.
pub fn host(root: &Path, prefix: Option<&Path>, guest: &str) -> PathBuf {
    if let Some(p) = prefix.filter(|_| guest != "/") {
        let candidate = path::to_host(p, guest);
        if std::fs::symlink_metadata(&candidate).is_ok() {
            return candidate;
        }
    }
    path::to_host(root, guest)
}

/// What canonical guest path `guest` names (no symlink followed).
pub fn node(root: &Path, prefix: Option<&Path>, guest: &str) -> Node {
    if let Some(p) = prefix.filter(|_| guest != "/") {
        match path::host_node(p, guest) {
            Node::Missing => {}
            found => return found,
        }
    }
    path::host_node(root, guest)
}

/// Resolves a guest path (from /) through the overlay to the host path of what it
/// names, following symlinks inside the guest's view; None if it names nothing.
pub fn find(root: &Path, prefix: Option<&Path>, guest: &str) -> Option<PathBuf> {
    let r = path::resolve("/", guest, true, &mut |g| node(root, prefix, g)).ok()?;
    match r.node {
        Node::Other => Some(host(root, prefix, &r.path)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_wins_where_it_has_the_name_and_the_root_answers_otherwise() {
        let base = std::env::temp_dir().join(format!("grantix-prefix-{}", std::process::id()));
        let (root, pre) = (base.join("root"), base.join("pre"));
        std::fs::create_dir_all(root.join("lib")).unwrap();
        std::fs::create_dir_all(pre.join("lib")).unwrap();
        std::fs::create_dir_all(root.join("etc")).unwrap();
        std::fs::write(root.join("lib/libc.so.6"), "root").unwrap();
        std::fs::write(pre.join("lib/libc-2.so"), "prefix").unwrap();
        std::os::unix::fs::symlink("/lib/libc-2.so", pre.join("lib/libc.so.6")).unwrap();
        std::fs::write(root.join("etc/hosts"), "h").unwrap();
        let p = Some(pre.as_path());
        // The prefix's symlink is followed in the guest's view, through the overlay.
        assert_eq!(find(&root, p, "/lib/libc.so.6"), Some(pre.join("lib/libc-2.so")));
        assert_eq!(find(&root, p, "/etc/hosts"), Some(root.join("etc/hosts")));
        assert_eq!(find(&root, None, "/lib/libc.so.6"), Some(root.join("lib/libc.so.6")));
        assert_eq!(find(&root, p, "/lib/none"), None);
        assert_eq!(find(&root, p, "/lib"), None, "a directory is not a file");
        assert_eq!(host(&root, p, "/"), root);
        let _ = std::fs::remove_dir_all(&base);
    }
}
