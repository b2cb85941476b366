//! The guest's UTS names (uname's nodename and domainname) and their namespaces:
//! uname, sethostname, setdomainname, and the CLONE_NEWUTS of clone and unshare.
//!
//! Every process starts in namespace 0; a CLONE_NEWUTS copies the caller's names into
//! a new namespace that the process (and the children it makes later) use from then
//! on. A namespace nobody uses any more is kept (they are a few bytes each).

use super::{Pid, Proc};
use crate::creds::cap;
use crate::service::{err, Env};
use crate::sysno as nr;
use abi::structs::Utsname;
use abi::UserPtr;
use machine::Fault;

/// __NEW_UTS_LEN: the longest name sethostname and setdomainname take.
pub const NAME_MAX: u64 = 64;

/// What uname reports besides the names a namespace holds.
const SYSNAME: &str = "Linux";
pub const RELEASE: &str = "6.6.0-grantix";
const VERSION: &str = "#1 SMP grantix";
const MACHINE: &str = "riscv64";

/// One UTS namespace's names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UtsNames {
    pub hostname: Vec<u8>,
    pub domainname: Vec<u8>,
}

impl Default for UtsNames {
    /// The names a guest boots with (Linux's domain name default is "(none)").
    fn default() -> UtsNames {
        UtsNames { hostname: b"grantix".to_vec(), domainname: b"(none)".to_vec() }
    }
}

impl Proc {
    /// The names of process `pid`'s namespace.
    pub fn uts_names(&self, pid: Pid) -> UtsNames {
        let ns = self.processes.get(&pid).map_or(0, |p| p.uts_ns);
        self.uts.get(ns).cloned().unwrap_or_default()
    }

    /// Gives process `pid` a namespace of its own holding a copy of its current names
    /// (CLONE_NEWUTS); the caller checked CAP_SYS_ADMIN.
    pub fn new_uts_ns(&mut self, pid: Pid) {
        if self.uts.is_empty() {
            self.uts.push(UtsNames::default());
        }
        let names = self.uts_names(pid);
        self.uts.push(names);
        let ns = self.uts.len() - 1;
        if let Some(p) = self.processes.get_mut(&pid) {
            p.uts_ns = ns;
        }
    }

    /// uname, sethostname and setdomainname; None if `op` is not one of them.
    pub(super) fn uts_op(&mut self, env: &mut dyn Env, op: u64, pid: Pid, s: [u64; 6]) -> Result<Option<[u64; 2]>, Fault> {
        Ok(Some(match op {
            nr::UNAME => {
                let n = self.uts_names(pid);
                let mut u = Utsname::new([SYSNAME, "", RELEASE, VERSION, MACHINE, ""]);
                // The names as bytes (not necessarily UTF-8), at most 64 and NUL-ended.
                for (field, name) in [(1, &n.hostname), (5, &n.domainname)] {
                    let k = name.len().min(NAME_MAX as usize);
                    u.fields[field][..k].copy_from_slice(&name[..k]);
                }
                UserPtr::new(s[0]).write(env, &u)?;
                [0, 0]
            }
            nr::SETHOSTNAME | nr::SETDOMAINNAME => {
                // kernel/sys.c: the capability first, then the length, then the copy.
                if !self.creds(pid).is_some_and(|c| c.capable(cap::SYS_ADMIN)) {
                    return Ok(Some([err(libc::EPERM), 0]));
                }
                let len = s[1];
                if len > NAME_MAX {
                    return Ok(Some([err(libc::EINVAL), 0]));
                }
                let mut b = vec![0u8; len as usize];
                if len > 0 {
                    env.read(s[0], &mut b)?;
                }
                if self.uts.is_empty() {
                    self.uts.push(UtsNames::default());
                }
                let ns = self.processes.get(&pid).map_or(0, |p| p.uts_ns);
                if let Some(n) = self.uts.get_mut(ns) {
                    // The name is the bytes given, NUL included if there is one (uname
                    // stops at the first NUL, as the kernel's strings do).
                    if op == nr::SETHOSTNAME {
                        n.hostname = b;
                    } else {
                        n.domainname = b;
                    }
                }
                [0, 0]
            }
            _ => return Ok(None),
        }))
    }
}
