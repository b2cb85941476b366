//! NUMA memory policy: get_mempolicy, set_mempolicy, mbind, migrate_pages, move_pages
//! and set_mempolicy_home_node, as Linux's mm/mempolicy.c answers them on a machine
//! with one memory node (node 0) and riscv64's MAX_NUMNODES of 4 (NODES_SHIFT 2).
//!
//! The policies are kept and read back: a thread's (set_mempolicy) in `Mm::policies`,
//! inherited by a fork child's thread and kept across exec as on Linux; a range's
//! (mbind) in its VMAs (`Vma::policy`), so it splits, merges, moves and forks with
//! them. Every page is on node 0, so no policy changes where memory is, nothing
//! migrates, and the checks are Linux's: mode and flag rules (EINVAL), node masks
//! read word by word with bits past MAX_NUMNODES refused (EINVAL), nodes that are not
//! online (EINVAL; ENODEV for move_pages), holes in mbind's range (EFAULT), a home
//! node for a range without a policy (ENOENT) or with one other than BIND or
//! PREFERRED_MANY (EOPNOTSUPP), other
//! processes through proc's ptrace check (ESRCH, EPERM) and CAP_SYS_NICE for
//! MPOL_MF_MOVE_ALL and for nodes outside the target's (EPERM).

use super::*;
use vma::Policy;

/// riscv64's MAX_NUMNODES (1 << CONFIG_NODES_SHIFT, default 2).
pub const MAX_NUMNODES: u64 = 4;
/// The online nodes with memory: node 0 (nr_node_ids is 1).
const ONLINE: u64 = 1;
const NR_NODE_IDS: u64 = 1;

const MPOL_DEFAULT: u16 = 0;
const MPOL_PREFERRED: u16 = 1;
const MPOL_BIND: u16 = 2;
const MPOL_INTERLEAVE: u16 = 3;
const MPOL_LOCAL: u16 = 4;
const MPOL_PREFERRED_MANY: u16 = 5;
const MPOL_WEIGHTED_INTERLEAVE: u16 = 6;
const MPOL_MAX: u32 = 7;
const MPOL_F_STATIC_NODES: u16 = 1 << 15;
const MPOL_F_RELATIVE_NODES: u16 = 1 << 14;
const MPOL_F_NUMA_BALANCING: u16 = 1 << 13;
const MPOL_MODE_FLAGS: u16 = MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES | MPOL_F_NUMA_BALANCING;
/// get_mempolicy's flags.
const MPOL_F_NODE: u64 = 1;
const MPOL_F_ADDR: u64 = 2;
const MPOL_F_MEMS_ALLOWED: u64 = 4;
/// mbind's and move_pages' flags.
const MPOL_MF_STRICT: u64 = 1;
const MPOL_MF_MOVE: u64 = 2;
const MPOL_MF_MOVE_ALL: u64 = 4;
const CAP_SYS_NICE: u64 = 23;

/// Bytes of a node mask of `maxnode` bits as get_nodes reads it (None: no mask is
/// read: a NULL pointer or maxnode of 0 or 1; or EINVAL before any read).
pub fn mask_read_len(ptr: u64, maxnode: u64) -> Option<u64> {
    let bits = maxnode.wrapping_sub(1);
    (ptr != 0 && bits != 0 && bits <= PAGE_SIZE * 8).then(|| bits.div_ceil(64) * 8)
}

/// Bytes get_mempolicy writes to a node mask of `maxnode` bits (copy_nodes_to_user),
/// or None when it is EINVAL (more than a page).
pub fn mask_write_len(maxnode: u64) -> Option<u64> {
    let copy = maxnode.wrapping_sub(1).checked_next_multiple_of(64).map_or(u64::MAX, |c| c / 8);
    (copy <= PAGE_SIZE || copy <= 8).then_some(copy)
}

