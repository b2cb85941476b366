//! The names of the services' own ops (those besides Linux syscall numbers), generated
//! at build time from the `op` modules that define them (`opscan.rs`): one source.

use crate::ServiceId;

/// (service, op, name) for every constant of every service's `op` module.
pub const OP_NAMES: &[(ServiceId, u64, &str)] = include!(concat!(env!("OUT_DIR"), "/op_names.rs"));

/// The name of `service`'s own op `op` (`ENTER`, `EXEC`), if it has one.
pub fn name(service: ServiceId, op: u64) -> Option<&'static str> {
    OP_NAMES.iter().find(|(s, o, _)| *s == service && *o == op).map(|(_, _, n)| *n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_op_module_is_named_and_no_name_is_ambiguous() {
        assert_eq!(name(ServiceId::Proc, crate::proc::op::ENTER), Some("ENTER"));
        assert_eq!(name(ServiceId::Mm, crate::mm::op::EXEC), Some("EXEC"));
        assert_eq!(name(ServiceId::Vfs, crate::vfs::op::FORK), Some("FORK"));
        assert_eq!(name(ServiceId::Tty, crate::tty::op::WRITE), Some("WRITE"));
        assert_eq!(name(ServiceId::Ipc, crate::ipc::op::EXIT), Some("EXIT"));
        assert_eq!(name(ServiceId::Proc, crate::lifecycle::EXIT), Some("EXIT"));
        assert_eq!(name(ServiceId::Futex, crate::futex::pi::OWNER_DIED), Some("OWNER_DIED"));
        assert_eq!(name(ServiceId::Proc, 0xdead_beef), None);
        for (i, (s, o, n)) in OP_NAMES.iter().enumerate() {
            assert!(!OP_NAMES[..i].iter().any(|(s2, o2, _)| s2 == s && o2 == o), "{s:?} op {o:#x} ({n}) has two names");
        }
    }
}
