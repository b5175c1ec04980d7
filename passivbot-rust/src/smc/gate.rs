//! SMC gate for initial entries (issue: "use in trading"): may a side open a new position on a
//! coin, given the causal engine's state on a higher timeframe and the current price?
//!
//! Longs (shorts mirror):
//! - **trend**: the structure trend must be bullish — the internal or the swing scale, either or
//!   both (`TrendRule`); optionally the last bullish break must be recent (`max_break_age` HTF bars);
//! - **location** (optional): the price is in discount (below the swing range's equilibrium band) or
//!   inside a live bullish order block or FVG (with `fresh_zones_only`, one price had not traded back
//!   into as of the last HTF bar).
//!
//! Only state known at the last closed HTF bar is used; the current 1m close only decides where the
//! price is. A gate evaluated at minute k thus lets orders through that fill at k+1 at the earliest,
//! never before the confirming bar has closed.

use serde::{Deserialize, Serialize};

use super::engine::{Bar, Engine, EngineParams, Event, Snapshot};
use super::htf::{Aggregator, HtfBar};
use crate::types::Pside;

/// Which structure scale's trend must agree with the side.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrendRule {
    Off,
    Internal,
    Swing,
    Either,
    Both,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GateParams {
    pub trend: TrendRule,
    /// The last break in the side's direction at most this many HTF bars old (0 = any age).
    pub max_break_age: usize,
    /// Require discount (premium for shorts) or a zone of the side's direction around the price.
    pub location: bool,
    /// Zones count only while price has not traded back into them yet.
    pub fresh_zones_only: bool,
}

impl Default for GateParams {
    fn default() -> Self {
        GateParams {
            trend: TrendRule::Either,
            max_break_age: 0,
            location: true,
            fresh_zones_only: true,
        }
    }
}

/// Everything the backtester needs to run the gate: HTF period, engine and gate parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmcGateConfig {
    pub timeframe_minutes: u32,
    pub engine: EngineParams,
    pub gate: GateParams,
}

impl Default for SmcGateConfig {
    fn default() -> Self {
        SmcGateConfig {
            timeframe_minutes: 60,
            engine: EngineParams::default(),
            gate: GateParams::default(),
        }
    }
}

fn trend_ok(s: &Snapshot, dir: i8, p: &GateParams) -> bool {
    let internal = s.internal_trend == dir;
    let swing = s.swing_trend == dir;
    let trend = match p.trend {
        TrendRule::Off => return true,
        TrendRule::Internal => internal,
        TrendRule::Swing => swing,
        TrendRule::Either => internal || swing,
        TrendRule::Both => internal && swing,
    };
    if !trend || p.max_break_age == 0 {
        return trend;
    }
    let last_bar = s.bars.saturating_sub(1);
    [s.internal_break, s.swing_break]
        .iter()
        .flatten()
        .any(|b| b.dir == dir && last_bar.saturating_sub(b.known) <= p.max_break_age)
}

fn location_ok(s: &Snapshot, dir: i8, close: f64, p: &GateParams, zone_band: f64) -> bool {
    if !p.location {
        return true;
    }
    let range = s.range_top - s.range_bottom;
    if range.is_finite() && range > 0.0 {
        let position = (close - s.range_bottom) / range;
        let in_zone = if dir > 0 {
            position < 0.5 - zone_band
        } else {
            position > 0.5 + zone_band
        };
        if in_zone {
            return true;
        }
    }
    let inside = |top: f64, bottom: f64| bottom <= close && close <= top;
    s.order_blocks.iter().any(|ob| {
        ob.dir == dir && !(p.fresh_zones_only && ob.mitigated) && inside(ob.top, ob.bottom)
    }) || s
        .fvgs
        .iter()
        .any(|g| g.dir == dir && !(p.fresh_zones_only && g.touched) && inside(g.top, g.bottom))
}

/// May `pside` open a new position at `close`, given the engine state `s`? `zone_band` is the
/// engine's premium/discount band around the range's midpoint.
pub fn allows(s: &Snapshot, pside: Pside, close: f64, p: &GateParams, zone_band: f64) -> bool {
    let dir: i8 = if pside == Pside::Long { 1 } else { -1 };
    trend_ok(s, dir, p) && location_ok(s, dir, close, p, zone_band)
}

/// One coin's gate: closed 1m bars → HTF bars → causal engine → latest snapshot.
#[derive(Clone, Debug)]
pub struct CoinGate {
    aggregator: Aggregator,
    engine: Engine,
    snapshot: Snapshot,
    htf: Vec<HtfBar>,
    events: Vec<Event>,
}

impl CoinGate {
    pub fn new(config: &SmcGateConfig) -> Result<CoinGate, String> {
        let engine = Engine::new(config.engine.clone())?;
        Ok(CoinGate {
            aggregator: Aggregator::new(config.timeframe_minutes)?,
            snapshot: engine.snapshot(),
            engine,
            htf: Vec::new(),
            events: Vec::new(),
        })
    }

