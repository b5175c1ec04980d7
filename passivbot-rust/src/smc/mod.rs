//! Smart Money Concepts detection (`docs/ai/smc.md`).
//!
//! - [`compat`]: the `smartmoneyconcepts` 0.0.27 library reproduced exactly (look-ahead and
//!   quirks included) — for verification and charts, never for trading decisions.

pub mod compat;
pub mod util;
