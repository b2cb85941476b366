//! The grant table: who may touch which range of whose space, derived transitively
//! and revoked in cascades.
//!
//! Revocation is a table operation, O(descendants): pointers stay plain integers
//! checked at use, so nothing in memory has to be swept.

use crate::addr::{Sid, SPACE_SIZE};
use crate::error::GxError;
use crate::rights::GrantRights;
use rustc_hash::{FxBuildHasher, FxHashMap};

/// A set of handles with O(1) insert and removal and a deterministic order (FxHash has
/// no random seed): the grant table's indexes, so revoking one grant never scans a list
/// as long as everything a space holds or made.
pub type HandleSet = indexmap::IndexSet<Handle, FxBuildHasher>;

/// A grant handle: `generation << 32 | (slot + 1)`, always > 0 and positive as i64.
pub type Handle = u64;

/// One live grant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    pub handle: Handle,
    /// The space whose memory is granted (T).
    pub owner: Sid,
    /// Offsets `[lo, hi)` of the owner's space.
    pub lo: u64,
    pub hi: u64,
    pub rights: GrantRights,
    /// The space (principal) that may use it.
    pub grantee: Sid,
    /// The principal that made it; it may revoke it, as may the owner.
    pub creator: Sid,
    pub transient: bool,
    pub parent: Option<Handle>,
    pub children: HandleSet,
    /// Length of the chain of parents (a root grant has depth 0).
    pub depth: u32,
    /// Some TLB entry was filled through this grant, so revoking it must flush.
    pub cached: bool,
}

impl Grant {
    /// Whether the grant covers `[lo, hi)` with all of `rights`.
    #[inline]
    pub fn covers(&self, lo: u64, hi: u64, rights: GrantRights) -> bool {
        self.lo <= lo && hi <= self.hi && self.rights.contains(rights)
    }

    /// Bytes covered.
    pub fn len(&self) -> u64 {
        self.hi - self.lo
    }
}

/// Configurable limits; hitting one is `GxError::Limit`, never a crash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct GrantLimits {
    /// Live grants one space may have created.
    pub per_space: usize,
    /// Longest chain of derivations.
    pub max_depth: u32,
    /// Live grants in the whole machine (about 120 bytes of host memory each).
    pub total: usize,
}

impl Default for GrantLimits {
    fn default() -> Self {
        GrantLimits { per_space: 1 << 16, max_depth: 16, total: 1 << 20 }
    }
}

/// A request to create a grant, already resolved to an owner space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GrantRequest {
    pub owner: Sid,
    pub lo: u64,
    pub len: u64,
    pub rights: GrantRights,
    pub grantee: Sid,
    pub transient: bool,
}

struct Slot {
    generation: u32,
    grant: Option<Grant>,
}

/// All grants of the machine.
#[derive(Default)]
pub struct GrantTable {
    slots: Vec<Slot>,
    free: Vec<u32>,
    /// (grantee, owner) -> grants the grantee holds over the owner's space.
    held: FxHashMap<(Sid, Sid), HandleSet>,
    /// grantee -> grants it holds, over any space (space destruction).
    holds: FxHashMap<Sid, HandleSet>,
    /// creator -> grants it made (for the per-space limit and space destruction).
    made: FxHashMap<Sid, HandleSet>,
    /// owner -> grants over its memory (for space destruction).
    over: FxHashMap<Sid, HandleSet>,
    /// sid -> the sids it shares a `held` key with (as grantee or owner), so the
    /// destruction of a space drops its empty `held` sets without walking every key.
    partners: FxHashMap<Sid, rustc_hash::FxHashSet<Sid>>,
    pub limits: GrantLimits,
    live: usize,
    peak: usize,
}

/// Takes `h` out of `key`'s set. An emptied set stays, with its allocation: the same
/// keys come back at every syscall (a transient grant from linux to a service over a
/// process, made and revoked each time), and `revoke_involving` drops the empty sets
/// of a destroyed space.
fn unlist<K: std::hash::Hash + Eq + Copy>(map: &mut FxHashMap<K, HandleSet>, key: K, h: Handle) {
    if let Some(v) = map.get_mut(&key) {
        v.swap_remove(&h);
    }
}

impl GrantTable {
    /// An empty table with the given limits.
    pub fn new(limits: GrantLimits) -> GrantTable {
        GrantTable { limits, ..Default::default() }
    }

    /// Live grants in the whole machine.
    pub fn live(&self) -> usize {
        self.live
    }

    /// The most grants ever live at once.
    pub fn peak(&self) -> usize {
        self.peak
    }

    /// The live grant with this handle.
    pub fn get(&self, h: Handle) -> Option<&Grant> {
        let idx = (h & 0xffff_ffff).checked_sub(1)? as usize;
        let slot = self.slots.get(idx)?;
        if slot.generation as u64 != h >> 32 {
            return None;
        }
        slot.grant.as_ref()
    }

