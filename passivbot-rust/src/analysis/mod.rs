//! Backtest metrics (§12 of the core spec): the 53-key `Analysis` of passivbot v7.7.
//!
//! `compat_v7 = true` reproduces the reference exactly, including its index quirks (fill indices
//! are absolute minutes, equity indices count from the first recorded minute, and several metrics
//! mix the two), `_w = sum / 10`, and `analysis_btc` = copy of `analysis_usd` without BTC
//! collateral. `compat_v7 = false` (our default) computes the same metrics with those defects
//! fixed; the list and the reasons are in `docs/ai/decisions-analysis.md`.
//!
//! Layout: `daily` (daily samples, gain/adg/mdg, sharpe/sortino/omega/ES, equity shape),
//! `drawdown` (drawdowns, peak recovery), `positions` (position episodes), `pnl` (fill-based
//! metrics: adg_pnl family, loss/profit, volume, equity/balance diff), `weighted` (the `_w`
//! subsets), `stats` (mean/median/std with the reference's conventions).
//!
//! Non-finite results stay IEEE values (±inf, NaN); serde_json writes them as `null`, which is how
//! the reference hands them to Python (§12.6).

mod daily;
mod drawdown;
mod pnl;
mod positions;
mod stats;
mod weighted;

pub use pnl::{side_pnl_ratios, SidePnlRatios};

use crate::types::Fill;

/// Minutes per day bucket (day `d` = samples `1440·d .. 1440·(d+1)` of the equity timeline).
pub(crate) const MINUTES_PER_DAY: usize = 1440;

