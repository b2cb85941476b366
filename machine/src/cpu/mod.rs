//! The RV64GC + Xgx processor: decoding, the instruction cache, and execution.

pub mod compressed;
pub mod decode;
pub mod disasm;
pub mod exec;
pub mod fp;
pub mod icache;
pub mod inst;
