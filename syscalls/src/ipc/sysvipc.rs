//! The /proc/sysvipc/{msg,sem,shm} tables: one line per object under a header, in
//! the columns Linux prints (ipc/msg.c, sem.c, shm.c `sysvipc_*_proc_show`).

use super::namespace::Ipc;
use crate::creds::Creds;

/// Which table: 0 msg, 1 sem, 2 shm (`op::SYSVIPC`'s a1).
pub fn text(ipc: &mut Ipc, which: u64) -> String {
    // Every object is listed, whatever the reader may access.
    let root = Creds::root();
    let mut out = String::new();
    match which {
        0 => {
            let ids: Vec<i32> = ipc.msg.reg.iter().map(|e| e.id).collect();
            table(&mut out, "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime      ctime\n", ids, |id| {
                let s = ipc.msg.stat(id, &root).ok()?;
                let p = s.perm;
                Some(format!(
                    "{:>10} {:>10}  {:>4o}  {:>10} {:>10} {:>5} {:>5} {:>5} {:>5} {:>5} {:>5} {:>10} {:>10} {:>10}\n",
                    p.key, id, p.mode & 0o777, s.cbytes, s.qnum, s.lspid, s.lrpid, p.uid, p.gid, p.cuid, p.cgid, s.stime, s.rtime, s.ctime
                ))
            });
        }
        1 => {
            let ids: Vec<i32> = ipc.sem.reg.iter().map(|e| e.id).collect();
            table(&mut out, "       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n", ids, |id| {
                let s = ipc.sem.stat(id, &root).ok()?;
                let p = s.perm;
                Some(format!("{:>10} {:>10}  {:>4o} {:>10} {:>5} {:>5} {:>5} {:>5} {:>10} {:>10}\n", p.key, id, p.mode & 0o777, s.nsems, p.uid, p.gid, p.cuid, p.cgid, s.otime, s.ctime))
            });
        }
        _ => {
            let ids: Vec<i32> = ipc.shm.reg.iter().map(|e| e.id).collect();
            table(&mut out, "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid                 atime                 dtime                 ctime                   rss                  swap\n", ids, |id| {
                let s = ipc.shm.stat(id, &root).ok()?;
                let p = s.perm;
                // rss and swap: grantix does not count a segment's pages here.
                Some(format!(
                    "{:>10} {:>10}  {:>4o} {:>21} {:>5} {:>5}  {:>5} {:>5} {:>5} {:>5} {:>5} {:>21} {:>21} {:>21} {:>21} {:>21}\n",
                    p.key, id, p.mode & 0o7777, s.segsz, s.cpid, s.lpid, s.nattch, p.uid, p.gid, p.cuid, p.cgid, s.atime, s.dtime, s.ctime, 0, 0
                ))
            });
        }
    }
    out
}

/// A table: its header, then a line per object `row` still finds (one removed
/// meanwhile is skipped).
fn table(out: &mut String, header: &str, ids: Vec<i32>, mut row: impl FnMut(i32) -> Option<String>) {
    out.push_str(header);
    for id in ids {
        if let Some(line) = row(id) {
            out.push_str(&line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_object_under_the_header() {
        let mut ipc = Ipc::default();
        let root = Creds::root();
        assert_eq!(text(&mut ipc, 0).lines().count(), 1);
        let id = ipc.msg.msgget(0x1234, 0o1000 | 0o640, &root, 7).unwrap();
        let t = text(&mut ipc, 0);
        assert_eq!(t.lines().nth(1), Some(format!("      4660 {id:>10}   640           0          0     0     0     0     0     0     0          0          0          7").as_str()));
        assert_eq!(text(&mut ipc, 1).lines().count(), 1);
        assert_eq!(text(&mut ipc, 2).lines().count(), 1);
    }
}
