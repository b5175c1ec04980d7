//! Fill-based metrics (§12.1): the adg_pnl family, loss/profit ratio, traded volume, and the
//! equity-vs-balance differences.

use std::collections::BTreeMap;

use super::{stats, Analysis, Timeline};
use crate::types::Fill;

/// `Σ|pnl|` over fills with `pnl ≤ 0` ÷ `Σ pnl` over fills with `pnl > 0` (fees ignored); +inf
/// without a profitable fill.
pub(crate) fn loss_profit_ratio(fills: &[Fill]) -> f64 {
    loss_profit_ratio_of(fills.iter().map(|f| f.pnl))
}

fn loss_profit_ratio_of(pnls: impl Iterator<Item = f64>) -> f64 {
    let (mut loss, mut profit) = (0.0, 0.0);
    let mut any_profit = false;
    for pnl in pnls {
        if pnl > 0.0 {
            profit += pnl;
            any_profit = true;
        } else if pnl <= 0.0 {
            loss += pnl.abs();
        }
    }
    if any_profit {
        loss / profit
    } else {
        f64::INFINITY
    }
}

/// Per-side figures the reference's Python adds to a backtest's analysis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SidePnlRatios {
    /// [`loss_profit_ratio`] of the long fills: 1 without long fills, None (JSON null) without
    /// a profitable one.
    pub loss_profit_ratio_long: Option<f64>,
    pub loss_profit_ratio_short: Option<f64>,
    /// Long PnL ÷ total PnL of the fills; None when the total is 0.
    pub pnl_ratio_long_short: Option<f64>,
}

/// [`SidePnlRatios`] of fills given as their PnL and side.
pub fn side_pnl_ratios(pnls: &[f64], is_long: &[bool]) -> SidePnlRatios {
    let side = |long: bool| {
        pnls.iter()
            .zip(is_long)
            .filter(move |(_, &l)| l == long)
            .map(|(p, _)| *p)
    };
    let ratio = |long: bool| {
        if side(long).next().is_none() {
            return Some(1.0);
        }
        Some(loss_profit_ratio_of(side(long))).filter(|r| r.is_finite())
    };
    let long_pnl: f64 = side(true).sum();
    let total = long_pnl + side(false).sum::<f64>();
    SidePnlRatios {
        loss_profit_ratio_long: ratio(true),
        loss_profit_ratio_short: ratio(false),
        pnl_ratio_long_short: (total != 0.0).then(|| long_pnl / total),
    }
}

/// Per day with fills: `Σ |qty|·price / balance_at_fill`; mean over those days (c_mult ignored).
pub(crate) fn volume_pct_per_day_avg(tl: &Timeline) -> f64 {
    let mut per_day: BTreeMap<usize, f64> = BTreeMap::new();
    for f in tl.fills {
        *per_day.entry(tl.day(f)).or_insert(0.0) += f.qty.abs() * f.price / f.usd_total_balance;
    }
    let days: Vec<f64> = per_day.into_values().collect();
    stats::mean(&days)
}

/// Per day with fills: `Σ(pnl + fee_paid) / max(|last balance of the day|, 1e−12)`, by day.
pub(crate) fn daily_pnl_ratios(tl: &Timeline) -> Vec<f64> {
    let mut per_day: BTreeMap<usize, (f64, f64)> = BTreeMap::new();
    for f in tl.fills {
        let day = per_day.entry(tl.day(f)).or_insert((0.0, 0.0));
        day.0 += f.pnl + f.fee_paid;
        day.1 = f.usd_total_balance;
    }
    per_day
        .into_values()
        .map(|(pnl, balance)| pnl / balance.abs().max(1e-12))
        .collect()
}

/// Sets adg_pnl, mdg_pnl, sharpe_ratio_pnl, sortino_ratio_pnl.
fn fill_adg_pnl_metrics(tl: &Timeline, a: &mut Analysis) {
    let ratios = daily_pnl_ratios(tl);
    a.adg_pnl = stats::mean(&ratios);
    a.mdg_pnl = stats::median(&ratios);
    let std = stats::deviation_around(&ratios, a.adg_pnl);
    a.sharpe_ratio_pnl = if std == 0.0 { 0.0 } else { a.adg_pnl / std };
    a.sortino_ratio_pnl = match stats::downside_deviation(&ratios) {
        Some(dd) => a.adg_pnl / dd,
        None => 0.0,
    };
}

/// `x_i = (E[i] − b_i) / b_i`, `b_i` = balance after the last fill placed at or before minute `i`
/// (before any fill: `tl.initial_balance`, or the first fill's balance in the reference).
/// Returns `(pos_max, pos_mean, neg_max, neg_mean)` of the positive and (absolute) negative `x`.
pub(crate) fn equity_balance_diff(tl: &Timeline) -> (f64, f64, f64, f64) {
    let mut balance = match (tl.initial_balance, tl.fills.first()) {
        (Some(b), _) => b,
        (None, Some(f)) => f.usd_total_balance,
        (None, None) => return (0.0, 0.0, 0.0, 0.0),
    };
    let mut next = 0usize;
    let (mut pos_max, mut pos_sum, mut pos_n) = (0.0f64, 0.0, 0usize);
    let (mut neg_max, mut neg_sum, mut neg_n) = (0.0f64, 0.0, 0usize);
    for (i, &e) in tl.equity.iter().enumerate() {
        while next < tl.fills.len() && tl.rel(&tl.fills[next]) <= i {
            balance = tl.fills[next].usd_total_balance;
            next += 1;
        }
        let x = (e - balance) / balance;
        if x > 0.0 {
            pos_max = pos_max.max(x);
            pos_sum += x;
            pos_n += 1;
        } else if x < 0.0 {
            neg_max = neg_max.max(x.abs());
            neg_sum += x.abs();
            neg_n += 1;
        }
    }
    let mean = |s: f64, n: usize| if n == 0 { 0.0 } else { s / n as f64 };
    (pos_max, mean(pos_sum, pos_n), neg_max, mean(neg_sum, neg_n))
}

/// Sets every fill-based metric of `analyze_basic`.
pub(crate) fn fill_pnl_metrics(tl: &Timeline, a: &mut Analysis) {
    fill_adg_pnl_metrics(tl, a);
    a.loss_profit_ratio = loss_profit_ratio(tl.fills);
    a.volume_pct_per_day_avg = volume_pct_per_day_avg(tl);
    (
        a.equity_balance_diff_pos_max,
        a.equity_balance_diff_pos_mean,
        a.equity_balance_diff_neg_max,
        a.equity_balance_diff_neg_mean,
    ) = equity_balance_diff(tl);
}
