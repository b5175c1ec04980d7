//! Causal pivots: bar p is a pivot high when `h[p] >= ` the highs of the `len` bars before it and
//! `>` the highs of the `len` bars after it (lows mirrored); it is confirmed at the close of
//! p + len. Structure scales keep highs and lows alternating: a second high before any low
//! replaces the first only if it is higher (the `Pivot` event names the replaced pivot in
//! `ref_id`), otherwise it is ignored. The liquidity scale keeps every pivot.

use serde::{Deserialize, Serialize};

use super::{Bar, Ctx, EventKind, Scale, NO_ID};

/// The last `cap` bars with their ATR, addressed by absolute bar index (a ring buffer whose
/// size is a power of two, so addressing is a mask, not a division).
#[derive(Clone, Debug)]
pub struct History {
    mask: usize,
    bars: Vec<(Bar, f64)>,
    /// Absolute index of the newest bar + 1.
    end: usize,
}

impl History {
    pub fn new(cap: usize) -> History {
        let size = cap.max(3).next_power_of_two();
        let empty = Bar {
            ts: 0,
            open: f64::NAN,
            high: f64::NAN,
            low: f64::NAN,
            close: f64::NAN,
            volume: 0.0,
        };
        History {
            mask: size - 1,
            bars: vec![(empty, f64::NAN); size],
            end: 0,
        }
    }

    pub fn push(&mut self, i: usize, bar: Bar, atr: f64) {
        debug_assert_eq!(i, self.end);
        self.bars[i & self.mask] = (bar, atr);
        self.end = i + 1;
    }

    /// Bar `i` with its ATR; `i` must be one of the last `cap` bars.
    #[inline]
    pub fn get(&self, i: usize) -> &(Bar, f64) {
        debug_assert!(i < self.end && i + self.mask >= self.end);
        &self.bars[i & self.mask]
    }
}

/// A confirmed pivot.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PivotState {
    pub id: u32,
    pub dir: i8,
    /// The pivot bar.
    pub bar: usize,
    /// Its high (dir +1) or low (dir -1).
    pub level: f64,
    /// The bar at whose close it was confirmed (`bar + len`).
    pub known: usize,
    /// A structure break has already used it.
    pub crossed: bool,
}

#[derive(Clone, Debug)]
pub struct Pivots {
    scale: Scale,
    pub len: usize,
    alternate: bool,
    pub last_high: Option<PivotState>,
    pub last_low: Option<PivotState>,
    last_dir: i8,
    /// Highest high since `last_high`'s bar / lowest low since `last_low`'s bar (inclusive).
    pub trail_high: f64,
    pub trail_low: f64,
}

impl Pivots {
    pub fn new(scale: Scale, len: usize) -> Pivots {
        Pivots {
            scale,
            len,
            alternate: scale != Scale::Liquidity,
            last_high: None,
            last_low: None,
            last_dir: 0,
            trail_high: f64::NAN,
            trail_low: f64::NAN,
        }
    }

    /// Confirm the pivot at `i - len` if any; returns the accepted pivots (emitted as events).
    pub fn on_bar(&mut self, ctx: &mut Ctx, hist: &History) -> Vec<PivotState> {
        let mut accepted = Vec::new();
        let (i, len) = (ctx.i, self.len);
        if i >= 2 * len {
            let p = i - len;
            let (pb, _) = *hist.get(p);
            let mut is_high = true;
            let mut is_low = true;
            for k in p - len..=i {
                if k == p {
                    continue;
                }
                let (b, _) = hist.get(k);
                if (k < p && b.high > pb.high) || (k > p && b.high >= pb.high) {
                    is_high = false;
                }
                if (k < p && b.low < pb.low) || (k > p && b.low <= pb.low) {
                    is_low = false;
                }
            }
            // An outside bar can be both: take first the type that alternates with the last one.
            let mut order: [i8; 2] = [0, 0];
            if is_high {
                order[0] = 1;
            }
            if is_low {
                order[1] = -1;
            }
            if is_high && is_low && self.last_dir == -1 {
                order.reverse();
            }
            for dir in order.into_iter().filter(|d| *d != 0) {
                let level = if dir == 1 { pb.high } else { pb.low };
                if let Some(piv) = self.accept(ctx, dir, p, level, hist) {
                    accepted.push(piv);
                }
            }
        }
        // Trailing extremes include the current bar.
        let bar = ctx.bar;
        if self.last_high.is_some() {
            self.trail_high = self.trail_high.max(bar.high);
        }
        if self.last_low.is_some() {
            self.trail_low = self.trail_low.min(bar.low);
        }
        accepted
    }

    fn accept(
        &mut self,
        ctx: &mut Ctx,
        dir: i8,
        p: usize,
        level: f64,
        hist: &History,
    ) -> Option<PivotState> {
        let last = if dir == 1 {
            self.last_high
        } else {
            self.last_low
        };
        let mut replaced = NO_ID;
        if self.alternate && self.last_dir == dir {
            let old = last.expect("last pivot of the last direction exists");
            let more = if dir == 1 {
                level > old.level
            } else {
                level < old.level
            };
            if !more {
                return None;
            }
            replaced = old.id;
        }
        let id = ctx.new_id();
        let piv = PivotState {
            id,
            dir,
            bar: p,
            level,
            known: ctx.i,
            crossed: false,
        };
        ctx.emit(
            EventKind::Pivot,
            dir,
            self.scale,
            id,
            replaced,
            p,
            level,
            level,
            level,
            0.0,
        );
        // Trailing extreme over p ..= i-1 (the current bar is added by the caller's loop).
        let mut trail = level;
        for k in p + 1..ctx.i {
            let (b, _) = hist.get(k);
            trail = if dir == 1 {
                trail.max(b.high)
            } else {
                trail.min(b.low)
            };
        }
        if dir == 1 {
            self.last_high = Some(piv);
            self.trail_high = trail;
        } else {
            self.last_low = Some(piv);
            self.trail_low = trail;
        }
        self.last_dir = dir;
        Some(piv)
    }
}
