//! Waiting on host file descriptors: the one place the runner blocks the host thread.

/// poll(2) on `fds` for at most `timeout_ms` (-1: no limit); returns how many are ready
/// (0 on timeout or error: the caller re-checks its deadlines either way).
pub fn poll(fds: &mut [libc::pollfd], timeout_ms: i32) -> i32 {
    use std::os::fd::BorrowedFd;
    let mut v: Vec<nix::poll::PollFd> = fds
        .iter()
        .map(|p| {
            // SAFETY: the fds are the host's stdin and descriptors vfs keeps open for as
            // long as a thread waits on them; they stay open for this call.
            let b = unsafe { BorrowedFd::borrow_raw(p.fd) };
            nix::poll::PollFd::new(b, nix::poll::PollFlags::from_bits_truncate(p.events))
        })
        .collect();
    let t = if timeout_ms < 0 { nix::poll::PollTimeout::NONE } else { nix::poll::PollTimeout::try_from(timeout_ms).unwrap_or(nix::poll::PollTimeout::MAX) };
    let n = nix::poll::poll(&mut v, t).unwrap_or(0);
    for (p, q) in fds.iter_mut().zip(v.iter()) {
        p.revents = q.revents().map_or(0, |r| r.bits());
    }
    n
}