/// Splits the mode argument into mode and mode flags (sanitize_mpol_flags).
fn sanitize(mode: i32) -> Result<(u16, u16), i32> {
    let flags = (mode as u32 & MPOL_MODE_FLAGS as u32) as u16;
    let m = mode as u32 & !(MPOL_MODE_FLAGS as u32);
    if m >= MPOL_MAX || (flags & MPOL_F_STATIC_NODES != 0 && flags & MPOL_F_RELATIVE_NODES != 0) {
        return Err(libc::EINVAL);
    }
    if flags & MPOL_F_NUMA_BALANCING != 0 && !matches!(m as u16, MPOL_BIND | MPOL_PREFERRED_MANY) {
        return Err(libc::EINVAL);
    }
    Ok((m as u16, flags))
}

/// A new policy (mpol_new then mpol_set_nodemask); None is MPOL_DEFAULT.
pub fn new_policy(mode: u16, flags: u16, nodes: u64) -> Result<Option<Policy>, i32> {
    let placement = MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES;
    let mut mode = mode;
    match mode {
        MPOL_DEFAULT => return if nodes != 0 { Err(libc::EINVAL) } else { Ok(None) },
        MPOL_PREFERRED if nodes == 0 => {
            if flags & placement != 0 {
                return Err(libc::EINVAL);
            }
            // An empty preferred set is local allocation.
            mode = MPOL_LOCAL;
        }
        MPOL_LOCAL if nodes != 0 || flags & placement != 0 => return Err(libc::EINVAL),
        MPOL_LOCAL | MPOL_PREFERRED => {}
        _ if nodes == 0 => return Err(libc::EINVAL),
        _ => {}
    }
    let mut p = Policy { mode, flags, nodes: 0, user_nodes: if flags & placement != 0 { nodes } else { 0 }, home: -1 };
    if mode == MPOL_LOCAL {
        return Ok(Some(p));
    }
    // Relative nodes fold onto the allowed set ({0}): any node names node 0.
    let allowed = if flags & MPOL_F_RELATIVE_NODES != 0 { if nodes != 0 { ONLINE } else { 0 } } else { nodes & ONLINE };
    if allowed == 0 {
        return Err(libc::EINVAL);
    }
    p.nodes = if mode == MPOL_PREFERRED { allowed & allowed.wrapping_neg() } else { allowed };
    Ok(Some(p))
}

/// The node mask get_mempolicy reports for a policy (None: the default policy).
fn reported_nodes(p: Option<&Policy>) -> u64 {
    match p {
        None => 0,
        Some(p) if p.flags & (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES) != 0 => p.user_nodes,
        Some(p) if p.mode == MPOL_LOCAL => 0,
        Some(p) => p.nodes,
    }
}

/// Page-aligned `len` as Linux's PAGE_ALIGN computes it (wrapping).
fn page_align(len: u64) -> u64 {
    len.wrapping_add(PAGE_SIZE - 1) & !(PAGE_SIZE - 1)
}

impl Mm {
    /// Reads a node mask (get_nodes): `ptr` is qualified and lent for
    /// `mask_read_len` bytes.
    fn get_nodes(env: &mut dyn Env, ptr: u64, maxnode: u64) -> Result<u64, i32> {
        let bits = maxnode.wrapping_sub(1);
        if bits == 0 || ptr == 0 {
            return Ok(0);
        }
        let Some(len) = mask_read_len(ptr, maxnode) else { return Err(libc::EINVAL) };
        let mut b = vec![0u8; len as usize];
        env.read(ptr, &mut b).map_err(|_| libc::EFAULT)?;
        let mut words: Vec<u64> = b.chunks(8).map(|c| u64::from_le_bytes(c.try_into().unwrap_or_default())).collect();
        if bits % 64 != 0
            && let Some(last) = words.last_mut()
        {
            *last &= (1u64 << (bits % 64)) - 1;
        }
        // Nodes this kernel cannot have must not be asked for.
        let beyond = words.iter().enumerate().any(|(i, w)| if i == 0 { w & !((1u64 << MAX_NUMNODES) - 1) != 0 } else { *w != 0 });
        if bits > MAX_NUMNODES && beyond {
            return Err(libc::EINVAL);
        }
        Ok(words.first().copied().unwrap_or(0) & ((1u64 << MAX_NUMNODES) - 1))
    }

