//! Smart Money Concepts detection (`docs/ai/smc.md`).
//!
//! - [`compat`]: the `smartmoneyconcepts` 0.0.27 library reproduced exactly (look-ahead and
//!   quirks included) — for verification and charts, never for trading decisions.
//! - [`engine`]: the causal streaming engine — every event carries the bar at whose close it
//!   became known; batch output equals feeding bars one at a time.
//! - [`htf`]: closed higher-timeframe bars aggregated from 1m bars, stamped with when they became
//!   known.
//! - [`signal`]: the trade signal `{action, symbol, entry_price, confidence, stop_loss,
//!   take_profit}` as a pure function of the engine's snapshot.
//!
//! A per-minute gate builds on these: aggregate 1m bars with [`htf::Aggregator`], feed each
//! closed HTF bar to [`engine::Engine::update`] at its `known_ts`, and read
//! [`engine::Engine::snapshot`] (or [`signal::signal`]) for every minute until the next one.

pub mod compat;
pub mod engine;
pub mod gate;
pub mod htf;
pub mod signal;
pub mod util;
