//! Unit tests of the credential model, one group per man page rule.

use super::*;

fn ids(c: &Creds) -> [u32; 4] {
    [c.uid, c.euid, c.suid, c.fsuid]
}

fn gids(c: &Creds) -> [u32; 4] {
    [c.gid, c.egid, c.sgid, c.fsgid]
}

fn file(uid: Uid, gid: Gid, mode: u32) -> Inode {
    Inode { uid, gid, mode: 0o100000 | mode }
}

fn dir(uid: Uid, gid: Gid, mode: u32) -> Inode {
    Inode { uid, gid, mode: 0o040000 | mode }
}

fn t(c: &Creds) -> KillTarget<'_> {
    KillTarget { creds: c, same_process: false, same_session: false }
}

fn user(uid: Uid, gid: Gid) -> Creds {
    Creds::with_ids(uid, gid)
}

// ---------------------------------------------------------------- starting points

#[test]
fn root_has_every_capability_and_a_user_none() {
    let r = Creds::root();
    assert_eq!(ids(&r), [0; 4]);
    for c in [cap::CHOWN, cap::DAC_OVERRIDE, cap::DAC_READ_SEARCH, cap::FOWNER, cap::KILL, cap::SETGID, cap::SETUID, cap::SYS_ADMIN, cap::SYS_TIME, cap::SYS_RESOURCE, cap::IPC_OWNER, cap::MKNOD, cap::SYS_CHROOT] {
        assert!(r.capable(c), "root lacks {c}");
        assert!(!user(1000, 1000).capable(c), "a user has {c}");
    }
    assert!(!CapSet::FULL.has(cap::LAST + 1));
}

#[test]
fn host_creds_match_the_emulator_process() {
    let h = Creds::of_host();
    // SAFETY: plain id queries.
    let (uid, euid, gid) = unsafe { (libc::getuid(), libc::geteuid(), libc::getgid()) };
    assert_eq!((h.uid, h.euid, h.gid, h.fsuid), (uid, euid, gid, euid));
    assert_eq!(h.capable(cap::SETUID), euid == 0);
    assert!(h.groups.windows(2).all(|w| w[0] < w[1]), "groups sorted and unique");
}

// ---------------------------------------------------------------- setuid(2)

#[test]
fn setuid_as_root_sets_all_four_ids_and_drops_every_capability() {
    let mut c = Creds::root();
    c.setuid(1000).unwrap();
    assert_eq!(ids(&c), [1000; 4]);
    assert_eq!(c.permitted, CapSet::EMPTY);
    assert_eq!(c.effective, CapSet::EMPTY);
    assert_eq!(c.setuid(0), Err(libc::EPERM), "no way back to root");
}

#[test]
fn setuid_minus_one_is_einval() {
    assert_eq!(Creds::root().setuid(NO_ID), Err(libc::EINVAL));
    assert_eq!(Creds::root().setgid(NO_ID), Err(libc::EINVAL));
}

#[test]
fn setuid_unprivileged_sets_only_the_effective_id_to_real_or_saved() {
    let mut c = Creds::root();
    c.setresuid(1000, 2000, 3000).unwrap();
    c.setuid(3000).unwrap();
    assert_eq!(ids(&c), [1000, 3000, 3000, 3000]);
    c.setuid(1000).unwrap();
    assert_eq!(ids(&c), [1000, 1000, 3000, 1000]);
    assert_eq!(c.setuid(2000), Err(libc::EPERM), "2000 is no longer real or saved");
}

#[test]
fn setuid_with_saved_root_only_moves_the_effective_id() {
    // A set-user-id-root program run by 1000 (real 1000, effective and saved 0) that
    // drops to 1000 with seteuid can come back: setuid(0) as non-root effective uid
    // only sets the effective id.
    let mut c = Creds::root();
    c.setresuid(1000, 1000, 0).unwrap();
    assert!(!c.capable(cap::SETUID));
    c.setuid(0).unwrap();
    assert_eq!(ids(&c), [1000, 0, 0, 0]);
    assert!(c.capable(cap::SETUID), "effective caps return with euid 0");
    // Now privileged again: setuid sets real and saved too.
    c.setuid(1000).unwrap();
    assert_eq!(ids(&c), [1000; 4]);
}