    /// Whether the caller's process holds `cap`.
    fn capable(env: &mut dyn Env, word: u64, cap: u64) -> bool {
        matches!(env.call(ServiceId::Proc, crate::proc::op::CAPABLE, [word, cap, 0, 0, 0, 0], &[]), Ok([1, _]))
    }

    /// The process `target` names for migrate_pages and move_pages (0: the caller),
    /// after proc's ptrace access check: its mm key, or ESRCH / EPERM.
    fn policy_target(&self, env: &mut dyn Env, word: u64, pid: u32, target: i32) -> Result<u32, i32> {
        if target == 0 {
            return Ok(pid);
        }
        if target < 0 {
            return Err(libc::ESRCH);
        }
        match env.call(ServiceId::Proc, crate::proc::op::MAY_ACCESS, [word, target as u64, 0, 0, 0, 0], &[]) {
            Ok([0, _]) => {}
            Ok([e, _]) => return Err(-(e as i64) as i32),
            Err(_) => return Err(libc::ESRCH),
        }
        let t = self.owner_of(target as u32);
        if self.procs.contains_key(&t) { Ok(t) } else { Err(libc::ESRCH) }
    }

    /// The NUMA calls. `word` is the caller word (its low 24 bits the thread), `pid`
    /// the process whose memory record the caller uses.
    pub(super) fn mempolicy_call(&mut self, env: &mut dyn Env, word: u64, pid: u32, op: u64, s: [u64; 6]) -> u64 {
        let r = match op {
            nr::GET_MEMPOLICY => self.get_mempolicy(env, word, pid, s),
            nr::SET_MEMPOLICY => self.set_mempolicy(env, word, s),
            nr::MBIND => self.mbind(env, word, pid, s),
            nr::SET_MEMPOLICY_HOME_NODE => self.home_node(pid, s),
            nr::MIGRATE_PAGES => self.migrate_pages(env, word, pid, s),
            nr::MOVE_PAGES => self.move_pages_call(env, word, pid, s),
            _ => Err(libc::ENOSYS),
        };
        r.unwrap_or_else(err)
    }

    /// The thread a caller word names: (process as proc knows it, thread id).
    fn thread_key(word: u64) -> (u32, u32) {
        ((word >> 32) as u32, (word & 0xff_ffff) as u32)
    }

