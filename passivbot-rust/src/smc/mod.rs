//! Smart Money Concepts detection (`docs/ai/smc.md`).
//!
//! - [`compat`]: the `smartmoneyconcepts` 0.0.27 library reproduced exactly (look-ahead and
//!   quirks included) — for verification and charts, never for trading decisions.
//! - [`engine`]: the causal streaming engine — every event carries the bar at whose close it
//!   became known; batch output equals feeding bars one at a time.

pub mod compat;
pub mod engine;
pub mod util;
