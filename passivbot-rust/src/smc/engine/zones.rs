//! Premium/discount: the close's position in the swing range (trailing extremes since the last
//! swing-scale pivot high and low). Premium above 0.5 + band, discount below 0.5 - band,
//! equilibrium between; a `Zone` event whenever the zone changes.

use super::pivots::Pivots;
use super::{Ctx, EventKind, Scale, NO_ID};

#[derive(Clone, Debug)]
pub struct Zones {
    pub zone: i8,
    pub position: f64,
    pub top: f64,
    pub bottom: f64,
    defined: bool,
}

impl Default for Zones {
    fn default() -> Self {
        Zones {
            zone: 0,
            position: f64::NAN,
            top: f64::NAN,
            bottom: f64::NAN,
            defined: false,
        }
    }
}

impl Zones {
    pub fn on_bar(&mut self, ctx: &mut Ctx, swing: &Pivots, band: f64) {
        if swing.last_high.is_none() || swing.last_low.is_none() {
            return;
        }
        let (top, bottom) = (swing.trail_high, swing.trail_low);
        self.top = top;
        self.bottom = bottom;
        if top <= bottom {
            return;
        }
        let pos = (ctx.bar.close - bottom) / (top - bottom);
        self.position = pos;
        let zone = if pos > 0.5 + band {
            1
        } else if pos < 0.5 - band {
            -1
        } else {
            0
        };
        if !self.defined || zone != self.zone {
            self.defined = true;
            self.zone = zone;
            ctx.emit(
                EventKind::Zone,
                zone,
                Scale::Swing,
                NO_ID,
                NO_ID,
                ctx.i,
                pos,
                top,
                bottom,
                0.0,
            );
        }
    }
}
