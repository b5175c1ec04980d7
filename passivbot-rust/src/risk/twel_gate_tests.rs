use super::*;
use crate::test_rng::Rng;
use std::cmp::Ordering;

/// The removal order as first written (a comparator); `removal_key` must sort the same.
fn removal_order(a: &Candidate, b: &Candidate, entries: &[GateEntry]) -> Ordering {
    let (ea, eb) = (&entries[a.entry].order, &entries[b.entry].order);
    b.distance
        .total_cmp(&a.distance)
        .then(a.idx.cmp(&b.idx))
        .then(ea.order_type.id().cmp(&eb.order_type.id()))
        .then(a.price.total_cmp(&b.price))
        .then(a.qty.total_cmp(&b.qty))
        .then(a.entry.cmp(&b.entry))
}

#[test]
fn total_order_key_orders_like_total_cmp() {
    let xs = [
        f64::NEG_INFINITY,
        -1e300,
        -1.5,
        -0.0,
        0.0,
        5e-324,
        1e-10,
        1.0,
        1.5,
        1e300,
        f64::INFINITY,
        f64::NAN,
        -f64::NAN,
    ];
    for a in xs {
        for b in xs {
            assert_eq!(total_order_key(a).cmp(&total_order_key(b)), a.total_cmp(&b));
        }
    }
}
use crate::types::OrderType;

fn ex(qty_step: f64, min_qty: f64) -> ExchangeParams {
    ExchangeParams {
        qty_step,
        price_step: 0.01,
        min_qty,
        min_cost: 0.0,
        c_mult: 1.0,
    }
}

fn entry(
    idx: usize,
    qty: f64,
    price: f64,
    t: OrderType,
    ex: ExchangeParams,
    market: f64,
) -> GateEntry {
    GateEntry {
        idx,
        order: Order::new(qty, price, t),
        exchange: ex,
        market_price: market,
    }
}

fn flat(out: &[(usize, Order)]) -> Vec<(usize, f64, f64, OrderType)> {
    out.iter()
        .map(|(i, o)| (*i, o.qty, o.price, o.order_type))
        .collect()
}

use OrderType::{EntryGridNormalLong as GridL, EntryInitialNormalLong as InitL};

#[test]
fn spec18_13_twel_gate_crate_example_partial_closest_entry() {
    // B 1000, TWEL 0.015 = $15. Both entries: 1@10 + 1@20 = $30 ≥ $15. Remove the furthest
    // (1@10, distance 1 − 10/20 = 0.5): $20 still ≥ $15; remove 1@20: $0 fits. Re-add 1@20
    // partially: q·20 < 15 ⇔ q < 0.75 → round_dn(0.7499…, 0.1) = 0.7.
    let e = ex(0.1, 0.0);
    let entries = [
        entry(0, 1.0, 10.0, GridL, e, 20.0),
        entry(0, 1.0, 20.0, InitL, e, 20.0),
    ];
    let out = gate_entries_by_twel(Pside::Long, 1000.0, 0.015, &[], &entries);
    assert_eq!(flat(&out), vec![(0, 0.7, 20.0, InitL)]);
}

#[test]
fn spec18_13_twel_gate_dust_entries_are_never_candidates() {
    // min_qty 10: both 1-unit entries are dust → no candidates → no entries at all.
    let e = ex(0.1, 10.0);
    let entries = [
        entry(0, 1.0, 10.0, GridL, e, 20.0),
        entry(0, 1.0, 20.0, InitL, e, 20.0),
    ];
    assert!(gate_entries_by_twel(Pside::Long, 1000.0, 0.015, &[], &entries).is_empty());
}

#[test]
fn spec18_13_twel_gate_partial_below_min_entry_qty_is_dropped() {
    // As the crate example but min_qty 0.8: the entries (qty 1) are not dust, the partial
    // 0.7 is below 0.8 and is dropped → nothing.
    let e = ex(0.1, 0.8);
    let entries = [
        entry(0, 1.0, 10.0, GridL, e, 20.0),
        entry(0, 1.0, 20.0, InitL, e, 20.0),
    ];
    assert!(gate_entries_by_twel(Pside::Long, 1000.0, 0.015, &[], &entries).is_empty());
}

