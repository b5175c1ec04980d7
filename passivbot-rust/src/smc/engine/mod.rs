//! The causal SMC engine: one closed bar at a time, no look-ahead, history never rewritten.
//!
//! Feed closed bars with [`Engine::update`] (or [`Engine::run`] for a batch — it is the same
//! loop). Each call returns the events that became known at the close of that bar: every
//! [`Event`] carries `known` (the index of that bar) and `anchor` (the bar it describes: the pivot,
//! the OB candle, the FVG's middle candle, ...). Objects (pivots, OBs, FVGs, liquidity pools)
//! have an `id`; their lifecycle changes are new events with the same id. Consequences, checked
//! by the tests: running on any prefix of the data gives exactly the events of the full run with
//! `known` inside the prefix (prefix invariance), and batch equals streaming.
//!
//! Order of work on each bar i (so that an object never reacts to the bar that created it):
//! ATR → period/session roll (new previous-day/week and session pools) → sweeps/runs of pools →
//! pivots confirmed at i (per scale) → equal-highs/lows pools → FVG lifecycle, then new FVG →
//! OB lifecycle → structure breaks (BOS/CHoCH, each creating an OB) → premium/discount zone.
//! Definitions: `docs/ai/smc.md`.

mod atr;
mod fvg;
mod liquidity;
mod order_blocks;
mod periods;
mod pivots;
pub mod sessions;
mod structure;
mod zones;

use serde::{Deserialize, Serialize};

pub use fvg::FvgState;
pub use liquidity::PoolState;
pub use order_blocks::ObState;
pub use pivots::PivotState;
pub use structure::BreakState;

/// One closed bar; `ts` is its open time in ms (UTC).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bar {
    pub ts: i64,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    pub volume: f64,
}

/// What an event or object belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum Scale {
    /// Short pivots (`internal_length`) and their structure.
    Internal = 0,
    /// Long pivots (`swing_length`) and their structure; premium/discount.
    Swing = 1,
    /// Small pivots (`liquidity_length`) forming equal highs/lows.
    Liquidity = 2,
    /// Previous UTC day high/low.
    Day = 3,
    /// Previous ISO week (Monday 00:00 UTC) high/low.
    Week = 4,
    /// A kill-zone session's high/low.
    Session = 5,
}

impl Scale {
    pub const ALL: [Scale; 6] = [
        Scale::Internal,
        Scale::Swing,
        Scale::Liquidity,
        Scale::Day,
        Scale::Week,
        Scale::Session,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Scale::Internal => "internal",
            Scale::Swing => "swing",
            Scale::Liquidity => "liquidity",
            Scale::Day => "day",
            Scale::Week => "week",
            Scale::Session => "session",
        }
    }
}

/// Event kinds. `dir` is +1 (bullish / high side) or -1 (bearish / low side).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum EventKind {
    /// Pivot confirmed (`dir` +1 high, -1 low; `level`). `ref_id` = the same-type pivot it
    /// replaced (alternation: a more extreme pivot before the opposite one replaces it).
    Pivot = 0,
    /// Close crossed the last uncrossed pivot of the scale in the trend's direction
    /// (`anchor` = pivot bar, `level`, `ref_id` = pivot id).
    Bos = 1,
    /// Same, against the previous trend (change of character).
    Choch = 2,
    /// Order block created at a structure break (`anchor` = OB candle, `top`/`bottom`, `volume`
    /// = the OB candle's volume, `ref_id` = the break's pivot id).
    ObCreated = 3,
    /// Price came back into the OB zone for the first time.
    ObMitigated = 4,
    /// Close (or wick, per `ob_invalidation`) through the far side: the OB is gone.
    ObInvalidated = 5,
    /// Older than `ob_max_age` bars or pushed out by `max_active`.
    ObExpired = 6,
    /// Fair value gap confirmed at its third candle (`anchor` = middle candle).
    FvgCreated = 7,
    /// First touch of the near edge.
    FvgTouched = 8,
    /// Consequent encroachment: the gap's midpoint was reached.
    FvgCe = 9,
    /// Completely filled (far edge reached): the FVG is gone.
    FvgFilled = 10,
    /// Older than `fvg_max_age` bars or pushed out by `max_active`.
    FvgExpired = 11,
    /// Liquidity pool: equal highs/lows (`Liquidity` scale, `anchor` = first member pivot),
    /// previous day/week high/low or a session high/low.
    PoolCreated = 12,
    /// Wick beyond the pool level, close back on the original side (reversal).
    Sweep = 13,
    /// Close beyond the pool level (continuation).
    Run = 14,
    /// Replaced by a newer pool of the same kind (previous period / session) or by `max_active`.
    PoolExpired = 15,
    /// Premium/discount zone of the close changed (`dir` +1 premium, -1 discount, 0
    /// equilibrium; `level` = position in the swing range, `top`/`bottom` = the range).
    Zone = 16,
}