    /// get_mempolicy(mode, nmask, maxnode, addr, flags).
    fn get_mempolicy(&mut self, env: &mut dyn Env, word: u64, pid: u32, s: [u64; 6]) -> Result<u64, i32> {
        let (mode_ptr, nmask, maxnode, addr, flags) = (s[0], s[1], s[2], s[3], s[4]);
        if nmask != 0 && maxnode < NR_NODE_IDS {
            return Err(libc::EINVAL);
        }
        if flags & !(MPOL_F_NODE | MPOL_F_ADDR | MPOL_F_MEMS_ALLOWED) != 0 {
            return Err(libc::EINVAL);
        }
        let task = self.policies.get(&Self::thread_key(word)).copied();
        let (value, nodes) = if flags & MPOL_F_MEMS_ALLOWED != 0 {
            if flags & (MPOL_F_NODE | MPOL_F_ADDR) != 0 {
                return Err(libc::EINVAL);
            }
            (0u64, ONLINE)
        } else {
            // The policy asked about: the range's with MPOL_F_ADDR (no fallback to the
            // thread's: MPOL_DEFAULT when the range has none), else the thread's.
            let (pol, v) = if flags & MPOL_F_ADDR != 0 {
                let pm = self.procs.get(&pid).ok_or(libc::ESRCH)?;
                let v = pm.vmas.find(addr).ok_or(libc::EFAULT)?;
                (v.policy, Some(v.clone()))
            } else if addr != 0 {
                return Err(libc::EINVAL);
            } else {
                (task, None)
            };
            let value = if flags & MPOL_F_NODE != 0 {
                match v {
                    // The node of the page at addr, faulted in as get_user_pages
                    // would: node 0, or EFAULT where it cannot be read.
                    Some(v) => {
                        if v.prot & PROT_READ == 0 {
                            return Err(libc::EFAULT);
                        }
                        0
                    }
                    // The next interleave node of the thread's own policy: node 0.
                    None if pol.is_some_and(|p| matches!(p.mode, MPOL_INTERLEAVE | MPOL_WEIGHTED_INTERLEAVE)) => 0,
                    None => return Err(libc::EINVAL),
                }
            } else {
                pol.map_or(MPOL_DEFAULT as u64, |p| (p.mode | (p.flags & MPOL_MODE_FLAGS)) as u64)
            };
            (value, reported_nodes(pol.as_ref()))
        };
        if mode_ptr != 0 {
            env.write(mode_ptr, &(value as u32).to_le_bytes()).map_err(|_| libc::EFAULT)?;
        }
        if nmask != 0 {
            let copy = mask_write_len(maxnode).ok_or(libc::EINVAL)?;
            let mut out = vec![0u8; copy as usize];
            let n = out.len().min(8);
            out[..n].copy_from_slice(&nodes.to_le_bytes()[..n]);
            env.write(nmask, &out).map_err(|_| libc::EFAULT)?;
        }
        Ok(0)
    }

    /// set_mempolicy(mode, nmask, maxnode): the calling thread's policy.
    fn set_mempolicy(&mut self, env: &mut dyn Env, word: u64, s: [u64; 6]) -> Result<u64, i32> {
        let (mode, flags) = sanitize(s[0] as i32)?;
        let nodes = Self::get_nodes(env, s[1], s[2])?;
        let key = Self::thread_key(word);
        match new_policy(mode, flags, nodes)? {
            Some(p) => self.policies.insert(key, p),
            None => self.policies.remove(&key),
        };
        Ok(0)
    }

    /// mbind(start, len, mode | flags << 32, nmask, maxnode): a policy for a range.
    fn mbind(&mut self, env: &mut dyn Env, word: u64, pid: u32, s: [u64; 6]) -> Result<u64, i32> {
        let (start, len, maxnode) = (s[0], s[1], s[4]);
        let (mode, flags) = (s[2] as u32 as i32, s[2] >> 32);
        let (mode, mode_flags) = sanitize(mode)?;
        let nodes = Self::get_nodes(env, s[3], maxnode)?;
        if flags & !(MPOL_MF_STRICT | MPOL_MF_MOVE | MPOL_MF_MOVE_ALL) != 0 {
            return Err(libc::EINVAL);
        }
        if flags & MPOL_MF_MOVE_ALL != 0 && !Self::capable(env, word, CAP_SYS_NICE) {
            return Err(libc::EPERM);
        }
        if !start.is_multiple_of(PAGE_SIZE) {
            return Err(libc::EINVAL);
        }
        let end = start.wrapping_add(page_align(len));
        if end < start {
            return Err(libc::EINVAL);
        }
        if end == start {
            return Ok(0);
        }
        let policy = new_policy(mode, mode_flags, nodes)?;
        let pm = self.procs.get_mut(&pid).ok_or(libc::ESRCH)?;
        // Every page of the range must be mapped (no MPOL_MF_DISCONTIG_OK).
        if pm.vmas.first_hole(start, end).is_some() {
            return Err(libc::EFAULT);
        }
        // MPOL_MF_STRICT would be EIO for a page off the policy's nodes (and is
        // ignored with MPOL_DEFAULT): every page is on node 0, which every accepted
        // policy includes.
        pm.vmas.update(start, end, |v| v.policy = policy);
        Ok(0)
    }

