//! `--engine jit|interp`: which of the machine's execution engines runs the guest.

/// The `--engine` choices of run, compare and campaign.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum EngineArg {
    Jit,
    Interp,
}

impl EngineArg {
    /// The engine a run uses: the one asked for, else jit where the translator has a
    /// host backend; --trace shows every instruction, so it interprets.
    pub fn resolve(asked: Option<EngineArg>, trace: bool) -> machine::cpu::Engine {
        let jit_host = cfg!(any(target_arch = "x86_64", target_arch = "aarch64"));
        match asked {
            Some(EngineArg::Interp) => machine::cpu::Engine::Interp,
            Some(EngineArg::Jit) => machine::cpu::Engine::Jit,
            None if jit_host && !trace => machine::cpu::Engine::Jit,
            None => machine::cpu::Engine::Interp,
        }
    }

    /// The flag value, for forwarding to child runs.
    pub fn name(self) -> &'static str {
        match self {
            EngineArg::Jit => "jit",
            EngineArg::Interp => "interp",
        }
    }

    /// Parses a flag or GRANTIX_ENGINE value.
    pub fn parse(s: &str) -> Result<EngineArg, String> {
        match s {
            "jit" => Ok(EngineArg::Jit),
            "interp" => Ok(EngineArg::Interp),
            _ => Err(format!("unknown engine {s:?} (jit or interp)")),
        }
    }
}
