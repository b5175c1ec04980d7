//! Order-block lifecycle: created by a structure break (zone = the OB candle's high..low),
//! `ObMitigated` at the first bar that trades back into the zone (bullish: low <= top), then
//! `ObInvalidated` when price closes (or wicks, per `ob_invalidation_close`) through the far side
//! (bullish: below bottom), or `ObExpired` after `ob_max_age` bars / beyond `max_active`.

use serde::{Deserialize, Serialize};

use super::{Ctx, EngineParams, EventKind, Scale};

/// The candle an OB is drawn from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Candle {
    pub bar: usize,
    pub high: f64,
    pub low: f64,
    pub volume: f64,
}

/// A live order block.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ObState {
    pub id: u32,
    pub dir: i8,
    pub scale: Scale,
    /// The OB candle.
    pub anchor: usize,
    /// The breaking bar that created it.
    pub known: usize,
    pub top: f64,
    pub bottom: f64,
    pub volume: f64,
    /// Price has traded back into the zone since.
    pub mitigated: bool,
    /// Id of the BOS/CHoCH event that created it.
    pub break_id: u32,
}

#[derive(Clone, Debug, Default)]
pub struct OrderBlocks {
    pub active: Vec<ObState>,
}

fn emit(ctx: &mut Ctx, kind: EventKind, ob: &ObState) {
    ctx.emit(
        kind,
        ob.dir,
        ob.scale,
        ob.id,
        ob.break_id,
        ob.anchor,
        if ob.dir == 1 { ob.top } else { ob.bottom },
        ob.top,
        ob.bottom,
        ob.volume,
    );
}

impl OrderBlocks {
    pub fn on_bar(&mut self, ctx: &mut Ctx, p: &EngineParams) {
        let bar = ctx.bar;
        let mut active = std::mem::take(&mut self.active);
        active.retain_mut(|ob| {
            if p.ob_max_age > 0 && ctx.i - ob.known > p.ob_max_age {
                emit(ctx, EventKind::ObExpired, ob);
                return false;
            }
            let (touched, invalid) = if ob.dir == 1 {
                (
                    bar.low <= ob.top,
                    if p.ob_invalidation_close {
                        bar.close < ob.bottom
                    } else {
                        bar.low < ob.bottom
                    },
                )
            } else {
                (
                    bar.high >= ob.bottom,
                    if p.ob_invalidation_close {
                        bar.close > ob.top
                    } else {
                        bar.high > ob.top
                    },
                )
            };
            if touched && !ob.mitigated {
                ob.mitigated = true;
                emit(ctx, EventKind::ObMitigated, ob);
            }
            if invalid {
                emit(ctx, EventKind::ObInvalidated, ob);
                return false;
            }
            true
        });
        self.active = active;
    }

    /// A new OB from a break (skipped if an identical live OB exists, e.g. the internal and the
    /// swing scale breaking the same pivot on the same bar).
    pub fn create(
        &mut self,
        ctx: &mut Ctx,
        dir: i8,
        scale: Scale,
        c: Candle,
        break_id: u32,
        max_active: usize,
    ) {
        if self
            .active
            .iter()
            .any(|o| o.dir == dir && o.anchor == c.bar)
        {
            return;
        }
        let ob = ObState {
            id: ctx.new_id(),
            dir,
            scale,
            anchor: c.bar,
            known: ctx.i,
            top: c.high,
            bottom: c.low,
            volume: c.volume,
            mitigated: false,
            break_id,
        };
        emit(ctx, EventKind::ObCreated, &ob);
        self.active.push(ob);
        if self.active.len() > max_active {
            let old = self.active.remove(0);
            emit(ctx, EventKind::ObExpired, &old);
        }
    }
}
