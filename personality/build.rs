//! Generates the op-name table of the services this crate defines (linux, supervisor)
//! from their `op` modules, with the same scan as the syscalls crate's.

#[path = "../syscalls/opscan.rs"]
mod opscan;

fn main() {
    let src = std::path::Path::new("src");
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=../syscalls/opscan.rs");
    // `call`'s op module holds the linux service's ops.
    let rows = opscan::scan(src, "syscalls", &|m| match m {
        "call" => Some("Linux".into()),
        "supervisor" => Some("Supervisor".into()),
        _ => None,
    });
    let out = std::path::Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("op_names.rs");
    std::fs::write(out, format!("&[\n{rows}]\n")).expect("write op_names.rs");
}