    /// set_mempolicy_home_node(start, len, home_node, flags).
    fn home_node(&mut self, pid: u32, s: [u64; 6]) -> Result<u64, i32> {
        let (start, len, home, flags) = (s[0], s[1], s[2], s[3]);
        if !start.is_multiple_of(PAGE_SIZE) || flags != 0 {
            return Err(libc::EINVAL);
        }
        if home >= MAX_NUMNODES || ONLINE & (1 << home) == 0 {
            return Err(libc::EINVAL);
        }
        let end = start.wrapping_add(page_align(len));
        if end < start {
            return Err(libc::EINVAL);
        }
        if end == start {
            return Ok(0);
        }
        let pm = self.procs.get_mut(&pid).ok_or(libc::ESRCH)?;
        // VMA by VMA: those without a policy are skipped, one whose policy is not
        // BIND or PREFERRED_MANY stops the call (the ones before keep their change).
        // ENOENT when no VMA of the range has a policy.
        let pieces: Vec<(u64, u64, Option<Policy>)> = pm.vmas.overlapping(start, end).map(|v| (v.start.max(start), v.end.min(end), v.policy)).collect();
        let mut r = Err(libc::ENOENT);
        for (a, b, p) in pieces {
            let Some(p) = p else { continue };
            if !matches!(p.mode, MPOL_BIND | MPOL_PREFERRED_MANY) {
                return Err(libc::EOPNOTSUPP);
            }
            pm.vmas.update(a, b, |v| {
                if let Some(p) = v.policy.as_mut() {
                    p.home = home as i32;
                }
            });
            r = Ok(0);
        }
        r
    }

    /// migrate_pages(pid, maxnode, old_nodes, new_nodes): every page already is where
    /// any accepted request would put it, so 0 pages are left unmoved.
    fn migrate_pages(&mut self, env: &mut dyn Env, word: u64, pid: u32, s: [u64; 6]) -> Result<u64, i32> {
        let (target, maxnode) = (s[0] as i32, s[1]);
        let _old = Self::get_nodes(env, s[2], maxnode)?;
        let new = Self::get_nodes(env, s[3], maxnode)?;
        self.policy_target(env, word, pid, target)?;
        if new & !ONLINE != 0 && !Self::capable(env, word, CAP_SYS_NICE) {
            return Err(libc::EPERM);
        }
        if new & ONLINE == 0 {
            return Err(libc::EINVAL);
        }
        Ok(0)
    }

    /// Where the page at `addr` of process `t` is, as move_pages reports it: node 0
    /// when it has a frame, -ENOENT when it has none yet, -EFAULT outside a mapping.
    fn page_node(&self, env: &mut dyn Env, t: u32, addr: u64) -> i32 {
        let Some(pm) = self.procs.get(&t) else { return -libc::EFAULT };
        if pm.vmas.find(addr).is_none() {
            return -libc::EFAULT;
        }
        let data = pm.data;
        let Ok(mem) = env.memory() else { return -libc::EFAULT };
        let present = mem.space(data).and_then(|s| s.pte(addr & !(PAGE_SIZE - 1))).is_some_and(|e| e.frame != FrameId::NONE);
        if present { 0 } else { -libc::ENOENT }
    }

