//! FVG lifecycle: detected at the close of the third candle with the compat rule (middle candle
//! in the gap's direction, strict gap between candles 1 and 3) and a minimum size of
//! `fvg_min_size_atr` × ATR; then `FvgTouched` (near edge reached), `FvgCe` (midpoint),
//! `FvgFilled` (far edge: removed), or `FvgExpired`.

use serde::{Deserialize, Serialize};

use super::pivots::History;
use super::{Ctx, EngineParams, EventKind, Scale, NO_ID};

/// A live fair value gap.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct FvgState {
    pub id: u32,
    pub dir: i8,
    /// The middle candle.
    pub anchor: usize,
    /// The third candle.
    pub known: usize,
    pub top: f64,
    pub bottom: f64,
    pub touched: bool,
    pub ce: bool,
}

impl FvgState {
    /// Consequent encroachment: the gap's midpoint.
    pub fn ce_level(&self) -> f64 {
        0.5 * (self.top + self.bottom)
    }
}

#[derive(Clone, Debug, Default)]
pub struct Fvgs {
    pub active: Vec<FvgState>,
}

fn emit(ctx: &mut Ctx, kind: EventKind, f: &FvgState) {
    let level = match kind {
        EventKind::FvgCe => f.ce_level(),
        EventKind::FvgFilled => {
            if f.dir == 1 {
                f.bottom
            } else {
                f.top
            }
        }
        _ => {
            if f.dir == 1 {
                f.top
            } else {
                f.bottom
            }
        }
    };
    ctx.emit(
        kind,
        f.dir,
        Scale::Internal,
        f.id,
        NO_ID,
        f.anchor,
        level,
        f.top,
        f.bottom,
        0.0,
    );
}

impl Fvgs {
    pub fn on_bar(&mut self, ctx: &mut Ctx, hist: &History, p: &EngineParams) {
        let bar = ctx.bar;
        let mut active = std::mem::take(&mut self.active);
        active.retain_mut(|f| {
            if p.fvg_max_age > 0 && ctx.i - f.known > p.fvg_max_age {
                emit(ctx, EventKind::FvgExpired, f);
                return false;
            }
            let ce = f.ce_level();
            let (touch, half, fill) = if f.dir == 1 {
                (bar.low <= f.top, bar.low <= ce, bar.low <= f.bottom)
            } else {
                (bar.high >= f.bottom, bar.high >= ce, bar.high >= f.top)
            };
            if touch && !f.touched {
                f.touched = true;
                emit(ctx, EventKind::FvgTouched, f);
            }
            if half && !f.ce {
                f.ce = true;
                emit(ctx, EventKind::FvgCe, f);
            }
            if fill {
                emit(ctx, EventKind::FvgFilled, f);
                return false;
            }
            true
        });
        self.active = active;

        if ctx.i < 2 {
            return;
        }
        let (a, _) = *hist.get(ctx.i - 2);
        let (m, _) = *hist.get(ctx.i - 1);
        let c = bar;
        let gap = if m.close > m.open && a.high < c.low {
            Some((1i8, c.low, a.high))
        } else if m.close < m.open && a.low > c.high {
            Some((-1i8, a.low, c.high))
        } else {
            None
        };
        let Some((dir, top, bottom)) = gap else {
            return;
        };
        if top - bottom < p.fvg_min_size_atr * ctx.atr {
            return;
        }
        let f = FvgState {
            id: ctx.new_id(),
            dir,
            anchor: ctx.i - 1,
            known: ctx.i,
            top,
            bottom,
            touched: false,
            ce: false,
        };
        emit(ctx, EventKind::FvgCreated, &f);
        self.active.push(f);
        if self.active.len() > p.max_active {
            let old = self.active.remove(0);
            emit(ctx, EventKind::FvgExpired, &old);
        }
    }
}