    /// Adds one closed 1m bar (`ts` = open time); the snapshot moves on when an HTF bar closes.
    pub fn push_minute(&mut self, bar: Bar) -> Result<(), String> {
        self.htf.clear();
        self.aggregator.push(
            bar.ts,
            bar.open,
            bar.high,
            bar.low,
            bar.close,
            bar.volume,
            &mut self.htf,
        )?;
        if self.htf.is_empty() {
            return Ok(());
        }
        for h in &self.htf {
            self.events.clear();
            self.engine.update(h.bar, &mut self.events)?;
        }
        self.snapshot = self.engine.snapshot();
        Ok(())
    }

    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    pub fn allows(&self, pside: Pside, close: f64, p: &GateParams) -> bool {
        allows(
            &self.snapshot,
            pside,
            close,
            p,
            self.engine.params().zone_band,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smc::engine::{BreakState, EventKind, ObState, Scale};

    fn empty() -> Snapshot {
        Engine::new(EngineParams::default()).unwrap().snapshot()
    }

    fn ranged(internal: i8, swing: i8) -> Snapshot {
        let mut s = empty();
        s.bars = 20;
        s.internal_trend = internal;
        s.swing_trend = swing;
        s.range_top = 110.0;
        s.range_bottom = 90.0;
        s
    }

    fn trend_only(rule: TrendRule) -> GateParams {
        GateParams {
            trend: rule,
            location: false,
            ..GateParams::default()
        }
    }

    #[test]
    fn nothing_is_allowed_before_any_structure_unless_the_gate_is_open() {
        let s = empty();
        assert!(!allows(
            &s,
            Pside::Long,
            100.0,
            &GateParams::default(),
            0.05
        ));
        assert!(!allows(
            &s,
            Pside::Short,
            100.0,
            &GateParams::default(),
            0.05
        ));
        let open = GateParams {
            trend: TrendRule::Off,
            location: false,
            ..GateParams::default()
        };
        assert!(allows(&s, Pside::Long, 100.0, &open, 0.05));
    }

    #[test]
    fn trend_rules_per_scale() {
        let s = ranged(1, -1); // internal bullish, swing bearish
        assert!(allows(
            &s,
            Pside::Long,
            100.0,
            &trend_only(TrendRule::Internal),
            0.05
        ));
        assert!(!allows(
            &s,
            Pside::Long,
            100.0,
            &trend_only(TrendRule::Swing),
            0.05
        ));
        assert!(allows(
            &s,
            Pside::Long,
            100.0,
            &trend_only(TrendRule::Either),
            0.05
        ));
        assert!(!allows(
            &s,
            Pside::Long,
            100.0,
            &trend_only(TrendRule::Both),
            0.05
        ));
        assert!(allows(
            &s,
            Pside::Short,
            100.0,
            &trend_only(TrendRule::Swing),
            0.05
        ));
        assert!(!allows(
            &s,
            Pside::Short,
            100.0,
            &trend_only(TrendRule::Internal),
            0.05
        ));
    }

    // Range 90–110, band 0.05: discount below position 0.45 (= 99), premium above 0.55 (= 101).
    #[test]
    fn location_is_discount_or_a_fresh_zone_of_the_side() {
        let p = GateParams {
            trend: TrendRule::Off,
            ..GateParams::default()
        };
        let mut s = ranged(1, 1);
        assert!(allows(&s, Pside::Long, 98.9, &p, 0.05));
        assert!(!allows(&s, Pside::Long, 99.1, &p, 0.05));
        assert!(allows(&s, Pside::Short, 101.1, &p, 0.05));
        assert!(!allows(&s, Pside::Short, 100.0, &p, 0.05));
        let ob = ObState {
            id: 1,
            dir: 1,
            scale: Scale::Internal,
            anchor: 3,
            known: 5,
            top: 100.5,
            bottom: 99.5,
            volume: 0.0,
            mitigated: false,
            break_id: 0,
        };
        s.order_blocks.push(ob);
        // at equilibrium (100) only a zone can allow an entry
        assert!(allows(&s, Pside::Long, 100.0, &p, 0.05)); // inside a fresh bullish OB
        assert!(!allows(&s, Pside::Long, 100.6, &p, 0.05)); // above it, not in discount
        assert!(!allows(&s, Pside::Short, 100.0, &p, 0.05)); // a bullish OB does not help shorts
        s.order_blocks[0].mitigated = true;
        assert!(!allows(&s, Pside::Long, 100.0, &p, 0.05));
        let any_zone = GateParams {
            fresh_zones_only: false,
            ..p
        };
        assert!(allows(&s, Pside::Long, 100.0, &any_zone, 0.05));
    }

    #[test]
    fn break_age_limits_how_old_the_confirming_break_may_be() {
        let mut s = ranged(1, 0);
        s.internal_break = Some(BreakState {
            kind: EventKind::Bos,
            dir: 1,
            id: 7,
            pivot_id: 3,
            pivot_bar: 2,
            level: 100.0,
            known: 5,
        });
        // last bar 19: the break is 14 bars old
        let recent = |age| GateParams {
            max_break_age: age,
            ..trend_only(TrendRule::Internal)
        };
        assert!(!allows(&s, Pside::Long, 100.0, &recent(10), 0.05));
        assert!(allows(&s, Pside::Long, 100.0, &recent(14), 0.05));
        assert!(allows(&s, Pside::Long, 100.0, &recent(0), 0.05));
    }
}
