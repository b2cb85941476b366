//! The board and the scheduler: builds a machine in either configuration, starts the
//! first process, and runs threads round-robin, preempted by instruction count.
//!
//! Scheduling is deterministic: the same program and input give the same interleaving.
//! When every thread is blocked, the runner waits on the host (poll on the file
//! descriptors threads wait for, until the earliest deadline) instead of spinning.

use crate::linux::{self, Linux};
use crate::stats::SyscallStats;
use crate::wiring::{entry, service_mut, Config, KernelHost, ServiceHost, Wiring};
use machine::grants::GrantRequest;
use machine::host::authority;
use machine::{Exit, GrantRights, Machine, MachineConfig, PageRights, Sid};
use std::path::PathBuf;
use std::time::Instant;
use syscalls::proc::{published, ExitStatus, Proc, ThreadState};
use syscalls::sched::Wake;
use syscalls::{Service, ServiceId, Spec};

/// Exit status of a run whose monolithic kernel panicked (as if every process had been
/// killed with SIGKILL).
pub const KERNEL_PANIC_STATUS: i32 = 137;

/// Instructions a thread runs before the next one gets its turn.
pub const DEFAULT_QUANTUM: u64 = 200_000;

/// How to run a program.
#[derive(Clone, Debug)]
pub struct Options {
    pub config: Config,
    /// Host directory the guest sees as /.
    pub root: PathBuf,
    pub strace: bool,
    /// Which syscalls --strace shows (None: all).
    pub strace_filter: crate::strace::Filter,
    /// Under each strace line, the portal calls and grants of the syscall (turns the
    /// machine's call log on).
    pub strace_calls: bool,
    pub quantum: u64,
    pub machine: MachineConfig,
    /// A fault to inject (`--inject`).
    pub inject: Option<crate::inject::Spec>,
    /// Measure the host time of each syscall for the report (`--stats`, `--stats-json`).
    pub syscall_times: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options { config: Config::Split, root: PathBuf::from("/"), strace: false, strace_filter: None, strace_calls: false, quantum: DEFAULT_QUANTUM, machine: MachineConfig::default(), inject: None, syscall_times: false }
    }
}

/// Errors starting a program, with the exit status a shell would give.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Load(#[from] loader::LoadError),
    #[error("cannot start: {0}")]
    Machine(String),
}

impl StartError {
    /// 126 or 127, as a shell reports failures to execute.
    pub fn exit_status(&self) -> i32 {
        match self {
            StartError::Load(e) => e.exit_status(),
            StartError::Machine(_) => 126,
        }
    }
}

/// A booted machine with its services.
pub struct Runtime {
    pub m: Machine,
    pub wiring: Wiring,
    pub config: Config,
    pub quantum: u64,
    /// Wall time the run took.
    pub elapsed: std::time::Duration,
    /// linux's interrupt entry: how a signal reaches a thread that is running user
    /// code rather than sitting in a syscall.
    pub signal_portal: u64,
    /// A debugger that runs each thread's turn (`crate::debug`).
    pub debugger: Option<Box<dyn crate::debug::Debugger>>,
}

fn services(opts: &Options, record: &crate::supervisor::SharedRecord) -> Vec<Box<dyn Service>> {
    vec![
        Box::new({
            let mut l = Linux::default();
            l.strace = opts.strace || opts.strace_calls;
            l.strace_filter = opts.strace_filter.clone();
            l.strace_calls = opts.strace_calls;
            l
        }),
        Box::new(Proc::new()),
        Box::new(syscalls::mm::Mm::new()),
        Box::new(syscalls::vfs::Vfs::new(opts.root.clone())),
        Box::new(syscalls::futex::Futex::default()),
        Box::new(syscalls::time::Time::default()),
        Box::new(syscalls::tty::Tty::default()),
        Box::new(crate::supervisor::Supervisor { record: record.clone() }),
        Box::new(syscalls::ipc::Ipc::default()),
    ]
}

