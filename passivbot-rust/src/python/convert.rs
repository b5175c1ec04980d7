//! Python objects → `serde_json::Value`, so dict inputs reuse the same serde schema (and its
//! unknown-key and type checks) as the JSON entry points.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};

pub fn to_json_value(obj: &Bound<'_, PyAny>, path: &str) -> PyResult<Value> {
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        let v = f.value();
        return Number::from_f64(v).map(Value::Number).ok_or_else(|| {
            PyValueError::new_err(format!("{path}: must be a finite number, got {v}"))
        });
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_str()?.to_owned()));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut map = Map::with_capacity(d.len());
        for (k, v) in d.iter() {
            let key: String = k
                .extract()
                .map_err(|_| PyValueError::new_err(format!("{path}: dict keys must be strings")))?;
            let child = format!("{path}.{key}");
            map.insert(key, to_json_value(&v, &child)?);
        }
        return Ok(Value::Object(map));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut items = Vec::new();
        for (i, item) in obj.try_iter()?.enumerate() {
            items.push(to_json_value(&item?, &format!("{path}[{i}]"))?);
        }
        return Ok(Value::Array(items));
    }
    // ints, including numpy integers (via __index__)
    if let Ok(i) = obj.extract::<i64>() {
        return Ok(Value::Number(i.into()));
    }
    // numpy floating scalars other than float64
    if let Ok(v) = obj.extract::<f64>() {
        return Number::from_f64(v).map(Value::Number).ok_or_else(|| {
            PyValueError::new_err(format!("{path}: must be a finite number, got {v}"))
        });
    }
    Err(PyValueError::new_err(format!(
        "{path}: unsupported value of type {}",
        obj.get_type().name()?
    )))
}

/// `serde_json::Value` → Python object (dicts, lists, floats, ints, strings, None).
pub fn from_json_value<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                PyFloat::new(py, n.as_f64().unwrap_or(f64::NAN)).into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(from_json_value(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, from_json_value(py, v)?)?;
            }
            dict.into_any()
        }
    })
}

/// Python spelling of a non-finite float.
fn non_finite_repr(v: f64) -> &'static str {
    if v.is_nan() {
        "nan"
    } else if v > 0.0 {
        "inf"
    } else {
        "-inf"
    }
}

/// Rejects the first non-finite argument with `ValueError("<fn>: <arg> must be finite, got nan")`
/// (the reference would propagate NaN into orders).
pub fn check_finite(fn_name: &str, args: &[(&str, f64)]) -> PyResult<()> {
    match args.iter().find(|(_, v)| !v.is_finite()) {
        Some((name, v)) => Err(PyValueError::new_err(format!(
            "{fn_name}: {name} must be finite, got {}",
            non_finite_repr(*v)
        ))),
        None => Ok(()),
    }
}
