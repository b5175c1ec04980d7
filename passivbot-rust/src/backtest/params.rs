//! Backtest parameters: the reference's `backtest_params` dict plus our additions.

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BacktestParams {
    pub starting_balance: f64,
    /// Fee of limit (maker) fills, and in compat mode of every fill.
    pub maker_fee: f64,
    /// Fee of marketable orders and forced closes (ignored in compat mode). Defaults to `maker_fee`.
    #[serde(default)]
    pub taker_fee: Option<f64>,
    #[serde(default)]
    pub coins: Vec<String>,
    pub first_timestamp_ms: i64,
    #[serde(default)]
    pub requested_start_timestamp_ms: i64,
    pub first_valid_indices: Vec<usize>,
    pub last_valid_indices: Vec<usize>,
    pub warmup_minutes: Vec<usize>,
    /// Recomputed from the other indices; accepted for compatibility.
    #[serde(default)]
    pub trade_start_indices: Vec<usize>,
    #[serde(default)]
    pub global_warmup_bars: usize,
    #[serde(default)]
    pub btc_collateral_cap: f64,
    #[serde(default)]
    pub btc_collateral_ltv_cap: Option<f64>,
    #[serde(default)]
    pub metrics_only: bool,
    #[serde(default)]
    pub filter_by_min_effective_cost: bool,
    #[serde(default = "default_true")]
    pub hedge_mode: bool,
    /// Coin i reads column `active_coin_indices[i]` (identity when absent or of the wrong length).
    #[serde(default)]
    pub active_coin_indices: Option<Vec<usize>>,
    /// Reproduce passivbot v7.7's fill-affecting quirks exactly (see docs/ai/decisions.md).
    #[serde(default)]
    pub compat_v7: bool,
    /// Smart Money Concepts gate on initial entries (off when absent).
    #[serde(default)]
    pub smc: Option<crate::smc::gate::SmcGateConfig>,
    /// Reuse entry/close and TWEL gate computations across minutes while everything they read
    /// is bit-identical (`orders::memo`). Results are the same either way; `false` recomputes
    /// everything every minute, as the live bot does (slower; a cross-check).
    #[serde(default = "default_true")]
    pub order_memo: bool,
}

fn default_true() -> bool {
    true
}

impl BacktestParams {
    pub fn taker_fee(&self) -> f64 {
        self.taker_fee.unwrap_or(self.maker_fee)
    }

    pub fn validate(&self, n_coins: usize) -> Result<(), String> {
        for (name, v) in [
            ("starting_balance", self.starting_balance),
            ("maker_fee", self.maker_fee),
        ] {
            if !v.is_finite() {
                return Err(format!("backtest_params.{name} must be finite, got {v}"));
            }
        }
        if self.starting_balance <= 0.0 {
            return Err(format!(
                "backtest_params.starting_balance must be > 0, got {}",
                self.starting_balance
            ));
        }
        if let Some(t) = self.taker_fee {
            if !t.is_finite() {
                return Err(format!("backtest_params.taker_fee must be finite, got {t}"));
            }
        }
        if !self.btc_collateral_cap.is_finite() || self.btc_collateral_cap < 0.0 {
            return Err(format!(
                "backtest_params.btc_collateral_cap must be >= 0, got {}",
                self.btc_collateral_cap
            ));
        }
        for (name, len) in [
            ("first_valid_indices", self.first_valid_indices.len()),
            ("last_valid_indices", self.last_valid_indices.len()),
            ("warmup_minutes", self.warmup_minutes.len()),
        ] {
            if len != n_coins {
                return Err(format!(
                    "backtest_params.{name} has {len} entries; expected one per coin ({n_coins})"
                ));
            }
        }
        if !self.coins.is_empty() && self.coins.len() != n_coins {
            return Err(format!(
                "backtest_params.coins has {} names; expected one per coin ({n_coins})",
                self.coins.len()
            ));
        }
        Ok(())
    }
}
