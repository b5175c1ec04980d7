//! `BotParams` from the loosely typed dicts the reference's Python layer passes
//! (`run_backtest(..., bot_params=[{"long": {...}, "short": {...}}, ...])`).
//!
//! Reference rules: legacy key names are accepted, missing enforcer thresholds default to 1.0,
//! `n_positions` is rounded half away from zero, `wallet_exposure_limit` 0 means
//! `TWEL / n_positions` (missing means −1 = dynamic). Every other key is required; unknown keys
//! are ignored (the config layer validates them).

use serde_json::{Map, Value};

use crate::types::{BotParams, BotParamsPair, ExchangeParams};

const LEGACY_KEYS: [(&str, &str); 2] = [
    (
        "entry_volatility_ema_span_hours",
        "entry_log_range_ema_span_hours",
    ),
    ("filter_volatility_ema_span", "filter_log_range_ema_span"),
];

fn number(map: &Map<String, Value>, key: &str, path: &str) -> Result<Option<f64>, String> {
    let value = map.get(key).or_else(|| {
        LEGACY_KEYS
            .iter()
            .find(|(k, _)| *k == key)
            .and_then(|(_, legacy)| map.get(*legacy))
    });
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(Value::Bool(b)) => Ok(Some(if *b { 1.0 } else { 0.0 })),
        Some(other) => Err(format!("{path}.{key} must be a number, got {other}")),
    }
}

fn required(map: &Map<String, Value>, key: &str, path: &str) -> Result<f64, String> {
    number(map, key, path)?.ok_or_else(|| format!("{path} is missing required key '{key}'"))
}

pub fn bot_params_from_value(value: &Value, path: &str) -> Result<BotParams, String> {
    let map = value
        .as_object()
        .ok_or_else(|| format!("{path} must be a dict of bot parameters"))?;
    let r = |key: &str| required(map, key, path);
    let n_positions_raw = r("n_positions")?;
    if !(n_positions_raw.is_finite() && n_positions_raw >= 0.0) {
        return Err(format!(
            "{path}.n_positions must be a non-negative number, got {n_positions_raw}"
        ));
    }
    let n_positions = n_positions_raw.round() as usize;
    let total_wallet_exposure_limit = r("total_wallet_exposure_limit")?;
    let wallet_exposure_limit = match number(map, "wallet_exposure_limit", path)? {
        None => -1.0,
        Some(0.0) => {
            if n_positions > 0 {
                total_wallet_exposure_limit / n_positions as f64
            } else {
                0.0
            }
        }
        Some(w) => w,
    };
    let bp = BotParams {
        close_grid_markup_end: r("close_grid_markup_end")?,
        close_grid_markup_start: r("close_grid_markup_start")?,
        close_grid_qty_pct: r("close_grid_qty_pct")?,
        close_trailing_retracement_pct: r("close_trailing_retracement_pct")?,
        close_trailing_grid_ratio: r("close_trailing_grid_ratio")?,
        close_trailing_qty_pct: r("close_trailing_qty_pct")?,
        close_trailing_threshold_pct: r("close_trailing_threshold_pct")?,
        entry_grid_double_down_factor: r("entry_grid_double_down_factor")?,
        entry_grid_spacing_volatility_weight: r("entry_grid_spacing_volatility_weight")?,
        entry_grid_spacing_we_weight: r("entry_grid_spacing_we_weight")?,
        entry_grid_spacing_pct: r("entry_grid_spacing_pct")?,
        entry_volatility_ema_span_hours: r("entry_volatility_ema_span_hours")?,
        entry_initial_ema_dist: r("entry_initial_ema_dist")?,
        entry_initial_qty_pct: r("entry_initial_qty_pct")?,
        entry_trailing_double_down_factor: r("entry_trailing_double_down_factor")?,
        entry_trailing_retracement_pct: r("entry_trailing_retracement_pct")?,
        entry_trailing_retracement_we_weight: r("entry_trailing_retracement_we_weight")?,
        entry_trailing_retracement_volatility_weight: r(
            "entry_trailing_retracement_volatility_weight",
        )?,
        entry_trailing_grid_ratio: r("entry_trailing_grid_ratio")?,
        entry_trailing_threshold_pct: r("entry_trailing_threshold_pct")?,
        entry_trailing_threshold_we_weight: r("entry_trailing_threshold_we_weight")?,
        entry_trailing_threshold_volatility_weight: r(
            "entry_trailing_threshold_volatility_weight",
        )?,
        filter_volatility_ema_span: r("filter_volatility_ema_span")?,
        filter_volatility_drop_pct: r("filter_volatility_drop_pct")?,
        filter_volume_ema_span: r("filter_volume_ema_span")?,
        filter_volume_drop_pct: r("filter_volume_drop_pct")?,
        ema_span_0: r("ema_span_0")?,
        ema_span_1: r("ema_span_1")?,
        n_positions,
        total_wallet_exposure_limit,
        wallet_exposure_limit,
        risk_wel_enforcer_threshold: number(map, "risk_wel_enforcer_threshold", path)?
            .unwrap_or(1.0),
        risk_twel_enforcer_threshold: number(map, "risk_twel_enforcer_threshold", path)?
            .unwrap_or(1.0),
        risk_we_excess_allowance_pct: r("risk_we_excess_allowance_pct")?,
        unstuck_close_pct: r("unstuck_close_pct")?,
        unstuck_ema_dist: r("unstuck_ema_dist")?,
        unstuck_loss_allowance_pct: r("unstuck_loss_allowance_pct")?,
        unstuck_threshold: r("unstuck_threshold")?,
    };
    if let Some(key) = bp.first_non_finite() {
        return Err(format!("{path}.{key} must be a finite number"));
    }
    Ok(bp)
}