    fn get_mut(&mut self, h: Handle) -> Option<&mut Grant> {
        let idx = (h & 0xffff_ffff).checked_sub(1)? as usize;
        let slot = self.slots.get_mut(idx)?;
        if slot.generation as u64 != h >> 32 {
            return None;
        }
        slot.grant.as_mut()
    }

    /// Marks a grant as having filled a TLB entry.
    pub fn mark_cached(&mut self, h: Handle) {
        if let Some(g) = self.get_mut(h) {
            g.cached = true;
        }
    }

    /// Grants `grantee` holds over `owner`'s space.
    pub fn held(&self, grantee: Sid, owner: Sid) -> impl Iterator<Item = &Grant> {
        self.held.get(&(grantee, owner)).into_iter().flatten().filter_map(|h| self.get(*h))
    }

    /// A grant held by `grantee` over `[lo, hi)` of `owner` with `rights`, if any.
    pub fn find_covering(&self, grantee: Sid, owner: Sid, lo: u64, hi: u64, rights: GrantRights) -> Option<&Grant> {
        self.held(grantee, owner).find(|g| g.covers(lo, hi, rights))
    }

    /// A grant held by `grantee` covering the whole page `[lo, lo+4096)`, preferring one
    /// with more rights: used to fill the TLB.
    pub fn find_page(&self, grantee: Sid, owner: Sid, lo: u64, hi: u64, rights: GrantRights) -> Option<&Grant> {
        self.held(grantee, owner).filter(|g| g.covers(lo, hi, rights)).max_by_key(|g| g.rights.0)
    }

    /// Decides whether `creator` (an environment with DATA `data` and CODE `code`) may
    /// make the requested grant, and of which parent it is derived. `acting_for` lists
    /// spaces the creator may hand out root grants for besides its own (the memory
    /// authority for the spaces it created).
    pub fn authorize(&self, code: Sid, data: Sid, may_root: impl Fn(Sid) -> bool, req: &GrantRequest) -> Result<Option<Handle>, GxError> {
        if req.len == 0 || !req.rights.is_valid() {
            return Err(GxError::Invalid);
        }
        let hi = req.lo.checked_add(req.len).ok_or(GxError::Invalid)?;
        if hi > SPACE_SIZE {
            return Err(GxError::Invalid);
        }
        if req.owner == data || req.owner == code || may_root(req.owner) {
            return Ok(None);
        }
        let need = req.rights.union(GrantRights::G);
        // The shallowest covering parent keeps chains short, so depth limits bite late.
        let parent = self
            .held(data, req.owner)
            .filter(|g| g.covers(req.lo, hi, need))
            .min_by_key(|g| g.depth)
            .ok_or(GxError::Perm)?;
        if parent.depth + 1 > self.limits.max_depth {
            return Err(GxError::Limit);
        }
        Ok(Some(parent.handle))
    }

    /// Inserts an authorized grant made by `creator`.
    pub fn insert(&mut self, creator: Sid, parent: Option<Handle>, req: &GrantRequest) -> Result<Handle, GxError> {
        if self.live >= self.limits.total || self.made.get(&creator).map_or(0, |v| v.len()) >= self.limits.per_space {
            return Err(GxError::Limit);
        }
        let depth = match parent {
            Some(p) => self.get(p).ok_or(GxError::Stale)?.depth + 1,
            None => 0,
        };
        let idx = match self.free.pop() {
            Some(i) => i as usize,
            None => {
                if self.slots.len() >= u32::MAX as usize - 1 {
                    return Err(GxError::Limit);
                }
                self.slots.push(Slot { generation: 0, grant: None });
                self.slots.len() - 1
            }
        };
        let slot = &mut self.slots[idx];
        // Generations keep stale handles stale; they stay within 31 bits so a
        // handle is a positive i64 and never mistaken for an error.
        slot.generation = (slot.generation % 0x7fff_ffff) + 1;
        let handle = ((slot.generation as u64) << 32) | (idx as u64 + 1);
        slot.grant = Some(Grant {
            handle,
            owner: req.owner,
            lo: req.lo,
            hi: req.lo + req.len,
            rights: req.rights,
            grantee: req.grantee,
            creator,
            transient: req.transient,
            parent,
            children: HandleSet::default(),
            depth,
            cached: false,
        });
        if let Some(p) = parent {
            if let Some(pg) = self.get_mut(p) {
                pg.children.insert(handle);
            }
        }
        let mut fresh = false;
        self.held
            .entry((req.grantee, req.owner))
            .or_insert_with(|| {
                fresh = true;
                HandleSet::default()
            })
            .insert(handle);
        if fresh {
            self.partners.entry(req.grantee).or_default().insert(req.owner);
            self.partners.entry(req.owner).or_default().insert(req.grantee);
        }
        self.holds.entry(req.grantee).or_default().insert(handle);
        self.made.entry(creator).or_default().insert(handle);
        self.over.entry(req.owner).or_default().insert(handle);
        self.live += 1;
        self.peak = self.peak.max(self.live);
        Ok(handle)
    }

