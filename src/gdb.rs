//! `-g PORT`: a gdb remote stub (the gdbstub crate) for the guest.
//!
//! The machine stays on the main thread, where the board runs it; the gdb protocol runs
//! on a thread of its own. The board hands each thread's turn to [`Hook`] (a
//! `personality::debug::Debugger`): while the program is stopped the hook serves the
//! stub's requests (registers, memory, threads, monitor) over a channel, and when gdb
//! resumes it runs the thread instruction by instruction where a breakpoint, a
//! watchpoint (`gdb_watch`) or a step needs it, at full speed otherwise.
//!
//! Memory is read and written as the program itself would: through its DATA space with
//! the program's own rights and grants, so the debugger sees what the program may see
//! (its text is readable, not writable: breakpoints are the stub's, not ebreaks written
//! into the code). Integer and floating-point registers, threads, the signal that
//! stopped the program, and `monitor` commands showing spaces, grants and portal frames.

use gdbstub::arch::{Arch, Registers};
use gdbstub::common::{Signal, Tid};
use gdbstub::conn::ConnectionExt;
use gdbstub::outputln;
use gdbstub::stub::{run_blocking, DisconnectReason, GdbStub, MultiThreadStopReason};
use gdbstub::target::ext::base::multithread::{MultiThreadBase, MultiThreadResume, MultiThreadSingleStep};
use gdbstub::target::ext::base::BaseOps;
use gdbstub::target::ext::breakpoints::{Breakpoints, HwWatchpoint, SwBreakpoint, WatchKind};
use gdbstub::target::ext::monitor_cmd::{ConsoleOutput, MonitorCmd};
use gdbstub::target::{Target, TargetError, TargetResult};
use machine::{Exit, GxError, Machine};
use personality::debug::{Debugger, ThreadRef};
use std::collections::BTreeSet;
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use crate::gdb_watch::{next_access, Watch};

/// RV64GC as gdb sees it: x0-x31, pc, f0-f31, fflags, frm, fcsr (rv64gc.xml).
pub enum Rv64gc {}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Regs {
    pub x: [u64; 32],
    pub pc: u64,
    pub f: [u64; 32],
    pub fcsr: u32,
}

impl Registers for Regs {
    type ProgramCounter = u64;

    fn pc(&self) -> u64 {
        self.pc
    }

    fn gdb_serialize(&self, mut write_byte: impl FnMut(Option<u8>)) {
        let words = self.x.iter().chain(std::iter::once(&self.pc)).chain(self.f.iter());
        for w in words {
            w.to_le_bytes().iter().for_each(|b| write_byte(Some(*b)));
        }
        for v in [self.fcsr & 0x1f, (self.fcsr >> 5) & 7, self.fcsr] {
            v.to_le_bytes().iter().for_each(|b| write_byte(Some(*b)));
        }
    }

    fn gdb_deserialize(&mut self, bytes: &[u8]) -> Result<(), ()> {
        if bytes.len() != 65 * 8 + 3 * 4 {
            return Err(());
        }
        let word = |i: usize| u64::from_le_bytes(bytes[i * 8..i * 8 + 8].try_into().unwrap_or_default());
        for i in 0..32 {
            self.x[i] = word(i);
            self.f[i] = word(33 + i);
        }
        self.pc = word(32);
        let at = 65 * 8;
        let u32_at = |o: usize| u32::from_le_bytes(bytes[at + o..at + o + 4].try_into().unwrap_or_default());
        let (fflags, frm, fcsr) = (u32_at(0), u32_at(4), u32_at(8));
        // fcsr holds both: a changed fflags or frm field wins over a stale fcsr.
        self.fcsr = if fcsr != self.fcsr { fcsr } else { (fflags & 0x1f) | ((frm & 7) << 5) };
        Ok(())
    }
}

impl Arch for Rv64gc {
    type Usize = u64;
    type Registers = Regs;
    type BreakpointKind = usize;
    type RegId = ();

    fn target_description_xml() -> Option<&'static str> {
        Some(include_str!("rv64gc.xml"))
    }
}

/// Requests of the stub thread to the machine's thread.
enum Req {
    Regs(u32),
    SetRegs(u32, Box<Regs>),
    Read(u32, u64, usize),
    Write(u32, u64, Vec<u8>),
    Threads,
    Monitor(String),
    /// Run again; `Some(tid)`: that thread executes one instruction and stops. With
    /// scheduler locking (`true`), no other thread runs meanwhile.
    Resume(Option<u32>, bool),
}

enum Rep {
    Regs(Option<Box<Regs>>),
    Done(bool),
    Bytes(Vec<u8>),
    Threads(Vec<u32>),
    Text(String),
}

