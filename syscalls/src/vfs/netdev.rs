//! Socket ioctls: SIOCATMARK, and the network-device requests (SIOCGIFCONF and the
//! struct ifreq ones), answered for the one interface a guest sees: loopback, "lo",
//! index 1, 127.0.0.1/8 (the guest's sockets reach nothing else, see `inet`).

use crate::user::ProcessMemory;
use super::wait::Who;
use super::{Backend, Regs, Vfs, fail, host, val};
use crate::service::{Env, Lend};
use std::os::fd::AsRawFd;

pub const SIOCATMARK: u32 = 0x8905;
pub const SIOCGIFNAME: u32 = 0x8910;
pub const SIOCGIFCONF: u32 = 0x8912;
pub const SIOCGIFFLAGS: u32 = 0x8913;
pub const SIOCSIFFLAGS: u32 = 0x8914;
pub const SIOCGIFADDR: u32 = 0x8915;
pub const SIOCGIFNETMASK: u32 = 0x891b;
pub const SIOCGIFMTU: u32 = 0x8921;
pub const SIOCGIFHWADDR: u32 = 0x8927;
pub const SIOCGIFINDEX: u32 = 0x8933;

/// struct ifreq on riscv64: the name (IFNAMSIZ), then a 24-byte union.
const IFREQ: u64 = 40;
/// struct ifconf: ifc_len (int, padded), then ifc_buf.
const IFCONF: u64 = 16;
/// Loopback's flags as SIOCGIFFLAGS reports them (a short: IFF_UP | IFF_LOOPBACK |
/// IFF_RUNNING; IFF_LOWER_UP does not fit).
const LO_FLAGS: u16 = 0x1 | 0x8 | 0x40;
/// ARPHRD_LOOPBACK, the hardware address family of lo.
const ARPHRD_LOOPBACK: u16 = 772;
const LO_MTU: u32 = 65536;

/// The ifreq requests answered here (each reads and writes one struct ifreq).
const IFREQ_REQUESTS: [u32; 8] = [SIOCGIFNAME, SIOCGIFFLAGS, SIOCSIFFLAGS, SIOCGIFADDR, SIOCGIFNETMASK, SIOCGIFMTU, SIOCGIFHWADDR, SIOCGIFINDEX];

/// Whether `req` is one of the requests of this module (its argument a pointer).
pub fn is_request(req: u32) -> bool {
    req == SIOCATMARK || req == SIOCGIFCONF || IFREQ_REQUESTS.contains(&req)
}

/// The lends of request `req` with qualified argument `arg` (none for a NULL one:
/// the vfs answers EFAULT itself where Linux would, and not where it would not).
pub fn ioctl_lends(req: u32, arg: u64, mem: &mut dyn ProcessMemory, v: &mut Vec<Lend>) {
    if arg == 0 {
        return;
    }
    match req {
        SIOCATMARK => v.push(Lend::write(arg, 4)),
        SIOCGIFCONF => {
            v.push(Lend::read_write(arg, IFCONF));
            let mut h = [0u8; IFCONF as usize];
            if !mem.read(arg, &mut h) {
                return;
            }
            let len = i32::from_le_bytes([h[0], h[1], h[2], h[3]]);
            let buf = u64::from_le_bytes(h[8..16].try_into().unwrap_or_default());
            // ifc_buf is a local pointer of the same process; one naming a space is
            // left unlent (the vfs then cannot write it: EFAULT).
            if buf != 0 && buf >> 48 == 0 && len > 0 {
                v.push(Lend::write((arg & !((1 << 48) - 1)) | buf, (len as u64).min(IFREQ)));
            }
        }
        r if IFREQ_REQUESTS.contains(&r) => v.push(if r == SIOCSIFFLAGS { Lend::read(arg, IFREQ) } else { Lend::read_write(arg, IFREQ) }),
        _ => {}
    }
}

