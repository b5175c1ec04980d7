//! Bindings for Smart Money Concepts (`crate::smc`): array conversion and argument checks only.
//! The Python package `src/smc/` builds DataFrames from these arrays.

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use super::convert::{from_json_value, to_json_value};
use crate::smc::engine::{Bar, Engine, EngineParams, Event, EventKind, Scale, NO_ID};
use crate::smc::signal::{signal, SignalParams};
use crate::smc::{compat, htf};

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

/// One numpy column: a field of every item.
fn column<'py, T, E: numpy::Element>(
    py: Python<'py>,
    items: &[T],
    field: impl Fn(&T) -> E,
) -> Bound<'py, PyArray1<E>> {
    items.iter().map(field).collect::<Vec<E>>().into_pyarray(py)
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

/// Parse an optional params dict into a serde struct with defaults; unknown keys are errors.
fn params_from<T: serde::de::DeserializeOwned + Default>(
    obj: Option<&Bound<'_, PyAny>>,
    what: &str,
) -> PyResult<T> {
    match obj {
        None => Ok(T::default()),
        Some(o) if o.is_none() => Ok(T::default()),
        Some(o) => {
            let v = to_json_value(o, what)?;
            serde_json::from_value(v).map_err(|e| value_error(format!("{what}: {e}")))
        }
    }
}

fn to_py<'py, T: serde::Serialize>(py: Python<'py>, v: &T) -> PyResult<Bound<'py, PyAny>> {
    let json = serde_json::to_value(v).map_err(|e| value_error(e.to_string()))?;
    from_json_value(py, &json)
}

fn id_col(v: u32) -> i64 {
    if v == NO_ID {
        -1
    } else {
        v as i64
    }
}

/// Events as a dict of equal-length numpy columns (kind and scale as small integer codes, see
/// `smc_event_names`; ids -1 for none).
fn events_dict<'py>(py: Python<'py>, events: &[Event]) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("kind", column(py, events, |e| e.kind as u8))?;
    d.set_item("dir", column(py, events, |e| e.dir))?;
    d.set_item("scale", column(py, events, |e| e.scale as u8))?;
    d.set_item("id", column(py, events, |e| id_col(e.id)))?;
    d.set_item("ref_id", column(py, events, |e| id_col(e.ref_id)))?;
    d.set_item("anchor", column(py, events, |e| e.anchor as i64))?;
    d.set_item("known", column(py, events, |e| e.known as i64))?;
    d.set_item("level", column(py, events, |e| e.level))?;
    d.set_item("top", column(py, events, |e| e.top))?;
    d.set_item("bottom", column(py, events, |e| e.bottom))?;
    d.set_item("volume", column(py, events, |e| e.volume))?;
    Ok(d)
}

/// `(event kind names, scale names)` indexed by the codes in the event columns.
#[pyfunction]
fn smc_event_names<'py>(py: Python<'py>) -> PyResult<(Bound<'py, PyList>, Bound<'py, PyList>)> {
    let kinds: Vec<&str> = EventKind::ALL.iter().map(|k| k.name()).collect();
    let scales: Vec<&str> = Scale::ALL.iter().map(|s| s.name()).collect();
    Ok((PyList::new(py, kinds)?, PyList::new(py, scales)?))
}

/// The causal SMC engine (`crate::smc::engine`): feed closed bars in time order; every event
/// carries the index of the bar at whose close it became known.
#[pyclass(module = "passivbot_rust")]
pub struct SmcEngine {
    engine: Engine,
}

#[pymethods]
impl SmcEngine {
    #[new]
    #[pyo3(signature = (params=None))]
    fn new(params: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let p: EngineParams = params_from(params, "smc params")?;
        Ok(SmcEngine {
            engine: Engine::new(p).map_err(value_error)?,
        })
    }

    /// Bars processed so far.
    #[getter]
    fn bars(&self) -> usize {
        self.engine.bars()
    }