impl EventKind {
    pub const ALL: [EventKind; 17] = [
        EventKind::Pivot,
        EventKind::Bos,
        EventKind::Choch,
        EventKind::ObCreated,
        EventKind::ObMitigated,
        EventKind::ObInvalidated,
        EventKind::ObExpired,
        EventKind::FvgCreated,
        EventKind::FvgTouched,
        EventKind::FvgCe,
        EventKind::FvgFilled,
        EventKind::FvgExpired,
        EventKind::PoolCreated,
        EventKind::Sweep,
        EventKind::Run,
        EventKind::PoolExpired,
        EventKind::Zone,
    ];

    pub fn name(self) -> &'static str {
        match self {
            EventKind::Pivot => "pivot",
            EventKind::Bos => "bos",
            EventKind::Choch => "choch",
            EventKind::ObCreated => "ob_created",
            EventKind::ObMitigated => "ob_mitigated",
            EventKind::ObInvalidated => "ob_invalidated",
            EventKind::ObExpired => "ob_expired",
            EventKind::FvgCreated => "fvg_created",
            EventKind::FvgTouched => "fvg_touched",
            EventKind::FvgCe => "fvg_ce",
            EventKind::FvgFilled => "fvg_filled",
            EventKind::FvgExpired => "fvg_expired",
            EventKind::PoolCreated => "pool_created",
            EventKind::Sweep => "sweep",
            EventKind::Run => "run",
            EventKind::PoolExpired => "pool_expired",
            EventKind::Zone => "zone",
        }
    }
}

/// Id value meaning "none" in `ref_id`.
pub const NO_ID: u32 = u32::MAX;

/// One immutable fact, known at the close of bar `known`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub kind: EventKind,
    pub dir: i8,
    pub scale: Scale,
    /// Object id (pivot, OB, FVG, pool); lifecycle events repeat it. Zone events: [`NO_ID`].
    pub id: u32,
    /// Related object ([`NO_ID`] if none): the broken pivot, the replaced pivot, ...
    pub ref_id: u32,
    /// The bar the event describes (pivot, OB candle, FVG middle candle, first pool member).
    pub anchor: usize,
    /// The bar at whose close it became known; consumers may act from `known + 1` on.
    pub known: usize,
    /// Main price: pivot/break/pool level; FVG and OB: the zone's near edge is `top`/`bottom`.
    pub level: f64,
    pub top: f64,
    pub bottom: f64,
    pub volume: f64,
}

