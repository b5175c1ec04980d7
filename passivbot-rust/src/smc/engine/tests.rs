//! Engine unit tests: hand-worked micro-fixtures and the invariants (prefix invariance, batch ==
//! stream, known >= anchor) on a deterministic random walk.

use super::*;
use crate::smc::compat;

fn bars_from(high: &[f64], low: &[f64], open: &[f64], close: &[f64]) -> Vec<Bar> {
    (0..high.len())
        .map(|i| Bar {
            ts: i as i64 * 3_600_000,
            open: open[i],
            high: high[i],
            low: low[i],
            close: close[i],
            volume: 10.0 + i as f64,
        })
        .collect()
}

fn random_walk(n: usize, seed: u64) -> Vec<Bar> {
    let mut s = seed;
    let mut rnd = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s % 1_000_000) as f64 / 1_000_000.0
    };
    let mut price = 100.0;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let open = price;
        let close = (open + (rnd() - 0.5) * 2.0).max(1.0);
        let high = open.max(close) + rnd();
        let low = open.min(close) - rnd();
        // Coarse grid: ties are frequent.
        let q = |x: f64| (x * 4.0).round() / 4.0;
        out.push(Bar {
            ts: 1_700_000_000_000 + i as i64 * 900_000,
            open: q(open),
            high: q(high),
            low: q(low),
            close: q(close),
            volume: rnd() * 100.0,
        });
        price = close;
    }
    out
}

fn small_params() -> EngineParams {
    EngineParams {
        internal_length: 2,
        swing_length: 4,
        liquidity_length: 2,
        atr_length: 5,
        ..EngineParams::default()
    }
}

fn of_kind(events: &[Event], kind: EventKind) -> Vec<Event> {
    events.iter().filter(|e| e.kind == kind).copied().collect()
}

/// Fixture C of the spec (highs below, low = high - 1, close = high - 0.2, open = low + 0.2),
/// pivots of length 1: highs confirmed one bar later, alternating.
#[test]
fn fixture_c_pivots_structure_and_order_blocks() {
    let high = [
        10., 11., 12., 11., 10., 11., 13., 12., 11., 12., 14., 13., 12., 11., 10., 9., 10., 11.,
        10., 9., 8., 9., 8., 7.,
    ];
    let low: Vec<f64> = high.iter().map(|h| h - 1.0).collect();
    let close: Vec<f64> = high.iter().map(|h| h - 0.2).collect();
    let open: Vec<f64> = low.iter().map(|l| l + 0.2).collect();
    let params = EngineParams {
        internal_length: 1,
        swing_length: 1,
        liquidity_length: 1,
        period_pools: false,
        session_pools: false,
        ..EngineParams::default()
    };
    let (events, _) = run_batch(params, &bars_from(&high, &low, &open, &close)).unwrap();
    let pivots: Vec<(usize, i8, f64, usize)> = of_kind(&events, EventKind::Pivot)
        .iter()
        .filter(|e| e.scale == Scale::Swing)
        .map(|e| (e.anchor, e.dir, e.level, e.known))
        .collect();
    // Pivot highs (>= previous, > next): 2@12, 6@13, 10@14, 17@11, 21@9; lows (<= previous,
    // < next): 4@9, 8@10, 15@8, 20@7. Bar 0 has no previous bar, bar 1's low 10 > bar 0's 9.
    assert_eq!(
        pivots,
        vec![
            (2, 1, 12.0, 3),
            (4, -1, 9.0, 5),
            (6, 1, 13.0, 7),
            (8, -1, 10.0, 9),
            (10, 1, 14.0, 11),
            (15, -1, 8.0, 16),
            (17, 1, 11.0, 18),
            (20, -1, 7.0, 21),
            (21, 1, 9.0, 22),
        ]
    );
    let breaks: Vec<(EventKind, i8, usize, f64, usize)> = events
        .iter()
        .filter(|e| {
            e.scale == Scale::Swing && (e.kind == EventKind::Bos || e.kind == EventKind::Choch)
        })
        .map(|e| (e.kind, e.dir, e.anchor, e.level, e.known))
        .collect();
    // Close > 12 first at bar 6 (12.8): BOS up (no trend yet); > 13 at bar 10 (13.8): BOS up;
    // close < 10 (low @8) at bar 14 (9.8): CHoCH down; < 8 (@15) at bar 20 (7.8): BOS down;
    // < 7 (@20) at bar 23 (6.8): BOS down. The high @17 (11) and @21 (9) are never closed above.
    assert_eq!(
        breaks,
        vec![
            (EventKind::Bos, 1, 2, 12.0, 6),
            (EventKind::Bos, 1, 6, 13.0, 10),
            (EventKind::Choch, -1, 8, 10.0, 14),
            (EventKind::Bos, -1, 15, 8.0, 20),
            (EventKind::Bos, -1, 20, 7.0, 23),
        ]
    );
    // OBs: lowest low after the broken high / highest high after the broken low, before the break.
    let obs: Vec<(i8, usize, f64, f64, usize, f64)> = of_kind(&events, EventKind::ObCreated)
        .iter()
        .filter(|e| e.scale == Scale::Swing)
        .map(|e| (e.dir, e.anchor, e.top, e.bottom, e.known, e.volume))
        .collect();
    assert_eq!(
        obs,
        vec![
            (1, 4, 10.0, 9.0, 6, 14.0),
            (1, 8, 11.0, 10.0, 10, 18.0),
            (-1, 10, 14.0, 13.0, 14, 20.0),
            (-1, 17, 11.0, 10.0, 20, 27.0),
            (-1, 21, 9.0, 8.0, 23, 31.0),
        ]
    );
    // The bullish OB @4 (9..10): first touched by bar 8 (low 10 <= 10), invalidated by the close
    // 8.8 < 9 of bar 15.
    let life: Vec<(EventKind, usize)> = events
        .iter()
        .filter(|e| {
            e.scale == Scale::Swing
                && e.anchor == 4
                && matches!(e.kind, EventKind::ObMitigated | EventKind::ObInvalidated)
        })
        .map(|e| (e.kind, e.known))
        .collect();
    assert_eq!(
        life,
        vec![(EventKind::ObMitigated, 8), (EventKind::ObInvalidated, 15)]
    );
}

