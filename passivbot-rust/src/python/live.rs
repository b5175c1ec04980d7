//! Bindings for the live order reconciliation.

use std::collections::{BTreeMap, BTreeSet};

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use serde::de::DeserializeOwned;

use super::convert::{from_json_value, to_json_value};
use crate::live::order_diff::{diff_orders, DiffInput, DiffParams, LiveOrder, RecentCreation};
use crate::orchestrator::input::Mode;
use crate::types::Pside;

fn parse<T: DeserializeOwned>(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<T> {
    let value = to_json_value(obj, name)?;
    serde_json::from_value(value)
        .map_err(|e| PyValueError::new_err(format!("diff_orders: {name}: {e}")))
}

/// Plan cancellations and creations from ideal vs open orders.
///
/// Orders are dicts `{symbol, side: "buy"|"sell", position_side: "long"|"short", qty (unsigned),
/// price, reduce_only?, order_type?, id?, custom_id?}`; `modes` maps `"SYMBOL"` to
/// `{"long": mode, "short": mode}` (modes as in the orchestrator); `recent_creations` is a list of
/// `{order, created_ms}`. Returns a dict with `to_cancel`, `to_create`, `deferred_cancels` and
/// `deferred_creates` (list of `[order, reason]`).
#[pyfunction]
#[pyo3(signature = (ideal, actual, market_prices, modes=None, recent_creations=None, state_changed_symbols=None, now_ms=0, params=None))]
#[allow(clippy::too_many_arguments)] // mirrors the live loop's inputs one to one
fn diff_orders_py<'py>(
    py: Python<'py>,
    ideal: &Bound<'py, PyAny>,
    actual: &Bound<'py, PyAny>,
    market_prices: &Bound<'py, PyAny>,
    modes: Option<&Bound<'py, PyAny>>,
    recent_creations: Option<&Bound<'py, PyAny>>,
    state_changed_symbols: Option<&Bound<'py, PyAny>>,
    now_ms: i64,
    params: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let ideal: Vec<LiveOrder> = parse(ideal, "ideal")?;
    let actual: Vec<LiveOrder> = parse(actual, "actual")?;
    let market_prices: BTreeMap<String, f64> = parse(market_prices, "market_prices")?;
    let modes_by_symbol: BTreeMap<String, BTreeMap<Pside, Option<Mode>>> = match modes {
        Some(m) => parse(m, "modes")?,
        None => BTreeMap::new(),
    };
    let mut modes = BTreeMap::new();
    for (symbol, sides) in modes_by_symbol {
        for (pside, mode) in sides {
            if let Some(mode) = mode {
                modes.insert((symbol.clone(), pside), mode);
            }
        }
    }
    let recent: Vec<RecentCreation> = match recent_creations {
        Some(r) => parse(r, "recent_creations")?,
        None => Vec::new(),
    };
    let changed: BTreeSet<String> = match state_changed_symbols {
        Some(s) => parse(s, "state_changed_symbols")?,
        None => BTreeSet::new(),
    };
    let params: DiffParams = match params {
        Some(p) => parse(p, "params")?,
        None => DiffParams::default(),
    };
    let diff = diff_orders(&DiffInput {
        ideal: &ideal,
        actual: &actual,
        modes: &modes,
        market_prices: &market_prices,
        recent_creations: &recent,
        state_changed_symbols: &changed,
        now_ms,
        params,
    });
    let value = serde_json::to_value(&diff).map_err(|e| PyValueError::new_err(e.to_string()))?;
    from_json_value(py, &value)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(diff_orders_py, m)?)?;
    m.add("diff_orders", m.getattr("diff_orders_py")?)?;
    Ok(())
}
