//! Bindings for Smart Money Concepts (`crate::smc`): array conversion and argument checks only.
//! The Python package `src/smc/` builds DataFrames from these arrays.

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::smc::compat;

type Arr<'py> = PyReadonlyArray1<'py, f64>;
type Out<'py> = Bound<'py, PyArray1<f64>>;

fn value_error(msg: impl Into<String>) -> PyErr {
    PyValueError::new_err(msg.into())
}

/// Borrow a contiguous 1-D array, checking its length against the first column.
fn slice<'a, T: numpy::Element>(
    a: &'a PyReadonlyArray1<'_, T>,
    name: &str,
    n: Option<usize>,
) -> PyResult<&'a [T]> {
    let s = a
        .as_slice()
        .map_err(|_| value_error(format!("{name} must be a contiguous 1-D array")))?;
    if let Some(n) = n {
        if s.len() != n {
            return Err(value_error(format!(
                "{name} has {} values, expected {n}",
                s.len()
            )));
        }
    }
    Ok(s)
}

fn out<'py>(py: Python<'py>, v: Vec<f64>) -> Out<'py> {
    v.into_pyarray(py)
}

#[pyfunction]
fn smc_fvg<'py>(
    py: Python<'py>,
    open: Arr<'py>,
    high: Arr<'py>,
    low: Arr<'py>,
    close: Arr<'py>,
    join_consecutive: bool,
) -> PyResult<(Out<'py>, Out<'py>, Out<'py>, Out<'py>)> {
    let c = slice(&close, "close", None)?;
    let n = Some(c.len());
    let (o, h, l) = (
        slice(&open, "open", n)?,
        slice(&high, "high", n)?,
        slice(&low, "low", n)?,
    );
    let r = py.detach(|| compat::fvg(o, h, l, c, join_consecutive));
    Ok((
        out(py, r.fvg),
        out(py, r.top),
        out(py, r.bottom),
        out(py, r.mitigated_index),
    ))
}

#[pyfunction]
fn smc_swing_highs_lows<'py>(
    py: Python<'py>,
    high: Arr<'py>,
    low: Arr<'py>,
    swing_length: usize,
) -> PyResult<(Out<'py>, Out<'py>)> {
    let h = slice(&high, "high", None)?;
    let l = slice(&low, "low", Some(h.len()))?;
    if swing_length == 0 {
        return Err(value_error("swing_length must be >= 1"));
    }
    let r = py.detach(|| compat::swing_highs_lows(h, l, swing_length));
    Ok((out(py, r.high_low), out(py, r.level)))
}

#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn smc_bos_choch<'py>(
    py: Python<'py>,
    high: Arr<'py>,
    low: Arr<'py>,
    close: Arr<'py>,
    swing_high_low: Arr<'py>,
    swing_level: Arr<'py>,
    close_break: bool,
) -> PyResult<(Out<'py>, Out<'py>, Out<'py>, Out<'py>)> {
    let c = slice(&close, "close", None)?;
    let n = Some(c.len());
    let (h, l) = (slice(&high, "high", n)?, slice(&low, "low", n)?);
    let (sh, sl) = (
        slice(&swing_high_low, "HighLow", n)?,
        slice(&swing_level, "Level", n)?,
    );
    let r = py.detach(|| compat::bos_choch(h, l, c, sh, sl, close_break));
    Ok((
        out(py, r.bos),
        out(py, r.choch),
        out(py, r.level),
        out(py, r.broken_index),
    ))
}

#[pyfunction]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
fn smc_ob<'py>(
    py: Python<'py>,
    open: Arr<'py>,
    high: Arr<'py>,
    low: Arr<'py>,
    close: Arr<'py>,
    volume: Arr<'py>,
    swing_high_low: Arr<'py>,
    close_mitigation: bool,
) -> PyResult<(Out<'py>, Out<'py>, Out<'py>, Out<'py>, Out<'py>, Out<'py>)> {
    let c = slice(&close, "close", None)?;
    let n = Some(c.len());
    let (o, h, l) = (
        slice(&open, "open", n)?,
        slice(&high, "high", n)?,
        slice(&low, "low", n)?,
    );
    let (v, sh) = (
        slice(&volume, "volume", n)?,
        slice(&swing_high_low, "HighLow", n)?,
    );
    let r = py.detach(|| compat::ob(o, h, l, c, v, sh, close_mitigation));
    Ok((
        out(py, r.ob),
        out(py, r.top),
        out(py, r.bottom),
        out(py, r.ob_volume),
        out(py, r.mitigated_index),
        out(py, r.percentage),
    ))
}