type Stop = MultiThreadStopReason<u64>;

/// The machine side: a `Debugger` for the board.
pub struct Hook {
    req: Receiver<Req>,
    rep: Sender<Rep>,
    stops: Sender<Stop>,
    breakpoints: Arc<Mutex<BTreeSet<u64>>>,
    watchpoints: Arc<Mutex<Vec<Watch>>>,
    interrupt: Arc<AtomicBool>,
    /// The program is stopped: the next turn serves gdb first.
    stopped: bool,
    /// The thread to single-step.
    step: Option<u32>,
    /// Only the stepped thread runs (gdb's scheduler locking).
    locked: bool,
    /// gdb is still there.
    attached: bool,
    threads: Vec<ThreadRef>,
    stub: Option<std::thread::JoinHandle<()>>,
}

fn tid(t: u32) -> Tid {
    Tid::new(t as usize).unwrap_or(Tid::new(1).expect("1 is not zero"))
}

impl Hook {
    fn thread(&self, t: u32) -> Option<ThreadRef> {
        self.threads.iter().find(|r| r.tid == t).copied()
    }

    fn stop(&mut self, reason: Stop) {
        self.stopped = true;
        if self.stops.send(reason).is_err() {
            self.attached = false;
        }
    }

    /// Answers the stub until it resumes the program (or goes away).
    fn serve(&mut self, m: &mut Machine) {
        while self.stopped && self.attached {
            let Ok(req) = self.req.recv() else {
                self.attached = false;
                break;
            };
            let rep = match req {
                Req::Resume(step, locked) => {
                    self.step = step;
                    self.locked = locked && step.is_some();
                    self.stopped = false;
                    self.interrupt.store(false, Ordering::SeqCst);
                    continue;
                }
                Req::Regs(t) => Rep::Regs(self.thread(t).and_then(|r| m.hart(r.hart)).map(|h| Box::new(Regs { x: h.ctx.x, pc: h.ctx.pc, f: h.ctx.f, fcsr: h.ctx.fcsr }))),
                Req::SetRegs(t, regs) => Rep::Done(match self.thread(t).and_then(|r| m.hart_mut(r.hart)) {
                    Some(h) => {
                        h.ctx.x = regs.x;
                        h.ctx.x[0] = 0;
                        h.ctx.pc = regs.pc;
                        h.ctx.f = regs.f;
                        h.ctx.fcsr = regs.fcsr & 0xff;
                        true
                    }
                    None => false,
                }),
                Req::Read(t, addr, len) => Rep::Bytes(self.read(m, t, addr, len)),
                Req::Write(t, addr, bytes) => {
                    let ok = self.thread(t).and_then(|r| m.hart(r.hart).map(|h| h.data)).is_some_and(|data| m.mem.copy_out(data, addr, &bytes).is_ok());
                    Rep::Done(ok)
                }
                Req::Threads => Rep::Threads(self.threads.iter().map(|r| r.tid).collect()),
                Req::Monitor(cmd) => Rep::Text(crate::gdb_monitor::command(m, &self.threads, &cmd)),
            };
            if self.rep.send(rep).is_err() {
                self.attached = false;
            }
        }
    }

    /// What the program may read at `addr`: as many bytes as its rights allow.
    fn read(&self, m: &mut Machine, t: u32, addr: u64, len: usize) -> Vec<u8> {
        let Some(data) = self.thread(t).and_then(|r| m.hart(r.hart).map(|h| h.data)) else { return Vec::new() };
        let mut buf = vec![0u8; len];
        if m.mem.copy_in(data, addr, &mut buf).is_ok() {
            return buf;
        }
        // Up to the first byte it may not read.
        let mut n = 0;
        while n < len && m.mem.copy_in(data, addr + n as u64, &mut buf[n..n + 1]).is_ok() {
            n += 1;
        }
        buf.truncate(n);
        buf
    }
}