/// ioctl(socket, req, arg) for the requests of `is_request`.
pub(super) fn ioctl(v: &mut Vfs, env: &mut dyn Env, _who: Who, id: u64, req: u32, arg: u64) -> Regs {
    let Some(f) = v.files.get(&id) else { return fail(libc::EBADF) };
    match req {
        SIOCATMARK => {
            // TCP asks the host whether the urgent mark is next; UDP has no such
            // request (ENOTTY), an AF_UNIX socket answers from its queue (no
            // out-of-band byte is kept: 0).
            let answ = match &f.backend {
                Backend::Inet(i) if i.stream => {
                    let mut n: libc::c_int = 0;
                    if arg != 0 {
                        if let Err(e) = host::ioctl_ptr(i.fd.as_raw_fd(), SIOCATMARK as u64, (&mut n as *mut libc::c_int).cast()) {
                            return fail(e);
                        }
                    }
                    n
                }
                Backend::Unix(_) => 0,
                // sock_do_ioctl: a request the protocol lacks reads the ifreq first.
                _ => return fail(if arg == 0 { libc::EFAULT } else { libc::ENOTTY }),
            };
            if arg == 0 {
                return fail(libc::EFAULT);
            }
            env.write(arg, &answ.to_le_bytes())?;
            val(0)
        }
        SIOCGIFCONF => {
            if arg == 0 {
                return fail(libc::EFAULT);
            }
            let mut h = [0u8; IFCONF as usize];
            env.read(arg, &mut h)?;
            let len = i32::from_le_bytes([h[0], h[1], h[2], h[3]]);
            let buf = u64::from_le_bytes(h[8..16].try_into().unwrap_or_default());
            // dev_ifconf: with no buffer, the length all entries need; else as many
            // whole entries as fit, and the length they took.
            let n = if buf == 0 {
                IFREQ as i32
            } else if len >= IFREQ as i32 {
                let mut r = [0u8; IFREQ as usize];
                r[..2].copy_from_slice(b"lo");
                r[16..32].copy_from_slice(&inet_addr([127, 0, 0, 1]));
                env.write((arg & !((1 << 48) - 1)) | buf, &r)?;
                IFREQ as i32
            } else {
                0
            };
            env.write(arg, &n.to_le_bytes())?;
            val(0)
        }
        _ => {
            if arg == 0 {
                return fail(libc::EFAULT);
            }
            let mut r = [0u8; IFREQ as usize];
            env.read(arg, &mut r)?;
            if req == SIOCGIFNAME {
                // The name of the interface of index ifr_ifindex.
                if i32::from_le_bytes([r[16], r[17], r[18], r[19]]) != 1 {
                    return fail(libc::ENODEV);
                }
                r[..16].fill(0);
                r[..2].copy_from_slice(b"lo");
                env.write(arg, &r)?;
                return val(0);
            }
            let name = &r[..16];
            let end = name.iter().position(|b| *b == 0).unwrap_or(16);
            if &name[..end] != b"lo" {
                return fail(libc::ENODEV);
            }
            let mut u = [0u8; 24];
            match req {
                SIOCGIFFLAGS => u[..2].copy_from_slice(&LO_FLAGS.to_le_bytes()),
                // The guest cannot reconfigure the host's interfaces: unchanged flags
                // are accepted, anything else is refused as for a caller without
                // CAP_NET_ADMIN.
                SIOCSIFFLAGS => return if u16::from_le_bytes([r[16], r[17]]) == LO_FLAGS { val(0) } else { fail(libc::EPERM) },
                SIOCGIFADDR => u[..16].copy_from_slice(&inet_addr([127, 0, 0, 1])),
                SIOCGIFNETMASK => u[..16].copy_from_slice(&inet_addr([255, 0, 0, 0])),
                SIOCGIFMTU => u[..4].copy_from_slice(&LO_MTU.to_le_bytes()),
                SIOCGIFHWADDR => u[..2].copy_from_slice(&ARPHRD_LOOPBACK.to_le_bytes()),
                SIOCGIFINDEX => u[..4].copy_from_slice(&1i32.to_le_bytes()),
                _ => return fail(libc::ENOTTY),
            }
            r[16..].copy_from_slice(&u);
            env.write(arg, &r)?;
            val(0)
        }
    }
}

/// A struct sockaddr_in of AF_INET address `a`, port 0.
fn inet_addr(a: [u8; 4]) -> [u8; 16] {
    let mut s = [0u8; 16];
    s[..2].copy_from_slice(&(libc::AF_INET as u16).to_le_bytes());
    s[4..8].copy_from_slice(&a);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Mem([u8; 16]);
    impl ProcessMemory for Mem {
        fn strlen(&mut self, _p: u64) -> Result<u64, i32> {
            Err(libc::EFAULT)
        }
        fn read(&mut self, _p: u64, buf: &mut [u8]) -> bool {
            buf.copy_from_slice(&self.0[..buf.len()]);
            true
        }
    }

    #[test]
    fn ifconf_lends_its_buffer_in_the_callers_space() {
        let mut h = [0u8; 16];
        h[..4].copy_from_slice(&80i32.to_le_bytes());
        h[8..].copy_from_slice(&0x5000u64.to_le_bytes());
        let mut v = Vec::new();
        ioctl_lends(SIOCGIFCONF, (7 << 48) | 0x1000, &mut Mem(h), &mut v);
        assert_eq!(v.len(), 2);
        assert_eq!((v[1].ptr, v[1].len), ((7 << 48) | 0x5000, IFREQ));
        let mut v = Vec::new();
        ioctl_lends(SIOCGIFFLAGS, 0, &mut Mem(h), &mut v);
        assert!(v.is_empty(), "a NULL ifreq is the vfs's EFAULT, not the marshal's");
    }
}
