//! The tty service: the console driver. Writes to the host's stdout and stderr and reads
//! the host's stdin, copying straight from and to the process's memory.

use crate::sched::{key, kind};
use crate::service::{Template, err, Env, Service, ServiceId, BLOCK};
use machine::Fault;
use std::any::Any;

/// Operations of tty.
pub mod op {
    /// a1 = host fd (1 or 2), a2 = qualified buffer (lent R), a3 = length. a0 = bytes written.
    pub const WRITE: u64 = 1;
    /// a1 = host fd (0), a2 = qualified buffer (lent W), a3 = length, a4 = nonblocking.
    pub const READ: u64 = 2;
}

/// Chunk size for copies: bounded so a huge write does not need a huge host buffer.
const CHUNK: usize = 64 * 1024;

/// The console driver.
#[derive(Default)]
pub struct Tty {
    /// Bytes written to each host fd (for reports).
    pub written: [u64; 3],
    /// Capture output instead of writing to the host (tests and campaigns).
    pub capture: Option<Vec<u8>>,
    /// Whether the call in progress has moved bytes to or from the host yet (the
    /// driver's only state is the host's: until then a fault changed nothing).
    moved: bool,
}

fn host_write(fd: i32, buf: &[u8]) -> Result<usize, i32> {
    let mut done = 0;
    while done < buf.len() {
        let r = if fd == 2 { nix::unistd::write(std::io::stderr(), &buf[done..]) } else { nix::unistd::write(std::io::stdout(), &buf[done..]) };
        match r {
            Ok(n) => done += n,
            Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => return if done > 0 { Ok(done) } else { Err(e as i32) },
        }
    }
    Ok(done)
}

/// Whether host stdin has data (or EOF) to read without blocking.
pub fn stdin_ready() -> bool {
    use std::os::fd::AsFd;
    let stdin = std::io::stdin();
    let mut pfd = [nix::poll::PollFd::new(stdin.as_fd(), nix::poll::PollFlags::POLLIN)];
    nix::poll::poll(&mut pfd, nix::poll::PollTimeout::ZERO).map_or(true, |n| n > 0)
}

impl Tty {
    fn write(&mut self, env: &mut dyn Env, fd: i32, ptr: u64, len: u64) -> Result<u64, Fault> {
        let mut done = 0u64;
        let mut buf = vec![0u8; CHUNK.min(len as usize)];
        while done < len {
            let n = (len - done).min(CHUNK as u64) as usize;
            env.read(ptr + done, &mut buf[..n])?;
            self.moved = true;
            if let Some(c) = &mut self.capture {
                c.extend_from_slice(&buf[..n]);
            } else {
                match host_write(fd, &buf[..n]) {
                    Ok(_) => {}
                    Err(e) => return Ok(if done > 0 { done } else { err(e) }),
                }
            }
            done += n as u64;
        }
        self.written[(fd as usize).min(2)] += done;
        Ok(done)
    }

    fn read(&mut self, env: &mut dyn Env, fd: i32, ptr: u64, len: u64, nonblock: bool) -> Result<[u64; 2], Fault> {
        if !stdin_ready() {
            return Ok(if nonblock { [err(libc::EAGAIN), 0] } else { [BLOCK, key(kind::HOSTFD, fd as u64 | (libc::POLLIN as u64) << 32)] });
        }
        let mut buf = vec![0u8; (len as usize).min(CHUNK)];
        self.moved = true;
        let n = match nix::unistd::read(fd, &mut buf) {
            Ok(n) => n,
            Err(e) => return Ok([err(e as i32), 0]),
        };
        env.write(ptr, &buf[..n])?;
        Ok([n as u64, 0])
    }
}

impl Template for Tty {
    const ID: ServiceId = ServiceId::Tty;
    const CALLEES: &'static [ServiceId] = &[];
}

impl Service for Tty {
    fn id(&self) -> ServiceId {
        ServiceId::Tty
    }

    fn as_any(&mut self) -> &mut dyn Any {
        self
    }

    fn changed_state(&self) -> bool {
        self.moved
    }

    fn handle(&mut self, env: &mut dyn Env, op: u64, a: [u64; 6]) -> Result<[u64; 2], Fault> {
        self.moved = false;
        Ok(match op {
            op::WRITE => [self.write(env, a[1] as i32, a[2], a[3])?, 0],
            op::READ => return self.read(env, a[1] as i32, a[2], a[3], a[4] != 0),
            _ => [err(libc::ENOSYS), 0],
        })
    }
}