impl Debugger for Hook {
    fn run(&mut self, m: &mut Machine, t: ThreadRef, threads: &[ThreadRef], budget: u64) -> Result<Exit, GxError> {
        self.threads = threads.to_vec();
        if self.attached && self.interrupt.swap(false, Ordering::SeqCst) {
            self.stop(MultiThreadStopReason::SignalWithThread { tid: tid(t.tid), signal: Signal::SIGINT });
        }
        self.serve(m);
        if !self.attached {
            return m.run(t.hart, budget);
        }
        let stepping = self.step == Some(t.tid);
        if self.locked && !stepping {
            // Frozen while another thread steps: its turn passes.
            return Ok(Exit::Budget);
        }
        let breakpoints = self.breakpoints.lock().map(|b| b.clone()).unwrap_or_default();
        let watchpoints = self.watchpoints.lock().map(|w| w.clone()).unwrap_or_default();
        if !stepping && breakpoints.is_empty() && watchpoints.is_empty() {
            return m.run(t.hart, budget);
        }
        let mut left = budget.max(1);
        while left > 0 {
            let n = atomic_run(m, t).min(left);
            left -= n;
            // Which watchpoint the next access fires, decided before it runs (its base
            // register may be its own destination).
            let fired = match m.hart(t.hart) {
                Some(h) if !watchpoints.is_empty() => {
                    next_access(m, h.code, h.ctx.pc, &h.ctx.x).and_then(|a| watchpoints.iter().find(|w| w.fires(&a, h.data)).copied())
                }
                _ => None,
            };
            let exit = m.run(t.hart, n)?;
            // After the access, as a hardware watchpoint reports it (also when stepping).
            let watch = fired.map(|w| MultiThreadStopReason::Watch { tid: tid(t.tid), kind: w.kind, addr: w.addr });
            if stepping {
                self.step = None;
                self.locked = false;
                self.stop(watch.unwrap_or(MultiThreadStopReason::DoneStep));
                return Ok(exit);
            }
            if !matches!(exit, Exit::Budget) {
                return Ok(exit);
            }
            if let Some(w) = watch {
                self.stop(w);
                return Ok(exit);
            }
            if m.hart(t.hart).is_some_and(|h| breakpoints.contains(&h.ctx.pc)) {
                self.stop(MultiThreadStopReason::SwBreak(tid(t.tid)));
                return Ok(exit);
            }
        }
        Ok(Exit::Budget)
    }

    fn exited(&mut self, status: i32) {
        if self.attached {
            let reason = if status > 128 { MultiThreadStopReason::Terminated(Signal((status - 128) as u8)) } else { MultiThreadStopReason::Exited(status as u8) };
            let _ = self.stops.send(reason);
        }
        // gdb gets its last answer before grantix exits.
        if let Some(h) = self.stub.take() {
            let _ = h.join();
        }
    }
}

/// How many instructions to run as one from the thread's pc: an LR/SC sequence up to
/// its SC (the machine drops a reservation between two runs, so an SC stepped on its
/// own always fails and the loop around it never ends; gdb steps over such sequences
/// as a unit too), one instruction otherwise.
fn atomic_run(m: &Machine, t: ThreadRef) -> u64 {
    let Some(h) = m.hart(t.hart) else { return 1 };
    let (code, mut pc) = (h.code, h.ctx.pc);
    let word = |pc: u64| {
        let mut b = [0u8; 4];
        m.mem.peek(code, pc, &mut b).ok().map(|_| u32::from_le_bytes(b))
    };
    let is_amo = |w: u32, funct5: u32| w & 0x7f == 0x2f && w >> 27 == funct5;
    match word(pc) {
        Some(w) if is_amo(w, 0b00010) => {}
        _ => return 1,
    }
    // The SC follows within the 16 instructions the ISA's constrained loops allow.
    for n in 1..=16 {
        let Some(w) = word(pc) else { return 1 };
        if is_amo(w, 0b00011) {
            return n;
        }
        pc += if w & 3 == 3 { 4 } else { 2 };
    }
    1
}

/// The stub side: gdbstub's target, forwarding to the machine's thread.
struct Proxy {
    req: Sender<Req>,
    rep: Receiver<Rep>,
    stops: Receiver<Stop>,
    breakpoints: Arc<Mutex<BTreeSet<u64>>>,
    watchpoints: Arc<Mutex<Vec<Watch>>>,
    interrupt: Arc<AtomicBool>,
    step: Option<u32>,
    locked: bool,
}

impl Proxy {
    fn ask(&mut self, r: Req) -> Result<Rep, &'static str> {
        self.req.send(r).map_err(|_| "the program is gone")?;
        self.rep.recv().map_err(|_| "the program is gone")
    }
}

impl Target for Proxy {
    type Arch = Rv64gc;
    type Error = &'static str;

    fn base_ops(&mut self) -> BaseOps<'_, Rv64gc, &'static str> {
        BaseOps::MultiThread(self)
    }

    fn support_breakpoints(&mut self) -> Option<gdbstub::target::ext::breakpoints::BreakpointsOps<'_, Self>> {
        Some(self)
    }

    fn support_monitor_cmd(&mut self) -> Option<gdbstub::target::ext::monitor_cmd::MonitorCmdOps<'_, Self>> {
        Some(self)
    }
}

