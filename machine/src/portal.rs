//! Portals: named entry points into a space's CODE, called with gx.pcall.

use crate::addr::Sid;
use crate::error::GxError;

/// A portal: entry offset in `code`, run in environment (code, data).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Portal {
    pub code: Sid,
    pub data: Sid,
    pub entry: u64,
    /// Generations of the two spaces when the portal was made: a portal dies with them.
    pub code_generation: u32,
    pub data_generation: u32,
}

/// All portals. A portal id is a name, not an authority: calling needs a C grant.
#[derive(Default)]
pub struct PortalTable {
    portals: Vec<Portal>,
}

impl PortalTable {
    /// Registers a portal; ids start at 1.
    pub fn create(&mut self, p: Portal) -> Result<u64, GxError> {
        if self.portals.len() >= u32::MAX as usize {
            return Err(GxError::Limit);
        }
        self.portals.push(p);
        Ok(self.portals.len() as u64)
    }

    /// The portal named `id`, whether or not its spaces still live.
    pub fn get(&self, id: u64) -> Option<&Portal> {
        self.portals.get((id as usize).checked_sub(1)?)
    }

    /// Number of portals ever created.
    pub fn len(&self) -> usize {
        self.portals.len()
    }

    /// Whether no portal exists.
    pub fn is_empty(&self) -> bool {
        self.portals.is_empty()
    }
}