#[test]
fn spec18_13_twel_gate_current_exposure_at_limit_blocks_everything() {
    // Position 1 @ 15 with B 1000: WE 0.015 ≥ TWEL 0.015 − 1e-12 → every entry is dropped,
    // even one that is tiny.
    let e = ex(0.1, 0.0);
    let pos = [GatePosition {
        idx: 1,
        size: 1.0,
        price: 15.0,
        c_mult: 1.0,
    }];
    let entries = [entry(0, 0.1, 10.0, InitL, e, 10.0)];
    assert!(gate_entries_by_twel(Pside::Long, 1000.0, 0.015, &pos, &entries).is_empty());
    // Invalid balance or TWEL: nothing either.
    assert!(gate_entries_by_twel(Pside::Long, 0.0, 1.0, &[], &entries).is_empty());
    assert!(gate_entries_by_twel(Pside::Long, 1000.0, 0.0, &[], &entries).is_empty());
}

#[test]
fn spec18_13_twel_gate_everything_fits_returns_list_unchanged() {
    // Position 1 @ 100 (WE 0.1) + entries $10 + $20 + dust → 0.13 < TWEL 1: unchanged,
    // including the dust entry (0.05 < min_qty 0.1) and the input quantities as given.
    let e = ex(0.1, 0.1);
    let pos = [GatePosition {
        idx: 0,
        size: 1.0,
        price: 100.0,
        c_mult: 1.0,
    }];
    let entries = [
        entry(0, 0.1, 100.0, InitL, e, 100.0),
        entry(0, 0.05, 90.0, GridL, e, 100.0),
        entry(1, 2.0, 10.0, GridL, e, 10.0),
    ];
    let out = gate_entries_by_twel(Pside::Long, 1000.0, 1.0, &pos, &entries);
    assert_eq!(
        flat(&out),
        vec![
            (0, 0.1, 100.0, InitL),
            (0, 0.05, 90.0, GridL),
            (1, 2.0, 10.0, GridL)
        ]
    );
}

#[test]
fn spec18_13_twel_gate_equal_distance_breaks_tie_by_symbol_index() {
    // Two symbols, both 1 @ 10 at the market (distance 0); $20 ≥ TWEL $15.5. Symbol 0 goes
    // first (symbol ASC): $10 left fits. Re-add symbol 0: q·10 < 5.5 → 0.5.
    let e = ex(0.1, 0.0);
    let entries = [
        entry(1, 1.0, 10.0, InitL, e, 10.0),
        entry(0, 1.0, 10.0, InitL, e, 10.0),
    ];
    let out = gate_entries_by_twel(Pside::Long, 1000.0, 0.0155, &[], &entries);
    assert_eq!(
        flat(&out),
        vec![(1, 1.0, 10.0, InitL), (0, 0.5, 10.0, InitL)]
    );
}

#[test]
fn spec18_13_twel_gate_equal_distance_same_symbol_breaks_tie_by_type_id() {
    // Same symbol and distance: the initial entry (type id 0) is removed before the grid
    // entry (id 4). Grid 1 @ 10 stays ($10); initial re-added: 10·(1 + q) < 15.5 → q 0.5.
    let e = ex(0.1, 0.0);
    let entries = [
        entry(0, 1.0, 10.0, GridL, e, 10.0),
        entry(0, 1.0, 10.0, InitL, e, 10.0),
    ];
    let out = gate_entries_by_twel(Pside::Long, 1000.0, 0.0155, &[], &entries);
    assert_eq!(
        flat(&out),
        vec![(0, 1.0, 10.0, GridL), (0, 0.5, 10.0, InitL)]
    );
}

#[test]
fn spec18_13_twel_gate_short_mirror() {
    // Short, ask 20: the sell at 30 is furthest (30/20 − 1 = 0.5) and goes first; the sell at
    // 20 is re-added with 0.7 (negative quantity for shorts).
    use OrderType::{EntryGridNormalShort as GridS, EntryInitialNormalShort as InitS};
    let e = ex(0.1, 0.0);
    let entries = [
        entry(0, -1.0, 20.0, InitS, e, 20.0),
        entry(0, -1.0, 30.0, GridS, e, 20.0),
    ];
    let out = gate_entries_by_twel(Pside::Short, 1000.0, 0.015, &[], &entries);
    assert_eq!(flat(&out), vec![(0, -0.7, 20.0, InitS)]);
}