    /// The effective parameters (defaults filled in).
    fn params<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, self.engine.params())
    }

    /// Feed many bars (arrays; `ts` int64 ms open times); returns the events they produced as a
    /// dict of columns. Identical to feeding them one at a time.
    #[allow(clippy::too_many_arguments)]
    fn feed<'py>(
        &mut self,
        py: Python<'py>,
        ts: PyReadonlyArray1<'py, i64>,
        open: Arr<'py>,
        high: Arr<'py>,
        low: Arr<'py>,
        close: Arr<'py>,
        volume: Arr<'py>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let t = slice(&ts, "ts", None)?;
        let n = Some(t.len());
        let (o, h, l) = (
            slice(&open, "open", n)?,
            slice(&high, "high", n)?,
            slice(&low, "low", n)?,
        );
        let (c, v) = (slice(&close, "close", n)?, slice(&volume, "volume", n)?);
        let engine = &mut self.engine;
        let events = py
            .detach(|| {
                let mut events = Vec::new();
                for i in 0..t.len() {
                    let bar = Bar {
                        ts: t[i],
                        open: o[i],
                        high: h[i],
                        low: l[i],
                        close: c[i],
                        volume: v[i],
                    };
                    engine.update(bar, &mut events)?;
                }
                Ok::<_, String>(events)
            })
            .map_err(value_error)?;
        events_dict(py, &events)
    }

    /// Feed one bar; returns its events as a dict of columns.
    #[allow(clippy::too_many_arguments)]
    fn update<'py>(
        &mut self,
        py: Python<'py>,
        ts: i64,
        open: f64,
        high: f64,
        low: f64,
        close: f64,
        volume: f64,
    ) -> PyResult<Bound<'py, PyDict>> {
        let mut events = Vec::new();
        self.engine
            .update(
                Bar {
                    ts,
                    open,
                    high,
                    low,
                    close,
                    volume,
                },
                &mut events,
            )
            .map_err(value_error)?;
        events_dict(py, &events)
    }

    /// Everything the engine knows now (trends, last pivots and breaks, zone, live OBs, FVGs,
    /// pools, last sweeps, previous day/week levels); NaN values come back as None.
    fn snapshot<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.engine.snapshot())
    }

    /// The trade signal `{action, symbol, entry_price, confidence, stop_loss, take_profit,
    /// setup, known}` from the current state (`crate::smc::signal`).
    #[pyo3(signature = (symbol, params=None))]
    fn signal<'py>(
        &self,
        py: Python<'py>,
        symbol: &str,
        params: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let p: SignalParams = params_from(params, "signal params")?;
        to_py(py, &signal(&self.engine.snapshot(), symbol, &p))
    }
}

/// Closed higher-timeframe bars from 1m columns: dict of `ts, open, high, low, close, volume,
/// known_ts, minutes` (`crate::smc::htf`).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn smc_aggregate<'py>(
    py: Python<'py>,
    ts: PyReadonlyArray1<'py, i64>,
    open: Arr<'py>,
    high: Arr<'py>,
    low: Arr<'py>,
    close: Arr<'py>,
    volume: Arr<'py>,
    minutes: u32,
) -> PyResult<Bound<'py, PyDict>> {
    let t = slice(&ts, "ts", None)?;
    let n = Some(t.len());
    let (o, h, l) = (
        slice(&open, "open", n)?,
        slice(&high, "high", n)?,
        slice(&low, "low", n)?,
    );
    let (c, v) = (slice(&close, "close", n)?, slice(&volume, "volume", n)?);
    let bars = py
        .detach(|| htf::aggregate(t, o, h, l, c, v, minutes))
        .map_err(value_error)?;
    let d = PyDict::new(py);
    d.set_item("ts", column(py, &bars, |b| b.bar.ts))?;
    d.set_item("open", column(py, &bars, |b| b.bar.open))?;
    d.set_item("high", column(py, &bars, |b| b.bar.high))?;
    d.set_item("low", column(py, &bars, |b| b.bar.low))?;
    d.set_item("close", column(py, &bars, |b| b.bar.close))?;
    d.set_item("volume", column(py, &bars, |b| b.bar.volume))?;
    d.set_item("known_ts", column(py, &bars, |b| b.known_ts))?;
    d.set_item("minutes", column(py, &bars, |b| b.minutes))?;
    Ok(d)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<SmcEngine>()?;
    m.add_function(wrap_pyfunction!(smc_event_names, m)?)?;
    m.add_function(wrap_pyfunction!(smc_aggregate, m)?)?;
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
