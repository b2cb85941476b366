//! grantix: the command-line front end, in two forms: subcommands (`grantix run ...`,
//! `cli`) and qemu-riscv64's own (`grantix [-L PREFIX] [-strace] ... PROGRAM`, `qemu`).

mod binfmt;
mod campaign;
mod campaign_report;
mod cli;
mod compare;
mod cpu;
mod engine;
mod gdb;
mod gdb_monitor;
mod gdb_watch;
mod launch;
mod logging;
mod qemu;
mod plot;
mod report;
mod stop;

pub use engine::EngineArg;
use std::ffi::OsString;

/// Whether the command line is the qemu form: its first argument is not a subcommand.
fn qemu_form(args: &[OsString]) -> bool {
    match args.get(1).and_then(|a| a.to_str()) {
        Some(first) => !cli::SUBCOMMANDS.contains(&first),
        None => true,
    }
}

fn main() {
    // A panic inside a host service is a fault of that service, handled by the
    // machine; keep the default hook from printing it as if grantix had crashed.
    std::panic::set_hook(Box::new(|info| tracing::debug!(target: "grantix", "host code panicked: {info}")));
    let args: Vec<OsString> = std::env::args_os().collect();
    let r = if qemu_form(&args) { qemu::main(args) } else { cli::main(args) };
    match r {
        Ok(status) => std::process::exit(status),
        Err(stop) if stop.status == 0 => {
            println!("{}", stop.message);
        }
        Err(stop) => {
            eprintln!("grantix: {}", stop.message);
            std::process::exit(stop.status);
        }
    }
}
