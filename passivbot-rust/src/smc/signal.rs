//! The SMC trade signal (`reference/smc.md` §3.4) as a pure function of the engine's
//! [`Snapshot`]: `{action, symbol, entry_price, confidence, stop_loss, take_profit}`.
//!
//! Bias: the swing trend (the internal trend until the swing scale has broken). Setups in the
//! bias direction (longs described; shorts mirror):
//! - `ob`: the newest live bullish order block below the close; entry at its top (or its midpoint
//!   with `entry_at_ce`), capped at the close; stop below its bottom.
//! - `fvg`: the newest unfilled bullish FVG; entry at its top (or CE); stop below its bottom.
//! - `sweep`: a sell-side sweep within `sweep_max_age` bars followed (or accompanied) by an
//!   internal bullish break; entry at the close; stop below the sweep's wick low.
//!
//! Stops sit `sl_atr_buffer` × ATR beyond the structure. Take-profit: the nearest opposite
//! liquidity above the entry (buy-side pools, previous day/week high, swing and internal highs)
//! giving at least `min_rr` × risk, else `entry + rr_fallback × risk`. With `require_discount`
//! a long's entry must lie in the lower half of the swing range (shorts: upper half).
//! Confidence = the share of five confluences that hold: swing trend aligned, internal trend
//! aligned, entry in discount (premium for shorts), a second setup agreeing (OB and FVG overlap,
//! or a recent sweep), and a liquidity-based target. Among setups the highest confidence wins
//! (ties: sweep, then OB, then FVG).

use serde::{Deserialize, Serialize};

use super::engine::Snapshot;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SignalParams {
    pub require_discount: bool,
    pub sl_atr_buffer: f64,
    pub rr_fallback: f64,
    pub min_rr: f64,
    pub sweep_max_age: usize,
    pub entry_at_ce: bool,
    pub use_ob: bool,
    pub use_fvg: bool,
    pub use_sweep: bool,
    /// Signals below this confidence become `none`.
    pub min_confidence: f64,
}

