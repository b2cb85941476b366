//! mm's hook for the edge (`crate::lends`): the pointers of its syscalls whose lends
//! depend on other arguments, and the packing of its six-argument calls.
//!
//! mm works on the process's spaces as their memory authority, so most of its
//! pointers are addresses it maps (`Arg::Addr`, neither qualified nor lent); what it
//! reads or writes through the caller's memory is lent here or by the row.

use super::{mempolicy, vmrw, TASK_SIZE};
use crate::user::Call;
use crate::service::Lend;
use crate::sysno as nr;
use machine::addr::PAGE_SIZE;

/// The lends and packing mm's rows cannot say, for syscall `n`. Packed: mmap (addr,
/// len, prot | flags << 32, fd, off), process_vm_readv/writev (pid, local*, lcnt |
/// rcnt << 32, remote*, flags), mbind (start, len, mode | flags << 32, nmask*,
/// maxnode), move_pages (pid | flags << 32, count, pages*, nodes*, status*).
pub fn hook(n: u64, c: &mut Call<'_>) -> Result<(), i32> {
    let a = c.raw;
    let lo = |x: u64| x & 0xffff_ffff;
    match n {
        // mm never reads the path: swapping is refused before it would be.
        nr::SWAPON | nr::SWAPOFF => c.args[0] = 0,
        nr::MMAP => c.args = [a[0], a[1], lo(a[2]) | a[3] << 32, a[4], a[5], 0],
        // Linux checks the range (EINVAL, ENOMEM) before the vector (EFAULT): no lend
        // for a range mincore refuses anyway (nor a huge one for the checks to walk).
        nr::MINCORE => {
            let (start, len, vec) = (a[0], a[1], c.q(2));
            let valid = start % PAGE_SIZE == 0 && len <= TASK_SIZE && start <= TASK_SIZE - len;
            let pages = len.div_ceil(PAGE_SIZE);
            if valid && pages > 0 && vec != 0 {
                c.lends.push(Lend::write(vec, pages));
            }
        }
        // The two iovec arrays (none for a count process_vm refuses).
        nr::PROCESS_VM_READV | nr::PROCESS_VM_WRITEV => {
            let (local, remote) = (c.q(1), c.q(3));
            let counts = vmrw::pack_counts(a[2], a[4]);
            let arr = |p: u64, n: u64| (n > 0 && n <= vmrw::IOV_MAX).then(|| Lend::read(p, n * 16));
            c.lends.extend([arr(local, lo(counts)), arr(remote, counts >> 32)].into_iter().flatten());
            c.args = [a[0], local, counts, remote, a[5], 0];
        }
        // The iovec array, unless flags or the count are refused first.
        nr::PROCESS_MADVISE => {
            let iov = c.q(1);
            if a[4] as u32 == 0 && a[2] <= vmrw::IOV_MAX && a[2] > 0 {
                c.lends.push(Lend::read(iov, a[2] * 16));
            }
        }
        nr::GET_MEMPOLICY => {
            let _ = (c.q(0), c.q(1));
            c.lends = mempolicy::lends::get(&c.args);
            c.args = [c.args[0], c.args[1], a[2], a[3], a[4], 0];
        }
        nr::SET_MEMPOLICY => {
            c.q(1);
            c.lends = mempolicy::lends::set(&c.args);
            c.args = [a[0], c.args[1], a[2], 0, 0, 0];
        }
        nr::MBIND => {
            c.q(3);
            c.lends = mempolicy::lends::mbind(&c.args);
            c.args = [a[0], a[1], lo(a[2]) | a[5] << 32, c.args[3], a[4], 0];
        }
        nr::MIGRATE_PAGES => {
            let _ = (c.q(2), c.q(3));
            c.lends = mempolicy::lends::migrate(&c.args);
            c.args = [a[0], a[1], c.args[2], c.args[3], 0, 0];
        }
        nr::MOVE_PAGES => {
            let _ = (c.q(2), c.q(3), c.q(4));
            c.lends = mempolicy::lends::move_pages(&c.args);
            c.args = [lo(a[0]) | lo(a[5]) << 32, a[1], c.args[2], c.args[3], c.args[4], 0];
        }
        _ => {}
    }
    Ok(())
}