/// Engine parameters (all optimizable). Unknown keys are rejected when parsed from a dict.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EngineParams {
    /// Pivot half-width (bars before and after) of the internal structure.
    pub internal_length: usize,
    /// Pivot half-width of the swing structure (premium/discount range).
    pub swing_length: usize,
    /// Pivot half-width of the pivots forming equal highs/lows.
    pub liquidity_length: usize,
    /// Wilder ATR length (tolerances and filters are multiples of ATR).
    pub atr_length: usize,
    /// Equal highs/lows: two pivots within this × ATR form a pool.
    pub eq_tolerance_atr: f64,
    /// A wick must exceed a pool level by at least this × ATR to take it (0 = any excess).
    pub sweep_min_atr: f64,
    /// Minimum FVG size in ATR (0 = every gap, as the compat detector).
    pub fvg_min_size_atr: f64,
    /// FVG expiry in bars after creation (0 = never).
    pub fvg_max_age: usize,
    /// OB invalidation on a close through the far side (`true`) or on a wick (`false`).
    pub ob_invalidation_close: bool,
    /// OB expiry in bars after creation (0 = never).
    pub ob_max_age: usize,
    /// OB candle choice skips candles with range >= this × ATR (0 = off).
    pub ob_volatility_filter_atr: f64,
    /// Most live objects kept per kind (OBs, FVGs, pools); the oldest expires beyond it.
    pub max_active: usize,
    /// Premium above 0.5 + band, discount below 0.5 - band of the swing range.
    pub zone_band: f64,
    /// Previous UTC day and ISO week high/low as liquidity pools.
    pub period_pools: bool,
    /// Kill-zone session highs/lows as liquidity pools (sessions in New York time, DST-aware).
    pub session_pools: bool,
}

impl Default for EngineParams {
    fn default() -> Self {
        EngineParams {
            internal_length: 5,
            swing_length: 20,
            liquidity_length: 3,
            atr_length: 14,
            eq_tolerance_atr: 0.1,
            sweep_min_atr: 0.0,
            fvg_min_size_atr: 0.0,
            fvg_max_age: 0,
            ob_invalidation_close: true,
            ob_max_age: 0,
            ob_volatility_filter_atr: 0.0,
            max_active: 50,
            zone_band: 0.05,
            period_pools: true,
            session_pools: true,
        }
    }
}

impl EngineParams {
    pub fn validate(&self) -> Result<(), String> {
        for (name, v) in [
            ("internal_length", self.internal_length),
            ("swing_length", self.swing_length),
            ("liquidity_length", self.liquidity_length),
            ("atr_length", self.atr_length),
            ("max_active", self.max_active),
        ] {
            if v == 0 {
                return Err(format!("smc params: {name} must be >= 1"));
            }
        }
        for (name, v) in [
            ("eq_tolerance_atr", self.eq_tolerance_atr),
            ("sweep_min_atr", self.sweep_min_atr),
            ("fvg_min_size_atr", self.fvg_min_size_atr),
            ("ob_volatility_filter_atr", self.ob_volatility_filter_atr),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(format!(
                    "smc params: {name} must be a finite number >= 0, got {v}"
                ));
            }
        }
        if !(self.zone_band.is_finite() && (0.0..0.5).contains(&self.zone_band)) {
            return Err(format!(
                "smc params: zone_band must be in [0, 0.5), got {}",
                self.zone_band
            ));
        }
        Ok(())
    }
}

/// Shared per-bar context handed to the detectors.
pub(crate) struct Ctx<'a> {
    pub i: usize,
    pub bar: Bar,
    pub atr: f64,
    pub events: &'a mut Vec<Event>,
    next_id: &'a mut u32,
}

impl Ctx<'_> {
    pub fn new_id(&mut self) -> u32 {
        let id = *self.next_id;
        *self.next_id += 1;
        id
    }

    #[allow(clippy::too_many_arguments)]
    pub fn emit(
        &mut self,
        kind: EventKind,
        dir: i8,
        scale: Scale,
        id: u32,
        ref_id: u32,
        anchor: usize,
        level: f64,
        top: f64,
        bottom: f64,
        volume: f64,
    ) {
        self.events.push(Event {
            kind,
            dir,
            scale,
            id,
            ref_id,
            anchor,
            known: self.i,
            level,
            top,
            bottom,
            volume,
        });
    }
}

