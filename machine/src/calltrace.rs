//! The call log: the portal calls, grants and revocations the machine makes, in order,
//! for a host that wants to show them (`--strace-calls`). Off unless a host turns it on;
//! when off, the machine pays one branch at each of those events.

use crate::addr::Sid;
use crate::rights::GrantRights;

/// Events kept at most; later ones are counted in `dropped` (a guest that never makes
/// a syscall, whose host never reads the log, keeps it bounded).
pub const CAPACITY: usize = 4096;

/// One event. `depth` is the hart's control-stack depth where it happened (the caller's
/// depth for a call), so a reader can show nesting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallEvent {
    /// A portal call counted in `Counters::pcalls` (voluntary, host-to-host, interrupt
    /// entry; not ecalls and fault calls): from space `caller` into the space `callee`
    /// whose data the portal names, with a0 (a host service's op).
    Call { depth: usize, caller: Sid, callee: Sid, op: u64 },
    /// A grant made by principal `by`: `rights` over `[offset, offset+len)` of `space`,
    /// to `grantee`.
    Grant { depth: usize, by: Sid, space: Sid, offset: u64, len: u64, rights: GrantRights, grantee: Sid, transient: bool },
    /// `count` grants revoked by principal `by`; `returned` is the callee whose return
    /// revoked them (transient grants), None for an explicit revocation.
    Revoke { depth: usize, by: Sid, count: u64, returned: Option<Sid> },
    /// A call a host space made to a part of itself, without a portal (the monolithic
    /// kernel's same-space service calls): `to` and `op` are the host's own numbers.
    Direct { depth: usize, to: u64, op: u64 },
    /// A call into `space` ended with a fault of kind `kind`.
    Fault { depth: usize, space: Sid, kind: &'static str },
}

impl CallEvent {
    /// Where the event happened.
    pub fn depth(&self) -> usize {
        match self {
            CallEvent::Call { depth, .. } | CallEvent::Grant { depth, .. } | CallEvent::Revoke { depth, .. } | CallEvent::Direct { depth, .. } | CallEvent::Fault { depth, .. } => *depth,
        }
    }
}

/// The log itself.
#[derive(Clone, Debug, Default)]
pub struct CallLog {
    pub events: Vec<CallEvent>,
    /// Events not kept because the log was full.
    pub dropped: u64,
}

impl CallLog {
    /// Appends `e`, or counts it when the log is full.
    pub fn push(&mut self, e: CallEvent) {
        if self.events.len() < CAPACITY {
            self.events.push(e);
        } else {
            self.dropped += 1;
        }
    }

    /// Forgets everything logged so far (a reader starting a new span).
    pub fn clear(&mut self) {
        self.events.clear();
        self.dropped = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_log_counts_what_it_drops() {
        let mut l = CallLog::default();
        for i in 0..CAPACITY as u64 + 3 {
            l.push(CallEvent::Direct { depth: 1, to: 1, op: i });
        }
        assert_eq!((l.events.len(), l.dropped), (CAPACITY, 3));
        assert_eq!(l.events[5].depth(), 1);
        l.clear();
        assert_eq!((l.events.len(), l.dropped), (0, 0));
    }
}