/// Equal highs within tolerance form a pool; a wick above that closes back is a sweep.
#[test]
fn equal_highs_pool_and_sweep_vs_run() {
    // Two pivot highs at 10.0 and 10.05 (len 1), then a wick to 10.5 closing at 9.8 (sweep);
    // equal lows at 8.0, then a close below (run).
    let high = [
        9.0, 10.0, 9.0, 9.2, 10.05, 9.1, 9.3, 10.5, 9.0, 8.6, 8.7, 8.6, 8.3,
    ];
    let low = [
        8.5, 9.0, 8.0, 8.6, 9.0, 8.02, 8.5, 9.0, 8.5, 8.2, 8.1, 8.2, 7.5,
    ];
    let open: Vec<f64> = low.iter().zip(&high).map(|(l, h)| (l + h) / 2.0).collect();
    let mut close = open.clone();
    close[7] = 9.8;
    close[12] = 7.7;
    let params = EngineParams {
        liquidity_length: 1,
        atr_length: 3,
        eq_tolerance_atr: 0.2,
        period_pools: false,
        session_pools: false,
        ..EngineParams::default()
    };
    let (events, _) = run_batch(params, &bars_from(&high, &low, &open, &close)).unwrap();
    let pools: Vec<(i8, f64, usize, usize)> = of_kind(&events, EventKind::PoolCreated)
        .iter()
        .map(|e| (e.dir, e.level, e.anchor, e.known))
        .collect();
    // Highs @1 (10.0) and @4 (10.05): pool at the higher level, known when @4 is confirmed (5).
    // Lows @2 (8.0) and @5 (8.02): pool at 8.0, known at 6.
    assert_eq!(pools, vec![(1, 10.05, 1, 5), (-1, 8.0, 2, 6)]);
    let taken: Vec<(EventKind, i8, usize)> = events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Sweep | EventKind::Run))
        .map(|e| (e.kind, e.dir, e.known))
        .collect();
    assert_eq!(
        taken,
        vec![(EventKind::Sweep, 1, 7), (EventKind::Run, -1, 12)]
    );
}