// ---- exactness of the fast gate -----------------------------------------------------------

/// The gate as first written (a full projection for every removal and every probe, 50 probes
/// always): the fast gate must return exactly the same orders, bit for bit.
#[rustfmt::skip]
fn reference_gate(
    pside: Pside,
    balance: f64,
    total_wallet_exposure_limit: f64,
    positions: &[GatePosition],
    entries: &[GateEntry],
) -> Vec<(usize, Order)> {
    let twel = total_wallet_exposure_limit.max(0.0);
    if !is_pos(balance) || !is_pos(twel) || entries.is_empty() {
        return Vec::new();
    }
    let cap = twel - EPS_EXPOSURE;
    let twe0 = current_twe(balance, positions);
    if twe0 >= cap {
        return Vec::new();
    }
    let keep = |e: &GateEntry, _: f64| {
        let (price, qty) = (e.order.price, e.order.qty.abs());
        if !(price.is_finite() && is_pos(price)) || qty.is_nan() || qty <= EPS_QTY {
            return false;
        }
        let min_qty = calc_min_entry_qty(price, &e.exchange);
        !(min_qty > EPS_QTY && qty + EPS_QTY < min_qty) && is_pos(e.market_price)
    };
    let distance = |e: &GateEntry| calc_pprice_diff(pside, e.market_price, e.order.price);
    let (candidates, n_slots) = make_candidates(positions, entries, keep, distance);
    if candidates.is_empty() {
        return Vec::new();
    }
    let mut proj = Projector::new(balance, twe0, n_slots);
    // `included[i]`: quantity of candidate i that is kept (None = removed).
    let mut included: Vec<Option<f64>> = candidates.iter().map(|c| Some(c.qty)).collect();
    let mut twe = proj.twe(&candidates, &included, None);
    if twe < cap {
        return entries.iter().map(|e| (e.idx, e.order)).collect();
    }
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    order.sort_by(|&a, &b| removal_order(&candidates[a], &candidates[b], entries));
    let mut last_removed = None;
    for &i in &order {
        if twe < cap {
            break;
        }
        included[i] = None;
        last_removed = Some(i);
        twe = proj.twe(&candidates, &included, None);
    }
    if twe >= cap {
        return Vec::new();
    }
    if let Some(last) = last_removed {
        let c = candidates[last];
        let (mut lo, mut hi) = (0.0_f64, c.qty);
        for _ in 0..SEARCH_ITERATIONS {
            let mid = (lo + hi) / 2.0;
            if proj.twe(&candidates, &included, Some((last, mid))) >= cap {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        let ex = &entries[c.entry].exchange;
        let q_final = round_dn(lo, ex.qty_step);
        if q_final > EPS_QTY && q_final + EPS_QTY >= calc_min_entry_qty(c.price, ex) {
            included[last] = Some(q_final);
        }
    }
    let mut kept: Vec<Option<f64>> = vec![None; entries.len()];
    for (c, q) in candidates.iter().zip(&included) {
        kept[c.entry] = *q;
    }
    entries
        .iter()
        .zip(kept)
        .filter_map(|(e, q)| {
            let q = q?;
            (q + EPS_QTY >= calc_min_entry_qty(e.order.price, &e.exchange)).then(|| {
                (
                    e.idx,
                    Order::new(pside.sign() * q, e.order.price, e.order.order_type),
                )
            })
        })
        .collect()
}

#[test]
fn fast_gate_equals_the_reference_algorithm_bit_for_bit() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut partial = 0;
    for _ in 0..3000 {
        let pside = rng.pick(&[Pside::Long, Pside::Short]);
        let n_symbols = 1 + (rng.next() * 4.0) as usize;
        let balance = 100.0 + rng.next() * 10_000.0;
        let mut positions = Vec::new();
        let mut entries = Vec::new();
        for idx in 0..n_symbols {
            let step = rng.pick(&[0.001, 0.01, 0.1, 1.0]);
            let e = ExchangeParams {
                qty_step: step,
                price_step: 0.01,
                min_qty: step * rng.pick(&[1.0, 2.0, 5.0]),
                min_cost: rng.pick(&[0.0, 5.0]),
                c_mult: rng.pick(&[1.0, 0.1]),
            };
            let market = 1.0 + rng.next() * 500.0;
            if rng.next() < 0.6 {
                let size = (1.0 + (rng.next() * 50.0).floor()) * step;
                positions.push(GatePosition {
                    idx,
                    size: size * pside.sign(),
                    price: market * (1.0 + 0.05 * (rng.next() - 0.5)),
                    c_mult: e.c_mult,
                });
            }
            let mut price = market;
            for level in 0..(rng.next() * 8.0) as usize {
                price *= 1.0 - pside.sign() * 0.01 * (1.0 + rng.next());
                let qty = (1.0 + (rng.next() * 30.0).floor()) * step * (level + 1) as f64;
                let t = if level == 0 { InitL } else { GridL };
                entries.push(entry(idx, qty * pside.sign(), price, t, e, market));
            }
        }
        let twel = rng.next() * 3.0;
        let want = reference_gate(pside, balance, twel, &positions, &entries);
        let got = gate_entries_by_twel(pside, balance, twel, &positions, &entries);
        assert_eq!(got, want, "{pside:?} balance {balance} twel {twel}");
        partial += usize::from(want.len() < entries.len() && !want.is_empty());
    }
    assert!(
        partial > 300,
        "too few gated cases ({partial}) to test the fast path"
    );
}

/// One scratch reused through sequences of calls whose inputs change a little from call to
/// call (a market price every call, sometimes an entry, a position, the balance or TWEL),
/// as in a backtest: the memos of the scratch must give the reference's result every time,
/// and (value for value, since the decisions alone rarely show a difference) the memoised
/// candidates and initial projection must equal fresh ones.
#[test]
fn a_reused_scratch_gates_like_the_reference_through_changing_inputs() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    let mut scratch = GateScratch::default();
    let mut out = Vec::new();
    let mut partial = 0;
    let (mut memo, mut slots, mut cands) = (GateMemo::default(), Vec::new(), Vec::new());
    let mut proj = IncrementalProjection::default();
    for _ in 0..300 {
        let pside = rng.pick(&[Pside::Long, Pside::Short]);
        let mut balance = 100.0 + rng.next() * 10_000.0;
        let mut twel = rng.next() * 3.0;
        let mut positions = Vec::new();
        let mut entries = Vec::new();
        for idx in 0..1 + (rng.next() * 5.0) as usize {
            let step = rng.pick(&[0.001, 0.01, 1.0]);
            let e = ExchangeParams {
                min_cost: rng.pick(&[0.0, 5.0]),
                ..ex(step, step * rng.pick(&[1.0, 2.0]))
            };
            let market = 1.0 + rng.next() * 500.0;
            if rng.next() < 0.6 {
                positions.push(GatePosition {
                    idx,
                    size: (1.0 + (rng.next() * 50.0).floor()) * step * pside.sign(),
                    price: market * (1.0 + 0.05 * (rng.next() - 0.5)),
                    c_mult: 1.0,
                });
            }
            let mut price = market;
            for level in 0..(rng.next() * 8.0) as usize {
                price *= 1.0 - pside.sign() * 0.01 * (1.0 + rng.next());
                let qty = (1.0 + (rng.next() * 30.0).floor()) * step * (level + 1) as f64;
                let t = if level == 0 { InitL } else { GridL };
                entries.push(entry(idx, qty * pside.sign(), price, t, e, market));
            }
        }
        for _ in 0..20 {
            for e in entries.iter_mut() {
                e.market_price *= 1.0 + 0.001 * (rng.next() - 0.5);
            }
            if !entries.is_empty() && rng.next() < 0.3 {
                let i = (rng.next() * entries.len() as f64) as usize % entries.len();
                entries[i].order.qty += entries[i].exchange.qty_step * pside.sign();
            }
            if !entries.is_empty() && rng.next() < 0.3 {
                let i = (rng.next() * entries.len() as f64) as usize % entries.len();
                entries[i].order.price *= 1.0 - pside.sign() * 0.002;
            }
            if !positions.is_empty() && rng.next() < 0.1 {
                positions[0].size += 0.5 * positions[0].size;
            }
            if !positions.is_empty() && rng.next() < 0.1 {
                positions[0].price *= 1.001;
            }
            if rng.next() < 0.05 {
                // an exchange filter changes (not in a backtest; the memo must still see it)
                for e in entries.iter_mut().filter(|e| e.idx == 0) {
                    e.exchange.min_cost = 12.0 - e.exchange.min_cost;
                }
            }
            if rng.next() < 0.1 {
                balance *= 1.01;
            }
            if rng.next() < 0.1 {
                twel = rng.next() * 3.0;
            }
            let want = reference_gate(pside, balance, twel, &positions, &entries);
            gate_entries_by_twel_into(
                pside,
                balance,
                twel,
                &positions,
                &entries,
                &mut scratch,
                &mut out,
            );
            assert_eq!(out, want, "{pside:?} balance {balance} twel {twel}");
            partial += usize::from(want.len() < entries.len() && !want.is_empty());

            let (keep, dist) = (|_: &GateEntry, _: f64| true, |_: &GateEntry| 0.0);
            let (fresh, n_slots) = make_candidates(&positions, &entries, keep, dist);
            make_candidates_into(
                &positions, &entries, keep, dist, &mut slots, &mut memo, &mut cands,
            );
            let min_qtys =
                |cs: &[Candidate]| cs.iter().map(|c| c.min_qty.to_bits()).collect::<Vec<_>>();
            assert_eq!(min_qtys(&cands), min_qtys(&fresh));
            let full = IncrementalProjection::new(balance, 0.5, &fresh, n_slots);
            proj.reset(balance, 0.5, &cands, n_slots, &mut memo.steps);
            let bits = |p: &IncrementalProjection| {
                p.steps
                    .iter()
                    .map(|s| s.map(|(d, (a, b))| [d, a, b].map(f64::to_bits)))
                    .collect::<Vec<_>>()
            };
            assert_eq!(bits(&proj), bits(&full));
            assert_eq!(proj.twe().to_bits(), full.twe().to_bits());
        }
    }
    assert!(partial > 300, "too few gated cases ({partial})");
}

