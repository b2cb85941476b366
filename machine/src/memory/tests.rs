//! Unit tests of memory: rights, grants, copy-on-write, demand-zero pages, SID reuse.

use super::*;
use crate::rights::GrantRights;

fn setup() -> (Memory, Sid, Sid) {
    let mut m = Memory::new(MemoryLimits::default());
    let a = m.create_space("a", 0).unwrap();
    let b = m.create_space("b", 0).unwrap();
    m.map_zero(a, 0x10000, 0x2000, PageRights::RW).unwrap();
    (m, a, b)
}

#[test]
fn own_access_and_page_rights() {
    let (mut m, a, _) = setup();
    m.copy_out(a, 0x10ffe, &[1, 2, 3, 4]).unwrap();
    let mut buf = [0u8; 4];
    m.copy_in(a, 0x10ffe, &mut buf).unwrap();
    assert_eq!(buf, [1, 2, 3, 4]);
    assert!(matches!(m.copy_in(a, 0x20000, &mut buf), Err(FaultKind::Unmapped { .. })));
    m.protect(a, 0x10000, 0x1000, PageRights::R).unwrap();
    assert!(matches!(m.copy_out(a, 0x10ff0, &[9; 32]), Err(FaultKind::Denied { .. })));
    // Nothing was written by the faulting copy, not even on the writable page.
    let mut b2 = [0u8; 2];
    m.copy_in(a, 0x11000, &mut b2).unwrap();
    assert_eq!(b2, [3, 4]);
}

#[test]
fn foreign_access_needs_a_grant_and_revocation_flushes() {
    let (mut m, a, b) = setup();
    let p = addr::qualified(a, 0x10000);
    let mut buf = [0u8; 8];
    assert!(matches!(m.copy_in(b, p, &mut buf), Err(FaultKind::Denied { .. })));
    let h = m.grant(a, a, &GrantRequest { owner: a, lo: 0x10000, len: 0x1000, rights: GrantRights::R, grantee: b, transient: false }).unwrap();
    m.copy_in(b, p, &mut buf).unwrap();
    assert!(m.tlb.allows(b, a, 0x10000, PageRights::R), "a whole-page grant fills the TLB");
    assert!(matches!(m.copy_out(b, p, &buf), Err(FaultKind::Denied { .. })), "R grant gives no W");
    m.revoke(h, a).unwrap();
    assert!(!m.tlb.allows(b, a, 0x10000, PageRights::R), "revoke flushed the entry");
    assert!(matches!(m.copy_in(b, p, &mut buf), Err(FaultKind::Denied { .. })));
}

#[test]
fn partial_page_grants_are_byte_exact() {
    let (mut m, a, b) = setup();
    m.grant(a, a, &GrantRequest { owner: a, lo: 0x10010, len: 16, rights: GrantRights::RW, grantee: b, transient: false }).unwrap();
    m.copy_out(b, addr::qualified(a, 0x10010), &[7; 16]).unwrap();
    assert!(m.copy_out(b, addr::qualified(a, 0x10010), &[7; 17]).is_err());
    assert!(m.copy_in(b, addr::qualified(a, 0x1000f), &mut [0; 2]).is_err());
}

#[test]
fn cow_clone_breaks_on_write() {
    let (mut m, a, b) = setup();
    m.copy_out(a, 0x10000, &[5]).unwrap();
    m.cow_clone(a, b).unwrap();
    m.copy_out(b, 0x10000, &[6]).unwrap();
    let (mut x, mut y) = ([0u8], [0u8]);
    m.copy_in(a, 0x10000, &mut x).unwrap();
    m.copy_in(b, 0x10000, &mut y).unwrap();
    assert_eq!((x[0], y[0]), (5, 6));
    assert_eq!(m.cow_breaks, 1);
}

#[test]
fn demand_zero_pages_get_frames_on_first_touch() {
    let (mut m, a, b) = setup();
    let before = m.frames.live();
    m.map_lazy(a, 0x100000, 1 << 30, PageRights::RW).unwrap();
    assert_eq!(m.frames.live(), before, "a GiB of lazy memory costs no frame");
    let mut x = [1u8; 8];
    m.copy_in(a, 0x100000 + (1 << 29), &mut x).unwrap();
    assert_eq!(x, [0; 8]);
    m.copy_out(a, 0x100ff8, &[9; 16]).unwrap();
    assert_eq!(m.frames.live(), before + 3);
    m.cow_clone(a, b).unwrap();
    m.copy_in(b, 0x101000, &mut x).unwrap();
    assert_eq!(x, [9; 8]);
    m.unmap(a, 0x100000, 1 << 30).unwrap();
}

#[test]
fn sids_go_round_robin_and_the_table_fills_to_its_limit() {
    let mut m = Memory::new(MemoryLimits { spaces: 5, ..MemoryLimits::default() });
    let s: Vec<Sid> = (0..5).map(|_| m.create_space("s", 0).unwrap()).collect();
    assert_eq!(s, vec![1, 2, 3, 4, 5]);
    assert_eq!(m.create_space("full", 0), Err(GxError::Limit));
    m.destroy_space(2).unwrap();
    // A freed number is reused as late as possible: after the ones never used.
    assert_eq!(m.create_space("t", 0), Ok(6));
    m.destroy_space(6).unwrap();
    m.destroy_space(4).unwrap();
    assert_eq!(m.create_space("u", 0), Ok(7));
    assert_eq!(m.create_space("v", 0), Ok(8));
    assert_eq!(m.create_space("w", 0), Err(GxError::Limit));
    let mut big = Memory::new(MemoryLimits::default());
    for i in 1..MAX_SPACES {
        assert_eq!(big.create_space("x", 0), Ok(i as Sid));
    }
    assert_eq!(big.create_space("y", 0), Err(GxError::Limit));
    big.destroy_space(300).unwrap();
    assert_eq!(big.create_space("z", 0), Ok(300), "the only free SID, found past the wrap");
    assert_eq!(big.generation(300), 2);
}