    /// Whether `by` may revoke `h`: its creator or the owner of the granted space.
    pub fn may_revoke(&self, h: Handle, by: Sid) -> Result<(), GxError> {
        let g = self.get(h).ok_or(GxError::Stale)?;
        if g.creator == by || g.owner == by {
            Ok(())
        } else {
            Err(GxError::Perm)
        }
    }

    /// Removes `h` and every grant derived from it, at any depth. Returns what was
    /// removed (so the caller can flush caches and count).
    pub fn revoke_tree(&mut self, h: Handle) -> Vec<Grant> {
        let mut out = Vec::new();
        let mut stack = vec![h];
        while let Some(h) = stack.pop() {
            let Some(g) = self.remove(h) else { continue };
            stack.extend(g.children.iter().copied());
            out.push(g);
        }
        out
    }

    fn remove(&mut self, h: Handle) -> Option<Grant> {
        let idx = (h & 0xffff_ffff).checked_sub(1)? as usize;
        let slot = self.slots.get_mut(idx)?;
        if slot.generation as u64 != h >> 32 {
            return None;
        }
        let g = slot.grant.take()?;
        self.free.push(idx as u32);
        self.live -= 1;
        unlist(&mut self.held, (g.grantee, g.owner), h);
        unlist(&mut self.holds, g.grantee, h);
        unlist(&mut self.made, g.creator, h);
        unlist(&mut self.over, g.owner, h);
        if let Some(p) = g.parent {
            if let Some(pg) = self.get_mut(p) {
                pg.children.swap_remove(&h);
            }
        }
        Some(g)
    }

    /// Revokes every grant that `sid` holds, made, or that covers its memory (space
    /// destruction).
    pub fn revoke_involving(&mut self, sid: Sid) -> Vec<Grant> {
        let mut roots: Vec<Handle> = Vec::new();
        roots.extend(self.made.get(&sid).into_iter().flatten());
        roots.extend(self.over.get(&sid).into_iter().flatten());
        roots.extend(self.holds.get(&sid).into_iter().flatten());
        let mut out = Vec::new();
        for h in roots {
            out.extend(self.revoke_tree(h));
        }
        // The space's sets are empty now (`unlist` keeps them): drop them, so a run
        // that makes and destroys many spaces does not keep a set for each.
        for p in self.partners.remove(&sid).unwrap_or_default() {
            let mut kept = false;
            for k in [(sid, p), (p, sid)] {
                match self.held.get(&k) {
                    Some(v) if v.is_empty() => {
                        self.held.remove(&k);
                    }
                    Some(_) => kept = true,
                    None => {}
                }
            }
            if kept {
                self.partners.entry(sid).or_default().insert(p);
            } else if let Some(set) = self.partners.get_mut(&p) {
                set.remove(&sid);
                if set.is_empty() {
                    self.partners.remove(&p);
                }
            }
        }
        for m in [&mut self.holds, &mut self.made, &mut self.over] {
            if m.get(&sid).is_some_and(|v| v.is_empty()) {
                m.remove(&sid);
            }
        }
        out
    }

