//! Rounding, cost, exposure and order-type helpers.

use std::collections::BTreeMap;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::math;
use crate::types::{OrderType, Pside};

#[pyfunction]
fn round_(n: f64, step: f64) -> f64 {
    math::round_(n, step)
}

#[pyfunction]
fn round_up(n: f64, step: f64) -> f64 {
    math::round_up(n, step)
}

#[pyfunction]
fn round_dn(n: f64, step: f64) -> f64 {
    math::round_dn(n, step)
}

#[pyfunction]
fn round_dynamic(n: f64, d: i32) -> f64 {
    math::round_dynamic(n, d)
}

#[pyfunction]
fn round_dynamic_up(n: f64, d: i32) -> f64 {
    math::round_dynamic_up(n, d)
}

#[pyfunction]
fn round_dynamic_dn(n: f64, d: i32) -> f64 {
    math::round_dynamic_dn(n, d)
}

#[pyfunction]
fn calc_diff(x: f64, y: f64) -> f64 {
    math::calc_diff(x, y)
}

#[pyfunction]
fn qty_to_cost(qty: f64, price: f64, c_mult: f64) -> f64 {
    math::qty_to_cost(qty, price, c_mult)
}

#[pyfunction]
fn cost_to_qty(cost: f64, price: f64, c_mult: f64) -> f64 {
    math::cost_to_qty(cost, price, c_mult)
}

#[pyfunction]
fn calc_pnl_long(entry_price: f64, close_price: f64, qty: f64, c_mult: f64) -> f64 {
    math::calc_pnl_long(entry_price, close_price, qty, c_mult)
}

#[pyfunction]
fn calc_pnl_short(entry_price: f64, close_price: f64, qty: f64, c_mult: f64) -> f64 {
    math::calc_pnl_short(entry_price, close_price, qty, c_mult)
}

#[pyfunction]
fn calc_wallet_exposure(c_mult: f64, balance: f64, position_size: f64, position_price: f64) -> f64 {
    math::calc_wallet_exposure(c_mult, balance, position_size, position_price)
}

#[pyfunction]
fn calc_new_psize_pprice(
    psize: f64,
    pprice: f64,
    qty: f64,
    price: f64,
    qty_step: f64,
) -> (f64, f64) {
    math::calc_new_psize_pprice(psize, pprice, qty, price, qty_step)
}

#[pyfunction]
fn calc_auto_unstuck_allowance(
    balance: f64,
    loss_allowance_pct: f64,
    pnl_cumsum_max: f64,
    pnl_cumsum_last: f64,
) -> f64 {
    math::calc_auto_unstuck_allowance(balance, loss_allowance_pct, pnl_cumsum_max, pnl_cumsum_last)
}

#[pyfunction]
fn hysteresis(val: f64, prev_val: f64, pct: f64) -> f64 {
    math::hysteresis(val, prev_val, pct)
}

#[pyfunction]
fn calc_min_entry_qty_py(
    price: f64,
    c_mult: f64,
    qty_step: f64,
    min_qty: f64,
    min_cost: f64,
) -> f64 {
    let exchange = crate::types::ExchangeParams {
        qty_step,
        price_step: 0.0,
        min_qty,
        min_cost,
        c_mult,
    };
    math::calc_min_entry_qty(price, &exchange)
}

fn pside_from_int(pside: i64) -> PyResult<Pside> {
    match pside {
        0 => Ok(Pside::Long),
        1 => Ok(Pside::Short),
        _ => Err(PyValueError::new_err(format!(
            "invalid pside {pside}; expected 0 (long) or 1 (short)"
        ))),
    }
}

#[pyfunction]
fn calc_pprice_diff_int(pside: i64, pprice: f64, price: f64) -> PyResult<f64> {
    Ok(math::calc_pprice_diff(
        pside_from_int(pside)?,
        pprice,
        price,
    ))
}

#[pyfunction]
fn calc_order_price_diff(side: &str, order_price: f64, market_price: f64) -> PyResult<f64> {
    if !order_price.is_finite() || !market_price.is_finite() || market_price <= 0.0 {
        return Ok(0.0);
    }
    match side.trim().to_ascii_lowercase().as_str() {
        "buy" => Ok(math::order_price_diff_bid(order_price, market_price)),
        "sell" => Ok(math::order_price_diff_ask(order_price, market_price)),
        _ => Err(PyValueError::new_err(format!(
            "invalid order side '{side}'; expected 'buy' or 'sell'"
        ))),
    }
}

#[pyfunction]
fn order_type_id_to_snake(id: u16) -> PyResult<&'static str> {
    OrderType::from_id(id)
        .map(OrderType::as_snake)
        .ok_or_else(|| PyValueError::new_err("unknown order type id"))
}

#[pyfunction]
fn order_type_snake_to_id(name: &str) -> PyResult<u16> {
    OrderType::from_snake(name)
        .map(OrderType::id)
        .ok_or_else(|| PyValueError::new_err("unknown order type name"))
}

#[pyfunction]
fn all_order_types_ids() -> BTreeMap<u16, &'static str> {
    OrderType::ALL
        .iter()
        .map(|t| (t.id(), t.as_snake()))
        .collect()
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(round_, m)?)?;
    m.add_function(wrap_pyfunction!(round_up, m)?)?;
    m.add_function(wrap_pyfunction!(round_dn, m)?)?;
    m.add_function(wrap_pyfunction!(round_dynamic, m)?)?;
    m.add_function(wrap_pyfunction!(round_dynamic_up, m)?)?;
    m.add_function(wrap_pyfunction!(round_dynamic_dn, m)?)?;
    m.add_function(wrap_pyfunction!(calc_diff, m)?)?;
    m.add_function(wrap_pyfunction!(qty_to_cost, m)?)?;
    m.add_function(wrap_pyfunction!(cost_to_qty, m)?)?;
    m.add_function(wrap_pyfunction!(calc_pnl_long, m)?)?;
    m.add_function(wrap_pyfunction!(calc_pnl_short, m)?)?;
    m.add_function(wrap_pyfunction!(calc_wallet_exposure, m)?)?;
    m.add_function(wrap_pyfunction!(calc_new_psize_pprice, m)?)?;
    m.add_function(wrap_pyfunction!(calc_auto_unstuck_allowance, m)?)?;
    m.add_function(wrap_pyfunction!(hysteresis, m)?)?;
    m.add_function(wrap_pyfunction!(calc_min_entry_qty_py, m)?)?;
    m.add_function(wrap_pyfunction!(calc_pprice_diff_int, m)?)?;
    // The reference registers the same function under two more names.
    m.add(
        "calc_pside_price_diff_int",
        m.getattr("calc_pprice_diff_int")?,
    )?;
    m.add(
        "calc_price_diff_pside_int",
        m.getattr("calc_pprice_diff_int")?,
    )?;
    m.add_function(wrap_pyfunction!(calc_order_price_diff, m)?)?;
    m.add_function(wrap_pyfunction!(order_type_id_to_snake, m)?)?;
    m.add_function(wrap_pyfunction!(order_type_snake_to_id, m)?)?;
    m.add(
        "get_order_id_type_from_string",
        m.getattr("order_type_snake_to_id")?,
    )?;
    m.add_function(wrap_pyfunction!(all_order_types_ids, m)?)?;
    Ok(())
}
