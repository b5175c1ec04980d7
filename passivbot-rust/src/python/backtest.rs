//! Bindings for the backtester: `run_backtest(hlcvs, btc_usd, bot_params, exchange_params_list,
//! backtest_params)` with the reference's signature and return shape.

use numpy::{PyArray2, PyReadonlyArray1, PyReadonlyArray3, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use super::convert::to_json_value;
use crate::analysis::{self, Analysis};
use crate::backtest::{self, BacktestParams, Hlcvs};
use crate::params_dict::{bot_params_pair_from_value, exchange_params_from_value};
use crate::types::{BotParamsPair, ExchangeParams};

fn value_error(msg: impl Into<String>) -> PyErr {
    PyValueError::new_err(msg.into())
}

fn parse_list<T>(
    obj: &Bound<'_, PyAny>,
    name: &str,
    parse: fn(&serde_json::Value, &str) -> Result<T, String>,
) -> PyResult<Vec<T>> {
    let list = obj
        .cast::<PyList>()
        .map_err(|_| value_error(format!("{name} must be a list of dicts")))?;
    let mut out = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let path = format!("{name}[{i}]");
        let value = to_json_value(&item, &path)?;
        out.push(parse(&value, &path).map_err(value_error)?);
    }
    Ok(out)
}

/// Analysis dict as the reference returns it: non-finite metrics become `None`.
fn analysis_dict<'py>(py: Python<'py>, a: &Analysis) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for (key, value) in a.to_pairs() {
        if value.is_finite() {
            d.set_item(key, value)?;
        } else {
            d.set_item(key, py.None())?;
        }
    }
    Ok(d)
}

/// Run a backtest. `hlcvs` is a C-contiguous float64 array `(minutes, coins, 4)` of high, low,
/// close, volume (read in place, not copied); `btc_usd` the BTC price per minute. Returns
/// `(fills, equities, analysis_usd, analysis_btc)`: fills an object array `(n, 18)`, equities a
/// float64 array `(n, 4)` of `[timestamp_ms, usd_equity, btc_equity, usd_total_balance]` (the
/// reference's three columns plus the balance; both `None` with
/// `metrics_only`). `progress`, if given, is called as `progress(minute, n_minutes)`.
#[pyfunction]
#[pyo3(signature = (hlcvs, btc_usd, bot_params, exchange_params_list, backtest_params, progress=None))]
#[allow(clippy::type_complexity)]
pub(super) fn run_backtest<'py>(
    py: Python<'py>,
    hlcvs: PyReadonlyArray3<'py, f64>,
    btc_usd: PyReadonlyArray1<'py, f64>,
    bot_params: &Bound<'py, PyAny>,
    exchange_params_list: &Bound<'py, PyAny>,
    backtest_params: &Bound<'py, PyAny>,
    progress: Option<Py<PyAny>>,
) -> PyResult<(Py<PyAny>, Py<PyAny>, Bound<'py, PyDict>, Bound<'py, PyDict>)> {
    let bot: Vec<BotParamsPair> = parse_list(bot_params, "bot_params", bot_params_pair_from_value)?;
    let exchange: Vec<ExchangeParams> = parse_list(
        exchange_params_list,
        "exchange_params_list",
        exchange_params_from_value,
    )?;
    let params_value = to_json_value(backtest_params, "backtest_params")?;
    let params: BacktestParams = serde_json::from_value(params_value)
        .map_err(|e| value_error(format!("backtest_params: {e}")))?;
    let shape = hlcvs.shape().to_vec();
    if shape.len() != 3 || shape[2] != 4 {
        return Err(value_error(format!(
            "hlcvs must have shape (minutes, coins, 4), got {shape:?}"
        )));
    }
    // as_slice() also accepts Fortran order, which would be read in the wrong element order
    if !hlcvs.is_c_contiguous() {
        return Err(value_error(
            "hlcvs must be C-contiguous (use numpy.ascontiguousarray)",
        ));
    }
    let data = hlcvs
        .as_slice()
        .map_err(|_| value_error("hlcvs must be C-contiguous (use numpy.ascontiguousarray)"))?;
    let btc = btc_usd
        .as_slice()
        .map_err(|_| value_error("btc_usd must be a contiguous 1-D float64 array"))?;
    let view = Hlcvs::new(data, shape[0], shape[1]).map_err(value_error)?;

    let result = py.detach(|| {
        let report = |k: usize, n: usize| {
            if let Some(cb) = &progress {
                Python::attach(|py| {
                    let _ = cb.call1(py, (k, n));
                });
            }
        };
        backtest::run_backtest(view, btc, &bot, &exchange, &params, report)
    });
    let out = result.map_err(value_error)?;

    let (fills, equities) = if params.metrics_only {
        (py.None(), py.None())
    } else {
        let names = &params.coins;
        let rows = PyList::empty(py);
        for f in &out.fills {
            let coin = names
                .get(f.coin_idx)
                .cloned()
                .unwrap_or_else(|| f.coin_idx.to_string());
            let row = PyList::empty(py);
            row.append(f.index)?;
            row.append(f.timestamp_ms)?;
            row.append(coin)?;
            for v in [
                f.pnl,
                f.fee_paid,
                f.usd_total_balance,
                f.btc_cash_wallet,
                f.usd_cash_wallet,
                f.btc_price,
            ] {
                row.append(v)?;
            }
            for v in [f.qty, f.price, f.psize, f.pprice] {
                row.append(v)?;
            }
            row.append(f.order_type.as_snake())?;
            for v in [f.wallet_exposure, f.twe_long, f.twe_short, f.twe_net] {
                row.append(v)?;
            }
            rows.append(row)?;
        }
        let np = py.import("numpy")?;
        let kwargs = PyDict::new(py);
        kwargs.set_item("dtype", py.import("builtins")?.getattr("object")?)?;
        let fills = if out.fills.is_empty() {
            np.call_method("empty", ((0, 18),), Some(&kwargs))?
        } else {
            np.call_method("array", (rows,), Some(&kwargs))?
        };
        let eq: Vec<Vec<f64>> = out.equity.iter().map(|r| r.to_vec()).collect();
        let equities = if eq.is_empty() {
            numpy::PyArray2::<f64>::zeros(py, [0, 4], false).into_any()
        } else {
            PyArray2::from_vec2(py, &eq)
                .map_err(|e| value_error(e.to_string()))?
                .into_any()
        };
        (fills.unbind(), equities.unbind())
    };
    Ok((
        fills,
        equities,
        analysis_dict(py, &out.analysis_usd)?,
        analysis_dict(py, &out.analysis_btc)?,
    ))
}

