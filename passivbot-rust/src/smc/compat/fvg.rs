//! `fvg(ohlc, join_consecutive)`: three-candle fair value gaps.
//!
//! Middle bar i (1 <= i <= n-2): bullish if `c[i] > o[i]` and `h[i-1] < l[i+1]` (Top `l[i+1]`,
//! Bottom `h[i-1]`); bearish if `c[i] < o[i]` and `l[i-1] > h[i+1]` (Top `l[i-1]`, Bottom
//! `h[i+1]`). With `join_consecutive`, a run of adjacent same-sign gaps collapses into its last row
//! with the widest bounds. Mitigation: first j >= row+2 touching the near edge (bullish
//! `l[j] <= Top`, bearish `h[j] >= Bottom`), 0 if never.

use crate::smc::util::{first_crossing_down, first_crossing_up};

/// Output columns `FVG` (+1/-1/NaN), `Top`, `Bottom`, `MitigatedIndex` (0 = never).
#[derive(Clone, Debug, PartialEq)]
pub struct Fvg {
    pub fvg: Vec<f64>,
    pub top: Vec<f64>,
    pub bottom: Vec<f64>,
    pub mitigated_index: Vec<f64>,
}

/// The gap whose middle candle is `i` (needs `1 <= i <= n-2`): `(dir, top, bottom)`.
#[inline]
pub fn gap_at(
    open: &[f64],
    high: &[f64],
    low: &[f64],
    close: &[f64],
    i: usize,
) -> Option<(i8, f64, f64)> {
    if close[i] > open[i] && high[i - 1] < low[i + 1] {
        Some((1, low[i + 1], high[i - 1]))
    } else if close[i] < open[i] && low[i - 1] > high[i + 1] {
        Some((-1, low[i - 1], high[i + 1]))
    } else {
        None
    }
}

pub fn fvg(open: &[f64], high: &[f64], low: &[f64], close: &[f64], join_consecutive: bool) -> Fvg {
    let n = close.len();
    let mut dir = vec![0i8; n];
    let mut top = vec![f64::NAN; n];
    let mut bottom = vec![f64::NAN; n];
    for i in 1..n.saturating_sub(1) {
        if let Some((d, t, b)) = gap_at(open, high, low, close, i) {
            dir[i] = d;
            top[i] = t;
            bottom[i] = b;
        }
    }
    if join_consecutive {
        for i in 0..n.saturating_sub(1) {
            if dir[i] != 0 && dir[i] == dir[i + 1] {
                top[i + 1] = top[i].max(top[i + 1]);
                bottom[i + 1] = bottom[i].min(bottom[i + 1]);
                dir[i] = 0;
                top[i] = f64::NAN;
                bottom[i] = f64::NAN;
            }
        }
    }
    let rows: Vec<usize> = (0..n).filter(|&i| dir[i] != 0).collect();
    let bull_q: Vec<(usize, f64)> = rows
        .iter()
        .filter(|&&i| dir[i] > 0)
        .map(|&i| (i + 2, top[i]))
        .collect();
    let bear_q: Vec<(usize, f64)> = rows
        .iter()
        .filter(|&&i| dir[i] < 0)
        .map(|&i| (i + 2, bottom[i]))
        .collect();
    let bull_hits = first_crossing_down(low, &bull_q, false);
    let bear_hits = first_crossing_up(high, &bear_q, false);
    let mut mitigated = vec![f64::NAN; n];
    let (mut bi, mut si) = (0, 0);
    for &i in &rows {
        let hit = if dir[i] > 0 {
            bi += 1;
            bull_hits[bi - 1]
        } else {
            si += 1;
            bear_hits[si - 1]
        };
        mitigated[i] = if hit < n { hit as f64 } else { 0.0 };
    }
    Fvg {
        fvg: dir
            .iter()
            .map(|&d| if d == 0 { f64::NAN } else { d as f64 })
            .collect(),
        top,
        bottom,
        mitigated_index: mitigated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Micro-fixture A of the spec.
    #[test]
    fn fixture_a() {
        let o = [10., 10.5, 11., 13., 12.8, 12.];
        let h = [10.8, 11.2, 13.5, 13.6, 13.0, 12.2];
        let l = [9.8, 10.4, 10.9, 12.9, 11.5, 11.0];
        let c = [10.5, 11., 13.4, 13., 11.8, 11.2];
        let r = fvg(&o, &h, &l, &c, false);
        let nan = f64::NAN;
        let same = |a: &[f64], b: &[f64]| {
            a.iter()
                .zip(b)
                .all(|(x, y)| x == y || (x.is_nan() && y.is_nan()))
        };
        assert!(same(&r.fvg, &[nan, 1., 1., nan, -1., nan]), "{:?}", r.fvg);
        assert!(same(&r.top, &[nan, 10.9, 12.9, nan, 12.9, nan]));
        assert!(same(&r.bottom, &[nan, 10.8, 11.2, nan, 12.2, nan]));
        assert!(same(&r.mitigated_index, &[nan, 0., 4., nan, 0., nan]));
        let j = fvg(&o, &h, &l, &c, true);
        assert!(same(&j.fvg, &[nan, nan, 1., nan, -1., nan]));
        assert!(same(&j.top, &[nan, nan, 12.9, nan, 12.9, nan]));
        assert!(same(&j.bottom, &[nan, nan, 10.8, nan, 12.2, nan]));
        assert!(same(&j.mitigated_index, &[nan, nan, 4., nan, 0., nan]));
    }
}
