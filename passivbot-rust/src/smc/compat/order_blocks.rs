//! `ob(ohlc, swing_highs_lows, close_mitigation)`: the library's order blocks, quirks included.
//!
//! A bullish pass over all bars, then a bearish pass, sharing per-bar output slots and a per-bar
//! "breaker" flag (neither pass resets it, so a slot keeps it across OBs and across passes).
//! Bullish pass at bar i: active OBs (creation order) that are breakers are erased when
//! `h[i] > Top`; the others become breakers when `l[i] < Bottom` (or `min(o,c)` with
//! `close_mitigation`) with `MitigatedIndex = i - 1`. Then, if the latest swing high p < i is
//! unused and `c[i] > h[p]`, the OB candle is the lowest low of `p+1 .. i-1` (latest on ties) with
//! Top/Bottom = its high/low, or bar i-1 with Top/Bottom = its low/high (swapped) when
//! `i - p == 1`. Volumes: `OBVolume = v[i] + v[i-1] + v[i-2]`, `Percentage = 100 min(A,B)/max(A,B)`
//! with A = v[i] + v[i-1], B = v[i-2] (missing bars count 0; 100 when both are 0). Bearish pass:
//! the mirror with `MitigatedIndex = i` (no -1).

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

/// f64 with a total order, for heap keys.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Key(f64);

impl Eq for Key {}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// Output columns `OB` (+1/-1/NaN), `Top`, `Bottom`, `OBVolume`, `MitigatedIndex`, `Percentage`
/// (all but `OB` hold float32 values).
#[derive(Clone, Debug, PartialEq)]
pub struct OrderBlocks {
    pub ob: Vec<f64>,
    pub top: Vec<f64>,
    pub bottom: Vec<f64>,
    pub ob_volume: Vec<f64>,
    pub mitigated_index: Vec<f64>,
    pub percentage: Vec<f64>,
}

struct Slots {
    ob: Vec<i8>,
    top: Vec<f64>,
    bottom: Vec<f64>,
    volume: Vec<f64>,
    mitigated: Vec<f64>,
    pct: Vec<f64>,
    breaker: Vec<bool>,
}

impl Slots {
    fn erase(&mut self, k: usize) {
        self.ob[k] = 0;
        self.top[k] = 0.0;
        self.bottom[k] = 0.0;
        self.volume[k] = 0.0;
        self.mitigated[k] = 0.0;
        self.pct[k] = 0.0;
    }
}

/// Arrays of one side seen through a mirror: the bearish pass is the bullish pass on negated
/// prices (highs become lows), so both share one implementation.
struct Side<'a> {
    dir: i8,
    open: &'a [f64],
    close: &'a [f64],
    /// The side's "far" extreme used for the trigger and OB candle choice (high for bullish).
    ext: &'a [f64],
    /// The opposite extreme (low for bullish).
    opp: &'a [f64],
    high: &'a [f64],
    low: &'a [f64],
    volume: &'a [f64],
    pivots: Vec<usize>,
}