/// The template of every service, by number: the board's one line per service.
pub fn spec(id: ServiceId) -> Spec {
    match id {
        ServiceId::Linux => Spec::of::<Linux>(),
        ServiceId::Proc => Spec::of::<Proc>(),
        ServiceId::Mm => Spec::of::<syscalls::mm::Mm>(),
        ServiceId::Vfs => Spec::of::<syscalls::vfs::Vfs>(),
        ServiceId::Futex => Spec::of::<syscalls::futex::Futex>(),
        ServiceId::Time => Spec::of::<syscalls::time::Time>(),
        ServiceId::Tty => Spec::of::<syscalls::tty::Tty>(),
        ServiceId::Supervisor => Spec::of::<crate::supervisor::Supervisor>(),
        ServiceId::Ipc => Spec::of::<syscalls::ipc::Ipc>(),
    }
}

/// The monolithic kernel's authorities: those of all its services, less SUPERVISE
/// (nothing restarts inside one kernel: a fault there is a panic).
fn kernel_authority() -> u8 {
    ServiceId::ALL.iter().fold(0, |a, s| a | spec(*s).authority) & !authority::SUPERVISE
}

/// Which services each service may call (split configuration): grants of C go exactly
/// along these edges (each service's `Template::CALLEES`), so a service can reach no
/// portal it has no business calling. Every service but tty and the supervisor reports
/// faults of the services it calls to the supervisor.
pub fn calls(from: ServiceId) -> &'static [ServiceId] {
    spec(from).callees
}

