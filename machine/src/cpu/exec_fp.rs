//! F and D execution: every F/D opcode is a width and a width-free operation, and
//! one generic function executes the operation for either width.
//!
//! Only the loads and stores (whose access size is part of the opcode) and the two
//! conversions between the widths are spelled out per width.

use super::fp::{self, Rounding, Width, D, S};
use super::inst::{Inst, Op};
use crate::error::FaultKind;
use crate::hart::Hart;
use crate::machine::Machine;

/// An F or D operation with its width taken out.
#[derive(Clone, Copy)]
enum FOp {
    Madd,
    Msub,
    Nmsub,
    Nmadd,
    Add,
    Sub,
    Mul,
    Div,
    Sqrt,
    FromW,
    FromWu,
    FromL,
    FromLu,
    ToW,
    ToWu,
    ToL,
    ToLu,
    Sgnj,
    Sgnjn,
    Sgnjx,
    Min,
    Max,
    MvToX,
    MvFromX,
    Eq,
    Lt,
    Le,
    Class,
}

/// Which width an opcode works on.
#[derive(Clone, Copy)]
enum W {
    S,
    D,
}

/// The width and operation of an F/D opcode that is neither a load/store nor a
/// conversion between the widths.
#[inline(always)]
#[rustfmt::skip]
fn split(op: Op) -> Option<(W, FOp)> {
    use FOp::*;
    Some(match op {
        Op::FmaddS => (W::S, Madd), Op::FmaddD => (W::D, Madd),
        Op::FmsubS => (W::S, Msub), Op::FmsubD => (W::D, Msub),
        Op::FnmsubS => (W::S, Nmsub), Op::FnmsubD => (W::D, Nmsub),
        Op::FnmaddS => (W::S, Nmadd), Op::FnmaddD => (W::D, Nmadd),
        Op::FaddS => (W::S, Add), Op::FaddD => (W::D, Add),
        Op::FsubS => (W::S, Sub), Op::FsubD => (W::D, Sub),
        Op::FmulS => (W::S, Mul), Op::FmulD => (W::D, Mul),
        Op::FdivS => (W::S, Div), Op::FdivD => (W::D, Div),
        Op::FsqrtS => (W::S, Sqrt), Op::FsqrtD => (W::D, Sqrt),
        Op::FcvtSW => (W::S, FromW), Op::FcvtDW => (W::D, FromW),
        Op::FcvtSWu => (W::S, FromWu), Op::FcvtDWu => (W::D, FromWu),
        Op::FcvtSL => (W::S, FromL), Op::FcvtDL => (W::D, FromL),
        Op::FcvtSLu => (W::S, FromLu), Op::FcvtDLu => (W::D, FromLu),
        Op::FcvtWS => (W::S, ToW), Op::FcvtWD => (W::D, ToW),
        Op::FcvtWuS => (W::S, ToWu), Op::FcvtWuD => (W::D, ToWu),
        Op::FcvtLS => (W::S, ToL), Op::FcvtLD => (W::D, ToL),
        Op::FcvtLuS => (W::S, ToLu), Op::FcvtLuD => (W::D, ToLu),
        Op::FsgnjS => (W::S, Sgnj), Op::FsgnjD => (W::D, Sgnj),
        Op::FsgnjnS => (W::S, Sgnjn), Op::FsgnjnD => (W::D, Sgnjn),
        Op::FsgnjxS => (W::S, Sgnjx), Op::FsgnjxD => (W::D, Sgnjx),
        Op::FminS => (W::S, Min), Op::FminD => (W::D, Min),
        Op::FmaxS => (W::S, Max), Op::FmaxD => (W::D, Max),
        Op::FmvXW => (W::S, MvToX), Op::FmvXD => (W::D, MvToX),
        Op::FmvWX => (W::S, MvFromX), Op::FmvDX => (W::D, MvFromX),
        Op::FeqS => (W::S, Eq), Op::FeqD => (W::D, Eq),
        Op::FltS => (W::S, Lt), Op::FltD => (W::D, Lt),
        Op::FleS => (W::S, Le), Op::FleD => (W::D, Le),
        Op::FclassS => (W::S, Class), Op::FclassD => (W::D, Class),
        _ => return None,
    })
}

/// The rounding mode an instruction's `rm` field selects (7: fcsr.frm); 5, 6 and
/// an invalid frm make the instruction illegal.
#[inline(always)]
fn rounding(hart: &Hart, rm: u8) -> Result<Rounding, FaultKind> {
    let r = if rm == 7 { ((hart.ctx.fcsr >> 5) & 7) as u8 } else { rm };
    Rounding::from_bits(r).ok_or(FaultKind::Illegal { raw: 0 })
}

/// Where a result goes.
enum Out<B> {
    /// A `W` value into f[rd], NaN-boxed.
    F(B),
    /// A register image into f[rd] as it is.
    Reg(u64),
    /// An integer into x[rd].
    X(u64),
}

