//! The RV64GC + Xgx processor: decoding, the instruction cache, and execution.

pub mod compressed;
pub mod decode;
pub mod disasm;
pub mod exec;
mod exec_fp;
pub mod fp;
pub mod icache;
pub mod inst;

/// How a machine executes emulated code. All engines retire the same instructions with
/// the same modeled cycles, counters, faults and scheduling; they differ in speed only.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    /// One instruction at a time, every check per instruction: the reference the
    /// other engines are tested against.
    Step,
    /// The interpreter over decoded blocks (budget, code epoch and stop depth checked
    /// per block).
    #[default]
    Interp,
    /// Hot blocks translated to host code; everything else interpreted.
    Jit,
}