// ---------------------------------------------------------------- setreuid(2)

#[test]
fn setreuid_updates_the_saved_id_as_the_man_page_says() {
    let mut c = Creds::root();
    c.setreuid(1000, 0).unwrap();
    assert_eq!(ids(&c), [1000, 0, 0, 0], "real set: saved = new effective");
    c.setreuid(NO_ID, 1000).unwrap();
    assert_eq!(ids(&c), [1000, 1000, 0, 1000], "effective = real: saved unchanged");
    c.setreuid(NO_ID, 0).unwrap();
    assert_eq!(ids(&c), [1000, 0, 0, 0], "back to the saved id");
    c.setreuid(NO_ID, 2000).unwrap();
    assert_eq!(ids(&c), [1000, 2000, 2000, 2000], "effective != real: saved = new effective");
    assert_eq!(c.setreuid(NO_ID, 0), Err(libc::EPERM));
    c.setreuid(2000, 1000).unwrap();
    assert_eq!(ids(&c), [2000, 1000, 1000, 1000], "swap");
}

#[test]
fn setreuid_unprivileged_limits() {
    let mut c = Creds::root();
    c.setresuid(1, 2, 3).unwrap();
    assert_eq!(c.setreuid(3, NO_ID), Err(libc::EPERM), "real may become real or effective only");
    let before = c.clone();
    assert_eq!(c.setreuid(NO_ID, 4), Err(libc::EPERM));
    assert_eq!(c, before, "a refused call changes nothing");
    c.setreuid(NO_ID, 3).unwrap();
    assert_eq!(ids(&c), [1, 3, 3, 3]);
    c.setreuid(3, NO_ID).unwrap();
    assert_eq!(ids(&c), [3, 3, 3, 3]);
}

// ---------------------------------------------------------------- setresuid(2)

#[test]
fn setresuid_unprivileged_permutes_current_ids() {
    let mut c = Creds::root();
    c.setresuid(1000, 1001, 1002).unwrap();
    c.setresuid(1002, 1000, 1001).unwrap();
    assert_eq!(ids(&c), [1002, 1000, 1001, 1000]);
    assert_eq!(c.setresuid(NO_ID, 5, NO_ID), Err(libc::EPERM));
    assert_eq!(c.setresuid(0, NO_ID, NO_ID), Err(libc::EPERM));
}

#[test]
fn setresuid_noop_succeeds_and_minus_one_keeps() {
    let mut c = user(1000, 1000);
    c.setresuid(NO_ID, NO_ID, NO_ID).unwrap();
    c.setresuid(1000, 1000, 1000).unwrap();
    assert_eq!(ids(&c), [1000; 4]);
}

#[test]
fn setresuid_keeps_root_while_saved_is_zero() {
    let mut c = Creds::root();
    c.setresuid(1000, 1001, 0).unwrap();
    assert!(!c.capable(cap::DAC_OVERRIDE), "effective cleared when euid leaves 0");
    assert_eq!(c.permitted, CapSet::FULL, "permitted kept while saved uid is 0");
    c.setresuid(NO_ID, 0, NO_ID).unwrap();
    assert_eq!(c.effective, CapSet::FULL, "euid back to 0: effective = permitted");
}

#[test]
fn dropping_all_root_ids_clears_ambient_even_with_keep_caps() {
    let mut c = Creds::root();
    c.inheritable = CapSet::of(&[cap::KILL]);
    c.ambient = CapSet::of(&[cap::KILL]);
    c.keep_caps = true;
    c.setresuid(5, 5, 5).unwrap();
    assert_eq!(c.permitted, CapSet::FULL, "PR_SET_KEEPCAPS keeps permitted");
    assert_eq!(c.effective, CapSet::EMPTY, "but effective goes with euid 0");
    assert_eq!(c.ambient, CapSet::EMPTY);
}

// ---------------------------------------------------------------- setfsuid(2)