/// Everything the engine knows after the last bar: what a gate or the signal reads.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Bars processed; the last one has index `bars - 1`.
    pub bars: usize,
    pub last_bar: Option<Bar>,
    pub atr: f64,
    /// Trend per structure scale: +1 after a bullish break, -1 after a bearish one, 0 before any.
    pub internal_trend: i8,
    pub swing_trend: i8,
    /// Last structure break per scale.
    pub internal_break: Option<BreakState>,
    pub swing_break: Option<BreakState>,
    /// Last confirmed pivots per scale.
    pub internal_high: Option<PivotState>,
    pub internal_low: Option<PivotState>,
    pub swing_high: Option<PivotState>,
    pub swing_low: Option<PivotState>,
    /// Premium/discount: +1 premium, -1 discount, 0 equilibrium (or no range yet).
    pub zone: i8,
    /// Position of the last close in the swing range (0 = range low, 1 = range high); NaN before.
    pub zone_position: f64,
    pub range_top: f64,
    pub range_bottom: f64,
    pub order_blocks: Vec<ObState>,
    pub fvgs: Vec<FvgState>,
    pub pools: Vec<PoolState>,
    /// Last sweep of a high (dir +1) and of a low (dir -1) pool.
    pub last_sweep_high: Option<Event>,
    pub last_sweep_low: Option<Event>,
    pub prev_day_high: f64,
    pub prev_day_low: f64,
    pub prev_week_high: f64,
    pub prev_week_low: f64,
}

/// The streaming engine. Same code for backtest and live; time comes only from the bars.
#[derive(Clone, Debug)]
pub struct Engine {
    params: EngineParams,
    i: usize,
    next_id: u32,
    last_bar: Option<Bar>,
    atr: atr::Atr,
    history: pivots::History,
    internal: structure::Structure,
    swing: structure::Structure,
    liq_pivots: pivots::Pivots,
    pools: liquidity::Pools,
    periods: periods::Periods,
    sessions: sessions::Sessions,
    fvgs: fvg::Fvgs,
    obs: order_blocks::OrderBlocks,
    zones: zones::Zones,
}

impl Engine {
    pub fn new(params: EngineParams) -> Result<Engine, String> {
        params.validate()?;
        let longest = params
            .internal_length
            .max(params.swing_length)
            .max(params.liquidity_length);
        Ok(Engine {
            i: 0,
            next_id: 0,
            last_bar: None,
            atr: atr::Atr::new(params.atr_length),
            history: pivots::History::new(2 * longest + 1),
            internal: structure::Structure::new(Scale::Internal, params.internal_length),
            swing: structure::Structure::new(Scale::Swing, params.swing_length),
            liq_pivots: pivots::Pivots::new(Scale::Liquidity, params.liquidity_length),
            pools: liquidity::Pools::default(),
            periods: periods::Periods::default(),
            sessions: sessions::Sessions::default(),
            fvgs: fvg::Fvgs::default(),
            obs: order_blocks::OrderBlocks::default(),
            zones: zones::Zones::default(),
            params,
        })
    }

    pub fn params(&self) -> &EngineParams {
        &self.params
    }

    /// Bars processed so far (the next bar gets this index).
    pub fn bars(&self) -> usize {
        self.i
    }