#[test]
fn protect_touches_only_its_range() {
    let (mut m, a, _) = setup();
    m.map_lazy(a, 0x100000, 64 << 12, PageRights::RW).unwrap();
    m.protect(a, 0x101000, 0x1000, PageRights::R).unwrap();
    assert_eq!(m.space(a).unwrap().pte(0x101000).unwrap().rights, PageRights::R);
    assert_eq!(m.space(a).unwrap().pte(0x102000).unwrap().rights, PageRights::RW);
    assert_eq!(m.space(a).unwrap().pte(0x100000).unwrap().rights, PageRights::RW);
    m.protect(a, 0, 1 << 40, PageRights::R).unwrap();
    assert_eq!(m.space(a).unwrap().pte(0x10000).unwrap().rights, PageRights::R);
}

#[test]
fn demand_zero_runs_cost_one_entry_until_touched() {
    let (mut m, a, b) = setup();
    let tib = 1u64 << 40;
    m.map_lazy(a, 1 << 41, tib, PageRights::RW).unwrap();
    let s = m.space(a).unwrap();
    assert_eq!((s.lazy.len(), s.pages.len()), (1, 2), "one run for a TiB; the two setup pages");
    assert_eq!(s.mapped_pages(), 2 + (tib >> 12) as usize);
    let base = 1u64 << 41;
    // Touching a page in the middle gives it an entry and splits the run.
    m.copy_out(a, base + 0x5000, &[7]).unwrap();
    let s = m.space(a).unwrap();
    assert_eq!((s.lazy.len(), s.pages.len()), (2, 3));
    assert_eq!(s.mapped_pages(), 2 + (tib >> 12) as usize, "still as many pages mapped");
    assert_eq!(s.pte(base + 0x5000).map(|e| e.frame != FrameId::NONE), Some(true));
    assert_eq!(s.pte(base + 0x6000).map(|e| e.frame), Some(FrameId::NONE));
    // protect, unmap and regions see runs and pages alike.
    m.protect(a, base + 0x4000, 0x3000, PageRights::R).unwrap();
    let s = m.space(a).unwrap();
    for (off, r) in [(0x3000, PageRights::RW), (0x4000, PageRights::R), (0x5000, PageRights::R), (0x6000, PageRights::R), (0x7000, PageRights::RW)] {
        assert_eq!(s.pte(base + off).unwrap().rights, r, "page {off:#x}");
    }
    let regions = s.regions();
    assert!(regions.contains(&(base + 0x4000, base + 0x7000, PageRights::R)), "{regions:x?}");
    assert!(regions.contains(&(base + 0x7000, base + tib, PageRights::RW)));
    m.unmap(a, base + 0x1000, 0x10000).unwrap();
    let s = m.space(a).unwrap();
    assert!(s.pte(base + 0x5000).is_none() && s.pte(base + 0x1000).is_none());
    assert!(s.pte(base).is_some() && s.pte(base + 0x11000).is_some());
    assert_eq!(s.mapped_pages(), 2 + (tib >> 12) as usize - 16);
    // A fork copies runs as runs; each side's touches stay its own.
    m.cow_clone(a, b).unwrap();
    assert_eq!(m.space(b).unwrap().lazy.len(), m.space(a).unwrap().lazy.len());
    m.copy_out(b, base + 0x20000, &[9]).unwrap();
    let mut x = [1u8];
    m.copy_in(a, base + 0x20000, &mut x).unwrap();
    assert_eq!(x, [0]);
    // Mapped pages in address order, runs and entries alike.
    let s = m.space(a).unwrap();
    let all: Vec<u64> = (0..6).map(|k| s.nth_mapped_page(k).unwrap()).collect();
    assert_eq!(all, vec![0x10, 0x11, base >> 12, (base >> 12) + 0x11, (base >> 12) + 0x12, (base >> 12) + 0x13]);
    assert_eq!(s.nth_mapped_page(s.mapped_pages() as u64), None);
    assert_eq!(s.nth_mapped_page(s.mapped_pages() as u64 - 1), Some(((base + tib) >> 12) - 1));
    // Mapping page by page merges into one run again.
    let c = m.create_space("c", 0).unwrap();
    for i in 0..64 {
        m.map_lazy(c, 0x100000 + i * 4096, 4096, PageRights::RW).unwrap();
    }
    assert_eq!(m.space(c).unwrap().lazy.len(), 1);
    let frames = m.frames.live();
    m.destroy_space(a).unwrap();
    assert!(m.frames.live() < frames);
}

#[test]
fn destroy_revokes_everything() {
    let (mut m, a, b) = setup();
    let h = m.grant(a, a, &GrantRequest { owner: a, lo: 0, len: SPACE_SIZE, rights: GrantRights::RWG, grantee: b, transient: false }).unwrap();
    let frames = m.frames.live();
    m.destroy_space(a).unwrap();
    assert!(m.grants.get(h).is_none());
    assert_eq!(m.frames.live(), frames - 2);
    assert!(m.copy_in(b, addr::qualified(a, 0x10000), &mut [0]).is_err());
}
