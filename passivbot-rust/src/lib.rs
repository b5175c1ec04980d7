//! Order logic, orchestrator, backtester and metrics of the market-making bot.
//!
//! Plain Rust modules hold every behaviour; `python` (feature `python`) only converts types.
//! The math reproduces passivbot v7.7 bit for bit (see `docs/ai/decisions.md` for the places
//! where we deliberately differ).

pub mod analysis;
pub mod backtest;
pub mod candle_ema;
pub mod forager;
pub mod live;
pub mod math;
pub mod orchestrator;
pub mod orders;
pub mod params_dict;
pub mod risk;
pub mod smc;
#[cfg(test)]
mod test_rng;
pub mod types;

#[cfg(feature = "python")]
mod python;
