//! Python bindings (`passivbot_rust`). Conversion and argument checking only: every behaviour
//! lives in the plain Rust modules that `cargo test` covers. Function names and argument order
//! follow passivbot v7.7's module so its tools and the golden vectors apply unchanged.

use pyo3::prelude::*;

mod backtest;
mod bundle;
mod candle_ema;
mod closes;
mod convert;
mod entries;
mod forager;
mod helpers;
mod live;
mod orchestrator;
mod risk;
mod smc;
mod trailing;

#[pymodule]
fn passivbot_rust(m: &Bound<'_, PyModule>) -> PyResult<()> {
    helpers::register(m)?;
    entries::register(m)?;
    closes::register(m)?;
    trailing::register(m)?;
    risk::register(m)?;
    forager::register(m)?;
    orchestrator::register(m)?;
    live::register(m)?;
    backtest::register(m)?;
    bundle::register(m)?;
    candle_ema::register(m)?;
    smc::register(m)?;
    Ok(())
}