macro_rules! define_analysis {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {
        /// The metrics of one backtest (USD- or BTC-denominated). Field names are the keys of the
        /// reference's analysis dict; fields are declared in the dict's sorted key order.
        #[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
        pub struct Analysis {
            $($(#[$doc])* pub $name: f64,)*
        }

        impl Analysis {
            /// The 53 keys, in declaration (= alphabetical) order.
            pub const KEYS: [&'static str; 53] = [$(stringify!($name)),*];

            /// `(key, value)` for every field, in the stable order of [`Analysis::KEYS`].
            pub fn to_pairs(&self) -> Vec<(&'static str, f64)> {
                vec![$((stringify!($name), self.$name)),*]
            }

            /// Value of a field by key.
            pub fn get(&self, key: &str) -> Option<f64> {
                match key {
                    $(stringify!($name) => Some(self.$name),)*
                    _ => None,
                }
            }
        }
    };
}

define_analysis! {
    /// Geometric mean daily gain of the span-3-smoothed daily equity: `gain^(1/len(D)) − 1`.
    adg,
    /// Mean over days with fills of `Σ(pnl + fee) / last balance of the day`.
    adg_pnl,
    adg_pnl_w,
    adg_w,
    /// `adg / drawdown_worst`.
    calmar_ratio,
    calmar_ratio_w,
    /// Worst peak-to-trough drawdown of the per-minute equity (fraction of the peak).
    drawdown_worst,
    /// Mean of the 1 % worst drawdowns of the daily-minimum equity.
    drawdown_worst_mean_1pct,
    /// Filled in by the backtest engine (§11.9); 0 here.
    entry_initial_balance_pct_long,
    /// Filled in by the backtest engine (§11.9); 0 here.
    entry_initial_balance_pct_short,
    equity_balance_diff_neg_max,
    equity_balance_diff_neg_mean,
    equity_balance_diff_pos_max,
    equity_balance_diff_pos_mean,
    equity_choppiness,
    equity_choppiness_w,
    equity_jerkiness,
    equity_jerkiness_w,
    expected_shortfall_1pct,
    exponential_fit_error,
    exponential_fit_error_w,
    /// Last over first value of the span-3-smoothed daily equity.
    gain,
    loss_profit_ratio,
    loss_profit_ratio_w,
    /// Median of the daily (last-of-day) equity returns.
    mdg,
    mdg_pnl,
    mdg_pnl_w,
    mdg_w,
    omega_ratio,
    omega_ratio_w,
    peak_recovery_hours_equity,
    peak_recovery_hours_pnl,
    position_held_hours_max,
    position_held_hours_mean,
    position_held_hours_median,
    position_unchanged_hours_max,
    positions_held_per_day,
    positions_held_per_day_w,
    sharpe_ratio,
    sharpe_ratio_pnl,
    sharpe_ratio_pnl_w,
    sharpe_ratio_w,
    sortino_ratio,
    sortino_ratio_pnl,
    sortino_ratio_pnl_w,
    sortino_ratio_w,
    sterling_ratio,
    sterling_ratio_w,
    total_wallet_exposure_max,
    total_wallet_exposure_mean,
    total_wallet_exposure_median,
    volume_pct_per_day_avg,
    volume_pct_per_day_avg_w,
}

impl Analysis {
    /// The reference's result for `≤ 1` fill: every field 0 except the ones where 0 would be the
    /// best possible score, which default to 1.
    pub fn defaults() -> Analysis {
        Analysis {
            drawdown_worst: 1.0,
            drawdown_worst_mean_1pct: 1.0,
            equity_balance_diff_neg_max: 1.0,
            equity_balance_diff_neg_mean: 1.0,
            equity_balance_diff_pos_max: 1.0,
            equity_balance_diff_pos_mean: 1.0,
            loss_profit_ratio: 1.0,
            loss_profit_ratio_w: 1.0,
            equity_choppiness: 1.0,
            equity_choppiness_w: 1.0,
            equity_jerkiness: 1.0,
            equity_jerkiness_w: 1.0,
            exponential_fit_error: 1.0,
            exponential_fit_error_w: 1.0,
            ..Analysis::default()
        }
    }
}

/// Everything one analysis needs.
#[derive(Debug, Clone, Copy)]
pub struct AnalysisInput<'a> {
    /// Fills in processing order (non-decreasing `index`).
    pub fills: &'a [Fill],
    /// Per-minute equity (USD, or BTC for the BTC analysis); `equity[0]` is absolute minute
    /// `first_recorded_index`.
    pub equity: &'a [f64],
    /// Per-minute net total wallet exposure, same timeline as `equity`.
    pub twe_net: &'a [f64],
    pub first_recorded_index: usize,
    /// Balance before the first fill (same currency as `equity`); fixed mode only.
    pub starting_balance: f64,
    /// `true`: reproduce the reference's quirks exactly.
    pub compat_v7: bool,
}

/// One `analyze_basic` call: fills placed on an equity timeline.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timeline<'a> {
    pub fills: &'a [Fill],
    pub equity: &'a [f64],
    /// Absolute minute subtracted from `fill.index` to place a fill on the equity timeline
    /// (saturating: fills before the timeline land on its first minute). The reference uses 0.
    pub offset: usize,
    /// Balance in force before the first fill; `None` = the first fill's balance (reference).
    pub initial_balance: Option<f64>,
    /// Reference behaviour for the non-index defects too: open drawdowns and open positions
    /// measured as the reference does, NaN Sharpe on a one-day run, `_w` divided by 10.
    pub compat: bool,
}

impl Timeline<'_> {
    /// Position of a fill on the equity timeline.
    #[inline]
    pub fn rel(&self, fill: &Fill) -> usize {
        fill.index.saturating_sub(self.offset)
    }

    /// Day bucket of a fill, aligned with the daily equity samples.
    #[inline]
    pub fn day(&self, fill: &Fill) -> usize {
        self.rel(fill) / MINUTES_PER_DAY
    }
}

/// `analyze_basic` of §12.1: every metric except the `_w`, exposure and entry-size ones.
pub(crate) fn analyze_basic(tl: &Timeline) -> Analysis {
    if tl.fills.len() <= 1 {
        return Analysis::defaults();
    }
    let mut a = Analysis::default();
    daily::fill_equity_metrics(tl, &mut a);
    drawdown::fill_drawdown_metrics(tl, &mut a);
    pnl::fill_pnl_metrics(tl, &mut a);
    positions::fill_position_metrics(tl, &mut a);
    // The ratios of adg to the drawdowns.
    a.calmar_ratio = a.adg / a.drawdown_worst.abs().max(1e-12);
    a.sterling_ratio = a.adg / a.drawdown_worst_mean_1pct.abs().max(1e-12);
    a
}