impl Default for SignalParams {
    fn default() -> Self {
        SignalParams {
            require_discount: true,
            sl_atr_buffer: 0.2,
            rr_fallback: 2.0,
            min_rr: 1.0,
            sweep_max_age: 10,
            entry_at_ce: false,
            use_ob: true,
            use_fvg: true,
            use_sweep: true,
            min_confidence: 0.0,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Long,
    Short,
    None,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Signal {
    pub action: Action,
    pub symbol: String,
    pub entry_price: f64,
    pub confidence: f64,
    pub stop_loss: f64,
    pub take_profit: f64,
    /// "ob", "fvg", "sweep" or "" for none.
    pub setup: String,
    /// Index of the last bar of the state; act from the next bar on.
    pub known: usize,
}

struct Candidate {
    setup: &'static str,
    entry: f64,
    stop: f64,
    confluence: bool,
}

/// Mirror a price so that every rule below is written for longs: x → sign·x.
fn m(x: f64, sign: f64) -> f64 {
    x * sign
}

pub fn signal(s: &Snapshot, symbol: &str, p: &SignalParams) -> Signal {
    let none = Signal {
        action: Action::None,
        symbol: symbol.to_string(),
        entry_price: f64::NAN,
        confidence: 0.0,
        stop_loss: f64::NAN,
        take_profit: f64::NAN,
        setup: String::new(),
        known: s.bars.saturating_sub(1),
    };
    let Some(last) = s.last_bar else { return none };
    let bias = if s.swing_trend != 0 {
        s.swing_trend
    } else {
        s.internal_trend
    };
    if bias == 0 || !s.atr.is_finite() {
        return none;
    }
    let sign = bias as f64;
    let close = last.close;
    let buffer = p.sl_atr_buffer * s.atr;
    // Near edge / far edge of a zone in the bias direction (long: top / bottom).
    let edges = |top: f64, bottom: f64| {
        if bias == 1 {
            (top, bottom)
        } else {
            (bottom, top)
        }
    };
    let entry_of = |near: f64, far: f64| {
        let e = if p.entry_at_ce {
            0.5 * (near + far)
        } else {
            near
        };
        // A long limit never above the close (short: never below).
        if m(e, sign) > m(close, sign) {
            close
        } else {
            e
        }
    };
    let last_i = s.bars - 1;
    let sweep = if bias == 1 {
        s.last_sweep_low
    } else {
        s.last_sweep_high
    };
    let recent_sweep = sweep.filter(|e| last_i - e.known <= p.sweep_max_age);

    let ob = s
        .order_blocks
        .iter()
        .rev()
        .find(|o| o.dir == bias && m(edges(o.top, o.bottom).0, sign) <= m(close, sign));
    let fvg = s.fvgs.iter().rev().find(|f| f.dir == bias);
    let overlap = match (ob, fvg) {
        (Some(o), Some(f)) => o.bottom <= f.top && f.bottom <= o.top,
        _ => false,
    };
    let mut cands: Vec<Candidate> = Vec::new();
    if p.use_sweep {
        if let (Some(sw), Some(br)) = (recent_sweep, s.internal_break) {
            if br.dir == bias && br.known >= sw.known {
                let wick = if bias == 1 { sw.bottom } else { sw.top };
                cands.push(Candidate {
                    setup: "sweep",
                    entry: close,
                    stop: wick - sign * buffer,
                    confluence: ob.is_some() || fvg.is_some(),
                });
            }
        }
    }
    if p.use_ob {
        if let Some(o) = ob {
            let (near, far) = edges(o.top, o.bottom);
            cands.push(Candidate {
                setup: "ob",
                entry: entry_of(near, far),
                stop: far - sign * buffer,
                confluence: overlap || recent_sweep.is_some(),
            });
        }
    }
    if p.use_fvg {
        if let Some(f) = fvg {
            let (near, far) = edges(f.top, f.bottom);
            cands.push(Candidate {
                setup: "fvg",
                entry: entry_of(near, far),
                stop: far - sign * buffer,
                confluence: overlap || recent_sweep.is_some(),
            });
        }
    }

    // Opposite liquidity in the trade direction.
    let mut targets: Vec<f64> = s
        .pools
        .iter()
        .filter(|pl| pl.dir == bias)
        .map(|pl| pl.level)
        .collect();
    let (a, b, c) = if bias == 1 {
        (
            s.prev_day_high,
            s.prev_week_high,
            [s.swing_high, s.internal_high],
        )
    } else {
        (
            s.prev_day_low,
            s.prev_week_low,
            [s.swing_low, s.internal_low],
        )
    };
    targets.extend([a, b]);
    targets.extend(c.iter().flatten().map(|pv| pv.level));
    targets.retain(|t| t.is_finite());
    targets.sort_by(|x, y| m(*x, sign).total_cmp(&m(*y, sign)));

    let range_ok =
        s.range_top.is_finite() && s.range_bottom.is_finite() && s.range_top > s.range_bottom;
    let mut best: Option<Signal> = None;
    let mut best_rank = (f64::NEG_INFINITY, 0usize);
    for (rank, c) in cands.iter().enumerate() {
        let risk = m(c.entry - c.stop, sign);
        if risk.is_nan() || risk <= 0.0 {
            continue;
        }
        let in_half = if range_ok {
            let pos = (c.entry - s.range_bottom) / (s.range_top - s.range_bottom);
            if bias == 1 {
                pos < 0.5
            } else {
                pos > 0.5
            }
        } else {
            false
        };
        if p.require_discount && !in_half {
            continue;
        }
        let liquidity_target = targets
            .iter()
            .copied()
            .find(|t| m(*t - c.entry, sign) >= p.min_rr * risk);
        let tp = liquidity_target.unwrap_or(c.entry + sign * p.rr_fallback * risk);
        let factors = [
            s.swing_trend == bias,
            s.internal_trend == bias,
            in_half,
            c.confluence,
            liquidity_target.is_some(),
        ];
        let confidence = factors.iter().filter(|f| **f).count() as f64 / factors.len() as f64;
        if confidence < p.min_confidence {
            continue;
        }
        // Highest confidence; ties keep the earlier setup (sweep, ob, fvg).
        if confidence > best_rank.0 {
            best_rank = (confidence, rank);
            best = Some(Signal {
                action: if bias == 1 {
                    Action::Long
                } else {
                    Action::Short
                },
                symbol: symbol.to_string(),
                entry_price: c.entry,
                confidence,
                stop_loss: c.stop,
                take_profit: tp,
                setup: c.setup.to_string(),
                known: last_i,
            });
        }
    }
    best.unwrap_or(none)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smc::engine::{
        Bar, BreakState, EventKind, FvgState, ObState, PivotState, Scale, Snapshot,
    };

    fn base() -> Snapshot {
        Snapshot {
            bars: 100,
            last_bar: Some(Bar {
                ts: 0,
                open: 105.0,
                high: 106.0,
                low: 104.0,
                close: 105.0,
                volume: 1.0,
            }),
            atr: 2.0,
            internal_trend: 1,
            swing_trend: 1,
            internal_break: Some(BreakState {
                kind: EventKind::Bos,
                dir: 1,
                id: 9,
                pivot_id: 8,
                pivot_bar: 90,
                level: 104.0,
                known: 95,
            }),
            swing_break: None,
            internal_high: Some(PivotState {
                id: 1,
                dir: 1,
                bar: 80,
                level: 112.0,
                known: 85,
                crossed: false,
            }),
            internal_low: None,
            swing_high: Some(PivotState {
                id: 2,
                dir: 1,
                bar: 60,
                level: 120.0,
                known: 80,
                crossed: false,
            }),
            swing_low: None,
            zone: -1,
            zone_position: 0.25,
            range_top: 120.0,
            range_bottom: 100.0,
            order_blocks: vec![ObState {
                id: 3,
                dir: 1,
                scale: Scale::Swing,
                anchor: 70,
                known: 75,
                top: 103.0,
                bottom: 101.0,
                volume: 5.0,
                mitigated: false,
                break_id: 4,
            }],
            fvgs: vec![],
            pools: vec![],
            last_sweep_high: None,
            last_sweep_low: None,
            prev_day_high: 108.0,
            prev_day_low: 95.0,
            prev_week_high: f64::NAN,
            prev_week_low: f64::NAN,
        }
    }

    #[test]
    fn ob_retest_long_with_liquidity_target() {
        let s = base();
        let sig = signal(&s, "BTC", &SignalParams::default());
        assert_eq!(sig.action, Action::Long);
        assert_eq!(sig.setup, "ob");
        assert_eq!(sig.entry_price, 103.0);
        // Stop: OB bottom 101 - 0.2 × ATR 2 = 100.6; risk 2.4; nearest target >= 1R: PDH 108.
        assert!((sig.stop_loss - 100.6).abs() < 1e-12);
        assert_eq!(sig.take_profit, 108.0);
        // Swing, internal, discount and liquidity target hold; no second setup: 4/5.
        assert!((sig.confidence - 0.8).abs() < 1e-12);
        assert_eq!(sig.known, 99);
    }

    #[test]
    fn fvg_overlap_raises_confidence_and_fallback_target() {
        let mut s = base();
        s.fvgs.push(FvgState {
            id: 5,
            dir: 1,
            anchor: 96,
            known: 97,
            top: 102.5,
            bottom: 102.0,
            touched: false,
            ce: false,
        });
        s.prev_day_high = f64::NAN;
        s.internal_high = None;
        s.swing_high = None;
        let sig = signal(&s, "ETH", &SignalParams::default());
        assert_eq!(sig.setup, "ob"); // OB and FVG tie at 4/5; the OB comes first
        assert!((sig.confidence - 0.8).abs() < 1e-12);
        // No liquidity above: entry + 2R.
        assert!((sig.take_profit - (103.0 + 2.0 * 2.4)).abs() < 1e-12);
    }

    #[test]
    fn no_bias_or_premium_entry_gives_none() {
        let mut s = base();
        s.swing_trend = 0;
        s.internal_trend = 0;
        assert_eq!(
            signal(&s, "X", &SignalParams::default()).action,
            Action::None
        );
        let mut s = base();
        s.range_bottom = 80.0; // OB top 103 is now at 57.5 % of the range: premium
        assert_eq!(
            signal(&s, "X", &SignalParams::default()).action,
            Action::None
        );
        let p = SignalParams {
            require_discount: false,
            ..SignalParams::default()
        };
        assert_eq!(signal(&s, "X", &p).action, Action::Long);
    }

    #[test]
    fn short_mirror() {
        let mut s = base();
        s.swing_trend = -1;
        s.internal_trend = -1;
        s.internal_break = None;
        s.range_top = 110.0;
        s.range_bottom = 90.0;
        s.order_blocks = vec![ObState {
            id: 3,
            dir: -1,
            scale: Scale::Swing,
            anchor: 70,
            known: 75,
            top: 109.0,
            bottom: 107.0,
            volume: 5.0,
            mitigated: false,
            break_id: 4,
        }];
        let sig = signal(&s, "SOL", &SignalParams::default());
        assert_eq!(sig.action, Action::Short);
        assert_eq!(sig.entry_price, 107.0);
        assert!((sig.stop_loss - 109.4).abs() < 1e-12);
        // Risk 2.4; PDL 95 is 12 below: the nearest sell-side liquidity >= 1R.
        assert_eq!(sig.take_profit, 95.0);
    }
}
