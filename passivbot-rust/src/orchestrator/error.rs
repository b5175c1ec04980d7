//! Errors that make the whole orchestrator call fail (core spec §10.2).
//!
//! The `Debug` form matches the reference's error names, so messages read
//! `orchestrator compute_ideal_orders failed: MissingEma { symbol_idx: 0 }`; `Display` adds what
//! was wrong and what is allowed.

use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum OrchestratorError {
    NonFiniteInput {
        field: &'static str,
        symbol_idx: Option<usize>,
    },
    InvalidOrderBook {
        symbol_idx: usize,
    },
    NonContiguousSymbolIdx {
        pos: usize,
        symbol_idx: usize,
    },
    MissingEma {
        symbol_idx: usize,
    },
    /// Input the reference would have accepted and propagated as NaN or nonsense; we refuse it.
    InvalidInput {
        field: String,
        symbol_idx: Option<usize>,
        reason: String,
    },
}

impl fmt::Display for OrchestratorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "orchestrator compute_ideal_orders failed: ")?;
        match self {
            OrchestratorError::InvalidInput {
                field,
                symbol_idx,
                reason,
            } => {
                write!(
                    f,
                    "InvalidInput {{ field: {field:?}, symbol_idx: {symbol_idx:?} }}: {reason}"
                )
            }
            other => {
                write!(f, "{other:?}: ")?;
                match other {
                    OrchestratorError::NonFiniteInput { field, .. } => {
                        write!(f, "{field} must be finite (and, for EMA bands, > 0; for volatility, >= 0)")
                    }
                    OrchestratorError::InvalidOrderBook { .. } => {
                        write!(f, "bid and ask must be finite and > 0")
                    }
                    OrchestratorError::NonContiguousSymbolIdx { .. } => {
                        write!(f, "symbols[i].symbol_idx must equal i")
                    }
                    OrchestratorError::MissingEma { .. } => write!(
                        f,
                        "an EMA this symbol needs is missing: m1.close at ema_span_0, ema_span_1 and \
                         sqrt(ema_span_0*ema_span_1), and h1.log_range at entry_volatility_ema_span_hours when > 0"
                    ),
                    OrchestratorError::InvalidInput { .. } => unreachable!(),
                }
            }
        }
    }
}

impl std::error::Error for OrchestratorError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_starts_with_the_reference_form() {
        let e = OrchestratorError::NonFiniteInput {
            field: "ema_bands",
            symbol_idx: Some(0),
        };
        assert!(e
            .to_string()
            .starts_with("orchestrator compute_ideal_orders failed: NonFiniteInput { field: \"ema_bands\", symbol_idx: Some(0) }"));
    }
}
