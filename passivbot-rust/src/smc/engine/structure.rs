//! Market structure per scale: when the close crosses the last uncrossed pivot high (low), a
//! bullish (bearish) break is emitted — `Choch` if the trend was the other way, else `Bos` — the
//! trend flips to the break's direction and the pivot is marked crossed. Each break creates an
//! order block from the extreme opposite candle between the pivot and the break bar.

use serde::{Deserialize, Serialize};

use super::order_blocks::{Candle, OrderBlocks};
use super::pivots::{History, PivotState, Pivots};
use super::{Ctx, EngineParams, EventKind, Scale};

/// The last structure break of a scale.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct BreakState {
    pub kind: EventKind,
    pub dir: i8,
    pub id: u32,
    pub pivot_id: u32,
    pub pivot_bar: usize,
    pub level: f64,
    /// The breaking bar.
    pub known: usize,
}

/// OB candle candidates since a pivot: lowest low (bullish) / highest high (bearish), latest on
/// ties, with and without the volatility filter.
#[derive(Clone, Copy, Debug, Default)]
struct Candidates {
    any: Option<Candle>,
    calm: Option<Candle>,
}

impl Candidates {
    /// `dir` is the OB's direction: +1 keeps the lowest low, -1 the highest high.
    fn add(&mut self, c: Candle, dir: i8, calm: bool) {
        let better = |old: &Option<Candle>| match old {
            None => true,
            Some(o) => {
                if dir == 1 {
                    c.low <= o.low
                } else {
                    c.high >= o.high
                }
            }
        };
        if better(&self.any) {
            self.any = Some(c);
        }
        if calm && better(&self.calm) {
            self.calm = Some(c);
        }
    }

    fn best(&self) -> Option<Candle> {
        self.calm.or(self.any)
    }
}

#[derive(Clone, Debug)]
pub struct Structure {
    scale: Scale,
    pub pivots: Pivots,
    pub trend: i8,
    pub last_break: Option<BreakState>,
    /// Candidates for a bullish OB (since the last high) and a bearish OB (since the last low).
    bull: Candidates,
    bear: Candidates,
}

fn candle_at(hist: &History, k: usize, filter_atr: f64) -> (Candle, bool) {
    let (b, atr) = *hist.get(k);
    let calm = filter_atr <= 0.0 || b.high - b.low < filter_atr * atr;
    (
        Candle {
            bar: k,
            high: b.high,
            low: b.low,
            volume: b.volume,
        },
        calm,
    )
}

impl Structure {
    pub fn new(scale: Scale, len: usize) -> Structure {
        Structure {
            scale,
            pivots: Pivots::new(scale, len),
            trend: 0,
            last_break: None,
            bull: Candidates::default(),
            bear: Candidates::default(),
        }
    }

    pub fn on_bar(
        &mut self,
        ctx: &mut Ctx,
        hist: &History,
        new_pivots: Vec<PivotState>,
        p: &EngineParams,
        obs: &mut OrderBlocks,
    ) {
        let filter = p.ob_volatility_filter_atr;
        // A new pivot restarts the candidate search over its following bars (up to i-1).
        for piv in new_pivots {
            let mut c = Candidates::default();
            for k in piv.bar + 1..ctx.i {
                let (candle, calm) = candle_at(hist, k, filter);
                c.add(candle, piv.dir, calm);
            }
            if piv.dir == 1 {
                self.bull = c;
            } else {
                self.bear = c;
            }
        }
        let close = ctx.bar.close;
        for dir in [1i8, -1] {
            let piv = if dir == 1 {
                &mut self.pivots.last_high
            } else {
                &mut self.pivots.last_low
            };
            let Some(pv) = piv.as_mut() else { continue };
            let crossed = if dir == 1 {
                close > pv.level
            } else {
                close < pv.level
            };
            if pv.crossed || !crossed {
                continue;
            }
            pv.crossed = true;
            let pv = *pv;
            let kind = if self.trend == -dir {
                EventKind::Choch
            } else {
                EventKind::Bos
            };
            self.trend = dir;
            let id = ctx.new_id();
            ctx.emit(
                kind, dir, self.scale, id, pv.id, pv.bar, pv.level, pv.level, pv.level, 0.0,
            );
            self.last_break = Some(BreakState {
                kind,
                dir,
                id,
                pivot_id: pv.id,
                pivot_bar: pv.bar,
                level: pv.level,
                known: ctx.i,
            });
            let cands = if dir == 1 { &self.bull } else { &self.bear };
            if let Some(candle) = cands.best() {
                obs.create(ctx, dir, self.scale, candle, id, p.max_active);
            }
        }
        // The current bar becomes a candidate for later breaks.
        let (candle, calm) = candle_at(hist, ctx.i, filter);
        // Bullish OBs look at lows after the last high; bearish at highs after the last low.
        if self.pivots.last_high.is_some() {
            self.bull.add(candle, 1, calm);
        }
        if self.pivots.last_low.is_some() {
            self.bear.add(candle, -1, calm);
        }
    }
}