/// FVG detection equals the compat detector shifted by one bar; the first touch equals its
/// `MitigatedIndex`.
#[test]
fn fvgs_match_compat_shifted_by_one_bar() {
    let bars = random_walk(3000, 7);
    let o: Vec<f64> = bars.iter().map(|b| b.open).collect();
    let h: Vec<f64> = bars.iter().map(|b| b.high).collect();
    let l: Vec<f64> = bars.iter().map(|b| b.low).collect();
    let c: Vec<f64> = bars.iter().map(|b| b.close).collect();
    let want = compat::fvg(&o, &h, &l, &c, false);
    let params = EngineParams {
        max_active: usize::MAX,
        ..small_params()
    };
    let (events, _) = run_batch(params, &bars).unwrap();
    let created = of_kind(&events, EventKind::FvgCreated);
    let rows: Vec<usize> = (0..bars.len()).filter(|&i| !want.fvg[i].is_nan()).collect();
    assert!(rows.len() > 100);
    assert_eq!(created.len(), rows.len());
    for (e, &row) in created.iter().zip(&rows) {
        assert_eq!(
            (e.anchor, e.known, e.dir as f64, e.top, e.bottom),
            (row, row + 1, want.fvg[row], want.top[row], want.bottom[row])
        );
        let touch = events
            .iter()
            .find(|t| t.kind == EventKind::FvgTouched && t.id == e.id)
            .map(|t| t.known as f64)
            .unwrap_or(0.0);
        assert_eq!(touch, want.mitigated_index[row], "FVG @{row}");
    }
}

/// Invariants on a random walk: known >= anchor, events in bar order, every kind occurs,
/// streaming == batch (events and final snapshot), prefix invariance.
#[test]
fn invariants_prefix_batch_stream() {
    let bars = random_walk(1500, 11);
    let params = small_params();
    let (full, snap) = run_batch(params.clone(), &bars).unwrap();
    assert!(full
        .iter()
        .all(|e| e.known >= e.anchor || e.kind == EventKind::Zone));
    assert!(full.windows(2).all(|w| w[0].known <= w[1].known));
    for kind in [
        EventKind::Pivot,
        EventKind::Bos,
        EventKind::Choch,
        EventKind::ObCreated,
        EventKind::FvgCreated,
        EventKind::PoolCreated,
        EventKind::Sweep,
        EventKind::Zone,
    ] {
        assert!(
            full.iter().any(|e| e.kind == kind),
            "no {kind:?} on the random walk"
        );
    }
    // Streaming, one bar at a time, with a snapshot at the end.
    let mut engine = Engine::new(params.clone()).unwrap();
    let mut streamed = Vec::new();
    for b in &bars {
        let mut evs = Vec::new();
        engine.update(*b, &mut evs).unwrap();
        assert!(evs.iter().all(|e| e.known == engine.bars() - 1));
        streamed.extend(evs);
    }
    assert_eq!(streamed, full);
    assert_eq!(engine.snapshot(), snap);
    // Prefix invariance.
    for t in [1usize, 2, 3, 50, 333, 777, 1499] {
        let (prefix, _) = run_batch(params.clone(), &bars[..t]).unwrap();
        let want: Vec<Event> = full.iter().filter(|e| e.known < t).copied().collect();
        assert_eq!(prefix, want, "prefix {t}");
    }
}

#[test]
fn rejects_bad_input() {
    let mut engine = Engine::new(EngineParams::default()).unwrap();
    let mut ev = Vec::new();
    let b = Bar {
        ts: 0,
        open: 1.0,
        high: 2.0,
        low: 0.5,
        close: 1.5,
        volume: 1.0,
    };
    engine.update(b, &mut ev).unwrap();
    assert!(engine.update(b, &mut ev).is_err(), "same ts twice");
    assert!(
        engine
            .update(
                Bar {
                    ts: 1,
                    high: 0.1,
                    ..b
                },
                &mut ev
            )
            .is_err(),
        "high < low"
    );
    assert!(engine
        .update(
            Bar {
                ts: 1,
                close: f64::NAN,
                ..b
            },
            &mut ev
        )
        .is_err());
    assert_eq!(engine.bars(), 1);
    assert!(Engine::new(EngineParams {
        swing_length: 0,
        ..EngineParams::default()
    })
    .is_err());
    assert!(Engine::new(EngineParams {
        zone_band: 0.5,
        ..EngineParams::default()
    })
    .is_err());
}