/// Executes `k` at width `W` on the hart's registers; `rs1` is x[rs1] for the
/// operations that read an integer. ORs the raised flags into `fl`.
#[inline(always)]
fn compute<Wd: Width>(hart: &mut Hart, i: Inst, k: FOp, rs1: u64, fl: &mut u8) -> Result<(), FaultKind> {
    let f = &hart.ctx.f;
    let r1 = f[i.rs1 as usize];
    let (a, b, c) = (fp::unbox::<Wd>(r1), fp::unbox::<Wd>(f[i.rs2 as usize]), fp::unbox::<Wd>(f[i.rs3 as usize]));
    // A word result (FCVT.W[U]) is sign-extended to 64 bits, the unsigned one too.
    let sext = |w: u32| w as i32 as i64 as u64;
    let out = match k {
        FOp::Madd => Out::F(fp::madd::<Wd>(a, b, c, rounding(hart, i.rm)?, fl)),
        FOp::Msub => Out::F(fp::msub::<Wd>(a, b, c, rounding(hart, i.rm)?, fl)),
        FOp::Nmsub => Out::F(fp::nmsub::<Wd>(a, b, c, rounding(hart, i.rm)?, fl)),
        FOp::Nmadd => Out::F(fp::nmadd::<Wd>(a, b, c, rounding(hart, i.rm)?, fl)),
        FOp::Add => Out::F(fp::add::<Wd>(a, b, rounding(hart, i.rm)?, fl)),
        FOp::Sub => Out::F(fp::sub::<Wd>(a, b, rounding(hart, i.rm)?, fl)),
        FOp::Mul => Out::F(fp::mul::<Wd>(a, b, rounding(hart, i.rm)?, fl)),
        FOp::Div => Out::F(fp::div::<Wd>(a, b, rounding(hart, i.rm)?, fl)),
        FOp::Sqrt => Out::F(fp::sqrt::<Wd>(a, rounding(hart, i.rm)?, fl)),
        FOp::FromW => Out::F(fp::from_i32::<Wd>(rs1 as i32, rounding(hart, i.rm)?, fl)),
        FOp::FromWu => Out::F(fp::from_u32::<Wd>(rs1 as u32, rounding(hart, i.rm)?, fl)),
        FOp::FromL => Out::F(fp::from_i64::<Wd>(rs1 as i64, rounding(hart, i.rm)?, fl)),
        FOp::FromLu => Out::F(fp::from_u64::<Wd>(rs1, rounding(hart, i.rm)?, fl)),
        FOp::ToW => Out::X(sext(fp::to_i32::<Wd>(a, rounding(hart, i.rm)?, fl))),
        FOp::ToWu => Out::X(sext(fp::to_u32::<Wd>(a, rounding(hart, i.rm)?, fl))),
        FOp::ToL => Out::X(fp::to_i64::<Wd>(a, rounding(hart, i.rm)?, fl)),
        FOp::ToLu => Out::X(fp::to_u64::<Wd>(a, rounding(hart, i.rm)?, fl)),
        FOp::Sgnj => Out::F(fp::sgnj::<Wd>(a, b)),
        FOp::Sgnjn => Out::F(fp::sgnjn::<Wd>(a, b)),
        FOp::Sgnjx => Out::F(fp::sgnjx::<Wd>(a, b)),
        FOp::Min => Out::F(fp::min::<Wd>(a, b, fl)),
        FOp::Max => Out::F(fp::max::<Wd>(a, b, fl)),
        FOp::MvToX => Out::X(fp::to_x::<Wd>(r1)),
        FOp::MvFromX => Out::Reg(fp::from_x::<Wd>(rs1)),
        FOp::Eq => Out::X(fp::eq::<Wd>(a, b, fl) as u64),
        FOp::Lt => Out::X(fp::lt::<Wd>(a, b, fl) as u64),
        FOp::Le => Out::X(fp::le::<Wd>(a, b, fl) as u64),
        FOp::Class => Out::X(fp::class::<Wd>(a)),
    };
    let rd = i.rd as usize;
    match out {
        Out::F(v) => hart.ctx.f[rd] = fp::boxed::<Wd>(v),
        Out::Reg(v) => hart.ctx.f[rd] = v,
        Out::X(v) => {
            if rd != 0 {
                hart.ctx.x[rd] = v;
            }
        }
    }
    Ok(())
}

impl Machine {
    /// Executes one F or D instruction (everything but the pc update); `rs1` is
    /// x[rs1] and `imm` the sign-extended offset of a load or store.
    pub(super) fn step_fp(&mut self, hart: &mut Hart, i: Inst, rs1: u64, imm: u64) -> Result<(), FaultKind> {
        let mut fflags = 0u8;
        let (rd, addr) = (i.rd as usize, rs1.wrapping_add(imm));
        match i.op {
            Op::Flw => {
                let v = self.load::<4>(hart, addr)?;
                hart.ctx.f[rd] = fp::load::<S>(u32::from_le_bytes(v));
            }
            Op::Fld => {
                let v = self.load::<8>(hart, addr)?;
                hart.ctx.f[rd] = fp::load::<D>(u64::from_le_bytes(v));
            }
            Op::Fsw => self.store::<4>(hart, addr, fp::store::<S>(hart.ctx.f[i.rs2 as usize]).to_le_bytes())?,
            Op::Fsd => self.store::<8>(hart, addr, fp::store::<D>(hart.ctx.f[i.rs2 as usize]).to_le_bytes())?,
            Op::FcvtSD => {
                let rm = rounding(hart, i.rm)?;
                let v = fp::d_to_s(hart.ctx.f[i.rs1 as usize], rm, &mut fflags);
                hart.ctx.f[rd] = fp::boxed::<S>(v);
            }
            Op::FcvtDS => {
                let v = fp::unbox::<S>(hart.ctx.f[i.rs1 as usize]);
                hart.ctx.f[rd] = fp::s_to_d(v, &mut fflags);
            }
            op => match split(op) {
                Some((W::S, k)) => compute::<S>(hart, i, k, rs1, &mut fflags)?,
                Some((W::D, k)) => compute::<D>(hart, i, k, rs1, &mut fflags)?,
                None => return Err(FaultKind::Illegal { raw: 0 }),
            },
        }
        if fflags != 0 {
            hart.ctx.fcsr |= fflags as u32;
        }
        Ok(())
    }
}
