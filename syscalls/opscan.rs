//! Build-time scan of the services' `pub mod op { pub const NAME: u64 = ...; }` blocks
//! (and of `op.rs` files, a service's op module kept in a file of its own):
//! writes a table of (service, constant, "NAME") rows, so the names tracing shows come
//! from the op modules themselves (the values from the compiler, via the constants).

use std::fmt::Write as _;
use std::path::Path;

/// Rows for every `op` module under `src`, as Rust tuple expressions. `service_of`
/// maps a file's module path (`proc`, `ipc::service`) to the `ServiceId` variant that
/// owns its ops, or None to skip the file.
pub fn scan(src: &Path, krate: &str, service_of: &dyn Fn(&str) -> Option<String>) -> String {
    let mut files = Vec::new();
    walk(src, &mut files);
    files.sort();
    let mut rows = String::new();
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else { continue };
        let whole = f.file_name().is_some_and(|n| n == "op.rs");
        // The lines of the op module: after its `pub mod op {` line, or the whole file.
        let start = if whole { 0 } else {
            let Some(i) = text.lines().position(|l| l.starts_with("pub mod op {")) else { continue };
            i + 1
        };
        let rel = f.strip_prefix(src).expect("under src").with_extension("");
        let mut parts: Vec<String> = rel.iter().map(|c| c.to_string_lossy().into_owned()).collect();
        if whole {
            parts.pop();
        }
        if parts.last().is_some_and(|l| l == "mod" || l == "lib") {
            parts.pop();
        }
        let module = parts.join("::");
        let Some(service) = service_of(&module) else {
            println!("cargo:warning=op module in {} belongs to no service: its ops are shown by number", f.display());
            continue;
        };
        for line in text.lines().skip(start).take_while(|l| *l != "}") {
            let Some(rest) = line.trim_start().strip_prefix("pub const ") else { continue };
            let Some((name, ty)) = rest.split_once(':') else { continue };
            if !ty.trim_start().starts_with("u64") {
                continue;
            }
            let _ = writeln!(rows, "    ({krate}::ServiceId::{service}, crate::{module}::op::{name}, \"{name}\"),");
        }
    }
    rows
}

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}
