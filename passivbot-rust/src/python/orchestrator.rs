//! Bindings for the orchestrator: JSON in/out (the reference's call) and a typed variant.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use super::convert::to_json_value;
use crate::orchestrator::{self, OrchestratorInput, Warning};

/// JSON string in (§10.1 schema), JSON string out (`{"orders": [...], "diagnostics": {...}}`).
#[pyfunction]
fn compute_ideal_orders_json(py: Python<'_>, input_json: &str) -> PyResult<String> {
    let input = input_json.to_owned();
    py.detach(move || orchestrator::compute_ideal_orders_json(&input))
        .map_err(PyValueError::new_err)
}

/// One ideal order.
#[pyclass(frozen, get_all, module = "passivbot_rust")]
#[derive(Clone)]
pub struct IdealOrder {
    symbol_idx: usize,
    /// "long" or "short"
    pside: &'static str,
    /// signed: buys positive, sells negative
    qty: f64,
    price: f64,
    /// snake_case name, e.g. "entry_grid_normal_long"
    order_type: &'static str,
    order_type_id: u16,
    reduce_only: bool,
}

#[pymethods]
impl IdealOrder {
    fn __repr__(&self) -> String {
        format!(
            "IdealOrder(symbol_idx={}, pside='{}', qty={}, price={}, order_type='{}')",
            self.symbol_idx, self.pside, self.qty, self.price, self.order_type
        )
    }
}

/// Typed call: `input` is a dict with the same schema as the JSON call. Returns
/// `(orders: list[IdealOrder], warnings: list[tuple[kind, symbol_idx, pside]])`.
#[pyfunction]
#[allow(clippy::type_complexity)]
fn compute_ideal_orders(
    py: Python<'_>,
    input: &Bound<'_, PyAny>,
) -> PyResult<(Vec<IdealOrder>, Vec<(&'static str, usize, &'static str)>)> {
    let value = to_json_value(input, "input")?;
    let parsed: OrchestratorInput = serde_json::from_value(value)
        .map_err(|e| PyValueError::new_err(format!("failed to parse OrchestratorInput: {e}")))?;
    let output = py
        .detach(move || orchestrator::compute_ideal_orders(&parsed))
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    let orders = output
        .orders
        .iter()
        .map(|o| IdealOrder {
            symbol_idx: o.symbol_idx,
            pside: o.pside.as_str(),
            qty: o.qty,
            price: o.price,
            order_type: o.order_type.as_snake(),
            order_type_id: o.order_type.id(),
            reduce_only: o.order_type.is_close(),
        })
        .collect();
    let warnings = output
        .diagnostics
        .warnings
        .iter()
        .map(|w| match *w {
            Warning::DisabledPsideHasPosition { symbol_idx, pside } => {
                ("disabled_pside_has_position", symbol_idx, pside.as_str())
            }
            Warning::NonTradableHasPosition { symbol_idx, pside } => {
                ("non_tradable_has_position", symbol_idx, pside.as_str())
            }
        })
        .collect();
    Ok((orders, warnings))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<IdealOrder>()?;
    m.add_function(wrap_pyfunction!(compute_ideal_orders_json, m)?)?;
    m.add_function(wrap_pyfunction!(compute_ideal_orders, m)?)?;
    Ok(())
}
