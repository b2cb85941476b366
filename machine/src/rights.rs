//! Page rights (R, W, X) and grant rights (R, W, C, G).

use std::fmt;

/// The owner's rights on one page of its space.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PageRights(pub u8);

impl PageRights {
    pub const NONE: PageRights = PageRights(0);
    pub const R: PageRights = PageRights(1);
    pub const W: PageRights = PageRights(2);
    pub const X: PageRights = PageRights(4);
    pub const RW: PageRights = PageRights(3);
    pub const RX: PageRights = PageRights(5);
    pub const RWX: PageRights = PageRights(7);

    /// Whether every right in `other` is present.
    #[inline(always)]
    pub fn contains(self, other: PageRights) -> bool {
        self.0 & other.0 == other.0
    }

    /// Union of two sets.
    pub fn union(self, other: PageRights) -> PageRights {
        PageRights(self.0 | other.0)
    }

    /// The page rights a Linux `PROT_*` mask asks for (PROT_READ=1, WRITE=2, EXEC=4).
    pub fn from_prot(prot: u32) -> PageRights {
        PageRights((prot & 7) as u8)
    }
}

impl fmt::Debug for PageRights {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = if self.contains(Self::R) { 'r' } else { '-' };
        let w = if self.contains(Self::W) { 'w' } else { '-' };
        let x = if self.contains(Self::X) { 'x' } else { '-' };
        write!(f, "{r}{w}{x}")
    }
}

/// The rights a grant confers: read, write, call portals, re-grant.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct GrantRights(pub u8);

impl GrantRights {
    pub const NONE: GrantRights = GrantRights(0);
    pub const R: GrantRights = GrantRights(1);
    pub const W: GrantRights = GrantRights(2);
    /// Call the portals whose entry lies in the range.
    pub const C: GrantRights = GrantRights(4);
    /// Derive further grants from this one (transitivity).
    pub const G: GrantRights = GrantRights(8);
    pub const RW: GrantRights = GrantRights(3);
    pub const RWG: GrantRights = GrantRights(11);
    pub const ALL: GrantRights = GrantRights(15);

    /// Whether every right in `other` is present.
    #[inline(always)]
    pub fn contains(self, other: GrantRights) -> bool {
        self.0 & other.0 == other.0
    }

    /// Union of two sets.
    pub fn union(self, other: GrantRights) -> GrantRights {
        GrantRights(self.0 | other.0)
    }

    /// Whether the bits are a valid, non-empty rights set.
    pub fn is_valid(self) -> bool {
        self.0 != 0 && self.0 & !Self::ALL.0 == 0
    }
}

impl fmt::Debug for GrantRights {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (bit, c) in [(Self::R, 'R'), (Self::W, 'W'), (Self::C, 'C'), (Self::G, 'G')] {
            write!(f, "{}", if self.contains(bit) { c } else { '-' })?;
        }
        Ok(())
    }
}

/// What an access wants to do; maps to a page right and a grant right.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Access {
    Read,
    Write,
    Execute,
}

impl Access {
    /// The page right this access needs.
    #[inline(always)]
    pub fn page_right(self) -> PageRights {
        match self {
            Access::Read => PageRights::R,
            Access::Write => PageRights::W,
            Access::Execute => PageRights::X,
        }
    }

    /// The grant right this access needs on a foreign space. Instruction fetch from a
    /// foreign space is never allowed: foreign code is entered only through portals.
    #[inline(always)]
    pub fn grant_right(self) -> Option<GrantRights> {
        match self {
            Access::Read => Some(GrantRights::R),
            Access::Write => Some(GrantRights::W),
            Access::Execute => None,
        }
    }
}