/// The backtester's fill rule: does a resting order (signed `qty`, limit `price`) fill during a
/// candle with this `high` and `low`? Buys need `low < price`, sells `high > price`.
#[pyfunction]
fn order_fills(qty: f64, price: f64, high: f64, low: f64) -> bool {
    crate::backtest::fill_rule::order_fills(qty, price, high, low)
}

/// `{loss_profit_ratio_long, loss_profit_ratio_short, pnl_ratio_long_short}` of fills given as
/// their PnL and whether each is a long fill (None where undefined, see `SidePnlRatios`).
#[pyfunction]
fn side_pnl_ratios<'py>(
    py: Python<'py>,
    pnl: PyReadonlyArray1<'py, f64>,
    is_long: PyReadonlyArray1<'py, bool>,
) -> PyResult<Bound<'py, PyDict>> {
    let (pnl, is_long) = (pnl.as_slice()?, is_long.as_slice()?);
    if pnl.len() != is_long.len() {
        return Err(value_error(format!(
            "pnl has {} values and is_long {}; expected one of each per fill",
            pnl.len(),
            is_long.len()
        )));
    }
    let r = analysis::side_pnl_ratios(pnl, is_long);
    let d = PyDict::new(py);
    d.set_item("loss_profit_ratio_long", r.loss_profit_ratio_long)?;
    d.set_item("loss_profit_ratio_short", r.loss_profit_ratio_short)?;
    d.set_item("pnl_ratio_long_short", r.pnl_ratio_long_short)?;
    Ok(d)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(run_backtest, m)?)?;
    m.add_function(wrap_pyfunction!(side_pnl_ratios, m)?)?;
    m.add_function(wrap_pyfunction!(order_fills, m)?)?;
    Ok(())
}
