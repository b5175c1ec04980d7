//! Metrics of the daily equity samples (§12.1): gain/adg, mdg, sharpe, sortino, omega, expected
//! shortfall, and the equity-curve shape metrics (choppiness, jerkiness, exponential fit error).
//!
//! Day `d` holds equity samples `1440·d .. 1440·(d+1)` counted from the first recorded minute
//! (not calendar days); the final partial day is included.

use super::{stats, Analysis, Timeline, MINUTES_PER_DAY};

/// Last and minimum equity of each day.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct DailySamples {
    pub last: Vec<f64>,
    pub min: Vec<f64>,
}

pub(crate) fn daily_samples(equity: &[f64]) -> DailySamples {
    let mut out = DailySamples::default();
    for day in equity.chunks(MINUTES_PER_DAY) {
        out.last.push(day[day.len() - 1]);
        out.min.push(
            day[1..]
                .iter()
                .fold(day[0], |m, &v| if v < m { v } else { m }),
        );
    }
    out
}

/// `r[d] = (x[d+1] − x[d]) / max(|x[d]|, 1e−12)`.
pub(crate) fn returns(xs: &[f64]) -> Vec<f64> {
    xs.windows(2)
        .map(|w| (w[1] - w[0]) / w[0].abs().max(1e-12))
        .collect()
}

/// `(gain, adg)` of the daily equity: EMA span 3 (α = 0.5, seeded with `D[0]`) → `S`;
/// `gain = S_last / S_0`, `adg = gain^(1/len(D)) − 1`.
pub(crate) fn gain_adg(daily: &[f64]) -> (f64, f64) {
    if daily.len() < 2 {
        return (0.0, 0.0);
    }
    if daily[0] <= 0.0 {
        return (f64::INFINITY, f64::INFINITY);
    }
    let alpha = 2.0 / (3.0 + 1.0);
    let s_last = daily[1..]
        .iter()
        .fold(daily[0], |s, &x| alpha * x + (1.0 - alpha) * s);
    if s_last <= 0.0 {
        return (-1.0, -1.0);
    }
    let gain = s_last / daily[0];
    (gain, gain.powf(1.0 / daily.len() as f64) - 1.0)
}

/// `Σ r≥0 r / Σ r<0 |r|`; +inf without a negative return.
pub(crate) fn omega_ratio(r: &[f64]) -> f64 {
    let pos = r.iter().filter(|&&x| x >= 0.0).fold(0.0, |acc, &x| acc + x);
    let neg: Vec<f64> = r.iter().filter(|&&x| x < 0.0).map(|x| x.abs()).collect();
    if neg.is_empty() {
        return f64::INFINITY;
    }
    pos / stats::sum(&neg)
}

/// Mean of `|x|` over the `floor(max(1, 0.01·len))` lowest returns; 0 when there is none.
pub(crate) fn expected_shortfall_1pct(rmin: &[f64]) -> f64 {
    let mut v = rmin.to_vec();
    v.sort_by(f64::total_cmp);
    let n = (0.01 * v.len() as f64).max(1.0).floor() as usize;
    v.iter().take(n).fold(0.0, |acc, x| acc + x.abs()) / n as f64
}

/// `Σ|D[t+1] − D[t]| / |D_last − D_0|`; +inf if the net change is < EPSILON; 0 if `len < 2`.
pub(crate) fn equity_choppiness(d: &[f64]) -> f64 {
    if d.len() < 2 {
        return 0.0;
    }
    let path = d.windows(2).fold(0.0, |acc, w| acc + (w[1] - w[0]).abs());
    let net = (d[d.len() - 1] - d[0]).abs();
    if net < f64::EPSILON {
        return f64::INFINITY;
    }
    path / net
}

/// Mean over windows of 3 of `|D[t+2] − 2D[t+1] + D[t]| / |mean of the 3|` (a term is 0 when
/// that mean is < EPSILON in magnitude); 0 if `len < 3`.
pub(crate) fn equity_jerkiness(d: &[f64]) -> f64 {
    if d.len() < 3 {
        return 0.0;
    }
    let terms: Vec<f64> = d
        .windows(3)
        .map(|w| {
            let m = ((w[0] + w[1] + w[2]) / 3.0).abs();
            if m < f64::EPSILON {
                0.0
            } else {
                (w[2] - 2.0 * w[1] + w[0]).abs() / m
            }
        })
        .collect();
    stats::mean(&terms)
}

