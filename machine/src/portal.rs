//! Portals: named entry points into a space's CODE, called with gx.pcall; bounded per
//! space and in total, and freed when a space they enter dies.

use crate::addr::Sid;
use crate::error::GxError;
use indexmap::IndexSet;
use rustc_hash::{FxBuildHasher, FxHashMap};

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

/// Configurable limits on live portals; hitting one is `GxError::Limit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct PortalLimits {
    /// Live portals entering one environment (counted against its DATA space).
    pub per_space: usize,
    /// Live portals in the whole machine.
    pub total: usize,
}

impl Default for PortalLimits {
    fn default() -> Self {
        PortalLimits { per_space: 4096, total: 1 << 20 }
    }
}

type IdSet = IndexSet<u64, FxBuildHasher>;

/// All live portals. A portal id is a name, not an authority: calling needs a C grant.
///
/// Ids count from 1 and are never reused (a stale id stays stale); they stay below
/// 2^32 because the native ABI packs one beside a SID in a word. Host memory is
/// bounded by the live portals, not by how many were ever made: the portals of a
/// dead space are dropped (`forget_space`).
#[derive(Default)]
pub struct PortalTable {
    live: FxHashMap<u64, Portal>,
    /// Space -> ids of the live portals whose CODE or DATA it is.
    by_space: FxHashMap<Sid, IdSet>,
    /// DATA space -> how many live portals enter it (the per-space limit).
    per_data: FxHashMap<Sid, usize>,
    next: u64,
    peak: usize,
    pub limits: PortalLimits,
}

impl PortalTable {
    /// An empty table with the given limits.
    pub fn new(limits: PortalLimits) -> PortalTable {
        PortalTable { limits, ..Default::default() }
    }

    /// Registers a portal; ids start at 1.
    pub fn create(&mut self, p: Portal) -> Result<u64, GxError> {
        if self.live.len() >= self.limits.total || self.per_data.get(&p.data).copied().unwrap_or(0) >= self.limits.per_space {
            return Err(GxError::Limit);
        }
        if self.next >= u32::MAX as u64 - 1 {
            return Err(GxError::Limit);
        }
        self.next += 1;
        let id = self.next;
        self.live.insert(id, p);
        self.by_space.entry(p.code).or_default().insert(id);
        self.by_space.entry(p.data).or_default().insert(id);
        *self.per_data.entry(p.data).or_default() += 1;
        self.peak = self.peak.max(self.live.len());
        Ok(id)
    }

    /// The portal named `id`, if it has not been dropped (its spaces may still have
    /// died: the machine compares generations).
    pub fn get(&self, id: u64) -> Option<&Portal> {
        self.live.get(&id)
    }

    /// Drops every portal entering `sid` (as CODE or DATA): the space died. Costs the
    /// number of such portals.
    pub fn forget_space(&mut self, sid: Sid) {
        let Some(ids) = self.by_space.remove(&sid) else { return };
        for id in ids {
            let Some(p) = self.live.remove(&id) else { continue };
            for other in [p.code, p.data] {
                if other != sid {
                    if let Some(set) = self.by_space.get_mut(&other) {
                        set.swap_remove(&id);
                        if set.is_empty() {
                            self.by_space.remove(&other);
                        }
                    }
                }
            }
            if let Some(n) = self.per_data.get_mut(&p.data) {
                *n -= 1;
                if *n == 0 {
                    self.per_data.remove(&p.data);
                }
            }
        }
    }

    /// Live portals.
    pub fn len(&self) -> usize {
        self.live.len()
    }

    /// Whether no portal is live.
    pub fn is_empty(&self) -> bool {
        self.live.is_empty()
    }

    /// The most portals ever live at once.
    pub fn peak(&self) -> usize {
        self.peak
    }

    /// Portals ever created (the last id handed out).
    pub fn created(&self) -> u64 {
        self.next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(code: Sid, data: Sid) -> Portal {
        Portal { code, data, entry: 0x1000, code_generation: 1, data_generation: 1 }
    }

    #[test]
    fn limits_per_space_and_in_total() {
        let mut t = PortalTable::new(PortalLimits { per_space: 2, total: 3 });
        let a = t.create(p(1, 1)).unwrap();
        t.create(p(1, 1)).unwrap();
        assert_eq!(t.create(p(1, 1)), Err(GxError::Limit), "per space");
        t.create(p(1, 2)).unwrap();
        assert_eq!(t.create(p(3, 3)), Err(GxError::Limit), "in total");
        assert_eq!(t.get(a).map(|x| x.data), Some(1));
        assert_eq!((t.len(), t.peak()), (3, 3));
    }

    #[test]
    fn a_dead_space_frees_its_portals_and_ids_are_not_reused() {
        let mut t = PortalTable::new(PortalLimits { per_space: 2, total: 3 });
        let a = t.create(p(1, 1)).unwrap();
        let b = t.create(p(1, 2)).unwrap();
        let c = t.create(p(2, 2)).unwrap();
        t.forget_space(1);
        assert!(t.get(a).is_none() && t.get(b).is_none());
        assert!(t.get(c).is_some());
        assert_eq!(t.len(), 1);
        // Space 2 lost the portal whose CODE was 1: its count went down with it.
        let d = t.create(p(2, 2)).unwrap();
        assert!(d > c, "ids only grow");
        assert_eq!(t.create(p(2, 2)), Err(GxError::Limit));
        t.forget_space(2);
        assert!(t.is_empty());
        assert_eq!(t.created(), 4);
    }
}
