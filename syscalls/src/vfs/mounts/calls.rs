//! mount(2) and umount2(2): their checks in fs/namespace.c's order, then a new
//! mount, a remount, a bind, a propagation change or a move.

use super::tmpfs::{new_tmpfs, parse_tmpfs, TmpOpts};
use super::*;


/// A string argument that may be NULL.
fn opt_string(v: &Vfs, env: &mut dyn Env, p: u64) -> Result<Option<String>, Regs> {
    if p == 0 {
        return Ok(None);
    }
    match v.read_path(env, p) {
        Ok(s) => Ok(Some(s)),
        Err(Ok(e)) => Err(val(e)),
        Err(Err(f)) => Err(Err(f)),
    }
}

/// Unwraps an `opt_string`.
macro_rules! opt_arg {
    ($v:expr, $env:expr, $p:expr) => {
        match opt_string($v, $env, $p) {
            Ok(x) => x,
            Err(r) => return r,
        }
    };
}

/// mount(source, target, fstype, flags, data): the checks and their order are
/// fs/namespace.c's (path_mount): the target is looked up first (ENOENT...), then
/// MS_NOUSER (EINVAL), then CAP_SYS_ADMIN (EPERM); then remount, bind, propagation,
/// move or a new mount, as the flags say.
pub fn mount(v: &mut Vfs, env: &mut dyn Env, who: Who, s: [u64; 5]) -> Regs {
    let source = opt_arg!(v, env, s[0]);
    let target = path_arg!(v, env, s[1]);
    let fstype = opt_arg!(v, env, s[2]);
    let data = opt_arg!(v, env, s[4]).unwrap_or_default();
    let mut flags = s[3];
    if flags & ms::MGC_MSK == ms::MGC_VAL {
        flags &= !ms::MGC_MSK;
    }
    let r = tri!(v.resolve_at(env, who.pid, at::FDCWD, &target, true));
    match r.node {
        Node::Missing => return fail(libc::ENOENT),
        Node::Error(e) => return fail(e),
        _ => {}
    }
    if flags & ms::NOUSER != 0 {
        return fail(libc::EINVAL);
    }
    if !v.creds(env, who.pid).capable(cap::SYS_ADMIN) {
        return fail(libc::EPERM);
    }
    // The per-mount flags the call asks for (relatime unless told otherwise).
    let mut mflags = flags & (ms::RDONLY | ms::NOSUID | ms::NODEV | ms::NOEXEC | ms::NOATIME | ms::NODIRATIME | ms::NOSYMFOLLOW);
    if flags & ms::NOATIME == 0 {
        mflags |= ms::RELATIME;
    }
    if flags & ms::STRICTATIME != 0 {
        mflags &= !(ms::RELATIME | ms::NOATIME);
    }
    let is_dir = r.node == Node::Dir;
    if flags & ms::REMOUNT != 0 {
        return remount(v, &r.path, flags, mflags, &data);
    }
    // What the mount point would cover must be in the guest's tree.
    if v.is_synth(&r.path) || matches!(r.node, Node::Magic(..)) {
        return fail(libc::EINVAL);
    }
    if flags & ms::BIND != 0 {
        let Some(src) = source.filter(|s| !s.is_empty()) else { return fail(libc::EINVAL) };
        return bind(v, env, who, &src, &r.path, is_dir, flags & ms::REC != 0);
    }
    if flags & (ms::SHARED | ms::PRIVATE | ms::SLAVE | ms::UNBINDABLE) != 0 {
        return propagation(v, &r.path, flags);
    }
    if flags & ms::MOVE != 0 {
        let Some(src) = source.filter(|s| !s.is_empty()) else { return fail(libc::EINVAL) };
        return move_mount(v, env, who, &src, &r.path, is_dir);
    }
    let Some(fstype) = fstype else { return fail(libc::EINVAL) };
    let ramfs = match fstype.as_str() {
        "tmpfs" => false,
        "ramfs" => true,
        _ => return fail(libc::ENODEV),
    };
    let o = tri!(parse_tmpfs(&data, ramfs));
    if !is_dir {
        return fail(libc::ENOTDIR);
    }
    let c = v.creds(env, who.pid);
    let t = tri!(new_tmpfs(v, o, ramfs, flags & ms::RDONLY != 0, c.fsuid, c.fsgid));
    let id = v.mounts.new_id();
    let parent = v.mounts.id_of(&r.path);
    let m = Mount {
        id,
        parent,
        target: r.path,
        host: t.dir.clone(),
        root: "/".into(),
        sb: Some(t),
        source: source.unwrap_or_else(|| "none".into()),
        fstype,
        flags: mflags,
        sb_flags: flags & (ms::SYNCHRONOUS | ms::DIRSYNC | ms::MANDLOCK | ms::LAZYTIME),
        propagation: Propagation::Private,
        expiry: false,
    };
    v.mounts.list.push(m);
    val(0)
}