#[test]
fn setfsuid_returns_the_old_value_and_queries_with_minus_one() {
    let mut c = Creds::root();
    assert_eq!(c.setfsuid(1234), 0);
    assert_eq!(c.setfsuid(NO_ID), 1234);
    assert_eq!(c.fsuid, 1234);
    assert_eq!(ids(&c)[..3], [0, 0, 0]);
}

#[test]
fn setfsuid_drops_and_raises_only_fs_capabilities() {
    let mut c = Creds::root();
    c.setfsuid(1000);
    assert!(!c.capable(cap::DAC_OVERRIDE) && !c.capable(cap::CHOWN) && !c.capable(cap::FOWNER));
    assert!(c.capable(cap::KILL) && c.capable(cap::SYS_ADMIN), "non-fs capabilities stay");
    c.setfsuid(0);
    assert_eq!(c.effective, CapSet::FULL);
}

#[test]
fn setfsuid_unprivileged_refuses_silently() {
    let mut c = user(1000, 1000);
    assert_eq!(c.setfsuid(0), 1000);
    assert_eq!(c.fsuid, 1000);
    let mut d = Creds::root();
    d.setresuid(1000, 1001, 1002).unwrap();
    assert_eq!(d.setfsuid(1002), 1001, "fs uid follows euid; saved allowed");
    assert_eq!(d.fsuid, 1002);
}

// ---------------------------------------------------------------- gids and groups

#[test]
fn gid_calls_follow_the_uid_rules_with_cap_setgid() {
    let mut c = Creds::root();
    c.setresgid(1000, 1001, 1002).unwrap();
    assert_eq!(gids(&c), [1000, 1001, 1002, 1001]);
    assert_eq!(c.setfsgid(NO_ID), 1001);
    c.setresuid(1000, 1000, 1000).unwrap();
    assert_eq!(c.setgid(0), Err(libc::EPERM));
    assert_eq!(c.setresgid(5, 5, 5), Err(libc::EPERM));
    c.setresgid(1002, 1000, 1001).unwrap();
    assert_eq!(gids(&c), [1002, 1000, 1001, 1000]);
    assert_eq!(c.setregid(7, NO_ID), Err(libc::EPERM));
    assert_eq!(c.setfsgid(0), 1000, "refused, old value returned");
    assert_eq!(c.fsgid, 1000);
    c.setgid(1001).unwrap();
    assert_eq!(gids(&c), [1002, 1001, 1001, 1001], "unprivileged setgid: effective only");
}

#[test]
fn setregid_sets_saved_like_setreuid() {
    let mut c = Creds::root();
    c.setregid(10, 20).unwrap();
    assert_eq!(gids(&c), [10, 20, 20, 20]);
    c.setregid(NO_ID, 10).unwrap();
    assert_eq!(gids(&c), [10, 10, 20, 10]);
}

#[test]
fn setgid_as_root_sets_all_gids_but_keeps_capabilities() {
    let mut c = Creds::root();
    c.setgid(65534).unwrap();
    assert_eq!(gids(&c), [65534; 4]);
    assert_eq!(c.effective, CapSet::FULL, "gid changes do not touch capabilities");
}

#[test]
fn setgroups_needs_cap_setgid_and_sorts() {
    let mut c = Creds::root();
    c.setgroups(&[30, 10, 20]).unwrap();
    assert_eq!(c.groups, [10, 20, 30]);
    assert_eq!(c.getgroups(0), Ok((&[][..], 3)));
    assert_eq!(c.getgroups(2), Err(libc::EINVAL));
    assert_eq!(c.getgroups(8), Ok((&[10, 20, 30][..], 3)));
    assert_eq!(c.setgroups(&vec![1; NGROUPS_MAX + 1]), Err(libc::EINVAL));
    c.setuid(1000).unwrap();
    assert_eq!(c.setgroups(&[]), Err(libc::EPERM));
    assert!(c.in_group(20) && c.in_egroup(30) && !c.in_group(40));
}

// ---------------------------------------------------------------- capset(2)

