//! The precision of the training passes, the one setting Part B, Part C and Question 2
//! share.

use serde::{Deserialize, Serialize};

use crate::train::Engine;

/// The precision of the training passes (hand-written or through the tape): `f32` in twice
/// the vector lanes, or `f64`, the reference. The weights are `f64` and updated in `f64` either way; a run's last
/// recorded loss is measured in `f64` on the weights saved beside it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// Single precision: the products and sweeps in twice the vector lanes. Every verdict
    /// and headline number of the study stays where the `f64` reference puts it
    /// (`docs/performance.md` has the comparison).
    #[default]
    F32,
    /// Double precision: the reference.
    F64,
}

impl Precision {
    /// The name in settings and records: `f32` or `f64`.
    pub fn name(self) -> &'static str {
        match self {
            Precision::F32 => "f32",
            Precision::F64 => "f64",
        }
    }

    /// The MLP gradient engine of this precision ([`Engine::HandWrittenF32`] or
    /// [`Engine::HandWritten`]).
    pub fn engine(self) -> Engine {
        match self {
            Precision::F32 => Engine::HandWrittenF32,
            Precision::F64 => Engine::HandWritten,
        }
    }

    /// The tape engine of this precision ([`Engine::TapeF32`] or [`Engine::Tape`]).
    pub fn tape(self) -> Engine {
        match self {
            Precision::F32 => Engine::TapeF32,
            Precision::F64 => Engine::Tape,
        }
    }
}
