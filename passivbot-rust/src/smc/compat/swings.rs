//! `swing_highs_lows(ohlc, swing_length)`: the library's swing points, look-ahead included.
//!
//! Candidates: bar i with `2N-1 <= i <= n-1-N` whose high (low) is the extreme of the
//! asymmetric window `i-N+1 ..= i+N`; a bar that is both is a high. Clean-up: in each maximal run
//! of same-type candidates keep the most extreme (earliest on ties). Then bar 0 and bar n-1 are
//! labelled with the type opposite to their neighbouring pivot, at their own high/low.

/// `HighLow` (+1 high, -1 low, NaN) and `Level` per bar.
#[derive(Clone, Debug, PartialEq)]
pub struct Swings {
    pub high_low: Vec<f64>,
    pub level: Vec<f64>,
}

/// Pivot candidates before the clean-up: `(bar, +1 | -1)` in time order.
///
/// Direct test with early exit: on market data almost every bar is beaten by a close neighbour,
/// so this is O(n) in practice (O(n·N) only on contrived series) and faster than a sliding-window
/// deque.
pub fn swing_candidates(high: &[f64], low: &[f64], swing_length: usize) -> Vec<(usize, i8)> {
    let n = high.len();
    let len = swing_length.max(1);
    let mut out = Vec::new();
    if n < 3 * len {
        return out;
    }
    for i in (2 * len - 1)..=(n - 1 - len) {
        // Window i-N+1 ..= i+N; nearest neighbours first.
        let (h, l) = (high[i], low[i]);
        let mut is_high = true;
        let mut is_low = true;
        for d in 1..=len {
            let r = i + d;
            if is_high && (high[r] > h || (d < len && high[i - d] > h)) {
                is_high = false;
            }
            if is_low && (low[r] < l || (d < len && low[i - d] < l)) {
                is_low = false;
            }
            if !is_high && !is_low {
                break;
            }
        }
        if is_high {
            out.push((i, 1));
        } else if is_low {
            out.push((i, -1));
        }
    }
    out
}

pub fn swing_highs_lows(high: &[f64], low: &[f64], swing_length: usize) -> Swings {
    let n = high.len();
    let mut out = Swings {
        high_low: vec![f64::NAN; n],
        level: vec![f64::NAN; n],
    };
    let cands = swing_candidates(high, low, swing_length);
    // Keep the most extreme member of each same-type run (earliest on ties).
    let mut kept: Vec<(usize, i8)> = Vec::new();
    for (i, t) in cands {
        match kept.last_mut() {
            Some(last) if last.1 == t => {
                let more = if t == 1 {
                    high[i] > high[last.0]
                } else {
                    low[i] < low[last.0]
                };
                if more {
                    *last = (i, t);
                }
            }
            _ => kept.push((i, t)),
        }
    }
    let (Some(&first), Some(&last)) = (kept.first(), kept.last()) else {
        return out;
    };
    for &(i, t) in &kept {
        out.high_low[i] = t as f64;
        out.level[i] = if t == 1 { high[i] } else { low[i] };
    }
    for (bar, t) in [(0, -first.1), (n - 1, -last.1)] {
        out.high_low[bar] = t as f64;
        out.level[bar] = if t == 1 { high[bar] } else { low[bar] };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(s: &Swings) -> Vec<(usize, i8, f64)> {
        (0..s.high_low.len())
            .filter(|&i| !s.high_low[i].is_nan())
            .map(|i| (i, s.high_low[i] as i8, s.level[i]))
            .collect()
    }

    /// Micro-fixture B of the spec (highs given, lows = highs - 1).
    #[test]
    fn fixture_b() {
        let high = [5., 6., 7., 6., 5., 6., 8., 7., 6., 5., 4., 5., 6., 7., 6.];
        let low: Vec<f64> = high.iter().map(|h| h - 1.0).collect();
        let n1 = vec![
            (0, 1, 5.),
            (1, -1, 5.),
            (2, 1, 7.),
            (4, -1, 4.),
            (6, 1, 8.),
            (10, -1, 3.),
            (13, 1, 7.),
            (14, -1, 5.),
        ];
        assert_eq!(labels(&swing_highs_lows(&high, &low, 1)), n1);
        let n2 = vec![
            (0, 1, 5.),
            (4, -1, 4.),
            (6, 1, 8.),
            (10, -1, 3.),
            (14, 1, 6.),
        ];
        assert_eq!(labels(&swing_highs_lows(&high, &low, 2)), n2);
        let n3 = vec![(0, -1, 4.), (6, 1, 8.), (10, -1, 3.), (14, 1, 6.)];
        assert_eq!(labels(&swing_highs_lows(&high, &low, 3)), n3);
    }

    #[test]
    fn too_short_gives_nothing() {
        let s = swing_highs_lows(&[1.0, 2.0], &[0.5, 1.5], 1);
        assert!(s.high_low.iter().all(|v| v.is_nan()));
        assert!(swing_highs_lows(&[], &[], 5).high_low.is_empty());
    }
}
