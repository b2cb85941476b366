//! RISC-V F and D arithmetic, bit-exact: fcsr flags, canonical NaNs, saturating
//! conversions, written once for both widths.
//!
//! Every operation is a pure function on raw IEEE bit patterns, generic over the
//! width `W` ([`S`]: `u32` bits, [`D`]: `u64` bits; see [`Width`]). Register
//! NaN-boxing is in `moves`. Each rounding operation returns its result and ORs the
//! exception flags it raised into `flags` (bit layout of `fcsr.fflags`: NV DZ OF UF NX).
//!
//! The arithmetic is Berkeley SoftFloat 3 built with its RISC-V specialization
//! (`softfloat-sys`, feature `riscv`): canonical NaN results, the RISC-V integer
//! saturation values, and tininess detected after rounding. Every call into it goes
//! through `softfloat.rs`.
//!
//! Files: `rounding` (modes and flag bits), `width` (the trait and its two impls),
//! `softfloat` (the door to C), `arith`, `convert`, `compare` (also FCLASS) and
//! `moves` (NaN-boxing, loads/stores, sign injection, FMV).

mod arith;
mod compare;
mod convert;
mod moves;
mod rounding;
mod softfloat;
mod width;

pub use arith::{add, div, madd, msub, mul, nmadd, nmsub, sqrt, sub};
pub use compare::{class, eq, is_nan, is_snan, le, lt, max, min};
pub use convert::{d_to_s, from_i32, from_i64, from_u32, from_u64, s_to_d, to_i32, to_i64, to_u32, to_u64};
pub use moves::{boxed, from_x, load, sgnj, sgnjn, sgnjx, store, to_x, unbox};
pub use rounding::{Rounding, DZ, NV, NX, OF, UF};
pub use width::{Width, D, S};

#[cfg(test)]
mod tests;