impl MultiThreadBase for Proxy {
    fn read_registers(&mut self, regs: &mut Regs, t: Tid) -> TargetResult<(), Self> {
        match self.ask(Req::Regs(t.get() as u32)).map_err(TargetError::Fatal)? {
            Rep::Regs(Some(r)) => {
                *regs = *r;
                Ok(())
            }
            _ => Err(TargetError::NonFatal),
        }
    }

    fn write_registers(&mut self, regs: &Regs, t: Tid) -> TargetResult<(), Self> {
        match self.ask(Req::SetRegs(t.get() as u32, Box::new(regs.clone()))).map_err(TargetError::Fatal)? {
            Rep::Done(true) => Ok(()),
            _ => Err(TargetError::NonFatal),
        }
    }

    fn read_addrs(&mut self, start: u64, data: &mut [u8], t: Tid) -> TargetResult<usize, Self> {
        match self.ask(Req::Read(t.get() as u32, start, data.len())).map_err(TargetError::Fatal)? {
            Rep::Bytes(b) if !b.is_empty() => {
                data[..b.len()].copy_from_slice(&b);
                Ok(b.len())
            }
            _ => Err(TargetError::NonFatal),
        }
    }

    fn write_addrs(&mut self, start: u64, data: &[u8], t: Tid) -> TargetResult<(), Self> {
        match self.ask(Req::Write(t.get() as u32, start, data.to_vec())).map_err(TargetError::Fatal)? {
            Rep::Done(true) => Ok(()),
            _ => Err(TargetError::NonFatal),
        }
    }

    fn list_active_threads(&mut self, register: &mut dyn FnMut(Tid)) -> Result<(), &'static str> {
        if let Rep::Threads(ts) = self.ask(Req::Threads)? {
            ts.into_iter().for_each(|t| register(tid(t)));
        }
        Ok(())
    }

    fn support_resume(&mut self) -> Option<gdbstub::target::ext::base::multithread::MultiThreadResumeOps<'_, Self>> {
        Some(self)
    }
}

impl MultiThreadResume for Proxy {
    fn resume(&mut self) -> Result<(), &'static str> {
        let step = self.step.take();
        let locked = std::mem::take(&mut self.locked);
        self.req.send(Req::Resume(step, locked)).map_err(|_| "the program is gone")
    }

    fn clear_resume_actions(&mut self) -> Result<(), &'static str> {
        self.step = None;
        self.locked = false;
        Ok(())
    }

    fn support_scheduler_locking(&mut self) -> Option<gdbstub::target::ext::base::multithread::MultiThreadSchedulerLockingOps<'_, Self>> {
        Some(self)
    }

    fn set_resume_action_continue(&mut self, _t: Tid, signal: Option<Signal>) -> Result<(), &'static str> {
        if signal.is_some() {
            return Err("grantix cannot continue with a signal");
        }
        Ok(())
    }

    fn support_single_step(&mut self) -> Option<gdbstub::target::ext::base::multithread::MultiThreadSingleStepOps<'_, Self>> {
        Some(self)
    }
}

impl MultiThreadSingleStep for Proxy {
    fn set_resume_action_step(&mut self, t: Tid, signal: Option<Signal>) -> Result<(), &'static str> {
        if signal.is_some() {
            return Err("grantix cannot step with a signal");
        }
        self.step = Some(t.get() as u32);
        Ok(())
    }
}

impl gdbstub::target::ext::base::multithread::MultiThreadSchedulerLocking for Proxy {
    fn set_resume_action_scheduler_lock(&mut self) -> Result<(), &'static str> {
        self.locked = true;
        Ok(())
    }
}

impl Breakpoints for Proxy {
    fn support_sw_breakpoint(&mut self) -> Option<gdbstub::target::ext::breakpoints::SwBreakpointOps<'_, Self>> {
        Some(self)
    }

    fn support_hw_watchpoint(&mut self) -> Option<gdbstub::target::ext::breakpoints::HwWatchpointOps<'_, Self>> {
        Some(self)
    }
}

impl HwWatchpoint for Proxy {
    fn add_hw_watchpoint(&mut self, addr: u64, len: u64, kind: WatchKind) -> TargetResult<bool, Self> {
        Ok(self.watchpoints.lock().map(|mut w| {
            let new = Watch { addr, len, kind };
            if !w.contains(&new) {
                w.push(new);
            }
            true
        })
        .unwrap_or(false))
    }