#[test]
fn capset_may_only_shrink_permitted_and_effective_within_permitted() {
    let mut c = Creds::root();
    let p = CapSet::of(&[cap::KILL, cap::CHOWN]);
    c.capset(CapSet::of(&[cap::KILL]), p, CapSet::EMPTY).unwrap();
    assert!(c.capable(cap::KILL) && !c.capable(cap::CHOWN));
    assert_eq!(c.capset(p, CapSet::of(&[cap::KILL]), CapSet::EMPTY), Err(libc::EPERM), "effective beyond permitted");
    assert_eq!(c.capset(CapSet::EMPTY, p.with(cap::SYS_ADMIN), CapSet::EMPTY), Err(libc::EPERM), "permitted grows");
    c.capset(p, p, CapSet::EMPTY).unwrap();
    assert!(c.capable(cap::CHOWN), "re-raise from permitted");
    assert_eq!(c.capset(p, p, CapSet::of(&[cap::SYS_TIME])), Err(libc::EPERM), "inheritable beyond permitted without CAP_SETPCAP");
    c.capset(p, p, CapSet::of(&[cap::KILL])).unwrap();
}

// ---------------------------------------------------------------- exec

#[test]
fn exec_as_root_keeps_full_capabilities() {
    let mut c = Creds::root();
    let out = c.exec(file(1000, 1000, 0o755), false);
    assert_eq!(c, Creds::root());
    assert!(!out.secure);
}

#[test]
fn exec_as_user_has_no_capabilities_and_is_not_secure() {
    let mut c = user(1000, 1000);
    let out = c.exec(file(0, 0, 0o755), false);
    assert_eq!(c, user(1000, 1000));
    assert!(!out.secure);
}

#[test]
fn exec_setuid_root_binary_by_user_gains_root() {
    let mut c = user(1000, 1000);
    let out = c.exec(file(0, 0, 0o4755), false);
    assert_eq!(ids(&c), [1000, 0, 0, 0]);
    assert_eq!(c.effective, CapSet::FULL);
    assert_eq!(c.permitted, CapSet::FULL);
    assert!(out.secure, "AT_SECURE for a set-user-id exec");
}

#[test]
fn exec_setuid_honours_nosuid_and_sgid_needs_group_exec() {
    let mut c = user(1000, 1000);
    let out = c.exec(file(0, 50, 0o6755), true);
    assert_eq!(ids(&c), [1000; 4]);
    assert!(!out.secure);
    let mut d = user(1000, 1000);
    d.exec(file(2000, 50, 0o2745), false);
    assert_eq!(d.egid, 1000, "S_ISGID without S_IXGRP is mandatory locking");
    d.exec(file(2000, 50, 0o2755), false);
    assert_eq!(gids(&d), [1000, 50, 50, 50]);
}

#[test]
fn exec_setuid_to_another_user_drops_the_saved_root() {
    let mut c = Creds::root();
    c.setresuid(0, 0, 0).unwrap();
    let out = c.exec(file(1000, 0, 0o4755), false);
    assert_eq!(ids(&c), [0, 1000, 1000, 1000]);
    assert_eq!(c.permitted, CapSet::FULL, "real root keeps a permitted set");
    assert_eq!(c.effective, CapSet::EMPTY, "but the effective uid is not 0");
    assert!(out.secure);
}

#[test]
fn exec_real_root_effective_user_gets_permitted_not_effective() {
    let mut c = Creds::root();
    c.setresuid(0, 1000, 1000).unwrap();
    c.exec(file(0, 0, 0o755), false);
    assert_eq!(ids(&c), [0, 1000, 1000, 1000]);
    assert_eq!(c.permitted, CapSet::FULL);
    assert_eq!(c.effective, CapSet::EMPTY);
}

#[test]
fn exec_keeps_ambient_capabilities_of_a_user_and_clears_keep_caps() {
    let mut c = Creds::root();
    let k = CapSet::of(&[cap::NET_BIND_SERVICE]);
    c.inheritable = k;
    c.ambient = k;
    c.keep_caps = true;
    c.setresuid(1000, 1000, 1000).unwrap();
    assert_eq!(c.ambient, CapSet::EMPTY, "dropping root clears ambient");
    let mut d = user(1000, 1000);
    d.inheritable = k;
    d.permitted = k;
    d.ambient = k;
    let out = d.exec(file(0, 0, 0o755), false);
    assert_eq!(d.permitted, k);
    assert_eq!(d.effective, k);
    assert!(!out.secure, "ambient capabilities are not an elevation");
    let mut e = d.clone();
    e.exec(file(0, 0, 0o4755), false);
    assert_eq!(e.ambient, CapSet::EMPTY, "a set-id exec clears ambient");
    let mut f = user(1000, 1000);
    f.keep_caps = true;
    f.exec(file(0, 0, 0o755), false);
    assert!(!f.keep_caps, "exec clears PR_SET_KEEPCAPS");
}