    /// Live grants made by `creator` (for counters and limits).
    pub fn made_by(&self, creator: Sid) -> usize {
        self.made.get(&creator).map_or(0, |v| v.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(owner: Sid, lo: u64, len: u64, rights: GrantRights, grantee: Sid) -> GrantRequest {
        GrantRequest { owner, lo, len, rights, grantee, transient: false }
    }

    #[test]
    fn root_derive_and_cascade() {
        let mut t = GrantTable::new(GrantLimits::default());
        let no = |_| false;
        // Space 10 grants RWG over its whole space to 20.
        let r = req(10, 0, SPACE_SIZE, GrantRights::RWG, 20);
        assert_eq!(t.authorize(10, 10, no, &r), Ok(None));
        let root = t.insert(10, None, &r).unwrap();
        // 20 derives R over a range to 30; 30 derives to 40 needs G, which it lacks.
        let d = req(10, 0x1000, 0x100, GrantRights::R, 30);
        let parent = t.authorize(20, 20, no, &d).unwrap();
        assert_eq!(parent, Some(root));
        let child = t.insert(20, parent, &d).unwrap();
        let dd = req(10, 0x1000, 0x10, GrantRights::R, 40);
        assert_eq!(t.authorize(30, 30, no, &dd), Err(GxError::Perm));
        // Rights never grow: 20 cannot derive C.
        let c = req(10, 0, 0x1000, GrantRights::C, 30);
        assert_eq!(t.authorize(20, 20, no, &c), Err(GxError::Perm));
        assert!(t.find_covering(30, 10, 0x1000, 0x1100, GrantRights::R).is_some());
        assert!(t.find_covering(30, 10, 0x1000, 0x1101, GrantRights::R).is_none());
        // Only the creator or the owner may revoke.
        assert_eq!(t.may_revoke(child, 30), Err(GxError::Perm));
        assert_eq!(t.may_revoke(child, 10), Ok(()));
        let gone = t.revoke_tree(root);
        assert_eq!(gone.len(), 2);
        assert!(t.get(child).is_none());
        assert_eq!(t.may_revoke(child, 20), Err(GxError::Stale));
        assert_eq!(t.live(), 0);
    }

    #[test]
    fn limits_are_errors() {
        let mut t = GrantTable::new(GrantLimits { per_space: 2, max_depth: 1, ..GrantLimits::default() });
        let no = |_| false;
        let r = req(1, 0, 4096, GrantRights::RWG, 2);
        let a = t.insert(1, None, &r).unwrap();
        t.insert(1, None, &r).unwrap();
        assert_eq!(t.insert(1, None, &r), Err(GxError::Limit));
        let d = req(1, 0, 4096, GrantRights::RWG, 3);
        let p = t.authorize(2, 2, no, &d).unwrap();
        t.insert(2, p, &d).unwrap();
        let dd = req(1, 0, 4096, GrantRights::R, 4);
        assert_eq!(t.authorize(3, 3, no, &dd), Err(GxError::Limit));
        assert_eq!(t.authorize(2, 2, no, &req(1, 0, 0, GrantRights::R, 4)), Err(GxError::Invalid));
        assert_eq!(t.authorize(2, 2, no, &req(1, SPACE_SIZE - 1, 2, GrantRights::R, 4)), Err(GxError::Invalid));
        let _ = a;
    }

    #[test]
    fn the_machine_wide_total_is_a_limit_too() {
        let mut t = GrantTable::new(GrantLimits { total: 3, ..GrantLimits::default() });
        let r = |c: Sid| req(c, 0, 4096, GrantRights::R, 9);
        let a = t.insert(1, None, &r(1)).unwrap();
        t.insert(2, None, &r(2)).unwrap();
        t.insert(3, None, &r(3)).unwrap();
        assert_eq!(t.insert(4, None, &r(4)), Err(GxError::Limit), "a fresh creator still meets the total");
        assert_eq!(t.peak(), 3);
        t.revoke_tree(a);
        t.insert(4, None, &r(4)).unwrap();
        assert_eq!((t.live(), t.peak()), (3, 3));
    }

    #[test]
    fn space_destruction_revokes_what_it_holds_made_and_owns() {
        let mut t = GrantTable::new(GrantLimits::default());
        let held = t.insert(1, None, &req(1, 0, 4096, GrantRights::RWG, 5)).unwrap();
        let made = t.insert(5, None, &req(5, 0, 4096, GrantRights::R, 2)).unwrap();
        let over = t.insert(3, None, &req(5, 0, 4096, GrantRights::R, 3)).unwrap();
        let other = t.insert(1, None, &req(1, 0, 4096, GrantRights::R, 2)).unwrap();
        let d = t.insert(5, Some(held), &req(1, 0, 16, GrantRights::R, 4)).unwrap();
        let gone: Vec<Handle> = t.revoke_involving(5).iter().map(|g| g.handle).collect();
        for h in [held, made, over, d] {
            assert!(gone.contains(&h) && t.get(h).is_none());
        }
        assert!(t.get(other).is_some());
        assert_eq!(t.live(), 1);
        // Space 5's sets are gone (4 held a grant over 1 only: its set stays, empty);
        // 1 and 2 still share a key.
        assert!(t.held.keys().all(|&(g, o)| g != 5 && o != 5));
        assert!(!t.partners.contains_key(&5) && t.partners.values().all(|s| !s.contains(&5)));
        assert!(t.partners[&1].contains(&2) && t.partners[&2].contains(&1));
    }

    #[test]
    fn stale_handles_stay_stale_after_slot_reuse() {
        let mut t = GrantTable::new(GrantLimits::default());
        let r = req(1, 0, 4096, GrantRights::R, 2);
        let a = t.insert(1, None, &r).unwrap();
        t.revoke_tree(a);
        let b = t.insert(1, None, &r).unwrap();
        assert_ne!(a, b);
        assert!(t.get(a).is_none());
        assert!(t.get(b).is_some());
    }
}
