//! The published support list: README's syscall table and `grantix syscalls`, from the
//! syscall table's rows.

use syscalls::table::{Support, TABLE};

/// The supported-syscall table in Markdown.
pub fn markdown() -> String {
    let all = syscalls::sysno::ALL;
    let linux = |n: u64| all.iter().any(|(x, _)| *x == n);
    let mut rows: Vec<_> = TABLE.iter().filter(|e| linux(e.nr)).collect();
    rows.sort_by_key(|e| e.nr);
    let served: Vec<_> = rows.iter().filter(|e| !matches!(e.support, Support::Refused(_))).collect();
    let mut out = format!("{} of {} riscv64 Linux syscalls are implemented; every other one returns -ENOSYS with one warning naming it.\n\n", served.len(), all.len());
    out.push_str("| nr | syscall | served by | support |\n|---:|---|---|---|\n");
    for e in &served {
        let support = match e.support {
            Support::Partial(note) => format!("partial: {note}"),
            _ => "full".to_string(),
        };
        out.push_str(&format!("| {} | `{}` | {} | {support} |\n", e.nr, e.name, e.owner.name()));
    }
    let refused: Vec<String> = rows.iter().filter_map(|e| if let Support::Refused(why) = e.support { Some(format!("`{}` ({why})", e.name)) } else { None }).collect();
    if !refused.is_empty() {
        out.push_str(&format!("\nAnswered -ENOSYS on purpose, without a warning: {}.\n", refused.join(", ")));
    }
    out
}