// ---------------------------------------------------------------- file access

#[test]
fn owner_group_other_classes_pick_one_set_of_bits() {
    let u = user(1000, 100);
    assert_eq!(may_access(&u, file(1000, 0, 0o600), may::READ | may::WRITE), Ok(()));
    assert_eq!(may_access(&u, file(1000, 0, 0o077), may::READ), Err(libc::EACCES), "owner class only, even if others may");
    assert_eq!(may_access(&u, file(0, 100, 0o640), may::READ), Ok(()));
    assert_eq!(may_access(&u, file(0, 100, 0o640), may::WRITE), Err(libc::EACCES));
    assert_eq!(may_access(&u, file(0, 100, 0o604), may::READ), Err(libc::EACCES), "group class excludes other bits");
    assert_eq!(may_access(&u, file(0, 0, 0o644), may::READ), Ok(()));
    assert_eq!(may_access(&u, file(0, 0, 0o644), may::WRITE), Err(libc::EACCES));
    assert_eq!(may_access(&u, file(0, 0, 0o600), may::READ), Err(libc::EACCES));
}

#[test]
fn supplementary_groups_and_fs_ids_decide_the_class() {
    let mut c = Creds::root();
    c.setgroups(&[1002]).unwrap();
    c.setresgid(1001, 1001, 1001).unwrap();
    c.setresuid(1000, 1000, 1000).unwrap();
    assert_eq!(may_access(&c, file(0, 1002, 0o640), may::READ), Ok(()));
    let mut d = Creds::root();
    d.setresuid(0, 0, 0).unwrap();
    d.setfsuid(1000);
    assert_eq!(may_access(&d, file(0, 0, 0o600), may::READ), Err(libc::EACCES), "fs uid 1000 lost CAP_DAC_OVERRIDE");
    assert_eq!(may_access(&d, file(1000, 0, 0o600), may::READ), Ok(()));
}

#[test]
fn dac_override_and_read_search_as_generic_permission() {
    let r = Creds::root();
    assert_eq!(may_access(&r, file(5, 5, 0o000), may::READ | may::WRITE), Ok(()));
    assert_eq!(may_access(&r, file(5, 5, 0o644), may::EXEC), Err(libc::EACCES), "no execute bit anywhere");
    assert_eq!(may_access(&r, file(5, 5, 0o100), may::EXEC), Ok(()), "one execute bit suffices");
    assert_eq!(may_access(&r, dir(5, 5, 0o000), may::EXEC | may::WRITE), Ok(()), "directories always overridable");
    let mut rs = user(1000, 1000);
    rs.effective = CapSet::of(&[cap::DAC_READ_SEARCH]);
    assert_eq!(may_access(&rs, file(5, 5, 0o000), may::READ), Ok(()));
    assert_eq!(may_access(&rs, file(5, 5, 0o000), may::WRITE), Err(libc::EACCES));
    assert_eq!(may_access(&rs, dir(5, 5, 0o000), may::READ | may::EXEC), Ok(()));
    assert_eq!(may_access(&rs, dir(5, 5, 0o000), may::WRITE | may::EXEC), Err(libc::EACCES));
}

#[test]
fn access_checks_with_the_real_ids() {
    // A set-user-id-root program run by 1000: access(2) answers for 1000.
    let mut c = user(1000, 1000);
    c.exec(file(0, 0, 0o4755), false);
    assert_eq!(may_access(&c, file(0, 0, 0o600), may::READ), Ok(()));
    assert_eq!(may_access(&c.for_access(), file(0, 0, 0o600), may::READ), Err(libc::EACCES));
    // Real root with a non-root effective uid: access(2) says yes.
    let mut d = Creds::root();
    d.setresuid(0, 1000, 0).unwrap();
    assert_eq!(may_access(&d, file(0, 0, 0o600), may::READ), Err(libc::EACCES));
    assert_eq!(may_access(&d.for_access(), file(0, 0, 0o600), may::READ), Ok(()));
}