/// MS_REMOUNT: the mount at `target` (a mount point: EINVAL otherwise) gets the flags
/// asked; without MS_BIND its filesystem is reconfigured too (read-only, a tmpfs's
/// size). Going read-only while a file on it is open for writing is EBUSY.
fn remount(v: &mut Vfs, target: &str, flags: u64, mflags: u64, data: &str) -> Regs {
    let Some(m) = v.mounts.of(target).filter(|m| m.target == target) else {
        // The base mounts keep their flags: nothing to do unless asked for read-only.
        return if BASE.iter().any(|b| b.1 == target) && v.mounts.of(target).is_none() {
            if flags & ms::RDONLY != 0 { fail(libc::EBUSY) } else { val(0) }
        } else {
            fail(libc::EINVAL)
        };
    };
    let (id, sb) = (m.id, m.sb.clone());
    let to_ro = flags & ms::RDONLY != 0;
    if flags & ms::BIND == 0 {
        let o = match &sb {
            Some(t) => tri!(parse_tmpfs(data, t.magic == RAMFS_MAGIC)),
            None => TmpOpts::default(),
        };
        if let Some(t) = &sb {
            if to_ro && !t.ro.load(Ordering::Relaxed) {
                // Any mount of this filesystem with a writer.
                let ids: Vec<u32> = v.mounts.list.iter().filter(|x| x.sb.as_ref().is_some_and(|s| Arc::ptr_eq(s, t))).map(|x| x.id).collect();
                if ids.iter().any(|i| v.busy(*i, true)) {
                    return fail(libc::EBUSY);
                }
            }
            if let Some(b) = o.blocks {
                t.blocks.store(b, Ordering::Relaxed);
                t.sized.store(true, Ordering::Relaxed);
            }
            if let Some(i) = o.inodes {
                t.inodes.store(i, Ordering::Relaxed);
                t.inoded.store(true, Ordering::Relaxed);
            }
            t.ro.store(to_ro, Ordering::Relaxed);
        }
    } else if to_ro && v.busy(id, true) {
        return fail(libc::EBUSY);
    }
    if flags & ms::BIND == 0 && sb.is_none() && to_ro && v.busy(id, true) {
        return fail(libc::EBUSY);
    }
    if let Some(m) = v.mounts.list.iter_mut().find(|m| m.id == id) {
        m.flags = mflags;
        if flags & ms::BIND == 0 {
            m.sb_flags = flags & (ms::SYNCHRONOUS | ms::DIRSYNC | ms::MANDLOCK | ms::LAZYTIME);
        }
    }
    val(0)
}

