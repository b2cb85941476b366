//! README.md's syscall table is generated from the dispatcher; this keeps them equal.

#[test]
fn readme_syscall_table_matches_the_code() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_grantix")).arg("syscalls").output().expect("grantix runs");
    let table = String::from_utf8(out.stdout).expect("utf-8");
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README.md");
    assert!(readme.contains(table.trim_end()), "README.md's syscall table is stale: run scripts/update-readme.sh");
}