#[test]
fn chmod_only_by_owner_or_fowner_and_sgid_cleared_outside_the_group() {
    let u = user(1000, 1000);
    assert_eq!(may_chmod(&u, file(0, 0, 0o644), 0o666), Err(libc::EPERM));
    assert_eq!(may_chmod(&u, file(1000, 1000, 0o644), 0o2755), Ok(0o2755));
    assert_eq!(may_chmod(&u, file(1000, 50, 0o644), 0o2755), Ok(0o755), "not in group 50, no CAP_FSETID");
    assert_eq!(may_chmod(&Creds::root(), file(5, 50, 0o644), 0o6755), Ok(0o6755));
}

#[test]
fn chown_rules() {
    let mut u = Creds::root();
    u.setgroups(&[1002]).unwrap();
    u.setresgid(1000, 1000, 1000).unwrap();
    u.setresuid(1000, 1000, 1000).unwrap();
    let mine = file(1000, 1000, 0o4755);
    assert_eq!(may_chown(&u, mine, 1001, NO_ID), Err(libc::EPERM), "giving away needs CAP_CHOWN");
    assert_eq!(may_chown(&u, mine, 1000, NO_ID), Ok(0o100755), "no-op owner change allowed, set-user-id cleared");
    assert_eq!(may_chown(&u, mine, NO_ID, 1002), Ok(0o100755), "to a supplementary group");
    assert_eq!(may_chown(&u, mine, NO_ID, 4242), Err(libc::EPERM));
    assert_eq!(may_chown(&u, file(0, 0, 0o644), NO_ID, 1000), Err(libc::EPERM), "not the owner");
    assert_eq!(may_chown(&Creds::root(), file(5, 5, 0o2750), 6, 6), Ok(0o100750), "group-exec set-group-id cleared");
    assert_eq!(may_chown(&Creds::root(), file(5, 5, 0o2740), 6, 6), Ok(0o102740), "mandatory-locking bit kept");
    assert_eq!(may_chown(&Creds::root(), dir(5, 5, 0o2755), 6, 6), Ok(0o042755), "directories keep their bits");
    assert_eq!(may_chown(&u, mine, NO_ID, NO_ID), Ok(mine.mode), "nothing to change");
}

#[test]
fn sticky_directories_protect_other_users_files() {
    let u = user(1000, 1000);
    let tmp = dir(0, 0, 0o1777);
    assert_eq!(may_delete(&u, tmp, file(1000, 1000, 0o600)), Ok(()));
    assert_eq!(may_delete(&u, tmp, file(1001, 1001, 0o666)), Err(libc::EPERM));
    assert_eq!(may_delete(&u, dir(1000, 0, 0o1777), file(1001, 1001, 0o666)), Ok(()), "the directory's owner may");
    assert_eq!(may_delete(&Creds::root(), tmp, file(1001, 1001, 0o666)), Ok(()));
    assert_eq!(may_delete(&u, dir(0, 0, 0o755), file(1000, 1000, 0o600)), Err(libc::EACCES), "no write on the dir");
}

// ---------------------------------------------------------------- kill(2)

