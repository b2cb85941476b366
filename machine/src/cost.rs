//! The cycle model: a table of costs per instruction class, loadable from a TOML file.
//!
//! Portal call and return are charged exactly what a jump is (JAL/JALR): the thread's
//! claim that inter-space calls cost the same as ordinary ones is built into the model
//! rather than configurable. Grants and revocations have their own costs.

use crate::cpu::inst::Op;

/// Modeled cycles per instruction class and per native operation.
#[derive(Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct CostModel {
    pub alu: u32,
    pub mul: u32,
    pub div: u32,
    pub load: u32,
    pub store: u32,
    pub branch: u32,
    /// JAL, JALR, and therefore also gx.pcall, gx.pret, and the involuntary portal
    /// calls of ecall and faults.
    pub jump: u32,
    pub csr: u32,
    pub amo: u32,
    pub fence: u32,
    pub fp: u32,
    pub fp_fma: u32,
    pub fp_div: u32,
    pub fp_sqrt: u32,
    /// Creating a grant (gx.grant or a host space's grant).
    pub grant: u32,
    /// Revoking one grant (a cascade costs this per grant removed).
    pub revoke: u32,
    /// Work a host-implemented service does per call, standing in for the
    /// instructions its body would execute.
    pub host_call: u32,
    /// Per 8 bytes a host service copies from or to guest memory.
    pub host_copy_8: u32,
}

impl Default for CostModel {
    fn default() -> Self {
        CostModel {
            alu: 1,
            mul: 3,
            div: 20,
            load: 2,
            store: 1,
            branch: 1,
            jump: 2,
            csr: 1,
            amo: 4,
            fence: 1,
            fp: 3,
            fp_fma: 4,
            fp_div: 15,
            fp_sqrt: 20,
            grant: 12,
            revoke: 8,
            host_call: 40,
            host_copy_8: 1,
        }
    }
}

/// Error loading a cost file.
#[derive(Debug, thiserror::Error)]
pub enum CostError {
    #[error("cannot read cost file {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("bad cost file {path}: {source}")]
    Parse { path: String, source: toml::de::Error },
}

impl CostModel {
    /// Parses a TOML cost table; missing keys keep their defaults.
    pub fn from_toml(text: &str, path: &str) -> Result<CostModel, CostError> {
        toml::from_str(text).map_err(|source| CostError::Parse { path: path.to_string(), source })
    }

    /// Loads a TOML cost file.
    pub fn load(path: &std::path::Path) -> Result<CostModel, CostError> {
        let p = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| CostError::Io { path: p.clone(), source })?;
        Self::from_toml(&text, &p)
    }

    /// The defaults as a TOML document (what `grantix costs` prints).
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }

    /// Cycles one instruction costs.
    pub fn of(&self, op: Op) -> u32 {
        use Op::*;
        match op {
            Mul | Mulh | Mulhsu | Mulhu | Mulw => self.mul,
            Div | Divu | Rem | Remu | Divw | Divuw | Remw | Remuw => self.div,
            Lb | Lh | Lw | Ld | Lbu | Lhu | Lwu | Flw | Fld => self.load,
            Sb | Sh | Sw | Sd | Fsw | Fsd => self.store,
            Beq | Bne | Blt | Bge | Bltu | Bgeu => self.branch,
            Jal | Jalr | GxPcall | GxPret | Ecall => self.jump,
            Csrrw | Csrrs | Csrrc | Csrrwi | Csrrsi | Csrrci => self.csr,
            LrW | ScW | AmoswapW | AmoaddW | AmoxorW | AmoandW | AmoorW | AmominW | AmomaxW | AmominuW | AmomaxuW | LrD | ScD
            | AmoswapD | AmoaddD | AmoxorD | AmoandD | AmoorD | AmominD | AmomaxD | AmominuD | AmomaxuD => self.amo,
            Fence | FenceI => self.fence,
            FmaddS | FmsubS | FnmsubS | FnmaddS | FmaddD | FmsubD | FnmsubD | FnmaddD => self.fp_fma,
            FdivS | FdivD => self.fp_div,
            FsqrtS | FsqrtD => self.fp_sqrt,
            FaddS | FsubS | FmulS | FminS | FmaxS | FcvtWS | FcvtWuS | FcvtLS | FcvtLuS | FcvtSW | FcvtSWu | FcvtSL
            | FcvtSLu | FeqS | FltS | FleS | FaddD | FsubD | FmulD | FminD | FmaxD | FcvtSD | FcvtDS | FcvtWD | FcvtWuD
            | FcvtLD | FcvtLuD | FcvtDW | FcvtDWu | FcvtDL | FcvtDLu | FeqD | FltD | FleD => self.fp,
            // gx.grant and gx.revoke issue like any ALU instruction; the grant-table
            // work (`grant`, and `revoke` per grant removed) is charged where it is done
            // (Machine::grant_as / revoke_as), the same for emulated and host callers.
            // Charging it here as well counted every gx.grant twice.
            _ => self.alu,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_round_trip_and_partial_files() {
        let m = CostModel::default();
        assert_eq!(CostModel::from_toml(&m.to_toml(), "x").unwrap(), m);
        let p = CostModel::from_toml("div = 40\n", "x").unwrap();
        assert_eq!(p.div, 40);
        assert_eq!(p.alu, 1);
        assert!(CostModel::from_toml("bogus = 1\n", "x").is_err());
        assert_eq!(m.of(Op::GxPcall), m.of(Op::Jal), "a portal call costs a call");
        assert_eq!(m.of(Op::GxPret), m.of(Op::Jalr));
    }
}
