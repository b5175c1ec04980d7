//! Drawdowns and peak-recovery times (§12.1).

use super::{daily, Analysis, Timeline};

/// Drawdown series: running peak from `x[0]` (1e−12 if `|x[0]| < 1e−12`), raised whenever a value
/// exceeds it; `dd = (v − peak) / max(|peak|, 1e−12)` (≤ 0 for a positive peak).
pub(crate) fn drawdowns(x: &[f64]) -> Vec<f64> {
    let Some(&first) = x.first() else {
        return Vec::new();
    };
    let mut peak = if first.abs() < 1e-12 { 1e-12 } else { first };
    x.iter()
        .map(|&v| {
            if v > peak {
                peak = v;
            }
            (v - peak) / peak.abs().max(1e-12)
        })
        .collect()
}

/// Largest `|dd|` over the series (0 when empty).
pub(crate) fn drawdown_worst(x: &[f64]) -> f64 {
    drawdowns(x).iter().fold(0.0, |m: f64, d| m.max(d.abs()))
}

/// Mean `|dd|` of the `max(1, floor(0.01·len))` worst drawdowns (0 when empty).
pub(crate) fn drawdown_worst_mean_1pct(x: &[f64]) -> f64 {
    let mut dd = drawdowns(x);
    if dd.is_empty() {
        return 0.0;
    }
    dd.sort_by(f64::total_cmp);
    let n = ((0.01 * dd.len() as f64).floor() as usize).max(1);
    dd[..n].iter().fold(0.0, |acc, d| acc + d.abs()) / n as f64
}

/// Longest index distance between consecutive new highs (`v ≥` running peak, from −inf at index
/// 0), in minutes. `count_open`: also count a drawdown still open at the end (fixed mode); the
/// reference ignores it.
pub(crate) fn peak_recovery_minutes(x: &[f64], count_open: bool) -> usize {
    let mut peak = f64::NEG_INFINITY;
    let mut last_peak = 0usize;
    let mut longest = 0usize;
    for (i, &v) in x.iter().enumerate() {
        if v >= peak {
            longest = longest.max(i - last_peak);
            peak = v;
            last_peak = i;
        }
    }
    if count_open && !x.is_empty() {
        longest = longest.max(x.len() - 1 - last_peak);
    }
    longest
}

/// Cumulative net realised PnL (`pnl + fee_paid`) per equity minute; fills placed at
/// `tl.rel(fill)`, those beyond the timeline dropped.
pub(crate) fn cumulative_pnl(tl: &Timeline) -> Vec<f64> {
    let mut series = vec![0.0; tl.equity.len()];
    for f in tl.fills {
        if let Some(slot) = series.get_mut(tl.rel(f)) {
            *slot += f.pnl + f.fee_paid;
        }
    }
    let mut acc = 0.0;
    for v in series.iter_mut() {
        acc += *v;
        *v = acc;
    }
    series
}

/// Sets the drawdown metrics and both peak-recovery times.
pub(crate) fn fill_drawdown_metrics(tl: &Timeline, a: &mut Analysis) {
    let count_open = !tl.compat;
    a.drawdown_worst = drawdown_worst(tl.equity);
    a.drawdown_worst_mean_1pct = drawdown_worst_mean_1pct(&daily::daily_samples(tl.equity).min);
    a.peak_recovery_hours_equity = peak_recovery_minutes(tl.equity, count_open) as f64 / 60.0;
    a.peak_recovery_hours_pnl =
        peak_recovery_minutes(&cumulative_pnl(tl), count_open) as f64 / 60.0;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drawdowns_follow_the_running_peak() {
        // peak 100, 80 → −0.2, 120 new peak, 90 → −0.25, 130 new peak
        assert_eq!(
            drawdowns(&[100.0, 80.0, 120.0, 90.0, 130.0]),
            vec![0.0, -0.2, 0.0, -0.25, 0.0]
        );
        assert_eq!(drawdown_worst(&[100.0, 80.0, 120.0, 90.0, 130.0]), 0.25);
        assert_eq!(drawdown_worst(&[]), 0.0);
        // |E0| < 1e−12 → peak 1e−12.
        assert_eq!(drawdowns(&[0.0, 1.0]), vec![-1.0, 0.0]);
    }

    #[test]
    fn worst_mean_1pct_averages_floor_of_one_percent() {
        // 300 samples → n = 3: drawdowns −0.5, −0.4, −0.3 (all vs peak 10) → mean 0.4.
        let mut x = vec![10.0; 300];
        x[1] = 5.0;
        x[2] = 6.0;
        x[3] = 7.0;
        x[4] = 8.0; // −0.2, not among the 3 worst
        assert!((drawdown_worst_mean_1pct(&x) - 0.4).abs() < 1e-15);
    }

    #[test]
    fn peak_recovery_counts_ties_as_highs_and_optionally_the_open_drawdown() {
        let x = [1.0, 3.0, 2.0, 2.0, 3.0, 1.0, 1.0];
        // highs at 0, 1, 4 (3 ≥ 3) → longest gap 3; open drawdown 4 → 6 = 2.
        assert_eq!(peak_recovery_minutes(&x, false), 3);
        assert_eq!(peak_recovery_minutes(&x, true), 3);
        let y = [1.0, 3.0, 2.0, 2.0, 2.0, 2.0, 2.0];
        assert_eq!(peak_recovery_minutes(&y, false), 1);
        assert_eq!(peak_recovery_minutes(&y, true), 5);
        assert_eq!(peak_recovery_minutes(&[], true), 0);
    }
}
