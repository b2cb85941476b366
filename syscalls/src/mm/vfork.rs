//! vfork's shared memory: a child made with CLONE_VM|CLONE_VFORK runs in its
//! parent's spaces until it execs or exits. mm records it as an alias of the parent:
//! its memory calls act on the parent's record, its exec builds new spaces without
//! releasing the shared ones, and its exit releases nothing. If the parent ends
//! first (killed while it waits), its spaces pass to the child instead of going.

use super::*;

impl Mm {
    /// The pid whose memory record `pid` uses (itself, or its vfork parent's).
    pub fn owner_of(&self, pid: u32) -> u32 {
        self.vfork.get(&pid).copied().unwrap_or(pid)
    }

    /// VFORK: child `child` of `pid` shares `pid`'s spaces; (data, 0): its DATA, and
    /// the CODE space the parent runs in.
    pub(super) fn vfork(&mut self, pid: u32, child: u32) -> [u64; 2] {
        let owner = self.owner_of(pid);
        match self.procs.get(&owner) {
            Some(pm) => {
                self.vfork.insert(child, owner);
                [pm.data as u64, 0]
            }
            None => [err(libc::ESRCH), 0],
        }
    }

    /// Forgets that `pid` shares its parent's memory (its exec or exit); true if it did.
    pub(super) fn unshare(&mut self, pid: u32) -> bool {
        self.vfork.remove(&pid).is_some()
    }

    /// Before `pid`'s memory is released: a vfork child still using it takes it over
    /// (its other sharers then alias that child). True if it was handed on.
    pub(super) fn hand_on(&mut self, pid: u32) -> bool {
        let Some(heir) = self.vfork.iter().find(|(_, o)| **o == pid).map(|(c, _)| *c) else { return false };
        let Some(pm) = self.remove_proc(pid) else { return false };
        self.vfork.remove(&heir);
        for o in self.vfork.values_mut() {
            if *o == pid {
                *o = heir;
            }
        }
        self.insert_proc(heir, pm);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vfork_child_uses_its_parents_record_and_keeps_it_if_the_parent_goes_first() {
        let mut mm = Mm::new();
        mm.insert_proc(1, ProcMem { code: 3, data: 4, brk_start: 0, brk: 0, vmas: VmaList::new() });
        assert_eq!(mm.vfork(1, 2), [4, 0]);
        assert_eq!(mm.owner_of(2), 1);
        // A grandchild vforked by the child shares the same record.
        assert_eq!(mm.vfork(2, 5), [4, 0]);
        assert_eq!(mm.owner_of(5), 1);
        // The parent ends first: its memory goes on with a child, the other follows.
        assert!(mm.hand_on(1));
        let heir = if mm.procs.contains_key(&2) { 2 } else { 5 };
        assert_eq!(mm.procs.get(&heir).map(|p| p.data), Some(4));
        assert!(!mm.procs.contains_key(&1));
        let other = if heir == 2 { 5 } else { 2 };
        assert_eq!(mm.owner_of(other), heir);
        // The other one's exec or exit releases nothing.
        assert!(mm.unshare(other));
        assert!(!mm.hand_on(heir));
    }
}
