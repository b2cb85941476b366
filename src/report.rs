//! What `--stats` prints when the program ends: the machine's counters, a report the
//! user asked for (on stderr, so the guest's stdout stays its own).

use personality::Runtime;
use std::io::Write;

/// The counters of a finished run, two lines on stderr.
pub fn print_stats(rt: &Runtime) {
    let t = rt.m.total_counters();
    let secs = rt.elapsed.as_secs_f64().max(1e-9);
    let mut e = std::io::stderr().lock();
    let _ = writeln!(e, "grantix: config {} · {:.3} s · {} instructions ({:.1} MIPS) · {} modeled cycles", rt.config.name(), secs, t.instret, t.instret as f64 / secs / 1e6, t.cycles);
    let _ = writeln!(
        e,
        "grantix: ecalls {} · portal calls {} · grants {} persistent / {} transient ({} bytes) · revokes {} · faults {}",
        t.ecalls,
        t.pcalls,
        t.grants_persistent,
        t.grants_transient,
        t.bytes_granted,
        t.revokes,
        t.fault_total()
    );
    let u = rt.m.usage();
    let l = |x: machine::counters::Level| format!("{}/{}/{}", x.current, x.peak, x.limit);
    let _ = writeln!(e, "grantix: objects now/peak/limit · spaces {} · frames {} · grants {} · portals {} · harts {}", l(u.spaces), l(u.frames), l(u.grants), l(u.portals), l(u.harts));
    if rt.m.config.engine == machine::cpu::Engine::Jit {
        let j = rt.m.jit_stats();
        let _ = writeln!(
            e,
            "grantix: engine jit · {} translations held ({} bytes of host code, cap {}) · {} asked · {} made · {} stale · {} flushes · {} translated block runs · compile {:.3} s ({}) · queue wait {:.3} s (max {:.3} s)",
            j.blocks,
            j.code_bytes,
            j.cap,
            j.requested,
            j.compiled,
            j.stale,
            j.flushes,
            j.entries,
            j.compile_ns as f64 / 1e9,
            if j.sync { "inline" } else { "thread" },
            j.queue_ns as f64 / 1e9,
            j.queue_max_ns as f64 / 1e9
        );
    }
}
