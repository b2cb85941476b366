//! The committed sysroot headers are exactly what the Rust definitions generate.

use std::path::Path;

#[test]
fn headers_match_the_rust_definitions() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("include");
    let bless = std::env::var_os("GRANTIX_BLESS").is_some();
    for (path, text) in sysroot::headers() {
        let file = root.join(path);
        if bless {
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(&file, &text).unwrap();
            continue;
        }
        let have = std::fs::read_to_string(&file).unwrap_or_default();
        assert!(have == text, "{} differs from what sysroot/src/lib.rs generates: run GRANTIX_BLESS=1 cargo test -p sysroot", file.display());
    }
}