#[test]
fn kill_needs_matching_real_or_effective_to_real_or_saved() {
    let root = Creds::root();
    let u = user(1000, 1000);
    assert_eq!(may_kill(&u, t(&root), libc::SIGTERM), Err(libc::EPERM));
    assert_eq!(may_kill(&u, t(&root), 0), Err(libc::EPERM), "signal 0 probes the same rule");
    assert_eq!(may_kill(&root, t(&u), libc::SIGKILL), Ok(()), "CAP_KILL");
    assert_eq!(may_kill(&u, t(&user(1000, 5)), libc::SIGTERM), Ok(()));
    // Target with saved uid 1000 (a set-user-id program that switched away).
    let mut s = Creds::root();
    s.setresuid(2000, 2000, 1000).unwrap();
    assert_eq!(may_kill(&u, t(&s), libc::SIGTERM), Ok(()), "sender uid = target saved");
    // Sender with effective 2000, real 1000, against a 2000 target: effective = real.
    let mut e = Creds::root();
    e.setresuid(1000, 2000, 2000).unwrap();
    let other = user(2000, 0);
    assert_eq!(may_kill(&e, t(&other), libc::SIGTERM), Ok(()));
    // Matching only the target's effective uid is not enough.
    let mut te = Creds::root();
    te.setresuid(3000, 1000, 3000).unwrap();
    assert_eq!(may_kill(&u, t(&te), libc::SIGTERM), Err(libc::EPERM));
}

#[test]
fn kill_sigcont_within_a_session_and_own_threads() {
    let root = Creds::root();
    let u = user(1000, 1000);
    let in_session = KillTarget { creds: &root, same_process: false, same_session: true };
    assert_eq!(may_kill(&u, in_session, libc::SIGCONT), Ok(()));
    assert_eq!(may_kill(&u, in_session, libc::SIGSTOP), Err(libc::EPERM));
    let own = KillTarget { creds: &root, same_process: true, same_session: false };
    assert_eq!(may_kill(&u, own, libc::SIGTERM), Ok(()));
}

// ---------------------------------------------------------------- System V IPC

#[test]
fn ipc_permissions_as_ipcperms() {
    let perm = IpcPerm { uid: 0, gid: 0, cuid: 0, cgid: 0, mode: 0o600 };
    let u = user(65534, 65534);
    assert_eq!(may_ipc(&u, perm, 0o400), Err(libc::EACCES));
    assert_eq!(may_ipc(&u, perm, 0o004), Err(libc::EACCES), "any class's bit means the same access");
    assert_eq!(may_ipc(&u, perm, 0), Ok(()), "asking for nothing always succeeds (msgget(key, 0))");
    assert_eq!(may_ipc(&Creds::root(), IpcPerm { mode: 0, ..perm }, 0o600), Ok(()), "CAP_IPC_OWNER");
    let creator_only = IpcPerm { uid: 5, gid: 5, cuid: 65534, cgid: 5, mode: 0o604 };
    assert_eq!(may_ipc(&u, creator_only, 0o600), Ok(()), "creator counts as owner");
    let group = IpcPerm { uid: 5, gid: 77, cuid: 5, cgid: 5, mode: 0o640 };
    let mut g = Creds::root();
    g.setgroups(&[77]).unwrap();
    g.setresuid(1000, 1000, 1000).unwrap();
    assert_eq!(may_ipc(&g, group, 0o400), Ok(()));
    assert_eq!(may_ipc(&g, group, 0o200), Err(libc::EACCES));
    assert_eq!(may_ipc_control(&u, perm), Err(libc::EPERM));
    assert_eq!(may_ipc_control(&u, creator_only), Ok(()));
    assert_eq!(may_ipc_control(&Creds::root(), creator_only), Ok(()), "CAP_SYS_ADMIN");
}

#[test]
fn single_capability_operations() {
    let r = Creds::root();
    let u = user(1000, 1000);
    for c in [cap::SYS_ADMIN, cap::SYS_TIME, cap::SYS_CHROOT, cap::MKNOD, cap::SYS_RESOURCE] {
        assert_eq!(require(&r, c), Ok(()));
        assert_eq!(require(&u, c), Err(libc::EPERM));
    }
    let mut half = Creds::root();
    half.setresuid(0, 1000, 0).unwrap();
    assert_eq!(require(&half, cap::SYS_TIME), Err(libc::EPERM), "only effective capabilities count");
}

// ---------------------------------------------------------------- ptrace, priority, limits

