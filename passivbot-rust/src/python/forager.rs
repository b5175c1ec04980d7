//! Bindings for forager coin selection (§9).

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use super::risk::map_dicts;
use crate::forager::{select_coin_indices, ForagerFeature};

#[pyfunction]
fn select_coin_indices_py(
    features: &Bound<'_, PyAny>,
    max_positions: i64,
    volume_drop_pct: f64,
    volatility_drop_pct: f64,
    require_forager: bool,
) -> PyResult<Vec<usize>> {
    const F: &str = "select_coin_indices_py";
    let features = map_dicts(F, "features", features, |d| {
        Ok(ForagerFeature {
            index: d.usize("index")?,
            enabled: d.bool("enabled")?,
            volume_score: d.f64("volume_score")?,
            volatility_score: d.f64("volatility_score")?,
        })
    })?;
    let max_positions = usize::try_from(max_positions).map_err(|_| {
        PyValueError::new_err(format!(
            "{F}: max_positions must be >= 0, got {max_positions}"
        ))
    })?;
    Ok(select_coin_indices(
        &features,
        max_positions,
        volume_drop_pct,
        volatility_drop_pct,
        require_forager,
    ))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(select_coin_indices_py, m)?)?;
    Ok(())
}
