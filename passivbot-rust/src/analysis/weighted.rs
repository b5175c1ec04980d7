//! The `_w` metrics (§12.2): averages of `analyze_basic` over the full run and its trailing
//! fractions `1/(1+i)`, `i = 1..9` (last half, last third, …, last tenth), which weights recent
//! behaviour more.
//!
//! Subset `i` starts at equity index `start = round_half_away(n − n/(1+i))` and takes the fills
//! placed at or after `start`; the loop stops at the first empty equity slice or fill set.
//! Reference: fills are "placed" by their absolute index (quirk 6) and the sum is divided by 10
//! even when subsets were skipped (quirk 7). Fixed: fills are placed on the equity timeline, each
//! subset's days/balances are aligned with its own equity slice, and the sum is divided by the
//! number of analyses computed.

use super::{analyze_basic, Analysis, Timeline};
use crate::types::Fill;

/// Writes the 17 `_w` fields of `full` (which must be `analyze_basic(tl)`).
pub(crate) fn fill_weighted_metrics(tl: &Timeline, starting_balance: f64, full: &mut Analysis) {
    let n = tl.equity.len();
    let mut analyses = vec![*full];
    for i in 1..10usize {
        let start = (n as f64 - n as f64 / (1 + i) as f64).round() as usize;
        if start >= n {
            break;
        }
        let fills: Vec<Fill> = tl
            .fills
            .iter()
            .filter(|f| tl.rel(f) >= start)
            .copied()
            .collect();
        if fills.is_empty() {
            break;
        }
        let subset = if tl.compat {
            Timeline {
                fills: &fills,
                equity: &tl.equity[start..],
                ..*tl
            }
        } else {
            // Balance in force at the start of the slice.
            let initial = tl
                .fills
                .iter()
                .rev()
                .find(|f| tl.rel(f) < start)
                .map_or(starting_balance, |f| f.usd_total_balance);
            Timeline {
                fills: &fills,
                equity: &tl.equity[start..],
                offset: tl.offset + start,
                initial_balance: Some(initial),
                compat: false,
            }
        };
        analyses.push(analyze_basic(&subset));
    }
    let divisor = if tl.compat {
        10.0
    } else {
        analyses.len() as f64
    };
    let avg =
        |get: fn(&Analysis) -> f64| analyses.iter().fold(0.0, |acc, a| acc + get(a)) / divisor;
    full.adg_w = avg(|a| a.adg);
    full.adg_pnl_w = avg(|a| a.adg_pnl);
    full.mdg_pnl_w = avg(|a| a.mdg_pnl);
    full.mdg_w = avg(|a| a.mdg);
    full.sharpe_ratio_w = avg(|a| a.sharpe_ratio);
    full.sortino_ratio_w = avg(|a| a.sortino_ratio);
    full.sharpe_ratio_pnl_w = avg(|a| a.sharpe_ratio_pnl);
    full.sortino_ratio_pnl_w = avg(|a| a.sortino_ratio_pnl);
    full.omega_ratio_w = avg(|a| a.omega_ratio);
    full.calmar_ratio_w = avg(|a| a.calmar_ratio);
    full.sterling_ratio_w = avg(|a| a.sterling_ratio);
    full.loss_profit_ratio_w = avg(|a| a.loss_profit_ratio);
    full.equity_choppiness_w = avg(|a| a.equity_choppiness);
    full.equity_jerkiness_w = avg(|a| a.equity_jerkiness);
    full.exponential_fit_error_w = avg(|a| a.exponential_fit_error);
    full.volume_pct_per_day_avg_w = avg(|a| a.volume_pct_per_day_avg);
    full.positions_held_per_day_w = avg(|a| a.positions_held_per_day);
}