/// Mean squared residual of the least-squares line through `(t, ln D[t])`; +inf if `len < 2` or
/// any `D ≤ 0`.
pub(crate) fn exponential_fit_error(d: &[f64]) -> f64 {
    if d.len() < 2 || d.iter().any(|&x| x <= 0.0) {
        return f64::INFINITY;
    }
    // Normal equations on plain left-to-right sums: the evaluation order that matches the
    // reference bit for bit.
    let n = d.len() as f64;
    let ys: Vec<f64> = d.iter().map(|x| x.ln()).collect();
    let (mut sx, mut sy, mut sxx, mut sxy) = (0.0, 0.0, 0.0, 0.0);
    for (t, &y) in ys.iter().enumerate() {
        let x = t as f64;
        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
    }
    let slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    let intercept = (sy - slope * sx) / n;
    let sq = ys.iter().enumerate().fold(0.0, |acc, (t, &y)| {
        let e = y - (slope * t as f64 + intercept);
        acc + e * e
    });
    sq / n
}

/// Sets gain, adg, mdg, sharpe/sortino/omega ratios, expected shortfall and the shape metrics.
pub(crate) fn fill_equity_metrics(tl: &Timeline, a: &mut Analysis) {
    let daily = daily_samples(tl.equity);
    let r = returns(&daily.last);
    let rmin = returns(&daily.min);
    (a.gain, a.adg) = gain_adg(&daily.last);
    a.mdg = stats::median(&r);
    a.sharpe_ratio = if rmin.is_empty() && !tl.compat {
        // Fixed: no daily return (a one-day run) has no deviation; the reference gets NaN (0/0).
        0.0
    } else {
        let sigma = stats::deviation_around(&rmin, a.adg);
        if sigma == 0.0 {
            0.0
        } else {
            a.adg / sigma
        }
    };
    a.sortino_ratio = match stats::downside_deviation(&rmin) {
        Some(dd) => a.adg / dd,
        None => 0.0,
    };
    a.omega_ratio = omega_ratio(&r);
    a.expected_shortfall_1pct = expected_shortfall_1pct(&rmin);
    a.equity_choppiness = equity_choppiness(&daily.last);
    a.equity_jerkiness = equity_jerkiness(&daily.last);
    a.exponential_fit_error = exponential_fit_error(&daily.last);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn daily_samples_take_last_and_min_including_the_partial_day() {
        let mut e = vec![5.0; 1440 + 3];
        e[7] = 4.0;
        e[1439] = 6.0;
        e[1441] = 1.0;
        e[1442] = 2.0;
        let d = daily_samples(&e);
        assert_eq!(d.last, vec![6.0, 2.0]);
        assert_eq!(d.min, vec![4.0, 1.0]);
    }

    #[test]
    fn gain_adg_edge_cases() {
        assert_eq!(gain_adg(&[100.0]), (0.0, 0.0));
        assert_eq!(gain_adg(&[0.0, 100.0]), (f64::INFINITY, f64::INFINITY));
        // S1 = 0.5·(−300) + 0.5·100 = −100 ≤ 0.
        assert_eq!(gain_adg(&[100.0, -300.0]), (-1.0, -1.0));
        // S = 100, 0.5·200 + 0.5·100 = 150 → gain 1.5, N = 2.
        assert_eq!(gain_adg(&[100.0, 200.0]), (1.5, 1.5f64.sqrt() - 1.0));
    }

    #[test]
    fn expected_shortfall_averages_the_worst_percent() {
        // 250 returns: n = floor(2.5) = 2 → mean of |−0.3| and |−0.2|.
        let mut r = vec![0.01; 248];
        r.push(-0.2);
        r.push(-0.3);
        assert_eq!(expected_shortfall_1pct(&r), 0.25);
        assert_eq!(expected_shortfall_1pct(&[0.1, -0.05]), 0.05);
    }

    #[test]
    fn shape_metric_edge_cases() {
        assert_eq!(equity_choppiness(&[1.0]), 0.0);
        assert_eq!(equity_choppiness(&[1.0, 2.0, 1.0]), f64::INFINITY);
        // window means 0 (term 0) and 2/3 (|1 − 0 + 1| / (2/3) = 3) → mean 1.5
        assert_eq!(equity_jerkiness(&[-1.0, 1.0, 0.0, 1.0]), 1.5);
        assert_eq!(equity_jerkiness(&[1.0, 2.0]), 0.0);
        assert_eq!(exponential_fit_error(&[1.0, 0.0, 2.0]), f64::INFINITY);
        assert_eq!(exponential_fit_error(&[1.0]), f64::INFINITY);
        // exact exponential growth: ln D on a line → no residual
        let d: Vec<f64> = (0..10).map(|t| 2f64.powi(t)).collect();
        assert!(exponential_fit_error(&d) < 1e-28);
    }

    #[test]
    fn omega_sums_gains_over_losses() {
        assert_eq!(omega_ratio(&[0.5, -0.25, 0.0, -0.25]), 1.0);
        assert_eq!(omega_ratio(&[]), f64::INFINITY);
    }
}
