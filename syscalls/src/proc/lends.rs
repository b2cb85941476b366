//! proc's hook for the edge (`crate::lends`): the pointers of its syscalls whose lend
//! depends on another argument. The others are their rows' (`crate::table`).

use super::{ids, uts};
use crate::user::Call;
use crate::service::Lend;
use crate::sysno as nr;

/// Lends proc's rows cannot say. A lend is made only where Linux gets as far as the
/// memory, so that a call it refuses for its other arguments is that errno, not EFAULT.
pub fn hook(op: u64, c: &mut Call<'_>) -> Result<(), i32> {
    match op {
        nr::GETGROUPS | nr::SETGROUPS => {
            let (list, len) = (c.q(1), ids::groups_len(c.raw[0]));
            if len > 0 {
                c.lends.push(if op == nr::GETGROUPS { Lend::write(list, len) } else { Lend::read(list, len) });
            }
        }
        // A name longer than 64 bytes is EINVAL before it is read (after EPERM).
        nr::SETHOSTNAME | nr::SETDOMAINNAME => {
            let (name, len) = (c.q(0), c.raw[1]);
            if len > 0 && len <= uts::NAME_MAX {
                c.lends.push(Lend::read(name, len));
            }
        }
        _ => {}
    }
    Ok(())
}