impl Runtime {
    /// Builds the machine and its services.
    pub fn boot(opts: &Options) -> Result<Runtime, StartError> {
        let mut m = Machine::new(opts.machine.clone());
        if opts.strace_calls {
            m.call_log = Some(Default::default());
        }
        let merr = |e: machine::GxError| StartError::Machine(e.to_string());
        let mut wiring = Wiring::default();
        wiring.inject = opts.inject.map(|s| std::sync::Arc::new(std::sync::Mutex::new(crate::inject::Injector::new(s))));
        let ecall;
        let fault;
        let signal;
        match opts.config {
            Config::Split => {
                for svc in services(opts, &wiring.record) {
                    let id = svc.id();
                    let auth = spec(id).authority;
                    let mut host = ServiceHost::new(svc);
                    host.stats.timed = opts.syscall_times;
                    let sid = m.add_host_space(id.name(), Box::new(host), auth).map_err(merr)?;
                    wiring.sids[id as usize] = sid;
                    wiring.portals[id as usize] = m.create_portal(sid, sid, entry::CALL).map_err(merr)?;
                    wiring.native[id as usize] = wiring.portals[id as usize];
                }
                for from in ServiceId::ALL {
                    for to in calls(from) {
                        let t = wiring.sids[*to as usize];
                        // linux also gets G: its directory service derives C grants for
                        // native callers from it (`crate::native`).
                        let rights = if from == ServiceId::Linux { GrantRights(GrantRights::C.0 | GrantRights::G.0) } else { GrantRights::C };
                        let req = GrantRequest { owner: t, lo: entry::CALL, len: 1, rights, grantee: wiring.sids[from as usize], transient: false };
                        m.mem.grant(t, t, &req).map_err(merr)?;
                    }
                }
                for id in ServiceId::ALL {
                    if let Some(h) = m.host_space::<ServiceHost>(wiring.sids[id as usize]) {
                        h.wiring = wiring.clone();
                    }
                }
                let l = wiring.sids[ServiceId::Linux as usize];
                ecall = m.create_portal(l, l, entry::ECALL).map_err(merr)?;
                fault = m.create_portal(l, l, entry::FAULT).map_err(merr)?;
                signal = m.create_portal(l, l, entry::SIGNAL).map_err(merr)?;
            }
            Config::Monolithic => {
                let svcs: Vec<Option<Box<dyn Service>>> = services(opts, &wiring.record).into_iter().map(Some).collect();
                let k = m.add_host_space("kernel", Box::new(KernelHost { services: svcs, wiring: Wiring::default(), stats: SyscallStats { timed: opts.syscall_times, ..Default::default() } }), kernel_authority()).map_err(merr)?;
                wiring.sids = [k; ServiceId::COUNT];
                // One portal per service for native callers (`entry::NATIVE`).
                for id in ServiceId::ALL {
                    wiring.native[id as usize] = m.create_portal(k, k, entry::NATIVE + id as u64).map_err(merr)?;
                }
                if let Some(h) = m.host_space::<KernelHost>(k) {
                    h.wiring = wiring.clone();
                }
                ecall = m.create_portal(k, k, entry::ECALL).map_err(merr)?;
                fault = m.create_portal(k, k, entry::FAULT).map_err(merr)?;
                signal = m.create_portal(k, k, entry::SIGNAL).map_err(merr)?;
            }
        }
        let l = wiring.sids[ServiceId::Linux as usize];
        m.mem.map_lazy(l, linux::SCRATCH, linux::SCRATCH_SIZE, PageRights::RW).map_err(merr)?;
        // The vfs's own scratch memory: what it lends onwards (mm's /proc/PID/maps text).
        let v = wiring.sids[ServiceId::Vfs as usize];
        m.mem.map_lazy(v, syscalls::vfs::SCRATCH, syscalls::vfs::SCRATCH_SIZE, PageRights::RW).map_err(merr)?;
        // proc's published slots (`syscalls::proc::published`): proc writes them; linux
        // reads them through a read-only grant of proc's (the board makes it for proc,
        // as it makes the C grants of the call graph) instead of calling proc twice per
        // syscall, and every other service reads them the same way to tell who makes a
        // native call (`ServiceHost::call`) instead of asking proc. In the monolithic
        // kernel they are the kernel's own memory.
        let p = wiring.sids[ServiceId::Proc as usize];
        m.mem.map_zero(p, published::BASE, published::SIZE, PageRights::RW).map_err(merr)?;
        for reader in ServiceId::ALL.iter().map(|id| wiring.sids[*id as usize]).filter(|s| *s != p) {
            let req = GrantRequest { owner: p, lo: published::BASE, len: published::SIZE, rights: GrantRights::R, grantee: reader, transient: false };
            m.mem.grant(p, p, &req).map_err(merr)?;
        }
        // ipc's: where proc writes a caller's credentials.
        let i = wiring.sids[ServiceId::Ipc as usize];
        m.mem.map_lazy(i, syscalls::ipc::service::SCRATCH, syscalls::ipc::service::SCRATCH_SIZE, PageRights::RW).map_err(merr)?;
        let cfg = opts.config;
        if let Some(mm) = service_mut::<syscalls::mm::Mm>(&mut m, &wiring, cfg, ServiceId::Mm) {
            mm.portals = syscalls::mm::ProcessPortals { ecall, fault };
        }
        Ok(Runtime { m, wiring, config: opts.config, quantum: opts.quantum, elapsed: Default::default(), signal_portal: signal, debugger: None })
    }

    fn sid(&self, id: ServiceId) -> Sid {
        self.wiring.sids[id as usize]
    }

