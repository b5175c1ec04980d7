//! `HlcvsBundle` and `run_backtest_bundle`: the reference's container of a prepared dataset
//! (candles, BTC/USD, timestamps, metadata) and the backtest entry point that takes it.

use numpy::{PyArray1, PyArray3, PyArrayMethods, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

#[pyclass(module = "passivbot_rust", frozen)]
pub struct HlcvsBundle {
    hlcvs: Py<PyArray3<f64>>,
    btc_usd: Py<PyArray1<f64>>,
    timestamps: Py<PyArray1<i64>>,
    meta: Py<PyDict>,
}

#[pymethods]
impl HlcvsBundle {
    /// `hlcvs` (minutes, coins, 4) float64, `btc_usd` (minutes,) float64, `timestamps` (minutes,)
    /// int64 ms, `meta` a dict (`coins`: list of per-coin dicts with at least `symbol`).
    #[new]
    fn new(
        hlcvs: Bound<'_, PyArray3<f64>>,
        btc_usd: Bound<'_, PyArray1<f64>>,
        timestamps: Bound<'_, PyArray1<i64>>,
        meta: Bound<'_, PyDict>,
    ) -> PyResult<Self> {
        let shape = hlcvs.shape().to_vec();
        if shape[2] != 4 {
            return Err(PyValueError::new_err(format!(
                "HlcvsBundle: hlcvs must have shape (minutes, coins, 4), got {shape:?}"
            )));
        }
        for (name, len) in [("btc_usd", btc_usd.len()), ("timestamps", timestamps.len())] {
            if len != shape[0] {
                return Err(PyValueError::new_err(format!(
                    "HlcvsBundle: {name} has {len} values; hlcvs has {} minutes",
                    shape[0]
                )));
            }
        }
        if let Some(coins) = meta.get_item("coins")? {
            let n = coins.len()?;
            if n != shape[1] {
                return Err(PyValueError::new_err(format!(
                    "HlcvsBundle: meta['coins'] lists {n} coins; hlcvs has {}",
                    shape[1]
                )));
            }
        }
        Ok(HlcvsBundle {
            hlcvs: hlcvs.unbind(),
            btc_usd: btc_usd.unbind(),
            timestamps: timestamps.unbind(),
            meta: meta.unbind(),
        })
    }

    #[getter]
    fn hlcvs(&self, py: Python<'_>) -> Py<PyArray3<f64>> {
        self.hlcvs.clone_ref(py)
    }

    #[getter]
    fn btc_usd(&self, py: Python<'_>) -> Py<PyArray1<f64>> {
        self.btc_usd.clone_ref(py)
    }

    #[getter]
    fn timestamps(&self, py: Python<'_>) -> Py<PyArray1<i64>> {
        self.timestamps.clone_ref(py)
    }

    #[getter]
    fn meta(&self, py: Python<'_>) -> Py<PyDict> {
        self.meta.clone_ref(py)
    }

    fn coins_len(&self, py: Python<'_>) -> usize {
        self.hlcvs.bind(py).shape()[1]
    }

    /// The metadata dict of the coin whose `symbol` (or `coin`) is `symbol`, or None.
    fn coin_meta<'py>(&self, py: Python<'py>, symbol: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some(coins) = self.meta.bind(py).get_item("coins")? else {
            return Ok(None);
        };
        let coins = coins
            .cast_into::<PyList>()
            .map_err(|_| PyValueError::new_err("meta['coins'] must be a list"))?;
        for item in coins.iter() {
            for key in ["symbol", "coin"] {
                // a missing key raises KeyError: treat as no match
                if let Ok(v) = item.get_item(key) {
                    if v.extract::<String>().is_ok_and(|s| s == symbol) {
                        return Ok(Some(item));
                    }
                }
            }
        }
        Ok(None)
    }
}

/// `run_backtest` on a bundle's arrays.
#[pyfunction]
#[pyo3(signature = (bundle, bot_params, exchange_params_list, backtest_params, progress=None))]
#[allow(clippy::type_complexity)]
fn run_backtest_bundle<'py>(
    py: Python<'py>,
    bundle: &Bound<'py, HlcvsBundle>,
    bot_params: &Bound<'py, PyAny>,
    exchange_params_list: &Bound<'py, PyAny>,
    backtest_params: &Bound<'py, PyAny>,
    progress: Option<Py<PyAny>>,
) -> PyResult<(Py<PyAny>, Py<PyAny>, Bound<'py, PyDict>, Bound<'py, PyDict>)> {
    let b = bundle.get();
    let hlcvs = b.hlcvs.bind(py).readonly();
    let btc = b.btc_usd.bind(py).readonly();
    super::backtest::run_backtest(
        py,
        hlcvs,
        btc,
        bot_params,
        exchange_params_list,
        backtest_params,
        progress,
    )
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<HlcvsBundle>()?;
    m.add_function(wrap_pyfunction!(run_backtest_bundle, m)?)?;
    Ok(())
}