/// MS_BIND (do_loopback): `src` shown again at `target`; with MS_REC, the mounts
/// below `src` too. The new mount keeps the source mount's flags (MS_RDONLY here is
/// ignored, as on Linux: a remount makes a bind read-only).
fn bind(v: &mut Vfs, env: &mut dyn Env, who: Who, src: &str, target: &str, target_dir: bool, rec: bool) -> Regs {
    let rs = tri!(v.resolve_at(env, who.pid, at::FDCWD, src, true));
    match rs.node {
        Node::Missing => return fail(libc::ENOENT),
        Node::Error(e) => return fail(e),
        Node::Magic(..) => return fail(libc::EINVAL),
        _ => {}
    }
    if v.is_synth(&rs.path) {
        return fail(libc::EINVAL);
    }
    if (rs.node == Node::Dir) != target_dir {
        return fail(libc::ENOTDIR);
    }
    let from = v.mounts.of(&rs.path).cloned();
    if from.as_ref().is_some_and(|m| m.propagation == Propagation::Unbindable) {
        return fail(libc::EINVAL);
    }
    let host = v.host(&rs.path);
    let id = v.mounts.new_id();
    let parent = v.mounts.id_of(target);
    let m = match &from {
        Some(f) => {
            let rest = &rs.path[f.target.len()..];
            let root = if f.root == "/" { if rest.is_empty() { "/".to_string() } else { rest.to_string() } } else { format!("{}{rest}", f.root) };
            Mount { id, parent, target: target.to_string(), host, root, propagation: Propagation::Private, expiry: false, ..f.clone() }
        }
        None => Mount {
            id,
            parent,
            target: target.to_string(),
            host,
            root: rs.path.clone(),
            sb: None,
            source: "rootfs".into(),
            fstype: "rootfs".into(),
            flags: ms::RELATIME,
            sb_flags: 0,
            propagation: Propagation::Private,
            expiry: false,
        },
    };
    let top = v.mounts.id_of(&rs.path);
    v.mounts.list.push(m);
    if rec {
        // Copies of the mounts below the source, with their places under the target.
        let mut map = vec![(top, id)];
        let below: Vec<Mount> = v.mounts.list.iter().filter(|m| m.id != id && path::is_under(&m.target, &rs.path) && m.target != rs.path).cloned().collect();
        for m in below {
            let Some(&(_, np)) = map.iter().find(|(o, _)| *o == m.parent) else { continue };
            if m.propagation == Propagation::Unbindable {
                continue;
            }
            let nid = v.mounts.new_id();
            let t = if target == "/" { m.target[rs.path.len()..].to_string() } else { format!("{target}{}", &m.target[rs.path.len()..]) };
            map.push((m.id, nid));
            v.mounts.list.push(Mount { id: nid, parent: np, target: t, propagation: Propagation::Private, expiry: false, ..m });
        }
    }
    val(0)
}

/// MS_SHARED, MS_PRIVATE, MS_SLAVE, MS_UNBINDABLE (do_change_type): exactly one, on a
/// mount point; with MS_REC on the mounts below it too. Mounts of this namespace
/// propagate nothing to each other whatever the type: it is recorded and shown.
fn propagation(v: &mut Vfs, target: &str, flags: u64) -> Regs {
    let kind = flags & (ms::SHARED | ms::PRIVATE | ms::SLAVE | ms::UNBINDABLE);
    if kind.count_ones() != 1 || flags & !(kind | ms::REC | ms::SILENT) != 0 {
        return fail(libc::EINVAL);
    }
    let p = match kind {
        ms::SHARED => Propagation::Shared,
        ms::SLAVE => Propagation::Slave,
        ms::UNBINDABLE => Propagation::Unbindable,
        _ => Propagation::Private,
    };
    let Some(m) = v.mounts.of(target).filter(|m| m.target == target) else {
        return if v.mounts.of(target).is_none() && BASE.iter().any(|b| b.1 == target) { val(0) } else { fail(libc::EINVAL) };
    };
    let mut ids = vec![m.id];
    if flags & ms::REC != 0 {
        ids.extend(v.mounts.descendants(m.id));
    }
    for m in v.mounts.list.iter_mut().filter(|m| ids.contains(&m.id)) {
        m.propagation = p;
    }
    val(0)
}