/// The full analysis of one currency (§12.1–12.3). `entry_initial_balance_pct_long/short` are
/// left at 0: the engine knows the parameters and fills them (§11.9).
///
/// With `≤ 1` fill the basic metrics are the defaults, but the `_w` averages and the exposure
/// metrics are still computed (so in compat mode a run without fills has `loss_profit_ratio_w =
/// 1/10`: one analysis summed, divided by 10).
pub fn analyze(input: &AnalysisInput) -> Analysis {
    let full = Timeline {
        fills: input.fills,
        equity: input.equity,
        offset: if input.compat_v7 {
            0
        } else {
            input.first_recorded_index
        },
        initial_balance: if input.compat_v7 {
            None
        } else {
            Some(input.starting_balance)
        },
        compat: input.compat_v7,
    };
    let mut a = analyze_basic(&full);
    weighted::fill_weighted_metrics(&full, input.starting_balance, &mut a);
    let (max, mean, median) = exposure_metrics(input.twe_net, input.fills);
    a.total_wallet_exposure_max = max;
    a.total_wallet_exposure_mean = mean;
    a.total_wallet_exposure_median = median;
    a.entry_initial_balance_pct_long = 0.0;
    a.entry_initial_balance_pct_short = 0.0;
    a
}

/// USD and BTC analyses (§12.4). `btc_collateral` = collateral cap > 0.
///
/// `compat_v7 && !btc_collateral`: the BTC analysis is an exact copy of the USD one (quirk 13).
/// Otherwise it is computed on `equity_btc` and on the fills converted by each fill's BTC price.
#[allow(clippy::too_many_arguments)]
pub fn analyze_usd_btc(
    fills: &[Fill],
    equity_usd: &[f64],
    equity_btc: &[f64],
    twe_net: &[f64],
    first_recorded_index: usize,
    starting_balance_usd: f64,
    starting_balance_btc: f64,
    btc_collateral: bool,
    compat_v7: bool,
) -> (Analysis, Analysis) {
    let usd = analyze(&AnalysisInput {
        fills,
        equity: equity_usd,
        twe_net,
        first_recorded_index,
        starting_balance: starting_balance_usd,
        compat_v7,
    });
    if compat_v7 && !btc_collateral {
        return (usd, usd);
    }
    let fills_btc = fills_in_btc(fills);
    let btc = analyze(&AnalysisInput {
        fills: &fills_btc,
        equity: equity_btc,
        twe_net,
        first_recorded_index,
        starting_balance: starting_balance_btc,
        compat_v7,
    });
    (usd, btc)
}

/// Fills with `usd_total_balance, pnl, fee_paid, price, pprice` divided by the fill's BTC price
/// (by 1 when that price is ≤ 0), for the BTC-denominated analysis.
pub fn fills_in_btc(fills: &[Fill]) -> Vec<Fill> {
    fills
        .iter()
        .map(|f| {
            let d = if f.btc_price > 0.0 { f.btc_price } else { 1.0 };
            Fill {
                usd_total_balance: f.usd_total_balance / d,
                pnl: f.pnl / d,
                fee_paid: f.fee_paid / d,
                price: f.price / d,
                pprice: f.pprice / d,
                ..*f
            }
        })
        .collect()
}

/// Max, mean and median of the finite values of the per-minute net TWE (§12.3); the fills'
/// `twe_net` if the series has no finite value; 0 if neither has one.
fn exposure_metrics(twe_net: &[f64], fills: &[Fill]) -> (f64, f64, f64) {
    let mut values: Vec<f64> = twe_net.iter().copied().filter(|v| v.is_finite()).collect();
    if values.is_empty() {
        values = fills
            .iter()
            .map(|f| f.twe_net)
            .filter(|v| v.is_finite())
            .collect();
    }
    if values.is_empty() {
        return (0.0, 0.0, 0.0);
    }
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (max, stats::mean(&values), stats::median(&values))
}

#[cfg(test)]
mod tests;
