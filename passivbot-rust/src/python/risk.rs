//! Bindings for the portfolio risk controls (§8): TWEL enforcer, legacy TWEL gate, unstuck.
//! Also holds the small dict-reading helpers the forager binding shares.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::risk::legacy_twel_gate::gate_entries_by_twel_legacy;
use crate::risk::twel_enforcer::{calc_twel_enforcer_orders, TwelEnforcerPosition};
use crate::risk::twel_gate::{GateEntry, GatePosition};
use crate::risk::unstuck::{calc_unstucking_close, UnstuckPosition};
use crate::types::{ExchangeParams, Order, OrderType, Pside};

/// One `dict` element of a list argument, with its location for error messages.
pub(super) struct Item<'a, 'py> {
    dict: &'a Bound<'py, PyDict>,
    func: &'static str,
    arg: &'static str,
    i: usize,
}

impl<'py> Item<'_, 'py> {
    fn value(&self, key: &str) -> PyResult<Bound<'py, PyAny>> {
        self.dict.get_item(key)?.ok_or_else(|| {
            PyValueError::new_err(format!(
                "{}: {}[{}] is missing '{key}'",
                self.func, self.arg, self.i
            ))
        })
    }

    fn typed<T: for<'a> FromPyObject<'a, 'py>>(&self, key: &str, what: &str) -> PyResult<T> {
        self.value(key)?.extract::<T>().map_err(|_| {
            PyValueError::new_err(format!(
                "{}: {}[{}]['{key}'] must be {what}",
                self.func, self.arg, self.i
            ))
        })
    }

    pub(super) fn f64(&self, key: &str) -> PyResult<f64> {
        self.typed::<f64>(key, "a number")
    }

    pub(super) fn usize(&self, key: &str) -> PyResult<usize> {
        self.typed::<usize>(key, "a non-negative integer")
    }

    pub(super) fn bool(&self, key: &str) -> PyResult<bool> {
        self.typed::<bool>(key, "a bool")
    }

    fn side(&self, key: &str) -> PyResult<Pside> {
        let s: String = self.typed(key, "a string")?;
        parse_side(&s).map_err(|_| {
            PyValueError::new_err(format!(
                "{}: {}[{}]['{key}'] = {s:?} is not a side; expected 'long' or 'short'",
                self.func, self.arg, self.i
            ))
        })
    }

    fn exchange(&self, with_price_step: bool) -> PyResult<ExchangeParams> {
        Ok(ExchangeParams {
            qty_step: self.f64("qty_step")?,
            price_step: if with_price_step {
                self.f64("price_step")?
            } else {
                0.0
            },
            min_qty: self.f64("min_qty")?,
            min_cost: self.f64("min_cost")?,
            c_mult: self.f64("c_mult")?,
        })
    }
}

/// Applies `f` to every dict of a list (or any non-string iterable) argument.
pub(super) fn map_dicts<'py, T>(
    func: &'static str,
    arg: &'static str,
    list: &Bound<'py, PyAny>,
    mut f: impl FnMut(&Item<'_, 'py>) -> PyResult<T>,
) -> PyResult<Vec<T>> {
    let not_a_list = || PyValueError::new_err(format!("{func}: {arg} must be a list of dicts"));
    if list.is_instance_of::<PyString>() || list.is_instance_of::<PyDict>() {
        return Err(not_a_list());
    }
    let mut out = Vec::new();
    for (i, obj) in list.try_iter().map_err(|_| not_a_list())?.enumerate() {
        let obj = obj?;
        let dict = obj
            .cast::<PyDict>()
            .map_err(|_| PyValueError::new_err(format!("{func}: {arg}[{i}] must be a dict")))?;
        out.push(f(&Item { dict, func, arg, i })?);
    }
    Ok(out)
}

fn parse_side(side: &str) -> Result<Pside, ()> {
    match side.trim().to_ascii_lowercase().as_str() {
        "long" => Ok(Pside::Long),
        "short" => Ok(Pside::Short),
        _ => Err(()),
    }
}

fn side_arg(func: &str, side: &str) -> PyResult<Pside> {
    parse_side(side).map_err(|_| {
        PyValueError::new_err(format!(
            "{func}: invalid side {side:?}; expected 'long' or 'short'"
        ))
    })
}

type OrderTuple = (usize, f64, f64, u16);
/// `(idx, side 0 long / 1 short, qty, price, order type id)`.
type UnstuckTuple = (usize, u8, f64, f64, u16);

fn order_tuples(orders: Vec<(usize, Order)>) -> Vec<OrderTuple> {
    orders
        .into_iter()
        .map(|(idx, o)| (idx, o.qty, o.price, o.order_type.id()))
        .collect()
}