/// MS_MOVE: the mount at `src` (a mount point: EINVAL otherwise) and those below it
/// move to `target`; into itself is ELOOP.
fn move_mount(v: &mut Vfs, env: &mut dyn Env, who: Who, src: &str, target: &str, target_dir: bool) -> Regs {
    let rs = tri!(v.resolve_at(env, who.pid, at::FDCWD, src, true));
    match rs.node {
        Node::Missing => return fail(libc::ENOENT),
        Node::Error(e) => return fail(e),
        _ => {}
    }
    let Some(m) = v.mounts.of(&rs.path).filter(|m| m.target == rs.path) else { return fail(libc::EINVAL) };
    if (rs.node == Node::Dir) != target_dir {
        return fail(libc::ENOTDIR);
    }
    let id = m.id;
    let old = rs.path.clone();
    if path::is_under(target, &old) {
        return fail(libc::ELOOP);
    }
    let parent = v.mounts.id_of(target);
    let tree = v.mounts.descendants(id);
    for m in v.mounts.list.iter_mut() {
        if m.id == id {
            m.target = target.to_string();
            m.parent = parent;
        } else if tree.contains(&m.id) {
            m.target = if target == "/" { m.target[old.len()..].to_string() } else { format!("{target}{}", &m.target[old.len()..]) };
        }
    }
    // A moved mount goes to the end of the order: its new parent may be younger.
    let moved: Vec<Mount> = v.mounts.list.iter().filter(|m| m.id == id || tree.contains(&m.id)).cloned().collect();
    v.mounts.list.retain(|m| m.id != id && !tree.contains(&m.id));
    v.mounts.list.extend(moved);
    val(0)
}

/// umount2(target, flags), as ksys_umount and do_umount: unknown flags are EINVAL,
/// then CAP_SYS_ADMIN (EPERM), then the lookup (UMOUNT_NOFOLLOW: the last component
/// not followed); a path that is not a mount point is EINVAL; a mount something holds
/// is EBUSY unless MNT_DETACH, which takes it (and what is below it) out of the
/// namespace at once while open files go on working. MNT_EXPIRE marks a mount first
/// (EAGAIN) and unmounts it at the second call if nothing used it meanwhile.
pub fn umount2(v: &mut Vfs, env: &mut dyn Env, who: Who, s: [u64; 5]) -> Regs {
    let flags = s[1];
    if flags & !(mnt::FORCE | mnt::DETACH | mnt::EXPIRE | mnt::UMOUNT_NOFOLLOW) != 0 {
        return fail(libc::EINVAL);
    }
    if !v.creds(env, who.pid).capable(cap::SYS_ADMIN) {
        return fail(libc::EPERM);
    }
    let target = path_arg!(v, env, s[0]);
    let r = tri!(v.resolve_at(env, who.pid, at::FDCWD, &target, flags & mnt::UMOUNT_NOFOLLOW == 0));
    match r.node {
        Node::Missing => return fail(libc::ENOENT),
        Node::Error(e) => return fail(e),
        _ => {}
    }
    let Some(m) = v.mounts.of(&r.path).filter(|m| m.target == r.path) else {
        // The guest's root, /proc and /dev are always in use.
        return fail(if BASE.iter().any(|b| b.1 == r.path) && v.mounts.of(&r.path).is_none() { libc::EBUSY } else { libc::EINVAL });
    };
    let id = m.id;
    if flags & mnt::EXPIRE != 0 {
        if flags & (mnt::FORCE | mnt::DETACH) != 0 {
            return fail(libc::EINVAL);
        }
        if !m.expiry {
            if let Some(m) = v.mounts.list.iter_mut().find(|m| m.id == id) {
                m.expiry = true;
            }
            return fail(libc::EAGAIN);
        }
    }
    if flags & mnt::DETACH == 0 && (v.busy(id, false) || !v.mounts.descendants(id).is_empty()) {
        return fail(libc::EBUSY);
    }
    v.mounts.remove_tree(id);
    val(0)
}
