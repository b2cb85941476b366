//! Generates the services' op-name table (`opnames`) from their `op` modules.

#[path = "opscan.rs"]
mod opscan;

fn main() {
    let src = std::path::Path::new("src");
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=opscan.rs");
    // Every service of this crate owns the op modules of its own directory or file.
    let rows = opscan::scan(src, "crate", &|m| Some(variant(m)));
    let out = std::path::Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("op_names.rs");
    std::fs::write(out, format!("&[\n{rows}]\n")).expect("write op_names.rs");
}

/// `proc` -> `Proc`: a service's `ServiceId` variant from its module's first name.
fn variant(module: &str) -> String {
    let first = module.split("::").next().unwrap_or_default();
    let mut c = first.chars();
    c.next().map(|h| h.to_uppercase().chain(c).collect()).unwrap_or_default()
}