    /// move_pages(pid | flags << 32, count, pages, nodes, status): with `nodes`, each
    /// page "moves" to its node (node 0, where it is); without, its node is reported.
    fn move_pages_call(&mut self, env: &mut dyn Env, word: u64, pid: u32, s: [u64; 6]) -> Result<u64, i32> {
        let (target, flags, count, pages, nodes, status) = (s[0] as u32 as i32, s[0] >> 32, s[1], s[2], s[3], s[4]);
        if flags & !(MPOL_MF_MOVE | MPOL_MF_MOVE_ALL) != 0 {
            return Err(libc::EINVAL);
        }
        if flags & MPOL_MF_MOVE_ALL != 0 && !Self::capable(env, word, CAP_SYS_NICE) {
            return Err(libc::EPERM);
        }
        let t = self.policy_target(env, word, pid, target)?;
        for i in 0..count {
            let mut p = [0u8; 8];
            env.read(pages.wrapping_add(i * 8), &mut p).map_err(|_| libc::EFAULT)?;
            let addr = u64::from_le_bytes(p);
            let st = if nodes != 0 {
                let mut n = [0u8; 4];
                env.read(nodes.wrapping_add(i * 4), &mut n).map_err(|_| libc::EFAULT)?;
                let node = i32::from_le_bytes(n);
                if node < 0 || node as u64 >= MAX_NUMNODES || ONLINE & (1 << node) == 0 {
                    return Err(libc::ENODEV);
                }
                // Already on the target node: the status is the node.
                match self.page_node(env, t, addr) {
                    0 => node,
                    e => e,
                }
            } else {
                self.page_node(env, t, addr)
            };
            env.write(status.wrapping_add(i * 4), &st.to_le_bytes()).map_err(|_| libc::EFAULT)?;
        }
        Ok(0)
    }

    /// fork: the child's first thread has the forking thread's policy.
    pub(super) fn fork_policy(&mut self, word: u64, child: u32) {
        if let Some(p) = self.policies.get(&Self::thread_key(word)).copied() {
            self.policies.insert((child, child), p);
        }
    }

    /// A new thread of the caller's process has the caller's policy.
    pub(super) fn thread_policy(&mut self, word: u64, tid: u32) {
        let (pid, me) = Self::thread_key(word);
        match self.policies.get(&(pid, me)).copied() {
            Some(p) => self.policies.insert((pid, tid), p),
            None => self.policies.remove(&(pid, tid)),
        };
    }

    /// exec keeps the calling thread's policy (now the only thread, whose id is the
    /// pid); exit forgets the process's.
    pub(super) fn exec_policy(&mut self, word: u64, exec: bool) {
        let (pid, tid) = Self::thread_key(word);
        let kept = self.policies.get(&(pid, tid)).copied();
        self.policies.retain(|(p, _), _| *p != pid);
        if let (true, Some(k)) = (exec, kept) {
            self.policies.insert((pid, pid), k);
        }
    }
}

/// The lends of the NUMA calls (`qa`: their arguments, pointers qualified, as Linux
/// has them; mm's hook packs the six-argument ones after). Lends are made only where
/// Linux would get as far as the memory, so a call it refuses for its other arguments
/// is that errno and not EFAULT.
pub mod lends {
    use super::*;

    fn mask(p: u64, maxnode: u64) -> Option<Lend> {
        mask_read_len(p, maxnode).map(|l| Lend::read(p, l))
    }

    /// get_mempolicy(mode*, nmask*, maxnode, addr, flags).
    pub fn get(qa: &[u64; 6]) -> Vec<Lend> {
        let (mode, nmask, maxnode, flags) = (qa[0], qa[1], qa[2], qa[4]);
        if flags & !7 != 0 || (nmask != 0 && maxnode < NR_NODE_IDS) {
            return Vec::new();
        }
        let m = (mode != 0).then(|| Lend::write(mode, 4));
        let k = (nmask != 0).then(|| mask_write_len(maxnode).map(|l| Lend::write(nmask, l))).flatten();
        m.into_iter().chain(k).collect()
    }

    /// set_mempolicy(mode, nmask*, maxnode).
    pub fn set(qa: &[u64; 6]) -> Vec<Lend> {
        if sanitize(qa[0] as i32).is_err() {
            return Vec::new();
        }
        mask(qa[1], qa[2]).into_iter().collect()
    }