pub fn bot_params_pair_from_value(value: &Value, path: &str) -> Result<BotParamsPair, String> {
    let map = value
        .as_object()
        .ok_or_else(|| format!("{path} must be a dict with 'long' and 'short'"))?;
    let side = |name: &str| {
        map.get(name)
            .ok_or_else(|| format!("{path} is missing '{name}'"))
            .and_then(|v| bot_params_from_value(v, &format!("{path}.{name}")))
    };
    Ok(BotParamsPair {
        long: side("long")?,
        short: side("short")?,
    })
}

/// Exchange filters; like the reference, a missing key reads as 0 (and is then rejected by the
/// engine's checks where 0 is not allowed).
pub fn exchange_params_from_value(value: &Value, path: &str) -> Result<ExchangeParams, String> {
    let map = value
        .as_object()
        .ok_or_else(|| format!("{path} must be a dict of exchange parameters"))?;
    let get = |key: &str| number(map, key, path).map(|v| v.unwrap_or(0.0));
    Ok(ExchangeParams {
        qty_step: get("qty_step")?,
        price_step: get("price_step")?,
        min_qty: get("min_qty")?,
        min_cost: get("min_cost")?,
        c_mult: get("c_mult")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn full() -> Value {
        let mut m = Map::new();
        for (k, _) in BotParams::default().float_fields() {
            m.insert(k.to_string(), json!(0.5));
        }
        m.insert("n_positions".into(), json!(2.5));
        m.insert("total_wallet_exposure_limit".into(), json!(1.0));
        Value::Object(m)
    }

    #[test]
    fn n_positions_rounds_half_away_and_zero_wel_means_twel_over_n() {
        let mut v = full();
        v["wallet_exposure_limit"] = json!(0.0);
        let bp = bot_params_from_value(&v, "bot.long").unwrap();
        assert_eq!(bp.n_positions, 3);
        assert_eq!(bp.wallet_exposure_limit, 1.0 / 3.0);
    }

    #[test]
    fn missing_wel_is_dynamic_and_thresholds_default_to_one() {
        let mut v = full();
        let m = v.as_object_mut().unwrap();
        m.remove("wallet_exposure_limit");
        m.remove("risk_wel_enforcer_threshold");
        let bp = bot_params_from_value(&v, "bot.long").unwrap();
        assert_eq!(bp.wallet_exposure_limit, -1.0);
        assert_eq!(bp.risk_wel_enforcer_threshold, 1.0);
    }

    #[test]
    fn legacy_names_are_accepted() {
        let mut v = full();
        let m = v.as_object_mut().unwrap();
        m.remove("filter_volatility_ema_span");
        m.insert("filter_log_range_ema_span".into(), json!(42.0));
        assert_eq!(
            bot_params_from_value(&v, "p")
                .unwrap()
                .filter_volatility_ema_span,
            42.0
        );
    }

    #[test]
    fn missing_key_is_named() {
        let mut v = full();
        v.as_object_mut().unwrap().remove("ema_span_0");
        let err = bot_params_from_value(&v, "bot_params[3].short").unwrap_err();
        assert_eq!(
            err,
            "bot_params[3].short is missing required key 'ema_span_0'"
        );
    }
}
