//! Errors as the program sees them: a positive errno inside, -errno only in a0.

/// A Linux errno (positive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Errno(pub i32);

/// A syscall's result before it reaches a0.
pub type SysResult<T = u64> = Result<T, Errno>;

impl Errno {
    /// The register value a failed call returns: -errno.
    pub fn to_reg(self) -> u64 {
        (-(self.0 as i64)) as u64
    }

    /// The errno in register value `v`, if it is one (-4095..-1, as Linux decides).
    pub fn from_reg(v: u64) -> Option<Errno> {
        let s = v as i64;
        (-4095..0).contains(&s).then(|| Errno(-s as i32))
    }
}

/// A result as the register value a0 holds.
pub fn to_reg(r: SysResult) -> u64 {
    r.unwrap_or_else(Errno::to_reg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_round_trips_through_a0() {
        assert_eq!(Errno(14).to_reg(), (-14i64) as u64);
        assert_eq!(Errno::from_reg(Errno(14).to_reg()), Some(Errno(14)));
        assert_eq!(Errno::from_reg(3), None);
        assert_eq!(Errno::from_reg((-4096i64) as u64), None);
        assert_eq!(to_reg(Ok(7)), 7);
        assert_eq!(to_reg(Err(Errno(2))), (-2i64) as u64);
    }
}