    /// Process one closed bar; appends the events known at its close to `events` and returns
    /// how many were added. Bars must come in time order; a bar with a non-finite price or
    /// `high < low` is rejected (the engine is left unchanged).
    pub fn update(&mut self, bar: Bar, events: &mut Vec<Event>) -> Result<usize, String> {
        if ![bar.open, bar.high, bar.low, bar.close]
            .iter()
            .all(|v| v.is_finite())
            || bar.high < bar.low
        {
            return Err(format!("smc: bad bar at ts {}: {bar:?}", bar.ts));
        }
        if let Some(prev) = self.last_bar {
            if bar.ts <= prev.ts {
                return Err(format!(
                    "smc: bar ts {} is not after the previous bar's {}",
                    bar.ts, prev.ts
                ));
            }
        }
        let bar = Bar {
            volume: if bar.volume.is_finite() {
                bar.volume
            } else {
                0.0
            },
            ..bar
        };
        let start = events.len();
        let p = &self.params;
        let atr = self.atr.update(&bar, self.last_bar.as_ref());
        self.history.push(self.i, bar, atr);
        let mut ctx = Ctx {
            i: self.i,
            bar,
            atr,
            events,
            next_id: &mut self.next_id,
        };

        if p.period_pools {
            for (scale, dir, level, anchor) in self.periods.on_bar(&bar, self.i) {
                self.pools
                    .add_fixed(&mut ctx, scale, None, dir, level, anchor, p.max_active);
            }
        }
        if p.session_pools {
            for (session, dir, level, anchor) in self.sessions.on_bar(&bar, self.i) {
                self.pools.add_fixed(
                    &mut ctx,
                    Scale::Session,
                    Some(session),
                    dir,
                    level,
                    anchor,
                    p.max_active,
                );
            }
        }
        self.pools.check_sweeps(&mut ctx, p.sweep_min_atr);

        let internal_new = self.internal.pivots.on_bar(&mut ctx, &self.history);
        let swing_new = self.swing.pivots.on_bar(&mut ctx, &self.history);
        let liq_new = self.liq_pivots.on_bar(&mut ctx, &self.history);
        self.pools.on_bar_candidates(&ctx, p.eq_tolerance_atr);
        for piv in liq_new {
            self.pools
                .on_pivot(&mut ctx, piv, p.eq_tolerance_atr, p.max_active);
        }

        self.fvgs.on_bar(&mut ctx, &self.history, p);
        self.obs.on_bar(&mut ctx, p);
        self.swing
            .on_bar(&mut ctx, &self.history, swing_new, p, &mut self.obs);
        self.internal
            .on_bar(&mut ctx, &self.history, internal_new, p, &mut self.obs);
        self.zones.on_bar(&mut ctx, &self.swing.pivots, p.zone_band);

        self.last_bar = Some(bar);
        self.i += 1;
        Ok(events.len() - start)
    }

    /// Batch: the same as calling [`Engine::update`] for each bar in order.
    pub fn run(&mut self, bars: &[Bar]) -> Result<Vec<Event>, String> {
        let mut events = Vec::new();
        for bar in bars {
            self.update(*bar, &mut events)?;
        }
        Ok(events)
    }

    pub fn snapshot(&self) -> Snapshot {
        let (pdh, pdl, pwh, pwl) = self.periods.previous();
        Snapshot {
            bars: self.i,
            last_bar: self.last_bar,
            atr: self.atr.value(),
            internal_trend: self.internal.trend,
            swing_trend: self.swing.trend,
            internal_break: self.internal.last_break,
            swing_break: self.swing.last_break,
            internal_high: self.internal.pivots.last_high,
            internal_low: self.internal.pivots.last_low,
            swing_high: self.swing.pivots.last_high,
            swing_low: self.swing.pivots.last_low,
            zone: self.zones.zone,
            zone_position: self.zones.position,
            range_top: self.zones.top,
            range_bottom: self.zones.bottom,
            order_blocks: self.obs.active.clone(),
            fvgs: self.fvgs.active.clone(),
            pools: self.pools.active.clone(),
            last_sweep_high: self.pools.last_sweep_high,
            last_sweep_low: self.pools.last_sweep_low,
            prev_day_high: pdh,
            prev_day_low: pdl,
            prev_week_high: pwh,
            prev_week_low: pwl,
        }
    }
}

/// Batch helper: a fresh engine over `bars`, returning its events and final snapshot.
pub fn run_batch(params: EngineParams, bars: &[Bar]) -> Result<(Vec<Event>, Snapshot), String> {
    let mut engine = Engine::new(params)?;
    let events = engine.run(bars)?;
    Ok((events, engine.snapshot()))
}

#[cfg(test)]
mod tests;
