//! `bos_choch(ohlc, swing_highs_lows, close_break)`: the library's 4-pivot BOS/CHOCH pattern.
//!
//! Each new swing label d (end-point labels included) with the three before it (a, b, c) is
//! checked; a hit is written at b's bar with `Level = level(b)` stored as float32. The break is the
//! first bar j >= b+2 whose close (or high/low) crosses the float32 level; a break at j deletes
//! every earlier still-flagged row whose own break is at or after j, leaving its `BrokenIndex`
//! in place (the library's orphan rows). Unbroken rows are cleared.

use std::collections::BinaryHeap;

use crate::smc::util::{f32r, first_crossing_down, first_crossing_up};

/// Output columns: `BOS`, `CHOCH` (+1/-1/NaN), `Level` (float32 values), `BrokenIndex`.
#[derive(Clone, Debug, PartialEq)]
pub struct BosChoch {
    pub bos: Vec<f64>,
    pub choch: Vec<f64>,
    pub level: Vec<f64>,
    pub broken_index: Vec<f64>,
}

/// Pattern of the last four labels `a, b, c, d`: `(bos, choch)` direction at b, 0 if none.
fn pattern(types: [i8; 4], lv: [f64; 4]) -> (i8, i8) {
    let [a, b, c, d] = lv;
    match types {
        [-1, 1, -1, 1] => {
            if a < c && c < b && b < d {
                (1, 0)
            } else if c < a && a < b && b < d {
                (0, 1)
            } else {
                (0, 0)
            }
        }
        [1, -1, 1, -1] => {
            if a > c && c > b && b > d {
                (-1, 0)
            } else if c > a && a > b && b > d {
                (0, -1)
            } else {
                (0, 0)
            }
        }
        _ => (0, 0),
    }
}

pub fn bos_choch(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    swing_high_low: &[f64],
    swing_level: &[f64],
    close_break: bool,
) -> BosChoch {
    let n = close.len();
    let mut bos = vec![0i8; n];
    let mut choch = vec![0i8; n];
    let mut level = vec![0.0f64; n];
    let mut broken = vec![0usize; n];

    let mut types: Vec<i8> = Vec::new();
    let mut levels: Vec<f64> = Vec::new();
    let mut bars: Vec<usize> = Vec::new();
    for i in 0..n {
        let t = swing_high_low[i];
        if t.is_nan() || t == 0.0 {
            continue;
        }
        types.push(if t > 0.0 { 1 } else { -1 });
        levels.push(swing_level[i]);
        bars.push(i);
        let k = types.len();
        if k >= 4 {
            let ty = [types[k - 4], types[k - 3], types[k - 2], types[k - 1]];
            let lv = [levels[k - 4], levels[k - 3], levels[k - 2], levels[k - 1]];
            let (b_dir, c_dir) = pattern(ty, lv);
            if b_dir != 0 || c_dir != 0 {
                let at = bars[k - 3];
                bos[at] = b_dir;
                choch[at] = c_dir;
                level[at] = f32r(lv[1]);
            }
        }
    }

    // Break search for every flagged row (independent of the deletions below).
    let flagged: Vec<usize> = (0..n).filter(|&i| bos[i] != 0 || choch[i] != 0).collect();
    let up_src = if close_break { close } else { high };
    let dn_src = if close_break { close } else { low };
    let up_q: Vec<(usize, f64)> = flagged
        .iter()
        .filter(|&&i| bos[i] + choch[i] > 0)
        .map(|&i| (i + 2, level[i]))
        .collect();
    let dn_q: Vec<(usize, f64)> = flagged
        .iter()
        .filter(|&&i| bos[i] + choch[i] < 0)
        .map(|&i| (i + 2, level[i]))
        .collect();
    let up_hits = first_crossing_up(up_src, &up_q, true);
    let dn_hits = first_crossing_down(dn_src, &dn_q, true);
    let (mut ui, mut di) = (0, 0);
    // Still-flagged rows with a break, by break bar (max-heap): a break at j deletes those >= j.
    let mut pending: BinaryHeap<(usize, usize)> = BinaryHeap::new();
    for &i in &flagged {
        let hit = if bos[i] + choch[i] > 0 {
            ui += 1;
            up_hits[ui - 1]
        } else {
            di += 1;
            dn_hits[di - 1]
        };
        if hit >= n {
            continue;
        }
        broken[i] = hit;
        while let Some(&(j, k)) = pending.peek() {
            if j < hit {
                break;
            }
            pending.pop();
            bos[k] = 0;
            choch[k] = 0;
            level[k] = 0.0;
        }
        pending.push((hit, i));
    }

    let nan_if_zero = |v: f64| if v == 0.0 { f64::NAN } else { v };
    let mut out = BosChoch {
        bos: vec![f64::NAN; n],
        choch: vec![f64::NAN; n],
        level: vec![f64::NAN; n],
        broken_index: vec![f64::NAN; n],
    };
    for i in 0..n {
        let keep = broken[i] != 0;
        if keep {
            out.bos[i] = nan_if_zero(bos[i] as f64);
            out.choch[i] = nan_if_zero(choch[i] as f64);
            out.level[i] = nan_if_zero(level[i]);
        }
        out.broken_index[i] = nan_if_zero(broken[i] as f64);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smc::compat::swings::swing_highs_lows;

    /// Micro-fixture C of the spec (swing_length 1).
    #[test]
    fn fixture_c() {
        let high = [
            10., 11., 12., 11., 10., 11., 13., 12., 11., 12., 14., 13., 12., 11., 10., 9., 10.,
            11., 10., 9., 8., 9., 8., 7.,
        ];
        let low: Vec<f64> = high.iter().map(|h| h - 1.0).collect();
        let close: Vec<f64> = high.iter().map(|h| h - 0.2).collect();
        let sw = swing_highs_lows(&high, &low, 1);
        let r = bos_choch(&high, &low, &close, &sw.high_low, &sw.level, true);
        let rows: Vec<(usize, f64, f64, f64, f64)> = (0..high.len())
            .filter(|&i| !r.bos[i].is_nan() || !r.choch[i].is_nan())
            .map(|i| (i, r.bos[i], r.choch[i], r.level[i], r.broken_index[i]))
            .collect();
        let nan = f64::NAN;
        let expected = [
            (2, nan, 1.0, 12.0, 6.0),
            (6, 1.0, nan, 13.0, 10.0),
            (8, nan, -1.0, 10.0, 14.0),
            (15, -1.0, nan, 8.0, 20.0),
            (20, -1.0, nan, 7.0, 23.0),
        ];
        assert_eq!(rows.len(), expected.len(), "{rows:?}");
        for (got, want) in rows.iter().zip(expected.iter()) {
            assert_eq!(got.0, want.0);
            assert!(
                got.1 == want.1 || (got.1.is_nan() && want.1.is_nan()),
                "{got:?}"
            );
            assert!(
                got.2 == want.2 || (got.2.is_nan() && want.2.is_nan()),
                "{got:?}"
            );
            assert_eq!((got.3, got.4), (want.3, want.4));
        }
    }
}