#[pyfunction]
#[pyo3(signature = (side, threshold, total_wallet_exposure_limit, effective_n_positions, balance, positions, skip_idx=None))]
#[allow(clippy::too_many_arguments)]
fn calc_twel_enforcer_orders_py(
    side: &str,
    threshold: f64,
    total_wallet_exposure_limit: f64,
    effective_n_positions: i64,
    balance: f64,
    positions: &Bound<'_, PyAny>,
    skip_idx: Option<usize>,
) -> PyResult<Vec<OrderTuple>> {
    const F: &str = "calc_twel_enforcer_orders_py";
    let pside = side_arg(F, side)?;
    let effective_n_positions = usize::try_from(effective_n_positions).map_err(|_| {
        PyValueError::new_err(format!(
            "{F}: effective_n_positions must be >= 0, got {effective_n_positions}"
        ))
    })?;
    let positions = map_dicts(F, "positions", positions, |d| {
        Ok(TwelEnforcerPosition {
            idx: d.usize("idx")?,
            position_size: d.f64("position_size")?,
            position_price: d.f64("position_price")?,
            market_price: d.f64("market_price")?,
            base_wallet_exposure_limit: d.f64("base_wallet_exposure_limit")?,
            exchange: d.exchange(true)?,
        })
    })?;
    let orders = calc_twel_enforcer_orders(
        pside,
        threshold,
        total_wallet_exposure_limit,
        effective_n_positions,
        balance,
        &positions,
        skip_idx,
    );
    Ok(order_tuples(orders))
}

#[pyfunction]
fn gate_entries_by_twel_py(
    side: &str,
    balance: f64,
    total_wallet_exposure_limit: f64,
    positions: &Bound<'_, PyAny>,
    entries: &Bound<'_, PyAny>,
) -> PyResult<Vec<OrderTuple>> {
    const F: &str = "gate_entries_by_twel_py";
    let pside = side_arg(F, side)?;
    let positions = map_dicts(F, "positions", positions, |d| {
        Ok(GatePosition {
            idx: d.usize("idx")?,
            size: d.f64("position_size")?,
            price: d.f64("position_price")?,
            c_mult: d.f64("c_mult")?,
        })
    })?;
    let entries = map_dicts(F, "entries", entries, |d| {
        let type_id: u16 = d.typed("order_type_id", "an order type id")?;
        let order_type = OrderType::from_id(type_id).ok_or_else(|| {
            PyValueError::new_err(format!(
                "{F}: entries[{}]['order_type_id'] = {type_id} is unknown",
                d.i
            ))
        })?;
        Ok(GateEntry {
            idx: d.usize("idx")?,
            order: Order::new(d.f64("qty")?, d.f64("price")?, order_type),
            exchange: d.exchange(false)?,
            market_price: d.f64("market_price")?,
        })
    })?;
    let gated = gate_entries_by_twel_legacy(
        pside,
        balance,
        total_wallet_exposure_limit,
        &positions,
        &entries,
    );
    Ok(order_tuples(gated))
}

#[pyfunction]
fn calc_unstucking_close_py(
    balance: f64,
    allowance_long: f64,
    allowance_short: f64,
    positions: &Bound<'_, PyAny>,
) -> PyResult<Option<UnstuckTuple>> {
    const F: &str = "calc_unstucking_close_py";
    let positions = map_dicts(F, "positions", positions, |d| {
        Ok(UnstuckPosition {
            idx: d.usize("idx")?,
            pside: d.side("side")?,
            position_size: d.f64("position_size")?,
            position_price: d.f64("position_price")?,
            wallet_exposure_limit: d.f64("wallet_exposure_limit")?,
            risk_we_excess_allowance_pct: d.f64("risk_we_excess_allowance_pct")?,
            unstuck_threshold: d.f64("unstuck_threshold")?,
            unstuck_close_pct: d.f64("unstuck_close_pct")?,
            unstuck_ema_dist: d.f64("unstuck_ema_dist")?,
            ema_band_upper: d.f64("ema_band_upper")?,
            ema_band_lower: d.f64("ema_band_lower")?,
            current_price: d.f64("current_price")?,
            exchange: d.exchange(true)?,
        })
    })?;
    let chosen = calc_unstucking_close(balance, allowance_long, allowance_short, &positions);
    Ok(chosen.map(|(idx, pside, o)| (idx, pside.index() as u8, o.qty, o.price, o.order_type.id())))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(calc_twel_enforcer_orders_py, m)?)?;
    m.add_function(wrap_pyfunction!(gate_entries_by_twel_py, m)?)?;
    m.add_function(wrap_pyfunction!(calc_unstucking_close_py, m)?)?;
    Ok(())
}
