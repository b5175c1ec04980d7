//! `retracements(ohlc, swing_highs_lows)`: retracement percentages of the current swing leg.
//!
//! Per bar: direction (+1 after a swing high, -1 after a swing low), then, if the previous bar's
//! direction was +1, the current retracement from the last swing high towards the last swing low
//! using the low; if the current direction is -1, the one from the low towards the high using the
//! high (overwriting the first on a swing-low bar). Deepest = running max within the direction.
//! Values are rounded to one decimal (Python `round`), unclamped. Then all three columns are
//! shifted one bar later (the last value wraps into row 0) and every row up to and including the
//! third change of direction is zeroed (every row but the last when there are fewer changes).

use crate::smc::util::round1;

/// Output columns `Direction`, `CurrentRetracement%`, `DeepestRetracement%`.
#[derive(Clone, Debug, PartialEq)]
pub struct Retracements {
    pub direction: Vec<i32>,
    pub current: Vec<f64>,
    pub deepest: Vec<f64>,
}

pub fn retracements(
    high: &[f64],
    low: &[f64],
    swing_high_low: &[f64],
    swing_level: &[f64],
) -> Retracements {
    let n = high.len();
    let mut dir = vec![0i32; n];
    let mut cur = vec![0.0f64; n];
    let mut deep = vec![0.0f64; n];
    let (mut top, mut bottom) = (0.0f64, 0.0f64);
    for i in 0..n {
        let prev = if i > 0 { dir[i - 1] } else { 0 };
        let prev_deep = if i > 0 { deep[i - 1] } else { 0.0 };
        if swing_high_low[i] == 1.0 {
            dir[i] = 1;
            top = swing_level[i];
        } else if swing_high_low[i] == -1.0 {
            dir[i] = -1;
            bottom = swing_level[i];
        } else {
            dir[i] = prev;
        }
        if prev == 1 {
            cur[i] = if top != bottom {
                round1(100.0 - ((low[i] - bottom) / (top - bottom)) * 100.0)
            } else {
                0.0
            };
            deep[i] = (if prev == 1 { prev_deep } else { 0.0 }).max(cur[i]);
        }
        if dir[i] == -1 {
            cur[i] = if top != bottom {
                round1(100.0 - ((high[i] - top) / (bottom - top)) * 100.0)
            } else {
                0.0
            };
            deep[i] = (if prev == -1 { prev_deep } else { 0.0 }).max(cur[i]);
        }
    }
    if n > 0 {
        dir.rotate_right(1);
        cur.rotate_right(1);
        deep.rotate_right(1);
    }
    // Zero rows 0 ..= r where r is the row of the third direction change; with fewer changes
    // every row but the last (the library's scan stops at the second-to-last row).
    let mut changes = 0;
    let mut last = n.checked_sub(2);
    for i in 1..n {
        if dir[i] != dir[i - 1] {
            changes += 1;
            if changes == 3 {
                last = Some(i);
                break;
            }
        }
    }
    if let Some(last) = last {
        for i in 0..=last {
            dir[i] = 0;
            cur[i] = 0.0;
            deep[i] = 0.0;
        }
    }
    Retracements {
        direction: dir,
        current: cur,
        deepest: deep,
    }
}
