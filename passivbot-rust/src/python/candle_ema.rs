//! EMAs over candle series for the live bot (`crate::candle_ema`): argument checks and
//! conversion only.

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::candle_ema::{self, CandleColumns, CandleMetric};

fn slice<'a>(a: &'a PyReadonlyArray1<'_, f64>, name: &str) -> PyResult<&'a [f64]> {
    a.as_slice()
        .map_err(|_| PyValueError::new_err(format!("{name} must be a contiguous float64 array")))
}

fn check_span(span: f64) -> PyResult<()> {
    if span.is_finite() && span > 0.0 {
        Ok(())
    } else {
        Err(PyValueError::new_err(format!(
            "span must be finite and > 0, got {span}"
        )))
    }
}

/// EMA after each value, `alpha = 2/(span+1)`, seeded with `seed` (default: the first value);
/// non-finite values repeat the previous EMA.
#[pyfunction]
#[pyo3(signature = (values, span, seed=None))]
fn ema_series<'py>(
    py: Python<'py>,
    values: PyReadonlyArray1<'py, f64>,
    span: f64,
    seed: Option<f64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    check_span(span)?;
    let v = slice(&values, "values")?;
    let seed = seed.unwrap_or_else(|| v.first().copied().unwrap_or(f64::NAN));
    Ok(candle_ema::ema_series(v, span, seed).into_pyarray(py))
}

/// Last value of `ema_series` (the seed for no values).
#[pyfunction]
#[pyo3(signature = (values, span, seed=None))]
fn ema_last(values: PyReadonlyArray1<'_, f64>, span: f64, seed: Option<f64>) -> PyResult<f64> {
    check_span(span)?;
    let v = slice(&values, "values")?;
    let seed = seed.unwrap_or_else(|| v.first().copied().unwrap_or(f64::NAN));
    Ok(candle_ema::ema_last(v, span, seed))
}

/// EMA of a candle metric (`close`, `volume`, `quote_volume`, `log_range`) after each candle,
/// seeded from the first candle as the backtest engine seeds a coin.
#[pyfunction]
fn candle_ema_series<'py>(
    py: Python<'py>,
    high: PyReadonlyArray1<'py, f64>,
    low: PyReadonlyArray1<'py, f64>,
    close: PyReadonlyArray1<'py, f64>,
    volume: PyReadonlyArray1<'py, f64>,
    metric: &str,
    span: f64,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    check_span(span)?;
    let metric = CandleMetric::parse(metric).map_err(PyValueError::new_err)?;
    let cols = CandleColumns {
        high: slice(&high, "high")?,
        low: slice(&low, "low")?,
        close: slice(&close, "close")?,
        volume: slice(&volume, "volume")?,
    };
    let out = candle_ema::candle_ema_series(&cols, metric, span).map_err(PyValueError::new_err)?;
    Ok(out.into_pyarray(py))
}

/// Last value of `candle_ema_series` (NaN for no candles).
#[pyfunction]
fn candle_ema_last(
    high: PyReadonlyArray1<'_, f64>,
    low: PyReadonlyArray1<'_, f64>,
    close: PyReadonlyArray1<'_, f64>,
    volume: PyReadonlyArray1<'_, f64>,
    metric: &str,
    span: f64,
) -> PyResult<f64> {
    check_span(span)?;
    let metric = CandleMetric::parse(metric).map_err(PyValueError::new_err)?;
    let cols = CandleColumns {
        high: slice(&high, "high")?,
        low: slice(&low, "low")?,
        close: slice(&close, "close")?,
        volume: slice(&volume, "volume")?,
    };
    candle_ema::candle_ema_last(&cols, metric, span).map_err(PyValueError::new_err)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(ema_series, m)?)?;
    m.add_function(wrap_pyfunction!(ema_last, m)?)?;
    m.add_function(wrap_pyfunction!(candle_ema_series, m)?)?;
    m.add_function(wrap_pyfunction!(candle_ema_last, m)?)?;
    Ok(())
}