    /// Starts the first process: `path` on the host, with argv and envp.
    pub fn spawn(&mut self, path: &str, argv: Vec<Vec<u8>>, envp: Vec<Vec<u8>>) -> Result<u32, StartError> {
        // Report format errors exactly, before any machine state changes.
        let bytes = loader::read_executable(std::path::Path::new(path))?;
        loader::parse(&bytes)?;
        let cfg = self.config;
        let (mm_sid, linux_sid) = (self.sid(ServiceId::Mm), self.sid(ServiceId::Linux));
        // init (pid 1) is proc's own record (`syscalls::proc::init`); the program is
        // its child, pid 2. /proc/1 is the vfs's table for it.
        let pid = service_mut::<Proc>(&mut self.m, &self.wiring, cfg, ServiceId::Proc)
            .map(|p| {
                p.boot_init();
                p.alloc_pid()
            })
            .ok_or_else(|| StartError::Machine("no proc".into()))?;
        if let Some(v) = service_mut::<syscalls::vfs::Vfs>(&mut self.m, &self.wiring, cfg, ServiceId::Vfs) {
            v.init_kernel_process(syscalls::proc::INIT_PID, syscalls::proc::init::INIT_EXE);
        }
        let mut mm = std::mem::take(service_mut::<syscalls::mm::Mm>(&mut self.m, &self.wiring, cfg, ServiceId::Mm).ok_or_else(|| StartError::Machine("no mm".into()))?);
        let r = mm.load_new(&mut self.m.mem, mm_sid, linux_sid, pid, path, argv.clone(), envp.clone(), path.as_bytes().to_vec());
        let ((entry, sp, code, data, _brk), pm) = match r {
            Ok(x) => x,
            Err(e) => {
                *service_mut::<syscalls::mm::Mm>(&mut self.m, &self.wiring, cfg, ServiceId::Mm).expect("mm") = mm;
                return Err(StartError::Machine(format!("{path}: {}", std::io::Error::from_raw_os_error(e))));
            }
        };
        mm.insert_proc(pid, pm);
        *service_mut::<syscalls::mm::Mm>(&mut self.m, &self.wiring, cfg, ServiceId::Mm).expect("mm") = mm;
        let hart = self.m.create_hart(code, data, syscalls::proc::initial_context(entry, sp)).map_err(|e| StartError::Machine(e.to_string()))?;
        let exe = std::fs::canonicalize(path).map(|p| p.display().to_string()).unwrap_or_else(|_| path.to_string());
        if let Some(v) = service_mut::<syscalls::vfs::Vfs>(&mut self.m, &self.wiring, cfg, ServiceId::Vfs) {
            v.init_process(pid, &exe);
            v.set_cmdline(pid, &argv);
            v.set_environ(pid, &envp);
        }
        let mem = &self.m.mem;
        let auxv = syscalls::vfs::auxv_from_stack(|p, b| mem.peek(data, p, b).is_ok(), sp);
        if let (Some(a), Some(v)) = (auxv, service_mut::<syscalls::vfs::Vfs>(&mut self.m, &self.wiring, cfg, ServiceId::Vfs)) {
            if let Some(t) = v.tables.get_mut(&pid) {
                t.auxv = a;
            }
        }
        let p = service_mut::<Proc>(&mut self.m, &self.wiring, cfg, ServiceId::Proc).expect("proc");
        p.add_process(pid, syscalls::proc::INIT_PID, code, data, hart, exe, argv);
        Ok(pid)
    }

    fn proc(&mut self) -> &mut Proc {
        service_mut::<Proc>(&mut self.m, &self.wiring, self.config, ServiceId::Proc).expect("proc service present")
    }

    /// Ends a process the machine could not continue (an unhandled fault).
    fn kill(&mut self, pid: u32, sig: u8) {
        let core = self.proc().dumps_core(pid, sig as u32);
        let harts = self.proc().end_process(pid, ExitStatus::Signaled { sig, core });
        for h in harts {
            self.m.destroy_hart(h);
        }
        let cfg = self.config;
        if let Some(v) = service_mut::<syscalls::vfs::Vfs>(&mut self.m, &self.wiring, cfg, ServiceId::Vfs) {
            v.tables.remove(&pid);
        }
        // Take mm out of the machine for a moment so it can release the process's
        // spaces and cache entries through the memory it owns.
        if let Some(mm) = service_mut::<syscalls::mm::Mm>(&mut self.m, &self.wiring, cfg, ServiceId::Mm) {
            let mut mm = std::mem::take(mm);
            mm.reap(&mut self.m.mem, pid);
            if let Some(slot) = service_mut::<syscalls::mm::Mm>(&mut self.m, &self.wiring, cfg, ServiceId::Mm) {
                *slot = mm;
            }
        }
    }