/// The incremental projection against a full one, value for value, through random removals
/// and probes (the gate's decisions alone rarely reveal a rounding difference).
#[test]
fn incremental_projection_equals_a_full_projection_bit_for_bit() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    for _ in 0..500 {
        let balance = 100.0 + rng.next() * 10_000.0;
        let mut positions = Vec::new();
        let mut entries = Vec::new();
        for idx in 0..3 {
            let step = rng.pick(&[0.001, 0.01, 0.1]);
            let e = ex(step, step);
            let market = 1.0 + rng.next() * 500.0;
            if rng.next() < 0.6 {
                positions.push(GatePosition {
                    idx,
                    size: (1.0 + (rng.next() * 50.0).floor()) * step,
                    price: market * (1.0 + 0.05 * (rng.next() - 0.5)),
                    c_mult: 1.0,
                });
            }
            for level in 0..5 {
                let price = market * (1.0 - 0.013 * level as f64);
                let qty = (1.0 + (rng.next() * 30.0).floor()) * step;
                entries.push(entry(idx, qty, price, GridL, e, market));
            }
        }
        let twe0 = current_twe(balance, &positions);
        let (cands, n_slots) = make_candidates(&positions, &entries, |_, _| true, |_| 0.0);
        let mut fast = IncrementalProjection::new(balance, twe0, &cands, n_slots);
        let mut full = Projector::new(balance, twe0, n_slots);
        let mut order: Vec<usize> = (0..cands.len()).collect();
        order.sort_by_key(|_| (rng.next() * 1e9) as u64);
        for &i in &order {
            assert_eq!(
                fast.twe().to_bits(),
                full.twe(&cands, &fast.included, None).to_bits()
            );
            fast.remove(&cands, i);
            let state = fast.slot_state_after_all(cands[i].slot);
            let q = rng.next() * cands[i].qty;
            let probe = fast.twe_with_extra(&cands, fast.twe(), state, i, q);
            let want = full.twe(&cands, &fast.included, Some((i, q)));
            assert_eq!(probe.to_bits(), want.to_bits());
        }
    }
}
