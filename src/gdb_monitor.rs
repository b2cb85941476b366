//! gdb's `monitor` commands: what the machine knows and gdb does not — the spaces a
//! thread runs in, the grants on and of its DATA space, and its portal frames.

use machine::Machine;
use personality::debug::ThreadRef;

const HELP: &str = "monitor commands: spaces (code and data space of each thread), grants (grants on and held by each thread's data space), frames (portal frames of each thread), all (the three)";

fn space_name(m: &Machine, sid: machine::Sid) -> String {
    m.mem.space(sid).map_or_else(|| "<gone>".to_string(), |s| s.name.clone())
}

fn spaces(m: &Machine, t: &ThreadRef, out: &mut String) {
    if let Some(h) = m.hart(t.hart) {
        out.push_str(&format!("thread {} (pid {}), hart {}: code space {} \"{}\", data space {} \"{}\", pc {:#x}\n", t.tid, t.pid, t.hart, h.code, space_name(m, h.code), h.data, space_name(m, h.data), h.ctx.pc));
    }
}

fn grants(m: &Machine, t: &ThreadRef, out: &mut String) {
    let Some(data) = m.hart(t.hart).map(|h| h.data) else { return };
    let line = |g: &machine::grants::Grant| {
        format!(
            "  #{} {:?} [{:#x}, {:#x}) of {} \"{}\" to {} \"{}\"{}\n",
            g.handle,
            g.rights,
            g.lo,
            g.hi,
            g.owner,
            space_name(m, g.owner),
            g.grantee,
            space_name(m, g.grantee),
            if g.transient { " (transient)" } else { "" }
        )
    };
    out.push_str(&format!("grants on data space {data} (who may touch the program's memory):\n"));
    let mut any = false;
    for other in 0..=u16::MAX as u32 {
        let Ok(sid) = machine::Sid::try_from(other) else { break };
        if m.mem.space(sid).is_none() {
            continue;
        }
        for g in m.mem.grants.held(sid, data) {
            out.push_str(&line(g));
            any = true;
        }
    }
    if !any {
        out.push_str("  none\n");
    }
    out.push_str(&format!("grants held by data space {data}:\n"));
    let mut any = false;
    for other in 0..=u16::MAX as u32 {
        let Ok(sid) = machine::Sid::try_from(other) else { break };
        if m.mem.space(sid).is_none() {
            continue;
        }
        for g in m.mem.grants.held(data, sid) {
            out.push_str(&line(g));
            any = true;
        }
    }
    if !any {
        out.push_str("  none\n");
    }
}

fn frames(m: &Machine, t: &ThreadRef, out: &mut String) {
    let Some(h) = m.hart(t.hart) else { return };
    out.push_str(&format!("portal frames of thread {} ({}):\n", t.tid, h.control.len()));
    if h.control.is_empty() {
        out.push_str("  none: the thread runs its own code, in no portal call\n");
    }
    for (i, f) in h.control.iter().enumerate().rev() {
        out.push_str(&format!(
            "  #{i} {:?} through portal {}: from {} \"{}\" to {} \"{}\", returns to pc {:#x}\n",
            f.kind,
            f.portal,
            f.caller_data,
            space_name(m, f.caller_data),
            f.callee_data,
            space_name(m, f.callee_data),
            f.saved.pc
        ));
    }
}

/// The answer to `monitor CMD`.
pub fn command(m: &Machine, threads: &[ThreadRef], cmd: &str) -> String {
    let mut out = String::new();
    let cmd = cmd.trim();
    if cmd == "help" {
        return HELP.to_string();
    }
    for t in threads {
        match cmd {
            "spaces" => spaces(m, t, &mut out),
            "grants" => grants(m, t, &mut out),
            "frames" => frames(m, t, &mut out),
            "" | "all" => {
                spaces(m, t, &mut out);
                grants(m, t, &mut out);
                frames(m, t, &mut out);
            }
            _ => return format!("unknown monitor command '{cmd}'\n{HELP}"),
        }
    }
    out
}