fn run_side(s: &Side, close_mitigation: bool, slots: &mut Slots) {
    let n = s.close.len();
    let sign = s.dir as f64;
    // In mirrored space (x * sign) every comparison is the bullish one.
    let m = |v: f64| v * sign;
    let mut used = vec![false; n];
    // Live OBs of this side, by the price that changes their state (in mirrored space):
    // breakers are erased when the extreme exceeds their far edge (smallest first), the others
    // become breakers when the probe falls below their near edge (largest first). Each slot
    // changes independently, so this is the library's creation-order scan in O(log n).
    let mut waiting: BinaryHeap<(Key, usize)> = BinaryHeap::new();
    let mut breakers: BinaryHeap<Reverse<(Key, usize)>> = BinaryHeap::new();
    let near_far = |slots: &Slots, k: usize| {
        if s.dir > 0 {
            (slots.bottom[k], slots.top[k])
        } else {
            (slots.top[k], slots.bottom[k])
        }
    };
    let mut next_pivot = 0usize;
    let vol = |k: isize| if k >= 0 { s.volume[k as usize] } else { 0.0 };
    for i in 0..n {
        // Bullish: erase a breaker when h > Top, mitigate when l < Bottom; bearish mirrored.
        while let Some(&Reverse((Key(far), k))) = breakers.peek() {
            if m(s.ext[i]) > far {
                breakers.pop();
                slots.erase(k);
            } else {
                break;
            }
        }
        let probe = if close_mitigation {
            if s.dir > 0 {
                s.open[i].min(s.close[i])
            } else {
                s.open[i].max(s.close[i])
            }
        } else {
            s.opp[i]
        };
        while let Some(&(Key(near), k)) = waiting.peek() {
            if m(probe) < near {
                waiting.pop();
                slots.breaker[k] = true;
                slots.mitigated[k] = if s.dir > 0 { i as f64 - 1.0 } else { i as f64 };
                breakers.push(Reverse((Key(m(near_far(slots, k).1)), k)));
            } else {
                break;
            }
        }
        // Latest pivot strictly before i.
        while next_pivot < s.pivots.len() && s.pivots[next_pivot] < i {
            next_pivot += 1;
        }
        if next_pivot == 0 {
            continue;
        }
        let p = s.pivots[next_pivot - 1];
        if used[p] || m(s.close[i]) <= m(s.ext[p]) {
            continue;
        }
        used[p] = true;
        let (at, top, bottom);
        if i - p > 1 {
            // Most extreme opposite wick in p+1 .. i-1, latest on ties.
            let mut best = p + 1;
            for j in p + 2..i {
                if m(s.opp[j]) <= m(s.opp[best]) {
                    best = j;
                }
            }
            at = best;
            (top, bottom) = (s.high[at], s.low[at]);
        } else {
            // i - p == 1: bar i-1; the bullish side swaps its bounds (Top = low, Bottom = high),
            // the bearish side keeps the normal orientation. `opp` is low (bullish) / high.
            at = i - 1;
            (top, bottom) = (s.opp[at], s.ext[at]);
        }
        let ii = i as isize;
        let recent = vol(ii) + vol(ii - 1);
        let older = vol(ii - 2);
        slots.ob[at] = s.dir;
        slots.top[at] = top as f32 as f64;
        slots.bottom[at] = bottom as f32 as f64;
        slots.volume[at] = (vol(ii) + vol(ii - 1) + vol(ii - 2)) as f32 as f64;
        let hi = recent.max(older);
        slots.pct[at] = if hi != 0.0 {
            (recent.min(older) / hi * 100.0) as f32 as f64
        } else {
            100.0
        };
        let (near, far) = near_far(slots, at);
        if slots.breaker[at] {
            breakers.push(Reverse((Key(m(far)), at)));
        } else {
            waiting.push((Key(m(near)), at));
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub fn ob(
    open: &[f64],
    high: &[f64],
    low: &[f64],
    close: &[f64],
    volume: &[f64],
    swing_high_low: &[f64],
    close_mitigation: bool,
) -> OrderBlocks {
    let n = close.len();
    let mut slots = Slots {
        ob: vec![0; n],
        top: vec![0.0; n],
        bottom: vec![0.0; n],
        volume: vec![0.0; n],
        mitigated: vec![0.0; n],
        pct: vec![0.0; n],
        breaker: vec![false; n],
    };
    let highs: Vec<usize> = (0..n).filter(|&i| swing_high_low[i] == 1.0).collect();
    let lows: Vec<usize> = (0..n).filter(|&i| swing_high_low[i] == -1.0).collect();
    let bull = Side {
        dir: 1,
        open,
        close,
        ext: high,
        opp: low,
        high,
        low,
        volume,
        pivots: highs,
    };
    run_side(&bull, close_mitigation, &mut slots);
    let bear = Side {
        dir: -1,
        open,
        close,
        ext: low,
        opp: high,
        high,
        low,
        volume,
        pivots: lows,
    };
    run_side(&bear, close_mitigation, &mut slots);

    let mut out = OrderBlocks {
        ob: vec![f64::NAN; n],
        top: vec![f64::NAN; n],
        bottom: vec![f64::NAN; n],
        ob_volume: vec![f64::NAN; n],
        mitigated_index: vec![f64::NAN; n],
        percentage: vec![f64::NAN; n],
    };
    for i in 0..n {
        if slots.ob[i] != 0 {
            out.ob[i] = slots.ob[i] as f64;
            out.top[i] = slots.top[i];
            out.bottom[i] = slots.bottom[i];
            out.ob_volume[i] = slots.volume[i];
            out.mitigated_index[i] = slots.mitigated[i] as f32 as f64;
            out.percentage[i] = slots.pct[i];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smc::compat::swings::swing_highs_lows;

    fn rows(r: &OrderBlocks) -> Vec<[f64; 6]> {
        (0..r.ob.len())
            .filter(|&i| !r.ob[i].is_nan())
            .map(|i| {
                [
                    i as f64,
                    r.ob[i],
                    r.top[i],
                    r.bottom[i],
                    r.ob_volume[i],
                    r.mitigated_index[i],
                ]
            })
            .collect()
    }

    /// Micro-fixture C of the spec with volume 10 everywhere (swing_length 1).
    #[test]
    fn fixture_c_with_volume() {
        let high = [
            10., 11., 12., 11., 10., 11., 13., 12., 11., 12., 14., 13., 12., 11., 10., 9., 10.,
            11., 10., 9., 8., 9., 8., 7.,
        ];
        let low: Vec<f64> = high.iter().map(|h| h - 1.0).collect();
        let close: Vec<f64> = high.iter().map(|h| h - 0.2).collect();
        let open: Vec<f64> = low.iter().map(|l| l + 0.2).collect();
        let volume = vec![10.0; high.len()];
        let sw = swing_highs_lows(&high, &low, 1);
        let r = ob(&open, &high, &low, &close, &volume, &sw.high_low, false);
        let want = vec![
            [8., 1., 11., 10., 30., 13.],
            [10., -1., 14., 13., 30., 0.],
            [17., -1., 11., 10., 30., 0.],
            [21., -1., 9., 8., 30., 0.],
        ];
        assert_eq!(rows(&r), want);
        for i in [8, 10, 17, 21] {
            assert_eq!(r.percentage[i], 50.0);
        }
    }

    /// The library's own 3-bar test: the swapped bounds and the missing-bar volume.
    #[test]
    fn three_bars_swapped_bounds() {
        let open = [1.0, 1.1, 1.2];
        let high = [1.05, 1.15, 1.25];
        let low = [0.95, 1.05, 1.15];
        let close = [1.02, 1.14, 1.24];
        let volume = [5.0, 6.0, 7.0];
        let sw = swing_highs_lows(&high, &low, 1);
        assert_eq!(sw.high_low, vec![1.0, -1.0, 1.0]);
        let r = ob(&open, &high, &low, &close, &volume, &sw.high_low, false);
        assert_eq!(r.ob[0], 1.0);
        assert_eq!(r.top[0], 0.95f32 as f64);
        assert_eq!(r.bottom[0], 1.05f32 as f64);
        assert_eq!(r.ob_volume[0], 11.0);
        assert_eq!(r.mitigated_index[0], 0.0);
        assert_eq!(r.percentage[0], 0.0);
        assert!(r.ob[1].is_nan() && r.ob[2].is_nan());
    }
}
