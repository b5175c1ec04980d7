//! The orchestrator's output: ideal orders in execution-priority order plus non-fatal warnings.

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use crate::types::{OrderType, Pside};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IdealOrder {
    pub symbol_idx: usize,
    pub pside: Pside,
    /// Signed: buys positive, sells negative.
    pub qty: f64,
    pub price: f64,
    pub order_type: OrderType,
}

impl Serialize for IdealOrder {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("IdealOrder", 5)?;
        s.serialize_field("symbol_idx", &self.symbol_idx)?;
        s.serialize_field("pside", &self.pside)?;
        s.serialize_field("qty", &self.qty)?;
        s.serialize_field("price", &self.price)?;
        s.serialize_field("order_type", self.order_type.as_snake())?;
        s.end()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Warning {
    /// The side is disabled (TWEL ≤ 0 or n_positions 0) but holds a position: it is left alone.
    DisabledPsideHasPosition { symbol_idx: usize, pside: Pside },
    /// The market is not tradable but a position exists on it.
    NonTradableHasPosition { symbol_idx: usize, pside: Pside },
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Diagnostics {
    pub warnings: Vec<Warning>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OrchestratorOutput {
    pub orders: Vec<IdealOrder>,
    pub diagnostics: Diagnostics,
}
