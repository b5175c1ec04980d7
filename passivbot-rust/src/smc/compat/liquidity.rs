//! `liquidity(ohlc, swing_highs_lows, range_percent)`: groups of equal swing highs/lows.
//!
//! Tolerance `pr = (max(high) - min(low)) * range_percent` over the whole input (look-ahead).
//! For each unconsumed swing high i: `Swept` = first j > i with `h[j] >= Lv + pr` (0 if none);
//! later unconsumed swing highs with level in `[Lv - pr, Lv + pr]`, scanned until the first one at
//! or after `Swept`, join the group and are consumed. A group of >= 2 is written at i: +1,
//! mean level, `End` = last member's bar, `Swept`. Lows mirror (`l[j] <= Lv - pr`).

use crate::smc::util::{first_crossing_down, first_crossing_up};

/// Output columns `Liquidity` (+1/-1/NaN), `Level`, `End`, `Swept` (float32 values).
#[derive(Clone, Debug, PartialEq)]
pub struct Liquidity {
    pub liquidity: Vec<f64>,
    pub level: Vec<f64>,
    pub end: Vec<f64>,
    pub swept: Vec<f64>,
}

fn groups(
    pivots: &[usize],
    levels: &[f64],
    swept: &[usize],
    pr: f64,
    n: usize,
    dir: i8,
    out: &mut Liquidity,
) {
    let mut consumed = vec![false; pivots.len()];
    for a in 0..pivots.len() {
        if consumed[a] {
            continue;
        }
        consumed[a] = true;
        let lv = levels[a];
        let (lo, hi) = (lv - pr, lv + pr);
        let sw = swept[a];
        let mut sum = lv;
        let mut count = 1usize;
        let mut end = pivots[a];
        for b in a + 1..pivots.len() {
            if sw < n && pivots[b] >= sw {
                break;
            }
            if !consumed[b] && levels[b] >= lo && levels[b] <= hi {
                consumed[b] = true;
                sum += levels[b];
                count += 1;
                end = pivots[b];
            }
        }
        if count >= 2 {
            let i = pivots[a];
            out.liquidity[i] = dir as f64;
            out.level[i] = (sum / count as f64) as f32 as f64;
            out.end[i] = end as f32 as f64;
            out.swept[i] = if sw < n { sw as f32 as f64 } else { 0.0 };
        }
    }
}

pub fn liquidity(
    high: &[f64],
    low: &[f64],
    swing_high_low: &[f64],
    swing_level: &[f64],
    range_percent: f64,
) -> Liquidity {
    let n = high.len();
    let mut out = Liquidity {
        liquidity: vec![f64::NAN; n],
        level: vec![f64::NAN; n],
        end: vec![f64::NAN; n],
        swept: vec![f64::NAN; n],
    };
    if n == 0 {
        return out;
    }
    let hmax = high.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let lmin = low.iter().cloned().fold(f64::INFINITY, f64::min);
    let pr = (hmax - lmin) * range_percent;

    let highs: Vec<usize> = (0..n).filter(|&i| swing_high_low[i] == 1.0).collect();
    let lows: Vec<usize> = (0..n).filter(|&i| swing_high_low[i] == -1.0).collect();
    let hlev: Vec<f64> = highs.iter().map(|&i| swing_level[i]).collect();
    let llev: Vec<f64> = lows.iter().map(|&i| swing_level[i]).collect();
    let hq: Vec<(usize, f64)> = highs
        .iter()
        .zip(&hlev)
        .map(|(&i, &lv)| (i + 1, lv + pr))
        .collect();
    let lq: Vec<(usize, f64)> = lows
        .iter()
        .zip(&llev)
        .map(|(&i, &lv)| (i + 1, lv - pr))
        .collect();
    let hswept = first_crossing_up(high, &hq, false);
    let lswept = first_crossing_down(low, &lq, false);
    groups(&highs, &hlev, &hswept, pr, n, 1, &mut out);
    groups(&lows, &llev, &lswept, pr, n, -1, &mut out);
    out
}
