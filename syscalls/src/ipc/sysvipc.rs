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
            out.push_str("       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime      ctime\n");
            let ids: Vec<i32> = ipc.msg.reg.iter().map(|e| e.id).collect();
            for id in ids {
                let Ok(s) = ipc.msg.stat(id, &root) else { continue };
                let p = s.perm;
                out.push_str(&format!(
                    "{:>10} {:>10}  {:>4o}  {:>10} {:>10} {:>5} {:>5} {:>5} {:>5} {:>5} {:>5} {:>10} {:>10} {:>10}\n",
                    p.key, id, p.mode & 0o777, s.cbytes, s.qnum, s.lspid, s.lrpid, p.uid, p.gid, p.cuid, p.cgid, s.stime, s.rtime, s.ctime
                ));
            }
        }
        1 => {
            out.push_str("       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n");
            let ids: Vec<i32> = ipc.sem.reg.iter().map(|e| e.id).collect();
            for id in ids {
                let Ok(s) = ipc.sem.stat(id, &root) else { continue };
                let p = s.perm;
                out.push_str(&format!(
                    "{:>10} {:>10}  {:>4o} {:>10} {:>5} {:>5} {:>5} {:>5} {:>10} {:>10}\n",
                    p.key, id, p.mode & 0o777, s.nsems, p.uid, p.gid, p.cuid, p.cgid, s.otime, s.ctime
                ));
            }
        }
        _ => {
            out.push_str("       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid                 atime                 dtime                 ctime                   rss                  swap\n");
            let ids: Vec<i32> = ipc.shm.reg.iter().map(|e| e.id).collect();
            for id in ids {
                let Ok(s) = ipc.shm.stat(id, &root) else { continue };
                let p = s.perm;
                // rss: the segment's pages are all resident once attached; grantix
                // does not count them here.
                out.push_str(&format!(
                    "{:>10} {:>10}  {:>4o} {:>21} {:>5} {:>5}  {:>5} {:>5} {:>5} {:>5} {:>5} {:>21} {:>21} {:>21} {:>21} {:>21}\n",
                    p.key, id, p.mode & 0o7777, s.segsz, s.cpid, s.lpid, s.nattch, p.uid, p.gid, p.cuid, p.cgid, s.atime, s.dtime, s.ctime, 0, 0
                ));
            }
        }
    }
    out
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
