//! The FP environment's two halves: rounding modes and the fcsr exception flags.

/// Exception flag bits as in fcsr.fflags: inexact.
pub const NX: u8 = 1;
/// Underflow.
pub const UF: u8 = 2;
/// Overflow.
pub const OF: u8 = 4;
/// Divide by zero.
pub const DZ: u8 = 8;
/// Invalid operation.
pub const NV: u8 = 16;

/// A resolved static rounding mode (the caller resolves rm=7 "dynamic" from frm and
/// rejects 5/6/invalid frm as illegal). The discriminants are the RISC-V encodings,
/// which are also SoftFloat's `softfloat_round_*` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rounding {
    /// Round to nearest, ties to even.
    Rne = 0,
    /// Round towards zero.
    Rtz = 1,
    /// Round down (towards -inf).
    Rdn = 2,
    /// Round up (towards +inf).
    Rup = 3,
    /// Round to nearest, ties to max magnitude.
    Rmm = 4,
}

impl Rounding {
    /// The static mode encoded by `rm`, or `None` for 5, 6, 7 (dynamic) and above.
    pub fn from_bits(rm: u8) -> Option<Rounding> {
        match rm {
            0 => Some(Rounding::Rne),
            1 => Some(Rounding::Rtz),
            2 => Some(Rounding::Rdn),
            3 => Some(Rounding::Rup),
            4 => Some(Rounding::Rmm),
            _ => None,
        }
    }
}