    fn remove_hw_watchpoint(&mut self, addr: u64, len: u64, kind: WatchKind) -> TargetResult<bool, Self> {
        Ok(self.watchpoints.lock().map(|mut w| {
            let before = w.len();
            w.retain(|x| *x != Watch { addr, len, kind });
            w.len() < before
        })
        .unwrap_or(false))
    }
}

impl SwBreakpoint for Proxy {
    fn add_sw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        // A breakpoint set twice is still one breakpoint, and set.
        Ok(self.breakpoints.lock().map(|mut b| {
            b.insert(addr);
            true
        })
        .unwrap_or(false))
    }

    fn remove_sw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        Ok(self.breakpoints.lock().map(|mut b| b.remove(&addr)).unwrap_or(false))
    }
}

impl MonitorCmd for Proxy {
    fn handle_monitor_cmd(&mut self, cmd: &[u8], mut out: ConsoleOutput<'_>) -> Result<(), &'static str> {
        if let Rep::Text(t) = self.ask(Req::Monitor(String::from_utf8_lossy(cmd).into_owned()))? {
            for line in t.lines() {
                outputln!(out, "{line}");
            }
        }
        Ok(())
    }
}

enum Loop {}

impl run_blocking::BlockingEventLoop for Loop {
    type Target = Proxy;
    type Connection = TcpStream;
    type StopReason = Stop;

    #[allow(clippy::type_complexity)]
    fn wait_for_stop_reason(target: &mut Proxy, conn: &mut TcpStream) -> Result<run_blocking::Event<Stop>, run_blocking::WaitForStopReasonError<&'static str, std::io::Error>> {
        loop {
            match target.stops.recv_timeout(Duration::from_millis(20)) {
                Ok(r) => return Ok(run_blocking::Event::TargetStopped(r)),
                Err(RecvTimeoutError::Disconnected) => return Ok(run_blocking::Event::TargetStopped(MultiThreadStopReason::Exited(0))),
                Err(RecvTimeoutError::Timeout) => {}
            }
            if conn.peek().map(|b| b.is_some()).unwrap_or(true) {
                let byte = conn.read().map_err(run_blocking::WaitForStopReasonError::Connection)?;
                return Ok(run_blocking::Event::IncomingData(byte));
            }
        }
    }

    fn on_interrupt(target: &mut Proxy) -> Result<Option<Stop>, &'static str> {
        // The machine stops at its next turn and reports SIGINT itself.
        target.interrupt.store(true, Ordering::SeqCst);
        Ok(None)
    }
}

/// Listens on `port` (127.0.0.1), waits for gdb as qemu's -g does, and returns the hook
/// for the board; the stub runs on a thread of its own.
pub fn attach(port: &str) -> Result<Hook, String> {
    let port: u16 = port.parse().map_err(|_| format!("-g {port}: not a TCP port"))?;
    let listener = TcpListener::bind(("127.0.0.1", port)).map_err(|e| format!("-g {port}: {e}"))?;
    tracing::info!(target: "grantix", "waiting for gdb on 127.0.0.1:{port} (target remote :{port})");
    let (conn, peer) = listener.accept().map_err(|e| format!("-g {port}: {e}"))?;
    let _ = conn.set_nodelay(true);
    tracing::debug!(target: "grantix", "gdb connected from {peer}");
    let (req_tx, req_rx) = channel();
    let (rep_tx, rep_rx) = channel();
    let (stop_tx, stop_rx) = channel();
    let breakpoints = Arc::new(Mutex::new(BTreeSet::new()));
    let watchpoints = Arc::new(Mutex::new(Vec::new()));
    let interrupt = Arc::new(AtomicBool::new(false));
    let mut proxy = Proxy { req: req_tx, rep: rep_rx, stops: stop_rx, breakpoints: breakpoints.clone(), watchpoints: watchpoints.clone(), interrupt: interrupt.clone(), step: None, locked: false };
    let stub = std::thread::spawn(move || {
        let gdb = GdbStub::new(conn);
        match gdb.run_blocking::<Loop>(&mut proxy) {
            Ok(DisconnectReason::Disconnect) => tracing::info!(target: "grantix", "gdb detached: the program runs on"),
            Ok(DisconnectReason::Kill) => {
                // As under qemu: `kill` ends the program, and grantix with it.
                tracing::info!(target: "grantix", "gdb killed the program");
                std::process::exit(137);
            }
            Ok(_) => {}
            Err(e) => tracing::error!(target: "grantix", "gdb stub: {e}"),
        }
    });
    Ok(Hook { req: req_rx, rep: rep_tx, stops: stop_tx, breakpoints, watchpoints, interrupt, stopped: true, step: None, locked: false, attached: true, threads: Vec::new(), stub: Some(stub) })
}