#[pyfunction]
fn smc_liquidity<'py>(
    py: Python<'py>,
    high: Arr<'py>,
    low: Arr<'py>,
    swing_high_low: Arr<'py>,
    swing_level: Arr<'py>,
    range_percent: f64,
) -> PyResult<(Out<'py>, Out<'py>, Out<'py>, Out<'py>)> {
    let h = slice(&high, "high", None)?;
    let n = Some(h.len());
    let l = slice(&low, "low", n)?;
    let (sh, sl) = (
        slice(&swing_high_low, "HighLow", n)?,
        slice(&swing_level, "Level", n)?,
    );
    let r = py.detach(|| compat::liquidity(h, l, sh, sl, range_percent));
    Ok((
        out(py, r.liquidity),
        out(py, r.level),
        out(py, r.end),
        out(py, r.swept),
    ))
}

#[pyfunction]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
fn smc_previous_high_low<'py>(
    py: Python<'py>,
    ts_ns: PyReadonlyArray1<'py, i64>,
    open: Arr<'py>,
    high: Arr<'py>,
    low: Arr<'py>,
    close: Arr<'py>,
    time_frame: &str,
) -> PyResult<(
    Out<'py>,
    Out<'py>,
    Bound<'py, PyArray1<i32>>,
    Bound<'py, PyArray1<i32>>,
)> {
    let ts = slice(&ts_ns, "index", None)?;
    let n = Some(ts.len());
    let (o, h) = (slice(&open, "open", n)?, slice(&high, "high", n)?);
    let (l, c) = (slice(&low, "low", n)?, slice(&close, "close", n)?);
    if ts.windows(2).any(|w| w[1] < w[0]) {
        return Err(value_error(
            "previous_high_low: the index must be sorted ascending",
        ));
    }
    let tf = compat::TimeFrame::parse(time_frame).map_err(value_error)?;
    let r = py.detach(|| compat::previous_high_low(ts, o, h, l, c, tf));
    Ok((
        out(py, r.previous_high),
        out(py, r.previous_low),
        r.broken_high.into_pyarray(py),
        r.broken_low.into_pyarray(py),
    ))
}

#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn smc_sessions<'py>(
    py: Python<'py>,
    minute_of_day: PyReadonlyArray1<'py, u32>,
    high: Arr<'py>,
    low: Arr<'py>,
    session: &str,
    start_time: &str,
    end_time: &str,
) -> PyResult<(Bound<'py, PyArray1<i32>>, Out<'py>, Out<'py>)> {
    let m = slice(&minute_of_day, "minute_of_day", None)?;
    let n = Some(m.len());
    let (h, l) = (slice(&high, "high", n)?, slice(&low, "low", n)?);
    let (start, end) =
        compat::session_window(session, start_time, end_time).map_err(value_error)?;
    let r = py.detach(|| compat::sessions(m, h, l, start, end));
    Ok((r.active.into_pyarray(py), out(py, r.high), out(py, r.low)))
}

#[pyfunction]
fn smc_retracements<'py>(
    py: Python<'py>,
    high: Arr<'py>,
    low: Arr<'py>,
    swing_high_low: Arr<'py>,
    swing_level: Arr<'py>,
) -> PyResult<(Bound<'py, PyArray1<i32>>, Out<'py>, Out<'py>)> {
    let h = slice(&high, "high", None)?;
    let n = Some(h.len());
    let l = slice(&low, "low", n)?;
    let (sh, sl) = (
        slice(&swing_high_low, "HighLow", n)?,
        slice(&swing_level, "Level", n)?,
    );
    let r = py.detach(|| compat::retracements(h, l, sh, sl));
    Ok((
        r.direction.into_pyarray(py),
        out(py, r.current),
        out(py, r.deepest),
    ))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(smc_fvg, m)?)?;
    m.add_function(wrap_pyfunction!(smc_swing_highs_lows, m)?)?;
    m.add_function(wrap_pyfunction!(smc_bos_choch, m)?)?;
    m.add_function(wrap_pyfunction!(smc_ob, m)?)?;
    m.add_function(wrap_pyfunction!(smc_liquidity, m)?)?;
    m.add_function(wrap_pyfunction!(smc_previous_high_low, m)?)?;
    m.add_function(wrap_pyfunction!(smc_sessions, m)?)?;
    m.add_function(wrap_pyfunction!(smc_retracements, m)?)?;
    Ok(())
}
