//! What the vfs does for mm's file mappings: filling pages from a file and writing
//! them back (mm's PREAD_FILL and PWRITE_FROM), and reporting every later change of a
//! mapped file (writes, truncation) so the pages mm caches stay coherent with it.

use super::wait::Who;
use super::{Backend, OpenFile, Regs, Vfs, fail, io_errno, val};
use crate::service::{Env, Lend, ServiceId};
use machine::addr;
use std::os::unix::fs::FileExt;

impl Vfs {
    /// (dev, ino) of open file `id` if it is a host file mm maps.
    pub(super) fn mapped_inode(&self, id: u64) -> Option<(u64, u64)> {
        if self.mapped.is_empty() {
            return None;
        }
        let Some(Backend::Host(h)) = self.files.get(&id).map(|f| &f.backend) else { return None };
        use std::os::unix::fs::MetadataExt;
        let m = h.metadata().ok()?;
        let k = (m.dev(), m.ino());
        self.mapped.contains(&k).then_some(k)
    }

    /// Tells mm that `len` bytes at file offset `off` of inode `k` changed (their new
    /// contents lent at `ptr`), or with `ptr` 0 that the file's size is now `off`.
    pub(super) fn report_change(&mut self, env: &mut dyn Env, who: Who, k: (u64, u64), off: u64, ptr: u64, len: u64) {
        let lends = if ptr != 0 && len > 0 { vec![Lend::read(ptr, len)] } else { Vec::new() };
        match env.call(ServiceId::Mm, crate::mm::op::FILE_CHANGED, [who.word, k.0, k.1, off, ptr, len], &lends) {
            Ok([1, _]) => {}
            // mm no longer caches it (or cannot be asked): stop reporting.
            _ => {
                self.mapped.remove(&k);
            }
        }
    }

    /// Reports bytes the vfs holds itself (sendfile, copy_file_range) through its
    /// scratch area, when the board mapped one.
    pub(super) fn report_bytes(&mut self, env: &mut dyn Env, who: Who, id: u64, off: u64, data: &[u8]) {
        let Some(k) = self.mapped_inode(id) else { return };
        let me = env.me();
        let scratch = addr::qualified(me, super::SCRATCH);
        for (i, chunk) in data.chunks(super::SCRATCH_SIZE as usize).enumerate() {
            if env.write(scratch, chunk).is_err() {
                // No scratch: tell mm the file changed size, which drops what it cached.
                let size = self.files.get(&id).and_then(|f| if let Backend::Host(h) = &f.backend { h.metadata().ok() } else { None }).map_or(0, |m| m.len());
                self.report_change(env, who, k, size, 0, 0);
                return;
            }
            self.report_change(env, who, k, off + (i * super::SCRATCH_SIZE as usize) as u64, scratch, chunk.len() as u64);
        }
    }
}

/// The PREAD_FILL op: fills the lent range (buf, len) from fd at `off` (mmap of a file).
pub fn pread_fill(v: &mut Vfs, env: &mut dyn Env, pid: u32, fd: i32, buf: u64, len: u64, off: u64) -> Regs {
    let Some(id) = v.file_of(pid, fd) else { return fail(libc::EBADF) };
    // mm caches this file's pages from now on: report changes to it.
    if let Some(Backend::Host(h)) = v.files.get(&id).map(|f| &f.backend) {
        use std::os::unix::fs::MetadataExt;
        if let Ok(m) = h.metadata() {
            v.mapped.insert((m.dev(), m.ino()));
        }
    }
    let Some(f) = v.files.get_mut(&id) else { return fail(libc::EBADF) };
    let mut data = vec![0u8; (len as usize).min(1 << 30)];
    let got = match &mut f.backend {
        Backend::Host(h) => {
            let mut got = 0;
            while got < data.len() {
                match h.read_at(&mut data[got..], off + got as u64) {
                    Ok(0) => break,
                    Ok(n) => got += n,
                    Err(e) => return val(io_errno(&e)),
                }
            }
            got
        }
        // /dev/zero maps as zeros.
        Backend::Zero => data.len(),
        Backend::Text(t) => {
            let src = t.get(off as usize..).unwrap_or_default();
            let n = src.len().min(data.len());
            data[..n].copy_from_slice(&src[..n]);
            n
        }
        _ => return fail(libc::ENODEV),
    };
    env.write(buf, &data[..got])?;
    val(got as u64)
}

/// The PWRITE_FROM op: writes the lent range back to fd at `off` (msync, munmap of a
/// shared file mapping); only the part inside the file.
pub fn pwrite_from(v: &mut Vfs, env: &mut dyn Env, pid: u32, fd: i32, buf: u64, len: u64, off: u64) -> Regs {
    let Some(id) = v.file_of(pid, fd) else { return fail(libc::EBADF) };
    let mut data = vec![0u8; (len as usize).min(1 << 30)];
    env.read(buf, &mut data)?;
    let Some(OpenFile { backend: Backend::Host(h), .. }) = v.files.get_mut(&id) else { return fail(libc::ENODEV) };
    let size = h.metadata().map_or(0, |m| m.len());
    let n = size.saturating_sub(off).min(data.len() as u64) as usize;
    val(match h.write_at(&data[..n], off) {
        Ok(n) => n as u64,
        Err(e) => io_errno(&e),
    })
}
