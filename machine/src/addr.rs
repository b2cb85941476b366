//! Pointers that carry a space number: `SID (63..48) | offset (47..0)`.

/// A space identifier. 0 means "local" in a pointer; live spaces are 1..=65535.
pub type Sid = u16;

/// log2 of the page size.
pub const PAGE_SHIFT: u32 = 12;
/// Pages are 4 KiB, the unit of mapping and of page rights.
pub const PAGE_SIZE: u64 = 1 << PAGE_SHIFT;
/// Offsets within a space are 48 bits wide.
pub const OFFSET_BITS: u32 = 48;
/// Mask selecting the offset part of a pointer.
pub const OFFSET_MASK: u64 = (1 << OFFSET_BITS) - 1;
/// The size of a whole space, `2^48` bytes: a whole-space grant covers `[0, SPACE_SIZE)`.
pub const SPACE_SIZE: u64 = 1 << OFFSET_BITS;
/// The number of space identifiers, including the reserved local SID 0.
pub const MAX_SPACES: usize = 1 << 16;

/// The SID field of a pointer (0 for a local pointer).
#[inline(always)]
pub fn sid_of(ptr: u64) -> Sid {
    (ptr >> OFFSET_BITS) as Sid
}

/// The offset field of a pointer.
#[inline(always)]
pub fn offset_of(ptr: u64) -> u64 {
    ptr & OFFSET_MASK
}

/// Builds a qualified pointer from a space and an offset.
#[inline(always)]
pub fn qualified(sid: Sid, offset: u64) -> u64 {
    ((sid as u64) << OFFSET_BITS) | (offset & OFFSET_MASK)
}

/// Resolves a pointer as seen from an environment whose DATA space is `data`:
/// a local pointer names `data`, a qualified one names its own space.
#[inline(always)]
pub fn resolve(ptr: u64, local: Sid) -> (Sid, u64) {
    let sid = sid_of(ptr);
    (if sid == 0 { local } else { sid }, offset_of(ptr))
}

/// Page number of an offset.
#[inline(always)]
pub fn page_of(offset: u64) -> u64 {
    offset >> PAGE_SHIFT
}

/// Rounds an offset down to its page boundary.
#[inline(always)]
pub fn page_floor(offset: u64) -> u64 {
    offset & !(PAGE_SIZE - 1)
}

/// Rounds a length or offset up to a page boundary (saturating at the top of u64).
#[inline(always)]
pub fn page_ceil(offset: u64) -> u64 {
    offset.saturating_add(PAGE_SIZE - 1) & !(PAGE_SIZE - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualify_and_split_round_trip() {
        let p = qualified(0x1234, 0x10000);
        assert_eq!(p, 0x1234_0000_0001_0000);
        assert_eq!(sid_of(p), 0x1234);
        assert_eq!(offset_of(p), 0x10000);
        assert_eq!(resolve(p, 7), (0x1234, 0x10000));
        assert_eq!(resolve(0x10000, 7), (7, 0x10000));
    }

    #[test]
    fn page_rounding() {
        assert_eq!(page_floor(0x1fff), 0x1000);
        assert_eq!(page_ceil(0x1001), 0x2000);
        assert_eq!(page_ceil(0x1000), 0x1000);
        assert_eq!(page_ceil(u64::MAX), !(PAGE_SIZE - 1));
    }
}