#[test]
fn ptrace_access_needs_all_ids_to_match_or_cap_sys_ptrace() {
    let u = user(1000, 1000);
    let same = user(1000, 1000);
    assert_eq!(may_ptrace(&u, &same, false, true, PtraceCreds::Real), Ok(()));
    assert_eq!(may_ptrace(&u, &same, false, false, PtraceCreds::Real), Err(libc::EPERM), "not dumpable");
    assert_eq!(may_ptrace(&u, &same, true, false, PtraceCreds::Real), Ok(()), "own threads always");
    let mut setuid_prog = user(1000, 1000);
    setuid_prog.exec(file(0, 0, 0o4755), false);
    assert_eq!(may_ptrace(&u, &setuid_prog, false, true, PtraceCreds::Real), Err(libc::EPERM), "target's saved uid is 0");
    assert_eq!(may_ptrace(&Creds::root(), &setuid_prog, false, false, PtraceCreds::Real), Ok(()), "CAP_SYS_PTRACE");
    let other_group = user(1000, 5);
    assert_eq!(may_ptrace(&u, &other_group, false, true, PtraceCreds::Fs), Err(libc::EPERM));
    let mut fs = Creds::root();
    fs.setresuid(0, 0, 0).unwrap();
    fs.setfsuid(1000);
    fs.setfsgid(1000);
    fs.effective = fs.effective.without(cap::SYS_PTRACE);
    assert_eq!(may_ptrace(&fs, &same, false, true, PtraceCreds::Fs), Ok(()), "fs ids for /proc");
    assert_eq!(may_ptrace(&fs, &same, false, true, PtraceCreds::Real), Err(libc::EPERM), "real ids are 0");
}

#[test]
fn setpriority_rules() {
    let u = user(1000, 1000);
    assert_eq!(may_setpriority(&u, &user(1000, 7), 0, 5), Ok(()));
    assert_eq!(may_setpriority(&u, &user(1000, 7), 5, 0), Err(libc::EACCES), "raising priority needs CAP_SYS_NICE");
    assert_eq!(may_setpriority(&u, &Creds::root(), 0, 5), Err(libc::EPERM));
    assert_eq!(may_setpriority(&Creds::root(), &u, 0, -20), Ok(()));
}

#[test]
fn prlimit_and_setrlimit_rules() {
    let u = user(1000, 1000);
    assert_eq!(may_prlimit(&u, &user(1000, 1000), false), Ok(()));
    assert_eq!(may_prlimit(&u, &user(1000, 5), false), Err(libc::EPERM));
    let mut s = Creds::root();
    s.setresuid(1000, 1000, 0).unwrap();
    s.effective = CapSet::EMPTY;
    assert_eq!(may_prlimit(&u, &s, false), Err(libc::EPERM), "target keeps a saved root uid");
    assert_eq!(may_prlimit(&Creds::root(), &s, false), Ok(()));
    assert_eq!(may_setrlimit(&u, 1024, 512, 1024), Ok(()));
    assert_eq!(may_setrlimit(&u, 1024, 512, 256), Err(libc::EINVAL));
    assert_eq!(may_setrlimit(&u, 1024, 512, 4096), Err(libc::EPERM));
    assert_eq!(may_setrlimit(&Creds::root(), 1024, 512, u64::MAX), Ok(()));
    assert_eq!(may_setrlimit(&u, 1024, 100, 512), Ok(()), "lowering the hard limit is free");
}

#[test]
fn the_record_vfs_receives_keeps_what_the_checks_read() {
    let mut c = Creds::root();
    c.setgroups(&[7, 3, 900]).unwrap();
    c.setresgid(10, 11, 12).unwrap();
    c.setresuid(20, 21, 0).unwrap();
    c.setfsuid(0);
    let r = Creds::from_record(&c.record(usize::MAX)).unwrap();
    assert_eq!((r.fsuid, r.fsgid, r.uid, r.gid, r.euid, r.egid), (0, 11, 20, 10, 21, 11));
    assert_eq!(r.groups, vec![3, 7, 900]);
    assert_eq!((r.effective, r.permitted), (c.effective, c.permitted));
    assert_eq!(r.for_access().fsuid, 20, "access(2) checks with the real uid");
    let two = Creds::from_record(&c.record(2)).unwrap();
    assert_eq!(two.groups, vec![3, 7], "the record holds at most the groups asked for");
    assert_eq!(Creds::from_record(&c.record(3)[..50]), None, "a record cut short");
}
