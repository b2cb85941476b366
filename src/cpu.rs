//! `-cpu NAME`: the riscv64 CPU models qemu-riscv64 knows, against what this machine has.
//!
//! The machine is one CPU, RV64GC (docs/ISA.md). A model is accepted when it is a
//! 64-bit riscv model; where the model has extensions the machine lacks, grantix warns
//! (a program that uses them gets SIGILL), since qemu would emulate them.

use crate::stop::Stop;

/// The machine's extensions, as a riscv ISA string.
pub const MACHINE_ISA: &str = "rv64imafdc_zicsr_zifencei";

/// The extensions of [`MACHINE_ISA`], one name each.
pub const MACHINE_EXTENSIONS: &[&str] = &["i", "m", "a", "f", "d", "c", "zicsr", "zifencei"];

/// A CPU model: its name and the extensions it implies (qemu's definitions, user level).
pub struct Model {
    pub name: &'static str,
    pub extensions: &'static [&'static str],
}

const GC: &[&str] = &["i", "m", "a", "f", "d", "c", "zicsr", "zifencei"];

/// qemu-riscv64's 64-bit models (qemu 8.2 `-cpu help`), `max` and `any` as the
/// machine itself.
pub const MODELS: &[Model] = &[
    Model { name: "any", extensions: GC },
    Model { name: "max", extensions: GC },
    Model { name: "rv64", extensions: GC },
    Model { name: "rv64i", extensions: &["i"] },
    Model { name: "rv64gc", extensions: GC },
    Model { name: "sifive-u54", extensions: GC },
    Model { name: "sifive-e51", extensions: &["i", "m", "a", "c", "zicsr", "zifencei"] },
    Model { name: "shakti-c", extensions: GC },
    Model { name: "thead-c906", extensions: &["i", "m", "a", "f", "d", "c", "zicsr", "zifencei", "zfh", "xtheadba", "xtheadbb", "xtheadbs", "xtheadcmo", "xtheadcondmov", "xtheadfmemidx", "xtheadmac", "xtheadmemidx", "xtheadmempair", "xtheadsync"] },
    Model { name: "veyron-v1", extensions: &["i", "m", "a", "f", "d", "c", "h", "zicsr", "zifencei", "zba", "zbb", "zbc", "zbs", "zicbom", "zicboz", "zicbop", "zfa", "xventanacondops"] },
    Model { name: "rva22u64", extensions: &["i", "m", "a", "f", "d", "c", "zicsr", "zifencei", "zicntr", "zihpm", "ziccif", "ziccrse", "ziccamoa", "zicclsm", "za64rs", "zihintpause", "zba", "zbb", "zbs", "zic64b", "zicbom", "zicbop", "zicboz", "zfhmin", "zkt"] },
    Model { name: "rva23u64", extensions: &["i", "m", "a", "f", "d", "c", "v", "zicsr", "zifencei", "zicntr", "zihpm", "zba", "zbb", "zbs", "zicbom", "zicbop", "zicboz", "zfhmin", "zkt", "zvfhmin", "zvbb", "zvkt", "zihintntl", "zicond", "zimop", "zcmop", "zcb", "zfa", "zawrs"] },
];

/// What the machine lacks of a model.
pub fn missing(m: &Model) -> Vec<&'static str> {
    m.extensions.iter().copied().filter(|e| !MACHINE_EXTENSIONS.contains(e)).collect()
}

/// The text of `-cpu help`.
pub fn help() -> String {
    let mut s = String::from("Available CPUs:\n");
    for m in MODELS {
        let lacks = missing(m);
        if lacks.is_empty() {
            s.push_str(&format!("  {}\n", m.name));
        } else {
            s.push_str(&format!("  {:<12} (this machine lacks: {})\n", m.name, lacks.join(", ")));
        }
    }
    s.push_str(&format!("\nThis machine: {MACHINE_ISA} (extensions {}), plus the native extension Xgx (docs/ISA.md).", MACHINE_EXTENSIONS.join(", ")));
    s
}

/// Checks a -cpu argument: `help`, or `MODEL[,PROP=VALUE...]` with qemu's property
/// syntax (`rv64,zba=true`). Unknown models are an error; extensions the model or a
/// property turns on that the machine lacks are a warning.
pub fn check(arg: &str) -> Result<(), Stop> {
    if arg == "help" || arg == "?" {
        return Err(Stop { status: 0, message: help() });
    }
    let mut parts = arg.split(',');
    let name = parts.next().unwrap_or_default();
    let Some(model) = MODELS.iter().find(|m| m.name.eq_ignore_ascii_case(name)) else {
        return Err(Stop::usage(format!("-cpu {name}: unknown CPU model (grantix -cpu help lists them)")));
    };
    let mut lacks = missing(model);
    for prop in parts {
        let (ext, on) = match prop.split_once('=') {
            Some((e, v)) => (e, matches!(v, "true" | "on" | "yes" | "1")),
            None => (prop, true),
        };
        let ext = ext.to_ascii_lowercase();
        if on && !MACHINE_EXTENSIONS.contains(&ext.as_str()) {
            lacks.push(MODELS.iter().flat_map(|m| m.extensions.iter()).find(|e| **e == ext).copied().unwrap_or("(unknown property)"));
        }
    }
    if !lacks.is_empty() {
        tracing::warn!(target: "grantix", "-cpu {arg}: this machine is {MACHINE_ISA}; it lacks {} (instructions of those raise SIGILL)", lacks.join(", "));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gc_models_lack_nothing_and_others_name_what_is_missing() {
        let rv64 = MODELS.iter().find(|m| m.name == "rv64").unwrap();
        assert!(missing(rv64).is_empty());
        let rva23 = MODELS.iter().find(|m| m.name == "rva23u64").unwrap();
        assert!(missing(rva23).contains(&"v"));
        assert!(check("rv64").is_ok());
        assert!(check("sifive-u54,zba=true").is_ok());
        assert_eq!(check("pentium").unwrap_err().status, 1);
        assert_eq!(check("help").unwrap_err().status, 0);
    }
}