    /// Runs until the first process exits; returns its status as a shell reports it.
    ///
    /// Round robin over the run queue, one quantum each. Before a thread's turn, due
    /// interval timers fire, and a signal it can take now is delivered by an
    /// interrupt: a thread that makes no syscall still gets signals sent by others,
    /// at the same point of the schedule in every run.
    pub fn run(&mut self) -> i32 {
        let start = Instant::now();
        let status = loop {
            if let Some(st) = self.proc().first_exit {
                break st.shell_status();
            }
            self.proc().fire_timers(syscalls::clock::now());
            // Threads that are running must not keep sleepers past their deadlines,
            // nor readers from their ready host descriptors: look, without waiting.
            self.wait_host(false);
            let next = self.proc().run_queue.pop_front();
            let Some(tid) = next else {
                if !self.wait_host(true) {
                    tracing::error!(target: "grantix", "every thread is blocked with nothing to wake it (deadlock)");
                    break 124;
                }
                continue;
            };
            let Some(t) = self.proc().threads.get(&tid).cloned() else { continue };
            // A thread of a stopped process waits off the queue; SIGCONT puts it back.
            if t.state != ThreadState::Runnable || self.proc().is_stopped(t.pid) {
                continue;
            }
            self.publish(t.hart);
            // A thread woken in a syscall re-executes it first and takes its signals on
            // the way out; any other is interrupted where it is.
            if t.wake.is_none() && self.proc().deliverable(tid) != 0 {
                // An interrupt needs base level: a thread inside a portal frame that is
                // to die anyway (SIGKILL, a signal whose action terminates) is unwound
                // first, so kill works whatever frames it is in.
                if self.m.hart(t.hart).is_some_and(|h| h.depth() > 0) && self.fatal_pending(tid, t.pid) {
                    let _ = self.m.unwind(t.hart);
                }
                if let Ok(Some(exit)) = self.m.interrupt(t.hart, self.signal_portal) {
                    if let Some(status) = self.after(&t, Ok(exit)) {
                        break status;
                    }
                    continue;
                }
            }
            let exit = match self.debugger.take() {
                Some(mut d) => {
                    let me = crate::debug::ThreadRef { pid: t.pid, tid: t.tid, hart: t.hart };
                    let all: Vec<_> = self.proc().threads.values().map(|t| crate::debug::ThreadRef { pid: t.pid, tid: t.tid, hart: t.hart }).collect();
                    let exit = d.run(&mut self.m, me, &all, self.quantum);
                    self.debugger = Some(d);
                    exit
                }
                None => self.m.run(t.hart, self.quantum),
            };
            // The slice's instructions and syscalls are the thread's CPU time (it may
            // have ended meanwhile: exit charged it then).
            if let Some((i, e)) = self.m.hart(t.hart).map(|h| (h.counters.instret, h.counters.ecalls)) {
                self.proc().charge(tid, i, e);
            }
            if let Some(status) = self.after(&t, exit) {
                break status;
            }
        };
        if let Some(d) = self.debugger.as_mut() {
            d.exited(status);
        }
        // No host program a guest started outlives the run (`syscalls::vfs::hostexec`).
        syscalls::vfs::hostexec::kill_all();
        self.elapsed = start.elapsed();
        status
    }

    /// Writes the slot proc publishes for linux of `hart`, whose thread is about to
    /// run, if it changed since proc last wrote it: the board changed proc's tables
    /// itself (timers fired, sleepers woken, processes killed), and linux must not act
    /// on the old words.
    fn publish(&mut self, hart: machine::HartId) {
        let changes = self.proc().published_changes(&[hart]);
        let sid = self.sid(ServiceId::Proc);
        for (off, b) in changes {
            if self.m.mem.poke(sid, published::BASE + off, &b).is_err() {
                self.proc().publish_failed(off);
            }
        }
    }

    /// Whether a signal deliverable to `tid` would end its process.
    fn fatal_pending(&mut self, tid: u32, pid: u32) -> bool {
        let set = self.proc().deliverable(tid);
        (1..=64u32).any(|s| set & (1 << (s - 1)) != 0 && self.proc().action_of(pid, s) == syscalls::proc::action::TERMINATE)
    }

