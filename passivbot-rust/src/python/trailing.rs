//! Bindings for the trailing price bundle (§4).

use numpy::PyReadonlyArray1;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::orders::trailing::update_trailing_bundle;
use crate::types::TrailingBundle;

type BundleTuple = (f64, f64, f64, f64);

fn to_tuple(b: &TrailingBundle) -> BundleTuple {
    (
        b.min_since_open,
        b.max_since_min,
        b.max_since_open,
        b.min_since_max,
    )
}

/// A 1-D float64 NumPy array (any strides) or any sequence of numbers.
fn float_vec(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<Vec<f64>> {
    if let Ok(arr) = obj.extract::<PyReadonlyArray1<'_, f64>>() {
        return Ok(arr.as_array().iter().copied().collect());
    }
    obj.extract::<Vec<f64>>().map_err(|e| {
        PyValueError::new_err(format!(
            "update_trailing_bundle_py: {name} must be a 1-D float array: {e}"
        ))
    })
}

#[pyfunction]
fn trailing_bundle_default_py() -> BundleTuple {
    to_tuple(&TrailingBundle::default())
}

#[pyfunction]
#[pyo3(signature = (highs, lows, closes, bundle=None))]
fn update_trailing_bundle_py(
    highs: &Bound<'_, PyAny>,
    lows: &Bound<'_, PyAny>,
    closes: &Bound<'_, PyAny>,
    bundle: Option<Vec<f64>>,
) -> PyResult<BundleTuple> {
    let highs = float_vec(highs, "highs")?;
    let lows = float_vec(lows, "lows")?;
    let closes = float_vec(closes, "closes")?;
    if highs.len() != lows.len() || highs.len() != closes.len() {
        return Err(PyValueError::new_err(
            "highs, lows, and closes must have the same length",
        ));
    }
    let mut b = match bundle {
        None => TrailingBundle::default(),
        Some(v) => match v.as_slice() {
            &[min_since_open, max_since_min, max_since_open, min_since_max] => TrailingBundle {
                min_since_open,
                max_since_min,
                max_since_open,
                min_since_max,
            },
            _ => {
                return Err(PyValueError::new_err(format!(
                    "update_trailing_bundle_py: bundle must have 4 values \
                     (min_since_open, max_since_min, max_since_open, min_since_max), got {}",
                    v.len()
                )))
            }
        },
    };
    update_trailing_bundle(&mut b, &highs, &lows, &closes);
    Ok(to_tuple(&b))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(trailing_bundle_default_py, m)?)?;
    m.add_function(wrap_pyfunction!(update_trailing_bundle_py, m)?)?;
    Ok(())
}