    /// mbind(start, len, mode, nmask*, maxnode, flags).
    pub fn mbind(qa: &[u64; 6]) -> Vec<Lend> {
        if sanitize(qa[2] as u32 as i32).is_err() {
            return Vec::new();
        }
        mask(qa[3], qa[4]).into_iter().collect()
    }

    /// migrate_pages(pid, maxnode, old*, new*).
    pub fn migrate(qa: &[u64; 6]) -> Vec<Lend> {
        [mask(qa[2], qa[1]), mask(qa[3], qa[1])].into_iter().flatten().collect()
    }

    /// move_pages(pid, count, pages*, nodes*, status*, flags).
    pub fn move_pages(qa: &[u64; 6]) -> Vec<Lend> {
        if (qa[5] & 0xffff_ffff) & !(MPOL_MF_MOVE | MPOL_MF_MOVE_ALL) != 0 {
            return Vec::new();
        }
        let count = qa[1];
        let (Some(p), Some(w)) = (count.checked_mul(8), count.checked_mul(4)) else { return Vec::new() };
        let mut v = vec![Lend::read(qa[2], p), Lend::write(qa[4], w)];
        if qa[3] != 0 {
            v.push(Lend::read(qa[3], w));
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_and_flags_as_linux_checks_them() {
        assert_eq!(sanitize(MPOL_BIND as i32), Ok((MPOL_BIND, 0)));
        assert_eq!(sanitize(7), Err(libc::EINVAL));
        assert_eq!(sanitize((MPOL_BIND | MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES) as i32), Err(libc::EINVAL));
        assert_eq!(sanitize((MPOL_INTERLEAVE | MPOL_F_NUMA_BALANCING) as i32), Err(libc::EINVAL));
        assert_eq!(sanitize((MPOL_BIND | MPOL_F_NUMA_BALANCING) as i32), Ok((MPOL_BIND, MPOL_F_NUMA_BALANCING)));
    }

    #[test]
    fn policies_on_one_node() {
        assert_eq!(new_policy(MPOL_DEFAULT, 0, 0), Ok(None));
        assert_eq!(new_policy(MPOL_DEFAULT, 0, 1), Err(libc::EINVAL));
        assert_eq!(new_policy(MPOL_BIND, 0, 0b10), Err(libc::EINVAL), "node 1 is not online");
        assert_eq!(new_policy(MPOL_BIND, 0, 0b11).unwrap().unwrap().nodes, 1);
        assert_eq!(new_policy(MPOL_PREFERRED, 0, 0).unwrap().unwrap().mode, MPOL_LOCAL);
        assert_eq!(new_policy(MPOL_PREFERRED, MPOL_F_STATIC_NODES, 0), Err(libc::EINVAL));
        assert_eq!(new_policy(MPOL_LOCAL, 0, 1), Err(libc::EINVAL));
        let rel = new_policy(MPOL_INTERLEAVE, MPOL_F_RELATIVE_NODES, 0b100).unwrap().unwrap();
        assert_eq!((rel.nodes, reported_nodes(Some(&rel))), (1, 0b100), "relative nodes fold onto node 0; the mask as given is reported");
    }

    #[test]
    fn mask_lengths() {
        assert_eq!(mask_read_len(0x1000, 1), None);
        assert_eq!(mask_read_len(0x1000, 2), Some(8));
        assert_eq!(mask_read_len(0x1000, 66), Some(16));
        assert_eq!(mask_read_len(0x1000, PAGE_SIZE * 8 + 2), None);
        assert_eq!(mask_write_len(1), Some(0));
        assert_eq!(mask_write_len(65), Some(8));
        assert_eq!(mask_write_len(1025), Some(128));
        assert_eq!(mask_write_len(PAGE_SIZE * 8 + 2), None);
    }
}