    /// What to do after thread `t` ran (or was interrupted) and stopped with `exit`;
    /// Some(status) ends the run.
    fn after(&mut self, t: &syscalls::proc::Thread, exit: Result<Exit, machine::GxError>) -> Option<i32> {
        let tid = t.tid;
        match exit {
            Ok(Exit::Budget) | Ok(Exit::Stop(linux::stop::YIELD)) => {
                let p = self.proc();
                if p.threads.get(&tid).is_some_and(|t| t.state == ThreadState::Runnable) && !p.run_queue.contains(tid) {
                    p.run_queue.push_back(tid);
                }
            }
            Ok(Exit::Stop(linux::stop::PANIC)) => {
                // One fault domain: the kernel is gone, and every process with it.
                let why = self.wiring.record.lock().ok().and_then(|r| r.panic.clone()).unwrap_or_default();
                tracing::error!(target: "grantix", "kernel panic: {why}");
                return Some(KERNEL_PANIC_STATUS);
            }
            Ok(Exit::Stop(linux::stop::EXITED)) => {
                self.m.destroy_hart(t.hart);
            }
            Ok(Exit::Stop(_)) | Ok(Exit::Returned) => {}
            Ok(Exit::Fault(f)) => {
                tracing::warn!("pid {}: unhandled fault: {f}", t.pid);
                self.kill(t.pid, 11);
            }
            Err(_) => {}
        }
        None
    }

    /// Wakes the blocked threads whose deadline passed or whose host descriptors are
    /// ready. With `wait`, first waits on the host (poll, no spinning) until one of
    /// those happens; false if nothing ever could.
    fn wait_host(&mut self, wait: bool) -> bool {
        // From proc's blocked index: the cost does not grow with the threads that wait
        // on keys only (every idle thread of a many-threaded program).
        let p = self.proc();
        let fds = p.host_waits();
        // An interval timer may be what wakes someone (SIGALRM into sigsuspend).
        let timer = p.next_timer();
        let deadline = p.next_deadline().into_iter().chain(timer).min();
        if deadline.is_none() && fds.is_empty() {
            return false;
        }
        // Nothing blocked: nothing for a timer to wake either.
        if wait && fds.is_empty() && !p.any_blocked() {
            return false;
        }
        // Rounded up: waking before the deadline would only poll again.
        let timeout_ms = match (wait, deadline) {
            (false, _) => 0,
            (true, None) => -1,
            // The virtual clock does not wait for a deadline: it jumps there, after a
            // look at the host descriptors (input that is already there comes first).
            (true, Some(_)) if syscalls::clock::is_virtual() => 0,
            (true, Some(d)) => d.saturating_duration_since(Instant::now()).as_nanos().div_ceil(1_000_000).min(i32::MAX as u128) as i32,
        };
        let mut pfds: Vec<libc::pollfd> = fds.iter().map(|(_, fd, ev)| libc::pollfd { fd: *fd, events: *ev, revents: 0 }).collect();
        let ready = if pfds.is_empty() && (!wait || timeout_ms == 0) { 0 } else { crate::hostpoll::poll(&mut pfds, timeout_ms) };
        if wait && ready <= 0 {
            if let Some(d) = deadline {
                syscalls::clock::advance_to(d);
            }
        }
        let now = syscalls::clock::now();
        let mut woke = Vec::new();
        if ready > 0 {
            for (i, p) in pfds.iter().enumerate() {
                if p.revents != 0 {
                    woke.push((fds[i].0, Wake::HostReady));
                }
            }
        }
        let p = self.proc();
        woke.extend(p.deadlines_due(now).into_iter().map(|t| (t, Wake::Timeout)));
        for (t, w) in woke {
            p.wake_thread(t, w);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_service_has_its_template() {
        for id in ServiceId::ALL {
            assert_eq!(spec(id).id, id);
            assert!(!calls(id).contains(&id), "{} calls itself", id.name());
        }
        assert_eq!(kernel_authority(), authority::MEMORY | authority::HARTS);
        assert_eq!(spec(ServiceId::Supervisor).authority, authority::SUPERVISE);
        // Every service a process reaches through linux is on linux's edges.
        for e in syscalls::table::TABLE {
            assert!(e.owner == ServiceId::Linux || calls(ServiceId::Linux).contains(&e.owner), "{}", e.name);
        }
    }
}
